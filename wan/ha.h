/*
 * A Socket HA pair's election: one unit of the two, its heartbeat to the
 * other over the site LAN and the decision which of them is active.  The
 * active unit runs the site's Socket (its tunnels and its traffic); the
 * standby unit runs nothing but this.
 *
 * Each unit sends a heartbeat every `heartbeat` (1 s by default) carrying
 * its state, whether it is the primary and whether it is ready (its WAN
 * ports have carrier).  A unit that has heard nothing from its peer for
 * `misses` heartbeats (3 by default) counts the peer as lost and, if it is
 * ready, becomes active: the takeover.  So a takeover starts at most
 * heartbeat x misses after the failure, measured from the last heartbeat
 * heard (which left before the failure).
 *
 * The other rules, in the order they are applied to a heartbeat heard:
 *  - an active unit that hears an active peer keeps the role if it is
 *    ready and the peer is not, or if both are alike and it is the
 *    primary; otherwise it stands by (a split brain ends in one
 *    heartbeat);
 *  - a standby (or listening) unit that hears an active peer which is not
 *    ready, while it is ready itself, takes over at once: the active unit
 *    has lost its links and says so;
 *  - with pre-emption (off by default) a ready primary that hears an
 *    active secondary takes over, and the secondary then stands by (the
 *    first rule); without it a recovered primary stays standby, because
 *    handing back costs a second outage;
 *  - a standby (or listening) unit that hears a peer which is not active
 *    either becomes active if it is ready and the peer is not, or if both
 *    are alike and it is the primary; otherwise it stands by.
 *
 * At the start of a run the pair is formed: the primary starts active,
 * the secondary standby.  A unit powered up later listens first: active
 * only if it hears no peer for heartbeat x misses.
 *
 * What it is not: the Socket or its tunnels.  The owner is told of each
 * change of role (on_state) and starts or stops the Socket itself.  Real
 * protocol code under the platform interface: heartbeats go out through
 * the platform's send() on port HA_LAN_PORT, and come in by ha_input().
 */
#ifndef SASEBED_WAN_HA_H
#define SASEBED_WAN_HA_H

#include <stddef.h>
#include <stdint.h>

#include "wan/packet.h"
#include "wan/platform.h"

/* Defaults from the product documentation: a heartbeat a second, the
 * peer lost after three missed in a row. */
#define HA_HEARTBEAT_DEFAULT (1 * SB_S)
#define HA_MISSES_DEFAULT 3
/* The platform port heartbeats go out on: the unit's LAN port. */
#define HA_LAN_PORT 0
/* A heartbeat on the wire: "SBHA", version, state, flags, 0, the pair's
 * id, the sequence number; big-endian. */
#define HA_MSG_BYTES 16

enum ha_state { HA_DOWN = 0, HA_LISTEN, HA_STANDBY, HA_ACTIVE };

struct ha_cfg {
	const char *name;      /* the unit, for events ("site/primary") */
	uint32_t pair;         /* heartbeats from another pair are ignored */
	int primary;           /* 1: the primary unit, 0: the secondary */
	sb_time heartbeat;     /* 0: HA_HEARTBEAT_DEFAULT */
	unsigned misses;       /* 0: HA_MISSES_DEFAULT */
	int preempt;           /* a ready primary takes back over */
	/* The unit's role changed to st (HA_ACTIVE or HA_STANDBY; not
	 * called for ha_stop()); may be NULL. */
	void (*on_state)(void *ctx, enum ha_state st);
	void *ctx;
};

struct ha_stats {
	uint64_t sent, heard;  /* heartbeats */
	uint64_t ignored;      /* malformed, or another pair's */
	uint64_t takeovers;    /* times it became active after the start */
	uint64_t peer_lost;    /* times the peer fell silent */
};

struct ha;

/* A unit, stopped (HA_DOWN); NULL with a message on bad configuration or
 * out of memory. */
struct ha *ha_new(const struct sb_platform *pf, const struct ha_cfg *cfg,
    char *err, size_t errlen);
void ha_free(struct ha *h);

/*
 * Power the unit up: with listen 0 the pair is being formed (the primary
 * active, the secondary standby: no on_state call, the owner starts the
 * primary's Socket itself); with listen 1 it was powered up later and
 * listens first.  Sends its first heartbeat at once.
 */
void ha_start(struct ha *h, int listen);

/* Power off: no more heartbeats, nothing heard; state HA_DOWN. */
void ha_stop(struct ha *h);

/* The unit's WAN ports have carrier (1, the default) or not; a change is
 * sent to the peer at once. */
void ha_set_ready(struct ha *h, int ready);

/* A datagram from the LAN; takes ownership. */
void ha_input(struct ha *h, struct sb_packet *p);

enum ha_state ha_state(const struct ha *h);
const char *ha_state_name(enum ha_state st);
const struct ha_stats *ha_stats(const struct ha *h);
/* The configuration in use, defaults filled in. */
const struct ha_cfg *ha_cfg(const struct ha *h);

#endif
