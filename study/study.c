/*
 * The study loader and its plan.  The base scenario is never parsed into
 * a struct and changed there: a parameter's value goes into the
 * scenario's *text*, in place of the scalar its path leads to, so that
 * the run loads a plain scenario file with the normal loader (and its
 * errors), and a user can read or rerun any point's file by hand.  The
 * spliced values are written on the scalar's own line, so every other
 * line keeps its number.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/rng.h"
#include "sim/scenario.h"
#include "sim/units.h"
#include "sim/yamldoc.h"
#include "study/study.h"

#define MAX_FILE (64 * 1024 * 1024)
#define MAX_VALUES 10000
#define MAX_RUNS 1000000

struct sl {
	struct ydoc *d;
	struct study *st;
	char *dir;              /* the study file's folder */
};

static char *
read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL, *t;
	size_t cap = 0, n;

	*len = 0;
	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
		    strerror(errno));
		return NULL;
	}
	do {
		if (*len + 4096 + 1 > cap) {
			cap = cap ? 2 * cap : 65536;
			if (cap > MAX_FILE || (t = realloc(text, cap)) == NULL) {
				snprintf(err, errlen, "%s: too large", path);
				free(text);
				fclose(f);
				return NULL;
			}
			text = t;
		}
		n = fread(text + *len, 1, cap - *len - 1, f);
		*len += n;
	} while (n > 0);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
		    strerror(errno));
		free(text);
		fclose(f);
		return NULL;
	}
	fclose(f);
	text[*len] = '\0';
	return text;
}

/* ---- paths into a scenario ---- */

/* Length of the line break at text[off] as libyaml reads one (CR LF, CR,
 * LF, and in UTF-8 NEL, LS and PS), or 0. */
static size_t
line_break(const char *text, size_t len, size_t off)
{
	const unsigned char *t = (const unsigned char *)text + off;
	size_t left = len - off;

	if (left >= 2 && t[0] == '\r' && t[1] == '\n')
		return 2;
	if (left >= 1 && (t[0] == '\r' || t[0] == '\n'))
		return 1;
	if (left >= 2 && t[0] == 0xC2 && t[1] == 0x85)
		return 2;
	if (left >= 3 && t[0] == 0xE2 && t[1] == 0x80 &&
	    (t[2] == 0xA8 || t[2] == 0xA9))
		return 3;
	return 0;
}

/* Byte offset of a libyaml mark (line and column in characters), counted
 * as libyaml counts them: past a byte-order mark at the start, which is
 * no column, with every kind of line break it knows (counting only LF
 * put a value in the wrong place in a file with CR line ends). */
static size_t
mark_offset(const char *text, size_t len, const yaml_mark_t *m)
{
	size_t off = 0, line = 0, col = 0, br;

	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		off = 3;
	while (off < len && line < m->line) {
		if ((br = line_break(text, len, off)) > 0) {
			off += br;
			line++;
		} else
			off++;
	}
	while (off < len && col < m->column) {
		/* a UTF-8 character: its lead byte and continuation bytes */
		off++;
		while (off < len && ((unsigned char)text[off] & 0xC0) == 0x80)
			off++;
		col++;
	}
	return off;
}

/* A YAML line break at s that is not ASCII (NEL, LS, PS): its escape
 * in a double-quoted scalar, or NULL. */
static const char *
wide_break(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	if (u[0] == 0xC2 && u[1] == 0x85)
		return "\\N";
	if (u[0] == 0xE2 && u[1] == 0x80 && u[2] == 0xA8)
		return "\\L";
	if (u[0] == 0xE2 && u[1] == 0x80 && u[2] == 0xA9)
		return "\\P";
	return NULL;
}

/* A value as YAML, on one line: plain if it reads back as the same
 * string (a plain scalar loses its spaces at either end), else
 * double-quoted, with every control character and line break escaped. */
static int
put_value(FILE *f, const char *v)
{
	size_t n = strlen(v);
	int plain = n > 0 && strchr("-?:,[]{}#&*!|>'\"%@` \t", v[0]) == NULL &&
	    v[n - 1] != ' ' && v[n - 1] != '\t';

	for (const char *p = v; *p && plain; p++)
		if (strchr(",[]{}#\"'", *p) != NULL ||
		    (unsigned char)*p < 0x20 || *p == 0x7f ||
		    wide_break(p) != NULL ||
		    (*p == ':' && (p[1] == ' ' || p[1] == '\0')))
			plain = 0;
	if (plain)
		return fputs(v, f);
	fputc('"', f);
	for (const char *p = v; *p; p++) {
		const char *w = wide_break(p);
		unsigned char c = (unsigned char)*p;

		if (w != NULL) {
			fputs(w, f);
			p += (unsigned char)*p == 0xC2 ? 1 : 2;
		} else if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if ((c < 0x20 && c != '\t') || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	return fputc('"', f);
}

char *
study_apply(const char *scenario_path, const char *text, size_t len,
    const char *path, const char *value, char *err, size_t errlen)
{
	struct ydoc *d = ydoc_load(scenario_path, text, len, err, errlen);
	yaml_node_t *n;
	const char *p = path;
	char seen[512] = "", *out = NULL;
	size_t outlen = 0, a, b;
	FILE *f;

	if (d == NULL)
		return NULL;
	n = ydoc_root(d);
	while (*p != '\0') {
		char key[128];
		size_t k = strcspn(p, ".[");

		if (k >= sizeof(key)) {
			snprintf(err, errlen, "path '%s': a key is too long",
			    path);
			goto fail;
		}
		if (k > 0) {
			memcpy(key, p, k);
			key[k] = '\0';
			if (n == NULL || n->type != YAML_MAPPING_NODE ||
			    (n = ydoc_get(d, n, key)) == NULL) {
				snprintf(err, errlen, "path '%s': the scenario "
				    "has no '%s'%s%s", path, key,
				    seen[0] ? " in " : "", seen);
				goto fail;
			}
		}
		p += k;
		snprintf(seen, sizeof(seen), "'%.*s'", (int)(p - path), path);
		while (*p == '[') {
			const char *close = strchr(p, ']'), *eq;
			char sel[128];
			size_t sl;

			if (close == NULL || (sl = (size_t)(close - p - 1)) == 0 ||
			    sl >= sizeof(sel)) {
				snprintf(err, errlen, "path '%s': '[' needs an "
				    "index or KEY=VALUE and a ']'", path);
				goto fail;
			}
			memcpy(sel, p + 1, sl);
			sel[sl] = '\0';
			if (n->type != YAML_SEQUENCE_NODE) {
				snprintf(err, errlen, "path '%s': %s is not a "
				    "list", path, seen[0] ? seen : "the top");
				goto fail;
			}
			if ((eq = strchr(sel, '=')) == NULL) {
				char *end;
				unsigned long i = strtoul(sel, &end, 10);
				if (*end != '\0' || sel[0] == '-' ||
				    i >= ydoc_len(n)) {
					snprintf(err, errlen, "path '%s': [%s]: "
					    "not an index of %s (it has %zu "
					    "items, from 0)", path, sel, seen,
					    ydoc_len(n));
					goto fail;
				}
				n = ydoc_item(d, n, i);
			} else {
				yaml_node_t *hit = NULL;
				sel[eq - sel] = '\0';
				for (size_t i = 0; i < ydoc_len(n); i++) {
					yaml_node_t *it = ydoc_item(d, n, i), *v;
					const char *s;
					if (it->type == YAML_MAPPING_NODE &&
					    (v = ydoc_get(d, it, sel)) != NULL &&
					    (s = ydoc_str(v)) != NULL &&
					    strcmp(s, eq + 1) == 0) {
						hit = it;
						break;
					}
				}
				if (hit == NULL) {
					snprintf(err, errlen, "path '%s': no item "
					    "of %s has %s: %s", path, seen, sel,
					    eq + 1);
					goto fail;
				}
				n = hit;
			}
			p = close + 1;
			snprintf(seen, sizeof(seen), "'%.*s'", (int)(p - path),
			    path);
		}
		snprintf(seen, sizeof(seen), "'%.*s'", (int)(p - path), path);
		if (*p == '.')
			p++;
		else if (*p != '\0') {
			snprintf(err, errlen, "path '%s': expected '.' or '[' "
			    "after %s", path, seen);
			goto fail;
		}
	}
	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
	    n->data.scalar.style == YAML_FOLDED_SCALAR_STYLE) {
		snprintf(err, errlen, "path '%s' leads to a %s, not a "
		    "one-line value", path, n->type == YAML_MAPPING_NODE ?
		    "mapping" : n->type == YAML_SEQUENCE_NODE ? "list" :
		    "block of text");
		goto fail;
	}
	/* a value on one line keeps every other line where it was, so
	 * that a point's messages name the base scenario's lines */
	if (n->start_mark.line != n->end_mark.line) {
		snprintf(err, errlen, "path '%s' leads to a value written "
		    "over lines %zu to %zu: write it on one line", path,
		    n->start_mark.line + 1, n->end_mark.line + 1);
		goto fail;
	}
	a = mark_offset(text, len, &n->start_mark);
	b = mark_offset(text, len, &n->end_mark);
	if ((f = open_memstream(&out, &outlen)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	fwrite(text, 1, a, f);
	put_value(f, value);
	fwrite(text + b, 1, len - b, f);
	if (fclose(f) != 0) {
		free(out);
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	ydoc_free(d);
	return out;
fail:
	ydoc_free(d);
	return NULL;
}

/* ---- the study file ---- */

static char *
dup_str(struct sl *S, const yaml_node_t *n, const char *what)
{
	const char *s;
	char *c;

	if (ydoc_want_str(S->d, n, what, &s) < 0)
		return NULL;
	if ((c = strdup(s)) == NULL)
		ydoc_err(S->d, n, "out of memory");
	return c;
}

/* A name for a column and a file: letters, digits, '_', '-', '.'. */
static char *
get_name(struct sl *S, const yaml_node_t *n, const char *what)
{
	const char *s;

	if (ydoc_want_str(S->d, n, what, &s) < 0)
		return NULL;
	if (s[0] == '\0' || strlen(s) > 64 ||
	    s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_-.")] != '\0') {
		ydoc_err(S->d, n, "%s '%s': use 1 to 64 letters, digits, '_', "
		    "'-' and '.'", what, s);
		return NULL;
	}
	return dup_str(S, n, what);
}

static int
add_value(struct sl *S, const yaml_node_t *n, struct st_param *p,
    const char *v, double num)
{
	char **nv;
	double *nn;

	if (p->nvalues >= MAX_VALUES)
		return ydoc_err(S->d, n, "parameter '%s': more than %d values",
		    p->name, MAX_VALUES);
	nv = realloc(p->values, (p->nvalues + 1) * sizeof(*nv));
	if (nv != NULL)
		p->values = nv;
	nn = realloc(p->num, (p->nvalues + 1) * sizeof(*nn));
	if (nn != NULL)
		p->num = nn;
	if (nv == NULL || nn == NULL ||
	    (p->values[p->nvalues] = strdup(v)) == NULL)
		return ydoc_err(S->d, n, "out of memory");
	p->num[p->nvalues++] = num;
	return 0;
}

/* A number written as %.10g, then the unit: "50", "12.5ms"; a whole
 * number with all its digits ("10000000000bps", where %.10g would write
 * 1e+10, and three values of a range around 1e12 would all be one). */
static int
add_number(struct sl *S, const yaml_node_t *n, struct st_param *p, double x,
    const char *unit)
{
	char buf[96];

	/* values met by adding steps: round off the float dust */
	x = round(x * 1e9) / 1e9;
	if (x == floor(x) && fabs(x) < 1e15)
		snprintf(buf, sizeof(buf), "%.0f%s", x, unit);
	else
		snprintf(buf, sizeof(buf), "%.10g%s", x, unit);
	return add_value(S, n, p, buf, x);
}

static int
parse_param(struct sl *S, const yaml_node_t *it, struct st_param *p)
{
	static const char *const keys[] = { "name", "path", "values", "range",
		"log", "unit", NULL };
	static const char *const rkeys[] = { "from", "to", "step", NULL };
	static const char *const lkeys[] = { "from", "to", "points", NULL };
	yaml_node_t *v, *x;
	const char *unit = "";
	int forms = 0;

	if (ydoc_want_map(S->d, it, "a parameter") < 0 ||
	    ydoc_check_keys(S->d, it, "parameter", keys) < 0)
		return -1;
	if ((v = ydoc_get(S->d, it, "path")) == NULL)
		return ydoc_err(S->d, it, "parameter: 'path' is required "
		    "(sites[name=shop].count, backbone.pairs[0].delay, ...)");
	if ((p->path = dup_str(S, v, "path")) == NULL)
		return -1;
	p->line = (unsigned)v->start_mark.line + 1;
	p->col = (unsigned)v->start_mark.column + 1;
	if ((v = ydoc_get(S->d, it, "name")) != NULL) {
		if ((p->name = get_name(S, v, "parameter name")) == NULL)
			return -1;
	} else {
		/* the path's last key: sites[name=shop].count -> count */
		const char *dot = strrchr(p->path, '.');
		size_t l;
		dot = dot ? dot + 1 : p->path;
		l = strcspn(dot, "[");
		if (l == 0 || (p->name = strndup(dot, l)) == NULL)
			return ydoc_err(S->d, it, "parameter: give it a 'name'");
	}
	if ((v = ydoc_get(S->d, it, "unit")) != NULL &&
	    ydoc_want_str(S->d, v, "unit", &unit) < 0)
		return -1;
	forms = (ydoc_get(S->d, it, "values") != NULL) +
	    (ydoc_get(S->d, it, "range") != NULL) +
	    (ydoc_get(S->d, it, "log") != NULL);
	if (forms != 1)
		return ydoc_err(S->d, it, "parameter '%s': give one of "
		    "'values', 'range' or 'log'", p->name);
	if ((v = ydoc_get(S->d, it, "values")) != NULL) {
		if (ydoc_want_seq(S->d, v, "values") < 0)
			return -1;
		if (ydoc_len(v) == 0)
			return ydoc_err(S->d, v, "values: at least one");
		for (size_t i = 0; i < ydoc_len(v); i++) {
			const char *s;
			char buf[256], *end;
			double num;
			x = ydoc_item(S->d, v, i);
			if (ydoc_want_str(S->d, x, "a value", &s) < 0)
				return -1;
			num = strtod(s, &end);
			if (end == s || *end != '\0')
				num = NAN;
			snprintf(buf, sizeof(buf), "%s%s", s, isnan(num) ?
			    "" : unit);
			if (add_value(S, x, p, buf, num) < 0)
				return -1;
		}
	} else if ((v = ydoc_get(S->d, it, "range")) != NULL) {
		double from, to, step;
		if (ydoc_want_map(S->d, v, "range") < 0 ||
		    ydoc_check_keys(S->d, v, "range", rkeys) < 0)
			return -1;
		if ((x = ydoc_get(S->d, v, "from")) == NULL ||
		    ydoc_want_number(S->d, x, "from", -1e300, 1e300, &from) < 0 ||
		    (x = ydoc_get(S->d, v, "to")) == NULL ||
		    ydoc_want_number(S->d, x, "to", -1e300, 1e300, &to) < 0 ||
		    (x = ydoc_get(S->d, v, "step")) == NULL ||
		    ydoc_want_number(S->d, x, "step", 0, 1e300, &step) < 0)
			return x == NULL ? ydoc_err(S->d, v, "range: 'from', "
			    "'to' and 'step' are required") : -1;
		if (step <= 0 || to < from)
			return ydoc_err(S->d, v, "range: need from <= to and a "
			    "step above 0");
		if ((to - from) / step > MAX_VALUES)
			return ydoc_err(S->d, v, "range: more than %d values",
			    MAX_VALUES);
		/* to itself is in when steps reach it give or take float
		 * dust: a sliver of a step and a few of to's last bits (a
		 * margin of to * 1e-12 alone shut out a negative to) */
		for (size_t i = 0; from + (double)i * step <= to + step * 1e-6 +
		    fabs(to) * 1e-15; i++)
			if (add_number(S, v, p, from + (double)i * step,
			    unit) < 0)
				return -1;
	} else {
		double from, to, pts;
		v = ydoc_get(S->d, it, "log");
		if (ydoc_want_map(S->d, v, "log") < 0 ||
		    ydoc_check_keys(S->d, v, "log", lkeys) < 0)
			return -1;
		if ((x = ydoc_get(S->d, v, "from")) == NULL ||
		    ydoc_want_number(S->d, x, "from", 1e-300, 1e300, &from) < 0 ||
		    (x = ydoc_get(S->d, v, "to")) == NULL ||
		    ydoc_want_number(S->d, x, "to", 1e-300, 1e300, &to) < 0 ||
		    (x = ydoc_get(S->d, v, "points")) == NULL ||
		    ydoc_want_number(S->d, x, "points", 2, MAX_VALUES,
		    &pts) < 0)
			return x == NULL ? ydoc_err(S->d, v, "log: 'from', "
			    "'to' and 'points' are required (from, to above "
			    "0; points 2 or more)") : -1;
		if (pts != floor(pts) || to <= from)
			return ydoc_err(S->d, v, "log: need from < to and a "
			    "whole number of points");
		for (int i = 0; i < (int)pts; i++) {
			double e = log(from) + (log(to) - log(from)) * i /
			    (pts - 1);
			if (add_number(S, v, p, i == (int)pts - 1 ? to :
			    exp(e), unit) < 0)
				return -1;
		}
	}
	return 0;
}

static int
parse_metric(struct sl *S, const yaml_node_t *it, struct st_metric *m)
{
	static const char *const keys[] = { "name", "scope", "subject",
		"metric", "reduce", NULL };
	static const char *const reduces[] = { "mean", "min", "max", "sum",
		NULL };
	yaml_node_t *v;
	const char *s;

	if (ydoc_want_map(S->d, it, "a metric") < 0 ||
	    ydoc_check_keys(S->d, it, "metric", keys) < 0)
		return -1;
	if ((v = ydoc_get(S->d, it, "metric")) == NULL)
		return ydoc_err(S->d, it, "metric: 'metric' is required (the "
		    "results' metric name: mos, latency-p95, ...)");
	if ((m->metric = dup_str(S, v, "metric")) == NULL)
		return -1;
	if ((v = ydoc_get(S->d, it, "name")) != NULL) {
		if ((m->name = get_name(S, v, "metric name")) == NULL)
			return -1;
	} else if ((m->name = strdup(m->metric)) == NULL)
		return ydoc_err(S->d, it, "out of memory");
	m->scope = (v = ydoc_get(S->d, it, "scope")) != NULL ?
	    dup_str(S, v, "scope") : strdup("flow");
	m->subject = (v = ydoc_get(S->d, it, "subject")) != NULL ?
	    dup_str(S, v, "subject") : strdup("*");
	if (m->scope == NULL || m->subject == NULL)
		return ydoc_err(S->d, it, "metric '%s': bad scope or subject",
		    m->name);
	m->reduce = ST_MEAN;
	if ((v = ydoc_get(S->d, it, "reduce")) != NULL) {
		if (ydoc_want_str(S->d, v, "reduce", &s) < 0)
			return -1;
		for (int i = 0; ; i++) {
			if (reduces[i] == NULL)
				return ydoc_err(S->d, v, "reduce: '%s' is not "
				    "mean, min, max or sum", s);
			if (strcmp(s, reduces[i]) == 0) {
				m->reduce = (enum st_reduce)i;
				break;
			}
		}
	}
	return 0;
}

static int
parse_expect(struct sl *S, const yaml_node_t *it, struct st_expect *e)
{
	static const char *const keys[] = { "metric", "above", "below",
		"at-least", "at-most", NULL };
	static const char *const ops[] = { "above", "below", "at-least",
		"at-most", NULL };
	struct study *st = S->st;
	yaml_node_t *v, *b = NULL;
	const char *s, *bs;
	char err[256], *end;
	sb_time t;

	if (ydoc_want_map(S->d, it, "an expectation") < 0 ||
	    ydoc_check_keys(S->d, it, "expectation", keys) < 0)
		return -1;
	e->line = (unsigned)it->start_mark.line + 1;
	e->col = (unsigned)it->start_mark.column + 1;
	if ((v = ydoc_get(S->d, it, "metric")) == NULL)
		return ydoc_err(S->d, it, "expectation: 'metric' is required");
	if (ydoc_want_str(S->d, v, "metric", &s) < 0)
		return -1;
	e->metric = -1;
	for (size_t i = 0; i < st->nmetrics; i++)
		if (strcmp(st->metrics[i].name, s) == 0)
			e->metric = (int)i;
	if (e->metric < 0)
		return ydoc_err(S->d, v, "expectation: no metric named '%s' "
		    "in 'metrics'", s);
	for (int i = 0; ops[i] != NULL; i++)
		if ((v = ydoc_get(S->d, it, ops[i])) != NULL) {
			if (b != NULL)
				return ydoc_err(S->d, v, "expectation: one "
				    "comparison only");
			b = v;
			e->op = (enum st_op)i;
		}
	if (b == NULL)
		return ydoc_err(S->d, it, "expectation: give one of above, "
		    "below, at-least or at-most");
	if (ydoc_want_str(S->d, b, "bound", &bs) < 0)
		return -1;
	/* a time (60ms) is in ns like the results' times; else a number */
	if (units_time(bs, &t, err, sizeof(err)) == 0 &&
	    strspn(bs, "0123456789.") != strlen(bs))
		e->bound = (double)t;
	else {
		e->bound = strtod(bs, &end);
		if (end == bs || *end != '\0')
			return ydoc_err(S->d, b, "expectation: '%s' is not a "
			    "number or a time", bs);
	}
	if (asprintf(&e->text, "%s %s %s", s, ops[e->op], bs) < 0)
		return ydoc_err(S->d, it, "out of memory");
	return 0;
}

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3ull;
	return h;
}

/* Every point's text, each checked by the scenario loader. */
static int
plan(struct sl *S, const char *base, size_t baselen, char *err,
    size_t errlen)
{
	struct study *st = S->st;
	size_t np = 1;

	for (size_t p = 0; p < st->nparams; p++) {
		if (np > MAX_RUNS / st->params[p].nvalues)
			goto too_many;
		np *= st->params[p].nvalues;
	}
	if (np > MAX_RUNS / st->reps) {
too_many:
		snprintf(err, errlen, "%s: more than %d runs", st->path,
		    MAX_RUNS);
		return -1;
	}
	st->npoints = np;
	st->nruns = np * st->reps;
	st->texts = calloc(np, sizeof(*st->texts));
	st->value_of = calloc(np * (st->nparams ? st->nparams : 1),
	    sizeof(*st->value_of));
	st->seeds = calloc(st->reps, sizeof(*st->seeds));
	if (st->texts == NULL || st->value_of == NULL || st->seeds == NULL) {
		snprintf(err, errlen, "%s: out of memory", st->path);
		return -1;
	}
	st->fingerprint = 0xcbf29ce484222325ull;
	for (unsigned r = 0; r < st->reps; r++) {
		char name[32];
		snprintf(name, sizeof(name), "repetition-%u", r);
		/* SQLite's integers hold 63 bits */
		st->seeds[r] = rng_derive(st->seed, name) & INT64_MAX;
		st->fingerprint = fnv(st->fingerprint, &st->seeds[r],
		    sizeof(st->seeds[r]));
	}
	for (size_t pt = 0; pt < np; pt++) {
		size_t rest = pt, len = baselen;
		char *text = strndup(base, baselen), *next, e[1024];
		struct scenario *sc;

		if (text == NULL) {
			snprintf(err, errlen, "%s: out of memory", st->path);
			return -1;
		}
		/* the last parameter varies fastest */
		for (size_t p = st->nparams; p-- > 0; ) {
			struct st_param *pa = &st->params[p];
			size_t vi = rest % pa->nvalues;
			rest /= pa->nvalues;
			st->value_of[pt * st->nparams + p] = vi;
		}
		for (size_t p = 0; p < st->nparams; p++) {
			struct st_param *pa = &st->params[p];
			const char *v = pa->values[st->value_of[pt *
			    st->nparams + p]];
			next = study_apply(st->scenario, text, len, pa->path, v,
			    e, sizeof(e));
			free(text);
			if (next == NULL) {
				snprintf(err, errlen, "%s:%u:%u: parameter '%s': "
				    "%s", st->path, pa->line, pa->col, pa->name,
				    e);
				return -1;
			}
			text = next;
			len = strlen(text);
		}
		st->texts[pt] = text;
		st->fingerprint = fnv(st->fingerprint, text, len + 1);
		if (scenario_load_text(st->scenario, text, len, &sc, e,
		    sizeof(e)) < 0) {
			char vals[512] = "";
			for (size_t p = 0; p < st->nparams; p++) {
				size_t o = strlen(vals);
				snprintf(vals + o, sizeof(vals) - o, "%s%s=%s",
				    p ? ", " : "", st->params[p].name,
				    st->params[p].values[st->value_of[pt *
				    st->nparams + p]]);
			}
			snprintf(err, errlen, "%s:%u:%u: the scenario refuses "
			    "%s: %s", st->path, st->nparams ?
			    st->params[0].line : 1, st->nparams ?
			    st->params[0].col : 1, vals, e);
			return -1;
		}
		scenario_free(sc);
	}
	for (size_t m = 0; m < st->nmetrics; m++) {
		const struct st_metric *mm = &st->metrics[m];
		st->fingerprint = fnv(st->fingerprint, mm->name,
		    strlen(mm->name) + 1);
		st->fingerprint = fnv(st->fingerprint, mm->scope,
		    strlen(mm->scope) + 1);
		st->fingerprint = fnv(st->fingerprint, mm->subject,
		    strlen(mm->subject) + 1);
		st->fingerprint = fnv(st->fingerprint, mm->metric,
		    strlen(mm->metric) + 1);
		st->fingerprint = fnv(st->fingerprint, &mm->reduce,
		    sizeof(mm->reduce));
	}
	st->fingerprint &= INT64_MAX;
	return 0;
}

static int
parse_top(struct sl *S, char **base, size_t *baselen, char *err,
    size_t errlen)
{
	static const char *const keys[] = { "study", "description",
		"scenario", "seed", "repetitions", "parameters", "metrics",
		"expect", NULL };
	struct study *st = S->st;
	yaml_node_t *root = ydoc_root(S->d), *v;
	unsigned long long u;
	const char *s;

	if (ydoc_want_map(S->d, root, "a study") < 0 ||
	    ydoc_check_keys(S->d, root, "study", keys) < 0)
		return -1;
	if ((v = ydoc_get(S->d, root, "study")) == NULL)
		return ydoc_err(S->d, root, "study: 'study' (its name) is "
		    "required");
	if ((st->name = get_name(S, v, "study name")) == NULL)
		return -1;
	if ((v = ydoc_get(S->d, root, "scenario")) == NULL)
		return ydoc_err(S->d, root, "study: 'scenario' (the base "
		    "scenario file) is required");
	if (ydoc_want_str(S->d, v, "scenario", &s) < 0)
		return -1;
	if (s[0] == '/' ? (st->scenario = strdup(s)) == NULL :
	    asprintf(&st->scenario, "%s/%s", S->dir, s) < 0)
		return ydoc_err(S->d, v, "out of memory");
	if ((*base = read_file(st->scenario, baselen, err, errlen)) == NULL) {
		char e[1024];
		snprintf(e, sizeof(e), "%s", err);
		return ydoc_err(S->d, v, "scenario: %s", e);
	}
	/* the plan copies the text as a string and splices it by length:
	 * a NUL would cut the copy short of the length (the scenario loader
	 * would refuse the file anyway) */
	if (memchr(*base, '\0', *baselen) != NULL)
		return ydoc_err(S->d, v, "scenario: %s:1:1: the file holds a "
		    "NUL byte: not a YAML text file", st->scenario);
	st->seed = 1;
	if ((v = ydoc_get(S->d, root, "seed")) != NULL) {
		if (ydoc_want_uint(S->d, v, "seed", UINT64_MAX, &u) < 0)
			return -1;
		st->seed = u;
	}
	st->reps = 1;
	if ((v = ydoc_get(S->d, root, "repetitions")) != NULL) {
		if (ydoc_want_uint(S->d, v, "repetitions", 10000, &u) < 0)
			return -1;
		if (u == 0)
			return ydoc_err(S->d, v, "repetitions: at least 1");
		st->reps = (unsigned)u;
	}
	if ((v = ydoc_get(S->d, root, "parameters")) != NULL) {
		if (ydoc_want_seq(S->d, v, "parameters") < 0)
			return -1;
		st->params = calloc(ydoc_len(v) + 1, sizeof(*st->params));
		if (st->params == NULL)
			return ydoc_err(S->d, v, "out of memory");
		for (size_t i = 0; i < ydoc_len(v); i++) {
			yaml_node_t *it = ydoc_item(S->d, v, i);
			st->nparams++;
			if (parse_param(S, it, &st->params[i]) < 0)
				return -1;
			for (size_t j = 0; j < i; j++)
				if (strcmp(st->params[j].name,
				    st->params[i].name) == 0)
					return ydoc_err(S->d, it, "parameter "
					    "'%s' is defined twice",
					    st->params[i].name);
		}
	}
	if ((v = ydoc_get(S->d, root, "metrics")) == NULL)
		return ydoc_err(S->d, root, "study: 'metrics' is required");
	if (ydoc_want_seq(S->d, v, "metrics") < 0)
		return -1;
	if (ydoc_len(v) == 0)
		return ydoc_err(S->d, v, "metrics: at least one");
	st->metrics = calloc(ydoc_len(v), sizeof(*st->metrics));
	if (st->metrics == NULL)
		return ydoc_err(S->d, v, "out of memory");
	for (size_t i = 0; i < ydoc_len(v); i++) {
		yaml_node_t *it = ydoc_item(S->d, v, i);
		st->nmetrics++;
		if (parse_metric(S, it, &st->metrics[i]) < 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (strcmp(st->metrics[j].name,
			    st->metrics[i].name) == 0)
				return ydoc_err(S->d, it, "metric '%s' is "
				    "defined twice", st->metrics[i].name);
		for (size_t j = 0; j < st->nparams; j++)
			if (strcmp(st->params[j].name,
			    st->metrics[i].name) == 0)
				return ydoc_err(S->d, it, "metric '%s' has a "
				    "parameter's name", st->metrics[i].name);
	}
	if ((v = ydoc_get(S->d, root, "expect")) != NULL) {
		if (ydoc_want_seq(S->d, v, "expect") < 0)
			return -1;
		st->expects = calloc(ydoc_len(v) + 1, sizeof(*st->expects));
		if (st->expects == NULL)
			return ydoc_err(S->d, v, "out of memory");
		for (size_t i = 0; i < ydoc_len(v); i++) {
			st->nexpects++;
			if (parse_expect(S, ydoc_item(S->d, v, i),
			    &st->expects[i]) < 0)
				return -1;
		}
	}
	return 0;
}

int
study_load(const char *path, struct study **out, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int rc;

	*out = NULL;
	if ((text = read_file(path, &len, err, errlen)) == NULL)
		return -1;
	rc = study_load_text(path, text, len, out, err, errlen);
	free(text);
	return rc;
}

int
study_load_text(const char *path, const char *text, size_t len,
    struct study **out, char *err, size_t errlen)
{
	struct sl S;
	char *base = NULL;
	const char *slash;
	size_t baselen = 0;
	int rc = -1;

	*out = NULL;
	memset(&S, 0, sizeof(S));
	S.st = calloc(1, sizeof(*S.st));
	slash = strrchr(path, '/');
	S.dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
	if (S.st == NULL || S.dir == NULL ||
	    (S.st->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto done;
	}
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, "%s:1:1: the file holds a NUL byte",
		    path);
		goto done;
	}
	if ((S.d = ydoc_load(path, text, len, err, errlen)) == NULL ||
	    parse_top(&S, &base, &baselen, err, errlen) < 0 ||
	    plan(&S, base, baselen, err, errlen) < 0)
		goto done;
	*out = S.st;
	S.st = NULL;
	rc = 0;
done:
	ydoc_free(S.d);
	study_free(S.st);
	free(S.dir);
	free(base);
	return rc;
}

void
study_free(struct study *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < st->nparams; i++) {
		for (size_t j = 0; j < st->params[i].nvalues; j++)
			free(st->params[i].values[j]);
		free(st->params[i].values);
		free(st->params[i].num);
		free(st->params[i].name);
		free(st->params[i].path);
	}
	free(st->params);
	for (size_t i = 0; i < st->nmetrics; i++) {
		free(st->metrics[i].name);
		free(st->metrics[i].scope);
		free(st->metrics[i].subject);
		free(st->metrics[i].metric);
	}
	free(st->metrics);
	for (size_t i = 0; i < st->nexpects; i++)
		free(st->expects[i].text);
	free(st->expects);
	if (st->texts != NULL)
		for (size_t i = 0; i < st->npoints; i++)
			free(st->texts[i]);
	free(st->texts);
	free(st->value_of);
	free(st->seeds);
	free(st->name);
	free(st->path);
	free(st->scenario);
	free(st);
}

size_t
study_point(const struct study *st, size_t run)
{
	return run / st->reps;
}

unsigned
study_rep(const struct study *st, size_t run)
{
	return (unsigned)(run % st->reps);
}

uint64_t
study_seed(const struct study *st, size_t run)
{
	return st->seeds[run % st->reps];
}
