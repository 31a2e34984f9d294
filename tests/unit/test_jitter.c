/*
 * Jitter models: moments against their closed forms over 10^6 draws.
 * uniform(a): mean 0, variance a^2/3; normal(s): sd s; pareto(shape k,
 * scale a) - a: never negative, mean a / (k - 1); a table draws only its
 * values; the same stream gives the same draws.
 */
#include <check.h>
#include <math.h>

#include "models/jitter.h"
#include "sim/rng.h"

#define N 1000000

static void
moments(const struct jitter_spec *s, double *mean, double *sd, sb_time *min)
{
	gsl_rng *r = rng_new(77, "test-jitter");
	double sum = 0, sum2 = 0;

	*min = INT64_MAX;
	for (int i = 0; i < N; i++) {
		sb_time x = jitter_draw(s, r, 1.0);
		sum += (double)x;
		sum2 += (double)x * (double)x;
		if (x < *min)
			*min = x;
	}
	*mean = sum / N;
	*sd = sqrt(sum2 / N - *mean * *mean);
	gsl_rng_free(r);
}

START_TEST(test_uniform)
{
	struct jitter_spec s = { .kind = JITTER_UNIFORM, .amount = 2 * SB_MS };
	double mean, sd, a = 2e6;
	sb_time min;

	moments(&s, &mean, &sd, &min);
	ck_assert_double_eq_tol(mean, 0, 5 * a / sqrt(3.0 * N));
	ck_assert_double_eq_tol(sd, a / sqrt(3.0), a / sqrt(3.0) * 0.01);
	ck_assert_int_ge(min, -2 * SB_MS);
}
END_TEST

START_TEST(test_normal)
{
	struct jitter_spec s = { .kind = JITTER_NORMAL, .amount = SB_MS };
	double mean, sd;
	sb_time min;

	moments(&s, &mean, &sd, &min);
	ck_assert_double_eq_tol(mean, 0, 5e6 / sqrt(N));
	ck_assert_double_eq_tol(sd, 1e6, 1e6 * 0.01);
}
END_TEST

START_TEST(test_pareto)
{
	struct jitter_spec s = { .kind = JITTER_PARETO, .amount = SB_MS,
	    .shape = 3.0 };
	double mean, sd;
	sb_time min;

	moments(&s, &mean, &sd, &min);
	ck_assert_int_ge(min, 0);
	/* shape 3: finite variance, so the sample mean converges well */
	ck_assert_double_eq_tol(mean, 1e6 / 2.0, 1e6 / 2.0 * 0.03);
}
END_TEST

START_TEST(test_table_and_determinism)
{
	sb_time vals[] = { 1 * SB_MS, 5 * SB_MS, 9 * SB_MS };
	struct jitter_spec s = { .kind = JITTER_TABLE, .table = vals,
	    .table_len = 3 }, c;
	gsl_rng *a = rng_new(1, "j"), *b = rng_new(1, "j");
	int seen[3] = { 0, 0, 0 };

	ck_assert_int_eq(jitter_spec_copy(&c, &s), 0);
	ck_assert_ptr_ne(c.table, vals);
	for (int i = 0; i < 3000; i++) {
		sb_time x = jitter_draw(&c, a, 1.0);
		ck_assert_int_eq(x, jitter_draw(&c, b, 1.0));
		ck_assert(x == vals[0] || x == vals[1] || x == vals[2]);
		seen[x == vals[0] ? 0 : x == vals[1] ? 1 : 2]++;
	}
	ck_assert(seen[0] > 800 && seen[1] > 800 && seen[2] > 800);
	jitter_spec_clear(&c);
	ck_assert_ptr_null(c.table);
	gsl_rng_free(a);
	gsl_rng_free(b);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("jitter");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_uniform);
	tcase_add_test(tc, test_normal);
	tcase_add_test(tc, test_pareto);
	tcase_add_test(tc, test_table_and_determinism);
	suite_add_tcase(s, tc);
	return s;
}

#include "check_main.h"
