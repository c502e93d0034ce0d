/*
 * cvat_interp.c - the interpolated frames of a CVAT track, as CVAT computes
 * them (rotation by the shorter arc, polygons and polylines matched by
 * relative arc length).  Written from the behaviour of CVAT's exporter; see
 * README "Import semantics" for the rules and test/sql/io_cvat.sql for the
 * hand-derived cases.
 */
#include "cvat_interp.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

double
cvat_pymod(double x, double m)
{
	double		r = fmod(x, m);

	if (r != 0.0)
	{
		if ((m < 0) != (r < 0))
			r += m;
	}
	else
		r = copysign(0.0, m);
	return r;
}

double
cvat_rotation(double r0, double r1, double t)
{
	double		d = r1 - r0;

	d = cvat_pymod(d + 180.0, 360.0) - 180.0;
	if (fabs(d) >= 180.0)
		d = d > 0 ? 360.0 + fabs(d) : 1.0;	/* CVAT's rule, kept as it is */
	return cvat_pymod(r0 + d * t + 360.0, 360.0);
}

static double
seg(const double *p, size_t i, size_t j)
{
	double		dx = p[2 * j] - p[2 * i];
	double		dy = p[2 * j + 1] - p[2 * i + 1];

	return sqrt(dx * dx + dy * dy);
}

/* total length of the path through points a..b (inclusive) */
static double
path_length(const double *p, size_t a, size_t b)
{
	double		len = 0.0;

	for (size_t i = a + 1; i <= b; i++)
		len += seg(p, i - 1, i);
	return len;
}

/* relative arc length of every point (0 for the first) */
static void
arc_offsets(const double *p, size_t n, double *off)
{
	double		total = path_length(p, 0, n - 1);
	double		acc = 0.0;

	off[0] = 0.0;
	for (size_t i = 1; i < n; i++)
	{
		acc += seg(p, i - 1, i);
		off[i] = acc / total;	/* NaN for a path of length 0, as in CVAT */
	}
}

/* the index in curve[0..n) nearest to v; the first on ties; 0 when NaN */
static size_t
nearest(double v, const double *curve, size_t n)
{
	size_t		best = 0;
	double		bd = fabs(v - curve[0]);

	for (size_t i = 1; i < n; i++)
	{
		double		d = fabs(v - curve[i]);

		if (d < bd)
		{
			best = i;
			bd = d;
		}
	}
	return best;
}

size_t
cvat_polyshape_work(size_t nl, size_t nr)
{
	/* offsets (nl + nr doubles), per-left match lists: count, first slot (2 nl), slots (nl + nr),
	 * right-matched flags (nr), interpolated points (2 (nl + nr) doubles) */
	return (nl + nr) * sizeof(double) + 2 * nl * sizeof(size_t) + (nl + nr) * sizeof(size_t)
		+ nr + sizeof(double) + 2 * (nl + nr) * sizeof(double);
}

typedef struct
{
	const double *interp;		/* interpolated points */
	double	   *out;
	size_t		nout;
} Emit;

static void
emit(Emit *e, size_t k)
{
	e->out[2 * e->nout] = e->interp[2 * k];
	e->out[2 * e->nout + 1] = e->interp[2 * k + 1];
	e->nout++;
}

/*
 * Keep the interpolated points a..b whose distance from the last kept point
 * reaches base / (2 n), always a and b; when only a and b remain and they are
 * closer than that, their average.
 */
static void
thin(Emit *e, double base, size_t n, size_t a, size_t b)
{
	double		thr = base / (2.0 * (double) n);
	size_t		start = e->nout;
	size_t		last = a;

	emit(e, a);
	for (size_t k = a + 1; k < b; k++)
	{
		if (seg(e->interp, last, k) >= thr)
		{
			emit(e, k);
			last = k;
		}
	}
	emit(e, b);
	if (e->nout - start == 2 && seg(e->interp, a, b) < thr)
	{
		double		x = (e->interp[2 * a] + e->interp[2 * b]) / 2.0;
		double		y = (e->interp[2 * a + 1] + e->interp[2 * b + 1]) / 2.0;

		e->nout = start;
		e->out[2 * start] = x;
		e->out[2 * start + 1] = y;
		e->nout++;
	}
}

long
cvat_polyshape(const double *left, size_t nl, const double *right, size_t nr,
			   double t, double *out, void *work)
{
	double	   *loff,
			   *roff,
			   *interp;
	size_t	   *cnt,
			   *first,
			   *slot;
	unsigned char *taken;
	size_t		nslot = 0;
	Emit		e;
	size_t		prev;
	int			have_prev = 0;

	if (nl == 0 || nr == 0)
		return -1;
	loff = (double *) work;
	roff = loff + nl;
	cnt = (size_t *) (roff + nr);
	first = cnt + nl;
	slot = first + nl;
	taken = (unsigned char *) (slot + nl + nr);
	interp = (double *) (taken + nr);
	/* interp may be unaligned after the flags: keep it aligned */
	interp = (double *) (((uintptr_t) interp + sizeof(double) - 1) & ~(uintptr_t) (sizeof(double) - 1));

	arc_offsets(left, nl, loff);
	arc_offsets(right, nr, roff);

	/* each left point takes its nearest right point; then each right point no left point took
	 * goes to its nearest left point; each left point's right points in increasing order */
	{
		size_t	   *lr = slot;		/* temporarily: the right point of each left point */
		size_t	   *extra_of = slot + nl;	/* for the unmatched right points: their left point */
		size_t		nextra = 0;

		memset(taken, 0, nr);
		for (size_t i = 0; i < nl; i++)
		{
			lr[i] = nearest(loff[i], roff, nr);
			taken[lr[i]] = 1;
		}
		for (size_t j = 0; j < nr; j++)
			if (!taken[j])
				extra_of[nextra++] = nearest(roff[j], loff, nl);
		/* counts, then slots grouped by left point, right indexes sorted */
		for (size_t i = 0; i < nl; i++)
			cnt[i] = 1;
		for (size_t k = 0; k < nextra; k++)
			cnt[extra_of[k]]++;
		{
			size_t		acc = 0;

			for (size_t i = 0; i < nl; i++)
			{
				first[i] = acc;
				acc += cnt[i];
			}
			nslot = acc;
		}
		/* fill into interp's space as scratch (2 (nl + nr) doubles >= nl + nr size_t) */
		{
			size_t	   *tmp = (size_t *) interp;
			size_t	   *fill = tmp + nslot;
			size_t		k = 0;

			for (size_t i = 0; i < nl; i++)
				fill[i] = 0;
			for (size_t i = 0; i < nl; i++)
				tmp[first[i] + fill[i]++] = lr[i];
			for (size_t j = 0; j < nr; j++)
				if (!taken[j])
				{
					size_t		li = extra_of[k++];

					tmp[first[li] + fill[li]++] = j;
				}
			/* insertion sort within each left point's list (lists are short) */
			for (size_t i = 0; i < nl; i++)
				for (size_t a = first[i] + 1; a < first[i] + cnt[i]; a++)
					for (size_t b = a; b > first[i] && tmp[b - 1] > tmp[b]; b--)
					{
						size_t		s = tmp[b];

						tmp[b] = tmp[b - 1];
						tmp[b - 1] = s;
					}
			memcpy(slot, tmp, nslot * sizeof(size_t));
		}
	}

	/* pairwise interpolation, in left order and then right order */
	for (size_t i = 0; i < nl; i++)
		for (size_t s = first[i]; s < first[i] + cnt[i]; s++)
		{
			size_t		j = slot[s];

			interp[2 * s] = left[2 * i] + (right[2 * j] - left[2 * i]) * t;
			interp[2 * s + 1] = left[2 * i + 1] + (right[2 * j + 1] - left[2 * i + 1]) * t;
		}

	/* thinning: runs of left points that share one right point are thinned against the left
	 * path; a left point with several right points is thinned against the right path */
	e.interp = interp;
	e.out = out;
	e.nout = 0;
	prev = 0;
	for (size_t i = 0; i < nl; i++)
	{
		if (cnt[i] == 1)
		{
			if (have_prev)
			{
				if (slot[first[i]] == slot[first[prev]])
					continue;
				/* the run prev .. i-1 */
				if (first[prev] == first[i - 1])
					emit(&e, first[prev]);
				else
					thin(&e, path_length(left, prev, i - 1), i - prev, first[prev], first[i - 1]);
			}
			prev = i;
			have_prev = 1;
		}
		else
		{
			if (have_prev)
			{
				if (first[prev] == first[i - 1])
					emit(&e, first[prev]);
				else
					thin(&e, path_length(left, prev, i - 1), i - prev, first[prev], first[i - 1]);
				have_prev = 0;
			}
			{
				size_t		a = slot[first[i]],
							b = slot[first[i] + cnt[i] - 1];

				thin(&e, path_length(right, a, b), b - a + 1, first[i], first[i] + cnt[i] - 1);
			}
		}
	}
	if (have_prev)
	{
		if (first[prev] == first[nl - 1])
			emit(&e, first[prev]);
		else
			thin(&e, path_length(left, prev, nl - 1), nl - prev, first[prev], first[nl - 1]);
	}
	return (long) e.nout;
}
