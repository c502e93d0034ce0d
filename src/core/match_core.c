/*
 * match_core.c - CVAT-rule matching over a similarity matrix (see
 * match_core.h).
 */
#include "match_core.h"

#include <stdint.h>
#include <math.h>
#include <string.h>

#define ALIGN8(x) (((x) + 7) & ~(size_t) 7)

size_t
annqa_match_workspace_size(int ng, int nt)
{
	size_t		a = annqa_assign_workspace_size(ng, nt);
	size_t		cells;

	if (a == 0 || ng < 0 || nt < 0)
		return 0;
	cells = (size_t) ng * (size_t) nt;
	if (ng != 0 && cells / (size_t) ng != (size_t) nt)
		return 0;
	if (cells > (SIZE_MAX - a) / 16)
		return 0;
	return a + ALIGN8(cells * sizeof(double)) +
		ALIGN8(((size_t) ng + 1) * sizeof(int)) * 2 +
		ALIGN8(((size_t) nt + 1) * sizeof(int)) + 64;
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

/* One assignment pass over the free golds and tests. */
static int
run_pass(const AnnqaMatchInput *in, AnnqaMatchOutput *out, bool same_label_only,
		 double *cost, int *gi, int *ti, int *res, void *aws,
		 annqa_assign_interrupt_fn interrupt, void *arg)
{
	int			ng = 0,
				nt = 0,
				a,
				b,
				rc;

	for (a = 0; a < in->ng; a++)
		if (out->gold_status[a] == ANNQA_ST_MISSING)
			gi[ng++] = a;
	for (b = 0; b < in->nt; b++)
		if (out->test_status[b] == ANNQA_ST_EXTRA)
			ti[nt++] = b;
	if (ng == 0 || nt == 0)
		return ANNQA_ASSIGN_OK;
	for (a = 0; a < ng; a++)
		for (b = 0; b < nt; b++)
		{
			int			g = gi[a],
						t = ti[b];
			double		s = in->sim[(size_t) g * in->nt + t];

			if (same_label_only && in->glabel[g] != in->tlabel[t])
				s = 0;
			cost[(size_t) a * nt + b] = pair_distance(s, in->thr[g]);
		}
	rc = annqa_assign(cost, ng, nt, res, aws, interrupt, arg);
	if (rc != ANNQA_ASSIGN_OK)
		return rc;
	for (a = 0; a < ng; a++)
	{
		int			g = gi[a],
					t;

		if (res[a] < 0)
			continue;
		t = ti[res[a]];
		/* the clipped distance of the pair: 1 when it cannot match */
		if (cost[(size_t) a * nt + res[a]] == 1.0)
			continue;
		out->gold_test[g] = t;
		out->test_gold[t] = g;
		out->gold_status[g] = out->test_status[t] =
			in->glabel[g] == in->tlabel[t] ? ANNQA_ST_MATCHED : ANNQA_ST_MISMATCH;
	}
	return ANNQA_ASSIGN_OK;
}

int
annqa_match_run(const AnnqaMatchInput *in, AnnqaMatchOutput *out, void *workspace,
				annqa_assign_interrupt_fn interrupt, void *arg)
{
	char	   *p = (char *) workspace;
	size_t		cells = (size_t) in->ng * (size_t) in->nt;
	double	   *cost = (double *) p;
	int		   *gi,
			   *ti,
			   *res;
	void	   *aws;
	int			g,
				t,
				rc;

	p += ALIGN8(cells * sizeof(double));
	gi = (int *) p;
	p += ALIGN8(((size_t) in->ng + 1) * sizeof(int));
	res = (int *) p;
	p += ALIGN8(((size_t) in->ng + 1) * sizeof(int));
	ti = (int *) p;
	p += ALIGN8(((size_t) in->nt + 1) * sizeof(int));
	aws = p;

	for (g = 0; g < in->ng; g++)
	{
		out->gold_test[g] = -1;
		out->gold_status[g] = (in->gcrowd && in->gcrowd[g]) ? ANNQA_ST_CROWD : ANNQA_ST_MISSING;
	}
	for (t = 0; t < in->nt; t++)
	{
		out->test_gold[t] = -1;
		out->test_status[t] = ANNQA_ST_EXTRA;
	}

	rc = run_pass(in, out, in->two_pass, cost, gi, ti, res, aws, interrupt, arg);
	if (rc == ANNQA_ASSIGN_OK && in->two_pass)
		rc = run_pass(in, out, false, cost, gi, ti, res, aws, interrupt, arg);
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
