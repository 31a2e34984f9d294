/*
 * One unit of a Socket HA pair: the heartbeat and the election (wan/ha.h
 * has the rules).  Two timers: the heartbeat, which repeats while the
 * unit is up, and the dead timer, moved to heard + heartbeat x misses by
 * every heartbeat heard; when it fires the peer is lost.  Every change of
 * role is an "ha-state" event for the recorder.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wan/byteorder.h"
#include "wan/ha.h"

#define HA_VERSION 1
#define HA_F_PRIMARY 0x01
#define HA_F_READY 0x02

struct ha {
	const struct sb_platform *pf;
	struct ha_cfg cfg;
	enum ha_state state;
	int ready;
	uint32_t seq;
	sb_time heard_at;          /* last heartbeat heard, or -1 */
	sb_timer hb_timer, dead_timer;
	struct ha_stats st;
};

static sb_time
now(const struct ha *h)
{
	return sb_now(h->pf);
}

const char *
ha_state_name(enum ha_state st)
{
	static const char *const names[] = { "down", "listen", "standby",
		"active" };

	return st <= HA_ACTIVE ? names[st] : "?";
}

static void
send_heartbeat(struct ha *h)
{
	struct sb_packet *p = h->pf->ops->packet_new(h->pf->ctx);
	uint8_t *b;

	if (p == NULL)
		return;            /* a heartbeat lost, as on a busy LAN */
	b = p->data;
	memcpy(b, "SBHA", 4);
	b[4] = HA_VERSION;
	b[5] = (uint8_t)h->state;
	b[6] = (uint8_t)((h->cfg.primary ? HA_F_PRIMARY : 0) |
	    (h->ready ? HA_F_READY : 0));
	b[7] = 0;
	put32(b + 8, h->cfg.pair);
	put32(b + 12, h->seq++);
	p->len = HA_MSG_BYTES;
	p->size = HA_MSG_BYTES + 28;  /* UDP and IPv4 headers */
	p->flow = SB_FLOW_NONE;
	h->st.sent++;
	(void)h->pf->ops->send(h->pf->ctx, HA_LAN_PORT, p);
}

static void
hb_fire(void *arg)
{
	struct ha *h = arg;

	h->hb_timer = 0;
	send_heartbeat(h);
	sb_timer_set(h->pf, &h->hb_timer, now(h) + h->cfg.heartbeat, hb_fire,
	    h);
}

/* The role changes to st; why goes in the event. */
static void
become(struct ha *h, enum ha_state st, const char *why)
{
	enum ha_state was = h->state;
	char detail[96];
	struct sb_event ev = { "ha-state", NULL, h->cfg.name, detail, 0 };

	if (was == st)
		return;
	h->state = st;
	if (st == HA_ACTIVE)
		h->st.takeovers++;
	snprintf(detail, sizeof(detail), "%s>%s: %s", ha_state_name(was),
	    ha_state_name(st), why);
	if (h->heard_at >= 0)
		ev.value = (double)(now(h) - h->heard_at) / 1e9;
	h->pf->ops->emit(h->pf->ctx, &ev);
	/* the peer hears of it at once, not a heartbeat later */
	send_heartbeat(h);
	sb_timer_set(h->pf, &h->hb_timer, now(h) + h->cfg.heartbeat, hb_fire,
	    h);
	if (h->cfg.on_state != NULL)
		h->cfg.on_state(h->cfg.ctx, st);
}

static void
dead_fire(void *arg)
{
	struct ha *h = arg;

	h->dead_timer = 0;
	h->st.peer_lost++;
	if (h->state != HA_ACTIVE && h->ready)
		become(h, HA_ACTIVE, h->heard_at < 0 ? "no peer heard" :
		    "peer silent");
	else if (h->state == HA_LISTEN)
		become(h, HA_STANDBY, "no peer heard, not ready");
}

static void
arm_dead(struct ha *h)
{
	sb_timer_set(h->pf, &h->dead_timer, now(h) +
	    h->cfg.heartbeat * (sb_time)h->cfg.misses, dead_fire, h);
}

struct ha *
ha_new(const struct sb_platform *pf, const struct ha_cfg *cfg, char *err,
    size_t errlen)
{
	struct ha *h;

	if (cfg->heartbeat < 0) {
		snprintf(err, errlen, "ha: the heartbeat interval must be "
		    "positive");
		return NULL;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->pf = pf;
	h->cfg = *cfg;
	if (h->cfg.heartbeat == 0)
		h->cfg.heartbeat = HA_HEARTBEAT_DEFAULT;
	if (h->cfg.misses == 0)
		h->cfg.misses = HA_MISSES_DEFAULT;
	h->cfg.name = NULL;
	if ((h->cfg.name = strdup(cfg->name != NULL ? cfg->name : "ha")) ==
	    NULL) {
		free(h);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->ready = 1;
	h->heard_at = -1;
	return h;
}

void
ha_free(struct ha *h)
{
	if (h == NULL)
		return;
	sb_timer_stop(h->pf, &h->hb_timer);
	sb_timer_stop(h->pf, &h->dead_timer);
	free((void *)h->cfg.name);
	free(h);
}

void
ha_start(struct ha *h, int listen)
{
	if (h->state != HA_DOWN)
		return;
	h->heard_at = -1;
	h->state = listen ? HA_LISTEN : h->cfg.primary ? HA_ACTIVE :
	    HA_STANDBY;
	send_heartbeat(h);
	sb_timer_set(h->pf, &h->hb_timer, now(h) + h->cfg.heartbeat, hb_fire,
	    h);
	arm_dead(h);
}

void
ha_stop(struct ha *h)
{
	sb_timer_stop(h->pf, &h->hb_timer);
	sb_timer_stop(h->pf, &h->dead_timer);
	h->state = HA_DOWN;
}

void
ha_set_ready(struct ha *h, int ready)
{
	ready = ready != 0;
	if (h->ready == ready)
		return;
	h->ready = ready;
	if (h->state == HA_DOWN)
		return;
	send_heartbeat(h);
	sb_timer_set(h->pf, &h->hb_timer, now(h) + h->cfg.heartbeat, hb_fire,
	    h);
}

/* Of two units alike in role, which keeps or takes it: the ready one,
 * and between two equally ready the primary. */
static int
wins(const struct ha *h, int peer_ready)
{
	if (h->ready != peer_ready)
		return h->ready;
	return h->cfg.primary;
}

void
ha_input(struct ha *h, struct sb_packet *p)
{
	const uint8_t *b = p->data;
	enum ha_state ps;
	int pready, pprimary;

	if (h->state == HA_DOWN) {
		/* powered off: hears nothing */
		h->pf->ops->packet_free(h->pf->ctx, p);
		return;
	}
	if (b == NULL || p->len < HA_MSG_BYTES ||
	    memcmp(b, "SBHA", 4) != 0 || b[4] != HA_VERSION ||
	    b[5] > HA_ACTIVE || get32(b + 8) != h->cfg.pair ||
	    ((b[6] & HA_F_PRIMARY) != 0) == (h->cfg.primary != 0)) {
		/* not ours: another pair's, a unit claiming our own role,
		 * or not a heartbeat */
		h->st.ignored++;
		h->pf->ops->packet_free(h->pf->ctx, p);
		return;
	}
	ps = (enum ha_state)b[5];
	pready = (b[6] & HA_F_READY) != 0;
	pprimary = (b[6] & HA_F_PRIMARY) != 0;
	h->pf->ops->packet_free(h->pf->ctx, p);
	h->st.heard++;
	h->heard_at = now(h);
	arm_dead(h);

	if (h->state == HA_ACTIVE) {
		if (ps == HA_ACTIVE && !wins(h, pready))
			become(h, HA_STANDBY, "peer active");
		return;
	}
	/* standby or listening */
	if (ps == HA_ACTIVE) {
		if (!pready && h->ready)
			become(h, HA_ACTIVE, "peer not ready");
		else if (h->cfg.preempt && h->cfg.primary && !pprimary &&
		    h->ready)
			become(h, HA_ACTIVE, "pre-emption");
		else
			become(h, HA_STANDBY, "peer active");
		return;
	}
	if (wins(h, pready))
		become(h, HA_ACTIVE, "peer standing by");
	else
		become(h, HA_STANDBY, "peer standing by");
}

enum ha_state
ha_state(const struct ha *h)
{
	return h->state;
}

const struct ha_stats *
ha_stats(const struct ha *h)
{
	return &h->st;
}

const struct ha_cfg *
ha_cfg(const struct ha *h)
{
	return &h->cfg;
}
