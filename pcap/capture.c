/*
 * The capture writer.  libpcap writes the file: a "dead" handle of link
 * type Ethernet with nanosecond timestamps, so the file has the
 * nanosecond magic and each record's second fraction is in ns, not us.
 *
 * A frame is 14 bytes of Ethernet, 20 of IPv4 and 8 of UDP before the
 * payload, assembled in frame[], which is sized for the largest payload a
 * packet buffer holds.  The IPv4 identification counts the records of this
 * file from 0 and the TTL is a fixed 64: the simulator models neither, and
 * a counter gives each datagram its own id, as a sender's stack would,
 * while keeping the file the same from run to run.  Frames shorter than
 * Ethernet's 60-byte minimum are not padded: the file records what the
 * tunnel sent, and readers take short frames as they are.
 *
 * Errors: pcap_dump() returns nothing and ignores fwrite()'s result, so
 * each record is followed by a look at the stream's error flag, and
 * capture_flush() reports what fflush() found.  Once set, the flag stays,
 * and so does the error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* pcap/ here must never hold a file named as one of libpcap's own headers
 * (pcap.h, bpf.h, dlt.h, ...): -I$(top_srcdir) would put it first. */
#include <pcap.h>

#include "pcap/capture.h"
#include "wan/inet.h"
#include "wan/packet.h"

#define ETH_HDR		14
#define ETHERTYPE_IPV4	0x0800
#define SNAPLEN		65535
#define TTL		64
#define HDRS		(ETH_HDR + INET_IPV4_HDR + INET_UDP_HDR)
#define FRAME_MAX	(HDRS + SB_PACKET_BUF)

/* Classic pcap keeps the seconds in a signed 32-bit field, and libpcap
 * reads them back sign-extended: 2038-01-19 is the last day it can say. */
#define NS_PER_S	1000000000
#define T_MAX		(((int64_t)INT32_MAX + 1) * NS_PER_S - 1)

struct capture {
	pcap_t *pc;
	pcap_dumper_t *d;
	int64_t epoch;
	uint64_t count;
	uint16_t ip_id;
	int failed;		/* a write error: the file is incomplete */
	char *path;		/* for messages */
	char err[512];
	uint8_t frame[FRAME_MAX];
};

struct capture *
capture_new(const char *path, int64_t epoch_ns, char *err, size_t errlen)
{
	struct capture *c;

	if (epoch_ns < 0 || epoch_ns > T_MAX) {
		snprintf(err, errlen, "%s: start clock %lld ns is before 1970 or "
		    "past 2038, which pcap cannot hold", path,
		    (long long)epoch_ns);
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	c->pc = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, SNAPLEN,
	    PCAP_TSTAMP_PRECISION_NANO);
	if (c->pc == NULL) {
		snprintf(err, errlen, "%s: cannot make a pcap handle", path);
		goto fail;
	}
	if ((c->d = pcap_dump_open(c->pc, path)) == NULL) {
		/* libpcap's message names the file and the system's reason */
		snprintf(err, errlen, "%s", pcap_geterr(c->pc));
		goto fail;
	}
	if ((c->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	c->epoch = epoch_ns;
	return c;

fail:
	if (c->d != NULL)
		pcap_dump_close(c->d);
	if (c->pc != NULL)
		pcap_close(c->pc);
	free(c);
	return NULL;
}

void
capture_mac(uint8_t m[6], uint32_t a)
{
	m[0] = 0x02;
	m[1] = 0x00;
	m[2] = (uint8_t)(a >> 24);
	m[3] = (uint8_t)(a >> 16);
	m[4] = (uint8_t)(a >> 8);
	m[5] = (uint8_t)a;
}

static int
write_error(struct capture *c, int errnum)
{
	c->failed = 1;
	snprintf(c->err, sizeof(c->err), "%s: write error: %s", c->path,
	    errnum != 0 ? strerror(errnum) : "unknown cause");
	return -1;
}

int
capture_udp(struct capture *c, int64_t t_ns, uint32_t src, uint16_t sport,
    uint32_t dst, uint16_t dport, const uint8_t *payload, size_t len)
{
	struct pcap_pkthdr h;
	int64_t t, sec;
	size_t n;

	if (c->failed)
		return -1;
	if (len > SB_PACKET_BUF) {
		snprintf(c->err, sizeof(c->err), "%s: a %zu-byte payload is "
		    "longer than a packet buffer (%d)", c->path, len,
		    SB_PACKET_BUF);
		return -1;
	}
	/* 0 <= epoch <= T_MAX, so the subtraction cannot overflow */
	if (t_ns < 0 || t_ns > T_MAX - c->epoch) {
		snprintf(c->err, sizeof(c->err), "%s: simulated time %lld ns "
		    "is before the start or past 2038, which pcap cannot "
		    "hold", c->path, (long long)t_ns);
		return -1;
	}
	t = c->epoch + t_ns;
	sec = t / NS_PER_S;

	/* Ethernet: no libnet here; three fixed headers are simpler built
	 * by hand with wan/inet.c than through a libnet context per packet. */
	capture_mac(c->frame, dst);
	capture_mac(c->frame + 6, src);
	c->frame[12] = ETHERTYPE_IPV4 >> 8;
	c->frame[13] = ETHERTYPE_IPV4 & 0xff;
	if (len > 0)
		memcpy(c->frame + HDRS, payload, len);
	n = inet_udp_build(c->frame + ETH_HDR, sizeof(c->frame) - ETH_HDR,
	    src, sport, dst, dport, len, c->ip_id, TTL);
	if (n == 0) {	/* not reached: frame[] holds SB_PACKET_BUF */
		snprintf(c->err, sizeof(c->err), "%s: frame too long", c->path);
		return -1;
	}

	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)sec;
	h.ts.tv_usec = (suseconds_t)(t - sec * NS_PER_S); /* ns: see top */
	h.caplen = h.len = (bpf_u_int32)(ETH_HDR + n);
	errno = 0;
	pcap_dump((u_char *)c->d, &h, c->frame);
	if (ferror(pcap_dump_file(c->d)))
		return write_error(c, errno);
	c->ip_id++;
	c->count++;
	return 0;
}

int
capture_flush(struct capture *c)
{
	if (c->failed)
		return -1;
	errno = 0;
	if (pcap_dump_flush(c->d) != 0)
		return write_error(c, errno);
	return 0;
}

const char *
capture_error(const struct capture *c)
{
	return c->err;
}

uint64_t
capture_count(const struct capture *c)
{
	return c->count;
}

void
capture_free(struct capture *c)
{
	if (c == NULL)
		return;
	pcap_dump_close(c->d);
	pcap_close(c->pc);
	free(c->path);
	free(c);
}
