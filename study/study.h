/*
 * A study: a base scenario, the values to give some of its settings (the
 * parameters), a number of repetitions of every combination (a point), and
 * the metrics and expectations to judge each point by.  This module loads
 * a study file (docs/studies.md) and makes its plan: every point's
 * scenario text, written by putting the point's values into the base
 * scenario's text where the parameters' paths lead, and every run's seed.
 * It runs nothing; study/runner.c does, and study/db.c keeps the results.
 *
 * Runs are numbered point by point, repetition within point: run i is
 * point i / reps, repetition i % reps.  Repetition r has the same seed at
 * every point (common random numbers), so two points differ by their
 * parameters and not by luck.
 */
#ifndef SASEBED_STUDY_STUDY_H
#define SASEBED_STUDY_STUDY_H

#include <stddef.h>
#include <stdint.h>

enum st_reduce { ST_MEAN = 0, ST_MIN, ST_MAX, ST_SUM };
enum st_op { ST_ABOVE = 0, ST_BELOW, ST_AT_LEAST, ST_AT_MOST };

struct st_param {
	char *name;             /* its column in the study's views */
	char *path;             /* as written: sites[name=shop].count */
	char **values;          /* as put into the scenario text */
	double *num;            /* each value's number, NaN if not one */
	size_t nvalues;
	unsigned line, col;     /* the path, in the study file */
};

/* A metric of interest: the runs' `metrics` rows matching scope, metric
 * and the subject pattern (GLOB: voice-*), reduced to one value a run. */
struct st_metric {
	char *name;
	char *scope, *subject, *metric;
	enum st_reduce reduce;
};

/* Judged on each point's mean of a metric. */
struct st_expect {
	int metric;             /* index into metrics */
	enum st_op op;
	double bound;           /* in the metric's unit (ns for times) */
	char *text;             /* "mos above 4" */
	unsigned line, col;
};

struct study {
	char *name;
	char *path;             /* the study file */
	char *scenario;         /* the base scenario's path */
	uint64_t seed;
	unsigned reps;
	struct st_param *params;
	size_t nparams;
	struct st_metric *metrics;
	size_t nmetrics;
	struct st_expect *expects;
	size_t nexpects;
	/* the plan */
	size_t npoints, nruns;
	char **texts;           /* each point's scenario text */
	size_t *value_of;       /* [point * nparams + p]: index of p's value */
	uint64_t *seeds;        /* [rep] */
	uint64_t fingerprint;   /* of the plan: a results file holds one */
};

/* Load and plan; every point's scenario is loaded once to check it, and
 * a value the scenario refuses is reported at its parameter in the study
 * file.  0, or -1 with "FILE:LINE:COL: message". */
int study_load(const char *path, struct study **out, char *err,
    size_t errlen);
/* The same, from a study file's text already read (the fuzz target's
 * way in); path names it in messages, and its folder is where a relative
 * base scenario is looked for. */
int study_load_text(const char *path, const char *text, size_t len,
    struct study **out, char *err, size_t errlen);
void study_free(struct study *st);

/* Run i's point, repetition and seed. */
size_t study_point(const struct study *st, size_t run);
unsigned study_rep(const struct study *st, size_t run);
uint64_t study_seed(const struct study *st, size_t run);

/* Put a value into a scenario text at path: the new text (malloc'd), or
 * NULL with a message (naming the scenario's place when the path fails
 * there).  Exposed for the tests. */
char *study_apply(const char *scenario_path, const char *text, size_t len,
    const char *path, const char *value, char *err, size_t errlen);

#endif
