/* Unit tests of core/cvat_interp.c: hand-derived cases (see the comments). */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "cvat_interp.h"

static long
run(const double *l, size_t nl, const double *r, size_t nr, double t, double *out)
{
	void	   *work = malloc(cvat_polyshape_work(nl, nr));
	long		n = cvat_polyshape(l, nl, r, nr, t, out, work);

	free(work);
	return n;
}

static int
same(const double *got, long n, const double *want, long m)
{
	if (n != m)
	{
		printf("# got %ld points, want %ld\n", n, m);
		return 0;
	}
	for (long i = 0; i < 2 * n; i++)
		if (fabs(got[i] - want[i]) > 1e-12)
		{
			printf("# element %ld: got %.17g, want %.17g\n", i, got[i], want[i]);
			return 0;
		}
	return 1;
}

int
main(void)
{
	double		out[64];

	/* rotation: the shorter arc, modulo 360; a difference of exactly 180 becomes 1 degree (CVAT) */
	CHECK_NEAR(cvat_rotation(350, 10, 0.5), 0, 0, "350 -> 10 passes through 0");
	CHECK_NEAR(cvat_rotation(0, 90, 0.25), 22.5, 0, "0 -> 90 at 1/4");
	CHECK_NEAR(cvat_rotation(90, 0, 0.5), 45, 0, "90 -> 0 backwards");
	CHECK_NEAR(cvat_rotation(10, 190, 0.5), 10.5, 0, "a half turn counts as 1 degree");
	CHECK_NEAR(cvat_rotation(270, 90, 0.5), 270.5, 0, "a half turn the other way too");
	CHECK_NEAR(cvat_pymod(-160, 360), 200, 0, "python modulo of a negative number");
	CHECK(cvat_pymod(-360, 360) == 0 && !signbit(cvat_pymod(-360, 360)), "python modulo: +0");

	/*
	 * A: polyline (0,0)-(10,0) to (0,10)-(5,10)-(10,10) at 0.5.  Arc offsets [0, 1] and
	 * [0, .5, 1]: left 0 -> right 0, left 1 -> right 2; right 1 (.5) is as near to both left
	 * points and goes to the first.  Interpolated: (0,5), (2.5,5), (10,5); the pair of left
	 * point 0 is kept (2.5 >= 5 / 4).
	 */
	{
		double		l[] = {0, 0, 10, 0}, r[] = {0, 10, 5, 10, 10, 10}, w[] = {0, 5, 2.5, 5, 10, 5};

		CHECK(same(out, run(l, 2, r, 3, 0.5, out), w, 3), "A: a polyline gains a point");
	}
	/*
	 * B: polyline (0,0)-(0.1,0)-(10,0) to (0,10)-(10,10).  Offsets [0, .01, 1] and [0, 1]:
	 * left 0 and 1 both take right 0.  At 0.9: (0,9) and (0.01,9) are 0.01 apart, below
	 * 0.1 / (2*2) = 0.025, so they become their average (0.005,9); then (10,9).
	 */
	{
		double		l[] = {0, 0, 0.1, 0, 10, 0}, r[] = {0, 10, 10, 10}, w[] = {0.005, 9, 10, 9};

		CHECK(same(out, run(l, 3, r, 2, 0.9, out), w, 2), "B: two close points merge");
	}
	/* the same at 0.5: 0.05 apart, kept */
	{
		double		l[] = {0, 0, 0.1, 0, 10, 0}, r[] = {0, 10, 10, 10}, w[] = {0, 5, 0.05, 5, 10, 5};

		CHECK(same(out, run(l, 3, r, 2, 0.5, out), w, 3), "B: kept when far enough apart");
	}
	/*
	 * C: polygon square (0,0),(10,0),(10,10),(0,10) to the same square with (5,0) added,
	 * both closed with their first point: offsets [0,.25,.5,.75,1] and
	 * [0,.125,.25,.5,.75,1]; right 1 (.125) ties between left 0 and 1 and goes to left 0.
	 * At 0.5: (0,0),(2.5,0),(10,0),(10,10),(0,10),(0,0); the caller drops the closing point.
	 */
	{
		double		l[] = {0, 0, 10, 0, 10, 10, 0, 10, 0, 0};
		double		r[] = {0, 0, 5, 0, 10, 0, 10, 10, 0, 10, 0, 0};
		double		w[] = {0, 0, 2.5, 0, 10, 0, 10, 10, 0, 10, 0, 0};

		CHECK(same(out, run(l, 5, r, 6, 0.5, out), w, 6), "C: closed square gains a point");
	}
	/*
	 * D: polyline (0,0)-(10,0) to (0,0)-(0.1,0)-(0.2,0)-(10,0): offsets [0, 1] and
	 * [0, .01, .02, 1]; right 1 and 2 go to left 0, whose 3 pairs are thinned against the
	 * right path 0..2 (length 0.2, threshold 0.2 / 6).  At 0.2: (0,0), (0.02,0), (0.04,0):
	 * the middle one is 0.02 from the first and dropped, 0.04 is kept.  At 0: all three
	 * coincide and merge into (0,0), giving back the earlier shape.
	 */
	{
		double		l[] = {0, 0, 10, 0}, r[] = {0, 0, 0.1, 0, 0.2, 0, 10, 0};
		double		w1[] = {0, 0, 0.04, 0, 10, 0}, w0[] = {0, 0, 10, 0};

		CHECK(same(out, run(l, 2, r, 4, 0.2, out), w1, 3), "D: a close middle point is dropped");
		CHECK(same(out, run(l, 2, r, 4, 0.0, out), w0, 2), "D: offset 0 gives the earlier shape");
	}
	/* identical shapes give themselves back at any offset */
	{
		double		l[] = {1, 2, 7, 3, 4, 9, 0, 5};

		CHECK(same(out, run(l, 4, l, 4, 0.3, out), l, 4), "identical shapes");
	}
	/*
	 * A path of length 0: its offsets after the first are 0/0 = NaN, as in CVAT, and a NaN
	 * distance is never smaller, so every search answers index 0.  Left (3,3),(3,3) to right
	 * (5,5),(6,5): both left points take right 0, right 1 goes to left 0; at 0.5 left 0's pairs
	 * (4,4), (4.5,4) are 0.5 apart (threshold 1/4, kept), then left 1's (4,4).
	 */
	{
		double		l[] = {3, 3, 3, 3}, r[] = {5, 5, 6, 5}, w[] = {4, 4, 4.5, 4, 4, 4};

		CHECK(same(out, run(l, 2, r, 2, 0.5, out), w, 3), "zero-length path");
	}
	CHECK(cvat_polyshape(out, 0, out, 1, 0.5, out, NULL) == -1, "no points: -1");
	UNIT_DONE();
}
