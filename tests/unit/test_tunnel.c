/*
 * The tunnel on virtual time: a client and a server joined by two simulated
 * links, everything through the simulator's platform.
 *
 * Figures checked:
 * - DTLS 1.2 with a cookie exchange takes three round trips before the
 *   client can send (RFC 6347 figure 1: ClientHello / HelloVerifyRequest,
 *   ClientHello / ServerHello..ServerHelloDone, ClientKeyExchange..Finished
 *   / ChangeCipherSpec, Finished); the server is up half a round trip
 *   earlier, when the client's Finished arrives.
 * - Under loss, flights go again on the retransmission timer: first 1 s
 *   after the flight, doubling (RFC 6347 4.2.4.1), exactly, in virtual time.
 * - Keepalives every 3 s and 3 misses: a peer that goes silent is declared
 *   dead after three unanswered keepalives, 9 to 12 s after the silence
 *   began (it depends on where in the interval it began).
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "sim/pki.h"
#include "sim/platform_sim.h"
#include "sim/rng.h"
#include "wan/tunnel.h"

/* Not a round number, so that no timer of the tunnel's (whole seconds)
 * lands on the same instant as an arrival and the test can tell them
 * apart. */
#define RTT_ONE_WAY (10 * SB_MS + 37)
#define MAX_LOG 512

static const uint8_t key_a[16] = "0123456789abcdef";
static const uint8_t key_b[16] = "fedcba9876543210";

struct side {
	struct pair *pr;
	struct psim *ps;
	struct sb_platform tap;    /* psim's platform, with sends logged */
	gsl_rng *rng, *lrng;
	struct link *out;          /* this side's link towards the other */
	struct tunnel *t;
	int is_client;
	sb_time up_at, down_at;
	char down_why[64];
	int ups, downs, auth_failures;
	int delivered;
	uint64_t last_seq;
	uint8_t last_inner[64];
	/* Datagrams sent (time) and received (time), for timer checks. */
	sb_time sent_at[MAX_LOG], recv_at[MAX_LOG];
	int by_timer[MAX_LOG];     /* sent from inside a timer callback */
	int nsent, nrecv;
	int in_timer;
	struct tramp {
		struct side *sd;
		sb_timer_fn fn;
		void *arg;
	} tramp[MAX_LOG];
	unsigned ntramp;
};

struct pair {
	struct kernel *k;
	struct pool *pl;
	struct side c, s;
	/* A copy of the last application record seen on the wire to the
	 * server, for injection tests. */
	uint8_t grabbed[SB_PACKET_BUF];
	uint32_t grabbed_len;
	/* records held back on their way to the server, when hold is set */
	int hold;
	uint8_t held[4][SB_PACKET_BUF];
	uint32_t held_len[4];
	int nheld;
	/* and the last ClientHello (the one with the cookie) */
	uint8_t hello[SB_PACKET_BUF];
	uint32_t hello_len;
	int keylog_lines;
	uint64_t wire_hash;        /* FNV-1a of every datagram that arrived */
};

static struct side *
side_of(struct pair *pr, const struct tunnel *t)
{
	return t == pr->c.t ? &pr->c : &pr->s;
}

static void
on_state(void *ctx, struct tunnel *t, int up)
{
	struct pair *pr = ctx;
	struct side *sd = side_of(pr, t);

	if (up) {
		sd->ups++;
		sd->up_at = kernel_now(pr->k);
	} else {
		sd->downs++;
		sd->down_at = kernel_now(pr->k);
	}
}

static void
keylog(void *ctx, const uint8_t cr[32], const uint8_t *ms, size_t len)
{
	struct pair *pr = ctx;

	ck_assert_uint_eq(len, 48);
	pr->keylog_lines++;
}

static void
sink(void *ctx, sb_time t, const struct sb_event *ev)
{
	struct pair *pr = ctx;
	struct side *sd = strcmp(ev->node, "client") == 0 ? &pr->c : &pr->s;

	if (strcmp(ev->kind, "tunnel-auth-failure") == 0)
		sd->auth_failures++;
	if (strcmp(ev->kind, "tunnel-down") == 0)
		snprintf(sd->down_why, sizeof(sd->down_why), "%s", ev->detail);
}

static void
deliver(void *ctx, struct sb_packet *p)
{
	struct side *sd = ctx;

	sd->delivered++;
	sd->last_seq = p->seq;
	memcpy(sd->last_inner, p->data, p->len < 64 ? p->len : 64);
	pool_put(sd->pr->pl, p);
}

/* A datagram reaches the far side's tunnel (and the log). */
static void
arrive(void *ctx, struct link *l, struct sb_packet *p)
{
	struct side *to = ctx;
	struct pair *pr = to->pr;
	struct side *from = to == &pr->c ? &pr->s : &pr->c;

	if (to->nrecv < MAX_LOG)
		to->recv_at[to->nrecv++] = kernel_now(pr->k);
	pr->wire_hash = (pr->wire_hash ^ (to == &pr->s)) * 0x100000001b3;
	for (uint32_t i = 0; i < p->len; i++)
		pr->wire_hash = (pr->wire_hash ^ p->data[i]) * 0x100000001b3;
	if (to == &pr->s && p->data[0] == 23 && pr->hold && pr->nheld < 4) {
		memcpy(pr->held[pr->nheld], p->data, p->len);
		pr->held_len[pr->nheld++] = p->len;
		pool_put(pr->pl, p);
		return;
	}
	if (to == &pr->s && p->data[0] == 23) {
		memcpy(pr->grabbed, p->data, p->len);
		pr->grabbed_len = p->len;
	}
	if (to == &pr->s && p->data[0] == 22 && p->len > 13 &&
	    p->data[13] == 1) {
		memcpy(pr->hello, p->data, p->len);
		pr->hello_len = p->len;
	}
	(void)from;
	tunnel_input(to->t, p);
}

static void
dropped(void *ctx, struct link *l, struct sb_packet *p, enum link_drop why)
{
	struct side *to = ctx;

	pool_put(to->pr->pl, p);
}

/*
 * The tap: the tunnel sees a platform that is psim's in every operation,
 * except that send() first notes the time.  Lost datagrams never arrive, so
 * the far side's arrivals cannot tell when a flight was (re)sent.
 */
#define PS(ctx) psim_platform(((struct side *)(ctx))->ps)

static sb_time tap_now(void *c) { return PS(c)->ops->now(PS(c)->ctx); }

/* Timers go through a trampoline that marks "inside a timer" (a ring of
 * records: far more than the few timers a tunnel has armed at once). */
static void
tap_fire(void *a)
{
	struct tramp *tr = a;

	tr->sd->in_timer++;
	tr->fn(tr->arg);
	tr->sd->in_timer--;
}

static sb_timer
tap_arm(void *c, sb_time d, sb_timer_fn fn, void *a)
{
	struct side *sd = c;
	struct tramp *tr = &sd->tramp[sd->ntramp++ % MAX_LOG];

	*tr = (struct tramp){ sd, fn, a };
	return PS(c)->ops->timer_arm(PS(c)->ctx, d, tap_fire, tr);
}
static void tap_cancel(void *c, sb_timer t)
{ PS(c)->ops->timer_cancel(PS(c)->ctx, t); }
static void tap_deliver(void *c, struct sb_packet *p)
{ PS(c)->ops->deliver(PS(c)->ctx, p); }
static uint64_t tap_rand(void *c) { return PS(c)->ops->rand(PS(c)->ctx); }
static void tap_emit(void *c, const struct sb_event *e)
{ PS(c)->ops->emit(PS(c)->ctx, e); }
static struct sb_packet *tap_new(void *c)
{ return PS(c)->ops->packet_new(PS(c)->ctx); }
static void tap_free(void *c, struct sb_packet *p)
{ PS(c)->ops->packet_free(PS(c)->ctx, p); }

static int
tap_send(void *c, unsigned link, struct sb_packet *p)
{
	struct side *sd = c;

	if (sd->nsent < MAX_LOG) {
		sd->by_timer[sd->nsent] = sd->in_timer > 0;
		sd->sent_at[sd->nsent++] = kernel_now(sd->pr->k);
	}
	return PS(c)->ops->send(PS(c)->ctx, link, p);
}

static const struct sb_platform_ops tap_ops = {
	tap_now, tap_arm, tap_cancel, tap_send, tap_deliver, tap_rand,
	tap_emit, tap_new, tap_free,
};

static void
side_init(struct pair *pr, struct side *sd, const char *name,
    const struct link_spec *spec, uint64_t seed)
{
	struct psim_env env = { pr->k, pr->pl, sink, pr };
	char lname[64];

	sd->pr = pr;
	sd->is_client = strcmp(name, "client") == 0;
	sd->rng = rng_new(seed, name);
	snprintf(lname, sizeof(lname), "link:%s", name);
	sd->lrng = rng_new(seed, lname);
	sd->out = link_new(pr->k, lname, spec, sd->lrng);
	ck_assert_ptr_nonnull(sd->out);
	sd->ps = psim_new(&env, name, sd->rng, &sd->out, 1, deliver, sd);
	sd->tap.ops = &tap_ops;
	sd->tap.ctx = sd;
	sd->up_at = sd->down_at = -1;
}

static struct tunnel_cfg
cfg_for(struct pair *pr, int client, enum tunnel_mode mode,
    const uint8_t *key)
{
	struct tunnel_cfg c = { 0 };

	c.name = client ? "client>server" : "server<client";
	c.role = client ? TUNNEL_CLIENT : TUNNEL_SERVER;
	c.mode = mode;
	c.link = 0;
	c.peer_id = client ? NULL : "192.0.2.1:40000";
	c.auth.psk_identity = "site-1";
	c.auth.psk = key;
	c.auth.psk_len = 16;
	c.on_state = on_state;
	c.keylog = keylog;
	c.ctx = pr;
	return c;
}

static void
pair_init(struct pair *pr, const struct link_spec *spec, uint64_t seed,
    enum tunnel_mode mode, const uint8_t *client_key)
{
	struct tunnel_cfg cc, sc;
	char err[160];

	memset(pr, 0, sizeof(*pr));
	pr->k = kernel_new();
	pr->pl = pool_new();
	side_init(pr, &pr->c, "client", spec, seed);
	side_init(pr, &pr->s, "server", spec, seed);
	link_set_handlers(pr->c.out, arrive, dropped, &pr->s);
	link_set_handlers(pr->s.out, arrive, dropped, &pr->c);
	cc = cfg_for(pr, 1, mode, client_key);
	sc = cfg_for(pr, 0, mode, key_a);
	pr->c.t = tunnel_new(&pr->c.tap, &cc, err, sizeof(err));
	ck_assert_msg(pr->c.t != NULL, "%s", err);
	pr->s.t = tunnel_new(&pr->s.tap, &sc, err, sizeof(err));
	ck_assert_msg(pr->s.t != NULL, "%s", err);
}

static void
pair_free(struct pair *pr)
{
	struct side *v[2] = { &pr->c, &pr->s };

	for (int i = 0; i < 2; i++) {
		tunnel_free(v[i]->t);
		psim_free(v[i]->ps);
		link_free(v[i]->out);
		gsl_rng_free(v[i]->rng);
		gsl_rng_free(v[i]->lrng);
	}
	ck_assert_uint_eq(pool_in_use(pr->pl), 0);
	pool_free(pr->pl);
	kernel_free(pr->k);
}

static void
start_both(struct pair *pr)
{
	tunnel_start(pr->s.t);
	tunnel_start(pr->c.t);
}

/* An inner IPv4-looking packet of n bytes with a recognisable body. */
static void
send_inner(struct pair *pr, struct side *from, uint32_t n, uint64_t seq)
{
	const struct sb_platform *pf = psim_platform(from->ps);
	struct sb_packet *p = pf->ops->packet_new(pf->ctx);

	memset(p->data, 0, n);
	p->data[0] = 0x45;
	p->data[1] = (uint8_t)seq;
	p->len = n;
	p->seq = seq;
	tunnel_send(from->t, p);
}

static void
at(struct pair *pr, sb_time t)
{
	kernel_run(pr->k, t);
}

static struct link_spec
plain_spec(void)
{
	struct link_spec s = { 0 };

	s.delay = RTT_ONE_WAY;
	return s;
}

START_TEST(test_handshake_three_round_trips)
{
	struct pair pr;
	struct link_spec spec = plain_spec();

	pair_init(&pr, &spec, 1, TUNNEL_DTLS, key_a);
	start_both(&pr);
	at(&pr, 10 * SB_S);
	ck_assert_int_eq(pr.c.ups, 1);
	ck_assert_int_eq(pr.s.ups, 1);
	/* three round trips of 20 ms for the client, 2.5 for the server */
	ck_assert_int_eq(pr.c.up_at, 3 * 2 * RTT_ONE_WAY);
	ck_assert_int_eq(pr.s.up_at, 5 * RTT_ONE_WAY);
	ck_assert_uint_eq(tunnel_stats(pr.c.t)->hs_retransmits, 0);
	ck_assert_uint_eq(tunnel_stats(pr.c.t)->handshakes, 1);
	ck_assert_uint_eq(tunnel_stats(pr.s.t)->handshakes, 1);
	/* both sides export the same session's secrets */
	ck_assert_int_eq(pr.keylog_lines, 2);
	/* keepalives flowed and were answered: 3 s apart, so 3 by 10 s */
	ck_assert_uint_eq(tunnel_stats(pr.c.t)->keepalives_sent, 3);
	ck_assert_uint_eq(tunnel_stats(pr.c.t)->keepalives_answered, 3);
	ck_assert_int_eq(tunnel_state(pr.c.t), TUNNEL_UP);
	pair_free(&pr);
}
END_TEST

START_TEST(test_data_both_ways_keeps_tags)
{
	struct pair pr;
	struct link_spec spec = plain_spec();

	pair_init(&pr, &spec, 2, TUNNEL_DTLS, key_a);
	start_both(&pr);
	at(&pr, 1 * SB_S);
	for (uint64_t i = 1; i <= 100; i++)
		send_inner(&pr, &pr.c, 200 + (uint32_t)i, i);
	send_inner(&pr, &pr.s, 1000, 7777);
	at(&pr, 2 * SB_S);
	ck_assert_int_eq(pr.s.delivered, 100);
	ck_assert_uint_eq(pr.s.last_seq, 100);
	ck_assert_uint_eq(pr.s.last_inner[0], 0x45);
	ck_assert_uint_eq(pr.s.last_inner[1], 100);
	ck_assert_int_eq(pr.c.delivered, 1);
	ck_assert_uint_eq(pr.c.last_seq, 7777);
	ck_assert_uint_eq(tunnel_stats(pr.c.t)->tx_records, 100);
	ck_assert_uint_eq(tunnel_stats(pr.s.t)->rx_records, 100);
	/* overhead: 13 header + 8 explicit nonce + 16 tag + 28 UDP/IP */
	ck_assert_uint_eq(tunnel_overhead(pr.c.t), 65);
	/* and that is what mbedTLS really wrote: the last record was the
	 * 300-byte packet */
	ck_assert_uint_eq(pr.grabbed_len, 300 + 65 - 28);
	ck_assert_uint_eq(tunnel_inner_mtu(pr.c.t), 1435);
	pair_free(&pr);
}
END_TEST

START_TEST(test_too_big_is_dropped_and_said)
{
	struct pair pr;
	struct link_spec spec = plain_spec();

	pair_init(&pr, &spec, 3, TUNNEL_DTLS, key_a);
	start_both(&pr);
	at(&pr, 1 * SB_S);
	send_inner(&pr, &pr.c, 1436, 1);
	send_inner(&pr, &pr.c, 1435, 2);
	at(&pr, 2 * SB_S);
	ck_assert_uint_eq(tunnel_stats(pr.c.t)->drop_too_big, 1);
	ck_assert_int_eq(pr.s.delivered, 1);
	ck_assert_uint_eq(pr.s.last_seq, 2);
	pair_free(&pr);
}
END_TEST

/*
 * 5% loss each way: every handshake completes, and every datagram the
 * client sends that is not an answer to one it just received goes out a
 * whole number of timer periods (1 s, 2 s, 4 s, ...) after its flight.
 */
START_TEST(test_handshake_under_loss_retransmits_on_timer)
{
	int retransmitted = 0, later = 0;

	for (uint64_t seed = 1; seed <= 40; seed++) {
		struct pair pr;
		struct link_spec spec = plain_spec();
		const struct tunnel_stats *st;
		int timer_sends = 0;

		spec.loss.kind = LOSS_BERNOULLI;
		spec.loss.rate = 0.05;
		pair_init(&pr, &spec, seed, TUNNEL_DTLS, key_a);
		start_both(&pr);
		at(&pr, 3 * SB_MIN);
		ck_assert_msg(pr.c.ups >= 1, "seed %lu: never up", seed);
		if (pr.c.up_at > 3 * 2 * RTT_ONE_WAY)
			later++;
		st = tunnel_stats(pr.c.t);
		/* Sends before the tunnel was up that a timer made, one
		 * per instant (a flight may be several datagrams). */
		for (int i = 1; i < pr.c.nsent &&
		    pr.c.sent_at[i] < pr.c.up_at; i++) {
			sb_time s = pr.c.sent_at[i], gap;

			if (s == pr.c.sent_at[i - 1] || !pr.c.by_timer[i])
				continue;
			timer_sends++;
			gap = s - pr.c.sent_at[i - 1];
			ck_assert_msg(gap % SB_S == 0 &&
			    ((gap / SB_S) & (gap / SB_S - 1)) == 0 &&
			    gap <= 32 * SB_S,
			    "seed %lu: resent %lld ns after the flight", seed,
			    (long long)gap);
		}
		ck_assert_int_eq(timer_sends, (int)st->hs_retransmits);
		retransmitted += (int)st->hs_retransmits;
		pair_free(&pr);
	}
	ck_assert_int_gt(retransmitted, 0);
	ck_assert_int_gt(later, 0);
}
END_TEST

START_TEST(test_dead_peer_then_back)
{
	struct pair pr;
	struct link_spec spec = plain_spec();
	sb_time cut = 20 * SB_S + 500 * SB_MS;

	pair_init(&pr, &spec, 4, TUNNEL_DTLS, key_a);
	start_both(&pr);
	at(&pr, cut);
	ck_assert_int_eq(pr.c.ups, 1);
	link_set_up(pr.c.out, 0);
	link_set_up(pr.s.out, 0);
	at(&pr, cut + 30 * SB_S);
	ck_assert_int_eq(pr.c.downs, 1);
	ck_assert_str_eq(pr.c.down_why, "dead-peer");
	ck_assert_int_ge(pr.c.down_at, cut + 9 * SB_S);
	ck_assert_int_lt(pr.c.down_at, cut + 12 * SB_S);
	ck_assert_int_eq(pr.s.downs, 1);
	ck_assert_str_eq(pr.s.down_why, "dead-peer");
	/* the links come back; the client's retries find the server */
	link_set_up(pr.c.out, 1);
	link_set_up(pr.s.out, 1);
	at(&pr, cut + 30 * SB_S + 2 * SB_MIN);
	ck_assert_int_eq(pr.c.ups, 2);
	ck_assert_int_eq(pr.s.ups, 2);
	send_inner(&pr, &pr.c, 100, 42);
	at(&pr, cut + 30 * SB_S + 2 * SB_MIN + SB_S);
	ck_assert_int_eq(pr.s.delivered, 1);
	pair_free(&pr);
}
END_TEST

START_TEST(test_wrong_key_never_up)
{
	struct pair pr;
	struct link_spec spec = plain_spec();

	pair_init(&pr, &spec, 5, TUNNEL_DTLS, key_b);
	start_both(&pr);
	at(&pr, 5 * SB_MIN);
	ck_assert_int_eq(pr.c.ups, 0);
	ck_assert_int_eq(pr.s.ups, 0);
	ck_assert_int_ge(pr.c.auth_failures, 2);
	ck_assert_int_ge(pr.s.auth_failures, 2);
	ck_assert_uint_eq(tunnel_stats(pr.c.t)->auth_failures,
	    (uint64_t)pr.c.auth_failures);
	send_inner(&pr, &pr.c, 100, 1);
	at(&pr, 5 * SB_MIN + SB_S);
	ck_assert_int_eq(pr.s.delivered, 0);
	ck_assert_uint_eq(tunnel_stats(pr.c.t)->drop_not_up, 1);
	pair_free(&pr);
}
END_TEST

static void
inject(struct pair *pr, struct side *to, const uint8_t *b, uint32_t n)
{
	const struct sb_platform *pf = psim_platform(to->ps);
	struct sb_packet *p = pf->ops->packet_new(pf->ctx);

	memcpy(p->data, b, n);
	p->len = n;
	tunnel_input(to->t, p);
}

static void
tamper_case(enum tunnel_mode mode)
{
	struct pair pr;
	struct link_spec spec = plain_spec();
	const struct tunnel_stats *st;
	uint8_t copy[SB_PACKET_BUF];
	uint32_t n;

	pair_init(&pr, &spec, 6, mode, key_a);
	start_both(&pr);
	at(&pr, 1 * SB_S);
	send_inner(&pr, &pr.c, 300, 1);
	at(&pr, 2 * SB_S);
	ck_assert_int_eq(pr.s.delivered, 1);
	n = pr.grabbed_len;
	ck_assert_uint_gt(n, TUNNEL_RECORD_HDR);
	memcpy(copy, pr.grabbed, n);
	st = tunnel_stats(pr.s.t);

	inject(&pr, &pr.s, copy, n);                /* replayed */
	ck_assert_uint_eq(st->drop_replayed, 1);
	if (mode == TUNNEL_DTLS) {
		copy[n - 1] ^= 0x01;                /* forged */
		copy[5 + 5] += 1;                   /* a fresh seq */
		inject(&pr, &pr.s, copy, n);
		ck_assert_uint_eq(st->drop_forged, 1);
	}
	inject(&pr, &pr.s, copy, 7);                /* truncated */
	copy[0] = 99;                               /* not a record */
	inject(&pr, &pr.s, copy, n);
	ck_assert_uint_eq(st->drop_malformed, 2);
	at(&pr, 3 * SB_S);
	ck_assert_int_eq(pr.s.delivered, 1);
	/* and the tunnel still works */
	send_inner(&pr, &pr.c, 300, 2);
	at(&pr, 4 * SB_S);
	ck_assert_int_eq(pr.s.delivered, 2);
	ck_assert_int_eq(tunnel_state(pr.s.t), TUNNEL_UP);
	pair_free(&pr);
}

/*
 * Hellos aimed at an up PoP: a malformed one is dropped and counted (given
 * to mbedTLS 2.28 it would end the live session); the client's own hello,
 * replayed with the cookie it had before the session began, gets a cookie
 * request and leaves the session alone.
 */
START_TEST(test_hellos_do_not_end_a_live_session)
{
	struct pair pr;
	struct link_spec spec = plain_spec();
	uint8_t bad[25] = { 0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12,
	    1 };

	pair_init(&pr, &spec, 13, TUNNEL_DTLS, key_a);
	start_both(&pr);
	at(&pr, 10 * SB_S);
	ck_assert_uint_gt(pr.hello_len, 0);
	inject(&pr, &pr.s, bad, sizeof(bad));
	ck_assert_uint_eq(tunnel_stats(pr.s.t)->drop_malformed, 1);
	inject(&pr, &pr.s, pr.hello, pr.hello_len);
	at(&pr, 20 * SB_S);
	ck_assert_int_eq(tunnel_state(pr.s.t), TUNNEL_UP);
	ck_assert_int_eq(pr.s.downs, 0);
	ck_assert_int_eq(pr.c.downs, 0);
	send_inner(&pr, &pr.c, 200, 1);
	at(&pr, 21 * SB_S);
	ck_assert_int_eq(pr.s.delivered, 1);
	pair_free(&pr);
}
END_TEST

/*
 * One datagram may carry several records: all are read, none is left in
 * mbedTLS to come out in place of the next datagram.  A datagram that is
 * not whole records (a trailing byte) is malformed and changes nothing.
 */
START_TEST(test_records_in_one_datagram)
{
	struct pair pr;
	struct link_spec spec = plain_spec();
	uint8_t both[2 * SB_PACKET_BUF];
	uint32_t n;

	pair_init(&pr, &spec, 14, TUNNEL_DTLS, key_a);
	start_both(&pr);
	at(&pr, 1 * SB_S);
	pr.hold = 1;
	send_inner(&pr, &pr.c, 100, 1);
	send_inner(&pr, &pr.c, 200, 2);
	at(&pr, 2 * SB_S);
	pr.hold = 0;
	ck_assert_int_eq(pr.nheld, 2);
	n = pr.held_len[0] + pr.held_len[1];
	memcpy(both, pr.held[0], pr.held_len[0]);
	memcpy(both + pr.held_len[0], pr.held[1], pr.held_len[1]);
	both[n] = 0;
	inject(&pr, &pr.s, both, n + 1);             /* a byte too many */
	ck_assert_uint_eq(tunnel_stats(pr.s.t)->drop_malformed, 1);
	ck_assert_int_eq(pr.s.delivered, 0);
	inject(&pr, &pr.s, both, n);
	ck_assert_int_eq(pr.s.delivered, 2);
	ck_assert_uint_eq(pr.s.last_seq, 0);         /* tags do not travel */
	ck_assert_uint_eq(pr.s.last_inner[1], 2);    /* the second record */
	send_inner(&pr, &pr.c, 300, 3);              /* and the next one */
	at(&pr, 3 * SB_S);
	ck_assert_int_eq(pr.s.delivered, 3);
	ck_assert_uint_eq(pr.s.last_seq, 3);
	ck_assert_int_eq(tunnel_state(pr.s.t), TUNNEL_UP);
	pair_free(&pr);
}
END_TEST

START_TEST(test_tampered_replayed_dropped_dtls)
{
	tamper_case(TUNNEL_DTLS);
}
END_TEST

START_TEST(test_null_mode_plaintext_same_machine)
{
	struct pair pr;
	struct link_spec spec = plain_spec();

	pair_init(&pr, &spec, 7, TUNNEL_NULL, key_a);
	start_both(&pr);
	at(&pr, 1 * SB_S);
	ck_assert_int_eq(pr.c.up_at, 3 * 2 * RTT_ONE_WAY);
	send_inner(&pr, &pr.c, 300, 9);
	at(&pr, 2 * SB_S);
	ck_assert_int_eq(pr.s.delivered, 1);
	/* epoch 0, and the inner packet in clear after the header */
	ck_assert_uint_eq(pr.grabbed[3] << 8 | pr.grabbed[4], 0);
	ck_assert_uint_eq(pr.grabbed[TUNNEL_RECORD_HDR], 0x45);
	ck_assert_uint_eq(pr.grabbed_len, 300 + TUNNEL_RECORD_HDR);
	ck_assert_uint_eq(tunnel_overhead(pr.c.t), 41);
	ck_assert_str_eq(tunnel_mode_name(TUNNEL_NULL), "null-cipher");
	pair_free(&pr);
	tamper_case(TUNNEL_NULL);
}
END_TEST

START_TEST(test_rekey_keeps_tunnel)
{
	struct pair pr;
	struct link_spec spec = plain_spec();
	struct tunnel_cfg cc;
	char err[128];

	pair_init(&pr, &spec, 8, TUNNEL_DTLS, key_a);
	tunnel_free(pr.c.t);
	cc = cfg_for(&pr, 1, TUNNEL_DTLS, key_a);
	cc.rekey = 10 * SB_S;
	pr.c.t = tunnel_new(&pr.c.tap, &cc, err, sizeof(err));
	ck_assert_ptr_nonnull(pr.c.t);
	start_both(&pr);
	at(&pr, 35 * SB_S);
	ck_assert_uint_eq(tunnel_stats(pr.c.t)->rekeys, 3);
	ck_assert_int_eq(pr.c.ups, 1);
	ck_assert_int_eq(pr.c.downs, 0);
	ck_assert_int_eq(pr.keylog_lines, 2 * 4);
	send_inner(&pr, &pr.c, 300, 5);
	at(&pr, 36 * SB_S);
	ck_assert_int_eq(pr.s.delivered, 1);
	pair_free(&pr);
}
END_TEST

/*
 * A session with packets both ways every second across three rekeys, each
 * side's application records sealed and opened on the fast path or by
 * mbedTLS itself: what crossed the wire, hashed.
 */
static uint64_t
session_wire(int fast_client, int fast_server)
{
	struct pair pr;
	struct link_spec spec = plain_spec();
	struct tunnel_cfg cc, sc;
	const struct tunnel_stats *cs, *ss;
	char err[128];
	uint64_t h;

	pair_init(&pr, &spec, 9, TUNNEL_DTLS, key_a);
	tunnel_free(pr.c.t);
	tunnel_free(pr.s.t);
	cc = cfg_for(&pr, 1, TUNNEL_DTLS, key_a);
	sc = cfg_for(&pr, 0, TUNNEL_DTLS, key_a);
	cc.rekey = 10 * SB_S;
	cc.mbedtls_records = !fast_client;
	sc.mbedtls_records = !fast_server;
	pr.c.t = tunnel_new(&pr.c.tap, &cc, err, sizeof(err));
	pr.s.t = tunnel_new(&pr.s.tap, &sc, err, sizeof(err));
	ck_assert_ptr_nonnull(pr.c.t);
	ck_assert_ptr_nonnull(pr.s.t);
	pr.wire_hash = 0xcbf29ce484222325;
	start_both(&pr);
	for (uint64_t i = 1; i <= 35; i++) {
		at(&pr, (sb_time)i * SB_S);
		send_inner(&pr, &pr.c, 200 + (uint32_t)i, i);
		send_inner(&pr, &pr.s, 900 + (uint32_t)i, 100 + i);
	}
	at(&pr, 36 * SB_S);
	cs = tunnel_stats(pr.c.t);
	ss = tunnel_stats(pr.s.t);
	ck_assert_uint_eq(cs->rekeys, 3);
	ck_assert_int_eq(pr.c.downs + pr.s.downs, 0);
	ck_assert_int_eq(pr.s.delivered, 35);
	ck_assert_int_eq(pr.c.delivered, 35);
	ck_assert_uint_eq(pr.s.last_seq, 35);
	ck_assert_uint_eq(pr.c.last_seq, 135);
	/* the path asked for is the path taken, for most records */
	ck_assert(fast_client ? cs->fast_sealed > 30 && cs->fast_opened > 30 :
	    cs->fast_sealed + cs->fast_opened == 0);
	ck_assert(fast_server ? ss->fast_sealed > 30 && ss->fast_opened > 30 :
	    ss->fast_sealed + ss->fast_opened == 0);
	h = pr.wire_hash;
	pair_free(&pr);
	return h;
}

/* The fast path writes what mbedTLS writes, byte for byte, and each reads
 * the other's records: every combination puts the same datagrams on the
 * wire, through three rekeys (new keys, new epochs). */
START_TEST(test_fast_path_same_bytes_as_mbedtls)
{
	uint64_t mbed = session_wire(0, 0);

	ck_assert_uint_eq(session_wire(1, 1), mbed);
	ck_assert_uint_eq(session_wire(1, 0), mbed);
	ck_assert_uint_eq(session_wire(0, 1), mbed);
}
END_TEST

START_TEST(test_client_restart_server_follows)
{
	struct pair pr;
	struct link_spec spec = plain_spec();

	pair_init(&pr, &spec, 9, TUNNEL_DTLS, key_a);
	start_both(&pr);
	at(&pr, 1 * SB_S);
	/* the client loses its state without telling the server */
	tunnel_free(pr.c.t);
	{
		struct tunnel_cfg cc = cfg_for(&pr, 1, TUNNEL_DTLS, key_a);
		char err[128];

		pr.c.t = tunnel_new(&pr.c.tap, &cc, err,
		    sizeof(err));
	}
	tunnel_start(pr.c.t);
	at(&pr, 2 * SB_S);
	ck_assert_int_eq(pr.s.ups, 2);
	ck_assert_str_eq(pr.s.down_why, "peer-restarted");
	send_inner(&pr, &pr.c, 100, 3);
	at(&pr, 3 * SB_S);
	ck_assert_int_eq(pr.s.delivered, 1);
	pair_free(&pr);
}
END_TEST

/* Certificates: both sides' from the run's CA; or the Socket's signed by
 * a key the CA never had. */
static void
cert_case(int rogue)
{
	struct pair pr;
	struct link_spec spec = plain_spec();
	struct tunnel_cfg cfg[2];
	gsl_rng *r = rng_new(11, "pki");
	struct pki *ca;
	char *cert[2], *key[2], err[256];

	ca = pki_new("test", r, err, sizeof(err));
	ck_assert_msg(ca != NULL, "%s", err);
	ck_assert_int_eq(pki_issue(ca, "site-1", rogue, &cert[0], &key[0], err,
	    sizeof(err)), 0);
	ck_assert_int_eq(pki_issue(ca, "pop-1", 0, &cert[1], &key[1], err,
	    sizeof(err)), 0);
	pair_init(&pr, &spec, 12, TUNNEL_DTLS, key_a);
	for (int e = 0; e < 2; e++) {
		struct side *sd = e == 0 ? &pr.c : &pr.s;

		tunnel_free(sd->t);
		cfg[e] = cfg_for(&pr, e == 0, TUNNEL_DTLS, key_a);
		cfg[e].auth.psk = NULL;
		cfg[e].auth.cert_pem = cert[e];
		cfg[e].auth.key_pem = key[e];
		cfg[e].auth.ca_pem = pki_ca_pem(ca);
		sd->t = tunnel_new(&sd->tap, &cfg[e], err, sizeof(err));
		ck_assert_msg(sd->t != NULL, "%s", err);
	}
	start_both(&pr);
	at(&pr, 3 * SB_MIN);
	if (!rogue) {
		ck_assert_int_eq(pr.c.ups, 1);
		/* certificates and ECDHE do not add round trips */
		ck_assert_int_eq(pr.c.up_at, 3 * 2 * RTT_ONE_WAY);
		send_inner(&pr, &pr.c, 500, 1);
		at(&pr, 3 * SB_MIN + SB_S);
		ck_assert_int_eq(pr.s.delivered, 1);
	} else {
		ck_assert_int_eq(pr.c.ups, 0);
		ck_assert_int_eq(pr.s.ups, 0);
		ck_assert_int_ge(pr.s.auth_failures, 1);
		ck_assert_int_ge(pr.c.auth_failures, 1);
	}
	pair_free(&pr);
	for (int e = 0; e < 2; e++) {
		free(cert[e]);
		free(key[e]);
	}
	pki_free(ca);
	gsl_rng_free(r);
}

START_TEST(test_certificates_up)
{
	cert_case(0);
}
END_TEST

START_TEST(test_rogue_certificate_never_up)
{
	cert_case(1);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("tunnel");
	TCase *tc = tcase_create("dtls");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_handshake_three_round_trips);
	tcase_add_test(tc, test_data_both_ways_keeps_tags);
	tcase_add_test(tc, test_too_big_is_dropped_and_said);
	tcase_add_test(tc, test_handshake_under_loss_retransmits_on_timer);
	tcase_add_test(tc, test_dead_peer_then_back);
	tcase_add_test(tc, test_wrong_key_never_up);
	tcase_add_test(tc, test_tampered_replayed_dropped_dtls);
	tcase_add_test(tc, test_hellos_do_not_end_a_live_session);
	tcase_add_test(tc, test_records_in_one_datagram);
	tcase_add_test(tc, test_null_mode_plaintext_same_machine);
	tcase_add_test(tc, test_rekey_keeps_tunnel);
	tcase_add_test(tc, test_fast_path_same_bytes_as_mbedtls);
	tcase_add_test(tc, test_client_restart_server_follows);
	tcase_add_test(tc, test_certificates_up);
	tcase_add_test(tc, test_rogue_certificate_never_up);
	suite_add_tcase(s, tc);
	return s;
}

#include "check_main.h"
