/*
 * The PoP agent: measured link state on the backbone (see wan/pop.h).
 *
 * Three messages, all in network byte order:
 *
 *   probe, echo  type(1) version(1) from(2) seq(4) sent(8)
 *   advert       type(1) version(1) origin(2) seq(4) nlinks(2) nprefix(2)
 *                then nlinks x { peer(2) cost_us(4) }
 *                then nprefix x { addr(4) len(1) pref(1) }
 *
 * A probe goes out on every port each probe interval; the far PoP sends
 * it back as an echo, so the round trip is measured on the sender's own
 * clock.  An advert lists the PoP's usable links with their cost and its
 * prefixes; it is flooded (a PoP passes on an advert newer than the one
 * it holds to every other neighbour) and re-sent every refresh interval.
 * A link counts in the shortest-path computation only when both ends
 * advertise it, so a PoP that dies vanishes from every path once its
 * neighbours notice, whatever its last advert said.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "wan/byteorder.h"
#include "wan/inet.h"
#include "wan/fib.h"
#include "wan/pop.h"

#define VERSION 1
#define T_PROBE 1
#define T_ECHO 2
#define T_ADVERT 3

#define PROBE_LEN 16
#define ADVERT_HDR 12
#define LINK_LEN 6
#define PREFIX_LEN 6
#define UNDERLAY_HDR 28      /* IPv4 + UDP around each message */

#define RING_MAX 1024
#define SPF_DELAY (5 * SB_MS) /* batch the adverts of one event */
/* Our own adverts go no closer together than this: news after a quiet
 * spell goes at once, news that keeps coming (ports coming up one by one
 * as their first echoes arrive) goes in batches. */
#define ORIGINATE_HOLD (50 * SB_MS)
#define COST_MAX ((sb_time)UINT32_MAX * SB_US)

struct port {
	int peer;
	char name[64];
	int up;
	uint32_t seq;              /* next probe */
	sb_time last_echo;         /* when the last echo came */
	sb_time srtt, rttvar;
	int have_rtt;
	sb_time *sent_at;          /* ring by seq: when sent, 0: never */
	uint8_t *answered;
	sb_time adv;               /* cost advertised; NEVER: not usable */
	uint64_t probes, echoes;
};

struct plink {
	uint16_t peer;
	uint32_t cost_us;
};

struct pfx {
	uint32_t addr;
	uint8_t len, pref;
};

struct advert {
	int valid;
	uint32_t seq;
	sb_time heard;
	unsigned nlinks, npfx;
	struct plink *links;       /* npops */
	struct pfx *pfx;           /* POP_MAX_PREFIXES */
};

struct local {
	uint32_t addr;
	uint8_t len, pref;
	int handle;
};

struct pop {
	const struct sb_platform *pf;
	struct pop_config cfg;
	int running;
	struct port *ports;
	unsigned nring;
	struct advert *db;         /* npops, by origin; db[id] is ours */
	uint32_t my_seq;
	sb_timer probe_t, spf_t, refresh_t, orig_t;
	sb_time last_orig;         /* our last advert; NEVER: none yet */
	/* the result of the last shortest-path run */
	sb_time *dist;
	int *nh_port;
	int *best;                 /* per neighbour: its best usable port */
	/* scratch for the run, kept to allocate nothing then */
	sb_time *tdist;
	int *tfirst;
	uint8_t *done;
	uint8_t *fresh;            /* per origin: its advert counts */
	sb_time *ecost;            /* npops x npops: see edge_table() */
	struct local *local;
	size_t nlocal, caplocal;
	struct fib *fib;           /* every advert's prefixes, for egress */
	int fib_stale;             /* the adverts' prefixes changed since */
	/* what the last shortest-path run was made from, besides fresh[]:
	 * a run from the same is not made again */
	int links_changed;         /* an advert's links changed since, or
	                              there was no run */
	int *spf_best;             /* best[] then */
};

/* ---- bytes ---- */

static void
put64(uint8_t *b, uint64_t v)
{
	put32(b, (uint32_t)(v >> 32));
	put32(b + 4, (uint32_t)v);
}

static uint64_t
get64(const uint8_t *b)
{
	return (uint64_t)get32(b) << 32 | get32(b + 4);
}

/* ---- small helpers ---- */

static void
event(struct pop *p, const char *kind, const char *subject,
    const char *detail, double value)
{
	struct sb_event ev = { kind, p->cfg.name, subject, detail, value };

	p->pf->ops->emit(p->pf->ctx, &ev);
}

static const char *
pop_name(const struct pop *p, int id)
{
	return p->cfg.names != NULL ? p->cfg.names[id] : "?";
}

static struct sb_packet *
message(struct pop *p, size_t len)
{
	struct sb_packet *m = p->pf->ops->packet_new(p->pf->ctx);

	if (m == NULL)
		return NULL;
	if (m->data == NULL || m->cap < len) {
		p->pf->ops->packet_free(p->pf->ctx, m);
		return NULL;
	}
	m->len = (uint32_t)len;
	m->size = (uint32_t)len + UNDERLAY_HDR;
	m->flow = SB_FLOW_NONE;
	m->created = sb_now(p->pf);
	return m;
}

static void
send_on(struct pop *p, unsigned port, struct sb_packet *m)
{
	p->pf->ops->send(p->pf->ctx, port, m);
}

/* A port's advertised cost changes: its neighbour's best usable port
 * (lowest cost, then the lowest number; -1 when every port to it is down)
 * is worked out again here, once, rather than at every lookup. */
static void
port_adv(struct pop *p, unsigned k, sb_time c)
{
	int peer = p->ports[k].peer, best = -1;

	p->ports[k].adv = c;
	for (unsigned j = 0; j < p->cfg.nports; j++) {
		const struct port *o = &p->ports[j];
		if (o->peer != peer || !o->up || o->adv == SB_TIME_NEVER)
			continue;
		if (best < 0 || o->adv < p->ports[best].adv)
			best = (int)j;
	}
	p->best[peer] = best;
}

/* ---- adverts ---- */

static size_t
advert_len(const struct advert *a)
{
	return ADVERT_HDR + a->nlinks * LINK_LEN + a->npfx * PREFIX_LEN;
}

static struct sb_packet *
advert_encode(struct pop *p, int origin)
{
	const struct advert *a = &p->db[origin];
	struct sb_packet *m = message(p, advert_len(a));
	uint8_t *b;

	if (m == NULL)
		return NULL;
	b = m->data;
	b[0] = T_ADVERT;
	b[1] = VERSION;
	put16(b + 2, (uint16_t)origin);
	put32(b + 4, a->seq);
	put16(b + 8, (uint16_t)a->nlinks);
	put16(b + 10, (uint16_t)a->npfx);
	b += ADVERT_HDR;
	for (unsigned i = 0; i < a->nlinks; i++, b += LINK_LEN) {
		put16(b, a->links[i].peer);
		put32(b + 2, a->links[i].cost_us);
	}
	for (unsigned i = 0; i < a->npfx; i++, b += PREFIX_LEN) {
		put32(b, a->pfx[i].addr);
		b[4] = a->pfx[i].len;
		b[5] = a->pfx[i].pref;
	}
	return m;
}

/* Does the origin's advert list peer as a neighbour it reaches? */
static int
lists(const struct advert *a, int peer)
{
	for (unsigned i = 0; i < a->nlinks; i++)
		if (a->links[i].peer == peer)
			return 1;
	return 0;
}

/*
 * Send the advert of `origin` to every neighbour but `except`, once
 * each, on its best port.  A neighbour that the origin lists as its own
 * got the advert from the origin itself and is left out: on a full mesh
 * of n PoPs that makes an advert n - 1 messages rather than (n - 1)^2,
 * and a round in which every PoP has news n^2 rather than n^3 (at 85
 * PoPs, 7,000 messages rather than 600,000).  What this gives up is the
 * second copies that used to cover an advert lost on the way; a link
 * still counts only when both its ends advertise it, so a stale view
 * never keeps a dead link, and the next advert (a change or the refresh)
 * mends the rest.
 */
static void
flood(struct pop *p, int origin, int except)
{
	const struct advert *a = &p->db[origin];
	int relay = origin != p->cfg.id;

	for (unsigned k = 0; k < p->cfg.nports; k++) {
		struct sb_packet *m;
		int peer = p->ports[k].peer;

		if (peer == except || p->best[peer] != (int)k ||
		    (relay && lists(a, peer)))
			continue;
		if ((m = advert_encode(p, origin)) != NULL)
			send_on(p, k, m);
	}
}

static void spf_fire(void *arg);

static void
spf_soon(struct pop *p)
{
	/* one run for all the news of one moment */
	if (p->spf_t == 0)
		sb_timer_set(p->pf, &p->spf_t, sb_now(p->pf) + SPF_DELAY,
		    spf_fire, p);
}

static int
same_prefixes(const struct advert *a, const struct pfx *v, unsigned n)
{
	if (!a->valid || a->npfx != n)
		return 0;
	/* field by field: the structs' padding is not the wire's */
	for (unsigned i = 0; i < n; i++)
		if (a->pfx[i].addr != v[i].addr || a->pfx[i].len != v[i].len ||
		    a->pfx[i].pref != v[i].pref)
			return 0;
	return 1;
}

static int
same_links(const struct advert *a, const struct plink *v, unsigned n)
{
	if (a->nlinks != n)
		return 0;
	for (unsigned i = 0; i < n; i++)
		if (a->links[i].peer != v[i].peer ||
		    a->links[i].cost_us != v[i].cost_us)
			return 0;
	return 1;
}

/* Our own advert from what the ports measure and the tunnels hold, as
 * our own routes see it; sent or not. */
static void
rebuild(struct pop *p)
{
	struct advert *a = &p->db[p->cfg.id];
	struct pfx old[POP_MAX_PREFIXES];
	struct plink oldl[POP_MAX];
	unsigned nold = a->valid ? a->npfx : 0, noldl = a->nlinks;
	int seen[POP_MAX];

	memcpy(old, a->pfx, nold * sizeof(old[0]));
	memcpy(oldl, a->links, noldl * sizeof(oldl[0]));
	memset(seen, 0, sizeof(seen));
	a->nlinks = 0;
	for (unsigned k = 0; k < p->cfg.nports; k++) {
		int peer = p->ports[k].peer, b = p->best[peer];
		sb_time c;

		if (b < 0 || seen[peer])
			continue;
		seen[peer] = 1;
		c = p->ports[b].adv / SB_US;
		a->links[a->nlinks].peer = (uint16_t)peer;
		a->links[a->nlinks++].cost_us = c < 1 ? 1 : (uint32_t)c;
	}
	a->npfx = 0;
	for (size_t i = 0; i < p->nlocal; i++) {
		const struct local *l = &p->local[i];
		unsigned j;

		for (j = 0; j < a->npfx; j++)
			if (a->pfx[j].addr == l->addr && a->pfx[j].len == l->len)
				break;
		if (j < a->npfx) {
			if (l->pref < a->pfx[j].pref)
				a->pfx[j].pref = l->pref;
			continue;
		}
		if (a->npfx == POP_MAX_PREFIXES ||
		    advert_len(a) + PREFIX_LEN > SB_PACKET_BUF) {
			event(p, "bb-advert-full", NULL, "prefixes left out", 0);
			break;
		}
		a->pfx[a->npfx++] = (struct pfx){ l->addr, l->len, l->pref };
	}
	if (!same_prefixes(a, old, nold))
		p->fib_stale = 1;
	if (!a->valid || !same_links(a, oldl, noldl))
		p->links_changed = 1;
	a->heard = sb_now(p->pf);
	a->valid = 1;
}

/* Our advert, made anew and sent now. */
static void
originate(struct pop *p)
{
	struct advert *a = &p->db[p->cfg.id];

	rebuild(p);
	a->seq = ++p->my_seq;
	p->last_orig = a->heard;
	sb_timer_stop(p->pf, &p->orig_t);
	flood(p, p->cfg.id, -1);
	spf_soon(p);
}

static void
originate_fire(void *arg)
{
	struct pop *p = arg;

	p->orig_t = 0;
	originate(p);
}

/* News of our own: in our routes at once; to the others now, or at the
 * end of the hold. */
static void
originate_soon(struct pop *p)
{
	sb_time now = sb_now(p->pf);

	if (p->orig_t == 0 && (p->last_orig == SB_TIME_NEVER ||
	    now >= p->last_orig + ORIGINATE_HOLD)) {
		originate(p);         /* rebuilds, and runs the SPF soon */
		return;
	}
	rebuild(p);
	spf_soon(p);
	if (p->orig_t == 0)
		sb_timer_set(p->pf, &p->orig_t, p->last_orig + ORIGINATE_HOLD,
		    originate_fire, p);
}

/* Does the advert at b (header first, lengths checked) say what a says? */
static int
advert_is(const struct advert *a, const uint8_t *b, unsigned nl, unsigned np)
{
	if (!a->valid || a->nlinks != nl || a->npfx != np)
		return 0;
	b += ADVERT_HDR;
	for (unsigned i = 0; i < nl; i++, b += LINK_LEN)
		if (get16(b) != a->links[i].peer ||
		    get32(b + 2) != a->links[i].cost_us)
			return 0;
	for (unsigned i = 0; i < np; i++, b += PREFIX_LEN)
		if (get32(b) != a->pfx[i].addr || b[4] != a->pfx[i].len ||
		    b[5] != a->pfx[i].pref)
			return 0;
	return 1;
}

/* Send neighbour on port k the adverts we hold: all of them, or only
 * those of origins that do not reach it themselves. */
static void
tell_all(struct pop *p, unsigned k, int all)
{
	int peer = p->ports[k].peer;

	for (unsigned i = 0; i < p->cfg.npops; i++) {
		struct sb_packet *m;
		if ((int)i == p->cfg.id || !p->db[i].valid || (!all &&
		    ((int)i == peer || lists(&p->db[i], peer))))
			continue;
		if ((m = advert_encode(p, (int)i)) != NULL)
			send_on(p, k, m);
	}
}

static void
advert_input(struct pop *p, unsigned port, const uint8_t *b, size_t len)
{
	unsigned origin, nl, np;
	uint32_t seq;
	struct advert *a;
	struct pfx tmp[POP_MAX_PREFIXES];
	int pfx_changed;

	if (len < ADVERT_HDR)
		return;
	origin = get16(b + 2);
	seq = get32(b + 4);
	nl = get16(b + 8);
	np = get16(b + 10);
	if (origin >= p->cfg.npops || nl > p->cfg.npops ||
	    np > POP_MAX_PREFIXES ||
	    len < ADVERT_HDR + nl * LINK_LEN + np * PREFIX_LEN)
		return;
	a = &p->db[origin];
	if ((int)origin == p->cfg.id) {
		/* Ours from before a restart (newer than the one we hold,
		 * or numbered the same and saying something else): go on
		 * past it.  Our current one, relayed back to us round a
		 * triangle whose two sides beat the third, is no news;
		 * taking it for news re-flooded every PoP's advert without
		 * end, a storm that grew as the cube of the PoPs. */
		if ((int32_t)(seq - p->my_seq) > 0 || (seq == p->my_seq &&
		    !advert_is(&p->db[origin], b, nl, np))) {
			p->my_seq = seq;
			originate(p);
		}
		return;
	}
	if (a->valid && (int)origin == p->ports[port].peer &&
	    ((int32_t)(seq - a->seq) < 0 || (seq == a->seq &&
	    !advert_is(a, b, nl, np)))) {
		/* A neighbour's own advert older than the one we hold (or
		 * numbered the same and saying something else): it
		 * restarted and knows nothing, its old advert included
		 * (which it needs, to number past it). */
		tell_all(p, port, 1);
		return;
	}
	if (a->valid && (int32_t)(seq - a->seq) <= 0)
		return;
	b += ADVERT_HDR;
	for (unsigned i = 0; i < np; i++) {
		const uint8_t *q = b + nl * LINK_LEN + i * PREFIX_LEN;
		/* a prefix longer than an address is malformed, and would
		 * make a mask of an undefined shift (the fuzz target found
		 * it): the whole advert goes, as one cut short does */
		if (q[4] > 32)
			return;
		tmp[i] = (struct pfx){ get32(q), q[4], q[5] };
	}
	pfx_changed = !same_prefixes(a, tmp, np);
	p->fib_stale |= pfx_changed;
	{
		struct plink l[POP_MAX];
		unsigned n = 0;
		for (unsigned i = 0; i < nl; i++, b += LINK_LEN) {
			unsigned peer = get16(b);
			if (peer >= p->cfg.npops)
				continue;
			l[n].peer = (uint16_t)peer;
			l[n++].cost_us = get32(b + 2);
		}
		if (!a->valid || !same_links(a, l, n)) {
			p->links_changed = 1;
			memcpy(a->links, l, n * sizeof(l[0]));
			a->nlinks = n;
		}
	}
	a->valid = 1;
	a->seq = seq;
	a->heard = sb_now(p->pf);
	memcpy(a->pfx, tmp, np * sizeof(tmp[0]));
	a->npfx = np;
	flood(p, (int)origin, p->ports[port].peer);
	spf_soon(p);
	if (pfx_changed && p->cfg.changed != NULL)
		p->cfg.changed(p->cfg.changed_ctx);
}

/* ---- shortest paths ---- */

static int
fresh(const struct pop *p, int id, sb_time now)
{
	const struct advert *a = &p->db[id];

	if (!a->valid)
		return 0;
	if (id == p->cfg.id)
		return 1;
	return now - a->heard <= 3 * p->cfg.refresh;
}

/*
 * The run reads each edge's cost from a table made once per run: u's
 * advertised cost to v (the last of its entries for v), -1 where u does
 * not list v.  Looking each edge up in the two adverts instead made a
 * run cubic in the PoPs (85 PoPs: 1.2 million steps, and every advert
 * that comes triggers one): the largest cost of a big backbone.
 */
static void
edge_table(struct pop *p, sb_time now)
{
	unsigned n = p->cfg.npops;

	for (size_t i = 0; i < (size_t)n * n; i++)
		p->ecost[i] = -1;
	for (unsigned u = 0; u < n; u++) {
		const struct advert *a = &p->db[u];

		p->fresh[u] = (uint8_t)fresh(p, (int)u, now);
		for (unsigned i = 0; i < a->nlinks; i++)
			p->ecost[(size_t)u * n + a->links[i].peer] =
			    (sb_time)a->links[i].cost_us * SB_US;
	}
}

/* u's advertised cost to v if v advertises u too, else -1. */
static sb_time
edge(const struct pop *p, int u, int v)
{
	size_t n = p->cfg.npops;

	if (p->ecost[(size_t)v * n + (size_t)u] < 0)
		return -1;
	return p->ecost[(size_t)u * n + (size_t)v];
}

/*
 * Would a run now be made from what the last one was?  The same adverts'
 * links, the same of them fresh, the same best port to each neighbour:
 * then it would give the same paths, and most adverts are refreshes of
 * what a PoP already holds (every PoP's, every refresh period).
 */
static int
spf_same(const struct pop *p, sb_time now)
{
	unsigned n = p->cfg.npops;

	if (p->links_changed)
		return 0;
	for (unsigned u = 0; u < n; u++)
		if (p->fresh[u] != (uint8_t)fresh(p, (int)u, now))
			return 0;
	return memcmp(p->spf_best, p->best, n * sizeof(*p->best)) == 0;
}

static void
spf_fire(void *arg)
{
	struct pop *p = arg;
	unsigned n = p->cfg.npops;
	int self = p->cfg.id, changed = 0;
	sb_time now = sb_now(p->pf);

	p->spf_t = 0;
	if (spf_same(p, now))
		return;
	p->links_changed = 0;
	memcpy(p->spf_best, p->best, n * sizeof(*p->best));
	edge_table(p, now);
	for (unsigned i = 0; i < n; i++) {
		p->tdist[i] = SB_TIME_NEVER;
		p->tfirst[i] = -1;
		p->done[i] = 0;
	}
	p->tdist[self] = 0;
	for (;;) {
		int u = -1;
		for (unsigned i = 0; i < n; i++)
			if (!p->done[i] && p->tdist[i] != SB_TIME_NEVER &&
			    (u < 0 || p->tdist[i] < p->tdist[u]))
				u = (int)i;
		if (u < 0)
			break;
		p->done[u] = 1;
		if (!p->fresh[u])
			continue;
		for (unsigned i = 0; i < p->db[u].nlinks; i++) {
			int v = p->db[u].links[i].peer;
			sb_time c;
			if (p->done[v] || !p->fresh[v] ||
			    (c = edge(p, u, v)) < 0)
				continue;
			if (p->tdist[u] + c < p->tdist[v]) {
				p->tdist[v] = p->tdist[u] + c;
				p->tfirst[v] = u == self ? v : p->tfirst[u];
			}
		}
	}
	for (unsigned i = 0; i < n; i++) {
		int port = -1;
		char detail[160];

		if ((int)i != self && p->tfirst[i] >= 0)
			port = p->best[p->tfirst[i]];
		if (port < 0)
			p->tdist[i] = (int)i == self ? 0 : SB_TIME_NEVER;
		p->dist[i] = p->tdist[i];
		if (port == p->nh_port[i])
			continue;
		p->nh_port[i] = port;
		changed = 1;
		if (port < 0)
			snprintf(detail, sizeof(detail), "unreachable");
		else
			snprintf(detail, sizeof(detail), "via %s over %s",
			    pop_name(p, p->ports[port].peer),
			    p->ports[port].name);
		event(p, "bb-route", pop_name(p, (int)i), detail,
		    port < 0 ? -1 : (double)p->dist[i] / 1e6);
	}
	if (changed && p->cfg.changed != NULL)
		p->cfg.changed(p->cfg.changed_ctx);
}

/* ---- probes ---- */

/* Loss over the window: probes old enough to have had their echo, one
 * lone loss forgiven (a single lost probe says little about a link and
 * would otherwise move routes back and forth on a healthy one). */
static double
port_loss(const struct pop *p, const struct port *o, sb_time now)
{
	sb_time grace = p->cfg.probe + (o->have_rtt ? 2 * o->srtt +
	    4 * o->rttvar : p->cfg.probe);
	unsigned sent = 0, lost = 0;

	for (unsigned i = 0; i < p->nring; i++) {
		sb_time t = o->sent_at[i];
		if (t == 0 || now - t > p->cfg.window || now - t < grace)
			continue;
		sent++;
		lost += !o->answered[i];
	}
	if (sent == 0 || lost <= 1)
		return 0;
	return (double)(lost - 1) / sent;
}

static sb_time
port_cost(const struct pop *p, const struct port *o, sb_time now)
{
	double c;

	if (!o->up || !o->have_rtt)
		return SB_TIME_NEVER;
	c = (double)(o->srtt + o->rttvar) / 2 +
	    port_loss(p, o, now) * (double)p->cfg.loss_weight;
	return c > (double)COST_MAX ? COST_MAX : (sb_time)c;
}

static void
port_set_up(struct pop *p, unsigned k, int up, const char *why)
{
	struct port *o = &p->ports[k];

	if (o->up == up)
		return;
	o->up = up;
	event(p, up ? "bb-link-up" : "bb-link-down", o->name, why,
	    o->have_rtt ? (double)o->srtt / 1e6 : 0);
	if (!up) {
		port_adv(p, k, SB_TIME_NEVER);
		return;
	}
	/* A neighbour back: tell it what it cannot hear from the origins
	 * themselves (their ports to it come up too, and they say so).
	 * One that restarted and knows nothing is told everything when
	 * its first advert shows it (advert_input). */
	port_adv(p, k, port_cost(p, o, sb_now(p->pf)));
	tell_all(p, k, 0);
}

/* Is the new cost far enough from the advertised one to say so?  Small
 * moves are measurement noise; saying each would flood for nothing. */
static int
worth_telling(sb_time adv, sb_time c)
{
	sb_time d, margin;

	if (adv == SB_TIME_NEVER || c == SB_TIME_NEVER)
		return adv != c;
	d = c > adv ? c - adv : adv - c;
	margin = adv / 5 > SB_MS ? adv / 5 : SB_MS;
	return d > margin;
}

static void
probe_fire(void *arg)
{
	struct pop *p = arg;
	sb_time now = sb_now(p->pf);
	int tell = 0;

	p->probe_t = 0;
	for (unsigned k = 0; k < p->cfg.nports; k++) {
		struct port *o = &p->ports[k];
		sb_time margin = o->have_rtt ? 4 * o->rttvar : 0, c;
		struct sb_packet *m;
		int was_up = o->up;

		if (o->up && now - o->last_echo >
		    (sb_time)p->cfg.misses * p->cfg.probe + margin) {
			char why[64];
			snprintf(why, sizeof(why), "%u probes unanswered",
			    p->cfg.misses);
			port_set_up(p, k, 0, why);
		}
		c = port_cost(p, o, now);
		if (was_up != o->up || worth_telling(o->adv, c)) {
			if (o->up && o->adv != SB_TIME_NEVER &&
			    c != SB_TIME_NEVER)
				event(p, "bb-link-cost", o->name, NULL,
				    (double)c / 1e6);
			port_adv(p, k, c);
			tell = 1;
		}
		if ((m = message(p, PROBE_LEN)) == NULL)
			continue;
		m->data[0] = T_PROBE;
		m->data[1] = VERSION;
		put16(m->data + 2, (uint16_t)p->cfg.id);
		put32(m->data + 4, o->seq);
		put64(m->data + 8, (uint64_t)now);
		o->sent_at[o->seq % p->nring] = now;
		o->answered[o->seq % p->nring] = 0;
		o->seq++;
		o->probes++;
		send_on(p, k, m);
	}
	if (tell)
		originate_soon(p);
	sb_timer_set(p->pf, &p->probe_t, now + p->cfg.probe, probe_fire, p);
}

static void
echo_input(struct pop *p, unsigned k, const uint8_t *b)
{
	struct port *o = &p->ports[k];
	uint32_t seq = get32(b + 4);
	sb_time sent = (sb_time)get64(b + 8), now = sb_now(p->pf), rtt;
	unsigned slot = seq % p->nring;

	if (o->sent_at[slot] != sent || o->answered[slot])
		return;               /* not ours, stale or a duplicate */
	o->answered[slot] = 1;
	o->echoes++;
	o->last_echo = now;
	rtt = now - sent;
	/* RFC 6298's estimators: they are what the cost is made of */
	if (!o->have_rtt) {
		o->srtt = rtt;
		o->rttvar = rtt / 2;
		o->have_rtt = 1;
	} else {
		sb_time d = o->srtt > rtt ? o->srtt - rtt : rtt - o->srtt;
		o->rttvar += (d - o->rttvar) / 4;
		o->srtt += (rtt - o->srtt) / 8;
	}
	if (!o->up) {
		port_set_up(p, k, 1, "echo heard");
		originate_soon(p);
	}
}

void
pop_input(struct pop *p, unsigned port, struct sb_packet *m)
{
	const uint8_t *b = m->data;

	if (!p->running || port >= p->cfg.nports || b == NULL || m->len < 2 ||
	    b[1] != VERSION) {
		p->pf->ops->packet_free(p->pf->ctx, m);
		return;
	}
	switch (b[0]) {
	case T_PROBE:
		if (m->len >= PROBE_LEN) {
			/* back the way it came, as it is */
			m->data[0] = T_ECHO;
			send_on(p, port, m);
			return;
		}
		break;
	case T_ECHO:
		if (m->len >= PROBE_LEN && (int)get16(b + 2) == p->cfg.id)
			echo_input(p, port, b);
		break;
	case T_ADVERT:
		advert_input(p, port, b, m->len);
		break;
	}
	p->pf->ops->packet_free(p->pf->ctx, m);
}

static void
refresh_fire(void *arg)
{
	struct pop *p = arg;

	originate(p);
	sb_timer_set(p->pf, &p->refresh_t, sb_now(p->pf) + p->cfg.refresh,
	    refresh_fire, p);
	/* adverts age out between refreshes: look again */
	spf_soon(p);
}

/* ---- life ---- */

static void
forget(struct pop *p)
{
	for (unsigned k = 0; k < p->cfg.nports; k++) {
		struct port *o = &p->ports[k];
		o->up = 0;
		o->have_rtt = 0;
		o->srtt = o->rttvar = 0;
		o->adv = SB_TIME_NEVER;
		o->last_echo = 0;
		memset(o->sent_at, 0, p->nring * sizeof(*o->sent_at));
		memset(o->answered, 0, p->nring);
	}
	p->last_orig = SB_TIME_NEVER;
	/* A crash loses the sequence number too.  Numbering on past it
	 * instead hid the restart from the neighbours: our first advert was
	 * simply newer, so none of them sent us the adverts we had lost
	 * (advert_input), and one whose probes had not missed us (an outage
	 * shorter than `misses` probes) had no port coming up to tell us
	 * either; we had no routes until their next refresh. */
	p->my_seq = 0;
	for (unsigned i = 0; i < p->cfg.npops; i++) {
		p->best[i] = -1;
		p->db[i].valid = 0;
		p->db[i].nlinks = p->db[i].npfx = 0;
		p->fib_stale = 1;
		p->links_changed = 1;
		p->dist[i] = (int)i == p->cfg.id ? 0 : SB_TIME_NEVER;
		p->nh_port[i] = -1;
	}
}

struct pop *
pop_new(const struct sb_platform *pf, const struct pop_config *cfg,
    char *err, size_t errlen)
{
	struct pop *p;
	unsigned n = cfg->npops;

	if (n == 0 || n > POP_MAX || cfg->id < 0 || (unsigned)cfg->id >= n) {
		snprintf(err, errlen, "PoP %s: %u PoPs (at most %d)",
		    cfg->name, n, POP_MAX);
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		goto oom;
	p->pf = pf;
	p->cfg = *cfg;
	/* the names themselves must outlive the agent; the array need not */
	if (cfg->names != NULL) {
		const char **v = calloc(n, sizeof(*v));
		if (v == NULL)
			goto oom;
		memcpy(v, cfg->names, n * sizeof(*v));
		p->cfg.names = v;
	}
	p->cfg.port_peer = NULL;
	p->cfg.port_name = NULL;
	if (p->cfg.probe <= 0)
		p->cfg.probe = POP_DEFAULT_PROBE;
	if (p->cfg.misses == 0)
		p->cfg.misses = POP_DEFAULT_MISSES;
	if (p->cfg.window <= 0)
		p->cfg.window = POP_DEFAULT_WINDOW;
	if (p->cfg.loss_weight <= 0)
		p->cfg.loss_weight = POP_DEFAULT_LOSS_WEIGHT;
	if (p->cfg.refresh <= 0)
		p->cfg.refresh = POP_DEFAULT_REFRESH;
	p->nring = (unsigned)(p->cfg.window / p->cfg.probe) + 2;
	if (p->nring > RING_MAX)
		p->nring = RING_MAX;
	p->ports = calloc(cfg->nports ? cfg->nports : 1, sizeof(*p->ports));
	p->db = calloc(n, sizeof(*p->db));
	p->dist = calloc(n, sizeof(*p->dist));
	p->nh_port = calloc(n, sizeof(*p->nh_port));
	p->best = calloc(n, sizeof(*p->best));
	p->tdist = calloc(n, sizeof(*p->tdist));
	p->tfirst = calloc(n, sizeof(*p->tfirst));
	p->done = calloc(n, 1);
	p->fresh = calloc(n, 1);
	p->ecost = calloc((size_t)n * n, sizeof(*p->ecost));
	p->fib = fib_new();
	p->spf_best = calloc(n, sizeof(*p->spf_best));
	if (p->fib == NULL || p->spf_best == NULL || p->fresh == NULL ||
	    p->ecost == NULL || p->ports == NULL || p->db == NULL ||
	    p->dist == NULL || p->nh_port == NULL || p->best == NULL ||
	    p->tdist == NULL || p->tfirst == NULL || p->done == NULL)
		goto oom;
	for (unsigned i = 0; i < n; i++) {
		p->db[i].links = calloc(n, sizeof(struct plink));
		p->db[i].pfx = calloc(POP_MAX_PREFIXES, sizeof(struct pfx));
		if (p->db[i].links == NULL || p->db[i].pfx == NULL)
			goto oom;
	}
	for (unsigned k = 0; k < cfg->nports; k++) {
		struct port *o = &p->ports[k];
		if (cfg->port_peer[k] < 0 || (unsigned)cfg->port_peer[k] >= n ||
		    cfg->port_peer[k] == cfg->id) {
			snprintf(err, errlen, "PoP %s: port %u leads nowhere",
			    cfg->name, k);
			pop_free(p);
			return NULL;
		}
		o->peer = cfg->port_peer[k];
		if (cfg->port_name != NULL && cfg->port_name[k] != NULL)
			snprintf(o->name, sizeof(o->name), "%s",
			    cfg->port_name[k]);
		else
			snprintf(o->name, sizeof(o->name), "%s>%s", cfg->name,
			    pop_name(p, o->peer));
		o->sent_at = calloc(p->nring, sizeof(*o->sent_at));
		o->answered = calloc(p->nring, 1);
		if (o->sent_at == NULL || o->answered == NULL)
			goto oom;
	}
	forget(p);
	return p;
oom:
	snprintf(err, errlen, "out of memory for PoP %s", cfg->name);
	pop_free(p);
	return NULL;
}

void
pop_free(struct pop *p)
{
	if (p == NULL)
		return;
	if (p->running)
		pop_stop(p);
	for (unsigned k = 0; p->ports != NULL && k < p->cfg.nports; k++) {
		free(p->ports[k].sent_at);
		free(p->ports[k].answered);
	}
	for (unsigned i = 0; p->db != NULL && i < p->cfg.npops; i++) {
		free(p->db[i].links);
		free(p->db[i].pfx);
	}
	free(p->ports);
	free(p->db);
	free(p->dist);
	free(p->nh_port);
	free(p->best);
	free(p->tdist);
	free(p->tfirst);
	free(p->done);
	free(p->fresh);
	free(p->ecost);
	fib_free(p->fib);
	free(p->spf_best);
	free(p->local);
	free((void *)p->cfg.names);
	free(p);
}

void
pop_start(struct pop *p)
{
	sb_time now = sb_now(p->pf);

	if (p->running)
		return;
	p->running = 1;
	forget(p);
	originate(p);
	/* probes at once; refreshes spread by the PoP's number so that a
	 * large backbone does not flood all at one instant */
	sb_timer_set(p->pf, &p->probe_t, now, probe_fire, p);
	sb_timer_set(p->pf, &p->refresh_t, now + p->cfg.refresh +
	    (sb_time)p->cfg.id * SB_MS, refresh_fire, p);
}

void
pop_stop(struct pop *p)
{
	int had_routes = 0;

	if (!p->running)
		return;
	p->running = 0;
	sb_timer_stop(p->pf, &p->probe_t);
	sb_timer_stop(p->pf, &p->spf_t);
	sb_timer_stop(p->pf, &p->refresh_t);
	sb_timer_stop(p->pf, &p->orig_t);
	for (unsigned i = 0; i < p->cfg.npops; i++)
		had_routes |= p->nh_port[i] >= 0;
	p->nlocal = 0;
	forget(p);
	if (had_routes && p->cfg.changed != NULL)
		p->cfg.changed(p->cfg.changed_ctx);
}

/* ---- the prefix table ---- */

int
pop_attach(struct pop *p, uint32_t addr, unsigned len, unsigned pref,
    int handle)
{
	uint32_t mask = inet_mask(len);
	size_t i;

	if (len > 32 || pref > 255)
		return -1;
	for (i = 0; i < p->nlocal && !(p->local[i].handle == handle &&
	    p->local[i].addr == (addr & mask) && p->local[i].len == len); i++)
		;
	if (i < p->nlocal) {
		/* known: only its preference may change (the Socket now
		 * receives on another link) */
		if (p->local[i].pref == pref)
			return 0;
		p->local[i].pref = (uint8_t)pref;
	} else {
		if (p->nlocal == p->caplocal) {
			size_t cap = p->caplocal ? 2 * p->caplocal : 16;
			struct local *v = realloc(p->local, cap * sizeof(*v));
			if (v == NULL)
				return -1;
			p->local = v;
			p->caplocal = cap;
		}
		p->local[p->nlocal++] = (struct local){ addr & mask,
		    (uint8_t)len, (uint8_t)pref, handle };
	}
	if (p->running)
		originate_soon(p);
	if (p->cfg.changed != NULL)
		p->cfg.changed(p->cfg.changed_ctx);
	return 0;
}

/* Remove the prefixes of `handle` that match (len > 32: all of them). */
static void
remove_local(struct pop *p, int handle, uint32_t addr, unsigned len)
{
	size_t j = 0, n = p->nlocal;

	for (size_t i = 0; i < n; i++) {
		const struct local *l = &p->local[i];
		if (l->handle == handle && (len > 32 ||
		    (l->addr == addr && l->len == len)))
			continue;
		p->local[j++] = *l;
	}
	p->nlocal = j;
	if (j == n)
		return;
	if (p->running)
		originate_soon(p);
	if (p->cfg.changed != NULL)
		p->cfg.changed(p->cfg.changed_ctx);
}

void
pop_detach(struct pop *p, int handle)
{
	remove_local(p, handle, 0, 33);
}

void
pop_withdraw(struct pop *p, uint32_t addr, unsigned len, int handle)
{
	if (len <= 32)
		remove_local(p, handle, addr & inet_mask(len), len);
}

static int
covers(uint32_t net, unsigned len, uint32_t addr)
{
	return (addr & inet_mask(len)) == net;
}

/* The table again from every advert's prefixes; 0, or -1 when out of
 * memory (it stays stale, and is tried again at the next lookup). */
static int
fib_build(struct pop *p)
{
	fib_clear(p->fib);
	for (unsigned i = 0; i < p->cfg.npops; i++) {
		const struct advert *a = &p->db[i];
		for (unsigned j = 0; a->valid && j < a->npfx; j++)
			if (fib_add(p->fib, a->pfx[j].addr, a->pfx[j].len,
			    a->pfx[j].pref, i) < 0)
				return -1;
	}
	p->fib_stale = 0;
	return 0;
}

int
pop_egress(struct pop *p, uint32_t addr)
{
	if (!p->running || (p->fib_stale && fib_build(p) < 0))
		return -1;
	return fib_lookup(p->fib, addr, p->dist);
}

int
pop_next_hop(const struct pop *p, int dst)
{
	if (!p->running || dst < 0 || (unsigned)dst >= p->cfg.npops)
		return -1;
	return p->nh_port[dst];
}

sb_time
pop_cost(const struct pop *p, int dst)
{
	if (!p->running || dst < 0 || (unsigned)dst >= p->cfg.npops)
		return SB_TIME_NEVER;
	return p->dist[dst];
}

int
pop_local(const struct pop *p, uint32_t addr)
{
	const struct local *best = NULL;

	for (size_t i = 0; i < p->nlocal; i++) {
		const struct local *l = &p->local[i];
		if (!covers(l->addr, l->len, addr))
			continue;
		if (best == NULL || l->len > best->len ||
		    (l->len == best->len && l->pref < best->pref))
			best = l;
	}
	return best != NULL ? best->handle : -1;
}

int
pop_port_stats(const struct pop *p, unsigned port, struct pop_port_stats *out)
{
	const struct port *o;

	if (port >= p->cfg.nports)
		return -1;
	o = &p->ports[port];
	out->up = o->up;
	out->srtt = o->srtt;
	out->rttvar = o->rttvar;
	out->loss = port_loss(p, o, sb_now(p->pf));
	out->cost = o->adv;
	out->probes = o->probes;
	out->echoes = o->echoes;
	return 0;
}
