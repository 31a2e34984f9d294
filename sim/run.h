/*
 * One run of one scenario, from file to results: load, build, simulate with
 * a progress line and interruption, record, judge the expectations.  The
 * CLI (main.c) parses arguments into run_opts; everything else is here so
 * tests and, later, studies can drive runs without a shell.
 */
#ifndef SASEBED_SIM_RUN_H
#define SASEBED_SIM_RUN_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "wan/platform.h"

/* Exit statuses (DESIGN.md), plus the shell's convention for a run stopped
 * by a signal: 128 + the signal number. */
enum {
	RUN_OK = 0,
	RUN_EXPECT_FAILED = 1,
	RUN_BAD_INPUT = 2,
	RUN_INTERNAL = 3,
};

struct run_opts {
	const char *path;
	int has_seed;
	uint64_t seed;
	const char *db;           /* NULL: <out>/<name>-seed<seed>.db */
	const char *out_dir;      /* NULL: "results" */
	const char *pcap_dir;     /* NULL: no captures */
	int has_until;
	sb_time until;
	int progress;             /* draw the progress line (a terminal) */
	int quiet;                /* print only errors */
	/* set asynchronously by a signal handler: the signal number */
	const volatile sig_atomic_t *stop;
};

/* What a run leaves for a batch's report. */
struct run_result {
	char db[4096];            /* its results file; "" if none was made */
	char error[1024];         /* the error it stopped on, or "" */
	double wall_s;
};

int run_scenario(const struct run_opts *o, struct run_result *res,
    FILE *out, FILE *errf);

/* Monotonic wall-clock seconds, for progress lines. */
double run_wall_now(void);

/* mkdir -p: 0, or -1 with a message. */
int run_mkdirs(const char *path, char *err, size_t errlen);

/* sasebed check: load and validate only. */
int run_check(const char *path, FILE *out, FILE *errf);

#endif
