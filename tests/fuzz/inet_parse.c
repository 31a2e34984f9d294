/*
 * Fuzz target for the parsers of what a tunnel carries and what a capture
 * holds: inet_udp_parse() (an IPv4 datagram with UDP inside, as it comes
 * off a wire) and inet_addr_parse() (a dotted quad, as a scenario writes
 * an address).
 *
 * Input layout: byte 0 even, the rest is a datagram; odd, the rest is a
 * string for inet_addr_parse().
 *
 * Invariants; a violation aborts:
 * - a datagram accepted: its payload lies inside the input, its length is
 *   the UDP length less the header, and building a datagram again from
 *   what was parsed (addresses, ports, TTL, identification, payload) and
 *   parsing that gives back the same fields: the parser and the builder
 *   agree on the wire format;
 * - a datagram refused: the code is one of the INET_E codes, and the
 *   output is untouched;
 * - an address accepted prints back as the very same string (strict dotted
 *   quads have one spelling); one refused leaves the output untouched.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wan/inet.h"

static void
die(const char *what)
{
	fprintf(stderr, "inet_parse: invariant violated: %s\n", what);
	abort();
}

static void
datagram(const uint8_t *d, size_t n)
{
	static uint8_t again[INET_IP_MAX];
	static const struct inet_udp blank = { .sport = 0x5a5a };
	struct inet_udp u = blank, v;
	size_t len;
	int rc;

	if ((rc = inet_udp_parse(d, n, &u)) < 0) {
		if (inet_strerror(rc) == NULL || rc < INET_EUDPSUM)
			die("a refusal with no name");
		if (memcmp(&u, &blank, sizeof(u)) != 0)
			die("a refused datagram changed the output");
		return;
	}
	if (u.payload < d + INET_IPV4_HDR + INET_UDP_HDR ||
	    u.payload + u.len > d + n)
		die("a payload outside the datagram");
	if (u.len > INET_IP_MAX - INET_IPV4_HDR - INET_UDP_HDR)
		die("a payload longer than any datagram");
	memcpy(again + INET_IPV4_HDR + INET_UDP_HDR, u.payload, u.len);
	len = inet_udp_build(again, sizeof(again), u.src, u.sport, u.dst,
	    u.dport, u.len, u.id, u.ttl);
	if (len != INET_IPV4_HDR + INET_UDP_HDR + u.len)
		die("what was parsed cannot be built again");
	if (inet_udp_parse(again, len, &v) < 0)
		die("a datagram built from a parsed one does not parse");
	if (v.src != u.src || v.dst != u.dst || v.sport != u.sport ||
	    v.dport != u.dport || v.ttl != u.ttl || v.id != u.id ||
	    v.len != u.len || memcmp(v.payload, u.payload, u.len) != 0)
		die("parse(build(parse(d))) differs from parse(d)");
}

static void
address(const uint8_t *d, size_t n)
{
	char s[64], back[INET_ADDR_STR];
	uint32_t a = 0x5a5a5a5a;

	if (n >= sizeof(s))
		n = sizeof(s) - 1;
	memcpy(s, d, n);
	s[n] = '\0';
	if (inet_addr_parse(s, &a) < 0) {
		if (a != 0x5a5a5a5a)
			die("a refused address changed the output");
		return;
	}
	if (strcmp(inet_addr_fmt(a, back), s) != 0)
		die("an accepted address does not print back as itself");
}

/*
 * With SASEBED_FUZZ_SEEDS set to a folder, write a starting corpus there:
 * datagrams as the builder makes them (checksums right, which a fuzzer
 * would take long to find), one with a zero UDP checksum, one with header
 * options, and addresses at the edges of the format.
 */
static void
write_seed(const char *dir, const char *name, uint8_t first,
    const void *b, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL || fputc(first, f) == EOF ||
	    fwrite(b, 1, n, f) != n || fclose(f) != 0)
		fprintf(stderr, "inet_parse: cannot write %s\n", path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const addrs[] = {
		"0.0.0.0", "255.255.255.255", "10.1.0.10", "192.0.2.1",
		"010.1.2.3", "1.2.3", "1.2.3.4.", "256.1.1.1",
	};
	const char *dir = getenv("SASEBED_FUZZ_SEEDS");
	static uint8_t b[2048];
	uint8_t opt[2048];
	char name[64];
	size_t n;

	if (dir == NULL)
		return 0;
	for (size_t plen = 0; plen <= 1400; plen += 700) {
		memset(b + INET_IPV4_HDR + INET_UDP_HDR, 0x45, plen);
		n = inet_udp_build(b, sizeof(b), 0x0a01000a, 5004, 0xc6120001,
		    443, plen, 7, 64);
		snprintf(name, sizeof(name), "seed-udp-%zu", plen);
		write_seed(dir, name, 0, b, n);
	}
	/* no UDP checksum */
	b[INET_IPV4_HDR + 6] = b[INET_IPV4_HDR + 7] = 0;
	write_seed(dir, "seed-udp-nosum", 0, b, n);
	/* four bytes of options (a no-op and an end), header sum redone */
	n = inet_udp_build(b, sizeof(b), 0x0a01000a, 5004, 0xc6120001, 443,
	    16, 7, 64);
	memcpy(opt, b, INET_IPV4_HDR);
	memcpy(opt + INET_IPV4_HDR, "\x01\0\0\0", 4);
	memcpy(opt + INET_IPV4_HDR + 4, b + INET_IPV4_HDR, n - INET_IPV4_HDR);
	opt[0] = 0x46;
	opt[2] = (uint8_t)((n + 4) >> 8);
	opt[3] = (uint8_t)(n + 4);
	opt[10] = opt[11] = 0;
	{
		uint16_t sum = inet_checksum(opt, INET_IPV4_HDR + 4, 0);

		opt[10] = (uint8_t)(sum >> 8);
		opt[11] = (uint8_t)sum;
	}
	write_seed(dir, "seed-udp-options", 0, opt, n + 4);
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		snprintf(name, sizeof(name), "seed-addr-%zu", i);
		write_seed(dir, name, 1, addrs[i], strlen(addrs[i]));
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		address(data + 1, size - 1);
	else
		datagram(data + 1, size - 1);
	return 0;
}
