/*
 * The PoP agent's prefix table (pop_attach, pop_withdraw, pop_detach): a
 * handle holds several prefixes, as an IPsec site's tunnel does with the
 * prefixes learned over BGP; withdrawing one leaves the others; detaching
 * the handle removes them all; a second attach of one it holds changes
 * only its preference.  The PoP's own egress follows.
 */
#include <check.h>
#include <stdint.h>

#include "wan/pop.h"
#include "tests/unit/check_main.h"
#include "tests/unit/fake_platform.h"

START_TEST(test_prefixes_per_handle)
{
	struct fake *f = fake_new(1);
	const char *names[] = { "par" };
	struct pop_config cfg = { .id = 0, .name = "par", .npops = 1,
		.names = names };
	char err[128];
	struct pop *p = pop_new(fake_platform(f), &cfg, err, sizeof(err));

	ck_assert_msg(p != NULL, "%s", err);
	pop_start(p);
	ck_assert_int_eq(pop_attach(p, 0x0a000200u, 24, 0, 7), 0);
	ck_assert_int_eq(pop_attach(p, 0x0a3c0000u, 16, 0, 7), 0);
	ck_assert_int_eq(pop_attach(p, 0x0a3c0000u, 16, 1, 9), 0);
	ck_assert_int_eq(pop_local(p, 0x0a00020au), 7);
	ck_assert_int_eq(pop_local(p, 0x0a3c0101u), 7);  /* pref 0 wins */
	ck_assert_int_eq(pop_egress(p, 0x0a3c0101u), 0);
	/* one withdrawn: the other stays, the other handle takes over */
	pop_withdraw(p, 0x0a3c0000u, 16, 7);
	ck_assert_int_eq(pop_local(p, 0x0a3c0101u), 9);
	ck_assert_int_eq(pop_local(p, 0x0a00020au), 7);
	/* attached again with another preference: one entry, moved */
	ck_assert_int_eq(pop_attach(p, 0x0a000200u, 24, 3, 7), 0);
	ck_assert_int_eq(pop_attach(p, 0x0a000200u, 24, 2, 9), 0);
	ck_assert_int_eq(pop_local(p, 0x0a00020au), 9);
	/* a handle detached: all of its prefixes go */
	pop_detach(p, 9);
	ck_assert_int_eq(pop_local(p, 0x0a3c0101u), -1);
	ck_assert_int_eq(pop_local(p, 0x0a00020au), 7);
	pop_detach(p, 7);
	ck_assert_int_eq(pop_local(p, 0x0a00020au), -1);
	fake_advance(f, SB_S);
	ck_assert_int_eq(pop_egress(p, 0x0a00020au), -1);
	/* nothing to withdraw, or a length past 32: no harm */
	pop_withdraw(p, 0x0a000200u, 24, 7);
	pop_withdraw(p, 0, 40, 7);
	pop_free(p);
	fake_free(f);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("pop");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_prefixes_per_handle);
	suite_add_tcase(s, tc);
	return s;
}
