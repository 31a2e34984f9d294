/*
 * Jitter models: a signed deviation around a link's base delay, drawn from
 * the link's own stream.  The pareto model is shifted to start at zero, so
 * it only ever adds delay: the heavy tail of a congested queue.
 */
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "models/jitter.h"

sb_time
jitter_draw(const struct jitter_spec *s, gsl_rng *r, double scale)
{
	double a = (double)s->amount * scale, x;

	switch (s->kind) {
	case JITTER_UNIFORM:
		x = (2.0 * gsl_rng_uniform(r) - 1.0) * a;
		break;
	case JITTER_NORMAL:
		x = gsl_ran_gaussian_ziggurat(r, a);
		break;
	case JITTER_PARETO:
		if (a <= 0.0)
			return 0;
		x = gsl_ran_pareto(r, s->shape > 0 ? s->shape : 2.5, a) - a;
		break;
	case JITTER_TABLE:
		if (s->table_len == 0)
			return 0;
		x = (double)s->table[gsl_rng_uniform_int(r, s->table_len)] *
		    scale;
		break;
	case JITTER_NONE:
	default:
		return 0;
	}
	return (sb_time)x;
}

int
jitter_spec_copy(struct jitter_spec *dst, const struct jitter_spec *src)
{
	*dst = *src;
	dst->table = NULL;
	if (src->kind == JITTER_TABLE && src->table_len > 0) {
		dst->table = malloc(src->table_len * sizeof(*dst->table));
		if (dst->table == NULL)
			return -1;
		memcpy(dst->table, src->table,
		    src->table_len * sizeof(*dst->table));
	}
	return 0;
}

void
jitter_spec_clear(struct jitter_spec *s)
{
	free(s->table);
	memset(s, 0, sizeof(*s));
}
