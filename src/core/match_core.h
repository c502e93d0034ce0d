/*
 * match_core.h - one-to-one matching of gold and test objects given their
 * similarity matrix (pure C, no PostgreSQL).  Every geometry (boxes, rotated
 * boxes, masks, keypoints, tags) reduces to this: the caller computes the
 * similarity matrix (and, for crowd regions, the crowd similarity) and maps
 * labels to integer ids; this file decides the pairs and their statuses.
 *
 * Rule (CVAT): cost = 1 - similarity, solved exactly (assign.h); an assigned
 * pair is kept when similarity > 0 and similarity >= the gold's threshold.
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
	ANNQA_ST_MATCHED = 0,		/* same label, similarity >= threshold */
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

/* Workspace bytes for an ng x nt problem; 0 on size_t overflow. */
extern size_t annqa_match_workspace_size(int ng, int nt);

/* Returns an ANNQA_ASSIGN_* code (OK, INTERRUPTED or RANGE). */
extern int	annqa_match_run(const AnnqaMatchInput *in, AnnqaMatchOutput *out,
							void *workspace, annqa_assign_interrupt_fn interrupt,
							void *interrupt_arg);

#endif
