/*
 * A thin layer over libyaml's document API for loaders that must explain
 * every mistake: every node keeps its place in the file, and every error
 * comes out as "FILE:LINE:COL: message" in the caller's buffer.  Mapping
 * keys are checked against the keys a section allows, with a "did you
 * mean" for near misses, and a key given twice is an error, not a silent
 * overwrite.
 *
 * Anchors and aliases are left to libyaml: an alias is the very node its
 * anchor names, so a mapping reused by alias reads as if written twice
 * (and its names then clash as they would if written twice).  Merge keys
 * ("<<") are not a YAML 1.2 feature and come out as unknown keys.  A file
 * holds one document; a second one is an error rather than ignored.
 * Collections nested more than YDOC_MAX_DEPTH deep, and more than
 * YDOC_MAX_ANCHORS anchors or aliases, are refused.
 */
#ifndef SASEBED_SIM_YAMLDOC_H
#define SASEBED_SIM_YAMLDOC_H

#include <stddef.h>

#include <yaml.h>

struct ydoc;

/* Limits that keep loading linear (see check_shape in yamldoc.c): a
 * scenario needs about seven levels of nesting and few anchors. */
#define YDOC_MAX_DEPTH 64
#define YDOC_MAX_ANCHORS 1000

/* Parse text; NULL with the error in err (syntax errors name the place). */
struct ydoc *ydoc_load(const char *path, const char *text, size_t len,
    char *err, size_t errlen);
void ydoc_free(struct ydoc *d);

yaml_node_t *ydoc_root(struct ydoc *d);
const char *ydoc_path(const struct ydoc *d);

/* Write "FILE:LINE:COL: message" for node n into the error buffer; -1. */
int ydoc_err(struct ydoc *d, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The scalar's text, or NULL if n is not a scalar. */
const char *ydoc_str(const yaml_node_t *n);

/* Require a kind; -1 with "WHAT must be a mapping" (or list, or value). */
int ydoc_want_map(struct ydoc *d, const yaml_node_t *n, const char *what);
int ydoc_want_seq(struct ydoc *d, const yaml_node_t *n, const char *what);
int ydoc_want_str(struct ydoc *d, const yaml_node_t *n, const char *what,
    const char **out);

/* Typed scalars.  A number is plain decimal (optional fraction and
 * exponent) within [lo, hi]; a bool is true/false or yes/no; an unsigned
 * integer is digits only.  Each is -1 with a message naming the place. */
int ydoc_want_number(struct ydoc *d, const yaml_node_t *n, const char *what,
    double lo, double hi, double *out);
int ydoc_want_bool(struct ydoc *d, const yaml_node_t *n, const char *what,
    int *out);
int ydoc_want_uint(struct ydoc *d, const yaml_node_t *n, const char *what,
    unsigned long long max, unsigned long long *out);

/* Check a mapping's keys: all scalars, none twice, each in allowed (a
 * NULL-terminated list).  `what` names the mapping in messages. */
int ydoc_check_keys(struct ydoc *d, const yaml_node_t *map, const char *what,
    const char *const *allowed);

/* The value under key, or NULL. */
yaml_node_t *ydoc_get(struct ydoc *d, const yaml_node_t *map, const char *key);
/* The key node itself (for messages about the key), or NULL. */
yaml_node_t *ydoc_key(struct ydoc *d, const yaml_node_t *map, const char *key);

/* Sequence items and mapping pairs by index. */
size_t ydoc_len(const yaml_node_t *n);
yaml_node_t *ydoc_item(struct ydoc *d, const yaml_node_t *seq, size_t i);
void ydoc_pair(struct ydoc *d, const yaml_node_t *map, size_t i,
    yaml_node_t **key, yaml_node_t **value);

/* The closest word in a NULL-terminated list, or NULL if none is close. */
const char *ydoc_suggest(const char *word, const char *const *words);

#endif
