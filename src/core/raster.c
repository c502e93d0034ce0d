/*
 * raster.c - polygon rasterisation with the rules of pycocotools' frPoly
 * (spec/coco-rle.md section 2.7), written from that description:
 *
 *  1. vertices are scaled by 5 and rounded with C truncation of 5v + 0.5;
 *  2. every edge is walked one upsampled unit at a time along its major axis
 *     (both end points included), the minor coordinate rounded the same way;
 *  3. a change of the upsampled column between consecutive points whose
 *     boundary lies on a pixel centre line x = c + 0.5 (c in [0, w-1]) is a
 *     crossing at row ceil(clamp((min v + 0.5)/5 - 0.5, 0, h));
 *  4. the sorted crossing indices c*h + row, with h*w appended, give the run
 *     lengths (even-odd rule); two crossings at one index cancel.
 *
 * Unlike the reference the dense boundary is never stored: crossings are
 * taken while walking, so memory is proportional to the crossings only, and
 * degenerate (zero-length) edges are guarded instead of computing 0/0.
 */
#include "raster.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SCALE 5.0

static inline int
snap(double v)
{
	return (int) (SCALE * v + 0.5);
}

RasterError
raster_poly_prepare(const double *xy, size_t k, uint32_t h, uint32_t w,
					size_t *ncap, size_t *bad)
{
	size_t		j;
	uint64_t	steps = 0;
	uint64_t	cap = 2;

	*ncap = 1;
	for (j = 0; j < 2 * k; j++)
	{
		if (!isfinite(xy[j]) || fabs(xy[j]) > RASTER_MAX_COORD)
		{
			*bad = j;
			return RASTER_E_COORD;
		}
	}
	for (j = 0; j < k; j++)
	{
		size_t		n = (j + 1 < k) ? j + 1 : 0;
		int64_t		dx = llabs((int64_t) snap(xy[2 * n]) - snap(xy[2 * j]));
		int64_t		dy = llabs((int64_t) snap(xy[2 * n + 1]) - snap(xy[2 * j + 1]));
		uint64_t	c = (uint64_t) dx / 5 + 3;

		steps += (uint64_t) (dx > dy ? dx : dy) + 1;
		if (c > (uint64_t) w + 2)
			c = (uint64_t) w + 2;
		cap += c;
	}
	if (steps > RASTER_MAX_STEPS || cap > ((uint64_t) 1 << 30))
	{
		*bad = 0;
		return RASTER_E_STEPS;
	}
	*ncap = (size_t) (2 * cap);		/* crossings, then as much sort scratch */
	return RASTER_OK;
}

/*
 * Sort n keys: insertion sort for short lists, else an LSD radix sort on
 * bytes (passes where every key has the same byte are skipped); tmp has
 * room for n keys.
 */
static void
sort_u32(uint32_t *a, size_t n, uint32_t *tmp)
{
	size_t		i,
				j;
	size_t		cnt[4][256];
	int			pass;
	uint32_t   *src = a,
			   *dst = tmp;

	if (n <= 32)
	{
		for (i = 1; i < n; i++)
		{
			uint32_t	v = a[i];

			for (j = i; j > 0 && a[j - 1] > v; j--)
				a[j] = a[j - 1];
			a[j] = v;
		}
		return;
	}
	memset(cnt, 0, sizeof(cnt));
	for (i = 0; i < n; i++)
	{
		uint32_t	v = a[i];

		cnt[0][v & 0xff]++;
		cnt[1][(v >> 8) & 0xff]++;
		cnt[2][(v >> 16) & 0xff]++;
		cnt[3][v >> 24]++;
	}
	for (pass = 0; pass < 4; pass++)
	{
		size_t		sum = 0;
		int			shift = 8 * pass;
		uint32_t   *t;

		if (cnt[pass][(src[0] >> shift) & 0xff] == n)
			continue;			/* all keys share this byte */
		for (i = 0; i < 256; i++)
		{
			size_t		c = cnt[pass][i];

			cnt[pass][i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[cnt[pass][(src[i] >> shift) & 0xff]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(uint32_t));
}

typedef struct
{
	uint32_t	h, w;
	uint32_t   *out;
	size_t		n;
	int			have;
	int			pu, pv;
} Walk;

static inline void
walk_point(Walk *s, int u, int v)
{
	if (s->have && u != s->pu)
	{
		double		xd = (double) (u < s->pu ? u : u - 1);

		xd = (xd + 0.5) / SCALE - 0.5;
		if (floor(xd) == xd && xd >= 0 && xd <= (double) s->w - 1)
		{
			double		yd = (double) (v < s->pv ? v : s->pv);

			yd = (yd + 0.5) / SCALE - 0.5;
			if (yd < 0)
				yd = 0;
			else if (yd > s->h)
				yd = s->h;
			yd = ceil(yd);
			s->out[s->n++] = (uint32_t) ((uint64_t) xd * s->h + (uint64_t) yd);
		}
	}
	s->have = 1;
	s->pu = u;
	s->pv = v;
}

static inline int
u_at(int xs, double sl, int t)
{
	return (int) (xs + sl * t + 0.5);
}

/*
 * Record the crossing of boundary b = 5c + 2 (between upsampled columns b and
 * b + 1, i.e. the centre line of pixel column c) at upsampled row vmin.
 * Integer form of the reference's arithmetic: for such b,
 * (b + 0.5) / 5 - 0.5 is exactly c, and ceil((vmin + 0.5) / 5 - 0.5) is
 * ceil((vmin - 2) / 5) (a non-integer is at least 0.2 from an integer, far
 * beyond rounding error), clamped to [0, h].
 */
static inline void
add_crossing(Walk *s, int64_t b, int vmin)
{
	int64_t		c = (b - 2) / 5;
	int64_t		n = (int64_t) vmin - 2;
	int64_t		row = n >= 0 ? (n + 4) / 5 : -((-n) / 5);

	if (row < 0)
		row = 0;
	else if (row > s->h)
		row = s->h;
	s->out[s->n++] = (uint32_t) ((uint64_t) c * s->h + (uint64_t) row);
}

/*
 * Crossings of an x-major edge (dx >= dy > 0 or dx > 0), walked after the
 * flip from (xs, ys) to (xe, ye).  Every step moves u by one, so the pair of
 * points t, t + 1 crosses the boundary b = xs + t whichever way the edge is
 * emitted; only b = 5c + 2 (a pixel centre line) is kept, so those columns
 * are visited directly instead of all dx steps.  The result is the same set
 * of crossings as the dense walk.
 */
static void
walk_x_major(Walk *s, int xs, int ys, int dx, double sl, int flip)
{
	int64_t		lo = xs,
				hi = (int64_t) xs + dx - 1;	/* b ranges over [lo, hi] */
	int64_t		b;
	int			first_t = flip ? dx : 0,
				last_t = flip ? 0 : dx;

	/* the first point links this edge to the previous one */
	walk_point(s, first_t + xs, (int) (ys + sl * first_t + 0.5));
	if (lo < 2)
		lo = 2;
	if (hi > 5 * (int64_t) s->w - 3)
		hi = 5 * (int64_t) s->w - 3;
	/* first b >= lo with b = 2 (mod 5) */
	b = lo + ((2 - lo) % 5 + 5) % 5;
	for (; b <= hi; b += 5)
	{
		int			t = (int) (b - xs);
		int			v0 = (int) (ys + sl * t + 0.5);
		int			v1 = (int) (ys + sl * (t + 1) + 0.5);

		add_crossing(s, b, v0 < v1 ? v0 : v1);
	}
	/* continue from the last point, as if walked */
	s->have = 1;
	s->pu = last_t + xs;
	s->pv = (int) (ys + sl * last_t + 0.5);
}

/*
 * Crossings of a y-major edge (dy > dx), walked after the flip from
 * (xs, ys) to (xe, ye): u(t) = (int) (xs + sl t + 0.5) is monotone in t and
 * moves by at most one per step, so the step that crosses a pixel-centre
 * boundary b is found by bisection instead of walking all dy steps.  The
 * crossing's row is the smaller v of the two points, ys + t* - 1.
 */
static void
walk_y_major(Walk *s, int xs, int ys, int dy, double sl, int flip)
{
	int			first_t = flip ? dy : 0,
				last_t = flip ? 0 : dy;
	int			u0 = u_at(xs, sl, 0),
				u1 = u_at(xs, sl, dy);
	int			up = u1 >= u0;
	int64_t		lo = up ? u0 : u1,
				hi = (up ? u1 : u0) - 1;
	int64_t		b;

	walk_point(s, u_at(xs, sl, first_t), first_t + ys);
	if (lo < 2)
		lo = 2;
	if (hi > 5 * (int64_t) s->w - 3)
		hi = 5 * (int64_t) s->w - 3;
	b = lo + ((2 - lo) % 5 + 5) % 5;
	for (; b <= hi; b += 5)
	{
		/*
		 * smallest t in [1, dy] past the boundary: start from the real
		 * solution of xs + sl t + 0.5 = b + 1 and correct it by walking
		 * (u is monotone in t)
		 */
		double		g = ((double) b + 0.5 - xs) / sl;
		int			l;

		if (!(g >= 1))
			l = 1;
		else if (g > dy)
			l = dy;
		else
			l = (int) ceil(g);
		if (up)
		{
			while (l > 1 && u_at(xs, sl, l - 1) >= b + 1)
				l--;
			while (l < dy && u_at(xs, sl, l) < b + 1)
				l++;
		}
		else
		{
			while (l > 1 && u_at(xs, sl, l - 1) <= b)
				l--;
			while (l < dy && u_at(xs, sl, l) > b)
				l++;
		}
		add_crossing(s, b, ys + l - 1);
	}
	s->have = 1;
	s->pu = u_at(xs, sl, last_t);
	s->pv = last_t + ys;
}

static size_t
fr_poly(const double *xy, size_t k, uint32_t h, uint32_t w,
		uint32_t *buf, void (*tick) (void), int dense)
{
	Walk		s;
	size_t		j, i, m;
	uint64_t	work = 0;
	uint32_t	p;

	s.h = h;
	s.w = w;
	s.out = buf;
	s.n = 0;
	s.have = 0;
	s.pu = s.pv = 0;

	for (j = 0; j < k; j++)
	{
		size_t		n = (j + 1 < k) ? j + 1 : 0;
		int			xs = snap(xy[2 * j]), ys = snap(xy[2 * j + 1]);
		int			xe = snap(xy[2 * n]), ye = snap(xy[2 * n + 1]);
		int			dx = abs(xe - xs), dy = abs(ye - ys);
		int			flip, d, t;
		double		sl;

		flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
		if (flip)
		{
			t = xs;
			xs = xe;
			xe = t;
			t = ys;
			ys = ye;
			ye = t;
		}
		work += (uint64_t) (dx > dy ? dx : dy) + 1;
		if (tick && work > (1u << 22))
		{
			tick();
			work = 0;
		}
		if (dx == 0 && dy == 0)
		{
			walk_point(&s, xs, ys);		/* degenerate edge: one point */
			continue;
		}
		if (dx >= dy)
		{
			sl = (double) (ye - ys) / dx;
			if (!dense)
			{
				walk_x_major(&s, xs, ys, dx, sl, flip);
				continue;
			}
			for (d = 0; d <= dx; d++)
			{
				t = flip ? dx - d : d;
				walk_point(&s, t + xs, (int) (ys + sl * t + 0.5));
			}
		}
		else
		{
			sl = (double) (xe - xs) / dy;
			if (!dense)
			{
				walk_y_major(&s, xs, ys, dy, sl, flip);
				continue;
			}
			for (d = 0; d <= dy; d++)
			{
				t = flip ? dy - d : d;
				walk_point(&s, (int) (xs + sl * t + 0.5), t + ys);
			}
		}
	}

	/* crossings -> run lengths */
	buf[s.n++] = (uint32_t) ((uint64_t) h * w);
	sort_u32(buf, s.n, buf + s.n);
	p = 0;
	for (i = 0; i < s.n; i++)
	{
		uint32_t	t = buf[i];

		buf[i] -= p;
		p = t;
	}
	/* two crossings at one index cancel: merge the following run back */
	m = 1;
	i = 1;
	while (i < s.n)
	{
		if (buf[i] > 0)
			buf[m++] = buf[i++];
		else
		{
			i++;
			if (i < s.n)
				buf[m - 1] += buf[i++];
		}
	}
	return m;
}

size_t
raster_fr_poly(const double *xy, size_t k, uint32_t h, uint32_t w,
			   uint32_t *buf, void (*tick) (void))
{
	return fr_poly(xy, k, h, w, buf, tick, 0);
}

size_t
raster_fr_poly_dense(const double *xy, size_t k, uint32_t h, uint32_t w,
					 uint32_t *buf)
{
	return fr_poly(xy, k, h, w, buf, NULL, 1);
}

void
raster_box_corners(const double b[4], double xy[8])
{
	double		xs = b[0], ys = b[1];
	double		xe = b[0] + b[2], ye = b[1] + b[3];

	xy[0] = xs;
	xy[1] = ys;
	xy[2] = xs;
	xy[3] = ye;
	xy[4] = xe;
	xy[5] = ye;
	xy[6] = xe;
	xy[7] = ys;
}
