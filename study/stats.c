/*
 * Mean, standard deviation and Student-t confidence interval.  GSL does
 * the arithmetic (its mean and sd are the numerically careful ones) and
 * gives the t quantile, t(0.975, n - 1).
 */
#include <math.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>

#include "study/stats.h"

void
stats_summary(const double *x, size_t n, struct stats *out)
{
	out->n = n;
	out->mean = out->sd = out->ci95 = NAN;
	if (n == 0)
		return;
	out->mean = gsl_stats_mean(x, 1, n);
	if (n < 2)
		return;
	out->sd = gsl_stats_sd_m(x, 1, n, out->mean);
	out->ci95 = gsl_cdf_tdist_Pinv(0.975, (double)(n - 1)) * out->sd /
	    sqrt((double)n);
}
