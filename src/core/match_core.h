/*
 * match_core.h - one-to-one matching of gold and test objects given their
 * similarity matrix (pure C, no PostgreSQL).  Every geometry (boxes, rotated
 * boxes, masks, keypoints, tags) reduces to this: the caller computes the
 * similarity matrix (and, for crowd regions, the crowd similarity) and maps
 * labels to integer ids; this file decides the pairs and their statuses.
 *
 * Rule (CVAT, quality_control/matching.py _match_segments_once): distance
 * d = 1 - similarity; a pair that cannot match (d > 1 - threshold of its
 * gold, d not finite, or similarity 0) gets d = 1 BEFORE the assignment, so
 * the exact assignment (assign.h) maximises the similarity of the pairs that
 * can match and a weak pair never takes the partner of a strong one; an
 * assigned pair is kept when !(d > 1 - threshold) and d != 1.  In exact
 * arithmetic that is similarity >= threshold and > 0; in double precision it
 * is CVAT's comparison, which can keep a similarity a few ulps below the
 * threshold (1 - 0.49999999999999994 rounds to 0.5).
 *   Ties: CVAT pads the distance matrix to a max(ng, nt) square with 1 and
 *   reads the solution in row order; the first pass's unmatched objects, in
 *   that order, are the second pass's lists.  Which of several optimal
 *   assignments comes out depends on both, so annqa does the same (the
 *   solver is Crouse's, as scipy's): the very pairs CVAT returns, also on
 *   ties.  Items whose square would exceed 4M cells are solved rectangular
 *   (the same optimum; ties may be broken otherwise).
 *   two_pass: pass 1 allows only same-label pairs (other pairs count as
 *   similarity 0), pass 2 matches the leftovers with any label.  Without
 *   two_pass, one label-agnostic pass (CVAT 2.x).  A kept pair is MATCHED
 *   when the labels agree, else MISMATCH.
 *   Crowd golds take no part in the assignment.  Afterwards each unmatched
 *   test object is absorbed (IGNORED) by the same-label crowd gold with the
 *   highest crowd similarity, when that reaches the crowd gold's threshold.
 */
#ifndef ANNQA_MATCH_CORE_H
#define ANNQA_MATCH_CORE_H

#include <stdbool.h>
#include <stddef.h>

#include "assign.h"

enum
{
	ANNQA_ST_MATCHED = 0,		/* same label, 1 - similarity <= 1 - threshold */
	ANNQA_ST_MISMATCH = 1,		/* geometry matched, label differs */
	ANNQA_ST_MISSING = 2,		/* gold only */
	ANNQA_ST_EXTRA = 3,			/* test only */
	ANNQA_ST_CROWD = 4,			/* a crowd gold region (never matched) */
	ANNQA_ST_IGNORED = 5		/* test absorbed by a crowd gold */
};

typedef struct AnnqaMatchInput
{
	int			ng,
				nt;
	const double *sim;			/* ng * nt, row-major: gold rows, test columns */
	const int  *glabel;			/* ng label ids (equal id = same label) */
	const int  *tlabel;			/* nt label ids */
	const double *thr;			/* ng thresholds, one per gold */
	const bool *gcrowd;			/* ng crowd flags, or NULL */
	const double *crowd_sim;	/* ng * nt crowd similarity, read on crowd rows; or NULL */
	bool		two_pass;
} AnnqaMatchInput;

typedef struct AnnqaMatchOutput
{
	int		   *gold_test;		/* ng: matched test index or -1 */
	int		   *gold_status;	/* ng: MATCHED, MISMATCH, MISSING or CROWD */
	int		   *test_gold;		/* nt: matched or absorbing gold index, or -1 */
	int		   *test_status;	/* nt: MATCHED, MISMATCH, EXTRA or IGNORED */
} AnnqaMatchOutput;

/*
 * CVAT's distance of a pair of similarity s under threshold thr: 1 - s, or 1
 * when the pair cannot match (see the rule above).  Other callers that match
 * under a threshold (object units) use it for the same rule.
 */
extern double annqa_match_pair_distance(double s, double thr);

/* Workspace bytes for an ng x nt problem; 0 on size_t overflow. */
extern size_t annqa_match_workspace_size(int ng, int nt);

/* Returns an ANNQA_ASSIGN_* code (OK, INTERRUPTED or RANGE). */
extern int	annqa_match_run(const AnnqaMatchInput *in, AnnqaMatchOutput *out,
							void *workspace, annqa_assign_interrupt_fn interrupt,
							void *interrupt_arg);

#endif
