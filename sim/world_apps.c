/*
 * The applications that are more than a packet source: TCP transfers
 * (bulk) and page loads (web) over the TCP model, with their return
 * direction, and what users feel of them, for the results.
 *
 * A TCP app's connections have two ends: the site's (the client, which
 * opens them; its segments are the app's flow and go the way the site's
 * Socket and rules send them) and the far end (its segments are the
 * app's return flow and take the mirror of the forward route).  An app
 * `from` a destination is a download: the site's end opens it and the
 * far end sends the data.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "models/emodel.h"
#include "models/tcp.h"
#include "models/traffic.h"
#include "models/voicecall.h"
#include "pcap/trace.h"
#include "reports/recorder.h"
#include "sim/kernel.h"
#include "sim/pool.h"
#include "sim/world_impl.h"
#include "wan/tunnel.h"

struct tconn;

/*
 * A connection the app sees is one TCP connection, or with TCP
 * acceleration three back to back: the site to its ingress PoP, which
 * acknowledges locally; the ingress PoP to the egress PoP across the
 * backbone, on a connection of its own tuned for the long path; the
 * egress PoP to the server.  Each leg has two ends; the PoPs' ends relay
 * what one leg delivers into the next, as their buffers allow.
 */
#define LEGS 3
#define LONG_BUF (16u << 20)
#define LONG_IW 32

/* One end, as the TCP model's context. */
struct tend {
	struct tconn *c;
	int leg;
	int side;                  /* 0: towards the site, 1: the far end */
};

struct tconn {
	struct wapp *a;
	unsigned idx;
	unsigned nlegs;
	struct tcp *end[LEGS][2];
	struct tend ctx[LEGS][2];
	uint64_t left[2];          /* bytes each app end has yet to write */
	uint64_t req_got;          /* web, far end: of the request now */
	uint64_t resp_got;         /* web, site's end: of the object now */
};

/* A voice call: its talker and the listener's meter. */
struct vcall {
	struct wapp *a;
	unsigned idx;
	struct traffic *talk;
	struct voicecall *vc;
};

struct wapp {
	struct world *w;
	const struct sc_app *sc;   /* as the file says */
	struct flow *f;            /* the forward flow */
	struct tcp_cfg cfg, long_cfg; /* long_cfg: the backbone leg's */
	int accel;                 /* split at the PoPs */
	struct tconn *conns;
	unsigned nconns;
	int sender;                /* bulk: the app end with the data */
	uint64_t got;              /* bytes the receiving application read */
	sb_time done_at;           /* bulk: the last byte read, or -1 */
	/* web */
	unsigned objs_left, objs_pending, pages;
	sb_time page_start, loading; /* loading: time spent in page loads */
	sb_time *plt;
	size_t nplt, capplt;
	sb_timer next_page;
	/* voip */
	struct vcall *calls;
	unsigned ncalls;
	/* replay */
	struct trace *trace;
	struct traffic *replay;
};

static int
is_tcp(const struct sc_app *a)
{
	return a->kind == SC_APP_WEB || a->kind == SC_APP_BULK;
}

int
apps_count_flows(const struct scenario *sc)
{
	int n = 0;

	for (size_t i = 0; i < sc->napps; i++)
		n += is_tcp(&sc->apps[i]);
	return n;
}

/* The app whose return flow is the k-th. */
size_t
apps_flow_of(const struct scenario *sc, size_t k)
{
	for (size_t i = 0; i < sc->napps; i++)
		if (is_tcp(&sc->apps[i]) && k-- == 0)
			return i;
	return 0;
}

/* ---- legs on a route ---- */

/*
 * Where the legs of a split connection begin and end on a route, in
 * hops: b[L] to b[L + 1] for leg L.  The first ends past the ingress
 * PoP's tunnel and inspection, the last is the egress PoP's last hop
 * (its tunnel to the site, or the Internet to the destination).  A
 * mirror (the return flow's route) has the same bounds counted from the
 * other end.  Unsplit: one leg, the whole route.
 */
static void
leg_bounds(const struct tconn *c, const struct route *r, int mirrored,
    unsigned b[LEGS + 1])
{
	unsigned n = r->n, s1;

	b[0] = 0;
	if (c->nlegs == 1 || n < 2) {
		b[1] = b[2] = b[3] = n;
		return;
	}
	s1 = r->hop[mirrored ? n - 2 : 1].x != NULL && n > 2 ? 2 : 1;
	b[1] = s1;
	b[2] = n - 1 > s1 ? n - 1 : s1;
	b[3] = n;
}

/* Has p come to the end of its leg? */
int
app_leg_end(const struct flow *f, const struct sb_packet *p)
{
	const struct wapp *a = f->app;
	const struct tconn *c;
	unsigned b[LEGS + 1], n;

	if (!a->accel || p->tcp.flags == 0 || p->tcp.conn >= a->nconns)
		return 0;
	c = &a->conns[p->tcp.conn];
	leg_bounds(c, &f->routes[p->path], f->is_rev, b);
	n = f->routes[p->path].n;
	return f->is_rev ? p->hop == n - b[p->tcp.leg] :
	    p->hop == b[p->tcp.leg + 1];
}

/* ---- the connection's ends ---- */

static struct tcp *
app_end(const struct tconn *c, int side)
{
	return side == 0 ? c->end[0][0] : c->end[c->nlegs - 1][1];
}

/* A leg of no hops (ingress and egress PoP the same): the segment is
 * handed over inside the PoP, on no wire and in no counter, at once but
 * from the event queue, never from inside the sender's own call. */
static void
local_arrive(void *a, void *b)
{
	struct flow *f = a;
	struct sb_packet *p = b;

	app_deliver(f, p);
	pool_put(f->w->pool, p);
}

static int
is_app_end(const struct tend *e)
{
	return (e->side == 0 && e->leg == 0) ||
	    (e->side == 1 && (unsigned)e->leg == e->c->nlegs - 1);
}

static void
tend_send(void *ctx, struct sb_packet *p)
{
	struct tend *e = ctx;
	struct tconn *c = e->c;
	struct flow *f = e->side == 0 ? c->a->f : c->a->f->rev;
	struct flow *fw = c->a->f;
	unsigned b[LEGS + 1], from = 0, to;

	p->flow = (uint32_t)f->id;
	p->seq = f->npkts++;
	p->tcp.conn = (uint16_t)c->idx;
	p->tcp.leg = (uint8_t)e->leg;
	p->tcp.relayed = !is_app_end(e);
	if (e->side == 0 && e->leg == 0) {
		flow_send(f, p);    /* the site's Socket sends it */
		return;
	}
	/* with no route, the send below counts the packet lost */
	if (fw->cur != NONE_ROUTE) {
		leg_bounds(c, &fw->routes[fw->cur], 0, b);
		from = e->side == 0 ? b[e->leg] : b[3] - b[e->leg + 1];
		to = e->side == 0 ? b[e->leg + 1] : b[3] - b[e->leg];
		if (from == to) {
			if (kernel_at(f->w->k, kernel_now(f->w->k),
			    local_arrive, f, p) == 0)
				pool_put(f->w->pool, p);
			return;
		}
	}
	if (e->side == 0)
		flow_send_at(f, p, from);
	else
		rev_send(f, p, from);
}

/* Write what each app end has waiting, as far as its buffer takes it. */
static void
pump(struct tconn *c)
{
	for (int s = 0; s < 2; s++)
		if (c->left[s] > 0)
			c->left[s] -= tcp_write(app_end(c, s), c->left[s]);
}

/* What `in` has received, into `out`, as far as out's buffer takes it. */
static void
move(struct tcp *in, struct tcp *out)
{
	uint64_t n = tcp_readable(in), room = tcp_send_room(out);

	if (n > room)
		n = room;
	if (n > 0)
		tcp_write(out, tcp_read(in, n));
}

/* The PoP between leg and leg + 1 relays both ways. */
static void
relay(struct tconn *c, unsigned leg)
{
	move(c->end[leg][1], c->end[leg + 1][0]);
	move(c->end[leg + 1][0], c->end[leg][1]);
}

/* The PoP between leg and leg + 1, for end e (not an app end). */
static unsigned
relay_of(const struct tend *e)
{
	return e->side == 1 ? (unsigned)e->leg : (unsigned)e->leg - 1;
}

/* Room or a connection at e: an app end writes what it has waiting, a
 * PoP's end relays. */
static void
tend_writable(void *ctx, struct tcp *t)
{
	struct tend *e = ctx;

	(void)t;
	if (is_app_end(e))
		pump(e->c);
	else
		relay(e->c, relay_of(e));
}

static void
tend_connected(void *ctx, struct tcp *t)
{
	struct tend *e = ctx;
	struct tconn *c = e->c;

	/* a PoP that accepted a leg opens the next */
	if (e->side == 1 && (unsigned)e->leg + 1 < c->nlegs)
		tcp_connect(c->end[e->leg + 1][0]);
	tend_writable(ctx, t);
}

static void web_object_done(struct tconn *c);

static void
tend_readable(void *ctx, struct tcp *t, uint64_t avail)
{
	struct tend *e = ctx;
	struct tconn *c = e->c;
	struct wapp *a = c->a;
	struct world *w = a->w;
	uint64_t n;

	if (!is_app_end(e)) {
		relay(c, relay_of(e));
		return;
	}
	n = tcp_read(t, avail);
	if (a->sc->kind == SC_APP_BULK) {
		a->got += n;
		if (a->got >= a->sc->bytes && a->done_at < 0) {
			a->done_at = kernel_now(w->k);
			emit(w, "transfer-complete", a->f->home->sc->name,
			    a->sc->name, "the last byte is in",
			    (double)(a->done_at - a->sc->start) / 1e9);
		}
		return;
	}
	if (e->side == 1) {
		/* the server: each whole request asks for an object */
		c->req_got += n;
		while (c->req_got >= a->sc->request_bytes) {
			c->req_got -= a->sc->request_bytes;
			c->left[1] += a->sc->object_bytes;
		}
		pump(c);
		return;
	}
	a->got += n;
	c->resp_got += n;
	if (c->resp_got >= a->sc->object_bytes) {
		c->resp_got -= a->sc->object_bytes;
		web_object_done(c);
	}
}

static const struct tcp_ops tend_ops = { tend_send, tend_connected,
	tend_readable, tend_writable };

/* ---- web ---- */

static void
web_object_start(struct tconn *c)
{
	struct wapp *a = c->a;

	a->objs_left--;
	a->objs_pending++;
	c->left[0] += a->sc->request_bytes;
	pump(c);
}

static void
web_page(void *arg, void *unused)
{
	struct wapp *a = arg;
	struct world *w = a->w;

	(void)unused;
	a->next_page = 0;
	a->page_start = kernel_now(w->k);
	a->objs_left = a->sc->objects;
	for (unsigned i = 0; i < a->nconns && a->objs_left > 0; i++) {
		struct tconn *c = &a->conns[i];
		if (!tcp_established(c->end[0][0]))
			tcp_connect(c->end[0][0]);
		web_object_start(c);
	}
}

static void
web_page_done(struct wapp *a)
{
	struct world *w = a->w;
	sb_time now = kernel_now(w->k), plt = now - a->page_start, next;
	char what[64];

	if (a->nplt == a->capplt) {
		size_t cap = a->capplt ? 2 * a->capplt : 64;
		sb_time *v = realloc(a->plt, cap * sizeof(*v));
		if (v == NULL) {
			w->failed = 1;
			return;
		}
		a->plt = v;
		a->capplt = cap;
	}
	a->plt[a->nplt++] = plt;
	a->loading += plt;
	a->pages++;
	snprintf(what, sizeof(what), "page %u", a->pages);
	emit(w, "page-load", a->f->home->sc->name, a->sc->name, what,
	    (double)plt / 1e9);
	if (a->sc->pages != 0 && a->pages >= a->sc->pages)
		return;
	next = now + (sb_time)gsl_ran_exponential(a->f->rng,
	    (double)a->sc->think);
	if (next < a->sc->stop && next < w->sc->duration)
		a->next_page = kernel_at(w->k, next, web_page, a, NULL);
}

static void
web_object_done(struct tconn *c)
{
	struct wapp *a = c->a;

	a->objs_pending--;
	if (a->objs_left > 0)
		web_object_start(c);
	else if (a->objs_pending == 0)
		web_page_done(a);
}

/* ---- bulk ---- */

static void
bulk_start(void *arg, void *unused)
{
	struct wapp *a = arg;
	struct tconn *c = &a->conns[0];

	(void)unused;
	c->left[a->sender] = a->sc->bytes;
	tcp_connect(c->end[0][0]);
}

/* ---- voice ---- */

/* A call's packet: numbered within its call for the meter, and within
 * the app (call by call, round robin) for the flow's own counting. */
static void
vcall_send(void *ctx, struct sb_packet *p)
{
	struct vcall *v = ctx;

	voicecall_sent(v->vc, p->seq);
	p->seq = p->seq * v->a->ncalls + v->idx;
	flow_send(v->a->f, p);
}

static const enum emodel_codec codec_of[] = { EMODEL_G711, EMODEL_G729,
	EMODEL_OPUS };

static int
build_voip(struct wapp *a, char *err, size_t errlen)
{
	const struct sc_app *s = a->sc;

	a->ncalls = s->calls ? s->calls : 1;
	a->calls = calloc(a->ncalls, sizeof(*a->calls));
	if (a->calls == NULL)
		goto oom;
	for (unsigned i = 0; i < a->ncalls; i++) {
		struct vcall *v = &a->calls[i];
		v->a = a;
		v->idx = i;
		v->vc = voicecall_new(codec_of[s->codec], s->ptime,
		    s->jitter_buffer);
		if (v->vc == NULL)
			goto oom;
	}
	a->f->app = a;
	return 0;
oom:
	snprintf(err, errlen, "out of memory building application '%s'",
	    s->name);
	return -1;
}

/*
 * The talkers start a packet interval apart spread over the calls, so
 * that calls do not all send at the same instant; they stop a second
 * and a jitter buffer before the run ends (unless told to stop earlier),
 * so that what they sent has arrived, or is truly lost, when the calls
 * are rated.
 */
static int
start_voip(struct world *w, struct wapp *a)
{
	const struct sc_app *s = a->sc;
	sb_time last = w->sc->duration - SB_S - s->jitter_buffer;

	for (unsigned i = 0; i < a->ncalls; i++) {
		struct traffic_spec ts = {
			.arrivals = TRAFFIC_CBR,
			.sizes = TRAFFIC_SIZE_FIXED,
			.rate_bps = s->rate_bps,
			.packet_bytes = s->packet_bytes,
			.start = s->start + s->ptime * i / a->ncalls,
			.stop = s->stop < last ? s->stop : last,
		};
		a->calls[i].talk = traffic_new(w->k, w->pool, &ts,
		    (uint32_t)a->f->id, a->f->rng, vcall_send, &a->calls[i]);
		if (a->calls[i].talk == NULL)
			return -1;
	}
	return 0;
}

/* The worst call's R and MOS; NAN with no call rated. */
static void
voip_worst(const struct wapp *a, double *r, double *mos)
{
	*r = *mos = NAN;
	for (unsigned i = 0; i < a->ncalls; i++) {
		struct voicecall_report rep;
		if (voicecall_report(a->calls[i].vc, &rep) < 0)
			continue;
		if (isnan(*r) || rep.r < *r)
			*r = rep.r;
		if (isnan(*mos) || rep.mos < *mos)
			*mos = rep.mos;
	}
}

static void
voip_results(struct world *w, struct wapp *a)
{
	char subj[300];
	double r, mos;

	for (unsigned i = 0; i < a->ncalls; i++) {
		struct voicecall_report rep;
		if (voicecall_report(a->calls[i].vc, &rep) < 0)
			continue;
		snprintf(subj, sizeof(subj), "%s#%u", a->sc->name, i + 1);
		rec_check(w, recorder_metric(w->rec, "call", subj, "r-factor",
		    rep.r, "score"));
		rec_check(w, recorder_metric(w->rec, "call", subj, "mos",
		    rep.mos, "score"));
		rec_check(w, recorder_metric(w->rec, "call", subj,
		    "mouth-to-ear", (double)rep.ta, "ns"));
		rec_check(w, recorder_metric(w->rec, "call", subj,
		    "effective-loss", rep.ppl / 100.0, "fraction"));
		rec_check(w, recorder_metric(w->rec, "call", subj, "late",
		    (double)rep.late, "packets"));
		rec_check(w, recorder_metric(w->rec, "call", subj, "burst-ratio",
		    rep.burst_r, "score"));
	}
	voip_worst(a, &r, &mos);
	if (!isnan(r)) {
		rec_check(w, recorder_metric(w->rec, "flow", a->sc->name,
		    "r-factor", r, "score"));
		rec_check(w, recorder_metric(w->rec, "flow", a->sc->name, "mos",
		    mos, "score"));
	}
}

/* ---- replay ---- */

/* The capture's packets, with their spacing and sizes, from the app's
 * start on; what the capture's own addresses were does not matter, the
 * app's ends do. */
static int
start_replay(struct world *w, struct wapp *a)
{
	struct traffic_spec ts = {
		.arrivals = TRAFFIC_REPLAY,
		.start = a->sc->start,
		.stop = a->sc->stop < w->sc->duration ? a->sc->stop :
		    w->sc->duration,
		.replay = { trace_times(a->trace), trace_sizes(a->trace),
		    trace_count(a->trace) },
	};

	if (trace_count(a->trace) == 0)
		return 0;
	a->replay = traffic_new(w->k, w->pool, &ts, (uint32_t)a->f->id,
	    a->f->rng, flow_send, a->f);
	return a->replay == NULL ? -1 : 0;
}

static void
replay_results(struct world *w, struct wapp *a)
{
	uint64_t n = a->replay != NULL ? traffic_sent(a->replay) : 0, b = 0;

	for (uint64_t i = 0; i < n; i++)
		b += trace_size(a->trace, i);
	rec_check(w, recorder_metric(w->rec, "flow", a->sc->name,
	    "trace-packets", (double)trace_count(a->trace), "packets"));
	rec_check(w, recorder_metric(w->rec, "flow", a->sc->name,
	    "trace-bytes", (double)trace_bytes(a->trace), "bytes"));
	rec_check(w, recorder_metric(w->rec, "flow", a->sc->name,
	    "replayed-packets", (double)n, "packets"));
	rec_check(w, recorder_metric(w->rec, "flow", a->sc->name,
	    "replayed-bytes", (double)b, "bytes"));
}

/* ---- building ---- */

/* The MSS: the path MTU less the IPv4 and TCP headers and, through a
 * tunnel, the tunnel's own. */
static uint32_t
app_mss(const struct world *w, const struct sc_app *a)
{
	uint32_t mss = TUNNEL_MTU_DEFAULT - TCP_HDR;

	if (a->tcp.mss != 0)
		return a->tcp.mss;
	if (a->via == SC_VIA_BACKBONE)
		mss -= tunnel_mode_overhead(w->sc->tunnels.null_cipher ?
		    TUNNEL_NULL : TUNNEL_DTLS);
	return mss;
}

static int
build_tcp_app(struct world *w, struct wapp *a, char *err, size_t errlen)
{
	const struct sc_app *s = a->sc;

	tcp_cfg_default(&a->cfg);
	a->cfg.cc = s->tcp.cc == SC_CC_NEWRENO ? TCP_NEWRENO : TCP_CUBIC;
	if (s->tcp.rwnd != 0)
		a->cfg.rcvbuf = a->cfg.sndbuf = s->tcp.rwnd;
	if (s->tcp.init_cwnd != 0)
		a->cfg.init_cwnd = s->tcp.init_cwnd;
	if (s->tcp.min_rto != 0)
		a->cfg.min_rto = s->tcp.min_rto;
	a->cfg.mss = app_mss(w, s);
	a->nconns = s->kind == SC_APP_WEB ?
	    (s->connections < s->objects ? s->connections : s->objects) : 1;
	if (a->nconns == 0)
		a->nconns = 1;
	a->conns = calloc(a->nconns, sizeof(*a->conns));
	if (a->conns == NULL)
		goto oom;
	/* the backbone leg: CUBIC, and buffers for a long fat path */
	a->long_cfg = a->cfg;
	a->long_cfg.cc = TCP_CUBIC;
	if (a->long_cfg.rcvbuf < LONG_BUF)
		a->long_cfg.rcvbuf = a->long_cfg.sndbuf = LONG_BUF;
	if (a->long_cfg.init_cwnd < LONG_IW)
		a->long_cfg.init_cwnd = LONG_IW;
	for (unsigned i = 0; i < a->nconns; i++) {
		struct tconn *c = &a->conns[i];
		c->a = a;
		c->idx = i;
		c->nlegs = a->accel ? LEGS : 1;
		for (unsigned l = 0; l < c->nlegs; l++)
			for (int e = 0; e < 2; e++) {
				c->ctx[l][e] = (struct tend){ c, (int)l, e };
				c->end[l][e] = tcp_new(w->k, w->pool,
				    l == 1 ? &a->long_cfg : &a->cfg, &tend_ops,
				    &c->ctx[l][e]);
				if (c->end[l][e] == NULL)
					goto oom;
			}
	}
	a->sender = s->src < 0 ? 1 : 0;
	a->done_at = -1;
	return 0;
oom:
	snprintf(err, errlen, "out of memory building application '%s'",
	    s->name);
	return -1;
}

int
build_apps(struct world *w, char *err, size_t errlen)
{
	const struct scenario *sc = w->sc;

	w->apps = calloc(sc->napps ? sc->napps : 1, sizeof(*w->apps));
	if (w->apps == NULL) {
		snprintf(err, errlen, "out of memory building applications");
		return -1;
	}
	for (size_t i = 0; i < sc->napps; i++) {
		struct wapp *a = &w->apps[i];
		const struct sc_app *s = &sc->apps[i];
		int r;

		a->w = w;
		a->sc = s;
		a->f = &w->flows[i];
		a->done_at = -1;
		if (s->src < 0 && s->kind != SC_APP_BULK) {
			snprintf(err, errlen, "%s:%u:%u: application '%s': "
			    "only a bulk transfer can come from a destination "
			    "(a download); put the sender at a site",
			    sc->path, s->loc.line, s->loc.col, s->name);
			return -1;
		}
		if (s->kind == SC_APP_VOIP &&
		    build_voip(a, err, errlen) < 0)
			return -1;
		if (s->kind == SC_APP_REPLAY &&
		    (a->trace = trace_open(s->trace, s->filter, err,
		    errlen)) == NULL)
			return -1;
		if (!is_tcp(s))
			continue;
		a->f->app = a;
		a->f->rev->app = a;
		if (w->rules != NULL && s->via == SC_VIA_BACKBONE &&
		    (r = rules_match(w->rules, &a->f->rf, 1)) >= 0)
			a->accel = sc->rules[r].tcp_acceleration;
		if (build_tcp_app(w, a, err, errlen) < 0)
			return -1;
	}
	return 0;
}

int
start_apps(struct world *w)
{
	const struct scenario *sc = w->sc;

	for (size_t i = 0; i < sc->napps; i++) {
		struct wapp *a = &w->apps[i];

		if (sc->apps[i].kind == SC_APP_VOIP && start_voip(w, a) < 0)
			return -1;
		if (sc->apps[i].kind == SC_APP_REPLAY && start_replay(w, a) < 0)
			return -1;
		if (sc->apps[i].kind == SC_APP_BULK &&
		    kernel_at(w->k, a->sc->start, bulk_start, a, NULL) == 0)
			return -1;
		if (sc->apps[i].kind == SC_APP_WEB &&
		    (a->next_page = kernel_at(w->k, a->sc->start, web_page, a,
		    NULL)) == 0)
			return -1;
	}
	return 0;
}

void
free_apps(struct world *w)
{
	if (w->apps == NULL)
		return;
	for (size_t i = 0; i < w->sc->napps; i++) {
		struct wapp *a = &w->apps[i];

		for (unsigned j = 0; j < a->nconns; j++)
			for (unsigned l = 0; l < a->conns[j].nlegs; l++) {
				tcp_free(a->conns[j].end[l][0]);
				tcp_free(a->conns[j].end[l][1]);
			}
		free(a->conns);
		free(a->plt);
		for (unsigned j = 0; j < a->ncalls; j++) {
			traffic_free(a->calls[j].talk);
			voicecall_free(a->calls[j].vc);
		}
		free(a->calls);
		traffic_free(a->replay);
		trace_free(a->trace);
	}
	free(w->apps);
	w->apps = NULL;
}

/* A packet of an app's flow reached the other end. */
void
app_deliver(struct flow *f, struct sb_packet *p)
{
	struct wapp *a = f->app;

	if (a->ncalls > 0) {
		struct vcall *v = &a->calls[p->seq % a->ncalls];
		voicecall_arrived(v->vc, p->seq / a->ncalls,
		    kernel_now(f->w->k) - p->created);
		return;
	}
	if (p->tcp.flags != 0 && p->tcp.conn < a->nconns &&
	    p->tcp.leg < a->conns[p->tcp.conn].nlegs)
		tcp_input(a->conns[p->tcp.conn].end[p->tcp.leg][f->is_rev ?
		    0 : 1], p);
}

/* ---- results ---- */

static int
cmp_time(const void *x, const void *y)
{
	sb_time a = *(const sb_time *)x, b = *(const sb_time *)y;

	return a < b ? -1 : a > b;
}

/* The q-quantile of the page load times, nearest rank; NAN: no page. */
static double
plt_quantile(struct wapp *a, double q)
{
	size_t k;

	if (a->nplt == 0)
		return NAN;
	qsort(a->plt, a->nplt, sizeof(*a->plt), cmp_time);
	k = (size_t)ceil(q * (double)a->nplt);
	return (double)a->plt[k > 0 ? k - 1 : 0];
}

static void
tcp_totals(struct wapp *a, uint64_t *retx, uint64_t *rtos, uint64_t *segs)
{
	*retx = *rtos = *segs = 0;
	for (unsigned j = 0; j < a->nconns; j++)
		for (unsigned l = 0; l < a->conns[j].nlegs; l++)
		for (int e = 0; e < 2; e++) {
			const struct tcp_stats *s =
			    tcp_stats(a->conns[j].end[l][e]);
			*retx += s->retransmits;
			*rtos += s->rtos;
			*segs += s->segments;
		}
}

double
app_metric(struct world *w, int app, enum sc_metric m, sb_time end)
{
	struct wapp *a = &w->apps[app];
	uint64_t retx, rtos, segs;
	sb_time span;
	double r, mos;

	if (a->sc->kind == SC_APP_VOIP) {
		voip_worst(a, &r, &mos);
		return m == SC_M_MOS ? mos : m == SC_M_R_FACTOR ? r : NAN;
	}
	if (!is_tcp(a->sc))
		return NAN;
	tcp_totals(a, &retx, &rtos, &segs);
	switch (m) {
	case SC_M_PAGE_LOAD_P50:
		return plt_quantile(a, 0.5);
	case SC_M_PAGE_LOAD_P95:
		return plt_quantile(a, 0.95);
	case SC_M_COMPLETION_TIME:
		return a->done_at >= 0 ? (double)(a->done_at - a->sc->start) :
		    NAN;
	case SC_M_GOODPUT:
		if (a->sc->kind == SC_APP_WEB)
			span = a->loading;
		else
			span = (a->done_at >= 0 ? a->done_at : end) -
			    a->sc->start;
		return span > 0 ? (double)a->got * 8e9 / (double)span : NAN;
	case SC_M_RETRANSMITS:
		return (double)retx;
	case SC_M_RTOS:
		return (double)rtos;
	default:
		return NAN;
	}
}

void
apps_results(struct world *w, sb_time end)
{
	static const enum sc_metric tcp_m[] = { SC_M_PAGE_LOAD_P50,
	    SC_M_PAGE_LOAD_P95, SC_M_COMPLETION_TIME, SC_M_GOODPUT,
	    SC_M_RETRANSMITS, SC_M_RTOS };
	const struct scenario *sc = w->sc;

	if (w->rec == NULL)
		return;
	for (size_t i = 0; i < sc->napps; i++) {
		struct wapp *a = &w->apps[i];
		uint64_t retx, rtos, segs;

		if (a->sc->kind == SC_APP_VOIP)
			voip_results(w, a);
		if (a->sc->kind == SC_APP_REPLAY)
			replay_results(w, a);
		if (!is_tcp(a->sc))
			continue;
		for (size_t m = 0; m < sizeof(tcp_m) / sizeof(*tcp_m); m++) {
			double v = app_metric(w, (int)i, tcp_m[m], end);
			if (!isnan(v))
				rec_check(w, recorder_metric(w->rec, "flow",
				    a->sc->name, sc_metric_name(tcp_m[m]), v,
				    sc_metric_unit(tcp_m[m])));
		}
		tcp_totals(a, &retx, &rtos, &segs);
		rec_check(w, recorder_metric(w->rec, "flow", a->sc->name,
		    "segments", (double)segs, "packets"));
		rec_check(w, recorder_metric(w->rec, "flow", a->sc->name,
		    "bytes-received", (double)a->got, "bytes"));
		if (a->sc->kind == SC_APP_WEB)
			rec_check(w, recorder_metric(w->rec, "flow",
			    a->sc->name, "pages", (double)a->nplt, "count"));
		if (a->sc->kind == SC_APP_BULK && a->done_at < 0)
			emit(w, "transfer-incomplete", a->f->home->sc->name,
			    a->sc->name, "the run ended first",
			    (double)a->got / (double)a->sc->bytes);
	}
}
