/*
 * The event queue is a ladder of bucket rungs over a sorted bottom run.
 *
 * An insert is O(1): a 16-byte entry (time, event index) is appended,
 * unsorted, to the bucket of the rung that covers its time, or to the
 * unsorted "top" array when no rung reaches that far.  When the bottom
 * runs dry the next bucket is taken: copied into the bottom array and
 * sorted (a counting pass over n/2 slices, then an insertion sort), or,
 * when it holds more than SPLIT_OVER events, spread over a finer rung, so
 * a burst close together never becomes one large sort.  Inserts below the
 * bottom's end go to a small "late" heap beside the bottom run.
 *
 * Invariants, from earliest to latest time:
 *   bottom run, late heap  < bottom_end <= deepest rung's unconsumed
 *   buckets <= each shallower rung's unconsumed buckets <= top
 * Within a rung, bucket i holds times in [base + i*w, base + (i+1)*w), with
 * the first unconsumed bucket and the last one open-ended (clamped), so a
 * time that falls in a gap between rungs still lands in the right order.
 * Events at one instant always share a structure (placement is a function
 * of time).  Every bucket and the top are in scheduling order, since they
 * are only appended to and spreads keep order, so a stable sort by time
 * alone gives (time, sequence) order and entries carry no sequence number.
 * The late heap numbers its entries (seq, renumbered before it could wrap)
 * and loses ties to the bottom run, all of which was scheduled earlier.
 *
 * Memory: buckets are lists of 128-byte chunks (8 entries) from one pool,
 * recycled LIFO, so memory follows the live events rather than each
 * bucket's peak, and a freed chunk is reused while still in cache.  Chunk
 * links sit in their own small array, so a pass over a bucket finds its
 * chunks without waiting on them.  Event records (fn, a, b, generation)
 * are 32 bytes, 64-aligned, in one array grown by doubling; they are read
 * only when the event runs, and are prefetched, all of a bucket at once,
 * when the bucket is taken.  Nothing is allocated in steady state.
 *
 * A handle is (generation << 32 | index); the generation moves on every
 * time a slot is freed, so a stale handle never cancels a newer event.
 * Cancellation clears fn; the entry is dropped when it reaches the bottom.
 *
 * Measured (bench/hold, exponential increments, -O2, one run on a loaded
 * 2-core VM, events/s, alternating runs): 10^3: 18-24M -> 29-37M;
 * 10^5: 8.0-11.0M -> 20.4-21.9M; 10^6: 3.7-4.4M -> 7.2-7.6M, against the
 * previous ladder whose buckets were arrays of event indices (48-byte
 * events read at every split and transfer).  What paid: keeping the time in the entry (splits and sorts
 * never touch the event), the chunk pool (per-bucket arrays kept their
 * peak capacity and spread a 1.6 MB working set over tens of MB), the
 * prefetch of a whole bucket's events, and an insert fast path with no
 * call.  The trade-off: an event's time is stored once in its entry and
 * an entry is copied at each level it passes (top, rung, bottom), which
 * is cheaper than chasing the event record each time.  Finer rungs
 * (TOP_PER_BUCKET 1) or bigger chunks (CH 16) measured slower.
 *
 * Looking ahead.  A large world's events each work on objects long out
 * of the cache (a link, a packet, a tunnel, a flow's route), and each
 * pointer followed is a wait on memory.  pop_one() therefore fetches the
 * arguments of the event AHEAD places on, and calls the prefetch hook of
 * the events between (kernel_set_prefetch()), one stage a place, so that
 * a hook follows one more level of pointers each time, each level in the
 * cache by then.  That needs the events ahead in view: the bottom run is
 * extended with the next bucket when it holds fewer than EV_AHEAD
 * (extend()), and split rungs aim at PER_BUCKET 32 events a bucket (with
 * 4, three events in four ran with fewer than AHEAD others in view).
 * Measured on bench/fluid (5,000 sites, one simulated hour): 593 s
 * without hooks, 279 s with the world's; bench/hold is unchanged within
 * noise.
 */
#include <stdlib.h>
#include <string.h>

#include "sim/kernel.h"

#define EV_NONE UINT32_MAX
#ifndef SPACING
#define SPACING 1          /* events between two prefetch stages */
#endif
/* events between the fetch of an event's arguments and its run, and
 * between the fetch of its record and its run */
#define AHEAD (SPACING * (KERNEL_PREFETCH_STAGES + 1))
#define EV_AHEAD (AHEAD + 8)
#define MAX_RUNGS 24
#ifndef SPLIT_OVER
#define SPLIT_OVER 96      /* a bucket with more events becomes a rung */
#endif
#ifndef PER_BUCKET
#define PER_BUCKET 32      /* events per bucket a split rung aims at */
#endif
#ifndef TOP_PER_BUCKET
#define TOP_PER_BUCKET 2   /* events per bucket when the top is spread */
#endif

/* The payload of an event; its time lives in the queue entry. */
struct ev {
	kernel_fn fn;        /* NULL: cancelled (or free) */
	void *a, *b;
	uint32_t gen;
	uint32_t next;       /* free list */
};

/* A queue entry.  seq orders entries of the late heap only: everywhere
 * else the position in an array is the scheduling order. */
struct ent {
	sb_time t;
	uint32_t idx;
	uint32_t seq;
};

/* A growable array of entries; keeps its capacity when emptied. */
struct vec {
	struct ent *v;
	uint32_t n, cap;
};

/*
 * A bucket: a list of chunks of CH entries from a pool shared by all
 * buckets, newest chunk first.  Only the newest chunk can be partly full:
 * it holds entries [(n - 1) & ~(CH - 1), n).  The links live in their own
 * small array, so a pass over a bucket finds all its chunks first and
 * then reads them with their misses overlapped.
 */
#ifndef CH
#define CH 8
#endif
struct chunk {
	struct ent e[CH];
};

struct bkt {
	uint32_t chunk;      /* newest chunk, EV_NONE when empty */
	uint32_t n;
};

struct rung {
	sb_time base, end;   /* times covered: [base, end) */
	unsigned shift;      /* bucket width 2^shift ns */
	uint32_t nb, cur;
	struct bkt *b;
	size_t cap;          /* buckets allocated; kept across reuse */
};

struct kernel {
	sb_time now;
	uint64_t ran;
	size_t live;             /* events queued, cancelled ones included */
	size_t cancelled;

	struct vec bot;          /* sorted; entries [head, n) pending */
	uint32_t head;
	struct ent *late;        /* heap by (t, seq): inserts below bottom_end */
	size_t late_n, late_cap;
	uint32_t late_seq;
	sb_time bottom_end;

	struct rung rungs[MAX_RUNGS];
	int nrungs;

	struct vec top;
	sb_time top_min, top_max;

	struct chunk *chunks;
	uint32_t *clink;         /* next chunk in a bucket or the free list */
	uint32_t nchunks, chunk_free;

	struct ent *scratch;     /* merge sort buffer */
	size_t scratch_cap;

	struct ev *evs;          /* one array, grown by doubling */
	uint32_t nevs, free_head;

	kernel_fn pf_fn[KERNEL_PREFETCH_MAX];
	kernel_prefetch_fn pf[KERNEL_PREFETCH_MAX];
	int npf;
	kernel_poll_fn poll;
	void *poll_arg;
	uint64_t poll_every;
};

static inline struct ev *
ev_at(const struct kernel *k, uint32_t idx)
{
	return &k->evs[idx];
}

struct kernel *
kernel_new(void)
{
	struct kernel *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return NULL;
	k->free_head = EV_NONE;
	k->bottom_end = INT64_MIN;
	k->chunk_free = EV_NONE;
	return k;
}

void
kernel_free(struct kernel *k)
{
	if (k == NULL)
		return;
	free(k->evs);
	for (int i = 0; i < MAX_RUNGS; i++)
		free(k->rungs[i].b);
	free(k->chunks);
	free(k->clink);
	free(k->top.v);
	free(k->bot.v);
	free(k->late);
	free(k->scratch);
	free(k);
}

sb_time
kernel_now(const struct kernel *k)
{
	return k->now;
}

/* Double the event store; only when the free list is empty.  Handles are
 * indices, so the records may move. */
static int
ev_grow(struct kernel *k)
{
	uint32_t n = k->nevs ? 2 * k->nevs : 1024;
	struct ev *s;

	if (n <= k->nevs || n >= EV_NONE / 2)
		return -1;
	/* aligned: a 32-byte record never straddles two cache lines */
	s = aligned_alloc(64, (size_t)n * sizeof(*s));
	if (s == NULL)
		return -1;
	if (k->nevs)
		memcpy(s, k->evs, (size_t)k->nevs * sizeof(*s));
	free(k->evs);
	k->evs = s;
	for (uint32_t i = k->nevs; i < n; i++) {
		s[i].gen = 1;
		s[i].fn = NULL;
		s[i].next = i + 1 < n ? i + 1 : k->free_head;
	}
	k->free_head = k->nevs;
	k->nevs = n;
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

static int
grow(void **p, size_t *cap, size_t n, size_t size, size_t first)
{
	size_t c = *cap ? *cap : first;
	void *np;

	if (n <= *cap)
		return 0;
	while (c < n)
		c *= 2;
	np = realloc(*p, c * size);
	if (np == NULL)
		return -1;
	*p = np;
	*cap = c;
	return 0;
}

static inline int
vec_push(struct vec *v, sb_time t, uint32_t idx)
{
	if (__builtin_expect(v->n == v->cap, 0)) {
		uint32_t cap = v->cap ? 2 * v->cap : 8;
		struct ent *nv = realloc(v->v, cap * sizeof(*nv));
		if (nv == NULL)
			return -1;
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n].t = t;
	v->v[v->n].idx = idx;
	v->n++;
	return 0;
}

/* Double the chunk pool; only when its free list is empty. */
static int
chunk_grow(struct kernel *k)
{
	uint32_t n = k->nchunks ? 2 * k->nchunks : 1024;
	struct chunk *c;
	uint32_t *l;

	if (n <= k->nchunks || n >= EV_NONE / 2)
		return -1;
	l = realloc(k->clink, (size_t)n * sizeof(*l));
	if (l == NULL)
		return -1;
	k->clink = l;
	c = aligned_alloc(64, (size_t)n * sizeof(*c));
	if (c == NULL)
		return -1;
	if (k->nchunks)
		memcpy(c, k->chunks, (size_t)k->nchunks * sizeof(*c));
	free(k->chunks);
	k->chunks = c;
	for (uint32_t i = k->nchunks; i < n; i++)
		l[i] = i + 1 < n ? i + 1 : k->chunk_free;
	k->chunk_free = k->nchunks;
	k->nchunks = n;
	return 0;
}

static inline int
bkt_push(struct kernel *k, struct bkt *h, sb_time t, uint32_t idx)
{
	uint32_t j = h->n & (CH - 1);
	struct ent *x;

	if (j == 0) {
		uint32_t c;
		if (__builtin_expect(k->chunk_free == EV_NONE, 0) &&
		    chunk_grow(k) < 0)
			return -1;
		c = k->chunk_free;
		k->chunk_free = k->clink[c];
		k->clink[c] = h->chunk;
		h->chunk = c;
	}
	x = &k->chunks[h->chunk].e[j];
	x->t = t;
	x->idx = idx;
	h->n++;
	return 0;
}

/*
 * Copy a bucket's entries, in the order they were added, to dst and give
 * its chunks back to the pool.
 */
static void
bkt_take(struct kernel *k, struct bkt *h, struct ent *dst)
{
	uint32_t c = h->chunk, first = (h->n - 1) & ~(uint32_t)(CH - 1);
	uint32_t m = h->n - first, last = c;

	for (;;) {
		memcpy(dst + first, k->chunks[c].e, m * sizeof(*dst));
		last = c;
		c = k->clink[c];
		if (c == EV_NONE)
			break;
		first -= CH;
		m = CH;
	}
	k->clink[last] = k->chunk_free;
	k->chunk_free = h->chunk;
	h->chunk = EV_NONE;
	h->n = 0;
}

/* ---- the late heap: binary, ordered by (t, seq) ---- */

static inline int
ent_before(const struct ent *x, const struct ent *y)
{
	return x->t < y->t || (x->t == y->t && x->seq < y->seq);
}

static void
late_sift_up(struct ent *h, size_t i)
{
	struct ent x = h[i];

	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!ent_before(&x, &h[p]))
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = x;
}

static void
late_sift_down(struct ent *h, size_t n, size_t i)
{
	struct ent x = h[i];

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && ent_before(&h[c + 1], &h[c]))
			c++;
		if (!ent_before(&h[c], &x))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = x;
}

static int
cmp_ent(const void *x, const void *y)
{
	return ent_before(x, y) ? -1 : ent_before(y, x) ? 1 : 0;
}

static int
late_push(struct kernel *k, sb_time t, uint32_t idx)
{
	if (grow((void **)&k->late, &k->late_cap, k->late_n + 1,
	    sizeof(*k->late), 64) < 0)
		return -1;
	if (k->late_seq == UINT32_MAX) {
		/* Renumber: a sorted array is a heap, and the keys are
		 * unique, so the order (and the run) stays the same. */
		qsort(k->late, k->late_n, sizeof(*k->late), cmp_ent);
		for (size_t i = 0; i < k->late_n; i++)
			k->late[i].seq = (uint32_t)i;
		k->late_seq = (uint32_t)k->late_n;
	}
	k->late[k->late_n].t = t;
	k->late[k->late_n].idx = idx;
	k->late[k->late_n].seq = k->late_seq++;
	late_sift_up(k->late, k->late_n++);
	return 0;
}

/* ---- sorting a bucket by time, stably ---- */

static void
insertion_sort(struct ent *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct ent x = v[i];
		size_t j = i;
		while (j > 0 && v[j - 1].t > x.t) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

/*
 * Sort v[0..n) by time, stably (the array is in scheduling order).  A
 * counting pass first spreads the entries by their time over about n/2
 * equal slices of [lo, hi], in order, into the scratch buffer; an
 * insertion sort then only fixes the order inside each slice.  Buckets are
 * at most SPLIT_OVER events unless all their events share one instant (or
 * the rungs ran out), so this stays cheap; an already sorted array, as
 * when all events are at one instant, costs one pass.
 */
static int
stable_sort(struct kernel *k, struct ent *v, size_t n)
{
	uint32_t cnt[SPLIT_OVER + 1];
	sb_time lo = v[0].t, hi = v[0].t;
	uint64_t span;
	unsigned shift = 0;
	size_t i, m, pos;
	int sorted = 1;

	for (i = 1; i < n; i++) {
		sorted &= v[i - 1].t <= v[i].t;
		lo = v[i].t < lo ? v[i].t : lo;
		hi = v[i].t > hi ? v[i].t : hi;
	}
	if (sorted)
		return 0;
	if (n <= 12) {
		insertion_sort(v, n);
		return 0;
	}
	if (n > SPLIT_OVER || grow((void **)&k->scratch, &k->scratch_cap, n,
	    sizeof(*k->scratch), 256) < 0) {
		/* rare (no rung left to split into, or out of memory):
		 * the keys (t, position) are unique, so any sort is
		 * stable and deterministic */
		for (i = 0; i < n; i++)
			v[i].seq = (uint32_t)i;
		qsort(v, n, sizeof(*v), cmp_ent);
		return 0;
	}
	span = (uint64_t)hi - (uint64_t)lo;
	while ((span >> shift) >= n / 2)
		shift++;
	m = (size_t)(span >> shift) + 1;
	memset(cnt, 0, m * sizeof(cnt[0]));
	for (i = 0; i < n; i++)
		cnt[((uint64_t)v[i].t - (uint64_t)lo) >> shift]++;
	for (i = 0, pos = 0; i < m; i++) {
		size_t c = cnt[i];
		cnt[i] = (uint32_t)pos;
		pos += c;
	}
	for (i = 0; i < n; i++)
		k->scratch[cnt[((uint64_t)v[i].t - (uint64_t)lo) >> shift]++] =
		    v[i];
	memcpy(v, k->scratch, n * sizeof(*v));
	insertion_sort(v, n);
	return 0;
}

/* ---- rungs ---- */

static int
rung_reserve(struct rung *g, uint32_t nb)
{
	if (nb > g->cap) {
		struct bkt *b = realloc(g->b, nb * sizeof(*b));
		if (b == NULL)
			return -1;
		g->b = b;
		g->cap = nb;
	}
	for (uint32_t i = 0; i < nb; i++) {
		g->b[i].chunk = EV_NONE;
		g->b[i].n = 0;
	}
	return 0;
}

static inline int
rung_put(struct kernel *k, struct rung *g, sb_time t, uint32_t idx)
{
	uint64_t i = t <= g->base ? 0 : (uint64_t)(t - g->base) >> g->shift;

	if (i < g->cur)
		i = g->cur;
	if (i >= g->nb)
		i = g->nb - 1;
	return bkt_push(k, &g->b[i], t, idx);
}

/*
 * Spread n entries (not an array of the new rung's depth) with times in
 * [lo, hi] over a new rung that covers [lo, end), about `per` a bucket.
 */
static int
rung_push(struct kernel *k, const struct ent *src, size_t n, sb_time lo,
    sb_time hi, sb_time end, size_t per)
{
	struct rung *g = &k->rungs[k->nrungs];
	uint64_t span = (uint64_t)hi - (uint64_t)lo;
	uint64_t want = n / per > 1 ? n / per : 1;
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
	for (size_t i = 0; i < n; i++)
		if (rung_put(k, g, src[i].t, src[i].idx) < 0)
			return -1;
	return 0;
}

static inline int
top_put(struct kernel *k, sb_time t, uint32_t idx)
{
	if (vec_push(&k->top, t, idx) < 0)
		return -1;
	if (k->top.n == 1 || t < k->top_min)
		k->top_min = t;
	if (k->top.n == 1 || t > k->top_max)
		k->top_max = t;
	return 0;
}

/*
 * Make sure the bottom holds the earliest events, if there are any.
 * Returns 0 when the queue is empty, 1 otherwise, -1 on out of memory.
 */
static __attribute__((noinline)) int
refill(struct kernel *k)
{
	while (k->head == k->bot.n && k->late_n == 0) {
		struct rung *g;
		struct bkt *bk;
		sb_time bend;
		size_t cap = k->bot.cap;
		uint32_t n;

		if (k->nrungs == 0) {
			struct rung *r0 = &k->rungs[0];
			if (k->top.n == 0)
				return 0;
			if (rung_push(k, k->top.v, k->top.n, k->top_min,
			    k->top_max, 0, TOP_PER_BUCKET) < 0)
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
		n = bk->n;
		if (grow((void **)&k->bot.v, &cap, n, sizeof(*k->bot.v),
		    256) < 0)
			return -1;
		k->bot.cap = (uint32_t)cap;
		bkt_take(k, bk, k->bot.v);
		/* The events of this bucket run soon: start their cache
		 * misses now, all at once, and the next bucket's too. */
		for (uint32_t j = 0; j < n; j++)
			__builtin_prefetch(ev_at(k, k->bot.v[j].idx));
		if (g->cur < g->nb && g->b[g->cur].chunk != EV_NONE)
			__builtin_prefetch(&k->chunks[g->b[g->cur].chunk]);
		if (n > SPLIT_OVER && k->nrungs < MAX_RUNGS) {
			sb_time lo = INT64_MAX, hi = INT64_MIN;
			for (uint32_t j = 0; j < n; j++) {
				sb_time t = k->bot.v[j].t;
				lo = t < lo ? t : lo;
				hi = t > hi ? t : hi;
			}
			if (hi > lo) {
				if (rung_push(k, k->bot.v, n, lo, hi, bend,
				    PER_BUCKET) < 0)
					return -1;
				continue;
			}
		}
		if (stable_sort(k, k->bot.v, n) < 0)
			return -1;
		k->bot.n = n;
		k->head = 0;
		k->late_seq = 0;
		k->bottom_end = bend;
	}
	return 1;
}

/*
 * Append the deepest rung's next bucket to the bottom run while the run
 * holds fewer than EV_AHEAD events, so that pop_one() can see that far
 * ahead (a bucket of a split rung holds about PER_BUCKET events; without
 * this most events ran with their successors not yet in view).  Its
 * times are all at or past bottom_end, so the run stays sorted; events
 * scheduled before the new bottom_end go to the late heap from then on,
 * as they would once refill() had taken the bucket.  Only a bucket small
 * enough to sort is taken: a larger one, the top and an exhausted rung
 * are left to refill().
 */
static void
extend(struct kernel *k)
{
	struct rung *g;
	struct bkt *bk;
	uint32_t pending = k->bot.n - k->head, n;
	size_t cap = k->bot.cap;

	if (k->nrungs == 0)
		return;
	g = &k->rungs[k->nrungs - 1];
	while (g->cur < g->nb && g->b[g->cur].n == 0)
		g->cur++;
	if (g->cur == g->nb || (n = g->b[g->cur].n) > SPLIT_OVER)
		return;
	if (grow((void **)&k->bot.v, &cap, pending + n, sizeof(*k->bot.v),
	    256) < 0)
		return;
	k->bot.cap = (uint32_t)cap;
	memmove(k->bot.v, k->bot.v + k->head, pending * sizeof(*k->bot.v));
	k->head = 0;
	bk = &g->b[g->cur++];
	bkt_take(k, bk, k->bot.v + pending);
	for (uint32_t j = 0; j < n; j++)
		__builtin_prefetch(ev_at(k, k->bot.v[pending + j].idx));
	stable_sort(k, k->bot.v + pending, n);
	k->bot.n = pending + n;
	k->bottom_end = g->cur == g->nb ? g->end :
	    g->base + (sb_time)((uint64_t)g->cur << g->shift);
}

/* Take event record idx, the head of the free list, for a queued entry. */
static inline sb_timer
ev_claim(struct kernel *k, uint32_t idx, kernel_fn fn, void *a, void *b)
{
	struct ev *e = &k->evs[idx];

	k->free_head = e->next;
	e->fn = fn;
	e->a = a;
	e->b = b;
	k->live++;
	return ((uint64_t)e->gen << 32) | idx;
}

/* The general case of kernel_at(): the late heap, the top, a bucket that
 * needs a new chunk, and growth.  Out of line, so that the common case
 * below needs no call and no saved registers. */
static __attribute__((noinline)) sb_timer
at_slow(struct kernel *k, sb_time t, kernel_fn fn, void *a, void *b)
{
	uint32_t idx;
	int rc;

	if (k->free_head == EV_NONE && ev_grow(k) < 0)
		return 0;
	idx = k->free_head;
	if (t < k->bottom_end) {
		rc = late_push(k, t, idx);
	} else if (k->nrungs == 0 || t >= k->rungs[0].end) {
		rc = top_put(k, t, idx);
	} else {
		int r = 0;
		while (r + 1 < k->nrungs && t < k->rungs[r + 1].end)
			r++;
		rc = rung_put(k, &k->rungs[r], t, idx);
	}
	if (rc < 0)
		return 0;
	return ev_claim(k, idx, fn, a, b);
}

sb_timer
kernel_at(struct kernel *k, sb_time t, kernel_fn fn, void *a, void *b)
{
	uint32_t idx = k->free_head;
	struct rung *g, *last;
	struct bkt *h;
	struct ent *x;
	uint64_t i;

	if (t < k->now)
		t = k->now;
	/* The common case inline: t goes into a rung's bucket whose newest
	 * chunk has room.  Rungs nest (each deeper rung ends no later than
	 * the one above), and most events go far ahead, so search from the
	 * shallowest rung down to the deepest that still covers t. */
	if (__builtin_expect(idx == EV_NONE || t < k->bottom_end ||
	    k->nrungs == 0 || t >= k->rungs[0].end, 0))
		return at_slow(k, t, fn, a, b);
	g = &k->rungs[0];
	last = g + k->nrungs - 1;
	while (g < last && t < g[1].end)
		g++;
	i = t <= g->base ? 0 : (uint64_t)(t - g->base) >> g->shift;
	i = i < g->cur ? g->cur : i;
	i = i >= g->nb ? g->nb - 1 : i;
	h = &g->b[i];
	if (__builtin_expect((h->n & (CH - 1)) == 0, 0))
		return at_slow(k, t, fn, a, b);
	x = &k->chunks[h->chunk].e[h->n & (CH - 1)];
	x->t = t;
	x->idx = idx;
	h->n++;
	return ev_claim(k, idx, fn, a, b);
}

int
kernel_cancel(struct kernel *k, sb_timer id)
{
	uint32_t idx = (uint32_t)id, gen = (uint32_t)(id >> 32);
	struct ev *e;

	if (id == 0 || idx >= k->nevs)
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

/* The earliest pending entry; the bottom must not be empty.  On a tie the
 * sorted run wins: everything in it was scheduled before any late insert. */
static inline const struct ent *
peek(const struct kernel *k)
{
	if (k->late_n == 0 || (k->head < k->bot.n &&
	    k->bot.v[k->head].t <= k->late[0].t))
		return &k->bot.v[k->head];
	return &k->late[0];
}

/* Pop the earliest entry (the bottom must not be empty) and run it unless
 * it was cancelled.  Returns 1 if it ran. */
static inline int
pop_one(struct kernel *k)
{
	struct ent x;
	struct ev *e;
	kernel_fn fn;
	void *a, *b;

	if (k->late_n == 0 || (k->head < k->bot.n &&
	    k->bot.v[k->head].t <= k->late[0].t)) {
		/* What an event works on is mostly a packet that has been
		 * in flight for milliseconds, long out of the cache: start
		 * fetching the record of the event EV_AHEAD places on, the
		 * arguments of the one AHEAD places on (a packet's header
		 * and its first bytes, which the pool keeps together, and
		 * the first two lines of what it arrives at), and call the
		 * hooks of those between, the nearest at the deepest stage.
		 * A prefetch never faults, whatever the arguments are. */
		if (k->head + EV_AHEAD >= k->bot.n)
			extend(k);
		if (k->head + EV_AHEAD < k->bot.n)
			__builtin_prefetch(ev_at(k,
			    k->bot.v[k->head + EV_AHEAD].idx));
		if (k->head + AHEAD < k->bot.n) {
			const struct ev *n = ev_at(k,
			    k->bot.v[k->head + AHEAD].idx);

			__builtin_prefetch(n->a);
			__builtin_prefetch((const char *)n->a + 64);
			__builtin_prefetch(n->b);
			__builtin_prefetch((const char *)n->b + 64);
			__builtin_prefetch((const char *)n->b + 128);
		}
		for (int st = 1; st <= KERNEL_PREFETCH_STAGES && k->npf > 0;
		    st++) {
			uint32_t d = (uint32_t)(SPACING *
			    (KERNEL_PREFETCH_STAGES + 1 - st));
			const struct ev *n;
			if (k->head + d >= k->bot.n)
				continue;
			n = ev_at(k, k->bot.v[k->head + d].idx);
			for (int i = 0; i < k->npf; i++)
				if (n->fn == k->pf_fn[i]) {
					k->pf[i](n->a, n->b,
					    k->bot.v[k->head + d].t, st);
					break;
				}
		}
		x = k->bot.v[k->head++];
	} else {
		x = k->late[0];
		if (--k->late_n > 0) {
			k->late[0] = k->late[k->late_n];
			late_sift_down(k->late, k->late_n, 0);
		}
	}
	e = ev_at(k, x.idx);
	fn = e->fn;
	a = e->a;
	b = e->b;
	k->live--;
	/* Free the slot before running, so the callback can reuse it. */
	ev_release(k, x.idx, e);
	if (fn == NULL) {
		k->cancelled--;
		return 0;
	}
	k->now = x.t;
	k->ran++;
	fn(a, b);
	return 1;
}

void
kernel_set_prefetch(struct kernel *k, kernel_fn fn, kernel_prefetch_fn pf)
{
	for (int i = 0; i < k->npf; i++)
		if (k->pf_fn[i] == fn) {
			k->pf[i] = pf;
			return;
		}
	if (k->npf == KERNEL_PREFETCH_MAX)
		return;
	k->pf_fn[k->npf] = fn;
	k->pf[k->npf++] = pf;
}

int
kernel_step(struct kernel *k)
{
	for (;;) {
		if (__builtin_expect(k->head == k->bot.n && k->late_n == 0, 0) &&
		    refill(k) <= 0)
			return 0;
		if (pop_one(k))
			return 1;
	}
}

int
kernel_run(struct kernel *k, sb_time until)
{
	uint64_t next_poll = k->ran + k->poll_every;

	while ((k->head < k->bot.n || k->late_n > 0 || refill(k) > 0) &&
	    peek(k)->t <= until) {
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
