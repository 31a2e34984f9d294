/*
 * The Socket agent (socket.h).  Three parts:
 *
 *  - each link's state machine: down, healthy, unhealthy.  Tunnel up and
 *    down move it at once (dead-peer detection is the tunnel's); health
 *    verdicts move it only at evaluation ticks, every `eval` from the
 *    start, so "the next evaluation" is a fixed instant.
 *  - the placement set: the links new flows go on, by precedence and
 *    state (place_mask()).  Whenever it changes a failover or a fallback
 *    is recorded, and flows not on it leave their link: at once when the
 *    link is down or silent (100% loss over the last window: as good as
 *    down before dead-peer detection says so), otherwise each at its own
 *    moment within `drain`, so a degraded link empties gradually.
 *  - the per-packet path: find the flow, (re)place it, copy it when its
 *    rule asks for loss mitigation, queue it by priority and send it.
 *
 * Timers: probes every `probe`; evaluations every `eval`; per link the
 * end of a fallback hold, a connect deadline and the wait for the first
 * pings' answers; one for delayed copies.
 */
#include <sys/mman.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wan/socket_impl.h"

/*
 * The flow table (128 KiB at the default 4096 flows) is mapped rather
 * than allocated: its pages are the system's zero page until a flow is
 * hashed into them, so a Socket with a few flows holds a page or two of
 * it.  calloc cleared every byte: 600 MiB resident for 5,000 Sockets that
 * each carried one or two flows, or none.
 */
static struct sflow *
flows_new(size_t n)
{
	void *v = mmap(NULL, n * sizeof(struct sflow), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return v == MAP_FAILED ? NULL : v;
}

static void
flows_free(struct sflow *v, size_t n)
{
	if (v != NULL)
		munmap(v, n * sizeof(struct sflow));
}

static const char *
pop_name(struct socket *s, int pop, char *buf, size_t len)
{
	if (s->cfg.ops->pop_name != NULL)
		return s->cfg.ops->pop_name(s->cfg.ctx, pop);
	snprintf(buf, len, "pop%d", pop);
	return buf;
}

/* ---- the placement set ---- */

static int
eligible(struct lview v, sb_time t)
{
	return v.state == L_HEALTHY && t >= v.eligible_at;
}

static int
held(struct lview v, sb_time t)
{
	return v.state == L_HEALTHY;
}

static int
up(struct lview v, sb_time t)
{
	return v.state != L_DOWN;
}

/* The links as the cloud sees them: their own state. */
static struct lview
cloud_view(const struct socket *s, unsigned j, const void *arg)
{
	return (struct lview){ s->link[j].state, s->link[j].eligible_at };
}

/* The links of precedence prec that pass test, as a mask. */
static unsigned
pick(const struct socket *s, int prec, int (*test)(struct lview, sb_time),
    sb_time t, view_fn view, const void *arg)
{
	unsigned m = 0;

	for (unsigned j = 0; j < s->nlinks; j++)
		if (s->link[j].cfg.precedence == prec &&
		    test(view(s, j, arg), t))
			m |= 1u << j;
	return m;
}

/*
 * Where new flows go: healthy active links; else healthy passive ones;
 * else links still in their fallback hold (better than none); else
 * active or passive links that are up but unhealthy; last resort only
 * when all of those are down.  healthy_only stops after the hold: a set
 * that would rather have nothing than an unhealthy link (off-cloud,
 * whose traffic then takes its rule's secondary).
 */
unsigned
socket_mask(const struct socket *s, sb_time t, view_fn view, const void *arg,
    int healthy_only)
{
	static int (*const tests[])(struct lview, sb_time) = {
		eligible, held, up,
	};
	size_t n = healthy_only ? 2 : 3;
	unsigned m;

	for (size_t i = 0; i < n; i++)
		for (int prec = 1; prec <= 2; prec++)
			if ((m = pick(s, prec, tests[i], t, view, arg)) != 0)
				return m;
	return healthy_only ? 0 : pick(s, 3, up, t, view, arg);
}

static int
best_precedence(const struct socket *s)
{
	int best = 3;

	for (unsigned j = 0; j < s->nlinks; j++)
		if (s->link[j].cfg.precedence < best)
			best = s->link[j].cfg.precedence;
	return best;
}

static void
mask_names(const struct socket *s, unsigned m, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned j = 0; j < s->nlinks && off < len; j++)
		if (m & 1u << j)
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
			    off ? "+" : "", s->link[j].cfg.name);
	if (m == 0)
		snprintf(buf, len, "none");
}

/* Recompute the placement set; a change away from (or back to) the
 * best-precedence links is a failover (or a fallback).  The off-cloud
 * sets follow the same link states. */
static void
reconsider(struct socket *s)
{
	sb_time t = now(s);
	unsigned m = socket_mask(s, t, cloud_view, NULL, 0);
	int prim = 1, bp = best_precedence(s);
	char from[128], to[128];

	if (m == s->mask) {
		offcloud_reconsider(s);
		return;
	}
	for (unsigned j = 0; j < s->nlinks; j++)
		if ((m & 1u << j) && s->link[j].cfg.precedence != bp)
			prim = 0;
	if (m == 0)
		prim = 0;
	mask_names(s, s->mask, from, sizeof(from));
	mask_names(s, m, to, sizeof(to));
	if (s->on_primary && !prim) {
		s->st.failovers++;
		emit(s, "link-failover", to, from, 0);
	} else if (!s->on_primary && prim) {
		s->st.fallbacks++;
		emit(s, "link-fallback", to, from, 0);
	} else {
		emit(s, "link-steer", to, from, 0);
	}
	s->on_primary = prim;
	s->mask = m;
	s->mask_at = t;
	if (s->cfg.ops->steer != NULL)
		s->cfg.ops->steer(s->cfg.ctx);
	offcloud_reconsider(s);
}

/* ---- the link state machine ---- */

static const char *state_names[] = { "down", "healthy", "unhealthy" };

static void hold_fire(void *arg);

static void
link_fsm(struct slink *l, enum lev ev, const char *why)
{
	struct socket *s = l->s;
	enum lstate to = l->state;
	char d[160];

	switch (ev) {
	case EV_UP:
		to = L_HEALTHY;
		break;
	case EV_DOWN:
		to = L_DOWN;
		break;
	case EV_OK:
		if (l->state == L_UNHEALTHY)
			to = L_HEALTHY;
		break;
	case EV_BAD:
		if (l->state == L_HEALTHY)
			to = L_UNHEALTHY;
		break;
	}
	if (to == l->state)
		return;
	/* A link that recovers after a failure waits out the hold before
	 * flows fall back to it; at the first connection there is nothing
	 * to fall back from. */
	if (to == L_HEALTHY && (l->state == L_UNHEALTHY || l->ever_up)) {
		l->eligible_at = now(s) + s->cfg.hold;
		sb_timer_set(s->pf, &l->hold_timer, l->eligible_at, hold_fire,
		    l);
	}
	/* off-cloud waits out the hold only after a fault of quality (the
	 * timer above covers it: this case is one of those) */
	if (to == L_HEALTHY && (l->state == L_UNHEALTHY ? !l->silent :
	    l->last_bad))
		l->oc_eligible_at = l->eligible_at;
	if (to != L_DOWN)
		l->ever_up = 1;
	if (to != L_UNHEALTHY)
		l->silent = 0;
	if (to == L_DOWN)
		l->last_rtt = -1;  /* what it measured is of a path gone */
	snprintf(d, sizeof(d), "%s%s%s", state_names[to], why ? ": " : "",
	    why ? why : "");
	l->state = to;
	l->st.health_changes++;
	emit(s, "link-health", l->name, d, (double)to);
	reconsider(s);
}

static void
hold_fire(void *arg)
{
	struct slink *l = arg;

	l->hold_timer = 0;
	reconsider(l->s);
}

/* ---- probes and evaluations ---- */

static void
probe_fire(void *arg)
{
	struct socket *s = arg;
	sb_time t = now(s);

	sb_timer_set(s->pf, &s->probe_timer, t + s->cfg.probe, probe_fire, s);
	for (unsigned j = 0; j < s->nlinks; j++) {
		struct slink *l = &s->link[j];
		int w;

		if (l->state == L_DOWN)
			continue;
		/* recorded first: an answer may come back at once */
		l->probe_seq++;
		health_sent(l->h, l->probe_seq, t);
		w = s->cfg.ops->probe(s->cfg.ctx, j, l->probe_seq);
		if (w > 0 && l->q != NULL)
			qos_charge(l->q, (uint64_t)w);
	}
}

static void pop_move(struct slink *l, const char *why);
static void ping_round(struct slink *l);

static void
eval_fire(void *arg)
{
	struct socket *s = arg;
	sb_time t = now(s);

	s->next_eval += s->cfg.eval;
	sb_timer_set(s->pf, &s->eval_timer, s->next_eval, eval_fire, s);
	for (unsigned j = 0; j < s->nlinks; j++) {
		struct slink *l = &s->link[j];
		struct health_stats hs;
		unsigned bad;
		char why[64], d[160];

		if (s->cfg.ops->ping != NULL && l->ncand > 1 && l->pop >= 0)
			ping_round(l);
		if (l->state == L_DOWN || s->cfg.client)
			continue;
		bad = health_eval(l->h, t, &hs);
		l->silent = (bad & HEALTH_SILENT) != 0;
		l->last_bad = bad != HEALTH_OK && !l->silent;
		l->last_rtt = hs.latency;
		l->last_loss = hs.loss;
		if (hs.latency >= 0)
			popsel_rtt(l->ps, l->pop, hs.latency);
		if (bad == HEALTH_OK) {
			link_fsm(l, EV_OK, NULL);
		} else {
			snprintf(d, sizeof(d), "%s (loss %.2f%%, jitter %.1f "
			    "ms, latency %.1f ms)",
			    health_why(bad, why, sizeof(why)), 100 * hs.loss,
			    hs.jitter < 0 ? 0 : (double)hs.jitter / SB_MS,
			    hs.latency < 0 ? 0 : (double)hs.latency / SB_MS);
			link_fsm(l, EV_BAD, d);
		}
		if (s->cfg.ops->health != NULL)
			s->cfg.ops->health(s->cfg.ctx, j, l->pop, &hs, bad,
			    state_names[l->state]);
		if (hs.sent > 0 && popsel_evaluate(l->ps, l->pop, t,
		    hs.latency, hs.loss))
			pop_move(l, "sla");
	}
}

/* ---- PoPs ---- */

static void
connect_fire(void *arg)
{
	struct slink *l = arg;

	l->connect_timer = 0;
	popsel_failed(l->ps, l->pop, now(l->s));
	pop_move(l, "no-answer");
}

static void
connect_to(struct slink *l, int pop)
{
	struct socket *s = l->s;

	l->pop = pop;
	sb_timer_set(s->pf, &l->connect_timer, now(s) + CONNECT_TIMEOUT,
	    connect_fire, l);
	s->cfg.ops->connect(s->cfg.ctx, l->idx, pop);
}

/* Move the link's tunnel to the best PoP other than a failed current. */
static void
pop_move(struct slink *l, const char *why)
{
	struct socket *s = l->s;
	int next = popsel_choose(l->ps, l->pop, now(s));
	char a[32], b[32], d[128];

	if (next < 0 || next == l->pop)
		return;
	snprintf(d, sizeof(d), "%s: from %s (%s)", l->cfg.name,
	    pop_name(s, l->pop, a, sizeof(a)), why);
	emit(s, "pop-change", pop_name(s, next, b, sizeof(b)), d, 0);
	if (l->move_at == SB_TIME_NEVER) {
		l->move_at = now(s);
		l->move_from = l->pop;
	}
	l->st.pop_moves++;
	/* the tunnel to the old PoP is closed: until the new one is up the
	 * link carries nothing (after a dead peer it is down already) */
	link_fsm(l, EV_DOWN, "pop-change");
	connect_to(l, next);
}

/* ---- pinging the candidates ---- */

/* One echo to every candidate but the connected one (whose tunnel probes
 * measure it already); the answers feed the PoP selector. */
static void
ping_round(struct slink *l)
{
	struct socket *s = l->s;

	l->ping_round++;
	l->ping_answers = 0;
	for (unsigned i = 0; i < l->ncand; i++) {
		l->ping_at[i] = SB_TIME_NEVER;
		if (l->cand[i] == l->pop)
			continue;
		l->ping_at[i] = now(s);
		if (s->cfg.ops->ping(s->cfg.ctx, l->idx, l->cand[i],
		    l->ping_round) < 0)
			l->ping_at[i] = SB_TIME_NEVER;
	}
}

/* The first connection: to the best candidate that answered, once all
 * did or the wait is over (the nearest, if none answered). */
static void
first_connect(struct slink *l)
{
	struct socket *s = l->s;

	int pop = popsel_choose(l->ps, -1, now(s));
	char d[256], b[32];
	size_t off;

	sb_timer_stop(s->pf, &l->ping_timer);
	if (l->pop >= 0)
		return;
	/* say why: each candidate's round trip as pinged */
	off = (size_t)snprintf(d, sizeof(d), "%s:", l->cfg.name);
	for (unsigned i = 0; i < l->ncand && off < sizeof(d); i++) {
		sb_time rtt = popsel_srtt(l->ps, l->cand[i]);
		const char *n = pop_name(s, l->cand[i], b, sizeof(b));

		off += rtt < 0 ? (size_t)snprintf(d + off, sizeof(d) - off,
		    " %s no answer,", n) : (size_t)snprintf(d + off,
		    sizeof(d) - off, " %s %.1f ms,", n, (double)rtt / SB_MS);
	}
	if (off < sizeof(d))
		d[off - 1] = '\0';
	emit(s, "pop-select", pop_name(s, pop, b, sizeof(b)), d, 0);
	connect_to(l, pop);
}

static void
ping_wait_fire(void *arg)
{
	struct slink *l = arg;

	l->ping_timer = 0;
	first_connect(l);
}

void
socket_ping_reply(struct socket *s, unsigned link, int pop, uint32_t seq)
{
	struct slink *l;

	if (link >= s->nlinks)
		return;
	l = &s->link[link];
	for (unsigned i = 0; i < l->ncand; i++) {
		if (l->cand[i] != pop || seq != l->ping_round ||
		    l->ping_at[i] == SB_TIME_NEVER)
			continue;
		popsel_rtt(l->ps, pop, now(s) - l->ping_at[i]);
		l->ping_at[i] = SB_TIME_NEVER;
		if (++l->ping_answers == l->ncand && l->pop < 0)
			first_connect(l);
		return;
	}
}

/* Is another link's tunnel up to the same PoP?  Then the PoP lives and
 * this link is what failed. */
static int
pop_alive_elsewhere(const struct socket *s, const struct slink *l)
{
	for (unsigned j = 0; j < s->nlinks; j++)
		if (&s->link[j] != l && s->link[j].pop == l->pop &&
		    s->link[j].state != L_DOWN)
			return 1;
	return 0;
}

void
socket_tunnel(struct socket *s, unsigned link, int pop, int isup)
{
	struct slink *l;
	char a[32], b[32], d[128];

	if (link >= s->nlinks || s->link[link].pop != pop)
		return;  /* news of a tunnel the link has left */
	l = &s->link[link];
	if (isup) {
		sb_timer_stop(s->pf, &l->connect_timer);
		health_reset(l->h);
		if (l->move_at != SB_TIME_NEVER) {
			snprintf(d, sizeof(d), "%s: from %s", l->cfg.name,
			    pop_name(s, l->move_from, a, sizeof(a)));
			emit(s, "pop-move", pop_name(s, pop, b, sizeof(b)), d,
			    (double)(now(s) - l->move_at) / SB_S);
			l->move_at = SB_TIME_NEVER;
		}
		link_fsm(l, EV_UP, NULL);
		return;
	}
	link_fsm(l, EV_DOWN, "tunnel down");
	if (pop_alive_elsewhere(s, l))
		return;
	/* no link reaches that PoP any more: every link on it moves, those
	 * that lost it earlier (and waited, blaming their own line) too */
	for (unsigned j = 0; j < s->nlinks; j++) {
		struct slink *o = &s->link[j];

		if (o->pop != pop || o->state != L_DOWN)
			continue;
		popsel_failed(o->ps, pop, now(s));
		pop_move(o, "dead-peer");
	}
}

void
socket_probe_reply(struct socket *s, unsigned link, uint32_t seq,
    uint32_t peer_rx, uint32_t peer_tx)
{
	if (link < s->nlinks)
		health_reply(s->link[link].h, seq, now(s), peer_rx, peer_tx);
}

/* ---- flows ---- */

static uint64_t
flow_key(const struct rule_flow *f)
{
	uint64_t k = (uint64_t)f->src_addr << 32 | f->dst_addr;

	k ^= ((uint64_t)f->sport << 24 | (uint64_t)f->dport << 8 | f->proto) *
	    0x9e3779b97f4a7c15ull;
	k ^= k >> 29;
	k *= 0xbf58476d1ce4e5b9ull;
	k ^= k >> 32;
	return k ? k : 1;
}

/* The flow's entry: found, or a fresh one (the free slot on its probe
 * sequence, else the longest idle of the first few). */
/* Where the probe for key starts. */
static inline unsigned
flow_slot(const struct socket *s, uint64_t key)
{
	return (unsigned)(key % s->nflows);
}

static struct sflow *
flow_find(struct socket *s, uint64_t key, int *fresh)
{
	unsigned n = s->nflows, i = flow_slot(s, key), victim = i;

	for (unsigned k = 0; k < 16; k++, i = (i + 1) % n) {
		struct sflow *e = &s->flows[i];

		if (e->key == key) {
			*fresh = 0;
			return e;
		}
		if (e->key == 0) {
			victim = i;
			break;
		}
		if (e->last < s->flows[victim].last)
			victim = i;
	}
	if (s->flows[victim].key != 0)
		s->st.flows_recycled++;
	*fresh = 1;
	s->flows[victim].key = key;
	return &s->flows[victim];
}

static int
weighted(struct socket *s, unsigned m)
{
	double tot = 0, u;
	int last = -1;

	for (unsigned j = 0; j < s->nlinks; j++)
		if (m & 1u << j)
			tot += s->link[j].cfg.up_bps ?
			    (double)s->link[j].cfg.up_bps : 1;
	u = sb_rand_unit(s->pf) * tot;
	for (unsigned j = 0; j < s->nlinks; j++) {
		double wgt;

		if (!(m & 1u << j))
			continue;
		wgt = s->link[j].cfg.up_bps ? (double)s->link[j].cfg.up_bps : 1;
		last = (int)j;
		if (u < wgt)
			return (int)j;
		u -= wgt;
	}
	return last;
}

/*
 * A rule that optimises for latency (or loss) puts its flows on the link
 * of the set with the least round trip (loss) at the last evaluation,
 * the first of equals; before any evaluation, the weighted draw.
 */
static int
optimized(struct socket *s, unsigned m, enum rule_optimize o)
{
	int best = -1;

	for (unsigned j = 0; j < s->nlinks; j++) {
		const struct slink *l = &s->link[j], *b;

		if (!(m & 1u << j) || l->last_rtt < 0)
			continue;
		b = best >= 0 ? &s->link[best] : NULL;
		if (b == NULL || (o == RULE_OPT_LATENCY ?
		    l->last_rtt < b->last_rtt : l->last_loss < b->last_loss))
			best = (int)j;
	}
	return best >= 0 ? best : weighted(s, m);
}

/* The links a flow may use under its rule: a preferred link or
 * precedence narrows the placement set when it can. */
static unsigned
rule_mask(const struct socket *s, const struct rule_action *a)
{
	unsigned m = s->mask;

	if (a->link >= 0 && (unsigned)a->link < s->nlinks &&
	    s->link[a->link].state == L_HEALTHY)
		return 1u << a->link;
	if (a->precedence > 0) {
		unsigned pm = pick(s, a->precedence, held, 0, cloud_view, NULL);
		if (pm != 0)
			return pm;
	}
	return m;
}

static const struct rule_action *
flow_action(const struct socket *s, int rule)
{
	return rule >= 0 ? &rules_get(s->cfg.rules, (size_t)rule)->act :
	    &s->def;
}

static int
classify(struct socket *s, const struct rule_flow *f)
{
	int r = s->cfg.rules ? rules_match(s->cfg.rules, f, 0) :
	    RULES_DEFAULT;

	if (r >= 0)
		s->hits[r]++;
	else if (r == RULES_AT_POP)
		s->st.at_pop++;
	return r;
}

/* Queue or send p on link j; -1 when the link's queue dropped it. */
static int
link_out(struct socket *s, unsigned j, struct sb_packet *p, uint8_t prio,
    int copy)
{
	struct slink *l = &s->link[j];
	uint32_t size = p->size;   /* p is gone once queued or sent */

	if (l->q != NULL) {
		if (qos_enqueue(l->q, p, prio) < 0)
			return -1;  /* counted in the shaper's drops */
	} else {
		s->cfg.ops->send(s->cfg.ctx, j, p);
	}
	l->st.pkts++;
	l->st.bytes += size;
	if (copy) {
		l->st.dup_pkts++;
		l->st.dup_bytes += size;
	}
	return 0;
}

static void
dup_fire(void *arg)
{
	struct socket *s = arg;
	sb_time t = now(s);

	s->dup_timer = 0;
	while (s->dn > 0 && s->ring[s->dhead].due <= t) {
		struct dup *d = &s->ring[s->dhead];

		s->dhead = (s->dhead + 1) % DUP_RING;
		s->dn--;
		if (s->link[d->link].state == L_DOWN)
			s->pf->ops->packet_free(s->pf->ctx, d->p);
		else
			(void)link_out(s, d->link, d->p, d->prio, 1);
	}
	if (s->dn > 0)
		sb_timer_set(s->pf, &s->dup_timer, s->ring[s->dhead].due,
		    dup_fire, s);
}

/*
 * Loss mitigation: with two links to place on, the copy goes on the other
 * at once (TCP and UDP); with one, UDP only, on the same link 5 ms behind
 * (a burst that takes one copy then tends to spare the other).
 */
static void
duplicate(struct socket *s, const struct rule_flow *f, struct sb_packet *p,
    unsigned j, unsigned m, uint8_t prio)
{
	struct sb_packet *c;
	unsigned other = j;
	sb_time due;

	for (unsigned k = 0; k < s->nlinks && other == j; k++)
		if ((m & 1u << k) && k != j)
			other = k;
	if (other == j && f->proto != 17)
		return;
	if ((c = s->cfg.ops->copy(s->cfg.ctx, p)) == NULL)
		return;
	if (other != j) {
		(void)link_out(s, other, c, prio, 1);
		return;
	}
	/* most Sockets never copy a packet: 24 KB each saved */
	if (s->ring == NULL && (s->ring = calloc(DUP_RING,
	    sizeof(*s->ring))) == NULL) {
		s->pf->ops->packet_free(s->pf->ctx, c);
		return;
	}
	if (s->dn == DUP_RING) {
		s->pf->ops->packet_free(s->pf->ctx, c);
		return;
	}
	due = now(s) + SOCKET_DUP_GAP;
	s->ring[(s->dhead + s->dn) % DUP_RING] = (struct dup){
		c, due, (uint8_t)j, prio };
	if (s->dn++ == 0)
		sb_timer_set(s->pf, &s->dup_timer, due, dup_fire, s);
}

/*
 * The flow's link on set m (that began at mask_at): its own while that is
 * on m; off m, at once when `gone` (its link cannot send), else at the
 * flow's own moment within the drain time; then a new one, by the rule's
 * optimisation or a draw weighted by bandwidth.  -1: m is empty.
 */
int
socket_place(struct socket *s, struct sflow *e, unsigned m, sb_time mask_at,
    int gone, enum rule_optimize o)
{
	int j = e->link;

	if (j >= 0 && !(m & 1u << j)) {
		sb_time at = mask_at + (sb_time)((double)e->salt /
		    4294967296.0 * (double)s->cfg.drain);

		if (gone || now(s) >= at || m == 0) {
			s->link[j].st.flows_moved_off++;
			j = -1;
		}
	}
	if (j < 0 && m != 0)
		j = o != RULE_OPT_NONE ? optimized(s, m, o) : weighted(s, m);
	e->link = (int16_t)j;
	return j;
}

void
socket_prefetch(const struct socket *s, const struct rule_flow *f, int stage)
{
	if (stage == 0) {
		__builtin_prefetch(s);
		__builtin_prefetch(&s->flows);
		return;
	}
	__builtin_prefetch(&s->flows[flow_slot(s, flow_key(f))]);
}

int
socket_output(struct socket *s, const struct rule_flow *f,
    struct sb_packet *p)
{
	int fresh, j, old;
	struct sflow *e = flow_find(s, flow_key(f), &fresh);
	const struct rule_action *a;
	unsigned m;
	uint8_t prio;

	if (fresh) {
		e->rule = (int16_t)classify(s, f);
		e->link = -1;
		e->peer = (int16_t)offcloud_peer(s, f->dst_site);
		e->rlink = -1;
		e->oc = 0;
		e->counted = 0;
		e->why = W_UNSET;
		e->salt = (uint32_t)(s->pf->ops->rand(s->pf->ctx) >> 32);
	}
	e->last = now(s);
	a = flow_action(s, e->rule);
	switch (offcloud_decide(s, e, f, a)) {
	case VIA_DROP:
		s->st.dropped_none++;
		s->pf->ops->packet_free(s->pf->ctx, p);
		return -1;
	case VIA_OFF:
		return offcloud_output(s, e, a, p);
	case VIA_CLOUD:
		break;
	}
	if (e->oc) {
		e->oc = 0;
		e->link = -1;
	}
	old = e->link;
	m = rule_mask(s, a);
	j = socket_place(s, e, m, s->mask_at, old >= 0 &&
	    (s->link[old].state == L_DOWN || s->link[old].silent),
	    e->rule != RULES_AT_POP ? a->optimize : RULE_OPT_NONE);
	if (j < 0) {
		s->st.no_link++;
		s->pf->ops->packet_free(s->pf->ctx, p);
		return -1;
	}
	if (j != old)
		s->link[j].st.flows_placed++;
	prio = e->rule == RULES_AT_POP ? QOS_PRIO_UNCLASSIFIED :
	    (uint8_t)(a->priority ? a->priority : QOS_PRIO_DEFAULT);
	if (e->rule != RULES_AT_POP && a->mitigate_loss)
		duplicate(s, f, p, (unsigned)j, m, prio);
	return link_out(s, (unsigned)j, p, prio, 0) < 0 ? -1 : j;
}

/* ---- queries ---- */

int
socket_rx_link(const struct socket *s, int *pop)
{
	for (unsigned j = 0; j < s->nlinks; j++)
		if (s->mask & 1u << j) {
			if (pop != NULL)
				*pop = s->link[j].pop;
			return (int)j;
		}
	return -1;
}

int
socket_link_pop(const struct socket *s, unsigned link)
{
	return link < s->nlinks ? s->link[link].pop : -1;
}

uint64_t
socket_rule_hits(const struct socket *s, size_t i)
{
	return s->cfg.rules && i < rules_count(s->cfg.rules) ? s->hits[i] : 0;
}

const struct socket_stats *
socket_stats(const struct socket *s)
{
	return &s->st;
}

const struct socket_link_stats *
socket_link_stats(const struct socket *s, unsigned link)
{
	return link < s->nlinks ? &s->link[link].st : NULL;
}

const struct qos_stats *
socket_qos_stats(const struct socket *s, unsigned link, uint8_t prio)
{
	if (link >= s->nlinks || s->link[link].q == NULL)
		return NULL;
	return qos_stats(s->link[link].q, prio);
}

const char *
socket_link_state_name(const struct socket *s, unsigned link)
{
	return link < s->nlinks ? state_names[s->link[link].state] : "?";
}

/* ---- life ---- */

static void
qos_out(void *ctx, struct sb_packet *p)
{
	struct slink *l = ctx;

	l->s->cfg.ops->send(l->s->cfg.ctx, l->idx, p);
}

struct socket *
socket_new(const struct sb_platform *pf, const struct socket_cfg *cfg,
    char *err, size_t errlen)
{
	struct socket *s;
	size_t nr = cfg->rules ? rules_count(cfg->rules) : 0;
	struct health_cfg hc = cfg->health;

	if (cfg->nlinks == 0 || cfg->nlinks > SOCKET_MAX_LINKS ||
	    (cfg->client && (cfg->nlinks != 1 || cfg->off_cloud))) {
		snprintf(err, errlen, "socket '%s': %u links (1 to %d; a "
		    "client: 1, and not off-cloud)", cfg->name, cfg->nlinks,
		    SOCKET_MAX_LINKS);
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		goto oom;
	s->pf = pf;
	s->cfg = *cfg;
	rules_default_action(&s->def);
	if (s->cfg.eval <= 0)
		s->cfg.eval = SOCKET_EVAL_DEFAULT;
	if (s->cfg.hold <= 0)
		s->cfg.hold = SOCKET_HOLD_DEFAULT;
	if (s->cfg.probe <= 0)
		s->cfg.probe = SOCKET_PROBE_DEFAULT;
	if (s->cfg.drain < 0)
		s->cfg.drain = 0;
	else if (s->cfg.drain == 0)
		s->cfg.drain = SOCKET_DRAIN_DEFAULT;
	if (s->cfg.flows == 0)
		s->cfg.flows = SOCKET_FLOWS_DEFAULT;
	s->nflows = s->cfg.flows;
	s->nlinks = cfg->nlinks;
	if (hc.capacity == 0) {
		/* a window's probes and those awaiting their answer */
		sb_time span = (hc.window > 0 ? hc.window :
		    HEALTH_WINDOW_DEFAULT) + (hc.timeout > 0 ? hc.timeout :
		    HEALTH_TIMEOUT_DEFAULT);
		hc.capacity = (unsigned)(span / s->cfg.probe) + 64;
	}
	if ((s->name = strdup(cfg->name)) == NULL ||
	    (s->flows = flows_new(s->nflows)) == NULL ||
	    (s->hits = calloc(nr + 1, sizeof(*s->hits))) == NULL)
		goto oom;
	for (unsigned j = 0; j < s->nlinks; j++) {
		struct slink *l = &s->link[j];
		size_t n = strlen(cfg->name) + strlen(cfg->links[j].name) + 2;

		l->s = s;
		l->idx = j;
		l->cfg = cfg->links[j];
		l->pop = -1;
		l->last_rtt = -1;
		l->move_at = SB_TIME_NEVER;
		if ((l->name = malloc(n)) == NULL)
			goto oom;
		snprintf(l->name, n, "%s/%s", cfg->name, cfg->links[j].name);
		l->cfg.name = l->name + strlen(cfg->name) + 1;
		if ((l->h = health_new(&hc)) == NULL)
			goto oom;
		if ((l->ps = popsel_new(&cfg->popsel, l->cfg.pops,
		    l->cfg.npops)) == NULL) {
			/* out of memory, or candidates it refuses */
			snprintf(err, errlen, "socket '%s': link %s: %u "
			    "candidate PoPs (at most %d, each once) or a PoP "
			    "SLA it cannot use, or out of memory", cfg->name,
			    l->cfg.name, l->cfg.npops, POPSEL_MAX);
			socket_free(s);
			return NULL;
		}
		if (l->cfg.shape && l->cfg.up_bps > 0) {
			struct qos_cfg qc = { .rate_bps = l->cfg.up_bps -
			    l->cfg.up_bps / SOCKET_SHAPE_HEADROOM,
			    .overhead = l->cfg.overhead, .out = qos_out,
			    .ctx = l };
			if ((l->q = qos_new(pf, &qc)) == NULL)
				goto oom;
			for (unsigned c = 0; c < cfg->nqos; c++)
				if (qos_set_limit(l->q, cfg->qos[c].prio,
				    cfg->qos[c].mode, cfg->qos[c].rate_bps) < 0) {
					snprintf(err, errlen, "socket '%s': bad "
					    "limit for priority %u", cfg->name,
					    cfg->qos[c].prio);
					socket_free(s);
					return NULL;
				}
		}
		l->ncand = l->cfg.npops;
		memcpy(l->cand, l->cfg.pops, l->ncand * sizeof(l->cand[0]));
		l->cfg.pops = NULL;  /* copied */
	}
	s->cfg.qos = NULL;  /* applied; the caller's array may go */
	s->cfg.nqos = 0;
	s->on_primary = 1;
	if (offcloud_new(s, err, errlen) < 0) {
		socket_free(s);
		return NULL;
	}
	return s;
oom:
	snprintf(err, errlen, "socket '%s': out of memory", cfg->name);
	socket_free(s);
	return NULL;
}

void
socket_start(struct socket *s)
{
	sb_time t = now(s);

	for (unsigned j = 0; j < s->nlinks; j++) {
		struct slink *l = &s->link[j];

		if (l->ncand == 0)
			continue;
		if (s->cfg.ops->ping == NULL || l->ncand == 1) {
			connect_to(l, popsel_choose(l->ps, -1, t));
			continue;
		}
		ping_round(l);
		sb_timer_set(s->pf, &l->ping_timer, t + SOCKET_PING_WAIT,
		    ping_wait_fire, l);
	}
	offcloud_start(s);
	s->next_eval = t + s->cfg.eval;
	sb_timer_set(s->pf, &s->eval_timer, s->next_eval, eval_fire, s);
	if (!s->cfg.client)
		sb_timer_set(s->pf, &s->probe_timer, t + s->cfg.probe,
		    probe_fire, s);
}

void
socket_free(struct socket *s)
{
	if (s == NULL)
		return;
	sb_timer_stop(s->pf, &s->probe_timer);
	sb_timer_stop(s->pf, &s->eval_timer);
	sb_timer_stop(s->pf, &s->dup_timer);
	while (s->dn > 0) {
		s->pf->ops->packet_free(s->pf->ctx, s->ring[s->dhead].p);
		s->dhead = (s->dhead + 1) % DUP_RING;
		s->dn--;
	}
	for (unsigned j = 0; j < s->nlinks; j++) {
		struct slink *l = &s->link[j];

		sb_timer_stop(s->pf, &l->hold_timer);
		sb_timer_stop(s->pf, &l->connect_timer);
		sb_timer_stop(s->pf, &l->ping_timer);
		qos_free(l->q);
		health_free(l->h);
		popsel_free(l->ps);
		free(l->name);
	}
	offcloud_free(s);
	free(s->ring);
	free(s->hits);
	flows_free(s->flows, s->nflows);
	free(s->name);
	free(s);
}
