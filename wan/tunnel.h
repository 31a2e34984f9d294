/*
 * A tunnel endpoint: DTLS 1.2 (mbedTLS) between a Socket's WAN link and a
 * PoP, or between two Sockets off-cloud, carrying the site's IP packets and
 * the tunnel's own control messages in application records.
 *
 * It is real protocol code: its datagrams go out through the platform's
 * send() on one link and come back through tunnel_input(); its handshake
 * retransmissions, keepalives, rekeys and retries run on platform timers;
 * its randomness is the platform's.  It knows nothing of the simulator.
 *
 * One tunnel is one peer.  The client (the Socket) starts handshakes and
 * keepalives; the server (the PoP) answers them, asks for a cookie first
 * (HelloVerifyRequest), and takes the client back whenever it starts over.
 * The signal failover uses is the up/down callback: down after
 * `keepalive_misses` keepalive intervals without a word from the peer, or
 * when a handshake fails; the client then tries again with backoff.
 *
 * What it is not: an address demultiplexer.  Whoever owns the sockets (the
 * simulator's world, or the emulator's event loop) hands each datagram to
 * the tunnel of its peer.
 *
 * Null-cipher mode runs the same handshake and state machine (so
 * authentication still decides who gets a tunnel) but sends application
 * records unprotected, in epoch 0, the DTLS null state: for capacity runs
 * where encryption cost is not the question.  Replay is still checked;
 * forgery cannot be detected there.  Results name the mode.
 */
#ifndef SASEBED_WAN_TUNNEL_H
#define SASEBED_WAN_TUNNEL_H

#include <stddef.h>
#include <stdint.h>

#include "wan/packet.h"
#include "wan/platform.h"

/* The DTLS record header, and the IPv4 + UDP headers under it. */
#define TUNNEL_RECORD_HDR 13
#define TUNNEL_UDP_IP_HDR 28

/* Defaults: keepalive and dead-peer detection as the product documents
 * them (a keepalive every 3 s, down after 3 missed, about 9 s); handshake
 * retransmission as RFC 6347 4.2.4.1 asks (1 s doubling, up to 60 s);
 * retries after a failure on the same doubling schedule, with up to a
 * quarter of jitter so that sites cut off together do not return in step;
 * no rekeying unless asked: mbedTLS's DTLS renegotiation holds
 * application data back for its round trips. */
#define TUNNEL_KEEPALIVE_DEFAULT (3 * SB_S)
#define TUNNEL_MISSES_DEFAULT 3
#define TUNNEL_HS_MIN_DEFAULT (1 * SB_S)
#define TUNNEL_HS_MAX_DEFAULT (60 * SB_S)
#define TUNNEL_RETRY_MIN_DEFAULT (1 * SB_S)
#define TUNNEL_RETRY_MAX_DEFAULT (60 * SB_S)
#define TUNNEL_MTU_DEFAULT 1500

enum tunnel_role { TUNNEL_CLIENT, TUNNEL_SERVER };
enum tunnel_mode { TUNNEL_DTLS, TUNNEL_NULL };

enum tunnel_state {
	TUNNEL_IDLE,      /* not started, or waiting to retry */
	TUNNEL_HANDSHAKE, /* a handshake (or, server side, a cookie) is on */
	TUNNEL_UP,
};

/*
 * How a side proves who it is.  PSK: both sides hold identity and key (the
 * server, per peer, the key it expects).  Certificates: PEM text, each side
 * its own chain and key and the CA it trusts for the other.
 */
struct tunnel_auth {
	const char *psk_identity;
	const uint8_t *psk;
	size_t psk_len;
	const char *cert_pem, *key_pem, *ca_pem;
};

struct tunnel;

struct tunnel_cfg {
	enum tunnel_mode mode;
	unsigned link;             /* platform link it sends on */
	uint32_t mtu;              /* path MTU, IP layer; 0: default */
	enum tunnel_role role;
	const char *name;          /* for events: "site/link>pop" */
	const char *peer_id;       /* server: the client's transport address */
	struct tunnel_auth auth;
	sb_time keepalive;         /* 0: default */
	unsigned keepalive_misses; /* 0: default */
	sb_time hs_min, hs_max;    /* handshake retransmission; 0: default */
	sb_time retry_min, retry_max;
	sb_time rekey;             /* client: renegotiate this often; 0: never */
	/* Leave every record to mbedTLS, without the fast path: for tests
	 * that hold one against the other. */
	int mbedtls_records;

	/* Called on every change between up and not up: the failover signal. */
	void (*on_state)(void *ctx, struct tunnel *t, int up);
	/* The reply to a tunnel_probe(): its number and the peer's counts of
	 * probes received and replies sent this session.  May be NULL. */
	void (*on_probe)(void *ctx, struct tunnel *t, uint32_t seq,
	    uint32_t peer_rx, uint32_t peer_tx);
	/* The secrets of each handshake and rekey, for an NSS key log
	 * (CLIENT_RANDOM line), so captures can be decrypted.  May be NULL. */
	void (*keylog)(void *ctx, const uint8_t client_random[32],
	    const uint8_t *master, size_t master_len);
	void *ctx;
};

struct tunnel_stats {
	uint64_t tx_records, tx_bytes;     /* application records sent */
	uint64_t rx_records, rx_bytes;     /* and received, authenticated */
	uint64_t delivered;                /* inner packets handed on */
	uint64_t drop_replayed, drop_forged, drop_malformed;
	uint64_t drop_not_up;              /* sent while down */
	uint64_t drop_rekeying;            /* sent during a renegotiation */
	uint64_t drop_too_big;             /* over the path MTU */
	uint64_t handshakes, handshakes_ok, auth_failures;
	uint64_t hs_retransmits;           /* handshake flights resent on timer */
	uint64_t keepalives_sent, keepalives_answered;
	uint64_t probes_sent, probe_replies;   /* client */
	uint64_t probes_answered;              /* server */
	uint64_t rekeys;
	uint64_t downs;
	uint64_t fast_sealed, fast_opened;  /* records on the fast path */
};

/* NULL on a bad configuration (bad PEM, no credentials) or no memory;
 * the message says which. */
struct tunnel *tunnel_new(const struct sb_platform *pf,
    const struct tunnel_cfg *cfg, char *err, size_t errlen);
void tunnel_free(struct tunnel *t);

/* Client: begin the first handshake now.  Server: start listening (a
 * no-op: it waits for the client). */
void tunnel_start(struct tunnel *t);
/* Take the tunnel down and stop trying: an administrative close, which
 * tells the peer (close_notify). */
void tunnel_stop(struct tunnel *t, const char *reason);
/* Stop without a word to the peer, as a host that dies does; the peer
 * finds out from its keepalives.  tunnel_start() brings it back. */
void tunnel_crash(struct tunnel *t);

/*
 * Send the inner IP packet in p (data[0..len)) through the tunnel.  Takes
 * ownership.  The record goes out in p itself, so the simulator's tags on
 * p survive the trip.  Returns 0, or a negative code when the tunnel is
 * not up or the packet would not fit the path MTU (p is freed, counted).
 */
int tunnel_send(struct tunnel *t, struct sb_packet *p);

/*
 * Client: send link probe number seq; the server answers it at once with
 * its counts of probes received and replies sent since the session began,
 * and the reply comes back through cfg.on_probe.  The caller keeps the
 * send times: the tunnel stamps nothing.  Returns the bytes the probe
 * takes on the wire (record, UDP and IP headers included), -1 when not up.
 */
int tunnel_probe(struct tunnel *t, uint32_t seq);

/* A datagram arrived from the peer.  Takes ownership: an inner packet is
 * delivered through the platform, in p itself; anything else is freed. */
void tunnel_input(struct tunnel *t, struct sb_packet *p);

/* Ahead of tunnel_input(), for a simulator that sees its packets coming:
 * fetches what a record's input reads of t (its state, replay window
 * and counters).  Fetches only. */
void tunnel_prefetch_input(const struct tunnel *t);

enum tunnel_state tunnel_state(const struct tunnel *t);
const struct tunnel_stats *tunnel_stats(const struct tunnel *t);
const char *tunnel_name(const struct tunnel *t);
const char *tunnel_mode_name(enum tunnel_mode m);

/* Bytes a record adds to an inner packet, and the largest inner packet
 * the path MTU lets through (both: record + UDP + IPv4 headers); the
 * first also for a mode, before any tunnel exists. */
uint32_t tunnel_overhead(const struct tunnel *t);
uint32_t tunnel_mode_overhead(enum tunnel_mode m);
uint32_t tunnel_inner_mtu(const struct tunnel *t);

/* When it last came up (SB_TIME_NEVER if never) and the last handshake's
 * duration, for results. */
sb_time tunnel_up_since(const struct tunnel *t);
/* When the peer was last heard from (a record of any kind, or the
 * handshake that brought the tunnel up); SB_TIME_NEVER if never.  Kept
 * after the tunnel goes down: a client's outage began about then. */
sb_time tunnel_last_rx(const struct tunnel *t);

#endif
