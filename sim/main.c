/*
 * The sasebed command line.  Parses arguments into run options and hands
 * over to run.c; the only process-wide state in the project lives here: the
 * signal number a SIGINT or SIGTERM handler records, which the run polls so
 * it can close its results cleanly.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "sim/run.h"
#include "sim/units.h"

static volatile sig_atomic_t stop_signal;

static void
on_signal(int sig)
{
	stop_signal = sig;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: sasebed run FILE.yaml [--seed N] [--db PATH] [--out DIR]\n"
	    "                             [--until TIME] [--pcap DIR] [--quiet]\n"
	    "       sasebed check FILE.yaml\n"
	    "       sasebed --help | --version\n"
	    "\n"
	    "  run     simulate a scenario; results go to SQLite\n"
	    "          (default: DIR/NAME-seedN.db, DIR defaults to results)\n"
	    "  check   validate a scenario file without running it\n"
	    "\n"
	    "  --seed N      override the scenario's seed\n"
	    "  --db PATH     the results file (replaced if it exists)\n"
	    "  --out DIR     folder for results (created if needed)\n"
	    "  --until TIME  stop early, e.g. 90s or 1h30m\n"
	    "  --pcap DIR    write a capture per site WAN link and the key log\n"
	    "                that decrypts it (DIR/keys.log)\n"
	    "  --quiet       print only errors\n"
	    "\n"
	    "exit status: 0 every expectation held, 1 an expectation failed,\n"
	    "2 bad input or usage, 3 internal error, 128+N stopped by signal N\n"
	    "(the results so far are kept and the run is marked interrupted).\n"
	    "Documentation: docs/scenario.md, docs/schema.md, sasebed(1).\n");
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
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct run_opts o;
	struct sigaction sa;
	char err[256];
	int c;

	memset(&o, 0, sizeof(o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:d:o:u:p:qh", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 's':
			errno = 0;
			o.seed = strtoull(optarg, &end, 10);
			if (errno || *end != '\0' || optarg[0] == '-' ||
			    optarg[0] == '\0') {
				fprintf(stderr, "sasebed: --seed: '%s' is not a "
				    "non-negative integer\n", optarg);
				return RUN_BAD_INPUT;
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
				return RUN_BAD_INPUT;
			}
			o.has_until = 1;
			break;
		case 'p':
			o.pcap_dir = optarg;
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
	if (optind != argc - 1) {
		fprintf(stderr, "sasebed run: expected one scenario file\n");
		usage(stderr);
		return RUN_BAD_INPUT;
	}
	o.path = argv[optind];
	o.progress = !o.quiet && isatty(STDERR_FILENO);
	o.stop = &stop_signal;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return run_scenario(&o, stdout, stderr);
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
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
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
