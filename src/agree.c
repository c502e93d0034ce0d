/*
 * agree.c - agreement aggregates: the annqa.agree_state type (text and
 * binary I/O), transition, combine and final functions, and the composite
 * annqa.agreement_estimate.  The statistics themselves live in
 * core/agree_stats.c; this file turns ratings into their inputs.
 *
 * The state keeps every non-null rating as (item id, rater id, label id):
 * per-item counts are needed by most statistics and an item's ratings can
 * be split across partial states, so nothing smaller is mergeable.  Combine
 * remaps ids by value and appends, so results do not depend on how rows
 * were split; duplicate (item, rater) pairs, wherever they came from, are
 * found when the final function groups the merged ratings by item.
 */
#include "postgres.h"

#include <math.h>

#include "annqa.h"
#include "agree.h"
#include "agree_stats.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/base64.h"
#include "common/hashfn.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "port/pg_bswap.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

/* ---------------------------------------------------------------- hashing */

static inline uint32
agree_hash64(uint64 k)
{
	/* splitmix64 finaliser */
	k ^= k >> 30;
	k *= UINT64CONST(0xbf58476d1ce4e5b9);
	k ^= k >> 27;
	k *= UINT64CONST(0x94d049bb133111eb);
	k ^= k >> 31;
	return (uint32) k;
}

typedef struct IntEnt
{
	int64		key;
	uint32		id;
	char		status;
} IntEnt;

#define SH_PREFIX agree_ih
#define SH_ELEMENT_TYPE IntEnt
#define SH_KEY_TYPE int64
#define SH_KEY key
#define SH_HASH_KEY(tb, k) agree_hash64((uint64) (k))
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

typedef struct TextKey
{
	const char *p;
	uint32		len;
	uint32		hash;
} TextKey;

typedef struct TextEnt
{
	TextKey		key;
	uint32		id;
	char		status;
} TextEnt;

#define SH_PREFIX agree_th
#define SH_ELEMENT_TYPE TextEnt
#define SH_KEY_TYPE TextKey
#define SH_KEY key
#define SH_HASH_KEY(tb, k) ((k).hash)
#define SH_EQUAL(tb, a, b) ((a).hash == (b).hash && (a).len == (b).len && memcmp((a).p, (b).p, (a).len) == 0)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* ---------------------------------------------------------------- state */

#define AGREE_MAX_IDS ((uint32) PG_INT32_MAX)

/* A dictionary: distinct values -> dense ids 0 .. n-1. */
typedef struct Dict
{
	int			kind;
	uint32		n;
	uint32		cap;
	int64	   *ivals;			/* INT, FLOAT (bit pattern) */
	TextKey    *tvals;			/* TEXT */
	agree_ih_hash *ih;
	agree_th_hash *th;
	char	   *arena;
	Size		arena_used;
	Size		arena_cap;
	uint32		last_id;		/* one-entry cache of the previous lookup */
	bool		has_last;
} Dict;

/*
 * A rating.  item is the item id for text item keys, and the bigint key
 * itself for bigint item keys: those need no dictionary, and the final
 * function groups them by a radix sort on the key.
 */
typedef struct Rating
{
	uint64		item;
	uint32		rater;
	uint32		label;
} Rating;

typedef struct AgreeConfig
{
	uint8		mode;
	uint8		item_kind;
	uint8		rater_kind;
	uint8		label_kind;
	uint8		stat;			/* AgreeStat, 0 when the final function decides */
	uint8		weights;
	uint8		basis;			/* 0 index, 1 value */
	uint8		level;
	uint8		has_category;
	uint32		category;		/* label id */
	uint32		n_declared;		/* label ids 0 .. n_declared-1, in declared order */
	double		conf_level;
} AgreeConfig;

typedef struct AgreeState
{
	ExpandedObjectHeader hdr;
	AgreeConfig cfg;
	Dict		items;
	Dict		raters;
	Dict		labels;
	Rating	   *r;
	uint64		nr;
	uint64		cap;
	bool		unsorted;		/* some rating's item key is below its predecessor's */
	/* a parsed flat state whose ratings are not decoded yet (see state_merge) */
	const char *pend_data;
	Size		pend_len;
	Size		pend_pos;
	int			pend_errcode;
	uint64		pend_nr;
	/* cached flat form */
	char	   *flat;
	Size		flat_len;
} AgreeState;

static Size agree_get_flat_size(ExpandedObjectHeader *eohptr);
static void agree_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static void state_merge(AgreeState *dst, AgreeState *src, bool fresh);

static const ExpandedObjectMethods agree_methods = {
	agree_get_flat_size,
	agree_flatten_into
};

static void
dict_init(Dict *d, int kind, MemoryContext cxt)
{
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	if (kind == AGREE_KIND_TEXT)
		d->th = agree_th_create(cxt, 64, NULL);
	else if (kind != AGREE_KIND_NONE)
		d->ih = agree_ih_create(cxt, 64, NULL);
}

static void
dict_grow(Dict *d, MemoryContext cxt)
{
	uint32		ncap;

	if (d->n < d->cap)
		return;
	if (d->n >= AGREE_MAX_IDS)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("annqa agreement state has too many distinct keys"),
						errdetail("At most %u distinct items, raters or labels are supported.", AGREE_MAX_IDS)));
	ncap = d->cap ? (d->cap > AGREE_MAX_IDS / 2 ? AGREE_MAX_IDS : d->cap * 2) : 16;
	if (d->kind == AGREE_KIND_TEXT)
		d->tvals = d->tvals
			? repalloc_huge(d->tvals, mul_size(ncap, sizeof(TextKey)))
			: MemoryContextAllocHuge(cxt, mul_size(ncap, sizeof(TextKey)));
	else
		d->ivals = d->ivals
			? repalloc_huge(d->ivals, mul_size(ncap, sizeof(int64)))
			: MemoryContextAllocHuge(cxt, mul_size(ncap, sizeof(int64)));
	d->cap = ncap;
}

/* id of an integer (or float bit pattern); *found tells whether it existed */
static inline uint32
dict_int(Dict *d, int64 v, bool insert, bool *found, MemoryContext cxt)
{
	IntEnt	   *e;
	bool		f;

	if (d->has_last && d->ivals[d->last_id] == v)
	{
		*found = true;
		return d->last_id;
	}
	if (insert)
	{
		e = agree_ih_insert(d->ih, v, &f);
		if (!f)
		{
			dict_grow(d, cxt);
			e->id = d->n;
			d->ivals[d->n++] = v;
		}
	}
	else
	{
		e = agree_ih_lookup(d->ih, v);
		f = e != NULL;
		if (!f)
		{
			*found = false;
			return 0;
		}
	}
	*found = f;
	d->last_id = e->id;
	d->has_last = true;
	return e->id;
}

static inline uint32
dict_text(Dict *d, const char *p, uint32 len, bool insert, bool *found, MemoryContext cxt)
{
	TextEnt    *e;
	TextKey		k;
	bool		f;

	if (d->has_last && d->tvals[d->last_id].len == len &&
		memcmp(d->tvals[d->last_id].p, p, len) == 0)
	{
		*found = true;
		return d->last_id;
	}
	k.p = p;
	k.len = len;
	k.hash = hash_bytes((const unsigned char *) p, (int) len);
	if (!insert)
	{
		e = agree_th_lookup(d->th, k);
		if (e == NULL)
		{
			*found = false;
			return 0;
		}
		f = true;
	}
	else
	{
		e = agree_th_insert(d->th, k, &f);
		if (!f)
		{
			char	   *copy;

			if (d->arena == NULL || d->arena_cap - d->arena_used < len)
			{
				d->arena_cap = Max((Size) 65536, (Size) len);
				d->arena = MemoryContextAllocHuge(cxt, d->arena_cap);
				d->arena_used = 0;
			}
			copy = d->arena + d->arena_used;
			memcpy(copy, p, len);
			d->arena_used += len;
			e->key.p = copy;
			dict_grow(d, cxt);
			e->id = d->n;
			d->tvals[d->n] = e->key;
			d->n++;
		}
	}
	*found = f;
	d->last_id = e->id;
	d->has_last = true;
	return e->id;
}

static AgreeState *
state_new(MemoryContext parent, const AgreeConfig *cfg)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "annqa agreement state",
											  ALLOCSET_DEFAULT_SIZES);
	AgreeState *st = MemoryContextAllocZero(cxt, sizeof(AgreeState));

	EOH_init_header(&st->hdr, &agree_methods, cxt);
	st->cfg = *cfg;
	dict_init(&st->items, cfg->item_kind, cxt);
	dict_init(&st->raters, cfg->rater_kind, cxt);
	dict_init(&st->labels, cfg->label_kind, cxt);
	return st;
}

static inline void
state_append(AgreeState *st, uint64 item, uint32 rater, uint32 label)
{
	if (st->nr == st->cap)
	{
		uint64		ncap = st->cap ? st->cap * 2 : 1024;
		Size		bytes = mul_size((Size) ncap, sizeof(Rating));

		st->r = st->r ? repalloc_huge(st->r, bytes)
			: MemoryContextAllocHuge(st->hdr.eoh_context, bytes);
		st->cap = ncap;
	}
	if (st->nr > 0 && (int64) item < (int64) st->r[st->nr - 1].item)
		st->unsorted = true;
	st->r[st->nr].item = item;
	st->r[st->nr].rater = rater;
	st->r[st->nr].label = label;
	st->nr++;
	st->flat = NULL;
}

/* Ratings keyed by the bigint item key itself (long form, bigint items)? */
static inline bool
int_items(const AgreeState *st)
{
	return st->cfg.mode == AGREE_MODE_LONG && st->cfg.item_kind == AGREE_KIND_INT;
}

/*
 * Sort the ratings by signed bigint item key, in place and stably: an LSD
 * radix sort on 16-bit digits, skipping digits that never vary.  Nothing
 * is done when they are already in order (st->unsorted is false), which is
 * the common case of input clustered by item, and of partial states, which
 * are sorted when serialised (so parallel workers do the sorting and the
 * leader merges sorted runs, see state_merge).  Only the order of the
 * ratings changes, which no statistic depends on.
 */
static void
sort_ratings(AgreeState *st)
{
	uint64		nr = st->nr,
				j,
				andk = ~UINT64CONST(0),
				ork = 0,
				diff;
	Rating	   *a = st->r,
			   *b,
			   *t;
	Size	   *cnt;
	int			shift;

	if (!st->unsorted || nr < 2)
	{
		st->unsorted = false;
		return;
	}
	for (j = 0; j < nr; j++)
	{
		uint64		k = a[j].item ^ (UINT64CONST(1) << 63);

		andk &= k;
		ork |= k;
	}
	diff = andk ^ ork;
	b = MemoryContextAllocHuge(st->hdr.eoh_context, mul_size((Size) nr, sizeof(Rating)));
	cnt = palloc(65536 * sizeof(Size));
	for (shift = 0; shift < 64; shift += 16)
	{
		Size		sum = 0;

		if (((diff >> shift) & 0xFFFF) == 0)
			continue;
		memset(cnt, 0, 65536 * sizeof(Size));
		for (j = 0; j < nr; j++)
			cnt[((a[j].item ^ (UINT64CONST(1) << 63)) >> shift) & 0xFFFF]++;
		for (j = 0; j < 65536; j++)
		{
			Size		c = cnt[j];

			cnt[j] = sum;
			sum += c;
		}
		for (j = 0; j < nr; j++)
			b[cnt[((a[j].item ^ (UINT64CONST(1) << 63)) >> shift) & 0xFFFF]++] = a[j];
		t = a;
		a = b;
		b = t;
		CHECK_FOR_INTERRUPTS();
	}
	pfree(cnt);
	pfree(b);					/* the buffer not holding the result */
	st->r = a;
	st->cap = nr;
	st->unsorted = false;
}

/* ---------------------------------------------------------------- flat form */

/*
 * Ratings are stored as varints: zigzag(item - previous item), rater id,
 * label id; usually 3 bytes a rating instead of 16, which is what parallel
 * workers and Citus ship.
 */
static inline uint64
zigzag(uint64 d)
{
	return (d << 1) ^ (uint64) ((int64) d >> 63);
}

static inline uint64
unzigzag(uint64 z)
{
	return (z >> 1) ^ (~(z & 1) + 1);
}

static inline int
varint_len(uint64 v)
{
	int			n = 1;

	while (v >= 0x80)
	{
		v >>= 7;
		n++;
	}
	return n;
}

static inline int
put_varint(unsigned char *p, uint64 v)
{
	int			n = 0;

	while (v >= 0x80)
	{
		p[n++] = (unsigned char) (v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char) v;
	return n;
}

static Size
ratings_flat_size(const AgreeState *st)
{
	Size		s = 0;
	uint64		i,
				prev = 0;

	for (i = 0; i < st->nr; i++)
	{
		s += varint_len(zigzag(st->r[i].item - prev)) + varint_len(st->r[i].rater) +
			varint_len(st->r[i].label);
		prev = st->r[i].item;
	}
	return s;
}

static void
put_dict(StringInfo buf, const Dict *d)
{
	uint32		i;

	pq_sendint32(buf, d->n);
	for (i = 0; i < d->n; i++)
	{
		if (d->kind == AGREE_KIND_TEXT)
		{
			pq_sendint32(buf, d->tvals[i].len);
			pq_sendbytes(buf, d->tvals[i].p, d->tvals[i].len);
		}
		else
			pq_sendint64(buf, d->ivals[i]);
	}
}

static Size
dict_flat_size(const Dict *d)
{
	Size		s = 4;
	uint32		i;

	if (d->kind != AGREE_KIND_TEXT)
		return add_size(s, mul_size(d->n, 8));
	for (i = 0; i < d->n; i++)
		s = add_size(s, add_size(4, d->tvals[i].len));
	return s;
}

/* Serialise into st->flat (cached until the next change). */
static void
state_serialise(AgreeState *st)
{
	StringInfoData buf;
	Size		size;
	uint64		i;
	const AgreeConfig *c = &st->cfg;

	if (st->flat)
		return;
	if (int_items(st))
		sort_ratings(st);		/* partial states travel sorted by item */
	size = 4 + 12 + 8 + 8;
	size = add_size(size, dict_flat_size(&st->items));
	size = add_size(size, dict_flat_size(&st->raters));
	size = add_size(size, dict_flat_size(&st->labels));
	size = add_size(size, add_size(8, ratings_flat_size(st)));
	if (size > MaxAllocSize - VARHDRSZ - 1)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("annqa agreement state is too large to serialise"),
						errdetail("The flat state would take %zu bytes; the limit is 1 GB.", size),
						errhint("Aggregate without parallel workers, or in smaller groups.")));
	buf.data = MemoryContextAlloc(st->hdr.eoh_context, size + 1);
	buf.maxlen = (int) size + 1;
	buf.len = 0;
	buf.cursor = 0;
	pq_sendint32(&buf, AGREE_MAGIC);
	pq_sendbyte(&buf, AGREE_VERSION);
	pq_sendbyte(&buf, c->mode);
	pq_sendbyte(&buf, c->item_kind);
	pq_sendbyte(&buf, c->rater_kind);
	pq_sendbyte(&buf, c->label_kind);
	pq_sendbyte(&buf, c->stat);
	pq_sendbyte(&buf, c->weights);
	pq_sendbyte(&buf, c->basis);
	pq_sendbyte(&buf, c->level);
	pq_sendbyte(&buf, c->has_category);
	pq_sendbyte(&buf, 0);
	pq_sendbyte(&buf, 0);
	pq_sendfloat8(&buf, c->conf_level);
	pq_sendint32(&buf, c->category);
	pq_sendint32(&buf, c->n_declared);
	put_dict(&buf, &st->items);
	put_dict(&buf, &st->raters);
	put_dict(&buf, &st->labels);
	pq_sendint64(&buf, st->nr);
	{
		uint64		prev = 0;
		unsigned char *out = (unsigned char *) buf.data + buf.len;

		for (i = 0; i < st->nr; i++)
		{
			out += put_varint(out, zigzag(st->r[i].item - prev));
			out += put_varint(out, st->r[i].rater);
			out += put_varint(out, st->r[i].label);
			prev = st->r[i].item;
		}
		buf.len = (char *) out - buf.data;
	}
	Assert((Size) buf.len == size);
	st->flat = buf.data;
	st->flat_len = buf.len;
}

static Size
agree_get_flat_size(ExpandedObjectHeader *eohptr)
{
	AgreeState *st = (AgreeState *) eohptr;

	state_serialise(st);
	return VARHDRSZ + st->flat_len;
}

static void
agree_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	AgreeState *st = (AgreeState *) eohptr;

	state_serialise(st);
	Assert(allocated_size == VARHDRSZ + st->flat_len);
	SET_VARSIZE(result, allocated_size);
	memcpy(VARDATA(result), st->flat, st->flat_len);
}

/* reader over untrusted bytes: every failure raises errcode */
typedef struct Reader
{
	const char *p;
	Size		len;
	Size		pos;
	int			errcode;
} Reader;

static void pg_attribute_noreturn()
bad_state(Reader *rd, const char *what)
{
	ereport(ERROR, (errcode(rd->errcode),
					errmsg("invalid annqa.agree_state"),
					errdetail("%s at byte %zu.", what, rd->pos)));
}

static const char *
rd_bytes(Reader *rd, Size n)
{
	const char *p;

	if (n > rd->len - rd->pos)
		bad_state(rd, "Truncated state");
	p = rd->p + rd->pos;
	rd->pos += n;
	return p;
}

static uint8
rd_u8(Reader *rd)
{
	return (uint8) *rd_bytes(rd, 1);
}

static uint32
rd_u32(Reader *rd)
{
	uint32		v;

	memcpy(&v, rd_bytes(rd, 4), 4);
	return pg_ntoh32(v);
}

static uint64
rd_u64(Reader *rd)
{
	uint64		v;

	memcpy(&v, rd_bytes(rd, 8), 8);
	return pg_ntoh64(v);
}

static inline uint64
rd_varint(Reader *rd)
{
	uint64		v = 0;
	int			shift;

	for (shift = 0; shift < 64; shift += 7)
	{
		unsigned char b;

		if (rd->pos >= rd->len)
			bad_state(rd, "Truncated state");
		b = (unsigned char) rd->p[rd->pos++];
		if (shift == 63 && b > 1)
			bad_state(rd, "Overlong varint");
		v |= (uint64) (b & 0x7F) << shift;
		if (!(b & 0x80))
		{
			if (b == 0 && shift > 0)
				bad_state(rd, "Non-minimal varint");
			return v;
		}
	}
	bad_state(rd, "Overlong varint");
	return 0;
}

static void
rd_dict(Reader *rd, Dict *d, MemoryContext cxt)
{
	uint32		n = rd_u32(rd),
				i;
	bool		found;

	if (n > (rd->len - rd->pos) / 4)
		bad_state(rd, "Dictionary size exceeds the data");
	for (i = 0; i < n; i++)
	{
		if (d->kind == AGREE_KIND_TEXT)
		{
			uint32		len = rd_u32(rd);
			const char *s = rd_bytes(rd, len);

			if (memchr(s, '\0', len) != NULL ||
				!pg_verify_mbstr(GetDatabaseEncoding(), s, (int) len, true))
				bad_state(rd, "Invalid text key");
			dict_text(d, s, len, true, &found, cxt);
		}
		else
		{
			int64		v = (int64) rd_u64(rd);

			if (d->kind == AGREE_KIND_FLOAT)
			{
				double		f;

				memcpy(&f, &v, 8);
				if (!isfinite(f) || (f == 0 && v != 0))
					bad_state(rd, "Non-finite or negative-zero value");
			}
			dict_int(d, v, true, &found, cxt);
		}
		if (found)
			bad_state(rd, "Duplicate dictionary value");
	}
}

static bool
kind_ok(int k, bool none_ok, bool float_ok)
{
	return (k == AGREE_KIND_INT || k == AGREE_KIND_TEXT ||
			(none_ok && k == AGREE_KIND_NONE) || (float_ok && k == AGREE_KIND_FLOAT));
}

/* Parse and validate a flat state into a new expanded state under parent. */
/* Decode and check one rating; *prev is the previous item (key or id). */
static inline void
rd_rating(Reader *rd, const AgreeState *st, uint64 *prev, Rating *out)
{
	const AgreeConfig *c = &st->cfg;
	uint64		a = *prev + unzigzag(rd_varint(rd));
	uint64		b64 = rd_varint(rd),
				l64 = rd_varint(rd);
	uint32		b = (uint32) b64,
				l = (uint32) l64;
	uint32		nlab = c->n_declared ? c->n_declared : st->labels.n;

	if (b64 > PG_UINT32_MAX || l64 > PG_UINT32_MAX)
		bad_state(rd, "Rating id out of range");
	*prev = a;
	if (c->mode == AGREE_MODE_LONG)
	{
		if ((c->item_kind == AGREE_KIND_TEXT && a >= st->items.n) || b >= st->raters.n || l >= nlab)
			bad_state(rd, "Rating id out of range");
	}
	else if (a >= nlab || b >= nlab || l != 0)
		bad_state(rd, "Rating id out of range");
	out->item = a;
	out->rater = b;
	out->label = l;
}

/* Decode the nr ratings at rd into st->r; rd must end with them. */
static void
decode_ratings(AgreeState *st, Reader *rd, uint64 nr)
{
	uint64		i,
				prev = 0;

	if (nr > 0)
	{
		st->r = MemoryContextAllocHuge(st->hdr.eoh_context, mul_size((Size) nr, sizeof(Rating)));
		st->cap = nr;
	}
	for (i = 0; i < nr; i++)
	{
		uint64		before = prev;

		rd_rating(rd, st, &prev, &st->r[i]);
		if (i > 0 && (int64) prev < (int64) before)
			st->unsorted = true;
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	if (rd->pos != rd->len)
		bad_state(rd, "Trailing bytes");
	st->nr = nr;
}

/* Decode the ratings of a state parsed with head_only. */
static void
decode_pending(AgreeState *st)
{
	Reader		rd;

	if (!st->pend_data)
		return;
	rd.p = st->pend_data;
	rd.len = st->pend_len;
	rd.pos = st->pend_pos;
	rd.errcode = st->pend_errcode;
	st->pend_data = NULL;
	decode_ratings(st, &rd, st->pend_nr);
}

static AgreeState *
state_parse(const char *data, Size len, int errcode, MemoryContext parent, bool head_only)
{
	Reader		rd = {data, len, 0, errcode};
	AgreeConfig c;
	AgreeState *st;
	uint64		nr;
	double		conf;
	uint64		cbits;

	memset(&c, 0, sizeof(c));
	if (rd_u32(&rd) != AGREE_MAGIC)
		bad_state(&rd, "Bad magic number");
	if (rd_u8(&rd) != AGREE_VERSION)
		bad_state(&rd, "Unsupported version");
	c.mode = rd_u8(&rd);
	c.item_kind = rd_u8(&rd);
	c.rater_kind = rd_u8(&rd);
	c.label_kind = rd_u8(&rd);
	c.stat = rd_u8(&rd);
	c.weights = rd_u8(&rd);
	c.basis = rd_u8(&rd);
	c.level = rd_u8(&rd);
	c.has_category = rd_u8(&rd);
	if (rd_u8(&rd) != 0 || rd_u8(&rd) != 0)
		bad_state(&rd, "Reserved bytes are not zero");
	cbits = rd_u64(&rd);
	memcpy(&conf, &cbits, 8);
	c.conf_level = conf;
	c.category = rd_u32(&rd);
	c.n_declared = rd_u32(&rd);
	if (c.mode == AGREE_MODE_LONG)
	{
		if (!kind_ok(c.item_kind, false, false) || !kind_ok(c.rater_kind, false, false))
			bad_state(&rd, "Bad key kind");
	}
	else if (c.mode == AGREE_MODE_PAIRS)
	{
		if (c.item_kind != AGREE_KIND_NONE || c.rater_kind != AGREE_KIND_NONE)
			bad_state(&rd, "Bad key kind");
	}
	else
		bad_state(&rd, "Bad mode");
	if (!kind_ok(c.label_kind, false, true) || c.stat > AGREE_ALPHA ||
		c.weights > AGREE_W_QUADRATIC || c.basis > 1 || c.level > AGREE_RATIO ||
		c.has_category > 1 || !(conf > 0 && conf < 1))
		bad_state(&rd, "Bad configuration");
	if (!c.has_category && c.category != 0)
		bad_state(&rd, "Bad configuration");

	st = state_new(parent, &c);
	rd_dict(&rd, &st->items, st->hdr.eoh_context);
	rd_dict(&rd, &st->raters, st->hdr.eoh_context);
	rd_dict(&rd, &st->labels, st->hdr.eoh_context);
	if (c.mode == AGREE_MODE_PAIRS && (st->items.n != 0 || st->raters.n != 0))
		bad_state(&rd, "Keys in a wide-form state");
	if ((c.has_category && c.category >= st->labels.n) || c.n_declared > st->labels.n)
		bad_state(&rd, "Category id out of range");
	nr = rd_u64(&rd);
	if (c.mode == AGREE_MODE_LONG && c.item_kind == AGREE_KIND_INT && st->items.n != 0)
		bad_state(&rd, "Item dictionary with bigint item keys");
	if (nr > (rd.len - rd.pos) / 3)
		bad_state(&rd, "Rating count exceeds the data");
	if (head_only)
	{
		st->pend_data = rd.p;
		st->pend_len = rd.len;
		st->pend_pos = rd.pos;
		st->pend_errcode = rd.errcode;
		st->pend_nr = nr;
		return st;
	}
	decode_ratings(st, &rd, nr);
	return st;
}

/*
 * An agree_state datum for reading: expanded (ours) or parsed from flat
 * (head_only: ratings left undecoded, for state_merge to stream).
 */
static AgreeState *
state_read_ex(Datum d, MemoryContext parent, bool head_only)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(d);

	if (VARATT_IS_EXTERNAL_EXPANDED(v))
	{
		ExpandedObjectHeader *eoh = DatumGetEOHP(d);

		if (eoh->eoh_methods == &agree_methods)
			return (AgreeState *) eoh;
	}
	v = PG_DETOAST_DATUM(d);
	return state_parse(VARDATA(v), VARSIZE(v) - VARHDRSZ, ERRCODE_DATA_CORRUPTED, parent, head_only);
}

#define state_read(d, parent) state_read_ex((d), (parent), false)

/* The state argument of a transition/combine call, writable in aggcontext. */
static AgreeState *
state_writable(FunctionCallInfo fcinfo, int argno, MemoryContext aggcxt)
{
	Datum		d = PG_GETARG_DATUM(argno);
	struct varlena *v = (struct varlena *) DatumGetPointer(d);

	if (VARATT_IS_EXTERNAL_EXPANDED_RW(v))
	{
		ExpandedObjectHeader *eoh = DatumGetEOHP(d);

		if (eoh->eoh_methods == &agree_methods &&
			MemoryContextGetParent(eoh->eoh_context) == aggcxt)
			return (AgreeState *) eoh;
	}
	if (VARATT_IS_EXTERNAL_EXPANDED(v) &&
		DatumGetEOHP(d)->eoh_methods == &agree_methods)
	{
		AgreeState *src = (AgreeState *) DatumGetEOHP(d);
		AgreeState *dst = state_new(aggcxt, &src->cfg);

		state_merge(dst, src, true);
		return dst;
	}
	v = PG_DETOAST_DATUM(d);
	return state_parse(VARDATA(v), VARSIZE(v) - VARHDRSZ, ERRCODE_DATA_CORRUPTED, aggcxt, false);
}

/* ---------------------------------------------------------------- text/binary I/O */

PG_FUNCTION_INFO_V1(annqa_agree_state_in);
Datum
annqa_agree_state_in(PG_FUNCTION_ARGS)
{
	char	   *s = PG_GETARG_CSTRING(0);
	Size		plen = strlen(AGREE_TEXT_PREFIX),
				slen = strlen(s);
	int			dlen;
	char	   *bytes;
	bytea	   *res;
	MemoryContext tmp,
				old;

	if (slen < plen || strncmp(s, AGREE_TEXT_PREFIX, plen) != 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						errmsg("invalid input syntax for type annqa.agree_state"),
						errdetail("The text form starts with \"%s\".", AGREE_TEXT_PREFIX)));
	if (slen - plen > (Size) PG_INT32_MAX)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("annqa.agree_state text is too long")));
	dlen = pg_b64_dec_len((int) (slen - plen));
	res = palloc(VARHDRSZ + dlen + 1);
	bytes = VARDATA(res);
	dlen = pg_b64_decode(s + plen, (int) (slen - plen), bytes, dlen + 1);
	if (dlen < 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						errmsg("invalid input syntax for type annqa.agree_state"),
						errdetail("The payload is not valid base64.")));
	tmp = AllocSetContextCreate(CurrentMemoryContext, "annqa agree_state_in", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(tmp);
	(void) state_parse(bytes, dlen, ERRCODE_INVALID_TEXT_REPRESENTATION, tmp, false);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
	SET_VARSIZE(res, VARHDRSZ + dlen);
	PG_RETURN_POINTER(res);
}

PG_FUNCTION_INFO_V1(annqa_agree_state_out);
Datum
annqa_agree_state_out(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	int			len = VARSIZE(v) - VARHDRSZ;
	Size		plen = strlen(AGREE_TEXT_PREFIX);
	int			elen = pg_b64_enc_len(len);
	char	   *out = palloc(plen + elen + 1);
	int			n;

	memcpy(out, AGREE_TEXT_PREFIX, plen);
	n = pg_b64_encode(VARDATA(v), len, out + plen, elen);
	if (n < 0)
		elog(ERROR, "base64 encoding of annqa.agree_state failed");
	out[plen + n] = '\0';
	PG_RETURN_CSTRING(out);
}

PG_FUNCTION_INFO_V1(annqa_agree_state_recv);
Datum
annqa_agree_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			len = buf->len - buf->cursor;
	bytea	   *res = palloc(VARHDRSZ + len);
	MemoryContext tmp,
				old;

	memcpy(VARDATA(res), buf->data + buf->cursor, len);
	buf->cursor = buf->len;
	SET_VARSIZE(res, VARHDRSZ + len);
	tmp = AllocSetContextCreate(CurrentMemoryContext, "annqa agree_state_recv", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(tmp);
	(void) state_parse(VARDATA(res), len, ERRCODE_INVALID_BINARY_REPRESENTATION, tmp, false);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
	PG_RETURN_POINTER(res);
}

PG_FUNCTION_INFO_V1(annqa_agree_state_send);
Datum
annqa_agree_state_send(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, VARDATA(v), VARSIZE(v) - VARHDRSZ);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ---------------------------------------------------------------- configuration */

static int
kind_of_type(Oid t, const char *fn)
{
	switch (t)
	{
		case INT8OID:
			return AGREE_KIND_INT;
		case TEXTOID:
			return AGREE_KIND_TEXT;
		case FLOAT8OID:
			return AGREE_KIND_FLOAT;
		default:
			elog(ERROR, "%s: unsupported argument type %u", fn, t);
	}
	return AGREE_KIND_NONE;
}

static AgreeWeights
parse_weights(const char *s, const char *fn)
{
	if (strcmp(s, "none") == 0)
		return AGREE_W_NONE;
	if (strcmp(s, "linear") == 0)
		return AGREE_W_LINEAR;
	if (strcmp(s, "quadratic") == 0)
		return AGREE_W_QUADRATIC;
	ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					errmsg("%s: unknown weights \"%s\"", fn, s),
					errhint("Use 'none', 'linear' or 'quadratic'.")));
	return AGREE_W_NONE;
}

static AgreeLevel
parse_level(const char *s, const char *fn)
{
	if (strcmp(s, "nominal") == 0)
		return AGREE_NOMINAL;
	if (strcmp(s, "ordinal") == 0)
		return AGREE_ORDINAL;
	if (strcmp(s, "interval") == 0)
		return AGREE_INTERVAL;
	if (strcmp(s, "ratio") == 0)
		return AGREE_RATIO;
	ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					errmsg("%s: unknown level \"%s\"", fn, s),
					errhint("Use 'nominal', 'ordinal', 'interval' or 'ratio'.")));
	return AGREE_NOMINAL;
}

static const char *const stat_names[] = {
	NULL, "cohen_kappa", "scott_pi", "fleiss_kappa", "fleiss_kappa_category",
	"gwet_ac1", "gwet_ac2", "brennan_prediger", "percent_agreement",
	"percent_agreement_unanimous", "krippendorff_alpha"
};

static AgreeStat
parse_stat(const char *s, const char *fn)
{
	int			i;

	for (i = 1; i <= AGREE_ALPHA; i++)
		if (strcmp(s, stat_names[i]) == 0)
			return (AgreeStat) i;
	ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					errmsg("%s: unknown statistic \"%s\"", fn, s),
					errhint("Use cohen_kappa, scott_pi, fleiss_kappa, fleiss_kappa_category, gwet_ac1, gwet_ac2, "
							"brennan_prediger, percent_agreement, percent_agreement_unanimous or krippendorff_alpha.")));
	return AGREE_COHEN;
}

/* key (item or rater) id */
static inline uint32
key_id(Dict *d, Datum v, MemoryContext cxt)
{
	bool		found;

	if (d->kind == AGREE_KIND_INT)
		return dict_int(d, DatumGetInt64(v), true, &found, cxt);
	else
	{
		text	   *t = DatumGetTextPP(v);

		return dict_text(d, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), true, &found, cxt);
	}
}

static inline int64
float_bits(double f, const char *fn)
{
	int64		b;

	if (!isfinite(f))
		ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						errmsg("%s: label values must be finite", fn)));
	if (f == 0)
		f = 0.0;				/* one zero */
	memcpy(&b, &f, 8);
	return b;
}

/*
 * Label id of a value.  With declared categories, an undeclared label is an
 * error unless declaring is true (then the value is being declared).
 */
static inline uint32
label_id(AgreeState *st, Datum v, bool declaring, bool *found, const char *fn)
{
	Dict	   *d = &st->labels;
	MemoryContext cxt = st->hdr.eoh_context;
	bool		insert = declaring || st->cfg.n_declared == 0;
	uint32		id;

	if (d->kind == AGREE_KIND_TEXT)
	{
		text	   *t = DatumGetTextPP(v);

		id = dict_text(d, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), insert, found, cxt);
	}
	else
		id = dict_int(d, d->kind == AGREE_KIND_INT ? DatumGetInt64(v) : float_bits(DatumGetFloat8(v), fn),
					  insert, found, cxt);
	if (!insert && (!*found || id >= st->cfg.n_declared))
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("%s: label is not among the declared categories", fn)));
	return id;
}

static void
declare_category(AgreeState *st, Datum v, const char *fn)
{
	bool		found;

	(void) label_id(st, v, true, &found, fn);
	if (found)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("%s: declared categories must be distinct", fn)));
	st->cfg.n_declared++;
}

static void
declare_array(AgreeState *st, ArrayType *arr, const char *fn)
{
	Datum	   *el;
	bool	   *nulls;
	int			n,
				i;
	int16		typlen;
	bool		byval;
	char		align;
	Oid			et = ARR_ELEMTYPE(arr);

	if (kind_of_type(et, fn) != st->cfg.label_kind)
		elog(ERROR, "%s: categories array type does not match the labels", fn);
	get_typlenbyvalalign(et, &typlen, &byval, &align);
	deconstruct_array(arr, et, typlen, byval, align, &el, &nulls, &n);
	if (n == 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("%s: declared categories must not be empty", fn)));
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							errmsg("%s: declared categories must not contain NULL", fn)));
		declare_category(st, el[i], fn);
	}
}

/* A JSON scalar as a label datum of the state's label kind. */
static Datum
json_label(AgreeState *st, JsonbValue *v, const char *fn, const char *key)
{
	int			kind = st->cfg.label_kind;

	if (kind == AGREE_KIND_TEXT && v->type == jbvString)
		return PointerGetDatum(cstring_to_text_with_len(v->val.string.val, v->val.string.len));
	if (kind != AGREE_KIND_TEXT && v->type == jbvNumeric)
	{
		if (kind == AGREE_KIND_FLOAT)
			return DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric));
		else
		{
			char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
			char	   *end;
			long long	x;

			errno = 0;
			x = strtoll(s, &end, 10);
			if (errno == 0 && *end == '\0' && end != s)
				return Int64GetDatum((int64) x);
		}
	}
	ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					errmsg("%s: option \"%s\" must hold %s labels", fn, key,
						   kind == AGREE_KIND_TEXT ? "string" : kind == AGREE_KIND_INT ? "integer" : "numeric")));
	return (Datum) 0;
}

static char *
json_string(JsonbValue *v, const char *fn, const char *key)
{
	if (v->type != jbvString)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("%s: option \"%s\" must be a string", fn, key)));
	return pnstrdup(v->val.string.val, v->val.string.len);
}

static void
parse_options(AgreeState *st, Jsonb *jb, const char *fn)
{
	JsonbContainer *root = &jb->root;
	JsonbValue	vbuf,
			   *v;
	int			known = 0;

	if (!JsonContainerIsObject(root))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("%s: options must be a JSON object", fn)));
	/* declared categories first: they take label ids 0 .. n-1 */
	if ((v = getKeyJsonValueFromContainer(root, "categories", 10, &vbuf)) != NULL)
	{
		JsonbContainer *arr;
		uint32		i,
					n;

		known++;
		if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data) ||
			JsonContainerSize(v->val.binary.data) == 0)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("%s: option \"categories\" must be a non-empty JSON array", fn)));
		arr = v->val.binary.data;
		n = JsonContainerSize(arr);
		for (i = 0; i < n; i++)
		{
			JsonbValue *e = getIthJsonbValueFromContainer(arr, i);

			declare_category(st, json_label(st, e, fn, "categories"), fn);
		}
	}
	if ((v = getKeyJsonValueFromContainer(root, "weights", 7, &vbuf)) != NULL)
	{
		known++;
		st->cfg.weights = parse_weights(json_string(v, fn, "weights"), fn);
	}
	if ((v = getKeyJsonValueFromContainer(root, "basis", 5, &vbuf)) != NULL)
	{
		char	   *s = json_string(v, fn, "basis");

		known++;
		if (strcmp(s, "index") == 0)
			st->cfg.basis = 0;
		else if (strcmp(s, "value") == 0)
			st->cfg.basis = 1;
		else
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("%s: unknown basis \"%s\"", fn, s),
							errhint("Use 'index' or 'value'.")));
	}
	if ((v = getKeyJsonValueFromContainer(root, "level", 5, &vbuf)) != NULL)
	{
		known++;
		st->cfg.level = parse_level(json_string(v, fn, "level"), fn);
	}
	if ((v = getKeyJsonValueFromContainer(root, "conf_level", 10, &vbuf)) != NULL)
	{
		double		c;

		known++;
		if (v->type != jbvNumeric)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("%s: option \"conf_level\" must be a number", fn)));
		c = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric)));
		if (!(c > 0 && c < 1))
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("%s: option \"conf_level\" must lie strictly between 0 and 1", fn)));
		st->cfg.conf_level = c;
	}
	if ((v = getKeyJsonValueFromContainer(root, "category", 8, &vbuf)) != NULL)
	{
		bool		found;
		Datum		d;

		known++;
		d = json_label(st, v, fn, "category");
		if (st->cfg.n_declared > 0)
			st->cfg.category = label_id(st, d, false, &found, fn);
		else
			st->cfg.category = label_id(st, d, true, &found, fn);
		st->cfg.has_category = 1;
	}
	if (known != (int) JsonContainerSize(root))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("%s: unknown option", fn),
						errhint("Known options: weights, basis, categories, level, category, conf_level.")));
}

/* ---------------------------------------------------------------- transition */

typedef enum Shape
{
	SH_PLAIN,					/* (item, rater, label) */
	SH_CATS,					/* + categories[] */
	SH_CATEGORY,				/* + category */
	SH_WEIGHTS,					/* + weights */
	SH_WEIGHTS_CATS,			/* + weights, categories[] */
	SH_LEVEL,					/* (item, rater, value, level) */
	SH_OPTIONS,					/* + statistic, options */
	SH_PAIR,					/* (label_a, label_b) */
	SH_PAIR_W,					/* + weights */
	SH_PAIR_WC					/* + weights, categories[] */
} Shape;

static void
check_level_kind(AgreeState *st, const char *fn)
{
	if (st->cfg.label_kind == AGREE_KIND_TEXT && st->cfg.level != AGREE_NOMINAL)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("%s: text values support only the nominal level", fn)));
}

static void
require_arg(FunctionCallInfo fcinfo, int argno, const char *fn, const char *what)
{
	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("%s: %s must not be null", fn, what)));
}

static AgreeState *
state_create(FunctionCallInfo fcinfo, Shape shape, MemoryContext aggcxt, const char *fn)
{
	AgreeConfig c;
	AgreeState *st;
	bool		pairs = shape >= SH_PAIR;
	bool		found;

	memset(&c, 0, sizeof(c));
	c.conf_level = 0.95;
	if (pairs)
	{
		c.mode = AGREE_MODE_PAIRS;
		c.label_kind = kind_of_type(get_fn_expr_argtype(fcinfo->flinfo, 1), fn);
		if (kind_of_type(get_fn_expr_argtype(fcinfo->flinfo, 2), fn) != c.label_kind)
			elog(ERROR, "%s: label types differ", fn);
	}
	else
	{
		c.mode = AGREE_MODE_LONG;
		c.item_kind = kind_of_type(get_fn_expr_argtype(fcinfo->flinfo, 1), fn);
		c.rater_kind = kind_of_type(get_fn_expr_argtype(fcinfo->flinfo, 2), fn);
		c.label_kind = kind_of_type(get_fn_expr_argtype(fcinfo->flinfo, 3), fn);
		if (c.item_kind == AGREE_KIND_FLOAT || c.rater_kind == AGREE_KIND_FLOAT)
			elog(ERROR, "%s: keys must be bigint or text", fn);
	}
	st = state_new(aggcxt, &c);
	switch (shape)
	{
		case SH_PLAIN:
		case SH_PAIR:
			break;
		case SH_CATS:
			if (!PG_ARGISNULL(4))
				declare_array(st, PG_GETARG_ARRAYTYPE_P(4), fn);
			break;
		case SH_CATEGORY:
			require_arg(fcinfo, 4, fn, "category");
			st->cfg.category = label_id(st, PG_GETARG_DATUM(4), true, &found, fn);
			st->cfg.has_category = 1;
			break;
		case SH_WEIGHTS:
		case SH_WEIGHTS_CATS:
			require_arg(fcinfo, 4, fn, "weights");
			st->cfg.weights = parse_weights(text_to_cstring(PG_GETARG_TEXT_PP(4)), fn);
			if (shape == SH_WEIGHTS_CATS && !PG_ARGISNULL(5))
				declare_array(st, PG_GETARG_ARRAYTYPE_P(5), fn);
			break;
		case SH_LEVEL:
			require_arg(fcinfo, 4, fn, "level");
			st->cfg.level = parse_level(text_to_cstring(PG_GETARG_TEXT_PP(4)), fn);
			st->cfg.stat = AGREE_ALPHA;
			check_level_kind(st, fn);
			break;
		case SH_OPTIONS:
			require_arg(fcinfo, 4, fn, "statistic");
			st->cfg.stat = parse_stat(text_to_cstring(PG_GETARG_TEXT_PP(4)), fn);
			if (PG_NARGS() > 5 && !PG_ARGISNULL(5))
				parse_options(st, PG_GETARG_JSONB_P(5), fn);
			if (st->cfg.stat == AGREE_FLEISS_CATEGORY && !st->cfg.has_category)
				ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								errmsg("%s: fleiss_kappa_category needs the option \"category\"", fn)));
			if (st->cfg.stat == AGREE_ALPHA)
				check_level_kind(st, fn);
			if (st->cfg.basis == 1 && st->cfg.weights != AGREE_W_NONE &&
				st->cfg.label_kind == AGREE_KIND_TEXT)
				ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								errmsg("%s: value-based weights need numeric labels", fn)));
			break;
		case SH_PAIR_W:
		case SH_PAIR_WC:
			require_arg(fcinfo, 3, fn, "weights");
			st->cfg.weights = parse_weights(text_to_cstring(PG_GETARG_TEXT_PP(3)), fn);
			if (shape == SH_PAIR_WC && !PG_ARGISNULL(4))
				declare_array(st, PG_GETARG_ARRAYTYPE_P(4), fn);
			break;
	}
	return st;
}

static Datum
agree_trans_common(FunctionCallInfo fcinfo, Shape shape, const char *fn)
{
	MemoryContext aggcxt;
	AgreeState *st;
	bool		pairs = shape >= SH_PAIR;
	bool		found;
	uint32		a,
				b,
				l;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "%s called in non-aggregate context", fn);
	(void) a;
	if (pairs ? (PG_ARGISNULL(1) || PG_ARGISNULL(2)) : PG_ARGISNULL(3))
	{
		/* NULL labels are ignored */
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	if (!pairs && (PG_ARGISNULL(1) || PG_ARGISNULL(2)))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("%s: item and rater must not be null", fn)));
	st = PG_ARGISNULL(0) ? state_create(fcinfo, shape, aggcxt, fn)
		: state_writable(fcinfo, 0, aggcxt);
	if (pairs)
	{
		a = label_id(st, PG_GETARG_DATUM(1), false, &found, fn);
		b = label_id(st, PG_GETARG_DATUM(2), false, &found, fn);
		state_append(st, a, b, 0);
	}
	else
	{
		uint64		item;

		if (st->items.kind == AGREE_KIND_INT)
			item = (uint64) DatumGetInt64(PG_GETARG_DATUM(1));
		else
			item = key_id(&st->items, PG_GETARG_DATUM(1), st->hdr.eoh_context);
		b = key_id(&st->raters, PG_GETARG_DATUM(2), st->hdr.eoh_context);
		l = label_id(st, PG_GETARG_DATUM(3), false, &found, fn);
		state_append(st, item, b, l);
	}
	PG_RETURN_DATUM(EOHPGetRWDatum(&st->hdr));
}

#define AGREE_TRANS(sym, shape, name) \
PG_FUNCTION_INFO_V1(sym); \
Datum sym(PG_FUNCTION_ARGS) { return agree_trans_common(fcinfo, shape, name); }

AGREE_TRANS(annqa_agree_trans, SH_PLAIN, "annqa agreement aggregate")
AGREE_TRANS(annqa_agree_trans_cats, SH_CATS, "annqa agreement aggregate")
AGREE_TRANS(annqa_agree_trans_category, SH_CATEGORY, "annqa.fleiss_kappa_category")
AGREE_TRANS(annqa_agree_trans_weights, SH_WEIGHTS, "annqa.gwet_ac2")
AGREE_TRANS(annqa_agree_trans_bp_weights, SH_WEIGHTS, "annqa.brennan_prediger")
AGREE_TRANS(annqa_agree_trans_weights_cats, SH_WEIGHTS_CATS, "annqa.gwet_ac2")
AGREE_TRANS(annqa_agree_trans_bp_weights_cats, SH_WEIGHTS_CATS, "annqa.brennan_prediger")
AGREE_TRANS(annqa_agree_trans_level, SH_LEVEL, "annqa.krippendorff_alpha")
AGREE_TRANS(annqa_agree_trans_options, SH_OPTIONS, "annqa.agreement")
AGREE_TRANS(annqa_agree_trans_pair, SH_PAIR, "annqa two-rater aggregate")
AGREE_TRANS(annqa_agree_trans_pair_w, SH_PAIR_W, "annqa two-rater aggregate")
AGREE_TRANS(annqa_agree_trans_pair_wc, SH_PAIR_WC, "annqa two-rater aggregate")

/* ---------------------------------------------------------------- combine */

static uint32 *
map_dict(AgreeState *dst, Dict *dd, const Dict *sd)
{
	uint32	   *map = palloc_extended(mul_size(Max(sd->n, 1), sizeof(uint32)), MCXT_ALLOC_HUGE);
	uint32		i;
	bool		found;

	for (i = 0; i < sd->n; i++)
	{
		if (sd->kind == AGREE_KIND_TEXT)
			map[i] = dict_text(dd, sd->tvals[i].p, sd->tvals[i].len, true, &found, dst->hdr.eoh_context);
		else
			map[i] = dict_int(dd, sd->ivals[i], true, &found, dst->hdr.eoh_context);
	}
	return map;
}

/*
 * Merge the undecoded ratings of src (parsed head_only) into dst, both
 * sorted by bigint item key, decoding as we go: the leader of a parallel
 * plan never materialises a worker's ratings separately.  Returns false,
 * with dst untouched, when src turns out not to be sorted.
 */
static bool
merge_stream(AgreeState *dst, AgreeState *src, const uint32 *rm, const uint32 *lm)
{
	Reader		rd;
	uint64		nd = dst->nr,
				ns = src->pend_nr,
				a = 0,
				b,
				o = 0,
				prev = 0;
	Size		n = add_size((Size) nd, (Size) ns);
	Rating	   *out = MemoryContextAllocHuge(dst->hdr.eoh_context, mul_size(Max(n, 1), sizeof(Rating)));

	rd.p = src->pend_data;
	rd.len = src->pend_len;
	rd.pos = src->pend_pos;
	rd.errcode = src->pend_errcode;
	for (b = 0; b < ns; b++)
	{
		Rating		cur;
		uint64		before = prev;

		rd_rating(&rd, src, &prev, &cur);
		if (b > 0 && (int64) prev < (int64) before)
		{
			pfree(out);
			return false;
		}
		while (a < nd && (int64) dst->r[a].item <= (int64) cur.item)
			out[o++] = dst->r[a++];
		out[o].item = cur.item;
		out[o].rater = rm[cur.rater];
		out[o].label = lm[cur.label];
		o++;
		if ((b & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	if (rd.pos != rd.len)
		bad_state(&rd, "Trailing bytes");
	if (a < nd)
		memcpy(out + o, dst->r + a, (nd - a) * sizeof(Rating));
	if (dst->r)
		pfree(dst->r);
	dst->r = out;
	dst->nr = dst->cap = n;
	src->pend_data = NULL;
	return true;
}

static void
state_merge(AgreeState *dst, AgreeState *src, bool fresh)
{
	const AgreeConfig *a = &dst->cfg,
			   *b = &src->cfg;
	uint32	   *im,
			   *rm,
			   *lm;
	uint64		i;
	uint32		j;
	bool		streamed = false;

	if (!fresh &&
		(a->mode != b->mode || a->item_kind != b->item_kind || a->rater_kind != b->rater_kind ||
		 a->label_kind != b->label_kind || a->stat != b->stat || a->weights != b->weights ||
		 a->basis != b->basis || a->level != b->level || a->has_category != b->has_category ||
		 a->conf_level != b->conf_level || a->n_declared != b->n_declared))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("annqa agreement aggregate: the statistic, options and argument types must be the same on every row")));
	lm = map_dict(dst, &dst->labels, &src->labels);
	if (!fresh)
	{
		for (j = 0; j < b->n_declared; j++)
			if (lm[j] != j)
				ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								errmsg("annqa agreement aggregate: the declared categories must be the same on every row")));
		if (b->has_category && lm[b->category] != a->category)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("annqa agreement aggregate: the category must be the same on every row")));
	}
	else
	{
		dst->cfg = *b;
		if (b->has_category)
			dst->cfg.category = lm[b->category];
	}
	im = map_dict(dst, &dst->items, &src->items);
	rm = map_dict(dst, &dst->raters, &src->raters);
	if (src->pend_data)
	{
		if (!fresh && int_items(dst) && !dst->unsorted && dst->nr > 0 &&
			merge_stream(dst, src, rm, lm))
			streamed = true;
		else
			decode_pending(src);
	}
	if (streamed)
		;						/* merged while decoding */
	else if (!fresh && int_items(dst) && !dst->unsorted && !src->unsorted &&
		dst->nr > 0 && src->nr > 0 &&
		(int64) src->r[0].item < (int64) dst->r[dst->nr - 1].item)
	{
		/*
		 * Two runs sorted by item key (partial states are sorted when
		 * serialised): merge them in linear time, so the result is sorted
		 * too and the final function need not sort.  Ties keep dst first.
		 */
		uint64		nd = dst->nr,
					ns = src->nr,
					a = 0,
					b = 0,
					o = 0;
		Size		n = add_size((Size) nd, (Size) ns);
		Rating	   *out = MemoryContextAllocHuge(dst->hdr.eoh_context, mul_size(n, sizeof(Rating)));

		while (a < nd && b < ns)
		{
			if ((int64) src->r[b].item < (int64) dst->r[a].item)
			{
				out[o].item = src->r[b].item;
				out[o].rater = rm[src->r[b].rater];
				out[o].label = lm[src->r[b].label];
				b++;
			}
			else
				out[o] = dst->r[a++];
			if ((++o & 0xFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
		}
		if (a < nd)
			memcpy(out + o, dst->r + a, (nd - a) * sizeof(Rating));
		for (; b < ns; b++)
		{
			o = nd + b;
			out[o].item = src->r[b].item;
			out[o].rater = rm[src->r[b].rater];
			out[o].label = lm[src->r[b].label];
		}
		pfree(dst->r);
		dst->r = out;
		dst->nr = dst->cap = n;
	}
	else
	for (i = 0; i < src->nr; i++)
	{
		const Rating *r = &src->r[i];

		if (b->mode == AGREE_MODE_PAIRS)
			state_append(dst, lm[r->item], lm[r->rater], 0);
		else
			state_append(dst, dst->cfg.item_kind == AGREE_KIND_INT ? r->item : im[r->item],
						 rm[r->rater], lm[r->label]);
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	pfree(im);
	pfree(rm);
	pfree(lm);
	dst->flat = NULL;
}

PG_FUNCTION_INFO_V1(annqa_agree_combine);
Datum
annqa_agree_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt,
				tmp,
				old;
	AgreeState *dst,
			   *src;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "annqa_agree_combine called in non-aggregate context");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	tmp = AllocSetContextCreate(CurrentMemoryContext, "annqa agree combine", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(tmp);
	if (PG_ARGISNULL(0))
	{
		/* the first partial state: parse a flat one straight into aggcxt */
		dst = state_writable(fcinfo, 1, aggcxt);
	}
	else
	{
		dst = state_writable(fcinfo, 0, aggcxt);
		src = state_read_ex(PG_GETARG_DATUM(1), tmp, true);
		state_merge(dst, src, false);
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
	PG_RETURN_DATUM(EOHPGetRWDatum(&dst->hdr));
}

/* ---------------------------------------------------------------- final */

static char *
key_string(const Dict *d, uint32 id)
{
	if (d->kind == AGREE_KIND_TEXT)
		return pnstrdup(d->tvals[id].p, Min(d->tvals[id].len, 200));
	if (d->kind == AGREE_KIND_FLOAT)
	{
		double		f;

		memcpy(&f, &d->ivals[id], 8);
		return psprintf("%g", f);
	}
	return psprintf(INT64_FORMAT, d->ivals[id]);
}

static double
label_number(const AgreeState *st, uint32 id, const char *fn)
{
	const Dict *d = &st->labels;
	double		f;

	if (d->kind == AGREE_KIND_INT)
		return (double) d->ivals[id];
	if (d->kind == AGREE_KIND_FLOAT)
	{
		memcpy(&f, &d->ivals[id], 8);
		return f;
	}
	ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					errmsg("%s: value-based weights and interval or ratio levels need numeric labels", fn)));
	return 0;
}

static int
label_cmp(const void *pa, const void *pb, void *arg)
{
	const Dict *d = (const Dict *) arg;
	uint32		a = *(const uint32 *) pa,
				b = *(const uint32 *) pb;

	if (d->kind == AGREE_KIND_INT)
		return d->ivals[a] < d->ivals[b] ? -1 : d->ivals[a] > d->ivals[b];
	if (d->kind == AGREE_KIND_FLOAT)
	{
		double		x,
					y;

		memcpy(&x, &d->ivals[a], 8);
		memcpy(&y, &d->ivals[b], 8);
		return x < y ? -1 : x > y;
	}
	else
	{
		const TextKey *x = &d->tvals[a],
				   *y = &d->tvals[b];
		int			c = memcmp(x->p, y->p, Min(x->len, y->len));

		if (c != 0)
			return c;
		return x->len < y->len ? -1 : x->len > y->len;
	}
}

/*
 * Category index of every label id (-1: not in the set), from the declared
 * categories or the sorted used ones.  *x receives the positions: index, or
 * numeric value when by_value.  Returns q.
 */
static int
build_categories(const AgreeState *st, const bool *used, int *catof, double **x, bool by_value,
				 const char *fn)
{
	uint32		n = st->labels.n,
				i;
	uint32	   *ids = palloc_extended(mul_size(Max(n, 1), sizeof(uint32)), MCXT_ALLOC_HUGE);
	int			q = 0;

	for (i = 0; i < n; i++)
		catof[i] = -1;
	if (st->cfg.n_declared > 0)
	{
		for (i = 0; i < st->cfg.n_declared; i++)
			ids[q++] = i;
	}
	else
	{
		for (i = 0; i < n; i++)
			if (used[i])
				ids[q++] = i;
		qsort_arg(ids, q, sizeof(uint32), label_cmp, (void *) &st->labels);
	}
	*x = palloc_extended(mul_size(Max(q, 1), sizeof(double)), MCXT_ALLOC_HUGE);
	for (i = 0; i < (uint32) q; i++)
	{
		catof[ids[i]] = (int) i;
		(*x)[i] = by_value ? label_number(st, ids[i], fn) : (double) i;
	}
	return q;
}

static int
cmp_u64(const void *pa, const void *pb)
{
	uint64		a = *(const uint64 *) pa,
				b = *(const uint64 *) pb;

	return a < b ? -1 : a > b;
}

static inline void
sort_u64(uint64 *a, Size n)
{
	Size		i,
				j;

	if (n > 16)
	{
		qsort(a, n, sizeof(uint64), cmp_u64);
		return;
	}
	for (i = 1; i < n; i++)
	{
		uint64		v = a[i];

		for (j = i; j > 0 && a[j - 1] > v; j--)
			a[j] = a[j - 1];
		a[j] = v;
	}
}

/*
 * Group ratings by bigint item key: sort them by key (sort_ratings; nothing
 * to do when they arrive sorted, as merged partial states do), then cut the
 * runs.  Items come out in key order, so the statistics add items in the same
 * order whatever the row order or the parallel split was.  g receives
 * (rater << 32 | label) per rating, keys the item keys.  Returns the number
 * of items.
 */
static Size
group_by_int_key(AgreeState *st, Size **start_out, uint64 **g_out, uint64 **keys_out)
{
	uint64		nr,
				j;
	Size		ni = 0;
	const Rating *r;
	uint64	   *g,
			   *keys;
	Size	   *start;

	sort_ratings(st);
	nr = st->nr;
	r = st->r;
	for (j = 0; j < nr; j++)
		if (j == 0 || r[j].item != r[j - 1].item)
			ni++;
	g = palloc_extended(mul_size(Max(nr, 1), sizeof(uint64)), MCXT_ALLOC_HUGE);
	keys = palloc_extended(mul_size(Max(ni, 1), sizeof(uint64)), MCXT_ALLOC_HUGE);
	start = palloc_extended(mul_size(ni + 1, sizeof(Size)), MCXT_ALLOC_HUGE);
	ni = 0;
	for (j = 0; j < nr; j++)
	{
		if (j == 0 || r[j].item != r[j - 1].item)
		{
			start[ni] = j;
			keys[ni] = r[j].item;
			ni++;
		}
		g[j] = ((uint64) r[j].rater << 32) | r[j].label;
	}
	start[ni] = nr;
	*start_out = start;
	*g_out = g;
	*keys_out = keys;
	return ni;
}

typedef struct Computed
{
	AgreeResult res;
	int64		n_raters;
	int			q;
	double		conf_level;
} Computed;

/* Build the cells (k, l, count) of the table of pairs (a[i], b[i]) -> catof. */
static void
two_rater(AgreeState *st, AgreeStat stat, const uint32 *pa, const uint32 *pb, Size np,
		  Computed *out, const char *fn)
{
	uint32		nl = st->labels.n;
	bool	   *used = palloc0(Max(nl, 1));
	int		   *catof = palloc_extended(mul_size(Max(nl, 1), sizeof(int)), MCXT_ALLOC_HUGE);
	double	   *x;
	int			q;
	Size		i,
				nc = 0;
	uint64	   *code;
	int		   *ck,
			   *cl;
	double	   *cc;
	AgreeWeightSpec ws;

	for (i = 0; i < np; i++)
		used[pa[i]] = used[pb[i]] = true;
	q = build_categories(st, used, catof, &x,
						 st->cfg.basis == 1 && st->cfg.weights != AGREE_W_NONE, fn);
	out->q = q;
	code = palloc_extended(mul_size(Max(np, 1), sizeof(uint64)), MCXT_ALLOC_HUGE);
	for (i = 0; i < np; i++)
		code[i] = (uint64) catof[pa[i]] * (uint64) q + (uint64) catof[pb[i]];
	if (np > 1)
		qsort(code, np, sizeof(uint64), cmp_u64);
	ck = palloc_extended(mul_size(Max(np, 1), sizeof(int)), MCXT_ALLOC_HUGE);
	cl = palloc_extended(mul_size(Max(np, 1), sizeof(int)), MCXT_ALLOC_HUGE);
	cc = palloc_extended(mul_size(Max(np, 1), sizeof(double)), MCXT_ALLOC_HUGE);
	for (i = 0; i < np; i++)
	{
		if (i > 0 && code[i] == code[i - 1])
		{
			cc[nc - 1] += 1;
			continue;
		}
		ck[nc] = (int) (code[i] / q);
		cl[nc] = (int) (code[i] % q);
		cc[nc] = 1;
		nc++;
	}
	agree_weight_init(&ws, q, (AgreeWeights) st->cfg.weights, x);
	{
		double	   *work = palloc_extended(mul_size(agree_work_doubles(q), sizeof(double)), MCXT_ALLOC_HUGE);

		agree_two_rater(stat, &ws, nc, ck, cl, cc, work, &out->res);
	}
}

static void
agree_compute(AgreeState *st, AgreeStat stat, Computed *out, const char *fn)
{
	Size		ni = st->items.n,
				i;
	uint32		nl = st->labels.n;
	uint64		nr = st->nr,
				j;

	memset(out, 0, sizeof(*out));
	out->conf_level = st->cfg.conf_level;

	if (st->cfg.mode == AGREE_MODE_PAIRS)
	{
		uint32	   *pa = palloc_extended(mul_size(Max(nr, 1), sizeof(uint32)), MCXT_ALLOC_HUGE);
		uint32	   *pb = palloc_extended(mul_size(Max(nr, 1), sizeof(uint32)), MCXT_ALLOC_HUGE);

		if (stat != AGREE_COHEN && stat != AGREE_SCOTT)
			elog(ERROR, "%s: wide-form state used for a multi-rater statistic", fn);
		for (j = 0; j < nr; j++)
		{
			pa[j] = (uint32) st->r[j].item;
			pb[j] = st->r[j].rater;
		}
		out->n_raters = nr > 0 ? 2 : 0;
		two_rater(st, stat, pa, pb, nr, out, fn);
		return;
	}
	else
	{
		/* group the ratings by item */
		Size	   *start;
		uint64	   *g;
		uint64	   *ikeys = NULL;
		bool	   *rused = palloc0(Max(st->raters.n, 1));
		bool	   *lused = palloc0(Max(nl, 1));
		int64		nraters = 0;
		uint32		ra = 0,
					rb = 0;

		/*
		 * fused: bigint items and a multi-rater statistic; the ratings,
		 * sorted by item, are checked and turned into the CSR arrays in one
		 * pass below, without the intermediate grouped copy.
		 */
		bool		fused = st->cfg.item_kind == AGREE_KIND_INT &&
			stat != AGREE_COHEN && stat != AGREE_SCOTT;

		if (fused)
		{
			sort_ratings(st);
			start = NULL;
			g = NULL;
			ni = 0;				/* counted below */
		}
		else if (st->cfg.item_kind == AGREE_KIND_INT)
			ni = group_by_int_key(st, &start, &g, &ikeys);
		else
		{
			/* item ids are dense: counting sort on the id */
			start = palloc_extended(mul_size((Size) ni + 2, sizeof(Size)), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
			g = palloc_extended(mul_size(Max(nr, 1), sizeof(uint64)), MCXT_ALLOC_HUGE);
			for (j = 0; j < nr; j++)
				start[st->r[j].item + 1]++;
			for (i = 0; i < ni; i++)
				start[i + 1] += start[i];
			for (j = 0; j < nr; j++)
				g[start[st->r[j].item]++] = ((uint64) st->r[j].rater << 32) | st->r[j].label;
			/* start[i] is now the end of item i; shift back */
			for (i = ni; i > 0; i--)
				start[i] = start[i - 1];
			start[0] = 0;
		}
		for (j = 0; j < nr; j++)
		{
			const Rating *r = &st->r[j];

			rused[r->rater] = true;
			lused[r->label] = true;
			if (fused && (j == 0 || r->item != st->r[j - 1].item))
				ni++;
		}

		/*
		 * Raters a and b of a two-rater statistic: the two smallest rater
		 * ids (the first raters met, in dictionary order), whatever the order
		 * of the ratings.
		 */
		for (j = 0; j < st->raters.n; j++)
		{
			if (!rused[j])
				continue;
			if (nraters == 0)
				ra = (uint32) j;
			else if (nraters == 1)
				rb = (uint32) j;
			nraters++;
		}
		out->n_raters = nraters;
		for (i = 0; !fused && i < ni; i++)
		{
			Size		m = start[i + 1] - start[i],
						k;
			uint64	   *a = g + start[i];

			sort_u64(a, m);
			for (k = 1; k < m; k++)
				if ((a[k] >> 32) == (a[k - 1] >> 32))
					ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
									errmsg("%s: duplicate rating of item %s by rater %s", fn,
										   ikeys ? psprintf(INT64_FORMAT, (int64) ikeys[i]) : key_string(&st->items, i),
										   key_string(&st->raters, (uint32) (a[k] >> 32))),
									errdetail("Each (item, rater) pair may carry one label.")));
			if ((i & 0xFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
		}

		if (stat == AGREE_COHEN || stat == AGREE_SCOTT)
		{
			uint32	   *pa,
					   *pb;
			Size		np = 0;

			if (nraters != 2)
			{
				out->res.n_items = 0;
				return;			/* needs exactly two raters: NULL */
			}
			pa = palloc_extended(mul_size(Max(ni, 1), sizeof(uint32)), MCXT_ALLOC_HUGE);
			pb = palloc_extended(mul_size(Max(ni, 1), sizeof(uint32)), MCXT_ALLOC_HUGE);
			for (i = 0; i < ni; i++)
			{
				Size		k;
				bool		ha = false,
							hb = false;
				uint32		la = 0,
							lb = 0;

				for (k = start[i]; k < start[i + 1]; k++)
				{
					uint32		r = (uint32) (g[k] >> 32);

					if (r == ra)
					{
						ha = true;
						la = (uint32) g[k];
					}
					else if (r == rb)
					{
						hb = true;
						lb = (uint32) g[k];
					}
				}
				if (ha && hb)
				{
					/* rater a is the one with the smaller id: fixed order */
					pa[np] = la;
					pb[np] = lb;
					np++;
				}
			}
			two_rater(st, stat, pa, pb, np, out, fn);
			return;
		}
		else
		{
			int		   *catof = palloc_extended(mul_size(Max(nl, 1), sizeof(int)), MCXT_ALLOC_HUGE);
			int		   *cat = palloc_extended(mul_size(Max(nr, 1), sizeof(int)), MCXT_ALLOC_HUGE);
			Size	   *ptr = palloc_extended(mul_size((Size) ni + 1, sizeof(Size)), MCXT_ALLOC_HUGE);
			double	   *x;
			bool		by_value;
			int			q;
			Size		nitems = 0,
						k;
			double	   *work;
			int		   *iwork;
			AgreeWeightSpec ws;

			if (stat == AGREE_ALPHA)
				by_value = (st->cfg.level == AGREE_INTERVAL || st->cfg.level == AGREE_RATIO);
			else
				by_value = st->cfg.basis == 1 && st->cfg.weights != AGREE_W_NONE;
			q = build_categories(st, lused, catof, &x, by_value, fn);
			out->q = q;
			/* CSR over the items that have ratings */
			ptr[0] = 0;
			if (fused)
			{
				/*
				 * One pass over the sorted ratings: per item, sort its
				 * (rater, label) pairs, reject a repeated rater, emit the
				 * categories (in that order, as the grouped path does).
				 */
				const Rating *r = st->r;
				uint64	   *buf = NULL;
				Size		bufcap = 0;

				j = 0;
				while (j < nr)
				{
					uint64		e = j + 1;
					Size		m;

					while (e < nr && r[e].item == r[j].item)
						e++;
					m = (Size) (e - j);
					if (m > bufcap)
					{
						bufcap = Max(m, 64);
						if (buf)
							pfree(buf);
						buf = palloc_extended(mul_size(bufcap, sizeof(uint64)), MCXT_ALLOC_HUGE);
					}
					for (k = 0; k < m; k++)
						buf[k] = ((uint64) r[j + k].rater << 32) | r[j + k].label;
					sort_u64(buf, m);
					for (k = 1; k < m; k++)
						if ((buf[k] >> 32) == (buf[k - 1] >> 32))
							ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
											errmsg("%s: duplicate rating of item %s by rater %s", fn,
												   psprintf(INT64_FORMAT, (int64) r[j].item),
												   key_string(&st->raters, (uint32) (buf[k] >> 32))),
											errdetail("Each (item, rater) pair may carry one label.")));
					for (k = 0; k < m; k++)
						cat[ptr[nitems] + k] = catof[(uint32) buf[k]];
					ptr[nitems + 1] = ptr[nitems] + m;
					nitems++;
					if ((nitems & 0xFFFF) == 0)
						CHECK_FOR_INTERRUPTS();
					j = e;
				}
			}
			else
				for (i = 0; i < ni; i++)
				{
					if (start[i + 1] == start[i])
						continue;
					for (k = start[i]; k < start[i + 1]; k++)
						cat[k - start[i] + ptr[nitems]] = catof[(uint32) g[k]];
					ptr[nitems + 1] = ptr[nitems] + (start[i + 1] - start[i]);
					nitems++;
				}
			work = palloc_extended(mul_size(agree_work_doubles(q), sizeof(double)), MCXT_ALLOC_HUGE);
			iwork = palloc_extended(mul_size(agree_work_ints(q), sizeof(int)), MCXT_ALLOC_HUGE);
			if (stat == AGREE_ALPHA)
			{
				if (st->cfg.level == AGREE_RATIO)
					for (k = 0; k < (Size) q; k++)
						if (x[k] < 0)
							ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
											errmsg("%s: the ratio level needs values >= 0", fn)));
				agree_alpha((AgreeLevel) st->cfg.level, q, x, nitems, ptr, cat, work, iwork, &out->res);
			}
			else if (stat == AGREE_FLEISS_CATEGORY)
			{
				int			kc = st->cfg.has_category ? catof[st->cfg.category] : -1;

				agree_fleiss_category(q, kc, nitems, ptr, cat, &out->res);
			}
			else
			{
				agree_weight_init(&ws, q, (AgreeWeights) st->cfg.weights, x);
				agree_multi_rater(stat, &ws, nitems, ptr, cat, work, iwork, &out->res);
			}
		}
	}
}

static Datum
agree_final_scalar(FunctionCallInfo fcinfo, AgreeStat stat, const char *fn)
{
	MemoryContext tmp,
				old;
	AgreeState *st;
	Computed	c;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	tmp = AllocSetContextCreate(CurrentMemoryContext, "annqa agree final", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(tmp);
	st = state_read(PG_GETARG_DATUM(0), tmp);
	agree_compute(st, stat, &c, fn);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
	if (!c.res.has_estimate)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(c.res.estimate);
}

#define AGREE_FINAL(sym, stat, name) \
PG_FUNCTION_INFO_V1(sym); \
Datum sym(PG_FUNCTION_ARGS) { return agree_final_scalar(fcinfo, stat, name); }

AGREE_FINAL(annqa_agree_final_cohen_kappa, AGREE_COHEN, "annqa.cohen_kappa")
AGREE_FINAL(annqa_agree_final_scott_pi, AGREE_SCOTT, "annqa.scott_pi")
AGREE_FINAL(annqa_agree_final_fleiss_kappa, AGREE_FLEISS, "annqa.fleiss_kappa")
AGREE_FINAL(annqa_agree_final_fleiss_kappa_category, AGREE_FLEISS_CATEGORY, "annqa.fleiss_kappa_category")
AGREE_FINAL(annqa_agree_final_gwet_ac1, AGREE_AC1, "annqa.gwet_ac1")
AGREE_FINAL(annqa_agree_final_gwet_ac2, AGREE_AC2, "annqa.gwet_ac2")
AGREE_FINAL(annqa_agree_final_brennan_prediger, AGREE_BP, "annqa.brennan_prediger")
AGREE_FINAL(annqa_agree_final_percent_agreement, AGREE_PA, "annqa.percent_agreement")
AGREE_FINAL(annqa_agree_final_percent_agreement_unanimous, AGREE_PA_UNANIMOUS, "annqa.percent_agreement_unanimous")
AGREE_FINAL(annqa_agree_final_krippendorff_alpha, AGREE_ALPHA, "annqa.krippendorff_alpha")

/* annqa.agreement(...) -> annqa.agreement_estimate */
PG_FUNCTION_INFO_V1(annqa_agree_final_estimate);
Datum
annqa_agree_final_estimate(PG_FUNCTION_ARGS)
{
	MemoryContext tmp,
				old;
	AgreeState *st;
	Computed	c;
	TupleDesc	td;
	Datum		v[9];
	bool		nulls[9];
	AgreeResult *r = &c.res;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "annqa.agreement: return type must be a row type");
	td = BlessTupleDesc(td);
	tmp = AllocSetContextCreate(CurrentMemoryContext, "annqa agree final", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(tmp);
	st = state_read(PG_GETARG_DATUM(0), tmp);
	if (st->cfg.stat == 0)
		elog(ERROR, "annqa.agreement: state has no statistic");
	agree_compute(st, (AgreeStat) st->cfg.stat, &c, "annqa.agreement");
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);

	memset(nulls, true, sizeof(nulls));
	if (r->has_estimate)
	{
		v[0] = Float8GetDatum(r->estimate);
		nulls[0] = false;
		if (r->has_se)
		{
			double		z = agree_norm_quantile(0.5 + c.conf_level / 2);

			v[1] = Float8GetDatum(r->se);
			v[2] = Float8GetDatum(r->estimate - z * r->se);
			v[3] = Float8GetDatum(r->estimate + z * r->se);
			nulls[1] = nulls[2] = nulls[3] = false;
		}
	}
	if (r->has_p_o)
	{
		v[4] = Float8GetDatum(r->p_o);
		nulls[4] = false;
	}
	if (r->has_p_e)
	{
		v[5] = Float8GetDatum(r->p_e);
		nulls[5] = false;
	}
	v[6] = Int64GetDatum(r->n_items);
	v[7] = Int32GetDatum((int32) Min(c.n_raters, PG_INT32_MAX));
	v[8] = Int32GetDatum(c.q);
	nulls[6] = nulls[7] = nulls[8] = false;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, v, nulls)));
}
