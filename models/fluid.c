/*
 * Fluid background: the virtual queue behind fluid.h's model.
 *
 * Work is kept in double nanoseconds (V, E) so that fractions of a
 * nanosecond do not pile up over millions of steps; what leaves is rounded
 * once.  The utilisation is looked up per step and cached with the step's
 * bounds and the bandwidth it was computed for, so a packet costs a
 * comparison unless a step boundary was crossed.  No allocation after
 * fluid_new().
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "models/fluid.h"

struct fluid {
	struct fluid_spec s;
	gsl_rng *rng;

	/* the step's utilisation, valid in [from, until) at bps */
	double u;
	sb_time from, until;
	uint64_t bps;

	double v, e;          /* background workload, foreground excess, ns */
	sb_time last;         /* when they were last moved forward */
	sb_time busy_at;      /* fluid_busy() integrated up to here */
	uint64_t lost;
};

void
fluid_prefetch(const struct fluid *f, int stage)
{
	if (stage == 0)
		__builtin_prefetch(f->rng);
	else
		__builtin_prefetch(f->rng->state);
}

int
fluid_spec_copy(struct fluid_spec *dst, const struct fluid_spec *src)
{
	*dst = *src;
	dst->points = NULL;
	if (src->npoints == 0)
		return 0;
	dst->points = malloc(src->npoints * sizeof(*dst->points));
	if (dst->points == NULL) {
		dst->npoints = 0;
		return -1;
	}
	memcpy(dst->points, src->points, src->npoints * sizeof(*dst->points));
	return 0;
}

void
fluid_spec_clear(struct fluid_spec *s)
{
	free(s->points);
	s->points = NULL;
	s->npoints = 0;
}

double
fluid_spec_value(const struct fluid_spec *s, sb_time t)
{
	const struct fluid_point *p = s->points;
	size_t n = s->npoints, lo = 0, hi;

	if (n == 0)
		return s->value;
	if (t <= p[0].at)
		return p[0].value;
	if (t >= p[n - 1].at)
		return p[n - 1].value;
	/* the last point at or before t; few points, but a long list is
	 * allowed, so bisect */
	hi = n - 1;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (p[mid].at <= t)
			lo = mid;
		else
			hi = mid;
	}
	return p[lo].value + (p[hi].value - p[lo].value) *
	    (double)(t - p[lo].at) / (double)(p[hi].at - p[lo].at);
}

struct fluid *
fluid_new(const struct fluid_spec *s, gsl_rng *rng)
{
	struct fluid *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	if (fluid_spec_copy(&f->s, s) < 0) {
		free(f);
		return NULL;
	}
	if (f->s.step <= 0)
		f->s.step = FLUID_DEFAULT_STEP;
	if (f->s.packet_bytes == 0)
		f->s.packet_bytes = FLUID_DEFAULT_PACKET;
	f->rng = rng;
	f->until = INT64_MIN;
	return f;
}

void
fluid_free(struct fluid *f)
{
	if (f == NULL)
		return;
	fluid_spec_clear(&f->s);
	free(f);
}

/* The step t falls in starts here (t >= 0 in a run; floor otherwise). */
static sb_time
step_start(const struct fluid *f, sb_time t)
{
	sb_time r = t % f->s.step;

	return r < 0 ? t - r - f->s.step : t - r;
}

static double
util_at(const struct fluid *f, sb_time t, uint64_t bps)
{
	double v = fluid_spec_value(&f->s, step_start(f, t));

	if (bps == 0)
		return 0;
	return f->s.unit == FLUID_RATE ? v / (double)bps : v;
}

double
fluid_util(struct fluid *f, sb_time t, uint64_t bps)
{
	if (t < f->from || t >= f->until || bps != f->bps) {
		f->from = step_start(f, t);
		f->until = f->from + f->s.step;
		f->bps = bps;
		f->u = util_at(f, t, bps);
	}
	return f->u;
}

/* g ns without a background arrival: the work drains; the excess only
 * while the background's own queue is empty. */
static void
drain(struct fluid *f, double g)
{
	if (g > f->v) {
		f->e = fmax(f->e - (g - f->v), 0);
		f->v = 0;
	} else
		f->v -= g;
}

/* Exactly: the background's Poisson arrivals one by one. */
static void
step_exact(struct fluid *f, double dt, double u, double svc, double limit)
{
	double mean_gap = svc / u;

	for (;;) {
		double g = gsl_ran_exponential(f->rng, mean_gap);
		if (g >= dt) {
			drain(f, dt);
			return;
		}
		drain(f, g);
		dt -= g;
		if (limit > 0 && f->v + f->e + svc > limit)
			f->lost++;
		else
			f->v += svc;
	}
}

/* A fresh draw of the stationary M/D/1 workload (Pollaczek-Khinchine:
 * a geometric number of uniform residual service times). */
static void
step_stationary(struct fluid *f, double dt, double u, double svc)
{
	double w = 0;

	while (gsl_rng_uniform(f->rng) < u)
		w += gsl_rng_uniform(f->rng) * svc;
	f->v = w;
	f->e = fmax(f->e - (1 - u) * dt, 0);
}

/* One step of a Brownian motion of drift mu and variance var per ns,
 * reflected at 0, from x0 over dt: the net input x, the minimum of the
 * Brownian bridge from 0 to x, and the push the barrier gave (*push).
 * Exact for the diffusion, whatever dt. */
static double
rbm(gsl_rng *r, double x0, double mu, double var, double dt, double *push)
{
	double v = var * dt;
	double x = mu * dt + sqrt(v) * gsl_ran_ugaussian(r);
	double m = (x - sqrt(x * x - 2 * v * log(gsl_rng_uniform_pos(r)))) / 2;

	*push = fmax(-(x0 + m), 0);
	return x0 + x + *push;
}

/* The workload as that diffusion, drift u - 1 and variance lambda E[S^2]
 * = u S; the time it is pushed off 0 is idle time, which the excess
 * drains by.  With a buffer and u >= 1 the queue lives at the top: then
 * the room left, lim - V, is the reflected one (drift 1 - u). */
static void
step_diffusion(struct fluid *f, double dt, double u, double svc, double lim)
{
	double push;

	if (lim > 0 && u >= 1) {
		double room = rbm(f->rng, fmax(lim - f->e - f->v, 0), 1 - u,
		    u * svc, dt, &push);
		f->v = fmax(lim - f->e - room, 0);
		return;
	}
	f->v = rbm(f->rng, f->v, u - 1, u * svc, dt, &push);
	f->e = fmax(f->e - push, 0);
}

sb_time
fluid_wait(struct fluid *f, sb_time now, uint64_t bps, sb_time limit)
{
	double dt = now > f->last ? (double)(now - f->last) : 0;
	double u, svc, lim = (double)limit;

	f->last = now > f->last ? now : f->last;
	if (bps == 0)
		return 0;
	u = fluid_util(f, now, bps);
	svc = (double)f->s.packet_bytes * 8e9 / (double)bps;
	if (u <= 0 || dt <= 0)
		drain(f, dt);
	else if (u / svc * dt <= FLUID_EXACT)
		step_exact(f, dt, u, svc, lim);
	else {
		if (u < FLUID_DIFFUSION_U)
			step_stationary(f, dt, u, svc);
		else
			step_diffusion(f, dt, u, svc, lim);
		if (lim > 0 && (u >= 1 || f->v + f->e > lim)) {
			/* near the top of the buffer the last few arrivals
			 * decide what is in it (the sawtooth of a drop-tail
			 * queue at its limit): play those exactly */
			f->v = fmin(f->v, fmax(lim - f->e, 0));
			step_exact(f, fmin(dt, FLUID_EXACT * svc / u), u, svc,
			    lim);
		}
	}
	if (lim > 0 && f->v + f->e > lim)
		f->v = fmax(lim - f->e, 0);
	return (sb_time)(f->v + f->e);
}

void
fluid_commit(struct fluid *f, sb_time ser)
{
	f->e += (double)ser;
}

sb_time
fluid_backlog(const struct fluid *f, sb_time now)
{
	double w = f->v + f->e - (double)(now - f->last);

	return w > 0 ? (sb_time)w : 0;
}

void
fluid_flush(struct fluid *f, sb_time now)
{
	f->v = f->e = 0;
	f->last = now;
}

sb_time
fluid_busy(struct fluid *f, sb_time now, uint64_t bps)
{
	double busy = 0;
	sb_time t = f->busy_at;

	if (f->s.npoints == 0 && now > t)	/* constant: no steps to walk */
		busy = fmin(util_at(f, t, bps), 1.0) * (double)(now - t);
	while (f->s.npoints > 0 && t < now) {
		sb_time end = step_start(f, t) + f->s.step;
		if (end > now)
			end = now;
		busy += fmin(util_at(f, t, bps), 1.0) * (double)(end - t);
		t = end;
	}
	if (now > f->busy_at)
		f->busy_at = now;
	return (sb_time)busy;
}

uint64_t
fluid_lost(const struct fluid *f)
{
	return f->lost;
}
