/*
 * `sasebed study`: plan, run every run not yet in the study's results
 * file (N at a time, each a `sasebed run` child process writing its own
 * results file, or spread over MPI ranks), merge them in run order, and
 * summarise and report.  A study stopped any way and started again
 * carries on from the runs already merged.
 */
#ifndef SASEBED_STUDY_RUNNER_H
#define SASEBED_STUDY_RUNNER_H

#include <signal.h>
#include <stdio.h>

struct study_opts {
	const char *path;       /* the study file */
	const char *out_dir;    /* NULL: results/NAME */
	const char *db;         /* NULL: OUT/NAME.db */
	unsigned jobs;          /* runs at a time (per rank) */
	int quiet;
	int progress;           /* draw the progress line */
	int no_report;          /* leave out the HTML report */
	const volatile sig_atomic_t *stop;
};

/* An exit status: 0 every run done, 2 bad input, 3 internal error,
 * 128+N stopped by signal N (the runs merged so far are kept). */
int study_main(const struct study_opts *o, FILE *out, FILE *errf);

#endif
