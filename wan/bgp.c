/*
 * A BGP speaker for one session (see wan/bgp.h for what it is and is
 * not).
 *
 * The state machine, as RFC 4271 8 has it for one neighbour whose
 * transport is a tunnel rather than TCP:
 *
 *   Idle         --transport up, retry timer, or an OPEN heard--> OpenSent
 *                  (our OPEN goes out; hold timer at 4 minutes)
 *   OpenSent     --OPEN, acceptable--> OpenConfirm (KEEPALIVE sent; hold
 *                  and keepalive as negotiated); our OPEN again every
 *                  `retry` until then
 *   OpenConfirm  --KEEPALIVE--> Established (our prefixes in UPDATEs)
 *   Established  --UPDATE or KEEPALIVE: hold timer restarted
 *   any          --hold timer expired, a bad message, an unexpected one
 *                  (NOTIFICATION sent), a NOTIFICATION heard, the
 *                  transport down--> Idle, every learned route withdrawn;
 *                  with the transport still up, a new OPEN after `retry`
 *
 * Two departures from RFC 4271, both because a datagram can be lost where
 * TCP would have delivered it or failed: an OPEN unanswered is sent again
 * (TCP's own retries, in effect), and the two messages that show the
 * peer lacks our OPEN (its KEEPALIVE in OpenSent, its OPEN again in
 * OpenConfirm) are answered rather than taken for errors.
 *
 * Messages are built and read byte by byte in network order; nothing in
 * a message is trusted before its lengths are checked against what
 * arrived.  Each message goes in a datagram of its own, UDP port 179 to
 * the peer's neighbour address.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wan/bgp.h"
#include "wan/byteorder.h"
#include "wan/inet.h"

#define OPEN_LEN 29
#define UPDATE_MIN 23
#define NOTIFY_MIN 21
#define INNER_HDR (INET_IPV4_HDR + INET_UDP_HDR)
/* Prefixes per UPDATE we send: keeps a message well inside the tunnel's
 * inner MTU (64 x 5 bytes of NLRI and 18 of attributes). */
#define UPDATE_CHUNK 64

/* Path attributes (RFC 4271 4.3, 5.1). */
#define ATTR_ORIGIN 1
#define ATTR_AS_PATH 2
#define ATTR_NEXT_HOP 3
#define FLAG_OPTIONAL 0x80
#define FLAG_TRANSITIVE 0x40
#define FLAG_EXTENDED 0x10
#define AS_SEQUENCE 2

/* NOTIFICATION codes and subcodes (RFC 4271 4.5, 6). */
#define ERR_HEADER 1
#define ERR_OPEN 2
#define ERR_UPDATE 3
#define ERR_HOLD 4
#define ERR_FSM 5
#define ERR_CEASE 6
#define SUB_NOT_SYNC 1
#define SUB_BAD_LENGTH 2
#define SUB_BAD_TYPE 3
#define SUB_VERSION 1
#define SUB_PEER_AS 2
#define SUB_BGP_ID 3
#define SUB_HOLD 6
#define SUB_ATTR_LIST 1
#define SUB_MISSING 3
#define SUB_ORIGIN 6
#define SUB_NETWORK 10
#define SUB_AS_PATH 11

struct bgp {
	const struct sb_platform *pf;
	struct bgp_config cfg;
	char name[128], node[64];
	enum bgp_state state;
	int tup;                   /* the transport is up */
	sb_time hold, ka;          /* negotiated; 0: none yet */
	sb_timer hold_t, ka_t, retry_t;
	struct bgp_prefix local[BGP_MAX_PREFIXES];
	size_t nlocal;
	struct bgp_prefix learned[BGP_MAX_PREFIXES];
	size_t nlearned;
	struct bgp_stats st;
	uint16_t ip_id;
};

/* ---- small helpers ---- */

static const char *const state_names[] = {
	[BGP_IDLE] = "idle", [BGP_OPEN_SENT] = "open-sent",
	[BGP_OPEN_CONFIRM] = "open-confirm", [BGP_ESTABLISHED] = "established",
};

const char *
bgp_state_name(enum bgp_state s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(state_names[0]) ?
	    state_names[s] : "?";
}

static void
event(struct bgp *b, const char *kind, const char *subject,
    const char *detail, double value)
{
	struct sb_event ev = { kind, b->node, subject, detail, value };

	b->pf->ops->emit(b->pf->ctx, &ev);
}


static const char *
prefix_fmt(uint32_t addr, unsigned len, char *buf, size_t n)
{
	char a[INET_ADDR_STR];

	snprintf(buf, n, "%s/%u", inet_addr_fmt(addr, a), len);
	return buf;
}

static int
find(const struct bgp_prefix *v, size_t n, uint32_t addr, unsigned len)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].addr == addr && v[i].len == len)
			return (int)i;
	return -1;
}

/* ---- building messages ---- */

static void
header(uint8_t *buf, size_t len, int type)
{
	memset(buf, 0xff, 16);
	put16(buf + 16, (uint16_t)len);
	buf[18] = (uint8_t)type;
}

size_t
bgp_msg_open(uint8_t *buf, size_t cap, unsigned as, sb_time hold,
    uint32_t id)
{
	if (cap < OPEN_LEN)
		return 0;
	header(buf, OPEN_LEN, BGP_OPEN);
	buf[19] = BGP_VERSION;
	put16(buf + 20, (uint16_t)as);
	put16(buf + 22, (uint16_t)(hold / SB_S));
	put32(buf + 24, id);
	buf[28] = 0;                  /* no optional parameters */
	return OPEN_LEN;
}

size_t
bgp_msg_keepalive(uint8_t *buf, size_t cap)
{
	if (cap < BGP_HDR)
		return 0;
	header(buf, BGP_HDR, BGP_KEEPALIVE);
	return BGP_HDR;
}

size_t
bgp_msg_notification(uint8_t *buf, size_t cap, unsigned code,
    unsigned subcode)
{
	if (cap < NOTIFY_MIN)
		return 0;
	header(buf, NOTIFY_MIN, BGP_NOTIFICATION);
	buf[19] = (uint8_t)code;
	buf[20] = (uint8_t)subcode;
	return NOTIFY_MIN;
}

/* A prefix as NLRI has it: its length, then only the octets it covers. */
static size_t
put_prefix(uint8_t *b, const struct bgp_prefix *x)
{
	size_t n = (x->len + 7u) / 8;
	uint32_t a = x->addr & inet_mask(x->len);

	b[0] = x->len;
	for (size_t i = 0; i < n; i++)
		b[1 + i] = (uint8_t)(a >> (24 - 8 * i));
	return 1 + n;
}

static size_t
prefixes_len(const struct bgp_prefix *v, size_t n)
{
	size_t l = 0;

	for (size_t i = 0; i < n; i++)
		l += 1 + (v[i].len + 7u) / 8;
	return l;
}

size_t
bgp_msg_update(uint8_t *buf, size_t cap, const struct bgp_prefix *w,
    size_t nw, const struct bgp_prefix *a, size_t na, unsigned as,
    uint32_t nh)
{
	size_t wl = prefixes_len(w, nw), al = na ? 18 : 0;
	size_t len = UPDATE_MIN + wl + al + prefixes_len(a, na);
	uint8_t *p;

	if (len > cap || len > BGP_MAX_MSG)
		return 0;
	for (size_t i = 0; i < nw; i++)
		if (w[i].len > 32)
			return 0;
	for (size_t i = 0; i < na; i++)
		if (a[i].len > 32)
			return 0;
	header(buf, len, BGP_UPDATE);
	p = buf + BGP_HDR;
	put16(p, (uint16_t)wl);
	p += 2;
	for (size_t i = 0; i < nw; i++)
		p += put_prefix(p, &w[i]);
	put16(p, (uint16_t)al);
	p += 2;
	if (na) {
		/* the three well-known mandatory attributes: ORIGIN IGP,
		 * an AS_PATH of our AS alone, our address as next hop */
		*p++ = FLAG_TRANSITIVE; *p++ = ATTR_ORIGIN; *p++ = 1; *p++ = 0;
		*p++ = FLAG_TRANSITIVE; *p++ = ATTR_AS_PATH; *p++ = 4;
		*p++ = AS_SEQUENCE; *p++ = 1;
		put16(p, (uint16_t)as);
		p += 2;
		*p++ = FLAG_TRANSITIVE; *p++ = ATTR_NEXT_HOP; *p++ = 4;
		put32(p, nh);
		p += 4;
	}
	for (size_t i = 0; i < na; i++)
		p += put_prefix(p, &a[i]);
	return len;
}

/* ---- sending ---- */

/* A message built at m (len bytes) goes out in a datagram of its own. */
static void
send_msg(struct bgp *b, const uint8_t *m, size_t len)
{
	struct sb_packet *p;
	size_t n;

	if (!b->tup || len < BGP_HDR ||
	    (p = b->pf->ops->packet_new(b->pf->ctx)) == NULL)
		return;
	if (p->data == NULL || p->cap < INNER_HDR + len) {
		b->pf->ops->packet_free(b->pf->ctx, p);
		return;
	}
	memcpy(p->data + INNER_HDR, m, len);
	n = inet_udp_build(p->data, p->cap, b->cfg.local_addr, BGP_PORT,
	    b->cfg.peer_addr, BGP_PORT, len, b->ip_id++, 64);
	p->len = p->size = (uint32_t)n;
	p->flow = SB_FLOW_NONE;
	p->created = sb_now(b->pf);
	b->st.sent[m[18]]++;
	b->pf->ops->send(b->pf->ctx, b->cfg.link, p);
}

static void
send_keepalive(struct bgp *b)
{
	uint8_t m[BGP_HDR];

	send_msg(b, m, bgp_msg_keepalive(m, sizeof(m)));
}

/* UPDATEs of at most UPDATE_CHUNK prefixes each. */
static void
send_update(struct bgp *b, const struct bgp_prefix *v, size_t n, int withdraw)
{
	uint8_t m[BGP_MAX_MSG];

	for (size_t i = 0; i < n; i += UPDATE_CHUNK) {
		size_t k = n - i < UPDATE_CHUNK ? n - i : UPDATE_CHUNK, len;

		len = withdraw ?
		    bgp_msg_update(m, sizeof(m), v + i, k, NULL, 0, 0, 0) :
		    bgp_msg_update(m, sizeof(m), NULL, 0, v + i, k,
		    b->cfg.local_as, b->cfg.local_addr);
		if (len > 0)
			send_msg(b, m, len);
	}
}

static const char *
error_words(unsigned code)
{
	static const char *const w[] = { "?", "message header error",
		"OPEN message error", "UPDATE message error",
		"hold timer expired", "finite state machine error", "cease" };

	return code < sizeof(w) / sizeof(w[0]) ? w[code] : "?";
}

/* ---- the state machine ---- */

static void hold_fire(void *arg);
static void ka_fire(void *arg);
static void retry_fire(void *arg);

static void
hold_restart(struct bgp *b, sb_time t)
{
	if (t > 0)
		sb_timer_set(b->pf, &b->hold_t, sb_now(b->pf) + t, hold_fire,
		    b);
	else
		sb_timer_stop(b->pf, &b->hold_t);
}

static void
send_open(struct bgp *b)
{
	uint8_t m[OPEN_LEN];

	send_msg(b, m, bgp_msg_open(m, sizeof(m), b->cfg.local_as,
	    b->cfg.hold, b->cfg.local_addr));
}

/* Into OpenSent: our OPEN goes, and goes again every retry interval
 * until the peer's comes (over TCP it would arrive or the connection
 * fail; a datagram may simply be lost). */
static void
open_send(struct bgp *b)
{
	b->state = BGP_OPEN_SENT;
	b->hold = b->ka = 0;
	send_open(b);
	hold_restart(b, BGP_OPEN_HOLD);
	sb_timer_set(b->pf, &b->retry_t, sb_now(b->pf) + b->cfg.retry,
	    retry_fire, b);
}

/* Every learned route goes: one event each, and the caller told. */
static void
withdraw_all(struct bgp *b, const char *why)
{
	char px[48];

	while (b->nlearned > 0) {
		struct bgp_prefix x = b->learned[--b->nlearned];

		event(b, "bgp-withdraw", prefix_fmt(x.addr, x.len, px,
		    sizeof(px)), why, 0);
		if (b->cfg.on_route != NULL)
			b->cfg.on_route(b->cfg.ctx, x.addr, x.len, 0);
	}
	b->st.learned = 0;
}

/*
 * The session ends: a NOTIFICATION first when there is a reason to give
 * and a way to give it (code 0: none), then the routes go, and, with the
 * transport still up, a new OPEN after the retry wait.
 */
static void
session_down(struct bgp *b, const char *why, unsigned code, unsigned sub)
{
	int was_up = b->state == BGP_ESTABLISHED;
	size_t had = b->nlearned;
	char d[160];

	if (b->state == BGP_IDLE)
		return;
	if (code != 0 && b->tup) {
		uint8_t m[NOTIFY_MIN];
		send_msg(b, m, bgp_msg_notification(m, sizeof(m), code, sub));
		snprintf(d, sizeof(d), "sent %u/%u: %s", code, sub,
		    error_words(code));
		event(b, "bgp-notify", b->name, d, code);
	}
	b->state = BGP_IDLE;
	b->hold = b->ka = 0;
	sb_timer_stop(b->pf, &b->hold_t);
	sb_timer_stop(b->pf, &b->ka_t);
	withdraw_all(b, why);
	if (was_up) {
		event(b, "bgp-down", b->name, why, (double)had);
		if (b->cfg.on_session != NULL)
			b->cfg.on_session(b->cfg.ctx, 0);
	}
	if (b->tup)
		sb_timer_set(b->pf, &b->retry_t, sb_now(b->pf) + b->cfg.retry,
		    retry_fire, b);
}

static void
hold_fire(void *arg)
{
	struct bgp *b = arg;

	b->hold_t = 0;
	b->st.hold_expired++;
	session_down(b, "hold timer expired", ERR_HOLD, 0);
}

static void
ka_fire(void *arg)
{
	struct bgp *b = arg;

	b->ka_t = 0;
	if (b->state != BGP_OPEN_CONFIRM && b->state != BGP_ESTABLISHED)
		return;
	send_keepalive(b);
	sb_timer_set(b->pf, &b->ka_t, sb_now(b->pf) + b->ka, ka_fire, b);
}

static void
retry_fire(void *arg)
{
	struct bgp *b = arg;

	b->retry_t = 0;
	if (b->tup && (b->state == BGP_IDLE || b->state == BGP_OPEN_SENT))
		open_send(b);
}

/* The peer's OPEN, in OpenSent.  0, or -1 when the session went down. */
static int
open_input(struct bgp *b, const uint8_t *m, size_t len)
{
	unsigned as = get16(m + 20), opl = m[28];
	sb_time hold = (sb_time)get16(m + 22) * SB_S;
	uint32_t id = get32(m + 24);
	char d[160], a[INET_ADDR_STR];

	if (OPEN_LEN + opl != len) {
		session_down(b, "malformed OPEN", ERR_HEADER, SUB_BAD_LENGTH);
		return -1;
	}
	if (m[19] != BGP_VERSION) {
		session_down(b, "unsupported version", ERR_OPEN, SUB_VERSION);
		return -1;
	}
	if (as != b->cfg.peer_as) {
		session_down(b, "bad peer AS", ERR_OPEN, SUB_PEER_AS);
		return -1;
	}
	if (id == 0 || id == b->cfg.local_addr) {
		session_down(b, "bad BGP identifier", ERR_OPEN, SUB_BGP_ID);
		return -1;
	}
	if (hold == SB_S || hold == 2 * SB_S) {
		session_down(b, "unacceptable hold time", ERR_OPEN, SUB_HOLD);
		return -1;
	}
	/* optional parameters (capabilities) are read past: we offer none
	 * and need none */
	b->hold = hold < b->cfg.hold ? hold : b->cfg.hold;
	b->ka = b->cfg.keepalive > 0 && b->cfg.keepalive < b->hold ?
	    b->cfg.keepalive : b->hold / 3;
	b->state = BGP_OPEN_CONFIRM;
	sb_timer_stop(b->pf, &b->retry_t);
	send_keepalive(b);
	hold_restart(b, b->hold);
	if (b->ka > 0)
		sb_timer_set(b->pf, &b->ka_t, sb_now(b->pf) + b->ka, ka_fire,
		    b);
	snprintf(d, sizeof(d), "AS %u, id %s, hold %llds", as,
	    inet_addr_fmt(id, a), (long long)(hold / SB_S));
	event(b, "bgp-open", b->name, d, (double)b->hold / 1e9);
	return 0;
}

static void
established(struct bgp *b)
{
	char d[96];

	b->state = BGP_ESTABLISHED;
	b->st.established++;
	hold_restart(b, b->hold);
	snprintf(d, sizeof(d), "hold %llds, keepalive %.3gs",
	    (long long)(b->hold / SB_S), (double)b->ka / 1e9);
	event(b, "bgp-up", b->name, d, (double)b->hold / 1e9);
	if (b->cfg.on_session != NULL)
		b->cfg.on_session(b->cfg.ctx, 1);
	send_update(b, b->local, b->nlocal, 0);
}

/* Read n bytes of prefixes at p into v (at most cap); the count, or -1
 * when malformed. */
static int
read_prefixes(const uint8_t *p, size_t n, struct bgp_prefix *v, size_t cap,
    size_t *count)
{
	size_t i = 0;

	*count = 0;
	while (i < n) {
		unsigned len = p[i], k = (len + 7) / 8;
		uint32_t a = 0;

		if (len > 32 || i + 1 + k > n)
			return -1;
		for (unsigned j = 0; j < k; j++)
			a |= (uint32_t)p[i + 1 + j] << (24 - 8 * j);
		if (*count < cap)
			v[(*count)++] = (struct bgp_prefix){ a & inet_mask(len),
			    (uint8_t)len };
		i += 1 + k;
	}
	return 0;
}

static void
learn(struct bgp *b, const struct bgp_prefix *x)
{
	char px[48];

	if (find(b->learned, b->nlearned, x->addr, x->len) >= 0)
		return;               /* the same route again: no change */
	prefix_fmt(x->addr, x->len, px, sizeof(px));
	if (b->nlearned == BGP_MAX_PREFIXES) {
		event(b, "bgp-table-full", px, b->name, 0);
		return;
	}
	b->learned[b->nlearned++] = *x;
	b->st.learned = b->nlearned;
	event(b, "bgp-learn", px, b->name, 0);
	if (b->cfg.on_route != NULL)
		b->cfg.on_route(b->cfg.ctx, x->addr, x->len, 1);
}

static void
unlearn(struct bgp *b, const struct bgp_prefix *x)
{
	int i = find(b->learned, b->nlearned, x->addr, x->len);
	char px[48];

	if (i < 0)
		return;
	b->learned[i] = b->learned[--b->nlearned];
	b->st.learned = b->nlearned;
	event(b, "bgp-withdraw", prefix_fmt(x->addr, x->len, px, sizeof(px)),
	    "withdrawn by the peer", 0);
	if (b->cfg.on_route != NULL)
		b->cfg.on_route(b->cfg.ctx, x->addr, x->len, 0);
}

/* An UPDATE in Established: lengths first, then the attributes, then
 * withdrawals before announcements (RFC 4271 9). */
static void
update_input(struct bgp *b, const uint8_t *m, size_t len)
{
	struct bgp_prefix w[BGP_MAX_PREFIXES], a[BGP_MAX_PREFIXES];
	size_t wl, al, nw, na, nl, off;
	const uint8_t *attrs, *nlri;
	int seen = 0, loop = 0;

	wl = get16(m + BGP_HDR);
	if (UPDATE_MIN + wl > len) {
		session_down(b, "malformed UPDATE", ERR_UPDATE, SUB_ATTR_LIST);
		return;
	}
	al = get16(m + BGP_HDR + 2 + wl);
	if (UPDATE_MIN + wl + al > len) {
		session_down(b, "malformed UPDATE", ERR_UPDATE, SUB_ATTR_LIST);
		return;
	}
	attrs = m + BGP_HDR + 4 + wl;
	nlri = attrs + al;
	nl = len - UPDATE_MIN - wl - al;
	if (read_prefixes(m + BGP_HDR + 2, wl, w, BGP_MAX_PREFIXES, &nw) < 0) {
		session_down(b, "malformed withdrawn routes", ERR_UPDATE,
		    SUB_ATTR_LIST);
		return;
	}
	if (read_prefixes(nlri, nl, a, BGP_MAX_PREFIXES, &na) < 0) {
		session_down(b, "invalid NLRI", ERR_UPDATE, SUB_NETWORK);
		return;
	}
	for (off = 0; off < al;) {
		unsigned flags, type;
		size_t alen, h;

		if (off + 3 > al)
			goto bad_attrs;
		flags = attrs[off];
		type = attrs[off + 1];
		h = flags & FLAG_EXTENDED ? 4 : 3;
		if (off + h > al)
			goto bad_attrs;
		alen = h == 4 ? get16(attrs + off + 2) : attrs[off + 2];
		if (off + h + alen > al)
			goto bad_attrs;
		const uint8_t *v = attrs + off + h;
		switch (type) {
		case ATTR_ORIGIN:
			if (alen != 1)
				goto bad_attrs;
			if (v[0] > 2) {
				session_down(b, "invalid ORIGIN", ERR_UPDATE,
				    SUB_ORIGIN);
				return;
			}
			break;
		case ATTR_AS_PATH:
			/* eBGP: the path starts with the peer's AS
			 * (RFC 4271 6.3); our own AS in it is a loop */
			for (size_t i = 0; i < alen;) {
				size_t cnt;
				if (i + 2 > alen)
					goto bad_path;
				cnt = v[i + 1];
				if (i + 2 + 2 * cnt > alen)
					goto bad_path;
				for (size_t j = 0; j < cnt; j++) {
					unsigned as = get16(v + i + 2 + 2 * j);
					if (i == 0 && j == 0 &&
					    as != b->cfg.peer_as)
						goto bad_path;
					loop |= as == b->cfg.local_as;
				}
				i += 2 + 2 * cnt;
			}
			if (alen == 0)
				goto bad_path;
			break;
		case ATTR_NEXT_HOP:
			if (alen != 4)
				goto bad_attrs;
			break;
		}
		if (type >= ATTR_ORIGIN && type <= ATTR_NEXT_HOP)
			seen |= 1 << type;
		off += h + alen;
	}
	if (na > 0 && seen != (1 << ATTR_ORIGIN | 1 << ATTR_AS_PATH |
	    1 << ATTR_NEXT_HOP)) {
		session_down(b, "missing well-known attribute", ERR_UPDATE,
		    SUB_MISSING);
		return;
	}
	for (size_t i = 0; i < nw; i++)
		unlearn(b, &w[i]);
	for (size_t i = 0; i < na && !loop; i++)
		learn(b, &a[i]);
	return;
bad_path:
	session_down(b, "malformed AS_PATH", ERR_UPDATE, SUB_AS_PATH);
	return;
bad_attrs:
	session_down(b, "malformed attribute list", ERR_UPDATE, SUB_ATTR_LIST);
}

/* One message, its header already checked. */
static void
message(struct bgp *b, const uint8_t *m, size_t len)
{
	int type = m[18];
	char d[160];

	b->st.received[type]++;
	if (type == BGP_NOTIFICATION) {
		snprintf(d, sizeof(d), "received %u/%u: %s", m[19], m[20],
		    error_words(m[19]));
		event(b, "bgp-notify", b->name, d, m[19]);
		session_down(b, "notification received", 0, 0);
		return;
	}
	if (b->state == BGP_IDLE) {
		/* An OPEN while we wait to retry: the peer is ready, so are
		 * we (the passive side of RFC 4271's Idle/Active) */
		if (type != BGP_OPEN || !b->tup)
			return;
		open_send(b);
	}
	switch (b->state) {
	case BGP_OPEN_SENT:
		/* A KEEPALIVE here answers our OPEN while the peer's was
		 * lost on the way: it comes again, as ours does; wait. */
		if (type == BGP_OPEN)
			open_input(b, m, len);
		else if (type != BGP_KEEPALIVE)
			session_down(b, "unexpected message in OpenSent",
			    ERR_FSM, 1);
		return;
	case BGP_OPEN_CONFIRM:
		/* The peer's OPEN again: it never had ours (lost), so
		 * ours goes again, with the KEEPALIVE that accepts its. */
		if (type == BGP_KEEPALIVE)
			established(b);
		else if (type == BGP_OPEN && get16(m + 20) == b->cfg.peer_as) {
			send_open(b);
			send_keepalive(b);
		} else
			session_down(b, "unexpected message in OpenConfirm",
			    ERR_FSM, 2);
		return;
	case BGP_ESTABLISHED:
		if (type == BGP_KEEPALIVE) {
			hold_restart(b, b->hold);
		} else if (type == BGP_UPDATE) {
			hold_restart(b, b->hold);
			update_input(b, m, len);
		} else
			session_down(b, "unexpected message in Established",
			    ERR_FSM, 3);
		return;
	default:
		return;
	}
}

int
bgp_input(struct bgp *b, struct sb_packet *p)
{
	struct inet_udp u;
	const uint8_t *m;
	size_t len, i;
	static const size_t min[] = { 0, OPEN_LEN, UPDATE_MIN, NOTIFY_MIN,
		BGP_HDR };

	if (p->data == NULL || inet_udp_parse(p->data, p->len, &u) < 0 ||
	    u.dst != b->cfg.local_addr || u.dport != BGP_PORT)
		return -1;
	m = u.payload;
	for (i = 0; i < u.len && b->tup; i += len) {
		int type;
		size_t left = u.len - i;

		for (int k = 0; k < 16; k++)
			if (i + (size_t)k >= u.len || m[i + k] != 0xff) {
				session_down(b, "connection not synchronized",
				    ERR_HEADER, SUB_NOT_SYNC);
				goto out;
			}
		if (left < BGP_HDR) {
			session_down(b, "bad message length", ERR_HEADER,
			    SUB_BAD_LENGTH);
			break;
		}
		len = get16(m + i + 16);
		type = m[i + 18];
		if (type < BGP_OPEN || type > BGP_KEEPALIVE) {
			session_down(b, "bad message type", ERR_HEADER,
			    SUB_BAD_TYPE);
			break;
		}
		if (len < min[type] || len > BGP_MAX_MSG || len > left ||
		    (type == BGP_KEEPALIVE && len != BGP_HDR)) {
			session_down(b, "bad message length", ERR_HEADER,
			    SUB_BAD_LENGTH);
			break;
		}
		message(b, m + i, len);
	}
out:
	b->pf->ops->packet_free(b->pf->ctx, p);
	return 0;
}

void
bgp_transport(struct bgp *b, int up)
{
	if (up) {
		if (b->tup)
			return;
		b->tup = 1;
		if (b->state == BGP_IDLE)
			open_send(b);
		return;
	}
	if (!b->tup)
		return;
	b->tup = 0;
	sb_timer_stop(b->pf, &b->retry_t);
	session_down(b, "tunnel down", 0, 0);
}

int
bgp_announce(struct bgp *b, uint32_t addr, unsigned len)
{
	struct bgp_prefix x;

	if (len > 32)
		return -1;
	x = (struct bgp_prefix){ addr & inet_mask(len), (uint8_t)len };
	if (find(b->local, b->nlocal, x.addr, x.len) >= 0)
		return 0;
	if (b->nlocal == BGP_MAX_PREFIXES)
		return -1;
	b->local[b->nlocal++] = x;
	if (b->state == BGP_ESTABLISHED)
		send_update(b, &x, 1, 0);
	return 0;
}

int
bgp_withdraw(struct bgp *b, uint32_t addr, unsigned len)
{
	struct bgp_prefix x;
	int i;

	if (len > 32)
		return -1;
	x = (struct bgp_prefix){ addr & inet_mask(len), (uint8_t)len };
	if ((i = find(b->local, b->nlocal, x.addr, x.len)) < 0)
		return 0;
	b->local[i] = b->local[--b->nlocal];
	if (b->state == BGP_ESTABLISHED)
		send_update(b, &x, 1, 1);
	return 0;
}

struct bgp *
bgp_new(const struct sb_platform *pf, const struct bgp_config *cfg,
    char *err, size_t errlen)
{
	struct bgp *b;

	if (cfg->local_as == 0 || cfg->local_as > 65535 ||
	    cfg->peer_as == 0 || cfg->peer_as > 65535) {
		snprintf(err, errlen, "BGP session %s: AS numbers are 1 to "
		    "65535", cfg->name);
		return NULL;
	}
	if (cfg->hold >= 0 && (cfg->hold % SB_S != 0 ||
	    (cfg->hold > 0 && cfg->hold < 3 * SB_S) ||
	    cfg->hold > 65535 * SB_S)) {
		snprintf(err, errlen, "BGP session %s: the hold time is 0 or "
		    "3 to 65535 whole seconds", cfg->name);
		return NULL;
	}
	if (cfg->nprefixes > BGP_MAX_PREFIXES) {
		snprintf(err, errlen, "BGP session %s: at most %d prefixes",
		    cfg->name, BGP_MAX_PREFIXES);
		return NULL;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	b->pf = pf;
	b->cfg = *cfg;
	snprintf(b->name, sizeof(b->name), "%s", cfg->name ? cfg->name : "bgp");
	snprintf(b->node, sizeof(b->node), "%s", cfg->node ? cfg->node : "");
	b->cfg.name = b->name;
	b->cfg.node = b->node;
	b->cfg.prefixes = NULL;
	if (b->cfg.hold < 0)
		b->cfg.hold = BGP_HOLD_DEFAULT;
	if (b->cfg.retry <= 0)
		b->cfg.retry = BGP_RETRY_DEFAULT;
	for (size_t i = 0; i < cfg->nprefixes; i++)
		if (bgp_announce(b, cfg->prefixes[i].addr,
		    cfg->prefixes[i].len) < 0) {
			snprintf(err, errlen, "BGP session %s: prefix length "
			    "above 32", cfg->name);
			free(b);
			return NULL;
		}
	return b;
}

void
bgp_free(struct bgp *b)
{
	if (b == NULL)
		return;
	sb_timer_stop(b->pf, &b->hold_t);
	sb_timer_stop(b->pf, &b->ka_t);
	sb_timer_stop(b->pf, &b->retry_t);
	free(b);
}

enum bgp_state
bgp_state(const struct bgp *b)
{
	return b->state;
}

sb_time
bgp_hold(const struct bgp *b)
{
	return b->hold;
}

sb_time
bgp_keepalive(const struct bgp *b)
{
	return b->ka;
}

const struct bgp_stats *
bgp_stats(const struct bgp *b)
{
	return &b->st;
}

int
bgp_learned(const struct bgp *b, uint32_t addr, unsigned len)
{
	return find(b->learned, b->nlearned, addr & inet_mask(len), len) >= 0;
}
