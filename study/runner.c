/*
 * Running a study.  Each run is a child process, `sasebed run POINT.yaml
 * --seed S --db OUT/runs/pP-rR.db --quiet`, so a run is exactly what a
 * user gets by hand, and a crash takes one run down, not the study.  The
 * children die with the parent (PR_SET_PDEATHSIG), so a killed study
 * leaves no run writing behind it.
 *
 * Runs finish in any order but are merged in plan order: a finished run
 * waits until every run before it is merged.  The runs in the results
 * file are then always a prefix of the plan's (less those merged by an
 * earlier start), and -j 1, -j N and a resumed study write the same rows
 * in the same order.
 *
 * Under mpirun, rank k takes the runs i with i mod K = k, merges them
 * into its own file (OUT/ranks/rank-k.db), and rank 0 copies every
 * rank's runs into the study's file, in plan order, at the end.  The
 * output folder must be one that every rank sees (a shared file system,
 * as for mpirun's working directory).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "config.h"
#include "reports/study_report.h"
#include "sim/run.h"
#include "study/db.h"
#include "study/mpi.h"
#include "study/runner.h"
#include "study/study.h"

enum { PENDING = 0, RUNNING, FINISHED, MERGED, SKIPPED };

struct ctx {
	const struct study_opts *o;
	struct study *st;
	FILE *out, *errf;
	char dir[3072];
	char self[PATH_MAX];
	int rank, size;
};

static void
run_db_path(const struct ctx *c, size_t run, char *buf, size_t len)
{
	snprintf(buf, len, "%s/runs/p%zu-r%u.db", c->dir,
	    study_point(c->st, run), study_rep(c->st, run));
}

static void
point_path(const struct ctx *c, size_t point, char *buf, size_t len)
{
	snprintf(buf, len, "%s/points/p%zu.yaml", c->dir, point);
}

/* Write every point's scenario file (through a temporary file and a
 * rename, so that a run never reads half of one). */
static int
write_points(struct ctx *c, char *err, size_t errlen)
{
	char path[4096], tmp[4200];

	for (size_t p = 0; p < c->st->npoints; p++) {
		FILE *f;
		point_path(c, p, path, sizeof(path));
		snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
		if ((f = fopen(tmp, "w")) == NULL ||
		    fputs(c->st->texts[p], f) == EOF || fclose(f) != 0 ||
		    rename(tmp, path) < 0) {
			snprintf(err, errlen, "%.3000s: %s", path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Start run i as a child: its pid, or -1. */
static pid_t
spawn(const struct ctx *c, size_t run)
{
	char point[4096], db[4096], log[4200], seed[32];
	pid_t parent = getpid(), pid;
	int fd;

	point_path(c, study_point(c->st, run), point, sizeof(point));
	run_db_path(c, run, db, sizeof(db));
	snprintf(log, sizeof(log), "%.4090s.log", db);
	snprintf(seed, sizeof(seed), "%llu",
	    (unsigned long long)study_seed(c->st, run));
	fflush(NULL);
	if ((pid = fork()) != 0)
		return pid;
	/* Nothing but system calls between fork and exec. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(126);
	if ((fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0 ||
	    dup2(fd, 2) < 0 || (fd = open("/dev/null", O_RDWR)) < 0 ||
	    dup2(fd, 1) < 0 || dup2(fd, 0) < 0)
		_exit(126);
	execl(c->self, "sasebed", "run", point, "--seed", seed, "--db", db,
	    "--quiet", (char *)NULL);
	_exit(127);
}

/* The first line of a run's log, for a message. */
static void
log_line(const struct ctx *c, size_t run, char *buf, size_t len)
{
	char db[4096], log[4200];
	FILE *f;

	run_db_path(c, run, db, sizeof(db));
	snprintf(log, sizeof(log), "%.4090s.log", db);
	buf[0] = '\0';
	if ((f = fopen(log, "r")) != NULL) {
		if (fgets(buf, (int)len, f) != NULL)
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
}

static void
fmt_eta(double s, char *buf, size_t len)
{
	long t = (long)(s + 0.5);

	snprintf(buf, len, "%02ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
}

static void
progress(const struct ctx *c, size_t done, size_t total, size_t now_done,
    double t0)
{
	double el = run_wall_now() - t0, rate = el > 0 ? now_done / el * 60 : 0;
	char eta[32] = "--:--:--";

	if (!c->o->progress)
		return;
	if (now_done > 0)
		fmt_eta(el / (double)now_done * (double)(total - done), eta,
		    sizeof(eta));
	fprintf(c->errf, "\r  study %s: %zu/%zu runs  %.1f runs/min  ETA %s ",
	    c->st->name, done, total, rate, eta);
	fflush(c->errf);
}

static void
on_tick(int sig)
{
	(void)sig;
}

/* A SIGALRM every second (on) or none (off): it interrupts the wait for
 * a run, so that the progress line moves while long runs go on. */
static void
tick(int on)
{
	struct itimerval it;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on ? on_tick : SIG_DFL;
	sigemptyset(&sa.sa_mask);
	memset(&it, 0, sizeof(it));
	it.it_interval.tv_sec = it.it_value.tv_sec = on ? 1 : 0;
	if (on)
		sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	if (!on)
		sigaction(SIGALRM, &sa, NULL);
}

/*
 * Run the runs whose state is PENDING, o->jobs at a time, merging each
 * into target in plan order.  An exit status.
 */
static int
run_all(struct ctx *c, struct sdb *target, unsigned char *state)
{
	const struct study *st = c->st;
	size_t n = st->nruns, next = 0, merge = 0, running = 0, total = 0,
	    done = 0, now_done = 0;
	unsigned jobs = c->o->jobs ? c->o->jobs : 1;
	pid_t *pid = calloc(n + 1, sizeof(*pid));
	int status = RUN_OK, stopping = 0;
	char err[2048];
	double t0 = run_wall_now();

	if (pid == NULL)
		return RUN_INTERNAL;
	if (c->o->progress)
		tick(1);
	for (size_t i = 0; i < n; i++) {
		total += state[i] != SKIPPED;
		done += state[i] == MERGED;
	}
	progress(c, done, total, 0, t0);
	for (;;) {
		int ws;
		pid_t w;
		size_t i;

		if (c->o->stop != NULL && *c->o->stop && !stopping) {
			stopping = 1;
			for (i = 0; i < n; i++)
				if (state[i] == RUNNING)
					kill(pid[i], SIGTERM);
			status = 128 + (int)*c->o->stop;
		}
		while (!stopping && running < jobs && next < n) {
			if (state[next] != PENDING) {
				next++;
				continue;
			}
			if ((pid[next] = spawn(c, next)) < 0) {
				fprintf(c->errf, "sasebed study: fork: %s\n",
				    strerror(errno));
				status = RUN_INTERNAL;
				stopping = 1;
				break;
			}
			state[next++] = RUNNING;
			running++;
		}
		if (running == 0)
			break;
		if ((w = waitpid(-1, &ws, 0)) < 0) {
			if (errno == EINTR) {
				/* the tick (or a signal): redraw */
				progress(c, done, total, now_done, t0);
				continue;
			}
			status = RUN_INTERNAL;
			break;
		}
		for (i = 0; i < n && !(state[i] == RUNNING && pid[i] == w); i++)
			;
		if (i == n)
			continue;
		running--;
		if (WIFEXITED(ws) && (WEXITSTATUS(ws) == RUN_OK ||
		    WEXITSTATUS(ws) == RUN_EXPECT_FAILED)) {
			state[i] = FINISHED;
			pid[i] = WEXITSTATUS(ws);   /* kept for the merge */
		} else {
			int code = WIFEXITED(ws) ? WEXITSTATUS(ws) :
			    128 + WTERMSIG(ws);
			state[i] = PENDING;
			if (!stopping) {
				char line[1024], db[4096];
				log_line(c, i, line, sizeof(line));
				run_db_path(c, i, db, sizeof(db));
				if (c->o->progress)
					fputc('\n', c->errf);
				fprintf(c->errf, "sasebed study: run %zu (point "
				    "%zu, repetition %u) ended with status %d: "
				    "%s (log: %s.log)\n", i, study_point(st, i),
				    study_rep(st, i), code, line[0] ? line :
				    "no message", db);
				status = code == RUN_BAD_INPUT ? RUN_BAD_INPUT :
				    RUN_INTERNAL;
				stopping = 1;
				for (size_t k = 0; k < n; k++)
					if (state[k] == RUNNING)
						kill(pid[k], SIGTERM);
			}
		}
		while (merge < n && (state[merge] == MERGED ||
		    state[merge] == SKIPPED || state[merge] == FINISHED)) {
			if (state[merge] == FINISHED) {
				char db[4096];
				run_db_path(c, merge, db, sizeof(db));
				if (sdb_merge_run(target, merge, db,
				    (int)pid[merge], err, sizeof(err)) < 0) {
					fprintf(c->errf, "sasebed study: %s\n",
					    err);
					status = RUN_INTERNAL;
					stopping = 1;
					break;
				}
				state[merge] = MERGED;
				done++;
				now_done++;
			}
			merge++;
		}
		progress(c, done, total, now_done, t0);
	}
	if (c->o->progress) {
		tick(0);
		fprintf(c->errf, "\r%*s\r", 72, "");
	}
	free(pid);
	return status;
}

static int
open_target(struct ctx *c, const char *path, struct sdb **s)
{
	char err[4096];
	int bad;

	if ((*s = sdb_open(path, c->st, &bad, err, sizeof(err))) == NULL) {
		fprintf(c->errf, "sasebed study: %s\n", err);
		return bad ? RUN_BAD_INPUT : RUN_INTERNAL;
	}
	return RUN_OK;
}

/*
 * Runs that ranks of an MPI study stopped before the end had finished,
 * in their files under OUT/ranks: merged now, in plan order, so that an
 * MPI study resumes too.  done[] is updated.  An exit status.
 */
static int
salvage(struct ctx *c, struct sdb *s, unsigned char *done)
{
	struct dirent **ents;
	char dir[4200], path[8400], err[4096];
	int n;

	snprintf(dir, sizeof(dir), "%s/ranks", c->dir);
	if ((n = scandir(dir, &ents, NULL, alphasort)) < 0)
		return RUN_OK;
	for (size_t i = 0; i < c->st->nruns; i++)
		for (int k = 0; k < n && !done[i]; k++) {
			const char *nm = ents[k]->d_name;
			size_t l = strlen(nm);
			int rc;
			if (strncmp(nm, "rank-", 5) != 0 || l < 4 ||
			    strcmp(nm + l - 3, ".db") != 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, nm);
			if ((rc = sdb_copy_run(s, path, i, err,
			    sizeof(err))) < 0) {
				fprintf(c->errf, "sasebed study: %s\n", err);
				for (int j = 0; j < n; j++)
					free(ents[j]);
				free(ents);
				return RUN_INTERNAL;
			}
			done[i] = rc == 0;
		}
	for (int j = 0; j < n; j++)
		free(ents[j]);
	free(ents);
	return RUN_OK;
}

/* Print the saturation points found. */
static void
tell(struct ctx *c, struct sdb *s, const char *dbpath)
{
	sqlite3_stmt *q;

	fprintf(c->out, "results: %s\n", dbpath);
	if (sqlite3_prepare_v2((sqlite3 *)sdb_handle(s), "SELECT x.param, "
	    "e.text, x.context, x.value FROM saturation x JOIN "
	    "study_expectations e ON e.idx = x.expectation ORDER BY x.param, "
	    "x.expectation, x.context", -1, &q, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *ctx = (const char *)sqlite3_column_text(q, 2);
		fprintf(c->out, "saturation: %s where %s first fails: %s%s%s%s\n",
		    sqlite3_column_text(q, 0), sqlite3_column_text(q, 1),
		    sqlite3_column_type(q, 3) == SQLITE_NULL ? "never (holds "
		    "at every value)" : (const char *)sqlite3_column_text(q, 3),
		    ctx[0] ? " (" : "", ctx, ctx[0] ? ")" : "");
	}
	sqlite3_finalize(q);
}

int
study_main(const struct study_opts *o, FILE *out, FILE *errf)
{
	struct ctx c;
	struct sdb *s = NULL, *mine = NULL;
	unsigned char *state = NULL;
	char err[4096], dbpath[4096], path[4200];
	int status = RUN_OK, mpi;
	ssize_t l;

	memset(&c, 0, sizeof(c));
	c.o = o;
	c.out = out;
	c.errf = errf;
	mpi = smpi_start(&c.rank, &c.size);
	if (study_load(o->path, &c.st, err, sizeof(err)) < 0) {
		fprintf(errf, "%s\n", err);
		status = RUN_BAD_INPUT;
		goto done;
	}
	if ((l = readlink("/proc/self/exe", c.self, sizeof(c.self) - 1)) < 0) {
		fprintf(errf, "sasebed study: /proc/self/exe: %s\n",
		    strerror(errno));
		status = RUN_INTERNAL;
		goto done;
	}
	c.self[l] = '\0';
	if (o->out_dir != NULL)
		snprintf(c.dir, sizeof(c.dir), "%s", o->out_dir);
	else
		snprintf(c.dir, sizeof(c.dir), "results/%s", c.st->name);
	if (o->db != NULL)
		snprintf(dbpath, sizeof(dbpath), "%s", o->db);
	else
		snprintf(dbpath, sizeof(dbpath), "%s/%s.db", c.dir, c.st->name);
	state = calloc(c.st->nruns, 1);
	if (state == NULL) {
		status = RUN_INTERNAL;
		goto done;
	}
	/* rank 0 prepares the folder and reads what is done; the others
	 * learn both from it */
	if (c.rank == 0) {
		snprintf(path, sizeof(path), "%s/points", c.dir);
		if (run_mkdirs(path, err, sizeof(err)) < 0 ||
		    (snprintf(path, sizeof(path), "%s/runs", c.dir),
		    run_mkdirs(path, err, sizeof(err))) < 0 ||
		    (snprintf(path, sizeof(path), "%s/ranks", c.dir),
		    run_mkdirs(path, err, sizeof(err))) < 0 ||
		    write_points(&c, err, sizeof(err)) < 0) {
			fprintf(errf, "sasebed study: %s\n", err);
			status = RUN_BAD_INPUT;
		} else if ((status = open_target(&c, dbpath, &s)) == RUN_OK &&
		    sdb_done(s, state, err, sizeof(err)) < 0) {
			fprintf(errf, "sasebed study: %s\n", err);
			status = RUN_INTERNAL;
		}
		if (status == RUN_OK)
			status = salvage(&c, s, state);
		for (size_t i = 0; i < c.st->nruns; i++)
			state[i] = state[i] ? MERGED : PENDING;
		if (!o->quiet && status == RUN_OK) {
			size_t left = 0;
			for (size_t i = 0; i < c.st->nruns; i++)
				left += state[i] == PENDING;
			fprintf(out, "study %s: %zu points x %u repetitions = "
			    "%zu runs, %zu to run", c.st->name, c.st->npoints,
			    c.st->reps, c.st->nruns, left);
			if (mpi)
				fprintf(out, " over %d MPI ranks", c.size);
			else
				fprintf(out, ", %u at a time", o->jobs ?
				    o->jobs : 1);
			fputc('\n', out);
		}
	}
	if (mpi) {
		int st0 = status;
		smpi_bcast(&st0, sizeof(st0));
		if (st0 != RUN_OK) {
			status = st0;
			goto done;
		}
		smpi_bcast(state, c.st->nruns);
		for (size_t i = 0; i < c.st->nruns; i++)
			if (state[i] == PENDING && (int)(i % (size_t)c.size) !=
			    c.rank)
				state[i] = SKIPPED;
		snprintf(path, sizeof(path), "%s/ranks/rank-%d.db", c.dir,
		    c.rank);
		unlink(path);
		if ((status = open_target(&c, path, &mine)) == RUN_OK)
			status = run_all(&c, mine, state);
		sdb_close(mine);
		mine = NULL;
		status = smpi_max(status);
		smpi_barrier();
		if (c.rank != 0 || status != RUN_OK)
			goto done;
		/* rank 0 copies every rank's runs, in plan order; its own
		 * marks do not tell which were done before this start */
		{
			unsigned char *before = calloc(c.st->nruns, 1);
			if (before == NULL || sdb_done(s, before, err,
			    sizeof(err)) < 0) {
				free(before);
				status = RUN_INTERNAL;
				goto done;
			}
			for (size_t i = 0; i < c.st->nruns && status == RUN_OK;
			    i++) {
				if (before[i])
					continue;
				snprintf(path, sizeof(path),
				    "%s/ranks/rank-%zu.db", c.dir,
				    i % (size_t)c.size);
				if (sdb_copy_run(s, path, i, err,
				    sizeof(err)) != 0) {
					fprintf(errf, "sasebed study: run %zu "
					    "missing from %s %s\n", i, path,
					    err);
					status = RUN_INTERNAL;
				}
			}
			free(before);
		}
	} else {
		if (status != RUN_OK)
			goto done;
		status = run_all(&c, s, state);
	}
	if (c.rank != 0 || s == NULL)
		goto done;
	if (sdb_summarise(s, err, sizeof(err)) < 0) {
		fprintf(errf, "sasebed study: %s\n", err);
		status = status ? status : RUN_INTERNAL;
		goto done;
	}
	if (status != RUN_OK) {
		if (status >= 128)
			fprintf(errf, "sasebed study: interrupted; the runs "
			    "done are in %s, and the same command carries on "
			    "from them\n", dbpath);
		goto done;
	}
	if (!o->no_report) {
		if (study_report((sqlite3 *)sdb_handle(s), c.dir, err,
		    sizeof(err)) < 0) {
			fprintf(errf, "sasebed study: report: %s\n", err);
			status = RUN_INTERNAL;
		} else if (!o->quiet)
			fprintf(out, "report: %s/index.html\n", c.dir);
	}
	if (!o->quiet)
		tell(&c, s, dbpath);
done:
	sdb_close(s);
	free(state);
	study_free(c.st);
	if (mpi)
		smpi_finish();
	return status;
}
