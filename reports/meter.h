/*
 * A meter: what one flow (or a set of flows, for a site) did over an
 * interval.  Packets sent, delivered and dropped, bytes delivered, one-way
 * latency (a histogram, for percentiles) and RFC 3550 interarrival jitter.
 * The forwarding code feeds it; the sampler and the expectations read it.
 */
#ifndef SASEBED_REPORTS_METER_H
#define SASEBED_REPORTS_METER_H

#include <stdint.h>

#include "sim/scenario.h"
#include "wan/platform.h"

struct meter;

struct meter *meter_new(void);
void meter_free(struct meter *m);
/* Start a new interval; jitter's running estimate carries over, as in
 * RFC 3550 where it is a property of the stream, not of the interval. */
void meter_reset(struct meter *m);

void meter_sent(struct meter *m);
void meter_dropped(struct meter *m);
/* Ahead of meter_sent() (stage 0) or of meter_delivered() of a packet
 * `transit` in flight (stages 0, 1, 2: each reads what the one before
 * fetched).  Fetches only. */
void meter_prefetch(const struct meter *m, sb_time transit, int stage);
/* A packet sent at `sent` arrived at `now` carrying `bytes`. */
void meter_delivered(struct meter *m, sb_time sent, sb_time now,
    uint32_t bytes);

struct meter_summary {
	uint64_t sent, delivered, dropped, bytes;
	double loss;              /* dropped / (dropped + delivered); 0 if none */
	double latency_mean;      /* ns */
	int64_t latency_p50, latency_p95, latency_p99;
	double jitter;            /* ns */
	double throughput_bps;    /* bytes * 8 / span */
};

/* Sum up the interval; span is its length in ns (for throughput). */
void meter_summary(const struct meter *m, sb_time span,
    struct meter_summary *out);

/* The q-quantile of the interval's latencies (ns); -1 if none arrived. */
int64_t meter_latency_quantile(const struct meter *m, double q);

/* Fold src's counts and latencies into dst (a site's meter from its flows). */
void meter_merge(struct meter *dst, const struct meter *src);

/* A flow metric (latency mean and quantiles, jitter, loss, throughput,
 * delivered) of what the meter saw over span; NaN where it saw nothing
 * to measure, and for metrics a meter does not hold. */
double meter_metric(const struct meter *m, enum sc_metric metric,
    sb_time span);

#endif
