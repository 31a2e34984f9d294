/*
 * The TCP model on a wire of its own: a fixed delay each way, a rate, and
 * random loss on the data direction.  Checks the mechanisms one by one,
 * then the steady-state throughput against the Mathis formula
 *
 *     rate = MSS / RTT * C / sqrt(p)
 *
 * with C = 1.31: Mathis, Semke, Mahdavi and Ott (1997) derive
 * sqrt(3/2) = 1.22 for periodic loss and report 1.31 for random loss
 * with an ACK for every segment, which is this model's receiver and
 * this wire's loss.  The table it prints is the one in docs/traffic.md.
 */
#include <math.h>
#include <stdio.h>

#include <gsl/gsl_rng.h>

#include "check_main.h"
#include "models/tcp.h"

#define MATHIS_C 1.31

struct wire;

/* One direction: delay, rate, loss, and the end it delivers to. */
struct dir {
	struct wire *w;
	struct tcp *to;
	sb_time delay;
	uint64_t rate_bps;
	double loss;
	sb_time busy;
	uint64_t sent, dropped;
	uint64_t drop_seq;       /* drop the first data segment at this seq */
	int drop_once;
};

struct wire {
	struct kernel *k;
	struct pool *pl;
	gsl_rng *r;
	struct dir d[2];         /* 0: client to server, 1: back */
	struct tcp *end[2];
	uint64_t want;           /* bytes the client sends */
	uint64_t written;
	uint64_t got;            /* bytes the server read */
	sb_time done_at;
	int reader_stalled;      /* the server does not read */
};

static void
arrive(void *a, void *b)
{
	struct dir *d = a;
	struct sb_packet *p = b;

	tcp_input(d->to, p);
	pool_put(d->w->pl, p);
}

static void
dir_send(struct dir *d, struct sb_packet *p)
{
	sb_time now = kernel_now(d->w->k), tx, start;

	d->sent++;
	if (d->drop_once && p->tcp.plen > 0 && p->tcp.seq == d->drop_seq) {
		d->drop_once = 0;
		d->dropped++;
		pool_put(d->w->pl, p);
		return;
	}
	if (d->loss > 0 && gsl_rng_uniform(d->w->r) < d->loss) {
		d->dropped++;
		pool_put(d->w->pl, p);
		return;
	}
	tx = (sb_time)((double)p->size * 8e9 / (double)d->rate_bps);
	start = d->busy > now ? d->busy : now;
	d->busy = start + tx;
	kernel_at(d->w->k, d->busy + d->delay, arrive, d, p);
}

static void
send0(void *ctx, struct sb_packet *p)
{
	struct wire *w = ctx;
	dir_send(&w->d[0], p);
}

static void
send1(void *ctx, struct sb_packet *p)
{
	struct wire *w = ctx;
	dir_send(&w->d[1], p);
}

static void
top_up(struct wire *w)
{
	if (w->written < w->want)
		w->written += tcp_write(w->end[0], w->want - w->written);
}

static void
client_connected(void *ctx, struct tcp *t)
{
	(void)t;
	top_up(ctx);
}

static void
client_writable(void *ctx, struct tcp *t)
{
	(void)t;
	top_up(ctx);
}

static void
server_readable(void *ctx, struct tcp *t, uint64_t avail)
{
	struct wire *w = ctx;

	if (w->reader_stalled)
		return;
	w->got += tcp_read(t, avail);
	if (w->got >= w->want && w->done_at == 0)
		w->done_at = kernel_now(w->k);
}

static const struct tcp_ops client_ops = { send0, client_connected, NULL,
	client_writable };
static const struct tcp_ops server_ops = { send1, NULL, server_readable,
	NULL };

static struct wire *
wire_new(const struct tcp_cfg *cfg, sb_time rtt, uint64_t rate, double loss,
    unsigned long seed)
{
	struct wire *w = calloc(1, sizeof(*w));

	ck_assert_ptr_nonnull(w);
	w->k = kernel_new();
	w->pl = pool_new();
	w->r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(w->r, seed);
	w->end[0] = tcp_new(w->k, w->pl, cfg, &client_ops, w);
	w->end[1] = tcp_new(w->k, w->pl, cfg, &server_ops, w);
	for (int i = 0; i < 2; i++) {
		w->d[i].w = w;
		w->d[i].to = w->end[1 - i];
		w->d[i].delay = rtt / 2;
		w->d[i].rate_bps = rate;
	}
	w->d[0].loss = loss;
	return w;
}

static void
wire_free(struct wire *w)
{
	tcp_free(w->end[0]);
	tcp_free(w->end[1]);
	kernel_free(w->k);
	pool_free(w->pl);
	gsl_rng_free(w->r);
	free(w);
}

static void
cfg_for(struct tcp_cfg *c, enum tcp_cc cc)
{
	tcp_cfg_default(c);
	c->cc = cc;
}

START_TEST(handshake_then_data)
{
	struct tcp_cfg c;
	struct wire *w;

	cfg_for(&c, TCP_NEWRENO);
	w = wire_new(&c, 100 * SB_MS, 1000000000, 0, 1);
	w->want = 1000;
	tcp_connect(w->end[0]);
	kernel_run(w->k, 10 * SB_S);
	ck_assert(tcp_established(w->end[0]));
	ck_assert(tcp_established(w->end[1]));
	ck_assert_uint_eq(w->got, 1000);
	/* SYN, SYN-ACK, then the data with the ACK: 1.5 RTT and a bit */
	ck_assert_int_ge(w->done_at, 150 * SB_MS);
	ck_assert_int_lt(w->done_at, 151 * SB_MS);
	/* the handshake gave each end its first sample: the RTT */
	ck_assert_int_ge(tcp_stats(w->end[0])->srtt, 100 * SB_MS);
	ck_assert_int_lt(tcp_stats(w->end[0])->srtt, 101 * SB_MS);
	ck_assert_uint_eq(tcp_stats(w->end[0])->retransmits, 0);
	wire_free(w);
}
END_TEST

START_TEST(lost_syn_waits_the_initial_rto)
{
	struct tcp_cfg c;
	struct wire *w;

	cfg_for(&c, TCP_NEWRENO);
	w = wire_new(&c, 100 * SB_MS, 1000000000, 0, 1);
	w->want = 1000;
	w->d[0].loss = 1.0;
	tcp_connect(w->end[0]);
	kernel_run(w->k, 500 * SB_MS);
	w->d[0].loss = 0;
	kernel_run(w->k, 10 * SB_S);
	ck_assert_uint_eq(w->got, 1000);
	/* the SYN again at 1 s (RFC 6298's initial RTO), then 1.5 RTT */
	ck_assert_int_ge(w->done_at, 1150 * SB_MS);
	ck_assert_int_lt(w->done_at, 1151 * SB_MS);
	wire_free(w);
}
END_TEST

/*
 * Slow start with an ACK per segment doubles the window each RTT from
 * IW10; a 10 Mbit/s, 100 ms wire holds 125 kB, about 86 segments, so the
 * window fills the pipe after four rounds and then the rate is the
 * wire's.  1 MB then takes the handshake, about four RTTs of ramp, and
 * the rest at 10 Mbit/s (plus headers).
 */
START_TEST(lossless_transfer_takes_what_slow_start_and_the_rate_allow)
{
	struct tcp_cfg c;
	struct wire *w;
	double bytes = 10e6, wire_s, t;

	cfg_for(&c, TCP_NEWRENO);
	w = wire_new(&c, 100 * SB_MS, 10000000, 0, 1);
	w->want = (uint64_t)bytes;
	tcp_connect(w->end[0]);
	kernel_run(w->k, 100 * SB_S);
	ck_assert_uint_eq(w->got, w->want);
	ck_assert_uint_eq(tcp_stats(w->end[0])->retransmits, 0);
	wire_s = bytes * (1460.0 + TCP_HDR) / 1460.0 * 8 / 10e6;
	t = (double)w->done_at / 1e9;
	/* at least the wire time and the handshake; at most four RTTs of
	 * ramp more */
	ck_assert_double_ge(t, wire_s + 0.1);
	ck_assert_double_le(t, wire_s + 0.15 + 0.4);
	wire_free(w);
}
END_TEST

START_TEST(one_loss_is_a_fast_retransmit)
{
	struct tcp_cfg c;
	struct wire *w;
	const struct tcp_stats *s;

	cfg_for(&c, TCP_NEWRENO);
	w = wire_new(&c, 50 * SB_MS, 100000000, 0, 1);
	w->want = 2000000;
	w->d[0].drop_once = 1;
	w->d[0].drop_seq = 100 * 1460;
	tcp_connect(w->end[0]);
	kernel_run(w->k, 60 * SB_S);
	s = tcp_stats(w->end[0]);
	ck_assert_uint_eq(w->got, w->want);
	ck_assert_uint_eq(s->recoveries, 1);
	ck_assert_uint_eq(s->retransmits, 1);
	ck_assert_uint_eq(s->rtos, 0);
	wire_free(w);
}
END_TEST

/* The last segment lost: no three duplicate ACKs can follow it, so only
 * the timer recovers it. */
START_TEST(a_lost_tail_waits_for_the_timer)
{
	struct tcp_cfg c;
	struct wire *w;
	const struct tcp_stats *s;

	cfg_for(&c, TCP_NEWRENO);
	w = wire_new(&c, 50 * SB_MS, 100000000, 0, 1);
	w->want = 20 * 1460;
	w->d[0].drop_once = 1;
	w->d[0].drop_seq = 19 * 1460;
	tcp_connect(w->end[0]);
	kernel_run(w->k, 60 * SB_S);
	s = tcp_stats(w->end[0]);
	ck_assert_uint_eq(w->got, w->want);
	ck_assert_uint_eq(s->rtos, 1);
	ck_assert_uint_eq(s->recoveries, 0);
	/* the RTO is the 1 s floor: done a second after the loss */
	ck_assert_int_ge(w->done_at, SB_S);
	wire_free(w);
}
END_TEST

/* A receiver that stops reading closes the window; the sender probes,
 * and when the reader comes back the transfer completes. */
START_TEST(a_closed_window_is_probed_and_reopens)
{
	struct tcp_cfg c;
	struct wire *w;

	cfg_for(&c, TCP_NEWRENO);
	c.rcvbuf = 64 * 1024;
	w = wire_new(&c, 20 * SB_MS, 100000000, 0, 1);
	w->want = 1000000;
	w->reader_stalled = 1;
	tcp_connect(w->end[0]);
	kernel_run(w->k, 5 * SB_S);
	ck_assert_uint_eq(w->got, 0);
	ck_assert_uint_le(tcp_unacked(w->end[0]), w->want);
	/* what the receiver holds is at most its buffer */
	ck_assert_uint_le(tcp_stats(w->end[1])->received, 64 * 1024);
	w->reader_stalled = 0;
	w->got += tcp_read(w->end[1], UINT64_MAX);
	kernel_run(w->k, 60 * SB_S);
	ck_assert_uint_eq(w->got, w->want);
	wire_free(w);
}
END_TEST

/* Steady state: the rate received from a_time on, in bit/s. */
static double
steady_rate(enum tcp_cc cc, sb_time rtt, double p, double events,
    unsigned long seed)
{
	struct tcp_cfg c;
	struct wire *w;
	double mathis = 1460.0 * 8 / ((double)rtt / 1e9) * MATHIS_C / sqrt(p);
	/* long enough for `events` losses at the predicted rate */
	double pkts = events / p;
	sb_time run = (sb_time)(pkts * 1460 * 8 / mathis * 1e9);
	sb_time warm = run / 10;
	uint64_t at_warm;
	double rate;

	cfg_for(&c, cc);
	c.rcvbuf = c.sndbuf = 256u << 20;    /* never the limit */
	w = wire_new(&c, rtt, 10000000000ull, p, seed);
	w->want = UINT64_MAX / 2;
	tcp_connect(w->end[0]);
	kernel_run(w->k, warm);
	at_warm = w->got;
	kernel_run(w->k, warm + run);
	rate = (double)(w->got - at_warm) * 8 / ((double)run / 1e9);
	wire_free(w);
	return rate;
}

START_TEST(newreno_follows_mathis)
{
	static const double ps[] = { 0.001, 0.005, 0.01, 0.02 };
	static const int rtts[] = { 50, 150, 250 };
	int bad = 0;

	printf("| p | RTT | Mathis (C = %.2f) | NewReno | ratio |\n",
	    MATHIS_C);
	printf("| --- | --- | --- | --- | --- |\n");
	for (size_t i = 0; i < 4; i++)
		for (size_t j = 0; j < 3; j++) {
			sb_time rtt = rtts[j] * SB_MS;
			double m = 1460.0 * 8 / (rtts[j] / 1e3) * MATHIS_C /
			    sqrt(ps[i]);
			double r = steady_rate(TCP_NEWRENO, rtt, ps[i], 1500,
			    11 + i * 3 + j);
			printf("| %.1f%% | %d ms | %.0f kbit/s | %.0f kbit/s | "
			    "%.2f |\n", ps[i] * 100, rtts[j], m / 1e3,
			    r / 1e3, r / m);
			if (fabs(r / m - 1) > 0.25)
				bad++;
		}
	fflush(stdout);
	ck_assert_int_eq(bad, 0);
}
END_TEST

START_TEST(cubic_beats_reno_on_a_long_clean_path)
{
	double reno = steady_rate(TCP_NEWRENO, 250 * SB_MS, 0.001, 1500, 7);
	double cubic = steady_rate(TCP_CUBIC, 250 * SB_MS, 0.001, 1500, 7);

	printf("250 ms, 0.1%%: NewReno %.0f kbit/s, CUBIC %.0f kbit/s\n",
	    reno / 1e3, cubic / 1e3);
	fflush(stdout);
	ck_assert_double_gt(cubic, 1.2 * reno);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("tcp");
	TCase *tc = tcase_create("mechanisms");
	TCase *tm = tcase_create("throughput");

	tcase_add_test(tc, handshake_then_data);
	tcase_add_test(tc, lost_syn_waits_the_initial_rto);
	tcase_add_test(tc,
	    lossless_transfer_takes_what_slow_start_and_the_rate_allow);
	tcase_add_test(tc, one_loss_is_a_fast_retransmit);
	tcase_add_test(tc, a_lost_tail_waits_for_the_timer);
	tcase_add_test(tc, a_closed_window_is_probed_and_reopens);
	tcase_set_timeout(tm, 600);
	tcase_add_test(tm, newreno_follows_mathis);
	tcase_add_test(tm, cubic_beats_reno_on_a_long_clean_path);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tm);
	return s;
}
