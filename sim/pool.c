/*
 * The packet pool.  Packets are carved from slabs of POOL_SLAB and kept on
 * a free list; a slab is never returned before the pool is freed, so the
 * pool's size is the run's high-water mark of packets in flight.
 *
 * Packets with bytes (the tunnel's records, built inner packets) come from
 * slabs of their own, each packet with its buffer beside it, and go back to
 * their own free list: a buffer is never separated from its packet, so
 * pool_put() tells the two kinds apart by `data`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/pool.h"

#define POOL_SLAB 512
#define BUF_SLAB 64

struct slab {
	struct slab *next;
	struct sb_packet pkt[POOL_SLAB];
};

/* A packet's bytes follow its header, so that the header's last line
 * and the bytes' first (a record header, an IP header) come in together,
 * and a prefetch of the packet (sim/kernel.c) fetches both. */
struct buf_slab {
	struct buf_slab *next;
	struct pkt_buf {
		struct sb_packet pkt;
		uint8_t buf[SB_PACKET_BUF];
	} pb[BUF_SLAB];
};

struct pool {
	struct slab *slabs;
	struct buf_slab *buf_slabs;
	struct sb_packet *free, *free_buf;
	size_t in_use;
};

struct pool *
pool_new(void)
{
	return calloc(1, sizeof(struct pool));
}

void
pool_free(struct pool *pl)
{
	struct slab *s, *next;
	struct buf_slab *b, *bnext;

	if (pl == NULL)
		return;
	for (s = pl->slabs; s != NULL; s = next) {
		next = s->next;
		free(s);
	}
	for (b = pl->buf_slabs; b != NULL; b = bnext) {
		bnext = b->next;
		free(b);
	}
	free(pl);
}

static int
pool_grow(struct pool *pl)
{
	struct slab *s = malloc(sizeof(*s));

	if (s == NULL)
		return -1;
	s->next = pl->slabs;
	pl->slabs = s;
	for (size_t i = 0; i < POOL_SLAB; i++) {
		s->pkt[i].next = pl->free;
		pl->free = &s->pkt[i];
	}
	return 0;
}

struct sb_packet *
pool_get(struct pool *pl)
{
	struct sb_packet *p;

	if (pl->free == NULL && pool_grow(pl) < 0)
		return NULL;
	p = pl->free;
	pl->free = p->next;
	memset(p, 0, sizeof(*p));
	p->flow = SB_FLOW_NONE;
	pl->in_use++;
	return p;
}

static int
pool_grow_buf(struct pool *pl)
{
	struct buf_slab *b = malloc(sizeof(*b));

	if (b == NULL)
		return -1;
	b->next = pl->buf_slabs;
	pl->buf_slabs = b;
	for (size_t i = 0; i < BUF_SLAB; i++) {
		b->pb[i].pkt.data = b->pb[i].buf;
		b->pb[i].pkt.next = pl->free_buf;
		pl->free_buf = &b->pb[i].pkt;
	}
	return 0;
}

struct sb_packet *
pool_get_buf(struct pool *pl)
{
	struct sb_packet *p;
	uint8_t *data;

	if (pl->free_buf == NULL && pool_grow_buf(pl) < 0)
		return NULL;
	p = pl->free_buf;
	pl->free_buf = p->next;
	/* its bytes follow it (struct pkt_buf): worked out rather than
	 * read, so that only the first line is waited for */
	data = ((struct pkt_buf *)(void *)p)->buf;
	memset(p, 0, sizeof(*p));
	p->flow = SB_FLOW_NONE;
	p->data = data;
	p->cap = SB_PACKET_BUF;
	pl->in_use++;
	return p;
}

void
pool_prefetch_buf(const struct pool *pl)
{
	if (pl->free_buf != NULL) {
		__builtin_prefetch(pl->free_buf);
		__builtin_prefetch((const char *)pl->free_buf + 64);
	}
}

void
pool_put(struct pool *pl, struct sb_packet *p)
{
	if (p->data != NULL) {
		p->next = pl->free_buf;
		pl->free_buf = p;
	} else {
		p->next = pl->free;
		pl->free = p;
	}
	pl->in_use--;
}

size_t
pool_in_use(const struct pool *pl)
{
	return pl->in_use;
}
