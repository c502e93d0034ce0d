/* unit.h - a tiny TAP-style checker for the C unit tests. */
#ifndef ANNQA_UNIT_H
#define ANNQA_UNIT_H
#include <math.h>
#include <stdio.h>

static int unit_failed = 0;
static int unit_count = 0;

#define CHECK(cond, name) do { \
	unit_count++; \
	if (cond) printf("ok %d - %s\n", unit_count, name); \
	else { printf("not ok %d - %s (%s:%d)\n", unit_count, name, __FILE__, __LINE__); unit_failed++; } \
} while (0)

#define CHECK_NEAR(got, want, tol, name) do { \
	double g_ = (got), w_ = (want); \
	unit_count++; \
	if (fabs(g_ - w_) <= (tol)) printf("ok %d - %s\n", unit_count, name); \
	else { printf("not ok %d - %s: got %.17g, want %.17g (%s:%d)\n", unit_count, name, g_, w_, __FILE__, __LINE__); unit_failed++; } \
} while (0)

#define UNIT_DONE() do { printf("1..%d\n", unit_count); return unit_failed ? 1 : 0; } while (0)
#endif
