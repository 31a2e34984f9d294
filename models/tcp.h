/*
 * A packet-level model of one end of a TCP connection: the handshake,
 * slow start, congestion avoidance (NewReno or CUBIC), fast retransmit
 * and NewReno fast recovery (RFC 6582), the retransmission timer of RFC
 * 6298 with Karn's rule and exponential backoff, the receiver's window
 * and its updates, a zero-window probe, the restart window after idle, and HyStart's exit from slow
 * start when the RTT grows (RFC 9406), with RFC 7323 timestamps for it.
 *
 * What it is not: a byte-accurate stack.  Data has no content, only a
 * count; sequence numbers are 64-bit byte offsets that start at 0 and
 * never wrap; the SYN takes no sequence space; there is no SACK, no FIN
 * (an application knows how much it expects), no delayed ACK (every
 * segment is acknowledged at once, as a receiver in quick-ack mode
 * does), no Nagle (writes go out as soon as the windows allow).
 *
 * Segments are sb_packets whose tcp tag carries the header: tcp.seq is
 * the first payload byte's number, tcp.ack the next byte expected,
 * tcp.plen the payload and tcp.wnd the window offered.  The model gets
 * packets from the pool and hands them to send(), which may set the
 * rest of the packet (its flow, seq and tcp.conn are the caller's);
 * tcp_input() reads a segment and leaves the packet to its caller.
 *
 * Two ends make a connection, the sim world joins them by the flows of
 * its two directions; a PoP that accelerates TCP joins two connections
 * back to back.
 */
#ifndef SASEBED_MODELS_TCP_H
#define SASEBED_MODELS_TCP_H

#include <stdint.h>

#include "sim/kernel.h"
#include "sim/pool.h"
#include "wan/packet.h"

/* IPv4 and TCP headers without options: what a segment weighs on top of
 * its payload. */
#define TCP_HDR 40

enum tcp_cc { TCP_CUBIC = 0, TCP_NEWRENO };

struct tcp_cfg {
	enum tcp_cc cc;
	uint32_t mss;           /* payload bytes per segment */
	uint64_t rcvbuf;        /* the most the receiver holds unread */
	uint64_t sndbuf;        /* the most written and not yet acked */
	uint32_t init_cwnd;     /* segments */
	sb_time min_rto, max_rto;
	sb_time init_rto;       /* before any RTT sample: 1 s (RFC 6298) */
};

/* Defaults: CUBIC, 1460-byte MSS, 4 MB buffers, IW10, RTO 1 s to 60 s. */
void tcp_cfg_default(struct tcp_cfg *c);

struct tcp;

struct tcp_ops {
	/* put a segment on the network */
	void (*send)(void *ctx, struct sb_packet *p);
	/* the handshake completed (either end) */
	void (*connected)(void *ctx, struct tcp *t);
	/* in-order data is waiting: `avail` bytes unread in all */
	void (*readable)(void *ctx, struct tcp *t, uint64_t avail);
	/* acknowledgements made room in the send buffer */
	void (*writable)(void *ctx, struct tcp *t);
};

struct tcp_stats {
	uint64_t segments;      /* data segments sent, first time or again */
	uint64_t retransmits;   /* data segments sent again */
	uint64_t rtos;          /* retransmission timeouts */
	uint64_t recoveries;    /* fast retransmits (entries to recovery) */
	uint64_t hystart_exits; /* slow starts ended by a growing RTT */
	uint64_t acked;         /* bytes the peer acknowledged */
	uint64_t received;      /* in-order bytes received */
	uint64_t ooo_dropped;   /* out-of-order segments with no room */
	sb_time srtt;           /* 0: no sample yet */
	uint64_t cwnd;          /* bytes, now */
};

struct tcp *tcp_new(struct kernel *k, struct pool *pl,
    const struct tcp_cfg *cfg, const struct tcp_ops *ops, void *ctx);
void tcp_free(struct tcp *t);

/* Active open: send the SYN now.  A tcp not connected answers a SYN. */
void tcp_connect(struct tcp *t);
int tcp_established(const struct tcp *t);

/* Queue up to n bytes for sending; returns how many fit the buffer. */
uint64_t tcp_write(struct tcp *t, uint64_t n);
/* Room left in the send buffer. */
uint64_t tcp_send_room(const struct tcp *t);
/* Bytes written that the peer has not acknowledged yet. */
uint64_t tcp_unacked(const struct tcp *t);
/* In-order bytes received and not read yet. */
uint64_t tcp_readable(const struct tcp *t);
/* Take up to n in-order bytes off the receive buffer (opens the window). */
uint64_t tcp_read(struct tcp *t, uint64_t n);

/* A segment from the peer. */
void tcp_input(struct tcp *t, const struct sb_packet *p);

const struct tcp_stats *tcp_stats(struct tcp *t);

#endif
