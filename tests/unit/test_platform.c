/*
 * The simulator's platform: a piece of protocol-like code that sees only
 * struct sb_platform (a pinger: a timer every 10 ms sends a packet on WAN
 * link 0; the peer's link hands it to deliver) runs on virtual time, its
 * cancelled timer never fires, its events reach the sink with the node's
 * name and the virtual time, and its random bits are its node's own.
 */
#include <check.h>
#include <string.h>

#include "sim/platform_sim.h"
#include "sim/rng.h"

/* ---- protocol side: only wan/ headers' view of the world ---- */

struct pinger {
	const struct sb_platform *pf;
	int sent, fired_cancelled;
	sb_timer victim;
};

static void
pinger_tick(void *arg)
{
	struct pinger *pg = arg;
	const struct sb_platform *pf = pg->pf;
	struct sb_packet *p = pf->ops->packet_new(pf->ctx);

	p->size = 100;
	p->seq = (uint64_t)pg->sent++;
	p->created = sb_now(pf);
	pf->ops->send(pf->ctx, 0, p);
	if (pg->sent < 5)
		pf->ops->timer_arm(pf->ctx, sb_now(pf) + 10 * SB_MS,
		    pinger_tick, pg);
	else {
		struct sb_event ev = { "pinger-done", NULL, "link0", NULL,
		    (double)pg->sent };
		pf->ops->emit(pf->ctx, &ev);
	}
}

static void
never(void *arg)
{
	struct pinger *pg = arg;

	pg->fired_cancelled++;
}

/* ---- the simulator side ---- */

struct world {
	struct kernel *k;
	struct pool *pl;
	sb_time got_at[8];
	int got;
	char ev_node[32];
	sb_time ev_t;
	int events;
};

static void
deliver(void *ctx, struct sb_packet *p)
{
	struct world *w = ctx;

	w->got_at[w->got++ & 7] = kernel_now(w->k) - p->created;
	pool_put(w->pl, p);
}

static void
recv_to_b(void *ctx, struct link *l, struct sb_packet *p)
{
	const struct sb_platform *pf = ctx;

	pf->ops->deliver(pf->ctx, p);
}

static void
drop_any(void *ctx, struct link *l, struct sb_packet *p, enum link_drop why)
{
	ck_abort_msg("nothing should drop");
}

static void
sink(void *ctx, sb_time t, const struct sb_event *ev)
{
	struct world *w = ctx;

	snprintf(w->ev_node, sizeof(w->ev_node), "%s", ev->node);
	w->ev_t = t;
	w->events++;
}

START_TEST(test_pinger_on_virtual_time)
{
	struct world w = { 0 };
	struct link_spec spec = { .bandwidth_bps = 8000000, .delay = 5 * SB_MS };
	gsl_rng *rl, *ra, *rb;
	struct link *ab;
	struct psim *a, *b;
	struct psim_env env;
	struct pinger pg = { 0 };

	w.k = kernel_new();
	w.pl = pool_new();
	env = (struct psim_env){ w.k, w.pl, sink, &w };
	rl = rng_new(3, "link:ab");
	ra = rng_new(3, "node:a");
	rb = rng_new(3, "node:b");
	ab = link_new(w.k, "a>b", &spec, rl);
	a = psim_new(&env, "a", ra, &ab, 1, NULL, NULL);
	b = psim_new(&env, "b", rb, NULL, 0, deliver, &w);
	link_set_handlers(ab, recv_to_b, drop_any, (void *)psim_platform(b));

	pg.pf = psim_platform(a);
	pg.pf->ops->timer_arm(pg.pf->ctx, 0, pinger_tick, &pg);
	pg.victim = pg.pf->ops->timer_arm(pg.pf->ctx, 7 * SB_MS, never, &pg);
	pg.pf->ops->timer_cancel(pg.pf->ctx, pg.victim);
	kernel_run(w.k, SB_TIME_NEVER);

	ck_assert_int_eq(pg.sent, 5);
	ck_assert_int_eq(pg.fired_cancelled, 0);
	ck_assert_int_eq(w.got, 5);
	/* 100 B at 8 Mbps is 100 us, plus 5 ms of propagation */
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(w.got_at[i], 5 * SB_MS + 100 * SB_US);
	ck_assert_int_eq(w.events, 1);
	ck_assert_str_eq(w.ev_node, "a");
	ck_assert_int_eq(w.ev_t, 40 * SB_MS);
	/* a link number the node does not have: refused, packet freed */
	ck_assert_int_lt(pg.pf->ops->send(pg.pf->ctx, 3,
	    pg.pf->ops->packet_new(pg.pf->ctx)), 0);
	ck_assert_uint_eq(pool_in_use(w.pl), 0);
	/* random bits are the node's own stream */
	{
		gsl_rng *again = rng_new(3, "node:a");
		ck_assert_uint_eq(pg.pf->ops->rand(pg.pf->ctx), rng_u64(again));
		gsl_rng_free(again);
	}
	psim_free(a);
	psim_free(b);
	link_free(ab);
	gsl_rng_free(rl);
	gsl_rng_free(ra);
	gsl_rng_free(rb);
	pool_free(w.pl);
	kernel_free(w.k);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("platform");
	TCase *tc = tcase_create("sim");

	tcase_add_test(tc, test_pinger_on_virtual_time);
	suite_add_tcase(s, tc);
	return s;
}

#include "check_main.h"
