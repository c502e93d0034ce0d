/*
 * agree_stats.c - agreement statistics and their standard errors from
 * sufficient statistics.  Definitions and the choice of SE follow
 * ../shared/spec/agreement.md; comments name the formula used.
 */
#include "agree_stats.h"

#include <math.h>
#include <string.h>

/* 1 - p_e below this is treated as p_e = 1 (0/0: undefined). */
#define AGREE_PE_EPS 1e-14

void		(*agree_interrupt_hook) (void) = NULL;

void
agree_weight_init(AgreeWeightSpec *ws, int q, AgreeWeights kind, const double *x)
{
	double		lo = 0,
				hi = 0;
	int			k;

	ws->q = q;
	ws->kind = kind;
	ws->x = x;
	ws->range = 0;
	if (kind == AGREE_W_NONE || x == NULL || q < 2)
	{
		ws->kind = (x == NULL) ? AGREE_W_NONE : kind;
		return;
	}
	lo = hi = x[0];
	for (k = 1; k < q; k++)
	{
		if (x[k] < lo)
			lo = x[k];
		if (x[k] > hi)
			hi = x[k];
	}
	ws->range = hi - lo;
}

double
agree_weight(const AgreeWeightSpec *ws, int k, int l)
{
	double		d;

	if (k == l)
		return 1.0;
	if (ws->kind == AGREE_W_NONE || !(ws->range > 0))
		return 0.0;
	d = fabs(ws->x[k] - ws->x[l]) / ws->range;
	return ws->kind == AGREE_W_LINEAR ? 1.0 - d : 1.0 - d * d;
}

/* T_w = sum of all weights (q when unweighted). */
static double
weight_total(const AgreeWeightSpec *ws)
{
	double		t = 0;
	int			k,
				l;

	if (ws->kind == AGREE_W_NONE)
		return ws->q;
	for (k = 0; k < ws->q; k++)
	{
		AGREE_CFI();
		for (l = 0; l < ws->q; l++)
			t += agree_weight(ws, k, l);
	}
	return t;
}

static void
result_clear(AgreeResult *res)
{
	memset(res, 0, sizeof(*res));
}

/*
 * Neumaier (improved Kahan) summation: sums over millions of items stay
 * accurate to a few ulps whatever their order, so serial and parallel plans
 * agree to rounding.
 */
typedef struct KSum
{
	double		s;
	double		c;
} KSum;

static inline void
ksum_add(KSum *k, double x)
{
	double		t = k->s + x;

	if (fabs(k->s) >= fabs(x))
		k->c += (k->s - t) + x;
	else
		k->c += (x - t) + k->s;
	k->s = t;
}

static inline double
ksum_get(const KSum *k)
{
	return k->s + k->c;
}

/* ------------------------------------------------------------ two raters */

void
agree_two_rater(AgreeStat stat, const AgreeWeightSpec *ws, size_t ncells,
				const int *k, const int *l, const double *cnt,
				double *work, AgreeResult *res)
{
	int			q = ws->q;
	double	   *pr = work,
			   *pc = work + q,
			   *wr = work + 2 * (size_t) q,
			   *wc = work + 3 * (size_t) q;
	double		n = 0,
				p_o = 0,
				p_e = 0,
				est,
				var = 0,
				s;
	size_t		c;
	int			a,
				b;
	bool		weighted = ws->kind != AGREE_W_NONE;

	result_clear(res);
	for (c = 0; c < ncells; c++)
		n += cnt[c];
	res->n_items = (int64_t) n;
	if (!(n > 0) || q < 1)
		return;
	memset(work, 0, sizeof(double) * 4 * (size_t) q);
	for (c = 0; c < ncells; c++)
	{
		double		p = cnt[c] / n;

		pr[k[c]] += p;
		pc[l[c]] += p;
		p_o += agree_weight(ws, k[c], l[c]) * p;
	}
	/* w̄_k+ = Σ_l p_+l w_kl and w̄_+l = Σ_k p_k+ w_kl */
	for (a = 0; a < q; a++)
	{
		if (!weighted)
		{
			wr[a] = pc[a];
			wc[a] = pr[a];
			continue;
		}
		AGREE_CFI();
		for (b = 0; b < q; b++)
		{
			wr[a] += pc[b] * agree_weight(ws, a, b);
			wc[a] += pr[b] * agree_weight(ws, b, a);
		}
	}
	if (stat == AGREE_COHEN)
	{
		for (a = 0; a < q; a++)
			p_e += pr[a] * wr[a];
	}
	else
	{
		/* Scott: π_k = (p_k+ + p_+k) / 2, p_e = Σ w_kl π_k π_l */
		for (a = 0; a < q; a++)
		{
			double		pa = (pr[a] + pc[a]) / 2;

			if (!weighted)
				p_e += pa * pa;
			else
			{
				AGREE_CFI();
				for (b = 0; b < q; b++)
					p_e += agree_weight(ws, a, b) * pa * (pr[b] + pc[b]) / 2;
			}
		}
	}
	res->p_o = p_o;
	res->p_e = p_e;
	res->has_p_o = res->has_p_e = true;
	if (1.0 - p_e < AGREE_PE_EPS)
		return;
	est = (p_o - p_e) / (1.0 - p_e);
	res->estimate = est;
	res->has_estimate = true;

	if (stat == AGREE_COHEN)
	{
		/* Fleiss, Cohen & Everitt (1969) large-sample variance */
		for (c = 0; c < ncells; c++)
		{
			double		p = cnt[c] / n;

			s = agree_weight(ws, k[c], l[c]) - (wr[k[c]] + wc[l[c]]) * (1.0 - est);
			var += p * s * s;
		}
		s = est - p_e * (1.0 - est);
		var -= s * s;
	}
	else
	{
		/* Gwet (2014) table variance of Scott's pi, π̄_k = (w̄_k+ + w̄_+k) / 2 */
		for (c = 0; c < ncells; c++)
		{
			double		p = cnt[c] / n;
			double		pbk = (wr[k[c]] + wc[k[c]]) / 2,
						pbl = (wr[l[c]] + wc[l[c]]) / 2;

			s = agree_weight(ws, k[c], l[c]) - (1.0 - est) * (pbk + pbl);
			var += p * s * s;
		}
		s = p_o - 2.0 * (1.0 - est) * p_e;
		var -= s * s;
	}
	var /= n * (1.0 - p_e) * (1.0 - p_e);
	if (!(var > 0))
		var = 0;				/* analytically 0, rounding may give -1e-17 */
	res->se = sqrt(var);
	res->has_se = true;
}

/* ------------------------------------------------------------ many raters */

/*
 * Per-item quantities: pa_i = Σ_k r_ik (r*_ik - 1) / (r_i (r_i - 1)) (0 when
 * r_i < 2), pe_term = Σ_k r_ik (1 - π_k) / r_i (needs pi), nd = number of
 * distinct categories.  cnt must be all zero on entry and is left zero.
 */
static void
item_quantities(const AgreeWeightSpec *ws, const int *cat, size_t m, const double *pi,
				double *cnt, int *dist, double *pa_i, double *pe_term, int *nd_out)
{
	int			nd = 0,
				a,
				b;
	size_t		j;
	double		pa = 0,
				pt = 0;

	for (j = 0; j < m; j++)
	{
		if (cnt[cat[j]] == 0)
			dist[nd++] = cat[j];
		cnt[cat[j]] += 1;
	}
	for (a = 0; a < nd; a++)
	{
		int			k = dist[a];
		double		rstar = cnt[k];

		if (ws->kind != AGREE_W_NONE)
		{
			rstar = 0;
			if ((a & 0xFF) == 0)
				AGREE_CFI();
			for (b = 0; b < nd; b++)
				rstar += agree_weight(ws, k, dist[b]) * cnt[dist[b]];
		}
		pa += cnt[k] * (rstar - 1);
		if (pi)
			pt += cnt[k] * (1 - pi[k]);
	}
	for (a = 0; a < nd; a++)
		cnt[dist[a]] = 0;
	*pa_i = m >= 2 ? pa / ((double) m * (double) (m - 1)) : 0;
	*pe_term = pt / (double) m;
	*nd_out = nd;
}

/* the pattern of item i */
#define IPAT(it, i) ((it)->ipat ? (size_t) (it)->ipat[i] : (i))

/*
 * pa_i and the number of distinct categories of pattern p (cached when
 * items share patterns: pq[3p] pa_i, pq[3p+1] nd; NaN = not yet).
 */
static inline void
pattern_pa(const AgreeWeightSpec *ws, const AgreeItems *it, size_t p, double *cnt, int *dist,
		   double *pa_i, int *nd)
{
	double		pet;

	if (it->ipat && !isnan(it->pq[3 * p]))
	{
		*pa_i = it->pq[3 * p];
		*nd = (int) it->pq[3 * p + 1];
		return;
	}
	item_quantities(ws, it->cat + it->ptr[p], it->ptr[p + 1] - it->ptr[p], NULL, cnt, dist, pa_i, &pet, nd);
	if (it->ipat)
	{
		it->pq[3 * p] = *pa_i;
		it->pq[3 * p + 1] = *nd;
	}
}

/* pe_term of pattern p (needs pi; cached in pq[3p+2]) */
static inline double
pattern_pet(const AgreeWeightSpec *ws, const AgreeItems *it, size_t p, const double *pi, double *cnt,
			int *dist)
{
	double		pa_i,
				pet;
	int			nd;

	if (it->ipat && !isnan(it->pq[3 * p + 2]))
		return it->pq[3 * p + 2];
	item_quantities(ws, it->cat + it->ptr[p], it->ptr[p + 1] - it->ptr[p], pi, cnt, dist, &pa_i, &pet, &nd);
	if (it->ipat)
		it->pq[3 * p + 2] = pet;
	return pet;
}

static void
pattern_cache_reset(const AgreeItems *it)
{
	size_t		p;

	if (it->ipat)
		for (p = 0; p < agree_pattern_doubles(it->npat); p++)
			it->pq[p] = NAN;
}

void
agree_multi_rater(AgreeStat stat, const AgreeWeightSpec *ws, size_t nitems,
				  const size_t *ptr, const int *cat,
				  double *work, int *iwork, AgreeResult *res)
{
	AgreeItems	it = {nitems, ptr, cat, NULL, nitems, NULL};

	agree_multi_rater_items(stat, ws, &it, work, iwork, res);
}

void
agree_multi_rater_items(AgreeStat stat, const AgreeWeightSpec *ws, const AgreeItems *it,
						double *work, int *iwork, AgreeResult *res)
{
	size_t		nitems = it->nitems;
	const size_t *ptr = it->ptr;
	const int  *cat = it->cat;
	int			q = ws->q,
				k,
				l,
				nd;
	double	   *cnt = work,
			   *pi = work + q,
			   *pic = work + 2 * (size_t) q,
			   *tsum = work + 4 * (size_t) q;
	double		n = (double) nitems,
				n2 = 0,
				unan = 0,
				p_a,
				p_e = 0,
				t_w,
				est,
				pai,
				pet;
	size_t		i,
				j,
				m0;
	bool		equal_m = true;
	KSum		pa_sum = {0, 0};

	result_clear(res);
	res->n_items = (int64_t) nitems;
	if (nitems == 0 || q < 1)
		return;
	memset(work, 0, sizeof(double) * 3 * (size_t) q);
	if (it->ipat)
		memset(it->pq, 0, sizeof(double) * agree_pattern_doubles(it->npat));
	m0 = ptr[IPAT(it, 0) + 1] - ptr[IPAT(it, 0)];

	/*
	 * π_k = (1/n) Σ_i r_ik / r_i over every item with a rating.  Items with
	 * r_i <= AGREE_SMALL_R: exact sums T[k][r] = Σ_{i: r_i = r} r_ik (integers
	 * in doubles), divided once per (k, r) at the end; larger items: Neumaier
	 * steps on pi[k] with compensation pic[k].  Each item's categories come
	 * in ascending order, so each category is one run.
	 */
	memset(tsum, 0, sizeof(double) * (AGREE_SMALL_R + 1) * (size_t) q);
	if (it->ipat)
	{
		/*
		 * shared patterns: count the items of each pattern (in pq[3p], reset
		 * below), then add each small pattern's counts times its number of
		 * items: the same exact sums
		 */
		size_t		p;

		for (i = 0; i < nitems; i++)
			it->pq[3 * (size_t) it->ipat[i]] += 1;
		for (p = 0; p < it->npat; p++)
		{
			double		mult = it->pq[3 * p];
			size_t		ri = ptr[p + 1] - ptr[p];

			if (mult == 0)
				continue;
			if (ri != m0)
				equal_m = false;
			if (ri > AGREE_SMALL_R)
				continue;
			for (j = ptr[p]; j < ptr[p + 1];)
			{
				int			c = cat[j];
				size_t		e = j + 1;

				while (e < ptr[p + 1] && cat[e] == c)
					e++;
				tsum[(size_t) c * (AGREE_SMALL_R + 1) + ri] += (double) (e - j) * mult;
				j = e;
			}
		}
		pattern_cache_reset(it);
	}
	for (i = 0; i < nitems; i++)
	{
		size_t		p = IPAT(it, i),
					ri = ptr[p + 1] - ptr[p];

		if ((i & 0xFFFF) == 0)
			AGREE_CFI();
		if (it->ipat && ri <= AGREE_SMALL_R)
			continue;			/* counted above */
		if (ri != m0)
			equal_m = false;
		for (j = ptr[p]; j < ptr[p + 1];)
		{
			int			c = cat[j];
			size_t		e = j + 1;

			while (e < ptr[p + 1] && cat[e] == c)
				e++;
			if (ri <= AGREE_SMALL_R)
				tsum[(size_t) c * (AGREE_SMALL_R + 1) + ri] += (double) (e - j);
			else
			{
				double		x = (double) (e - j) / (double) ri,
							t = pi[c] + x;

				if (fabs(pi[c]) >= x)
					pic[c] += (pi[c] - t) + x;
				else
					pic[c] += (x - t) + pi[c];
				pi[c] = t;
			}
			j = e;
		}
	}
	for (k = 0; k < q; k++)
	{
		KSum		s = {pi[k], pic[k]};
		int			r;

		for (r = 1; r <= AGREE_SMALL_R; r++)
			if (tsum[(size_t) k * (AGREE_SMALL_R + 1) + r] != 0)
				ksum_add(&s, tsum[(size_t) k * (AGREE_SMALL_R + 1) + r] / (double) r);
		pi[k] = ksum_get(&s) / n;
	}

	/* p_a over the items with at least 2 ratings */
	for (i = 0; i < nitems; i++)
	{
		size_t		p = IPAT(it, i),
					ri = ptr[p + 1] - ptr[p];

		if ((i & 0xFFFF) == 0)
			AGREE_CFI();
		if (ri < 2)
			continue;
		pattern_pa(ws, it, p, cnt, iwork, &pai, &nd);
		n2 += 1;
		ksum_add(&pa_sum, pai);
		if (nd == 1)
			unan += 1;
	}
	if (n2 == 0)
		return;					/* nothing pairable: observed agreement undefined */
	if (stat == AGREE_PA_UNANIMOUS)
	{
		res->estimate = res->p_o = unan / n2;
		res->has_estimate = res->has_p_o = true;
		return;
	}
	p_a = ksum_get(&pa_sum) / n2;
	res->p_o = p_a;
	res->has_p_o = true;
	t_w = weight_total(ws);

	switch (stat)
	{
		case AGREE_FLEISS:
			for (k = 0; k < q; k++)
			{
				if (ws->kind == AGREE_W_NONE)
					p_e += pi[k] * pi[k];
				else
				{
					AGREE_CFI();
					for (l = 0; l < q; l++)
						p_e += agree_weight(ws, k, l) * pi[k] * pi[l];
				}
			}
			break;
		case AGREE_AC1:
		case AGREE_AC2:
			if (q < 2)
				return;			/* q(q-1) = 0 */
			for (k = 0; k < q; k++)
				p_e += pi[k] * (1 - pi[k]);
			p_e *= t_w / ((double) q * (q - 1));
			break;
		case AGREE_BP:
			p_e = t_w / ((double) q * q);
			break;
		case AGREE_PA:
			p_e = 0;
			break;
		default:
			return;
	}
	if (stat != AGREE_PA)
	{
		res->p_e = p_e;
		res->has_p_e = true;
		if (1.0 - p_e < AGREE_PE_EPS)
			return;
	}
	est = (p_a - p_e) / (1.0 - p_e);
	res->estimate = est;
	res->has_estimate = true;

	if (stat == AGREE_FLEISS)
	{
		/* Fleiss, Nee & Landis (1979) SE under H0: equal m, unweighted only */
		double		sp = 0,
					tp = 0,
					m = (double) m0,
					rad;

		if (!equal_m || m0 < 2 || ws->kind != AGREE_W_NONE)
			return;
		for (k = 0; k < q; k++)
		{
			double		pk = pi[k],
						qk = 1 - pi[k];

			sp += pk * qk;
			tp += pk * qk * (qk - pk);
		}
		if (!(sp > 0))
			return;
		rad = sp * sp - tp;
		if (rad < 0)
			rad = 0;
		res->se = sqrt(2.0 / (n * m * (m - 1))) * sqrt(rad) / sp;
		res->has_se = true;
		return;
	}

	/* Gwet (2008, 2014) linearisation: Var = Σ (γ*_i - γ)² / (n (n - 1)) */
	if (nitems < 2)
		return;
	{
		KSum		var = {0, 0};
		double		ac_f = (stat == AGREE_AC1 || stat == AGREE_AC2) ? t_w / ((double) q * (q - 1)) : 0;

		for (i = 0; i < nitems; i++)
		{
			size_t		p = IPAT(it, i),
						ri = ptr[p + 1] - ptr[p];
			double		g,
						d;

			if ((i & 0xFFFF) == 0)
				AGREE_CFI();
			if (ri >= 2)
				pattern_pa(ws, it, p, cnt, iwork, &pai, &nd);
			else
				pai = 0;
			pet = (stat == AGREE_AC1 || stat == AGREE_AC2) ? pattern_pet(ws, it, p, pi, cnt, iwork) : 0;
			g = (n / n2) * (pai - (ri >= 2 ? p_e : 0)) / (1.0 - p_e);
			if (stat == AGREE_AC1 || stat == AGREE_AC2)
				g -= 2 * (1 - est) * (ac_f * pet - p_e) / (1.0 - p_e);
			d = g - est;
			ksum_add(&var, d * d);
		}
		res->se = sqrt(ksum_get(&var) / (n * (n - 1)));
		res->has_se = true;
	}
}

void
agree_fleiss_category(int q, int kcat, size_t nitems, const size_t *ptr,
					  const int *cat, AgreeResult *res)
{
	AgreeItems	it = {nitems, ptr, cat, NULL, nitems, NULL};

	agree_fleiss_category_items(q, kcat, &it, res);
}

void
agree_fleiss_category_items(int q, int kcat, const AgreeItems *it, AgreeResult *res)
{
	size_t		nitems = it->nitems;
	const size_t *ptr = it->ptr;
	const int  *cat = it->cat;
	size_t		i,
				j,
				m0;
	double		n = (double) nitems,
				m,
				tot = 0,
				dis = 0,
				pk,
				qk;

	result_clear(res);
	res->n_items = (int64_t) nitems;
	if (nitems == 0)
		return;
	m0 = ptr[IPAT(it, 0) + 1] - ptr[IPAT(it, 0)];
	for (i = 0; i < nitems; i++)
		if (ptr[IPAT(it, i) + 1] - ptr[IPAT(it, i)] != m0)
			return;				/* unequal m: undefined */
	if (m0 < 2 || kcat < 0 || kcat >= q)
		return;
	m = (double) m0;
	for (i = 0; i < nitems; i++)
	{
		double		r = 0;
		size_t		p = IPAT(it, i);

		if ((i & 0xFFFF) == 0)
			AGREE_CFI();
		for (j = ptr[p]; j < ptr[p + 1]; j++)
			if (cat[j] == kcat)
				r += 1;
		tot += r;
		dis += r * (m - r);
	}
	pk = tot / (n * m);
	qk = 1 - pk;
	if (!(pk > 0) || !(qk > 0))
		return;
	/* Fleiss (1971): κ_k = 1 - Σ r_ik (m - r_ik) / (n m (m-1) p_k q_k) */
	res->estimate = 1 - dis / (n * m * (m - 1) * pk * qk);
	res->has_estimate = true;
	res->se = sqrt(2.0 / (n * m * (m - 1)));
	res->has_se = true;
}

/* ------------------------------------------------------------ Krippendorff */

static inline double
alpha_delta2(AgreeLevel level, const double *x, const double *cum, const double *nc, int c, int k)
{
	double		d,
				s;

	if (c == k)
		return 0;
	switch (level)
	{
		case AGREE_NOMINAL:
			return 1;
		case AGREE_ORDINAL:
			if (c > k)
			{
				int			t = c;

				c = k;
				k = t;
			}
			d = (cum[k + 1] - cum[c]) - (nc[c] + nc[k]) / 2;
			return d * d;
		case AGREE_INTERVAL:
			d = x[c] - x[k];
			return d * d;
		case AGREE_RATIO:
			s = x[c] + x[k];
			if (s == 0)
				return 0;
			d = (x[c] - x[k]) / s;
			return d * d;
	}
	return 0;
}

void
agree_alpha(AgreeLevel level, int q, const double *x, size_t nitems,
			const size_t *ptr, const int *cat,
			double *work, int *iwork, AgreeResult *res)
{
	AgreeItems	it = {nitems, ptr, cat, NULL, nitems, NULL};

	agree_alpha_items(level, q, x, &it, work, iwork, res);
}

void
agree_alpha_items(AgreeLevel level, int q, const double *x, const AgreeItems *it,
				  double *work, int *iwork, AgreeResult *res)
{
	size_t		nitems = it->nitems;
	const size_t *ptr = it->ptr;
	const int  *cat = it->cat;
	double	   *cnt = work,
			   *nc = work + q,
			   *cum = work + 2 * (size_t) q;	/* q + 1 entries */
	double		n = 0,
				d_o,
				d_e = 0;
	KSum		d_o_sum = {0, 0};
	size_t		i,
				j,
				units = 0;
	int			k,
				a,
				b,
				nd,
				nu = 0;

	result_clear(res);
	if (q < 1)
		return;
	memset(work, 0, sizeof(double) * (3 * (size_t) q + 1));
	/*
	 * coincidence marginals n_c: every value of a pairable unit counts once
	 * (exact integer sums; with shared patterns, each pattern's values times
	 * its number of items, counted in pq)
	 */
	if (it->ipat)
	{
		size_t		p;

		memset(it->pq, 0, sizeof(double) * agree_pattern_doubles(it->npat));
		for (i = 0; i < nitems; i++)
			it->pq[it->ipat[i]] += 1;
		for (p = 0; p < it->npat; p++)
		{
			double		mult = it->pq[p];

			if (mult == 0 || ptr[p + 1] - ptr[p] < 2)
				continue;
			units += (size_t) mult;
			for (j = ptr[p]; j < ptr[p + 1]; j++)
				nc[cat[j]] += mult;
		}
		pattern_cache_reset(it);
	}
	else
		for (i = 0; i < nitems; i++)
		{
			if ((i & 0xFFFF) == 0)
				AGREE_CFI();
			if (ptr[i + 1] - ptr[i] < 2)
				continue;
			units++;
			for (j = ptr[i]; j < ptr[i + 1]; j++)
				nc[cat[j]] += 1;
		}
	res->n_items = (int64_t) units;
	for (k = 0; k < q; k++)
	{
		n += nc[k];
		cum[k + 1] = cum[k] + nc[k];
		if (nc[k] > 0)
			iwork[nu++] = k;
	}
	if (units == 0)
		return;

	/* D_e = Σ_ck n_c n_k δ²_ck / (n (n - 1)) */
	if (level == AGREE_NOMINAL)
	{
		double		s2 = 0;

		for (k = 0; k < q; k++)
			s2 += nc[k] * nc[k];
		d_e = (n * n - s2) / (n * (n - 1));
	}
	else if (level == AGREE_INTERVAL)
	{
		/*
		 * 2 n Σ n_k (x_k - mean)² / (n (n - 1)), on values shifted by the
		 * first pairable value so that identical values give exactly 0 (a
		 * float mean of equal values leaves rounding residue, and 0/0 must
		 * stay undefined); one distinct pairable value: D_e = 0.
		 */
		double		mean = 0,
					ss = 0,
					x0 = nu > 0 ? x[iwork[0]] : 0;

		if (nu >= 2)
		{
			for (a = 0; a < nu; a++)
				mean += nc[iwork[a]] * (x[iwork[a]] - x0);
			mean /= n;
			for (a = 0; a < nu; a++)
			{
				double		y = (x[iwork[a]] - x0) - mean;

				ss += nc[iwork[a]] * y * y;
			}
		}
		d_e = 2 * n * ss / (n * (n - 1));
	}
	else
	{
		for (a = 0; a < nu; a++)
		{
			AGREE_CFI();
			for (b = 0; b < nu; b++)
				if (a != b)
					d_e += nc[iwork[a]] * nc[iwork[b]] *
						alpha_delta2(level, x, cum, nc, iwork[a], iwork[b]);
		}
		d_e /= n * (n - 1);
	}

	/* D_o = (1/n) Σ_u Σ_{ordered pairs in u} δ² / (m_u - 1) */
	for (i = 0; i < nitems; i++)
	{
		size_t		pt = IPAT(it, i),
					m = ptr[pt + 1] - ptr[pt];
		double		s = 0;
		int		   *dist = iwork + nu;	/* iwork has room: nu + nd <= 2q */

		if ((i & 0xFFFF) == 0)
			AGREE_CFI();
		if (m < 2)
			continue;
		if (it->ipat && !isnan(it->pq[pt]))
		{
			/* this pattern's term, computed for an earlier item */
			ksum_add(&d_o_sum, it->pq[pt]);
			continue;
		}
		if (level == AGREE_INTERVAL)
		{
			/* shifted by the unit's first value: equal values give exactly 0 */
			double		mean = 0,
						x0 = x[cat[ptr[pt]]];

			for (j = ptr[pt]; j < ptr[pt + 1]; j++)
				mean += x[cat[j]] - x0;
			mean /= (double) m;
			for (j = ptr[pt]; j < ptr[pt + 1]; j++)
			{
				double		y = (x[cat[j]] - x0) - mean;

				s += y * y;
			}
			s *= 2 * (double) m;
		}
		else
		{
			nd = 0;
			for (j = ptr[pt]; j < ptr[pt + 1]; j++)
			{
				if (cnt[cat[j]] == 0)
					dist[nd++] = cat[j];
				cnt[cat[j]] += 1;
			}
			if (level == AGREE_NOMINAL)
			{
				s = (double) m * (double) m;
				for (a = 0; a < nd; a++)
					s -= cnt[dist[a]] * cnt[dist[a]];
			}
			else
				for (a = 0; a < nd; a++)
				{
					if ((a & 0xFF) == 0)
						AGREE_CFI();
					for (b = 0; b < nd; b++)
						if (a != b)
							s += cnt[dist[a]] * cnt[dist[b]] *
								alpha_delta2(level, x, cum, nc, dist[a], dist[b]);
				}
			for (a = 0; a < nd; a++)
				cnt[dist[a]] = 0;
		}
		if (it->ipat)
			it->pq[pt] = s / (double) (m - 1);
		ksum_add(&d_o_sum, s / (double) (m - 1));
	}
	d_o = ksum_get(&d_o_sum) / n;
	res->p_o = d_o;
	res->p_e = d_e;
	res->has_p_o = res->has_p_e = true;
	if (!(d_e > 0))
		return;					/* every pairable value identical: 0/0 */
	res->estimate = 1 - d_o / d_e;
	res->has_estimate = true;
}

/* ------------------------------------------------------------ quantile */

double
agree_norm_quantile(double p)
{
	if (!(p > 0 && p < 1))
		return NAN;
	if (p < 0.5)
		return -agree_norm_upper_quantile(p);
	return agree_norm_upper_quantile(1 - p);
}

/*
 * z >= 0 with P(Z > z) = tail for 0 < tail <= 0.5, by bisection on the upper
 * tail erfc(z / sqrt 2) / 2 itself: a confidence level c gives tail
 * (1 - c) / 2 without forming 0.5 + c / 2, which rounds to 1 for c within
 * an ulp of 1 (and the lower tail is never evaluated near 0.5, where a
 * bisection on it could end a hair below 0).
 */
double
agree_norm_upper_quantile(double tail)
{
	double		lo = 0,
				hi = 40;
	int			it;

	if (!(tail > 0 && tail <= 0.5))
		return NAN;
	for (it = 0; it < 200; it++)
	{
		double		mid = (lo + hi) / 2;

		if (mid <= lo || mid >= hi)
			break;
		if (0.5 * erfc(mid / sqrt(2.0)) > tail)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}
