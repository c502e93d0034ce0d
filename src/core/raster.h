/*
 * raster.h - COCO polygon and box rasterisation (pycocotools frPoly/frBbox
 * rules) straight to run lengths, in pure C.  No h*w buffer is ever used:
 * the work is proportional to the polygon's perimeter.
 */
#ifndef ANNQA_RASTER_H
#define ANNQA_RASTER_H

#include <stddef.h>
#include <stdint.h>

/* Coordinates beyond +-RASTER_MAX_COORD pixels are rejected. */
#define RASTER_MAX_COORD 1.0e8
/* Dense boundary points (0.2 px steps) beyond this are rejected. */
#define RASTER_MAX_STEPS ((uint64_t) 1 << 32)

typedef enum
{
	RASTER_OK = 0,
	RASTER_E_COORD,				/* non-finite or out-of-range coordinate */
	RASTER_E_STEPS				/* perimeter too long */
} RasterError;

/*
 * Check the k vertices xy[0..2k) and return, in *ncap, the number of uint32
 * slots rle_fr_poly needs for its scratch/output buffer.  *bad receives the
 * index of a bad coordinate.
 */
extern RasterError raster_poly_prepare(const double *xy, size_t k, uint32_t h,
									   uint32_t w, size_t *ncap, size_t *bad);

/*
 * Rasterise the polygon; buf has room for ncap counts (from
 * raster_poly_prepare).  The canonical counts are left in buf[0..return).
 * tick, if not NULL, is called now and then during long walks (it may
 * longjmp out, e.g. for a query cancel).
 */
extern size_t raster_fr_poly(const double *xy, size_t k, uint32_t h, uint32_t w,
							 uint32_t *buf, void (*tick) (void));

/*
 * The same with every boundary point of the dense walk visited (the literal
 * reference procedure); for tests and the fuzz target, which check that the
 * two agree.
 */
extern size_t raster_fr_poly_dense(const double *xy, size_t k, uint32_t h,
								   uint32_t w, uint32_t *buf);

/* The 4 corner vertices of frBbox for a COCO [x, y, w, h] box. */
extern void raster_box_corners(const double xywh[4], double xy[8]);

#endif
