/*
 * assign.c - exact rectangular linear assignment by shortest augmenting
 * paths (see assign.h for the contract).
 *
 * The problem is solved with n = min(nr, nc) "rows" and m = max(nr, nc)
 * "columns" (a transposed view when nr > nc: no copy, the cost is read with
 * strides).  For each row in turn, a Dijkstra-like search over reduced costs
 * c(i,j) - u(i) - v(j) finds the cheapest alternating path to a free column;
 * the dual variables are updated so that reduced costs stay non-negative and
 * the path is augmented.  Ties prefer a free column, which ends the search.
 *
 * Forbidden (+Infinity) pairs: when there is at least one, n virtual columns
 * of cost D are appended, one unassigned row costing D.  D exceeds the
 * largest possible difference of real cost between two assignments, so the
 * optimum first maximises the number of real pairs and then minimises their
 * cost.  Virtual assignments are reported as -1.
 */
#include "assign.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define ALIGN8(x) (((x) + 7) & ~(size_t) 7)

static size_t
mul_ok(size_t a, size_t b, bool *ok)
{
	if (a != 0 && b > SIZE_MAX / a)
		*ok = false;
	return a * b;
}

size_t
annqa_assign_workspace_size(int nr, int nc)
{
	size_t		n, m, total = 0;
	bool		ok = true;

	if (nr < 0 || nc < 0)
		return 0;
	n = (size_t) (nr < nc ? nr : nc);
	m = (size_t) (nr < nc ? nc : nr) + n;	/* room for virtual columns */
	total += ALIGN8(mul_ok(n, sizeof(double), &ok));	/* u */
	total += ALIGN8(mul_ok(m, sizeof(double), &ok));	/* v */
	total += ALIGN8(mul_ok(m, sizeof(double), &ok));	/* shortest path costs */
	total += ALIGN8(mul_ok(m, sizeof(int), &ok));	/* path */
	total += ALIGN8(mul_ok(n, sizeof(int), &ok));	/* col4row */
	total += ALIGN8(mul_ok(m, sizeof(int), &ok));	/* row4col */
	total += ALIGN8(mul_ok(m, sizeof(int), &ok));	/* remaining */
	total += ALIGN8(n);			/* SR */
	total += ALIGN8(m);			/* SC */
	total += ALIGN8(mul_ok(n, sizeof(int), &ok));	/* scanned rows list */
	return ok ? total + 64 : 0;
}

int
annqa_assign(const double *cost, int nr, int nc, int *out,
			 void *workspace, annqa_assign_interrupt_fn interrupt, void *interrupt_arg)
{
	bool		transposed = nr > nc;
	int			n = transposed ? nc : nr;
	int			mreal = transposed ? nr : nc;
	size_t		rs = transposed ? 1 : (size_t) nc;	/* stride between rows */
	size_t		cs = transposed ? (size_t) nc : 1;	/* stride between columns */
	bool		has_inf = false;
	double		lo = INFINITY, hi = -INFINITY, D = 0;
	int			m, cur, i, j, k;
	char	   *p = (char *) workspace;
	double	   *u, *v, *spc;
	int		   *path, *col4row, *row4col, *remaining, *srlist;
	bool	   *SR, *SC;
	size_t		total = (size_t) nr * (size_t) nc;

	for (i = 0; i < nr; i++)
		out[i] = -1;
	if (n == 0)
		return ANNQA_ASSIGN_OK;

	for (size_t t = 0; t < total; t++)
	{
		double		c = cost[t];

		if (isinf(c) && c > 0)
			has_inf = true;
		else
		{
			if (c < lo)
				lo = c;
			if (c > hi)
				hi = c;
		}
	}
	if (has_inf)
	{
		if (lo > hi)			/* everything is forbidden */
			return ANNQA_ASSIGN_OK;
		D = (double) n * (hi - lo) + fabs(hi) + 1.0;
		if (!isfinite(D))
			return ANNQA_ASSIGN_RANGE;
	}
	m = mreal + (has_inf ? n : 0);

#define TAKE(ptr, type, count) do { ptr = (type *) p; p += ALIGN8((size_t) (count) * sizeof(type)); } while (0)
	TAKE(u, double, n);
	TAKE(v, double, mreal + n);
	TAKE(spc, double, mreal + n);
	TAKE(path, int, mreal + n);
	TAKE(col4row, int, n);
	TAKE(row4col, int, mreal + n);
	TAKE(remaining, int, mreal + n);
	TAKE(SR, bool, n);
	TAKE(SC, bool, mreal + n);
	TAKE(srlist, int, n);
#undef TAKE

	for (i = 0; i < n; i++)
	{
		u[i] = 0;
		col4row[i] = -1;
	}
	for (j = 0; j < m; j++)
	{
		v[j] = 0;
		row4col[j] = -1;
	}

	for (cur = 0; cur < n; cur++)
	{
		int			nrem = m,
					nsr = 0,
					sink = -1;
		double		minval = 0;

		i = cur;
		for (j = 0; j < m; j++)
		{
			remaining[j] = m - 1 - j;	/* scan order as in Crouse's reference */
			spc[j] = INFINITY;
			SC[j] = false;
		}
		memset(SR, 0, (size_t) n * sizeof(bool));

		while (sink < 0)
		{
			const double *row = cost + (size_t) i * rs;
			double		lowest = INFINITY;
			int			index = -1;

			if (interrupt && interrupt(interrupt_arg))
				return ANNQA_ASSIGN_INTERRUPTED;
			SR[i] = true;
			srlist[nsr++] = i;
			for (k = 0; k < nrem; k++)
			{
				double		c, r;

				j = remaining[k];
				c = j < mreal ? row[(size_t) j * cs] : D;
				r = minval + c - u[i] - v[j];
				if (r < spc[j])
				{
					path[j] = i;
					spc[j] = r;
				}
				if (spc[j] < lowest || (spc[j] == lowest && row4col[j] == -1))
				{
					lowest = spc[j];
					index = k;
				}
			}
			minval = lowest;
			if (index < 0 || !isfinite(minval))
			{
				/*
				 * Cannot happen: without +Infinity entries every column is
				 * reachable, and with them the virtual columns are.
				 */
				return ANNQA_ASSIGN_RANGE;
			}
			j = remaining[index];
			if (row4col[j] == -1)
				sink = j;
			else
				i = row4col[j];
			SC[j] = true;
			remaining[index] = remaining[--nrem];
		}

		/* dual update */
		u[cur] += minval;
		for (k = 0; k < nsr; k++)
		{
			i = srlist[k];
			if (i != cur)
				u[i] += minval - spc[col4row[i]];
		}
		for (j = 0; j < m; j++)
			if (SC[j])
				v[j] -= minval - spc[j];

		/* augment along the path back to cur */
		j = sink;
		for (;;)
		{
			int			tmp;

			i = path[j];
			row4col[j] = i;
			tmp = col4row[i];
			col4row[i] = j;
			j = tmp;
			if (i == cur)
				break;
		}
	}

	if (!transposed)
	{
		for (i = 0; i < n; i++)
			out[i] = col4row[i] < mreal ? col4row[i] : -1;
	}
	else
	{
		/* rows of the view are the caller's columns */
		for (i = 0; i < n; i++)
			if (col4row[i] >= 0 && col4row[i] < mreal)
				out[col4row[i]] = i;
	}
	return ANNQA_ASSIGN_OK;
}
