/*
 * The IPsec endpoint (wan/ike.c): an initiator and a responder, each on a
 * fake platform of its own, joined by a wire in this file that carries
 * datagrams one way in ONE_WAY and can lose, hold or copy them.
 *
 * Figures checked:
 * - The exchange takes two round trips (IKE_SA_INIT, IKE_AUTH) and four
 *   messages; the responder is up when the IKE_AUTH request arrives, the
 *   initiator half a round trip later (RFC 7296 1.2).
 * - A lost IKE_SA_INIT request goes again 1 s after the first (the
 *   retransmission timer's first interval), and the SA comes up then.
 * - DPD every 10 s, 3 misses: a responder gone silent right after the
 *   exchange is probed at 10 s and declared dead at 40 s (the probe and
 *   its two resends unanswered, each 10 s apart).
 *
 * With SB_IKE_PCAP set to a folder, the capture test writes ike.pcap and
 * the key tables tshark takes (tests/scenarios/ike.sh reads them).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "pcap/capture.h"
#include "tests/unit/fake_platform.h"
#include "wan/byteorder.h"
#include "wan/ike.h"

/* Not a round number, so that no timer (whole seconds) lands on an
 * arrival. */
#define ONE_WAY (10 * SB_MS + 37)
#define WIRE_MAX 256
#define KEEP_MAX 128

static const uint8_t psk[] = "a shared key of the test";
static const uint8_t psk_bad[] = "another key altogether!!";

struct net;

struct end {
	struct net *n;
	struct fake *f;
	struct ike *e;
	int ups, downs;
	int delivered;
	uint8_t last_inner[SB_PACKET_BUF];
	uint32_t last_inner_len;
	struct ike_keys keys;
	int have_keys;
};

struct dgram {
	sb_time at;
	int to;                    /* 0: initiator, 1: responder */
	uint8_t b[SB_PACKET_BUF];
	uint32_t len;
};

struct net {
	struct end s[2];           /* 0: initiator (site), 1: responder */
	struct dgram wire[WIRE_MAX];
	int nwire;
	/* loss: drop the next drop_next[i] datagrams sent by side i, or
	 * every one while silent[i] */
	int drop_next[2], silent[2];
	/* copies of datagrams sent, for the tests to replay or inspect */
	struct dgram kept[KEEP_MAX];
	int nkept;
	struct capture *cap;
	uint64_t hash;             /* FNV-1a of every datagram sent */
};

/* ---- the wire ---- */

static int
on_send(void *arg, unsigned link, struct sb_packet *p)
{
	struct end *sd = arg;
	struct net *n = sd->n;
	int from = sd == &n->s[1];

	(void)link;
	for (uint32_t i = 0; i < p->len; i++)
		n->hash = (n->hash ^ p->data[i]) * UINT64_C(1099511628211);
	if (n->cap != NULL)
		capture_udp(n->cap, fake_now(sd->f), from ? 0xc6336401u :
		    0xc0000201u, 4500, from ? 0xc0000201u : 0xc6336401u,
		    4500, p->data, p->len);
	if (n->nkept < KEEP_MAX) {
		struct dgram *k = &n->kept[n->nkept++];

		k->at = fake_now(sd->f);
		k->to = !from;
		memcpy(k->b, p->data, p->len);
		k->len = p->len;
	}
	if (n->silent[from] || n->drop_next[from] > 0) {
		if (n->drop_next[from] > 0)
			n->drop_next[from]--;
		fake_platform(sd->f)->ops->packet_free(sd->f, p);
		return 0;
	}
	ck_assert_int_lt(n->nwire, WIRE_MAX);
	n->wire[n->nwire].at = fake_now(sd->f) + ONE_WAY;
	n->wire[n->nwire].to = !from;
	memcpy(n->wire[n->nwire].b, p->data, p->len);
	n->wire[n->nwire].len = p->len;
	n->nwire++;
	fake_platform(sd->f)->ops->packet_free(sd->f, p);
	return 0;
}

static void
on_deliver(void *arg, struct sb_packet *p)
{
	struct end *sd = arg;

	sd->delivered++;
	memcpy(sd->last_inner, p->data, p->len);
	sd->last_inner_len = p->len;
	fake_platform(sd->f)->ops->packet_free(sd->f, p);
}

static void
on_state(void *ctx, struct ike *e, int up)
{
	struct net *n = ctx;
	struct end *sd = e == n->s[0].e ? &n->s[0] : &n->s[1];

	if (up)
		sd->ups++;
	else
		sd->downs++;
}

static void
keylog(void *ctx, const struct ike_keys *k)
{
	struct net *n = ctx;
	/* which end: the one whose callback this is cannot be told from
	 * k, so both write the same table; keep the last */
	n->s[0].keys = *k;
	n->s[0].have_keys = 1;
}

/* Hand datagram bytes to side `to` as if off the wire. */
static void
inject(struct net *n, int to, const uint8_t *b, uint32_t len)
{
	struct end *sd = &n->s[to];
	struct sb_packet *p = fake_platform(sd->f)->ops->packet_new(sd->f);

	ck_assert_ptr_nonnull(p);
	memcpy(p->data, b, len);
	p->len = len;
	p->size = len + IKE_UDP_IP_HDR;
	ike_input(sd->e, p);
}

static sb_time
wire_next(const struct net *n, int *idx)
{
	sb_time best = SB_TIME_NEVER;

	*idx = -1;
	for (int i = 0; i < n->nwire; i++)
		if (n->wire[i].at < best) {
			best = n->wire[i].at;
			*idx = i;
		}
	return best;
}

/* Run both ends and the wire until `to`. */
static void
run_until(struct net *n, sb_time to)
{
	for (;;) {
		int wi;
		sb_time ta = fake_next(n->s[0].f, NULL);
		sb_time tb = fake_next(n->s[1].f, NULL);
		sb_time tw = wire_next(n, &wi);
		sb_time t = ta < tb ? ta : tb;

		if (tw < t)
			t = tw;
		if (t > to)
			break;
		fake_advance(n->s[0].f, t);
		fake_advance(n->s[1].f, t);
		if (tw == t) {
			struct dgram d = n->wire[wi];

			/* in the order sent, for equal times */
			memmove(&n->wire[wi], &n->wire[wi + 1],
			    (size_t)(n->nwire - wi - 1) * sizeof(n->wire[0]));
			n->nwire--;
			inject(n, d.to, d.b, d.len);
		}
	}
	fake_advance(n->s[0].f, to);
	fake_advance(n->s[1].f, to);
}

static struct net *
net_new(uint64_t seed, const uint8_t *psk_r, unsigned group)
{
	struct net *n = calloc(1, sizeof(*n));
	char err[256];

	ck_assert_ptr_nonnull(n);
	n->hash = UINT64_C(14695981039346656037);
	for (int i = 0; i < 2; i++) {
		struct end *sd = &n->s[i];
		struct ike_cfg c = {
			.role = i == 0 ? IKE_INITIATOR : IKE_RESPONDER,
			.name = i == 0 ? "site>pop" : "pop<site",
			.id = i == 0 ? "site.example" : "pop.example",
			.peer_id = i == 0 ? "pop.example" : "site.example",
			.psk = i == 0 ? psk : psk_r,
			.psk_len = sizeof(psk) - 1,
			.dh_group = group,
			.on_state = on_state, .keylog = keylog, .ctx = n,
		};

		sd->n = n;
		sd->f = fake_new(seed + (uint64_t)i);
		sd->f->on_send = on_send;
		sd->f->on_deliver = on_deliver;
		sd->f->hook_arg = sd;
		sd->e = ike_new(fake_platform(sd->f), &c, err, sizeof(err));
		ck_assert_msg(sd->e != NULL, "%s", err);
	}
	return n;
}

static void
net_free(struct net *n)
{
	for (int i = 0; i < 2; i++) {
		ike_free(n->s[i].e);
		n->nwire = 0;
		ck_assert_uint_eq(fake_outstanding(n->s[i].f), 0);
		fake_free(n->s[i].f);
	}
	free(n);
}

static void
start(struct net *n)
{
	ike_start(n->s[1].e);
	ike_start(n->s[0].e);
}

/* An IPv4/UDP packet of len bytes, 10.0.1.2:5000 to 10.0.2.2:5001, its
 * payload the byte mark. */
static void
make_inner(uint8_t *b, uint32_t len, uint8_t mark)
{
	uint32_t sum = 0;

	memset(b, mark, len);
	memset(b, 0, 28);
	b[0] = 0x45;
	put16(b + 2, (uint16_t)len);
	b[8] = 64;
	b[9] = 17;
	put32(b + 12, 0x0a000102u);
	put32(b + 16, 0x0a000202u);
	for (int i = 0; i < 20; i += 2)
		sum += get16(b + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(b + 10, (uint16_t)~sum);
	put16(b + 20, 5000);
	put16(b + 22, 5001);
	put16(b + 24, (uint16_t)(len - 20));
}

static int
send_inner(struct net *n, int from, uint32_t len, uint8_t mark)
{
	struct end *sd = &n->s[from];
	struct sb_packet *p = fake_platform(sd->f)->ops->packet_new(sd->f);

	make_inner(p->data, len, mark);
	p->len = len;
	p->size = len;
	return ike_send(sd->e, p);
}

static int
is_esp(const struct dgram *d)
{
	return d->len >= 4 && get32(d->b) != 0;
}

/* ---- tests ---- */

START_TEST(exchange_and_data)
{
	struct net *n = net_new(1, psk, 0);
	const struct ike_stats *a, *b;

	start(n);
	run_until(n, 3 * ONE_WAY - 1);
	ck_assert_int_eq(ike_state(n->s[1].e), IKE_HANDSHAKE);
	run_until(n, 3 * ONE_WAY);
	ck_assert_int_eq(ike_state(n->s[1].e), IKE_UP);
	ck_assert_int_eq(ike_state(n->s[0].e), IKE_HANDSHAKE);
	run_until(n, 4 * ONE_WAY);
	ck_assert_int_eq(ike_state(n->s[0].e), IKE_UP);
	ck_assert_int_eq(ike_up_since(n->s[0].e), 4 * ONE_WAY);
	ck_assert_int_eq(n->s[0].ups, 1);
	ck_assert_int_eq(n->s[1].ups, 1);
	a = ike_stats(n->s[0].e);
	b = ike_stats(n->s[1].e);
	ck_assert_uint_eq(a->ike_tx, 2);
	ck_assert_uint_eq(b->ike_tx, 2);
	ck_assert_uint_eq(a->hs_retransmits, 0);
	ck_assert_uint_eq(fake_event_count(n->s[0].f, "tunnel-up", NULL), 1);

	for (int i = 0; i < 10; i++) {
		ck_assert_int_eq(send_inner(n, 0, 100 + (uint32_t)i, 'a'), 0);
		ck_assert_int_eq(send_inner(n, 1, 1000, 'b'), 0);
	}
	run_until(n, 5 * ONE_WAY);
	ck_assert_int_eq(n->s[1].delivered, 10);
	ck_assert_int_eq(n->s[0].delivered, 10);
	ck_assert_uint_eq(n->s[0].last_inner_len, 1000);
	ck_assert_uint_eq(n->s[1].last_inner_len, 109);
	ck_assert_int_eq(n->s[1].last_inner[108], 'a');
	ck_assert_uint_eq(a->tx_records, 10);
	ck_assert_uint_eq(b->rx_records, 10);
	ck_assert_uint_eq(a->drop_malformed + b->drop_malformed +
	    a->drop_forged + b->drop_forged, 0);
	/* the largest inner packet that fits 1500 goes; one more does not */
	ck_assert_uint_eq(ike_inner_mtu(n->s[0].e), 1438);
	ck_assert_int_eq(send_inner(n, 0, 1438, 'c'), 0);
	ck_assert_int_eq(send_inner(n, 0, 1439, 'c'), -1);
	ck_assert_uint_eq(a->drop_too_big, 1);
	ck_assert_uint_eq(n->kept[n->nkept - 1].len, 1500 - IKE_UDP_IP_HDR);
	run_until(n, 6 * ONE_WAY);
	ck_assert_int_eq(n->s[1].delivered, 11);
	net_free(n);
}
END_TEST

/* The first ESP packet, read byte by byte and opened with the keys the
 * keylog gave, outside wan/ike.c. */
START_TEST(esp_bytes)
{
	struct net *n = net_new(2, psk, 0);
	const struct dgram *d = NULL;
	const struct ike_keys *k = &n->s[0].keys;
	uint8_t pt[SB_PACKET_BUF], nonce[12], inner[64];
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int outl, fin;
	uint32_t ctlen;

	start(n);
	run_until(n, SB_S / 2);
	ck_assert_int_eq(ike_state(n->s[0].e), IKE_UP);
	ck_assert(n->s[0].have_keys);
	make_inner(inner, 61, 'x');
	ck_assert_int_eq(send_inner(n, 0, 61, 'x'), 0);
	for (int i = 0; i < n->nkept; i++)
		if (is_esp(&n->kept[i]))
			d = &n->kept[i];
	ck_assert_ptr_nonnull(d);
	/* SPI: the responder's inbound; sequence 1; 61 + 2 padded to 64 */
	ck_assert_uint_eq(get32(d->b), k->esp_spi_r);
	ck_assert_uint_ge(k->esp_spi_r, 256);
	ck_assert_uint_eq(get32(d->b + 4), 1);
	ck_assert_uint_eq(d->len, 8 + 8 + 64 + 16);
	ctlen = d->len - 16 - 16;
	memcpy(nonce, k->esp_ir + 16, 4);
	memcpy(nonce + 4, d->b + 8, 8);
	ck_assert_int_eq(EVP_DecryptInit_ex(c, EVP_aes_128_gcm(), NULL,
	    k->esp_ir, nonce), 1);
	ck_assert_int_eq(EVP_DecryptUpdate(c, NULL, &outl, d->b, 8), 1);
	ck_assert_int_eq(EVP_DecryptUpdate(c, pt, &outl, d->b + 16,
	    (int)ctlen), 1);
	ck_assert_int_eq(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16,
	    (void *)(d->b + 16 + ctlen)), 1);
	ck_assert_int_eq(EVP_DecryptFinal_ex(c, pt + outl, &fin), 1);
	EVP_CIPHER_CTX_free(c);
	ck_assert_uint_eq(pt[ctlen - 1], 4);          /* next header IPv4 */
	ck_assert_uint_eq(pt[ctlen - 2], 1);          /* pad length */
	ck_assert_uint_eq(pt[61], 1);                 /* padding 1, 2, ... */
	ck_assert_mem_eq(pt, inner, 61);
	run_until(n, SB_S);
	ck_assert_int_eq(n->s[1].delivered, 1);
	net_free(n);
}
END_TEST

START_TEST(wrong_psk)
{
	struct net *n = net_new(3, psk_bad, 0);

	start(n);
	run_until(n, SB_S / 2);
	ck_assert_int_ne(ike_state(n->s[0].e), IKE_UP);
	ck_assert_int_ne(ike_state(n->s[1].e), IKE_UP);
	ck_assert_int_eq(n->s[0].ups + n->s[1].ups, 0);
	ck_assert_uint_eq(ike_stats(n->s[1].e)->auth_failures, 1);
	ck_assert_uint_eq(ike_stats(n->s[0].e)->auth_failures, 1);
	ck_assert_uint_eq(fake_event_count(n->s[0].f, "tunnel-auth-failure",
	    NULL), 1);
	ck_assert_ptr_nonnull(strstr(fake_event_last(n->s[0].f,
	    "tunnel-auth-failure")->detail, "AUTHENTICATION_FAILED"));
	ck_assert_uint_eq(fake_event_count(n->s[1].f, "tunnel-auth-failure",
	    NULL), 1);
	ck_assert_int_eq(send_inner(n, 0, 100, 'a'), -1);
	ck_assert_int_eq(n->s[0].have_keys, 0);
	/* and it keeps failing, with backoff, never coming up */
	run_until(n, 30 * SB_S);
	ck_assert_int_eq(n->s[0].ups + n->s[1].ups, 0);
	ck_assert_uint_ge(ike_stats(n->s[0].e)->auth_failures, 3);
	net_free(n);
}
END_TEST

START_TEST(lost_init)
{
	struct net *n = net_new(4, psk, 0);

	n->drop_next[0] = 1;
	start(n);
	run_until(n, SB_S - 1);
	ck_assert_int_eq(ike_state(n->s[0].e), IKE_HANDSHAKE);
	ck_assert_int_eq(ike_state(n->s[1].e), IKE_IDLE);
	run_until(n, SB_S + 4 * ONE_WAY);
	ck_assert_int_eq(ike_state(n->s[0].e), IKE_UP);
	ck_assert_int_eq(ike_up_since(n->s[0].e), SB_S + 4 * ONE_WAY);
	ck_assert_uint_eq(ike_stats(n->s[0].e)->hs_retransmits, 1);
	ck_assert_uint_eq(fake_event_count(n->s[0].f,
	    "tunnel-handshake-retransmit", NULL), 1);
	/* a lost IKE_AUTH response: the request goes again, the responder
	 * answers it from its cache, the SA is the same */
	net_free(n);
	n = net_new(5, psk, 0);
	n->drop_next[1] = 0;
	start(n);
	run_until(n, 2 * ONE_WAY + 1);        /* IKE_AUTH request sent */
	n->drop_next[1] = 1;
	run_until(n, 5 * SB_S);
	ck_assert_int_eq(ike_state(n->s[0].e), IKE_UP);
	ck_assert_int_eq(n->s[1].ups, 1);
	ck_assert_uint_eq(ike_stats(n->s[0].e)->hs_retransmits, 1);
	ck_assert_int_eq(send_inner(n, 0, 100, 'a'), 0);
	run_until(n, 6 * SB_S);
	ck_assert_int_eq(n->s[1].delivered, 1);
	net_free(n);
}
END_TEST

START_TEST(replay_and_forgery)
{
	struct net *n = net_new(6, psk, 0);
	struct dgram d;
	const struct ike_stats *b;

	start(n);
	run_until(n, SB_S / 2);
	n->nkept = 0;
	ck_assert_int_eq(send_inner(n, 0, 200, 'r'), 0);
	ck_assert_int_eq(n->nkept, 1);
	d = n->kept[0];
	run_until(n, SB_S);
	b = ike_stats(n->s[1].e);
	ck_assert_int_eq(n->s[1].delivered, 1);
	inject(n, 1, d.b, d.len);                 /* the same again */
	ck_assert_uint_eq(b->drop_replayed, 1);
	ck_assert_int_eq(n->s[1].delivered, 1);
	for (uint32_t at = 8; at < d.len; at += 37) {
		struct dgram x = d;

		put32(x.b + 4, 1000 + at);        /* fresh sequence number */
		inject(n, 1, x.b, x.len);
		ck_assert_uint_eq(b->drop_forged, 1 + (at - 8) / 37 * 2);
		x = d;
		put32(x.b + 4, 2000 + at);
		x.b[at] ^= 0x01;                  /* one bit of one byte */
		inject(n, 1, x.b, x.len);
		ck_assert_uint_eq(b->drop_forged, 2 + (at - 8) / 37 * 2);
	}
	ck_assert_int_eq(n->s[1].delivered, 1);
	ck_assert_uint_eq(b->drop_replayed, 1);
	/* a forged packet did not move the window: the next real one goes,
	 * and older ones inside the window are still taken once */
	n->nkept = 0;
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(send_inner(n, 0, 200, 'r'), 0);
	run_until(n, 2 * SB_S);
	ck_assert_int_eq(n->s[1].delivered, 4);
	inject(n, 1, n->kept[1].b, n->kept[1].len);
	ck_assert_uint_eq(b->drop_replayed, 2);
	net_free(n);
}
END_TEST

START_TEST(replay_window)
{
	struct net *n = net_new(7, psk, 0);
	const struct ike_stats *b;

	start(n);
	run_until(n, SB_S / 2);
	n->silent[0] = 1;
	n->nkept = 0;
	for (int i = 0; i < 64 + 2; i++)
		ck_assert_int_eq(send_inner(n, 0, 60, 'w'), 0);
	n->silent[0] = 0;
	b = ike_stats(n->s[1].e);
	/* out of order: 66 first, then 3 (inside the window: 66 - 3 < 64),
	 * then 2 (left of it), then 3 again */
	inject(n, 1, n->kept[65].b, n->kept[65].len);
	inject(n, 1, n->kept[2].b, n->kept[2].len);
	inject(n, 1, n->kept[1].b, n->kept[1].len);
	inject(n, 1, n->kept[2].b, n->kept[2].len);
	ck_assert_int_eq(n->s[1].delivered, 2);
	ck_assert_uint_eq(b->drop_replayed, 2);
	net_free(n);
}
END_TEST

START_TEST(dpd_down_and_back)
{
	struct net *n = net_new(8, psk, 0);
	sb_time up;
	const struct fake_event *ev;

	start(n);
	run_until(n, SB_S / 2);
	up = ike_up_since(n->s[0].e);
	ck_assert_int_eq(ike_state(n->s[0].e), IKE_UP);
	n->silent[1] = 1;
	/* probed only after a silent interval */
	run_until(n, up + 10 * SB_S - 1);
	ck_assert_uint_eq(ike_stats(n->s[0].e)->dpd_sent, 0);
	run_until(n, up + 10 * SB_S);
	ck_assert_uint_eq(ike_stats(n->s[0].e)->dpd_sent, 1);
	run_until(n, up + 40 * SB_S - 1);
	ck_assert_int_eq(ike_state(n->s[0].e), IKE_UP);
	run_until(n, up + 40 * SB_S);
	ck_assert_int_ne(ike_state(n->s[0].e), IKE_UP);
	ck_assert_int_eq(n->s[0].downs, 1);
	ev = fake_event_last(n->s[0].f, "tunnel-down");
	ck_assert_ptr_nonnull(ev);
	ck_assert_str_eq(ev->detail, "dead-peer");
	/* the probe went once and was resent twice, same message */
	ck_assert_uint_eq(ike_stats(n->s[0].e)->dpd_sent, 1);
	/* the responder heard the probes: it is still up, and has answered
	 * each (answers lost) */
	ck_assert_int_eq(ike_state(n->s[1].e), IKE_UP);
	ck_assert_uint_eq(ike_stats(n->s[0].e)->ike_tx, 2 + 3);
	ck_assert_uint_eq(ike_stats(n->s[1].e)->ike_rx, 2 + 1);
	/* the initiator starts over with backoff, in vain while silent */
	run_until(n, up + 100 * SB_S);
	ck_assert_int_ne(ike_state(n->s[0].e), IKE_UP);
	ck_assert_uint_ge(ike_stats(n->s[0].e)->handshakes, 2);
	/* the responder comes back: a new SA, and traffic */
	n->silent[1] = 0;
	run_until(n, up + 300 * SB_S);
	ck_assert_int_eq(ike_state(n->s[0].e), IKE_UP);
	ck_assert_int_eq(ike_state(n->s[1].e), IKE_UP);
	ck_assert_int_eq(n->s[0].ups, 2);
	ck_assert_int_eq(send_inner(n, 0, 100, 'a'), 0);
	ck_assert_int_eq(send_inner(n, 1, 100, 'b'), 0);
	run_until(n, up + 301 * SB_S);
	ck_assert_int_eq(n->s[0].delivered, 1);
	ck_assert_int_eq(n->s[1].delivered, 1);
	net_free(n);
}
END_TEST

/* While traffic flows both ways, no DPD probe goes at all; with traffic
 * one way only, the silent side's peer is probed and answers. */
START_TEST(dpd_idle_only)
{
	struct net *n = net_new(9, psk, 0);

	start(n);
	run_until(n, SB_S / 2);
	for (int s = 1; s <= 60; s++) {
		send_inner(n, 0, 80, 'a');
		send_inner(n, 1, 80, 'b');
		run_until(n, s * SB_S);
	}
	ck_assert_uint_eq(ike_stats(n->s[0].e)->dpd_sent, 0);
	ck_assert_uint_eq(ike_stats(n->s[1].e)->dpd_sent, 0);
	for (int s = 61; s <= 120; s++) {
		send_inner(n, 0, 80, 'a');
		run_until(n, s * SB_S);
	}
	ck_assert_uint_eq(ike_stats(n->s[1].e)->dpd_sent, 0);
	ck_assert_uint_ge(ike_stats(n->s[0].e)->dpd_sent, 2);
	ck_assert_uint_eq(ike_stats(n->s[0].e)->dpd_answered,
	    ike_stats(n->s[0].e)->dpd_sent);
	ck_assert_int_eq(n->s[0].downs + n->s[1].downs, 0);
	net_free(n);
}
END_TEST

START_TEST(stop_deletes)
{
	struct net *n = net_new(10, psk, 0);

	start(n);
	run_until(n, SB_S / 2);
	ike_stop(n->s[0].e, "admin");
	run_until(n, SB_S);
	ck_assert_int_eq(ike_state(n->s[1].e), IKE_IDLE);
	ck_assert_str_eq(fake_event_last(n->s[1].f, "tunnel-down")->detail,
	    "peer-deleted");
	run_until(n, 100 * SB_S);
	ck_assert_int_eq(ike_state(n->s[0].e), IKE_IDLE);
	ck_assert_int_eq(n->s[0].ups, 1);
	net_free(n);
}
END_TEST

START_TEST(modp2048)
{
	struct net *n = net_new(11, psk, IKE_DH_MODP2048);

	start(n);
	run_until(n, SB_S / 2);
	ck_assert_int_eq(ike_state(n->s[0].e), IKE_UP);
	ck_assert_int_eq(send_inner(n, 1, 500, 'm'), 0);
	run_until(n, SB_S);
	ck_assert_int_eq(n->s[0].delivered, 1);
	/* the KE payload of the first message: group 14, 256 bytes */
	ck_assert_uint_gt(n->kept[0].len, 4 + 28 + 256);
	net_free(n);
}
END_TEST

START_TEST(group_mismatch)
{
	struct net *n = net_new(12, psk, 0);
	struct ike_cfg c = {
		.role = IKE_RESPONDER, .name = "pop<site", .psk = psk,
		.psk_len = sizeof(psk) - 1, .dh_group = IKE_DH_MODP2048,
	};
	char err[128];

	ike_free(n->s[1].e);
	n->s[1].e = ike_new(fake_platform(n->s[1].f), &c, err, sizeof(err));
	start(n);
	run_until(n, SB_S / 2);
	ck_assert_int_eq(n->s[0].ups + n->s[1].ups, 0);
	ck_assert_uint_eq(fake_event_count(n->s[0].f,
	    "tunnel-handshake-failed", NULL), 1);
	ck_assert_str_eq(fake_event_last(n->s[0].f,
	    "tunnel-handshake-failed")->detail, "NO_PROPOSAL_CHOSEN");
	net_free(n);
}
END_TEST

START_TEST(deterministic)
{
	uint64_t h[2];

	for (int r = 0; r < 2; r++) {
		struct net *n = net_new(13, psk, 0);

		start(n);
		run_until(n, SB_S / 2);
		for (int i = 0; i < 5; i++)
			send_inner(n, i & 1, 300, 'd');
		run_until(n, 60 * SB_S);
		h[r] = n->hash;
		net_free(n);
	}
	ck_assert_uint_eq(h[0], h[1]);
}
END_TEST

/* Random datagrams, and every truncation of real ones, into both ends of
 * an established SA: nothing crashes, nothing is delivered, every one is
 * counted as a drop, and the SA carries traffic afterwards. */
START_TEST(robustness)
{
	struct net *n = net_new(14, psk, 0);
	struct fake *rf = fake_new(99);
	struct dgram ike_msg = { 0 }, esp = { 0 };
	const struct ike_stats *st[2];
	uint64_t before[2], malformed_before;

	start(n);
	run_until(n, SB_S / 2);
	st[0] = ike_stats(n->s[0].e);
	st[1] = ike_stats(n->s[1].e);
	for (int s = 0; s < 2; s++)
		before[s] = st[s]->drop_malformed + st[s]->drop_forged +
		    st[s]->drop_replayed;
	for (int i = 0; i < 4000; i++) {
		uint8_t b[600];
		uint32_t len = (uint32_t)(fake_platform(rf)->ops->rand(rf) %
		    sizeof(b));

		for (uint32_t j = 0; j < len; j++)
			b[j] = (uint8_t)fake_platform(rf)->ops->rand(rf);
		if (i % 2 == 0 && len >= 4)
			memset(b, 0, 4);          /* half of them "IKE" */
		if (i % 4 == 0 && len >= 4 + 28) {
			/* with our SPIs, so they get past the lookup */
			memcpy(b + 4, n->s[0].keys.spi_i, 8);
			memcpy(b + 12, n->s[0].keys.spi_r, 8);
		}
		inject(n, i & 1, b, len);
	}
	for (int s = 0; s < 2; s++)
		ck_assert_uint_eq(st[s]->drop_malformed + st[s]->drop_forged +
		    st[s]->drop_replayed - before[s], 2000);
	ck_assert_int_eq(n->s[0].delivered + n->s[1].delivered, 0);

	/* truncated IKE messages: a DPD probe, cut at every length */
	n->nkept = 0;
	n->silent[1] = 1;
	run_until(n, 25 * SB_S);
	n->silent[1] = 0;
	for (int i = 0; i < n->nkept; i++)
		if (!is_esp(&n->kept[i]) && n->kept[i].to == 1)
			ike_msg = n->kept[i];
	ck_assert_uint_gt(ike_msg.len, 4 + 28);
	malformed_before = st[1]->drop_malformed;
	for (uint32_t l = 0; l < ike_msg.len; l++)
		inject(n, 1, ike_msg.b, l);
	ck_assert_uint_eq(st[1]->drop_malformed - malformed_before,
	    ike_msg.len);

	/* truncated ESP: too short or misaligned is malformed, the rest
	 * fails the ICV */
	n->nkept = 0;
	n->silent[0] = 1;
	send_inner(n, 0, 300, 't');
	n->silent[0] = 0;
	esp = n->kept[0];
	ck_assert(is_esp(&esp));
	before[1] = st[1]->drop_malformed + st[1]->drop_forged;
	for (uint32_t l = 4; l < esp.len; l++)
		inject(n, 1, esp.b, l);
	ck_assert_uint_eq(st[1]->drop_malformed + st[1]->drop_forged -
	    before[1], esp.len - 4);
	ck_assert_int_eq(n->s[1].delivered, 0);
	/* and the whole packet still goes: nothing moved the window */
	inject(n, 1, esp.b, esp.len);
	ck_assert_int_eq(n->s[1].delivered, 1);

	ck_assert_int_eq(ike_state(n->s[0].e), IKE_UP);
	ck_assert_int_eq(ike_state(n->s[1].e), IKE_UP);
	ck_assert_int_eq(send_inner(n, 1, 100, 'z'), 0);
	run_until(n, 26 * SB_S);
	ck_assert_int_eq(n->s[0].delivered, 1);
	fake_free(rf);
	net_free(n);
}
END_TEST

static void
hex(FILE *f, const uint8_t *b, size_t n, const char *after)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", b[i]);
	fputs(after, f);
}

/* An exchange and a few packets each way into a capture, with the key
 * tables tshark takes, when SB_IKE_PCAP names a folder. */
START_TEST(capture_for_tshark)
{
	const char *dir = getenv("SB_IKE_PCAP");
	struct net *n = net_new(15, psk, 0);
	char path[512], err[256];
	const struct ike_keys *k = &n->s[0].keys;
	FILE *f;

	if (dir != NULL) {
		snprintf(path, sizeof(path), "%s/ike.pcap", dir);
		n->cap = capture_new(path, 0, err, sizeof(err));
		ck_assert_msg(n->cap != NULL, "%s", err);
	}
	start(n);
	run_until(n, SB_S / 2);
	for (int i = 0; i < 3; i++) {
		send_inner(n, 0, 84, 'i');
		send_inner(n, 1, 84, 'r');
	}
	run_until(n, 25 * SB_S);                  /* and a DPD exchange */
	n->silent[0] = 1;
	run_until(n, 45 * SB_S);
	ck_assert_int_eq(n->s[1].delivered, 3);
	ck_assert_uint_ge(ike_stats(n->s[0].e)->dpd_answered, 1);
	if (dir == NULL) {
		net_free(n);
		return;
	}
	ck_assert_int_eq(capture_flush(n->cap), 0);
	capture_free(n->cap);
	n->cap = NULL;
	/* one line per SA: SPIs and keys in hex, as the tables want */
	snprintf(path, sizeof(path), "%s/ikev2_decryption_table", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	hex(f, k->spi_i, 8, " ");
	hex(f, k->spi_r, 8, " ");
	hex(f, k->sk_ei, 20, " ");
	hex(f, k->sk_er, 20, "\n");
	fclose(f);
	snprintf(path, sizeof(path), "%s/esp_sa", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fprintf(f, "192.0.2.1 198.51.100.1 0x%08x ", k->esp_spi_r);
	hex(f, k->esp_ir, 20, "\n");
	fprintf(f, "198.51.100.1 192.0.2.1 0x%08x ", k->esp_spi_i);
	hex(f, k->esp_ri, 20, "\n");
	fclose(f);
	net_free(n);
}
END_TEST

START_TEST(bad_config)
{
	struct fake *f = fake_new(1);
	struct ike_cfg c = { .role = IKE_INITIATOR, .name = "x" };
	char err[128];

	ck_assert_ptr_null(ike_new(fake_platform(f), &c, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "pre-shared key"));
	c.psk = psk;
	c.psk_len = 4;
	c.dh_group = 5;
	ck_assert_ptr_null(ike_new(fake_platform(f), &c, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "group 5"));
	fake_free(f);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("ike");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, exchange_and_data);
	tcase_add_test(tc, esp_bytes);
	tcase_add_test(tc, wrong_psk);
	tcase_add_test(tc, lost_init);
	tcase_add_test(tc, replay_and_forgery);
	tcase_add_test(tc, replay_window);
	tcase_add_test(tc, dpd_down_and_back);
	tcase_add_test(tc, dpd_idle_only);
	tcase_add_test(tc, stop_deletes);
	tcase_add_test(tc, modp2048);
	tcase_add_test(tc, group_mismatch);
	tcase_add_test(tc, deterministic);
	tcase_add_test(tc, robustness);
	tcase_add_test(tc, capture_for_tshark);
	tcase_add_test(tc, bad_config);
	suite_add_tcase(s, tc);
	return s;
}

#include "tests/unit/check_main.h"
