/*
 * A wire: see wire.h for what it models.  Here, the mechanics.
 *
 * Each end is one AF_PACKET socket bound to the interface (ETH_P_ALL), so
 * one descriptor both reads what arrives on that end and sends what leaves
 * by it; direction 0 reads end a and sends by end b, direction 1 the
 * reverse.  Frames the socket itself put out come back to a tap as
 * PACKET_OUTGOING: the kernel is asked to leave them out
 * (PACKET_IGNORE_OUTGOING) and what slips through is skipped by its
 * sll_pkttype, so a frame is never carried twice.
 *
 * The models are the simulator's link's (models/link.c), in the same order
 * and with the same draws: the FIFO is implicit (busy_until, the time the
 * transmitter frees up, gives both a frame's departure and the backlog in
 * bytes), the drop-tail check comes first, a lost frame still occupies the
 * transmitter, then delay plus jitter, clamped at zero and, unless reorder
 * is set, never ahead of the frame before.  Every frame that is to cross
 * gets its own timer on the loop at its arrival time; frames due at the
 * same instant go in the order they were armed, so FIFO holds.
 *
 * Buffers: a fixed set per direction, allocated once, handed out from a
 * free stack (with reorder, frames leave out of order, so a plain ring
 * would not do).  A frame is read straight into the next free buffer; one
 * more, the scratch, takes it when none is free, so that a frame that is
 * not IPv4 still crosses when the queue is full.  Sockets use
 * PACKET_VNET_HDR: a frame whose checksum the sender left to the "hardware"
 * (the default on veth) keeps that note across, where a raw copy would
 * arrive with a bad checksum and be dropped by the receiver's stack.
 */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "emu/wire.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define RING_DEFAULT 1024
#define READ_BURST 64              /* frames per wake-up, for fairness */
#define SOCK_BUF (4 * 1024 * 1024) /* kernel buffering ahead of the wire */
#define VNET_LEN sizeof(struct virtio_net_hdr)
#define ETH_LEN 14

struct wdir;

struct slot {
	struct wdir *d;
	uint8_t *buf;       /* VNET_LEN of header, then the frame */
	size_t len;         /* all of it, header included */
	sb_timer t;         /* 0: free */
};

struct wdir {
	struct wire *w;
	int dir;
	int in, out;        /* the sockets it reads and sends by */
	struct wire_imp imp; /* jitter table owned; loss spec unused */
	struct loss *loss;
	sb_time busy_until, last_arrival;
	struct slot *slots;
	uint32_t nslots;
	uint32_t *freel;
	uint32_t nfree;
	uint8_t *mem;       /* nslots + 1 buffers; the last is the scratch */
	size_t bufsz;
	struct wire_stats st;
};

struct wire {
	struct eloop *l;
	char *name;
	int fd[2];
	int watched[2];
	gsl_rng *rng;
	struct wdir d[2];
};

static void __attribute__((format(printf, 3, 4)))
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* A packet socket on ifname, non-blocking, seeing all it receives. */
static int
end_open(const char *ifname, int *mtu, char *err, size_t errlen,
    const char *wname)
{
	struct sockaddr_ll sll;
	struct packet_mreq mr;
	struct ifreq ifr;
	int fd, one = 1, buf = SOCK_BUF;
	unsigned idx;

	if ((idx = if_nametoindex(ifname)) == 0) {
		errf(err, errlen, "wire %s: no interface %s here", wname,
		    ifname);
		return -1;
	}
	/* protocol 0 until bound: it receives nothing from other interfaces
	 * in between */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		errf(err, errlen, "wire %s: packet socket: %s (needs root)",
		    wname, strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one,
	    sizeof(one)) < 0)
		goto fail;
	/* older kernels lack it: sll_pkttype is checked anyway */
	(void)setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
	    sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)idx;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		goto fail;
	/* frames for other addresses too (a veth delivers them anyway) */
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = (int)idx;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
	    sizeof(mr)) < 0)
		goto fail;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0)
		goto fail;
	*mtu = ifr.ifr_mtu;
	return fd;
fail:
	errf(err, errlen, "wire %s: %s", wname, strerror(errno));
	close(fd);
	return -1;
}

static int
imp_set(struct wdir *d, const struct wire_imp *imp)
{
	struct jitter_spec j;

	if (jitter_spec_copy(&j, &imp->jitter) < 0)
		return -1;
	if (d->loss == NULL) {
		if ((d->loss = loss_new(&imp->loss)) == NULL) {
			jitter_spec_clear(&j);
			return -1;
		}
	} else if (loss_update(d->loss, &imp->loss) < 0) {
		jitter_spec_clear(&j);
		return -1;
	}
	jitter_spec_clear(&d->imp.jitter);
	d->imp.bandwidth_bps = imp->bandwidth_bps;
	d->imp.queue_bytes = imp->queue_bytes;
	d->imp.delay = imp->delay < 0 ? 0 : imp->delay;
	d->imp.jitter = j;
	d->imp.reorder = imp->reorder;
	return 0;
}

static int
dir_init(struct wire *w, int dir, const struct wire_imp *imp, size_t bufsz)
{
	struct wdir *d = &w->d[dir];

	d->w = w;
	d->dir = dir;
	d->in = w->fd[dir];
	d->out = w->fd[!dir];
	if (imp_set(d, imp) < 0)
		return -1;
	d->imp.ring = imp->ring != 0 ? imp->ring : RING_DEFAULT;
	d->nslots = d->imp.ring;
	d->bufsz = bufsz;
	d->slots = calloc(d->nslots, sizeof(*d->slots));
	d->freel = calloc(d->nslots, sizeof(*d->freel));
	/* touched only as frames use it: the pages of a big, idle ring cost
	 * address space, not memory */
	d->mem = malloc((size_t)(d->nslots + 1) * bufsz);
	if (d->slots == NULL || d->freel == NULL || d->mem == NULL)
		return -1;
	for (uint32_t i = 0; i < d->nslots; i++) {
		d->slots[i].d = d;
		d->slots[i].buf = d->mem + (size_t)i * bufsz;
		d->freel[i] = d->nslots - 1 - i;
	}
	d->nfree = d->nslots;
	return 0;
}

static void
dir_clear(struct wdir *d)
{
	if (d->slots != NULL)
		for (uint32_t i = 0; i < d->nslots; i++)
			eloop_timer_cancel(d->w->l, d->slots[i].t);
	free(d->slots);
	free(d->freel);
	free(d->mem);
	loss_free(d->loss);
	jitter_spec_clear(&d->imp.jitter);
}

static void
put_out(struct wdir *d, const uint8_t *buf, size_t len, uint64_t *count)
{
	if (send(d->out, buf, len, 0) < 0)
		d->st.drops_error++;
	else
		(*count)++;
}

static void
due(void *arg)
{
	struct slot *s = arg;
	struct wdir *d = s->d;

	s->t = 0;
	put_out(d, s->buf, s->len, &d->st.sent);
	d->freel[d->nfree++] = (uint32_t)(s - d->slots);
}

static uint64_t
work_bytes(const struct wdir *d, sb_time work)
{
	return (uint64_t)((double)work * (double)d->imp.bandwidth_bps / 8e9);
}

/* An IPv4 frame of `size` bytes (without the Ethernet header) at now, in
 * the slot on top of the free stack: the link's model, then a timer. */
static void
impair(struct wdir *d, sb_time now, size_t len, uint64_t size)
{
	uint64_t backlog = 0;
	sb_time start, dep, delay, arr;
	struct slot *s;

	if (d->imp.bandwidth_bps != 0 && d->busy_until > now)
		backlog = work_bytes(d, d->busy_until - now);
	if (d->imp.queue_bytes != 0 && backlog + size > d->imp.queue_bytes) {
		d->st.drops_queue++;
		return;
	}
	start = d->busy_until > now ? d->busy_until : now;
	dep = start;
	if (d->imp.bandwidth_bps != 0)
		dep += (sb_time)((size * 8 * 1000000000u +
		    d->imp.bandwidth_bps - 1) / d->imp.bandwidth_bps);
	d->busy_until = dep;
	if (loss_drop(d->loss, d->w->rng, 1.0)) {
		d->st.drops_loss++;
		return;
	}
	delay = d->imp.delay;
	if (d->imp.jitter.kind != JITTER_NONE)
		delay += jitter_draw(&d->imp.jitter, d->w->rng, 1.0);
	if (delay < 0)
		delay = 0;
	arr = dep + delay;
	if (!d->imp.reorder && arr < d->last_arrival)
		arr = d->last_arrival;
	d->last_arrival = arr;
	s = &d->slots[d->freel[d->nfree - 1]];
	s->len = len;
	if ((s->t = eloop_timer_arm(d->w->l, arr, due, s)) == 0) {
		d->st.drops_error++;  /* out of memory: a lost frame */
		return;
	}
	d->nfree--;
}

static void
readable(void *arg, int fd, uint32_t events)
{
	struct wdir *d = arg;

	(void)events;
	for (int i = 0; i < READ_BURST; i++) {
		struct sockaddr_ll sll;
		socklen_t sl = sizeof(sll);
		uint8_t *buf = d->nfree > 0 ?
		    d->slots[d->freel[d->nfree - 1]].buf :
		    d->mem + (size_t)d->nslots * d->bufsz;
		ssize_t n = recvfrom(fd, buf, d->bufsz, MSG_TRUNC,
		    (struct sockaddr *)&sll, &sl);
		const uint8_t *eth = buf + VNET_LEN;
		size_t len;

		if (n < 0)
			return;  /* EAGAIN: drained (or an error: try later) */
		if (sll.sll_pkttype == PACKET_OUTGOING)
			continue;
		len = (size_t)n;
		d->st.frames++;
		if (len > d->bufsz) {
			d->st.drops_error++;  /* a GSO run: see wire.h */
			continue;
		}
		if (len < VNET_LEN + ETH_LEN || eth[12] != 0x08 ||
		    eth[13] != 0x00) {
			put_out(d, buf, len, &d->st.passed);
			continue;
		}
		d->st.bytes += len - VNET_LEN - ETH_LEN;
		if (d->nfree == 0) {
			d->st.drops_queue++;  /* every buffer in flight */
			continue;
		}
		impair(d, eloop_now(d->w->l), len, len - VNET_LEN - ETH_LEN);
	}
}

struct wire *
wire_new(struct eloop *l, const char *name, const char *a, const char *b,
    const struct wire_imp *ab, const struct wire_imp *ba, gsl_rng *rng,
    char *err, size_t errlen)
{
	struct wire *w = calloc(1, sizeof(*w));
	int mtu[2] = { 0, 0 }, m;
	size_t bufsz;

	if (w == NULL || (w->name = strdup(name)) == NULL) {
		free(w);
		errf(err, errlen, "wire %s: %s", name, strerror(ENOMEM));
		gsl_rng_free(rng);
		return NULL;
	}
	w->l = l;
	w->rng = rng;
	w->fd[0] = w->fd[1] = -1;
	if ((w->fd[0] = end_open(a, &mtu[0], err, errlen, name)) < 0 ||
	    (w->fd[1] = end_open(b, &mtu[1], err, errlen, name)) < 0)
		goto fail;
	m = mtu[0] > mtu[1] ? mtu[0] : mtu[1];
	/* the frame, room for a VLAN tag, and the virtio header */
	bufsz = VNET_LEN + ETH_LEN + 4 + (size_t)m;
	for (int i = 0; i < 2; i++)
		if (dir_init(w, i, i == 0 ? ab : ba, bufsz) < 0) {
			errf(err, errlen, "wire %s: out of memory, or a loss "
			    "model it cannot honour", name);
			goto fail;
		}
	for (int i = 0; i < 2; i++) {
		if (eloop_watch(l, w->fd[i], 0, readable, &w->d[i]) < 0) {
			errf(err, errlen, "wire %s: watch: %s", name,
			    strerror(errno));
			goto fail;
		}
		w->watched[i] = 1;
	}
	return w;
fail:
	wire_free(w);
	return NULL;
}

void
wire_free(struct wire *w)
{
	if (w == NULL)
		return;
	for (int i = 0; i < 2; i++) {
		if (w->watched[i])
			eloop_unwatch(w->l, w->fd[i]);
		dir_clear(&w->d[i]);
	}
	for (int i = 0; i < 2; i++)
		if (w->fd[i] >= 0)
			close(w->fd[i]);
	gsl_rng_free(w->rng);
	free(w->name);
	free(w);
}

int
wire_set(struct wire *w, int dir, const struct wire_imp *imp)
{
	if (dir != 0 && dir != 1)
		return -1;
	return imp_set(&w->d[dir], imp);
}

const struct wire_stats *
wire_stats(const struct wire *w, int dir)
{
	return &w->d[dir != 0].st;
}

int
wire_offload_off(const char *ifname, char *err, size_t errlen)
{
	static const struct {
		uint32_t cmd;
		const char *what;
	} off[] = {
		{ ETHTOOL_STSO, "tso" },
		{ ETHTOOL_SGSO, "gso" },
		{ ETHTOOL_SGRO, "gro" },
		{ ETHTOOL_STXCSUM, "tx checksum" },
	};
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		errf(err, errlen, "%s: socket: %s", ifname, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
		struct ethtool_value ev = { .cmd = off[i].cmd, .data = 0 };

		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
		ifr.ifr_data = (void *)&ev;
		if (ioctl(fd, SIOCETHTOOL, &ifr) < 0) {
			errf(err, errlen, "%s: turning %s off failed", ifname,
			    off[i].what);
			close(fd);
			return -1;
		}
	}
	close(fd);
	return 0;
}
