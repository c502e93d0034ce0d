/*
 * match.c - assignment, similarity matrices, one-to-one matching against
 * gold, the quality aggregate, object units and consensus.
 *
 * The numeric work is in src/core/assign.c (exact assignment) and
 * src/core/match_core.c (CVAT's matching rules over a similarity matrix);
 * this file validates SQL inputs, builds similarity matrices and emits rows.
 */
#include "match.h"
#include "box.h"
#include "match_core.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

/* Documented size limits (54000 beyond them). */
#define ANNQA_ASSIGN_MAX_CELLS	50000000	/* cost matrix cells (400 MB of float8) */
#define ANNQA_ASSIGN_MAX_SIDE	10000	/* the smaller side: O(n^2 m) time */
#define ANNQA_MATCH_MAX_OBJECTS 100000	/* objects per side in match/units */

int
annqa_match_interrupt(void *arg)
{
	CHECK_FOR_INTERRUPTS();
	return 0;
}

static void
size_limit(const char *fn, const char *what, double value, double limit)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("%s: %s is too large", fn, what),
			 errdetail("It is %.0f; the limit is %.0f.", value, limit)));
}

static void *
alloc_workspace(size_t sz, const char *fn)
{
	if (sz == 0 || sz >= MaxAllocHugeSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s: problem is too large", fn)));
	return palloc_extended(sz, MCXT_ALLOC_HUGE);
}

/* Materialized SRF set-up; reuses the executor's expected tuple descriptor. */
void
annqa_match_init_srf(FunctionCallInfo fcinfo)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, rsinfo && IsA(rsinfo, ReturnSetInfo) && rsinfo->expectedDesc
						? MAT_SRF_USE_EXPECTED_DESC : 0);
}

/* ---------------------------------------------------------------- arrays */

/* Raise 22004 if arr holds a NULL; 22023 unless it is empty or one-dimensional. */
int
annqa_match_array_1d_count(ArrayType *arr, const char *fn, const char *what)
{
	int			n;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %s must be a one-dimensional array", fn, what),
				 errdetail("The array has %d dimensions.", ARR_NDIM(arr))));
	n = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	if (array_contains_nulls(arr))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: %s must not contain NULL", fn, what)));
	if (n > ANNQA_MATCH_MAX_OBJECTS)
		size_limit(fn, what, n, ANNQA_MATCH_MAX_OBJECTS);
	return n;
}

/* box[] as validated kernel boxes (palloc'd). */
static AnnqaBox *
read_boxes(ArrayType *arr, const char *fn, const char *what, int *n)
{
	int			i,
				cnt = annqa_match_array_1d_count(arr, fn, what);
	const BOX  *b = (const BOX *) ARR_DATA_PTR(arr);
	AnnqaBox   *r = palloc(sizeof(AnnqaBox) * Max(cnt, 1));

	if (ARR_ELEMTYPE(arr) != BOXOID)
		elog(ERROR, "%s: expected box[] for %s", fn, what);
	for (i = 0; i < cnt; i++)
	{
		annqa_box_check(&b[i], fn);
		r[i] = annqa_box_from_pg(&b[i]);
	}
	*n = cnt;
	return r;
}

/* annqa.rbox[] (fixed length 40, double aligned: a plain C array). */
static const RBox *
read_rboxes(ArrayType *arr, const char *fn, const char *what, int *n)
{
	int			i,
				cnt = annqa_match_array_1d_count(arr, fn, what);
	const RBox *r = (const RBox *) ARR_DATA_PTR(arr);

	for (i = 0; i < cnt; i++)
		annqa_rbox_validate(&r[i], ERRCODE_INVALID_PARAMETER_VALUE, fn);
	*n = cnt;
	return r;
}

/* text[] as C strings. */
char **
annqa_match_read_texts(ArrayType *arr, const char *fn, const char *what, int *n)
{
	Datum	   *d;
	bool	   *nulls;
	int			cnt,
				i;
	char	  **s;

	annqa_match_array_1d_count(arr, fn, what);
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &d, &nulls, &cnt);
	s = palloc(sizeof(char *) * Max(cnt, 1));
	for (i = 0; i < cnt; i++)
		s[i] = TextDatumGetCString(d[i]);
	*n = cnt;
	return s;
}

static int
cmp_str_idx(const void *a, const void *b, void *arg)
{
	char	  **s = (char **) arg;
	int			ia = *(const int *) a,
				ib = *(const int *) b;
	int			c = strcmp(s[ia], s[ib]);

	return c != 0 ? c : (ia > ib) - (ia < ib);
}

/*
 * Integer ids for n strings: equal strings get equal ids, and ids follow the
 * strings' byte order (so id order is a deterministic tie-break).  Returns
 * the number of distinct strings.
 */
int
annqa_match_string_ids(char **s, int n, int *ids)
{
	int		   *ord = palloc(sizeof(int) * Max(n, 1));
	int			i,
				k = -1;

	for (i = 0; i < n; i++)
		ord[i] = i;
	qsort_arg(ord, n, sizeof(int), cmp_str_idx, s);
	for (i = 0; i < n; i++)
	{
		if (i == 0 || strcmp(s[ord[i]], s[ord[i - 1]]) != 0)
			k++;
		ids[ord[i]] = k;
	}
	pfree(ord);
	return k + 1;
}

/* A text[] element without copying: bytes, length and the original datum. */
typedef struct LabelRef
{
	const char *p;
	int			len;
	uint32		h;				/* hash of the bytes */
	Datum		d;
} LabelRef;

/*
 * The elements of a text[] in place (no copies, no Datum/null arrays: this
 * runs once per item and side); NULLs were rejected by array_1d_count.
 */
static LabelRef *
read_labels(ArrayType *arr, const char *fn, const char *what, int *n)
{
	int			cnt = annqa_match_array_1d_count(arr, fn, what),
				i;
	const char *p = ARR_DATA_PTR(arr);
	LabelRef   *r;

	if (ARR_ELEMTYPE(arr) != TEXTOID)
		elog(ERROR, "%s: expected text[] for %s", fn, what);
	r = palloc(sizeof(LabelRef) * Max(cnt, 1));
	for (i = 0; i < cnt; i++)
	{
		uint32		h = 2166136261u;
		int			k;

		/* elements of a non-toasted array are never compressed or external */
		r[i].d = PointerGetDatum(p);
		r[i].p = VARDATA_ANY(p);
		r[i].len = VARSIZE_ANY_EXHDR(p);
		/* FNV-1a: equal labels have equal hashes, so most compares stop here */
		for (k = 0; k < r[i].len; k++)
			h = (h ^ (unsigned char) r[i].p[k]) * 16777619u;
		r[i].h = h;
		p = att_addlength_pointer(p, -1, p);
		p = (const char *) att_align_nominal(p, TYPALIGN_INT);
	}
	*n = cnt;
	return r;
}

static inline bool
label_eq(const LabelRef *a, const LabelRef *b)
{
	return a->h == b->h && a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

/*
 * Equality ids for labels (ids in order of first appearance): quadratic,
 * which is fastest for the few labels of one item; a sort beyond 64.
 */
static void
label_ids(const LabelRef *l, int n, int *ids)
{
	int			i,
				j,
				k = 0;

	if (n > 64)
	{
		char	  **s = palloc(sizeof(char *) * n);

		for (i = 0; i < n; i++)
			s[i] = pnstrdup(l[i].p, l[i].len);
		annqa_match_string_ids(s, n, ids);
		return;
	}
	for (i = 0; i < n; i++)
	{
		for (j = 0; j < i; j++)
			if (label_eq(&l[i], &l[j]))
				break;
		ids[i] = j < i ? ids[j] : k++;
	}
}

void
annqa_match_check_lengths(const char *fn, const char *a, int na, const char *b, int nb)
{
	if (na != nb)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %s and %s must have the same length", fn, a, b),
				 errdetail("%s has %d elements and %s has %d.", a, na, b, nb)));
}

void
annqa_match_check_threshold(double t, const char *fn, const char *what)
{
	annqa_check_finite(t, fn, what);
	if (t < 0 || t > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %s must be between 0 and 1", fn, what),
				 errdetail("It is %g.", t)));
}

/* ---------------------------------------------------------------- annqa.assign */

PG_FUNCTION_INFO_V1(annqa_assign_sql);
Datum
annqa_assign_sql(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.assign";
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	int			nr,
				nc,
				i;
	size_t		cells;
	const double *c;
	int		   *col;
	Datum	   *d;
	bool	   *nulls;
	int			dims[1],
				lbs[1] = {1};
	int			rc;

	if (ARR_NDIM(arr) == 0)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(INT4OID));
	if (ARR_NDIM(arr) != 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: cost must be a two-dimensional array", fn),
				 errdetail("The array has %d dimension%s.", ARR_NDIM(arr),
						   ARR_NDIM(arr) == 1 ? "" : "s"),
				 errhint("Write a matrix as '{{1,2},{3,4}}', one inner array per row.")));
	nr = ARR_DIMS(arr)[0];
	nc = ARR_DIMS(arr)[1];
	cells = (size_t) nr * (size_t) nc;
	if (cells > ANNQA_ASSIGN_MAX_CELLS)
		size_limit(fn, "the cost matrix", (double) cells, ANNQA_ASSIGN_MAX_CELLS);
	if (Min(nr, nc) > ANNQA_ASSIGN_MAX_SIDE)
		size_limit(fn, "the smaller side of the cost matrix", Min(nr, nc), ANNQA_ASSIGN_MAX_SIDE);
	if (array_contains_nulls(arr))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: cost must not contain NULL", fn),
				 errhint("Use 'Infinity' for a forbidden pair.")));
	c = (const double *) ARR_DATA_PTR(arr);
	for (i = 0; i < (int) cells; i++)
		if (isnan(c[i]) || (isinf(c[i]) && c[i] < 0))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("%s: cost must not contain %s", fn, isnan(c[i]) ? "NaN" : "-Infinity"),
					 errdetail("Row %d, column %d.", i / nc + 1, i % nc + 1)));

	col = palloc(sizeof(int) * nr);
	rc = annqa_assign(c, nr, nc, col,
					  alloc_workspace(annqa_assign_workspace_size(nr, nc), fn),
					  annqa_match_interrupt, NULL);
	if (rc == ANNQA_ASSIGN_RANGE)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s: finite costs span too wide a range to combine with Infinity", fn)));
	d = palloc(sizeof(Datum) * nr);
	nulls = palloc(sizeof(bool) * nr);
	for (i = 0; i < nr; i++)
	{
		nulls[i] = col[i] < 0;
		d[i] = Int32GetDatum(col[i] + 1);
	}
	dims[0] = nr;
	PG_RETURN_ARRAYTYPE_P(construct_md_array(d, nulls, 1, dims, lbs, INT4OID, 4, true, TYPALIGN_INT));
}

/* ---------------------------------------------------------------- options */

static double
jb_number(JsonbValue *v, const char *fn, const char *key)
{
	double		x;

	if (v->type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: options.%s must hold numbers", fn, key)));
	/* beyond double range gives +-Infinity here, so the error names the function */
	x = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, NumericGetDatum(v->val.numeric)));
	annqa_check_finite(x, fn, key);
	return x;
}

/* The elements of a jsonb array container (skipNested: containers as jbvBinary). */
static JsonbValue *
jb_array_elems(JsonbValue *v, const char *fn, const char *key, int *n)
{
	JsonbIterator *it;
	JsonbValue	e;
	JsonbIteratorToken r;
	JsonbValue *out;
	int			cnt = 0,
				cap;

	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: options.%s must be an array", fn, key)));
	cap = Max(JsonContainerSize(v->val.binary.data), 1);
	out = palloc(sizeof(JsonbValue) * cap);
	it = JsonbIteratorInit(v->val.binary.data);
	while ((r = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
		if (r == WJB_ELEM && cnt < cap)
			out[cnt++] = e;
	*n = cnt;
	return out;
}

static double *
jb_numbers(JsonbValue *v, const char *fn, const char *key, int *n, bool scalar_ok)
{
	JsonbValue *e;
	double	   *x;
	int			i;

	if (scalar_ok && v->type == jbvNumeric)
	{
		x = palloc(sizeof(double));
		x[0] = jb_number(v, fn, key);
		*n = 1;
		return x;
	}
	e = jb_array_elems(v, fn, key, n);
	x = palloc(sizeof(double) * Max(*n, 1));
	for (i = 0; i < *n; i++)
		x[i] = jb_number(&e[i], fn, key);
	return x;
}

void
annqa_match_parse_options(Jsonb *jb, const char *fn, const char *const *allowed,
						  AnnqaMatchOpts *o)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken r;
	char	   *key = NULL;

	memset(o, 0, sizeof(*o));
	o->two_pass = true;
	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: options must be a JSON object", fn)));
	if (JB_ROOT_COUNT(jb) == 0)
		return;
	it = JsonbIteratorInit(&jb->root);
	while ((r = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		const char *const *a;

		if (r == WJB_KEY)
		{
			key = pnstrdup(v.val.string.val, v.val.string.len);
			for (a = allowed; *a; a++)
				if (strcmp(*a, key) == 0)
					break;
			if (*a == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s: unknown option \"%s\"", fn, key)));
			continue;
		}
		if (r != WJB_VALUE)
			continue;
		if (v.type == jbvNull)
			continue;			/* an explicit null means the default */
		if (strcmp(key, "two_pass") == 0)
		{
			if (v.type != jbvBool)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s: options.two_pass must be true or false", fn)));
			o->two_pass = v.val.boolean;
		}
		else if (strcmp(key, "low_overlap_threshold") == 0)
		{
			o->has_low = true;
			o->low_overlap = jb_number(&v, fn, key);
		}
		else if (strcmp(key, "gold_crowd") == 0)
		{
			JsonbValue *e = jb_array_elems(&v, fn, key, &o->ncrowd);
			int			i;

			o->crowd = palloc(sizeof(bool) * Max(o->ncrowd, 1));
			for (i = 0; i < o->ncrowd; i++)
			{
				if (e[i].type != jbvBool)
					ereport(ERROR,
							(errcode(e[i].type == jbvNull ? ERRCODE_NULL_VALUE_NOT_ALLOWED
									 : ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("%s: options.gold_crowd must hold true or false", fn),
							 errdetail("Element %d is not a boolean.", i + 1)));
				o->crowd[i] = e[i].val.boolean;
			}
		}
		else if (strcmp(key, "threshold_by_area") == 0)
		{
			JsonbValue *e = jb_array_elems(&v, fn, key, &o->ntba);
			int			i,
						k;

			if (o->ntba == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s: options.threshold_by_area must not be empty", fn)));
			o->tba = palloc(sizeof(double) * 2 * o->ntba);
			for (i = 0; i < o->ntba; i++)
			{
				double	   *pt = jb_numbers(&e[i], fn, key, &k, false);

				if (k != 2)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("%s: options.threshold_by_area must hold [area, threshold] pairs", fn),
							 errdetail("Element %d has %d numbers.", i + 1, k)));
				annqa_match_check_threshold(pt[1], fn, "a threshold_by_area threshold");
				if (pt[0] < 0 || (i > 0 && !(pt[0] > o->tba[2 * i - 2])))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("%s: options.threshold_by_area areas must be non-negative and strictly increasing", fn),
							 errdetail("Element %d has area %g.", i + 1, pt[0])));
				o->tba[2 * i] = pt[0];
				o->tba[2 * i + 1] = pt[1];
			}
		}
		else if (strcmp(key, "sigmas") == 0)
		{
			int			i;

			o->sigmas = jb_numbers(&v, fn, key, &o->nsigmas, true);
			for (i = 0; i < o->nsigmas; i++)
				if (!(o->sigmas[i] > 0))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("%s: options.sigmas must be positive", fn)));
		}
		else if (strcmp(key, "image_size") == 0)
		{
			int			n;
			double	   *wh = jb_numbers(&v, fn, key, &n, false);

			if (n != 2 || !(wh[0] > 0) || !(wh[1] > 0) || !isfinite(wh[0] * wh[1]))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s: options.image_size must be [width, height], both positive", fn)));
			o->image_area = wh[0] * wh[1];
		}
		else if (strcmp(key, "area") == 0)
		{
			int			i;

			o->area = jb_numbers(&v, fn, key, &o->narea, false);
			for (i = 0; i < o->narea; i++)
				if (o->area[i] < 0)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("%s: options.area must be non-negative", fn)));
		}
	}
}

/* Piecewise-linear threshold over the gold area, constant beyond the ends. */
static double
threshold_for_area(const AnnqaMatchOpts *o, double area)
{
	int			i;

	if (area <= o->tba[0])
		return o->tba[1];
	for (i = 1; i < o->ntba; i++)
		if (area <= o->tba[2 * i])
		{
			double		a0 = o->tba[2 * i - 2],
						t0 = o->tba[2 * i - 1],
						a1 = o->tba[2 * i],
						t1 = o->tba[2 * i + 1];

			return t0 + (t1 - t0) * (area - a0) / (a1 - a0);
		}
	return o->tba[2 * o->ntba - 1];
}

/* ---------------------------------------------------------------- match rows */

static const char *const status_names[] = {
	"matched", "mismatching_label", "missing", "extra", "crowd", "ignored"
};

/* The status names as text datums, built once per backend. */
static Datum
status_datum(int st)
{
	static Datum cache[6];
	static bool done = false;

	if (!done)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
		int			k;

		for (k = 0; k < 6; k++)
			cache[k] = CStringGetTextDatum(status_names[k]);
		MemoryContextSwitchTo(old);
		done = true;
	}
	return cache[st];
}

void
annqa_match_emit(FunctionCallInfo fcinfo, const char *fn, const double *sim,
				 const double *crowd_sim, int ng, int nt, ArrayType *glab_arr,
				 ArrayType *tlab_arr, double threshold, const AnnqaMatchOpts *o,
				 const double *garea)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			ngl,
				ntl,
				g,
				t;
	LabelRef   *gl = read_labels(glab_arr, fn, "gold_labels", &ngl);
	LabelRef   *tl = read_labels(tlab_arr, fn, "test_labels", &ntl);
	LabelRef   *all;
	int		   *ids;
	double	   *thr;
	AnnqaMatchInput in;
	AnnqaMatchOutput out;
	int			rc;

	annqa_match_check_lengths(fn, "gold", ng, "gold_labels", ngl);
	annqa_match_check_lengths(fn, "test", nt, "test_labels", ntl);
	annqa_match_check_threshold(threshold, fn, "threshold");
	if (o->crowd)
		annqa_match_check_lengths(fn, "gold", ng, "options.gold_crowd", o->ncrowd);
	if (o->crowd && !crowd_sim)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s: options.gold_crowd is not supported for this kind of object", fn)));

	/* labels to ids over both sides */
	all = palloc(sizeof(LabelRef) * Max(ng + nt, 1));
	ids = palloc(sizeof(int) * Max(ng + nt, 1));
	memcpy(all, gl, sizeof(LabelRef) * ng);
	memcpy(all + ng, tl, sizeof(LabelRef) * nt);
	label_ids(all, ng + nt, ids);

	thr = palloc(sizeof(double) * Max(ng, 1));
	for (g = 0; g < ng; g++)
	{
		if (o->tba)
		{
			if (!garea)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("%s: options.threshold_by_area needs objects with an area", fn)));
			thr[g] = threshold_for_area(o, garea[g]);
		}
		else
			thr[g] = threshold;
	}

	in.ng = ng;
	in.nt = nt;
	in.sim = sim;
	in.glabel = ids;
	in.tlabel = ids + ng;
	in.thr = thr;
	in.gcrowd = o->crowd;
	in.crowd_sim = crowd_sim;
	in.two_pass = o->two_pass;
	out.gold_test = palloc(sizeof(int) * Max(ng, 1));
	out.gold_status = palloc(sizeof(int) * Max(ng, 1));
	out.test_gold = palloc(sizeof(int) * Max(nt, 1));
	out.test_status = palloc(sizeof(int) * Max(nt, 1));
	rc = annqa_match_run(&in, &out, alloc_workspace(annqa_match_workspace_size(ng, nt), fn),
						 annqa_match_interrupt, NULL);
	if (rc != ANNQA_ASSIGN_OK)
		elog(ERROR, "%s: assignment failed (%d)", fn, rc);

	annqa_match_init_srf(fcinfo);
	for (g = 0; g < ng; g++)
	{
		Datum		v[7];
		bool		n[7] = {false, false, false, false, false, false, false};
		int			st = out.gold_status[g];

		v[0] = Int32GetDatum(g + 1);
		v[3] = status_datum(st);
		v[4] = gl[g].d;
		if (st == ANNQA_ST_MATCHED || st == ANNQA_ST_MISMATCH)
		{
			double		s;

			t = out.gold_test[g];
			s = sim[(size_t) g * nt + t];
			v[1] = Int32GetDatum(t + 1);
			v[2] = Float8GetDatum(s);
			v[5] = tl[t].d;
			v[6] = BoolGetDatum(o->has_low && s < o->low_overlap);
		}
		else
			n[1] = n[2] = n[5] = n[6] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
	}
	for (t = 0; t < nt; t++)
	{
		Datum		v[7];
		bool		n[7] = {false, false, false, false, false, false, true};
		int			st = out.test_status[t];

		if (st != ANNQA_ST_EXTRA && st != ANNQA_ST_IGNORED)
			continue;
		v[1] = Int32GetDatum(t + 1);
		v[3] = status_datum(st);
		v[5] = tl[t].d;
		if (st == ANNQA_ST_IGNORED)
		{
			g = out.test_gold[t];
			v[0] = Int32GetDatum(g + 1);
			v[2] = Float8GetDatum(crowd_sim[(size_t) g * nt + t]);
			v[4] = gl[g].d;
		}
		else
			n[0] = n[2] = n[4] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
	}
}

/* ---------------------------------------------------------------- similarity matrices */

static double
rbox_area(const RBox *r)
{
	return r->w * r->h;
}

/* sim[i * nb + j] = IoU(a_i, b_j); crowd: intersection / area(b_j) with a_i the crowd region */
static void
box_matrix(const AnnqaBox *a, int na, const AnnqaBox *b, int nb, double *sim, bool crowd,
		   const char *fn)
{
	int			i,
				j;

	for (i = 0; i < na; i++)
	{
		for (j = 0; j < nb; j++)
		{
			/* the kernel's crowd form divides by area of its first argument */
			double		s = crowd ? annqa_geom_box_iou(&b[j], &a[i], true)
				: annqa_geom_box_iou(&a[i], &b[j], false);

			if (isnan(s))
				annqa_check_result(s, fn);
			sim[(size_t) i * nb + j] = s;
		}
		CHECK_FOR_INTERRUPTS();
	}
}

static double
rbox_inter(const RBox *a, const RBox *b)
{
	double		pa[8],
				pb[8];

	annqa_geom_rbox_corners(a, pa);
	annqa_geom_rbox_corners(b, pb);
	return annqa_geom_convex_intersection_area(pa, 4, pb, 4);
}

static void
rbox_matrix(const RBox *a, int na, const RBox *b, int nb, double *sim, bool crowd,
			const char *fn)
{
	int			i,
				j;

	for (i = 0; i < na; i++)
	{
		for (j = 0; j < nb; j++)
		{
			double		s;

			if (crowd)
			{
				double		ab = rbox_area(&b[j]);

				s = ab > 0 ? rbox_inter(&a[i], &b[j]) / ab : 0;
			}
			else
				s = annqa_geom_rbox_iou(&a[i], &b[j]);
			sim[(size_t) i * nb + j] = annqa_check_result(s, fn);
		}
		CHECK_FOR_INTERRUPTS();
	}
}

double *
annqa_match_alloc_matrix(int na, int nb, const char *fn)
{
	size_t		cells = (size_t) na * (size_t) nb;

	if (cells > ANNQA_ASSIGN_MAX_CELLS)
		size_limit(fn, "the similarity matrix", (double) cells, ANNQA_ASSIGN_MAX_CELLS);
	return palloc_extended(sizeof(double) * Max(cells, 1), MCXT_ALLOC_HUGE);
}

ArrayType *
annqa_match_make_matrix(const double *m, int na, int nb)
{
	size_t		cells = (size_t) na * (size_t) nb;
	Size		nbytes;
	ArrayType  *r;

	if (cells == 0)
		return construct_empty_array(FLOAT8OID);
	/* built directly: no Datum per cell (a 1000 x 1000 matrix is 1M cells) */
	nbytes = add_size(ARR_OVERHEAD_NONULLS(2), mul_size(cells, sizeof(float8)));
	if (!AllocSizeIsValid(nbytes))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("annqa: result matrix is too large")));
	r = palloc_extended(nbytes, MCXT_ALLOC_HUGE);
	memset(r, 0, ARR_OVERHEAD_NONULLS(2));
	SET_VARSIZE(r, nbytes);
	r->ndim = 2;
	r->dataoffset = 0;
	r->elemtype = FLOAT8OID;
	ARR_DIMS(r)[0] = na;
	ARR_DIMS(r)[1] = nb;
	ARR_LBOUND(r)[0] = 1;
	ARR_LBOUND(r)[1] = 1;
	memcpy(ARR_DATA_PTR(r), m, cells * sizeof(float8));
	return r;
}

PG_FUNCTION_INFO_V1(annqa_iou_matrix_box);
Datum
annqa_iou_matrix_box(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.iou_matrix";
	int			na,
				nb;
	AnnqaBox   *a = read_boxes(PG_GETARG_ARRAYTYPE_P(0), fn, "a", &na);
	AnnqaBox   *b = read_boxes(PG_GETARG_ARRAYTYPE_P(1), fn, "b", &nb);
	double	   *m = annqa_match_alloc_matrix(na, nb, fn);

	box_matrix(a, na, b, nb, m, false, fn);
	PG_RETURN_ARRAYTYPE_P(annqa_match_make_matrix(m, na, nb));
}

PG_FUNCTION_INFO_V1(annqa_iou_matrix_rbox);
Datum
annqa_iou_matrix_rbox(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.iou_matrix";
	int			na,
				nb;
	const RBox *a = read_rboxes(PG_GETARG_ARRAYTYPE_P(0), fn, "a", &na);
	const RBox *b = read_rboxes(PG_GETARG_ARRAYTYPE_P(1), fn, "b", &nb);
	double	   *m = annqa_match_alloc_matrix(na, nb, fn);

	rbox_matrix(a, na, b, nb, m, false, fn);
	PG_RETURN_ARRAYTYPE_P(annqa_match_make_matrix(m, na, nb));
}

/* ---------------------------------------------------------------- annqa.match overloads */

static const char *const geom_options[] = {
	"two_pass", "low_overlap_threshold", "gold_crowd", "threshold_by_area", NULL
};
static const char *const kp_options[] = {
	"two_pass", "low_overlap_threshold", "threshold_by_area", "sigmas", "area", "image_size", NULL
};
static const char *const tag_options[] = {"two_pass", NULL};

PG_FUNCTION_INFO_V1(annqa_match_box);
Datum
annqa_match_box(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.match";
	int			ng,
				nt,
				g;
	AnnqaBox   *gold = read_boxes(PG_GETARG_ARRAYTYPE_P(0), fn, "gold", &ng);
	AnnqaBox   *test = read_boxes(PG_GETARG_ARRAYTYPE_P(2), fn, "test", &nt);
	AnnqaMatchOpts o;
	double	   *sim,
			   *csim = NULL,
			   *area;

	annqa_match_parse_options(PG_GETARG_JSONB_P(5), fn, geom_options, &o);
	sim = annqa_match_alloc_matrix(ng, nt, fn);
	box_matrix(gold, ng, test, nt, sim, false, fn);
	if (o.crowd)
	{
		csim = annqa_match_alloc_matrix(ng, nt, fn);
		box_matrix(gold, ng, test, nt, csim, true, fn);
	}
	area = o.tba ? palloc(sizeof(double) * Max(ng, 1)) : NULL;
	for (g = 0; area && g < ng; g++)
		area[g] = (gold[g].hx - gold[g].lx) * (gold[g].hy - gold[g].ly);
	annqa_match_emit(fcinfo, fn, sim, csim, ng, nt, PG_GETARG_ARRAYTYPE_P(1),
					 PG_GETARG_ARRAYTYPE_P(3), PG_GETARG_FLOAT8(4), &o, area);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(annqa_match_rbox);
Datum
annqa_match_rbox(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.match";
	int			ng,
				nt,
				g;
	const RBox *gold = read_rboxes(PG_GETARG_ARRAYTYPE_P(0), fn, "gold", &ng);
	const RBox *test = read_rboxes(PG_GETARG_ARRAYTYPE_P(2), fn, "test", &nt);
	AnnqaMatchOpts o;
	double	   *sim,
			   *csim = NULL,
			   *area;

	annqa_match_parse_options(PG_GETARG_JSONB_P(5), fn, geom_options, &o);
	sim = annqa_match_alloc_matrix(ng, nt, fn);
	rbox_matrix(gold, ng, test, nt, sim, false, fn);
	if (o.crowd)
	{
		csim = annqa_match_alloc_matrix(ng, nt, fn);
		rbox_matrix(gold, ng, test, nt, csim, true, fn);
	}
	area = palloc(sizeof(double) * Max(ng, 1));
	for (g = 0; g < ng; g++)
		area[g] = rbox_area(&gold[g]);
	annqa_match_emit(fcinfo, fn, sim, csim, ng, nt, PG_GETARG_ARRAYTYPE_P(1),
					 PG_GETARG_ARRAYTYPE_P(3), PG_GETARG_FLOAT8(4), &o, area);
	return (Datum) 0;
}

/* A keypoint matrix: one row of [x, y, v]... per object; empty array = no object. */
static const double *
read_keypoints(ArrayType *arr, const char *fn, const char *what, int *nobj, int *nkp)
{
	int			n;
	const double *v;

	if (ARR_NDIM(arr) == 0)
	{
		*nobj = 0;
		*nkp = -1;
		return NULL;
	}
	if (ARR_NDIM(arr) != 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %s must be a two-dimensional array, one row of [x, y, v] triples per object", fn, what),
				 errdetail("The array has %d dimension%s.", ARR_NDIM(arr), ARR_NDIM(arr) == 1 ? "" : "s")));
	v = annqa_float8_array(arr, fn, what, 2, &n);
	*nobj = ARR_DIMS(arr)[0];
	if (ARR_DIMS(arr)[1] % 3 != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %s rows must hold [x, y, v] triples", fn, what),
				 errdetail("A row has %d values.", ARR_DIMS(arr)[1])));
	*nkp = ARR_DIMS(arr)[1] / 3;
	if (*nobj > ANNQA_MATCH_MAX_OBJECTS)
		size_limit(fn, what, *nobj, ANNQA_MATCH_MAX_OBJECTS);
	for (n = 0; n < *nobj * *nkp; n++)
		if (v[3 * n + 2] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: visibility flags must be non-negative", fn)));
	return v;
}

/* datumaro's Points.get_bbox: the box of the keypoints that are not absent (v != 0), or 0s */
static void
kp_bbox(const double *p, int nkp, double *b)
{
	bool		any = false;
	int			k;

	b[0] = b[1] = b[2] = b[3] = 0;
	for (k = 0; k < nkp; k++, p += 3)
	{
		if (p[2] == 0)
			continue;
		if (!any)
		{
			b[0] = b[2] = p[0];
			b[1] = b[3] = p[1];
			any = true;
			continue;
		}
		b[0] = Min(b[0], p[0]);
		b[2] = Max(b[2], p[0]);
		b[1] = Min(b[1], p[1]);
		b[3] = Max(b[3], p[1]);
	}
}

/*
 * CVAT's keypoint similarity (quality_control/annotation_matching.py,
 * KeypointsMatcher.distance and oks()), without its early exit when the two
 * boxes do not intersect (CVAT bug #9957):
 *   visible = v == 2 (datumaro's Visibility.visible); box = the keypoints with
 *   v != 0; scale = the area of the mean of the two boxes (their corners
 *   averaged), or the image area when both boxes have area 0 (CVAT's rule for
 *   point groups without a box) and options.image_size is given;
 *   OKS = sum over keypoints visible in both of exp(-d^2 / (2 scale (2 sigma)^2))
 *         / the number of keypoints visible in either.
 * No keypoint visible in either, or no scale: 0 (CVAT: NaN, never matched).
 */
static double
cvat_kp_similarity(const double *g, const double *t, int nkp, const double *sig, int nsig,
				   double image_area)
{
	double		bg[4],
				bt[4],
				scale,
				num = 0;
	int			den = 0,
				k;

	kp_bbox(g, nkp, bg);
	kp_bbox(t, nkp, bt);
	if ((bg[2] - bg[0]) * (bg[3] - bg[1]) == 0 && (bt[2] - bt[0]) * (bt[3] - bt[1]) == 0)
		scale = image_area;
	else
		scale = ((bg[2] + bt[2]) / 2 - (bg[0] + bt[0]) / 2) *
			((bg[3] + bt[3]) / 2 - (bg[1] + bt[1]) / 2);
	if (!(scale > 0) || !isfinite(scale))
		return 0;
	for (k = 0; k < nkp; k++)
	{
		const double *pg = g + 3 * (size_t) k,
				   *pt = t + 3 * (size_t) k;
		bool		vg = pg[2] == 2,
					vt = pt[2] == 2;

		if (vg || vt)
			den++;
		if (vg && vt)
		{
			double		sigma = sig[nsig == 1 ? 0 : k],
						dx = pg[0] - pt[0],
						dy = pg[1] - pt[1];

			num += exp(-(dx * dx + dy * dy) / (2 * scale * (2 * sigma) * (2 * sigma)));
		}
	}
	return den > 0 ? num / den : 0;
}

/*
 * The keypoint similarity matrix of gold (rows) and test objects.  With
 * options.area (one per gold object): COCO's OKS (pycocotools computeOks:
 * keypoints with v > 0 in gold, the gold area as scale).  Without: CVAT's
 * (cvat_kp_similarity).  Sigmas: options.sigmas, default 0.09 (CVAT's
 * oks_sigma).  *area receives each gold object's area for threshold_by_area:
 * options.area, or the box of its keypoints with v != 0.
 */
static double *
oks_sim(ArrayType *ga, ArrayType *ta, const char *fn, const AnnqaMatchOpts *o,
		int *ngp, int *ntp, double **areap)
{
	int			ng,
				nt,
				nkg,
				nkt,
				nkp,
				g,
				t;
	const double *gold = read_keypoints(ga, fn, "gold", &ng, &nkg);
	const double *test = read_keypoints(ta, fn, "test", &nt, &nkt);
	double	   *sim,
			   *area;
	static const double default_sigma = 0.09;	/* CVAT's oks_sigma */
	const double *sig = &default_sigma;
	int			nsig = 1;

	if (nkg >= 0 && nkt >= 0 && nkg != nkt)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: gold and test must have the same number of keypoints", fn),
				 errdetail("gold has %d keypoints per object and test has %d.", nkg, nkt)));
	nkp = Max(nkg, nkt);
	if (o->sigmas)
	{
		if (nkp >= 0 && o->nsigmas != 1 && o->nsigmas != nkp)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: options.sigmas must have one value per keypoint, or a single value", fn),
					 errdetail("There are %d keypoints and %d sigmas.", nkp, o->nsigmas)));
		sig = o->sigmas;
		nsig = o->nsigmas;
	}
	if (o->area)
		annqa_match_check_lengths(fn, "gold", ng, "options.area", o->narea);
	area = palloc(sizeof(double) * Max(ng, 1));
	for (g = 0; g < ng; g++)
	{
		if (o->area)
			area[g] = o->area[g];
		else
		{
			double		b[4];

			kp_bbox(gold + (size_t) g * nkp * 3, nkp, b);
			area[g] = (b[2] - b[0]) * (b[3] - b[1]);
		}
	}
	sim = annqa_match_alloc_matrix(ng, nt, fn);
	for (g = 0; g < ng; g++)
	{
		for (t = 0; t < nt; t++)
		{
			const double *pg = gold + (size_t) g * nkp * 3,
					   *pt = test + (size_t) t * nkp * 3;
			double		s;

			if (!o->area)
				s = cvat_kp_similarity(pg, pt, nkp, sig, nsig, o->image_area);
			else if (!annqa_geom_oks(pg, pt, nkp, sig, nsig, area[g], &s))
				s = 0;			/* no visible gold keypoint: nothing to match on */
			sim[(size_t) g * nt + t] = annqa_check_result(s, fn);
		}
		CHECK_FOR_INTERRUPTS();
	}
	*ngp = ng;
	*ntp = nt;
	*areap = area;
	return sim;
}

PG_FUNCTION_INFO_V1(annqa_match_keypoints);
Datum
annqa_match_keypoints(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.match";
	int			ng,
				nt;
	AnnqaMatchOpts o;
	double	   *sim,
			   *area;

	annqa_match_parse_options(PG_GETARG_JSONB_P(5), fn, kp_options, &o);
	sim = oks_sim(PG_GETARG_ARRAYTYPE_P(0), PG_GETARG_ARRAYTYPE_P(2), fn, &o, &ng, &nt, &area);
	annqa_match_emit(fcinfo, fn, sim, NULL, ng, nt, PG_GETARG_ARRAYTYPE_P(1),
					 PG_GETARG_ARRAYTYPE_P(3), PG_GETARG_FLOAT8(4), &o, area);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(annqa_oks_matrix);
Datum
annqa_oks_matrix(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.oks_matrix";
	static const char *const allowed[] = {"sigmas", "area", "image_size", NULL};
	int			ng,
				nt;
	AnnqaMatchOpts o;
	double	   *sim,
			   *area;

	annqa_match_parse_options(PG_GETARG_JSONB_P(2), fn, allowed, &o);
	sim = oks_sim(PG_GETARG_ARRAYTYPE_P(0), PG_GETARG_ARRAYTYPE_P(1), fn, &o, &ng, &nt, &area);
	PG_RETURN_ARRAYTYPE_P(annqa_match_make_matrix(sim, ng, nt));
}

PG_FUNCTION_INFO_V1(annqa_iou_matrix_box_crowd);
Datum
annqa_iou_matrix_box_crowd(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.iou_matrix";
	int			na,
				nb,
				nc,
				i,
				j;
	AnnqaBox   *a = read_boxes(PG_GETARG_ARRAYTYPE_P(0), fn, "a", &na);
	AnnqaBox   *b = read_boxes(PG_GETARG_ARRAYTYPE_P(1), fn, "b", &nb);
	const bool *crowd;
	double	   *m = annqa_match_alloc_matrix(na, nb, fn);

	annqa_match_array_1d_count(PG_GETARG_ARRAYTYPE_P(2), fn, "crowd");
	crowd = annqa_bool_array(PG_GETARG_ARRAYTYPE_P(2), fn, "crowd", &nc);
	annqa_match_check_lengths(fn, "b", nb, "crowd", nc);
	for (i = 0; i < na; i++)
	{
		for (j = 0; j < nb; j++)
		{
			double		s = annqa_geom_box_iou(&a[i], &b[j], crowd[j]);

			if (isnan(s))
				annqa_check_result(s, fn);
			m[(size_t) i * nb + j] = s;
		}
		CHECK_FOR_INTERRUPTS();
	}
	PG_RETURN_ARRAYTYPE_P(annqa_match_make_matrix(m, na, nb));
}

PG_FUNCTION_INFO_V1(annqa_match_tags);
Datum
annqa_match_tags(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.match";
	ArrayType  *ga = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *ta = PG_GETARG_ARRAYTYPE_P(1);
	int			ng,
				nt,
				g,
				t;
	LabelRef   *gl = read_labels(ga, fn, "gold_labels", &ng);
	LabelRef   *tl = read_labels(ta, fn, "test_labels", &nt);
	AnnqaMatchOpts o;
	double	   *sim;

	annqa_match_parse_options(PG_GETARG_JSONB_P(3), fn, tag_options, &o);
	sim = annqa_match_alloc_matrix(ng, nt, fn);
	for (g = 0; g < ng; g++)
		for (t = 0; t < nt; t++)
			sim[(size_t) g * nt + t] = label_eq(&gl[g], &tl[t]) ? 1.0 : 0.5;
	annqa_match_emit(fcinfo, fn, sim, NULL, ng, nt, ga, ta, PG_GETARG_FLOAT8(2), &o, NULL);
	return (Datum) 0;
}

/* ---------------------------------------------------------------- quality aggregate */

/*
 * State: float8[7] = {valid, mismatched, missing, extra, ignored, crowd,
 * sum of similarity over matched pairs}.  Counts are exact in float8 up to
 * 2^53, and float8's text output round-trips exactly.
 */
#define QSTATE_N 7

/*
 * The state's shape; with values, also its numbers (a state from outside:
 * a custom INITCOND, a combine input, the final function's argument).  The
 * transition function checks only the shape on every row: the numbers it adds
 * to are checked by the combine and final functions every state ends in.
 */
static double *
qstate_check(ArrayType *a, const char *fn, bool values)
{
	if (ARR_NDIM(a) != 1 || ARR_DIMS(a)[0] != QSTATE_N || ARR_HASNULL(a) ||
		ARR_ELEMTYPE(a) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s: invalid quality state", fn),
				 errdetail("The state must be a float8[] of %d non-NULL elements.", QSTATE_N)));
	{
		/*
		 * counts: whole numbers in [0, 2^53]; the similarity sum: in [0, valid]
		 * (every summed similarity lies in [0, 1]), with room for rounding
		 */
		double	   *s = (double *) ARR_DATA_PTR(a);
		int			k;

		if (!values)
			return s;
		for (k = 0; k < QSTATE_N - 1; k++)
			if (!(s[k] >= 0 && s[k] <= 9007199254740992.0 && s[k] == floor(s[k])))
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("%s: invalid quality state", fn),
						 errdetail("Count %d is %g; counts are whole numbers from 0 to 2^53.", k + 1, s[k])));
		if (!(s[QSTATE_N - 1] >= 0 && s[QSTATE_N - 1] <= s[0] * (1 + 1e-9) + 1e-9))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("%s: invalid quality state", fn),
					 errdetail("The similarity sum is %g with %g matched pairs; it must lie between 0 and their number.",
							   s[QSTATE_N - 1], s[0])));
		return s;
	}
}

static ArrayType *
qstate_new(MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	double		z[QSTATE_N] = {0};
	ArrayType  *a = annqa_make_float8_array(z, QSTATE_N);

	MemoryContextSwitchTo(old);
	return a;
}

PG_FUNCTION_INFO_V1(annqa_quality_sfunc);
Datum
annqa_quality_sfunc(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.quality";
	MemoryContext aggcxt;
	ArrayType  *st;
	double	   *s;
	char	   *status = NULL;
	int			k;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s: a transition function, callable only by an aggregate", fn)));
	st = PG_ARGISNULL(0) ? qstate_new(aggcxt) : PG_GETARG_ARRAYTYPE_P(0);
	s = qstate_check(st, fn, false);
	if (PG_ARGISNULL(1))
		PG_RETURN_ARRAYTYPE_P(st);
	{
		text	   *t = PG_GETARG_TEXT_PP(1);
		size_t		len = VARSIZE_ANY_EXHDR(t);

		for (k = 0; k < 6; k++)
			if (strlen(status_names[k]) == len && memcmp(VARDATA_ANY(t), status_names[k], len) == 0)
				break;
		if (k == 6)
			status = text_to_cstring(t);
	}
	if (k == 6)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: unknown match status \"%s\"", fn, status),
				 errhint("The statuses are matched, mismatching_label, missing, extra, crowd and ignored.")));
	switch (k)
	{
		case ANNQA_ST_MATCHED:
			s[0] += 1;
			if (!PG_ARGISNULL(2))
			{
				double		v = PG_GETARG_FLOAT8(2);

				if (!(v >= 0 && v <= 1))
					ereport(ERROR,
							(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							 errmsg("%s: the similarity of a matched row must lie between 0 and 1", fn),
							 errdetail("The value is %g.", v)));
				s[6] += v;
			}
			break;
		case ANNQA_ST_MISMATCH:
			s[1] += 1;
			break;
		case ANNQA_ST_MISSING:
			s[2] += 1;
			break;
		case ANNQA_ST_EXTRA:
			s[3] += 1;
			break;
		case ANNQA_ST_IGNORED:
			s[4] += 1;
			break;
		case ANNQA_ST_CROWD:
			s[5] += 1;
			break;
	}
	PG_RETURN_ARRAYTYPE_P(st);
}

PG_FUNCTION_INFO_V1(annqa_quality_combine);
Datum
annqa_quality_combine(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.quality";
	MemoryContext aggcxt,
				old;
	ArrayType  *a,
			   *b;
	double	   *sa,
			   *sb;
	int			k;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s: a combine function, callable only by an aggregate", fn)));
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = PG_GETARG_ARRAYTYPE_P(1);
	sb = qstate_check(b, fn, true);
	if (PG_ARGISNULL(0))
	{
		old = MemoryContextSwitchTo(aggcxt);
		a = annqa_make_float8_array(sb, QSTATE_N);
		MemoryContextSwitchTo(old);
		PG_RETURN_ARRAYTYPE_P(a);
	}
	a = PG_GETARG_ARRAYTYPE_P(0);
	sa = qstate_check(a, fn, true);
	for (k = 0; k < QSTATE_N; k++)
		sa[k] += sb[k];
	PG_RETURN_ARRAYTYPE_P(a);
}

PG_FUNCTION_INFO_V1(annqa_quality_final);
Datum
annqa_quality_final(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.quality";
	double	   *s;
	TupleDesc	td;
	Datum		v[11];
	bool		n[11] = {false};
	double		valid,
				mism,
				miss,
				extra,
				ds,
				gt,
				all;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = qstate_check(PG_GETARG_ARRAYTYPE_P(0), fn, true);
	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "%s: return type must be a row type", fn);
	td = BlessTupleDesc(td);
	valid = s[0];
	mism = s[1];
	miss = s[2];
	extra = s[3];
	ds = valid + mism + extra;
	gt = valid + mism + miss;
	all = valid + mism + miss + extra;
	v[0] = Int64GetDatum((int64) valid);
	v[1] = Int64GetDatum((int64) mism);
	v[2] = Int64GetDatum((int64) miss);
	v[3] = Int64GetDatum((int64) extra);
	v[4] = Int64GetDatum((int64) ds);
	v[5] = Int64GetDatum((int64) gt);
	v[6] = Float8GetDatum(ds > 0 ? valid / ds : 0);
	n[6] = !(ds > 0);
	v[7] = Float8GetDatum(gt > 0 ? valid / gt : 0);
	n[7] = !(gt > 0);
	v[8] = Float8GetDatum(all > 0 ? valid / all : 0);
	n[8] = !(all > 0);
	v[9] = Float8GetDatum(ds + gt > 0 ? 2 * valid / (ds + gt) : 0);
	n[9] = !(ds + gt > 0);
	v[10] = Float8GetDatum(valid > 0 ? s[6] / valid : 0);
	n[10] = !(valid > 0);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, v, n)));
}

/* ---------------------------------------------------------------- object units */


typedef struct Edge
{
	int			i,
				j;
	double		s;
} Edge;

static int
cmp_edge(const void *a, const void *b)
{
	const Edge *x = a,
			   *y = b;

	if (x->s != y->s)
		return x->s > y->s ? -1 : 1;
	if (x->i != y->i)
		return x->i < y->i ? -1 : 1;
	return (x->j > y->j) - (x->j < y->j);
}

/*
 * Cluster objects of several raters into units (CVAT's consensus
 * constraints): pairs are proposed by an optimal one-to-one matching between
 * every two raters under CVAT's threshold rule (annqa_match_pair_distance:
 * pairs below the threshold are excluded before the assignment), then merged
 * greedily from the most similar pair down, a merge being allowed only when
 * the merged unit still has at most one object per rater and every two of its
 * members reach the threshold.
 */
void
annqa_match_cluster_units(const double *sim, int n, const char *fn, double threshold,
			  char **annot, ArrayType *raters_arr, AnnqaUnits *u)
{
	int		   *aid = palloc(sizeof(int) * Max(n, 1));
	int			nann,
				i,
				j,
				a,
				b,
				ne = 0,
				cap = 16;
	Edge	   *edges = palloc(sizeof(Edge) * cap);
	int		   *parent = palloc(sizeof(int) * Max(n, 1));
	int		   *next = palloc(sizeof(int) * Max(n, 1));	/* member lists */
	int		   *stamp;			/* per rater: last merge check that saw it */
	int			k;
	int		   *first;

	annqa_match_check_threshold(threshold, fn, "threshold");
	u->n = n;
	/* raters: the given list, or the distinct annotators in name order */
	if (raters_arr)
	{
		int			nr,
				   *rid;
		char	  **all;

		u->raters = annqa_match_read_texts(raters_arr, fn, "raters", &nr);
		all = palloc(sizeof(char *) * Max(nr + n, 1));
		rid = palloc(sizeof(int) * Max(nr + n, 1));
		memcpy(all, u->raters, sizeof(char *) * nr);
		memcpy(all + nr, annot, sizeof(char *) * n);
		nann = annqa_match_string_ids(all, nr + n, rid);
		if (nann != nr || annqa_match_string_ids(u->raters, nr, aid) != nr)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: raters must be distinct and include every annotator", fn)));
		/* map the annotators' sorted ids to positions in raters */
		u->nraters = nr;
		u->rater = palloc(sizeof(int) * Max(n, 1));
		{
			int		   *pos = palloc(sizeof(int) * Max(nr, 1));	/* id -> position */

			for (j = 0; j < nr; j++)
				pos[rid[j]] = j;
			for (i = 0; i < n; i++)
				u->rater[i] = pos[rid[nr + i]];
		}
	}
	else
	{
		nann = annqa_match_string_ids(annot, n, aid);
		u->nraters = nann;
		u->raters = palloc(sizeof(char *) * Max(nann, 1));
		u->rater = aid;
		for (i = 0; i < n; i++)
			u->raters[aid[i]] = annot[i];
	}

	/* candidate pairs: optimal matching between every two raters */
	{
		int		   *start = palloc0(sizeof(int) * (u->nraters + 1));
		int		   *byr = palloc(sizeof(int) * Max(n, 1));	/* objects grouped by rater */
		int		   *fill = palloc(sizeof(int) * Max(u->nraters, 1));
		int		   *res = palloc(sizeof(int) * Max(n, 1));
		int			maxn = 1;
		double	   *cost;
		void	   *aws;

		for (i = 0; i < n; i++)
			start[u->rater[i] + 1]++;
		for (a = 0; a < u->nraters; a++)
		{
			maxn = Max(maxn, start[a + 1]);
			start[a + 1] += start[a];
			fill[a] = start[a];
		}
		/* one cost buffer and one solver workspace for every pair of raters */
		cost = palloc_extended(mul_size(mul_size(maxn, maxn), sizeof(double)), MCXT_ALLOC_HUGE);
		aws = alloc_workspace(annqa_assign_workspace_size(maxn, maxn), fn);
		for (i = 0; i < n; i++)
			byr[fill[u->rater[i]]++] = i;

		for (a = 0; a < u->nraters; a++)
			for (b = a + 1; b < u->nraters; b++)
			{
				int		   *ia = byr + start[a],
						   *ib = byr + start[b];
				int			na = start[a + 1] - start[a],
							nb = start[b + 1] - start[b];
				int			rc;

				CHECK_FOR_INTERRUPTS();
				if (na == 0 || nb == 0)
					continue;
				/* CVAT's rule: pairs that cannot match are excluded before
				 * the assignment (distance 1), then never kept */
				for (i = 0; i < na; i++)
					for (j = 0; j < nb; j++)
						cost[(size_t) i * nb + j] = annqa_match_pair_distance(sim[(size_t) ia[i] * n + ib[j]], threshold);
				rc = annqa_assign(cost, na, nb, res, aws, annqa_match_interrupt, NULL);
				if (rc != ANNQA_ASSIGN_OK)
					ereport(ERROR,
							(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
							 errmsg("%s: the assignment between two raters failed (code %d)", fn, rc)));
				for (i = 0; i < na; i++)
				{
					double		s;

					if (res[i] < 0)
						continue;
					s = sim[(size_t) ia[i] * n + ib[res[i]]];
					if (cost[(size_t) i * nb + res[i]] != 1.0)
					{
						if (ne == cap)
						{
							cap *= 2;
							edges = repalloc_huge(edges, sizeof(Edge) * cap);
						}
						edges[ne].i = Min(ia[i], ib[res[i]]);
						edges[ne].j = Max(ia[i], ib[res[i]]);
						edges[ne].s = s;
						ne++;
					}
				}
			}
		pfree(cost);
		pfree(aws);
	}
	qsort(edges, ne, sizeof(Edge), cmp_edge);

	/* greedy constrained merging; parent[] points at the unit's root */
	stamp = palloc(sizeof(int) * Max(u->nraters, 1));
	for (k = 0; k < u->nraters; k++)
		stamp[k] = -1;
	for (i = 0; i < n; i++)
	{
		parent[i] = i;
		next[i] = -1;
	}
	for (int e = 0; e < ne; e++)
	{
		int			ra = parent[edges[e].i],
					rb = parent[edges[e].j],
					x,
					y;
		bool		ok = true;

		if (ra == rb)
			continue;
		/* at most one object per rater */
		for (x = ra; x >= 0; x = next[x])
			stamp[u->rater[x]] = e;
		for (y = rb; y >= 0 && ok; y = next[y])
			if (stamp[u->rater[y]] == e)
				ok = false;
		/* every two members reach the threshold */
		for (x = ra; x >= 0 && ok; x = next[x])
			for (y = rb; y >= 0 && ok; y = next[y])
			{
				if (annqa_match_pair_distance(sim[(size_t) x * n + y], threshold) == 1.0)
					ok = false;
			}
		if (!ok)
			continue;
		/* merge rb into ra (keep the smaller root for determinism) */
		if (rb < ra)
		{
			int			tmp = ra;

			ra = rb;
			rb = tmp;
		}
		for (x = ra; next[x] >= 0; x = next[x])
			;
		next[x] = rb;
		for (y = rb; y >= 0; y = next[y])
			parent[y] = ra;
	}

	/* number units by their smallest member */
	first = palloc(sizeof(int) * Max(n, 1));
	for (i = 0; i < n; i++)
		first[i] = -1;
	u->unit = palloc(sizeof(int) * Max(n, 1));
	u->nunits = 0;
	for (i = 0; i < n; i++)
	{
		int			r = parent[i];

		if (first[r] < 0)
			first[r] = u->nunits++;
		u->unit[i] = first[r];
	}
}

/* The optional raters argument: an empty array means the distinct annotators. */
ArrayType *
annqa_match_raters_arg(FunctionCallInfo fcinfo, int k)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(k);

	return ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a)) == 0 ? NULL : a;
}

/* The pairwise similarity of n objects (symmetric, n x n). */
static double *
self_matrix_boxes(const AnnqaBox *b, int n, const char *fn)
{
	double	   *m = annqa_match_alloc_matrix(n, n, fn);

	box_matrix(b, n, b, n, m, false, fn);
	return m;
}

void
annqa_match_emit_units(FunctionCallInfo fcinfo, const AnnqaUnits *u, char **labels)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int		   *obj = palloc(sizeof(int) * Max(u->nraters, 1));
	int			un,
				i,
				r;

	annqa_match_init_srf(fcinfo);
	for (un = 0; un < u->nunits; un++)
	{
		for (r = 0; r < u->nraters; r++)
			obj[r] = -1;
		for (i = 0; i < u->n; i++)
			if (u->unit[i] == un)
				obj[u->rater[i]] = i;
		for (r = 0; r < u->nraters; r++)
		{
			Datum		v[4];
			bool		nl[4] = {false, false, false, false};

			v[0] = Int32GetDatum(un + 1);
			v[1] = CStringGetTextDatum(u->raters[r]);
			if (obj[r] >= 0)
			{
				v[2] = Int32GetDatum(obj[r] + 1);
				v[3] = CStringGetTextDatum(labels[obj[r]]);
			}
			else
				nl[2] = nl[3] = true;
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, nl);
		}
	}
}

void
annqa_match_units_common_args(FunctionCallInfo fcinfo, const char *fn, int n, char ***labels, char ***annot)
{
	int			nl,
				na;

	*labels = annqa_match_read_texts(PG_GETARG_ARRAYTYPE_P(1), fn, "labels", &nl);
	*annot = annqa_match_read_texts(PG_GETARG_ARRAYTYPE_P(2), fn, "annotators", &na);
	annqa_match_check_lengths(fn, "geoms", n, "labels", nl);
	annqa_match_check_lengths(fn, "geoms", n, "annotators", na);
}

PG_FUNCTION_INFO_V1(annqa_object_units_box);
Datum
annqa_object_units_box(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.object_units";
	int			n;
	AnnqaBox   *b = read_boxes(PG_GETARG_ARRAYTYPE_P(0), fn, "geoms", &n);
	char	  **labels,
			  **annot;
	AnnqaUnits	u;

	annqa_match_units_common_args(fcinfo, fn, n, &labels, &annot);
	annqa_match_cluster_units(self_matrix_boxes(b, n, fn), n, fn, PG_GETARG_FLOAT8(3), annot,
				  annqa_match_raters_arg(fcinfo, 4), &u);
	annqa_match_emit_units(fcinfo, &u, labels);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(annqa_object_units_rbox);
Datum
annqa_object_units_rbox(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.object_units";
	int			n;
	const RBox *b = read_rboxes(PG_GETARG_ARRAYTYPE_P(0), fn, "geoms", &n);
	char	  **labels,
			  **annot;
	double	   *m;
	AnnqaUnits	u;

	annqa_match_units_common_args(fcinfo, fn, n, &labels, &annot);
	m = annqa_match_alloc_matrix(n, n, fn);
	rbox_matrix(b, n, b, n, m, false, fn);
	annqa_match_cluster_units(m, n, fn, PG_GETARG_FLOAT8(3), annot,
				  annqa_match_raters_arg(fcinfo, 4), &u);
	annqa_match_emit_units(fcinfo, &u, labels);
	return (Datum) 0;
}

/* ---------------------------------------------------------------- consensus */

void
annqa_match_check_quorum(double q, const char *fn)
{
	annqa_check_finite(q, fn, "quorum");
	if (!(q > 0) || q > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: quorum must be greater than 0 and at most 1", fn),
				 errdetail("It is %g.", q)));
}

/* votes needed: ceil(quorum * raters), at least 1 */
int
annqa_match_votes_needed(double quorum, int nraters)
{
	double		v = ceil(quorum * nraters - 1e-9);

	return Max((int) v, 1);
}

/*
 * The members of unit un (their indexes into members[], returned count) and
 * the unit's majority label: *best is the member carrying it and *bestcount
 * its votes; ties go to the smallest label id.
 */
int
annqa_match_unit_vote(const AnnqaUnits *u, int un, const int *lid, int *members,
					  int *best, int *bestcount)
{
	int			nm = 0,
				i,
				k;

	*best = -1;
	*bestcount = 0;
	for (i = 0; i < u->n; i++)
		if (u->unit[i] == un)
			members[nm++] = i;
	for (i = 0; i < nm; i++)
	{
		int			c = 0;

		for (k = 0; k < nm; k++)
			c += lid[members[k]] == lid[members[i]];
		if (c > *bestcount || (c == *bestcount && lid[members[i]] < lid[*best]))
		{
			*bestcount = c;
			*best = members[i];
		}
	}
	return nm;
}

PG_FUNCTION_INFO_V1(annqa_consensus_box);
Datum
annqa_consensus_box(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.consensus";
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			n,
				un,
				i,
				k;
	AnnqaBox   *b = read_boxes(PG_GETARG_ARRAYTYPE_P(0), fn, "geoms", &n);
	char	  **labels,
			  **annot;
	double		threshold = PG_GETARG_FLOAT8(3);
	double		quorum = PG_GETARG_FLOAT8(4);
	Jsonb	   *opts = PG_GETARG_JSONB_P(5);
	bool		fuse_mean = false;
	int		   *lid;
	int		   *members;
	double	   *sim;
	AnnqaUnits	u;

	annqa_match_units_common_args(fcinfo, fn, n, &labels, &annot);
	annqa_match_check_quorum(quorum, fn);
	/* options: {"fuse": "nearest" | "mean"} */
	{
		JsonbValue *fv;

		if (!JB_ROOT_IS_OBJECT(opts))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: options must be a JSON object", fn)));
		if (JB_ROOT_COUNT(opts) > 0)
		{
			JsonbIterator *it = JsonbIteratorInit(&opts->root);
			JsonbValue	v;
			JsonbIteratorToken r;

			while ((r = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
				if (r == WJB_KEY && !(v.val.string.len == 4 && memcmp(v.val.string.val, "fuse", 4) == 0))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("%s: unknown option \"%s\"", fn,
									pnstrdup(v.val.string.val, v.val.string.len))));
		}
		fv = getKeyJsonValueFromContainer(&opts->root, "fuse", 4, NULL);
		if (fv)
		{
			if (fv->type == jbvString && fv->val.string.len == 4 &&
				memcmp(fv->val.string.val, "mean", 4) == 0)
				fuse_mean = true;
			else if (!(fv->type == jbvString && fv->val.string.len == 7 &&
					   memcmp(fv->val.string.val, "nearest", 7) == 0))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s: options.fuse must be \"nearest\" or \"mean\"", fn)));
		}
	}
	sim = self_matrix_boxes(b, n, fn);
	annqa_match_cluster_units(sim, n, fn, threshold, annot, annqa_match_raters_arg(fcinfo, 6), &u);
	lid = palloc(sizeof(int) * Max(n, 1));
	annqa_match_string_ids(labels, n, lid);
	members = palloc(sizeof(int) * Max(n, 1));

	annqa_match_init_srf(fcinfo);
	for (un = 0; un < u.nunits; un++)
	{
		int			nm = 0,
					best = -1,
					bestcount = 0,
					pick = -1;
		AnnqaBox	mean = {0, 0, 0, 0};
		double		bestiou = -1,
					pairsum = 0;
		int			npairs = 0;
		BOX		   *out;
		Datum		v[8];
		bool		nl[8] = {false, false, false, false, false, false, false, false};
		Datum	   *md;

		nm = annqa_match_unit_vote(&u, un, lid, members, &best, &bestcount);
		if (bestcount < annqa_match_votes_needed(quorum, u.nraters))
			continue;
		for (i = 0; i < nm; i++)
		{
			mean.lx += b[members[i]].lx / nm;
			mean.ly += b[members[i]].ly / nm;
			mean.hx += b[members[i]].hx / nm;
			mean.hy += b[members[i]].hy / nm;
			for (k = i + 1; k < nm; k++)
			{
				pairsum += sim[(size_t) members[i] * n + members[k]];
				npairs++;
			}
		}
		/* nearest to the mean box: highest IoU with it, first member on ties */
		for (i = 0; i < nm; i++)
		{
			double		s = annqa_geom_box_iou(&b[members[i]], &mean, false);

			if (s > bestiou)
			{
				bestiou = s;
				pick = members[i];
			}
		}
		out = palloc(sizeof(BOX));
		if (fuse_mean)
		{
			out->low.x = mean.lx;
			out->low.y = mean.ly;
			out->high.x = mean.hx;
			out->high.y = mean.hy;
		}
		else
		{
			out->low.x = b[pick].lx;
			out->low.y = b[pick].ly;
			out->high.x = b[pick].hx;
			out->high.y = b[pick].hy;
		}
		md = palloc(sizeof(Datum) * nm);
		for (i = 0; i < nm; i++)
			md[i] = Int32GetDatum(members[i] + 1);
		v[0] = Int32GetDatum(un + 1);
		v[1] = CStringGetTextDatum(labels[best]);
		v[2] = BoxPGetDatum(out);
		v[3] = Int32GetDatum(bestcount);
		v[4] = Float8GetDatum((double) bestcount / u.nraters);
		v[5] = Float8GetDatum(npairs ? pairsum / npairs : 1.0);
		nl[5] = npairs == 0;
		v[6] = PointerGetDatum(construct_array(md, nm, INT4OID, 4, true, TYPALIGN_INT));
		{
			/*
			 * CVAT's score (intersect_merge.py): the label's share of the
			 * raters times the mean IoU of the merged box with the members
			 */
			AnnqaBox	ob = fuse_mean ? mean : b[pick];
			double		shape = 0;

			for (i = 0; i < nm; i++)
				shape += Max(0.0, annqa_geom_box_iou(&ob, &b[members[i]], false));
			v[7] = Float8GetDatum((double) bestcount / u.nraters * (shape / nm));
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, nl);
	}
	return (Datum) 0;
}

static int
cmp_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a,
				y = *(const int64 *) b;

	return (x > y) - (x < y);
}

PG_FUNCTION_INFO_V1(annqa_consensus_tags);
Datum
annqa_consensus_tags(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.consensus";
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			n,
				na,
				nlab,
				nrat,
				i,
				k;
	char	  **labels = annqa_match_read_texts(PG_GETARG_ARRAYTYPE_P(0), fn, "labels", &n);
	char	  **annot = annqa_match_read_texts(PG_GETARG_ARRAYTYPE_P(1), fn, "annotators", &na);
	double		quorum = PG_GETARG_FLOAT8(2);
	int		   *lid,
			   *aid,
			   *support,
			   *first;
	int64	   *pairs;

	annqa_match_check_lengths(fn, "labels", n, "annotators", na);
	annqa_match_check_quorum(quorum, fn);
	lid = palloc(sizeof(int) * Max(n, 1));
	aid = palloc(sizeof(int) * Max(n, 1));
	nlab = annqa_match_string_ids(labels, n, lid);
	nrat = annqa_match_string_ids(annot, n, aid);
	if (annqa_match_raters_arg(fcinfo, 3))
	{
		int			nr;
		char	  **r = annqa_match_read_texts(PG_GETARG_ARRAYTYPE_P(3), fn, "raters", &nr);
		char	  **all = palloc(sizeof(char *) * Max(nr + n, 1));
		int		   *ids = palloc(sizeof(int) * Max(nr + n, 1));
		int		   *tmp = palloc(sizeof(int) * Max(nr, 1));

		memcpy(all, r, sizeof(char *) * nr);
		memcpy(all + nr, annot, sizeof(char *) * n);
		if (annqa_match_string_ids(all, nr + n, ids) != nr || annqa_match_string_ids(r, nr, tmp) != nr)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: raters must be distinct and include every annotator", fn)));
		nrat = nr;
	}
	support = palloc0(sizeof(int) * Max(nlab, 1));
	first = palloc(sizeof(int) * Max(nlab, 1));
	for (k = 0; k < nlab; k++)
		first[k] = -1;
	/* one vote per annotator and label: count distinct (label, annotator) pairs */
	pairs = palloc(sizeof(int64) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		if (first[lid[i]] < 0)
			first[lid[i]] = i;
		pairs[i] = (int64) lid[i] * (n + 1) + aid[i];
	}
	qsort(pairs, n, sizeof(int64), cmp_int64);
	for (i = 0; i < n; i++)
		if (i == 0 || pairs[i] != pairs[i - 1])
			support[pairs[i] / (n + 1)]++;
	annqa_match_init_srf(fcinfo);
	for (k = 0; k < nlab; k++)
	{
		Datum		v[3];
		bool		nl[3] = {false, false, false};

		if (support[k] < annqa_match_votes_needed(quorum, nrat))
			continue;
		v[0] = CStringGetTextDatum(labels[first[k]]);
		v[1] = Int32GetDatum(support[k]);
		v[2] = Float8GetDatum((double) support[k] / nrat);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, nl);
	}
	return (Datum) 0;
}

/* ---------------------------------------------------------------- annqa.overlap_count */

typedef struct OvBox
{
	double		lx, ly, hx, hy;
} OvBox;

static int
ovbox_cmp(const void *a, const void *b)
{
	double		x = ((const OvBox *) a)->lx,
				y = ((const OvBox *) b)->lx;

	return (x > y) - (x < y);
}

/*
 * Number of pairs i < j of the boxes that overlap with the semantics of the
 * box && operator (closed boxes, PostgreSQL's EPSILON fuzz: touching edges
 * overlap).  A sweep over the boxes sorted by their left edge: O(n log n + k)
 * for k candidate pairs, interruptible.
 */
PG_FUNCTION_INFO_V1(annqa_overlap_count);
Datum
annqa_overlap_count(PG_FUNCTION_ARGS)
{
	const char *fn = "annqa.overlap_count";
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	int			n = annqa_match_array_1d_count(arr, fn, "boxes");
	const BOX  *b = (const BOX *) ARR_DATA_PTR(arr);
	OvBox	   *v;
	int64		count = 0;
	uint32		steps = 0;
	int			i,
				j;

	if (ARR_ELEMTYPE(arr) != BOXOID)
		elog(ERROR, "%s: expected box[]", fn);
	v = palloc(sizeof(OvBox) * Max(n, 1));
	for (i = 0; i < n; i++)		/* every box is checked, also a lone one */
	{
		annqa_box_check(&b[i], fn);
		/* box_in and every box constructor keep high >= low */
		v[i].lx = Min(b[i].low.x, b[i].high.x);
		v[i].hx = Max(b[i].low.x, b[i].high.x);
		v[i].ly = Min(b[i].low.y, b[i].high.y);
		v[i].hy = Max(b[i].low.y, b[i].high.y);
	}
	if (n < 2)
		PG_RETURN_INT64(0);
	qsort(v, n, sizeof(OvBox), ovbox_cmp);
	for (i = 0; i < n; i++)
	{
		for (j = i + 1; j < n; j++)
		{
			/* left edges ascend: once one starts right of box i, all later do */
			if (!FPle(v[j].lx, v[i].hx))
				break;
			if (FPle(v[i].ly, v[j].hy) && FPle(v[j].ly, v[i].hy))
				count++;
			if ((++steps & 0xFFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
		}
	}
	pfree(v);
	PG_RETURN_INT64(count);
}
