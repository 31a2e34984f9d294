/*
 * The world: building a scenario's topology on the kernel, the placeholder
 * forwarding, the timeline and the measurements.
 *
 * Every simulated wire direction is a `chan` (a models/link.c link plus
 * what the world needs to know about it: its id in the results, the PoP at
 * its far end, its counters).  A flow's packets follow a `route`, a short
 * list of chans computed when the flow sends and the topology has changed
 * since its last route; routes are kept for the run, so a packet in flight
 * keeps following the route it left on while newer packets take the new
 * one.
 *
 * Measurements: each flow has an interval meter (sampled and reset at every
 * tick), a whole-run meter, and one meter per window an expectation asks
 * about.  Chans keep their counters in the link and are flushed into an
 * interval and a cumulative total at every tick and at every window edge,
 * so windows are exact to the nanosecond for links as for flows.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/geo.h"
#include "models/link.h"
#include "models/traffic.h"
#include "pcap/capture.h"
#include "pcap/keylog.h"
#include "reports/expect.h"
#include "reports/meter.h"
#include "sim/pki.h"
#include "sim/platform_sim.h"
#include "sim/pool.h"
#include "sim/rng.h"
#include "sim/units.h"
#include "sim/world.h"
#include "wan/inet.h"
#include "wan/tunnel.h"

#define MAX_HOPS 6
#define NONE_ROUTE UINT32_MAX

struct world;

/* A window on a chan: counters at its start, and the largest queue seen. */
struct cwin {
	sb_time from, to;
	struct link_stats at_from, at_to;
	uint64_t queue_max;
};

struct chan {
	struct world *w;
	struct link *l;
	gsl_rng *rng;
	int id;
	char *name;
	int dst_pop;               /* PoP at the far end, or -1 */
	struct link_stats interval, total;
	struct cwin *wins;
	size_t nwins;
};

/* A hop of a route: a simulated wire, or a whole tunnel (its underlay
 * path and both ends), crossed in direction dir. */
struct rhop {
	struct chan *c;
	struct wtun *t;
	unsigned dir;
};

struct route {
	struct rhop hop[MAX_HOPS];
	unsigned n;
};

/*
 * A tunnel between a site's WAN link and a PoP: the real tunnel code at
 * both ends, each end on a platform of its own whose send() puts the
 * datagram on the tunnel's underlay path (the access link, then the
 * Internet between the site's city and the PoP's) and whose deliver()
 * hands the inner packet back to the flow's route.
 */
#define TUN_PATH 2
#define TUN_PORT_POP 443

struct wtun {
	struct world *w;
	int id, site, link, pop;
	char *name;                /* "site/link>pop" */
	struct tunnel *t[2];       /* 0: the Socket (client), 1: the PoP */
	struct psim *ps[2];
	gsl_rng *rng[2];
	struct chan *path[2][TUN_PATH]; /* 0: towards the PoP, 1: back */
	unsigned npath[2];
	uint32_t addr[2];          /* underlay addresses: link, PoP */
	uint16_t port[2];
	struct capture *cap;       /* the site link's capture, or NULL */
};

/* A meter that counts only between from and to. */
struct mwin {
	sb_time from, to;
	struct meter *m;
};

struct flow {
	struct world *w;
	const struct sc_app *sc;
	int id;
	struct traffic *src;
	gsl_rng *rng;
	struct meter *interval, *total;
	struct mwin *wins;
	size_t nwins;
	struct route *routes;
	size_t nroutes, caproutes;
	uint32_t cur;              /* current route, or NONE_ROUTE */
	uint64_t topo;             /* topology version cur was made for */
	int no_route;              /* last attempt found none (event once) */
};

struct site_link {
	struct chan *up, *down;
	struct wtun **tun;         /* per PoP, made when first needed */
	struct capture *cap;
	uint32_t addr;
	uint16_t port;
};

struct site {
	const struct sc_site *sc;
	struct site_link *links;
	double *pop_km;            /* distance to each PoP */
	struct meter *total;
	struct mwin *wins;
	size_t nwins;
	gsl_rng *rng;
	struct psim *ps;
	int cur_pop;               /* the PoP its tunnels go to now */
	int auth;                  /* SC_AUTH_* */
	uint8_t psk[32];
	char *cert_pem, *key_pem;  /* certificate sites */
};

struct pop {
	const struct sc_pop *sc;
	int up;
	char *cert_pem, *key_pem;  /* when a site uses certificates */
	gsl_rng *rng;
	struct psim *ps;
};

struct inet {
	const struct geo_city *a, *b;
	struct chan *ab, *ba;
};

/* What an expectation compares: resolved at build time. */
struct wexp {
	struct meter *m[2];        /* flow or site subject / reference */
	struct chan *c[2][2];      /* link subject / reference: 2 directions */
	size_t cw[2][2];           /* index of the window in each chan */
};

struct world {
	const struct scenario *sc;
	uint64_t seed;
	struct kernel *k;
	struct recorder *rec;
	struct pool *pool;
	int failed;                /* a recorder write failed */

	struct site *sites;
	struct pop *pops;
	struct chan **bb;          /* npops x npops, NULL on the diagonal */
	struct inet *inet;
	size_t ninet, capinet;
	struct flow *flows;
	struct wexp *wexp;

	struct chan **chans;
	size_t nchans, capchans;

	struct wtun **tuns;
	size_t ntuns, captuns;
	struct keylog *keylog;
	struct pki *pki;           /* when a site uses certificates */
	gsl_rng *pki_rng;
	char *pcap_dir;
	int64_t epoch_ns;          /* Unix time of virtual time 0 */

	uint64_t topo;
	sb_time last_tick;
	uint64_t sent, delivered, hops;
};

/* ---- recording ---- */

static void
rec_check(struct world *w, int rc)
{
	if (rc < 0)
		w->failed = 1;
}

static void
emit(struct world *w, const char *kind, const char *node, const char *subject,
    const char *detail, double value)
{
	struct sb_event ev = { kind, node, subject, detail, value };

	if (w->rec != NULL)
		rec_check(w, recorder_event(w->rec, kernel_now(w->k), &ev));
}

static void
psim_emit_cb(void *ctx, sb_time t, const struct sb_event *ev)
{
	struct world *w = ctx;

	if (w->rec != NULL)
		rec_check(w, recorder_event(w->rec, t, ev));
}

/* ---- link specs from scenario parameters ---- */

static void
spec_from(const struct world *w, const struct sc_linkp *p, sb_time geo,
    int tz_a, int tz_b, struct link_spec *out)
{
	memset(out, 0, sizeof(*out));
	out->bandwidth_bps = p->bandwidth_bps;
	out->queue_bytes = p->queue_bytes;
	out->delay = p->has_delay ? p->delay : geo;
	out->jitter = p->jitter;   /* link_new copies the table */
	out->loss = p->loss;       /* loss_new copies the trace */
	out->reorder = p->reorder;
	out->profile = NULL;
	out->tz_a_min = tz_a;
	out->tz_b_min = tz_b;
	out->clock0_utc_s = w->sc->start_utc_s;
}

static sb_time
geo_between(const struct world *w, const struct geo_city *a,
    const struct geo_city *b)
{
	double km = geo_distance_km(a->lat, a->lon, b->lat, b->lon);

	return geo_delay(km, w->sc->route_inflation, w->sc->fibre_km_s);
}

static void chan_recv(void *ctx, struct link *l, struct sb_packet *p);
static void chan_drop(void *ctx, struct link *l, struct sb_packet *p,
    enum link_drop why);

/*
 * A new chan.  Profiles are built per chan from the scenario's points: a
 * profile is a few dozen bytes and this keeps ownership simple.
 */
static struct chan *
chan_new(struct world *w, const char *name, const char *kind,
    const char *src, const char *dst, const struct link_spec *spec,
    int profile, int dst_pop, char *err, size_t errlen)
{
	struct chan *c = calloc(1, sizeof(*c));
	struct link_spec s = *spec;
	struct profile *pr = NULL;
	char rname[256];

	if (c == NULL)
		goto oom;
	c->w = w;
	c->dst_pop = dst_pop;
	c->name = strdup(name);
	snprintf(rname, sizeof(rname), "link:%s", name);
	c->rng = rng_new(w->seed, rname);
	if (c->name == NULL || c->rng == NULL)
		goto oom;
	if (profile >= 0) {
		const struct sc_profile *sp = &w->sc->profiles[profile];
		pr = profile_new(sp->name, sp->points, sp->npoints);
		if (pr == NULL)
			goto oom;
		s.profile = pr;
	}
	c->l = link_new(w->k, name, &s, c->rng);
	if (c->l == NULL)
		goto oom;
	link_set_handlers(c->l, chan_recv, chan_drop, c);
	if (w->nchans == w->capchans) {
		size_t cap = w->capchans ? 2 * w->capchans : 64;
		struct chan **v = realloc(w->chans, cap * sizeof(*v));
		if (v == NULL)
			goto oom;
		w->chans = v;
		w->capchans = cap;
	}
	c->id = (int)w->nchans;
	w->chans[w->nchans++] = c;
	if (w->rec != NULL) {
		struct rec_link rl = {
			.id = c->id, .name = name, .kind = kind, .src = src,
			.dst = dst, .bandwidth_bps = s.bandwidth_bps,
			.queue_bytes = s.queue_bytes, .delay = s.delay,
			.loss_expected = loss_expected_rate(&s.loss),
			.profile = pr ? profile_name(pr) : NULL,
		};
		rec_check(w, recorder_link(w->rec, &rl));
	}
	return c;
oom:
	snprintf(err, errlen, "out of memory building link '%s'", name);
	if (c != NULL) {
		link_free(c->l);
		if (c->rng)
			gsl_rng_free(c->rng);
		free(c->name);
		free(c);
	}
	profile_free(pr);
	return NULL;
}

/* The profile a chan's link was given; freed with the chan. */
static void
chan_free(struct chan *c)
{
	struct profile *pr;

	if (c == NULL)
		return;
	pr = (struct profile *)link_spec(c->l)->profile;
	link_free(c->l);
	profile_free(pr);
	gsl_rng_free(c->rng);
	free(c->wins);
	free(c->name);
	free(c);
}

/* ---- chan counters ---- */

static void
stats_add(struct link_stats *dst, const struct link_stats *s)
{
	dst->sent += s->sent;
	dst->packets += s->packets;
	dst->bytes += s->bytes;
	for (int i = 0; i < LINK_DROP__COUNT; i++)
		dst->drops[i] += s->drops[i];
	dst->delay_sum += s->delay_sum;
	dst->busy += s->busy;
	if (s->queue_max > dst->queue_max)
		dst->queue_max = s->queue_max;
}

/* Move the link's counters into the interval and the total. */
static void
chan_flush(struct chan *c)
{
	struct link_stats s;
	sb_time now = kernel_now(c->w->k);

	link_stats_take(c->l, &s, 1);
	stats_add(&c->interval, &s);
	stats_add(&c->total, &s);
	for (size_t i = 0; i < c->nwins; i++) {
		struct cwin *cw = &c->wins[i];
		if (now > cw->from && now <= cw->to &&
		    s.queue_max > cw->queue_max)
			cw->queue_max = s.queue_max;
	}
}

static void
win_edge(void *a, void *b)
{
	struct chan *c = a;
	struct cwin *cw = &c->wins[(size_t)(uintptr_t)b];

	chan_flush(c);
	if (kernel_now(c->w->k) <= cw->from)
		cw->at_from = c->total;
	else
		cw->at_to = c->total;
}

/* ---- routes ---- */

static struct inet *
inet_find(struct world *w, const struct geo_city *a, const struct geo_city *b,
    int *forward)
{
	for (size_t i = 0; i < w->ninet; i++) {
		if (w->inet[i].a == a && w->inet[i].b == b) {
			*forward = 1;
			return &w->inet[i];
		}
		if (w->inet[i].a == b && w->inet[i].b == a) {
			*forward = 0;
			return &w->inet[i];
		}
	}
	return NULL;
}

/* Make the Internet path between two cities, with the scenario's
 * parameters for that pair or its defaults. */
static struct inet *
inet_make(struct world *w, const struct geo_city *a, const struct geo_city *b,
    const struct sc_linkp *p, char *err, size_t errlen)
{
	struct link_spec s;
	struct inet *in;
	char name[256];

	if (w->ninet == w->capinet) {
		size_t cap = w->capinet ? 2 * w->capinet : 16;
		struct inet *v = realloc(w->inet, cap * sizeof(*v));
		if (v == NULL) {
			snprintf(err, errlen, "out of memory");
			return NULL;
		}
		w->inet = v;
		w->capinet = cap;
	}
	in = &w->inet[w->ninet];
	in->a = a;
	in->b = b;
	spec_from(w, p, geo_between(w, a, b), a->utc_offset_min,
	    b->utc_offset_min, &s);
	snprintf(name, sizeof(name), "internet:%s>%s", a->name, b->name);
	in->ab = chan_new(w, name, "internet", a->name, b->name, &s,
	    p->profile, -1, err, errlen);
	if (in->ab == NULL)
		return NULL;
	snprintf(name, sizeof(name), "internet:%s>%s", b->name, a->name);
	in->ba = chan_new(w, name, "internet", b->name, a->name, &s,
	    p->profile, -1, err, errlen);
	if (in->ba == NULL)
		return NULL;
	w->ninet++;
	return in;
}

static struct chan *
inet_chan(struct world *w, const struct geo_city *a, const struct geo_city *b)
{
	struct inet *in;
	int fwd;
	char err[128];

	in = inet_find(w, a, b, &fwd);
	if (in == NULL) {
		/* A pair no flow needed at the start (a PoP failed over):
		 * made now, with the defaults.  Rare, not per packet. */
		in = inet_make(w, a, b, &w->sc->internet_default, err,
		    sizeof(err));
		if (in == NULL)
			return NULL;
		fwd = 1;
	}
	return fwd ? in->ab : in->ba;
}

static int
site_link_up(const struct site *s, size_t i)
{
	return link_is_up(s->links[i].up->l) && link_is_up(s->links[i].down->l);
}

/* The site's best up link: lowest precedence number, then file order. */
static int
site_best_link(const struct site *s)
{
	int best = -1;

	for (size_t i = 0; i < s->sc->nlinks; i++) {
		if (!site_link_up(s, i))
			continue;
		if (best < 0 || s->sc->links[i].precedence <
		    s->sc->links[best].precedence)
			best = (int)i;
	}
	return best;
}

/* The site's PoP: its pinned one if up, else the nearest PoP that is up. */
static int
site_pop(const struct world *w, const struct site *s)
{
	int best = -1;

	if (s->sc->pop >= 0 && w->pops[s->sc->pop].up)
		return s->sc->pop;
	for (size_t j = 0; j < w->sc->npops; j++) {
		if (!w->pops[j].up)
			continue;
		if (best < 0 || s->pop_km[j] < s->pop_km[best])
			best = (int)j;
	}
	return best;
}


/* ---- tunnels ---- */

static void route_continue(struct world *w, struct sb_packet *p);
static void flow_delivered(struct world *w, struct flow *f,
    struct sb_packet *p);
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
static void
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

static void
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
static void
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
static int
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

static int
bb_usable(const struct world *w, int a, int b)
{
	struct chan *c = w->bb[a * w->sc->npops + b];

	return c != NULL && link_is_up(c->l) && w->pops[b].up;
}

/* Append the backbone hops from PoP a to PoP b: the direct pair when it is
 * up, else the two-hop detour with the least propagation delay. */
static int
bb_hops(struct world *w, int a, int b, struct route *r)
{
	size_t np = w->sc->npops;
	int via = -1;
	sb_time best = 0;

	if (a == b)
		return 0;
	if (bb_usable(w, a, b)) {
		r->hop[r->n++].c = w->bb[a * np + b];
		return 0;
	}
	for (size_t c = 0; c < np; c++) {
		sb_time d;
		if ((int)c == a || (int)c == b || !bb_usable(w, a, (int)c) ||
		    !bb_usable(w, (int)c, b))
			continue;
		d = link_spec(w->bb[a * np + c]->l)->delay +
		    link_spec(w->bb[c * np + b]->l)->delay;
		if (via < 0 || d < best) {
			via = (int)c;
			best = d;
		}
	}
	if (via < 0)
		return -1;
	r->hop[r->n++].c = w->bb[a * np + via];
	r->hop[r->n++].c = w->bb[via * np + b];
	return 0;
}

/*
 * Backbone flows enter the source site's tunnel to its PoP, cross the
 * backbone and leave through the destination PoP's tunnel to the
 * destination site; Internet flows take the wires only.
 */
static int
route_compute(struct world *w, const struct flow *f, struct route *r)
{
	struct site *s = &w->sites[f->sc->src], *d = &w->sites[f->sc->dst];
	struct chan *c;

	memset(r, 0, sizeof(*r));
	if (f->sc->via == SC_VIA_INTERNET) {
		int ls = site_best_link(s), ld = site_best_link(d);

		if (ls < 0 || ld < 0)
			return -1;
		r->hop[r->n++].c = s->links[ls].up;
		if (s->sc->city != d->sc->city) {
			c = inet_chan(w, s->sc->city, d->sc->city);
			if (c == NULL)
				return -1;
			r->hop[r->n++].c = c;
		}
		r->hop[r->n++].c = d->links[ld].down;
	} else {
		int pa = s->cur_pop, pb = d->cur_pop;
		int ls = site_tunnel_link(s, pa), ld = site_tunnel_link(d, pb);

		if (ls < 0 || ld < 0)
			return -1;
		r->hop[r->n].t = s->links[ls].tun[pa];
		r->hop[r->n++].dir = 0;
		if (bb_hops(w, pa, pb, r) < 0)
			return -1;
		r->hop[r->n].t = d->links[ld].tun[pb];
		r->hop[r->n++].dir = 1;
	}
	return 0;
}

static void
route_event(struct world *w, const struct flow *f, const struct route *r)
{
	char detail[1024];
	size_t off = 0;

	detail[0] = '\0';
	for (unsigned i = 0; i < r->n && off < sizeof(detail); i++)
		off += (size_t)snprintf(detail + off, sizeof(detail) - off,
		    "%s%s%s", i ? " > " : "", r->hop[i].t ? "tunnel:" : "",
		    r->hop[i].t ? r->hop[i].t->name : r->hop[i].c->name);
	emit(w, "route", w->sites[f->sc->src].sc->name, f->sc->name, detail,
	    (double)r->n);
}

/* Bring the flow's route up to date with the topology.  Returns the route
 * index to use, or NONE_ROUTE when there is none. */
static uint32_t
flow_route(struct world *w, struct flow *f)
{
	struct route r;

	if (f->topo == w->topo)
		return f->cur;
	f->topo = w->topo;
	if (route_compute(w, f, &r) < 0) {
		if (!f->no_route)
			emit(w, "no-route", w->sites[f->sc->src].sc->name,
			    f->sc->name, "no up link or PoP on the way", 0);
		f->no_route = 1;
		f->cur = NONE_ROUTE;
		return NONE_ROUTE;
	}
	f->no_route = 0;
	if (f->cur != NONE_ROUTE &&
	    f->routes[f->cur].n == r.n &&
	    memcmp(f->routes[f->cur].hop, r.hop, r.n * sizeof(r.hop[0])) == 0)
		return f->cur;
	if (f->nroutes == f->caproutes) {
		size_t cap = f->caproutes ? 2 * f->caproutes : 2;
		struct route *v = realloc(f->routes, cap * sizeof(*v));
		if (v == NULL)
			return f->cur;  /* keep the old one rather than lose it */
		f->routes = v;
		f->caproutes = cap;
	}
	f->routes[f->nroutes] = r;
	f->cur = (uint32_t)f->nroutes++;
	route_event(w, f, &r);
	return f->cur;
}

/* ---- the packet path ---- */

static void
meters_feed_drop(struct world *w, struct flow *f)
{
	struct site *s = &w->sites[f->sc->src];
	sb_time now = kernel_now(w->k);

	meter_dropped(f->interval);
	meter_dropped(f->total);
	meter_dropped(s->total);
	for (size_t i = 0; i < f->nwins; i++)
		if (now >= f->wins[i].from && now < f->wins[i].to)
			meter_dropped(f->wins[i].m);
	for (size_t i = 0; i < s->nwins; i++)
		if (now >= s->wins[i].from && now < s->wins[i].to)
			meter_dropped(s->wins[i].m);
}

/*
 * The inner packet a tunnel carries needs real bytes: an IPv4/UDP packet
 * from the source site's LAN (10.x.y.10, x.y the site's number) to the
 * destination's, of the flow's packet size, ports from the flow's number.
 * Modelled packets become such a packet at their first tunnel.
 */
static uint32_t
lan_addr(int site)
{
	return 0x0a00000au | (uint32_t)(site + 1) << 8;
}

static struct sb_packet *
inner_bytes(struct world *w, struct flow *f, struct sb_packet *p)
{
	struct sb_packet *q;
	size_t n = p->size < INET_IPV4_HDR + INET_UDP_HDR ?
	    INET_IPV4_HDR + INET_UDP_HDR : p->size;

	if (p->data != NULL)
		return p;
	if (n > SB_PACKET_BUF || (q = pool_get_buf(w->pool)) == NULL) {
		pool_put(w->pool, p);
		return NULL;
	}
	q->created = p->created;
	q->seq = p->seq;
	q->flow = p->flow;
	q->path = p->path;
	q->hop = p->hop;
	pool_put(w->pool, p);
	memset(q->data + INET_IPV4_HDR + INET_UDP_HDR, 0,
	    n - INET_IPV4_HDR - INET_UDP_HDR);
	q->len = (uint32_t)inet_udp_build(q->data, q->cap,
	    lan_addr(f->sc->src), (uint16_t)(20000 + f->id % 40000),
	    lan_addr(f->sc->dst), (uint16_t)(5000 + f->id % 10000),
	    n - INET_IPV4_HDR - INET_UDP_HDR, (uint16_t)q->seq, 64);
	q->size = q->len;
	return q;
}

/* Put p on hop p->hop of its route: a wire, or a tunnel's entrance. */
static void
hop_send(struct world *w, struct flow *f, struct sb_packet *p)
{
	const struct rhop *h = &f->routes[p->path].hop[p->hop];
	struct tunnel *t;

	if (h->t == NULL) {
		link_send(h->c->l, p);
		return;
	}
	t = h->t->t[h->dir];
	if (tunnel_state(t) != TUNNEL_UP ||
	    (p = inner_bytes(w, f, p)) == NULL) {
		/* the tunnel went down since the route was made */
		meters_feed_drop(w, f);
		if (p != NULL)
			pool_put(w->pool, p);
		return;
	}
	if (tunnel_send(t, p) < 0)
		meters_feed_drop(w, f);
}

static void
route_continue(struct world *w, struct sb_packet *p)
{
	struct flow *f = &w->flows[p->flow];

	if (++p->hop < f->routes[p->path].n) {
		hop_send(w, f, p);
		return;
	}
	flow_delivered(w, f, p);
}

static void
flow_send(void *ctx, struct sb_packet *p)
{
	struct flow *f = ctx;
	struct world *w = f->w;
	struct site *s = &w->sites[f->sc->src];
	sb_time now = kernel_now(w->k);
	uint32_t r;

	w->sent++;
	meter_sent(f->interval);
	meter_sent(f->total);
	meter_sent(s->total);
	for (size_t i = 0; i < f->nwins; i++)
		if (now >= f->wins[i].from && now < f->wins[i].to)
			meter_sent(f->wins[i].m);
	for (size_t i = 0; i < s->nwins; i++)
		if (now >= s->wins[i].from && now < s->wins[i].to)
			meter_sent(s->wins[i].m);
	r = flow_route(w, f);
	if (r == NONE_ROUTE) {
		meters_feed_drop(w, f);
		pool_put(w->pool, p);
		return;
	}
	p->path = r;
	p->hop = 0;
	hop_send(w, f, p);
}

static void
flow_delivered(struct world *w, struct flow *f, struct sb_packet *p)
{
	struct site *s = &w->sites[f->sc->src];
	sb_time now = kernel_now(w->k);

	w->delivered++;
	meter_delivered(f->interval, p->created, now, p->size);
	meter_delivered(f->total, p->created, now, p->size);
	meter_delivered(s->total, p->created, now, p->size);
	for (size_t i = 0; i < f->nwins; i++)
		if (now >= f->wins[i].from && now < f->wins[i].to)
			meter_delivered(f->wins[i].m, p->created, now, p->size);
	for (size_t i = 0; i < s->nwins; i++)
		if (now >= s->wins[i].from && now < s->wins[i].to)
			meter_delivered(s->wins[i].m, p->created, now, p->size);
	pool_put(w->pool, p);
}

static void
chan_recv(void *ctx, struct link *l, struct sb_packet *p)
{
	struct chan *c = ctx;
	struct world *w = c->w;
	struct flow *f;

	w->hops++;
	if (p->tun != 0) {
		struct wtun *wt = w->tuns[p->tun - 1];

		if (++p->thop < wt->npath[p->tdir]) {
			link_send(wt->path[p->tdir][p->thop]->l, p);
			return;
		}
		wtun_arrive(wt, p);
		return;
	}
	if (p->flow == SB_FLOW_NONE) {
		pool_put(w->pool, p);
		return;
	}
	f = &w->flows[p->flow];
	if (c->dst_pop >= 0 && !w->pops[c->dst_pop].up) {
		/* arrived at a PoP that has gone down meanwhile */
		meters_feed_drop(w, f);
		pool_put(w->pool, p);
		return;
	}
	route_continue(w, p);
}

static void
chan_drop(void *ctx, struct link *l, struct sb_packet *p, enum link_drop why)
{
	struct chan *c = ctx;
	struct world *w = c->w;

	if (p->flow != SB_FLOW_NONE)
		meters_feed_drop(w, &w->flows[p->flow]);
	pool_put(w->pool, p);
}

/* ---- building ---- */

static const char *
app_kind_name(enum sc_app_kind k)
{
	return k == SC_APP_UDP_POISSON ? "udp-poisson" : "udp-cbr";
}

static int
build_pops(struct world *w, char *err, size_t errlen)
{
	const struct scenario *sc = w->sc;
	struct psim_env env = { w->k, w->pool, psim_emit_cb, w };
	size_t np = sc->npops;
	char name[256];

	w->pops = calloc(np, sizeof(*w->pops));
	w->bb = calloc(np * np, sizeof(*w->bb));
	if (w->pops == NULL || w->bb == NULL)
		goto oom;
	for (size_t i = 0; i < np; i++) {
		struct pop *p = &w->pops[i];
		p->sc = &sc->pops[i];
		p->up = 1;
		if (w->rec != NULL) {
			struct rec_node rn = { (int)i, p->sc->name, "pop",
			    p->sc->city->name, p->sc->city->lat,
			    p->sc->city->lon, NULL };
			rec_check(w, recorder_node(w->rec, &rn));
		}
	}
	for (size_t a = 0; a < np; a++) {
		for (size_t b = 0; b < np; b++) {
			const struct sc_linkp *lp = &sc->backbone_default;
			const struct geo_city *ca = sc->pops[a].city;
			const struct geo_city *cb = sc->pops[b].city;
			struct link_spec s;
			if (a == b)
				continue;
			for (size_t k = 0; k < sc->nbb_pairs; k++) {
				const struct sc_backbone_pair *bp =
				    &sc->bb_pairs[k];
				if ((bp->a == (int)a && bp->b == (int)b) ||
				    (bp->a == (int)b && bp->b == (int)a))
					lp = &bp->p;
			}
			spec_from(w, lp, geo_between(w, ca, cb),
			    ca->utc_offset_min, cb->utc_offset_min, &s);
			snprintf(name, sizeof(name), "backbone:%s>%s",
			    sc->pops[a].name, sc->pops[b].name);
			w->bb[a * np + b] = chan_new(w, name, "backbone",
			    sc->pops[a].name, sc->pops[b].name, &s,
			    lp->profile, (int)b, err, errlen);
			if (w->bb[a * np + b] == NULL)
				return -1;
		}
	}
	for (size_t i = 0; i < np; i++) {
		struct pop *p = &w->pops[i];
		struct link *links[np > 0 ? np : 1];
		unsigned n = 0;
		for (size_t b = 0; b < np; b++)
			if (b != i)
				links[n++] = w->bb[i * np + b]->l;
		snprintf(name, sizeof(name), "node:%s", p->sc->name);
		p->rng = rng_new(w->seed, name);
		if (p->rng == NULL)
			goto oom;
		p->ps = psim_new(&env, p->sc->name, p->rng, links, n, NULL, NULL);
		if (p->ps == NULL)
			goto oom;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory building PoPs");
	return -1;
}

static int
build_sites(struct world *w, char *err, size_t errlen)
{
	const struct scenario *sc = w->sc;
	struct psim_env env = { w->k, w->pool, psim_emit_cb, w };
	char name[256], up[300], down[300];

	w->sites = calloc(sc->nsites, sizeof(*w->sites));
	if (w->sites == NULL)
		goto oom;
	for (size_t i = 0; i < sc->nsites; i++) {
		struct site *s = &w->sites[i];
		const struct geo_city *city;
		struct link *links[sc->sites[i].nlinks];
		int pop;

		s->sc = &sc->sites[i];
		city = s->sc->city;
		s->links = calloc(s->sc->nlinks, sizeof(*s->links));
		s->pop_km = calloc(sc->npops, sizeof(*s->pop_km));
		s->total = meter_new();
		if (s->links == NULL || s->pop_km == NULL || s->total == NULL)
			goto oom;
		for (size_t j = 0; j < sc->npops; j++)
			s->pop_km[j] = geo_distance_km(city->lat, city->lon,
			    sc->pops[j].city->lat, sc->pops[j].city->lon);
		pop = site_pop(w, s);
		s->cur_pop = pop;
		if (w->rec != NULL) {
			struct rec_node rn = { (int)(sc->npops + i),
			    s->sc->name, "site", city->name, city->lat,
			    city->lon, pop >= 0 ? sc->pops[pop].name : NULL };
			rec_check(w, recorder_node(w->rec, &rn));
		}
		for (size_t j = 0; j < s->sc->nlinks; j++) {
			const struct sc_site_link *sl = &s->sc->links[j];
			struct link_spec spec;
			spec_from(w, &sl->p, 0, city->utc_offset_min,
			    city->utc_offset_min, &spec);
			snprintf(up, sizeof(up), "%s/%s:up", s->sc->name,
			    sl->name);
			snprintf(down, sizeof(down), "%s/%s:down", s->sc->name,
			    sl->name);
			s->links[j].up = chan_new(w, up, "access", s->sc->name,
			    city->name, &spec, sl->p.profile, -1, err, errlen);
			if (s->links[j].up == NULL)
				return -1;
			s->links[j].down = chan_new(w, down, "access",
			    city->name, s->sc->name, &spec, sl->p.profile, -1,
			    err, errlen);
			if (s->links[j].down == NULL)
				return -1;
			links[j] = s->links[j].up->l;
			s->links[j].tun = calloc(sc->npops,
			    sizeof(*s->links[j].tun));
			if (s->links[j].tun == NULL)
				goto oom;
			/* 100.64.0.0/10 by site and link, unless given */
			s->links[j].addr = 0x64400000u |
			    (uint32_t)(i & 0x3fff) << 8 | (uint32_t)(j + 1);
			if (sl->public_ip != NULL)
				inet_addr_parse(sl->public_ip,
				    &s->links[j].addr);
		}
		snprintf(name, sizeof(name), "node:%s", s->sc->name);
		s->rng = rng_new(w->seed, name);
		if (s->rng == NULL)
			goto oom;
		s->ps = psim_new(&env, s->sc->name, s->rng, links,
		    (unsigned)s->sc->nlinks, NULL, NULL);
		if (s->ps == NULL)
			goto oom;
		/* The site's PSK, registered with the cloud, and each link's
		 * source port: random, as a Socket picks them. */
		for (size_t b = 0; b < sizeof(s->psk); b += 8) {
			uint64_t r = rng_u64(s->rng);
			memcpy(s->psk + b, &r, 8);
		}
		for (size_t j = 0; j < s->sc->nlinks; j++)
			s->links[j].port = (uint16_t)(49152 +
			    rng_u64(s->rng) % 16384);
	}
	/* Declared Internet paths exist from the start, used or not, so
	 * their samples show what the path does all run long. */
	for (size_t i = 0; i < sc->ninet; i++)
		if (inet_make(w, sc->inet[i].a, sc->inet[i].b, &sc->inet[i].p,
		    err, errlen) == NULL)
			return -1;
	return 0;
oom:
	snprintf(err, errlen, "out of memory building sites");
	return -1;
}

/*
 * Credentials: a PSK for every site (drawn when the site is built) and,
 * if any site uses certificates, the run's CA with a certificate for each
 * such site (a rogue one for a site with the wrong key) and each PoP.
 */
static int
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

static int
build_flows(struct world *w, char *err, size_t errlen)
{
	const struct scenario *sc = w->sc;

	w->flows = calloc(sc->napps ? sc->napps : 1, sizeof(*w->flows));
	if (w->flows == NULL)
		goto oom;
	for (size_t i = 0; i < sc->napps; i++) {
		struct flow *f = &w->flows[i];
		char name[256];

		f->w = w;
		f->sc = &sc->apps[i];
		f->id = (int)i;
		f->cur = NONE_ROUTE;
		f->topo = UINT64_MAX;
		f->interval = meter_new();
		f->total = meter_new();
		snprintf(name, sizeof(name), "app:%s", f->sc->name);
		f->rng = rng_new(w->seed, name);
		if (f->interval == NULL || f->total == NULL || f->rng == NULL)
			goto oom;
		if (w->rec != NULL) {
			struct rec_flow rf = { (int)i, f->sc->name,
			    app_kind_name(f->sc->kind),
			    sc->sites[f->sc->src].name,
			    sc->sites[f->sc->dst].name,
			    f->sc->via == SC_VIA_INTERNET ? "internet" :
			    "backbone", f->sc->rate_bps, f->sc->packet_bytes };
			rec_check(w, recorder_flow(w->rec, &rf));
		}
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory building flows");
	return -1;
}

/* ---- expectation plumbing ---- */

static struct meter *
mwin_add(struct mwin **v, size_t *n, sb_time from, sb_time to)
{
	struct mwin *nv;

	for (size_t i = 0; i < *n; i++)
		if ((*v)[i].from == from && (*v)[i].to == to)
			return (*v)[i].m;
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (nv == NULL)
		return NULL;
	*v = nv;
	nv[*n].from = from;
	nv[*n].to = to;
	nv[*n].m = meter_new();
	if (nv[*n].m == NULL)
		return NULL;
	return nv[(*n)++].m;
}

static int
cwin_add(struct chan *c, sb_time from, sb_time to, size_t *idx)
{
	struct cwin *nv;

	for (size_t i = 0; i < c->nwins; i++)
		if (c->wins[i].from == from && c->wins[i].to == to) {
			*idx = i;
			return 0;
		}
	nv = realloc(c->wins, (c->nwins + 1) * sizeof(*nv));
	if (nv == NULL)
		return -1;
	c->wins = nv;
	memset(&nv[c->nwins], 0, sizeof(nv[0]));
	nv[c->nwins].from = from;
	nv[c->nwins].to = to;
	*idx = c->nwins++;
	return 0;
}

/* The two directions of a link-like subject. */
static int
target_chans(struct world *w, const struct sc_target *t, struct chan *c[2])
{
	size_t np = w->sc->npops;

	switch (t->kind) {
	case SC_T_SITE_LINK:
		c[0] = w->sites[t->i].links[t->j].up;
		c[1] = w->sites[t->i].links[t->j].down;
		return 0;
	case SC_T_BACKBONE:
		c[0] = w->bb[t->i * np + t->j];
		c[1] = w->bb[t->j * np + t->i];
		return 0;
	case SC_T_INTERNET:
		c[0] = w->inet[t->i].ab;
		c[1] = w->inet[t->i].ba;
		return 0;
	default:
		return -1;
	}
}

static int
expect_bind(struct world *w, const struct sc_expect *e, int side,
    const struct sc_target *t, struct wexp *x)
{
	int whole = e->from == 0 && e->to >= w->sc->duration;
	sb_time to = e->to > w->sc->duration ? w->sc->duration : e->to;

	switch (t->kind) {
	case SC_T_FLOW:
		x->m[side] = whole ? w->flows[t->i].total :
		    mwin_add(&w->flows[t->i].wins, &w->flows[t->i].nwins,
		    e->from, to);
		return x->m[side] ? 0 : -1;
	case SC_T_SITE:
		x->m[side] = whole ? w->sites[t->i].total :
		    mwin_add(&w->sites[t->i].wins, &w->sites[t->i].nwins,
		    e->from, to);
		return x->m[side] ? 0 : -1;
	default:
		if (target_chans(w, t, x->c[side]) < 0)
			return -1;
		for (int d = 0; d < 2; d++)
			if (cwin_add(x->c[side][d], e->from, to,
			    &x->cw[side][d]) < 0)
				return -1;
		return 0;
	}
}

static int
build_expectations(struct world *w, char *err, size_t errlen)
{
	const struct scenario *sc = w->sc;

	w->wexp = calloc(sc->nexpects ? sc->nexpects : 1, sizeof(*w->wexp));
	if (w->wexp == NULL)
		goto oom;
	for (size_t i = 0; i < sc->nexpects; i++) {
		const struct sc_expect *e = &sc->expects[i];
		if (expect_bind(w, e, 0, &e->subject, &w->wexp[i]) < 0)
			goto oom;
		if (e->bound_is_ref &&
		    expect_bind(w, e, 1, &e->ref, &w->wexp[i]) < 0)
			goto oom;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory binding expectations");
	return -1;
}

struct world *
world_new(const struct scenario *sc, uint64_t seed, struct kernel *k,
    struct recorder *rec, char *err, size_t errlen)
{
	struct world *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->sc = sc;
	w->seed = seed;
	w->k = k;
	w->rec = rec;
	w->pool = pool_new();
	if (w->pool == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (build_pops(w, err, errlen) < 0 ||
	    build_sites(w, err, errlen) < 0 ||
	    build_credentials(w, err, errlen) < 0 ||
	    build_flows(w, err, errlen) < 0 ||
	    build_expectations(w, err, errlen) < 0)
		goto fail;
	if (w->failed) {
		snprintf(err, errlen, "writing the topology to the results: %s",
		    rec ? recorder_error(rec) : "?");
		goto fail;
	}
	return w;
fail:
	world_free(w);
	return NULL;
}

void
world_free(struct world *w)
{
	const struct scenario *sc;

	if (w == NULL)
		return;
	sc = w->sc;
	for (size_t i = 0; w->flows != NULL && i < sc->napps; i++) {
		struct flow *f = &w->flows[i];
		traffic_free(f->src);
		meter_free(f->interval);
		meter_free(f->total);
		for (size_t j = 0; j < f->nwins; j++)
			meter_free(f->wins[j].m);
		free(f->wins);
		free(f->routes);
		if (f->rng)
			gsl_rng_free(f->rng);
	}
	free(w->flows);
	for (size_t i = 0; i < w->ntuns; i++)
		wtun_free(w->tuns[i]);
	free(w->tuns);
	for (size_t i = 0; w->sites != NULL && i < sc->nsites; i++) {
		struct site *s = &w->sites[i];
		for (size_t j = 0; s->links != NULL && j < s->sc->nlinks; j++) {
			free(s->links[j].tun);
			if (s->links[j].cap != NULL &&
			    capture_flush(s->links[j].cap) < 0)
				w->failed = 1;
			capture_free(s->links[j].cap);
		}
		psim_free(s->ps);
		free(s->cert_pem);
		free(s->key_pem);
		if (s->rng)
			gsl_rng_free(s->rng);
		meter_free(s->total);
		for (size_t j = 0; j < s->nwins; j++)
			meter_free(s->wins[j].m);
		free(s->wins);
		free(s->links);
		free(s->pop_km);
	}
	free(w->sites);
	for (size_t i = 0; w->pops != NULL && i < sc->npops; i++) {
		free(w->pops[i].cert_pem);
		free(w->pops[i].key_pem);
		psim_free(w->pops[i].ps);
		if (w->pops[i].rng)
			gsl_rng_free(w->pops[i].rng);
	}
	free(w->pops);
	for (size_t i = 0; i < w->nchans; i++)
		chan_free(w->chans[i]);
	free(w->chans);
	free(w->bb);
	free(w->inet);
	free(w->wexp);
	keylog_free(w->keylog);
	pki_free(w->pki);
	if (w->pki_rng != NULL)
		gsl_rng_free(w->pki_rng);
	free(w->pcap_dir);
	pool_free(w->pool);
	free(w);
}

/* ---- the timeline ---- */

static void
chans_apply(struct world *w, const struct sc_action *a, struct chan *c[2])
{
	for (int d = 0; d < 2; d++) {
		switch (a->kind) {
		case SC_ACT_DOWN:
			link_set_up(c[d]->l, 0);
			break;
		case SC_ACT_UP:
			link_set_up(c[d]->l, 1);
			break;
		case SC_ACT_SET:
			if (a->set_delay)
				link_set_delay(c[d]->l, a->delay);
			if (a->set_jitter)
				link_set_jitter(c[d]->l, &a->jitter);
			if (a->set_loss)
				link_set_loss(c[d]->l, &a->loss);
			if (a->set_bandwidth)
				link_set_bandwidth(c[d]->l, a->bandwidth_bps);
			break;
		}
	}
}

static void
describe_set(const struct sc_action *a, char *buf, size_t len)
{
	char t[64];
	size_t off = 0;

	buf[0] = '\0';
	if (a->set_delay)
		off += (size_t)snprintf(buf + off, len - off, "delay %s ",
		    units_fmt_time(a->delay, t, sizeof(t)));
	if (a->set_jitter && off < len)
		off += (size_t)snprintf(buf + off, len - off, "jitter %s ",
		    units_fmt_time(a->jitter.amount, t, sizeof(t)));
	if (a->set_loss && off < len)
		off += (size_t)snprintf(buf + off, len - off, "loss %.3g%% ",
		    100.0 * loss_expected_rate(&a->loss));
	if (a->set_bandwidth && off < len)
		snprintf(buf + off, len - off, "bandwidth %s",
		    units_fmt_rate((double)a->bandwidth_bps, t, sizeof(t)));
}

static void
timeline_fire(void *a, void *b)
{
	struct world *w = a;
	const struct sc_action *act = b;
	const struct scenario *sc = w->sc;
	static const char *const verbs[] = { "down", "up", "set" };
	char kind[64], subject[256], detail[256];
	struct chan *c[2];

	detail[0] = '\0';
	if (act->target.kind == SC_T_POP) {
		struct pop *p = &w->pops[act->target.i];
		p->up = act->kind == SC_ACT_UP;
		/* A PoP that fails stops answering its tunnels; the Sockets
		 * find out from their keepalives. */
		for (size_t i = 0; i < w->ntuns; i++) {
			struct wtun *wt = w->tuns[i];
			if (wt->pop != act->target.i)
				continue;
			if (p->up)
				tunnel_start(wt->t[1]);
			else
				tunnel_crash(wt->t[1]);
		}
		snprintf(kind, sizeof(kind), "pop-%s", verbs[act->kind]);
		snprintf(subject, sizeof(subject), "%s", p->sc->name);
	} else {
		if (target_chans(w, &act->target, c) < 0)
			return;
		chans_apply(w, act, c);
		snprintf(kind, sizeof(kind), "link-%s", verbs[act->kind]);
		switch (act->target.kind) {
		case SC_T_SITE_LINK:
			snprintf(subject, sizeof(subject), "%s/%s",
			    sc->sites[act->target.i].name,
			    sc->sites[act->target.i].links[act->target.j].name);
			break;
		default:
			/* "backbone:a>b" or "internet:a>b" without ":up" */
			snprintf(subject, sizeof(subject), "%s", c[0]->name);
			break;
		}
		if (act->kind == SC_ACT_SET)
			describe_set(act, detail, sizeof(detail));
	}
	w->topo++;
	emit(w, kind, NULL, subject, detail[0] ? detail : NULL,
	    (double)act->loc.line);
}

/* ---- sampling ---- */

static void
sample_all(struct world *w, sb_time span)
{
	sb_time now = kernel_now(w->k);

	for (size_t i = 0; i < w->sc->napps; i++) {
		struct flow *f = &w->flows[i];
		struct meter_summary ms;
		meter_summary(f->interval, span, &ms);
		meter_reset(f->interval);
		if (w->rec != NULL) {
			struct rec_flow_sample s = {
				.flow = f->id, .t = now, .sent = ms.sent,
				.delivered = ms.delivered,
				.dropped = ms.dropped, .bytes = ms.bytes,
				.loss = ms.loss,
				.latency_mean = ms.latency_mean,
				.jitter = ms.jitter,
				.throughput_bps = ms.throughput_bps,
				.latency_p50 = ms.latency_p50,
				.latency_p95 = ms.latency_p95,
				.latency_p99 = ms.latency_p99,
			};
			rec_check(w, recorder_flow_sample(w->rec, &s));
		}
	}
	for (size_t i = 0; i < w->nchans; i++) {
		struct chan *c = w->chans[i];
		struct link_stats *s = &c->interval;
		uint64_t drops;

		chan_flush(c);
		drops = s->drops[0] + s->drops[1] + s->drops[2];
		if (w->rec != NULL) {
			struct rec_link_sample ls = {
				.link = c->id, .t = now,
				.packets = s->packets, .bytes = s->bytes,
				.drops_queue = s->drops[LINK_DROP_QUEUE],
				.drops_loss = s->drops[LINK_DROP_LOSS],
				.drops_down = s->drops[LINK_DROP_DOWN],
				.loss = s->packets + drops ? (double)drops /
				    (double)(s->packets + drops) : 0.0,
				.delay_mean = s->sent ? (double)s->delay_sum /
				    (double)s->sent : 0.0,
				.throughput_bps = span > 0 ? (double)s->bytes *
				    8e9 / (double)span : 0.0,
				.utilisation = span > 0 ? (double)s->busy /
				    (double)span : 0.0,
				.queue_bytes = link_backlog(c->l),
				.queue_max = s->queue_max,
				.up = link_is_up(c->l),
			};
			rec_check(w, recorder_link_sample(w->rec, &ls));
		}
		memset(s, 0, sizeof(*s));
	}
	if (w->rec != NULL)
		rec_check(w, recorder_commit(w->rec));
	w->last_tick = now;
}

static void
tick(void *a, void *b)
{
	struct world *w = a;
	sb_time now = kernel_now(w->k), next;

	sample_all(w, now - w->last_tick);
	next = now + w->sc->sample_interval;
	if (next <= w->sc->duration)
		kernel_at(w->k, next, tick, w, NULL);
}

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

int
world_start(struct world *w)
{
	const struct scenario *sc = w->sc;

	for (size_t i = 0; i < sc->napps; i++) {
		struct flow *f = &w->flows[i];
		struct traffic_spec ts = {
			.arrivals = f->sc->kind == SC_APP_UDP_POISSON ?
			    TRAFFIC_POISSON : TRAFFIC_CBR,
			.sizes = TRAFFIC_SIZE_FIXED,
			.rate_bps = f->sc->rate_bps,
			.packet_bytes = f->sc->packet_bytes,
			.start = f->sc->start,
			.stop = f->sc->stop < sc->duration ? f->sc->stop :
			    sc->duration,
		};
		f->src = traffic_new(w->k, w->pool, &ts, (uint32_t)f->id,
		    f->rng, flow_send, f);
		if (f->src == NULL)
			return -1;
	}
	for (size_t i = 0; i < sc->nsites; i++)
		if (w->sites[i].cur_pop >= 0)
			site_tunnels(w, (int)i);
	if (w->failed)
		return -1;
	for (size_t i = 0; i < sc->ntimeline; i++)
		if (kernel_at(w->k, sc->timeline[i].at, timeline_fire, w,
		    (void *)&sc->timeline[i]) == 0)
			return -1;
	for (size_t i = 0; i < w->nchans; i++) {
		struct chan *c = w->chans[i];
		for (size_t j = 0; j < c->nwins; j++) {
			kernel_at(w->k, c->wins[j].from, win_edge, c,
			    (void *)(uintptr_t)j);
			kernel_at(w->k, c->wins[j].to, win_edge, c,
			    (void *)(uintptr_t)j);
		}
	}
	w->last_tick = 0;
	if (sc->sample_interval <= sc->duration)
		kernel_at(w->k, sc->sample_interval, tick, w, NULL);
	return 0;
}

/* ---- the end ---- */

static double
meter_metric(const struct meter *m, enum sc_metric metric, sb_time span)
{
	struct meter_summary s;

	meter_summary(m, span, &s);
	switch (metric) {
	case SC_M_LATENCY_MEAN:
		return s.delivered ? s.latency_mean : NAN;
	case SC_M_LATENCY_P50:
		return s.delivered ? (double)s.latency_p50 : NAN;
	case SC_M_LATENCY_P95:
		return s.delivered ? (double)s.latency_p95 : NAN;
	case SC_M_LATENCY_P99:
		return s.delivered ? (double)s.latency_p99 : NAN;
	case SC_M_JITTER:
		return s.delivered > 1 ? s.jitter : NAN;
	case SC_M_LOSS:
		return s.delivered + s.dropped ? s.loss : NAN;
	case SC_M_THROUGHPUT:
		return s.throughput_bps;
	case SC_M_DELIVERED:
		return (double)s.delivered;
	default:
		return NAN;
	}
}

/* A link metric from the counters of its two directions over span. */
static double
stats_metric(const struct link_stats s[2], enum sc_metric metric, sb_time span)
{
	uint64_t pk = 0, drops = 0, sent = 0, by = 0, qmax = 0;
	double delay = 0, util = 0;

	for (int d = 0; d < 2; d++) {
		pk += s[d].packets;
		by += s[d].bytes;
		sent += s[d].sent;
		delay += (double)s[d].delay_sum;
		drops += s[d].drops[0] + s[d].drops[1] + s[d].drops[2];
		if (s[d].queue_max > qmax)
			qmax = s[d].queue_max;
		if (span > 0 && (double)s[d].busy / (double)span > util)
			util = (double)s[d].busy / (double)span;
	}
	switch (metric) {
	case SC_M_LOSS:
		return pk + drops ? (double)drops / (double)(pk + drops) : NAN;
	case SC_M_THROUGHPUT:
		return span > 0 ? (double)by * 8e9 / (double)span : NAN;
	case SC_M_DELIVERED:
		return (double)pk;
	case SC_M_UTILISATION:
		return util;
	case SC_M_QUEUE_MAX:
		return (double)qmax;
	case SC_M_DELAY_MEAN:
		return sent ? delay / (double)sent : NAN;
	default:
		return NAN;
	}
}

static void
stats_sub(struct link_stats *d, const struct link_stats *a,
    const struct link_stats *b)
{
	d->sent = a->sent - b->sent;
	d->packets = a->packets - b->packets;
	d->bytes = a->bytes - b->bytes;
	for (int i = 0; i < LINK_DROP__COUNT; i++)
		d->drops[i] = a->drops[i] - b->drops[i];
	d->delay_sum = a->delay_sum - b->delay_sum;
	d->busy = a->busy - b->busy;
}

static double
expect_side(struct world *w, const struct sc_expect *e, int side,
    sb_time end)
{
	struct wexp *x = &w->wexp[e - w->sc->expects];
	sb_time from = e->from, to = e->to < end ? e->to : end;
	struct link_stats s[2];

	if (to <= from)
		return NAN;
	if (x->m[side] != NULL)
		return meter_metric(x->m[side], e->metric, to - from);
	for (int d = 0; d < 2; d++) {
		struct chan *c = x->c[side][d];
		struct cwin *cw = &c->wins[x->cw[side][d]];
		/* a window cut short by --until ends at the last flush */
		const struct link_stats *hi = e->to <= end ? &cw->at_to :
		    &c->total;
		stats_sub(&s[d], hi, &cw->at_from);
		s[d].queue_max = cw->queue_max;
	}
	return stats_metric(s, e->metric, to - from);
}

static void
record_final_metrics(struct world *w, sb_time end)
{
	static const enum sc_metric flow_m[] = { SC_M_LATENCY_MEAN,
	    SC_M_LATENCY_P50, SC_M_LATENCY_P95, SC_M_LATENCY_P99, SC_M_JITTER,
	    SC_M_LOSS, SC_M_THROUGHPUT, SC_M_DELIVERED };
	static const enum sc_metric site_m[] = { SC_M_LOSS, SC_M_THROUGHPUT,
	    SC_M_DELIVERED };
	static const enum sc_metric link_m[] = { SC_M_LOSS, SC_M_THROUGHPUT,
	    SC_M_DELIVERED, SC_M_UTILISATION, SC_M_QUEUE_MAX,
	    SC_M_DELAY_MEAN };
	const struct scenario *sc = w->sc;

	if (w->rec == NULL)
		return;
	for (size_t i = 0; i < sc->napps; i++)
		for (size_t m = 0; m < sizeof(flow_m) / sizeof(*flow_m); m++) {
			double v = meter_metric(w->flows[i].total, flow_m[m],
			    end);
			if (!isnan(v))
				rec_check(w, recorder_metric(w->rec, "flow",
				    sc->apps[i].name, sc_metric_name(flow_m[m]),
				    v, sc_metric_unit(flow_m[m])));
		}
	for (size_t i = 0; i < sc->nsites; i++)
		for (size_t m = 0; m < sizeof(site_m) / sizeof(*site_m); m++) {
			double v = meter_metric(w->sites[i].total, site_m[m],
			    end);
			if (!isnan(v))
				rec_check(w, recorder_metric(w->rec, "site",
				    sc->sites[i].name, sc_metric_name(site_m[m]),
				    v, sc_metric_unit(site_m[m])));
		}
	for (size_t i = 0; i < w->ntuns; i++) {
		struct wtun *wt = w->tuns[i];
		for (int e = 0; e < 2; e++) {
			const struct tunnel_stats *st = tunnel_stats(wt->t[e]);
			char scope[32];
			const struct { const char *name; uint64_t v; } m[] = {
				{ "handshakes", st->handshakes },
				{ "handshakes-ok", st->handshakes_ok },
				{ "auth-failures", st->auth_failures },
				{ "handshake-retransmits", st->hs_retransmits },
				{ "downs", st->downs },
				{ "records-sent", st->tx_records },
				{ "records-received", st->rx_records },
				{ "dropped-replayed", st->drop_replayed },
				{ "dropped-forged", st->drop_forged },
				{ "dropped-malformed", st->drop_malformed },
				{ "dropped-not-up", st->drop_not_up },
				{ "dropped-too-big", st->drop_too_big },
				{ "dropped-rekeying", st->drop_rekeying },
				{ "keepalives-sent", st->keepalives_sent },
				{ "keepalives-answered",
				    st->keepalives_answered },
				{ "rekeys", st->rekeys },
			};
			snprintf(scope, sizeof(scope), "tunnel-%s",
			    e == 0 ? "socket" : "pop");
			for (size_t x = 0; x < sizeof(m) / sizeof(m[0]); x++)
				rec_check(w, recorder_metric(w->rec, scope,
				    wt->name, m[x].name, (double)m[x].v,
				    "count"));
		}
	}
	for (size_t i = 0; i < w->nchans; i++) {
		struct link_stats s[2];
		s[0] = w->chans[i]->total;
		memset(&s[1], 0, sizeof(s[1]));
		for (size_t m = 0; m < sizeof(link_m) / sizeof(*link_m); m++) {
			double v = stats_metric(s, link_m[m], end);
			if (!isnan(v))
				rec_check(w, recorder_metric(w->rec, "link",
				    w->chans[i]->name, sc_metric_name(link_m[m]),
				    v, sc_metric_unit(link_m[m])));
		}
	}
}

int
world_finish(struct world *w, sb_time end, int evaluate, FILE *out)
{
	const struct scenario *sc = w->sc;
	int failed = 0;

	if (end > w->last_tick)
		sample_all(w, end - w->last_tick);
	if (!evaluate) {
		if (w->rec != NULL)
			rec_check(w, recorder_commit(w->rec));
		return w->failed ? -1 : 0;
	}
	for (size_t i = 0; i < w->nchans; i++)
		chan_flush(w->chans[i]);
	record_final_metrics(w, end);
	for (size_t i = 0; i < sc->nexpects; i++) {
		const struct sc_expect *e = &sc->expects[i];
		double m = expect_side(w, e, 0, end);
		double b = e->bound_is_ref ? expect_side(w, e, 1, end) :
		    e->bound;
		enum expect_status st = expect_check(e->op, m, b);
		char msg[1024], subj[256];

		if (st != EXPECT_PASS)
			failed++;
		expect_message(sc->path, e, m, b, st, msg, sizeof(msg));
		if (out != NULL)
			fprintf(out, "%s\n", msg);
		sc_target_name(sc, &e->subject, subj, sizeof(subj));
		if (w->rec != NULL) {
			struct rec_expect re = {
				.idx = (int)i, .line = e->loc.line,
				.col = e->loc.col, .text = e->text,
				.subject = subj,
				.metric = sc_metric_name(e->metric),
				.op = sc_op_name(e->op), .bound = b,
				.measured = m,
				.status = expect_status_name(st),
				.message = msg,
			};
			rec_check(w, recorder_expect(w->rec, &re));
		}
	}
	if (w->rec != NULL)
		rec_check(w, recorder_commit(w->rec));
	return w->failed ? -1 : failed;
}

void
world_counts(const struct world *w, uint64_t *sent, uint64_t *delivered,
    uint64_t *hops)
{
	*sent = w->sent;
	*delivered = w->delivered;
	*hops = w->hops;
}
