/*
 * Loss models: none, Bernoulli, Gilbert-Elliott and a replayed trace.
 *
 * A model is a copy of its spec plus the little state it carries between
 * packets: the Gilbert-Elliott channel state and the trace position.  It
 * draws only from the stream the caller hands to loss_drop(), and the number
 * of draws per packet is fixed by the kind alone (Bernoulli one,
 * Gilbert-Elliott two, none and trace zero), whatever the parameters or the
 * scale.  So a change of loss rate mid-run, or a profile factor, never
 * shifts which uniform the next packet sees.
 *
 * Gilbert-Elliott order of events, per packet: first the packet's fate is
 * decided by the loss probability of the state the channel is in, then the
 * channel moves (good->bad with p, bad->good with r).  The state a packet
 * sees is therefore one step of the chain after the previous packet's, and
 * in the long run it is bad with the stationary probability p / (p + r);
 * the closed form in loss.h follows from that, see loss_expected_rate().
 * A channel starts in the good state.  The diurnal scale multiplies p only
 * (congestion makes bad spells start more often, not last longer), clamped
 * to [0, 1].
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "models/loss.h"

struct loss {
	struct loss_spec s;  /* owns its copy of the trace */
	int bad;             /* gilbert-elliott: channel in the bad state */
	size_t pos;          /* trace: index of the next packet's byte */
};

/* NaN fails both comparisons, so it is rejected too. */
static int
is_prob(double x)
{
	return x >= 0.0 && x <= 1.0;
}

static int
spec_valid(const struct loss_spec *s)
{
	if (s == NULL)
		return 0;
	switch (s->kind) {
	case LOSS_NONE:
		return 1;
	case LOSS_BERNOULLI:
		return is_prob(s->rate);
	case LOSS_GILBERT_ELLIOTT:
		return is_prob(s->p) && is_prob(s->r) &&
		    is_prob(s->bad_loss) && is_prob(s->good_loss);
	case LOSS_TRACE:
		return s->trace_len == 0 || s->trace != NULL;
	}
	return 0;
}

/* A deep copy: the trace is duplicated, so the caller keeps its own. */
static int
spec_copy(struct loss_spec *dst, const struct loss_spec *src)
{
	*dst = *src;
	dst->trace = NULL;
	if (src->kind != LOSS_TRACE) {
		dst->trace_len = 0;
		return 0;
	}
	if (src->trace_len == 0)
		return 0;
	if ((dst->trace = malloc(src->trace_len)) == NULL) {
		dst->trace_len = 0;
		return -ENOMEM;
	}
	memcpy(dst->trace, src->trace, src->trace_len);
	return 0;
}

struct loss *
loss_new(const struct loss_spec *spec)
{
	struct loss *l;

	if (!spec_valid(spec))
		return NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
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

/*
 * On failure the model is left as it was.  A Gilbert-Elliott channel keeps
 * its state across an update (a link in a bad spell stays in it while its
 * parameters change); a trace keeps its position, wrapped to the new length.
 * A change of kind starts the new model afresh.
 */
int
loss_update(struct loss *l, const struct loss_spec *spec)
{
	struct loss_spec copy;
	int rc;

	if (l == NULL || !spec_valid(spec))
		return -EINVAL;
	if ((rc = spec_copy(&copy, spec)) < 0)
		return rc;
	if (copy.kind != l->s.kind) {
		l->bad = 0;
		l->pos = 0;
	}
	loss_spec_clear(&l->s);
	l->s = copy;
	if (l->s.trace_len == 0)
		l->pos = 0;
	else
		l->pos %= l->s.trace_len;
	return 0;
}

/* A scaled probability; NaN and negatives mean never. */
static double
scaled(double prob, double scale)
{
	double x = prob * scale;

	if (!(x > 0.0))
		return 0.0;
	return x > 1.0 ? 1.0 : x;
}

/*
 * gsl_rng_uniform() is in [0, 1), so "u < q" is never true for q = 0 and
 * always true for q = 1: the edge probabilities need no special case, and
 * the draw is made either way to keep the stream's position fixed.
 */
int
loss_drop(struct loss *l, gsl_rng *r, double scale)
{
	int lost;
	double u;

	switch (l->s.kind) {
	case LOSS_BERNOULLI:
		return gsl_rng_uniform(r) < scaled(l->s.rate, scale);
	case LOSS_GILBERT_ELLIOTT:
		/* fate in the current state first ... */
		lost = gsl_rng_uniform(r) <
		    (l->bad ? l->s.bad_loss : l->s.good_loss);
		/* ... then the transition the next packet will see */
		u = gsl_rng_uniform(r);
		if (l->bad)
			l->bad = !(u < l->s.r);
		else
			l->bad = u < scaled(l->s.p, scale);
		return lost;
	case LOSS_TRACE:
		if (l->s.trace_len == 0)
			return 0;
		lost = l->s.trace[l->pos] != 0;
		if (++l->pos == l->s.trace_len)
			l->pos = 0;
		return lost;
	case LOSS_NONE:
		break;
	}
	return 0;
}

/*
 * Gilbert-Elliott: with pi_g, pi_b the stationary probabilities of the
 * chain, balance across the good/bad cut gives pi_g * p = pi_b * r, so
 * pi_b = p / (p + r) and pi_g = r / (p + r).  Since a packet's fate depends
 * only on the state it sees, the long-run loss is
 *   pi_g * good_loss + pi_b * bad_loss = (r good_loss + p bad_loss) / (p + r).
 * With p = r = 0 the chain never leaves the good state it starts in.
 */
double
loss_expected_rate(const struct loss_spec *s)
{
	size_t ones = 0;

	if (s == NULL)
		return 0.0;
	switch (s->kind) {
	case LOSS_BERNOULLI:
		return s->rate;
	case LOSS_GILBERT_ELLIOTT:
		if (!(s->p + s->r > 0.0))
			return s->good_loss;
		return (s->r * s->good_loss + s->p * s->bad_loss) /
		    (s->p + s->r);
	case LOSS_TRACE:
		if (s->trace_len == 0 || s->trace == NULL)
			return 0.0;
		for (size_t i = 0; i < s->trace_len; i++)
			ones += s->trace[i] != 0;
		return (double)ones / (double)s->trace_len;
	case LOSS_NONE:
		break;
	}
	return 0.0;
}

void
loss_spec_clear(struct loss_spec *s)
{
	if (s == NULL)
		return;
	free(s->trace);
	memset(s, 0, sizeof(*s));
}
