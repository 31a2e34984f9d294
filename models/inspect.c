/*
 * A PoP's inspection stage.  See inspect.h for the model; here, the
 * mechanics.
 *
 * The FIFO is implicit, as in models/link.c: busy_until is when the server
 * frees up, so a packet offered at `now` waits busy_until - now, leaves the
 * server at max(now, busy_until) + service and comes out `latency` later.
 * The latency is a pipeline delay, not server time: it does not hold up the
 * packets behind, which is what makes the stage single-pass rather than a
 * server that is busy for the whole time a packet is inside.  Since every
 * packet gets the same latency, departures in FIFO order come out in FIFO
 * order, and no reordering guard is needed.
 *
 * Service times are rounded up to whole nanoseconds, so a limit that does
 * not divide a second evenly is met from below, by less than one part in
 * the service time in ns (0.2% at 3 Mpps; nothing at round figures).
 *
 * Going down bumps the epoch; packets inside carry the epoch they entered
 * with and are dropped when they would come out if it has moved on.
 */
#include <stdlib.h>
#include <string.h>

#include "models/inspect.h"

struct inspect {
	struct kernel *k;
	char *name;
	struct inspect_spec spec;
	sb_time pps_service;     /* ceil(1 s / capacity_pps), 0: no limit */

	inspect_recv_fn recv;
	inspect_drop_fn drop;
	void *ctx;

	int up;
	uint32_t epoch;
	sb_time busy_until;

	struct inspect_stats st;
};

struct inspect *
inspect_new(struct kernel *k, const char *name, const struct inspect_spec *s)
{
	struct inspect *x;

	if (s->queue < 0 || s->latency < 0)
		return NULL;
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	if ((x->name = strdup(name)) == NULL) {
		free(x);
		return NULL;
	}
	x->k = k;
	x->spec = *s;
	if (s->capacity_pps != 0)
		x->pps_service = (sb_time)((SB_S + s->capacity_pps - 1) /
		    s->capacity_pps);
	x->up = 1;
	return x;
}

void
inspect_free(struct inspect *x)
{
	if (x == NULL)
		return;
	free(x->name);
	free(x);
}

const char *
inspect_name(const struct inspect *x)
{
	return x->name;
}

const struct inspect_spec *
inspect_spec(const struct inspect *x)
{
	return &x->spec;
}

void
inspect_set_handlers(struct inspect *x, inspect_recv_fn recv,
    inspect_drop_fn drop, void *ctx)
{
	x->recv = recv;
	x->drop = drop;
	x->ctx = ctx;
}

sb_time
inspect_service(const struct inspect *x, uint32_t size)
{
	sb_time ser = 0;

	if (x->spec.capacity_bps != 0) {
		uint64_t bps = x->spec.capacity_bps;
		/* ceil(bits * 1e9 / bps); no overflow below 2 GB a packet */
		ser = (sb_time)(((uint64_t)size * 8 * 1000000000u + bps - 1) /
		    bps);
	}
	return ser > x->pps_service ? ser : x->pps_service;
}

sb_time
inspect_backlog_time(const struct inspect *x)
{
	sb_time now = kernel_now(x->k);

	return x->busy_until > now ? x->busy_until - now : 0;
}

static void
drop(struct inspect *x, struct sb_packet *p, enum inspect_drop why)
{
	x->st.drops[why]++;
	x->drop(x->ctx, x, p, why);
}

static void
come_out(void *a, void *b)
{
	struct inspect *x = a;
	struct sb_packet *p = b;

	if (!x->up || p->epoch != x->epoch) {
		drop(x, p, INSPECT_DROP_DOWN);
		return;
	}
	x->st.out++;
	x->st.bytes_out += p->size;
	x->recv(x->ctx, x, p);
}

void
inspect_send(struct inspect *x, struct sb_packet *p)
{
	sb_time now = kernel_now(x->k), wait, ser, dep;

	x->st.in++;
	if (!x->up) {
		drop(x, p, INSPECT_DROP_DOWN);
		return;
	}
	wait = inspect_backlog_time(x);
	if (x->spec.queue != 0 && wait > x->spec.queue) {
		drop(x, p, INSPECT_DROP_QUEUE);
		return;
	}
	ser = inspect_service(x, p->size);
	dep = now + wait + ser;
	p->epoch = x->epoch;
	/* Nothing is committed until the event exists, so running out of
	 * memory loses this packet without charging the server for it. */
	if (kernel_at(x->k, dep + x->spec.latency, come_out, x, p) == 0) {
		drop(x, p, INSPECT_DROP_QUEUE);
		return;
	}
	x->busy_until = dep;
	x->st.accepted++;
	x->st.busy += ser;
	x->st.wait_sum += wait;
	if (wait > x->st.wait_max)
		x->st.wait_max = wait;
}

void
inspect_set_up(struct inspect *x, int up)
{
	sb_time now = kernel_now(x->k);

	up = up != 0;
	if (up == x->up)
		return;
	x->up = up;
	if (!up) {
		/* What was queued or inside is lost: new epoch, idle server. */
		x->epoch++;
		if (x->busy_until > now)
			x->busy_until = now;
	}
}

int
inspect_is_up(const struct inspect *x)
{
	return x->up;
}

void
inspect_stats_take(struct inspect *x, struct inspect_stats *out, int reset)
{
	*out = x->st;
	if (reset)
		memset(&x->st, 0, sizeof(x->st));
}
