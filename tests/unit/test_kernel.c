/*
 * The kernel: events run in time order, ties in scheduling order, cancelled
 * events never run, stale handles cancel nothing, run(until) stops at the
 * bound and sets the clock to it, and a random workload against a reference
 * ordering (sort by time, then sequence).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sim/kernel.h"

struct log {
	struct kernel *k;
	int ids[200000];
	sb_time times[200000];
	size_t n;
};

static void
record(void *a, void *b)
{
	struct log *lg = a;

	lg->times[lg->n] = kernel_now(lg->k);
	lg->ids[lg->n++] = (int)(intptr_t)b;
}

START_TEST(test_order_and_ties)
{
	static struct log lg;
	struct kernel *k = kernel_new();

	lg.k = k;
	lg.n = 0;
	kernel_at(k, 30, record, &lg, (void *)1);
	kernel_at(k, 10, record, &lg, (void *)2);
	kernel_at(k, 20, record, &lg, (void *)3);
	kernel_at(k, 10, record, &lg, (void *)4);
	kernel_at(k, 10, record, &lg, (void *)5);
	ck_assert_int_eq(kernel_pending(k), 5);
	ck_assert_int_eq(kernel_run(k, SB_TIME_NEVER), 0);
	ck_assert_int_eq(lg.n, 5);
	ck_assert_int_eq(lg.ids[0], 2);
	ck_assert_int_eq(lg.ids[1], 4);
	ck_assert_int_eq(lg.ids[2], 5);
	ck_assert_int_eq(lg.ids[3], 3);
	ck_assert_int_eq(lg.ids[4], 1);
	ck_assert_int_eq(kernel_now(k), 30);
	ck_assert_int_eq(kernel_events_run(k), 5);
	kernel_free(k);
}
END_TEST

START_TEST(test_cancel)
{
	static struct log lg;
	struct kernel *k = kernel_new();
	sb_timer a, b, c;

	lg.k = k;
	lg.n = 0;
	a = kernel_at(k, 5, record, &lg, (void *)1);
	b = kernel_at(k, 6, record, &lg, (void *)2);
	c = kernel_at(k, 7, record, &lg, (void *)3);
	ck_assert(a != 0 && b != 0 && c != 0);
	ck_assert_int_eq(kernel_cancel(k, b), 1);
	ck_assert_int_eq(kernel_cancel(k, b), 0);
	ck_assert_int_eq(kernel_cancel(k, 0), 0);
	ck_assert_int_eq(kernel_pending(k), 2);
	kernel_run(k, SB_TIME_NEVER);
	ck_assert_int_eq(lg.n, 2);
	ck_assert_int_eq(lg.ids[0], 1);
	ck_assert_int_eq(lg.ids[1], 3);
	/* a fired; its slot is reused by a new event: the old handle must
	 * not cancel the new one */
	ck_assert_int_eq(kernel_cancel(k, a), 0);
	kernel_at(k, 100, record, &lg, (void *)4);
	ck_assert_int_eq(kernel_cancel(k, a), 0);
	ck_assert_int_eq(kernel_cancel(k, c), 0);
	kernel_run(k, SB_TIME_NEVER);
	ck_assert_int_eq(lg.n, 3);
	ck_assert_int_eq(lg.ids[2], 4);
	kernel_free(k);
}
END_TEST

START_TEST(test_until)
{
	static struct log lg;
	struct kernel *k = kernel_new();

	lg.k = k;
	lg.n = 0;
	kernel_at(k, 10, record, &lg, (void *)1);
	kernel_at(k, 50, record, &lg, (void *)2);
	kernel_run(k, 20);
	ck_assert_int_eq(lg.n, 1);
	ck_assert_int_eq(kernel_now(k), 20);
	/* an event in the past runs now, not back in time */
	kernel_at(k, 5, record, &lg, (void *)3);
	kernel_run(k, 50);
	ck_assert_int_eq(lg.n, 3);
	ck_assert_int_eq(lg.ids[1], 3);
	ck_assert_int_eq(lg.times[1], 20);
	ck_assert_int_eq(lg.ids[2], 2);
	kernel_free(k);
}
END_TEST

static int
stop_after(void *arg, struct kernel *k)
{
	return kernel_events_run(k) >= 3;
}

START_TEST(test_poll_stops)
{
	static struct log lg;
	struct kernel *k = kernel_new();

	lg.k = k;
	lg.n = 0;
	for (int i = 0; i < 10; i++)
		kernel_at(k, i, record, &lg, (void *)(intptr_t)i);
	kernel_set_poll(k, 1, stop_after, NULL);
	ck_assert_int_eq(kernel_run(k, SB_TIME_NEVER), 1);
	ck_assert_int_eq(lg.n, 3);
	ck_assert_int_eq(kernel_pending(k), 7);
	kernel_free(k);
}
END_TEST

/* A chain of events that reschedule themselves with random gaps, mixed
 * with cancellations, against the order the rules imply. */
struct stress {
	struct kernel *k;
	uint64_t x;
	sb_time last_t;
	uint64_t last_seq;
	uint64_t ran;
	int bad;
	sb_timer victims[64];
};

static uint64_t
xs(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void
stress_cb(void *a, void *b)
{
	struct stress *s = a;
	uint64_t seq = (uint64_t)(uintptr_t)b;
	sb_time now = kernel_now(s->k);
	uint64_t r;

	if (now < s->last_t || (now == s->last_t && seq < s->last_seq))
		s->bad++;
	s->last_t = now;
	s->last_seq = seq;
	s->ran++;
	if (s->ran > 150000)
		return;
	r = xs(&s->x);
	/* gaps: mostly small, some zero (ties), some very large */
	sb_time gap = (r & 7) == 0 ? 0 : (r & 7) == 1 ?
	    (sb_time)(r >> 20) : (sb_time)((r >> 8) % 5000);
	kernel_after(s->k, gap, stress_cb, s, (void *)(uintptr_t)(s->ran * 4));
	if ((r & 31) == 3) {
		/* schedule one to cancel later, and cancel an older one */
		int slot = (int)((r >> 40) & 63);
		kernel_cancel(s->k, s->victims[slot]);
		s->victims[slot] = kernel_after(s->k, (sb_time)(r % 100000),
		    stress_cb, s, (void *)(uintptr_t)(s->ran * 4 + 1));
	}
}

START_TEST(test_stress_order)
{
	static struct stress s;
	struct kernel *k = kernel_new();

	s.k = k;
	s.x = 88172645463325252ULL;
	for (int i = 0; i < 2000; i++)
		kernel_at(k, (sb_time)(xs(&s.x) % 1000000), stress_cb, &s,
		    (void *)(uintptr_t)0);
	kernel_run(k, SB_TIME_NEVER);
	ck_assert_int_eq(s.bad, 0);
	ck_assert(s.ran > 150000);
	ck_assert_int_eq(kernel_pending(k), 0);
	kernel_free(k);
}
END_TEST

/* Same-time events scheduled from inside a callback run after the ones
 * already queued for that instant. */
static void
tie_cb(void *a, void *b)
{
	struct log *lg = a;

	record(a, b);
	if ((intptr_t)b == 1)
		kernel_after(lg->k, 0, record, lg, (void *)3);
}

START_TEST(test_same_instant_from_callback)
{
	static struct log lg;
	struct kernel *k = kernel_new();

	lg.k = k;
	lg.n = 0;
	kernel_at(k, 7, tie_cb, &lg, (void *)1);
	kernel_at(k, 7, tie_cb, &lg, (void *)2);
	kernel_run(k, SB_TIME_NEVER);
	ck_assert_int_eq(lg.n, 3);
	ck_assert_int_eq(lg.ids[0], 1);
	ck_assert_int_eq(lg.ids[1], 2);
	ck_assert_int_eq(lg.ids[2], 3);
	kernel_free(k);
}
END_TEST

/*
 * Reference check: every event scheduled is logged with its (time, sequence
 * number); the run must execute exactly the uncancelled ones, in the order
 * of sorting the log by time, then sequence.  Callbacks schedule more
 * events and cancel pending ones (and try stale handles), and the pending
 * count is checked against the reference after every event.
 */
enum { REF_MAX = 120000 };

struct ref_ev {
	sb_time t;
	uint32_t seq;
	uint8_t cancelled, ran;
};

struct ref {
	struct kernel *k;
	int dist;
	uint64_t x;
	struct ref_ev ev[REF_MAX];
	sb_timer h[REF_MAX];
	uint32_t order[REF_MAX];   /* ids as run */
	uint32_t nev, nrun, pending, budget;
	int bad_pending, bad_cancel;
};

static sb_time
ref_gap(struct ref *r)
{
	uint64_t v = xs(&r->x);

	switch (r->dist) {
	case 0:     /* roughly exponential, mean ~1000 */
		return (sb_time)((v % 1000) * ((v >> 20) % 4));
	case 1:     /* many ties */
		return (sb_time)(v % 3);
	case 2:     /* all at one instant */
		return 0;
	case 3:     /* huge gaps mixed with tiny ones */
		return (v & 1) ? (sb_time)(v >> 4) % ((sb_time)1 << 58) :
		    (sb_time)(v % 5);
	default:    /* bursts: many at a few far-apart instants */
		return (v & 15) ? 0 : (sb_time)((v >> 8) % 1000000000);
	}
}

static void ref_cb(void *a, void *b);

static void
ref_schedule(struct ref *r, sb_time t)
{
	uint32_t id = r->nev++;

	if (t < kernel_now(r->k))
		t = kernel_now(r->k);
	r->ev[id].t = t;
	r->ev[id].seq = id;
	r->h[id] = kernel_at(r->k, t, ref_cb, r, (void *)(uintptr_t)id);
	r->pending++;
}

static void
ref_cb(void *a, void *b)
{
	struct ref *r = a;
	uint32_t id = (uint32_t)(uintptr_t)b;
	uint64_t v;

	if (r->ev[id].cancelled || r->ev[id].ran)
		r->bad_cancel++;
	r->ev[id].ran = 1;
	r->order[r->nrun++] = id;
	r->pending--;
	if (r->nev + 3 >= REF_MAX || r->budget == 0)
		return;
	r->budget--;
	v = xs(&r->x);
	ref_schedule(r, kernel_now(r->k) + ref_gap(r));
	if ((v & 3) == 0)
		ref_schedule(r, kernel_now(r->k) + ref_gap(r));
	if ((v & 12) == 0 && r->nev > 0) {
		/* cancel a random earlier event: pending ones must go,
		 * ones that ran or were cancelled must report 0 */
		uint32_t c = (uint32_t)((v >> 8) % r->nev);
		int want = !r->ev[c].ran && !r->ev[c].cancelled;
		int got = kernel_cancel(r->k, r->h[c]);
		if (got != want)
			r->bad_cancel++;
		if (got) {
			r->ev[c].cancelled = 1;
			r->pending--;
		}
	}
	if (kernel_pending(r->k) != r->pending)
		r->bad_pending++;
}

static int
ref_cmp(const void *x, const void *y)
{
	const struct ref_ev *a = x, *b = y;

	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void
ref_check(int dist, sb_time start, uint32_t initial)
{
	static struct ref r;
	static struct ref_ev sorted[REF_MAX];
	uint32_t n = 0;

	memset(&r, 0, sizeof(r));
	r.k = kernel_new();
	r.dist = dist;
	r.x = 0x9E3779B97F4A7C15ULL ^ (uint64_t)dist;
	r.budget = 90000;
	for (uint32_t i = 0; i < initial; i++)
		ref_schedule(&r, start + ref_gap(&r));
	ck_assert_int_eq(kernel_pending(r.k), r.pending);
	/* in slices, so run(until) with a bound is exercised too */
	while (kernel_pending(r.k) > 0) {
		sb_time now = kernel_now(r.k);
		uint64_t v = xs(&r.x);
		/* slices of any scale up to about 2^62 ns */
		uint64_t len = ((v >> 8) % 5000) << ((v >> 32) % 50);
		sb_time until = len > (uint64_t)(INT64_MAX - now) ?
		    SB_TIME_NEVER : now + (sb_time)len;
		kernel_run(r.k, until);
		ck_assert(until == SB_TIME_NEVER || kernel_now(r.k) == until);
	}
	ck_assert_int_eq(r.bad_pending, 0);
	ck_assert_int_eq(r.bad_cancel, 0);
	for (uint32_t i = 0; i < r.nev; i++)
		if (!r.ev[i].cancelled)
			sorted[n++] = r.ev[i];
	qsort(sorted, n, sizeof(sorted[0]), ref_cmp);
	ck_assert_uint_eq(n, r.nrun);
	for (uint32_t i = 0; i < n; i++)
		if (sorted[i].seq != r.order[i])
			ck_abort_msg("dist %d: event %u ran at place %u, "
			    "reference says %u", dist, r.order[i], i,
			    sorted[i].seq);
	ck_assert_int_eq(kernel_pending(r.k), 0);
	kernel_free(r.k);
}

START_TEST(test_reference_order)
{
	ref_check(0, 0, 3000);
	ref_check(1, 0, 3000);
	ref_check(2, 12345, 3000);
	ref_check(3, 0, 3000);
	ref_check(4, 0, 3000);
	/* times near INT64_MAX / 2 */
	ref_check(0, INT64_MAX / 2, 3000);
	ref_check(3, INT64_MAX / 2 - 1000, 3000);
	ref_check(4, INT64_MAX / 2, 100);
}
END_TEST

/* Prefetch hooks: called for the events of their function only, with
 * the event's arguments and time, in rising stages, all before the event
 * runs; nearly every event sees every stage, 1 to
 * KERNEL_PREFETCH_STAGES (the first few come into view nearer). */
#define NPF 300
struct pfrec {
	int stages;      /* the last stage called, 0: none */
	int calls;
	int ran;
	int bad;         /* a call out of order, late or with a wrong time */
	sb_time t;
};

static void
pf_event(void *a, void *b)
{
	struct pfrec *r = a;

	(void)b;
	r->ran = 1;
}

static void
pf_other(void *a, void *b)
{
	(void)a;
	(void)b;
}

static void
pf_hook(void *a, void *b, sb_time t, int stage)
{
	struct pfrec *r = a;

	if (b != (void *)r || r->ran || t != r->t || stage <= r->stages ||
	    stage > KERNEL_PREFETCH_STAGES)
		r->bad = 1;
	r->stages = stage;
	r->calls++;
}

static void
pf_other_hook(void *a, void *b, sb_time t, int stage)
{
	int *called = b;

	(void)a;
	(void)t;
	(void)stage;
	(*called)++;
}

START_TEST(test_prefetch_hooks)
{
	static struct pfrec rec[NPF];
	struct kernel *k = kernel_new();
	int other_called = 0, full = 0;

	memset(rec, 0, sizeof(rec));
	kernel_set_prefetch(k, pf_event, pf_hook);
	for (int i = 0; i < NPF; i++) {
		/* spread out, with other events between */
		rec[i].t = (sb_time)(i * 1000 + (i * 7919) % 500);
		kernel_at(k, rec[i].t, pf_event, &rec[i], &rec[i]);
		kernel_at(k, rec[i].t + 1, pf_other, NULL, NULL);
	}
	ck_assert_int_eq(kernel_run(k, SB_TIME_NEVER), 0);
	ck_assert_int_eq(kernel_events_run(k), 2 * NPF);
	for (int i = 0; i < NPF; i++) {
		ck_assert_int_eq(rec[i].ran, 1);
		ck_assert_int_eq(rec[i].bad, 0);
		full += rec[i].calls == KERNEL_PREFETCH_STAGES;
	}
	ck_assert_int_ge(full, NPF - 2 * KERNEL_PREFETCH_STAGES);
	kernel_free(k);

	/* a hook of another function is not called for these, and one
	 * set again replaces the first */
	k = kernel_new();
	kernel_set_prefetch(k, pf_other, pf_hook);
	kernel_set_prefetch(k, pf_other, pf_other_hook);
	for (int i = 0; i < NPF; i++) {
		kernel_at(k, i * 10, pf_event, &rec[0], NULL);
		kernel_at(k, i * 10 + 5, pf_other, NULL, &other_called);
	}
	rec[0].ran = 0;
	kernel_run(k, SB_TIME_NEVER);
	ck_assert_int_gt(other_called, (NPF - 10) * KERNEL_PREFETCH_STAGES / 2);
	ck_assert_int_le(other_called, NPF * KERNEL_PREFETCH_STAGES);
	kernel_free(k);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("kernel");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, test_order_and_ties);
	tcase_add_test(tc, test_cancel);
	tcase_add_test(tc, test_until);
	tcase_add_test(tc, test_poll_stops);
	tcase_add_test(tc, test_stress_order);
	tcase_add_test(tc, test_same_instant_from_callback);
	tcase_add_test(tc, test_reference_order);
	tcase_add_test(tc, test_prefetch_hooks);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
