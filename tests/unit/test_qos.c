/*
 * The QoS shaper on the fake platform, its clock moved by hand.
 *
 * Figures checked:
 * - Without shaping every packet is out before qos_enqueue() returns.
 * - 1250-byte packets at 10 Mb/s hold the link 10000 bits / 10^7 b/s =
 *   1 ms each: a thousand queued at once leave exactly 1 ms apart, the
 *   last at 999 ms.  1000-byte packets at 3 Mb/s take 8/3 ms, which no
 *   nanosecond count holds: the k-th leaves at ceil(k * 8e6 / 3) ns, so
 *   three thousand of them drift by nothing.
 * - Overhead weighs: 1200 bytes plus 50 of headers is again 1 ms.
 * - Strict priority: voice (200 bytes every 20 ms) against bulk offered
 *   at 12.5 Mb/s on a 10 Mb/s link loses nothing and waits at most one
 *   bulk packet's 1 ms; bulk gets the other 9.92 Mb/s, within 1%.
 * - Priority 1 goes ahead of everything; 0 is taken as 255.
 * - "Always limit" at 2 Mb/s: 1250-byte packets leave 5 ms apart, with
 *   other traffic and alone on an idle link; 250 packets of 1000 bytes a
 *   second when each waits for the wire behind 1500-byte bulk.
 * - "Limit when congested" at 2 Mb/s: 5 ms apart while bulk waits, 1 ms
 *   (the link's pace) alone; next to a priority held back only by its
 *   own "always" cap the link is not congested: 8 of 10 Mb/s, not its
 *   1 Mb/s limit.
 * - Tail drop per priority; push-out when the slots run out; the counters
 *   add up (offered = sent + dropped + queued); nothing leaks and no
 *   timer is left after qos_free().
 * - out() queueing more: no recursion, order kept.
 */
#include <check.h>
#include <string.h>

#include "wan/qos.h"
#include "tests/unit/check_main.h"
#include "tests/unit/fake_platform.h"

#define MBPS UINT64_C(1000000)
#define NFLOW 8

struct env {
	struct fake *f;
	const struct sb_platform *pf;
	struct qos *q;
	int count_only;            /* out() counts and frees, records nothing */
	int depth, max_depth;      /* out() nesting */
	int refill;                /* out() queues this many more */
	uint8_t refill_prio;
	uint64_t flow_pkts[NFLOW], flow_bytes[NFLOW];
	sb_time flow_last[NFLOW];
};

static struct sb_packet *
pkt(struct env *e, uint32_t size, uint32_t flow, uint64_t seq)
{
	struct sb_packet *p = e->pf->ops->packet_new(e->pf->ctx);

	ck_assert_ptr_nonnull(p);
	p->size = size;
	p->flow = flow;
	p->seq = seq;
	return p;
}

static void
out(void *ctx, struct sb_packet *p)
{
	struct env *e = ctx;

	if (++e->depth > e->max_depth)
		e->max_depth = e->depth;
	ck_assert_uint_lt(p->flow, NFLOW);
	e->flow_pkts[p->flow]++;
	e->flow_bytes[p->flow] += p->size;
	e->flow_last[p->flow] = fake_now(e->f);
	if (e->refill > 0) {
		e->refill--;
		ck_assert_int_eq(qos_enqueue(e->q, pkt(e, 100, 7, p->seq + 1),
		    e->refill_prio), 0);
	}
	if (e->count_only)
		e->pf->ops->packet_free(e->pf->ctx, p);
	else
		ck_assert_int_eq(e->pf->ops->send(e->pf->ctx, 0, p), 0);
	e->depth--;
}

static struct env *
env_new(uint64_t rate, uint32_t overhead, uint64_t queue_bytes)
{
	struct env *e = calloc(1, sizeof(*e));
	struct qos_cfg cfg = {
		.rate_bps = rate,
		.overhead = overhead,
		.queue_bytes = queue_bytes,
		.out = out,
	};

	ck_assert_ptr_nonnull(e);
	e->f = fake_new(1);
	e->pf = fake_platform(e->f);
	cfg.ctx = e;
	e->q = qos_new(e->pf, &cfg);
	ck_assert_ptr_nonnull(e->q);
	return e;
}

/* Free the shaper and check it gave every packet back and left no
 * timer behind. */
static void
env_free(struct env *e)
{
	fake_clear(e->f);
	qos_free(e->q);
	ck_assert_uint_eq(fake_outstanding(e->f), 0);
	ck_assert_uint_eq(fake_timers_armed(e->f), 0);
	fake_free(e->f);
	free(e);
}

/* Run the clock to `until` one timer at a time, checking the shaper
 * never has more than one armed. */
static void
run_until(struct env *e, sb_time until)
{
	sb_time at;

	while ((at = fake_next(e->f, NULL)) <= until) {
		ck_assert_uint_le(fake_timers_armed(e->f), 1);
		fake_advance(e->f, at);
	}
	fake_advance(e->f, until);
}

/* offered = sent + dropped + still queued, for every priority */
static void
check_books(struct env *e)
{
	uint64_t queued = 0;

	for (int prio = 1; prio < 256; prio++) {
		const struct qos_stats *st = qos_stats(e->q, (uint8_t)prio);

		ck_assert_uint_ge(st->enq_pkts, st->sent_pkts + st->drop_pkts);
		queued += st->enq_bytes - st->sent_bytes - st->drop_bytes;
	}
	ck_assert_uint_eq(queued, qos_backlog_bytes(e->q));
}

START_TEST(test_no_shaping)
{
	struct env *e = env_new(0, 28, 0);

	for (int i = 0; i < 500; i++) {
		ck_assert_int_eq(qos_enqueue(e->q, pkt(e, 1400, 0, (uint64_t)i),
		    (uint8_t)(i % 256)), 0);
		/* out before qos_enqueue returned, the clock never moved */
		ck_assert_uint_eq(e->f->nsent, (size_t)i + 1);
		ck_assert_uint_eq(e->f->sent[i].seq, (uint64_t)i);
		ck_assert_int_eq(e->f->sent[i].at, 0);
	}
	ck_assert_uint_eq(qos_backlog_bytes(e->q), 0);
	ck_assert_uint_eq(fake_timers_armed(e->f), 0);
	ck_assert_uint_eq(fake_outstanding(e->f), 0);
	/* 2 of the 500 went at priority 0, taken as 255 */
	ck_assert_uint_eq(qos_stats(e->q, 255)->sent_pkts, 2 + 1);
	ck_assert_uint_eq(qos_stats(e->q, 255)->sent_bytes, 3 * 1428);
	ck_assert_ptr_eq(qos_stats(e->q, 0), qos_stats(e->q, 255));
	ck_assert_int_eq(qos_stats(e->q, 10)->wait_max, 0);
	check_books(e);
	env_free(e);
}
END_TEST

START_TEST(test_rate_exact)
{
	struct env *e = env_new(10 * MBPS, 0, 2000000);

	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(qos_enqueue(e->q, pkt(e, 1250, 0,
		    (uint64_t)i), 255), 0);
	/* the first found an idle link */
	ck_assert_uint_eq(e->f->nsent, 1);
	ck_assert_uint_eq(qos_backlog_bytes(e->q), 999 * 1250);
	run_until(e, 2 * SB_S);
	ck_assert_uint_eq(e->f->nsent, 1000);
	for (int i = 0; i < 1000; i++) {
		ck_assert_uint_eq(e->f->sent[i].seq, (uint64_t)i);
		ck_assert_int_eq(e->f->sent[i].at, i * SB_MS);
	}
	ck_assert_int_eq(e->f->sent[999].at, 999 * SB_MS);
	ck_assert_int_eq(qos_stats(e->q, 255)->wait_max, 999 * SB_MS);
	ck_assert_uint_eq(fake_timers_armed(e->f), 0);
	/* one timer per release: none moved for packets joining a queue */
	ck_assert_uint_eq(e->f->last_id, 999);

	/* after an idle spell the link starts again from now, no credit */
	fake_advance(e->f, 5 * SB_S + 123);
	qos_enqueue(e->q, pkt(e, 1250, 0, 1000), 255);
	qos_enqueue(e->q, pkt(e, 1250, 0, 1001), 255);
	ck_assert_uint_eq(e->f->nsent, 1001);
	ck_assert_int_eq(e->f->sent[1000].at, 5 * SB_S + 123);
	run_until(e, 6 * SB_S);
	ck_assert_int_eq(e->f->sent[1001].at, 5 * SB_S + 123 + SB_MS);
	check_books(e);
	env_free(e);
}
END_TEST

START_TEST(test_rate_carry)
{
	/* 8000 bits at 3 Mb/s: 8/3 ms, a third of a nanosecond carried */
	struct env *e = env_new(3 * MBPS, 0, 4000000);

	for (int i = 0; i < 3000; i++)
		qos_enqueue(e->q, pkt(e, 1000, 0, (uint64_t)i), 255);
	run_until(e, 10 * SB_S);
	ck_assert_uint_eq(e->f->nsent, 3000);
	for (int64_t k = 0; k < 3000; k++)
		ck_assert_int_eq(e->f->sent[k].at, (k * 8000000 + 2) / 3);
	/* 3000 packets of 8/3 ms: 8 s to the nanosecond */
	ck_assert_int_eq(e->f->sent[2999].at + (8000000 + 2) / 3 - 1,
	    8 * SB_S);
	env_free(e);
}
END_TEST

START_TEST(test_overhead)
{
	struct env *e = env_new(10 * MBPS, 50, 0);
	struct env *bare = env_new(10 * MBPS, 0, 0);

	for (int i = 0; i < 100; i++) {
		qos_enqueue(e->q, pkt(e, 1200, 0, (uint64_t)i), 255);
		qos_enqueue(bare->q, pkt(bare, 1200, 0, (uint64_t)i), 255);
	}
	ck_assert_uint_eq(qos_backlog_bytes(e->q), 99 * 1250);
	ck_assert_uint_eq(qos_backlog_bytes(bare->q), 99 * 1200);
	run_until(e, SB_S);
	run_until(bare, SB_S);
	for (int i = 0; i < 100; i++) {
		/* 1250 bytes on the wire: 1 ms; 1200 alone would be 0.96 */
		ck_assert_int_eq(e->f->sent[i].at, i * SB_MS);
		ck_assert_int_eq(bare->f->sent[i].at, i * 960 * SB_US);
	}
	ck_assert_uint_eq(qos_stats(e->q, 255)->sent_bytes, 100 * 1250);
	ck_assert_uint_eq(qos_stats(e->q, 255)->enq_bytes, 100 * 1250);
	env_free(e);
	env_free(bare);
}
END_TEST

/* A source on the fake clock: a packet every `every` until `until`. */
struct source {
	struct env *e;
	uint8_t prio;
	uint32_t size, flow;
	sb_time every, until;
	uint64_t seq, drops;
};

static void
source_fire(void *arg)
{
	struct source *s = arg;
	struct env *e = s->e;

	if (qos_enqueue(e->q, pkt(e, s->size, s->flow, s->seq++),
	    s->prio) < 0)
		s->drops++;
	if (fake_now(e->f) + s->every < s->until)
		e->pf->ops->timer_arm(e->pf->ctx, fake_now(e->f) + s->every,
		    source_fire, s);
}

static void
source_start(struct source *s, sb_time at)
{
	s->e->pf->ops->timer_arm(s->e->pf->ctx, at, source_fire, s);
}

START_TEST(test_strict_priority)
{
	struct env *e = env_new(10 * MBPS, 0, 0);
	struct source voice = { e, 10, 200, 1, 20 * SB_MS, 10 * SB_S, 0, 0 };
	struct source bulk = { e, 255, 1250, 2, 800 * SB_US, 10 * SB_S, 0, 0 };
	const struct qos_stats *vs = qos_stats(e->q, 10);
	const struct qos_stats *bs = qos_stats(e->q, 255);
	uint64_t want;

	e->count_only = 1;
	source_start(&bulk, 0);
	source_start(&voice, 3 * SB_MS + 17);
	fake_run(e->f, 10 * SB_S);
	fake_advance(e->f, 10 * SB_S);

	ck_assert_uint_eq(voice.seq, 500);
	ck_assert_uint_eq(voice.drops, 0);
	ck_assert_uint_eq(vs->drop_pkts, 0);
	ck_assert_uint_eq(vs->sent_pkts, 500);
	/* voice waited, but never longer than one bulk packet: 1 ms */
	ck_assert_int_gt(vs->wait_max, 0);
	ck_assert_int_le(vs->wait_max, SB_MS);
	/* bulk was offered 12.5 Mb/s: it lost some and got the rest */
	ck_assert_uint_gt(bulk.drops, 0);
	ck_assert_uint_eq(bs->drop_pkts, bulk.drops);
	want = 10 * 10 * MBPS / 8 - vs->sent_bytes;
	ck_assert_uint_ge(bs->sent_bytes * 100, want * 99);
	ck_assert_uint_le(bs->sent_bytes, want + 1250);
	ck_assert_uint_eq(e->flow_bytes[2], bs->sent_bytes);
	check_books(e);
	env_free(e);
}
END_TEST

START_TEST(test_unclassified_first)
{
	struct env *e = env_new(10 * MBPS, 0, 0);
	static const struct { uint8_t prio; uint32_t flow; } in[] = {
		{ 255, 0 }, { 255, 1 }, { 10, 2 }, { 0, 3 }, { 200, 4 },
		{ QOS_PRIO_UNCLASSIFIED, 5 }, { 2, 6 }, { 1, 7 },
	};
	/* the first took the idle link; the rest by priority, FIFO within */
	static const uint32_t want[] = { 0, 5, 7, 6, 2, 4, 1, 3 };

	for (size_t i = 0; i < 8; i++)
		qos_enqueue(e->q, pkt(e, 1250, in[i].flow, 0), in[i].prio);
	run_until(e, SB_S);
	ck_assert_uint_eq(e->f->nsent, 8);
	for (size_t i = 0; i < 8; i++) {
		ck_assert_uint_eq(e->f->sent[i].flow, want[i]);
		ck_assert_int_eq(e->f->sent[i].at, (sb_time)i * SB_MS);
	}
	ck_assert_uint_eq(qos_stats(e->q, 1)->sent_pkts, 2);
	ck_assert_uint_eq(qos_stats(e->q, 255)->sent_pkts, 3);
	env_free(e);
}
END_TEST

START_TEST(test_always_limit)
{
	struct env *e = env_new(10 * MBPS, 0, 1000000);
	sb_time last = -1;
	size_t n20 = 0, n255 = 0;

	ck_assert_int_eq(qos_set_limit(e->q, 20, QOS_ALWAYS_LIMIT, 2 * MBPS),
	    0);
	/* 100 at 20 capped to 2 Mb/s (5 ms each), 100 at 255 free */
	for (int i = 0; i < 100; i++) {
		qos_enqueue(e->q, pkt(e, 1250, 0, (uint64_t)i), 20);
		qos_enqueue(e->q, pkt(e, 1250, 1, (uint64_t)i), 255);
	}
	run_until(e, 2 * SB_S);
	ck_assert_uint_eq(e->f->nsent, 200);
	for (size_t i = 0; i < 200; i++) {
		const struct fake_pkt *r = &e->f->sent[i];

		if (r->flow == 0) {
			/* exactly 5 ms apart, on a busy link and on an idle
			 * one alike */
			ck_assert_int_eq(r->at, (sb_time)n20 * 5 * SB_MS);
			ck_assert(last < 0 || r->at - last == 5 * SB_MS);
			last = r->at;
			n20++;
		} else
			n255++;
	}
	ck_assert_uint_eq(n20, 100);
	ck_assert_uint_eq(n255, 100);
	/* 255 had the other 8 Mb/s and was done in 125 ms: after that the
	 * link idled 4 ms in every 5 and 20 still kept to its rate */
	ck_assert_int_le(e->flow_last[1], 125 * SB_MS);
	ck_assert_int_eq(e->flow_last[0], 495 * SB_MS);

	/* a cap above the link rate: the link paces */
	ck_assert_int_eq(qos_set_limit(e->q, 30, QOS_ALWAYS_LIMIT,
	    100 * MBPS), 0);
	fake_clear(e->f);
	fake_advance(e->f, 3 * SB_S);
	for (int i = 0; i < 10; i++)
		qos_enqueue(e->q, pkt(e, 1250, 2, (uint64_t)i), 30);
	run_until(e, 4 * SB_S);
	ck_assert_uint_eq(e->f->nsent, 10);
	ck_assert_int_eq(e->f->sent[9].at, 3 * SB_S + 9 * SB_MS);
	env_free(e);
}
END_TEST

START_TEST(test_always_limit_keeps_rate)
{
	/* a capped priority that waits for the wire behind bulk packets of
	 * another size (1000 bytes every 4 ms against 1.2 ms of bulk each)
	 * still gets its 2 Mb/s: the wait is not lost from its rate */
	struct env *e = env_new(10 * MBPS, 0, 10000000);

	ck_assert_int_eq(qos_set_limit(e->q, 20, QOS_ALWAYS_LIMIT, 2 * MBPS),
	    0);
	e->count_only = 1;
	for (int i = 0; i < 1000; i++) {
		qos_enqueue(e->q, pkt(e, 1000, 0, (uint64_t)i), 20);
		qos_enqueue(e->q, pkt(e, 1500, 1, (uint64_t)i), 255);
	}
	run_until(e, SB_S);
	/* 250 in a second: the 251st is due at exactly 1 s */
	ck_assert_uint_ge(e->flow_pkts[0], 250);
	ck_assert_uint_le(e->flow_pkts[0], 251);
	check_books(e);
	env_free(e);
}
END_TEST

START_TEST(test_always_limit_unshaped)
{
	/* no link shaping: the cap still holds */
	struct env *e = env_new(0, 0, 0);

	ck_assert_int_eq(qos_set_limit(e->q, 40, QOS_ALWAYS_LIMIT, MBPS), 0);
	for (int i = 0; i < 10; i++)
		qos_enqueue(e->q, pkt(e, 125, 0, (uint64_t)i), 40);
	ck_assert_uint_eq(e->f->nsent, 1);
	qos_enqueue(e->q, pkt(e, 125, 1, 0), 41);	/* passes at once */
	ck_assert_uint_eq(e->f->nsent, 2);
	run_until(e, SB_S);
	ck_assert_uint_eq(e->f->nsent, 11);
	ck_assert_int_eq(e->f->sent[10].at, 9 * SB_MS);
	env_free(e);
}
END_TEST

START_TEST(test_limit_when_congested)
{
	struct env *e = env_new(10 * MBPS, 0, 1000000);
	sb_time prev = -1, bulk_done;

	ck_assert_int_eq(qos_set_limit(e->q, 20, QOS_LIMIT_WHEN_CONGESTED,
	    2 * MBPS), 0);
	/* alone: the whole link, 1 ms apart */
	for (int i = 0; i < 50; i++)
		qos_enqueue(e->q, pkt(e, 1250, 0, (uint64_t)i), 20);
	run_until(e, SB_S);
	ck_assert_uint_eq(e->f->nsent, 50);
	ck_assert_int_eq(e->f->sent[49].at, 49 * SB_MS);
	fake_clear(e->f);

	/* with bulk waiting: capped at 2 Mb/s, 5 ms apart; bulk gets 8 */
	for (int i = 0; i < 100; i++)
		qos_enqueue(e->q, pkt(e, 1250, 0, (uint64_t)i), 20);
	for (int i = 0; i < 200; i++)
		qos_enqueue(e->q, pkt(e, 1250, 1, (uint64_t)i), 255);
	run_until(e, 2 * SB_S);
	ck_assert_uint_eq(e->f->nsent, 300);
	bulk_done = e->flow_last[1];
	/* 200 bulk packets at 4 in every 5 ms */
	ck_assert_int_eq(bulk_done, SB_S + 249 * SB_MS);
	for (size_t i = 0; i < 300; i++) {
		const struct fake_pkt *r = &e->f->sent[i];

		if (r->flow != 0)
			continue;
		if (prev >= 0 && r->at <= bulk_done)
			ck_assert_int_eq(r->at - prev, 5 * SB_MS);
		else if (prev >= 0 && prev > bulk_done)
			ck_assert_int_eq(r->at - prev, SB_MS);
		prev = r->at;
	}
	/* 50 went in the first 250 ms, the other 50 at link pace after */
	ck_assert_int_eq(e->flow_last[0], SB_S + 250 * SB_MS + 49 * SB_MS);

	/* what it sent alone at link rate is not held against it when
	 * bulk turns up: the cap runs from its last packet, 5 ms on */
	fake_clear(e->f);
	fake_advance(e->f, 3 * SB_S);
	for (int i = 0; i < 50; i++)
		qos_enqueue(e->q, pkt(e, 1250, 0, (uint64_t)i), 20);
	run_until(e, 3 * SB_S + 9 * SB_MS);
	ck_assert_uint_eq(e->f->nsent, 10);
	for (int i = 0; i < 20; i++)
		qos_enqueue(e->q, pkt(e, 1250, 1, (uint64_t)i), 255);
	run_until(e, 3 * SB_S + 14 * SB_MS);
	ck_assert_uint_eq(e->f->nsent, 15);
	ck_assert_uint_eq(e->f->sent[13].flow, 1);
	ck_assert_uint_eq(e->f->sent[14].flow, 0);
	ck_assert_int_eq(e->f->sent[14].at, 3 * SB_S + 14 * SB_MS);
	check_books(e);
	env_free(e);
}
END_TEST

START_TEST(test_congested_means_ready)
{
	/* 20 held to 2 Mb/s always, 30 limited to 1 Mb/s when congested,
	 * both with more than they can send on a 10 Mb/s link: 20 waiting
	 * on its own cap leaves the link idle, which is not congestion, so
	 * 30 takes the other 8 Mb/s rather than 1 */
	struct env *e = env_new(10 * MBPS, 0, 10000000);
	uint64_t b20, b30;

	ck_assert_int_eq(qos_set_limit(e->q, 20, QOS_ALWAYS_LIMIT, 2 * MBPS),
	    0);
	ck_assert_int_eq(qos_set_limit(e->q, 30, QOS_LIMIT_WHEN_CONGESTED,
	    MBPS), 0);
	e->count_only = 1;
	for (int i = 0; i < 1000; i++) {
		qos_enqueue(e->q, pkt(e, 1250, 0, (uint64_t)i), 20);
		qos_enqueue(e->q, pkt(e, 1250, 1, (uint64_t)i), 30);
	}
	run_until(e, SB_S);
	b20 = e->flow_bytes[0] * 8;
	b30 = e->flow_bytes[1] * 8;
	/* a second's worth, to a packet or two */
	ck_assert_uint_le(b20, 2 * MBPS + 20000);
	ck_assert_uint_ge(b20, 2 * MBPS - 20000);
	ck_assert_uint_ge(b30, 8 * MBPS - 20000);
	ck_assert_uint_le(b30, 8 * MBPS + 20000);
	/* and the moment a priority with no limit has packets, 30 is
	 * congested again: 1 Mb/s, bulk the rest */
	for (int i = 0; i < 2000; i++)
		qos_enqueue(e->q, pkt(e, 1250, 2, (uint64_t)i), 255);
	b30 = e->flow_bytes[1];
	run_until(e, 2 * SB_S);
	b30 = (e->flow_bytes[1] - b30) * 8;
	ck_assert_uint_le(b30, MBPS + 20000);
	ck_assert_uint_ge(b30, MBPS - 20000);
	check_books(e);
	env_free(e);
}
END_TEST

START_TEST(test_tail_drop)
{
	struct env *e = env_new(10 * MBPS, 0, 10000);
	const struct qos_stats *st = qos_stats(e->q, 100);
	int dropped = 0;

	for (int i = 0; i < 20; i++)
		dropped += qos_enqueue(e->q, pkt(e, 1250, 0, (uint64_t)i),
		    100) < 0;
	/* one went out at once, 8 fill 10000 bytes, 11 dropped */
	ck_assert_int_eq(dropped, 11);
	ck_assert_uint_eq(st->enq_pkts, 20);
	ck_assert_uint_eq(st->sent_pkts, 1);
	ck_assert_uint_eq(st->drop_pkts, 11);
	ck_assert_uint_eq(st->drop_bytes, 11 * 1250);
	ck_assert_uint_eq(qos_backlog_bytes(e->q), 10000);
	/* another priority has its own room */
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(qos_enqueue(e->q, pkt(e, 1250, 1,
		    (uint64_t)i), 101), 0);
	ck_assert_int_eq(qos_enqueue(e->q, pkt(e, 1250, 1, 8), 101), -1);
	ck_assert_uint_eq(qos_stats(e->q, 101)->drop_pkts, 1);
	ck_assert_uint_eq(st->drop_pkts, 11);
	/* a packet above the limit still enters an empty queue */
	ck_assert_int_eq(qos_enqueue(e->q, pkt(e, 20000, 2, 0), 102), 0);
	ck_assert_uint_eq(fake_outstanding(e->f), 17);
	check_books(e);

	/* half drained, then freed with packets queued and a timer set */
	run_until(e, 5 * SB_MS + 1);
	ck_assert_uint_eq(e->f->nsent, 6);
	ck_assert_uint_eq(fake_outstanding(e->f), 12);
	ck_assert_uint_eq(fake_timers_armed(e->f), 1);
	check_books(e);
	env_free(e);
}
END_TEST

START_TEST(test_push_out)
{
	/* 64 KiB per priority: 1024 slots for all the queues together */
	struct env *e = env_new(8000, 0, 64 * 1024);

	e->count_only = 1;
	for (int i = 0; i < 1025; i++)
		ck_assert_int_eq(qos_enqueue(e->q, pkt(e, 1, 0, (uint64_t)i),
		    200), 0);
	ck_assert_uint_eq(qos_backlog_bytes(e->q), 1024);
	/* no slot left and nothing lower to push out */
	ck_assert_int_eq(qos_enqueue(e->q, pkt(e, 1, 0, 1025), 200), -1);
	ck_assert_int_eq(qos_enqueue(e->q, pkt(e, 1, 0, 1026), 250), -1);
	/* a higher priority takes the oldest slot of the lowest one */
	ck_assert_int_eq(qos_enqueue(e->q, pkt(e, 1, 1, 0), 10), 0);
	ck_assert_uint_eq(qos_stats(e->q, 200)->drop_pkts, 2);
	ck_assert_uint_eq(qos_stats(e->q, 250)->drop_pkts, 1);
	ck_assert_uint_eq(qos_stats(e->q, 10)->drop_pkts, 0);
	ck_assert_uint_eq(qos_backlog_bytes(e->q), 1024);
	/* 1 byte at 8 kb/s: 1 ms; priority 10 is next */
	fake_advance(e->f, SB_MS);
	ck_assert_uint_eq(e->flow_pkts[1], 1);
	ck_assert_uint_eq(e->flow_pkts[0], 1);
	check_books(e);
	env_free(e);
}
END_TEST

START_TEST(test_reentrant_unshaped)
{
	struct env *e = env_new(0, 0, 0);

	e->refill = 99;
	e->refill_prio = 50;
	ck_assert_int_eq(qos_enqueue(e->q, pkt(e, 100, 7, 0), 50), 0);
	/* all hundred out before the first qos_enqueue returned, in order,
	 * each out() called from the loop, none from inside another */
	ck_assert_uint_eq(e->f->nsent, 100);
	for (size_t i = 0; i < 100; i++)
		ck_assert_uint_eq(e->f->sent[i].seq, i);
	ck_assert_int_eq(e->max_depth, 1);
	ck_assert_uint_eq(qos_backlog_bytes(e->q), 0);
	env_free(e);
}
END_TEST

START_TEST(test_reentrant_shaped)
{
	/* 100 bytes at 800 kb/s: 1 ms */
	struct env *e = env_new(800000, 0, 0);

	for (int i = 0; i < 5; i++)
		qos_enqueue(e->q, pkt(e, 100, 0, (uint64_t)i), 255);
	/* each packet released queues one at priority 1, which goes next */
	e->refill = 3;
	e->refill_prio = QOS_PRIO_UNCLASSIFIED;
	qos_enqueue(e->q, pkt(e, 100, 1, 10), 200);
	run_until(e, SB_S);
	ck_assert_uint_eq(e->f->nsent, 9);
	/* 0 had gone; then 200's packet, then the refills, then 255 */
	ck_assert_uint_eq(e->f->sent[0].flow, 0);
	ck_assert_uint_eq(e->f->sent[1].flow, 1);
	ck_assert_uint_eq(e->f->sent[1].seq, 10);
	ck_assert_uint_eq(e->f->sent[2].flow, 7);
	ck_assert_uint_eq(e->f->sent[2].seq, 11);
	ck_assert_uint_eq(e->f->sent[3].seq, 12);
	ck_assert_uint_eq(e->f->sent[4].seq, 13);
	ck_assert_uint_eq(e->f->sent[5].flow, 0);
	ck_assert_uint_eq(e->f->sent[5].seq, 1);
	for (size_t i = 0; i < 9; i++)
		ck_assert_int_eq(e->f->sent[i].at, (sb_time)i * SB_MS);
	ck_assert_int_eq(e->max_depth, 1);
	env_free(e);
}
END_TEST

START_TEST(test_set_limit_args)
{
	struct env *e = env_new(10 * MBPS, 0, 0);

	ck_assert_int_eq(qos_set_limit(e->q, 0, QOS_NO_LIMIT, 0), -1);
	ck_assert_int_eq(qos_set_limit(e->q, 0, QOS_ALWAYS_LIMIT, MBPS), -1);
	ck_assert_int_eq(qos_set_limit(e->q, 5, QOS_ALWAYS_LIMIT, 0), -1);
	ck_assert_int_eq(qos_set_limit(e->q, 5, QOS_LIMIT_WHEN_CONGESTED, 0),
	    -1);
	ck_assert_int_eq(qos_set_limit(e->q, 5, (enum qos_limit)9, MBPS), -1);
	ck_assert_int_eq(qos_set_limit(e->q, 5, QOS_NO_LIMIT, 0), 0);
	ck_assert_int_eq(qos_set_limit(e->q, 1, QOS_ALWAYS_LIMIT, MBPS), 0);
	ck_assert_int_eq(qos_set_limit(e->q, 255, QOS_LIMIT_WHEN_CONGESTED,
	    MBPS), 0);
	env_free(e);
}
END_TEST

START_TEST(test_set_rate)
{
	struct env *e = env_new(10 * MBPS, 0, 1000000);

	for (int i = 0; i < 20; i++)
		qos_enqueue(e->q, pkt(e, 1250, 0, (uint64_t)i), 255);
	run_until(e, 4 * SB_MS);
	ck_assert_uint_eq(e->f->nsent, 5);
	/* the fifth is on the wire at 10 Mb/s until 5 ms; then 2 ms each */
	qos_set_rate(e->q, 5 * MBPS);
	run_until(e, 11 * SB_MS);
	ck_assert_uint_eq(e->f->nsent, 9);
	ck_assert_int_eq(e->f->sent[5].at, 5 * SB_MS);
	ck_assert_int_eq(e->f->sent[8].at, 11 * SB_MS);
	/* no shaping: the rest go now */
	qos_set_rate(e->q, 0);
	ck_assert_uint_eq(e->f->nsent, 20);
	ck_assert_int_eq(e->f->sent[19].at, 11 * SB_MS);
	ck_assert_uint_eq(fake_timers_armed(e->f), 0);
	env_free(e);
}
END_TEST

struct firing {
	struct fake *f;
	int order[8];
	sb_time at[8];
	int n;
};

struct tag {
	struct firing *fr;
	int id;
};

static void
tag_fire(void *arg)
{
	struct tag *t = arg;
	struct firing *fr = t->fr;

	fr->order[fr->n] = t->id;
	fr->at[fr->n++] = fake_now(fr->f);
	/* one armed from a callback, due within the same advance */
	if (t->id == 2)
		fr->f->pf.ops->timer_arm(fr->f, fake_now(fr->f) + 1, tag_fire,
		    t + 3);
}

START_TEST(test_fake_timers)
{
	/* the fake itself: deadline order, arming order on ties, stale
	 * handles harmless */
	struct fake *f = fake_new(7);
	const struct sb_platform *pf = fake_platform(f);
	struct firing fr = { .f = f };
	struct tag t[6];
	sb_timer h[3];

	for (int i = 0; i < 6; i++)
		t[i] = (struct tag){ &fr, i };
	h[0] = pf->ops->timer_arm(pf->ctx, 30, tag_fire, &t[0]);
	h[1] = pf->ops->timer_arm(pf->ctx, 20, tag_fire, &t[1]);
	h[2] = pf->ops->timer_arm(pf->ctx, 20, tag_fire, &t[2]);
	pf->ops->timer_arm(pf->ctx, 20, tag_fire, &t[3]);
	pf->ops->timer_arm(pf->ctx, 10, tag_fire, &t[4]);
	pf->ops->timer_cancel(pf->ctx, h[1]);
	pf->ops->timer_cancel(pf->ctx, h[1]);
	pf->ops->timer_cancel(pf->ctx, 12345);
	ck_assert_int_eq(fake_next(f, NULL), 10);
	ck_assert_uint_eq(fake_advance(f, 25), 4);
	/* 4 at 10; 2 then 3 at 20 as armed; 5 (armed by 2) at 21 */
	ck_assert_int_eq(fr.n, 4);
	ck_assert_int_eq(fr.order[0], 4);
	ck_assert_int_eq(fr.order[1], 2);
	ck_assert_int_eq(fr.order[2], 3);
	ck_assert_int_eq(fr.order[3], 5);
	ck_assert_int_eq(fr.at[0], 10);
	ck_assert_int_eq(fr.at[3], 21);
	ck_assert_int_eq(fake_now(f), 25);
	pf->ops->timer_cancel(pf->ctx, h[2]);	/* fired: harmless */
	ck_assert_uint_eq(fake_timers_armed(f), 1);
	pf->ops->timer_cancel(pf->ctx, h[0]);
	ck_assert_uint_eq(fake_advance(f, 100), 0);
	ck_assert_uint_ne(pf->ops->rand(pf->ctx), pf->ops->rand(pf->ctx));
	fake_free(f);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("qos");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_no_shaping);
	tcase_add_test(tc, test_rate_exact);
	tcase_add_test(tc, test_rate_carry);
	tcase_add_test(tc, test_overhead);
	tcase_add_test(tc, test_strict_priority);
	tcase_add_test(tc, test_unclassified_first);
	tcase_add_test(tc, test_always_limit);
	tcase_add_test(tc, test_always_limit_unshaped);
	tcase_add_test(tc, test_always_limit_keeps_rate);
	tcase_add_test(tc, test_limit_when_congested);
	tcase_add_test(tc, test_congested_means_ready);
	tcase_add_test(tc, test_tail_drop);
	tcase_add_test(tc, test_push_out);
	tcase_add_test(tc, test_reentrant_unshaped);
	tcase_add_test(tc, test_reentrant_shaped);
	tcase_add_test(tc, test_set_limit_args);
	tcase_add_test(tc, test_set_rate);
	tcase_add_test(tc, test_fake_timers);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
