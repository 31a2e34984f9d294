/*
 * Diurnal profiles.  The points are kept sorted by hour; between two
 * neighbours the multipliers move in a straight line, and the last point of
 * the day is joined to the first point of the next (at its hour + 24), so
 * the curve is continuous all round the clock.  One point is a constant.
 *
 * A profile is immutable once made, so many links share one, and
 * profile_at() only reads: it is on every packet's path and allocates
 * nothing.  It finds its segment by binary search, though profiles in
 * practice have a handful of points.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/profile.h"

struct profile {
	char *name;
	size_t n;
	struct profile_point pts[];  /* sorted by hour, hours distinct */
};

static int
by_hour(const void *a, const void *b)
{
	const struct profile_point *x = a, *y = b;

	return (x->hour > y->hour) - (x->hour < y->hour);
}

static int
multiplier_ok(double m)
{
	return m >= 0.0 && isfinite(m);
}

struct profile *
profile_new(const char *name, const struct profile_point *pts, size_t n)
{
	struct profile *p;

	if (pts == NULL || n == 0 ||
	    n > (SIZE_MAX - sizeof(*p)) / sizeof(pts[0]))
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!(pts[i].hour >= 0.0 && pts[i].hour < 24.0) ||
		    !multiplier_ok(pts[i].delay) ||
		    !multiplier_ok(pts[i].jitter) ||
		    !multiplier_ok(pts[i].loss))
			return NULL;
	if ((p = malloc(sizeof(*p) + n * sizeof(pts[0]))) == NULL)
		return NULL;
	if ((p->name = strdup(name != NULL ? name : "")) == NULL) {
		free(p);
		return NULL;
	}
	p->n = n;
	memcpy(p->pts, pts, n * sizeof(pts[0]));
	qsort(p->pts, n, sizeof(p->pts[0]), by_hour);
	for (size_t i = 1; i < n; i++)
		if (p->pts[i].hour == p->pts[i - 1].hour) {
			profile_free(p);
			return NULL;
		}
	return p;
}

void
profile_free(struct profile *p)
{
	if (p == NULL)
		return;
	free(p->name);
	free(p);
}

const char *
profile_name(const struct profile *p)
{
	return p->name;
}

static struct profile_factors
factors_of(const struct profile_point *a)
{
	struct profile_factors f = { a->delay, a->jitter, a->loss };

	return f;
}

/*
 * The segment holding `hour` runs from a, the last point at or before it,
 * to b, the next point; before the day's first point, a is the previous
 * day's last point (its hour - 24), and after the day's last point b is the
 * next day's first (its hour + 24).  Either way the span is positive, as
 * hours are distinct and n > 1.
 */
struct profile_factors
profile_at(const struct profile *p, double hour)
{
	const struct profile_point *a, *b;
	struct profile_factors out;
	double ha, hb, f;
	size_t lo, hi;

	if (p->n == 1)
		return factors_of(&p->pts[0]);
	if (!isfinite(hour))
		hour = 0.0;
	hour = fmod(hour, 24.0);
	if (hour < 0.0)
		hour += 24.0;  /* may round up to exactly 24: the wrap copes */

	/* lo: the number of points at or before `hour` */
	lo = 0;
	hi = p->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->pts[mid].hour <= hour)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0) {
		a = &p->pts[p->n - 1];
		b = &p->pts[0];
		ha = a->hour - 24.0;
		hb = b->hour;
	} else if (lo == p->n) {
		a = &p->pts[p->n - 1];
		b = &p->pts[0];
		ha = a->hour;
		hb = b->hour + 24.0;
	} else {
		a = &p->pts[lo - 1];
		b = &p->pts[lo];
		ha = a->hour;
		hb = b->hour;
	}
	f = (hour - ha) / (hb - ha);
	out.delay = a->delay + (b->delay - a->delay) * f;
	out.jitter = a->jitter + (b->jitter - a->jitter) * f;
	out.loss = a->loss + (b->loss - a->loss) * f;
	return out;
}
