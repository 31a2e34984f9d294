/*
 * Fuzz target for the capture reader, trace_open(): a user's pcap or
 * pcapng file, cut short, corrupted or made up.
 *
 * The reader takes a path (libpcap opens the file itself), so each input
 * is written to an anonymous in-memory file and opened by its
 * /proc/self/fd name: no file on disk, nothing left behind.
 *
 * Input layout: byte 0 picks a filter expression from FILTERS (the reader
 * compiles it against the file's link type, which is part of what is
 * being tested); the rest is the file.
 *
 * Seeds: tests/data/three-flows.pcap (copied in by `make fuzz-smoke`) and,
 * with SASEBED_FUZZ_SEEDS set, one small file per link type the reader
 * takes, written here, in both timestamp precisions and byte orders.
 *
 * Invariants; a violation aborts:
 * - a file refused comes with a message that names it;
 * - a file read: the first packet kept is at time 0; the sizes add up to
 *   trace_bytes(); every packet belongs to a flow that exists; the flows'
 *   packets and bytes add up to the trace's.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pcap/trace.h"

static const char *const FILTERS[] = {
	NULL, "udp", "tcp port 443", "vlan and ip", "ip src 10.1.0.10",
	"not (", /* does not compile */
};
#define NFILTERS (sizeof(FILTERS) / sizeof(FILTERS[0]))

static void
die(const char *what)
{
	fprintf(stderr, "trace_read: invariant violated: %s\n", what);
	abort();
}

static void
check(const struct trace *t)
{
	size_t n = trace_count(t), nf = trace_flows(t);
	uint64_t bytes = 0, fpk = 0, fby = 0;

	if (n > 0 && trace_time(t, 0) != 0)
		die("the first packet kept is not at time 0");
	for (size_t i = 0; i < n; i++) {
		bytes += trace_size(t, i);
		if (trace_packet_flow(t, i) >= nf)
			die("a packet of a flow that does not exist");
	}
	if (bytes != trace_bytes(t))
		die("the sizes do not add up to the trace's bytes");
	for (size_t f = 0; f < nf; f++) {
		const struct trace_flow *fl = trace_flow_get(t, f);

		fpk += fl->packets;
		fby += fl->bytes;
	}
	if (fpk != n || fby != bytes)
		die("the flows do not add up to the trace");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], err[512] = "";
	struct trace *t;
	int fd;

	if (size < 1)
		return 0;
	if ((fd = memfd_create("trace", MFD_CLOEXEC)) < 0) {
		perror("trace_read: memfd_create");
		abort();
	}
	if (size > 1 && write(fd, data + 1, size - 1) != (ssize_t)(size - 1)) {
		perror("trace_read: write");
		abort();
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	t = trace_open(path, FILTERS[data[0] % NFILTERS], err, sizeof(err));
	if (t == NULL) {
		if (strstr(err, path) == NULL)
			die("a refusal that does not name the file");
	} else {
		check(t);
		trace_free(t);
	}
	close(fd);
	return 0;
}

/* ---- seeds ---- */

static void
put32le(uint8_t *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> 8 * i);
}

static void
put32be(uint8_t *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[3 - i] = (uint8_t)(v >> 8 * i);
}

/* A classic pcap file of two records of the same frame, 1 ms apart:
 * `link` bytes of link header, then a 28-byte IPv4/UDP datagram (its
 * checksums are not the reader's business). */
static size_t
make_pcap(uint8_t *b, uint32_t magic, int big, uint32_t dlt,
    const uint8_t *link, size_t llen)
{
	void (*put)(uint8_t *, uint32_t) = big ? put32be : put32le;
	static const uint8_t ip[28] = {
		0x45, 0, 0, 28, 0, 1, 0x40, 0, 64, 17, 0, 0,
		10, 1, 0, 10, 198, 18, 0, 1,
		0x13, 0x8c, 0x01, 0xbb, 0, 8, 0, 0,
	};
	size_t n = 24;
	uint32_t cap = (uint32_t)(llen + sizeof(ip));

	put(b, magic);
	b[4] = big ? 0 : 2;
	b[5] = big ? 2 : 0;
	b[6] = big ? 0 : 4;
	b[7] = big ? 4 : 0;
	put(b + 8, 0);
	put(b + 12, 0);
	put(b + 16, 65535);
	put(b + 20, dlt);
	for (int r = 0; r < 2; r++) {
		put(b + n, 1773145800);
		put(b + n + 4, r * (magic == 0xa1b2c3d4 ? 1000 : 1000000));
		put(b + n + 8, cap);
		put(b + n + 12, cap);
		n += 16;
		if (llen > 0)
			memcpy(b + n, link, llen);
		memcpy(b + n + llen, ip, sizeof(ip));
		n += cap;
	}
	return n;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t eth[14] = {
		2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00,
	};
	static const uint8_t vlan[18] = {
		2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x81, 0x00, 0, 7,
		0x08, 0x00,
	};
	static const uint8_t sll[16] = {
		0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00,
	};
	static const uint8_t sll2[20] = {
		0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6,
		2, 0, 0, 0, 0, 1, 0, 0,
	};
	static const uint8_t loop[4] = { 0, 0, 0, 2 };
	static const uint8_t null_le[4] = { 2, 0, 0, 0 };
	static const struct {
		const char *name;
		uint32_t dlt;
		const uint8_t *link;
		size_t llen;
	} kinds[] = {
		{ "eth", 1, eth, sizeof(eth) },
		{ "vlan", 1, vlan, sizeof(vlan) },
		{ "sll", 113, sll, sizeof(sll) },
		{ "sll2", 276, sll2, sizeof(sll2) },
		{ "raw", 101, NULL, 0 },
		{ "ipv4", 228, NULL, 0 },
		{ "null", 0, null_le, sizeof(null_le) },
		{ "loop", 108, loop, sizeof(loop) },
		{ "ppp", 9, NULL, 0 },	/* a link type it refuses */
	};
	const char *dir = getenv("SASEBED_FUZZ_SEEDS");
	uint8_t b[1 + 512];
	char path[4096];
	FILE *f;

	if (dir == NULL)
		return 0;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		for (int v = 0; v < 2; v++) {
			/* v 0: microseconds, little-endian; 1: nanoseconds,
			 * big-endian; the filter varies with k */
			size_t n = make_pcap(b + 1, v ? 0xa1b23c4d : 0xa1b2c3d4,
			    v, kinds[k].dlt, kinds[k].link, kinds[k].llen);

			b[0] = (uint8_t)(k % NFILTERS);
			snprintf(path, sizeof(path), "%s/seed-%s-%d", dir,
			    kinds[k].name, v);
			if ((f = fopen(path, "wb")) == NULL ||
			    fwrite(b, 1, n + 1, f) != n + 1 || fclose(f) != 0)
				fprintf(stderr, "trace_read: cannot write %s\n",
				    path);
		}
	return 0;
}
