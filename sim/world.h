/*
 * The world: a scenario instantiated on a kernel.  Nodes (sites and PoPs),
 * their links (site WAN links, the backbone mesh, Internet paths between
 * cities), traffic sources, the timeline, sampling into the recorder and,
 * at the end, the final metrics and the expectations.
 *
 * Sites reach their PoPs through the real tunnel code (wan/tunnel.c), one
 * tunnel per WAN link; what decides which link and which PoP, and the
 * routing across the backbone, is still the world's stand-in for the
 * Socket and PoP agents.  docs/scenario.md says the same for users.
 */
#ifndef SASEBED_SIM_WORLD_H
#define SASEBED_SIM_WORLD_H

#include <stddef.h>
#include <stdio.h>

#include "reports/recorder.h"
#include "sim/kernel.h"
#include "sim/scenario.h"

struct world;

/* Build the world for `sc` (which must outlive it) on kernel k, recording
 * into rec (may be NULL: nothing recorded).  NULL with a message on error. */
struct world *world_new(const struct scenario *sc, uint64_t seed,
    struct kernel *k, struct recorder *rec, char *err, size_t errlen);
void world_free(struct world *w);

/* Write a capture per site WAN link (DIR/SITE-LINK.pcap: the tunnel's
 * datagrams as that link sees them) and DIR/keys.log, the NSS key log that
 * decrypts them.  Call before world_start(); DIR must exist. */
int world_capture(struct world *w, const char *dir, char *err, size_t errlen);

/* Schedule the sources, the timeline and the sampling; call once. */
int world_start(struct world *w);

/*
 * Close the run at time `end`: the last (partial) sample and, if evaluate,
 * the final metrics and the expectations (an interrupted run records its
 * samples but judges nothing).  Writes one line per expectation to out
 * (NULL: quiet).  Returns the number of expectations that failed, or a
 * negative code if recording failed.
 */
int world_finish(struct world *w, sb_time end, int evaluate, FILE *out);

/* Packets sent and delivered so far over all flows (for progress lines and
 * the forwarding benchmark). */
void world_counts(const struct world *w, uint64_t *sent, uint64_t *delivered,
    uint64_t *hops);

/* The scenario's network rules as the Sockets apply them (wan/rules.h);
 * NULL with a message on a bad rule or no memory. */
struct rules;
struct rules *rules_build(const struct scenario *sc, char *err,
    size_t errlen);

/* The scenario's firewall rule bases built into the PoPs' firewall
 * (wan/firewall.h), for the simulator and the PoP daemon alike.  NULL with
 * err empty when the scenario enforces none; NULL with a message naming
 * the place on a bad rule or no memory. */
struct firewall;
struct firewall *firewall_build(const struct scenario *sc, char *err,
    size_t errlen);

#endif
