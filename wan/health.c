/*
 * Link health: a ring of probe samples in send order, which within a
 * session is seq order, and an evaluation that walks the ring.
 *
 * Invariants: ring[head] is the oldest sample and the n samples after it
 * (mod capacity) were sent in that order; a sample is answered iff its rtt
 * is >= 0, and then rx and tx are the peer's counters from its reply.
 * Nothing is allocated after health_new() and nothing is dropped when it
 * ages: the window is applied when measuring, so health_measure() can stay
 * const and a sample's fate never depends on when someone last looked.
 *
 * Cost: health_sent() is O(1), and so is health_reply() to a probe still
 * in the ring (it is found by its seq's offset from the oldest); a reply
 * to an unknown seq costs a scan.  health_measure() is O(capacity), a few
 * thousand samples once per evaluation, well off the packet path.
 */
#include <stdio.h>
#include <stdlib.h>

#include "wan/health.h"

struct sample {
	sb_time at;	/* sent */
	sb_time rtt;	/* -1: not answered */
	uint32_t seq;
	uint32_t rx, tx;	/* the peer's counters in the reply */
};

struct health {
	struct health_cfg cfg;
	struct sample *ring;
	unsigned head, n;
	uint64_t ignored;
};

struct health *
health_new(const struct health_cfg *cfg)
{
	struct health *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	if (cfg != NULL)
		h->cfg = *cfg;
	/* Anything not positive means "not given". */
	if (!(h->cfg.loss_max > 0))
		h->cfg.loss_max = HEALTH_LOSS_DEFAULT;
	if (h->cfg.jitter_max <= 0)
		h->cfg.jitter_max = HEALTH_JITTER_DEFAULT;
	if (h->cfg.latency_max <= 0)
		h->cfg.latency_max = HEALTH_LATENCY_DEFAULT;
	if (h->cfg.window <= 0)
		h->cfg.window = HEALTH_WINDOW_DEFAULT;
	if (h->cfg.timeout <= 0)
		h->cfg.timeout = HEALTH_TIMEOUT_DEFAULT;
	if (h->cfg.capacity == 0)
		h->cfg.capacity = HEALTH_CAPACITY_DEFAULT;
	if ((h->ring = calloc(h->cfg.capacity, sizeof(*h->ring))) == NULL) {
		free(h);
		return NULL;
	}
	return h;
}

void
health_free(struct health *h)
{
	if (h == NULL)
		return;
	free(h->ring);
	free(h);
}

void
health_reset(struct health *h)
{
	h->head = h->n = 0;
}

static struct sample *
at_index(const struct health *h, unsigned i)
{
	return &h->ring[(h->head + i) % h->cfg.capacity];
}

void
health_sent(struct health *h, uint32_t seq, sb_time at)
{
	struct sample *s;

	if (h->n == h->cfg.capacity) {
		/* Full: the oldest goes.  The caller sized the ring. */
		h->head = (h->head + 1) % h->cfg.capacity;
		h->n--;
	}
	s = at_index(h, h->n++);
	s->at = at;
	s->rtt = -1;
	s->seq = seq;
	s->rx = s->tx = 0;
}

/*
 * The sample of seq, or NULL.  Seqs go up by one a probe, so it sits at
 * its offset from the oldest, in unsigned arithmetic so that the wrap
 * at 2^32 needs no case of its own.  Past a skipped seq the offset misses,
 * and a scan from the newest, where replies usually land, finds it.
 */
static struct sample *
find(const struct health *h, uint32_t seq)
{
	struct sample *s;
	uint32_t off;
	unsigned i;

	if (h->n == 0)
		return NULL;
	off = seq - at_index(h, 0)->seq;
	if (off < h->n && (s = at_index(h, off))->seq == seq)
		return s;
	for (i = h->n; i-- > 0;)
		if ((s = at_index(h, i))->seq == seq)
			return s;
	return NULL;
}

void
health_reply(struct health *h, uint32_t seq, sb_time now, uint32_t peer_rx,
    uint32_t peer_tx)
{
	struct sample *s;
	sb_time rtt;

	s = find(h, seq);
	if (s == NULL || s->rtt >= 0) {
		h->ignored++;
		return;
	}
	/* Late is lost: once a probe has counted as lost at the timeout, a
	 * reply after it must not turn it back into an answer.  The window
	 * test matters only when the timeout is longer than the window. */
	rtt = sb_time_diff(now, s->at);
	if (rtt < 0 || rtt > h->cfg.timeout || rtt > h->cfg.window) {
		h->ignored++;
		return;
	}
	s->rtt = rtt;
	s->rx = peer_rx;
	s->tx = peer_tx;
}

static double
clamp01(double x)
{
	return x < 0 ? 0 : x > 1 ? 1 : x;
}

void
health_measure(const struct health *h, sb_time now, struct health_stats *out)
{
	const struct sample *s, *a = NULL, *b = NULL;
	sb_time hi = now - h->cfg.timeout, lo = hi - h->cfg.window;
	sb_time sum = 0, dsum = 0;
	uint32_t span, txd;
	unsigned i;

	out->sent = out->answered = 0;
	for (i = 0; i < h->n; i++) {
		s = at_index(h, i);
		if (s->at < lo || s->at > hi)
			continue;
		out->sent++;
		if (s->rtt < 0)
			continue;
		out->answered++;
		sum += s->rtt;
		if (b != NULL)
			dsum += s->rtt > b->rtt ? s->rtt - b->rtt :
			    b->rtt - s->rtt;
		else
			a = s;
		b = s;
	}

	out->latency = out->answered > 0 ? sum / out->answered : -1;
	out->jitter = out->answered > 1 ? dsum / (out->answered - 1) : -1;

	/*
	 * One way, between the first and last answered probes a and b: the
	 * peer received b.rx - a.rx of the b.seq - a.seq probes sent after
	 * a up to b, and of the b.tx - a.tx replies it sent for them we got
	 * answered - 1.  Every reply moves tx, so a tx that stood still is
	 * a peer that keeps no counters: then neither direction is known.
	 * Lost / total rather than 1 - got / total, so that a loss exactly
	 * at the threshold rounds to the threshold's own double and passes.
	 * Counters that went backwards (a restart nobody reset us for) come
	 * out as nonsense, which the clamp bounds.
	 */
	out->loss_up = out->loss_down = -1;
	if (out->answered > 1 && (span = b->seq - a->seq) != 0 &&
	    (txd = b->tx - a->tx) != 0) {
		out->loss_up = clamp01(((double)span -
		    (uint32_t)(b->rx - a->rx)) / span);
		out->loss_down = clamp01(((double)txd - (out->answered - 1)) /
		    txd);
	}
	if (out->loss_up >= 0 && out->loss_down >= 0)
		out->loss = out->loss_up > out->loss_down ? out->loss_up :
		    out->loss_down;
	else if (out->sent > 0)
		out->loss = (double)(out->sent - out->answered) / out->sent;
	else
		out->loss = 0;
}

unsigned
health_eval(const struct health *h, sb_time now, struct health_stats *out)
{
	struct health_stats st;
	unsigned bits = HEALTH_OK;

	if (out == NULL)
		out = &st;
	health_measure(h, now, out);
	if (out->sent == 0)
		return HEALTH_OK;
	if (out->answered == 0)
		return HEALTH_SILENT | HEALTH_LOSS;
	if (out->loss > h->cfg.loss_max)
		bits |= HEALTH_LOSS;
	if (out->jitter > h->cfg.jitter_max)
		bits |= HEALTH_JITTER;
	if (out->latency > h->cfg.latency_max)
		bits |= HEALTH_LATENCY;
	return bits;
}

uint64_t
health_ignored(const struct health *h)
{
	return h->ignored;
}

const struct health_cfg *
health_cfg(const struct health *h)
{
	return &h->cfg;
}

const char *
health_why(unsigned bits, char *buf, size_t len)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{ HEALTH_LOSS, "loss" },
		{ HEALTH_JITTER, "jitter" },
		{ HEALTH_LATENCY, "latency" },
		{ HEALTH_SILENT, "silent" },
	};
	size_t off = 0, i;
	int n;

	if (len == 0)
		return buf;
	snprintf(buf, len, "ok");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(bits & names[i].bit))
			continue;
		n = snprintf(buf + off, len - off, "%s%s", off > 0 ? "+" : "",
		    names[i].name);
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
	}
	return buf;
}
