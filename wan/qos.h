/*
 * The Socket's QoS shaper for one WAN link: packets bound for the link's
 * tunnel wait here in one queue per bandwidth priority and leave at the
 * link's configured rate, so that queues build in the Socket, where
 * priority applies, and not in the ISP's modem, where it does not.
 *
 * Priorities run from 1 to 255, a lower number a higher priority.  255 is
 * the default; 1 is reserved for traffic not yet classified and for
 * control, and goes ahead of everything.  Among the priorities that may
 * send, the highest always goes first (strict priority), so bulk never
 * delays voice by more than the one bulk packet already on the wire.
 * Each priority may also be limited: "always limit" holds it to its limit
 * rate even on an idle link; "limit when congested" holds it to its limit
 * rate only while another priority has packets that could go now (one
 * held back by its own "always" limit is not congestion: it leaves the
 * link idle), and otherwise it may use the whole link.
 *
 * What it is not: a classifier (the caller says which priority), a link
 * model (it releases packets to out(); how long the wire then takes is the
 * simulator's business), or fair among equals: one priority is one FIFO.
 *
 * Every byte count here, in the queue limit, the rates and the counters,
 * is a packet's weight on the wire: p->size plus the configured overhead.
 * The shaper reads p->size and nothing else of a packet.
 */
#ifndef SASEBED_WAN_QOS_H
#define SASEBED_WAN_QOS_H

#include <stdint.h>

#include "wan/packet.h"
#include "wan/platform.h"

enum qos_limit { QOS_NO_LIMIT = 0, QOS_ALWAYS_LIMIT, QOS_LIMIT_WHEN_CONGESTED };

#define QOS_PRIO_UNCLASSIFIED 1
#define QOS_PRIO_DEFAULT 255

#define QOS_QUEUE_DEFAULT (256 * 1024)

/* Rates (link and limits) are clamped to this: timing stays exact to the
 * nanosecond in 64-bit arithmetic up to about 18 Gb/s, and no Socket WAN
 * link is faster than 10. */
#define QOS_RATE_MAX UINT64_C(10000000000)

struct qos;

struct qos_cfg {
	uint64_t rate_bps;    /* shaped rate; 0: no shaping, packets pass at once */
	uint32_t overhead;    /* bytes each packet weighs on the wire beyond
	                       * p->size (tunnel, UDP, IP headers) */
	uint64_t queue_bytes; /* per priority; 0: QOS_QUEUE_DEFAULT */
	/* A packet released: it goes on (into the tunnel); takes ownership.
	 * It may call qos_enqueue(), qos_set_rate() and qos_set_limit() on
	 * the same shaper, but not qos_free(). */
	void (*out)(void *ctx, struct sb_packet *p);
	void *ctx;
};

struct qos_stats {
	uint64_t enq_pkts, enq_bytes;   /* offered, dropped ones included */
	uint64_t sent_pkts, sent_bytes; /* released to out() */
	uint64_t drop_pkts, drop_bytes; /* tail drops and push-outs */
	sb_time wait_max;               /* longest queueing delay */
};

/* NULL when memory runs out.  Everything the shaper needs is allocated
 * here; queueing and releasing allocate nothing. */
struct qos *qos_new(const struct sb_platform *pf, const struct qos_cfg *cfg);
/* Frees the packets still queued through the platform and cancels the
 * timer.  NULL is a no-op. */
void qos_free(struct qos *q);

/* Set a priority's limit mode and rate.  Returns 0, or -1 for priority 0,
 * an unknown mode, or a limiting mode without a rate. */
int qos_set_limit(struct qos *q, uint8_t prio, enum qos_limit mode,
    uint64_t limit_bps);
/* Change the shaped rate (0: stop shaping); queued packets follow it. */
void qos_set_rate(struct qos *q, uint64_t rate_bps);

/*
 * Queue p at priority prio (0 is taken as 255).  Takes ownership.  Returns
 * 0 when queued or sent, -1 when dropped because that priority's queue is
 * full (p freed, counted).  When nothing is queued and the bucket allows,
 * out() is called before qos_enqueue returns; a packet queued from inside
 * out() goes out after that call returns, not within it.
 *
 * The queues together hold at most queue_bytes / 64 packets (at least
 * 1024, at most 65536), a full queue's worth of small ones.  When those
 * run out, a packet pushes out the oldest packet of the lowest priority
 * below its own that has any, or is dropped if there is none.
 */
int qos_enqueue(struct qos *q, struct sb_packet *p, uint8_t prio);

/* w bytes went on the link without passing the shaper (the tunnel's own
 * probes): they hold the wire all the same, and the queues wait for them. */
void qos_charge(struct qos *q, uint64_t w);

/* The counters of one priority (0 is taken as 255). */
const struct qos_stats *qos_stats(const struct qos *q, uint8_t prio);
/* Bytes waiting in all queues together. */
uint64_t qos_backlog_bytes(const struct qos *q);

#endif
