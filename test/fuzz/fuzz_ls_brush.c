/*
 * fuzz_ls_brush.c - libFuzzer target for the Label Studio brush RLE decoder
 * (src/core/io_codec.c).  Byte 0 picks the image size (1..256 pixels); the
 * rest is the bit stream.  The decoder must never read or write out of
 * bounds, and a successful decode yields only 0/1 pixels.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io_codec.h"

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t		npix,
				i;
	uint8_t    *out;
	uint64_t	num;
	int			rc;

	if (size < 1)
		return 0;
	npix = (size_t) data[0] + 1;
	out = malloc(npix);
	rc = io_ls_brush_decode(data + 1, size - 1, out, npix, &num);
	REQUIRE(rc == IO_OK || rc == IO_TRUNCATED || rc == IO_WRONG_COUNT || rc == IO_OVERRUN);
	if (rc == IO_OK)
	{
		REQUIRE(num == 4 * (uint64_t) npix);
		for (i = 0; i < npix; i++)
			REQUIRE(out[i] <= 1);
	}
	free(out);
	return 0;
}
