/*
 * Reports for CI harnesses: the outcome of a batch of runs as JUnit XML
 * (one test suite per scenario, one test case per expectation) and as TAP
 * (one test point per expectation).
 *
 * The runs are read back from their results files, so what a harness sees
 * is exactly what SQLite holds.  A scenario that could not be loaded, or a
 * run that failed, is an error case of its own; a run with no expectations
 * is one passing case, so that every scenario shows.
 *
 * What it is not: a judge.  The expectations were judged by the run.
 */
#ifndef SASEBED_REPORTS_CI_H
#define SASEBED_REPORTS_CI_H

#include <stddef.h>
#include <stdio.h>

struct ci;

struct ci *ci_new(void);
void ci_free(struct ci *c);

/*
 * Add one scenario's run.  db: its results file, or NULL if the run never
 * got that far; error: why it failed (the loader's or the run's message),
 * or NULL.  Returns 0, or -1 with a message if the results could not be
 * read (the run is then added as an error).
 */
int ci_add(struct ci *c, const char *path, const char *db, const char *error,
    double wall_s, char *err, size_t errlen);

/* Write the batch; 0, or -1 if writing failed. */
int ci_write_junit(const struct ci *c, FILE *f);
int ci_write_tap(const struct ci *c, FILE *f);

#endif
