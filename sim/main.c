/*
 * The sasebed command line.  Parses arguments into run options and hands
 * over to run.c; the only process-wide state in the project lives here: the
 * signal number a SIGINT or SIGTERM handler records, which the run polls so
 * it can close its results cleanly.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "emu/emulate.h"
#include "reports/ci.h"
#include "reports/compare.h"
#include "reports/html.h"
#include "reports/recorder.h"
#include "sim/hugepages.h"
#include "sim/run.h"
#include "sim/units.h"
#include "study/runner.h"

static volatile sig_atomic_t stop_signal;

static void
on_signal(int sig)
{
	stop_signal = sig;
}

/* SIGINT and SIGTERM set stop_signal.  No SA_RESTART: a study's wait
 * for its runs returns, and it stops too. */
static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: sasebed run FILE.yaml|DIR... [--seed N] [--db PATH] [--out DIR]\n"
	    "                   [--until TIME] [--pcap DIR] [--junit FILE]\n"
	    "                   [--tap FILE] [--quiet]\n"
	    "                   [--baseline DIR] [--save-baseline DIR]\n"
	    "       sasebed compare BASE NEW [--abs METRIC=VALUE]...\n"
	    "                   [--rel METRIC=PERCENT]... [--only METRIC]...\n"
	    "       sasebed report RUN.db|DIR [--out DIR] [--at TIME]\n"
	    "       sasebed check FILE.yaml\n"
	    "       sasebed study FILE.yaml [-j N] [--out DIR] [--db PATH]\n"
	    "                   [--no-report] [--quiet]\n"
	    "       sasebed emulate FILE.yaml [--db PATH] [--out DIR]\n"
	    "                   [--until TIME] [--pcap DIR] [--hostile TIME]\n"
	    "                   [--quiet]\n"
	    "       sasebed --help | --version\n"
	    "\n"
	    "  run     simulate scenarios (a folder: its *.yaml files, in name\n"
	    "          order); results go to SQLite (default: DIR/NAME-seedN.db,\n"
	    "          DIR defaults to results); the exit status is the worst\n"
	    "  compare compare two results files, or two folders of them,\n"
	    "          metric by metric; exit 1 on a regression\n"
	    "  report  make the HTML report of a results file again (or of\n"
	    "          each in a folder, with an index)\n"
	    "  check   validate a scenario file without running it\n"
	    "  study   run a study: every point of its parameters, repeated,\n"
	    "          into one SQLite file with summaries and a report\n"
	    "          (-j N: N runs at a time; under mpirun: over the ranks;\n"
	    "          started again, it carries on where it stopped)\n"
	    "  emulate run a scenario for real: its Sockets and PoPs as\n"
	    "          daemons in network namespaces (root; docs/emulation.md)\n"
	    "\n"
	    "  --seed N      override the scenario's seed\n"
	    "  --db PATH     the results file (replaced if it exists)\n"
	    "  --out DIR     folder for results (created if needed); with it,\n"
	    "                an HTML report per run (DIR/NAME-seedN/index.html)\n"
	    "                and an index of them (DIR/index.html)\n"
	    "  --until TIME  stop early, e.g. 90s or 1h30m\n"
	    "  --at TIME     report: also draw the network at that simulated\n"
	    "                time, e.g. 15m\n"
	    "  --pcap DIR    write a capture per site WAN link and the key log\n"
	    "                that decrypts it (DIR/keys.log); one scenario only\n"
	    "  --junit FILE  write JUnit XML: a suite per scenario, a case per\n"
	    "                expectation\n"
	    "  --tap FILE    write TAP: a test point per expectation\n"
	    "  --baseline DIR       compare each run with the results file of\n"
	    "                       the same name in DIR; a regression fails\n"
	    "                       the run (--abs and --rel apply)\n"
	    "  --save-baseline DIR  keep each run's results in DIR as the\n"
	    "                       baseline for later runs\n"
	    "  --abs METRIC=VALUE   compare: tolerance in the metric's unit\n"
	    "  --rel METRIC=PERCENT compare: tolerance relative to the base\n"
	    "  --only METRIC        compare: that metric alone (repeatable), e.g.\n"
	    "                       failover-time between a run and an emulation\n"
	    "  -j N          study: N runs at a time (default 1)\n"
	    "  --no-report   study: no HTML report\n"
	    "  --quiet       print only errors\n"
	    "\n"
	    "exit status: 0 every expectation held (compare: nothing regressed),\n"
	    "1 an expectation failed (compare: a regression), 2 bad input or\n"
	    "usage, 3 internal error, 128+N stopped by signal N (the results so\n"
	    "far are kept and the run is marked interrupted).\n"
	    "Documentation: docs/scenario.md, docs/schema.md, docs/reports.md,\n"
	    "docs/studies.md, "
	    "sasebed(1).\n");
}

/* The scenario files an argument names: itself, or a folder's *.yaml in
 * name order.  Appends to *v; -1 with a message if a folder cannot be read
 * or holds no scenario, since running nothing would pass a CI job. */
static int
collect(const char *arg, char ***v, size_t *n)
{
	struct dirent **ents;
	struct stat st;
	size_t before = *n;
	int m;

	if (stat(arg, &st) < 0 || !S_ISDIR(st.st_mode)) {
		char **nv = realloc(*v, (*n + 1) * sizeof(**v));
		if (nv == NULL || (nv[*n] = strdup(arg)) == NULL)
			return -1;
		*v = nv;
		(*n)++;
		return 0;
	}
	if ((m = scandir(arg, &ents, NULL, alphasort)) < 0) {
		fprintf(stderr, "sasebed: %s: %s\n", arg, strerror(errno));
		return -1;
	}
	for (int i = 0; i < m; i++) {
		size_t l = strlen(ents[i]->d_name);
		if (l > 5 && strcmp(ents[i]->d_name + l - 5, ".yaml") == 0) {
			char **nv = realloc(*v, (*n + 1) * sizeof(**v));
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", arg,
			    ents[i]->d_name);
			if (nv != NULL)
				*v = nv;
			if (nv == NULL || (nv[*n] = strdup(path)) == NULL)
				m = -1;
			else
				(*n)++;
		}
		free(ents[i]);
	}
	free(ents);
	if (m < 0)
		return -1;
	if (*n == before) {
		fprintf(stderr, "sasebed: %s: no .yaml files\n", arg);
		return -1;
	}
	return 0;
}

/* Worse of two exit statuses: a signal, then internal, bad input, failed
 * expectation, success. */
static int
worse(int a, int b)
{
	return a > b ? a : b;
}

/*
 * The report of the results file db into the folder beside it named like
 * it (or into dir if given), with the network at at_ns if it is >= 0.  An
 * exit status, with the message printed.  *w is the writer, made on first
 * use and kept for the rest of the process (see html_new).
 */
static int
report_one(struct html **w, const char *db, const char *dir, int64_t at_ns,
    int quiet)
{
	char out[4096], err[4096];
	size_t l = strlen(db);
	int rc;

	if (dir == NULL) {
		if (l < 4 || strcmp(db + l - 3, ".db") != 0) {
			fprintf(stderr, "sasebed: %s: a results file ends in "
			    ".db; give --out DIR\n", db);
			return RUN_BAD_INPUT;
		}
		snprintf(out, sizeof(out), "%.*s", (int)(l - 3), db);
		dir = out;
	}
	if ((*w == NULL && (*w = html_new(err, sizeof(err))) == NULL) ||
	    run_mkdirs(dir, err, sizeof(err)) < 0) {
		fprintf(stderr, "sasebed: report: %s\n", err);
		return RUN_INTERNAL;
	}
	/* a run killed mid-way says 'running' until someone looks */
	if ((rc = recorder_recover(db, err, sizeof(err))) < 0)
		fprintf(stderr, "sasebed: report: %s\n", err);
	else if (rc > 0)
		fprintf(stderr, "sasebed: report: %s: its run was killed before "
		    "it ended; marked interrupted\n", db);
	if ((rc = html_report(*w, db, dir, at_ns, err, sizeof(err))) < 0) {
		fprintf(stderr, "sasebed: report: %s\n", err);
		return rc == -2 ? RUN_BAD_INPUT : RUN_INTERNAL;
	}
	if (!quiet)
		printf("report: %s/index.html\n", dir);
	return RUN_OK;
}

static int
report_index(const char *dir)
{
	char err[4096];

	if (html_index(dir, err, sizeof(err)) < 0) {
		fprintf(stderr, "sasebed: report: %s\n", err);
		return -1;
	}
	return 0;
}

static int
cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "at", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	struct html *w = NULL;
	struct stat st;
	sb_time at = -1;
	char err[256];
	int c, status = RUN_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:a:h", opts, NULL)) != -1) {
		if (c == 'o')
			out = optarg;
		else if (c == 'a') {
			if (units_time(optarg, &at, err, sizeof(err)) < 0) {
				fprintf(stderr, "sasebed report: --at: %s\n",
				    err);
				return RUN_BAD_INPUT;
			}
		} else {
			usage(c == 'h' ? stdout : stderr);
			return c == 'h' ? RUN_OK : RUN_BAD_INPUT;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "sasebed report: expected one results file "
		    "or folder\n");
		return RUN_BAD_INPUT;
	}
	if (stat(argv[optind], &st) < 0) {
		fprintf(stderr, "sasebed report: %s: %s\n", argv[optind],
		    strerror(errno));
		return RUN_BAD_INPUT;
	}
	if (!S_ISDIR(st.st_mode)) {
		status = report_one(&w, argv[optind], out, at, 0);
		html_free(w);
		return status;
	}
	if (out != NULL) {
		fprintf(stderr, "sasebed report: a folder's reports go beside "
		    "its results files; --out is for one file\n");
		return RUN_BAD_INPUT;
	}
	/* a folder: each results file's report beside it, then the index */
	struct dirent **ents;
	int n = scandir(argv[optind], &ents, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "sasebed report: %s: %s\n", argv[optind],
		    strerror(errno));
		return RUN_BAD_INPUT;
	}
	for (int i = 0; i < n; i++) {
		size_t l = strlen(ents[i]->d_name);
		if (l > 3 && strcmp(ents[i]->d_name + l - 3, ".db") == 0) {
			char db[4096];
			snprintf(db, sizeof(db), "%s/%s", argv[optind],
			    ents[i]->d_name);
			status = worse(status, report_one(&w, db, NULL, at,
			    0));
		}
		free(ents[i]);
	}
	free(ents);
	html_free(w);
	if (report_index(argv[optind]) < 0)
		status = worse(status, RUN_INTERNAL);
	return status;
}

/* --abs or --rel: a tolerance for compare. */
static int
tolerance(struct compare *cmp, const char *spec, int relative)
{
	char err[512];

	if (compare_tolerance(cmp, spec, relative, err, sizeof(err)) < 0) {
		fprintf(stderr, "sasebed: --%s %s\n", relative ? "rel" : "abs",
		    err);
		return -1;
	}
	return 0;
}

/*
 * After a run: keep its results as the baseline, or hold them against the
 * baseline.  Returns the run's status made worse by what was found.
 */
static int
baseline(struct compare *cmp, const char *db, const char *save,
    const char *base, int status)
{
	const char *name = strrchr(db, '/') ? strrchr(db, '/') + 1 : db;
	char path[8200], err[4096];
	int reg;

	if (save != NULL) {
		snprintf(path, sizeof(path), "%s/%s", save, name);
		if (run_mkdirs(save, err, sizeof(err)) < 0 ||
		    compare_save(db, path, err, sizeof(err)) < 0) {
			fprintf(stderr, "sasebed: %s\n", err);
			return worse(status, RUN_INTERNAL);
		}
		printf("baseline: %s\n", path);
	}
	if (base == NULL)
		return status;
	snprintf(path, sizeof(path), "%s/%s", base, name);
	if (access(path, F_OK) < 0) {
		fprintf(stderr, "sasebed: %s: no baseline (record one with "
		    "--save-baseline %s)\n", path, base);
		return worse(status, RUN_BAD_INPUT);
	}
	reg = compare_paths(cmp, path, db, stdout, err, sizeof(err));
	if (reg < 0) {
		fprintf(stderr, "sasebed: %s\n", err);
		return worse(status, RUN_BAD_INPUT);
	}
	return worse(status, reg > 0 ? RUN_EXPECT_FAILED : RUN_OK);
}

static int
cmd_compare(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "abs", required_argument, NULL, 'a' },
		{ "rel", required_argument, NULL, 'r' },
		{ "only", required_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct compare *cmp = compare_new();
	char err[4096];
	int c, reg;

	if (cmp == NULL)
		return RUN_INTERNAL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "a:r:h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			compare_free(cmp);
			return RUN_OK;
		}
		if (c == 'O') {
			if (compare_only(cmp, optarg, err, sizeof(err)) < 0) {
				fprintf(stderr, "sasebed compare: %s\n", err);
				compare_free(cmp);
				return RUN_BAD_INPUT;
			}
			continue;
		}
		if (c == '?' || tolerance(cmp, optarg, c == 'r') < 0) {
			compare_free(cmp);
			return RUN_BAD_INPUT;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "sasebed compare: expected BASE and NEW, two "
		    "results files or two folders\n");
		compare_free(cmp);
		return RUN_BAD_INPUT;
	}
	reg = compare_paths(cmp, argv[optind], argv[optind + 1], stdout, err,
	    sizeof(err));
	compare_free(cmp);
	if (reg < 0) {
		fprintf(stderr, "sasebed compare: %s\n", err);
		return RUN_BAD_INPUT;
	}
	return reg > 0 ? RUN_EXPECT_FAILED : RUN_OK;
}

/* Write a report file with one of ci's writers; -1 on failure. */
static int
write_report(const struct ci *ci, const char *path,
    int (*w)(const struct ci *, FILE *))
{
	FILE *f = fopen(path, "w");

	if (f == NULL || w(ci, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "sasebed: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "db", required_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ "until", required_argument, NULL, 'u' },
		{ "pcap", required_argument, NULL, 'p' },
		{ "junit", required_argument, NULL, 'j' },
		{ "tap", required_argument, NULL, 't' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "save-baseline", required_argument, NULL, 'B' },
		{ "abs", required_argument, NULL, 'a' },
		{ "rel", required_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct run_opts o;
	struct run_result res;
	const char *junit = NULL, *tap = NULL, *base = NULL, *save = NULL;
	struct compare *cmp = compare_new();
	struct html *w = NULL;
	char err[256], **paths = NULL;
	size_t npaths = 0;
	struct ci *ci = NULL;
	int c, status = RUN_OK;

	if (cmp == NULL)
		return RUN_INTERNAL;
	memset(&o, 0, sizeof(o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:d:o:u:p:j:t:b:B:a:r:qh", opts,
	    NULL)) != -1) {
		char *end;
		switch (c) {
		case 's':
			errno = 0;
			o.seed = strtoull(optarg, &end, 10);
			if (errno || *end != '\0' || optarg[0] == '-' ||
			    optarg[0] == '\0') {
				fprintf(stderr, "sasebed: --seed: '%s' is not a "
				    "non-negative integer\n", optarg);
				status = RUN_BAD_INPUT;
				goto out;
			}
			o.has_seed = 1;
			break;
		case 'd':
			o.db = optarg;
			break;
		case 'o':
			o.out_dir = optarg;
			break;
		case 'u':
			if (units_time(optarg, &o.until, err, sizeof(err)) < 0) {
				fprintf(stderr, "sasebed: --until: %s\n", err);
				status = RUN_BAD_INPUT;
				goto out;
			}
			o.has_until = 1;
			break;
		case 'p':
			o.pcap_dir = optarg;
			break;
		case 'j':
			junit = optarg;
			break;
		case 't':
			tap = optarg;
			break;
		case 'b':
			base = optarg;
			break;
		case 'B':
			save = optarg;
			break;
		case 'a':
		case 'r':
			if (tolerance(cmp, optarg, c == 'r') < 0) {
				status = RUN_BAD_INPUT;
				goto out;
			}
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 'h':
			usage(stdout);
			status = RUN_OK;
			goto out;
		default:
			usage(stderr);
			status = RUN_BAD_INPUT;
			goto out;
		}
	}
	if (optind == argc) {
		fprintf(stderr, "sasebed run: expected a scenario file or "
		    "folder\n");
		usage(stderr);
		status = RUN_BAD_INPUT;
		goto out;
	}
	for (int i = optind; i < argc; i++)
		if (collect(argv[i], &paths, &npaths) < 0) {
			status = RUN_BAD_INPUT;
			goto out;
		}
	if (npaths > 1 && (o.db != NULL || o.pcap_dir != NULL)) {
		fprintf(stderr, "sasebed run: --db and --pcap take one "
		    "scenario, not %zu\n", npaths);
		status = RUN_BAD_INPUT;
		goto out;
	}
	if ((junit != NULL || tap != NULL) && (ci = ci_new()) == NULL) {
		status = RUN_INTERNAL;
		goto out;
	}
	o.progress = !o.quiet && isatty(STDERR_FILENO);
	o.stop = &stop_signal;
	catch_signals();
	for (size_t i = 0; i < npaths && status < 128; i++) {
		int rc;

		o.path = paths[i];
		rc = run_scenario(&o, &res, stdout, stderr);
		if (res.db[0] != '\0' && rc < RUN_BAD_INPUT)
			rc = baseline(cmp, res.db, save, base, rc);
		/* the report beside its results in --out; or, with the
		 * results written elsewhere (--db), in --out itself */
		if (res.db[0] != '\0' && o.out_dir != NULL && rc < 128)
			rc = worse(rc, report_one(&w, res.db, o.db != NULL ?
			    o.out_dir : NULL, -1, o.quiet));
		status = worse(status, rc);
		if (ci != NULL && ci_add(ci, paths[i], res.db[0] ? res.db : NULL,
		    res.error[0] ? res.error : NULL, res.wall_s, err,
		    sizeof(err)) < 0)
			fprintf(stderr, "sasebed: %s\n", err);
	}
	if (o.out_dir != NULL && o.db == NULL && npaths > 0 &&
	    report_index(o.out_dir) < 0)
		status = worse(status, RUN_INTERNAL);
	if (junit != NULL && write_report(ci, junit, ci_write_junit) < 0)
		status = worse(status, RUN_INTERNAL);
	if (tap != NULL && write_report(ci, tap, ci_write_tap) < 0)
		status = worse(status, RUN_INTERNAL);
out:
	html_free(w);
	compare_free(cmp);
	ci_free(ci);
	for (size_t i = 0; i < npaths; i++)
		free(paths[i]);
	free(paths);
	return status;
}

static int
cmd_study(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "jobs", required_argument, NULL, 'j' },
		{ "out", required_argument, NULL, 'o' },
		{ "db", required_argument, NULL, 'd' },
		{ "no-report", no_argument, NULL, 'R' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct study_opts o;
	int c;

	memset(&o, 0, sizeof(o));
	o.jobs = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "j:o:d:qh", opts, NULL)) != -1) {
		char *end;
		unsigned long j;
		switch (c) {
		case 'j':
			errno = 0;
			j = strtoul(optarg, &end, 10);
			if (errno || *end != '\0' || j < 1 || j > 1024 ||
			    optarg[0] == '-') {
				fprintf(stderr, "sasebed study: -j: '%s' is not "
				    "a number of runs from 1 to 1024\n", optarg);
				return RUN_BAD_INPUT;
			}
			o.jobs = (unsigned)j;
			break;
		case 'o':
			o.out_dir = optarg;
			break;
		case 'd':
			o.db = optarg;
			break;
		case 'R':
			o.no_report = 1;
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return RUN_OK;
		default:
			usage(stderr);
			return RUN_BAD_INPUT;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "sasebed study: expected one study file\n");
		return RUN_BAD_INPUT;
	}
	o.path = argv[optind];
	o.progress = !o.quiet && isatty(STDERR_FILENO);
	o.stop = &stop_signal;
	catch_signals();
	return study_main(&o, stdout, stderr);
}

/* A time option of a command: 0, or -1 having said why. */
static int
opt_time(const char *what, const char *arg, sb_time *out)
{
	char err[256];

	if (units_time(arg, out, err, sizeof(err)) < 0) {
		fprintf(stderr, "sasebed %s: %s\n", what, err);
		return -1;
	}
	if (*out <= 0) {
		fprintf(stderr, "sasebed %s: '%s': expected a time after 0\n",
		    what, arg);
		return -1;
	}
	return 0;
}

static int
cmd_emulate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "db", required_argument, NULL, 'd' },
		{ "until", required_argument, NULL, 'u' },
		{ "pcap", required_argument, NULL, 'p' },
		{ "hostile", required_argument, NULL, 'H' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct emulate_opts o;
	int c;

	memset(&o, 0, sizeof(o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:d:u:p:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o.out_dir = optarg;
			break;
		case 'd':
			o.db = optarg;
			break;
		case 'u':
			if (opt_time("emulate: --until", optarg, &o.until) < 0)
				return RUN_BAD_INPUT;
			break;
		case 'p':
			o.pcap_dir = optarg;
			break;
		case 'H':
			if (opt_time("emulate: --hostile", optarg,
			    &o.hostile) < 0)
				return RUN_BAD_INPUT;
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return RUN_OK;
		default:
			usage(stderr);
			return RUN_BAD_INPUT;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "sasebed emulate: expected one scenario file\n");
		return RUN_BAD_INPUT;
	}
	o.path = argv[optind];
	o.stop = &stop_signal;
	catch_signals();
	return emulate_run(&o, stdout, stderr);
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return RUN_BAD_INPUT;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return RUN_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("sasebed %s\n", PACKAGE_VERSION);
		return RUN_OK;
	}
	/* the simulating commands: huge pages for a large world's heap */
	if (strcmp(argv[1], "run") == 0 || strcmp(argv[1], "study") == 0)
		hugepages_exec(argv);
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "report") == 0)
		return cmd_report(argc - 1, argv + 1);
	if (strcmp(argv[1], "compare") == 0)
		return cmd_compare(argc - 1, argv + 1);
	if (strcmp(argv[1], "study") == 0)
		return cmd_study(argc - 1, argv + 1);
	if (strcmp(argv[1], "emulate") == 0)
		return cmd_emulate(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0) {
		if (argc != 3) {
			fprintf(stderr, "sasebed check: expected one scenario "
			    "file\n");
			return RUN_BAD_INPUT;
		}
		return run_check(argv[2], stdout, stderr);
	}
	fprintf(stderr, "sasebed: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return RUN_BAD_INPUT;
}
