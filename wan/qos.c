/*
 * The QoS shaper: one FIFO per priority, a leaky bucket for the link and
 * one per limited priority, and a single platform timer for whichever
 * comes first of "the link is free" and "a limited priority may send".
 *
 * A bucket is a finish time kept exactly, as whole nanoseconds plus a
 * remainder in units of 1/rate ns, so that a packet of B bytes holds the
 * bucket exactly B * 8 / rate seconds and a thousand packets do not drift
 * by a thousand roundings.  The next packet may go at the finish time
 * rounded up, or now if that has passed: there is no burst allowance, the
 * link never runs above its rate even for a moment.
 *
 * Packets are queued in slots taken from an array made in qos_new(): a
 * slot holds the packet and the time it arrived (for the queueing delay),
 * which struct sb_packet has no field of ours for.  A bitmap of the
 * non-empty priorities makes the strict-priority pick a scan of set bits.
 *
 * Invariants: a priority's bit is set iff its queue is non-empty; at most
 * one timer is armed, at timer_at; run() is never active twice, so out()
 * may queue more (it lands in the queues and the loop already running
 * picks it up).
 */
#include <stdlib.h>
#include <string.h>

#include "wan/qos.h"

#define NPRIO 256
#define NIL UINT32_MAX
#define SLOT_BYTES 64 /* queue_bytes per slot: a small packet */
#define SLOTS_MIN 1024
#define SLOTS_MAX 65536
#define CLAMP(bps) ((bps) > QOS_RATE_MAX ? QOS_RATE_MAX : (bps))

/* Finish time t + f / rate ns, 0 <= f < rate. */
struct bucket {
	sb_time t;
	uint64_t f;
};

struct slot {
	struct sb_packet *p;
	sb_time at;
	uint32_t next;
};

struct cls {
	uint32_t head, tail;
	uint64_t bytes;
	enum qos_limit mode;
	uint64_t limit;
	struct bucket b;
	struct qos_stats st;
};

struct qos {
	const struct sb_platform *pf;
	struct qos_cfg cfg;
	struct bucket link;
	struct cls c[NPRIO];
	uint64_t busy[NPRIO / 64];
	unsigned nbusy;
	uint64_t backlog;
	struct slot *slot;
	uint32_t nslot, free;
	sb_timer timer;
	sb_time timer_at;
	int running;
};

static uint64_t
weight(const struct qos *q, const struct sb_packet *p)
{
	return (uint64_t)p->size + q->cfg.overhead;
}

/* When the bucket lets the next packet go: its finish rounded up. */
static sb_time
bucket_ready(const struct bucket *b)
{
	return b->t + (b->f != 0);
}

/* Before a change of rate: the remainder is in units of the old one. */
static void
bucket_round(struct bucket *b)
{
	b->t = bucket_ready(b);
	b->f = 0;
}

/* Add w bytes at bps.  A bucket that has drained (or is told to forget)
 * starts again from now; one that has not carries its remainder on,
 * which keeps rates exact. */
static void
bucket_charge(struct bucket *b, sb_time now, uint64_t w, uint64_t bps,
    int restart)
{
	uint64_t bits = w * 8, x;

	if (restart || sb_time_diff(bucket_ready(b), now) < 0) {
		b->t = now;
		b->f = 0;
	}
	/* bits % bps and f are below bps <= QOS_RATE_MAX: no overflow */
	x = bits % bps * (uint64_t)SB_S + b->f;
	b->t += (sb_time)(bits / bps) * SB_S + (sb_time)(x / bps);
	b->f = x % bps;
}

static void run(struct qos *q);

static void
fire(void *arg)
{
	struct qos *q = arg;

	q->timer = 0;
	q->timer_at = SB_TIME_NEVER;
	run(q);
}

/* The one timer: kept when it is already right, moved otherwise. */
static void
set_timer(struct qos *q, sb_time at)
{
	if (q->timer != 0 && q->timer_at == at)
		return;
	sb_timer_stop(q->pf, &q->timer);
	q->timer_at = SB_TIME_NEVER;
	if (at == SB_TIME_NEVER)
		return;
	q->timer = q->pf->ops->timer_arm(q->pf->ctx, at, fire, q);
	q->timer_at = at;
}

/* Take the head packet of a priority off its queue. */
static struct sb_packet *
pop(struct qos *q, unsigned prio, sb_time *at)
{
	struct cls *c = &q->c[prio];
	uint32_t i = c->head;
	struct sb_packet *p = q->slot[i].p;

	*at = q->slot[i].at;
	c->head = q->slot[i].next;
	q->slot[i].p = NULL;
	q->slot[i].next = q->free;
	q->free = i;
	c->bytes -= weight(q, p);
	q->backlog -= weight(q, p);
	if (c->head == NIL) {
		c->tail = NIL;
		q->busy[prio / 64] &= ~(UINT64_C(1) << prio % 64);
		q->nbusy--;
	}
	return p;
}

static void
drop(struct qos *q, struct cls *c, struct sb_packet *p)
{
	c->st.drop_pkts++;
	c->st.drop_bytes += weight(q, p);
	q->pf->ops->packet_free(q->pf->ctx, p);
}

/*
 * Is the link congested, as c sees it: does another priority have packets
 * that could go now?  One held back by its own "always" limit does not
 * count: it leaves the link idle, and a priority limited only when
 * congested may then use it.
 */
static int
congested(const struct qos *q, const struct cls *c, sb_time now)
{
	for (unsigned w = 0; w < NPRIO / 64; w++)
		for (uint64_t bits = q->busy[w]; bits != 0; bits &= bits - 1) {
			const struct cls *d = &q->c[w * 64 +
			    (unsigned)__builtin_ctzll(bits)];

			if (d != c && (d->mode != QOS_ALWAYS_LIMIT ||
			    sb_time_diff(bucket_ready(&d->b), now) <= 0))
				return 1;
		}
	return 0;
}

/* When a busy priority may send, by its own limit alone. */
static sb_time
cls_ready(const struct qos *q, const struct cls *c, sb_time now)
{
	if (c->mode == QOS_ALWAYS_LIMIT ||
	    (c->mode == QOS_LIMIT_WHEN_CONGESTED && congested(q, c, now)))
		return bucket_ready(&c->b);
	return now;
}

/* The highest busy priority that may send now, or -1 and in *wake the
 * earliest time one of them may. */
static int
pick(const struct qos *q, sb_time now, sb_time *wake)
{
	for (unsigned w = 0; w < NPRIO / 64; w++) {
		for (uint64_t bits = q->busy[w]; bits != 0; bits &= bits - 1) {
			unsigned prio = w * 64 + (unsigned)__builtin_ctzll(bits);
			sb_time r = cls_ready(q, &q->c[prio], now);

			if (sb_time_diff(r, now) <= 0)
				return (int)prio;
			if (sb_time_diff(r, *wake) < 0)
				*wake = r;
		}
	}
	return -1;
}

static void
release(struct qos *q, unsigned prio, sb_time now)
{
	struct cls *c = &q->c[prio];
	/* limited only when congested, and alone now: the cap runs afresh */
	int restart = c->mode == QOS_LIMIT_WHEN_CONGESTED &&
	    !congested(q, c, now);
	struct sb_packet *p;
	sb_time at;
	uint64_t w;

	p = pop(q, prio, &at);
	w = weight(q, p);
	if (q->cfg.rate_bps != 0)
		bucket_charge(&q->link, now, w, q->cfg.rate_bps, 0);
	/* Limited only when congested, alone it owes nothing for what it
	 * sent at link rate: the cap runs from this packet on.  Otherwise a
	 * priority that was idle starts again from the packet's arrival, not
	 * from now: the time it then waited for the wire (behind another
	 * priority's packet) is not lost from its rate. */
	if (c->mode != QOS_NO_LIMIT)
		bucket_charge(&c->b, restart ? now : at, w, c->limit,
		    restart);
	c->st.sent_pkts++;
	c->st.sent_bytes += w;
	if (sb_time_diff(now, at) > c->st.wait_max)
		c->st.wait_max = sb_time_diff(now, at);
	q->cfg.out(q->cfg.ctx, p);
}

/* Release everything that may go now, then arm for what may go next. */
static void
run(struct qos *q)
{
	sb_time wake = SB_TIME_NEVER;

	if (q->running)
		return;
	q->running = 1;
	while (q->nbusy > 0) {
		sb_time now = sb_now(q->pf);
		int prio;

		if (q->cfg.rate_bps != 0 &&
		    sb_time_diff(bucket_ready(&q->link), now) > 0) {
			wake = bucket_ready(&q->link);
			break;
		}
		if ((prio = pick(q, now, &wake)) < 0)
			break;
		release(q, (unsigned)prio, now);
		wake = SB_TIME_NEVER;
	}
	set_timer(q, wake);
	q->running = 0;
}

/* A free slot for a packet at prio, pushing out the oldest packet of
 * the lowest priority below it when there is none; NIL if none can be. */
static uint32_t
take_slot(struct qos *q, unsigned prio)
{
	uint32_t i;

	if (q->free == NIL) {
		for (int w = NPRIO / 64 - 1; w >= 0; w--) {
			unsigned lo;
			sb_time at;

			if (q->busy[w] == 0)
				continue;
			lo = (unsigned)w * 64 + 63 -
			    (unsigned)__builtin_clzll(q->busy[w]);
			if (lo <= prio)
				return NIL;
			drop(q, &q->c[lo], pop(q, lo, &at));
			break;
		}
	}
	if ((i = q->free) != NIL)
		q->free = q->slot[i].next;
	return i;
}

void
qos_charge(struct qos *q, uint64_t w)
{
	/* the armed timer, if any, may now fire early: run() re-arms */
	if (q->cfg.rate_bps != 0)
		bucket_charge(&q->link, sb_now(q->pf), w, q->cfg.rate_bps, 0);
}

int
qos_enqueue(struct qos *q, struct sb_packet *p, uint8_t prio)
{
	struct cls *c;
	uint64_t w = weight(q, p);
	uint32_t i;

	if (prio == 0)
		prio = QOS_PRIO_DEFAULT;
	c = &q->c[prio];
	c->st.enq_pkts++;
	c->st.enq_bytes += w;
	/* An empty queue takes any packet, so that a queue limit smaller
	 * than a packet slows a priority down rather than shutting it off. */
	if ((c->bytes != 0 && c->bytes + w > q->cfg.queue_bytes) ||
	    (i = take_slot(q, prio)) == NIL) {
		drop(q, c, p);
		return -1;
	}
	q->slot[i].p = p;
	q->slot[i].at = sb_now(q->pf);
	q->slot[i].next = NIL;
	if (c->tail == NIL) {
		c->head = i;
		q->busy[prio / 64] |= UINT64_C(1) << prio % 64;
		q->nbusy++;
	} else
		q->slot[c->tail].next = i;
	c->tail = i;
	c->bytes += w;
	q->backlog += w;
	run(q);
	return 0;
}

int
qos_set_limit(struct qos *q, uint8_t prio, enum qos_limit mode,
    uint64_t limit_bps)
{
	struct cls *c = &q->c[prio];

	if (prio == 0 || (mode != QOS_NO_LIMIT && mode != QOS_ALWAYS_LIMIT &&
	    mode != QOS_LIMIT_WHEN_CONGESTED) ||
	    (mode != QOS_NO_LIMIT && limit_bps == 0))
		return -1;
	bucket_round(&c->b);
	c->mode = mode;
	c->limit = mode == QOS_NO_LIMIT ? 0 : CLAMP(limit_bps);
	run(q);
	return 0;
}

void
qos_set_rate(struct qos *q, uint64_t rate_bps)
{
	bucket_round(&q->link);
	q->cfg.rate_bps = CLAMP(rate_bps);
	run(q);
}

const struct qos_stats *
qos_stats(const struct qos *q, uint8_t prio)
{
	return &q->c[prio == 0 ? QOS_PRIO_DEFAULT : prio].st;
}

uint64_t
qos_backlog_bytes(const struct qos *q)
{
	return q->backlog;
}

struct qos *
qos_new(const struct sb_platform *pf, const struct qos_cfg *cfg)
{
	struct qos *q;
	uint64_t n;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->pf = pf;
	q->cfg = *cfg;
	q->cfg.rate_bps = CLAMP(cfg->rate_bps);
	if (q->cfg.queue_bytes == 0)
		q->cfg.queue_bytes = QOS_QUEUE_DEFAULT;
	n = q->cfg.queue_bytes / SLOT_BYTES;
	n = n < SLOTS_MIN ? SLOTS_MIN : n > SLOTS_MAX ? SLOTS_MAX : n;
	if ((q->slot = calloc(n, sizeof(*q->slot))) == NULL) {
		free(q);
		return NULL;
	}
	q->nslot = (uint32_t)n;
	for (uint32_t i = 0; i < q->nslot; i++)
		q->slot[i].next = i + 1 < q->nslot ? i + 1 : NIL;
	q->free = 0;
	for (unsigned i = 0; i < NPRIO; i++)
		q->c[i].head = q->c[i].tail = NIL;
	q->link.t = sb_now(pf);
	q->timer_at = SB_TIME_NEVER;
	return q;
}

void
qos_free(struct qos *q)
{
	if (q == NULL)
		return;
	set_timer(q, SB_TIME_NEVER);
	for (uint32_t i = 0; i < q->nslot; i++)
		if (q->slot[i].p != NULL)
			q->pf->ops->packet_free(q->pf->ctx, q->slot[i].p);
	free(q->slot);
	free(q);
}
