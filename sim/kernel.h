/*
 * The discrete-event kernel: a virtual clock and a queue of events.
 *
 * Time is int64 nanoseconds.  Events at the same instant run in the order
 * they were scheduled (a sequence number breaks ties), which is what makes a
 * run reproducible bit for bit.  Events come from a free list, so scheduling
 * on the hot path never calls malloc once the list has grown to the
 * simulation's working size.
 *
 * It is not a process or thread scheduler: an event is a function and two
 * arguments, run to completion.
 */
#ifndef SASEBED_SIM_KERNEL_H
#define SASEBED_SIM_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "wan/platform.h"

struct kernel;

typedef void (*kernel_fn)(void *a, void *b);

/* Called every `every` events by kernel_run(); a non-zero return stops the
 * run (used for interruption and for the progress line). */
typedef int (*kernel_poll_fn)(void *arg, struct kernel *k);

struct kernel *kernel_new(void);
void kernel_free(struct kernel *k);

sb_time kernel_now(const struct kernel *k);

/* Schedule fn(a, b) at absolute time t; t earlier than now is run at now.
 * Returns a handle for kernel_cancel(), never 0.  Returns 0 only when memory
 * runs out. */
sb_timer kernel_at(struct kernel *k, sb_time t, kernel_fn fn, void *a, void *b);

static inline sb_timer
kernel_after(struct kernel *k, sb_time delay, kernel_fn fn, void *a, void *b)
{
	return kernel_at(k, kernel_now(k) + delay, fn, a, b);
}

/* Cancel a pending event.  Returns 1 if it was pending, 0 if it had already
 * run, been cancelled, or the handle is 0. */
int kernel_cancel(struct kernel *k, sb_timer id);

/*
 * A prefetch hook for the events of fn: called with the event's
 * arguments and time before it runs, at stage 1 (furthest ahead) to
 * KERNEL_PREFETCH_STAGES (the event before it), after the kernel has
 * fetched a and b.  At stage s a hook may read what it fetched at stage
 * s - 1 (and a and b at stage 1), and fetch the objects those point to:
 * one level of pointers a stage.  A hook must only read and fetch; it
 * may be called for an event that is then cancelled, or not at all.
 * At most KERNEL_PREFETCH_MAX functions have hooks; setting another is
 * ignored, setting one again replaces it.
 */
typedef void (*kernel_prefetch_fn)(void *a, void *b, sb_time t, int stage);
#define KERNEL_PREFETCH_MAX 4
#define KERNEL_PREFETCH_STAGES 7
void kernel_set_prefetch(struct kernel *k, kernel_fn fn, kernel_prefetch_fn pf);

void kernel_set_poll(struct kernel *k, uint64_t every, kernel_poll_fn fn,
    void *arg);

/*
 * Run events until the queue is empty, the next event lies after `until`
 * (the clock is then set to `until`), or the poll function asks to stop.
 * Returns 0 when it reached `until` or ran dry, 1 when stopped by the poll.
 */
int kernel_run(struct kernel *k, sb_time until);

/* Run exactly one event if any is pending; returns 1 if one ran.  For tests
 * and the benchmark's hold model. */
int kernel_step(struct kernel *k);

uint64_t kernel_events_run(const struct kernel *k);
size_t kernel_pending(const struct kernel *k);

#endif
