/*
 * The simulator's implementation of the platform interface (wan/platform.h):
 * virtual time from the kernel, timers as kernel events, send() onto the
 * node's simulated links, packets from the run's pool, random bits from the
 * node's own stream, events to whatever sink the run gives (the recorder).
 *
 * One psim per node.  It owns nothing but itself: the kernel, pool, links
 * and stream belong to the world that made it.
 */
#ifndef SASEBED_SIM_PLATFORM_SIM_H
#define SASEBED_SIM_PLATFORM_SIM_H

#include <gsl/gsl_rng.h>

#include "models/link.h"
#include "sim/kernel.h"
#include "sim/pool.h"
#include "wan/packet.h"
#include "wan/platform.h"

typedef void (*psim_deliver_fn)(void *ctx, struct sb_packet *p);
typedef int (*psim_send_fn)(void *ctx, unsigned link, struct sb_packet *p);
typedef void (*psim_emit_fn)(void *ctx, sb_time t, const struct sb_event *ev);

struct psim_env {
	struct kernel *k;
	struct pool *pool;
	psim_emit_fn emit;    /* may be NULL: events are dropped */
	void *emit_ctx;
};

struct psim;

/* links[i] is the node's WAN link number i (the array is copied; the links
 * are not owned). */
struct psim *psim_new(const struct psim_env *env, const char *node,
    gsl_rng *rng, struct link *const *links, unsigned nlinks,
    psim_deliver_fn deliver, void *deliver_ctx);
void psim_free(struct psim *ps);

const struct sb_platform *psim_platform(const struct psim *ps);

/* Route the node's send() through `send` instead of its links: for a
 * tunnel endpoint whose datagrams cross several simulated links. */
void psim_set_sender(struct psim *ps, psim_send_fn send, void *ctx);

#endif
