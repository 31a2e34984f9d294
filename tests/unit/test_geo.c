/*
 * Geography.  Distances are checked two ways: against the haversine formula
 * written out here independently (spherical law of cosines, which agrees
 * to well under a metre at these distances) from coordinates typed into
 * the test, and London-New York against its published great-circle
 * figure, 5,570 km, within 1%.  Delays follow distance x inflation / fibre
 * speed to the nanosecond.
 */
#include <check.h>
#include <math.h>
#include <string.h>

#include "models/geo.h"

static double
cosine_law_km(double la1, double lo1, double la2, double lo2)
{
	double r = M_PI / 180;
	double c = sin(la1 * r) * sin(la2 * r) +
	    cos(la1 * r) * cos(la2 * r) * cos((lo2 - lo1) * r);

	return GEO_EARTH_RADIUS_KM * acos(c > 1 ? 1 : c);
}

static double
city_km(const char *a, const char *b)
{
	const struct geo_city *x = geo_city_find(a), *y = geo_city_find(b);

	ck_assert_ptr_nonnull(x);
	ck_assert_ptr_nonnull(y);
	return geo_distance_km(x->lat, x->lon, y->lat, y->lon);
}

START_TEST(test_london_new_york)
{
	double km = city_km("london", "new-york");

	ck_assert_double_eq_tol(km, cosine_law_km(51.5074, -0.1278, 40.7128,
	    -74.0060), 0.01);
	ck_assert_msg(fabs(km - 5570) / 5570 < 0.01, "London-New York %.0f km",
	    km);
}
END_TEST

START_TEST(test_mumbai_ashburn)
{
	double km = city_km("Mumbai", "ashburn");
	sb_time d;

	ck_assert_double_eq_tol(km, cosine_law_km(19.0760, 72.8777, 39.0438,
	    -77.4874), 0.01);
	ck_assert_msg(km > 12500 && km < 13200, "Mumbai-Ashburn %.0f km", km);
	d = geo_delay(km, 1.5, GEO_DEFAULT_FIBRE_KM_S);
	ck_assert_int_eq(d, (sb_time)llround(km * 1.5 / 204218.0 * 1e9));
	/* about 94 ms one way with the defaults */
	ck_assert(d > 90 * SB_MS && d < 100 * SB_MS);
}
END_TEST

START_TEST(test_table)
{
	size_t n = geo_city_count();

	ck_assert_uint_ge(n, 60);
	for (size_t i = 0; i < n; i++) {
		const struct geo_city *c = geo_city_at(i);
		ck_assert(c->lat >= -90 && c->lat <= 90);
		ck_assert(c->lon >= -180 && c->lon <= 180);
		ck_assert(c->utc_offset_min >= -12 * 60 &&
		    c->utc_offset_min <= 14 * 60);
		ck_assert_uint_eq(strlen(c->country), 2);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(c->name, geo_city_at(j)->name);
		ck_assert_ptr_eq(geo_city_find(c->name), c);
	}
	ck_assert_ptr_null(geo_city_at(n));
	/* the cities the flagship scenarios name */
	ck_assert_ptr_nonnull(geo_city_find("hong-kong"));
	ck_assert_ptr_nonnull(geo_city_find("shanghai"));
	ck_assert_ptr_nonnull(geo_city_find("frankfurt"));
	ck_assert_int_eq(geo_city_find("mumbai")->utc_offset_min, 330);
}
END_TEST

START_TEST(test_lookup_forms)
{
	const struct geo_city *ny = geo_city_find("new-york");

	ck_assert_ptr_eq(geo_city_find("New York"), ny);
	ck_assert_ptr_eq(geo_city_find("new_york"), ny);
	ck_assert_ptr_eq(geo_city_find("NEW-YORK"), ny);
	ck_assert_ptr_null(geo_city_find("atlantis"));
	ck_assert_ptr_eq(geo_city_suggest("mumbay"), geo_city_find("mumbai"));
	ck_assert_ptr_eq(geo_city_suggest("frankfort"),
	    geo_city_find("frankfurt"));
	ck_assert_ptr_null(geo_city_suggest("zzzzzzzzzzzz"));
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("geo");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_london_new_york);
	tcase_add_test(tc, test_mumbai_ashburn);
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_lookup_forms);
	suite_add_tcase(s, tc);
	return s;
}

#include "check_main.h"
