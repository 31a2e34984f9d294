/*
 * The world's tunnels: the tunnel code of wan/tunnel.c run between a site
 * WAN link and a PoP with its underlay on the world's chans, the move to
 * another PoP when a site's tunnels fail, the credentials the tunnels
 * authenticate with and the captures of what the WAN links carry.  Glue
 * only: the protocol is wan/tunnel.c's, the routes world_path.c's.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/link.h"
#include "pcap/capture.h"
#include "pcap/keylog.h"
#include "sim/pki.h"
#include "sim/platform_sim.h"
#include "sim/pool.h"
#include "sim/rng.h"
#include "sim/world.h"
#include "sim/world_impl.h"
#include "wan/inet.h"
#include "wan/ike.h"
#include "wan/tunnel.h"

/* ---- tunnels ---- */

/* An echo request or reply on the wire: IPv4, ICMP, 36 bytes of data. */
#define PING_BYTES 64

/* A datagram from end `from`, in the capture of end `at`'s link. */
static void
wtun_capture(struct wtun *wt, unsigned at, unsigned from,
    const struct sb_packet *p)
{
	if (wt->cap[at] == NULL || p->data == NULL)
		return;
	if (capture_udp(wt->cap[at], kernel_now(wt->w->k), wt->addr[from],
	    wt->port[from], wt->addr[!from], wt->port[!from], p->data,
	    p->len) < 0)
		wt->w->failed = 1;
}

/* A tunnel end's send(): onto the first wire of its underlay path. */
static int
wtun_send(struct wtun *wt, unsigned dir, struct sb_packet *p)
{
	p->tun = (uint32_t)wt->id + 1;
	p->tdir = (uint8_t)dir;
	p->thop = 0;
	wtun_capture(wt, dir, dir, p);
	link_send(wt->path[dir][0]->l, p);
	return 0;
}

static int
wtun_send_site(void *ctx, unsigned link, struct sb_packet *p)
{
	return wtun_send(ctx, 0, p);
}

static int
wtun_send_pop(void *ctx, unsigned link, struct sb_packet *p)
{
	return wtun_send(ctx, 1, p);
}

/* A datagram reached the end of its underlay path. */
void
wtun_arrive(struct wtun *wt, struct sb_packet *p)
{
	unsigned to = p->tdir == 0 ? 1 : 0;

	if (to == 0 && wt->dead) {
		/* for an HA unit that has stopped: nobody there */
		if (p->flow != SB_FLOW_NONE && !p->echo)
			flow_lost(wt->w, &wt->w->flows[p->flow], p);
		else
			pool_put(wt->w->pool, p);
		return;
	}
	if (p->echo && p->tdir == 0 && wt->w->pops[wt->pop].up) {
		/* an echo at the PoP: back the way replies go */
		p->tdir = 1;
		p->thop = 0;
		link_send(wt->path[1][0]->l, p);
		return;
	}
	if (p->echo) {
		if (p->tdir == 1)
			socket_ping_reply(wt->w->sites[wt->site].sock,
			    (unsigned)wt->link, wt->pop, (uint32_t)p->seq);
		pool_put(wt->w->pool, p);
		return;
	}

	wtun_capture(wt, to, !to, p);
	p->tun = 0;
	if (wt->t[to] != NULL)
		tunnel_input(wt->t[to], p);
	else
		ike_input(wt->ike[to], p);
}

/* An inner packet came out of the tunnel: back on the flow's route. */
static void
wtun_deliver(void *ctx, struct sb_packet *p)
{
	struct wtun *wt = ctx;

	if (p->flow == SB_FLOW_NONE) {
		/* the tunnel's own traffic: BGP in an IPsec site's */
		if (ipsec_deliver(wt, p) < 0)
			pool_put(wt->w->pool, p);
		return;
	}
	if (wt->pop >= 0 && wt->ha)
		ha_traffic(wt);
	route_continue(wt->w, p);
}

static void
wtun_state(void *ctx, struct tunnel *t, int up)
{
	struct wtun *wt = ctx;

	wt->w->topo++;
	if (wt->dead && t == wt->t[0])
		return;    /* its Socket is gone */
	if (wt->pop < 0) {
		/* off-cloud: each end tells its own Socket */
		int near = t == wt->t[0] ? wt->site : wt->peer;
		int far = t == wt->t[0] ? wt->peer : wt->site;

		socket_offcloud_tunnel(wt->w->sites[near].sock, far,
		    (unsigned)(t == wt->t[0] ? wt->link : wt->plink),
		    (unsigned)(t == wt->t[0] ? wt->plink : wt->link), up);
	} else if (t == wt->t[0]) {
		user_tunnel(wt, up);
		socket_tunnel(wt->w->sites[wt->site].sock, (unsigned)wt->link,
		    wt->pop, up);
	} else
		pop_tunnel(wt, up);
}

static void
wtun_ike_state(void *ctx, struct ike *e, int up)
{
	struct wtun *wt = ctx;

	wt->w->topo++;
	ipsec_tunnel_state(wt, e == wt->ike[0] ? 0 : 1, up);
}

static void
wtun_probe(void *ctx, struct tunnel *t, uint32_t seq, uint32_t rx,
    uint32_t tx)
{
	struct wtun *wt = ctx;

	socket_probe_reply(wt->w->sites[wt->site].sock, (unsigned)wt->link,
	    seq, rx, tx);
}

static void
wtun_keylog(void *ctx, const uint8_t cr[32], const uint8_t *ms, size_t len)
{
	struct wtun *wt = ctx;

	if (wt->w->keylog != NULL &&
	    keylog_client_random(wt->w->keylog, cr, ms, len) < 0)
		wt->w->failed = 1;
}

void
wtun_free(struct wtun *wt)
{
	if (wt == NULL)
		return;
	for (int e = 0; e < 2; e++) {
		tunnel_free(wt->t[e]);
		ike_free(wt->ike[e]);
		psim_free(wt->ps[e]);
		if (wt->rng[e] != NULL)
			gsl_rng_free(wt->rng[e]);
	}
	free(wt->name);
	free(wt);
}

/* The underlay addresses: a link's public address if the scenario gives
 * one, else one from 100.64.0.0/10 by site and link; PoPs in 198.18.0.0/15
 * (benchmarking ranges, never routed: the captures cannot be mistaken for
 * real traffic). */
static uint32_t
pop_addr(int pop)
{
	return 0xc6120000u + (uint32_t)pop + 1;
}

/*
 * A new tunnel from site si's link j (end 0, the client) named `name`,
 * registered with the world (which frees it): its first wire, address
 * and capture are the link's; the rest is the caller's to fill.
 */
static struct wtun *
wtun_alloc(struct world *w, int si, int j, const char *name)
{
	struct site_link *l = &w->sites[si].links[j];
	struct wtun *wt;

	if (w->ntuns == w->captuns) {
		size_t cap = w->captuns ? 2 * w->captuns : 16;
		struct wtun **v = realloc(w->tuns, cap * sizeof(*v));
		if (v == NULL)
			goto fail;
		w->tuns = v;
		w->captuns = cap;
	}
	if ((wt = calloc(1, sizeof(*wt))) == NULL)
		goto fail;
	wt->w = w;
	wt->id = (int)w->ntuns;
	w->tuns[w->ntuns++] = wt;
	wt->site = si;
	wt->link = j;
	wt->gen = w->sites[si].gen;
	wt->ha = w->sites[si].ha != NULL;   /* HA pairs are built before
	                                       any tunnel */
	wt->pop = wt->peer = wt->plink = -1;
	if ((wt->name = strdup(name)) == NULL)
		goto fail;
	wt->path[0][wt->npath[0]++] = l->up;
	wt->addr[0] = l->addr;
	wt->port[0] = l->port;
	wt->cap[0] = l->cap;
	return wt;
fail:
	w->failed = 1;
	return NULL;
}

/* Append the Internet between two cities to a path (nothing within one
 * city). */
static int
path_inet(struct world *w, struct wtun *wt, unsigned dir,
    const struct geo_city *a, const struct geo_city *b)
{
	struct chan *c;

	if (a == b)
		return 0;
	if ((c = inet_chan(w, a, b)) == NULL) {
		w->failed = 1;
		return -1;
	}
	wt->path[dir][wt->npath[dir]++] = c;
	return 0;
}

/*
 * The underlay between site si's link j and PoP pop: its path both ways
 * and addresses.  Its tunnel ends come later, at the first connection
 * (wtun_connect); until then the Socket only pings the PoP along it.
 */
struct wtun *
wtun_make(struct world *w, int si, int j, int pop)
{
	struct site *s = &w->sites[si];
	const struct geo_city *pc = w->pops[pop].sc->city;
	struct wtun *wt;
	char name[512];

	/* an HA takeover's tunnels are new sessions: "#N" for the N-th */
	if (s->gen > 0)
		snprintf(name, sizeof(name), "%s/%s>%s#%d", s->sc->name,
		    s->sc->links[j].name, w->pops[pop].sc->name, s->gen);
	else
		snprintf(name, sizeof(name), "%s/%s>%s", s->sc->name,
		    s->sc->links[j].name, w->pops[pop].sc->name);
	if ((wt = wtun_alloc(w, si, j, name)) == NULL ||
	    path_inet(w, wt, 0, s->sc->city, pc) < 0 ||
	    path_inet(w, wt, 1, pc, s->sc->city) < 0)
		return NULL;
	wt->pop = pop;
	wt->path[1][wt->npath[1]++] = s->links[j].down;
	wt->addr[1] = pop_addr(pop);
	wt->port[1] = TUN_PORT_POP;
	s->links[j].tun[pop] = wt;
	return wt;
}

/*
 * The off-cloud underlay between site a's link j and site b's link k (a
 * before b in the file: a's end is the client), straight over the
 * Internet between their cities: a's access link up, the Internet, b's
 * access link down, and back.  Known to both links.
 */
static struct wtun *
wtun_make_oc(struct world *w, int a, int j, int b, int k)
{
	struct site *sa = &w->sites[a], *sb = &w->sites[b];
	struct wtun *wt;
	char name[512];

	snprintf(name, sizeof(name), "%s/%s~%s/%s", sa->sc->name,
	    sa->sc->links[j].name, sb->sc->name, sb->sc->links[k].name);
	if ((wt = wtun_alloc(w, a, j, name)) == NULL)
		return NULL;
	wt->peer = b;
	wt->plink = k;
	wt->path[1][wt->npath[1]++] = sb->links[k].up;
	if (path_inet(w, wt, 0, sa->sc->city, sb->sc->city) < 0 ||
	    path_inet(w, wt, 1, sb->sc->city, sa->sc->city) < 0)
		return NULL;
	wt->path[0][wt->npath[0]++] = sb->links[k].down;
	wt->path[1][wt->npath[1]++] = sa->links[j].down;
	wt->addr[1] = sb->links[k].addr;
	wt->port[1] = sb->links[k].port;
	wt->cap[1] = sb->links[k].cap;
	sa->links[j].oc[b * SOCKET_MAX_LINKS + k] = wt;
	sb->links[k].oc[a * SOCKET_MAX_LINKS + j] = wt;
	return wt;
}

/*
 * An off-cloud pair's pre-shared key, the same at both ends: drawn from
 * the run's seed and the pair's names, as if the management plane had
 * handed it to both Sockets.
 */
static void
oc_psk(struct world *w, const struct wtun *wt, uint8_t psk[32])
{
	char rn[600];
	gsl_rng *r;

	snprintf(rn, sizeof(rn), "offcloud-psk:%s", wt->name);
	memset(psk, 0, 32);
	if ((r = rng_new(w->seed, rn)) == NULL)
		return;
	rng_bytes(r, psk, 32);
	gsl_rng_free(r);
}

/*
 * An IPsec site's end e: IKEv2 with the site's pre-shared key (a
 * misconfigured site presents it with every bit flipped, as a Socket
 * does), identities the site's and the PoP's names, and the site's DPD
 * timers.
 */
static struct ike *
ike_end(struct wtun *wt, int e, char *err, size_t errlen)
{
	struct world *w = wt->w;
	const struct site *s = &w->sites[wt->site];
	const char *pop = w->pops[wt->pop].sc->name;
	uint8_t wrong[sizeof(s->psk)];
	struct ike_cfg cfg = {
		.role = e == 0 ? IKE_INITIATOR : IKE_RESPONDER,
		.name = wt->name,
		.id = e == 0 ? s->sc->name : pop,
		.peer_id = e == 0 ? pop : s->sc->name,
		.psk = s->psk, .psk_len = sizeof(s->psk),
		.dpd = s->sc->ipsec->dpd,
		.dpd_misses = s->sc->ipsec->dpd_misses,
		.on_state = wtun_ike_state, .ctx = wt,
	};

	if (e == 0 && s->sc->wrong_key) {
		for (size_t i = 0; i < sizeof(wrong); i++)
			wrong[i] = (uint8_t)~s->psk[i];
		cfg.psk = wrong;
	}
	return ike_new(psim_platform(wt->ps[e]), &cfg, err, errlen);
}

/* The tunnel's two ends, made at the first connection, then started. */
int
wtun_connect(struct wtun *wt)
{
	struct world *w = wt->w;
	struct site *s = &w->sites[wt->site];
	int pop = wt->pop, oc = pop < 0;
	struct psim_env env = { w->k, w->pool, psim_emit_cb, w };
	const struct sc_tunnels *tc = &w->sc->tunnels;
	const char *name = wt->name;
	char rn[600], err[256], peer[64], a[INET_ADDR_STR];
	uint8_t pair_psk[32];

	if (wt->t[0] != NULL || wt->ike[0] != NULL) {
		if (!wtun_end_up(wt, 0))
			wtun_end_power(wt, 0, 1);
		return 0;
	}
	if (oc)
		oc_psk(w, wt, pair_psk);
	inet_addr_fmt(wt->addr[0], a);
	snprintf(peer, sizeof(peer), "%s:%u", a, wt->port[0]);
	for (int e = 0; e < 2; e++) {
		struct tunnel_cfg cfg = { 0 };
		uint8_t wrong[sizeof(s->psk)];
		const char *node = e == 0 ? s->sc->name : oc ?
		    w->sites[wt->peer].sc->name : w->pops[pop].sc->name;

		snprintf(rn, sizeof(rn), "tunnel:%s:%s", name,
		    e == 0 ? "socket" : oc ? "peer" : "pop");
		if ((wt->rng[e] = rng_new(w->seed, rn)) == NULL)
			goto fail;
		wt->ps[e] = psim_new(&env, node, wt->rng[e], NULL, 0,
		    wtun_deliver, wt);
		if (wt->ps[e] == NULL)
			goto fail;
		psim_set_sender(wt->ps[e], e == 0 ? wtun_send_site :
		    wtun_send_pop, wt);
		if (s->sc->ipsec != NULL) {
			if ((wt->ike[e] = ike_end(wt, e, err,
			    sizeof(err))) == NULL)
				goto fail;
			continue;
		}
		cfg.name = name;
		cfg.role = e == 0 ? TUNNEL_CLIENT : TUNNEL_SERVER;
		cfg.mode = tc->null_cipher ? TUNNEL_NULL : TUNNEL_DTLS;
		cfg.peer_id = e == 0 ? NULL : peer;
		if (oc) {
			cfg.auth.psk_identity = name;
			cfg.auth.psk = pair_psk;
			cfg.auth.psk_len = sizeof(pair_psk);
		} else if (s->auth == SC_AUTH_CERT) {
			cfg.auth.cert_pem = e == 0 ? s->cert_pem :
			    w->pops[pop].cert_pem;
			cfg.auth.key_pem = e == 0 ? s->key_pem :
			    w->pops[pop].key_pem;
			cfg.auth.ca_pem = pki_ca_pem(w->pki);
		} else {
			cfg.auth.psk_identity = s->sc->name;
			cfg.auth.psk = s->psk;
			cfg.auth.psk_len = sizeof(s->psk);
		}
		if (!oc && e == 0 && s->auth == SC_AUTH_PSK &&
		    s->sc->wrong_key) {
			/* What a misconfigured Socket presents: its key
			 * with every bit flipped, never the PoP's. */
			for (size_t i = 0; i < sizeof(wrong); i++)
				wrong[i] = (uint8_t)~s->psk[i];
			cfg.auth.psk = wrong;
		}
		cfg.keepalive = tc->keepalive;
		cfg.keepalive_misses = tc->misses;
		cfg.rekey = e == 0 ? tc->rekey : 0;
		cfg.on_state = wtun_state;
		cfg.on_probe = e == 0 && !oc && s->sock != NULL ? wtun_probe :
		    NULL;
		cfg.keylog = w->keylog != NULL ? wtun_keylog : NULL;
		cfg.ctx = wt;
		wt->t[e] = tunnel_new(psim_platform(wt->ps[e]), &cfg, err,
		    sizeof(err));
		if (wt->t[e] == NULL)
			goto fail;
	}
	if (oc || w->pops[pop].up)
		wtun_end_power(wt, 1, 1);
	wtun_end_power(wt, 0, 1);
	return 0;
fail:
	w->failed = 1;
	return -1;
}

int
site_link_tunnel_up(const struct site *s, int link, int pop)
{
	struct wtun *wt;

	if (link < 0 || pop < 0 || (wt = s->links[link].tun[pop]) == NULL)
		return 0;
	return wtun_end_up(wt, 0);
}

/* Start an end, or stop it as a host that dies does (its peer finds out
 * by its own timers). */
void
wtun_end_power(struct wtun *wt, int end, int up)
{
	if (wt->ike[end] != NULL) {
		if (up)
			ike_start(wt->ike[end]);
		else
			ike_crash(wt->ike[end]);
	} else if (wt->t[end] != NULL) {
		if (up)
			tunnel_start(wt->t[end]);
		else
			tunnel_crash(wt->t[end]);
	}
}

/* ---- the Socket's hands: wan/socket.c decides, this carries out ---- */

static int
sock_probe(void *ctx, unsigned link, uint32_t seq)
{
	struct site *s = ctx;
	struct wtun *wt = s->links[link].cur;

	return wt == NULL ? -1 : tunnel_probe(wt->t[0], seq);
}

/* An echo to a candidate PoP along the underlay its tunnel would take;
 * the PoP turns it round (wtun_arrive) if it is up. */
static int
sock_ping(void *ctx, unsigned link, int pop, uint32_t seq)
{
	struct site *s = ctx;
	struct wtun *wt = s->links[link].tun[pop];
	struct sb_packet *p;

	if (wt == NULL && (wt = wtun_make(s->w, s->idx, (int)link, pop)) ==
	    NULL)
		return -1;
	if ((p = pool_get(s->w->pool)) == NULL)
		return -1;
	p->size = PING_BYTES;
	p->seq = seq;
	p->flow = SB_FLOW_NONE;
	p->tun = (uint32_t)wt->id + 1;
	p->tdir = 0;
	p->thop = 0;
	p->echo = 1;
	link_send(wt->path[0][0]->l, p);
	return 0;
}

/* Point the link's tunnel at another PoP: the old one is closed (it
 * would otherwise go on retrying a PoP the Socket has left). */
static void
sock_connect(void *ctx, unsigned link, int pop)
{
	struct site *s = ctx;
	struct world *w = s->w;
	struct site_link *sl = &s->links[link];
	struct wtun *old = sl->cur, *wt = sl->tun[pop];

	if (old != NULL && old != wt)
		tunnel_stop(old->t[0], "pop-change");
	sl->cur = NULL;
	if (wt == NULL && (wt = wtun_make(w, s->idx, (int)link, pop)) == NULL)
		return;
	if (wtun_connect(wt) < 0)
		return;
	sl->cur = wt;
	w->topo++;
}

/* A copy for loss mitigation; both are marked so that the pair is lost
 * only when both copies are, and only the first to arrive counts. */
static struct sb_packet *
sock_copy(void *ctx, struct sb_packet *p)
{
	struct site *s = ctx;
	struct sb_packet *q = pool_get(s->w->pool);

	if (q == NULL || p->data != NULL) {
		if (q != NULL)
			pool_put(s->w->pool, q);
		return NULL;
	}
	q->created = p->created;
	q->seq = p->seq;
	q->size = p->size;
	q->flow = p->flow;
	q->tcp = p->tcp;
	q->dup = 2;
	p->dup = 1;
	return q;
}

/* The Socket moved its traffic: the link it receives on may be another,
 * which its PoPs advertise. */
static void
sock_steer(void *ctx)
{
	struct site *s = ctx;

	s->w->topo++;
	site_advertise(s->w, s);
}

static const char *
sock_pop_name(void *ctx, int pop)
{
	struct site *s = ctx;

	return s->w->pops[pop].sc->name;
}

/* Each evaluation's figures, to the results' link_health table. */
static void
sock_health(void *ctx, unsigned link, int pop, const struct health_stats *hs,
    unsigned bad, const char *state)
{
	struct site *s = ctx;
	struct world *w = s->w;
	char why[64];
	struct rec_link_health h = {
		.t = kernel_now(w->k),
		.site = s->sc->name,
		.link = s->sc->links[link].name,
		.pop = pop >= 0 ? w->pops[pop].sc->name : NULL,
		.probes = hs->sent,
		.answered = hs->answered,
		.loss = hs->sent > 0 ? hs->loss : NAN,
		.loss_up = hs->loss_up >= 0 ? hs->loss_up : NAN,
		.loss_down = hs->loss_down >= 0 ? hs->loss_down : NAN,
		.latency = hs->latency,
		.jitter = hs->jitter,
		.verdict = health_why(bad, why, sizeof(why)),
		.state = state,
	};

	if (w->rec != NULL)
		rec_check(w, recorder_link_health(w->rec, &h));
}

/* Open the off-cloud tunnel between the Socket's link and a peer's: made
 * and started by whichever of the two Sockets asks first. */
static void
sock_oc_open(void *ctx, int peer, unsigned link, unsigned rlink)
{
	struct site *s = ctx;
	struct wtun *wt = s->links[link].oc[peer * SOCKET_MAX_LINKS +
	    (int)rlink];

	if (wt == NULL) {
		int first = s->idx < peer;

		wt = wtun_make_oc(s->w, first ? s->idx : peer,
		    (int)(first ? link : rlink), first ? peer : s->idx,
		    (int)(first ? rlink : link));
		if (wt == NULL)
			return;
	}
	if (wt->t[0] == NULL)
		(void)wtun_connect(wt);
}

static const struct socket_ops sock_ops = {
	.send = sock_send,
	.probe = sock_probe,
	.ping = sock_ping,
	.connect = sock_connect,
	.copy = sock_copy,
	.steer = sock_steer,
	.pop_name = sock_pop_name,
	.health = sock_health,
	.oc_open = sock_oc_open,
	.oc_send = sock_oc_send,
};

/*
 * What identifies a link's public address for the same-router test: a
 * static IPv4 address itself, a static IPv6 one by a hash of its text
 * (equal text, equal address: the loader keeps them as written), else the
 * learned address, which is the site's own.
 */
static uint32_t
public_id(const struct sc_site_link *sl, uint32_t learned)
{
	uint32_t h = 2166136261u;

	if (sl->public_ip == NULL || strchr(sl->public_ip, ':') == NULL)
		return learned;
	for (const char *c = sl->public_ip; *c != '\0'; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	return h | 1;
}

/* The off-cloud mesh as site i's Socket is told it: every other site in
 * the mesh, with its links.  NULL and 0 when i is not in it. */
static struct socket_peer *
mesh_peers(struct world *w, size_t i, unsigned *n)
{
	const struct scenario *sc = w->sc;
	struct socket_peer *v;

	*n = 0;
	if (!sc->sites[i].off_cloud)
		return NULL;
	if ((v = calloc(sc->nsites, sizeof(*v))) == NULL)
		return NULL;
	for (size_t b = 0; b < sc->nsites; b++) {
		const struct sc_site *ps = &sc->sites[b];
		struct socket_peer *p = &v[*n];

		if (b == i || !ps->off_cloud || ps->nlinks > SOCKET_MAX_LINKS)
			continue;
		p->name = ps->name;
		p->id = (int)b;
		p->nlinks = (unsigned)ps->nlinks;
		for (size_t k = 0; k < ps->nlinks; k++)
			p->links[k] = (struct socket_peer_link){
				.name = ps->links[k].name,
				.precedence = ps->links[k].precedence,
				.off_cloud = ps->links[k].off_cloud,
				.public_addr = public_id(&ps->links[k],
				    w->sites[b].links[k].addr),
			};
		(*n)++;
	}
	return v;
}

/* Candidate PoPs: the pinned one alone, else the nearest few. */
static void
site_candidates(struct world *w, struct site *s)
{
	unsigned want = w->sc->socket.pop_candidates ?
	    w->sc->socket.pop_candidates : 3;
	size_t np = w->sc->npops;

	s->ncand = 0;
	if (s->sc->pop >= 0) {
		s->cand[s->ncand++] = s->sc->pop;
		return;
	}
	while (s->ncand < want && s->ncand < np && s->ncand < POPSEL_MAX) {
		int best = -1;

		for (size_t p = 0; p < np; p++) {
			int taken = 0;

			for (unsigned k = 0; k < s->ncand; k++)
				taken |= s->cand[k] == (int)p;
			if (!taken && (best < 0 || s->pop_km[p] <
			    s->pop_km[best]))
				best = (int)p;
		}
		s->cand[s->ncand++] = best;
	}
}

struct rules *
rules_build(const struct scenario *sc, char *err, size_t errlen)
{
	static const int tr[] = { RULE_TR_CLOUD, RULE_TR_ALT_WAN,
		RULE_TR_OFF_CLOUD, RULE_TR_ALT_WAN, RULE_TR_NONE };
	struct rules *rb;

	if ((rb = rules_new()) == NULL)
		goto oom;
	for (size_t i = 0; i < sc->nrules; i++) {
		const struct sc_rule *r = &sc->rules[i];
		struct rule_spec rs;

		memset(&rs, 0, sizeof(rs));
		rs.name = r->name;
		rules_default_action(&rs.act);
		if (r->src >= 0)
			rs.src = (struct rule_ep){ RULE_SITE,
			    sc->sites[r->src].name, 0, 0 };
		if (r->dst >= 0)
			rs.dst = (struct rule_ep){ RULE_SITE,
			    sc->sites[r->dst].name, 0, 0 };
		else if (r->internet)
			rs.dst.kind = RULE_INTERNET;
		if (r->domain != NULL)
			rs.dst = (struct rule_ep){ RULE_DOMAIN, r->domain, 0,
			    0 };
		if (r->app >= 0) {
			/* a scenario application: its source and port */
			const struct sc_app *a = &sc->apps[r->app];
			/* from a destination, the site's end opens it */
			rs.src = (struct rule_ep){ RULE_SITE,
			    sc->sites[a->src >= 0 ? a->src : a->dst].name, 0,
			    0 };
			rs.port_lo = rs.port_hi = (uint16_t)app_port(r->app);
		} else if (r->port_lo) {
			rs.port_lo = (uint16_t)r->port_lo;
			rs.port_hi = (uint16_t)r->port_hi;
		}
		rs.proto = (uint8_t)r->protocol;
		rs.app = r->app_id;
		rs.category = r->category;
		rs.act.primary = (enum rule_transport)tr[r->transport];
		rs.act.secondary = (enum rule_secondary)r->secondary;
		rs.act.link = r->preferred_link;
		rs.act.precedence = r->precedence;
		rs.act.priority = r->priority ? r->priority : 255;
		rs.act.optimize = (enum rule_optimize)r->optimize;
		rs.act.mitigate_loss = r->loss_mitigation;
		rs.act.tcp_accel = r->tcp_acceleration;
		if (rules_add(rb, &rs, err, errlen) < 0) {
			rules_free(rb);
			return NULL;
		}
	}
	return rb;
oom:
	snprintf(err, errlen, "out of memory building the rules");
	return NULL;
}

/*
 * Site s's Socket on platform pf, not started: what build_sockets() makes
 * for every site, and an HA site again for a unit that comes up (a Socket
 * that powers up knows nothing of its last life).
 */
struct socket *
site_socket_new(struct world *w, struct site *s, const struct sb_platform *pf,
    char *err, size_t errlen)
{
	const struct scenario *sc = w->sc;
	const struct sc_socket *k = &sc->socket;
	static const enum qos_limit limit[] = { [SC_QOS_NONE] = QOS_NO_LIMIT,
		[SC_QOS_ALWAYS] = QOS_ALWAYS_LIMIT,
		[SC_QOS_WHEN_CONGESTED] = QOS_LIMIT_WHEN_CONGESTED };
	struct socket_qos_class qc[254];
	struct socket_link_cfg lc[SOCKET_MAX_LINKS];
	struct socket_cfg cfg = {
		.name = s->sc->name,
		.nlinks = (unsigned)s->sc->nlinks,
		.links = lc,
		.health = { .loss_max = k->loss_max,
		    .jitter_max = k->jitter_max,
		    .latency_max = k->latency_max,
		    .window = k->window },
		.popsel = { .rtt_max = k->sla_latency,
		    .loss_max = k->sla_loss },
		.eval = k->eval, .hold = k->hold, .probe = k->probe,
		.drain = k->drain,
		.qos = qc,
		.nqos = (unsigned)k->nclasses,
		.rules = w->rules,
		.client = s->sc->user,
		/* a laptop's few sessions, not a branch's */
		.flows = s->sc->user ? 64 : 0,
		.ops = &sock_ops,
		.ctx = s,
	};
	struct socket *sock;

	for (size_t c = 0; c < k->nclasses; c++)  /* 2-255, each once */
		qc[c] = (struct socket_qos_class){
			(uint8_t)k->classes[c].priority,
			limit[k->classes[c].limit], k->classes[c].rate_bps };
	for (size_t j = 0; j < s->sc->nlinks; j++)
		lc[j] = (struct socket_link_cfg){
			.name = s->sc->links[j].name,
			.precedence = s->sc->links[j].precedence,
			.up_bps = s->sc->links[j].p.bandwidth_bps,
			.shape = k->qos,
			.overhead = tunnel_mode_overhead(
			    w->sc->tunnels.null_cipher ? TUNNEL_NULL :
			    TUNNEL_DTLS),
			.pops = s->cand,
			.npops = s->ncand,
			.off_cloud = s->sc->links[j].off_cloud,
			.public_addr = public_id(&s->sc->links[j],
			    s->links[j].addr),
		};
	cfg.off_cloud = s->sc->off_cloud;
	if (cfg.off_cloud && (cfg.peers = mesh_peers(w, (size_t)s->idx,
	    &cfg.npeers)) == NULL) {
		snprintf(err, errlen, "out of memory building the off-cloud "
		    "mesh");
		return NULL;
	}
	sock = socket_new(pf, &cfg, err, errlen);
	free((void *)cfg.peers);   /* copied */
	return sock;
}

/* Every site's Socket, on a platform of its own. */
int
build_sockets(struct world *w, char *err, size_t errlen)
{
	const struct scenario *sc = w->sc;
	struct psim_env env = { w->k, w->pool, psim_emit_cb, w };
	char name[300];

	if ((w->rules = rules_build(w->sc, err, errlen)) == NULL)
		return -1;
	for (size_t i = 0; i < sc->nsites; i++) {
		struct site *s = &w->sites[i];

		if (s->sc->nlinks > SOCKET_MAX_LINKS) {
			snprintf(err, errlen, "site '%s': at most %d links",
			    s->sc->name, SOCKET_MAX_LINKS);
			return -1;
		}
		if (s->sc->ipsec != NULL || s->sc->cloud != NULL)
			continue;     /* no Socket: world_ipsec.c, world_cloud.c */
		site_candidates(w, s);
		for (size_t j = 0; j < s->sc->nlinks; j++) {
			if (s->sc->off_cloud && (s->links[j].oc = calloc(
			    sc->nsites * SOCKET_MAX_LINKS,
			    sizeof(*s->links[j].oc))) == NULL) {
				snprintf(err, errlen, "out of memory building "
				    "the off-cloud mesh");
				return -1;
			}
		}
		snprintf(name, sizeof(name), "socket:%s", s->sc->name);
		if ((s->srng = rng_new(w->seed, name)) == NULL ||
		    (s->sps = psim_new(&env, s->sc->name, s->srng, NULL, 0,
		    NULL, NULL)) == NULL) {
			snprintf(err, errlen, "out of memory building sites");
			return -1;
		}
		if ((s->sock = site_socket_new(w, s, psim_platform(s->sps),
		    err, errlen)) == NULL)
			return -1;
	}
	return 0;
}

void
free_sockets(struct world *w)
{
	for (size_t i = 0; w->sites != NULL && i < w->sc->nsites; i++) {
		struct site *s = &w->sites[i];

		socket_free(s->sock);
		psim_free(s->sps);
		if (s->srng != NULL)
			gsl_rng_free(s->srng);
	}
	rules_free(w->rules);
}

/* ---- credentials ---- */

/*
 * Credentials: a PSK for every site (drawn when the site is built) and,
 * if any site uses certificates, the run's CA with a certificate for each
 * such site (a rogue one for a site with the wrong key) and each PoP.
 */
int
build_credentials(struct world *w, char *err, size_t errlen)
{
	const struct scenario *sc = w->sc;
	int any = 0;

	for (size_t i = 0; i < sc->nsites; i++) {
		struct site *s = &w->sites[i];
		s->auth = s->sc->auth >= 0 ? s->sc->auth : sc->tunnels.auth;
		any |= s->auth == SC_AUTH_CERT;
	}
	if (!any)
		return 0;
	if ((w->pki_rng = rng_new(w->seed, "pki")) == NULL ||
	    (w->pki = pki_new(sc->name, w->pki_rng, err, errlen)) == NULL)
		return -1;
	for (size_t i = 0; i < sc->npops; i++)
		if (pki_issue(w->pki, sc->pops[i].name, 0, &w->pops[i].cert_pem,
		    &w->pops[i].key_pem, err, errlen) < 0)
			return -1;
	for (size_t i = 0; i < sc->nsites; i++) {
		struct site *s = &w->sites[i];
		if (s->auth == SC_AUTH_CERT && pki_issue(w->pki, s->sc->name,
		    s->sc->wrong_key, &s->cert_pem, &s->key_pem, err,
		    errlen) < 0)
			return -1;
	}
	return 0;
}

/* ---- captures ---- */

int
world_capture(struct world *w, const char *dir, char *err, size_t errlen)
{
	const struct scenario *sc = w->sc;
	char path[4096];

	w->epoch_ns = sc->start_utc_s * SB_S;
	snprintf(path, sizeof(path), "%s/keys.log", dir);
	if ((w->keylog = keylog_new(path, err, errlen)) == NULL)
		return -1;
	for (size_t i = 0; i < sc->nsites; i++) {
		struct site *s = &w->sites[i];
		for (size_t j = 0; j < s->sc->nlinks; j++) {
			snprintf(path, sizeof(path), "%s/%s-%s.pcap", dir,
			    s->sc->name, s->sc->links[j].name);
			s->links[j].cap = capture_new(path, w->epoch_ns, err,
			    errlen);
			if (s->links[j].cap == NULL)
				return -1;
		}
	}
	/* tunnels made before the captures: an IPsec site's, at build */
	for (size_t t = 0; t < w->ntuns; t++) {
		struct wtun *wt = w->tuns[t];

		if (wt->cap[0] == NULL)
			wt->cap[0] = w->sites[wt->site].links[wt->link].cap;
	}
	return 0;
}
