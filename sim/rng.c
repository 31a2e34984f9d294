/*
 * Random streams: xoshiro256** packaged as a gsl_rng_type, seeded by
 * splitmix64 from a 64-bit seed derived from (run seed, instance name).
 *
 * Why not a stock GSL generator: they keep 32 bits of the seed, and with a
 * stream per link, source and node the birthday bound on 32-bit seeds is
 * uncomfortably close.  xoshiro256** passes the usual statistical batteries,
 * is a few instructions per draw, and its 256-bit state is seeded in full.
 */
#include <string.h>

#include "sim/rng.h"

struct xo_state {
	uint64_t s[4];
};

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t
xo_next(struct xo_state *st)
{
	uint64_t *s = st->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

static void
xo_set(void *vstate, unsigned long seed)
{
	struct xo_state *st = vstate;
	uint64_t x = seed;

	for (int i = 0; i < 4; i++)
		st->s[i] = splitmix64(&x);
}

/* GSL's generators are 32-bit; hand it the high half, the better bits. */
static unsigned long
xo_get(void *vstate)
{
	return (unsigned long)(xo_next(vstate) >> 32);
}

static double
xo_get_double(void *vstate)
{
	return (double)(xo_next(vstate) >> 11) * 0x1.0p-53;
}

static const gsl_rng_type xo_type = {
	"sasebed-xoshiro256ss",
	0xffffffffUL,
	0,
	sizeof(struct xo_state),
	xo_set,
	xo_get,
	xo_get_double,
};

const gsl_rng_type *const rng_xoshiro256ss = &xo_type;

uint64_t
rng_derive(uint64_t run_seed, const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a over the name */
	uint64_t x;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	x = run_seed;
	x = splitmix64(&x) ^ h;
	return splitmix64(&x);
}

gsl_rng *
rng_new(uint64_t run_seed, const char *name)
{
	gsl_rng *r = gsl_rng_alloc(rng_xoshiro256ss);

	if (r != NULL)
		gsl_rng_set(r, (unsigned long)rng_derive(run_seed, name));
	return r;
}

uint64_t
rng_u64(gsl_rng *r)
{
	if (r->type == rng_xoshiro256ss)
		return xo_next(r->state);
	return ((uint64_t)gsl_rng_get(r) << 32) ^ gsl_rng_get(r);
}

void
rng_bytes(gsl_rng *r, uint8_t *out, size_t len)
{
	for (size_t b = 0; b + 8 <= len; b += 8) {
		uint64_t v = rng_u64(r);

		memcpy(out + b, &v, 8);
	}
}
