/*
 * The world's measurements: the chans' counters, the windows expectations
 * ask about, the samples at every tick and, at the end, the final metrics
 * and the expectations' verdicts.  It reads what the packet path counted
 * and moves no packets.
 *
 * Each flow has an interval meter (sampled and reset at every tick), a
 * whole-run meter, and one meter per window an expectation asks about.
 * Chans keep their counters in the link and are flushed into an interval
 * and a cumulative total at every tick and at every window edge, so
 * windows are exact to the nanosecond for links as for flows.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/link.h"
#include "reports/expect.h"
#include "reports/meter.h"
#include "sim/world.h"
#include "sim/world_impl.h"
#include "wan/ike.h"
#include "wan/tunnel.h"

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

void
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
int
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
	case SC_T_POP:
		return pop_window(w, t->i, e->from, to, &x->cw[side][0]);
	case SC_T_USERS:
		/* outage-time reads the outages; the rest each user's meter */
		for (int i = t->i; i < t->i + t->j && !whole &&
		    e->metric != SC_M_OUTAGE_TIME; i++)
			if (mwin_add(&w->sites[i].wins, &w->sites[i].nwins,
			    e->from, to) == NULL)
				return -1;
		return 0;
	default:
		if (e->metric == SC_M_CONVERGENCE_TIME)
			return 0;  /* read from the fault records */
		if (target_chans(w, t, x->c[side]) < 0)
			return -1;
		for (int d = 0; d < 2; d++)
			if (cwin_add(x->c[side][d], e->from, to,
			    &x->cw[side][d]) < 0)
				return -1;
		return 0;
	}
}

int
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

/* ---- sampling ---- */

static void
sample_all(struct world *w, sb_time span)
{
	sb_time now = kernel_now(w->k);

	for (size_t i = 0; i < w->nflows; i++) {
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
	inspect_sample(w, now, span);
	if (w->rec != NULL)
		rec_check(w, recorder_commit(w->rec));
	w->last_tick = now;
}

void
tick(void *a, void *b)
{
	struct world *w = a;
	sb_time now = kernel_now(w->k), next;

	sample_all(w, now - w->last_tick);
	next = now + w->sc->sample_interval;
	if (next <= w->sc->duration)
		kernel_at(w->k, next, tick, w, NULL);
}

/* ---- the end ---- */

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

/* The longest failover of a flow whose fault fell in [from, to); NaN if
 * none did. */
static double
failover_max(const struct flow *f, sb_time from, sb_time to)
{
	double v = NAN;

	for (size_t i = 0; i < f->nfo; i++)
		if (f->fo[i].fault_at >= from && f->fo[i].fault_at < to &&
		    !((double)f->fo[i].took <= v))
			v = (double)f->fo[i].took;
	return v;
}

/*
 * Remote users: the longest outage among them (0 when none had one), or
 * the worst user's latency or loss, each user's over the flows it sends
 * (NaN when none of them delivered anything).
 */
static double
users_metric(struct world *w, const struct sc_expect *e,
    const struct sc_target *t, sb_time from, sb_time to)
{
	int whole = e->from == 0 && e->to >= w->sc->duration;
	sb_time bto = e->to > w->sc->duration ? w->sc->duration : e->to;
	double worst = NAN;

	if (e->metric == SC_M_OUTAGE_TIME)
		return users_outage_max(w, t, from, to);
	for (int i = t->i; i < t->i + t->j; i++) {
		struct site *s = &w->sites[i];
		const struct meter *m = whole ? s->total : NULL;
		double v;

		for (size_t k = 0; m == NULL && k < s->nwins; k++)
			if (s->wins[k].from == e->from && s->wins[k].to == bto)
				m = s->wins[k].m;
		if (m == NULL)
			continue;
		v = meter_metric(m, e->metric, to - from);
		if (!isnan(v) && !(v <= worst))
			worst = v;
	}
	return worst;
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
	if (e->metric == SC_M_FAILOVER_TIME)
		return failover_max(&w->flows[side ? e->ref.i : e->subject.i],
		    from, to);
	if (e->metric == SC_M_TAKEOVER_TIME)
		return ha_takeover_max(w, side ? e->ref.i : e->subject.i, from,
		    to);
	if ((side ? e->ref.kind : e->subject.kind) == SC_T_USERS)
		return users_metric(w, e, side ? &e->ref : &e->subject, from,
		    to);
	if (e->metric == SC_M_CONVERGENCE_TIME ||
	    (side ? e->ref.kind : e->subject.kind) == SC_T_POP)
		return pop_expect(w, e, side ? &e->ref : &e->subject,
		    x->cw[side][0], end);
	if (e->metric == SC_M_BLOCKED)
		return fw_blocked_fraction(&w->flows[side ? e->ref.i :
		    e->subject.i], end);
	if (e->metric >= SC_M_MOS)       /* an application's own */
		return app_metric(w, side ? e->ref.i : e->subject.i, e->metric,
		    end);
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

/* A counter to record: its metric name, value and unit (NULL: "count"). */
struct count {
	const char *name;
	uint64_t v;
	const char *unit;
};

static void
record_counts(struct world *w, const char *scope, const char *subject,
    const struct count *m, size_t n)
{
	for (size_t x = 0; x < n; x++)
		rec_check(w, recorder_metric(w->rec, scope, subject,
		    m[x].name, (double)m[x].v,
		    m[x].unit != NULL ? m[x].unit : "count"));
}

#define NCOUNTS(m) (sizeof(m) / sizeof((m)[0]))

/* An IPsec site's end: the tunnel's counters that apply, and DPD's. */
static void
record_ike(struct world *w, const struct wtun *wt, int e)
{
	const struct ike_stats *st = ike_stats(wt->ike[e]);
	const struct count m[] = {
		{ "handshakes", st->handshakes, NULL },
		{ "handshakes-ok", st->handshakes_ok, NULL },
		{ "auth-failures", st->auth_failures, NULL },
		{ "handshake-retransmits", st->hs_retransmits, NULL },
		{ "downs", st->downs, NULL },
		{ "records-sent", st->tx_records, NULL },
		{ "records-received", st->rx_records, NULL },
		{ "dropped-replayed", st->drop_replayed, NULL },
		{ "dropped-forged", st->drop_forged, NULL },
		{ "dropped-malformed", st->drop_malformed, NULL },
		{ "dropped-not-up", st->drop_not_up, NULL },
		{ "dropped-too-big", st->drop_too_big, NULL },
		{ "dpd-sent", st->dpd_sent, NULL },
		{ "dpd-answered", st->dpd_answered, NULL },
	};

	record_counts(w, e == 0 ? "tunnel-ipsec" : "tunnel-pop", wt->name, m,
	    NCOUNTS(m));
}


/* A shaped link's queues, per bandwidth priority that saw traffic; the
 * subject is "SITE/LINK/PRIORITY". */
static void
record_qos_metrics(struct world *w, const struct socket *k, unsigned j,
    const char *link)
{
	const struct qos_stats *q;

	for (unsigned prio = 1; prio <= 255 &&
	    (q = socket_qos_stats(k, j, (uint8_t)prio)) != NULL; prio++) {
		const struct count m[] = {
			{ "queued-packets", q->enq_pkts, "packets" },
			{ "sent-packets", q->sent_pkts, "packets" },
			{ "queue-drops", q->drop_pkts, "packets" },
			{ "sent-bytes", q->sent_bytes, "bytes" },
			{ "queue-wait-max", (uint64_t)q->wait_max, "ns" },
		};
		char name[320];

		if (q->enq_pkts == 0)
			continue;
		snprintf(name, sizeof(name), "%s/%u", link, prio);
		record_counts(w, "socket-qos", name, m, NCOUNTS(m));
	}
}

/* What each Socket did: per site, per WAN link and per rule. */
static void
record_socket_metrics(struct world *w)
{
	const struct scenario *sc = w->sc;

	for (size_t i = 0; i < sc->nsites; i++) {
		const struct socket *k = w->sites[i].sock;
		const struct socket_stats *st;

		if (k == NULL)
			continue;     /* an IPsec site: no Socket */
		st = socket_stats(k);
		const struct count m[] = {
			{ "failovers", st->failovers, NULL },
			{ "fallbacks", st->fallbacks, NULL },
			{ "dropped-no-link", st->no_link, NULL },
			{ "dropped-by-rule", st->dropped_none, NULL },
			{ "flows-at-pop", st->at_pop, NULL },
			{ "off-cloud-flows", st->oc_flows, NULL },
			{ "off-cloud-via-pop", st->oc_via_pop, NULL },
			{ "off-cloud-secondary", st->oc_secondary, NULL },
			{ "recovery-flows", st->recovery_flows, NULL },
			{ "wan-recoveries", st->recoveries, NULL },
		};

		record_counts(w, "socket", sc->sites[i].name, m, NCOUNTS(m));
		for (size_t j = 0; j < sc->sites[i].nlinks; j++) {
			const struct socket_link_stats *ls =
			    socket_link_stats(k, (unsigned)j);
			const struct count n[] = {
				{ "flows-placed", ls->flows_placed, NULL },
				{ "flows-moved-off", ls->flows_moved_off, NULL },
				{ "packets", ls->pkts, NULL },
				{ "bytes", ls->bytes, NULL },
				{ "duplicated-packets", ls->dup_pkts, NULL },
				{ "duplicated-bytes", ls->dup_bytes, NULL },
				{ "health-changes", ls->health_changes, NULL },
				{ "pop-moves", ls->pop_moves, NULL },
				{ "off-cloud-flows", ls->oc_flows, NULL },
				{ "off-cloud-packets", ls->oc_pkts, NULL },
				{ "off-cloud-bytes", ls->oc_bytes, "bytes" },
			};
			char name[300];

			snprintf(name, sizeof(name), "%s/%s", sc->sites[i].name,
			    sc->sites[i].links[j].name);
			record_counts(w, "socket-link", name, n, NCOUNTS(n));
			record_qos_metrics(w, k, (unsigned)j, name);
		}
	}
	/* off-cloud per site pair, from the sender's side */
	for (size_t i = 0; i < sc->nsites; i++) {
		const struct socket_peer_stats *ps;
		int b;

		for (unsigned x = 0; w->sites[i].sock != NULL &&
		    (ps = socket_peer_stats(w->sites[i].sock, x, &b)) != NULL;
		    x++) {
			char name[300];
			const struct count m[] = {
				{ "packets", ps->pkts, "packets" },
				{ "bytes", ps->bytes, "bytes" },
				{ "flows", ps->flows, NULL },
				{ "connects", ps->connects, NULL },
				{ "disconnects", ps->disconnects, NULL },
			};
			snprintf(name, sizeof(name), "%s>%s", sc->sites[i].name,
			    sc->sites[b].name);
			record_counts(w, "off-cloud", name, m, NCOUNTS(m));
		}
	}
	for (size_t r = 0; r < sc->nrules; r++) {
		uint64_t hits = 0;

		for (size_t i = 0; i < sc->nsites; i++)
			if (w->sites[i].sock != NULL)
				hits += socket_rule_hits(w->sites[i].sock, r);
		rec_check(w, recorder_metric(w->rec, "rule", sc->rules[r].name,
		    "hits", (double)hits, "count"));
	}
	/* how each flow the Socket sent travelled */
	for (size_t i = 0; i < sc->napps; i++) {
		const struct count m[] = {
			{ "sent-via-cloud", w->flows[i].via_cloud, "packets" },
			{ "sent-off-cloud", w->flows[i].via_oc, "packets" },
		};

		if (sc->apps[i].via == SC_VIA_BACKBONE)
			record_counts(w, "flow", sc->apps[i].name, m,
			    NCOUNTS(m));
	}
	for (size_t i = 0; i < sc->napps; i++)
		if (w->flows[i].dup_discarded > 0)
			rec_check(w, recorder_metric(w->rec, "flow",
			    sc->apps[i].name, "duplicates-discarded",
			    (double)w->flows[i].dup_discarded, "count"));
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
	for (size_t i = 0; i < w->nflows; i++) {
		char name[300];
		flow_name(&w->flows[i], name, sizeof(name));
		for (size_t m = 0; m < sizeof(flow_m) / sizeof(*flow_m); m++) {
			double v = meter_metric(w->flows[i].total, flow_m[m],
			    end);
			if (!isnan(v))
				rec_check(w, recorder_metric(w->rec, "flow",
				    name, sc_metric_name(flow_m[m]), v,
				    sc_metric_unit(flow_m[m])));
		}
	}
	/* the latency distribution: every percentile, and the tail finer */
	for (size_t i = 0; i < w->nflows; i++)
		for (int k = 0; k <= 103; k++) {
			double q = k <= 100 ? k / 100.0 :
			    k == 101 ? 0.995 : k == 102 ? 0.999 : 0.9999;
			int64_t v = meter_latency_quantile(w->flows[i].total, q);
			if (v >= 0)
				rec_check(w, recorder_flow_cdf(w->rec, (int)i, q,
				    v));
		}
	for (size_t i = 0; i < sc->napps; i++) {
		const struct flow *f = &w->flows[i];
		double v = failover_max(f, 0, SB_TIME_NEVER);

		rec_check(w, recorder_metric(w->rec, "flow", sc->apps[i].name,
		    "failovers", (double)f->nfo, "count"));
		if (!isnan(v))
			rec_check(w, recorder_metric(w->rec, "flow",
			    sc->apps[i].name, "failover-time", v, "ns"));
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
		for (int e = 0; e < 2 && wt->t[0] != NULL; e++) {
			const struct tunnel_stats *st = tunnel_stats(wt->t[e]);
			char scope[32];
			const struct count m[] = {
				{ "handshakes", st->handshakes, NULL },
				{ "handshakes-ok", st->handshakes_ok, NULL },
				{ "auth-failures", st->auth_failures, NULL },
				{ "handshake-retransmits", st->hs_retransmits,
				    NULL },
				{ "downs", st->downs, NULL },
				{ "records-sent", st->tx_records, NULL },
				{ "records-received", st->rx_records, NULL },
				{ "dropped-replayed", st->drop_replayed, NULL },
				{ "dropped-forged", st->drop_forged, NULL },
				{ "dropped-malformed", st->drop_malformed,
				    NULL },
				{ "dropped-not-up", st->drop_not_up, NULL },
				{ "dropped-too-big", st->drop_too_big, NULL },
				{ "dropped-rekeying", st->drop_rekeying, NULL },
				{ "keepalives-sent", st->keepalives_sent,
				    NULL },
				{ "keepalives-answered",
				    st->keepalives_answered, NULL },
				{ "rekeys", st->rekeys, NULL },
			};
			snprintf(scope, sizeof(scope), "tunnel-%s",
			    e == 0 ? (wt->itun != NULL ? "ipsec" : "socket") :
			    wt->pop < 0 ? "peer" : "pop");
			record_counts(w, scope, wt->name, m, NCOUNTS(m));
		}
		for (int e = 0; e < 2 && wt->ike[0] != NULL; e++)
			record_ike(w, wt, e);
	}
	record_socket_metrics(w);
	firewall_results(w, end);
	ipsec_results(w);
	apps_results(w, end);
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
	users_finish(w, end);
	record_final_metrics(w, end);
	backbone_results(w);
	ha_results(w);
	for (size_t i = 0; i < sc->nexpects; i++) {
		const struct sc_expect *e = &sc->expects[i];
		double m = expect_side(w, e, 0, end);
		double b = e->bound_is_ref ? expect_side(w, e, 1, end) :
		    e->bound;
		int rc;

		if (expect_report(w->rec, sc, i, m, b, out, &rc) !=
		    EXPECT_PASS)
			failed++;
		rec_check(w, rc);
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
