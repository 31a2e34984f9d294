/*
 * Reading a capture for replay: tests/data/three-flows.pcap (made by
 * tests/data/make-trace.c, whose comment and tests/data/README.md give the
 * counts checked here) read whole and through filters, each flow's packets
 * and bytes, the packet the snap length cut replayed at its IP length,
 * times from the first packet kept; every link type the reader takes and
 * one it refuses, nanosecond and microsecond files, headers cut off or
 * malformed; a missing file, a bad filter, a file cut in a record and a
 * corrupt record, each refused with the path (and the record) named; the
 * trace replayed through a traffic source; and the file in the tree the
 * same, byte for byte, as its generator writes.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pcap.h>

#include "models/traffic.h"
#include "pcap/trace.h"
#include "sim/kernel.h"
#include "sim/pool.h"
#include "wan/inet.h"
#include "tests/unit/check_main.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

/* What make-trace writes (its comment has the derivation). */
#define HOST		0x0a01000aU	/* 10.1.0.10 */
#define PEER		0x0a02000aU	/* 10.2.0.10 */
#define SERVER		0xc6120001U	/* 198.18.0.1 */
#define RECORDS		353
#define PACKETS		350
#define BYTES		220907
#define SKIPPED		3
#define FIRST_MS	10		/* the first IPv4 packet */
#define LAST_MS		2990

struct want_flow {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t proto;
	uint64_t packets, bytes;
};

/* In the order of their first packets: voice at 10 ms, video at 25 ms,
 * the client's first segment at 100 ms, the server's first ack at
 * 102.5 ms. */
static const struct want_flow FLOWS[] = {
	{ HOST, PEER, 5004, 5004, 17, 150, 30000 },
	{ HOST, SERVER, 40000, 9000, 17, 50, 38307 },
	{ HOST, SERVER, 50000, 443, 6, 70, 61560 },
	{ SERVER, HOST, 443, 50000, 6, 80, 91040 },
};
#define NFLOWS	(sizeof(FLOWS) / sizeof(*FLOWS))

/* The source tree: $SRCDIR when make check sets it, else from __FILE__. */
static void
data_path(char *buf, size_t len, const char *name)
{
	const char *env = getenv("SRCDIR");
	const char *tail = "tests/unit/test_trace.c";
	size_t n = strlen(__FILE__);

	if (env != NULL && *env != '\0')
		snprintf(buf, len, "%s/tests/data/%s", env, name);
	else if (n >= strlen(tail) &&
	    strcmp(__FILE__ + n - strlen(tail), tail) == 0 &&
	    n > strlen(tail))
		snprintf(buf, len, "%.*stests/data/%s",
		    (int)(n - strlen(tail)), __FILE__, name);
	else
		snprintf(buf, len, "tests/data/%s", name);
}

static struct trace *
open_ok(const char *path, const char *filter)
{
	char err[512];
	struct trace *t = trace_open(path, filter, err, sizeof(err));

	ck_assert_msg(t != NULL, "%s", err);
	return t;
}

static struct trace *
open_data(const char *filter)
{
	char path[4096];

	data_path(path, sizeof(path), "three-flows.pcap");
	return open_ok(path, filter);
}

struct tmp {
	char dir[256];
	char a[300];
};

static void
tmp_make(struct tmp *t)
{
	const char *base = getenv("TMPDIR");

	snprintf(t->dir, sizeof(t->dir), "%s/sasebed-trace-XXXXXX",
	    base != NULL && *base != '\0' ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
	snprintf(t->a, sizeof(t->a), "%s/a.pcap", t->dir);
}

static void
tmp_remove(struct tmp *t)
{
	unlink(t->a);
	rmdir(t->dir);
}

START_TEST(test_whole)
{
	struct trace *t = open_data(NULL);
	uint64_t sum = 0, per[NFLOWS] = { 0 };

	ck_assert_uint_eq(trace_count(t), PACKETS);
	ck_assert_uint_eq(trace_bytes(t), BYTES);
	ck_assert_uint_eq(trace_skipped(t), SKIPPED);
	ck_assert_uint_eq(trace_flows(t), NFLOWS);
	for (size_t i = 0; i < NFLOWS; i++) {
		const struct trace_flow *f = trace_flow_get(t, i);
		ck_assert_uint_eq(f->src, FLOWS[i].src);
		ck_assert_uint_eq(f->dst, FLOWS[i].dst);
		ck_assert_uint_eq(f->sport, FLOWS[i].sport);
		ck_assert_uint_eq(f->dport, FLOWS[i].dport);
		ck_assert_uint_eq(f->proto, FLOWS[i].proto);
		ck_assert_uint_eq(f->packets, FLOWS[i].packets);
		ck_assert_uint_eq(f->bytes, FLOWS[i].bytes);
	}
	/* times from the first IPv4 packet, not the ARP before it, in the
	 * file's order; the arrays hold the same as the accessors */
	ck_assert_int_eq(trace_time(t, 0), 0);
	ck_assert_int_eq(trace_time(t, PACKETS - 1),
	    (LAST_MS - FIRST_MS) * SB_MS);
	for (size_t i = 0; i < PACKETS; i++) {
		size_t f = trace_packet_flow(t, i);
		ck_assert_uint_lt(f, NFLOWS);
		per[f] += trace_size(t, i);
		sum += trace_size(t, i);
		ck_assert_int_eq(trace_times(t)[i], trace_time(t, i));
		ck_assert_uint_eq(trace_sizes(t)[i], trace_size(t, i));
		if (i > 0)
			ck_assert_int_ge(trace_time(t, i), trace_time(t, i - 1));
		/* every TCP packet is a segment or an ack */
		if (FLOWS[f].proto == 6)
			ck_assert(trace_size(t, i) == 1500 ||
			    trace_size(t, i) == 52);
	}
	ck_assert_uint_eq(sum, BYTES);
	for (size_t i = 0; i < NFLOWS; i++)
		ck_assert_uint_eq(per[i], FLOWS[i].bytes);
	trace_free(t);
}
END_TEST

/* The server's 11th segment, at 1010 ms, holds 96 of its 1514 bytes in
 * the file; it replays at its IP length, 1500. */
START_TEST(test_snap_length)
{
	char path[4096], errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *pc;
	int cut = 0, found = 0;
	struct trace *t;

	data_path(path, sizeof(path), "three-flows.pcap");
	pc = pcap_open_offline(path, errbuf);
	ck_assert_msg(pc != NULL, "%s", errbuf);
	while (pcap_next_ex(pc, &h, &d) == 1) {
		if (h->caplen == h->len)
			continue;
		cut++;
		ck_assert_uint_eq(h->caplen, 96);
		ck_assert_uint_eq(h->len, 1514);
		ck_assert_uint_eq(h->ts.tv_usec, 10000);
	}
	pcap_close(pc);
	ck_assert_int_eq(cut, 1);

	t = open_data("src host 198.18.0.1 and tcp");
	ck_assert_uint_eq(trace_count(t), 80);
	for (size_t i = 0; i < trace_count(t); i++) {
		/* 1010 ms is 1000 ms after the server's first ack, at 102.5 */
		if (trace_time(t, i) != 1010 * SB_MS - 102500 * SB_US)
			continue;
		found++;
		ck_assert_uint_eq(trace_size(t, i), 1500);
	}
	ck_assert_int_eq(found, 1);
	trace_free(t);
}
END_TEST

START_TEST(test_filters)
{
	struct trace *t;

	/* the voice flow alone, from its own first packet */
	t = open_data("udp and port 5004");
	ck_assert_uint_eq(trace_flows(t), 1);
	ck_assert_uint_eq(trace_count(t), 150);
	ck_assert_uint_eq(trace_bytes(t), 30000);
	ck_assert_uint_eq(trace_skipped(t), 0);
	for (size_t i = 0; i < trace_count(t); i++) {
		ck_assert_int_eq(trace_time(t, i), (int64_t)i * 20 * SB_MS);
		ck_assert_uint_eq(trace_size(t, i), 200);
	}
	trace_free(t);

	/* the video flow starts at 25 ms in the file, at 0 in its trace */
	t = open_data("udp and port 9000");
	ck_assert_uint_eq(trace_flows(t), 1);
	ck_assert_uint_eq(trace_flow_get(t, 0)->dport, 9000);
	ck_assert_uint_eq(trace_count(t), 50);
	ck_assert_uint_eq(trace_bytes(t), 38307);
	for (size_t i = 0; i < trace_count(t); i++) {
		ck_assert_int_eq(trace_time(t, i), (int64_t)i * 60 * SB_MS);
		ck_assert_uint_eq(trace_size(t, i), 64 + (i * 397) % 1437);
	}
	trace_free(t);

	/* both directions of the TCP conversation */
	t = open_data("tcp port 443");
	ck_assert_uint_eq(trace_flows(t), 2);
	ck_assert_uint_eq(trace_count(t), 150);
	ck_assert_uint_eq(trace_bytes(t), 61560 + 91040);
	trace_free(t);

	/* a filter for what is not IPv4 keeps nothing and skips it all */
	t = open_data("arp");
	ck_assert_uint_eq(trace_count(t), 0);
	ck_assert_uint_eq(trace_flows(t), 0);
	ck_assert_uint_eq(trace_bytes(t), 0);
	ck_assert_uint_eq(trace_skipped(t), 2);
	trace_free(t);

	/* ... and one that selects nothing is a trace of nothing */
	t = open_data("udp port 1");
	ck_assert_uint_eq(trace_count(t), 0);
	ck_assert_uint_eq(trace_skipped(t), 0);
	trace_free(t);
}
END_TEST

/* ---- files written here, one per link type ---- */

/* An IPv4 UDP datagram of ip_len bytes (at least 28) at buf. */
static size_t
put_udp(uint8_t *buf, size_t cap, uint16_t sport, uint16_t dport,
    size_t ip_len)
{
	memset(buf + INET_IPV4_HDR + INET_UDP_HDR, 0x5a,
	    ip_len - INET_IPV4_HDR - INET_UDP_HDR);
	return inet_udp_build(buf, cap, 0x0a000001, sport, 0x0a000002, dport,
	    ip_len - INET_IPV4_HDR - INET_UDP_HDR, 7, 64);
}

/* A minimal IPv6 header with no payload. */
static size_t
put_ipv6(uint8_t *buf)
{
	memset(buf, 0, 40);
	buf[0] = 0x60;
	buf[6] = 59;                    /* no next header */
	buf[7] = 64;
	return 40;
}

struct frame {
	uint8_t b[2048];
	uint32_t caplen, len;
	int64_t ns;                     /* from the epoch below */
};

#define T_EPOCH	INT64_C(1773145800)

static void
write_file(const char *path, int dlt, int nano, const struct frame *f,
    size_t n)
{
	pcap_t *pd = pcap_open_dead_with_tstamp_precision(dlt, 65535,
	    nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
	pcap_dumper_t *dump;

	ck_assert_ptr_nonnull(pd);
	dump = pcap_dump_open(pd, path);
	ck_assert_msg(dump != NULL, "%s", pcap_geterr(pd));
	for (size_t i = 0; i < n; i++) {
		struct pcap_pkthdr h = { 0 };
		h.ts.tv_sec = (time_t)(T_EPOCH + f[i].ns / 1000000000);
		h.ts.tv_usec = (suseconds_t)(f[i].ns % 1000000000 /
		    (nano ? 1 : 1000));
		h.caplen = f[i].caplen;
		h.len = f[i].len;
		pcap_dump((u_char *)dump, &h, f[i].b);
	}
	ck_assert_int_eq(pcap_dump_flush(dump), 0);
	pcap_dump_close(dump);
	pcap_close(pd);
}

/* Two frames of one link type: a UDP datagram of 300 bytes (ports 1111
 * and 2222) behind a link header of hl bytes made by head(), and an IPv6
 * packet behind the same header.  The reader keeps the first and skips
 * the second; filter, if not NULL, selects the first alone. */
static void
check_link(int dlt, size_t hl, void (*head)(uint8_t *b, int v6),
    const char *filter)
{
	struct frame f[2];
	struct tmp tm;
	struct trace *t;
	const struct trace_flow *fl;

	memset(f, 0, sizeof(f));
	head(f[0].b, 0);
	f[0].len = f[0].caplen = (uint32_t)(hl + put_udp(f[0].b + hl,
	    sizeof(f[0].b) - hl, 1111, 2222, 300));
	f[0].ns = 0;
	head(f[1].b, 1);
	f[1].len = f[1].caplen = (uint32_t)(hl + put_ipv6(f[1].b + hl));
	f[1].ns = SB_MS;
	tmp_make(&tm);
	write_file(tm.a, dlt, 1, f, 2);
	t = open_ok(tm.a, NULL);
	ck_assert_msg(trace_count(t) == 1, "link type %d: %zu packets", dlt,
	    trace_count(t));
	ck_assert_uint_eq(trace_skipped(t), 1);
	ck_assert_uint_eq(trace_size(t, 0), 300);
	ck_assert_uint_eq(trace_flows(t), 1);
	fl = trace_flow_get(t, 0);
	ck_assert_uint_eq(fl->src, 0x0a000001);
	ck_assert_uint_eq(fl->dst, 0x0a000002);
	ck_assert_uint_eq(fl->sport, 1111);
	ck_assert_uint_eq(fl->dport, 2222);
	ck_assert_uint_eq(fl->proto, 17);
	trace_free(t);
	/* a filter compiles for the link type and looks through its header */
	if (filter != NULL) {
		t = open_ok(tm.a, filter);
		ck_assert_msg(trace_count(t) == 1, "link type %d, '%s': %zu "
		    "packets", dlt, filter, trace_count(t));
		ck_assert_uint_eq(trace_skipped(t), 0);
		trace_free(t);
	}
	tmp_remove(&tm);
}

static void
head_eth(uint8_t *b, int v6)
{
	memset(b, 0x02, 12);
	b[12] = v6 ? 0x86 : 0x08;
	b[13] = v6 ? 0xdd : 0x00;
}

static void
head_vlan(uint8_t *b, int v6)
{
	memset(b, 0x02, 12);
	b[12] = 0x81;                   /* 802.1Q, VLAN 42 */
	b[13] = 0x00;
	b[14] = 0x00;
	b[15] = 42;
	b[16] = v6 ? 0x86 : 0x08;
	b[17] = v6 ? 0xdd : 0x00;
}

static void
head_qinq(uint8_t *b, int v6)
{
	memset(b, 0x02, 12);
	b[12] = 0x88;                   /* 802.1ad outer tag, VLAN 7 */
	b[13] = 0xa8;
	b[15] = 7;
	b[16] = 0x81;                   /* 802.1Q inner tag, VLAN 42 */
	b[17] = 0x00;
	b[19] = 42;
	b[20] = v6 ? 0x86 : 0x08;
	b[21] = v6 ? 0xdd : 0x00;
}

static void
head_none(uint8_t *b, int v6)
{
	(void)b;
	(void)v6;
}

static void
head_sll(uint8_t *b, int v6)
{
	memset(b, 0, 16);
	b[1] = 0;                       /* to us */
	b[3] = 1;                       /* ARPHRD_ETHER */
	b[5] = 6;
	memset(b + 6, 0x02, 6);
	b[14] = v6 ? 0x86 : 0x08;
	b[15] = v6 ? 0xdd : 0x00;
}

static void
head_sll2(uint8_t *b, int v6)
{
	memset(b, 0, 20);
	b[0] = v6 ? 0x86 : 0x08;
	b[1] = v6 ? 0xdd : 0x00;
	b[7] = 2;                       /* interface index */
	b[9] = 1;                       /* ARPHRD_ETHER */
	b[11] = 6;
	memset(b + 12, 0x02, 6);
}

/* DLT_NULL holds the family (2, AF_INET) in the capturing host's order,
 * and IPv6's differs between systems (30 on macOS, 24 on OpenBSD). */
static void
head_null_host(uint8_t *b, int v6)
{
	uint32_t fam = v6 ? 30 : 2;

	memcpy(b, &fam, 4);
}

static void
head_null_swapped(uint8_t *b, int v6)
{
	uint32_t fam = v6 ? 24 : 2;

	fam = (fam & 0xff) << 24 | (fam & 0xff00) << 8 |
	    (fam >> 8 & 0xff00) | fam >> 24;
	memcpy(b, &fam, 4);
}

/* DLT_LOOP holds it big-endian whatever the host. */
static void
head_loop(uint8_t *b, int v6)
{
	memset(b, 0, 4);
	b[3] = v6 ? 24 : 2;
}

START_TEST(test_link_types)
{
	const char *udp = "udp dst port 2222";

	check_link(DLT_EN10MB, 14, head_eth, udp);
	/* pcap-filter(7) looks behind a VLAN tag only after "vlan" */
	check_link(DLT_EN10MB, 18, head_vlan, "vlan 42 and udp dst port 2222");
	check_link(DLT_EN10MB, 22, head_qinq,
	    "vlan 7 and vlan 42 and udp dst port 2222");
	check_link(DLT_RAW, 0, head_none, udp);
	check_link(DLT_LINUX_SLL, 16, head_sll, udp);
	check_link(DLT_LINUX_SLL2, 20, head_sll2, udp);
	check_link(DLT_NULL, 4, head_null_host, udp);
	/* the family in the other order in a file of this host's order: some
	 * tools write that.  libpcap's filter expects the file's order, so
	 * only the reader, which takes either, is tried */
	check_link(DLT_NULL, 4, head_null_swapped, NULL);
	check_link(DLT_LOOP, 4, head_loop, udp);
}
END_TEST

START_TEST(test_link_refused)
{
	struct frame f = { .caplen = 24, .len = 24 };
	struct tmp tm;
	char err[512];

	tmp_make(&tm);
	write_file(tm.a, DLT_IEEE802_11, 0, &f, 1);
	ck_assert_ptr_null(trace_open(tm.a, NULL, err, sizeof(err)));
	ck_assert_msg(strstr(err, tm.a) != NULL, "%s", err);
	ck_assert_msg(strstr(err, "IEEE802_11") != NULL, "%s", err);
	tmp_remove(&tm);
}
END_TEST

/* A nanosecond file keeps its nanoseconds; a microsecond one is scaled. */
START_TEST(test_precision)
{
	static const int64_t ns[] = { 123456789, 123456790, 1999999999,
	    3600 * SB_S + 1 };
	struct frame f[4];
	struct tmp tm;
	struct trace *t;

	memset(f, 0, sizeof(f));
	for (size_t i = 0; i < 4; i++) {
		f[i].len = f[i].caplen = (uint32_t)put_udp(f[i].b,
		    sizeof(f[i].b), 1, 2, 100 + i);
		f[i].ns = ns[i];
	}
	tmp_make(&tm);
	write_file(tm.a, DLT_RAW, 1, f, 4);
	t = open_ok(tm.a, NULL);
	ck_assert_uint_eq(trace_count(t), 4);
	for (size_t i = 0; i < 4; i++) {
		ck_assert_int_eq(trace_time(t, i), ns[i] - ns[0]);
		ck_assert_uint_eq(trace_size(t, i), 100 + i);
	}
	trace_free(t);

	write_file(tm.a, DLT_RAW, 0, f, 4);
	t = open_ok(tm.a, NULL);
	ck_assert_uint_eq(trace_count(t), 4);
	for (size_t i = 0; i < 4; i++)
		ck_assert_int_eq(trace_time(t, i),
		    ns[i] / 1000 * 1000 - ns[0] / 1000 * 1000);
	trace_free(t);
	tmp_remove(&tm);
}
END_TEST

/* IPv4 headers the snap length cut, that lie, or that a NIC left for
 * segmentation offload. */
START_TEST(test_odd_headers)
{
	struct frame f[6];
	struct tmp tm;
	struct trace *t;

	memset(f, 0, sizeof(f));
	for (size_t i = 0; i < 6; i++) {
		f[i].len = f[i].caplen = (uint32_t)put_udp(f[i].b,
		    sizeof(f[i].b), 3000, 4000, 1000);
		f[i].ns = (int64_t)i * SB_MS;
	}
	/* 0: whole.  1: cut to 20 bytes, the ports gone: kept, ports 0 */
	f[1].caplen = 20;
	/* 2: cut before the addresses: skipped */
	f[2].caplen = 16;
	/* 3: a header length of 16 bytes: skipped */
	f[3].b[0] = 0x44;
	/* 4: a total length below the header's: skipped */
	f[4].b[2] = 0;
	f[4].b[3] = 12;
	/* 5: total length 0, as TSO leaves it: the wire length, 1000 */
	f[5].b[2] = 0;
	f[5].b[3] = 0;
	f[5].caplen = 64;
	tmp_make(&tm);
	write_file(tm.a, DLT_RAW, 1, f, 6);
	t = open_ok(tm.a, NULL);
	ck_assert_uint_eq(trace_count(t), 3);
	ck_assert_uint_eq(trace_skipped(t), 3);
	ck_assert_uint_eq(trace_bytes(t), 3000);
	ck_assert_uint_eq(trace_flows(t), 2);
	ck_assert_uint_eq(trace_flow_get(t, 0)->dport, 4000);
	ck_assert_uint_eq(trace_flow_get(t, 0)->packets, 2);
	ck_assert_uint_eq(trace_flow_get(t, 1)->dport, 0);
	ck_assert_uint_eq(trace_packet_flow(t, 1), 1);
	ck_assert_int_eq(trace_time(t, 2), 5 * SB_MS);
	trace_free(t);
	tmp_remove(&tm);
}
END_TEST

/* Many flows: the table that finds them grows and keeps them apart. */
START_TEST(test_many_flows)
{
	enum { N = 3000 };
	struct frame *f = calloc(N, sizeof(*f));
	struct tmp tm;
	struct trace *t;

	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < N; i++) {
		/* 1000 flows, three packets each, interleaved */
		f[i].len = f[i].caplen = (uint32_t)put_udp(f[i].b,
		    sizeof(f[i].b), (uint16_t)(10000 + i % 1000), 53,
		    100 + i % 1000);
		f[i].ns = (int64_t)i * SB_US;
	}
	tmp_make(&tm);
	write_file(tm.a, DLT_RAW, 1, f, N);
	t = open_ok(tm.a, NULL);
	ck_assert_uint_eq(trace_count(t), N);
	ck_assert_uint_eq(trace_flows(t), 1000);
	for (size_t i = 0; i < 1000; i++) {
		const struct trace_flow *fl = trace_flow_get(t, i);
		ck_assert_uint_eq(fl->sport, 10000 + i);
		ck_assert_uint_eq(fl->packets, 3);
		ck_assert_uint_eq(fl->bytes, 3 * (100 + i));
	}
	for (size_t i = 0; i < N; i++)
		ck_assert_uint_eq(trace_packet_flow(t, i), i % 1000);
	trace_free(t);
	tmp_remove(&tm);
	free(f);
}
END_TEST

/* ---- refusals ---- */

/* Copy the first n bytes of src to dst; with a non-negative at, put the
 * 32-bit little-endian v at that offset. */
static void
copy_file(const char *src, const char *dst, long n, long at, uint32_t v)
{
	FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
	long i;
	int c;

	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(out);
	for (i = 0; (n < 0 || i < n) && (c = getc(in)) != EOF; i++) {
		if (at >= 0 && i >= at && i < at + 4)
			c = (int)(v >> (8 * (i - at)) & 0xff);
		putc(c, out);
	}
	fclose(in);
	ck_assert_int_eq(fclose(out), 0);
}

/* The offset of record k (from 1) of a classic pcap file. */
static long
record_offset(const char *path, int k)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *pc = pcap_open_offline(path, errbuf);
	long off = 24;

	ck_assert_msg(pc != NULL, "%s", errbuf);
	for (int i = 1; i < k; i++) {
		ck_assert_int_eq(pcap_next_ex(pc, &h, &d), 1);
		off += 16 + (long)h->caplen;
	}
	pcap_close(pc);
	return off;
}

static void
refused(const char *path, const char *filter, const char *words)
{
	char err[1024];

	ck_assert_ptr_null(trace_open(path, filter, err, sizeof(err)));
	ck_assert_msg(strstr(err, path) != NULL, "no path in: %s", err);
	ck_assert_msg(words == NULL || strstr(err, words) != NULL,
	    "no '%s' in: %s", words, err);
}

START_TEST(test_refusals)
{
	char path[4096];
	struct tmp tm;
	long off;

	data_path(path, sizeof(path), "three-flows.pcap");
	tmp_make(&tm);

	snprintf(tm.a, sizeof(tm.a), "%s/missing.pcap", tm.dir);
	refused(tm.a, NULL, NULL);
	snprintf(tm.a, sizeof(tm.a), "%s/a.pcap", tm.dir);

	refused(path, "udp and port banana", "filter 'udp and port banana'");
	refused(path, "tcp[", "filter");

	/* cut in the middle of record 100's bytes, then of its header */
	off = record_offset(path, 100);
	copy_file(path, tm.a, off + 16 + 30, -1, 0);
	refused(tm.a, NULL, "packet 100:");
	copy_file(path, tm.a, off + 7, -1, 0);
	refused(tm.a, NULL, "packet 100:");
	/* ... and filtered or not, the whole file is read */
	refused(tm.a, "udp port 1", "packet 100:");
	/* a capture length no record can have */
	copy_file(path, tm.a, -1, off + 8, 0x7ffffff0);
	refused(tm.a, NULL, "packet 100:");
	/* the file header alone cut, and an empty file */
	copy_file(path, tm.a, 10, -1, 0);
	refused(tm.a, NULL, NULL);
	copy_file(path, tm.a, 0, -1, 0);
	refused(tm.a, NULL, NULL);
	/* not a capture at all */
	copy_file(path, tm.a, -1, 0, 0x464c457f);
	refused(tm.a, NULL, NULL);

	/* no room for a message is no crash */
	ck_assert_ptr_null(trace_open(tm.a, NULL, NULL, 0));
	tmp_remove(&tm);
}
END_TEST

/* ---- the trace through a replay source ---- */

struct tally {
	struct kernel *k;
	struct pool *pl;
	uint64_t n, bytes;
	sb_time last;
};

static void
on_send(void *ctx, struct sb_packet *p)
{
	struct tally *c = ctx;

	c->n++;
	c->bytes += p->size;
	c->last = kernel_now(c->k);
	pool_put(c->pl, p);
}

START_TEST(test_replay)
{
	struct trace *t = open_data(NULL);
	struct tally c = { 0 };
	struct traffic_spec ts = { .arrivals = TRAFFIC_REPLAY,
	    .start = 5 * SB_S, .stop = SB_TIME_NEVER,
	    .replay = { .times = trace_times(t), .sizes = trace_sizes(t),
	    .count = trace_count(t) } };
	struct traffic *src;

	c.k = kernel_new();
	c.pl = pool_new();
	src = traffic_new(c.k, c.pl, &ts, 0, NULL, on_send, &c);
	ck_assert_ptr_nonnull(src);
	kernel_run(c.k, SB_TIME_NEVER);
	ck_assert_uint_eq(c.n, PACKETS);
	ck_assert_uint_eq(c.bytes, BYTES);
	ck_assert_int_eq(c.last, 5 * SB_S + (LAST_MS - FIRST_MS) * SB_MS);
	traffic_free(src);
	pool_free(c.pl);
	kernel_free(c.k);
	trace_free(t);
}
END_TEST

/* ---- the file in the tree is its generator's ---- */

static int
same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	int ca, cb, same = fa != NULL && fb != NULL;

	while (same) {
		ca = getc(fa);
		cb = getc(fb);
		if (ca != cb)
			same = 0;
		if (ca == EOF)
			break;
	}
	if (fa != NULL)
		fclose(fa);
	if (fb != NULL)
		fclose(fb);
	return same;
}

START_TEST(test_generator)
{
	const char *gen = getenv("MAKE_TRACE");
	char path[4096];
	struct tmp tm;
	pid_t pid;
	int st;

	if (gen == NULL || *gen == '\0' || access(gen, X_OK) != 0) {
		printf("trace: MAKE_TRACE not set (make check sets it), the "
		    "data file is not compared with its generator's\n");
		return;
	}
	data_path(path, sizeof(path), "three-flows.pcap");
	tmp_make(&tm);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execl(gen, gen, tm.a, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_msg(same_file(path, tm.a), "%s is not what %s writes "
	    "(make regen-trace)", path, gen);
	tmp_remove(&tm);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("trace");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_whole);
	tcase_add_test(tc, test_snap_length);
	tcase_add_test(tc, test_filters);
	tcase_add_test(tc, test_link_types);
	tcase_add_test(tc, test_link_refused);
	tcase_add_test(tc, test_precision);
	tcase_add_test(tc, test_odd_headers);
	tcase_add_test(tc, test_many_flows);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_replay);
	tcase_add_test(tc, test_generator);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
