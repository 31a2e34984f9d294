/*
 * Fluid background load on a link: traffic that is not simulated packet by
 * packet but as a rate, updated at a coarse step, that takes bandwidth from
 * the link and makes the packet-level (foreground) packets sharing the link
 * wait and drop as the same load as packets would.
 *
 * A deterministic fluid below the link's rate never queues, which is
 * wrong: Poisson packets at utilisation u keep a backlog whose mean is the
 * Pollaczek-Khinchine formula.  So the background is a virtual M/G/1 queue
 * (Poisson arrivals of the background's packets, deterministic size here,
 * so M/D/1), and a foreground packet arriving at t waits for the work in
 * the shared FIFO at t, which is kept as two parts:
 *
 *   V  the background's own workload, as if the foreground were absent;
 *   E  the foreground's excess: the extra work the foreground's packets
 *      left behind (its own packets and the background they held up).
 *
 * Both are fed by the same background arrivals, so E only drains while V
 * is empty (the server would be idle but for the foreground); W = V + E is
 * then exactly the workload of the FIFO both share, and a packet waits W.
 *
 * Between two foreground arrivals dt apart the pair is moved forward:
 *
 *  - lambda * dt <= FLUID_EXACT background arrivals on average: exactly,
 *    drawing the background's Poisson arrivals one by one (a few draws);
 *  - further apart, u < FLUID_DIFFUSION_U: V is drawn afresh from the
 *    stationary M/G/1 workload by the Pollaczek-Khinchine (Benes)
 *    decomposition W = R_1 + ... + R_N, N geometric with P(N = n) =
 *    (1 - u) u^n and R_i the service time's equilibrium residual (uniform
 *    on [0, S] for a fixed size S); its mean is the P-K mean
 *    lambda E[S^2] / (2 (1 - u)) = u S / (2 (1 - u)) for M/D/1.  E drains
 *    by the idle time a stationary queue has, (1 - u) dt.  Correlation
 *    with the backlog the last packet saw is dropped: after more than
 *    FLUID_EXACT arrivals it is weak except close to u = 1;
 *  - further apart at u >= FLUID_DIFFUSION_U (overload included): the
 *    workload is a reflected Brownian motion of drift u - 1 and variance
 *    lambda E[S^2] per unit time, drawn exactly from its transition (the
 *    net input X, then the minimum of the Brownian bridge to X, which
 *    gives the idle time that drains E).
 *
 * A finite buffer (limit, in ns of work) makes an M/D/1/K: a background
 * arrival that would not fit is lost, so V stays under the limit, and
 * the link drops foreground packets that find W plus themselves over it.
 * In overload (u >= 1) over a long gap the room left in the buffer is
 * the reflected diffusion (drift 1 - u), and whenever a long gap ends at
 * or near the top the last FLUID_EXACT arrivals are played exactly from
 * there: a drop-tail queue at its limit is a sawtooth one background
 * packet deep, and small foreground packets slip into its gaps.
 *
 * The background is either a utilisation (a fraction of whatever the
 * link's bandwidth is) or a rate in bits/s; either constant or a list of
 * (time, value) points joined by straight lines and held after the last.
 * It is read once per `step` (sample and hold), which is the coarseness
 * the scale needs: no event is scheduled, the value is looked up when a
 * foreground packet or a sample asks.
 *
 * What it is not: the background has no flows, no TCP reaction to loss,
 * no route; it sits on one link direction.  Its own losses are counted
 * but not reported per flow.  Each draw is from the fluid's own stream,
 * and no draw is made but at a foreground packet, so the samples taken do
 * not change what the foreground sees.
 */
#ifndef SASEBED_MODELS_FLUID_H
#define SASEBED_MODELS_FLUID_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "sim/kernel.h"

/* Background arrivals between two foreground packets up to which the
 * virtual queue is moved forward exactly. */
#define FLUID_EXACT 32
/* From this utilisation on, long gaps use the diffusion, not a fresh
 * stationary draw (whose cost grows as u / (1 - u)). */
#define FLUID_DIFFUSION_U 0.98

enum fluid_unit { FLUID_UTIL = 0, FLUID_RATE };

struct fluid_point {
	sb_time at;      /* from the start of the run */
	double value;    /* a utilisation (>= 0) or bits/s */
};

struct fluid_spec {
	int on;                     /* 0: no background */
	enum fluid_unit unit;
	double value;               /* constant, when npoints == 0 */
	struct fluid_point *points; /* sorted by at; owned by the spec */
	size_t npoints;
	sb_time step;               /* > 0 */
	uint32_t packet_bytes;      /* the background's packet size, > 0 */
};

#define FLUID_DEFAULT_STEP SB_S
#define FLUID_MAX_UTIL 4.0      /* what a scenario may ask for */
#define FLUID_DEFAULT_PACKET 1000

/* Deep copy (points) and release of a spec's owned parts. */
int fluid_spec_copy(struct fluid_spec *dst, const struct fluid_spec *src);
void fluid_spec_clear(struct fluid_spec *s);

/* The spec's value at time t (linear between points, held outside). */
double fluid_spec_value(const struct fluid_spec *s, sb_time t);

struct fluid;

/* A background of spec s (copied); rng is its own stream, not owned.
 * NULL on ENOMEM. */
struct fluid *fluid_new(const struct fluid_spec *s, gsl_rng *rng);
void fluid_free(struct fluid *f);

/* The background's utilisation of a link of bps at time t (the step's
 * value; a rate is divided by bps).  0 when bps is 0. */
double fluid_util(struct fluid *f, sb_time t, uint64_t bps);

/* A foreground packet arrives at now on a link of bps whose buffer holds
 * limit ns of work (0: no limit): move the virtual queue to now and
 * return the work ahead of the packet, ns.  Call fluid_commit() if the
 * packet is queued.  now must not go back. */
sb_time fluid_wait(struct fluid *f, sb_time now, uint64_t bps, sb_time limit);

/* The packet just asked about joins the queue: ser ns more work. */
void fluid_commit(struct fluid *f, sb_time ser);
/* Ahead of fluid_wait(), f's lines being in the cache: stage 0 fetches
 * its random stream, stage 1 (that in the cache) the stream's state. */
void fluid_prefetch(const struct fluid *f, int stage);

/* The work queued at now as last seen, drained since (no draw). */
sb_time fluid_backlog(const struct fluid *f, sb_time now);

/* The link went down: the queue empties. */
void fluid_flush(struct fluid *f, sb_time now);

/* Time the background kept a link of bps busy from the last call (or 0)
 * to now: the integral of min(u, 1). */
sb_time fluid_busy(struct fluid *f, sb_time now, uint64_t bps);

/* Background packets lost to a full buffer so far (the exact steps'). */
uint64_t fluid_lost(const struct fluid *f);

#endif
