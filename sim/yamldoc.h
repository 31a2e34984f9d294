/*
 * A thin layer over libyaml's document API for loaders that must explain
 * every mistake: every node keeps its place in the file, and every error
 * comes out as "FILE:LINE:COL: message" in the caller's buffer.  Mapping
 * keys are checked against the keys a section allows, with a "did you
 * mean" for near misses, and a key given twice is an error, not a silent
 * overwrite.
 */
#ifndef SASEBED_SIM_YAMLDOC_H
#define SASEBED_SIM_YAMLDOC_H

#include <stddef.h>

#include <yaml.h>

struct ydoc;

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
