/*
 * One direction of a link.  See link.h for the model; here, the mechanics.
 *
 * The FIFO is implicit: busy_until is when the transmitter frees up, so a
 * packet sent at `now` starts serialising at max(now, busy_until) and the
 * bytes ahead of it are (busy_until - now) x bandwidth.  That is exact for
 * a work-conserving FIFO at constant rate and saves the transmit-complete
 * event a queue object would need: one kernel event per packet per link.
 *
 * The loss decision is made when the packet is put on the wire, with the
 * transmitter's time already spent: a lost packet still occupied the link.
 * Going down bumps the link's epoch; packets in flight carry the epoch they
 * left with and are dropped on arrival if it has moved on.
 *
 * Profile factors are recomputed at most once per simulated second: the
 * profiles move over hours, and this keeps the hot path free of calendar
 * arithmetic.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/fluid.h"
#include "models/link.h"

#define FACTOR_REFRESH SB_S

/*
 * What every packet reads comes first: the first line holds the queue
 * and the callbacks, the next ones the counters and the spec's head.  A
 * run of thousands of links has each one long out of the cache between
 * two of its packets, and each line read is a wait on memory; the kernel
 * fetches a link's first lines ahead of its arrival events.
 */
struct link {
	struct kernel *k;
	link_recv_fn recv;
	void *ctx;
	struct fluid *bg;        /* background load, or NULL; not owned */
	int up;
	uint32_t epoch;
	sb_time busy_until;
	sb_time last_arrival;
	sb_time fac_until;
	struct loss *loss;
	gsl_rng *rng;
	link_prefetch_fn pf;       /* the receiver's prefetch hook */
	void *pctx;
	link_drop_fn drop;

	struct link_stats st;
	struct profile_factors fac;
	struct link_spec spec;   /* jitter table owned; loss spec unused */
	char *name;
};

struct link *
link_new(struct kernel *k, const char *name, const struct link_spec *spec,
    gsl_rng *rng)
{
	struct link *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->k = k;
	l->rng = rng;
	l->spec = *spec;
	l->spec.jitter.table = NULL;
	l->spec.loss.trace = NULL;
	l->name = strdup(name);
	if (l->name == NULL ||
	    jitter_spec_copy(&l->spec.jitter, &spec->jitter) < 0 ||
	    (l->loss = loss_new(&spec->loss)) == NULL) {
		link_free(l);
		return NULL;
	}
	l->up = 1;
	l->fac.delay = l->fac.jitter = l->fac.loss = 1.0;
	l->fac_until = INT64_MIN;
	return l;
}

void
link_free(struct link *l)
{
	if (l == NULL)
		return;
	loss_free(l->loss);
	jitter_spec_clear(&l->spec.jitter);
	free(l->name);
	free(l);
}

const char *
link_name(const struct link *l)
{
	return l->name;
}

const struct link_spec *
link_spec(const struct link *l)
{
	return &l->spec;
}

void
link_set_handlers(struct link *l, link_recv_fn recv, link_drop_fn drop,
    void *ctx)
{
	l->recv = recv;
	l->drop = drop;
	l->ctx = ctx;
}

static void
local_factors(const struct link *l, int64_t utc_s, int tz_min,
    struct profile_factors *out)
{
	int64_t local = utc_s + (int64_t)tz_min * 60;
	double hour = (double)(((local % 86400) + 86400) % 86400) / 3600.0;

	*out = profile_at(l->spec.profile, hour);
}

struct profile_factors
link_factors(struct link *l)
{
	sb_time now = kernel_now(l->k);
	struct profile_factors a, b;
	int64_t utc_s;

	if (l->spec.profile == NULL || now < l->fac_until)
		return l->fac;
	utc_s = l->spec.clock0_utc_s + now / SB_S;
	local_factors(l, utc_s, l->spec.tz_a_min, &a);
	local_factors(l, utc_s, l->spec.tz_b_min, &b);
	l->fac.delay = fmax(a.delay, b.delay);
	l->fac.jitter = fmax(a.jitter, b.jitter);
	l->fac.loss = fmax(a.loss, b.loss);
	l->fac_until = now + FACTOR_REFRESH;
	return l->fac;
}

static void
drop(struct link *l, struct sb_packet *p, enum link_drop why)
{
	l->st.drops[why]++;
	l->drop(l->ctx, l, p, why);
}

static void
arrive(void *a, void *b)
{
	struct link *l = a;
	struct sb_packet *p = b;

	if (!l->up || p->epoch != l->epoch) {
		drop(l, p, LINK_DROP_DOWN);
		return;
	}
	l->st.packets++;
	l->st.bytes += p->size;
	l->recv(l->ctx, l, p);
}

static void
arrive_pf(void *a, void *b, sb_time t, int stage)
{
	struct link *l = a;

	if (l->pf != NULL)
		l->pf(l->pctx, l->ctx, b, t, stage);
}

void
link_prefetch_send(const struct link *l, int stage)
{
	if (stage == 0) {
		__builtin_prefetch((const char *)l + 128);
		__builtin_prefetch((const char *)l + 192);
		if (l->bg != NULL) {
			/* its step's rate, queue and clock: two lines */
			__builtin_prefetch(l->bg);
			__builtin_prefetch((const char *)l->bg + 64);
		}
		__builtin_prefetch(l->loss);
		__builtin_prefetch(l->rng);
		return;
	}
	if (stage == 1)
		__builtin_prefetch(l->rng->state);
	if (l->bg != NULL)
		fluid_prefetch(l->bg, stage - 1);
}

void
link_set_prefetch(struct link *l, link_prefetch_fn pf, void *pctx)
{
	l->pf = pf;
	l->pctx = pctx;
	kernel_set_prefetch(l->k, arrive, arrive_pf);
}

static uint64_t
work_bytes(const struct link *l, sb_time work)
{
	return (uint64_t)((double)work * (double)l->spec.bandwidth_bps / 8e9);
}

uint64_t
link_backlog(const struct link *l)
{
	sb_time now = kernel_now(l->k);

	if (l->spec.bandwidth_bps == 0)
		return 0;
	if (l->bg != NULL)
		return work_bytes(l, fluid_backlog(l->bg, now));
	if (l->busy_until <= now)
		return 0;
	return work_bytes(l, l->busy_until - now);
}

void
link_set_background(struct link *l, struct fluid *bg)
{
	l->bg = bg;
}

/* The background's share of the time since the last take. */
static void
background_busy(struct link *l)
{
	if (l->bg != NULL)
		l->st.busy += fluid_busy(l->bg, kernel_now(l->k),
		    l->spec.bandwidth_bps);
}

void
link_send(struct link *l, struct sb_packet *p)
{
	sb_time now = kernel_now(l->k), start, dep, delay, arr, wait = 0;
	struct profile_factors f;
	uint64_t backlog;

	if (!l->up) {
		drop(l, p, LINK_DROP_DOWN);
		return;
	}
	if (l->bg != NULL && l->spec.bandwidth_bps != 0) {
		/* the FIFO is shared with the background: its virtual queue
		 * says what is ahead (fluid.h) */
		wait = fluid_wait(l->bg, now, l->spec.bandwidth_bps,
		    (sb_time)((double)l->spec.queue_bytes * 8e9 /
		    (double)l->spec.bandwidth_bps));
		backlog = work_bytes(l, wait);
	} else
		backlog = link_backlog(l);
	if (l->spec.queue_bytes != 0 &&
	    backlog + p->size > l->spec.queue_bytes) {
		drop(l, p, LINK_DROP_QUEUE);
		return;
	}
	if (backlog + p->size > l->st.queue_max)
		l->st.queue_max = backlog + p->size;
	start = l->busy_until > now ? l->busy_until : now;
	if (l->bg != NULL)
		start = now + wait;
	dep = start;
	if (l->spec.bandwidth_bps != 0) {
		/* ceil(bits * 1e9 / bps) without overflow for any sane size */
		sb_time ser = (sb_time)(((uint64_t)p->size * 8 * 1000000000u +
		    l->spec.bandwidth_bps - 1) / l->spec.bandwidth_bps);
		dep += ser;
		l->st.busy += ser;
		if (l->bg != NULL)
			fluid_commit(l->bg, ser);
	}
	l->busy_until = dep;

	f = link_factors(l);
	if (loss_drop(l->loss, l->rng, f.loss)) {
		drop(l, p, LINK_DROP_LOSS);
		return;
	}
	delay = (sb_time)((double)l->spec.delay * f.delay);
	if (l->spec.jitter.kind != JITTER_NONE)
		delay += jitter_draw(&l->spec.jitter, l->rng, f.jitter);
	if (delay < 0)
		delay = 0;
	arr = dep + delay;
	if (!l->spec.reorder && arr < l->last_arrival)
		arr = l->last_arrival;
	l->last_arrival = arr;
	l->st.sent++;
	l->st.delay_sum += arr - dep;
	p->epoch = l->epoch;
	if (kernel_at(l->k, arr, arrive, l, p) == 0)
		drop(l, p, LINK_DROP_QUEUE); /* out of memory: a lost packet */
}

void
link_set_up(struct link *l, int up)
{
	sb_time now = kernel_now(l->k);

	up = up != 0;
	if (up == l->up)
		return;
	l->up = up;
	if (!up) {
		/* What was queued or in flight is lost: new epoch, empty FIFO. */
		l->epoch++;
		if (l->busy_until > now)
			l->busy_until = now;
		l->last_arrival = now;
		if (l->bg != NULL)
			fluid_flush(l->bg, now);
	}
}

int
link_is_up(const struct link *l)
{
	return l->up;
}

void
link_set_delay(struct link *l, sb_time delay)
{
	l->spec.delay = delay < 0 ? 0 : delay;
}

int
link_set_jitter(struct link *l, const struct jitter_spec *j)
{
	struct jitter_spec copy;

	if (jitter_spec_copy(&copy, j) < 0)
		return -1;
	jitter_spec_clear(&l->spec.jitter);
	l->spec.jitter = copy;
	return 0;
}

int
link_set_loss(struct link *l, const struct loss_spec *s)
{
	return loss_update(l->loss, s);
}

void
link_set_bandwidth(struct link *l, uint64_t bps)
{
	l->spec.bandwidth_bps = bps;
}

void
link_stats_take(struct link *l, struct link_stats *out, int reset)
{
	background_busy(l);
	*out = l->st;
	if (reset) {
		memset(&l->st, 0, sizeof(l->st));
		/* the backlog carries into the next interval */
		l->st.queue_max = link_backlog(l);
	}
}
