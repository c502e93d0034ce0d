/*
 * agree.c - agreement aggregates: the annqa.agree_state type (text and
 * binary I/O), transition, combine and final functions, and the composite
 * annqa.agreement_estimate.  The statistics themselves live in
 * core/agree_stats.c; this file turns ratings into their inputs.
 *
 * The transition function keeps every non-null rating as (item, rater id,
 * label id).  With bigint item keys (the common case) a partial state is
 * grouped by item when it is serialised, i.e. in the parallel worker or
 * Citus node that built it (state_group): one (item key, pattern id) per
 * item over a dictionary of patterns, a pattern being an item's (rater,
 * label) pairs sorted by rater.  Few distinct patterns exist in most data,
 * so the flat state is about 3 bytes an item rather than per rating.  The
 * leader's combine merges two item lists in key order (merge_grouped): an
 * item present in one state only is copied with its pattern id; an item
 * rated in both gets the union of its two patterns, computed once per
 * distinct pair of patterns (pat_union), which is where duplicate (item,
 * rater) pairs split across states are found.  Duplicates are noted in the
 * state (the smallest item key wins) and raised by the final function, so
 * the error names the aggregate.  The kernels read items through their
 * patterns, computing per-pattern quantities once.  A serial plan never
 * builds patterns: its final function walks the raw ratings item by item
 * (merging a few ascending runs on the fly, or sorting), producing the same
 * per-item category lists, so serial and parallel results are identical.
 * Text item keys and the wide form keep raw ratings (version 1 flat form).
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

/*
 * A pattern: the (rater id << 32 | label id) pairs of one item, sorted by
 * rater id (so strictly increasing raters: no duplicate).  Grouped states
 * (bigint item keys) keep one pattern id per item; most data sets have few
 * distinct patterns (e.g. 5 raters x 5 labels: at most 6^5 with gaps).
 */
typedef struct PatKey
{
	const uint64 *p;
	uint32		len;
	uint32		hash;
} PatKey;

typedef struct PatEnt
{
	PatKey		key;
	uint32		id;
	char		status;
} PatEnt;

#define SH_PREFIX agree_ph
#define SH_ELEMENT_TYPE PatEnt
#define SH_KEY_TYPE PatKey
#define SH_KEY key
#define SH_HASH_KEY(tb, k) ((k).hash)
#define SH_EQUAL(tb, a, b) ((a).hash == (b).hash && (a).len == (b).len && memcmp((a).p, (b).p, (Size) (a).len * sizeof(uint64)) == 0)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

static inline uint32
pat_hash(const uint64 *p, uint32 m)
{
	uint64		h = (uint64) m * UINT64CONST(0x9e3779b97f4a7c15);
	uint32		i;

	for (i = 0; i < m; i++)
	{
		h ^= p[i];
		h *= UINT64CONST(0xbf58476d1ce4e5b9);
		h ^= h >> 29;
	}
	return agree_hash64(h);
}

/* Distinct patterns -> dense ids, pairs stored in an append-only arena. */
typedef struct PatDict
{
	uint32		n;
	uint32		cap;
	PatKey	   *pk;
	agree_ph_hash *ph;
	uint64	   *arena;
	Size		arena_used;
	Size		arena_cap;
} PatDict;

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

	/*
	 * The grouped form (bigint item keys only, see state_group): ng items in
	 * ascending key order, item g with key gkey[g] and pattern gpat[g].  A
	 * state may hold grouped items and raw ratings r[] at once (e.g. rows
	 * added after a merge); state_group folds the raw ratings in.
	 */
	PatDict		pats;
	int64	   *gkey;
	uint32	   *gpat;
	Size		ng;
	Size		gcap;

	/*
	 * A duplicate (item, rater) pair found while grouping or merging: the one
	 * with the smallest item key.  It travels with the state and the final
	 * function raises it (22000), naming the aggregate.
	 */
	bool		has_dup;
	int64		dup_item;
	uint32		dup_rater;

	/*
	 * Grouped items still in their flat form (varint item streams of partial
	 * states, added by the combine function without decoding them): merged
	 * into gkey/gpat by state_settle when something reads the items.
	 */
	struct GPend *pend;
	int			npend;
	int			pendcap;

	/* raw ratings kept on purpose: their patterns do not repeat (state_group_ex) */
	bool		no_group;
	/* cached flat form */
	char	   *flat;
	Size		flat_len;
} AgreeState;

/*
 * An undecoded grouped item stream: n items as varints zigzag(key - previous
 * key) and pattern id (below npat; mapped by pmap into the state's pattern
 * ids when pmap is set), filling p[0 .. len) exactly.
 */
typedef struct GPend
{
	const char *p;
	Size		len;
	uint64		n;
	uint32		npat;
	uint32	   *pmap;
	bool		owned;			/* p was copied into the state's context */
} GPend;

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
 * radix sort on 16-bit digits, skipping digits that never vary.  Used by
 * iter_init only when the ratings arrive in more than AGREE_MAX_RUNS
 * ascending runs of keys (e.g. random order); fewer runs are merged on the
 * fly instead.  Only the order of the ratings changes.
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

/*
 * Ascending sorts of small typed arrays (a few ratings per item, called once per
 * item): an inline insertion sort up to 16 elements, qsort beyond.  Written as
 * a macro so both element types share one body; PostgreSQL's sort_template.h
 * was measured 8% slower here (an out-of-line call per item).
 */
#define ANNQA_DEFINE_SMALL_SORT(SORT, CMP, TYPE) \
static int \
CMP(const void *pa, const void *pb) \
{ \
	TYPE		a = *(const TYPE *) pa, \
				b = *(const TYPE *) pb; \
\
	return a < b ? -1 : a > b; \
} \
\
static inline void \
SORT(TYPE *a, Size n) \
{ \
	Size		i, \
				j; \
\
	if (n > 16) \
	{ \
		qsort(a, n, sizeof(TYPE), CMP); \
		return; \
	} \
	for (i = 1; i < n; i++) \
	{ \
		TYPE		v = a[i]; \
\
		for (j = i; j > 0 && a[j - 1] > v; j--) \
			a[j] = a[j - 1]; \
		a[j] = v; \
	} \
}

ANNQA_DEFINE_SMALL_SORT(sort_u64, cmp_u64, uint64)
ANNQA_DEFINE_SMALL_SORT(sort_ints, cmp_int, int)

/* ---------------------------------------------------------------- grouping */

/* Id of pattern p[0..m-1] (sorted by rater), interning it when new. */
static uint32
pat_intern(PatDict *d, const uint64 *p, uint32 m, MemoryContext cxt, bool *found)
{
	PatKey		k;
	PatEnt	   *e;
	bool		f;

	if (d->ph == NULL)
		d->ph = agree_ph_create(cxt, 256, NULL);
	k.p = p;
	k.len = m;
	k.hash = pat_hash(p, m);
	e = agree_ph_insert(d->ph, k, &f);
	if (!f)
	{
		uint64	   *copy;

		if (d->arena == NULL || d->arena_cap - d->arena_used < m)
		{
			d->arena_cap = Max((Size) 8192, (Size) m);
			d->arena = MemoryContextAllocHuge(cxt, mul_size(d->arena_cap, sizeof(uint64)));
			d->arena_used = 0;
		}
		copy = d->arena + d->arena_used;
		memcpy(copy, p, (Size) m * sizeof(uint64));
		d->arena_used += m;
		e->key.p = copy;
		if (d->n == d->cap)
		{
			uint32		ncap;

			if (d->n >= AGREE_MAX_IDS)
				ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
								errmsg("annqa agreement state has too many distinct rating patterns"),
								errdetail("At most %u distinct patterns are supported.", AGREE_MAX_IDS)));
			ncap = d->cap ? (d->cap > AGREE_MAX_IDS / 2 ? AGREE_MAX_IDS : d->cap * 2) : 64;
			d->pk = d->pk ? repalloc_huge(d->pk, mul_size(ncap, sizeof(PatKey)))
				: MemoryContextAllocHuge(cxt, mul_size(ncap, sizeof(PatKey)));
			d->cap = ncap;
		}
		e->id = d->n;
		d->pk[d->n++] = e->key;
	}
	*found = f;
	return e->id;
}

/* Remember a duplicate (item, rater) pair; the smallest item key wins. */
static inline void
note_dup(AgreeState *st, int64 item, uint32 rater)
{
	if (!st->has_dup || item < st->dup_item)
	{
		st->has_dup = true;
		st->dup_item = item;
		st->dup_rater = rater;
	}
}

/*
 * Sort an item's pairs (rater << 32 | label) by rater and drop a repeated
 * rater, noting the duplicate; returns the new count.
 */
static inline uint32
sort_pairs_dedup(AgreeState *st, uint64 *a, uint32 m, int64 item)
{
	uint32		i,
				o;

	sort_u64(a, m);
	for (i = 1, o = 1; i < m; i++)
	{
		if ((a[i] >> 32) == (a[o - 1] >> 32))
		{
			note_dup(st, item, (uint32) (a[i] >> 32));
			continue;
		}
		a[o++] = a[i];
	}
	return m ? o : 0;
}

/*
 * Walk the raw ratings of a bigint-keyed state item by item, in ascending
 * key order, without sorting them when they arrive as a few ascending runs:
 * rows clustered by item are one run, a table loaded rater by rater is one
 * run per rater.  Up to AGREE_MAX_RUNS runs are merged on the fly (each
 * step takes the smallest head key, then every run's ratings of that key);
 * more runs (e.g. random order) fall back to the radix sort.  buf receives
 * the (rater << 32 | label) pairs of the current item.
 */
#define AGREE_MAX_RUNS 16

typedef struct ItemIter
{
	const Rating *r;
	int			k;
	uint64		pos[AGREE_MAX_RUNS];
	uint64		end[AGREE_MAX_RUNS];
	uint64	   *buf;
	Size		bufcap;
	uint64		step;
} ItemIter;

static void
iter_init(ItemIter *it, AgreeState *st)
{
	uint64		j;
	int			k = 1;

	memset(it, 0, sizeof(*it));
	it->pos[0] = 0;
	for (j = 1; j < st->nr; j++)
	{
		if ((int64) st->r[j].item < (int64) st->r[j - 1].item)
		{
			if (k == AGREE_MAX_RUNS)
			{
				k = 0;			/* too many runs: sort */
				break;
			}
			it->end[k - 1] = j;
			it->pos[k++] = j;
		}
	}
	if (k == 0)
	{
		st->unsorted = true;
		sort_ratings(st);
		k = 1;
		it->pos[0] = 0;
	}
	st->unsorted = false;		/* for state_append: runs are found here */
	it->end[k - 1] = st->nr;
	it->k = k;
	it->r = st->r;
	it->bufcap = 64;
	it->buf = palloc(it->bufcap * sizeof(uint64));
}

static inline void
iter_push(ItemIter *it, Size m, const Rating *r)
{
	if (m == it->bufcap)
	{
		if (it->bufcap >= (Size) PG_UINT32_MAX)
			ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
							errmsg("annqa agreement aggregate: too many ratings of one item")));
		it->bufcap *= 2;
		it->buf = repalloc_huge(it->buf, it->bufcap * sizeof(uint64));
	}
	it->buf[m] = ((uint64) r->rater << 32) | r->label;
}

/* The next item: its key and number of pairs in it->buf; false at the end. */
static inline bool
iter_next(ItemIter *it, int64 *key, uint32 *mout)
{
	const Rating *r = it->r;
	Size		m = 0;
	int64		mk = 0;
	bool		any = false;
	int			q;

	if ((++it->step & 0xFFFF) == 0)
		CHECK_FOR_INTERRUPTS();
	if (it->k == 1)
	{
		uint64		p = it->pos[0],
					e = it->end[0];

		if (p >= e)
			return false;
		mk = (int64) r[p].item;
		do
		{
			iter_push(it, m++, &r[p]);
			p++;
		} while (p < e && (int64) r[p].item == mk);
		it->pos[0] = p;
		*key = mk;
		*mout = (uint32) m;
		return true;
	}
	for (q = 0; q < it->k; q++)
		if (it->pos[q] < it->end[q] && (!any || (int64) r[it->pos[q]].item < mk))
		{
			mk = (int64) r[it->pos[q]].item;
			any = true;
		}
	if (!any)
		return false;
	for (q = 0; q < it->k; q++)
	{
		uint64		p = it->pos[q],
					e = it->end[q];

		while (p < e && (int64) r[p].item == mk)
		{
			iter_push(it, m++, &r[p]);
			p++;
		}
		it->pos[q] = p;
	}
	*key = mk;
	*mout = (uint32) m;
	return true;
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

/* growable (key, pattern) arrays */
static inline void
group_push(MemoryContext cxt, int64 **keys, uint32 **pats, Size *n, Size *cap, int64 key, uint32 pat)
{
	if (*n == *cap)
	{
		Size		ncap = *cap ? mul_size(*cap, 2) : 1024;

		*keys = *keys ? repalloc_huge(*keys, mul_size(ncap, sizeof(int64)))
			: MemoryContextAllocHuge(cxt, mul_size(ncap, sizeof(int64)));
		*pats = *pats ? repalloc_huge(*pats, mul_size(ncap, sizeof(uint32)))
			: MemoryContextAllocHuge(cxt, mul_size(ncap, sizeof(uint32)));
		*cap = ncap;
	}
	(*keys)[*n] = key;
	(*pats)[*n] = pat;
	(*n)++;
}

/*
 * The pattern of two patterns' union (an item rated in two partial states),
 * noting a rater present in both as a duplicate of item key.  cache maps
 * (a << 32 | b) to the result, so each distinct pair of patterns is merged
 * once (items come in ascending key order, so the first item with a
 * duplicate pair of patterns is also the smallest).
 */
static uint32
pat_union(AgreeState *st, uint32 a, uint32 b, int64 key, agree_ih_hash *cache, uint64 **bufp, Size *bufcap)
{
	int64		ck = (int64) (((uint64) a << 32) | b);
	IntEnt	   *e = agree_ih_lookup(cache, ck);
	bool		f;
	const PatKey *pa = &st->pats.pk[a],
			   *pb = &st->pats.pk[b];
	uint32		i = 0,
				j = 0,
				o = 0,
				id;
	uint64	   *buf;

	if (e != NULL)
		return e->id;
	if ((Size) pa->len + pb->len > *bufcap)
	{
		*bufcap = (Size) pa->len + pb->len;
		*bufp = repalloc_huge(*bufp, mul_size(*bufcap, sizeof(uint64)));
	}
	buf = *bufp;
	while (i < pa->len || j < pb->len)
	{
		if (j >= pb->len || (i < pa->len && (pa->p[i] >> 32) < (pb->p[j] >> 32)))
			buf[o++] = pa->p[i++];
		else if (i >= pa->len || (pb->p[j] >> 32) < (pa->p[i] >> 32))
			buf[o++] = pb->p[j++];
		else
		{
			note_dup(st, key, (uint32) (pa->p[i] >> 32));
			buf[o++] = pa->p[i++];
			j++;
		}
	}
	id = pat_intern(&st->pats, buf, o, st->hdr.eoh_context, &f);
	e = agree_ih_insert(cache, ck, &f);
	e->id = id;
	return id;
}

/*
 * A source of grouped items in ascending key order for merge_srcs: arrays
 * or an undecoded flat item stream (GPend), decoded a block at a time (so
 * that merge_srcs can look a few items ahead) and validated as it is read:
 * keys strictly ascending, pattern ids below npat, the stream used up
 * exactly.
 */
#define GSRC_BLOCK 512

typedef struct GSrc
{
	/* the current block of items: an array source's arrays, or buf */
	const int64 *key;
	const uint32 *pat;
	const uint32 *rpmap;		/* applied when reading the block */
	Size		bn;
	Size		bi;
	Size		n;				/* items in all */
	/* a stream, decoded GSRC_BLOCK items at a time (pattern ids mapped) */
	bool		stream;
	Reader		rd;
	uint32		npat;
	const uint32 *pmap;
	Size		left;
	int64		prev;
	/* the current item */
	int64		k;
	uint32		p;
	int64		kbuf[GSRC_BLOCK];
	uint32		pbuf[GSRC_BLOCK];
} GSrc;

static void
gsrc_arrays(GSrc *s, const int64 *key, const uint32 *pat, Size n, const uint32 *pmap)
{
	s->key = key;
	s->pat = pat;
	s->rpmap = pmap;
	s->bn = n;
	s->bi = 0;
	s->n = n;
	s->stream = false;
	s->left = 0;
}

static void
gsrc_stream(GSrc *s, const GPend *g)
{
	s->key = s->kbuf;
	s->pat = s->pbuf;
	s->rpmap = NULL;
	s->bn = 0;
	s->bi = 0;
	s->n = g->n;
	s->stream = true;
	s->rd.p = g->p;
	s->rd.len = g->len;
	s->rd.pos = 0;
	s->rd.errcode = ERRCODE_DATA_CORRUPTED;
	s->npat = g->npat;
	s->pmap = g->pmap;
	s->left = g->n;
	s->prev = 0;
}

/* decode the next block of a stream; false at its end */
static bool
gsrc_fill(GSrc *s)
{
	Size		b = Min(s->left, (Size) GSRC_BLOCK),
				i;

	if (b == 0)
	{
		if (s->rd.pos != s->rd.len)
			bad_state(&s->rd, "Trailing bytes");
		return false;
	}
	for (i = 0; i < b; i++)
	{
		const unsigned char *q = (const unsigned char *) s->rd.p + s->rd.pos;
		uint64		key,
					pid;

		/*
		 * Fast path: a 1-byte key step and a 1- or 2-byte pattern id with at
		 * least 3 bytes left (the usual case); anything else goes through
		 * rd_varint, which also rejects malformed varints.
		 */
		if (s->rd.len - s->rd.pos >= 3 && q[0] < 0x80 && (q[1] < 0x80 || (q[2] < 0x80 && q[2] != 0)))
		{
			key = (uint64) s->prev + unzigzag(q[0]);
			if (q[1] < 0x80)
			{
				pid = q[1];
				s->rd.pos += 2;
			}
			else
			{
				pid = (uint64) (q[1] & 0x7F) | ((uint64) q[2] << 7);
				s->rd.pos += 3;
			}
		}
		else
		{
			key = (uint64) s->prev + unzigzag(rd_varint(&s->rd));
			pid = rd_varint(&s->rd);
		}

		if ((s->left < s->n || i > 0) && (int64) key <= s->prev)
			bad_state(&s->rd, "Item keys not strictly ascending");
		if (pid >= s->npat)
			bad_state(&s->rd, "Pattern id out of range");
		s->kbuf[i] = (int64) key;
		s->pbuf[i] = s->pmap ? s->pmap[pid] : (uint32) pid;
		s->prev = (int64) key;
	}
	s->left -= b;
	s->bn = b;
	s->bi = 0;
	return true;
}

static inline bool
gsrc_next(GSrc *s)
{
	if (s->bi >= s->bn && !(s->stream && gsrc_fill(s)))
		return false;
	s->k = s->key[s->bi];
	s->p = s->rpmap ? s->rpmap[s->pat[s->bi]] : s->pat[s->bi];
	s->bi++;
	return true;
}

/* the pattern id d items after the current one, if it is in the block */
static inline bool
gsrc_peek(const GSrc *s, Size d, uint32 *p)
{
	Size		j = s->bi - 1 + d;

	if (j >= s->bn)
		return false;
	*p = s->rpmap ? s->rpmap[s->pat[j]] : s->pat[j];
	return true;
}

/*
 * Merge two sources of grouped items into st's gkey/gpat (replacing them;
 * the caller frees arrays a source read from).  Items present on one side
 * only are copied with their pattern id; only items on both sides have their
 * patterns merged (pat_union).
 */
static void
merge_srcs(AgreeState *st, GSrc *a, GSrc *b)
{
	MemoryContext cxt = st->hdr.eoh_context;
	Size		n = add_size(a->n, b->n),
				o = 0;
	int64	   *okey;
	uint32	   *opat;
	agree_ih_hash *cache = NULL;
	uint64	   *ubuf = NULL;
	Size		ubufcap = 0;
	bool		ha,
				hb;

	okey = MemoryContextAllocHuge(cxt, mul_size(Max(n, 1), sizeof(int64)));
	opat = MemoryContextAllocHuge(cxt, mul_size(Max(n, 1), sizeof(uint32)));
	ha = gsrc_next(a);
	hb = gsrc_next(b);
	while (ha && hb)
	{
		if (a->k < b->k)
		{
			okey[o] = a->k;
			opat[o] = a->p;
			ha = gsrc_next(a);
		}
		else if (b->k < a->k)
		{
			okey[o] = b->k;
			opat[o] = b->p;
			hb = gsrc_next(b);
		}
		else
		{
			uint32		pa,
						pb;

			if (cache == NULL)
			{
				cache = agree_ih_create(CurrentMemoryContext, 1024, NULL);
				ubufcap = 64;
				ubuf = palloc(ubufcap * sizeof(uint64));
			}

			/*
			 * The cache outgrows the CPU caches (one entry per distinct pair
			 * of patterns): prefetch the slot of the pair a few items ahead
			 * (within the decoded blocks).
			 */
			if (gsrc_peek(a, 8, &pa) && gsrc_peek(b, 8, &pb))
				__builtin_prefetch(&cache->data[agree_hash64(((uint64) pa << 32) | pb) & cache->sizemask]);
			okey[o] = a->k;
			opat[o] = pat_union(st, a->p, b->p, a->k, cache, &ubuf, &ubufcap);
			ha = gsrc_next(a);
			hb = gsrc_next(b);
		}
		if ((++o & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	for (; ha; ha = gsrc_next(a), o++)
	{
		okey[o] = a->k;
		opat[o] = a->p;
		if ((o & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	for (; hb; hb = gsrc_next(b), o++)
	{
		okey[o] = b->k;
		opat[o] = b->p;
		if ((o & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	if (cache)
		agree_ih_destroy(cache);
	if (ubuf)
		pfree(ubuf);
	st->gkey = okey;
	st->gpat = opat;
	st->ng = o;
	st->gcap = Max(n, 1);
}

/*
 * Merge ns grouped items (skey ascending, spat: pattern ids of st, or of
 * another state mapped by pmap) into st's grouped items.
 */
static void
merge_grouped(AgreeState *st, const int64 *skey, const uint32 *spat, Size ns, const uint32 *pmap)
{
	GSrc		a,
				b;
	int64	   *okey = st->gkey;
	uint32	   *opat = st->gpat;

	if (ns == 0)
		return;
	gsrc_arrays(&a, st->gkey, st->gpat, st->ng, NULL);
	gsrc_arrays(&b, skey, spat, ns, pmap);
	merge_srcs(st, &a, &b);
	if (okey)
	{
		pfree(okey);
		pfree(opat);
	}
}

/*
 * Decode and merge the undecoded item streams into gkey/gpat; two streams
 * and no decoded items (the leader of a 2-worker plan) are merged straight
 * into one pair of arrays.
 */
static void
state_settle(AgreeState *st)
{
	int			i = 0;

	if (st->npend == 0)
		return;
	while (i < st->npend)
	{
		GSrc		a,
					b;
		int64	   *okey = st->gkey;
		uint32	   *opat = st->gpat;

		if (st->ng == 0 && i + 1 < st->npend)
		{
			gsrc_stream(&a, &st->pend[i]);
			gsrc_stream(&b, &st->pend[i + 1]);
			i += 2;
		}
		else
		{
			gsrc_arrays(&a, st->gkey, st->gpat, st->ng, NULL);
			gsrc_stream(&b, &st->pend[i]);
			i += 1;
		}
		merge_srcs(st, &a, &b);
		if (okey)
		{
			pfree(okey);
			pfree(opat);
		}
	}
	for (i = 0; i < st->npend; i++)
	{
		if (st->pend[i].owned)
			pfree((void *) st->pend[i].p);
		if (st->pend[i].pmap)
			pfree(st->pend[i].pmap);
	}
	st->npend = 0;
	st->flat = NULL;
}

/*
 * Add an undecoded item stream, copied into the state's context unless
 * !copy (the caller's bytes outlive the state: a combine's source state).
 */
static void
state_add_pend(AgreeState *st, const char *p, Size len, uint64 n, uint32 npat, uint32 *pmap, bool copy)
{
	MemoryContext cxt = st->hdr.eoh_context;
	GPend	   *g;

	if (st->npend == st->pendcap)
	{
		int			ncap = st->pendcap ? st->pendcap * 2 : 4;

		st->pend = st->pend ? repalloc(st->pend, ncap * sizeof(GPend))
			: MemoryContextAlloc(cxt, ncap * sizeof(GPend));
		st->pendcap = ncap;
	}
	g = &st->pend[st->npend++];
	if (copy)
	{
		char	   *c = MemoryContextAllocHuge(cxt, Max(len, 1));

		memcpy(c, p, len);
		p = c;
	}
	g->p = p;
	g->owned = copy;
	g->len = len;
	g->n = n;
	g->npat = npat;
	g->pmap = pmap;
	st->flat = NULL;
}

/* Forget the pattern dictionary (its memory stays in the state's context). */
static void
pats_reset(PatDict *d)
{
	if (d->ph)
		agree_ph_destroy(d->ph);
	memset(d, 0, sizeof(*d));
}

/*
 * Fold the raw ratings of a bigint-keyed long-form state into its grouped
 * form: walk them item by item (ItemIter), sort each item's pairs by rater,
 * note a repeated rater as a duplicate, and intern the pattern.  The raw
 * ratings are freed.  Only the representation changes.
 *
 * With try_only, grouping gives up when the patterns do not repeat (more
 * than one distinct pattern per 4 items, e.g. many raters each rating a few
 * items): interning them would cost more than it saves, in this process and
 * in the leader that merges the state.  The state then keeps raw ratings,
 * rewritten in item order (one ascending run), and is marked no_group;
 * returns false.
 */
static bool
state_group_ex(AgreeState *st, bool try_only)
{
	MemoryContext cxt = st->hdr.eoh_context;
	ItemIter	it;
	int64	   *keys = NULL,
				key;
	uint32	   *pats = NULL,
				m;
	Size		n = 0,
				cap = 0;
	bool		found;

	state_settle(st);
	if (st->nr == 0)
		return true;
	if (st->ng > 0 || st->pats.n > 0)
		try_only = false;		/* already grouped in part: fold the rest in */
	iter_init(&it, st);
	while (iter_next(&it, &key, &m))
	{
		m = sort_pairs_dedup(st, it.buf, m, key);
		group_push(cxt, &keys, &pats, &n, &cap, key, pat_intern(&st->pats, it.buf, m, cxt, &found));
		if (try_only && (n & 0xFFFF) == 0 && st->pats.n > n / 4 + 1024)
			break;
	}
	if (try_only && st->pats.n > n / 4 + 1024)
	{
		/* give up: raw ratings in item order instead */
		Rating	   *out = MemoryContextAllocHuge(cxt, mul_size((Size) st->nr, sizeof(Rating)));
		uint64		o = 0;
		uint32		j;

		pfree(keys);
		pfree(pats);
		pats_reset(&st->pats);
		pfree(it.buf);
		iter_init(&it, st);
		while (iter_next(&it, &key, &m))
		{
			sort_u64(it.buf, m);
			for (j = 0; j < m; j++)
			{
				out[o].item = (uint64) key;
				out[o].rater = (uint32) (it.buf[j] >> 32);
				out[o].label = (uint32) it.buf[j];
				o++;
			}
		}
		Assert(o == st->nr);
		pfree(it.buf);
		pfree(st->r);
		st->r = out;
		st->cap = st->nr;
		st->unsorted = false;
		st->no_group = true;
		st->flat = NULL;
		return false;
	}
	pfree(it.buf);
	pfree(st->r);
	st->r = NULL;
	st->nr = st->cap = 0;
	st->unsorted = false;
	if (st->ng == 0)
	{
		if (st->gkey)
		{
			pfree(st->gkey);
			pfree(st->gpat);
		}
		st->gkey = keys;
		st->gpat = pats;
		st->ng = n;
		st->gcap = cap;
	}
	else
	{
		merge_grouped(st, keys, pats, n, NULL);
		pfree(keys);
		pfree(pats);
	}
	st->flat = NULL;
	return true;
}

#define state_group(st) ((void) state_group_ex((st), false))

/*
 * Turn grouped items back into raw ratings (appended), for a merge with a
 * state that stays raw.
 */
static void
state_ungroup(AgreeState *st)
{
	Size		g;
	uint32		j;

	state_settle(st);
	for (g = 0; g < st->ng; g++)
	{
		const PatKey *k = &st->pats.pk[st->gpat[g]];

		for (j = 0; j < k->len; j++)
			state_append(st, (uint64) st->gkey[g], (uint32) (k->p[j] >> 32), (uint32) k->p[j]);
		if ((g & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	if (st->gkey)
	{
		pfree(st->gkey);
		pfree(st->gpat);
	}
	st->gkey = NULL;
	st->gpat = NULL;
	st->ng = st->gcap = 0;
	pats_reset(&st->pats);
	st->no_group = true;
	st->flat = NULL;
}

/* ---------------------------------------------------------------- flat form */

/*
 * Ratings are stored as varints: zigzag(item - previous item), rater id,
 * label id; usually 3 bytes a rating instead of 16, which is what parallel
 * workers and Citus ship.
 */
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

/*
 * The grouped form of a bigint-keyed state (version 2): the duplicate noted
 * (uint8 flag, int64 item, uint32 rater id; zeros when none), uint32 number
 * of patterns, each as varint count then (rater id, label id) varints in
 * ascending rater order, then uint64 number of items, each as varints
 * zigzag(key - previous key) and pattern id.
 */
static Size
grouped_flat_size(const AgreeState *st)
{
	Size		s = 1 + 8 + 4 + 4 + 8;
	uint32		p,
				j;
	Size		g;
	uint64		prev = 0;

	for (p = 0; p < st->pats.n; p++)
	{
		const PatKey *k = &st->pats.pk[p];

		s += varint_len(k->len);
		for (j = 0; j < k->len; j++)
			s += varint_len(k->p[j] >> 32) + varint_len(k->p[j] & 0xFFFFFFFF);
	}
	for (g = 0; g < st->ng; g++)
	{
		s += varint_len(zigzag((uint64) st->gkey[g] - prev)) + varint_len(st->gpat[g]);
		prev = (uint64) st->gkey[g];
	}
	return s;
}

static void
put_grouped(StringInfo buf, const AgreeState *st)
{
	unsigned char *out;
	uint32		p,
				j;
	Size		g;
	uint64		prev = 0;

	pq_sendbyte(buf, st->has_dup ? 1 : 0);
	pq_sendint64(buf, st->has_dup ? st->dup_item : 0);
	pq_sendint32(buf, st->has_dup ? st->dup_rater : 0);
	pq_sendint32(buf, st->pats.n);
	out = (unsigned char *) buf->data + buf->len;
	for (p = 0; p < st->pats.n; p++)
	{
		const PatKey *k = &st->pats.pk[p];

		out += put_varint(out, k->len);
		for (j = 0; j < k->len; j++)
		{
			out += put_varint(out, k->p[j] >> 32);
			out += put_varint(out, k->p[j] & 0xFFFFFFFF);
		}
	}
	buf->len = (char *) out - buf->data;
	pq_sendint64(buf, st->ng);
	out = (unsigned char *) buf->data + buf->len;
	for (g = 0; g < st->ng; g++)
	{
		out += put_varint(out, zigzag((uint64) st->gkey[g] - prev));
		out += put_varint(out, st->gpat[g]);
		prev = (uint64) st->gkey[g];
		if ((g & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	buf->len = (char *) out - buf->data;
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
	bool		grouped;

	if (st->flat)
		return;
	state_settle(st);
	/* partial states travel grouped by item, unless their patterns do not repeat */
	grouped = int_items(st) && !st->no_group && state_group_ex(st, true);
	size = 4 + 12 + 8 + 8;
	size = add_size(size, dict_flat_size(&st->items));
	size = add_size(size, dict_flat_size(&st->raters));
	size = add_size(size, dict_flat_size(&st->labels));
	if (grouped)
		size = add_size(size, grouped_flat_size(st));
	else
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
	pq_sendbyte(&buf, grouped ? AGREE_VERSION_GROUPED : AGREE_VERSION);
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
	if (grouped)
	{
		put_grouped(&buf, st);
		Assert((Size) buf.len == size);
		st->flat = buf.data;
		st->flat_len = buf.len;
		return;
	}
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

static void
rd_dict(Reader *rd, Dict *d, MemoryContext cxt)
{
	uint32		n = rd_u32(rd),
				i;
	bool		found;

	if (n > (rd->len - rd->pos) / 4)
		bad_state(rd, "Dictionary size exceeds the data");
	/* a key set the configuration says is not there (wide form) has no hash */
	if (n > 0 && d->kind == AGREE_KIND_NONE)
		bad_state(rd, "Keys in a dictionary of no kind");
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

/*
 * How state_parse treats a grouped state's items: decode them, or keep
 * them as an undecoded stream (validated when decoded, see GSrc), referring
 * to the caller's bytes or copied.
 */
typedef enum ParseItems
{
	PARSE_DECODE,
	PARSE_LAZY_REF,
	PARSE_LAZY_COPY
} ParseItems;

/*
 * Read the grouped section (version 2) into st: patterns (each validated and
 * interned; a repeated pattern is an error, so the form is canonical), then
 * the items.  rd must end with it.
 */
static void
rd_grouped(Reader *rd, AgreeState *st, ParseItems how)
{
	MemoryContext cxt = st->hdr.eoh_context;
	uint32		npat,
				p,
				j,
				nlab = st->cfg.n_declared ? st->cfg.n_declared : st->labels.n;
	uint64		ng,
				g,
				prev = 0,
				bufcap = 64;
	uint64	   *buf = palloc(bufcap * sizeof(uint64));
	uint8		dup = rd_u8(rd);
	int64		dup_item = (int64) rd_u64(rd);
	uint32		dup_rater = rd_u32(rd);
	bool		found;

	if (dup > 1 || (dup == 0 && (dup_item != 0 || dup_rater != 0)) ||
		(dup == 1 && dup_rater >= st->raters.n))
		bad_state(rd, "Bad duplicate record");
	st->has_dup = dup == 1;
	st->dup_item = dup_item;
	st->dup_rater = dup_rater;
	npat = rd_u32(rd);
	if (npat > (rd->len - rd->pos) / 3)
		bad_state(rd, "Pattern count exceeds the data");
	for (p = 0; p < npat; p++)
	{
		uint64		m = rd_varint(rd);

		if (m == 0 || m > (rd->len - rd->pos) / 2 || m > PG_UINT32_MAX)
			bad_state(rd, "Bad pattern length");
		if (m > bufcap)
		{
			bufcap = m;
			buf = repalloc_huge(buf, mul_size((Size) bufcap, sizeof(uint64)));
		}
		for (j = 0; j < (uint32) m; j++)
		{
			uint64		r = rd_varint(rd),
						l = rd_varint(rd);

			if (r >= st->raters.n || l >= nlab)
				bad_state(rd, "Rating id out of range");
			if (j > 0 && r <= (buf[j - 1] >> 32))
				bad_state(rd, "Pattern raters not strictly ascending");
			buf[j] = (r << 32) | l;
		}
		(void) pat_intern(&st->pats, buf, (uint32) m, cxt, &found);
		if (found)
			bad_state(rd, "Duplicate pattern");
		if ((p & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	pfree(buf);
	ng = rd_u64(rd);
	if (ng > (rd->len - rd->pos) / 2)
		bad_state(rd, "Item count exceeds the data");
	if (how != PARSE_DECODE)
	{
		if (ng > 0)
			state_add_pend(st, rd->p + rd->pos, rd->len - rd->pos, ng, npat, NULL,
						   how == PARSE_LAZY_COPY);
		else if (rd->pos != rd->len)
			bad_state(rd, "Trailing bytes");
		return;
	}
	if (ng > 0)
	{
		st->gkey = MemoryContextAllocHuge(cxt, mul_size((Size) ng, sizeof(int64)));
		st->gpat = MemoryContextAllocHuge(cxt, mul_size((Size) ng, sizeof(uint32)));
		st->gcap = ng;
	}
	for (g = 0; g < ng; g++)
	{
		uint64		key = prev + unzigzag(rd_varint(rd)),
					pid = rd_varint(rd);

		if (g > 0 && (int64) key <= (int64) prev)
			bad_state(rd, "Item keys not strictly ascending");
		if (pid >= npat)
			bad_state(rd, "Pattern id out of range");
		st->gkey[g] = (int64) key;
		st->gpat[g] = (uint32) pid;
		prev = key;
		if ((g & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	st->ng = ng;
	if (rd->pos != rd->len)
		bad_state(rd, "Trailing bytes");
}

static AgreeState *
state_parse(const char *data, Size len, int errcode, MemoryContext parent, ParseItems how)
{
	Reader		rd = {data, len, 0, errcode};
	AgreeConfig c;
	AgreeState *st;
	uint64		nr;
	double		conf;
	uint64		cbits;
	uint8		version;

	memset(&c, 0, sizeof(c));
	if (rd_u32(&rd) != AGREE_MAGIC)
		bad_state(&rd, "Bad magic number");
	version = rd_u8(&rd);
	if (version != AGREE_VERSION && version != AGREE_VERSION_GROUPED)
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
	if (c.mode == AGREE_MODE_LONG && c.item_kind == AGREE_KIND_INT && st->items.n != 0)
		bad_state(&rd, "Item dictionary with bigint item keys");
	if (version == AGREE_VERSION_GROUPED)
	{
		if (!int_items(st))
			bad_state(&rd, "Grouped form without bigint item keys");
		rd_grouped(&rd, st, how);
		return st;
	}
	nr = rd_u64(&rd);
	if (nr > (rd.len - rd.pos) / 3)
		bad_state(&rd, "Rating count exceeds the data");
	decode_ratings(st, &rd, nr);
	if (int_items(st))
		st->no_group = true;	/* sent raw because its patterns do not repeat */
	return st;
}

/* An agree_state datum for reading: expanded (ours) or parsed from flat. */
static AgreeState *
state_read(Datum d, MemoryContext parent, ParseItems how)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(d);

	if (VARATT_IS_EXTERNAL_EXPANDED(v))
	{
		ExpandedObjectHeader *eoh = DatumGetEOHP(d);

		if (eoh->eoh_methods == &agree_methods)
			return (AgreeState *) eoh;
	}
	v = PG_DETOAST_DATUM(d);
	return state_parse(VARDATA(v), VARSIZE(v) - VARHDRSZ, ERRCODE_DATA_CORRUPTED, parent, how);
}

/* The state argument of a transition/combine call, writable in aggcontext. */
static AgreeState *
state_writable(FunctionCallInfo fcinfo, int argno, MemoryContext aggcxt, ParseItems how)
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
	return state_parse(VARDATA(v), VARSIZE(v) - VARHDRSZ, ERRCODE_DATA_CORRUPTED, aggcxt, how);
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
	(void) state_parse(bytes, dlen, ERRCODE_INVALID_TEXT_REPRESENTATION, tmp, PARSE_DECODE);
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
	(void) state_parse(VARDATA(res), len, ERRCODE_INVALID_BINARY_REPRESENTATION, tmp, PARSE_DECODE);
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
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s: categories array type does not match the labels", fn)));
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
		{
			/* beyond double range: our own error, naming the function */
			double		x = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
															   NumericGetDatum(v->val.numeric)));

			if (!isfinite(x))
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("%s: a declared category is out of range for float8", fn)));
			return Float8GetDatum(x);
		}
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
		c = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, NumericGetDatum(v->val.numeric)));
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
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("%s: label types differ", fn)));
	}
	else
	{
		c.mode = AGREE_MODE_LONG;
		c.item_kind = kind_of_type(get_fn_expr_argtype(fcinfo->flinfo, 1), fn);
		c.rater_kind = kind_of_type(get_fn_expr_argtype(fcinfo->flinfo, 2), fn);
		c.label_kind = kind_of_type(get_fn_expr_argtype(fcinfo->flinfo, 3), fn);
		if (c.item_kind == AGREE_KIND_FLOAT || c.rater_kind == AGREE_KIND_FLOAT)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("%s: keys must be bigint or text", fn)));
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
			if (st->cfg.stat == AGREE_ALPHA && st->cfg.weights != AGREE_W_NONE)
				ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								errmsg("%s: krippendorff_alpha takes no weights", fn),
								errhint("Its distance comes from the option \"level\": nominal, ordinal, interval or ratio.")));
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
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s: a transition function, callable only by an aggregate", fn),
				 errhint("Use it as the SFUNC of an aggregate over annqa.agree_state.")));
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
		: state_writable(fcinfo, 0, aggcxt, PARSE_DECODE);
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
 * Pattern ids of src's patterns in dst: each remapped to dst's rater and
 * label ids, re-sorted by rater (dst's ids may order raters differently) and
 * interned.
 */
static uint32 *
map_patterns(AgreeState *dst, const AgreeState *src, const uint32 *rm, const uint32 *lm)
{
	uint32		n = src->pats.n,
				p,
				j;
	uint32	   *pmap = palloc_extended(mul_size(Max(n, 1), sizeof(uint32)), MCXT_ALLOC_HUGE);
	Size		bufcap = 64;
	uint64	   *buf = palloc(bufcap * sizeof(uint64));
	bool		found;

	for (p = 0; p < n; p++)
	{
		const PatKey *k = &src->pats.pk[p];

		if (k->len > bufcap)
		{
			bufcap = k->len;
			buf = repalloc_huge(buf, mul_size(bufcap, sizeof(uint64)));
		}
		for (j = 0; j < k->len; j++)
			buf[j] = ((uint64) rm[k->p[j] >> 32] << 32) | lm[k->p[j] & 0xFFFFFFFF];
		sort_u64(buf, k->len);
		pmap[p] = pat_intern(&dst->pats, buf, k->len, dst->hdr.eoh_context, &found);
		if ((p & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	pfree(buf);
	return pmap;
}

/*
 * Merge src into dst (fresh: dst is new and takes src's configuration).
 * Bigint item keys: both states are grouped (a partial state read from its
 * flat form already is: the worker grouped it), src's patterns are mapped
 * into dst, and the two item lists are merged (merge_grouped): per item, not
 * per rating, except for items rated in both states.  Other states: ratings
 * are remapped and appended.
 */
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
	if (int_items(dst) && src->nr > 0 && !src->no_group)
		(void) state_group_ex(src, true);	/* only the representation changes */
	if (int_items(dst) && dst->nr > 0 && !dst->no_group)
		(void) state_group_ex(dst, true);
	if (src->has_dup && int_items(dst))
		note_dup(dst, src->dup_item, rm[src->dup_rater]);
	if (int_items(dst) && (src->nr > 0 || dst->nr > 0))
	{
		/*
		 * A state whose patterns do not repeat stays raw: so does the
		 * merge (its grouped items, if any, are expanded); the final
		 * function walks the ratings item by item.
		 */
		Size		g;

		state_settle(src);
		if (dst->ng > 0 || dst->npend > 0)
			state_ungroup(dst);
		dst->no_group = true;
		for (i = 0; i < src->nr; i++)
		{
			const Rating *r = &src->r[i];

			state_append(dst, r->item, rm[r->rater], lm[r->label]);
			if ((i & 0xFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
		}
		for (g = 0; g < src->ng; g++)
		{
			const PatKey *k = &src->pats.pk[src->gpat[g]];

			for (j = 0; j < k->len; j++)
				state_append(dst, (uint64) src->gkey[g], rm[k->p[j] >> 32], lm[k->p[j] & 0xFFFFFFFF]);
		}
	}
	else if (int_items(dst))
	{
		uint32	   *pmap;

		pmap = map_patterns(dst, src, rm, lm);
		for (j = 0; j < (uint32) src->npend; j++)
		{
			/* src's undecoded item streams move to dst, pattern ids mapped */
			const GPend *g = &src->pend[j];
			uint32	   *m = MemoryContextAllocHuge(dst->hdr.eoh_context,
												   mul_size(Max(g->npat, 1), sizeof(uint32)));
			uint32		p;

			for (p = 0; p < g->npat; p++)
				m[p] = pmap[g->pmap ? g->pmap[p] : p];
			state_add_pend(dst, g->p, g->len, g->n, g->npat, m, true);
		}
		if (dst->ng == 0)
		{
			/* nothing to merge with: take src's items */
			Size		g;

			if (src->ng > 0)
			{
				if (dst->gkey)
				{
					pfree(dst->gkey);
					pfree(dst->gpat);
				}
				dst->gkey = MemoryContextAllocHuge(dst->hdr.eoh_context, mul_size(src->ng, sizeof(int64)));
				dst->gpat = MemoryContextAllocHuge(dst->hdr.eoh_context, mul_size(src->ng, sizeof(uint32)));
				memcpy(dst->gkey, src->gkey, src->ng * sizeof(int64));
				for (g = 0; g < src->ng; g++)
					dst->gpat[g] = pmap[src->gpat[g]];
				dst->ng = dst->gcap = src->ng;
			}
		}
		else
			merge_grouped(dst, src->gkey, src->gpat, src->ng, pmap);
		pfree(pmap);
	}
	else
		for (i = 0; i < src->nr; i++)
		{
			const Rating *r = &src->r[i];

			if (b->mode == AGREE_MODE_PAIRS)
				state_append(dst, lm[r->item], lm[r->rater], 0);
			else
				state_append(dst, im[r->item], rm[r->rater], lm[r->label]);
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
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("annqa.agree_combine: a combine function, callable only by an aggregate"),
				 errhint("Use it as the SFUNC or COMBINEFUNC of an aggregate over annqa.agree_state.")));
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
		dst = state_writable(fcinfo, 1, aggcxt, PARSE_LAZY_COPY);
	}
	else
	{
		dst = state_writable(fcinfo, 0, aggcxt, PARSE_LAZY_COPY);
		src = state_read(PG_GETARG_DATUM(1), tmp, PARSE_LAZY_REF);
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

typedef struct Computed
{
	AgreeResult res;
	int64		n_raters;
	int			q;
	double		conf_level;
} Computed;

static void check_label_values(int q, const double *x, const char *fn);

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
	if (st->cfg.weights != AGREE_W_NONE)
		check_label_values(q, x, fn);
	agree_weight_init(&ws, q, (AgreeWeights) st->cfg.weights, x);
	{
		double	   *work = palloc_extended(mul_size(agree_work_doubles(q), sizeof(double)), MCXT_ALLOC_HUGE);

		agree_two_rater(stat, &ws, nc, ck, cl, cc, work, &out->res);
	}
}

/*
 * Value-based weights and the interval and ratio levels square differences
 * of label values: values beyond +-1e100 could overflow to Infinity and NaN
 * (the statistics are documented never to be NaN), so they are refused.
 */
static void
check_label_values(int q, const double *x, const char *fn)
{
	int			k;

	if (x == NULL)
		return;
	for (k = 0; k < q; k++)
		if (!(fabs(x[k]) <= 1e100))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("%s: label values must lie within +-1e100 for value-based weights and the interval and ratio levels", fn),
					 errdetail("A label value is %g.", x[k])));
}

/* The multi-rater statistic stat over CSR items (ptr, cat) of q categories. */
static void
run_kernel(AgreeState *st, AgreeStat stat, int q, const double *x, const int *catof, const AgreeItems *items,
		   double *work, int *iwork, Computed *out, const char *fn)
{
	int			k;
	AgreeWeightSpec ws;

	if (stat == AGREE_ALPHA)
	{
		if (st->cfg.level == AGREE_INTERVAL || st->cfg.level == AGREE_RATIO)
			check_label_values(q, x, fn);
		if (st->cfg.level == AGREE_RATIO)
			for (k = 0; k < q; k++)
				if (x[k] < 0)
					ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
									errmsg("%s: the ratio level needs values >= 0", fn)));
		agree_alpha_items((AgreeLevel) st->cfg.level, q, x, items, work, iwork, &out->res);
	}
	else if (stat == AGREE_FLEISS_CATEGORY)
	{
		int			kc = st->cfg.has_category ? catof[st->cfg.category] : -1;

		agree_fleiss_category_items(q, kc, items, &out->res);
	}
	else
	{
		if (st->cfg.weights != AGREE_W_NONE)
			check_label_values(q, x, fn);
		agree_weight_init(&ws, q, (AgreeWeights) st->cfg.weights, x);
		agree_multi_rater_items(stat, &ws, items, work, iwork, &out->res);
	}
}

static void pg_attribute_noreturn()
raise_dup(const AgreeState *st, int64 item, uint32 rater, const char *fn)
{
	ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
					errmsg("%s: duplicate rating of item %s by rater %s", fn,
						   psprintf(INT64_FORMAT, item), key_string(&st->raters, rater)),
					errdetail("Each (item, rater) pair may carry one label.")));
}


static void two_rater(AgreeState *st, AgreeStat stat, const uint32 *pa, const uint32 *pb, Size np,
					  Computed *out, const char *fn);

/*
 * The statistics of a bigint-keyed long-form state.  The kernels read the
 * items in ascending key order, each item's categories in ascending order
 * (so the result does not depend on row order, rater ids or how the rows
 * were split).  Two ways to the same arrays:
 *   - direct (a serial plan: raw ratings only): walk the ratings item by item
 *     (ItemIter: merging ascending runs, or sorting), checking duplicates;
 *   - grouped (after a merge, or for the two-rater statistics): per pattern
 *     once, then per item a copy of its pattern's categories.
 */
static void
compute_int_items(AgreeState *st, AgreeStat stat, Computed *out, const char *fn)
{
	uint32		nl = st->labels.n,
				nrat = st->raters.n,
				p,
				j;
	bool		two = stat == AGREE_COHEN || stat == AGREE_SCOTT;
	bool		direct;
	bool	   *rused = palloc0(Max(nrat, 1));
	bool	   *lused = palloc0(Max(nl, 1));
	bool	   *pref = NULL;
	int64		nraters = 0;
	uint32		ra = 0,
				rb = 0;
	Size		g,
				k;

	state_settle(st);
	if (st->has_dup)
		raise_dup(st, st->dup_item, st->dup_rater, fn);
	direct = st->ng == 0 && !two;
	if (!direct)
		state_group(st);
	if (st->has_dup)
		raise_dup(st, st->dup_item, st->dup_rater, fn);
	if (direct)
	{
		for (k = 0; k < st->nr; k++)
		{
			rused[st->r[k].rater] = true;
			lused[st->r[k].label] = true;
		}
	}
	else
	{
		pref = palloc0(Max(st->pats.n, 1));
		for (g = 0; g < st->ng; g++)
			pref[st->gpat[g]] = true;
		for (p = 0; p < st->pats.n; p++)
			if (pref[p])
				for (j = 0; j < st->pats.pk[p].len; j++)
				{
					rused[st->pats.pk[p].p[j] >> 32] = true;
					lused[st->pats.pk[p].p[j] & 0xFFFFFFFF] = true;
				}
	}
	/* raters a and b of a two-rater statistic: the two smallest used rater ids */
	for (j = 0; j < nrat; j++)
	{
		if (!rused[j])
			continue;
		if (nraters == 0)
			ra = j;
		else if (nraters == 1)
			rb = j;
		nraters++;
	}
	out->n_raters = nraters;

	if (two)
	{
		uint32	   *pa,
				   *pb,
				   *la = palloc_extended(mul_size(Max(st->pats.n, 1), sizeof(uint32)), MCXT_ALLOC_HUGE),
				   *lb = palloc_extended(mul_size(Max(st->pats.n, 1), sizeof(uint32)), MCXT_ALLOC_HUGE);
		bool	   *both = palloc0(Max(st->pats.n, 1));
		Size		np = 0;

		if (nraters != 2)
		{
			out->res.n_items = 0;
			return;				/* needs exactly two raters: NULL */
		}
		for (p = 0; p < st->pats.n; p++)
		{
			bool		ha = false,
						hb = false;

			for (j = 0; j < st->pats.pk[p].len; j++)
			{
				uint64		e = st->pats.pk[p].p[j];

				if ((e >> 32) == ra)
				{
					ha = true;
					la[p] = (uint32) e;
				}
				else if ((e >> 32) == rb)
				{
					hb = true;
					lb[p] = (uint32) e;
				}
			}
			both[p] = ha && hb;
		}
		pa = palloc_extended(mul_size(Max(st->ng, 1), sizeof(uint32)), MCXT_ALLOC_HUGE);
		pb = palloc_extended(mul_size(Max(st->ng, 1), sizeof(uint32)), MCXT_ALLOC_HUGE);
		for (g = 0; g < st->ng; g++)
			if (both[st->gpat[g]])
			{
				/* rater a is the one with the smaller id: fixed order */
				pa[np] = la[st->gpat[g]];
				pb[np] = lb[st->gpat[g]];
				np++;
			}
		two_rater(st, stat, pa, pb, np, out, fn);
		return;
	}
	else
	{
		int		   *catof = palloc_extended(mul_size(Max(nl, 1), sizeof(int)), MCXT_ALLOC_HUGE);
		AgreeItems	items;
		double	   *x;
		bool		by_value;
		int			q;
		double	   *work;
		int		   *iwork;

		if (stat == AGREE_ALPHA)
			by_value = (st->cfg.level == AGREE_INTERVAL || st->cfg.level == AGREE_RATIO);
		else
			by_value = st->cfg.basis == 1 && st->cfg.weights != AGREE_W_NONE;
		q = build_categories(st, lused, catof, &x, by_value, fn);
		out->q = q;
		work = palloc_extended(mul_size(agree_work_doubles(q), sizeof(double)), MCXT_ALLOC_HUGE);
		iwork = palloc_extended(mul_size(agree_work_ints(q), sizeof(int)), MCXT_ALLOC_HUGE);
		if (direct)
		{
			ItemIter	it;
			int64		key;
			uint32		m;
			Size		nitems = 0;
			int		   *cat = palloc_extended(mul_size(Max(st->nr, 1), sizeof(int)), MCXT_ALLOC_HUGE);

			/* items: at most one per rating (pages never touched cost nothing) */
			Size	   *ptr = palloc_extended(mul_size((Size) st->nr + 1, sizeof(Size)), MCXT_ALLOC_HUGE);

			ptr[0] = 0;
			iter_init(&it, st);
			while (iter_next(&it, &key, &m))
			{
				int		   *c = cat + ptr[nitems];

				sort_u64(it.buf, m);
				for (j = 1; j < m; j++)
					if ((it.buf[j] >> 32) == (it.buf[j - 1] >> 32))
						raise_dup(st, key, (uint32) (it.buf[j] >> 32), fn);
				for (j = 0; j < m; j++)
					c[j] = catof[(uint32) it.buf[j]];
				sort_ints(c, m);
				ptr[nitems + 1] = ptr[nitems] + m;
				nitems++;
			}
			items.nitems = nitems;
			items.ptr = ptr;
			items.cat = cat;
			items.ipat = NULL;
			items.npat = nitems;
			items.pq = NULL;
		}
		else
		{
			/*
			 * each referenced pattern's categories, ascending, once; the
			 * kernels read the items through their pattern ids
			 */
			Size	   *pptr = palloc_extended(mul_size((Size) st->pats.n + 1, sizeof(Size)), MCXT_ALLOC_HUGE);
			int		   *pcat;

			pptr[0] = 0;
			for (p = 0; p < st->pats.n; p++)
				pptr[p + 1] = pptr[p] + (pref[p] ? st->pats.pk[p].len : 0);
			pcat = palloc_extended(mul_size(Max(pptr[st->pats.n], 1), sizeof(int)), MCXT_ALLOC_HUGE);
			for (p = 0; p < st->pats.n; p++)
			{
				if (!pref[p])
					continue;
				for (j = 0; j < st->pats.pk[p].len; j++)
					pcat[pptr[p] + j] = catof[st->pats.pk[p].p[j] & 0xFFFFFFFF];
				sort_ints(pcat + pptr[p], st->pats.pk[p].len);
			}
			items.nitems = st->ng;
			items.ptr = pptr;
			items.cat = pcat;
			items.ipat = st->gpat;
			items.npat = st->pats.n;
			items.pq = palloc_extended(mul_size(Max(agree_pattern_doubles(st->pats.n), 1), sizeof(double)),
									   MCXT_ALLOC_HUGE);
		}
		run_kernel(st, stat, q, x, catof, &items, work, iwork, out, fn);
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
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: a two-rater (wide-form) annqa.agree_state has only Cohen's kappa and Scott's pi", fn)));
		for (j = 0; j < nr; j++)
		{
			pa[j] = (uint32) st->r[j].item;
			pb[j] = st->r[j].rater;
		}
		out->n_raters = nr > 0 ? 2 : 0;
		two_rater(st, stat, pa, pb, nr, out, fn);
		return;
	}
	else if (int_items(st))
	{
		compute_int_items(st, stat, out, fn);
		return;
	}
	else
	{
		/* text item keys: group the ratings by item id (counting sort) */
		Size	   *start;
		uint64	   *g;
		bool	   *rused = palloc0(Max(st->raters.n, 1));
		bool	   *lused = palloc0(Max(nl, 1));
		int64		nraters = 0;
		uint32		ra = 0,
					rb = 0;

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
		for (j = 0; j < nr; j++)
		{
			rused[st->r[j].rater] = true;
			lused[st->r[j].label] = true;
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
		for (i = 0; i < ni; i++)
		{
			Size		m = start[i + 1] - start[i],
						k;
			uint64	   *a = g + start[i];

			sort_u64(a, m);
			for (k = 1; k < m; k++)
				if ((a[k] >> 32) == (a[k - 1] >> 32))
					ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
									errmsg("%s: duplicate rating of item %s by rater %s", fn,
										   key_string(&st->items, i),
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
			AgreeItems	items;

			if (stat == AGREE_ALPHA)
				by_value = (st->cfg.level == AGREE_INTERVAL || st->cfg.level == AGREE_RATIO);
			else
				by_value = st->cfg.basis == 1 && st->cfg.weights != AGREE_W_NONE;
			q = build_categories(st, lused, catof, &x, by_value, fn);
			out->q = q;
			/* CSR over the items that have ratings */
			ptr[0] = 0;
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
			items.nitems = nitems;
			items.ptr = ptr;
			items.cat = cat;
			items.ipat = NULL;
			items.npat = nitems;
			items.pq = NULL;
			run_kernel(st, stat, q, x, catof, &items, work, iwork, out, fn);
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
	st = state_read(PG_GETARG_DATUM(0), tmp, PARSE_DECODE);
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
	st = state_read(PG_GETARG_DATUM(0), tmp, PARSE_DECODE);
	if (st->cfg.stat == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("annqa.agreement: the annqa.agree_state names no statistic"),
				 errhint("Build it with annqa.agreement(item, rater, label, statistic), or read it with a statistic's own final function.")));
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
			double		z = agree_norm_upper_quantile((1 - c.conf_level) / 2);

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
