/*
 * Validation of the fluid background (models/fluid.h) against the same
 * load as packets.  A 10 Mbit/s link carries background at utilisation u,
 * once as a packet-level Poisson source of 1000-byte packets through the
 * real link model, once as fluid; a Poisson foreground of 100-byte packets
 * shares the link both times.  The foreground's mean queueing delay with
 * the fluid must be within 10% of the one with packets, for u in {0.3,
 * 0.6, 0.9}, with a dense foreground (2% of the link: the virtual queue
 * moves forward exactly between its packets) and a sparse one (5 packets
 * a second: fresh stationary draws), and at u = 0.9 a medium one whose
 * gaps fall on both sides of FLUID_EXACT background packets.  Both are printed next to the M/G/1
 * mean wait of the two classes together,
 *
 *     Wq = (lambda_b S_b^2 + lambda_f S_f^2) / (2 (1 - rho_b - rho_f)),
 *
 * (Pollaczek-Khinchine with fixed sizes), and must be within 10% of it
 * as well: a check that the packet-level reference is itself right.
 * docs/fluid.md has the table this prints.
 *
 * The rest: the utilisation counted for the link includes the fluid's
 * share; a rate background is a utilisation of the bandwidth; points are
 * joined by lines and read once per step; a full buffer drops foreground
 * packets in overload; the same seed gives the same waits.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>

#include "models/fluid.h"
#include "models/link.h"
#include "models/traffic.h"
#include "sim/rng.h"

#define C_BPS 10000000ull       /* 10 Mbps */
#define BG_BYTES 1000
#define FG_BYTES 100

struct run {
	struct kernel *k;
	struct pool *pl;
	struct link *l;
	double wait_sum;
	uint64_t n, dropped;
};

static void
to_link(void *ctx, struct sb_packet *p)
{
	struct run *r = ctx;

	link_send(r->l, p);
}

static void
arrived(void *ctx, struct link *l, struct sb_packet *p)
{
	struct run *r = ctx;

	(void)l;
	if (p->flow == 1) {
		double sys = (double)(kernel_now(r->k) - p->created);
		r->wait_sum += sys - (double)p->size * 8e9 / (double)C_BPS;
		r->n++;
	}
	pool_put(r->pl, p);
}

static void
dropped(void *ctx, struct link *l, struct sb_packet *p, enum link_drop why)
{
	struct run *r = ctx;

	(void)l;
	(void)why;
	if (p->flow == 1)
		r->dropped++;
	pool_put(r->pl, p);
}

/* The foreground's mean wait, s, with the background as packets (fluid
 * 0) or as fluid (1), on a link of a buffer of queue bytes (0: none);
 * the share of the foreground dropped in *loss (NULL: none may be). */
static double
measure(double u, double fg_pps, sb_time duration, int fluid,
    uint64_t queue, double *loss)
{
	struct link_spec spec = { .bandwidth_bps = C_BPS,
	    .queue_bytes = queue };
	struct run r = { 0 };
	struct traffic_spec fg = { .arrivals = TRAFFIC_POISSON,
	    .sizes = TRAFFIC_SIZE_FIXED,
	    .rate_bps = (uint64_t)(fg_pps * 8.0 * FG_BYTES),
	    .packet_bytes = FG_BYTES, .start = 0, .stop = duration };
	struct traffic_spec bg = { .arrivals = TRAFFIC_POISSON,
	    .sizes = TRAFFIC_SIZE_FIXED,
	    .rate_bps = (uint64_t)(u * (double)C_BPS),
	    .packet_bytes = BG_BYTES, .start = 0, .stop = duration };
	struct fluid_spec fs = { .on = 1, .unit = FLUID_UTIL, .value = u,
	    .step = SB_S, .packet_bytes = BG_BYTES };
	gsl_rng *rl = rng_new(7, "link"), *rf = rng_new(7, "fg"),
	    *rb = rng_new(7, "bg");
	struct traffic *tf, *tb = NULL;
	struct fluid *fl = NULL;

	r.k = kernel_new();
	r.pl = pool_new();
	r.l = link_new(r.k, "shared", &spec, rl);
	link_set_handlers(r.l, arrived, dropped, &r);
	if (fluid) {
		fl = fluid_new(&fs, rb);
		ck_assert_ptr_nonnull(fl);
		link_set_background(r.l, fl);
	} else
		tb = traffic_new(r.k, r.pl, &bg, 0, rb, to_link, &r);
	tf = traffic_new(r.k, r.pl, &fg, 1, rf, to_link, &r);
	kernel_run(r.k, SB_TIME_NEVER);
	if (loss != NULL)
		*loss = (double)r.dropped / (double)(r.dropped + r.n);
	else
		ck_assert_uint_eq(r.dropped, 0);
	ck_assert_uint_gt(r.n, 1000);
	traffic_free(tf);
	traffic_free(tb);
	link_free(r.l);
	fluid_free(fl);
	gsl_rng_free(rl);
	gsl_rng_free(rf);
	gsl_rng_free(rb);
	pool_free(r.pl);
	kernel_free(r.k);
	return r.wait_sum / (double)r.n / 1e9;
}

static double
mean_wait(double u, double fg_pps, sb_time duration, int fluid)
{
	return measure(u, fg_pps, duration, fluid, 0, NULL);
}

static void
compare(double u, double fg_pps, sb_time duration, const char *what)
{
	double sb = BG_BYTES * 8.0 / C_BPS, sf = FG_BYTES * 8.0 / C_BPS;
	double lb = u / sb, rhof = fg_pps * sf;
	double pk = (lb * sb * sb + fg_pps * sf * sf) / (2 * (1 - u - rhof));
	double pkt = mean_wait(u, fg_pps, duration, 0);
	double fl = mean_wait(u, fg_pps, duration, 1);

	printf("fluid %-6s u %.1f: packets %.4f ms, fluid %.4f ms (%+.1f%%), "
	    "M/D/1 %.4f ms (packets %+.1f%%, fluid %+.1f%%)\n", what, u,
	    pkt * 1e3, fl * 1e3, 100 * (fl - pkt) / pkt, pk * 1e3,
	    100 * (pkt - pk) / pk, 100 * (fl - pk) / pk);
	ck_assert_msg(fabs(fl - pkt) / pkt < 0.10,
	    "u %.1f %s: fluid %.4f ms, packets %.4f ms", u, what, fl * 1e3,
	    pkt * 1e3);
	ck_assert_msg(fabs(pkt - pk) / pk < 0.10,
	    "u %.1f %s: packets %.4f ms, M/D/1 %.4f ms", u, what, pkt * 1e3,
	    pk * 1e3);
	ck_assert_msg(fabs(fl - pk) / pk < 0.10,
	    "u %.1f %s: fluid %.4f ms, M/D/1 %.4f ms", u, what, fl * 1e3,
	    pk * 1e3);
}

/* dense: 2% of the link in 100-byte packets */
#define DENSE_PPS (0.02 * C_BPS / (8.0 * FG_BYTES))
#define SPARSE_PPS 5.0

START_TEST(test_dense_03) { compare(0.3, DENSE_PPS, 500 * SB_S, "dense"); }
END_TEST
START_TEST(test_dense_06) { compare(0.6, DENSE_PPS, 1000 * SB_S, "dense"); }
END_TEST
START_TEST(test_dense_09) { compare(0.9, DENSE_PPS, 4000 * SB_S, "dense"); }
END_TEST
/* medium: gaps around FLUID_EXACT background packets, both ways mixed */
START_TEST(test_medium_09) { compare(0.9, 40.0, 4000 * SB_S, "medium"); }
END_TEST
START_TEST(test_sparse_03) { compare(0.3, SPARSE_PPS, 2000 * SB_S, "sparse"); }
END_TEST
START_TEST(test_sparse_06) { compare(0.6, SPARSE_PPS, 2000 * SB_S, "sparse"); }
END_TEST
START_TEST(test_sparse_09) { compare(0.9, SPARSE_PPS, 4000 * SB_S, "sparse"); }
END_TEST

/* The link's busy time counts the fluid's share as well as its own. */
START_TEST(test_busy)
{
	struct kernel *k = kernel_new();
	struct link_spec spec = { .bandwidth_bps = C_BPS };
	gsl_rng *rl = rng_new(1, "l"), *rb = rng_new(1, "b");
	struct link *l = link_new(k, "l", &spec, rl);
	struct fluid_spec fs = { .on = 1, .unit = FLUID_RATE,
	    .value = 4e6, .step = SB_S, .packet_bytes = 500 };
	struct fluid *f = fluid_new(&fs, rb);
	struct link_stats st;

	link_set_background(l, f);
	kernel_run(k, 10 * SB_S);
	link_stats_take(l, &st, 1);
	/* 4 Mbit/s of 10: 40% of 10 s */
	ck_assert_int_eq(st.busy, 4 * SB_S);
	kernel_run(k, 15 * SB_S);
	link_stats_take(l, &st, 1);
	ck_assert_int_eq(st.busy, 2 * SB_S);
	link_free(l);
	fluid_free(f);
	gsl_rng_free(rl);
	gsl_rng_free(rb);
	kernel_free(k);
}
END_TEST

/* Points: straight lines between, held outside, read per step. */
START_TEST(test_points)
{
	struct fluid_point pts[] = { { 10 * SB_S, 0.2 }, { 20 * SB_S, 0.6 } };
	struct fluid_spec fs = { .on = 1, .unit = FLUID_UTIL, .points = pts,
	    .npoints = 2, .step = 2 * SB_S, .packet_bytes = 1000 };
	gsl_rng *rb = rng_new(1, "b");
	struct fluid *f = fluid_new(&fs, rb);

	ck_assert_double_eq_tol(fluid_spec_value(&fs, 0), 0.2, 1e-12);
	ck_assert_double_eq_tol(fluid_spec_value(&fs, 15 * SB_S), 0.4, 1e-12);
	ck_assert_double_eq_tol(fluid_spec_value(&fs, 99 * SB_S), 0.6, 1e-12);
	/* 15.5 s is in the step from 14 s: 0.36 */
	ck_assert_double_eq_tol(fluid_util(f, 15500 * SB_MS, C_BPS), 0.36,
	    1e-12);
	/* the integral over [10 s, 20 s) step by step: 2 * (0.2 + 0.28 +
	 * 0.36 + 0.44 + 0.52) */
	ck_assert_int_eq(fluid_busy(f, 10 * SB_S, C_BPS), 2 * SB_S);
	ck_assert_int_eq(fluid_busy(f, 20 * SB_S, C_BPS), 3600 * SB_MS);
	fluid_free(f);
	gsl_rng_free(rb);
}
END_TEST

/*
 * Overload in a finite buffer (M/D/1/K at u = 1.2, 50 kB): the queue sits
 * near full and the foreground loses what a drop-tail FIFO would lose to
 * the same load as packets: little, since its packets are small and slip
 * into the room the background's 1000-byte ones leave.  Loss within a
 * quarter (or 0.5 points) and the mean wait within 10% of the packets'.
 */
static void
overload(double fg_pps, const char *what)
{
	double lp, lf;
	double wp = measure(1.2, fg_pps, 1000 * SB_S, 0, 50000, &lp);
	double wf = measure(1.2, fg_pps, 1000 * SB_S, 1, 50000, &lf);

	printf("fluid overload %-6s: packets wait %.2f ms loss %.2f%%, "
	    "fluid wait %.2f ms loss %.2f%%\n", what, wp * 1e3, lp * 100,
	    wf * 1e3, lf * 100);
	ck_assert(lp > 0 && lf > 0);
	ck_assert_msg(fabs(lf - lp) < fmax(0.25 * lp, 0.005),
	    "%s: loss fluid %.4f, packets %.4f", what, lf, lp);
	ck_assert_msg(fabs(wf - wp) / wp < 0.10,
	    "%s: wait fluid %.2f ms, packets %.2f ms", what, wf * 1e3,
	    wp * 1e3);
	/* 50 kB at 10 Mbit/s is 40 ms */
	ck_assert(wf <= 0.040 && wp <= 0.040);
}

START_TEST(test_overload_dense) { overload(100.0, "dense"); }
END_TEST
START_TEST(test_overload_sparse) { overload(SPARSE_PPS, "sparse"); }
END_TEST

START_TEST(test_same_seed)
{
	double a = mean_wait(0.6, SPARSE_PPS, 200 * SB_S, 1);
	double b = mean_wait(0.6, SPARSE_PPS, 200 * SB_S, 1);

	ck_assert(a == b);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("fluid");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_dense_03);
	tcase_add_test(tc, test_dense_06);
	tcase_add_test(tc, test_dense_09);
	tcase_add_test(tc, test_medium_09);
	tcase_add_test(tc, test_sparse_03);
	tcase_add_test(tc, test_sparse_06);
	tcase_add_test(tc, test_sparse_09);
	tcase_add_test(tc, test_busy);
	tcase_add_test(tc, test_points);
	tcase_add_test(tc, test_overload_dense);
	tcase_add_test(tc, test_overload_sparse);
	tcase_add_test(tc, test_same_seed);
	suite_add_tcase(s, tc);
	return s;
}

#include "check_main.h"
