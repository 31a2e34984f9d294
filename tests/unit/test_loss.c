/*
 * Loss models against their closed forms.
 *
 * Gilbert-Elliott, as loss.c runs it: a packet's fate is decided in the
 * state the channel is in, then the channel moves.  Let S_n be the state
 * packet n sees.  S is a two-state Markov chain (good->bad p, bad->good r)
 * whose stationary law balances the flow across the cut,
 *   pi_g p = pi_b r,  so  pi_b = p / (p + r),  pi_g = r / (p + r),
 * and S_n tends to it geometrically, as (1 - p - r)^n, from the good start.
 * Packet n is lost with probability good_loss or bad_loss according to S_n
 * alone, so the long-run loss rate is
 *   (r good_loss + p bad_loss) / (p + r).
 * (Transition-then-decide would give the same long-run figure; the order is
 * pinned instead by test_gilbert_order below.)  With good_loss 0 and
 * bad_loss 1 a packet is lost exactly when S_n is bad, so a burst is a run
 * of bad states: once bad, the next packet is bad with probability 1 - r,
 * the run is geometric and its mean is 1 / r.
 *
 * Tolerances.  The GE loss indicator is correlated: the chain's second
 * eigenvalue is lambda = 1 - p - r, and the variance of the mean of N
 * state indicators is about pi_b pi_g (1 + lambda) / ((1 - lambda) N).
 * With N = 4,000,000 the relative standard errors are 0.7% (p .01, r .1),
 * 0.6% (p .05, r .3, with the in-state Bernoulli noise) and 0.4%
 * (p .02, r .5), so the 3% bound asked of the model sits 4.5 to 7 standard
 * errors out; the mean bursts have 0.5% and 0.2%.  Bernoulli uses 5
 * binomial standard deviations.  The stream is fixed (mt19937, seed 2026),
 * so the run is reproducible; each test prints what it measured.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_rng.h>

#include "models/loss.h"
#include "test_stream.h"

#define N_GE 4000000L
#define N_BERN 1000000L

struct measured {
	double rate, burst;
	long lost, bursts;
};

static struct measured
run(const struct loss_spec *s, double scale, long n)
{
	struct loss *l = loss_new(s);
	gsl_rng *r = test_stream(2026);
	struct measured m = { 0, 0, 0, 0 };
	int prev = 0;

	ck_assert_ptr_nonnull(l);
	for (long i = 0; i < n; i++) {
		/* no ck_assert in here: each one is a write to Check's pipe */
		int d = loss_drop(l, r, scale);

		if (d != 0 && d != 1)
			ck_abort_msg("loss_drop returned %d", d);
		m.lost += d;
		m.bursts += d && !prev;
		prev = d;
	}
	m.rate = (double)m.lost / (double)n;
	m.burst = m.bursts ? (double)m.lost / (double)m.bursts : 0.0;
	loss_free(l);
	gsl_rng_free(r);
	return m;
}

static double
ge_closed_form(double p, double r, double good_loss, double bad_loss)
{
	return (r * good_loss + p * bad_loss) / (p + r);
}

/* The rate within 3% of the closed form; with good 0 / bad 1 the burst too. */
static void
check_ge(double p, double r, double good_loss, double bad_loss)
{
	struct loss_spec s = { .kind = LOSS_GILBERT_ELLIOTT, .p = p, .r = r,
	    .bad_loss = bad_loss, .good_loss = good_loss };
	double want = ge_closed_form(p, r, good_loss, bad_loss);
	struct measured m = run(&s, 1.0, N_GE);

	ck_assert_double_eq_tol(loss_expected_rate(&s), want, 1e-15);
	printf("ge p=%g r=%g good=%g bad=%g: loss %.6f, closed form %.6f "
	    "(%+.2f%%)", p, r, good_loss, bad_loss, m.rate, want,
	    100.0 * (m.rate - want) / want);
	if (good_loss == 0.0 && bad_loss == 1.0)
		printf("; mean burst %.4f, 1/r %.4f (%+.2f%%) over %ld bursts",
		    m.burst, 1.0 / r, 100.0 * (m.burst * r - 1.0), m.bursts);
	printf("\n");
	ck_assert_msg(fabs(m.rate - want) / want < 0.03,
	    "loss %.6f, closed form %.6f", m.rate, want);
	if (good_loss == 0.0 && bad_loss == 1.0)
		ck_assert_msg(fabs(m.burst * r - 1.0) < 0.03,
		    "mean burst %.4f, closed form %.4f", m.burst, 1.0 / r);
}

START_TEST(test_gilbert_long_bursts)
{
	check_ge(0.01, 0.1, 0.0, 1.0);
}
END_TEST

START_TEST(test_gilbert_short_bursts)
{
	check_ge(0.02, 0.5, 0.0, 1.0);
}
END_TEST

START_TEST(test_gilbert_four_parameters)
{
	check_ge(0.05, 0.3, 0.01, 0.8);
}
END_TEST

/* The profile factor multiplies p: scale 2 behaves like p doubled. */
START_TEST(test_gilbert_scale)
{
	struct loss_spec s = { .kind = LOSS_GILBERT_ELLIOTT, .p = 0.01,
	    .r = 0.1, .bad_loss = 1.0 };
	double want = ge_closed_form(0.02, 0.1, 0.0, 1.0);
	struct measured m = run(&s, 2.0, N_GE);

	printf("ge p=0.01 r=0.1 scale 2: loss %.6f, closed form (p=0.02) "
	    "%.6f\n", m.rate, want);
	ck_assert_msg(fabs(m.rate - want) / want < 0.03, "loss %.6f, want %.6f",
	    m.rate, want);
	/* a huge factor clamps p at 1: the chain flips good->bad every time */
	s.r = 1.0;
	m = run(&s, 1e9, 1000);
	ck_assert_int_eq(m.lost, 500);
}
END_TEST

/*
 * p = r = 1 flips the state after every packet.  Deciding first, from the
 * good start, loses packets 2, 4, 6, ...; transitioning first would lose
 * 1, 3, 5, ...  This pins the order, whatever the stream.
 */
START_TEST(test_gilbert_order)
{
	struct loss_spec s = { .kind = LOSS_GILBERT_ELLIOTT, .p = 1.0,
	    .r = 1.0, .bad_loss = 1.0, .good_loss = 0.0 };
	struct loss *l = loss_new(&s);
	gsl_rng *r = test_stream(1);

	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(loss_drop(l, r, 1.0), i % 2);
	loss_free(l);
	gsl_rng_free(r);
}
END_TEST

START_TEST(test_gilbert_update_keeps_state)
{
	struct loss_spec s = { .kind = LOSS_GILBERT_ELLIOTT, .p = 1.0,
	    .r = 0.0, .bad_loss = 1.0 };
	struct loss_spec b = { .kind = LOSS_BERNOULLI, .rate = 0.0 };
	struct loss *l = loss_new(&s);
	gsl_rng *r = test_stream(3);

	/* first packet in the good state, then the channel sticks in bad */
	ck_assert_int_eq(loss_drop(l, r, 1.0), 0);
	ck_assert_int_eq(loss_drop(l, r, 1.0), 1);
	/* new parameters that can never reach bad: still bad, still losing */
	s.p = 0.0;
	ck_assert_int_eq(loss_update(l, &s), 0);
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(loss_drop(l, r, 1.0), 1);
	/* a bad spec is refused and changes nothing */
	s.r = 2.0;
	ck_assert_int_lt(loss_update(l, &s), 0);
	ck_assert_int_eq(loss_drop(l, r, 1.0), 1);
	/* a change of kind starts afresh: back in the good state */
	ck_assert_int_eq(loss_update(l, &b), 0);
	s.r = 0.0;
	ck_assert_int_eq(loss_update(l, &s), 0);
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(loss_drop(l, r, 1.0), 0);
	loss_free(l);
	gsl_rng_free(r);
}
END_TEST

/* Two draws a packet whatever the parameters: streams stay in step. */
START_TEST(test_gilbert_fixed_draws)
{
	struct loss_spec a = { .kind = LOSS_GILBERT_ELLIOTT, .p = 0.3,
	    .r = 0.2, .bad_loss = 0.7, .good_loss = 0.1 };
	struct loss_spec b = { .kind = LOSS_GILBERT_ELLIOTT, .p = 0.0,
	    .r = 1.0, .bad_loss = 1.0, .good_loss = 0.0 };
	struct loss *la = loss_new(&a), *lb = loss_new(&b);
	gsl_rng *ra = test_stream(9), *rb = test_stream(9);

	for (int i = 0; i < 1000; i++) {
		loss_drop(la, ra, 1.0);
		loss_drop(lb, rb, i % 3 ? 0.5 : 7.0);
	}
	ck_assert_uint_eq(gsl_rng_get(ra), gsl_rng_get(rb));
	loss_free(la);
	loss_free(lb);
	gsl_rng_free(ra);
	gsl_rng_free(rb);
}
END_TEST

START_TEST(test_gilbert_degenerate)
{
	struct loss_spec s = { .kind = LOSS_GILBERT_ELLIOTT, .p = 0.0,
	    .r = 0.0, .bad_loss = 1.0, .good_loss = 0.25 };

	/* never leaves the good state it starts in */
	ck_assert_double_eq(loss_expected_rate(&s), 0.25);
}
END_TEST

static void
check_bernoulli(double rate, double scale)
{
	struct loss_spec s = { .kind = LOSS_BERNOULLI, .rate = rate };
	struct measured m = run(&s, scale, N_BERN);
	double q = rate * scale;
	double sd = sqrt(q * (1.0 - q) / (double)N_BERN);

	printf("bernoulli %g x %g: loss %.6f, want %.6f (%.2f sd)\n", rate,
	    scale, m.rate, q, (m.rate - q) / sd);
	ck_assert_msg(fabs(m.rate - q) <= 5.0 * sd, "loss %.6f, want %.6f "
	    "+- %.6f", m.rate, q, 5.0 * sd);
}

START_TEST(test_bernoulli)
{
	struct loss_spec s = { .kind = LOSS_BERNOULLI, .rate = 0.5 };

	check_bernoulli(0.01, 1.0);
	check_bernoulli(0.2, 1.0);
	check_bernoulli(0.01, 3.0);  /* the profile factor multiplies */
	ck_assert_int_eq(run(&s, 4.0, 10000).lost, 10000);  /* clamped at 1 */
	ck_assert_int_eq(run(&s, 0.0, 10000).lost, 0);
	ck_assert_double_eq(loss_expected_rate(&s), 0.5);
}
END_TEST

START_TEST(test_none)
{
	struct loss_spec s = { .kind = LOSS_NONE };

	ck_assert_int_eq(run(&s, 5.0, 10000).lost, 0);
	ck_assert_double_eq(loss_expected_rate(&s), 0.0);
}
END_TEST

START_TEST(test_trace_replays)
{
	uint8_t bits[] = { 0, 1, 1, 0, 0, 0, 1 };
	uint8_t other[] = { 0, 0, 1, 1 };
	struct loss_spec s = { .kind = LOSS_TRACE, .trace = bits,
	    .trace_len = 7 };
	struct loss *l = loss_new(&s);
	gsl_rng *r = test_stream(1), *fresh = test_stream(1);

	ck_assert_ptr_nonnull(l);
	/* the model copied the trace: the caller's may change */
	bits[0] = 1;
	for (int i = 0; i < 71; i++)
		ck_assert_int_eq(loss_drop(l, r, 3.0),
		    i % 7 == 0 ? 0 : bits[i % 7]);
	bits[0] = 0;
	ck_assert_double_eq_tol(loss_expected_rate(&s), 3.0 / 7.0, 1e-15);
	/* 71 packets in, position 1; a new trace of the same kind keeps it */
	s.trace = other;
	s.trace_len = 4;
	ck_assert_int_eq(loss_update(l, &s), 0);
	ck_assert_int_eq(loss_drop(l, r, 1.0), 0);
	ck_assert_int_eq(loss_drop(l, r, 1.0), 1);
	ck_assert_int_eq(loss_drop(l, r, 1.0), 1);
	ck_assert_int_eq(loss_drop(l, r, 1.0), 0);
	/* and a trace draws nothing from the stream */
	ck_assert_uint_eq(gsl_rng_get(r), gsl_rng_get(fresh));
	loss_free(l);
	gsl_rng_free(r);
	gsl_rng_free(fresh);
}
END_TEST

START_TEST(test_rejects_bad_specs)
{
	struct loss_spec s = { .kind = LOSS_BERNOULLI, .rate = 1.5 };

	ck_assert_ptr_null(loss_new(&s));
	s.rate = NAN;
	ck_assert_ptr_null(loss_new(&s));
	s = (struct loss_spec){ .kind = LOSS_GILBERT_ELLIOTT, .p = 0.1,
	    .r = -0.1, .bad_loss = 1 };
	ck_assert_ptr_null(loss_new(&s));
	s.r = 0.1;
	s.good_loss = 1.01;
	ck_assert_ptr_null(loss_new(&s));
	s = (struct loss_spec){ .kind = LOSS_TRACE, .trace = NULL,
	    .trace_len = 3 };
	ck_assert_ptr_null(loss_new(&s));
	s = (struct loss_spec){ .kind = (enum loss_kind)42 };
	ck_assert_ptr_null(loss_new(&s));
	ck_assert_ptr_null(loss_new(NULL));
}
END_TEST

START_TEST(test_spec_clear)
{
	struct loss_spec s = { .kind = LOSS_TRACE, .trace_len = 2 };

	s.trace = calloc(2, 1);
	ck_assert_ptr_nonnull(s.trace);
	loss_spec_clear(&s);
	ck_assert_ptr_null(s.trace);
	ck_assert_uint_eq(s.trace_len, 0);
	ck_assert_int_eq(s.kind, LOSS_NONE);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("loss");
	TCase *ge = tcase_create("gilbert-elliott");
	TCase *tc = tcase_create("others");

	tcase_set_timeout(ge, 60);
	tcase_add_test(ge, test_gilbert_long_bursts);
	tcase_add_test(ge, test_gilbert_short_bursts);
	tcase_add_test(ge, test_gilbert_four_parameters);
	tcase_add_test(ge, test_gilbert_scale);
	tcase_add_test(ge, test_gilbert_order);
	tcase_add_test(ge, test_gilbert_update_keeps_state);
	tcase_add_test(ge, test_gilbert_fixed_draws);
	tcase_add_test(ge, test_gilbert_degenerate);
	suite_add_tcase(s, ge);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_bernoulli);
	tcase_add_test(tc, test_none);
	tcase_add_test(tc, test_trace_replays);
	tcase_add_test(tc, test_rejects_bad_specs);
	tcase_add_test(tc, test_spec_clear);
	suite_add_tcase(s, tc);
	return s;
}

#include "check_main.h"
