/*
 * The meter.  Counters, a latency histogram and the RFC 3550 (section
 * 6.4.1) interarrival jitter estimate: for each delivered packet, in the
 * order of arrival, the transit time is arrival - send time, D is the
 * difference from the previous packet's transit, and J moves 1/16 of the
 * way towards |D|.  The send and arrival clocks are the same virtual clock
 * here, so the unknown clock offset the RFC allows for is zero; J is in ns.
 *
 * Invariants: delivered equals the histogram's count; the jitter state
 * (J and the last transit) belongs to the stream and survives
 * meter_reset(), which clears only the interval's counts.
 *
 * Summaries have no NaN in them: with nothing delivered the latency
 * percentiles are -1 ("no packet", which the recorder stores as NULL) and
 * the mean latency, loss and jitter are 0; callers that must tell "no
 * data" from zero look at the counts.
 */
#include <math.h>
#include <stdlib.h>

#include "reports/hist.h"
#include "reports/meter.h"

struct meter {
	uint64_t sent, delivered, dropped, bytes;
	struct hist *lat;
	/* RFC 3550 jitter: the running estimate and the last transit */
	double jitter;
	sb_time last_transit;
	int have_transit;
};

struct meter *
meter_new(void)
{
	struct meter *m = calloc(1, sizeof(*m));

	if (m == NULL)
		goto fail;
	if ((m->lat = hist_new()) == NULL)
		goto fail_meter;
	return m;
fail_meter:
	free(m);
fail:
	return NULL;
}

void
meter_free(struct meter *m)
{
	if (m == NULL)
		return;
	hist_free(m->lat);
	free(m);
}

void
meter_reset(struct meter *m)
{
	m->sent = m->delivered = m->dropped = m->bytes = 0;
	hist_reset(m->lat);
}

void
meter_sent(struct meter *m)
{
	m->sent++;
}

void
meter_dropped(struct meter *m)
{
	m->dropped++;
}

void
meter_prefetch(const struct meter *m, sb_time transit, int stage)
{
	if (stage == 0)
		__builtin_prefetch(m);
	else
		hist_prefetch(m->lat, transit, stage - 1);
}

void
meter_delivered(struct meter *m, sb_time sent, sb_time now, uint32_t bytes)
{
	sb_time transit = sb_time_diff(now, sent);

	m->delivered++;
	m->bytes += bytes;
	hist_add(m->lat, transit);
	if (m->have_transit) {
		double d = fabs((double)(transit - m->last_transit));
		m->jitter += (d - m->jitter) / 16.0;
	}
	m->last_transit = transit;
	m->have_transit = 1;
}

void
meter_summary(const struct meter *m, sb_time span, struct meter_summary *out)
{
	uint64_t ended = m->dropped + m->delivered;

	out->sent = m->sent;
	out->delivered = m->delivered;
	out->dropped = m->dropped;
	out->bytes = m->bytes;
	out->loss = ended ? (double)m->dropped / (double)ended : 0.0;
	out->jitter = m->jitter;
	out->throughput_bps = span > 0 ?
	    (double)m->bytes * 8.0 * 1e9 / (double)span : 0.0;
	if (m->delivered == 0) {
		out->latency_mean = 0.0;
		out->latency_p50 = out->latency_p95 = out->latency_p99 = -1;
		return;
	}
	out->latency_mean = hist_mean(m->lat);
	out->latency_p50 = hist_quantile(m->lat, 0.50);
	out->latency_p95 = hist_quantile(m->lat, 0.95);
	out->latency_p99 = hist_quantile(m->lat, 0.99);
}

/*
 * Counts and latencies add up exactly.  Jitter does not: it is a property
 * of one ordered stream, and the flows of a site interleave.  The merged
 * meter keeps the larger of the two estimates (the site is as jittery as
 * its worst flow), or takes src's whole jitter state when dst has none.
 */
void
meter_merge(struct meter *dst, const struct meter *src)
{
	dst->sent += src->sent;
	dst->delivered += src->delivered;
	dst->dropped += src->dropped;
	dst->bytes += src->bytes;
	hist_merge(dst->lat, src->lat);
	if (!src->have_transit)
		return;
	if (!dst->have_transit) {
		dst->jitter = src->jitter;
		dst->last_transit = src->last_transit;
		dst->have_transit = 1;
	} else if (src->jitter > dst->jitter)
		dst->jitter = src->jitter;
}

int64_t
meter_latency_quantile(const struct meter *m, double q)
{
	return m->delivered ? hist_quantile(m->lat, q) : -1;
}

double
meter_metric(const struct meter *m, enum sc_metric metric, sb_time span)
{
	struct meter_summary s;

	meter_summary(m, span, &s);
	switch (metric) {
	case SC_M_LATENCY_MEAN:
		return s.delivered ? s.latency_mean : NAN;
	case SC_M_LATENCY_P50:
		return s.delivered ? (double)s.latency_p50 : NAN;
	case SC_M_LATENCY_P95:
		return s.delivered ? (double)s.latency_p95 : NAN;
	case SC_M_LATENCY_P99:
		return s.delivered ? (double)s.latency_p99 : NAN;
	case SC_M_JITTER:
		return s.delivered > 1 ? s.jitter : NAN;
	case SC_M_LOSS:
		return s.delivered + s.dropped ? s.loss : NAN;
	case SC_M_THROUGHPUT:
		return s.throughput_bps;
	case SC_M_DELIVERED:
		return (double)s.delivered;
	default:
		return NAN;
	}
}
