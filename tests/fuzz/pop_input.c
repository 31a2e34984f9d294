/*
 * Fuzz target for the PoP agent's backbone messages, pop_input(): probes,
 * echoes and link-state adverts (wan/pop.c has their layout), as a broken
 * or hostile neighbour could send them.
 *
 * For each input a PoP (id 0 of 4) with three ports, one to each other
 * PoP, runs on the simulator's kernel.  The neighbours are the harness:
 * those the input's first byte names answer the PoP's probes as a real
 * PoP does (the probe back as an echo, 5 ms later), so their ports come
 * up and the agent computes paths; everything else they say comes from
 * the input.  The PoP also has one site prefix of its own behind a tunnel.
 *
 * Input layout.  Byte 0: bits 0-2, which ports' neighbours answer probes.
 * Then messages, each a 2-byte big-endian header and its bytes (cut short
 * by the end of the input):
 *
 *   bits 15-14  the port it arrives on (3: a port the PoP does not have)
 *   bits 13-11  how long the kernel runs after it: 0, 1 ms, 10 ms, 100 ms,
 *               300 ms, 1 s, 4 s (past an advert's lifetime: the PoP
 *               re-advertises every second here, not every 30), 0
 *   bits 10-0   how many bytes follow
 *
 * Invariants, checked after every message; a violation aborts:
 * - every packet the agent sent has been consumed: it keeps none;
 * - towards every PoP, the next hop is -1 or a port it has, the cost is
 *   0 for itself, SB_TIME_NEVER exactly when there is no next hop, and
 *   positive otherwise;
 * - where an address leaves the backbone is -1 or a PoP that exists; a
 *   neighbour may take traffic for the PoP's site with a longer prefix
 *   (longest match is the rule), but the site's own tunnel still holds
 *   it at the PoP.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/kernel.h"
#include "sim/platform_sim.h"
#include "sim/pool.h"
#include "sim/rng.h"
#include "wan/pop.h"

#define NPOPS 4
#define NPORTS 3
#define MAXMSG 2047
#define ECHO_DELAY (5 * SB_MS)
#define SITE 0x0a010000U	/* 10.1.0.0/16, behind the PoP's tunnel */
#define TUNNEL_HANDLE 7

#define REFRESH (1 * SB_S)	/* adverts age out after three of these */

static const sb_time gaps[8] = {
	0, 1 * SB_MS, 10 * SB_MS, 100 * SB_MS, 300 * SB_MS, 1 * SB_S,
	4 * SB_S, 0,
};
static const uint32_t probes_at[] = {
	SITE | 42, 0x0a020005, 0xc6120001, 0, 0xffffffff, 0x0a000001,
};

struct harness;

struct nb {
	struct harness *h;
	unsigned port;
	int answers;
};

struct harness {
	struct kernel *k;
	struct pool *pl;
	gsl_rng *rng;
	struct psim *ps;
	struct pop *pop;
	struct nb nb[NPORTS];
	int stopped;
};

static void
die(const char *what)
{
	fprintf(stderr, "pop_input: invariant violated: %s\n", what);
	abort();
}

static void
echo_back(void *a, void *b)
{
	struct nb *nb = a;
	struct harness *h = nb->h;

	if (h->stopped)
		pool_put(h->pl, b);
	else
		pop_input(h->pop, nb->port, b);
}

/* What the PoP sends: a probe to a neighbour that answers comes back as
 * an echo; everything else is consumed here. */
static int
wire(void *ctx, unsigned link, struct sb_packet *p)
{
	struct harness *h = ctx;

	if (link >= NPORTS)
		die("sent on a port the PoP does not have");
	if (h->nb[link].answers && p->data != NULL && p->len >= 16 &&
	    p->data[0] == 1) {
		p->data[0] = 2;
		kernel_after(h->k, ECHO_DELAY, echo_back, &h->nb[link], p);
		return 0;
	}
	pool_put(h->pl, p);
	return 0;
}

static void
check(struct harness *h)
{
	size_t pending = 0;

	for (int i = 0; i < NPORTS; i++)
		if (h->nb[i].answers)
			pending++;
	/* only the echoes on their way back may be held, a probe interval
	 * of them per answering port at most */
	if (pool_in_use(h->pl) > pending * (ECHO_DELAY / (1 * SB_MS) + 1))
		die("packets kept by the agent");
	for (int d = 0; d < NPOPS; d++) {
		int nh = pop_next_hop(h->pop, d);
		sb_time c = pop_cost(h->pop, d);

		if (nh < -1 || nh >= NPORTS)
			die("a next hop on a port that does not exist");
		if (d == 0 && (c != 0 || nh != -1))
			die("the PoP is not at cost 0 from itself");
		if (d != 0 && (nh == -1) != (c == SB_TIME_NEVER))
			die("a next hop and a cost that disagree");
		if (d != 0 && c <= 0)
			die("a path of no cost");
	}
	for (size_t i = 0; i < sizeof(probes_at) / sizeof(probes_at[0]); i++) {
		int e = pop_egress(h->pop, probes_at[i]);

		if (e < -1 || e >= NPOPS)
			die("an egress PoP that does not exist");
	}
	/* what neighbours say moves traffic on the backbone (a longer
	 * prefix wins there, by design), never off the PoP's own tunnels */
	if (pop_local(h->pop, SITE | 42) != TUNNEL_HANDLE)
		die("the PoP's own tunnel no longer holds its prefix");
}

static void
harness_free(struct harness *h)
{
	h->stopped = 1;
	pop_free(h->pop);
	/* the echoes still on their way go back to the pool */
	kernel_free(h->k);
	psim_free(h->ps);
	gsl_rng_free(h->rng);
	pool_free(h->pl);
}

static int
harness_init(struct harness *h, unsigned answers)
{
	static const char *const names[NPOPS] = { "p0", "p1", "p2", "p3" };
	static const int peers[NPORTS] = { 1, 2, 3 };
	struct pop_config cfg = { 0 };
	struct psim_env env;
	char err[160];

	memset(h, 0, sizeof(*h));
	if ((h->k = kernel_new()) == NULL || (h->pl = pool_new()) == NULL ||
	    (h->rng = rng_new(1, "pop")) == NULL)
		return -1;
	env = (struct psim_env){ h->k, h->pl, NULL, NULL };
	if ((h->ps = psim_new(&env, "p0", h->rng, NULL, 0, NULL, NULL)) ==
	    NULL)
		return -1;
	psim_set_sender(h->ps, wire, h);
	for (unsigned i = 0; i < NPORTS; i++)
		h->nb[i] = (struct nb){ h, i, (int)(answers >> i & 1) };
	cfg.id = 0;
	cfg.name = names[0];
	cfg.npops = NPOPS;
	cfg.names = names;
	cfg.port_peer = peers;
	cfg.nports = NPORTS;
	cfg.refresh = REFRESH;
	if ((h->pop = pop_new(psim_platform(h->ps), &cfg, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "pop_input: %s\n", err);
		return -1;
	}
	pop_start(h->pop);
	if (pop_attach(h->pop, SITE, 16, 1, TUNNEL_HANDLE) < 0)
		return -1;
	/* long enough for answered probes to bring their ports up */
	kernel_run(h->k, 1 * SB_S);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct harness h;
	size_t pos = 1;

	if (size < 1)
		return 0;
	if (harness_init(&h, data[0] & 7) < 0) {
		fprintf(stderr, "pop_input: could not set up the PoP\n");
		abort();
	}
	check(&h);
	while (pos + 2 <= size) {
		const struct sb_platform *pf = psim_platform(h.ps);
		unsigned hd = (unsigned)data[pos] << 8 | data[pos + 1];
		uint32_t n = hd & MAXMSG;
		struct sb_packet *p;

		pos += 2;
		if (n > size - pos)
			n = (uint32_t)(size - pos);
		if ((p = pf->ops->packet_new(pf->ctx)) == NULL)
			die("out of packets");
		if (n > p->cap)
			n = p->cap;
		memcpy(p->data, data + pos, n);
		p->len = n;
		pos += n;
		pop_input(h.pop, hd >> 14, p);
		kernel_run(h.k, kernel_now(h.k) + gaps[hd >> 11 & 7]);
		check(&h);
	}
	harness_free(&h);
	return 0;
}

/*
 * With SASEBED_FUZZ_SEEDS set to a folder, write a starting corpus there:
 * each message kind well formed (an advert from PoP 1 with two links and a
 * prefix, its newer self, one from PoP 2 that takes the prefix over, a
 * probe, an echo of a probe the PoP sent), and the PoP's own advert played
 * back to it.
 */
static size_t
put_msg(uint8_t *b, unsigned port, unsigned gap, const uint8_t *m, size_t n)
{
	unsigned hd = port << 14 | gap << 11 | (unsigned)n;

	b[0] = (uint8_t)(hd >> 8);
	b[1] = (uint8_t)hd;
	memcpy(b + 2, m, n);
	return n + 2;
}

static size_t
advert(uint8_t *m, unsigned origin, uint32_t seq, uint32_t pfx, uint8_t len)
{
	uint8_t *q = m;

	*q++ = 3;
	*q++ = 1;
	*q++ = 0;
	*q++ = (uint8_t)origin;
	for (int i = 3; i >= 0; i--)
		*q++ = (uint8_t)(seq >> 8 * i);
	*q++ = 0;
	*q++ = 2;	/* links */
	*q++ = 0;
	*q++ = 1;	/* prefixes */
	/* to PoP 0 at 2 ms, to PoP 3 at 7 ms */
	memcpy(q, "\0\0\0\0\x07\xd0\0\x03\0\0\x1b\x58", 12);
	q += 12;
	for (int i = 3; i >= 0; i--)
		*q++ = (uint8_t)(pfx >> 8 * i);
	*q++ = len;
	*q++ = 1;
	return (size_t)(q - m);
}

static void
save(const char *dir, const char *name, const uint8_t *b, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seed-%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL || fwrite(b, 1, n, f) != n ||
	    fclose(f) != 0)
		fprintf(stderr, "pop_input: cannot write %s\n", path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t probe[16] =
	    "\x01\x01\0\x03\0\0\0\x05\0\0\0\0\0\0\0\x10";
	static const uint8_t echo[16] =
	    "\x02\x01\0\0\0\0\0\x01\0\0\0\0\0\0\0\x10";
	const char *dir = getenv("SASEBED_FUZZ_SEEDS");
	uint8_t b[1024], m[256];
	size_t n;

	if (dir == NULL)
		return 0;
	/* an advert from PoP 1 on port 0, then time for paths */
	b[0] = 7;
	n = 1 + put_msg(b + 1, 0, 2, m, advert(m, 1, 1, 0x0a020000, 16));
	save(dir, "advert", b, n);
	/* the same, then a newer one, then PoP 2 advertising it better */
	n += put_msg(b + n, 0, 3, m, advert(m, 1, 2, 0x0a020000, 24));
	n += put_msg(b + n, 1, 4, m, advert(m, 2, 9, 0x0a020000, 24));
	save(dir, "adverts", b, n);
	/* a probe from PoP 3 (answered), then a long silence */
	b[0] = 3;
	n = 1 + put_msg(b + 1, 2, 6, probe, sizeof(probe));
	save(dir, "probe", b, n);
	/* an echo as if of probe 1, on a port whose neighbour is silent */
	b[0] = 0;
	n = 1 + put_msg(b + 1, 1, 1, echo, sizeof(echo));
	save(dir, "echo", b, n);
	/* the PoP's own advert, from before a restart */
	b[0] = 7;
	n = 1 + put_msg(b + 1, 0, 2, m, advert(m, 0, 1000, SITE, 16));
	save(dir, "own-advert", b, n);
	/* a prefix of length 32 and one of 0: the edges of a mask */
	n = 1 + put_msg(b + 1, 0, 2, m, advert(m, 1, 1, 0xc6120001, 32));
	n += put_msg(b + n, 1, 2, m, advert(m, 2, 1, 0, 0));
	save(dir, "masks", b, n);
	return 0;
}
