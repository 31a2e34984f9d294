/*
 * The world's packet path: chans, Internet paths, routes and forwarding.
 * It moves packets and feeds the meters; it neither samples them
 * (world_measure.c) nor runs the tunnels' ends (world_tunnels.c).
 *
 * Every simulated wire direction is a `chan` (a models/link.c link plus
 * what the world needs to know about it: its id in the results, the PoP at
 * its far end, its counters).  A flow's packets follow a `route`, a short
 * list of chans computed when the flow sends and the topology has changed
 * since its last route; routes are kept for the run, so a packet in flight
 * keeps following the route it left on while newer packets take the new
 * one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/fluid.h"
#include "models/geo.h"
#include "models/link.h"
#include "reports/meter.h"
#include "sim/pool.h"
#include "sim/rng.h"
#include "sim/world_impl.h"
#include "wan/ike.h"
#include "wan/inet.h"
#include "wan/tunnel.h"

/* ---- link specs from scenario parameters ---- */

void
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

sb_time
geo_between(const struct world *w, const struct geo_city *a,
    const struct geo_city *b)
{
	double km = geo_distance_km(a->lat, a->lon, b->lat, b->lon);

	return geo_delay(km, w->sc->route_inflation, w->sc->fibre_km_s);
}

static void chan_pf(void *pctx, void *ctx, struct sb_packet *p, sb_time t,
    int stage);
static void chan_recv(void *ctx, struct link *l, struct sb_packet *p);
static void chan_drop(void *ctx, struct link *l, struct sb_packet *p,
    enum link_drop why);

/*
 * A new chan.  Profiles are built per chan from the scenario's points: a
 * profile is a few dozen bytes and this keeps ownership simple.
 */
struct chan *
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
	c->rx_port = -1;
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
	link_set_prefetch(c->l, chan_pf, w);
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
void
chan_free(struct chan *c)
{
	struct profile *pr;

	if (c == NULL)
		return;
	pr = (struct profile *)link_spec(c->l)->profile;
	link_free(c->l);
	profile_free(pr);
	gsl_rng_free(c->rng);
	fluid_free(c->bg);
	if (c->bgrng != NULL)
		gsl_rng_free(c->bgrng);
	free(c->wins);
	free(c->name);
	free(c);
}

/* The chan's background load, if the spec has one: its own stream
 * ("fluid:" and the chan's name), so that adding it shifts no other
 * draw.  Freed with the chan. */
int
chan_background(struct chan *c, const struct fluid_spec *fs, char *err,
    size_t errlen)
{
	char rname[256];

	if (!fs->on)
		return 0;
	snprintf(rname, sizeof(rname), "fluid:%s", c->name);
	if ((c->bgrng = rng_new(c->w->seed, rname)) == NULL ||
	    (c->bg = fluid_new(fs, c->bgrng)) == NULL) {
		snprintf(err, errlen, "out of memory building the background "
		    "of link '%s'", c->name);
		return -1;
	}
	link_set_background(c->l, c->bg);
	return 0;
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
struct inet *
inet_make(struct world *w, const struct geo_city *a, const struct geo_city *b,
    const struct sc_linkp *p, char *err, size_t errlen)
{
	struct link_spec s;
	struct inet *in;
	char name[256];
	int tz_a, tz_b;

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
	/* across mainland China's border the hour that counts is Beijing's,
	 * where the bottleneck is (docs/scenario.md, internet) */
	tz_a = a->utc_offset_min;
	tz_b = b->utc_offset_min;
	if (inet_defaults(w, a, b) == &w->sc->internet_cross_border)
		tz_a = tz_b = strcmp(a->country, "CN") == 0 ? tz_a : tz_b;
	spec_from(w, p, geo_between(w, a, b), tz_a, tz_b, &s);
	snprintf(name, sizeof(name), "internet:%s>%s", a->name, b->name);
	in->ab = chan_new(w, name, "internet", a->name, b->name, &s,
	    p->profile, -1, err, errlen);
	if (in->ab == NULL || chan_background(in->ab, &p->bg[0], err,
	    errlen) < 0)
		return NULL;
	snprintf(name, sizeof(name), "internet:%s>%s", b->name, a->name);
	in->ba = chan_new(w, name, "internet", b->name, a->name, &s,
	    p->profile, -1, err, errlen);
	if (in->ba == NULL || chan_background(in->ba, &p->bg[1], err,
	    errlen) < 0)
		return NULL;
	in->ab->rev = in->ba;
	in->ba->rev = in->ab;
	w->ninet++;
	return in;
}

/* An undeclared path's parameters: across mainland China's border
 * (Hong Kong is outside it) the cross-border ones, else the defaults. */
const struct sc_linkp *
inet_defaults(const struct world *w, const struct geo_city *a,
    const struct geo_city *b)
{
	return sc_cross_border(a, b) ? &w->sc->internet_cross_border :
	    &w->sc->internet_default;
}

struct chan *
inet_chan(struct world *w, const struct geo_city *a, const struct geo_city *b)
{
	struct inet *in;
	int fwd;
	char err[128];

	in = inet_find(w, a, b, &fwd);
	if (in == NULL) {
		/* A pair no flow needed at the start (a PoP failed over):
		 * made now, with the defaults.  Rare, not per packet. */
		in = inet_make(w, a, b, inet_defaults(w, a, b), err,
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
int
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

/* The Internet from city a to city b, if they differ. */
static int
inet_hop(struct world *w, const struct geo_city *a, const struct geo_city *b,
    struct route *r)
{
	struct chan *c;

	if (a == b)
		return 0;
	if ((c = inet_chan(w, a, b)) == NULL)
		return -1;
	r->hop[r->n++].c = c;
	return 0;
}

/* Internet flows take the wires only: the site's best link, the Internet
 * to the other site's city (or the destination's: local breakout) and
 * the other site's link down. */
static int
route_internet(struct world *w, const struct flow *f, struct route *r)
{
	struct site *s = f->home;
	int li = site_best_link(s), ld = -1;
	const struct geo_city *to;

	if (f->sc->dest >= 0)
		to = w->sc->dests[f->sc->dest].city;
	else {
		to = w->sites[f->sc->dst].sc->city;
		if ((ld = site_best_link(&w->sites[f->sc->dst])) < 0)
			return -1;
	}
	if (li < 0)
		return -1;
	r->hop[r->n++].c = s->links[li].up;
	if (inet_hop(w, s->sc->city, to, r) < 0)
		return -1;
	if (ld >= 0)
		r->hop[r->n++].c = w->sites[f->sc->dst].links[ld].down;
	return 0;
}

/*
 * Backbone flows enter the source site's tunnel to its PoP, pass the
 * PoP's inspection, and cross the backbone as the PoPs route it: to the
 * PoP that advertises the destination site (out through its tunnel to
 * the site), or to the egress PoP of an Internet destination (out to the
 * Internet from there).
 */
#define EGRESS_PASSES 4   /* PoPs on a packet's way, at most */

static int
route_compute(struct world *w, const struct flow *f, int ls, struct route *r)
{
	struct site *s = f->home;
	struct wpop *in;
	int pa, pb;

	memset(r, 0, sizeof(*r));
	if (f->sc->via == SC_VIA_INTERNET)
		return route_internet(w, f, r);
	if (s->sc->cloud != NULL) {
		/* a cloud region's interconnect: a wire into the PoP */
		if ((pa = cloud_first_hop(w, s, ls, r)) < 0)
			return -1;
		in = &w->pops[pa];
	} else {
		pa = s->sock != NULL ? socket_link_pop(s->sock, (unsigned)ls) :
		    ipsec_pop(s);
		if (!site_link_tunnel_up(s, ls, pa) ||
		    !(in = &w->pops[pa])->up)
			return -1;
		r->hop[r->n].t = s->links[ls].tun[pa];
		r->hop[r->n++].dir = 0;
	}
	if (f->fw_base >= 0 || in->insp != NULL) {
		r->hop[r->n].x = in;
		r->hop[r->n++].fw = f->fw_base >= 0 ? 1 + (unsigned)f->fw_base :
		    0;
	}
	if (f->sc->dest >= 0) {
		const struct sc_dest *d = &w->sc->dests[f->sc->dest];
		if ((pb = dest_egress(w, f, pa)) < 0 ||
		    bb_hops(w, pa, pb, r) < 0)
			return -1;
		return inet_hop(w, w->sc->pops[pb].city, d->city, r);
	} else {
		uint32_t dst = lan_addr(f->sc->dst);
		int t, seen[EGRESS_PASSES + 1], nseen = 0;
		struct wtun *wt;
		/* Each PoP on the way forwards by its own table: to the PoP
		 * it sees holding the destination, and out when that is
		 * itself.  One that has just lost the site or interconnect
		 * passes the packet on to the PoP it now sees holding it,
		 * though the PoP before it, not told yet, still sent it
		 * there; a PoP met twice is a loop of views not yet agreed,
		 * and the packet has no route. */
		pb = pa;
		for (;;) {
			int next = pop_egress(w->pops[pb].agent, dst);
			for (int i = 0; i < nseen; i++)
				if (seen[i] == pb)
					return -1;
			if (next < 0 || nseen == EGRESS_PASSES)
				return -1;
			seen[nseen++] = pb;
			if (next == pb)
				break;
			if (bb_hops(w, pb, next, r) < 0)
				return -1;
			pb = next;
		}
		if ((t = pop_local(w->pops[pb].agent, dst)) < 0)
			return -1;
		if (t >= CLOUD_HANDLE_BASE)
			return cloud_last_hop(w, t, r);
		wt = w->tuns[t];
		if (!wtun_end_up(wt, 1))
			return -1;
		r->hop[r->n].t = wt;
		r->hop[r->n++].dir = 1;
	}
	return 0;
}

/* A hop for people: a wire's name; "tunnel:SITE/LINK>POP" for a tunnel
 * to a PoP; "offcloud:A/LINK>B/LINK" for an off-cloud tunnel, from the
 * end that sends (the one name serves both directions otherwise). */
const char *
hop_name(const struct rhop *h, char *buf, size_t len)
{
	const struct wtun *t = h->t;
	const struct world *w;
	const struct sc_site *a, *b;

	if (h->x != NULL)
		snprintf(buf, len, "%s:%s", h->fw ? "firewall" : "inspection",
		    h->x->sc->name);
	else if (t == NULL)
		snprintf(buf, len, "%s", h->c->name);
	else if (t->pop >= 0)
		snprintf(buf, len, "tunnel:%s", t->name);
	else {
		w = t->w;
		a = w->sites[h->dir ? t->peer : t->site].sc;
		b = w->sites[h->dir ? t->site : t->peer].sc;
		snprintf(buf, len, "offcloud:%s/%s>%s/%s", a->name,
		    a->links[h->dir ? t->plink : t->link].name, b->name,
		    b->links[h->dir ? t->link : t->plink].name);
	}
	return buf;
}

static void
route_event(struct world *w, const struct flow *f, const struct route *r)
{
	char detail[1024], hop[300];
	size_t off = 0;

	detail[0] = '\0';
	for (unsigned i = 0; i < r->n && off < sizeof(detail); i++)
		off += (size_t)snprintf(detail + off, sizeof(detail) - off,
		    "%s%s", i ? " > " : "", hop_name(&r->hop[i], hop,
		    sizeof(hop)));
	emit(w, "route", f->home->sc->name, f->sc->name, detail,
	    (double)r->n);
}

/* The index of route r in the flow's routes, added if new (a flow that
 * goes back to an earlier route finds it again). */
static uint32_t
route_index(struct world *w, struct flow *f, const struct route *r)
{
	for (size_t i = 0; i < f->nroutes; i++)
		if (f->routes[i].n == r->n && memcmp(f->routes[i].hop, r->hop,
		    r->n * sizeof(r->hop[0])) == 0)
			return (uint32_t)i;
	if (f->nroutes == f->caproutes) {
		size_t cap = f->caproutes ? 2 * f->caproutes : 2;
		struct route *v = realloc(f->routes, cap * sizeof(*v));
		if (v == NULL) {
			w->failed = 1;
			return NONE_ROUTE;
		}
		f->routes = v;
		f->caproutes = cap;
	}
	f->routes[f->nroutes] = *r;
	return (uint32_t)f->nroutes++;
}

/* The flow's route from its source link `ls` (-1: an Internet flow),
 * brought up to date with the topology; NONE_ROUTE when there is none. */
static uint32_t
flow_route(struct world *w, struct flow *f, int ls)
{
	uint64_t *topo = ls < 0 ? &f->topo : &f->ltopo[ls];
	uint32_t *cur = ls < 0 ? &f->iroute : &f->lroute[ls];
	struct route r;

	if (*topo == w->topo)
		return *cur;
	*topo = w->topo;
	if (route_compute(w, f, ls, &r) < 0) {
		if (!f->no_route)
			emit(w, "no-route", f->home->sc->name,
			    f->sc->name, "no up link or PoP on the way", 0);
		f->no_route = 1;
		f->gap = 1;
		*cur = NONE_ROUTE;
		if (ls < 0)
			f->cur = NONE_ROUTE;  /* an Internet flow has none */
		return NONE_ROUTE;
	}
	f->no_route = 0;
	*cur = route_index(w, f, &r);
	return *cur;
}

/* The flow now uses route r: say so when it changed, or when it had
 * none in between (the same route again after a no-route). */
static void
flow_uses(struct world *w, struct flow *f, uint32_t r)
{
	if (r == f->cur && !f->gap)
		return;
	f->cur = r;
	f->gap = 0;
	route_event(w, f, &f->routes[r]);
}

/* ---- the packet path ---- */

static void flow_delivered(struct world *w, struct flow *f,
    struct sb_packet *p);

/* What happened to a packet of f, for the meters of the flow, of its
 * home site, and of their windows open now. */
enum feed { FEED_SENT, FEED_DROPPED, FEED_DELIVERED };

static void
feed1(struct meter *m, enum feed what, const struct sb_packet *p,
    sb_time now)
{
	if (what == FEED_SENT)
		meter_sent(m);
	else if (what == FEED_DROPPED)
		meter_dropped(m);
	else
		meter_delivered(m, p->created, now, p->size);
}

static void
meters_feed(struct world *w, struct flow *f, enum feed what,
    const struct sb_packet *p)
{
	struct site *s = f->home;
	sb_time now = kernel_now(w->k);

	/* the meters say what the application's packets met; a PoP's
	 * relaying of a split connection is the PoPs' business */
	if (p != NULL && p->tcp.relayed)
		return;
	feed1(f->interval, what, p, now);
	feed1(f->total, what, p, now);
	for (size_t i = 0; i < f->nwins; i++)
		if (now >= f->wins[i].from && now < f->wins[i].to)
			feed1(f->wins[i].m, what, p, now);
	if (s == NULL)
		return;
	feed1(s->total, what, p, now);
	for (size_t i = 0; i < s->nwins; i++)
		if (now >= s->wins[i].from && now < s->wins[i].to)
			feed1(s->wins[i].m, what, p, now);
}

static void
meters_feed_drop(struct world *w, struct flow *f)
{
	meters_feed(w, f, FEED_DROPPED, NULL);
}

/*
 * The inner packet a tunnel carries needs real bytes: an IPv4/UDP packet
 * from the source site's LAN (10.x.y.10, x.y the site's number) to the
 * destination's, of the flow's packet size, ports from the flow's number.
 * Modelled packets become such a packet at their first tunnel.
 */
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
	q->dup = p->dup;
	q->tcp = p->tcp;
	pool_put(w->pool, p);
	memset(q->data + INET_IPV4_HDR + INET_UDP_HDR, 0,
	    n - INET_IPV4_HDR - INET_UDP_HDR);
	q->len = (uint32_t)inet_udp_build(q->data, q->cap, f->rf.src_addr,
	    f->rf.sport, f->rf.dst_addr, f->rf.dport,
	    n - INET_IPV4_HDR - INET_UDP_HDR, (uint16_t)q->seq, 64);
	q->size = q->len;
	return q;
}

/* Put p on hop p->hop of its route: a wire, or a tunnel's entrance. */
static void
hop_send(struct world *w, struct flow *f, struct sb_packet *p)
{
	const struct rhop *h = &f->routes[p->path].hop[p->hop];
	uint8_t relayed;

	if (h->x != NULL) {
		if (h->fw != 0)
			fw_hop(w, f, h->x, p);
		else
			inspect_send(h->x->insp, p);
		return;
	}
	if (h->t == NULL) {
		link_send(h->c->l, p);
		return;
	}
	if (!wtun_end_up(h->t, (int)h->dir)) {
		/* the tunnel went down since the route was made */
		flow_lost(w, f, p);
		return;
	}
	relayed = p->tcp.relayed;     /* p may be gone below */
	if ((p = inner_bytes(w, f, p)) == NULL ||
	    wtun_end_send(h->t, (int)h->dir, p) < 0) {
		if (!relayed)
			meters_feed_drop(w, f);
	}
}

void
route_continue(struct world *w, struct sb_packet *p)
{
	struct flow *f = &w->flows[p->flow];

	if (++p->hop < f->routes[p->path].n &&
	    (f->app == NULL || !app_leg_end(f, p))) {
		hop_send(w, f, p);
		return;
	}
	flow_delivered(w, f, p);
}

void
flow_send(void *ctx, struct sb_packet *p)
{
	struct flow *f = ctx;
	struct world *w = f->w;
	struct site *s = f->home;
	uint32_t r;

	w->sent++;
	meters_feed(w, f, FEED_SENT, p);
	p->dup = 0;
	if (f->sc->via == SC_VIA_BACKBONE) {
		/* the Socket picks the link; sock_send() goes on */
		if ((s->sock != NULL ? socket_output(s->sock, &f->rf, p) :
		    s->sc->cloud != NULL ? cloud_output(s, p) :
		    ipsec_output(s, p)) < 0)
			meters_feed_drop(w, f);
		return;
	}
	r = flow_route(w, f, -1);
	if (r == NONE_ROUTE) {
		meters_feed_drop(w, f);
		pool_put(w->pool, p);
		return;
	}
	flow_uses(w, f, r);
	p->path = r;
	p->hop = 0;
	hop_send(w, f, p);
}

/*
 * A route walked backwards: the wires the other way, tunnels in the other
 * direction, a PoP's inspection where it was.  A TCP connection's return
 * packets take the mirror of the route its data took, as a session
 * through a Socket and a PoP does (the PoP that terminated it, the
 * egress PoP whose address the server saw).
 */
int
route_mirror(const struct route *r, struct route *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < r->n; i++) {
		const struct rhop *h = &r->hop[r->n - 1 - i];
		struct rhop *m = &out->hop[i];

		if (h->c != NULL && (m->c = h->c->rev) == NULL)
			return -1;
		m->t = h->t;
		m->x = h->x;
		m->fw = h->fw;
		m->dir = h->t != NULL ? 1 - h->dir : 0;
	}
	out->n = r->n;
	return 0;
}

/* p sets out on route r of f (NONE_ROUTE: there is none) at hop `hop`. */
static void
send_on(struct world *w, struct flow *f, struct sb_packet *p, uint32_t r,
    unsigned hop)
{
	w->sent++;
	meters_feed(w, f, FEED_SENT, p);
	p->dup = 0;
	if (r == NONE_ROUTE || hop >= f->routes[r].n) {
		flow_lost(w, f, p);
		return;
	}
	p->path = r;
	p->hop = hop;
	hop_send(w, f, p);
}

/* A packet that enters its flow's current route at hop `hop`, past the
 * Socket: a split TCP connection's leg that starts at a PoP. */
void
flow_send_at(struct flow *f, struct sb_packet *p, unsigned hop)
{
	send_on(f->w, f, p, f->cur, hop);
}

/* The return flow r's route: the mirror of its forward flow's current
 * one, made when that changes. */
static uint32_t
mirror_route(struct world *w, struct flow *r)
{
	struct flow *f = r->rev;
	struct route m;

	if (f->cur == NONE_ROUTE)
		return NONE_ROUTE;
	if (r->mroute_of != f->cur) {
		if (route_mirror(&f->routes[f->cur], &m) < 0 ||
		    (r->mroute = route_index(w, r, &m)) == NONE_ROUTE)
			return NONE_ROUTE;
		r->mroute_of = f->cur;
	}
	return r->mroute;
}

/* A return packet: on the mirror of the forward flow's current route,
 * from hop `hop` of the mirror. */
void
rev_send(struct flow *r, struct sb_packet *p, unsigned hop)
{
	send_on(r->w, r, p, mirror_route(r->w, r), hop);
}

/* The Socket's send(): into the tunnel of `link`, on the flow's route
 * from that link. */
int
sock_send(void *ctx, unsigned link, struct sb_packet *p)
{
	struct site *s = ctx;
	struct world *w = s->w;
	struct flow *f = &w->flows[p->flow];
	uint32_t r = flow_route(w, f, (int)link);

	if (r == NONE_ROUTE) {
		flow_lost(w, f, p);
		return -1;
	}
	if (p->dup != 2) {
		flow_uses(w, f, r);
		f->via_cloud++;
	}
	p->path = r;
	p->hop = 0;
	hop_send(w, f, p);
	return 0;
}

/* The Socket's off-cloud send(): into the tunnel between its link and the
 * peer's, a route of one hop made the first time and kept. */
int
sock_oc_send(void *ctx, int peer, unsigned link, unsigned rlink,
    struct sb_packet *p)
{
	struct site *s = ctx;
	struct world *w = s->w;
	struct flow *f = &w->flows[p->flow];
	uint32_t *r = &f->oroute[link][rlink];
	struct wtun *wt = s->links[link].oc != NULL ?
	    s->links[link].oc[peer * SOCKET_MAX_LINKS + (int)rlink] : NULL;

	if (wt == NULL || wt->t[0] == NULL) {
		flow_lost(w, f, p);
		return -1;
	}
	if (*r == NONE_ROUTE) {
		struct route rt;

		memset(&rt, 0, sizeof(rt));
		rt.hop[0].t = wt;
		rt.hop[0].dir = wt->site == s->idx ? 0 : 1;
		rt.n = 1;
		if ((*r = route_index(w, f, &rt)) == NONE_ROUTE) {
			flow_lost(w, f, p);
			return -1;
		}
	}
	if (p->dup != 2) {
		flow_uses(w, f, *r);
		f->via_oc++;
	}
	p->path = *r;
	p->hop = 0;
	hop_send(w, f, p);
	return 0;
}

/* The flow's duplicate window, made at its first copy (once per flow
 * with loss mitigation); NULL when out of memory, which fails the run
 * and leaves the copies counted as packets of their own. */
static struct dupwin *
flow_dupwin(struct world *w, struct flow *f)
{
	if (f->dup == NULL && (f->dup = calloc(1, sizeof(*f->dup))) == NULL)
		w->failed = 1;
	return f->dup;
}

/*
 * A packet of f is gone.  A copy of a pair counts only when the other
 * copy is gone too, or it is the second to go: the application lost the
 * packet only then.
 */
void
flow_lost(struct world *w, struct flow *f, struct sb_packet *p)
{
	if (p->dup != 0 && flow_dupwin(w, f) != NULL) {
		size_t k = p->seq % DUP_WINDOW;

		if (f->dup->seen[k] == p->seq + 1) {
			pool_put(w->pool, p);
			return;       /* the other copy arrived */
		}
		if (f->dup->half[k] != p->seq + 1) {
			f->dup->half[k] = p->seq + 1;
			pool_put(w->pool, p);
			return;       /* the other copy may yet arrive */
		}
	}
	meters_feed(w, f, FEED_DROPPED, p);
	pool_put(w->pool, p);
}

/*
 * A fault (something down, or worse) arms every routed flow's failover
 * watch.  A second fault while one is pending keeps the first: the flow
 * has been hurting since then.
 */
void
flows_fault(struct world *w)
{
	sb_time now = kernel_now(w->k);

	for (size_t i = 0; i < w->sc->napps; i++) {
		struct flow *f = &w->flows[i];

		if (f->cur != NONE_ROUTE && f->fault_at == SB_TIME_NEVER) {
			f->fault_at = now;
			f->fault_route = f->cur;
		}
	}
}

/*
 * The first packet sent since the fault has arrived.  By the same route:
 * the fault did not cut this flow.  By another: a failover, which took
 * from the fault to that packet's sending (the application's view: what
 * it sent before then was lost or late).
 */
static void
failover_end(struct world *w, struct flow *f, const struct sb_packet *p)
{
	const struct route *old = &f->routes[f->fault_route];
	const struct route *nr = &f->routes[p->path];
	struct failover fo = { f->fault_at, p->created - f->fault_at };
	const struct rhop *h;
	unsigned k = 0;
	char via[300];

	f->fault_at = SB_TIME_NEVER;
	if (p->path == f->fault_route)
		return;
	/* name the new route where it leaves the old one */
	while (k + 1 < nr->n && k < old->n &&
	    memcmp(&nr->hop[k], &old->hop[k], sizeof(nr->hop[k])) == 0)
		k++;
	h = &nr->hop[k];
	if (f->nfo == f->capfo) {
		size_t cap = f->capfo ? 2 * f->capfo : 4;
		struct failover *v = realloc(f->fo, cap * sizeof(*v));
		if (v == NULL) {
			w->failed = 1;
			return;
		}
		f->fo = v;
		f->capfo = cap;
	}
	f->fo[f->nfo++] = fo;
	hop_name(h, via, sizeof(via));
	emit(w, "failover", f->home->sc->name, f->sc->name, via,
	    (double)fo.took / 1e9);
}

static void
flow_delivered(struct world *w, struct flow *f, struct sb_packet *p)
{
	if (p->dup != 0 && flow_dupwin(w, f) != NULL) {
		size_t k = p->seq % DUP_WINDOW;

		if (f->dup->seen[k] == p->seq + 1) {
			f->dup_discarded++;
			pool_put(w->pool, p);
			return;
		}
		f->dup->seen[k] = p->seq + 1;
	}
	if (p->created >= f->fault_at && !f->is_rev)
		failover_end(w, f, p);

	w->delivered++;
	meters_feed(w, f, FEED_DELIVERED, p);
	if (f->app != NULL)
		app_deliver(f, p);
	pool_put(w->pool, p);
}

#define PF(x) __builtin_prefetch(x)
#define PF2(x) do { PF(x); PF((const char *)(x) + 64); } while (0)

/* A send on wire c, d levels deep: the wire, its link's first lines,
 * then what link_send() reads behind them. */
static void
pf_wire(const struct chan *c, int d)
{
	if (d == 0)
		PF(c);
	else if (d == 1)
		PF2(c->l);
	else if (d >= 2 && d <= 4)
		link_prefetch_send(c->l, d - 2);
}

/* A tunnel end's sending, d levels deep: the tunnel, its platform, the
 * first wire of its underlay. */
static void
pf_tun_send(const struct wtun *wt, unsigned end, int d)
{
	if (d == 0) {
		if (wt->t[end] != NULL)
			PF2(wt->t[end]);
		PF(wt->ps[end]);
	}
	pf_wire(wt->path[end][0], d);
}

/* The meters a packet of f delivered at t feeds, d levels deep once f
 * is in the cache. */
static void
pf_meters(const struct flow *f, const struct sb_packet *p, sb_time t, int d)
{
	sb_time transit = sb_time_diff(t, p->created);

	if (d == 0) {
		PF(f->home);
		meter_prefetch(f->interval, transit, 0);
		meter_prefetch(f->total, transit, 0);
		return;
	}
	if (d <= 2) {
		meter_prefetch(f->interval, transit, d);
		meter_prefetch(f->total, transit, d);
	}
	if (f->home != NULL && d <= 3)
		meter_prefetch(f->home->total, transit, d - 1);
}

/* The flow's next hop from p's, d levels deep once f is in the cache;
 * past its last, the meters of its delivery at t. */
static void
pf_hop(const struct flow *f, const struct sb_packet *p, sb_time t, int d)
{
	const struct route *r = &f->routes[p->path];
	const struct rhop *h = &r->hop[p->hop + 1];

	if (d == 0) {
		PF(r);
		PF(h);
		return;
	}
	if (p->hop + 1u >= r->n) {
		pf_meters(f, p, t, d - 1);
		return;
	}
	if (h->c != NULL)
		pf_wire(h->c, d - 1);
	else if (h->t != NULL) {
		if (d == 1)
			PF(h->t);
		else if (d >= 2)
			pf_tun_send(h->t, h->dir, d - 2);
	}
}

/*
 * Ahead of a packet's arrival (stage 1 to 7 events before; the kernel has
 * fetched the link and the packet): what the arrival will read, one level
 * of pointers a stage, so that each level is in the cache when the next
 * is read.  Only fetches; reads nothing a stage has not fetched before.
 */
static void
chan_pf(void *pctx, void *ctx, struct sb_packet *p, sb_time t, int stage)
{
	struct world *w = pctx;
	const struct flow *f = NULL;
	const struct wtun *wt;

	if (p->flow != SB_FLOW_NONE)
		f = &w->flows[p->flow];
	if (stage == 1) {
		PF(ctx);
		if (f != NULL)
			PF2(f);
		/* the world's array of tunnels is small and read often:
		 * reading it here costs little, and saves a stage */
		if (p->tun != 0)
			PF2(w->tuns[p->tun - 1]);
		return;
	}
	if (p->tun == 0) {
		const struct chan *c = ctx, *r;
		if (f != NULL) {
			pf_hop(f, p, t, stage - 2);
			return;
		}
		/* the backbone's own: a probe is echoed back on the wire
		 * the other way */
		if ((r = c->rev) != NULL)
			pf_wire(r, stage - 2);
		return;
	}
	wt = w->tuns[p->tun - 1];
	if (p->thop + 1u < wt->npath[p->tdir]) {
		/* on along the underlay */
		pf_wire(wt->path[p->tdir][p->thop + 1], stage - 2);
		return;
	}
	/* out at the far end, and on along the flow's route */
	if (stage == 2) {
		unsigned to = p->tdir == 0 ? 1 : 0;
		if (wt->t[to] != NULL)
			tunnel_prefetch_input(wt->t[to]);
		PF(wt->ps[to]);
	}
	if (f != NULL && !p->echo)
		pf_hop(f, p, t, stage - 2);
	else if (f == NULL) {
		/* the tunnel's own (a probe, a keepalive): most are
		 * answered, from this end */
		pf_tun_send(wt, p->tdir == 0 ? 1 : 0, stage - 2);
	}
}

/* Ahead of a flow's next packet (stage 1 to 7 events before): what
 * sending it reads, level by level, along the route the last one took. */
void
flow_send_pf(void *ctx, int stage)
{
	const struct flow *f = ctx;
	const struct site *s;
	const struct route *r = NULL;
	const struct rhop *h;

	if (stage == 1) {
		PF2(f);
		PF(&f->rf);
		return;
	}
	if ((s = f->home) == NULL)
		return;              /* an app sent from a destination */
	if (f->cur != NONE_ROUTE && f->routes != NULL)
		r = &f->routes[f->cur];
	if (stage == 2) {
		PF(s);
		PF(&f->sc->via);
		PF(f->interval);
		PF(f->total);
		if (r != NULL)
			PF(r);
		pool_prefetch_buf(f->w->pool);
		return;
	}
	if (s->sock != NULL && stage <= 4)
		socket_prefetch(s->sock, &f->rf, stage - 3);
	if (stage == 3) {
		PF(s->total);
		PF(s->sps);
	}
	if (r == NULL)
		return;
	h = &r->hop[0];
	if (h->t == NULL || h->x != NULL)
		return;
	if (stage == 3)
		PF(h->t);
	else
		pf_tun_send(h->t, h->dir, stage - 4);
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
		backbone_input(c, p);
		return;
	}
	f = &w->flows[p->flow];
	if (c->dst_pop >= 0 && !w->pops[c->dst_pop].up) {
		/* arrived at a PoP that has gone down meanwhile */
		flow_lost(w, f, p);
		return;
	}
	route_continue(w, p);
}

static void
chan_drop(void *ctx, struct link *l, struct sb_packet *p, enum link_drop why)
{
	struct chan *c = ctx;
	struct world *w = c->w;

	if (p->flow == SB_FLOW_NONE) {
		pool_put(w->pool, p);
		return;
	}
	flow_lost(w, &w->flows[p->flow], p);
}
