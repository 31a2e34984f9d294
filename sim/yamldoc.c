/*
 * YAML documents with places.  libyaml counts lines and columns from 0;
 * people count from 1, so every message adds one.  Only the first error is
 * kept: later ones would mostly be echoes of it.  Syntax errors come from
 * libyaml's problem_mark, so they read like every other error.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/suggest.h"
#include "sim/yamldoc.h"

struct ydoc {
	yaml_document_t doc;
	char *path;
	char *err;
	size_t errlen;
};

/* libyaml's complaint, at its place, as "FILE:LINE:COL: bad YAML: ...". */
static void
syntax_error(const yaml_parser_t *parser, const char *path, char *err,
    size_t errlen)
{
	const char *what = parser->problem ? parser->problem : "syntax error";
	yaml_mark_t m = parser->problem_mark;

	if (parser->context != NULL)
		snprintf(err, errlen, "%s:%zu:%zu: bad YAML: %s %s", path,
		    m.line + 1, m.column + 1, what, parser->context);
	else
		snprintf(err, errlen, "%s:%zu:%zu: bad YAML: %s", path,
		    m.line + 1, m.column + 1, what);
}

/*
 * After the first document, the stream must end.  Loading the next one is
 * the only way libyaml offers to look, and it also reports any syntax
 * error in what follows.
 */
static int
only_one_document(yaml_parser_t *parser, const char *path, char *err,
    size_t errlen)
{
	yaml_document_t next;
	yaml_node_t *root;

	if (!yaml_parser_load(parser, &next)) {
		syntax_error(parser, path, err, errlen);
		return -1;
	}
	root = yaml_document_get_root_node(&next);
	if (root != NULL) {
		snprintf(err, errlen, "%s:%zu:%zu: a second YAML document: a "
		    "scenario file holds one", path, next.start_mark.line + 1,
		    next.start_mark.column + 1);
		yaml_document_delete(&next);
		return -1;
	}
	yaml_document_delete(&next);
	return 0;
}

/* The anchor an event defines, or NULL. */
static const unsigned char *
event_anchor(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return ev->data.scalar.anchor;
	case YAML_SEQUENCE_START_EVENT:
		return ev->data.sequence_start.anchor;
	case YAML_MAPPING_START_EVENT:
		return ev->data.mapping_start.anchor;
	default:
		return NULL;
	}
}

/*
 * Refuse, before building the document, shapes no scenario needs and that
 * would make libyaml slow: its scanner does work proportional to the open
 * flow collections for every token, so a few hundred kilobytes of "[[[["
 * would take minutes, and it resolves each alias by a linear search of
 * the anchors, so tens of thousands of each take as long.  The limits keep
 * loading linear in the file's size.  Syntax errors are left for the load
 * that follows to report.
 */
static int
check_shape(const char *path, const char *text, size_t len, char *err,
    size_t errlen)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0, anchors = 0, aliases = 0, rc = 0, done = 0;

	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done && rc == 0 && yaml_parser_parse(&parser, &ev)) {
		const char *why = NULL;
		int limit = YDOC_MAX_ANCHORS;

		if (event_anchor(&ev) != NULL && ++anchors > YDOC_MAX_ANCHORS)
			why = "too many anchors (&name)";
		switch (ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > YDOC_MAX_DEPTH) {
				why = "nested too deep";
				limit = YDOC_MAX_DEPTH;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_ALIAS_EVENT:
			if (++aliases > YDOC_MAX_ANCHORS)
				why = "too many aliases (*name)";
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		default:
			break;
		}
		if (why != NULL) {
			snprintf(err, errlen, "%s:%zu:%zu: %s: a scenario allows "
			    "%d", path, ev.start_mark.line + 1,
			    ev.start_mark.column + 1, why, limit);
			rc = -1;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return rc;
}

struct ydoc *
ydoc_load(const char *path, const char *text, size_t len, char *err,
    size_t errlen)
{
	yaml_parser_t parser;
	struct ydoc *d = calloc(1, sizeof(*d));

	if (d == NULL || (d->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		free(d);
		return NULL;
	}
	d->err = err;
	d->errlen = errlen;
	if (check_shape(path, text, len, err, errlen) < 0)
		goto fail;
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &d->doc)) {
		syntax_error(&parser, path, err, errlen);
		yaml_parser_delete(&parser);
		goto fail;
	}
	if (yaml_document_get_root_node(&d->doc) == NULL) {
		snprintf(err, errlen, "%s:1:1: the file is empty", path);
		goto fail_doc;
	}
	if (only_one_document(&parser, path, err, errlen) < 0)
		goto fail_doc;
	yaml_parser_delete(&parser);
	return d;
fail_doc:
	yaml_document_delete(&d->doc);
	yaml_parser_delete(&parser);
fail:
	free(d->path);
	free(d);
	return NULL;
}

void
ydoc_free(struct ydoc *d)
{
	if (d == NULL)
		return;
	yaml_document_delete(&d->doc);
	free(d->path);
	free(d);
}

yaml_node_t *
ydoc_root(struct ydoc *d)
{
	return yaml_document_get_root_node(&d->doc);
}

const char *
ydoc_path(const struct ydoc *d)
{
	return d->path;
}

int
ydoc_err(struct ydoc *d, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	int off;

	off = snprintf(d->err, d->errlen, "%s:%zu:%zu: ", d->path,
	    n ? n->start_mark.line + 1 : 1, n ? n->start_mark.column + 1 : 1);
	if (off < 0 || (size_t)off >= d->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(d->err + off, d->errlen - (size_t)off, fmt, ap);
	va_end(ap);
	return -1;
}

const char *
ydoc_str(const yaml_node_t *n)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

static const char *
kind_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	default:
		return "a value";
	}
}

int
ydoc_want_map(struct ydoc *d, const yaml_node_t *n, const char *what)
{
	if (n->type == YAML_MAPPING_NODE)
		return 0;
	return ydoc_err(d, n, "%s must be a mapping (key: value), not %s",
	    what, kind_name(n));
}

int
ydoc_want_seq(struct ydoc *d, const yaml_node_t *n, const char *what)
{
	if (n->type == YAML_SEQUENCE_NODE)
		return 0;
	return ydoc_err(d, n, "%s must be a list, not %s", what, kind_name(n));
}

int
ydoc_want_str(struct ydoc *d, const yaml_node_t *n, const char *what,
    const char **out)
{
	if (n->type != YAML_SCALAR_NODE)
		return ydoc_err(d, n, "%s must be a value, not %s", what,
		    kind_name(n));
	*out = ydoc_str(n);
	if (**out == '\0')
		return ydoc_err(d, n, "%s is empty", what);
	return 0;
}

/* Plain decimal: digits, '.', an exponent; no hex, inf or nan. */
static int
plain_decimal(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= '0' && *s <= '9') || *s == '.' || *s == 'e' ||
		    *s == 'E' || *s == '+' || *s == '-'))
			return 0;
	return 1;
}

int
ydoc_want_number(struct ydoc *d, const yaml_node_t *n, const char *what,
    double lo, double hi, double *out)
{
	const char *s;
	char *end;

	if (ydoc_want_str(d, n, what, &s) < 0)
		return -1;
	errno = 0;
	*out = strtod(s, &end);
	if (!plain_decimal(s) || *end != '\0' || errno != 0 ||
	    !isfinite(*out))
		return ydoc_err(d, n, "%s: '%s' is not a number", what, s);
	if (*out < lo || *out > hi)
		return ydoc_err(d, n, "%s: %s is outside [%g, %g]", what, s, lo,
		    hi);
	return 0;
}

int
ydoc_want_bool(struct ydoc *d, const yaml_node_t *n, const char *what,
    int *out)
{
	const char *s;

	if (ydoc_want_str(d, n, what, &s) < 0)
		return -1;
	if (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0)
		*out = 1;
	else if (strcmp(s, "false") == 0 || strcmp(s, "no") == 0)
		*out = 0;
	else
		return ydoc_err(d, n, "%s: '%s' is not true or false", what, s);
	return 0;
}

int
ydoc_want_uint(struct ydoc *d, const yaml_node_t *n, const char *what,
    unsigned long long max, unsigned long long *out)
{
	const char *s;
	char *end;

	if (ydoc_want_str(d, n, what, &s) < 0)
		return -1;
	for (const char *p = s; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return ydoc_err(d, n, "%s: '%s' is not a non-negative "
			    "integer", what, s);
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno != 0 || *out > max)
		return ydoc_err(d, n, "%s: %s is more than %llu", what, s, max);
	return 0;
}

const char *
ydoc_suggest(const char *word, const char *const *words)
{
	const char *best = NULL;
	size_t bestd = (size_t)-1;

	for (size_t i = 0; words[i] != NULL; i++) {
		size_t dist = suggest_distance(word, words[i]);
		if (dist < bestd) {
			bestd = dist;
			best = words[i];
		}
	}
	return best != NULL && suggest_close(word, bestd) ? best : NULL;
}

int
ydoc_check_keys(struct ydoc *d, const yaml_node_t *map, const char *what,
    const char *const *allowed)
{
	yaml_node_pair_t *p, *q;

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	    p++) {
		yaml_node_t *k = yaml_document_get_node(&d->doc, p->key);
		const char *key = ydoc_str(k);
		size_t i;

		if (key == NULL)
			return ydoc_err(d, k, "%s: a key must be a plain word",
			    what);
		for (q = map->data.mapping.pairs.start; q < p; q++)
			if (strcmp(ydoc_str(yaml_document_get_node(&d->doc,
			    q->key)), key) == 0)
				return ydoc_err(d, k, "%s: key '%s' given twice",
				    what, key);
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], key) == 0)
				break;
		if (allowed[i] == NULL) {
			const char *s = ydoc_suggest(key, allowed);
			if (s != NULL)
				return ydoc_err(d, k, "%s: unknown key '%s' "
				    "(did you mean '%s'?)", what, key, s);
			return ydoc_err(d, k, "%s: unknown key '%s'", what, key);
		}
	}
	return 0;
}

/* The pair under key in a mapping, or NULL. */
static yaml_node_pair_t *
find_pair(struct ydoc *d, const yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	    p++) {
		const char *s = ydoc_str(yaml_document_get_node(&d->doc, p->key));
		if (s != NULL && strcmp(s, key) == 0)
			return p;
	}
	return NULL;
}

yaml_node_t *
ydoc_key(struct ydoc *d, const yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p = find_pair(d, map, key);

	return p ? yaml_document_get_node(&d->doc, p->key) : NULL;
}

yaml_node_t *
ydoc_get(struct ydoc *d, const yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p = find_pair(d, map, key);

	return p ? yaml_document_get_node(&d->doc, p->value) : NULL;
}

size_t
ydoc_len(const yaml_node_t *n)
{
	if (n->type == YAML_SEQUENCE_NODE)
		return (size_t)(n->data.sequence.items.top -
		    n->data.sequence.items.start);
	if (n->type == YAML_MAPPING_NODE)
		return (size_t)(n->data.mapping.pairs.top -
		    n->data.mapping.pairs.start);
	return 0;
}

yaml_node_t *
ydoc_item(struct ydoc *d, const yaml_node_t *seq, size_t i)
{
	return yaml_document_get_node(&d->doc, seq->data.sequence.items.start[i]);
}

void
ydoc_pair(struct ydoc *d, const yaml_node_t *map, size_t i, yaml_node_t **key,
    yaml_node_t **value)
{
	yaml_node_pair_t *p = &map->data.mapping.pairs.start[i];

	*key = yaml_document_get_node(&d->doc, p->key);
	*value = yaml_document_get_node(&d->doc, p->value);
}
