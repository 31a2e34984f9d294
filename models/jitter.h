/*
 * Delay variation models: none, uniform, normal, pareto and an empirical
 * table.  A model returns a signed deviation added to a link's base delay;
 * the link clamps the total at zero and, unless the scenario asks for
 * reordering, never lets a packet overtake the one before it.
 *
 *   uniform  U(-amount, +amount)            (netem "delay D J")
 *   normal   N(0, amount)                   (netem "distribution normal")
 *   pareto   Pareto(shape, amount) - amount: heavy-tailed, never negative
 *   table    a value drawn uniformly from the given list
 */
#ifndef SASEBED_MODELS_JITTER_H
#define SASEBED_MODELS_JITTER_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "wan/platform.h"

enum jitter_kind {
	JITTER_NONE = 0,
	JITTER_UNIFORM,
	JITTER_NORMAL,
	JITTER_PARETO,
	JITTER_TABLE,
};

struct jitter_spec {
	enum jitter_kind kind;
	sb_time amount;  /* uniform half-width, normal sigma, pareto scale */
	double shape;    /* pareto shape (alpha > 0), default 2.5 */
	sb_time *table;  /* table values; owned */
	size_t table_len;
};

/* One deviation in ns, scaled by `scale` (the diurnal profile). */
sb_time jitter_draw(const struct jitter_spec *s, gsl_rng *r, double scale);

/* Deep copy (the table) and release. */
int jitter_spec_copy(struct jitter_spec *dst, const struct jitter_spec *src);
void jitter_spec_clear(struct jitter_spec *s);

#endif
