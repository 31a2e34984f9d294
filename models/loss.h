/*
 * Packet loss models: none, Bernoulli, Gilbert-Elliott, and a trace.
 *
 * Gilbert-Elliott takes the four parameters of Linux netem's `loss gemodel
 * p r 1-h 1-k`: p is the probability of moving from the good state to the
 * bad one, r of moving back, bad_loss (1-h) the loss probability in the bad
 * state and good_loss (1-k) in the good state.  Its long-run loss rate is
 *   (r * good_loss + p * bad_loss) / (p + r)
 * and, with good_loss 0 and bad_loss 1, the mean burst of losses is 1 / r.
 *
 * A trace is a sequence of 0/1 (1 = lost), one per packet, replayed in a
 * loop.  Every model draws only from the stream it is given.
 */
#ifndef SASEBED_MODELS_LOSS_H
#define SASEBED_MODELS_LOSS_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

enum loss_kind {
	LOSS_NONE = 0,
	LOSS_BERNOULLI,
	LOSS_GILBERT_ELLIOTT,
	LOSS_TRACE,
};

struct loss_spec {
	enum loss_kind kind;
	double rate;      /* bernoulli: probability of loss */
	double p, r;      /* gilbert-elliott transitions good->bad, bad->good */
	double bad_loss;  /* netem 1-h, default 1 */
	double good_loss; /* netem 1-k, default 0 */
	uint8_t *trace;   /* trace: one byte (0 or 1) per packet; owned */
	size_t trace_len;
};

struct loss;

/* A model of the given spec; the trace (if any) is copied.  NULL on ENOMEM
 * or a spec it cannot honour (probabilities outside [0, 1]). */
struct loss *loss_new(const struct loss_spec *spec);
void loss_free(struct loss *l);

/* Replace the parameters, keeping the model's state where the kind is the
 * same (a Gilbert-Elliott channel that is in the bad state stays bad). */
int loss_update(struct loss *l, const struct loss_spec *spec);

/* Decide the fate of one packet: 1 if lost.  `scale` multiplies the loss
 * (the diurnal profile): Bernoulli's rate, Gilbert-Elliott's p; 1.0 is none. */
int loss_drop(struct loss *l, gsl_rng *r, double scale);

/* The long-run loss probability of a spec, by its closed form (trace: the
 * share of ones).  For docs, tests and the results' link table. */
double loss_expected_rate(const struct loss_spec *spec);

/* Release what a spec owns (the trace) and zero it. */
void loss_spec_clear(struct loss_spec *spec);

#endif
