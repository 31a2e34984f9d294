/* The tunables a simulating command starts again with (sim/hugepages.c). */
#include <check.h>
#include <string.h>

#include "sim/hugepages.h"
#include "tests/unit/check_main.h"

START_TEST(unset_gets_the_tunable)
{
	char b[64];

	ck_assert_int_eq(hugepages_tunables(NULL, b, sizeof(b)), 1);
	ck_assert_str_eq(b, "glibc.malloc.hugetlb=1");
	ck_assert_int_eq(hugepages_tunables("", b, sizeof(b)), 1);
	ck_assert_str_eq(b, "glibc.malloc.hugetlb=1");
}
END_TEST

START_TEST(others_are_kept)
{
	char b[128];

	ck_assert_int_eq(hugepages_tunables("glibc.malloc.check=3", b,
	    sizeof(b)), 1);
	ck_assert_str_eq(b, "glibc.malloc.check=3:glibc.malloc.hugetlb=1");
}
END_TEST

START_TEST(a_chosen_value_stays)
{
	char b[64] = "untouched";

	/* already on (the second start), or chosen off */
	ck_assert_int_eq(hugepages_tunables("glibc.malloc.hugetlb=1", b,
	    sizeof(b)), 0);
	ck_assert_int_eq(hugepages_tunables("glibc.malloc.hugetlb=0", b,
	    sizeof(b)), 0);
	ck_assert_int_eq(hugepages_tunables("x=1:glibc.malloc.hugetlb=0", b,
	    sizeof(b)), 0);
	ck_assert_str_eq(b, "untouched");
}
END_TEST

START_TEST(too_long_is_left_alone)
{
	char b[24];

	ck_assert_int_eq(hugepages_tunables("glibc.malloc.check=3", b,
	    sizeof(b)), 0);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("hugepages");
	TCase *tc = tcase_create("tunables");

	tcase_add_test(tc, unset_gets_the_tunable);
	tcase_add_test(tc, others_are_kept);
	tcase_add_test(tc, a_chosen_value_stays);
	tcase_add_test(tc, too_long_is_left_alone);
	suite_add_tcase(s, tc);
	return s;
}
