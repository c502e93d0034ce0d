/*
 * annqa.c - module magic and small helpers shared by every part of annqa.
 */
#include "annqa.h"
#include "agree_stats.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/lsyscache.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* The pure-C agreement kernels (src/core/agree_stats.c) call this in long loops. */
static void
annqa_agree_interrupts(void)
{
	CHECK_FOR_INTERRUPTS();
}

void
_PG_init(void)
{
	agree_interrupt_hook = annqa_agree_interrupts;
}

void
annqa_check_finite(double v, const char *fn, const char *what)
{
	if (!isfinite(v))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s: %s must be finite", fn, what),
				 errdetail("The value is %s.", isnan(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity"))));
}

double
annqa_check_result(double v, const char *fn)
{
	if (!isfinite(v))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s: result is out of range", fn),
				 errdetail("The coordinates are too large for double precision arithmetic.")));
	return v;
}

const double *
annqa_float8_array(ArrayType *arr, const char *fn, const char *what, int max_ndim, int *n)
{
	int			ndim = ARR_NDIM(arr);
	int			count,
				i;
	const double *v;

	if (ARR_ELEMTYPE(arr) != FLOAT8OID)
		elog(ERROR, "%s: expected float8[] for %s", fn, what);
	if (ndim > max_ndim)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %s must have at most %d dimension%s", fn, what,
						max_ndim, max_ndim == 1 ? "" : "s"),
				 errdetail("The array has %d dimensions.", ndim)));
	count = ArrayGetNItems(ndim, ARR_DIMS(arr));
	if (ARR_HASNULL(arr))
	{
		bits8	   *bitmap = ARR_NULLBITMAP(arr);

		for (i = 0; i < count; i++)
			if (!(bitmap[i / 8] & (1 << (i % 8))))
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("%s: %s must not contain NULL", fn, what),
						 errdetail("Element %d is NULL.", i + 1)));
	}
	/* float8 is pass-by-value and 8-byte aligned: without NULLs the data is a plain double[] */
	v = (const double *) ARR_DATA_PTR(arr);
	for (i = 0; i < count; i++)
		if (!isfinite(v[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("%s: %s must contain only finite numbers", fn, what),
					 errdetail("Element %d is %s.", i + 1,
							   isnan(v[i]) ? "NaN" : (v[i] > 0 ? "Infinity" : "-Infinity"))));
	*n = count;
	return v;
}

void
annqa_check_row_width(ArrayType *arr, int width, const char *fn, const char *what)
{
	if (ARR_NDIM(arr) == 2 && ARR_DIMS(arr)[1] != width)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: the rows of a two-dimensional %s must hold %d numbers", fn, what, width),
				 errdetail("The rows hold %d.", ARR_DIMS(arr)[1])));
}

const bool *
annqa_bool_array(ArrayType *arr, const char *fn, const char *what, int *n)
{
	int			count,
				i;

	if (ARR_ELEMTYPE(arr) != BOOLOID)
		elog(ERROR, "%s: expected boolean[] for %s", fn, what);
	count = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	if (ARR_HASNULL(arr))
	{
		bits8	   *bitmap = ARR_NULLBITMAP(arr);

		for (i = 0; i < count; i++)
			if (!(bitmap[i / 8] & (1 << (i % 8))))
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("%s: %s must not contain NULL", fn, what),
						 errdetail("Element %d is NULL.", i + 1)));
	}
	*n = count;
	return (const bool *) ARR_DATA_PTR(arr);
}

ArrayType *
annqa_make_float8_array(const double *v, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));
	int			i;

	for (i = 0; i < n; i++)
		d[i] = Float8GetDatum(v[i]);
	return construct_array(d, n, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

void
annqa_append_float8(StringInfo buf, double v)
{
	char		tmp[DOUBLE_SHORTEST_DECIMAL_LEN];

	double_to_shortest_decimal_buf(v, tmp);
	appendStringInfoString(buf, tmp);
}
