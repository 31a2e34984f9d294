/*
 * A capture file for one link: the tunnel's underlay datagrams as they
 * cross it, in the pcap format that Wireshark and tshark read.
 *
 * Each datagram is written as an Ethernet frame holding IPv4 and UDP
 * headers made up around its payload; the MAC addresses are derived from
 * the IP addresses (02:00 and the four address bytes), so the same
 * scenario and seed give the same file, byte for byte.  Timestamps have
 * nanosecond precision and are the scenario's start clock plus simulated
 * time.  docs/captures.md describes the frames for people reading them.
 *
 * It is a writer only: it captures nothing from a real interface and reads
 * no traces back.  Writing a packet copies it into a buffer inside the
 * struct and never allocates.
 */
#ifndef SASEBED_PCAP_CAPTURE_H
#define SASEBED_PCAP_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

struct capture;

/*
 * Create (or replace) the capture file at path.  epoch_ns is the Unix
 * time, in ns, of simulated time 0.  As with libpcap, the path "-" is the
 * standard output.  NULL with a message naming the path on error.
 */
struct capture *capture_new(const char *path, int64_t epoch_ns, char *err,
    size_t errlen);

/*
 * Write one UDP datagram seen at simulated time t_ns, with len bytes of
 * payload (at most SB_PACKET_BUF).  Addresses and ports are in host order.
 * Returns 0, or -1 when it cannot be written (too long, a time before
 * 1970 or past what the format holds, or an error writing the file);
 * capture_error() then says which.  A failed write is sticky: every later
 * call fails too, because the file is already incomplete.
 */
int capture_udp(struct capture *c, int64_t t_ns, uint32_t src,
    uint16_t sport, uint32_t dst, uint16_t dport, const uint8_t *payload,
    size_t len);

/* Push buffered records to the file; 0, or -1 on a write error. */
int capture_flush(struct capture *c);

/* The last error's text, naming the file; "" when there was none. */
const char *capture_error(const struct capture *c);

/* Records written so far. */
uint64_t capture_count(const struct capture *c);

/* Flush and close.  Call capture_flush() first to learn whether the last
 * records reached the file: this cannot say. */
void capture_free(struct capture *c);

/* The Ethernet address the captures give an IPv4 address: 02:00 and the
 * address's four bytes, locally administered, unicast, and the same for
 * the same address in every file. */
void capture_mac(uint8_t m[6], uint32_t addr);

#endif
