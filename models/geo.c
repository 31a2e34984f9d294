/*
 * Geography: the built-in city table and the distance and delay between
 * two places.
 *
 * The table holds the world's major network interconnection cities (where
 * exchanges, cloud regions, carrier hotels and cable landings cluster),
 * grouped by region.  Coordinates are city centres to about 0.01 degree,
 * about a kilometre, or 5 us of fibre: far below anything a scenario can
 * tell apart, and the route inflation factor swamps it anyway.  Offsets are
 * standard time, including the half- and quarter-hour ones (India, Nepal,
 * Newfoundland, South Australia).  Names are unique, lower case, hyphenated.
 *
 * The table is const and there is no other state.  Lookups scan it, which
 * is fine for about a hundred entries read while a scenario loads, never
 * per packet.
 */
#include <ctype.h>
#include <math.h>
#include <string.h>

#include "models/geo.h"
#include "sim/suggest.h"

static const struct geo_city cities[] = {
	/* North America */
	{ "ashburn", "Ashburn", "US", 39.0438, -77.4874, -300 },
	{ "washington", "Washington", "US", 38.9072, -77.0369, -300 },
	{ "new-york", "New York", "US", 40.7128, -74.0060, -300 },
	{ "boston", "Boston", "US", 42.3601, -71.0589, -300 },
	{ "atlanta", "Atlanta", "US", 33.7490, -84.3880, -300 },
	{ "miami", "Miami", "US", 25.7617, -80.1918, -300 },
	{ "chicago", "Chicago", "US", 41.8781, -87.6298, -360 },
	{ "dallas", "Dallas", "US", 32.7767, -96.7970, -360 },
	{ "houston", "Houston", "US", 29.7604, -95.3698, -360 },
	{ "kansas-city", "Kansas City", "US", 39.0997, -94.5786, -360 },
	{ "minneapolis", "Minneapolis", "US", 44.9778, -93.2650, -360 },
	{ "denver", "Denver", "US", 39.7392, -104.9903, -420 },
	{ "salt-lake-city", "Salt Lake City", "US", 40.7608, -111.8910, -420 },
	{ "phoenix", "Phoenix", "US", 33.4484, -112.0740, -420 },
	{ "los-angeles", "Los Angeles", "US", 34.0522, -118.2437, -480 },
	{ "san-jose", "San Jose", "US", 37.3382, -121.8863, -480 },
	{ "san-francisco", "San Francisco", "US", 37.7749, -122.4194, -480 },
	{ "portland", "Portland", "US", 45.5152, -122.6784, -480 },
	{ "seattle", "Seattle", "US", 47.6062, -122.3321, -480 },
	{ "honolulu", "Honolulu", "US", 21.3069, -157.8583, -600 },
	{ "toronto", "Toronto", "CA", 43.6532, -79.3832, -300 },
	{ "montreal", "Montreal", "CA", 45.5017, -73.5673, -300 },
	{ "vancouver", "Vancouver", "CA", 49.2827, -123.1207, -480 },
	{ "st-johns", "St. John's", "CA", 47.5615, -52.7126, -210 },
	{ "mexico-city", "Mexico City", "MX", 19.4326, -99.1332, -360 },
	{ "queretaro", "Queretaro", "MX", 20.5888, -100.3899, -360 },

	/* Central and South America */
	{ "panama-city", "Panama City", "PA", 8.9824, -79.5199, -300 },
	{ "bogota", "Bogota", "CO", 4.7110, -74.0721, -300 },
	{ "lima", "Lima", "PE", -12.0464, -77.0428, -300 },
	{ "santiago", "Santiago", "CL", -33.4489, -70.6693, -240 },
	{ "buenos-aires", "Buenos Aires", "AR", -34.6037, -58.3816, -180 },
	{ "montevideo", "Montevideo", "UY", -34.9011, -56.1645, -180 },
	{ "sao-paulo", "Sao Paulo", "BR", -23.5505, -46.6333, -180 },
	{ "rio-de-janeiro", "Rio de Janeiro", "BR", -22.9068, -43.1729, -180 },
	{ "fortaleza", "Fortaleza", "BR", -3.7319, -38.5267, -180 },

	/* Europe */
	{ "london", "London", "GB", 51.5074, -0.1278, 0 },
	{ "manchester", "Manchester", "GB", 53.4808, -2.2426, 0 },
	{ "dublin", "Dublin", "IE", 53.3498, -6.2603, 0 },
	{ "reykjavik", "Reykjavik", "IS", 64.1466, -21.9426, 0 },
	{ "lisbon", "Lisbon", "PT", 38.7223, -9.1393, 0 },
	{ "madrid", "Madrid", "ES", 40.4168, -3.7038, 60 },
	{ "barcelona", "Barcelona", "ES", 41.3851, 2.1734, 60 },
	{ "paris", "Paris", "FR", 48.8566, 2.3522, 60 },
	{ "marseille", "Marseille", "FR", 43.2965, 5.3698, 60 },
	{ "brussels", "Brussels", "BE", 50.8503, 4.3517, 60 },
	{ "amsterdam", "Amsterdam", "NL", 52.3676, 4.9041, 60 },
	{ "frankfurt", "Frankfurt", "DE", 50.1109, 8.6821, 60 },
	{ "dusseldorf", "Dusseldorf", "DE", 51.2277, 6.7735, 60 },
	{ "hamburg", "Hamburg", "DE", 53.5511, 9.9937, 60 },
	{ "munich", "Munich", "DE", 48.1351, 11.5820, 60 },
	{ "berlin", "Berlin", "DE", 52.5200, 13.4050, 60 },
	{ "zurich", "Zurich", "CH", 47.3769, 8.5417, 60 },
	{ "milan", "Milan", "IT", 45.4642, 9.1900, 60 },
	{ "rome", "Rome", "IT", 41.9028, 12.4964, 60 },
	{ "vienna", "Vienna", "AT", 48.2082, 16.3738, 60 },
	{ "prague", "Prague", "CZ", 50.0755, 14.4378, 60 },
	{ "budapest", "Budapest", "HU", 47.4979, 19.0402, 60 },
	{ "warsaw", "Warsaw", "PL", 52.2297, 21.0122, 60 },
	{ "copenhagen", "Copenhagen", "DK", 55.6761, 12.5683, 60 },
	{ "oslo", "Oslo", "NO", 59.9139, 10.7522, 60 },
	{ "stockholm", "Stockholm", "SE", 59.3293, 18.0686, 60 },
	{ "helsinki", "Helsinki", "FI", 60.1699, 24.9384, 120 },
	{ "kyiv", "Kyiv", "UA", 50.4501, 30.5234, 120 },
	{ "athens", "Athens", "GR", 37.9838, 23.7275, 120 },
	{ "bucharest", "Bucharest", "RO", 44.4268, 26.1025, 120 },
	{ "sofia", "Sofia", "BG", 42.6977, 23.3219, 120 },
	{ "istanbul", "Istanbul", "TR", 41.0082, 28.9784, 180 },
	{ "moscow", "Moscow", "RU", 55.7558, 37.6173, 180 },

	/* Middle East */
	{ "tel-aviv", "Tel Aviv", "IL", 32.0853, 34.7818, 120 },
	{ "riyadh", "Riyadh", "SA", 24.7136, 46.6753, 180 },
	{ "manama", "Manama", "BH", 26.2285, 50.5860, 180 },
	{ "doha", "Doha", "QA", 25.2854, 51.5310, 180 },
	{ "dubai", "Dubai", "AE", 25.2048, 55.2708, 240 },
	{ "muscat", "Muscat", "OM", 23.5880, 58.3829, 240 },

	/* Africa */
	{ "cairo", "Cairo", "EG", 30.0444, 31.2357, 120 },
	{ "casablanca", "Casablanca", "MA", 33.5731, -7.5898, 60 },
	{ "lagos", "Lagos", "NG", 6.5244, 3.3792, 60 },
	{ "accra", "Accra", "GH", 5.6037, -0.1870, 0 },
	{ "djibouti", "Djibouti", "DJ", 11.5721, 43.1456, 180 },
	{ "nairobi", "Nairobi", "KE", -1.2921, 36.8219, 180 },
	{ "mombasa", "Mombasa", "KE", -4.0435, 39.6682, 180 },
	{ "johannesburg", "Johannesburg", "ZA", -26.2041, 28.0473, 120 },
	{ "cape-town", "Cape Town", "ZA", -33.9249, 18.4241, 120 },

	/* South Asia */
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

	/* East and South-East Asia */
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
	{ "hangzhou", "Hangzhou", "CN", 30.2741, 120.1551, 480 },
	{ "chengdu", "Chengdu", "CN", 30.5728, 104.0668, 480 },
	{ "beijing", "Beijing", "CN", 39.9042, 116.4074, 480 },
	{ "taipei", "Taipei", "TW", 25.0330, 121.5654, 480 },
	{ "seoul", "Seoul", "KR", 37.5665, 126.9780, 540 },
	{ "busan", "Busan", "KR", 35.1796, 129.0756, 540 },
	{ "tokyo", "Tokyo", "JP", 35.6762, 139.6503, 540 },
	{ "osaka", "Osaka", "JP", 34.6937, 135.5023, 540 },
	{ "fukuoka", "Fukuoka", "JP", 33.5904, 130.4017, 540 },

	/* Oceania */
	{ "perth", "Perth", "AU", -31.9505, 115.8605, 480 },
	{ "adelaide", "Adelaide", "AU", -34.9285, 138.6007, 570 },
	{ "brisbane", "Brisbane", "AU", -27.4698, 153.0251, 600 },
	{ "sydney", "Sydney", "AU", -33.8688, 151.2093, 600 },
	{ "melbourne", "Melbourne", "AU", -37.8136, 144.9631, 600 },
	{ "auckland", "Auckland", "NZ", -36.8485, 174.7633, 720 },
	{ "wellington", "Wellington", "NZ", -41.2866, 174.7756, 720 },
};

#define NCITIES (sizeof(cities) / sizeof(cities[0]))

/* Longer than any city name; a longer query is simply not found. */
#define KEY_MAX 64

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

/*
 * The table's spelling of a user's name: lower case, with space and '_'
 * as '-', and '.' and '\'' dropped so that every display name ("St. John's")
 * looks up its own city.  Returns the length, or -1 if it does not fit.
 */
static int
normalise(const char *in, char out[KEY_MAX])
{
	size_t n = 0;

	if (in == NULL)
		return -1;
	for (; *in != '\0'; in++) {
		unsigned char c = (unsigned char)*in;

		if (c == '.' || c == '\'')
			continue;
		if (n + 1 >= KEY_MAX)
			return -1;
		out[n++] = (c == ' ' || c == '_') ? '-' : (char)tolower(c);
	}
	out[n] = '\0';
	return (int)n;
}

const struct geo_city *
geo_city_find(const char *name)
{
	char key[KEY_MAX];

	if (normalise(name, key) < 0)
		return NULL;
	for (size_t i = 0; i < NCITIES; i++)
		if (strcmp(cities[i].name, key) == 0)
			return &cities[i];
	return NULL;
}

/*
 * The closest name by edit distance, the first in table order on a tie.
 * Offered only when suggest_close() says so, the same bound the scenario
 * loader uses for keys and values.
 */
const struct geo_city *
geo_city_suggest(const char *name)
{
	const struct geo_city *best = NULL;
	size_t bestd = (size_t)-1;
	char key[KEY_MAX];

	if (normalise(name, key) <= 0)
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

/*
 * Haversine: well conditioned for short distances, where the spherical law
 * of cosines loses precision.  The clamp keeps rounding at antipodes from
 * handing asin() a value just over 1.
 */
double
geo_distance_km(double lat1, double lon1, double lat2, double lon2)
{
	const double rad = M_PI / 180.0;
	double sdlat = sin((lat2 - lat1) * rad / 2.0);
	double sdlon = sin((lon2 - lon1) * rad / 2.0);
	double h = sdlat * sdlat +
	    cos(lat1 * rad) * cos(lat2 * rad) * sdlon * sdlon;

	if (h > 1.0)
		h = 1.0;
	return 2.0 * GEO_EARTH_RADIUS_KM * asin(sqrt(h));
}

/* Rounded to the nearest nanosecond; nonsense input is no delay. */
sb_time
geo_delay(double km, double inflation, double fibre_km_s)
{
	double ns;

	if (!(km > 0.0) || !(inflation > 0.0) || !(fibre_km_s > 0.0))
		return 0;
	ns = km * inflation / fibre_km_s * 1e9;
	if (!(ns < 9.2e18))  /* past INT64_MAX; also catches infinity */
		return SB_TIME_NEVER;
	return (sb_time)llround(ns);
}
