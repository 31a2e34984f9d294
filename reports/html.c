/*
 * The HTML report.  Everything on the page comes from the results file;
 * pictures are embedded as data URIs so the page can be mailed or attached
 * to a CI job alone, and links beside each picture lead to its SVG, PNG,
 * data and script for whoever has the folder.  No scripts: a report must
 * open anywhere, and nothing on it needs one.
 *
 * The page is written to a temporary name and renamed, so a report that
 * is interrupted leaves the previous one, not half of a new one.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "config.h"
#include "reports/charts.h"
#include "reports/expect.h"
#include "reports/html.h"
#include "reports/markup.h"
#include "reports/results.h"
#include "reports/topology.h"
#include "sim/units.h"

/* An event log longer than this is cut, with a note: the database has all
 * of it, and a page of a million rows helps nobody. */
#define EVENTS_SHOWN 2000

const char html_style[] =
    "body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;margin:2em;"
    "color:#222;max-width:1100px}"
    "h1{font-size:1.6em;margin-bottom:0}h2{margin-top:1.6em;"
    "border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse;font-size:.9em}"
    "td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;"
    "vertical-align:top}th{background:#f3f3f3}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}"
    ".pass{background:#e3f6e3}.fail{background:#fbe1e1}"
    ".verdict{font-size:1.2em;font-weight:bold;padding:.4em .8em;"
    "display:inline-block;margin:.6em 0}"
    "figure{margin:1em 0}img{max-width:100%;height:auto;"
    "border:1px solid #eee}figcaption{font-size:.85em;color:#555}"
    ".err{color:#a00}";

static void
cell(FILE *f, const char *s)
{
	fputs("<td>", f);
	markup_escape(f, s);
	fputs("</td>", f);
}

static void
cell_unit(FILE *f, const char *unit, double v)
{
	char b[64];

	fprintf(f, "<td class=n>%s</td>", isnan(v) ? "" :
	    expect_fmt_unit(unit, v, b, sizeof(b)));
}

/* An embedded picture and, beside it, the files it was made from. */
static void
figure(FILE *f, const char *dir, const char *stem, const char *title,
    int script)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s.svg", dir, stem);
	fputs("<figure><img alt=\"", f);
	markup_escape(f, title);
	fputs("\" src=\"data:image/svg+xml;base64,", f);
	if (markup_base64_file(f, path) < 0)
		fputs("\"><figcaption class=err>missing: ", f);
	else
		fputs("\"><figcaption>", f);
	markup_escape(f, title);
	fprintf(f, " &middot; <a href=\"%s.svg\">SVG</a> <a href=\"%s.png\">"
	    "PNG</a>", stem, stem);
	if (script)
		fprintf(f, " <a href=\"%s.tsv\">data</a> <a href=\"%s.gp\">"
		    "script</a>", stem, stem);
	else
		fprintf(f, " <a href=\"%s.dot\">graph</a>", stem);
	fputs("</figcaption></figure>\n", f);
}

/* "2026-06-02 10:00:00 +01:00" on the scenario's clock. */
static void
fmt_clock(int64_t utc_s, int offset_min, char *buf, size_t len)
{
	time_t t = (time_t)(utc_s + (int64_t)offset_min * 60);
	struct tm tm;
	int a = abs(offset_min);

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d %c%02d:%02d",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, offset_min < 0 ? '-' : '+', a / 60, a % 60);
}

static int
summary(FILE *f, sqlite3 *h, int *failed)
{
	sqlite3_stmt *st = NULL;
	char dur[64], reached[64], clock[64];
	int rc;

	rc = sqlite3_prepare_v2(h, "SELECT scenario, path, seed, version, "
	    "status, duration_ns, reached_ns, start_utc_s, start_offset_min, "
	    "events, wall_s, "
	    "(SELECT count(*) FROM expectations WHERE status = 'pass'), "
	    "(SELECT count(*) FROM expectations WHERE status != 'pass') "
	    "FROM runs LIMIT 1", -1, &st, NULL);
	if (rc != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return -1;
	}
	*failed = sqlite3_column_int(st, 12);
	units_fmt_time(sqlite3_column_int64(st, 5), dur, sizeof(dur));
	units_fmt_time(sqlite3_column_int64(st, 6), reached, sizeof(reached));
	fmt_clock(sqlite3_column_int64(st, 7), sqlite3_column_int(st, 8),
	    clock, sizeof(clock));
	fputs("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
	    "<title>", f);
	markup_escape(f, results_text(st, 0));
	fprintf(f, " (seed %s)</title>\n<style>%s</style></head><body>\n"
	    "<h1>", results_text(st, 2), html_style);
	markup_escape(f, results_text(st, 0));
	fputs("</h1>\n", f);
	if (strcmp(results_text(st, 4), "completed") != 0)
		fprintf(f, "<div class=\"verdict fail\">run %s</div>\n",
		    results_text(st, 4));
	else
		fprintf(f, "<div class=\"verdict %s\">%d of %d expectations "
		    "held</div>\n", *failed ? "fail" : "pass",
		    sqlite3_column_int(st, 11),
		    sqlite3_column_int(st, 11) + *failed);
	fputs("<table>\n<tr><th>scenario file</th>", f);
	cell(f, results_text(st, 1));
	fprintf(f, "</tr>\n<tr><th>seed</th><td>%s</td></tr>\n"
	    "<tr><th>simulated</th><td>%s of %s, from %s</td></tr>\n"
	    "<tr><th>status</th><td>%s</td></tr>\n"
	    "<tr><th>kernel events</th><td>%lld in %.2f s of wall time</td>"
	    "</tr>\n"
	    "<tr><th>version</th><td>sasebed %s</td></tr>\n</table>\n",
	    results_text(st, 2), reached, dur, clock, results_text(st, 4),
	    (long long)sqlite3_column_int64(st, 9),
	    sqlite3_column_double(st, 10),
	    results_text(st, 3));
	sqlite3_finalize(st);
	return 0;
}

/* The measured part of an expectation's message: "file:l:c: text:
 * measured 9.04s: pass" gives "9.04s". */
static void
measured_of(const char *msg, char *buf, size_t len)
{
	const char *m = strstr(msg, ": measured ");
	const char *end = strrchr(msg, ':');

	buf[0] = '\0';
	if (m != NULL && end != NULL && end > m)
		snprintf(buf, len, "%.*s", (int)(end - m - 11), m + 11);
}

static int
expectations(FILE *f, sqlite3 *h)
{
	sqlite3_stmt *st = NULL;
	int rc, n = 0;

	fputs("<h2>Expectations</h2>\n", f);
	rc = sqlite3_prepare_v2(h, "SELECT line, col, text, status, message "
	    "FROM expectations ORDER BY idx", -1, &st, NULL);
	while (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		char m[256];
		int pass = strcmp(results_text(st, 3), "pass") == 0;

		if (n++ == 0)
			fputs("<table>\n<tr><th>line</th><th>expectation</th>"
			    "<th>measured</th><th>outcome</th></tr>\n", f);
		measured_of(results_text(st, 4), m, sizeof(m));
		fprintf(f, "<tr class=%s><td class=n>%d:%d</td>",
		    pass ? "pass" : "fail", sqlite3_column_int(st, 0),
		    sqlite3_column_int(st, 1));
		cell(f, results_text(st, 2));
		cell(f, m);
		cell(f, results_text(st, 3));
		fputs("</tr>\n", f);
	}
	fputs(n ? "</table>\n" : "<p>The scenario states none.</p>\n", f);
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : -1;
}

/* How a flow's packets went: all one way, or the share off-cloud. */
static void
transport_cell(FILE *f, double cloud, double oc)
{
	char b[64] = "";
	double share;
	int prec = 0;

	if (!isnan(cloud) && !isnan(oc) && cloud + oc > 0) {
		/* enough decimals that a mix never reads 0% or 100% */
		share = 100 * oc / (cloud + oc);
		while (prec < 6 && (share < 0.5 * pow(10, -prec) ||
		    share > 100 - 0.5 * pow(10, -prec)))
			prec++;
		snprintf(b, sizeof(b), oc == 0 ? "cloud" : cloud == 0 ?
		    "off-cloud" : "off-cloud %.*f%%", prec, share);
	}
	cell(f, b);
}

/* Off-cloud per site pair, when the run had a mesh. */
static int
offcloud(FILE *f, sqlite3 *h)
{
	static const char *const m[] = { "packets", "bytes", "flows",
	    "connects", "disconnects" };
	sqlite3_stmt *st = NULL;
	int rc, n = 0;

	rc = sqlite3_prepare_v2(h, "SELECT subject, "
	    "sum(CASE metric WHEN 'packets' THEN value END), "
	    "sum(CASE metric WHEN 'bytes' THEN value END), "
	    "sum(CASE metric WHEN 'flows' THEN value END), "
	    "sum(CASE metric WHEN 'connects' THEN value END), "
	    "sum(CASE metric WHEN 'disconnects' THEN value END) "
	    "FROM metrics WHERE scope = 'off-cloud' GROUP BY subject "
	    "ORDER BY subject", -1, &st, NULL);
	while (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		if (n++ == 0) {
			fputs("<h2>Off-cloud</h2>\n<table>\n<tr><th>from &gt; "
			    "to</th>", f);
			for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
				fprintf(f, "<th>%s</th>", m[i]);
			fputs("</tr>\n", f);
		}
		fputs("<tr>", f);
		cell(f, results_text(st, 0));
		for (int i = 1; i <= 5; i++)
			fprintf(f, "<td class=n>%.0f</td>",
			    sqlite3_column_double(st, i));
		fputs("</tr>\n", f);
	}
	if (n)
		fputs("</table>\n<p>What each site sent straight to another "
		    "over the Internet, never through a PoP; connects and "
		    "disconnects count the first tunnel of the pair up and "
		    "the last down (the events have each).</p>\n", f);
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : -1;
}

static int
flows(FILE *f, sqlite3 *h)
{
	static const char *const m[] = { "latency-p50", "latency-p95",
	    "latency-p99", "jitter", "loss", "throughput", "failover-time",
	    "sent-via-cloud", "sent-off-cloud" };
	static const char *const u[] = { "ns", "ns", "ns", "ns", "fraction",
	    "bps", "ns" };
	sqlite3_stmt *st = NULL;
	int rc, n = 0;

	rc = sqlite3_prepare_v2(h, "SELECT f.name, f.kind, f.src, f.dst, "
	    "f.via, v.metric, v.value FROM flows f LEFT JOIN metrics v "
	    "ON v.scope = 'flow' AND v.subject = f.name ORDER BY f.id",
	    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return -1;
	fputs("<h2>Flows</h2>\n", f);
	/* one row per flow: the metric rows of a flow come together */
	char cur[256] = "";
	double v[9];
	for (int more = sqlite3_step(st) == SQLITE_ROW; ; ) {
		if (!more || strcmp(cur, results_text(st, 0)) != 0) {
			if (cur[0] != '\0') {
				for (int i = 0; i < 7; i++)
					cell_unit(f, u[i], v[i]);
				transport_cell(f, v[7], v[8]);
				fputs("</tr>\n", f);
			}
			if (!more)
				break;
			if (n++ == 0)
				fputs("<table>\n<tr><th>flow</th><th>kind</th>"
				    "<th>from</th><th>to</th><th>via</th>"
				    "<th>p50</th><th>p95</th><th>p99</th>"
				    "<th>jitter</th><th>loss</th>"
				    "<th>throughput</th><th>failover</th>"
				    "<th>transport</th></tr>\n", f);
			snprintf(cur, sizeof(cur), "%s", results_text(st, 0));
			for (int i = 0; i < 9; i++)
				v[i] = NAN;
			fputs("<tr>", f);
			for (int i = 0; i < 5; i++)
				cell(f, results_text(st, i));
		}
		for (int i = 0; i < 9; i++)
			if (strcmp(results_text(st, 5), m[i]) == 0)
				v[i] = results_num(st, 6);
		more = sqlite3_step(st) == SQLITE_ROW;
	}
	fputs(n ? "</table>\n<p>Latency is one-way, from sending to "
	    "delivery; the failover is the longest of the run; transport is "
	    "how the Socket sent the flow's packets: through the PoPs "
	    "(cloud) or straight to the other site (off-cloud).</p>\n" :
	    "<p>No flows.</p>\n", f);
	sqlite3_finalize(st);
	return 0;
}

static int
events(FILE *f, sqlite3 *h)
{
	sqlite3_stmt *st = NULL;
	int rc, n = 0;

	fputs("<h2>Events</h2>\n", f);
	rc = sqlite3_prepare_v2(h, "SELECT t_s, local_time, kind, node, "
	    "subject, detail, value, (SELECT count(*) FROM events) "
	    "FROM v_events ORDER BY seq LIMIT ?1", -1, &st, NULL);
	if (rc == SQLITE_OK)
		sqlite3_bind_int(st, 1, EVENTS_SHOWN);
	while (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		if (n++ == 0) {
			int total = sqlite3_column_int(st, 7);
			if (total > EVENTS_SHOWN)
				fprintf(f, "<p>The first %d of %d; the results "
				    "file has them all (<code>v_events</code>)."
				    "</p>\n", EVENTS_SHOWN, total);
			fputs("<table>\n<tr><th>t (s)</th><th>clock</th>"
			    "<th>kind</th><th>node</th><th>subject</th>"
			    "<th>detail</th><th>value</th></tr>\n", f);
		}
		fprintf(f, "<tr><td class=n>%.6f</td>",
		    sqlite3_column_double(st, 0));
		for (int i = 1; i <= 5; i++)
			cell(f, results_text(st, i));
		fprintf(f, "<td class=n>%s</td></tr>\n", results_text(st, 6));
	}
	fputs(n ? "</table>\n" : "<p>None.</p>\n", f);
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : -1;
}

/* A picture that could not be drawn: said on the page, and the first
 * such message kept for the caller. */
static void
trouble(FILE *f, const char *e, int *bad, char *err, size_t errlen)
{
	fputs("<p class=err>", f);
	markup_escape(f, e);
	fputs("</p>\n", f);
	if (!*bad)
		snprintf(err, errlen, "%s", e);
	*bad = 1;
}

struct html {
	struct topology *topo;
};

struct html *
html_new(char *err, size_t errlen)
{
	struct html *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		snprintf(err, errlen, "report: out of memory");
		return NULL;
	}
	if ((w->topo = topology_new(err, errlen)) == NULL) {
		free(w);
		return NULL;
	}
	return w;
}

void
html_free(struct html *w)
{
	if (w == NULL)
		return;
	topology_free(w->topo);
	free(w);
}

/* The page body after the summary; pictures are drawn first.  With
 * at_ns >= 0, the network at that instant under the whole run's. */
static void
pictures(struct html *w, FILE *f, sqlite3 *h, const char *dir, int64_t at_ns,
    int *bad, char *err, size_t errlen)
{
	struct chart_list cl = { 0 };
	char e[1024], title[64], at[32];

	fputs("<h2>Topology</h2>\n", f);
	if (topology_draw(w->topo, h, dir, -1, e, sizeof(e)) < 0)
		trouble(f, e, bad, err, errlen);
	else
		figure(f, dir, "topology", "Sites, PoPs, backbone and Internet "
		    "paths over the whole run", 0);
	if (at_ns >= 0 &&
	    topology_draw(w->topo, h, dir, at_ns, e, sizeof(e)) < 0)
		trouble(f, e, bad, err, errlen);
	else if (at_ns >= 0) {
		units_fmt_time(at_ns, at, sizeof(at));
		snprintf(title, sizeof(title), "The network at %s", at);
		figure(f, dir, "topology-at", title, 0);
	}
	fputs("<h2>Charts</h2>\n", f);
	if (charts_draw(h, dir, GNUPLOT_PATH, &cl, e, sizeof(e)) < 0)
		trouble(f, e, bad, err, errlen);
	for (size_t i = 0; i < cl.n; i++)
		figure(f, dir, cl.v[i].name, cl.v[i].title, 1);
}

int
html_report(struct html *w, const char *db, const char *dir, int64_t at_ns,
    char *err, size_t errlen)
{
	char tmp[4096], path[4096], e[1024];
	sqlite3 *h = NULL;
	FILE *f;
	int bad = 0, failed = 0;

	snprintf(path, sizeof(path), "%s/index.html", dir);
	snprintf(tmp, sizeof(tmp), "%s/.index.html.tmp", dir);
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", db, sqlite3_errmsg(h));
		sqlite3_close(h);
		return -2;
	}
	if ((f = fopen(tmp, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		sqlite3_close(h);
		return -1;
	}
	/* failed < 0: bad input, and no page; the last one stays */
	if (summary(f, h, &failed) < 0) {
		snprintf(err, errlen, "%s: not a results file (%s)", db,
		    sqlite3_errmsg(h));
		failed = -1;
		bad = 2;
	} else if (at_ns >= 0 && topology_check_at(h, at_ns, e,
	    sizeof(e)) < 0) {
		snprintf(err, errlen, "%s: %s", db, e);
		failed = -1;
		bad = 2;
	} else {
		expectations(f, h);
		pictures(w, f, h, dir, at_ns, &bad, err, errlen);
		flows(f, h);
		offcloud(f, h);
		events(f, h);
		fputs("</body></html>\n", f);
	}
	sqlite3_close(h);
	if (fclose(f) != 0 && !bad) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		bad = 2;
	}
	if (bad == 2 || rename(tmp, path) < 0) {
		if (bad != 2)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return failed < 0 ? -2 : -1;
	}
	return bad ? -1 : 0;
}

static int
is_db(const struct dirent *d)
{
	size_t l = strlen(d->d_name);
	return l > 3 && strcmp(d->d_name + l - 3, ".db") == 0;
}

/* One row of the index: a results file whose report is beside it. */
static void
index_row(FILE *f, const char *dir, const char *name)
{
	char db[4096], page[4096], stem[1024];
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;

	snprintf(stem, sizeof(stem), "%.*s", (int)(strlen(name) - 3), name);
	snprintf(db, sizeof(db), "%s/%s", dir, name);
	snprintf(page, sizeof(page), "%s/%s/index.html", dir, stem);
	if (access(page, F_OK) < 0)
		return;
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, "SELECT scenario, seed, status, "
	    "(SELECT count(*) FROM expectations WHERE status = 'pass'), "
	    "(SELECT count(*) FROM expectations WHERE status != 'pass') "
	    "FROM runs LIMIT 1", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		int ok = strcmp(results_text(st, 2), "completed") == 0 &&
		    sqlite3_column_int(st, 4) == 0;
		fprintf(f, "<tr class=%s><td><a href=\"", ok ? "pass" : "fail");
		markup_escape(f, stem);
		fputs("/index.html\">", f);
		markup_escape(f, results_text(st, 0));
		fprintf(f, "</a></td><td class=n>%s</td><td>%s</td>"
		    "<td class=n>%d</td><td class=n>%d</td></tr>\n",
		    results_text(st, 1),
		    results_text(st, 2), sqlite3_column_int(st, 3),
		    sqlite3_column_int(st, 4));
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
}

int
html_index(const char *dir, char *err, size_t errlen)
{
	struct dirent **ents;
	char tmp[4096], path[4096];
	FILE *f;
	int n;

	if ((n = scandir(dir, &ents, is_db, alphasort)) < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/index.html", dir);
	snprintf(tmp, sizeof(tmp), "%s/.index.html.tmp", dir);
	if ((f = fopen(tmp, "w")) != NULL) {
		fprintf(f, "<!DOCTYPE html>\n<html lang=en><head><meta "
		    "charset=utf-8><title>Runs</title>\n<style>%s</style>"
		    "</head><body>\n<h1>Runs</h1>\n<table>\n<tr><th>scenario"
		    "</th><th>seed</th><th>status</th><th>held</th>"
		    "<th>failed</th></tr>\n", html_style);
		for (int i = 0; i < n; i++)
			index_row(f, dir, ents[i]->d_name);
		fputs("</table>\n</body></html>\n", f);
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	if (f == NULL || fclose(f) != 0 || rename(tmp, path) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
