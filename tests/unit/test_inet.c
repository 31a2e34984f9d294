/*
 * IPv4 and UDP by hand: the checksum against the RFC 1071 example, a
 * typical LAN header and a datagram whose sums are worked out below, and
 * against a plain bytewise reference over random buffers of every parity;
 * build and parse round trips for payloads of 0 to 1473 bytes and the
 * largest datagram; every reason parse gives for refusing; and strict
 * dotted quads.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wan/inet.h"
#include "tests/unit/check_main.h"
#include "tests/unit/xorshift.h"

#define HDRS	(INET_IPV4_HDR + INET_UDP_HDR)

/* The definition, one byte pair at a time with the end-around carry taken
 * at every step: slow and plain, to hold the real one against. */
static uint16_t
ref_checksum(const uint8_t *b, size_t len)
{
	uint32_t s = 0;

	for (size_t i = 0; i < len; i += 2) {
		s += (uint32_t)b[i] << 8 | (i + 1 < len ? b[i + 1] : 0);
		if (s > 0xffff)
			s = (s & 0xffff) + 1;
	}
	return (uint16_t)~s;
}

/* Recompute an IPv4 header's checksum after a test has changed a field,
 * so that only the change under test is wrong. */
static void
fix_ip_sum(uint8_t *ip)
{
	size_t hlen = (size_t)(ip[0] & 0x0f) * 4;
	uint16_t s;

	ip[10] = ip[11] = 0;
	s = inet_checksum(ip, hlen, 0);
	ip[10] = (uint8_t)(s >> 8);
	ip[11] = (uint8_t)s;
}

START_TEST(test_rfc1071_example)
{
	/* RFC 1071 section 3: these eight bytes sum to ddf2 */
	static const uint8_t b[] = {
		0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7
	};

	ck_assert_uint_eq(inet_sum(b, sizeof(b), 0), 0xddf2);
	ck_assert_uint_eq(inet_checksum(b, sizeof(b), 0), 0x220d);
	/* in two pieces, the first of even length: the same */
	ck_assert_uint_eq(inet_sum(b + 4, 4, inet_sum(b, 4, 0)), 0xddf2);
	ck_assert_uint_eq(inet_checksum(b + 2, 6, inet_sum(b, 2, 0)), 0x220d);
}
END_TEST

START_TEST(test_ip_header_vector)
{
	/*
	 * A typical LAN header: 115 bytes of UDP from 192.168.0.1 to
	 * 192.168.0.199, DF, TTL 64.  With the checksum field as 0:
	 *
	 *   4500 + 0073 + 0000 + 4000 + 4011 + 0000
	 *        + c0a8 + 0001 + c0a8 + 00c7            = 2479c
	 *   fold: 479c + 2                              = 479e
	 *   complement                                  = b861
	 */
	uint8_t h[] = {
		0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00,
		0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01,
		0xc0, 0xa8, 0x00, 0xc7
	};

	ck_assert_uint_eq(inet_checksum(h, sizeof(h), 0), 0xb861);
	/* with the checksum in place, a receiver's sum comes to 0 */
	h[10] = 0xb8;
	h[11] = 0x61;
	ck_assert_uint_eq(inet_checksum(h, sizeof(h), 0), 0);
	h[8] = 0x3f;	/* one hop later, without updating the checksum */
	ck_assert_uint_ne(inet_checksum(h, sizeof(h), 0), 0);
}
END_TEST

START_TEST(test_checksum_edges)
{
	static const uint8_t ones[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t odd[3] = { 0x01, 0x02, 0x03 };

	/* nothing sums to 0, whose complement is all ones */
	ck_assert_uint_eq(inet_checksum(odd, 0, 0), 0xffff);
	/* ffff is one's-complement zero: the sum stays ffff, not 0 */
	ck_assert_uint_eq(inet_sum(ones, sizeof(ones), 0), 0xffff);
	ck_assert_uint_eq(inet_checksum(ones, sizeof(ones), 0), 0);
	/* an odd last byte is the high half of a word: 0102 + 0300 */
	ck_assert_uint_eq(inet_sum(odd, 3, 0), 0x0402);
	ck_assert_uint_eq(inet_sum(odd, 1, 0), 0x0100);
	/* initial adds in, carries fold: ffff + 0402 = 0402 after the carry */
	ck_assert_uint_eq(inet_sum(odd, 3, 0xffff), 0x0402);
	/* an unfolded initial is folded too */
	ck_assert_uint_eq(inet_sum(odd, 0, 0x12345), 0x2346);
}
END_TEST

START_TEST(test_checksum_reference)
{
	uint8_t b[1501];
	uint64_t seed = 0x1071;

	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)xorshift(&seed);
	for (size_t len = 0; len <= sizeof(b); len++) {
		ck_assert_uint_eq(inet_checksum(b, len, 0),
		    ref_checksum(b, len));
		/* any even split gives the same */
		if (len >= 2) {
			size_t cut = (size_t)(xorshift(&seed) % (len / 2)) * 2;
			ck_assert_uint_eq(inet_checksum(b + cut, len - cut,
			    inet_sum(b, cut, 0)), ref_checksum(b, len));
		}
	}
}
END_TEST

START_TEST(test_pseudo_sum)
{
	/* 0a00 + 0001 + 0a00 + 0002 + 0011 + 000a = 141e */
	ck_assert_uint_eq(inet_pseudo_sum(0x0a000001, 0x0a000002, 17, 10),
	    0x141e);
	/* ffff is one's-complement zero: five of them and 00ff fold to 00ff */
	ck_assert_uint_eq(inet_pseudo_sum(0xffffffff, 0xffffffff, 0xff,
	    0xffff), 0x00ff);
}
END_TEST

START_TEST(test_build_known_datagram)
{
	/*
	 * 10.0.0.1:1234 to 10.0.0.2:5678, payload "hi", id 1c46, TTL 64.
	 *
	 * IPv4: 4500 + 001e + 1c46 + 4000 + 4011 + 0a00 + 0001 + 0a00
	 *       + 0002 = f578, no carry; complement 0a87.
	 * UDP:  pseudo-header 141e (test_pseudo_sum) + 04d2 + 162e + 000a
	 *       + 0000 + 6869 = 9791; complement 686e.
	 */
	static const uint8_t want[30] = {
		0x45, 0x00, 0x00, 0x1e, 0x1c, 0x46, 0x40, 0x00,
		0x40, 0x11, 0x0a, 0x87, 0x0a, 0x00, 0x00, 0x01,
		0x0a, 0x00, 0x00, 0x02,
		0x04, 0xd2, 0x16, 0x2e, 0x00, 0x0a, 0x68, 0x6e,
		'h', 'i'
	};
	uint8_t buf[64];
	struct inet_udp u;

	memset(buf, 0xee, sizeof(buf));
	memcpy(buf + HDRS, "hi", 2);
	ck_assert_uint_eq(inet_udp_build(buf, sizeof(buf), 0x0a000001, 1234,
	    0x0a000002, 5678, 2, 0x1c46, 64), 30);
	ck_assert_mem_eq(buf, want, sizeof(want));
	ck_assert_uint_eq(buf[30], 0xee);	/* nothing written past */
	ck_assert_int_eq(inet_udp_parse(buf, 30, &u), 0);
	ck_assert_uint_eq(u.src, 0x0a000001);
	ck_assert_uint_eq(u.dst, 0x0a000002);
	ck_assert_uint_eq(u.sport, 1234);
	ck_assert_uint_eq(u.dport, 5678);
	ck_assert_uint_eq(u.id, 0x1c46);
	ck_assert_uint_eq(u.ttl, 64);
	ck_assert_ptr_eq(u.payload, buf + HDRS);
	ck_assert_uint_eq(u.len, 2);
}
END_TEST

START_TEST(test_udp_checksum_zero_sent_as_ones)
{
	/*
	 * Without payload the words above sum to 141e + 04d2 + 162e + 000a
	 * = 2f28, so a payload word of ffff - 2f28 = d0d7 makes the sum
	 * ffff and the checksum 0, which must go on the wire as ffff.
	 */
	uint8_t buf[HDRS + 2];
	struct inet_udp u;

	buf[HDRS] = 0xd0;
	buf[HDRS + 1] = 0xd7;
	ck_assert_uint_eq(inet_udp_build(buf, sizeof(buf), 0x0a000001, 1234,
	    0x0a000002, 5678, 2, 0x1c46, 64), sizeof(buf));
	ck_assert_uint_eq(buf[26], 0xff);
	ck_assert_uint_eq(buf[27], 0xff);
	ck_assert_int_eq(inet_udp_parse(buf, sizeof(buf), &u), 0);
}
END_TEST

START_TEST(test_round_trip_lengths)
{
	static uint8_t buf[HDRS + 1473 + 1];
	uint64_t seed = 99;

	for (size_t n = 0; n <= 1473; n++) {
		struct inet_udp u;
		uint32_t src = (uint32_t)xorshift(&seed);
		uint32_t dst = (uint32_t)xorshift(&seed);
		uint16_t sp = (uint16_t)xorshift(&seed);
		uint16_t dp = (uint16_t)xorshift(&seed);

		for (size_t i = 0; i < n; i++)
			buf[HDRS + i] = (uint8_t)xorshift(&seed);
		/* exactly the room needed, and one byte less */
		ck_assert_uint_eq(inet_udp_build(buf, HDRS + n - 1, src, sp,
		    dst, dp, n, (uint16_t)n, 1), 0);
		ck_assert_uint_eq(inet_udp_build(buf, HDRS + n, src, sp, dst,
		    dp, n, (uint16_t)n, 1), HDRS + n);
		ck_assert_int_eq(inet_udp_parse(buf, HDRS + n, &u), 0);
		ck_assert_uint_eq(u.src, src);
		ck_assert_uint_eq(u.dst, dst);
		ck_assert_uint_eq(u.sport, sp);
		ck_assert_uint_eq(u.dport, dp);
		ck_assert_uint_eq(u.id, n);
		ck_assert_uint_eq(u.ttl, 1);
		ck_assert_uint_eq(u.len, n);
		ck_assert_ptr_eq(u.payload, buf + HDRS);
		/* DF set, no fragment offset */
		ck_assert_uint_eq(buf[6], 0x40);
		ck_assert_uint_eq(buf[7], 0);
		/* the checksums agree with the bytewise reference */
		ck_assert_uint_eq(ref_checksum(buf, INET_IPV4_HDR), 0);
	}
}
END_TEST

START_TEST(test_largest_datagram)
{
	size_t max = INET_IP_MAX - HDRS;	/* 65507 */
	uint8_t *buf = calloc(1, INET_IP_MAX + 1);
	struct inet_udp u;

	ck_assert_ptr_nonnull(buf);
	memset(buf + HDRS, 0xa5, max);
	ck_assert_uint_eq(inet_udp_build(buf, INET_IP_MAX + 1, 1, 2, 3, 4,
	    max + 1, 0, 64), 0);
	ck_assert_uint_eq(inet_udp_build(buf, INET_IP_MAX + 1, 1, 2, 3, 4,
	    (size_t)-1, 0, 64), 0);
	ck_assert_uint_eq(inet_udp_build(buf, INET_IP_MAX + 1, 1, 2, 3, 4,
	    max, 0, 64), INET_IP_MAX);
	ck_assert_uint_eq(buf[2], 0xff);
	ck_assert_uint_eq(buf[3], 0xff);
	ck_assert_int_eq(inet_udp_parse(buf, INET_IP_MAX, &u), 0);
	ck_assert_uint_eq(u.len, max);
	free(buf);
}
END_TEST

/* A good datagram to spoil, 10.1.1.1:4500 to 10.2.2.2:4500, 5 bytes. */
static size_t
good(uint8_t *buf, size_t cap)
{
	memcpy(buf + HDRS, "hello", 5);
	return inet_udp_build(buf, cap, 0x0a010101, 4500, 0x0a020202, 4500,
	    5, 7, 64);
}

/* parse must fail with code and leave out as it was */
static void
refused(const uint8_t *buf, size_t len, int code)
{
	struct inet_udp u, before;

	memset(&u, 0x5a, sizeof(u));
	before = u;
	ck_assert_int_eq(inet_udp_parse(buf, len, &u), code);
	ck_assert_mem_eq(&u, &before, sizeof(u));
}

START_TEST(test_parse_refusals)
{
	uint8_t buf[128];
	size_t n;

	n = good(buf, sizeof(buf));
	ck_assert_uint_eq(n, 33);
	refused(buf, 0, INET_ESHORT);
	refused(buf, INET_IPV4_HDR - 1, INET_ESHORT);

	buf[0] = 0x65;			/* version 6 */
	refused(buf, n, INET_EVERSION);

	n = good(buf, sizeof(buf));
	buf[0] = 0x44;			/* 16-byte header */
	refused(buf, n, INET_EHDRLEN);
	buf[0] = 0x4f;			/* 60-byte header in 33 bytes */
	refused(buf, n, INET_EHDRLEN);

	n = good(buf, sizeof(buf));
	refused(buf, n - 1, INET_ETOTLEN);	/* cut short */
	buf[2] = 0;
	buf[3] = 19;			/* total below the header */
	fix_ip_sum(buf);
	refused(buf, n, INET_ETOTLEN);

	n = good(buf, sizeof(buf));
	buf[8] = 63;			/* TTL changed, checksum not */
	refused(buf, n, INET_EHDRSUM);
	buf[8] = 64;
	buf[11] ^= 1;			/* the checksum itself */
	refused(buf, n, INET_EHDRSUM);

	n = good(buf, sizeof(buf));
	buf[6] = 0x20;			/* more fragments */
	fix_ip_sum(buf);
	refused(buf, n, INET_EFRAG);
	buf[6] = 0x40;			/* DF and offset 8 bytes */
	buf[7] = 0x01;
	fix_ip_sum(buf);
	refused(buf, n, INET_EFRAG);

	n = good(buf, sizeof(buf));
	buf[9] = 6;			/* TCP */
	fix_ip_sum(buf);
	refused(buf, n, INET_EPROTO);

	n = good(buf, sizeof(buf));
	buf[25] = 7;			/* UDP length below its header */
	refused(buf, n, INET_EUDPLEN);
	buf[25] = 14;			/* past the IP payload (13) */
	refused(buf, n, INET_EUDPLEN);
	buf[2] = 0;
	buf[3] = 24;			/* room for half a UDP header */
	fix_ip_sum(buf);
	refused(buf, n, INET_EUDPLEN);

	n = good(buf, sizeof(buf));
	buf[HDRS] ^= 0x20;		/* "Hello": payload changed */
	refused(buf, n, INET_EUDPSUM);
	buf[HDRS] ^= 0x20;
	buf[20] ^= 0x01;		/* source port changed */
	refused(buf, n, INET_EUDPSUM);
	buf[20] ^= 0x01;
	buf[15] ^= 0x01;		/* source address: the pseudo-header */
	fix_ip_sum(buf);
	refused(buf, n, INET_EUDPSUM);
}
END_TEST

START_TEST(test_parse_accepts)
{
	uint8_t buf[128], opt[128];
	struct inet_udp u;
	size_t n;

	/* no UDP checksum: anything goes */
	n = good(buf, sizeof(buf));
	buf[26] = buf[27] = 0;
	buf[HDRS] = 'j';
	ck_assert_int_eq(inet_udp_parse(buf, n, &u), 0);
	ck_assert_mem_eq(u.payload, "jello", 5);

	/* Ethernet padding after the datagram is ignored */
	n = good(buf, sizeof(buf));
	memset(buf + n, 0, 60 - 14 - n);
	ck_assert_int_eq(inet_udp_parse(buf, 46, &u), 0);
	ck_assert_uint_eq(u.len, 5);

	/* a UDP length short of the IP payload: the rest is not payload;
	 * the checksum then covers only the shorter datagram */
	memcpy(buf + HDRS, "hel", 3);
	ck_assert_uint_eq(inet_udp_build(buf, sizeof(buf), 0x0a010101, 4500,
	    0x0a020202, 4500, 3, 7, 64), 31);
	memcpy(buf + 31, "lo", 2);
	buf[2] = 0;
	buf[3] = 33;
	fix_ip_sum(buf);
	ck_assert_int_eq(inet_udp_parse(buf, 33, &u), 0);
	ck_assert_uint_eq(u.len, 3);

	/* header options (four no-ops) are skipped */
	n = good(buf, sizeof(buf));
	memcpy(opt, buf, INET_IPV4_HDR);
	memset(opt + INET_IPV4_HDR, 1, 4);
	memcpy(opt + 24, buf + INET_IPV4_HDR, n - INET_IPV4_HDR);
	opt[0] = 0x46;
	opt[3] = (uint8_t)(n + 4);
	fix_ip_sum(opt);
	ck_assert_int_eq(inet_udp_parse(opt, n + 4, &u), 0);
	ck_assert_ptr_eq(u.payload, opt + 32);
	ck_assert_mem_eq(u.payload, "hello", 5);
	ck_assert_uint_eq(u.sport, 4500);
}
END_TEST

START_TEST(test_strerror)
{
	static const int codes[] = {
		INET_ESHORT, INET_EVERSION, INET_EHDRLEN, INET_ETOTLEN,
		INET_EHDRSUM, INET_EFRAG, INET_EPROTO, INET_EUDPLEN,
		INET_EUDPSUM
	};
	size_t n = sizeof(codes) / sizeof(*codes);

	for (size_t i = 0; i < n; i++) {
		ck_assert_int_lt(codes[i], 0);
		for (size_t j = 0; j < i; j++) {
			ck_assert_int_ne(codes[i], codes[j]);
			ck_assert_str_ne(inet_strerror(codes[i]),
			    inet_strerror(codes[j]));
		}
		ck_assert_str_ne(inet_strerror(codes[i]), "unknown error");
	}
	ck_assert_str_eq(inet_strerror(-100), "unknown error");
}
END_TEST

START_TEST(test_addr_good)
{
	static const struct {
		const char *s;
		uint32_t a;
	} v[] = {
		{ "0.0.0.0", 0 },
		{ "255.255.255.255", 0xffffffff },
		{ "10.0.0.1", 0x0a000001 },
		{ "192.168.100.7", 0xc0a86407 },
		{ "1.10.100.200", 0x010a64c8 },
		{ "100.64.0.0", 0x64400000 },
	};
	char buf[INET_ADDR_STR];

	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		uint32_t a = 0x12345678;
		ck_assert_int_eq(inet_addr_parse(v[i].s, &a), 0);
		ck_assert_uint_eq(a, v[i].a);
		ck_assert_str_eq(inet_addr_fmt(v[i].a, buf), v[i].s);
	}
}
END_TEST

START_TEST(test_addr_bad)
{
	static const char *const bad[] = {
		"", ".", "...", "1.2.3", "1.2.3.4.5", "1.2.3.4.", ".1.2.3.4",
		"1..2.3", "256.0.0.1", "1.2.3.256", "1000.1.1.1", "999.0.0.0",
		"01.2.3.4", "1.2.3.04", "00.0.0.0", "1.002.3.4",
		" 1.2.3.4", "1.2.3.4 ", "x1.2.3.4", "1.2.3.4x", "1.2.3.4\n",
		"+1.2.3.4", "-1.2.3.4", "1.-2.3.4", "0x1.2.3.4", "1.2.3.0x4",
		"1,2,3,4", "1.2.3.4/24", "1.2.3.4:80", "localhost", "::1",
		"4294967295",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		uint32_t a = 0x12345678;
		ck_assert_msg(inet_addr_parse(bad[i], &a) < 0,
		    "'%s' was accepted", bad[i]);
		ck_assert_uint_eq(a, 0x12345678);
	}
}
END_TEST

START_TEST(test_addr_round_trip)
{
	uint64_t seed = 4;
	char buf[INET_ADDR_STR];

	for (int i = 0; i < 100000; i++) {
		uint32_t a = (uint32_t)xorshift(&seed), b = ~a;

		/* every third one with zero bytes, the leading-zero trap */
		if (i % 3 == 0)
			a &= 0xff00ff00u >> (i % 8);
		ck_assert_int_eq(inet_addr_parse(inet_addr_fmt(a, buf), &b),
		    0);
		ck_assert_uint_eq(a, b);
		ck_assert_uint_lt(strlen(buf), INET_ADDR_STR);
	}
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("inet");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_rfc1071_example);
	tcase_add_test(tc, test_ip_header_vector);
	tcase_add_test(tc, test_checksum_edges);
	tcase_add_test(tc, test_checksum_reference);
	tcase_add_test(tc, test_pseudo_sum);
	tcase_add_test(tc, test_build_known_datagram);
	tcase_add_test(tc, test_udp_checksum_zero_sent_as_ones);
	tcase_add_test(tc, test_round_trip_lengths);
	tcase_add_test(tc, test_largest_datagram);
	tcase_add_test(tc, test_parse_refusals);
	tcase_add_test(tc, test_parse_accepts);
	tcase_add_test(tc, test_strerror);
	tcase_add_test(tc, test_addr_good);
	tcase_add_test(tc, test_addr_bad);
	tcase_add_test(tc, test_addr_round_trip);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
