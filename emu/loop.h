/*
 * The emulator's event loop: real time on CLOCK_MONOTONIC, one-shot
 * timers in a heap, and file descriptors watched with epoll.  One loop per
 * process; every node the process runs (a Socket and its tunnels, a PoP, a
 * wire) shares it, as they share the kernel in the simulator.
 *
 * Time is nanoseconds since the loop's origin, which several processes can
 * share (eloop_new's t0: a CLOCK_MONOTONIC reading), so that the daemons
 * and the runner agree on "scenario time".
 */
#ifndef SASEBED_EMU_LOOP_H
#define SASEBED_EMU_LOOP_H

#include <signal.h>
#include <stdint.h>

#include "wan/platform.h"

struct eloop;

typedef void (*eloop_fd_fn)(void *arg, int fd, uint32_t events);

/* The current CLOCK_MONOTONIC reading, ns: an origin to hand to others. */
sb_time eloop_monotonic(void);

/* A loop whose time 0 is the CLOCK_MONOTONIC reading t0 (0: now). */
struct eloop *eloop_new(sb_time t0);
void eloop_free(struct eloop *l);

sb_time eloop_now(const struct eloop *l);
/* Move time 0 to the CLOCK_MONOTONIC reading t0; only before any timer
 * is armed (what is armed keeps its absolute deadline). */
void eloop_set_origin(struct eloop *l, sb_time t0);

/* Timers: as the platform interface's (absolute deadlines, handle 0 is
 * none, cancelling a stale handle is harmless). */
sb_timer eloop_timer_arm(struct eloop *l, sb_time deadline, sb_timer_fn fn,
    void *arg);
void eloop_timer_cancel(struct eloop *l, sb_timer t);

/* Watch fd for EPOLLIN (and whatever else events asks); -1 on error. */
int eloop_watch(struct eloop *l, int fd, uint32_t events, eloop_fd_fn fn,
    void *arg);
void eloop_unwatch(struct eloop *l, int fd);

/* Run until eloop_stop(), *stop_flag turns non-zero (a signal handler's
 * flag, checked at least every 100 ms) or the time reaches until
 * (SB_TIME_NEVER: no end).  Returns 0, or -1 on an epoll error. */
int eloop_run(struct eloop *l, sb_time until, volatile sig_atomic_t *stop_flag);
void eloop_stop(struct eloop *l);

#endif
