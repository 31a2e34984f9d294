/*
 * Per-instance random streams.
 *
 * Every model instance (a link's loss, a source's start offset, a node's
 * platform) draws from its own GSL stream, seeded from (run seed, stable
 * instance name).  Adding a node therefore never shifts another node's
 * randomness.  The generator is xoshiro256** behind GSL's gsl_rng interface,
 * so every gsl_ran_* distribution works on it; it takes the full 64-bit
 * derived seed, where GSL's stock generators keep only 32 bits.
 */
#ifndef SASEBED_SIM_RNG_H
#define SASEBED_SIM_RNG_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

/* The seed a stream named `name` gets in a run seeded `run_seed`. */
uint64_t rng_derive(uint64_t run_seed, const char *name);

/* A new stream; free it with gsl_rng_free().  NULL when out of memory. */
gsl_rng *rng_new(uint64_t run_seed, const char *name);

/* 64 random bits (the platform's rand()). */
uint64_t rng_u64(gsl_rng *r);

/* Fill len bytes (a multiple of 8) from r: keys drawn from a run's seed. */
void rng_bytes(gsl_rng *r, uint8_t *out, size_t len);

/* The GSL generator type, exposed for tests. */
extern const gsl_rng_type *const rng_xoshiro256ss;

#endif
