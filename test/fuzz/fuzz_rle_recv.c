/*
 * fuzz_rle_recv.c - libFuzzer target for the binary (recv) form of
 * annqa.rle, built against the pure core: the header parser, the counts
 * reader, the validator/canonicaliser, bbox and the packed form, i.e. what
 * annqa_rle_recv runs before building a datum.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rle_codec.h"

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t	h,
				w;
	size_t		m;
	uint32_t   *c;
	uint64_t	sum;
	RleError	e = rle_binary_header(data, size, &h, &w, &m);

	if (e != RLE_OK)
		return 0;
	REQUIRE(16 + 4 * m == size);
	REQUIRE((uint64_t) h * w <= RLE_MAX_PIXELS);
	c = malloc((m + 1) * sizeof(uint32_t));
	rle_binary_counts(data, m, c);
	if (rle_canonicalize(c, &m, (uint64_t) h * w, &sum) == RLE_OK)
	{
		size_t		plen = rle_pack_len(c, m);
		uint8_t    *pk = calloc(plen + 1, 1);
		uint32_t   *un = malloc((m + 1) * sizeof(uint32_t));
		uint32_t	bb[4];
		size_t		i;

		REQUIRE(m >= 1);
		for (i = 1; i < m; i++)
			REQUIRE(c[i] > 0);	/* canonical: only the first run may be empty */
		rle_bbox(c, m, h, bb);
		REQUIRE((uint64_t) bb[0] + bb[2] <= w && (uint64_t) bb[1] + bb[3] <= h);
		rle_pack(c, m, pk);
		REQUIRE(rle_unpack(pk, plen, m, un) == RLE_OK && memcmp(un, c, m * sizeof(uint32_t)) == 0);
		REQUIRE(rle_packed_intersection(pk, plen, m, pk, plen, m, (uint64_t) h * w, (uint64_t) h * w)
				== rle_area(c, m));
		free(pk);
		free(un);
	}
	free(c);
	return 0;
}
