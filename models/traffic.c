/*
 * Traffic sources.  A constant-bit-rate source computes the n-th send time
 * from the start rather than adding intervals, so rounding never drifts:
 * packet n leaves at start + n * bits * 1e9 / rate, exactly, in integer
 * arithmetic.  A Poisson source draws exponential gaps from its own stream.
 * A replay source reads the n-th time and size from its caller's arrays,
 * so it too never accumulates rounding, and holds one event at a time
 * however long the trace.
 */
#include <stdlib.h>

#include <gsl/gsl_randist.h>

#include "models/traffic.h"

struct traffic {
	struct kernel *k;
	struct pool *pool;
	struct traffic_spec spec;
	uint32_t flow;
	gsl_rng *rng;
	traffic_send_fn send;
	void *ctx;
	uint64_t n;
	sb_timer next;
	traffic_prefetch_fn pf;
};

static sb_time
cbr_time(const struct traffic *t, uint64_t n)
{
	unsigned __int128 bits = (unsigned __int128)n * t->spec.packet_bytes * 8;

	return t->spec.start +
	    (sb_time)(bits * 1000000000u / t->spec.rate_bps);
}

/* When replayed packet n leaves, or SB_TIME_NEVER past the last packet
 * or the stop.  Comparing times[n] with stop - start rather than adding
 * keeps a huge offset from overflowing. */
static sb_time
replay_time(const struct traffic *t, uint64_t n)
{
	sb_time off;

	if (n >= t->spec.replay.count)
		return SB_TIME_NEVER;
	off = t->spec.replay.times[n];
	if (off >= t->spec.stop - t->spec.start)
		return SB_TIME_NEVER;
	return t->spec.start + off;
}

static void traffic_fire(void *a, void *b);

static void
schedule_next(struct traffic *t)
{
	sb_time when;

	if (t->spec.arrivals == TRAFFIC_REPLAY) {
		when = replay_time(t, t->n);
		if (when < kernel_now(t->k))
			when = kernel_now(t->k);
	} else if (t->spec.arrivals == TRAFFIC_CBR) {
		when = cbr_time(t, t->n);
	} else {
		double mean = (double)t->spec.packet_bytes * 8e9 /
		    (double)t->spec.rate_bps;
		when = kernel_now(t->k) +
		    (sb_time)gsl_ran_exponential(t->rng, mean);
	}
	if (when >= t->spec.stop)
		return;
	t->next = kernel_at(t->k, when, traffic_fire, t, NULL);
}

static void
traffic_fire(void *a, void *b)
{
	struct traffic *t = a;
	struct sb_packet *p = pool_get(t->pool);

	t->next = 0;
	if (p != NULL) {
		uint32_t size = t->spec.packet_bytes;
		if (t->spec.arrivals == TRAFFIC_REPLAY) {
			size = t->spec.replay.sizes[t->n];
		} else if (t->spec.sizes == TRAFFIC_SIZE_EXP) {
			double s = gsl_ran_exponential(t->rng, (double)size);
			size = s < 1.0 ? 1 : (uint32_t)(s + 0.5);
		}
		p->created = kernel_now(t->k);
		p->size = size;
		p->flow = t->flow;
		p->seq = t->n;
		t->send(t->ctx, p);
	}
	t->n++;
	schedule_next(t);
}

static void
fire_pf(void *a, void *b, sb_time when, int stage)
{
	struct traffic *t = a;

	(void)b;
	(void)when;
	if (t->pf != NULL)
		t->pf(t->ctx, stage);
}

void
traffic_set_prefetch(struct traffic *t, traffic_prefetch_fn pf)
{
	t->pf = pf;
	kernel_set_prefetch(t->k, traffic_fire, fire_pf);
}

struct traffic *
traffic_new(struct kernel *k, struct pool *pl, const struct traffic_spec *spec,
    uint32_t flow, gsl_rng *rng, traffic_send_fn send, void *ctx)
{
	struct traffic *t;

	if (spec->arrivals == TRAFFIC_REPLAY) {
		if (spec->replay.count > 0 && (spec->replay.times == NULL ||
		    spec->replay.sizes == NULL))
			return NULL;
	} else if (spec->rate_bps == 0 || spec->packet_bytes == 0) {
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->k = k;
	t->pool = pl;
	t->spec = *spec;
	t->flow = flow;
	t->rng = rng;
	t->send = send;
	t->ctx = ctx;
	if (t->spec.arrivals == TRAFFIC_REPLAY) {
		/* replay_time() takes start from stop: only with start first */
		if (t->spec.start < t->spec.stop) {
			sb_time when = replay_time(t, 0);
			if (when < t->spec.start)
				when = t->spec.start;
			if (when != SB_TIME_NEVER)
				t->next = kernel_at(k, when, traffic_fire, t,
				    NULL);
		}
	} else if (t->spec.arrivals == TRAFFIC_CBR) {
		if (t->spec.start < t->spec.stop)
			t->next = kernel_at(k, t->spec.start, traffic_fire, t,
			    NULL);
	} else {
		/* the first arrival of a Poisson process is one gap in */
		t->next = 0;
		if (t->spec.start < t->spec.stop) {
			double mean = (double)t->spec.packet_bytes * 8e9 /
			    (double)t->spec.rate_bps;
			sb_time when = t->spec.start +
			    (sb_time)gsl_ran_exponential(rng, mean);
			if (when < t->spec.stop)
				t->next = kernel_at(k, when, traffic_fire, t,
				    NULL);
		}
	}
	return t;
}

void
traffic_free(struct traffic *t)
{
	if (t == NULL)
		return;
	kernel_cancel(t->k, t->next);
	free(t);
}

uint64_t
traffic_sent(const struct traffic *t)
{
	return t->n;
}
