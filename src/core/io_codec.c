/* io_codec.c - see io_codec.h. */
#include "io_codec.h"

#include <string.h>

typedef struct BitIn
{
	const uint8_t *p;
	uint64_t	nbits;
	uint64_t	pos;
} BitIn;

/* Read k (0..32) bits, most significant first; -1 past the end. */
static int
bits_read(BitIn *in, int k, uint32_t *v)
{
	uint64_t	acc = 0;
	int			i;

	if (in->pos + (uint64_t) k > in->nbits)
		return -1;
	for (i = 0; i < k; i++)
	{
		uint64_t	b = in->pos++;

		acc = (acc << 1) | ((in->p[b >> 3] >> (7 - (b & 7))) & 1u);
	}
	*v = (uint32_t) acc;
	return 0;
}

int
io_ls_brush_decode(const uint8_t *src, size_t nbytes, uint8_t *out,
				   size_t npix, uint64_t *num)
{
	BitIn		in = {src, (uint64_t) nbytes * 8, 0};
	uint32_t	n, ws, sizes[4], v;
	uint64_t	i = 0;
	int			s;

	*num = 0;
	if (bits_read(&in, 32, &n) < 0 || bits_read(&in, 5, &ws) < 0)
		return IO_TRUNCATED;
	*num = n;
	ws += 1;
	for (s = 0; s < 4; s++)
	{
		if (bits_read(&in, 4, &sizes[s]) < 0)
			return IO_TRUNCATED;
		sizes[s] += 1;
	}
	if ((uint64_t) n != (uint64_t) npix * 4)
		return IO_WRONG_COUNT;
	memset(out, 0, npix);
	while (i < n)
	{
		uint32_t	rep, sel, len;
		uint64_t	j, t;

		if (bits_read(&in, 1, &rep) < 0 || bits_read(&in, 2, &sel) < 0 ||
			bits_read(&in, (int) sizes[sel], &len) < 0)
			return IO_TRUNCATED;
		j = i + 1 + (uint64_t) len;
		if (j > n)
			return IO_OVERRUN;
		if (rep)
		{
			if (bits_read(&in, (int) ws, &v) < 0)
				return IO_TRUNCATED;
			for (t = i; t < j; t++)
				if ((t & 3) == 3)
					out[t >> 2] = v != 0;
		}
		else
		{
			for (t = i; t < j; t++)
			{
				if (bits_read(&in, (int) ws, &v) < 0)
					return IO_TRUNCATED;
				if ((t & 3) == 3)
					out[t >> 2] = v != 0;
			}
		}
		i = j;
	}
	return IO_OK;
}
