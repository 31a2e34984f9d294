/*
 * Hostile datagrams at the daemons (emu/hostile.h).
 *
 * Replays, forgeries and malformed records are made from real datagrams:
 * frames the core sends towards a daemon, caught on a packet socket on the
 * core's end of the link and sent again (changed or not) on the same
 * interface, so they reach the daemon from its peer's own address and
 * port.  Noise from unknown senders and oversized datagrams go out of an
 * ordinary UDP socket in the core, from the core's own address on that
 * link, and the kernel fragments the big ones as it would any.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "emu/hostile.h"
#include "emu/netns.h"
#include "emu/plan.h"
#include "wan/byteorder.h"
#include "wan/inet.h"

#define KEEP 8                  /* frames kept per interface */
#define FRAME_MAX 1600
#define ETH_HDR 14
#define NOISE 16                /* noise datagrams per target */
#define BIG 60000               /* an oversized datagram's payload */

struct tap {
	struct hostile *h;
	int fd;
	int ifindex;
	uint32_t dst;               /* the daemon's address */
	uint16_t port;              /* its port (0: learn from the frames) */
	uint8_t frame[KEEP][FRAME_MAX];
	size_t len[KEEP];
	size_t n;
};

struct hostile {
	struct eloop *loop;
	char core[PLAN_NAME];
	struct tap *taps;
	size_t ntaps;
	struct hostile_stats st;
	uint8_t big[BIG];
};

/* A UDP datagram (IPv4, no options) in a frame, and its record: the
 * frame's payload offsets, or -1. */
static int
udp_payload(const uint8_t *f, size_t len, size_t *off)
{
	size_t ihl;

	if (len < ETH_HDR + 28 || get16(f + 12) != ETHERTYPE_IP ||
	    (f[ETH_HDR] >> 4) != 4 || f[ETH_HDR + 9] != 17)
		return -1;
	ihl = (size_t)(f[ETH_HDR] & 0x0f) * 4;
	if (ihl < 20 || len < ETH_HDR + ihl + 8)
		return -1;
	*off = ETH_HDR + ihl + 8;
	return 0;
}

static void
tap_read(void *arg, int fd, uint32_t events)
{
	struct tap *t = arg;
	uint8_t buf[FRAME_MAX];
	struct sockaddr_ll from;
	socklen_t fl = sizeof(from);
	ssize_t n;

	(void)events;
	while ((n = recvfrom(fd, buf, sizeof(buf), 0,
	    (struct sockaddr *)&from, &fl)) > 0) {
		size_t off;

		fl = sizeof(from);
		/* what the core sends towards the daemon: DTLS application
		 * data records (content type 23) */
		if (from.sll_pkttype != PACKET_OUTGOING || t->n == KEEP ||
		    udp_payload(buf, (size_t)n, &off) < 0 ||
		    (size_t)n < off + 13 + 16 || buf[off] != 23 ||
		    get32(buf + ETH_HDR + 16) != t->dst)
			continue;
		memcpy(t->frame[t->n], buf, (size_t)n);
		t->len[t->n++] = (size_t)n;
		t->h->st.captured++;
	}
}

/* Fix the IPv4 and UDP lengths and checksums after a change of payload
 * length to plen (UDP checksum 0: none, which IPv4 allows). */
static size_t
refit(uint8_t *f, size_t off, size_t plen)
{
	size_t ip = ETH_HDR, ihl = (size_t)(f[ip] & 0x0f) * 4;

	put16(f + ip + 2, (uint16_t)(ihl + 8 + plen));
	put16(f + ip + 10, 0);
	put16(f + ip + 10, inet_checksum(f + ip, ihl, 0));
	put16(f + off - 4, (uint16_t)(8 + plen));
	put16(f + off - 2, 0);
	return off + plen;
}

static void
send_frame(struct tap *t, const uint8_t *f, size_t len, uint64_t *count)
{
	struct sockaddr_ll to;

	memset(&to, 0, sizeof(to));
	to.sll_family = AF_PACKET;
	to.sll_ifindex = t->ifindex;
	to.sll_halen = ETH_ALEN;
	memcpy(to.sll_addr, f, ETH_ALEN);
	if (sendto(t->fd, f, len, 0, (struct sockaddr *)&to, sizeof(to)) ==
	    (ssize_t)len)
		(*count)++;
}

/* Noise, a ClientHello and an oversized datagram from the core's own
 * address: a sender the daemon has no tunnel with. */
static void
from_stranger(struct hostile *h, struct tap *t)
{
	static const uint8_t hello[] = { 22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 12, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct sockaddr_in to;
	uint8_t noise[200];
	int fd;

	if (netns_enter(h->core) < 0)
		return;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	(void)netns_enter(NULL);
	if (fd < 0)
		return;
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_addr.s_addr = htonl(t->dst);
	to.sin_port = htons(t->port ? t->port : PLAN_POP_PORT);
	for (int i = 0; i < NOISE; i++) {
		for (size_t b = 0; b < sizeof(noise); b++)
			noise[b] = (uint8_t)(i * 131 + b * 7);
		if (sendto(fd, noise, sizeof(noise) - (size_t)i * 9, 0,
		    (struct sockaddr *)&to, sizeof(to)) > 0)
			h->st.unknown++;
	}
	if (sendto(fd, hello, sizeof(hello), 0, (struct sockaddr *)&to,
	    sizeof(to)) > 0)
		h->st.unknown++;
	if (sendto(fd, h->big, sizeof(h->big), 0, (struct sockaddr *)&to,
	    sizeof(to)) > 0)
		h->st.oversized++;
	close(fd);
}

static void
burst(void *arg)
{
	struct hostile *h = arg;
	uint8_t f[FRAME_MAX];

	for (size_t i = 0; i < h->ntaps; i++) {
		struct tap *t = &h->taps[i];

		for (size_t k = 0; k < t->n; k++) {
			size_t off, len = t->len[k];

			if (udp_payload(t->frame[k], len, &off) < 0)
				continue;
			if (t->port == 0)
				t->port = get16(t->frame[k] + off - 6);
			/* Every frame is refitted: its UDP checksum set to
			 * none, or the kernel would drop what was changed
			 * (and what a sender left for offload to sum)
			 * before the daemon saw it. */
			/* the same datagram again */
			memcpy(f, t->frame[k], len);
			send_frame(t, f, refit(f, off, len - off),
			    &h->st.replayed);
			/* a record never sent: a sequence number far ahead
			 * and its ciphertext and tag flipped (were the
			 * receiver's window moved by it, every true record
			 * after would be taken for a replay) */
			put32(f + off + 7, get32(f + off + 7) + (1u << 20));
			for (size_t b = off + 13; b < len; b++)
				f[b] ^= 0x5a;
			send_frame(t, f, refit(f, off, len - off),
			    &h->st.forged);
			/* cut inside the record header */
			memcpy(f, t->frame[k], len);
			send_frame(t, f, refit(f, off, 9), &h->st.malformed);
			/* a record that claims more than it holds */
			memcpy(f, t->frame[k], len);
			put16(f + off + 11, 0xfff0);
			send_frame(t, f, refit(f, off, len - off),
			    &h->st.malformed);
		}
		from_stranger(h, t);
	}
}

static int
tap_open(struct hostile *h, struct tap *t, const char *ifname, char *err,
    size_t errlen)
{
	struct sockaddr_ll sll;

	t->h = h;
	t->fd = -1;
	if (netns_enter(h->core) < 0)
		goto fail;
	t->ifindex = (int)if_nametoindex(ifname);
	t->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    htons(ETH_P_ALL));
	(void)netns_enter(NULL);
	if (t->ifindex == 0 || t->fd < 0)
		goto fail;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = t->ifindex;
	if (bind(t->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    eloop_watch(h->loop, t->fd, 0, tap_read, t) < 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "listening on %s in %s: %s", ifname, h->core,
	    strerror(errno));
	return -1;
}

struct hostile *
hostile_new(struct eloop *l, const struct scenario *sc, const char *tag,
    sb_time at, char *err, size_t errlen)
{
	struct hostile *h = calloc(1, sizeof(*h));
	size_t n = sc->npops;

	if (h == NULL)
		goto oom;
	h->loop = l;
	plan_ns_core(tag, h->core);
	for (size_t i = 0; i < sc->nsites; i++)
		n += sc->sites[i].nlinks;
	if ((h->taps = calloc(n, sizeof(*h->taps))) == NULL)
		goto oom;
	for (size_t b = 0; b < sizeof(h->big); b++)
		h->big[b] = (uint8_t)(b * 2654435761u >> 24);
	for (size_t p = 0; p < sc->npops; p++) {
		struct tap *t = &h->taps[h->ntaps];
		char ifn[PLAN_NAME];

		snprintf(ifn, sizeof(ifn), "p%u", (unsigned)p);
		t->dst = plan_pop_addr(p);
		t->port = PLAN_POP_PORT;
		h->ntaps++;
		if (tap_open(h, t, ifn, err, errlen) < 0)
			goto fail;
	}
	for (size_t i = 0; i < sc->nsites; i++)
		for (size_t j = 0; j < sc->sites[i].nlinks; j++) {
			struct tap *t = &h->taps[h->ntaps];
			char ifn[PLAN_NAME];

			snprintf(ifn, sizeof(ifn), "s%ul%u", (unsigned)i,
			    (unsigned)j);
			t->dst = plan_link_addr(i, j);
			h->ntaps++;
			if (tap_open(h, t, ifn, err, errlen) < 0)
				goto fail;
		}
	(void)eloop_timer_arm(l, at, burst, h);
	return h;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	hostile_free(h);
	return NULL;
}

void
hostile_free(struct hostile *h)
{
	if (h == NULL)
		return;
	for (size_t i = 0; i < h->ntaps; i++)
		if (h->taps[i].fd >= 0) {
			eloop_unwatch(h->loop, h->taps[i].fd);
			close(h->taps[i].fd);
		}
	free(h->taps);
	free(h);
}

const struct hostile_stats *
hostile_stats(const struct hostile *h)
{
	return &h->st;
}
