/*
 * libFuzzer target for core/cvat_interp.c: two point lists and an offset
 * from the input bytes.  Invariants: never crash, never write past the
 * documented output size, return between 1 and nl + nr points, give back
 * finite points for finite inputs, and give back the shape itself when both
 * shapes are the same at offset 0.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cvat_interp.h"

static double
coord(const uint8_t *p)
{
	int16_t		v;

	memcpy(&v, p, 2);
	return v / 8.0;				/* finite, with repeats and zero-length segments likely */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t		nl, nr, need;
	double	   *l, *r, *out;
	void	   *work;
	double		t;
	long		n;

	if (size < 3)
		return 0;
	nl = 1 + data[0] % 64;
	t = data[1] / 255.0;
	data += 2;
	size -= 2;
	need = 4 * nl;
	if (size < need + 4)
		return 0;
	nr = 1 + (size - need) / 4;
	if (nr > 64)
		nr = 64;
	if (size < need + 4 * nr)
		nr = (size - need) / 4;
	if (nr == 0)
		return 0;
	l = malloc(nl * 2 * sizeof(double));
	r = malloc(nr * 2 * sizeof(double));
	for (size_t i = 0; i < 2 * nl; i++)
		l[i] = coord(data + 2 * i);
	for (size_t i = 0; i < 2 * nr; i++)
		r[i] = coord(data + need + 2 * i);
	out = malloc((nl + nr) * 2 * sizeof(double));
	work = malloc(cvat_polyshape_work(nl, nr));
	n = cvat_polyshape(l, nl, r, nr, t, out, work);
	if (n < 1 || (size_t) n > nl + nr)
		abort();
	for (long i = 0; i < 2 * n; i++)
		if (!isfinite(out[i]))
			abort();
	/* the same shape at offset 0 comes back unchanged (buffers sized for nl and nl) */
	free(out);
	free(work);
	out = malloc(2 * nl * 2 * sizeof(double));
	work = malloc(cvat_polyshape_work(nl, nl));
	n = cvat_polyshape(l, nl, l, nl, 0.0, out, work);
	if ((size_t) n != nl || memcmp(out, l, nl * 2 * sizeof(double)) != 0)
	{
		/* thinning may merge repeated points of one shape; only then may it differ */
		int			repeats = 0;

		for (size_t i = 1; i < nl; i++)
			if (l[2 * i] == l[2 * i - 2] && l[2 * i + 1] == l[2 * i - 1])
				repeats = 1;
		if (!repeats)
			abort();
	}
	free(l);
	free(r);
	free(out);
	free(work);
	return 0;
}
