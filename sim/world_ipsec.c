/*
 * IPsec sites in the world: a third-party firewall or a cloud VPN gateway
 * with one or two tunnels to PoPs and no Socket logic (no link health, no
 * PoP selection, no rules, no off-cloud).  Glue only: the routing is
 * wan/pop.c's and the session wan/bgp.c's.
 *
 * The tunnel.  IKEv2 and ESP (wan/ike.c): the site the initiator, the PoP
 * the responder, each end in the tunnel's wtun (ike[], where a Socket's
 * has t[]), on UDP port 4500 at both ends.  Dead-peer detection is
 * RFC 7296's, a probe only after a silent `dpd` (10 s by default), down
 * after `dpd-misses` (3) unanswered: 20 to 50 s after the peer went
 * silent, where a Socket's tunnel takes 9 s.
 *
 * The routes.  Static: while a tunnel is up, its PoP holds the site's LAN
 * /24 and the `prefixes` behind it.  With BGP: a session in each tunnel
 * between neighbour addresses in 169.254.0.0/16 (the PoP's .1, the
 * site's .2 of a /30 per tunnel), the site announcing those prefixes and
 * the PoP holding what it learns, until a withdrawal, the hold timer or
 * the tunnel ends the session.  Either way the PoP advertises what it
 * holds across the backbone (pop_attach), so every PoP routes to the
 * site through it.
 *
 * The site's own traffic goes out through its first tunnel that is up
 * (with BGP: whose session is established), in the order written: the
 * static failover of a route-based VPN.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/recorder.h"
#include "sim/platform_sim.h"
#include "sim/rng.h"
#include "sim/world_impl.h"
#include "wan/bgp.h"
#include "wan/inet.h"

/* 169.254.0.0/16, a /30 per IPsec tunnel: the PoP's end .1, the site's
 * .2 (link-local: never routed, as a tunnel's inside addresses are). */
#define NEIGH_BASE 0xa9fe0000u
#define NEIGH_MAX 16383

/* IKE and ESP share it (RFC 3948). */
#define NATT_PORT 4500

struct itun {
	struct site *s;
	int k;                     /* the tunnel's number at its site */
	struct wtun *wt;
	struct bgp *bgp[2];        /* 0: the site's, 1: the PoP's */
	struct psim *ps[2];
	gsl_rng *rng[2];
	uint32_t addr[2];          /* neighbour addresses */
	char name[320];
};

struct ipsite {
	struct itun t[SC_IPSEC_TUNNELS];
	size_t n;
	int cur;                   /* the tunnel the site sends on, or -1 */
};

/* ---- the routes at the PoP ---- */

static void
static_routes(struct itun *it, int up)
{
	const struct sc_ipsec *ip = it->s->sc->ipsec;

	site_prefixes(it->s->w, it->wt->pop, it->s->idx, ip->prefixes,
	    ip->nprefixes, (unsigned)it->k, it->wt->id, up);
}

/* The PoP's speaker learned or lost a prefix. */
static void
pop_route(void *ctx, uint32_t addr, unsigned len, int up)
{
	struct itun *it = ctx;
	struct pop *a = it->s->w->pops[it->wt->pop].agent;

	if (up)
		pop_attach(a, addr, len, (unsigned)it->k, it->wt->id);
	else
		pop_withdraw(a, addr, len, it->wt->id);
}

/* Either end's session came or went: the site may send elsewhere. */
static void
session(void *ctx, int up)
{
	struct itun *it = ctx;

	(void)up;
	it->s->w->topo++;
}

/* ---- the tunnel's ends ---- */

/* A BGP message out of end e's speaker: into the tunnel, if it is up. */
static int
bgp_send(struct itun *it, unsigned e, struct sb_packet *p)
{
	struct world *w = it->s->w;

	if (!wtun_end_up(it->wt, (int)e)) {
		pool_put(w->pool, p);
		return -1;
	}
	return wtun_end_send(it->wt, (int)e, p);
}

static int
bgp_send_site(void *ctx, unsigned link, struct sb_packet *p)
{
	(void)link;
	return bgp_send(ctx, 0, p);
}

static int
bgp_send_pop(void *ctx, unsigned link, struct sb_packet *p)
{
	(void)link;
	return bgp_send(ctx, 1, p);
}

void
ipsec_tunnel_state(struct wtun *wt, int end, int up)
{
	struct itun *it = wt->itun;

	if (it->bgp[end] != NULL)
		bgp_transport(it->bgp[end], up);
	else if (end == 1)
		static_routes(it, up);
}

int
ipsec_deliver(struct wtun *wt, struct sb_packet *p)
{
	struct itun *it = wt->itun;

	if (it == NULL || it->bgp[0] == NULL)
		return -1;
	/* the address says which end it is for */
	if (bgp_input(it->bgp[1], p) == 0 || bgp_input(it->bgp[0], p) == 0)
		return 0;
	return -1;
}

/* ---- building ---- */

static int
make_speakers(struct world *w, struct itun *it, unsigned id)
{
	const struct sc_ipsec *ip = it->s->sc->ipsec;
	struct psim_env env = { w->k, w->pool, psim_emit_cb, w };
	struct bgp_prefix px[BGP_MAX_PREFIXES];
	size_t np = 0;
	char rn[400], err[256];

	px[np++] = (struct bgp_prefix){ lan_addr(it->s->idx) & 0xffffff00u,
	    24 };
	for (size_t i = 0; i < ip->nprefixes && np < BGP_MAX_PREFIXES; i++)
		px[np++] = (struct bgp_prefix){ ip->prefixes[i].addr,
		    (uint8_t)ip->prefixes[i].len };
	it->addr[1] = NEIGH_BASE + 4 * id + 1;
	it->addr[0] = NEIGH_BASE + 4 * id + 2;
	for (int e = 0; e < 2; e++) {
		const char *node = e == 0 ? it->s->sc->name :
		    w->pops[it->wt->pop].sc->name;
		struct bgp_config c = {
			.name = it->name, .node = node,
			.local_as = e == 0 ? ip->asn : ip->pop_asn,
			.peer_as = e == 0 ? ip->pop_asn : ip->asn,
			.local_addr = it->addr[e], .peer_addr = it->addr[!e],
			.hold = ip->hold, .keepalive = ip->keepalive,
			.prefixes = e == 0 ? px : NULL,
			.nprefixes = e == 0 ? np : 0,
			.on_route = e == 1 ? pop_route : NULL,
			.on_session = session, .ctx = it,
		};

		snprintf(rn, sizeof(rn), "bgp:%s:%s", it->name,
		    e == 0 ? "site" : "pop");
		if ((it->rng[e] = rng_new(w->seed, rn)) == NULL ||
		    (it->ps[e] = psim_new(&env, node, it->rng[e], NULL, 0,
		    NULL, NULL)) == NULL)
			goto oom;
		psim_set_sender(it->ps[e], e == 0 ? bgp_send_site :
		    bgp_send_pop, it);
		if ((it->bgp[e] = bgp_new(psim_platform(it->ps[e]), &c, err,
		    sizeof(err))) == NULL) {
			w->failed = 1;
			return -1;
		}
	}
	return 0;
oom:
	w->failed = 1;
	return -1;
}

int
build_ipsec(struct world *w, char *err, size_t errlen)
{
	const struct scenario *sc = w->sc;
	unsigned id = 0;

	for (size_t i = 0; i < sc->nsites; i++) {
		struct site *s = &w->sites[i];
		const struct sc_ipsec *ip = s->sc->ipsec;
		struct ipsite *is;

		if (ip == NULL)
			continue;
		if ((is = s->ips = calloc(1, sizeof(*is))) == NULL)
			goto oom;
		is->cur = -1;
		for (size_t k = 0; k < ip->ntunnels; k++, id++) {
			struct itun *it = &is->t[k];
			const struct sc_ipsec_tunnel *x = &ip->tunnels[k];

			if (id > NEIGH_MAX) {
				snprintf(err, errlen, "more than %d IPsec "
				    "tunnels", NEIGH_MAX + 1);
				return -1;
			}
			it->s = s;
			it->k = (int)k;
			if ((it->wt = wtun_make(w, s->idx, x->link, x->pop)) ==
			    NULL)
				goto oom;
			it->wt->itun = it;
			it->wt->port[0] = it->wt->port[1] = NATT_PORT;
			snprintf(it->name, sizeof(it->name), "%s", it->wt->name);
			if (ip->bgp && make_speakers(w, it, id) < 0) {
				snprintf(err, errlen, "building the BGP "
				    "session of %s", it->name);
				return -1;
			}
			is->n++;
		}
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory building IPsec sites");
	return -1;
}

/* The tunnels' ends, made and started: the site initiates. */
void
start_ipsec(struct world *w)
{
	for (size_t i = 0; i < w->sc->nsites; i++) {
		struct ipsite *is = w->sites[i].ips;

		for (size_t k = 0; is != NULL && k < is->n; k++)
			(void)wtun_connect(is->t[k].wt);
	}
}

void
free_ipsec(struct world *w)
{
	for (size_t i = 0; w->sites != NULL && i < w->sc->nsites; i++) {
		struct ipsite *is = w->sites[i].ips;

		for (size_t k = 0; is != NULL && k < is->n; k++)
			for (int e = 0; e < 2; e++) {
				struct itun *it = &is->t[k];
				bgp_free(it->bgp[e]);
				psim_free(it->ps[e]);
				if (it->rng[e] != NULL)
					gsl_rng_free(it->rng[e]);
			}
		free(is);
	}
}

/* ---- the site's traffic ---- */

/* The first tunnel that can carry: up, and with BGP established. */
static int
pick(const struct ipsite *is)
{
	for (size_t k = 0; k < is->n; k++) {
		const struct itun *it = &is->t[k];
		if (!wtun_end_up(it->wt, 0))
			continue;
		if (it->bgp[0] != NULL &&
		    bgp_state(it->bgp[0]) != BGP_ESTABLISHED)
			continue;
		return (int)k;
	}
	return -1;
}

int
ipsec_pop(const struct site *s)
{
	const struct ipsite *is = s->ips;

	return is->cur >= 0 ? is->t[is->cur].wt->pop : -1;
}

int
ipsec_output(struct site *s, struct sb_packet *p)
{
	struct ipsite *is = s->ips;
	int k = pick(is);

	if (k != is->cur) {
		is->cur = k;
		s->w->topo++;         /* routes from the link are others */
	}
	if (k < 0) {
		pool_put(s->w->pool, p);
		return -1;
	}
	sock_send(s, (unsigned)is->t[k].wt->link, p);
	return 0;
}

/* ---- results ---- */

void
ipsec_results(struct world *w)
{
	static const char *const tname[] = { NULL, "opens", "updates",
		"notifications", "keepalives" };

	if (w->rec == NULL)
		return;
	for (size_t i = 0; i < w->sc->nsites; i++) {
		struct ipsite *is = w->sites[i].ips;

		for (size_t k = 0; is != NULL && k < is->n; k++) {
			const struct itun *it = &is->t[k];
			for (int e = 0; e < 2 && it->bgp[0] != NULL; e++) {
				const struct bgp_stats *st =
				    bgp_stats(it->bgp[e]);
				const char *scope = e == 0 ? "bgp-site" :
				    "bgp-pop";
				char m[64];

				for (int t = 1; t <= 4; t++) {
					snprintf(m, sizeof(m), "%s-sent",
					    tname[t]);
					rec_check(w, recorder_metric(w->rec,
					    scope, it->name, m,
					    (double)st->sent[t], "count"));
					snprintf(m, sizeof(m), "%s-received",
					    tname[t]);
					rec_check(w, recorder_metric(w->rec,
					    scope, it->name, m,
					    (double)st->received[t], "count"));
				}
				rec_check(w, recorder_metric(w->rec, scope,
				    it->name, "established",
				    (double)st->established, "count"));
				rec_check(w, recorder_metric(w->rec, scope,
				    it->name, "hold-expired",
				    (double)st->hold_expired, "count"));
				rec_check(w, recorder_metric(w->rec, scope,
				    it->name, "prefixes",
				    (double)st->learned, "count"));
			}
		}
	}
}
