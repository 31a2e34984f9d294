/*
 * PoP selection: which PoP a Socket's WAN link should connect its tunnel to.
 *
 * Each link has a configured set of candidate PoPs, by default the nearest
 * few in distance order.  The Socket measures the round trip to them
 * (probes, handshakes) and connects to the one with the lowest smoothed
 * RTT; candidates it has never measured come after the measured ones, in
 * preference order, so a fresh Socket starts at the nearest.  It leaves
 * the connected PoP only when that PoP fails: the tunnel goes down
 * (dead-peer detection, a failed handshake), or the link monitor's verdict
 * misses the SLA over `sla_evals` evaluation windows in a row.  A PoP that
 * failed is avoided for `penalty`; once that has passed it is a candidate
 * like any other, but nothing moves the tunnel back to it by itself.
 *
 * What it is not: a prober, a timer or a state machine that acts.  It
 * keeps the measurements and the penalties and answers "which PoP now";
 * the caller measures, passes the time in, asks after every event that
 * could change the answer, and moves the tunnel and emits the events.  It
 * never moves a tunnel because another PoP got a little faster: chasing
 * small RTT differences would flap tunnels (and every flow on them) for
 * gains of a few milliseconds.
 */
#ifndef SASEBED_WAN_POPSEL_H
#define SASEBED_WAN_POPSEL_H

#include "wan/platform.h"

#define POPSEL_MAX 16
#define POPSEL_PENALTY_DEFAULT (60 * SB_S)
/* consecutive failed evaluations before a move */
#define POPSEL_SLA_EVALS_DEFAULT 3

struct popsel_cfg {
	/* a failed PoP is not chosen again for this long; 0: default */
	sb_time penalty;
	unsigned sla_evals; /* 0: default */
	/* SLA: smoothed RTT above this fails an evaluation; 0: no RTT bound */
	sb_time rtt_max;
	/* SLA: loss above this fails an evaluation; 0: no loss bound */
	double loss_max;
};

struct popsel;

/*
 * ncand candidates (<= POPSEL_MAX), given in preference order (nearest
 * first); ids are the caller's PoP numbers, returned by popsel_choose.
 * A NULL cfg is all defaults.  NULL on no memory, too many candidates, a
 * negative or repeated id, or a negative (or NaN) penalty or bound.
 */
struct popsel *popsel_new(const struct popsel_cfg *cfg, const int *ids,
    unsigned ncand);
void popsel_free(struct popsel *s);

/* An RTT measured to candidate id (a probe answered, a handshake):
 * smoothed as RFC 6298's SRTT (alpha 1/8, the first sample taken as is).
 * A negative rtt is ignored. */
void popsel_rtt(struct popsel *s, int id, sb_time rtt);

/*
 * The connected PoP's verdict over one evaluation window (the caller's
 * link monitor measured rtt and loss); sla_evals failures in a row mark it
 * failed, as popsel_failed does.  Returns 1 when that made it fail.  A
 * negative rtt (nothing answered in the window) leaves it to the loss
 * bound; evaluating another id starts the count afresh.
 */
int popsel_evaluate(struct popsel *s, int id, sb_time now, sb_time rtt,
    double loss);

/* The tunnel to id went down or its handshake failed: avoid it until
 * now + penalty. */
void popsel_failed(struct popsel *s, int id, sb_time now);

/*
 * The PoP to use now, given the current one (-1 none).  The current one if
 * it is not avoided; else the usable candidate with the lowest smoothed
 * RTT, those never measured after the measured ones in preference order;
 * if every candidate is avoided, the one whose penalty ends first.  -1
 * only when there are no candidates.
 */
int popsel_choose(const struct popsel *s, int current, sb_time now);

/* For results: the smoothed RTT of id, or -1 unmeasured; whether id is
 * avoided at now. */
sb_time popsel_srtt(const struct popsel *s, int id);
int popsel_avoided(const struct popsel *s, int id, sb_time now);

#endif
