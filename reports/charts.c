/*
 * Charts of a run.  Each chart is a data file, NAME.tsv (one gnuplot data
 * block per series, picked by `index`), a script, NAME.gp, that reads it
 * by relative path, and the two pictures the script draws, NAME.svg and
 * NAME.png: `cd DIR && gnuplot NAME.gp` draws them again, or edited.
 *
 * The scripts fix the plot area in screen fractions instead of leaving it
 * to gnuplot: the labels of the timeline's actions sit above the plot and
 * can only be kept apart if we know where each lands.  The key goes below
 * the plot, where it covers no data however long the names.
 *
 * A series without a single value gets no block, and a chart without a
 * series is removed again: nothing is drawn empty.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reports/charts.h"

#define CANVAS_W	900.0	/* px, the width the terminals are given */
#define CHAR_W		6.5	/* px, a character of a 9-point label */
#define LEVELS		4	/* heights for labels above the plot */
#define LEVEL_H		0.045	/* screen fraction between two heights */
#define TITLE_H		0.10	/* screen fraction above them, for the title */
#define MAX_MARKERS	64	/* actions marked; a timeline has a few */
#define MAX_ROUTES	24	/* routes in the key; more share the last */
#define NCOLOURS	8
#define KEY_MAX		16	/* series named in the key; the rest are
				   drawn and counted, so that a run of
				   hundreds of flows keeps its plot */

/* Told apart by most colour-blind readers too, and readable on white. */
static const char *const colours[NCOLOURS] = {
	"#0072b2", "#e69f00", "#009e73", "#cc79a7",
	"#56b4e9", "#d55e00", "#404040", "#b8a000",
};

/* What every chart of the run shares. */
struct run {
	sqlite3 *db;
	const char *dir, *gnuplot;
	char *err;
	size_t errlen;
	struct chart_list *out;
	char scenario[128], seed[32];
	double end_ns;		/* the time axis ends here */
	double unit_ns;		/* and counts in this unit */
	const char *unit;	/* named so */
	double interval_ns;	/* sampling interval */
};

/* One chart being written. */
struct chart {
	struct run *r;
	const char *name, *title;
	FILE *tsv, *gp;
	double left, right;	/* plot area, screen fractions */
	int levels;		/* heights of labels in use above the plot */
	int nblocks;		/* data blocks written, each a plot clause */
};

/* A timeline action to mark, and where its label goes. */
struct marker {
	double x, px;		/* axis units; pixels from the left */
	double lo, hi;		/* the label's extent, pixels */
	int level;		/* its height, or -1: no room, no label */
	char text[96];
};

/* The routes of the path chart, by label, in the order met. */
struct routes {
	char v[MAX_ROUTES][64];
	int n;
};

static int
fail(struct run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, r->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* SQLite's message; ST, if any, is finalized. */
static int
sql_fail(struct run *r, sqlite3_stmt *st)
{
	fail(r, "charts: %s", sqlite3_errmsg(r->db));
	sqlite3_finalize(st);
	return -1;
}

/* SQL, with ?1 bound to the time unit if it asks for it. */
static int
prepare(struct run *r, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(r->db, sql, -1, st, NULL) != SQLITE_OK)
		return sql_fail(r, NULL);
	if (sqlite3_bind_parameter_count(*st) >= 1 &&
	    sqlite3_bind_double(*st, 1, r->unit_ns) != SQLITE_OK)
		return sql_fail(r, *st);
	return 0;
}

/* The one number SQL gives; 0 for NULL. */
static int
query_double(struct run *r, const char *sql, double *v)
{
	sqlite3_stmt *st;

	if (prepare(r, sql, &st) < 0)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW)
		return sql_fail(r, st);
	*v = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return 0;
}

/* A gnuplot string: '...' takes all literally but '' for a quote. */
/* 1 if the results have table `name` (a constant of ours), 0 if not
 * (files written before it existed), -1 on error. */
static int
has_table(struct run *r, const char *name)
{
	char sql[128];
	double n;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM sqlite_master "
	    "WHERE type = 'table' AND name = '%s'", name);
	return query_double(r, sql, &n) < 0 ? -1 : n > 0;
}

static void
put_quoted(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc((unsigned char)*s < ' ' ? ' ' : *s, f);
	}
	fputc('\'', f);
}

/* DIR/NAME.EXT; charts_draw has made sure it fits. */
static void
chart_path(const struct chart *c, const char *ext, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.%s", c->r->dir, c->name, ext);
}

/* Close and remove what there is of a chart. */
static void
chart_discard(struct chart *c)
{
	char path[4200];

	if (c->tsv != NULL)
		fclose(c->tsv);
	if (c->gp != NULL)
		fclose(c->gp);
	c->tsv = c->gp = NULL;
	chart_path(c, "tsv", path, sizeof(path));
	unlink(path);
	chart_path(c, "gp", path, sizeof(path));
	unlink(path);
}

/*
 * Create NAME.tsv, headed by COLUMNS, and NAME.gp with what every script
 * says first; the plot area starts at LEFT.
 */
static int
chart_open(struct run *r, struct chart *c, const char *name,
    const char *title, const char *columns, double left)
{
	char path[4200];

	memset(c, 0, sizeof(*c));
	c->r = r;
	c->name = name;
	c->title = title;
	c->left = left;
	c->right = 0.97;
	chart_path(c, "tsv", path, sizeof(path));
	if ((c->tsv = fopen(path, "w")) == NULL)
		return fail(r, "charts: %s: %s", path, strerror(errno));
	chart_path(c, "gp", path, sizeof(path));
	if ((c->gp = fopen(path, "w")) == NULL) {
		fail(r, "charts: %s: %s", path, strerror(errno));
		chart_discard(c);
		return -1;
	}
	fprintf(c->tsv, "# %s: %s, seed %s\n# %s\n", title, r->scenario,
	    r->seed, columns);
	fprintf(c->gp, "# %s: %s, seed %s.\n"
	    "# Draws %s.svg and %s.png from %s.tsv when run in their\n"
	    "# directory: gnuplot %s.gp\n"
	    "set datafile separator tab\n"
	    "set grid\n"
	    "set border back\n"
	    "set key outside below center horizontal reverse Left height 1\n"
	    "set lmargin at screen %.3f\n"
	    "set rmargin at screen %.3f\n",
	    title, r->scenario, r->seed, name, name, name, name,
	    c->left, c->right);
	for (int i = 0; i < NCOLOURS; i++)
		fprintf(c->gp, "set linetype %d lc rgb '%s' lw 1.5\n", i + 1,
		    colours[i]);
	fprintf(c->gp, "set linetype cycle %d\n", NCOLOURS);
	return 0;
}

/*
 * The title, above the labels of the actions, and the first terminal.
 * The plot clauses follow as the data is written.
 */
static void
chart_plot(struct chart *c)
{
	char title[320];

	snprintf(title, sizeof(title), "%s: %s, seed %s", c->title,
	    c->r->scenario, c->r->seed);
	fprintf(c->gp, "set tmargin at screen %.3f\nset title ",
	    1 - TITLE_H - c->levels * LEVEL_H);
	put_quoted(c->gp, title);
	fprintf(c->gp, " offset 0, screen %.3f\n"
	    "set terminal svg size 900,420 dynamic font 'DejaVu Sans,11'\n"
	    "set termoption noenhanced\n"
	    "set output '%s.svg'\n"
	    "plot ", c->levels * LEVEL_H, c->name);
}

/* Start the data block of a series, and its plot clause. */
static void
block_begin(struct chart *c, const char *title, const char *with)
{
	if (c->nblocks > 0) {
		fputs("\n\n", c->tsv);
		fputs(", \\\n     ", c->gp);
	}
	fprintf(c->tsv, "# %s\n", title);
	fprintf(c->gp, "'%s.tsv' index %d using 1:2 with %s lt %d ",
	    c->name, c->nblocks, with, c->nblocks % NCOLOURS + 1);
	if (c->nblocks < KEY_MAX) {
		fputs("title ", c->gp);
		put_quoted(c->gp, title);
	} else
		fputs("notitle", c->gp);
	c->nblocks++;
}

/*
 * Run gnuplot on NAME.gp in DIR, what it says going to NAME.log, which is
 * kept only if not empty.  When it fails, the message is its line naming
 * the script's line, or else its first.
 */
int
charts_gnuplot(const char *gnuplot, const char *dir, const char *name,
    char *err, size_t errlen)
{
	char script[80], log[80], path[4200], line[512], msg[512] = "";
	FILE *f;
	pid_t pid;
	int status, fd;

	snprintf(script, sizeof(script), "%s.gp", name);
	snprintf(log, sizeof(log), "%s.log", name);
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "charts: fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* Nothing but system calls between fork and exec. */
		if (chdir(dir) == -1 ||
		    (fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0644)) == -1 ||
		    dup2(fd, 1) == -1 || dup2(fd, 2) == -1 ||
		    (fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1 ||
		    dup2(fd, 0) == -1)
			_exit(126);
		execl(gnuplot, "gnuplot", script, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			snprintf(err, errlen, "charts: waitpid: %s",
			    strerror(errno));
			return -1;
		}
	snprintf(path, sizeof(path), "%s/%s", dir, log);
	if ((f = fopen(path, "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			line[strcspn(line, "\r\n")] = '\0';
			if (line[0] == '"' && strstr(line, script) != NULL) {
				snprintf(msg, sizeof(msg), "%s", line);
				break;
			}
			if (msg[0] == '\0' && line[strspn(line, " \t")] != '\0')
				snprintf(msg, sizeof(msg), "%s", line);
		}
		fclose(f);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		if (msg[0] == '\0')
			unlink(path);
		return 0;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) >= 126)
		snprintf(err, errlen, "charts: cannot run %s in %s", gnuplot,
		    dir);
	else
		snprintf(err, errlen, "charts: %s/%s: gnuplot: %s", dir,
		    script, msg[0] != '\0' ? msg : "failed");
	return -1;
}

/* Run gnuplot on the chart's script (charts_gnuplot). */
static int
run_gnuplot(struct chart *c)
{
	char err[1024];

	if (charts_gnuplot(c->r->gnuplot, c->r->dir, c->name, err,
	    sizeof(err)) < 0)
		return fail(c->r, "%s", err);
	return 0;
}

/*
 * End the script with the second terminal, close both files and draw,
 * then list the chart; one without data is removed instead.
 */
static int
chart_finish(struct chart *c)
{
	struct chart_list *out = c->r->out;
	int bad;

	if (c->nblocks == 0) {
		chart_discard(c);
		return 0;
	}
	if (c->nblocks > KEY_MAX)
		fprintf(c->gp, ", \\\n     keyentry with lines lc rgb 'white' "
		    "title '... and %d more (%s.tsv)'", c->nblocks - KEY_MAX,
		    c->name);
	fprintf(c->gp, "\n"
	    "set terminal pngcairo size 900,420 font 'DejaVu Sans,10'\n"
	    "set termoption noenhanced\n"
	    "set output '%s.png'\n"
	    "replot\n"
	    "set output\n", c->name);
	/* A failed write shows in the error flag or when closing. */
	bad = ferror(c->tsv) || ferror(c->gp);
	bad |= fclose(c->tsv) != 0;
	bad |= fclose(c->gp) != 0;
	c->tsv = c->gp = NULL;
	if (bad) {
		chart_discard(c);
		return fail(c->r, "charts: %s/%s: cannot write", c->r->dir,
		    c->name);
	}
	if (run_gnuplot(c) < 0)
		return -1;
	if (out->n < CHARTS_MAX) {
		snprintf(out->v[out->n].name, sizeof(out->v[0].name), "%s",
		    c->name);
		snprintf(out->v[out->n].title, sizeof(out->v[0].title), "%s",
		    c->title);
		out->n++;
	}
	return 0;
}

/*
 * Write SQL's rows, (series key, series name, x, y) ordered by key, as a
 * block per series drawn WITH.  ?2 is bound to YDIV.  A NULL y breaks the
 * line (a single blank line); a series of NULLs gets no block.
 */
static int
series_write(struct chart *c, const char *sql, const char *with, double ydiv)
{
	sqlite3_stmt *st;
	sqlite3_int64 key = 0;
	int rc, started = 0, open = 0, gap = 0;

	if (prepare(c->r, sql, &st) < 0)
		return -1;
	if (sqlite3_bind_parameter_count(st) >= 2 &&
	    sqlite3_bind_double(st, 2, ydiv) != SQLITE_OK)
		return sql_fail(c->r, st);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!started || sqlite3_column_int64(st, 0) != key) {
			key = sqlite3_column_int64(st, 0);
			started = 1;
			open = gap = 0;
		}
		if (sqlite3_column_type(st, 3) == SQLITE_NULL) {
			gap = open;
			continue;
		}
		if (!open)
			block_begin(c, (const char *)sqlite3_column_text(st, 1),
			    with);
		else if (gap)
			fputc('\n', c->tsv);
		open = 1;
		gap = 0;
		fprintf(c->tsv, "%.9g\t%.9g\n", sqlite3_column_double(st, 2),
		    sqlite3_column_double(st, 3));
	}
	if (rc != SQLITE_DONE)
		return sql_fail(c->r, st);
	sqlite3_finalize(st);
	return 0;
}

/* "fibre down", "sin>tyo: delay 80ms", "PoP fra up": short, for a label. */
static void
marker_text(const char *kind, const char *subject, const char *detail,
    char *buf, size_t len)
{
	const char *s = subject != NULL ? subject : "?", *p;
	size_t n;

	if ((p = strrchr(s, '/')) != NULL || (p = strchr(s, ':')) != NULL)
		s = p + 1;
	if (strncmp(kind, "pop-", 4) == 0)
		snprintf(buf, len, "PoP %s %s", s, kind + 4);
	else if (strcmp(kind, "link-set") == 0 && detail != NULL)
		snprintf(buf, len, "%s: %s", s, detail);
	else
		snprintf(buf, len, "%s %s", s, kind + 5);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == ' ')
		buf[--n] = '\0';
}

/*
 * The lowest height at which the label of m[i] overlaps no other label,
 * is crossed by no line going higher, and its own line crosses no label
 * below it; -1 if there is none.  Markers with level -1 do not count.
 */
static int
marker_level(const struct marker *m, size_t n, size_t i)
{
	for (int l = 0; l < LEVELS; l++) {
		size_t j;

		for (j = 0; j < n; j++) {
			const struct marker *p = &m[j];

			if (j == i || p->level < 0)
				continue;
			if (p->level == l && m[i].lo < p->hi + 6 &&
			    p->lo < m[i].hi + 6)
				break;
			if (p->level > l && p->px > m[i].lo - 3 &&
			    p->px < m[i].hi + 3)
				break;
			if (p->level < l && m[i].px > p->lo - 3 &&
			    m[i].px < p->hi + 3)
				break;
		}
		if (j == n)
			return l;
	}
	return -1;
}

/*
 * Mark the timeline's actions: a dashed line up to a label above the
 * plot, at the lowest height where it overlaps nothing, or no label if
 * there is none.  Actions a few pixels apart share a label.
 */
static int
markers_write(struct chart *c)
{
	struct run *r = c->r;
	struct marker m[MAX_MARKERS];
	sqlite3_stmt *st;
	size_t n = 0, k;
	double w = (c->right - c->left) * CANVAS_W, tw, top, y;
	char text[96];
	int rc;

	if (prepare(r, "SELECT t_ns / ?1, kind, subject, detail FROM events"
	    " WHERE kind IN ('link-down', 'link-up', 'link-set', 'pop-down',"
	    " 'pop-up') ORDER BY t_ns, rowid", &st) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		double x = sqlite3_column_double(st, 0);
		double px = c->left * CANVAS_W + w * x * r->unit_ns / r->end_ns;

		marker_text((const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 3), text,
		    sizeof(text));
		if (n > 0 && px - m[n - 1].px < 4) {
			k = strlen(m[n - 1].text);
			snprintf(m[n - 1].text + k, sizeof(m[0].text) - k,
			    ", %s", text);
		} else if (n < MAX_MARKERS) {
			m[n].x = x;
			m[n].px = px;
			snprintf(m[n++].text, sizeof(m[0].text), "%s", text);
		}
	}
	if (rc != SQLITE_DONE)
		return sql_fail(r, st);
	sqlite3_finalize(st);
	/*
	 * A label runs right from its line, or left where it would leave
	 * the picture.  Labels close together step down towards the side
	 * they run to, so that no line crosses a label on its way up:
	 * those running right are placed from the right, then the others.
	 */
	for (size_t i = 0; i < n; i++) {
		tw = (double)strlen(m[i].text) * CHAR_W + 4;
		m[i].lo = m[i].px + tw > CANVAS_W - 4 ? m[i].px - tw : m[i].px;
		m[i].hi = m[i].lo + tw;
		m[i].level = -1;
	}
	for (size_t i = n; i-- > 0;)
		if (m[i].lo == m[i].px)
			m[i].level = marker_level(m, n, i);
	for (size_t i = 0; i < n; i++)
		if (m[i].lo != m[i].px)
			m[i].level = marker_level(m, n, i);
	for (size_t i = 0; i < n; i++)
		if (m[i].level >= c->levels)
			c->levels = m[i].level + 1;
	if (n > 0)
		fputs("# The timeline's actions\n", c->gp);
	top = 1 - TITLE_H - c->levels * LEVEL_H;
	for (size_t i = 0; i < n; i++) {
		if (m[i].level < 0) {
			fprintf(c->gp, "set arrow from %.9g, graph 0 to %.9g, "
			    "graph 1 nohead dt 2 lc rgb 'gray40'\n", m[i].x,
			    m[i].x);
			continue;
		}
		y = top + (m[i].level + 0.6) * LEVEL_H;
		fprintf(c->gp, "set arrow from %.9g, graph 0 to %.9g, screen "
		    "%.3f nohead dt 2 lc rgb 'gray40'\nset label ", m[i].x,
		    m[i].x, y);
		put_quoted(c->gp, m[i].text);
		fprintf(c->gp, " at %.9g, screen %.3f %s font ',9'\n", m[i].x,
		    y, m[i].lo == m[i].px ? "left offset 0.4,0" :
		    "right offset -0.4,0");
	}
	return 0;
}

/*
 * A chart of values over time, a line per flow or link, with the
 * timeline's actions marked; SERIES gives its rows (see series_write),
 * PEAK its largest y (before YDIV).  Without a YRANGE the axis starts
 * where the data does, but at least 5% below the peak: a flat line must
 * not look like a jumpy one.
 */
static int
time_chart(struct run *r, const char *name, const char *title,
    const char *ylabel, const char *peak, const char *series, double ydiv,
    const char *yrange)
{
	struct chart c;
	char columns[160];
	double top;

	if (query_double(r, peak, &top) < 0)
		return -1;
	top /= ydiv;
	snprintf(columns, sizeof(columns), "time since start (%s)\t%s",
	    r->unit, ylabel);
	if (chart_open(r, &c, name, title, columns, 0.1) < 0)
		return -1;
	fprintf(c.gp, "set xlabel 'time since start (%s)'\n"
	    "set xrange [0:%.9g]\nset ylabel ", r->unit,
	    r->end_ns / r->unit_ns);
	put_quoted(c.gp, ylabel);
	if (top <= 0)
		fputs("\nset yrange [0:1]\n", c.gp);
	else if (yrange != NULL)
		fprintf(c.gp, "\nset yrange %s\n", yrange);
	else
		fprintf(c.gp, "\nset yrange [*<%.4g:*]\n", top * 0.95);
	fputs("set offsets 0, 0, graph 0.05, 0  # room above the top line\n",
	    c.gp);
	if (markers_write(&c) < 0)
		goto err;
	chart_plot(&c);
	if (series_write(&c, series, "lines", ydiv) < 0)
		goto err;
	return chart_finish(&c);
err:
	chart_discard(&c);
	return -1;
}

#define FLOW_SERIES(y) "SELECT f.id, f.name, s.t_ns / ?1, " y \
	" FROM flow_samples s JOIN flows f" \
	" ON f.run_id = s.run_id AND f.id = s.flow_id ORDER BY f.id, s.t_ns"

static int
chart_latency(struct run *r)
{
	return time_chart(r, "flow-latency", "Flow latency (p95, one-way)",
	    "p95 one-way latency (ms)",
	    "SELECT max(latency_p95_ns) FROM flow_samples",
	    FLOW_SERIES("s.latency_p95_ns / ?2"), 1e6, NULL);
}

static int
chart_loss(struct run *r)
{
	char ylabel[96];

	snprintf(ylabel, sizeof(ylabel), "packets lost per %g s interval (%%)",
	    r->interval_ns / 1e9);
	return time_chart(r, "flow-loss", "Flow loss", ylabel,
	    "SELECT max(loss) FROM flow_samples",
	    FLOW_SERIES("s.loss / ?2"), 0.01, "[0:*<105]");
}

/* In Mbps, or kbps when no flow reaches 1 Mbps. */
static int
chart_throughput(struct run *r)
{
	double peak;

	if (query_double(r, "SELECT max(throughput_bps) FROM flow_samples",
	    &peak) < 0)
		return -1;
	return time_chart(r, "flow-throughput", "Flow throughput",
	    peak >= 1e6 ? "throughput (Mbps)" : "throughput (kbps)",
	    "SELECT max(throughput_bps) FROM flow_samples",
	    FLOW_SERIES("s.throughput_bps / ?2"), peak >= 1e6 ? 1e6 : 1e3,
	    "[0:*]");
}

/* The busiest links, each direction apart: where a queue builds first. */
static int
chart_utilisation(struct run *r)
{
	return time_chart(r, "link-utilisation", "Link utilisation",
	    "utilisation (% of line rate)",
	    "SELECT max(utilisation) FROM link_samples",
	    "WITH top AS (SELECT l.id, l.name, max(s.utilisation) AS peak"
	    " FROM links l JOIN link_samples s"
	    " ON s.run_id = l.run_id AND s.link_id = l.id"
	    " WHERE l.kind IN ('backbone', 'access') GROUP BY l.id"
	    " HAVING peak > 0 ORDER BY peak DESC, l.id LIMIT 8)"
	    " SELECT t.id, t.name, s.t_ns / ?1, s.utilisation / ?2"
	    " FROM top t JOIN link_samples s ON s.link_id = t.id"
	    " ORDER BY t.peak DESC, t.id, s.t_ns", 0.01, "[0:*<105]");
}

/*
 * What the Sockets' probes measured on each WAN link, every evaluation:
 * the round trip to the PoP, where a degraded last mile shows first.
 * Results written before the Sockets probed (no link_health table) and
 * runs with no answered probe have no such chart.
 */
static int
chart_last_mile(struct run *r)
{
	double n;
	int has = has_table(r, "link_health");

	if (has <= 0)
		return has;
	if (query_double(r, "SELECT count(latency_ns) FROM link_health",
	    &n) < 0)
		return -1;
	if (n == 0)
		return 0;
	return time_chart(r, "last-mile", "Last mile: round trip to the PoP "
	    "(Socket probes, per evaluation)", "mean round trip (ms)",
	    "SELECT max(latency_ns) FROM link_health",
	    "SELECT dense_rank() OVER (ORDER BY site, link), site || '/' || "
	    "link, t_ns / ?1, latency_ns / ?2 FROM link_health WHERE "
	    "latency_ns IS NOT NULL ORDER BY site, link, t_ns", 1e6, NULL);
}

/*
 * The name a route's colour goes by: the way out of the site and the PoPs
 * on the way ("fibre > fra > lon"), an off-cloud tunnel's two links
 * ("fibre > off-cloud > fibre2"), or an Internet route's first wire
 * ("wan1 > internet").  The PoPs are in it because a detour over the
 * backbone leaves the first hop as it was; the far link, because the far
 * site's failover changes nothing else of an off-cloud route.
 */
static void
route_label(const char *route, char *buf, size_t len)
{
	const char *hop = route, *end, *slash, *sep;
	size_t off;

	if ((end = strstr(route, " > ")) == NULL)
		end = route + strlen(route);
	slash = memchr(route, '/', (size_t)(end - route));
	if (slash != NULL && strncmp(route, "tunnel:", 7) == 0 &&
	    (sep = memchr(slash, '>', (size_t)(end - slash))) != NULL) {
		snprintf(buf, len, "%.*s > %.*s", (int)(sep - slash - 1),
		    slash + 1, (int)(end - sep - 1), sep + 1);
		while ((hop = strstr(hop, " > backbone:")) != NULL) {
			hop += 3;
			if ((end = strstr(hop, " > ")) == NULL)
				end = hop + strlen(hop);
			sep = memchr(hop, '>', (size_t)(end - hop));
			if (sep != NULL && (off = strlen(buf)) < len)
				snprintf(buf + off, len - off, " > %.*s",
				    (int)(end - sep - 1), sep + 1);
		}
	} else if (slash != NULL && strncmp(route, "offcloud:", 9) == 0 &&
	    (sep = memchr(slash, '>', (size_t)(end - slash))) != NULL &&
	    (hop = memchr(sep, '/', (size_t)(end - sep))) != NULL) {
		snprintf(buf, len, "%.*s > off-cloud > %.*s",
		    (int)(sep - slash - 1), slash + 1, (int)(end - hop - 1),
		    hop + 1);
	} else if (slash != NULL &&
	    (sep = memchr(slash, ':', (size_t)(end - slash))) != NULL)
		snprintf(buf, len, "%.*s > internet", (int)(sep - slash - 1),
		    slash + 1);
	else
		snprintf(buf, len, "%.*s", (int)(end - route), route);
}

/* The flows' names on the y axis, the first flow at the top. */
static int
flow_ytics(struct chart *c, int nflows)
{
	sqlite3_stmt *st;
	int rc, row = nflows - 1;

	if (prepare(c->r, "SELECT name FROM flows ORDER BY id", &st) < 0)
		return -1;
	fprintf(c->gp, "set yrange [-0.6:%d.6]\nset ytics nomirror (",
	    nflows - 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fputs(row < nflows - 1 ? ", " : "", c->gp);
		put_quoted(c->gp, (const char *)sqlite3_column_text(st, 0));
		fprintf(c->gp, " %d", row--);
	}
	fputs(")\n", c->gp);
	if (rc != SQLITE_DONE)
		return sql_fail(c->r, st);
	sqlite3_finalize(st);
	return 0;
}

/*
 * Each flow's stretches on one route, from one route event to the next
 * (or the end), one line each: from, to, the flow's row, the route's
 * colour and its label.  A 'no-route' starts none: a gap.
 */
static int
path_bars(struct chart *c, int nflows, struct routes *rt)
{
	sqlite3_stmt *st;
	char label[64];
	int rc, i;

	if (prepare(c->r, "SELECT (SELECT count(*) FROM flows g"
	    " WHERE g.run_id = f.run_id AND g.id < f.id), e.kind, e.detail,"
	    " e.t_ns / ?1, lead(e.t_ns) OVER (PARTITION BY f.id"
	    " ORDER BY e.t_ns, e.rowid) / ?1 FROM events e JOIN flows f"
	    " ON f.run_id = e.run_id AND f.name = e.subject AND f.src = e.node"
	    " WHERE e.kind IN ('route', 'no-route')"
	    " ORDER BY f.id, e.t_ns, e.rowid", &st) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (strcmp((const char *)sqlite3_column_text(st, 1), "route") ||
		    sqlite3_column_type(st, 2) == SQLITE_NULL)
			continue;
		route_label((const char *)sqlite3_column_text(st, 2), label,
		    sizeof(label));
		for (i = 0; i < rt->n && strcmp(rt->v[i], label) != 0; i++)
			;
		if (i == rt->n && rt->n < MAX_ROUTES)
			memcpy(rt->v[rt->n++], label, sizeof(label));
		i = i < rt->n ? i : rt->n - 1;
		fprintf(c->tsv, "%.9g\t%.9g\t%d\t%d\t%s\n",
		    sqlite3_column_double(st, 3),
		    sqlite3_column_type(st, 4) == SQLITE_NULL ?
		    c->r->end_ns / c->r->unit_ns : sqlite3_column_double(st, 4),
		    nflows - 1 - sqlite3_column_int(st, 0),
		    i % NCOLOURS + 1, label);
		c->nblocks = 1;
	}
	if (rc != SQLITE_DONE)
		return sql_fail(c->r, st);
	sqlite3_finalize(st);
	return 0;
}

/*
 * Which route each flow took when: a row per flow, a bar per stretch on
 * one route coloured by the route, gaps where it had none.
 */
static int
chart_paths(struct run *r)
{
	struct chart c;
	struct routes rt = { .n = 0 };
	char columns[160];
	double nflows, namelen, left;

	if (query_double(r, "SELECT count(*) FROM flows", &nflows) < 0 ||
	    query_double(r, "SELECT max(length(name)) FROM flows",
	    &namelen) < 0)
		return -1;
	if (nflows == 0)
		return 0;
	snprintf(columns, sizeof(columns), "from (%s)\tto (%s)\t"
	    "row (the first flow is the highest)\tcolour\troute", r->unit,
	    r->unit);
	/* Room for the longest name as a tic label. */
	left = (namelen * 7 + 30) / CANVAS_W;
	left = left < 0.1 ? 0.1 : left > 0.4 ? 0.4 : left;
	if (chart_open(r, &c, "failover-timeline",
	    "Path of each flow over time", columns, left) < 0)
		return -1;
	fprintf(c.gp, "set xlabel 'time since start (%s)'\n"
	    "set xrange [0:%.9g]\nset grid noytics\n"
	    "set style fill solid 0.85 noborder\n", r->unit,
	    r->end_ns / r->unit_ns);
	if (flow_ytics(&c, (int)nflows) < 0 || markers_write(&c) < 0)
		goto err;
	chart_plot(&c);
	if (path_bars(&c, (int)nflows, &rt) < 0)
		goto err;
	fprintf(c.gp, "'%s.tsv' using (($1+$2)/2):3:1:2:($3-0.3):($3+0.3):4"
	    " with boxxyerror lc variable notitle", c.name);
	for (int i = 0; i < rt.n; i++) {
		fprintf(c.gp, ", \\\n     keyentry with boxes lt %d title ",
		    i % NCOLOURS + 1);
		put_quoted(c.gp, rt.v[i]);
	}
	fputs(", \\\n     keyentry with boxes fs empty border lc rgb 'gray50'"
	    " title 'no route'", c.gp);
	return chart_finish(&c);
err:
	chart_discard(&c);
	return -1;
}

/*
 * Each flow's one-way latency distribution over the run.  The x axis
 * stops at the 99.9th percentile: beyond, the lines are flat at the top
 * and a long tail would squeeze the rest against the axis.
 */
static int
chart_cdf(struct run *r)
{
	struct chart c;
	double top;
	int has = has_table(r, "flow_latency_cdf");

	if (has <= 0)
		return has;
	if (query_double(r, "SELECT max(latency_ns) / 1e6"
	    " FROM flow_latency_cdf WHERE q = 0.999", &top) < 0 ||
	    chart_open(r, &c, "latency-cdf", "Latency distribution per flow",
	    "one-way latency (ms)\tfraction of packets delivered within it",
	    0.1) < 0)
		return -1;
	fprintf(c.gp, "set xlabel 'one-way latency (ms)'\n"
	    "set ylabel 'fraction of packets delivered'\n"
	    "set xrange [*:%.4g]  # to the 99.9th percentile\n"
	    "set yrange [0:1.05]  # the top line clear of the border\n"
	    "set ytics 0, 0.1, 1\n", top > 0 ? top * 1.05 : 1);
	chart_plot(&c);
	if (series_write(&c, "SELECT f.id, f.name, c.latency_ns / 1e6, c.q"
	    " FROM flow_latency_cdf c JOIN flows f"
	    " ON f.run_id = c.run_id AND f.id = c.flow_id"
	    " WHERE c.latency_ns IS NOT NULL ORDER BY f.id, c.q",
	    "steps", 1) < 0) {
		chart_discard(&c);
		return -1;
	}
	return chart_finish(&c);
}

/*
 * The run's name and span.  The time axis counts in the unit that keeps
 * its numbers small: seconds under 5 minutes, minutes under 3 hours, or
 * hours.  A run killed before its end ends at its last sample.
 */
static int
run_info(struct run *r)
{
	sqlite3_stmt *st;
	const char *s;

	if (prepare(r, "SELECT scenario, seed, coalesce(reached_ns,"
	    " (SELECT max(t_ns) FROM flow_samples), duration_ns),"
	    " sample_interval_ns FROM runs ORDER BY id LIMIT 1", &st) < 0)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return fail(r, "charts: no run in the results file");
	}
	s = (const char *)sqlite3_column_text(st, 0);
	snprintf(r->scenario, sizeof(r->scenario), "%s", s ? s : "?");
	s = (const char *)sqlite3_column_text(st, 1);
	snprintf(r->seed, sizeof(r->seed), "%s", s ? s : "?");
	r->end_ns = sqlite3_column_double(st, 2);
	r->interval_ns = sqlite3_column_double(st, 3);
	sqlite3_finalize(st);
	r->unit_ns = r->end_ns < 300e9 ? 1e9 : r->end_ns < 10800e9 ? 60e9 :
	    3600e9;
	r->unit = r->unit_ns == 1e9 ? "s" : r->unit_ns == 60e9 ? "min" : "h";
	return 0;
}

int
charts_draw(sqlite3 *db, const char *dir, const char *gnuplot,
    struct chart_list *out, char *err, size_t errlen)
{
	static int (*const draw[])(struct run *) = {
		chart_latency, chart_loss, chart_throughput, chart_paths,
		chart_cdf, chart_utilisation, chart_last_mile,
	};
	struct run r = { .db = db, .dir = dir, .gnuplot = gnuplot,
	    .err = err, .errlen = errlen, .out = out };

	out->n = 0;
	if (gnuplot == NULL || gnuplot[0] == '\0')
		return fail(&r, "charts: no gnuplot to draw them");
	/* The paths built from DIR then always fit their buffers. */
	if (strlen(dir) > 4000)
		return fail(&r, "charts: %s: path too long", dir);
	if (run_info(&r) < 0)
		return -1;
	if (r.end_ns <= 0)
		return 0;	/* nothing happened, nothing to draw */
	for (size_t i = 0; i < sizeof(draw) / sizeof(draw[0]); i++)
		if (draw[i](&r) < 0)
			return -1;
	return 0;
}
