/*
 * A Socket HA pair's election (wan/ha.c): both units on one fake
 * platform, so one clock, with a LAN the test can cut.  The pair forms
 * quietly; a silent primary is taken over exactly heartbeat x misses after
 * its last heartbeat, for two settings; a recovered primary stands by
 * without pre-emption and takes back over with it; a primary that loses
 * its links hands over at once; a unit alone comes up active after a dead
 * interval; other pairs' and malformed datagrams are ignored; and no two
 * units are ever active together for longer than one heartbeat's flight.
 */
#include <check.h>
#include <stdint.h>

#include "wan/ha.h"
#include "wan/byteorder.h"
#include "tests/unit/check_main.h"
#include "tests/unit/fake_platform.h"

#define T0 (1000 * SB_S)

struct pair {
	struct fake *f;
	struct ha *u[2];           /* 0 primary, 1 secondary */
	int lan_up;
	int changes[2];
	enum ha_state last[2];
	sb_time at[2];             /* time of the last change */
	int both_active;           /* seen both active after a change */
};

struct unit_ctx {
	struct pair *p;
	int i;
};

static struct unit_ctx ctxs[2];

static void
on_state(void *ctx, enum ha_state st)
{
	struct unit_ctx *c = ctx;

	c->p->changes[c->i]++;
	c->p->last[c->i] = st;
	c->p->at[c->i] = fake_now(c->p->f);
}

/* The LAN: a heartbeat goes to the other unit than the one that sent it
 * (its primary flag says which), at once. */
static int
lan(void *arg, unsigned link, struct sb_packet *p)
{
	struct pair *pr = arg;
	int from_primary = p->data != NULL && p->len >= HA_MSG_BYTES &&
	    (p->data[6] & 1) != 0;

	ck_assert_uint_eq(link, HA_LAN_PORT);
	if (!pr->lan_up) {
		pr->f->ops.packet_free(pr->f, p);
		return 0;
	}
	ha_input(pr->u[from_primary ? 1 : 0], p);
	if (ha_state(pr->u[0]) == HA_ACTIVE &&
	    ha_state(pr->u[1]) == HA_ACTIVE)
		pr->both_active++;
	return 0;
}

static void
mk(struct pair *p, sb_time hb, unsigned misses, int preempt)
{
	char err[128];

	memset(p, 0, sizeof(*p));
	p->f = fake_new(7);
	p->f->now = T0;
	p->f->on_send = lan;
	p->f->hook_arg = p;
	p->lan_up = 1;
	for (int i = 0; i < 2; i++) {
		struct ha_cfg cfg = {
			.name = i == 0 ? "site/primary" : "site/secondary",
			.pair = 0x5a5a,
			.primary = i == 0,
			.heartbeat = hb,
			.misses = misses,
			.preempt = preempt,
			.on_state = on_state,
			.ctx = &ctxs[i],
		};
		ctxs[i] = (struct unit_ctx){ p, i };
		p->u[i] = ha_new(fake_platform(p->f), &cfg, err, sizeof(err));
		ck_assert_ptr_nonnull(p->u[i]);
	}
	ha_start(p->u[0], 0);
	ha_start(p->u[1], 0);
}

/* The two units' states, primary first. */
#define roles(p, s0, s1) do { \
	ck_assert_int_eq(ha_state((p)->u[0]), (s0)); \
	ck_assert_int_eq(ha_state((p)->u[1]), (s1)); \
} while (0)

/* A heartbeat as a unit of pair `pair` with `flags` in `state` would send
 * it, for the test to hand in itself. */
static struct sb_packet *
forge(struct pair *p, enum ha_state state, uint8_t flags, uint32_t pair)
{
	struct sb_packet *q = p->f->ops.packet_new(p->f);

	memcpy(q->data, "SBHA", 4);
	q->data[4] = 1;
	q->data[5] = (uint8_t)state;
	q->data[6] = flags;
	q->data[7] = 0;
	put32(q->data + 8, pair);
	put32(q->data + 12, 0);
	q->len = HA_MSG_BYTES;
	return q;
}

static void
done(struct pair *p)
{
	ha_free(p->u[0]);
	ha_free(p->u[1]);
	ck_assert_uint_eq(fake_outstanding(p->f), 0);
	fake_free(p->f);
}

START_TEST(test_forms_quietly)
{
	struct pair p;

	mk(&p, 0, 0, 0);
	roles(&p, HA_ACTIVE, HA_STANDBY);
	fake_advance(p.f, T0 + 60 * SB_S);
	ck_assert_int_eq(p.changes[0] + p.changes[1], 0);
	roles(&p, HA_ACTIVE, HA_STANDBY);
	/* the defaults: one a second, each way, and one at the start (the
	 * primary's came before the secondary was up: not heard) */
	ck_assert_uint_eq(ha_stats(p.u[0])->sent, 61);
	ck_assert_uint_eq(ha_stats(p.u[1])->heard, 60);
	ck_assert_uint_eq(ha_stats(p.u[1])->ignored, 0);
	ck_assert_int_eq(ha_cfg(p.u[0])->heartbeat, HA_HEARTBEAT_DEFAULT);
	ck_assert_uint_eq(ha_cfg(p.u[0])->misses, HA_MISSES_DEFAULT);
	done(&p);
}
END_TEST

/* The primary powers off between two heartbeats: the secondary takes over
 * heartbeat x misses after the last one it heard, never later than that
 * after the failure. */
static void
takeover_after(sb_time hb, unsigned misses)
{
	struct pair p;
	sb_time fail = T0 + 10 * hb + hb / 3, last = T0 + 10 * hb;

	mk(&p, hb, misses, 0);
	fake_advance(p.f, fail);
	ha_stop(p.u[0]);
	ck_assert_int_eq(ha_state(p.u[0]), HA_DOWN);
	fake_advance(p.f, last + hb * (sb_time)misses - 1);
	ck_assert_int_eq(ha_state(p.u[1]), HA_STANDBY);
	fake_advance(p.f, last + hb * (sb_time)misses);
	ck_assert_int_eq(ha_state(p.u[1]), HA_ACTIVE);
	ck_assert_int_eq(p.changes[1], 1);
	ck_assert_int_eq(p.at[1], last + hb * (sb_time)misses);
	ck_assert_int_le(p.at[1] - fail, hb * (sb_time)misses);
	ck_assert_int_eq(p.changes[0], 0);   /* ha_stop() calls nothing */
	ck_assert_uint_eq(ha_stats(p.u[1])->takeovers, 1);
	ck_assert_uint_eq(ha_stats(p.u[1])->peer_lost, 1);
	/* and the event says so */
	ck_assert_uint_ge(p.f->nevents, 1);
	ck_assert_str_eq(p.f->events[p.f->nevents - 1].kind, "ha-state");
	ck_assert_str_eq(p.f->events[p.f->nevents - 1].subject,
	    "site/secondary");
	ck_assert_str_eq(p.f->events[p.f->nevents - 1].detail,
	    "standby>active: peer silent");
	done(&p);
}

START_TEST(test_takeover_default)
{
	takeover_after(SB_S, 3);
}
END_TEST

START_TEST(test_takeover_fast)
{
	takeover_after(200 * SB_MS, 5);
}
END_TEST

/* The primary fails at 5 s and is back at 20 s; the pair as it is at
 * 60 s is left for the test to look at. */
static void
primary_back(struct pair *p, int preempt)
{
	mk(p, 0, 0, preempt);
	fake_advance(p->f, T0 + 5 * SB_S + 1);
	ha_stop(p->u[0]);
	fake_advance(p->f, T0 + 20 * SB_S);
	ck_assert_int_eq(ha_state(p->u[1]), HA_ACTIVE);
	ha_start(p->u[0], 1);
	ck_assert_int_eq(ha_state(p->u[0]), HA_LISTEN);
	fake_advance(p->f, T0 + 60 * SB_S);
}

START_TEST(test_no_preemption)
{
	struct pair p;

	primary_back(&p, 0);
	roles(&p, HA_STANDBY, HA_ACTIVE);
	ck_assert_int_eq(p.changes[0], 1);
	ck_assert_int_eq(p.changes[1], 1);
	ck_assert_int_eq(p.both_active, 0);
	done(&p);
}
END_TEST

START_TEST(test_preemption)
{
	struct pair p;

	primary_back(&p, 1);
	roles(&p, HA_ACTIVE, HA_STANDBY);
	/* the primary took over the moment it heard the active secondary
	 * (its next heartbeat), and the secondary stood by on the
	 * primary's answer */
	ck_assert_int_gt(p.at[0], T0 + 20 * SB_S);
	ck_assert_int_le(p.at[0], T0 + 21 * SB_S);
	ck_assert_int_eq(p.at[1], p.at[0]);
	done(&p);
}
END_TEST

START_TEST(test_not_ready_hands_over)
{
	struct pair p;

	mk(&p, 0, 0, 0);
	fake_advance(p.f, T0 + 3 * SB_S + SB_S / 2);
	ha_set_ready(p.u[0], 0);
	/* at once, not a dead interval later */
	roles(&p, HA_STANDBY, HA_ACTIVE);
	ck_assert_int_eq(p.at[1], T0 + 3 * SB_S + SB_S / 2);
	/* links back: no pre-emption, nothing moves */
	ha_set_ready(p.u[0], 1);
	fake_advance(p.f, T0 + 30 * SB_S);
	roles(&p, HA_STANDBY, HA_ACTIVE);
	done(&p);
}
END_TEST

START_TEST(test_alone_comes_up_active)
{
	struct pair p;

	mk(&p, 0, 0, 0);
	ha_stop(p.u[0]);
	ha_stop(p.u[1]);
	fake_advance(p.f, T0 + 10 * SB_S);
	ha_start(p.u[1], 1);
	fake_advance(p.f, T0 + 13 * SB_S - 1);
	ck_assert_int_eq(ha_state(p.u[1]), HA_LISTEN);
	fake_advance(p.f, T0 + 13 * SB_S);
	ck_assert_int_eq(ha_state(p.u[1]), HA_ACTIVE);
	ck_assert_str_eq(p.f->events[p.f->nevents - 1].detail,
	    "listen>active: no peer heard");
	done(&p);
}
END_TEST

/* A split LAN makes both active; when it heals, the primary keeps the
 * role and the secondary stands by on the first heartbeat. */
START_TEST(test_split_brain_heals)
{
	struct pair p;

	mk(&p, 0, 0, 0);
	p.lan_up = 0;
	fake_advance(p.f, T0 + 10 * SB_S);
	roles(&p, HA_ACTIVE, HA_ACTIVE);
	p.lan_up = 1;
	fake_advance(p.f, T0 + 11 * SB_S);
	roles(&p, HA_ACTIVE, HA_STANDBY);
	done(&p);
}
END_TEST

START_TEST(test_ignores_strangers)
{
	struct pair p;
	struct sb_packet *q;

	mk(&p, 0, 0, 0);
	/* another pair's primary, claiming to be active and not ready */
	ha_input(p.u[1], forge(&p, HA_ACTIVE, 1, 0x1234));
	/* short, and garbage */
	q = p.f->ops.packet_new(p.f);
	q->len = 3;
	ha_input(p.u[1], q);
	q = p.f->ops.packet_new(p.f);
	memset(q->data, 0xff, HA_MSG_BYTES);
	q->len = HA_MSG_BYTES;
	ha_input(p.u[1], q);
	/* one of our own role: the secondary hearing a secondary */
	ha_input(p.u[1], forge(&p, HA_STANDBY, 2, 0x5a5a));
	ck_assert_uint_eq(ha_stats(p.u[1])->ignored, 4);
	ck_assert_int_eq(ha_state(p.u[1]), HA_STANDBY);
	ck_assert_int_eq(p.changes[1], 0);
	done(&p);
}
END_TEST

START_TEST(test_bad_config)
{
	struct fake *f = fake_new(1);
	struct ha_cfg cfg = { .name = "x", .heartbeat = -1 };
	char err[128];

	ck_assert_ptr_null(ha_new(fake_platform(f), &cfg, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "heartbeat"));
	fake_free(f);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("ha");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_forms_quietly);
	tcase_add_test(tc, test_takeover_default);
	tcase_add_test(tc, test_takeover_fast);
	tcase_add_test(tc, test_no_preemption);
	tcase_add_test(tc, test_preemption);
	tcase_add_test(tc, test_not_ready_hands_over);
	tcase_add_test(tc, test_alone_comes_up_active);
	tcase_add_test(tc, test_split_brain_heals);
	tcase_add_test(tc, test_ignores_strangers);
	tcase_add_test(tc, test_bad_config);
	suite_add_tcase(s, tc);
	return s;
}
