/*
 * cvat_interp.h - CVAT's rules for the frames between two keyframes of a
 * track (what CVAT's exporter writes for the frames it interpolates).
 * Pure C: no PostgreSQL headers, no allocation beyond what the caller gives.
 */
#ifndef ANNQA_CVAT_INTERP_H
#define ANNQA_CVAT_INTERP_H

#include <stddef.h>

/* Python's float modulo: the result has the sign of m (here m > 0). */
extern double cvat_pymod(double x, double m);

/*
 * The rotation at offset t between r0 and r1 degrees: r0 plus the shorter
 * signed difference (normalised to [-180, 180); exactly -180 becomes 1, as
 * CVAT's find_angle_diff does) times t, taken modulo 360.
 */
extern double cvat_rotation(double r0, double r1, double t);

/*
 * Polyline interpolation between left (nl points) and right (nr points),
 * x,y interleaved, at offset t.  Points are matched by their relative arc
 * length (each left point to the right point nearest in arc length, then
 * every right point left unmatched to its nearest left point), interpolated
 * pairwise, and runs that collapse are thinned.  out must hold nl + nr
 * points (2 * (nl + nr) doubles); work must hold cvat_polyshape_work(nl, nr)
 * bytes.  Returns the number of output points (>= 1), or -1 when nl or nr
 * is 0.
 */
extern size_t cvat_polyshape_work(size_t nl, size_t nr);
extern long cvat_polyshape(const double *left, size_t nl, const double *right, size_t nr,
						   double t, double *out, void *work);

#endif
