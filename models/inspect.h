/*
 * A PoP's security inspection: the firewall, IPS, anti-malware and TLS
 * inspection engines a packet crosses between tunnel termination and
 * egress, seen as one stage with a capacity.
 *
 * It is a single pass: a packet crosses the stage once, and its processing
 * latency is the sum of the per-packet delays of the engines that apply,
 * given by the caller as one figure and added once, never once per engine.
 * Capacity is a single FIFO server limited in bits/s and in packets/s,
 * whichever is tighter for the packet at hand.  The queue limit is a time
 * (the longest a packet may wait for the server), not bytes, so it means
 * the same whichever of the two limits holds.  A stage that is down drops
 * what arrives and what is inside it.
 *
 * It is not a model of what the engines decide: nothing here blocks or
 * rewrites traffic by content, and latency does not depend on the packet.
 * Nor is it a multi-core model: n cores behind one queue are given as one
 * server at their aggregate capacity, which makes each packet's service
 * time n times shorter than on one real core.
 *
 * Like models/link.h, the queue is implicit: a FIFO server is described by
 * the time it becomes free (busy_until), a packet's departure is known when
 * it arrives, and there is one kernel event per packet.
 */
#ifndef SASEBED_MODELS_INSPECT_H
#define SASEBED_MODELS_INSPECT_H

#include <stdint.h>

#include "sim/kernel.h"
#include "wan/packet.h"

struct inspect_spec {
	uint64_t capacity_bps;  /* 0: no bit-rate limit */
	uint64_t capacity_pps;  /* 0: no packet-rate limit (both 0: infinite) */
	sb_time queue;          /* longest wait for the server; 0: unlimited */
	sb_time latency;        /* sum over the engines that apply, added once */
};

enum inspect_drop {
	INSPECT_DROP_QUEUE = 0, /* the wait would have exceeded spec.queue */
	INSPECT_DROP_DOWN,      /* the stage was or went down */
	INSPECT_DROP__COUNT
};

/*
 * Counters over an interval (see inspect_stats_take).  Service and wait
 * are counted when a packet is accepted, so they belong to the interval it
 * arrived in, not the one it was served in: busy / interval can exceed 1
 * by up to (queue limit + one service time) / interval.
 */
struct inspect_stats {
	uint64_t in;            /* offered: every inspect_send() */
	uint64_t accepted;      /* admitted to the queue */
	uint64_t out;           /* handed to recv() */
	uint64_t bytes_out;
	uint64_t drops[INSPECT_DROP__COUNT];
	sb_time busy;           /* sum of service times (utilisation) */
	sb_time wait_sum;       /* sum of queueing waits of accepted packets */
	sb_time wait_max;       /* longest of those waits */
};

struct inspect;

typedef void (*inspect_recv_fn)(void *ctx, struct inspect *x,
    struct sb_packet *p);
typedef void (*inspect_drop_fn)(void *ctx, struct inspect *x,
    struct sb_packet *p, enum inspect_drop why);

/* A new stage, up.  The spec is copied.  NULL on ENOMEM or a spec with a
 * negative queue or latency. */
struct inspect *inspect_new(struct kernel *k, const char *name,
    const struct inspect_spec *s);
void inspect_free(struct inspect *x);

const char *inspect_name(const struct inspect *x);
const struct inspect_spec *inspect_spec(const struct inspect *x);

/* Where inspected and dropped packets go.  Both callbacks take ownership. */
void inspect_set_handlers(struct inspect *x, inspect_recv_fn recv,
    inspect_drop_fn drop, void *ctx);

/* Offer a packet; takes ownership: it comes out at recv() after its wait,
 * its service time and the latency, or goes to drop(). */
void inspect_send(struct inspect *x, struct sb_packet *p);

/* Up/down.  Going down drops what is queued and being processed (at the
 * instant it would have come out), so nothing crosses a stage that was
 * down; up again starts with an empty queue. */
void inspect_set_up(struct inspect *x, int up);
int inspect_is_up(const struct inspect *x);

/* The server's time for a packet of `size` bytes:
 * max(ceil(size * 8 / bps), ceil(1 / pps)) in ns, 0 with no limits. */
sb_time inspect_service(const struct inspect *x, uint32_t size);

/* How long a packet arriving now would wait for the server. */
sb_time inspect_backlog_time(const struct inspect *x);

/* Copy the counters out and, if reset, start a new interval. */
void inspect_stats_take(struct inspect *x, struct inspect_stats *out,
    int reset);

#endif
