/*
 * The scenario loader: YAML in, struct scenario out, or one message that
 * names the place of the first mistake.  Sections are read in dependency
 * order (profiles before links that name them, PoPs before sites pinned to
 * them, sites before the destinations that must not share their names,
 * both before applications, everything before the timeline and the
 * expectations), so every name can be resolved to an index the moment it
 * is read, and an unknown name is reported where it is written.  Built-in
 * profiles are added after the file's, so that links may name them.
 *
 * Nothing here allocates on behalf of the run: the structure is built once
 * and freed once.  On error, whatever was built is freed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap.h>

#include "sim/scenario.h"
#include "sim/suggest.h"
#include "sim/units.h"
#include "sim/yamldoc.h"
#include "wan/inet.h"

#define MAX_FILE (64 * 1024 * 1024)
/* A queue of 100 ms at the link's rate when none is given: the classic
 * bandwidth-delay rule of thumb for a router buffer. */
#define DEFAULT_QUEUE_TIME (100 * SB_MS)

struct ld {
	struct ydoc *d;
	struct scenario *sc;
	char *dir;          /* the scenario file's folder, for trace files */
	/* Whether backbone: and internet: default: gave a queue.  A pair or
	 * path that changes its bandwidth keeps a queue that was written,
	 * but one that was derived from the default bandwidth is derived
	 * again from the new one. */
	int bb_queue_given, inet_queue_given, xb_queue_given;
	/* Sites written once with `count: N` (NAME-1 .. NAME-N): an
	 * application whose end names the group applies to each member. */
	struct group {
		const char *name;   /* the entry's name, in the document */
		const yaml_node_t *node; /* that name, for messages */
		size_t first, count;
	} *groups;
	size_t ngroups;
};

/* ---- small helpers ---- */

static char *
xstrdup(struct ld *L, const yaml_node_t *n, const char *s)
{
	char *c = strdup(s);

	if (c == NULL)
		ydoc_err(L->d, n, "out of memory");
	return c;
}

static void *
xcalloc(struct ld *L, const yaml_node_t *n, size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size);

	if (p == NULL)
		ydoc_err(L->d, n, "out of memory");
	return p;
}

/* A name: letters, digits, '.', '_' and '-'. */
static int
get_name(struct ld *L, const yaml_node_t *n, const char *what, char **out)
{
	const char *s;

	if (ydoc_want_str(L->d, n, what, &s) < 0)
		return -1;
	if (strlen(s) > 64)
		return ydoc_err(L->d, n, "%s '%.20s...' is longer than 64 "
		    "characters", what, s);
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		    *p == '-'))
			return ydoc_err(L->d, n, "%s '%s': use only letters, "
			    "digits, '.', '_' and '-'", what, s);
	*out = xstrdup(L, n, s);
	return *out ? 0 : -1;
}

static int
get_time(struct ld *L, const yaml_node_t *n, const char *what, sb_time *out)
{
	char err[256];
	const char *s;

	if (ydoc_want_str(L->d, n, what, &s) < 0)
		return -1;
	if (units_time(s, out, err, sizeof(err)) < 0)
		return ydoc_err(L->d, n, "%s: %s", what, err);
	return 0;
}

/* A time key of a section, within [lo, hi]. */
static int
get_time_in(struct ld *L, const yaml_node_t *n, const char *what,
    sb_time lo, sb_time hi, sb_time *out)
{
	if (get_time(L, n, what, out) < 0)
		return -1;
	if (*out < lo || *out > hi)
		return ydoc_err(L->d, n, "%s must be from %gs to %gs", what,
		    (double)lo / SB_S, (double)hi / SB_S);
	return 0;
}

/* A quantity that parses to a uint64 (a rate, a size). */
typedef int (*u64_parser)(const char *, uint64_t *, char *, size_t);

static int
get_u64(struct ld *L, const yaml_node_t *n, const char *what, u64_parser parse,
    uint64_t *out)
{
	char err[256];
	const char *s;

	if (ydoc_want_str(L->d, n, what, &s) < 0)
		return -1;
	if (parse(s, out, err, sizeof(err)) < 0)
		return ydoc_err(L->d, n, "%s: %s", what, err);
	return 0;
}

static int
get_rate(struct ld *L, const yaml_node_t *n, const char *what, uint64_t *out)
{
	return get_u64(L, n, what, units_rate, out);
}

static int
get_size(struct ld *L, const yaml_node_t *n, const char *what, uint64_t *out)
{
	return get_u64(L, n, what, units_size, out);
}

static int
get_fraction(struct ld *L, const yaml_node_t *n, const char *what, double *out)
{
	char err[256];
	const char *s;

	if (ydoc_want_str(L->d, n, what, &s) < 0)
		return -1;
	if (units_fraction(s, out, err, sizeof(err)) < 0)
		return ydoc_err(L->d, n, "%s: %s", what, err);
	return 0;
}

static int
get_number(struct ld *L, const yaml_node_t *n, const char *what, double lo,
    double hi, double *out)
{
	return ydoc_want_number(L->d, n, what, lo, hi, out);
}

/* A whole number from lo to hi. */
static int
get_whole(struct ld *L, const yaml_node_t *n, const char *what, int lo,
    int hi, int *out)
{
	double x;

	if (get_number(L, n, what, lo, hi, &x) < 0)
		return -1;
	if (x != (int)x)
		return ydoc_err(L->d, n, "%s: a whole number from %d to %d",
		    what, lo, hi);
	*out = (int)x;
	return 0;
}

static int
get_bool(struct ld *L, const yaml_node_t *n, const char *what, int *out)
{
	return ydoc_want_bool(L->d, n, what, out);
}

/* One of a list of words; *out is its index. */
static int
get_word(struct ld *L, const yaml_node_t *n, const char *what,
    const char *const *words, int *out)
{
	const char *s, *sug;
	char list[256];
	size_t off = 0;

	if (ydoc_want_str(L->d, n, what, &s) < 0)
		return -1;
	for (int i = 0; words[i] != NULL; i++)
		if (strcmp(words[i], s) == 0) {
			*out = i;
			return 0;
		}
	list[0] = '\0';
	for (int i = 0; words[i] != NULL && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
		    i ? ", " : "", words[i]);
	sug = ydoc_suggest(s, words);
	if (sug != NULL)
		return ydoc_err(L->d, n, "%s: unknown value '%s' (did you mean "
		    "'%s'?)", what, s, sug);
	return ydoc_err(L->d, n, "%s: unknown value '%s'; one of: %s", what, s,
	    list);
}

/* How a site's tunnels authenticate, in SC_AUTH_* order. */
static const char *const auth_words[] = { "psk", "certificate", NULL };

static const struct geo_city *
get_city(struct ld *L, const yaml_node_t *n, const char *what)
{
	const struct geo_city *c, *sug;
	const char *s;

	if (ydoc_want_str(L->d, n, what, &s) < 0)
		return NULL;
	if ((c = geo_city_find(s)) != NULL)
		return c;
	sug = geo_city_suggest(s);
	if (sug != NULL)
		ydoc_err(L->d, n, "%s: unknown city '%s' (did you mean '%s'?)",
		    what, s, sug->name);
	else
		ydoc_err(L->d, n, "%s: unknown city '%s'; docs/scenario.md "
		    "lists the cities", what, s);
	return NULL;
}

/*
 * Index of a name in an array of structs whose first member is char *name.
 * A linear scan: loading is O(n^2) in the number of things of one kind,
 * which stays well under a second for the thousands a scenario holds; a
 * hash table would be the change if files grow to hundreds of thousands.
 */
#define FIND(arr, n, s) find_name((const void *)(arr), (n), sizeof(*(arr)), (s))
static int
find_name(const void *arr, size_t n, size_t stride, const char *s)
{
	for (size_t i = 0; i < n; i++) {
		char *const *name = (char *const *)((const char *)arr + i * stride);
		if (strcmp(*name, s) == 0)
			return (int)i;
	}
	return -1;
}

/* The name in arr (same layout as find_name) closest to s, and how far. */
static const char *
nearest_name(const void *arr, size_t n, size_t stride, const char *s,
    size_t *dist)
{
	const char *best = NULL;

	*dist = (size_t)-1;
	for (size_t i = 0; i < n; i++) {
		const char *name = *(char *const *)((const char *)arr +
		    i * stride);
		size_t d = suggest_distance(s, name);
		if (d < *dist) {
			*dist = d;
			best = name;
		}
	}
	return best;
}

/*
 * " (did you mean 'x'?)" for the declared name closest to s, or "" when
 * none is close; buf holds the text.  Same array layout as find_name.
 */
#define HINT(buf, arr, n, s) \
	near_name((buf), sizeof(buf), (const void *)(arr), (n), sizeof(*(arr)), (s))
static const char *
near_name(char *buf, size_t len, const void *arr, size_t n, size_t stride,
    const char *s)
{
	size_t d;
	const char *best = nearest_name(arr, n, stride, s, &d);

	if (best == NULL || !suggest_close(s, d))
		return "";
	snprintf(buf, len, " (did you mean '%s'?)", best);
	return buf;
}

static int
ref_pop(struct ld *L, const yaml_node_t *n, const char *what, int *out)
{
	char hint[128];
	const char *s;

	if (ydoc_want_str(L->d, n, what, &s) < 0)
		return -1;
	if ((*out = FIND(L->sc->pops, L->sc->npops, s)) < 0)
		return ydoc_err(L->d, n, "%s: no PoP named '%s'%s", what, s,
		    HINT(hint, L->sc->pops, L->sc->npops, s));
	return 0;
}

static int
ref_site(struct ld *L, const yaml_node_t *n, const char *what, int *out)
{
	char hint[128];
	const char *s;

	if (ydoc_want_str(L->d, n, what, &s) < 0)
		return -1;
	if ((*out = FIND(L->sc->sites, L->sc->nsites, s)) < 0)
		return ydoc_err(L->d, n, "%s: no site named '%s'%s", what, s,
		    HINT(hint, L->sc->sites, L->sc->nsites, s));
	return 0;
}

/* An expectation's `users: NAME`: the users of the entry NAME (all the
 * members of a counted one), or the one user NAME; *first and *count. */
static int
ref_users(struct ld *L, const yaml_node_t *n, const char *what, int *first,
    int *count)
{
	const struct scenario *sc = L->sc;
	const char *s;

	if (ydoc_want_str(L->d, n, what, &s) < 0)
		return -1;
	*first = -1;
	*count = 0;
	for (size_t i = 0; i < sc->nsites; i++) {
		if (!sc->sites[i].user)
			continue;
		if (strcmp(sc->sites[i].entry, s) == 0) {
			if (*first < 0)
				*first = (int)i;
			(*count)++;
		}
	}
	if (*first >= 0)
		return 0;
	for (size_t i = 0; i < sc->nsites; i++)
		if (sc->sites[i].user && strcmp(sc->sites[i].name, s) == 0) {
			*first = (int)i;
			*count = 1;
			return 0;
		}
	return ydoc_err(L->d, n, "%s: no users entry or user named '%s'",
	    what, s);
}

/* An application's `from` or `to`: a site (*site), or a destination
 * (*dest); the other is -1.  Their names never clash (parse_dests sees to
 * it). */
static int
ref_site_or_dest(struct ld *L, const yaml_node_t *n, const char *what,
    int *site, int *dest)
{
	const struct scenario *sc = L->sc;
	const char *s, *best, *d;
	size_t bd, dd;

	*site = *dest = -1;
	if (ydoc_want_str(L->d, n, what, &s) < 0)
		return -1;
	if ((*site = FIND(sc->sites, sc->nsites, s)) >= 0 ||
	    (*dest = FIND(sc->dests, sc->ndests, s)) >= 0)
		return 0;
	if (sc->ndests == 0)
		return ref_site(L, n, what, site);
	best = nearest_name(sc->sites, sc->nsites, sizeof(*sc->sites), s, &bd);
	d = nearest_name(sc->dests, sc->ndests, sizeof(*sc->dests), s, &dd);
	if (d != NULL && dd < bd) {
		best = d;
		bd = dd;
	}
	if (best != NULL && suggest_close(s, bd))
		return ydoc_err(L->d, n, "%s: no site or destination named '%s' "
		    "(did you mean '%s'?)", what, s, best);
	return ydoc_err(L->d, n, "%s: no site or destination named '%s'",
	    what, s);
}

/* A link of site st by name, or -1 with the error. */
static int
ref_link_of(struct ld *L, const yaml_node_t *n, const char *what,
    const struct sc_site *st, const char *s, int *out)
{
	char hint[128];

	if ((*out = FIND(st->links, st->nlinks, s)) < 0)
		return ydoc_err(L->d, n, "%s: site '%s' has no link named "
		    "'%s'%s", what, st->name, s,
		    HINT(hint, st->links, st->nlinks, s));
	return 0;
}

static int
ref_app(struct ld *L, const yaml_node_t *n, const char *what, int *out)
{
	char hint[128];
	const char *s;

	if (ydoc_want_str(L->d, n, what, &s) < 0)
		return -1;
	if ((*out = FIND(L->sc->apps, L->sc->napps, s)) < 0)
		return ydoc_err(L->d, n, "%s: no application named '%s'%s",
		    what, s, HINT(hint, L->sc->apps, L->sc->napps, s));
	return 0;
}

/* "SITE/REST": the site's index and REST; `form` is what to write, for
 * the message ("SITE/LINK, e.g. branch/wan1"). */
static int
ref_site_slash(struct ld *L, const yaml_node_t *n, const char *what,
    const char *form, int *si, const char **rest)
{
	const char *s, *slash;
	char site[128], hint[128];

	if (ydoc_want_str(L->d, n, what, &s) < 0)
		return -1;
	slash = strchr(s, '/');
	if (slash == NULL || (size_t)(slash - s) >= sizeof(site))
		return ydoc_err(L->d, n, "%s: '%s': write %s", what, s, form);
	memcpy(site, s, (size_t)(slash - s));
	site[slash - s] = '\0';
	if ((*si = FIND(L->sc->sites, L->sc->nsites, site)) < 0)
		return ydoc_err(L->d, n, "%s: no site named '%s'%s", what, site,
		    HINT(hint, L->sc->sites, L->sc->nsites, site));
	*rest = slash + 1;
	return 0;
}

/* "SITE/LINK" */
static int
ref_site_link(struct ld *L, const yaml_node_t *n, const char *what, int *si,
    int *li)
{
	const char *link;

	if (ref_site_slash(L, n, what, "SITE/LINK, e.g. branch/wan1", si,
	    &link) < 0)
		return -1;
	return ref_link_of(L, n, what, &L->sc->sites[*si], link, li);
}

/* One Socket of an HA site: SITE/primary or SITE/secondary. */
static int
ref_socket(struct ld *L, const yaml_node_t *n, const char *what, int *si,
    int *unit)
{
	const char *u, *site;

	if (ref_site_slash(L, n, what, "SITE/primary or SITE/secondary, e.g. "
	    "branch/primary", si, &u) < 0)
		return -1;
	site = L->sc->sites[*si].name;
	if (!L->sc->sites[*si].ha)
		return ydoc_err(L->d, n, "%s: site '%s' has one Socket; give it "
		    "'ha' for a primary and a secondary", what, site);
	if (strcmp(u, "primary") == 0)
		*unit = 0;
	else if (strcmp(u, "secondary") == 0)
		*unit = 1;
	else
		return ydoc_err(L->d, n, "%s: site '%s' has no Socket '%s' (its "
		    "Sockets: primary, secondary)", what, site, u);
	return 0;
}

/* A pair written [a, b]; returns the two item nodes. */
static int
get_pair(struct ld *L, const yaml_node_t *n, const char *what,
    yaml_node_t **a, yaml_node_t **b)
{
	if (n->type != YAML_SEQUENCE_NODE || ydoc_len(n) != 2)
		return ydoc_err(L->d, n, "%s: write a pair: [A, B]", what);
	*a = ydoc_item(L->d, n, 0);
	*b = ydoc_item(L->d, n, 1);
	return 0;
}

static int
ref_pop_pair(struct ld *L, const yaml_node_t *n, const char *what, int *a,
    int *b)
{
	yaml_node_t *x, *y;

	if (get_pair(L, n, what, &x, &y) < 0 || ref_pop(L, x, what, a) < 0 ||
	    ref_pop(L, y, what, b) < 0)
		return -1;
	if (*a == *b)
		return ydoc_err(L->d, n, "%s: a backbone pair needs two "
		    "different PoPs", what);
	return 0;
}

static int
ref_internet(struct ld *L, const yaml_node_t *n, const char *what, int *out)
{
	const struct geo_city *a, *b;
	yaml_node_t *x, *y;

	if (get_pair(L, n, what, &x, &y) < 0 ||
	    (a = get_city(L, x, what)) == NULL ||
	    (b = get_city(L, y, what)) == NULL)
		return -1;
	for (size_t i = 0; i < L->sc->ninet; i++) {
		const struct sc_internet_path *p = &L->sc->inet[i];
		if ((p->a == a && p->b == b) || (p->a == b && p->b == a)) {
			*out = (int)i;
			return 0;
		}
	}
	return ydoc_err(L->d, n, "%s: no Internet path [%s, %s] is declared "
	    "under internet: paths", what, a->name, b->name);
}

/* ---- link parameters ---- */

/* "WHAT: KEY" (sep ": ") or "WHAT KEY" (sep " "): the label of a value, so
 * that a message names the object as well as the key. */
static const char *
label(char *buf, size_t len, const char *what, const char *sep,
    const char *key)
{
	/* a label cut short still names the place; the test quiets gcc */
	if (snprintf(buf, len, "%s%s%s", what, sep, key) < 0)
		buf[0] = '\0';
	return buf;
}
#define SUB(key) label(lbl, sizeof(lbl), what, " ", (key))
#define KEY(key) label(lbl, sizeof(lbl), what, ": ", (key))

static const char *const jitter_models[] = { "none", "uniform", "normal",
	"pareto", "table", NULL };
static const char *const loss_models[] = { "none", "bernoulli",
	"gilbert-elliott", "trace", NULL };

/* A model written as a mapping: its keys checked, and which `model:`. */
static int
get_model(struct ld *L, const yaml_node_t *n, const char *what,
    const char *const *keys, const char *label, const char *const *models,
    int *kind)
{
	yaml_node_t *v;

	if (ydoc_want_map(L->d, n, what) < 0 ||
	    ydoc_check_keys(L->d, n, what, keys) < 0)
		return -1;
	if ((v = ydoc_get(L->d, n, "model")) == NULL)
		return ydoc_err(L->d, n, "%s: 'model' is required", what);
	return get_word(L, v, label, models, kind);
}

static int
parse_jitter(struct ld *L, const yaml_node_t *n, const char *what,
    struct jitter_spec *j)
{
	static const char *const keys[] = { "model", "amount", "shape",
		"table", NULL };
	yaml_node_t *v;
	int kind = JITTER_UNIFORM;
	double shape;
	char lbl[256];

	memset(j, 0, sizeof(*j));
	if (n->type == YAML_SCALAR_NODE) {
		/* a bare time is uniform +- that much, as netem's "delay D J" */
		j->kind = JITTER_UNIFORM;
		if (get_time(L, n, what, &j->amount) < 0)
			return -1;
		if (j->amount == 0)
			j->kind = JITTER_NONE;
		return 0;
	}
	if (get_model(L, n, what, keys, SUB("model"), jitter_models,
	    &kind) < 0)
		return -1;
	j->kind = (enum jitter_kind)kind;
	j->shape = 2.5;
	if ((v = ydoc_get(L->d, n, "amount")) != NULL &&
	    get_time(L, v, SUB("amount"), &j->amount) < 0)
		return -1;
	if ((v = ydoc_get(L->d, n, "shape")) != NULL) {
		if (get_number(L, v, SUB("shape"), 0.01, 100, &shape) < 0)
			return -1;
		j->shape = shape;
	}
	if ((v = ydoc_get(L->d, n, "table")) != NULL) {
		if (ydoc_want_seq(L->d, v, SUB("table")) < 0)
			return -1;
		if (ydoc_len(v) == 0)
			return ydoc_err(L->d, v, "%s is empty", SUB("table"));
		j->table = xcalloc(L, v, ydoc_len(v), sizeof(*j->table));
		if (j->table == NULL)
			return -1;
		j->table_len = ydoc_len(v);
		for (size_t i = 0; i < ydoc_len(v); i++)
			if (get_time(L, ydoc_item(L->d, v, i), SUB("table"),
			    &j->table[i]) < 0)
				return -1;
	}
	if (j->kind == JITTER_TABLE && j->table == NULL)
		return ydoc_err(L->d, n, "%s: model table needs 'table: [...]'",
		    what);
	if ((j->kind == JITTER_UNIFORM || j->kind == JITTER_NORMAL ||
	    j->kind == JITTER_PARETO) && ydoc_get(L->d, n, "amount") == NULL)
		return ydoc_err(L->d, n, "%s: model %s needs 'amount'", what,
		    jitter_models[kind]);
	return 0;
}

static int
read_trace(struct ld *L, const yaml_node_t *n, const char *what,
    struct loss_spec *s)
{
	const char *name;
	char path[4096], lbl[256];
	FILE *f;
	int c;
	size_t cap = 0;

	if (ydoc_want_str(L->d, n, SUB("file"), &name) < 0)
		return -1;
	if (name[0] == '/')
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "%s/%s", L->dir, name);
	if ((f = fopen(path, "r")) == NULL)
		return ydoc_err(L->d, n, "%s trace file '%s': %s", what, path,
		    strerror(errno));
	while ((c = fgetc(f)) != EOF) {
		if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == ',')
			continue;
		if (c != '0' && c != '1') {
			fclose(f);
			return ydoc_err(L->d, n, "%s trace file '%s': only 0 "
			    "and 1 are allowed, found byte 0x%02x", what, path,
			    (unsigned)c);
		}
		if (s->trace_len == cap) {
			uint8_t *t;
			cap = cap ? 2 * cap : 1024;
			if (cap > MAX_FILE || (t = realloc(s->trace, cap)) == NULL) {
				fclose(f);
				return ydoc_err(L->d, n, "%s trace file '%s' "
				    "is too large", what, path);
			}
			s->trace = t;
		}
		s->trace[s->trace_len++] = (uint8_t)(c == '1');
	}
	fclose(f);
	if (s->trace_len == 0)
		return ydoc_err(L->d, n, "%s trace file '%s' is empty", what,
		    path);
	return 0;
}

static int
parse_loss(struct ld *L, const yaml_node_t *n, const char *what,
    struct loss_spec *s)
{
	static const char *const keys[] = { "model", "rate", "p", "r",
		"bad-loss", "good-loss", "file", NULL };
	yaml_node_t *v;
	int kind;
	char lbl[256];

	memset(s, 0, sizeof(*s));
	if (n->type == YAML_SCALAR_NODE) {
		s->kind = LOSS_BERNOULLI;
		if (get_fraction(L, n, what, &s->rate) < 0)
			return -1;
		if (s->rate == 0)
			s->kind = LOSS_NONE;
		return 0;
	}
	if (get_model(L, n, what, keys, SUB("model"), loss_models, &kind) < 0)
		return -1;
	s->kind = (enum loss_kind)kind;
	s->bad_loss = 1.0;
	switch (s->kind) {
	case LOSS_BERNOULLI:
		if ((v = ydoc_get(L->d, n, "rate")) == NULL)
			return ydoc_err(L->d, n, "%s: bernoulli needs 'rate'",
			    what);
		return get_fraction(L, v, SUB("rate"), &s->rate);
	case LOSS_GILBERT_ELLIOTT:
		if ((v = ydoc_get(L->d, n, "p")) == NULL)
			return ydoc_err(L->d, n, "%s: gilbert-elliott needs 'p' "
			    "(good to bad) and 'r' (bad to good)", what);
		if (get_fraction(L, v, SUB("p"), &s->p) < 0)
			return -1;
		if ((v = ydoc_get(L->d, n, "r")) == NULL)
			return ydoc_err(L->d, n, "%s: gilbert-elliott needs 'r' "
			    "(bad to good)", what);
		if (get_fraction(L, v, SUB("r"), &s->r) < 0)
			return -1;
		if ((v = ydoc_get(L->d, n, "bad-loss")) != NULL &&
		    get_fraction(L, v, SUB("bad-loss"), &s->bad_loss) < 0)
			return -1;
		if ((v = ydoc_get(L->d, n, "good-loss")) != NULL &&
		    get_fraction(L, v, SUB("good-loss"), &s->good_loss) < 0)
			return -1;
		return 0;
	case LOSS_TRACE:
		if ((v = ydoc_get(L->d, n, "file")) == NULL)
			return ydoc_err(L->d, n, "%s: trace needs 'file'", what);
		return read_trace(L, v, what, s);
	default:
		return 0;
	}
}

/* A background's value: a number (utilisation) or a rate, constant, or
 * a list of [time, value] points at increasing times. */
static int
get_bg_value(struct ld *L, const yaml_node_t *n, const char *what,
    enum fluid_unit unit, double *out)
{
	uint64_t r;

	if (unit == FLUID_UTIL)
		return get_number(L, n, what, 0, FLUID_MAX_UTIL, out);
	if (get_rate(L, n, what, &r) < 0)
		return -1;
	*out = (double)r;
	return 0;
}

static int
parse_bg_points(struct ld *L, const yaml_node_t *n, const char *what,
    struct fluid_spec *s)
{
	size_t len = ydoc_len(n);

	if (len == 0)
		return ydoc_err(L->d, n, "%s: the list of [time, value] "
		    "points is empty", what);
	fluid_spec_clear(s);
	s->points = xcalloc(L, n, len, sizeof(*s->points));
	if (s->points == NULL)
		return -1;
	for (size_t i = 0; i < len; i++) {
		yaml_node_t *it = ydoc_item(L->d, n, i), *t, *v;
		struct fluid_point *pt = &s->points[i];

		if (get_pair(L, it, what, &t, &v) < 0 ||
		    get_time(L, t, what, &pt->at) < 0 ||
		    get_bg_value(L, v, what, s->unit, &pt->value) < 0)
			return -1;
		s->npoints++;
		if (i > 0 && pt->at <= pt[-1].at)
			return ydoc_err(L->d, t, "%s: point times must "
			    "increase", what);
	}
	return 0;
}

/* The keys of one direction's background, on top of what s holds. */
static int
parse_bg_dir(struct ld *L, const yaml_node_t *n, const char *what,
    struct fluid_spec *s)
{
	yaml_node_t *v, *u, *r;
	uint64_t x;
	char lbl[256];

	if (n->type == YAML_SCALAR_NODE) {
		fluid_spec_clear(s);
		s->on = 1;
		s->unit = FLUID_UTIL;
		return get_number(L, n, KEY("utilisation"), 0, FLUID_MAX_UTIL,
		    &s->value);
	}
	if (ydoc_want_map(L->d, n, what) < 0)
		return -1;
	if ((v = ydoc_get(L->d, n, "packet")) != NULL) {
		if (get_size(L, v, KEY("packet"), &x) < 0)
			return -1;
		if (x == 0 || x > 65535)
			return ydoc_err(L->d, v, "%s: packet: a size from 1 to "
			    "65535 bytes", what);
		s->packet_bytes = (uint32_t)x;
	}
	if ((v = ydoc_get(L->d, n, "step")) != NULL) {
		if (get_time(L, v, KEY("step"), &s->step) < 0)
			return -1;
		if (s->step < SB_MS)
			return ydoc_err(L->d, v, "%s: step: at least 1ms (the "
			    "background is coarse by design)", what);
	}
	u = ydoc_get(L->d, n, "utilisation");
	r = ydoc_get(L->d, n, "rate");
	if (u != NULL && r != NULL)
		return ydoc_err(L->d, r, "%s: give 'utilisation' or 'rate', "
		    "not both", what);
	if ((v = u != NULL ? u : r) == NULL)
		return 0;
	fluid_spec_clear(s);
	s->on = 1;
	s->unit = u != NULL ? FLUID_UTIL : FLUID_RATE;
	if (v->type == YAML_SEQUENCE_NODE)
		return parse_bg_points(L, v, KEY(u ? "utilisation" : "rate"),
		    s);
	return get_bg_value(L, v, KEY(u ? "utilisation" : "rate"), s->unit,
	    &s->value);
}

/*
 * background: fluid load on both directions of the link (up: the first
 * end to the second), with up: and down: overriding one direction.
 */
static int
parse_background(struct ld *L, const yaml_node_t *n, const char *what,
    struct fluid_spec bg[2])
{
	static const char *const keys[] = { "utilisation", "rate", "packet",
		"step", "up", "down", NULL };
	static const char *const dkeys[] = { "utilisation", "rate", "packet",
		"step", NULL };
	static const char *const dirs[] = { "up", "down" };
	struct fluid_spec base = { .step = FLUID_DEFAULT_STEP,
	    .packet_bytes = FLUID_DEFAULT_PACKET };
	char lbl[256];
	int rc = -1;

	if (n->type == YAML_MAPPING_NODE &&
	    ydoc_check_keys(L->d, n, what, keys) < 0)
		return -1;
	if (parse_bg_dir(L, n, what, &base) < 0)
		goto out;
	for (int d = 0; d < 2; d++) {
		yaml_node_t *v = n->type == YAML_MAPPING_NODE ?
		    ydoc_get(L->d, n, dirs[d]) : NULL;
		fluid_spec_clear(&bg[d]);
		if (fluid_spec_copy(&bg[d], &base) < 0) {
			ydoc_err(L->d, n, "out of memory");
			goto out;
		}
		if (v == NULL)
			continue;
		if (v->type == YAML_MAPPING_NODE &&
		    ydoc_check_keys(L->d, v, SUB(dirs[d]), dkeys) < 0)
			goto out;
		if (parse_bg_dir(L, v, SUB(dirs[d]), &bg[d]) < 0)
			goto out;
	}
	if (!bg[0].on && !bg[1].on) {
		ydoc_err(L->d, n, "%s: give 'utilisation' or 'rate'", what);
		goto out;
	}
	rc = 0;
out:
	fluid_spec_clear(&base);
	return rc;
}

static const char *const linkp_keys[] = { "bandwidth", "queue", "delay",
	"jitter", "loss", "reorder", "profile", "background", NULL };

/*
 * Read the link parameter keys present in map into p, on top of what p
 * already holds (defaults).  Owned parts of p (tables, traces) are replaced.
 */
static int
parse_linkp(struct ld *L, const yaml_node_t *map, const char *what,
    struct sc_linkp *p)
{
	yaml_node_t *v;
	const char *s;
	char lbl[256];

	if ((v = ydoc_get(L->d, map, "bandwidth")) != NULL) {
		if (get_rate(L, v, KEY("bandwidth"), &p->bandwidth_bps) < 0)
			return -1;
		if (p->bandwidth_bps == 0)
			return ydoc_err(L->d, v, "%s: bandwidth must be above "
			    "zero", what);
	}
	if ((v = ydoc_get(L->d, map, "queue")) != NULL &&
	    get_size(L, v, KEY("queue"), &p->queue_bytes) < 0)
		return -1;
	if ((v = ydoc_get(L->d, map, "delay")) != NULL) {
		if (get_time(L, v, KEY("delay"), &p->delay) < 0)
			return -1;
		p->has_delay = 1;
	}
	if ((v = ydoc_get(L->d, map, "jitter")) != NULL) {
		struct jitter_spec j;
		if (parse_jitter(L, v, KEY("jitter"), &j) < 0) {
			jitter_spec_clear(&j);
			return -1;
		}
		jitter_spec_clear(&p->jitter);
		p->jitter = j;
	}
	if ((v = ydoc_get(L->d, map, "loss")) != NULL) {
		struct loss_spec ls;
		if (parse_loss(L, v, KEY("loss"), &ls) < 0) {
			loss_spec_clear(&ls);
			return -1;
		}
		loss_spec_clear(&p->loss);
		p->loss = ls;
	}
	if ((v = ydoc_get(L->d, map, "reorder")) != NULL &&
	    get_bool(L, v, KEY("reorder"), &p->reorder) < 0)
		return -1;
	if ((v = ydoc_get(L->d, map, "profile")) != NULL) {
		if (ydoc_want_str(L->d, v, KEY("profile"), &s) < 0)
			return -1;
		p->profile = FIND(L->sc->profiles, L->sc->nprofiles, s);
		if (p->profile < 0) {
			char hint[128];
			return ydoc_err(L->d, v, "%s: no profile named '%s'%s",
			    what, s, HINT(hint, L->sc->profiles,
			    L->sc->nprofiles, s));
		}
	}
	if ((v = ydoc_get(L->d, map, "background")) != NULL &&
	    parse_background(L, v, KEY("background"), p->bg) < 0)
		return -1;
	/* a background takes a share of the bandwidth: there must be one */
	if ((p->bg[0].on || p->bg[1].on) && p->bandwidth_bps == 0) {
		v = ydoc_get(L->d, map, "background");
		return ydoc_err(L->d, v != NULL ? v : map, "%s: background "
		    "needs a bandwidth", what);
	}
	return 0;
}

/* A deep copy of defaults, to be overridden. */
static int
linkp_copy(struct ld *L, const yaml_node_t *n, struct sc_linkp *dst,
    const struct sc_linkp *src)
{
	*dst = *src;
	dst->jitter.table = NULL;
	dst->loss.trace = NULL;
	dst->bg[0].points = dst->bg[1].points = NULL;
	dst->bg[0].npoints = dst->bg[1].npoints = 0;
	if (jitter_spec_copy(&dst->jitter, &src->jitter) < 0 ||
	    fluid_spec_copy(&dst->bg[0], &src->bg[0]) < 0 ||
	    fluid_spec_copy(&dst->bg[1], &src->bg[1]) < 0)
		return ydoc_err(L->d, n, "out of memory");
	if (src->loss.trace_len > 0) {
		dst->loss.trace = malloc(src->loss.trace_len);
		if (dst->loss.trace == NULL)
			return ydoc_err(L->d, n, "out of memory");
		memcpy(dst->loss.trace, src->loss.trace, src->loss.trace_len);
	}
	return 0;
}

static void
linkp_clear(struct sc_linkp *p)
{
	jitter_spec_clear(&p->jitter);
	loss_spec_clear(&p->loss);
	fluid_spec_clear(&p->bg[0]);
	fluid_spec_clear(&p->bg[1]);
}

/* The queue a link gets when none is given. */
static void
linkp_default_queue(struct sc_linkp *p)
{
	if (p->queue_bytes == 0 && p->bandwidth_bps != 0)
		p->queue_bytes = (uint64_t)((double)p->bandwidth_bps / 8.0 *
		    ((double)DEFAULT_QUEUE_TIME / 1e9));
}

/* The allowed keys: linkp_keys plus extra. */
static int
check_keys_linkp(struct ld *L, const yaml_node_t *map, const char *what,
    const char *const *extra)
{
	const char *keys[32];
	size_t n = 0;

	for (size_t i = 0; extra[i] != NULL && n < 24; i++)
		keys[n++] = extra[i];
	for (size_t i = 0; linkp_keys[i] != NULL; i++)
		keys[n++] = linkp_keys[i];
	keys[n] = NULL;
	return ydoc_check_keys(L->d, map, what, keys);
}

/* ---- sections ---- */

/* An hour of the day, [0, 24): 24 would be the next day's midnight. */
static int
get_hour(struct ld *L, const yaml_node_t *n, const char *what, double *out)
{
	char lbl[256];

	if (get_number(L, n, KEY("hour"), 0, 1e9, out) < 0)
		return -1;
	if (*out >= 24)
		return ydoc_err(L->d, n, "%s: hour: %s is outside [0, 24)",
		    what, ydoc_str(n));
	return 0;
}

static int
parse_profiles(struct ld *L, const yaml_node_t *n)
{
	struct scenario *sc = L->sc;

	if (ydoc_want_map(L->d, n, "profiles") < 0)
		return -1;
	sc->profiles = xcalloc(L, n, ydoc_len(n), sizeof(*sc->profiles));
	if (sc->profiles == NULL)
		return -1;
	for (size_t i = 0; i < ydoc_len(n); i++) {
		static const char *const keys[] = { "hour", "delay", "jitter",
			"loss", NULL };
		struct sc_profile *p = &sc->profiles[i];
		yaml_node_t *k, *v;
		char what[128], lbl[256];

		ydoc_pair(L->d, n, i, &k, &v);
		p->loc.line = (unsigned)k->start_mark.line + 1;
		p->loc.col = (unsigned)k->start_mark.column + 1;
		if (get_name(L, k, "profile name", &p->name) < 0)
			return -1;
		sc->nprofiles++;
		if (FIND(sc->profiles, i, p->name) >= 0)
			return ydoc_err(L->d, k, "profile '%s' is defined twice",
			    p->name);
		snprintf(what, sizeof(what), "profile '%s'", p->name);
		if (ydoc_want_seq(L->d, v, what) < 0)
			return -1;
		if (ydoc_len(v) == 0)
			return ydoc_err(L->d, v, "%s has no points", what);
		p->points = xcalloc(L, v, ydoc_len(v), sizeof(*p->points));
		if (p->points == NULL)
			return -1;
		for (size_t j = 0; j < ydoc_len(v); j++) {
			yaml_node_t *pt = ydoc_item(L->d, v, j), *x;
			struct profile_point *pp = &p->points[j];

			if (ydoc_want_map(L->d, pt, what) < 0 ||
			    ydoc_check_keys(L->d, pt, what, keys) < 0)
				return -1;
			if ((x = ydoc_get(L->d, pt, "hour")) == NULL)
				return ydoc_err(L->d, pt, "%s: a point needs "
				    "'hour'", what);
			if (get_hour(L, x, what, &pp->hour) < 0)
				return -1;
			for (size_t q = 0; q < j; q++)
				if (p->points[q].hour == pp->hour)
					return ydoc_err(L->d, x, "%s: hour %g "
					    "given twice", what, pp->hour);
			pp->delay = pp->jitter = pp->loss = 1.0;
			if ((x = ydoc_get(L->d, pt, "delay")) != NULL &&
			    get_number(L, x, KEY("delay"), 0, 1000,
			    &pp->delay) < 0)
				return -1;
			if ((x = ydoc_get(L->d, pt, "jitter")) != NULL &&
			    get_number(L, x, KEY("jitter"), 0, 1000,
			    &pp->jitter) < 0)
				return -1;
			if ((x = ydoc_get(L->d, pt, "loss")) != NULL &&
			    get_number(L, x, KEY("loss"), 0, 1000,
			    &pp->loss) < 0)
				return -1;
			p->npoints++;
		}
	}
	return 0;
}

/*
 * Security engines, in enum sc_engine order, and what each costs a packet
 * when the file does not say.  The figures rank the engines by the work
 * they do per packet (a state lookup; signature matching; content
 * scanning; decryption and encryption again) rather than measure any
 * product: a scenario about capacity should set its own.
 */
static const char *const engine_words[] = { "firewall", "ips",
	"anti-malware", "tls-inspection", NULL };
static const sb_time engine_default_delay[SC_ENG__COUNT] = {
	10 * SB_US, 30 * SB_US, 50 * SB_US, 80 * SB_US,
};
/* The longest a packet waits for inspection before it is dropped: about a
 * hundred packets' worth of engine time at the costs above, so that a
 * burst rides through and an overload shows as loss, not as seconds of
 * delay. */
#define DEFAULT_INSPECTION_QUEUE (10 * SB_MS)

static int
get_engine(struct ld *L, const yaml_node_t *n, const char *what, int *out)
{
	const char *s, *sug;

	if (ydoc_want_str(L->d, n, what, &s) < 0)
		return -1;
	for (int i = 0; engine_words[i] != NULL; i++)
		if (strcmp(engine_words[i], s) == 0) {
			*out = i;
			return 0;
		}
	if ((sug = ydoc_suggest(s, engine_words)) != NULL)
		return ydoc_err(L->d, n, "%s: unknown engine '%s' (did you mean "
		    "'%s'?)", what, s, sug);
	return ydoc_err(L->d, n, "%s: unknown engine '%s'; the engines are "
	    "firewall, ips, anti-malware and tls-inspection", what, s);
}

/* engines: [a, b] (each at its default cost) or {a: TIME, b: TIME}. */
static int
parse_engines(struct ld *L, const yaml_node_t *n, const char *what,
    struct sc_inspection *in)
{
	char lbl[256], elbl[300];
	int e = 0;

	if (n->type != YAML_MAPPING_NODE && n->type != YAML_SEQUENCE_NODE)
		return ydoc_err(L->d, n, "%s: engines: a list of engines, or a "
		    "mapping from each engine to its time per packet", what);
	for (size_t i = 0; i < ydoc_len(n); i++) {
		yaml_node_t *k, *v = NULL;

		if (n->type == YAML_MAPPING_NODE)
			ydoc_pair(L->d, n, i, &k, &v);
		else
			k = ydoc_item(L->d, n, i);
		if (get_engine(L, k, KEY("engines"), &e) < 0)
			return -1;
		if (in->engines & (1u << e))
			return ydoc_err(L->d, k, "%s: engine '%s' is given twice",
			    what, engine_words[e]);
		in->engines |= 1u << e;
		snprintf(elbl, sizeof(elbl), "%s: engines: %s", what,
		    engine_words[e]);
		if (v != NULL && get_time_in(L, v, elbl, 0, SB_S,
		    &in->engine_delay[e]) < 0)
			return -1;
	}
	if (in->engines == 0)
		return ydoc_err(L->d, n, "%s: engines: name at least one, or "
		    "leave 'engines' out for all four", what);
	return 0;
}

static int
parse_inspection(struct ld *L, const yaml_node_t *n, struct sc_pop *p)
{
	static const char *const keys[] = { "capacity", "packet-rate",
		"queue", "engines", NULL };
	struct sc_inspection *in = &p->insp;
	yaml_node_t *v;
	char what[128], lbl[256];
	double x;

	snprintf(what, sizeof(what), "PoP '%s' inspection", p->name);
	if (ydoc_want_map(L->d, n, what) < 0 ||
	    ydoc_check_keys(L->d, n, what, keys) < 0)
		return -1;
	in->enabled = 1;
	in->loc.line = (unsigned)n->start_mark.line + 1;
	in->loc.col = (unsigned)n->start_mark.column + 1;
	if ((v = ydoc_get(L->d, n, "capacity")) != NULL) {
		if (get_rate(L, v, KEY("capacity"), &in->capacity_bps) < 0)
			return -1;
		if (in->capacity_bps == 0)
			return ydoc_err(L->d, v, "%s: capacity must be above "
			    "zero", what);
	}
	if ((v = ydoc_get(L->d, n, "packet-rate")) != NULL) {
		if (get_number(L, v, KEY("packet-rate"), 0, 1e15, &x) < 0)
			return -1;
		if (x <= 0 || x != floor(x))
			return ydoc_err(L->d, v, "%s: packet-rate: a whole number "
			    "of packets per second above zero, like 400000",
			    what);
		in->capacity_pps = (uint64_t)x;
	}
	if (in->capacity_bps == 0 && in->capacity_pps == 0)
		return ydoc_err(L->d, n, "%s: give 'capacity' (a rate, like "
		    "2Gbps), 'packet-rate' (packets per second) or both", what);
	if ((v = ydoc_get(L->d, n, "queue")) != NULL) {
		if (get_time(L, v, KEY("queue"), &in->queue) < 0)
			return -1;
		if (in->queue <= 0)
			return ydoc_err(L->d, v, "%s: queue must be above zero",
			    what);
	}
	if ((v = ydoc_get(L->d, n, "engines")) == NULL) {
		in->engines = (1u << SC_ENG__COUNT) - 1;
		return 0;
	}
	return parse_engines(L, v, what, in);
}

static int
parse_pops(struct ld *L, const yaml_node_t *n)
{
	static const char *const keys[] = { "name", "city", "gateway",
		"inspection", NULL };
	struct scenario *sc = L->sc;

	if (ydoc_want_seq(L->d, n, "pops") < 0)
		return -1;
	if (ydoc_len(n) == 0)
		return ydoc_err(L->d, n, "pops: at least one PoP is needed");
	sc->pops = xcalloc(L, n, ydoc_len(n), sizeof(*sc->pops));
	if (sc->pops == NULL)
		return -1;
	for (size_t i = 0; i < ydoc_len(n); i++) {
		yaml_node_t *it = ydoc_item(L->d, n, i), *v;
		struct sc_pop *p = &sc->pops[i];
		char what[128], lbl[256];

		p->loc.line = (unsigned)it->start_mark.line + 1;
		p->loc.col = (unsigned)it->start_mark.column + 1;
		p->gateway = -1;
		/* also without inspection, so the world may read them */
		p->insp.queue = DEFAULT_INSPECTION_QUEUE;
		memcpy(p->insp.engine_delay, engine_default_delay,
		    sizeof(p->insp.engine_delay));
		if (ydoc_want_map(L->d, it, "a PoP") < 0 ||
		    ydoc_check_keys(L->d, it, "PoP", keys) < 0)
			return -1;
		if ((v = ydoc_get(L->d, it, "name")) == NULL)
			return ydoc_err(L->d, it, "PoP: 'name' is required");
		if (get_name(L, v, "PoP name", &p->name) < 0)
			return -1;
		sc->npops++;
		if (FIND(sc->pops, i, p->name) >= 0)
			return ydoc_err(L->d, v, "PoP '%s' is defined twice",
			    p->name);
		if ((v = ydoc_get(L->d, it, "city")) == NULL)
			return ydoc_err(L->d, it, "PoP '%s': 'city' is required",
			    p->name);
		snprintf(what, sizeof(what), "PoP '%s'", p->name);
		if ((p->city = get_city(L, v, KEY("city"))) == NULL)
			return -1;
		if ((v = ydoc_get(L->d, it, "inspection")) != NULL &&
		    parse_inspection(L, v, p) < 0)
			return -1;
	}
	/*
	 * Gateways once every PoP is known, since one may name a PoP written
	 * further down.  One hop only: a gateway reaches the world itself,
	 * so that every path out of a country is the PoP, its gateway and
	 * the mesh, and no chain can loop.
	 */
	for (size_t i = 0; i < sc->npops; i++) {
		yaml_node_t *it = ydoc_item(L->d, n, i), *v, *g;
		struct sc_pop *p = &sc->pops[i];
		char what[128], lbl[256];

		if ((v = ydoc_get(L->d, it, "gateway")) == NULL)
			continue;
		snprintf(what, sizeof(what), "PoP '%s'", p->name);
		if (ref_pop(L, v, KEY("gateway"), &p->gateway) < 0)
			return -1;
		if (p->gateway == (int)i)
			return ydoc_err(L->d, v, "%s: gateway: a PoP cannot be "
			    "its own gateway", what);
		g = ydoc_item(L->d, n, (size_t)p->gateway);
		if (ydoc_get(L->d, g, "gateway") != NULL)
			return ydoc_err(L->d, v, "%s: gateway '%s' has a gateway "
			    "of its own; name a PoP that reaches other countries "
			    "directly", what, sc->pops[p->gateway].name);
	}
	return 0;
}

/*
 * How the PoPs measure the backbone and route over it, when the file does
 * not say: a probe every 100 ms, a link down after 3 missed (BFD's usual
 * detect multiplier: 300 ms to notice), loss over the last 10 s (100
 * probes, enough to tell 1% from 2%), and 100% loss costing 5 s, so that
 * 1% loss weighs as much as 50 ms of delay.
 */
#define DEFAULT_ROUTING_PROBE (100 * SB_MS)
#define DEFAULT_ROUTING_MISSES 3
#define DEFAULT_ROUTING_LOSS_WINDOW (10 * SB_S)
#define DEFAULT_ROUTING_LOSS_WEIGHT (5 * SB_S)

static int
parse_routing(struct ld *L, const yaml_node_t *n)
{
	struct sc_routing *r = &L->sc->routing;
	yaml_node_t *v, *w;
	char t1[32], t2[32];
	int m;

	if ((v = ydoc_get(L->d, n, "probe")) != NULL &&
	    get_time_in(L, v, "backbone: probe", SB_MS, 60 * SB_S,
	    &r->probe) < 0)
		return -1;
	if ((v = ydoc_get(L->d, n, "misses")) != NULL) {
		if (get_whole(L, v, "backbone: misses", 1, 100, &m) < 0)
			return -1;
		r->misses = (unsigned)m;
	}
	if ((w = ydoc_get(L->d, n, "loss-window")) != NULL &&
	    get_time_in(L, w, "backbone: loss-window", SB_MS, 3600 * SB_S,
	    &r->loss_window) < 0)
		return -1;
	/* A window of fewer than ten probes tells loss in steps of more
	 * than 10%: too coarse to route by. */
	if (r->loss_window < 10 * r->probe)
		return ydoc_err(L->d, w != NULL ? w : ydoc_get(L->d, n, "probe"),
		    "backbone: loss-window %s holds fewer than 10 probes (probe "
		    "%s); make it at least 10 x probe",
		    units_fmt_time(r->loss_window, t1, sizeof(t1)),
		    units_fmt_time(r->probe, t2, sizeof(t2)));
	if ((v = ydoc_get(L->d, n, "loss-weight")) != NULL &&
	    get_time_in(L, v, "backbone: loss-weight", 0, 3600 * SB_S,
	    &r->loss_weight) < 0)
		return -1;
	return 0;
}

static int
parse_backbone(struct ld *L, const yaml_node_t *n)
{
	static const char *const extra[] = { "pairs", "probe", "misses",
		"loss-window", "loss-weight", NULL };
	static const char *const pextra[] = { "between", "carrier", NULL };
	struct scenario *sc = L->sc;
	yaml_node_t *pairs;

	if (ydoc_want_map(L->d, n, "backbone") < 0 ||
	    check_keys_linkp(L, n, "backbone", extra) < 0 ||
	    parse_linkp(L, n, "backbone", &sc->backbone_default) < 0 ||
	    parse_routing(L, n) < 0)
		return -1;
	L->bb_queue_given = ydoc_get(L->d, n, "queue") != NULL;
	linkp_default_queue(&sc->backbone_default);
	if ((pairs = ydoc_get(L->d, n, "pairs")) == NULL)
		return 0;
	if (ydoc_want_seq(L->d, pairs, "backbone pairs") < 0)
		return -1;
	sc->bb_pairs = xcalloc(L, pairs, ydoc_len(pairs), sizeof(*sc->bb_pairs));
	if (sc->bb_pairs == NULL)
		return -1;
	for (size_t i = 0; i < ydoc_len(pairs); i++) {
		yaml_node_t *it = ydoc_item(L->d, pairs, i), *v, *c;
		struct sc_backbone_pair *bp = &sc->bb_pairs[i];
		struct sc_linkp *def = &sc->backbone_default;
		char what[240];

		bp->loc.line = (unsigned)it->start_mark.line + 1;
		bp->loc.col = (unsigned)it->start_mark.column + 1;
		if (ydoc_want_map(L->d, it, "a backbone pair") < 0 ||
		    check_keys_linkp(L, it, "backbone pair", pextra) < 0)
			return -1;
		/* counted first, so that a half-made copy is freed too */
		sc->nbb_pairs++;
		if (linkp_copy(L, it, &bp->p, def) < 0)
			return -1;
		if ((v = ydoc_get(L->d, it, "between")) == NULL)
			return ydoc_err(L->d, it, "backbone pair: 'between: "
			    "[POP, POP]' is required");
		if (ref_pop_pair(L, v, "backbone pair", &bp->a, &bp->b) < 0)
			return -1;
		if ((c = ydoc_get(L->d, it, "carrier")) != NULL &&
		    get_name(L, c, "backbone pair: carrier", &bp->carrier) < 0)
			return -1;
		/* Parallel links of one pair are told apart by carrier, so
		 * each must name one, and a different one. */
		for (size_t j = 0; j < i; j++) {
			const struct sc_backbone_pair *o = &sc->bb_pairs[j];
			if (!((o->a == bp->a && o->b == bp->b) ||
			    (o->a == bp->b && o->b == bp->a)))
				continue;
			if (o->carrier == NULL || bp->carrier == NULL)
				return ydoc_err(L->d, v, "backbone pair [%s, %s] "
				    "is given twice (parallel links each name a "
				    "different 'carrier')", sc->pops[bp->a].name,
				    sc->pops[bp->b].name);
			if (strcmp(o->carrier, bp->carrier) == 0)
				return ydoc_err(L->d, c, "backbone pair [%s, %s] "
				    "of carrier '%s' is given twice",
				    sc->pops[bp->a].name, sc->pops[bp->b].name,
				    bp->carrier);
		}
		if (ydoc_get(L->d, it, "queue") == NULL &&
		    ydoc_get(L->d, it, "bandwidth") != NULL && !L->bb_queue_given)
			bp->p.queue_bytes = 0;
		if (bp->carrier != NULL)
			snprintf(what, sizeof(what), "backbone pair [%s, %s] of "
			    "carrier '%s'", sc->pops[bp->a].name,
			    sc->pops[bp->b].name, bp->carrier);
		else
			snprintf(what, sizeof(what), "backbone pair [%s, %s]",
			    sc->pops[bp->a].name, sc->pops[bp->b].name);
		if (parse_linkp(L, it, what, &bp->p) < 0)
			return -1;
		linkp_default_queue(&bp->p);
	}
	return 0;
}

static int
is_ip_address(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 ||
	    inet_pton(AF_INET6, s, buf) == 1;
}

static int
parse_site_links(struct ld *L, const yaml_node_t *n, struct sc_site *s)
{
	static const char *const extra[] = { "name", "kind", "precedence",
		"public-ip", "public-port", "off-cloud", NULL };
	static const char *const kinds[] = { "wired", "lte", NULL };
	char what[160];

	snprintf(what, sizeof(what), "site '%s' links", s->name);
	if (ydoc_want_seq(L->d, n, what) < 0)
		return -1;
	if (ydoc_len(n) == 0)
		return ydoc_err(L->d, n, "site '%s' has no links", s->name);
	s->links = xcalloc(L, n, ydoc_len(n), sizeof(*s->links));
	if (s->links == NULL)
		return -1;
	for (size_t i = 0; i < ydoc_len(n); i++) {
		yaml_node_t *it = ydoc_item(L->d, n, i), *v;
		struct sc_site_link *l = &s->links[i];
		int kind = 0, port;
		double prec;
		char lbl[256];

		l->loc.line = (unsigned)it->start_mark.line + 1;
		l->loc.col = (unsigned)it->start_mark.column + 1;
		l->p.profile = -1;
		l->precedence = 1;
		if (ydoc_want_map(L->d, it, what) < 0)
			return -1;
		s->nlinks++;
		if ((v = ydoc_get(L->d, it, "name")) == NULL)
			return ydoc_err(L->d, it, "site '%s': a link needs a "
			    "'name'", s->name);
		if (get_name(L, v, "link name", &l->name) < 0)
			return -1;
		snprintf(what, sizeof(what), "site '%s' link '%s'", s->name,
		    l->name);
		if (check_keys_linkp(L, it, what, extra) < 0)
			return -1;
		if (FIND(s->links, i, l->name) >= 0)
			return ydoc_err(L->d, v, "%s is defined twice", what);
		if ((v = ydoc_get(L->d, it, "kind")) != NULL) {
			if (get_word(L, v, KEY("kind"), kinds, &kind) < 0)
				return -1;
			l->kind = (enum sc_link_kind)kind;
		}
		if ((v = ydoc_get(L->d, it, "precedence")) != NULL) {
			if (get_number(L, v, KEY("precedence"), 1, 3, &prec) < 0)
				return -1;
			if (prec != floor(prec))
				return ydoc_err(L->d, v, "%s: precedence is 1, 2 "
				    "or 3", what);
			l->precedence = (int)prec;
		}
		if ((v = ydoc_get(L->d, it, "public-ip")) != NULL) {
			const char *ip;
			if (ydoc_want_str(L->d, v, KEY("public-ip"), &ip) < 0)
				return -1;
			if (!is_ip_address(ip))
				return ydoc_err(L->d, v, "%s: public-ip '%s' is "
				    "not an IPv4 or IPv6 address", what, ip);
			if ((l->public_ip = xstrdup(L, v, ip)) == NULL)
				return -1;
		}
		/* A forwarded port only means something at a fixed address:
		 * behind a learned one the peer would not know where to send. */
		if ((v = ydoc_get(L->d, it, "public-port")) != NULL) {
			if (get_whole(L, v, KEY("public-port"), 1, 65535,
			    &port) < 0)
				return -1;
			if (l->public_ip == NULL)
				return ydoc_err(L->d, v, "%s: public-port needs "
				    "public-ip (a static public address with a "
				    "forwarded port)", what);
			l->public_port = (unsigned)port;
		}
		/* Judged after precedence, wherever it is written: the
		 * default depends on it, and a last-resort link never joins
		 * the off-cloud mesh. */
		l->off_cloud = l->precedence != 3;
		if ((v = ydoc_get(L->d, it, "off-cloud")) != NULL) {
			if (get_bool(L, v, KEY("off-cloud"), &l->off_cloud) < 0)
				return -1;
			if (l->off_cloud && l->precedence == 3)
				return ydoc_err(L->d, v, "%s: off-cloud cannot "
				    "be enabled on a last-resort link "
				    "(precedence 3)", what);
		}
		if (ydoc_get(L->d, it, "bandwidth") == NULL)
			return ydoc_err(L->d, it, "%s: 'bandwidth' is required",
			    what);
		if (parse_linkp(L, it, what, &l->p) < 0)
			return -1;
		linkp_default_queue(&l->p);
	}
	return 0;
}

/* Where node n starts, 1-based. */
static struct sc_loc
loc_of(const yaml_node_t *n)
{
	return (struct sc_loc){ (unsigned)n->start_mark.line + 1,
	    (unsigned)n->start_mark.column + 1 };
}

/* "a.b.c.d/n" with its host bits clear. */
static int
get_prefix(struct ld *L, const yaml_node_t *n, const char *what,
    struct sc_prefix *out)
{
	const char *s, *slash;
	char a[INET_ADDRSTRLEN], *end;
	unsigned long len;
	uint32_t addr;

	if (ydoc_want_str(L->d, n, what, &s) < 0)
		return -1;
	slash = strchr(s, '/');
	if (slash == NULL || (size_t)(slash - s) >= sizeof(a))
		goto bad;
	memcpy(a, s, (size_t)(slash - s));
	a[slash - s] = '\0';
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (inet_pton(AF_INET, a, &addr) != 1 || slash[1] < '0' ||
	    slash[1] > '9' || *end != '\0' || errno != 0 || len > 32)
		goto bad;
	out->addr = ntohl(addr);
	out->len = (unsigned)len;
	if ((out->addr & ~inet_mask((unsigned)len)) != 0)
		return ydoc_err(L->d, n, "%s: '%s' has host bits set past "
		    "the /%lu", what, s, len);
	out->loc = loc_of(n);
	return 0;
bad:
	return ydoc_err(L->d, n, "%s: '%s' is not an IPv4 prefix "
	    "(a.b.c.d/n, n from 0 to 32)", what, s);
}

/* A site's `prefixes` (an IPsec site's or a cloud region's): the
 * networks behind it beyond its LAN /24, at most 200. */
static int
get_prefixes(struct ld *L, const yaml_node_t *v, const char *what,
    struct sc_prefix **out, size_t *n)
{
	char lbl[256];

	if (ydoc_want_seq(L->d, v, KEY("prefixes")) < 0)
		return -1;
	if (ydoc_len(v) > 200)
		return ydoc_err(L->d, v, "%s: at most 200 prefixes", what);
	if ((*out = xcalloc(L, v, ydoc_len(v), sizeof(**out))) == NULL)
		return -1;
	for (size_t i = 0; i < ydoc_len(v); i++) {
		if (get_prefix(L, ydoc_item(L->d, v, i), KEY("prefixes"),
		    &(*out)[i]) < 0)
			return -1;
		(*n)++;
	}
	return 0;
}

/* A site's one or two ways to PoPs (an IPsec site's `tunnels`, a cloud
 * region's `interconnects`): the list's node into *out. */
_Static_assert(SC_IPSEC_TUNNELS == 2 && SC_CLOUD_ATTACH == 2,
    "get_attachments says one or two");

static int
get_attachments(struct ld *L, const yaml_node_t *n, const char *what,
    const char *key, const char *site_kind, yaml_node_t **out)
{
	char lbl[256];
	yaml_node_t *t;

	if ((t = *out = ydoc_get(L->d, n, key)) == NULL)
		return ydoc_err(L->d, n, "%s: '%s' is required (one or two, "
		    "each to a PoP)", what, key);
	if (ydoc_want_seq(L->d, t, KEY(key)) < 0)
		return -1;
	if (ydoc_len(t) < 1 || ydoc_len(t) > 2)
		return ydoc_err(L->d, t, "%s: %zu %s; %s has one or two", what,
		    ydoc_len(t), key, site_kind);
	return 0;
}

/* A site's `ipsec` section (docs/scenario.md, ipsec): its tunnels, its
 * dead-peer detection, its prefixes and, optionally, BGP. */
#define IPSEC_DPD_DEFAULT (10 * SB_S)
#define IPSEC_DPD_MISSES_DEFAULT 3
#define IPSEC_POP_ASN_DEFAULT 64512
#define IPSEC_HOLD_DEFAULT (90 * SB_S)

static int
parse_bgp(struct ld *L, const yaml_node_t *n, const char *site,
    struct sc_ipsec *ip)
{
	static const char *const keys[] = { "asn", "pop-asn", "hold",
		"keepalive", NULL };
	char what[160], lbl[256];
	yaml_node_t *v;
	int as;

	snprintf(what, sizeof(what), "site '%s' ipsec bgp", site);
	if (ydoc_want_map(L->d, n, what) < 0 ||
	    ydoc_check_keys(L->d, n, what, keys) < 0)
		return -1;
	ip->bgp = 1;
	ip->bgp_loc = loc_of(n);
	ip->pop_asn = IPSEC_POP_ASN_DEFAULT;
	ip->hold = IPSEC_HOLD_DEFAULT;
	if ((v = ydoc_get(L->d, n, "asn")) == NULL)
		return ydoc_err(L->d, n, "%s: 'asn' is required (the site's "
		    "AS number, 1 to 65535)", what);
	if (get_whole(L, v, KEY("asn"), 1, 65535, &as) < 0)
		return -1;
	ip->asn = (unsigned)as;
	if ((v = ydoc_get(L->d, n, "pop-asn")) != NULL) {
		if (get_whole(L, v, KEY("pop-asn"), 1, 65535, &as) < 0)
			return -1;
		ip->pop_asn = (unsigned)as;
	}
	if (ip->asn == ip->pop_asn)
		return ydoc_err(L->d, ydoc_get(L->d, n, "asn"), "%s: asn %u is "
		    "the PoPs' own (pop-asn); the session is external BGP, "
		    "between two AS numbers", what, ip->asn);
	/* RFC 4271 4.2: the hold time is whole seconds, 0 or at least 3 */
	if ((v = ydoc_get(L->d, n, "hold")) != NULL) {
		if (get_time(L, v, KEY("hold"), &ip->hold) < 0)
			return -1;
		if (ip->hold % SB_S != 0 || (ip->hold > 0 &&
		    ip->hold < 3 * SB_S) || ip->hold > 65535 * SB_S)
			return ydoc_err(L->d, v, "%s: the hold time is 0 or 3 "
			    "to 65535 whole seconds (RFC 4271)", what);
	}
	if ((v = ydoc_get(L->d, n, "keepalive")) != NULL) {
		if (get_time(L, v, KEY("keepalive"), &ip->keepalive) < 0)
			return -1;
		if (ip->keepalive <= 0 || ip->hold == 0 ||
		    ip->keepalive >= ip->hold)
			return ydoc_err(L->d, v, "%s: keepalive must be above "
			    "0 and below the hold time", what);
	}
	return 0;
}

static int
parse_ipsec(struct ld *L, const yaml_node_t *n, struct sc_site *s)
{
	static const char *const keys[] = { "tunnels", "dpd", "dpd-misses",
		"prefixes", "bgp", NULL };
	static const char *const tkeys[] = { "pop", "link", NULL };
	struct sc_ipsec *ip;
	char what[160], lbl[256];
	yaml_node_t *v, *t;
	int miss;

	snprintf(what, sizeof(what), "site '%s' ipsec", s->name);
	if (ydoc_want_map(L->d, n, what) < 0 ||
	    ydoc_check_keys(L->d, n, what, keys) < 0)
		return -1;
	if ((ip = s->ipsec = xcalloc(L, n, 1, sizeof(*ip))) == NULL)
		return -1;
	ip->loc = loc_of(n);
	ip->dpd = IPSEC_DPD_DEFAULT;
	ip->dpd_misses = IPSEC_DPD_MISSES_DEFAULT;
	if (get_attachments(L, n, what, "tunnels", "an IPsec site", &t) < 0)
		return -1;
	for (size_t i = 0; i < ydoc_len(t); i++) {
		yaml_node_t *it = ydoc_item(L->d, t, i);
		struct sc_ipsec_tunnel *x = &ip->tunnels[i];

		x->loc = loc_of(it);
		if (ydoc_want_map(L->d, it, KEY("tunnels")) < 0 ||
		    ydoc_check_keys(L->d, it, KEY("tunnel"), tkeys) < 0)
			return -1;
		if ((v = ydoc_get(L->d, it, "pop")) == NULL)
			return ydoc_err(L->d, it, "%s: a tunnel needs a 'pop'",
			    what);
		if (ref_pop(L, v, KEY("tunnel pop"), &x->pop) < 0)
			return -1;
		x->link = 0;
		if ((v = ydoc_get(L->d, it, "link")) != NULL) {
			const char *ln;
			if (ydoc_want_str(L->d, v, KEY("tunnel link"), &ln) < 0 ||
			    ref_link_of(L, v, KEY("tunnel link"), s, ln,
			    &x->link) < 0)
				return -1;
		}
		if (i == 1 && x->pop == ip->tunnels[0].pop &&
		    x->link == ip->tunnels[0].link)
			return ydoc_err(L->d, it, "%s: both tunnels go from link "
			    "'%s' to PoP '%s'; the second must differ in one",
			    what, s->links[x->link].name,
			    L->sc->pops[x->pop].name);
		ip->ntunnels++;
	}
	if ((v = ydoc_get(L->d, n, "dpd")) != NULL &&
	    get_time_in(L, v, KEY("dpd"), SB_S / 10, SB_HOUR, &ip->dpd) < 0)
		return -1;
	if ((v = ydoc_get(L->d, n, "dpd-misses")) != NULL) {
		if (get_whole(L, v, KEY("dpd-misses"), 1, 100, &miss) < 0)
			return -1;
		ip->dpd_misses = (unsigned)miss;
	}
	if ((v = ydoc_get(L->d, n, "prefixes")) != NULL &&
	    get_prefixes(L, v, what, &ip->prefixes, &ip->nprefixes) < 0)
		return -1;
	if ((v = ydoc_get(L->d, n, "bgp")) != NULL &&
	    parse_bgp(L, v, s->name, ip) < 0)
		return -1;
	return 0;
}

/*
 * A site's `cloud` section (docs/scenario.md, cloud): the region's one
 * or two interconnects, each a dedicated link to a PoP, and its
 * prefixes.  The interconnects become the site's links, so that the
 * timeline, captures and expectations name them as any site's link
 * (REGION/NAME).  An interconnect's defaults are a dedicated port's:
 * 10 Gbps, the fibre delay of the geography, no jitter and no loss.
 */
#define CLOUD_BANDWIDTH_DEFAULT 10000000000ull

static int
parse_cloud(struct ld *L, const yaml_node_t *n, struct sc_site *s)
{
	static const char *const keys[] = { "interconnects", "prefixes",
		NULL };
	static const char *const extra[] = { "name", "pop", NULL };
	struct sc_cloud *cl;
	char what[160], lbl[256];
	yaml_node_t *v, *t;

	snprintf(what, sizeof(what), "site '%s' cloud", s->name);
	if (ydoc_want_map(L->d, n, what) < 0 ||
	    ydoc_check_keys(L->d, n, what, keys) < 0)
		return -1;
	if ((cl = s->cloud = xcalloc(L, n, 1, sizeof(*cl))) == NULL)
		return -1;
	cl->loc = loc_of(n);
	if (get_attachments(L, n, what, "interconnects", "a cloud region",
	    &t) < 0)
		return -1;
	if ((s->links = xcalloc(L, t, ydoc_len(t), sizeof(*s->links))) ==
	    NULL)
		return -1;
	for (size_t i = 0; i < ydoc_len(t); i++) {
		yaml_node_t *it = ydoc_item(L->d, t, i);
		struct sc_site_link *l = &s->links[i];
		const char *nm;
		char lw[200];

		l->loc = loc_of(it);
		l->p.profile = -1;
		l->p.bandwidth_bps = CLOUD_BANDWIDTH_DEFAULT;
		l->precedence = 1;
		if (ydoc_want_map(L->d, it, KEY("interconnects")) < 0 ||
		    check_keys_linkp(L, it, KEY("interconnect"), extra) < 0)
			return -1;
		s->nlinks++;
		if ((v = ydoc_get(L->d, it, "pop")) == NULL)
			return ydoc_err(L->d, it, "%s: an interconnect needs a "
			    "'pop'", what);
		if (ref_pop(L, v, KEY("interconnect pop"), &cl->pop[i]) < 0)
			return -1;
		/* named after its PoP unless it says otherwise */
		nm = L->sc->pops[cl->pop[i]].name;
		if ((v = ydoc_get(L->d, it, "name")) != NULL) {
			if (get_name(L, v, KEY("interconnect name"),
			    &l->name) < 0)
				return -1;
		} else if ((l->name = xstrdup(L, it, nm)) == NULL)
			return -1;
		if (i == 1 && strcmp(l->name, s->links[0].name) == 0)
			return ydoc_err(L->d, v != NULL ? v : it, "%s: two "
			    "interconnects named '%s'; give the second a "
			    "'name'", what, l->name);
		snprintf(lw, sizeof(lw), "site '%s' interconnect '%s'",
		    s->name, l->name);
		if (parse_linkp(L, it, lw, &l->p) < 0)
			return -1;
		linkp_default_queue(&l->p);
	}
	if ((v = ydoc_get(L->d, n, "prefixes")) != NULL &&
	    get_prefixes(L, v, what, &cl->prefixes, &cl->nprefixes) < 0)
		return -1;
	return 0;
}

/* The most members a counted site may have: enough for the largest
 * networks planned, small enough that a typo cannot exhaust memory. */
#define MAX_SITE_COUNT 100000

static int entry_count(struct ld *L, const yaml_node_t *it,
    const char *what, size_t *out);

/* A site entry's `count`, 1 when absent. */
static int
site_count(struct ld *L, const yaml_node_t *it, size_t *out)
{
	return entry_count(L, it, "site count", out);
}

/* A sites or users entry's `count`, 1 when absent; what: "site count". */
static int
entry_count(struct ld *L, const yaml_node_t *it, const char *what,
    size_t *out)
{
	unsigned long long c = 1;
	yaml_node_t *v;

	*out = 1;
	if (it->type != YAML_MAPPING_NODE ||
	    (v = ydoc_get(L->d, it, "count")) == NULL)
		return 0;
	if (ydoc_want_uint(L->d, v, what, MAX_SITE_COUNT, &c) < 0)
		return -1;
	if (c == 0)
		return ydoc_err(L->d, v, "%s must be at least 1", what);
	*out = (size_t)c;
	return 0;
}

/* A site's HA pair: `ha: {heartbeat: 1s, misses: 3, preempt: false}`,
 * every key optional (`ha: {}` for the defaults). */
static int
parse_site_ha(struct ld *L, const yaml_node_t *n, struct sc_site *s,
    const char *what)
{
	static const char *const keys[] = { "heartbeat", "misses", "preempt",
		NULL };
	yaml_node_t *v;
	char lbl[256], ha[200];
	int m;

	snprintf(ha, sizeof(ha), "%s: ha", what);
	if (ydoc_want_map(L->d, n, ha) < 0 ||
	    ydoc_check_keys(L->d, n, ha, keys) < 0)
		return -1;
	if (s->off_cloud)
		return ydoc_err(L->d, n, "%s: an HA pair does not join the "
		    "off-cloud mesh (drop 'off-cloud' or 'ha')", what);
	s->ha = 1;
	what = ha;
	if ((v = ydoc_get(L->d, n, "heartbeat")) != NULL &&
	    get_time_in(L, v, KEY("heartbeat"), 10 * SB_MS, 60 * SB_S,
	    &s->ha_heartbeat) < 0)
		return -1;
	if ((v = ydoc_get(L->d, n, "misses")) != NULL) {
		if (get_whole(L, v, KEY("misses"), 1, 100, &m) < 0)
			return -1;
		s->ha_misses = (unsigned)m;
	}
	if ((v = ydoc_get(L->d, n, "preempt")) != NULL &&
	    get_bool(L, v, KEY("preempt"), &s->ha_preempt) < 0)
		return -1;
	return 0;
}

/* The group of a counted entry it (sites or users), whose members are
 * parsed next, from sc->nsites on; L->groups has room for it. */
static const struct group *
group_add(struct ld *L, const yaml_node_t *it, size_t count)
{
	struct group *g = &L->groups[L->ngroups++];

	g->node = ydoc_get(L->d, it, "name");
	g->name = ydoc_str(g->node);
	g->first = L->sc->nsites;
	g->count = count;
	return g;
}

/* A cloud region's entry: no Socket, so none of a Socket's keys, and
 * no links but its interconnects. */
static int
site_cloud(struct ld *L, const yaml_node_t *it, const yaml_node_t *v,
    struct sc_site *s)
{
	static const char *const socket_keys[] = { "links", "ipsec", "pop",
		"off-cloud", "ha", "auth", "wrong-key", "count", NULL };

	for (size_t i = 0; socket_keys[i] != NULL; i++)
		if (ydoc_get(L->d, it, socket_keys[i]) != NULL)
			return ydoc_err(L->d, ydoc_key(L->d, it,
			    socket_keys[i]), "site '%s': a cloud region has "
			    "no '%s' (no Socket: its links are its "
			    "interconnects, in cloud: interconnects)",
			    s->name, socket_keys[i]);
	return parse_cloud(L, v, s);
}

/* One site from entry it; member > 0 names it NAME-member. */
static int
parse_site(struct ld *L, const yaml_node_t *it, struct sc_site *s,
    size_t member)
{
	struct scenario *sc = L->sc;
	yaml_node_t *v;
	char what[128], lbl[256];

	s->loc.line = (unsigned)it->start_mark.line + 1;
	s->loc.col = (unsigned)it->start_mark.column + 1;
	s->pop = -1;
	if ((v = ydoc_get(L->d, it, "name")) == NULL)
		return ydoc_err(L->d, it, "site: 'name' is required");
	if (get_name(L, v, "site name", &s->name) < 0)
		return -1;
	sc->nsites++;
	if (member > 0) {
		char *nm;
		if (asprintf(&nm, "%s-%zu", s->name, member) < 0)
			return ydoc_err(L->d, v, "out of memory");
		free(s->name);
		s->name = nm;
	}
	if (FIND(sc->sites, sc->nsites - 1, s->name) >= 0)
		return ydoc_err(L->d, v, "site '%s' is defined twice",
		    s->name);
	if ((v = ydoc_get(L->d, it, "city")) == NULL)
		return ydoc_err(L->d, it, "site '%s': 'city' is "
		    "required", s->name);
	snprintf(what, sizeof(what), "site '%s'", s->name);
	if ((s->city = get_city(L, v, KEY("city"))) == NULL)
		return -1;
	if ((v = ydoc_get(L->d, it, "pop")) != NULL &&
	    ref_pop(L, v, KEY("pop"), &s->pop) < 0)
		return -1;
	s->auth = -1;
	if ((v = ydoc_get(L->d, it, "auth")) != NULL &&
	    get_word(L, v, KEY("auth"), auth_words, &s->auth) < 0)
		return -1;
	if ((v = ydoc_get(L->d, it, "wrong-key")) != NULL &&
	    get_bool(L, v, KEY("wrong-key"), &s->wrong_key) < 0)
		return -1;
	if ((v = ydoc_get(L->d, it, "off-cloud")) != NULL &&
	    get_bool(L, v, KEY("off-cloud"), &s->off_cloud) < 0)
		return -1;
	if ((v = ydoc_get(L->d, it, "group")) != NULL &&
	    get_name(L, v, KEY("group"), &s->group) < 0)
		return -1;
	if ((v = ydoc_get(L->d, it, "ha")) != NULL &&
	    parse_site_ha(L, v, s, what) < 0)
		return -1;
	if ((v = ydoc_get(L->d, it, "cloud")) != NULL)
		return site_cloud(L, it, v, s);
	if ((v = ydoc_get(L->d, it, "links")) == NULL)
		return ydoc_err(L->d, it, "site '%s': 'links' is "
		    "required", s->name);
	if (parse_site_links(L, v, s) < 0)
		return -1;
	if ((v = ydoc_get(L->d, it, "ipsec")) == NULL)
		return 0;
	/* no Socket: nothing chooses a PoP or meshes off-cloud */
	if (s->pop >= 0)
		return ydoc_err(L->d, ydoc_key(L->d, it, "pop"), "site '%s': an "
		    "IPsec site names its PoPs in ipsec: tunnels, not in "
		    "'pop'", s->name);
	if (s->off_cloud)
		return ydoc_err(L->d, ydoc_key(L->d, it, "off-cloud"), "site "
		    "'%s': an IPsec site has no Socket to join the off-cloud "
		    "mesh", s->name);
	return parse_ipsec(L, v, s);
}

/*
 * Sites.  An entry with `count: N` stands for N alike sites NAME-1 ..
 * NAME-N, expanded here so that nothing after the loader knows of groups;
 * the group is remembered only for the applications that name it.
 */
static int
parse_sites(struct ld *L, const yaml_node_t *n)
{
	static const char *const keys[] = { "name", "city", "pop", "links",
		"auth", "wrong-key", "off-cloud", "count", "group", "ipsec",
		"ha", "cloud", NULL };
	struct scenario *sc = L->sc;
	size_t total = 0, c;

	if (ydoc_want_seq(L->d, n, "sites") < 0)
		return -1;
	if (ydoc_len(n) == 0)
		return ydoc_err(L->d, n, "sites: at least one site is needed");
	for (size_t i = 0; i < ydoc_len(n); i++) {
		if (site_count(L, ydoc_item(L->d, n, i), &c) < 0)
			return -1;
		total += c;
		if (total > MAX_SITE_COUNT)
			return ydoc_err(L->d, ydoc_item(L->d, n, i), "sites: "
			    "more than %d in all", MAX_SITE_COUNT);
	}
	sc->sites = xcalloc(L, n, total, sizeof(*sc->sites));
	L->groups = xcalloc(L, n, ydoc_len(n), sizeof(*L->groups));
	if (sc->sites == NULL || L->groups == NULL)
		return -1;
	for (size_t i = 0; i < ydoc_len(n); i++) {
		yaml_node_t *it = ydoc_item(L->d, n, i);

		if (ydoc_want_map(L->d, it, "a site") < 0 ||
		    ydoc_check_keys(L->d, it, "site", keys) < 0 ||
		    site_count(L, it, &c) < 0)
			return -1;
		if (ydoc_get(L->d, it, "count") != NULL) {
			group_add(L, it, c);
			for (size_t k = 1; k <= c; k++)
				if (parse_site(L, it, &sc->sites[sc->nsites],
				    k) < 0)
					return -1;
		} else if (parse_site(L, it, &sc->sites[sc->nsites], 0) < 0)
			return -1;
	}
	/* a group's name is not also a site's: an application naming it
	 * would be ambiguous */
	for (size_t g = 0; g < L->ngroups; g++) {
		if (FIND(sc->sites, sc->nsites, L->groups[g].name) >= 0)
			return ydoc_err(L->d, L->groups[g].node, "counted "
			    "sites '%s' share their group's name with another "
			    "site: an application naming it would be "
			    "ambiguous", L->groups[g].name);
	}
	return 0;
}

/*
 * A remote user's last mile, both directions alike (a link has one set of
 * parameters).  docs/scenario.md says where each figure comes from and
 * which are assumptions; the delay is one way and adds to the geography.
 */
static const char *const last_mile_words[] = { "home-broadband",
	"hotel-wifi", "4g", NULL };

static void
last_mile_linkp(enum sc_last_mile lm, struct sc_site_link *l)
{
	static const struct {
		uint64_t bps;
		sb_time delay, jitter;
		double loss;
	} prof[SC_LM__COUNT] = {
		[SC_LM_HOME_BROADBAND] = { 50000000, 10 * SB_MS, 1 * SB_MS,
		    0.002 },
		[SC_LM_HOTEL_WIFI] = { 8000000, 30 * SB_MS, 10 * SB_MS, 0.01 },
		[SC_LM_4G] = { 20000000, 20 * SB_MS, 5 * SB_MS, 0.005 },
	};

	memset(&l->p, 0, sizeof(l->p));
	l->kind = lm == SC_LM_4G ? SC_WAN_LTE : SC_WAN_WIRED;
	l->precedence = 1;
	l->p.profile = -1;
	l->p.bandwidth_bps = prof[lm].bps;
	l->p.has_delay = 1;
	l->p.delay = prof[lm].delay;
	l->p.jitter.kind = JITTER_NORMAL;
	l->p.jitter.amount = prof[lm].jitter;
	l->p.loss.kind = LOSS_BERNOULLI;
	l->p.loss.rate = prof[lm].loss;
	linkp_default_queue(&l->p);
}

/* One remote user from entry it; member > 0 names it NAME-member. */
static int
parse_user(struct ld *L, const yaml_node_t *it, struct sc_site *u,
    size_t member)
{
	struct scenario *sc = L->sc;
	yaml_node_t *v, *nv = ydoc_get(L->d, it, "name");
	char what[128], lbl[256];
	int lm = SC_LM_HOME_BROADBAND;

	u->loc.line = (unsigned)it->start_mark.line + 1;
	u->loc.col = (unsigned)it->start_mark.column + 1;
	u->pop = -1;
	u->auth = -1;
	u->user = 1;
	if (nv == NULL)
		return ydoc_err(L->d, it, "user: 'name' is required");
	if (get_name(L, nv, "user name", &u->entry) < 0)
		return -1;
	sc->nsites++;
	sc->nusers++;
	if (member > 0) {
		if (asprintf(&u->name, "%s-%zu", u->entry, member) < 0)
			u->name = NULL;
	} else
		u->name = strdup(u->entry);
	if (u->name == NULL)
		return ydoc_err(L->d, nv, "out of memory");
	if (FIND(sc->sites, sc->nsites - 1, u->name) >= 0)
		return ydoc_err(L->d, nv, "user '%s' has the name of a site or "
		    "another user", u->name);
	snprintf(what, sizeof(what), "user '%s'", u->name);
	if ((v = ydoc_get(L->d, it, "city")) == NULL)
		return ydoc_err(L->d, it, "%s: 'city' is required", what);
	if ((u->city = get_city(L, v, KEY("city"))) == NULL)
		return -1;
	if ((v = ydoc_get(L->d, it, "last-mile")) != NULL &&
	    get_word(L, v, KEY("last-mile"), last_mile_words, &lm) < 0)
		return -1;
	u->last_mile = (enum sc_last_mile)lm;
	if ((v = ydoc_get(L->d, it, "group")) != NULL) {
		char *g;
		if (get_name(L, v, KEY("group"), &g) < 0)
			return -1;
		u->group = g;
	} else if ((u->group = strdup(u->entry)) == NULL)
		return ydoc_err(L->d, it, "out of memory");
	if ((u->links = xcalloc(L, it, 1, sizeof(*u->links))) == NULL ||
	    (u->links[0].name = xstrdup(L, it, "access")) == NULL)
		return -1;
	u->nlinks = 1;
	u->links[0].loc = u->loc;
	last_mile_linkp(u->last_mile, &u->links[0]);
	return 0;
}

/*
 * Remote users, after the sites in sc->sites (the world builds each as a
 * site whose Socket runs in client mode).  An entry with `count: N`
 * stands for N users NAME-1 .. NAME-N, a group that applications and
 * expectations may name, as counted sites are.
 */
static int
parse_users(struct ld *L, const yaml_node_t *n)
{
	static const char *const keys[] = { "name", "count", "city",
		"last-mile", "group", NULL };
	struct scenario *sc = L->sc;
	size_t total = 0, c, nsites = sc->nsites;
	struct sc_site *v;
	struct group *gv;

	if (ydoc_want_seq(L->d, n, "users") < 0)
		return -1;
	for (size_t i = 0; i < ydoc_len(n); i++) {
		if (entry_count(L, ydoc_item(L->d, n, i), "user count", &c) < 0)
			return -1;
		total += c;
		if (nsites + total > MAX_SITE_COUNT)
			return ydoc_err(L->d, ydoc_item(L->d, n, i), "sites and "
			    "users: more than %d in all", MAX_SITE_COUNT);
	}
	if ((v = realloc(sc->sites, (nsites + total + 1) * sizeof(*v))) ==
	    NULL)
		return ydoc_err(L->d, n, "out of memory");
	sc->sites = v;
	if ((gv = realloc(L->groups, (L->ngroups + ydoc_len(n) + 1) *
	    sizeof(*gv))) == NULL)
		return ydoc_err(L->d, n, "out of memory");
	L->groups = gv;
	memset(sc->sites + nsites, 0, (total + 1) * sizeof(*v));
	for (size_t i = 0; i < ydoc_len(n); i++) {
		yaml_node_t *it = ydoc_item(L->d, n, i);

		if (ydoc_want_map(L->d, it, "a user") < 0 ||
		    ydoc_check_keys(L->d, it, "user", keys) < 0 ||
		    entry_count(L, it, "user count", &c) < 0)
			return -1;
		if (ydoc_get(L->d, it, "count") != NULL) {
			const struct group *g = group_add(L, it, c);
			for (size_t k = 1; k <= c; k++)
				if (parse_user(L, it, &sc->sites[sc->nsites],
				    k) < 0)
					return -1;
			if (FIND(sc->sites, sc->nsites, g->name) >= 0)
				return ydoc_err(L->d, g->node, "counted users "
				    "'%s' share their group's name with a site "
				    "or user: an application naming it would be "
				    "ambiguous", g->name);
		} else if (parse_user(L, it, &sc->sites[sc->nsites], 0) < 0)
			return -1;
	}
	/* entries' names are unique too: `users: NAME` names one */
	for (size_t a = 0; a < ydoc_len(n); a++)
		for (size_t b = 0; b < a; b++) {
			yaml_node_t *x = ydoc_get(L->d, ydoc_item(L->d, n, a),
			    "name"), *y = ydoc_get(L->d, ydoc_item(L->d, n, b),
			    "name");
			if (strcmp(ydoc_str(x), ydoc_str(y)) == 0)
				return ydoc_err(L->d, x, "users entry '%s' is "
				    "given twice", ydoc_str(x));
		}
	return 0;
}

/*
 * Places on the Internet, by city.  Applications name them in `to` (and
 * `from`) as they name sites, so a destination may not share a site's
 * name.
 */
static int
parse_dests(struct ld *L, const yaml_node_t *n)
{
	static const char *const keys[] = { "name", "city", "egress-pop",
		NULL };
	struct scenario *sc = L->sc;

	if (ydoc_want_seq(L->d, n, "destinations") < 0)
		return -1;
	sc->dests = xcalloc(L, n, ydoc_len(n), sizeof(*sc->dests));
	if (sc->dests == NULL)
		return -1;
	for (size_t i = 0; i < ydoc_len(n); i++) {
		yaml_node_t *it = ydoc_item(L->d, n, i), *v;
		struct sc_dest *d = &sc->dests[i];
		char what[128], lbl[256];
		int j;

		d->loc.line = (unsigned)it->start_mark.line + 1;
		d->loc.col = (unsigned)it->start_mark.column + 1;
		d->pop = -1;
		if (ydoc_want_map(L->d, it, "a destination") < 0 ||
		    ydoc_check_keys(L->d, it, "destination", keys) < 0)
			return -1;
		if ((v = ydoc_get(L->d, it, "name")) == NULL)
			return ydoc_err(L->d, it, "destination: 'name' is "
			    "required");
		if (get_name(L, v, "destination name", &d->name) < 0)
			return -1;
		sc->ndests++;
		if (FIND(sc->dests, i, d->name) >= 0)
			return ydoc_err(L->d, v, "destination '%s' is defined "
			    "twice", d->name);
		if ((j = FIND(sc->sites, sc->nsites, d->name)) >= 0)
			return ydoc_err(L->d, v, "destination '%s' has the name "
			    "of the site at line %u, column %u; applications "
			    "name both in 'to', so the names must differ",
			    d->name, sc->sites[j].loc.line, sc->sites[j].loc.col);
		if ((v = ydoc_get(L->d, it, "city")) == NULL)
			return ydoc_err(L->d, it, "destination '%s': 'city' is "
			    "required", d->name);
		snprintf(what, sizeof(what), "destination '%s'", d->name);
		if ((d->city = get_city(L, v, KEY("city"))) == NULL)
			return -1;
		if ((v = ydoc_get(L->d, it, "egress-pop")) != NULL &&
		    ref_pop(L, v, KEY("egress-pop"), &d->pop) < 0)
			return -1;
	}
	return 0;
}

static int
parse_tunnels(struct ld *L, const yaml_node_t *n)
{
	static const char *const keys[] = { "mode", "auth", "keepalive",
		"misses", "rekey", NULL };
	static const char *const modes[] = { "dtls", "null-cipher", NULL };
	struct sc_tunnels *t = &L->sc->tunnels;
	yaml_node_t *v;
	double x;

	if (ydoc_want_map(L->d, n, "tunnels") < 0 ||
	    ydoc_check_keys(L->d, n, "tunnels", keys) < 0)
		return -1;
	if ((v = ydoc_get(L->d, n, "mode")) != NULL &&
	    get_word(L, v, "tunnels: mode", modes, &t->null_cipher) < 0)
		return -1;
	if ((v = ydoc_get(L->d, n, "auth")) != NULL &&
	    get_word(L, v, "tunnels: auth", auth_words, &t->auth) < 0)
		return -1;
	if ((v = ydoc_get(L->d, n, "keepalive")) != NULL) {
		if (get_time(L, v, "tunnels: keepalive", &t->keepalive) < 0)
			return -1;
		if (t->keepalive < SB_S || t->keepalive > 60 * SB_S)
			return ydoc_err(L->d, v, "tunnels: keepalive must be "
			    "from 1s to 60s");
	}
	if ((v = ydoc_get(L->d, n, "misses")) != NULL) {
		if (get_number(L, v, "tunnels: misses", 1, 100, &x) < 0)
			return -1;
		if (x != (unsigned)x)
			return ydoc_err(L->d, v, "tunnels: misses must be a "
			    "whole number");
		t->misses = (unsigned)x;
	}
	if ((v = ydoc_get(L->d, n, "rekey")) != NULL) {
		if (get_time(L, v, "tunnels: rekey", &t->rekey) < 0)
			return -1;
		if (t->rekey < 10 * SB_S)
			return ydoc_err(L->d, v, "tunnels: rekey must be 10s "
			    "or more");
	}
	return 0;
}

/* socket: qos as a list of bandwidth priorities and their limits: the
 * links are shaped, and each priority listed is limited as it says. */
static int
parse_qos(struct ld *L, const yaml_node_t *n)
{
	static const char *const keys[] = { "priority", "limit", "rate",
		NULL };
	static const char *const limits[] = { "none", "always",
		"when-congested", NULL };
	struct sc_socket *k = &L->sc->socket;

	k->qos = 1;
	k->classes = xcalloc(L, n, ydoc_len(n), sizeof(*k->classes));
	if (k->classes == NULL)
		return -1;
	for (size_t i = 0; i < ydoc_len(n); i++) {
		yaml_node_t *it = ydoc_item(L->d, n, i), *v;
		struct sc_qos_class *c = &k->classes[i];

		if (ydoc_want_map(L->d, it, "socket: qos: a priority") < 0 ||
		    ydoc_check_keys(L->d, it, "socket: qos", keys) < 0)
			return -1;
		if ((v = ydoc_get(L->d, it, "priority")) == NULL)
			return ydoc_err(L->d, it, "socket: qos: 'priority' is "
			    "required");
		if (get_whole(L, v, "qos: priority", 2, 255, &c->priority) < 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (k->classes[j].priority == c->priority)
				return ydoc_err(L->d, v, "qos: priority %d is "
				    "given twice", c->priority);
		k->nclasses++;
		if ((v = ydoc_get(L->d, it, "limit")) != NULL &&
		    get_word(L, v, "qos: limit", limits, &c->limit) < 0)
			return -1;
		if ((v = ydoc_get(L->d, it, "rate")) != NULL &&
		    get_rate(L, v, "qos: rate", &c->rate_bps) < 0)
			return -1;
		if (c->limit != SC_QOS_NONE && c->rate_bps == 0)
			return ydoc_err(L->d, it, "qos: priority %d: a limit "
			    "needs a 'rate'", c->priority);
		if (c->limit == SC_QOS_NONE && v != NULL)
			return ydoc_err(L->d, v, "qos: priority %d: 'rate' "
			    "without a 'limit' (always or when-congested)",
			    c->priority);
	}
	return 0;
}

static int
parse_socket(struct ld *L, const yaml_node_t *n)
{
	static const char *const keys[] = { "evaluate", "fallback-hold",
		"probe", "drain", "thresholds", "window", "pop-candidates",
		"pop-sla", "qos", NULL };
	static const char *const tkeys[] = { "loss", "jitter", "latency",
		NULL };
	static const char *const skeys[] = { "latency", "loss", NULL };
	struct sc_socket *k = &L->sc->socket;
	yaml_node_t *v, *m;
	int w;

	if (ydoc_want_map(L->d, n, "socket") < 0 ||
	    ydoc_check_keys(L->d, n, "socket", keys) < 0)
		return -1;
	if ((v = ydoc_get(L->d, n, "evaluate")) != NULL &&
	    get_time_in(L, v, "socket: evaluate", SB_S, 600 * SB_S,
	    &k->eval) < 0)
		return -1;
	if ((v = ydoc_get(L->d, n, "fallback-hold")) != NULL &&
	    get_time_in(L, v, "socket: fallback-hold", 0, 3600 * SB_S,
	    &k->hold) < 0)
		return -1;
	if ((v = ydoc_get(L->d, n, "probe")) != NULL &&
	    get_time_in(L, v, "socket: probe", SB_MS, 60 * SB_S,
	    &k->probe) < 0)
		return -1;
	if ((v = ydoc_get(L->d, n, "drain")) != NULL &&
	    get_time_in(L, v, "socket: drain", 0, 600 * SB_S, &k->drain) < 0)
		return -1;
	if (k->drain == 0 && v != NULL)
		k->drain = -1;  /* at once */
	if ((v = ydoc_get(L->d, n, "window")) != NULL &&
	    get_time_in(L, v, "socket: window", SB_S, 600 * SB_S,
	    &k->window) < 0)
		return -1;
	if ((m = ydoc_get(L->d, n, "thresholds")) != NULL) {
		if (ydoc_want_map(L->d, m, "socket: thresholds") < 0 ||
		    ydoc_check_keys(L->d, m, "socket: thresholds", tkeys) < 0)
			return -1;
		if ((v = ydoc_get(L->d, m, "loss")) != NULL &&
		    get_fraction(L, v, "thresholds: loss", &k->loss_max) < 0)
			return -1;
		if ((v = ydoc_get(L->d, m, "jitter")) != NULL &&
		    get_time_in(L, v, "thresholds: jitter", SB_MS, 10 * SB_S,
		    &k->jitter_max) < 0)
			return -1;
		if ((v = ydoc_get(L->d, m, "latency")) != NULL &&
		    get_time_in(L, v, "thresholds: latency", SB_MS,
		    60 * SB_S, &k->latency_max) < 0)
			return -1;
	}
	if ((v = ydoc_get(L->d, n, "pop-candidates")) != NULL) {
		if (get_whole(L, v, "socket: pop-candidates", 1, 16, &w) < 0)
			return -1;
		k->pop_candidates = (unsigned)w;
	}
	if ((m = ydoc_get(L->d, n, "pop-sla")) != NULL) {
		if (ydoc_want_map(L->d, m, "socket: pop-sla") < 0 ||
		    ydoc_check_keys(L->d, m, "socket: pop-sla", skeys) < 0)
			return -1;
		if ((v = ydoc_get(L->d, m, "latency")) != NULL &&
		    get_time_in(L, v, "pop-sla: latency", SB_MS, 60 * SB_S,
		    &k->sla_latency) < 0)
			return -1;
		if ((v = ydoc_get(L->d, m, "loss")) != NULL &&
		    get_fraction(L, v, "pop-sla: loss", &k->sla_loss) < 0)
			return -1;
	}
	if ((v = ydoc_get(L->d, n, "qos")) != NULL) {
		if (v->type == YAML_SEQUENCE_NODE)
			return parse_qos(L, v);
		if (get_bool(L, v, "socket: qos", &k->qos) < 0)
			return -1;
	}
	return 0;
}

/*
 * The public Internet across mainland China's border, when the file does
 * not say (docs/scenario.md, "internet", cites each figure).  Zhu et al.,
 * "Characterizing Transnational Internet Performance and the Great
 * Bottleneck of China" (SIGMETRICS 2020), found a slowdown that follows
 * the time of day, about 12 hours a day on commercial networks, with loss
 * of about 15% on average (up to 40%) while it lasts; community carrier
 * data put the evening peak (18-23 h Beijing time) above 15% on China
 * Telecom 163.  Off the peak: 0.3% loss and 5 ms of normal jitter (no
 * China figure was found; 5 ms is what Asian public paths show).  The
 * profile scales those: 3% loss in the daytime slowdown, 15% and 20 ms
 * of jitter at the evening peak, about 5% over the day.  Its hours are
 * Beijing time (UTC+8, every mainland city's zone).  The measured loss is
 * into China only; a link here has one set of parameters for both
 * directions, so both get it.
 */
#define CROSS_BORDER_PROFILE "china-cross-border"
#define CROSS_BORDER_LOSS 0.003
#define CROSS_BORDER_JITTER (5 * SB_MS)

static const struct profile_point cross_border_points[] = {
	{ .hour = 0,  .delay = 1.15, .jitter = 3, .loss = 20 }, /* tailing off */
	{ .hour = 3,  .delay = 1,    .jitter = 1, .loss = 1 },  /* night */
	{ .hour = 9,  .delay = 1,    .jitter = 1, .loss = 1 },
	{ .hour = 11, .delay = 1.1,  .jitter = 2, .loss = 10 }, /* day */
	{ .hour = 17, .delay = 1.1,  .jitter = 2, .loss = 10 },
	{ .hour = 19, .delay = 1.25, .jitter = 4, .loss = 50 }, /* evening */
	{ .hour = 23, .delay = 1.25, .jitter = 4, .loss = 50 },
};

int
sc_pops_linked(const struct scenario *sc, int a, int b)
{
	int ga = sc->pops[a].gateway, gb = sc->pops[b].gateway;

	for (size_t k = 0; k < sc->nbb_pairs; k++) {
		const struct sc_backbone_pair *bp = &sc->bb_pairs[k];
		if ((bp->a == a && bp->b == b) || (bp->a == b && bp->b == a))
			return 1;
	}
	if (ga < 0 && gb < 0)
		return 1;
	return ga == b || gb == a || (ga >= 0 && ga == gb);
}

int
sc_cross_border(const struct geo_city *a, const struct geo_city *b)
{
	/* Hong Kong ("HK") and Taiwan ("TW") are outside */
	return (strcmp(a->country, "CN") == 0) != (strcmp(b->country, "CN") == 0);
}

/* The built-in profiles, after the file's: one the file defines by the
 * same name is the file's. */
static int
add_builtin_profiles(struct ld *L, const yaml_node_t *n)
{
	struct scenario *sc = L->sc;
	struct sc_profile *v, *p;
	size_t np = sizeof(cross_border_points) / sizeof(cross_border_points[0]);

	if (FIND(sc->profiles, sc->nprofiles, CROSS_BORDER_PROFILE) >= 0)
		return 0;
	v = realloc(sc->profiles, (sc->nprofiles + 1) * sizeof(*v));
	if (v == NULL)
		return ydoc_err(L->d, n, "out of memory");
	sc->profiles = v;
	p = &v[sc->nprofiles];
	memset(p, 0, sizeof(*p));
	p->name = xstrdup(L, n, CROSS_BORDER_PROFILE);
	p->points = xcalloc(L, n, np, sizeof(*p->points));
	if (p->name == NULL || p->points == NULL) {
		free(p->name);
		free(p->points);
		return -1;
	}
	memcpy(p->points, cross_border_points, sizeof(cross_border_points));
	p->npoints = np;
	sc->nprofiles++;
	return 0;
}

/* internet_cross_border before the file's `cross-border:`: `default` with
 * the built-in jitter, loss and profile. */
static int
cross_border_defaults(struct ld *L, const yaml_node_t *n)
{
	struct scenario *sc = L->sc;
	struct sc_linkp *xb = &sc->internet_cross_border;

	if (linkp_copy(L, n, xb, &sc->internet_default) < 0)
		return -1;
	jitter_spec_clear(&xb->jitter);
	loss_spec_clear(&xb->loss);
	xb->jitter.kind = JITTER_NORMAL;
	xb->jitter.amount = CROSS_BORDER_JITTER;
	xb->jitter.shape = 2.5;
	xb->loss.kind = LOSS_BERNOULLI;
	xb->loss.rate = CROSS_BORDER_LOSS;
	xb->loss.bad_loss = 1.0;
	xb->profile = FIND(sc->profiles, sc->nprofiles, CROSS_BORDER_PROFILE);
	L->xb_queue_given = L->inet_queue_given;
	return 0;
}

static int
parse_internet(struct ld *L, const yaml_node_t *n)
{
	static const char *const keys[] = { "default", "cross-border",
		"paths", NULL };
	static const char *const pextra[] = { "between", NULL };
	static const char *const none[] = { NULL };
	struct scenario *sc = L->sc;
	yaml_node_t *v, *paths;

	if (ydoc_want_map(L->d, n, "internet") < 0 ||
	    ydoc_check_keys(L->d, n, "internet", keys) < 0)
		return -1;
	if ((v = ydoc_get(L->d, n, "default")) != NULL) {
		if (ydoc_want_map(L->d, v, "internet default") < 0 ||
		    check_keys_linkp(L, v, "internet default", none) < 0 ||
		    parse_linkp(L, v, "internet default",
		    &sc->internet_default) < 0)
			return -1;
		L->inet_queue_given = ydoc_get(L->d, v, "queue") != NULL;
	}
	/* also without default: it serves every pair of cities not listed */
	linkp_default_queue(&sc->internet_default);
	if (cross_border_defaults(L, n) < 0)
		return -1;
	if ((v = ydoc_get(L->d, n, "cross-border")) != NULL) {
		struct sc_linkp *xb = &sc->internet_cross_border;
		if (ydoc_want_map(L->d, v, "internet cross-border") < 0 ||
		    check_keys_linkp(L, v, "internet cross-border", none) < 0)
			return -1;
		if (ydoc_get(L->d, v, "queue") == NULL &&
		    ydoc_get(L->d, v, "bandwidth") != NULL &&
		    !L->inet_queue_given)
			xb->queue_bytes = 0;
		if (parse_linkp(L, v, "internet cross-border", xb) < 0)
			return -1;
		linkp_default_queue(xb);
		if (ydoc_get(L->d, v, "queue") != NULL)
			L->xb_queue_given = 1;
	}
	if ((paths = ydoc_get(L->d, n, "paths")) == NULL)
		return 0;
	if (ydoc_want_seq(L->d, paths, "internet paths") < 0)
		return -1;
	sc->inet = xcalloc(L, paths, ydoc_len(paths), sizeof(*sc->inet));
	if (sc->inet == NULL)
		return -1;
	for (size_t i = 0; i < ydoc_len(paths); i++) {
		yaml_node_t *it = ydoc_item(L->d, paths, i), *x, *y;
		struct sc_internet_path *p = &sc->inet[i];
		const struct sc_linkp *def;
		int given;
		char what[160];

		p->loc.line = (unsigned)it->start_mark.line + 1;
		p->loc.col = (unsigned)it->start_mark.column + 1;
		p->p.profile = -1;
		if (ydoc_want_map(L->d, it, "an internet path") < 0 ||
		    check_keys_linkp(L, it, "internet path", pextra) < 0)
			return -1;
		sc->ninet++;
		if ((v = ydoc_get(L->d, it, "between")) == NULL)
			return ydoc_err(L->d, it, "internet path: 'between: "
			    "[CITY, CITY]' is required");
		if (get_pair(L, v, "internet path", &x, &y) < 0 ||
		    (p->a = get_city(L, x, "internet path")) == NULL ||
		    (p->b = get_city(L, y, "internet path")) == NULL)
			return -1;
		if (p->a == p->b)
			return ydoc_err(L->d, v, "internet path: the two cities "
			    "must differ");
		for (size_t j = 0; j < i; j++)
			if ((sc->inet[j].a == p->a && sc->inet[j].b == p->b) ||
			    (sc->inet[j].a == p->b && sc->inet[j].b == p->a))
				return ydoc_err(L->d, v, "internet path [%s, %s] "
				    "is given twice", p->a->name, p->b->name);
		/* a path across China's border starts from cross-border */
		if (sc_cross_border(p->a, p->b)) {
			def = &sc->internet_cross_border;
			given = L->xb_queue_given;
		} else {
			def = &sc->internet_default;
			given = L->inet_queue_given;
		}
		if (linkp_copy(L, it, &p->p, def) < 0)
			return -1;
		if (ydoc_get(L->d, it, "queue") == NULL &&
		    ydoc_get(L->d, it, "bandwidth") != NULL && !given)
			p->p.queue_bytes = 0;
		snprintf(what, sizeof(what), "internet path [%s, %s]",
		    p->a->name, p->b->name);
		if (parse_linkp(L, it, what, &p->p) < 0)
			return -1;
		linkp_default_queue(&p->p);
	}
	return 0;
}

/* ---- applications ---- */

static int get_opt_name(struct ld *L, const yaml_node_t *it,
    const char *key, const char *what, char **out);

/* Application kinds, in enum sc_app_kind order. */
static const char *const app_kinds[] = { "udp-cbr", "udp-poisson", "voip",
	"web", "bulk", "replay", NULL };
_Static_assert(sizeof(app_kinds) / sizeof(*app_kinds) == SC_APP_REPLAY + 2,
    "a name for every application kind");

#define KIND(k) (1u << (k))
#define UDP_KINDS (KIND(SC_APP_UDP_CBR) | KIND(SC_APP_UDP_POISSON))
#define TCP_KINDS (KIND(SC_APP_WEB) | KIND(SC_APP_BULK))

/* Every key of an application, for the check and its "did you mean". */
static const char *const app_keys[] = { "name", "kind", "from", "to",
	"start", "stop", "via", "app-id", "category", "domain", "ftp-passive",
	"rate", "packet-size", "codec", "ptime", "calls", "jitter-buffer",
	"objects", "object-size", "request-size", "think-time", "connections",
	"pages", "size", "congestion-control", "receive-window", "mss",
	"initial-window", "min-rto", "trace", "filter", NULL };

/*
 * The keys only some kinds take (every other key applies to all), and
 * which.  A key of another kind is refused by name rather than ignored:
 * `codec` on a udp-cbr flow is a mistake about what the flow is, and
 * dropping it would run a scenario other than the one written.
 */
static const struct {
	const char *key;
	unsigned kinds;
} kind_keys[] = {
	{ "rate", UDP_KINDS }, { "packet-size", UDP_KINDS },
	{ "codec", KIND(SC_APP_VOIP) }, { "ptime", KIND(SC_APP_VOIP) },
	{ "calls", KIND(SC_APP_VOIP) }, { "jitter-buffer", KIND(SC_APP_VOIP) },
	{ "objects", KIND(SC_APP_WEB) }, { "object-size", KIND(SC_APP_WEB) },
	{ "request-size", KIND(SC_APP_WEB) },
	{ "think-time", KIND(SC_APP_WEB) },
	{ "connections", KIND(SC_APP_WEB) }, { "pages", KIND(SC_APP_WEB) },
	{ "size", KIND(SC_APP_BULK) },
	{ "congestion-control", TCP_KINDS }, { "receive-window", TCP_KINDS },
	{ "mss", TCP_KINDS }, { "initial-window", TCP_KINDS },
	{ "min-rto", TCP_KINDS },
	{ "trace", KIND(SC_APP_REPLAY) }, { "filter", KIND(SC_APP_REPLAY) },
};

/* "kind voip", "kinds web and bulk": the kinds of a mask, for messages. */
static const char *
kinds_phrase(unsigned kinds, char *buf, size_t len)
{
	size_t off, n = 0, k = 0;

	for (int i = 0; app_kinds[i] != NULL; i++)
		n += (kinds & KIND(i)) != 0;
	off = (size_t)snprintf(buf, len, "kind%s ", n > 1 ? "s" : "");
	for (int i = 0; app_kinds[i] != NULL && off < len; i++)
		if (kinds & KIND(i)) {
			k++;
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
			    k == 1 ? "" : k == n ? " and " : ", ",
			    app_kinds[i]);
		}
	return buf;
}

/* The first key, in the order written, that the kind does not take. */
static int
check_kind_keys(struct ld *L, const yaml_node_t *it, const char *what,
    enum sc_app_kind kind)
{
	char kinds[128];

	for (size_t i = 0; i < ydoc_len(it); i++) {
		yaml_node_t *k, *v;
		const char *s;

		ydoc_pair(L->d, it, i, &k, &v);
		if ((s = ydoc_str(k)) == NULL)
			continue;
		for (size_t j = 0; j < sizeof(kind_keys) / sizeof(*kind_keys);
		    j++)
			if (strcmp(s, kind_keys[j].key) == 0 &&
			    !(kind_keys[j].kinds & KIND(kind)))
				return ydoc_err(L->d, k, "%s: '%s' applies to %s "
				    "only", what, s, kinds_phrase(
				    kind_keys[j].kinds, kinds, sizeof(kinds)));
	}
	return 0;
}

static int
parse_app_udp(struct ld *L, const yaml_node_t *it, const char *what,
    struct sc_app *a)
{
	yaml_node_t *v;
	uint64_t size = 1000;
	char lbl[256];

	if ((v = ydoc_get(L->d, it, "rate")) == NULL)
		return ydoc_err(L->d, it, "%s: 'rate' is required", what);
	if (get_rate(L, v, KEY("rate"), &a->rate_bps) < 0)
		return -1;
	if (a->rate_bps == 0)
		return ydoc_err(L->d, v, "%s: rate must be above zero", what);
	if ((v = ydoc_get(L->d, it, "packet-size")) != NULL &&
	    get_size(L, v, KEY("packet-size"), &size) < 0)
		return -1;
	if (size < 28 || size > 65535)
		return ydoc_err(L->d, v, "%s: packet-size must be between 28B "
		    "and 65535B", what);
	a->packet_bytes = (uint32_t)size;
	return 0;
}

/*
 * Voice codecs, in enum sc_codec order, and the bit rate of each one's
 * payload: G.711 at 64 kbit/s and G.729 at 8 kbit/s (RFC 3551's PCMU/PCMA
 * and G729); Opus at 24 kbit/s, a usual setting for wideband speech (RFC
 * 7587 lets it run from 6 to 510 kbit/s).  A packet carries ptime's worth
 * of payload behind IPv4 (20), UDP (8) and RTP (12) headers.
 */
static const char *const codec_words[] = { "g711", "g729", "opus", NULL };
static const uint64_t codec_bps[] = { 64000, 8000, 24000 };
_Static_assert(sizeof(codec_bps) / sizeof(*codec_bps) == SC_CODEC_OPUS + 1,
    "a rate for every codec");
#define VOIP_HEADERS 40

static int
parse_app_voip(struct ld *L, const yaml_node_t *it, const char *what,
    struct sc_app *a)
{
	yaml_node_t *v;
	char lbl[256];
	uint64_t payload;
	int w;

	a->codec = SC_CODEC_G711;
	a->ptime = 20 * SB_MS;
	a->calls = 1;
	a->jitter_buffer = 40 * SB_MS;
	if ((v = ydoc_get(L->d, it, "codec")) != NULL) {
		if (get_word(L, v, KEY("codec"), codec_words, &w) < 0)
			return -1;
		a->codec = (enum sc_codec)w;
	}
	if ((v = ydoc_get(L->d, it, "ptime")) != NULL &&
	    get_time_in(L, v, KEY("ptime"), 10 * SB_MS, 120 * SB_MS,
	    &a->ptime) < 0)
		return -1;
	if ((v = ydoc_get(L->d, it, "calls")) != NULL) {
		if (get_whole(L, v, KEY("calls"), 1, 1000, &w) < 0)
			return -1;
		a->calls = (unsigned)w;
	}
	if ((v = ydoc_get(L->d, it, "jitter-buffer")) != NULL &&
	    get_time_in(L, v, KEY("jitter-buffer"), 0, SB_S,
	    &a->jitter_buffer) < 0)
		return -1;
	/* per call: a ptime off the codec's frame rounds to whole bytes */
	payload = (uint64_t)llround((double)codec_bps[a->codec] *
	    (double)a->ptime / (8.0 * SB_S));
	a->packet_bytes = (uint32_t)(payload + VOIP_HEADERS);
	a->rate_bps = (uint64_t)llround((double)a->packet_bytes * 8.0 * SB_S /
	    (double)a->ptime);
	return 0;
}

/* A size key that must be above zero, if present. */
static int
get_size_pos(struct ld *L, const yaml_node_t *it, const char *key,
    const char *what, uint64_t *out)
{
	yaml_node_t *v = ydoc_get(L->d, it, key);
	char lbl[256];

	if (v == NULL)
		return 0;
	if (get_size(L, v, KEY(key), out) < 0)
		return -1;
	if (*out == 0)
		return ydoc_err(L->d, v, "%s: %s must be above zero", what, key);
	return 0;
}

static int
parse_app_web(struct ld *L, const yaml_node_t *it, const char *what,
    struct sc_app *a)
{
	yaml_node_t *v;
	char lbl[256];
	int w;

	a->objects = 10;
	a->object_bytes = 100000;
	a->request_bytes = 400;
	a->think = 10 * SB_S;
	a->connections = 6;
	a->pages = 0;
	if ((v = ydoc_get(L->d, it, "objects")) != NULL) {
		if (get_whole(L, v, KEY("objects"), 1, 1000, &w) < 0)
			return -1;
		a->objects = (unsigned)w;
	}
	if (get_size_pos(L, it, "object-size", what, &a->object_bytes) < 0 ||
	    get_size_pos(L, it, "request-size", what, &a->request_bytes) < 0)
		return -1;
	if ((v = ydoc_get(L->d, it, "think-time")) != NULL &&
	    get_time(L, v, KEY("think-time"), &a->think) < 0)
		return -1;
	if ((v = ydoc_get(L->d, it, "connections")) != NULL) {
		if (get_whole(L, v, KEY("connections"), 1, 64, &w) < 0)
			return -1;
		a->connections = (unsigned)w;
	}
	if ((v = ydoc_get(L->d, it, "pages")) != NULL) {
		if (get_whole(L, v, KEY("pages"), 0, 1000000, &w) < 0)
			return -1;
		a->pages = (unsigned)w;
	}
	return 0;
}

/*
 * TCP, for web and bulk.  The defaults: CUBIC (RFC 9438, Linux's); a
 * 4 MiB receive window, enough for 160 Mbit/s over a 200 ms round trip;
 * the initial window of RFC 6928; the minimum RTO of RFC 6298 2.4.  An mss left out is the path's, which is known
 * only when the world is built: at most 1460 bytes, a 1500-byte MTU less
 * the IPv4 and TCP headers, and less again in a tunnel.
 */
static const char *const cc_words[] = { "cubic", "newreno", NULL };
#define DEFAULT_RWND (4ull << 20)
#define MAX_RWND (1ull << 30)   /* RFC 7323 2.3: the window scale's limit */
#define MSS_MIN 536             /* RFC 1122 4.2.2.6: the default MSS */
#define MSS_MAX 9000            /* a jumbo frame's */
#define MSS_PATH_MAX 1460

static int
parse_app_tcp(struct ld *L, const yaml_node_t *it, const char *what,
    struct sc_tcp *t)
{
	yaml_node_t *v, *rw;
	char lbl[256];
	uint64_t mss = 0, least;
	int w;

	t->cc = SC_CC_CUBIC;
	t->rwnd = DEFAULT_RWND;
	t->mss = 0;
	t->init_cwnd = 10;
	t->min_rto = SB_S;
	if ((v = ydoc_get(L->d, it, "congestion-control")) != NULL) {
		if (get_word(L, v, KEY("congestion-control"), cc_words, &w) < 0)
			return -1;
		t->cc = (enum sc_cc)w;
	}
	if ((v = ydoc_get(L->d, it, "mss")) != NULL) {
		if (get_size(L, v, KEY("mss"), &mss) < 0)
			return -1;
		if (mss != 0 && (mss < MSS_MIN || mss > MSS_MAX))
			return ydoc_err(L->d, v, "%s: mss must be from %dB to "
			    "%dB (or 0: the path's)", what, MSS_MIN, MSS_MAX);
		t->mss = (uint32_t)mss;
	}
	if ((rw = ydoc_get(L->d, it, "receive-window")) != NULL) {
		if (get_size(L, rw, KEY("receive-window"), &t->rwnd) < 0)
			return -1;
		least = 2 * (mss ? mss : MSS_PATH_MAX);
		if (t->rwnd < least)
			return ydoc_err(L->d, rw, "%s: receive-window must be at "
			    "least two segments, %lluB (mss %s%lluB)", what,
			    (unsigned long long)least, mss ? "" : "at most ",
			    (unsigned long long)least / 2);
		if (t->rwnd > MAX_RWND)
			return ydoc_err(L->d, rw, "%s: receive-window must be at "
			    "most 1GiB (TCP window scaling's limit)", what);
	}
	if ((v = ydoc_get(L->d, it, "initial-window")) != NULL) {
		if (get_whole(L, v, KEY("initial-window"), 1, 100, &w) < 0)
			return -1;
		t->init_cwnd = (uint32_t)w;
	}
	if ((v = ydoc_get(L->d, it, "min-rto")) != NULL &&
	    get_time_in(L, v, KEY("min-rto"), SB_MS, 60 * SB_S,
	    &t->min_rto) < 0)
		return -1;
	return 0;
}

static int
parse_app_bulk(struct ld *L, const yaml_node_t *it, const char *what,
    struct sc_app *a)
{
	if (ydoc_get(L->d, it, "size") == NULL)
		return ydoc_err(L->d, it, "%s: 'size' is required (the bytes "
		    "to send)", what);
	return get_size_pos(L, it, "size", what, &a->bytes);
}

/*
 * replay: a capture sent again.  The filter is compiled here, for
 * Ethernet frames as captures mostly hold, so that a typo is reported
 * at load and not when the replay starts; then the file must open.
 */
static int
parse_app_replay(struct ld *L, const yaml_node_t *it, const char *what,
    struct sc_app *a)
{
	char errbuf[PCAP_ERRBUF_SIZE], lbl[256];
	yaml_node_t *tv, *v;
	const char *s, *msg;
	size_t n;
	pcap_t *p;

	if ((tv = ydoc_get(L->d, it, "trace")) == NULL)
		return ydoc_err(L->d, it, "%s: 'trace' is required (a pcap "
		    "file)", what);
	if (ydoc_want_str(L->d, tv, KEY("trace"), &s) < 0)
		return -1;
	if (s[0] == '\0')
		return ydoc_err(L->d, tv, "%s: trace: give a pcap file", what);
	/* relative to the scenario's folder, as loss traces are */
	if (s[0] == '/' || strcmp(L->dir, ".") == 0) {
		a->trace = xstrdup(L, tv, s);
	} else if (asprintf(&a->trace, "%s/%s", L->dir, s) < 0) {
		a->trace = NULL;
		ydoc_err(L->d, tv, "out of memory");
	}
	if (a->trace == NULL)
		return -1;
	if ((v = ydoc_get(L->d, it, "filter")) != NULL) {
		struct bpf_program prog;

		if (ydoc_want_str(L->d, v, KEY("filter"), &s) < 0 ||
		    (a->filter = xstrdup(L, v, s)) == NULL)
			return -1;
		if ((p = pcap_open_dead(DLT_EN10MB, 65535)) == NULL)
			return ydoc_err(L->d, v, "out of memory");
		if (pcap_compile(p, &prog, s, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			ydoc_err(L->d, v, "%s: filter '%s': %s", what, s,
			    pcap_geterr(p));
			pcap_close(p);
			return -1;
		}
		pcap_freecode(&prog);
		pcap_close(p);
	}
	errbuf[0] = '\0';
	if ((p = pcap_open_offline(a->trace, errbuf)) == NULL) {
		/* pcap names the file first; the message does already */
		msg = errbuf;
		n = strlen(a->trace);
		if (strncmp(msg, a->trace, n) == 0 && msg[n] == ':' &&
		    msg[n + 1] == ' ')
			msg += n + 2;
		return ydoc_err(L->d, tv, "%s: trace '%s': %s", what, a->trace,
		    msg[0] ? msg : "cannot open");
	}
	pcap_close(p);
	return 0;
}

/* The counted group of sites an application's end names, or NULL. */
static const struct group *
app_group(struct ld *L, const yaml_node_t *it, const char *key)
{
	yaml_node_t *v;
	const char *s;

	if (it->type != YAML_MAPPING_NODE ||
	    (v = ydoc_get(L->d, it, key)) == NULL || (s = ydoc_str(v)) == NULL)
		return NULL;
	for (size_t g = 0; g < L->ngroups; g++)
		if (strcmp(L->groups[g].name, s) == 0)
			return &L->groups[g];
	return NULL;
}

/* One application from entry it; with g, the one for the member-th site
 * of that group, at its `from` (g_end 0) or `to` (1), named NAME-member. */
static int
parse_app(struct ld *L, const yaml_node_t *it, struct sc_app *a,
    const struct group *g, int g_end, size_t member)
{
	static const char *const vias[] = { "backbone", "internet", NULL };
	struct scenario *sc = L->sc;
	yaml_node_t *v;
	char what[128], lbl[256];
	int w, rc = 0;

	a->loc.line = (unsigned)it->start_mark.line + 1;
	a->loc.col = (unsigned)it->start_mark.column + 1;
	a->src = a->dst = a->src_dest = a->dest = -1;
	if (ydoc_want_map(L->d, it, "an application") < 0 ||
	    ydoc_check_keys(L->d, it, "application", app_keys) < 0)
		return -1;
	if ((v = ydoc_get(L->d, it, "name")) == NULL)
		return ydoc_err(L->d, it, "application: 'name' is "
		    "required");
	if (get_name(L, v, "application name", &a->name) < 0)
		return -1;
	sc->napps++;
	if (g != NULL) {
		char *nm;
		if (asprintf(&nm, "%s-%zu", a->name, member) < 0)
			return ydoc_err(L->d, v, "out of memory");
		free(a->name);
		a->name = nm;
	}
	if (FIND(sc->apps, sc->napps - 1, a->name) >= 0)
		return ydoc_err(L->d, v, "application '%s' is defined "
		    "twice", a->name);
	snprintf(what, sizeof(what), "application '%s'", a->name);
	if ((v = ydoc_get(L->d, it, "kind")) == NULL)
		return ydoc_err(L->d, it, "%s: 'kind' is required "
		    "(udp-cbr, udp-poisson, voip, web, bulk or replay)",
		    what);
	if (get_word(L, v, KEY("kind"), app_kinds, &w) < 0)
		return -1;
	a->kind = (enum sc_app_kind)w;
	if (check_kind_keys(L, it, what, a->kind) < 0)
		return -1;
	/* either end a site or a destination, not both destinations */
	if ((v = ydoc_get(L->d, it, "from")) == NULL)
		return ydoc_err(L->d, it, "%s: 'from' is required", what);
	if (g != NULL && g_end == 0)
		a->src = (int)(g->first + member - 1);
	else if (ref_site_or_dest(L, v, KEY("from"), &a->src,
	    &a->src_dest) < 0)
		return -1;
	if ((v = ydoc_get(L->d, it, "to")) == NULL)
		return ydoc_err(L->d, it, "%s: 'to' is required", what);
	if (g != NULL && g_end == 1)
		a->dst = (int)(g->first + member - 1);
	else if (ref_site_or_dest(L, v, KEY("to"), &a->dst, &a->dest) < 0)
		return -1;
	if (a->src_dest >= 0 && a->dest >= 0)
		return ydoc_err(L->d, v, "%s: 'from' and 'to' are both "
		    "destinations; from a destination, 'to' must be a "
		    "site", what);
	if (a->src >= 0 && a->src == a->dst)
		return ydoc_err(L->d, v, "%s: 'from' and 'to' are the "
		    "same site", what);
	switch (a->kind) {
	case SC_APP_UDP_CBR:
	case SC_APP_UDP_POISSON:
		rc = parse_app_udp(L, it, what, a);
		break;
	case SC_APP_VOIP:
		rc = parse_app_voip(L, it, what, a);
		break;
	case SC_APP_WEB:
		rc = parse_app_web(L, it, what, a);
		if (rc == 0)
			rc = parse_app_tcp(L, it, what, &a->tcp);
		break;
	case SC_APP_BULK:
		rc = parse_app_bulk(L, it, what, a);
		if (rc == 0)
			rc = parse_app_tcp(L, it, what, &a->tcp);
		break;
	case SC_APP_REPLAY:
		rc = parse_app_replay(L, it, what, a);
		break;
	}
	if (rc < 0)
		return -1;
	a->stop = SB_TIME_NEVER;
	if ((v = ydoc_get(L->d, it, "start")) != NULL &&
	    get_time(L, v, KEY("start"), &a->start) < 0)
		return -1;
	if ((v = ydoc_get(L->d, it, "stop")) != NULL) {
		if (get_time(L, v, KEY("stop"), &a->stop) < 0)
			return -1;
		if (a->stop <= a->start)
			return ydoc_err(L->d, v, "%s: stop must be after "
			    "start", what);
	}
	if (a->start >= sc->duration)
		return ydoc_err(L->d, (v = ydoc_get(L->d, it, "start")) ?
		    v : it, "%s: start is at or after the end of the run",
		    what);
	if ((v = ydoc_get(L->d, it, "via")) != NULL) {
		if (get_word(L, v, KEY("via"), vias, &w) < 0)
			return -1;
		a->via = (enum sc_via)w;
		/* a region's only ways in and out are its interconnects */
		if (a->via == SC_VIA_INTERNET && ((a->src >= 0 &&
		    sc->sites[a->src].cloud != NULL) || (a->dst >= 0 &&
		    sc->sites[a->dst].cloud != NULL)))
			return ydoc_err(L->d, v, "%s: a cloud region is reached "
			    "over its interconnects, not via the Internet",
			    what);
	}
	a->protocol = KIND(a->kind) & TCP_KINDS ? 6 : 17;
	if (get_opt_name(L, it, "app-id", what, &a->app_id) < 0 ||
	    get_opt_name(L, it, "category", what, &a->category) < 0 ||
	    get_opt_name(L, it, "domain", what, &a->domain) < 0)
		return -1;
	if ((v = ydoc_get(L->d, it, "ftp-passive")) != NULL &&
	    get_bool(L, v, KEY("ftp-passive"), &a->ftp_passive) < 0)
		return -1;
	return 0;
}

/*
 * Applications.  One whose `from` or `to` names a counted group of sites
 * stands for one application per member, NAME-1 .. NAME-N, each from (or
 * to) the site of the same number.
 */
static int
parse_apps(struct ld *L, const yaml_node_t *n)
{
	struct scenario *sc = L->sc;
	size_t total = 0;

	if (ydoc_want_seq(L->d, n, "applications") < 0)
		return -1;
	for (size_t i = 0; i < ydoc_len(n); i++) {
		yaml_node_t *it = ydoc_item(L->d, n, i);
		const struct group *gf = app_group(L, it, "from"),
		    *gt = app_group(L, it, "to");

		if (gf != NULL && gt != NULL)
			return ydoc_err(L->d, ydoc_get(L->d, it, "to"),
			    "application: 'from' and 'to' both name counted "
			    "groups of sites; at most one end may");
		total += gf ? gf->count : gt ? gt->count : 1;
	}
	sc->apps = xcalloc(L, n, total, sizeof(*sc->apps));
	if (sc->apps == NULL)
		return -1;
	for (size_t i = 0; i < ydoc_len(n); i++) {
		yaml_node_t *it = ydoc_item(L->d, n, i);
		const struct group *gf = app_group(L, it, "from"),
		    *gt = app_group(L, it, "to"), *g = gf ? gf : gt;

		if (g == NULL) {
			if (parse_app(L, it, &sc->apps[sc->napps], NULL, 0,
			    0) < 0)
				return -1;
			continue;
		}
		for (size_t k = 1; k <= g->count; k++)
			if (parse_app(L, it, &sc->apps[sc->napps], g,
			    gf ? 0 : 1, k) < 0)
				return -1;
	}
	return 0;
}

/* A port or an inclusive range "lo-hi". */
static int
get_ports(struct ld *L, const yaml_node_t *n, const char *what,
    unsigned *lo, unsigned *hi)
{
	const char *s;
	char *end;
	unsigned long a, b;

	if (ydoc_want_str(L->d, n, what, &s) < 0)
		return -1;
	a = strtoul(s, &end, 10);
	b = a;
	if (end != s && *end == '-')
		b = strtoul(end + 1, &end, 10);
	if (end == s || *end != '\0' || a == 0 || a > 65535 || b < a ||
	    b > 65535)
		return ydoc_err(L->d, n, "%s: '%s' is not a port (1-65535) "
		    "or a range 'lo-hi'", what, s);
	*lo = (unsigned)a;
	*hi = (unsigned)b;
	return 0;
}

static int
get_opt_name(struct ld *L, const yaml_node_t *it, const char *key,
    const char *what, char **out)
{
	yaml_node_t *v = ydoc_get(L->d, it, key);
	char lbl[256];

	return v == NULL ? 0 : get_name(L, v, KEY(key), out);
}

/*
 * A rule's secondary, once its transport is known (whatever the order of
 * the keys).  off-cloud and alt-wan are transports, so a user may well
 * write them here; they are refused by name, with the reason, rather than
 * as unknown words: Alt-WAN cannot fail over to off-cloud nor stand behind
 * it, and neither is the secondary of anything.  The words accepted are
 * enum rule_secondary's, in its order.
 */
static int
parse_secondary(struct ld *L, const yaml_node_t *v, const char *what,
    struct sc_rule *r)
{
	static const char *const secs[] = { "automatic", "none", "cloud",
		NULL };
	char lbl[256];
	const char *s;

	if (ydoc_want_str(L->d, v, KEY("secondary"), &s) < 0)
		return -1;
	if (strcmp(s, "off-cloud") == 0 && r->transport == SC_TR_ALT_WAN)
		return ydoc_err(L->d, v, "%s: Alt-WAN cannot fail over to "
		    "off-cloud (secondary: automatic, none or cloud)", what);
	if (strcmp(s, "alt-wan") == 0 && r->transport == SC_TR_OFF_CLOUD)
		return ydoc_err(L->d, v, "%s: Alt-WAN is not supported as the "
		    "secondary of off-cloud (automatic, none or cloud)", what);
	if (strcmp(s, "off-cloud") == 0 || strcmp(s, "alt-wan") == 0)
		return ydoc_err(L->d, v, "%s: secondary '%s' is not supported "
		    "(automatic, none or cloud)", what, s);
	return get_word(L, v, KEY("secondary"), secs, &r->secondary);
}

static int
parse_rule(struct ld *L, const yaml_node_t *it, struct sc_rule *r)
{
	static const char *const trs[] = { "backbone", "internet",
		"off-cloud", "alt-wan", "none", "cloud", NULL };
	static const char *const opts[] = { "none", "latency", "loss", NULL };
	static const char *const protos[] = { "any", "tcp", "udp", NULL };
	static const int proto_nums[] = { 0, 6, 17 };
	struct scenario *sc = L->sc;
	yaml_node_t *v;
	char what[128], lbl[256];
	const char *s;
	int w;

	snprintf(what, sizeof(what), "rule '%s'", r->name);
	if ((v = ydoc_get(L->d, it, "application")) != NULL &&
	    ref_app(L, v, what, &r->app) < 0)
		return -1;
	if ((v = ydoc_get(L->d, it, "from")) != NULL &&
	    ref_site(L, v, "from", &r->src) < 0)
		return -1;
	if ((v = ydoc_get(L->d, it, "to")) != NULL) {
		if (v->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)v->data.scalar.value, "internet") == 0)
			r->internet = 1;
		else if (v->type == YAML_SCALAR_NODE &&
		    FIND(sc->dests, sc->ndests,
		    (const char *)v->data.scalar.value) >= 0)
			return ydoc_err(L->d, v, "%s: to: '%s' is a destination; "
			    "a rule matches flows to destinations with 'to: "
			    "internet'", what, (const char *)v->data.scalar.value);
		else if (ref_site(L, v, "to", &r->dst) < 0)
			return -1;
	}
	if ((v = ydoc_get(L->d, it, "protocol")) != NULL) {
		if (get_word(L, v, KEY("protocol"), protos, &w) < 0)
			return -1;
		r->protocol = proto_nums[w];
	}
	if ((v = ydoc_get(L->d, it, "port")) != NULL &&
	    get_ports(L, v, KEY("port"), &r->port_lo, &r->port_hi) < 0)
		return -1;
	if (get_opt_name(L, it, "app-id", what, &r->app_id) < 0 ||
	    get_opt_name(L, it, "category", what, &r->category) < 0 ||
	    get_opt_name(L, it, "domain", what, &r->domain) < 0)
		return -1;
	if ((v = ydoc_get(L->d, it, "transport")) == NULL)
		return ydoc_err(L->d, it, "%s: 'transport' is required", what);
	if (get_word(L, v, "transport", trs, &w) < 0)
		return -1;
	r->transport = w == 5 ? SC_TR_BACKBONE : (enum sc_transport)w;
	if ((v = ydoc_get(L->d, it, "secondary")) != NULL &&
	    parse_secondary(L, v, what, r) < 0)
		return -1;
	if ((v = ydoc_get(L->d, it, "link")) != NULL) {
		if (r->src < 0)
			return ydoc_err(L->d, v, "%s: 'link' needs 'from' (the "
			    "site it belongs to)", what);
		if (ydoc_want_str(L->d, v, "link", &s) < 0 ||
		    ref_link_of(L, v, what, &sc->sites[r->src], s,
		    &r->preferred_link) < 0)
			return -1;
	}
	if ((v = ydoc_get(L->d, it, "precedence")) != NULL &&
	    get_whole(L, v, KEY("precedence"), 1, 3, &r->precedence) < 0)
		return -1;
	if ((v = ydoc_get(L->d, it, "priority")) != NULL &&
	    get_whole(L, v, KEY("priority"), 2, 255, &r->priority) < 0)
		return -1;
	if ((v = ydoc_get(L->d, it, "optimize")) != NULL &&
	    get_word(L, v, KEY("optimize"), opts, &r->optimize) < 0)
		return -1;
	if ((v = ydoc_get(L->d, it, "loss-mitigation")) != NULL &&
	    get_bool(L, v, KEY("loss-mitigation"), &r->loss_mitigation) < 0)
		return -1;
	/* transport was read above, wherever it is written in the rule */
	if ((v = ydoc_get(L->d, it, "tcp-acceleration")) != NULL) {
		if (get_bool(L, v, KEY("tcp-acceleration"),
		    &r->tcp_acceleration) < 0)
			return -1;
		if (r->tcp_acceleration && r->transport == SC_TR_OFF_CLOUD)
			return ydoc_err(L->d, v, "%s: TCP acceleration must be "
			    "off when the transport is off-cloud", what);
	}
	/* Where traffic leaves the cloud: only traffic in the cloud has
	 * one, and only traffic bound for the Internet leaves it at a PoP
	 * of its choosing (a site's traffic leaves at that site's PoP). */
	if ((v = ydoc_get(L->d, it, "egress-pop")) != NULL) {
		if (ref_pop(L, v, KEY("egress-pop"), &r->egress_pop) < 0)
			return -1;
		if (r->transport != SC_TR_BACKBONE)
			return ydoc_err(L->d, v, "%s: egress-pop is where traffic "
			    "leaves the cloud, so it goes with transport cloud, "
			    "not %s", what, trs[r->transport]);
		if (r->dst >= 0)
			return ydoc_err(L->d, v, "%s: egress-pop is for traffic "
			    "to the Internet; traffic to site '%s' leaves the "
			    "cloud at that site's PoP", what,
			    sc->sites[r->dst].name);
		if (r->app >= 0 && sc->apps[r->app].dst >= 0)
			return ydoc_err(L->d, v, "%s: egress-pop is for traffic "
			    "to the Internet; application '%s' goes to site "
			    "'%s'", what, sc->apps[r->app].name,
			    sc->sites[sc->apps[r->app].dst].name);
	}
	return 0;
}

static int
parse_rules(struct ld *L, const yaml_node_t *n)
{
	static const char *const keys[] = { "name", "application", "from",
		"to", "protocol", "port", "app-id", "category", "domain",
		"transport", "secondary", "link", "precedence", "priority",
		"optimize", "loss-mitigation", "tcp-acceleration",
		"egress-pop", NULL };
	struct scenario *sc = L->sc;

	if (ydoc_want_seq(L->d, n, "rules") < 0)
		return -1;
	sc->rules = xcalloc(L, n, ydoc_len(n), sizeof(*sc->rules));
	if (sc->rules == NULL)
		return -1;
	for (size_t i = 0; i < ydoc_len(n); i++) {
		yaml_node_t *it = ydoc_item(L->d, n, i), *v;
		struct sc_rule *r = &sc->rules[i];

		r->loc.line = (unsigned)it->start_mark.line + 1;
		r->loc.col = (unsigned)it->start_mark.column + 1;
		r->app = r->src = r->dst = r->preferred_link = -1;
		r->egress_pop = -1;
		if (ydoc_want_map(L->d, it, "a rule") < 0 ||
		    ydoc_check_keys(L->d, it, "rule", keys) < 0)
			return -1;
		if ((v = ydoc_get(L->d, it, "name")) == NULL)
			return ydoc_err(L->d, it, "rule: 'name' is required");
		if (get_name(L, v, "rule name", &r->name) < 0)
			return -1;
		sc->nrules++;
		if (FIND(sc->rules, i, r->name) >= 0)
			return ydoc_err(L->d, v, "rule '%s' is defined twice",
			    r->name);
		if (parse_rule(L, it, r) < 0)
			return -1;
	}
	return 0;
}

/* ---- the PoP's firewalls ---- */

/* A rule's field that is one item or a list of them: the items, and how
 * many.  One item is its own list. */
static size_t
fw_items(const yaml_node_t *v)
{
	return v->type == YAML_SEQUENCE_NODE ? ydoc_len(v) : 1;
}

static yaml_node_t *
fw_item(struct ld *L, yaml_node_t *v, size_t i)
{
	return v->type == YAML_SEQUENCE_NODE ? ydoc_item(L->d, v, i) : v;
}

/* The array for a field's n items (an empty list refused), or NULL with
 * the message given. */
static void *
fw_list(struct ld *L, const yaml_node_t *v, const char *what, size_t size,
    size_t *n)
{
	if ((*n = fw_items(v)) == 0) {
		ydoc_err(L->d, v, "%s: an empty list matches nothing; leave the "
		    "key out to match anything", what);
		return NULL;
	}
	return xcalloc(L, v, *n, size);
}

/* "10.0.2.0/24" (with_prefix) or "10.0.2.10"; host order. */
static int
fw_addr(struct ld *L, const yaml_node_t *n, const char *what, int with_prefix,
    uint32_t *addr, unsigned *prefix)
{
	const char *s, *slash;
	char buf[32], *end;
	struct in_addr a;
	unsigned long p = 32;
	size_t len;

	if (ydoc_want_str(L->d, n, what, &s) < 0)
		return -1;
	slash = strchr(s, '/');
	if ((slash != NULL) != with_prefix)
		goto bad;
	if (slash != NULL) {
		p = strtoul(slash + 1, &end, 10);
		if (end == slash + 1 || *end != '\0' || p > 32)
			goto bad;
	}
	len = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (len >= sizeof(buf))
		goto bad;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1)
		goto bad;
	*addr = ntohl(a.s_addr);
	*prefix = (unsigned)p;
	return 0;
bad:
	return ydoc_err(L->d, n, "%s: '%s' is not %s", what, s, with_prefix ?
	    "an IPv4 subnet like 10.0.2.0/24" : "an IPv4 address like "
	    "10.0.2.10");
}

/*
 * A rule's from or to: a site or destination by name, or a map of one of
 * site, destination, subnet, host, group; or a list of these.  The WAN
 * firewall's ends are the network's own; the Internet firewall's
 * destination is on the Internet and its source a site's.
 */
static int
parse_fw_eps(struct ld *L, yaml_node_t *v, const char *what,
    enum sc_fw_base b, int is_dst, struct sc_fw_ep **out, size_t *nout)
{
	static const char *const keys[] = { "site", "destination", "subnet",
		"host", "group", NULL };
	static const int kinds[] = { SC_FW_SITE, SC_FW_DEST, SC_FW_SUBNET,
		SC_FW_HOST, SC_FW_GROUP };
	const struct scenario *sc = L->sc;
	size_t n;

	if ((*out = fw_list(L, v, what, sizeof(**out), &n)) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *it = fw_item(L, v, i), *x = it;
		struct sc_fw_ep *e = &(*out)[i];
		const char *s;
		char hint[128];
		int k = -1;

		if (it->type == YAML_SCALAR_NODE) {
			s = ydoc_str(it);
			if ((e->idx = FIND(sc->sites, sc->nsites, s)) >= 0)
				k = SC_FW_SITE;
			else if ((e->idx = FIND(sc->dests, sc->ndests, s)) >= 0)
				k = SC_FW_DEST;
			else
				return ydoc_err(L->d, it, "%s: no site or "
				    "destination named '%s'%s (subnets, hosts "
				    "and groups are written {subnet: ...}, "
				    "{host: ...}, {group: ...})", what, s,
				    HINT(hint, sc->sites, sc->nsites, s));
		} else {
			if (ydoc_want_map(L->d, it, what) < 0 ||
			    ydoc_check_keys(L->d, it, what, keys) < 0)
				return -1;
			if (ydoc_len(it) != 1)
				return ydoc_err(L->d, it, "%s: give one of site, "
				    "destination, subnet, host, group per item "
				    "(a list holds several)", what);
			for (int j = 0; keys[j] != NULL; j++)
				if ((x = ydoc_get(L->d, it, keys[j])) != NULL) {
					k = kinds[j];
					break;
				}
			if (k == SC_FW_SITE && ref_site(L, x, what, &e->idx) < 0)
				return -1;
			if (k == SC_FW_DEST) {
				if (ydoc_want_str(L->d, x, what, &s) < 0)
					return -1;
				if ((e->idx = FIND(sc->dests, sc->ndests, s)) < 0)
					return ydoc_err(L->d, x, "%s: no "
					    "destination named '%s'%s", what, s,
					    HINT(hint, sc->dests, sc->ndests,
					    s));
			}
			if ((k == SC_FW_SUBNET || k == SC_FW_HOST) &&
			    fw_addr(L, x, what, k == SC_FW_SUBNET, &e->addr,
			    &e->prefix) < 0)
				return -1;
			if (k == SC_FW_GROUP &&
			    get_name(L, x, what, &e->group) < 0)
				return -1;
		}
		e->kind = (enum sc_fw_ep_kind)k;
		(*nout)++;
		if (k == SC_FW_DEST && !(b == SC_FW_INTERNET && is_dst))
			return ydoc_err(L->d, x, "%s: '%s' is a destination on "
			    "the Internet; only the Internet firewall's 'to' "
			    "names one", what, sc->dests[e->idx].name);
		if ((k == SC_FW_SITE || k == SC_FW_GROUP) &&
		    b == SC_FW_INTERNET && is_dst)
			return ydoc_err(L->d, x, "%s: the Internet firewall's "
			    "destinations are on the Internet, so a %s cannot "
			    "be one (the WAN firewall's rules are for traffic "
			    "between sites)", what, k == SC_FW_SITE ? "site" :
			    "group");
	}
	return 0;
}

/* app-id or category: a name or a list of names. */
static int
parse_fw_names(struct ld *L, yaml_node_t *v, const char *what, char ***out,
    size_t *nout)
{
	size_t n;

	if ((*out = fw_list(L, v, what, sizeof(**out), &n)) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (get_name(L, fw_item(L, v, i), what, &(*out)[i]) < 0)
			return -1;
		(*nout)++;
	}
	return 0;
}

/* service: {protocol: tcp, port: 443} or a list of such. */
static int
parse_fw_services(struct ld *L, yaml_node_t *v, const char *what,
    struct sc_fw_service **out, size_t *nout)
{
	static const char *const keys[] = { "protocol", "port", NULL };
	static const char *const protos[] = { "any", "tcp", "udp", NULL };
	static const int proto_nums[] = { 0, 6, 17 };
	size_t n;
	char lbl[256];

	if ((*out = fw_list(L, v, what, sizeof(**out), &n)) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *it = fw_item(L, v, i), *x;
		struct sc_fw_service *s = &(*out)[i];
		int w;

		if (ydoc_want_map(L->d, it, what) < 0 ||
		    ydoc_check_keys(L->d, it, what, keys) < 0)
			return -1;
		if (ydoc_len(it) == 0)
			return ydoc_err(L->d, it, "%s: give a protocol, a port "
			    "or both", what);
		if ((x = ydoc_get(L->d, it, "protocol")) != NULL) {
			if (get_word(L, x, KEY("protocol"), protos, &w) < 0)
				return -1;
			s->protocol = proto_nums[w];
		}
		if ((x = ydoc_get(L->d, it, "port")) != NULL &&
		    get_ports(L, x, KEY("port"), &s->port_lo, &s->port_hi) < 0)
			return -1;
		(*nout)++;
	}
	return 0;
}

static int
parse_fw_rule(struct ld *L, yaml_node_t *it, enum sc_fw_base b,
    struct sc_fw_rule *r)
{
	/* enum fw_action's order */
	static const char *const actions[] = { "allow", "block",
		"allow-with-inspection", NULL };
	yaml_node_t *v;
	char what[128], lbl[256];

	snprintf(what, sizeof(what), "%s firewall rule '%s'",
	    b == SC_FW_WAN ? "WAN" : "Internet", r->name);
	if ((v = ydoc_get(L->d, it, "action")) == NULL)
		return ydoc_err(L->d, it, "%s: 'action' is required (allow, "
		    "block or allow-with-inspection)", what);
	if (get_word(L, v, KEY("action"), actions, &r->action) < 0)
		return -1;
	if ((v = ydoc_get(L->d, it, "from")) != NULL &&
	    parse_fw_eps(L, v, KEY("from"), b, 0, &r->src, &r->nsrc) < 0)
		return -1;
	if ((v = ydoc_get(L->d, it, "to")) != NULL &&
	    parse_fw_eps(L, v, KEY("to"), b, 1, &r->dst, &r->ndst) < 0)
		return -1;
	if ((v = ydoc_get(L->d, it, "app-id")) != NULL &&
	    parse_fw_names(L, v, KEY("app-id"), &r->apps, &r->napps) < 0)
		return -1;
	if ((v = ydoc_get(L->d, it, "category")) != NULL &&
	    parse_fw_names(L, v, KEY("category"), &r->categories,
	    &r->ncategories) < 0)
		return -1;
	if ((v = ydoc_get(L->d, it, "service")) != NULL &&
	    parse_fw_services(L, v, KEY("service"), &r->svc, &r->nsvc) < 0)
		return -1;
	return 0;
}

/* firewall: {wan: [RULE...], internet: [RULE...]}; a base the file gives,
 * even as an empty list, is enforced. */
static int
parse_firewall(struct ld *L, const yaml_node_t *n)
{
	static const char *const keys[] = { "wan", "internet", NULL };
	static const char *const rkeys[] = { "name", "action", "from", "to",
		"app-id", "category", "service", NULL };
	static const char *const implicit[] = { "wan-implicit-block",
		"internet-implicit-allow" };
	struct scenario *sc = L->sc;

	if (ydoc_want_map(L->d, n, "firewall") < 0 ||
	    ydoc_check_keys(L->d, n, "firewall", keys) < 0)
		return -1;
	for (int b = 0; b < SC_FW__BASES; b++) {
		struct sc_firewall *fw = &sc->firewall[b];
		yaml_node_t *v = ydoc_get(L->d, n, keys[b]);
		char what[64];

		if (v == NULL)
			continue;
		snprintf(what, sizeof(what), "firewall: %s", keys[b]);
		if (ydoc_want_seq(L->d, v, what) < 0)
			return -1;
		fw->enabled = 1;
		fw->loc.line = (unsigned)v->start_mark.line + 1;
		fw->loc.col = (unsigned)v->start_mark.column + 1;
		fw->rules = xcalloc(L, v, ydoc_len(v), sizeof(*fw->rules));
		if (fw->rules == NULL)
			return -1;
		for (size_t i = 0; i < ydoc_len(v); i++) {
			yaml_node_t *it = ydoc_item(L->d, v, i), *x;
			struct sc_fw_rule *r = &fw->rules[i];

			r->loc.line = (unsigned)it->start_mark.line + 1;
			r->loc.col = (unsigned)it->start_mark.column + 1;
			if (ydoc_want_map(L->d, it, "a firewall rule") < 0 ||
			    ydoc_check_keys(L->d, it, "firewall rule",
			    rkeys) < 0)
				return -1;
			if ((x = ydoc_get(L->d, it, "name")) == NULL)
				return ydoc_err(L->d, it, "firewall rule: 'name' "
				    "is required");
			if (get_name(L, x, "firewall rule name", &r->name) < 0)
				return -1;
			fw->nrules++;
			if (FIND(fw->rules, i, r->name) >= 0)
				return ydoc_err(L->d, x, "%s: rule '%s' is "
				    "defined twice", what, r->name);
			if (strcmp(r->name, implicit[b]) == 0)
				return ydoc_err(L->d, x, "%s: '%s' is the name "
				    "of the rule base's implicit last rule",
				    what, r->name);
			if (parse_fw_rule(L, it, (enum sc_fw_base)b, r) < 0)
				return -1;
		}
	}
	return 0;
}

static void
fw_rule_clear(struct sc_fw_rule *r)
{
	for (size_t i = 0; i < r->nsrc; i++)
		free(r->src[i].group);
	for (size_t i = 0; i < r->ndst; i++)
		free(r->dst[i].group);
	for (size_t i = 0; i < r->napps; i++)
		free(r->apps[i]);
	for (size_t i = 0; i < r->ncategories; i++)
		free(r->categories[i]);
	free(r->src);
	free(r->dst);
	free(r->apps);
	free(r->categories);
	free(r->svc);
	free(r->name);
}

/* The one target key of a timeline action or an expectation. */
static int
parse_target(struct ld *L, const yaml_node_t *it, const char *what,
    const char *const *allowed, struct sc_target *t, yaml_node_t **where)
{
	int found = 0;

	t->kind = SC_T_NONE;
	for (size_t i = 0; allowed[i] != NULL; i++) {
		yaml_node_t *v = ydoc_get(L->d, it, allowed[i]);
		const char *k = allowed[i];
		int r;

		if (v == NULL)
			continue;
		if (found++)
			return ydoc_err(L->d, v, "%s: name one subject, not two",
			    what);
		*where = v;
		if (strcmp(k, "link") == 0) {
			t->kind = SC_T_SITE_LINK;
			r = ref_site_link(L, v, "link", &t->i, &t->j);
		} else if (strcmp(k, "backbone") == 0) {
			t->kind = SC_T_BACKBONE;
			r = ref_pop_pair(L, v, "backbone", &t->i, &t->j);
			if (r == 0 && !sc_pops_linked(L->sc, t->i, t->j))
				return ydoc_err(L->d, v, "backbone [%s, %s]: no "
				    "link joins these PoPs (a PoP with a gateway "
				    "links only to it and to the PoPs sharing "
				    "it)", L->sc->pops[t->i].name,
				    L->sc->pops[t->j].name);
		} else if (strcmp(k, "internet") == 0) {
			t->kind = SC_T_INTERNET;
			r = ref_internet(L, v, "internet", &t->i);
		} else if (strcmp(k, "pop") == 0) {
			t->kind = SC_T_POP;
			r = ref_pop(L, v, "pop", &t->i);
		} else if (strcmp(k, "site") == 0) {
			t->kind = SC_T_SITE;
			r = ref_site(L, v, "site", &t->i);
		} else if (strcmp(k, "socket") == 0) {
			t->kind = SC_T_SOCKET;
			r = ref_socket(L, v, "socket", &t->i, &t->j);
		} else if (strcmp(k, "users") == 0) {
			t->kind = SC_T_USERS;
			r = ref_users(L, v, "users", &t->i, &t->j);
		} else {
			t->kind = SC_T_FLOW;
			r = ref_app(L, v, "flow", &t->i);
		}
		if (r < 0)
			return -1;
	}
	if (!found) {
		char list[128];
		size_t off = 0;
		for (size_t i = 0; allowed[i] != NULL; i++)
			off += (size_t)snprintf(list + off, sizeof(list) - off,
			    "%s%s", i ? ", " : "", allowed[i]);
		return ydoc_err(L->d, it, "%s: name what it is about: one of "
		    "%s", what, list);
	}
	return 0;
}

static int
by_time(const void *a, const void *b)
{
	const struct sc_action *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	/* stable: the order written (qsort itself is not) */
	if (x->loc.line != y->loc.line)
		return x->loc.line < y->loc.line ? -1 : 1;
	return (x->loc.col > y->loc.col) - (x->loc.col < y->loc.col);
}

/* What timeline actions (and expectations' after:) name, and do. */
static const char *const action_targets[] = { "link", "backbone",
	"internet", "pop", "socket", NULL };
static const char *const action_words[] = { "down", "up", "set",
	"links-down", "links-up", NULL };

/* The target and the required 'action' of a timeline action or of an
 * expectation's after: (what names it in messages). */
static int
parse_action(struct ld *L, const yaml_node_t *it, const char *what,
    struct sc_target *t, yaml_node_t **where, yaml_node_t **anode,
    enum sc_action_kind *kind)
{
	int w;

	if (parse_target(L, it, what, action_targets, t, where) < 0)
		return -1;
	if ((*anode = ydoc_get(L->d, it, "action")) == NULL)
		return ydoc_err(L->d, it, "%s: 'action' is required (down, up "
		    "or set)", what);
	if (get_word(L, *anode, "action", action_words, &w) < 0)
		return -1;
	*kind = (enum sc_action_kind)w;
	return 0;
}

static int
parse_timeline(struct ld *L, const yaml_node_t *n)
{
	static const char *const keys[] = { "at", "link", "backbone",
		"internet", "pop", "socket", "action", "delay", "jitter", "loss",
		"bandwidth", NULL };
	struct scenario *sc = L->sc;

	if (ydoc_want_seq(L->d, n, "timeline") < 0)
		return -1;
	sc->timeline = xcalloc(L, n, ydoc_len(n), sizeof(*sc->timeline));
	if (sc->timeline == NULL)
		return -1;
	for (size_t i = 0; i < ydoc_len(n); i++) {
		yaml_node_t *it = ydoc_item(L->d, n, i), *v, *where = NULL;
		struct sc_action *a = &sc->timeline[i];
		struct sc_linkp p;
		char what[96];

		a->loc.line = (unsigned)it->start_mark.line + 1;
		a->loc.col = (unsigned)it->start_mark.column + 1;
		if (ydoc_want_map(L->d, it, "a timeline action") < 0 ||
		    ydoc_check_keys(L->d, it, "timeline action", keys) < 0)
			return -1;
		sc->ntimeline++;
		if ((v = ydoc_get(L->d, it, "at")) == NULL)
			return ydoc_err(L->d, it, "timeline action: 'at' is "
			    "required");
		if (get_time(L, v, "at", &a->at) < 0)
			return -1;
		if (a->at > sc->duration) {
			char t1[32], t2[32];
			return ydoc_err(L->d, v, "timeline action at %s is after "
			    "the end of the run (%s)",
			    units_fmt_time(a->at, t1, sizeof(t1)),
			    units_fmt_time(sc->duration, t2, sizeof(t2)));
		}
		if (parse_action(L, it, "timeline action", &a->target, &where,
		    &v, &a->kind) < 0)
			return -1;
		if (a->target.kind == SC_T_POP && a->kind == SC_ACT_SET)
			return ydoc_err(L->d, v, "a PoP can go down or up; "
			    "'set' is for links");
		if (a->target.kind == SC_T_SOCKET && a->kind == SC_ACT_SET)
			return ydoc_err(L->d, v, "a Socket can go down (power "
			    "off) or up, or lose its links (links-down, "
			    "links-up); 'set' is for links");
		if (a->target.kind != SC_T_SOCKET &&
		    (a->kind == SC_ACT_LINKS_DOWN ||
		    a->kind == SC_ACT_LINKS_UP))
			return ydoc_err(L->d, v, "%s is for a socket (an HA "
			    "unit's own WAN ports)", action_words[a->kind]);
		memset(&p, 0, sizeof(p));
		p.profile = -1;
		if (a->kind != SC_ACT_SET) {
			static const char *const setk[] = { "delay", "jitter",
				"loss", "bandwidth", NULL };
			for (size_t k = 0; setk[k] != NULL; k++)
				if ((v = ydoc_key(L->d, it, setk[k])) != NULL)
					return ydoc_err(L->d, v, "'%s' goes with "
					    "action: set", setk[k]);
			continue;
		}
		{
			char t[32];
			snprintf(what, sizeof(what), "timeline action at %s",
			    units_fmt_time(a->at, t, sizeof(t)));
		}
		if (parse_linkp(L, it, what, &p) < 0) {
			linkp_clear(&p);
			return -1;
		}
		a->set_delay = p.has_delay;
		a->delay = p.delay;
		a->set_jitter = ydoc_get(L->d, it, "jitter") != NULL;
		a->jitter = p.jitter;
		a->set_loss = ydoc_get(L->d, it, "loss") != NULL;
		a->loss = p.loss;
		a->set_bandwidth = ydoc_get(L->d, it, "bandwidth") != NULL;
		a->bandwidth_bps = p.bandwidth_bps;
		if (!a->set_delay && !a->set_jitter && !a->set_loss &&
		    !a->set_bandwidth)
			return ydoc_err(L->d, it, "action set: give at least one "
			    "of delay, jitter, loss, bandwidth");
	}
	qsort(sc->timeline, sc->ntimeline, sizeof(*sc->timeline), by_time);
	return 0;
}

static const char *const metric_names[SC_M__COUNT + 1] = {
	"latency-mean", "latency-p50", "latency-p95", "latency-p99", "jitter",
	"loss", "throughput", "delivered", "utilisation", "queue-max",
	"delay-mean", "failover-time", "convergence-time", "queue-delay",
	"blocked", "takeover-time", "outage-time", "mos", "r-factor",
	"page-load-p50", "page-load-p95", "completion-time", "goodput",
	"retransmits", "rtos", NULL,
};

static const char *const op_names[] = { "below", "at-most", "above",
	"at-least", NULL };

const char *
sc_metric_name(enum sc_metric m)
{
	return m < SC_M__COUNT ? metric_names[m] : "?";
}

const char *
sc_op_name(enum sc_op op)
{
	return op <= SC_OP_AT_LEAST ? op_names[op] : "?";
}

static int
metric_fits(enum sc_metric m, enum sc_target_kind k)
{
	int linkish = k == SC_T_SITE_LINK || k == SC_T_BACKBONE ||
	    k == SC_T_INTERNET;

	switch (m) {
	case SC_M_LATENCY_MEAN:
	case SC_M_LATENCY_P50:
	case SC_M_LATENCY_P95:
	case SC_M_LATENCY_P99:
	case SC_M_JITTER:
		return k == SC_T_FLOW || (k == SC_T_USERS &&
		    m != SC_M_JITTER);
	case SC_M_FAILOVER_TIME:
		return k == SC_T_FLOW;
	case SC_M_UTILISATION:
		return linkish || k == SC_T_POP;
	case SC_M_QUEUE_MAX:
	case SC_M_DELAY_MEAN:
		return linkish;
	case SC_M_CONVERGENCE_TIME:
		return k == SC_T_BACKBONE || k == SC_T_POP;
	case SC_M_QUEUE_DELAY:
		return k == SC_T_POP;
	case SC_M_TAKEOVER_TIME:
		return k == SC_T_SITE;
	case SC_M_OUTAGE_TIME:
		return k == SC_T_USERS;
	case SC_M_MOS:
	case SC_M_R_FACTOR:
	case SC_M_PAGE_LOAD_P50:
	case SC_M_PAGE_LOAD_P95:
	case SC_M_COMPLETION_TIME:
	case SC_M_GOODPUT:
	case SC_M_RETRANSMITS:
	case SC_M_RTOS:
	case SC_M_BLOCKED:
		return k == SC_T_FLOW;
	default:
		return 1;
	}
}

/* "a link", "a PoP": a subject kind in messages. */
static const char *
kind_phrase(enum sc_target_kind k)
{
	switch (k) {
	case SC_T_FLOW:
		return "a flow";
	case SC_T_SITE:
		return "a site";
	case SC_T_BACKBONE:
		return "a backbone pair";
	case SC_T_INTERNET:
		return "an Internet path";
	case SC_T_POP:
		return "a PoP";
	case SC_T_USERS:
		return "remote users";
	default:
		return "a link";
	}
}

/* "metric M does not apply to a KIND (it has: ...)" */
static int
metric_misfit(struct ld *L, const yaml_node_t *n, enum sc_metric m,
    enum sc_target_kind k, const char *whose)
{
	char list[512];
	size_t off = 0;

	list[0] = '\0';
	for (int i = 0; i < SC_M__COUNT && off < sizeof(list); i++)
		if (metric_fits((enum sc_metric)i, k))
			off += (size_t)snprintf(list + off, sizeof(list) - off,
			    "%s%s", off ? ", " : "", metric_names[i]);
	return ydoc_err(L->d, n, "metric %s does not apply to %s%s (its "
	    "metrics: %s)", metric_names[m], whose, kind_phrase(k), list);
}

/* A PoP's utilisation, wait and loss are its inspection's: without
 * inspection there is nothing to measure, and the expectation could only
 * pass or fail by accident. */
static int
pop_metric_check(struct ld *L, const yaml_node_t *n, enum sc_metric m,
    const struct sc_target *t)
{
	const struct sc_pop *p;

	if (t->kind != SC_T_POP)
		return 0;
	p = &L->sc->pops[t->i];
	if (!p->insp.enabled && (m == SC_M_UTILISATION ||
	    m == SC_M_QUEUE_DELAY || m == SC_M_LOSS))
		return ydoc_err(L->d, n, "metric %s of PoP '%s' is its "
		    "inspection's, and the PoP has no 'inspection'",
		    metric_names[m], p->name);
	return 0;
}

/* A takeover needs two Sockets to take over from. */
static int
ha_metric_check(struct ld *L, const yaml_node_t *n, enum sc_metric m,
    const struct sc_target *t)
{
	if (m == SC_M_TAKEOVER_TIME && t->kind == SC_T_SITE &&
	    !L->sc->sites[t->i].ha)
		return ydoc_err(L->d, n, "metric takeover-time of site '%s' is "
		    "its HA pair's, and the site has no 'ha'",
		    L->sc->sites[t->i].name);
	return 0;
}

/* The application kinds a flow metric needs (KIND() bits), or 0: any. */
static unsigned
metric_app_kinds(enum sc_metric m)
{
	switch (m) {
	case SC_M_MOS:
	case SC_M_R_FACTOR:
		return KIND(SC_APP_VOIP);
	case SC_M_PAGE_LOAD_P50:
	case SC_M_PAGE_LOAD_P95:
		return KIND(SC_APP_WEB);
	case SC_M_COMPLETION_TIME:
		return KIND(SC_APP_BULK);
	case SC_M_GOODPUT:
	case SC_M_RETRANSMITS:
	case SC_M_RTOS:
		return TCP_KINDS;
	default:
		return 0;
	}
}

/* A call's quality, a page's load time, TCP's retransmissions: each is
 * measured by one kind of application only, and another kind has none
 * to measure (as a PoP without inspection has no inspection metrics). */
static int
flow_metric_check(struct ld *L, const yaml_node_t *n, enum sc_metric m,
    const struct sc_target *t)
{
	unsigned kinds = metric_app_kinds(m);
	const struct sc_app *a;
	char phrase[128];

	if (t->kind != SC_T_FLOW || kinds == 0)
		return 0;
	a = &L->sc->apps[t->i];
	if (!(kinds & KIND(a->kind)))
		return ydoc_err(L->d, n, "metric %s applies to applications of "
		    "%s, and application '%s' is %s", metric_names[m],
		    kinds_phrase(kinds, phrase, sizeof(phrase)), a->name,
		    app_kinds[a->kind]);
	return 0;
}

const char *
sc_metric_unit(enum sc_metric m)
{
	switch (m) {
	case SC_M_LATENCY_MEAN:
	case SC_M_LATENCY_P50:
	case SC_M_LATENCY_P95:
	case SC_M_LATENCY_P99:
	case SC_M_JITTER:
	case SC_M_DELAY_MEAN:
	case SC_M_FAILOVER_TIME:
	case SC_M_CONVERGENCE_TIME:
	case SC_M_QUEUE_DELAY:
	case SC_M_TAKEOVER_TIME:
	case SC_M_OUTAGE_TIME:
	case SC_M_PAGE_LOAD_P50:
	case SC_M_PAGE_LOAD_P95:
	case SC_M_COMPLETION_TIME:
		return "ns";
	case SC_M_LOSS:
	case SC_M_UTILISATION:
	case SC_M_BLOCKED:
		return "fraction";
	case SC_M_THROUGHPUT:
	case SC_M_GOODPUT:
		return "bps";
	case SC_M_MOS:
	case SC_M_R_FACTOR:
		return "score";
	case SC_M_QUEUE_MAX:
		return "bytes";
	case SC_M_DELIVERED:
	case SC_M_RETRANSMITS:
	case SC_M_RTOS:
	default:
		return "packets";
	}
}

/* A bound in the metric's own unit. */
static int
parse_bound(struct ld *L, const yaml_node_t *v, const char *what,
    enum sc_metric m, double *out)
{
	const char *unit = sc_metric_unit(m);
	sb_time t;
	uint64_t u;

	if (strcmp(unit, "ns") == 0) {
		if (get_time(L, v, what, &t) < 0)
			return -1;
		*out = (double)t;
		return 0;
	}
	if (strcmp(unit, "fraction") == 0)
		return get_fraction(L, v, what, out);
	if (strcmp(unit, "bps") == 0 || strcmp(unit, "bytes") == 0) {
		if (get_u64(L, v, what, strcmp(unit, "bps") == 0 ? units_rate :
		    units_size, &u) < 0)
			return -1;
		*out = (double)u;
		return 0;
	}
	/* a score: MOS from 1 to 5, the R factor from 0 to 100 (G.107) */
	if (strcmp(unit, "score") == 0)
		return get_number(L, v, what, m == SC_M_MOS ? 1 : 0,
		    m == SC_M_MOS ? 5 : 100, out);
	/* delivered, retransmits, rtos: a count of packets */
	if (get_number(L, v, what, 0, 1e18, out) < 0)
		return -1;
	if (*out != floor(*out))
		return ydoc_err(L->d, v, "%s: %s is not a whole number of "
		    "packets", what, ydoc_str(v));
	return 0;
}

void
sc_target_name(const struct scenario *sc, const struct sc_target *t,
    char *buf, size_t len)
{
	switch (t->kind) {
	case SC_T_FLOW:
		snprintf(buf, len, "flow %s", sc->apps[t->i].name);
		break;
	case SC_T_SITE:
		snprintf(buf, len, "site %s", sc->sites[t->i].name);
		break;
	case SC_T_SITE_LINK:
		snprintf(buf, len, "link %s/%s", sc->sites[t->i].name,
		    sc->sites[t->i].links[t->j].name);
		break;
	case SC_T_BACKBONE:
		snprintf(buf, len, "backbone %s-%s", sc->pops[t->i].name,
		    sc->pops[t->j].name);
		break;
	case SC_T_INTERNET:
		snprintf(buf, len, "internet %s-%s", sc->inet[t->i].a->name,
		    sc->inet[t->i].b->name);
		break;
	case SC_T_POP:
		snprintf(buf, len, "pop %s", sc->pops[t->i].name);
		break;
	case SC_T_SOCKET:
		snprintf(buf, len, "socket %s/%s", sc->sites[t->i].name,
		    t->j == 0 ? "primary" : "secondary");
		break;
	case SC_T_USERS:
		snprintf(buf, len, "users %s", t->j == 1 ?
		    sc->sites[t->i].name : sc->sites[t->i].entry);
		break;
	default:
		snprintf(buf, len, "?");
	}
}

/* "19:30" or "19:30:15" into seconds of the day; -1 if it is neither. */
static int
clock_of_day(const char *s, const char **end)
{
	int h, m, sec = 0, n = 0;

	if (sscanf(s, "%2d:%2d%n", &h, &m, &n) != 2 || n != 5)
		return -1;
	if (s[n] == ':') {
		int k = 0;
		if (sscanf(s + n + 1, "%2d%n", &sec, &k) != 1 || k != 2)
			return -1;
		n += 3;
	}
	if (h > 23 || m > 59 || sec > 59 || h < 0 || m < 0 || sec < 0)
		return -1;
	*end = s + n;
	return h * 3600 + m * 60 + sec;
}

/*
 * during: "19:00-22:00" on the scenario's clock (the zone its start was
 * written in), the first such span from the start; one that passes
 * midnight ends the next day.
 */
static int
parse_during(struct ld *L, const yaml_node_t *v, struct sc_expect *e)
{
	const struct scenario *sc = L->sc;
	const char *s, *p;
	int64_t day = 86400, tod;
	int a, b;

	if (ydoc_want_str(L->d, v, "during", &s) < 0)
		return -1;
	if ((a = clock_of_day(s, &p)) < 0 || *p != '-' ||
	    (b = clock_of_day(p + 1, &p)) < 0 || *p != '\0' || a == b)
		return ydoc_err(L->d, v, "during: '%s' is not a span of the "
		    "scenario's clock like 19:00-22:00", s);
	tod = ((sc->start_utc_s + sc->start_offset_min * 60) % day + day) %
	    day;
	e->from = (((a - tod) % day + day) % day) * SB_S;
	e->to = e->from + (((b - a) % day + day) % day) * SB_S;
	if (e->to > sc->duration) {
		char t[32];
		return ydoc_err(L->d, v, "during %s: the run is over by then "
		    "(it lasts %s from %02d:%02d)", s,
		    units_fmt_time(sc->duration, t, sizeof(t)),
		    (int)(tod / 3600), (int)(tod / 60 % 60));
	}
	return 0;
}

/*
 * after: {link: SITE/LINK, action: down} (or pop, backbone, internet):
 * from the first timeline action on that target of that kind, to the end
 * or for a time.  The timeline is the script, so the time is known here.
 */
static int
parse_after(struct ld *L, const yaml_node_t *v, struct sc_expect *e,
    char *text, size_t len)
{
	static const char *const keys[] = { "link", "backbone", "internet",
		"pop", "socket", "action", "for", NULL };
	const struct scenario *sc = L->sc;
	struct sc_target t;
	yaml_node_t *x, *where = NULL;
	enum sc_action_kind w;
	char name[160], t1[32];

	if (ydoc_want_map(L->d, v, "after") < 0 ||
	    ydoc_check_keys(L->d, v, "after", keys) < 0 ||
	    parse_action(L, v, "after", &t, &where, &x, &w) < 0)
		return -1;
	sc_target_name(sc, &t, name, sizeof(name));
	e->from = -1;
	for (size_t i = 0; i < sc->ntimeline && e->from < 0; i++) {
		const struct sc_action *a = &sc->timeline[i];
		if (a->kind == w &&
		    a->target.kind == t.kind && a->target.i == t.i &&
		    a->target.j == t.j)
			e->from = a->at;
	}
	if (e->from < 0)
		return ydoc_err(L->d, v, "after: the timeline has no '%s' of "
		    "%s", action_words[w], name);
	e->to = sc->duration;
	snprintf(text, len, " after %s %s", name, action_words[w]);
	if ((x = ydoc_get(L->d, v, "for")) != NULL) {
		sb_time d;
		size_t n = strlen(text);
		if (get_time(L, x, "after: for", &d) < 0)
			return -1;
		if (d <= 0 || e->from + d > sc->duration)
			return ydoc_err(L->d, x, "after: for %s runs past the end "
			    "of the run", units_fmt_time(d, t1, sizeof(t1)));
		e->to = e->from + d;
		snprintf(text + n, len - n, " for %s",
		    units_fmt_time(d, t1, sizeof(t1)));
	}
	if (e->from >= e->to)
		return ydoc_err(L->d, v, "after: the action is at the end of "
		    "the run; nothing to measure");
	return 0;
}

/*
 * firewall: blocked or allowed, the verdict on a flow: the `blocked`
 * metric (the fraction of its packets that met a PoP's firewall and were
 * blocked) at least 1, or at most 0.  Over the whole run, and alone: no
 * metric, bound or window with it.
 */
static int
parse_fw_expect(struct ld *L, const yaml_node_t *it, const yaml_node_t *v,
    struct sc_expect *e)
{
	static const char *const words[] = { "blocked", "allowed", NULL };
	static const char *const others[] = { "metric", "below", "at-most",
		"above", "at-least", "window", "during", "after", NULL };
	char subj[160], text[256];
	int w;

	if (e->subject.kind != SC_T_FLOW)
		return ydoc_err(L->d, v, "expectation: 'firewall' is about a "
		    "flow (flow: NAME)");
	for (size_t i = 0; others[i] != NULL; i++)
		if (ydoc_get(L->d, it, others[i]) != NULL)
			return ydoc_err(L->d, ydoc_key(L->d, it, others[i]),
			    "expectation: 'firewall' stands alone (over the "
			    "whole run); '%s' goes with 'metric'", others[i]);
	if (get_word(L, v, "firewall", words, &w) < 0)
		return -1;
	e->metric = SC_M_BLOCKED;
	e->op = w == 0 ? SC_OP_AT_LEAST : SC_OP_AT_MOST;
	e->bound = w == 0 ? 1 : 0;
	sc_target_name(L->sc, &e->subject, subj, sizeof(subj));
	snprintf(text, sizeof(text), "%s %s by the firewall", subj, words[w]);
	return (e->text = xstrdup(L, it, text)) != NULL ? 0 : -1;
}

static int
parse_expects(struct ld *L, const yaml_node_t *n)
{
	static const char *const keys[] = { "flow", "link", "site", "backbone",
		"internet", "pop", "users", "metric", "below", "at-most",
		"above", "at-least", "window", "during", "after", "firewall",
		NULL };
	static const char *const subjects[] = { "flow", "link", "site",
		"backbone", "internet", "pop", "users", NULL };
	static const char *const wkeys[] = { "from", "to", NULL };
	struct scenario *sc = L->sc;

	if (ydoc_want_seq(L->d, n, "expect") < 0)
		return -1;
	sc->expects = xcalloc(L, n, ydoc_len(n), sizeof(*sc->expects));
	if (sc->expects == NULL)
		return -1;
	for (size_t i = 0; i < ydoc_len(n); i++) {
		yaml_node_t *it = ydoc_item(L->d, n, i), *v, *where = NULL;
		yaml_node_t *bnode = NULL;
		struct sc_expect *e = &sc->expects[i];
		char subj[160], ref[160], bound[64], win[256], t1[32], t2[32];
		int w, nops = 0;

		e->loc.line = (unsigned)it->start_mark.line + 1;
		e->loc.col = (unsigned)it->start_mark.column + 1;
		e->to = SB_TIME_NEVER;
		if (ydoc_want_map(L->d, it, "an expectation") < 0 ||
		    ydoc_check_keys(L->d, it, "expectation", keys) < 0)
			return -1;
		sc->nexpects++;
		if (parse_target(L, it, "expectation", subjects, &e->subject,
		    &where) < 0)
			return -1;
		if ((v = ydoc_get(L->d, it, "firewall")) != NULL) {
			if (parse_fw_expect(L, it, v, e) < 0)
				return -1;
			continue;
		}
		if ((v = ydoc_get(L->d, it, "metric")) == NULL)
			return ydoc_err(L->d, it, "expectation: 'metric' is "
			    "required");
		if (get_word(L, v, "metric", metric_names, &w) < 0)
			return -1;
		e->metric = (enum sc_metric)w;
		if (!metric_fits(e->metric, e->subject.kind))
			return metric_misfit(L, v, e->metric, e->subject.kind,
			    "");
		if (pop_metric_check(L, v, e->metric, &e->subject) < 0 ||
		    flow_metric_check(L, v, e->metric, &e->subject) < 0 ||
		    ha_metric_check(L, v, e->metric, &e->subject) < 0)
			return -1;
		for (int o = 0; op_names[o] != NULL; o++)
			if ((v = ydoc_get(L->d, it, op_names[o])) != NULL) {
				nops++;
				e->op = (enum sc_op)o;
				bnode = v;
			}
		if (nops != 1)
			return ydoc_err(L->d, it, "expectation: give exactly one "
			    "of below, at-most, above, at-least");
		if (bnode->type == YAML_MAPPING_NODE) {
			e->bound_is_ref = 1;
			if (ydoc_check_keys(L->d, bnode, "reference", subjects) < 0 ||
			    parse_target(L, bnode, "reference", subjects,
			    &e->ref, &where) < 0)
				return -1;
			if (!metric_fits(e->metric, e->ref.kind))
				return metric_misfit(L, bnode, e->metric,
				    e->ref.kind, "the reference, ");
			if (pop_metric_check(L, bnode, e->metric, &e->ref) < 0 ||
			    flow_metric_check(L, bnode, e->metric, &e->ref) < 0 ||
			    ha_metric_check(L, bnode, e->metric, &e->ref) < 0)
				return -1;
		} else if (parse_bound(L, bnode, op_names[e->op], e->metric,
		    &e->bound) < 0) {
			return -1;
		}
		win[0] = '\0';
		{
			int nw = (ydoc_get(L->d, it, "window") != NULL) +
			    (ydoc_get(L->d, it, "during") != NULL) +
			    (ydoc_get(L->d, it, "after") != NULL);
			if (nw > 1)
				return ydoc_err(L->d, it, "expectation: give at "
				    "most one of window, during, after");
		}
		if ((v = ydoc_get(L->d, it, "during")) != NULL) {
			if (parse_during(L, v, e) < 0)
				return -1;
			snprintf(win, sizeof(win), " during %s", ydoc_str(v));
		}
		if ((v = ydoc_get(L->d, it, "after")) != NULL &&
		    parse_after(L, v, e, win, sizeof(win)) < 0)
			return -1;
		if ((v = ydoc_get(L->d, it, "window")) != NULL) {
			yaml_node_t *x;
			if (ydoc_want_map(L->d, v, "window") < 0 ||
			    ydoc_check_keys(L->d, v, "window", wkeys) < 0)
				return -1;
			if ((x = ydoc_get(L->d, v, "from")) != NULL &&
			    get_time(L, x, "window from", &e->from) < 0)
				return -1;
			e->to = sc->duration;
			if ((x = ydoc_get(L->d, v, "to")) != NULL &&
			    get_time(L, x, "window to", &e->to) < 0)
				return -1;
			if (e->from >= e->to)
				return ydoc_err(L->d, v, "window: from must be "
				    "before to");
			if (e->to > sc->duration)
				return ydoc_err(L->d, v, "window ends after the "
				    "end of the run");
		}
		/* the firewall's verdict is counted over the whole run */
		if (e->metric == SC_M_BLOCKED && (e->from != 0 ||
		    e->to != SB_TIME_NEVER))
			return ydoc_err(L->d, it, "expectation: metric blocked "
			    "is over the whole run; it takes no window, during "
			    "or after");
		sc_target_name(sc, &e->subject, subj, sizeof(subj));
		if (e->bound_is_ref)
			sc_target_name(sc, &e->ref, ref, sizeof(ref));
		else
			snprintf(ref, sizeof(ref), "%s", ydoc_str(bnode));
		if (win[0] == '\0' && (e->from != 0 || e->to != SB_TIME_NEVER))
			snprintf(win, sizeof(win), " during %s-%s",
			    units_fmt_time(e->from, t1, sizeof(t1)),
			    units_fmt_time(e->to, t2, sizeof(t2)));
		snprintf(bound, sizeof(bound), "%s", op_names[e->op]);
		{
			char text[512];
			snprintf(text, sizeof(text), "%s %s %s %s%s", subj,
			    metric_names[e->metric], bound, ref, win);
			if ((e->text = xstrdup(L, it, text)) == NULL)
				return -1;
		}
	}
	return 0;
}

/* ---- the top ---- */

static int
parse_top(struct ld *L)
{
	static const char *const keys[] = { "name", "description", "seed",
		"duration", "start", "sample-interval", "geography", "profiles",
		"pops", "backbone", "sites", "users", "destinations", "tunnels",
		"socket", "internet", "applications", "rules", "firewall",
		"timeline", "expect", NULL };
	static const char *const gkeys[] = { "route-inflation", "fibre-speed",
		NULL };
	struct scenario *sc = L->sc;
	yaml_node_t *root = ydoc_root(L->d), *v;
	const char *s;
	char err[256];

	if (ydoc_want_map(L->d, root, "a scenario") < 0 ||
	    ydoc_check_keys(L->d, root, "scenario", keys) < 0)
		return -1;
	if ((v = ydoc_get(L->d, root, "name")) == NULL)
		return ydoc_err(L->d, root, "scenario: 'name' is required");
	if (get_name(L, v, "scenario name", &sc->name) < 0)
		return -1;
	for (const char *p = sc->name; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			return ydoc_err(L->d, v, "scenario name '%s': use lower "
			    "case (it names the results file)", sc->name);
	if ((v = ydoc_get(L->d, root, "description")) != NULL) {
		if (ydoc_want_str(L->d, v, "description", &s) < 0 ||
		    (sc->description = xstrdup(L, v, s)) == NULL)
			return -1;
	}
	sc->seed = 1;
	if ((v = ydoc_get(L->d, root, "seed")) != NULL) {
		unsigned long long seed;
		if (ydoc_want_uint(L->d, v, "seed", UINT64_MAX, &seed) < 0)
			return -1;
		sc->seed = seed;
	}
	if ((v = ydoc_get(L->d, root, "duration")) == NULL)
		return ydoc_err(L->d, root, "scenario: 'duration' is required");
	if (get_time(L, v, "duration", &sc->duration) < 0)
		return -1;
	if (sc->duration <= 0)
		return ydoc_err(L->d, v, "duration must be above zero");
	sc->start_utc_s = 1767225600; /* 2026-01-01T00:00:00Z */
	if ((v = ydoc_get(L->d, root, "start")) != NULL) {
		if (ydoc_want_str(L->d, v, "start", &s) < 0)
			return -1;
		if (units_clock(s, &sc->start_utc_s, &sc->start_offset_min, err,
		    sizeof(err)) < 0)
			return ydoc_err(L->d, v, "start: %s", err);
	}
	/* a run shorter than the default interval is sampled once, at its end */
	sc->sample_interval = sc->duration < SB_S ? sc->duration : SB_S;
	if ((v = ydoc_get(L->d, root, "sample-interval")) != NULL) {
		if (get_time(L, v, "sample-interval", &sc->sample_interval) < 0)
			return -1;
		if (sc->sample_interval <= 0)
			return ydoc_err(L->d, v, "sample-interval must be above "
			    "zero");
		if (sc->sample_interval > sc->duration)
			return ydoc_err(L->d, v, "sample-interval is longer "
			    "than the run");
	}
	sc->route_inflation = GEO_DEFAULT_INFLATION;
	sc->fibre_km_s = GEO_DEFAULT_FIBRE_KM_S;
	if ((v = ydoc_get(L->d, root, "geography")) != NULL) {
		yaml_node_t *x;
		if (ydoc_want_map(L->d, v, "geography") < 0 ||
		    ydoc_check_keys(L->d, v, "geography", gkeys) < 0)
			return -1;
		if ((x = ydoc_get(L->d, v, "route-inflation")) != NULL &&
		    get_number(L, x, "route-inflation", 1, 10,
		    &sc->route_inflation) < 0)
			return -1;
		if ((x = ydoc_get(L->d, v, "fibre-speed")) != NULL &&
		    get_number(L, x, "fibre-speed (km/s)", 1000, 299792.458,
		    &sc->fibre_km_s) < 0)
			return -1;
	}
	/* defaults every link kind starts from */
	sc->backbone_default.bandwidth_bps = 10000000000ull;
	sc->backbone_default.profile = -1;
	sc->internet_default.bandwidth_bps = 10000000000ull;
	sc->internet_default.profile = -1;
	sc->routing.probe = DEFAULT_ROUTING_PROBE;
	sc->routing.misses = DEFAULT_ROUTING_MISSES;
	sc->routing.loss_window = DEFAULT_ROUTING_LOSS_WINDOW;
	sc->routing.loss_weight = DEFAULT_ROUTING_LOSS_WEIGHT;
	if ((v = ydoc_get(L->d, root, "profiles")) != NULL &&
	    parse_profiles(L, v) < 0)
		return -1;
	if (add_builtin_profiles(L, root) < 0)
		return -1;
	if ((v = ydoc_get(L->d, root, "pops")) == NULL)
		return ydoc_err(L->d, root, "scenario: 'pops' is required");
	if (parse_pops(L, v) < 0)
		return -1;
	if ((v = ydoc_get(L->d, root, "backbone")) != NULL) {
		if (parse_backbone(L, v) < 0)
			return -1;
	} else {
		linkp_default_queue(&sc->backbone_default);
	}
	if ((v = ydoc_get(L->d, root, "tunnels")) != NULL &&
	    parse_tunnels(L, v) < 0)
		return -1;
	if ((v = ydoc_get(L->d, root, "socket")) != NULL &&
	    parse_socket(L, v) < 0)
		return -1;
	if ((v = ydoc_get(L->d, root, "sites")) == NULL)
		return ydoc_err(L->d, root, "scenario: 'sites' is required");
	if (parse_sites(L, v) < 0)
		return -1;
	if ((v = ydoc_get(L->d, root, "users")) != NULL &&
	    parse_users(L, v) < 0)
		return -1;
	if ((v = ydoc_get(L->d, root, "destinations")) != NULL &&
	    parse_dests(L, v) < 0)
		return -1;
	if ((v = ydoc_get(L->d, root, "internet")) != NULL) {
		if (parse_internet(L, v) < 0)
			return -1;
	} else {
		linkp_default_queue(&sc->internet_default);
		if (cross_border_defaults(L, root) < 0)
			return -1;
	}
	if ((v = ydoc_get(L->d, root, "applications")) != NULL &&
	    parse_apps(L, v) < 0)
		return -1;
	if ((v = ydoc_get(L->d, root, "rules")) != NULL &&
	    parse_rules(L, v) < 0)
		return -1;
	if ((v = ydoc_get(L->d, root, "firewall")) != NULL &&
	    parse_firewall(L, v) < 0)
		return -1;
	if ((v = ydoc_get(L->d, root, "timeline")) != NULL &&
	    parse_timeline(L, v) < 0)
		return -1;
	if ((v = ydoc_get(L->d, root, "expect")) != NULL &&
	    parse_expects(L, v) < 0)
		return -1;
	return 0;
}

int
scenario_load_text(const char *path, const char *text, size_t len,
    struct scenario **out, char *err, size_t errlen)
{
	struct ld L;
	const char *slash;

	*out = NULL;
	memset(&L, 0, sizeof(L));
	L.sc = calloc(1, sizeof(*L.sc));
	if (L.sc == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	L.sc->path = strdup(path);
	slash = strrchr(path, '/');
	L.dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
	if (L.sc->path == NULL || L.dir == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, "%s:1:1: the file holds a NUL byte: not "
		    "a YAML text file", path);
		goto fail;
	}
	L.d = ydoc_load(path, text, len, err, errlen);
	if (L.d == NULL)
		goto fail;
	if (parse_top(&L) < 0)
		goto fail;
	ydoc_free(L.d);
	free(L.dir);
	free(L.groups);
	*out = L.sc;
	return 0;
fail:
	ydoc_free(L.d);
	free(L.dir);
	free(L.groups);
	scenario_free(L.sc);
	return -1;
}

int
scenario_load(const char *path, struct scenario **out, char *err,
    size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	size_t len = 0, cap = 0, n;
	int rc;

	*out = NULL;
	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
		    strerror(errno));
		return -1;
	}
	do {
		if (len + 4096 > cap) {
			char *t;
			cap = cap ? 2 * cap : 65536;
			if (cap > MAX_FILE || (t = realloc(text, cap)) == NULL) {
				snprintf(err, errlen, "%s: too large for a "
				    "scenario", path);
				free(text);
				fclose(f);
				return -1;
			}
			text = t;
		}
		n = fread(text + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
		    strerror(errno));
		free(text);
		fclose(f);
		return -1;
	}
	fclose(f);
	rc = scenario_load_text(path, text ? text : "", len, out, err, errlen);
	free(text);
	return rc;
}

void
scenario_free(struct scenario *sc)
{
	if (sc == NULL)
		return;
	for (size_t i = 0; i < sc->nprofiles; i++) {
		free(sc->profiles[i].name);
		free(sc->profiles[i].points);
	}
	free(sc->profiles);
	for (size_t i = 0; i < sc->npops; i++)
		free(sc->pops[i].name);
	free(sc->pops);
	linkp_clear(&sc->backbone_default);
	for (size_t i = 0; i < sc->nbb_pairs; i++) {
		linkp_clear(&sc->bb_pairs[i].p);
		free(sc->bb_pairs[i].carrier);
	}
	free(sc->bb_pairs);
	for (size_t i = 0; i < sc->nsites; i++) {
		struct sc_site *s = &sc->sites[i];
		for (size_t j = 0; j < s->nlinks; j++) {
			free(s->links[j].name);
			free(s->links[j].public_ip);
			linkp_clear(&s->links[j].p);
		}
		free(s->links);
		free(s->group);
		free(s->name);
		if (s->ipsec != NULL)
			free(s->ipsec->prefixes);
		free(s->ipsec);
		if (s->cloud != NULL)
			free(s->cloud->prefixes);
		free(s->cloud);
		free(s->entry);
	}
	free(sc->sites);
	for (size_t i = 0; i < sc->ndests; i++)
		free(sc->dests[i].name);
	free(sc->dests);
	linkp_clear(&sc->internet_default);
	linkp_clear(&sc->internet_cross_border);
	for (size_t i = 0; i < sc->ninet; i++)
		linkp_clear(&sc->inet[i].p);
	free(sc->inet);
	for (size_t i = 0; i < sc->napps; i++) {
		free(sc->apps[i].name);
		free(sc->apps[i].app_id);
		free(sc->apps[i].category);
		free(sc->apps[i].domain);
		free(sc->apps[i].trace);
		free(sc->apps[i].filter);
	}
	free(sc->apps);
	for (size_t i = 0; i < sc->nrules; i++) {
		free(sc->rules[i].name);
		free(sc->rules[i].app_id);
		free(sc->rules[i].category);
		free(sc->rules[i].domain);
	}
	free(sc->rules);
	for (int b = 0; b < SC_FW__BASES; b++) {
		for (size_t i = 0; i < sc->firewall[b].nrules; i++)
			fw_rule_clear(&sc->firewall[b].rules[i]);
		free(sc->firewall[b].rules);
	}
	free(sc->socket.classes);
	for (size_t i = 0; i < sc->ntimeline; i++) {
		jitter_spec_clear(&sc->timeline[i].jitter);
		loss_spec_clear(&sc->timeline[i].loss);
	}
	free(sc->timeline);
	for (size_t i = 0; i < sc->nexpects; i++)
		free(sc->expects[i].text);
	free(sc->expects);
	free(sc->description);
	free(sc->name);
	free(sc->path);
	free(sc);
}
