/*
 * A packet as it moves through the simulator or the emulator.
 *
 * Packets come from a pool (sim/pool.c in the simulator), never from malloc
 * on the hot path.  Modelled traffic (a constant-bit-rate source, say)
 * carries no bytes: `size` is what it weighs on the wire and `data` is NULL.
 * Protocol code that needs real bytes (the tunnel) gets its packets from
 * the platform's packet_new(), which always come with a buffer; `len` then
 * says how much of it is used.
 *
 * The fields from `created` to `tcp` are the simulator's tags: they ride
 * along with a packet, through a tunnel too, but are not on the wire, and
 * protocol code neither reads nor writes them.
 */
#ifndef SASEBED_WAN_PACKET_H
#define SASEBED_WAN_PACKET_H

#include <stdint.h>

#include "wan/platform.h"

#define SB_FLOW_NONE UINT32_MAX

#define SB_TCP_SYN 0x01
#define SB_TCP_ACK 0x02

/* Bytes in a packet buffer: an Ethernet MTU's datagram with room to spare
 * for tunnel headers, so no record the tunnel builds needs two. */
#define SB_PACKET_BUF 2048

struct sb_packet {
	struct sb_packet *next; /* free list and queues; owner's use */
	sb_time created;        /* when the application sent it */
	uint64_t seq;           /* per-flow sequence number */
	uint32_t size;          /* bytes on the wire at the current layer */
	uint32_t flow;          /* flow index, or SB_FLOW_NONE */
	uint32_t hop;           /* position on its path (forwarding) */
	uint32_t path;          /* which path it follows (forwarding) */
	uint32_t epoch;         /* link epoch at enqueue: see models/link.c */
	uint32_t tun;           /* tunnel it is crossing, + 1; 0: none */
	uint16_t thop;          /* position on the tunnel's underlay path */
	uint8_t tdir;           /* 0 towards the tunnel's server, 1 back */
	uint8_t dup;            /* 0; 1 or 2: original or copy of a pair */
	uint8_t echo;           /* 1: an echo on a tunnel's underlay (a
	                           Socket pinging a candidate PoP), not a
	                           datagram of the tunnel */
	struct sb_tcp_tag {     /* the TCP model's segment header */
		uint64_t seq;   /* the first payload byte's number */
		uint64_t ack;   /* next byte expected from the peer */
		uint32_t plen;  /* payload bytes */
		uint32_t wnd;   /* receive window offered, bytes */
		sb_time tsecr;  /* the sending time echoed (RFC 7323) */
		uint16_t conn;  /* which of the application's connections */
		uint8_t leg;    /* which leg of a split connection */
		uint8_t relayed; /* sent by a PoP relaying a split
		                    connection, not by the application */
		uint8_t flags;  /* SB_TCP_SYN, SB_TCP_ACK; 0: not TCP */
	} tcp;
	uint8_t *data;          /* real bytes, or NULL for modelled traffic */
	uint32_t len;           /* bytes used in data */
	uint32_t cap;           /* bytes available in data */
};

#endif
