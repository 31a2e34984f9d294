/*
 * YAML documents with places.  libyaml counts lines and columns from 0;
 * people count from 1, so every message adds one.  Only the first error is
 * kept: later ones would mostly be echoes of it.
 */
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
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &d->doc)) {
		const char *what = parser.problem ? parser.problem : "syntax error";
		yaml_mark_t m = parser.problem_mark;
		if (parser.context != NULL)
			snprintf(err, errlen, "%s:%zu:%zu: bad YAML: %s %s", path,
			    m.line + 1, m.column + 1, what, parser.context);
		else
			snprintf(err, errlen, "%s:%zu:%zu: bad YAML: %s", path,
			    m.line + 1, m.column + 1, what);
		yaml_parser_delete(&parser);
		goto fail;
	}
	yaml_parser_delete(&parser);
	if (yaml_document_get_root_node(&d->doc) == NULL) {
		snprintf(err, errlen, "%s:1:1: the file is empty", path);
		yaml_document_delete(&d->doc);
		goto fail;
	}
	return d;
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
