/*
 * Fuzz target for the tunnel's receive path, tunnel_input(), with
 * libFuzzer: `make fuzz`, `make fuzz-smoke`.
 *
 * For each input, a client and a server tunnel, joined by two simulated
 * links on the simulator's kernel as in the unit tests, finish their
 * handshake on virtual time; the input is then fed to one side as
 * datagrams, straight into tunnel_input() as if they had come over its
 * link, and the kernel runs on so that replies cross and timers fire.
 *
 * The pair is built anew for every input, from the same seed, rather than
 * kept in static storage between inputs (which the entry point, having no
 * context argument, would need).  A kept pair saves a handshake per input,
 * but what an input did then depended on every input before it (the replay
 * windows, records mbedTLS had buffered), and the first crash found that
 * way did not reproduce from the input libFuzzer saved.  Built anew, the
 * pair is the same every time, so an input is a complete test case and its
 * genuine records are the same bytes in every run; the price is a few
 * hundred microseconds per input under the sanitizers.
 *
 * Input layout.  Byte 0: bit 0 the mode (0 DTLS, 1 null-cipher); bit 1 the
 * side that receives (0 server, 1 client); bits 3-2 how long the kernel
 * runs afterwards (20 ms, 1 s, 4 s, 13 s: the last is past dead-peer
 * detection).  Then datagrams, each a 2-byte big-endian header and up to
 * 2047 bytes (cut short by the end of the input):
 *
 *   bits 15-14  0 or 3: the bytes are the datagram;
 *               1: they are a mask XORed over a genuine record that side
 *                  could receive, chosen by bits 12-11: 0 the last
 *                  application record it did receive (so a replay); 1 and
 *                  2 two fresh records its peer sent that were held back
 *                  on the way; 3 all three in one datagram;
 *               2: a mask over a handshake datagram it received (bits
 *                  12-11 pick which).
 *   bit 13      the datagram is as long as the bytes given; otherwise as
 *               long as the record under the mask (a short mask changes
 *               the front only).
 *   bits 10-0   how many bytes follow.
 *
 * The masks get the fuzzer past the header checks and into mbedTLS's
 * record decryption and replay check, which are not instrumented (the
 * system's mbedTLS): a zero mask is a genuine record, a few bits a near
 * miss.
 *
 * Invariants; a violation aborts, which libFuzzer reports as a crash with
 * the input that did it:
 * - Packets: once the input has been handled, every pool packet is on a
 *   link in flight; the tunnels hold none between datagrams.
 * - DTLS: a packet is delivered only while a datagram is being handled,
 *   and only if that datagram holds, byte for byte, a genuine record whose
 *   plaintext was not delivered before; what is delivered is that
 *   plaintext.  Nothing forged, nothing twice, nothing late.  And if both
 *   tunnels still say they are up afterwards, a packet sent each way
 *   arrives: garbage cannot leave a tunnel up but deaf.
 * - Null-cipher, which cannot detect forgery: a delivered packet is exactly
 *   the payload of the datagram's one epoch-0 application record, and no
 *   sequence number is delivered twice.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/link.h"
#include "sim/kernel.h"
#include "sim/platform_sim.h"
#include "sim/pool.h"
#include "sim/rng.h"
#include "wan/tunnel.h"

#define SEED 1
#define ONE_WAY (1 * SB_MS)
#define SETTLE (20 * SB_MS)      /* several round trips */
#define NHS 4                    /* handshake datagrams kept per side */
#define NHELD 2                  /* fresh records held back per side */
#define MAXDG 2047
#define MAXSEEN 4096             /* more than an input has datagrams */

static const uint8_t psk[16] = "0123456789abcdef";
static const sb_time run_for[4] = { SETTLE, 1 * SB_S, 4 * SB_S, 13 * SB_S };

struct rec {
	uint8_t b[SB_PACKET_BUF];
	uint32_t len;
};

/* A record its peer really sent that never arrived, and what it carries. */
struct held {
	struct rec r;
	uint8_t inner[SB_PACKET_BUF];
	uint32_t ilen;
	int live;                /* not yet delivered */
};

enum phase {
	SETUP,                   /* deliveries are the harness's own */
	INPUT,                   /* a fuzzed datagram is being handled */
	RUN,                     /* nothing may be delivered */
	PROBE,                   /* only the probe packets may be */
};

struct side {
	struct pair *pr;
	gsl_rng *rng, *lrng;
	struct link *out;        /* towards the other side */
	struct psim *ps;
	struct tunnel *t;
	struct rec *catch;       /* keep the next send instead of sending it */

	/* What this side received over its link. */
	struct rec last;         /* the last application record */
	struct rec hs[NHS];      /* handshake datagrams, until it came up */
	unsigned nhs;
	struct held held[NHELD];

	uint8_t probe[64];       /* PROBE: what the peer sent */
	uint32_t probe_len;
	int probed;
};

struct pair {
	enum tunnel_mode mode;
	struct kernel *k;
	struct pool *pl;
	struct side c, s;
	enum phase phase;
	struct side *to;         /* INPUT: the side handling `dg` */
	uint8_t dg[SB_PACKET_BUF];
	uint32_t dglen;
	uint8_t scratch[SB_PACKET_BUF]; /* several records as one base */
	uint32_t next_inner;     /* makes every inner packet distinct */
	uint64_t seen[MAXSEEN];  /* null-cipher: sequence numbers delivered */
	unsigned nseen;
};

static void
die(const struct pair *pr, const char *what)
{
	fprintf(stderr, "tunnel_input: invariant violated (%s): %s\n",
	    tunnel_mode_name(pr->mode), what);
	abort();
}

static struct side *
peer(struct side *sd)
{
	return sd == &sd->pr->c ? &sd->pr->s : &sd->pr->c;
}

/* The live held-back record whose plaintext p is, or NULL. */
static struct held *
held_for(struct side *sd, const struct sb_packet *p)
{
	for (int i = 0; i < NHELD; i++) {
		struct held *h = &sd->held[i];

		if (h->live && h->ilen == p->len &&
		    memcmp(h->inner, p->data, p->len) == 0)
			return h;
	}
	return NULL;
}

/* The datagram in hand carries, byte for byte, a live held-back record
 * whose plaintext this is. */
static void
check_dtls(struct side *sd, const struct sb_packet *p)
{
	struct pair *pr = sd->pr;
	struct held *h = held_for(sd, p);

	if (h == NULL)
		die(pr, "delivered a packet that was never sent, or twice");
	if (memmem(pr->dg, pr->dglen, h->r.b, h->r.len) == NULL)
		die(pr, "delivered a genuine record that is not in the "
		    "datagram being handled");
}

static void
check_null(struct side *sd, const struct sb_packet *p)
{
	struct pair *pr = sd->pr;
	const uint8_t *d = pr->dg;
	uint32_t n = pr->dglen;
	uint64_t seq = 0;

	if (n < TUNNEL_RECORD_HDR || d[0] != 23 || d[3] != 0 || d[4] != 0 ||
	    (uint32_t)(d[11] << 8 | d[12]) + TUNNEL_RECORD_HDR != n)
		die(pr, "delivered from a datagram that is not one epoch-0 "
		    "application record");
	if (p->len != n - TUNNEL_RECORD_HDR ||
	    memcmp(p->data, d + TUNNEL_RECORD_HDR, p->len) != 0)
		die(pr, "delivered bytes are not the record's payload");
	for (int i = 5; i < 11; i++)
		seq = seq << 8 | d[i];
	for (unsigned i = 0; i < pr->nseen; i++)
		if (pr->seen[i] == seq)
			die(pr, "a sequence number was delivered twice");
	if (pr->nseen < MAXSEEN)
		pr->seen[pr->nseen++] = seq;
}

static void
deliver(void *ctx, struct sb_packet *p)
{
	struct side *sd = ctx;
	struct pair *pr = sd->pr;
	struct held *h;

	switch (pr->phase) {
	case SETUP:
		break;
	case INPUT:
		if (pr->to != sd)
			die(pr, "the other side delivered during an input");
		if (pr->mode == TUNNEL_DTLS)
			check_dtls(sd, p);
		else
			check_null(sd, p);
		if ((h = held_for(sd, p)) != NULL)
			h->live = 0;
		break;
	case RUN:
		die(pr, "delivered while no datagram was being handled");
		break;
	case PROBE:
		if (sd->probed || p->len != sd->probe_len ||
		    memcmp(p->data, sd->probe, p->len) != 0)
			die(pr, "delivered something else in place of a "
			    "fresh packet");
		sd->probed = 1;
		break;
	}
	pool_put(pr->pl, p);
}

static void
copy_rec(struct rec *r, const struct sb_packet *p)
{
	r->len = p->len < SB_PACKET_BUF ? p->len : SB_PACKET_BUF;
	memcpy(r->b, p->data, r->len);
}

/* A datagram reaches `to` over its link. */
static void
arrive(void *ctx, struct link *l, struct sb_packet *p)
{
	struct side *to = ctx;

	if (p->len > 0 && p->data[0] == 23)
		copy_rec(&to->last, p);
	if (tunnel_state(to->t) != TUNNEL_UP && to->nhs < NHS)
		copy_rec(&to->hs[to->nhs++], p);
	tunnel_input(to->t, p);
}

static void
dropped(void *ctx, struct link *l, struct sb_packet *p, enum link_drop why)
{
	struct side *to = ctx;

	pool_put(to->pr->pl, p);
}

/* Every send passes here: onto the link, or kept when asked. */
static int
wire(void *ctx, unsigned link, struct sb_packet *p)
{
	struct side *sd = ctx;

	if (sd->catch != NULL) {
		copy_rec(sd->catch, p);
		sd->catch = NULL;
		pool_put(sd->pr->pl, p);
		return 0;
	}
	link_send(sd->out, p);
	return 0;
}

/* The links never go down or lose, so what went on and has not come off
 * is in the kernel's queue. */
static uint64_t
in_flight(struct link *l)
{
	struct link_stats st;

	link_stats_take(l, &st, 0);
	return st.sent - st.packets;
}

static void
check_pool(struct pair *pr)
{
	if (pool_in_use(pr->pl) != in_flight(pr->c.out) + in_flight(pr->s.out))
		die(pr, "a packet leaked (or was freed twice)");
}

/* `from` sends an inner packet of its own making, a copy of which goes to
 * inner[]; with `keep`, the record is kept there instead of sent. */
static int
send_inner(struct side *from, struct rec *keep, uint8_t *inner,
    uint32_t *ilen)
{
	const struct sb_platform *pf = psim_platform(from->ps);
	struct sb_packet *p = pf->ops->packet_new(pf->ctx);
	uint32_t id = ++from->pr->next_inner;
	uint32_t n = 20 + id % 40;

	if (p == NULL)
		return -1;
	memset(p->data, 0xa5, n);
	p->data[0] = 0x45;
	memcpy(p->data + 1, &id, sizeof(id));
	p->len = n;
	memcpy(inner, p->data, n);
	*ilen = n;
	if (keep != NULL)
		keep->len = 0;
	from->catch = keep;
	if (tunnel_send(from->t, p) < 0 || (keep != NULL && keep->len == 0)) {
		from->catch = NULL;
		return -1;
	}
	return 0;
}

static void
side_free(struct side *sd)
{
	tunnel_free(sd->t);
	psim_free(sd->ps);
	link_free(sd->out);
	if (sd->rng != NULL)
		gsl_rng_free(sd->rng);
	if (sd->lrng != NULL)
		gsl_rng_free(sd->lrng);
}

static void
pair_free(struct pair *pr)
{
	if (pr == NULL)
		return;
	side_free(&pr->c);
	side_free(&pr->s);
	kernel_free(pr->k);
	pool_free(pr->pl);
	free(pr);
}

static int
side_init(struct pair *pr, struct side *sd, int client)
{
	struct psim_env env = { pr->k, pr->pl, NULL, NULL };
	struct link_spec spec = { 0 };
	struct tunnel_cfg cfg = { 0 };
	const char *name = client ? "client" : "server";
	char err[160];

	sd->pr = pr;
	spec.delay = ONE_WAY;
	sd->rng = rng_new(SEED, name);
	sd->lrng = rng_new(SEED, client ? "link:client" : "link:server");
	if (sd->rng == NULL || sd->lrng == NULL ||
	    (sd->out = link_new(pr->k, name, &spec, sd->lrng)) == NULL ||
	    (sd->ps = psim_new(&env, name, sd->rng, &sd->out, 1, deliver,
	    sd)) == NULL)
		return -1;
	psim_set_sender(sd->ps, wire, sd);
	cfg.name = name;
	cfg.role = client ? TUNNEL_CLIENT : TUNNEL_SERVER;
	cfg.mode = pr->mode;
	cfg.peer_id = client ? NULL : "192.0.2.1:40000";
	cfg.auth.psk_identity = "site-1";
	cfg.auth.psk = psk;
	cfg.auth.psk_len = sizeof(psk);
	if ((sd->t = tunnel_new(psim_platform(sd->ps), &cfg, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "tunnel_input: %s\n", err);
		return -1;
	}
	return 0;
}

/* A pair with the handshake done, a record received each way, and fresh
 * records held back for each side. */
static struct pair *
pair_new(enum tunnel_mode mode)
{
	struct pair *pr = calloc(1, sizeof(*pr));
	struct side *v[2];
	uint8_t scrap[64];
	uint32_t n;

	if (pr == NULL)
		return NULL;
	v[0] = &pr->c;
	v[1] = &pr->s;
	pr->mode = mode;
	pr->phase = SETUP;
	if ((pr->k = kernel_new()) == NULL || (pr->pl = pool_new()) == NULL ||
	    side_init(pr, &pr->c, 1) < 0 || side_init(pr, &pr->s, 0) < 0)
		goto fail;
	link_set_handlers(pr->c.out, arrive, dropped, &pr->s);
	link_set_handlers(pr->s.out, arrive, dropped, &pr->c);
	tunnel_start(pr->s.t);
	tunnel_start(pr->c.t);
	kernel_run(pr->k, SB_S);
	if (tunnel_state(pr->c.t) != TUNNEL_UP ||
	    tunnel_state(pr->s.t) != TUNNEL_UP)
		goto fail;
	if (send_inner(&pr->c, NULL, scrap, &n) < 0 ||
	    send_inner(&pr->s, NULL, scrap, &n) < 0)
		goto fail;
	kernel_run(pr->k, kernel_now(pr->k) + SETTLE);
	for (int s = 0; s < 2; s++)
		for (int i = 0; i < NHELD; i++) {
			struct held *h = &v[s]->held[i];

			if (send_inner(peer(v[s]), &h->r, h->inner,
			    &h->ilen) < 0)
				goto fail;
			h->live = 1;
		}
	check_pool(pr);
	return pr;
fail:
	fprintf(stderr, "tunnel_input: could not set up a %s pair\n",
	    tunnel_mode_name(mode));
	pair_free(pr);
	return NULL;
}

/* The base a mask applies to, or NULL for a raw datagram. */
static const uint8_t *
base_of(struct side *sd, unsigned kind, unsigned idx, uint32_t *len)
{
	uint8_t *scratch = sd->pr->scratch;

	switch (kind) {
	case 1:
		if (idx == 0) {
			*len = sd->last.len;
			return sd->last.b;
		}
		if (idx <= NHELD) {
			*len = sd->held[idx - 1].r.len;
			return sd->held[idx - 1].r.b;
		}
		/* The replay and both fresh records in one datagram. */
		memcpy(scratch, sd->last.b, sd->last.len);
		*len = sd->last.len;
		for (int i = 0; i < NHELD; i++) {
			uint32_t n = sd->held[i].r.len;

			if (*len + n > SB_PACKET_BUF)
				break;
			memcpy(scratch + *len, sd->held[i].r.b, n);
			*len += n;
		}
		return scratch;
	case 2:
		if (sd->nhs == 0)
			return NULL;
		*len = sd->hs[idx % sd->nhs].len;
		return sd->hs[idx % sd->nhs].b;
	default:
		return NULL;
	}
}

static void
feed(struct pair *pr, struct side *sd, const uint8_t *data, size_t size)
{
	const struct sb_platform *pf = psim_platform(sd->ps);
	size_t pos = 0;

	while (pos + 2 <= size) {
		unsigned h = (unsigned)data[pos] << 8 | data[pos + 1];
		unsigned kind = h >> 14, idx = h >> 11 & 3;
		int exact = h >> 13 & 1;
		uint32_t n = h & MAXDG, blen = 0, len;
		const uint8_t *base;
		struct sb_packet *p;

		pos += 2;
		if (n > size - pos)
			n = (uint32_t)(size - pos);
		base = base_of(sd, kind, idx, &blen);
		len = base == NULL || exact ? n : blen;
		if (len > SB_PACKET_BUF)
			len = SB_PACKET_BUF;
		if ((p = pf->ops->packet_new(pf->ctx)) == NULL)
			die(pr, "out of packets");
		for (uint32_t i = 0; i < len; i++)
			p->data[i] = (uint8_t)((base != NULL && i < blen ?
			    base[i] : 0) ^ (i < n ? data[pos + i] : 0));
		p->len = len;
		pos += n;

		/* The checks in deliver() read the datagram from here:
		 * tunnel_input() may write the plaintext over the packet. */
		memcpy(pr->dg, p->data, len);
		pr->dglen = len;
		pr->phase = INPUT;
		pr->to = sd;
		tunnel_input(sd->t, p);
		pr->phase = RUN;
		pr->to = NULL;
	}
}

/* DTLS: if both tunnels still say they are up, a fresh packet each way
 * must arrive, and nothing else with it. */
static void
probe(struct pair *pr)
{
	struct side *v[2] = { &pr->c, &pr->s };

	if (pr->mode != TUNNEL_DTLS || tunnel_state(pr->c.t) != TUNNEL_UP ||
	    tunnel_state(pr->s.t) != TUNNEL_UP)
		return;
	pr->phase = PROBE;
	for (int s = 0; s < 2; s++)
		if (send_inner(peer(v[s]), NULL, v[s]->probe,
		    &v[s]->probe_len) < 0)
			die(pr, "an up tunnel refused to send");
	kernel_run(pr->k, kernel_now(pr->k) + SETTLE);
	for (int s = 0; s < 2; s++)
		if (!v[s]->probed)
			die(pr, "both ends up, but a fresh packet was not "
			    "delivered");
	pr->phase = RUN;
}

/*
 * With SASEBED_FUZZ_SEEDS set to a directory, write a starting corpus there
 * before fuzzing: for each mode and side, the genuine records and
 * handshake datagrams as zero masks, and real records as raw bytes (the
 * pair is the same in every run, so these stay genuine).
 */
static void
write_seed(const char *dir, const char *name, uint8_t first, uint16_t h,
    const struct rec *r)
{
	uint8_t b[3 + SB_PACKET_BUF];
	uint32_t n = r == NULL ? 0 : r->len > MAXDG ? MAXDG : r->len;
	char path[4096];
	FILE *f;

	b[0] = first;
	b[1] = (uint8_t)((h | n) >> 8);
	b[2] = (uint8_t)(h | n);
	if (n > 0)
		memcpy(b + 3, r->b, n);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(b, 1, 3 + n, f) != 3 + n || fclose(f) != 0)
		fprintf(stderr, "tunnel_input: cannot write %s\n", path);
}

/* An epoch-0 application record (null-cipher) holding control message c:
 * keepalive, its reply, probe, its reply (wan/tunnel.c has their
 * layout), an unknown type, a keepalive a byte short. */
static void
null_control(struct rec *r, int c)
{
	static const uint8_t type[6] = { 0x01, 0x02, 0x03, 0x04, 0x3f, 0x01 };
	static const uint8_t len[6] = { 9, 9, 13, 13, 9, 8 };
	uint8_t *b = r->b;

	memcpy(b, "\x17\xfe\xfd\0\0\0\0\0\0\0", 10);
	b[10] = (uint8_t)(100 + c);	/* past what the set-up used */
	b[11] = 0;
	b[12] = len[c];
	memset(b + TUNNEL_RECORD_HDR, 0, len[c]);
	b[TUNNEL_RECORD_HDR] = type[c];
	b[TUNNEL_RECORD_HDR + 4] = (uint8_t)(c + 1);	/* id or seq */
	r->len = TUNNEL_RECORD_HDR + len[c];
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint16_t masks[] = {
		0x4800, 0x5000, 0x4000, 0x5800, 0x8000, 0x8800, 0x9000,
	};
	const char *dir = getenv("SASEBED_FUZZ_SEEDS");
	struct rec skip = { { 0 }, 0 }, ccs;
	char name[64];

	if (dir == NULL)
		return 0;
	for (unsigned first = 0; first < 4; first++) {
		struct pair *pr = pair_new(first & 1 ? TUNNEL_NULL :
		    TUNNEL_DTLS);
		struct side *sd;

		if (pr == NULL)
			continue;
		sd = first & 2 ? &pr->c : &pr->s;
		for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
			snprintf(name, sizeof(name), "seed-%u-%04x", first,
			    masks[i]);
			write_seed(dir, name, (uint8_t)first, masks[i], NULL);
		}
		snprintf(name, sizeof(name), "seed-%u-raw-last", first);
		write_seed(dir, name, (uint8_t)first, 0, &sd->last);
		snprintf(name, sizeof(name), "seed-%u-raw-held", first);
		write_seed(dir, name, (uint8_t)first, 0, &sd->held[0].r);
		snprintf(name, sizeof(name), "seed-%u-raw-hello", first);
		write_seed(dir, name, (uint8_t)first, 0, &sd->hs[0]);
		/* The replay and two fresh records in one datagram, the
		 * replay's type changed so that mbedTLS skips it: both fresh
		 * records must come out, and now. */
		skip.b[0] = 0x01;
		skip.len = 1;
		snprintf(name, sizeof(name), "seed-%u-5801", first);
		write_seed(dir, name, (uint8_t)first, 0x5800, &skip);
		/* An epoch-0 ChangeCipherSpec and a byte too few for another
		 * record: dropped, not the end of the session. */
		memcpy(ccs.b, "\x14\xfe\xfd\0\0\0\0\0\0\0\0\0\x01\x01\0", 15);
		ccs.len = 15;
		snprintf(name, sizeof(name), "seed-%u-raw-ccs-tail", first);
		write_seed(dir, name, (uint8_t)first, 0, &ccs);
		/* Null-cipher: the control messages a Socket and its PoP
		 * exchange inside the tunnel (keepalive and link probe, each
		 * way), one of an unknown type and one a byte short. */
		if (first & 1)
			for (int c = 0; c < 6; c++) {
				struct rec r;

				null_control(&r, c);
				snprintf(name, sizeof(name),
				    "seed-%u-raw-control-%d", first, c);
				write_seed(dir, name, (uint8_t)first, 0, &r);
			}
		pair_free(pr);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pair *pr;

	if (size < 1)
		return 0;
	if ((pr = pair_new(data[0] & 1 ? TUNNEL_NULL : TUNNEL_DTLS)) == NULL)
		abort();
	pr->phase = RUN;
	feed(pr, data[0] & 2 ? &pr->c : &pr->s, data + 1, size - 1);
	kernel_run(pr->k, kernel_now(pr->k) + run_for[data[0] >> 2 & 3]);
	check_pool(pr);
	probe(pr);
	check_pool(pr);
	pair_free(pr);
	return 0;
}
