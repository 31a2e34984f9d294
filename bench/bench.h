/*
 * What the benchmarks share: a wall clock and a growing text buffer for
 * the scenarios they generate.  Header-only; each bench is one program.
 */
#ifndef SASEBED_BENCH_BENCH_H
#define SASEBED_BENCH_BENCH_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double
wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct text {
	char *s;
	size_t n, cap;
};

static inline void
put(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Append to t; exits 3 when out of memory (a bench, not a library). */
static inline void
put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int need;

	for (;;) {
		va_start(ap, fmt);
		need = vsnprintf(t->s + t->n, t->cap - t->n, fmt, ap);
		va_end(ap);
		if ((size_t)need < t->cap - t->n)
			break;
		t->cap = t->cap * 2 + (size_t)need + 1;
		t->s = realloc(t->s, t->cap);
		if (t->s == NULL) {
			fprintf(stderr, "bench: out of memory\n");
			exit(3);
		}
	}
	t->n += (size_t)need;
}

#endif
