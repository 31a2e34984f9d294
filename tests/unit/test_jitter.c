/*
 * Jitter models: sample moments over 10^6 draws against closed forms, each
 * within 5 standard errors of the estimate (stated with each check):
 *
 *   uniform(a)       mean 0, variance a^2/3; the sample variance of
 *                    U(-a, a) has variance (E X^4 - (E X^2)^2) / N =
 *                    (a^4/5 - a^4/9) / N = 4 a^4 / (45 N)
 *   normal(s)        mean 0, sd s; the sample sd has sd s / sqrt(2N)
 *   pareto(k, a)-a   never negative; mean a / (k - 1), variance
 *                    a^2 k / ((k - 1)^2 (k - 2)) for k > 2
 *   table            only its values, each about 1/n of the time
 *
 * and the same stream gives the same draws.  Streams are mt19937 with fixed
 * seeds, so the run is reproducible; each check prints what it measured.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>

#include <gsl/gsl_rng.h>

#include "models/jitter.h"
#include "test_stream.h"

#define N 1000000

struct moments {
	double mean, var;
	sb_time min, max;
};

static struct moments
sample(const struct jitter_spec *s, double scale, unsigned long seed)
{
	gsl_rng *r = test_stream(seed);
	double sum = 0, sum2 = 0;
	struct moments m = { 0, 0, INT64_MAX, INT64_MIN };

	for (int i = 0; i < N; i++) {
		sb_time x = jitter_draw(s, r, scale);

		sum += (double)x;
		sum2 += (double)x * (double)x;
		if (x < m.min)
			m.min = x;
		if (x > m.max)
			m.max = x;
	}
	m.mean = sum / N;
	m.var = sum2 / N - m.mean * m.mean;
	gsl_rng_free(r);
	return m;
}

START_TEST(test_uniform)
{
	struct jitter_spec s = { .kind = JITTER_UNIFORM, .amount = 2 * SB_MS };
	double a = 2e6, want = a * a / 3.0;
	double mean_tol = 5.0 * sqrt(want / N);
	double var_tol = 5.0 * sqrt(4.0 * pow(a, 4) / 45.0 / N);
	struct moments m = sample(&s, 1.0, 77);

	printf("uniform a=2ms: mean %.1f ns (tol %.1f), variance %.6g "
	    "(a^2/3 %.6g, %+.3f%%)\n", m.mean, mean_tol, m.var, want,
	    100.0 * (m.var - want) / want);
	ck_assert_double_eq_tol(m.mean, 0.0, mean_tol);
	ck_assert_double_eq_tol(m.var, want, var_tol);
	ck_assert_int_ge(m.min, -2 * SB_MS);
	ck_assert_int_le(m.max, 2 * SB_MS);
	/* the range is used: both ends reached to within 0.1% */
	ck_assert_int_lt(m.min, -2 * SB_MS + 2 * SB_US);
	ck_assert_int_gt(m.max, 2 * SB_MS - 2 * SB_US);
}
END_TEST

START_TEST(test_normal)
{
	struct jitter_spec s = { .kind = JITTER_NORMAL, .amount = SB_MS };
	struct moments m = sample(&s, 1.0, 78);
	double sd = sqrt(m.var), sigma = 1e6;

	printf("normal sigma=1ms: mean %.1f ns, sd %.1f ns (%+.3f%%)\n",
	    m.mean, sd, 100.0 * (sd - sigma) / sigma);
	ck_assert_double_eq_tol(m.mean, 0.0, 5.0 * sigma / sqrt(N));
	ck_assert_double_eq_tol(sd, sigma, 5.0 * sigma / sqrt(2.0 * N));
	ck_assert_int_lt(m.min, 0);
	/* the profile factor scales sigma */
	m = sample(&s, 2.5, 79);
	sd = sqrt(m.var);
	printf("normal sigma=1ms x 2.5: sd %.1f ns\n", sd);
	ck_assert_double_eq_tol(sd, 2.5 * sigma, 5.0 * 2.5 * sigma /
	    sqrt(2.0 * N));
}
END_TEST

START_TEST(test_pareto)
{
	struct jitter_spec s = { .kind = JITTER_PARETO, .amount = SB_MS,
	    .shape = 3.0 };
	double a = 1e6, k = 3.0;
	double want = a / (k - 1.0);
	double sd = sqrt(a * a * k / ((k - 1.0) * (k - 1.0) * (k - 2.0)));
	struct moments m = sample(&s, 1.0, 80);

	printf("pareto k=3 a=1ms: mean %.1f ns (a/(k-1) %.1f, %+.3f%%), "
	    "min %lld, max %lld\n", m.mean, want, 100.0 * (m.mean - want) /
	    want, (long long)m.min, (long long)m.max);
	ck_assert_int_ge(m.min, 0);
	ck_assert_double_eq_tol(m.mean, want, 5.0 * sd / sqrt(N));
}
END_TEST

/*
 * The default shape, 2.5, has a finite variance but an infinite third
 * moment, so the sample mean settles more slowly than the standard error
 * suggests; a 3% bound (about 7 standard errors) is asked of it instead.
 */
START_TEST(test_pareto_default_shape)
{
	struct jitter_spec s = { .kind = JITTER_PARETO, .amount = SB_MS };
	double want = 1e6 / 1.5;
	struct moments m = sample(&s, 1.0, 81);

	printf("pareto default shape a=1ms: mean %.1f ns (a/1.5 %.1f, "
	    "%+.3f%%)\n", m.mean, want, 100.0 * (m.mean - want) / want);
	ck_assert_int_ge(m.min, 0);
	ck_assert_double_eq_tol(m.mean, want, 0.03 * want);
}
END_TEST

/* A tail without a mean: still never negative, and capped, not undefined. */
START_TEST(test_pareto_heavy_tail)
{
	struct jitter_spec s = { .kind = JITTER_PARETO, .amount = 10 * SB_MS,
	    .shape = 0.05 };
	struct moments m = sample(&s, 1.0, 82);

	ck_assert_int_ge(m.min, 0);
	ck_assert_int_le(m.max, SB_HOUR);
	ck_assert_int_eq(m.max, SB_HOUR);
}
END_TEST

START_TEST(test_table)
{
	sb_time vals[] = { 1 * SB_MS, 5 * SB_MS, 9 * SB_MS, -3 * SB_MS };
	struct jitter_spec s = { .kind = JITTER_TABLE, .table = vals,
	    .table_len = 4 }, c;
	gsl_rng *r = test_stream(5);
	long seen[4] = { 0, 0, 0, 0 };
	double sd = sqrt(N * 0.25 * 0.75);

	ck_assert_int_eq(jitter_spec_copy(&c, &s), 0);
	ck_assert_ptr_nonnull(c.table);
	ck_assert_ptr_ne(c.table, vals);
	vals[0] = 42;  /* the copy is the model's own */
	for (int i = 0; i < N; i++) {
		sb_time x = jitter_draw(&c, r, 1.0);
		int k;

		for (k = 0; k < 4 && x != c.table[k]; k++)
			;
		if (k == 4)
			ck_abort_msg("draw %lld is not in the table",
			    (long long)x);
		seen[k]++;
	}
	for (int k = 0; k < 4; k++)
		ck_assert_msg(fabs((double)seen[k] - N / 4.0) < 5.0 * sd,
		    "value %d drawn %ld times of %d", k, seen[k], N);
	/* the profile factor scales the value drawn */
	for (int i = 0; i < 1000; i++) {
		sb_time x = jitter_draw(&c, r, 2.0);
		ck_assert(x == 2 * SB_MS || x == 10 * SB_MS ||
		    x == 18 * SB_MS || x == -6 * SB_MS);
	}
	jitter_spec_clear(&c);
	ck_assert_ptr_null(c.table);
	ck_assert_uint_eq(c.table_len, 0);
	gsl_rng_free(r);
}
END_TEST

START_TEST(test_determinism)
{
	sb_time vals[] = { 7, 11, 13 };
	struct jitter_spec specs[] = {
		{ .kind = JITTER_UNIFORM, .amount = 3 * SB_MS },
		{ .kind = JITTER_NORMAL, .amount = 3 * SB_MS },
		{ .kind = JITTER_PARETO, .amount = 3 * SB_MS, .shape = 2.0 },
		{ .kind = JITTER_TABLE, .table = vals, .table_len = 3 },
	};

	for (size_t k = 0; k < sizeof(specs) / sizeof(specs[0]); k++) {
		gsl_rng *a = test_stream(1234), *b = test_stream(1234), *c = test_stream(1235);
		int same = 1, differs = 0;

		for (int i = 0; i < 10000; i++) {
			sb_time x = jitter_draw(&specs[k], a, 1.3);

			same &= x == jitter_draw(&specs[k], b, 1.3);
			differs |= x != jitter_draw(&specs[k], c, 1.3);
		}
		ck_assert_msg(same, "kind %d: one seed, two sequences",
		    specs[k].kind);
		ck_assert_msg(differs, "kind %d: ignores the seed",
		    specs[k].kind);
		gsl_rng_free(a);
		gsl_rng_free(b);
		gsl_rng_free(c);
	}
}
END_TEST

START_TEST(test_none_and_zero_scale)
{
	struct jitter_spec none = { .kind = JITTER_NONE, .amount = SB_MS };
	struct jitter_spec u = { .kind = JITTER_UNIFORM, .amount = SB_MS };
	gsl_rng *r = test_stream(6);

	for (int i = 0; i < 1000; i++) {
		ck_assert_int_eq(jitter_draw(&none, r, 1.0), 0);
		ck_assert_int_eq(jitter_draw(&u, r, 0.0), 0);
	}
	gsl_rng_free(r);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("jitter");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_uniform);
	tcase_add_test(tc, test_normal);
	tcase_add_test(tc, test_pareto);
	tcase_add_test(tc, test_pareto_default_shape);
	tcase_add_test(tc, test_pareto_heavy_tail);
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_determinism);
	tcase_add_test(tc, test_none_and_zero_scale);
	suite_add_tcase(s, tc);
	return s;
}

#include "check_main.h"
