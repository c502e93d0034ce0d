/*
 * rle.h - the annqa.rle type: a COCO run-length-encoded binary mask.
 *
 * On-disk layout (varlena, int4 alignment, storage extended):
 *
 *   varlena header (1 or 4 bytes)
 *   RleHead  (36 bytes): version (1), flags (0, reserved), reserved (2 zero
 *            bytes), height, width, number of runs, area, bbox x, y, w, h
 *   packed counts: the COCO values in 4-bit groups (core/rle_codec.h),
 *            never longer than the COCO string
 *
 * The head is read with memcpy, so a short-header (packed) datum is used
 * without copying; area() and the bbox prefilter of iou() read the head only.
 */
#ifndef ANNQA_RLE_H
#define ANNQA_RLE_H

#include "annqa.h"
#include "rle_codec.h"

#define ANNQA_RLE_VERSION 1

typedef struct RleHead
{
	uint8		version;
	uint8		flags;			/* reserved, must be 0 */
	uint16		reserved;		/* must be 0 */
	uint32		h;
	uint32		w;
	uint32		m;				/* number of runs */
	uint32		area;
	uint32		bbox[4];		/* x, y, w, h in pixels; all 0 when empty */
} RleHead;

/* A datum opened for reading (no copy of the packed form). */
typedef struct RleView
{
	RleHead		hd;
	const uint8 *data;
	size_t		nbytes;
	struct varlena *raw;		/* the detoasted datum */
} RleView;

/* Open argument n of the current function. */
extern void annqa_rle_open(Datum d, RleView *v);

/* The counts of an opened datum, palloc'd. */
extern uint32 *annqa_rle_decode(const RleView *v);

/*
 * Validate (sum == h*w) and canonicalise cnts[0..m) in place and build a
 * datum.  fn names the caller for errors.
 */
extern struct varlena *annqa_rle_build(uint32 *cnts, size_t m, uint32 h,
									   uint32 w, const char *fn);

/* Check a requested size; negative 22023, beyond the limits 54000. */
extern void annqa_rle_check_size(int64 h, int64 w, const char *fn);

/* palloc room for n counts (54000 beyond 1 GB). */
extern uint32 *annqa_rle_alloc_counts(size_t n, const char *fn);

/* Rasterise one polygon ring (k vertices) to canonical counts (palloc'd). */
extern uint32 *annqa_rle_poly_counts(const double *xy, size_t k, uint32 h,
									 uint32 w, size_t *m, const char *fn);

/* Combine two count lists of the same size into a new palloc'd list. */
extern uint32 *annqa_rle_merge_counts(const uint32 *a, size_t ma,
									  const uint32 *b, size_t mb, RleOp op,
									  size_t *m, const char *fn);

/*
 * A mask decoded once into its foreground runs as half-open intervals of
 * column-major pixel indices, for similarity matrices and consensus (each
 * mask of an array is decoded once, then every pair is an interval merge).
 */
typedef struct RleMask
{
	RleHead		hd;
	size_t		n;				/* foreground intervals */
	uint64	   *s;				/* starts */
	uint64	   *e;				/* ends */
} RleMask;

/* Decode a datum into *mk (palloc'd intervals). */
extern void annqa_rle_mask_decode(Datum d, RleMask *mk);

/*
 * |A and B| of two decoded masks of the same size, 0 at once when their
 * bounding boxes do not intersect (pycocotools' prefilter), otherwise counted
 * over the columns both bounding boxes share.
 */
extern uint64 annqa_rle_mask_intersection(const RleMask *a, const RleMask *b);

/* IoU of two decoded masks; crowd: intersection / area(a) (pycocotools iou). */
extern double annqa_rle_mask_iou(const RleMask *a, const RleMask *b, bool crowd);

#endif
