/*
 * The log-linear histogram.  Values below 64 have a bucket each, so they
 * come back exactly.  Above, each power of two [2^e, 2^(e+1)) is cut into
 * 64 equal buckets of width 2^(e-6); a quantile answers with the middle of
 * its bucket, at most half a width, 2^(e-7), from any value in it, and
 * that is at most 1/128 of the value.  2^40 ns is the top: larger values
 * are counted in the last bucket (their min, max and mean stay exact).
 *
 * Invariants: count is the sum of the buckets; sum is the exact sum of the
 * values added (as a 128-bit number in two words, so it never rounds or
 * wraps however long the run); min and max are the exact extremes, and a
 * quantile is clamped into [min, max], so the 0- and 1-quantiles are exact.
 * Negative values (which a latency never is) count as 0.
 *
 * The cost: 2240 8-byte counters, about 18 KB per histogram, and a
 * quantile walks them all, which the sampler does once per interval, not
 * per packet.  The counters come in 35 groups of 64 (one per power of
 * two), each allocated when a value first lands in it: a meter that never
 * counts a packet (a site that carries only fluid background) costs 360
 * bytes, and a flow's latencies fill two or three groups.  A group that
 * cannot be allocated loses its value (counted in `lost`, nowhere else),
 * so the invariants hold over the values kept.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reports/hist.h"

#define SUB_BITS	6
#define SUB		(1 << SUB_BITS)		/* buckets per power of two */
#define TOP_BITS	40			/* values up to 2^40 ns */
#define NBUCKETS	(SUB + (TOP_BITS - SUB_BITS) * SUB)
#define NGROUPS		(NBUCKETS / SUB)	/* bucket i is in group i / SUB */

struct hist {
	uint64_t count;
	uint64_t sum_lo, sum_hi;	/* sum of the values, 128 bits */
	int64_t min, max;
	uint64_t lost;			/* values whose group found no memory */
	uint64_t *g[NGROUPS];		/* SUB counters each; NULL: all 0 */
};

/* Bucket i's counter, its group allocated if need be; NULL: no memory. */
static uint64_t *
counter(struct hist *h, unsigned i)
{
	uint64_t **g = &h->g[i / SUB];

	if (*g == NULL && (*g = calloc(SUB, sizeof(**g))) == NULL)
		return NULL;
	return &(*g)[i % SUB];
}

/* Bucket i's count, allocating nothing. */
static uint64_t
bucket(const struct hist *h, unsigned i)
{
	const uint64_t *g = h->g[i / SUB];

	return g != NULL ? g[i % SUB] : 0;
}

/* The bucket of v (v >= 0). */
static unsigned
bucket_of(uint64_t v)
{
	unsigned e;

	if (v < SUB)
		return (unsigned)v;
	if (v >> TOP_BITS)
		return NBUCKETS - 1;
	e = 63 - (unsigned)__builtin_clzll(v);	/* 2^e <= v, e >= 6 */
	return SUB + (e - SUB_BITS) * SUB +
	    (unsigned)((v >> (e - SUB_BITS)) & (SUB - 1));
}

/* The value that stands for bucket i: the middle of the integers in it. */
static int64_t
bucket_mid(unsigned i)
{
	unsigned e, sub;
	uint64_t lo, w;

	if (i < SUB)
		return (int64_t)i;
	e = (i - SUB) / SUB + SUB_BITS;
	sub = (i - SUB) % SUB;
	w = (uint64_t)1 << (e - SUB_BITS);
	lo = ((uint64_t)1 << e) + sub * w;
	return (int64_t)(lo + (w - 1) / 2);
}

struct hist *
hist_new(void)
{
	struct hist *h = calloc(1, sizeof(*h));

	if (h != NULL)
		hist_reset(h);
	return h;
}

void
hist_free(struct hist *h)
{
	if (h == NULL)
		return;
	for (unsigned i = 0; i < NGROUPS; i++)
		free(h->g[i]);
	free(h);
}

/* The groups stay, zeroed: a meter reset every interval would otherwise
 * allocate them again each time. */
void
hist_reset(struct hist *h)
{
	for (unsigned i = 0; i < NGROUPS; i++)
		if (h->g[i] != NULL)
			memset(h->g[i], 0, SUB * sizeof(*h->g[i]));
	h->count = h->sum_lo = h->sum_hi = h->lost = 0;
	h->min = INT64_MAX;
	h->max = INT64_MIN;
}

/* Add x to the two-word sum; the carry is the wrap of the low word. */
static void
sum_add(struct hist *h, uint64_t lo, uint64_t hi)
{
	uint64_t s = h->sum_lo + lo;

	h->sum_hi += hi + (s < lo);
	h->sum_lo = s;
}

void
hist_add(struct hist *h, int64_t v)
{
	uint64_t *c;

	if (v < 0)
		v = 0;
	if ((c = counter(h, bucket_of((uint64_t)v))) == NULL) {
		h->lost++;
		return;
	}
	(*c)++;
	h->count++;
	sum_add(h, (uint64_t)v, 0);
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void
hist_prefetch(const struct hist *h, int64_t v, int stage)
{
	unsigned i = bucket_of(v < 0 ? 0 : (uint64_t)v);

	if (stage == 0) {
		__builtin_prefetch(h);
		__builtin_prefetch(&h->g[i / SUB]);
	} else if (h->g[i / SUB] != NULL)
		__builtin_prefetch(&h->g[i / SUB][i % SUB]);
}

/* src into dst; when dst cannot have a group src uses, the whole of src
 * is lost to it (counted in lost), so the invariants hold. */
void
hist_merge(struct hist *dst, const struct hist *src)
{
	dst->lost += src->lost;
	if (src->count == 0)
		return;
	for (unsigned k = 0; k < NGROUPS; k++)
		if (src->g[k] != NULL && counter(dst, k * SUB) == NULL) {
			dst->lost += src->count;
			return;
		}
	for (unsigned k = 0; k < NGROUPS; k++)
		if (src->g[k] != NULL)
			for (unsigned i = 0; i < SUB; i++)
				dst->g[k][i] += src->g[k][i];
	dst->count += src->count;
	sum_add(dst, src->sum_lo, src->sum_hi);
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t
hist_count(const struct hist *h)
{
	return h->count;
}

/* The sum is exact; the one rounding is the final division. */
double
hist_mean(const struct hist *h)
{
	long double s;

	if (h->count == 0)
		return 0.0;
	s = ldexpl((long double)h->sum_hi, 64) + (long double)h->sum_lo;
	return (double)(s / (long double)h->count);
}

int64_t
hist_min(const struct hist *h)
{
	return h->count ? h->min : 0;
}

int64_t
hist_max(const struct hist *h)
{
	return h->count ? h->max : 0;
}

/*
 * Nearest rank: the smallest value with at least ceil(q * n) values at or
 * below it.  The first and last ranks are the exact min and max.
 */
int64_t
hist_quantile(const struct hist *h, double q)
{
	uint64_t rank, seen = 0;
	double r;
	int64_t v;

	if (h->count == 0)
		return 0;
	if (!(q > 0.0))		/* also NaN */
		q = 0.0;
	if (q > 1.0)
		q = 1.0;
	r = ceil(q * (double)h->count);
	rank = r < 1.0 ? 1 : (uint64_t)r;
	if (rank > h->count)
		rank = h->count;
	if (rank == 1)
		return h->min;
	if (rank == h->count)
		return h->max;
	for (unsigned i = 0; i < NBUCKETS; i++) {
		seen += bucket(h, i);
		if (seen >= rank) {
			v = bucket_mid(i);
			if (v < h->min)
				v = h->min;
			if (v > h->max)
				v = h->max;
			return v;
		}
	}
	return h->max;	/* not reached: the buckets sum to count */
}
