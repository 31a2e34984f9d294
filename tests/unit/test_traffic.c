/*
 * Traffic sources: a constant-bit-rate source sends exactly rate/size
 * packets a second at exact times and stops at its stop time; a Poisson
 * source's count and gaps match the process's mean and variance.
 */
#include <check.h>
#include <math.h>

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

static Suite *
make_suite(void)
{
	Suite *s = suite_create("traffic");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_cbr_exact);
	tcase_add_test(tc, test_cbr_no_drift);
	tcase_add_test(tc, test_poisson);
	suite_add_tcase(s, tc);
	return s;
}

#include "check_main.h"
