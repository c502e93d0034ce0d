/*
 * io.c - mask decoders for the importers (sql/57_import.sql): Label Studio's
 * brush RLE and CVAT's mask RLE, each to a row-major bitmap (one byte, 0 or 1,
 * per pixel) that annqa.rle_from_bitmap turns into an annqa.rle.
 */
#include "annqa.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "io_codec.h"

/* The elements of a one-dimensional int4[] without NULLs. */
static const int32 *
int4_array(ArrayType *arr, const char *fn, int *n)
{
	if (ARR_ELEMTYPE(arr) != INT4OID)
		elog(ERROR, "%s: int4[] expected", fn);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: the run lengths must be a one-dimensional array", fn)));
	if (ARR_HASNULL(arr) && array_contains_nulls(arr))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: the run lengths contain NULL", fn)));
	*n = ARR_NDIM(arr) == 0 ? 0 : ARR_DIMS(arr)[0];
	return (const int32 *) ARR_DATA_PTR(arr);
}

static void
check_image(int32 h, int32 w, const char *fn)
{
	if (h <= 0 || w <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: image size %d x %d is not positive", fn, w, h)));
	if ((int64) h * w > (int64) MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s: image of %d x %d pixels is too large", fn, w, h)));
}

PG_FUNCTION_INFO_V1(annqa_ls_brush_bitmap);
Datum
annqa_ls_brush_bitmap(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.ls_brush_bitmap";
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	int32		h = PG_GETARG_INT32(1),
				w = PG_GETARG_INT32(2);
	int			n,
				i,
				rc;
	const int32 *v = int4_array(arr, fn, &n);
	uint8	   *src;
	bytea	   *out;
	size_t		npix;
	uint64		num;

	check_image(h, w, fn);
	npix = (size_t) h * w;
	src = palloc(n > 0 ? n : 1);
	for (i = 0; i < n; i++)
	{
		if (v[i] < 0 || v[i] > 255)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: element %d of the brush RLE is %d, not a byte (0..255)", fn, i + 1, v[i])));
		src[i] = (uint8) v[i];
	}
	out = palloc(add_size(VARHDRSZ, npix));
	SET_VARSIZE(out, VARHDRSZ + npix);
	rc = io_ls_brush_decode(src, n, (uint8 *) VARDATA(out), npix, &num);
	if (rc == IO_TRUNCATED)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("%s: the brush RLE ends early (%d bytes)", fn, n)));
	if (rc == IO_WRONG_COUNT)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s: the brush RLE holds %llu values, not 4 x %d x %d for its image", fn,
						(unsigned long long) num, w, h),
				 errdetail("A Label Studio brush mask is the RGBA image: four values per pixel of original_width x original_height.")));
	if (rc == IO_OVERRUN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("%s: a run of the brush RLE goes past its %llu values", fn,
						(unsigned long long) num)));
	PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(annqa_cvat_mask_bitmap);
Datum
annqa_cvat_mask_bitmap(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.cvat_mask_bitmap";
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	int32		left = PG_GETARG_INT32(1),
				top = PG_GETARG_INT32(2),
				bw = PG_GETARG_INT32(3),
				bh = PG_GETARG_INT32(4),
				h = PG_GETARG_INT32(5),
				w = PG_GETARG_INT32(6);
	int			n,
				i;
	const int32 *v = int4_array(arr, fn, &n);
	int64		total = 0,
				pos = 0;
	bytea	   *out;
	uint8	   *px;

	check_image(h, w, fn);
	if (bw <= 0 || bh <= 0 || left < 0 || top < 0 || (int64) left + bw > w || (int64) top + bh > h)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s: the mask box left %d, top %d, width %d, height %d does not fit its %d x %d image",
						fn, left, top, bw, bh, w, h)));
	for (i = 0; i < n; i++)
	{
		if (v[i] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: run %d is negative", fn, i + 1)));
		total += v[i];
	}
	if (total != (int64) bw * bh)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s: the runs cover %lld pixels, not the mask's width x height = %lld",
						fn, (long long) total, (long long) bw * bh)));
	out = palloc0(add_size(VARHDRSZ, (size_t) h * w));
	SET_VARSIZE(out, VARHDRSZ + (size_t) h * w);
	px = (uint8 *) VARDATA(out);
	for (i = 0; i < n; i++)
	{
		int64		k;

		CHECK_FOR_INTERRUPTS();
		if (i & 1)
			for (k = pos; k < pos + v[i]; k++)
				px[(size_t) (top + k / bw) * w + left + k % bw] = 1;
		pos += v[i];
	}
	PG_RETURN_BYTEA_P(out);
}
