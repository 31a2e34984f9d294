/*
 * A small seeded generator of the tests' own (Marsaglia's xorshift64), so
 * that generated test data is the same everywhere.  The state must not
 * be 0.
 */
#ifndef SASEBED_TESTS_XORSHIFT_H
#define SASEBED_TESTS_XORSHIFT_H

#include <stdint.h>

static inline uint64_t
xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

#endif
