/*
 * A PoP's prefix table: which PoPs advertise which site prefixes, looked
 * up by destination address.
 *
 * The answer is the one a scan of every advert gives: the longest prefix
 * that covers the address among those of PoPs reachable now; of equal
 * lengths, the lowest preference, then the shortest distance, then the
 * lowest PoP number.  The table holds the prefixes only and is built anew
 * when they change (rarely: a site comes or goes); distances change with
 * every shortest-path run and are read at the lookup, so a lookup costs a
 * hash probe per prefix length in use instead of a pass over every
 * advert.  Built on the control path; a lookup allocates nothing.
 */
#ifndef SASEBED_WAN_FIB_H
#define SASEBED_WAN_FIB_H

#include <stdint.h>

#include "wan/platform.h"

struct fib;

struct fib *fib_new(void);
void fib_free(struct fib *f);

/* Empty the table, keeping its memory. */
void fib_clear(struct fib *f);

/* origin advertises net/len at preference pref (an origin that
 * advertises the same prefix twice keeps the lower preference).  A
 * prefix with bits set past its length covers nothing and is left out.
 * Returns 0, or -1 when out of memory (the table is then cleared). */
int fib_add(struct fib *f, uint32_t net, unsigned len, unsigned pref,
    unsigned origin);

/* The origin for addr, dist[origin] being its distance (SB_TIME_NEVER:
 * unreachable, its prefixes do not count); -1 if none. */
int fib_lookup(const struct fib *f, uint32_t addr, const sb_time *dist);

#endif
