/*
 * Baselines.  Both results files are opened on one SQLite connection (the
 * new one attached as "n"), so each comparison is a join; what moved is
 * gathered, sorted (timings first) and printed as one table per pair.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "reports/compare.h"
#include "reports/expect.h"
#include "reports/results.h"
#include "sim/units.h"

/* Which way is better. */
enum dir { NEUTRAL = 0, LOWER, HIGHER };

enum verdict { SAME = 0, REGRESSION, BETTER, CHANGED };

struct kind {
	const char *name;
	const char *unit;
	enum dir dir;
	double abs, rel;          /* tolerances: unit, fraction of base */
	int rank;                 /* order in the table: timings first */
};

/*
 * The defaults.  Timings of recovery get half a second or 10%: keepalives
 * fall at a random phase, so a failover moves by up to one interval between
 * seeds, and a change of the interval itself moves it by several.  A metric
 * not listed is a count: any difference is a neutral change.
 */
static const struct kind defaults[] = {
	{ "failover-time", "ns", LOWER, 500e6, 0.10, 0 },
	{ "latency-mean", "ns", LOWER, 1e6, 0.05, 2 },
	{ "latency-p50", "ns", LOWER, 1e6, 0.05, 2 },
	{ "latency-p95", "ns", LOWER, 1e6, 0.05, 2 },
	{ "latency-p99", "ns", LOWER, 1e6, 0.05, 2 },
	{ "jitter", "ns", LOWER, 1e6, 0.10, 2 },
	{ "loss", "fraction", LOWER, 0.001, 0.10, 2 },
	{ "throughput", "bps", HIGHER, 0, 0.02, 2 },
	{ "delivered", "packets", HIGHER, 0, 0.01, 2 },
	{ "delay-mean", "ns", LOWER, 1e6, 0.05, 3 },
	{ "utilisation", "fraction", NEUTRAL, 0.01, 0.05, 3 },
	{ "queue-max", "bytes", LOWER, 1500, 0.10, 3 },
	{ "failovers", "count", NEUTRAL, 0, 0, 3 },
	{ "downs", "count", LOWER, 0, 0, 4 },
	{ "auth-failures", "count", LOWER, 0, 0, 4 },
	{ "handshake-retransmits", "count", LOWER, 0, 0, 4 },
	{ "dropped-replayed", "count", LOWER, 0, 0, 4 },
	{ "dropped-forged", "count", LOWER, 0, 0, 4 },
	{ "dropped-malformed", "count", LOWER, 0, 0, 4 },
	{ "dropped-not-up", "count", LOWER, 0, 0, 4 },
	{ "dropped-too-big", "count", LOWER, 0, 0, 4 },
	{ "dropped-rekeying", "count", LOWER, 0, 0, 4 },
};
#define NKINDS (sizeof(defaults) / sizeof(defaults[0]))
static const struct kind other = { "", "count", NEUTRAL, 0, 0, 5 };

#define ONLY_MAX 16

struct compare {
	struct kind k[NKINDS];
	char only[ONLY_MAX][64];  /* compare just these metrics; none: all */
	size_t nonly;
};

/* One line of the table: something that moved. */
struct row {
	int rank;
	size_t seq;               /* order found, within a rank */
	char what[512];
	char base[64], now[64], change[64];
	enum verdict v;
};

struct rows {
	struct row *v;
	size_t n, cap, same;
};

struct compare *
compare_new(void)
{
	struct compare *c = malloc(sizeof(*c));

	if (c != NULL) {
		memcpy(c->k, defaults, sizeof(defaults));
		c->nonly = 0;
	}
	return c;
}

void
compare_free(struct compare *c)
{
	free(c);
}

static const struct kind *
kind_of(const struct compare *c, const char *metric)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (strcmp(c->k[i].name, metric) == 0)
			return &c->k[i];
	return &other;
}

int
compare_only(struct compare *c, const char *metric, char *err, size_t errlen)
{
	if (c->nonly == ONLY_MAX || strlen(metric) >= sizeof(c->only[0]) ||
	    metric[0] == '\0') {
		snprintf(err, errlen, "--only '%s': at most %d metrics, each "
		    "a metric's name", metric, ONLY_MAX);
		return -1;
	}
	snprintf(c->only[c->nonly++], sizeof(c->only[0]), "%s", metric);
	return 0;
}

static int
wanted(const struct compare *c, const char *metric)
{
	for (size_t i = 0; i < c->nonly; i++)
		if (strcmp(c->only[i], metric) == 0)
			return 1;
	return c->nonly == 0;
}

int
compare_tolerance(struct compare *c, const char *spec, int relative,
    char *err, size_t errlen)
{
	const char *eq = strchr(spec, '=');
	struct kind *k = NULL;
	char name[64], e[128];
	double v;

	if (eq == NULL || (size_t)(eq - spec) >= sizeof(name)) {
		snprintf(err, errlen, "'%s': expected METRIC=VALUE", spec);
		return -1;
	}
	memcpy(name, spec, (size_t)(eq - spec));
	name[eq - spec] = '\0';
	for (size_t i = 0; i < NKINDS; i++)
		if (strcmp(c->k[i].name, name) == 0)
			k = &c->k[i];
	if (k == NULL) {
		snprintf(err, errlen, "'%s': no tolerance for metric '%s' "
		    "(counts must match exactly)", spec, name);
		return -1;
	}
	if (relative) {
		/* a percentage of the base value; more than 100% is fine */
		char *end;
		errno = 0;
		v = strtod(eq + 1, &end) / 100.0;
		if (errno != 0 || end == eq + 1 || strcmp(end, "%") != 0 ||
		    !(v >= 0)) {
			snprintf(e, sizeof(e), "expected a percentage, "
			    "like 10%%");
			goto bad;
		}
	} else if (strcmp(k->unit, "fraction") == 0) {
		if (units_fraction(eq + 1, &v, e, sizeof(e)) < 0)
			goto bad;
	} else if (strcmp(k->unit, "ns") == 0) {
		sb_time t;
		if (units_time(eq + 1, &t, e, sizeof(e)) < 0)
			goto bad;
		v = (double)t;
	} else if (strcmp(k->unit, "bps") == 0) {
		uint64_t r;
		if (units_rate(eq + 1, &r, e, sizeof(e)) < 0)
			goto bad;
		v = (double)r;
	} else if (strcmp(k->unit, "bytes") == 0) {
		uint64_t b;
		if (units_size(eq + 1, &b, e, sizeof(e)) < 0)
			goto bad;
		v = (double)b;
	} else {
		char *end;
		errno = 0;
		v = strtod(eq + 1, &end);
		if (errno != 0 || end == eq + 1 || *end != '\0' || v < 0) {
			snprintf(e, sizeof(e), "expected a number of %s",
			    k->unit);
			goto bad;
		}
	}
	if (relative)
		k->rel = v;
	else
		k->abs = v;
	return 0;
bad:
	snprintf(err, errlen, "'%s': %s", spec, e);
	return -1;
}

static struct row *
row_add(struct rows *r, int rank, enum verdict v)
{
	struct row *x;

	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 32;
		struct row *nv = realloc(r->v, cap * sizeof(*nv));
		if (nv == NULL)
			return NULL;
		r->v = nv;
		r->cap = cap;
	}
	x = &r->v[r->n];
	memset(x, 0, sizeof(*x));
	x->rank = rank;
	x->seq = r->n++;
	x->v = v;
	return x;
}

/* Judge one metric's pair of values; a row if it moved. */
static int
judge(struct rows *r, const struct kind *k, const char *what,
    const char *unit, double b, double n)
{
	enum verdict v;
	struct row *x;
	double d = n - b;

	if (isnan(b) && isnan(n))
		return 0;
	if (isnan(n))           /* gone: the thing it measures stopped */
		v = k->dir == NEUTRAL ? CHANGED : REGRESSION;
	else if (isnan(b))      /* new: nothing to hold it against */
		v = CHANGED;
	else if (fabs(d) <= k->abs || fabs(d) <= k->rel * fabs(b)) {
		r->same++;
		return 0;
	} else if (k->dir == NEUTRAL)
		v = CHANGED;
	else
		v = (d < 0) == (k->dir == LOWER) ? BETTER : REGRESSION;
	if ((x = row_add(r, k->rank, v)) == NULL)
		return -1;
	snprintf(x->what, sizeof(x->what), "%s", what);
	expect_fmt_unit(unit, b, x->base, sizeof(x->base));
	expect_fmt_unit(unit, n, x->now, sizeof(x->now));
	if (!isnan(b) && !isnan(n)) {
		char a[48];
		expect_fmt_unit(unit, fabs(d), a, sizeof(a));
		if (b != 0)
			snprintf(x->change, sizeof(x->change), "%c%s (%+.1f%%)",
			    d < 0 ? '-' : '+', a, 100.0 * d / fabs(b));
		else
			snprintf(x->change, sizeof(x->change), "%c%s",
			    d < 0 ? '-' : '+', a);
	}
	return 0;
}

static const char *const metrics_sql =
    "SELECT b.scope, b.subject, b.metric, b.unit, b.value, n.value"
    " FROM main.metrics b LEFT JOIN n.metrics n"
    " USING (scope, subject, metric)"
    " UNION ALL "
    "SELECT n.scope, n.subject, n.metric, n.unit, NULL, n.value"
    " FROM n.metrics n WHERE NOT EXISTS (SELECT 1 FROM main.metrics b"
    " WHERE b.scope = n.scope AND b.subject = n.subject"
    " AND b.metric = n.metric)";

/* Expectations are matched by position and text: an edited scenario's
 * expectation is a different one. */
static const char *const expect_sql =
    "SELECT b.line, b.col, b.text, b.status, n.status"
    " FROM main.expectations b LEFT JOIN n.expectations n"
    " ON n.idx = b.idx AND n.text = b.text ORDER BY b.idx";

static int
gather(const struct compare *c, sqlite3 *h, struct rows *r)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(h, metrics_sql, -1, &st, NULL);

	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct kind k = *kind_of(c, results_text(st, 2));
		char what[512];

		if (!wanted(c, results_text(st, 2))) {
			rc = SQLITE_OK;
			continue;
		}
		/* what a link carries is load, not service: more of it is
		 * neither better nor worse */
		if (strcmp(results_text(st, 0), "link") == 0 && k.dir == HIGHER)
			k.dir = NEUTRAL;
		snprintf(what, sizeof(what), "%s %s %s", results_text(st, 0),
		    results_text(st, 1), results_text(st, 2));
		if (judge(r, &k, what, results_text(st, 3),
		    results_num(st, 4), results_num(st, 5)) < 0)
			rc = SQLITE_NOMEM;
		else
			rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rc;
	rc = sqlite3_prepare_v2(h, expect_sql, -1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *bs = results_text(st, 3), *ns = results_text(st, 4);
		int bp = strcmp(bs, "pass") == 0, np = strcmp(ns, "pass") == 0;
		struct row *x;

		rc = SQLITE_OK;
		if (strcmp(bs, ns) == 0) {
			r->same++;
			continue;
		}
		x = row_add(r, 1, sqlite3_column_type(st, 4) == SQLITE_NULL ?
		    CHANGED : bp && !np ? REGRESSION : np && !bp ? BETTER :
		    CHANGED);
		if (x == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		snprintf(x->what, sizeof(x->what), "expect %d:%d %s",
		    sqlite3_column_int(st, 0), sqlite3_column_int(st, 1),
		    results_text(st, 2));
		snprintf(x->base, sizeof(x->base), "%s", bs);
		snprintf(x->now, sizeof(x->now), "%s",
		    sqlite3_column_type(st, 4) == SQLITE_NULL ? "(none)" : ns);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int
by_rank(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
print_rows(struct rows *r, FILE *out)
{
	static const char *const vname[] = { "", "REGRESSION", "better",
	    "changed" };
	int w[4] = { 4, 4, 3, 6 };

	if (r->n == 0)          /* and r->v is NULL, which qsort may not take */
		return;
	qsort(r->v, r->n, sizeof(*r->v), by_rank);
	for (size_t i = 0; i < r->n; i++) {
		const struct row *x = &r->v[i];
		int l[4] = { (int)strlen(x->what), (int)strlen(x->base),
		    (int)strlen(x->now), (int)strlen(x->change) };
		for (int j = 0; j < 4; j++)
			if (l[j] > w[j])
				w[j] = l[j];
	}
	fprintf(out, "  %-*s  %*s  %*s  %-*s  %s\n", w[0], "what", w[1],
	    "base", w[2], "new", w[3], "change", "verdict");
	for (size_t i = 0; i < r->n; i++) {
		const struct row *x = &r->v[i];
		fprintf(out, "  %-*s  %*s  %*s  %-*s  %s\n", w[0], x->what,
		    w[1], x->base, w[2], x->now, w[3], x->change,
		    vname[x->v]);
	}
}

/* A line about the two runs: which scenario, which seeds, and anything
 * that makes the comparison less than like for like. */
static void
print_header(sqlite3 *h, const char *base, const char *newp, FILE *out)
{
	sqlite3_stmt *st = NULL;

	fprintf(out, "%s -> %s", base, newp);
	if (sqlite3_prepare_v2(h, "SELECT b.scenario, b.seed, n.scenario,"
	    " n.seed, b.status, n.status FROM main.runs b, n.runs n LIMIT 1",
	    -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		fprintf(out, " (%s, seed %s)\n", results_text(st, 0),
		    results_text(st, 1));
		if (strcmp(results_text(st, 0), results_text(st, 2)) != 0 ||
		    strcmp(results_text(st, 1), results_text(st, 3)) != 0)
			fprintf(out, "  note: the new run is %s, seed %s\n",
			    results_text(st, 2), results_text(st, 3));
		for (int i = 4; i <= 5; i++)
			if (strcmp(results_text(st, i), "completed") != 0)
				fprintf(out, "  note: the %s run is %s\n",
				    i == 4 ? "base" : "new",
				    results_text(st, i));
	} else
		fputc('\n', out);
	sqlite3_finalize(st);
}

/* Is this a results file?  Opened read-only, it must hold a run. */
static int
open_pair(const char *base, const char *newp, sqlite3 **h, char *err,
    size_t errlen)
{
	sqlite3_stmt *st = NULL;
	char *sql;
	int rc;

	*h = NULL;
	rc = sqlite3_open_v2(base, h, SQLITE_OPEN_READONLY, NULL);
	if (rc == SQLITE_OK) {
		/* attached files share the connection's read-only flag */
		sql = sqlite3_mprintf("ATTACH %Q AS n", newp);
		rc = sql == NULL ? SQLITE_NOMEM :
		    sqlite3_exec(*h, sql, NULL, NULL, NULL);
		sqlite3_free(sql);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(*h, "SELECT (SELECT count(*) FROM"
		    " main.runs), (SELECT count(*) FROM n.runs)", -1, &st,
		    NULL);
	if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
	    (sqlite3_column_int(st, 0) != 1 || sqlite3_column_int(st, 1) != 1))
		rc = SQLITE_NOTFOUND;
	sqlite3_finalize(st);
	if (rc == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "%s, %s: not two results files (%s)", base,
	    newp, rc == SQLITE_NOTFOUND ? "each must hold one run" :
	    *h != NULL ? sqlite3_errmsg(*h) : "cannot open");
	sqlite3_close(*h);
	*h = NULL;
	return -1;
}

static int
compare_runs(struct compare *c, const char *base, const char *newp,
    FILE *out, char *err, size_t errlen)
{
	struct rows r = { 0 };
	sqlite3 *h;
	size_t reg = 0, better = 0, changed = 0;
	int rc;

	if (open_pair(base, newp, &h, err, errlen) < 0)
		return -1;
	print_header(h, base, newp, out);
	rc = gather(c, h, &r);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s, %s: %s", base, newp,
		    sqlite3_errmsg(h));
		sqlite3_close(h);
		free(r.v);
		return -1;
	}
	sqlite3_close(h);
	print_rows(&r, out);
	for (size_t i = 0; i < r.n; i++) {
		reg += r.v[i].v == REGRESSION;
		better += r.v[i].v == BETTER;
		changed += r.v[i].v == CHANGED;
	}
	fprintf(out, "  %zu regression%s, %zu better, %zu changed, %zu "
	    "within tolerance\n", reg, reg == 1 ? "" : "s", better, changed,
	    r.same);
	free(r.v);
	return (int)reg;
}

static int
is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
is_db(const struct dirent *d)
{
	size_t l = strlen(d->d_name);
	return l > 3 && strcmp(d->d_name + l - 3, ".db") == 0;
}

/* Two folders: each base run against the new run of the same file name. */
static int
compare_dirs(struct compare *c, const char *base, const char *newp,
    FILE *out, char *err, size_t errlen)
{
	struct dirent **b = NULL, **n = NULL;
	int nb, nn, reg = 0, bad = 0;

	nb = scandir(base, &b, is_db, alphasort);
	nn = scandir(newp, &n, is_db, alphasort);
	if (nb < 0 || nn < 0) {
		snprintf(err, errlen, "%s: %s", nb < 0 ? base : newp,
		    strerror(errno));
		bad = 1;
	} else if (nb == 0) {
		snprintf(err, errlen, "%s: no results files (*.db)", base);
		bad = 1;
	}
	for (int i = 0, j = 0; !bad && (i < nb || j < nn);) {
		int cmp = i == nb ? 1 : j == nn ? -1 :
		    strcmp(b[i]->d_name, n[j]->d_name);
		char pb[4096], pn[4096];

		if (cmp < 0) {
			fprintf(out, "%s/%s: missing from %s: REGRESSION\n",
			    base, b[i++]->d_name, newp);
			reg++;
			continue;
		}
		if (cmp > 0) {
			fprintf(out, "%s/%s: not in the baseline\n", newp,
			    n[j++]->d_name);
			continue;
		}
		snprintf(pb, sizeof(pb), "%s/%s", base, b[i++]->d_name);
		snprintf(pn, sizeof(pn), "%s/%s", newp, n[j++]->d_name);
		int k = compare_runs(c, pb, pn, out, err, errlen);
		if (k < 0)
			bad = 1;
		else
			reg += k;
	}
	for (int i = 0; i < nb; i++)
		free(b[i]);
	for (int i = 0; i < nn; i++)
		free(n[i]);
	free(b);
	free(n);
	return bad ? -1 : reg;
}

int
compare_paths(struct compare *c, const char *base, const char *newp,
    FILE *out, char *err, size_t errlen)
{
	int db = is_dir(base), dn = is_dir(newp);

	if (db != dn) {
		snprintf(err, errlen, "%s, %s: compare two results files or "
		    "two folders, not one of each", base, newp);
		return -1;
	}
	return db ? compare_dirs(c, base, newp, out, err, errlen) :
	    compare_runs(c, base, newp, out, err, errlen);
}

int
compare_save(const char *db, const char *path, char *err, size_t errlen)
{
	sqlite3 *h = NULL;
	char *sql = NULL;
	int rc;

	/* VACUUM INTO wants a path that does not exist yet */
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL);
	if (rc == SQLITE_OK) {
		sql = sqlite3_mprintf("VACUUM INTO %Q", path);
		rc = sql == NULL ? SQLITE_NOMEM :
		    sqlite3_exec(h, sql, NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK)
		snprintf(err, errlen, "%s: %s", path, h != NULL ?
		    sqlite3_errmsg(h) : "cannot open");
	sqlite3_free(sql);
	sqlite3_close(h);
	return rc == SQLITE_OK ? 0 : -1;
}
