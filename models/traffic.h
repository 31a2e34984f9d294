/*
 * Traffic sources.  A source makes packets of one flow at a rate between a
 * start and a stop time and hands them to a send function (the forwarding
 * of the node it sits on).
 *
 *   cbr      constant bit rate: one packet every size*8/rate
 *   poisson  exponential gaps with the same mean (a Poisson process)
 *   replay   given times and sizes, as a capture recorded them
 *
 * Packet sizes are fixed, or exponential with the given mean (for the
 * M/M/1 check); a replay's come with its times.  More kinds (voice, web,
 * TCP bulk) come with their issue.
 *
 * A replay takes plain arrays, not a capture: reading one is pcap/trace.h's
 * business, and models know nothing of files.
 */
#ifndef SASEBED_MODELS_TRAFFIC_H
#define SASEBED_MODELS_TRAFFIC_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "sim/kernel.h"
#include "sim/pool.h"
#include "wan/packet.h"

enum traffic_arrivals { TRAFFIC_CBR = 0, TRAFFIC_POISSON, TRAFFIC_REPLAY };
enum traffic_sizes { TRAFFIC_SIZE_FIXED = 0, TRAFFIC_SIZE_EXP };

struct traffic_spec {
	enum traffic_arrivals arrivals;
	enum traffic_sizes sizes;   /* cbr and poisson */
	uint64_t rate_bps;          /* cbr and poisson */
	uint32_t packet_bytes;      /* fixed size, or the mean */
	sb_time start, stop;        /* stop SB_TIME_NEVER: until the run ends */
	/* replay: packet n leaves at start + times[n] with sizes[n] bytes,
	 * for n below count and start + times[n] before stop.  The arrays
	 * are not copied: they must outlive the source (trace_times() and
	 * trace_sizes() of an open trace do).  Times should not decrease; a
	 * packet whose time is earlier than the one before it leaves right
	 * after it. */
	struct {
		const sb_time *times;   /* ns from start */
		const uint32_t *sizes;  /* bytes */
		size_t count;
	} replay;
};

typedef void (*traffic_send_fn)(void *ctx, struct sb_packet *p);
/* Ahead of a send (sim/kernel.h, prefetch hooks): the sender's hook with
 * its ctx, so that it can fetch what send will read. */
typedef void (*traffic_prefetch_fn)(void *ctx, int stage);

struct traffic;

/* A source for flow number `flow`; rng is its own stream, not owned (a
 * replay draws nothing and may pass NULL).  It schedules its first packet
 * at spec->start, or one gap in for poisson, or at start + times[0] for a
 * replay.  NULL for a spec it cannot run: cbr or poisson with a rate or
 * size of 0, a replay with packets but no arrays. */
struct traffic *traffic_new(struct kernel *k, struct pool *pl,
    const struct traffic_spec *spec, uint32_t flow, gsl_rng *rng,
    traffic_send_fn send, void *ctx);
/* t's sends get the hook pf (kernel_set_prefetch()). */
void traffic_set_prefetch(struct traffic *t, traffic_prefetch_fn pf);
void traffic_free(struct traffic *t);

/* Packets made so far (those the pool had no room for included). */
uint64_t traffic_sent(const struct traffic *t);

#endif
