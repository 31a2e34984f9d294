/*
 * The emulator's event loop: a binary heap of timers over slots that keep
 * their place (a handle is slot and generation, so a stale handle is told
 * apart from the slot's next timer) and epoll for descriptors.  Timers that
 * fall due are run in deadline order, then those armed for the same
 * instant in the order they were armed: as the simulator's kernel does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "emu/loop.h"

struct tslot {
	sb_time deadline;
	uint64_t order;        /* arming order, ties broken by it */
	sb_timer_fn fn;
	void *arg;
	uint32_t gen;          /* bumped when the slot is freed */
	int heap;              /* its place in the heap, -1: free */
};

struct fdw {
	int fd;
	eloop_fd_fn fn;
	void *arg;
	struct fdw *next;
};

struct eloop {
	sb_time t0;
	int ep;
	int stop;
	int no_pwait2;         /* epoll_pwait2 is not there: epoll_wait */
	uint64_t order;
	struct tslot *slots;
	uint32_t nslots, capslots;
	uint32_t *freel;       /* free slot numbers */
	uint32_t nfree;
	uint32_t *heap;        /* slot numbers, a min-heap */
	uint32_t nheap;
	struct fdw *fds;
	struct fdw *dead;      /* unwatched, freed after the batch that may
	                          still name them */
};

sb_time
eloop_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (sb_time)ts.tv_sec * SB_S + ts.tv_nsec;
}

struct eloop *
eloop_new(sb_time t0)
{
	struct eloop *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->t0 = t0 != 0 ? t0 : eloop_monotonic();
	if ((l->ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		free(l);
		return NULL;
	}
	return l;
}

void
eloop_free(struct eloop *l)
{
	if (l == NULL)
		return;
	while (l->fds != NULL) {
		struct fdw *f = l->fds;
		l->fds = f->next;
		free(f);
	}
	while (l->dead != NULL) {
		struct fdw *f = l->dead;
		l->dead = f->next;
		free(f);
	}
	close(l->ep);
	free(l->slots);
	free(l->freel);
	free(l->heap);
	free(l);
}

sb_time
eloop_now(const struct eloop *l)
{
	return eloop_monotonic() - l->t0;
}

void
eloop_set_origin(struct eloop *l, sb_time t0)
{
	l->t0 = t0;
}

static int
before(const struct eloop *l, uint32_t a, uint32_t b)
{
	const struct tslot *x = &l->slots[a], *y = &l->slots[b];

	if (x->deadline != y->deadline)
		return x->deadline < y->deadline;
	return x->order < y->order;
}

static void
heap_put(struct eloop *l, uint32_t i, uint32_t s)
{
	l->heap[i] = s;
	l->slots[s].heap = (int)i;
}

static void
sift_up(struct eloop *l, uint32_t i)
{
	uint32_t s = l->heap[i];

	while (i > 0 && before(l, s, l->heap[(i - 1) / 2])) {
		heap_put(l, i, l->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_put(l, i, s);
}

static void
sift_down(struct eloop *l, uint32_t i)
{
	uint32_t s = l->heap[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap && before(l, l->heap[c + 1], l->heap[c]))
			c++;
		if (!before(l, l->heap[c], s))
			break;
		heap_put(l, i, l->heap[c]);
		i = c;
	}
	heap_put(l, i, s);
}

/* Take slot s out of the heap and give it back. */
static void
slot_release(struct eloop *l, uint32_t s)
{
	uint32_t i = (uint32_t)l->slots[s].heap;
	uint32_t last = l->heap[--l->nheap];

	if (i < l->nheap) {
		heap_put(l, i, last);
		sift_down(l, i);
		sift_up(l, (uint32_t)l->slots[last].heap);
	}
	l->slots[s].heap = -1;
	l->slots[s].gen++;
	l->freel[l->nfree++] = s;
}

static int
grow(struct eloop *l)
{
	uint32_t cap = l->capslots ? 2 * l->capslots : 64;
	struct tslot *s = realloc(l->slots, cap * sizeof(*s));
	uint32_t *f, *h;

	if (s == NULL)
		return -1;
	l->slots = s;
	if ((f = realloc(l->freel, cap * sizeof(*f))) == NULL)
		return -1;
	l->freel = f;
	if ((h = realloc(l->heap, cap * sizeof(*h))) == NULL)
		return -1;
	l->heap = h;
	l->capslots = cap;
	return 0;
}

sb_timer
eloop_timer_arm(struct eloop *l, sb_time deadline, sb_timer_fn fn, void *arg)
{
	uint32_t s;

	if (l->nfree > 0)
		s = l->freel[--l->nfree];
	else {
		if (l->nslots == l->capslots && grow(l) < 0)
			return 0;
		s = l->nslots++;
		l->slots[s].gen = 1;
	}
	l->slots[s].deadline = deadline;
	l->slots[s].order = l->order++;
	l->slots[s].fn = fn;
	l->slots[s].arg = arg;
	l->heap[l->nheap] = s;
	l->slots[s].heap = (int)l->nheap++;
	sift_up(l, l->nheap - 1);
	return (sb_timer)l->slots[s].gen << 32 | (s + 1);
}

void
eloop_timer_cancel(struct eloop *l, sb_timer t)
{
	uint32_t s = (uint32_t)(t & 0xffffffffu) - 1;

	if (t == 0 || s >= l->nslots || l->slots[s].heap < 0 ||
	    l->slots[s].gen != (uint32_t)(t >> 32))
		return;
	slot_release(l, s);
}

int
eloop_watch(struct eloop *l, int fd, uint32_t events, eloop_fd_fn fn,
    void *arg)
{
	struct epoll_event ev;
	struct fdw *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->fd = fd;
	f->fn = fn;
	f->arg = arg;
	memset(&ev, 0, sizeof(ev));
	ev.events = events | EPOLLIN;
	ev.data.ptr = f;
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(f);
		return -1;
	}
	f->next = l->fds;
	l->fds = f;
	return 0;
}

void
eloop_unwatch(struct eloop *l, int fd)
{
	for (struct fdw **pp = &l->fds; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->fd == fd) {
			struct fdw *f = *pp;

			(void)epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
			*pp = f->next;
			/* an event for it may wait in the batch being run */
			f->fn = NULL;
			f->next = l->dead;
			l->dead = f;
			return;
		}
}

void
eloop_stop(struct eloop *l)
{
	l->stop = 1;
}

/* Run every timer due by now; a timer may arm others, due at once too. */
static void
run_due(struct eloop *l)
{
	sb_time now = eloop_now(l);

	while (!l->stop && l->nheap > 0 &&
	    l->slots[l->heap[0]].deadline <= now) {
		uint32_t s = l->heap[0];
		sb_timer_fn fn = l->slots[s].fn;
		void *arg = l->slots[s].arg;

		slot_release(l, s);
		fn(arg);
	}
}

int
eloop_run(struct eloop *l, sb_time until, volatile sig_atomic_t *stop_flag)
{
	struct epoll_event evs[32];

	l->stop = 0;
	while (!l->stop && (stop_flag == NULL || *stop_flag == 0)) {
		sb_time now = eloop_now(l), next = until;
		struct timespec ts;
		int n;

		if (now >= until)
			break;
		if (l->nheap > 0 && l->slots[l->heap[0]].deadline < next)
			next = l->slots[l->heap[0]].deadline;
		/* epoll_pwait2 waits to the nanosecond: timers fire on time
		 * without spinning (at most 100 ms, for the stop flag) */
		/* compared, not subtracted: next may be SB_TIME_NEVER */
		if (next > now && next >= now + 100 * SB_MS)
			next = now + 100 * SB_MS;
		if (next < now)
			next = now;
		ts.tv_sec = (time_t)((next - now) / SB_S);
		ts.tv_nsec = (long)((next - now) % SB_S);
		n = l->no_pwait2 ? -1 : epoll_pwait2(l->ep, evs, 32, &ts, NULL);
		if (n < 0 && (l->no_pwait2 || errno == ENOSYS)) {
			/* a kernel (or valgrind) without it: milliseconds,
			 * rounded up so a timer is never run early */
			l->no_pwait2 = 1;
			n = epoll_wait(l->ep, evs, 32, (int)((next - now +
			    SB_MS - 1) / SB_MS));
		}
		if (n < 0 && errno != EINTR)
			return -1;
		for (int i = 0; i < n && !l->stop; i++) {
			struct fdw *f = evs[i].data.ptr;

			if (f->fn != NULL)
				f->fn(f->arg, f->fd, evs[i].events);
		}
		while (l->dead != NULL) {
			struct fdw *f = l->dead;

			l->dead = f->next;
			free(f);
		}
		run_due(l);
	}
	return 0;
}
