/*
 * wkb.c - reading PostGIS WKB without liblwgeom, for rle_from_geometry.
 *
 * The SQL function annqa.rle_from_geometry(geometry, int, int) is a
 * BEGIN ATOMIC wrapper that passes ST_AsBinary(g) to annqa_rle_from_wkb.
 * Accepted: Polygon and MultiPolygon, in ISO WKB (Z/M as type + 1000/2000/
 * 3000) or EWKB (flag bits, optional SRID); either byte order; Z and M
 * values are ignored.  Each polygon's exterior ring is rasterised with the
 * frPoly pixel-centre rule, its holes are rasterised the same way and
 * subtracted, and the polygons of a MultiPolygon are unioned.
 */
#include "rle.h"

#include <math.h>

#include "miscadmin.h"

#define WKB_POLYGON		3
#define WKB_MULTIPOLYGON 6

typedef struct
{
	const uint8 *p;
	size_t		len;
	size_t		pos;
	const char *fn;
} WkbReader;

static void
wkb_truncated(WkbReader *r)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("%s: WKB input is truncated at byte %zu", r->fn, r->pos + 1)));
}

static uint32
wkb_uint32(WkbReader *r, bool big)
{
	uint8		b[4];

	if (r->len - r->pos < 4)
		wkb_truncated(r);
	memcpy(b, r->p + r->pos, 4);
	r->pos += 4;
	if (big)
		return ((uint32) b[0] << 24) | ((uint32) b[1] << 16) | ((uint32) b[2] << 8) | b[3];
	return ((uint32) b[3] << 24) | ((uint32) b[2] << 16) | ((uint32) b[1] << 8) | b[0];
}

static double
wkb_double(WkbReader *r, bool big)
{
	uint8		b[8];
	uint64		u = 0;
	double		d;
	int			i;

	if (r->len - r->pos < 8)
		wkb_truncated(r);
	memcpy(b, r->p + r->pos, 8);
	r->pos += 8;
	for (i = 0; i < 8; i++)
		u |= (uint64) b[big ? i : 7 - i] << (8 * (7 - i));
	memcpy(&d, &u, 8);
	return d;
}

/* Read a geometry header; returns the base type, sets *big and *ndims. */
static uint32
wkb_header(WkbReader *r, bool *big, int *ndims)
{
	uint8		order;
	uint32		type;
	uint32		base;
	int			nd = 2;

	if (r->len - r->pos < 1)
		wkb_truncated(r);
	order = r->p[r->pos++];
	if (order > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("%s: invalid WKB byte order %d at byte %zu", r->fn, order, r->pos)));
	*big = (order == 0);
	type = wkb_uint32(r, *big);
	if (type & 0x80000000)
		nd++;					/* EWKB Z */
	if (type & 0x40000000)
		nd++;					/* EWKB M */
	if (type & 0x20000000)
		(void) wkb_uint32(r, *big); /* EWKB SRID */
	type &= 0x0fffffff;
	base = type % 1000;
	switch (type / 1000)
	{
		case 0:
			break;
		case 1:
		case 2:
			nd = Max(nd, 3);
			break;
		case 3:
			nd = 4;
			break;
		default:
			base = 0;
	}
	*ndims = nd;
	return base;
}

static void
wkb_unsupported(WkbReader *r, uint32 base)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("%s: only Polygon and MultiPolygon geometries can be rasterised", r->fn),
			 errdetail("The geometry has WKB type %u.", base)));
}

static void
wkb_empty(WkbReader *r)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s: geometry is empty", r->fn),
			 errhint("Use an empty mask, e.g. annqa.rle_from_box('{0,0,0,0}', h, w), for no object.")));
}

/* One ring as canonical counts. */
static uint32 *
wkb_ring(WkbReader *r, bool big, int nd, uint32 h, uint32 w, size_t *m)
{
	uint32		npts = wkb_uint32(r, big);
	double	   *xy;
	uint32		i;
	int			d;
	uint32	   *c;

	if ((uint64) npts * nd * 8 > r->len - r->pos)
		wkb_truncated(r);
	if (npts == 0)
		wkb_empty(r);
	xy = palloc_extended(mul_size(npts, 2 * sizeof(double)), MCXT_ALLOC_HUGE);
	for (i = 0; i < npts; i++)
	{
		xy[2 * i] = wkb_double(r, big);
		xy[2 * i + 1] = wkb_double(r, big);
		for (d = 2; d < nd; d++)
			(void) wkb_double(r, big);
	}
	/* a closed ring repeats its first point; frPoly closes rings itself */
	if (npts > 1 && xy[0] == xy[2 * (npts - 1)] && xy[1] == xy[2 * (npts - 1) + 1])
		npts--;
	c = annqa_rle_poly_counts(xy, npts, h, w, m, r->fn);
	pfree(xy);
	return c;
}

static uint32 *
wkb_polygon(WkbReader *r, bool big, int nd, uint32 h, uint32 w, size_t *m)
{
	uint32		nrings = wkb_uint32(r, big);
	uint32	   *acc;
	uint32		i;

	if (nrings == 0)
		wkb_empty(r);
	if ((uint64) nrings * 4 > r->len - r->pos)
		wkb_truncated(r);
	acc = wkb_ring(r, big, nd, h, w, m);
	for (i = 1; i < nrings; i++)
	{
		size_t		mh,
					mo;
		uint32	   *hole = wkb_ring(r, big, nd, h, w, &mh);
		uint32	   *out = annqa_rle_merge_counts(acc, *m, hole, mh, RLE_OP_ANDNOT, &mo, r->fn);

		CHECK_FOR_INTERRUPTS();
		pfree(acc);
		pfree(hole);
		acc = out;
		*m = mo;
	}
	return acc;
}

PG_FUNCTION_INFO_V1(annqa_rle_from_wkb);
Datum
annqa_rle_from_wkb(PG_FUNCTION_ARGS)
{
	bytea	   *wkb = PG_GETARG_BYTEA_PP(0);
	int32		h = PG_GETARG_INT32(1),
				w = PG_GETARG_INT32(2);
	WkbReader	r;
	bool		big;
	int			nd;
	uint32		base;
	uint32	   *acc;
	size_t		m;

	r.p = (const uint8 *) VARDATA_ANY(wkb);
	r.len = VARSIZE_ANY_EXHDR(wkb);
	r.pos = 0;
	r.fn = "annqa.rle_from_geometry";
	annqa_rle_check_size(h, w, r.fn);

	base = wkb_header(&r, &big, &nd);
	if (base == WKB_POLYGON)
		acc = wkb_polygon(&r, big, nd, h, w, &m);
	else if (base == WKB_MULTIPOLYGON)
	{
		uint32		n = wkb_uint32(&r, big);
		uint32		i;

		if (n == 0)
			wkb_empty(&r);
		if ((uint64) n * 9 > r.len - r.pos)
			wkb_truncated(&r);
		acc = NULL;
		m = 0;
		for (i = 0; i < n; i++)
		{
			bool		pbig;
			int			pnd;
			uint32		pbase = wkb_header(&r, &pbig, &pnd);
			size_t		mp,
						mo;
			uint32	   *pc;

			if (pbase != WKB_POLYGON)
				wkb_unsupported(&r, pbase);
			pc = wkb_polygon(&r, pbig, pnd, h, w, &mp);
			if (acc == NULL)
			{
				acc = pc;
				m = mp;
			}
			else
			{
				uint32	   *out = annqa_rle_merge_counts(acc, m, pc, mp, RLE_OP_OR, &mo, r.fn);

				pfree(acc);
				pfree(pc);
				acc = out;
				m = mo;
			}
		}
	}
	else
	{
		wkb_unsupported(&r, base);
		PG_RETURN_NULL();		/* not reached */
	}
	if (r.pos != r.len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("%s: %zu trailing bytes after the WKB geometry", r.fn, r.len - r.pos)));
	PG_RETURN_POINTER(annqa_rle_build(acc, m, h, w, r.fn));
}
