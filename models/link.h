/*
 * A link: one direction of a wire between two nodes.  A duplex link is two.
 *
 * A packet sent on a link waits in a drop-tail FIFO with a byte limit, is
 * serialised at the link's bandwidth, may be lost (the loss model), and
 * arrives after the propagation delay plus jitter.  Delay, jitter and loss
 * follow an optional diurnal profile of the local hour at the link's ends.
 * A link that is down drops what is sent on it and what was in flight.
 *
 * The queue is kept implicitly: a FIFO at constant bandwidth is fully
 * described by the time its transmitter becomes free, so a packet's departure
 * time is known when it is enqueued and the backlog in bytes is
 * (busy_until - now) x bandwidth.  One kernel event per packet per link.
 * Priority classes (QoS) will need the queue made explicit; that change
 * stays inside this file.
 */
#ifndef SASEBED_MODELS_LINK_H
#define SASEBED_MODELS_LINK_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "models/jitter.h"
#include "models/loss.h"
#include "models/profile.h"
#include "sim/kernel.h"
#include "wan/packet.h"

struct link_spec {
	/* what every packet reads first, together (see link.c) */
	uint64_t bandwidth_bps;   /* 0: infinite (no serialisation) */
	uint64_t queue_bytes;     /* drop-tail limit; 0: unlimited */
	sb_time delay;            /* propagation */
	const struct profile *profile; /* NULL: none; not owned */
	int reorder;              /* jitter may reorder packets */
	struct jitter_spec jitter;
	struct loss_spec loss;
	int tz_a_min, tz_b_min;   /* UTC offsets of the two ends (profile) */
	int64_t clock0_utc_s;     /* UTC seconds at virtual time 0 (profile) */
};

enum link_drop {
	LINK_DROP_QUEUE = 0, /* queue full */
	LINK_DROP_LOSS,      /* the loss model */
	LINK_DROP_DOWN,      /* the link was or went down */
	LINK_DROP__COUNT
};

struct link_stats {
	uint64_t sent;         /* put on the wire (not lost, not queue-dropped) */
	uint64_t packets;      /* delivered at the far end */
	uint64_t bytes;
	uint64_t drops[LINK_DROP__COUNT];
	sb_time delay_sum;     /* sum over sent of propagation + jitter */
	sb_time busy;          /* time spent serialising (utilisation) */
	uint64_t queue_max;    /* largest backlog seen, bytes */
};

struct link;

typedef void (*link_recv_fn)(void *ctx, struct link *l, struct sb_packet *p);
typedef void (*link_drop_fn)(void *ctx, struct link *l, struct sb_packet *p,
    enum link_drop why);

/* A new link, up.  The spec is copied (the jitter table and loss trace
 * too); rng is the link's own stream and is not owned.  NULL on ENOMEM or a
 * spec the loss model rejects. */
struct link *link_new(struct kernel *k, const char *name,
    const struct link_spec *spec, gsl_rng *rng);
void link_free(struct link *l);

const char *link_name(const struct link *l);
const struct link_spec *link_spec(const struct link *l);

/*
 * Ahead of a packet's arrival at time t (sim/kernel.h, prefetch hooks):
 * the receiver's hook, with pctx as set and ctx the receiver's (as given
 * to link_set_handlers()), so that it can fetch what its recv will read.
 * The link and the packet are in the cache from stage 1.
 */
typedef void (*link_prefetch_fn)(void *pctx, void *ctx,
    struct sb_packet *p, sb_time t, int stage);
void link_set_prefetch(struct link *l, link_prefetch_fn pf, void *pctx);
/* Fetch what link_send() reads of l past its first two lines (which
 * must be in the cache), one level of pointers a stage: at 0 its other
 * lines, its background, loss model and random stream; at 1 the
 * stream's state and the background's stream; at 2 that one's state. */
void link_prefetch_send(const struct link *l, int stage);
/* Where arriving and dropped packets go.  Both callbacks take ownership. */
void link_set_handlers(struct link *l, link_recv_fn recv, link_drop_fn drop,
    void *ctx);

/* Send a packet; takes ownership: it arrives at recv() or goes to drop(). */
void link_send(struct link *l, struct sb_packet *p);

/* Up/down.  Going down drops what is queued and in flight (at the instant it
 * would have arrived), so no packet crosses a link that was down. */
void link_set_up(struct link *l, int up);
int link_is_up(const struct link *l);

/* Timeline changes: the new value takes effect for packets sent from now. */
void link_set_delay(struct link *l, sb_time delay);
int link_set_jitter(struct link *l, const struct jitter_spec *j);
int link_set_loss(struct link *l, const struct loss_spec *s);
void link_set_bandwidth(struct link *l, uint64_t bps);

/* Background load (models/fluid.h) sharing the link's FIFO, or NULL; not
 * owned.  Its share of the time counts in the stats' busy. */
struct fluid;
void link_set_background(struct link *l, struct fluid *bg);

/* Bytes waiting or being serialised now (with a background: as the last
 * packet found them, drained since). */
uint64_t link_backlog(const struct link *l);

/* The profile's factors now (1, 1, 1 without a profile). */
struct profile_factors link_factors(struct link *l);

/* Copy the counters out and, if reset, start a new interval. */
void link_stats_take(struct link *l, struct link_stats *out, int reset);

#endif
