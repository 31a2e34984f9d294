/*
 * Baselines: two runs (or two folders of runs) compared metric by metric.
 *
 * Every final metric (the `metrics` table) and every expectation outcome
 * of the base run is looked up in the new run.  A metric moved when it
 * differs by more than both its absolute and its relative tolerance; a
 * move is a regression, an improvement or a neutral change, by the
 * metric's direction (lower latency is better, a tunnel's keepalive count
 * is neither).  Timings come first in the table: failover time before the
 * rest, because those are the regressions a build must not let through.
 *
 * Each metric has a default tolerance, settable per metric.
 */
#ifndef SASEBED_REPORTS_COMPARE_H
#define SASEBED_REPORTS_COMPARE_H

#include <stddef.h>
#include <stdio.h>

struct compare;

struct compare *compare_new(void);
void compare_free(struct compare *c);

/*
 * "failover-time=200ms" (abs) or "failover-time=5%" (rel): a tolerance in
 * the metric's unit, or relative to the base value.  0, or -1 with a
 * message.
 */
int compare_tolerance(struct compare *c, const char *spec, int relative,
    char *err, size_t errlen);

/* Compare only this metric (and the others so named); by default, all.
 * Up to 16.  0, or -1 with a message. */
int compare_only(struct compare *c, const char *metric, char *err,
    size_t errlen);

/*
 * Compare base with new: two results files, or two folders whose *.db
 * files are paired by name.  Prints what moved to out.  Returns the
 * number of regressions (a run missing from new counts as one), or -1
 * with a message for input that is not two results files or folders.
 */
int compare_paths(struct compare *c, const char *base, const char *newp,
    FILE *out, char *err, size_t errlen);

/* Copy a results file to path (replaced), as a baseline.  0 or -1. */
int compare_save(const char *db, const char *path, char *err, size_t errlen);

#endif
