/*
 * sasebed-popd: a PoP as a real daemon.  It terminates the Sockets' DTLS
 * tunnels on its core address (port 443), runs the PoP agent of
 * wan/pop.c over a UDP socket per backbone link, and forwards: a packet
 * out of a site's tunnel goes to the tunnel of the site that holds its
 * destination if that site is attached here, else across the backbone to
 * the PoP the agent's table names, one hop at a time.
 *
 * On the backbone, control messages are wan/pop.c's own; transit packets
 * carry a two-byte header (TRANSIT, hops left) in front of the inner IPv4
 * packet.  Sites are known by their underlay address (the address plan's,
 * emu/plan.h) and their pre-shared key: this is the configuration a PoP
 * is handed.  Internet egress is not emulated yet (docs/emulation.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "emu/daemon.h"
#include "emu/plan.h"
#include "sim/rng.h"
#include "sim/world.h"
#include "wan/byteorder.h"
#include "wan/firewall.h"
#include "wan/inet.h"
#include "wan/pop.h"
#include "wan/tunnel.h"

#define TRANSIT 0xd0           /* pop.c's types are 1-3 */
#define TRANSIT_HOPS 16
#define SESSIONS 4096          /* firewall sessions held (a power of 2) */
#define ENDS_PER_LINK 4        /* tunnel ends per site link address */

/* A firewall session: the flow's addresses, ports and protocol, and the
 * rule that decided it. */
struct session {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t proto, used;
	int16_t rule;
};

struct pd;

/* The PoP end of one site link's tunnel, made at its first datagram. */
struct ptun {
	struct pd *pd;
	size_t site, link;
	uint32_t addr;
	uint16_t port;
	int up;
	char name[300];
	gsl_rng *rng;
	struct pemu *pe;
	struct tunnel *t;
};

struct psite {
	struct ptun *rx;          /* the tunnel it last sent on */
	unsigned nup;
};

struct pport {
	int peer;                 /* the PoP at the far end */
	int fd;
	uint32_t peer_addr;
	char ifname[PLAN_NAME];
	char name[64];
};

struct pd {
	struct daemon d;
	int fd;                   /* the tunnels' port */
	struct ptun **tuns;
	size_t ntuns, captuns;
	struct psite *sites;
	struct pport *ports;
	unsigned nports;
	struct pop *agent;
	gsl_rng *arng;
	struct pemu *ape;
	struct firewall *fw;      /* NULL: the scenario enforces none */
	struct session *sess;     /* SESSIONS, open addressing */
	uint64_t unknown, no_route, forwarded, transit_in, transit_out,
	    dropped, oversized, blocked;
};

static void forward(struct pd *pd, struct sb_packet *p, unsigned hops);

/* ---- the tunnels ---- */

static int
ptun_send(void *ctx, unsigned link, struct sb_packet *p)
{
	struct ptun *pt = ctx;

	return daemon_sendto(&pt->pd->d, pt->pd->fd, pt->addr, pt->port, p);
}

/* A session decided now (one hit of its rule, an fw-block event if it
 * blocks), kept in slot s if there is one. */
static int
session_new(struct pd *pd, struct session *s, const struct session *k)
{
	const struct scenario *sc = pd->d.sc;
	int src = plan_site_of(sc, k->src), dst = plan_site_of(sc, k->dst);
	int app = plan_app_of(sc, k->dport), rule;
	struct fw_flow f;

	memset(&f, 0, sizeof(f));
	f.src_site = src >= 0 ? sc->sites[src].name : NULL;
	f.dst_site = dst >= 0 ? sc->sites[dst].name : NULL;
	f.src_group = src >= 0 ? sc->sites[src].group : NULL;
	f.dst_group = dst >= 0 ? sc->sites[dst].group : NULL;
	f.src_addr = k->src;
	f.dst_addr = k->dst;
	f.proto = k->proto;
	f.dport = k->dport;
	if (app >= 0) {
		f.app = sc->apps[app].app_id;
		f.category = sc->apps[app].category;
		f.label = sc->apps[app].name;
	}
	rule = fw_session(pd->fw, FW_WAN, &f, pemu_platform(pd->ape),
	    pd->d.name);
	if (s != NULL) {
		*s = *k;
		s->rule = (int16_t)rule;
	}
	return rule;
}

/*
 * The WAN firewall, at the PoP a site's packet enters: the rule that
 * decided the packet's session, found or decided now (one hit, and an
 * fw-block event if it blocks).  The session table is fixed; where its
 * probes find it full, the packet is decided alone.
 */
static int
firewall_rule(struct pd *pd, const uint8_t *d, uint32_t len)
{
	unsigned hl = (d[0] & 0x0fu) * 4u;
	struct session k = { get32(d + 12), get32(d + 16), 0, 0, d[9], 1, -1 };
	uint32_t h;

	if ((k.proto == 6 || k.proto == 17) && len >= hl + 4) {
		k.sport = get16(d + hl);
		k.dport = get16(d + hl + 2);
	}
	h = (k.src * 2654435761u) ^ (k.dst * 40503u) ^
	    ((uint32_t)k.sport << 16 | k.dport) ^ k.proto;
	h ^= h >> 16;           /* the source port into the low bits */
	for (unsigned probe = 0; probe < 8; probe++) {
		struct session *s = &pd->sess[(h + probe) & (SESSIONS - 1)];

		if (s->used && s->src == k.src && s->dst == k.dst &&
		    s->sport == k.sport && s->dport == k.dport &&
		    s->proto == k.proto)
			return s->rule;
		if (!s->used)
			return session_new(pd, s, &k);
	}
	/* the table is full here: the packet is decided alone, so a flow
	 * the firewall would block is never let through unjudged */
	return session_new(pd, NULL, &k);
}

static void
ptun_deliver(void *ctx, struct sb_packet *p)
{
	struct ptun *pt = ctx;
	struct pd *pd = pt->pd;

	pd->sites[pt->site].rx = pt;
	/* site to site: the WAN firewall, here at the ingress PoP */
	if (pd->fw != NULL && fw_enabled(pd->fw, FW_WAN) &&
	    p->len >= INET_IPV4_HDR && (p->data[0] >> 4) == 4 &&
	    plan_site_of(pd->d.sc, get32(p->data + 16)) >= 0) {
		int r = firewall_rule(pd, p->data, p->len);

		if (r >= 0) {
			fw_packet(pd->fw, FW_WAN, r, p->len);
			if (fw_rule_action(pd->fw, FW_WAN, (size_t)r) ==
			    FW_BLOCK) {
				pd->blocked++;
				pool_put(pd->d.pool, p);
				return;
			}
		}
	}
	forward(pd, p, TRANSIT_HOPS);
}

static void
ptun_state(void *ctx, struct tunnel *t, int up)
{
	struct ptun *pt = ctx;
	struct pd *pd = pt->pd;
	struct psite *s = &pd->sites[pt->site];
	const struct sc_site_link *sl = &pd->d.sc->sites[pt->site].links[
	    pt->link];

	if (up == pt->up)
		return;
	pt->up = up;
	if (up && s->nup++ == 0)
		(void)pop_attach(pd->agent, plan_lan_addr(pt->site), 24,
		    (unsigned)sl->precedence, (int)pt->site);
	else if (!up && --s->nup == 0)
		pop_detach(pd->agent, (int)pt->site);
}

static void
ptun_keylog(void *ctx, const uint8_t cr[32], const uint8_t *ms, size_t len)
{
	struct ptun *pt = ctx;

	if (pt->pd->d.keylog != NULL)
		(void)keylog_client_random(pt->pd->d.keylog, cr, ms, len);
}

/* A datagram from an address the PoP has no tunnel for: a site link of
 * the plan gets one; anything else is dropped. */
static struct ptun *
ptun_new(struct pd *pd, uint32_t addr, uint16_t port)
{
	const struct scenario *sc = pd->d.sc;
	const struct sc_tunnels *tc = &sc->tunnels;
	struct tunnel_cfg cfg;
	struct ptun *pt;
	char rn[400], err[256], a[INET_ADDR_STR], peer[64];
	uint8_t psk[32];
	size_t si = 0, lj = 0;
	int found = 0;

	for (size_t i = 0; i < sc->nsites && !found; i++)
		for (size_t j = 0; j < sc->sites[i].nlinks && !found; j++)
			if (plan_link_addr(i, j) == addr) {
				si = i;
				lj = j;
				found = 1;
			}
	if (!found)
		return NULL;
	if (pd->ntuns == pd->captuns) {
		size_t cap = pd->captuns ? 2 * pd->captuns : 16;
		struct ptun **v = realloc(pd->tuns, cap * sizeof(*v));

		if (v == NULL)
			return NULL;
		pd->tuns = v;
		pd->captuns = cap;
	}
	if ((pt = calloc(1, sizeof(*pt))) == NULL)
		return NULL;
	pt->pd = pd;
	pt->site = si;
	pt->link = lj;
	pt->addr = addr;
	pt->port = port;
	snprintf(pt->name, sizeof(pt->name), "%s/%s>%s", sc->sites[si].name,
	    sc->sites[si].links[lj].name, pd->d.name);
	snprintf(rn, sizeof(rn), "tunnel:%s:pop", pt->name);
	snprintf(peer, sizeof(peer), "%s:%u", inet_addr_fmt(addr, a), port);
	daemon_psk(sc, si, psk);
	if ((pt->rng = rng_new(sc->seed, rn)) == NULL ||
	    (pt->pe = pemu_new(&pd->d.env, pd->d.name, pt->rng, ptun_send,
	    pt, ptun_deliver, pt)) == NULL)
		goto fail;
	memset(&cfg, 0, sizeof(cfg));
	cfg.name = pt->name;
	cfg.role = TUNNEL_SERVER;
	cfg.mode = tc->null_cipher ? TUNNEL_NULL : TUNNEL_DTLS;
	cfg.peer_id = peer;
	cfg.auth.psk_identity = sc->sites[si].name;
	cfg.auth.psk = psk;
	cfg.auth.psk_len = sizeof(psk);
	cfg.keepalive = tc->keepalive;
	cfg.keepalive_misses = tc->misses;
	cfg.on_state = ptun_state;
	cfg.keylog = pd->d.keylog != NULL ? ptun_keylog : NULL;
	cfg.ctx = pt;
	if ((pt->t = tunnel_new(pemu_platform(pt->pe), &cfg, err,
	    sizeof(err))) == NULL) {
		daemon_log(&pd->d, "tunnel %s: %s", pt->name, err);
		goto fail;
	}
	tunnel_start(pt->t);
	pd->tuns[pd->ntuns++] = pt;
	daemon_log(&pd->d, "new tunnel from %s (%s)", peer, pt->name);
	return pt;
fail:
	pemu_free(pt->pe);
	if (pt->rng != NULL)
		gsl_rng_free(pt->rng);
	free(pt);
	return NULL;
}

static void
tunnels_readable(void *arg, int fd, uint32_t events)
{
	struct pd *pd = arg;

	(void)events;
	for (;;) {
		struct ptun *pt = NULL;
		struct sb_packet *p;
		uint32_t a;
		uint16_t port;

		if ((p = daemon_recv(&pd->d, fd, &a, &port, &pd->oversized)) ==
		    NULL)
			return;
		unsigned same = 0;

		for (size_t i = 0; i < pd->ntuns && pt == NULL; i++) {
			if (pd->tuns[i]->addr == a && pd->tuns[i]->port == port)
				pt = pd->tuns[i];
			same += pd->tuns[i]->addr == a;
		}
		/* A site link whose Socket restarts comes back from a new
		 * port, and gets a tunnel end of its own; a sender that
		 * keeps changing ports from a site's address gets no more
		 * than a few, so it cannot grow the PoP without end. */
		if (pt == NULL && (same >= ENDS_PER_LINK ||
		    (pt = ptun_new(pd, a, port)) == NULL)) {
			pd->unknown++;
			pool_put(pd->d.pool, p);
			continue;
		}
		tunnel_input(pt->t, p);
	}
}

/* ---- forwarding ---- */

/* The tunnel to reach a site attached here: the one it last sent on if
 * that is up (so replies follow a failover), else its best up link. */
static struct ptun *
site_tunnel(struct pd *pd, size_t site)
{
	struct psite *s = &pd->sites[site];
	struct ptun *best = NULL;

	if (s->rx != NULL && s->rx->up)
		return s->rx;
	for (size_t i = 0; i < pd->ntuns; i++) {
		struct ptun *pt = pd->tuns[i];

		if (pt->site == site && pt->up && (best == NULL ||
		    pd->d.sc->sites[site].links[pt->link].precedence <
		    pd->d.sc->sites[site].links[best->link].precedence))
			best = pt;
	}
	return best;
}

static void
forward(struct pd *pd, struct sb_packet *p, unsigned hops)
{
	uint32_t dst;
	int site, egress, port;
	struct ptun *pt;

	if (p->len < INET_IPV4_HDR || (p->data[0] >> 4) != 4)
		goto drop;
	dst = get32(p->data + 16);
	if ((site = plan_site_of(pd->d.sc, dst)) >= 0 &&
	    pd->sites[site].nup > 0 && (pt = site_tunnel(pd, (size_t)site))) {
		pd->forwarded++;
		(void)tunnel_send(pt->t, p);
		return;
	}
	if (hops == 0 || (egress = pop_egress(pd->agent, dst)) < 0 ||
	    egress == pd->d.idx ||
	    (port = pop_next_hop(pd->agent, egress)) < 0 ||
	    p->len + 2 > p->cap) {
		pd->no_route++;
		goto drop;
	}
	memmove(p->data + 2, p->data, p->len);
	p->data[0] = TRANSIT;
	p->data[1] = (uint8_t)(hops - 1);
	p->len += 2;
	if (daemon_sendto(&pd->d, pd->ports[port].fd,
	    pd->ports[port].peer_addr, PLAN_BB_PORT, p) == 0)
		pd->transit_out++;
	return;
drop:
	pd->dropped++;
	pool_put(pd->d.pool, p);
}

/* ---- the backbone ---- */

static int
agent_send(void *ctx, unsigned port, struct sb_packet *p)
{
	struct pd *pd = ctx;

	if (port >= pd->nports) {
		pool_put(pd->d.pool, p);
		return -1;
	}
	return daemon_sendto(&pd->d, pd->ports[port].fd,
	    pd->ports[port].peer_addr, PLAN_BB_PORT, p);
}

static void
backbone_readable(void *arg, int fd, uint32_t events)
{
	struct pd *pd = arg;
	unsigned port = 0;

	(void)events;
	while (port < pd->nports && pd->ports[port].fd != fd)
		port++;
	if (port == pd->nports)
		return;
	for (;;) {
		struct sb_packet *p = daemon_recv(&pd->d, fd, NULL, NULL,
		    &pd->oversized);

		if (p == NULL)
			return;
		if (p->data[0] == TRANSIT && p->len > 2) {
			unsigned hops = p->data[1];

			pd->transit_in++;
			p->len -= 2;
			p->size = p->len;
			memmove(p->data, p->data + 2, p->len);
			forward(pd, p, hops);
		} else
			pop_input(pd->agent, port, p);
	}
}

static int
pd_build(struct pd *pd)
{
	const struct scenario *sc = pd->d.sc;
	size_t me = (size_t)pd->d.idx, np = sc->npops;
	const char **names = calloc(np, sizeof(*names));
	int *peer = calloc(np, sizeof(*peer));
	const char **pname = calloc(np, sizeof(*pname));
	struct pop_config cfg;
	char err[512];
	int rc = 3;

	pd->sites = calloc(sc->nsites, sizeof(*pd->sites));
	pd->ports = calloc(np, sizeof(*pd->ports));
	if (names == NULL || peer == NULL || pname == NULL ||
	    pd->sites == NULL || pd->ports == NULL)
		goto out;
	if ((pd->fd = daemon_udp("core0", plan_pop_addr(me), PLAN_POP_PORT))
	    < 0) {
		fprintf(stderr, "%s: the tunnels' port on core0: %s (is this "
		    "the PoP's namespace?)\n", pd->d.prog, strerror(errno));
		goto out;
	}
	if (eloop_watch(pd->d.loop, pd->fd, 0, tunnels_readable, pd) < 0)
		goto out;
	for (size_t i = 0; i < np; i++) {
		struct pport *pp;
		size_t pair;
		int end;

		names[i] = sc->pops[i].name;
		if (i == me)
			continue;
		pp = &pd->ports[pd->nports];
		pair = i < me ? plan_bb_pair(np, i, me) : plan_bb_pair(np, me,
		    i);
		end = i < me ? 1 : 0;
		pp->peer = (int)i;
		pp->peer_addr = plan_bb_addr(pair, !end);
		snprintf(pp->ifname, sizeof(pp->ifname), "bb%zu", i);
		snprintf(pp->name, sizeof(pp->name), "%s-%s", pd->d.name,
		    sc->pops[i].name);
		if ((pp->fd = daemon_udp(pp->ifname, plan_bb_addr(pair, end),
		    PLAN_BB_PORT)) < 0) {
			fprintf(stderr, "%s: backbone %s: %s\n", pd->d.prog,
			    pp->ifname, strerror(errno));
			goto out;
		}
		if (eloop_watch(pd->d.loop, pp->fd, 0, backbone_readable, pd)
		    < 0)
			goto out;
		peer[pd->nports] = (int)i;
		pname[pd->nports] = pp->name;
		pd->nports++;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.id = (int)me;
	cfg.name = pd->d.name;
	cfg.npops = (unsigned)np;
	cfg.names = names;
	cfg.port_peer = peer;
	cfg.port_name = pname;
	cfg.nports = pd->nports;
	cfg.probe = sc->routing.probe;
	cfg.misses = sc->routing.misses;
	cfg.window = sc->routing.loss_window;
	cfg.loss_weight = sc->routing.loss_weight;
	snprintf(err, sizeof(err), "pop:%s", pd->d.name);
	if ((pd->arng = rng_new(sc->seed, err)) == NULL ||
	    (pd->ape = pemu_new(&pd->d.env, pd->d.name, pd->arng, agent_send,
	    pd, NULL, NULL)) == NULL)
		goto out;
	if ((pd->agent = pop_new(pemu_platform(pd->ape), &cfg, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", pd->d.prog, err);
		goto out;
	}
	if ((pd->fw = firewall_build(sc, err, sizeof(err))) == NULL &&
	    err[0] != '\0') {
		fprintf(stderr, "%s: %s\n", pd->d.prog, err);
		rc = 2;
		goto out;
	}
	if (pd->fw != NULL && (pd->sess = calloc(SESSIONS,
	    sizeof(*pd->sess))) == NULL)
		goto out;
	rc = 0;
out:
	free(names);
	free(peer);
	free(pname);
	return rc;
}

static void
pd_start(void *arg)
{
	struct pd *pd = arg;

	daemon_log(&pd->d, "starting the PoP: %u backbone links",
	    pd->nports);
	pop_start(pd->agent);
}

static void
pd_free(struct pd *pd)
{
	for (size_t i = 0; i < pd->ntuns; i++) {
		tunnel_stop(pd->tuns[i]->t, "shutdown");
		daemon_tunnel_counters(&pd->d, pd->tuns[i]->t);
	}
	pop_free(pd->agent);
	fw_free(pd->fw);
	free(pd->sess);
	for (size_t i = 0; i < pd->ntuns; i++) {
		struct ptun *pt = pd->tuns[i];

		tunnel_free(pt->t);
		pemu_free(pt->pe);
		gsl_rng_free(pt->rng);
		free(pt);
	}
	free(pd->tuns);
	for (unsigned k = 0; k < pd->nports; k++)
		close(pd->ports[k].fd);
	free(pd->ports);
	free(pd->sites);
	pemu_free(pd->ape);
	if (pd->arng != NULL)
		gsl_rng_free(pd->arng);
	if (pd->fd >= 0)
		close(pd->fd);
}

int
main(int argc, char **argv)
{
	struct pd pd;
	int rc;

	memset(&pd, 0, sizeof(pd));
	pd.fd = -1;
	if ((rc = daemon_init(&pd.d, argc, argv, "pop")) != 0)
		return rc;
	if ((rc = pd_build(&pd)) == 0) {
		(void)eloop_timer_arm(pd.d.loop, 0, pd_start, &pd);
		rc = daemon_run(&pd.d);
		char detail[256];
		struct sb_event ev = { "daemon-counters", NULL, pd.d.name,
			detail, (double)(pd.unknown + pd.oversized) };

		for (size_t r = 0; pd.fw != NULL && fw_enabled(pd.fw, FW_WAN) &&
		    r < fw_rules(pd.fw, FW_WAN); r++) {
			const struct fw_counts *c = fw_counts(pd.fw, FW_WAN, r);
			struct sb_event fe = { "firewall-counters", NULL,
				fw_rule_name(pd.fw, FW_WAN, r), detail,
				(double)c->sessions };

			snprintf(detail, sizeof(detail), "wan: sessions %llu, "
			    "packets %llu, bytes %llu",
			    (unsigned long long)c->sessions,
			    (unsigned long long)c->packets,
			    (unsigned long long)c->bytes);
			daemon_emit(&pd.d, eloop_now(pd.d.loop), &fe);
		}
		snprintf(detail, sizeof(detail), "forwarded %llu, transit in "
		    "%llu, out %llu; no route %llu; blocked %llu; from unknown "
		    "senders %llu; oversized %llu",
		    (unsigned long long)pd.forwarded,
		    (unsigned long long)pd.transit_in,
		    (unsigned long long)pd.transit_out,
		    (unsigned long long)pd.no_route,
		    (unsigned long long)pd.blocked,
		    (unsigned long long)pd.unknown,
		    (unsigned long long)pd.oversized);
		daemon_emit(&pd.d, eloop_now(pd.d.loop), &ev);
	}
	pd_free(&pd);
	daemon_fini(&pd.d);
	return rc;
}
