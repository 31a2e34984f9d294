/*
 * Geography: the city table's integrity, lookups and suggestions, and
 * distances and delays.
 *
 * Distances are checked three ways.  First against the haversine formula
 * written out again here, from coordinates typed into this file, and
 * against the chord construction (unit vectors, d = 2R asin(|u - v| / 2)),
 * which shares no code path with it.  Then against published figures:
 *
 *   London - New York (city centres): 5,570 km great circle, the figure
 *   usually quoted for the pair; within 1%.
 *
 *   Mumbai - Ashburn: no published city-centre figure is at hand, so the
 *   reference is the airport pair that brackets it, Mumbai (BOM,
 *   19 05'19"N 72 52'04"E) to Washington Dulles (IAD, 38 56'40"N
 *   77 27'20"W, 8 km south of Ashburn): 12,861 km great circle on the
 *   same sphere (7,991 statute miles).  The city pair is 12,854 km, within
 *   1% of it.  (It is 12,8xx, not 13,0xx: Dulles and Ashburn lie a little
 *   nearer the pole route than one might guess.)  As a sanity check,
 *   Mumbai - New York is commonly quoted as about 12,550 km, and Ashburn is
 *   some 300 km further along the same route.
 *
 * Delays are distance x inflation / fibre speed, rounded to the ns.
 */
#include <check.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/geo.h"

static const double R = 6371.0088;

/* Typed in from the published city-centre coordinates, not from the table. */
#define LONDON_LAT 51.5074
#define LONDON_LON (-0.1278)
#define NEW_YORK_LAT 40.7128
#define NEW_YORK_LON (-74.0060)
#define MUMBAI_LAT 19.0760
#define MUMBAI_LON 72.8777
#define ASHBURN_LAT 39.0438
#define ASHBURN_LON (-77.4874)

static double
deg(double d, double m, double s)
{
	return d + m / 60.0 + s / 3600.0;
}

static double
haversine_km(double lat1, double lon1, double lat2, double lon2)
{
	double p1 = lat1 * M_PI / 180, p2 = lat2 * M_PI / 180;
	double dp = p2 - p1, dl = (lon2 - lon1) * M_PI / 180;
	double a = pow(sin(dp / 2), 2) + cos(p1) * cos(p2) * pow(sin(dl / 2), 2);

	return 2 * R * atan2(sqrt(a), sqrt(1 - a));
}

static double
chord_km(double lat1, double lon1, double lat2, double lon2)
{
	double k = M_PI / 180, u[3], v[3], c = 0;

	u[0] = cos(lat1 * k) * cos(lon1 * k);
	u[1] = cos(lat1 * k) * sin(lon1 * k);
	u[2] = sin(lat1 * k);
	v[0] = cos(lat2 * k) * cos(lon2 * k);
	v[1] = cos(lat2 * k) * sin(lon2 * k);
	v[2] = sin(lat2 * k);
	for (int i = 0; i < 3; i++)
		c += (u[i] - v[i]) * (u[i] - v[i]);
	return 2 * R * asin(sqrt(c) / 2);
}

static const struct geo_city *
city(const char *name)
{
	const struct geo_city *c = geo_city_find(name);

	ck_assert_msg(c != NULL, "no city '%s'", name);
	return c;
}

static double
city_km(const char *a, const char *b)
{
	const struct geo_city *x = city(a), *y = city(b);

	return geo_distance_km(x->lat, x->lon, y->lat, y->lon);
}

START_TEST(test_constants)
{
	ck_assert_double_eq(GEO_EARTH_RADIUS_KM, R);
	/* c / 1.468 */
	ck_assert_double_eq_tol(GEO_DEFAULT_FIBRE_KM_S, 299792.458 / 1.468, 1);
}
END_TEST

START_TEST(test_london_new_york)
{
	const struct geo_city *l = city("london"), *ny = city("new-york");
	double km = city_km("london", "new-york");
	double ref = haversine_km(LONDON_LAT, LONDON_LON, NEW_YORK_LAT,
	    NEW_YORK_LON);

	printf("london-new-york: %.3f km (test's haversine %.3f, chord %.3f, "
	    "published 5570)\n", km, ref, chord_km(LONDON_LAT, LONDON_LON,
	    NEW_YORK_LAT, NEW_YORK_LON));
	/* the table holds the coordinates typed above, to 0.01 degree */
	ck_assert_double_eq_tol(l->lat, LONDON_LAT, 0.01);
	ck_assert_double_eq_tol(l->lon, LONDON_LON, 0.01);
	ck_assert_double_eq_tol(ny->lat, NEW_YORK_LAT, 0.01);
	ck_assert_double_eq_tol(ny->lon, NEW_YORK_LON, 0.01);
	/* the model's formula against the two written here, to a metre */
	ck_assert_double_eq_tol(geo_distance_km(LONDON_LAT, LONDON_LON,
	    NEW_YORK_LAT, NEW_YORK_LON), ref, 1e-3);
	ck_assert_double_eq_tol(ref, chord_km(LONDON_LAT, LONDON_LON,
	    NEW_YORK_LAT, NEW_YORK_LON), 1e-3);
	ck_assert_msg(fabs(km - 5570) / 5570 < 0.01, "%.1f km", km);
	/* symmetric */
	ck_assert_double_eq_tol(city_km("new-york", "london"), km, 1e-9);
}
END_TEST

START_TEST(test_mumbai_ashburn)
{
	double km = city_km("mumbai", "ashburn");
	double ref = haversine_km(MUMBAI_LAT, MUMBAI_LON, ASHBURN_LAT,
	    ASHBURN_LON);
	double airports = haversine_km(deg(19, 5, 19), deg(72, 52, 4),
	    deg(38, 56, 40), -deg(77, 27, 20));
	double want_ns = km * GEO_DEFAULT_INFLATION / GEO_DEFAULT_FIBRE_KM_S *
	    1e9;
	sb_time d = geo_delay(km, GEO_DEFAULT_INFLATION,
	    GEO_DEFAULT_FIBRE_KM_S);

	printf("mumbai-ashburn: %.3f km (test's haversine %.3f, BOM-IAD "
	    "%.3f); delay %lld ns (exact %.3f)\n", km, ref, airports,
	    (long long)d, want_ns);
	ck_assert_double_eq_tol(geo_distance_km(MUMBAI_LAT, MUMBAI_LON,
	    ASHBURN_LAT, ASHBURN_LON), ref, 1e-3);
	ck_assert_double_eq_tol(km, ref, 2.0);  /* table vs typed-in coords */
	ck_assert_double_eq_tol(ref, chord_km(MUMBAI_LAT, MUMBAI_LON,
	    ASHBURN_LAT, ASHBURN_LON), 1e-3);
	ck_assert_double_eq_tol(airports, 12861, 1);
	ck_assert_msg(fabs(km - airports) / airports < 0.01, "%.1f km", km);
	/* propagation: within the half-nanosecond of rounding */
	ck_assert_double_le(fabs((double)d - want_ns), 0.5);
	/* about 94.4 ms one way with the defaults */
	ck_assert_int_gt(d, 94 * SB_MS);
	ck_assert_int_lt(d, 95 * SB_MS);
}
END_TEST

START_TEST(test_distance_edges)
{
	/* same point, antipodes, a quarter of a meridian */
	ck_assert_double_eq(geo_distance_km(10, 20, 10, 20), 0);
	ck_assert_double_eq_tol(geo_distance_km(0, 0, 0, 180), M_PI * R, 1e-6);
	ck_assert_double_eq_tol(geo_distance_km(45, 10, -45, -170), M_PI * R,
	    1e-6);
	ck_assert_double_eq_tol(geo_distance_km(0, 0, 90, 0), M_PI * R / 2,
	    1e-6);
	/* across the antimeridian: 2 degrees of equator, not 358 */
	ck_assert_double_eq_tol(geo_distance_km(0, 179, 0, -179),
	    2 * M_PI * R / 180, 1e-6);
	/* a short hop stays precise */
	ck_assert_double_eq_tol(geo_distance_km(0, 0, 0, 1e-5),
	    1e-5 * M_PI * R / 180, 1e-9);
}
END_TEST

START_TEST(test_delay)
{
	double kms[] = { 0.001, 1, 12.3456, 1000, 5570.2299, 20015 };

	for (size_t i = 0; i < sizeof(kms) / sizeof(kms[0]); i++) {
		double infl[] = { 1.0, 1.5, 2.2 };

		for (size_t j = 0; j < 3; j++) {
			double want = kms[i] * infl[j] / 204218.0 * 1e9;
			sb_time d = geo_delay(kms[i], infl[j], 204218.0);

			ck_assert_msg(fabs((double)d - want) <= 0.5,
			    "%g km x %g: %lld ns, want %.3f", kms[i], infl[j],
			    (long long)d, want);
		}
	}
	/* 1000 km of straight fibre at c / 1.468: 4.8967 ms */
	ck_assert_int_eq(geo_delay(1000, 1.0, GEO_DEFAULT_FIBRE_KM_S),
	    4896728);
	ck_assert_int_eq(geo_delay(0, 1.5, GEO_DEFAULT_FIBRE_KM_S), 0);
	ck_assert_int_eq(geo_delay(-5, 1.5, GEO_DEFAULT_FIBRE_KM_S), 0);
	ck_assert_int_eq(geo_delay(100, 1.5, 0), 0);
}
END_TEST

START_TEST(test_table)
{
	static const char *const hubs[] = { "ashburn", "new-york", "chicago",
		"dallas", "los-angeles", "san-jose", "seattle", "miami",
		"atlanta", "denver", "toronto", "montreal", "mexico-city",
		"sao-paulo", "buenos-aires", "santiago", "bogota", "lima",
		"london", "frankfurt", "amsterdam", "paris", "madrid", "milan",
		"stockholm", "warsaw", "zurich", "vienna", "dublin",
		"marseille", "istanbul", "moscow", "dubai", "tel-aviv",
		"johannesburg", "cape-town", "lagos", "nairobi", "cairo",
		"mumbai", "chennai", "new-delhi", "bangalore", "hyderabad",
		"kolkata", "singapore", "hong-kong", "shanghai", "beijing",
		"shenzhen", "guangzhou", "tokyo", "osaka", "seoul", "taipei",
		"manila", "jakarta", "bangkok", "kuala-lumpur",
		"ho-chi-minh-city", "sydney", "melbourne", "perth",
		"auckland" };
	size_t n = geo_city_count();

	printf("%zu cities\n", n);
	ck_assert_uint_ge(n, 70);
	for (size_t i = 0; i < n; i++) {
		const struct geo_city *c = geo_city_at(i);

		ck_assert_ptr_nonnull(c);
		ck_assert_msg(c->lat >= -90 && c->lat <= 90, "%s", c->name);
		ck_assert_msg(c->lon >= -180 && c->lon <= 180, "%s", c->name);
		ck_assert_msg(c->utc_offset_min >= -12 * 60 &&
		    c->utc_offset_min <= 14 * 60 &&
		    c->utc_offset_min % 15 == 0, "%s", c->name);
		ck_assert_msg(strlen(c->country) == 2 &&
		    isupper((unsigned char)c->country[0]) &&
		    isupper((unsigned char)c->country[1]), "%s", c->name);
		ck_assert(c->display != NULL && c->display[0] != '\0');
		for (const char *s = c->name; *s; s++)
			ck_assert_msg(islower((unsigned char)*s) || *s == '-',
			    "name '%s'", c->name);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(c->name, geo_city_at(j)->name);
		ck_assert_ptr_eq(geo_city_find(c->name), c);
		/* what people read can be typed back in */
		ck_assert_msg(geo_city_find(c->display) == c, "display '%s'",
		    c->display);
	}
	ck_assert_ptr_null(geo_city_at(n));
	for (size_t i = 0; i < sizeof(hubs) / sizeof(hubs[0]); i++)
		ck_assert_msg(geo_city_find(hubs[i]) != NULL, "no %s", hubs[i]);
	ck_assert_int_eq(city("mumbai")->utc_offset_min, 330);
	ck_assert_int_eq(city("kathmandu")->utc_offset_min, 345);
	ck_assert_int_eq(city("ashburn")->utc_offset_min, -300);
	ck_assert_int_eq(city("tokyo")->utc_offset_min, 540);
	ck_assert_str_eq(city("sao-paulo")->country, "BR");
}
END_TEST

START_TEST(test_lookup_forms)
{
	const struct geo_city *ny = city("new-york");

	ck_assert_ptr_eq(geo_city_find("New York"), ny);
	ck_assert_ptr_eq(geo_city_find("new_york"), ny);
	ck_assert_ptr_eq(geo_city_find("NEW-YORK"), ny);
	ck_assert_ptr_eq(geo_city_find("hO cHi_MiNh CITY"),
	    city("ho-chi-minh-city"));
	ck_assert_ptr_null(geo_city_find("newyork"));
	ck_assert_ptr_null(geo_city_find("atlantis"));
	ck_assert_ptr_null(geo_city_find(""));
	ck_assert_ptr_null(geo_city_find(NULL));
	ck_assert_ptr_null(geo_city_find("a-name-far-longer-than-any-city-"
	    "in-the-table-and-longer-than-the-key-buffer"));
}
END_TEST

START_TEST(test_suggest)
{
	ck_assert_ptr_eq(geo_city_suggest("mumbay"), city("mumbai"));
	ck_assert_ptr_eq(geo_city_suggest("Frankfort"), city("frankfurt"));
	ck_assert_ptr_eq(geo_city_suggest("singapur"), city("singapore"));
	ck_assert_ptr_eq(geo_city_suggest("hong_kongg"), city("hong-kong"));
	ck_assert_ptr_eq(geo_city_suggest("sao paolo"), city("sao-paulo"));
	/* max(2, len/3): 3 edits are allowed for a 9-letter word, */
	ck_assert_ptr_eq(geo_city_suggest("johnesbrg"), city("johannesburg"));
	/* never fewer than 2, so a swap in a short name is caught, */
	ck_assert_ptr_eq(geo_city_suggest("olso"), city("oslo"));
	/* but only 2 for a 6-letter one (mumbai is 3 away) */
	ck_assert_ptr_null(geo_city_suggest("mumxyz"));
	ck_assert_ptr_eq(geo_city_suggest("mumxyi"), city("mumbai"));
	ck_assert_ptr_null(geo_city_suggest("zzzzzzzzzzzz"));
	ck_assert_ptr_null(geo_city_suggest("qqqqq"));
	ck_assert_ptr_null(geo_city_suggest(""));
	ck_assert_ptr_null(geo_city_suggest(NULL));
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("geo");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_constants);
	tcase_add_test(tc, test_london_new_york);
	tcase_add_test(tc, test_mumbai_ashburn);
	tcase_add_test(tc, test_distance_edges);
	tcase_add_test(tc, test_delay);
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_lookup_forms);
	tcase_add_test(tc, test_suggest);
	suite_add_tcase(s, tc);
	return s;
}

#include "check_main.h"
