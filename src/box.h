/*
 * box.h - the annqa.rbox type (rotated box) and box helpers.
 */
#ifndef ANNQA_BOX_H
#define ANNQA_BOX_H

#include "annqa.h"
#include "geom.h"
#include "utils/geo_decls.h"

#include <math.h>

/* annqa.rbox: fixed length (40 bytes), passed by reference, double aligned. */
typedef AnnqaRBox RBox;

#define DatumGetRBoxP(X)	((RBox *) DatumGetPointer(X))
#define RBoxPGetDatum(X)	PointerGetDatum(X)
#define PG_GETARG_RBOX_P(n) DatumGetRBoxP(PG_GETARG_DATUM(n))
#define PG_RETURN_RBOX_P(x) return RBoxPGetDatum(x)

extern void annqa_box_not_finite(const char *fn) pg_attribute_noreturn();

/* Validate a PostgreSQL box for function fn (finite corners; 22003 otherwise). */
static inline void
annqa_box_check(const BOX *b, const char *fn)
{
	/* x - x is 0 for finite x and NaN for NaN or infinity */
	if (unlikely(isnan((b->low.x - b->low.x) + (b->low.y - b->low.y) +
					   (b->high.x - b->high.x) + (b->high.y - b->high.y))))
		annqa_box_not_finite(fn);
}

/* Convert a PostgreSQL box (high/low corners) to the kernel's box. */
static inline AnnqaBox
annqa_box_from_pg(const BOX *b)
{
	AnnqaBox	r;

	r.lx = b->low.x;
	r.ly = b->low.y;
	r.hx = b->high.x;
	r.hy = b->high.y;
	return r;
}

/* Validate an rbox built by any path in: finite fields, w and h >= 0. */
extern void annqa_rbox_validate(const RBox *r, int sqlstate, const char *context);

#endif
