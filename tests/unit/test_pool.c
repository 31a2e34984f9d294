/*
 * The packet pool: packets come back zeroed, are reused after being put
 * back (no growth in steady state), and the in-use count is exact.
 */
#include <check.h>

#include "sim/pool.h"

START_TEST(test_get_put_reuse)
{
	struct pool *pl = pool_new();
	struct sb_packet *p[2000], *q;

	for (int i = 0; i < 2000; i++) {
		p[i] = pool_get(pl);
		ck_assert_ptr_nonnull(p[i]);
		ck_assert_uint_eq(p[i]->size, 0);
		ck_assert_uint_eq(p[i]->flow, SB_FLOW_NONE);
		p[i]->size = 1234;
		p[i]->seq = (uint64_t)i;
	}
	ck_assert_uint_eq(pool_in_use(pl), 2000);
	for (int i = 0; i < 2000; i++)
		pool_put(pl, p[i]);
	ck_assert_uint_eq(pool_in_use(pl), 0);
	/* the last put is the first reused, and it comes back clean */
	q = pool_get(pl);
	ck_assert_ptr_eq(q, p[1999]);
	ck_assert_uint_eq(q->size, 0);
	ck_assert_uint_eq(q->seq, 0);
	pool_put(pl, q);
	pool_free(pl);
}
END_TEST

START_TEST(test_steady_state_reuses)
{
	struct pool *pl = pool_new();
	struct sb_packet *seen[8];
	int n = 0;

	/* a working set of 8 cycles through the same 8 packets */
	for (int round = 0; round < 100; round++) {
		struct sb_packet *p[8];
		for (int i = 0; i < 8; i++)
			p[i] = pool_get(pl);
		if (round == 0)
			for (int i = 0; i < 8; i++)
				seen[n++] = p[i];
		for (int i = 0; i < 8; i++) {
			int found = 0;
			for (int j = 0; j < 8; j++)
				found |= p[i] == seen[j];
			ck_assert(found);
		}
		for (int i = 0; i < 8; i++)
			pool_put(pl, p[i]);
	}
	pool_free(pl);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_get_put_reuse);
	tcase_add_test(tc, test_steady_state_reuses);
	suite_add_tcase(s, tc);
	return s;
}

#include "check_main.h"
