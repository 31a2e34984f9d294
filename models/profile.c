/*
 * Diurnal profiles: points sorted by hour, joined by straight lines, the
 * last point joined to the first across midnight.  A profile is immutable
 * once made, so links may share one.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/profile.h"

struct profile {
	char *name;
	size_t n;
	struct profile_point pts[];
};

static int
by_hour(const void *a, const void *b)
{
	const struct profile_point *x = a, *y = b;

	return (x->hour > y->hour) - (x->hour < y->hour);
}

struct profile *
profile_new(const char *name, const struct profile_point *pts, size_t n)
{
	struct profile *p;

	if (n == 0)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!(pts[i].hour >= 0 && pts[i].hour < 24) ||
		    !(pts[i].delay >= 0) || !(pts[i].jitter >= 0) ||
		    !(pts[i].loss >= 0))
			return NULL;
	p = malloc(sizeof(*p) + n * sizeof(p->pts[0]));
	if (p == NULL)
		return NULL;
	p->name = strdup(name ? name : "");
	if (p->name == NULL) {
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

static double
lerp(double a, double b, double f)
{
	return a + (b - a) * f;
}

struct profile_factors
profile_at(const struct profile *p, double hour)
{
	const struct profile_point *a, *b;
	struct profile_factors out;
	double span, f;
	size_t i;

	hour = fmod(hour, 24.0);
	if (hour < 0)
		hour += 24.0;
	/* a: the last point at or before `hour` (wrapping to the day's last) */
	for (i = 0; i < p->n && p->pts[i].hour <= hour; i++)
		;
	a = i == 0 ? &p->pts[p->n - 1] : &p->pts[i - 1];
	b = i == p->n ? &p->pts[0] : &p->pts[i];
	span = b->hour - a->hour;
	if (span <= 0)
		span += 24.0;
	f = hour - a->hour;
	if (f < 0)
		f += 24.0;
	f = p->n == 1 ? 0.0 : f / span;
	out.delay = lerp(a->delay, b->delay, f);
	out.jitter = lerp(a->jitter, b->jitter, f);
	out.loss = lerp(a->loss, b->loss, f);
	return out;
}
