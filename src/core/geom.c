/*
 * geom.c - pure geometry kernels: box IoU/GIoU, rotated-box IoU by convex
 * clipping, and COCO OKS.  See geom.h for the contracts.
 */
#include "geom.h"

#include <float.h>
#include <math.h>

double
annqa_geom_xywh_iou(const double a[4], const double b[4], bool crowd)
{
	double		iw,
				ih,
				inter,
				u;

	/* pycocotools maskApi.c bbIou: continuous coordinates, no +1 */
	iw = fmin(a[0] + a[2], b[0] + b[2]) - fmax(a[0], b[0]);
	if (!(iw > 0))
		return 0.0;
	ih = fmin(a[1] + a[3], b[1] + b[3]) - fmax(a[1], b[1]);
	if (!(ih > 0))
		return 0.0;
	inter = iw * ih;
	u = crowd ? a[2] * a[3] : a[2] * a[3] + b[2] * b[3] - inter;
	if (!isfinite(u))
		return NAN;				/* overflow: the caller reports it */
	return inter / u;
}

double
annqa_geom_box_giou(const AnnqaBox *a, const AnnqaBox *b)
{
	double		iw,
				ih,
				inter,
				u,
				c;

	iw = fmin(a->hx, b->hx) - fmax(a->lx, b->lx);
	ih = fmin(a->hy, b->hy) - fmax(a->ly, b->ly);
	inter = (iw > 0 && ih > 0) ? iw * ih : 0.0;
	u = (a->hx - a->lx) * (a->hy - a->ly) + (b->hx - b->lx) * (b->hy - b->ly) - inter;
	c = (fmax(a->hx, b->hx) - fmin(a->lx, b->lx)) *
		(fmax(a->hy, b->hy) - fmin(a->ly, b->ly));
	if (!isfinite(c) || !isfinite(u))
		return NAN;				/* overflow: the caller reports it */
	if (!(c > 0))
		return 0.0;
	return (u > 0 ? inter / u : 0.0) - (c - u) / c;
}

void
annqa_geom_sincos_deg(double deg, double *s, double *c)
{
	double		r = fmod(deg, 360.0);

	if (r < 0)
		r += 360.0;
	if (r == 0.0)
	{
		*s = 0.0;
		*c = 1.0;
	}
	else if (r == 90.0)
	{
		*s = 1.0;
		*c = 0.0;
	}
	else if (r == 180.0)
	{
		*s = 0.0;
		*c = -1.0;
	}
	else if (r == 270.0)
	{
		*s = -1.0;
		*c = 0.0;
	}
	else
	{
		double		rad = r * (M_PI / 180.0);

		*s = sin(rad);
		*c = cos(rad);
	}
}

void
annqa_geom_rbox_corners(const AnnqaRBox *r, double xy[8])
{
	static const double sx[4] = {-0.5, 0.5, 0.5, -0.5};
	static const double sy[4] = {-0.5, -0.5, 0.5, 0.5};
	double		s,
				c;
	int			i;

	annqa_geom_sincos_deg(r->angle, &s, &c);
	for (i = 0; i < 4; i++)
	{
		double		dx = sx[i] * r->w;
		double		dy = sy[i] * r->h;

		xy[2 * i] = r->cx + dx * c - dy * s;
		xy[2 * i + 1] = r->cy + dx * s + dy * c;
	}
}

/* Shoelace area of a polygon (positive when counter-clockwise). */
static double
poly_area(const double *p, int n)
{
	double		a = 0.0;
	int			i;

	for (i = 0; i < n; i++)
	{
		int			j = (i + 1 == n) ? 0 : i + 1;

		a += p[2 * i] * p[2 * j + 1] - p[2 * j] * p[2 * i + 1];
	}
	return 0.5 * a;
}

/*
 * Sutherland-Hodgman: clip the convex polygon p by each edge of the convex,
 * counter-clockwise polygon q.  Every clip against a half-plane adds at most
 * one vertex, so two quadrilaterals never exceed 8 vertices.
 */
double
annqa_geom_convex_intersection_area(const double *p, int n, const double *q, int m)
{
	double		bufa[2 * ANNQA_MAX_CLIP],
				bufb[2 * ANNQA_MAX_CLIP];
	double	   *in = bufa,
			   *out = bufb;
	int			nin = n,
				e,
				i;

	if (n < 3 || m < 3 || n + m > ANNQA_MAX_CLIP)
		return 0.0;
	for (i = 0; i < 2 * n; i++)
		in[i] = p[i];

	for (e = 0; e < m && nin > 0; e++)
	{
		double		ax = q[2 * e],
					ay = q[2 * e + 1];
		double		bx = q[2 * ((e + 1) % m)],
					by = q[2 * ((e + 1) % m) + 1];
		double		ex = bx - ax,
					ey = by - ay;
		int			nout = 0;

		for (i = 0; i < nin && nout + 2 <= ANNQA_MAX_CLIP; i++)
		{
			int			j = (i + 1 == nin) ? 0 : i + 1;
			double		px = in[2 * i],
						py = in[2 * i + 1];
			double		qx = in[2 * j],
						qy = in[2 * j + 1];
			/* signed distance (times |e|) of each end from the edge line */
			double		dp = ex * (py - ay) - ey * (px - ax);
			double		dq = ex * (qy - ay) - ey * (qx - ax);

			if (dp >= 0)
			{
				out[2 * nout] = px;
				out[2 * nout + 1] = py;
				nout++;
			}
			if ((dp >= 0) != (dq >= 0))
			{
				double		t = dp / (dp - dq);

				/* an edge crossing the line: keep the crossing point */
				out[2 * nout] = px + t * (qx - px);
				out[2 * nout + 1] = py + t * (qy - py);
				nout++;
			}
		}
		{
			double	   *tmp = in;

			in = out;
			out = tmp;
		}
		nin = nout;
	}
	if (nin < 3)
		return 0.0;
	return fabs(poly_area(in, nin));
}

/* Axis-aligned extent of a box whose angle is a multiple of 90 degrees. */
static void
rbox_axis_extent(const AnnqaRBox *r, bool swap, AnnqaBox *b)
{
	double		hw = (swap ? r->h : r->w) * 0.5;
	double		hh = (swap ? r->w : r->h) * 0.5;

	b->lx = r->cx - hw;
	b->hx = r->cx + hw;
	b->ly = r->cy - hh;
	b->hy = r->cy + hh;
}

/* 0 or 1 for angles that are multiples of 90 degrees (1: axes swapped), else -1 */
static int
right_angle_kind(double deg)
{
	double		r = fmod(deg, 180.0);

	if (r < 0)
		r += 180.0;
	if (r == 0.0)
		return 0;
	if (r == 90.0)
		return 1;
	return -1;
}

double
annqa_geom_rbox_iou(const AnnqaRBox *a, const AnnqaRBox *b)
{
	double		aa = a->w * a->h,
				ab = b->w * b->h,
				inter,
				u;
	int			ka = right_angle_kind(a->angle),
				kb = right_angle_kind(b->angle);

	if (!isfinite(aa) || !isfinite(ab))
		return NAN;				/* overflow: the caller reports it */
	if (!(aa > 0) || !(ab > 0))
		return 0.0;

	if (ka >= 0 && kb >= 0)
	{
		/* both axis-aligned: exact without trigonometry */
		AnnqaBox	ba,
					bb;
		double		iw,
					ih;

		rbox_axis_extent(a, ka == 1, &ba);
		rbox_axis_extent(b, kb == 1, &bb);
		iw = fmin(ba.hx, bb.hx) - fmax(ba.lx, bb.lx);
		ih = fmin(ba.hy, bb.hy) - fmax(ba.ly, bb.ly);
		if (!(iw > 0) || !(ih > 0))
			return 0.0;
		inter = iw * ih;
	}
	else
	{
		double		pa[8],
					pb[8];
		double		ra = 0.5 * hypot(a->w, a->h),
					rb = 0.5 * hypot(b->w, b->h),
					dx = a->cx - b->cx,
					dy = a->cy - b->cy;

		/* circumscribed circles apart: no intersection */
		if (hypot(dx, dy) >= ra + rb)
			return 0.0;
		annqa_geom_rbox_corners(a, pa);
		annqa_geom_rbox_corners(b, pb);
		inter = annqa_geom_convex_intersection_area(pa, 4, pb, 4);
		/* clipping error can push the area a hair past the smaller box */
		if (inter > fmin(aa, ab))
			inter = fmin(aa, ab);
		if (!(inter > 0))
			return 0.0;
	}
	u = aa + ab - inter;
	if (!isfinite(u) || !isfinite(inter))
		return NAN;
	return inter / u;
}

bool
annqa_geom_oks(const double *gold, const double *pred, int nkp,
			   const double *sigmas, int nsigmas, double area, double *result)
{
	double		sum = 0.0;
	int			count = 0,
				i;

	/* pycocotools: e = d^2 / vars / (area + np.spacing(1)) / 2, vars = (2 sigma)^2 */
	for (i = 0; i < nkp; i++)
	{
		double		sigma = sigmas[nsigmas == 1 ? 0 : i];
		double		var = (sigma * 2) * (sigma * 2);
		double		dx,
					dy,
					e;

		if (!(gold[3 * i + 2] > 0))
			continue;
		dx = pred[3 * i] - gold[3 * i];
		dy = pred[3 * i + 1] - gold[3 * i + 1];
		e = (dx * dx + dy * dy) / var / (area + DBL_EPSILON) / 2;
		sum += exp(-e);
		count++;
	}
	if (count == 0)
		return false;
	*result = sum / count;
	return true;
}
