/*
 * Jitter models: one signed deviation from a link's base delay per packet,
 * drawn from the link's own stream, so a run is a function of its seed.
 * The spec is plain data (no state between draws), which lets a link share
 * it with the results table and swap it whole on a timeline change.
 *
 * Draws are rounded to the nearest nanosecond rather than truncated, so the
 * models keep their means (truncation would pull every pareto draw down by
 * half a nanosecond on average).  A deviation is capped at an hour either
 * way: a pareto of small shape has an unbounded tail, and a draw past
 * INT64_MAX would be undefined behaviour; an hour is beyond anything a link
 * could mean, yet far inside the range of sb_time.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "models/jitter.h"

#define JITTER_CAP ((double)SB_HOUR)
#define PARETO_DEFAULT_SHAPE 2.5

static sb_time
to_ns(double x)
{
	if (isnan(x))
		return 0;
	if (x > JITTER_CAP)
		x = JITTER_CAP;
	else if (x < -JITTER_CAP)
		x = -JITTER_CAP;
	return (sb_time)llround(x);
}

/*
 * uniform  (2u - 1) a, u in [0, 1): mean 0, variance a^2 / 3.
 * normal   N(0, a).
 * pareto   Pareto(k, a) - a, which is >= 0 with mean a / (k - 1) for k > 1.
 * table    one of the values, each with probability 1 / n, times the scale.
 * A zero or negative scale (a profile that switches jitter off) gives 0.
 */
sb_time
jitter_draw(const struct jitter_spec *s, gsl_rng *r, double scale)
{
	double a, k, x;
	sb_time v;

	if (s == NULL || !(scale > 0.0))
		return 0;
	a = (double)s->amount * scale;
	switch (s->kind) {
	case JITTER_UNIFORM:
		x = (2.0 * gsl_rng_uniform(r) - 1.0) * a;
		break;
	case JITTER_NORMAL:
		x = gsl_ran_gaussian_ziggurat(r, fabs(a));
		break;
	case JITTER_PARETO:
		if (!(a > 0.0))
			return 0;
		k = s->shape > 0.0 ? s->shape : PARETO_DEFAULT_SHAPE;
		x = gsl_ran_pareto(r, k, a) - a;
		if (x < 0.0)  /* rounding could, in principle, dip below */
			x = 0.0;
		break;
	case JITTER_TABLE:
		if (s->table_len == 0 || s->table == NULL)
			return 0;
		v = s->table[gsl_rng_uniform_int(r, s->table_len)];
		if (scale == 1.0)  /* the value itself, not a rounded copy */
			return v > SB_HOUR ? SB_HOUR : v < -SB_HOUR ? -SB_HOUR :
			    v;
		x = (double)v * scale;
		break;
	case JITTER_NONE:
	default:
		return 0;
	}
	return to_ns(x);
}

int
jitter_spec_copy(struct jitter_spec *dst, const struct jitter_spec *src)
{
	size_t bytes;

	if (dst == src)
		return 0;
	*dst = *src;
	dst->table = NULL;
	if (src->kind != JITTER_TABLE || src->table_len == 0 ||
	    src->table == NULL) {
		dst->table_len = 0;
		return 0;
	}
	bytes = src->table_len * sizeof(*src->table);
	if (bytes / sizeof(*src->table) != src->table_len ||
	    (dst->table = malloc(bytes)) == NULL) {
		dst->table_len = 0;
		return -ENOMEM;
	}
	memcpy(dst->table, src->table, bytes);
	return 0;
}

void
jitter_spec_clear(struct jitter_spec *s)
{
	if (s == NULL)
		return;
	free(s->table);
	memset(s, 0, sizeof(*s));
}
