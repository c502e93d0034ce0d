/*
 * geom.h - pure geometry kernels of annqa (no PostgreSQL dependency).
 *
 * Everything here is plain C99 over doubles, so that test/unit can test it
 * without a server.  Callers validate their inputs (finite values,
 * non-negative extents) before calling; these functions never allocate.
 */
#ifndef ANNQA_GEOM_H
#define ANNQA_GEOM_H

#include <stdbool.h>
#include <stddef.h>
#include <math.h>

/* An axis-aligned box in corner form, lx <= hx and ly <= hy. */
typedef struct AnnqaBox
{
	double		lx, ly, hx, hy;
} AnnqaBox;

/* A rotated box: centre, extents and angle in degrees (counter-clockwise). */
typedef struct AnnqaRBox
{
	double		cx, cy, w, h, angle;
} AnnqaRBox;

/*
 * Box IoU exactly as pycocotools' bbIou, given xywh: iw = min(x1+w1, x2+w2) -
 * max(x1, x2), 0 when iw <= 0 (likewise ih); union is area(a) when crowd,
 * else area(a) + area(b) - inter.  a is the annotation under test, b the
 * reference (the crowd region when crowd is true).
 */
extern double annqa_geom_xywh_iou(const double a[4], const double b[4], bool crowd);

/* The same for corner-form boxes (inline: it is the hottest function). */
static inline double
annqa_geom_box_iou(const AnnqaBox *a, const AnnqaBox *b, bool crowd)
{
	double		iw = (a->hx < b->hx ? a->hx : b->hx) - (a->lx > b->lx ? a->lx : b->lx);
	double		ih,
				inter,
				aa,
				u;

	if (!(iw > 0))
		return 0.0;
	ih = (a->hy < b->hy ? a->hy : b->hy) - (a->ly > b->ly ? a->ly : b->ly);
	if (!(ih > 0))
		return 0.0;
	inter = iw * ih;
	aa = (a->hx - a->lx) * (a->hy - a->ly);
	u = crowd ? aa : aa + (b->hx - b->lx) * (b->hy - b->ly) - inter;
	/* overflow of huge coordinates: NaN, which the caller reports */
	return isfinite(u) ? inter / u : NAN;
}

/*
 * Generalised IoU (Rezatofighi et al. 2019): IoU - (C - U) / C, with C the
 * area of the smallest enclosing box and U the union.  When C is 0 (both
 * boxes are the same point or segment) the result is 0.
 */
extern double annqa_geom_box_giou(const AnnqaBox *a, const AnnqaBox *b);

/* cos and sin of an angle in degrees, exact at multiples of 90 degrees. */
extern void annqa_geom_sincos_deg(double deg, double *s, double *c);

/*
 * The four corners of a rotated box, counter-clockwise (in a y-up frame),
 * starting at the corner that is (-w/2, -h/2) from the centre before rotation.
 * xy receives x1,y1,...,x4,y4.
 */
extern void annqa_geom_rbox_corners(const AnnqaRBox *r, double xy[8]);

/*
 * Area of the intersection of two convex polygons given counter-clockwise
 * (n, m <= 4 here; the clipper handles up to ANNQA_MAX_CLIP vertices).
 */
#define ANNQA_MAX_CLIP 16
extern double annqa_geom_convex_intersection_area(const double *p, int n,
												  const double *q, int m);

/* Exact IoU of two rotated boxes by convex polygon clipping. */
extern double annqa_geom_rbox_iou(const AnnqaRBox *a, const AnnqaRBox *b);

/*
 * COCO object keypoint similarity (pycocotools COCOeval.computeOks):
 * e_i = d_i^2 / (2 sigma_i)^2 / (area + eps) / 2 over the keypoints visible
 * in gold (v > 0); OKS = sum(exp(-e_i)) / count.  nsigmas is nkp, or 1 to
 * use one sigma for every keypoint.  Returns false (no value) when no gold
 * keypoint is visible.
 */
extern bool annqa_geom_oks(const double *gold, const double *pred, int nkp,
						   const double *sigmas, int nsigmas, double area,
						   double *result);

#endif
