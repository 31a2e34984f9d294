/*
 * The tunnel: mbedTLS's DTLS 1.2 driven by platform time and platform I/O.
 *
 * mbedTLS does the handshake, the protection of handshake and alert
 * records and its own replay check; this file feeds it one datagram at a
 * time (the bio callbacks), runs its retransmission timer on the platform
 * clock (the timer callbacks), and adds what DTLS leaves to the
 * application: keepalives and dead-peer detection, retries with backoff,
 * rekeying, the null-cipher data path, the MTU check and the counters.
 *
 * Application records of an established epoch are sealed and opened here
 * (wan/dtls_aead.h says why), with the keys mbedTLS exports for each
 * epoch, mbedTLS's own record counter and our replay window: the fast
 * path.  Whenever mbedTLS has anything of its own under way (a handshake
 * or rekey, its handshake state not yet freed, buffered input or output)
 * records go through mbedTLS as before, so its state machine sees every
 * record it needs to.
 *
 * Counting drops needs a look at each record before mbedTLS, which drops
 * bad records silently in DTLS: a record that does not parse is malformed;
 * an application record of the current epoch whose sequence number we have
 * already accepted (or that is older than the window) is replayed; one that
 * passes both and still yields no data failed authentication: forged.
 *
 * Inner framing: an application record holds either an IP packet (first
 * nibble 4 or 6, as on a wire) or a control message (first byte below
 * 0x40): today only keepalive request and reply, with an 8-byte id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/error.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "wan/byteorder.h"
#include "wan/dtls_aead.h"
#include "wan/tunnel.h"

#define CTL_KEEPALIVE 0x01
#define CTL_KEEPALIVE_REPLY 0x02
#define CTL_LEN 9
/* Link probes: type, then the probe's number and, in a reply, the
 * answerer's counts of probes received and replies sent this session
 * (all big-endian 32 bits), from which the prober tells loss on the way
 * out from loss on the way back. */
#define CTL_PROBE 0x03
#define CTL_PROBE_REPLY 0x04
#define CTL_PROBE_LEN 13

/* Record expansion of the suites we offer (AES-128-GCM): header, explicit
 * nonce, tag. */
#define AEAD_EXPANSION (TUNNEL_RECORD_HDR + 8 + 16)

#define COOKIE_LEN 20         /* 4 bytes of time (ms), 16 of MAC */
/* As long as a client may go on resending the hello that carries it
 * (1 + 2 + ... + 32 s of retransmission timer, then 60 s). */
#define COOKIE_LIFE (128 * SB_S)

#define REPLAY_WINDOW 64

/* Alerts that mean "the other side did not accept who we are" (or we
 * theirs): RFC 5246 7.2.2 and RFC 4279 for the PSK one. */
static const unsigned char auth_alerts[] = {
	20,  /* bad_record_mac: wrong PSK shows as a bad Finished */
	40,  /* handshake_failure */
	42, 43, 44, 45, 46, /* certificate problems */
	48,  /* unknown_ca */
	49,  /* access_denied */
	51,  /* decrypt_error */
	115, /* unknown_psk_identity */
};

/* AES-128-GCM: hardware AES where there is some, and the suites that
 * Wireshark decrypts in DTLS from a key log (its DTLS ChaCha20-Poly1305
 * decryption fails the tag check in the versions Debian 12 ships). */
static const int suites_psk[] = {
	MBEDTLS_TLS_PSK_WITH_AES_128_GCM_SHA256, 0
};
static const int suites_cert[] = {
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 0
};

/*
 * The data path's fields come first, together, in the first lines: a
 * world of thousands of tunnels has each one's fields long out of the
 * cache between two of its records, and every line a record reads is a
 * wait on memory.  mbedTLS's context, large and read only by handshakes
 * and by the DTLS records' counter, goes last.
 */
struct tunnel {
	const struct sb_platform *pf;
	enum tunnel_state state;
	int heard;                 /* anything from the peer this interval */
	sb_time last_rx;

	/* Our replay view of application records: the window of the epoch
	 * last authenticated.  Epoch 0 is the null-cipher data path. */
	int win_valid;
	uint16_t win_epoch;
	uint64_t win_top, win_bits;
	uint64_t null_seq;

	/* The fast path's keys: the epoch mbedTLS last exported keys for
	 * and the one before it, at slot epoch % 2. */
	struct fast_epoch {
		int valid;
		uint16_t epoch;
		struct dtls_aead *seal, *open;
	} fast[2];

	struct tunnel_cfg cfg;
	struct tunnel_stats st;

	int running;               /* started and not stopped */
	sb_time hs_started, up_since;
	char *name, *peer_id;
	uint8_t *psk;
	char *psk_identity;

	/* mbedTLS's one timer: intermediate and final deadlines. */
	sb_timer hs_timer;
	sb_time hs_int, hs_fin;    /* 0 fin: cancelled */

	sb_timer ka_timer, retry_timer, rekey_timer;
	sb_time retry_wait;
	unsigned misses;
	uint64_t ka_id;
	uint32_t probe_rx, probe_tx; /* this session's probes, answerer side */

	struct sb_packet *rx;      /* the datagram mbedTLS reads next */
	struct sb_packet *tx;      /* the packet the next record goes out in */

	int renegotiating;         /* a rekey's handshake is on */
	uint64_t dgrams;           /* datagrams mbedTLS has sent */
	int too_big_said;

	int have_cert;
	uint8_t cookie_key[32];
	mbedtls_x509_crt own, ca;
	mbedtls_pk_context key;
	mbedtls_ssl_config conf;
	mbedtls_ssl_context ssl;
};

static void hs_timer_fire(void *arg);
static void drive(struct tunnel *t);

/* ---- small helpers ---- */

static sb_time
now(const struct tunnel *t)
{
	return sb_now(t->pf);
}

static void
emit(struct tunnel *t, const char *kind, const char *detail, double value)
{
	struct sb_event ev = { kind, NULL, t->name, detail, value };

	t->pf->ops->emit(t->pf->ctx, &ev);
}

static void
put(struct tunnel *t, struct sb_packet **p)
{
	if (*p != NULL)
		t->pf->ops->packet_free(t->pf->ctx, *p);
	*p = NULL;
}

static uint64_t
be48(const uint8_t *b)
{
	uint64_t v = 0;

	for (int i = 0; i < 6; i++)
		v = v << 8 | b[i];
	return v;
}

static void
put_be48(uint8_t *b, uint64_t v)
{
	for (int i = 5; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
}

/* ---- the callbacks mbedTLS calls ---- */

static int
rng_cb(void *arg, unsigned char *out, size_t len)
{
	struct tunnel *t = arg;

	sb_rand_fill(t->pf, out, len);
	return 0;
}

/* Each datagram mbedTLS writes leaves in its own packet: the one lent by
 * tunnel_send() if there is one, else a new one. */
static int
bio_send(void *arg, const unsigned char *buf, size_t len)
{
	struct tunnel *t = arg;
	struct sb_packet *p = t->tx;

	t->tx = NULL;
	if (p == NULL && (p = t->pf->ops->packet_new(t->pf->ctx)) == NULL)
		return MBEDTLS_ERR_SSL_ALLOC_FAILED;
	if (len > p->cap) {
		put(t, &p);
		return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
	}
	memcpy(p->data, buf, len);
	t->dgrams++;
	p->len = (uint32_t)len;
	p->size = (uint32_t)len + TUNNEL_UDP_IP_HDR;
	t->pf->ops->send(t->pf->ctx, t->cfg.link, p);
	return (int)len;
}

static int
bio_recv(void *arg, unsigned char *buf, size_t len)
{
	struct tunnel *t = arg;
	struct sb_packet *p = t->rx;
	size_t n;

	if (p == NULL)
		return MBEDTLS_ERR_SSL_WANT_READ;
	/* DTLS reads whole datagrams; one too big for mbedTLS's buffer is
	 * cut, and then fails to parse, as on a real socket. */
	n = p->len < len ? p->len : len;
	memcpy(buf, p->data, n);
	/* The packet itself stays with tunnel_input(), which may read the
	 * plaintext back into it. */
	t->rx = NULL;
	return (int)n;
}

static void
timer_set_cb(void *arg, uint32_t int_ms, uint32_t fin_ms)
{
	struct tunnel *t = arg;

	sb_timer_stop(t->pf, &t->hs_timer);
	if (fin_ms == 0) {
		t->hs_fin = 0;
		return;
	}
	t->hs_int = now(t) + (sb_time)int_ms * SB_MS;
	t->hs_fin = now(t) + (sb_time)fin_ms * SB_MS;
	sb_timer_set(t->pf, &t->hs_timer, t->hs_fin, hs_timer_fire, t);
}

static int
timer_get_cb(void *arg)
{
	struct tunnel *t = arg;
	sb_time n = now(t);

	if (t->hs_fin == 0)
		return -1;
	if (n >= t->hs_fin)
		return 2;
	if (n >= t->hs_int)
		return 1;
	return 0;
}

/*
 * HelloVerifyRequest cookies on virtual time.  mbedTLS's own cookie module
 * stamps the wall clock, which would make a simulated run depend on when
 * it ran; this one stamps platform seconds and MACs them with the client's
 * transport address under a key of the tunnel's own.
 */
static int
cookie_mac(struct tunnel *t, uint32_t stamp, const unsigned char *id,
    size_t idlen, unsigned char out[32])
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	mbedtls_md_context_t c;
	unsigned char sb[4] = { stamp >> 24, stamp >> 16, stamp >> 8, stamp };
	int rc;

	mbedtls_md_init(&c);
	rc = mbedtls_md_setup(&c, md, 1);
	if (rc == 0)
		rc = mbedtls_md_hmac_starts(&c, t->cookie_key,
		    sizeof(t->cookie_key));
	if (rc == 0)
		rc = mbedtls_md_hmac_update(&c, sb, sizeof(sb));
	if (rc == 0)
		rc = mbedtls_md_hmac_update(&c, id, idlen);
	if (rc == 0)
		rc = mbedtls_md_hmac_finish(&c, out);
	mbedtls_md_free(&c);
	return rc;
}

static int
cookie_write(void *arg, unsigned char **p, unsigned char *end,
    const unsigned char *id, size_t idlen)
{
	struct tunnel *t = arg;
	uint32_t stamp = (uint32_t)(now(t) / SB_MS);  /* wraps in 49 days */
	unsigned char mac[32];

	if (end - *p < COOKIE_LEN)
		return MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL;
	if (cookie_mac(t, stamp, id, idlen, mac) != 0)
		return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
	(*p)[0] = stamp >> 24;
	(*p)[1] = stamp >> 16;
	(*p)[2] = stamp >> 8;
	(*p)[3] = stamp;
	memcpy(*p + 4, mac, COOKIE_LEN - 4);
	*p += COOKIE_LEN;
	return 0;
}

static int
cookie_check(void *arg, const unsigned char *cookie, size_t clen,
    const unsigned char *id, size_t idlen)
{
	struct tunnel *t = arg;
	unsigned char mac[32];
	uint32_t stamp;
	unsigned char diff = 0;

	if (clen != COOKIE_LEN)
		return -1;
	stamp = (uint32_t)cookie[0] << 24 | (uint32_t)cookie[1] << 16 |
	    (uint32_t)cookie[2] << 8 | cookie[3];
	if (cookie_mac(t, stamp, id, idlen, mac) != 0)
		return -1;
	for (size_t i = 0; i < COOKIE_LEN - 4; i++)
		diff |= mac[i] ^ cookie[4 + i];
	if (diff != 0)
		return -1;
	if ((uint32_t)(now(t) / SB_MS) - stamp > COOKIE_LIFE / SB_MS)
		return -1;
	/* A hello to an up server means the client started over; its
	 * cookie must then be one issued since the session came up (a
	 * client that starts over asks for one first).  The hello that
	 * opened the session, replayed, carries an older one. */
	if (t->state == TUNNEL_UP &&
	    (int32_t)(stamp - (uint32_t)(t->up_since / SB_MS)) < 0)
		return -1;
	return 0;
}

/*
 * The key block of the handshake under way (RFC 5246 6.3: MAC keys, none
 * for GCM, then the client's and the server's write keys, then their
 * implicit nonces) is for the epoch after the current one, which its
 * ChangeCipherSpec starts in each direction.
 */
static void
fast_keys(struct tunnel *t, const uint8_t *kb, size_t maclen, size_t keylen,
    size_t ivlen)
{
	uint16_t epoch = (uint16_t)((t->ssl.cur_out_ctr[0] << 8 |
	    t->ssl.cur_out_ctr[1]) + 1);
	struct fast_epoch *f = &t->fast[epoch % 2];
	const uint8_t *ck = kb + 2 * maclen, *sk = ck + keylen;
	const uint8_t *civ = sk + keylen, *siv = civ + ivlen;
	int client = t->cfg.role == TUNNEL_CLIENT;

	f->valid = 0;
	if (t->cfg.mbedtls_records || f->seal == NULL || maclen != 0 ||
	    ivlen != 4)
		return;
	if (dtls_aead_key(f->seal, 1, client ? ck : sk, keylen,
	    client ? civ : siv) < 0 ||
	    dtls_aead_key(f->open, 0, client ? sk : ck, keylen,
	    client ? siv : civ) < 0)
		return;
	f->epoch = epoch;
	f->valid = 1;
}

/* The fast path's keys for this epoch, if it may be taken at all now. */
static struct fast_epoch *
fast_for(struct tunnel *t, uint16_t epoch)
{
	struct fast_epoch *f = &t->fast[epoch % 2];

	if (!f->valid || f->epoch != epoch || t->state != TUNNEL_UP ||
	    t->renegotiating || t->ssl.state != MBEDTLS_SSL_HANDSHAKE_OVER ||
	    t->ssl.handshake != NULL || t->ssl.out_left != 0 ||
	    mbedtls_ssl_check_pending(&t->ssl))
		return NULL;
	return f;
}

static int
export_keys_cb(void *arg, const unsigned char *ms, const unsigned char *kb,
    size_t maclen, size_t keylen, size_t ivlen,
    const unsigned char client_random[32],
    const unsigned char server_random[32], mbedtls_tls_prf_types prf)
{
	struct tunnel *t = arg;

	if (t->cfg.keylog != NULL)
		t->cfg.keylog(t->cfg.ctx, client_random, ms, 48);
	fast_keys(t, kb, maclen, keylen, ivlen);
	return 0;
}

/* ---- state changes ---- */

static void
set_up(struct tunnel *t, int up)
{
	if (t->cfg.on_state != NULL)
		t->cfg.on_state(t->cfg.ctx, t, up);
}

static sb_time
retry_delay(struct tunnel *t)
{
	sb_time d = t->retry_wait;

	/* Up to a quarter more, uniformly. */
	d += (sb_time)(sb_rand_unit(t->pf) * (double)(d / 4));
	t->retry_wait *= 2;
	if (t->retry_wait > t->cfg.retry_max)
		t->retry_wait = t->cfg.retry_max;
	return d;
}

static void retry_fire(void *arg);
static void ka_fire(void *arg);
static void rekey_fire(void *arg);

/* Forget the session and wait: the client retries after a backoff, the
 * server for the client's next ClientHello. */
static void
reset(struct tunnel *t)
{
	sb_timer_stop(t->pf, &t->hs_timer);
	sb_timer_stop(t->pf, &t->ka_timer);
	sb_timer_stop(t->pf, &t->rekey_timer);
	t->hs_fin = 0;
	mbedtls_ssl_session_reset(&t->ssl);
	if (t->cfg.peer_id != NULL)
		mbedtls_ssl_set_client_transport_id(&t->ssl,
		    (const unsigned char *)t->peer_id, strlen(t->peer_id));
	t->state = TUNNEL_IDLE;
	t->renegotiating = 0;
	t->win_valid = 0;
	t->null_seq = 0;
	t->fast[0].valid = t->fast[1].valid = 0;
	t->probe_rx = t->probe_tx = 0;
	if (t->cfg.role == TUNNEL_CLIENT && t->running)
		sb_timer_set(t->pf, &t->retry_timer, now(t) + retry_delay(t),
		    retry_fire, t);
}

static void
go_down(struct tunnel *t, const char *reason)
{
	int was_up = t->state == TUNNEL_UP;

	if (was_up) {
		t->st.downs++;
		emit(t, "tunnel-down", reason,
		    (double)(now(t) - t->up_since) / SB_S);
	}
	reset(t);
	if (was_up)
		set_up(t, 0);
}

static void
became_up(struct tunnel *t)
{
	t->state = TUNNEL_UP;
	t->up_since = now(t);
	t->last_rx = now(t);
	t->misses = 0;
	t->heard = 0;
	t->retry_wait = t->cfg.retry_min;
	t->st.handshakes_ok++;
	emit(t, "tunnel-up", tunnel_mode_name(t->cfg.mode),
	    (double)(now(t) - t->hs_started) / SB_S);
	sb_timer_set(t->pf, &t->ka_timer, now(t) + t->cfg.keepalive, ka_fire,
	    t);
	if (t->cfg.role == TUNNEL_CLIENT && t->cfg.rekey > 0)
		sb_timer_set(t->pf, &t->rekey_timer, now(t) + t->cfg.rekey,
		    rekey_fire, t);
	set_up(t, 1);
}

static int
is_auth_failure(struct tunnel *t, int rc)
{
	if (rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
		for (size_t i = 0; i < sizeof(auth_alerts); i++)
			if (t->ssl.in_msg != NULL &&
			    t->ssl.in_msg[1] == auth_alerts[i])
				return 1;
		return 0;
	}
	return rc == MBEDTLS_ERR_SSL_INVALID_MAC ||
	    rc == MBEDTLS_ERR_SSL_BAD_HS_FINISHED ||
	    rc == MBEDTLS_ERR_SSL_UNKNOWN_IDENTITY ||
	    rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED ||
	    rc == MBEDTLS_ERR_SSL_PEER_VERIFY_FAILED ||
	    rc == MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE;
}

static void
failed(struct tunnel *t, int rc)
{
	char why[128];
	int rekeying = t->state == TUNNEL_UP &&
	    t->ssl.state != MBEDTLS_SSL_HANDSHAKE_OVER;

	mbedtls_strerror(rc, why, sizeof(why));
	if (is_auth_failure(t, rc)) {
		t->st.auth_failures++;
		emit(t, "tunnel-auth-failure", why, 0);
	} else if (t->state != TUNNEL_UP) {
		emit(t, "tunnel-handshake-failed",
		    rc == MBEDTLS_ERR_SSL_TIMEOUT ? "handshake-timeout" : why,
		    (double)(now(t) - t->hs_started) / SB_S);
	}
	go_down(t, rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ? "peer-closed" :
	    rekeying ? "rekey-failed" : why);
}

static void
begin(struct tunnel *t)
{
	t->state = TUNNEL_HANDSHAKE;
	t->hs_started = now(t);
	t->st.handshakes++;
	if (t->cfg.role == TUNNEL_CLIENT)
		emit(t, "tunnel-handshake", tunnel_mode_name(t->cfg.mode), 0);
}

/* After mbedTLS ran while up: did a rekey start, or finish?  The server
 * only learns of one when the client's hello arrives in a read. */
static void
track_rekey(struct tunnel *t)
{
	if (t->state != TUNNEL_UP)
		return;
	if (t->ssl.state != MBEDTLS_SSL_HANDSHAKE_OVER) {
		t->renegotiating = 1;
		return;
	}
	if (!t->renegotiating)
		return;
	t->renegotiating = 0;
	t->st.rekeys++;
	emit(t, "tunnel-rekey", NULL, 0);
	if (t->cfg.rekey > 0 && t->cfg.role == TUNNEL_CLIENT)
		sb_timer_set(t->pf, &t->rekey_timer, now(t) + t->cfg.rekey,
		    rekey_fire, t);
}

/* Run mbedTLS's handshake (first, or a renegotiation) as far as it goes. */
static void
drive(struct tunnel *t)
{
	int rc;

	if (t->state == TUNNEL_UP &&
	    t->ssl.state == MBEDTLS_SSL_HANDSHAKE_OVER)
		return;
	rc = mbedtls_ssl_handshake(&t->ssl);
	if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
		track_rekey(t);
		return;
	}
	if (rc == MBEDTLS_ERR_SSL_HELLO_VERIFY_REQUIRED) {
		/* The cookie went out; the client's next hello starts over
		 * on a fresh session.  Not a failure, not a handshake yet. */
		t->st.handshakes--;
		reset(t);
		return;
	}
	if (rc != 0) {
		failed(t, rc);
		return;
	}
	if (t->state == TUNNEL_UP) {
		track_rekey(t);
		return;
	}
	became_up(t);
}

/* ---- timers ---- */

static void
hs_timer_fire(void *arg)
{
	struct tunnel *t = arg;

	uint64_t before = t->dgrams;

	t->hs_timer = 0;
	if (t->hs_fin == 0)
		return;
	drive(t);
	if (t->dgrams != before)
		t->st.hs_retransmits++;
}

static void
retry_fire(void *arg)
{
	struct tunnel *t = arg;

	t->retry_timer = 0;
	if (!t->running || t->state != TUNNEL_IDLE)
		return;
	begin(t);
	drive(t);
}

static int send_control(struct tunnel *t, uint8_t type, uint64_t id,
    struct sb_packet *p);

static void
ka_fire(void *arg)
{
	struct tunnel *t = arg;

	t->ka_timer = 0;
	if (t->state != TUNNEL_UP)
		return;
	if (t->heard) {
		t->misses = 0;
	} else if (++t->misses >= t->cfg.keepalive_misses) {
		go_down(t, "dead-peer");
		return;
	}
	t->heard = 0;
	if (t->cfg.role == TUNNEL_CLIENT &&
	    send_control(t, CTL_KEEPALIVE, ++t->ka_id, NULL) == 0)
		t->st.keepalives_sent++;
	sb_timer_set(t->pf, &t->ka_timer, now(t) + t->cfg.keepalive, ka_fire,
	    t);
}

static void
rekey_fire(void *arg)
{
	struct tunnel *t = arg;
	int rc;

	t->rekey_timer = 0;
	if (t->state != TUNNEL_UP)
		return;
	rc = mbedtls_ssl_renegotiate(&t->ssl);
	if (rc == 0 || rc == MBEDTLS_ERR_SSL_WANT_READ ||
	    rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
		t->renegotiating = 1;
		track_rekey(t);
	} else {
		failed(t, rc);
	}
}

/* ---- the data path ---- */

/* Null-cipher records: a DTLS header in epoch 0 and the plaintext. */
static int
null_write(struct tunnel *t, struct sb_packet *p)
{
	uint8_t *d = p->data;
	uint32_t n = p->len;

	if (n + TUNNEL_RECORD_HDR > p->cap) {
		put(t, &p);
		return -1;
	}
	memmove(d + TUNNEL_RECORD_HDR, d, n);
	d[0] = MBEDTLS_SSL_MSG_APPLICATION_DATA;
	d[1] = 0xfe;
	d[2] = 0xfd;
	d[3] = 0;
	d[4] = 0;
	put_be48(d + 5, ++t->null_seq);
	d[11] = (uint8_t)(n >> 8);
	d[12] = (uint8_t)n;
	p->len = n + TUNNEL_RECORD_HDR;
	p->size = p->len + TUNNEL_UDP_IP_HDR;
	t->pf->ops->send(t->pf->ctx, t->cfg.link, p);
	return 0;
}

/*
 * An application record of the current epoch, sealed here: what
 * mbedtls_ssl_write() would send, with its counter, which moves on as if
 * it had.  1 if the packet went (or was spent), 0 to leave it to mbedTLS.
 */
static int
fast_write(struct tunnel *t, struct sb_packet *p)
{
	uint8_t *ctr = t->ssl.cur_out_ctr, *d = p->data;
	uint16_t epoch = (uint16_t)(ctr[0] << 8 | ctr[1]);
	uint64_t seq = be48(ctr + 2);
	struct fast_epoch *f = fast_for(t, epoch);
	uint32_t n = p->len;

	/* (mbedTLS refuses the last counter of an epoch; so do we.) */
	if (f == NULL || seq >= (UINT64_C(1) << 48) - 1 ||
	    n + DTLS_AEAD_EXPANSION > p->cap)
		return 0;
	memmove(d + DTLS_AEAD_HDR + DTLS_AEAD_NONCE, d, n);
	d[0] = MBEDTLS_SSL_MSG_APPLICATION_DATA;
	d[1] = 0xfe;
	d[2] = 0xfd;
	memcpy(d + 3, ctr, 8);
	if (dtls_aead_seal(f->seal, d, n) < 0) {
		put(t, &p);
		return 1;
	}
	put_be48(ctr + 2, seq + 1);
	t->st.fast_sealed++;
	p->len = n + DTLS_AEAD_EXPANSION;
	p->size = p->len + TUNNEL_UDP_IP_HDR;
	t->pf->ops->send(t->pf->ctx, t->cfg.link, p);
	return 1;
}

static int
record_write(struct tunnel *t, struct sb_packet *p)
{
	uint32_t n = p->len;
	int rc;

	if (t->cfg.mode != TUNNEL_NULL && fast_write(t, p)) {
		t->st.tx_records++;
		t->st.tx_bytes += n;
		return 0;
	}
	if (t->cfg.mode == TUNNEL_NULL) {
		if (null_write(t, p) < 0)
			return -1;
		t->st.tx_records++;
		t->st.tx_bytes += n;
		return 0;
	}
	/* mbedTLS copies the plaintext into its buffer before it calls
	 * bio_send(), so the record may go out in the same packet.  During
	 * a renegotiation the write drives the handshake instead, which may
	 * spend the packet on a handshake datagram. */
	t->tx = p;
	rc = mbedtls_ssl_write(&t->ssl, p->data, n);
	put(t, &t->tx);
	if (rc >= 0) {
		t->st.tx_records++;
		t->st.tx_bytes += n;
		return 0;
	}
	if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
		t->st.drop_rekeying++;
	else
		failed(t, rc);
	return -1;
}

static int
send_control(struct tunnel *t, uint8_t type, uint64_t id, struct sb_packet *p)
{
	if (p == NULL && (p = t->pf->ops->packet_new(t->pf->ctx)) == NULL)
		return -1;
	p->data[0] = type;
	for (int i = 0; i < 8; i++)
		p->data[1 + i] = (uint8_t)(id >> (56 - 8 * i));
	p->len = CTL_LEN;
	return record_write(t, p);
}

static int
send_probe(struct tunnel *t, uint8_t type, uint32_t seq, struct sb_packet *p)
{
	if (p == NULL && (p = t->pf->ops->packet_new(t->pf->ctx)) == NULL)
		return -1;
	p->data[0] = type;
	put32(p->data + 1, seq);
	put32(p->data + 5, t->probe_rx);
	put32(p->data + 9, t->probe_tx);
	p->len = CTL_PROBE_LEN;
	return record_write(t, p);
}

int
tunnel_probe(struct tunnel *t, uint32_t seq)
{
	if (t->state != TUNNEL_UP || t->cfg.role != TUNNEL_CLIENT)
		return -1;
	if (send_probe(t, CTL_PROBE, seq, NULL) < 0)
		return -1;
	t->st.probes_sent++;
	return (int)(CTL_PROBE_LEN + tunnel_overhead(t));
}

/* A probe or its reply: answer at once, in the same packet; hand a reply
 * to the owner with the answerer's counts. */
static void
probe_input(struct tunnel *t, struct sb_packet *p)
{
	uint32_t seq = get32(p->data + 1);

	if (p->data[0] == CTL_PROBE) {
		/* the reply carries its own count: tx counts it before it
		 * goes, and takes it back if it could not */
		t->probe_rx++;
		t->probe_tx++;
		if (send_probe(t, CTL_PROBE_REPLY, seq, p) == 0)
			t->st.probes_answered++;
		else
			t->probe_tx--;
		return;
	}
	t->st.probe_replies++;
	if (t->cfg.on_probe != NULL)
		t->cfg.on_probe(t->cfg.ctx, t, seq, get32(p->data + 5),
		    get32(p->data + 9));
	put(t, &p);
}

int
tunnel_send(struct tunnel *t, struct sb_packet *p)
{
	if (t->state != TUNNEL_UP) {
		t->st.drop_not_up++;
		put(t, &p);
		return -1;
	}
	if (p->len > tunnel_inner_mtu(t)) {
		t->st.drop_too_big++;
		if (!t->too_big_said) {
			char d[96];

			t->too_big_said = 1;
			snprintf(d, sizeof(d), "inner packet of %u bytes over "
			    "the tunnel's %u (dropped, counted)", p->len,
			    tunnel_inner_mtu(t));
			emit(t, "tunnel-mtu", d, p->len);
		}
		put(t, &p);
		return -1;
	}
	return record_write(t, p);
}

/*
 * Whether d[0..len) is whole records, one after another.  mbedTLS 2.28
 * fails the session, instead of dropping the datagram, when fewer bytes
 * than a record header follow a record it skipped (an internal error in
 * mbedtls_ssl_fetch_input()), and anyone can send that: an epoch-0
 * ChangeCipherSpec and one more byte took a tunnel down.
 */
static int
whole_records(const uint8_t *d, size_t len)
{
	size_t off = 0;

	while (off < len) {
		if (len - off < TUNNEL_RECORD_HDR)
			return 0;
		off += TUNNEL_RECORD_HDR +
		    (size_t)(d[off + 11] << 8 | d[off + 12]);
	}
	return off == len;
}

/*
 * Is d[0..len) one whole, well-formed DTLS ClientHello in epoch 0 (RFC 6347
 * 4.2.2, RFC 5246 7.4.1.2), every length consistent?  An up server hands
 * such a hello to its live session, where mbedTLS treats it as the client
 * starting over; mbedTLS 2.28 fails the live session on a malformed one
 * instead of ignoring it, so those never get that far.
 */
static int
clienthello_ok(const uint8_t *d, size_t len)
{
	size_t n, off, end, x;

	if (len < TUNNEL_RECORD_HDR + 12 || d[0] != MBEDTLS_SSL_MSG_HANDSHAKE ||
	    d[3] != 0 || d[4] != 0 ||
	    (size_t)(d[11] << 8 | d[12]) != len - TUNNEL_RECORD_HDR)
		return 0;
	d += TUNNEL_RECORD_HDR;
	len -= TUNNEL_RECORD_HDR;
	n = (size_t)d[1] << 16 | (size_t)d[2] << 8 | d[3];
	/* type 1, unfragmented: offset 0, fragment length = length */
	if (d[0] != 1 || d[6] != 0 || d[7] != 0 || d[8] != 0 ||
	    ((size_t)d[9] << 16 | (size_t)d[10] << 8 | d[11]) != n ||
	    12 + n != len)
		return 0;
	off = 12;
	end = len;
	/* version, random */
	if (end - off < 2 + 32 || d[off] != 0xfe)
		return 0;
	off += 2 + 32;
	/* session id (<= 32), cookie (<= 255), suites (even, >= 2),
	 * compression methods (>= 1) */
	if (off >= end || (x = d[off]) > 32 || end - off - 1 < x)
		return 0;
	off += 1 + x;
	if (off >= end || end - off - 1 < (x = d[off]))
		return 0;
	off += 1 + x;
	if (end - off < 2)
		return 0;
	x = (size_t)d[off] << 8 | d[off + 1];
	if (x < 2 || x % 2 != 0 || end - off - 2 < x)
		return 0;
	off += 2 + x;
	if (off >= end || (x = d[off]) < 1 || end - off - 1 < x)
		return 0;
	off += 1 + x;
	if (off == end)
		return 1;
	/* extensions: a total, then type, length, body, exactly */
	if (end - off < 2 || ((size_t)d[off] << 8 | d[off + 1]) !=
	    end - off - 2)
		return 0;
	off += 2;
	while (off < end) {
		if (end - off < 4)
			return 0;
		x = (size_t)d[off + 2] << 8 | d[off + 3];
		if (end - off - 4 < x)
			return 0;
		off += 4 + x;
	}
	return 1;
}

/* Has this application record's sequence number been accepted already? */
static int
replayed(const struct tunnel *t, uint16_t epoch, uint64_t seq)
{
	if (!t->win_valid || epoch != t->win_epoch)
		return 0;
	if (seq > t->win_top)
		return 0;
	if (t->win_top - seq >= REPLAY_WINDOW)
		return 1;
	return (t->win_bits >> (t->win_top - seq)) & 1;
}

static void
accept_seq(struct tunnel *t, uint16_t epoch, uint64_t seq)
{
	if (!t->win_valid || epoch != t->win_epoch) {
		t->win_valid = 1;
		t->win_epoch = epoch;
		t->win_top = seq;
		t->win_bits = 1;
		return;
	}
	if (seq > t->win_top) {
		uint64_t shift = seq - t->win_top;

		t->win_bits = shift >= REPLAY_WINDOW ? 0 : t->win_bits << shift;
		t->win_bits |= 1;
		t->win_top = seq;
	} else {
		t->win_bits |= (uint64_t)1 << (t->win_top - seq);
	}
}

/* An authenticated inner payload in p->data[0..len): a packet for the
 * platform, or a control message. */
static void
inner(struct tunnel *t, struct sb_packet *p)
{
	uint64_t id = 0;

	t->st.rx_records++;
	t->st.rx_bytes += p->len;
	t->last_rx = now(t);
	t->heard = 1;
	if (p->len >= 1 && (p->data[0] >> 4 == 4 || p->data[0] >> 4 == 6)) {
		t->st.delivered++;
		p->size = p->len;  /* it weighs what it is, again */
		t->pf->ops->deliver(t->pf->ctx, p);
		return;
	}
	if (p->len == CTL_PROBE_LEN && (p->data[0] == CTL_PROBE ||
	    p->data[0] == CTL_PROBE_REPLY)) {
		probe_input(t, p);
		return;
	}
	if (p->len != CTL_LEN) {
		t->st.drop_malformed++;
		put(t, &p);
		return;
	}
	for (int i = 0; i < 8; i++)
		id = id << 8 | p->data[1 + i];
	switch (p->data[0]) {
	case CTL_KEEPALIVE:
		send_control(t, CTL_KEEPALIVE_REPLY, id, p);
		return;
	case CTL_KEEPALIVE_REPLY:
		t->st.keepalives_answered++;
		break;
	default:
		t->st.drop_malformed++;
		break;
	}
	put(t, &p);
}

/*
 * A datagram that is one application record of the epoch mbedTLS reads,
 * opened here.  1 if it was taken (delivered or dropped as forged), 0 to
 * leave it to mbedTLS.
 */
static int
fast_read(struct tunnel *t, struct sb_packet *p, uint16_t epoch, uint64_t seq,
    uint16_t rlen)
{
	struct fast_epoch *f;
	long n;

	if (t->cfg.mode == TUNNEL_NULL || epoch != t->ssl.in_epoch ||
	    p->data[2] != 0xfd || TUNNEL_RECORD_HDR + (size_t)rlen != p->len ||
	    (f = fast_for(t, epoch)) == NULL)
		return 0;
	if ((n = dtls_aead_open(f->open, p->data, p->len)) < 0) {
		t->st.drop_forged++;
		put(t, &p);
		return 1;
	}
	accept_seq(t, epoch, seq);
	t->st.fast_opened++;
	memmove(p->data, p->data + DTLS_AEAD_HDR + DTLS_AEAD_NONCE, (size_t)n);
	p->len = (uint32_t)n;
	inner(t, p);
	return 1;
}

void
tunnel_input(struct tunnel *t, struct sb_packet *p)
{
	const uint8_t *d = p->data;
	uint16_t epoch, rlen;
	uint64_t seq;
	int app, rc, got;

	if (d == NULL || p->len < TUNNEL_RECORD_HDR || d[1] != 0xfe ||
	    (d[0] < MBEDTLS_SSL_MSG_CHANGE_CIPHER_SPEC ||
	    d[0] > MBEDTLS_SSL_MSG_APPLICATION_DATA)) {
		t->st.drop_malformed++;
		put(t, &p);
		return;
	}
	epoch = (uint16_t)(d[3] << 8 | d[4]);
	seq = be48(d + 5);
	rlen = (uint16_t)(d[11] << 8 | d[12]);
	app = d[0] == MBEDTLS_SSL_MSG_APPLICATION_DATA;
	/* Several records may share a datagram (RFC 6347 4.1.1); the
	 * null-cipher path reads one, so sends one. */
	if (TUNNEL_RECORD_HDR + (size_t)rlen > p->len ||
	    (app && epoch == 0 && TUNNEL_RECORD_HDR + (size_t)rlen != p->len) ||
	    !whole_records(d, p->len)) {
		t->st.drop_malformed++;
		put(t, &p);
		return;
	}
	if (app && replayed(t, epoch, seq)) {
		t->st.drop_replayed++;
		put(t, &p);
		return;
	}

	/* The null-cipher data path: epoch 0 application data, only on a
	 * null-mode tunnel that is up. */
	if (app && epoch == 0) {
		if (t->cfg.mode != TUNNEL_NULL || t->state != TUNNEL_UP) {
			t->st.drop_malformed++;
			put(t, &p);
			return;
		}
		accept_seq(t, 0, seq);
		memmove(p->data, p->data + TUNNEL_RECORD_HDR, rlen);
		p->len = rlen;
		inner(t, p);
		return;
	}

	if (app && fast_read(t, p, epoch, seq, rlen))
		return;

	if (t->state == TUNNEL_IDLE) {
		/* Only a server waits for a hello; a client that is not
		 * trying has nothing to say to anyone. */
		if (t->cfg.role != TUNNEL_SERVER || !t->running ||
		    d[0] != MBEDTLS_SSL_MSG_HANDSHAKE) {
			put(t, &p);
			return;
		}
		begin(t);
	}

	/* (A client's last flight, resent because our answer was lost,
	 * is epoch 0 too; mbedTLS answers it again, as it must.) */
	if (t->cfg.role == TUNNEL_SERVER && t->state == TUNNEL_UP &&
	    epoch == 0 && d[0] == MBEDTLS_SSL_MSG_HANDSHAKE &&
	    p->len > TUNNEL_RECORD_HDR && d[TUNNEL_RECORD_HDR] == 1 &&
	    !clienthello_ok(d, p->len)) {
		t->st.drop_malformed++;
		put(t, &p);
		return;
	}

	t->rx = p;
	if (t->state == TUNNEL_HANDSHAKE) {
		drive(t);
		t->rx = NULL;
		put(t, &p);
		return;
	}
	rc = mbedtls_ssl_read(&t->ssl, p->data, p->cap);
	t->rx = NULL;
	track_rekey(t);
	for (got = 0; rc > 0; got++) {
		/* The counter of the record read, which need not be the
		 * first in the datagram.  Our window is the one that knows
		 * every record taken, by either path: mbedTLS's never sees
		 * the fast path's, so a replay of one of those behind a
		 * fresh record in the same datagram gets past it. */
		uint16_t e = (uint16_t)(t->ssl.in_ctr[0] << 8 |
		    t->ssl.in_ctr[1]);
		uint64_t s = be48(t->ssl.in_ctr + 2);

		if (replayed(t, e, s)) {
			t->st.drop_replayed++;
		} else {
			accept_seq(t, e, s);
			p->len = (uint32_t)rc;
			inner(t, p);
			p = NULL;
		}
		/* A read returns one record, and a datagram may hold more
		 * (see mbedtls_ssl_read() on event-driven DTLS).  Left in
		 * mbedTLS, they would come out in place of the next
		 * datagram, which would be lost. */
		if (!mbedtls_ssl_check_pending(&t->ssl) || (p == NULL &&
		    (p = t->pf->ops->packet_new(t->pf->ctx)) == NULL)) {
			put(t, &p);
			return;
		}
		rc = mbedtls_ssl_read(&t->ssl, p->data, p->cap);
		track_rekey(t);
	}
	put(t, &p);
	if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE ||
	    rc == 0) {
		/* A current-epoch application record that decrypts to
		 * nothing failed its authentication. */
		if (got == 0 && app &&
		    t->ssl.state == MBEDTLS_SSL_HANDSHAKE_OVER &&
		    epoch == t->ssl.in_epoch)
			t->st.drop_forged++;
		return;
	}
	if (rc == MBEDTLS_ERR_SSL_CLIENT_RECONNECT) {
		/* The client started over from scratch (it lost us); its
		 * hello is kept, so carry on with the new handshake. */
		int was_up = t->state == TUNNEL_UP;

		if (was_up) {
			t->st.downs++;
			emit(t, "tunnel-down", "peer-restarted",
			    (double)(now(t) - t->up_since) / SB_S);
		}
		sb_timer_stop(t->pf, &t->ka_timer);
		t->win_valid = 0;
		begin(t);
		if (was_up)
			set_up(t, 0);
		drive(t);
		return;
	}
	failed(t, rc);
}

/* ---- life cycle ---- */

static char *
dup_or_null(const char *s)
{
	return s == NULL ? NULL : strdup(s);
}

static int
setup_auth(struct tunnel *t, const struct tunnel_auth *a, char *err,
    size_t errlen)
{
	int rc;

	if (a->psk != NULL) {
		if (a->psk_identity == NULL || a->psk_len == 0) {
			snprintf(err, errlen, "PSK needs an identity and a key");
			return -1;
		}
		rc = mbedtls_ssl_conf_psk(&t->conf, a->psk, a->psk_len,
		    (const unsigned char *)a->psk_identity,
		    strlen(a->psk_identity));
		if (rc != 0)
			goto fail;
		mbedtls_ssl_conf_ciphersuites(&t->conf, suites_psk);
		return 0;
	}
	if (a->cert_pem == NULL || a->key_pem == NULL || a->ca_pem == NULL) {
		snprintf(err, errlen, "no credentials: give a PSK, or a "
		    "certificate, its key and a CA");
		return -1;
	}
	t->have_cert = 1;
	if ((rc = mbedtls_x509_crt_parse(&t->own,
	    (const unsigned char *)a->cert_pem, strlen(a->cert_pem) + 1)) != 0 ||
	    (rc = mbedtls_x509_crt_parse(&t->ca,
	    (const unsigned char *)a->ca_pem, strlen(a->ca_pem) + 1)) != 0 ||
	    (rc = mbedtls_pk_parse_key(&t->key,
	    (const unsigned char *)a->key_pem, strlen(a->key_pem) + 1,
	    NULL, 0)) != 0 ||
	    (rc = mbedtls_ssl_conf_own_cert(&t->conf, &t->own, &t->key)) != 0)
		goto fail;
	mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
	mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ciphersuites(&t->conf, suites_cert);
	return 0;
fail:
	{
		char why[96];

		mbedtls_strerror(rc, why, sizeof(why));
		snprintf(err, errlen, "credentials: %s", why);
	}
	return -1;
}

struct tunnel *
tunnel_new(const struct sb_platform *pf, const struct tunnel_cfg *cfg,
    char *err, size_t errlen)
{
	struct tunnel *t = calloc(1, sizeof(*t));
	int server = cfg->role == TUNNEL_SERVER;

	if (t == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->pf = pf;
	t->cfg = *cfg;
	if (t->cfg.keepalive <= 0)
		t->cfg.keepalive = TUNNEL_KEEPALIVE_DEFAULT;
	if (t->cfg.keepalive_misses == 0)
		t->cfg.keepalive_misses = TUNNEL_MISSES_DEFAULT;
	if (t->cfg.hs_min <= 0)
		t->cfg.hs_min = TUNNEL_HS_MIN_DEFAULT;
	if (t->cfg.hs_max <= 0)
		t->cfg.hs_max = TUNNEL_HS_MAX_DEFAULT;
	if (t->cfg.retry_min <= 0)
		t->cfg.retry_min = TUNNEL_RETRY_MIN_DEFAULT;
	if (t->cfg.retry_max <= 0)
		t->cfg.retry_max = TUNNEL_RETRY_MAX_DEFAULT;
	if (t->cfg.mtu == 0)
		t->cfg.mtu = TUNNEL_MTU_DEFAULT;
	t->retry_wait = t->cfg.retry_min;
	t->up_since = SB_TIME_NEVER;

	t->name = strdup(cfg->name != NULL ? cfg->name : "tunnel");
	t->peer_id = dup_or_null(cfg->peer_id);
	t->cfg.name = t->name;
	t->cfg.peer_id = t->peer_id;
	t->cfg.auth.psk = NULL;
	if (cfg->auth.psk != NULL && cfg->auth.psk_len > 0 &&
	    (t->psk = malloc(cfg->auth.psk_len)) != NULL)
		memcpy(t->psk, cfg->auth.psk, cfg->auth.psk_len);

	mbedtls_ssl_config_init(&t->conf);
	mbedtls_ssl_init(&t->ssl);
	mbedtls_x509_crt_init(&t->own);
	mbedtls_x509_crt_init(&t->ca);
	mbedtls_pk_init(&t->key);
	if (t->name == NULL || (cfg->peer_id != NULL && t->peer_id == NULL) ||
	    (cfg->auth.psk != NULL && cfg->auth.psk_len > 0 && t->psk == NULL)) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (int i = 0; i < 2 && cfg->mode != TUNNEL_NULL; i++)
		if ((t->fast[i].seal = dtls_aead_new()) == NULL ||
		    (t->fast[i].open = dtls_aead_new()) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	if (server && t->peer_id == NULL) {
		snprintf(err, errlen, "a server tunnel needs its peer's "
		    "transport address (cookies are bound to it)");
		goto fail;
	}
	if (mbedtls_ssl_config_defaults(&t->conf,
	    server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT,
	    MBEDTLS_SSL_TRANSPORT_DATAGRAM, MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
		snprintf(err, errlen, "DTLS configuration failed");
		goto fail;
	}
	mbedtls_ssl_conf_min_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	    MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_max_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	    MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_rng(&t->conf, rng_cb, t);
	mbedtls_ssl_conf_handshake_timeout(&t->conf,
	    (uint32_t)(t->cfg.hs_min / SB_MS), (uint32_t)(t->cfg.hs_max / SB_MS));
	mbedtls_ssl_conf_dtls_anti_replay(&t->conf,
	    MBEDTLS_SSL_ANTI_REPLAY_ENABLED);
	mbedtls_ssl_conf_renegotiation(&t->conf,
	    MBEDTLS_SSL_RENEGOTIATION_ENABLED);
	mbedtls_ssl_conf_export_keys_ext_cb(&t->conf, export_keys_cb, t);
	{
		struct tunnel_auth a = cfg->auth;

		a.psk = t->psk;
		if (setup_auth(t, &a, err, errlen) < 0)
			goto fail;
		/* The caller's strings need not outlive this call. */
		memset(&t->cfg.auth, 0, sizeof(t->cfg.auth));
		t->cfg.auth.psk_len = cfg->auth.psk_len;
	}
	if (server) {
		rng_cb(t, t->cookie_key, sizeof(t->cookie_key));
		mbedtls_ssl_conf_dtls_cookies(&t->conf, cookie_write,
		    cookie_check, t);
	}
	if (mbedtls_ssl_setup(&t->ssl, &t->conf) != 0) {
		snprintf(err, errlen, "DTLS context setup failed");
		goto fail;
	}
	mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);
	mbedtls_ssl_set_timer_cb(&t->ssl, t, timer_set_cb, timer_get_cb);
	mbedtls_ssl_set_mtu(&t->ssl, (uint16_t)(t->cfg.mtu - TUNNEL_UDP_IP_HDR));
	if (server)
		mbedtls_ssl_set_client_transport_id(&t->ssl,
		    (const unsigned char *)t->peer_id, strlen(t->peer_id));
	return t;
fail:
	tunnel_free(t);
	return NULL;
}

void
tunnel_free(struct tunnel *t)
{
	if (t == NULL)
		return;
	sb_timer_stop(t->pf, &t->hs_timer);
	sb_timer_stop(t->pf, &t->ka_timer);
	sb_timer_stop(t->pf, &t->retry_timer);
	sb_timer_stop(t->pf, &t->rekey_timer);
	put(t, &t->rx);
	put(t, &t->tx);
	for (int i = 0; i < 2; i++) {
		dtls_aead_free(t->fast[i].seal);
		dtls_aead_free(t->fast[i].open);
	}
	mbedtls_ssl_free(&t->ssl);
	mbedtls_ssl_config_free(&t->conf);
	mbedtls_x509_crt_free(&t->own);
	mbedtls_x509_crt_free(&t->ca);
	mbedtls_pk_free(&t->key);
	if (t->psk != NULL)
		mbedtls_platform_zeroize(t->psk, t->cfg.auth.psk_len);
	free(t->psk);
	free(t->name);
	free(t->peer_id);
	free(t);
}

void
tunnel_start(struct tunnel *t)
{
	if (t->running)
		return;
	t->running = 1;
	if (t->cfg.role == TUNNEL_CLIENT) {
		begin(t);
		drive(t);
	}
}

void
tunnel_stop(struct tunnel *t, const char *reason)
{
	if (!t->running)
		return;
	t->running = 0;
	sb_timer_stop(t->pf, &t->retry_timer);
	if (t->state == TUNNEL_UP)
		mbedtls_ssl_close_notify(&t->ssl);
	go_down(t, reason != NULL ? reason : "stopped");
}

void
tunnel_crash(struct tunnel *t)
{
	if (!t->running)
		return;
	t->running = 0;
	sb_timer_stop(t->pf, &t->retry_timer);
	go_down(t, "crashed");
}

void
tunnel_prefetch_input(const struct tunnel *t)
{
	__builtin_prefetch(t);
	__builtin_prefetch((const char *)t + 64);
	__builtin_prefetch((const char *)t + 128);
	__builtin_prefetch(&t->st.rx_records);
}

enum tunnel_state
tunnel_state(const struct tunnel *t)
{
	return t->state;
}

const struct tunnel_stats *
tunnel_stats(const struct tunnel *t)
{
	return &t->st;
}

const char *
tunnel_name(const struct tunnel *t)
{
	return t->name;
}

const char *
tunnel_mode_name(enum tunnel_mode m)
{
	return m == TUNNEL_NULL ? "null-cipher" : "dtls";
}

uint32_t
tunnel_mode_overhead(enum tunnel_mode m)
{
	return (m == TUNNEL_NULL ? TUNNEL_RECORD_HDR : AEAD_EXPANSION) +
	    TUNNEL_UDP_IP_HDR;
}

uint32_t
tunnel_overhead(const struct tunnel *t)
{
	return tunnel_mode_overhead(t->cfg.mode);
}

uint32_t
tunnel_inner_mtu(const struct tunnel *t)
{
	uint32_t o = tunnel_overhead(t);

	return t->cfg.mtu > o ? t->cfg.mtu - o : 0;
}

sb_time
tunnel_up_since(const struct tunnel *t)
{
	return t->state == TUNNEL_UP ? t->up_since : SB_TIME_NEVER;
}

sb_time
tunnel_last_rx(const struct tunnel *t)
{
	/* up_since is set at the first time up and never cleared */
	return t->up_since == SB_TIME_NEVER ? SB_TIME_NEVER : t->last_rx;
}
