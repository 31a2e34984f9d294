/*
 * A BGP speaker for one session inside an IPsec tunnel: what a
 * third-party firewall or a cloud VPN gateway runs with the PoP, so that
 * the PoP learns the site's prefixes and forgets them when the session
 * dies.
 *
 * What it is: the RFC 4271 finite-state machine cut to one neighbour,
 * with the messages in their wire format (OPEN, UPDATE, NOTIFICATION,
 * KEEPALIVE; the 19-byte header with its marker), the hold and keepalive
 * timers (the hold time is the smaller of the two OPENs' and the
 * keepalive a third of it unless set lower), IPv4 unicast NLRI and
 * withdrawn routes, and the three mandatory path attributes (ORIGIN,
 * AS_PATH, NEXT_HOP).  A session that goes down for any reason (hold
 * timer expired, a NOTIFICATION, the tunnel gone) withdraws every route
 * learned over it at once.
 *
 * What it is not: a full BGP.  No TCP: each message travels as one
 * datagram to UDP port 179 between the two neighbour addresses, inside
 * the tunnel, so a message the tunnel loses is not sent again (lost
 * KEEPALIVEs are what the hold time absorbs; a lost UPDATE leaves the
 * peer without its routes until the session restarts).  No capabilities
 * in the OPEN (so no 4-octet AS numbers, no multiprotocol), no route
 * selection among several peers (a speaker has one), no policies, no
 * Adj-RIB-Out beyond the local prefixes, no ConnectRetry collision
 * handling (one transport: both ends may open at once, which simply
 * works).  After a failure the speaker waits `retry` and opens again
 * while the transport is up, and an OPEN left unanswered goes again every
 * `retry` (wan/bgp.c says where this departs from RFC 4271, and why).
 *
 * Like every module under wan/, it sees the world only through the
 * platform: messages go out with send() on link `link` as whole inner
 * IPv4 packets, timers and events are the platform's.  Learned routes
 * and session changes are told to the caller through the callbacks.
 */
#ifndef SASEBED_WAN_BGP_H
#define SASEBED_WAN_BGP_H

#include <stddef.h>
#include <stdint.h>

#include "wan/packet.h"
#include "wan/platform.h"

#define BGP_PORT 179
#define BGP_VERSION 4
#define BGP_HDR 19
#define BGP_MAX_MSG 4096

/* RFC 4271 10's suggested values: hold 90 s, keepalive a third of it;
 * the retry is shorter than its ConnectRetryTime (120 s), as there is no
 * TCP connection to wait for, only the tunnel. */
#define BGP_HOLD_DEFAULT (90 * SB_S)
#define BGP_RETRY_DEFAULT (5 * SB_S)
/* The hold timer while the OPEN is awaited: RFC 4271 8.2.2's "large
 * value" of 4 minutes. */
#define BGP_OPEN_HOLD (240 * SB_S)
#define BGP_MAX_PREFIXES 256

enum bgp_state {
	BGP_IDLE,
	BGP_OPEN_SENT,
	BGP_OPEN_CONFIRM,
	BGP_ESTABLISHED,
};

/* Message types (RFC 4271 4.1). */
enum {
	BGP_OPEN = 1,
	BGP_UPDATE = 2,
	BGP_NOTIFICATION = 3,
	BGP_KEEPALIVE = 4,
};

/* A learned prefix came (up 1) or went (up 0). */
typedef void (*bgp_route_fn)(void *ctx, uint32_t addr, unsigned len, int up);
/* The session reached Established (up 1) or left it (up 0). */
typedef void (*bgp_session_fn)(void *ctx, int up);

struct bgp_prefix {
	uint32_t addr;
	uint8_t len;
};

struct bgp_config {
	const char *name;         /* the session, for events */
	const char *node;         /* the speaker's node, for events */
	unsigned local_as, peer_as; /* 1 .. 65535 */
	uint32_t local_addr;      /* neighbour addresses, host order; the
	                             local one is also the BGP identifier */
	uint32_t peer_addr;
	sb_time hold;             /* proposed; whole seconds, 0 or >= 3 s;
	                             negative: the default */
	sb_time keepalive;        /* 0: a third of the negotiated hold */
	sb_time retry;            /* 0: the default */
	unsigned link;            /* the platform link messages go out on */
	const struct bgp_prefix *prefixes; /* announced; copied */
	size_t nprefixes;
	bgp_route_fn on_route;
	bgp_session_fn on_session;
	void *ctx;
};

struct bgp_stats {
	uint64_t sent[5], received[5]; /* by message type, [0] unused */
	uint64_t established;     /* times the session came up */
	uint64_t hold_expired;
	size_t learned;           /* prefixes held now */
};

struct bgp;

/* NULL on ENOMEM or a configuration it cannot hold (err says which). */
struct bgp *bgp_new(const struct sb_platform *pf, const struct bgp_config *cfg,
    char *err, size_t errlen);
void bgp_free(struct bgp *b);

/* The transport (the tunnel) came up: send an OPEN.  Down: the session
 * ends without a word (nothing can be sent) and its routes go. */
void bgp_transport(struct bgp *b, int up);

/* An inner packet out of the tunnel; takes ownership.  Returns 0 if it
 * was BGP's (to the local address, UDP port 179), -1 if not (p is then
 * left to the caller). */
int bgp_input(struct bgp *b, struct sb_packet *p);

/* Announce or withdraw a local prefix now (and to the peer if the
 * session is up).  0, or -1 when the table is full or len > 32. */
int bgp_announce(struct bgp *b, uint32_t addr, unsigned len);
int bgp_withdraw(struct bgp *b, uint32_t addr, unsigned len);

enum bgp_state bgp_state(const struct bgp *b);
const char *bgp_state_name(enum bgp_state s);
/* The hold time and keepalive interval in force (0 before an OPEN). */
sb_time bgp_hold(const struct bgp *b);
sb_time bgp_keepalive(const struct bgp *b);
const struct bgp_stats *bgp_stats(const struct bgp *b);
/* Does the speaker hold a learned route for addr/len? */
int bgp_learned(const struct bgp *b, uint32_t addr, unsigned len);

/* Message builders, for tests and fuzzing: the message's length written
 * at buf (cap bytes), or 0 if it does not fit. */
size_t bgp_msg_open(uint8_t *buf, size_t cap, unsigned as, sb_time hold,
    uint32_t id);
size_t bgp_msg_keepalive(uint8_t *buf, size_t cap);
size_t bgp_msg_notification(uint8_t *buf, size_t cap, unsigned code,
    unsigned subcode);
/* An UPDATE withdrawing nw prefixes and announcing na with next hop nh
 * and an AS_PATH of one AS (as). */
size_t bgp_msg_update(uint8_t *buf, size_t cap, const struct bgp_prefix *w,
    size_t nw, const struct bgp_prefix *a, size_t na, unsigned as,
    uint32_t nh);

#endif
