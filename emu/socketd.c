/*
 * sasebed-socketd: a site's Socket as a real daemon.  The steering,
 * health, failover and tunnel code is wan/'s, exactly as the simulator
 * runs it; this file is its hands in a real network namespace: one UDP
 * socket bound to each WAN interface (wan<j>, emu/plan.h), a DTLS tunnel
 * per link to the PoP the Socket picks, and the site's LAN on a TUN
 * device (lan0) whose packets it classifies and sends on.
 *
 * What it does not do yet (docs/emulation.md): off-cloud tunnels, the
 * candidate PoPs' pings (the first connection goes to the nearest
 * candidate), certificates (PSK only).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "emu/daemon.h"
#include "emu/plan.h"
#include "models/geo.h"
#include "sim/rng.h"
#include "sim/world.h"
#include "wan/byteorder.h"
#include "wan/socket.h"
#include "wan/tunnel.h"

struct sd;

/* A tunnel from one of the site's links to one PoP. */
struct stun {
	struct sd *sd;
	unsigned link;
	int pop;
	char name[300];
	gsl_rng *rng;
	struct pemu *pe;
	struct tunnel *t;
};

struct slink {
	int fd;
	char ifname[PLAN_NAME];
	struct stun **tun;        /* by PoP, made at the first connection */
	struct stun *cur;         /* the one the Socket uses */
	uint64_t send_fail, unknown, oversized;
};

struct sd {
	struct daemon d;
	const struct sc_site *site;
	struct socket *sock;
	struct rules *rules;
	gsl_rng *srng;
	struct pemu *spe;
	int tunfd;
	struct slink links[SOCKET_MAX_LINKS];
	unsigned nlinks;
	int cand[POPSEL_MAX];
	unsigned ncand;
	uint8_t psk[32];
	uint64_t lan_in, lan_out, lan_drop;
};

/* ---- the tunnels' hands ---- */

static int
stun_send(void *ctx, unsigned link, struct sb_packet *p)
{
	struct stun *st = ctx;
	struct slink *l = &st->sd->links[st->link];

	if (daemon_sendto(&st->sd->d, l->fd, plan_pop_addr((size_t)st->pop),
	    PLAN_POP_PORT, p) < 0) {
		l->send_fail++;
		return -1;
	}
	return 0;
}

/* An inner packet out of a tunnel: onto the LAN. */
static void
stun_deliver(void *ctx, struct sb_packet *p)
{
	struct stun *st = ctx;
	struct sd *sd = st->sd;

	if (write(sd->tunfd, p->data, p->len) == (ssize_t)p->len)
		sd->lan_out++;
	else
		sd->lan_drop++;
	pool_put(sd->d.pool, p);
}

static void
stun_state(void *ctx, struct tunnel *t, int up)
{
	struct stun *st = ctx;

	socket_tunnel(st->sd->sock, st->link, st->pop, up);
}

static void
stun_probe(void *ctx, struct tunnel *t, uint32_t seq, uint32_t rx,
    uint32_t tx)
{
	struct stun *st = ctx;

	socket_probe_reply(st->sd->sock, st->link, seq, rx, tx);
}

static void
stun_keylog(void *ctx, const uint8_t cr[32], const uint8_t *ms, size_t len)
{
	struct stun *st = ctx;

	if (st->sd->d.keylog != NULL)
		(void)keylog_client_random(st->sd->d.keylog, cr, ms, len);
}

static struct stun *
stun_new(struct sd *sd, unsigned link, int pop)
{
	const struct sc_tunnels *tc = &sd->d.sc->tunnels;
	struct stun *st = calloc(1, sizeof(*st));
	struct tunnel_cfg cfg;
	char rn[400], err[256];

	if (st == NULL)
		return NULL;
	st->sd = sd;
	st->link = link;
	st->pop = pop;
	snprintf(st->name, sizeof(st->name), "%s/%s>%s", sd->site->name,
	    sd->site->links[link].name, sd->d.sc->pops[pop].name);
	snprintf(rn, sizeof(rn), "tunnel:%s:socket", st->name);
	if ((st->rng = rng_new(sd->d.sc->seed, rn)) == NULL ||
	    (st->pe = pemu_new(&sd->d.env, sd->site->name, st->rng,
	    stun_send, st, stun_deliver, st)) == NULL)
		goto fail;
	memset(&cfg, 0, sizeof(cfg));
	cfg.name = st->name;
	cfg.role = TUNNEL_CLIENT;
	cfg.mode = tc->null_cipher ? TUNNEL_NULL : TUNNEL_DTLS;
	cfg.link = link;
	cfg.auth.psk_identity = sd->site->name;
	cfg.auth.psk = sd->psk;
	cfg.auth.psk_len = sizeof(sd->psk);
	cfg.keepalive = tc->keepalive;
	cfg.keepalive_misses = tc->misses;
	cfg.rekey = tc->rekey;
	cfg.on_state = stun_state;
	cfg.on_probe = stun_probe;
	cfg.keylog = sd->d.keylog != NULL ? stun_keylog : NULL;
	cfg.ctx = st;
	if ((st->t = tunnel_new(pemu_platform(st->pe), &cfg, err,
	    sizeof(err))) == NULL) {
		daemon_log(&sd->d, "tunnel %s: %s", st->name, err);
		goto fail;
	}
	return st;
fail:
	pemu_free(st->pe);
	if (st->rng != NULL)
		gsl_rng_free(st->rng);
	free(st);
	return NULL;
}

static void
stun_free(struct stun *st)
{
	if (st == NULL)
		return;
	tunnel_free(st->t);
	pemu_free(st->pe);
	gsl_rng_free(st->rng);
	free(st);
}

/* ---- the Socket's hands ---- */

static int
sock_send(void *ctx, unsigned link, struct sb_packet *p)
{
	struct sd *sd = ctx;
	struct stun *st = sd->links[link].cur;

	if (st == NULL) {
		pool_put(sd->d.pool, p);
		return -1;
	}
	return tunnel_send(st->t, p);
}

static int
sock_probe(void *ctx, unsigned link, uint32_t seq)
{
	struct sd *sd = ctx;
	struct stun *st = sd->links[link].cur;

	return st == NULL ? -1 : tunnel_probe(st->t, seq);
}

static void
sock_connect(void *ctx, unsigned link, int pop)
{
	struct sd *sd = ctx;
	struct slink *l = &sd->links[link];
	struct stun *st = l->tun[pop];

	if (l->cur != NULL && l->cur != st)
		tunnel_stop(l->cur->t, "pop-change");
	l->cur = NULL;
	if (st == NULL && (st = l->tun[pop] = stun_new(sd, link, pop)) ==
	    NULL)
		return;
	if (tunnel_state(st->t) != TUNNEL_UP)
		tunnel_start(st->t);
	l->cur = st;
}

static const char *
sock_pop_name(void *ctx, int pop)
{
	struct sd *sd = ctx;

	return sd->d.sc->pops[pop].name;
}

static const struct socket_ops sock_ops = {
	.send = sock_send,
	.probe = sock_probe,
	.connect = sock_connect,
	.pop_name = sock_pop_name,
};

/* ---- the wire side: datagrams from the PoPs ---- */

static void
wan_readable(void *arg, int fd, uint32_t events)
{
	struct sd *sd = arg;

	(void)events;
	for (unsigned j = 0; j < sd->nlinks; j++) {
		struct slink *l = &sd->links[j];

		if (l->fd != fd)
			continue;
		for (;;) {
			struct sb_packet *p;
			uint32_t a;
			uint16_t port;
			int pop = -1;

			if ((p = daemon_recv(&sd->d, fd, &a, &port,
			    &l->oversized)) == NULL)
				return;
			for (size_t k = 0; k < sd->d.sc->npops; k++)
				if (plan_pop_addr(k) == a &&
				    port == PLAN_POP_PORT)
					pop = (int)k;
			if (pop < 0 || l->tun[pop] == NULL) {
				l->unknown++;
				pool_put(sd->d.pool, p);
				continue;
			}
			tunnel_input(l->tun[pop]->t, p);
		}
	}
}

/* ---- the LAN side ---- */

static void
lan_readable(void *arg, int fd, uint32_t events)
{
	struct sd *sd = arg;

	(void)events;
	for (;;) {
		struct sb_packet *p = pool_get_buf(sd->d.pool);
		struct rule_flow f;
		ssize_t n;
		unsigned hl;
		int dst, app;

		if (p == NULL)
			return;
		if ((n = read(fd, p->data, p->cap)) < 20 ||
		    (p->data[0] >> 4) != 4) {
			pool_put(sd->d.pool, p);
			if (n < 0)
				return;
			continue;
		}
		p->len = p->size = (uint32_t)n;
		p->flow = SB_FLOW_NONE;
		sd->lan_in++;
		hl = (p->data[0] & 0x0fu) * 4u;
		memset(&f, 0, sizeof(f));
		f.src_site = sd->site->name;
		f.src_addr = get32(p->data + 12);
		f.dst_addr = get32(p->data + 16);
		f.proto = p->data[9];
		if ((f.proto == 6 || f.proto == 17) && n >= (ssize_t)hl + 4) {
			f.sport = get16(p->data + hl);
			f.dport = get16(p->data + hl + 2);
		}
		dst = plan_site_of(sd->d.sc, f.dst_addr);
		f.dst_site = dst >= 0 ? sd->d.sc->sites[dst].name : NULL;
		/* what inspection would find: the application's own keys,
		 * known by its port, as the simulator knows them */
		if ((app = plan_app_of(sd->d.sc, f.dport)) >= 0) {
			const struct sc_app *a = &sd->d.sc->apps[app];

			f.app = a->app_id;
			f.category = a->category;
			f.domain = a->domain;
			f.ftp_passive = (uint8_t)a->ftp_passive;
			f.label = a->name;
		}
		(void)socket_output(sd->sock, &f, p);
	}
}

/* Attach to the site's TUN device, made (persistent) by the runner. */
static int
tun_open(const char *ifname)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Candidate PoPs, as the simulator picks them: the pinned one alone, else
 * the nearest few. */
static void
candidates(struct sd *sd)
{
	const struct scenario *sc = sd->d.sc;
	unsigned want = sc->socket.pop_candidates ? sc->socket.pop_candidates :
	    3;

	sd->ncand = 0;
	if (sd->site->pop >= 0) {
		sd->cand[sd->ncand++] = sd->site->pop;
		return;
	}
	while (sd->ncand < want && sd->ncand < sc->npops &&
	    sd->ncand < POPSEL_MAX) {
		int best = -1;
		double bkm = 0;

		for (size_t p = 0; p < sc->npops; p++) {
			const struct geo_city *a = sd->site->city,
			    *b = sc->pops[p].city;
			double km = geo_distance_km(a->lat, a->lon, b->lat,
			    b->lon);
			int taken = 0;

			for (unsigned k = 0; k < sd->ncand; k++)
				taken |= sd->cand[k] == (int)p;
			if (!taken && (best < 0 || km < bkm)) {
				best = (int)p;
				bkm = km;
			}
		}
		sd->cand[sd->ncand++] = best;
	}
}

static int
sd_build(struct sd *sd)
{
	const struct scenario *sc = sd->d.sc;
	const struct sc_socket *k = &sc->socket;
	struct socket_link_cfg lc[SOCKET_MAX_LINKS];
	struct socket_cfg cfg;
	char ns_if[PLAN_NAME], err[512];
	size_t si = (size_t)sd->d.idx;

	sd->site = &sc->sites[si];
	if (sd->site->nlinks > SOCKET_MAX_LINKS) {
		fprintf(stderr, "%s: site '%s': at most %d links\n",
		    sd->d.prog, sd->site->name, SOCKET_MAX_LINKS);
		return 2;
	}
	daemon_psk(sc, si, sd->psk);
	candidates(sd);
	if ((sd->tunfd = tun_open("lan0")) < 0) {
		fprintf(stderr, "%s: the LAN device lan0: %s (is this the "
		    "site's namespace?)\n", sd->d.prog, strerror(errno));
		return 3;
	}
	sd->nlinks = (unsigned)sd->site->nlinks;
	for (unsigned j = 0; j < sd->nlinks; j++) {
		struct slink *l = &sd->links[j];

		snprintf(ns_if, sizeof(ns_if), "wan%u", j);
		snprintf(l->ifname, sizeof(l->ifname), "%s", ns_if);
		l->fd = daemon_udp(ns_if, plan_link_addr(si, j), 0);
		l->tun = calloc(sc->npops, sizeof(*l->tun));
		if (l->fd < 0 || l->tun == NULL) {
			fprintf(stderr, "%s: link %s (%s): %s\n", sd->d.prog,
			    sd->site->links[j].name, ns_if, strerror(errno));
			return 3;
		}
		lc[j] = (struct socket_link_cfg){
			.name = sd->site->links[j].name,
			.precedence = sd->site->links[j].precedence,
			.up_bps = sd->site->links[j].p.bandwidth_bps,
			.shape = k->qos,
			.overhead = tunnel_mode_overhead(sc->tunnels.null_cipher ?
			    TUNNEL_NULL : TUNNEL_DTLS),
			.pops = sd->cand,
			.npops = sd->ncand,
			.public_addr = plan_link_addr(si, j),
		};
		if (eloop_watch(sd->d.loop, l->fd, 0, wan_readable, sd) < 0)
			return 3;
	}
	if (eloop_watch(sd->d.loop, sd->tunfd, 0, lan_readable, sd) < 0)
		return 3;
	memset(&cfg, 0, sizeof(cfg));
	cfg.name = sd->site->name;
	cfg.links = lc;
	cfg.nlinks = sd->nlinks;
	cfg.health = (struct health_cfg){ .loss_max = k->loss_max,
	    .jitter_max = k->jitter_max, .latency_max = k->latency_max,
	    .window = k->window };
	cfg.popsel = (struct popsel_cfg){ .rtt_max = k->sla_latency,
	    .loss_max = k->sla_loss };
	cfg.eval = k->eval;
	cfg.hold = k->hold;
	cfg.probe = k->probe;
	cfg.drain = k->drain;
	/* a remote user's client: the Socket code in client mode, as
	 * simulated */
	cfg.client = sd->site->user;
	cfg.flows = sd->site->user ? 64 : 0;
	if ((sd->rules = rules_build(sc, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", sd->d.prog, err);
		return 2;
	}
	cfg.rules = sd->rules;
	cfg.ops = &sock_ops;
	cfg.ctx = sd;
	snprintf(err, sizeof(err), "socket:%s", sd->site->name);
	if ((sd->srng = rng_new(sc->seed, err)) == NULL ||
	    (sd->spe = pemu_new(&sd->d.env, sd->site->name, sd->srng, NULL,
	    NULL, NULL, NULL)) == NULL)
		return 3;
	if ((sd->sock = socket_new(pemu_platform(sd->spe), &cfg, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", sd->d.prog, err);
		return 3;
	}
	return 0;
}

static void
sd_start(void *arg)
{
	struct sd *sd = arg;

	daemon_log(&sd->d, "starting the Socket: %u links, first PoP %s",
	    sd->nlinks, sd->d.sc->pops[sd->cand[0]].name);
	socket_start(sd->sock);
}

static void
sd_free(struct sd *sd)
{
	for (unsigned j = 0; j < sd->nlinks; j++) {
		struct slink *l = &sd->links[j];

		for (size_t k = 0; l->tun != NULL && k < sd->d.sc->npops; k++)
			if (l->tun[k] != NULL) {
				tunnel_stop(l->tun[k]->t, "shutdown");
				daemon_tunnel_counters(&sd->d, l->tun[k]->t);
			}
	}
	socket_free(sd->sock);
	rules_free(sd->rules);
	for (unsigned j = 0; j < sd->nlinks; j++) {
		struct slink *l = &sd->links[j];

		for (size_t k = 0; l->tun != NULL && k < sd->d.sc->npops; k++)
			stun_free(l->tun[k]);
		free(l->tun);
		if (l->fd >= 0)
			close(l->fd);
	}
	pemu_free(sd->spe);
	if (sd->srng != NULL)
		gsl_rng_free(sd->srng);
	if (sd->tunfd >= 0)
		close(sd->tunfd);
}

int
main(int argc, char **argv)
{
	struct sd sd;
	int rc;

	memset(&sd, 0, sizeof(sd));
	sd.tunfd = -1;
	for (unsigned j = 0; j < SOCKET_MAX_LINKS; j++)
		sd.links[j].fd = -1;
	if ((rc = daemon_init(&sd.d, argc, argv, "site")) != 0)
		return rc;
	if ((rc = sd_build(&sd)) == 0) {
		(void)eloop_timer_arm(sd.d.loop, 0, sd_start, &sd);
		rc = daemon_run(&sd.d);
		uint64_t unknown = 0, big = 0;
		char detail[256];
		struct sb_event ev = { "daemon-counters", NULL, sd.d.name,
			detail, 0 };

		for (unsigned j = 0; j < sd.nlinks; j++) {
			unknown += sd.links[j].unknown;
			big += sd.links[j].oversized;
		}
		ev.value = (double)(unknown + big);
		snprintf(detail, sizeof(detail), "LAN in %llu, out %llu, "
		    "dropped %llu; from unknown senders %llu; oversized %llu",
		    (unsigned long long)sd.lan_in,
		    (unsigned long long)sd.lan_out,
		    (unsigned long long)sd.lan_drop,
		    (unsigned long long)unknown, (unsigned long long)big);
		daemon_emit(&sd.d, eloop_now(sd.d.loop), &ev);
	}
	sd_free(&sd);
	daemon_fini(&sd.d);
	return rc;
}
