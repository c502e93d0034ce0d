/*
 * agree_stats.h - pure kernels of the agreement statistics (no PostgreSQL).
 *
 * Definitions: ../shared/spec/agreement.md.  Inputs are the sufficient
 * statistics the aggregate state reduces to:
 *   - two-rater statistics (Cohen, Scott): the non-zero cells (k, l, count)
 *     of the q x q contingency table of the complete pairs;
 *   - multi-rater statistics (Fleiss, Gwet AC1/AC2, Brennan-Prediger,
 *     percent agreement, Krippendorff's alpha): the ratings grouped by item
 *     in CSR form, ptr[i] .. ptr[i+1]-1 holding the category indexes
 *     (0 .. q-1) of item i's ratings.
 * Category k has position x[k] (its index, or its numeric value for value
 * weights and for interval/ratio alpha).  Callers validate inputs; these
 * functions never allocate: scratch space comes from the caller (see
 * agree_work_doubles / agree_work_ints).
 */
#ifndef ANNQA_AGREE_STATS_H
#define ANNQA_AGREE_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum AgreeWeights
{
	AGREE_W_NONE = 0,
	AGREE_W_LINEAR = 1,
	AGREE_W_QUADRATIC = 2
} AgreeWeights;

typedef enum AgreeStat
{
	AGREE_COHEN = 1,
	AGREE_SCOTT = 2,
	AGREE_FLEISS = 3,
	AGREE_FLEISS_CATEGORY = 4,
	AGREE_AC1 = 5,				/* AC1, or AC2 when weighted */
	AGREE_AC2 = 6,
	AGREE_BP = 7,
	AGREE_PA = 8,
	AGREE_PA_UNANIMOUS = 9,
	AGREE_ALPHA = 10
} AgreeStat;

typedef enum AgreeLevel
{
	AGREE_NOMINAL = 0,
	AGREE_ORDINAL = 1,
	AGREE_INTERVAL = 2,
	AGREE_RATIO = 3
} AgreeLevel;

/* Agreement weights over q categories at positions x[0..q-1]. */
typedef struct AgreeWeightSpec
{
	int			q;
	AgreeWeights kind;
	const double *x;			/* may be NULL when kind is NONE */
	double		range;			/* max(x) - min(x); 0 means identity weights */
} AgreeWeightSpec;

/* A result: has_* false means SQL NULL (undefined). */
typedef struct AgreeResult
{
	double		estimate;
	double		se;
	double		p_o;
	double		p_e;
	bool		has_estimate;
	bool		has_se;
	bool		has_p_o;
	bool		has_p_e;
	int64_t		n_items;		/* items (units) the statistic used */
} AgreeResult;

/* Weight w_kl (1 on the diagonal). */
/*
 * Called (when set) once per row of every loop over categories x categories
 * and every 65,536 items, so a caller can cancel a long computation: the
 * extension sets it to a function that runs CHECK_FOR_INTERRUPTS, which may
 * longjmp out; the kernels hold no resources of their own.
 */
extern void (*agree_interrupt_hook) (void);
#define AGREE_CFI() do { if (agree_interrupt_hook) agree_interrupt_hook(); } while (0)

extern double agree_weight(const AgreeWeightSpec *ws, int k, int l);

/* Fill ws; x may be NULL for NONE.  range is computed from x. */
extern void agree_weight_init(AgreeWeightSpec *ws, int q, AgreeWeights kind, const double *x);

/* Scratch sizes for q categories. */
/*
 * Items with at most AGREE_SMALL_R ratings add to pi through exact integer
 * sums per (category, number of ratings), so the order of items does not
 * matter there and no division is done per item.
 */
#define AGREE_SMALL_R 16
#define agree_work_doubles(q) ((size_t) (4 + AGREE_SMALL_R + 1) * (size_t) (q) + 4)
#define agree_work_ints(q) (2 * (size_t) (q) + 4)

/*
 * Cohen's kappa (stat AGREE_COHEN, FCE 1969 SE) or Scott's pi (AGREE_SCOTT,
 * Gwet 2014 table SE) from ncells non-zero cells (k[c], l[c], cnt[c]).
 * work: agree_work_doubles(q) doubles.
 */
extern void agree_two_rater(AgreeStat stat, const AgreeWeightSpec *ws, size_t ncells,
							const int *k, const int *l, const double *cnt,
							double *work, AgreeResult *res);

/*
 * Items that share patterns: item i (0 .. nitems-1) has the categories
 * cat[ptr[p] .. ptr[p+1]-1] of pattern p = ipat[i] (ascending within a
 * pattern), so per-item quantities are computed once per pattern and cached
 * in pq (3 * npat doubles of caller scratch).  ipat NULL: item i is pattern
 * i (the plain CSR form; pq unused).  Results are the same bit for bit
 * whether items share patterns or not.
 */
typedef struct AgreeItems
{
	size_t		nitems;
	const size_t *ptr;
	const int  *cat;
	const uint32_t *ipat;
	size_t		npat;
	double	   *pq;
} AgreeItems;

#define agree_pattern_doubles(npat) ((size_t) 3 * (size_t) (npat))

extern void agree_multi_rater_items(AgreeStat stat, const AgreeWeightSpec *ws, const AgreeItems *it,
									double *work, int *iwork, AgreeResult *res);
extern void agree_alpha_items(AgreeLevel level, int q, const double *x, const AgreeItems *it,
							  double *work, int *iwork, AgreeResult *res);
extern void agree_fleiss_category_items(int q, int kcat, const AgreeItems *it, AgreeResult *res);

/*
 * Multi-rater statistics over nitems items (each with >= 1 rating):
 * AGREE_FLEISS (Gwet's generalisation; FNL 1979 SE0 when every item has the
 * same number m >= 2 of ratings and the weights are NONE), AGREE_AC1/AC2,
 * AGREE_BP, AGREE_PA (Gwet 2014 raw SE), AGREE_PA_UNANIMOUS (no SE).
 */
extern void agree_multi_rater(AgreeStat stat, const AgreeWeightSpec *ws, size_t nitems,
							  const size_t *ptr, const int *cat,
							  double *work, int *iwork, AgreeResult *res);

/* Fleiss' (1971) kappa of category kcat (-1: a category nobody used). */
extern void agree_fleiss_category(int q, int kcat, size_t nitems, const size_t *ptr,
								  const int *cat, AgreeResult *res);

/*
 * Krippendorff's alpha.  Category indexes must follow the order of x
 * (ascending) for the ordinal metric; x must be >= 0 for ratio.  p_o and p_e
 * receive D_o and D_e.  n_items receives the number of pairable units.
 */
extern void agree_alpha(AgreeLevel level, int q, const double *x, size_t nitems,
						const size_t *ptr, const int *cat,
						double *work, int *iwork, AgreeResult *res);

/* The standard normal quantile (for Wald intervals). */
extern double agree_norm_quantile(double p);
/* z >= 0 with P(Z > z) = tail, 0 < tail <= 0.5; NaN otherwise */
extern double agree_norm_upper_quantile(double tail);

#endif
