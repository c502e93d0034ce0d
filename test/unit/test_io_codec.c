/*
 * Unit tests of the Label Studio brush RLE decoder (src/core/io_codec.c).
 * The streams are assembled by hand, bit by bit, from the format definition
 * in io_codec.h; the comments show the fields.
 */
#include <string.h>

#include "io_codec.h"
#include "unit.h"

int
main(void)
{
	/*
	 * 2 x 1 image, RGBA 0,0,0,0 | 255,0,0,255:
	 * 00000000 00000000 00000000 00001000   n = 8
	 * 00111                                 word size 8
	 * 0001 0100 1000 1111                   field sizes 2, 5, 9, 16
	 * 1 00 11 00000000                      repeat, size 2, run 4, word 0
	 * 0 00 11 11111111 00000000 00000000 11111111   literal, run 4, 255 0 0 255
	 * padded with zero bits to 13 bytes:
	 */
	static const uint8_t tiny[] = {0, 0, 0, 8, 56, 164, 124, 192, 7, 254, 0, 1, 254};
	/*
	 * 3 x 1 image, all three pixels 255 in every channel: one repeat chunk
	 * of 12 values: n = 12, word size 8 (00111), sizes 2,5,9,16, then
	 * 1 01 01011 11111111 (repeat, size 5, run 12, word 255).
	 */
	static const uint8_t full[] = {0, 0, 0, 12, 56, 164, 125, 95, 248};
	uint8_t		out[8];
	uint64_t	num;

	CHECK(io_ls_brush_decode(tiny, sizeof(tiny), out, 2, &num) == IO_OK, "tiny: decodes");
	CHECK(num == 8, "tiny: 8 values");
	CHECK(out[0] == 0 && out[1] == 1, "tiny: left pixel off, right pixel on");
	CHECK(io_ls_brush_decode(tiny, sizeof(tiny), out, 3, &num) == IO_WRONG_COUNT, "tiny: 8 values are not a 3 x 1 image");
	CHECK(io_ls_brush_decode(tiny, 8, out, 2, &num) == IO_TRUNCATED, "tiny: cut after 8 bytes");
	CHECK(io_ls_brush_decode(tiny, 3, out, 2, &num) == IO_TRUNCATED, "tiny: cut inside the header");
	memset(out, 7, sizeof(out));
	CHECK(io_ls_brush_decode(full, sizeof(full), out, 3, &num) == IO_OK, "full: decodes");
	CHECK(out[0] == 1 && out[1] == 1 && out[2] == 1, "full: three pixels on");
	{
		/* the same header claiming 4 values, with a run of 12: overrun */
		uint8_t		over[sizeof(full)];

		memcpy(over, full, sizeof(full));
		over[3] = 4;
		CHECK(io_ls_brush_decode(over, sizeof(over), out, 1, &num) == IO_OVERRUN, "a run past the end is refused");
	}
	UNIT_DONE();
}
