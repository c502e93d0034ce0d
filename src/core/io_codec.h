/*
 * io_codec.h - pure decoders of the mask encodings of annotation tools.
 *
 * Label Studio brush RLE ("format": "rle"): the bytes of the rle-pack
 * bit stream (thi.ng/rle-pack) of the RGBA image, height * width * 4 values.
 *   32 bits   number of values n
 *    5 bits   word size - 1
 *   4 x 4 bits the four run-length field sizes - 1
 *   then chunks until n values are out:
 *    1 bit    1 = a run of one repeated word, 0 = literal words
 *    2 bits   which of the four run-length field sizes follows
 *    k bits   run length - 1
 *    a word (repeat) or run-length words (literal)
 * Bits are read most significant first.  A pixel is foreground when its
 * alpha value (the 4th of its 4 values) is non-zero.
 *
 * CVAT mask RLE: run lengths over the mask's own box (width x height, row by
 * row), alternating background and foreground, background first.
 */
#ifndef ANNQA_IO_CODEC_H
#define ANNQA_IO_CODEC_H
#include <stddef.h>
#include <stdint.h>

enum
{
	IO_OK = 0,
	IO_TRUNCATED = 1,			/* the bit stream ends inside a field */
	IO_WRONG_COUNT = 2,			/* the stream holds another number of values */
	IO_OVERRUN = 3				/* a chunk runs past the number of values */
};

/*
 * Decode a Label Studio brush RLE into one byte (0 or 1) per pixel, row-major;
 * npix = height * width.  *num receives the number of values in the header.
 */
extern int	io_ls_brush_decode(const uint8_t *src, size_t nbytes, uint8_t *out,
							   size_t npix, uint64_t *num);

#endif
