/*
 * IPv4 and UDP on the wire: the Internet checksum, dotted-quad addresses,
 * and building and checking the two headers around a datagram.
 *
 * It is platform-neutral, byte-level code shared by protocol code under
 * wan/ and by the capture writer under pcap/, so it includes only standard
 * headers.  Addresses and ports are host-order integers here and are
 * big-endian only in the buffers.  It is not an IP stack: no options are
 * written, no fragments are made or reassembled, and nothing is routed.
 */
#ifndef SASEBED_WAN_INET_H
#define SASEBED_WAN_INET_H

#include <stddef.h>
#include <stdint.h>

#define INET_IPV4_HDR	20	/* an IPv4 header without options */
#define INET_UDP_HDR	8
#define INET_ADDR_STR	16	/* "255.255.255.255" and its NUL */
#define INET_IP_MAX	65535	/* the largest IPv4 datagram, headers too */

/* Why inet_udp_parse() refused a datagram. */
enum {
	INET_ESHORT = -1,	/* fewer bytes than an IPv4 header */
	INET_EVERSION = -2,	/* not IPv4 */
	INET_EHDRLEN = -3,	/* header length below 20 or past the end */
	INET_ETOTLEN = -4,	/* total length below the header or past len */
	INET_EHDRSUM = -5,	/* IPv4 header checksum wrong */
	INET_EFRAG = -6,	/* a fragment: its UDP cannot be checked */
	INET_EPROTO = -7,	/* not UDP */
	INET_EUDPLEN = -8,	/* UDP length below 8 or past the IP payload */
	INET_EUDPSUM = -9	/* UDP checksum wrong */
};

/* A datagram found by inet_udp_parse(); payload points into its buffer. */
struct inet_udp {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint16_t id;		/* the IPv4 identification */
	uint8_t ttl;
	const uint8_t *payload;
	size_t len;		/* payload bytes, by the UDP length */
};

/*
 * The one's-complement sum of buf as big-endian 16-bit words (an odd last
 * byte is padded with a zero), added to sum and folded to 16 bits.  Start
 * with 0; feed the result back in to sum several pieces, each but the last
 * of even length.
 */
uint32_t inet_sum(const void *buf, size_t len, uint32_t sum);

/*
 * The Internet checksum (RFC 1071) of buf: the complement of
 * inet_sum(buf, len, initial).  initial carries what is covered but not in
 * buf, such as the UDP pseudo-header (see inet_pseudo_sum()), or 0.  Store
 * the result big-endian.  Over data that holds a correct checksum the
 * result is 0, which is how a receiver checks it.
 */
uint16_t inet_checksum(const void *buf, size_t len, uint32_t initial);

/* The sum of the pseudo-header that UDP's checksum covers (RFC 768). */
uint32_t inet_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto,
    uint16_t len);

/* Write a as "a.b.c.d" into buf; returns buf, for use in printf. */
char *inet_addr_fmt(uint32_t a, char buf[INET_ADDR_STR]);

/*
 * Parse a strict dotted quad: four decimal numbers 0 to 255 with three
 * dots and nothing else, no signs, blanks or leading zeros ("010" could
 * mean octal to other parsers).  0, or -1 with *out untouched.
 */
int inet_addr_parse(const char *s, uint32_t *out);

/*
 * Put the IPv4 and UDP headers in front of a payload that the caller has
 * already written at buf + INET_IPV4_HDR + INET_UDP_HDR: the UDP checksum
 * covers it.  The IPv4 header has no options, Don't Fragment set and its
 * checksum.  Returns the datagram's length (28 + payload_len), or 0 if
 * it exceeds cap or 65535 bytes.
 */
size_t inet_udp_build(uint8_t *buf, size_t cap, uint32_t src, uint16_t sport,
    uint32_t dst, uint16_t dport, size_t payload_len, uint16_t ip_id,
    uint8_t ttl);

/*
 * Check an IPv4 datagram of len bytes that carries UDP, and describe it in
 * out.  Header options are skipped; bytes past the total length (Ethernet
 * padding) are ignored, and so are any past the UDP length.  A UDP checksum
 * of 0 means none was sent and is accepted.  Returns 0, or one of the
 * INET_E codes above with out untouched.
 */
int inet_udp_parse(const uint8_t *buf, size_t len, struct inet_udp *out);

/* The netmask of a prefix length, host order: 0 for /0 and every bit
 * from /32 up (shifting a 32-bit value by 32 or more is undefined). */
static inline uint32_t
inet_mask(unsigned len)
{
	return len == 0 ? 0 : len >= 32 ? ~(uint32_t)0 :
	    ~(uint32_t)0 << (32 - len);
}

/* A few words for an INET_E code. */
const char *inet_strerror(int code);

#endif
