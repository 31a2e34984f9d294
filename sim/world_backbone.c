/*
 * The backbone in the world: the PoPs, the links between them (one per
 * pair and carrier, as the PoPs' gateways allow), the routing agent each
 * PoP runs (wan/pop.c, real code on a platform of its own) and its
 * inspection stage (models/inspect.c).
 *
 * The agents decide; this file carries out.  A flow's path across the
 * backbone is read from the agents' tables hop by hop when the flow's
 * route is made (pop_next_hop at each PoP in turn), and made again each
 * time any agent says its forwarding changed, so packets follow what the
 * PoPs believe, including while they disagree.  Each backbone or PoP
 * change on the timeline opens a fault record; the routing changes that
 * follow within CONVERGE_HORIZON count towards its convergence time.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/geo.h"
#include "models/inspect.h"
#include "reports/recorder.h"
#include "sim/platform_sim.h"
#include "sim/rng.h"
#include "sim/world.h"
#include "sim/world_impl.h"
#include "wan/tunnel.h"

/* Changes this long after a fault are not its doing. */
#define CONVERGE_HORIZON (60 * SB_S)

/* The record id of a PoP's inspection stage: above any chan's. */
#define INSPECT_REC_ID(pop) (1000000 + (pop))

/* ---- building ---- */

static int
add_port(struct wpop *p, struct chan *out)
{
	struct chan **v = realloc(p->port, (p->nports + 1) * sizeof(*v));

	if (v == NULL)
		return -1;
	p->port = v;
	p->port[p->nports++] = out;
	return 0;
}

/* One backbone link between a and b (both directions) of parameters lp. */
static int
bb_link(struct world *w, int a, int b, const struct sc_linkp *lp,
    const char *carrier, char *err, size_t errlen)
{
	const struct scenario *sc = w->sc;
	const struct geo_city *ca = sc->pops[a].city, *cb = sc->pops[b].city;
	size_t np = sc->npops;
	struct chan *c[2];
	struct link_spec s;
	char name[256];

	spec_from(w, lp, geo_between(w, ca, cb), ca->utc_offset_min,
	    cb->utc_offset_min, &s);
	for (int d = 0; d < 2; d++) {
		int x = d ? b : a, y = d ? a : b;
		snprintf(name, sizeof(name), "backbone:%s>%s%s%s",
		    sc->pops[x].name, sc->pops[y].name, carrier ? "@" : "",
		    carrier ? carrier : "");
		c[d] = chan_new(w, name, "backbone", sc->pops[x].name,
		    sc->pops[y].name, &s, lp->profile, y, err, errlen);
		if (c[d] == NULL ||
		    chan_background(c[d], &lp->bg[d], err, errlen) < 0)
			return -1;
		if (w->bb[x * np + y] == NULL)
			w->bb[x * np + y] = c[d];
	}
	c[0]->rev = c[1];
	c[1]->rev = c[0];
	/* each end's port sends on one chan; the other arrives on it */
	c[1]->rx_port = (int)w->pops[a].nports;
	c[0]->rx_port = (int)w->pops[b].nports;
	if (add_port(&w->pops[a], c[0]) < 0 || add_port(&w->pops[b], c[1]) < 0) {
		snprintf(err, errlen, "out of memory building the backbone");
		return -1;
	}
	return 0;
}

static void
pops_changed(void *ctx)
{
	struct world *w = ctx;
	sb_time now = kernel_now(w->k);
	struct bbfault *f;

	w->topo++;
	if (w->nfaults == 0)
		return;
	f = &w->faults[w->nfaults - 1];
	if (now - f->at <= CONVERGE_HORIZON) {
		f->last = now;
		f->changes++;
	}
}

static sb_time
inspection_latency(const struct sc_inspection *in)
{
	sb_time l = 0;

	/* one pass: the engines' costs add up once per packet */
	for (int e = 0; e < SC_ENG__COUNT; e++)
		if (in->engines & 1u << e)
			l += in->engine_delay[e];
	return l;
}

static void
insp_recv(void *ctx, struct inspect *x, struct sb_packet *p)
{
	struct wpop *wp = ctx;

	(void)x;
	route_continue(wp->w, p);
}

static void
insp_drop(void *ctx, struct inspect *x, struct sb_packet *p,
    enum inspect_drop why)
{
	struct wpop *wp = ctx;

	(void)x;
	(void)why;
	flow_lost(wp->w, &wp->w->flows[p->flow], p);
}

static int
build_inspection(struct world *w, struct wpop *p, char *err, size_t errlen)
{
	const struct sc_inspection *in = &p->sc->insp;
	struct inspect_spec s = { in->capacity_bps, in->capacity_pps,
	    in->queue, inspection_latency(in) };
	char name[256];

	if (!in->enabled)
		return 0;
	snprintf(name, sizeof(name), "inspection:%s", p->sc->name);
	if ((p->insp = inspect_new(w->k, name, &s)) == NULL) {
		snprintf(err, errlen, "out of memory building %s", name);
		return -1;
	}
	inspect_set_handlers(p->insp, insp_recv, insp_drop, p);
	if (w->rec != NULL) {
		struct rec_link rl = {
			.id = INSPECT_REC_ID(p->idx), .name = name,
			.kind = "inspection", .src = p->sc->name,
			.dst = p->sc->name, .bandwidth_bps = in->capacity_bps,
			.delay = s.latency,
		};
		rec_check(w, recorder_link(w->rec, &rl));
	}
	return 0;
}

static int
build_agent(struct world *w, struct wpop *p, const char *const *names,
    char *err, size_t errlen)
{
	const struct scenario *sc = w->sc;
	struct psim_env env = { w->k, w->pool, psim_emit_cb, w };
	struct link *links[p->nports ? p->nports : 1];
	int peer[p->nports ? p->nports : 1];
	const char *pname[p->nports ? p->nports : 1];
	char name[256];
	struct pop_config cfg = {
		.id = p->idx, .name = p->sc->name, .npops = (unsigned)sc->npops,
		.names = names, .port_peer = peer, .port_name = pname,
		.nports = p->nports, .probe = sc->routing.probe,
		.misses = sc->routing.misses, .window = sc->routing.loss_window,
		.loss_weight = sc->routing.loss_weight,
		.changed = pops_changed, .changed_ctx = w,
	};

	for (unsigned k = 0; k < p->nports; k++) {
		links[k] = p->port[k]->l;
		peer[k] = p->port[k]->dst_pop;
		/* "backbone:a>b@x" without the kind */
		pname[k] = p->port[k]->name + strlen("backbone:");
	}
	snprintf(name, sizeof(name), "node:%s", p->sc->name);
	if ((p->rng = rng_new(w->seed, name)) == NULL ||
	    (p->ps = psim_new(&env, p->sc->name, p->rng, links, p->nports,
	    NULL, NULL)) == NULL) {
		snprintf(err, errlen, "out of memory building PoP %s",
		    p->sc->name);
		return -1;
	}
	p->agent = pop_new(psim_platform(p->ps), &cfg, err, errlen);
	return p->agent == NULL ? -1 : 0;
}

int
build_pops(struct world *w, char *err, size_t errlen)
{
	const struct scenario *sc = w->sc;
	size_t np = sc->npops;
	const char **names;
	int rc = -1;

	w->pops = calloc(np ? np : 1, sizeof(*w->pops));
	w->bb = calloc(np ? np * np : 1, sizeof(*w->bb));
	names = calloc(np ? np : 1, sizeof(*names));
	if (w->pops == NULL || w->bb == NULL || names == NULL) {
		snprintf(err, errlen, "out of memory building PoPs");
		goto out;
	}
	for (size_t i = 0; i < np; i++) {
		struct wpop *p = &w->pops[i];
		p->w = w;
		p->idx = (int)i;
		p->sc = &sc->pops[i];
		p->up = 1;
		names[i] = p->sc->name;
		if (w->rec != NULL) {
			struct rec_node rn = { (int)i, p->sc->name, "pop",
			    p->sc->city->name, p->sc->city->lat,
			    p->sc->city->lon, NULL };
			rec_check(w, recorder_node(w->rec, &rn));
		}
	}
	for (size_t a = 0; a < np; a++)
		for (size_t b = a + 1; b < np; b++) {
			int any = 0;
			if (!sc_pops_linked(sc, (int)a, (int)b))
				continue;
			for (size_t k = 0; k < sc->nbb_pairs; k++) {
				const struct sc_backbone_pair *bp =
				    &sc->bb_pairs[k];
				if (!((bp->a == (int)a && bp->b == (int)b) ||
				    (bp->a == (int)b && bp->b == (int)a)))
					continue;
				any = 1;
				if (bb_link(w, (int)a, (int)b, &bp->p,
				    bp->carrier, err, errlen) < 0)
					goto out;
			}
			if (!any && bb_link(w, (int)a, (int)b,
			    &sc->backbone_default, NULL, err, errlen) < 0)
				goto out;
		}
	for (size_t i = 0; i < np; i++)
		if (build_agent(w, &w->pops[i], names, err, errlen) < 0 ||
		    build_inspection(w, &w->pops[i], err, errlen) < 0)
			goto out;
	rc = 0;
out:
	free(names);
	return rc;
}

void
free_pops(struct world *w)
{
	for (size_t i = 0; w->pops != NULL && i < w->sc->npops; i++) {
		struct wpop *p = &w->pops[i];
		pop_free(p->agent);
		inspect_free(p->insp);
		free(p->port);
		free(p->iwins);
		free(p->cert_pem);
		free(p->key_pem);
		psim_free(p->ps);
		if (p->rng)
			gsl_rng_free(p->rng);
	}
	free(w->pops);
	free(w->bb);
	free(w->faults);
}

void
start_pops(struct world *w)
{
	for (size_t i = 0; i < w->sc->npops; i++)
		pop_start(w->pops[i].agent);
}

/* ---- what the agents say ---- */

/* Append the backbone hops from PoP a to PoP b as the PoPs on the way
 * forward: each one's next hop in turn.  A loop (PoPs that disagree while
 * news spreads) or a PoP with no way on is no route. */
int
bb_hops(struct world *w, int a, int b, struct route *r)
{
	int at = a;

	while (at != b) {
		struct wpop *p = &w->pops[at];
		int k;

		if (!p->up || (k = pop_next_hop(p->agent, b)) < 0 ||
		    r->n == MAX_HOPS - 1)
			return -1;
		r->hop[r->n++].c = p->port[k];
		at = p->port[k]->dst_pop;
	}
	return 0;
}

/* Where a flow to an Internet destination leaves the cloud, seen from
 * PoP `from`: the PoP a rule or the destination names, else the PoP
 * nearest the destination that `from` can reach. */
int
dest_egress(struct world *w, const struct flow *f, int from)
{
	const struct scenario *sc = w->sc;
	const struct sc_dest *d = &sc->dests[f->sc->dest];
	int best = -1;
	double bkm = 0;

	if (f->egress >= 0)
		return f->egress;
	if (d->pop >= 0)
		return d->pop;
	for (size_t j = 0; j < sc->npops; j++) {
		const struct geo_city *c = sc->pops[j].city;
		double km;
		if (pop_cost(w->pops[from].agent, (int)j) == SB_TIME_NEVER)
			continue;
		km = geo_distance_km(c->lat, c->lon, d->city->lat,
		    d->city->lon);
		if (best < 0 || km < bkm) {
			best = (int)j;
			bkm = km;
		}
	}
	return best;
}

void
pop_set_up(struct world *w, int pop, int up)
{
	struct wpop *p = &w->pops[pop];

	p->up = up;
	if (up)
		pop_start(p->agent);
	else
		pop_stop(p->agent);
	if (p->insp != NULL)
		inspect_set_up(p->insp, up);
}

void
backbone_fault(struct world *w, const struct sc_action *act,
    const char *what)
{
	struct bbfault *f;

	if (w->nfaults == w->capfaults) {
		size_t cap = w->capfaults ? 2 * w->capfaults : 8;
		struct bbfault *v = realloc(w->faults, cap * sizeof(*v));
		if (v == NULL) {
			w->failed = 1;
			return;
		}
		w->faults = v;
		w->capfaults = cap;
	}
	f = &w->faults[w->nfaults++];
	memset(f, 0, sizeof(*f));
	f->target = act->target;
	f->at = kernel_now(w->k);
	f->last = SB_TIME_NEVER;
	snprintf(f->what, sizeof(f->what), "%s", what);
}

/* The site's tunnels as its PoPs advertise them: the link the Socket
 * receives on first, then by precedence. */
static unsigned
tunnel_pref(struct world *w, const struct wtun *wt)
{
	const struct site *s = &w->sites[wt->site];
	int rx = socket_rx_link(s->sock, NULL);

	return wt->link == rx ? 0 : (unsigned)s->sc->links[wt->link].precedence;
}

void
pop_tunnel(struct wtun *wt, int up)
{
	struct world *w = wt->w;
	struct pop *a = w->pops[wt->pop].agent;

	if (up) {
		/* A new session from a site's link replaces any older one
		 * from the same link: an HA pair's new active unit on the
		 * links the failed one left, whose sessions would otherwise
		 * hold the route until their keepalives ran out. */
		for (size_t i = 0; wt->w->sites[wt->site].ha != NULL &&
		    i < w->ntuns; i++) {
			struct wtun *o = w->tuns[i];
			if (o != wt && o->site == wt->site &&
			    o->link == wt->link && o->pop == wt->pop &&
			    o->t[1] != NULL)
				tunnel_stop(o->t[1], "replaced");
		}
		pop_attach(a, lan_addr(wt->site), 24, tunnel_pref(w, wt),
		    wt->id);
	} else
		pop_detach(a, wt->id);
}

void
site_advertise(struct world *w, struct site *s)
{
	for (size_t j = 0; j < s->sc->nlinks; j++)
		for (size_t i = 0; i < w->sc->npops; i++) {
			struct wtun *wt = s->links[j].tun[i];
			if (wt == NULL || wt->t[1] == NULL ||
			    tunnel_state(wt->t[1]) != TUNNEL_UP)
				continue;
			pop_attach(w->pops[i].agent, lan_addr(s->idx), 24,
			    tunnel_pref(w, wt), wt->id);
		}
}

/*
 * A site without a Socket whose routes a PoP holds statically (an IPsec
 * site's tunnel, a cloud region's interconnect): while the way to it is
 * up, the PoP holds the site's LAN /24 and the prefixes behind it under
 * `handle`, and advertises them across the backbone; when it goes, the
 * PoP withdraws them all.
 */
void
site_prefixes(struct world *w, int pop, int site, const struct sc_prefix *px,
    size_t n, unsigned pref, int handle, int up)
{
	struct pop *a = w->pops[pop].agent;

	if (!up) {
		pop_detach(a, handle);
		return;
	}
	pop_attach(a, lan_addr(site), 24, pref, handle);
	for (size_t i = 0; i < n; i++)
		pop_attach(a, px[i].addr, px[i].len, pref, handle);
}

/* A datagram of the agents' own (a probe, an echo, an advert). */
void
backbone_input(struct chan *c, struct sb_packet *p)
{
	struct world *w = c->w;

	if (c->rx_port < 0 || !w->pops[c->dst_pop].up) {
		pool_put(w->pool, p);
		return;
	}
	pop_input(w->pops[c->dst_pop].agent, (unsigned)c->rx_port, p);
}

/* ---- results ---- */

static void
istats_add(struct inspect_stats *d, const struct inspect_stats *s)
{
	d->in += s->in;
	d->accepted += s->accepted;
	d->out += s->out;
	d->bytes_out += s->bytes_out;
	for (int k = 0; k < INSPECT_DROP__COUNT; k++)
		d->drops[k] += s->drops[k];
	d->busy += s->busy;
	d->wait_sum += s->wait_sum;
	if (s->wait_max > d->wait_max)
		d->wait_max = s->wait_max;
}

/* Move the stage's counters into the interval and the total. */
static void
insp_flush(struct wpop *p)
{
	struct inspect_stats s;

	inspect_stats_take(p->insp, &s, 1);
	istats_add(&p->ins_interval, &s);
	istats_add(&p->ins_total, &s);
}

void
inspect_sample(struct world *w, sb_time now, sb_time span)
{
	for (size_t i = 0; i < w->sc->npops; i++) {
		struct wpop *p = &w->pops[i];
		struct inspect_stats s;
		uint64_t drops;

		if (p->insp == NULL)
			continue;
		insp_flush(p);
		s = p->ins_interval;
		memset(&p->ins_interval, 0, sizeof(p->ins_interval));
		drops = s.drops[INSPECT_DROP_QUEUE] + s.drops[INSPECT_DROP_DOWN];
		if (w->rec == NULL)
			continue;
		{
			/* as a link's sample: the charts show it as one;
			 * delay_mean is the mean wait for inspection */
			struct rec_link_sample ls = {
				.link = INSPECT_REC_ID(p->idx), .t = now,
				.packets = s.out, .bytes = s.bytes_out,
				.drops_queue = s.drops[INSPECT_DROP_QUEUE],
				.drops_down = s.drops[INSPECT_DROP_DOWN],
				.loss = s.in ? (double)drops / (double)s.in : 0,
				.delay_mean = s.accepted ? (double)s.wait_sum /
				    (double)s.accepted : 0,
				.throughput_bps = span > 0 ?
				    (double)s.bytes_out * 8e9 / (double)span : 0,
				.utilisation = span > 0 ? (double)s.busy /
				    (double)span : 0,
				.up = inspect_is_up(p->insp),
			};
			rec_check(w, recorder_link_sample(w->rec, &ls));
		}
	}
}

void
backbone_results(struct world *w)
{
	const struct scenario *sc = w->sc;

	if (w->rec == NULL)
		return;
	for (size_t i = 0; i < w->nfaults; i++) {
		const struct bbfault *f = &w->faults[i];
		rec_check(w, recorder_metric(w->rec, "convergence", f->what,
		    "convergence-time", f->changes ? (double)(f->last - f->at) :
		    0, "ns"));
		rec_check(w, recorder_metric(w->rec, "convergence", f->what,
		    "routing-changes", f->changes, "count"));
	}
	for (size_t i = 0; i < sc->npops; i++) {
		struct wpop *p = &w->pops[i];
		const struct inspect_stats *s = &p->ins_total;

		for (unsigned k = 0; k < p->nports; k++) {
			struct pop_port_stats ps;
			const char *name = p->port[k]->name;
			pop_port_stats(p->agent, k, &ps);
			rec_check(w, recorder_metric(w->rec, "backbone-port",
			    name, "srtt", (double)ps.srtt, "ns"));
			rec_check(w, recorder_metric(w->rec, "backbone-port",
			    name, "loss", ps.loss, "fraction"));
			rec_check(w, recorder_metric(w->rec, "backbone-port",
			    name, "probes", (double)ps.probes, "count"));
			rec_check(w, recorder_metric(w->rec, "backbone-port",
			    name, "echoes", (double)ps.echoes, "count"));
		}
		if (p->insp == NULL)
			continue;
		rec_check(w, recorder_metric(w->rec, "inspection", p->sc->name,
		    "offered", (double)s->in, "packets"));
		rec_check(w, recorder_metric(w->rec, "inspection", p->sc->name,
		    "inspected", (double)s->out, "packets"));
		rec_check(w, recorder_metric(w->rec, "inspection", p->sc->name,
		    "dropped", (double)(s->drops[INSPECT_DROP_QUEUE] +
		    s->drops[INSPECT_DROP_DOWN]), "packets"));
		rec_check(w, recorder_metric(w->rec, "inspection", p->sc->name,
		    "wait-mean", s->accepted ? (double)s->wait_sum /
		    (double)s->accepted : 0, "ns"));
		rec_check(w, recorder_metric(w->rec, "inspection", p->sc->name,
		    "wait-max", (double)s->wait_max, "ns"));
		rec_check(w, recorder_metric(w->rec, "inspection", p->sc->name,
		    "busy", (double)s->busy, "ns"));
	}
}

/* ---- expectations on PoPs ---- */

int
pop_window(struct world *w, int pop, sb_time from, sb_time to, size_t *idx)
{
	struct wpop *p = &w->pops[pop];
	struct iwin *v;

	for (size_t i = 0; i < p->niwins; i++)
		if (p->iwins[i].from == from && p->iwins[i].to == to) {
			*idx = i;
			return 0;
		}
	if ((v = realloc(p->iwins, (p->niwins + 1) * sizeof(*v))) == NULL)
		return -1;
	p->iwins = v;
	memset(&v[p->niwins], 0, sizeof(v[0]));
	v[p->niwins].from = from;
	v[p->niwins].to = to;
	*idx = p->niwins++;
	return 0;
}

static void
iwin_edge(void *a, void *b)
{
	struct wpop *p = a;
	struct iwin *iw = &p->iwins[(size_t)(uintptr_t)b];

	insp_flush(p);
	if (kernel_now(p->w->k) <= iw->from)
		iw->at_from = p->ins_total;
	else
		iw->at_to = p->ins_total;
}

void
pop_windows_start(struct world *w)
{
	for (size_t i = 0; i < w->sc->npops; i++) {
		struct wpop *p = &w->pops[i];
		for (size_t j = 0; p->insp != NULL && j < p->niwins; j++) {
			kernel_at(w->k, p->iwins[j].from, iwin_edge, p,
			    (void *)(uintptr_t)j);
			kernel_at(w->k, p->iwins[j].to, iwin_edge, p,
			    (void *)(uintptr_t)j);
		}
	}
}

/* The longest convergence of the faults on t that began in [from, to). */
static double
convergence_max(const struct world *w, const struct sc_target *t,
    sb_time from, sb_time to)
{
	double v = NAN;

	for (size_t i = 0; i < w->nfaults; i++) {
		const struct bbfault *f = &w->faults[i];
		double c;
		if (f->target.kind != t->kind || f->at < from || f->at >= to)
			continue;
		if (t->kind == SC_T_BACKBONE && !((f->target.i == t->i &&
		    f->target.j == t->j) || (f->target.i == t->j &&
		    f->target.j == t->i)))
			continue;
		if (t->kind == SC_T_POP && f->target.i != t->i)
			continue;
		c = f->changes ? (double)(f->last - f->at) : 0;
		if (isnan(v) || c > v)
			v = c;
	}
	return v;
}

double
pop_expect(struct world *w, const struct sc_expect *e,
    const struct sc_target *t, size_t win, sb_time end)
{
	sb_time from = e->from, to = e->to < end ? e->to : end;
	struct inspect_stats s;
	struct wpop *p;
	const struct iwin *iw;
	uint64_t drops;

	if (e->metric == SC_M_CONVERGENCE_TIME)
		return convergence_max(w, t, from, to);
	p = &w->pops[t->i];
	if (p->insp == NULL || to <= from)
		return NAN;
	insp_flush(p);
	iw = &p->iwins[win];
	s = e->to <= end ? iw->at_to : p->ins_total;
	s.in -= iw->at_from.in;
	s.accepted -= iw->at_from.accepted;
	s.out -= iw->at_from.out;
	s.bytes_out -= iw->at_from.bytes_out;
	for (int k = 0; k < INSPECT_DROP__COUNT; k++)
		s.drops[k] -= iw->at_from.drops[k];
	s.busy -= iw->at_from.busy;
	s.wait_sum -= iw->at_from.wait_sum;
	drops = s.drops[INSPECT_DROP_QUEUE] + s.drops[INSPECT_DROP_DOWN];
	switch (e->metric) {
	case SC_M_UTILISATION:
		return (double)s.busy / (double)(to - from);
	case SC_M_THROUGHPUT:
		return (double)s.bytes_out * 8e9 / (double)(to - from);
	case SC_M_DELIVERED:
		return (double)s.out;
	case SC_M_LOSS:
		return s.in ? (double)drops / (double)s.in : NAN;
	case SC_M_QUEUE_DELAY:
		return s.accepted ? (double)s.wait_sum / (double)s.accepted :
		    NAN;
	default:
		return NAN;
	}
}
