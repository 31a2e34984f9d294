/*
 * The Socket agent on the fake platform, with no simulator: the test
 * plays the tunnels (up, down, probe answers) and reads the decisions
 * from what the agent sends, probes, connects and emits.  Failover at a
 * tunnel's death and the fallback hold, failover on a loss threshold at
 * the next evaluation and not before, a silent link emptied at once,
 * placement by measured loss for a rule that asks, weighted placement, loss
 * mitigation's copies, a PoP move on a dead peer and on a missed SLA; a
 * remote user's client (no probes, no verdicts, the fastest PoP, the
 * next best on a dead peer).
 * Off-cloud: which tunnels are opened, an off-cloud rule's flow through
 * them or its secondary as they come and go, FTP passive kept on the
 * cloud, the peer's best link, WAN recovery and weighted placement.
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
	/* off-cloud: the tunnels asked for, and packets sent into them
	 * (one peer per test, so [link][rlink] and the last peer do) */
	struct { int peer; unsigned link, rlink; } opened[16];
	unsigned nopened;
	unsigned oc_sent[SOCKET_MAX_LINKS][SOCKET_MAX_LINKS];
	int oc_peer;
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

static void
r_oc_open(void *ctx, int peer, unsigned link, unsigned rlink)
{
	struct rig *r = ctx;

	ck_assert_uint_lt(r->nopened, 16);
	r->opened[r->nopened].peer = peer;
	r->opened[r->nopened].link = link;
	r->opened[r->nopened].rlink = rlink;
	r->nopened++;
}

static int
r_oc_send(void *ctx, int peer, unsigned link, unsigned rlink,
    struct sb_packet *p)
{
	struct rig *r = ctx;

	r->oc_sent[link][rlink]++;
	r->oc_peer = peer;
	fake_platform(r->f)->ops->packet_free(r->f, p);
	return 0;
}

static const struct socket_ops r_ops = {
	.send = r_send, .probe = r_probe, .connect = r_connect,
	.copy = r_copy,
};

/* The same with a mesh: without oc_open and oc_send the Socket drops its
 * peers, so every off-cloud test needs these. */
static const struct socket_ops r_oc_ops = {
	.send = r_send, .probe = r_probe, .connect = r_connect,
	.copy = r_copy, .oc_open = r_oc_open, .oc_send = r_oc_send,
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

/* A Socket in the off-cloud mesh with links lc (their PoPs: 7 then 9)
 * and the given peers, every PoP tunnel up; no off-cloud tunnel is up. */
static struct rig *
rig_new_oc(const struct socket_link_cfg *lc, unsigned n,
    const struct socket_peer *peers, unsigned npeers, const struct rules *rb)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct socket_link_cfg l[SOCKET_MAX_LINKS];
	struct socket_cfg cfg = { .name = "branch", .links = l, .nlinks = n,
	    .rules = rb, .ops = &r_oc_ops, .ctx = r, .probe = 10 * SB_MS,
	    .off_cloud = 1, .peers = peers, .npeers = npeers };
	char err[128];

	ck_assert_ptr_nonnull(r);
	for (unsigned j = 0; j < n; j++) {
		l[j] = lc[j];
		l[j].pops = pops;
		l[j].npops = 2;
	}
	r->f = fake_new(42);
	r->answer = 1;
	r->oc_peer = -1;
	r->s = socket_new(fake_platform(r->f), &cfg, err, sizeof(err));
	ck_assert_msg(r->s != NULL, "%s", err);
	socket_start(r->s);
	ck_assert_uint_eq(r->connects, n);
	for (unsigned j = 0; j < n; j++)
		socket_tunnel(r->s, j, 7, 1);
	return r;
}

/* A mesh Socket with one off-cloud link, wan1. */
static struct rig *
rig_one_oc(const struct socket_peer *pe, const struct rules *rb)
{
	static const struct socket_link_cfg lc[1] = {
		{ .name = "wan1", .precedence = 1, .off_cloud = 1 },
	};

	return rig_new_oc(lc, 1, pe, 1, rb);
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
	    NULL, NULL, NULL, 0, NULL };

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

/* ---- a remote user's client ---- */

struct crig {
	struct fake *f;
	struct socket *s;
	unsigned probes, pings[16], connects;
	int pop;
};

static int
c_send(void *ctx, unsigned link, struct sb_packet *p)
{
	struct crig *r = ctx;

	fake_platform(r->f)->ops->packet_free(r->f, p);
	return 0;
}

static int
c_probe(void *ctx, unsigned link, uint32_t seq)
{
	struct crig *r = ctx;

	r->probes++;
	return 0;
}

static int
c_ping(void *ctx, unsigned link, int pop, uint32_t seq)
{
	struct crig *r = ctx;

	ck_assert_int_lt(pop, 16);
	r->pings[pop]++;
	return 0;
}

static void
c_connect(void *ctx, unsigned link, int pop)
{
	struct crig *r = ctx;

	r->pop = pop;
	r->connects++;
}

static const struct socket_ops c_ops = {
	.send = c_send, .probe = c_probe, .ping = c_ping,
	.connect = c_connect,
};

/* A client pings its candidates and takes the fastest, not the first;
 * sends no probes and makes no health verdicts, so a minute of silence
 * leaves it healthy; pings the other candidate every evaluation; on a
 * dead peer moves to the next best.  A client of two links is refused. */
START_TEST(test_client)
{
	struct crig *r = calloc(1, sizeof(*r));
	struct socket_link_cfg lc[2] = {
		{ .name = "access", .precedence = 1, .pops = pops,
		    .npops = 2 },
		{ .name = "other", .precedence = 1, .pops = pops,
		    .npops = 2 },
	};
	struct socket_cfg cfg = { .name = "anna", .links = lc, .nlinks = 2,
	    .client = 1, .ops = &c_ops, .ctx = r };
	char err[160];
	struct rule_flow fl = flow(1, 17);
	struct sb_packet *p;

	ck_assert_ptr_nonnull(r);
	r->f = fake_new(42);
	r->pop = -1;
	ck_assert_ptr_null(socket_new(fake_platform(r->f), &cfg, err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "client: 1"));
	cfg.nlinks = 1;
	r->s = socket_new(fake_platform(r->f), &cfg, err, sizeof(err));
	ck_assert_msg(r->s != NULL, "%s", err);
	socket_start(r->s);
	ck_assert_uint_eq(r->pings[7], 1);
	ck_assert_uint_eq(r->pings[9], 1);
	fake_advance(r->f, 30 * SB_MS);
	socket_ping_reply(r->s, 0, 9, 1);
	ck_assert_uint_eq(r->connects, 0);   /* waits for every answer */
	fake_advance(r->f, 50 * SB_MS);
	socket_ping_reply(r->s, 0, 7, 1);
	ck_assert_uint_eq(r->connects, 1);
	ck_assert_int_eq(r->pop, 9);
	fake_advance(r->f, 200 * SB_MS);
	socket_tunnel(r->s, 0, 9, 1);
	fake_advance(r->f, 60 * SB_S);
	ck_assert_uint_eq(r->probes, 0);
	ck_assert_str_eq(socket_link_state_name(r->s, 0), "healthy");
	ck_assert_int_eq(fake_event_count(r->f, "link-health", NULL), 1);
	ck_assert_uint_ge(r->pings[7], 6);   /* every 10 s */
	p = fake_platform(r->f)->ops->packet_new(r->f);
	p->size = 200;
	ck_assert_int_eq(socket_output(r->s, &fl, p), 0);
	/* dead peer: to 7, measured slower but the one left */
	socket_tunnel(r->s, 0, 9, 0);
	ck_assert_int_eq(r->pop, 7);
	ck_assert_uint_eq(r->connects, 2);
	fake_advance(r->f, 61 * SB_S);
	socket_tunnel(r->s, 0, 7, 1);
	ck_assert_int_eq(fake_event_count(r->f, "pop-move", NULL), 1);
	ck_assert_uint_eq(r->probes, 0);
	socket_free(r->s);
	ck_assert_uint_eq(fake_outstanding(r->f), 0);
	fake_free(r->f);
	free(r);
}
END_TEST

/* ---- off-cloud ---- */

/* The peer every off-cloud test talks to: "dc", as flow() names the
 * destination, numbered 5 by the owner so that an index passed for the
 * id shows. */
#define PEER 5

/* The stats of the rig's one peer, which must be PEER. */
static const struct socket_peer_stats *
peer_stats(const struct rig *r)
{
	int id = -1;
	const struct socket_peer_stats *ps = socket_peer_stats(r->s, 0, &id);

	ck_assert_ptr_nonnull(ps);
	ck_assert_int_eq(id, PEER);
	ck_assert_ptr_null(socket_peer_stats(r->s, 1, &id));
	return ps;
}

/* How many times oc_open was asked for this tunnel. */
static unsigned
opened(const struct rig *r, int peer, unsigned link, unsigned rlink)
{
	unsigned n = 0;

	for (unsigned i = 0; i < r->nopened; i++)
		n += r->opened[i].peer == peer && r->opened[i].link == link &&
		    r->opened[i].rlink == rlink;
	return n;
}

static unsigned
oc_total(const struct rig *r)
{
	unsigned n = 0;

	for (unsigned j = 0; j < SOCKET_MAX_LINKS; j++)
		for (unsigned k = 0; k < SOCKET_MAX_LINKS; k++)
			n += r->oc_sent[j][k];
	return n;
}

static unsigned
sent_total(const struct rig *r)
{
	unsigned n = 0;

	for (unsigned j = 0; j < SOCKET_MAX_LINKS; j++)
		n += r->sent[j];
	return n;
}

/* A rule for everything: off-cloud, then sec. */
static struct rules *
offcloud_rules(enum rule_secondary sec)
{
	struct rule_action a;

	rules_default_action(&a);
	a.primary = RULE_TR_OFF_CLOUD;
	a.secondary = sec;
	return one_rule("direct", &a);
}

/* A TCP flow to the peer with the owner's name for it, for events. */
static struct rule_flow
oc_flow(unsigned n, const char *label)
{
	struct rule_flow fl = flow(n, 6);

	fl.label = label;
	return fl;
}

/* Tunnels go from each of our enabled links (wan1, wan2; not lte) to each
 * enabled link of the peer (isp1; isp2 is not enabled, so that it shares
 * wan1's address does not matter).  Two links behind one public address
 * cannot reach each other: that pair is not opened, and that is said
 * once. */
START_TEST(test_oc_open_pairs)
{
	struct socket_link_cfg lc[3] = {
		{ .name = "wan1", .precedence = 1, .off_cloud = 1,
		    .public_addr = 0xc6336401 },
		{ .name = "wan2", .precedence = 1, .off_cloud = 1,
		    .public_addr = 0xc6336402 },
		{ .name = "lte", .precedence = 3, .public_addr = 0xc6336403 },
	};
	struct socket_peer pe = { "dc", PEER, 2, {
		{ "isp1", 1, 1, 0xcb007101 },
		{ "isp2", 1, 0, 0xc6336401 },
	} };
	struct rig *r = rig_new_oc(lc, 3, &pe, 1, NULL);

	ck_assert_uint_eq(r->nopened, 2);
	ck_assert_uint_eq(opened(r, PEER, 0, 0), 1);
	ck_assert_uint_eq(opened(r, PEER, 1, 0), 1);
	ck_assert_int_eq(fake_event_count(r->f, "off-cloud-same-ip", NULL), 0);
	rig_free(r);

	/* wan2 behind the same address as isp1 */
	lc[1].public_addr = pe.links[0].public_addr;
	r = rig_new_oc(lc, 3, &pe, 1, NULL);
	ck_assert_uint_eq(r->nopened, 1);
	ck_assert_uint_eq(opened(r, PEER, 0, 0), 1);
	ck_assert_int_eq(fake_event_count(r->f, "off-cloud-same-ip", "dc"), 1);
	rig_free(r);
}
END_TEST

/* One packet of fl, which should take the rule's secondary: through the
 * cloud (ops->send), or dropped and counted when it is none. */
static void
expect_secondary(struct rig *r, const struct rule_flow *fl, int drop)
{
	uint64_t dropped = socket_stats(r->s)->dropped_none;
	unsigned sent = sent_total(r), oc = oc_total(r);

	if (drop) {
		ck_assert_int_eq(one(r, fl), -1);
		ck_assert_uint_eq(socket_stats(r->s)->dropped_none, dropped + 1);
		ck_assert_uint_eq(sent_total(r), sent);
	} else {
		ck_assert_int_ge(one(r, fl), 0);
		ck_assert_uint_eq(sent_total(r), sent + 1);
	}
	ck_assert_uint_eq(oc_total(r), oc);
}

/* The last flow-transport event: under label, its detail beginning with
 * what, its value 1 for off-cloud. */
static void
expect_told(const struct rig *r, const char *label, size_t n,
    const char *what, int off)
{
	const struct fake_event *ev = fake_event_last(r->f, "flow-transport");

	ck_assert_uint_eq(fake_event_count(r->f, "flow-transport", NULL), n);
	ck_assert_ptr_nonnull(ev);
	ck_assert_str_eq(ev->subject, label);
	ck_assert_msg(strstr(ev->detail, what) != NULL, "'%s' lacks '%s'",
	    ev->detail, what);
	ck_assert(ev->value == off);
}

/*
 * An off-cloud rule's flow, with secondary sec, as the one tunnel that can
 * carry it (wan2 to the peer's isp2, of the four pairs) comes and goes:
 * the secondary before, off-cloud into exactly that tunnel while it is up,
 * the secondary again after; each change told once under the flow's
 * label, and nothing more while the way holds.
 */
static void
oc_secondary(enum rule_secondary sec)
{
	struct rules *rb = offcloud_rules(sec);
	struct socket_link_cfg lc[2] = {
		{ .name = "wan1", .precedence = 1, .off_cloud = 1 },
		{ .name = "wan2", .precedence = 1, .off_cloud = 1 },
	};
	struct socket_peer pe = { "dc", PEER, 2, {
		{ "isp1", 1, 1, 0 }, { "isp2", 1, 1, 0 },
	} };
	struct rig *r = rig_new_oc(lc, 2, &pe, 1, rb);
	struct rule_flow fl = oc_flow(1, "web-1");
	int drop = sec == RULE_SEC_NONE;

	fake_advance(r->f, SB_S);
	expect_secondary(r, &fl, drop);
	expect_told(r, "web-1", 1, "no off-cloud tunnel to dc", 0);

	socket_offcloud_tunnel(r->s, PEER, 1, 1, 1);
	ck_assert_str_eq(socket_link_state_name(r->s, 1), "healthy");
	ck_assert_int_eq(one(r, &fl), 1);
	ck_assert_int_eq(one(r, &fl), 1);
	ck_assert_uint_eq(r->oc_sent[1][1], 2);
	ck_assert_uint_eq(oc_total(r), 2);
	ck_assert_int_eq(r->oc_peer, PEER);
	expect_told(r, "web-1", 2, "off-cloud", 1);
	ck_assert_uint_eq(socket_link_stats(r->s, 1)->oc_flows, 1);
	ck_assert_uint_eq(socket_link_stats(r->s, 1)->oc_pkts, 2);
	ck_assert_uint_eq(socket_link_stats(r->s, 1)->oc_bytes, 1000);
	ck_assert_uint_eq(peer_stats(r)->pkts, 2);

	socket_offcloud_tunnel(r->s, PEER, 1, 1, 0);
	expect_secondary(r, &fl, drop);
	expect_secondary(r, &fl, drop);
	expect_told(r, "web-1", 3, "no off-cloud tunnel to dc", 0);
	ck_assert_uint_eq(socket_stats(r->s)->dropped_none, drop ? 3 : 0);
	rig_free(r);
	rules_free(rb);
}

START_TEST(test_oc_secondary)
{
	oc_secondary(RULE_SEC_AUTO);
	oc_secondary(RULE_SEC_NONE);
	oc_secondary(RULE_SEC_CLOUD);
}
END_TEST

/* FTP passive data cannot go off-cloud (the PoP follows the control
 * connection): it takes the cloud though the tunnel is up, which another
 * flow of the same rule shows. */
START_TEST(test_oc_ftp_passive)
{
	struct rules *rb = offcloud_rules(RULE_SEC_NONE);
	struct socket_peer pe = { "dc", PEER, 1, { { "isp1", 1, 1, 0 } } };
	struct rig *r = rig_one_oc(&pe, rb);
	struct rule_flow ftp = oc_flow(1, "ftp-data"), web = oc_flow(2, "web");

	ftp.ftp_passive = 1;
	socket_offcloud_tunnel(r->s, PEER, 0, 0, 1);
	fake_advance(r->f, SB_S);
	ck_assert_int_eq(one(r, &ftp), 0);
	ck_assert_int_eq(one(r, &ftp), 0);
	ck_assert_uint_eq(r->sent[0], 2);
	ck_assert_uint_eq(oc_total(r), 0);
	expect_told(r, "ftp-data", 1, "sent via cloud: FTP passive", 0);
	ck_assert_int_eq(one(r, &web), 0);
	ck_assert_uint_eq(r->oc_sent[0][0], 1);
	ck_assert_uint_eq(r->sent[0], 2);
	ck_assert_uint_eq(socket_stats(r->s)->dropped_none, 0);
	rig_free(r);
	rules_free(rb);
}
END_TEST

/* At the far end a flow enters the peer's best link by precedence, not by
 * file order: isp1 (precedence 1, listed second); when that tunnel goes,
 * isp2. */
START_TEST(test_oc_far_end_precedence)
{
	struct rules *rb = offcloud_rules(RULE_SEC_NONE);
	struct socket_peer pe = { "dc", PEER, 2, {
		{ "isp2", 2, 1, 0 }, { "isp1", 1, 1, 0 },
	} };
	struct rig *r = rig_one_oc(&pe, rb);
	struct rule_flow fl = oc_flow(1, "web-1");

	socket_offcloud_tunnel(r->s, PEER, 0, 0, 1);
	socket_offcloud_tunnel(r->s, PEER, 0, 1, 1);
	fake_advance(r->f, SB_S);
	ck_assert_int_eq(one(r, &fl), 0);
	ck_assert_uint_eq(r->oc_sent[0][1], 1);
	ck_assert_uint_eq(r->oc_sent[0][0], 0);
	socket_offcloud_tunnel(r->s, PEER, 0, 1, 0);
	ck_assert_int_eq(one(r, &fl), 0);
	ck_assert_uint_eq(r->oc_sent[0][0], 1);
	ck_assert_uint_eq(r->oc_sent[0][1], 1);
	ck_assert_uint_eq(peer_stats(r)->disconnects, 0);
	rig_free(r);
	rules_free(rb);
}
END_TEST

/* WAN recovery: the only PoP tunnel dies and a cloud flow to the peer
 * goes off-cloud until a PoP tunnel is back (on the PoP the link moved
 * to); one recovery, begun and ended once. */
START_TEST(test_oc_wan_recovery)
{
	struct socket_peer pe = { "dc", PEER, 1, { { "isp1", 1, 1, 0 } } };
	struct rig *r = rig_one_oc(&pe, NULL);
	struct rule_flow fl = oc_flow(1, "erp"), net = flow(2, 6);

	net.dst_site = NULL;   /* the Internet: no peer to recover through */
	socket_offcloud_tunnel(r->s, PEER, 0, 0, 1);
	fake_advance(r->f, SB_S);
	ck_assert_int_eq(one(r, &fl), 0);
	ck_assert_uint_eq(r->sent[0], 1);
	ck_assert_uint_eq(oc_total(r), 0);
	ck_assert_int_eq(socket_recovering(r->s), 0);

	socket_tunnel(r->s, 0, 7, 0);
	ck_assert_int_eq(fake_event_count(r->f, "wan-recovery-start", NULL), 1);
	ck_assert_int_eq(socket_recovering(r->s), 1);
	ck_assert_int_eq(one(r, &fl), 0);
	ck_assert_uint_eq(r->oc_sent[0][0], 1);
	ck_assert_uint_eq(r->sent[0], 1);
	expect_told(r, "erp", 1, "off-cloud: WAN recovery", 1);
	ck_assert_uint_eq(socket_stats(r->s)->recovery_flows, 1);
	ck_assert_int_eq(one(r, &net), -1);

	fake_advance(r->f, 2 * SB_S);
	ck_assert_int_ne(socket_link_pop(r->s, 0), 7);
	socket_tunnel(r->s, 0, socket_link_pop(r->s, 0), 1);
	ck_assert_int_eq(fake_event_count(r->f, "wan-recovery-end", NULL), 1);
	ck_assert(fabs(fake_event_last(r->f, "wan-recovery-end")->value - 1) <
	    1e-9);
	ck_assert_int_eq(socket_recovering(r->s), 0);
	ck_assert_int_eq(one(r, &fl), 0);
	ck_assert_uint_eq(r->sent[0], 2);
	ck_assert_uint_eq(r->oc_sent[0][0], 1);
	expect_told(r, "erp", 2, "cloud", 0);
	ck_assert_int_eq(fake_event_count(r->f, "wan-recovery-start", NULL), 1);
	ck_assert_uint_eq(socket_stats(r->s)->recoveries, 1);
	rig_free(r);
}
END_TEST

/* Two active links of 100 and 50 Mb/s, each with a tunnel to the peer:
 * new off-cloud flows 2:1, as on the cloud (test_weighted_placement: 3000
 * flows, sd 26 around 2000, so 0.62-0.71 is over 4 sd each side). */
START_TEST(test_oc_weighted)
{
	struct rules *rb = offcloud_rules(RULE_SEC_NONE);
	struct socket_link_cfg lc[2] = {
		{ .name = "wan1", .precedence = 1, .up_bps = 100000000,
		    .off_cloud = 1 },
		{ .name = "wan2", .precedence = 1, .up_bps = 50000000,
		    .off_cloud = 1 },
	};
	struct socket_peer pe = { "dc", PEER, 1, { { "isp1", 1, 1, 0 } } };
	struct rig *r = rig_new_oc(lc, 2, &pe, 1, rb);
	uint64_t n0, n1;
	double share;

	socket_offcloud_tunnel(r->s, PEER, 0, 0, 1);
	socket_offcloud_tunnel(r->s, PEER, 1, 0, 1);
	fake_advance(r->f, SB_S);
	for (unsigned i = 0; i < 3000; i++) {
		struct rule_flow fl = oc_flow(i, "bulk");

		ck_assert_int_ge(one(r, &fl), 0);
		/* each new flow is told: keep the fake's event log from
		 * filling */
		if (i % 500 == 499)
			fake_clear(r->f);
	}
	n0 = socket_link_stats(r->s, 0)->oc_flows;
	n1 = socket_link_stats(r->s, 1)->oc_flows;
	ck_assert_uint_eq(n0 + n1, 3000);
	ck_assert_uint_eq(r->oc_sent[0][0], n0);
	ck_assert_uint_eq(r->oc_sent[1][0], n1);
	share = (double)n0 / 3000;
	ck_assert_msg(share >= 0.62 && share <= 0.71, "wan1 share %.3f",
	    share);
	ck_assert_uint_eq(socket_stats(r->s)->oc_flows, 3000);
	ck_assert_uint_eq(peer_stats(r)->flows, 3000);
	ck_assert_uint_eq(sent_total(r), 0);
	rig_free(r);
	rules_free(rb);
}
END_TEST

/* Two active off-cloud links, each with its tunnel to the peer up. */
static struct rig *
oc_two(const struct rules *rb)
{
	static const struct socket_peer pe = { "dc", PEER, 1,
		{ { "isp1", 1, 1, 0 } } };
	struct socket_link_cfg lc[2] = {
		{ .name = "wan1", .precedence = 1, .off_cloud = 1 },
		{ .name = "wan2", .precedence = 1, .off_cloud = 1 },
	};
	struct rig *r = rig_new_oc(lc, 2, &pe, 1, rb);

	socket_offcloud_tunnel(r->s, PEER, 0, 0, 1);
	socket_offcloud_tunnel(r->s, PEER, 1, 0, 1);
	return r;
}

/* wan1, found unhealthy at 10 s, then loses its PoP tunnel (wan2 keeps
 * PoP 7, so no move): no evaluation has found it healthy since, so no
 * new off-cloud flow may go on it. */
/* A link the last evaluation found lossy stays out of off-cloud when its
 * PoP tunnel then drops: nothing judges it while it is down. */
START_TEST(test_oc_unhealthy_then_pop_down)
{
	struct rules *rb = offcloud_rules(RULE_SEC_NONE);
	struct rig *r = oc_two(rb);
	unsigned on0 = 0;

	r->lose_every[0] = 10;
	fake_advance(r->f, 10 * SB_S + 10 * SB_MS);
	ck_assert_str_eq(socket_link_state_name(r->s, 0), "unhealthy");
	socket_tunnel(r->s, 0, 7, 0);
	for (unsigned i = 0; i < 100; i++) {
		struct rule_flow fl = oc_flow(i, "new");

		on0 += one(r, &fl) == 0;
		if (i % 50 == 49)
			fake_clear(r->f);
	}
	ck_assert_uint_eq(on0, 0);
	rig_free(r);
	rules_free(rb);
}
END_TEST

/* wan1's PoP tunnel blips at 12 s; its off-cloud tunnel stays up and no
 * evaluation finds it unhealthy: its off-cloud flows stay on it. */
/* A PoP tunnel that drops and returns says nothing of the off-cloud
 * tunnels, which stayed up: the off-cloud flows stay where they are. */
START_TEST(test_oc_pop_blip_keeps_flows)
{
	struct rules *rb = offcloud_rules(RULE_SEC_NONE);
	struct rig *r = oc_two(rb);
	struct rule_flow fl[40];
	unsigned on0 = 0, still = 0;

	fake_advance(r->f, SB_S);
	for (unsigned i = 0; i < 40; i++) {
		fl[i] = oc_flow(i, "old");
		on0 += one(r, &fl[i]) == 0;
	}
	ck_assert_uint_gt(on0, 0);
	fake_advance(r->f, 12 * SB_S);
	socket_tunnel(r->s, 0, 7, 0);
	socket_tunnel(r->s, 0, 7, 1);
	fake_advance(r->f, 18 * SB_S);     /* past the 5-s drain */
	for (unsigned i = 0; i < 40; i++)
		still += one(r, &fl[i]) == 0;
	ck_assert_uint_eq(still, on0);
	rig_free(r);
	rules_free(rb);
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
	tcase_add_test(tc, test_client);
	tcase_add_test(tc, test_oc_open_pairs);
	tcase_add_test(tc, test_oc_secondary);
	tcase_add_test(tc, test_oc_ftp_passive);
	tcase_add_test(tc, test_oc_far_end_precedence);
	tcase_add_test(tc, test_oc_wan_recovery);
	tcase_add_test(tc, test_oc_weighted);
	tcase_add_test(tc, test_oc_unhealthy_then_pop_down);
	tcase_add_test(tc, test_oc_pop_blip_keeps_flows);
	suite_add_tcase(s, tc);
	return s;
}
