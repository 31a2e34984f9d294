/*
 * Platform glue for the emulator: thin forwards to the loop, the pool and
 * the owner's callbacks, as sim/platform_sim.c is for the simulator.
 */
#include <stdlib.h>
#include <string.h>

#include "emu/platform_emu.h"
#include "sim/rng.h"

struct pemu {
	struct sb_platform pf;
	struct pemu_env env;
	char *node;
	gsl_rng *rng;
	pemu_send_fn send;
	void *send_ctx;
	pemu_deliver_fn deliver;
	void *deliver_ctx;
};

static sb_time
pe_now(void *ctx)
{
	struct pemu *pe = ctx;

	return eloop_now(pe->env.loop);
}

static sb_timer
pe_timer_arm(void *ctx, sb_time deadline, sb_timer_fn fn, void *arg)
{
	struct pemu *pe = ctx;

	return eloop_timer_arm(pe->env.loop, deadline, fn, arg);
}

static void
pe_timer_cancel(void *ctx, sb_timer t)
{
	struct pemu *pe = ctx;

	eloop_timer_cancel(pe->env.loop, t);
}

static int
pe_send(void *ctx, unsigned link, struct sb_packet *p)
{
	struct pemu *pe = ctx;

	if (pe->send != NULL)
		return pe->send(pe->send_ctx, link, p);
	pool_put(pe->env.pool, p);
	return -1;
}

static void
pe_deliver(void *ctx, struct sb_packet *p)
{
	struct pemu *pe = ctx;

	if (pe->deliver != NULL)
		pe->deliver(pe->deliver_ctx, p);
	else
		pool_put(pe->env.pool, p);
}

static uint64_t
pe_rand(void *ctx)
{
	struct pemu *pe = ctx;

	return rng_u64(pe->rng);
}

static void
pe_emit(void *ctx, const struct sb_event *ev)
{
	struct pemu *pe = ctx;
	struct sb_event e = *ev;

	if (pe->env.emit == NULL)
		return;
	if (e.node == NULL)
		e.node = pe->node;
	pe->env.emit(pe->env.emit_ctx, eloop_now(pe->env.loop), &e);
}

static struct sb_packet *
pe_packet_new(void *ctx)
{
	struct pemu *pe = ctx;

	return pool_get_buf(pe->env.pool);
}

static void
pe_packet_free(void *ctx, struct sb_packet *p)
{
	struct pemu *pe = ctx;

	pool_put(pe->env.pool, p);
}

static const struct sb_platform_ops pemu_ops = {
	.now = pe_now,
	.timer_arm = pe_timer_arm,
	.timer_cancel = pe_timer_cancel,
	.send = pe_send,
	.deliver = pe_deliver,
	.rand = pe_rand,
	.emit = pe_emit,
	.packet_new = pe_packet_new,
	.packet_free = pe_packet_free,
};

struct pemu *
pemu_new(const struct pemu_env *env, const char *node, gsl_rng *rng,
    pemu_send_fn send, void *send_ctx, pemu_deliver_fn deliver,
    void *deliver_ctx)
{
	struct pemu *pe = calloc(1, sizeof(*pe));

	if (pe == NULL)
		return NULL;
	pe->env = *env;
	pe->rng = rng;
	pe->send = send;
	pe->send_ctx = send_ctx;
	pe->deliver = deliver;
	pe->deliver_ctx = deliver_ctx;
	if ((pe->node = strdup(node)) == NULL) {
		free(pe);
		return NULL;
	}
	pe->pf.ops = &pemu_ops;
	pe->pf.ctx = pe;
	return pe;
}

void
pemu_free(struct pemu *pe)
{
	if (pe == NULL)
		return;
	free(pe->node);
	free(pe);
}

const struct sb_platform *
pemu_platform(const struct pemu *pe)
{
	return &pe->pf;
}
