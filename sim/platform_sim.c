/*
 * Platform glue for the simulator.  Each call is a thin forward to the
 * kernel, the pool or a link; the only work done here is adapting the
 * timer callback shape (fn(arg)) to the kernel's (fn(a, b)).
 */
#include <stdlib.h>
#include <string.h>

#include "sim/platform_sim.h"
#include "sim/rng.h"

/* What a packet's way through reads (the platform, the callbacks, the
 * kernel) in the first line. */
struct psim {
	struct sb_platform pf;
	psim_deliver_fn deliver;
	void *deliver_ctx;
	psim_send_fn send;
	void *send_ctx;
	struct psim_env env;
	char *node;
	gsl_rng *rng;
	struct link **links;
	unsigned nlinks;
};

/*
 * A timer's function travels in the kernel event's first argument.  A
 * function pointer does not convert to void * in ISO C, so it is boxed in a
 * union of the two, which POSIX guarantees round-trips.
 */
union fnbox {
	sb_timer_fn fn;
	void *p;
};

static void
timer_tramp(void *a, void *b)
{
	union fnbox box;

	box.p = a;
	box.fn(b);
}

static sb_time
ps_now(void *ctx)
{
	struct psim *ps = ctx;

	return kernel_now(ps->env.k);
}

static sb_timer
ps_timer_arm(void *ctx, sb_time deadline, sb_timer_fn fn, void *arg)
{
	struct psim *ps = ctx;
	union fnbox box;

	box.fn = fn;
	return kernel_at(ps->env.k, deadline, timer_tramp, box.p, arg);
}

static void
ps_timer_cancel(void *ctx, sb_timer t)
{
	struct psim *ps = ctx;

	kernel_cancel(ps->env.k, t);
}

static int
ps_send(void *ctx, unsigned link, struct sb_packet *p)
{
	struct psim *ps = ctx;

	if (ps->send != NULL)
		return ps->send(ps->send_ctx, link, p);
	if (link >= ps->nlinks) {
		pool_put(ps->env.pool, p);
		return -1;
	}
	/* a PoP sends on its ports in turn (probes, adverts): the next
	 * ones' links are fetched while this one sends */
	if (link + 2 < ps->nlinks) {
		__builtin_prefetch(ps->links[link + 2]);
		__builtin_prefetch((const char *)ps->links[link + 2] + 64);
	}
	if (link + 1 < ps->nlinks)
		link_prefetch_send(ps->links[link + 1], 0);
	link_send(ps->links[link], p);
	return 0;
}

static void
ps_deliver(void *ctx, struct sb_packet *p)
{
	struct psim *ps = ctx;

	if (ps->deliver != NULL)
		ps->deliver(ps->deliver_ctx, p);
	else
		pool_put(ps->env.pool, p);
}

static uint64_t
ps_rand(void *ctx)
{
	struct psim *ps = ctx;

	return rng_u64(ps->rng);
}

static void
ps_emit(void *ctx, const struct sb_event *ev)
{
	struct psim *ps = ctx;
	struct sb_event e = *ev;

	if (ps->env.emit == NULL)
		return;
	if (e.node == NULL)
		e.node = ps->node;
	ps->env.emit(ps->env.emit_ctx, kernel_now(ps->env.k), &e);
}

static struct sb_packet *
ps_packet_new(void *ctx)
{
	struct psim *ps = ctx;

	return pool_get_buf(ps->env.pool);
}

static void
ps_packet_free(void *ctx, struct sb_packet *p)
{
	struct psim *ps = ctx;

	pool_put(ps->env.pool, p);
}

static const struct sb_platform_ops psim_ops = {
	.now = ps_now,
	.timer_arm = ps_timer_arm,
	.timer_cancel = ps_timer_cancel,
	.send = ps_send,
	.deliver = ps_deliver,
	.rand = ps_rand,
	.emit = ps_emit,
	.packet_new = ps_packet_new,
	.packet_free = ps_packet_free,
};

struct psim *
psim_new(const struct psim_env *env, const char *node, gsl_rng *rng,
    struct link *const *links, unsigned nlinks, psim_deliver_fn deliver,
    void *deliver_ctx)
{
	struct psim *ps = calloc(1, sizeof(*ps));

	if (ps == NULL)
		return NULL;
	ps->env = *env;
	ps->rng = rng;
	ps->deliver = deliver;
	ps->deliver_ctx = deliver_ctx;
	ps->nlinks = nlinks;
	ps->node = strdup(node);
	ps->links = calloc(nlinks ? nlinks : 1, sizeof(*ps->links));
	if (ps->node == NULL || ps->links == NULL) {
		psim_free(ps);
		return NULL;
	}
	if (nlinks)
		memcpy(ps->links, links, nlinks * sizeof(*links));
	ps->pf.ops = &psim_ops;
	ps->pf.ctx = ps;
	return ps;
}

void
psim_free(struct psim *ps)
{
	if (ps == NULL)
		return;
	free(ps->links);
	free(ps->node);
	free(ps);
}

const struct sb_platform *
psim_platform(const struct psim *ps)
{
	return &ps->pf;
}

void
psim_set_sender(struct psim *ps, psim_send_fn send, void *ctx)
{
	ps->send = send;
	ps->send_ctx = ctx;
}
