/*
 * The recorder writes a run's results into a fresh SQLite file.
 *
 * Durability is by batches.  The file is in WAL mode with synchronous=NORMAL:
 * a committed transaction survives the process being killed (only a power
 * loss may take back the last few), and readers see committed batches while
 * the run goes on.  recorder_open() creates the schema and the run's row
 * (status 'running') and commits them before anything else, so even a run
 * killed in its first tick leaves a file that says what it was.  From then
 * on a transaction is always open: rows go into it, and recorder_commit()
 * (called at every sampling tick) commits it and begins the next.  What was
 * written after the last commit is rolled back by recorder_close() or by
 * the death of the process; a batch is in the file whole or not at all.
 *
 * While a run is being written, its process holds a lock on one byte of
 * the file (LIVE_BYTE, an open-file-description lock that the kernel
 * drops when the process ends, however it ends).  A file whose run still
 * says 'running' and whose byte nobody holds was left by a killed process:
 * recorder_recover() marks it 'interrupted', as the next program to open
 * it for a report does.
 *
 * One run per file, with id 1; the run_id columns are there so that files
 * of a study can be merged into one database later.  docs/schema.md
 * describes the tables and views; SCHEMA and VIEWS below say the same to
 * SQLite, and the two change together.
 *
 * Every per-row statement is prepared once, at open.  Errors never abort:
 * calls return -1 and recorder_error() says what was being done and what
 * SQLite said.  Wall-clock columns (started, finished, wall_s) are the only
 * ones that differ between two runs of the same scenario and seed.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "reports/recorder.h"

#define RUN_ID		1

/* The schema's version is PRAGMA user_version; bump it with any change. */
static const char SCHEMA[] =
	"PRAGMA user_version = 2;\n"
	"CREATE TABLE runs (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  scenario TEXT NOT NULL,\n"
	"  path TEXT,\n"
	"  seed,\n"	/* no affinity: a seed above 2^63-1 is kept as text */
	"  version TEXT,\n"
	"  status TEXT NOT NULL CHECK (status IN\n"
	"    ('running', 'completed', 'interrupted', 'failed')),\n"
	"  started TEXT NOT NULL,\n"
	"  finished TEXT,\n"
	"  duration_ns INTEGER,\n"
	"  reached_ns INTEGER,\n"
	"  sample_interval_ns INTEGER,\n"
	"  start_utc_s INTEGER,\n"
	"  start_offset_min INTEGER,\n"
	"  events INTEGER,\n"
	"  wall_s REAL\n"
	");\n"
	"CREATE TABLE nodes (\n"
	"  run_id INTEGER NOT NULL REFERENCES runs(id),\n"
	"  id INTEGER NOT NULL,\n"
	"  name TEXT NOT NULL,\n"
	"  kind TEXT,\n"
	"  city TEXT,\n"
	"  lat REAL,\n"
	"  lon REAL,\n"
	"  pop TEXT,\n"
	"  PRIMARY KEY (run_id, id)\n"
	");\n"
	"CREATE TABLE links (\n"
	"  run_id INTEGER NOT NULL REFERENCES runs(id),\n"
	"  id INTEGER NOT NULL,\n"
	"  name TEXT NOT NULL,\n"
	"  kind TEXT,\n"
	"  src TEXT,\n"
	"  dst TEXT,\n"
	"  bandwidth_bps INTEGER,\n"
	"  queue_bytes INTEGER,\n"
	"  delay_ns INTEGER,\n"
	"  loss_expected REAL,\n"
	"  profile TEXT,\n"
	"  PRIMARY KEY (run_id, id)\n"
	");\n"
	"CREATE TABLE flows (\n"
	"  run_id INTEGER NOT NULL REFERENCES runs(id),\n"
	"  id INTEGER NOT NULL,\n"
	"  name TEXT NOT NULL,\n"
	"  kind TEXT,\n"
	"  src TEXT,\n"
	"  dst TEXT,\n"
	"  via TEXT,\n"
	"  rate_bps INTEGER,\n"
	"  packet_bytes INTEGER,\n"
	"  PRIMARY KEY (run_id, id)\n"
	");\n"
	"CREATE TABLE flow_samples (\n"
	"  run_id INTEGER NOT NULL,\n"
	"  flow_id INTEGER NOT NULL,\n"
	"  t_ns INTEGER NOT NULL,\n"
	"  sent INTEGER,\n"
	"  delivered INTEGER,\n"
	"  dropped INTEGER,\n"
	"  bytes INTEGER,\n"
	"  loss REAL,\n"
	"  latency_mean_ns REAL,\n"
	"  latency_p50_ns INTEGER,\n"
	"  latency_p95_ns INTEGER,\n"
	"  latency_p99_ns INTEGER,\n"
	"  jitter_ns REAL,\n"
	"  throughput_bps REAL,\n"
	"  PRIMARY KEY (run_id, t_ns, flow_id)\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE link_samples (\n"
	"  run_id INTEGER NOT NULL,\n"
	"  link_id INTEGER NOT NULL,\n"
	"  t_ns INTEGER NOT NULL,\n"
	"  packets INTEGER,\n"
	"  bytes INTEGER,\n"
	"  drops_queue INTEGER,\n"
	"  drops_loss INTEGER,\n"
	"  drops_down INTEGER,\n"
	"  loss REAL,\n"
	"  delay_mean_ns REAL,\n"
	"  throughput_bps REAL,\n"
	"  utilisation REAL,\n"
	"  queue_bytes INTEGER,\n"
	"  queue_max INTEGER,\n"
	"  up INTEGER,\n"
	"  PRIMARY KEY (run_id, t_ns, link_id)\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE link_health (\n"
	"  run_id INTEGER NOT NULL,\n"
	"  t_ns INTEGER NOT NULL,\n"
	"  site TEXT NOT NULL,\n"
	"  link TEXT NOT NULL,\n"
	"  pop TEXT,\n"
	"  probes INTEGER,\n"
	"  answered INTEGER,\n"
	"  loss REAL,\n"
	"  loss_up REAL,\n"
	"  loss_down REAL,\n"
	"  latency_ns INTEGER,\n"
	"  jitter_ns INTEGER,\n"
	"  verdict TEXT,\n"
	"  state TEXT,\n"
	"  PRIMARY KEY (run_id, t_ns, site, link)\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE events (\n"
	"  run_id INTEGER NOT NULL,\n"
	"  t_ns INTEGER NOT NULL,\n"
	"  kind TEXT NOT NULL,\n"
	"  node TEXT,\n"
	"  subject TEXT,\n"
	"  detail TEXT,\n"
	"  value REAL\n"
	");\n"
	"CREATE INDEX events_by_time ON events (run_id, t_ns);\n"
	"CREATE INDEX events_by_kind ON events (run_id, kind, t_ns);\n"
	"CREATE TABLE metrics (\n"
	"  run_id INTEGER NOT NULL,\n"
	"  scope TEXT NOT NULL,\n"
	"  subject TEXT NOT NULL,\n"
	"  metric TEXT NOT NULL,\n"
	"  value REAL,\n"
	"  unit TEXT\n"
	");\n"
	"CREATE INDEX metrics_by_subject ON metrics\n"
	"  (run_id, scope, subject, metric);\n"
	"CREATE TABLE flow_latency_cdf (\n"
	"  run_id INTEGER NOT NULL,\n"
	"  flow_id INTEGER NOT NULL,\n"
	"  q REAL NOT NULL,\n"
	"  latency_ns INTEGER,\n"
	"  PRIMARY KEY (run_id, flow_id, q)\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE expectations (\n"
	"  run_id INTEGER NOT NULL,\n"
	"  idx INTEGER NOT NULL,\n"
	"  line INTEGER,\n"
	"  col INTEGER,\n"
	"  text TEXT,\n"
	"  subject TEXT,\n"
	"  metric TEXT,\n"
	"  op TEXT,\n"
	"  bound REAL,\n"
	"  measured REAL,\n"
	"  status TEXT,\n"
	"  message TEXT,\n"
	"  PRIMARY KEY (run_id, idx)\n"
	");\n";

/*
 * The views put names on ids and read time on the scenario's clock:
 * local_time is the wall time where the scenario's start was written, at
 * the end of the sample's interval, to the second.  (A string of its own:
 * C compilers need only take literals of 4095 characters.)
 */
static const char VIEWS[] =
	"CREATE VIEW v_flow_samples AS SELECT\n"
	"  s.run_id, f.name AS flow, s.flow_id, f.kind, f.src, f.dst, f.via,\n"
	"  s.t_ns, s.t_ns / 1e9 AS t_s,\n"
	"  datetime(r.start_utc_s + r.start_offset_min * 60\n"
	"    + s.t_ns / 1000000000, 'unixepoch') AS local_time,\n"
	"  s.sent, s.delivered, s.dropped, s.bytes, s.loss,\n"
	"  s.latency_mean_ns, s.latency_p50_ns, s.latency_p95_ns,\n"
	"  s.latency_p99_ns, s.jitter_ns, s.throughput_bps,\n"
	"  s.latency_mean_ns / 1e6 AS latency_mean_ms,\n"
	"  s.latency_p50_ns / 1e6 AS latency_p50_ms,\n"
	"  s.latency_p95_ns / 1e6 AS latency_p95_ms,\n"
	"  s.latency_p99_ns / 1e6 AS latency_p99_ms,\n"
	"  s.jitter_ns / 1e6 AS jitter_ms,\n"
	"  s.throughput_bps / 1e6 AS throughput_mbps\n"
	"FROM flow_samples s\n"
	"JOIN flows f ON f.run_id = s.run_id AND f.id = s.flow_id\n"
	"JOIN runs r ON r.id = s.run_id;\n"
	"CREATE VIEW v_link_samples AS SELECT\n"
	"  s.run_id, l.name AS link, s.link_id, l.kind, l.src, l.dst,\n"
	"  s.t_ns, s.t_ns / 1e9 AS t_s,\n"
	"  datetime(r.start_utc_s + r.start_offset_min * 60\n"
	"    + s.t_ns / 1000000000, 'unixepoch') AS local_time,\n"
	"  s.packets, s.bytes, s.drops_queue, s.drops_loss, s.drops_down,\n"
	"  s.loss, s.delay_mean_ns, s.throughput_bps, s.utilisation,\n"
	"  s.queue_bytes, s.queue_max, s.up,\n"
	"  s.delay_mean_ns / 1e6 AS delay_mean_ms,\n"
	"  s.throughput_bps / 1e6 AS throughput_mbps\n"
	"FROM link_samples s\n"
	"JOIN links l ON l.run_id = s.run_id AND l.id = s.link_id\n"
	"JOIN runs r ON r.id = s.run_id;\n"
	"CREATE VIEW v_events AS SELECT\n"
	"  e.run_id, e.rowid AS seq, e.t_ns, e.t_ns / 1e9 AS t_s,\n"
	"  datetime(r.start_utc_s + r.start_offset_min * 60\n"
	"    + e.t_ns / 1000000000, 'unixepoch') AS local_time,\n"
	"  e.kind, e.node, e.subject, e.detail, e.value\n"
	"FROM events e\n"
	"JOIN runs r ON r.id = e.run_id;\n";

/*
 * Each Socket failover with what led to it and what a flow saw: the
 * timeline's fault since the site last switched (a link of that site set
 * or taken down, or a PoP down), the last link verdict before the switch,
 * the switch, and the first packet a flow of the site got through
 * afterwards, until its next failover (the `failover` events).  Events
 * are stored in the order they happened, so rowid orders them within an
 * instant too.  Detection and switch are one instant when a tunnel dies
 * or an evaluation judges; degraded links then empty over the drain time.
 */
static const char FAILOVER_VIEW[] =
	"CREATE VIEW v_failovers AS WITH fo AS (SELECT f.rowid AS id,\n"
	"  f.run_id, f.t_ns, f.node, f.subject, f.detail,\n"
	"  (SELECT e.rowid FROM events e WHERE e.run_id = f.run_id AND\n"
	"    e.rowid < f.rowid AND e.rowid > coalesce((SELECT max(q.rowid)\n"
	"    FROM events q WHERE q.run_id = f.run_id AND q.node = f.node\n"
	"    AND q.kind IN ('link-failover', 'link-fallback') AND\n"
	"    q.rowid < f.rowid), 0) AND (e.kind = 'pop-down' OR\n"
	"    (e.kind IN ('link-down', 'link-set') AND\n"
	"    substr(e.subject, 1, length(f.node) + 1) = f.node || '/'))\n"
	"    ORDER BY e.rowid DESC LIMIT 1) AS fault_id,\n"
	"  (SELECT h.rowid FROM events h WHERE h.run_id = f.run_id AND\n"
	"    h.kind = 'link-health' AND h.node = f.node AND\n"
	"    h.rowid < f.rowid ORDER BY h.rowid DESC LIMIT 1) AS cause_id,\n"
	"  coalesce((SELECT min(n.t_ns) FROM events n WHERE\n"
	"    n.run_id = f.run_id AND n.kind = 'link-failover' AND\n"
	"    n.node = f.node AND n.rowid > f.rowid), 9e18) AS until_ns\n"
	"  FROM events f WHERE f.kind = 'link-failover')\n"
	"SELECT fo.run_id, fo.node AS site, fo.detail AS left_links,\n"
	"  fo.subject AS to_links, x.kind || ' ' || x.subject AS fault,\n"
	"  x.t_ns AS fault_ns, c.subject || ' ' || c.detail AS cause,\n"
	"  c.t_ns AS detected_ns, fo.t_ns AS switch_ns,\n"
	"  min(p.t_ns) AS first_packet_ns, max(p.value) AS gap_s\n"
	"FROM fo LEFT JOIN events x ON x.rowid = fo.fault_id\n"
	"LEFT JOIN events c ON c.rowid = fo.cause_id\n"
	"LEFT JOIN events p ON p.run_id = fo.run_id AND\n"
	"  p.kind = 'failover' AND p.node = fo.node AND\n"
	"  p.t_ns >= fo.t_ns AND p.t_ns < fo.until_ns\n"
	"GROUP BY fo.id ORDER BY fo.id;\n";

enum {
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_NODE,
	S_LINK,
	S_FLOW,
	S_FLOW_SAMPLE,
	S_LINK_SAMPLE,
	S_LINK_HEALTH,
	S_EVENT,
	S_METRIC,
	S_CDF,
	S_EXPECT,
	S_FINISH,
	NSTMT
};

/* The statements, in the order of the enum; ?1 is always the run id. */
static const char *const STMT_SQL[NSTMT] = {
	[S_BEGIN] = "BEGIN",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_NODE] = "INSERT INTO nodes VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[S_LINK] = "INSERT INTO links VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[S_FLOW] = "INSERT INTO flows VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[S_FLOW_SAMPLE] = "INSERT INTO flow_samples VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
	[S_LINK_SAMPLE] = "INSERT INTO link_samples VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
	[S_LINK_HEALTH] = "INSERT INTO link_health VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
	[S_EVENT] = "INSERT INTO events VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[S_METRIC] = "INSERT INTO metrics VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_CDF] = "INSERT INTO flow_latency_cdf VALUES (?1, ?2, ?3, ?4)",
	[S_EXPECT] = "INSERT INTO expectations VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	[S_FINISH] = "UPDATE runs SET status = ?2, "
	    "finished = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), "
	    "reached_ns = ?3, events = ?4, wall_s = ?5 WHERE id = ?1",
};

static const char RUN_SQL[] =
	"INSERT INTO runs (id, scenario, path, seed, version, status, started,"
	" duration_ns, sample_interval_ns, start_utc_s, start_offset_min)"
	" VALUES (?1, ?2, ?3, ?4, ?5, 'running',"
	" strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?6, ?7, ?8, ?9)";

/*
 * The samples are stored in the order they are written, by time, so a
 * commit touches only the last pages of each table.  Keyed by flow first,
 * every flow's rows would sit on a page of their own and each tick would
 * rewrite one page per flow (measured: 5 times slower with 100 flows).
 * The by-flow and by-link indexes are built once, when the run finishes,
 * for one sort; a killed run's file lacks them and is scanned instead.
 * ANALYZE then tells the planner that run_id, the indexes' first column,
 * has one value, so "WHERE flow_id = 3" seeks rather than scans.  Both
 * cost about 1.5 s for a 5-hour run of 100 series sampled every second
 * (1.8 million rows), against 5 s to write them.
 */
static const char FINISH_SQL[] =
	"CREATE INDEX IF NOT EXISTS flow_samples_by_flow\n"
	"  ON flow_samples (run_id, flow_id, t_ns);\n"
	"CREATE INDEX IF NOT EXISTS link_samples_by_link\n"
	"  ON link_samples (run_id, link_id, t_ns);\n"
	"ANALYZE;\n";

struct recorder {
	sqlite3 *db;
	sqlite3_stmt *st[NSTMT];
	int live_fd;               /* holds LIVE_BYTE's lock; -1: none */
	char err[512];
};

/* Far past SQLite's own lock bytes (at 1 GiB), which it takes with
 * process-wide POSIX locks; an open-file-description lock on another
 * byte neither meets them nor is dropped when SQLite closes a descriptor
 * of the same file. */
#define LIVE_BYTE ((off_t)1 << 40)

static int
live_lock(int fd, int cmd, struct flock *fl)
{
	memset(fl, 0, sizeof(*fl));
	fl->l_type = F_WRLCK;
	fl->l_whence = SEEK_SET;
	fl->l_start = LIVE_BYTE;
	fl->l_len = 1;
	return fcntl(fd, cmd, fl);
}

/* Record "what: SQLite's message" as the last error; returns -1. */
static int
fail(struct recorder *r, const char *what)
{
	snprintf(r->err, sizeof(r->err), "%s: %s", what,
	    r->db != NULL ? sqlite3_errmsg(r->db) : "out of memory");
	return -1;
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* NaN is "no value": NULL rather than whatever a reader makes of NaN. */
static void
bind_real(sqlite3_stmt *st, int i, double v)
{
	if (isnan(v))
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_double(st, i, v);
}

/* Counts and times fit in SQLite's signed 64 bits by a wide margin. */
static void
bind_int(sqlite3_stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(st, i, v);
}

/* A time that may be unknown (a latency percentile with no packet, a
 * round trip with no answer): negative is stored as NULL. */
static void
bind_pct(sqlite3_stmt *st, int i, int64_t v)
{
	if (v < 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

/*
 * Run a statement whose parameters are bound, then make it ready for the
 * next use.  The bound strings are the caller's (SQLITE_STATIC): they only
 * need to outlive this call, which is all the header promises.
 */
static int
step(struct recorder *r, int which, const char *what)
{
	sqlite3_stmt *st = r->st[which];
	int rc;

	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		fail(r, what);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
begin(struct recorder *r)
{
	if (!sqlite3_get_autocommit(r->db))
		return 0;
	return step(r, S_BEGIN, "beginning a batch");
}

/* Remove path and SQLite's companions; a missing file is fine. */
static int
remove_old(const char *path, char *err, size_t errlen)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char buf[4096];

	for (size_t i = 0; i < sizeof(suffix) / sizeof(*suffix); i++) {
		if ((size_t)snprintf(buf, sizeof(buf), "%s%s", path,
		    suffix[i]) >= sizeof(buf)) {
			snprintf(err, errlen, "%s: path too long", path);
			return -1;
		}
		if (unlink(buf) < 0 && errno != ENOENT) {
			snprintf(err, errlen, "%s: cannot replace it: %s",
			    buf, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int
set_wal(struct recorder *r)
{
	sqlite3_stmt *st;
	int ok;

	if (sqlite3_prepare_v2(r->db, "PRAGMA journal_mode = WAL", -1, &st,
	    NULL) != SQLITE_OK)
		return fail(r, "setting WAL mode");
	ok = sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL &&
	    strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
	sqlite3_finalize(st);
	if (!ok) {
		snprintf(r->err, sizeof(r->err),
		    "setting WAL mode: the file system refused it");
		return -1;
	}
	return 0;
}

static int
write_run(struct recorder *r, const struct rec_run *run)
{
	sqlite3_stmt *st;
	char seed[32];
	int rc;

	if (sqlite3_prepare_v2(r->db, RUN_SQL, -1, &st, NULL) != SQLITE_OK)
		return fail(r, "preparing the run's row");
	bind_int(st, 1, RUN_ID);
	bind_text(st, 2, run->scenario != NULL ? run->scenario : "");
	bind_text(st, 3, run->path);
	if (run->seed <= (uint64_t)INT64_MAX)
		bind_int(st, 4, (int64_t)run->seed);
	else {
		snprintf(seed, sizeof(seed), "%llu",
		    (unsigned long long)run->seed);
		sqlite3_bind_text(st, 4, seed, -1, SQLITE_TRANSIENT);
	}
	bind_text(st, 5, run->version);
	bind_int(st, 6, run->duration);
	bind_int(st, 7, run->sample_interval);
	bind_int(st, 8, run->start_utc_s);
	bind_int(st, 9, run->start_offset_min);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		fail(r, "writing the run's row");
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

struct recorder *
recorder_open(const char *path, const struct rec_run *run, char *err,
    size_t errlen)
{
	struct recorder *r;
	int rc;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	r->live_fd = -1;
	if (remove_old(path, err, errlen) < 0)
		goto fail_r;
	rc = sqlite3_open_v2(path, &r->db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		fail(r, "creating the results file");
		goto fail_db;
	}
	sqlite3_extended_result_codes(r->db, 1);
	/* readers (a query while the run goes on) may hold a lock briefly */
	sqlite3_busy_timeout(r->db, 5000);
	if (set_wal(r) < 0)
		goto fail_db;
	if (sqlite3_exec(r->db, "PRAGMA synchronous = NORMAL", NULL, NULL,
	    NULL) != SQLITE_OK) {
		fail(r, "setting synchronous mode");
		goto fail_db;
	}
	if (sqlite3_exec(r->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		fail(r, "beginning the schema");
		goto fail_db;
	}
	if (sqlite3_exec(r->db, SCHEMA, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(r->db, VIEWS, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(r->db, FAILOVER_VIEW, NULL, NULL, NULL) !=
	    SQLITE_OK) {
		fail(r, "creating the schema");
		goto fail_tx;
	}
	if (write_run(r, run) < 0)
		goto fail_tx;
	if (sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		fail(r, "committing the schema");
		goto fail_tx;
	}
	/* Best effort: on a file system without locks, a killed run stays
	 * 'running' in the file, which docs/schema.md says how to read. */
	{
		struct flock fl;

		if ((r->live_fd = open(path, O_RDWR | O_CLOEXEC)) >= 0 &&
		    live_lock(r->live_fd, F_OFD_SETLK, &fl) < 0) {
			close(r->live_fd);
			r->live_fd = -1;
		}
	}
	for (int i = 0; i < NSTMT; i++)
		if (sqlite3_prepare_v3(r->db, STMT_SQL[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &r->st[i], NULL) != SQLITE_OK) {
			fail(r, "preparing statements");
			goto fail_st;
		}
	if (begin(r) < 0)
		goto fail_st;
	return r;

fail_st:
	for (int i = 0; i < NSTMT; i++)
		sqlite3_finalize(r->st[i]);
	goto fail_db;
fail_tx:
	if (!sqlite3_get_autocommit(r->db))
		sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
fail_db:
	snprintf(err, errlen, "%s: %s", path, r->err);
	sqlite3_close(r->db);
	if (r->live_fd >= 0)
		close(r->live_fd);
fail_r:
	free(r);
fail:
	return NULL;
}

int
recorder_node(struct recorder *r, const struct rec_node *n)
{
	sqlite3_stmt *st = r->st[S_NODE];

	bind_int(st, 1, RUN_ID);
	bind_int(st, 2, n->id);
	bind_text(st, 3, n->name);
	bind_text(st, 4, n->kind);
	bind_text(st, 5, n->city);
	bind_real(st, 6, n->lat);
	bind_real(st, 7, n->lon);
	bind_text(st, 8, n->pop);
	return step(r, S_NODE, "writing a node");
}

int
recorder_link(struct recorder *r, const struct rec_link *l)
{
	sqlite3_stmt *st = r->st[S_LINK];

	bind_int(st, 1, RUN_ID);
	bind_int(st, 2, l->id);
	bind_text(st, 3, l->name);
	bind_text(st, 4, l->kind);
	bind_text(st, 5, l->src);
	bind_text(st, 6, l->dst);
	bind_int(st, 7, (int64_t)l->bandwidth_bps);
	bind_int(st, 8, (int64_t)l->queue_bytes);
	bind_int(st, 9, l->delay);
	bind_real(st, 10, l->loss_expected);
	bind_text(st, 11, l->profile);
	return step(r, S_LINK, "writing a link");
}

int
recorder_flow(struct recorder *r, const struct rec_flow *f)
{
	sqlite3_stmt *st = r->st[S_FLOW];

	bind_int(st, 1, RUN_ID);
	bind_int(st, 2, f->id);
	bind_text(st, 3, f->name);
	bind_text(st, 4, f->kind);
	bind_text(st, 5, f->src);
	bind_text(st, 6, f->dst);
	bind_text(st, 7, f->via);
	bind_int(st, 8, (int64_t)f->rate_bps);
	bind_int(st, 9, f->packet_bytes);
	return step(r, S_FLOW, "writing a flow");
}

int
recorder_flow_sample(struct recorder *r, const struct rec_flow_sample *s)
{
	sqlite3_stmt *st = r->st[S_FLOW_SAMPLE];
	int none = s->delivered == 0;

	bind_int(st, 1, RUN_ID);
	bind_int(st, 2, s->flow);
	bind_int(st, 3, s->t);
	bind_int(st, 4, (int64_t)s->sent);
	bind_int(st, 5, (int64_t)s->delivered);
	bind_int(st, 6, (int64_t)s->dropped);
	bind_int(st, 7, (int64_t)s->bytes);
	bind_real(st, 8, s->loss);
	/* a mean latency of nothing is no value, not 0 ns */
	bind_real(st, 9, none ? NAN : s->latency_mean);
	bind_pct(st, 10, s->latency_p50);
	bind_pct(st, 11, s->latency_p95);
	bind_pct(st, 12, s->latency_p99);
	bind_real(st, 13, s->jitter);
	bind_real(st, 14, s->throughput_bps);
	return step(r, S_FLOW_SAMPLE, "writing a flow sample");
}

int
recorder_link_sample(struct recorder *r, const struct rec_link_sample *s)
{
	sqlite3_stmt *st = r->st[S_LINK_SAMPLE];

	bind_int(st, 1, RUN_ID);
	bind_int(st, 2, s->link);
	bind_int(st, 3, s->t);
	bind_int(st, 4, (int64_t)s->packets);
	bind_int(st, 5, (int64_t)s->bytes);
	bind_int(st, 6, (int64_t)s->drops_queue);
	bind_int(st, 7, (int64_t)s->drops_loss);
	bind_int(st, 8, (int64_t)s->drops_down);
	bind_real(st, 9, s->loss);
	bind_real(st, 10, s->delay_mean);
	bind_real(st, 11, s->throughput_bps);
	bind_real(st, 12, s->utilisation);
	bind_int(st, 13, (int64_t)s->queue_bytes);
	bind_int(st, 14, (int64_t)s->queue_max);
	bind_int(st, 15, s->up ? 1 : 0);
	return step(r, S_LINK_SAMPLE, "writing a link sample");
}

int
recorder_link_health(struct recorder *r, const struct rec_link_health *h)
{
	sqlite3_stmt *st = r->st[S_LINK_HEALTH];

	bind_int(st, 1, RUN_ID);
	bind_int(st, 2, h->t);
	bind_text(st, 3, h->site);
	bind_text(st, 4, h->link);
	bind_text(st, 5, h->pop);
	bind_int(st, 6, h->probes);
	bind_int(st, 7, h->answered);
	bind_real(st, 8, h->loss);
	bind_real(st, 9, h->loss_up);
	bind_real(st, 10, h->loss_down);
	bind_pct(st, 11, h->latency);
	bind_pct(st, 12, h->jitter);
	bind_text(st, 13, h->verdict);
	bind_text(st, 14, h->state);
	return step(r, S_LINK_HEALTH, "writing a link health sample");
}

int
recorder_event(struct recorder *r, sb_time t, const struct sb_event *ev)
{
	sqlite3_stmt *st = r->st[S_EVENT];

	bind_int(st, 1, RUN_ID);
	bind_int(st, 2, t);
	bind_text(st, 3, ev->kind != NULL ? ev->kind : "");
	bind_text(st, 4, ev->node);
	bind_text(st, 5, ev->subject);
	bind_text(st, 6, ev->detail);
	bind_real(st, 7, ev->value);
	return step(r, S_EVENT, "writing an event");
}

int
recorder_metric(struct recorder *r, const char *scope, const char *subject,
    const char *metric, double value, const char *unit)
{
	sqlite3_stmt *st = r->st[S_METRIC];

	bind_int(st, 1, RUN_ID);
	bind_text(st, 2, scope);
	bind_text(st, 3, subject);
	bind_text(st, 4, metric);
	bind_real(st, 5, value);
	bind_text(st, 6, unit);
	return step(r, S_METRIC, "writing a metric");
}

int
recorder_flow_cdf(struct recorder *r, int flow_id, double q, sb_time latency)
{
	sqlite3_stmt *st = r->st[S_CDF];

	bind_int(st, 1, RUN_ID);
	bind_int(st, 2, flow_id);
	bind_real(st, 3, q);
	bind_int(st, 4, latency);
	return step(r, S_CDF, "writing a latency distribution");
}

int
recorder_expect(struct recorder *r, const struct rec_expect *e)
{
	sqlite3_stmt *st = r->st[S_EXPECT];

	bind_int(st, 1, RUN_ID);
	bind_int(st, 2, e->idx);
	bind_int(st, 3, e->line);
	bind_int(st, 4, e->col);
	bind_text(st, 5, e->text);
	bind_text(st, 6, e->subject);
	bind_text(st, 7, e->metric);
	bind_text(st, 8, e->op);
	bind_real(st, 9, e->bound);
	bind_real(st, 10, e->measured);
	bind_text(st, 11, e->status);
	bind_text(st, 12, e->message);
	return step(r, S_EXPECT, "writing an expectation");
}

/*
 * Whether a transaction is open is asked of SQLite, not tracked here: after
 * a failed COMMIT (the disk is full) it may or may not still be open.
 */
int
recorder_commit(struct recorder *r)
{
	if (!sqlite3_get_autocommit(r->db) &&
	    step(r, S_COMMIT, "committing a batch") < 0)
		return -1;
	return begin(r);
}

/* The status goes in with the last batch, so the two land together. */
int
recorder_finish(struct recorder *r, const char *status, sb_time reached,
    uint64_t events, double wall_s)
{
	sqlite3_stmt *st = r->st[S_FINISH];

	if (sqlite3_exec(r->db, FINISH_SQL, NULL, NULL, NULL) != SQLITE_OK)
		return fail(r, "indexing the samples");
	bind_int(st, 1, RUN_ID);
	bind_text(st, 2, status);
	bind_int(st, 3, reached);
	bind_int(st, 4, (int64_t)events);
	bind_real(st, 5, wall_s);
	if (step(r, S_FINISH, "marking the run finished") < 0)
		return -1;
	if (!sqlite3_get_autocommit(r->db) &&
	    step(r, S_COMMIT, "committing the end of the run") < 0)
		return -1;
	/* A finished run is one file again: it can be copied alone, and a
	 * reader that opens it read-only (a report, a comparison) leaves no
	 * -wal and -shm files beside it, as it would in WAL mode.  Best
	 * effort: while another program is reading, the mode cannot change,
	 * and a file left in WAL mode holds the same rows. */
	(void)sqlite3_exec(r->db, "PRAGMA journal_mode = DELETE", NULL, NULL,
	    NULL);
	return 0;
}

const char *
recorder_error(const struct recorder *r)
{
	if (r == NULL)
		return "no results file";
	return r->err[0] != '\0' ? r->err : "no error";
}

/*
 * Rows written since the last commit are rolled back, as if the process
 * had died there: a half batch is never in the file.  Closing the last
 * connection checkpoints the WAL into the main file, which then stands on
 * its own.
 */
void
recorder_close(struct recorder *r)
{
	if (r == NULL)
		return;
	if (!sqlite3_get_autocommit(r->db))
		step(r, S_ROLLBACK, "dropping an unfinished batch");
	for (int i = 0; i < NSTMT; i++)
		sqlite3_finalize(r->st[i]);
	sqlite3_close(r->db);
	/* only now: closing any descriptor of the file drops SQLite's
	 * process-wide locks on it */
	if (r->live_fd >= 0)
		close(r->live_fd);
	free(r);
}

int
recorder_recover(const char *path, char *err, size_t errlen)
{
	struct flock fl;
	sqlite3 *db = NULL;
	int fd, rc, n;

	if ((fd = open(path, O_RDWR | O_CLOEXEC)) < 0)
		return 0;	/* the reader will say why it cannot open it */
	rc = live_lock(fd, F_OFD_GETLK, &fl);
	close(fd);
	if (rc < 0 || fl.l_type != F_UNLCK)
		return 0;	/* being written, or no way to tell */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(db, 5000);
	/* reached_ns: the last committed tick, which is what the file
	 * holds; finished stays NULL, as the schema says of a killed run */
	if (sqlite3_exec(db, "UPDATE runs SET status = 'interrupted', "
	    "reached_ns = (SELECT max(t_ns) FROM flow_samples "
	    "WHERE run_id = runs.id) WHERE status = 'running'", NULL, NULL,
	    NULL) != SQLITE_OK)
		goto fail;
	n = sqlite3_changes(db);
	sqlite3_close(db);
	return n > 0;
fail:
	snprintf(err, errlen, "%s: marking a killed run interrupted: %s", path,
	    db != NULL ? sqlite3_errmsg(db) : "out of memory");
	sqlite3_close(db);
	return -1;
}
