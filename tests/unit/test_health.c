/*
 * Link health by hand: defaults; latency and jitter worked out on small
 * sets of samples; loss round trip when the peer keeps no counters and one
 * way when it does, including 2% each way, which a round-trip count would
 * call 4%; which probes are counted (young ones not yet, old ones no more);
 * the ring, late and duplicate replies, reset and the seq wrap; each
 * threshold at and just past its boundary; and a seeded run of many
 * windows at 1% loss that must never flag and at 4% one way that must
 * always flag.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "wan/health.h"
#include "tests/unit/check_main.h"
#include "tests/unit/xorshift.h"

/* The peer's side of a session: its two counters. */
struct peer {
	uint32_t rx, tx;
};

/* A uniform draw in [0, 1), from the top 53 bits. */
static double
uniform(uint64_t *s)
{
	return (double)(xorshift(s) >> 11) * 0x1p-53;
}

/* Probe seq leaves at `at`; unless lost on the way up the peer counts it
 * and answers; unless the answer is lost on the way down it arrives rtt
 * later. */
static void
probe(struct health *h, struct peer *pr, uint32_t seq, sb_time at,
    sb_time rtt, int lost_up, int lost_down)
{
	health_sent(h, seq, at);
	if (lost_up)
		return;
	pr->rx++;
	pr->tx++;
	if (!lost_down)
		health_reply(h, seq, at + rtt, pr->rx, pr->tx);
}

/* Probes every 9 ms: 1000 of them, the last at 8.991 s, all fit in the
 * 10 s of sending times a default window judges at EVAL_1000. */
#define IV	(9 * SB_MS)
#define EVAL_1000 (999 * IV + HEALTH_TIMEOUT_DEFAULT)

static int
approx(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

START_TEST(test_defaults)
{
	struct health_cfg c = { .jitter_max = 5 * SB_MS, .capacity = 16 };
	const struct health_cfg *g;
	struct health *h;

	ck_assert_ptr_nonnull(h = health_new(NULL));
	g = health_cfg(h);
	ck_assert(g->loss_max == HEALTH_LOSS_DEFAULT);
	ck_assert_int_eq(g->jitter_max, 30 * SB_MS);
	ck_assert_int_eq(g->latency_max, 600 * SB_MS);
	ck_assert_int_eq(g->window, 10 * SB_S);
	ck_assert_int_eq(g->timeout, 1 * SB_S);
	ck_assert_uint_eq(g->capacity, 4096);
	ck_assert_uint_eq(health_ignored(h), 0);
	health_free(h);

	/* given values are kept, the rest filled */
	ck_assert_ptr_nonnull(h = health_new(&c));
	g = health_cfg(h);
	ck_assert_int_eq(g->jitter_max, 5 * SB_MS);
	ck_assert_uint_eq(g->capacity, 16);
	ck_assert(g->loss_max == 0.03);
	ck_assert_int_eq(g->latency_max, 600 * SB_MS);
	health_free(h);
	health_free(NULL);
}
END_TEST

START_TEST(test_latency_jitter)
{
	static const sb_time rtt[] = { 100, 130, 110, 170 };
	struct health *h = health_new(NULL);
	struct health_stats st;
	struct peer pr = { 0, 0 };
	uint32_t i;

	for (i = 0; i < 4; i++)
		probe(h, &pr, i, i * IV, rtt[i] * SB_MS, 0, 0);
	/* nothing counted until the first is a timeout old */
	ck_assert_uint_eq(health_eval(h, SB_S - 1, &st), HEALTH_OK);
	ck_assert_uint_eq(st.sent, 0);
	ck_assert_int_eq(st.latency, -1);
	ck_assert_int_eq(st.jitter, -1);
	ck_assert(st.loss == 0 && st.loss_up == -1 && st.loss_down == -1);

	/* 510 / 4 = 127.5 ms; |30| + |-20| + |60| = 110 over 3: 36.67 ms */
	ck_assert_uint_eq(health_eval(h, 3 * IV + SB_S, &st), HEALTH_JITTER);
	ck_assert_uint_eq(st.sent, 4);
	ck_assert_uint_eq(st.answered, 4);
	ck_assert_int_eq(st.latency, 127500 * SB_US);
	ck_assert_int_eq(st.jitter, 110 * SB_MS / 3);
	ck_assert(approx(st.loss, 0) && approx(st.loss_up, 0) &&
	    approx(st.loss_down, 0));
	health_free(h);

	/* jitter skips a lost probe: 100, lost, 140 is one step of 40 ms */
	h = health_new(NULL);
	pr.rx = pr.tx = 0;
	probe(h, &pr, 0, 0, 100 * SB_MS, 0, 0);
	probe(h, &pr, 1, IV, 0, 1, 0);
	probe(h, &pr, 2, 2 * IV, 140 * SB_MS, 0, 0);
	ck_assert_uint_eq(health_eval(h, 2 * IV + SB_S, &st),
	    HEALTH_JITTER | HEALTH_LOSS);
	ck_assert_int_eq(st.jitter, 40 * SB_MS);
	ck_assert_int_eq(st.latency, 120 * SB_MS);
	/* the peer saw 2 of the 3: one of 2 lost up, nothing down */
	ck_assert(approx(st.loss_up, 0.5) && approx(st.loss_down, 0));
	ck_assert(approx(st.loss, 0.5));
	health_free(h);

	/* a jitter of exactly 30 ms is within bounds */
	h = health_new(NULL);
	probe(h, &pr, 0, 0, 100 * SB_MS, 0, 0);
	probe(h, &pr, 1, IV, 130 * SB_MS, 0, 0);
	ck_assert_uint_eq(health_eval(h, IV + SB_S, &st), HEALTH_OK);
	ck_assert_int_eq(st.jitter, 30 * SB_MS);
	health_free(h);
}
END_TEST

START_TEST(test_roundtrip_loss)
{
	struct health *h = health_new(NULL);
	struct health_stats st;
	uint32_t i;

	/* a peer that keeps no counters: replies carry 0, 0 */
	for (i = 0; i < 10; i++) {
		health_sent(h, i, i * IV);
		if (i != 3 && i != 7)
			health_reply(h, i, i * IV + 50 * SB_MS, 0, 0);
	}
	ck_assert_uint_eq(health_eval(h, 9 * IV + SB_S, &st), HEALTH_LOSS);
	ck_assert_uint_eq(st.sent, 10);
	ck_assert_uint_eq(st.answered, 8);
	ck_assert(st.loss_up == -1 && st.loss_down == -1);
	ck_assert(approx(st.loss, 0.2));
	health_free(h);

	/* one answer: one way unknown even with counters */
	h = health_new(NULL);
	health_sent(h, 0, 0);
	health_sent(h, 1, IV);
	health_reply(h, 1, IV + 10 * SB_MS, 2, 1);
	ck_assert_uint_eq(health_eval(h, IV + SB_S, &st), HEALTH_LOSS);
	ck_assert(st.loss_up == -1 && st.loss_down == -1);
	ck_assert(approx(st.loss, 0.5));
	health_free(h);
}
END_TEST

/* 1000 probes, the peer missing those with seq % m == up and its replies
 * lost for seq % m == down (m or more: none). */
static unsigned
thousand(unsigned m, unsigned up, unsigned down, struct health_stats *st)
{
	struct health *h = health_new(NULL);
	struct peer pr = { 0, 0 };
	unsigned bits;
	uint32_t i;

	for (i = 0; i < 1000; i++)
		probe(h, &pr, i, i * IV, 50 * SB_MS, i % m == up,
		    i % m == down);
	bits = health_eval(h, EVAL_1000, st);
	ck_assert_uint_eq(st->sent, 1000);
	health_free(h);
	return bits;
}

START_TEST(test_oneway_loss)
{
	struct health_stats st;

	/* the peer saw 960: 40 of the 999 after the first lost up */
	ck_assert_uint_eq(thousand(25, 12, 25, &st), HEALTH_LOSS);
	ck_assert_uint_eq(st.answered, 960);
	ck_assert(approx(st.loss_up, 40.0 / 999));
	ck_assert(approx(st.loss_down, 0));
	ck_assert(approx(st.loss, st.loss_up));

	/* the peer saw 990: 1% */
	ck_assert_uint_eq(thousand(100, 50, 100, &st), HEALTH_OK);
	ck_assert(approx(st.loss_up, 10.0 / 999));

	/* 40 lost down instead: the peer sent 999 replies after the
	 * first's, of which we got 959 */
	ck_assert_uint_eq(thousand(25, 25, 12, &st), HEALTH_LOSS);
	ck_assert(approx(st.loss_up, 0));
	ck_assert(approx(st.loss_down, 40.0 / 999));

	/* 2% each way: round trip 4%, but each direction within 3% */
	ck_assert_uint_eq(thousand(50, 25, 10, &st), HEALTH_OK);
	ck_assert_uint_eq(st.answered, 960);
	ck_assert(approx(st.loss_up, 20.0 / 999));
	/* replies sent after the first: 999 - 20; got 959 of them */
	ck_assert(approx(st.loss_down, 20.0 / 979));
}
END_TEST

START_TEST(test_counted)
{
	struct health_cfg c = { .timeout = 20 * SB_S };
	struct health *h = health_new(NULL);
	struct health_stats st;

	/* a probe younger than the timeout is not yet lost */
	health_sent(h, 0, 0);
	ck_assert_uint_eq(health_eval(h, SB_S - 1, &st), HEALTH_OK);
	ck_assert_uint_eq(st.sent, 0);
	ck_assert_uint_eq(health_eval(h, SB_S, &st),
	    HEALTH_LOSS | HEALTH_SILENT);
	ck_assert_uint_eq(st.sent, 1);
	ck_assert(st.loss == 1);

	/* one answered 5 s later: both counted up to 11 s (a window of
	 * sending times, a timeout ago), then the first is forgotten */
	health_sent(h, 1, 5 * SB_S);
	health_reply(h, 1, 5 * SB_S + 20 * SB_MS, 1, 1);
	ck_assert_uint_eq(health_eval(h, 11 * SB_S, &st), HEALTH_LOSS);
	ck_assert_uint_eq(st.sent, 2);
	ck_assert(approx(st.loss, 0.5));
	ck_assert_uint_eq(health_eval(h, 11 * SB_S + 1, &st), HEALTH_OK);
	ck_assert_uint_eq(st.sent, 1);
	ck_assert_uint_eq(st.answered, 1);
	ck_assert(st.loss == 0);
	ck_assert_int_eq(st.latency, 20 * SB_MS);
	/* and both gone once the second is a window and a timeout old */
	ck_assert_uint_eq(health_eval(h, 16 * SB_S, &st), HEALTH_OK);
	ck_assert_uint_eq(st.sent, 1);
	ck_assert_uint_eq(health_eval(h, 16 * SB_S + 1, &st), HEALTH_OK);
	ck_assert_uint_eq(st.sent, 0);
	health_free(h);

	/* a timeout longer than the window: a reply to a forgotten probe
	 * is ignored even though it is within the timeout */
	h = health_new(&c);
	health_sent(h, 0, 0);
	health_reply(h, 0, 10 * SB_S + 1, 1, 1);
	ck_assert_uint_eq(health_ignored(h), 1);
	health_reply(h, 0, 10 * SB_S, 1, 1);
	ck_assert_uint_eq(health_ignored(h), 1);
	health_free(h);
}
END_TEST

START_TEST(test_ring)
{
	struct health_cfg c = { .capacity = 4 };
	struct health *h = health_new(&c);
	struct health_stats st;
	uint32_t i;

	for (i = 0; i < 6; i++)
		health_sent(h, i, i * SB_MS);
	/* 0 and 1 were overwritten */
	health_reply(h, 0, 10 * SB_MS, 1, 1);
	health_reply(h, 1, 10 * SB_MS, 2, 2);
	ck_assert_uint_eq(health_ignored(h), 2);
	for (i = 2; i < 6; i++)
		health_reply(h, i, 10 * SB_MS, i + 1, i + 1);
	ck_assert_uint_eq(health_ignored(h), 2);
	ck_assert_uint_eq(health_eval(h, 5 * SB_MS + SB_S, &st), HEALTH_OK);
	ck_assert_uint_eq(st.sent, 4);
	ck_assert_uint_eq(st.answered, 4);
	/* 8, 7, 6, 5 ms: mean 6.5, steps of 1 */
	ck_assert_int_eq(st.latency, 6500 * SB_US);
	ck_assert_int_eq(st.jitter, 1 * SB_MS);

	/* keeps going round */
	for (i = 6; i < 1000; i++)
		health_sent(h, i, i * SB_MS);
	health_reply(h, 995, 996 * SB_MS, 996, 996);
	ck_assert_uint_eq(health_ignored(h), 3);
	/* the ring holds 996 to 999; the peer missed the two between */
	health_reply(h, 996, 997 * SB_MS, 996, 996);
	health_reply(h, 999, 1000 * SB_MS, 997, 997);
	ck_assert_uint_eq(health_ignored(h), 3);
	ck_assert_uint_eq(health_eval(h, 999 * SB_MS + SB_S, &st),
	    HEALTH_LOSS);
	ck_assert_uint_eq(st.sent, 4);
	ck_assert_uint_eq(st.answered, 2);
	ck_assert(approx(st.loss_up, 2.0 / 3) && approx(st.loss_down, 0));
	ck_assert(approx(st.loss, 2.0 / 3));
	health_free(h);
}
END_TEST

START_TEST(test_late_duplicate)
{
	struct health *h = health_new(NULL);
	struct health_stats st;

	/* a reply exactly at the timeout counts; one later does not */
	health_sent(h, 0, 0);
	health_sent(h, 1, IV);
	health_reply(h, 0, SB_S, 1, 1);
	health_reply(h, 1, IV + SB_S + 1, 2, 2);
	ck_assert_uint_eq(health_ignored(h), 1);
	health_eval(h, IV + SB_S, &st);
	ck_assert_uint_eq(st.sent, 2);
	ck_assert_uint_eq(st.answered, 1);
	ck_assert_int_eq(st.latency, SB_S);

	/* a duplicate changes nothing, not even the round trip */
	health_reply(h, 0, 10 * SB_MS, 1, 1);
	ck_assert_uint_eq(health_ignored(h), 2);
	health_eval(h, IV + SB_S, &st);
	ck_assert_uint_eq(st.answered, 1);
	ck_assert_int_eq(st.latency, SB_S);

	/* unknown seqs, and a reply before its probe left */
	health_reply(h, 2, 2 * IV, 3, 3);
	health_reply(h, 0xffffffff, 2 * IV, 3, 3);
	health_sent(h, 2, 2 * IV);
	health_reply(h, 2, 2 * IV - 1, 3, 3);
	ck_assert_uint_eq(health_ignored(h), 5);

	/* a skipped seq is still found */
	health_sent(h, 7, 3 * IV);
	health_sent(h, 8, 4 * IV);
	health_reply(h, 7, 3 * IV + 5 * SB_MS, 4, 4);
	health_reply(h, 8, 4 * IV + 5 * SB_MS, 5, 5);
	ck_assert_uint_eq(health_ignored(h), 5);
	health_eval(h, 4 * IV + SB_S, &st);
	ck_assert_uint_eq(st.answered, 3);
	health_free(h);
}
END_TEST

START_TEST(test_reset)
{
	struct health *h = health_new(NULL);
	struct health_stats st;
	struct peer pr = { 0, 0 };
	uint32_t i;

	for (i = 0; i < 100; i++)
		probe(h, &pr, i, i * IV, 50 * SB_MS, i % 10 == 5, 0);
	ck_assert_uint_eq(health_eval(h, 99 * IV + SB_S, &st), HEALTH_LOSS);
	ck_assert_uint_eq(st.sent, 100);

	health_reset(h);
	ck_assert_uint_eq(health_eval(h, 99 * IV + SB_S, &st), HEALTH_OK);
	ck_assert_uint_eq(st.sent, 0);
	/* a late reply from before the reset finds nothing */
	health_reply(h, 5, 99 * IV + 10 * SB_MS, 90, 90);
	ck_assert_uint_eq(health_ignored(h), 1);
	/* the tunnel came back: seqs and the peer's counters start over */
	pr.rx = pr.tx = 0;
	for (i = 0; i < 100; i++)
		probe(h, &pr, i, (200 + i) * IV, 50 * SB_MS, 0, 0);
	ck_assert_uint_eq(health_ignored(h), 1);
	ck_assert_uint_eq(health_eval(h, 299 * IV + SB_S, &st), HEALTH_OK);
	ck_assert_uint_eq(st.sent, 100);
	ck_assert_uint_eq(st.answered, 100);
	ck_assert(approx(st.loss_up, 0) && approx(st.loss_down, 0));
	health_free(h);
}
END_TEST

START_TEST(test_wrap)
{
	struct health *h = health_new(NULL);
	struct health_stats st;
	struct peer pr = { 0xfffffff0, 0xfffffff8 };
	uint32_t seq = 0xffffffe0;
	unsigned i;

	/* seqs and both counters cross 2^32; 4 of 64 lost up */
	for (i = 0; i < 64; i++, seq++)
		probe(h, &pr, seq, i * IV, 50 * SB_MS, i % 16 == 8, 0);
	ck_assert_uint_eq(health_eval(h, 63 * IV + SB_S, &st), HEALTH_LOSS);
	ck_assert_uint_eq(st.sent, 64);
	ck_assert_uint_eq(st.answered, 60);
	ck_assert(approx(st.loss_up, 4.0 / 63));
	ck_assert(approx(st.loss_down, 0));
	health_free(h);
}
END_TEST

/* n probes with a constant round trip: latency is exactly rtt. */
static unsigned
steady(sb_time rtt, struct health_stats *st)
{
	struct health *h = health_new(NULL);
	struct peer pr = { 0, 0 };
	unsigned bits;
	uint32_t i;

	for (i = 0; i < 50; i++)
		probe(h, &pr, i, i * IV, rtt, 0, 0);
	bits = health_eval(h, 49 * IV + SB_S, st);
	health_free(h);
	return bits;
}

START_TEST(test_boundaries)
{
	struct health_stats st;

	ck_assert_uint_eq(steady(600 * SB_MS, &st), HEALTH_OK);
	ck_assert_int_eq(st.latency, 600 * SB_MS);
	ck_assert_int_eq(st.jitter, 0);
	ck_assert_uint_eq(steady(600 * SB_MS + 1, &st), HEALTH_LATENCY);
	ck_assert_uint_eq(steady(550 * SB_MS, &st), HEALTH_OK);
	ck_assert_uint_eq(steady(650 * SB_MS, &st), HEALTH_LATENCY);

	/* loss exactly at 3% is within bounds: 3 of 100 lost, all inside */
	{
		struct health *h = health_new(NULL);
		struct peer pr = { 0, 0 };
		uint32_t i;

		for (i = 0; i <= 100; i++)
			probe(h, &pr, i, i * IV, 50 * SB_MS,
			    i == 10 || i == 20 || i == 30, 0);
		ck_assert_uint_eq(health_eval(h, 100 * IV + SB_S, &st),
		    HEALTH_OK);
		ck_assert(approx(st.loss_up, 0.03));
		health_reset(h);
		pr.rx = pr.tx = 0;
		for (i = 0; i <= 100; i++)
			probe(h, &pr, i, i * IV, 50 * SB_MS,
			    i == 10 || i == 20 || i == 30 || i == 40, 0);
		ck_assert_uint_eq(health_eval(h, 100 * IV + SB_S, &st),
		    HEALTH_LOSS);
		health_free(h);
	}
}
END_TEST

START_TEST(test_silent)
{
	struct health *h = health_new(NULL);
	struct health_stats st;
	uint32_t i;

	ck_assert_uint_eq(health_eval(h, 100 * SB_S, NULL), HEALTH_OK);
	for (i = 0; i < 20; i++)
		health_sent(h, i, i * IV);
	ck_assert_uint_eq(health_eval(h, 19 * IV + SB_S, &st),
	    HEALTH_SILENT | HEALTH_LOSS);
	ck_assert_uint_eq(health_eval(h, 19 * IV + SB_S, NULL),
	    HEALTH_SILENT | HEALTH_LOSS);
	ck_assert_uint_eq(st.sent, 20);
	ck_assert_uint_eq(st.answered, 0);
	ck_assert(st.loss == 1);
	ck_assert_int_eq(st.latency, -1);
	ck_assert_int_eq(st.jitter, -1);
	health_free(h);
}
END_TEST

START_TEST(test_why)
{
	char buf[64], small[7];

	ck_assert_str_eq(health_why(HEALTH_OK, buf, sizeof(buf)), "ok");
	ck_assert_str_eq(health_why(HEALTH_JITTER, buf, sizeof(buf)),
	    "jitter");
	ck_assert_str_eq(health_why(HEALTH_LOSS | HEALTH_SILENT, buf,
	    sizeof(buf)), "loss+silent");
	ck_assert_str_eq(health_why(HEALTH_LOSS | HEALTH_JITTER |
	    HEALTH_LATENCY | HEALTH_SILENT, buf, sizeof(buf)),
	    "loss+jitter+latency+silent");
	/* short buffers are truncated, never overrun */
	memset(small, 'x', sizeof(small));
	health_why(HEALTH_LOSS | HEALTH_LATENCY, small, sizeof(small));
	ck_assert_uint_lt(strnlen(small, sizeof(small)), sizeof(small));
	ck_assert_int_eq(strncmp(small, "loss+", 5), 0);
	ck_assert_ptr_eq(health_why(HEALTH_LOSS, small, 0), small);
}
END_TEST

/*
 * A continuous session of probes, `per` of them judged in each of
 * `windows` back-to-back windows (probes every 10 s / per, evaluated when
 * the window's last is a timeout old), with independent loss up and down.
 * Returns the windows flagged for loss; anything else flagged fails.
 * The mean one-way losses come back so a caller can see the losses it
 * asked for were really there.
 */
static unsigned
windows_flagged(double p_up, double p_down, unsigned per, unsigned windows,
    uint64_t seed, double *mean_up, double *mean_down)
{
	struct health_cfg c = { .capacity = per + per / 4 + 16 };
	struct health *h = health_new(&c);
	struct health_stats st;
	struct peer pr = { 0, 0 };
	sb_time iv = 10 * SB_S / per, now;
	unsigned w, bits, flagged = 0;
	uint32_t k = 0;

	ck_assert_ptr_nonnull(h);
	*mean_up = *mean_down = 0;
	for (w = 0; w < windows; w++) {
		/* counted: [now - 11 s, now - 1 s], half a gap either side
		 * of probes per * w .. per * (w + 1) - 1 */
		now = (sb_time)per * (w + 1) * iv - iv / 2 + SB_S;
		for (; (sb_time)k * iv <= now; k++) {
			int up = uniform(&seed) < p_up;
			int down = uniform(&seed) < p_down;
			sb_time rtt = 40 * SB_MS +
			    (sb_time)(xorshift(&seed) % (4 * SB_MS));

			probe(h, &pr, k, (sb_time)k * iv, rtt, up, down);
		}
		bits = health_eval(h, now, &st);
		ck_assert_uint_eq(st.sent, per);
		ck_assert_uint_eq(bits & ~(unsigned)HEALTH_LOSS, 0);
		ck_assert(st.loss_up >= 0 && st.loss_down >= 0);
		flagged += bits != 0;
		*mean_up += st.loss_up / windows;
		*mean_down += st.loss_down / windows;
	}
	health_free(h);
	return flagged;
}

/*
 * 1000 probes a window, 1% lost each way, independently.  A window flags
 * only if one direction loses more than 3% of the ~1000 probes (or
 * replies) between its first and last answers, i.e. 30 or more: for
 * Binomial(1000, 0.01) that is P(X >= 30) = 2.1e-7.  Over 200 windows and
 * two directions the chance of any flag is under 1e-4, whatever the seed.
 */
START_TEST(test_stat_quiet)
{
	double up, down;

	ck_assert_uint_eq(windows_flagged(0.01, 0.01, 1000, 200,
	    0x9e3779b97f4a7c15ULL, &up, &down), 0);
	/* the mean of 200 windows: sd about 0.0002 */
	ck_assert(up > 0.008 && up < 0.012);
	ck_assert(down > 0.008 && down < 0.012);
}
END_TEST

/*
 * 4% lost one way, 1% the other.  At 1000 probes a window this cannot be
 * told from 3% reliably: a window stays under the threshold when at most
 * 29 of 999 are lost, P = 0.041 for Binomial(999, 0.04), some 8 windows in
 * 200.  So 10000 a window (one every 1 ms): it stays under only if at
 * most 299 of ~9999 are lost up, P = 4.4e-8, or 299 of the ~9900 replies
 * down, P = 1.3e-7; over 200 windows, each way, under 3e-5.
 */
START_TEST(test_stat_flags)
{
	double up, down;

	ck_assert_uint_eq(windows_flagged(0.04, 0.01, 10000, 200,
	    0x2545f4914f6cdd1dULL, &up, &down), 200);
	ck_assert(up > 0.039 && up < 0.041);
	ck_assert(down > 0.0095 && down < 0.0105);

	ck_assert_uint_eq(windows_flagged(0.01, 0.04, 10000, 200,
	    0xd1b54a32d192ed03ULL, &up, &down), 200);
	ck_assert(up > 0.0095 && up < 0.0105);
	ck_assert(down > 0.039 && down < 0.041);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("health");
	TCase *tc = tcase_create("health");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_latency_jitter);
	tcase_add_test(tc, test_roundtrip_loss);
	tcase_add_test(tc, test_oneway_loss);
	tcase_add_test(tc, test_counted);
	tcase_add_test(tc, test_ring);
	tcase_add_test(tc, test_late_duplicate);
	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_wrap);
	tcase_add_test(tc, test_boundaries);
	tcase_add_test(tc, test_silent);
	tcase_add_test(tc, test_why);
	tcase_add_test(tc, test_stat_quiet);
	tcase_add_test(tc, test_stat_flags);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
