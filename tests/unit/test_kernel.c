/*
 * The kernel: events run in time order, ties in scheduling order, cancelled
 * events never run, stale handles cancel nothing, run(until) stops at the
 * bound and sets the clock to it, and a random workload against a reference
 * ordering (sort by time, then sequence).
 */
#include <check.h>
#include <stdlib.h>

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
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
