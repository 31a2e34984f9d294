/*
 * Tunnel cost: packets per second through one record's protection and its
 * removal (client tunnel_send(), a link with no delay and no bandwidth
 * limit, server tunnel_input(), delivery), in DTLS and null-cipher mode at
 * three inner packet sizes; the wall time of one PSK handshake; and the
 * memory an established tunnel pair holds.  Figures to read, not a
 * pass/fail test.
 *
 *   bench/tunnel [SECONDS_PER_FIGURE]
 *
 * The throughput figures include what the simulator adds per packet (a
 * pool packet, a kernel event, the link), as a run pays it too; the "vs
 * null" column is DTLS's time per packet over null-cipher's.  The machine
 * is shared, so the two modes of a size run in alternating slices of the
 * same second: a neighbour's burst of load falls on both, and the ratio
 * holds up better than either rate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench/bench.h"
#include "models/link.h"
#include "sim/kernel.h"
#include "sim/platform_sim.h"
#include "sim/pool.h"
#include "sim/rng.h"
#include "wan/tunnel.h"

#define SLICES 8
#define BATCH 64
#define HANDSHAKES 50
#define PAIRS 200

static const uint8_t psk[16] = "0123456789abcdef";

struct end {
	struct pair *pr;
	gsl_rng *rng, *lrng;
	struct link *out;
	struct psim *ps;
	struct tunnel *t;
};

struct pair {
	struct kernel *k;
	struct pool *pl;
	struct end c, s;
	uint64_t delivered;
};

static void
deliver(void *ctx, struct sb_packet *p)
{
	struct pair *pr = ctx;

	pr->delivered++;
	pool_put(pr->pl, p);
}

/* A datagram reaches the end `ctx` over its link. */
static void
arrive(void *ctx, struct link *l, struct sb_packet *p)
{
	struct end *e = ctx;

	tunnel_input(e->t, p);
}

static void
dropped(void *ctx, struct link *l, struct sb_packet *p, enum link_drop why)
{
	struct end *e = ctx;

	pool_put(e->pr->pl, p);
}

static void
oom(void)
{
	fprintf(stderr, "tunnel: could not set up a tunnel pair\n");
	exit(3);
}

static void
end_init(struct pair *pr, struct end *e, int client, enum tunnel_mode mode,
    uint64_t seed)
{
	struct psim_env env = { pr->k, pr->pl, NULL, NULL };
	struct link_spec spec = { 0 };   /* no delay, no bandwidth limit */
	struct tunnel_cfg cfg = { 0 };
	const char *name = client ? "client" : "server";
	char err[160];

	e->pr = pr;
	e->rng = rng_new(seed, name);
	e->lrng = rng_new(seed, client ? "link:client" : "link:server");
	if (e->rng == NULL || e->lrng == NULL ||
	    (e->out = link_new(pr->k, name, &spec, e->lrng)) == NULL ||
	    (e->ps = psim_new(&env, name, e->rng, &e->out, 1, deliver,
	    pr)) == NULL)
		oom();
	cfg.name = name;
	cfg.role = client ? TUNNEL_CLIENT : TUNNEL_SERVER;
	cfg.mode = mode;
	cfg.peer_id = client ? NULL : "192.0.2.1:40000";
	cfg.auth.psk_identity = "site-1";
	cfg.auth.psk = psk;
	cfg.auth.psk_len = sizeof(psk);
	if ((e->t = tunnel_new(psim_platform(e->ps), &cfg, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "tunnel: %s\n", err);
		exit(3);
	}
}

/* A pair not yet started, on the given kernel and pool. */
static void
pair_init(struct pair *pr, struct kernel *k, struct pool *pl,
    enum tunnel_mode mode, uint64_t seed)
{
	memset(pr, 0, sizeof(*pr));
	pr->k = k;
	pr->pl = pl;
	end_init(pr, &pr->c, 1, mode, seed);
	end_init(pr, &pr->s, 0, mode, seed);
	link_set_handlers(pr->c.out, arrive, dropped, &pr->s);
	link_set_handlers(pr->s.out, arrive, dropped, &pr->c);
}

/* Both ends up.  With no delay the whole handshake happens at one
 * instant, so the kernel need not go past it (no timer fires). */
static void
pair_handshake(struct pair *pr)
{
	tunnel_start(pr->s.t);
	tunnel_start(pr->c.t);
	kernel_run(pr->k, kernel_now(pr->k));
	if (tunnel_state(pr->c.t) != TUNNEL_UP ||
	    tunnel_state(pr->s.t) != TUNNEL_UP) {
		fprintf(stderr, "tunnel: handshake did not complete\n");
		exit(3);
	}
}

static void
end_free(struct end *e)
{
	tunnel_free(e->t);
	psim_free(e->ps);
	link_free(e->out);
	gsl_rng_free(e->rng);
	gsl_rng_free(e->lrng);
}

static void
pair_free(struct pair *pr)
{
	end_free(&pr->c);
	end_free(&pr->s);
}

/* Send inner packets of `size` bytes for about `secs`; adds the packets
 * delivered and the time taken. */
static void
pump(struct pair *pr, uint32_t size, double secs, uint64_t *n, double *t)
{
	const struct sb_platform *pf = psim_platform(pr->c.ps);
	uint64_t before = pr->delivered;
	double t0 = wall(), t1;

	do {
		for (int i = 0; i < BATCH; i++) {
			struct sb_packet *p = pf->ops->packet_new(pf->ctx);

			if (p == NULL)
				oom();
			p->data[0] = 0x45;
			p->len = size;
			tunnel_send(pr->c.t, p);
		}
		kernel_run(pr->k, kernel_now(pr->k));
	} while ((t1 = wall()) - t0 < secs);
	*n += pr->delivered - before;
	*t += t1 - t0;
}

static void
throughput(double secs)
{
	static const uint32_t sizes[] = { 64, 512, 1400 };
	static const enum tunnel_mode modes[] = { TUNNEL_NULL, TUNNEL_DTLS };
	struct kernel *k = kernel_new();
	struct pool *pl = pool_new();
	struct pair pr[2];

	if (k == NULL || pl == NULL)
		oom();
	for (int m = 0; m < 2; m++) {
		pair_init(&pr[m], k, pl, modes[m], 1);
		pair_handshake(&pr[m]);
	}
	printf("tunnel throughput: client tunnel_send -> link (no delay, no "
	    "bandwidth limit) -> server tunnel_input -> delivered\n");
	printf("%-12s %6s %12s %10s %10s %8s\n", "mode", "size", "packets/s",
	    "Mbit/s", "ns/packet", "vs null");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t n[2] = { 0, 0 };
		double t[2] = { 0, 0 }, ns[2];

		for (int s = 0; s < SLICES; s++)
			for (int m = 0; m < 2; m++)
				pump(&pr[m], sizes[i], secs / SLICES, &n[m],
				    &t[m]);
		for (int m = 0; m < 2; m++) {
			double rate = (double)n[m] / t[m];

			ns[m] = 1e9 / rate;
			printf("%-12s %6u %12.0f %10.1f %10.0f %8.2f\n",
			    tunnel_mode_name(modes[m]), sizes[i], rate,
			    rate * sizes[i] * 8 / 1e6, ns[m], ns[m] / ns[0]);
		}
	}
	for (int m = 0; m < 2; m++)
		pair_free(&pr[m]);
	pool_free(pl);
	kernel_free(k);
}

/* Mean wall time from tunnel_start() on both ends to both up; setting the
 * tunnels up (tunnel_new) is not counted. */
static void
handshakes(void)
{
	static const enum tunnel_mode modes[] = { TUNNEL_NULL, TUNNEL_DTLS };

	printf("handshake (PSK, with the cookie exchange), mean of %d:",
	    HANDSHAKES);
	for (int m = 0; m < 2; m++) {
		double t = 0;

		for (int i = 0; i < HANDSHAKES; i++) {
			struct kernel *k = kernel_new();
			struct pool *pl = pool_new();
			struct pair pr;
			double t0;

			if (k == NULL || pl == NULL)
				oom();
			pair_init(&pr, k, pl, modes[m], (uint64_t)i + 1);
			t0 = wall();
			pair_handshake(&pr);
			t += wall() - t0;
			pair_free(&pr);
			pool_free(pl);
			kernel_free(k);
		}
		printf("%s %s %.0f us", m ? "," : "",
		    tunnel_mode_name(modes[m]), t / HANDSHAKES * 1e6);
	}
	printf("\n");
}

/*
 * Peak resident set growth while PAIRS established DTLS pairs exist, per
 * pair: both ends' mbedTLS contexts and record buffers (the pages touched:
 * a buffer's untouched tail costs nothing), the session, the platform glue
 * and two links.  Null-cipher pairs hold the same.  ru_maxrss is a peak, so
 * this runs first, before other figures have raised it.
 */
static void
memory(void)
{
	struct kernel *k = kernel_new();
	struct pool *pl = pool_new();
	struct pair *pr = calloc(PAIRS, sizeof(*pr));
	struct rusage r0, r1;

	if (k == NULL || pl == NULL || pr == NULL)
		oom();
	getrusage(RUSAGE_SELF, &r0);
	for (int i = 0; i < PAIRS; i++) {
		pair_init(&pr[i], k, pl, TUNNEL_DTLS, (uint64_t)i + 1);
		pair_handshake(&pr[i]);
	}
	getrusage(RUSAGE_SELF, &r1);
	printf("memory: %d established pairs raised peak RSS by %.1f MiB: "
	    "%.1f KiB per pair (both ends)\n", PAIRS,
	    (r1.ru_maxrss - r0.ru_maxrss) / 1024.0,
	    (double)(r1.ru_maxrss - r0.ru_maxrss) / PAIRS);
	for (int i = 0; i < PAIRS; i++)
		pair_free(&pr[i]);
	free(pr);
	pool_free(pl);
	kernel_free(k);
}

int
main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1.0;

	if (secs <= 0)
		secs = 1.0;
	memory();
	handshakes();
	throughput(secs);
	return 0;
}
