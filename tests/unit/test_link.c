/*
 * The link model: serialisation at the bandwidth, the drop-tail byte limit,
 * down dropping what is queued and in flight, jitter without reordering
 * unless asked, loss applied, and the diurnal profile scaling the delay.
 */
#include <check.h>
#include <string.h>

#include "models/link.h"
#include "sim/pool.h"
#include "sim/rng.h"

struct sink {
	struct kernel *k;
	struct pool *pl;
	sb_time at[64];
	uint64_t seq[64];
	int n;
	int drops[LINK_DROP__COUNT];
};

static void
on_recv(void *ctx, struct link *l, struct sb_packet *p)
{
	struct sink *s = ctx;

	if (s->n < 64) {
		s->at[s->n] = kernel_now(s->k);
		s->seq[s->n] = p->seq;
	}
	s->n++;
	pool_put(s->pl, p);
}

static void
on_drop(void *ctx, struct link *l, struct sb_packet *p, enum link_drop why)
{
	struct sink *s = ctx;

	s->drops[why]++;
	pool_put(s->pl, p);
}

static struct link *
mk(struct sink *s, const struct link_spec *spec, gsl_rng **r)
{
	struct link *l;

	memset(s, 0, sizeof(*s));
	s->k = kernel_new();
	s->pl = pool_new();
	*r = rng_new(1, "test-link");
	l = link_new(s->k, "test", spec, *r);
	ck_assert_ptr_nonnull(l);
	link_set_handlers(l, on_recv, on_drop, s);
	return l;
}

static void
done(struct sink *s, struct link *l, gsl_rng *r)
{
	ck_assert_uint_eq(pool_in_use(s->pl), 0);
	link_free(l);
	gsl_rng_free(r);
	pool_free(s->pl);
	kernel_free(s->k);
}

static void
send_n(struct sink *s, struct link *l, int n, uint32_t size)
{
	for (int i = 0; i < n; i++) {
		struct sb_packet *p = pool_get(s->pl);
		p->size = size;
		p->seq = (uint64_t)i;
		link_send(l, p);
	}
}

START_TEST(test_serialisation)
{
	struct link_spec spec = { .bandwidth_bps = 8000000, .delay = 10 * SB_MS };
	struct sink s;
	gsl_rng *r;
	struct link *l = mk(&s, &spec, &r);
	struct link_stats st;

	send_n(&s, l, 3, 1000);    /* 1000 B at 8 Mbps: 1 ms each */
	ck_assert_uint_eq(link_backlog(l), 3000);
	kernel_run(s.k, SB_TIME_NEVER);
	ck_assert_int_eq(s.n, 3);
	ck_assert_int_eq(s.at[0], 11 * SB_MS);
	ck_assert_int_eq(s.at[1], 12 * SB_MS);
	ck_assert_int_eq(s.at[2], 13 * SB_MS);
	link_stats_take(l, &st, 1);
	ck_assert_uint_eq(st.packets, 3);
	ck_assert_uint_eq(st.bytes, 3000);
	ck_assert_int_eq(st.busy, 3 * SB_MS);
	ck_assert_uint_eq(st.queue_max, 3000);
	done(&s, l, r);
}
END_TEST

START_TEST(test_queue_limit)
{
	struct link_spec spec = { .bandwidth_bps = 8000000, .delay = SB_MS,
	    .queue_bytes = 2500 };
	struct sink s;
	gsl_rng *r;
	struct link *l = mk(&s, &spec, &r);

	send_n(&s, l, 4, 1000);
	kernel_run(s.k, SB_TIME_NEVER);
	ck_assert_int_eq(s.n, 2);
	ck_assert_int_eq(s.drops[LINK_DROP_QUEUE], 2);
	done(&s, l, r);
}
END_TEST

static void
go_down(void *a, void *b)
{
	link_set_up(a, 0);
}

START_TEST(test_down_drops_in_flight)
{
	struct link_spec spec = { .bandwidth_bps = 8000000, .delay = 10 * SB_MS };
	struct sink s;
	gsl_rng *r;
	struct link *l = mk(&s, &spec, &r);

	send_n(&s, l, 3, 1000);
	kernel_at(s.k, 1500 * SB_US, go_down, l, NULL);
	kernel_run(s.k, 100 * SB_MS);
	ck_assert_int_eq(s.n, 0);
	ck_assert_int_eq(s.drops[LINK_DROP_DOWN], 3);
	/* sending on a down link drops at once */
	send_n(&s, l, 1, 1000);
	ck_assert_int_eq(s.drops[LINK_DROP_DOWN], 4);
	/* up again: a fresh packet crosses, with an empty queue */
	link_set_up(l, 1);
	ck_assert_uint_eq(link_backlog(l), 0);
	send_n(&s, l, 1, 1000);
	kernel_run(s.k, SB_TIME_NEVER);
	ck_assert_int_eq(s.n, 1);
	ck_assert_int_eq(s.at[0], 111 * SB_MS);
	done(&s, l, r);
}
END_TEST

static void
send_spaced(struct sink *s, struct link *l, int n, sb_time gap)
{
	for (int i = 0; i < n; i++) {
		struct sb_packet *p;
		kernel_run(s->k, (sb_time)i * gap);
		p = pool_get(s->pl);
		p->size = 100;
		p->seq = (uint64_t)i;
		link_send(l, p);
	}
}

static int
count_reordered(const struct sink *s, int n)
{
	int out = 0;

	for (int i = 1; i < n && i < 64; i++)
		out += s->seq[i] < s->seq[i - 1];
	return out;
}

START_TEST(test_jitter_order)
{
	struct link_spec spec = { .delay = 10 * SB_MS,
	    .jitter = { .kind = JITTER_UNIFORM, .amount = 5 * SB_MS } };
	struct sink s;
	gsl_rng *r;
	struct link *l = mk(&s, &spec, &r);

	send_spaced(&s, l, 64, 100 * SB_US);
	kernel_run(s.k, SB_TIME_NEVER);
	ck_assert_int_eq(s.n, 64);
	ck_assert_int_eq(count_reordered(&s, 64), 0);
	for (int i = 1; i < 64; i++)
		ck_assert_int_ge(s.at[i], s.at[i - 1]);
	done(&s, l, r);

	spec.reorder = 1;
	l = mk(&s, &spec, &r);
	send_spaced(&s, l, 64, 100 * SB_US);
	kernel_run(s.k, SB_TIME_NEVER);
	ck_assert_int_eq(s.n, 64);
	ck_assert_int_gt(count_reordered(&s, 64), 0);
	done(&s, l, r);
}
END_TEST

START_TEST(test_total_loss)
{
	struct link_spec spec = { .delay = SB_MS,
	    .loss = { .kind = LOSS_BERNOULLI, .rate = 1.0 } };
	struct sink s;
	gsl_rng *r;
	struct link *l = mk(&s, &spec, &r);

	send_n(&s, l, 10, 500);
	kernel_run(s.k, SB_TIME_NEVER);
	ck_assert_int_eq(s.n, 0);
	ck_assert_int_eq(s.drops[LINK_DROP_LOSS], 10);
	done(&s, l, r);
}
END_TEST

START_TEST(test_profile_scales_delay)
{
	/* delay x2 at noon, x1 at midnight; the run starts at 12:00 UTC */
	struct profile_point pts[] = {
		{ .hour = 0, .delay = 1, .jitter = 1, .loss = 1 },
		{ .hour = 12, .delay = 2, .jitter = 1, .loss = 1 },
	};
	struct profile *pr = profile_new("noon", pts, 2);
	struct link_spec spec = { .delay = 10 * SB_MS, .profile = pr,
	    .clock0_utc_s = 1773144000 /* 2026-03-10T12:00:00Z */ };
	struct sink s;
	gsl_rng *r;
	struct link *l = mk(&s, &spec, &r);

	send_n(&s, l, 1, 100);
	kernel_run(s.k, SB_TIME_NEVER);
	ck_assert_int_eq(s.n, 1);
	ck_assert_int_eq(s.at[0], 20 * SB_MS);
	/* an end six hours ahead (18:00 local: x1.5) does not lower it,
	 * one twelve hours ahead (midnight: x1) does not either: the larger
	 * end wins */
	done(&s, l, r);
	spec.tz_b_min = 6 * 60;
	l = mk(&s, &spec, &r);
	kernel_run(s.k, 0);
	send_n(&s, l, 1, 100);
	kernel_run(s.k, SB_TIME_NEVER);
	ck_assert_int_eq(s.at[0], 20 * SB_MS);
	done(&s, l, r);
	/* both ends at 18:00 local: halfway down the slope to midnight */
	spec.tz_a_min = spec.tz_b_min = 6 * 60;
	l = mk(&s, &spec, &r);
	send_n(&s, l, 1, 100);
	kernel_run(s.k, SB_TIME_NEVER);
	ck_assert_int_eq(s.at[0], 15 * SB_MS);
	done(&s, l, r);
	profile_free(pr);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("link");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_serialisation);
	tcase_add_test(tc, test_queue_limit);
	tcase_add_test(tc, test_down_drops_in_flight);
	tcase_add_test(tc, test_jitter_order);
	tcase_add_test(tc, test_total_loss);
	tcase_add_test(tc, test_profile_scales_delay);
	suite_add_tcase(s, tc);
	return s;
}

#include "check_main.h"
