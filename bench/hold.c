/*
 * The classic hold model: N events pending; each event, when it runs,
 * schedules one more at now + an exponential increment, so the queue stays
 * at N.  Prints the kernel's rate (events run per wall second) at 10^3,
 * 10^5 and 10^6 pending.  A figure to read, not a pass/fail test.
 *
 *   bench/hold [EVENTS [ONLY_THIS_PENDING_COUNT]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <gsl/gsl_randist.h>

#include "bench/bench.h"
#include "sim/kernel.h"
#include "sim/rng.h"

struct hold {
	struct kernel *k;
	gsl_rng *r;
	double mean_ns;
	sb_time *draws;  /* pre-drawn increments: measure the queue, not GSL */
	size_t ndraws, next;
};

static void
hold_cb(void *a, void *b)
{
	struct hold *h = a;
	sb_time d = h->draws[h->next];

	if (++h->next == h->ndraws)
		h->next = 0;
	kernel_after(h->k, d, hold_cb, h, b);
}

static double
run_hold(size_t pending, uint64_t events)
{
	struct hold h = { 0 };
	double t0, t1;

	h.k = kernel_new();
	h.r = rng_new(1, "hold");
	h.mean_ns = 1e6;
	h.ndraws = 1 << 20;
	h.draws = malloc(h.ndraws * sizeof(*h.draws));
	if (h.k == NULL || h.r == NULL || h.draws == NULL) {
		fprintf(stderr, "hold: out of memory\n");
		exit(3);
	}
	for (size_t i = 0; i < h.ndraws; i++)
		h.draws[i] = 1 + (sb_time)gsl_ran_exponential(h.r, h.mean_ns);
	for (size_t i = 0; i < pending; i++)
		kernel_at(h.k, h.draws[i % h.ndraws], hold_cb, &h, NULL);
	/* warm up: let the queue reach its steady shape */
	for (uint64_t i = 0; i < 2 * pending; i++)
		kernel_step(h.k);
	t0 = wall();
	for (uint64_t i = 0; i < events; i++)
		kernel_step(h.k);
	t1 = wall();
	free(h.draws);
	gsl_rng_free(h.r);
	kernel_free(h.k);
	return events / (t1 - t0);
}

int
main(int argc, char **argv)
{
	size_t sizes[] = { 1000, 100000, 1000000 };
	uint64_t events = argc > 1 ? strtoull(argv[1], NULL, 10) : 20000000;
	size_t only = argc > 2 ? strtoull(argv[2], NULL, 10) : 0;

	printf("hold model: schedule-one-pop-one, exponential increments\n");
	printf("%12s %16s %12s\n", "pending", "events/s", "ns/event");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		double rate;
		if (only != 0 && sizes[i] != only)
			continue;
		rate = run_hold(sizes[i], events);
		printf("%12zu %16.0f %12.1f\n", sizes[i], rate, 1e9 / rate);
	}
	return 0;
}
