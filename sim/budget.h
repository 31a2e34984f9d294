/*
 * The memory budget: how much memory a scenario's run may need at most,
 * worked out from the scenario alone before anything is built, and the
 * memory this process may use.  A run that would not fit is refused up
 * front (exit 2, with the estimate) rather than killed by the kernel half
 * way through.
 *
 * The estimate is an upper bound of the kind a capacity planner makes, not
 * an accounting: a cost for each thing the world builds (site, WAN link
 * and its tunnel, PoP, backbone pair, application, off-cloud tunnel),
 * measured on this code and rounded up, plus the packets that can be alive
 * at once, which is where a big queue or a fast application goes.
 * docs/robustness.md gives the figures and what they assume.  It is not a
 * limit enforced while running: the simulator allocates as it needs.
 */
#ifndef SASEBED_SIM_BUDGET_H
#define SASEBED_SIM_BUDGET_H

#include <stddef.h>
#include <stdint.h>

#include "sim/scenario.h"

struct budget {
	uint64_t fixed;         /* bytes for what the world builds */
	uint64_t packets;       /* packets that can be alive at once */
	uint64_t packet_bytes;  /* their memory */
	uint64_t total;         /* fixed + packet_bytes */
	struct sc_loc at;       /* the item that costs the most */
	char what[128];         /* and what it is */
};

void budget_estimate(const struct scenario *sc, struct budget *b);

/*
 * The bytes this process may use: SASEBED_MEMORY if set (a size, "4GB"),
 * otherwise the smaller of MemAvailable (/proc/meminfo) and what the
 * memory cgroup leaves.  from says which.  0 when nothing says.
 */
uint64_t budget_available(char *from, size_t fromlen);

/*
 * 0 if the scenario's estimate fits what budget_available() says (or
 * nothing says), otherwise -1 with a message in err naming the file, the
 * line and column of the costliest item, the estimate and what is
 * available.  A bad SASEBED_MEMORY is an error too.
 */
int budget_check(const struct scenario *sc, char *err, size_t errlen);

#endif
