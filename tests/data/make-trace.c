/*
 * make-trace: writes tests/data/three-flows.pcap, the capture the trace
 * reader's tests (tests/unit/test_trace.c) replay, so that the file in the
 * tree is the project's own and can be made again byte for byte:
 *
 *     make tests/data/make-trace && tests/data/make-trace three-flows.pcap
 *
 * (`make regen-trace` writes it into the source tree).  libpcap writes
 * the file; this program only builds the frames it holds.  Nothing is
 * random and no clock is read, so every run writes the same bytes.
 *
 * The capture: classic pcap, microsecond timestamps (what tcpdump writes
 * by default), Ethernet, snap length 65535, starting 2026-03-10T12:30:00Z.
 * Sizes below are IPv4 total lengths.  Site host 10.1.0.10 talks to
 * 10.2.0.10 (another site) and 198.18.0.1 (a server out on the Internet):
 *
 *   voice   UDP 10.1.0.10:5004 > 10.2.0.10:5004, 200 B every 20 ms from
 *           10 ms: 150 packets, 30000 B
 *   video   UDP 10.1.0.10:40000 > 198.18.0.1:9000, every 60 ms from 25 ms,
 *           sizes 64 + (397 i mod 1437) for i = 0..49: 50 packets, 38307 B
 *   tcp     10.1.0.10:50000 <> 198.18.0.1:443, 1500 B segments and 52 B
 *           acks (32 B TCP header with timestamps), one ack per two
 *           segments.  The client sends 40 segments from 100 ms, 2 ms
 *           apart; from 1 s the server sends 60, 1 ms apart:
 *             10.1.0.10:50000 > 198.18.0.1:443  40 segments + 30 acks:
 *               70 packets, 61560 B
 *             198.18.0.1:443 > 10.1.0.10:50000  20 acks + 60 segments:
 *               80 packets, 91040 B
 *           The server's 11th segment (at 1010 ms) is captured with a
 *           snap length of 96: 96 bytes in the file, 1514 on the wire.
 *   other   an ARP request and its reply (at 0 and 0.2 ms) and an IPv6
 *           neighbour solicitation (at 1.5 s): 3 frames that are not
 *           IPv4.
 *
 * In all 353 records: 350 IPv4 packets of 220907 B in 4 directional
 * 5-tuples, and 3 others.  The first IPv4 packet is the first voice
 * packet, at 10 ms; the last is the last voice packet, at 2990 ms.
 * tests/data/README.md says the same for people reading the folder.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap.h>

#include "pcap/capture.h"
#include "wan/byteorder.h"
#include "wan/inet.h"

#define EPOCH_S		INT64_C(1773145800)	/* 2026-03-10T12:30:00Z */
#define SNAPLEN		65535
#define FRAME_MAX	1514
#define ETH_HDR		14
#define TCP_HDR		32			/* with the timestamps option */
#define TRUNC_CAPLEN	96
#define NREC_MAX	512

#define HOST		0x0a01000aU		/* 10.1.0.10 */
#define GATEWAY		0x0a010001U		/* 10.1.0.1 */
#define PEER		0x0a02000aU		/* 10.2.0.10 */
#define SERVER		0xc6120001U		/* 198.18.0.1 */

struct rec {
	int64_t us;             /* from the start of the capture */
	unsigned order;         /* ties keep the order they were made in */
	uint32_t len, caplen;
	uint8_t frame[FRAME_MAX];
};

static struct rec *recs;
static unsigned nrec;
static uint16_t ip_id;

static struct rec *
rec_new(int64_t us)
{
	struct rec *r;

	if (nrec == NREC_MAX) {
		fprintf(stderr, "make-trace: more than %d records\n", NREC_MAX);
		exit(1);
	}
	r = &recs[nrec];
	memset(r, 0, sizeof(*r));
	r->us = us;
	r->order = nrec++;
	return r;
}

/* Everything off the site's LAN goes through its gateway. */
static void
eth(uint8_t *f, uint32_t src, uint32_t dst, uint16_t type)
{
	capture_mac(f, dst == HOST ? HOST : GATEWAY);
	capture_mac(f + 6, src == HOST ? HOST : GATEWAY);
	put16(f + 12, type);
}

static void
fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 31 + seed);
}

static void
udp(int64_t us, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
    uint32_t ip_len)
{
	struct rec *r = rec_new(us);
	size_t pl = ip_len - INET_IPV4_HDR - INET_UDP_HDR;

	eth(r->frame, src, dst, 0x0800);
	fill(r->frame + ETH_HDR + INET_IPV4_HDR + INET_UDP_HDR, pl, r->order);
	if (inet_udp_build(r->frame + ETH_HDR, FRAME_MAX - ETH_HDR, src, sport,
	    dst, dport, pl, ip_id++, 64) != ip_len) {
		fprintf(stderr, "make-trace: cannot build a UDP packet\n");
		exit(1);
	}
	r->len = r->caplen = ETH_HDR + ip_len;
}

static void
tcp(int64_t us, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
    uint32_t seq, uint32_t ack, uint32_t ip_len)
{
	struct rec *r = rec_new(us);
	uint8_t *ip = r->frame + ETH_HDR, *th = ip + INET_IPV4_HDR;
	uint32_t tl = ip_len - INET_IPV4_HDR;

	eth(r->frame, src, dst, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, ip_len);
	put16(ip + 4, ip_id++);
	put16(ip + 6, 0x4000);          /* Don't Fragment */
	ip[8] = 64;
	ip[9] = 6;
	put32(ip + 12, src);
	put32(ip + 16, dst);
	put16(ip + 10, inet_checksum(ip, INET_IPV4_HDR, 0));
	put16(th, sport);
	put16(th + 2, dport);
	put32(th + 4, seq);
	put32(th + 8, ack);
	th[12] = (TCP_HDR / 4) << 4;
	th[13] = tl > TCP_HDR ? 0x18 : 0x10;    /* PSH ACK, or ACK */
	put16(th + 14, 2048);
	/* NOP NOP and the timestamps: values in ms from the start */
	th[20] = 1;
	th[21] = 1;
	th[22] = 8;
	th[23] = 10;
	put32(th + 24, (uint32_t)(us / 1000));
	put32(th + 28, (uint32_t)(us / 1000));
	fill(th + TCP_HDR, tl - TCP_HDR, r->order);
	put16(th + 16, inet_checksum(th, tl, inet_pseudo_sum(src, dst, 6,
	    (uint16_t)tl)));
	r->len = r->caplen = ETH_HDR + ip_len;
}

static void
arp(int64_t us, int reply)
{
	struct rec *r = rec_new(us);
	uint8_t *a = r->frame + ETH_HDR;

	if (reply) {
		capture_mac(r->frame, HOST);
		capture_mac(r->frame + 6, GATEWAY);
	} else {
		memset(r->frame, 0xff, 6);
		capture_mac(r->frame + 6, HOST);
	}
	put16(r->frame + 12, 0x0806);
	put16(a, 1);                    /* Ethernet */
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, reply ? 2 : 1);
	capture_mac(a + 8, reply ? GATEWAY : HOST);
	put32(a + 14, reply ? GATEWAY : HOST);
	if (reply)
		capture_mac(a + 18, HOST);
	put32(a + 24, reply ? HOST : GATEWAY);
	/* padded to Ethernet's minimum frame, as a wire shows it */
	r->len = r->caplen = 60;
}

/* An ICMPv6 neighbour solicitation from the host's link-local address
 * for fe80::1, to its solicited-node multicast group. */
static void
ipv6_ns(int64_t us)
{
	static const uint8_t src[16] = { 0xfe, 0x80, [8] = 0x00, 0x00, 0x0a,
	    0xff, 0xfe, 0x01, 0x00, 0x0a };
	static const uint8_t dst[16] = { 0xff, 0x02, [11] = 0x01, 0xff, 0x00,
	    0x00, 0x01 };
	static const uint8_t target[16] = { 0xfe, 0x80, [15] = 0x01 };
	struct rec *r = rec_new(us);
	uint8_t *ip = r->frame + ETH_HDR, *ic = ip + 40;
	uint8_t pseudo[8] = { 0, 0, 0, 32, 0, 0, 0, 58 };
	uint32_t sum;

	r->frame[0] = 0x33;
	r->frame[1] = 0x33;
	memcpy(r->frame + 2, dst + 12, 4);
	capture_mac(r->frame + 6, HOST);
	put16(r->frame + 12, 0x86dd);
	ip[0] = 0x60;
	put16(ip + 4, 32);
	ip[6] = 58;
	ip[7] = 255;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	ic[0] = 135;
	memcpy(ic + 8, target, 16);
	ic[24] = 1;                     /* source link-layer address */
	ic[25] = 1;
	capture_mac(ic + 26, HOST);
	sum = inet_sum(src, 16, 0);
	sum = inet_sum(dst, 16, sum);
	sum = inet_sum(pseudo, sizeof(pseudo), sum);
	put16(ic + 2, inet_checksum(ic, 32, sum));
	r->len = r->caplen = ETH_HDR + 40 + 32;
}

static int
by_time(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	if (x->us != y->us)
		return x->us < y->us ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void
make_records(void)
{
	uint32_t cseq = 1000, sseq = 5000;
	int64_t us;

	arp(0, 0);
	arp(200, 1);
	for (int i = 0; i < 150; i++)
		udp(10000 + (int64_t)i * 20000, HOST, 5004, PEER, 5004, 200);
	for (int i = 0; i < 50; i++)
		udp(25000 + (int64_t)i * 60000, HOST, 40000, SERVER, 9000,
		    64 + (uint32_t)(i * 397) % 1437);
	/* the client's upload, an ack from the server every two segments */
	for (int i = 0; i < 40; i++) {
		us = 100000 + (int64_t)i * 2000;
		tcp(us, HOST, 50000, SERVER, 443, cseq, sseq, 1500);
		cseq += 1500 - INET_IPV4_HDR - TCP_HDR;
		if (i % 2 == 1)
			tcp(us + 500, SERVER, 443, HOST, 50000, sseq, cseq, 52);
	}
	/* the server's answer, acked the same way */
	for (int i = 0; i < 60; i++) {
		us = 1000000 + (int64_t)i * 1000;
		tcp(us, SERVER, 443, HOST, 50000, sseq, cseq, 1500);
		if (i == 10)
			recs[nrec - 1].caplen = TRUNC_CAPLEN;
		sseq += 1500 - INET_IPV4_HDR - TCP_HDR;
		if (i % 2 == 1)
			tcp(us + 300, HOST, 50000, SERVER, 443, cseq, sseq, 52);
	}
	ipv6_ns(1500000);
	qsort(recs, nrec, sizeof(*recs), by_time);
}

int
main(int argc, char **argv)
{
	pcap_t *pd;
	pcap_dumper_t *dump;

	if (argc != 2) {
		fprintf(stderr, "usage: make-trace OUT.pcap\n");
		return 2;
	}
	recs = calloc(NREC_MAX, sizeof(*recs));
	if (recs == NULL) {
		fprintf(stderr, "make-trace: out of memory\n");
		return 1;
	}
	make_records();
	pd = pcap_open_dead(DLT_EN10MB, SNAPLEN);
	if (pd == NULL) {
		fprintf(stderr, "make-trace: pcap_open_dead failed\n");
		return 1;
	}
	dump = pcap_dump_open(pd, argv[1]);
	if (dump == NULL) {
		fprintf(stderr, "make-trace: %s\n", pcap_geterr(pd));
		pcap_close(pd);
		return 1;
	}
	for (unsigned i = 0; i < nrec; i++) {
		struct pcap_pkthdr h = { 0 };
		h.ts.tv_sec = (time_t)(EPOCH_S + recs[i].us / 1000000);
		h.ts.tv_usec = (suseconds_t)(recs[i].us % 1000000);
		h.caplen = recs[i].caplen;
		h.len = recs[i].len;
		pcap_dump((u_char *)dump, &h, recs[i].frame);
	}
	if (pcap_dump_flush(dump) != 0 || ferror(pcap_dump_file(dump))) {
		fprintf(stderr, "make-trace: %s: write error\n", argv[1]);
		pcap_dump_close(dump);
		pcap_close(pd);
		return 1;
	}
	pcap_dump_close(dump);
	pcap_close(pd);
	free(recs);
	return 0;
}
