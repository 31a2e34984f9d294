/*
 * A voice meter for one direction of one call: it is told of every packet
 * the talker sends and every one that reaches the listener, and at the end
 * rates the call with the E-model (models/emodel.h).
 *
 * The listener plays out through a fixed jitter buffer anchored at the
 * fastest packet of the call: with d_min the smallest one-way delay seen,
 * every packet is played d_min + jitter_buffer after it was sent, and one
 * whose delay exceeds that arrived too late and counts as lost.  The
 * mouth-to-ear delay is then the same for every sample:
 *
 *   Ta = d_min + jitter_buffer + ptime + the codec's look-ahead
 *
 * ptime is in because the first sample of a packet waits a whole ptime for
 * the last one before the packet can leave, and the look-ahead because the
 * encoder waits for it too; the one-way delay the caller gives starts when
 * the packet is sent, after both.  That is the usual planning convention:
 * a coder's delay is a frame plus its look-ahead.
 *
 * It is not an adaptive jitter buffer (real ones grow and shrink with the
 * jitter they see, trading late loss against delay), and it does not
 * model time-warping or the start-up of a call.  d_min is judged over the
 * whole call, so a route change that makes the path faster moves the
 * anchor for every packet, as if the buffer had been set from the start.
 *
 * Cost: nothing is allocated per packet.  Since d_min is known only at the
 * end, the delays are kept in a histogram allocated at voicecall_new()
 * (VOICECALL_BIN_NS wide bins up to VOICECALL_SPAN_NS, plus one bin for
 * anything slower), about 40 KB per call together with the reorder window.
 */
#ifndef SASEBED_MODELS_VOICECALL_H
#define SASEBED_MODELS_VOICECALL_H

#include <stdint.h>

#include "models/emodel.h"
#include "wan/platform.h"

/* The delay histogram: a packet is judged late at this resolution, erring
 * towards on time by less than one bin; past the span, delays are told
 * apart only from playout thresholds inside it. */
#define VOICECALL_BIN_NS (250 * SB_US)
#define VOICECALL_SPAN_NS (2048 * SB_MS)

/* Packets a sequence number stays open for arrivals, duplicates and the
 * loss pattern: 1024 x 20 ms is 20 s.  An arrival older than that is
 * ignored (the packet counts as lost in the network); it would be later
 * than any playout buffer anyway. */
#define VOICECALL_WINDOW 1024

struct voicecall_report {
	uint64_t sent;      /* packets the talker sent */
	uint64_t lost;      /* never arrived (by the time of the report) */
	uint64_t late;      /* arrived after d_min + jitter_buffer: discarded */
	sb_time d_min;      /* the fastest one-way delay; -1 if none arrived */
	sb_time ta;         /* mouth-to-ear delay, see above; -1 if none */
	double ppl;         /* effective loss: 100 (lost + late) / sent, % */
	double burst_r;     /* G.107's burst ratio, measured, at least 1;
	                       1 if there was no loss */
	double r;           /* transmission rating: 0 if nothing arrived */
	double mos;         /* 1 if nothing arrived */
};

struct voicecall;

/* A meter for a call with this codec, packetisation interval and playout
 * delay beyond the fastest packet.  NULL on ENOMEM or an unknown codec,
 * ptime <= 0 or jitter_buffer < 0. */
struct voicecall *voicecall_new(enum emodel_codec codec, sb_time ptime,
    sb_time jitter_buffer);
void voicecall_free(struct voicecall *v);

/* The talker sent packet seq.  Sequence numbers count up by one from the
 * first; a number already passed is ignored, and one that skips ahead
 * leaves the skipped ones as never sent (neither lost nor received). */
void voicecall_sent(struct voicecall *v, uint64_t seq);

/* Packet seq reached the listener one_way_delay after it was sent.
 * Duplicates, packets never sent and packets older than VOICECALL_WINDOW
 * are ignored; a negative delay counts as 0. */
void voicecall_arrived(struct voicecall *v, uint64_t seq,
    sb_time one_way_delay);

/*
 * Rate the call so far.  Packets sent and not yet arrived count as lost,
 * so call it once the last packet has had its time to arrive.
 *
 * The burst ratio is measured from the loss pattern: BurstR = the mean
 * length of the runs of consecutive lost (or late) packets over the
 * length random loss would give, 1 / (1 - Ppl).  A packet's lateness in
 * that pattern is judged against d_min as it was when the packet left the
 * reorder window, which is d_min's final value unless the path got faster
 * later in the call.
 *
 * Returns 0, or -ENODATA if nothing was sent (counts 0, r and mos NaN).
 */
int voicecall_report(const struct voicecall *v, struct voicecall_report *out);

#endif
