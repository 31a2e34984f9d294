/*
 * Validation of the link against queueing theory.  A Poisson source with
 * exponentially distributed packet sizes into a link of bandwidth C is an
 * M/M/1 queue with service rate mu = C / (8 * mean size).  Its mean waiting
 * time in the queue is Wq = rho / (mu - lambda) and the mean time in the
 * system W = 1 / (mu - lambda).  The measured means must be within 5% of
 * those closed forms, at rho = 0.5 and rho = 0.8.
 *
 * Sizes are whole bytes (rounded exponential draws), which shifts the mean
 * service time by under 0.01% at a 1000-byte mean: far inside the bound.
 */
#include <check.h>
#include <math.h>

#include "models/link.h"
#include "models/traffic.h"
#include "sim/rng.h"

#define C_BPS 10000000ull       /* 10 Mbps */
#define MEAN_BYTES 1000

struct mm1 {
	struct kernel *k;
	struct pool *pl;
	struct link *l;
	double wait_sum, sys_sum;
	uint64_t n;
};

static void
to_link(void *ctx, struct sb_packet *p)
{
	struct mm1 *m = ctx;

	link_send(m->l, p);
}

static void
arrived(void *ctx, struct link *l, struct sb_packet *p)
{
	struct mm1 *m = ctx;
	double sys = (double)(kernel_now(m->k) - p->created);
	double service = (double)p->size * 8e9 / (double)C_BPS;

	m->sys_sum += sys;
	m->wait_sum += sys - service;
	m->n++;
	pool_put(m->pl, p);
}

static void
dropped(void *ctx, struct link *l, struct sb_packet *p, enum link_drop why)
{
	struct mm1 *m = ctx;

	ck_abort_msg("no packet may be dropped in an M/M/1 run");
	pool_put(m->pl, p);
}

static void
check_rho(double rho, sb_time duration)
{
	struct link_spec spec = { .bandwidth_bps = C_BPS };
	struct mm1 m = { 0 };
	double mu = (double)C_BPS / (8.0 * MEAN_BYTES); /* packets/s */
	double lambda = rho * mu;
	double wq = rho / (mu - lambda), w = 1.0 / (mu - lambda);
	struct traffic_spec ts = { .arrivals = TRAFFIC_POISSON,
	    .sizes = TRAFFIC_SIZE_EXP,
	    .rate_bps = (uint64_t)(lambda * 8.0 * MEAN_BYTES),
	    .packet_bytes = MEAN_BYTES, .start = 0, .stop = duration };
	gsl_rng *rl = rng_new(11, "mm1-link"), *rs = rng_new(11, "mm1-src");
	struct traffic *t;
	double got_wq, got_w;

	m.k = kernel_new();
	m.pl = pool_new();
	m.l = link_new(m.k, "mm1", &spec, rl);
	link_set_handlers(m.l, arrived, dropped, &m);
	t = traffic_new(m.k, m.pl, &ts, 0, rs, to_link, &m);
	kernel_run(m.k, SB_TIME_NEVER);
	got_wq = m.wait_sum / (double)m.n / 1e9;
	got_w = m.sys_sum / (double)m.n / 1e9;
	ck_assert_msg(fabs(got_wq - wq) / wq < 0.05,
	    "rho %.1f: Wq measured %.4f ms, M/M/1 %.4f ms", rho, got_wq * 1e3,
	    wq * 1e3);
	ck_assert_msg(fabs(got_w - w) / w < 0.05,
	    "rho %.1f: W measured %.4f ms, M/M/1 %.4f ms", rho, got_w * 1e3,
	    w * 1e3);
	traffic_free(t);
	link_free(m.l);
	gsl_rng_free(rl);
	gsl_rng_free(rs);
	pool_free(m.pl);
	kernel_free(m.k);
}

START_TEST(test_mm1_half)
{
	check_rho(0.5, 1000 * SB_S);
}
END_TEST

START_TEST(test_mm1_busy)
{
	check_rho(0.8, 2000 * SB_S);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("mm1");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_mm1_half);
	tcase_add_test(tc, test_mm1_busy);
	suite_add_tcase(s, tc);
	return s;
}

#include "check_main.h"
