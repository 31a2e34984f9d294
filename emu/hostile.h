/*
 * Hostile datagrams at the daemons (`sasebed emulate --hostile`): from the
 * core namespace, where an attacker on the Internet would stand.  The
 * hostile side listens on the core's end of every PoP's link and every
 * site link for real tunnel datagrams, and at the given time sends, at
 * each daemon's port:
 *   - replays: the captured datagrams again, byte for byte;
 *   - forgeries: captured datagrams with their record's bytes flipped,
 *     so the authentication tag fails;
 *   - malformed: captured datagrams cut short inside the record header,
 *     and records whose length field lies;
 *   - oversized: 60,000-byte datagrams of noise, from a known address;
 *   - unauthenticated: noise and DTLS ClientHellos from an address the
 *     plan does not know.
 * The daemons' counters (tunnel-counters, daemon-counters events) show
 * where each went; the run shows whether the traffic kept flowing.
 */
#ifndef SASEBED_EMU_HOSTILE_H
#define SASEBED_EMU_HOSTILE_H

#include <stddef.h>
#include <stdint.h>

#include "emu/loop.h"
#include "sim/scenario.h"

struct hostile;

struct hostile_stats {
	uint64_t captured;
	uint64_t replayed, forged, malformed, oversized, unknown;
};

/* Listen in the core namespace of tag from now; the burst goes at time
 * at.  NULL with a message. */
struct hostile *hostile_new(struct eloop *l, const struct scenario *sc,
    const char *tag, sb_time at, char *err, size_t errlen);
void hostile_free(struct hostile *h);
const struct hostile_stats *hostile_stats(const struct hostile *h);

#endif
