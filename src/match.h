/*
 * match.h - the PostgreSQL side of matching, shared with other geometry
 * families (masks: src/rle.c) so that every annqa.match overload emits the
 * same rows from the same core (src/core/match_core.c).
 */
#ifndef ANNQA_MATCH_H
#define ANNQA_MATCH_H

#include "annqa.h"
#include "utils/jsonb.h"

/* Parsed annqa.match options (see doc/readme-matching.md). */
typedef struct AnnqaMatchOpts
{
	bool		two_pass;		/* default true */
	bool		has_low;		/* low_overlap_threshold given */
	double		low_overlap;
	bool	   *crowd;			/* gold_crowd, or NULL */
	int			ncrowd;
	double	   *tba;			/* threshold_by_area as (area, thr) pairs, or NULL */
	int			ntba;			/* number of pairs */
	double	   *sigmas;			/* keypoints only */
	int			nsigmas;
	double	   *area;			/* keypoints only: gold areas (COCO OKS) */
	int			narea;
	double		image_area;		/* keypoints only: image_size w * h, or 0 */
} AnnqaMatchOpts;

/* Parse options; keys not in allowed (a NULL-terminated list) raise 22023. */
extern void annqa_match_parse_options(Jsonb *jb, const char *fn,
									  const char *const *allowed,
									  AnnqaMatchOpts *o);

/*
 * Run the matching on a precomputed similarity matrix and emit annqa.match's
 * rows into fcinfo's materialized result.  sim and crowd_sim are ng x nt
 * (gold rows); crowd_sim may be NULL when no gold is a crowd region; garea
 * (ng gold areas) is needed only for threshold_by_area.  glab and tlab are the
 * text[] label arguments (validated here: length, NULLs).
 */
extern void annqa_match_emit(FunctionCallInfo fcinfo, const char *fn,
							 const double *sim, const double *crowd_sim,
							 int ng, int nt, ArrayType *glab, ArrayType *tlab,
							 double threshold, const AnnqaMatchOpts *o,
							 const double *garea);

/* Object units of one item (annqa.object_units, annqa.consensus). */
typedef struct AnnqaUnits
{
	int			n;				/* objects */
	int			nraters;
	char	  **raters;			/* rater names, in output order */
	int		   *rater;			/* rater index of each object */
	int		   *unit;			/* unit (0-based, numbered by smallest member) of each object */
	int			nunits;
} AnnqaUnits;

/*
 * Cluster n objects with the symmetric similarity matrix sim (n x n) into
 * units; raters_arr is the raters argument or NULL (annqa_match_raters_arg).
 */
extern void annqa_match_cluster_units(const double *sim, int n, const char *fn,
									  double threshold, char **annot,
									  ArrayType *raters_arr, AnnqaUnits *u);
/* annqa.object_units' rows. */
extern void annqa_match_emit_units(FunctionCallInfo fcinfo, const AnnqaUnits *u,
								   char **labels);
/* labels (arg 1) and annotators (arg 2) of units/consensus, checked against n. */
extern void annqa_match_units_common_args(FunctionCallInfo fcinfo, const char *fn, int n,
										  char ***labels, char ***annot);
/* Argument k as a raters list, NULL when empty. */
extern ArrayType *annqa_match_raters_arg(FunctionCallInfo fcinfo, int k);

/* Small shared helpers of the SQL functions. */
extern void annqa_match_init_srf(FunctionCallInfo fcinfo);
extern int	annqa_match_array_1d_count(ArrayType *arr, const char *fn, const char *what);
extern char **annqa_match_read_texts(ArrayType *arr, const char *fn, const char *what, int *n);
extern int	annqa_match_string_ids(char **s, int n, int *ids);
extern void annqa_match_check_lengths(const char *fn, const char *a, int na,
									  const char *b, int nb);
extern void annqa_match_check_threshold(double t, const char *fn, const char *what);
extern void annqa_match_check_quorum(double q, const char *fn);
extern int	annqa_match_votes_needed(double quorum, int nraters);
extern int	annqa_match_unit_vote(const AnnqaUnits *u, int un, const int *lid, int *members,
								  int *best, int *bestcount);
extern double *annqa_match_alloc_matrix(int na, int nb, const char *fn);
extern ArrayType *annqa_match_make_matrix(const double *m, int na, int nb);

/* CHECK_FOR_INTERRUPTS as a solver callback. */
extern int	annqa_match_interrupt(void *arg);

#endif
