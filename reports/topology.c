/*
 * The topology drawing.  Everything comes from the results file: nodes and
 * links say what exists, link samples and metrics what each link carried,
 * events what went down and for how long.  A link is stored once per
 * direction; the two are merged into one edge that shows the busier
 * direction's utilisation and the worse loss.
 *
 * The same queries draw the whole run or one instant: they take the run
 * (?1), the instant (?2, or -1 for the whole run) and the time the events
 * are read up to (?3: the instant, or the end of the run).  At an instant
 * a link shows the sample interval the instant falls in, and whether it
 * is down then instead of for how long it was.
 *
 * Placement: PoPs are pinned at their cities (equirectangular), a cluster
 * of PoPs too close to read (Europe's) magnified about its centre, and
 * neato hangs the sites around their home PoP on short edges and removes
 * overlaps.  An Internet path's city is drawn as the PoP there (a site's
 * tunnel runs over it to its PoP), or as a site there when a flow sent
 * over the Internet joins the two cities, else as a bare label.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>
#include <sqlite3.h>

#include "models/geo.h"
#include "reports/topology.h"
#include "sim/units.h"

#define MAP_PT		200.0	/* map width per sqrt(node count), points */
#define MIN_PER_DEG	8.0	/* no world map smaller than this, pt/degree */
#define MAX_PER_DEG	40.0	/* nor a region's larger */
#define POP_ROOM	55.0	/* points a bare PoP needs around its centre */
#define SITE_ROOM	35.0	/* more when sites hang around it */
#define MAX_LENS	6.0	/* the most a cluster of PoPs is magnified */
#define SITE_LEN	1.1	/* inches from a site to its PoP */
#define FONT		"DejaVu Sans"
#define C_OK		"#2e9e44"
#define C_WARN		"#f08c00"
#define C_BAD		"#d62828"
#define C_IDLE		"#bdbdbd"
#define C_NET		"#8a8a8a"
#define C_POP		"#cfe2f3"
#define C_SITE		"#e6dcf5"

/* One name for both directions: "SITE/LINK", or "backbone:a>b" with a < b. */
#define LINK_KEY "CASE l.kind WHEN 'access' THEN substr(l.name, 1, " \
	"length(l.name) - CASE WHEN l.name LIKE '%:up' THEN 3 ELSE 5 END) " \
	"ELSE l.kind || ':' || min(l.src, l.dst) || '>' || " \
	"max(l.src, l.dst) END"

/*
 * Per link (by key) or PoP, from the events up to ?3: the time down (a
 * down event counts until the next event about the same thing, or ?3)
 * and n, the times it went down or, at an instant, 1 if it is down then
 * (its last event is a down).  Exact, where the samples only say whether
 * it was up at the end of each interval.
 */
#define DOWN_CTE "WITH ev AS (SELECT e.rowid AS seq, e.t_ns, e.kind, " \
	"CASE WHEN l.id IS NULL THEN e.subject ELSE " LINK_KEY " END AS key " \
	"FROM events e LEFT JOIN links l ON l.run_id = ?1 AND (l.name = " \
	"e.subject OR l.name = e.subject || ':up') WHERE e.run_id = ?1 AND " \
	"e.kind IN ('link-down', 'link-up', 'pop-down', 'pop-up') AND " \
	"e.t_ns <= ?3), " \
	"down AS (SELECT key, sum(coalesce(next, ?3) - t_ns) AS ns, CASE " \
	"WHEN ?2 < 0 THEN count(*) ELSE sum(next IS NULL) END AS n FROM " \
	"(SELECT key, kind, t_ns, lead(t_ns) OVER (PARTITION BY key ORDER BY " \
	"t_ns, seq) AS next FROM ev) WHERE kind LIKE '%-down' GROUP BY key) "

enum nkind { N_POP, N_SITE, N_CITY };
enum lkind { L_BACKBONE, L_ACCESS, L_INTERNET };

struct tnode {
	char name[128], city[128], home[128];
	enum nkind kind;
	int placed;		/* 0: nowhere known, -1: lat/lon, 1: x, y */
	int nsites, downs;	/* sites at home here; times it went down (at
				 * an instant: 1 if it is down) */
	size_t cl;		/* the cluster of close PoPs it is in */
	double lat, lon, x, y;	/* degrees; points */
	int64_t down_ns;	/* time down; -1 at an instant */
	Agnode_t *gn;
};

struct tlink {
	char key[300], src[128], dst[128];
	enum lkind kind;
	int direct, downs;	/* a flow crosses it site to site */
	double util, loss;
	int64_t packets, down_ns;	/* down_ns: as a node's */
	long a, b;		/* the nodes it joins, or -1 */
};

struct topo {
	char scenario[128];
	int64_t run, interval;
	int64_t at, end;	/* the instant (-1: the whole run); the run's end */
	struct tnode *n;
	size_t nn, capn;
	struct tlink *l;
	size_t nl, capl;
};

typedef int row_fn(struct topo *, sqlite3_stmt *);

static void *
grow(void **v, size_t *cap, size_t *n, size_t size)
{
	void *p;

	if (*n == *cap) {
		if ((p = realloc(*v, (*cap ? *cap * 2 : 16) * size)) == NULL)
			return NULL;
		*v = p;
		*cap = *cap ? *cap * 2 : 16;
	}
	p = (char *)*v + (*n)++ * size;
	memset(p, 0, size);
	return p;
}

static void
copy(char *dst, size_t len, sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	snprintf(dst, len, "%s", s ? (const char *)s : "");
}

/*
 * Run sql, handing fn each row.  It is given those it uses of the run
 * (?1), the instant (?2) and the time the events are read up to (?3).
 */
static int
query(sqlite3 *db, struct topo *t, const char *sql, row_fn *fn, char *err,
    size_t errlen)
{
	const int64_t v[] = { t->run, t->at, t->at >= 0 ? t->at : t->end };
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	for (int i = 0; rc == SQLITE_OK && i < 3 &&
	    i < sqlite3_bind_parameter_count(st); i++)
		rc = sqlite3_bind_int64(st, i + 1, v[i]);
	if (rc == SQLITE_OK)
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			if (fn(t, st) < 0) {
				rc = SQLITE_NOMEM;
				break;
			}
	if (rc != SQLITE_DONE)
		snprintf(err, errlen, "topology: %s", rc == SQLITE_NOMEM ?
		    "out of memory" : sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Set attributes of a graph object: name, value, ..., NULL. */
static void
set(void *obj, ...)
{
	va_list ap;
	char *k, *v;

	va_start(ap, obj);
	while ((k = va_arg(ap, char *)) != NULL && (v = va_arg(ap, char *)))
		agsafeset(obj, k, v, "");
	va_end(ap);
}

static long
node_find(const struct topo *t, const char *name)
{
	for (size_t i = 0; i < t->nn; i++)
		if (strcmp(t->n[i].name, name) == 0)
			return (long)i;
	return -1;
}

/*
 * The node for a city at an end of an Internet path, in order of pref
 * (kinds), made here as a bare city if there is none; it moves t->n, so
 * links hold indices.  -1 if out of memory.
 */
static long
city_node(struct topo *t, const char *city, const enum nkind *pref)
{
	const struct geo_city *gc;
	struct tnode *c;

	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < t->nn; i++)
			if (t->n[i].kind == pref[k] &&
			    strcmp(t->n[i].city, city) == 0)
				return (long)i;
	if ((c = grow((void **)&t->n, &t->capn, &t->nn, sizeof(*c))) == NULL)
		return -1;
	c->kind = N_CITY;
	snprintf(c->name, sizeof(c->name), "city:%s", city);
	snprintf(c->city, sizeof(c->city), "%s", city);
	/* No coordinates in the file; the table the run used has them. */
	if ((gc = geo_city_find(city)) != NULL)
		c->lat = gc->lat, c->lon = gc->lon, c->placed = -1;
	return (long)(t->nn - 1);
}

static int
run_row(struct topo *t, sqlite3_stmt *st)
{
	t->run = sqlite3_column_int64(st, 0);
	copy(t->scenario, sizeof(t->scenario), st, 1);
	t->interval = sqlite3_column_int64(st, 2);
	t->end = sqlite3_column_int64(st, 3);
	return 0;
}

static int
node_row(struct topo *t, sqlite3_stmt *st)
{
	struct tnode *p;

	if ((p = grow((void **)&t->n, &t->capn, &t->nn, sizeof(*p))) == NULL)
		return -1;
	copy(p->name, sizeof(p->name), st, 0);
	p->kind = sqlite3_column_int(st, 1) ? N_POP : N_SITE;
	copy(p->city, sizeof(p->city), st, 2);
	p->lat = sqlite3_column_double(st, 3);
	p->lon = sqlite3_column_double(st, 4);
	copy(p->home, sizeof(p->home), st, 5);
	p->down_ns = t->at >= 0 ? -1 : sqlite3_column_int64(st, 6);
	p->downs = sqlite3_column_int(st, 7);
	p->placed = -1;
	return 0;
}

static int
link_row(struct topo *t, sqlite3_stmt *st)
{
	struct tlink *k;
	const char *kind = (const char *)sqlite3_column_text(st, 1);

	if ((k = grow((void **)&t->l, &t->capl, &t->nl, sizeof(*k))) == NULL)
		return -1;
	copy(k->key, sizeof(k->key), st, 0);
	k->kind = kind == NULL || strcmp(kind, "internet") == 0 ? L_INTERNET :
	    strcmp(kind, "access") == 0 ? L_ACCESS : L_BACKBONE;
	copy(k->src, sizeof(k->src), st, 2);
	copy(k->dst, sizeof(k->dst), st, 3);
	k->util = sqlite3_column_double(st, 4);
	k->loss = sqlite3_column_double(st, 5);
	k->packets = sqlite3_column_int64(st, 6);
	k->direct = sqlite3_column_int(st, 8);
	k->down_ns = sqlite3_column_int64(st, 9);
	k->downs = sqlite3_column_int(st, 10);
	/* no event says so, but a sample saw it down */
	if (k->downs == 0 && sqlite3_column_int64(st, 7) > 0)
		k->downs = 1, k->down_ns = sqlite3_column_int64(st, 7) *
		    t->interval;
	if (t->at >= 0)
		k->down_ns = -1;
	k->a = k->b = -1;
	return 0;
}

/*
 * The run, and where it ends (where its last sample does, if it was
 * killed): -1 with a message if it has none, or t->at is past its end.
 */
static int
load_run(sqlite3 *db, struct topo *t, char *err, size_t errlen)
{
	static const char runs[] = "SELECT id, scenario, sample_interval_ns, "
	    "coalesce(reached_ns, (SELECT max(t_ns) FROM link_samples WHERE "
	    "run_id = runs.id), duration_ns) FROM runs ORDER BY id LIMIT 1";
	char at[32], end[32];

	t->interval = -1;
	if (query(db, t, runs, run_row, err, errlen) < 0)
		return -1;
	if (t->interval < 0) {
		snprintf(err, errlen, "topology: the results file has no run");
		return -1;
	}
	if (t->at > t->end) {
		units_fmt_time(t->at, at, sizeof(at));
		units_fmt_time(t->end, end, sizeof(end));
		snprintf(err, errlen, "topology: %s is past the end of the run "
		    "(%s)", at, end);
		return -1;
	}
	return 0;
}

/*
 * Figures per physical link.  Over the whole run, the run's own metrics,
 * or for a killed run (which has none) the samples'; at an instant, the
 * sample of the interval it falls in (the first ending at or after it).
 * An access link ends at the PoP its Socket chose first (its pop-select
 * event, "LINK: ..."), else at the site's first candidate (nodes.pop).
 * Remote users and their access links are left out: a few hundred of
 * them would hide the network (their outages are events).
 */
static int
load(sqlite3 *db, struct topo *t, char *err, size_t errlen)
{
	static const char nodes[] = DOWN_CTE "SELECT name, kind = 'pop', "
	    "city, lat, lon, pop, coalesce(ns, 0), coalesce(n, 0) FROM nodes "
	    "LEFT JOIN down ON key = name WHERE run_id = ?1 AND "
	    "coalesce(kind, '') <> 'user' ORDER BY id";
	static const char links[] = DOWN_CTE "SELECT k.key, kind, min(src), "
	    "max(dst), max(coalesce(mu, su, 0)), max(coalesce(ml, sl, 0)), "
	    "sum(pk), max(dn), max(direct), coalesce(ns, 0), coalesce(n, 0) "
	    "FROM (SELECT l.id, l.kind, " LINK_KEY " AS key, CASE WHEN "
	    "l.kind <> 'access' THEN min(l.src, l.dst) WHEN l.name LIKE '%:up' "
	    "THEN l.src ELSE l.dst END AS src, CASE WHEN l.kind <> 'access' "
	    "THEN max(l.src, l.dst) ELSE coalesce((SELECT e.subject FROM "
	    "events e WHERE e.run_id = ?1 AND e.kind = 'pop-select' AND "
	    "substr(l.name, 1, length(e.node) + instr(e.detail, ':') + 1) = "
	    "e.node || '/' || substr(e.detail, 1, instr(e.detail, ':')) "
	    "ORDER BY e.t_ns LIMIT 1), (SELECT pop FROM nodes WHERE "
	    "run_id = ?1 AND name IN (l.src, l.dst))) END AS dst, "
	    "(SELECT value FROM metrics WHERE ?2 < 0 AND run_id = ?1 AND "
	    "scope = 'link' AND subject = l.name AND metric = 'utilisation') "
	    "AS mu, (SELECT value FROM metrics WHERE ?2 < 0 AND run_id = ?1 "
	    "AND scope = 'link' AND subject = l.name AND metric = 'loss') "
	    "AS ml, s.su, s.sl, "
	    "coalesce(s.pk, 0) AS pk, coalesce(s.dn, 0) AS dn, "
	    "EXISTS (SELECT 1 FROM flows f JOIN nodes x ON x.run_id = ?1 AND "
	    "x.name = f.src JOIN nodes y ON y.run_id = ?1 AND y.name = f.dst "
	    "WHERE f.run_id = ?1 AND f.via = 'internet' AND "
	    "l.kind = 'internet' AND ((x.city = l.src AND y.city = l.dst) OR "
	    "(x.city = l.dst AND y.city = l.src))) AS direct FROM links l "
	    "LEFT JOIN (SELECT link_id, avg(utilisation) AS su, "
	    "sum(drops_queue + drops_loss + drops_down) * 1.0 / nullif(sum("
	    "packets + drops_queue + drops_loss + drops_down), 0) AS sl, "
	    "sum(packets) AS pk, sum(up = 0) AS dn FROM link_samples WHERE "
	    "run_id = ?1 AND (?2 < 0 OR t_ns = (SELECT min(t_ns) FROM "
	    "link_samples WHERE run_id = ?1 AND t_ns >= ?2)) GROUP BY link_id) "
	    "s ON s.link_id = l.id "
	    "WHERE l.run_id = ?1 AND NOT EXISTS (SELECT 1 FROM nodes u "
	    "WHERE u.run_id = ?1 AND u.kind = 'user' AND u.name IN (l.src, "
	    "l.dst))) k LEFT JOIN down d ON d.key = k.key "
	    "GROUP BY k.key ORDER BY min(id)";

	return load_run(db, t, err, errlen) < 0 ||
	    query(db, t, nodes, node_row, err, errlen) < 0 ||
	    query(db, t, links, link_row, err, errlen) < 0 ? -1 : 0;
}

/*
 * Tie each link to the nodes it joins (an access link: the site and the
 * PoP it started on), once all nodes are read.
 */
static int
link_ends(struct topo *t)
{
	static const enum nkind pop_first[] = { N_POP, N_SITE };
	static const enum nkind site_first[] = { N_SITE, N_POP };
	struct tlink *k;

	for (size_t i = 0; i < t->nl; i++) {
		k = &t->l[i];
		if (k->kind != L_INTERNET) {
			k->a = node_find(t, k->src);
			k->b = node_find(t, k->dst);
		} else if ((k->a = city_node(t, k->src, k->direct ? site_first :
		    pop_first)) < 0 || (k->b = city_node(t, k->dst, k->direct ?
		    site_first : pop_first)) < 0)
			return -1;
	}
	return 0;
}

static double
room(const struct tnode *a, const struct tnode *b)
{
	return 2 * POP_ROOM + SITE_ROOM * ((a->nsites > 0) + (b->nsites > 0));
}

/*
 * Magnify each cluster of PoPs too close to read about its centre, by
 * what its closest pair needs: London stays west of Paris, and the rest of
 * the map stays put.  What is still too close (PoPs in one city) is left
 * to neato's overlap removal.  O(n^3) in the PoPs, which are few.
 */
static void
lens(struct topo *t)
{
	struct tnode *a, *b;
	int changed = 1;

	for (size_t i = 0; i < t->nn; i++)
		t->n[i].cl = i;
	while (changed--)
		for (size_t i = 0; i < t->nn; i++)
			for (size_t j = 0; j < t->nn; j++) {
				a = &t->n[i], b = &t->n[j];
				if (a->kind == N_POP && b->kind == N_POP &&
				    b->cl < a->cl && hypot(a->x - b->x,
				    a->y - b->y) < room(a, b))
					a->cl = b->cl, changed = 1;
			}
	for (size_t c = 0; c < t->nn; c++) {
		double cx = 0, cy = 0, s = 1, d;
		size_t m = 0;

		for (size_t i = 0; i < t->nn; i++) {
			if ((a = &t->n[i])->kind != N_POP || a->cl != c)
				continue;
			cx += a->x, cy += a->y, m++;
			for (size_t j = 0; j < i; j++)
				if ((b = &t->n[j])->kind == N_POP &&
				    b->cl == c && (d = hypot(a->x - b->x,
				    a->y - b->y)) > 1e-3)
					s = fmax(s, room(a, b) / d);
		}
		s = fmin(s, MAX_LENS);
		for (size_t i = 0; i < t->nn && m > 1; i++)
			if ((a = &t->n[i])->kind == N_POP && a->cl == c) {
				a->x = cx / m + (a->x - cx / m) * s;
				a->y = cy / m + (a->y - cy / m) * s;
			}
	}
}

/*
 * Project what has coordinates (plate carree about the PoPs' mean
 * latitude, so a region keeps its shape, at a scale that grows with what
 * is on the map), spread the PoPs, and start each site on a fan about its
 * PoP, facing away from the middle of the map, for neato to finish.
 */
static void
place(struct topo *t)
{
	double lat0 = 0, c, k, span = 1, cx = 0, cy = 0, away, step;
	double x0 = 1e9, x1 = -1e9, y0 = 1e9, y1 = -1e9;
	size_t np = 0;
	long h;

	for (size_t i = 0; i < t->nn; i++)
		if (t->n[i].kind == N_POP)
			lat0 += t->n[i].lat, np++;
	c = cos((np ? lat0 / np : 0) * M_PI / 180);
	for (size_t i = 0; i < t->nn; i++)
		if (t->n[i].placed) {
			t->n[i].x = t->n[i].lon * c, t->n[i].y = t->n[i].lat;
			t->n[i].placed = 1;
			x0 = fmin(x0, t->n[i].x), x1 = fmax(x1, t->n[i].x);
			y0 = fmin(y0, t->n[i].y), y1 = fmax(y1, t->n[i].y);
			span = fmax(span, fmax(x1 - x0, y1 - y0));
		}
	k = fmax(MIN_PER_DEG, fmin(MAX_PER_DEG, MAP_PT * sqrt(t->nn) / span));
	for (size_t i = 0; i < t->nn; i++) {
		t->n[i].x *= k, t->n[i].y *= k;
		if (t->n[i].kind == N_SITE && (h = node_find(t, t->n[i].home)) >= 0)
			t->n[h].nsites++;
	}
	lens(t);
	for (size_t i = 0; i < t->nn; i++)
		if (t->n[i].kind == N_POP)
			cx += t->n[i].x / np, cy += t->n[i].y / np;
	for (size_t i = 0; i < t->nn; i++) {
		struct tnode *p = &t->n[i];
		int m = 0;

		if (p->kind != N_POP || p->nsites == 0)
			continue;
		away = hypot(p->x - cx, p->y - cy) < 1 ? -M_PI / 2 :
		    atan2(p->y - cy, p->x - cx);
		step = fmin(M_PI / 4, 2 * M_PI / p->nsites);
		for (size_t j = 0; j < t->nn; j++) {
			struct tnode *s = &t->n[j];
			double a = away + (m - (p->nsites - 1) / 2.0) * step;

			if (s->kind != N_SITE || strcmp(s->home, p->name) != 0)
				continue;
			s->x = p->x + SITE_LEN * 72 * cos(a);
			s->y = p->y + SITE_LEN * 72 * sin(a);
			m++;
		}
	}
}

/* A fraction as a short percentage: "<0.01%", "0.05%", "3.2%", "41%". */
static void
pct(double f, char *buf, size_t len)
{
	double p = 100 * f;

	if (p < 0.01)
		snprintf(buf, len, p <= 0 ? "0%%" : "<0.01%%");
	else
		snprintf(buf, len, p < 1 ? "%.2f%%" : p < 10 ? "%.1f%%" :
		    "%.0f%%", p);
}

/* "down 15m", or at an instant (ns < 0) "down". */
static void
fmt_down(int64_t ns, char *buf, size_t len)
{
	char d[32];

	if (ns < 0) {
		snprintf(buf, len, "down");
		return;
	}
	/* whole seconds: finer is noise on a map */
	units_fmt_time((ns + 500000000) / 1000000000 * 1000000000, d,
	    sizeof(d));
	snprintf(buf, len, "down %s", d);
}

static void
draw_node(Agraph_t *g, struct tnode *p)
{
	char label[400], pos[64], d[48] = "";

	if ((p->gn = agnode(g, p->name, 1)) == NULL)
		return;
	if (p->downs > 0)
		fmt_down(p->down_ns, d, sizeof(d));
	snprintf(label, sizeof(label), "%s%s%s%s%s", p->kind == N_CITY ? "" :
	    p->name, p->kind == N_CITY ? "" : "\n", p->city, d[0] ? "\n" : "",
	    d);
	set(p->gn, "label", label, NULL);
	if (p->kind == N_CITY)
		set(p->gn, "shape", "plaintext", "style", "filled",
		    "fillcolor", "white", "fontcolor", C_NET, NULL);
	else
		set(p->gn, "style", p->kind == N_POP ? "filled" :
		    "rounded,filled", "fillcolor", p->kind == N_POP ? C_POP :
		    C_SITE, NULL);
	if (p->kind == N_POP && p->downs > 0)
		set(p->gn, "color", C_BAD, "fontcolor", C_BAD, "penwidth", "3",
		    NULL);
	if (p->placed > 0) {
		/* neato reads pos in inches; "!" pins */
		snprintf(pos, sizeof(pos), "%.2f,%.2f%s", p->x / 72, p->y / 72,
		    p->kind == N_POP ? "!" : "");
		set(p->gn, "pos", pos, NULL);
	}
}

/* The access link's name, then "util 12% loss 0.1%" and "down 15m" (at an
 * instant "down"). */
static void
link_label(const struct tlink *k, char *buf, size_t len)
{
	const char *slash = strrchr(k->key, '/');
	const char *name = k->kind == L_ACCESS && slash ? slash + 1 : "";
	char u[16], l[16], lt[32] = "", d[48] = "";
	int idle = k->packets == 0;	/* says only that it is there */

	pct(k->util, u, sizeof(u));
	pct(k->loss, l, sizeof(l));
	if (k->loss > 0)
		snprintf(lt, sizeof(lt), " loss %s", l);
	if (k->downs > 0)
		fmt_down(k->down_ns, d, sizeof(d));
	snprintf(buf, len, "%s%s%s%s%s%s%s", name, name[0] && !idle ? "\n" :
	    "", idle ? "" : "util ", idle ? "" : u, idle ? "" : lt,
	    d[0] && (name[0] || !idle) ? "\n" : "", d);
}

static void
link_edge(Agraph_t *g, Agnode_t *from, Agnode_t *to, const struct tlink *k,
    char *colour, double len)
{
	char l[32];
	Agedge_t *e;

	if ((e = agedge(g, from, to, NULL, 1)) == NULL)
		return;
	snprintf(l, sizeof(l), "%.2f", len);
	set(e, "color", colour, "len", l, "penwidth", k->packets == 0 ||
	    k->kind == L_INTERNET ? "1.2" : k->kind == L_BACKBONE ? "3.5" :
	    "1.8", NULL);
	if (k->downs > 0 || k->kind == L_INTERNET)
		set(e, "style", "dashed", NULL);
}

/*
 * A link is an edge, or two with its label as a node between them: neato
 * keeps nodes apart, but not edge labels, which pile up where lines cross.
 */
static void
draw_link(Agraph_t *g, const struct topo *t, const struct tlink *k)
{
	char label[300], name[320], pos[64], *colour;
	const struct tnode *a, *b;
	Agnode_t *mid;
	double len;

	if (k->a < 0 || k->b < 0 || (a = &t->n[k->a])->gn == NULL ||
	    (b = &t->n[k->b])->gn == NULL)
		return;
	colour = k->downs > 0 ? C_BAD : k->packets == 0 ? C_IDLE :
	    k->util >= 0.8 ? C_BAD : k->util >= 0.5 ? C_WARN :
	    k->kind == L_INTERNET ? C_NET : C_OK;
	/* Sites sit close to their PoP; an Internet path is as long as the
	 * map makes it, so it does not drag its ends together. */
	len = k->kind == L_ACCESS ? SITE_LEN :
	    fmax(SITE_LEN, hypot(a->x - b->x, a->y - b->y) / 72);
	link_label(k, label, sizeof(label));
	snprintf(name, sizeof(name), "label:%s", k->key);
	if (label[0] == '\0' || (mid = agnode(g, name, 1)) == NULL) {
		link_edge(g, a->gn, b->gn, k, colour, len);
		return;
	}
	set(mid, "label", label, "shape", "plaintext", "style", "filled",
	    "fillcolor", "white", "fontsize", "9", "margin", "0.02", "width",
	    "0", "height", "0", "fontcolor",
	    k->downs > 0 ? C_BAD : k->kind == L_INTERNET ? C_NET : "black",
	    NULL);
	/* Halfway, and pinned unless between a site and its PoP: stress
	 * layout would pull a long link's label far towards the nodes it is
	 * fewest hops from.  The labels of parallel links (a site's fibre
	 * and LTE to one PoP) start a little apart, each below the one
	 * before: on one spot, which of them the overlap removal moves
	 * where is left to chance, and the picture changes run to run. */
	if (a->placed > 0 && b->placed > 0) {
		unsigned nth = 0;

		for (const struct tlink *o = t->l; o < k; o++)
			nth += (o->a == k->a && o->b == k->b) ||
			    (o->a == k->b && o->b == k->a);
		snprintf(pos, sizeof(pos), "%.2f,%.2f%s", (a->x + b->x) / 144,
		    (a->y + b->y) / 144 - 0.1 * nth,
		    k->kind == L_ACCESS ? "" : "!");
		set(mid, "pos", pos, NULL);
	}
	link_edge(g, a->gn, mid, k, colour, len / 2);
	link_edge(g, mid, b->gn, k, colour, len / 2);
}

/* The title and the legend: one HTML-like label above the map. */
static int
draw_legend(Agraph_t *g, const struct topo *t)
{
	char name[sizeof(t->scenario)], when[48], html[3072], *h;
	int at = t->at >= 0;

	snprintf(name, sizeof(name), "%s", t->scenario);
	for (char *c = name; *c; c++)	/* names are [a-z0-9._-] anyway */
		if (strchr("<>&\"", *c))
			*c = '_';
	snprintf(when, sizeof(when), "whole run");
	if (at) {
		snprintf(when, sizeof(when), "at ");
		units_fmt_time(t->at, when + 3, sizeof(when) - 3);
	}
#define SWATCH(c, text) "<td bgcolor=\"" c "\" width=\"22\" " \
	"border=\"1\"></td><td align=\"left\">" text "</td>"
#define DASHES(c, text) "<td><font color=\"" c "\"><b>- - -</b></font></td>" \
	"<td align=\"left\">" text "</td>"
	snprintf(html, sizeof(html), "<table border=\"0\" cellspacing=\"3\" "
	    "cellpadding=\"2\"><tr><td colspan=\"10\" align=\"left\"><font "
	    "point-size=\"16\"><b>%s</b></font>  %s</td></tr><tr>"
	    SWATCH(C_OK, "util &lt; 50%%") SWATCH(C_WARN, "util &lt; 80%%")
	    SWATCH(C_BAD, "util &#8805; 80%%")
	    DASHES(C_BAD, "%s")
	    SWATCH(C_IDLE, "no traffic") "</tr><tr>"
	    SWATCH(C_POP, "PoP (thick lines: backbone)")
	    "<td border=\"2\" color=\"" C_BAD "\"></td><td align=\"left\">"
	    "%s</td>" SWATCH(C_SITE, "site")
	    DASHES(C_NET, "Internet path") "</tr></table>", name, when,
	    at ? "down" : "went down (time down)",
	    at ? "PoP down" : "PoP went down");
#undef SWATCH
#undef DASHES
	if ((h = agstrdup_html(g, html)) == NULL)
		return -1;
	set(g, "label", h, NULL);
	agstrfree(g, h);
	return 0;
}

/*
 * The graph with its defaults.  vpsc removes overlaps moving nodes least
 * and pinned ones hardly at all (prism, the default, moves the PoPs); a
 * small sep, as every label is a node.  Nodes are drawn over edges, so a
 * line never crosses a name.
 */
#define SPLINE_NODES_MAX 60

static Agraph_t *
build(struct topo *t)
{
	static const char dot[] = "graph topology { graph [overlap=vpsc, "
	    "sep=\"+6\", esep=\"+3\", splines=true, outputorder=edgesfirst, "
	    "labelloc=t, labeljust=l, pad=0.3, bgcolor=white, fontname=\""
	    FONT "\", fontsize=11]; node [fontname=\"" FONT "\", "
	    "fontsize=10, shape=box, margin=\"0.08,0.04\"]; edge [fontname=\""
	    FONT "\"] }";
	Agraph_t *g;

	if ((g = agmemread(dot)) == NULL)
		return NULL;
	/* Routing curves around every node costs time that grows faster
	 * than the square of the nodes: 50 s for 210 of them.  A large
	 * network is drawn with straight lines, in well under a second. */
	if (t->nn > SPLINE_NODES_MAX)
		agattr(g, AGRAPH, "splines", "line");
	if (draw_legend(g, t) < 0) {
		agclose(g);
		return NULL;
	}
	for (size_t i = 0; i < t->nn; i++)
		draw_node(g, &t->n[i]);
	for (size_t i = 0; i < t->nl; i++)
		draw_link(g, t, &t->l[i]);
	return g;
}

static int
has_png(GVC_t *gvc)
{
	int n = 0, found = 0;
	char **v = gvPluginList(gvc, "device", &n, NULL);

	for (int i = 0; i < n; i++) {
		found |= strcmp(v[i], "png") == 0;
		free(v[i]);
	}
	free(v);
	return found;
}

/*
 * The .dot first: the layout itself, which neato -n2 rerenders.  The files
 * are opened here, as gvRenderFilename says nothing when it cannot.
 */
static int
render(GVC_t *gvc, Agraph_t *g, const char *dir, const char *stem, char *err,
    size_t errlen)
{
	static const char *const fmt[] = { "dot", "svg", "png" };
	char path[4096], *why;
	FILE *f;
	int rc;

	for (size_t i = 0; i < 3; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s.%s", dir, stem,
		    fmt[i]) >= sizeof(path)) {
			snprintf(err, errlen, "topology: %s: too long", dir);
			return -1;
		}
		if ((f = fopen(path, "wb")) == NULL) {
			snprintf(err, errlen, "topology: %s: %s", path,
			    strerror(errno));
			return -1;
		}
		agreseterrors();
		rc = gvRender(gvc, g, fmt[i], f);
		if (rc != 0 || agerrors() >= AGERR) {
			why = aglasterr();
			snprintf(err, errlen, "topology: %s: %s", path, why ?
			    why : "Graphviz could not draw it");
			free(why);
			fclose(f);
			return -1;
		}
		if (fclose(f) != 0) {
			snprintf(err, errlen, "topology: %s: %s", path,
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

int
topology_check_at(sqlite3 *db, int64_t at_ns, char *err, size_t errlen)
{
	struct topo t = { .at = at_ns };

	return load_run(db, &t, err, errlen);
}

struct topology {
	GVC_t *gvc;
};

struct topology *
topology_new(char *err, size_t errlen)
{
	struct topology *tp = calloc(1, sizeof(*tp));

	if (tp == NULL || (tp->gvc = gvContext()) == NULL) {
		snprintf(err, errlen, "topology: Graphviz did not start");
		free(tp);
		return NULL;
	}
	if (!has_png(tp->gvc)) {
		snprintf(err, errlen, "topology: this Graphviz cannot write "
		    "PNG: install its plugins (Debian package libgvc6)");
		topology_free(tp);
		return NULL;
	}
	return tp;
}

void
topology_free(struct topology *tp)
{
	if (tp == NULL)
		return;
	gvFreeContext(tp->gvc);
	free(tp);
}

int
topology_draw(struct topology *tp, sqlite3 *db, const char *dir,
    int64_t at_ns, char *err, size_t errlen)
{
	struct topo t = { .at = at_ns < 0 ? -1 : at_ns };
	GVC_t *gvc = tp->gvc;
	Agraph_t *g = NULL;
	agerrlevel_t lvl;
	char *why;
	int rc = -1;

	/* Graphviz's warnings would go to stderr: keep them back, and give
	 * the last one only if something fails. */
	lvl = agseterr(AGMAX);
	if (load(db, &t, err, errlen) < 0)
		goto out;
	if (link_ends(&t) < 0) {
		snprintf(err, errlen, "topology: out of memory");
		goto out;
	}
	place(&t);
	if ((g = build(&t)) == NULL) {
		snprintf(err, errlen, "topology: out of memory");
		goto out;
	}
	if (gvLayout(gvc, g, "neato") != 0) {
		why = aglasterr();
		snprintf(err, errlen, "topology: layout failed: %s", why ? why :
		    "neato gave no reason");
		free(why);
		goto out;
	}
	rc = render(gvc, g, dir, at_ns < 0 ? "topology" : "topology-at", err,
	    errlen);
	gvFreeLayout(gvc, g);
out:
	if (g)
		agclose(g);
	agseterr(lvl);
	free(t.n);
	free(t.l);
	return rc;
}
