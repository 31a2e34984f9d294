/*
 * The meter: RFC 3550 jitter against a sequence worked by hand, jitter
 * carried across meter_reset() while the counts are not, loss and
 * throughput arithmetic, latency percentiles and the "no packet" values,
 * and merging.
 */
#include <check.h>
#include <math.h>

#include "reports/meter.h"
#include "tests/unit/check_main.h"

/*
 * Transits 10, 12, 9, 9, 15 ms.  |D| = 2, 3, 0, 6 ms, and J += (|D| - J)/16:
 *   J1 = 2/16                    = 0.125 ms
 *   J2 = 0.125 + (3 - 0.125)/16  = 0.3046875 ms
 *   J3 = 0.3046875 * 15/16       = 0.28564453125 ms
 *   J4 = J3 + (6 - J3)/16        = 0.642791748046875 ms
 */
static const sb_time TRANSIT_MS[] = { 10, 12, 9, 9, 15 };
static const double JITTER_NS[] = {
	0, 125000.0, 304687.5, 285644.53125, 642791.748046875
};

START_TEST(test_jitter_rfc3550)
{
	struct meter *m = meter_new();
	struct meter_summary s;

	ck_assert_ptr_nonnull(m);
	for (int i = 0; i < 5; i++) {
		/* sent every 20 ms; arrival order is send order here */
		sb_time sent = i * 20 * SB_MS;
		meter_delivered(m, sent, sent + TRANSIT_MS[i] * SB_MS, 100);
		meter_summary(m, SB_S, &s);
		ck_assert_double_eq_tol(s.jitter, JITTER_NS[i], 1e-6);
	}
	meter_free(m);
}
END_TEST

/* Arrival order, not send order: a late packet's transit is what counts. */
START_TEST(test_jitter_arrival_order)
{
	struct meter *m = meter_new();
	struct meter_summary s;

	/* sent at 0 and 20 ms; the second arrives first (transit 5 ms),
	 * the first after (transit 40 ms): |D| = 35 ms */
	meter_delivered(m, 20 * SB_MS, 25 * SB_MS, 100);
	meter_delivered(m, 0, 40 * SB_MS, 100);
	meter_summary(m, SB_S, &s);
	ck_assert_double_eq_tol(s.jitter, 35e6 / 16, 1e-6);
	meter_free(m);
}
END_TEST

START_TEST(test_reset_keeps_jitter)
{
	struct meter *m = meter_new();
	struct meter_summary s;

	for (int i = 0; i < 3; i++)
		meter_delivered(m, i * 20 * SB_MS,
		    i * 20 * SB_MS + TRANSIT_MS[i] * SB_MS, 100);
	meter_sent(m);
	meter_dropped(m);
	meter_reset(m);
	meter_summary(m, SB_S, &s);
	ck_assert_uint_eq(s.sent, 0);
	ck_assert_uint_eq(s.delivered, 0);
	ck_assert_uint_eq(s.dropped, 0);
	ck_assert_uint_eq(s.bytes, 0);
	ck_assert_int_eq(s.latency_p50, -1);
	ck_assert_double_eq_tol(s.jitter, JITTER_NS[2], 1e-6);
	/* the next packet's D is from the last transit before the reset */
	for (int i = 3; i < 5; i++)
		meter_delivered(m, i * 20 * SB_MS,
		    i * 20 * SB_MS + TRANSIT_MS[i] * SB_MS, 100);
	meter_summary(m, SB_S, &s);
	ck_assert_double_eq_tol(s.jitter, JITTER_NS[4], 1e-6);
	ck_assert_uint_eq(s.delivered, 2);
	meter_free(m);
}
END_TEST

START_TEST(test_loss_and_throughput)
{
	struct meter *m = meter_new();
	struct meter_summary s;

	for (int i = 0; i < 100; i++)
		meter_sent(m);
	for (int i = 0; i < 90; i++)
		meter_delivered(m, 0, 30 * SB_MS, 1250);
	for (int i = 0; i < 10; i++)
		meter_dropped(m);
	meter_summary(m, SB_S, &s);
	ck_assert_uint_eq(s.sent, 100);
	ck_assert_uint_eq(s.delivered, 90);
	ck_assert_uint_eq(s.dropped, 10);
	ck_assert_uint_eq(s.bytes, 112500);
	ck_assert_double_eq_tol(s.loss, 0.1, 1e-12);
	/* 112500 bytes in 1 s is 900 kbit/s; in 250 ms, four times that */
	ck_assert_double_eq_tol(s.throughput_bps, 900000.0, 1e-6);
	meter_summary(m, 250 * SB_MS, &s);
	ck_assert_double_eq_tol(s.throughput_bps, 3600000.0, 1e-6);
	/* a zero span has no rate rather than a division by zero */
	meter_summary(m, 0, &s);
	ck_assert(s.throughput_bps == 0.0);
	/* packets still in flight are neither loss nor delivery */
	meter_sent(m);
	meter_summary(m, SB_S, &s);
	ck_assert_double_eq_tol(s.loss, 0.1, 1e-12);
	meter_free(m);
}
END_TEST

START_TEST(test_empty_summary)
{
	struct meter *m = meter_new();
	struct meter_summary s;

	meter_sent(m);
	meter_summary(m, SB_S, &s);
	ck_assert_uint_eq(s.sent, 1);
	ck_assert(s.loss == 0.0);
	ck_assert(s.latency_mean == 0.0);
	ck_assert(s.jitter == 0.0);
	ck_assert(s.throughput_bps == 0.0);
	ck_assert_int_eq(s.latency_p50, -1);
	ck_assert_int_eq(s.latency_p95, -1);
	ck_assert_int_eq(s.latency_p99, -1);
	/* all dropped: loss 1 */
	meter_dropped(m);
	meter_summary(m, SB_S, &s);
	ck_assert(s.loss == 1.0);
	meter_free(m);
}
END_TEST

START_TEST(test_latency_percentiles)
{
	struct meter *m = meter_new();
	struct meter_summary s;

	/* 1..100 ms, delivered in a scrambled order */
	for (int i = 0; i < 100; i++) {
		sb_time lat = (sb_time)((i * 37) % 100 + 1) * SB_MS;
		meter_delivered(m, SB_S, SB_S + lat, 100);
	}
	meter_summary(m, SB_S, &s);
	ck_assert(s.latency_mean == 50.5e6);
	ck_assert(fabs((double)s.latency_p50 - 50e6) <= 50e6 / 128);
	ck_assert(fabs((double)s.latency_p95 - 95e6) <= 95e6 / 128);
	ck_assert(fabs((double)s.latency_p99 - 99e6) <= 99e6 / 128);
	ck_assert_int_lt(s.latency_p50, s.latency_p95);
	ck_assert_int_lt(s.latency_p95, s.latency_p99);
	meter_free(m);
}
END_TEST

START_TEST(test_merge)
{
	struct meter *a = meter_new(), *b = meter_new(), *site = meter_new();
	struct meter_summary s, sa;

	for (int i = 0; i < 10; i++) {
		meter_sent(a);
		meter_delivered(a, 0, 10 * SB_MS, 100);
	}
	for (int i = 0; i < 5; i++) {
		meter_sent(b);
		meter_sent(b);
		meter_dropped(b);
		/* b's transits alternate 20 and 60 ms: a jittery flow */
		meter_delivered(b, 0, (i % 2 ? 60 : 20) * SB_MS, 200);
	}
	meter_summary(a, SB_S, &sa);
	meter_merge(site, a);
	meter_summary(site, SB_S, &s);
	ck_assert(s.jitter == sa.jitter);
	meter_merge(site, b);
	meter_summary(site, SB_S, &s);
	ck_assert_uint_eq(s.sent, 20);
	ck_assert_uint_eq(s.delivered, 15);
	ck_assert_uint_eq(s.dropped, 5);
	ck_assert_uint_eq(s.bytes, 2000);
	ck_assert_double_eq_tol(s.loss, 0.25, 1e-12);
	/* latencies: ten of 10 ms, three of 20, two of 60 */
	ck_assert_double_eq_tol(s.latency_mean, (100.0 + 60 + 120) / 15 * 1e6,
	    1e-3);
	ck_assert_int_eq(s.latency_p99, 60 * SB_MS);
	ck_assert(fabs((double)s.latency_p50 - 10e6) <= 10e6 / 128);
	/* the worse flow's jitter: b's, not a's zero */
	ck_assert(s.jitter > 0.0);
	{
		struct meter_summary sb;
		meter_summary(b, SB_S, &sb);
		ck_assert(s.jitter == sb.jitter);
	}
	meter_free(a);
	meter_free(b);
	meter_free(site);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("meter");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_jitter_rfc3550);
	tcase_add_test(tc, test_jitter_arrival_order);
	tcase_add_test(tc, test_reset_keeps_jitter);
	tcase_add_test(tc, test_loss_and_throughput);
	tcase_add_test(tc, test_empty_summary);
	tcase_add_test(tc, test_latency_percentiles);
	tcase_add_test(tc, test_merge);
	suite_add_tcase(s, tc);
	return s;
}
