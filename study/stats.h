/*
 * Summary statistics of a study's repetitions: the mean, the sample
 * standard deviation and the half-width of the 95% confidence interval
 * of the mean by Student's t (the repetitions are few, and their spread
 * is estimated from themselves).
 */
#ifndef SASEBED_STUDY_STATS_H
#define SASEBED_STUDY_STATS_H

#include <stddef.h>

struct stats {
	size_t n;
	double mean;
	double sd;      /* NaN with fewer than 2 values */
	double ci95;    /* half-width: mean +- ci95; NaN with fewer than 2 */
};

/* The statistics of x[0..n-1]; n == 0 gives NaN everywhere. */
void stats_summary(const double *x, size_t n, struct stats *out);

#endif
