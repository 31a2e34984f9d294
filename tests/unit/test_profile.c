/*
 * Diurnal profiles: values at and between points, across midnight, hours
 * outside [0, 24), a single point, and rejection of bad input.
 */
#include <check.h>

#include "models/profile.h"

START_TEST(test_interpolation_and_wrap)
{
	struct profile_point pts[] = {
		{ 18, 2.0, 3.0, 4.0 },   /* given out of order on purpose */
		{ 6, 1.0, 1.0, 1.0 },
	};
	struct profile *p = profile_new("evening", pts, 2);
	struct profile_factors f;

	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(profile_name(p), "evening");
	f = profile_at(p, 6);
	ck_assert_double_eq_tol(f.delay, 1.0, 1e-12);
	f = profile_at(p, 12);
	ck_assert_double_eq_tol(f.delay, 1.5, 1e-12);
	ck_assert_double_eq_tol(f.jitter, 2.0, 1e-12);
	ck_assert_double_eq_tol(f.loss, 2.5, 1e-12);
	f = profile_at(p, 18);
	ck_assert_double_eq_tol(f.loss, 4.0, 1e-12);
	/* from 18:00 back down to 06:00 across midnight: 12 h */
	f = profile_at(p, 0);
	ck_assert_double_eq_tol(f.delay, 1.5, 1e-12);
	f = profile_at(p, 3);
	ck_assert_double_eq_tol(f.delay, 1.25, 1e-12);
	f = profile_at(p, 21);
	ck_assert_double_eq_tol(f.delay, 1.75, 1e-12);
	/* any real hour, modulo 24 */
	f = profile_at(p, 36);
	ck_assert_double_eq_tol(f.delay, 1.5, 1e-12);
	f = profile_at(p, -3);
	ck_assert_double_eq_tol(f.delay, 1.75, 1e-12);
	profile_free(p);
}
END_TEST

START_TEST(test_single_point)
{
	struct profile_point pt = { 9, 1.3, 1.0, 2.0 };
	struct profile *p = profile_new("flat", &pt, 1);

	ck_assert_double_eq_tol(profile_at(p, 0).delay, 1.3, 1e-12);
	ck_assert_double_eq_tol(profile_at(p, 23.9).loss, 2.0, 1e-12);
	profile_free(p);
}
END_TEST

START_TEST(test_rejects)
{
	struct profile_point bad_hour = { 24, 1, 1, 1 };
	struct profile_point neg = { 3, -1, 1, 1 };
	struct profile_point dup[] = { { 3, 1, 1, 1 }, { 3, 2, 2, 2 } };

	ck_assert_ptr_null(profile_new("x", &bad_hour, 1));
	ck_assert_ptr_null(profile_new("x", &neg, 1));
	ck_assert_ptr_null(profile_new("x", dup, 2));
	ck_assert_ptr_null(profile_new("x", dup, 0));
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("profile");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_interpolation_and_wrap);
	tcase_add_test(tc, test_single_point);
	tcase_add_test(tc, test_rejects);
	suite_add_tcase(s, tc);
	return s;
}

#include "check_main.h"
