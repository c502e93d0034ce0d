/*
 * annqa.h - shared declarations of the annqa backend module.
 */
#ifndef ANNQA_H
#define ANNQA_H

#include "postgres.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/array.h"

/* Raise 22003 unless v is finite; fn names the SQL function, what the value. */
extern void annqa_check_finite(double v, const char *fn, const char *what);

/* Raise 22003 for a non-finite result (overflow of finite inputs). */
extern double annqa_check_result(double v, const char *fn);

/*
 * The elements of a float8[] as a C array (no copy when possible).  NULL
 * elements raise 22004, non-finite ones 22003, more than max_ndim dimensions
 * 22023.  *n receives the element count.
 */
extern const double *annqa_float8_array(ArrayType *arr, const char *fn,
										const char *what, int max_ndim, int *n);
/* a two-dimensional arr must have rows of width numbers (22023) */
extern void annqa_check_row_width(ArrayType *arr, int width, const char *fn, const char *what);

/* The same, for boolean[] (NULL elements raise 22004). */
extern const bool *annqa_bool_array(ArrayType *arr, const char *fn,
									const char *what, int *n);

/* Build a one-dimensional float8[] from n doubles. */
extern ArrayType *annqa_make_float8_array(const double *v, int n);

/* Shortest text that reads back as exactly the same double. */
extern void annqa_append_float8(StringInfo buf, double v);

#endif
