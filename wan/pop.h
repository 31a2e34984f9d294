/*
 * The PoP agent: the routing code a PoP runs on the private backbone.
 *
 * It measures each backbone link it has (probes and their echoes: delay,
 * jitter, loss; a link whose probes go unanswered `misses` times in a row
 * is down), tells every other PoP what it measured and which site
 * prefixes sit behind its tunnels (a link-state advertisement, flooded),
 * and from what all of them said computes the best path to every PoP over
 * the whole mesh (shortest paths, so a two-hop path wins when the direct
 * link is down or worse).  The cost of a link is its one-way delay plus
 * its jitter plus its loss times a weight: latency and loss in one number.
 *
 * It is not the tunnel code (wan/tunnel.c terminates the Sockets' tunnels;
 * the PoP is told when one comes up or goes down, pop_attach/pop_detach)
 * and it forwards nothing itself: whoever carries packets asks it where
 * to (pop_egress, pop_next_hop, pop_local).  Like every module under
 * wan/, it sees the world only through the platform interface: port k of
 * the configuration is the platform's link k.
 */
#ifndef SASEBED_WAN_POP_H
#define SASEBED_WAN_POP_H

#include <stdint.h>

#include "wan/packet.h"
#include "wan/platform.h"

#define POP_MAX 256            /* PoPs in one backbone */
#define POP_MAX_PREFIXES 240   /* prefixes one PoP advertises */

#define POP_DEFAULT_PROBE (100 * SB_MS)
#define POP_DEFAULT_MISSES 3
#define POP_DEFAULT_WINDOW (10 * SB_S)
#define POP_DEFAULT_LOSS_WEIGHT (5 * SB_S)
#define POP_DEFAULT_REFRESH (30 * SB_S)

struct pop;

/* Told when the PoP's forwarding changed (a next hop, an egress, a local
 * tunnel): whoever caches paths computed from it must look again. */
typedef void (*pop_changed_fn)(void *ctx);

struct pop_config {
	int id;                   /* 0 .. npops - 1, unique in the backbone */
	const char *name;
	unsigned npops;
	const char *const *names; /* every PoP's name, for events (the
	                             array is copied, the names are not) */
	const int *port_peer;     /* nports: the PoP at port k's far end */
	const char *const *port_name; /* nports: for events; may be NULL */
	unsigned nports;
	sb_time probe;            /* 0: the defaults above */
	unsigned misses;
	sb_time window;           /* loss is measured over this long */
	sb_time loss_weight;      /* cost of 100% loss */
	sb_time refresh;          /* re-advertise this often */
	pop_changed_fn changed;
	void *changed_ctx;
};

/* What a port's measurements say now. */
struct pop_port_stats {
	int up;
	sb_time srtt;             /* smoothed round trip */
	sb_time rttvar;
	double loss;              /* over the window, one lone loss forgiven */
	sb_time cost;             /* what the PoP advertises (SB_TIME_NEVER:
	                             not usable) */
	uint64_t probes, echoes;
};

/* NULL on ENOMEM or a configuration it cannot hold (err says which). */
struct pop *pop_new(const struct sb_platform *pf, const struct pop_config *cfg,
    char *err, size_t errlen);
void pop_free(struct pop *p);

/* Start probing and advertising; stop is a crash: the agent forgets all
 * it learned and is silent until started again. */
void pop_start(struct pop *p);
void pop_stop(struct pop *p);

/* A backbone datagram arrived on port `port`; takes ownership. */
void pop_input(struct pop *p, unsigned port, struct sb_packet *pkt);

/* A tunnel `handle` behind which prefix addr/len sits came up or went
 * down.  pref orders a site's tunnels: lower is preferred (the link's
 * precedence).  A handle may hold several prefixes (an IPsec site's,
 * learned over BGP): attaching one it holds changes only its preference;
 * pop_withdraw removes one, pop_detach all of the handle's. */
int pop_attach(struct pop *p, uint32_t addr, unsigned len, unsigned pref,
    int handle);
void pop_detach(struct pop *p, int handle);
void pop_withdraw(struct pop *p, uint32_t addr, unsigned len, int handle);

/* The PoP traffic for addr leaves the backbone at: among the reachable
 * PoPs advertising the longest prefix that covers it, the best
 * preference, then the lowest path cost, then the lowest id.  -1: none.
 * Read from a table of the prefixes made again when they change
 * (wan/fib.h), not from a pass over every advert. */
int pop_egress(struct pop *p, uint32_t addr);

/* Towards PoP dst: the port to send on, or -1 when unreachable (or dst is
 * this PoP). */
int pop_next_hop(const struct pop *p, int dst);

/* The path cost to dst, SB_TIME_NEVER when unreachable; 0 for itself. */
sb_time pop_cost(const struct pop *p, int dst);

/* The best local tunnel for addr (its handle), or -1. */
int pop_local(const struct pop *p, uint32_t addr);

int pop_port_stats(const struct pop *p, unsigned port,
    struct pop_port_stats *out);

#endif
