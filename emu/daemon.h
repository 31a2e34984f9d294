/*
 * What the two daemons (sasebed-socketd, sasebed-popd) share: their
 * command line, the scenario and the node in it they run, the loop and the
 * packet pool, their log and events, the credentials, and UDP sockets bound
 * to one interface.
 *
 * Both take:  SCENARIO.yaml --site NAME | --pop NAME  [--tag TAG]
 *             [--t0 NS] [--events FILE] [--keylog FILE] [--quiet]
 * --t0 is a CLOCK_MONOTONIC reading, the scenario's time 0, so that the
 * runner and every daemon on the machine share one clock.  Events go to
 * stderr as a log people read and, with --events, as tab-separated lines
 * (t_ns node kind subject detail value) that the runner records.
 */
#ifndef SASEBED_EMU_DAEMON_H
#define SASEBED_EMU_DAEMON_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "emu/loop.h"
#include "emu/platform_emu.h"
#include "pcap/keylog.h"
#include "sim/pool.h"
#include "sim/scenario.h"

struct daemon {
	const char *prog;
	struct scenario *sc;
	int idx;                  /* the site's or PoP's index */
	const char *name;
	const char *tag;
	struct eloop *loop;
	struct pool *pool;
	FILE *events;             /* or NULL */
	struct keylog *keylog;    /* or NULL */
	int quiet;
	volatile sig_atomic_t *stop;
	struct pemu_env env;
};

/* Parse the command line (want: "site" or "pop"), load the scenario,
 * find the node, make the loop and pool; on error print it (naming the
 * file and place for a bad scenario) and return 2 (usage, bad input) or 3
 * (an internal error).  0 on success. */
int daemon_init(struct daemon *d, int argc, char **argv, const char *want);
void daemon_fini(struct daemon *d);

/* Run the loop until SIGTERM or SIGINT; 0, or 3 on a loop error. */
int daemon_run(struct daemon *d);

/* Record an event (the platform's emit, for every node of the daemon). */
void daemon_emit(void *ctx, sb_time t, const struct sb_event *ev);
/* A line in the log, on stderr, stamped with the scenario time. */
void daemon_log(const struct daemon *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* At the end: a tunnel's counters as an event (`tunnel-counters`: what
 * it carried and what it dropped, and why; the value is the drops). */
struct tunnel;
void daemon_tunnel_counters(struct daemon *d, const struct tunnel *t);

/* A site's pre-shared key as the management plane would hand it to the
 * site's Socket and to every PoP: drawn from the scenario's seed and the
 * site's name. */
void daemon_psk(const struct scenario *sc, size_t site, uint8_t psk[32]);

/* A UDP socket bound to addr:port on interface ifname, non-blocking;
 * -1 with errno. */
int daemon_udp(const char *ifname, uint32_t addr, uint16_t port);
/* The next datagram waiting on fd, in a packet from the pool, and its
 * sender (addr and port may be NULL); NULL when none is waiting.  One
 * larger than a packet's buffer, which no tunnel sends, is dropped and
 * counted in *oversized. */
struct sb_packet *daemon_recv(struct daemon *d, int fd, uint32_t *addr,
    uint16_t *port, uint64_t *oversized);
/* Send a packet's bytes to addr:port; frees p.  0, or -1 (the datagram
 * did not leave: a link down, a full buffer), counted by the caller. */
int daemon_sendto(struct daemon *d, int fd, uint32_t addr, uint16_t port,
    struct sb_packet *p);

#endif
