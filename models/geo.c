/*
 * Geography.  The city table is the world's major network interconnection
 * cities (where PoPs, exchanges and cloud regions sit), with city-centre
 * coordinates to about 0.01 degree (about 1 km: 5 us of fibre, far below
 * anything a scenario can tell apart) and standard-time UTC offsets.
 * Grouped by region; lookups scan it, which is fine for ~100 entries read
 * only while a scenario loads.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/geo.h"
#include "sim/suggest.h"

static const struct geo_city cities[] = {
	{ "mumbai", "Mumbai", "IN", 19.0760, 72.8777, 330 },
	{ "new-delhi", "New Delhi", "IN", 28.6139, 77.2090, 330 },
	{ "chennai", "Chennai", "IN", 13.0827, 80.2707, 330 },
	{ "bangalore", "Bangalore", "IN", 12.9716, 77.5946, 330 },
	{ "hyderabad", "Hyderabad", "IN", 17.3850, 78.4867, 330 },
	{ "kolkata", "Kolkata", "IN", 22.5726, 88.3639, 330 },
	{ "karachi", "Karachi", "PK", 24.8607, 67.0011, 300 },
	{ "colombo", "Colombo", "LK", 6.9271, 79.8612, 330 },
	{ "dhaka", "Dhaka", "BD", 23.8103, 90.4125, 360 },
	{ "kathmandu", "Kathmandu", "NP", 27.7172, 85.3240, 345 },
	{ "ashburn", "Ashburn", "US", 39.0438, -77.4874, -300 },
	{ "washington", "Washington", "US", 38.9072, -77.0369, -300 },
	{ "new-york", "New York", "US", 40.7128, -74.0060, -300 },
	{ "boston", "Boston", "US", 42.3601, -71.0589, -300 },
	{ "atlanta", "Atlanta", "US", 33.7490, -84.3880, -300 },
	{ "miami", "Miami", "US", 25.7617, -80.1918, -300 },
	{ "chicago", "Chicago", "US", 41.8781, -87.6298, -360 },
	{ "dallas", "Dallas", "US", 32.7767, -96.7970, -360 },
	{ "denver", "Denver", "US", 39.7392, -104.9903, -420 },
	{ "phoenix", "Phoenix", "US", 33.4484, -112.0740, -420 },
	{ "los-angeles", "Los Angeles", "US", 34.0522, -118.2437, -480 },
	{ "san-jose", "San Jose", "US", 37.3382, -121.8863, -480 },
	{ "san-francisco", "San Francisco", "US", 37.7749, -122.4194, -480 },
	{ "seattle", "Seattle", "US", 47.6062, -122.3321, -480 },
	{ "honolulu", "Honolulu", "US", 21.3069, -157.8583, -600 },
	{ "toronto", "Toronto", "CA", 43.6532, -79.3832, -300 },
	{ "montreal", "Montreal", "CA", 45.5017, -73.5673, -300 },
	{ "vancouver", "Vancouver", "CA", 49.2827, -123.1207, -480 },
	{ "mexico-city", "Mexico City", "MX", 19.4326, -99.1332, -360 },
	{ "bogota", "Bogota", "CO", 4.7110, -74.0721, -300 },
	{ "lima", "Lima", "PE", -12.0464, -77.0428, -300 },
	{ "santiago", "Santiago", "CL", -33.4489, -70.6693, -240 },
	{ "buenos-aires", "Buenos Aires", "AR", -34.6037, -58.3816, -180 },
	{ "sao-paulo", "Sao Paulo", "BR", -23.5505, -46.6333, -180 },
	{ "rio-de-janeiro", "Rio de Janeiro", "BR", -22.9068, -43.1729, -180 },
	{ "london", "London", "GB", 51.5074, -0.1278, 0 },
	{ "manchester", "Manchester", "GB", 53.4808, -2.2426, 0 },
	{ "dublin", "Dublin", "IE", 53.3498, -6.2603, 0 },
	{ "lisbon", "Lisbon", "PT", 38.7223, -9.1393, 0 },
	{ "madrid", "Madrid", "ES", 40.4168, -3.7038, 60 },
	{ "paris", "Paris", "FR", 48.8566, 2.3522, 60 },
	{ "marseille", "Marseille", "FR", 43.2965, 5.3698, 60 },
	{ "brussels", "Brussels", "BE", 50.8503, 4.3517, 60 },
	{ "amsterdam", "Amsterdam", "NL", 52.3676, 4.9041, 60 },
	{ "frankfurt", "Frankfurt", "DE", 50.1109, 8.6821, 60 },
	{ "dusseldorf", "Dusseldorf", "DE", 51.2277, 6.7735, 60 },
	{ "munich", "Munich", "DE", 48.1351, 11.5820, 60 },
	{ "berlin", "Berlin", "DE", 52.5200, 13.4050, 60 },
	{ "zurich", "Zurich", "CH", 47.3769, 8.5417, 60 },
	{ "milan", "Milan", "IT", 45.4642, 9.1900, 60 },
	{ "rome", "Rome", "IT", 41.9028, 12.4964, 60 },
	{ "vienna", "Vienna", "AT", 48.2082, 16.3738, 60 },
	{ "prague", "Prague", "CZ", 50.0755, 14.4378, 60 },
	{ "warsaw", "Warsaw", "PL", 52.2297, 21.0122, 60 },
	{ "copenhagen", "Copenhagen", "DK", 55.6761, 12.5683, 60 },
	{ "oslo", "Oslo", "NO", 59.9139, 10.7522, 60 },
	{ "stockholm", "Stockholm", "SE", 59.3293, 18.0686, 60 },
	{ "helsinki", "Helsinki", "FI", 60.1699, 24.9384, 120 },
	{ "athens", "Athens", "GR", 37.9838, 23.7275, 120 },
	{ "bucharest", "Bucharest", "RO", 44.4268, 26.1025, 120 },
	{ "sofia", "Sofia", "BG", 42.6977, 23.3219, 120 },
	{ "istanbul", "Istanbul", "TR", 41.0082, 28.9784, 180 },
	{ "moscow", "Moscow", "RU", 55.7558, 37.6173, 180 },
	{ "tel-aviv", "Tel Aviv", "IL", 32.0853, 34.7818, 120 },
	{ "cairo", "Cairo", "EG", 30.0444, 31.2357, 120 },
	{ "riyadh", "Riyadh", "SA", 24.7136, 46.6753, 180 },
	{ "doha", "Doha", "QA", 25.2854, 51.5310, 180 },
	{ "dubai", "Dubai", "AE", 25.2048, 55.2708, 240 },
	{ "lagos", "Lagos", "NG", 6.5244, 3.3792, 60 },
	{ "nairobi", "Nairobi", "KE", -1.2921, 36.8219, 180 },
	{ "johannesburg", "Johannesburg", "ZA", -26.2041, 28.0473, 120 },
	{ "cape-town", "Cape Town", "ZA", -33.9249, 18.4241, 120 },
	{ "singapore", "Singapore", "SG", 1.3521, 103.8198, 480 },
	{ "kuala-lumpur", "Kuala Lumpur", "MY", 3.1390, 101.6869, 480 },
	{ "jakarta", "Jakarta", "ID", -6.2088, 106.8456, 420 },
	{ "bangkok", "Bangkok", "TH", 13.7563, 100.5018, 420 },
	{ "ho-chi-minh-city", "Ho Chi Minh City", "VN", 10.8231, 106.6297, 420 },
	{ "hanoi", "Hanoi", "VN", 21.0278, 105.8342, 420 },
	{ "manila", "Manila", "PH", 14.5995, 120.9842, 480 },
	{ "hong-kong", "Hong Kong", "HK", 22.3193, 114.1694, 480 },
	{ "shenzhen", "Shenzhen", "CN", 22.5431, 114.0579, 480 },
	{ "guangzhou", "Guangzhou", "CN", 23.1291, 113.2644, 480 },
	{ "shanghai", "Shanghai", "CN", 31.2304, 121.4737, 480 },
	{ "beijing", "Beijing", "CN", 39.9042, 116.4074, 480 },
	{ "taipei", "Taipei", "TW", 25.0330, 121.5654, 480 },
	{ "seoul", "Seoul", "KR", 37.5665, 126.9780, 540 },
	{ "tokyo", "Tokyo", "JP", 35.6762, 139.6503, 540 },
	{ "osaka", "Osaka", "JP", 34.6937, 135.5023, 540 },
	{ "perth", "Perth", "AU", -31.9505, 115.8605, 480 },
	{ "brisbane", "Brisbane", "AU", -27.4698, 153.0251, 600 },
	{ "sydney", "Sydney", "AU", -33.8688, 151.2093, 600 },
	{ "melbourne", "Melbourne", "AU", -37.8136, 144.9631, 600 },
	{ "auckland", "Auckland", "NZ", -36.8485, 174.7633, 720 },
};

#define NCITIES (sizeof(cities) / sizeof(cities[0]))

size_t
geo_city_count(void)
{
	return NCITIES;
}

const struct geo_city *
geo_city_at(size_t i)
{
	return i < NCITIES ? &cities[i] : NULL;
}

/* Lower case, with space, '_' and '-' all '-'.  Returns 0 if it fit. */
static int
normalise(const char *in, char *out, size_t len)
{
	size_t i;

	for (i = 0; in[i] != '\0'; i++) {
		unsigned char c = (unsigned char)in[i];
		if (i + 1 >= len)
			return -1;
		out[i] = (c == ' ' || c == '_') ? '-' : (char)tolower(c);
	}
	out[i] = '\0';
	return 0;
}

const struct geo_city *
geo_city_find(const char *name)
{
	char key[64];

	if (name == NULL || normalise(name, key, sizeof(key)) < 0)
		return NULL;
	for (size_t i = 0; i < NCITIES; i++)
		if (strcmp(cities[i].name, key) == 0)
			return &cities[i];
	return NULL;
}

const struct geo_city *
geo_city_suggest(const char *name)
{
	const struct geo_city *best = NULL;
	size_t bestd = (size_t)-1;
	char key[64];

	if (name == NULL || normalise(name, key, sizeof(key)) < 0)
		return NULL;
	for (size_t i = 0; i < NCITIES; i++) {
		size_t d = suggest_distance(key, cities[i].name);
		if (d < bestd) {
			bestd = d;
			best = &cities[i];
		}
	}
	return best != NULL && suggest_close(key, bestd) ? best : NULL;
}

double
geo_distance_km(double lat1, double lon1, double lat2, double lon2)
{
	const double rad = M_PI / 180.0;
	double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
	double h = sin(dlat / 2) * sin(dlat / 2) +
	    cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);

	return 2.0 * GEO_EARTH_RADIUS_KM * asin(fmin(1.0, sqrt(h)));
}

sb_time
geo_delay(double km, double inflation, double fibre_km_s)
{
	if (km <= 0 || fibre_km_s <= 0)
		return 0;
	return (sb_time)llround(km * inflation / fibre_km_s * 1e9);
}
