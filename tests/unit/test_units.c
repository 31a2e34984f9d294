/*
 * Units: every unit to its base, compounds, decimals, and the mistakes a
 * user makes (no unit, a wrong unit, a wrong case, negative numbers) each
 * refused with a reason.
 */
#include <check.h>
#include <string.h>

#include "sim/units.h"

START_TEST(test_time)
{
	sb_time t;
	char err[256];

	ck_assert_int_eq(units_time("5ms", &t, err, sizeof(err)), 0);
	ck_assert_int_eq(t, 5 * SB_MS);
	ck_assert_int_eq(units_time("1.5s", &t, err, sizeof(err)), 0);
	ck_assert_int_eq(t, 1500 * SB_MS);
	ck_assert_int_eq(units_time("1h30m", &t, err, sizeof(err)), 0);
	ck_assert_int_eq(t, 90 * SB_MIN);
	ck_assert_int_eq(units_time("250us", &t, err, sizeof(err)), 0);
	ck_assert_int_eq(t, 250 * SB_US);
	ck_assert_int_eq(units_time("7ns", &t, err, sizeof(err)), 0);
	ck_assert_int_eq(t, 7);
	ck_assert_int_eq(units_time("5", &t, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "missing unit"));
	ck_assert_int_eq(units_time("5sec", &t, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "unknown unit 'sec'"));
	ck_assert_int_eq(units_time("-5ms", &t, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "negative"));
	ck_assert_int_eq(units_time("", &t, err, sizeof(err)), -1);
	ck_assert_int_eq(units_time("ms", &t, err, sizeof(err)), -1);
	ck_assert_int_eq(units_time("1e30h", &t, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_rate_size_fraction)
{
	uint64_t v;
	double f;
	char err[256];

	ck_assert_int_eq(units_rate("50Mbps", &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, 50000000);
	ck_assert_int_eq(units_rate("1.5Gbps", &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, 1500000000);
	ck_assert_int_eq(units_rate("64Kbps", &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, 64000);
	ck_assert_int_eq(units_rate("50Mbit", &v, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "unknown unit 'Mbit'"));
	ck_assert_int_eq(units_rate("50MBps", &v, err, sizeof(err)), -1);
	ck_assert_int_eq(units_rate("50", &v, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "missing unit"));
	ck_assert_int_eq(units_size("1500B", &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, 1500);
	ck_assert_int_eq(units_size("2MB", &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, 2000000);
	ck_assert_int_eq(units_size("1KiB", &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, 1024);
	ck_assert_int_eq(units_fraction("0.5%", &f, err, sizeof(err)), 0);
	ck_assert_double_eq_tol(f, 0.005, 1e-15);
	ck_assert_int_eq(units_fraction("0.02", &f, err, sizeof(err)), 0);
	ck_assert_double_eq_tol(f, 0.02, 1e-15);
	ck_assert_int_eq(units_fraction("150%", &f, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "more than 100%"));
	ck_assert_int_eq(units_fraction("5 percent", &f, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_clock)
{
	int64_t t;
	int off;
	char err[256];

	ck_assert_int_eq(units_clock("2026-03-10T18:00:00+05:30", &t, &off, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(off, 330);
	ck_assert_int_eq(t, 1773145800);  /* 2026-03-10T12:30:00Z */
	ck_assert_int_eq(units_clock("1970-01-01T00:00:00Z", &t, &off, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(t, 0);
	ck_assert_int_eq(units_clock("2024-02-29T23:59:59-08:00", &t, &off,
	    err, sizeof(err)), 0);
	ck_assert_int_eq(t, 1709279999);
	ck_assert_int_eq(units_clock("2026-02-29T00:00:00Z", &t, &off, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(units_clock("2026-03-10T18:00:00", &t, &off, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "zone"));
	ck_assert_int_eq(units_clock("yesterday", &t, &off, err,
	    sizeof(err)), -1);
}
END_TEST

START_TEST(test_format)
{
	char b[64];

	ck_assert_str_eq(units_fmt_time(90 * SB_MIN, b, sizeof(b)), "1h30m");
	ck_assert_str_eq(units_fmt_time(5 * SB_HOUR, b, sizeof(b)), "5h");
	ck_assert_str_eq(units_fmt_time(11 * SB_MIN, b, sizeof(b)), "11m");
	ck_assert_str_eq(units_fmt_time(12500 * SB_US, b, sizeof(b)), "12.5ms");
	ck_assert_str_eq(units_fmt_rate(2e6, b, sizeof(b)), "2 Mbps");
	ck_assert_str_eq(units_fmt_rate(1.5e9, b, sizeof(b)), "1.5 Gbps");
	ck_assert_str_eq(units_fmt_rate(64e3, b, sizeof(b)), "64 Kbps");
	ck_assert_str_eq(units_fmt_time(1500 * SB_MS, b, sizeof(b)), "1.5s");
	ck_assert_str_eq(units_fmt_time(250 * SB_US, b, sizeof(b)), "250us");
	ck_assert_str_eq(units_fmt_time(7, b, sizeof(b)), "7ns");
	ck_assert_str_eq(units_fmt_time(0, b, sizeof(b)), "0s");
	ck_assert_str_eq(units_fmt_time(61 * SB_S, b, sizeof(b)), "1m01s");
}
END_TEST

/* Numbers are plain decimal: no hex, no inf/nan, no exponent tricks past
 * the unit; overflow and rounding land where they should. */
START_TEST(test_strict_numbers)
{
	sb_time t;
	uint64_t v;
	double f;
	char err[256];

	ck_assert_int_eq(units_time("1e3ms", &t, err, sizeof(err)), 0);
	ck_assert_int_eq(t, SB_S);
	ck_assert_int_eq(units_time(".5s", &t, err, sizeof(err)), 0);
	ck_assert_int_eq(t, 500 * SB_MS);
	ck_assert_int_eq(units_time("2h15m30s", &t, err, sizeof(err)), 0);
	ck_assert_int_eq(t, 2 * SB_HOUR + 15 * SB_MIN + 30 * SB_S);
	ck_assert_int_eq(units_time("1.5m", &t, err, sizeof(err)), 0);
	ck_assert_int_eq(t, 90 * SB_S);
	ck_assert_int_eq(units_time("0x10s", &t, err, sizeof(err)), -1);
	ck_assert_int_eq(units_time("infs", &t, err, sizeof(err)), -1);
	ck_assert_int_eq(units_time("nanms", &t, err, sizeof(err)), -1);
	ck_assert_int_eq(units_time("+5ms", &t, err, sizeof(err)), -1);
	ck_assert_int_eq(units_time("1h-5m", &t, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "negative"));
	ck_assert_int_eq(units_time("1h30", &t, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "missing unit"));
	ck_assert_int_eq(units_time("5MS", &t, err, sizeof(err)), -1);
	ck_assert_int_eq(units_time("1e400s", &t, err, sizeof(err)), -1);
	ck_assert_int_eq(units_time("3000000h", &t, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "too long"));
	ck_assert_int_eq(units_rate("10kbps", &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, 10000);
	ck_assert_int_eq(units_rate("10KBps", &v, err, sizeof(err)), -1);
	ck_assert_int_eq(units_rate("2Gbps", &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, 2000000000ull);
	ck_assert_int_eq(units_rate("5Mbps!", &v, err, sizeof(err)), -1);
	ck_assert_int_eq(units_rate("2000000Gbps", &v, err, sizeof(err)), -1);
	ck_assert_int_eq(units_size("1.5KB", &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, 1500);
	ck_assert_int_eq(units_size("2MiB", &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, 2097152);
	ck_assert_int_eq(units_size("1GiB", &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, 1073741824ull);
	ck_assert_int_eq(units_size("1kb", &v, err, sizeof(err)), -1);
	ck_assert_int_eq(units_size("64", &v, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "missing unit: write 1500B"));
	ck_assert_int_eq(units_fraction("1", &f, err, sizeof(err)), 0);
	ck_assert_double_eq(f, 1.0);
	ck_assert_int_eq(units_fraction("100%", &f, err, sizeof(err)), 0);
	ck_assert_double_eq(f, 1.0);
	ck_assert_int_eq(units_fraction("0", &f, err, sizeof(err)), 0);
	ck_assert_double_eq(f, 0.0);
	ck_assert_int_eq(units_fraction("5", &f, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "write 5%"));
	ck_assert_int_eq(units_fraction("-1%", &f, err, sizeof(err)), -1);
	ck_assert_int_eq(units_fraction("nan", &f, err, sizeof(err)), -1);
	ck_assert_int_eq(units_fraction("1%%", &f, err, sizeof(err)), -1);
}
END_TEST

/* Every field of a clock is plain digits in range; offsets both ways. */
START_TEST(test_clock_strict)
{
	int64_t t;
	int off;
	char err[256];

	ck_assert_int_eq(units_clock("2026-01-01T00:00:00Z", &t, &off, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(t, 1767225600);
	ck_assert_int_eq(off, 0);
	ck_assert_int_eq(units_clock("2026-01-01T00:00:00-05:00", &t, &off,
	    err, sizeof(err)), 0);
	ck_assert_int_eq(t, 1767225600 + 5 * 3600);
	ck_assert_int_eq(off, -300);
	ck_assert_int_eq(units_clock("2000-02-29T12:00:00Z", &t, &off, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(t, 951825600);
	ck_assert_int_eq(units_clock("1900-02-29T00:00:00Z", &t, &off, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(units_clock("1969-12-31T23:59:59Z", &t, &off, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(t, -1);
	ck_assert_int_eq(units_clock("2026-01-01T-1:00:00Z", &t, &off, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(units_clock("2026-+1-01T00:00:00Z", &t, &off, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(units_clock("2026-01-01T24:00:00Z", &t, &off, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(units_clock("2026-04-31T00:00:00Z", &t, &off, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(units_clock("2026-01-01T00:00:60Z", &t, &off, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(units_clock("2026-01-01 00:00:00Z", &t, &off, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(units_clock("2026-01-01T00:00:00+15:00", &t, &off,
	    err, sizeof(err)), -1);
	ck_assert_int_eq(units_clock("2026-01-01T00:00:00+-5:00", &t, &off,
	    err, sizeof(err)), -1);
	ck_assert_int_eq(units_clock("2026-01-01T00:00:00+0530", &t, &off,
	    err, sizeof(err)), -1);
	ck_assert_int_eq(units_clock("2026-01-01T00:00:00Zjunk", &t, &off,
	    err, sizeof(err)), -1);
	ck_assert_int_eq(units_clock("", &t, &off, err, sizeof(err)), -1);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("units");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_time);
	tcase_add_test(tc, test_rate_size_fraction);
	tcase_add_test(tc, test_clock);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_strict_numbers);
	tcase_add_test(tc, test_clock_strict);
	suite_add_tcase(s, tc);
	return s;
}

#include "check_main.h"
