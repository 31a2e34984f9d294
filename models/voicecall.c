/*
 * The voice meter: counters, a delay histogram and a window of the last
 * VOICECALL_WINDOW sequence numbers, all allocated at voicecall_new().
 *
 * Two views of the same packets, kept apart on purpose.  The totals (sent,
 * lost, late) come from counters and the histogram, judged against the
 * final d_min when the report is made, so they are exact up to the bin
 * width.  The loss pattern, which only the burst ratio needs, is judged
 * packet by packet as each sequence number leaves the window, against
 * d_min as it was then; keeping every packet's delay until the end would
 * cost memory per packet, and d_min is almost always settled within the
 * first few packets of a call.
 *
 * Invariants: slots hold, for the indices [next - WINDOW, next), either
 * SLOT_NOT_SENT (skipped by the talker), SLOT_SENT (not arrived yet) or
 * the packet's one-way delay (>= 0); `judged` holds the loss runs of every
 * index below that window; received <= sent.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "models/voicecall.h"

#define NBINS ((size_t)(VOICECALL_SPAN_NS / VOICECALL_BIN_NS))
#define SLOT_NOT_SENT ((sb_time)-2)
#define SLOT_SENT ((sb_time)-1)

/* Runs of consecutive lost packets, in sequence order. */
struct runs {
	uint64_t packets;   /* sent packets judged */
	uint64_t lost;      /* of which lost or late */
	uint64_t runs;      /* maximal runs of lost packets */
	int in_run;         /* the last packet judged was lost */
};

struct voicecall {
	enum emodel_codec codec;
	sb_time ptime, jitter_buffer, lookahead;
	int started;
	uint64_t base;      /* the first sequence number sent */
	uint64_t next;      /* the index (seq - base) the next send takes */
	uint64_t sent, received;
	sb_time d_min;      /* valid when received > 0 */
	struct runs judged; /* indices below next - VOICECALL_WINDOW */
	sb_time slot[VOICECALL_WINDOW];
	/* NBINS bins and the overflow; uint32_t is 2.7 years of 20 ms
	 * packets in one bin, and halves the cost of the call. */
	uint32_t *hist;
};

static sb_time
add_sat(sb_time a, sb_time b)
{
	return a > SB_TIME_NEVER - b ? SB_TIME_NEVER : a + b;
}

static size_t
bin_of(sb_time d)
{
	sb_time b = d / VOICECALL_BIN_NS;

	return (uint64_t)b >= NBINS ? NBINS : (size_t)b;
}

static void
runs_add(struct runs *r, int lost)
{
	r->packets++;
	if (lost) {
		r->lost++;
		if (!r->in_run)
			r->runs++;
	}
	r->in_run = lost;
}

/* Fold a slot into the loss pattern, lateness judged against d_min now. */
static void
judge(const struct voicecall *v, struct runs *r, sb_time s)
{
	if (s == SLOT_NOT_SENT)
		return;         /* neither lost nor received: no run broken */
	if (s == SLOT_SENT)
		runs_add(r, 1);
	else
		runs_add(r, s > add_sat(v->d_min, v->jitter_buffer));
}

/* Take index j into the window, pushing out (and judging) j - WINDOW. */
static void
open_slot(struct voicecall *v, uint64_t j, sb_time state)
{
	sb_time *s = &v->slot[j % VOICECALL_WINDOW];

	if (j >= VOICECALL_WINDOW)
		judge(v, &v->judged, *s);
	*s = state;
}

struct voicecall *
voicecall_new(enum emodel_codec codec, sb_time ptime, sb_time jitter_buffer)
{
	const struct emodel_codec_info *ci = emodel_codec_info(codec);
	struct voicecall *v;
	size_t i;

	if (ci == NULL || ptime <= 0 || jitter_buffer < 0)
		return NULL;
	v = calloc(1, sizeof(*v));
	if (v == NULL)
		return NULL;
	v->hist = calloc(NBINS + 1, sizeof(*v->hist));
	if (v->hist == NULL) {
		free(v);
		return NULL;
	}
	v->codec = codec;
	v->ptime = ptime;
	v->jitter_buffer = jitter_buffer;
	v->lookahead = ci->lookahead;
	for (i = 0; i < VOICECALL_WINDOW; i++)
		v->slot[i] = SLOT_NOT_SENT;
	return v;
}

void
voicecall_free(struct voicecall *v)
{
	if (v == NULL)
		return;
	free(v->hist);
	free(v);
}

void
voicecall_sent(struct voicecall *v, uint64_t seq)
{
	uint64_t idx, j;
	size_t i;

	if (!v->started) {
		v->started = 1;
		v->base = seq;
	}
	if (seq < v->base)
		return;
	idx = seq - v->base;
	if (idx < v->next)
		return;
	if (idx - v->next > VOICECALL_WINDOW) {
		/* A jump past the whole window: judge what is open, then
		 * start the window afresh rather than step through a gap that
		 * may be 2^63 long. */
		j = v->next >= VOICECALL_WINDOW ? v->next - VOICECALL_WINDOW : 0;
		for (; j < v->next; j++)
			judge(v, &v->judged, v->slot[j % VOICECALL_WINDOW]);
		for (i = 0; i < VOICECALL_WINDOW; i++)
			v->slot[i] = SLOT_NOT_SENT;
		v->next = idx - VOICECALL_WINDOW;
	}
	for (; v->next < idx; v->next++)
		open_slot(v, v->next, SLOT_NOT_SENT);
	open_slot(v, idx, SLOT_SENT);
	v->next = idx + 1;
	v->sent++;
}

void
voicecall_arrived(struct voicecall *v, uint64_t seq, sb_time one_way_delay)
{
	uint64_t idx;
	sb_time *s;

	if (!v->started || seq < v->base)
		return;
	idx = seq - v->base;
	if (idx >= v->next)
		return;         /* never sent */
	if (v->next > VOICECALL_WINDOW && idx < v->next - VOICECALL_WINDOW)
		return;         /* judged lost already */
	s = &v->slot[idx % VOICECALL_WINDOW];
	if (*s != SLOT_SENT)
		return;         /* skipped by the talker, or a duplicate */
	if (one_way_delay < 0)
		one_way_delay = 0;
	*s = one_way_delay;
	v->received++;
	v->hist[bin_of(one_way_delay)]++;
	if (v->received == 1 || one_way_delay < v->d_min)
		v->d_min = one_way_delay;
}

/* G.107's BurstR from the runs: mean run length over 1 / (1 - Ppl). */
static double
burst_ratio(const struct runs *r)
{
	double ppl, mean;

	if (r->lost == 0 || r->lost >= r->packets)
		return 1.0;     /* no loss, or nothing but: no pattern */
	mean = (double)r->lost / (double)r->runs;
	ppl = (double)r->lost / (double)r->packets;
	mean *= 1.0 - ppl;
	/* G.107 defines BurstR >= 1 (see emodel_ie_eff); report the figure
	 * the rating uses. */
	return mean < 1.0 ? 1.0 : mean;
}

/* O(NBINS) for the late count and O(WINDOW) for the open part of the loss
 * pattern: meant for the end of a call or a sample interval, not per
 * packet. */
int
voicecall_report(const struct voicecall *v, struct voicecall_report *out)
{
	struct runs runs;
	uint64_t j, lost, late = 0;
	size_t b;

	out->sent = v->sent;
	out->lost = out->late = 0;
	out->d_min = out->ta = -1;
	if (v->sent == 0) {
		out->ppl = out->burst_r = out->r = out->mos = NAN;
		return -ENODATA;
	}
	lost = v->sent - v->received;
	if (v->received > 0) {
		b = bin_of(add_sat(v->d_min, v->jitter_buffer));
		for (b++; b <= NBINS; b++)
			late += v->hist[b];
	}
	out->lost = lost;
	out->late = late;
	out->ppl = 100.0 * (double)(lost + late) / (double)v->sent;

	runs = v->judged;
	j = v->next >= VOICECALL_WINDOW ? v->next - VOICECALL_WINDOW : 0;
	for (; j < v->next; j++)
		judge(v, &runs, v->slot[j % VOICECALL_WINDOW]);
	out->burst_r = burst_ratio(&runs);

	if (v->received == 0) {
		/* Nothing was heard: no delay to speak of, and the E-model's
		 * loss formula, fitted up to about 20%, has nothing to say. */
		out->r = 0.0;
		out->mos = 1.0;
		return 0;
	}
	out->d_min = v->d_min;
	out->ta = add_sat(add_sat(add_sat(v->d_min, v->jitter_buffer),
	    v->ptime), v->lookahead);
	out->r = emodel_r(v->codec, (double)out->ta / (double)SB_MS, out->ppl,
	    out->burst_r);
	out->mos = emodel_mos(out->r);
	return 0;
}
