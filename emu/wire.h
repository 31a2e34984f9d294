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
 *
 * A frame is one unit to the models: what the wire reads is what the
 * sender's kernel handed its veth, so a TCP sender whose veth segments in
 * "hardware" (TSO/GSO, on by default) hands over 64 KiB runs that would be
 * lost or delayed whole and do not fit a buffer (dropped, drops_error).
 * Turn the offloads off on the outer ends (wire_offload_off, in their
 * namespace) so the wire sees what a real link would.  Checksums the sender
 * left to "hardware" are carried across (the sockets use PACKET_VNET_HDR),
 * so they need nothing.
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
	unsigned ring;            /* frame buffers (wire_new only); 0: 1024 */
};

/* Counters of one direction.  frames = passed + sent + the drops + what
 * is in flight; bytes are IPv4 bytes (the packet without the Ethernet
 * header, as the simulator's links count them). */
struct wire_stats {
	uint64_t frames, bytes;   /* arrived at this direction's entry */
	uint64_t sent;            /* IPv4, sent out of the far end */
	uint64_t drops_loss;      /* the loss model */
	uint64_t drops_queue;     /* the byte limit, or every buffer in use */
	uint64_t drops_error;     /* too big for a buffer, or send failed */
	uint64_t passed;          /* not IPv4: crossed at once */
};

struct wire;

/* A wire from interface a to interface b (both in the calling thread's
 * current network namespace: the sockets stay there once made).
 * ab applies to frames from a to b, ba the other way.  rng: the wire's own
 * stream, which it owns from then on (freed on error too).  NULL with a
 * message on error. */
struct wire *wire_new(struct eloop *l, const char *name, const char *a,
    const char *b, const struct wire_imp *ab, const struct wire_imp *ba,
    gsl_rng *rng, char *err, size_t errlen);
void wire_free(struct wire *w);

/* Change a direction's impairment from now on (dir 0: a to b, 1: b to a);
 * frames already in flight keep theirs. */
int wire_set(struct wire *w, int dir, const struct wire_imp *imp);

const struct wire_stats *wire_stats(const struct wire *w, int dir);

/* Turn off segmentation and checksum offloads (TSO, GSO, GRO, tx checksum)
 * on interface ifname of the calling thread's namespace: for the outer
 * ends of an emulated link.  0, or -1 with a message. */
int wire_offload_off(const char *ifname, char *err, size_t errlen);

#endif
