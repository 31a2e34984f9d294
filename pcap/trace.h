/*
 * A user's capture, read for replay: the time, size and 5-tuple of each
 * IPv4 packet of a pcap (or pcapng) file, optionally only those a pcap
 * filter expression selects, as a replay source (models/traffic.h) and a
 * scenario's checks need them.
 *
 * A packet's size is the IPv4 header's total length: what the application
 * sent, whatever the snap length cut off the capture and whatever link
 * header carried it.  Times are nanoseconds from the first packet kept, at
 * the file's own precision (microsecond files are scaled).  The reader
 * takes Ethernet (with up to two VLAN tags), raw IP, Linux cooked (v1 and
 * v2) and BSD loopback captures; any other link type is refused by name.
 * Packets that are not IPv4 are skipped and counted.  docs/captures.md,
 * "Replaying a capture", is the user's description.
 *
 * It is not a dissector and keeps no payload: no reassembly, no
 * checksums, no IPv6, and nothing above the ports.  It reads the whole file
 * at once into arrays grown by doubling, so it belongs at load time, never
 * on a simulation's hot path.  It writes nothing (pcap/capture.h writes).
 */
#ifndef SASEBED_PCAP_TRACE_H
#define SASEBED_PCAP_TRACE_H

#include <stddef.h>
#include <stdint.h>

struct trace;

/* One direction of a conversation: packets with the same 5-tuple.
 * Addresses and ports are in host order; ports are 0 for protocols other
 * than TCP and UDP, and for fragments after the first. */
struct trace_flow {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t proto;          /* IP protocol number: 6 TCP, 17 UDP, ... */
	uint64_t packets;
	uint64_t bytes;         /* the sum of the packets' sizes */
};

/*
 * Read the capture at path whole.  filter is a pcap-filter(7) expression,
 * as tcpdump takes, or NULL for every packet; packets it does not select
 * are neither kept nor counted as skipped.  A filter that selects nothing
 * gives a trace of 0 packets, not an error: the caller knows whether that
 * is one.  Returns NULL with a message naming the path in err (and, for a
 * truncated or corrupt record, the packet's number from 1, as Wireshark
 * numbers frames) on any error: a missing or unreadable file, an unknown
 * format, an unsupported link type, a filter that does not compile, or
 * memory.
 */
struct trace *trace_open(const char *path, const char *filter, char *err,
    size_t errlen);
void trace_free(struct trace *t);

/* Packets kept, and the sum of their sizes in bytes. */
size_t trace_count(const struct trace *t);
uint64_t trace_bytes(const struct trace *t);

/* Packet i (below trace_count()): its time in ns from the first packet
 * kept, which is 0, and its size, the IPv4 total length in bytes.  Times
 * follow the file's order: they go backwards where the capture's do. */
int64_t trace_time(const struct trace *t, size_t i);
uint32_t trace_size(const struct trace *t, size_t i);

/* The same as arrays of trace_count() entries, valid until trace_free():
 * what a replay source (struct traffic_spec) takes. */
const int64_t *trace_times(const struct trace *t);
const uint32_t *trace_sizes(const struct trace *t);

/* Packets the filter selected that were not kept: not IPv4 (ARP, IPv6,
 * other EtherTypes and families), or IPv4 with a malformed header or one
 * the snap length cut off before its addresses. */
uint64_t trace_skipped(const struct trace *t);

/* Distinct 5-tuples among the packets kept, numbered from 0 in the order
 * of their first packet; flow i (below trace_flows()), and the number of
 * packet i's flow. */
size_t trace_flows(const struct trace *t);
const struct trace_flow *trace_flow_get(const struct trace *t, size_t i);
size_t trace_packet_flow(const struct trace *t, size_t i);

#endif
