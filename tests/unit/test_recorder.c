/*
 * The recorder, read back through SQLite itself: every kind of row and
 * the views, status from 'running' to finished, WAL mode, an old file
 * replaced, batches visible to a reader only once committed, an unfinished
 * run left 'running' with its committed rows intact, and a writer that
 * dies (exits without closing, or is killed) leaving a sound file.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "reports/recorder.h"
#include "tests/unit/check_main.h"

struct tmp {
	char dir[256];
	char db[300];
};

static void
tmp_make(struct tmp *t)
{
	const char *base = getenv("TMPDIR");

	snprintf(t->dir, sizeof(t->dir), "%s/sasebed-rec-XXXXXX",
	    base != NULL && *base != '\0' ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
	snprintf(t->db, sizeof(t->db), "%s/run.db", t->dir);
}

static void
tmp_remove(struct tmp *t)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char buf[320];

	for (size_t i = 0; i < sizeof(suffix) / sizeof(*suffix); i++) {
		snprintf(buf, sizeof(buf), "%s%s", t->db, suffix[i]);
		unlink(buf);
	}
	rmdir(t->dir);
}

static const struct rec_run RUN = {
	.scenario = "mumbai-us-peak", .path = "scenarios/mumbai-us-peak.yaml",
	.seed = 42, .version = "0.1-test", .duration = 5 * SB_HOUR,
	.sample_interval = SB_S,
	.start_utc_s = 1700000000 - 1700000000 % 86400 + 12 * 3600, /* 12:00 */
	.start_offset_min = 330,	/* written in IST: local 17:30 */
};

static sqlite3 *
db_open(const char *path)
{
	sqlite3 *db = NULL;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

/* The first column of the first row; *isnull says whether it was NULL. */
static sqlite3_stmt *
q_row(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;

	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	ck_assert_msg(sqlite3_step(st) == SQLITE_ROW, "%s: no row", sql);
	return st;
}

static int64_t
q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = q_row(db, sql);
	int64_t v = sqlite3_column_int64(st, 0);

	sqlite3_finalize(st);
	return v;
}

static double
q_real(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = q_row(db, sql);
	double v = sqlite3_column_double(st, 0);

	sqlite3_finalize(st);
	return v;
}

static int
q_null(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = q_row(db, sql);
	int v = sqlite3_column_type(st, 0) == SQLITE_NULL;

	sqlite3_finalize(st);
	return v;
}

static char *
q_text(sqlite3 *db, const char *sql, char *buf, size_t len)
{
	sqlite3_stmt *st = q_row(db, sql);
	const unsigned char *s = sqlite3_column_text(st, 0);

	snprintf(buf, len, "%s", s != NULL ? (const char *)s : "(null)");
	sqlite3_finalize(st);
	return buf;
}

static struct recorder *
rec_open(const char *path, const struct rec_run *run)
{
	char err[512];
	struct recorder *r = recorder_open(path, run, err, sizeof(err));

	ck_assert_msg(r != NULL, "recorder_open: %s", err);
	return r;
}

static void
put_samples(struct recorder *r, sb_time t, int nflows)
{
	for (int f = 0; f < nflows; f++) {
		struct rec_flow_sample s = {
			.flow = f, .t = t, .sent = 100, .delivered = 99,
			.dropped = 1, .bytes = 99 * 1000, .loss = 0.01,
			.latency_mean = 120.5e6, .jitter = 1.5e6,
			.throughput_bps = 792000,
			.latency_p50 = 118 * SB_MS, .latency_p95 = 140 * SB_MS,
			.latency_p99 = 150 * SB_MS,
		};
		ck_assert_int_eq(recorder_flow_sample(r, &s), 0);
	}
}

static void
put_topology(struct recorder *r)
{
	struct rec_node n[2] = {
		{ 0, "mum", "pop", "Mumbai", 19.07, 72.88, NULL },
		{ 1, "mumbai-branch", "site", "Mumbai", 19.07, 72.88, "mum" },
	};
	struct rec_link l = {
		.id = 3, .name = "mumbai-branch/wan1:up", .kind = "access",
		.src = "mumbai-branch", .dst = "mum",
		.bandwidth_bps = 100000000, .queue_bytes = 125000,
		.delay = 2 * SB_MS, .loss_expected = 0.001, .profile = NULL,
	};
	struct rec_flow f = {
		.id = 0, .name = "erp-backbone", .kind = "udp-cbr",
		.src = "mumbai-branch", .dst = "ashburn-dc", .via = "backbone",
		.rate_bps = 800000, .packet_bytes = 1000,
	};

	ck_assert_int_eq(recorder_node(r, &n[0]), 0);
	ck_assert_int_eq(recorder_node(r, &n[1]), 0);
	ck_assert_int_eq(recorder_link(r, &l), 0);
	ck_assert_int_eq(recorder_flow(r, &f), 0);
}

START_TEST(test_roundtrip)
{
	struct tmp t;
	struct recorder *r;
	sqlite3 *db;
	char buf[256];

	tmp_make(&t);
	r = rec_open(t.db, &RUN);
	put_topology(r);
	put_samples(r, SB_S, 1);
	{
		/* an interval with nothing delivered: no latency, not 0 */
		struct rec_flow_sample s = {
			.flow = 0, .t = 2 * SB_S, .sent = 100, .dropped = 100,
			.loss = 1.0, .latency_p50 = -1, .latency_p95 = -1,
			.latency_p99 = -1, .jitter = 1.5e6,
		};
		ck_assert_int_eq(recorder_flow_sample(r, &s), 0);
	}
	{
		struct rec_link_sample s = {
			.link = 3, .t = SB_S, .packets = 1000,
			.bytes = 1000000, .drops_queue = 1, .drops_loss = 2,
			.drops_down = 3, .loss = 6.0 / 1006,
			.delay_mean = 2.5e6, .throughput_bps = 8e6,
			.utilisation = 0.08, .queue_bytes = 1500,
			.queue_max = 9000, .up = 1,
		};
		ck_assert_int_eq(recorder_link_sample(r, &s), 0);
	}
	{
		/* a window whose probes were all lost: no latency, no
		 * jitter, one-way loss unknown; then one that measured */
		struct rec_link_health h = {
			.t = 10 * SB_S, .site = "mumbai-branch",
			.link = "wan1", .pop = "mum", .probes = 900,
			.answered = 0, .loss = 1, .loss_up = NAN,
			.loss_down = NAN, .latency = -1, .jitter = -1,
			.verdict = "loss+silent", .state = "unhealthy",
		};
		ck_assert_int_eq(recorder_link_health(r, &h), 0);
		h.t = 20 * SB_S;
		h.answered = 891;
		h.loss = h.loss_up = 0.01;
		h.loss_down = 0;
		h.latency = 4 * SB_MS;
		h.jitter = 0;
		h.verdict = "ok";
		h.state = "healthy";
		ck_assert_int_eq(recorder_link_health(r, &h), 0);
	}
	{
		struct sb_event ev = { "link-down", "mumbai-branch",
		    "mumbai-branch/wan1", NULL, 1.5 };
		ck_assert_int_eq(recorder_event(r, 90 * SB_MIN, &ev), 0);
	}
	ck_assert_int_eq(recorder_metric(r, "flow", "erp-backbone",
	    "latency-p95", 140e6, "ns"), 0);
	{
		struct rec_expect e = {
			.idx = 0, .line = 91, .col = 5,
			.text = "flow erp-backbone loss below 1%",
			.subject = "flow erp-backbone", .metric = "loss",
			.op = "below", .bound = 0.01, .measured = NAN,
			.status = "no-data", .message = "no packet",
		};
		ck_assert_int_eq(recorder_expect(r, &e), 0);
	}
	ck_assert_int_eq(recorder_commit(r), 0);
	ck_assert_int_eq(recorder_finish(r, "completed", 5 * SB_HOUR, 123456,
	    1.25), 0);
	recorder_close(r);

	db = db_open(t.db);
	ck_assert_str_eq(q_text(db, "SELECT status FROM runs", buf,
	    sizeof(buf)), "completed");
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM runs"), 1);
	ck_assert_int_eq(q_int(db, "SELECT id FROM runs"), 1);
	ck_assert_int_eq(q_int(db, "SELECT seed FROM runs"), 42);
	ck_assert_str_eq(q_text(db, "SELECT version FROM runs", buf,
	    sizeof(buf)), "0.1-test");
	ck_assert_int_eq(q_int(db, "SELECT reached_ns FROM runs"),
	    5 * SB_HOUR);
	ck_assert_int_eq(q_int(db, "SELECT duration_ns FROM runs"),
	    5 * SB_HOUR);
	ck_assert_int_eq(q_int(db, "SELECT events FROM runs"), 123456);
	ck_assert(q_real(db, "SELECT wall_s FROM runs") == 1.25);
	ck_assert_int_eq(q_int(db, "SELECT start_offset_min FROM runs"), 330);
	/* started and finished are UTC ISO times, finished not before */
	ck_assert_int_eq(q_int(db, "SELECT started GLOB "
	    "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*Z' FROM runs"), 1);
	ck_assert_int_eq(q_int(db, "SELECT finished >= started FROM runs"), 1);

	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM nodes"), 2);
	ck_assert(q_null(db, "SELECT pop FROM nodes WHERE id = 0"));
	ck_assert_str_eq(q_text(db, "SELECT pop FROM nodes WHERE id = 1", buf,
	    sizeof(buf)), "mum");
	ck_assert(q_real(db, "SELECT lat FROM nodes WHERE id = 1") == 19.07);
	ck_assert_int_eq(q_int(db, "SELECT bandwidth_bps FROM links"),
	    100000000);
	ck_assert_int_eq(q_int(db, "SELECT delay_ns FROM links"), 2000000);
	ck_assert(q_null(db, "SELECT profile FROM links"));
	ck_assert_int_eq(q_int(db, "SELECT packet_bytes FROM flows"), 1000);

	ck_assert_int_eq(q_int(db, "SELECT latency_p95_ns FROM flow_samples "
	    "WHERE t_ns = 1000000000"), 140 * SB_MS);
	ck_assert(q_real(db, "SELECT latency_mean_ns FROM flow_samples "
	    "WHERE t_ns = 1000000000") == 120.5e6);
	ck_assert(q_null(db, "SELECT latency_p50_ns FROM flow_samples "
	    "WHERE t_ns = 2000000000"));
	ck_assert(q_null(db, "SELECT latency_p99_ns FROM flow_samples "
	    "WHERE t_ns = 2000000000"));
	ck_assert(q_null(db, "SELECT latency_mean_ns FROM flow_samples "
	    "WHERE t_ns = 2000000000"));
	ck_assert(q_real(db, "SELECT loss FROM flow_samples "
	    "WHERE t_ns = 2000000000") == 1.0);
	ck_assert_int_eq(q_int(db, "SELECT drops_down FROM link_samples"), 3);
	ck_assert_int_eq(q_int(db, "SELECT queue_max FROM link_samples"),
	    9000);
	ck_assert_int_eq(q_int(db, "SELECT up FROM link_samples"), 1);

	ck_assert_str_eq(q_text(db, "SELECT kind FROM events", buf,
	    sizeof(buf)), "link-down");
	ck_assert(q_null(db, "SELECT detail FROM events"));
	ck_assert(q_real(db, "SELECT value FROM metrics") == 140e6);
	ck_assert_str_eq(q_text(db, "SELECT unit FROM metrics", buf,
	    sizeof(buf)), "ns");
	ck_assert(q_null(db, "SELECT measured FROM expectations"));
	/* unknown is NULL, never -1 or NaN; a measured 0 stays 0 */
	ck_assert(q_null(db, "SELECT latency_ns FROM link_health "
	    "WHERE t_ns = 10e9"));
	ck_assert(q_null(db, "SELECT jitter_ns FROM link_health "
	    "WHERE t_ns = 10e9"));
	ck_assert(q_null(db, "SELECT loss_up FROM link_health "
	    "WHERE t_ns = 10e9"));
	ck_assert(q_real(db, "SELECT loss FROM link_health "
	    "WHERE t_ns = 10e9") == 1);
	ck_assert_int_eq(q_int(db, "SELECT latency_ns FROM link_health "
	    "WHERE t_ns = 20e9"), 4000000);
	ck_assert_int_eq(q_int(db, "SELECT jitter_ns IS 0 FROM link_health "
	    "WHERE t_ns = 20e9"), 1);
	ck_assert_str_eq(q_text(db, "SELECT verdict || ' ' || state FROM "
	    "link_health WHERE t_ns = 10e9", buf, sizeof(buf)),
	    "loss+silent unhealthy");
	ck_assert_int_eq(q_int(db, "SELECT line FROM expectations"), 91);
	ck_assert_str_eq(q_text(db, "SELECT status FROM expectations", buf,
	    sizeof(buf)), "no-data");

	/* the views: names, seconds and the scenario's clock (12:00 UTC
	 * written as IST, +5:30, so t = 1 s reads 17:30:01) */
	ck_assert_str_eq(q_text(db, "SELECT flow FROM v_flow_samples "
	    "WHERE t_s = 1", buf, sizeof(buf)), "erp-backbone");
	ck_assert_str_eq(q_text(db, "SELECT time(local_time) FROM "
	    "v_flow_samples WHERE t_ns = 1000000000", buf, sizeof(buf)),
	    "17:30:01");
	ck_assert(q_real(db, "SELECT latency_p95_ms FROM v_flow_samples "
	    "WHERE t_s = 1") == 140.0);
	ck_assert_str_eq(q_text(db, "SELECT link FROM v_link_samples", buf,
	    sizeof(buf)), "mumbai-branch/wan1:up");
	ck_assert_str_eq(q_text(db, "SELECT local_time FROM v_link_samples",
	    buf, sizeof(buf)), "2023-11-14 17:30:01");
	ck_assert_str_eq(q_text(db, "SELECT time(local_time) FROM v_events",
	    buf, sizeof(buf)), "19:00:00");
	ck_assert(q_real(db, "SELECT t_s FROM v_events") == 5400.0);
	ck_assert_int_eq(q_int(db, "PRAGMA user_version"), 2);
	sqlite3_close(db);
	tmp_remove(&t);
}
END_TEST

START_TEST(test_wal_and_batches)
{
	struct tmp t;
	struct recorder *r;
	sqlite3 *db;
	char buf[64];

	tmp_make(&t);
	r = rec_open(t.db, &RUN);
	db = db_open(t.db);
	ck_assert_str_eq(q_text(db, "PRAGMA journal_mode", buf, sizeof(buf)),
	    "wal");
	/* the run's row is committed by open, before any batch */
	ck_assert_str_eq(q_text(db, "SELECT status FROM runs", buf,
	    sizeof(buf)), "running");
	ck_assert(q_null(db, "SELECT finished FROM runs"));
	ck_assert(q_null(db, "SELECT reached_ns FROM runs"));
	put_topology(r);
	put_samples(r, SB_S, 1);
	/* written, not committed: a reader does not see it */
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM flow_samples"), 0);
	ck_assert_int_eq(recorder_commit(r), 0);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM flow_samples"), 1);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM v_flow_samples"), 1);
	put_samples(r, 2 * SB_S, 1);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM flow_samples"), 1);
	/* finish commits the last batch together with the status */
	ck_assert_int_eq(recorder_finish(r, "interrupted", 2 * SB_S, 10, 0.5),
	    0);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM flow_samples"), 2);
	ck_assert_str_eq(q_text(db, "SELECT status FROM runs", buf,
	    sizeof(buf)), "interrupted");
	ck_assert_int_eq(q_int(db, "SELECT reached_ns FROM runs"), 2 * SB_S);
	recorder_close(r);
	/* the last close folds the WAL into the file */
	ck_assert_int_eq(access(t.db, F_OK), 0);
	sqlite3_close(db);
	tmp_remove(&t);
}
END_TEST

START_TEST(test_replaces_existing)
{
	struct tmp t;
	struct recorder *r;
	sqlite3 *db;
	char wal[320], buf[64];
	FILE *f;

	tmp_make(&t);
	/* a previous run's file, and a stale WAL that is not ours */
	r = rec_open(t.db, &RUN);
	put_samples(r, SB_S, 5);
	recorder_finish(r, "completed", SB_S, 1, 0);
	recorder_close(r);
	snprintf(wal, sizeof(wal), "%s-wal", t.db);
	f = fopen(wal, "w");
	ck_assert_ptr_nonnull(f);
	fputs("not a write-ahead log", f);
	fclose(f);

	r = rec_open(t.db, &RUN);
	put_samples(r, SB_S, 2);
	recorder_close(r);
	db = db_open(t.db);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM runs"), 1);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM flow_samples"), 0);
	ck_assert_str_eq(q_text(db, "SELECT status FROM runs", buf,
	    sizeof(buf)), "running");
	ck_assert_str_eq(q_text(db, "PRAGMA integrity_check", buf,
	    sizeof(buf)), "ok");
	sqlite3_close(db);

	/* a file that is not a database at all is replaced as well */
	f = fopen(t.db, "w");
	ck_assert_ptr_nonnull(f);
	fputs("garbage", f);
	fclose(f);
	r = rec_open(t.db, &RUN);
	recorder_close(r);
	db = db_open(t.db);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM runs"), 1);
	sqlite3_close(db);
	tmp_remove(&t);
}
END_TEST

START_TEST(test_unfinished_stays_running)
{
	struct tmp t;
	struct recorder *r;
	sqlite3 *db;
	char buf[64];

	tmp_make(&t);
	r = rec_open(t.db, &RUN);
	put_topology(r);
	for (int i = 1; i <= 3; i++) {
		put_samples(r, i * SB_S, 4);
		ck_assert_int_eq(recorder_commit(r), 0);
	}
	put_samples(r, 4 * SB_S, 4);	/* a half batch: dropped */
	recorder_close(r);
	db = db_open(t.db);
	ck_assert_str_eq(q_text(db, "SELECT status FROM runs", buf,
	    sizeof(buf)), "running");
	ck_assert(q_null(db, "SELECT finished FROM runs"));
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM flow_samples"), 12);
	ck_assert_int_eq(q_int(db, "SELECT max(t_ns) FROM flow_samples"),
	    3 * SB_S);
	ck_assert_str_eq(q_text(db, "PRAGMA integrity_check", buf,
	    sizeof(buf)), "ok");
	sqlite3_close(db);
	tmp_remove(&t);
}
END_TEST

START_TEST(test_errors)
{
	struct tmp t;
	struct recorder *r;
	struct rec_node n = { 7, "x", "pop", "Paris", 48.9, 2.35, NULL };
	struct rec_run big = RUN;
	char err[512], buf[64], bad[320];
	sqlite3 *db;

	tmp_make(&t);
	/* a directory that does not exist: NULL and a message naming it */
	snprintf(bad, sizeof(bad), "%s/no/such/dir.db", t.dir);
	ck_assert_ptr_null(recorder_open(bad, &RUN, err, sizeof(err)));
	ck_assert_msg(strstr(err, "no/such/dir.db") != NULL, "%s", err);

	big.seed = UINT64_MAX;
	r = rec_open(t.db, &big);
	ck_assert_int_eq(recorder_node(r, &n), 0);
	/* the same node twice breaks the key: an error, not an abort */
	ck_assert_int_lt(recorder_node(r, &n), 0);
	ck_assert_msg(strstr(recorder_error(r), "writing a node: ") ==
	    recorder_error(r), "%s", recorder_error(r));
	ck_assert_msg(strstr(recorder_error(r), "UNIQUE") != NULL, "%s",
	    recorder_error(r));
	/* and the recorder goes on */
	n.id = 8;
	ck_assert_int_eq(recorder_node(r, &n), 0);
	ck_assert_int_eq(recorder_commit(r), 0);
	/* a status the schema does not know is refused; the run stays */
	ck_assert_int_lt(recorder_finish(r, "done", SB_S, 1, 0), 0);
	ck_assert_msg(strstr(recorder_error(r), "CHECK") != NULL, "%s",
	    recorder_error(r));
	ck_assert_int_eq(recorder_finish(r, "failed", SB_S, 1, 0), 0);
	recorder_close(r);
	db = db_open(t.db);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM nodes"), 2);
	ck_assert_str_eq(q_text(db, "SELECT status FROM runs", buf,
	    sizeof(buf)), "failed");
	/* a seed above 2^63 - 1 is kept whole, as text */
	ck_assert_str_eq(q_text(db, "SELECT seed FROM runs", buf,
	    sizeof(buf)), "18446744073709551615");
	sqlite3_close(db);
	tmp_remove(&t);
}
END_TEST

/*
 * A child writes batches and dies: either it exits without closing (exit
 * after the commit, a half batch pending) or it is SIGKILLed while it
 * keeps writing.  Every committed batch must be there and whole.
 */
static _Noreturn void
writer_child(const char *path, int fd, int how)
{
	char err[512];
	struct recorder *r = recorder_open(path, &RUN, err, sizeof(err));

	if (r == NULL)
		_exit(2);
	for (int i = 1; i <= 5; i++) {
		put_samples(r, i * SB_S, 10);
		if (recorder_commit(r) < 0)
			_exit(3);
	}
	put_samples(r, 6 * SB_S, 3);	/* never committed */
	if (write(fd, "c", 1) != 1)
		_exit(4);
	if (how == 0)
		_exit(0);
	for (;;)	/* keep the batch open until killed */
		pause();
}

static void
died_writing(int how)
{
	struct tmp t;
	int fds[2], status;
	pid_t pid;
	sqlite3 *db;
	char c, buf[64];

	tmp_make(&t);
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		writer_child(t.db, fds[1], how);
	}
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], &c, 1), 1);
	close(fds[0]);
	if (how == 1)
		kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	if (how == 1)
		ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	else
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* a read-write open recovers the WAL as a later reader would */
	ck_assert_int_eq(sqlite3_open(t.db, &db), SQLITE_OK);
	ck_assert_str_eq(q_text(db, "PRAGMA integrity_check", buf,
	    sizeof(buf)), "ok");
	ck_assert_str_eq(q_text(db, "SELECT status FROM runs", buf,
	    sizeof(buf)), "running");
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM flow_samples"), 50);
	ck_assert_int_eq(q_int(db, "SELECT max(t_ns) FROM flow_samples"),
	    5 * SB_S);
	ck_assert_int_eq(q_int(db, "SELECT count(DISTINCT t_ns) FROM "
	    "flow_samples"), 5);
	sqlite3_close(db);
	tmp_remove(&t);
}

START_TEST(test_child_exits)
{
	died_writing(0);
}
END_TEST

START_TEST(test_child_killed)
{
	died_writing(1);
}
END_TEST

/* Not a timed test: prints the rate for the record, asserts the count. */
START_TEST(test_throughput_figure)
{
	struct tmp t;
	struct recorder *r;
	struct timespec a, b;
	sqlite3 *db;
	double s;

	tmp_make(&t);
	r = rec_open(t.db, &RUN);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 1; i <= 1000; i++) {
		put_samples(r, i * SB_S, 100);
		ck_assert_int_eq(recorder_commit(r), 0);
	}
	ck_assert_int_eq(recorder_finish(r, "completed", 1000 * SB_S, 0, 0),
	    0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	recorder_close(r);
	s = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	printf("recorder: 100000 flow samples in 1000 batches, %.3f s "
	    "(%.0f rows/s)\n", s, 1e5 / s);
	db = db_open(t.db);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM flow_samples"),
	    100000);
	sqlite3_close(db);
	tmp_remove(&t);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("recorder");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_wal_and_batches);
	tcase_add_test(tc, test_replaces_existing);
	tcase_add_test(tc, test_unfinished_stays_running);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_child_exits);
	tcase_add_test(tc, test_child_killed);
	tcase_add_test(tc, test_throughput_figure);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
