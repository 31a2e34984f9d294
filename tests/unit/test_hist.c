/*
 * The histogram: quantiles within 1/128 of the exact nearest-rank
 * quantiles of the same data, at every bucket edge and over a skewed
 * sample of 10^5 values; small values exact; merging the same as adding
 * everything to one; count, min, max and mean exact, even past 2^64 of sum.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "reports/hist.h"
#include "tests/unit/check_main.h"
#include "tests/unit/xorshift.h"

static double
uniform(uint64_t *s)
{
	return ((double)(xorshift(s) >> 11) + 0.5) / 9007199254740992.0;
}

/* exp of a normal (Box-Muller): latencies with a long right tail */
static int64_t
lognormal(uint64_t *s, double mu, double sigma)
{
	double z = sqrt(-2.0 * log(uniform(s))) * cos(2.0 * M_PI * uniform(s));

	return (int64_t)exp(mu + sigma * z);
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The nearest-rank quantile of sorted data, the rule the header states. */
static int64_t
exact_quantile(const int64_t *sorted, size_t n, double q)
{
	double r = ceil(q * (double)n);
	size_t rank = r < 1.0 ? 1 : (size_t)r;

	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

static const double QS[] = {
	0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995,
	0.999, 0.9999, 1
};
#define NQS (sizeof(QS) / sizeof(*QS))

START_TEST(test_empty)
{
	struct hist *h = hist_new();

	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(hist_count(h), 0);
	ck_assert(hist_mean(h) == 0.0);
	ck_assert_int_eq(hist_min(h), 0);
	ck_assert_int_eq(hist_max(h), 0);
	ck_assert_int_eq(hist_quantile(h, 0.5), 0);
	hist_free(h);
}
END_TEST

START_TEST(test_small_values_exact)
{
	struct hist *h = hist_new();

	/* 0..63 each once: the k-th value is k-1, exactly */
	for (int64_t v = 63; v >= 0; v--)
		hist_add(h, v);
	for (int k = 1; k <= 64; k++)
		ck_assert_int_eq(hist_quantile(h, k / 64.0), k - 1);
	ck_assert_int_eq(hist_min(h), 0);
	ck_assert_int_eq(hist_max(h), 63);
	ck_assert(hist_mean(h) == 31.5);
	hist_free(h);
}
END_TEST

/*
 * The worst cases are the ends of each bucket.  Put one such value between
 * a 0 and a huge value, so the median is read from its bucket rather than
 * from the exact min or max.
 */
START_TEST(test_bucket_edges)
{
	struct hist *h = hist_new();
	double worst = 0;

	for (int e = 6; e < 40; e++) {
		int64_t w = (int64_t)1 << (e - 6);
		for (int sub = 0; sub < 64; sub++) {
			int64_t lo = ((int64_t)1 << e) + sub * w;
			int64_t vs[2] = { lo, lo + w - 1 };
			for (int k = 0; k < 2; k++) {
				int64_t got;
				double rel;
				hist_reset(h);
				hist_add(h, 0);
				hist_add(h, vs[k]);
				hist_add(h, (int64_t)1 << 41);
				got = hist_quantile(h, 0.5);
				rel = fabs((double)(got - vs[k])) /
				    (double)vs[k];
				if (rel > worst)
					worst = rel;
				ck_assert_msg(rel <= 1.0 / 128,
				    "value %lld read back as %lld",
				    (long long)vs[k], (long long)got);
			}
		}
	}
	printf("hist: worst relative error at bucket edges %.12f of the "
	    "bound 1/128\n", worst * 128);
	hist_free(h);
}
END_TEST

START_TEST(test_lognormal_quantiles)
{
	enum { N = 100000 };
	int64_t *v = malloc(N * sizeof(*v));
	struct hist *h = hist_new();
	uint64_t seed = 0x9e3779b97f4a7c15ULL, sum = 0;
	double worst = 0, mean;

	ck_assert_ptr_nonnull(v);
	for (size_t i = 0; i < N; i++) {
		/* around 20 ms, a decade either side, and some tiny ones */
		v[i] = i % 100 == 0 ? (int64_t)(xorshift(&seed) % 200) :
		    lognormal(&seed, log(20e6), 1.2);
		hist_add(h, v[i]);
		sum += (uint64_t)v[i];
	}
	qsort(v, N, sizeof(*v), cmp64);
	ck_assert_uint_eq(hist_count(h), N);
	ck_assert_int_eq(hist_min(h), v[0]);
	ck_assert_int_eq(hist_max(h), v[N - 1]);
	mean = (double)((long double)sum / N);
	ck_assert(hist_mean(h) == mean);
	for (size_t i = 0; i < NQS; i++) {
		int64_t want = exact_quantile(v, N, QS[i]);
		int64_t got = hist_quantile(h, QS[i]);
		double rel = want ? fabs((double)(got - want)) / (double)want :
		    (double)(got != 0);
		if (rel > worst)
			worst = rel;
		ck_assert_msg(rel <= 1.0 / 128, "q %g: %lld, exact %lld",
		    QS[i], (long long)got, (long long)want);
	}
	/* the ends are exact, not just close */
	ck_assert_int_eq(hist_quantile(h, 0), v[0]);
	ck_assert_int_eq(hist_quantile(h, 1), v[N - 1]);
	printf("hist: 1e5 lognormal values, worst quantile error %.4f of "
	    "the bound 1/128, p50 %lld p99 %lld ns\n", worst * 128,
	    (long long)hist_quantile(h, 0.5), (long long)hist_quantile(h, 0.99));
	hist_free(h);
	free(v);
}
END_TEST

START_TEST(test_merge_equals_adding_all)
{
	struct hist *all = hist_new(), *a = hist_new(), *b = hist_new();
	uint64_t seed = 12345;

	for (int i = 0; i < 50000; i++) {
		int64_t x = lognormal(&seed, log(5e6), 2.0);
		hist_add(all, x);
		hist_add(i % 3 ? a : b, x);
	}
	hist_merge(a, b);
	ck_assert_uint_eq(hist_count(a), hist_count(all));
	ck_assert_int_eq(hist_min(a), hist_min(all));
	ck_assert_int_eq(hist_max(a), hist_max(all));
	ck_assert(hist_mean(a) == hist_mean(all));
	for (int k = 0; k <= 1000; k++)
		ck_assert_int_eq(hist_quantile(a, k / 1000.0),
		    hist_quantile(all, k / 1000.0));
	/* merging an empty one changes nothing, into an empty one copies */
	hist_reset(b);
	hist_merge(a, b);
	ck_assert_uint_eq(hist_count(a), hist_count(all));
	ck_assert_int_eq(hist_min(a), hist_min(all));
	hist_merge(b, all);
	ck_assert_int_eq(hist_quantile(b, 0.9), hist_quantile(all, 0.9));
	ck_assert_int_eq(hist_min(b), hist_min(all));
	hist_free(all);
	hist_free(a);
	hist_free(b);
}
END_TEST

START_TEST(test_mean_past_64_bits)
{
	struct hist *h = hist_new();

	/* four times 2^62 is 2^64: the sum must carry, not wrap to 0 */
	for (int i = 0; i < 4; i++)
		hist_add(h, (int64_t)1 << 62);
	hist_add(h, 0);
	ck_assert(hist_mean(h) == ldexp(1.0, 64) / 5);
	ck_assert_int_eq(hist_max(h), (int64_t)1 << 62);
	hist_free(h);
}
END_TEST

START_TEST(test_out_of_range)
{
	struct hist *h = hist_new();
	int64_t big = ((int64_t)1 << 45) + 12345;

	/* above 2^40: counted in the top bucket, the max stays exact */
	hist_add(h, 1000);
	hist_add(h, big);
	hist_add(h, big);
	ck_assert_int_eq(hist_max(h), big);
	ck_assert_int_eq(hist_quantile(h, 1), big);
	ck_assert_int_le(hist_quantile(h, 0.5), big);
	ck_assert_int_ge(hist_quantile(h, 0.5), (int64_t)1 << 39);
	/* negative values count as 0 */
	hist_reset(h);
	hist_add(h, -5);
	ck_assert_int_eq(hist_min(h), 0);
	ck_assert(hist_mean(h) == 0.0);
	ck_assert_uint_eq(hist_count(h), 1);
	hist_free(h);
}
END_TEST

START_TEST(test_reset)
{
	struct hist *h = hist_new();

	hist_add(h, 5000);
	hist_reset(h);
	ck_assert_uint_eq(hist_count(h), 0);
	hist_add(h, 7);
	ck_assert_int_eq(hist_min(h), 7);
	ck_assert_int_eq(hist_max(h), 7);
	ck_assert_int_eq(hist_quantile(h, 0.5), 7);
	ck_assert(hist_mean(h) == 7.0);
	hist_free(h);
}
END_TEST

/* A reset keeps its counters' memory but not their counts: values from
 * before must not show in a quantile after (the walk passes their
 * buckets first here). */
START_TEST(test_reset_clears_kept_counters)
{
	struct hist *h = hist_new();
	int64_t q;

	for (int i = 0; i < 1000; i++)
		hist_add(h, 100);
	hist_reset(h);
	hist_add(h, 5000);
	hist_add(h, 6000);
	hist_add(h, 7000);
	q = hist_quantile(h, 0.5);
	ck_assert_int_ge(q, 6000 - 6000 / 128);
	ck_assert_int_le(q, 6000 + 6000 / 128);
	ck_assert_uint_eq(hist_count(h), 3);
	hist_free(h);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("hist");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_small_values_exact);
	tcase_add_test(tc, test_bucket_edges);
	tcase_add_test(tc, test_lognormal_quantiles);
	tcase_add_test(tc, test_merge_equals_adding_all);
	tcase_add_test(tc, test_mean_past_64_bits);
	tcase_add_test(tc, test_out_of_range);
	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_reset_clears_kept_counters);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
