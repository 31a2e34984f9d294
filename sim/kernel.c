/*
 * The event queue is a ladder of bucket rungs over a small binary heap.
 *
 * Why not a plain heap: at 10^5 pending events a heap's sift walks a
 * megabyte-sized array on every operation and runs out of cache; the hold
 * benchmark measured about 3.7 million events/s with a 4-ary heap on this
 * class of machine.  Here an insert is O(1): it lands, unsorted, in the
 * bucket of the rung that covers its time (or in the unsorted "top" list
 * when no rung reaches that far).  Only when the heap at the bottom runs
 * dry is the next bucket moved into it and ordered.  A bucket found to hold
 * too many events is split into a finer rung instead, so a burst of events
 * close together never degrades into one large heap.
 *
 * Invariants, from earliest to latest time:
 *   bottom heap  < bottom_end <= deepest rung's unconsumed buckets
 *                <= each shallower rung's unconsumed buckets <= top
 * Within a rung, bucket i holds times in [base + i*w, base + (i+1)*w), with
 * the first unconsumed bucket and the last one open-ended (clamped), so a
 * time that falls in a gap between rungs still lands in the right order.
 *
 * Events at the same instant are always in the same structure (the mapping
 * from time to place is a function of time), and the heap orders by (time,
 * sequence number): events at one instant run in the order scheduled.
 *
 * Events live in slabs and are recycled through a free list; buckets are
 * growable arrays of event indices that keep their capacity, so a run in
 * steady state schedules without malloc.  Passes over a bucket read its
 * index array in order and prefetch the events a few places ahead, so
 * their cache misses overlap.  (Buckets threaded through the events as
 * linked lists were simpler but made every pass a chain of dependent
 * misses: about 40% slower at 10^5 pending in the hold model.  Copying
 * whole events into the buckets was slower still: twelve times the bytes
 * written per insert.)
 *
 * A handle is (generation << 32 | index); the generation moves on every
 * time a slot is freed, so a stale handle never cancels a newer event.
 * Cancellation marks the event, which is dropped when it reaches the
 * bottom.
 */
#include <stdlib.h>
#include <string.h>

#include "sim/kernel.h"

#define EV_SLAB_SHIFT 12
#define EV_SLAB (1u << EV_SLAB_SHIFT)
#define EV_NONE UINT32_MAX
#define MAX_RUNGS 24
#define SPLIT_OVER 48      /* a bucket with more events becomes a rung */
#define PER_BUCKET 4       /* events per bucket a new rung aims at */

struct ev {
	sb_time t;
	uint64_t seq;
	kernel_fn fn;        /* NULL: cancelled (or free) */
	void *a, *b;
	uint32_t gen;
	uint32_t next;       /* bucket list or free list */
};

struct bent {
	sb_time t;
	uint64_t seq;
	uint32_t idx;
};

/* A growable array of event indices; keeps its capacity when emptied. */
struct ivec {
	uint32_t *v;
	uint32_t n, cap;
};

struct rung {
	sb_time base, end;   /* times covered: [base, end) */
	unsigned shift;      /* bucket width 2^shift ns */
	uint32_t nb, cur;
	struct ivec *b;
	size_t cap;          /* buckets allocated; kept across reuse */
};

struct kernel {
	sb_time now;
	uint64_t seq;
	uint64_t ran;
	size_t live;             /* events queued, cancelled ones included */
	size_t cancelled;

	struct bent *bh;
	size_t bn, bcap;
	sb_time bottom_end;

	struct rung rungs[MAX_RUNGS];
	int nrungs;

	struct ivec top;
	sb_time top_min, top_max;

	struct ev **slabs;
	size_t nslabs;
	uint32_t free_head;

	kernel_poll_fn poll;
	void *poll_arg;
	uint64_t poll_every;
};

static inline struct ev *
ev_at(const struct kernel *k, uint32_t idx)
{
	return &k->slabs[idx >> EV_SLAB_SHIFT][idx & (EV_SLAB - 1)];
}

struct kernel *
kernel_new(void)
{
	struct kernel *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return NULL;
	k->free_head = EV_NONE;
	k->bottom_end = INT64_MIN;
	return k;
}

void
kernel_free(struct kernel *k)
{
	if (k == NULL)
		return;
	for (size_t i = 0; i < k->nslabs; i++)
		free(k->slabs[i]);
	for (int i = 0; i < MAX_RUNGS; i++) {
		for (size_t j = 0; j < k->rungs[i].cap; j++)
			free(k->rungs[i].b[j].v);
		free(k->rungs[i].b);
	}
	free(k->top.v);
	free(k->slabs);
	free(k->bh);
	free(k);
}

sb_time
kernel_now(const struct kernel *k)
{
	return k->now;
}

/* Grow the event store by one slab; only when the free list is empty. */
static int
ev_grow(struct kernel *k)
{
	struct ev **slabs, *s;
	uint32_t base;

	if (k->nslabs >= ((EV_NONE - 1) >> EV_SLAB_SHIFT))
		return -1;
	slabs = realloc(k->slabs, (k->nslabs + 1) * sizeof(*slabs));
	if (slabs == NULL)
		return -1;
	k->slabs = slabs;
	s = malloc(EV_SLAB * sizeof(*s));
	if (s == NULL)
		return -1;
	base = (uint32_t)(k->nslabs << EV_SLAB_SHIFT);
	for (uint32_t i = 0; i < EV_SLAB; i++) {
		s[i].gen = 1;
		s[i].fn = NULL;
		s[i].next = (i + 1 < EV_SLAB) ? base + i + 1 : k->free_head;
	}
	k->slabs[k->nslabs++] = s;
	k->free_head = base;
	return 0;
}

static inline void
ev_release(struct kernel *k, uint32_t idx, struct ev *e)
{
	if (++e->gen == 0)
		e->gen = 1;
	e->fn = NULL;
	e->next = k->free_head;
	k->free_head = idx;
}

/* ---- the bottom heap: binary, ordered by (t, seq) ---- */

static inline int
bent_before(const struct bent *x, const struct bent *y)
{
	return x->t < y->t || (x->t == y->t && x->seq < y->seq);
}

static void
bh_sift_up(struct bent *h, size_t i)
{
	struct bent x = h[i];

	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!bent_before(&x, &h[p]))
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = x;
}

static void
bh_sift_down(struct bent *h, size_t n, size_t i)
{
	struct bent x = h[i];

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && bent_before(&h[c + 1], &h[c]))
			c++;
		if (!bent_before(&h[c], &x))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = x;
}

static int
bh_reserve(struct kernel *k, size_t n)
{
	struct bent *h;
	size_t cap;

	if (n <= k->bcap)
		return 0;
	cap = k->bcap ? k->bcap : 256;
	while (cap < n)
		cap *= 2;
	h = realloc(k->bh, cap * sizeof(*h));
	if (h == NULL)
		return -1;
	k->bh = h;
	k->bcap = cap;
	return 0;
}

/* ---- rungs ---- */

static int
ivec_push(struct ivec *v, uint32_t idx)
{
	if (v->n == v->cap) {
		uint32_t cap = v->cap ? 2 * v->cap : 8;
		uint32_t *nv = realloc(v->v, cap * sizeof(*nv));
		if (nv == NULL)
			return -1;
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n++] = idx;
	return 0;
}

/* Touch the events a few places ahead of a pass over an index array, so
 * their cache misses overlap instead of queueing one behind another. */
#define PREFETCH_AHEAD 8
static inline void
prefetch_ev(const struct kernel *k, const uint32_t *v, size_t i, size_t n)
{
	if (i + PREFETCH_AHEAD < n)
		__builtin_prefetch(ev_at(k, v[i + PREFETCH_AHEAD]));
}

static int
rung_reserve(struct rung *g, uint32_t nb)
{
	if (nb > g->cap) {
		struct ivec *b = realloc(g->b, nb * sizeof(*b));
		if (b == NULL)
			return -1;
		memset(b + g->cap, 0, (nb - g->cap) * sizeof(*b));
		g->b = b;
		g->cap = nb;
	}
	for (uint32_t i = 0; i < nb; i++)
		g->b[i].n = 0;
	return 0;
}

static inline int
rung_put(struct rung *g, uint32_t idx, const struct ev *e)
{
	uint64_t i = e->t <= g->base ? 0 :
	    (uint64_t)(e->t - g->base) >> g->shift;

	if (i < g->cur)
		i = g->cur;
	if (i >= g->nb)
		i = g->nb - 1;
	return ivec_push(&g->b[i], idx);
}

/*
 * Spread n events (indices in src, not an array of the new rung's depth)
 * with times in [lo, hi] over a new rung that covers [lo, end).
 */
static int
rung_push(struct kernel *k, const uint32_t *src, size_t n, sb_time lo,
    sb_time hi, sb_time end)
{
	struct rung *g = &k->rungs[k->nrungs];
	uint64_t span = (uint64_t)hi - (uint64_t)lo;
	uint64_t want = n / PER_BUCKET > 1 ? n / PER_BUCKET : 1;
	unsigned shift = 0;

	while (shift < 63 && (span >> shift) + 1 > want)
		shift++;
	if (rung_reserve(g, (uint32_t)((span >> shift) + 1)) < 0)
		return -1;
	g->base = lo;
	g->end = end;
	g->shift = shift;
	g->nb = (uint32_t)((span >> shift) + 1);
	g->cur = 0;
	k->nrungs++;
	for (size_t i = 0; i < n; i++) {
		prefetch_ev(k, src, i, n);
		if (rung_put(g, src[i], ev_at(k, src[i])) < 0)
			return -1;
	}
	return 0;
}

static int
top_put(struct kernel *k, uint32_t idx, const struct ev *e)
{
	if (ivec_push(&k->top, idx) < 0)
		return -1;
	if (k->top.n == 1 || e->t < k->top_min)
		k->top_min = e->t;
	if (k->top.n == 1 || e->t > k->top_max)
		k->top_max = e->t;
	return 0;
}

/* Move events into the (empty) bottom heap, dropping cancelled ones. */
static int
bottom_fill(struct kernel *k, const uint32_t *src, size_t n)
{
	if (bh_reserve(k, n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct ev *e = ev_at(k, src[i]);
		prefetch_ev(k, src, i, n);
		if (e->fn == NULL) {
			k->cancelled--;
			k->live--;
			ev_release(k, src[i], e);
		} else {
			k->bh[k->bn].t = e->t;
			k->bh[k->bn].seq = e->seq;
			k->bh[k->bn].idx = src[i];
			k->bn++;
		}
	}
	for (size_t i = k->bn / 2; i-- > 0;)
		bh_sift_down(k->bh, k->bn, i);
	return 0;
}

/*
 * Make sure the bottom heap holds the earliest events, if there are any.
 * Returns 0 when the queue is empty, 1 otherwise, -1 on out of memory.
 */
static int
refill(struct kernel *k)
{
	while (k->bn == 0) {
		struct rung *g;
		struct ivec *bk;
		sb_time bend;

		if (k->nrungs == 0) {
			struct rung *r0 = &k->rungs[0];
			if (k->top.n == 0)
				return 0;
			if (rung_push(k, k->top.v, k->top.n, k->top_min,
			    k->top_max, 0) < 0)
				return -1;
			/* rung 0 covers exactly the range it was built on */
			r0->end = r0->base +
			    (sb_time)((uint64_t)r0->nb << r0->shift);
			if (r0->end < r0->base)
				r0->end = INT64_MAX;
			k->top.n = 0;
			continue;
		}
		g = &k->rungs[k->nrungs - 1];
		while (g->cur < g->nb && g->b[g->cur].n == 0)
			g->cur++;
		if (g->cur == g->nb) {
			k->nrungs--;
			continue;
		}
		bk = &g->b[g->cur++];
		bend = g->cur == g->nb ? g->end :
		    g->base + (sb_time)((uint64_t)g->cur << g->shift);
		if (bk->n > SPLIT_OVER && k->nrungs < MAX_RUNGS) {
			sb_time lo = INT64_MAX, hi = INT64_MIN;
			for (uint32_t j = 0; j < bk->n; j++) {
				sb_time t = ev_at(k, bk->v[j])->t;
				lo = t < lo ? t : lo;
				hi = t > hi ? t : hi;
			}
			if (hi > lo) {
				if (rung_push(k, bk->v, bk->n, lo, hi, bend) < 0)
					return -1;
				bk->n = 0;
				continue;
			}
		}
		if (bottom_fill(k, bk->v, bk->n) < 0)
			return -1;
		bk->n = 0;
		k->bottom_end = bend;
	}
	return 1;
}

sb_timer
kernel_at(struct kernel *k, sb_time t, kernel_fn fn, void *a, void *b)
{
	uint32_t idx;
	struct ev *e;
	int rc;

	if (k->free_head == EV_NONE && ev_grow(k) < 0)
		return 0;
	if (t < k->now)
		t = k->now;
	idx = k->free_head;
	e = ev_at(k, idx);
	if (t < k->bottom_end) {
		if (bh_reserve(k, k->bn + 1) < 0)
			return 0;
		k->bh[k->bn].t = t;
		k->bh[k->bn].seq = k->seq;
		k->bh[k->bn].idx = idx;
		bh_sift_up(k->bh, k->bn++);
		k->free_head = e->next;
	} else {
		k->free_head = e->next;
		e->t = t;
		e->seq = k->seq;
		/* Rungs nest: each deeper rung ends no later than the one
		 * above it.  Most events go far ahead, so search from the
		 * shallowest rung down to the deepest that still covers t. */
		if (k->nrungs == 0 || t >= k->rungs[0].end) {
			rc = top_put(k, idx, e);
		} else {
			int r = 0;
			while (r + 1 < k->nrungs && t < k->rungs[r + 1].end)
				r++;
			rc = rung_put(&k->rungs[r], idx, e);
		}
		if (rc < 0) {
			e->next = k->free_head;
			k->free_head = idx;
			return 0;
		}
	}
	e->t = t;
	e->seq = k->seq++;
	e->fn = fn;
	e->a = a;
	e->b = b;
	k->live++;
	return ((uint64_t)e->gen << 32) | idx;
}

int
kernel_cancel(struct kernel *k, sb_timer id)
{
	uint32_t idx = (uint32_t)id, gen = (uint32_t)(id >> 32);
	struct ev *e;

	if (id == 0 || (idx >> EV_SLAB_SHIFT) >= k->nslabs)
		return 0;
	e = ev_at(k, idx);
	if (e->gen != gen || e->fn == NULL)
		return 0;
	e->fn = NULL;
	k->cancelled++;
	return 1;
}

void
kernel_set_poll(struct kernel *k, uint64_t every, kernel_poll_fn fn, void *arg)
{
	k->poll = fn;
	k->poll_arg = arg;
	k->poll_every = every ? every : 1;
}

/* Pop the earliest entry (the bottom must not be empty) and run it unless
 * it was cancelled.  Returns 1 if it ran. */
static inline int
pop_one(struct kernel *k)
{
	struct bent top = k->bh[0];
	struct ev *e = ev_at(k, top.idx);
	kernel_fn fn = e->fn;
	void *a = e->a, *b = e->b;

	if (--k->bn > 0) {
		k->bh[0] = k->bh[k->bn];
		bh_sift_down(k->bh, k->bn, 0);
	}
	k->live--;
	/* Free the slot before running, so the callback can reuse it. */
	ev_release(k, top.idx, e);
	if (fn == NULL) {
		k->cancelled--;
		return 0;
	}
	k->now = top.t;
	k->ran++;
	fn(a, b);
	return 1;
}

int
kernel_step(struct kernel *k)
{
	while (refill(k) > 0)
		if (pop_one(k))
			return 1;
	return 0;
}

int
kernel_run(struct kernel *k, sb_time until)
{
	uint64_t next_poll = k->ran + k->poll_every;

	while (refill(k) > 0 && k->bh[0].t <= until) {
		pop_one(k);
		if (k->poll != NULL && k->ran >= next_poll) {
			next_poll = k->ran + k->poll_every;
			if (k->poll(k->poll_arg, k))
				return 1;
		}
	}
	if (until != SB_TIME_NEVER && k->now < until)
		k->now = until;
	return 0;
}

uint64_t
kernel_events_run(const struct kernel *k)
{
	return k->ran;
}

size_t
kernel_pending(const struct kernel *k)
{
	return k->live - k->cancelled;
}
