/*
 * The inspection stage: service time plus latency for a lone packet, the
 * queue limit as a time, throughput at the bit-rate and at the packet-rate
 * limit under twice the load they allow, the mean wait against the M/D/1
 * closed form, latency added once for all engines (single pass), and down
 * dropping what is inside.
 */
#include <check.h>
#include <math.h>
#include <string.h>

#include "models/inspect.h"
#include "models/traffic.h"
#include "sim/pool.h"
#include "sim/rng.h"

#define NREC 64

struct sink {
	struct kernel *k;
	struct pool *pl;
	struct inspect *x;
	sb_time at[NREC];          /* when recv() saw packet n */
	uint64_t seq[NREC];
	sb_time drop_at[NREC];
	int n, ndrop;
	int drops[INSPECT_DROP__COUNT];
	/* for the M/D/1 check: time in the stage, from p->created */
	double sys_sum;
};

static void
on_recv(void *ctx, struct inspect *x, struct sb_packet *p)
{
	struct sink *s = ctx;

	if (s->n < NREC) {
		s->at[s->n] = kernel_now(s->k);
		s->seq[s->n] = p->seq;
	}
	s->n++;
	s->sys_sum += (double)(kernel_now(s->k) - p->created);
	pool_put(s->pl, p);
}

static void
on_drop(void *ctx, struct inspect *x, struct sb_packet *p,
    enum inspect_drop why)
{
	struct sink *s = ctx;

	if (s->ndrop < NREC)
		s->drop_at[s->ndrop] = kernel_now(s->k);
	s->ndrop++;
	s->drops[why]++;
	pool_put(s->pl, p);
}

static void
to_inspect(void *ctx, struct sb_packet *p)
{
	struct sink *s = ctx;

	inspect_send(s->x, p);
}

static void
mk(struct sink *s, const struct inspect_spec *spec)
{
	memset(s, 0, sizeof(*s));
	s->k = kernel_new();
	s->pl = pool_new();
	s->x = inspect_new(s->k, "test", spec);
	ck_assert_ptr_nonnull(s->x);
	inspect_set_handlers(s->x, on_recv, on_drop, s);
}

/* Drain, check every packet offered was accounted for once, and free. */
static void
done(struct sink *s)
{
	struct inspect_stats st;

	kernel_run(s->k, SB_TIME_NEVER);
	inspect_stats_take(s->x, &st, 0);
	ck_assert_uint_eq(st.in, st.out + st.drops[INSPECT_DROP_QUEUE] +
	    st.drops[INSPECT_DROP_DOWN]);
	ck_assert_uint_eq(pool_in_use(s->pl), 0);
	inspect_free(s->x);
	pool_free(s->pl);
	kernel_free(s->k);
}

static void
send_n(struct sink *s, int n, uint32_t size)
{
	for (int i = 0; i < n; i++) {
		struct sb_packet *p = pool_get(s->pl);
		p->size = size;
		p->seq = (uint64_t)i;
		p->created = kernel_now(s->k);
		inspect_send(s->x, p);
	}
}

/* 1. Below capacity a packet takes exactly its service time plus the
 * latency, and waits nothing. */
START_TEST(test_lone_packet)
{
	/* 1000 B at 8 Mbps: 1 ms; the 10 kpps limit (100 us) is looser */
	struct inspect_spec spec = { .capacity_bps = 8000000,
	    .capacity_pps = 10000, .latency = 300 * SB_US };
	struct inspect_stats st;
	struct sink s;

	mk(&s, &spec);
	ck_assert_int_eq(inspect_service(s.x, 1000), SB_MS);
	send_n(&s, 1, 1000);
	ck_assert_int_eq(inspect_backlog_time(s.x), SB_MS);
	kernel_run(s.k, 5 * SB_MS);
	ck_assert_int_eq(s.n, 1);
	ck_assert_int_eq(s.at[0], SB_MS + 300 * SB_US);
	/* idle again: the next one takes the same, from when it is sent */
	ck_assert_int_eq(inspect_backlog_time(s.x), 0);
	send_n(&s, 1, 1000);
	kernel_run(s.k, SB_TIME_NEVER);
	ck_assert_int_eq(s.n, 2);
	ck_assert_int_eq(s.at[1], 5 * SB_MS + SB_MS + 300 * SB_US);
	inspect_stats_take(s.x, &st, 1);
	ck_assert_uint_eq(st.in, 2);
	ck_assert_uint_eq(st.accepted, 2);
	ck_assert_uint_eq(st.out, 2);
	ck_assert_uint_eq(st.bytes_out, 2000);
	ck_assert_int_eq(st.busy, 2 * SB_MS);
	ck_assert_int_eq(st.wait_sum, 0);
	ck_assert_int_eq(st.wait_max, 0);
	inspect_stats_take(s.x, &st, 0);
	ck_assert_uint_eq(st.in, 0);
	ck_assert_int_eq(st.busy, 0);
	done(&s);
}
END_TEST

/* The queue limit is a wait: a packet that would wait exactly `queue` is
 * taken, one that would wait longer is dropped. */
START_TEST(test_queue_limit)
{
	struct inspect_spec spec = { .capacity_bps = 8000000,
	    .queue = 2 * SB_MS };
	struct inspect_stats st;
	struct sink s;

	mk(&s, &spec);
	send_n(&s, 5, 1000);       /* waits 0, 1, 2 ms; 3 ms twice: dropped */
	ck_assert_int_eq(s.drops[INSPECT_DROP_QUEUE], 2);
	kernel_run(s.k, SB_TIME_NEVER);
	ck_assert_int_eq(s.n, 3);
	ck_assert_int_eq(s.at[0], 1 * SB_MS);
	ck_assert_int_eq(s.at[1], 2 * SB_MS);
	ck_assert_int_eq(s.at[2], 3 * SB_MS);
	inspect_stats_take(s.x, &st, 0);
	ck_assert_uint_eq(st.in, 5);
	ck_assert_uint_eq(st.accepted, 3);
	ck_assert_int_eq(st.wait_sum, 3 * SB_MS);
	ck_assert_int_eq(st.wait_max, 2 * SB_MS);
	done(&s);
}
END_TEST

/* Offer twice what the stage can take for 10 simulated seconds, through a
 * Poisson source of fixed-size packets; measure over [0, 10 s). */
static void
overload(const struct inspect_spec *spec, uint32_t size, double offered_pps,
    const char *stream, struct sink *s, struct inspect_stats *st)
{
	struct traffic_spec ts = { .arrivals = TRAFFIC_POISSON,
	    .sizes = TRAFFIC_SIZE_FIXED,
	    .rate_bps = (uint64_t)(offered_pps * 8.0 * size),
	    .packet_bytes = size, .start = 0, .stop = 10 * SB_S };
	gsl_rng *r = rng_new(3, stream);
	struct traffic *t;

	mk(s, spec);
	t = traffic_new(s->k, s->pl, &ts, 0, r, to_inspect, s);
	ck_assert_ptr_nonnull(t);
	kernel_run(s->k, 10 * SB_S);
	inspect_stats_take(s->x, st, 0);
	traffic_free(t);
	gsl_rng_free(r);
}

/* 2. The bit-rate limit: 1250 B packets at 10 Mbps are 1 ms each. */
START_TEST(test_overload_bps)
{
	struct inspect_spec spec = { .capacity_bps = 10000000,
	    .queue = 5 * SB_MS, .latency = SB_MS };
	struct inspect_stats st;
	struct sink s;
	double got;

	overload(&spec, 1250, 2000.0, "inspect-bps", &s, &st);
	got = (double)st.bytes_out * 8.0 / 10.0;
	ck_assert_msg(fabs(got - 1e7) / 1e7 < 0.01,
	    "throughput %.0f bps, capacity 10000000", got);
	ck_assert_uint_gt(st.drops[INSPECT_DROP_QUEUE], st.in / 4);
	ck_assert_int_gt(st.wait_max, 0);
	ck_assert_int_le(st.wait_max, spec.queue);
	/* the server was busy nearly all the time */
	ck_assert_int_gt(st.busy, 99 * SB_S / 10);
	done(&s);
}
END_TEST

/* 3. The packet-rate limit: 64 B packets at 1 Gbps would take 512 ns, but
 * 100 kpps allows one every 10 us; 1500 B packets (12 us) are still held
 * by the bit rate. */
START_TEST(test_overload_pps)
{
	struct inspect_spec spec = { .capacity_bps = 1000000000,
	    .capacity_pps = 100000, .queue = SB_MS, .latency = 50 * SB_US };
	struct inspect_stats st;
	struct sink s;
	double got;

	overload(&spec, 64, 200000.0, "inspect-pps", &s, &st);
	ck_assert_int_eq(inspect_service(s.x, 64), 10 * SB_US);
	ck_assert_int_eq(inspect_service(s.x, 1500), 12 * SB_US);
	got = (double)st.out / 10.0;
	ck_assert_msg(fabs(got - 1e5) / 1e5 < 0.01,
	    "throughput %.0f pps, capacity 100000", got);
	ck_assert_uint_gt(st.drops[INSPECT_DROP_QUEUE], 0);
	ck_assert_int_le(st.wait_max, spec.queue);
	done(&s);
}
END_TEST

/*
 * 4. Validation against queueing theory.  Poisson arrivals of fixed-size
 * packets into a server of constant service time S with no queue limit is
 * an M/D/1 queue; its mean wait by the Pollaczek-Khinchine formula is
 * Wq = rho S / (2 (1 - rho)).  1000 B at 10 Mbps: S = 800 us.  The source
 * stream is seeded 7 ("inspect-md1-0.5" / "-0.8"); rho 0.5 runs 1000 s
 * (about 625,000 packets), rho 0.8 2000 s (about 2,000,000), and the
 * measured mean must be within 5% of Wq, both as the stage counts it
 * (wait_sum) and as the receiver sees it (time inside less S and the
 * latency, which must not count as waiting).
 */
#define MD1_BPS 10000000ull
#define MD1_BYTES 1000

static void
check_md1(double rho, sb_time duration, const char *stream)
{
	struct inspect_spec spec = { .capacity_bps = MD1_BPS,
	    .latency = 250 * SB_US };
	double svc = MD1_BYTES * 8.0 / (double)MD1_BPS;        /* s */
	double wq = rho * svc / (2.0 * (1.0 - rho));
	struct traffic_spec ts = { .arrivals = TRAFFIC_POISSON,
	    .sizes = TRAFFIC_SIZE_FIXED,
	    .rate_bps = (uint64_t)(rho * (double)MD1_BPS),
	    .packet_bytes = MD1_BYTES, .start = 0, .stop = duration };
	gsl_rng *r = rng_new(7, stream);
	struct inspect_stats st;
	struct traffic *t;
	struct sink s;
	double got_stage, got_recv;

	mk(&s, &spec);
	t = traffic_new(s.k, s.pl, &ts, 0, r, to_inspect, &s);
	ck_assert_ptr_nonnull(t);
	kernel_run(s.k, SB_TIME_NEVER);
	inspect_stats_take(s.x, &st, 0);
	ck_assert_uint_eq(st.out, st.in);
	ck_assert_uint_gt(st.out, (uint64_t)(0.9 * rho / svc *
	    (double)duration / 1e9));
	got_stage = (double)st.wait_sum / (double)st.accepted / 1e9;
	got_recv = s.sys_sum / (double)s.n / 1e9 - svc -
	    (double)spec.latency / 1e9;
	ck_assert_msg(fabs(got_stage - wq) / wq < 0.05,
	    "rho %.1f: Wq measured %.4f ms, M/D/1 %.4f ms", rho,
	    got_stage * 1e3, wq * 1e3);
	ck_assert_msg(fabs(got_recv - wq) / wq < 0.05,
	    "rho %.1f: Wq at the receiver %.4f ms, M/D/1 %.4f ms", rho,
	    got_recv * 1e3, wq * 1e3);
	traffic_free(t);
	gsl_rng_free(r);
	done(&s);
}

START_TEST(test_md1_half)
{
	check_md1(0.5, 1000 * SB_S, "inspect-md1-0.5");
}
END_TEST

START_TEST(test_md1_busy)
{
	check_md1(0.8, 2000 * SB_S, "inspect-md1-0.8");
}
END_TEST

/*
 * 5. Single pass.  Four engines apply (firewall, IPS, anti-malware, TLS
 * inspection); the caller sums their per-packet delays into one latency L,
 * and a packet comes out after its service time plus L, not plus 4 L.  The
 * latency is a pipeline delay, not server time: a burst comes out spaced
 * by the service time, not by service plus latency.
 */
START_TEST(test_single_pass)
{
	const sb_time engine[4] = { 20 * SB_US, 150 * SB_US, 400 * SB_US,
	    430 * SB_US };
	struct inspect_spec spec = { .capacity_bps = 8000000 };
	struct sink s;
	sb_time l = 0;

	for (int i = 0; i < 4; i++)
		l += engine[i];
	ck_assert_int_eq(l, SB_MS);
	spec.latency = l;
	mk(&s, &spec);
	send_n(&s, 4, 1000);       /* S = 1 ms each */
	kernel_run(s.k, SB_TIME_NEVER);
	ck_assert_int_eq(s.n, 4);
	ck_assert_int_eq(s.at[0], SB_MS + l);
	ck_assert_int_ne(s.at[0], SB_MS + 4 * l);
	for (int i = 0; i < 4; i++) {
		ck_assert_uint_eq(s.seq[i], (uint64_t)i);
		ck_assert_int_eq(s.at[i], (sb_time)(i + 1) * SB_MS + l);
	}
	done(&s);

	/* no capacity limit at all: service 0, everything out after L */
	spec.capacity_bps = 0;
	mk(&s, &spec);
	ck_assert_int_eq(inspect_service(s.x, 1500), 0);
	send_n(&s, 4, 1500);
	ck_assert_int_eq(inspect_backlog_time(s.x), 0);
	kernel_run(s.k, SB_TIME_NEVER);
	ck_assert_int_eq(s.n, 4);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(s.at[i], l);
	done(&s);
}
END_TEST

static void
set_down(void *a, void *b)
{
	inspect_set_up(a, 0);
}

static void
set_up(void *a, void *b)
{
	inspect_set_up(a, 1);
}

/* 6. Down drops what is queued and what is past the server but not yet
 * out, at the instant it would have come out, even if the stage is up
 * again by then; what arrives while down is dropped at once; up again, a
 * fresh packet crosses an empty stage. */
START_TEST(test_down_drops_inside)
{
	struct inspect_spec spec = { .capacity_bps = 8000000,
	    .latency = 10 * SB_MS };
	struct inspect_stats st;
	struct sink s;

	mk(&s, &spec);
	send_n(&s, 3, 1000);       /* leave the server at 1, 2, 3 ms */
	kernel_at(s.k, 1500 * SB_US, set_down, s.x, NULL);
	kernel_run(s.k, 2 * SB_MS);
	ck_assert(!inspect_is_up(s.x));
	ck_assert_int_eq(inspect_backlog_time(s.x), 0);
	send_n(&s, 1, 1000);
	ck_assert_int_eq(s.drops[INSPECT_DROP_DOWN], 1);
	ck_assert_int_eq(s.drop_at[0], 2 * SB_MS);
	/* up again before the first of the three would come out (11 ms) */
	kernel_at(s.k, 5 * SB_MS, set_up, s.x, NULL);
	kernel_run(s.k, 5 * SB_MS);
	ck_assert(inspect_is_up(s.x));
	send_n(&s, 1, 1000);       /* out at 5 + 1 + 10 ms */
	kernel_run(s.k, SB_TIME_NEVER);
	ck_assert_int_eq(s.drops[INSPECT_DROP_DOWN], 4);
	ck_assert_int_eq(s.drop_at[1], 11 * SB_MS);
	ck_assert_int_eq(s.drop_at[2], 12 * SB_MS);
	ck_assert_int_eq(s.drop_at[3], 13 * SB_MS);
	ck_assert_int_eq(s.n, 1);
	ck_assert_int_eq(s.at[0], 16 * SB_MS);
	inspect_stats_take(s.x, &st, 0);
	ck_assert_uint_eq(st.in, 5);
	ck_assert_uint_eq(st.out, 1);
	ck_assert_uint_eq(st.drops[INSPECT_DROP_DOWN], 4);
	done(&s);
}
END_TEST

START_TEST(test_bad_spec)
{
	struct inspect_spec spec = { .latency = -1 };
	struct kernel *k = kernel_new();

	ck_assert_ptr_null(inspect_new(k, "bad", &spec));
	spec.latency = 0;
	spec.queue = -SB_MS;
	ck_assert_ptr_null(inspect_new(k, "bad", &spec));
	kernel_free(k);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("inspect");
	TCase *tc = tcase_create("core");
	TCase *md1 = tcase_create("md1");

	tcase_add_test(tc, test_lone_packet);
	tcase_add_test(tc, test_queue_limit);
	tcase_add_test(tc, test_overload_bps);
	tcase_add_test(tc, test_overload_pps);
	tcase_add_test(tc, test_single_pass);
	tcase_add_test(tc, test_down_drops_inside);
	tcase_add_test(tc, test_bad_spec);
	suite_add_tcase(s, tc);
	tcase_set_timeout(md1, 120);
	tcase_add_test(md1, test_md1_half);
	tcase_add_test(md1, test_md1_busy);
	suite_add_tcase(s, md1);
	return s;
}

#include "check_main.h"
