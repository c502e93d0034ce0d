/*
 * match_rle.c - matching, IoU matrices, object units and consensus for
 * masks (annqa.rle[]).
 *
 * Each mask of the input arrays is decoded once into its foreground runs
 * (annqa_rle_mask_decode in src/rle.c); every pair is then the rle module's
 * interval merge behind pycocotools' bbox prefilter.  The matching itself is
 * the geometry-free core shared with the other overloads (src/match.c).
 * Consensus masks are built on runs: no function here allocates h*w anything.
 */
#include "match.h"
#include "rle.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/tuplestore.h"

/* The masks of an annqa.rle[] argument, decoded; 22004 on NULL elements. */
static RleMask *
read_masks(ArrayType *arr, const char *fn, const char *what, int *n)
{
	Datum	   *d;
	bool	   *nulls;
	int			cnt,
				i;
	RleMask    *mk;

	annqa_match_array_1d_count(arr, fn, what);
	deconstruct_array(arr, ARR_ELEMTYPE(arr), -1, false, TYPALIGN_INT, &d, &nulls, &cnt);
	mk = palloc(sizeof(RleMask) * Max(cnt, 1));
	for (i = 0; i < cnt; i++)
	{
		annqa_rle_mask_decode(d[i], &mk[i]);
		if ((i & 63) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	*n = cnt;
	return mk;
}

/* 22023 unless every mask of a (and of b, if given) has the same size. */
static void
check_sizes(const char *fn, const RleMask *a, int na, const char *an,
			const RleMask *b, int nb, const char *bn)
{
	const RleMask *ref = na > 0 ? &a[0] : (nb > 0 ? &b[0] : NULL);
	const char *refn = na > 0 ? an : bn;
	int			side,
				i;

	if (ref == NULL)
		return;
	for (side = 0; side < 2; side++)
	{
		const RleMask *m = side == 0 ? a : b;
		int			n = side == 0 ? na : nb;

		for (i = 0; i < n; i++)
			if (m[i].hd.h != ref->hd.h || m[i].hd.w != ref->hd.w)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s: masks have different sizes", fn),
						 errdetail("Mask %d of %s is %u x %u and mask 1 of %s is %u x %u (height x width).",
								   i + 1, side == 0 ? an : bn, m[i].hd.h, m[i].hd.w,
								   refn, ref->hd.h, ref->hd.w)));
	}
}

/*
 * sim[i * nb + j] = IoU(a_i, b_j), or with crowd (NULL: none) where crowd[j]
 * the COCO crowd similarity intersection / area(a_i).  transpose_crowd: the
 * crowd region is a_i instead and the entry is intersection / area(b_j).
 */
static void
mask_matrix(const RleMask *a, int na, const RleMask *b, int nb, double *sim,
			const bool *crowd, bool crowd_rows)
{
	int			i,
				j;

	for (i = 0; i < na; i++)
	{
		for (j = 0; j < nb; j++)
		{
			double		s;

			if (crowd_rows)
				s = annqa_rle_mask_iou(&b[j], &a[i], true);
			else
				s = annqa_rle_mask_iou(&a[i], &b[j], crowd != NULL && crowd[j]);
			sim[(size_t) i * nb + j] = s;
		}
		CHECK_FOR_INTERRUPTS();
	}
}

/* ---------------------------------------------------------------- annqa.iou_matrix */

PG_FUNCTION_INFO_V1(annqa_iou_matrix_rle);
Datum
annqa_iou_matrix_rle(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.iou_matrix";
	int			na,
				nb,
				nc;
	RleMask    *a,
			   *b;
	const bool *crowd = NULL;
	double	   *m;

	/* not STRICT (crowd defaults to NULL); NULL masks give NULL */
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	a = read_masks(PG_GETARG_ARRAYTYPE_P(0), fn, "a", &na);
	b = read_masks(PG_GETARG_ARRAYTYPE_P(1), fn, "b", &nb);
	check_sizes(fn, a, na, "a", b, nb, "b");
	if (PG_NARGS() > 2 && !PG_ARGISNULL(2))
	{
		annqa_match_array_1d_count(PG_GETARG_ARRAYTYPE_P(2), fn, "crowd");
		crowd = annqa_bool_array(PG_GETARG_ARRAYTYPE_P(2), fn, "crowd", &nc);
		annqa_match_check_lengths(fn, "b", nb, "crowd", nc);
	}
	m = annqa_match_alloc_matrix(na, nb, fn);
	mask_matrix(a, na, b, nb, m, crowd, false);
	PG_RETURN_ARRAYTYPE_P(annqa_match_make_matrix(m, na, nb));
}

/* ---------------------------------------------------------------- annqa.match */

PG_FUNCTION_INFO_V1(annqa_match_rle);
Datum
annqa_match_rle(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.match";
	static const char *const allowed[] = {
		"two_pass", "low_overlap_threshold", "gold_crowd", "threshold_by_area", NULL
	};
	int			ng,
				nt,
				g;
	RleMask    *gold = read_masks(PG_GETARG_ARRAYTYPE_P(0), fn, "gold", &ng);
	RleMask    *test = read_masks(PG_GETARG_ARRAYTYPE_P(2), fn, "test", &nt);
	AnnqaMatchOpts o;
	double	   *sim,
			   *csim = NULL,
			   *garea;

	check_sizes(fn, gold, ng, "gold", test, nt, "test");
	annqa_match_parse_options(PG_GETARG_JSONB_P(5), fn, allowed, &o);
	sim = annqa_match_alloc_matrix(ng, nt, fn);
	mask_matrix(gold, ng, test, nt, sim, NULL, false);
	if (o.crowd)
	{
		/* crowd similarity: intersection / area(test), read on crowd rows */
		csim = annqa_match_alloc_matrix(ng, nt, fn);
		mask_matrix(gold, ng, test, nt, csim, NULL, true);
	}
	garea = palloc(sizeof(double) * Max(ng, 1));
	for (g = 0; g < ng; g++)
		garea[g] = gold[g].hd.area;
	annqa_match_emit(fcinfo, fn, sim, csim, ng, nt, PG_GETARG_ARRAYTYPE_P(1),
					 PG_GETARG_ARRAYTYPE_P(3), PG_GETARG_FLOAT8(4), &o, garea);
	return (Datum) 0;
}

/* ---------------------------------------------------------------- object units */

static double *
self_matrix(const RleMask *m, int n, const char *fn)
{
	double	   *s = annqa_match_alloc_matrix(n, n, fn);
	int			i,
				j;

	for (i = 0; i < n; i++)
	{
		s[(size_t) i * n + i] = m[i].hd.area > 0 ? 1.0 : 0.0;
		for (j = i + 1; j < n; j++)
			s[(size_t) i * n + j] = s[(size_t) j * n + i] = annqa_rle_mask_iou(&m[i], &m[j], false);
		CHECK_FOR_INTERRUPTS();
	}
	return s;
}

PG_FUNCTION_INFO_V1(annqa_object_units_rle);
Datum
annqa_object_units_rle(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.object_units";
	int			n;
	RleMask    *m = read_masks(PG_GETARG_ARRAYTYPE_P(0), fn, "geoms", &n);
	char	  **labels,
			  **annot;
	AnnqaUnits	u;

	check_sizes(fn, m, n, "geoms", NULL, 0, NULL);
	annqa_match_units_common_args(fcinfo, fn, n, &labels, &annot);
	annqa_match_cluster_units(self_matrix(m, n, fn), n, fn, PG_GETARG_FLOAT8(3), annot,
							  annqa_match_raters_arg(fcinfo, 4), &u);
	annqa_match_emit_units(fcinfo, &u, labels);
	return (Datum) 0;
}

/* ---------------------------------------------------------------- consensus */

typedef struct RunEvent
{
	uint64		pos;
	int			delta;			/* +1 a run starts, -1 a run ends */
} RunEvent;

static int
cmp_event(const void *a, const void *b)
{
	const RunEvent *x = a,
			   *y = b;

	return (x->pos > y->pos) - (x->pos < y->pos);
}

/*
 * The mask of the pixels covered by at least `need` of the nm members, by a
 * sweep over the members' run boundaries (sorted), never over pixels.
 */
static struct varlena *
majority_mask(const RleMask *mk, const int *members, int nm, int need, const char *fn)
{
	size_t		ne = 0,
				k,
				nc = 0;
	RunEvent   *ev;
	uint32	   *cnts;
	uint64		hw = (uint64) mk[members[0]].hd.h * mk[members[0]].hd.w,
				prev = 0,			/* end of the last run written */
				start = 0;
	int			i,
				cover = 0;
	bool		in = false;

	for (i = 0; i < nm; i++)
		ne = add_size(ne, mul_size(mk[members[i]].n, 2));
	ev = palloc_extended(mul_size(Max(ne, 1), sizeof(RunEvent)), MCXT_ALLOC_HUGE);
	ne = 0;
	for (i = 0; i < nm; i++)
	{
		const RleMask *m = &mk[members[i]];

		for (k = 0; k < m->n; k++)
		{
			ev[ne].pos = m->s[k];
			ev[ne++].delta = 1;
			ev[ne].pos = m->e[k];
			ev[ne++].delta = -1;
		}
	}
	qsort(ev, ne, sizeof(RunEvent), cmp_event);
	/* at most one foreground run per event, two counts each, plus the tail */
	cnts = annqa_rle_alloc_counts(add_size(ne, 2), fn);
	for (k = 0; k < ne;)
	{
		uint64		pos = ev[k].pos;
		bool		now;

		while (k < ne && ev[k].pos == pos)
			cover += ev[k++].delta;
		now = cover >= need;
		if (now && !in)
			start = pos;
		else if (!now && in)
		{
			cnts[nc++] = (uint32) (start - prev);
			cnts[nc++] = (uint32) (pos - start);
			prev = pos;
		}
		in = now;
	}
	cnts[nc++] = (uint32) (hw - prev);
	pfree(ev);
	return annqa_rle_build(cnts, nc, mk[members[0]].hd.h, mk[members[0]].hd.w, fn);
}

PG_FUNCTION_INFO_V1(annqa_consensus_rle);
Datum
annqa_consensus_rle(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.consensus";
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			n,
				un,
				i,
				k;
	RleMask    *mk = read_masks(PG_GETARG_ARRAYTYPE_P(0), fn, "geoms", &n);
	char	  **labels,
			  **annot;
	double		threshold = PG_GETARG_FLOAT8(3);
	double		quorum = PG_GETARG_FLOAT8(4);
	Jsonb	   *opts = PG_GETARG_JSONB_P(5);
	bool		fuse_nearest = false;
	int		   *lid,
			   *members;
	double	   *sim;
	AnnqaUnits	u;
	Datum	   *elems;
	bool	   *enulls;
	int			nel;

	check_sizes(fn, mk, n, "geoms", NULL, 0, NULL);
	annqa_match_units_common_args(fcinfo, fn, n, &labels, &annot);
	annqa_match_check_quorum(quorum, fn);
	/* options: {"fuse": "majority" | "nearest"} */
	if (!JB_ROOT_IS_OBJECT(opts))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: options must be a JSON object", fn)));
	if (JB_ROOT_COUNT(opts) > 0)
	{
		JsonbIterator *it = JsonbIteratorInit(&opts->root);
		JsonbValue	v;
		JsonbIteratorToken r;
		JsonbValue *fv;

		while ((r = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
			if (r == WJB_KEY && !(v.val.string.len == 4 && memcmp(v.val.string.val, "fuse", 4) == 0))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s: unknown option \"%s\"", fn,
								pnstrdup(v.val.string.val, v.val.string.len))));
		fv = getKeyJsonValueFromContainer(&opts->root, "fuse", 4, NULL);
		if (fv && fv->type == jbvString && fv->val.string.len == 7 &&
			memcmp(fv->val.string.val, "nearest", 7) == 0)
			fuse_nearest = true;
		else if (fv && fv->type != jbvNull &&
				 !(fv->type == jbvString && fv->val.string.len == 8 &&
				   memcmp(fv->val.string.val, "majority", 8) == 0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: options.fuse must be \"majority\" or \"nearest\" for masks", fn)));
	}
	sim = self_matrix(mk, n, fn);
	annqa_match_cluster_units(sim, n, fn, threshold, annot, annqa_match_raters_arg(fcinfo, 6), &u);
	lid = palloc(sizeof(int) * Max(n, 1));
	annqa_match_string_ids(labels, n, lid);
	members = palloc(sizeof(int) * Max(n, 1));
	/* the input datums, to return a member unchanged with fuse = nearest */
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(0), ARR_ELEMTYPE(PG_GETARG_ARRAYTYPE_P(0)), -1, false,
					  TYPALIGN_INT, &elems, &enulls, &nel);

	annqa_match_init_srf(fcinfo);
	for (un = 0; un < u.nunits; un++)
	{
		int			nm = 0,
					best = -1,
					bestcount = 0;
		double		pairsum = 0;
		int			npairs = 0;
		struct varlena *maj;
		RleMask		mm,
				   *om;			/* the merged mask, decoded */
		Datum		v[8];
		bool		nl[8] = {false, false, false, false, false, false, false, false};
		Datum	   *md;

		nm = annqa_match_unit_vote(&u, un, lid, members, &best, &bestcount);
		if (bestcount < annqa_match_votes_needed(quorum, u.nraters))
			continue;
		for (i = 0; i < nm; i++)
			for (k = i + 1; k < nm; k++)
			{
				pairsum += sim[(size_t) members[i] * n + members[k]];
				npairs++;
			}
		/* pixels covered by at least half of the members */
		maj = majority_mask(mk, members, nm, (nm + 1) / 2, fn);
		annqa_rle_mask_decode(PointerGetDatum(maj), &mm);
		om = &mm;
		if (fuse_nearest)
		{
			/* the member with the highest IoU with the majority mask */
			double		bestiou = -1;
			int			pick = members[0];

			for (i = 0; i < nm; i++)
			{
				double		s = annqa_rle_mask_iou(&mk[members[i]], &mm, false);

				if (s > bestiou)
				{
					bestiou = s;
					pick = members[i];
				}
			}
			v[2] = elems[pick];
			om = &mk[pick];		/* already decoded */
		}
		else
			v[2] = PointerGetDatum(maj);
		md = palloc(sizeof(Datum) * nm);
		for (i = 0; i < nm; i++)
			md[i] = Int32GetDatum(members[i] + 1);
		v[0] = Int32GetDatum(un + 1);
		v[1] = CStringGetTextDatum(labels[best]);
		v[3] = Int32GetDatum(bestcount);
		v[4] = Float8GetDatum((double) bestcount / u.nraters);
		v[5] = Float8GetDatum(npairs ? pairsum / npairs : 1.0);
		nl[5] = npairs == 0;
		v[6] = PointerGetDatum(construct_array(md, nm, INT4OID, 4, true, TYPALIGN_INT));
		{
			/*
			 * CVAT's score (intersect_merge.py): the label's share of the
			 * raters times the mean IoU of the merged mask with the members
			 */
			double		shape = 0;

			for (i = 0; i < nm; i++)
				shape += Max(0.0, annqa_rle_mask_iou(om, &mk[members[i]], false));
			v[7] = Float8GetDatum((double) bestcount / u.nraters * (shape / nm));
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, nl);
	}
	return (Datum) 0;
}
