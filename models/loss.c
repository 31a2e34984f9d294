/*
 * Loss models.  Gilbert-Elliott decides a packet's fate in the state the
 * channel is in, then moves the channel: the state a packet sees is drawn
 * from the chain's stationary distribution (bad with probability
 * p / (p + r)), which is where the closed form in loss.h comes from.  With
 * good_loss 0 and bad_loss 1 a burst of losses is a run of bad states,
 * geometric with continuation 1 - r: mean 1 / r packets.
 */
#include <stdlib.h>
#include <string.h>

#include "models/loss.h"

struct loss {
	struct loss_spec s;   /* owns its trace */
	int bad;              /* gilbert-elliott state */
	size_t pos;           /* trace position */
};

static int
prob_ok(double x)
{
	return x >= 0.0 && x <= 1.0;
}

static int
spec_valid(const struct loss_spec *s)
{
	switch (s->kind) {
	case LOSS_NONE:
		return 1;
	case LOSS_BERNOULLI:
		return prob_ok(s->rate);
	case LOSS_GILBERT_ELLIOTT:
		return prob_ok(s->p) && prob_ok(s->r) && prob_ok(s->bad_loss) &&
		    prob_ok(s->good_loss);
	case LOSS_TRACE:
		return s->trace_len == 0 || s->trace != NULL;
	}
	return 0;
}

/* Copy a spec, trace included. */
static int
spec_copy(struct loss_spec *dst, const struct loss_spec *src)
{
	*dst = *src;
	dst->trace = NULL;
	if (src->kind == LOSS_TRACE && src->trace_len > 0) {
		dst->trace = malloc(src->trace_len);
		if (dst->trace == NULL)
			return -1;
		memcpy(dst->trace, src->trace, src->trace_len);
	}
	return 0;
}

struct loss *
loss_new(const struct loss_spec *spec)
{
	struct loss *l;

	if (!spec_valid(spec))
		return NULL;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	if (spec_copy(&l->s, spec) < 0) {
		free(l);
		return NULL;
	}
	return l;
}

void
loss_free(struct loss *l)
{
	if (l == NULL)
		return;
	loss_spec_clear(&l->s);
	free(l);
}

int
loss_update(struct loss *l, const struct loss_spec *spec)
{
	struct loss_spec copy;

	if (!spec_valid(spec) || spec_copy(&copy, spec) < 0)
		return -1;
	if (copy.kind != l->s.kind) {
		l->bad = 0;
		l->pos = 0;
	}
	loss_spec_clear(&l->s);
	l->s = copy;
	if (l->pos >= l->s.trace_len)
		l->pos = 0;
	return 0;
}

static double
clamp01(double x)
{
	return x < 0.0 ? 0.0 : x > 1.0 ? 1.0 : x;
}

int
loss_drop(struct loss *l, gsl_rng *r, double scale)
{
	int lost;

	switch (l->s.kind) {
	case LOSS_BERNOULLI:
		return gsl_rng_uniform(r) < clamp01(l->s.rate * scale);
	case LOSS_GILBERT_ELLIOTT:
		lost = gsl_rng_uniform(r) <
		    (l->bad ? l->s.bad_loss : l->s.good_loss);
		if (l->bad)
			l->bad = !(gsl_rng_uniform(r) < l->s.r);
		else
			l->bad = gsl_rng_uniform(r) < clamp01(l->s.p * scale);
		return lost;
	case LOSS_TRACE:
		if (l->s.trace_len == 0)
			return 0;
		lost = l->s.trace[l->pos] != 0;
		if (++l->pos == l->s.trace_len)
			l->pos = 0;
		return lost;
	case LOSS_NONE:
	default:
		return 0;
	}
}

double
loss_expected_rate(const struct loss_spec *s)
{
	size_t ones = 0;

	switch (s->kind) {
	case LOSS_BERNOULLI:
		return s->rate;
	case LOSS_GILBERT_ELLIOTT:
		if (s->p + s->r <= 0.0)
			return s->good_loss;  /* never leaves the good state */
		return (s->r * s->good_loss + s->p * s->bad_loss) / (s->p + s->r);
	case LOSS_TRACE:
		for (size_t i = 0; i < s->trace_len; i++)
			ones += s->trace[i] != 0;
		return s->trace_len ? (double)ones / (double)s->trace_len : 0.0;
	case LOSS_NONE:
	default:
		return 0.0;
	}
}

void
loss_spec_clear(struct loss_spec *s)
{
	free(s->trace);
	memset(s, 0, sizeof(*s));
}
