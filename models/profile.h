/*
 * Diurnal profiles: how a path's delay, jitter and loss swell with the local
 * hour.  A profile is a list of points (hour of day, multiplier for delay,
 * jitter and loss), joined by straight lines and wrapping at midnight.  This
 * is how "Mumbai at peak" is written down.
 *
 * A path has two ends, possibly in different time zones; the link asks for
 * the factor at each end's local hour and takes the larger, since congestion
 * at either end is felt by the whole path.
 */
#ifndef SASEBED_MODELS_PROFILE_H
#define SASEBED_MODELS_PROFILE_H

#include <stddef.h>

struct profile_point {
	double hour;   /* [0, 24) */
	double delay;  /* multipliers, >= 0 */
	double jitter;
	double loss;
};

struct profile_factors {
	double delay, jitter, loss;
};

struct profile;

/* Points need not be sorted; at least one.  NULL on ENOMEM or bad input
 * (hour outside [0, 24), negative multiplier, two points at one hour). */
struct profile *profile_new(const char *name, const struct profile_point *pts,
    size_t n);
void profile_free(struct profile *p);
const char *profile_name(const struct profile *p);

/* The multipliers at a local hour (any real; taken modulo 24). */
struct profile_factors profile_at(const struct profile *p, double hour);

#endif
