/*
 * PoP selection: the first choice with nothing measured, measured RTT over
 * preference order, staying on a usable PoP however fast the others get,
 * RFC 6298 smoothing to the nanosecond, moving off a failed PoP and the
 * penalty ending exactly on time, every PoP avoided, the SLA's run of
 * failed windows (and what breaks it), each bound on its own, the
 * defaults, and ids the module does not know.
 *
 * Candidate ids are deliberately not 0..n-1, so that an index returned in
 * place of an id would show.
 */
#include <check.h>
#include <stdint.h>

#include "wan/popsel.h"
#include "tests/unit/check_main.h"
#include "tests/unit/xorshift.h"

/* Preference order: 30 nearest, then 10, 20, 40. */
static const int ids[] = { 30, 10, 20, 40 };
#define NIDS (sizeof(ids) / sizeof(*ids))

#define T0 (1000 * SB_S) /* a clock that is not at zero */

static struct popsel *
mk(sb_time penalty, unsigned evals, sb_time rtt_max, double loss_max)
{
	struct popsel_cfg cfg = { penalty, evals, rtt_max, loss_max };
	struct popsel *s = popsel_new(&cfg, ids, NIDS);

	ck_assert_ptr_nonnull(s);
	return s;
}

START_TEST(test_first_choice_unmeasured)
{
	struct popsel *s = mk(0, 0, 0, 0);

	ck_assert_int_eq(popsel_choose(s, -1, T0), 30);
	/* a current that is not a candidate counts as none */
	ck_assert_int_eq(popsel_choose(s, 99, T0), 30);
	for (size_t i = 0; i < NIDS; i++) {
		ck_assert_int_eq(popsel_srtt(s, ids[i]), -1);
		ck_assert_int_eq(popsel_avoided(s, ids[i], T0), 0);
	}
	popsel_free(s);
}
END_TEST

START_TEST(test_measured_before_unmeasured)
{
	struct popsel *s = mk(0, 0, 0, 0);

	/* one far PoP measured, and slow: it still beats the unmeasured */
	popsel_rtt(s, 40, 300 * SB_MS);
	ck_assert_int_eq(popsel_choose(s, -1, T0), 40);
	popsel_free(s);
}
END_TEST

START_TEST(test_lowest_rtt_wins)
{
	struct popsel *s = mk(0, 0, 0, 0);

	popsel_rtt(s, 30, 40 * SB_MS);
	popsel_rtt(s, 10, 25 * SB_MS);
	popsel_rtt(s, 20, 20 * SB_MS);
	ck_assert_int_eq(popsel_choose(s, -1, T0), 20);
	popsel_free(s);

	/* a tie goes to the preferred (nearer) one: 10 before 20 */
	s = mk(0, 0, 0, 0);
	popsel_rtt(s, 20, 20 * SB_MS);
	popsel_rtt(s, 10, 20 * SB_MS);
	popsel_rtt(s, 30, 20 * SB_MS + 1);
	ck_assert_int_eq(popsel_choose(s, -1, T0), 10);
	popsel_free(s);
}
END_TEST

START_TEST(test_no_flapping)
{
	struct popsel *s = mk(0, 0, 0, 0);
	uint64_t x = 0x9e3779b97f4a7c15ull;

	popsel_rtt(s, 30, 50 * SB_MS);
	ck_assert_int_eq(popsel_choose(s, -1, T0), 30);
	/* another PoP becomes twice as fast: the tunnel stays */
	popsel_rtt(s, 10, 25 * SB_MS);
	ck_assert_int_eq(popsel_choose(s, -1, T0), 10);
	ck_assert_int_eq(popsel_choose(s, 30, T0), 30);
	/* and keeps staying through an hour of noisy probes */
	for (int i = 0; i < 3600; i++) {
		xorshift(&x);
		popsel_rtt(s, ids[x % NIDS], (sb_time)(x % (200 * SB_MS)));
		ck_assert_int_eq(popsel_choose(s, 30, T0 + i * SB_S), 30);
	}
	popsel_free(s);
}
END_TEST

START_TEST(test_srtt_exact)
{
	struct popsel *s = mk(0, 0, 0, 0);

	popsel_rtt(s, 10, 100 * SB_MS);
	ck_assert_int_eq(popsel_srtt(s, 10), 100 * SB_MS);	/* as is */
	popsel_rtt(s, 10, 200 * SB_MS);
	ck_assert_int_eq(popsel_srtt(s, 10), 112500 * SB_US);
	/* 112.5 + (50 - 112.5) / 8 = 104.6875 ms */
	popsel_rtt(s, 10, 50 * SB_MS);
	ck_assert_int_eq(popsel_srtt(s, 10), 104687500 * SB_NS);
	/* negative samples are not RTTs */
	popsel_rtt(s, 10, -1);
	ck_assert_int_eq(popsel_srtt(s, 10), 104687500 * SB_NS);
	/* the others are untouched */
	ck_assert_int_eq(popsel_srtt(s, 30), -1);
	/* a zero RTT is a sample: 0 then 800 ns gives 100 ns */
	popsel_rtt(s, 20, 0);
	ck_assert_int_eq(popsel_srtt(s, 20), 0);
	popsel_rtt(s, 20, 800);
	ck_assert_int_eq(popsel_srtt(s, 20), 100);
	popsel_free(s);
}
END_TEST

START_TEST(test_failed_moves_to_next_best)
{
	struct popsel *s = mk(0, 0, 0, 0);

	popsel_rtt(s, 30, 30 * SB_MS);
	popsel_rtt(s, 10, 50 * SB_MS);
	popsel_rtt(s, 20, 40 * SB_MS);
	ck_assert_int_eq(popsel_choose(s, -1, T0), 30);
	popsel_failed(s, 30, T0);
	ck_assert(popsel_avoided(s, 30, T0));
	/* next best by RTT (20), not by preference (10) */
	ck_assert_int_eq(popsel_choose(s, 30, T0), 20);
	/* asked again without a current, the failed one is still out */
	ck_assert_int_eq(popsel_choose(s, -1, T0 + SB_S), 20);
	popsel_failed(s, 20, T0 + SB_S);
	ck_assert_int_eq(popsel_choose(s, 20, T0 + SB_S), 10);
	popsel_failed(s, 10, T0 + 2 * SB_S);
	/* the last one was never measured, and is all that is left */
	ck_assert_int_eq(popsel_choose(s, 10, T0 + 2 * SB_S), 40);
	popsel_free(s);
}
END_TEST

START_TEST(test_penalty_expiry)
{
	struct popsel *s = mk(0, 0, 0, 0);
	sb_time end = T0 + POPSEL_PENALTY_DEFAULT;

	popsel_rtt(s, 30, 10 * SB_MS);
	popsel_rtt(s, 10, 90 * SB_MS);
	popsel_failed(s, 30, T0);
	ck_assert(popsel_avoided(s, 30, end - 1));
	ck_assert_int_eq(popsel_choose(s, -1, end - 1), 10);
	ck_assert(!popsel_avoided(s, 30, end));
	ck_assert_int_eq(popsel_choose(s, -1, end), 30);
	/* but a tunnel on 10 does not go back of its own accord */
	ck_assert_int_eq(popsel_choose(s, 10, end), 10);
	/* failing again while avoided starts the penalty over */
	popsel_failed(s, 30, end + 5 * SB_S);
	popsel_failed(s, 30, end + 10 * SB_S);
	ck_assert(popsel_avoided(s, 30, end + 10 * SB_S +
	    POPSEL_PENALTY_DEFAULT - 1));
	ck_assert(!popsel_avoided(s, 30, end + 10 * SB_S +
	    POPSEL_PENALTY_DEFAULT));
	popsel_free(s);

	/* a configured penalty */
	s = mk(7 * SB_S, 0, 0, 0);
	popsel_failed(s, 20, T0);
	ck_assert(popsel_avoided(s, 20, T0 + 7 * SB_S - 1));
	ck_assert(!popsel_avoided(s, 20, T0 + 7 * SB_S));
	popsel_free(s);
}
END_TEST

START_TEST(test_all_avoided)
{
	struct popsel *s = mk(10 * SB_S, 0, 0, 0);

	popsel_rtt(s, 40, 5 * SB_MS);
	popsel_failed(s, 40, T0);		/* ends T0 + 10 */
	popsel_failed(s, 30, T0 + 3 * SB_S);	/* ends T0 + 13 */
	popsel_failed(s, 20, T0 + 2 * SB_S);	/* ends T0 + 12 */
	popsel_failed(s, 10, T0 + 1 * SB_S);	/* ends T0 + 11 */
	/* the soonest to recover, not the fastest or the nearest */
	ck_assert_int_eq(popsel_choose(s, 30, T0 + 9 * SB_S), 40);
	popsel_failed(s, 40, T0 + 9 * SB_S);	/* ends T0 + 19 */
	ck_assert_int_eq(popsel_choose(s, 40, T0 + 9 * SB_S), 10);
	/* penalties ending together: the preferred one */
	popsel_failed(s, 20, T0 + 9 * SB_S);
	popsel_failed(s, 30, T0 + 9 * SB_S);
	popsel_failed(s, 10, T0 + 9 * SB_S);
	ck_assert_int_eq(popsel_choose(s, -1, T0 + 9 * SB_S), 30);
	ck_assert_int_eq(popsel_choose(s, 40, T0 + 19 * SB_S - 1), 30);
	/* all back at once: by RTT again, the one measured first */
	ck_assert_int_eq(popsel_choose(s, -1, T0 + 19 * SB_S), 40);
	popsel_free(s);
}
END_TEST

START_TEST(test_sla_consecutive)
{
	struct popsel *s = mk(0, 3, 100 * SB_MS, 0);
	sb_time t = T0, bad = 150 * SB_MS, good = 50 * SB_MS;

	popsel_rtt(s, 10, 60 * SB_MS);
	popsel_rtt(s, 30, 80 * SB_MS);
	ck_assert_int_eq(popsel_evaluate(s, 10, t += SB_S, bad, 0), 0);
	ck_assert_int_eq(popsel_evaluate(s, 10, t += SB_S, bad, 0), 0);
	/* a pass breaks the run */
	ck_assert_int_eq(popsel_evaluate(s, 10, t += SB_S, good, 0), 0);
	ck_assert_int_eq(popsel_evaluate(s, 10, t += SB_S, bad, 0), 0);
	ck_assert_int_eq(popsel_evaluate(s, 10, t += SB_S, bad, 0), 0);
	ck_assert(!popsel_avoided(s, 10, t));
	ck_assert_int_eq(popsel_choose(s, 10, t), 10);
	ck_assert_int_eq(popsel_evaluate(s, 10, t += SB_S, bad, 0), 1);
	/* failed as popsel_failed would: avoided from that window on */
	ck_assert(popsel_avoided(s, 10, t));
	ck_assert(popsel_avoided(s, 10, t + POPSEL_PENALTY_DEFAULT - 1));
	ck_assert(!popsel_avoided(s, 10, t + POPSEL_PENALTY_DEFAULT));
	ck_assert_int_eq(popsel_choose(s, 10, t), 30);
	popsel_free(s);
}
END_TEST

START_TEST(test_sla_run_per_pop)
{
	struct popsel *s = mk(0, 2, 100 * SB_MS, 0);
	sb_time bad = 150 * SB_MS;

	/* one bad window on 10, then the tunnel is on 20: its run starts
	 * at one, not two */
	ck_assert_int_eq(popsel_evaluate(s, 10, T0, bad, 0), 0);
	ck_assert_int_eq(popsel_evaluate(s, 20, T0 + SB_S, bad, 0), 0);
	ck_assert(!popsel_avoided(s, 20, T0 + SB_S));
	ck_assert_int_eq(popsel_evaluate(s, 20, T0 + 2 * SB_S, bad, 0), 1);
	ck_assert(popsel_avoided(s, 20, T0 + 2 * SB_S));
	ck_assert(!popsel_avoided(s, 10, T0 + 2 * SB_S));
	/* a failure clears the run: after the penalty it needs two again */
	popsel_free(s);
	s = mk(SB_S, 2, 100 * SB_MS, 0);
	ck_assert_int_eq(popsel_evaluate(s, 10, T0, bad, 0), 0);
	popsel_failed(s, 10, T0);
	ck_assert_int_eq(popsel_evaluate(s, 10, T0 + SB_S, bad, 0), 0);
	ck_assert(!popsel_avoided(s, 10, T0 + SB_S));
	ck_assert_int_eq(popsel_evaluate(s, 10, T0 + 2 * SB_S, bad, 0), 1);
	popsel_free(s);
}
END_TEST

START_TEST(test_sla_bounds_alone)
{
	struct popsel *s;

	/* loss bound alone: any RTT passes, loss above the bound fails */
	s = mk(0, 1, 0, 0.02);
	ck_assert_int_eq(popsel_evaluate(s, 10, T0, 10 * SB_S, 0.0), 0);
	ck_assert_int_eq(popsel_evaluate(s, 10, T0, 10 * SB_S, 0.02), 0);
	ck_assert_int_eq(popsel_evaluate(s, 10, T0, -1, 0.02), 0);
	ck_assert(!popsel_avoided(s, 10, T0));
	ck_assert_int_eq(popsel_evaluate(s, 10, T0, 1 * SB_MS, 0.021), 1);
	ck_assert(popsel_avoided(s, 10, T0));
	popsel_free(s);

	/* RTT bound alone: any loss passes, RTT above the bound fails */
	s = mk(0, 1, 100 * SB_MS, 0);
	ck_assert_int_eq(popsel_evaluate(s, 10, T0, 100 * SB_MS, 1.0), 0);
	/* nothing answered: no RTT to judge */
	ck_assert_int_eq(popsel_evaluate(s, 10, T0, -1, 1.0), 0);
	ck_assert(!popsel_avoided(s, 10, T0));
	ck_assert_int_eq(popsel_evaluate(s, 10, T0, 100 * SB_MS + 1, 0.0),
	    1);
	ck_assert(popsel_avoided(s, 10, T0));
	popsel_free(s);

	/* no bounds: nothing fails */
	s = mk(0, 1, 0, 0);
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(popsel_evaluate(s, 10, T0, 10 * SB_S, 1.0),
		    0);
	ck_assert(!popsel_avoided(s, 10, T0));
	popsel_free(s);
}
END_TEST

START_TEST(test_defaults)
{
	struct popsel_cfg zero = { 0, 0, 0, 0 };
	struct popsel_cfg bounded = { 0, 0, 0, 0.01 };
	struct popsel *s = popsel_new(&zero, ids, NIDS), *d;

	ck_assert_ptr_nonnull(s);
	popsel_failed(s, 20, T0);
	ck_assert(popsel_avoided(s, 20, T0 + POPSEL_PENALTY_DEFAULT - 1));
	ck_assert(!popsel_avoided(s, 20, T0 + POPSEL_PENALTY_DEFAULT));
	popsel_free(s);

	/* a NULL cfg is the same */
	d = popsel_new(NULL, ids, NIDS);
	ck_assert_ptr_nonnull(d);
	popsel_failed(d, 20, T0);
	ck_assert(popsel_avoided(d, 20, T0 + POPSEL_PENALTY_DEFAULT - 1));
	ck_assert(!popsel_avoided(d, 20, T0 + POPSEL_PENALTY_DEFAULT));
	popsel_free(d);

	/* sla_evals 0: the default number of failed windows */
	s = popsel_new(&bounded, ids, NIDS);
	ck_assert_ptr_nonnull(s);
	for (int i = 1; i < POPSEL_SLA_EVALS_DEFAULT; i++)
		ck_assert_int_eq(popsel_evaluate(s, 30, T0, 0, 0.5), 0);
	ck_assert_int_eq(popsel_evaluate(s, 30, T0, 0, 0.5), 1);
	popsel_free(s);
}
END_TEST

START_TEST(test_new_refuses)
{
	int many[POPSEL_MAX + 1], dup[] = { 1, 2, 1 }, neg[] = { 1, -1 };
	struct popsel_cfg c;
	struct popsel *s;

	for (int i = 0; i <= POPSEL_MAX; i++)
		many[i] = 100 + i;
	ck_assert_ptr_null(popsel_new(NULL, many, POPSEL_MAX + 1));
	s = popsel_new(NULL, many, POPSEL_MAX);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(popsel_choose(s, -1, T0), 100);
	popsel_free(s);
	ck_assert_ptr_null(popsel_new(NULL, dup, 3));
	ck_assert_ptr_null(popsel_new(NULL, neg, 2));
	c = (struct popsel_cfg){ .penalty = -1 };
	ck_assert_ptr_null(popsel_new(&c, ids, NIDS));
	c = (struct popsel_cfg){ .rtt_max = -1 };
	ck_assert_ptr_null(popsel_new(&c, ids, NIDS));
	c = (struct popsel_cfg){ .loss_max = -0.1 };
	ck_assert_ptr_null(popsel_new(&c, ids, NIDS));
	popsel_free(NULL);
}
END_TEST

START_TEST(test_unknown_ids)
{
	struct popsel *s = mk(0, 1, 100 * SB_MS, 0.01);
	struct popsel *none = popsel_new(NULL, NULL, 0);

	popsel_rtt(s, 99, 1 * SB_MS);
	popsel_failed(s, 99, T0);
	ck_assert_int_eq(popsel_evaluate(s, 99, T0, SB_S, 1.0), 0);
	popsel_rtt(s, -1, 1 * SB_MS);
	ck_assert_int_eq(popsel_srtt(s, 99), -1);
	ck_assert_int_eq(popsel_avoided(s, 99, T0), 0);
	/* nothing they did shows in the choice */
	ck_assert_int_eq(popsel_choose(s, 99, T0), 30);
	ck_assert_int_eq(popsel_choose(s, -1, T0), 30);

	/* no candidates: the only time the answer is -1 */
	ck_assert_ptr_nonnull(none);
	ck_assert_int_eq(popsel_choose(none, -1, T0), -1);
	ck_assert_int_eq(popsel_choose(none, 30, T0), -1);
	popsel_free(none);
	popsel_free(s);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("popsel");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_first_choice_unmeasured);
	tcase_add_test(tc, test_measured_before_unmeasured);
	tcase_add_test(tc, test_lowest_rtt_wins);
	tcase_add_test(tc, test_no_flapping);
	tcase_add_test(tc, test_srtt_exact);
	tcase_add_test(tc, test_failed_moves_to_next_best);
	tcase_add_test(tc, test_penalty_expiry);
	tcase_add_test(tc, test_all_avoided);
	tcase_add_test(tc, test_sla_consecutive);
	tcase_add_test(tc, test_sla_run_per_pop);
	tcase_add_test(tc, test_sla_bounds_alone);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_new_refuses);
	tcase_add_test(tc, test_unknown_ids);
	suite_add_tcase(s, tc);
	return s;
}
