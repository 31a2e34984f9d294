/*
 * A log-linear histogram of non-negative int64 values (latencies in ns):
 * 64 buckets per power of two, so a quantile read back is within 1/128
 * (0.8%) of the true sample value, whatever its magnitude.  Values from 0
 * to 2^40 ns (about 18 minutes) are kept; larger ones land in the top
 * bucket.  360 bytes each, and 512 more for each power of two that holds a
 * value (18 KB if all do); adding a value is a few instructions, and
 * allocates only the first time its power of two is seen.
 */
#ifndef SASEBED_REPORTS_HIST_H
#define SASEBED_REPORTS_HIST_H

#include <stdint.h>

struct hist;

struct hist *hist_new(void);
void hist_free(struct hist *h);
void hist_reset(struct hist *h);

void hist_add(struct hist *h, int64_t v);
/* Ahead of hist_add(h, v), in two steps: stage 0 the lines that find v's
 * counter, stage 1 (those in the cache) the counter.  Fetches only. */
void hist_prefetch(const struct hist *h, int64_t v, int stage);
void hist_merge(struct hist *dst, const struct hist *src);

uint64_t hist_count(const struct hist *h);
double hist_mean(const struct hist *h);   /* exact; 0 when empty */
int64_t hist_min(const struct hist *h);
int64_t hist_max(const struct hist *h);
/* The q-quantile (0 <= q <= 1) by the nearest-rank rule; 0 when empty. */
int64_t hist_quantile(const struct hist *h, double q);

#endif
