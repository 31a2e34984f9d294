/*
 * The Socket agent on the fake platform, with no simulator: the test
 * plays the tunnels (up, down, probe answers) and reads the decisions
 * from what the agent sends, probes, connects and emits.  Failover at a
 * tunnel's death and the fallback hold, failover on a loss threshold at
 * the next evaluation and not before, a silent link emptied at once,
 * placement by measured loss for a rule that asks, weighted placement, loss
 * mitigation's copies, a PoP move on a dead peer and on a missed SLA.
 * (Rule priorities act in the shaper: tests/unit/test_qos.c, and QoS in
 * tests/scenarios/socket.sh.)
 */
#include <check.h>
#include <math.h>
#include <string.h>

#include "tests/unit/fake_platform.h"
#include "wan/socket.h"
#include "tests/unit/check_main.h"

struct rig {
	struct fake *f;
	struct socket *s;
	unsigned sent[SOCKET_MAX_LINKS];     /* packets per link */
	sb_time last_at[SOCKET_MAX_LINKS];
	int pop[SOCKET_MAX_LINKS];           /* last connect per link */
	unsigned connects;
	/* probe answers: every probe answered unless its number is a
	 * multiple of lose_every[link] (then lost on the way out) */
	unsigned lose_every[SOCKET_MAX_LINKS];
	uint32_t peer_rx[SOCKET_MAX_LINKS];
	int answer;
};

static int
r_send(void *ctx, unsigned link, struct sb_packet *p)
{
	struct rig *r = ctx;

	r->sent[link]++;
	r->last_at[link] = fake_now(r->f);
	fake_platform(r->f)->ops->packet_free(r->f, p);
	return 0;
}

static int
r_probe(void *ctx, unsigned link, uint32_t seq)
{
	struct rig *r = ctx;

	if (!r->answer)
		return 0;
	if (r->lose_every[link] && seq % r->lose_every[link] == 0)
		return 0;
	r->peer_rx[link]++;
	socket_probe_reply(r->s, link, seq, r->peer_rx[link], r->peer_rx[link]);
	return 0;
}

static void
r_connect(void *ctx, unsigned link, int pop)
{
	struct rig *r = ctx;

	r->pop[link] = pop;
	r->connects++;
}

static struct sb_packet *
r_copy(void *ctx, struct sb_packet *p)
{
	struct rig *r = ctx;
	struct sb_packet *q = fake_platform(r->f)->ops->packet_new(r->f);

	if (q != NULL)
		q->size = p->size;
	return q;
}

static const struct socket_ops r_ops = {
	.send = r_send, .probe = r_probe, .connect = r_connect,
	.copy = r_copy,
};

static const int pops[] = { 7, 9 };

/* Two links to PoP 7 (candidates 7 then 9), both up; sla: the PoP SLA,
 * or NULL for none. */
static struct rig *
rig_new_sla(int prec0, int prec1, uint64_t bps0, uint64_t bps1,
    const struct rules *rb, const struct popsel_cfg *sla)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct socket_link_cfg lc[2] = {
		{ .name = "wan1", .precedence = prec0, .up_bps = bps0,
		    .pops = pops, .npops = 2 },
		{ .name = "wan2", .precedence = prec1, .up_bps = bps1,
		    .pops = pops, .npops = 2 },
	};
	struct socket_cfg cfg = { .name = "branch", .links = lc, .nlinks = 2,
	    .rules = rb, .ops = &r_ops, .ctx = r, .probe = 10 * SB_MS };
	char err[128];

	ck_assert_ptr_nonnull(r);
	if (sla != NULL)
		cfg.popsel = *sla;
	r->f = fake_new(42);
	r->answer = 1;
	r->s = socket_new(fake_platform(r->f), &cfg, err, sizeof(err));
	ck_assert_msg(r->s != NULL, "%s", err);
	socket_start(r->s);
	ck_assert_int_eq(r->connects, 2);
	ck_assert_int_eq(r->pop[0], 7);
	socket_tunnel(r->s, 0, 7, 1);
	socket_tunnel(r->s, 1, 7, 1);
	return r;
}

static struct rig *
rig_new(int prec0, int prec1, uint64_t bps0, uint64_t bps1,
    const struct rules *rb)
{
	return rig_new_sla(prec0, prec1, bps0, bps1, rb, NULL);
}

static void
rig_free(struct rig *r)
{
	socket_free(r->s);
	ck_assert_uint_eq(fake_outstanding(r->f), 0);
	fake_free(r->f);
	free(r);
}

static struct rule_flow
flow(unsigned n, uint8_t proto)
{
	struct rule_flow fl = { "branch", "dc", 0x0a000110, 0x0a000210,
	    proto, (uint16_t)(20000 + n % 40000), (uint16_t)(30000 + n / 40000),
	    NULL, NULL, NULL };

	return fl;
}

/* One packet of flow fl at the current time; the link it went on. */
static int
one(struct rig *r, const struct rule_flow *fl)
{
	struct sb_packet *p = fake_platform(r->f)->ops->packet_new(r->f);

	p->size = 500;
	return socket_output(r->s, fl, p);
}

/* Packets of fl every 10 ms until `to`; how many went on each link in
 * that time lands in r->sent. */
static void
stream(struct rig *r, const struct rule_flow *fl, sb_time to)
{
	while (fake_now(r->f) + 10 * SB_MS <= to) {
		fake_advance(r->f, fake_now(r->f) + 10 * SB_MS);
		one(r, fl);
	}
}

START_TEST(test_failover_and_hold)
{
	struct rig *r = rig_new(1, 2, 100000000, 20000000, NULL);
	struct rule_flow fl = flow(1, 17);
	sb_time back;

	stream(r, &fl, 5 * SB_S);
	ck_assert_uint_eq(r->sent[0], 500);   /* one every 10 ms */
	ck_assert_uint_eq(r->sent[1], 0);
	/* the tunnel's dead-peer detection: the flow moves at once */
	socket_tunnel(r->s, 0, 7, 0);
	ck_assert_int_eq(fake_event_count(r->f, "link-failover", NULL), 1);
	ck_assert_int_eq(one(r, &fl), 1);
	stream(r, &fl, 20 * SB_S);
	/* the link returns: nothing falls back for 10 s */
	back = fake_now(r->f);
	socket_tunnel(r->s, 0, 7, 1);
	memset(r->sent, 0, sizeof(r->sent));
	stream(r, &fl, back + 10 * SB_S - SB_MS);
	ck_assert_uint_eq(r->sent[0], 0);
	ck_assert_int_eq(fake_event_count(r->f, "link-fallback", NULL), 0);
	stream(r, &fl, back + 10 * SB_S + 6 * SB_S);
	ck_assert_int_eq(fake_event_count(r->f, "link-fallback", NULL), 1);
	ck_assert_uint_gt(r->sent[0], 0);
	/* the existing flow is back within the drain time */
	ck_assert_int_eq(one(r, &fl), 0);
	rig_free(r);
}
END_TEST

/* Loss from 1 in 100 to 1 in 20 at 30 s, on an evaluation boundary: the
 * link stays healthy at 30 s and fails at 40 s. */
START_TEST(test_loss_threshold_next_evaluation)
{
	struct rig *r = rig_new(1, 2, 100000000, 20000000, NULL);
	struct rule_flow fl = flow(2, 17);

	r->lose_every[0] = 100;
	stream(r, &fl, 30 * SB_S);
	ck_assert_int_eq(fake_event_count(r->f, "link-failover", NULL), 0);
	r->lose_every[0] = 20;
	fake_advance(r->f, 30 * SB_S);
	ck_assert_int_eq(fake_event_count(r->f, "link-failover", NULL), 0);
	stream(r, &fl, 50 * SB_S);
	ck_assert_int_eq(fake_event_count(r->f, "link-failover", NULL), 1);
	ck_assert_int_eq(fake_event_last(r->f, "link-failover")->at,
	    40 * SB_S);
	ck_assert_str_eq(socket_link_state_name(r->s, 0), "unhealthy");
	rig_free(r);
}
END_TEST

/* Where 20 flows on wan1 are 10 ms after the evaluation at 40 s that
 * fails wan1 for probe loss of 1 in `every` from 29 s on (the probes it
 * judges: those sent from 29 to 39 s, a window ending a timeout ago). */
static unsigned
moved_at_once(unsigned every)
{
	struct rig *r = rig_new(1, 2, 100000000, 20000000, NULL);
	struct rule_flow fl[20];
	unsigned moved = 0;

	for (unsigned i = 0; i < 20; i++) {
		fl[i] = flow(100 + i, 17);
		ck_assert_int_eq(one(r, &fl[i]), 0);
	}
	fake_advance(r->f, 29 * SB_S - 1);   /* the window's first probe too */
	r->lose_every[0] = every;
	fake_advance(r->f, 40 * SB_S + 10 * SB_MS);
	ck_assert_int_eq(fake_event_count(r->f, "link-failover", NULL), 1);
	for (unsigned i = 0; i < 20; i++)
		moved += one(r, &fl[i]) == 1;
	rig_free(r);
	return moved;
}

/* A degraded link empties over the drain time (5 s: in the first 10 ms
 * one flow in 500 leaves on average); a silent one (no probe answered:
 * 100% loss) at once, as a dead tunnel would. */
START_TEST(test_silent_moves_at_once)
{
	ck_assert_uint_le(moved_at_once(10), 2);
	ck_assert_uint_eq(moved_at_once(1), 20);
}
END_TEST

/* Two active links of 100 and 50 Mb/s: new flows 2:1.  3000 flows: the
 * count on the first is binomial(3000, 2/3), sd 26; 2000 +- 130 is 5 sd. */
START_TEST(test_weighted_placement)
{
	struct rig *r = rig_new(1, 1, 100000000, 50000000, NULL);
	unsigned n[2] = { 0, 0 };

	fake_advance(r->f, SB_S);
	for (unsigned i = 0; i < 3000; i++) {
		struct rule_flow fl = flow(i, 6);
		n[one(r, &fl)]++;
	}
	ck_assert_uint_ge(n[0], 1870);
	ck_assert_uint_le(n[0], 2130);
	ck_assert_uint_eq(socket_link_stats(r->s, 0)->flows_placed, n[0]);
	rig_free(r);
}
END_TEST

/* A rule base of one rule that matches everything, with action a. */
static struct rules *
one_rule(const char *name, const struct rule_action *a)
{
	struct rules *rb = rules_new();
	struct rule_spec rs;
	char err[128];

	ck_assert_ptr_nonnull(rb);
	memset(&rs, 0, sizeof(rs));
	rs.name = name;
	rs.act = *a;
	ck_assert_int_eq(rules_add(rb, &rs, err, sizeof(err)), 0);
	return rb;
}

static struct rules *
mitigate_rules(void)
{
	struct rule_action a;

	rules_default_action(&a);
	a.mitigate_loss = 1;
	return one_rule("protect", &a);
}

/* A rule optimised for loss: after the first evaluation every new flow
 * goes on the link that lost fewer probes (wan2, where wan1 loses 1 in
 * 50), though wan1 would take two in three by bandwidth. */
START_TEST(test_optimize_loss)
{
	struct rule_action a;
	struct rules *rb;
	struct rig *r;
	unsigned n[2] = { 0, 0 };

	rules_default_action(&a);
	a.optimize = RULE_OPT_LOSS;
	rb = one_rule("low-loss", &a);
	r = rig_new(1, 1, 100000000, 50000000, rb);
	r->lose_every[0] = 50;
	fake_advance(r->f, 10 * SB_S + SB_MS);
	for (unsigned i = 0; i < 100; i++) {
		struct rule_flow fl = flow(i, 17);
		n[one(r, &fl)]++;
	}
	ck_assert_uint_eq(n[1], 100);
	rig_free(r);
	rules_free(rb);
}
END_TEST

START_TEST(test_mitigation_one_link)
{
	struct rules *rb = mitigate_rules();
	struct rig *r = rig_new(1, 2, 100000000, 20000000, rb);
	struct rule_flow udp = flow(3, 17), tcp = flow(4, 6);

	fake_advance(r->f, SB_S);
	one(r, &udp);
	ck_assert_uint_eq(r->sent[0], 1);
	fake_advance(r->f, SB_S + 5 * SB_MS - 1);
	ck_assert_uint_eq(r->sent[0], 1);
	fake_advance(r->f, SB_S + 5 * SB_MS);
	ck_assert_uint_eq(r->sent[0], 2);         /* the copy, 5 ms behind */
	ck_assert_int_eq(r->last_at[0], SB_S + 5 * SB_MS);
	one(r, &tcp);
	fake_advance(r->f, SB_S + 20 * SB_MS);
	ck_assert_uint_eq(r->sent[0], 3);         /* TCP: not copied */
	ck_assert_uint_eq(r->sent[1], 0);
	ck_assert_uint_eq(socket_link_stats(r->s, 0)->dup_pkts, 1);
	ck_assert_uint_eq(socket_rule_hits(r->s, 0), 2);
	rig_free(r);
	rules_free(rb);
}
END_TEST

START_TEST(test_mitigation_two_links)
{
	struct rules *rb = mitigate_rules();
	struct rig *r = rig_new(1, 1, 100000000, 100000000, rb);
	struct rule_flow tcp = flow(5, 6);

	fake_advance(r->f, SB_S);
	one(r, &tcp);
	ck_assert_uint_eq(r->sent[0] + r->sent[1], 2);
	ck_assert_uint_eq(r->sent[0], 1);        /* one on each, at once */
	rig_free(r);
	rules_free(rb);
}
END_TEST

/* The only link's tunnel dies: its PoP is avoided and the link connects
 * to the next candidate; the move's duration is reported when it is up. */
/* wan1's PoP misses the SLA (loss over 5%) three evaluations running: the
 * link leaves it for PoP 9 and carries nothing until that tunnel is up,
 * then comes back after the fallback hold. */
START_TEST(test_sla_move)
{
	struct popsel_cfg sla = { .loss_max = 0.05 };
	struct rig *r = rig_new_sla(1, 1, 100000000, 100000000, NULL, &sla);
	struct rule_flow fl = flow(5, 17);

	r->lose_every[0] = 10;
	fake_advance(r->f, 30 * SB_S);
	ck_assert_int_eq(r->pop[0], 9);
	ck_assert_int_eq(fake_event_count(r->f, "pop-change", NULL), 1);
	ck_assert_str_eq(socket_link_state_name(r->s, 0), "down");
	ck_assert_int_eq(one(r, &fl), 1);
	r->lose_every[0] = 0;
	socket_tunnel(r->s, 0, 9, 1);
	ck_assert_str_eq(socket_link_state_name(r->s, 0), "healthy");
	ck_assert_int_eq(fake_event_count(r->f, "pop-move", NULL), 1);
	rig_free(r);
}
END_TEST

START_TEST(test_pop_move)
{
	struct rig *r = rig_new(1, 2, 100000000, 20000000, NULL);

	fake_advance(r->f, SB_S);
	socket_tunnel(r->s, 0, 7, 0);
	ck_assert_int_eq(r->pop[0], 7);   /* wan2 still reaches PoP 7 */
	socket_tunnel(r->s, 1, 7, 0);
	ck_assert_int_eq(r->pop[1], 9);
	fake_advance(r->f, SB_S + 300 * SB_MS);
	socket_tunnel(r->s, 1, 9, 1);
	ck_assert_int_eq(fake_event_count(r->f, "pop-move", NULL), 1);
	ck_assert(fabs(fake_event_last(r->f, "pop-move")->value - 0.3) <
	    1e-9);
	ck_assert_int_eq(socket_link_pop(r->s, 1), 9);
	rig_free(r);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("socket");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_failover_and_hold);
	tcase_add_test(tc, test_loss_threshold_next_evaluation);
	tcase_add_test(tc, test_silent_moves_at_once);
	tcase_add_test(tc, test_weighted_placement);
	tcase_add_test(tc, test_optimize_loss);
	tcase_add_test(tc, test_mitigation_one_link);
	tcase_add_test(tc, test_mitigation_two_links);
	tcase_add_test(tc, test_pop_move);
	tcase_add_test(tc, test_sla_move);
	suite_add_tcase(s, tc);
	return s;
}
