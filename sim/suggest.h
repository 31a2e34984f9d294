/*
 * "Did you mean": the edit distance between two short words and the rule
 * for when a near miss is worth offering.  Shared by the scenario loader
 * (keys, values) and the city table (place names).
 */
#ifndef SASEBED_SIM_SUGGEST_H
#define SASEBED_SIM_SUGGEST_H

#include <stddef.h>

/* Levenshtein distance; words over 64 characters are never close. */
size_t suggest_distance(const char *a, const char *b);

/* Is a candidate at `distance` from `word` close enough to suggest? */
int suggest_close(const char *word, size_t distance);

#endif
