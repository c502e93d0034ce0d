/*
 * rle.c - the annqa.rle type: COCO run-length masks.
 *
 * Every way in (text, binary, jsonb, every constructor) ends in
 * annqa_rle_build(), the one validator: counts must sum to h*w, and are
 * canonicalised (zero-length interior runs merged, trailing empty runs
 * dropped).  Every operation works on runs (core/rle_codec.c and
 * core/raster.c); no function but rle_to_bitmap touches h*w bytes.
 */
#include "rle.h"

#include <math.h>

#include "annqa_json.h"
#include "catalog/pg_type.h"
#include "libpq/pqformat.h"
#include "port/pg_bswap.h"
#include "miscadmin.h"
#include "raster.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/geo_decls.h"
#include "utils/jsonb.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "common/hashfn.h"

#define RLE_HEAD_SIZE	sizeof(RleHead)

/* ---------------------------------------------------------------- helpers */

void
annqa_rle_check_size(int64 h, int64 w, const char *fn)
{
	if (h < 0 || w < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: mask height and width must not be negative", fn),
				 errdetail("The size is %lld x %lld.", (long long) h, (long long) w)));
	if (h > (int64) RLE_MAX_SIDE || w > (int64) RLE_MAX_SIDE ||
		(h > 0 && w > (int64) RLE_MAX_PIXELS / h))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s: mask size %lld x %lld is too large", fn, (long long) h, (long long) w),
				 errdetail("Height and width must each be at most %u and their product at most %u.",
						   RLE_MAX_SIDE, RLE_MAX_PIXELS)));
}

uint32 *
annqa_rle_alloc_counts(size_t n, const char *fn)
{
	if (n == 0)
		n = 1;
	if (n > MaxAllocHugeSize / sizeof(uint32) / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s: mask has too many runs", fn),
				 errdetail("%zu runs were requested.", n)));
	return palloc_extended(n * sizeof(uint32), MCXT_ALLOC_HUGE);
}

void
annqa_rle_open(Datum d, RleView *v)
{
	struct varlena *raw = PG_DETOAST_DATUM_PACKED(d);
	size_t		len = VARSIZE_ANY_EXHDR(raw);
	const char *p = VARDATA_ANY(raw);

	if (len < RLE_HEAD_SIZE)
		elog(ERROR, "annqa.rle: corrupt datum (%zu bytes)", len);
	memcpy(&v->hd, p, RLE_HEAD_SIZE);
	if (v->hd.version != ANNQA_RLE_VERSION || v->hd.flags != 0 || v->hd.reserved != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("annqa.rle: unsupported datum version %d", v->hd.version)));
	v->data = (const uint8 *) p + RLE_HEAD_SIZE;
	v->nbytes = len - RLE_HEAD_SIZE;
	v->raw = raw;
}

uint32 *
annqa_rle_decode(const RleView *v)
{
	uint32	   *c = annqa_rle_alloc_counts(v->hd.m, "annqa.rle");

	if (rle_unpack(v->data, v->nbytes, v->hd.m, c) != RLE_OK)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("annqa.rle: corrupt packed counts")));
	return c;
}

static void
raise_sum(const char *fn, uint64 sum, uint64 hw, int code)
{
	ereport(ERROR,
			(errcode(code),
			 errmsg("%s: mask counts sum to %llu, not height * width = %llu", fn,
					(unsigned long long) sum, (unsigned long long) hw),
			 errdetail("The run lengths of an RLE mask must cover every pixel exactly once.")));
}

struct varlena *
annqa_rle_build(uint32 *cnts, size_t m, uint32 h, uint32 w, const char *fn)
{
	uint64		hw = (uint64) h * w;
	uint64		sum;
	size_t		plen,
				total;
	struct varlena *res;
	RleHead		hd;
	uint32		bb[4];

	annqa_rle_check_size(h, w, fn);
	if (rle_canonicalize(cnts, &m, hw, &sum) != RLE_OK)
		raise_sum(fn, sum, hw, ERRCODE_DATA_EXCEPTION);
	plen = rle_pack_len(cnts, m);
	total = add_size(add_size(VARHDRSZ, RLE_HEAD_SIZE), plen);
	if (total > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s: mask is too large to store", fn),
				 errdetail("It needs %zu bytes.", total)));
	memset(&hd, 0, sizeof(hd));
	hd.version = ANNQA_RLE_VERSION;
	hd.h = h;
	hd.w = w;
	hd.m = (uint32) m;
	hd.area = (uint32) rle_area(cnts, m);
	rle_bbox(cnts, m, h, bb);
	memcpy(hd.bbox, bb, sizeof(bb));
	res = palloc(total);
	SET_VARSIZE(res, total);
	memcpy(VARDATA(res), &hd, RLE_HEAD_SIZE);
	if (plen > 0)
	{
		((uint8 *) VARDATA(res))[RLE_HEAD_SIZE + plen - 1] = 0;
		rle_pack(cnts, m, (uint8 *) VARDATA(res) + RLE_HEAD_SIZE);
	}
	return res;
}

static void
rle_tick(void)
{
	CHECK_FOR_INTERRUPTS();
}

uint32 *
annqa_rle_poly_counts(const double *xy, size_t k, uint32 h, uint32 w,
					  size_t *m, const char *fn)
{
	size_t		cap,
				bad;
	uint32	   *buf;

	switch (raster_poly_prepare(xy, k, h, w, &cap, &bad))
	{
		case RASTER_OK:
			break;
		case RASTER_E_COORD:
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("%s: polygon coordinate %zu is out of range", fn, bad + 1),
					 errdetail("The value is %g; coordinates must be finite and within +-%g.",
							   xy[bad], RASTER_MAX_COORD)));
			break;
		case RASTER_E_STEPS:
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("%s: polygon outline is too long to rasterise", fn),
					 errdetail("The outline, walked in 0.2 pixel steps, must have at most %llu points.",
							   (unsigned long long) RASTER_MAX_STEPS)));
			break;
	}
	buf = annqa_rle_alloc_counts(cap, fn);
	*m = raster_fr_poly(xy, k, h, w, buf, rle_tick);
	return buf;
}

uint32 *
annqa_rle_merge_counts(const uint32 *a, size_t ma, const uint32 *b, size_t mb,
					   RleOp op, size_t *m, const char *fn)
{
	uint32	   *out = annqa_rle_alloc_counts(add_size(add_size(ma, mb), 1), fn);

	*m = rle_merge(a, ma, b, mb, op, out);
	return out;
}

static void
check_same_size(const RleView *a, const RleView *b, const char *fn)
{
	if (a->hd.h != b->hd.h || a->hd.w != b->hd.w)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: masks have different sizes", fn),
				 errdetail("The sizes are %u x %u and %u x %u (height x width).",
						   a->hd.h, a->hd.w, b->hd.h, b->hd.w)));
}

/* ---------------------------------------------------------------- JSON forms */

static int64
json_int(const AnnqaJson *j, const char *fn, const char *what, int64 lo, int64 hi)
{
	if (j == NULL || j->kind != ANNQA_JSON_NUMBER || !isfinite(j->number) ||
		floor(j->number) != j->number)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("%s: %s must be an integer", fn, what)));
	if (j->number < (double) lo || j->number > (double) hi)
		return j->number < (double) lo ? lo - 1 : hi + 1;
	return (int64) j->number;
}

/*
 * An RLE object {"size": [h, w], "counts": "..." or [...]}.  Member order
 * and other members do not matter.
 */
static struct varlena *
rle_from_json_object(const AnnqaJson *obj, const char *fn)
{
	const AnnqaJson *size = annqa_json_member(obj, "size");
	const AnnqaJson *counts = annqa_json_member(obj, "counts");
	int64		h,
				w;
	uint32	   *cnts;
	size_t		m;

	if (size == NULL || counts == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("%s: an RLE object needs \"size\" and \"counts\"", fn),
				 errdetail("COCO RLE is {\"size\": [height, width], \"counts\": \"...\"}.")));
	if (size->kind != ANNQA_JSON_ARRAY || size->n != 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("%s: \"size\" must be an array [height, width]", fn)));
	h = json_int(&size->items[0], fn, "height", INT64CONST(-1) << 40, INT64CONST(1) << 40);
	w = json_int(&size->items[1], fn, "width", INT64CONST(-1) << 40, INT64CONST(1) << 40);
	annqa_rle_check_size(h, w, fn);

	if (counts->kind == ANNQA_JSON_STRING)
	{
		size_t		len = strlen(counts->string);
		size_t		errpos;
		RleError	e;

		cnts = annqa_rle_alloc_counts(len, fn);
		e = rle_coco_decode(counts->string, len, cnts, &m, &errpos);
		if (e != RLE_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("%s: invalid RLE counts string at character %zu", fn, errpos + 1),
					 errdetail("The counts string has %s.", rle_error_text(e)),
					 e == RLE_E_CHAR ? errhint("COCO compressed counts use only the characters '0' to 'o' (ASCII 48 to 111).") : 0));
	}
	else if (counts->kind == ANNQA_JSON_ARRAY)
	{
		int			i;

		cnts = annqa_rle_alloc_counts(counts->n, fn);
		for (i = 0; i < counts->n; i++)
		{
			int64		c = json_int(&counts->items[i], fn, "every count", 0, UINT32_MAX);

			if (c < 0 || c > (int64) UINT32_MAX)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						 errmsg("%s: count %d is out of range", fn, i + 1),
						 errdetail("Run lengths must be between 0 and 4294967295.")));
			cnts[i] = (uint32) c;
		}
		m = counts->n;
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("%s: \"counts\" must be a string or an array of integers", fn)));
	return annqa_rle_build(cnts, m, (uint32) h, (uint32) w, fn);
}

static struct varlena *
rle_from_text(const char *s, size_t len, const char *fn)
{
	AnnqaJson  *j = annqa_json_parse(s, len, fn);

	if (j->kind != ANNQA_JSON_OBJECT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("%s: input must be a JSON object", fn),
				 errdetail("COCO RLE is {\"size\": [height, width], \"counts\": \"...\"}.")));
	return rle_from_json_object(j, fn);
}

static char *
rle_to_text(const RleView *v)
{
	uint32	   *c = annqa_rle_decode(v);
	StringInfoData buf;
	char	   *s;
	size_t		n,
				i;

	s = palloc_extended(add_size(mul_size(v->hd.m, 7), 1), MCXT_ALLOC_HUGE);
	n = rle_coco_encode(c, v->hd.m, s);
	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"size\":[%u,%u],\"counts\":\"", v->hd.h, v->hd.w);
	enlargeStringInfo(&buf, (int) Min(add_size(n, n / 8 + 4), (size_t) MaxAllocSize / 2));
	for (i = 0; i < n; i++)
	{
		if (s[i] == '\\')
			appendStringInfoChar(&buf, '\\');
		appendStringInfoChar(&buf, s[i]);
	}
	appendStringInfoString(&buf, "\"}");
	return buf.data;
}

/* ---------------------------------------------------------------- I/O */

PG_FUNCTION_INFO_V1(annqa_rle_in);
Datum
annqa_rle_in(PG_FUNCTION_ARGS)
{
	char	   *s = PG_GETARG_CSTRING(0);

	PG_RETURN_POINTER(rle_from_text(s, strlen(s), "annqa.rle"));
}

PG_FUNCTION_INFO_V1(annqa_rle_out);
Datum
annqa_rle_out(PG_FUNCTION_ARGS)
{
	RleView		v;

	annqa_rle_open(PG_GETARG_DATUM(0), &v);
	PG_RETURN_CSTRING(rle_to_text(&v));
}

/*
 * Binary form: int4 version (1), int4 height, int4 width, int4 number of
 * runs m, then m uint32 run lengths (as int4 bit patterns).
 */
PG_FUNCTION_INFO_V1(annqa_rle_recv);
Datum
annqa_rle_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	const uint8 *p = (const uint8 *) buf->data + buf->cursor;
	size_t		len = buf->len - buf->cursor;
	uint32		h = 0,
				w = 0;
	size_t		m = 0;
	uint32	   *cnts;
	RleError	e;

	e = rle_binary_header(p, len, &h, &w, &m);
	if (e == RLE_E_NEGATIVE || e == RLE_E_TOOBIG)
		annqa_rle_check_size((int32) pg_ntoh32(*(const uint32 *) (p + 4)),
							 (int32) pg_ntoh32(*(const uint32 *) (p + 8)), "annqa.rle");
	if (e != RLE_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("annqa.rle: binary input has %s", rle_error_text(e)),
				 errdetail("The input has %zu bytes: int4 version 1, height, width, run count m, then m run lengths.", len)));
	cnts = annqa_rle_alloc_counts(m, "annqa.rle");
	rle_binary_counts(p, m, cnts);
	buf->cursor = buf->len;
	PG_RETURN_POINTER(annqa_rle_build(cnts, m, h, w, "annqa.rle"));
}

PG_FUNCTION_INFO_V1(annqa_rle_send);
Datum
annqa_rle_send(PG_FUNCTION_ARGS)
{
	RleView		v;
	uint32	   *c;
	StringInfoData buf;
	uint32		i;

	annqa_rle_open(PG_GETARG_DATUM(0), &v);
	c = annqa_rle_decode(&v);
	pq_begintypsend(&buf);
	pq_sendint32(&buf, ANNQA_RLE_VERSION);
	pq_sendint32(&buf, v.hd.h);
	pq_sendint32(&buf, v.hd.w);
	pq_sendint32(&buf, v.hd.m);
	for (i = 0; i < v.hd.m; i++)
		pq_sendint32(&buf, c[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(annqa_rle_from_jsonb);
Datum
annqa_rle_from_jsonb(PG_FUNCTION_ARGS)
{
	Jsonb	   *jb = PG_GETARG_JSONB_P(0);
	char	   *s = JsonbToCString(NULL, &jb->root, VARSIZE(jb));

	PG_RETURN_POINTER(rle_from_text(s, strlen(s), "annqa.rle"));
}

PG_FUNCTION_INFO_V1(annqa_rle_to_jsonb);
Datum
annqa_rle_to_jsonb(PG_FUNCTION_ARGS)
{
	RleView		v;

	annqa_rle_open(PG_GETARG_DATUM(0), &v);
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(rle_to_text(&v)));
}

/* ---------------------------------------------------------------- constructors */

static void
check_size_args(int32 h, int32 w, const char *fn)
{
	annqa_rle_check_size(h, w, fn);
}

/* A COCO polygon (flat x, y list) as counts; odd lengths raise 22023. */
static uint32 *
poly_counts(const double *xy, int n, uint32 h, uint32 w, size_t *m, const char *fn)
{
	if (n % 2 != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: polygon must have an even number of coordinates", fn),
				 errdetail("It has %d; COCO polygons are [x1, y1, x2, y2, ...].", n)));
	return annqa_rle_poly_counts(xy, n / 2, h, w, m, fn);
}

static uint32 *
box_counts(const double b[4], uint32 h, uint32 w, size_t *m, const char *fn)
{
	double		xy[8];
	int			i;

	for (i = 0; i < 4; i++)
		annqa_check_finite(b[i], fn, "box coordinates");
	if (b[2] < 0 || b[3] < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: box must have non-negative width and height", fn),
				 errdetail("The box is [%g, %g, %g, %g].", b[0], b[1], b[2], b[3])));
	raster_box_corners(b, xy);
	return annqa_rle_poly_counts(xy, 4, h, w, m, fn);
}

static void
pg_box_xywh(const BOX *b, double out[4])
{
	out[0] = b->low.x;
	out[1] = b->low.y;
	out[2] = b->high.x - b->low.x;
	out[3] = b->high.y - b->low.y;
}

PG_FUNCTION_INFO_V1(annqa_rle_from_polygon);
Datum
annqa_rle_from_polygon(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.rle_from_polygon";
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	int32		h = PG_GETARG_INT32(1),
				w = PG_GETARG_INT32(2);
	int			n;
	const double *xy;
	uint32	   *c;
	size_t		m;

	check_size_args(h, w, fn);
	xy = annqa_float8_array(arr, fn, "polygon", 2, &n);
	annqa_check_row_width(arr, 2, fn, "polygon");
	c = poly_counts(xy, n, h, w, &m, fn);
	PG_RETURN_POINTER(annqa_rle_build(c, m, h, w, fn));
}

PG_FUNCTION_INFO_V1(annqa_rle_from_xywh);
Datum
annqa_rle_from_xywh(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.rle_from_box";
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	int32		h = PG_GETARG_INT32(1),
				w = PG_GETARG_INT32(2);
	int			n;
	const double *b;
	uint32	   *c;
	size_t		m;

	check_size_args(h, w, fn);
	b = annqa_float8_array(arr, fn, "box", 1, &n);
	if (n != 4)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: box must have 4 elements [x, y, w, h]", fn),
				 errdetail("The array has %d elements.", n)));
	c = box_counts(b, h, w, &m, fn);
	PG_RETURN_POINTER(annqa_rle_build(c, m, h, w, fn));
}

PG_FUNCTION_INFO_V1(annqa_rle_from_box);
Datum
annqa_rle_from_box(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.rle_from_box";
	BOX		   *bx = PG_GETARG_BOX_P(0);
	int32		h = PG_GETARG_INT32(1),
				w = PG_GETARG_INT32(2);
	double		b[4];
	uint32	   *c;
	size_t		m;

	check_size_args(h, w, fn);
	pg_box_xywh(bx, b);
	c = box_counts(b, h, w, &m, fn);
	PG_RETURN_POINTER(annqa_rle_build(c, m, h, w, fn));
}

/* pycocotools annToRLE on one segmentation value. */
static struct varlena *
rle_from_coco_json(const AnnqaJson *j, uint32 h, uint32 w, const char *fn)
{
	uint32	   *acc = NULL;
	size_t		macc = 0;
	int			i,
				t;
	bool		boxes;

	if (j->kind == ANNQA_JSON_OBJECT)
		return rle_from_json_object(j, fn);	/* RLE: taken as it is */
	if (j->kind != ANNQA_JSON_ARRAY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: segmentation must be a polygon list or an RLE object", fn)));
	if (j->n == 0)
	{
		acc = annqa_rle_alloc_counts(1, fn);
		acc[0] = h * w;
		return annqa_rle_build(acc, 1, h, w, fn);
	}
	/* as frPyObjects: a first part of 4 numbers means a list of boxes */
	if (j->items[0].kind != ANNQA_JSON_ARRAY || j->items[0].n < 4)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: segmentation polygons must have at least 3 points", fn),
				 errdetail("pycocotools reads a first part of 4 numbers as a box [x, y, w, h].")));
	boxes = j->items[0].n == 4;
	for (i = 0; i < j->n; i++)
	{
		const AnnqaJson *part = &j->items[i];
		double	   *xy;
		uint32	   *c;
		size_t		m;

		CHECK_FOR_INTERRUPTS();
		if (part->kind != ANNQA_JSON_ARRAY)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: segmentation part %d is not an array", fn, i + 1)));
		if (boxes && part->n != 4)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: segmentation part %d must be a box [x, y, w, h]", fn, i + 1),
					 errdetail("The first part has 4 numbers, so every part is read as a box.")));
		xy = palloc_extended(mul_size(Max(part->n, 1), sizeof(double)), MCXT_ALLOC_HUGE);
		for (t = 0; t < part->n; t++)
		{
			if (part->items[t].kind != ANNQA_JSON_NUMBER)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s: segmentation part %d has a non-numeric coordinate", fn, i + 1)));
			xy[t] = part->items[t].number;
			annqa_check_finite(xy[t], fn, "polygon coordinates");
		}
		c = boxes ? box_counts(xy, h, w, &m, fn) : poly_counts(xy, part->n, h, w, &m, fn);
		if (acc == NULL)
		{
			acc = c;
			macc = m;
		}
		else
		{
			uint32	   *u = annqa_rle_merge_counts(acc, macc, c, m, RLE_OP_OR, &macc, fn);

			pfree(acc);
			pfree(c);
			acc = u;
		}
		pfree(xy);
	}
	return annqa_rle_build(acc, macc, h, w, fn);
}

PG_FUNCTION_INFO_V1(annqa_rle_from_coco);
Datum
annqa_rle_from_coco(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.rle_from_coco";
	Jsonb	   *jb = PG_GETARG_JSONB_P(0);
	int32		h = PG_GETARG_INT32(1),
				w = PG_GETARG_INT32(2);
	char	   *s;
	AnnqaJson  *j;

	check_size_args(h, w, fn);
	s = JsonbToCString(NULL, &jb->root, VARSIZE(jb));
	j = annqa_json_parse(s, strlen(s), fn);
	PG_RETURN_POINTER(rle_from_coco_json(j, h, w, fn));
}

/* One byte per pixel, 0 or 1, row-major (C order: y * width + x). */
PG_FUNCTION_INFO_V1(annqa_rle_from_bitmap);
Datum
annqa_rle_from_bitmap(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.rle_from_bitmap";
	bytea	   *bits = PG_GETARG_BYTEA_PP(0);
	int32		h = PG_GETARG_INT32(1),
				w = PG_GETARG_INT32(2);
	const uint8 *p = (const uint8 *) VARDATA_ANY(bits);
	size_t		len = VARSIZE_ANY_EXHDR(bits);
	uint64		hw;
	uint32	   *cnts;
	size_t		m = 0,
				cap = 16;
	uint32		run = 0;
	int			cur = 0;
	int64		x,
				y;

	check_size_args(h, w, fn);
	hw = (uint64) h * w;
	if (len != hw)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: bitmap has %zu bytes, not height * width = %llu", fn, len,
						(unsigned long long) hw),
				 errdetail("The bitmap is one byte (0 or 1) per pixel, row by row.")));
	cnts = annqa_rle_alloc_counts(cap, fn);
	for (x = 0; x < w; x++)
	{
		CHECK_FOR_INTERRUPTS();
		for (y = 0; y < h; y++)
		{
			uint8		b = p[y * w + x];

			if (b > 1)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s: bitmap byte %lld is %d, not 0 or 1", fn,
								(long long) (y * w + x + 1), b)));
			if (b != cur)
			{
				if (m + 2 > cap)
				{
					cap *= 2;
					cnts = repalloc_huge(cnts, mul_size(cap, sizeof(uint32)));
				}
				cnts[m++] = run;
				run = 0;
				cur = b;
			}
			run++;
		}
	}
	cnts[m++] = run;
	PG_RETURN_POINTER(annqa_rle_build(cnts, m, h, w, fn));
}

PG_FUNCTION_INFO_V1(annqa_rle_to_bitmap);
Datum
annqa_rle_to_bitmap(PG_FUNCTION_ARGS)
{
	RleView		v;
	uint32	   *c;
	uint64		hw,
				pos = 0;
	bytea	   *res;
	uint8	   *out;
	uint32		i;

	annqa_rle_open(PG_GETARG_DATUM(0), &v);
	hw = (uint64) v.hd.h * v.hd.w;
	if (hw > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("annqa.rle_to_bitmap: a %u x %u bitmap does not fit in a bytea", v.hd.h, v.hd.w)));
	c = annqa_rle_decode(&v);
	res = palloc0(VARHDRSZ + hw);
	SET_VARSIZE(res, VARHDRSZ + hw);
	out = (uint8 *) VARDATA(res);
	for (i = 0; i < v.hd.m; i++)
	{
		if (i & 1)
		{
			/* column-major runs into a row-major bitmap, one division per run */
			uint64		t,
						end = pos + c[i];
			uint64		row = pos % v.hd.h,
						col = pos / v.hd.h;

			CHECK_FOR_INTERRUPTS();
			for (t = pos; t < end; t++)
			{
				out[row * v.hd.w + col] = 1;
				if (++row == v.hd.h)
				{
					row = 0;
					col++;
				}
				if ((t & 0xFFFFF) == 0xFFFFF)
					CHECK_FOR_INTERRUPTS();
			}
		}
		pos += c[i];
	}
	PG_RETURN_BYTEA_P(res);
}

/* ---------------------------------------------------------------- accessors */

PG_FUNCTION_INFO_V1(annqa_rle_area);
Datum
annqa_rle_area(PG_FUNCTION_ARGS)
{
	RleView		v;

	annqa_rle_open(PG_GETARG_DATUM(0), &v);
	PG_RETURN_INT64(v.hd.area);
}

PG_FUNCTION_INFO_V1(annqa_rle_height);
Datum
annqa_rle_height(PG_FUNCTION_ARGS)
{
	RleView		v;

	annqa_rle_open(PG_GETARG_DATUM(0), &v);
	PG_RETURN_INT32((int32) v.hd.h);
}

PG_FUNCTION_INFO_V1(annqa_rle_width);
Datum
annqa_rle_width(PG_FUNCTION_ARGS)
{
	RleView		v;

	annqa_rle_open(PG_GETARG_DATUM(0), &v);
	PG_RETURN_INT32((int32) v.hd.w);
}

PG_FUNCTION_INFO_V1(annqa_rle_bbox);
Datum
annqa_rle_bbox(PG_FUNCTION_ARGS)
{
	RleView		v;
	BOX		   *b = palloc(sizeof(BOX));

	annqa_rle_open(PG_GETARG_DATUM(0), &v);
	b->low.x = v.hd.bbox[0];
	b->low.y = v.hd.bbox[1];
	b->high.x = (double) v.hd.bbox[0] + v.hd.bbox[2];
	b->high.y = (double) v.hd.bbox[1] + v.hd.bbox[3];
	PG_RETURN_BOX_P(b);
}

PG_FUNCTION_INFO_V1(annqa_rle_bbox_xywh);
Datum
annqa_rle_bbox_xywh(PG_FUNCTION_ARGS)
{
	RleView		v;
	double		b[4];
	int			i;

	annqa_rle_open(PG_GETARG_DATUM(0), &v);
	for (i = 0; i < 4; i++)
		b[i] = v.hd.bbox[i];
	PG_RETURN_ARRAYTYPE_P(annqa_make_float8_array(b, 4));
}

PG_FUNCTION_INFO_V1(annqa_rle_counts);
Datum
annqa_rle_counts(PG_FUNCTION_ARGS)
{
	RleView		v;
	uint32	   *c;
	Datum	   *d;
	uint32		i;

	annqa_rle_open(PG_GETARG_DATUM(0), &v);
	c = annqa_rle_decode(&v);
	d = palloc_extended(mul_size(Max(v.hd.m, 1), sizeof(Datum)), MCXT_ALLOC_HUGE);
	for (i = 0; i < v.hd.m; i++)
		d[i] = Int64GetDatum((int64) c[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(d, v.hd.m, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* ---------------------------------------------------------------- IoU */

/*
 * Decoded masks kept for the duration of a query (in fn_mcxt, through
 * fn_extra).  In an IoU matrix (a cross join) every mask meets every other:
 * each is decoded into foreground intervals once, and a pair that passes the
 * bbox prefilter is then an interval merge over the shared columns only.
 * Entries are found by a hash of the head and the ends of the packed data and
 * confirmed by a byte-for-byte comparison.  A mask is decoded the second time
 * it is seen (one-off masks, e.g. freshly rasterised ones, are read from
 * their packed runs and never copied); past the memory budget, masks are
 * read from their packed runs per call instead.
 */
#define IOU_CACHE_BUDGET (64 * 1024 * 1024)

typedef struct MaskEntry
{
	uint64		key;			/* hash key (dynahash) */
	bool		decoded;		/* false: seen once, not decoded yet */
	Size		len;			/* bytes of content (head + packed runs) */
	char	   *bytes;
	size_t		n;				/* foreground intervals */
	uint64	   *s;
	uint64	   *e;
} MaskEntry;

typedef struct IouCache
{
	HTAB	   *tab;
	Size		mem;
	const void *last_raw;		/* the datum last looked up, and its entry */
	MaskEntry  *last;
} IouCache;

static uint64
mask_key(const RleView *v)
{
	unsigned char buf[sizeof(RleHead) + sizeof(size_t) + 64];
	size_t		k = 0,
				t = Min(v->nbytes, 32);

	memcpy(buf, &v->hd, sizeof(RleHead));
	k += sizeof(RleHead);
	memcpy(buf + k, &v->nbytes, sizeof(size_t));
	k += sizeof(size_t);
	memcpy(buf + k, v->data, t);
	k += t;
	memcpy(buf + k, v->data + v->nbytes - t, t);
	k += t;
	return DatumGetUInt64(hash_bytes_extended(buf, (int) k, 0));
}

static bool
entry_matches(const MaskEntry *e, const RleView *v)
{
	return e->len == sizeof(RleHead) + v->nbytes &&
		memcmp(e->bytes, &v->hd, sizeof(RleHead)) == 0 &&
		memcmp(e->bytes + sizeof(RleHead), v->data, v->nbytes) == 0;
}

static MaskEntry *
mask_lookup(FmgrInfo *flinfo, const RleView *v)
{
	IouCache   *c = (IouCache *) flinfo->fn_extra;
	uint64		key;
	bool		found;
	MaskEntry  *e;
	MemoryContext old;
	uint32	   *cnts;
	size_t		cap = v->hd.m / 2 + 1;
	Size		need;

	if (c == NULL)
	{
		HASHCTL		ctl;

		c = MemoryContextAllocZero(flinfo->fn_mcxt, sizeof(IouCache));
		ctl.keysize = sizeof(uint64);
		ctl.entrysize = sizeof(MaskEntry);
		ctl.hcxt = flinfo->fn_mcxt;
		c->tab = hash_create("annqa rle iou cache", 256, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		flinfo->fn_extra = c;
	}
	/* the outer side of a nested loop repeats: try the last entry first */
	if (c->last != NULL && c->last_raw == (const void *) v->raw && entry_matches(c->last, v))
		return c->last;
	key = mask_key(v);
	e = (MaskEntry *) hash_search(c->tab, &key, HASH_FIND, NULL);
	if (e != NULL && e->decoded && entry_matches(e, v))
	{
		c->last_raw = v->raw;
		c->last = e;
		return e;
	}
	if (e == NULL)
	{
		/* first sight: remember the key only */
		if (c->mem + sizeof(MaskEntry) > IOU_CACHE_BUDGET)
			return NULL;
		e = (MaskEntry *) hash_search(c->tab, &key, HASH_ENTER, &found);
		e->decoded = false;
		e->len = 0;
		e->bytes = NULL;
		e->n = 0;
		e->s = e->e = NULL;
		c->mem += sizeof(MaskEntry);
		return NULL;
	}
	need = sizeof(RleHead) + v->nbytes + 2 * cap * sizeof(uint64);
	if (c->mem + need > IOU_CACHE_BUDGET)
		return NULL;
	if (e->decoded)
	{
		/* a different mask with the same key: replace it */
		c->mem -= e->len + 2 * (e->n + 1) * sizeof(uint64);
		pfree(e->bytes);
		pfree(e->s);
		pfree(e->e);
	}
	old = MemoryContextSwitchTo(flinfo->fn_mcxt);
	e->len = sizeof(RleHead) + v->nbytes;
	e->bytes = palloc(e->len);
	memcpy(e->bytes, &v->hd, sizeof(RleHead));
	memcpy(e->bytes + sizeof(RleHead), v->data, v->nbytes);
	e->s = palloc_extended(mul_size(cap, sizeof(uint64)), MCXT_ALLOC_HUGE);
	e->e = palloc_extended(mul_size(cap, sizeof(uint64)), MCXT_ALLOC_HUGE);
	MemoryContextSwitchTo(old);
	cnts = annqa_rle_decode(v);
	e->n = rle_fg_intervals(cnts, v->hd.m, e->s, e->e);
	e->decoded = true;
	pfree(cnts);
	c->mem += e->len + 2 * cap * sizeof(uint64);
	c->last_raw = v->raw;
	c->last = e;
	return e;
}

/*
 * IoU of two opened masks of the same size: pycocotools rleIou with the bbox
 * prefilter read from the heads; the intersection is counted on runs, only
 * over the columns both bounding boxes share.  flinfo (may be NULL) holds the
 * decoded-mask cache.
 */
static double
rle_iou_views(FmgrInfo *flinfo, const RleView *a, const RleView *b, bool crowd)
{
	uint32		ax1 = a->hd.bbox[0] + a->hd.bbox[2],
				bx1 = b->hd.bbox[0] + b->hd.bbox[2];
	uint32		ay1 = a->hd.bbox[1] + a->hd.bbox[3],
				by1 = b->hd.bbox[1] + b->hd.bbox[3];
	uint32		x0 = Max(a->hd.bbox[0], b->hd.bbox[0]),
				x1 = Min(ax1, bx1);
	uint32		y0 = Max(a->hd.bbox[1], b->hd.bbox[1]),
				y1 = Min(ay1, by1);
	uint64		inter,
				uni;

	if (x1 <= x0 || y1 <= y0)
		return 0.0;
	if (flinfo == NULL)
		inter = rle_packed_intersection(a->data, a->nbytes, a->hd.m,
										b->data, b->nbytes, b->hd.m,
										(uint64) a->hd.h * a->hd.w,
										(uint64) x1 * a->hd.h);
	else
	{
		uint64		lo = (uint64) x0 * a->hd.h,
					hi = (uint64) x1 * a->hd.h;
		MaskEntry  *ea = mask_lookup(flinfo, a);
		MaskEntry  *eb = mask_lookup(flinfo, b);

		if (ea && eb)
			inter = rle_intervals_intersection(ea->s, ea->e, ea->n, eb->s, eb->e, eb->n, lo, hi);
		else if (ea)
			inter = rle_packed_intersect_intervals(b->data, b->nbytes, b->hd.m,
												   ea->s, ea->e, ea->n, lo, hi);
		else if (eb)
			inter = rle_packed_intersect_intervals(a->data, a->nbytes, a->hd.m,
												   eb->s, eb->e, eb->n, lo, hi);
		else
			inter = rle_packed_intersection(a->data, a->nbytes, a->hd.m,
											b->data, b->nbytes, b->hd.m,
											(uint64) a->hd.h * a->hd.w, hi);
	}
	if (inter == 0)
		return 0.0;
	uni = crowd ? (uint64) a->hd.area : (uint64) a->hd.area + b->hd.area - inter;
	return (double) inter / (double) uni;
}

static double
rle_iou_common(FunctionCallInfo fcinfo, bool crowd)
{
	RleView		a,
				b;
	double		r;

	annqa_rle_open(PG_GETARG_DATUM(0), &a);
	annqa_rle_open(PG_GETARG_DATUM(1), &b);
	check_same_size(&a, &b, "annqa.iou");
	r = rle_iou_views(fcinfo->flinfo, &a, &b, crowd);
	if ((Pointer) a.raw != DatumGetPointer(PG_GETARG_DATUM(0)))
		pfree(a.raw);
	if ((Pointer) b.raw != DatumGetPointer(PG_GETARG_DATUM(1)))
		pfree(b.raw);
	return r;
}

PG_FUNCTION_INFO_V1(annqa_rle_iou);
Datum
annqa_rle_iou(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(rle_iou_common(fcinfo, false));
}

PG_FUNCTION_INFO_V1(annqa_rle_iou_crowd);
Datum
annqa_rle_iou_crowd(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(rle_iou_common(fcinfo, PG_GETARG_BOOL(2)));
}

/* IoU of a mask and a box rasterised at the mask's size (frBbox). */
static double
rle_box_iou(Datum rd, BOX *bx, bool box_first)
{
	const char *fn = "annqa.iou";
	RleView		r,
				q;
	double		b[4];
	uint32	   *c;
	size_t		m;
	struct varlena *bd;

	annqa_rle_open(rd, &r);
	pg_box_xywh(bx, b);
	c = box_counts(b, r.hd.h, r.hd.w, &m, fn);
	bd = annqa_rle_build(c, m, r.hd.h, r.hd.w, fn);
	annqa_rle_open(PointerGetDatum(bd), &q);
	return box_first ? rle_iou_views(NULL, &q, &r, false) : rle_iou_views(NULL, &r, &q, false);
}

PG_FUNCTION_INFO_V1(annqa_rle_box_iou);
Datum
annqa_rle_box_iou(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(rle_box_iou(PG_GETARG_DATUM(0), PG_GETARG_BOX_P(1), false));
}

PG_FUNCTION_INFO_V1(annqa_box_rle_iou);
Datum
annqa_box_rle_iou(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(rle_box_iou(PG_GETARG_DATUM(1), PG_GETARG_BOX_P(0), true));
}

/* ---------------------------------------------------------------- decoded masks */

void
annqa_rle_mask_decode(Datum d, RleMask *mk)
{
	RleView		v;
	uint32	   *cnts;
	size_t		cap;

	annqa_rle_open(d, &v);
	cap = v.hd.m / 2 + 1;
	mk->hd = v.hd;
	mk->s = palloc_extended(mul_size(cap, sizeof(uint64)), MCXT_ALLOC_HUGE);
	mk->e = palloc_extended(mul_size(cap, sizeof(uint64)), MCXT_ALLOC_HUGE);
	cnts = annqa_rle_decode(&v);
	mk->n = rle_fg_intervals(cnts, v.hd.m, mk->s, mk->e);
	pfree(cnts);
	if ((Pointer) v.raw != DatumGetPointer(d))
		pfree(v.raw);
}

uint64
annqa_rle_mask_intersection(const RleMask *a, const RleMask *b)
{
	uint32		x0 = Max(a->hd.bbox[0], b->hd.bbox[0]),
				x1 = Min(a->hd.bbox[0] + a->hd.bbox[2], b->hd.bbox[0] + b->hd.bbox[2]);
	uint32		y0 = Max(a->hd.bbox[1], b->hd.bbox[1]),
				y1 = Min(a->hd.bbox[1] + a->hd.bbox[3], b->hd.bbox[1] + b->hd.bbox[3]);

	if (x1 <= x0 || y1 <= y0)
		return 0;
	return rle_intervals_intersection(a->s, a->e, a->n, b->s, b->e, b->n,
									  (uint64) x0 * a->hd.h, (uint64) x1 * a->hd.h);
}

double
annqa_rle_mask_iou(const RleMask *a, const RleMask *b, bool crowd)
{
	uint64		inter = annqa_rle_mask_intersection(a, b),
				uni;

	if (inter == 0)
		return 0.0;
	uni = crowd ? (uint64) a->hd.area : (uint64) a->hd.area + b->hd.area - inter;
	return (double) inter / (double) uni;
}

/* ---------------------------------------------------------------- set operations */

static Datum
rle_setop(FunctionCallInfo fcinfo, RleOp op, const char *fn)
{
	RleView		a,
				b;
	uint32	   *ca,
			   *cb,
			   *out;
	size_t		m;

	annqa_rle_open(PG_GETARG_DATUM(0), &a);
	annqa_rle_open(PG_GETARG_DATUM(1), &b);
	check_same_size(&a, &b, fn);
	ca = annqa_rle_decode(&a);
	cb = annqa_rle_decode(&b);
	out = annqa_rle_merge_counts(ca, a.hd.m, cb, b.hd.m, op, &m, fn);
	pfree(ca);
	pfree(cb);
	PG_RETURN_POINTER(annqa_rle_build(out, m, a.hd.h, a.hd.w, fn));
}

PG_FUNCTION_INFO_V1(annqa_rle_union);
Datum
annqa_rle_union(PG_FUNCTION_ARGS)
{
	return rle_setop(fcinfo, RLE_OP_OR, "annqa.rle_union");
}

PG_FUNCTION_INFO_V1(annqa_rle_intersection);
Datum
annqa_rle_intersection(PG_FUNCTION_ARGS)
{
	return rle_setop(fcinfo, RLE_OP_AND, "annqa.rle_intersection");
}

PG_FUNCTION_INFO_V1(annqa_rle_difference);
Datum
annqa_rle_difference(PG_FUNCTION_ARGS)
{
	return rle_setop(fcinfo, RLE_OP_ANDNOT, "annqa.rle_difference");
}

PG_FUNCTION_INFO_V1(annqa_rle_eq);
Datum
annqa_rle_eq(PG_FUNCTION_ARGS)
{
	RleView		a,
				b;

	annqa_rle_open(PG_GETARG_DATUM(0), &a);
	annqa_rle_open(PG_GETARG_DATUM(1), &b);
	PG_RETURN_BOOL(memcmp(&a.hd, &b.hd, sizeof(RleHead)) == 0 && a.nbytes == b.nbytes &&
				   memcmp(a.data, b.data, a.nbytes) == 0);
}
