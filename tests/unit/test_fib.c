/*
 * The PoP's prefix table (wan/fib.c) against the pass over every advert
 * it replaced: the same answer for any set of prefixes, preferences and
 * distances, unreachable PoPs included.
 */
#include <check.h>

#include "tests/unit/check_main.h"
#include "tests/unit/xorshift.h"
#include "wan/fib.h"
#include "wan/inet.h"

#define NPOPS 12
#define NPFX 40
#define POPS_MANY 85

struct ad {
	uint32_t net[NPFX];
	unsigned len[NPFX], pref[NPFX], n;
};

/* The rule, as pop.h states it, by brute force. */
static int
scan(const struct ad *ads, const sb_time *dist, uint32_t addr)
{
	int best = -1;
	unsigned blen = 0, bpref = 0;

	for (int i = 0; i < NPOPS; i++) {
		if (dist[i] == SB_TIME_NEVER)
			continue;
		for (unsigned j = 0; j < ads[i].n; j++) {
			unsigned len = ads[i].len[j], pref = ads[i].pref[j];
			if ((addr & inet_mask(len)) != ads[i].net[j])
				continue;
			if (best < 0 || len > blen || (len == blen &&
			    (pref < bpref || (pref == bpref &&
			    dist[i] < dist[best])))) {
				best = i;
				blen = len;
				bpref = pref;
			}
		}
	}
	return best;
}

/* Addresses in a small space (10.0.0.0/22) so that prefixes overlap and
 * PoPs advertise the same ones. */
static uint32_t
addr_in(uint64_t *s)
{
	return 0x0a000000u | (uint32_t)(xorshift(s) % 1024);
}

START_TEST(same_as_the_scan)
{
	static const unsigned lens[] = { 0, 8, 22, 23, 24, 26, 30, 32 };
	uint64_t s = 0x9e3779b97f4a7c15ull + (uint64_t)_i;
	struct ad ads[NPOPS];
	sb_time dist[NPOPS];
	struct fib *f = fib_new();
	int checked = 0, none = 0;

	ck_assert_ptr_nonnull(f);
	for (int round = 0; round < 20; round++) {
		fib_clear(f);
		for (int i = 0; i < NPOPS; i++) {
			ads[i].n = (unsigned)(xorshift(&s) % NPFX);
			for (unsigned j = 0; j < ads[i].n; j++) {
				unsigned len = lens[xorshift(&s) % 8];
				uint32_t a = addr_in(&s);
				/* now and then bits past the length: such a
				 * prefix covers nothing, in both */
				ads[i].net[j] = xorshift(&s) % 10 == 0 ? a :
				    a & inet_mask(len);
				ads[i].len[j] = len;
				ads[i].pref[j] = (unsigned)(xorshift(&s) % 3);
				ck_assert_int_eq(fib_add(f, ads[i].net[j], len,
				    ads[i].pref[j], (unsigned)i), 0);
			}
		}
		for (int q = 0; q < 200; q++) {
			uint32_t addr = addr_in(&s);
			for (int i = 0; i < NPOPS; i++) {
				uint64_t r = xorshift(&s) % 8;
				/* ties in distance are common, and some PoPs
				 * are cut off */
				dist[i] = r == 0 ? SB_TIME_NEVER : (sb_time)r;
			}
			ck_assert_int_eq(fib_lookup(f, addr, dist),
			    scan(ads, dist, addr));
			checked++;
			none += scan(ads, dist, addr) < 0;
		}
	}
	/* the cases met both answers */
	ck_assert_int_gt(checked - none, 1000);
	fib_free(f);
}
END_TEST

START_TEST(longest_then_preference)
{
	struct fib *f = fib_new();
	sb_time dist[3] = { 5, 1, 9 };

	ck_assert_int_eq(fib_add(f, 0x0a000000u, 8, 0, 0), 0);
	ck_assert_int_eq(fib_add(f, 0x0a010100u, 24, 2, 1), 0);
	ck_assert_int_eq(fib_add(f, 0x0a010100u, 24, 1, 2), 0);
	/* the /24 beats the /8; PoP 2's lower preference beats PoP 1's
	 * shorter distance */
	ck_assert_int_eq(fib_lookup(f, 0x0a010105u, dist), 2);
	/* PoP 2 unreachable: PoP 1's /24 */
	dist[2] = SB_TIME_NEVER;
	ck_assert_int_eq(fib_lookup(f, 0x0a010105u, dist), 1);
	/* neither: back to the /8 */
	dist[1] = SB_TIME_NEVER;
	ck_assert_int_eq(fib_lookup(f, 0x0a010105u, dist), 0);
	ck_assert_int_eq(fib_lookup(f, 0x0b010105u, dist), -1);
	/* an origin's second advertisement of a prefix keeps the lower
	 * preference */
	dist[1] = dist[2] = 1;
	ck_assert_int_eq(fib_add(f, 0x0a010100u, 24, 0, 1), 0);
	ck_assert_int_eq(fib_lookup(f, 0x0a010105u, dist), 1);
	fib_clear(f);
	ck_assert_int_eq(fib_lookup(f, 0x0a010105u, dist), -1);
	fib_free(f);
}
END_TEST

START_TEST(many_prefixes)
{
	/* more than the first table holds: it grows, and keeps them all */
	struct fib *f = fib_new();
	sb_time dist[POPS_MANY];

	for (int i = 0; i < POPS_MANY; i++)
		dist[i] = i;
	for (uint32_t n = 0; n < 5000; n++)
		ck_assert_int_eq(fib_add(f, 0x0a000000u | n << 8, 24, 0,
		    n % POPS_MANY), 0);
	for (uint32_t n = 0; n < 5000; n++)
		ck_assert_int_eq(fib_lookup(f, 0x0a000000u | n << 8 | 7, dist),
		    (int)(n % POPS_MANY));
	ck_assert_int_eq(fib_lookup(f, 0x0b000007u, dist), -1);
	fib_free(f);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("fib");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, same_as_the_scan, 0, 5);
	tcase_add_test(tc, longest_then_preference);
	tcase_add_test(tc, many_prefixes);
	suite_add_tcase(s, tc);
	return s;
}
