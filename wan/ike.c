/*
 * IKEv2 and ESP, written out: the messages are built and parsed here, in
 * RFC 7296's wire format, mbedTLS does the Diffie-Hellman and the HMAC,
 * and libcrypto the AES-GCM (of the IKE SA's SK payloads, RFC 5282, and
 * of ESP, RFC 4106), as wan/dtls_aead.c does for the tunnel's records.
 *
 * The exchanges: IKE_SA_INIT (SA, KE, Ni / SA, KE, Nr) in the clear, then
 * IKE_AUTH in an SK payload (IDi, AUTH, SA, TSi, TSr / IDr, AUTH, SA, TSi,
 * TSr) with the shared key MIC of RFC 7296 2.15, the IKE SA keys from
 * SKEYSEED and prf+ (2.14) and the child SA's from prf+ (SK_d, Ni | Nr)
 * (2.17).  After that only INFORMATIONAL: empty requests for dead-peer
 * detection, a Delete on an administrative close.
 *
 * Message IDs and the window of one (2.3): each side numbers its own
 * requests and has at most one outstanding; a responder answers the
 * request it expects, answers a retransmission of the last one with the
 * very bytes it sent before, and drops anything else.  Only the
 * initiator retransmits on its timer during the handshake; once up, each
 * DPD interval without a word from the peer resends the outstanding probe
 * (the same message, as 2.1 asks).
 *
 * Validation against an outside implementation: tests/scenarios/ike.sh
 * has tshark (Wireshark's dissectors, not ours) dissect a capture of an
 * exchange: IKE_SA_INIT with its proposal, KE and nonces, IKE_AUTH
 * decrypted with the SK_e keys in its IKEv2 decryption table (so our
 * SK payloads, SKEYSEED and prf+ agree with it) showing IDi, AUTH, SA and
 * TS, and the ESP packets decrypted with the child SA's keys in its ESP
 * SA table to the inner IPv4 packets (so KEYMAT and RFC 4106 agree).  The
 * AUTH payloads are checked by the two ends of the unit tests against
 * each other only: tshark does not verify them.
 *
 * Drops are counted as the tunnel counts them: malformed (does not parse,
 * or is not the message expected now, or names an SA we do not hold),
 * forged (parses, does not authenticate), replayed (ESP sequence number
 * already seen or left of the 64-packet window).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/dhm.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <openssl/evp.h>

#include "wan/byteorder.h"
#include "wan/ike.h"

/* RFC 7296 3.1-3.3 numbers. */
#define X_IKE_SA_INIT 34
#define X_IKE_AUTH 35
#define X_INFORMATIONAL 37

#define F_INITIATOR 0x08
#define F_RESPONSE 0x20

#define P_NONE 0
#define P_SA 33
#define P_KE 34
#define P_IDI 35
#define P_IDR 36
#define P_AUTH 39
#define P_NONCE 40
#define P_NOTIFY 41
#define P_DELETE 42
#define P_TSI 44
#define P_TSR 45
#define P_SK 46

#define PROTO_IKE 1
#define PROTO_ESP 3

#define T_ENCR 1
#define T_PRF 2
#define T_INTEG 3
#define T_DH 4
#define T_ESN 5

#define ENCR_AES_GCM_16 20
#define PRF_HMAC_SHA2_256 5
#define ATTR_KEY_LENGTH 0x800e

#define ID_FQDN 2
#define AUTH_SHARED_KEY 2
#define TS_IPV4_ADDR_RANGE 7

#define N_INVALID_SYNTAX 7
#define N_NO_PROPOSAL_CHOSEN 14
#define N_INVALID_KE_PAYLOAD 17
#define N_AUTHENTICATION_FAILED 24
#define N_ERROR_MAX 16383

#define NEXT_IPV4 4
#define NEXT_NONE 59

#define HDR 28               /* IKE header */
#define MARKER 4             /* non-ESP marker, RFC 3948 */
#define MSG_MAX 1024         /* longest message we build or accept */
#define NONCE_LEN 32
#define NONCE_MAX 256
#define PRF_LEN 32           /* HMAC-SHA-256 */
#define KEY_LEN 16           /* AES-128 */
#define KEYSALT 20           /* key and the 4-byte salt */
#define SK_IV 8
#define ICV 16
#define KE_MAX 256
#define MAX_PAYLOADS 16
#define REPLAY_WINDOW 64

static const char key_pad[] = "Key Pad for IKEv2";

/* One direction of AES-128-GCM, keyed once per SA; each message only
 * sets its nonce (salt | 8-byte IV). */
struct aead {
	EVP_CIPHER_CTX *c;
	uint8_t salt[4];
	int seal, keyed;
};

/* A message of ours kept for sending again: a request until answered,
 * a response until the next request. */
struct kept {
	uint8_t b[MSG_MAX];
	size_t len;
	uint32_t mid;
	int valid;
};

struct ike {
	const struct sb_platform *pf;
	struct ike_cfg cfg;
	char *name, *id, *peer_id;
	uint8_t *psk;

	enum ike_state state;
	int running;
	/* How far the handshake is: initiator 1 IKE_SA_INIT sent, 2
	 * IKE_AUTH sent; responder 1 IKE_SA_INIT answered. */
	int phase;
	struct ike_stats st;
	sb_time up_since, last_rx, hs_started;
	sb_timer retx_timer, retry_timer, dpd_timer;
	sb_time retx_wait, retry_wait;
	unsigned retx_count;
	int heard;                 /* protected input since the last tick */
	unsigned misses;

	/* The IKE SA. */
	uint8_t spi_i[8], spi_r[8];
	uint8_t ni[NONCE_MAX], nr[NONCE_MAX];
	size_t ni_len, nr_len;
	uint8_t sk_d[PRF_LEN], sk_ei[KEYSALT], sk_er[KEYSALT];
	uint8_t sk_pi[PRF_LEN], sk_pr[PRF_LEN];
	uint64_t sk_iv;            /* IVs of our SK payloads: a counter */
	uint32_t my_mid;           /* the next request we send */
	uint32_t peer_mid;         /* the next request we expect */
	struct kept req;           /* our request; valid: outstanding */
	struct kept resp;          /* our last response, for a resend */
	/* The IKE_SA_INIT messages, which the AUTH payloads sign. */
	uint8_t init_req[MSG_MAX], init_resp[MSG_MAX];
	size_t init_req_len, init_resp_len;

	/* Diffie-Hellman: our public value and the shared secret. */
	mbedtls_ecp_group grp;
	mbedtls_mpi d;
	mbedtls_ecp_point q;
	mbedtls_dhm_context dhm;
	uint8_t ke[KE_MAX], shared[KE_MAX];
	size_t ke_len;
	mbedtls_md_context_t md;

	/* The child SA. */
	int child;
	uint32_t spi_in, spi_out;  /* ours (the peer sends to it), theirs */
	uint32_t seq_out;
	uint32_t top;              /* highest sequence number accepted */
	uint64_t win;              /* bit i: top - i seen */
	struct aead ike_out, ike_in, esp_out, esp_in;
	struct ike_keys keys;
};

/* A received payload: its type and body. */
struct pl {
	uint8_t type;
	const uint8_t *b;
	size_t n;
};

/* A message being built: payloads are chained by writing each one's type
 * into the previous one's next-payload byte (at np). */
struct wb {
	uint8_t *b;
	size_t len, cap, np;
	int bad;
};

struct part {
	const uint8_t *p;
	size_t n;
};

/* ---- small helpers ---- */

static sb_time
now(const struct ike *e)
{
	return sb_now(e->pf);
}

static void
emit(struct ike *e, const char *kind, const char *detail, double value)
{
	struct sb_event ev = { kind, NULL, e->name, detail, value };

	e->pf->ops->emit(e->pf->ctx, &ev);
}

static void
put(struct ike *e, struct sb_packet **p)
{
	if (*p != NULL)
		e->pf->ops->packet_free(e->pf->ctx, *p);
	*p = NULL;
}

static int
rng_cb(void *arg, unsigned char *out, size_t len)
{
	struct ike *e = arg;

	sb_rand_fill(e->pf, out, len);
	return 0;
}

static uint32_t
rand_spi(struct ike *e)
{
	uint32_t v;

	/* SPIs 1 to 255 are reserved (RFC 4303 2.1) */
	do
		v = (uint32_t)e->pf->ops->rand(e->pf->ctx);
	while (v < 256);
	return v;
}

static int
is_zero(const uint8_t *b, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= b[i];
	return acc == 0;
}

/* ---- AES-GCM ---- */

static int
aead_key(struct aead *a, int seal, const uint8_t keysalt[KEYSALT])
{
	a->keyed = 0;
	if (EVP_CipherInit_ex(a->c, EVP_aes_128_gcm(), NULL, keysalt, NULL,
	    seal) != 1)
		return -1;
	memcpy(a->salt, keysalt + KEY_LEN, 4);
	a->seal = seal;
	a->keyed = 1;
	return 0;
}

/* Seal or open n bytes at text in place, with the tag after them. */
static int
aead_run(struct aead *a, const uint8_t iv[8], const uint8_t *ad,
    size_t adlen, uint8_t *text, size_t n)
{
	uint8_t nonce[12];
	int outl, fin;

	if (!a->keyed || n > 0xffff)
		return -1;
	memcpy(nonce, a->salt, 4);
	memcpy(nonce + 4, iv, 8);
	if (EVP_CipherInit_ex(a->c, NULL, NULL, NULL, nonce, a->seal) != 1 ||
	    EVP_CipherUpdate(a->c, NULL, &outl, ad, (int)adlen) != 1)
		return -1;
	if (a->seal)
		return EVP_CipherUpdate(a->c, text, &outl, text, (int)n) == 1 &&
		    EVP_CipherFinal_ex(a->c, text + outl, &fin) == 1 &&
		    EVP_CIPHER_CTX_ctrl(a->c, EVP_CTRL_GCM_GET_TAG, ICV,
		    text + n) == 1 ? 0 : -1;
	return EVP_CipherUpdate(a->c, text, &outl, text, (int)n) == 1 &&
	    EVP_CIPHER_CTX_ctrl(a->c, EVP_CTRL_GCM_SET_TAG, ICV,
	    text + n) == 1 &&
	    EVP_CipherFinal_ex(a->c, text + outl, &fin) == 1 ? 0 : -1;
}

/* ---- the PRF, prf+ and Diffie-Hellman ---- */

static void
prf(struct ike *e, const uint8_t *key, size_t klen, const struct part *pt,
    int n, uint8_t out[PRF_LEN])
{
	mbedtls_md_hmac_starts(&e->md, key, klen);
	for (int i = 0; i < n; i++)
		mbedtls_md_hmac_update(&e->md, pt[i].p, pt[i].n);
	mbedtls_md_hmac_finish(&e->md, out);
}

/* RFC 7296 2.13: T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n). */
static void
prf_plus(struct ike *e, const uint8_t *key, size_t klen, const uint8_t *s,
    size_t slen, uint8_t *out, size_t outlen)
{
	uint8_t t[PRF_LEN] = { 0 };
	uint8_t i = 1;

	for (size_t done = 0; done < outlen; i++) {
		struct part pt[3] = {
			{ t, i == 1 ? 0 : PRF_LEN }, { s, slen }, { &i, 1 },
		};
		size_t k = outlen - done < PRF_LEN ? outlen - done : PRF_LEN;

		prf(e, key, klen, pt, 3, t);
		memcpy(out + done, t, k);
		done += k;
	}
}

static int
dh_make(struct ike *e)
{
	if (e->cfg.dh_group == IKE_DH_ECP256) {
		e->ke_len = 64;
		return mbedtls_ecp_gen_keypair(&e->grp, &e->d, &e->q, rng_cb,
		    e) != 0 ||
		    mbedtls_mpi_write_binary(&e->q.X, e->ke, 32) != 0 ||
		    mbedtls_mpi_write_binary(&e->q.Y, e->ke + 32, 32) != 0 ?
		    -1 : 0;
	}
	e->ke_len = 256;
	/* a 256-bit exponent: twice the group's strength (RFC 3526 8) */
	return mbedtls_dhm_make_public(&e->dhm, 32, e->ke, 256, rng_cb, e) ?
	    -1 : 0;
}

/* g^ir from the peer's public value, into e->shared (ke_len bytes: the
 * x coordinate for group 19, RFC 5903 7; the modulus length, zeros in
 * front, for group 14, RFC 7296 2.14). */
static int
dh_shared(struct ike *e, const uint8_t *peer, size_t n)
{
	int rc = -1;

	if (n != e->ke_len)
		return -1;
	if (e->cfg.dh_group == IKE_DH_ECP256) {
		mbedtls_ecp_point p;
		mbedtls_mpi z;

		mbedtls_ecp_point_init(&p);
		mbedtls_mpi_init(&z);
		if (mbedtls_mpi_read_binary(&p.X, peer, 32) == 0 &&
		    mbedtls_mpi_read_binary(&p.Y, peer + 32, 32) == 0 &&
		    mbedtls_mpi_lset(&p.Z, 1) == 0 &&
		    mbedtls_ecp_check_pubkey(&e->grp, &p) == 0 &&
		    mbedtls_ecdh_compute_shared(&e->grp, &z, &p, &e->d, rng_cb,
		    e) == 0 &&
		    mbedtls_mpi_write_binary(&z, e->shared, 32) == 0)
			rc = 0;
		mbedtls_ecp_point_free(&p);
		mbedtls_mpi_free(&z);
		return rc;
	} else {
		uint8_t k[256];
		size_t olen = 0;

		if (mbedtls_dhm_read_public(&e->dhm, peer, n) != 0 ||
		    mbedtls_dhm_calc_secret(&e->dhm, k, sizeof(k), &olen,
		    rng_cb, e) != 0 || olen > 256)
			return -1;
		memset(e->shared, 0, 256 - olen);
		memcpy(e->shared + 256 - olen, k, olen);
		return 0;
	}
}

/* SKEYSEED and the IKE SA's keys (RFC 7296 2.14); with an AEAD there are
 * no SK_a keys, and each SK_e is a key and its salt (RFC 5282 7). */
static void
ike_keys(struct ike *e)
{
	uint8_t seed[2 * NONCE_MAX + 16], skeyseed[PRF_LEN];
	uint8_t km[PRF_LEN + 2 * KEYSALT + 2 * PRF_LEN];
	struct part pt[1] = { { e->shared, e->ke_len } };
	size_t sl = 0;
	int ini = e->cfg.role == IKE_INITIATOR;

	memcpy(seed, e->ni, e->ni_len);
	memcpy(seed + e->ni_len, e->nr, e->nr_len);
	prf(e, seed, e->ni_len + e->nr_len, pt, 1, skeyseed);
	sl = e->ni_len + e->nr_len;
	memcpy(seed + sl, e->spi_i, 8);
	memcpy(seed + sl + 8, e->spi_r, 8);
	prf_plus(e, skeyseed, sizeof(skeyseed), seed, sl + 16, km, sizeof(km));
	memcpy(e->sk_d, km, PRF_LEN);
	memcpy(e->sk_ei, km + PRF_LEN, KEYSALT);
	memcpy(e->sk_er, km + PRF_LEN + KEYSALT, KEYSALT);
	memcpy(e->sk_pi, km + PRF_LEN + 2 * KEYSALT, PRF_LEN);
	memcpy(e->sk_pr, km + 2 * PRF_LEN + 2 * KEYSALT, PRF_LEN);
	aead_key(&e->ike_out, 1, ini ? e->sk_ei : e->sk_er);
	aead_key(&e->ike_in, 0, ini ? e->sk_er : e->sk_ei);
	e->sk_iv = 0;
	memcpy(e->keys.spi_i, e->spi_i, 8);
	memcpy(e->keys.spi_r, e->spi_r, 8);
	memcpy(e->keys.sk_ei, e->sk_ei, KEYSALT);
	memcpy(e->keys.sk_er, e->sk_er, KEYSALT);
}

/* KEYMAT = prf+(SK_d, Ni | Nr), initiator-to-responder first (2.17). */
static void
child_keys(struct ike *e)
{
	uint8_t seed[2 * NONCE_MAX], km[2 * KEYSALT];
	int ini = e->cfg.role == IKE_INITIATOR;

	memcpy(seed, e->ni, e->ni_len);
	memcpy(seed + e->ni_len, e->nr, e->nr_len);
	prf_plus(e, e->sk_d, PRF_LEN, seed, e->ni_len + e->nr_len, km,
	    sizeof(km));
	aead_key(&e->esp_out, 1, ini ? km : km + KEYSALT);
	aead_key(&e->esp_in, 0, ini ? km + KEYSALT : km);
	e->child = 1;
	e->seq_out = 0;
	e->top = 0;
	e->win = 0;
	memcpy(e->keys.esp_ir, km, KEYSALT);
	memcpy(e->keys.esp_ri, km + KEYSALT, KEYSALT);
	e->keys.esp_spi_i = ini ? e->spi_in : e->spi_out;
	e->keys.esp_spi_r = ini ? e->spi_out : e->spi_in;
}

/* The AUTH payload's data of one side (RFC 7296 2.15): prf(prf(key,
 * "Key Pad for IKEv2"), its IKE_SA_INIT message | the other's nonce |
 * prf(SK_p of its side, its ID payload's body)). */
static void
auth_of(struct ike *e, int initiator, const uint8_t *id, size_t idlen,
    uint8_t out[PRF_LEN])
{
	uint8_t maced[PRF_LEN], k[PRF_LEN];
	struct part pid[1] = { { id, idlen } };
	struct part ppad[1] = { { (const uint8_t *)key_pad,
	    sizeof(key_pad) - 1 } };
	struct part pm[3] = {
		{ initiator ? e->init_req : e->init_resp,
		    initiator ? e->init_req_len : e->init_resp_len },
		{ initiator ? e->nr : e->ni, initiator ? e->nr_len : e->ni_len },
		{ maced, PRF_LEN },
	};

	prf(e, initiator ? e->sk_pi : e->sk_pr, PRF_LEN, pid, 1, maced);
	prf(e, e->psk, e->cfg.psk_len, ppad, 1, k);
	prf(e, k, PRF_LEN, pm, 3, out);
}

/* ---- building messages ---- */

static void
wbytes(struct wb *w, const void *d, size_t n)
{
	if (w->len + n > w->cap) {
		w->bad = 1;
		return;
	}
	if (d != NULL)
		memcpy(w->b + w->len, d, n);
	else
		memset(w->b + w->len, 0, n);
	w->len += n;
}

static void
w8(struct wb *w, uint8_t v)
{
	wbytes(w, &v, 1);
}

static void
w16(struct wb *w, uint16_t v)
{
	uint8_t b[2];

	put16(b, v);
	wbytes(w, b, 2);
}

static void
w32(struct wb *w, uint32_t v)
{
	uint8_t b[4];

	put32(b, v);
	wbytes(w, b, 4);
}

static size_t
pl_open(struct wb *w, uint8_t type)
{
	size_t at = w->len;

	if (w->bad)
		return at;
	w->b[w->np] = type;
	wbytes(w, NULL, 4);
	w->np = at;
	return at;
}

static void
pl_close(struct wb *w, size_t at)
{
	if (!w->bad)
		put16(w->b + at + 2, (uint16_t)(w->len - at));
}

/* The IKE header of a message of ours; its length is set by msg_end(). */
static void
msg_begin(struct ike *e, struct wb *w, uint8_t *buf, uint8_t exch,
    int response, uint32_t mid)
{
	*w = (struct wb){ buf, 0, MSG_MAX, 16, 0 };
	wbytes(w, e->spi_i, 8);
	wbytes(w, e->spi_r, 8);
	w8(w, P_NONE);
	w8(w, 0x20);                       /* version 2.0 */
	w8(w, exch);
	w8(w, (e->cfg.role == IKE_INITIATOR ? F_INITIATOR : 0) |
	    (response ? F_RESPONSE : 0));
	w32(w, mid);
	w32(w, 0);
}

static size_t
msg_end(struct wb *w)
{
	if (w->bad)
		return 0;
	put32(w->b + 24, (uint32_t)w->len);
	return w->len;
}

static void
transform(struct wb *w, int more, uint8_t type, uint16_t id, uint16_t klen)
{
	w8(w, more ? 3 : 0);
	w8(w, 0);
	w16(w, klen ? 12 : 8);
	w8(w, type);
	w8(w, 0);
	w16(w, id);
	if (klen) {
		w16(w, ATTR_KEY_LENGTH);
		w16(w, klen);
	}
}

/* Our one proposal: for the IKE SA, or the child SA with its SPI. */
static void
sa_payload(struct ike *e, struct wb *w, uint8_t proto, uint8_t num,
    uint32_t spi)
{
	size_t at = pl_open(w, P_SA), pr = w->len;

	w8(w, 0);                          /* last proposal */
	w8(w, 0);
	w16(w, 0);
	w8(w, num);
	w8(w, proto);
	w8(w, proto == PROTO_ESP ? 4 : 0);
	w8(w, proto == PROTO_ESP ? 2 : 3);
	if (proto == PROTO_ESP) {
		w32(w, spi);
		transform(w, 1, T_ENCR, ENCR_AES_GCM_16, 128);
		transform(w, 0, T_ESN, 0, 0);
	} else {
		transform(w, 1, T_ENCR, ENCR_AES_GCM_16, 128);
		transform(w, 1, T_PRF, PRF_HMAC_SHA2_256, 0);
		transform(w, 0, T_DH, (uint16_t)e->cfg.dh_group, 0);
	}
	if (!w->bad)
		put16(w->b + pr + 2, (uint16_t)(w->len - pr));
	pl_close(w, at);
}

static void
id_payload(struct ike *e, struct wb *w, uint8_t type)
{
	size_t at = pl_open(w, type);

	w8(w, ID_FQDN);
	wbytes(w, NULL, 3);
	wbytes(w, e->id, strlen(e->id));
	pl_close(w, at);
}

/* Any address, any protocol, any port. */
static void
ts_payload(struct wb *w, uint8_t type)
{
	size_t at = pl_open(w, type);

	w8(w, 1);
	wbytes(w, NULL, 3);
	w8(w, TS_IPV4_ADDR_RANGE);
	w8(w, 0);
	w16(w, 16);
	w16(w, 0);
	w16(w, 65535);
	w32(w, 0);
	w32(w, 0xffffffffu);
	pl_close(w, at);
}

static void
notify_payload(struct wb *w, uint16_t type, const uint8_t *data, size_t n)
{
	size_t at = pl_open(w, P_NOTIFY);

	w8(w, 0);
	w8(w, 0);
	w16(w, type);
	wbytes(w, data, n);
	pl_close(w, at);
}

/* Payloads to go inside an SK payload are built in a buffer of their own
 * whose first byte receives the first one's type. */
static void
inner_begin(struct wb *w, uint8_t *buf)
{
	*w = (struct wb){ buf, 1, MSG_MAX - HDR - 4 - SK_IV - ICV - 1, 0, 0 };
	buf[0] = P_NONE;
}

/* Wrap the payloads of in as the SK payload of the message in w: IV, the
 * payloads and a pad length of 0 (AES-GCM needs no padding), ICV; the
 * additional data is everything before the IV (RFC 5282 5.1). */
static size_t
sk_seal(struct ike *e, struct wb *w, struct wb *in)
{
	size_t at, n;
	uint8_t iv[SK_IV];

	if (in->bad)
		return 0;
	at = pl_open(w, P_SK);
	w->b[at] = in->b[0];
	for (int i = 7; i >= 0; i--)
		iv[7 - i] = (uint8_t)(e->sk_iv >> (8 * i));
	e->sk_iv++;
	wbytes(w, iv, SK_IV);
	n = in->len;               /* payloads, and their pad length byte */
	in->b[0] = 0;
	wbytes(w, in->b + 1, n - 1);
	w8(w, 0);
	wbytes(w, NULL, ICV);
	if (w->bad)
		return 0;
	pl_close(w, at);
	put32(w->b + 24, (uint32_t)w->len);
	if (aead_run(&e->ike_out, iv, w->b, at + 4,
	    w->b + at + 4 + SK_IV, n) < 0)
		return 0;
	return w->len;
}

static int
send_msg(struct ike *e, const uint8_t *m, size_t len)
{
	struct sb_packet *p;

	if (len == 0 || (p = e->pf->ops->packet_new(e->pf->ctx)) == NULL)
		return -1;
	if (len + MARKER > p->cap) {
		put(e, &p);
		return -1;
	}
	memset(p->data, 0, MARKER);
	memcpy(p->data + MARKER, m, len);
	p->len = (uint32_t)(len + MARKER);
	p->size = p->len + IKE_UDP_IP_HDR;
	e->st.ike_tx++;
	e->pf->ops->send(e->pf->ctx, e->cfg.link, p);
	return 0;
}

/* Send the message built in k->b (our request or our response to the
 * peer's request mid) and keep it. */
static void
send_kept(struct ike *e, struct kept *k, size_t len, uint32_t mid)
{
	k->len = len;
	k->mid = mid;
	k->valid = len > 0;
	send_msg(e, k->b, len);
}

/* ---- parsing ---- */

static int
known_payload(uint8_t t)
{
	return (t >= P_SA && t <= P_SK) || t == P_NONE;
}

/* The chain of payloads from first over b[0..len), into v; their count,
 * or -1 when it does not parse. */
static int
chain(uint8_t first, const uint8_t *b, size_t len, struct pl *v, int max)
{
	uint8_t t = first;
	int n = 0;

	while (t != P_NONE) {
		size_t l;

		if (len < 4 || n == max)
			return -1;
		l = get16(b + 2);
		if (l < 4 || l > len)
			return -1;
		if (!known_payload(t) && (b[1] & 0x80))
			return -1;         /* critical and unknown */
		v[n++] = (struct pl){ t, b + 4, l - 4 };
		t = b[0];
		b += l;
		len -= l;
	}
	return len == 0 ? n : -1;
}

static const struct pl *
find(const struct pl *v, int n, uint8_t type)
{
	for (int i = 0; i < n; i++)
		if (v[i].type == type)
			return &v[i];
	return NULL;
}

/* The first error notification's type, or 0. */
static uint16_t
notify_error(const struct pl *v, int n)
{
	for (int i = 0; i < n; i++)
		if (v[i].type == P_NOTIFY && v[i].n >= 4 &&
		    get16(v[i].b + 2) <= N_ERROR_MAX)
			return get16(v[i].b + 2);
	return 0;
}

static const char *
notify_name(uint16_t t)
{
	switch (t) {
	case N_INVALID_SYNTAX: return "INVALID_SYNTAX";
	case N_NO_PROPOSAL_CHOSEN: return "NO_PROPOSAL_CHOSEN";
	case N_INVALID_KE_PAYLOAD: return "INVALID_KE_PAYLOAD";
	case N_AUTHENTICATION_FAILED: return "AUTHENTICATION_FAILED";
	default: return "error notification";
	}
}

/*
 * Look in an SA payload for a proposal of protocol proto that allows our
 * choice: AES-GCM-16 with 128-bit keys, and for the IKE SA
 * HMAC-SHA2-256 and our group, for ESP no extended sequence numbers.
 * 0 with its number (and ESP SPI), 1 if none does, -1 if it does not
 * parse.
 */
static int
sa_pick(const struct ike *e, const struct pl *sa, uint8_t proto,
    uint8_t *num, uint32_t *spi)
{
	const uint8_t *b = sa->b;
	size_t len = sa->n;
	int found = 0;

	while (len > 0) {
		size_t plen, off;
		unsigned spisz, ntr;
		int encr = 0, prf_ok = 0, dh = 0, esn0 = 0, esn = 0;

		if (len < 8 || (plen = get16(b + 2)) < 8 || plen > len)
			return -1;
		spisz = b[6];
		ntr = b[7];
		off = 8 + spisz;
		if (off > plen)
			return -1;
		for (unsigned i = 0; i < ntr; i++) {
			const uint8_t *t = b + off;
			size_t tlen;
			uint16_t id, klen = 0;

			if (off + 8 > plen || (tlen = get16(t + 2)) < 8 ||
			    off + tlen > plen)
				return -1;
			id = get16(t + 6);
			if (tlen >= 12 && get16(t + 8) == ATTR_KEY_LENGTH)
				klen = get16(t + 10);
			switch (t[4]) {
			case T_ENCR:
				encr |= id == ENCR_AES_GCM_16 && klen == 128;
				break;
			case T_PRF:
				prf_ok |= id == PRF_HMAC_SHA2_256;
				break;
			case T_DH:
				dh |= id == e->cfg.dh_group;
				break;
			case T_ESN:
				esn = 1;
				esn0 |= id == 0;
				break;
			}
			off += tlen;
		}
		if (!found && b[5] == proto && encr &&
		    (proto == PROTO_IKE ? prf_ok && dh && spisz == 0 :
		    spisz == 4 && (esn0 || !esn))) {
			found = 1;
			*num = b[4];
			if (spi != NULL)
				*spi = get32(b + 8);
		}
		b += plen;
		len -= plen;
	}
	return found ? 0 : 1;
}

/* Open the SK payload of the message m[0..len) in place: its inner
 * payloads' chain into v, their count; -1 malformed, -2 forged. */
static int
sk_open(struct ike *e, uint8_t *m, size_t len, struct pl *v)
{
	size_t sk, n;
	uint8_t pad;

	if (m[16] != P_SK || len < HDR + 4 + SK_IV + 1 + ICV)
		return -1;
	sk = get16(m + HDR + 2);
	if (HDR + sk != len)
		return -1;
	n = sk - 4 - SK_IV - ICV;
	if (aead_run(&e->ike_in, m + HDR + 4, m, HDR + 4,
	    m + HDR + 4 + SK_IV, n) < 0)
		return -2;
	pad = m[HDR + 4 + SK_IV + n - 1];
	if ((size_t)pad + 1 > n)
		return -1;
	return chain(m[HDR], m + HDR + 4 + SK_IV, n - 1 - pad, v,
	    MAX_PAYLOADS);
}

/* ---- state changes ---- */

static void retry_fire(void *arg);
static void retx_fire(void *arg);
static void dpd_fire(void *arg);

static sb_time
retry_delay(struct ike *e)
{
	sb_time d = e->retry_wait;

	/* Up to a quarter more, uniformly. */
	d += (sb_time)(sb_rand_unit(e->pf) * (double)(d / 4));
	e->retry_wait *= 2;
	if (e->retry_wait > e->cfg.retry_max)
		e->retry_wait = e->cfg.retry_max;
	return d;
}

/* Forget the SAs and wait: the initiator retries after a backoff, the
 * responder for the initiator's next IKE_SA_INIT. */
static void
reset(struct ike *e)
{
	sb_timer_stop(e->pf, &e->retx_timer);
	sb_timer_stop(e->pf, &e->dpd_timer);
	e->state = IKE_IDLE;
	e->phase = 0;
	e->child = 0;
	e->req.valid = 0;
	e->resp.valid = 0;
	e->my_mid = e->peer_mid = 0;
	e->ike_out.keyed = e->ike_in.keyed = 0;
	e->esp_out.keyed = e->esp_in.keyed = 0;
	if (e->cfg.role == IKE_INITIATOR && e->running)
		sb_timer_set(e->pf, &e->retry_timer, now(e) + retry_delay(e),
		    retry_fire, e);
}

static void
go_down(struct ike *e, const char *reason)
{
	int was_up = e->state == IKE_UP;

	if (was_up) {
		e->st.downs++;
		emit(e, "tunnel-down", reason,
		    (double)(now(e) - e->up_since) / SB_S);
	}
	reset(e);
	if (was_up && e->cfg.on_state != NULL)
		e->cfg.on_state(e->cfg.ctx, e, 0);
}

static void
hs_failed(struct ike *e, const char *why)
{
	emit(e, "tunnel-handshake-failed", why,
	    (double)(now(e) - e->hs_started) / SB_S);
	go_down(e, why);
}

static void
auth_failed(struct ike *e, const char *why)
{
	e->st.auth_failures++;
	emit(e, "tunnel-auth-failure", why, 0);
	go_down(e, why);
}

static void
became_up(struct ike *e)
{
	sb_timer_stop(e->pf, &e->retx_timer);
	e->req.valid = 0;
	e->state = IKE_UP;
	e->up_since = now(e);
	e->last_rx = now(e);
	e->misses = 0;
	e->heard = 0;
	e->retry_wait = e->cfg.retry_min;
	e->st.handshakes_ok++;
	emit(e, "tunnel-up", "ikev2",
	    (double)(now(e) - e->hs_started) / SB_S);
	sb_timer_set(e->pf, &e->dpd_timer, now(e) + e->cfg.dpd, dpd_fire, e);
	if (e->cfg.keylog != NULL)
		e->cfg.keylog(e->cfg.ctx, &e->keys);
	if (e->cfg.on_state != NULL)
		e->cfg.on_state(e->cfg.ctx, e, 1);
}

static void
heard(struct ike *e)
{
	e->heard = 1;
	e->last_rx = now(e);
}

/* ---- the exchanges ---- */

static void
retx_arm(struct ike *e)
{
	e->retx_wait = e->cfg.retx_min;
	e->retx_count = 0;
	sb_timer_set(e->pf, &e->retx_timer, now(e) + e->retx_wait, retx_fire,
	    e);
}

/* Our IKE_SA_INIT message into k (the request with proposal 1, or the
 * response with the number of the proposal chosen): SA, KE and our
 * nonce; a copy into keep, for the AUTH payloads.  Its length. */
static size_t
init_msg(struct ike *e, struct kept *k, uint8_t num, uint8_t *keep)
{
	int ini = e->cfg.role == IKE_INITIATOR;
	struct wb w;
	size_t at, len;

	msg_begin(e, &w, k->b, X_IKE_SA_INIT, !ini, 0);
	sa_payload(e, &w, PROTO_IKE, num, 0);
	at = pl_open(&w, P_KE);
	w16(&w, (uint16_t)e->cfg.dh_group);
	w16(&w, 0);
	wbytes(&w, e->ke, e->ke_len);
	pl_close(&w, at);
	at = pl_open(&w, P_NONCE);
	wbytes(&w, ini ? e->ni : e->nr, ini ? e->ni_len : e->nr_len);
	pl_close(&w, at);
	len = msg_end(&w);
	memcpy(keep, k->b, len);
	return len;
}

/* Initiator: a new IKE SA, its IKE_SA_INIT request. */
static void
begin(struct ike *e)
{

	e->state = IKE_HANDSHAKE;
	e->phase = 1;
	e->hs_started = now(e);
	e->st.handshakes++;
	emit(e, "tunnel-handshake", "ikev2", 0);
	rng_cb(e, e->spi_i, 8);
	if (is_zero(e->spi_i, 8))
		e->spi_i[0] = 1;
	memset(e->spi_r, 0, 8);
	e->ni_len = NONCE_LEN;
	rng_cb(e, e->ni, NONCE_LEN);
	e->my_mid = 0;
	e->peer_mid = 0;
	if (dh_make(e) < 0) {
		hs_failed(e, "diffie-hellman failed");
		return;
	}
	e->init_req_len = init_msg(e, &e->req, 1, e->init_req);
	send_kept(e, &e->req, e->init_req_len, e->my_mid++);
	retx_arm(e);
}

/* The IKE_AUTH payloads of either side: ID, AUTH, SA, TSi, TSr. */
static void
auth_payloads(struct ike *e, struct wb *in, uint8_t num)
{
	int ini = e->cfg.role == IKE_INITIATOR;
	size_t at = in->len + 4;
	uint8_t mac[PRF_LEN];

	id_payload(e, in, ini ? P_IDI : P_IDR);
	if (in->bad)
		return;
	auth_of(e, ini, in->b + at, in->len - at, mac);
	at = pl_open(in, P_AUTH);
	w8(in, AUTH_SHARED_KEY);
	wbytes(in, NULL, 3);
	wbytes(in, mac, PRF_LEN);
	pl_close(in, at);
	sa_payload(e, in, PROTO_ESP, num, e->spi_in);
	ts_payload(in, P_TSI);
	ts_payload(in, P_TSR);
}

/* Check the peer's ID and AUTH payloads; NULL, or why not. */
static const char *
check_auth(struct ike *e, const struct pl *id, const struct pl *auth)
{
	int peer_ini = e->cfg.role == IKE_RESPONDER;
	uint8_t mac[PRF_LEN], diff = 0;

	if (id->n < 4 || auth->n != 4 + PRF_LEN || auth->b[0] !=
	    AUTH_SHARED_KEY)
		return "unexpected ID or AUTH payload";
	if (e->peer_id != NULL && (id->n - 4 != strlen(e->peer_id) ||
	    memcmp(id->b + 4, e->peer_id, id->n - 4) != 0))
		return "unknown peer identity";
	auth_of(e, peer_ini, id->b, id->n, mac);
	for (int i = 0; i < PRF_LEN; i++)
		diff |= mac[i] ^ auth->b[4 + i];
	return diff ? "AUTH payload did not verify (pre-shared key)" : NULL;
}

/* An error notification in the clear, to an IKE_SA_INIT request. */
static void
init_refuse(struct ike *e, const uint8_t *m, uint16_t type)
{
	uint8_t buf[MSG_MAX], grp[2];
	struct wb w = { buf, 0, MSG_MAX, 16, 0 };

	wbytes(&w, m, 8);
	wbytes(&w, NULL, 8);
	w8(&w, P_NONE);
	w8(&w, 0x20);
	w8(&w, X_IKE_SA_INIT);
	w8(&w, F_RESPONSE);
	w32(&w, 0);
	w32(&w, 0);
	put16(grp, (uint16_t)e->cfg.dh_group);
	notify_payload(&w, type, grp, type == N_INVALID_KE_PAYLOAD ? 2 : 0);
	send_msg(e, buf, msg_end(&w));
	emit(e, "tunnel-handshake-failed", notify_name(type), 0);
}

/* Responder: an IKE_SA_INIT request. */
static void
responder_init(struct ike *e, uint8_t *m, size_t len)
{
	struct pl v[MAX_PAYLOADS];
	const struct pl *sa, *ke, *no;
	uint8_t num;
	int n, rc;

	if (e->state != IKE_IDLE && memcmp(m, e->spi_i, 8) == 0) {
		/* a retransmission: the same answer, or none once up */
		if (e->phase == 1 && e->resp.valid && e->resp.mid == 0)
			send_msg(e, e->resp.b, e->resp.len);
		return;
	}
	if ((n = chain(m[16], m + HDR, len - HDR, v, MAX_PAYLOADS)) < 0 ||
	    (sa = find(v, n, P_SA)) == NULL ||
	    (ke = find(v, n, P_KE)) == NULL ||
	    (no = find(v, n, P_NONCE)) == NULL || ke->n < 4 ||
	    no->n < 16 || no->n > NONCE_MAX ||
	    (rc = sa_pick(e, sa, PROTO_IKE, &num, NULL)) < 0) {
		e->st.drop_malformed++;
		return;
	}
	e->st.ike_rx++;
	if (rc > 0) {
		init_refuse(e, m, N_NO_PROPOSAL_CHOSEN);
		return;
	}
	if (get16(ke->b) != e->cfg.dh_group) {
		init_refuse(e, m, N_INVALID_KE_PAYLOAD);
		return;
	}
	if (e->state != IKE_IDLE)
		go_down(e, "peer-restarted");
	e->state = IKE_HANDSHAKE;
	e->phase = 1;
	e->hs_started = now(e);
	e->st.handshakes++;
	memcpy(e->spi_i, m, 8);
	rng_cb(e, e->spi_r, 8);
	if (is_zero(e->spi_r, 8))
		e->spi_r[0] = 1;
	memcpy(e->ni, no->b, no->n);
	e->ni_len = no->n;
	e->nr_len = NONCE_LEN;
	rng_cb(e, e->nr, NONCE_LEN);
	if (dh_make(e) < 0 || dh_shared(e, ke->b + 4, ke->n - 4) < 0) {
		e->st.drop_malformed++;
		reset(e);
		return;
	}
	ike_keys(e);
	memcpy(e->init_req, m, len);
	e->init_req_len = len;
	e->init_resp_len = init_msg(e, &e->resp, num, e->init_resp);
	e->peer_mid = 1;
	e->my_mid = 0;
	send_kept(e, &e->resp, e->init_resp_len, 0);
}

/* Initiator: the IKE_SA_INIT response; on to IKE_AUTH. */
static void
initiator_init(struct ike *e, uint8_t *m, size_t len)
{
	struct pl v[MAX_PAYLOADS];
	const struct pl *sa, *ke, *no;
	uint8_t inner[MSG_MAX], num;
	struct wb w, in;
	uint16_t err;
	int n;

	if (e->state != IKE_HANDSHAKE || e->phase != 1 ||
	    get32(m + 20) != 0 || memcmp(m, e->spi_i, 8) != 0 ||
	    (n = chain(m[16], m + HDR, len - HDR, v, MAX_PAYLOADS)) < 0) {
		e->st.drop_malformed++;
		return;
	}
	if ((err = notify_error(v, n)) != 0) {
		e->st.ike_rx++;
		hs_failed(e, notify_name(err));
		return;
	}
	if ((sa = find(v, n, P_SA)) == NULL ||
	    (ke = find(v, n, P_KE)) == NULL ||
	    (no = find(v, n, P_NONCE)) == NULL || ke->n < 4 ||
	    no->n < 16 || no->n > NONCE_MAX || is_zero(m + 8, 8) ||
	    sa_pick(e, sa, PROTO_IKE, &num, NULL) != 0 ||
	    get16(ke->b) != e->cfg.dh_group) {
		e->st.drop_malformed++;
		return;
	}
	if (dh_shared(e, ke->b + 4, ke->n - 4) < 0) {
		e->st.drop_malformed++;
		return;
	}
	e->st.ike_rx++;
	memcpy(e->spi_r, m + 8, 8);
	memcpy(e->nr, no->b, no->n);
	e->nr_len = no->n;
	memcpy(e->init_resp, m, len);
	e->init_resp_len = len;
	ike_keys(e);
	e->spi_in = rand_spi(e);
	msg_begin(e, &w, e->req.b, X_IKE_AUTH, 0, e->my_mid);
	inner_begin(&in, inner);
	auth_payloads(e, &in, 1);
	e->phase = 2;
	send_kept(e, &e->req, sk_seal(e, &w, &in), e->my_mid++);
	retx_arm(e);
}

/* Responder: the IKE_AUTH request. */
static void
responder_auth(struct ike *e, uint8_t *m, size_t len)
{
	struct pl v[MAX_PAYLOADS];
	const struct pl *id, *auth, *sa;
	uint8_t inner[MSG_MAX], num;
	const char *why;
	struct wb w, in;
	int n, rc;

	if ((n = sk_open(e, m, len, v)) < 0 ||
	    (id = find(v, n, P_IDI)) == NULL ||
	    (auth = find(v, n, P_AUTH)) == NULL ||
	    (sa = find(v, n, P_SA)) == NULL ||
	    find(v, n, P_TSI) == NULL || find(v, n, P_TSR) == NULL ||
	    (rc = sa_pick(e, sa, PROTO_ESP, &num, &e->spi_out)) < 0) {
		if (n == -2)
			e->st.drop_forged++;
		else
			e->st.drop_malformed++;
		return;
	}
	e->st.ike_rx++;
	heard(e);
	e->peer_mid = 2;
	msg_begin(e, &w, e->resp.b, X_IKE_AUTH, 1, 1);
	inner_begin(&in, inner);
	if ((why = check_auth(e, id, auth)) != NULL || rc > 0) {
		notify_payload(&in, why != NULL ? N_AUTHENTICATION_FAILED :
		    N_NO_PROPOSAL_CHOSEN, NULL, 0);
		send_kept(e, &e->resp, sk_seal(e, &w, &in), 1);
		if (why != NULL)
			auth_failed(e, why);
		else
			hs_failed(e, "NO_PROPOSAL_CHOSEN");
		return;
	}
	e->spi_in = rand_spi(e);
	auth_payloads(e, &in, num);
	send_kept(e, &e->resp, sk_seal(e, &w, &in), 1);
	child_keys(e);
	became_up(e);
}

/* Initiator: the IKE_AUTH response. */
static void
initiator_auth(struct ike *e, uint8_t *m, size_t len)
{
	struct pl v[MAX_PAYLOADS];
	const struct pl *id, *auth, *sa;
	const char *why;
	uint16_t err;
	uint8_t num;
	int n = 0;

	if (e->phase != 2 || (n = sk_open(e, m, len, v)) < 0) {
		if (e->phase == 2 && n == -2)
			e->st.drop_forged++;
		else
			e->st.drop_malformed++;
		return;
	}
	e->st.ike_rx++;
	heard(e);
	e->req.valid = 0;
	if ((err = notify_error(v, n)) != 0) {
		if (err == N_AUTHENTICATION_FAILED)
			auth_failed(e, "responder refused our AUTH "
			    "(AUTHENTICATION_FAILED)");
		else
			hs_failed(e, notify_name(err));
		return;
	}
	if ((id = find(v, n, P_IDR)) == NULL ||
	    (auth = find(v, n, P_AUTH)) == NULL ||
	    (sa = find(v, n, P_SA)) == NULL ||
	    find(v, n, P_TSI) == NULL || find(v, n, P_TSR) == NULL ||
	    sa_pick(e, sa, PROTO_ESP, &num, &e->spi_out) != 0) {
		hs_failed(e, "IKE_AUTH response without a child SA");
		return;
	}
	if ((why = check_auth(e, id, auth)) != NULL) {
		auth_failed(e, why);
		return;
	}
	child_keys(e);
	became_up(e);
}

/* An INFORMATIONAL request of ours: empty (a DPD probe) or a Delete of
 * the IKE SA. */
static size_t
informational(struct ike *e, uint8_t *buf, int response, uint32_t mid,
    int delete)
{
	uint8_t inner[MSG_MAX];
	struct wb w, in;

	msg_begin(e, &w, buf, X_INFORMATIONAL, response, mid);
	inner_begin(&in, inner);
	if (delete) {
		size_t at = pl_open(&in, P_DELETE);

		w8(&in, PROTO_IKE);
		w8(&in, 0);
		w16(&in, 0);
		pl_close(&in, at);
	}
	return sk_seal(e, &w, &in);
}

static void
info_input(struct ike *e, uint8_t *m, size_t len, int response,
    uint32_t mid)
{
	struct pl v[MAX_PAYLOADS];
	int n;

	if (e->state != IKE_UP) {
		e->st.drop_malformed++;
		return;
	}
	if (response) {
		if (!e->req.valid || mid != e->req.mid) {
			e->st.drop_malformed++;
			return;
		}
	} else if (mid + 1 == e->peer_mid && e->resp.valid &&
	    e->resp.mid == mid) {
		send_msg(e, e->resp.b, e->resp.len);
		return;
	} else if (mid != e->peer_mid) {
		e->st.drop_malformed++;
		return;
	}
	if ((n = sk_open(e, m, len, v)) < 0) {
		if (n == -2)
			e->st.drop_forged++;
		else
			e->st.drop_malformed++;
		return;
	}
	e->st.ike_rx++;
	heard(e);
	if (response) {
		e->req.valid = 0;
		e->st.dpd_answered++;
		return;
	}
	e->peer_mid++;
	send_kept(e, &e->resp, informational(e, e->resp.b, 1, mid, 0), mid);
	for (int i = 0; i < n; i++)
		if (v[i].type == P_DELETE && v[i].n >= 4 &&
		    v[i].b[0] == PROTO_IKE) {
			go_down(e, "peer-deleted");
			return;
		}
}

/* An IKE message m[0..len), the marker taken off. */
static void
ike_msg(struct ike *e, uint8_t *m, size_t len)
{
	int resp, ini = e->cfg.role == IKE_INITIATOR;
	uint8_t exch, flags;
	uint32_t mid;

	if (len < HDR || len > MSG_MAX || get32(m + 24) != len ||
	    m[17] >> 4 != 2 || is_zero(m, 8)) {
		e->st.drop_malformed++;
		return;
	}
	exch = m[18];
	flags = m[19];
	mid = get32(m + 20);
	resp = (flags & F_RESPONSE) != 0;
	/* from the other role, and a response only to the initiator of
	 * IKE_SA_INIT and IKE_AUTH */
	if (((flags & F_INITIATOR) != 0) == ini) {
		e->st.drop_malformed++;
		return;
	}
	if (exch == X_IKE_SA_INIT) {
		if (!ini && !resp && mid == 0 && is_zero(m + 8, 8))
			responder_init(e, m, len);
		else if (ini && resp)
			initiator_init(e, m, len);
		else
			e->st.drop_malformed++;
		return;
	}
	if (e->state == IKE_IDLE || memcmp(m, e->spi_i, 8) != 0 ||
	    memcmp(m + 8, e->spi_r, 8) != 0) {
		e->st.drop_malformed++;
		return;
	}
	if (exch == X_IKE_AUTH && mid == 1 && resp == ini) {
		if (!ini && e->state == IKE_UP) {
			/* our answer went missing: say it again */
			if (e->resp.valid && e->resp.mid == 1)
				send_msg(e, e->resp.b, e->resp.len);
		} else if (ini) {
			initiator_auth(e, m, len);
		} else if (e->phase == 1) {
			responder_auth(e, m, len);
		} else {
			e->st.drop_malformed++;
		}
		return;
	}
	if (exch == X_INFORMATIONAL) {
		info_input(e, m, len, resp, mid);
		return;
	}
	e->st.drop_malformed++;
}

/* ---- timers ---- */

static void
retry_fire(void *arg)
{
	struct ike *e = arg;

	e->retry_timer = 0;
	if (!e->running || e->state != IKE_IDLE)
		return;
	begin(e);
}

static void
retx_fire(void *arg)
{
	struct ike *e = arg;

	e->retx_timer = 0;
	if (e->state != IKE_HANDSHAKE || !e->req.valid)
		return;
	if (e->retx_count >= e->cfg.retx_tries) {
		hs_failed(e, "handshake-timeout");
		return;
	}
	e->retx_count++;
	e->st.hs_retransmits++;
	emit(e, "tunnel-handshake-retransmit",
	    e->phase == 1 ? "IKE_SA_INIT" : "IKE_AUTH", e->retx_count);
	send_msg(e, e->req.b, e->req.len);
	e->retx_wait *= 2;
	if (e->retx_wait > e->cfg.retx_max)
		e->retx_wait = e->cfg.retx_max;
	sb_timer_set(e->pf, &e->retx_timer, now(e) + e->retx_wait, retx_fire,
	    e);
}

/* RFC 7296 2.4: only a peer silent for a whole interval is probed; a
 * probe still unanswered at the next tick is a miss, and resent. */
static void
dpd_fire(void *arg)
{
	struct ike *e = arg;

	e->dpd_timer = 0;
	if (e->state != IKE_UP)
		return;
	if (e->heard) {
		e->heard = 0;
		e->misses = 0;
	} else if (e->req.valid) {
		if (++e->misses >= e->cfg.dpd_misses) {
			go_down(e, "dead-peer");
			return;
		}
		send_msg(e, e->req.b, e->req.len);
	} else {
		send_kept(e, &e->req, informational(e, e->req.b, 0, e->my_mid, 0),
		    e->my_mid);
		e->my_mid++;
		e->st.dpd_sent++;
	}
	sb_timer_set(e->pf, &e->dpd_timer, now(e) + e->cfg.dpd, dpd_fire, e);
}

/* ---- ESP ---- */

static uint32_t
esp_len(uint32_t n)
{
	uint32_t body = (n + IKE_ESP_TRAILER + 3) & ~3u;

	return IKE_ESP_HDR + body + IKE_ESP_ICV;
}

int
ike_send(struct ike *e, struct sb_packet *p)
{
	uint8_t *d = p->data;
	uint32_t n = p->len, pad, total;

	if (e->state != IKE_UP || !e->child || e->seq_out == UINT32_MAX) {
		/* (no rekeying: a child SA whose counter ran out is spent) */
		e->st.drop_not_up++;
		put(e, &p);
		return -1;
	}
	total = esp_len(n);
	if (n > ike_inner_mtu(e) || total > p->cap) {
		e->st.drop_too_big++;
		put(e, &p);
		return -1;
	}
	pad = total - IKE_ESP_HDR - IKE_ESP_ICV - n - IKE_ESP_TRAILER;
	memmove(d + IKE_ESP_HDR, d, n);
	e->seq_out++;
	put32(d, e->spi_out);
	put32(d + 4, e->seq_out);
	/* the IV: the sequence number, unique under the SA's key */
	put32(d + 8, 0);
	put32(d + 12, e->seq_out);
	for (uint32_t i = 0; i < pad; i++)
		d[IKE_ESP_HDR + n + i] = (uint8_t)(i + 1);
	d[IKE_ESP_HDR + n + pad] = (uint8_t)pad;
	d[IKE_ESP_HDR + n + pad + 1] = NEXT_IPV4;
	if (aead_run(&e->esp_out, d + 8, d, 8, d + IKE_ESP_HDR,
	    n + pad + IKE_ESP_TRAILER) < 0) {
		put(e, &p);
		return -1;
	}
	e->st.tx_records++;
	e->st.tx_bytes += n;
	p->len = total;
	p->size = total + IKE_UDP_IP_HDR;
	e->pf->ops->send(e->pf->ctx, e->cfg.link, p);
	return 0;
}

/* RFC 4303 3.4.3: reject 0, what is left of the window, and what the
 * window has seen. */
static int
replayed(const struct ike *e, uint32_t seq)
{
	if (seq == 0)
		return 1;
	if (seq > e->top)
		return 0;
	if (e->top - seq >= REPLAY_WINDOW)
		return 1;
	return (int)(e->win >> (e->top - seq) & 1);
}

static void
accept_seq(struct ike *e, uint32_t seq)
{
	if (seq > e->top) {
		uint32_t shift = seq - e->top;

		e->win = shift >= REPLAY_WINDOW ? 0 : e->win << shift;
		e->win |= 1;
		e->top = seq;
	} else {
		e->win |= UINT64_C(1) << (e->top - seq);
	}
}

static void
esp_input(struct ike *e, struct sb_packet *p)
{
	uint8_t *d = p->data;
	uint32_t len = p->len, seq, n, pad;

	if (!e->child || get32(d) != e->spi_in ||
	    len < IKE_ESP_HDR + 4 + IKE_ESP_ICV ||
	    (len - IKE_ESP_HDR - IKE_ESP_ICV) % 4 != 0) {
		e->st.drop_malformed++;
		put(e, &p);
		return;
	}
	seq = get32(d + 4);
	if (replayed(e, seq)) {
		e->st.drop_replayed++;
		put(e, &p);
		return;
	}
	n = len - IKE_ESP_HDR - IKE_ESP_ICV;
	if (aead_run(&e->esp_in, d + 8, d, 8, d + IKE_ESP_HDR, n) < 0) {
		e->st.drop_forged++;
		put(e, &p);
		return;
	}
	accept_seq(e, seq);
	heard(e);
	pad = d[IKE_ESP_HDR + n - 2];
	if (pad + IKE_ESP_TRAILER > n || (d[IKE_ESP_HDR + n - 1] != NEXT_IPV4 &&
	    d[IKE_ESP_HDR + n - 1] != NEXT_NONE)) {
		e->st.drop_malformed++;
		put(e, &p);
		return;
	}
	e->st.rx_records++;
	n -= pad + IKE_ESP_TRAILER;
	e->st.rx_bytes += n;
	if (d[IKE_ESP_HDR + n + pad + 1] == NEXT_NONE) {
		put(e, &p);            /* a dummy packet (RFC 4303 2.6) */
		return;
	}
	if (n < 20 || d[IKE_ESP_HDR] >> 4 != 4) {
		e->st.drop_malformed++;
		put(e, &p);
		return;
	}
	memmove(d, d + IKE_ESP_HDR, n);
	p->len = n;
	p->size = n;
	e->st.delivered++;
	e->pf->ops->deliver(e->pf->ctx, p);
}

void
ike_input(struct ike *e, struct sb_packet *p)
{
	if (p->data == NULL || p->len < MARKER) {
		e->st.drop_malformed++;
		put(e, &p);
		return;
	}
	if (!is_zero(p->data, MARKER)) {
		esp_input(e, p);
		return;
	}
	if (e->running)
		ike_msg(e, p->data + MARKER, p->len - MARKER);
	put(e, &p);
}

/* ---- the life cycle ---- */

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

struct ike *
ike_new(const struct sb_platform *pf, const struct ike_cfg *cfg, char *err,
    size_t errlen)
{
	struct ike *e;
	const mbedtls_md_info_t *sha256;
	static const uint8_t p_bin[] = MBEDTLS_DHM_RFC3526_MODP_2048_P_BIN;
	static const uint8_t g_bin[] = MBEDTLS_DHM_RFC3526_MODP_2048_G_BIN;
	mbedtls_mpi pp, gg;
	int rc;

	if (cfg->psk == NULL || cfg->psk_len == 0) {
		snprintf(err, errlen, "IPsec endpoint '%s': no pre-shared key",
		    cfg->name != NULL ? cfg->name : "?");
		return NULL;
	}
	if (cfg->dh_group != 0 && cfg->dh_group != IKE_DH_ECP256 &&
	    cfg->dh_group != IKE_DH_MODP2048) {
		snprintf(err, errlen, "IPsec endpoint '%s': DH group %u not "
		    "supported (19 or 14)", cfg->name != NULL ? cfg->name :
		    "?", cfg->dh_group);
		return NULL;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		goto oom;
	e->pf = pf;
	e->cfg = *cfg;
	if (e->cfg.dh_group == 0)
		e->cfg.dh_group = IKE_DH_ECP256;
	if (e->cfg.mtu == 0)
		e->cfg.mtu = IKE_MTU_DEFAULT;
	if (e->cfg.dpd <= 0)
		e->cfg.dpd = IKE_DPD_DEFAULT;
	if (e->cfg.dpd_misses == 0)
		e->cfg.dpd_misses = IKE_DPD_MISSES_DEFAULT;
	if (e->cfg.retx_min <= 0)
		e->cfg.retx_min = IKE_RETX_MIN_DEFAULT;
	if (e->cfg.retx_max <= 0)
		e->cfg.retx_max = IKE_RETX_MAX_DEFAULT;
	if (e->cfg.retx_tries == 0)
		e->cfg.retx_tries = IKE_RETX_TRIES_DEFAULT;
	if (e->cfg.retry_min <= 0)
		e->cfg.retry_min = IKE_RETRY_MIN_DEFAULT;
	if (e->cfg.retry_max <= 0)
		e->cfg.retry_max = IKE_RETRY_MAX_DEFAULT;
	e->retry_wait = e->cfg.retry_min;
	e->up_since = e->last_rx = SB_TIME_NEVER;
	mbedtls_ecp_group_init(&e->grp);
	mbedtls_mpi_init(&e->d);
	mbedtls_ecp_point_init(&e->q);
	mbedtls_dhm_init(&e->dhm);
	mbedtls_md_init(&e->md);
	e->ike_out.c = EVP_CIPHER_CTX_new();
	e->ike_in.c = EVP_CIPHER_CTX_new();
	e->esp_out.c = EVP_CIPHER_CTX_new();
	e->esp_in.c = EVP_CIPHER_CTX_new();
	e->name = strdup(cfg->name != NULL ? cfg->name : "ike");
	e->id = strdup(cfg->id != NULL ? cfg->id : e->name != NULL ?
	    e->name : "");
	e->peer_id = dup_or_null(cfg->peer_id);
	if ((e->psk = malloc(cfg->psk_len)) != NULL)
		memcpy(e->psk, cfg->psk, cfg->psk_len);
	if (e->name == NULL || e->id == NULL || e->psk == NULL ||
	    (cfg->peer_id != NULL && e->peer_id == NULL) ||
	    e->ike_out.c == NULL || e->ike_in.c == NULL ||
	    e->esp_out.c == NULL || e->esp_in.c == NULL)
		goto oom_free;
	if ((sha256 = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256)) == NULL ||
	    mbedtls_md_setup(&e->md, sha256, 1) != 0)
		goto oom_free;
	if (e->cfg.dh_group == IKE_DH_ECP256) {
		rc = mbedtls_ecp_group_load(&e->grp, MBEDTLS_ECP_DP_SECP256R1);
	} else {
		mbedtls_mpi_init(&pp);
		mbedtls_mpi_init(&gg);
		rc = mbedtls_mpi_read_binary(&pp, p_bin, sizeof(p_bin)) ||
		    mbedtls_mpi_read_binary(&gg, g_bin, sizeof(g_bin)) ||
		    mbedtls_dhm_set_group(&e->dhm, &pp, &gg);
		mbedtls_mpi_free(&pp);
		mbedtls_mpi_free(&gg);
	}
	if (rc != 0)
		goto oom_free;
	return e;
oom_free:
	ike_free(e);
oom:
	snprintf(err, errlen, "IPsec endpoint '%s': out of memory",
	    cfg->name != NULL ? cfg->name : "?");
	return NULL;
}

void
ike_free(struct ike *e)
{
	if (e == NULL)
		return;
	sb_timer_stop(e->pf, &e->retx_timer);
	sb_timer_stop(e->pf, &e->retry_timer);
	sb_timer_stop(e->pf, &e->dpd_timer);
	mbedtls_ecp_group_free(&e->grp);
	mbedtls_mpi_free(&e->d);
	mbedtls_ecp_point_free(&e->q);
	mbedtls_dhm_free(&e->dhm);
	mbedtls_md_free(&e->md);
	EVP_CIPHER_CTX_free(e->ike_out.c);
	EVP_CIPHER_CTX_free(e->ike_in.c);
	EVP_CIPHER_CTX_free(e->esp_out.c);
	EVP_CIPHER_CTX_free(e->esp_in.c);
	if (e->psk != NULL)
		memset(e->psk, 0, e->cfg.psk_len);
	free(e->psk);
	free(e->name);
	free(e->id);
	free(e->peer_id);
	free(e);
}

void
ike_start(struct ike *e)
{
	if (e->running)
		return;
	e->running = 1;
	e->retry_wait = e->cfg.retry_min;
	if (e->cfg.role == IKE_INITIATOR && e->state == IKE_IDLE)
		begin(e);
}

void
ike_stop(struct ike *e, const char *reason)
{
	if (!e->running)
		return;
	e->running = 0;
	sb_timer_stop(e->pf, &e->retry_timer);
	if (e->state == IKE_UP) {
		uint8_t buf[MSG_MAX];

		send_msg(e, buf, informational(e, buf, 0, e->my_mid++, 1));
	}
	go_down(e, reason != NULL ? reason : "stopped");
}

void
ike_crash(struct ike *e)
{
	if (!e->running)
		return;
	e->running = 0;
	sb_timer_stop(e->pf, &e->retry_timer);
	go_down(e, "crashed");
}

enum ike_state
ike_state(const struct ike *e)
{
	return e->state;
}

const struct ike_stats *
ike_stats(const struct ike *e)
{
	return &e->st;
}

const char *
ike_name(const struct ike *e)
{
	return e->name;
}

uint32_t
ike_overhead(const struct ike *e)
{
	(void)e;
	return IKE_ESP_HDR + 3 + IKE_ESP_TRAILER + IKE_ESP_ICV +
	    IKE_UDP_IP_HDR;
}

uint32_t
ike_inner_mtu(const struct ike *e)
{
	uint32_t room = e->cfg.mtu - IKE_UDP_IP_HDR - IKE_ESP_HDR -
	    IKE_ESP_ICV;

	if (e->cfg.mtu < IKE_UDP_IP_HDR + IKE_ESP_HDR + IKE_ESP_ICV + 4)
		return 0;
	return (room & ~3u) - IKE_ESP_TRAILER;
}

sb_time
ike_up_since(const struct ike *e)
{
	return e->up_since;
}

sb_time
ike_last_rx(const struct ike *e)
{
	return e->last_rx;
}
