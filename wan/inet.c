/*
 * IPv4 and UDP headers, byte by byte.  Every multi-byte field is read and
 * written through get16/put16 and get32/put32 (wan/byteorder.h), so the
 * code neither depends on the host's byte order nor makes unaligned
 * loads.
 *
 * The checksum sums 32-bit words into a 64-bit accumulator and folds once
 * at the end: 2^16 is 1 modulo 0xffff, so a 32-bit word adds to the
 * one's-complement sum what its two 16-bit halves add (RFC 1071 2(B)), the
 * accumulator cannot overflow for any buffer smaller than 2^34 bytes, and
 * folding at every step is what slows a naive loop.  It is on the
 * forwarding path: a flow's packet gets its headers as it enters a tunnel.
 */
#include <stdio.h>

#include "wan/byteorder.h"
#include "wan/inet.h"

#define IP_DF		0x4000
#define IP_MF		0x2000
#define IP_OFFMASK	0x1fff
#define PROTO_UDP	17

static uint32_t
fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

uint32_t
inet_sum(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t s = sum;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8)
		s += (uint64_t)get32(p + i) + get32(p + i + 4);
	for (; i + 1 < len; i += 2)
		s += get16(p + i);
	if (i < len)
		s += (uint32_t)p[i] << 8;
	return fold(s);
}

uint16_t
inet_checksum(const void *buf, size_t len, uint32_t initial)
{
	return (uint16_t)~inet_sum(buf, len, initial);
}

uint32_t
inet_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	uint64_t s;

	s = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) +
	    proto + len;
	return fold(s);
}

char *
inet_addr_fmt(uint32_t a, char buf[INET_ADDR_STR])
{
	snprintf(buf, INET_ADDR_STR, "%u.%u.%u.%u", (unsigned)(a >> 24),
	    (unsigned)(a >> 16) & 0xff, (unsigned)(a >> 8) & 0xff,
	    (unsigned)a & 0xff);
	return buf;
}

int
inet_addr_parse(const char *s, uint32_t *out)
{
	uint32_t a = 0;

	for (int part = 0; part < 4; part++) {
		unsigned v = 0, ndig = 0;

		if (part > 0 && *s++ != '.')
			return -1;
		while (*s >= '0' && *s <= '9') {
			if (ndig == 1 && v == 0)
				return -1;	/* a leading zero */
			v = v * 10 + (unsigned)(*s++ - '0');
			if (++ndig > 3 || v > 255)
				return -1;
		}
		if (ndig == 0)
			return -1;
		a = a << 8 | v;
	}
	if (*s != '\0')
		return -1;
	*out = a;
	return 0;
}

size_t
inet_udp_build(uint8_t *buf, size_t cap, uint32_t src, uint16_t sport,
    uint32_t dst, uint16_t dport, size_t payload_len, uint16_t ip_id,
    uint8_t ttl)
{
	uint8_t *ip = buf, *udp = buf + INET_IPV4_HDR;
	size_t total;
	uint16_t sum;

	if (payload_len > INET_IP_MAX - INET_IPV4_HDR - INET_UDP_HDR)
		return 0;
	total = INET_IPV4_HDR + INET_UDP_HDR + payload_len;
	if (total > cap)
		return 0;

	ip[0] = 0x45;		/* version 4, five words of header */
	ip[1] = 0;		/* DSCP and ECN */
	put16(ip + 2, (uint16_t)total);
	put16(ip + 4, ip_id);
	put16(ip + 6, IP_DF);
	ip[8] = ttl;
	ip[9] = PROTO_UDP;
	put16(ip + 10, 0);
	put32(ip + 12, src);
	put32(ip + 16, dst);
	put16(ip + 10, inet_checksum(ip, INET_IPV4_HDR, 0));

	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, (uint16_t)(total - INET_IPV4_HDR));
	put16(udp + 6, 0);
	sum = inet_checksum(udp, total - INET_IPV4_HDR,
	    inet_pseudo_sum(src, dst, PROTO_UDP,
	    (uint16_t)(total - INET_IPV4_HDR)));
	/* 0 on the wire means "no checksum"; a computed 0 goes as its
	 * one's-complement twin, all ones (RFC 768). */
	put16(udp + 6, sum == 0 ? 0xffff : sum);
	return total;
}

int
inet_udp_parse(const uint8_t *buf, size_t len, struct inet_udp *out)
{
	const uint8_t *udp;
	size_t hlen, total, ulen;
	uint32_t src, dst;

	if (len < INET_IPV4_HDR)
		return INET_ESHORT;
	if (buf[0] >> 4 != 4)
		return INET_EVERSION;
	hlen = (size_t)(buf[0] & 0x0f) * 4;
	if (hlen < INET_IPV4_HDR || hlen > len)
		return INET_EHDRLEN;
	total = get16(buf + 2);
	if (total < hlen || total > len)
		return INET_ETOTLEN;
	if (inet_checksum(buf, hlen, 0) != 0)
		return INET_EHDRSUM;
	if (get16(buf + 6) & (IP_MF | IP_OFFMASK))
		return INET_EFRAG;
	if (buf[9] != PROTO_UDP)
		return INET_EPROTO;

	udp = buf + hlen;
	if (total - hlen < INET_UDP_HDR)
		return INET_EUDPLEN;
	ulen = get16(udp + 4);
	if (ulen < INET_UDP_HDR || ulen > total - hlen)
		return INET_EUDPLEN;
	src = get32(buf + 12);
	dst = get32(buf + 16);
	if (get16(udp + 6) != 0 && inet_checksum(udp, ulen,
	    inet_pseudo_sum(src, dst, PROTO_UDP, (uint16_t)ulen)) != 0)
		return INET_EUDPSUM;

	out->src = src;
	out->dst = dst;
	out->sport = get16(udp);
	out->dport = get16(udp + 2);
	out->id = get16(buf + 4);
	out->ttl = buf[8];
	out->payload = udp + INET_UDP_HDR;
	out->len = ulen - INET_UDP_HDR;
	return 0;
}

const char *
inet_strerror(int code)
{
	switch (code) {
	case 0:
		return "no error";
	case INET_ESHORT:
		return "shorter than an IPv4 header";
	case INET_EVERSION:
		return "not IPv4";
	case INET_EHDRLEN:
		return "bad IPv4 header length";
	case INET_ETOTLEN:
		return "bad IPv4 total length";
	case INET_EHDRSUM:
		return "bad IPv4 header checksum";
	case INET_EFRAG:
		return "IPv4 fragment";
	case INET_EPROTO:
		return "not UDP";
	case INET_EUDPLEN:
		return "bad UDP length";
	case INET_EUDPSUM:
		return "bad UDP checksum";
	}
	return "unknown error";
}
