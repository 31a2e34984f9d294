/*
 * Traffic sources.  A source makes packets of one flow at a rate between a
 * start and a stop time and hands them to a send function (the forwarding
 * of the node it sits on).
 *
 *   cbr      constant bit rate: one packet every size*8/rate
 *   poisson  exponential gaps with the same mean (a Poisson process)
 *
 * Packet sizes are fixed, or exponential with the given mean (for the
 * M/M/1 check).  More kinds (voice, web, TCP bulk) come with their issue.
 */
#ifndef SASEBED_MODELS_TRAFFIC_H
#define SASEBED_MODELS_TRAFFIC_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "sim/kernel.h"
#include "sim/pool.h"
#include "wan/packet.h"

enum traffic_arrivals { TRAFFIC_CBR = 0, TRAFFIC_POISSON };
enum traffic_sizes { TRAFFIC_SIZE_FIXED = 0, TRAFFIC_SIZE_EXP };

struct traffic_spec {
	enum traffic_arrivals arrivals;
	enum traffic_sizes sizes;
	uint64_t rate_bps;
	uint32_t packet_bytes;  /* fixed size, or the mean */
	sb_time start, stop;    /* stop SB_TIME_NEVER: until the run ends */
};

typedef void (*traffic_send_fn)(void *ctx, struct sb_packet *p);

struct traffic;

/* A source for flow number `flow`; rng is its own stream, not owned.  It
 * schedules its first packet at spec->start. */
struct traffic *traffic_new(struct kernel *k, struct pool *pl,
    const struct traffic_spec *spec, uint32_t flow, gsl_rng *rng,
    traffic_send_fn send, void *ctx);
void traffic_free(struct traffic *t);

uint64_t traffic_sent(const struct traffic *t);

#endif
