/*
 * The study's results file.  Every statement that depends on the study's
 * shape (the points table's columns, the views) is written once, when
 * the file is made; merging a run is a fixed set of INSERT ... SELECTs
 * from the run's own results file, attached for the moment.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "study/db.h"
#include "study/stats.h"
#include "study/study.h"

#define SCHEMA_VERSION 1

struct sdb {
	sqlite3 *db;
	const struct study *st;
};

static int
dberr(struct sdb *s, char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(s->db));
	return -1;
}

static int
exec(struct sdb *s, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "study results: %s", msg ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static const char *const fixed_schema =
"CREATE TABLE study(key TEXT PRIMARY KEY, value);\n"
"CREATE TABLE params(idx INTEGER PRIMARY KEY, name TEXT, path TEXT);\n"
"CREATE TABLE study_metrics(idx INTEGER PRIMARY KEY, name TEXT, scope TEXT,\n"
"  subject TEXT, metric TEXT, reduce TEXT);\n"
"CREATE TABLE study_expectations(idx INTEGER PRIMARY KEY, text TEXT,\n"
"  metric TEXT, op TEXT, bound REAL);\n"
"CREATE TABLE runs(run_id INTEGER PRIMARY KEY, point INTEGER, rep INTEGER,\n"
"  seed INTEGER, status TEXT, exit_status INTEGER, reached_ns INTEGER,\n"
"  events INTEGER, started TEXT, finished TEXT, wall_s REAL);\n"
"CREATE TABLE metrics(run_id INTEGER, scope TEXT, subject TEXT,\n"
"  metric TEXT, value REAL, unit TEXT,\n"
"  PRIMARY KEY(run_id, scope, subject, metric));\n"
"CREATE TABLE expectations(run_id INTEGER, idx INTEGER, text TEXT,\n"
"  subject TEXT, metric TEXT, op TEXT, bound REAL, measured REAL,\n"
"  status TEXT, PRIMARY KEY(run_id, idx));\n"
"CREATE TABLE link_peaks(run_id INTEGER, link TEXT, kind TEXT,\n"
"  utilisation REAL, PRIMARY KEY(run_id, link));\n"
"CREATE TABLE results(run_id INTEGER, metric TEXT, value REAL, unit TEXT,\n"
"  PRIMARY KEY(run_id, metric));\n"
"CREATE TABLE summary(point INTEGER, metric TEXT, n INTEGER, mean REAL,\n"
"  sd REAL, ci95 REAL, lo REAL, hi REAL, unit TEXT,\n"
"  PRIMARY KEY(point, metric));\n"
"CREATE TABLE link_summary(point INTEGER, link TEXT, kind TEXT,\n"
"  n INTEGER, mean REAL, sd REAL, ci95 REAL, PRIMARY KEY(point, link));\n"
"CREATE TABLE point_checks(point INTEGER, expectation INTEGER,\n"
"  mean REAL, status TEXT, PRIMARY KEY(point, expectation));\n"
"CREATE TABLE saturation(param TEXT, expectation INTEGER, context TEXT,\n"
"  value, point INTEGER, PRIMARY KEY(param, expectation, context));\n";

/* "name" as an SQL identifier. */
static void
put_ident(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* The points table, with a column per parameter, and the views. */
static int
make_shape(struct sdb *s, char *err, size_t errlen)
{
	const struct study *st = s->st;
	char *sql = NULL, *pcols = NULL;
	size_t len = 0, plen = 0;
	FILE *f = open_memstream(&sql, &len), *pc = open_memstream(&pcols,
	    &plen);
	int rc;

	if (f == NULL || pc == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	fputs("CREATE TABLE points(point INTEGER PRIMARY KEY", f);
	for (size_t p = 0; p < st->nparams; p++) {
		fputs(", ", f);
		put_ident(f, st->params[p].name);
		fputs(", p.", pc);
		put_ident(pc, st->params[p].name);
	}
	fclose(pc);
	fprintf(f, ");\n"
	    "CREATE VIEW v_runs AS SELECT r.*%s FROM runs r JOIN points p "
	    "USING(point);\n"
	    "CREATE VIEW v_results AS SELECT r.run_id, r.point, r.rep, "
	    "r.seed%s, x.metric, x.value, x.unit FROM results x JOIN runs r "
	    "USING(run_id) JOIN points p USING(point);\n"
	    "CREATE VIEW v_summary AS SELECT s.point%s, s.metric, s.n, "
	    "s.mean, s.sd, s.ci95, s.lo, s.hi, s.unit FROM summary s JOIN "
	    "points p USING(point);\n"
	    "CREATE VIEW v_link_summary AS SELECT s.point%s, s.link, s.kind, "
	    "s.n, s.mean, s.sd, s.ci95 FROM link_summary s JOIN points p "
	    "USING(point);\n", pcols, pcols, pcols, pcols);
	free(pcols);
	fclose(f);
	rc = exec(s, sql, err, errlen);
	free(sql);
	return rc;
}

static int
bind_value(sqlite3_stmt *q, int i, const char *v, double num)
{
	if (isnan(num))
		return sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
	/* whole numbers as integers: 50, not 50.0, in every query */
	if (num == floor(num) && fabs(num) < 9007199254740992.0)
		return sqlite3_bind_int64(q, i, (sqlite3_int64)num);
	return sqlite3_bind_double(q, i, num);
}

/* The study's description, its points and what it measures. */
static int
fill(struct sdb *s, char *err, size_t errlen)
{
	static const char *const reduces[] = { "mean", "min", "max", "sum" };
	static const char *const ops[] = { "above", "below", "at-least",
		"at-most" };
	const struct study *st = s->st;
	sqlite3_stmt *q = NULL;
	char *sql = NULL;
	size_t len = 0;
	FILE *f;

#define PREP(text) do { sqlite3_finalize(q); \
	if (sqlite3_prepare_v2(s->db, (text), -1, &q, NULL) != SQLITE_OK) \
		goto bad; } while (0)
#define STEP() do { if (sqlite3_step(q) != SQLITE_DONE) goto bad; \
	sqlite3_reset(q); } while (0)
	PREP("INSERT INTO study VALUES (?, ?)");
	{
		struct { const char *k; const char *v; long long n; } kv[] = {
			{ "name", st->name, 0 }, { "file", st->path, 0 },
			{ "scenario", st->scenario, 0 },
			{ "seed", NULL, (long long)(st->seed & INT64_MAX) },
			{ "repetitions", NULL, st->reps },
			{ "points", NULL, (long long)st->npoints },
			{ "runs", NULL, (long long)st->nruns },
			{ "fingerprint", NULL, (long long)st->fingerprint },
			{ "schema_version", NULL, SCHEMA_VERSION },
		};
		for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
			sqlite3_bind_text(q, 1, kv[i].k, -1, SQLITE_STATIC);
			if (kv[i].v != NULL)
				sqlite3_bind_text(q, 2, kv[i].v, -1,
				    SQLITE_STATIC);
			else
				sqlite3_bind_int64(q, 2, kv[i].n);
			STEP();
		}
	}
	PREP("INSERT INTO params VALUES (?, ?, ?)");
	for (size_t p = 0; p < st->nparams; p++) {
		sqlite3_bind_int64(q, 1, (sqlite3_int64)p);
		sqlite3_bind_text(q, 2, st->params[p].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, st->params[p].path, -1, SQLITE_STATIC);
		STEP();
	}
	PREP("INSERT INTO study_metrics VALUES (?, ?, ?, ?, ?, ?)");
	for (size_t m = 0; m < st->nmetrics; m++) {
		const struct st_metric *mm = &st->metrics[m];
		sqlite3_bind_int64(q, 1, (sqlite3_int64)m);
		sqlite3_bind_text(q, 2, mm->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, mm->scope, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, mm->subject, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 5, mm->metric, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 6, reduces[mm->reduce], -1, SQLITE_STATIC);
		STEP();
	}
	PREP("INSERT INTO study_expectations VALUES (?, ?, ?, ?, ?)");
	for (size_t e = 0; e < st->nexpects; e++) {
		const struct st_expect *x = &st->expects[e];
		sqlite3_bind_int64(q, 1, (sqlite3_int64)e);
		sqlite3_bind_text(q, 2, x->text, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, st->metrics[x->metric].name, -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(q, 4, ops[x->op], -1, SQLITE_STATIC);
		sqlite3_bind_double(q, 5, x->bound);
		STEP();
	}
	if ((f = open_memstream(&sql, &len)) == NULL)
		goto bad;
	fputs("INSERT INTO points VALUES (?", f);
	for (size_t p = 0; p < st->nparams; p++)
		fputs(", ?", f);
	fputs(")", f);
	fclose(f);
	PREP(sql);
	for (size_t pt = 0; pt < st->npoints; pt++) {
		sqlite3_bind_int64(q, 1, (sqlite3_int64)pt);
		for (size_t p = 0; p < st->nparams; p++) {
			size_t vi = st->value_of[pt * st->nparams + p];
			bind_value(q, (int)p + 2, st->params[p].values[vi],
			    st->params[p].num[vi]);
		}
		STEP();
	}
	free(sql);
	sqlite3_finalize(q);
	return 0;
bad:
	free(sql);
	dberr(s, err, errlen, "study results");
	sqlite3_finalize(q);
	return -1;
}

struct sdb *
sdb_open(const char *path, const struct study *st, int *bad_input,
    char *err, size_t errlen)
{
	struct sdb *s = calloc(1, sizeof(*s));
	sqlite3_stmt *q = NULL;
	int fresh = 1;

	*bad_input = 0;
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->st = st;
	if (sqlite3_open(path, &s->db) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, s->db ?
		    sqlite3_errmsg(s->db) : "out of memory");
		*bad_input = 1;
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 10000);
	if (sqlite3_prepare_v2(s->db, "SELECT value FROM study WHERE key = "
	    "'fingerprint'", -1, &q, NULL) == SQLITE_OK) {
		fresh = 0;
		if (sqlite3_step(q) != SQLITE_ROW ||
		    sqlite3_column_int64(q, 0) != (sqlite3_int64)st->fingerprint) {
			snprintf(err, errlen, "%s holds the results of another "
			    "study, or of this one before its file or scenario "
			    "changed: remove it, or give another --out or --db",
			    path);
			*bad_input = 1;
			goto fail;
		}
	} else if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM "
	    "sqlite_master", -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_step(q) != SQLITE_ROW || sqlite3_column_int(q, 0) != 0) {
		snprintf(err, errlen, "%s is not a study's results file",
		    path);
		*bad_input = 1;
		goto fail;
	}
	sqlite3_finalize(q);
	q = NULL;
	if (exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
	    err, errlen) < 0)
		goto fail;
	if (fresh && (exec(s, "BEGIN", err, errlen) < 0 ||
	    exec(s, fixed_schema, err, errlen) < 0 ||
	    make_shape(s, err, errlen) < 0 || fill(s, err, errlen) < 0 ||
	    exec(s, "COMMIT", err, errlen) < 0))
		goto fail;
	return s;
fail:
	sqlite3_finalize(q);
	sdb_close(s);
	return NULL;
}

void
sdb_close(struct sdb *s)
{
	if (s == NULL)
		return;
	if (s->db != NULL) {
		/* one file again, as a run's results file is at its end */
		sqlite3_exec(s->db, "PRAGMA journal_mode=DELETE", NULL, NULL,
		    NULL);
		sqlite3_close(s->db);
	}
	free(s);
}

struct sqlite3 *
sdb_handle(struct sdb *s)
{
	return s->db;
}

int
sdb_done(struct sdb *s, unsigned char *done, char *err, size_t errlen)
{
	sqlite3_stmt *q;

	memset(done, 0, s->st->nruns);
	if (sqlite3_prepare_v2(s->db, "SELECT run_id FROM runs", -1, &q,
	    NULL) != SQLITE_OK)
		return dberr(s, err, errlen, "study results");
	while (sqlite3_step(q) == SQLITE_ROW) {
		sqlite3_int64 r = sqlite3_column_int64(q, 0);
		if (r >= 0 && (size_t)r < s->st->nruns)
			done[r] = 1;
	}
	sqlite3_finalize(q);
	return 0;
}

/* Run a statement with ?1 bound to the run and, if given, ?2..?4 to a
 * metric's scope, subject pattern and name. */
static int
run_stmt(struct sdb *s, const char *sql, size_t run,
    const struct st_metric *m, char *err, size_t errlen)
{
	sqlite3_stmt *q;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
		return dberr(s, err, errlen, "merging a run");
	sqlite3_bind_int64(q, 1, (sqlite3_int64)run);
	if (m != NULL) {
		sqlite3_bind_text(q, 2, m->scope, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, m->subject, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, m->metric, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 5, m->name, -1, SQLITE_STATIC);
	}
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return dberr(s, err, errlen, "merging a run");
	return 0;
}

int
sdb_merge_run(struct sdb *s, size_t run, const char *run_db, int status,
    char *err, size_t errlen)
{
	static const char *const reduce_sql[] = {
		"avg(value)", "min(value)", "max(value)", "sum(value)" };
	const struct study *st = s->st;
	sqlite3_stmt *q;
	char sql[1024];

	if (sqlite3_prepare_v2(s->db, "ATTACH ? AS r", -1, &q, NULL) !=
	    SQLITE_OK)
		return dberr(s, err, errlen, "merging a run");
	sqlite3_bind_text(q, 1, run_db, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_DONE) {
		sqlite3_finalize(q);
		return dberr(s, err, errlen, run_db);
	}
	sqlite3_finalize(q);
	if (exec(s, "BEGIN", err, errlen) < 0)
		goto fail;
	snprintf(sql, sizeof(sql), "INSERT INTO runs SELECT ?1, %zu, %u, "
	    "%lld, status, %d, reached_ns, events, started, finished, wall_s "
	    "FROM r.runs", study_point(st, run), study_rep(st, run),
	    (long long)study_seed(st, run), status);
	if (run_stmt(s, sql, run, NULL, err, errlen) < 0 ||
	    run_stmt(s, "INSERT INTO expectations SELECT ?1, idx, text, "
	    "subject, metric, op, bound, measured, status FROM "
	    "r.expectations ORDER BY idx", run, NULL, err, errlen) < 0 ||
	    run_stmt(s, "INSERT INTO link_peaks SELECT ?1, l.name, l.kind, "
	    "max(x.utilisation) FROM r.link_samples x JOIN r.links l ON "
	    "l.id = x.link_id WHERE l.kind IN ('inspection', 'backbone') "
	    "GROUP BY l.name ORDER BY l.name", run, NULL, err, errlen) < 0 ||
	    run_stmt(s, "INSERT OR IGNORE INTO metrics SELECT ?1, scope, "
	    "subject, metric, value, unit FROM r.metrics WHERE scope = "
	    "'inspection' ORDER BY scope, subject, metric", run, NULL, err,
	    errlen) < 0)
		goto fail;
	for (size_t m = 0; m < st->nmetrics; m++) {
		snprintf(sql, sizeof(sql), "INSERT OR IGNORE INTO metrics "
		    "SELECT ?1, scope, subject, metric, value, unit FROM "
		    "r.metrics WHERE scope = ?2 AND subject GLOB ?3 AND "
		    "metric = ?4 AND ?5 IS NOT NULL ORDER BY subject");
		if (run_stmt(s, sql, run, &st->metrics[m], err, errlen) < 0)
			goto fail;
		snprintf(sql, sizeof(sql), "INSERT INTO results SELECT ?1, ?5, "
		    "%s, min(unit) FROM r.metrics WHERE scope = ?2 AND subject "
		    "GLOB ?3 AND metric = ?4 HAVING count(*) > 0",
		    reduce_sql[st->metrics[m].reduce]);
		if (run_stmt(s, sql, run, &st->metrics[m], err, errlen) < 0)
			goto fail;
	}
	if (exec(s, "COMMIT", err, errlen) < 0)
		goto fail;
	return exec(s, "DETACH r", err, errlen);
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_exec(s->db, "DETACH r", NULL, NULL, NULL);
	return -1;
}

int
sdb_copy_run(struct sdb *s, const char *from, size_t run, char *err,
    size_t errlen)
{
	static const char *const tables[] = { "runs", "expectations",
		"link_peaks", "metrics", "results" };
	sqlite3_stmt *q;
	char sql[256];
	int there;

	if (sqlite3_prepare_v2(s->db, "ATTACH ? AS k", -1, &q, NULL) !=
	    SQLITE_OK)
		return dberr(s, err, errlen, "merging");
	sqlite3_bind_text(q, 1, from, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_DONE) {
		sqlite3_finalize(q);
		return dberr(s, err, errlen, from);
	}
	sqlite3_finalize(q);
	/* only a file of this very plan: a rank's file left from an older
	 * version of the study is not this study's */
	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM k.runs WHERE run_id = ? "
	    "AND (SELECT value FROM k.study WHERE key = 'fingerprint') = ?",
	    -1, &q, NULL) != SQLITE_OK) {
		dberr(s, err, errlen, from);
		goto fail;
	}
	sqlite3_bind_int64(q, 1, (sqlite3_int64)run);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)s->st->fingerprint);
	there = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	if (!there) {
		exec(s, "DETACH k", err, errlen);
		return 1;
	}
	if (exec(s, "BEGIN", err, errlen) < 0)
		goto fail;
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		/* the same schema: rows in their key order */
		snprintf(sql, sizeof(sql), "INSERT INTO %s SELECT * FROM k.%s "
		    "WHERE run_id = ?1 ORDER BY rowid", tables[i], tables[i]);
		if (run_stmt(s, sql, run, NULL, err, errlen) < 0)
			goto fail;
	}
	if (exec(s, "COMMIT", err, errlen) < 0)
		goto fail;
	return exec(s, "DETACH k", err, errlen);
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_exec(s->db, "DETACH k", NULL, NULL, NULL);
	return -1;
}

/* Every value of a column for one group, in order; into *x (grown). */
static size_t
collect(sqlite3_stmt *q, double **x, size_t *cap)
{
	size_t n = 0;

	while (sqlite3_step(q) == SQLITE_ROW) {
		if (sqlite3_column_type(q, 0) == SQLITE_NULL)
			continue;
		if (n == *cap) {
			double *nx = realloc(*x, (*cap ? 2 * *cap : 64) *
			    sizeof(**x));
			if (nx == NULL)
				break;
			*x = nx;
			*cap = *cap ? 2 * *cap : 64;
		}
		(*x)[n++] = sqlite3_column_double(q, 0);
	}
	sqlite3_reset(q);
	return n;
}

static void
bind_stat(sqlite3_stmt *q, int i, double v)
{
	if (isnan(v))
		sqlite3_bind_null(q, i);
	else
		sqlite3_bind_double(q, i, v);
}

static int
holds(enum st_op op, double v, double bound)
{
	switch (op) {
	case ST_ABOVE:
		return v > bound;
	case ST_BELOW:
		return v < bound;
	case ST_AT_LEAST:
		return v >= bound;
	case ST_AT_MOST:
		return v <= bound;
	}
	return 0;
}

/* Order of a parameter's values for "the lowest that fails": by number
 * when every value is one, else as written. */
static size_t *
value_order(const struct st_param *p)
{
	size_t *o = malloc(p->nvalues * sizeof(*o));
	int numeric = 1;

	if (o == NULL)
		return NULL;
	for (size_t i = 0; i < p->nvalues; i++) {
		o[i] = i;
		numeric &= !isnan(p->num[i]);
	}
	if (numeric)
		for (size_t i = 1; i < p->nvalues; i++)
			for (size_t j = i; j > 0 &&
			    p->num[o[j]] < p->num[o[j - 1]]; j--) {
				size_t t = o[j];
				o[j] = o[j - 1];
				o[j - 1] = t;
			}
	return o;
}

/* The saturation points: per parameter and expectation, and per
 * combination of the other parameters' values, the lowest value whose
 * point fails (NULL: none fails). */
static int
saturation(struct sdb *s, const char *status, char *err, size_t errlen)
{
	const struct study *st = s->st;
	sqlite3_stmt *q;

	if (sqlite3_prepare_v2(s->db, "INSERT INTO saturation VALUES "
	    "(?, ?, ?, ?, ?)", -1, &q, NULL) != SQLITE_OK)
		return dberr(s, err, errlen, "study results");
	for (size_t p = 0; p < st->nparams; p++) {
		const struct st_param *pa = &st->params[p];
		size_t *order = value_order(pa);
		if (order == NULL)
			break;
		for (size_t e = 0; e < st->nexpects; e++)
		for (size_t pt = 0; pt < st->npoints; pt++) {
			char ctx[1024] = "";
			size_t found = (size_t)-1;
			/* one context per point whose p is its first value */
			if (st->value_of[pt * st->nparams + p] != 0)
				continue;
			for (size_t o = 0; o < st->nparams; o++) {
				size_t l = strlen(ctx);
				if (o == p)
					continue;
				snprintf(ctx + l, sizeof(ctx) - l, "%s%s=%s",
				    l ? ", " : "", st->params[o].name,
				    st->params[o].values[st->value_of[pt *
				    st->nparams + o]]);
			}
			/* the points of this context, p's values in order:
			 * the point index moves by p's stride */
			size_t stride = 1;
			for (size_t o = p + 1; o < st->nparams; o++)
				stride *= st->params[o].nvalues;
			for (size_t k = 0; k < pa->nvalues; k++) {
				size_t at = pt + order[k] * stride;
				if (status[at * st->nexpects + e] != 'p') {
					found = at;
					break;
				}
			}
			sqlite3_bind_text(q, 1, pa->name, -1, SQLITE_STATIC);
			sqlite3_bind_int64(q, 2, (sqlite3_int64)e);
			sqlite3_bind_text(q, 3, ctx, -1, SQLITE_TRANSIENT);
			if (found == (size_t)-1) {
				sqlite3_bind_null(q, 4);
				sqlite3_bind_null(q, 5);
			} else {
				size_t vi = st->value_of[found * st->nparams +
				    p];
				bind_value(q, 4, pa->values[vi], pa->num[vi]);
				sqlite3_bind_int64(q, 5, (sqlite3_int64)found);
			}
			if (sqlite3_step(q) != SQLITE_DONE) {
				free(order);
				sqlite3_finalize(q);
				return dberr(s, err, errlen, "study results");
			}
			sqlite3_reset(q);
		}
		free(order);
	}
	sqlite3_finalize(q);
	return 0;
}

int
sdb_summarise(struct sdb *s, char *err, size_t errlen)
{
	const struct study *st = s->st;
	sqlite3_stmt *get = NULL, *put = NULL, *lget = NULL, *lput = NULL,
	    *chk = NULL, *links = NULL;
	double *x = NULL, *mean = NULL;
	size_t cap = 0;
	char *status = NULL;
	int rc = -1;

	mean = calloc(st->npoints * st->nmetrics + 1, sizeof(*mean));
	status = calloc(st->npoints * st->nexpects + 1, 1);
	if (mean == NULL || status == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	if (exec(s, "BEGIN; DELETE FROM summary; DELETE FROM link_summary; "
	    "DELETE FROM point_checks; DELETE FROM saturation", err,
	    errlen) < 0)
		goto done;
	if (sqlite3_prepare_v2(s->db, "SELECT x.value FROM results x JOIN "
	    "runs r USING(run_id) WHERE r.point = ? AND x.metric = ? ORDER "
	    "BY r.run_id", -1, &get, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT INTO summary VALUES (?, ?, ?, "
	    "?, ?, ?, ?, ?, (SELECT min(unit) FROM results x JOIN runs r "
	    "USING(run_id) WHERE r.point = ?1 AND x.metric = ?2))", -1, &put,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "SELECT DISTINCT link, kind FROM "
	    "link_peaks ORDER BY kind DESC, link", -1, &links, NULL) !=
	    SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "SELECT l.utilisation FROM link_peaks "
	    "l JOIN runs r USING(run_id) WHERE r.point = ? AND l.link = ? "
	    "ORDER BY r.run_id", -1, &lget, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT INTO link_summary VALUES (?, ?, "
	    "?, ?, ?, ?, ?)", -1, &lput, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT INTO point_checks VALUES (?, ?, "
	    "?, ?)", -1, &chk, NULL) != SQLITE_OK) {
		dberr(s, err, errlen, "study results");
		goto done;
	}
	for (size_t pt = 0; pt < st->npoints; pt++) {
		for (size_t m = 0; m < st->nmetrics; m++) {
			struct stats sum;
			size_t n;
			sqlite3_bind_int64(get, 1, (sqlite3_int64)pt);
			sqlite3_bind_text(get, 2, st->metrics[m].name, -1,
			    SQLITE_STATIC);
			n = collect(get, &x, &cap);
			stats_summary(x, n, &sum);
			mean[pt * st->nmetrics + m] = sum.mean;
			if (n == 0)
				continue;
			sqlite3_bind_int64(put, 1, (sqlite3_int64)pt);
			sqlite3_bind_text(put, 2, st->metrics[m].name, -1,
			    SQLITE_STATIC);
			sqlite3_bind_int64(put, 3, (sqlite3_int64)n);
			bind_stat(put, 4, sum.mean);
			bind_stat(put, 5, sum.sd);
			bind_stat(put, 6, sum.ci95);
			bind_stat(put, 7, sum.mean - (isnan(sum.ci95) ? 0 :
			    sum.ci95));
			bind_stat(put, 8, sum.mean + (isnan(sum.ci95) ? 0 :
			    sum.ci95));
			if (sqlite3_step(put) != SQLITE_DONE) {
				dberr(s, err, errlen, "study results");
				goto done;
			}
			sqlite3_reset(put);
		}
		for (size_t e = 0; e < st->nexpects; e++) {
			const struct st_expect *xe = &st->expects[e];
			double v = mean[pt * st->nmetrics + (size_t)xe->metric];
			const char *res = isnan(v) ? "no-data" :
			    holds(xe->op, v, xe->bound) ? "pass" : "fail";
			status[pt * st->nexpects + e] = res[0];
			sqlite3_bind_int64(chk, 1, (sqlite3_int64)pt);
			sqlite3_bind_int64(chk, 2, (sqlite3_int64)e);
			bind_stat(chk, 3, v);
			sqlite3_bind_text(chk, 4, res, -1, SQLITE_STATIC);
			if (sqlite3_step(chk) != SQLITE_DONE) {
				dberr(s, err, errlen, "study results");
				goto done;
			}
			sqlite3_reset(chk);
		}
		while (sqlite3_step(links) == SQLITE_ROW) {
			const char *link = (const char *)sqlite3_column_text(
			    links, 0);
			const char *kind = (const char *)sqlite3_column_text(
			    links, 1);
			struct stats sum;
			size_t n;
			sqlite3_bind_int64(lget, 1, (sqlite3_int64)pt);
			sqlite3_bind_text(lget, 2, link, -1, SQLITE_TRANSIENT);
			n = collect(lget, &x, &cap);
			if (n == 0)
				continue;
			stats_summary(x, n, &sum);
			sqlite3_bind_int64(lput, 1, (sqlite3_int64)pt);
			sqlite3_bind_text(lput, 2, link, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(lput, 3, kind, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(lput, 4, (sqlite3_int64)n);
			bind_stat(lput, 5, sum.mean);
			bind_stat(lput, 6, sum.sd);
			bind_stat(lput, 7, sum.ci95);
			if (sqlite3_step(lput) != SQLITE_DONE) {
				dberr(s, err, errlen, "study results");
				goto done;
			}
			sqlite3_reset(lput);
		}
		sqlite3_reset(links);
	}
	if (saturation(s, status, err, errlen) < 0 ||
	    exec(s, "COMMIT", err, errlen) < 0)
		goto done;
	rc = 0;
done:
	if (rc < 0)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_finalize(get);
	sqlite3_finalize(put);
	sqlite3_finalize(lget);
	sqlite3_finalize(lput);
	sqlite3_finalize(chk);
	sqlite3_finalize(links);
	free(x);
	free(mean);
	free(status);
	return rc;
}
