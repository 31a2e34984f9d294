/*
 * Geography: a built-in table of the world's major network cities and the
 * propagation delay between them.
 *
 * delay = great-circle distance x route inflation / speed of light in fibre.
 * Distance is the haversine formula on a sphere of the mean Earth radius
 * (6371.0088 km).  Defaults: inflation GEO_DEFAULT_INFLATION (fibre routes
 * are longer than the great circle), fibre speed GEO_DEFAULT_FIBRE_KM_S
 * (c / 1.468, the group index of standard single-mode fibre at 1550 nm).
 *
 * Each city carries its standard-time UTC offset; daylight saving is not
 * applied (the diurnal profiles are coarse enough that an hour rarely
 * matters, and it keeps runs independent of the host's tz database).
 */
#ifndef SASEBED_MODELS_GEO_H
#define SASEBED_MODELS_GEO_H

#include <stddef.h>

#include "wan/platform.h"

#define GEO_EARTH_RADIUS_KM 6371.0088
#define GEO_DEFAULT_FIBRE_KM_S 204218.0
#define GEO_DEFAULT_INFLATION 1.5

struct geo_city {
	const char *name;    /* lower-case, hyphenated: "new-york" */
	const char *display; /* "New York" */
	const char *country; /* ISO 3166 alpha-2 */
	double lat, lon;     /* degrees */
	int utc_offset_min;  /* standard time */
};

size_t geo_city_count(void);
const struct geo_city *geo_city_at(size_t i);

/* Look a city up by name: case-insensitive, spaces, '_' and '-' alike. */
const struct geo_city *geo_city_find(const char *name);

/* The known city whose name is closest to `name` (for "did you mean"), or
 * NULL if none is close. */
const struct geo_city *geo_city_suggest(const char *name);

double geo_distance_km(double lat1, double lon1, double lat2, double lon2);

/* Propagation delay over `km` of great circle. */
sb_time geo_delay(double km, double inflation, double fibre_km_s);

#endif
