/*
 * PoP selection: per candidate, a smoothed RTT and the end of its penalty;
 * for the connected PoP, the run of failed evaluation windows.
 *
 * Candidates keep the caller's preference order, which breaks every tie
 * (equal SRTTs, penalties ending together) toward the nearer PoP.  A
 * candidate is avoided iff it has failed and now is before its `until`,
 * so a penalty ends exactly at now + penalty.  The fail run belongs to one
 * PoP: a run left over from an earlier connection to another PoP would not
 * be "in a row".  Every call scans at most POPSEL_MAX candidates; callers
 * come on probes and evaluation windows, never per packet.
 */
#include <stdlib.h>

#include "wan/popsel.h"

struct cand {
	int id;
	int failed;	/* has failed at least once: until is meaningful */
	sb_time until;	/* avoided before this */
	sb_time srtt;	/* -1: never measured */
};

struct popsel {
	sb_time penalty;
	unsigned sla_evals;
	sb_time rtt_max;
	double loss_max;
	int run_id;	/* the PoP the fail run is about, -1 none */
	unsigned run;	/* its consecutive failed evaluations */
	unsigned n;
	struct cand c[POPSEL_MAX];
};

/* The index of candidate id, or -1: unknown ids are ignored by all. */
static int
find(const struct popsel *s, int id)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->c[i].id == id)
			return (int)i;
	return -1;
}

static int
avoided(const struct cand *c, sb_time now)
{
	return c->failed && sb_time_diff(now, c->until) < 0;
}

struct popsel *
popsel_new(const struct popsel_cfg *cfg, const int *ids, unsigned ncand)
{
	static const struct popsel_cfg defaults;
	struct popsel *s;

	if (cfg == NULL)
		cfg = &defaults;
	/* !(x >= 0) also refuses a NaN bound, which would never fail */
	if (ncand > POPSEL_MAX || cfg->penalty < 0 || cfg->rtt_max < 0 ||
	    !(cfg->loss_max >= 0))
		return NULL;
	for (unsigned i = 0; i < ncand; i++) {
		if (ids[i] < 0)
			return NULL;
		for (unsigned j = 0; j < i; j++)
			if (ids[j] == ids[i])
				return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->penalty = cfg->penalty ? cfg->penalty : POPSEL_PENALTY_DEFAULT;
	s->sla_evals = cfg->sla_evals ? cfg->sla_evals :
	    POPSEL_SLA_EVALS_DEFAULT;
	s->rtt_max = cfg->rtt_max;
	s->loss_max = cfg->loss_max;
	s->run_id = -1;
	s->n = ncand;
	for (unsigned i = 0; i < ncand; i++) {
		s->c[i].id = ids[i];
		s->c[i].srtt = -1;
	}
	return s;
}

void
popsel_free(struct popsel *s)
{
	free(s);
}

void
popsel_rtt(struct popsel *s, int id, sb_time rtt)
{
	int i = find(s, id);
	struct cand *c;

	if (i < 0 || rtt < 0)
		return;
	c = &s->c[i];
	/* SRTT <- 7/8 SRTT + 1/8 R, written so that it cannot overflow */
	c->srtt = c->srtt < 0 ? rtt : c->srtt + (rtt - c->srtt) / 8;
}

int
popsel_evaluate(struct popsel *s, int id, sb_time now, sb_time rtt,
    double loss)
{
	if (find(s, id) < 0)
		return 0;
	if (id != s->run_id) {
		s->run_id = id;
		s->run = 0;
	}
	if (!(s->rtt_max > 0 && rtt > s->rtt_max) &&
	    !(s->loss_max > 0 && loss > s->loss_max))
		s->run = 0;
	else if (++s->run >= s->sla_evals) {
		popsel_failed(s, id, now);
		return 1;
	}
	return 0;
}

void
popsel_failed(struct popsel *s, int id, sb_time now)
{
	int i = find(s, id);

	if (i < 0)
		return;
	s->c[i].failed = 1;
	s->c[i].until = now + s->penalty;
	/* when it is used again its SLA record starts clean */
	if (id == s->run_id)
		s->run = 0;
}

int
popsel_choose(const struct popsel *s, int current, sb_time now)
{
	const struct cand *best = NULL, *soonest = NULL;
	int cur = find(s, current);

	/* Staying put while the PoP works is the whole of the hysteresis. */
	if (cur >= 0 && !avoided(&s->c[cur], now))
		return current;
	for (unsigned i = 0; i < s->n; i++) {
		const struct cand *c = &s->c[i];

		if (avoided(c, now)) {
			if (soonest == NULL ||
			    sb_time_diff(c->until, soonest->until) < 0)
				soonest = c;
			continue;
		}
		if (best == NULL || (c->srtt >= 0 &&
		    (best->srtt < 0 || c->srtt < best->srtt)))
			best = c;
	}
	if (best == NULL)
		best = soonest;
	return best != NULL ? best->id : -1;
}

sb_time
popsel_srtt(const struct popsel *s, int id)
{
	int i = find(s, id);

	return i < 0 ? -1 : s->c[i].srtt;
}

int
popsel_avoided(const struct popsel *s, int id, sb_time now)
{
	int i = find(s, id);

	return i >= 0 && avoided(&s->c[i], now);
}
