/*
 * cvat.c - annqa.cvat_interpolate: the shape CVAT's exporter writes for a
 * frame between two keyframes of a track.  The kernels live in
 * core/cvat_interp.c; this file validates the SQL inputs.
 */
#include "annqa.h"

#include <math.h>

#include "utils/builtins.h"

#include "core/cvat_interp.h"

#define FN "annqa.cvat_interpolate"
/* nearest-point matching is quadratic: bound the product of the point counts */
#define CVAT_MAX_PAIRS 100000000.0
/* and each shape, so the working buffers stay far below the 1 GB allocation limit */
#define CVAT_MAX_POINTS 1000000

static void
even_points(int n, const char *what, int min_points)
{
	if (n % 2 != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %s must hold x, y pairs", FN, what),
				 errdetail("The array has %d elements.", n)));
	if (n / 2 < min_points)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %s must have at least %d point%s", FN, what, min_points, min_points == 1 ? "" : "s"),
				 errdetail("The array has %d points.", n / 2)));
}

PG_FUNCTION_INFO_V1(annqa_cvat_interpolate);
Datum
annqa_cvat_interpolate(PG_FUNCTION_ARGS)
{
	char	   *kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
	ArrayType  *la = PG_GETARG_ARRAYTYPE_P(1);
	ArrayType  *ra = PG_GETARG_ARRAYTYPE_P(2);
	double		t = PG_GETARG_FLOAT8(3);
	int			nl,
				nr;
	const double *l,
			   *r;
	double	   *out;

	annqa_check_finite(t, FN, "offset");
	l = annqa_float8_array(la, FN, "the earlier shape", 1, &nl);
	r = annqa_float8_array(ra, FN, "the later shape", 1, &nr);

	if (strcmp(kind, "box") == 0)
	{
		/* [xtl, ytl, xbr, ybr] or [xtl, ytl, xbr, ybr, rotation]: corners linear, rotation by the shorter arc */
		double		res[5];

		if ((nl != 4 && nl != 5) || nl != nr)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: box shapes must both be [xtl, ytl, xbr, ybr] or both [xtl, ytl, xbr, ybr, rotation]", FN),
					 errdetail("The shapes have %d and %d elements.", nl, nr)));
		for (int i = 0; i < 4; i++)
			res[i] = annqa_check_result(l[i] + (r[i] - l[i]) * t, FN);
		if (nl == 5)
			res[4] = annqa_check_result(cvat_rotation(l[4], r[4], t), FN);
		PG_RETURN_ARRAYTYPE_P(annqa_make_float8_array(res, nl));
	}
	else if (strcmp(kind, "points") == 0)
	{
		/* one point each: linear; otherwise the earlier shape is repeated */
		even_points(nl, "the earlier shape", 1);
		even_points(nr, "the later shape", 1);
		if (nl == 2 && nr == 2)
		{
			double		res[2];

			res[0] = annqa_check_result(l[0] + (r[0] - l[0]) * t, FN);
			res[1] = annqa_check_result(l[1] + (r[1] - l[1]) * t, FN);
			PG_RETURN_ARRAYTYPE_P(annqa_make_float8_array(res, 2));
		}
		PG_RETURN_ARRAYTYPE_P(annqa_make_float8_array(l, nl));
	}
	else if (strcmp(kind, "polyline") == 0 || strcmp(kind, "polygon") == 0)
	{
		bool		closed = kind[4] == 'g';
		size_t		pl = (size_t) nl / 2,
					pr = (size_t) nr / 2;
		double	   *lc,
				   *rc;
		void	   *work;
		long		n;

		even_points(nl, "the earlier shape", closed ? 3 : 2);
		even_points(nr, "the later shape", closed ? 3 : 2);
		if (closed)
		{
			/* closed for the computation: the first point again at the end */
			pl++;
			pr++;
		}
		if (pl > CVAT_MAX_POINTS || pr > CVAT_MAX_POINTS || (double) pl * (double) pr > CVAT_MAX_PAIRS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("%s: shapes of %zu and %zu points are too large to interpolate", FN, pl, pr),
					 errdetail("A shape may have at most %d points, and the product of the point counts may be at most %.0f.",
							   CVAT_MAX_POINTS, CVAT_MAX_PAIRS)));
		lc = palloc(mul_size(pl, 2 * sizeof(double)));
		rc = palloc(mul_size(pr, 2 * sizeof(double)));
		memcpy(lc, l, (size_t) nl * sizeof(double));
		memcpy(rc, r, (size_t) nr * sizeof(double));
		if (closed)
		{
			lc[nl] = l[0];
			lc[nl + 1] = l[1];
			rc[nr] = r[0];
			rc[nr + 1] = r[1];
		}
		out = palloc(mul_size(add_size(pl, pr), 2 * sizeof(double)));
		work = palloc(cvat_polyshape_work(pl, pr));
		n = cvat_polyshape(lc, pl, rc, pr, t, out, work);
		if (n < 1)
			elog(ERROR, "%s: interpolation returned no points", FN);
		for (long i = 0; i < 2 * n; i++)
			annqa_check_result(out[i], FN);
		/* a polygon drops its closing point again (the last point of the result) */
		if (closed)
			n--;
		PG_RETURN_ARRAYTYPE_P(annqa_make_float8_array(out, (int) (2 * n)));
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s: unknown shape kind \"%s\"", FN, kind),
			 errhint("Use box, points, polyline or polygon; CVAT repeats masks and other shapes unchanged.")));
	PG_RETURN_NULL();
}
