/*
 * A wire: the user-space impairment between two network interfaces of one
 * namespace (the two inner ends of two veth pairs), for kernels without
 * the netem queueing discipline.  Every Ethernet frame that arrives on one
 * end is sent out of the other after the same models the simulator's links
 * use: serialisation at the bandwidth with a byte-limited queue, a fixed
 * delay, jitter (models/jitter.h) and loss (models/loss.h, Gilbert-Elliott
 * included).  Frames that are not IPv4 (ARP) cross at once, unimpaired, so
 * the two ends always find each other.
 *
 * Runs on the emulator's loop (emu/loop.h); allocates nothing per frame
 * after wire_new() (a fixed ring of frame buffers per direction).
 */
#ifndef SASEBED_EMU_WIRE_H
#define SASEBED_EMU_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "emu/loop.h"
#include "models/jitter.h"
#include "models/loss.h"
#include "wan/platform.h"

/* One direction's impairment; zeros: none (unlimited, no delay). */
struct wire_imp {
	uint64_t bandwidth_bps;   /* 0: unlimited */
	uint64_t queue_bytes;     /* 0: unlimited (within the ring) */
	sb_time delay;
	struct jitter_spec jitter; /* copied */
	struct loss_spec loss;     /* copied */
	int reorder;              /* jitter may reorder; 0: FIFO */
};

struct wire_stats {
	uint64_t frames, bytes;   /* arrived at this direction's entry */
	uint64_t sent;            /* sent out of the far end */
	uint64_t drops_loss, drops_queue, drops_error;
	uint64_t passed;          /* not IPv4: crossed at once */
};

struct wire;

/* A wire from interface a to interface b (both in the calling thread's
 * current network namespace: the sockets stay there once made).
 * ab applies to frames from a to b, ba the other way.  rng: the wire's own
 * stream, which it owns from then on.  NULL with a message on error. */
struct wire *wire_new(struct eloop *l, const char *name, const char *a,
    const char *b, const struct wire_imp *ab, const struct wire_imp *ba,
    gsl_rng *rng, char *err, size_t errlen);
void wire_free(struct wire *w);

/* Change a direction's impairment from now on (dir 0: a to b, 1: b to a);
 * frames already in flight keep theirs. */
int wire_set(struct wire *w, int dir, const struct wire_imp *imp);

const struct wire_stats *wire_stats(const struct wire *w, int dir);

#endif
