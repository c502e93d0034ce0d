/* test_rle.c - unit tests of the pure mask core (core/rle_codec.c, core/raster.c). */
#include <stdlib.h>
#include <string.h>

#include "raster.h"
#include "rle_codec.h"
#include "unit.h"

static int
encodes_to(const uint32_t *c, size_t m, const char *want)
{
	char		buf[256];
	size_t		n = rle_coco_encode(c, m, buf);

	return n == strlen(want) && memcmp(buf, want, n) == 0 && rle_coco_len(c, m) == n;
}

static int
decodes_to(const char *s, const uint32_t *want, size_t m)
{
	uint32_t	buf[64];
	size_t		got,
				pos;

	return rle_coco_decode(s, strlen(s), buf, &got, &pos) == RLE_OK && got == m &&
		memcmp(buf, want, m * sizeof(uint32_t)) == 0;
}

static int
packs_back(const uint32_t *c, size_t m)
{
	uint8_t		p[512];
	uint32_t	back[64];
	size_t		n = rle_pack_len(c, m);

	memset(p, 0xee, sizeof(p));
	p[n - 1] = 0;
	rle_pack(c, m, p);
	return n <= rle_coco_len(c, m) && rle_unpack(p, n, m, back) == RLE_OK &&
		memcmp(back, c, m * sizeof(uint32_t)) == 0;
}

static size_t
poly(const double *xy, size_t k, uint32_t h, uint32_t w, uint32_t *out)
{
	size_t		cap,
				bad;

	if (raster_poly_prepare(xy, k, h, w, &cap, &bad) != RASTER_OK || cap > 4096)
		return 0;
	return raster_fr_poly(xy, k, h, w, out, NULL);
}

int
main(void)
{
	/* spec example 1: [32,2,8,2,8,2,46] <-> P128000V1, area 6, bbox [3,2,3,2] */
	{
		uint32_t	c[] = {32, 2, 8, 2, 8, 2, 46};
		uint32_t	bb[4];

		CHECK(encodes_to(c, 7, "P128000V1"), "example 1 encodes");
		CHECK(decodes_to("P128000V1", c, 7), "example 1 decodes");
		CHECK(rle_area(c, 7) == 6, "example 1 area 6");
		rle_bbox(c, 7, 10, bb);
		CHECK(bb[0] == 3 && bb[1] == 2 && bb[2] == 3 && bb[3] == 2, "example 1 bbox [3,2,3,2]");
		CHECK(packs_back(c, 7), "example 1 packs");
	}
	/* spec example 2: negative deltas */
	{
		uint32_t	a[] = {0, 6, 1, 3};
		uint32_t	b[] = {0, 100, 5, 50};

		CHECK(encodes_to(a, 4, "061M"), "[0,6,1,3] -> 061M");
		CHECK(decodes_to("061M", a, 4), "061M -> [0,6,1,3]");
		CHECK(encodes_to(b, 4, "0T35^N"), "[0,100,5,50] -> 0T35^N");
		CHECK(decodes_to("0T35^N", b, 4), "0T35^N -> [0,100,5,50]");
		CHECK(packs_back(a, 4) && packs_back(b, 4), "example 2 packs");
	}
	/* the i > 2 rule; an i >= 2 string codes a negative run and is rejected */
	{
		uint32_t	c[] = {8, 12, 6, 15};
		uint32_t	buf[8];
		size_t		m,
					pos;

		CHECK(encodes_to(c, 4, "8<63"), "[8,12,6,15] -> 8<63");
		CHECK(decodes_to("8<63", c, 4), "8<63 decodes");
		CHECK(rle_coco_decode("8<N3", 4, buf, &m, &pos) == RLE_E_RANGE && pos == 2, "8<N3 is a negative run");
	}
	/* bad strings */
	{
		uint32_t	buf[32];
		size_t		m,
					pos;

		CHECK(rle_coco_decode("P1p", 3, buf, &m, &pos) == RLE_E_CHAR && pos == 2, "character 'p' rejected");
		CHECK(rle_coco_decode("P1/", 3, buf, &m, &pos) == RLE_E_CHAR && pos == 2, "character '/' rejected");
		CHECK(rle_coco_decode("P12V", 4, buf, &m, &pos) == RLE_E_TRUNC && pos == 3, "truncated run rejected");
		CHECK(rle_coco_decode("PPPPPPPPPPPPP1", 14, buf, &m, &pos) == RLE_E_LONG, "overlong run rejected");
		CHECK(rle_coco_decode("", 0, buf, &m, &pos) == RLE_OK && m == 0, "empty string is no runs");
	}
	/* B5: counts near 2^31 and 2^32-1 round-trip (64-bit shifts) */
	{
		uint32_t	a[] = {3, 2147483648u, 5, 8};
		uint32_t	b[] = {5, 4294967280u, 3, 7};
		uint32_t	c[] = {0, 4294967295u};

		CHECK(encodes_to(a, 4, "3PPPPPP25XPPPPPN"), "B5 [3,2^31,5,8] encodes");
		CHECK(decodes_to("3PPPPPP25XPPPPPN", a, 4), "B5 [3,2^31,5,8] decodes (delta < -2^29)");
		CHECK(encodes_to(b, 4, "5`ooooo33gPPPPPL"), "near 2^32 encodes");
		CHECK(decodes_to("5`ooooo33gPPPPPL", b, 4), "near 2^32 decodes");
		CHECK(packs_back(a, 4) && packs_back(b, 4) && packs_back(c, 2), "near 2^32 packs");
		CHECK(rle_area(c, 2) == 4294967295u, "area 2^32-1 in 64 bits");
	}
	/* canonical form: zero runs merged, trailing zero runs dropped, sum checked */
	{
		uint32_t	a[] = {0, 0, 0, 4, 1, 4};
		uint32_t	b[] = {9, 0};
		uint32_t	c[] = {0, 0, 9};
		uint32_t	d[] = {5, 0, 1, 2, 4};
		uint32_t	e[] = {5, 4};
		uint32_t	z[1];
		size_t		m;
		uint64_t	sum;
		uint32_t	bb[4];

		m = 6;
		CHECK(rle_canonicalize(a, &m, 9, &sum) == RLE_OK && m == 4 && a[0] == 0 && a[1] == 4 && a[2] == 1 && a[3] == 4,
			  "B1 input [0,0,0,4,1,4] -> [0,4,1,4]");
		rle_bbox(a, m, 3, bb);
		CHECK(bb[0] == 0 && bb[1] == 0 && bb[2] == 3 && bb[3] == 3, "B1 bbox [0,0,3,3]");
		m = 2;
		CHECK(rle_canonicalize(b, &m, 9, &sum) == RLE_OK && m == 1 && b[0] == 9, "B2 [9,0] -> [9]");
		rle_bbox(b, m, 3, bb);
		CHECK(bb[0] == 0 && bb[1] == 0 && bb[2] == 0 && bb[3] == 0, "B2 bbox [0,0,0,0]");
		m = 3;
		CHECK(rle_canonicalize(c, &m, 9, &sum) == RLE_OK && m == 1 && c[0] == 9, "B2 [0,0,9] -> [9]");
		m = 5;
		CHECK(rle_canonicalize(d, &m, 12, &sum) == RLE_OK && m == 3 && d[0] == 6 && d[1] == 2 && d[2] == 4,
			  "[5,0,1,2,4] -> [6,2,4]");
		m = 2;
		CHECK(rle_canonicalize(e, &m, 10, &sum) == RLE_E_SUM && sum == 9, "sum 9 != 10 rejected");
		m = 0;
		CHECK(rle_canonicalize(z, &m, 0, &sum) == RLE_OK && m == 1 && z[0] == 0, "0-pixel mask is [0]");
		m = 0;
		CHECK(rle_canonicalize(z, &m, 5, &sum) == RLE_E_SUM, "no runs for 5 pixels rejected");
	}
	/* bbox of a run wrapping a column takes the full height (ff4a471) */
	{
		uint32_t	c[] = {1, 3};
		uint32_t	bb[4];

		rle_bbox(c, 2, 2, bb);
		CHECK(bb[0] == 0 && bb[1] == 0 && bb[2] == 2 && bb[3] == 2, "[[0,1],[1,1]] bbox [0,0,2,2]");
	}
	/* merge: [0,1,3] u [0,2,2] = [0,2,2] (spec 2.3); intersection, difference */
	{
		uint32_t	a[] = {0, 1, 3};
		uint32_t	b[] = {0, 2, 2};
		uint32_t	o[8];
		size_t		m;
		uint64_t	i,
					u;

		m = rle_merge(a, 3, b, 3, RLE_OP_OR, o);
		CHECK(m == 3 && o[0] == 0 && o[1] == 2 && o[2] == 2, "[0,1,3] | [0,2,2] = [0,2,2]");
		m = rle_merge(a, 3, b, 3, RLE_OP_AND, o);
		CHECK(m == 3 && o[0] == 0 && o[1] == 1 && o[2] == 3, "[0,1,3] & [0,2,2] = [0,1,3]");
		m = rle_merge(b, 3, a, 3, RLE_OP_ANDNOT, o);
		CHECK(m == 3 && o[0] == 1 && o[1] == 1 && o[2] == 2, "[0,2,2] - [0,1,3] = [1,1,2]");
		m = rle_merge(a, 3, a, 3, RLE_OP_ANDNOT, o);
		CHECK(m == 1 && o[0] == 4, "a - a is empty");
		rle_inter_union(a, 3, b, 3, &i, &u);
		CHECK(i == 1 && u == 2, "inter 1, union 2");
	}
	/* packed intersection equals the plain one */
	{
		uint32_t	a[] = {32, 2, 8, 2, 8, 2, 46};
		uint32_t	b[] = {30, 10, 60};
		uint8_t		pa[32],
					pb[32];
		size_t		na = rle_pack_len(a, 7),
					nb = rle_pack_len(b, 3);
		uint64_t	i,
					u;

		memset(pa, 0, sizeof(pa));
		memset(pb, 0, sizeof(pb));
		rle_pack(a, 7, pa);
		rle_pack(b, 3, pb);
		rle_inter_union(a, 7, b, 3, &i, &u);
		CHECK(i == 2 && u == 14, "inter 2 union 14 (b is column 3; a has rows 2-3 of columns 3-5)");
		CHECK(rle_packed_intersection(pa, na, 7, pb, nb, 3, 100, 100) == i, "packed intersection 2");
		CHECK(rle_packed_intersection(pa, na, 7, pb, nb, 3, 100, 40) == i, "stopping after column 3 keeps it");
	}
	/* frPoly: 9x9 polygon -> 81 pixels; pixel-centre rule; boxes */
	{
		double		sq[] = {0, 0, 0, 9, 9, 9, 9, 0};
		double		l49[] = {0.49, 0, 0.49, 3, 3, 3, 3, 0};
		double		l50[] = {0.5, 0, 0.5, 3, 3, 3, 3, 0};
		double		b1[4] = {0.4, 0.4, 1.2, 1.2},
					b2[4] = {1.5, 0.2, 1.6, 2.6},
					b3[4] = {0.5, 0.5, 1, 1};
		double		xy[8];
		uint32_t	out[4096];
		uint32_t	bb[4];
		size_t		m;

		m = poly(sq, 4, 12, 12, out);
		CHECK(rle_area(out, m) == 81, "9x9 polygon covers 81 pixels");
		m = poly(l49, 4, 5, 5, out);
		rle_bbox(out, m, 5, bb);
		CHECK(bb[0] == 0 && bb[2] == 3, "left edge 0.49 includes column 0");
		m = poly(l50, 4, 5, 5, out);
		rle_bbox(out, m, 5, bb);
		CHECK(bb[0] == 1 && bb[2] == 2, "left edge 0.5 excludes column 0");
		raster_box_corners(b1, xy);
		m = poly(xy, 4, 5, 5, out);
		rle_bbox(out, m, 5, bb);
		CHECK(rle_area(out, m) == 4 && bb[0] == 0 && bb[1] == 0 && bb[2] == 2 && bb[3] == 2, "[0.4,0.4,1.2,1.2] -> 2x2");
		raster_box_corners(b2, xy);
		m = poly(xy, 4, 5, 5, out);
		rle_bbox(out, m, 5, bb);
		CHECK(rle_area(out, m) == 3 && bb[0] == 2 && bb[1] == 0 && bb[2] == 1 && bb[3] == 3, "[1.5,0.2,1.6,2.6] -> column 2, 3 rows");
		raster_box_corners(b3, xy);
		m = poly(xy, 4, 5, 5, out);
		rle_bbox(out, m, 5, bb);
		CHECK(rle_area(out, m) == 1 && bb[0] == 1 && bb[1] == 1, "[0.5,0.5,1,1] -> pixel (1,1)");
	}
	/* the column-skipping rasteriser equals the literal dense walk on random
	 * polygons, including ones partly outside the image and with negative
	 * coordinates (C truncation differs from floor there) */
	{
		static uint32_t fa[1 << 16],
					fb[1 << 16];
		double		xy[2 * 40];
		int			trial,
					same = 0;

		srand(7);
		for (trial = 0; trial < 2000; trial++)
		{
			size_t		k = 3 + rand() % 30,
						j,
						cap,
						bad,
						ma,
						mb;
			uint32_t	h = 1 + rand() % 60,
						w = 1 + rand() % 60;
			double		span = (trial % 3 == 0) ? 200.0 : 80.0;

			for (j = 0; j < 2 * k; j++)
				xy[j] = (rand() / (double) RAND_MAX) * span - span / 4;
			if (trial % 5 == 0)
				for (j = 0; j < 2 * k; j++)
					xy[j] = floor(xy[j] * 2) / 2;	/* on half-pixels: ties */
			if (raster_poly_prepare(xy, k, h, w, &cap, &bad) != RASTER_OK || cap > (1 << 16))
				continue;
			ma = raster_fr_poly(xy, k, h, w, fa, NULL);
			mb = raster_fr_poly_dense(xy, k, h, w, fb);
			same += (ma == mb && memcmp(fa, fb, ma * sizeof(uint32_t)) == 0);
		}
		CHECK(same == 2000, "fast walk equals the dense walk on 2000 random polygons");
	}
	/* rasteriser limits */
	{
		double		bad[] = {0, 0, 1e300, 1, 1, 0};
		double		nan_[] = {0, 0, 0.0 / 0.0, 1, 1, 0};
		double		lng[] = {-9e7, -9e7, 9e7, 9e7, -9e7, 9e7, 9e7, -9e7, -9e7, -9e7, 9e7, 9e7};
		size_t		cap,
					pos;

		CHECK(raster_poly_prepare(bad, 3, 10, 10, &cap, &pos) == RASTER_E_COORD && pos == 2, "1e300 rejected");
		CHECK(raster_poly_prepare(nan_, 3, 10, 10, &cap, &pos) == RASTER_E_COORD && pos == 2, "NaN rejected");
		CHECK(raster_poly_prepare(lng, 6, 10, 10, &cap, &pos) == RASTER_E_STEPS, "very long outline rejected");
	}
	UNIT_DONE();
}
