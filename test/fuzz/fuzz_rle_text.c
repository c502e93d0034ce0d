/*
 * fuzz_rle_text.c - libFuzzer target for the text side of annqa.rle, built
 * against the pure core (src/core): the COCO counts-string decoder, the
 * canonical form, the encoder, the packed storage form, bbox, set ops and
 * the polygon rasteriser.
 *
 * Input: byte 0 selects the mode and the mask height; the rest is either a
 * COCO counts string (mode < 192) or polygon coordinates (int16 pairs / 256
 * or / 32); the fast rasteriser must equal the literal dense walk.
 * Any inconsistency between the paths aborts (a finding).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "raster.h"
#include "rle_codec.h"

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

static void
check_mask(uint32_t *c, size_t m, uint32_t h)
{
	size_t		slen = rle_coco_len(c, m);
	char	   *s = malloc(slen + 1);
	uint32_t   *back = malloc((slen + 1) * sizeof(uint32_t));
	size_t		plen = rle_pack_len(c, m);
	uint8_t    *pk = calloc(plen + 1, 1);
	uint32_t   *un = malloc((m + 1) * sizeof(uint32_t));
	uint32_t   *mg = malloc((2 * m + 1) * sizeof(uint32_t));
	size_t		mb,
				pos,
				mm;
	uint64_t	area = rle_area(c, m),
				hw = 0,
				i,
				u;
	uint32_t	bb[4];

	for (mb = 0; mb < m; mb++)
		hw += c[mb];
	REQUIRE(rle_coco_encode(c, m, s) == slen);
	REQUIRE(rle_coco_decode(s, slen, back, &mb, &pos) == RLE_OK);
	REQUIRE(mb == m && memcmp(back, c, m * sizeof(uint32_t)) == 0);
	REQUIRE(plen <= slen);
	rle_pack(c, m, pk);
	REQUIRE(rle_unpack(pk, plen, m, un) == RLE_OK);
	REQUIRE(memcmp(un, c, m * sizeof(uint32_t)) == 0);
	REQUIRE(rle_packed_intersection(pk, plen, m, pk, plen, m, hw, hw) == area);
	rle_inter_union(c, m, c, m, &i, &u);
	REQUIRE(i == area && u == area);
	mm = rle_merge(c, m, c, m, RLE_OP_OR, mg);
	REQUIRE(mm == m && memcmp(mg, c, m * sizeof(uint32_t)) == 0);
	mm = rle_merge(c, m, c, m, RLE_OP_ANDNOT, mg);
	REQUIRE(rle_area(mg, mm) == 0);
	if (h > 0 && hw % h == 0)
	{
		rle_bbox(c, m, h, bb);
		REQUIRE((area == 0) == (bb[2] == 0));
		REQUIRE((uint64_t) bb[2] * bb[3] >= area);
		REQUIRE((uint64_t) (bb[0] + bb[2]) * h <= hw);
	}
	free(s);
	free(back);
	free(pk);
	free(un);
	free(mg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] < 192)
	{
		uint32_t   *c = malloc((size + 1) * sizeof(uint32_t));
		size_t		m,
					pos;
		uint64_t	sum = 0;
		size_t		k;
		uint32_t	h = data[0] % 16 + 1;

		if (rle_coco_decode((const char *) data + 1, size - 1, c, &m, &pos) == RLE_OK)
		{
			for (k = 0; k < m; k++)
				sum += c[k];
			/* a wrong total is rejected; the true total canonicalises */
			if (sum > 0)
			{
				size_t		m2 = m;
				uint64_t	got;

				REQUIRE(rle_canonicalize(c, &m2, sum - 1, &got) == RLE_E_SUM && got == sum);
			}
			if (sum <= RLE_MAX_PIXELS)
			{
				REQUIRE(rle_canonicalize(c, &m, sum, NULL) == RLE_OK);
				check_mask(c, m, h);
			}
		}
		else
			REQUIRE(pos < size);
		free(c);
	}
	else
	{
		/* polygon: up to 64 int16 pairs / 256 px on a small image */
		size_t		k = (size - 1) / 4 > 64 ? 64 : (size - 1) / 4;
		double	   *xy = malloc((2 * k + 1) * sizeof(double));
		uint32_t	h = (data[0] & 7) * 9 + 1,
					w = ((data[0] >> 3) & 7) * 11 + 1;
		size_t		j,
					cap,
					bad;

		double		scale = (data[0] & 0x40) ? 32.0 : 256.0;

		for (j = 0; j < 2 * k; j++)
			xy[j] = (int16_t) (data[1 + 2 * j] | (data[2 + 2 * j] << 8)) / scale;
		if (raster_poly_prepare(xy, k, h, w, &cap, &bad) == RASTER_OK && cap < (1u << 24))
		{
			uint32_t   *c = malloc(cap * sizeof(uint32_t));
			uint32_t   *d = malloc(cap * sizeof(uint32_t));
			size_t		m = raster_fr_poly(xy, k, h, w, c, NULL);
			size_t		md = raster_fr_poly_dense(xy, k, h, w, d);
			size_t		m2 = m;

			/* the column-skipping walk equals the literal dense walk */
			REQUIRE(md == m && memcmp(c, d, m * sizeof(uint32_t)) == 0);
			free(d);

			REQUIRE(rle_canonicalize(c, &m2, (uint64_t) h * w, NULL) == RLE_OK);
			REQUIRE(m2 == m);	/* frPoly output is already canonical */
			check_mask(c, m, h);
			free(c);
		}
		free(xy);
	}
	return 0;
}
