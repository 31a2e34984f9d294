/*
 * The study's report.  Everything is read from the study's results file
 * into small arrays first (a study has points by the dozen or hundred,
 * not by the million), then the charts are written as the run report's
 * are: NAME.tsv for the data, NAME.gp for the script, drawn by gnuplot
 * through charts_gnuplot, and the page embeds the SVGs.
 *
 * A chart has the parameter on x and one series per combination of the
 * other parameters' values: the mean as a line, the 95% confidence
 * interval of the mean as a band around it.  An expectation on the metric
 * is a dashed horizontal line at its bound, and each saturation point a
 * dotted vertical line.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "reports/charts.h"
#include "reports/html.h"
#include "reports/markup.h"
#include "reports/study_report.h"

#define NCOLOURS 8
static const char *const colours[NCOLOURS] = {
	"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
	"#e377c2", "#17becf",
};

struct sum {
	int have;
	double n, mean, ci95, lo, hi;
};

struct rep {
	sqlite3 *db;
	const char *dir;
	char *err;
	size_t errlen;
	char name[128];
	size_t np, npts, nm, ne, nlinks;
	char **param;           /* [np] */
	char **val;             /* [npts * np] as text */
	double *num;            /* [npts * np], NaN if not a number */
	char **metric, **unit;  /* [nm] */
	struct sum *s;          /* [npts * nm] */
	char **link, **lkind;   /* [nlinks] */
	struct sum *ls;         /* [npts * nlinks] */
	/* expectations */
	char **etext;           /* [ne] */
	int *emetric;
	double *ebound;
	char **echeck;          /* [npts * ne]: pass, fail, no-data */
};

static int
rfail(struct rep *r, const char *what)
{
	snprintf(r->err, r->errlen, "%s: %s", what, sqlite3_errmsg(r->db));
	return -1;
}

static char *
col_text(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	return strdup(t ? (const char *)t : "");
}

/* Rows of a query, each handed to fn; -1 on error. */
static int
each_row(struct rep *r, const char *sql, int (*fn)(struct rep *,
    sqlite3_stmt *))
{
	sqlite3_stmt *q;
	int rc;

	if (sqlite3_prepare_v2(r->db, sql, -1, &q, NULL) != SQLITE_OK)
		return rfail(r, "study report");
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if (fn(r, q) < 0) {
			sqlite3_finalize(q);
			return -1;
		}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : rfail(r, "study report");
}

static size_t
count_of(struct rep *r, const char *sql)
{
	sqlite3_stmt *q;
	size_t n = 0;

	if (sqlite3_prepare_v2(r->db, sql, -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		n = (size_t)sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return n;
}

static int
row_param(struct rep *r, sqlite3_stmt *q)
{
	r->param[sqlite3_column_int(q, 0)] = col_text(q, 1);
	return 0;
}

static int
row_point(struct rep *r, sqlite3_stmt *q)
{
	size_t pt = (size_t)sqlite3_column_int64(q, 0);

	if (pt >= r->npts)
		return 0;
	for (size_t p = 0; p < r->np; p++) {
		int t = sqlite3_column_type(q, (int)p + 1);
		r->val[pt * r->np + p] = col_text(q, (int)p + 1);
		r->num[pt * r->np + p] = t == SQLITE_INTEGER || t == SQLITE_FLOAT ?
		    sqlite3_column_double(q, (int)p + 1) : NAN;
	}
	return 0;
}

static int
row_metric(struct rep *r, sqlite3_stmt *q)
{
	size_t m = (size_t)sqlite3_column_int(q, 0);

	r->metric[m] = col_text(q, 1);
	r->unit[m] = col_text(q, 2);
	return 0;
}

static int
find(char **names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] != NULL && strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

static void
get_sum(sqlite3_stmt *q, int from, struct sum *s)
{
	s->have = 1;
	s->n = sqlite3_column_double(q, from);
	s->mean = sqlite3_column_double(q, from + 1);
	s->ci95 = sqlite3_column_type(q, from + 2) == SQLITE_NULL ? NAN :
	    sqlite3_column_double(q, from + 2);
	s->lo = isnan(s->ci95) ? s->mean : s->mean - s->ci95;
	s->hi = isnan(s->ci95) ? s->mean : s->mean + s->ci95;
}

static int
row_summary(struct rep *r, sqlite3_stmt *q)
{
	size_t pt = (size_t)sqlite3_column_int64(q, 0);
	int m = find(r->metric, r->nm, (const char *)sqlite3_column_text(q, 1));

	if (pt < r->npts && m >= 0)
		get_sum(q, 2, &r->s[pt * r->nm + (size_t)m]);
	return 0;
}

static int
row_link(struct rep *r, sqlite3_stmt *q)
{
	r->link[r->nlinks] = col_text(q, 0);
	r->lkind[r->nlinks++] = col_text(q, 1);
	return 0;
}

static int
row_link_summary(struct rep *r, sqlite3_stmt *q)
{
	size_t pt = (size_t)sqlite3_column_int64(q, 0);
	int l = find(r->link, r->nlinks, (const char *)sqlite3_column_text(q,
	    1));

	if (pt < r->npts && l >= 0)
		get_sum(q, 2, &r->ls[pt * r->nlinks + (size_t)l]);
	return 0;
}

static int
row_expect(struct rep *r, sqlite3_stmt *q)
{
	size_t e = (size_t)sqlite3_column_int(q, 0);

	if (e >= r->ne)
		return 0;
	r->etext[e] = col_text(q, 1);
	r->emetric[e] = find(r->metric, r->nm,
	    (const char *)sqlite3_column_text(q, 2));
	r->ebound[e] = sqlite3_column_double(q, 3);
	return 0;
}

static int
row_check(struct rep *r, sqlite3_stmt *q)
{
	size_t pt = (size_t)sqlite3_column_int64(q, 0),
	    e = (size_t)sqlite3_column_int(q, 1);

	if (pt < r->npts && e < r->ne)
		r->echeck[pt * r->ne + e] = col_text(q, 2);
	return 0;
}

static int
row_name(struct rep *r, sqlite3_stmt *q)
{
	snprintf(r->name, sizeof(r->name), "%s", sqlite3_column_text(q, 0));
	return 0;
}

static int
load(struct rep *r)
{
	r->np = count_of(r, "SELECT count(*) FROM params");
	r->npts = count_of(r, "SELECT count(*) FROM points");
	r->nm = count_of(r, "SELECT count(*) FROM study_metrics");
	r->ne = count_of(r, "SELECT count(*) FROM study_expectations");
	size_t nl = count_of(r, "SELECT count(DISTINCT link) FROM "
	    "link_summary");
	r->param = calloc(r->np + 1, sizeof(*r->param));
	r->val = calloc(r->npts * r->np + 1, sizeof(*r->val));
	r->num = calloc(r->npts * r->np + 1, sizeof(*r->num));
	r->metric = calloc(r->nm + 1, sizeof(*r->metric));
	r->unit = calloc(r->nm + 1, sizeof(*r->unit));
	r->s = calloc(r->npts * r->nm + 1, sizeof(*r->s));
	r->link = calloc(nl + 1, sizeof(*r->link));
	r->lkind = calloc(nl + 1, sizeof(*r->lkind));
	r->ls = calloc(r->npts * nl + 1, sizeof(*r->ls));
	r->etext = calloc(r->ne + 1, sizeof(*r->etext));
	r->emetric = calloc(r->ne + 1, sizeof(*r->emetric));
	r->ebound = calloc(r->ne + 1, sizeof(*r->ebound));
	r->echeck = calloc(r->npts * r->ne + 1, sizeof(*r->echeck));
	if (!r->param || !r->val || !r->num || !r->metric || !r->unit ||
	    !r->s || !r->link || !r->lkind || !r->ls || !r->etext ||
	    !r->emetric || !r->ebound || !r->echeck) {
		snprintf(r->err, r->errlen, "study report: out of memory");
		return -1;
	}
	/* a metric's unit: the first run's that has it */
	return each_row(r, "SELECT value FROM study WHERE key = 'name'",
	    row_name) < 0 ||
	    each_row(r, "SELECT idx, name FROM params ORDER BY idx",
	    row_param) < 0 ||
	    each_row(r, "SELECT * FROM points ORDER BY point", row_point) < 0 ||
	    each_row(r, "SELECT m.idx, m.name, coalesce((SELECT min(unit) "
	    "FROM results x WHERE x.metric = m.name), '') FROM study_metrics "
	    "m ORDER BY m.idx", row_metric) < 0 ||
	    each_row(r, "SELECT point, metric, n, mean, ci95 FROM summary",
	    row_summary) < 0 ||
	    each_row(r, "SELECT DISTINCT link, kind FROM link_summary ORDER BY "
	    "kind DESC, link", row_link) < 0 ||
	    each_row(r, "SELECT point, link, n, mean, ci95 FROM link_summary",
	    row_link_summary) < 0 ||
	    each_row(r, "SELECT idx, text, metric, bound FROM "
	    "study_expectations ORDER BY idx", row_expect) < 0 ||
	    each_row(r, "SELECT point, expectation, status FROM point_checks",
	    row_check) < 0 ? -1 : 0;
}

static void
unload(struct rep *r)
{
	for (size_t i = 0; i < r->np && r->param; i++)
		free(r->param[i]);
	for (size_t i = 0; i < r->npts * r->np && r->val; i++)
		free(r->val[i]);
	for (size_t i = 0; i < r->nm && r->metric; i++) {
		free(r->metric[i]);
		free(r->unit[i]);
	}
	for (size_t i = 0; i < r->nlinks; i++) {
		free(r->link[i]);
		free(r->lkind[i]);
	}
	for (size_t i = 0; i < r->ne && r->etext; i++)
		free(r->etext[i]);
	for (size_t i = 0; i < r->npts * r->ne && r->echeck; i++)
		free(r->echeck[i]);
	free(r->param);
	free(r->val);
	free(r->num);
	free(r->metric);
	free(r->unit);
	free(r->s);
	free(r->link);
	free(r->lkind);
	free(r->ls);
	free(r->etext);
	free(r->emetric);
	free(r->ebound);
	free(r->echeck);
}

/* How a unit is shown: times in ms, fractions in %, rates in Mbps. */
static double
scale_of(const char *unit, const char **shown)
{
	if (strcmp(unit, "ns") == 0) {
		*shown = "ms";
		return 1e-6;
	}
	if (strcmp(unit, "fraction") == 0) {
		*shown = "%";
		return 100;
	}
	if (strcmp(unit, "bps") == 0) {
		*shown = "Mbps";
		return 1e-6;
	}
	*shown = unit;
	return 1;
}

/* Whether parameter p has a number at every point (it can be on x). */
static int
numeric(const struct rep *r, size_t p)
{
	for (size_t pt = 0; pt < r->npts; pt++)
		if (isnan(r->num[pt * r->np + p]))
			return 0;
	return 1;
}

/* The other parameters' values at pt, "a=1, b=2" ("" with one). */
static void
context(const struct rep *r, size_t pt, size_t p, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t o = 0; o < r->np; o++) {
		size_t l = strlen(buf);
		if (o != p)
			snprintf(buf + l, len - l, "%s%s=%s", l ? ", " : "",
			    r->param[o], r->val[pt * r->np + o]);
	}
}

static void
gp_quoted(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

/*
 * Write chart NAME: y(pt) of series k at every point, one block per
 * context; y gives (mean, lo, hi) or returns 0 for none.
 */
static int
draw(struct rep *r, const char *name, const char *title, size_t p,
    const char *ylabel, size_t nseries, const char *const *series_names,
    int (*y)(struct rep *, size_t pt, size_t k, double *m, double *lo,
    double *hi), double hline, const char *hline_title, char **list,
    size_t *nlist)
{
	char path[4200], ctx[1024], done_ctx[64][1024];
	size_t ndone = 0;
	FILE *tsv, *gp;
	int block = 0, any = 0;
	sqlite3_stmt *q;

	snprintf(path, sizeof(path), "%s/%s.tsv", r->dir, name);
	if ((tsv = fopen(path, "w")) == NULL) {
		snprintf(r->err, r->errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s.gp", r->dir, name);
	if ((gp = fopen(path, "w")) == NULL) {
		fclose(tsv);
		snprintf(r->err, r->errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(gp, "# %s: study %s.\n# Draws %s.svg and %s.png from %s.tsv "
	    "when run in their directory: gnuplot %s.gp\n"
	    "set datafile separator tab\nset grid\nset border back\n"
	    "set key outside below center horizontal Left reverse\n"
	    "set termoption noenhanced\n"
	    "set offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05\n",
	    title, r->name, name, name, name,
	    name);
	for (int i = 0; i < NCOLOURS; i++)
		fprintf(gp, "set linetype %d lc rgb '%s' lw 1.5\n", i + 1,
		    colours[i]);
	fputs("set title ", gp);
	gp_quoted(gp, title);
	fputs("\nset xlabel ", gp);
	gp_quoted(gp, r->param[p]);
	fputs("\nset ylabel ", gp);
	gp_quoted(gp, ylabel);
	fputc('\n', gp);
	/* saturation points of this parameter, one context */
	if (sqlite3_prepare_v2(r->db, "SELECT x.value, e.text FROM saturation "
	    "x JOIN study_expectations e ON e.idx = x.expectation WHERE "
	    "x.param = ? AND x.value IS NOT NULL AND x.context = '' ORDER BY "
	    "x.expectation", -1, &q, NULL) == SQLITE_OK) {
		int k = 0;
		sqlite3_bind_text(q, 1, r->param[p], -1, SQLITE_STATIC);
		while (sqlite3_step(q) == SQLITE_ROW) {
			double x = sqlite3_column_double(q, 0);
			char label[300];
			snprintf(label, sizeof(label), "saturation: %s fails",
			    sqlite3_column_text(q, 1));
			fprintf(gp, "set arrow from %.10g, graph 0 to %.10g, "
			    "graph 1 nohead dt 3 lw 1.5 lc rgb '#a00000'\n"
			    "set label ", x, x);
			gp_quoted(gp, label);
			fprintf(gp, " at %.10g, graph %.2f right offset -0.5, 0 "
			    "tc rgb '#a00000' font ',9'\n", x, 0.95 - 0.06 * k++);
		}
		sqlite3_finalize(q);
	}
	fprintf(gp, "set terminal svg size 900,420 dynamic font "
	    "'DejaVu Sans,11'\nset output '%s.svg'\nplot ", name);
	for (size_t k = 0; k < nseries; k++) {
		/* the contexts, in point order */
		for (size_t pt0 = 0; pt0 < r->npts; pt0++) {
			int seen = 0, rows = 0;
			context(r, pt0, p, ctx, sizeof(ctx));
			for (size_t i = 0; i < ndone; i++)
				seen |= strcmp(done_ctx[i], ctx) == 0;
			if (seen || ndone >= 64)
				continue;
			snprintf(done_ctx[ndone++], sizeof(done_ctx[0]), "%s",
			    ctx);
			/* the points of this context, by x */
			size_t *ord = malloc(r->npts * sizeof(*ord)), no = 0;
			if (ord == NULL)
				break;
			for (size_t pt = 0; pt < r->npts; pt++) {
				char c2[1024];
				context(r, pt, p, c2, sizeof(c2));
				if (strcmp(c2, ctx) == 0)
					ord[no++] = pt;
			}
			for (size_t i = 1; i < no; i++)
				for (size_t j = i; j > 0 && r->num[ord[j] *
				    r->np + p] < r->num[ord[j - 1] * r->np + p];
				    j--) {
					size_t t = ord[j];
					ord[j] = ord[j - 1];
					ord[j - 1] = t;
				}
			if (block > 0)
				fputs("\n\n", tsv);
			fprintf(tsv, "# %s%s%s\n# %s\tmean\tci95-lo\tci95-hi\n",
			    series_names[k], ctx[0] ? " " : "", ctx,
			    r->param[p]);
			for (size_t i = 0; i < no; i++) {
				double m, lo, hi;
				if (!y(r, ord[i], k, &m, &lo, &hi))
					continue;
				fprintf(tsv, "%.10g\t%.10g\t%.10g\t%.10g\n",
				    r->num[ord[i] * r->np + p], m, lo, hi);
				rows++;
			}
			free(ord);
			char st[1400];
			snprintf(st, sizeof(st), "%s%s%s", series_names[k],
			    ctx[0] ? " " : "", ctx);
			if (rows == 0) {
				fputs("# no data\n", tsv);
				block++;
				continue;
			}
			if (any)
				fputs(", \\\n     ", gp);
			/* the first band is named for all: they look alike */
			fprintf(gp, "'%s.tsv' index %d using 1:3:4 with "
			    "filledcurves fs transparent solid 0.2 noborder "
			    "lt %d %s, \\\n     '%s.tsv' index %d using "
			    "1:2 with linespoints pt 7 ps 0.6 lt %d title ",
			    name, block, block % NCOLOURS + 1, any ? "notitle" :
			    "title '95% confidence interval'", name, block,
			    block % NCOLOURS + 1);
			gp_quoted(gp, st);
			any = 1;
			block++;
		}
		ndone = 0;
	}
	if (!isnan(hline) && any) {
		fprintf(gp, ", \\\n     %.10g with lines dt 2 lw 1.5 lc rgb "
		    "'#444444' title ", hline);
		gp_quoted(gp, hline_title);
	}
	fprintf(gp, "\nset terminal pngcairo size 900,420 font "
	    "'DejaVu Sans,10'\nset output '%s.png'\nreplot\nset output\n",
	    name);
	if (fclose(tsv) != 0 || fclose(gp) != 0) {
		snprintf(r->err, r->errlen, "%s/%s: cannot write", r->dir, name);
		return -1;
	}
	if (!any)
		return 0;
	if (charts_gnuplot(GNUPLOT_PATH, r->dir, name, r->err, r->errlen) < 0)
		return -1;
	snprintf(list[*nlist], 256, "%s", name);
	snprintf(list[*nlist] + 128, 128, "%s", title);
	(*nlist)++;
	return 0;
}

static size_t cur_metric;

static int
y_metric(struct rep *r, size_t pt, size_t k, double *m, double *lo,
    double *hi)
{
	const struct sum *s = &r->s[pt * r->nm + cur_metric];
	const char *shown;
	double sc = scale_of(r->unit[cur_metric], &shown);

	(void)k;
	if (!s->have)
		return 0;
	*m = s->mean * sc;
	*lo = s->lo * sc;
	*hi = s->hi * sc;
	return 1;
}

static int
y_link(struct rep *r, size_t pt, size_t k, double *m, double *lo,
    double *hi)
{
	const struct sum *s = &r->ls[pt * r->nlinks + k];

	if (!s->have)
		return 0;
	*m = s->mean * 100;
	*lo = s->lo * 100;
	*hi = s->hi * 100;
	return 1;
}

static void
td_num(FILE *f, double v, const char *cls)
{
	if (isnan(v))
		fprintf(f, "<td class=\"n%s%s\">-</td>", cls ? " " : "",
		    cls ? cls : "");
	else
		fprintf(f, "<td class=\"n%s%s\">%.4g</td>", cls ? " " : "",
		    cls ? cls : "", v);
}

static void
th(FILE *f, const char *s)
{
	fputs("<th>", f);
	markup_escape(f, s);
	fputs("</th>", f);
}

int
study_report(sqlite3 *db, const char *dir, char *err, size_t errlen)
{
	struct rep r;
	char path[4200], title[512], name[200], ylabel[200];
	char *list[256], store[256][256];
	size_t nlist = 0;
	FILE *f = NULL;
	sqlite3_stmt *q;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	r.db = db;
	r.dir = dir;
	r.err = err;
	r.errlen = errlen;
	for (size_t i = 0; i < 256; i++)
		list[i] = store[i];
	if (load(&r) < 0)
		goto done;
	/* the metrics against each numeric parameter */
	for (size_t p = 0; p < r.np; p++) {
		if (!numeric(&r, p))
			continue;
		for (size_t m = 0; m < r.nm && nlist < 200; m++) {
			const char *shown, *one[] = { "mean" };
			double bound = NAN, sc = scale_of(r.unit[m], &shown);
			char ht[300] = "";
			for (size_t e = 0; e < r.ne; e++)
				if (r.emetric[e] == (int)m) {
					bound = r.ebound[e] * sc;
					snprintf(ht, sizeof(ht), "expect: %s",
					    r.etext[e]);
				}
			cur_metric = m;
			snprintf(name, sizeof(name), "%s-by-%s", r.metric[m],
			    r.param[p]);
			snprintf(title, sizeof(title), "%s against %s (mean, "
			    "95%% confidence band)", r.metric[m], r.param[p]);
			snprintf(ylabel, sizeof(ylabel), "%s%s%s%s", r.metric[m],
			    shown[0] ? " (" : "", shown, shown[0] ? ")" : "");
			if (draw(&r, name, title, p, ylabel, 1, one, y_metric,
			    bound, ht, list, &nlist) < 0)
				goto done;
		}
		if (r.nlinks > 0 && nlist < 200) {
			snprintf(name, sizeof(name), "utilisation-by-%s",
			    r.param[p]);
			snprintf(title, sizeof(title), "Peak utilisation of "
			    "PoP inspection and backbone links against %s",
			    r.param[p]);
			if (draw(&r, name, title, p, "peak utilisation (%)",
			    r.nlinks, (const char *const *)r.link, y_link, NAN,
			    "", list, &nlist) < 0)
				goto done;
		}
	}
	snprintf(path, sizeof(path), "%s/index.html", dir);
	if ((f = fopen(path, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto done;
	}
	fputs("<!DOCTYPE html>\n<html><head><meta charset=utf-8><title>Study ",
	    f);
	markup_escape(f, r.name);
	fprintf(f, "</title>\n<style>%s</style></head><body>\n<h1>Study ",
	    html_style);
	markup_escape(f, r.name);
	fputs("</h1>\n<p>", f);
	if (sqlite3_prepare_v2(db, "SELECT (SELECT value FROM study WHERE key "
	    "= 'file'), (SELECT value FROM study WHERE key = 'scenario'), "
	    "(SELECT value FROM study WHERE key = 'points'), (SELECT value "
	    "FROM study WHERE key = 'repetitions'), (SELECT count(*) FROM "
	    "runs), (SELECT value FROM study WHERE key = 'seed')", -1, &q,
	    NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW) {
		fputs("Study file <code>", f);
		markup_escape(f, (const char *)sqlite3_column_text(q, 0));
		fputs("</code>, base scenario <code>", f);
		markup_escape(f, (const char *)sqlite3_column_text(q, 1));
		fprintf(f, "</code>: %s points &times; %s repetitions, %s runs "
		    "done, study seed %s (sasebed %s).",
		    sqlite3_column_text(q, 2), sqlite3_column_text(q, 3),
		    sqlite3_column_text(q, 4), sqlite3_column_text(q, 5),
		    PACKAGE_VERSION);
	}
	sqlite3_finalize(q);
	fputs("</p>\n<h2>Saturation points</h2>\n<p>For each swept parameter, "
	    "the lowest value at which the study's expectation, judged on "
	    "the mean over the repetitions, first fails.</p>\n<table><tr><th>"
	    "parameter</th><th>expectation</th><th>other parameters</th>"
	    "<th>first fails at</th></tr>\n", f);
	if (sqlite3_prepare_v2(db, "SELECT x.param, e.text, x.context, "
	    "x.value FROM saturation x JOIN study_expectations e ON e.idx = "
	    "x.expectation ORDER BY x.param, x.expectation, x.context", -1, &q,
	    NULL) == SQLITE_OK) {
		while (sqlite3_step(q) == SQLITE_ROW) {
			int none = sqlite3_column_type(q, 3) == SQLITE_NULL;
			fputs("<tr>", f);
			for (int i = 0; i < 3; i++) {
				fputs("<td>", f);
				markup_escape(f, (const char *)
				    sqlite3_column_text(q, i));
				fputs("</td>", f);
			}
			fprintf(f, "<td class=\"%s\"><b>", none ? "pass" :
			    "fail");
			markup_escape(f, none ? "never: it holds at every "
			    "value" : (const char *)sqlite3_column_text(q, 3));
			fputs("</b></td></tr>\n", f);
		}
		sqlite3_finalize(q);
	}
	fputs("</table>\n<h2>Charts</h2>\n", f);
	for (size_t i = 0; i < nlist; i++) {
		fputs("<figure><img alt=\"", f);
		markup_escape(f, list[i] + 128);
		fputs("\" src=\"data:image/svg+xml;base64,", f);
		snprintf(path, sizeof(path), "%s/%s.svg", dir, list[i]);
		markup_base64_file(f, path);
		fputs("\"><figcaption>", f);
		markup_escape(f, list[i] + 128);
		fprintf(f, " (<a href=\"%s.png\">PNG</a>, <a href=\"%s.tsv\">"
		    "data</a>, <a href=\"%s.gp\">script</a>)</figcaption>"
		    "</figure>\n", list[i], list[i], list[i]);
	}
	/* every point's means */
	fputs("<h2>Points</h2>\n<p>Mean &plusmn; half-width of the 95% "
	    "confidence interval (Student t) over the repetitions; a cell is "
	    "red where an expectation on that metric fails.</p>\n<table><tr>",
	    f);
	for (size_t p = 0; p < r.np; p++)
		th(f, r.param[p]);
	for (size_t m = 0; m < r.nm; m++) {
		const char *shown;
		scale_of(r.unit[m], &shown);
		snprintf(ylabel, sizeof(ylabel), "%s%s%s%s", r.metric[m],
		    shown[0] ? " (" : "", shown, shown[0] ? ")" : "");
		th(f, ylabel);
	}
	fputs("<th>n</th></tr>\n", f);
	for (size_t pt = 0; pt < r.npts; pt++) {
		double n = 0;
		fputs("<tr>", f);
		for (size_t p = 0; p < r.np; p++) {
			fputs("<td class=\"n\">", f);
			markup_escape(f, r.val[pt * r.np + p]);
			fputs("</td>", f);
		}
		for (size_t m = 0; m < r.nm; m++) {
			const struct sum *s = &r.s[pt * r.nm + m];
			const char *shown, *cls = NULL;
			double sc = scale_of(r.unit[m], &shown);
			for (size_t e = 0; e < r.ne; e++)
				if (r.emetric[e] == (int)m &&
				    r.echeck[pt * r.ne + e] != NULL)
					cls = strcmp(r.echeck[pt * r.ne + e],
					    "pass") == 0 ? (cls ? cls : "pass") :
					    "fail";
			if (!s->have) {
				td_num(f, NAN, cls);
				continue;
			}
			if (s->n > n)
				n = s->n;
			fprintf(f, "<td class=\"n%s%s\">%.4g", cls ? " " : "",
			    cls ? cls : "", s->mean * sc);
			if (!isnan(s->ci95))
				fprintf(f, " &plusmn; %.2g", s->ci95 * sc);
			fputs("</td>", f);
		}
		fprintf(f, "<td class=\"n\">%.0f</td></tr>\n", n);
	}
	fputs("</table>\n", f);
	if (r.nlinks > 0) {
		fputs("<h2>PoP inspection and backbone links at peak</h2>\n"
		    "<p>Each link's busiest sampling interval in a run "
		    "(utilisation, %), averaged over the repetitions.</p>\n"
		    "<table><tr>", f);
		for (size_t p = 0; p < r.np; p++)
			th(f, r.param[p]);
		for (size_t l = 0; l < r.nlinks; l++)
			th(f, r.link[l]);
		fputs("</tr>\n", f);
		for (size_t pt = 0; pt < r.npts; pt++) {
			fputs("<tr>", f);
			for (size_t p = 0; p < r.np; p++) {
				fputs("<td class=\"n\">", f);
				markup_escape(f, r.val[pt * r.np + p]);
				fputs("</td>", f);
			}
			for (size_t l = 0; l < r.nlinks; l++) {
				const struct sum *s = &r.ls[pt * r.nlinks + l];
				td_num(f, s->have ? 100 * s->mean : NAN,
				    s->have && s->mean >= 0.9 ? "fail" : NULL);
			}
			fputs("</tr>\n", f);
		}
		fputs("</table>\n", f);
	}
	fputs("<h2>Querying the results</h2>\n<p>Everything above comes from "
	    "the study's SQLite file: <code>v_summary</code> (a point's "
	    "parameters, metric, n, mean, sd, ci95), <code>v_results</code> "
	    "(every run's value of every metric), <code>saturation</code>, "
	    "<code>v_link_summary</code>; docs/studies.md.</p>\n"
	    "</body></html>\n", f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s/index.html: cannot write", dir);
		goto done;
	}
	rc = 0;
done:
	if (f != NULL && fclose(f) != 0 && rc == 0) {
		snprintf(err, errlen, "%s/index.html: cannot write", dir);
		rc = -1;
	}
	unload(&r);
	return rc;
}
