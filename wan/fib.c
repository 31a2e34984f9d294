/*
 * The prefix table (fib.h): an open-addressing hash of the prefixes, each
 * with the list of PoPs that advertise it, and a mask of the prefix
 * lengths in use.  A lookup probes the lengths from the longest down and
 * stops at the first whose prefix has a reachable PoP.
 *
 * Nearly every prefix has one PoP behind it (a site homed on one PoP); a
 * site homed on two, or a cloud region with two interconnects, gives a
 * list of two.  The lists are chains through one array.
 */
#include <stdlib.h>

#include "wan/fib.h"
#include "wan/inet.h"

#define NONE UINT32_MAX

struct slot {
	uint32_t net;
	uint8_t len1;            /* length + 1; 0: empty */
	uint32_t cand;           /* first of its chain */
};

struct cand {
	uint16_t origin;
	uint8_t pref;
	uint32_t next;
};

struct fib {
	struct slot *slot;
	uint32_t size, n;        /* size: a power of two, or 0 */
	struct cand *cand;
	uint32_t ncand, capcand;
	uint64_t lens;           /* bit l: some prefix is /l */
};

struct fib *
fib_new(void)
{
	return calloc(1, sizeof(struct fib));
}

void
fib_free(struct fib *f)
{
	if (f == NULL)
		return;
	free(f->slot);
	free(f->cand);
	free(f);
}

void
fib_clear(struct fib *f)
{
	for (uint32_t i = 0; i < f->size; i++)
		f->slot[i].len1 = 0;
	f->n = f->ncand = 0;
	f->lens = 0;
}

static inline uint32_t
hash(uint32_t net, unsigned len)
{
	uint32_t h = net * 0x9e3779b1u ^ (uint32_t)len * 0x85ebca6bu;

	return h ^ h >> 15;
}

/* The slot of net/len, or the empty one where it would go. */
static inline struct slot *
find(const struct fib *f, uint32_t net, unsigned len)
{
	uint32_t m = f->size - 1, i = hash(net, len) & m;

	for (;;) {
		struct slot *s = &f->slot[i];
		if (s->len1 == 0 || (s->net == net && s->len1 == len + 1))
			return s;
		i = (i + 1) & m;
	}
}

/* Twice the size, every prefix placed again. */
static int
grow(struct fib *f)
{
	struct slot *old = f->slot;
	uint32_t n = f->size, size = n ? 2 * n : 64;

	f->slot = calloc(size, sizeof(*f->slot));
	if (f->slot == NULL) {
		f->slot = old;
		return -1;
	}
	f->size = size;
	for (uint32_t i = 0; i < n; i++)
		if (old[i].len1 != 0)
			*find(f, old[i].net, old[i].len1 - 1u) = old[i];
	free(old);
	return 0;
}

int
fib_add(struct fib *f, uint32_t net, unsigned len, unsigned pref,
    unsigned origin)
{
	struct slot *s;

	if (len > 32 || (net & ~inet_mask(len)) != 0)
		return 0;
	if (2 * (f->n + 1) > f->size && grow(f) < 0)
		goto oom;
	s = find(f, net, len);
	if (s->len1 == 0) {
		s->net = net;
		s->len1 = (uint8_t)(len + 1);
		s->cand = NONE;
		f->n++;
		f->lens |= (uint64_t)1 << len;
	}
	for (uint32_t c = s->cand; c != NONE; c = f->cand[c].next)
		if (f->cand[c].origin == origin) {
			if (pref < f->cand[c].pref)
				f->cand[c].pref = (uint8_t)pref;
			return 0;
		}
	if (f->ncand == f->capcand) {
		uint32_t cap = f->capcand ? 2 * f->capcand : 64;
		struct cand *v = realloc(f->cand, cap * sizeof(*v));
		if (v == NULL)
			goto oom;
		f->cand = v;
		f->capcand = cap;
	}
	f->cand[f->ncand] = (struct cand){ (uint16_t)origin, (uint8_t)pref,
	    s->cand };
	s->cand = f->ncand++;
	return 0;
oom:
	fib_clear(f);
	return -1;
}

int
fib_lookup(const struct fib *f, uint32_t addr, const sb_time *dist)
{
	for (uint64_t m = f->lens; m != 0;) {
		unsigned len = 63u - (unsigned)__builtin_clzll(m);
		const struct slot *s = find(f, addr & inet_mask(len), len);
		int best = -1;
		unsigned bpref = 0;

		m &= ~((uint64_t)1 << len);
		if (s->len1 == 0)
			continue;
		for (uint32_t c = s->cand; c != NONE; c = f->cand[c].next) {
			int o = f->cand[c].origin;
			unsigned pref = f->cand[c].pref;
			if (dist[o] == SB_TIME_NEVER)
				continue;
			if (best < 0 || pref < bpref || (pref == bpref &&
			    (dist[o] < dist[best] || (dist[o] == dist[best] &&
			    o < best)))) {
				best = o;
				bpref = pref;
			}
		}
		if (best >= 0)
			return best;
	}
	return -1;
}
