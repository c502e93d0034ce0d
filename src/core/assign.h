/*
 * assign.h - exact rectangular linear assignment (pure C, no PostgreSQL).
 *
 * Minimises the total cost of a one-to-one assignment of the rows of an
 * nr x nc cost matrix to its columns, assigning min(nr, nc) pairs, by the
 * shortest augmenting path method (Jonker & Volgenant 1987, in the
 * rectangular form of Crouse 2016, the method behind scipy's
 * linear_sum_assignment).  Worst case O(min(nr,nc)^2 * max(nr,nc)) time.
 *
 * Forbidden pairs: a cost of +Infinity marks a pair that must not be
 * assigned.  The solver then assigns as many rows as any assignment can
 * (maximum cardinality) and, among those, minimises the total cost; rows
 * that cannot be assigned get -1.  (scipy raises "cost matrix is infeasible"
 * when not every row of the smaller side can be assigned; with no +Infinity
 * entry both agree.)  NaN and -Infinity are the caller's to reject.
 *
 * The solver never allocates: the caller passes a workspace of
 * annqa_assign_workspace_size(nr, nc) bytes (0 means too large for size_t).
 * The optional interrupt callback is called once per augmentation step
 * (O(max(nr,nc)) work each); it may longjmp out (PostgreSQL's
 * CHECK_FOR_INTERRUPTS), which is safe because nothing is allocated here.
 * If it returns nonzero the solver stops and returns ANNQA_ASSIGN_INTERRUPTED.
 */
#ifndef ANNQA_ASSIGN_H
#define ANNQA_ASSIGN_H

#include <stdbool.h>
#include <stddef.h>

#define ANNQA_ASSIGN_OK				0
#define ANNQA_ASSIGN_INTERRUPTED	1
#define ANNQA_ASSIGN_RANGE			2	/* finite costs too far apart to mix with +Infinity */

typedef int (*annqa_assign_interrupt_fn) (void *arg);

/* Bytes of workspace needed for an nr x nc problem, or 0 on size_t overflow. */
extern size_t annqa_assign_workspace_size(int nr, int nc);

/*
 * cost: nr * nc doubles, row-major, each finite or +Infinity.
 * col4row_out: nr ints, receives the 0-based column of each row or -1.
 * Returns ANNQA_ASSIGN_OK, ANNQA_ASSIGN_INTERRUPTED, or ANNQA_ASSIGN_RANGE
 * when +Infinity entries are present and the finite costs span so much that
 * the virtual cost D (see assign.c) overflows.
 */
extern int	annqa_assign(const double *cost, int nr, int nc, int *col4row_out,
						 void *workspace, annqa_assign_interrupt_fn interrupt,
						 void *interrupt_arg);

#endif
