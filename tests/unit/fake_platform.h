/*
 * A fake platform for unit tests of code under wan/: the whole of struct
 * sb_platform_ops with no simulator behind it, so a test drives the code
 * by hand and looks at everything it did.
 *
 * - Time stands still until the test moves it: fake_advance(f, to) fires
 *   every timer due by `to`, in deadline order and, for equal deadlines,
 *   in the order they were armed, with the clock set to each deadline as
 *   it fires; timers armed by a callback fire in the same call if due.
 * - Timers live in a fixed array of FAKE_TIMERS; cancelling a fired,
 *   cancelled or unknown handle is harmless, as the interface promises.
 *   Arming in the past, or more than FAKE_TIMERS at once, aborts: both
 *   are bugs in the code under test.
 * - send() and deliver() hand the packet to the test's hook when one is
 *   set (it takes ownership); otherwise they record it (time, link and the
 *   packet's fields) in sent[] or delivered[] and free it, or, with
 *   f->keep set, keep it in the record for the test to read its bytes
 *   until fake_clear() or fake_free().  The first FAKE_LOG are recorded;
 *   nsent and ndelivered count them all.  send() on a link at or above
 *   f->nlinks returns -1 and frees the packet.
 * - rand() is xorshift64* from the seed given to fake_new().
 * - emit() copies each event into events[] with the time it came.
 * - packet_new() and packet_free() work a fixed pool of FAKE_PACKETS
 *   packets, each with an SB_PACKET_BUF-byte buffer; packet_new() returns
 *   NULL when it is empty; freeing a packet twice, or one not from the
 *   pool, aborts; fake_outstanding() counts packets handed out and not
 *   returned, for leak checks (kept records count as outstanding).
 *
 * What it is not: a network.  Nothing sent arrives anywhere unless the
 * test's hook takes it there.
 *
 * Header-only, every function static inline, so any number of test files
 * may include it; each struct fake is independent (no globals).
 */
#ifndef SASEBED_TESTS_FAKE_PLATFORM_H
#define SASEBED_TESTS_FAKE_PLATFORM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wan/packet.h"
#include "wan/platform.h"

#define FAKE_TIMERS 256
#define FAKE_PACKETS 4096
#define FAKE_LOG 16384
#define FAKE_EVENTS 1024
#define FAKE_LINKS 8
#define FAKE_STR 96

/* A packet that went out through send() or deliver(). */
struct fake_pkt {
	sb_time at;
	unsigned link;           /* send(): the link; deliver(): 0 */
	uint32_t size, len, flow;
	uint64_t seq;
	struct sb_packet *p;     /* with f->keep: the packet; else NULL */
};

struct fake_event {
	sb_time at;
	char kind[FAKE_STR], node[FAKE_STR], subject[FAKE_STR];
	char detail[FAKE_STR];   /* "" when the event had none */
	double value;
};

struct fake_timer {
	sb_timer id;             /* 0: slot free */
	sb_time at;
	sb_timer_fn fn;
	void *arg;
};

struct fake {
	struct sb_platform_ops ops;
	struct sb_platform pf;
	sb_time now;
	uint64_t rng;

	struct fake_timer timers[FAKE_TIMERS];
	sb_timer last_id;        /* handles grow, never reused */
	uint64_t fired;

	unsigned nlinks;         /* links send() accepts; FAKE_LINKS */
	int keep;                /* records keep their packets */
	/* Optional hooks: set, they take the packet instead of a record. */
	int (*on_send)(void *arg, unsigned link, struct sb_packet *p);
	void (*on_deliver)(void *arg, struct sb_packet *p);
	void *hook_arg;

	struct fake_pkt sent[FAKE_LOG], delivered[FAKE_LOG];
	size_t nsent, ndelivered;
	struct fake_event events[FAKE_EVENTS];
	size_t nevents;

	struct sb_packet pkts[FAKE_PACKETS];
	uint8_t in_use[FAKE_PACKETS];
	uint8_t *bufs;
	struct sb_packet *free_list;
	size_t outstanding;
};

static inline void
fake_die(const char *why)
{
	fprintf(stderr, "fake platform: %s\n", why);
	abort();
}

static inline sb_time
fake_op_now(void *ctx)
{
	return ((struct fake *)ctx)->now;
}

static inline sb_timer
fake_op_timer_arm(void *ctx, sb_time deadline, sb_timer_fn fn, void *arg)
{
	struct fake *f = ctx;

	if (deadline < f->now)
		fake_die("timer armed in the past");
	for (int i = 0; i < FAKE_TIMERS; i++) {
		struct fake_timer *t = &f->timers[i];

		if (t->id == 0) {
			t->id = ++f->last_id;
			t->at = deadline;
			t->fn = fn;
			t->arg = arg;
			return t->id;
		}
	}
	fake_die("too many timers");
	return 0;
}

static inline void
fake_op_timer_cancel(void *ctx, sb_timer h)
{
	struct fake *f = ctx;

	for (int i = 0; h != 0 && i < FAKE_TIMERS; i++)
		if (f->timers[i].id == h)
			f->timers[i].id = 0;
}

static inline void
fake_op_packet_free(void *ctx, struct sb_packet *p)
{
	struct fake *f = ctx;
	uintptr_t off = (uintptr_t)p - (uintptr_t)f->pkts;
	size_t i = off / sizeof(*p);

	if (off % sizeof(*p) != 0 || i >= FAKE_PACKETS)
		fake_die("freeing a packet not from the pool");
	if (!f->in_use[i])
		fake_die("packet freed twice");
	f->in_use[i] = 0;
	p->next = f->free_list;
	f->free_list = p;
	f->outstanding--;
}

static inline struct sb_packet *
fake_op_packet_new(void *ctx)
{
	struct fake *f = ctx;
	struct sb_packet *p = f->free_list;
	ptrdiff_t i;

	if (p == NULL)
		return NULL;
	f->free_list = p->next;
	i = p - f->pkts;
	memset(p, 0, sizeof(*p));
	p->flow = SB_FLOW_NONE;
	p->data = f->bufs + (size_t)i * SB_PACKET_BUF;
	p->cap = SB_PACKET_BUF;
	f->in_use[i] = 1;
	f->outstanding++;
	return p;
}

static inline void
fake_record(struct fake *f, struct fake_pkt *log, size_t *n, unsigned link,
    struct sb_packet *p)
{
	if (*n < FAKE_LOG) {
		struct fake_pkt *r = &log[*n];

		r->at = f->now;
		r->link = link;
		r->size = p->size;
		r->len = p->len;
		r->flow = p->flow;
		r->seq = p->seq;
		r->p = f->keep ? p : NULL;
		if (f->keep)
			p = NULL;
	}
	(*n)++;
	if (p != NULL)
		fake_op_packet_free(f, p);
}

static inline int
fake_op_send(void *ctx, unsigned link, struct sb_packet *p)
{
	struct fake *f = ctx;

	if (link >= f->nlinks) {
		fake_op_packet_free(f, p);
		return -1;
	}
	if (f->on_send != NULL)
		return f->on_send(f->hook_arg, link, p);
	fake_record(f, f->sent, &f->nsent, link, p);
	return 0;
}

static inline void
fake_op_deliver(void *ctx, struct sb_packet *p)
{
	struct fake *f = ctx;

	if (f->on_deliver != NULL)
		f->on_deliver(f->hook_arg, p);
	else
		fake_record(f, f->delivered, &f->ndelivered, 0, p);
}

static inline uint64_t
fake_op_rand(void *ctx)
{
	struct fake *f = ctx;
	uint64_t x = f->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	f->rng = x;
	return x * UINT64_C(2685821657736338717);
}

static inline void
fake_copy(char *dst, const char *src)
{
	snprintf(dst, FAKE_STR, "%s", src != NULL ? src : "");
}

static inline void
fake_op_emit(void *ctx, const struct sb_event *ev)
{
	struct fake *f = ctx;
	struct fake_event *e;

	if (f->nevents >= FAKE_EVENTS)
		fake_die("too many events");
	e = &f->events[f->nevents++];
	e->at = f->now;
	fake_copy(e->kind, ev->kind);
	fake_copy(e->node, ev->node);
	fake_copy(e->subject, ev->subject);
	fake_copy(e->detail, ev->detail);
	e->value = ev->value;
}

/* A fake at time 0 whose rand() stream is seeded with seed; aborts when
 * memory runs out (it is a test). */
static inline struct fake *
fake_new(uint64_t seed)
{
	struct fake *f = calloc(1, sizeof(*f));

	if (f == NULL ||
	    (f->bufs = calloc(FAKE_PACKETS, SB_PACKET_BUF)) == NULL)
		fake_die("out of memory");
	f->ops.now = fake_op_now;
	f->ops.timer_arm = fake_op_timer_arm;
	f->ops.timer_cancel = fake_op_timer_cancel;
	f->ops.send = fake_op_send;
	f->ops.deliver = fake_op_deliver;
	f->ops.rand = fake_op_rand;
	f->ops.emit = fake_op_emit;
	f->ops.packet_new = fake_op_packet_new;
	f->ops.packet_free = fake_op_packet_free;
	f->pf.ops = &f->ops;
	f->pf.ctx = f;
	/* xorshift must not start at 0; any seed maps to a non-zero state */
	f->rng = seed ^ UINT64_C(0x9e3779b97f4a7c15);
	if (f->rng == 0)
		f->rng = 1;
	f->nlinks = FAKE_LINKS;
	for (int i = FAKE_PACKETS - 1; i >= 0; i--) {
		f->pkts[i].next = f->free_list;
		f->free_list = &f->pkts[i];
	}
	return f;
}

/* The platform to hand to the code under test; lives as long as f. */
static inline const struct sb_platform *
fake_platform(struct fake *f)
{
	return &f->pf;
}

/* Return the packets kept in records to the pool and forget the records
 * and events. */
static inline void
fake_clear(struct fake *f)
{
	for (size_t i = 0; i < f->nsent && i < FAKE_LOG; i++)
		if (f->sent[i].p != NULL)
			fake_op_packet_free(f, f->sent[i].p);
	for (size_t i = 0; i < f->ndelivered && i < FAKE_LOG; i++)
		if (f->delivered[i].p != NULL)
			fake_op_packet_free(f, f->delivered[i].p);
	f->nsent = f->ndelivered = f->nevents = 0;
}

/* Frees the fake, its pool and its records; packets still outstanding
 * become invalid (check fake_outstanding() first). */
static inline void
fake_free(struct fake *f)
{
	if (f == NULL)
		return;
	free(f->bufs);
	free(f);
}

static inline sb_time
fake_now(const struct fake *f)
{
	return f->now;
}

/* The earliest armed deadline, or SB_TIME_NEVER; *slot (unless NULL)
 * gets its index, or -1 when nothing is armed. */
static inline sb_time
fake_next(const struct fake *f, int *slot)
{
	sb_time best = SB_TIME_NEVER;
	sb_timer best_id = 0;

	if (slot != NULL)
		*slot = -1;

	for (int i = 0; i < FAKE_TIMERS; i++) {
		const struct fake_timer *t = &f->timers[i];

		if (t->id == 0)
			continue;
		/* ids grow with arming, so the lower id was armed first */
		if (best_id == 0 || t->at < best ||
		    (t->at == best && t->id < best_id)) {
			best = t->at;
			best_id = t->id;
			if (slot != NULL)
				*slot = i;
		}
	}
	return best;
}

/* Move the clock to `to` (not backwards), firing every timer due by then
 * in order; returns how many fired. */
static inline unsigned
fake_advance(struct fake *f, sb_time to)
{
	unsigned n = 0;
	int i;

	if (to < f->now)
		fake_die("clock moved backwards");
	while (fake_next(f, &i) <= to && i >= 0) {
		struct fake_timer t = f->timers[i];

		f->timers[i].id = 0;	/* fired: its handle is now stale */
		f->now = t.at;
		f->fired++;
		n++;
		t.fn(t.arg);
	}
	f->now = to;
	return n;
}

/* Fire timers until none is left or the next is past `limit`; the clock
 * ends at the last one fired (or stays).  Returns how many fired. */
static inline unsigned
fake_run(struct fake *f, sb_time limit)
{
	sb_time at;
	unsigned n = 0;

	while ((at = fake_next(f, NULL)) != SB_TIME_NEVER && at <= limit)
		n += fake_advance(f, at);
	return n;
}

static inline unsigned
fake_timers_armed(const struct fake *f)
{
	unsigned n = 0;

	for (int i = 0; i < FAKE_TIMERS; i++)
		n += f->timers[i].id != 0;
	return n;
}

static inline size_t
fake_outstanding(const struct fake *f)
{
	return f->outstanding;
}

/* Events of this kind (and subject, unless NULL) recorded so far. */
static inline size_t
fake_event_count(const struct fake *f, const char *kind, const char *subject)
{
	size_t n = 0;

	for (size_t i = 0; i < f->nevents; i++)
		n += strcmp(f->events[i].kind, kind) == 0 &&
		    (subject == NULL ||
		    strcmp(f->events[i].subject, subject) == 0);
	return n;
}

/* The last recorded event of this kind, or NULL. */
static inline const struct fake_event *
fake_event_last(const struct fake *f, const char *kind)
{
	for (size_t i = f->nevents; i-- > 0;)
		if (strcmp(f->events[i].kind, kind) == 0)
			return &f->events[i];
	return NULL;
}

#endif
