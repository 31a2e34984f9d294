/*
 * Huge pages for the simulator's heap.
 *
 * A large world (thousands of sites) spreads the objects a packet touches
 * over hundreds of megabytes, and a packet touches a few dozen of them.
 * With 4 KiB pages nearly every such touch also misses the TLB, and a page
 * walk, doubled under virtualisation, costs more than the work itself.
 * glibc backs its heap with transparent huge pages when the tunable
 * glibc.malloc.hugetlb is 1, but reads tunables only when a program
 * starts; so a simulating command starts itself again with it set.
 */
#ifndef SASEBED_SIM_HUGEPAGES_H
#define SASEBED_SIM_HUGEPAGES_H

#include <stddef.h>

/*
 * The GLIBC_TUNABLES value to start again with, given the current one
 * (NULL: unset), in buf; 0 when there is nothing to do (the hugetlb
 * tunable is already there, set by us or by someone who chose a value)
 * or the value does not fit, 1 when buf holds the new value.
 */
int hugepages_tunables(const char *cur, char *buf, size_t len);

/*
 * Start this program again with glibc's huge pages on, unless they are
 * already (or GLIBC_TUNABLES names the tunable: set it to 0 to keep 4 KiB
 * pages, for valgrind for one).  Returns only when it did not: nothing to
 * do, or the exec failed, in which case the program runs as it is.
 */
void hugepages_exec(char **argv);

#endif
