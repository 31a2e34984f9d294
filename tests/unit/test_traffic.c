/*
 * Traffic sources: a constant-bit-rate source sends exactly rate/size
 * packets a second at exact times and stops at its stop time; a Poisson
 * source's count and gaps match the process's mean and variance; a replay
 * source sends its packets at their times with their sizes, all of them
 * and no more, stops at its stop time, and refuses packets without arrays.
 */
#include <check.h>
#include <math.h>
#include <string.h>

#include "models/traffic.h"
#include "sim/rng.h"

struct counter {
	struct kernel *k;
	struct pool *pl;
	uint64_t n;
	sb_time first, last;
	double gap_sum, gap_sum2;
	int bad_size;
};

static void
on_send(void *ctx, struct sb_packet *p)
{
	struct counter *c = ctx;
	sb_time now = kernel_now(c->k);

	if (c->n == 0) {
		c->first = now;
	} else {
		double g = (double)(now - c->last);
		c->gap_sum += g;
		c->gap_sum2 += g * g;
	}
	if (p->created != now || p->seq != c->n)
		c->bad_size++;
	c->last = now;
	c->n++;
	pool_put(c->pl, p);
}

START_TEST(test_cbr_exact)
{
	struct counter c = { 0 };
	struct traffic_spec ts = { .arrivals = TRAFFIC_CBR, .rate_bps = 2000000,
	    .packet_bytes = 1000, .start = 3 * SB_MS, .stop = 3 * SB_MS + SB_S };
	gsl_rng *r = rng_new(1, "cbr");
	struct traffic *t;

	c.k = kernel_new();
	c.pl = pool_new();
	t = traffic_new(c.k, c.pl, &ts, 0, r, on_send, &c);
	kernel_run(c.k, SB_TIME_NEVER);
	/* 2 Mbps of 1000 B is 250 packets/s, every 4 ms from the start */
	ck_assert_uint_eq(c.n, 250);
	ck_assert_uint_eq(traffic_sent(t), 250);
	ck_assert_int_eq(c.first, 3 * SB_MS);
	ck_assert_int_eq(c.last, 3 * SB_MS + 249 * 4 * SB_MS);
	ck_assert_int_eq(c.bad_size, 0);
	traffic_free(t);
	gsl_rng_free(r);
	pool_free(c.pl);
	kernel_free(c.k);
}
END_TEST

START_TEST(test_cbr_no_drift)
{
	/* 1 Mbps of 300 B: 2.4 ms gaps, 416.67 packets/s: over 100 s the
	 * n-th time is computed from the start, so exactly 41667 fit */
	struct counter c = { 0 };
	struct traffic_spec ts = { .arrivals = TRAFFIC_CBR, .rate_bps = 1000000,
	    .packet_bytes = 300, .start = 0, .stop = 100 * SB_S };
	gsl_rng *r = rng_new(1, "cbr2");
	struct traffic *t;

	c.k = kernel_new();
	c.pl = pool_new();
	t = traffic_new(c.k, c.pl, &ts, 0, r, on_send, &c);
	kernel_run(c.k, SB_TIME_NEVER);
	ck_assert_uint_eq(c.n, 41667);
	traffic_free(t);
	gsl_rng_free(r);
	pool_free(c.pl);
	kernel_free(c.k);
}
END_TEST

START_TEST(test_poisson)
{
	struct counter c = { 0 };
	struct traffic_spec ts = { .arrivals = TRAFFIC_POISSON,
	    .rate_bps = 8000000, .packet_bytes = 1000, .start = 0,
	    .stop = 100 * SB_S };
	gsl_rng *r = rng_new(5, "poisson");
	struct traffic *t;
	double mean_gap, var_gap, expect_n = 100000;

	c.k = kernel_new();
	c.pl = pool_new();
	t = traffic_new(c.k, c.pl, &ts, 0, r, on_send, &c);
	kernel_run(c.k, SB_TIME_NEVER);
	/* 1000 packets/s for 100 s: count sd sqrt(1e5) = 316; 5 sigma */
	ck_assert_double_eq_tol((double)c.n, expect_n, 1600);
	mean_gap = c.gap_sum / (double)(c.n - 1);
	var_gap = c.gap_sum2 / (double)(c.n - 1) - mean_gap * mean_gap;
	/* exponential gaps: sd equals the mean (1 ms) */
	ck_assert_double_eq_tol(mean_gap, 1e6, 1e6 * 0.02);
	ck_assert_double_eq_tol(sqrt(var_gap), 1e6, 1e6 * 0.03);
	traffic_free(t);
	gsl_rng_free(r);
	pool_free(c.pl);
	kernel_free(c.k);
}
END_TEST

/* What a replay source sent: every packet's time and size, in order. */
#define LOG_MAX 16

struct replay_log {
	struct kernel *k;
	struct pool *pl;
	size_t n;
	uint64_t bytes;
	sb_time at[LOG_MAX];
	uint32_t size[LOG_MAX];
	int bad;
};

static void
on_replay(void *ctx, struct sb_packet *p)
{
	struct replay_log *l = ctx;
	sb_time now = kernel_now(l->k);

	if (p->created != now || p->seq != l->n || p->flow != 7)
		l->bad++;
	if (l->n < LOG_MAX) {
		l->at[l->n] = now;
		l->size[l->n] = p->size;
	}
	l->n++;
	l->bytes += p->size;
	pool_put(l->pl, p);
}

/* Gaps from 0 to over a second, two packets at one instant, sizes from a
 * byte to a jumbo datagram. */
static const sb_time R_TIMES[] = { 0, 1, 20 * SB_MS, 20 * SB_MS,
	20 * SB_MS + 7, 1500 * SB_MS, 1500 * SB_MS + 999999, 3 * SB_S };
static const uint32_t R_SIZES[] = { 200, 1, 1500, 52, 9000, 65535, 64,
	1400 };
#define R_N	(sizeof(R_TIMES) / sizeof(*R_TIMES))

static void
replay_run(struct replay_log *l, struct traffic_spec *ts, struct traffic **t)
{
	memset(l, 0, sizeof(*l));
	l->k = kernel_new();
	l->pl = pool_new();
	*t = traffic_new(l->k, l->pl, ts, 7, NULL, on_replay, l);
	ck_assert_ptr_nonnull(*t);
	kernel_run(l->k, SB_TIME_NEVER);
}

static void
replay_done(struct replay_log *l, struct traffic *t)
{
	traffic_free(t);
	pool_free(l->pl);
	kernel_free(l->k);
}

START_TEST(test_replay_all)
{
	struct traffic_spec ts = { .arrivals = TRAFFIC_REPLAY,
	    .start = 250 * SB_MS, .stop = SB_TIME_NEVER,
	    .replay = { R_TIMES, R_SIZES, R_N } };
	struct replay_log l;
	struct traffic *t;
	uint64_t bytes = 0;

	replay_run(&l, &ts, &t);
	ck_assert_uint_eq(l.n, R_N);
	ck_assert_uint_eq(traffic_sent(t), R_N);
	for (size_t i = 0; i < R_N; i++) {
		ck_assert_int_eq(l.at[i], 250 * SB_MS + R_TIMES[i]);
		ck_assert_uint_eq(l.size[i], R_SIZES[i]);
		bytes += R_SIZES[i];
	}
	ck_assert_uint_eq(l.bytes, bytes);
	ck_assert_int_eq(l.bad, 0);
	replay_done(&l, t);
}
END_TEST

START_TEST(test_replay_stop)
{
	/* stop at 1.5 s after the start: the packet due then is not sent,
	 * nor any after it */
	struct traffic_spec ts = { .arrivals = TRAFFIC_REPLAY,
	    .start = 10 * SB_S, .stop = 10 * SB_S + 1500 * SB_MS,
	    .replay = { R_TIMES, R_SIZES, R_N } };
	struct replay_log l;
	struct traffic *t;

	replay_run(&l, &ts, &t);
	ck_assert_uint_eq(l.n, 5);
	ck_assert_uint_eq(l.bytes, 200 + 1 + 1500 + 52 + 9000);
	ck_assert_int_eq(l.at[4], 10 * SB_S + 20 * SB_MS + 7);
	ck_assert_int_eq(kernel_now(l.k), l.at[4]);
	replay_done(&l, t);

	/* a stop at the start, or before it, sends nothing */
	ts.stop = ts.start;
	replay_run(&l, &ts, &t);
	ck_assert_uint_eq(l.n, 0);
	replay_done(&l, t);
	ts.stop = ts.start - 1;
	replay_run(&l, &ts, &t);
	ck_assert_uint_eq(l.n, 0);
	replay_done(&l, t);
}
END_TEST

START_TEST(test_replay_edges)
{
	/* a time earlier than the one before it leaves right after it */
	static const sb_time back[] = { 0, 5 * SB_MS, 2 * SB_MS, 6 * SB_MS };
	static const uint32_t sizes[] = { 100, 200, 300, 400 };
	struct traffic_spec ts = { .arrivals = TRAFFIC_REPLAY,
	    .start = 0, .stop = SB_TIME_NEVER,
	    .replay = { back, sizes, 4 } };
	struct replay_log l;
	struct traffic *t;
	struct kernel *k;
	struct pool *pl;

	replay_run(&l, &ts, &t);
	ck_assert_uint_eq(l.n, 4);
	ck_assert_int_eq(l.at[1], 5 * SB_MS);
	ck_assert_int_eq(l.at[2], 5 * SB_MS);
	ck_assert_int_eq(l.at[3], 6 * SB_MS);
	ck_assert_uint_eq(l.bytes, 1000);
	replay_done(&l, t);

	/* nothing to replay is a source that sends nothing */
	ts.replay.times = NULL;
	ts.replay.sizes = NULL;
	ts.replay.count = 0;
	replay_run(&l, &ts, &t);
	ck_assert_uint_eq(l.n, 0);
	replay_done(&l, t);

	/* packets without their arrays are refused; no rate is needed */
	k = kernel_new();
	pl = pool_new();
	ts.replay.count = 4;
	ts.replay.times = back;
	ck_assert_ptr_null(traffic_new(k, pl, &ts, 0, NULL, on_replay, &l));
	ts.replay.times = NULL;
	ts.replay.sizes = sizes;
	ck_assert_ptr_null(traffic_new(k, pl, &ts, 0, NULL, on_replay, &l));
	pool_free(pl);
	kernel_free(k);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("traffic");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_cbr_exact);
	tcase_add_test(tc, test_cbr_no_drift);
	tcase_add_test(tc, test_poisson);
	tcase_add_test(tc, test_replay_all);
	tcase_add_test(tc, test_replay_stop);
	tcase_add_test(tc, test_replay_edges);
	suite_add_tcase(s, tc);
	return s;
}

#include "check_main.h"
