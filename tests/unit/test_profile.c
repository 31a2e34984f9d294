/*
 * Diurnal profiles: the values at the points and on the straight lines
 * between them, the segment that wraps from the day's last point to the
 * next day's first, hours outside [0, 24) taken modulo 24, a single point
 * as a constant, and the input profile_new() must refuse.  Expected values
 * are worked out by hand in the comments.
 */
#include <check.h>
#include <math.h>

#include "models/profile.h"

#define EPS 1e-12

static void
check_at(const struct profile *p, double hour, double delay, double jitter,
    double loss)
{
	struct profile_factors f = profile_at(p, hour);

	ck_assert_msg(fabs(f.delay - delay) < EPS &&
	    fabs(f.jitter - jitter) < EPS && fabs(f.loss - loss) < EPS,
	    "at %g h: got (%g, %g, %g), want (%g, %g, %g)", hour, f.delay,
	    f.jitter, f.loss, delay, jitter, loss);
}

/*
 * Points at 06:00 (1, 1, 1), 12:00 (2, 1, 3) and 20:00 (4, 3, 5), given out
 * of order.  The wrap segment runs from 20:00 to 06:00 next day, 10 h, so
 * each hour past 20:00 moves delay by (1 - 4) / 10 = -0.3, jitter by -0.2
 * and loss by -0.4.
 */
START_TEST(test_interpolation)
{
	struct profile_point pts[] = {
		{ 20, 4.0, 3.0, 5.0 },
		{ 6, 1.0, 1.0, 1.0 },
		{ 12, 2.0, 1.0, 3.0 },
	};
	struct profile *p = profile_new("evening-peak", pts, 3);

	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(profile_name(p), "evening-peak");
	/* at the points */
	check_at(p, 6, 1, 1, 1);
	check_at(p, 12, 2, 1, 3);
	check_at(p, 20, 4, 3, 5);
	/* between: 09:00 is half way from 06 to 12, 14:00 a quarter 12->20 */
	check_at(p, 9, 1.5, 1, 2);
	check_at(p, 14, 2.5, 1.5, 3.5);
	check_at(p, 19, 3.75, 2.75, 4.75);
	/* nothing depends on the caller's array after the call */
	pts[0].delay = 100;
	check_at(p, 20, 4, 3, 5);
	profile_free(p);
}
END_TEST

START_TEST(test_wrap_across_midnight)
{
	struct profile_point pts[] = {
		{ 6, 1.0, 1.0, 1.0 },
		{ 12, 2.0, 1.0, 3.0 },
		{ 20, 4.0, 3.0, 5.0 },
	};
	struct profile *p = profile_new("evening-peak", pts, 3);

	ck_assert_ptr_nonnull(p);
	/* 4 h past 20:00 */
	check_at(p, 0, 4 - 1.2, 3 - 0.8, 5 - 1.6);
	/* 2 h and 9 h past 20:00 */
	check_at(p, 22, 4 - 0.6, 3 - 0.4, 5 - 0.8);
	check_at(p, 5, 4 - 2.7, 3 - 1.8, 5 - 3.6);
	/* continuous at midnight from both sides */
	check_at(p, 23.999999999, 4 - 1.2 + 3e-10, 3 - 0.8 + 2e-10,
	    5 - 1.6 + 4e-10);
	/* just before the first point of the day */
	check_at(p, 6 - 1e-9, 1 + 3e-10, 1 + 2e-10, 1 + 4e-10);
	profile_free(p);
}
END_TEST

START_TEST(test_hour_modulo_24)
{
	struct profile_point pts[] = {
		{ 6, 1.0, 1.0, 1.0 },
		{ 18, 3.0, 2.0, 5.0 },
	};
	struct profile *p = profile_new("twice", pts, 2);

	ck_assert_ptr_nonnull(p);
	check_at(p, 12, 2, 1.5, 3);
	check_at(p, 24 + 12, 2, 1.5, 3);
	check_at(p, 10 * 24 + 12, 2, 1.5, 3);
	check_at(p, -12, 2, 1.5, 3);      /* 12:00 the day before */
	check_at(p, -24 * 3 + 9, 1.5, 1.25, 2);
	/* 24:00 is 00:00, half way along the 12 h wrap from 18:00 */
	check_at(p, 24, 2, 1.5, 3);
	check_at(p, 0, 2, 1.5, 3);
	check_at(p, 48, 2, 1.5, 3);
	/* a hair below zero must not land on an hour of 24 */
	check_at(p, -1e-18, 2, 1.5, 3);
	/* not a number: the value at midnight rather than NaN */
	check_at(p, NAN, 2, 1.5, 3);
	profile_free(p);
}
END_TEST

START_TEST(test_single_point_is_constant)
{
	struct profile_point pt = { 9, 1.3, 1.1, 2.0 };
	struct profile *p = profile_new("flat", &pt, 1);

	ck_assert_ptr_nonnull(p);
	for (double h = -30; h < 60; h += 0.7)
		check_at(p, h, 1.3, 1.1, 2.0);
	profile_free(p);
}
END_TEST

START_TEST(test_points_at_day_edges)
{
	struct profile_point pts[] = {
		{ 0, 1.0, 1.0, 1.0 },
		{ 23.5, 2.0, 2.0, 2.0 },
	};
	struct profile *p = profile_new(NULL, pts, 2);

	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(profile_name(p), "");
	check_at(p, 0, 1, 1, 1);
	check_at(p, 23.5, 2, 2, 2);
	check_at(p, 23.75, 1.5, 1.5, 1.5);  /* half way round the wrap */
	check_at(p, 11.75, 1.5, 1.5, 1.5);
	profile_free(p);
}
END_TEST

START_TEST(test_rejects)
{
	struct profile_point bad_hour = { 24, 1, 1, 1 };
	struct profile_point neg_hour = { -0.5, 1, 1, 1 };
	struct profile_point neg = { 3, 1, -1, 1 };
	struct profile_point nan_hour = { NAN, 1, 1, 1 };
	struct profile_point inf = { 3, 1, 1, INFINITY };
	struct profile_point dup[] = { { 3, 1, 1, 1 }, { 7, 1, 1, 1 },
	    { 3, 2, 2, 2 } };

	ck_assert_ptr_null(profile_new("x", &bad_hour, 1));
	ck_assert_ptr_null(profile_new("x", &neg_hour, 1));
	ck_assert_ptr_null(profile_new("x", &neg, 1));
	ck_assert_ptr_null(profile_new("x", &nan_hour, 1));
	ck_assert_ptr_null(profile_new("x", &inf, 1));
	ck_assert_ptr_null(profile_new("x", dup, 3));
	ck_assert_ptr_null(profile_new("x", dup, 0));
	ck_assert_ptr_null(profile_new("x", NULL, 1));
	profile_free(NULL);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("profile");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_interpolation);
	tcase_add_test(tc, test_wrap_across_midnight);
	tcase_add_test(tc, test_hour_modulo_24);
	tcase_add_test(tc, test_single_point_is_constant);
	tcase_add_test(tc, test_points_at_day_edges);
	tcase_add_test(tc, test_rejects);
	suite_add_tcase(s, tc);
	return s;
}

#include "check_main.h"
