/*
 * match_core.c - CVAT-rule matching over a similarity matrix (see
 * match_core.h).
 */
#include "match_core.h"

#include <stdbool.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

#define ALIGN8(x) (((x) + 7) & ~(size_t) 7)

/*
 * Padding to a square matrix, as CVAT does (it solves max x max with
 * distance 1 in the padding), changes which of several optimal assignments
 * the solver returns; it is used while the square has at most this many
 * cells, and for more unbalanced items the rectangular problem is solved
 * (the same optimum; only ties may be broken otherwise).
 */
#define PAD_MAX_CELLS ((size_t) 4000000)

static size_t
pad_size(int ng, int nt)
{
	size_t		m = (size_t) (ng > nt ? ng : nt);

	return m * m <= PAD_MAX_CELLS ? m : 0;
}

size_t
annqa_match_workspace_size(int ng, int nt)
{
	size_t		m,
				a,
				cells;

	if (ng < 0 || nt < 0)
		return 0;
	m = pad_size(ng, nt);
	if (m > 0)
	{
		a = annqa_assign_workspace_size((int) m, (int) m);
		cells = m * m;
	}
	else
	{
		a = annqa_assign_workspace_size(ng, nt);
		cells = (size_t) ng * (size_t) nt;
		if (ng != 0 && cells / (size_t) ng != (size_t) nt)
			return 0;
	}
	if (a == 0 || cells > (SIZE_MAX - a) / 16)
		return 0;
	return a + ALIGN8(cells * sizeof(double)) +
		ALIGN8(((size_t) (ng > nt ? ng : nt) + 1) * sizeof(int)) +	/* res */
		ALIGN8(((size_t) ng + 1) * sizeof(int)) * 2 +
		ALIGN8(((size_t) nt + 1) * sizeof(int)) * 2 + 64;
}

/*
 * CVAT's distance of a pair with similarity s under threshold thr: 1 - s, or
 * 1 when the pair cannot match (not finite, or 1 - s > 1 - thr).  A pair is
 * kept after the assignment exactly when this is not 1.
 */
double
annqa_match_pair_distance(double s, double thr)
{
	double		d = 1.0 - s;

	if (!isfinite(d) || d > 1.0 - thr)
		return 1.0;
	return d;
}
#define pair_distance annqa_match_pair_distance

/*
 * One pass of CVAT's _match_segments_once over the golds gl[0..ng) and tests
 * tl[0..nt), in that order: the distance matrix (padded to a square with 1
 * when small enough, as CVAT pads it), one exact assignment, then the pairs in
 * row order: a pair at distance 1 leaves both objects unmatched, appended to
 * gout/tout in that order (CVAT's a_unmatched and b_unmatched, which are the
 * lists of the second pass), any other pair is kept.
 */
static int
run_pass(const AnnqaMatchInput *in, AnnqaMatchOutput *out, bool same_label_only, bool pad,
		 const int *gl, int ng, const int *tl, int nt, int *gout, int *ngout, int *tout, int *ntout,
		 double *cost, int *res, void *aws, annqa_assign_interrupt_fn interrupt, void *arg)
{
	int			m = pad ? (ng > nt ? ng : nt) : 0,
				nr = m > 0 ? m : ng,
				nc = m > 0 ? m : nt,
				a,
				b,
				rc;

	*ngout = *ntout = 0;
	if (ng == 0 || nt == 0)
	{
		memcpy(gout, gl, sizeof(int) * (size_t) ng);
		memcpy(tout, tl, sizeof(int) * (size_t) nt);
		*ngout = ng;
		*ntout = nt;
		return ANNQA_ASSIGN_OK;
	}
	for (a = 0; a < nr; a++)
		for (b = 0; b < nc; b++)
		{
			double		d = 1.0;

			if (a < ng && b < nt)
			{
				int			g = gl[a],
							t = tl[b];
				double		s = in->sim[(size_t) g * in->nt + t];

				if (same_label_only && in->glabel[g] != in->tlabel[t])
					s = 0;
				d = pair_distance(s, in->thr[g]);
			}
			cost[(size_t) a * nc + b] = d;
		}
	rc = annqa_assign(cost, nr, nc, res, aws, interrupt, arg);
	if (rc != ANNQA_ASSIGN_OK)
		return rc;
	for (a = 0; a < nr; a++)
	{
		int			g,
					t;

		b = res[a];
		if (b < 0 || cost[(size_t) a * nc + b] == 1.0)
		{
			if (a < ng)
				gout[(*ngout)++] = gl[a];
			if (b >= 0 && b < nt)
				tout[(*ntout)++] = tl[b];
			continue;
		}
		g = gl[a];
		t = tl[b];
		out->gold_test[g] = t;
		out->test_gold[t] = g;
		out->gold_status[g] = out->test_status[t] =
			in->glabel[g] == in->tlabel[t] ? ANNQA_ST_MATCHED : ANNQA_ST_MISMATCH;
	}
	/* rectangular: tests no row was assigned to stay unmatched, in index order */
	if (m == 0 && nt > ng)
	{
		bool		seen;

		for (b = 0; b < nt; b++)
		{
			seen = false;
			for (a = 0; a < nr && !seen; a++)
				seen = res[a] == b;
			if (!seen)
				tout[(*ntout)++] = tl[b];
		}
	}
	return ANNQA_ASSIGN_OK;
}

int
annqa_match_run(const AnnqaMatchInput *in, AnnqaMatchOutput *out, void *workspace,
				annqa_assign_interrupt_fn interrupt, void *arg)
{
	char	   *p = (char *) workspace;
	size_t		m = pad_size(in->ng, in->nt);
	size_t		cells = m > 0 ? m * m : (size_t) in->ng * (size_t) in->nt;
	double	   *cost = (double *) p;
	int		   *g1,
			   *g2,
			   *t1,
			   *t2,
			   *res;
	void	   *aws;
	int			n1g = 0,
				n2g,
				n3g,
				n2t,
				n3t,
				g,
				t,
				rc;

	p += ALIGN8(cells * sizeof(double));
	res = (int *) p;
	p += ALIGN8(((size_t) (in->ng > in->nt ? in->ng : in->nt) + 1) * sizeof(int));
	g1 = (int *) p;
	p += ALIGN8(((size_t) in->ng + 1) * sizeof(int));
	g2 = (int *) p;
	p += ALIGN8(((size_t) in->ng + 1) * sizeof(int));
	t1 = (int *) p;
	p += ALIGN8(((size_t) in->nt + 1) * sizeof(int));
	t2 = (int *) p;
	p += ALIGN8(((size_t) in->nt + 1) * sizeof(int));
	aws = p;

	for (g = 0; g < in->ng; g++)
	{
		out->gold_test[g] = -1;
		out->gold_status[g] = (in->gcrowd && in->gcrowd[g]) ? ANNQA_ST_CROWD : ANNQA_ST_MISSING;
		if (out->gold_status[g] == ANNQA_ST_MISSING)
			g1[n1g++] = g;		/* crowd golds take no part */
	}
	for (t = 0; t < in->nt; t++)
	{
		out->test_gold[t] = -1;
		out->test_status[t] = ANNQA_ST_EXTRA;
		t1[t] = t;
	}
	/*
	 * Padded or not is decided once, for the whole item (the workspace is
	 * sized for it); the lists of the second pass are never longer.
	 */
	rc = run_pass(in, out, in->two_pass, m > 0, g1, n1g, t1, in->nt, g2, &n2g, t2, &n2t,
				  cost, res, aws, interrupt, arg);
	if (rc == ANNQA_ASSIGN_OK && in->two_pass && n2g > 0 && n2t > 0)
		rc = run_pass(in, out, false, m > 0, g2, n2g, t2, n2t, g1, &n3g, t1, &n3t,	/* leftovers unused */
					  cost, res, aws, interrupt, arg);
	if (rc != ANNQA_ASSIGN_OK)
		return rc;

	/* crowd absorption of the remaining test objects */
	if (in->gcrowd && in->crowd_sim)
		for (t = 0; t < in->nt; t++)
		{
			int			best = -1;
			double		bs = 0;

			if (out->test_status[t] != ANNQA_ST_EXTRA)
				continue;
			for (g = 0; g < in->ng; g++)
			{
				double		s;

				if (!in->gcrowd[g] || in->glabel[g] != in->tlabel[t])
					continue;
				s = in->crowd_sim[(size_t) g * in->nt + t];
				if (s > 0 && s >= in->thr[g] && s > bs)
				{
					bs = s;
					best = g;
				}
			}
			if (best >= 0)
			{
				out->test_gold[t] = best;
				out->test_status[t] = ANNQA_ST_IGNORED;
			}
		}
	return ANNQA_ASSIGN_OK;
}
