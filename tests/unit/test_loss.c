/*
 * Loss models against their closed forms.  Gilbert-Elliott (netem's
 * gemodel parameters): long-run loss (r * good_loss + p * bad_loss) / (p + r)
 * and, with good_loss 0 and bad_loss 1, mean burst length 1 / r, each
 * within 3% over 4 million packets (the estimates' standard errors there are
 * under 1%).  Bernoulli within 5 binomial standard deviations.  A trace is
 * replayed exactly, in a loop.
 */
#include <check.h>
#include <math.h>

#include "models/loss.h"
#include "sim/rng.h"

#define N 4000000

struct measured {
	double rate, burst;
};

static struct measured
run(const struct loss_spec *s, double scale)
{
	struct loss *l = loss_new(s);
	gsl_rng *r = rng_new(2026, "test-loss");
	long lost = 0, bursts = 0;
	int prev = 0;
	struct measured m;

	ck_assert_ptr_nonnull(l);
	for (long i = 0; i < N; i++) {
		int d = loss_drop(l, r, scale);
		lost += d;
		bursts += d && !prev;
		prev = d;
	}
	m.rate = (double)lost / N;
	m.burst = bursts ? (double)lost / (double)bursts : 0;
	loss_free(l);
	gsl_rng_free(r);
	return m;
}

START_TEST(test_gilbert_simple)
{
	struct loss_spec s = { .kind = LOSS_GILBERT_ELLIOTT, .p = 0.01,
	    .r = 0.1, .bad_loss = 1.0, .good_loss = 0.0 };
	struct measured m = run(&s, 1.0);
	double want = loss_expected_rate(&s);

	ck_assert_double_eq_tol(want, 0.01 / 0.11, 1e-12);
	ck_assert_msg(fabs(m.rate - want) / want < 0.03,
	    "loss %.5f, closed form %.5f", m.rate, want);
	ck_assert_msg(fabs(m.burst - 10.0) / 10.0 < 0.03,
	    "mean burst %.3f, closed form 10", m.burst);
}
END_TEST

START_TEST(test_gilbert_four_parameters)
{
	struct loss_spec s = { .kind = LOSS_GILBERT_ELLIOTT, .p = 0.05,
	    .r = 0.3, .bad_loss = 0.8, .good_loss = 0.01 };
	struct measured m = run(&s, 1.0);
	double want = (0.3 * 0.01 + 0.05 * 0.8) / 0.35;

	ck_assert_double_eq_tol(loss_expected_rate(&s), want, 1e-12);
	ck_assert_msg(fabs(m.rate - want) / want < 0.03,
	    "loss %.5f, closed form %.5f", m.rate, want);
}
END_TEST

START_TEST(test_gilbert_short_bursts)
{
	struct loss_spec s = { .kind = LOSS_GILBERT_ELLIOTT, .p = 0.002,
	    .r = 0.5, .bad_loss = 1.0 };
	struct measured m = run(&s, 1.0);

	ck_assert_msg(fabs(m.burst - 2.0) / 2.0 < 0.03, "burst %.3f", m.burst);
	ck_assert(fabs(m.rate - loss_expected_rate(&s)) /
	    loss_expected_rate(&s) < 0.03);
}
END_TEST

START_TEST(test_bernoulli_and_scale)
{
	struct loss_spec s = { .kind = LOSS_BERNOULLI, .rate = 0.01 };
	struct measured m = run(&s, 1.0);
	double sd = sqrt(0.01 * 0.99 / N);

	ck_assert_double_eq_tol(m.rate, 0.01, 5 * sd);
	/* a profile factor of 3 triples the rate */
	m = run(&s, 3.0);
	sd = sqrt(0.03 * 0.97 / N);
	ck_assert_double_eq_tol(m.rate, 0.03, 5 * sd);
	/* and never past certainty */
	s.rate = 0.5;
	m = run(&s, 4.0);
	ck_assert_double_eq(m.rate, 1.0);
}
END_TEST

START_TEST(test_trace_replays)
{
	uint8_t bits[] = { 0, 1, 1, 0, 0 };
	struct loss_spec s = { .kind = LOSS_TRACE, .trace = bits,
	    .trace_len = 5 };
	struct loss *l = loss_new(&s);
	gsl_rng *r = rng_new(1, "t");

	for (int i = 0; i < 23; i++)
		ck_assert_int_eq(loss_drop(l, r, 1.0), bits[i % 5]);
	ck_assert_double_eq_tol(loss_expected_rate(&s), 0.4, 1e-12);
	loss_free(l);
	gsl_rng_free(r);
}
END_TEST

START_TEST(test_rejects_bad_specs)
{
	struct loss_spec s = { .kind = LOSS_BERNOULLI, .rate = 1.5 };

	ck_assert_ptr_null(loss_new(&s));
	s = (struct loss_spec){ .kind = LOSS_GILBERT_ELLIOTT, .p = 0.1,
	    .r = -0.1, .bad_loss = 1 };
	ck_assert_ptr_null(loss_new(&s));
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("loss");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_gilbert_simple);
	tcase_add_test(tc, test_gilbert_four_parameters);
	tcase_add_test(tc, test_gilbert_short_bursts);
	tcase_add_test(tc, test_bernoulli_and_scale);
	tcase_add_test(tc, test_trace_replays);
	tcase_add_test(tc, test_rejects_bad_specs);
	suite_add_tcase(s, tc);
	return s;
}

#include "check_main.h"
