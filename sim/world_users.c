/*
 * Remote users in the world: each is a site of one link, its last mile,
 * whose Socket runs in client mode (wan/socket.h), so the PoP selection,
 * the tunnel and the move to the next-best PoP are the Socket's code.
 * What this file adds is the users' outages: how long each user was
 * without a tunnel, as an event per outage and metrics per user, and the
 * longest of them for expectations on `users:`.
 *
 * An outage starts at the fault when the timeline names one that cuts
 * the user off (its PoP down, its own access link down): the user's
 * traffic stops there, though its client learns of it only when the
 * keepalives go unanswered.  For any other cause (a path that degrades,
 * an Internet path cut) it starts at the last word the tunnel had from
 * its PoP, the best the client itself can tell.  It ends when the user's
 * tunnel is up again; one not over at the end of the run counts until
 * the end.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sim/kernel.h"
#include "sim/world_impl.h"
#include "wan/tunnel.h"

static int
is_user(const struct world *w, int site)
{
	return site >= 0 && (size_t)site < w->sc->nsites &&
	    w->sc->sites[site].user;
}

/* The tunnel the user's client has now, if it is up. */
static struct wtun *
user_tun_up(struct site *s)
{
	struct wtun *wt = s->links[0].cur;

	return wt != NULL && wt->t[0] != NULL &&
	    tunnel_state(wt->t[0]) == TUNNEL_UP ? wt : NULL;
}

static void
out_begin(struct site *s, sb_time at, int pop)
{
	if (s->out_since != SB_TIME_NEVER)
		return;
	s->out_since = at;
	s->out_pop = pop;
}

static void
out_end(struct world *w, struct site *s, sb_time now, int pop)
{
	struct outage *o;
	char d[200];

	if (s->out_since == SB_TIME_NEVER)
		return;
	if (s->nouts == s->capouts) {
		size_t cap = s->capouts ? 2 * s->capouts : 4;
		struct outage *v = realloc(s->outs, cap * sizeof(*v));
		if (v == NULL) {
			w->failed = 1;
			return;
		}
		s->outs = v;
		s->capouts = cap;
	}
	o = &s->outs[s->nouts++];
	*o = (struct outage){ s->out_since, now - s->out_since, s->out_pop,
	    pop };
	snprintf(d, sizeof(d), "from %s to %s%s",
	    s->out_pop >= 0 ? w->sc->pops[s->out_pop].name : "?",
	    pop >= 0 ? w->sc->pops[pop].name : "none",
	    pop >= 0 ? "" : " (not over at the end)");
	emit(w, "user-outage", s->sc->name, s->sc->group, d,
	    (double)o->took / SB_S);
	s->out_since = SB_TIME_NEVER;
}

/*
 * A timeline action.  Down: the users it cuts off are out from now.  Up:
 * a user whose own link comes back before its client noticed the cut
 * (its tunnel never went down: the session is intact) is back now.  A PoP
 * that comes back has lost its sessions, so its users are back only when
 * their tunnels are up again, as the tunnel tells.
 */
void
users_timeline(struct world *w, const struct sc_action *act)
{
	const struct scenario *sc = w->sc;
	sb_time now = kernel_now(w->k);
	struct wtun *wt;
	struct site *s;

	if (sc->nusers == 0 || act->kind == SC_ACT_SET)
		return;
	if (act->target.kind == SC_T_SITE_LINK && is_user(w, act->target.i)) {
		s = &w->sites[act->target.i];
		if ((wt = user_tun_up(s)) == NULL)
			return;
		if (act->kind == SC_ACT_DOWN)
			out_begin(s, now, wt->pop);
		else
			out_end(w, s, now, wt->pop);
		return;
	}
	if (act->target.kind != SC_T_POP || act->kind != SC_ACT_DOWN)
		return;
	for (size_t i = sc->nsites - sc->nusers; i < sc->nsites; i++) {
		s = &w->sites[i];
		if ((wt = user_tun_up(s)) != NULL && wt->pop == act->target.i)
			out_begin(s, now, wt->pop);
	}
}

/* The client end of a user's tunnel went up or down. */
void
user_tunnel(struct wtun *wt, int up)
{
	struct world *w = wt->w;
	struct site *s;
	sb_time last;

	if (!is_user(w, wt->site) || wt->pop < 0)
		return;
	s = &w->sites[wt->site];
	if (wt != s->links[0].cur)
		return;  /* one the client has left */
	if (up) {
		out_end(w, s, kernel_now(w->k), wt->pop);
		return;
	}
	last = tunnel_last_rx(wt->t[0]);
	out_begin(s, last != SB_TIME_NEVER ? last : kernel_now(w->k),
	    wt->pop);
}

/* At the end: outages still under way count until now; each user's
 * figures go to the results. */
void
users_finish(struct world *w, sb_time end)
{
	const struct scenario *sc = w->sc;

	for (size_t i = sc->nsites - sc->nusers; i < sc->nsites; i++) {
		struct site *s = &w->sites[i];
		const struct socket_link_stats *ls;
		double longest = 0;

		out_end(w, s, end, -1);
		if (w->rec == NULL)
			continue;
		for (size_t k = 0; k < s->nouts; k++)
			if ((double)s->outs[k].took > longest)
				longest = (double)s->outs[k].took;
		ls = socket_link_stats(s->sock, 0);
		rec_check(w, recorder_metric(w->rec, "user", s->sc->name,
		    "outages", (double)s->nouts, "count"));
		rec_check(w, recorder_metric(w->rec, "user", s->sc->name,
		    "outage-time", longest, "ns"));
		rec_check(w, recorder_metric(w->rec, "user", s->sc->name,
		    "pop-moves", ls != NULL ? (double)ls->pop_moves : 0,
		    "count"));
	}
}

/* The longest outage among the users of t that began in [from, to); 0
 * when none of them had one. */
double
users_outage_max(const struct world *w, const struct sc_target *t,
    sb_time from, sb_time to)
{
	double v = 0;

	for (int i = t->i; i < t->i + t->j; i++) {
		const struct site *s = &w->sites[i];
		for (size_t k = 0; k < s->nouts; k++)
			if (s->outs[k].at >= from && s->outs[k].at < to &&
			    (double)s->outs[k].took > v)
				v = (double)s->outs[k].took;
	}
	return v;
}
