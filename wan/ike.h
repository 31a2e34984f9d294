/*
 * An IPsec endpoint: IKEv2 (RFC 7296) with a pre-shared key, and the one
 * child SA it negotiates carrying the site's IPv4 packets in ESP tunnel
 * mode (RFC 4303) with AES-GCM (RFC 4106).  What a third-party firewall
 * or a cloud VPN gateway runs towards a PoP, in the shape of wan/tunnel.h:
 * the same platform, the same life cycle, the same up/down signal.
 *
 * It is real protocol code, in the wire format: IKE messages and ESP
 * packets share one UDP socket as on port 4500 (RFC 3948: an IKE message
 * starts with a four-byte zero non-ESP marker, an ESP packet with its
 * non-zero SPI), go out through the platform's send() on one link and come
 * back through ike_input().  Retransmissions, dead-peer detection and
 * retries run on platform timers; every random byte (SPIs, nonces, DH
 * secrets) comes from the platform's rand(), so a run repeats exactly.
 *
 * What is negotiated is fixed: one proposal each for the IKE SA
 * (ENCR_AES_GCM_16 with a 128-bit key, PRF_HMAC_SHA2_256, DH group 19 or
 * 14) and the child SA (ESP, ENCR_AES_GCM_16 128, no ESN), traffic
 * selectors any-to-any.  A peer offering anything else gets
 * NO_PROPOSAL_CHOSEN.  Not implemented: rekeying (CREATE_CHILD_SA), more
 * than one child SA, certificates and EAP, NAT detection, cookies, IPv6
 * inner packets, fragmentation (RFC 7383).
 *
 * The initiator (the site) starts the exchange and retries it with
 * backoff; the responder (the PoP) answers one peer and takes it back
 * whenever it starts over.  Either side runs dead-peer detection (RFC 7296
 * 2.4): when nothing protected came from the peer for `dpd`, it sends an
 * empty INFORMATIONAL request, and declares the peer dead after
 * `dpd_misses` of them went unanswered, each `dpd` apart.
 */
#ifndef SASEBED_WAN_IKE_H
#define SASEBED_WAN_IKE_H

#include <stddef.h>
#include <stdint.h>

#include "wan/packet.h"
#include "wan/platform.h"

/* ESP in UDP: SPI, sequence number, IV; then at the end at least the pad
 * length and next header, and the ICV.  Plus UDP and IPv4 headers. */
#define IKE_ESP_HDR 16
#define IKE_ESP_TRAILER 2
#define IKE_ESP_ICV 16
#define IKE_UDP_IP_HDR 28

/* Defaults.  Dead-peer detection as IPsec gateways commonly ship it (a
 * probe after 10 s of silence, dead after 3 unanswered: 30 to 40 s), far
 * slower than a Socket's tunnel, and documented as such.  Retransmission
 * of a request as tunnel.c does for handshakes (1 s doubling, up to 60 s),
 * given up after 5 retransmissions (RFC 7296 2.1 leaves the numbers to the
 * implementation).  Retries of a failed exchange on the same doubling
 * schedule with up to a quarter of jitter. */
#define IKE_DPD_DEFAULT (10 * SB_S)
#define IKE_DPD_MISSES_DEFAULT 3
#define IKE_RETX_MIN_DEFAULT (1 * SB_S)
#define IKE_RETX_MAX_DEFAULT (60 * SB_S)
#define IKE_RETX_TRIES_DEFAULT 5
#define IKE_RETRY_MIN_DEFAULT (1 * SB_S)
#define IKE_RETRY_MAX_DEFAULT (60 * SB_S)
#define IKE_MTU_DEFAULT 1500

/* Diffie-Hellman groups offered (RFC 7296 3.3.2 transform IDs). */
#define IKE_DH_MODP2048 14
#define IKE_DH_ECP256 19

enum ike_role { IKE_INITIATOR, IKE_RESPONDER };

enum ike_state {
	IKE_IDLE,      /* not started, or waiting to retry */
	IKE_HANDSHAKE, /* IKE_SA_INIT or IKE_AUTH under way */
	IKE_UP,        /* an IKE SA and its child SA are established */
};

struct ike;

/*
 * The keys of an established SA, for captures: what Wireshark's IKEv2
 * decryption table and ESP SA table ask for.  The encryption keys carry
 * their 4-byte salt at the end (RFC 5282, RFC 4106), as those tables
 * expect.
 */
struct ike_keys {
	uint8_t spi_i[8], spi_r[8];        /* IKE SA SPIs */
	uint8_t sk_ei[20], sk_er[20];      /* IKE SA keys, key | salt */
	uint32_t esp_spi_i, esp_spi_r;     /* inbound SPIs of each end */
	uint8_t esp_ir[20], esp_ri[20];    /* initiator to responder, back */
};

struct ike_cfg {
	unsigned link;             /* platform link it sends on */
	uint32_t mtu;              /* path MTU, IP layer; 0: default */
	enum ike_role role;
	const char *name;          /* for events */
	const char *id;            /* our identity (ID_FQDN); NULL: name */
	const char *peer_id;       /* the peer's we accept; NULL: any */
	const uint8_t *psk;
	size_t psk_len;
	unsigned dh_group;         /* IKE_DH_ECP256 or _MODP2048; 0: 19 */
	sb_time dpd;               /* 0: default */
	unsigned dpd_misses;       /* 0: default */
	sb_time retx_min, retx_max; /* 0: default */
	unsigned retx_tries;       /* 0: default */
	sb_time retry_min, retry_max;

	/* Called on every change between up and not up. */
	void (*on_state)(void *ctx, struct ike *e, int up);
	/* The keys of each SA as it is established; may be NULL. */
	void (*keylog)(void *ctx, const struct ike_keys *k);
	void *ctx;
};

struct ike_stats {
	uint64_t tx_records, tx_bytes;     /* ESP packets sent */
	uint64_t rx_records, rx_bytes;     /* and received, authenticated */
	uint64_t delivered;                /* inner packets handed on */
	uint64_t drop_replayed, drop_forged, drop_malformed;
	uint64_t drop_not_up, drop_too_big;
	uint64_t ike_tx, ike_rx;           /* IKE messages */
	uint64_t handshakes, handshakes_ok, auth_failures;
	uint64_t hs_retransmits;           /* requests resent on timer */
	uint64_t dpd_sent, dpd_answered;
	uint64_t downs;
};

/* NULL on a bad configuration (no key, an unknown group) or no memory;
 * the message says which. */
struct ike *ike_new(const struct sb_platform *pf, const struct ike_cfg *cfg,
    char *err, size_t errlen);
void ike_free(struct ike *e);

/* Initiator: begin IKE_SA_INIT now.  Responder: start answering. */
void ike_start(struct ike *e);
/* Take the SA down and stop: an administrative close, which tells the
 * peer (an INFORMATIONAL Delete, not retransmitted). */
void ike_stop(struct ike *e, const char *reason);
/* Stop without a word to the peer, as a host that dies does; the peer
 * finds out by DPD.  ike_start() brings it back. */
void ike_crash(struct ike *e);

/*
 * Send the inner IPv4 packet in p (data[0..len)) through the child SA, as
 * ESP.  Takes ownership; the ESP packet goes out in p itself, so the
 * simulator's tags on p survive the trip.  Returns 0, or a negative code
 * when the SA is not up or the packet would not fit the path MTU (p is
 * freed, counted).
 */
int ike_send(struct ike *e, struct sb_packet *p);

/* A datagram arrived from the peer: IKE or ESP.  Takes ownership: an
 * inner packet is delivered through the platform, in p itself; anything
 * else is answered or freed. */
void ike_input(struct ike *e, struct sb_packet *p);

enum ike_state ike_state(const struct ike *e);
const struct ike_stats *ike_stats(const struct ike *e);
const char *ike_name(const struct ike *e);

/* Bytes ESP adds to an inner packet at most (headers, longest padding,
 * ICV, UDP and IPv4), and the largest inner packet the path MTU lets
 * through. */
uint32_t ike_overhead(const struct ike *e);
uint32_t ike_inner_mtu(const struct ike *e);

/* When it last came up (SB_TIME_NEVER if never), and when the peer was
 * last heard from (anything protected); kept after it goes down. */
sb_time ike_up_since(const struct ike *e);
sb_time ike_last_rx(const struct ike *e);

#endif
