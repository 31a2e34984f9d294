/*
 * The platform interface over the real world: time and timers from the
 * emulator's loop (emu/loop.h), packets from a pool, a random stream of the
 * node's own, and send, deliver and emit handed to the daemon that owns the
 * node (a UDP socket, a TUN device, a log and the results file).  The
 * simulator's counterpart is sim/platform_sim.c; wan/ code cannot tell
 * them apart.
 */
#ifndef SASEBED_EMU_PLATFORM_EMU_H
#define SASEBED_EMU_PLATFORM_EMU_H

#include <gsl/gsl_rng.h>

#include "emu/loop.h"
#include "sim/pool.h"
#include "wan/packet.h"
#include "wan/platform.h"

typedef int (*pemu_send_fn)(void *ctx, unsigned link, struct sb_packet *p);
typedef void (*pemu_deliver_fn)(void *ctx, struct sb_packet *p);
typedef void (*pemu_emit_fn)(void *ctx, sb_time t, const struct sb_event *ev);

struct pemu_env {
	struct eloop *loop;
	struct pool *pool;
	pemu_emit_fn emit;   /* may be NULL: events are dropped */
	void *emit_ctx;
};

struct pemu;

/* A node's platform; rng is the node's stream (not owned).  send and
 * deliver may be NULL: the packet is freed. */
struct pemu *pemu_new(const struct pemu_env *env, const char *node,
    gsl_rng *rng, pemu_send_fn send, void *send_ctx, pemu_deliver_fn deliver,
    void *deliver_ctx);
void pemu_free(struct pemu *pe);

const struct sb_platform *pemu_platform(const struct pemu *pe);

#endif
