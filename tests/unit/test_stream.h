/*
 * A fixed, seeded GSL stream for model tests: the models take any gsl_rng,
 * and a plain Mersenne Twister keeps their statistics independent of the
 * simulator's own generator.
 */
#ifndef SASEBED_TESTS_TEST_STREAM_H
#define SASEBED_TESTS_TEST_STREAM_H

#include <check.h>
#include <gsl/gsl_rng.h>

static inline gsl_rng *
test_stream(unsigned long seed)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);

	ck_assert_ptr_nonnull(r);
	gsl_rng_set(r, seed);
	return r;
}

#endif
