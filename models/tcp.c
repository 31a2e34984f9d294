/*
 * One end of a TCP connection (models/tcp.h says what is modelled).
 *
 * The window arithmetic is in bytes; cwnd and ssthresh are doubles so
 * that congestion avoidance can add a fraction of a segment per ACK and
 * CUBIC can follow its curve without rounding steps.
 *
 * A single timer serves the SYN, the retransmission timeout and the zero
 * window probe.  It is lazy: restarting it on every ACK only moves the
 * deadline, and the pending event, when it fires early, sets itself
 * again for the deadline.  That saves a cancel and a schedule per ACK.
 */
#include <math.h>
#include <stdlib.h>

#include "models/tcp.h"

enum { ST_CLOSED = 0, ST_SYN_SENT, ST_SYN_RCVD, ST_ESTABLISHED };

/* Out-of-order ranges the receiver holds; a segment that would need more
 * is dropped (a real receiver is bounded too). */
#define OOO_MAX 64

/* Clock granularity of RFC 6298's RTO = SRTT + max(G, 4 RTTVAR). */
#define RTO_G (1 * SB_MS)

/* CUBIC (RFC 9438): C in segments/s^3, the multiplicative decrease, and
 * the Reno-friendly additive increase that matches Reno's average rate. */
#define CUBIC_C 0.4
#define CUBIC_BETA 0.7
#define CUBIC_ALPHA (3.0 * (1.0 - CUBIC_BETA) / (1.0 + CUBIC_BETA))

struct range {
	uint64_t lo, hi;
};

struct tcp {
	struct kernel *k;
	struct pool *pl;
	struct tcp_cfg cfg;
	const struct tcp_ops *ops;
	void *ctx;
	int state;

	/* sending */
	uint64_t snd_una, snd_nxt, snd_max, app_end;
	uint64_t snd_wnd;          /* the peer's window */
	double cwnd, ssthresh;
	unsigned dupacks;
	int in_recovery, partial_seen;
	uint64_t recover;

	/* round trip: one segment timed at a time (Karn) */
	sb_time srtt, rttvar, rto;
	int timing;
	uint64_t rtt_seq;
	sb_time rtt_at, syn_at;
	unsigned syn_tries;

	sb_time deadline;          /* SB_TIME_NEVER: no timer wanted */
	sb_timer timer;
	sb_time timer_at;

	/* CUBIC */
	double w_max, k_sec, w_est;
	sb_time epoch;             /* -1: no epoch */

	/* receiving */
	uint64_t rcv_nxt, rcv_user;
	uint64_t adv_wnd;          /* the window last offered */
	struct range ooo[OOO_MAX];
	unsigned nooo;

	/* HyStart (RFC 9406's delay test): the round's end, and the least
	 * RTT seen in this round and the last */
	uint64_t hs_end;
	sb_time hs_min, hs_last;
	unsigned hs_n;
	sb_time ts_recent;         /* the peer's segment time to echo */

	uint64_t nsent;            /* segments sent, for piggybacking */
	sb_time last_data;         /* when data last went out */
	struct tcp_stats st;
};

void
tcp_cfg_default(struct tcp_cfg *c)
{
	c->cc = TCP_CUBIC;
	c->mss = 1460;
	c->rcvbuf = 4u << 20;
	c->sndbuf = 4u << 20;
	c->init_cwnd = 10;
	c->min_rto = SB_S;
	c->max_rto = 60 * SB_S;
	c->init_rto = SB_S;
}

static sb_time
now(const struct tcp *t)
{
	return kernel_now(t->k);
}

/* ---- the timer ---- */

static void timeout(struct tcp *t);

static void
timer_fire(void *a, void *b)
{
	struct tcp *t = a;

	(void)b;
	t->timer = 0;
	if (t->deadline == SB_TIME_NEVER)
		return;
	if (now(t) < t->deadline) {
		t->timer_at = t->deadline;
		t->timer = kernel_at(t->k, t->deadline, timer_fire, t, NULL);
		return;
	}
	t->deadline = SB_TIME_NEVER;
	timeout(t);
}

static void
timer_set(struct tcp *t, sb_time when)
{
	t->deadline = when;
	if (t->timer != 0 && t->timer_at <= when)
		return;       /* fires first, then moves on to the deadline */
	if (t->timer != 0)
		kernel_cancel(t->k, t->timer);
	t->timer_at = when;
	t->timer = kernel_at(t->k, when, timer_fire, t, NULL);
}

/* ---- segments out ---- */

static uint64_t
rcv_window(const struct tcp *t)
{
	uint64_t held = t->rcv_nxt - t->rcv_user;
	uint64_t w = held < t->cfg.rcvbuf ? t->cfg.rcvbuf - held : 0;

	return w > UINT32_MAX ? UINT32_MAX : w;
}

static void
segment(struct tcp *t, uint64_t seq, uint32_t plen, uint8_t flags)
{
	struct sb_packet *p = pool_get(t->pl);

	if (p == NULL)
		return;       /* out of packets: as good as lost on the wire */
	p->created = now(t);
	p->tcp.seq = seq;
	p->size = plen + TCP_HDR + ((flags & SB_TCP_SYN) ? 20 : 0);
	p->tcp.ack = t->rcv_nxt;
	p->tcp.plen = plen;
	p->tcp.wnd = (uint32_t)rcv_window(t);
	p->tcp.flags = flags;
	p->tcp.tsecr = t->ts_recent;
	t->adv_wnd = p->tcp.wnd;
	t->nsent++;
	t->ops->send(t->ctx, p);
}

static void
send_ack(struct tcp *t)
{
	segment(t, t->snd_nxt, 0, SB_TCP_ACK);
}

/* Data from seq, len bytes: new or again. */
static void
send_data(struct tcp *t, uint64_t seq, uint32_t len)
{
	t->st.segments++;
	t->last_data = now(t);
	if (seq < t->snd_max) {
		t->st.retransmits++;
		if (t->timing && seq < t->rtt_seq)
			t->timing = 0;        /* Karn: no sample from it */
	} else if (!t->timing) {
		t->timing = 1;
		t->rtt_seq = seq + len;
		t->rtt_at = now(t);
	}
	segment(t, seq, len, SB_TCP_ACK);
}

static uint32_t
seg_len(const struct tcp *t, uint64_t seq, uint64_t end)
{
	uint64_t n = end - seq;

	return n < t->cfg.mss ? (uint32_t)n : t->cfg.mss;
}

/* Send what the windows allow, and keep the right timer. */
static void
output(struct tcp *t)
{
	if (t->state != ST_ESTABLISHED)
		return;
	while (t->snd_nxt < t->app_end) {
		uint64_t win = (uint64_t)t->cwnd < t->snd_wnd ?
		    (uint64_t)t->cwnd : t->snd_wnd;
		uint64_t flight = t->snd_nxt - t->snd_una;
		uint32_t len = seg_len(t, t->snd_nxt, t->app_end);

		if (flight + len > win) {
			/* a window smaller than a segment with nothing in
			 * flight: send what fits rather than stall */
			if (flight != 0 || win == 0)
				break;
			len = (uint32_t)win;
		}
		send_data(t, t->snd_nxt, len);
		t->snd_nxt += len;
		if (t->snd_nxt > t->snd_max)
			t->snd_max = t->snd_nxt;
	}
	/* data in flight wants the retransmission timer; data held back by
	 * a closed window, the probe (the same timer) */
	if (t->snd_una == t->snd_max && t->app_end == t->snd_nxt)
		t->deadline = SB_TIME_NEVER;
	else if (t->deadline == SB_TIME_NEVER)
		timer_set(t, now(t) + t->rto);
}

/* ---- congestion control ---- */

static double
flight_size(const struct tcp *t)
{
	return (double)(t->snd_max - t->snd_una);
}

/* A loss: the new ssthresh, and CUBIC's memory of where it happened. */
static double
cc_loss(struct tcp *t)
{
	double mss = t->cfg.mss, floor2 = 2.0 * mss;

	if (t->cfg.cc == TCP_NEWRENO) {
		double h = flight_size(t) / 2.0;
		return h > floor2 ? h : floor2;
	}
	{
		double w = t->cwnd / mss;

		/* fast convergence: give way to newer flows (RFC 9438 4.7) */
		if (w < t->w_max)
			t->w_max = w * (1.0 + CUBIC_BETA) / 2.0;
		else
			t->w_max = w;
		t->epoch = -1;
		return t->cwnd * CUBIC_BETA > floor2 ? t->cwnd * CUBIC_BETA :
		    floor2;
	}
}

static void
cubic_ack(struct tcp *t, uint64_t acked)
{
	double mss = t->cfg.mss, w = t->cwnd / mss, target, tsec, cub;

	if (t->epoch < 0) {
		t->epoch = now(t);
		if (w < t->w_max)
			t->k_sec = cbrt((t->w_max - w) / CUBIC_C);
		else {
			t->k_sec = 0;
			t->w_max = w;
		}
		t->w_est = w;
	}
	tsec = (double)(now(t) - t->epoch) / 1e9;
	/* the curve one RTT ahead is where the window should get to */
	target = CUBIC_C * pow(tsec + (double)t->srtt / 1e9 - t->k_sec, 3) +
	    t->w_max;
	if (target < w)
		target = w;
	else if (target > 1.5 * w)
		target = 1.5 * w;
	t->w_est += CUBIC_ALPHA * ((double)acked / mss) / w;
	cub = CUBIC_C * pow(tsec - t->k_sec, 3) + t->w_max;
	if (cub < t->w_est) {
		/* Reno-friendly region: at least as fast as Reno */
		if (t->w_est > w)
			t->cwnd = t->w_est * mss;
	} else {
		t->cwnd += (target - w) / w * (double)acked;
	}
}

/*
 * Slow start ends before it overflows the queue: when the least RTT of a
 * round has grown by an eighth of the last round's (4 to 16 ms) over
 * eight samples or more, the queue is filling (RFC 9406 section 4.2; this
 * model then goes straight to congestion avoidance, as Linux's CUBIC
 * does, without the RFC's conservative phase).
 */
#define HS_SAMPLES 8
#define HS_MIN_CWND 16

static void
hystart(struct tcp *t, uint64_t ack, sb_time rtt)
{
	sb_time thresh;

	if (ack >= t->hs_end) {
		t->hs_last = t->hs_min;
		t->hs_min = SB_TIME_NEVER;
		t->hs_n = 0;
		t->hs_end = t->snd_nxt;
	}
	if (rtt <= 0)
		return;
	if (rtt < t->hs_min)
		t->hs_min = rtt;
	if (++t->hs_n < HS_SAMPLES || t->hs_last == SB_TIME_NEVER ||
	    t->cwnd < HS_MIN_CWND * (double)t->cfg.mss)
		return;
	thresh = t->hs_last / 8;
	if (thresh < 4 * SB_MS)
		thresh = 4 * SB_MS;
	if (thresh > 16 * SB_MS)
		thresh = 16 * SB_MS;
	if (t->hs_min >= t->hs_last + thresh) {
		t->ssthresh = t->cwnd;
		t->st.hystart_exits++;
	}
}

static void
cc_ack(struct tcp *t, uint64_t acked)
{
	double mss = t->cfg.mss;

	if (t->cwnd < t->ssthresh) {
		t->cwnd += (double)acked < mss ? (double)acked : mss;
		return;
	}
	if (t->cfg.cc == TCP_CUBIC)
		cubic_ack(t, acked);
	else
		t->cwnd += mss * (double)acked / t->cwnd;
}

/* ---- round trip and timeouts ---- */

static void
rtt_sample(struct tcp *t, sb_time r)
{
	sb_time v;

	if (r <= 0)
		r = 1;
	if (t->srtt == 0) {
		t->srtt = r;
		t->rttvar = r / 2;
	} else {
		sb_time d = t->srtt > r ? t->srtt - r : r - t->srtt;
		t->rttvar = (3 * t->rttvar + d) / 4;
		t->srtt = (7 * t->srtt + r) / 8;
	}
	v = 4 * t->rttvar > RTO_G ? 4 * t->rttvar : RTO_G;
	t->rto = t->srtt + v;
	if (t->rto < t->cfg.min_rto)
		t->rto = t->cfg.min_rto;
	if (t->rto > t->cfg.max_rto)
		t->rto = t->cfg.max_rto;
	t->st.srtt = t->srtt;
}

static void
backoff(struct tcp *t)
{
	t->rto = 2 * t->rto < t->cfg.max_rto ? 2 * t->rto : t->cfg.max_rto;
}

static void
timeout(struct tcp *t)
{
	if (t->state == ST_SYN_SENT) {
		t->syn_tries++;
		backoff(t);
		t->syn_at = now(t);
		segment(t, 0, 0, SB_TCP_SYN);
		timer_set(t, now(t) + t->rto);
		return;
	}
	if (t->state != ST_ESTABLISHED)
		return;
	if (t->snd_una == t->snd_max) {
		/* the zero-window probe: a segment beyond the window, which
		 * the receiver answers with its window */
		if (t->app_end > t->snd_nxt) {
			uint32_t len = seg_len(t, t->snd_nxt, t->app_end);
			send_data(t, t->snd_nxt, len);
			t->snd_nxt += len;
			t->snd_max = t->snd_nxt;
			backoff(t);
			timer_set(t, now(t) + t->rto);
		}
		return;
	}
	/* RFC 6298 5.5-5.7 and RFC 5681: one segment, slow start again */
	t->st.rtos++;
	t->ssthresh = cc_loss(t);
	t->cwnd = t->cfg.mss;
	t->in_recovery = 0;
	t->dupacks = 0;
	t->recover = t->snd_max;
	t->timing = 0;
	t->snd_nxt = t->snd_una;
	backoff(t);
	output(t);
	timer_set(t, now(t) + t->rto);
}

/* ---- segments in ---- */

static void
established(struct tcp *t)
{
	t->state = ST_ESTABLISHED;
	t->cwnd = (double)t->cfg.init_cwnd * t->cfg.mss;
	if (t->ops->connected != NULL)
		t->ops->connected(t->ctx, t);
}

/* Take the ranges now contiguous with rcv_nxt. */
static void
ooo_drain(struct tcp *t)
{
	unsigned i = 0;

	while (i < t->nooo && t->ooo[i].lo <= t->rcv_nxt) {
		if (t->ooo[i].hi > t->rcv_nxt)
			t->rcv_nxt = t->ooo[i].hi;
		i++;
	}
	if (i == 0)
		return;
	for (unsigned j = i; j < t->nooo; j++)
		t->ooo[j - i] = t->ooo[j];
	t->nooo -= i;
}

/* Hold [lo, hi) above a hole, merged with its neighbours. */
static int
ooo_add(struct tcp *t, uint64_t lo, uint64_t hi)
{
	unsigned i = 0, j;

	while (i < t->nooo && t->ooo[i].hi < lo)
		i++;
	j = i;
	while (j < t->nooo && t->ooo[j].lo <= hi) {
		if (t->ooo[j].lo < lo)
			lo = t->ooo[j].lo;
		if (t->ooo[j].hi > hi)
			hi = t->ooo[j].hi;
		j++;
	}
	if (j == i) {
		/* no overlap: a new range at i */
		if (t->nooo == OOO_MAX)
			return -1;
		for (unsigned m = t->nooo; m > i; m--)
			t->ooo[m] = t->ooo[m - 1];
		t->nooo++;
	} else if (j > i + 1) {
		for (unsigned m = j; m < t->nooo; m++)
			t->ooo[m - (j - i - 1)] = t->ooo[m];
		t->nooo -= j - i - 1;
	}
	t->ooo[i].lo = lo;
	t->ooo[i].hi = hi;
	return 0;
}

static void
data_in(struct tcp *t, uint64_t seq, uint32_t len)
{
	uint64_t end = seq + len, before = t->rcv_nxt;

	if (end <= t->rcv_nxt)
		return;                 /* a copy of what we have */
	if (end > t->rcv_user + t->cfg.rcvbuf) {
		t->st.ooo_dropped++;    /* beyond the window */
		return;
	}
	if (seq <= t->rcv_nxt) {
		t->rcv_nxt = end;
		ooo_drain(t);
	} else if (ooo_add(t, seq, end) < 0) {
		t->st.ooo_dropped++;
	}
	if (t->rcv_nxt > before) {
		t->st.received += t->rcv_nxt - before;
		if (t->ops->readable != NULL)
			t->ops->readable(t->ctx, t, t->rcv_nxt - t->rcv_user);
	}
}

/* Enter fast recovery on the third duplicate ACK (RFC 6582 3.2). */
static void
fast_retransmit(struct tcp *t)
{
	t->ssthresh = cc_loss(t);
	t->recover = t->snd_max;
	t->in_recovery = 1;
	t->partial_seen = 0;
	t->st.recoveries++;
	send_data(t, t->snd_una, seg_len(t, t->snd_una, t->snd_max));
	t->cwnd = t->ssthresh + 3.0 * t->cfg.mss;
}

static void
ack_in(struct tcp *t, uint64_t ack, uint64_t wnd, int had_data,
    sb_time tsecr)
{
	uint64_t acked;
	int restart = 1;

	if (ack > t->snd_max || ack < t->snd_una)
		return;                 /* not for anything we sent */
	if (ack == t->snd_una) {
		uint64_t old = t->snd_wnd;

		t->snd_wnd = wnd;
		if (had_data || wnd != old || t->snd_max == t->snd_una)
			return;
		t->dupacks++;
		if (t->in_recovery)
			t->cwnd += t->cfg.mss;  /* a segment has left */
		else if (t->dupacks == 3 && ack >= t->recover)
			fast_retransmit(t);
		return;
	}
	acked = ack - t->snd_una;
	t->snd_una = ack;
	t->snd_wnd = wnd;
	t->st.acked += acked;
	if (t->snd_nxt < t->snd_una)
		t->snd_nxt = t->snd_una;
	if (t->timing && ack >= t->rtt_seq) {
		t->timing = 0;
		rtt_sample(t, now(t) - t->rtt_at);
	}
	if (t->in_recovery) {
		if (ack >= t->recover) {
			double f = flight_size(t) + t->cfg.mss;
			t->in_recovery = 0;
			t->dupacks = 0;
			t->cwnd = f < t->ssthresh ? f : t->ssthresh;
		} else {
			/* partial: the next hole, and the window deflated by
			 * what left; the timer restarts on the first only */
			send_data(t, t->snd_una,
			    seg_len(t, t->snd_una, t->snd_max));
			t->cwnd = t->cwnd > (double)acked ?
			    t->cwnd - (double)acked + t->cfg.mss : t->cfg.mss;
			restart = !t->partial_seen;
			t->partial_seen = 1;
		}
	} else {
		t->dupacks = 0;
		if (t->cwnd < t->ssthresh)
			hystart(t, ack, tsecr > 0 ? now(t) - tsecr : 0);
		cc_ack(t, acked);
	}
	if (t->snd_una == t->snd_max)
		t->deadline = SB_TIME_NEVER;
	else if (restart)
		timer_set(t, now(t) + t->rto);
	if (t->ops->writable != NULL)
		t->ops->writable(t->ctx, t);
}

void
tcp_input(struct tcp *t, const struct sb_packet *p)
{
	uint8_t fl = p->tcp.flags;
	uint64_t before;

	if (fl & SB_TCP_SYN) {
		if (!(fl & SB_TCP_ACK)) {
			if (t->state == ST_CLOSED || t->state == ST_SYN_RCVD) {
				/* a SYN again means our SYN-ACK was lost:
				 * no RTT sample from the pair then */
				t->syn_tries += t->state == ST_SYN_RCVD;
				t->state = ST_SYN_RCVD;
				t->snd_wnd = p->tcp.wnd;
				t->syn_at = now(t);
				segment(t, 0, 0, SB_TCP_SYN | SB_TCP_ACK);
			}
			return;
		}
		if (t->state == ST_SYN_SENT) {
			if (t->syn_tries == 0)
				rtt_sample(t, now(t) - t->syn_at);
			t->snd_wnd = p->tcp.wnd;
			t->deadline = SB_TIME_NEVER;
			established(t);
			before = t->nsent;
			output(t);
			if (t->nsent == before)
				send_ack(t);
		} else if (t->state == ST_ESTABLISHED) {
			send_ack(t);    /* our ACK of it was lost */
		}
		return;
	}
	if (t->state == ST_SYN_RCVD && (fl & SB_TCP_ACK)) {
		if (t->syn_tries == 0)
			rtt_sample(t, now(t) - t->syn_at);
		established(t);
	}
	if (t->state != ST_ESTABLISHED)
		return;
	before = t->nsent;
	if (p->tcp.plen > 0) {
		t->ts_recent = p->created;
		data_in(t, p->tcp.seq, p->tcp.plen);
	}
	ack_in(t, p->tcp.ack, p->tcp.wnd, p->tcp.plen > 0, p->tcp.tsecr);
	output(t);
	if (p->tcp.plen > 0 && t->nsent == before)
		send_ack(t);
}

/* ---- the application's side ---- */

struct tcp *
tcp_new(struct kernel *k, struct pool *pl, const struct tcp_cfg *cfg,
    const struct tcp_ops *ops, void *ctx)
{
	struct tcp *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->k = k;
	t->pl = pl;
	t->cfg = *cfg;
	t->ops = ops;
	t->ctx = ctx;
	t->rto = cfg->init_rto;
	t->ssthresh = HUGE_VAL;
	t->cwnd = (double)cfg->init_cwnd * cfg->mss;
	t->deadline = SB_TIME_NEVER;
	t->epoch = -1;
	t->hs_min = t->hs_last = SB_TIME_NEVER;
	return t;
}

void
tcp_free(struct tcp *t)
{
	if (t == NULL)
		return;
	if (t->timer != 0)
		kernel_cancel(t->k, t->timer);
	free(t);
}

void
tcp_connect(struct tcp *t)
{
	if (t->state != ST_CLOSED)
		return;
	t->state = ST_SYN_SENT;
	t->syn_at = now(t);
	segment(t, 0, 0, SB_TCP_SYN);
	timer_set(t, now(t) + t->rto);
}

int
tcp_established(const struct tcp *t)
{
	return t->state == ST_ESTABLISHED;
}

uint64_t
tcp_send_room(const struct tcp *t)
{
	uint64_t held = t->app_end - t->snd_una;

	return held < t->cfg.sndbuf ? t->cfg.sndbuf - held : 0;
}

uint64_t
tcp_unacked(const struct tcp *t)
{
	return t->app_end - t->snd_una;
}

uint64_t
tcp_write(struct tcp *t, uint64_t n)
{
	uint64_t room = tcp_send_room(t);

	if (n > room)
		n = room;
	/* idle for longer than an RTO: the window it had no longer says
	 * what the path holds, so restart from the initial one (RFC 5681
	 * 4.1) */
	if (n > 0 && t->state == ST_ESTABLISHED && t->snd_una == t->app_end &&
	    now(t) - t->last_data > t->rto &&
	    t->cwnd > (double)t->cfg.init_cwnd * t->cfg.mss)
		t->cwnd = (double)t->cfg.init_cwnd * t->cfg.mss;
	t->app_end += n;
	output(t);
	return n;
}

uint64_t
tcp_readable(const struct tcp *t)
{
	return t->rcv_nxt - t->rcv_user;
}

uint64_t
tcp_read(struct tcp *t, uint64_t n)
{
	uint64_t avail = t->rcv_nxt - t->rcv_user, w;

	if (n > avail)
		n = avail;
	t->rcv_user += n;
	/* tell a sender held up by the window that it opened (RFC 1122
	 * 4.2.3.3: by a segment at least, and not by dribs) */
	w = rcv_window(t);
	if (n > 0 && t->state == ST_ESTABLISHED &&
	    ((t->adv_wnd < t->cfg.mss && w >= t->cfg.mss) ||
	    w >= t->adv_wnd + t->cfg.rcvbuf / 2))
		send_ack(t);
	return n;
}

const struct tcp_stats *
tcp_stats(struct tcp *t)
{
	t->st.cwnd = (uint64_t)t->cwnd;
	return &t->st;
}
