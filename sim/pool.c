/*
 * The packet pool.  Packets are carved from slabs of POOL_SLAB and kept on
 * a free list; a slab is never returned before the pool is freed, so the
 * pool's size is the run's high-water mark of packets in flight.
 */
#include <stdlib.h>
#include <string.h>

#include "sim/pool.h"

#define POOL_SLAB 512

struct slab {
	struct slab *next;
	struct sb_packet pkt[POOL_SLAB];
};

struct pool {
	struct slab *slabs;
	struct sb_packet *free;
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

	if (pl == NULL)
		return;
	for (s = pl->slabs; s != NULL; s = next) {
		next = s->next;
		free(s);
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

void
pool_put(struct pool *pl, struct sb_packet *p)
{
	p->next = pl->free;
	pl->free = p;
	pl->in_use--;
}

size_t
pool_in_use(const struct pool *pl)
{
	return pl->in_use;
}
