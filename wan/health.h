/*
 * The last-mile link monitor of a Socket: the samples of one WAN link's
 * probes over a sliding window, and whether the link meets its loss,
 * jitter and latency thresholds.
 *
 * The Socket sends a probe through each link's tunnel; the PoP answers
 * each with two counters of its own, the probes it has received and the
 * replies it has sent this session.  Round-trip times give latency and
 * jitter; the counters split loss by direction, as TWAMP does, because the
 * threshold is per direction and a round-trip count cannot tell 4% loss
 * one way from 2% each way.
 *
 * What it is not: a prober or a clock.  The caller sends the probes,
 * parses the replies and passes in every time (int64 ns); this module
 * never reads a clock, arms a timer or allocates after health_new().  Nor
 * does it decide failover: it says which thresholds are missed now, and
 * the link's state machine decides what that means.
 *
 * Which probes are judged at `now`: those sent in the window that ends a
 * timeout ago, [now - timeout - window, now - timeout].  Younger ones may
 * still be answered, so they are neither lost nor counted yet; older ones
 * are forgotten.  Evaluations a window apart thus judge every probe once:
 * none falls between them.
 */
#ifndef SASEBED_WAN_HEALTH_H
#define SASEBED_WAN_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include "wan/platform.h"

/* Thresholds from the product documentation: 3% loss, 30 ms jitter and
 * 600 ms round trip, over a 10 s window; a probe is lost after 1 s. */
#define HEALTH_LOSS_DEFAULT 0.03
#define HEALTH_JITTER_DEFAULT (30 * SB_MS)
#define HEALTH_LATENCY_DEFAULT (600 * SB_MS)
#define HEALTH_WINDOW_DEFAULT (10 * SB_S)
#define HEALTH_TIMEOUT_DEFAULT (1 * SB_S)
#define HEALTH_CAPACITY_DEFAULT 4096

struct health;

struct health_cfg {
	double loss_max;     /* fraction, per direction; 0: default */
	sb_time jitter_max;  /* 0: default */
	sb_time latency_max; /* round trip; 0: default */
	sb_time window;      /* samples sent before now - timeout -
	                      * window are forgotten; 0: default */
	sb_time timeout;     /* a probe unanswered this long after sending
	                      * is lost; 0: default */
	unsigned capacity;   /* samples kept, a ring; 0: default.  Size it
	                      * (window + timeout) / probe interval + a
	                      * margin: when full, the oldest is
	                      * overwritten. */
};

/* Thresholds missed, as bits. */
enum {
	HEALTH_OK = 0,
	HEALTH_LOSS = 1,
	HEALTH_JITTER = 2,
	HEALTH_LATENCY = 4,
	HEALTH_SILENT = 8,	/* probes counted, none answered */
};

struct health_stats {
	unsigned sent;       /* probes counted: sent in
	                      * [now - timeout - window, now - timeout] */
	unsigned answered;   /* of those, answered */
	double loss;         /* max(loss_up, loss_down) when both are known,
	                      * else round trip, (sent - answered) / sent;
	                      * 0 when sent == 0 */
	double loss_up;      /* one way, from the peer's counters; -1 when */
	double loss_down;    /* not known (fewer than 2 answered, or a
	                      * peer that keeps no counters) */
	sb_time latency;     /* mean round trip of the answered counted
	                      * probes; -1 when none */
	sb_time jitter;      /* mean |rtt_i - rtt_(i-1)| over consecutive
	                      * answered counted probes in seq order (RFC
	                      * 3550's D, unsmoothed); -1 when fewer than 2 */
};

/* A monitor with cfg's thresholds (NULL: all defaults); NULL if out of
 * memory. */
struct health *health_new(const struct health_cfg *cfg);
void health_free(struct health *h);

/* Forget every sample: the tunnel restarted, and the peer's counters with
 * it. */
void health_reset(struct health *h);

/* Probe seq left at `at`; within a session seqs go up by one a probe. */
void health_sent(struct health *h, uint32_t seq, sb_time at);

/*
 * The reply to probe seq arrived at `now`.  peer_rx: probes the peer has
 * received this session, this one included; peer_tx: replies the peer has
 * sent this session, this one included.  A reply to an unknown or
 * forgotten seq, a duplicate, or one later than the timeout is ignored and
 * counted in health_ignored().
 */
void health_reply(struct health *h, uint32_t seq, sb_time now,
    uint32_t peer_rx, uint32_t peer_tx);

/* Fill out with the statistics of the probes counted at `now`. */
void health_measure(const struct health *h, sb_time now,
    struct health_stats *out);

/*
 * The thresholds missed at `now`, as HEALTH_* bits: loss, jitter or
 * latency strictly above its maximum; HEALTH_SILENT (with HEALTH_LOSS)
 * when probes were counted and none was answered.  No counted probes:
 * HEALTH_OK, there is nothing to judge.  out, if not NULL, gets the
 * statistics judged.
 */
unsigned health_eval(const struct health *h, sb_time now,
    struct health_stats *out);

/* Replies ignored since health_new() (not cleared by health_reset()). */
uint64_t health_ignored(const struct health *h);

/* The configuration in use, defaults filled in. */
const struct health_cfg *health_cfg(const struct health *h);

/* bits as "loss", "jitter", "latency", "silent" joined by '+' ("ok" for
 * none) into buf, truncated to len, for events; returns buf. */
const char *health_why(unsigned bits, char *buf, size_t len);

#endif
