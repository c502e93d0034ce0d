/*
 * rle_codec.h - COCO run-length masks in pure C (no PostgreSQL headers).
 *
 * A mask of h rows and w columns is scanned column-major (index t = x*h + y)
 * and stored as alternating run lengths starting with a background run
 * (cnts[0] zeros, cnts[1] ones, ...).  The canonical form has every run but
 * cnts[0] non-empty and sums to h*w; a 0-pixel mask is [0].  Counts are
 * uint32 (h*w <= 2^32-1); every sum uses 64-bit arithmetic.
 *
 * Nothing here allocates: callers pass buffers whose size the comments give.
 */
#ifndef ANNQA_RLE_CODEC_H
#define ANNQA_RLE_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* Size limits: h and w fit in int32 and h*w fits in uint32. */
#define RLE_MAX_SIDE	2147483647u
#define RLE_MAX_PIXELS	4294967295u

typedef enum
{
	RLE_OK = 0,
	RLE_E_CHAR,					/* character outside '0'..'o' */
	RLE_E_TRUNC,				/* last run's characters end with a continuation bit */
	RLE_E_LONG,					/* a run is coded with more than 13 characters */
	RLE_E_RANGE,				/* a run length is negative or above 2^32-1 */
	RLE_E_SUM,					/* counts do not sum to h*w */
	RLE_E_CORRUPT,				/* packed data is inconsistent */
	RLE_E_SHORT,				/* binary form: header truncated */
	RLE_E_VERSION,				/* binary form: unknown version */
	RLE_E_NEGATIVE,				/* binary form: negative height or width */
	RLE_E_TOOBIG,				/* h or w above RLE_MAX_SIDE, or h*w above RLE_MAX_PIXELS */
	RLE_E_LENGTH				/* binary form: length is not 16 + 4 m */
} RleError;

/* Human-readable text of an error code. */
extern const char *rle_error_text(RleError e);

/*
 * Decode a COCO compressed string of len bytes into cnts (room for len
 * counts, or 1 when len is 0).  *m receives the count; on error *errpos the
 * byte offset of the offending character.  Counts are not canonicalised.
 */
extern RleError rle_coco_decode(const char *s, size_t len, uint32_t *cnts,
								size_t *m, size_t *errpos);

/* Length of the COCO string of cnts[0..m) (at most 7*m). */
extern size_t rle_coco_len(const uint32_t *cnts, size_t m);

/* Write the COCO string of cnts[0..m) to out (no NUL); returns its length. */
extern size_t rle_coco_encode(const uint32_t *cnts, size_t m, char *out);

/*
 * Check that cnts[0..*m) sums to hw and canonicalise in place: zero-length
 * interior runs are merged, trailing zero-length runs dropped.  The buffer
 * must have room for at least one count (an empty list becomes [0] when
 * hw == 0).  On RLE_E_SUM, *sum (if not NULL) receives the actual sum.
 */
extern RleError rle_canonicalize(uint32_t *cnts, size_t *m, uint64_t hw,
								 uint64_t *sum);

/* Foreground pixels (sum of the odd runs). */
extern uint64_t rle_area(const uint32_t *cnts, size_t m);

/*
 * Pixel bounding box [x, y, w, h] of a canonical mask, pycocotools' rule
 * without its bugs: [0,0,0,0] when empty; a run crossing a column boundary
 * spans the full height.
 */
extern void rle_bbox(const uint32_t *cnts, size_t m, uint32_t h,
					 uint32_t bb[4]);

/*
 * The binary (send/recv) form: big-endian int32 version (1), height, width,
 * run count m, then m uint32 run lengths.  rle_binary_header checks all but
 * the counts' sum and returns h, w, m; rle_binary_counts reads the counts.
 */
extern RleError rle_binary_header(const uint8_t *p, size_t len, uint32_t *h,
								  uint32_t *w, size_t *m);
extern void rle_binary_counts(const uint8_t *p, size_t m, uint32_t *cnts);

/* ---------------------------------------------------------------- packed form
 * The stored form: the COCO values (cnts[i], or cnts[i] - cnts[i-2] for
 * i > 2) as signed little-endian groups of 3 bits plus a continuation bit,
 * one group per nibble, low nibble of each byte first; an odd final nibble
 * is zero.  Never longer than the COCO string.
 */
extern size_t rle_pack_len(const uint32_t *cnts, size_t m);	/* bytes */
extern void rle_pack(const uint32_t *cnts, size_t m, uint8_t *out);

/* Unpack exactly m counts from nbytes; checks ranges and exact length. */
extern RleError rle_unpack(const uint8_t *p, size_t nbytes, size_t m,
						   uint32_t *cnts);

/* A streaming reader of the packed form. */
typedef struct RleIter
{
	const uint8_t *p;
	size_t		nnib;			/* nibbles available */
	size_t		pos;			/* next nibble */
	size_t		m;				/* counts in all */
	size_t		i;				/* next count */
	int64_t		prev1;			/* cnts[i-1] */
	int64_t		prev2;			/* cnts[i-2] */
} RleIter;

extern void rle_iter_init(RleIter *it, const uint8_t *p, size_t nbytes, size_t m);

/*
 * Next run length; once the runs are exhausted (or the data is corrupt)
 * returns `fill`, which callers set so that their walk terminates.
 */
static inline uint64_t
rle_iter_next(RleIter *it, uint64_t fill)
{
	int64_t		v = 0;
	int			shift = 0;
	unsigned	g;
	int64_t		c;

	if (it->i >= it->m)
		return fill;
	for (;;)
	{
		if (it->pos >= it->nnib || shift > 60)
		{
			it->i = it->m;
			return fill;
		}
		g = (it->p[it->pos >> 1] >> ((it->pos & 1) << 2)) & 0xf;
		it->pos++;
		v |= (int64_t) (g & 7) << shift;
		shift += 3;
		if (!(g & 8))
		{
			if ((g & 4) && shift < 64)
				v |= -((int64_t) 1 << shift);
			break;
		}
	}
	c = it->i > 2 ? v + it->prev2 : v;
	it->prev2 = it->prev1;
	it->prev1 = c;
	it->i++;
	if (c < 0)
		return fill;
	return (uint64_t) c;
}

/* |A and B| of two packed masks of hw pixels; stop is an upper bound of the
 * last foreground pixel index + 1 of either (hw when unknown). */
extern uint64_t rle_packed_intersection(const uint8_t *pa, size_t na, size_t ma,
										const uint8_t *pb, size_t nb, size_t mb,
										uint64_t hw, uint64_t stop);

/*
 * The foreground runs of cnts as half-open intervals [starts[k], ends[k]) of
 * linear indices (room for m/2 + 1 each); returns their number.
 */
extern size_t rle_fg_intervals(const uint32_t *cnts, size_t m, uint64_t *starts,
							   uint64_t *ends);

/*
 * |A and B| with A given as foreground intervals and B packed; only pixels
 * in [lo, hi) are counted (lo/hi: first pixel of the first shared column and
 * the end of the last one; the intersection is empty outside).
 */
extern uint64_t rle_packed_intersect_intervals(const uint8_t *pb, size_t nb, size_t mb,
											   const uint64_t *as, const uint64_t *ae,
											   size_t na, uint64_t lo, uint64_t hi);

/* |A and B| of two interval lists, counting only pixels in [lo, hi). */
extern uint64_t rle_intervals_intersection(const uint64_t *as, const uint64_t *ae, size_t na,
										   const uint64_t *bs, const uint64_t *be, size_t nb,
										   uint64_t lo, uint64_t hi);

/* ---------------------------------------------------------------- set ops */
typedef enum
{
	RLE_OP_OR,
	RLE_OP_AND,
	RLE_OP_ANDNOT				/* a and not b */
} RleOp;

/*
 * Combine two canonical masks of the same size; out needs ma + mb + 1 counts.
 * Returns the number of counts written (canonical).
 */
extern size_t rle_merge(const uint32_t *a, size_t ma, const uint32_t *b,
						size_t mb, RleOp op, uint32_t *out);

/* |A and B| and |A or B| of two count lists. */
extern void rle_inter_union(const uint32_t *a, size_t ma, const uint32_t *b,
							size_t mb, uint64_t *inter, uint64_t *uni);

#endif
