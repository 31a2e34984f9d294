/*
 * The world: building a scenario's topology on the kernel, the timeline
 * and the start of the run.  What a built world does lives beside this
 * file: the packet path in world_path.c, the tunnels in world_tunnels.c,
 * the measurements in world_measure.c; world_impl.h holds what they share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/geo.h"
#include "models/link.h"
#include "models/traffic.h"
#include "pcap/capture.h"
#include "pcap/keylog.h"
#include "reports/meter.h"
#include "sim/pki.h"
#include "sim/platform_sim.h"
#include "sim/pool.h"
#include "sim/rng.h"
#include "sim/units.h"
#include "sim/world.h"
#include "sim/world_impl.h"
#include "wan/inet.h"
#include "wan/tunnel.h"

/* ---- recording ---- */

void
rec_check(struct world *w, int rc)
{
	if (rc < 0)
		w->failed = 1;
}

void
emit(struct world *w, const char *kind, const char *node, const char *subject,
    const char *detail, double value)
{
	struct sb_event ev = { kind, node, subject, detail, value };

	if (w->rec != NULL)
		rec_check(w, recorder_event(w->rec, kernel_now(w->k), &ev));
}

void
psim_emit_cb(void *ctx, sb_time t, const struct sb_event *ev)
{
	struct world *w = ctx;

	if (w->rec != NULL)
		rec_check(w, recorder_event(w->rec, t, ev));
}

/* ---- building ---- */

static const char *
app_kind_name(enum sc_app_kind k)
{
	static const char *const names[] = { "udp-cbr", "udp-poisson",
		"voip", "web", "bulk", "replay" };

	return (unsigned)k < sizeof(names) / sizeof(*names) ? names[k] : "?";
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

		s->w = w;
		s->idx = (int)i;
		s->sc = &sc->sites[i];
		s->out_since = SB_TIME_NEVER;
		s->out_pop = -1;
		city = s->sc->city;
		s->links = calloc(s->sc->nlinks, sizeof(*s->links));
		s->pop_km = calloc(sc->npops, sizeof(*s->pop_km));
		s->total = meter_new();
		if (s->links == NULL || s->pop_km == NULL || s->total == NULL)
			goto oom;
		for (size_t j = 0; j < sc->npops; j++)
			s->pop_km[j] = geo_distance_km(city->lat, city->lon,
			    sc->pops[j].city->lat, sc->pops[j].city->lon);
		pop = s->sc->cloud != NULL ? s->sc->cloud->pop[0] :
		    site_pop(w, s);
		if (w->rec != NULL) {
			struct rec_node rn = { (int)(sc->npops + i),
			    s->sc->name, s->sc->ipsec != NULL ? "ipsec-site" :
			    s->sc->cloud != NULL ? "cloud-region" :
			    s->sc->user ? "user" : "site", city->name,
			    city->lat,
			    city->lon, pop >= 0 ? sc->pops[pop].name : NULL };
			rec_check(w, recorder_node(w->rec, &rn));
		}
		for (size_t j = 0; j < s->sc->nlinks; j++) {
			const struct sc_site_link *sl = &s->sc->links[j];
			/* a cloud region's links are its interconnects: to
			 * its PoP, over the fibre between the two cities */
			const struct sc_pop *ic = s->sc->cloud != NULL ?
			    &sc->pops[s->sc->cloud->pop[j]] : NULL;
			const char *kind = ic ? "interconnect" : "access";
			const char *far = ic ? ic->name : city->name;
			struct link_spec spec;
			spec_from(w, &sl->p, ic ? geo_between(w, city,
			    ic->city) : 0, city->utc_offset_min, ic ?
			    ic->city->utc_offset_min : city->utc_offset_min,
			    &spec);
			snprintf(up, sizeof(up), "%s/%s:up", s->sc->name,
			    sl->name);
			snprintf(down, sizeof(down), "%s/%s:down", s->sc->name,
			    sl->name);
			s->links[j].up = chan_new(w, up, kind, s->sc->name,
			    far, &spec, sl->p.profile, ic ?
			    s->sc->cloud->pop[j] : -1, err, errlen);
			if (s->links[j].up == NULL || chan_background(
			    s->links[j].up, &sl->p.bg[0], err, errlen) < 0)
				return -1;
			s->links[j].down = chan_new(w, down, kind,
			    far, s->sc->name, &spec, sl->p.profile, -1,
			    err, errlen);
			if (s->links[j].down == NULL || chan_background(
			    s->links[j].down, &sl->p.bg[1], err, errlen) < 0)
				return -1;
			s->links[j].up->rev = s->links[j].down;
			s->links[j].down->rev = s->links[j].up;
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
		rng_bytes(s->rng, s->psk, sizeof(s->psk));
		for (size_t j = 0; j < s->sc->nlinks; j++) {
			s->links[j].port = (uint16_t)(49152 +
			    rng_u64(s->rng) % 16384);
			if (s->sc->links[j].public_port != 0)
				s->links[j].port =
				    (uint16_t)s->sc->links[j].public_port;
		}
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

static int
build_flows(struct world *w, char *err, size_t errlen)
{
	const struct scenario *sc = w->sc;
	size_t nx = 0;

	w->nflows = sc->napps + (size_t)apps_count_flows(sc);
	w->flows = calloc(w->nflows ? w->nflows : 1, sizeof(*w->flows));
	w->xapps = calloc(2 * sc->napps + 1, sizeof(*w->xapps));
	if (w->flows == NULL || w->xapps == NULL)
		goto oom;
	for (size_t i = 0; i < w->nflows; i++) {
		struct flow *f = &w->flows[i];
		char name[256];

		f->w = w;
		f->id = (int)i;
		f->sc = &sc->apps[i < sc->napps ? i : 0];
		if (i < sc->napps && f->sc->src < 0) {
			/* from a destination: the site's end opens it */
			struct sc_app *x = &w->xapps[nx++];
			*x = *f->sc;
			x->src = f->sc->dst;
			x->dest = f->sc->src_dest;
			x->dst = -1;
			x->src_dest = -1;
			f->sc = x;
		}
		if (i >= sc->napps) {
			/* the return flow of the k-th TCP app */
			struct flow *fw = &w->flows[apps_flow_of(sc,
			    i - sc->napps)];
			struct sc_app *x = &w->xapps[nx++];
			*x = *fw->sc;
			x->src = fw->sc->dst;
			x->src_dest = fw->sc->dest;
			x->dst = fw->sc->src;
			x->dest = -1;
			f->sc = x;
			f->is_rev = 1;
			f->rev = fw;
			fw->rev = f;
		} else {
			f->home = &w->sites[f->sc->src];
		}
		f->cur = f->iroute = NONE_ROUTE;
		f->mroute_of = NONE_ROUTE;
		f->topo = UINT64_MAX;
		for (size_t j = 0; j < SOCKET_MAX_LINKS; j++) {
			f->lroute[j] = NONE_ROUTE;
			f->ltopo[j] = UINT64_MAX;
			for (size_t k = 0; k < SOCKET_MAX_LINKS; k++)
				f->oroute[j][k] = NONE_ROUTE;
		}
		{
			int app = f->is_rev ? f->rev->id : (int)i;
			unsigned sp = app_sport(app), dp = app_port(app);
			f->rf = (struct rule_flow){
				.src_site = f->sc->src >= 0 ?
				    sc->sites[f->sc->src].name : NULL,
				.dst_site = f->sc->dst >= 0 ?
				    sc->sites[f->sc->dst].name : NULL,
				.src_addr = flow_src_addr(f->sc),
				.dst_addr = flow_dst_addr(f->sc),
				.proto = (uint8_t)f->sc->protocol,
				.sport = (uint16_t)(f->is_rev ? dp : sp),
				.dport = (uint16_t)(f->is_rev ? sp : dp),
				.ftp_passive = (uint8_t)f->sc->ftp_passive,
				.label = f->sc->name,
			};
		}
		f->fault_at = SB_TIME_NEVER;
		f->egress = -1;
		f->interval = meter_new();
		f->total = meter_new();
		snprintf(name, sizeof(name), "app:%s%s", f->sc->name,
		    f->is_rev ? ":return" : "");
		f->rng = rng_new(w->seed, name);
		if (f->interval == NULL || f->total == NULL || f->rng == NULL)
			goto oom;
		if (w->rec != NULL) {
			/* an app as the file says; a return flow as it goes */
			const struct sc_app *a = i < sc->napps ? &sc->apps[i] :
			    f->sc;
			struct rec_flow rf = { (int)i,
			    flow_name(f, name, sizeof(name)),
			    app_kind_name(a->kind),
			    a->src >= 0 ? sc->sites[a->src].name :
			    sc->dests[a->src_dest].name,
			    a->dest >= 0 ? sc->dests[a->dest].name :
			    sc->sites[a->dst].name,
			    a->via == SC_VIA_INTERNET ? "internet" :
			    "backbone", a->rate_bps, a->packet_bytes };
			rec_check(w, recorder_flow(w->rec, &rf));
		}
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory building flows");
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
	    build_sockets(w, err, errlen) < 0 ||
	    build_ipsec(w, err, errlen) < 0 ||
	    build_ha(w, err, errlen) < 0 ||
	    build_flows(w, err, errlen) < 0 ||
	    build_firewall(w, err, errlen) < 0 ||
	    build_apps(w, err, errlen) < 0 ||
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
	free_apps(w);
	for (size_t i = 0; w->flows != NULL && i < w->nflows; i++) {
		struct flow *f = &w->flows[i];
		traffic_free(f->src);
		meter_free(f->interval);
		meter_free(f->total);
		for (size_t j = 0; j < f->nwins; j++)
			meter_free(f->wins[j].m);
		free(f->wins);
		free(f->routes);
		free(f->fo);
		free(f->dup);
		if (f->rng)
			gsl_rng_free(f->rng);
	}
	free(w->flows);
	free(w->xapps);
	free_ha(w);
	free_sockets(w);
	free_ipsec(w);
	for (size_t i = 0; i < w->ntuns; i++)
		wtun_free(w->tuns[i]);
	free(w->tuns);
	for (size_t i = 0; w->sites != NULL && i < sc->nsites; i++) {
		struct site *s = &w->sites[i];
		for (size_t j = 0; s->links != NULL && j < s->sc->nlinks; j++) {
			free(s->links[j].tun);
			free(s->links[j].oc);
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
		free(s->outs);
	}
	free(w->sites);
	free_firewall(w);
	free_pops(w);
	for (size_t i = 0; i < w->nchans; i++)
		chan_free(w->chans[i]);
	free(w->chans);
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
		default:        /* the others are not for links */
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
	static const char *const verbs[] = { "down", "up", "set",
		"links-down", "links-up" };
	char kind[64], subject[256], detail[256];
	struct chan *c[2];

	detail[0] = '\0';
	if (act->target.kind == SC_T_SOCKET) {
		/* an HA unit powered off or on */
		ha_action(w, act);
		snprintf(kind, sizeof(kind), "socket-%s", verbs[act->kind]);
		sc_target_name(sc, &act->target, subject, sizeof(subject));
		emit(w, kind, NULL, subject + strlen("socket "), NULL,
		    (double)act->loc.line);
		if (act->kind == SC_ACT_DOWN ||
		    act->kind == SC_ACT_LINKS_DOWN)
			flows_fault(w);
		return;
	}
	users_timeline(w, act);
	if (act->target.kind == SC_T_POP) {
		struct wpop *p = &w->pops[act->target.i];
		pop_set_up(w, act->target.i, act->kind == SC_ACT_UP);
		/* A PoP that fails stops answering its tunnels; the Sockets
		 * find out from their keepalives. */
		for (size_t i = 0; i < w->ntuns; i++) {
			struct wtun *wt = w->tuns[i];
			if (wt->pop != act->target.i)
				continue;  /* another PoP's */
			wtun_end_power(wt, 1, p->up); /* (none if only pinged) */
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
	cloud_timeline(w, act);
	w->topo++;
	emit(w, kind, NULL, subject, detail[0] ? detail : NULL,
	    (double)act->loc.line);
	if (act->target.kind == SC_T_BACKBONE || act->target.kind == SC_T_POP) {
		char what[sizeof(((struct bbfault *)0)->what)], at[32];
		snprintf(what, sizeof(what), "%s%s %s at %s",
		    act->target.kind == SC_T_POP ? "pop:" : "", subject,
		    verbs[act->kind], units_fmt_time(act->at, at, sizeof(at)));
		backbone_fault(w, act, what);
	}
	if (act->kind != SC_ACT_UP)
		flows_fault(w);
}

/* ---- the start ---- */

int
world_start(struct world *w)
{
	const struct scenario *sc = w->sc;

	for (size_t i = 0; i < sc->napps; i++) {
		struct flow *f = &w->flows[i];
		if (f->sc->kind != SC_APP_UDP_CBR &&
		    f->sc->kind != SC_APP_UDP_POISSON)
			continue;
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
		traffic_set_prefetch(f->src, flow_send_pf);
	}
	if (start_apps(w) < 0)
		return -1;
	/* The PoP, which sees the whole flow, applies a rule's egress PoP;
	 * the rules are whole by now. */
	for (size_t i = 0; i < sc->napps; i++) {
		struct flow *f = &w->flows[i];
		int r;
		if (f->sc->dest >= 0 && w->rules != NULL &&
		    (r = rules_match(w->rules, &f->rf, 1)) >= 0)
			f->egress = sc->rules[r].egress_pop;
	}
	start_pops(w);
	for (size_t i = 0; i < sc->nsites; i++)
		if (w->sites[i].sock != NULL)
			socket_start(w->sites[i].sock);
	start_ipsec(w);
	start_cloud(w);
	start_ha(w);
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
	pop_windows_start(w);
	w->last_tick = 0;
	if (sc->sample_interval <= sc->duration)
		kernel_at(w->k, sc->sample_interval, tick, w, NULL);
	return 0;
}
