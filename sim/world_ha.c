/*
 * The world's Socket HA pairs: two units at a site, each the election of
 * wan/ha.c on a platform of its own, heartbeating over the site LAN, and
 * the site's Socket run by whichever is active.  Glue only: who is active
 * is wan/ha.c's decision, the Socket is wan/socket.c.
 *
 * The two units share the site's ISP links (both are cabled to the same
 * WAN switch), so a takeover moves the links, not the traffic onto other
 * links: the unit that takes over starts a Socket of its own on them,
 * which opens new tunnels (new DTLS sessions: it has none of the failed
 * unit's keys) to the PoPs its own selection picks.  A unit that stops
 * being active (powered off, or standing by) takes its tunnels down with
 * it, silently: the PoPs find out by their keepalives, or sooner when the
 * new unit's session from the same link replaces the old one
 * (pop_tunnel()).  An ISP outage thus hits both units alike and is the
 * Socket's own failover, not a takeover.
 *
 * The takeover time is measured from the failure (the active unit powered
 * off or standing by) to the first packet of traffic that comes out of a
 * tunnel of the unit that took over, either way: the moment the site's
 * traffic flows again.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/platform_sim.h"
#include "sim/pool.h"
#include "sim/rng.h"
#include "sim/world.h"
#include "sim/world_impl.h"
#include "wan/ha.h"
#include "wan/tunnel.h"

/* A heartbeat's trip across the site LAN: one switch. */
#define HA_LAN_DELAY (100 * SB_US)

struct wha;

struct hunit {
	struct wha *h;
	int i;                     /* 0 primary, 1 secondary */
	char *name;                /* "site/primary" */
	struct ha *ha;
	struct psim *ps;           /* its LAN port: heartbeats */
	gsl_rng *rng;
	struct socket *sock;       /* its Socket: running while active */
	struct psim *sps;          /* the Socket's platform (the primary
	                              uses the site's) */
	gsl_rng *srng;
	int powered;
	int ports;                 /* its WAN ports have carrier */
};

struct takeover {
	sb_time fail_at, took;
};

struct wha {
	struct world *w;
	struct site *s;
	struct hunit u[2];
	int active;                /* the unit running the Socket, or -1 */
	sb_time fail_at;           /* a takeover pending since, or
	                              SB_TIME_NEVER */
	int from;                  /* the unit that failed */
	struct takeover *tk;
	size_t ntk, captk;
};

static const char *const unit_names[] = { "primary", "secondary" };

/* The active unit stops: its Socket and its tunnels go, without a word
 * on the wire.  It gets a new Socket, not started, for its next life. */
static void
unit_off(struct wha *h)
{
	struct world *w = h->w;
	struct site *s = h->s;
	struct hunit *u;
	char err[256];

	if (h->active < 0)
		return;
	u = &h->u[h->active];
	for (size_t j = 0; j < s->sc->nlinks; j++) {
		struct site_link *sl = &s->links[j];

		for (size_t i = 0; i < w->sc->npops; i++) {
			struct wtun *wt = sl->tun[i];

			if (wt == NULL)
				continue;
			sl->tun[i] = NULL;
			wt->dead = 1;
			if (wt->t[0] != NULL)
				tunnel_crash(wt->t[0]);
		}
		sl->cur = NULL;
	}
	socket_free(u->sock);
	u->sock = site_socket_new(w, s, psim_platform(u->sps), err,
	    sizeof(err));
	if (u->sock == NULL)
		w->failed = 1;
	if (h->fail_at == SB_TIME_NEVER) {
		h->fail_at = kernel_now(w->k);
		h->from = h->active;
	}
	h->active = -1;
	/* the site's Socket, as far as the world asks, is one not running */
	s->sock = u->sock;
	w->topo++;
}

static void
unit_on(struct hunit *u)
{
	struct wha *h = u->h;
	struct site *s = h->s;

	if (h->active == u->i || u->sock == NULL)
		return;
	unit_off(h);
	h->active = u->i;
	s->gen++;
	s->sock = u->sock;
	socket_start(s->sock);
	h->w->topo++;
}

/*
 * Make the world match the election: the Socket runs on the unit that is
 * active, powered and has its ports; of two active (for the heartbeat it
 * takes one to stand down), the one that runs it already.
 */
static void
sync_units(struct wha *h)
{
	int want = -1;

	for (int k = 0; k < 2; k++) {
		struct hunit *u = &h->u[k];

		if (u->powered && u->ports && ha_state(u->ha) == HA_ACTIVE &&
		    (want < 0 || k == h->active))
			want = k;
	}
	if (want == h->active)
		return;
	if (want < 0)
		unit_off(h);
	else
		unit_on(&h->u[want]);
}

static void
on_state(void *ctx, enum ha_state st)
{
	struct hunit *u = ctx;

	(void)st;
	sync_units(u->h);
}

/* A heartbeat crosses the LAN to the other unit; a unit powered off by
 * then hears nothing (ha_input() drops it). */
static void
lan_arrive(void *a, void *b)
{
	struct hunit *to = a;

	ha_input(to->ha, b);
}

static int
lan_send(void *ctx, unsigned port, struct sb_packet *p)
{
	struct hunit *u = ctx;
	struct world *w = u->h->w;

	if (kernel_at(w->k, kernel_now(w->k) + HA_LAN_DELAY, lan_arrive,
	    &u->h->u[!u->i], p) == 0) {
		pool_put(w->pool, p);
		return -1;
	}
	return 0;
}

static int
unit_build(struct world *w, struct wha *h, int i, char *err, size_t errlen)
{
	struct site *s = h->s;
	const struct sc_site *sc = s->sc;
	struct psim_env env = { w->k, w->pool, psim_emit_cb, w };
	struct hunit *u = &h->u[i];
	char rn[300];
	struct ha_cfg cfg = {
		.primary = i == 0,
		.pair = (uint32_t)s->idx + 1,
		.heartbeat = sc->ha_heartbeat,
		.misses = sc->ha_misses,
		.preempt = sc->ha_preempt,
		.on_state = on_state,
		.ctx = u,
	};

	u->h = h;
	u->i = i;
	u->powered = 1;
	u->ports = 1;
	if (asprintf(&u->name, "%s/%s", sc->name, unit_names[i]) < 0) {
		u->name = NULL;
		goto oom;
	}
	cfg.name = u->name;
	snprintf(rn, sizeof(rn), "ha:%s", u->name);
	if ((u->rng = rng_new(w->seed, rn)) == NULL ||
	    (u->ps = psim_new(&env, sc->name, u->rng, NULL, 0, NULL,
	    NULL)) == NULL)
		goto oom;
	psim_set_sender(u->ps, lan_send, u);
	if ((u->ha = ha_new(psim_platform(u->ps), &cfg, err, errlen)) == NULL)
		return -1;
	if (i == 0) {
		/* the primary runs the Socket the world built for the site */
		u->sps = s->sps;
		u->sock = s->sock;
		return 0;
	}
	snprintf(rn, sizeof(rn), "socket:%s", u->name);
	if ((u->srng = rng_new(w->seed, rn)) == NULL ||
	    (u->sps = psim_new(&env, sc->name, u->srng, NULL, 0, NULL,
	    NULL)) == NULL)
		goto oom;
	if ((u->sock = site_socket_new(w, s, psim_platform(u->sps), err,
	    errlen)) == NULL)
		return -1;
	return 0;
oom:
	snprintf(err, errlen, "site '%s': out of memory building its HA "
	    "pair", sc->name);
	return -1;
}

int
build_ha(struct world *w, char *err, size_t errlen)
{
	for (size_t i = 0; i < w->sc->nsites; i++) {
		struct site *s = &w->sites[i];
		struct wha *h;

		if (!s->sc->ha)
			continue;
		if ((h = calloc(1, sizeof(*h))) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		s->ha = h;
		h->w = w;
		h->s = s;
		h->active = 0;
		h->fail_at = SB_TIME_NEVER;
		for (int k = 0; k < 2; k++)
			if (unit_build(w, h, k, err, errlen) < 0)
				return -1;
	}
	return 0;
}

/* The pair is formed at the start: the primary active (its Socket is
 * started with every other site's), the secondary standing by. */
void
start_ha(struct world *w)
{
	for (size_t i = 0; i < w->sc->nsites; i++) {
		struct wha *h = w->sites[i].ha;

		if (h == NULL)
			continue;
		ha_start(h->u[0].ha, 0);
		ha_start(h->u[1].ha, 0);
	}
}

/* Both units' Sockets go here, the site's included (it is one of them):
 * call before free_sockets(). */
void
free_ha(struct world *w)
{
	for (size_t i = 0; w->sites != NULL && i < w->sc->nsites; i++) {
		struct site *s = &w->sites[i];
		struct wha *h = s->ha;

		if (h == NULL)
			continue;
		for (int k = 0; k < 2; k++) {
			struct hunit *u = &h->u[k];

			ha_free(u->ha);
			socket_free(u->sock);
			psim_free(u->ps);
			if (u->rng != NULL)
				gsl_rng_free(u->rng);
			if (k == 1) {
				psim_free(u->sps);
				if (u->srng != NULL)
					gsl_rng_free(u->srng);
			}
			free(u->name);
		}
		s->sock = NULL;
		free(h->tk);
		free(h);
		s->ha = NULL;
	}
}

/* A timeline action on a unit: power off (down) or on (up), its WAN
 * ports losing carrier (links-down) or regaining it.  A unit powered on
 * listens before it decides (wan/ha.h); one that loses its ports says so
 * in its heartbeat, and a ready standby takes over at once. */
void
ha_action(struct world *w, const struct sc_action *act)
{
	struct wha *h = w->sites[act->target.i].ha;
	struct hunit *u;

	if (h == NULL)
		return;
	u = &h->u[act->target.j];
	switch (act->kind) {
	case SC_ACT_DOWN:
		if (!u->powered)
			return;
		u->powered = 0;
		ha_stop(u->ha);
		break;
	case SC_ACT_UP:
		if (u->powered)
			return;
		u->powered = 1;
		ha_start(u->ha, 1);
		ha_set_ready(u->ha, u->ports);
		break;
	case SC_ACT_LINKS_DOWN:
	case SC_ACT_LINKS_UP:
		u->ports = act->kind == SC_ACT_LINKS_UP;
		ha_set_ready(u->ha, u->ports);
		break;
	default:
		return;
	}
	sync_units(h);
}

/* Traffic came out of tunnel wt of an HA site: if a takeover is pending
 * and wt is the new unit's, the takeover is over. */
void
ha_traffic(struct wtun *wt)
{
	struct world *w = wt->w;
	struct site *s = &w->sites[wt->site];
	struct wha *h = s->ha;
	struct takeover *tk;
	char detail[300];

	if (h->fail_at == SB_TIME_NEVER || h->active < 0 || wt->dead ||
	    wt->gen != s->gen)
		return;
	if (h->ntk == h->captk) {
		size_t cap = h->captk ? 2 * h->captk : 4;
		struct takeover *v = realloc(h->tk, cap * sizeof(*v));
		if (v == NULL) {
			w->failed = 1;
			return;
		}
		h->tk = v;
		h->captk = cap;
	}
	tk = &h->tk[h->ntk++];
	tk->fail_at = h->fail_at;
	tk->took = kernel_now(w->k) - h->fail_at;
	h->fail_at = SB_TIME_NEVER;
	snprintf(detail, sizeof(detail), "from %s; first traffic through %s",
	    h->u[h->from].name, wt->name);
	emit(w, "ha-takeover", s->sc->name, h->u[h->active].name, detail,
	    (double)tk->took / 1e9);
}

/* The longest takeover of site si whose failure fell in [from, to); NaN
 * if none did. */
double
ha_takeover_max(struct world *w, int si, sb_time from, sb_time to)
{
	const struct wha *h = w->sites[si].ha;
	double v = NAN;

	for (size_t i = 0; h != NULL && i < h->ntk; i++)
		if (h->tk[i].fail_at >= from && h->tk[i].fail_at < to &&
		    !((double)h->tk[i].took <= v))
			v = (double)h->tk[i].took;
	return v;
}

void
ha_results(struct world *w)
{
	if (w->rec == NULL)
		return;
	for (size_t i = 0; i < w->sc->nsites; i++) {
		const struct wha *h = w->sites[i].ha;
		const char *name = w->sc->sites[i].name;
		double v;

		if (h == NULL)
			continue;
		rec_check(w, recorder_metric(w->rec, "site", name,
		    "takeovers", (double)h->ntk, "count"));
		v = ha_takeover_max(w, (int)i, 0, SB_TIME_NEVER);
		if (!isnan(v))
			rec_check(w, recorder_metric(w->rec, "site", name,
			    "takeover-time", v, "ns"));
		for (int k = 0; k < 2; k++) {
			const struct ha_stats *st = ha_stats(h->u[k].ha);
			const struct count {
				const char *n;
				uint64_t v;
			} m[] = {
				{ "heartbeats-sent", st->sent },
				{ "heartbeats-heard", st->heard },
				{ "heartbeats-ignored", st->ignored },
				{ "became-active", st->takeovers },
				{ "peer-lost", st->peer_lost },
			};
			for (size_t x = 0; x < sizeof(m) / sizeof(*m); x++)
				rec_check(w, recorder_metric(w->rec, "ha-unit",
				    h->u[k].name, m[x].n, (double)m[x].v,
				    "count"));
		}
	}
}
