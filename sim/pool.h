/*
 * The packet pool: packets are taken from and returned to a free list, and
 * the list grows in slabs when empty, so the forwarding path never calls
 * malloc once a run has reached its working set.
 */
#ifndef SASEBED_SIM_POOL_H
#define SASEBED_SIM_POOL_H

#include <stddef.h>

#include "wan/packet.h"

struct pool;

struct pool *pool_new(void);
void pool_free(struct pool *pl);

/* A zeroed packet (data NULL), or NULL when memory runs out. */
struct sb_packet *pool_get(struct pool *pl);
/* A zeroed packet with a buffer of SB_PACKET_BUF bytes (len 0).  The
 * buffer belongs to the packet: callers never replace `data`. */
struct sb_packet *pool_get_buf(struct pool *pl);
/* Fetch the packet pool_get_buf() would give now (the last one put back,
 * whose first lines may have left the cache since).  Fetches only. */
void pool_prefetch_buf(const struct pool *pl);
/* Either kind goes back here. */
void pool_put(struct pool *pl, struct sb_packet *p);

/* Packets handed out and not yet returned (leak checks in tests). */
size_t pool_in_use(const struct pool *pl);

#endif
