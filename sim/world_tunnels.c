/*
 * The world's tunnels: the tunnel code of wan/tunnel.c run between a site
 * WAN link and a PoP with its underlay on the world's chans, the move to
 * another PoP when a site's tunnels fail, the credentials the tunnels
 * authenticate with and the captures of what the WAN links carry.  Glue
 * only: the protocol is wan/tunnel.c's, the routes world_path.c's.
 */
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
#include "wan/tunnel.h"

/* ---- tunnels ---- */

static void site_check_pop(struct world *w, int si);

static void
wtun_capture(struct wtun *wt, unsigned dir, const struct sb_packet *p)
{
	if (wt->cap == NULL || p->data == NULL)
		return;
	if (capture_udp(wt->cap, kernel_now(wt->w->k), wt->addr[dir],
	    wt->port[dir], wt->addr[!dir], wt->port[!dir], p->data,
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
	if (dir == 0)
		wtun_capture(wt, 0, p);
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

	if (to == 0)
		wtun_capture(wt, 1, p);
	p->tun = 0;
	tunnel_input(wt->t[to], p);
}

/* An inner packet came out of the tunnel: back on the flow's route. */
static void
wtun_deliver(void *ctx, struct sb_packet *p)
{
	struct wtun *wt = ctx;

	if (p->flow == SB_FLOW_NONE) {
		pool_put(wt->w->pool, p);
		return;
	}
	route_continue(wt->w, p);
}

static void
wtun_state(void *ctx, struct tunnel *t, int up)
{
	struct wtun *wt = ctx;

	wt->w->topo++;
	if (!up && t == wt->t[0])
		site_check_pop(wt->w, wt->site);
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

static struct wtun *
wtun_make(struct world *w, int si, int j, int pop)
{
	struct site *s = &w->sites[si];
	const struct sc_site_link *sl = &s->sc->links[j];
	const struct geo_city *sc_city = s->sc->city;
	const struct geo_city *pc = w->pops[pop].sc->city;
	struct psim_env env = { w->k, w->pool, psim_emit_cb, w };
	struct wtun *wt = calloc(1, sizeof(*wt));
	const struct sc_tunnels *tc = &w->sc->tunnels;
	char name[512], rn[600], err[256], peer[64], a[INET_ADDR_STR];
	struct chan *c;

	if (wt == NULL)
		return NULL;
	if (w->ntuns == w->captuns) {
		size_t cap = w->captuns ? 2 * w->captuns : 16;
		struct wtun **v = realloc(w->tuns, cap * sizeof(*v));
		if (v == NULL)
			goto fail;
		w->tuns = v;
		w->captuns = cap;
	}
	wt->w = w;
	wt->id = (int)w->ntuns;
	wt->site = si;
	wt->link = j;
	wt->pop = pop;
	snprintf(name, sizeof(name), "%s/%s>%s", s->sc->name, sl->name,
	    w->pops[pop].sc->name);
	if ((wt->name = strdup(name)) == NULL)
		goto fail;
	wt->path[0][wt->npath[0]++] = s->links[j].up;
	if (sc_city != pc) {
		if ((c = inet_chan(w, sc_city, pc)) == NULL)
			goto fail;
		wt->path[0][wt->npath[0]++] = c;
		if ((c = inet_chan(w, pc, sc_city)) == NULL)
			goto fail;
		wt->path[1][wt->npath[1]++] = c;
	}
	wt->path[1][wt->npath[1]++] = s->links[j].down;
	wt->addr[0] = s->links[j].addr;
	wt->port[0] = s->links[j].port;
	wt->addr[1] = pop_addr(pop);
	wt->port[1] = TUN_PORT_POP;
	wt->cap = s->links[j].cap;
	inet_addr_fmt(wt->addr[0], a);
	snprintf(peer, sizeof(peer), "%s:%u", a, wt->port[0]);

	for (int e = 0; e < 2; e++) {
		struct tunnel_cfg cfg = { 0 };
		uint8_t wrong[sizeof(s->psk)];

		snprintf(rn, sizeof(rn), "tunnel:%s:%s", name,
		    e == 0 ? "socket" : "pop");
		if ((wt->rng[e] = rng_new(w->seed, rn)) == NULL)
			goto fail;
		wt->ps[e] = psim_new(&env, e == 0 ? s->sc->name :
		    w->pops[pop].sc->name, wt->rng[e], NULL, 0, wtun_deliver,
		    wt);
		if (wt->ps[e] == NULL)
			goto fail;
		psim_set_sender(wt->ps[e], e == 0 ? wtun_send_site :
		    wtun_send_pop, wt);
		cfg.name = name;
		cfg.role = e == 0 ? TUNNEL_CLIENT : TUNNEL_SERVER;
		cfg.mode = tc->null_cipher ? TUNNEL_NULL : TUNNEL_DTLS;
		cfg.peer_id = e == 0 ? NULL : peer;
		if (s->auth == SC_AUTH_CERT) {
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
		if (e == 0 && s->auth == SC_AUTH_PSK && s->sc->wrong_key) {
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
		cfg.keylog = w->keylog != NULL ? wtun_keylog : NULL;
		cfg.ctx = wt;
		wt->t[e] = tunnel_new(psim_platform(wt->ps[e]), &cfg, err,
		    sizeof(err));
		if (wt->t[e] == NULL)
			goto fail;
	}
	w->tuns[w->ntuns++] = wt;
	s->links[j].tun[pop] = wt;
	if (w->pops[pop].up)
		tunnel_start(wt->t[1]);
	tunnel_start(wt->t[0]);
	return wt;
fail:
	wtun_free(wt);
	w->failed = 1;
	return NULL;
}

/* The site's tunnels to its current PoP, one per WAN link, made now if
 * they are not there yet. */
void
site_tunnels(struct world *w, int si)
{
	struct site *s = &w->sites[si];

	for (size_t j = 0; j < s->sc->nlinks; j++)
		if (s->links[j].tun[s->cur_pop] == NULL)
			wtun_make(w, si, (int)j, s->cur_pop);
}

static int
wtun_up(const struct site *s, size_t j, int pop)
{
	struct wtun *wt = s->links[j].tun[pop];

	return wt != NULL && tunnel_state(wt->t[0]) == TUNNEL_UP;
}

/*
 * A tunnel of the site went down.  If none to its current PoP is up any
 * more, the Socket moves to the next PoP by distance: it learned from its
 * own tunnels, not from the world, that the PoP is gone.  (Choosing PoPs
 * well is the Socket's work, still to come; this keeps sites reachable.)
 */
static void
site_check_pop(struct world *w, int si)
{
	struct site *s = &w->sites[si];
	size_t np = w->sc->npops;
	int next = -1;

	for (size_t j = 0; j < s->sc->nlinks; j++)
		if (wtun_up(s, j, s->cur_pop))
			return;
	if (s->sc->pop >= 0 || np < 2)
		return;
	for (size_t p = 0; p < np; p++) {
		if ((int)p == s->cur_pop)
			continue;
		if (s->pop_km[p] < s->pop_km[s->cur_pop] ||
		    (s->pop_km[p] == s->pop_km[s->cur_pop] &&
		    (int)p < s->cur_pop))
			continue;
		if (next < 0 || s->pop_km[p] < s->pop_km[next])
			next = (int)p;
	}
	if (next < 0) {
		/* past the farthest: back to the nearest */
		for (size_t p = 0; p < np; p++)
			if (next < 0 || s->pop_km[p] < s->pop_km[next])
				next = (int)p;
	}
	if (next == s->cur_pop)
		return;
	emit(w, "pop-change", s->sc->name, w->pops[next].sc->name,
	    w->pops[s->cur_pop].sc->name, 0);
	s->cur_pop = next;
	site_tunnels(w, si);
	w->topo++;
}

/* The site's best link whose tunnel to `pop` is up. */
int
site_tunnel_link(const struct site *s, int pop)
{
	int best = -1;

	for (size_t i = 0; i < s->sc->nlinks; i++) {
		if (!wtun_up(s, i, pop))
			continue;
		if (best < 0 || s->sc->links[i].precedence <
		    s->sc->links[best].precedence)
			best = (int)i;
	}
	return best;
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
	return 0;
}
