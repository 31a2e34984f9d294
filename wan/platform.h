/*
 * The platform interface: everything protocol code under wan/ may know about
 * the world.  Time, one-shot timers, putting a datagram on a WAN link, handing
 * a packet to the local LAN, a random stream of the caller's own and a typed
 * event for the recorder.
 *
 * Two implementations exist: the simulator's (sim/platform_sim.c: virtual
 * time, simulated links) and, later, the emulator's (real clock, real
 * sockets).  Code under wan/ includes this header and wan/packet.h and
 * nothing from sim/, models/, emu/, reports/ or pcap/.  That is what makes
 * "we tested the failover code" true rather than "we tested a model of it".
 *
 * It is a runtime table of function pointers, not a link-time substitution,
 * so one binary can hold both platforms and many nodes share a process: each
 * node gets its own struct sb_platform whose ctx is that node.
 */
#ifndef SASEBED_WAN_PLATFORM_H
#define SASEBED_WAN_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

/* Time is int64 nanoseconds everywhere; absolute deadlines, one unit. */
typedef int64_t sb_time;

#define SB_NS ((sb_time)1)
#define SB_US ((sb_time)1000)
#define SB_MS ((sb_time)1000000)
#define SB_S  ((sb_time)1000000000)
#define SB_MIN (60 * SB_S)
#define SB_HOUR (3600 * SB_S)
#define SB_TIME_NEVER INT64_MAX

/* A timer handle; 0 is "no timer".  Cancelling a fired or stale handle is
 * harmless, so callers may keep handles without tracking expiry. */
typedef uint64_t sb_timer;
typedef void (*sb_timer_fn)(void *arg);

struct sb_packet;

/*
 * A typed event for the recorder.  Strings are copied by emit(); they need
 * only live for the call.  kind is a short stable token ("link-down",
 * "tunnel-up", ...) that results queries filter on.
 */
struct sb_event {
	const char *kind;
	const char *node;    /* the node that emits, or NULL */
	const char *subject; /* what it is about: a link, a tunnel, a flow */
	const char *detail;  /* free text for people, or NULL */
	double value;        /* a number that goes with it (a time, a rate) */
};

struct sb_platform_ops {
	sb_time (*now)(void *ctx);
	/* Arm a one-shot timer at an absolute deadline (never in the past). */
	sb_timer (*timer_arm)(void *ctx, sb_time deadline, sb_timer_fn fn,
	    void *arg);
	void (*timer_cancel)(void *ctx, sb_timer t);
	/* Put an underlay datagram on the node's WAN link number `link`;
	 * takes ownership of p.  Returns 0, or a negative code if the link
	 * does not exist (p is then freed). */
	int (*send)(void *ctx, unsigned link, struct sb_packet *p);
	/* Hand a decapsulated packet to the site LAN or PoP; takes ownership. */
	void (*deliver)(void *ctx, struct sb_packet *p);
	/* 64 uniformly random bits from the node's own stream. */
	uint64_t (*rand)(void *ctx);
	void (*emit)(void *ctx, const struct sb_event *ev);
	struct sb_packet *(*packet_new)(void *ctx);
	void (*packet_free)(void *ctx, struct sb_packet *p);
};

struct sb_platform {
	const struct sb_platform_ops *ops;
	void *ctx;
};

static inline sb_time
sb_now(const struct sb_platform *pf)
{
	return pf->ops->now(pf->ctx);
}

/* A timer handle kept in the caller's struct: stop it (if armed) and
 * clear it, or move it to a new deadline.  Stale handles are harmless to
 * cancel, so a handle that already fired needs no tracking. */
static inline void
sb_timer_stop(const struct sb_platform *pf, sb_timer *t)
{
	if (*t != 0)
		pf->ops->timer_cancel(pf->ctx, *t);
	*t = 0;
}

static inline void
sb_timer_set(const struct sb_platform *pf, sb_timer *t, sb_time deadline,
    sb_timer_fn fn, void *arg)
{
	sb_timer_stop(pf, t);
	*t = pf->ops->timer_arm(pf->ctx, deadline, fn, arg);
}

/* A uniform draw in [0, 1) from the platform's stream: its top 53 bits,
 * all a double holds. */
static inline double
sb_rand_unit(const struct sb_platform *pf)
{
	return (double)(pf->ops->rand(pf->ctx) >> 11) * 0x1p-53;
}

/* len bytes from the platform's stream, 8 at a time: for libraries that
 * ask for random bytes (nonces, keys, DH secrets). */
static inline void
sb_rand_fill(const struct sb_platform *pf, void *out, size_t len)
{
	unsigned char *o = out;

	while (len > 0) {
		uint64_t r = pf->ops->rand(pf->ctx);
		size_t n = len < sizeof(r) ? len : sizeof(r);

		for (size_t i = 0; i < n; i++)
			o[i] = (unsigned char)(r >> (8 * i));
		o += n;
		len -= n;
	}
}

/* Signed difference, the one comparison helper: a before b iff < 0. */
static inline sb_time
sb_time_diff(sb_time a, sb_time b)
{
	return a - b;
}

#endif
