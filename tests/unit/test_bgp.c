/*
 * The BGP speaker: two of them on one fake platform joined by a wire the
 * test pumps by hand (and can cut).  The session comes up and the hold
 * time is the smaller offer; prefixes are learned and withdrawn; keepalives
 * keep a quiet session up; a cut wire ends it when the hold timer expires,
 * not before, with a NOTIFICATION; a transport that goes down ends it at
 * once; the session comes back by itself; the wire format of each message
 * byte for byte; and malformed or unexpected messages answered with the
 * right NOTIFICATION code.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "wan/bgp.h"
#include "wan/byteorder.h"
#include "wan/inet.h"
#include "tests/unit/check_main.h"
#include "tests/unit/fake_platform.h"

#define SITE_ADDR 0xa9fe0102u   /* 169.254.1.2 */
#define POP_ADDR 0xa9fe0101u    /* 169.254.1.1 */
#define QMAX 256

struct rt {
	uint32_t addr;
	unsigned len;
	int up;
	sb_time at;
};

struct side {
	struct bgp *b;
	struct fake *f;
	struct rt log[64];
	size_t nlog;
	int sessions;              /* up - down so far */
};

/* The wire: link 0 is the site's way out, link 1 the PoP's. */
struct wire {
	struct fake *f;
	struct side s[2];
	struct sb_packet *q[QMAX];
	unsigned qlink[QMAX];
	size_t nq;
	int cut;
	int drop[2];               /* drop the next this many from link k */
	/* the last NOTIFICATION seen on the wire: code, subcode, from */
	int ncode, nsub, nfrom;
};

static int
on_send(void *arg, unsigned link, struct sb_packet *p)
{
	struct wire *w = arg;
	struct inet_udp u;

	ck_assert_int_eq(inet_udp_parse(p->data, p->len, &u), 0);
	ck_assert_uint_eq(u.dport, BGP_PORT);
	if (u.len >= 21 && u.payload[18] == BGP_NOTIFICATION) {
		w->ncode = u.payload[19];
		w->nsub = u.payload[20];
		w->nfrom = (int)link;
	}
	if (w->drop[link] > 0) {
		w->drop[link]--;
		fake_op_packet_free(w->f, p);
		return 0;
	}
	if (w->cut || w->nq == QMAX) {
		fake_op_packet_free(w->f, p);
		return 0;
	}
	w->q[w->nq] = p;
	w->qlink[w->nq++] = link;
	return 0;
}

static void
on_route(void *ctx, uint32_t addr, unsigned len, int up)
{
	struct side *s = ctx;

	ck_assert_uint_lt(s->nlog, 64);
	s->log[s->nlog++] = (struct rt){ addr, len, up, fake_now(s->f) };
}

static void
on_session(void *ctx, int up)
{
	struct side *s = ctx;

	s->sessions += up ? 1 : -1;
}

/* Deliver what is on the wire, and what that brings, until it is quiet. */
static void
pump(struct wire *w)
{
	while (w->nq > 0) {
		struct sb_packet *p = w->q[0];
		unsigned link = w->qlink[0];

		memmove(w->q, w->q + 1, (w->nq - 1) * sizeof(w->q[0]));
		memmove(w->qlink, w->qlink + 1, (w->nq - 1) * sizeof(unsigned));
		w->nq--;
		if (bgp_input(w->s[!link].b, p) < 0)
			fake_op_packet_free(w->f, p);
	}
}

/* Move the clock to `to` in 10 ms steps, pumping the wire each step. */
static void
run_to(struct wire *w, sb_time to)
{
	while (fake_now(w->f) < to) {
		sb_time next = fake_now(w->f) + 10 * SB_MS;
		fake_advance(w->f, next < to ? next : to);
		pump(w);
	}
}

static const struct bgp_prefix site_px[] = {
	{ 0x0a010000u, 16 },        /* 10.1.0.0/16 */
	{ 0x0a020300u, 24 },        /* 10.2.3.0/24 */
};

static struct wire *
mk(sb_time site_hold, sb_time pop_hold)
{
	static struct wire w;
	char err[128];
	struct bgp_config c[2] = {
		{ .name = "site>pop", .node = "site", .local_as = 65010,
		  .peer_as = 64512, .local_addr = SITE_ADDR,
		  .peer_addr = POP_ADDR, .hold = site_hold, .link = 0,
		  .prefixes = site_px, .nprefixes = 2 },
		{ .name = "pop>site", .node = "pop", .local_as = 64512,
		  .peer_as = 65010, .local_addr = POP_ADDR,
		  .peer_addr = SITE_ADDR, .hold = pop_hold, .link = 1 },
	};

	memset(&w, 0, sizeof(w));
	w.f = fake_new(1);
	w.f->on_send = on_send;
	w.f->hook_arg = &w;
	w.ncode = -1;
	for (int i = 0; i < 2; i++) {
		w.s[i].f = w.f;
		c[i].on_route = on_route;
		c[i].on_session = on_session;
		c[i].ctx = &w.s[i];
		w.s[i].b = bgp_new(fake_platform(w.f), &c[i], err,
		    sizeof(err));
		ck_assert_msg(w.s[i].b != NULL, "%s", err);
	}
	return &w;
}

static void
done(struct wire *w)
{
	pump(w);
	bgp_free(w->s[0].b);
	bgp_free(w->s[1].b);
	ck_assert_uint_eq(fake_outstanding(w->f), 0);
	fake_free(w->f);
}

static void
up(struct wire *w)
{
	bgp_transport(w->s[1].b, 1);
	bgp_transport(w->s[0].b, 1);
	pump(w);
}

static int
count_events(const struct fake *f, const char *kind)
{
	int n = 0;

	for (size_t i = 0; i < f->nevents; i++)
		n += strcmp(f->events[i].kind, kind) == 0;
	return n;
}

START_TEST(test_establish_and_learn)
{
	struct wire *w = mk(9 * SB_S, 30 * SB_S);
	struct bgp *pop = w->s[1].b;

	up(w);
	ck_assert_int_eq(bgp_state(w->s[0].b), BGP_ESTABLISHED);
	ck_assert_int_eq(bgp_state(pop), BGP_ESTABLISHED);
	/* the smaller offer, and a third of it */
	ck_assert_int_eq(bgp_hold(pop), 9 * SB_S);
	ck_assert_int_eq(bgp_keepalive(pop), 3 * SB_S);
	ck_assert_int_eq(bgp_hold(w->s[0].b), 9 * SB_S);
	ck_assert(bgp_learned(pop, 0x0a010000u, 16));
	ck_assert(bgp_learned(pop, 0x0a020300u, 24));
	ck_assert(!bgp_learned(pop, 0x0a020000u, 16));
	ck_assert_uint_eq(w->s[1].nlog, 2);
	ck_assert_int_eq(w->s[1].log[0].up, 1);
	/* the site learned nothing: the PoP announces nothing */
	ck_assert_uint_eq(w->s[0].nlog, 0);
	ck_assert_int_eq(w->s[0].sessions, 1);
	ck_assert_int_eq(w->s[1].sessions, 1);
	ck_assert_int_eq(count_events(w->f, "bgp-up"), 2);
	ck_assert_int_eq(count_events(w->f, "bgp-learn"), 2);
	/* one OPEN, one KEEPALIVE each; the site's UPDATE */
	ck_assert_uint_eq(bgp_stats(pop)->received[BGP_OPEN], 1);
	ck_assert_uint_eq(bgp_stats(pop)->received[BGP_UPDATE], 1);
	ck_assert_uint_eq(bgp_stats(pop)->sent[BGP_UPDATE], 0);
	done(w);
}
END_TEST

START_TEST(test_keepalives_hold_a_quiet_session)
{
	struct wire *w = mk(9 * SB_S, 9 * SB_S);

	up(w);
	run_to(w, 60 * SB_S);
	ck_assert_int_eq(bgp_state(w->s[1].b), BGP_ESTABLISHED);
	ck_assert_uint_eq(bgp_stats(w->s[1].b)->hold_expired, 0);
	/* one every 3 s for a minute, and the one that opened it */
	ck_assert_uint_eq(bgp_stats(w->s[0].b)->sent[BGP_KEEPALIVE], 21);
	done(w);
}
END_TEST

START_TEST(test_hold_expiry_withdraws_then_recovers)
{
	struct wire *w = mk(9 * SB_S, 9 * SB_S);
	struct side *pop = &w->s[1];
	sb_time cut_at = 10 * SB_S + 500 * SB_MS, last = 9 * SB_S, hold;

	up(w);
	run_to(w, cut_at);
	hold = bgp_hold(pop->b);
	w->cut = 1;
	/* the last keepalive the PoP heard was at 9 s: up until 18 s */
	run_to(w, last + hold - 10 * SB_MS);
	ck_assert_int_eq(bgp_state(pop->b), BGP_ESTABLISHED);
	run_to(w, last + hold);
	ck_assert_int_eq(bgp_state(pop->b), BGP_IDLE);
	ck_assert_uint_eq(pop->nlog, 4);
	for (size_t i = 2; i < 4; i++) {
		ck_assert_int_eq(pop->log[i].up, 0);
		ck_assert_int_le(pop->log[i].at, cut_at + hold);
	}
	ck_assert(!bgp_learned(pop->b, 0x0a010000u, 16));
	ck_assert_uint_eq(bgp_stats(pop->b)->hold_expired, 1);
	ck_assert_uint_eq(bgp_stats(pop->b)->sent[BGP_NOTIFICATION], 1);
	ck_assert_int_eq(w->ncode, 4);  /* Hold Timer Expired */
	ck_assert_int_eq(pop->sessions, 0);
	ck_assert_int_eq(count_events(w->f, "bgp-down"), 2);
	ck_assert_int_eq(count_events(w->f, "bgp-withdraw"), 2);
	/* the wire back: the retries bring the session up again */
	run_to(w, 40 * SB_S);
	w->cut = 0;
	run_to(w, 40 * SB_S + BGP_RETRY_DEFAULT + SB_S);
	ck_assert_int_eq(bgp_state(pop->b), BGP_ESTABLISHED);
	ck_assert(bgp_learned(pop->b, 0x0a010000u, 16));
	ck_assert_uint_eq(bgp_stats(pop->b)->established, 2);
	done(w);
}
END_TEST

/* One side's OPEN lost, then the other's: each time the OPEN goes again
 * after the retry wait and the session comes up. */
START_TEST(test_lost_open)
{
	for (int k = 0; k < 2; k++) {
		struct wire *w = mk(9 * SB_S, 9 * SB_S);

		w->drop[k] = 1;
		up(w);
		ck_assert_int_ne(bgp_state(w->s[1].b), BGP_ESTABLISHED);
		run_to(w, BGP_RETRY_DEFAULT + 10 * SB_MS);
		ck_assert_int_eq(bgp_state(w->s[0].b), BGP_ESTABLISHED);
		ck_assert_int_eq(bgp_state(w->s[1].b), BGP_ESTABLISHED);
		ck_assert(bgp_learned(w->s[1].b, 0x0a020300u, 24));
		ck_assert_uint_eq(bgp_stats(w->s[1].b)->sent[BGP_NOTIFICATION],
		    0);
		done(w);
	}
}
END_TEST

START_TEST(test_transport_down_withdraws_at_once)
{
	struct wire *w = mk(90 * SB_S, 90 * SB_S);
	struct side *pop = &w->s[1];

	up(w);
	run_to(w, 5 * SB_S);
	bgp_transport(pop->b, 0);
	bgp_transport(w->s[0].b, 0);
	ck_assert_int_eq(bgp_state(pop->b), BGP_IDLE);
	ck_assert_uint_eq(pop->nlog, 4);
	ck_assert_int_eq(pop->log[3].at, 5 * SB_S);
	/* nothing can be said over a transport that is gone */
	ck_assert_uint_eq(bgp_stats(pop->b)->sent[BGP_NOTIFICATION], 0);
	/* and nothing is retried until it is back */
	run_to(w, 30 * SB_S);
	ck_assert_uint_eq(bgp_stats(pop->b)->sent[BGP_OPEN], 1);
	up(w);
	ck_assert_int_eq(bgp_state(pop->b), BGP_ESTABLISHED);
	done(w);
}
END_TEST

START_TEST(test_announce_and_withdraw)
{
	struct wire *w = mk(9 * SB_S, 9 * SB_S);
	struct bgp *pop = w->s[1].b;

	up(w);
	ck_assert_int_eq(bgp_announce(w->s[0].b, 0x0a030000u, 16), 0);
	pump(w);
	ck_assert(bgp_learned(pop, 0x0a030000u, 16));
	ck_assert_int_eq(bgp_withdraw(w->s[0].b, 0x0a010000u, 16), 0);
	pump(w);
	ck_assert(!bgp_learned(pop, 0x0a010000u, 16));
	ck_assert(bgp_learned(pop, 0x0a020300u, 24));
	ck_assert_uint_eq(bgp_stats(pop)->learned, 2);
	ck_assert_int_eq(bgp_state(pop), BGP_ESTABLISHED);
	ck_assert_int_eq(bgp_announce(w->s[0].b, 0, 33), -1);
	done(w);
}
END_TEST

START_TEST(test_wire_format)
{
	uint8_t b[128];
	const struct bgp_prefix a[] = { { 0x0a020300u, 24 } };
	const struct bgp_prefix wd[] = { { 0x0a010000u, 16 } };
	static const uint8_t update[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0, 48, 2,                    /* length 48, UPDATE */
		0, 3, 16, 10, 1,             /* withdrawn: 10.1/16 */
		0, 18,                       /* attributes */
		0x40, 1, 1, 0,               /* ORIGIN IGP */
		0x40, 2, 4, 2, 1, 0xfd, 0xf2, /* AS_PATH: SEQUENCE 65010 */
		0x40, 3, 4, 169, 254, 1, 2,  /* NEXT_HOP */
		24, 10, 2, 3,                /* NLRI: 10.2.3/24 */
	};
	size_t n;

	n = bgp_msg_open(b, sizeof(b), 65010, 9 * SB_S, SITE_ADDR);
	ck_assert_uint_eq(n, 29);
	ck_assert_uint_eq(get16(b + 16), 29);
	ck_assert_uint_eq(b[18], 1);
	ck_assert_uint_eq(b[19], 4);
	ck_assert_uint_eq(get16(b + 20), 65010);
	ck_assert_uint_eq(get16(b + 22), 9);
	ck_assert_uint_eq(get32(b + 24), SITE_ADDR);
	ck_assert_uint_eq(b[28], 0);
	n = bgp_msg_keepalive(b, sizeof(b));
	ck_assert_uint_eq(n, 19);
	ck_assert_uint_eq(b[18], 4);
	n = bgp_msg_notification(b, sizeof(b), 4, 0);
	ck_assert_uint_eq(n, 21);
	ck_assert_uint_eq(b[18], 3);
	ck_assert_uint_eq(b[19], 4);
	n = bgp_msg_update(b, sizeof(b), wd, 1, a, 1, 65010, SITE_ADDR);
	ck_assert_uint_eq(n, sizeof(update));
	ck_assert_mem_eq(b, update, sizeof(update));
	/* too small a buffer, a prefix longer than an address */
	ck_assert_uint_eq(bgp_msg_update(b, 40, wd, 1, a, 1, 1, 1), 0);
	ck_assert_uint_eq(bgp_msg_open(b, 28, 1, 0, 1), 0);
}
END_TEST

/* A raw message from the site's address into the PoP's speaker. */
static void
inject(struct wire *w, const uint8_t *m, size_t len)
{
	struct sb_packet *p = fake_op_packet_new(w->f);

	memcpy(p->data + INET_IPV4_HDR + INET_UDP_HDR, m, len);
	p->len = (uint32_t)inet_udp_build(p->data, p->cap, SITE_ADDR,
	    BGP_PORT, POP_ADDR, BGP_PORT, len, 1, 64);
	ck_assert_int_eq(bgp_input(w->s[1].b, p), 0);
}

/* The PoP's speaker alone, in OpenSent, then given m: the NOTIFICATION
 * code and subcode it answers with. */
static void
expect_notify(const uint8_t *m, size_t len, int code, int sub, int est)
{
	struct wire *w = mk(9 * SB_S, 9 * SB_S);

	if (est)
		up(w);
	w->cut = 1;                      /* see the answer, drop it */
	if (!est)
		bgp_transport(w->s[1].b, 1);
	inject(w, m, len);
	ck_assert_int_eq(bgp_state(w->s[1].b), BGP_IDLE);
	ck_assert_int_eq(w->nfrom, 1);
	ck_assert_int_eq(w->ncode, code);
	ck_assert_int_eq(w->nsub, sub);
	w->cut = 0;
	done(w);
}

START_TEST(test_bad_messages)
{
	uint8_t m[64];
	size_t n;

	/* a broken marker */
	n = bgp_msg_keepalive(m, sizeof(m));
	m[3] = 0;
	expect_notify(m, n, 1, 1, 0);
	/* a length that is not the message's */
	n = bgp_msg_keepalive(m, sizeof(m));
	put16(m + 16, 20);
	expect_notify(m, n, 1, 2, 0);
	/* an unknown type */
	n = bgp_msg_keepalive(m, sizeof(m));
	m[18] = 9;
	expect_notify(m, n, 1, 3, 0);
	/* OPENs: the wrong AS, a hold of 2 s, version 3 */
	n = bgp_msg_open(m, sizeof(m), 65011, 9 * SB_S, SITE_ADDR);
	expect_notify(m, n, 2, 2, 0);
	n = bgp_msg_open(m, sizeof(m), 65010, 2 * SB_S, SITE_ADDR);
	expect_notify(m, n, 2, 6, 0);
	n = bgp_msg_open(m, sizeof(m), 65010, 9 * SB_S, SITE_ADDR);
	m[19] = 3;
	expect_notify(m, n, 2, 1, 0);
	n = bgp_msg_open(m, sizeof(m), 65010, 9 * SB_S, 0);
	expect_notify(m, n, 2, 3, 0);
	/* an UPDATE before the session is up */
	n = bgp_msg_update(m, sizeof(m), NULL, 0, NULL, 0, 0, 0);
	expect_notify(m, n, 5, 1, 0);
	/* NLRI without attributes */
	{
		static const uint8_t u[] = { 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0xff, 0, 27, 2, 0, 0, 0, 0, 24, 10, 9, 9 };
		expect_notify(u, sizeof(u), 3, 3, 1);
	}
	/* a prefix longer than an address */
	{
		const struct bgp_prefix a[] = { { 0x0a090900u, 24 } };
		n = bgp_msg_update(m, sizeof(m), NULL, 0, a, 1, 65010, 1);
		m[n - 4] = 33;
		expect_notify(m, n, 3, 10, 1);
	}
	/* an AS_PATH that does not start with the peer's AS */
	{
		const struct bgp_prefix a[] = { { 0x0a090900u, 24 } };
		n = bgp_msg_update(m, sizeof(m), NULL, 0, a, 1, 65099, 1);
		expect_notify(m, n, 3, 11, 1);
	}
}
END_TEST

START_TEST(test_not_bgp)
{
	struct wire *w = mk(9 * SB_S, 9 * SB_S);
	struct sb_packet *p = fake_op_packet_new(w->f);

	bgp_transport(w->s[1].b, 1);
	memset(p->data + INET_IPV4_HDR + INET_UDP_HDR, 0, 19);
	p->len = (uint32_t)inet_udp_build(p->data, p->cap, SITE_ADDR, 5000,
	    POP_ADDR, 5000, 19, 1, 64);
	ck_assert_int_eq(bgp_input(w->s[1].b, p), -1);
	fake_op_packet_free(w->f, p);
	ck_assert_int_eq(bgp_state(w->s[1].b), BGP_OPEN_SENT);
	done(w);
}
END_TEST

START_TEST(test_bad_config)
{
	struct fake *f = fake_new(1);
	char err[128];
	struct bgp_config c = { .name = "x", .local_as = 1, .peer_as = 2,
		.hold = 2 * SB_S };

	ck_assert_ptr_null(bgp_new(fake_platform(f), &c, err, sizeof(err)));
	ck_assert(strstr(err, "hold") != NULL);
	c.hold = -1;
	c.peer_as = 70000;
	ck_assert_ptr_null(bgp_new(fake_platform(f), &c, err, sizeof(err)));
	c.peer_as = 2;
	c.hold = 0;   /* no hold timer, no keepalives: allowed */
	struct bgp *b = bgp_new(fake_platform(f), &c, err, sizeof(err));
	ck_assert_ptr_nonnull(b);
	bgp_free(b);
	fake_free(f);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("bgp");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_establish_and_learn);
	tcase_add_test(tc, test_keepalives_hold_a_quiet_session);
	tcase_add_test(tc, test_hold_expiry_withdraws_then_recovers);
	tcase_add_test(tc, test_lost_open);
	tcase_add_test(tc, test_transport_down_withdraws_at_once);
	tcase_add_test(tc, test_announce_and_withdraw);
	tcase_add_test(tc, test_wire_format);
	tcase_add_test(tc, test_bad_messages);
	tcase_add_test(tc, test_not_bgp);
	tcase_add_test(tc, test_bad_config);
	suite_add_tcase(s, tc);
	return s;
}
