/*
 * Near misses.  A third of the word's length, and at least two edits, is
 * the bound: it catches the usual typos (a doubled or dropped letter, two
 * swapped) without offering unrelated words for short ones.
 */
#include <string.h>

#include "sim/suggest.h"

#define MAX_WORD 64

size_t
suggest_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[MAX_WORD + 1],
	    cur[MAX_WORD + 1];

	if (la > MAX_WORD || lb > MAX_WORD)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t best = prev[j - 1] + (a[i - 1] != b[j - 1]);
			if (prev[j] + 1 < best)
				best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			cur[j] = best;
		}
		memcpy(prev, cur, (lb + 1) * sizeof(prev[0]));
	}
	return prev[lb];
}

int
suggest_close(const char *word, size_t distance)
{
	size_t limit = strlen(word) / 3;

	return distance <= (limit < 2 ? 2 : limit);
}
