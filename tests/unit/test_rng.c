/*
 * Random streams: the same (seed, name) gives the same sequence; different
 * names or seeds give different ones; the generator's uniforms have the
 * right mean and variance and fill [0, 1).
 */
#include <check.h>
#include <math.h>
#include <string.h>

#include "sim/rng.h"

START_TEST(test_same_seed_same_stream)
{
	gsl_rng *a = rng_new(42, "link:mumbai-branch/wan1:up");
	gsl_rng *b = rng_new(42, "link:mumbai-branch/wan1:up");

	for (int i = 0; i < 1000; i++)
		ck_assert_uint_eq(rng_u64(a), rng_u64(b));
	gsl_rng_free(a);
	gsl_rng_free(b);
}
END_TEST

START_TEST(test_names_and_seeds_differ)
{
	ck_assert(rng_derive(42, "a") != rng_derive(42, "b"));
	ck_assert(rng_derive(42, "a") != rng_derive(43, "a"));
	ck_assert(rng_derive(0, "") != rng_derive(1, ""));
	/* adding a stream never changes another's seed: derivation is a
	 * pure function of (seed, name) */
	ck_assert_uint_eq(rng_derive(7, "node:x"), rng_derive(7, "node:x"));
}
END_TEST

START_TEST(test_uniform_moments)
{
	gsl_rng *r = rng_new(1, "moments");
	const int n = 1000000;
	double sum = 0, sum2 = 0, lo = 1, hi = 0;

	for (int i = 0; i < n; i++) {
		double u = gsl_rng_uniform(r);
		ck_assert(u >= 0.0 && u < 1.0);
		sum += u;
		sum2 += u * u;
		lo = fmin(lo, u);
		hi = fmax(hi, u);
	}
	/* mean 1/2 with sd sqrt(1/12/n) = 0.00029: 5 sigma */
	ck_assert_double_eq_tol(sum / n, 0.5, 0.0015);
	ck_assert_double_eq_tol(sum2 / n - (sum / n) * (sum / n), 1.0 / 12,
	    0.001);
	ck_assert(lo < 1e-5 && hi > 1 - 1e-5);
	gsl_rng_free(r);
}
END_TEST

START_TEST(test_bits_balanced)
{
	gsl_rng *r = rng_new(9, "bits");
	int ones[64];
	const int n = 100000;

	memset(ones, 0, sizeof(ones));
	for (int i = 0; i < n; i++) {
		uint64_t x = rng_u64(r);
		for (int b = 0; b < 64; b++)
			ones[b] += (int)((x >> b) & 1);
	}
	/* each bit: mean n/2, sd sqrt(n)/2 = 158; 6 sigma */
	for (int b = 0; b < 64; b++)
		ck_assert_int_lt(abs(ones[b] - n / 2), 950);
	gsl_rng_free(r);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("rng");
	TCase *tc = tcase_create("core");

	/* a million draws: well under a second alone, more on a loaded
	 * machine or under the sanitizers; the default 4 s is too tight */
	tcase_set_timeout(tc, 60);

	tcase_add_test(tc, test_same_seed_same_stream);
	tcase_add_test(tc, test_names_and_seeds_differ);
	tcase_add_test(tc, test_uniform_moments);
	tcase_add_test(tc, test_bits_balanced);
	suite_add_tcase(s, tc);
	return s;
}

#include "check_main.h"
