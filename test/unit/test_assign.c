/*
 * Unit tests of the assignment solver (src/core/assign.c).  Expected answers
 * are worked by hand in the comments, plus an exhaustive brute-force check
 * (every injective row -> column map) on small random matrices.
 */
#include "assign.h"
#include "match_core.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

static char ws[1 << 20];

static double
solve(const double *c, int nr, int nc, int *out)
{
	double		total = 0;
	int			i;

	if (annqa_assign(c, nr, nc, out, ws, NULL, NULL) != ANNQA_ASSIGN_OK)
		return NAN;
	for (i = 0; i < nr; i++)
		if (out[i] >= 0)
			total += c[i * nc + out[i]];
	return total;
}

/* brute force: minimum over injective maps of the smaller side, +inf pairs forbidden */
static double best_total;
static int	best_count;
static void
brute(const double *c, int nr, int nc, int row, bool *used, double acc, int cnt)
{
	int			j;

	if (row == nr)
	{
		if (cnt > best_count || (cnt == best_count && acc < best_total))
		{
			best_count = cnt;
			best_total = acc;
		}
		return;
	}
	/* leave this row unassigned only if rows outnumber columns or +inf forces it */
	brute(c, nr, nc, row + 1, used, acc, cnt);
	for (j = 0; j < nc; j++)
		if (!used[j] && !isinf(c[row * nc + j]))
		{
			used[j] = true;
			brute(c, nr, nc, row + 1, used, acc + c[row * nc + j], cnt + 1);
			used[j] = false;
		}
}

static int	stop_after;
static int
count_interrupt(void *arg)
{
	return --stop_after < 0;
}

int
main(void)
{
	int			out[16];

	/*
	 * 3x3 classic: [[4,1,3],[2,0,5],[3,2,2]].  Assignments and totals:
	 * (0,1,2)=4+0+2=6 (0,2,1)=4+5+2=11 (1,0,2)=1+2+2=5 (1,2,0)=1+5+3=9
	 * (2,0,1)=3+2+2=7 (2,1,0)=3+0+3=6.  Optimum 5: rows -> cols 1,0,2.
	 */
	{
		double		c[] = {4, 1, 3, 2, 0, 5, 3, 2, 2};

		CHECK_NEAR(solve(c, 3, 3, out), 5, 0, "3x3 optimum 5");
		CHECK(out[0] == 1 && out[1] == 0 && out[2] == 2, "3x3 assignment 1,0,2");
	}
	/*
	 * Greedy differs: [[1,2],[2,100]].  Greedy takes (0,0)=1 then (1,1)=100:
	 * 101.  Optimum (0,1)+(1,0) = 2+2 = 4.
	 */
	{
		double		c[] = {1, 2, 2, 100};

		CHECK_NEAR(solve(c, 2, 2, out), 4, 0, "greedy trap: optimum 4");
		CHECK(out[0] == 1 && out[1] == 0, "greedy trap: 0->1, 1->0");
	}
	/* wide 2x4: [[5,9,1,7],[6,1,8,8]]: row0->col2 (1), row1->col1 (1): 2 */
	{
		double		c[] = {5, 9, 1, 7, 6, 1, 8, 8};

		CHECK_NEAR(solve(c, 2, 4, out), 2, 0, "2x4 optimum 2");
		CHECK(out[0] == 2 && out[1] == 1, "2x4 assignment");
	}
	/* tall 3x2 (transposed path): [[3,4],[1,9],[2,2]]: best 1 (r1c0) + 2 (r2c1) = 3, row 0 free */
	{
		double		c[] = {3, 4, 1, 9, 2, 2};

		CHECK_NEAR(solve(c, 3, 2, out), 3, 0, "3x2 optimum 3");
		CHECK(out[0] == -1 && out[1] == 0 && out[2] == 1, "3x2 assignment -1,0,1");
	}
	/*
	 * Forbidden entries: [[inf,1],[inf,2]]: only column 1 is allowed, so one
	 * row is assigned; the cheaper is row 0 (cost 1).
	 */
	{
		double		c[] = {INFINITY, 1, INFINITY, 2};

		CHECK_NEAR(solve(c, 2, 2, out), 1, 0, "forbidden: one pair, cost 1");
		CHECK(out[0] == 1 && out[1] == -1, "forbidden: row 0 -> col 1, row 1 free");
	}
	/*
	 * Cardinality first: [[1,inf],[0,100]] -> the only 2-pair assignment is
	 * (0,0)+(1,1)=101, preferred to the single pair (1,0)=0.
	 */
	{
		double		c[] = {1, INFINITY, 0, 100};

		CHECK_NEAR(solve(c, 2, 2, out), 101, 0, "forbidden: cardinality before cost");
	}
	/* all forbidden: nothing assigned */
	{
		double		c[] = {INFINITY, INFINITY};

		CHECK_NEAR(solve(c, 1, 2, out), 0, 0, "all forbidden: total 0");
		CHECK(out[0] == -1, "all forbidden: row unassigned");
	}
	/* negative costs and empty shapes */
	{
		double		c[] = {-5, -1, -2, -3};

		CHECK_NEAR(solve(c, 2, 2, out), -8, 0, "negative costs: -5 + -3");
		CHECK_NEAR(solve(c, 0, 2, out), 0, 0, "0x2 is empty");
		CHECK_NEAR(solve(c, 2, 0, out), 0, 0, "2x0 is empty");
		CHECK(out[0] == -1 && out[1] == -1, "2x0 leaves rows free");
	}
	/* the interrupt callback stops the solver */
	{
		double		c[] = {4, 1, 3, 2, 0, 5, 3, 2, 2};

		stop_after = 1;
		CHECK(annqa_assign(c, 3, 3, out, ws, count_interrupt, NULL) == ANNQA_ASSIGN_INTERRUPTED,
			  "interrupt callback stops the solver");
	}
	/* huge range with +inf: cannot form D */
	{
		double		c[] = {-1e308, INFINITY, 1e308, 1e308};

		CHECK(annqa_assign(c, 2, 2, out, ws, NULL, NULL) == ANNQA_ASSIGN_RANGE,
			  "range overflow with +inf reported");
	}
	/* brute force on random small matrices, some with forbidden entries */
	{
		int			t, bad = 0, badinf = 0;

		srand(12345);
		for (t = 0; t < 3000; t++)
		{
			int			nr = 1 + rand() % 6, nc = 1 + rand() % 6, i;
			double		c[36];
			bool		used[6] = {false};
			bool		withinf = t % 3 == 0;
			double		got;
			int			cnt = 0;

			for (i = 0; i < nr * nc; i++)
			{
				c[i] = (rand() % 1000) / 10.0 - (t % 2 ? 30 : 0);
				if (withinf && rand() % 4 == 0)
					c[i] = INFINITY;
			}
			best_total = INFINITY;
			best_count = -1;
			brute(c, nr, nc, 0, used, 0, 0);
			got = solve(c, nr, nc, out);
			for (i = 0; i < nr; i++)
				cnt += out[i] >= 0;
			if (fabs(got - best_total) > 1e-9 || cnt != best_count)
			{
				if (withinf)
					badinf++;
				else
					bad++;
			}
		}
		CHECK(bad == 0, "2000 random finite matrices up to 6x6 equal brute force");
		CHECK(badinf == 0, "1000 random matrices with +inf: max cardinality, then min cost");
	}
	/*
	 * match_core: gold G1 'cat'(0); test T1 'dog'(1) with IoU 1, T2 'cat'(0)
	 * with IoU 9/11.  One pass: G1-T1 mismatch, T2 extra.  Two passes:
	 * G1-T2 matched, T1 extra.
	 */
	{
		double		sim[] = {1.0, 9.0 / 11};
		int			gl[] = {0}, tl[] = {1, 0};
		double		thr[] = {0.5};
		int			gt[1], gs[1], tg[2], ts[2];
		AnnqaMatchInput in = {1, 2, sim, gl, tl, thr, NULL, NULL, false};
		AnnqaMatchOutput o = {gt, gs, tg, ts};

		annqa_match_run(&in, &o, ws, NULL, NULL);
		CHECK(gt[0] == 0 && gs[0] == ANNQA_ST_MISMATCH && ts[1] == ANNQA_ST_EXTRA,
			  "one pass: wrong-label pair takes the box");
		in.two_pass = true;
		annqa_match_run(&in, &o, ws, NULL, NULL);
		CHECK(gt[0] == 1 && gs[0] == ANNQA_ST_MATCHED && ts[0] == ANNQA_ST_EXTRA,
			  "two passes: same-label pair first");
	}
	/*
	 * crowd: G1 normal, G2 crowd (both label 0); T1 matches G1 (IoU 1); T2
	 * has crowd similarity 1 with G2 -> ignored; T3 crowd similarity 0.25 ->
	 * extra; T4 label 1 inside the crowd -> extra.
	 */
	{
		double		sim[] = {1, 0, 0, 0, 0, 0.25, 0.25, 0.25};
		double		csim[] = {0, 0, 0, 0, 0.25, 1, 0.25, 1};
		int			gl[] = {0, 0}, tl[] = {0, 0, 0, 1};
		double		thr[] = {0.5, 0.5};
		bool		crowd[] = {false, true};
		int			gt[2], gs[2], tg[4], ts[4];
		AnnqaMatchInput in = {2, 4, sim, gl, tl, thr, crowd, csim, true};
		AnnqaMatchOutput o = {gt, gs, tg, ts};

		annqa_match_run(&in, &o, ws, NULL, NULL);
		CHECK(gs[0] == ANNQA_ST_MATCHED && gt[0] == 0 && gs[1] == ANNQA_ST_CROWD, "crowd gold not matched");
		CHECK(ts[1] == ANNQA_ST_IGNORED && tg[1] == 1, "crowd absorbs a same-label test object");
		CHECK(ts[2] == ANNQA_ST_EXTRA && ts[3] == ANNQA_ST_EXTRA, "below threshold or other label: extra");
	}
	/* empty sides */
	{
		double		thr[] = {0.5};
		int			gl[] = {0}, gt[1], gs[1];
		AnnqaMatchInput in = {1, 0, NULL, gl, NULL, thr, NULL, NULL, true};
		AnnqaMatchOutput o = {gt, gs, NULL, NULL};

		CHECK(annqa_match_run(&in, &o, ws, NULL, NULL) == ANNQA_ASSIGN_OK && gs[0] == ANNQA_ST_MISSING,
			  "empty test: gold missing");
		CHECK(annqa_match_workspace_size(1, 0) > 0, "workspace size for 1x0");
	}
	UNIT_DONE();
}
