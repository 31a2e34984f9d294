/*
 * A run.  The order matters for what a user finds after any ending: the
 * results file and its run row exist before the first event, every
 * sampling tick commits a batch, and the run row is closed last with the
 * status that says how it ended ('completed', 'interrupted', 'failed').
 *
 * The progress line is drawn from the kernel's poll hook, which also
 * notices an interruption; the hook reads the wall clock only every
 * POLL_EVERY events, so it costs nothing measurable.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "config.h"
#include "reports/recorder.h"
#include "sim/budget.h"
#include "sim/kernel.h"
#include "sim/run.h"
#include "sim/scenario.h"
#include "sim/units.h"
#include "sim/world.h"

#define POLL_EVERY 65536
#define PROGRESS_PERIOD 0.25  /* seconds of wall time between redraws */

struct progress {
	const struct run_opts *o;
	FILE *errf;
	sb_time end;
	double t0, last_draw;
	int drawn;
};

double
run_wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
fmt_clock(sb_time t, char *buf, size_t len)
{
	int64_t s = t / SB_S;

	snprintf(buf, len, "%02lld:%02lld:%02lld", (long long)(s / 3600),
	    (long long)(s / 60 % 60), (long long)(s % 60));
}

static void
progress_draw(struct progress *pg, struct kernel *k)
{
	double now = run_wall_now(), el = now - pg->t0;
	double frac = pg->end > 0 ? (double)kernel_now(k) / (double)pg->end : 1;
	double rate = el > 0 ? (double)kernel_events_run(k) / el : 0;
	char sim[32], total[32], eta[32];

	fmt_clock(kernel_now(k), sim, sizeof(sim));
	fmt_clock(pg->end, total, sizeof(total));
	if (frac > 0.001 && el > 0)
		fmt_clock((sb_time)(el * (1 - frac) / frac * 1e9), eta,
		    sizeof(eta));
	else
		snprintf(eta, sizeof(eta), "--:--:--");
	fprintf(pg->errf, "\r  sim %s / %s  %5.1f%%  %6.2fM ev/s  ETA %s ",
	    sim, total, 100 * frac, rate / 1e6, eta);
	fflush(pg->errf);
	pg->last_draw = now;
	pg->drawn = 1;
}

static int
poll_cb(void *arg, struct kernel *k)
{
	struct progress *pg = arg;

	if (pg->o->stop != NULL && *pg->o->stop)
		return 1;
	if (pg->o->progress && run_wall_now() - pg->last_draw >= PROGRESS_PERIOD)
		progress_draw(pg, k);
	return 0;
}

int
run_mkdirs(const char *path, char *err, size_t errlen)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return 0;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(buf, 0777) < 0 && errno != EEXIST) {
				snprintf(err, errlen, "%.900s: cannot create: %s",
				    buf, strerror(errno));
				return -1;
			}
			*p = c;
			if (c == '\0')
				break;
		}
	}
	return 0;
}

int
run_check(const char *path, FILE *out, FILE *errf)
{
	struct scenario *sc;
	char err[1024];

	if (scenario_load(path, &sc, err, sizeof(err)) < 0) {
		fprintf(errf, "%s\n", err);
		return RUN_BAD_INPUT;
	}
	if (budget_check(sc, err, sizeof(err)) < 0) {
		fprintf(errf, "%s\n", err);
		scenario_free(sc);
		return RUN_BAD_INPUT;
	}
	fprintf(out, "%s: ok: scenario '%s', %zu PoPs, %zu sites, "
	    "%zu applications, %zu timeline actions, %zu expectations\n",
	    path, sc->name, sc->npops, sc->nsites, sc->napps, sc->ntimeline,
	    sc->nexpects);
	scenario_free(sc);
	return RUN_OK;
}

/* An error for the user (stderr) and for the batch's report. */
static void __attribute__((format(printf, 3, 4)))
say(struct run_result *res, FILE *errf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(errf, fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	vsnprintf(res->error, sizeof(res->error), fmt, ap);
	va_end(ap);
	res->error[strcspn(res->error, "\n")] = '\0';
}

int
run_scenario(const struct run_opts *o, struct run_result *res, FILE *out,
    FILE *errf)
{
	struct scenario *sc = NULL;
	struct recorder *rec = NULL;
	struct kernel *k = NULL;
	struct world *w = NULL;
	struct progress pg;
	char err[1024], dbbuf[4096], t1[64], t2[64];
	const char *db;
	uint64_t seed;
	sb_time end;
	int status = RUN_INTERNAL, stopped, failed;
	double wall;

	memset(res, 0, sizeof(*res));
	if (scenario_load(o->path, &sc, err, sizeof(err)) < 0) {
		say(res, errf, "%s\n", err);
		return RUN_BAD_INPUT;
	}
	/* before anything is built or written: refused, not killed */
	if (budget_check(sc, err, sizeof(err)) < 0) {
		say(res, errf, "%s\n", err);
		status = RUN_BAD_INPUT;
		goto done;
	}
	seed = o->has_seed ? o->seed : sc->seed;
	end = sc->duration;
	if (o->has_until && o->until < end)
		end = o->until;
	db = o->db;
	if (db == NULL) {
		const char *dir = o->out_dir ? o->out_dir : "results";
		if (run_mkdirs(dir, err, sizeof(err)) < 0) {
			say(res, errf, "sasebed: %s\n", err);
			status = RUN_BAD_INPUT;
			goto done;
		}
		snprintf(dbbuf, sizeof(dbbuf), "%s/%s-seed%llu.db", dir,
		    sc->name, (unsigned long long)seed);
		db = dbbuf;
	}
	{
		struct rec_run rr = {
			.scenario = sc->name, .path = sc->path, .seed = seed,
			.version = PACKAGE_VERSION, .duration = sc->duration,
			.sample_interval = sc->sample_interval,
			.start_utc_s = sc->start_utc_s,
			.start_offset_min = sc->start_offset_min,
		};
		rec = recorder_open(db, &rr, err, sizeof(err));
	}
	if (rec != NULL)
		snprintf(res->db, sizeof(res->db), "%s", db);
	if (rec == NULL) {
		say(res, errf, "sasebed: %s\n", err);
		status = RUN_BAD_INPUT;
		goto done;
	}
	k = kernel_new();
	if (k == NULL) {
		say(res, errf, "sasebed: out of memory\n");
		goto fail;
	}
	w = world_new(sc, seed, k, rec, err, sizeof(err));
	if (w == NULL) {
		say(res, errf, "sasebed: %s\n", err);
		goto fail;
	}
	if (o->pcap_dir != NULL &&
	    (run_mkdirs(o->pcap_dir, err, sizeof(err)) < 0 ||
	    world_capture(w, o->pcap_dir, err, sizeof(err)) < 0)) {
		say(res, errf, "sasebed: --pcap: %s\n", err);
		if (rec != NULL)
			recorder_finish(rec, "failed", 0, 0, 0);
		status = RUN_BAD_INPUT;
		goto done;
	}
	if (world_start(w) < 0) {
		say(res, errf, "sasebed: out of memory starting the run\n");
		goto fail;
	}
	memset(&pg, 0, sizeof(pg));
	pg.o = o;
	pg.errf = errf;
	pg.end = end;
	pg.t0 = pg.last_draw = run_wall_now();
	kernel_set_poll(k, POLL_EVERY, poll_cb, &pg);
	if (!o->quiet)
		fprintf(out, "running %s (seed %llu) for %s of simulated time\n",
		    sc->path, (unsigned long long)seed,
		    units_fmt_time(end, t1, sizeof(t1)));
	stopped = kernel_run(k, end);
	wall = run_wall_now() - pg.t0;
	res->wall_s = wall;
	if (pg.drawn)
		fprintf(errf, "\r%*s\r", 70, "");
	if (stopped) {
		sb_time now = kernel_now(k);
		if (world_finish(w, now, 0, NULL) < 0 ||
		    recorder_finish(rec, "interrupted", now,
		    kernel_events_run(k), wall) < 0) {
			say(res, errf, "sasebed: %s\n", recorder_error(rec));
			goto fail;
		}
		say(res, errf, "sasebed: interrupted at %s of simulated time; "
		    "results so far are in %s (run marked interrupted)\n",
		    units_fmt_time(now, t1, sizeof(t1)), db);
		status = 128 + (int)*o->stop;
		goto done;
	}
	failed = world_finish(w, end, 1, o->quiet ? NULL : out);
	if (failed < 0 || recorder_finish(rec, "completed", end,
	    kernel_events_run(k), wall) < 0) {
		say(res, errf, "sasebed: writing results: %s\n",
		    recorder_error(rec));
		goto fail;
	}
	if (!o->quiet) {
		fprintf(out, "simulated %s in %.2f s of wall time "
		    "(%.2fM events/s)\n", units_fmt_time(end, t1, sizeof(t1)),
		    wall, wall > 0 ? (double)kernel_events_run(k) / wall / 1e6 :
		    0.0);
		if (sc->nexpects > 0)
			fprintf(out, "expectations: %zu passed, %d failed\n",
			    sc->nexpects - (size_t)failed, failed);
		fprintf(out, "results: %s\n", db);
	}
	(void)t2;
	status = failed > 0 ? RUN_EXPECT_FAILED : RUN_OK;
	goto done;
fail:
	if (rec != NULL)
		recorder_finish(rec, "failed", k ? kernel_now(k) : 0,
		    k ? kernel_events_run(k) : 0, 0);
	status = RUN_INTERNAL;
done:
	/* The world's sources cancel their kernel events: free it first. */
	world_free(w);
	kernel_free(k);
	recorder_close(rec);
	scenario_free(sc);
	return status;
}
