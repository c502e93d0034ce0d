/*
 * box.c - axis-aligned box IoU/GIoU, COCO xywh boxes, the annqa.rbox type
 * with exact rotated IoU, and COCO object keypoint similarity.
 *
 * The numeric kernels live in core/geom.c; this file validates SQL inputs
 * and converts between SQL values and the kernels.
 */
#include "box.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/float.h"

void
annqa_box_not_finite(const char *fn)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("%s: box coordinates must be finite", fn)));
}

/* Read a COCO [x, y, w, h] array: 4 finite numbers, w and h >= 0. */
static void
xywh_from_array(ArrayType *arr, const char *fn, const char *what, double out[4])
{
	int			n;
	const double *v = annqa_float8_array(arr, fn, what, 1, &n);

	if (n != 4)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %s must have 4 elements [x, y, w, h]", fn, what),
				 errdetail("The array has %d elements.", n)));
	if (v[2] < 0 || v[3] < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %s must have non-negative width and height", fn, what),
				 errdetail("Width is %g and height is %g.", v[2], v[3])));
	memcpy(out, v, 4 * sizeof(double));
}

PG_FUNCTION_INFO_V1(annqa_xywh);
Datum
annqa_xywh(PG_FUNCTION_ARGS)
{
	double		x = PG_GETARG_FLOAT8(0),
				y = PG_GETARG_FLOAT8(1),
				w = PG_GETARG_FLOAT8(2),
				h = PG_GETARG_FLOAT8(3);
	BOX		   *b;

	annqa_check_finite(x, "annqa.xywh", "x");
	annqa_check_finite(y, "annqa.xywh", "y");
	annqa_check_finite(w, "annqa.xywh", "w");
	annqa_check_finite(h, "annqa.xywh", "h");
	if (w < 0 || h < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("annqa.xywh: width and height must be non-negative"),
				 errdetail("Width is %g and height is %g.", w, h)));
	b = palloc(sizeof(BOX));
	b->low.x = x;
	b->low.y = y;
	b->high.x = annqa_check_result(x + w, "annqa.xywh");
	b->high.y = annqa_check_result(y + h, "annqa.xywh");
	PG_RETURN_BOX_P(b);
}

PG_FUNCTION_INFO_V1(annqa_to_xywh);
Datum
annqa_to_xywh(PG_FUNCTION_ARGS)
{
	BOX		   *b = PG_GETARG_BOX_P(0);
	double		v[4];

	annqa_box_check(b, "annqa.to_xywh");
	v[0] = b->low.x;
	v[1] = b->low.y;
	v[2] = annqa_check_result(b->high.x - b->low.x, "annqa.to_xywh");
	v[3] = annqa_check_result(b->high.y - b->low.y, "annqa.to_xywh");
	PG_RETURN_ARRAYTYPE_P(annqa_make_float8_array(v, 4));
}

static inline Datum
box_iou_common(FunctionCallInfo fcinfo, bool crowd)
{
	BOX		   *a = PG_GETARG_BOX_P(0);
	BOX		   *b = PG_GETARG_BOX_P(1);
	AnnqaBox	ka,
				kb;

	double		v;

	annqa_box_check(a, "annqa.iou");
	annqa_box_check(b, "annqa.iou");
	ka = annqa_box_from_pg(a);
	kb = annqa_box_from_pg(b);
	v = annqa_geom_box_iou(&ka, &kb, crowd);
	if (unlikely(isnan(v - v)))
		annqa_check_result(v, "annqa.iou");
	PG_RETURN_FLOAT8(v);
}

PG_FUNCTION_INFO_V1(annqa_box_iou);
Datum
annqa_box_iou(PG_FUNCTION_ARGS)
{
	return box_iou_common(fcinfo, false);
}

PG_FUNCTION_INFO_V1(annqa_box_iou_crowd);
Datum
annqa_box_iou_crowd(PG_FUNCTION_ARGS)
{
	return box_iou_common(fcinfo, PG_GETARG_BOOL(2));
}

static inline Datum
xywh_iou_common(FunctionCallInfo fcinfo, bool crowd)
{
	double		a[4],
				b[4];

	xywh_from_array(PG_GETARG_ARRAYTYPE_P(0), "annqa.box_iou", "a", a);
	xywh_from_array(PG_GETARG_ARRAYTYPE_P(1), "annqa.box_iou", "b", b);
	PG_RETURN_FLOAT8(annqa_check_result(annqa_geom_xywh_iou(a, b, crowd), "annqa.box_iou"));
}

PG_FUNCTION_INFO_V1(annqa_xywh_iou);
Datum
annqa_xywh_iou(PG_FUNCTION_ARGS)
{
	return xywh_iou_common(fcinfo, false);
}

PG_FUNCTION_INFO_V1(annqa_xywh_iou_crowd);
Datum
annqa_xywh_iou_crowd(PG_FUNCTION_ARGS)
{
	return xywh_iou_common(fcinfo, PG_GETARG_BOOL(2));
}

PG_FUNCTION_INFO_V1(annqa_box_giou);
Datum
annqa_box_giou(PG_FUNCTION_ARGS)
{
	BOX		   *a = PG_GETARG_BOX_P(0);
	BOX		   *b = PG_GETARG_BOX_P(1);
	AnnqaBox	ka,
				kb;

	annqa_box_check(a, "annqa.giou");
	annqa_box_check(b, "annqa.giou");
	ka = annqa_box_from_pg(a);
	kb = annqa_box_from_pg(b);
	PG_RETURN_FLOAT8(annqa_check_result(annqa_geom_box_giou(&ka, &kb), "annqa.giou"));
}

/* ---------------------------------------------------------------- annqa.rbox */

void
annqa_rbox_validate(const RBox *r, int sqlstate, const char *context)
{
	if (!isfinite(r->cx) || !isfinite(r->cy) || !isfinite(r->w) ||
		!isfinite(r->h) || !isfinite(r->angle))
		ereport(ERROR,
				(errcode(sqlstate == 0 ? ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE : sqlstate),
				 errmsg("%s: fields must be finite", context)));
	if (r->w < 0 || r->h < 0)
		ereport(ERROR,
				(errcode(sqlstate == 0 ? ERRCODE_INVALID_PARAMETER_VALUE : sqlstate),
				 errmsg("%s: width and height must be non-negative", context),
				 errdetail("Width is %g and height is %g.", r->w, r->h)));
}

PG_FUNCTION_INFO_V1(annqa_rbox_in);
Datum
annqa_rbox_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	char	   *p = str;
	double		v[5];
	bool		paren;
	int			i;
	RBox	   *r;

	while (isspace((unsigned char) *p))
		p++;
	paren = (*p == '(');
	if (paren)
		p++;
	for (i = 0; i < 5; i++)
	{
		char	   *end;

		while (isspace((unsigned char) *p))
			p++;
		if (*p == '\0' || *p == ',' || *p == ')')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type %s: \"%s\"", "annqa.rbox", str),
					 errdetail("Expected 5 numbers (cx,cy,w,h,angle); found %d.", i)));
		{
			bool		bad = false;

			end = p;
			v[i] = float8in_internal_opt_error(p, &end, "annqa.rbox", str, &bad);
			if (bad)
			{
				char	   *e2;

				/* a number that parses but overflows (1e999) is out of range */
				errno = 0;
				(void) strtod(p, &e2);
				if (errno == ERANGE && e2 > p)
					ereport(ERROR,
							(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							 errmsg("value out of range for type %s: \"%s\"", "annqa.rbox", str),
							 errdetail("Field %d does not fit in double precision.", i + 1)));
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						 errmsg("invalid input syntax for type %s: \"%s\"", "annqa.rbox", str),
						 errdetail("Field %d is not a number.", i + 1)));
			}
		}
		p = end;
		while (isspace((unsigned char) *p))
			p++;
		if (i < 4)
		{
			if (*p != ',')
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						 errmsg("invalid input syntax for type %s: \"%s\"", "annqa.rbox", str),
						 errdetail("Expected 5 numbers (cx,cy,w,h,angle) separated by commas.")));
			p++;
		}
	}
	if (paren)
	{
		if (*p != ')')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type %s: \"%s\"", "annqa.rbox", str),
					 errdetail("Missing closing parenthesis.")));
		p++;
	}
	while (isspace((unsigned char) *p))
		p++;
	if (*p != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%s\"", "annqa.rbox", str),
				 errdetail("Unexpected text after the fifth number.")));

	r = palloc(sizeof(RBox));
	r->cx = v[0];
	r->cy = v[1];
	r->w = v[2];
	r->h = v[3];
	r->angle = v[4];
	annqa_rbox_validate(r, ERRCODE_INVALID_TEXT_REPRESENTATION, "annqa.rbox input");
	PG_RETURN_RBOX_P(r);
}

PG_FUNCTION_INFO_V1(annqa_rbox_out);
Datum
annqa_rbox_out(PG_FUNCTION_ARGS)
{
	RBox	   *r = PG_GETARG_RBOX_P(0);
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '(');
	annqa_append_float8(&buf, r->cx);
	appendStringInfoChar(&buf, ',');
	annqa_append_float8(&buf, r->cy);
	appendStringInfoChar(&buf, ',');
	annqa_append_float8(&buf, r->w);
	appendStringInfoChar(&buf, ',');
	annqa_append_float8(&buf, r->h);
	appendStringInfoChar(&buf, ',');
	annqa_append_float8(&buf, r->angle);
	appendStringInfoChar(&buf, ')');
	PG_RETURN_CSTRING(buf.data);
}

/* The binary form: five big-endian float8, validated like text input. */
static RBox *
rbox_read_binary(StringInfo msg)
{
	RBox	   *r;

	if (msg->len - msg->cursor < (int) (5 * sizeof(float8)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary data for type %s", "annqa.rbox"),
				 errdetail("Expected 40 bytes; found %d.", msg->len - msg->cursor)));
	r = palloc(sizeof(RBox));
	r->cx = pq_getmsgfloat8(msg);
	r->cy = pq_getmsgfloat8(msg);
	r->w = pq_getmsgfloat8(msg);
	r->h = pq_getmsgfloat8(msg);
	r->angle = pq_getmsgfloat8(msg);
	annqa_rbox_validate(r, ERRCODE_INVALID_BINARY_REPRESENTATION, "annqa.rbox binary");
	return r;
}

PG_FUNCTION_INFO_V1(annqa_rbox_recv);
Datum
annqa_rbox_recv(PG_FUNCTION_ARGS)
{
	PG_RETURN_RBOX_P(rbox_read_binary((StringInfo) PG_GETARG_POINTER(0)));
}

/* annqa.rbox_from_bytes(bytea): the binary form, all of it, as an rbox. */
PG_FUNCTION_INFO_V1(annqa_rbox_from_bytes);
Datum
annqa_rbox_from_bytes(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	StringInfoData msg;
	RBox	   *r;

	msg.data = VARDATA_ANY(b);
	msg.len = VARSIZE_ANY_EXHDR(b);
	msg.maxlen = msg.len;
	msg.cursor = 0;
	r = rbox_read_binary(&msg);
	if (msg.cursor != msg.len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary data for type %s", "annqa.rbox"),
				 errdetail("Expected 40 bytes; found %d.", msg.len)));
	PG_RETURN_RBOX_P(r);
}

PG_FUNCTION_INFO_V1(annqa_rbox_send);
Datum
annqa_rbox_send(PG_FUNCTION_ARGS)
{
	RBox	   *r = PG_GETARG_RBOX_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendfloat8(&buf, r->cx);
	pq_sendfloat8(&buf, r->cy);
	pq_sendfloat8(&buf, r->w);
	pq_sendfloat8(&buf, r->h);
	pq_sendfloat8(&buf, r->angle);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(annqa_rbox_make);
Datum
annqa_rbox_make(PG_FUNCTION_ARGS)
{
	RBox	   *r = palloc(sizeof(RBox));

	r->cx = PG_GETARG_FLOAT8(0);
	r->cy = PG_GETARG_FLOAT8(1);
	r->w = PG_GETARG_FLOAT8(2);
	r->h = PG_GETARG_FLOAT8(3);
	r->angle = PG_GETARG_FLOAT8(4);
	annqa_rbox_validate(r, 0, "annqa.rbox");
	PG_RETURN_RBOX_P(r);
}

PG_FUNCTION_INFO_V1(annqa_rbox_from_box);
Datum
annqa_rbox_from_box(PG_FUNCTION_ARGS)
{
	BOX		   *b = PG_GETARG_BOX_P(0);
	RBox	   *r = palloc(sizeof(RBox));

	annqa_box_check(b, "annqa.rbox");
	/* halves first, so that huge finite boxes do not overflow */
	r->cx = b->low.x * 0.5 + b->high.x * 0.5;
	r->cy = b->low.y * 0.5 + b->high.y * 0.5;
	r->w = b->high.x - b->low.x;
	r->h = b->high.y - b->low.y;
	r->angle = 0.0;
	annqa_rbox_validate(r, 0, "annqa.rbox");
	PG_RETURN_RBOX_P(r);
}

PG_FUNCTION_INFO_V1(annqa_rbox_corners);
Datum
annqa_rbox_corners(PG_FUNCTION_ARGS)
{
	RBox	   *r = PG_GETARG_RBOX_P(0);
	double		xy[8];
	int			i;

	annqa_geom_rbox_corners(r, xy);
	for (i = 0; i < 8; i++)
		annqa_check_result(xy[i], "annqa.corners");
	PG_RETURN_ARRAYTYPE_P(annqa_make_float8_array(xy, 8));
}

PG_FUNCTION_INFO_V1(annqa_rbox_area);
Datum
annqa_rbox_area(PG_FUNCTION_ARGS)
{
	RBox	   *r = PG_GETARG_RBOX_P(0);

	PG_RETURN_FLOAT8(annqa_check_result(r->w * r->h, "annqa.area"));
}

PG_FUNCTION_INFO_V1(annqa_rbox_iou);
Datum
annqa_rbox_iou(PG_FUNCTION_ARGS)
{
	RBox	   *a = PG_GETARG_RBOX_P(0);
	RBox	   *b = PG_GETARG_RBOX_P(1);
	double		v = annqa_geom_rbox_iou(a, b);

	/* huge extents overflow the clipping arithmetic: say so instead of NaN */
	PG_RETURN_FLOAT8(annqa_check_result(v, "annqa.iou"));
}

PG_FUNCTION_INFO_V1(annqa_rbox_eq);
Datum
annqa_rbox_eq(PG_FUNCTION_ARGS)
{
	RBox	   *a = PG_GETARG_RBOX_P(0);
	RBox	   *b = PG_GETARG_RBOX_P(1);

	PG_RETURN_BOOL(a->cx == b->cx && a->cy == b->cy && a->w == b->w &&
				   a->h == b->h && a->angle == b->angle);
}

/* ---------------------------------------------------------------- OKS */

PG_FUNCTION_INFO_V1(annqa_oks);
Datum
annqa_oks(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.oks";
	int			ng,
				np,
				ns,
				nkp,
				i;
	const double *gold = annqa_float8_array(PG_GETARG_ARRAYTYPE_P(0), fn, "gold", 2, &ng);
	const double *pred = annqa_float8_array(PG_GETARG_ARRAYTYPE_P(1), fn, "pred", 2, &np);
	const double *sig = annqa_float8_array(PG_GETARG_ARRAYTYPE_P(2), fn, "sigmas", 1, &ns);
	double		area = PG_GETARG_FLOAT8(3);
	double		result;

	annqa_check_row_width(PG_GETARG_ARRAYTYPE_P(0), 3, fn, "gold");
	annqa_check_row_width(PG_GETARG_ARRAYTYPE_P(1), 3, fn, "pred");
	if (ng % 3 != 0 || np % 3 != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: keypoint arrays must hold [x, y, v] triples", fn),
				 errdetail("gold has %d values and pred has %d.", ng, np)));
	if (ng != np)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: gold and pred must have the same number of keypoints", fn),
				 errdetail("gold has %d keypoints and pred has %d.", ng / 3, np / 3)));
	nkp = ng / 3;
	if (ns != nkp && ns != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: sigmas must have one value per keypoint, or a single value", fn),
				 errdetail("There are %d keypoints and %d sigmas.", nkp, ns)));
	for (i = 0; i < ns; i++)
		if (!(sig[i] > 0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: sigmas must be positive", fn),
					 errdetail("Sigma %d is %g.", i + 1, sig[i])));
	for (i = 0; i < nkp; i++)
		if (gold[3 * i + 2] < 0 || pred[3 * i + 2] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: visibility flags must be non-negative", fn),
					 errdetail("Keypoint %d has visibility %g in gold and %g in pred.",
							   i + 1, gold[3 * i + 2], pred[3 * i + 2])));
	annqa_check_finite(area, fn, "area");
	if (!(area > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: area must be positive", fn),
				 errdetail("area is %g.", area)));
	if (!annqa_geom_oks(gold, pred, nkp, sig, ns, area, &result))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(annqa_check_result(result, fn));
}

/*
 * annqa.io_box_within(b box, w float8, h float8): the export check's fast path,
 * exactly low.x >= 0, low.y >= 0, low.x <= high.x, low.y <= high.y, high.x <= w
 * and high.y <= h with SQL's float8 comparison semantics (NaN equals NaN and
 * sorts above every number), as the same comparisons written in SQL give.
 */
PG_FUNCTION_INFO_V1(annqa_io_box_within);
Datum
annqa_io_box_within(PG_FUNCTION_ARGS)
{
	BOX		   *b = PG_GETARG_BOX_P(0);
	float8		w = PG_GETARG_FLOAT8(1),
				h = PG_GETARG_FLOAT8(2);

	PG_RETURN_BOOL(float8_ge(b->low.x, 0.0) && float8_ge(b->low.y, 0.0) &&
				   float8_le(b->low.x, b->high.x) && float8_le(b->low.y, b->high.y) &&
				   float8_le(b->high.x, w) && float8_le(b->high.y, h));
}
