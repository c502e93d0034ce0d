/*
 * Unit tests of the pure geometry kernels (src/core/geom.c).  Expected values
 * are closed forms worked out in the comments, not outputs of the code.
 */
#include "geom.h"
#include "unit.h"

#include <float.h>
#include <stdlib.h>

/* brute-force area of a rotated-box intersection by fine sampling (independent check) */
static int
inside(const AnnqaRBox *r, double x, double y)
{
	double		s, c, dx = x - r->cx, dy = y - r->cy, u, v;

	annqa_geom_sincos_deg(r->angle, &s, &c);
	u = dx * c + dy * s;
	v = -dx * s + dy * c;
	return fabs(u) <= r->w / 2 && fabs(v) <= r->h / 2;
}

int
main(void)
{
	/* bbIou: [0,0,2,2] vs [1,0,5,3]: inter 1*2 = 2, union 4 + 15 - 2 = 17 */
	double		a[4] = {0, 0, 2, 2}, b[4] = {1, 0, 5, 3};
	AnnqaBox	ba = {0, 0, 2, 2}, bb = {1, 0, 6, 3}, t1 = {0, 0, 1, 1}, t2 = {1, 0, 2, 1};
	AnnqaRBox	sq = {0, 0, 1, 1, 0}, sq45 = {0, 0, 1, 1, 45};
	double		xy[8], r;
	int			i;

	CHECK(annqa_geom_xywh_iou(a, b, false) == 2.0 / 17.0, "bbIou 2/17");
	CHECK(annqa_geom_xywh_iou(a, b, true) == 0.5, "bbIou crowd 2/4");
	CHECK(annqa_geom_xywh_iou(b, a, true) == 2.0 / 15.0, "bbIou crowd 2/15");
	CHECK(annqa_geom_box_iou(&ba, &bb, false) == 2.0 / 17.0, "box iou 2/17");
	CHECK(annqa_geom_box_iou(&t1, &t2, false) == 0.0, "touching boxes give 0");
	CHECK_NEAR(annqa_geom_box_giou(&t1, &(AnnqaBox){2, 0, 3, 1}), -1.0 / 3.0, 1e-15, "giou -1/3");
	CHECK(annqa_geom_box_giou(&(AnnqaBox){0, 0, 0, 0}, &(AnnqaBox){0, 0, 0, 0}) == 0.0, "giou of one point is 0");

	/* corners at 90 degrees are exact: (0,0,4,2,90) -> (1,-2),(1,2),(-1,2),(-1,-2) */
	annqa_geom_rbox_corners(&(AnnqaRBox){0, 0, 4, 2, 90}, xy);
	CHECK(xy[0] == 1 && xy[1] == -2 && xy[2] == 1 && xy[3] == 2 && xy[4] == -1 && xy[5] == 2 &&
		  xy[6] == -1 && xy[7] == -2, "corners exact at 90 degrees");

	/* unit square vs itself turned 45 degrees: octagon 2(sqrt2-1), IoU = 1/sqrt2 */
	CHECK_NEAR(annqa_geom_rbox_iou(&sq, &sq45), 1.0 / sqrt(2.0), 1e-15, "square vs 45 degrees = 1/sqrt(2)");
	CHECK(annqa_geom_rbox_iou(&sq, &sq) == 1.0, "identical axis-aligned = 1");
	CHECK_NEAR(annqa_geom_rbox_iou(&sq45, &sq45), 1.0, 1e-15, "identical rotated = 1");
	/* 10x1 boxes 5 apart, both at 90 degrees: disjoint (CVAT reports 1/3) */
	CHECK(annqa_geom_rbox_iou(&(AnnqaRBox){0, 0, 10, 1, 90}, &(AnnqaRBox){5, 0, 10, 1, 90}) == 0.0,
		  "equal angles, shifted centres: 0");
	CHECK(annqa_geom_rbox_iou(&(AnnqaRBox){0, 0, 10, 1, 0}, &(AnnqaRBox){5, 0, 10, 1, 0}) == 1.0 / 3.0,
		  "unrotated shifted: 5/15");
	CHECK(annqa_geom_rbox_iou(&(AnnqaRBox){0, 0, 0, 1, 30}, &sq45) == 0.0, "zero-area box: 0");
	CHECK(annqa_geom_rbox_iou(&(AnnqaRBox){0, 0, 4, 2, 0}, &(AnnqaRBox){0, 0, 4, 2, 180}) == 1.0, "180 degrees");
	CHECK(annqa_geom_rbox_iou(&(AnnqaRBox){0, 0, 4, 2, 0}, &(AnnqaRBox){0, 0, 2, 4, -270}) == 1.0, "-270 degrees");

	/* random pairs against a sampling estimate (loose: sampling error ~1e-3) */
	srand(7);
	for (i = 0; i < 8; i++)
	{
		AnnqaRBox	p = {rand() % 20, rand() % 20, 4 + rand() % 10, 4 + rand() % 10, rand() % 360};
		AnnqaRBox	q = {p.cx + rand() % 7 - 3, p.cy + rand() % 7 - 3, 4 + rand() % 10, 4 + rand() % 10, rand() % 360};
		double		step = 0.025, x, y, in = 0, un = 0;
		double		x0 = fmin(p.cx, q.cx) - 10, x1 = fmax(p.cx, q.cx) + 10;
		double		y0 = fmin(p.cy, q.cy) - 10, y1 = fmax(p.cy, q.cy) + 10;

		for (x = x0; x < x1; x += step)
			for (y = y0; y < y1; y += step)
			{
				int			ip = inside(&p, x, y), iq = inside(&q, x, y);

				in += ip && iq;
				un += ip || iq;
			}
		r = annqa_geom_rbox_iou(&p, &q);
		CHECK_NEAR(r, in / un, 5e-3, "rotated IoU vs sampling");
	}

	/* OKS: gold (0,0),(10,10), pred (1,0),(10,12), sigma 0.5, area 4 -> (e^-0.125 + e^-0.5)/2 */
	{
		double		g[6] = {0, 0, 2, 10, 10, 1}, p[6] = {1, 0, 2, 10, 12, 0}, s[1] = {0.5}, z[6] = {0, 0, 0, 1, 1, 0};

		CHECK(annqa_geom_oks(g, p, 2, s, 1, 4, &r), "oks defined");
		CHECK_NEAR(r, (exp(-0.125) + exp(-0.5)) / 2, 1e-15, "oks by hand");
		CHECK(!annqa_geom_oks(z, p, 2, s, 1, 4, &r), "oks undefined without visible gold");
	}
	UNIT_DONE();
}
