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
	double	   *area;			/* keypoints only: gold areas */
	int			narea;
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

/* CHECK_FOR_INTERRUPTS as a solver callback. */
extern int	annqa_match_interrupt(void *arg);

#endif
