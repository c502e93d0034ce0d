/*
 * rle_codec.c - the COCO compressed-string codec, canonical form, area and
 * bbox, the packed storage form and run-based set operations.
 *
 * Implemented from the description in spec/coco-rle.md section 1 and 2 (the
 * pycocotools rules), with 64-bit arithmetic throughout (no bug B5) and
 * validation instead of overruns (no bug B3).
 */
#include "rle_codec.h"

#define RLE_MAX_CHARS 12		/* 60 bits: more than any valid value needs */

const char *
rle_error_text(RleError e)
{
	switch (e)
	{
		case RLE_OK:
			return "no error";
		case RLE_E_CHAR:
			return "a character outside '0'..'o'";
		case RLE_E_TRUNC:
			return "a truncated last run (it ends with a continuation character)";
		case RLE_E_LONG:
			return "a run coded with too many characters";
		case RLE_E_RANGE:
			return "a run length that is negative or larger than 4294967295";
		case RLE_E_SUM:
			return "counts that do not sum to height * width";
		case RLE_E_CORRUPT:
			return "corrupt packed counts";
		case RLE_E_SHORT:
			return "a truncated header";
		case RLE_E_VERSION:
			return "an unsupported version";
		case RLE_E_NEGATIVE:
			return "a negative height or width";
		case RLE_E_TOOBIG:
			return "a size beyond the limits";
		case RLE_E_LENGTH:
			return "a length that does not match its run count";
	}
	return "unknown error";
}

RleError
rle_coco_decode(const char *s, size_t len, uint32_t *cnts, size_t *m,
				size_t *errpos)
{
	size_t		p = 0;
	size_t		k = 0;

	*errpos = 0;
	while (p < len)
	{
		int64_t		x = 0;
		int			shift = 0;
		int			nchar = 0;
		size_t		start = p;

		for (;;)
		{
			int			c;

			if (p >= len)
			{
				*errpos = start;
				*m = k;
				return RLE_E_TRUNC;
			}
			c = (unsigned char) s[p];
			if (c < 48 || c > 111)
			{
				*errpos = p;
				*m = k;
				return RLE_E_CHAR;
			}
			if (++nchar > RLE_MAX_CHARS)
			{
				*errpos = start;
				*m = k;
				return RLE_E_LONG;
			}
			c -= 48;
			x |= (int64_t) (c & 0x1f) << shift;
			shift += 5;
			p++;
			if (!(c & 0x20))
			{
				if (c & 0x10)
					x |= -((int64_t) 1 << shift);	/* sign-extend */
				break;
			}
		}
		if (k > 2)
			x += cnts[k - 2];
		if (x < 0 || x > (int64_t) UINT32_MAX)
		{
			*errpos = start;
			*m = k;
			return RLE_E_RANGE;
		}
		cnts[k++] = (uint32_t) x;
	}
	*m = k;
	return RLE_OK;
}

/* Characters of one signed value in 5-bit groups. */
static inline size_t
coco_value_len(int64_t x)
{
	size_t		n = 0;

	for (;;)
	{
		int			c = (int) (x & 0x1f);

		x >>= 5;
		n++;
		if ((c & 0x10) ? x == -1 : x == 0)
			return n;
	}
}

static inline int64_t
coded_value(const uint32_t *cnts, size_t i)
{
	return i > 2 ? (int64_t) cnts[i] - (int64_t) cnts[i - 2] : (int64_t) cnts[i];
}

size_t
rle_coco_len(const uint32_t *cnts, size_t m)
{
	size_t		n = 0;
	size_t		i;

	for (i = 0; i < m; i++)
		n += coco_value_len(coded_value(cnts, i));
	return n;
}

size_t
rle_coco_encode(const uint32_t *cnts, size_t m, char *out)
{
	size_t		n = 0;
	size_t		i;

	for (i = 0; i < m; i++)
	{
		int64_t		x = coded_value(cnts, i);

		for (;;)
		{
			int			c = (int) (x & 0x1f);
			int			more;

			x >>= 5;			/* arithmetic shift of a signed value */
			more = (c & 0x10) ? x != -1 : x != 0;
			if (more)
				c |= 0x20;
			out[n++] = (char) (c + 48);
			if (!more)
				break;
		}
	}
	return n;
}

RleError
rle_canonicalize(uint32_t *cnts, size_t *m, uint64_t hw, uint64_t *sum)
{
	size_t		n = *m;
	size_t		i;
	size_t		k;
	uint64_t	s = 0;

	for (i = 0; i < n; i++)
		s += cnts[i];
	if (sum)
		*sum = s;
	if (s != hw)
		return RLE_E_SUM;
	if (n == 0)
	{
		cnts[0] = 0;			/* only reachable when hw == 0 */
		*m = 1;
		return RLE_OK;
	}
	k = 1;
	for (i = 1; i < n; i++)
	{
		if (cnts[i] == 0)
		{
			/* an empty run: the next run continues the previous one */
			if (i + 1 < n)
				cnts[k - 1] += cnts[++i];
			continue;
		}
		cnts[k++] = cnts[i];
	}
	while (k > 1 && cnts[k - 1] == 0)
		k--;
	*m = k;
	return RLE_OK;
}

uint64_t
rle_area(const uint32_t *cnts, size_t m)
{
	uint64_t	a = 0;
	size_t		i;

	for (i = 1; i < m; i += 2)
		a += cnts[i];
	return a;
}

/* Column of linear index t, moving a cursor (col, col_end) forward. */
static inline uint64_t
column_of(uint64_t t, uint64_t h, uint64_t *col, uint64_t *col_end)
{
	if (t >= *col_end)
	{
		if (t - *col_end < 4 * h)
		{
			do
			{
				(*col)++;
				*col_end += h;
			} while (t >= *col_end);
		}
		else
		{
			*col = t / h;
			*col_end = (*col + 1) * h;
		}
	}
	return *col;
}

void
rle_bbox(const uint32_t *cnts, size_t m, uint32_t h, uint32_t bb[4])
{
	uint64_t	pos = 0;
	uint64_t	xs = UINT64_MAX, xe = 0, ys = UINT64_MAX, ye = 0;
	uint64_t	col = 0, col_end = h;
	int			seen = 0;
	size_t		i;

	for (i = 0; i < m; i++)
	{
		uint64_t	c = cnts[i];

		if ((i & 1) && c > 0 && h > 0)
		{
			uint64_t	s = pos;
			uint64_t	e = pos + c - 1;
			uint64_t	x0 = column_of(s, h, &col, &col_end);
			uint64_t	y0 = s - x0 * h;
			uint64_t	x1 = column_of(e, h, &col, &col_end);
			uint64_t	y1 = e - x1 * h;

			seen = 1;
			if (x0 < xs)
				xs = x0;
			if (x1 > xe)
				xe = x1;
			if (x0 != x1)
			{
				ys = 0;
				ye = h - 1;
			}
			else
			{
				if (y0 < ys)
					ys = y0;
				if (y1 > ye)
					ye = y1;
			}
		}
		pos += c;
	}
	if (!seen)
	{
		bb[0] = bb[1] = bb[2] = bb[3] = 0;
		return;
	}
	bb[0] = (uint32_t) xs;
	bb[1] = (uint32_t) ys;
	bb[2] = (uint32_t) (xe - xs + 1);
	bb[3] = (uint32_t) (ye - ys + 1);
}

/* ---------------------------------------------------------------- binary form */

static inline uint32_t
be32(const uint8_t *p)
{
	return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

RleError
rle_binary_header(const uint8_t *p, size_t len, uint32_t *h, uint32_t *w,
				  size_t *m)
{
	int32_t		hh,
				ww,
				mm;

	if (len < 16)
		return RLE_E_SHORT;
	if (be32(p) != 1)
		return RLE_E_VERSION;
	hh = (int32_t) be32(p + 4);
	ww = (int32_t) be32(p + 8);
	mm = (int32_t) be32(p + 12);
	if (hh < 0 || ww < 0)
		return RLE_E_NEGATIVE;
	if (hh > 0 && (uint64_t) ww > RLE_MAX_PIXELS / (uint64_t) hh)
		return RLE_E_TOOBIG;
	if (mm < 0 || (uint64_t) mm * 4 != (uint64_t) (len - 16))
		return RLE_E_LENGTH;
	*h = (uint32_t) hh;
	*w = (uint32_t) ww;
	*m = (size_t) mm;
	return RLE_OK;
}

void
rle_binary_counts(const uint8_t *p, size_t m, uint32_t *cnts)
{
	size_t		i;

	for (i = 0; i < m; i++)
		cnts[i] = be32(p + 16 + 4 * i);
}

/* ---------------------------------------------------------------- packed form */

static inline size_t
nib_value_len(int64_t x)
{
	size_t		n = 0;

	for (;;)
	{
		int			c = (int) (x & 7);

		x >>= 3;
		n++;
		if ((c & 4) ? x == -1 : x == 0)
			return n;
	}
}

size_t
rle_pack_len(const uint32_t *cnts, size_t m)
{
	size_t		n = 0;
	size_t		i;

	for (i = 0; i < m; i++)
		n += nib_value_len(coded_value(cnts, i));
	return (n + 1) / 2;
}

void
rle_pack(const uint32_t *cnts, size_t m, uint8_t *out)
{
	size_t		pos = 0;
	size_t		i;

	for (i = 0; i < m; i++)
	{
		int64_t		x = coded_value(cnts, i);

		for (;;)
		{
			int			c = (int) (x & 7);
			int			more;

			x >>= 3;
			more = (c & 4) ? x != -1 : x != 0;
			if (more)
				c |= 8;
			if (pos & 1)
				out[pos >> 1] |= (uint8_t) (c << 4);
			else
				out[pos >> 1] = (uint8_t) c;
			pos++;
			if (!more)
				break;
		}
	}
}

void
rle_iter_init(RleIter *it, const uint8_t *p, size_t nbytes, size_t m)
{
	it->p = p;
	it->nnib = nbytes * 2;
	it->pos = 0;
	it->m = m;
	it->i = 0;
	it->prev1 = it->prev2 = 0;
}

RleError
rle_unpack(const uint8_t *p, size_t nbytes, size_t m, uint32_t *cnts)
{
	RleIter		it;
	size_t		i;

	rle_iter_init(&it, p, nbytes, m);
	for (i = 0; i < m; i++)
	{
		uint64_t	c = rle_iter_next(&it, UINT64_MAX);

		if (c > UINT32_MAX)
			return RLE_E_CORRUPT;
		cnts[i] = (uint32_t) c;
	}
	/* exactly the bytes needed, and a zero pad nibble */
	if ((it.pos + 1) / 2 != nbytes)
		return RLE_E_CORRUPT;
	if ((it.pos & 1) && (p[nbytes - 1] >> 4) != 0)
		return RLE_E_CORRUPT;
	return RLE_OK;
}

uint64_t
rle_packed_intersection(const uint8_t *pa, size_t na, size_t ma,
						const uint8_t *pb, size_t nb, size_t mb,
						uint64_t hw, uint64_t stop)
{
	RleIter		a, b;
	uint64_t	ea, eb, pos = 0, inter = 0;
	int			va = 0, vb = 0;

	if (stop > hw)
		stop = hw;
	rle_iter_init(&a, pa, na, ma);
	rle_iter_init(&b, pb, nb, mb);
	ea = rle_iter_next(&a, hw);
	eb = rle_iter_next(&b, hw);
	for (;;)
	{
		uint64_t	e = ea < eb ? ea : eb;

		if (va & vb)
			inter += e - pos;
		pos = e;
		if (pos >= stop)
			break;
		while (ea == pos)
		{
			ea += rle_iter_next(&a, hw);
			va ^= 1;
		}
		while (eb == pos)
		{
			eb += rle_iter_next(&b, hw);
			vb ^= 1;
		}
	}
	return inter;
}

size_t
rle_fg_intervals(const uint32_t *cnts, size_t m, uint64_t *starts, uint64_t *ends)
{
	uint64_t	pos = 0;
	size_t		i,
				n = 0;

	for (i = 0; i < m; i++)
	{
		if ((i & 1) && cnts[i] > 0)
		{
			starts[n] = pos;
			ends[n] = pos + cnts[i];
			n++;
		}
		pos += cnts[i];
	}
	return n;
}

uint64_t
rle_packed_intersect_intervals(const uint8_t *pb, size_t nb, size_t mb,
							   const uint64_t *as, const uint64_t *ae, size_t na,
							   uint64_t lo, uint64_t hi)
{
	RleIter		it;
	uint64_t	pos = 0,
				inter = 0;
	size_t		ia = 0,
				i;

	rle_iter_init(&it, pb, nb, mb);
	/* skip a's intervals that end before lo */
	while (ia < na && ae[ia] <= lo)
		ia++;
	for (i = 0; i < mb && ia < na; i++)
	{
		uint64_t	c = rle_iter_next(&it, UINT64_MAX);
		uint64_t	bs,
					be;
		size_t		j;

		if (c == UINT64_MAX)
			break;				/* corrupt: stop */
		bs = pos;
		pos += c;
		if (!(i & 1) || c == 0)
			continue;
		be = pos;
		if (be <= lo)
			continue;
		if (bs >= hi)
			break;
		while (ia < na && ae[ia] <= bs)
			ia++;
		for (j = ia; j < na && as[j] < be; j++)
		{
			uint64_t	s = as[j] > bs ? as[j] : bs;
			uint64_t	e = ae[j] < be ? ae[j] : be;

			inter += e - s;
		}
	}
	return inter;
}

/* First interval whose end is beyond lo (ends are increasing). */
static size_t
first_ending_after(const uint64_t *e, size_t n, uint64_t lo)
{
	size_t		l = 0,
				r = n;

	while (l < r)
	{
		size_t		mid = l + (r - l) / 2;

		if (e[mid] <= lo)
			l = mid + 1;
		else
			r = mid;
	}
	return l;
}

uint64_t
rle_intervals_intersection(const uint64_t *as, const uint64_t *ae, size_t na,
						   const uint64_t *bs, const uint64_t *be, size_t nb,
						   uint64_t lo, uint64_t hi)
{
	size_t		i = first_ending_after(ae, na, lo);
	size_t		j = first_ending_after(be, nb, lo);
	uint64_t	inter = 0;

	while (i < na && j < nb && as[i] < hi && bs[j] < hi)
	{
		uint64_t	s = as[i] > bs[j] ? as[i] : bs[j];
		uint64_t	e = ae[i] < be[j] ? ae[i] : be[j];

		if (s < e)
			inter += e - s;
		if (ae[i] < be[j])
			i++;
		else
			j++;
	}
	return inter;
}

/* ---------------------------------------------------------------- set ops */

size_t
rle_merge(const uint32_t *a, size_t ma, const uint32_t *b, size_t mb,
		  RleOp op, uint32_t *out)
{
	size_t		ia = 0, ib = 0, k = 0;
	uint64_t	ca, cb;			/* remaining length of the current runs */
	int			va = 0, vb = 0, v, cur = 0;
	uint64_t	acc = 0;

	ca = ma > 0 ? a[0] : 0;
	cb = mb > 0 ? b[0] : 0;
	for (;;)
	{
		uint64_t	c;

		/* skip exhausted runs */
		while (ca == 0 && ia < ma)
		{
			ia++;
			if (ia >= ma)
				break;
			ca = a[ia];
			va ^= 1;
		}
		while (cb == 0 && ib < mb)
		{
			ib++;
			if (ib >= mb)
				break;
			cb = b[ib];
			vb ^= 1;
		}
		if (ia >= ma || ib >= mb)
			break;
		c = ca < cb ? ca : cb;
		switch (op)
		{
			case RLE_OP_OR:
				v = va | vb;
				break;
			case RLE_OP_AND:
				v = va & vb;
				break;
			default:
				v = va & !vb;
				break;
		}
		if (v != cur)
		{
			out[k++] = (uint32_t) acc;
			acc = 0;
			cur = v;
		}
		acc += c;
		ca -= c;
		cb -= c;
	}
	if (acc > 0 || k == 0)
		out[k++] = (uint32_t) acc;
	return k;
}

void
rle_inter_union(const uint32_t *a, size_t ma, const uint32_t *b, size_t mb,
				uint64_t *inter, uint64_t *uni)
{
	size_t		ia = 0, ib = 0;
	uint64_t	ca = ma > 0 ? a[0] : 0, cb = mb > 0 ? b[0] : 0;
	int			va = 0, vb = 0;
	uint64_t	i = 0, u = 0;

	for (;;)
	{
		uint64_t	c;

		while (ca == 0 && ia < ma)
		{
			if (++ia >= ma)
				break;
			ca = a[ia];
			va ^= 1;
		}
		while (cb == 0 && ib < mb)
		{
			if (++ib >= mb)
				break;
			cb = b[ib];
			vb ^= 1;
		}
		if (ia >= ma || ib >= mb)
			break;
		c = ca < cb ? ca : cb;
		if (va & vb)
			i += c;
		if (va | vb)
			u += c;
		ca -= c;
		cb -= c;
	}
	*inter = i;
	*uni = u;
}
