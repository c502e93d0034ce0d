/*
 * Unit tests of the agreement kernels (src/core/agree_stats.c).  Expected
 * values are published figures or hand derivations written in the comments.
 */
#include "agree_stats.h"
#include "unit.h"

#include <stdlib.h>

static double work[512];
static int	iwork[256];

int
main(void)
{
	AgreeWeightSpec ws;
	AgreeResult r;

	/*
	 * Fleiss, Cohen & Everitt (1969) 3x3 table, n = 200: p_o = 0.70, p_e =
	 * 0.475, kappa = 0.225 / 0.525 = 3/7; Scott: pi_k = (0.625, 0.275, 0.1),
	 * p_e = 0.47625, pi = 0.22375 / 0.52375.
	 */
	{
		int			k[9] = {0, 0, 0, 1, 1, 1, 2, 2, 2},
					l[9] = {0, 1, 2, 0, 1, 2, 0, 1, 2};
		double		c[9] = {106, 10, 4, 22, 28, 10, 2, 12, 6};

		agree_weight_init(&ws, 3, AGREE_W_NONE, NULL);
		agree_two_rater(AGREE_COHEN, &ws, 9, k, l, c, work, &r);
		CHECK(r.has_estimate && r.has_se, "cohen defined");
		CHECK_NEAR(r.estimate, 3.0 / 7.0, 1e-15, "cohen kappa FCE table = 3/7");
		CHECK_NEAR(r.p_o, 0.70, 1e-15, "cohen p_o");
		CHECK_NEAR(r.p_e, 0.475, 1e-15, "cohen p_e");
		agree_two_rater(AGREE_SCOTT, &ws, 9, k, l, c, work, &r);
		CHECK_NEAR(r.estimate, 0.22375 / 0.52375, 1e-15, "scott pi FCE table");
	}

	/* one item, two raters disagree: Cohen 0 with SE 0 (spec degenerate table) */
	{
		int			k[1] = {0},
					l[1] = {1};
		double		c[1] = {1};

		agree_weight_init(&ws, 2, AGREE_W_NONE, NULL);
		agree_two_rater(AGREE_COHEN, &ws, 1, k, l, c, work, &r);
		CHECK(r.has_estimate && r.estimate == 0 && r.has_se && r.se == 0, "cohen single disagreement: 0, SE 0");
		agree_two_rater(AGREE_SCOTT, &ws, 1, k, l, c, work, &r);
		CHECK_NEAR(r.estimate, -1, 1e-15, "scott single disagreement: -1");
	}

	/* ... and multi-rater: Fleiss, AC1, BP -1; percent agreement 0; Gwet SE NULL */
	{
		size_t		ptr[2] = {0, 2};
		int			cat[2] = {0, 1};

		agree_weight_init(&ws, 2, AGREE_W_NONE, NULL);
		agree_multi_rater(AGREE_FLEISS, &ws, 1, ptr, cat, work, iwork, &r);
		CHECK_NEAR(r.estimate, -1, 1e-15, "fleiss single disagreement");
		agree_multi_rater(AGREE_AC1, &ws, 1, ptr, cat, work, iwork, &r);
		CHECK(r.has_estimate && r.estimate == -1 && !r.has_se, "ac1 -1, SE NULL");
		agree_multi_rater(AGREE_BP, &ws, 1, ptr, cat, work, iwork, &r);
		CHECK_NEAR(r.estimate, -1, 1e-15, "bp single disagreement");
		agree_multi_rater(AGREE_PA, &ws, 1, ptr, cat, work, iwork, &r);
		CHECK(r.has_estimate && r.estimate == 0, "percent agreement 0");
	}

	/* a single category: Fleiss and AC1 undefined, percent agreement 1 */
	{
		size_t		ptr[3] = {0, 2, 4};
		int			cat[4] = {0, 0, 0, 0};

		agree_weight_init(&ws, 1, AGREE_W_NONE, NULL);
		agree_multi_rater(AGREE_FLEISS, &ws, 2, ptr, cat, work, iwork, &r);
		CHECK(!r.has_estimate, "fleiss single category NULL");
		agree_multi_rater(AGREE_AC1, &ws, 2, ptr, cat, work, iwork, &r);
		CHECK(!r.has_estimate, "ac1 q = 1 NULL");
		agree_multi_rater(AGREE_PA, &ws, 2, ptr, cat, work, iwork, &r);
		CHECK(r.has_estimate && r.estimate == 1 && r.se == 0, "percent agreement 1, SE 0");
		/* with 2 declared categories AC1 = 1 and BP = 1 */
		agree_weight_init(&ws, 2, AGREE_W_NONE, NULL);
		agree_multi_rater(AGREE_AC1, &ws, 2, ptr, cat, work, iwork, &r);
		CHECK(r.has_estimate && r.estimate == 1 && r.se == 0, "ac1 declared q = 2: 1, SE 0");
		agree_multi_rater(AGREE_BP, &ws, 2, ptr, cat, work, iwork, &r);
		CHECK(r.has_estimate && r.estimate == 1, "bp declared q = 2: 1");
	}

	/* per-category kappa: items (0,0) and (1,1): perfect, kappa_0 = 1, SE0 = sqrt(2/(2*2*1)) */
	{
		size_t		ptr[3] = {0, 2, 4};
		int			cat[4] = {0, 0, 1, 1};

		agree_fleiss_category(2, 0, 2, ptr, cat, &r);
		CHECK_NEAR(r.estimate, 1, 1e-15, "fleiss per-category perfect");
		CHECK_NEAR(r.se, sqrt(0.5), 1e-15, "fleiss per-category SE0");
		agree_fleiss_category(2, -1, 2, ptr, cat, &r);
		CHECK(!r.has_estimate, "unused category NULL");
	}

	/*
	 * Krippendorff (2011), reliability data C: published alpha nominal 0.743,
	 * ordinal 0.815, interval 0.849, ratio 0.797 (values 1..5 at indexes 0..4).
	 */
	{
		int			cat[] = {0, 0, 0, /* u1 */ 1, 1, 2, 1, /* u2 */ 2, 2, 2, 2, 2, 2, 2, 2,
			1, 1, 1, 1, /* u5 */ 0, 1, 2, 3, /* u6 */ 3, 3, 3, 3, 0, 0, 1, 0, /* u8 */
			1, 1, 1, 1, 4, 4, 4, /* u10 */ 0, 0, 2};
		size_t		ptr[] = {0, 3, 7, 11, 15, 19, 23, 27, 31, 35, 38, 40, 41};
		double		x[5] = {1, 2, 3, 4, 5};
		const double want[4] = {0.743, 0.815, 0.849, 0.797};
		int			lv;

		for (lv = 0; lv < 4; lv++)
		{
			agree_alpha((AgreeLevel) lv, 5, x, 12, ptr, cat, work, iwork, &r);
			CHECK(r.has_estimate && r.n_items == 11, "alpha data C defined, 11 pairable units");
			CHECK_NEAR(r.estimate, want[lv], 5e-4, "alpha data C published value");
		}
		/* nominal D_e = 1216 / 1560 (marginals 9, 13, 10, 5, 3 of 40) */
		agree_alpha(AGREE_NOMINAL, 5, x, 12, ptr, cat, work, iwork, &r);
		CHECK_NEAR(r.p_e, 1216.0 / 1560.0, 1e-15, "alpha nominal D_e");
	}

	/* quadratic weights by index over 3 categories: w_02 = 0, w_01 = 3/4 */
	{
		double		x[3] = {0, 1, 2};

		agree_weight_init(&ws, 3, AGREE_W_QUADRATIC, x);
		CHECK_NEAR(agree_weight(&ws, 0, 1), 0.75, 1e-15, "quadratic w_01");
		CHECK_NEAR(agree_weight(&ws, 0, 2), 0, 1e-15, "quadratic w_02");
		agree_weight_init(&ws, 3, AGREE_W_LINEAR, x);
		CHECK_NEAR(agree_weight(&ws, 2, 1), 0.5, 1e-15, "linear w_21");
	}

	/*
	 * Items that share patterns (AgreeItems with ipat, as the grouped states
	 * give them) give the same results, bit for bit, as the same items in
	 * plain CSR form: 5 patterns over 3 categories (ascending within each),
	 * one with a single rating and one with 17 > AGREE_SMALL_R ratings, used
	 * by 12 items.
	 */
	{
		static const int pat_cat[] = {0, 0, 1, /* P1 */ 1, 2, /* P2 */ 0, 1, 2, 2, /* P3 */ 2,
		/* P4 */ 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2};
		static const size_t pat_ptr[] = {0, 3, 5, 9, 10, 27};
		static const uint32_t ipat[12] = {0, 1, 0, 2, 3, 1, 4, 0, 2, 2, 4, 1};
		size_t		ptr[13];
		int			cat[128];
		double		pq[agree_pattern_doubles(5)];
		double		x[3] = {0, 1, 2};
		AgreeItems	shared = {12, pat_ptr, pat_cat, ipat, 5, pq};
		AgreeResult a,
					b;
		size_t		i,
					j,
					n = 0;
		int			st,
					lv,
					same = 0,
					total = 0;
		const AgreeStat stats[] = {AGREE_FLEISS, AGREE_AC1, AGREE_BP, AGREE_PA, AGREE_PA_UNANIMOUS};

		ptr[0] = 0;
		for (i = 0; i < 12; i++)
		{
			for (j = pat_ptr[ipat[i]]; j < pat_ptr[ipat[i] + 1]; j++)
				cat[n++] = pat_cat[j];
			ptr[i + 1] = n;
		}
#define SAME_RESULT(a, b) ((a).has_estimate == (b).has_estimate && (a).estimate == (b).estimate && \
						   (a).has_se == (b).has_se && (a).se == (b).se && (a).p_o == (b).p_o && \
						   (a).p_e == (b).p_e && (a).n_items == (b).n_items)
		for (st = 0; st < 5; st++)
			for (lv = 0; lv < 3; lv++)
			{
				agree_weight_init(&ws, 3, (AgreeWeights) lv, lv ? x : NULL);
				agree_multi_rater(stats[st], &ws, 12, ptr, cat, work, iwork, &a);
				agree_multi_rater_items(stats[st], &ws, &shared, work, iwork, &b);
				same += SAME_RESULT(a, b) && a.has_p_o;
				total++;
			}
		for (lv = 0; lv < 4; lv++)
		{
			agree_alpha((AgreeLevel) lv, 3, x, 12, ptr, cat, work, iwork, &a);
			agree_alpha_items((AgreeLevel) lv, 3, x, &shared, work, iwork, &b);
			same += SAME_RESULT(a, b) && a.has_estimate;
			total++;
		}
		CHECK(same == total, "shared patterns: multi-rater and alpha results identical to plain CSR");
		/* AC1 has an SE here (the Gwet linearisation reads every item) */
		agree_weight_init(&ws, 3, AGREE_W_NONE, NULL);
		agree_multi_rater_items(AGREE_AC1, &ws, &shared, work, iwork, &b);
		CHECK(b.has_estimate && b.has_se && b.n_items == 12, "shared patterns: AC1 with SE over 12 items");
		/* unequal numbers of ratings: per-category kappa undefined both ways */
		agree_fleiss_category(3, 0, 12, ptr, cat, &a);
		agree_fleiss_category_items(3, 0, &shared, &b);
		CHECK(!a.has_estimate && !b.has_estimate, "shared patterns: per-category kappa undefined (unequal m)");
	}

	CHECK_NEAR(agree_norm_quantile(0.975), 1.959963984540054, 1e-14, "z(0.975)");
	CHECK_NEAR(agree_norm_quantile(0.5), 0, 1e-15, "z(0.5)");
	UNIT_DONE();
}
