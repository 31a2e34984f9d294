/*
 * The E-model against figures worked out by hand from the formulas in
 * models/emodel.h (the arithmetic is in the comments), its monotony in
 * delay and loss, and the voice meter: Ta, late packets judged against the
 * fastest one, and random and bursty loss drawn from a seeded generator
 * rated as the formula rates them.
 */
#include <check.h>
#include <errno.h>
#include <math.h>

#include <gsl/gsl_rng.h>

#include "models/emodel.h"
#include "models/voicecall.h"

#define TOL 1e-9

/* MOS is quoted to two places by G.107; the cubic is checked to 1e-6. */
#define MOS_TOL 1e-6

/*
 * No delay, no loss: R = 93.2, G.107's default rating.
 * MOS = 1 + 0.035 * 93.2 + 93.2 * 33.2 * 6.8 * 7e-6
 *     = 1 + 3.262 + 0.147286 = 4.409286 (G.107: 4.41).
 */
START_TEST(test_defaults)
{
	double r = emodel_r(EMODEL_G711, 0.0, 0.0, 1.0);

	ck_assert_double_eq_tol(r, 93.2, TOL);
	ck_assert_double_eq_tol(emodel_mos(r), 4.409286, MOS_TOL);
	ck_assert_double_eq_tol(round(emodel_mos(r) * 100.0) / 100.0, 4.41,
	    TOL);
}
END_TEST

/*
 * G.711, Ta 150 ms, no loss.  150 < 177.3, so Id = 0.024 * 150 = 3.6;
 * R = 93.2 - 3.6 = 89.6;
 * MOS = 1 + 0.035 * 89.6 + 89.6 * 29.6 * 10.4 * 7e-6
 *     = 1 + 3.136 + 0.193077 = 4.329077 (4.33).
 */
START_TEST(test_g711_150ms)
{
	double r = emodel_r(EMODEL_G711, 150.0, 0.0, 1.0);

	ck_assert_double_eq_tol(emodel_id(150.0), 3.6, TOL);
	ck_assert_double_eq_tol(r, 89.6, TOL);
	ck_assert_double_eq_tol(emodel_mos(r), 4.329077, MOS_TOL);
}
END_TEST

/*
 * The same with 2% random loss: Ie,eff = 0 + 95 * 2 / (2 / 1 + 25.1)
 * = 190 / 27.1 = 7.011070; R = 89.6 - 7.011070 = 82.588930;
 * MOS = 1 + 0.035 * 82.588930 + 82.588930 * 22.588930 * 17.411070 * 7e-6
 *     = 1 + 2.890613 + 0.227373 = 4.117987 (4.12).
 */
START_TEST(test_g711_150ms_2pct)
{
	double r = emodel_r(EMODEL_G711, 150.0, 2.0, 1.0);

	ck_assert_double_eq_tol(emodel_ie_eff(EMODEL_G711, 2.0, 1.0),
	    190.0 / 27.1, TOL);
	ck_assert_double_eq_tol(r, 82.588930, 1e-6);
	ck_assert_double_eq_tol(emodel_mos(r), 4.117987, MOS_TOL);
}
END_TEST

/*
 * G.729(A): Ie 11, Bpl 19.
 * No loss at 150 ms: R = 93.2 - 11 - 3.6 = 78.6;
 * MOS = 1 + 2.751 + 78.6 * 18.6 * 21.4 * 7e-6 = 1 + 2.751 + 0.219002
 *     = 3.970002.
 * 2% random loss: Ie,eff = 11 + 84 * 2 / (2 + 19) = 11 + 8 = 19.
 * Opus (the narrowband figures in emodel.c: Ie 2, Bpl 16), 2% random:
 * Ie,eff = 2 + 93 * 2 / (2 + 16) = 2 + 10.333333 = 12.333333.
 */
START_TEST(test_other_codecs)
{
	double r = emodel_r(EMODEL_G729, 150.0, 0.0, 1.0);

	ck_assert_double_eq_tol(r, 93.2 - 11.0 - 3.6, TOL);
	ck_assert_double_eq_tol(r, 78.6, TOL);
	ck_assert_double_eq_tol(emodel_mos(r), 3.970002, MOS_TOL);
	ck_assert_double_eq_tol(emodel_ie_eff(EMODEL_G729, 2.0, 1.0), 19.0,
	    TOL);
	ck_assert_double_eq_tol(emodel_ie_eff(EMODEL_OPUS, 2.0, 1.0),
	    2.0 + 186.0 / 18.0, TOL);
	ck_assert_double_eq_tol(emodel_ie_eff(EMODEL_G711, 0.0, 1.0), 0.0, TOL);
	ck_assert_double_eq_tol(emodel_ie_eff(EMODEL_G729, 0.0, 1.0), 11.0,
	    TOL);
	ck_assert_int_eq(emodel_codec_info(EMODEL_G729)->lookahead,
	    5 * SB_MS);
}
END_TEST

/*
 * Past the knee: Id(250) = 0.024 * 250 + 0.11 * (250 - 177.3)
 * = 6 + 7.997 = 13.997; R(G.711, 250 ms) = 93.2 - 13.997 = 79.203.
 * At the knee itself only the first slope: Id(177.3) = 4.2552.
 */
START_TEST(test_delay_knee)
{
	ck_assert_double_eq_tol(emodel_id(177.3), 4.2552, TOL);
	ck_assert_double_eq_tol(emodel_id(250.0), 13.997, TOL);
	ck_assert_double_eq_tol(emodel_r(EMODEL_G711, 250.0, 0.0, 1.0),
	    79.203, TOL);
	ck_assert_double_eq_tol(emodel_id(-5.0), 0.0, TOL);
}
END_TEST

/*
 * Gilbert loss with p = 0.01, r = 0.24: loss rate 0.01 / 0.25 = 4%,
 * BurstR = 1 / 0.25 = 4.  Ie,eff(G.711, 4%, 4) = 95 * 4 / (4 / 4 + 25.1)
 * = 380 / 26.1 = 14.559387, against 95 * 4 / 29.1 = 13.058419 if random:
 * bursts hurt more.
 */
START_TEST(test_burst_r)
{
	ck_assert_double_eq_tol(emodel_burst_r(0.01, 0.24), 4.0, TOL);
	ck_assert_double_eq_tol(emodel_burst_r(0.3, 0.7), 1.0, TOL);
	ck_assert_double_eq_tol(emodel_ie_eff(EMODEL_G711, 4.0, 4.0),
	    380.0 / 26.1, TOL);
	ck_assert(emodel_ie_eff(EMODEL_G711, 4.0, 4.0)
	    > emodel_ie_eff(EMODEL_G711, 4.0, 1.0));
	/* Smoother than random counts as random. */
	ck_assert_double_eq_tol(emodel_ie_eff(EMODEL_G711, 4.0, 0.5),
	    emodel_ie_eff(EMODEL_G711, 4.0, 1.0), TOL);
	ck_assert(isnan(emodel_burst_r(0.0, 0.0)));
	ck_assert(isnan(emodel_burst_r(-0.1, 0.5)));
	ck_assert(isnan(emodel_burst_r(0.5, 1.5)));
}
END_TEST

START_TEST(test_mos_ends)
{
	ck_assert_double_eq(emodel_mos(-10.0), 1.0);
	ck_assert_double_eq(emodel_mos(0.0), 1.0);
	ck_assert_double_eq(emodel_mos(3.2), 1.0); /* the cubic's dip */
	ck_assert_double_eq(emodel_mos(120.0), 4.5);
	/* 1 + 3.5 + 0 = 4.5 at R = 100: continuous at the top. */
	ck_assert_double_eq_tol(emodel_mos(100.0), 4.5, TOL);
	ck_assert(isnan(emodel_mos(NAN)));
	ck_assert(isnan(emodel_r((enum emodel_codec)7, 0.0, 0.0, 1.0)));
	ck_assert_ptr_null(emodel_codec_info((enum emodel_codec)-1));
	ck_assert_ptr_null(emodel_codec_info(EMODEL__COUNT));
}
END_TEST

START_TEST(test_monotonic)
{
	enum emodel_codec c;
	double prev_r, prev_m, r, m, x;

	for (c = 0; c < EMODEL__COUNT; c++) {
		prev_r = INFINITY;
		prev_m = INFINITY;
		for (x = 0.0; x <= 1000.0; x += 0.5) {
			r = emodel_r(c, x, 1.0, 1.0);
			m = emodel_mos(r);
			ck_assert(r < prev_r);
			ck_assert(m <= prev_m);
			prev_r = r;
			prev_m = m;
		}
		ck_assert_double_eq(prev_m, 1.0);
		prev_r = INFINITY;
		prev_m = INFINITY;
		for (x = 0.0; x <= 100.0; x += 0.05) {
			r = emodel_r(c, 100.0, x, 1.0);
			m = emodel_mos(r);
			ck_assert(r < prev_r);
			ck_assert(m <= prev_m);
			prev_r = r;
			prev_m = m;
		}
	}
	/* and MOS is non-decreasing in R over the whole scale */
	prev_m = 0.0;
	for (x = -10.0; x <= 110.0; x += 0.01) {
		m = emodel_mos(x);
		ck_assert(m >= prev_m);
		prev_m = m;
	}
}
END_TEST

static void
report(struct voicecall *v, struct voicecall_report *rep)
{
	ck_assert_int_eq(voicecall_report(v, rep), 0);
}

/*
 * Every packet at 150 ms, jitter buffer 0, ptime 20 ms, G.711 (no
 * look-ahead): Ta = 150 + 0 + 20 = 170 ms; Id = 0.024 * 170 = 4.08;
 * R = 93.2 - 4.08 = 89.12;
 * MOS = 1 + 0.035 * 89.12 + 89.12 * 29.12 * 10.88 * 7e-6
 *     = 1 + 3.1192 + 0.197648 = 4.316848.
 */
START_TEST(test_call_steady)
{
	struct voicecall *v = voicecall_new(EMODEL_G711, 20 * SB_MS, 0);
	struct voicecall_report rep;
	uint64_t i;

	ck_assert_ptr_nonnull(v);
	for (i = 0; i < 3000; i++) {
		voicecall_sent(v, 1000 + i);
		voicecall_arrived(v, 1000 + i, 150 * SB_MS);
	}
	report(v, &rep);
	ck_assert_uint_eq(rep.sent, 3000);
	ck_assert_uint_eq(rep.lost, 0);
	ck_assert_uint_eq(rep.late, 0);
	ck_assert_int_eq(rep.d_min, 150 * SB_MS);
	ck_assert_int_eq(rep.ta, 170 * SB_MS);
	ck_assert_double_eq(rep.ppl, 0.0);
	ck_assert_double_eq(rep.burst_r, 1.0);
	ck_assert_double_eq_tol(rep.r, 89.12, TOL);
	ck_assert_double_eq_tol(rep.mos, 4.316848, MOS_TOL);
	voicecall_free(v);

	/* G.729 adds its 5 ms of look-ahead to Ta. */
	v = voicecall_new(EMODEL_G729, 20 * SB_MS, 0);
	voicecall_sent(v, 0);
	voicecall_arrived(v, 0, 150 * SB_MS);
	report(v, &rep);
	ck_assert_int_eq(rep.ta, 175 * SB_MS);
	voicecall_free(v);
}
END_TEST

/*
 * Jitter buffer 40 ms, 100 packets.  Packet 0 is the fastest at 140 ms,
 * so the playout point is 180 ms: packet 1 at exactly 180 ms is in time,
 * packets 10..19 at 185 ms are late, packets 50..54 never arrive, the
 * rest come at 179 ms.  lost 5, late 10, Ppl = 15%.
 * Ta = 140 + 40 + 20 = 200 ms: Id = 4.8 + 0.11 * 22.7 = 7.297.
 * Two runs of loss (10 late, then 5 lost): mean run 7.5; random loss at
 * 15% would give runs of 1 / 0.85, so BurstR = 7.5 * 0.85 = 6.375.
 * Ie,eff = 95 * 15 / (15 / 6.375 + 25.1) = 1425 / 27.452941 = 51.907007.
 * R = 93.2 - 7.297 - 51.907007 = 33.995993;
 * MOS = 1 + 1.189860 + 33.995993 * (-26.004007) * 66.004007 * 7e-6
 *     = 1 + 1.189860 - 0.408448 = 1.781412.
 */
START_TEST(test_call_late)
{
	struct voicecall *v = voicecall_new(EMODEL_G711, 20 * SB_MS,
	    40 * SB_MS);
	struct voicecall_report rep;
	uint64_t i;
	sb_time d;

	ck_assert_ptr_nonnull(v);
	for (i = 0; i < 100; i++) {
		voicecall_sent(v, i);
		if (i >= 50 && i < 55)
			continue;
		if (i == 0)
			d = 140 * SB_MS;
		else if (i == 1)
			d = 180 * SB_MS;
		else if (i >= 10 && i < 20)
			d = 185 * SB_MS;
		else
			d = 179 * SB_MS;
		voicecall_arrived(v, i, d);
	}
	report(v, &rep);
	ck_assert_uint_eq(rep.sent, 100);
	ck_assert_uint_eq(rep.lost, 5);
	ck_assert_uint_eq(rep.late, 10);
	ck_assert_int_eq(rep.d_min, 140 * SB_MS);
	ck_assert_int_eq(rep.ta, 200 * SB_MS);
	ck_assert_double_eq_tol(rep.ppl, 15.0, TOL);
	ck_assert_double_eq_tol(rep.burst_r, 6.375, TOL);
	ck_assert_double_eq_tol(rep.r, 33.995993, 1e-6);
	ck_assert_double_eq_tol(rep.mos, 1.781412, MOS_TOL);
	voicecall_free(v);
}
END_TEST

/*
 * The fastest packet arrives last: packets judged on time before it came
 * are late against it.  Delays 200 ms, then one at 100 ms; buffer 50 ms:
 * all the 200 ms ones are late (200 > 150).
 */
START_TEST(test_call_late_anchor_moves)
{
	struct voicecall *v = voicecall_new(EMODEL_G711, 20 * SB_MS,
	    50 * SB_MS);
	struct voicecall_report rep;
	uint64_t i;

	for (i = 0; i < 10; i++) {
		voicecall_sent(v, i);
		voicecall_arrived(v, i, i == 9 ? 100 * SB_MS : 200 * SB_MS);
	}
	report(v, &rep);
	ck_assert_uint_eq(rep.late, 9);
	ck_assert_uint_eq(rep.lost, 0);
	ck_assert_int_eq(rep.ta, 170 * SB_MS);
	voicecall_free(v);
}
END_TEST

/* Out of order, duplicates, strays: each packet counts once. */
START_TEST(test_call_order_and_strays)
{
	struct voicecall *v = voicecall_new(EMODEL_G711, 20 * SB_MS,
	    20 * SB_MS);
	struct voicecall_report rep;
	int i;

	voicecall_arrived(v, 0, SB_MS);         /* before anything was sent */
	for (i = 0; i < 10; i++)
		voicecall_sent(v, 100 + i);
	voicecall_sent(v, 105);                 /* sent again: ignored */
	voicecall_sent(v, 50);                  /* before the first: ignored */
	for (i = 9; i >= 0; i--) {
		voicecall_arrived(v, 100 + i, 30 * SB_MS);
		voicecall_arrived(v, 100 + i, 30 * SB_MS);
	}
	voicecall_arrived(v, 110, 30 * SB_MS);  /* not sent yet */
	voicecall_arrived(v, 99, 30 * SB_MS);   /* never sent */
	report(v, &rep);
	ck_assert_uint_eq(rep.sent, 10);
	ck_assert_uint_eq(rep.lost, 0);
	ck_assert_uint_eq(rep.late, 0);
	ck_assert_double_eq(rep.ppl, 0.0);

	/* A skip leaves the skipped numbers unsent, not lost. */
	voicecall_sent(v, 115);
	voicecall_arrived(v, 112, 30 * SB_MS);  /* skipped: ignored */
	voicecall_arrived(v, 115, 30 * SB_MS);
	report(v, &rep);
	ck_assert_uint_eq(rep.sent, 11);
	ck_assert_uint_eq(rep.lost, 0);
	/* So does a jump far past the window. */
	voicecall_sent(v, 115 + 10 * VOICECALL_WINDOW);
	report(v, &rep);
	ck_assert_uint_eq(rep.sent, 12);
	ck_assert_uint_eq(rep.lost, 1);         /* in flight */
	voicecall_arrived(v, 115 + 10 * VOICECALL_WINDOW, 30 * SB_MS);
	report(v, &rep);
	ck_assert_uint_eq(rep.lost, 0);
	ck_assert_double_eq(rep.burst_r, 1.0);
	voicecall_free(v);
}
END_TEST

/* An arrival older than the window counts as lost in the network. */
START_TEST(test_call_window)
{
	struct voicecall *v = voicecall_new(EMODEL_G711, 20 * SB_MS,
	    20 * SB_MS);
	struct voicecall_report rep;
	uint64_t i;

	for (i = 0; i <= VOICECALL_WINDOW; i++) {
		voicecall_sent(v, i);
		if (i > 0)
			voicecall_arrived(v, i, 30 * SB_MS);
	}
	voicecall_arrived(v, 0, 30 * SB_MS);
	report(v, &rep);
	ck_assert_uint_eq(rep.sent, VOICECALL_WINDOW + 1);
	ck_assert_uint_eq(rep.lost, 1);
	ck_assert_uint_eq(rep.late, 0);
	voicecall_free(v);
}
END_TEST

START_TEST(test_call_empty)
{
	struct voicecall *v = voicecall_new(EMODEL_OPUS, 20 * SB_MS,
	    40 * SB_MS);
	struct voicecall_report rep;
	int i;

	ck_assert_int_eq(voicecall_report(v, &rep), -ENODATA);
	ck_assert_uint_eq(rep.sent, 0);
	ck_assert(isnan(rep.mos));
	for (i = 0; i < 50; i++)
		voicecall_sent(v, i);
	report(v, &rep);
	ck_assert_uint_eq(rep.lost, 50);
	ck_assert_double_eq(rep.ppl, 100.0);
	ck_assert_int_eq(rep.ta, -1);
	ck_assert_double_eq(rep.r, 0.0);
	ck_assert_double_eq(rep.mos, 1.0);
	voicecall_free(v);

	ck_assert_ptr_null(voicecall_new(EMODEL__COUNT, 20 * SB_MS, 0));
	ck_assert_ptr_null(voicecall_new(EMODEL_G711, 0, 0));
	ck_assert_ptr_null(voicecall_new(EMODEL_G711, 20 * SB_MS, -1));
	voicecall_free(NULL);
}
END_TEST

/*
 * 2% of 30000 packets dropped at random (MT19937, seed 1), the rest at
 * 100 ms with a 40 ms buffer: Ta = 160 ms, and the formula gives
 * R = 93.2 - 3.84 - 7.011070 = 82.348930, MOS 4.109609.  The meter must
 * land within 0.1 of that: sampling moves Ppl by about 0.08 points (one
 * standard deviation), which is about 0.01 of MOS.
 */
START_TEST(test_call_random_loss)
{
	struct voicecall *v = voicecall_new(EMODEL_G711, 20 * SB_MS,
	    40 * SB_MS);
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	struct voicecall_report rep;
	double want;
	uint64_t i;

	gsl_rng_set(g, 1);
	for (i = 0; i < 30000; i++) {
		voicecall_sent(v, i);
		if (gsl_rng_uniform(g) >= 0.02)
			voicecall_arrived(v, i, 100 * SB_MS);
	}
	report(v, &rep);
	want = emodel_mos(emodel_r(EMODEL_G711, 160.0, 2.0, 1.0));
	ck_assert_double_eq_tol(want, 4.109609, MOS_TOL);
	ck_assert_int_eq(rep.ta, 160 * SB_MS);
	ck_assert_uint_eq(rep.late, 0);
	ck_assert_double_eq_tol(rep.ppl, 2.0, 0.3);
	ck_assert_double_eq_tol(rep.burst_r, 1.0, 0.1);
	ck_assert_double_eq_tol(rep.mos, want, 0.1);
	gsl_rng_free(g);
	voicecall_free(v);
}
END_TEST

/*
 * Gilbert loss (p = 0.01, r = 0.24; bad loses all, good none) over
 * 200000 packets: the meter's BurstR should find emodel_burst_r's 4 and
 * its Ppl the 4% of p / (p + r).
 */
START_TEST(test_call_bursty_loss)
{
	struct voicecall *v = voicecall_new(EMODEL_G711, 20 * SB_MS,
	    40 * SB_MS);
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	struct voicecall_report rep;
	int bad = 0;
	uint64_t i;

	gsl_rng_set(g, 7);
	for (i = 0; i < 200000; i++) {
		voicecall_sent(v, i);
		bad = bad ? gsl_rng_uniform(g) >= 0.24
		    : gsl_rng_uniform(g) < 0.01;
		if (!bad)
			voicecall_arrived(v, i, 100 * SB_MS);
	}
	report(v, &rep);
	ck_assert_double_eq_tol(rep.ppl, 4.0, 0.4);
	ck_assert_double_eq_tol(rep.burst_r, emodel_burst_r(0.01, 0.24), 0.4);
	ck_assert_double_eq_tol(rep.r, emodel_r(EMODEL_G711, 160.0, rep.ppl,
	    rep.burst_r), TOL);
	gsl_rng_free(g);
	voicecall_free(v);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("emodel");
	TCase *tc = tcase_create("formula");
	TCase *call = tcase_create("voicecall");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_g711_150ms);
	tcase_add_test(tc, test_g711_150ms_2pct);
	tcase_add_test(tc, test_other_codecs);
	tcase_add_test(tc, test_delay_knee);
	tcase_add_test(tc, test_burst_r);
	tcase_add_test(tc, test_mos_ends);
	tcase_add_test(tc, test_monotonic);
	suite_add_tcase(s, tc);
	tcase_add_test(call, test_call_steady);
	tcase_add_test(call, test_call_late);
	tcase_add_test(call, test_call_late_anchor_moves);
	tcase_add_test(call, test_call_order_and_strays);
	tcase_add_test(call, test_call_window);
	tcase_add_test(call, test_call_empty);
	tcase_add_test(call, test_call_random_loss);
	tcase_add_test(call, test_call_bursty_loss);
	suite_add_tcase(s, call);
	return s;
}

#include "check_main.h"
