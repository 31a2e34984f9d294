/*
 * Units.  A quantity is a decimal number followed by its unit, with no
 * space ("50Mbps", "1.5s", "0.5%"); times may chain parts ("1h30m").  The
 * number is plain decimal with an optional exponent ("1e3ms" works; hex,
 * "inf" and "nan" do not); the unit is matched exactly, case included,
 * since "Mb" and "MB" differ by a factor of eight and a guess would be
 * worse than an error.  Clocks are turned into UTC seconds by arithmetic
 * on the civil calendar, so no process-wide time zone state is touched.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/units.h"

struct unit {
	const char *name;
	double mult;
};

static const struct unit time_units[] = {
	{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
	{ "m", 60e9 }, { "h", 3600e9 }, { NULL, 0 },
};
static const struct unit rate_units[] = {
	{ "bps", 1 }, { "Kbps", 1e3 }, { "kbps", 1e3 }, { "Mbps", 1e6 },
	{ "Gbps", 1e9 }, { NULL, 0 },
};
static const struct unit size_units[] = {
	{ "B", 1 }, { "KB", 1e3 }, { "MB", 1e6 }, { "GB", 1e9 },
	{ "KiB", 1024.0 }, { "MiB", 1048576.0 }, { "GiB", 1073741824.0 },
	{ NULL, 0 },
};

/*
 * The length of a plain decimal number at s: digits, an optional fraction
 * and an optional exponent, nothing else.  strtod alone would also take
 * "0x1p3", "inf" and "nan", none of which belongs in a scenario.
 */
static size_t
decimal_len(const char *s)
{
	size_t n = 0, digits = 0, e;

	while (s[n] >= '0' && s[n] <= '9')
		n++, digits++;
	if (s[n] == '.')
		for (n++; s[n] >= '0' && s[n] <= '9'; n++)
			digits++;
	if (digits == 0)
		return 0;
	if (s[n] == 'e' || s[n] == 'E') {
		e = n + 1;
		if (s[e] == '+' || s[e] == '-')
			e++;
		if (s[e] >= '0' && s[e] <= '9') {
			while (s[e] >= '0' && s[e] <= '9')
				e++;
			n = e;
		}
	}
	return n;
}

/* Read one number and the unit letters after it.  *end points past them. */
static int
number_unit(const char *s, double *v, char *unit, size_t ulen,
    const char **end, char *err, size_t errlen)
{
	char num[64], *e;
	const char *u;
	size_t len, n = 0;

	if (*s == '\0') {
		snprintf(err, errlen, "empty value");
		return -1;
	}
	if (*s == '-') {
		snprintf(err, errlen, "'%s' is negative", s);
		return -1;
	}
	if ((len = decimal_len(s)) == 0) {
		snprintf(err, errlen, "'%s' is not a number with a unit", s);
		return -1;
	}
	if (len >= sizeof(num)) {
		snprintf(err, errlen, "'%.20s...' is too long a number", s);
		return -1;
	}
	memcpy(num, s, len);
	num[len] = '\0';
	errno = 0;
	*v = strtod(num, &e);
	if (*e != '\0' || errno == ERANGE || !isfinite(*v)) {
		snprintf(err, errlen, "'%s' is not a number", s);
		return -1;
	}
	u = s + len;
	while ((u[n] >= 'a' && u[n] <= 'z') || (u[n] >= 'A' && u[n] <= 'Z') ||
	    u[n] == '%') {
		if (n + 1 >= ulen) {
			snprintf(err, errlen, "unknown unit in '%s'", s);
			return -1;
		}
		unit[n] = u[n];
		n++;
	}
	unit[n] = '\0';
	*end = u + n;
	return 0;
}

static const struct unit *
find_unit(const struct unit *tab, const char *u)
{
	for (; tab->name != NULL; tab++)
		if (strcmp(tab->name, u) == 0)
			return tab;
	return NULL;
}

static void
unit_list(const struct unit *tab, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (; tab->name != NULL && off < len; tab++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    off ? ", " : "", tab->name);
}

/* One number and one unit from a table, the whole string. */
static int
simple(const char *s, const struct unit *tab, const char *example,
    double *out, char *err, size_t errlen)
{
	char unit[16], list[128];
	const struct unit *u;
	const char *end;
	double v;

	if (number_unit(s, &v, unit, sizeof(unit), &end, err, errlen) < 0)
		return -1;
	if (unit[0] == '\0') {
		snprintf(err, errlen, "'%s': missing unit: write %s", s,
		    example);
		return -1;
	}
	if ((u = find_unit(tab, unit)) == NULL || *end != '\0') {
		unit_list(tab, list, sizeof(list));
		snprintf(err, errlen, "'%s': unknown unit '%s'; use %s", s,
		    *end ? end : unit, list);
		return -1;
	}
	*out = v * u->mult;
	return 0;
}

int
units_time(const char *s, sb_time *out, char *err, size_t errlen)
{
	const char *p = s;
	double total = 0;
	char unit[16], list[128];

	do {
		const struct unit *u;
		double v;
		if (number_unit(p, &v, unit, sizeof(unit), &p, err,
		    errlen) < 0)
			return -1;
		if (unit[0] == '\0') {
			snprintf(err, errlen, "'%s': missing unit: write e.g. "
			    "5ms, 30s or 1h30m", s);
			return -1;
		}
		if ((u = find_unit(time_units, unit)) == NULL) {
			unit_list(time_units, list, sizeof(list));
			snprintf(err, errlen, "'%s': unknown unit '%s'; use %s",
			    s, unit, list);
			return -1;
		}
		total += v * u->mult;
	} while (*p != '\0');
	if (total > 9.2e18) {
		snprintf(err, errlen, "'%s' is too long a time", s);
		return -1;
	}
	*out = (sb_time)llround(total);
	return 0;
}

int
units_rate(const char *s, uint64_t *out, char *err, size_t errlen)
{
	double v;

	if (simple(s, rate_units, "50Mbps", &v, err, errlen) < 0)
		return -1;
	if (v > 1e15) {
		snprintf(err, errlen, "'%s' is more than a petabit", s);
		return -1;
	}
	*out = (uint64_t)llround(v);
	return 0;
}

int
units_size(const char *s, uint64_t *out, char *err, size_t errlen)
{
	double v;

	if (simple(s, size_units, "1500B", &v, err, errlen) < 0)
		return -1;
	if (v > 1e15) {
		snprintf(err, errlen, "'%s' is too large", s);
		return -1;
	}
	*out = (uint64_t)llround(v);
	return 0;
}

int
units_fraction(const char *s, double *out, char *err, size_t errlen)
{
	char unit[16];
	const char *end;
	double v;

	if (number_unit(s, &v, unit, sizeof(unit), &end, err, errlen) < 0)
		return -1;
	if (*end != '\0' || (unit[0] != '\0' && strcmp(unit, "%") != 0)) {
		snprintf(err, errlen, "'%s': write a percentage (0.5%%) or a "
		    "fraction (0.005)", s);
		return -1;
	}
	if (unit[0] == '%') {
		v /= 100.0;
		if (v > 1.0) {
			snprintf(err, errlen, "'%s' is more than 100%%", s);
			return -1;
		}
	} else if (v > 1.0) {
		snprintf(err, errlen, "'%s' is more than 1; a plain number is "
		    "a fraction in [0, 1] (write %s%% for a percentage)", s, s);
		return -1;
	}
	*out = v;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Exactly n decimal digits at s, as a number; -1 if any is not a digit. */
static int
digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int
leap_year(int y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

/*
 * "YYYY-MM-DDTHH:MM:SS" then "Z" or "+HH:MM" / "-HH:MM", nothing more.
 * Read character by character rather than with sscanf, whose %d would let
 * signs and spaces into fields that must be plain digits.
 */
int
units_clock(const char *s, int64_t *utc_s, int *offset_min, char *err,
    size_t errlen)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 1, dim;
	const char *z;

	if (strlen(s) < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':')
		goto bad;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 ||
	    mi < 0 || mi > 59 || sec < 0 || sec > 59)
		goto bad;
	dim = mdays[mo - 1] + (mo == 2 && leap_year(y));
	if (d > dim)
		goto bad;
	z = s + 19;
	if (strcmp(z, "Z") == 0) {
		oh = om = 0;
	} else if ((z[0] == '+' || z[0] == '-') && strlen(z) == 6 &&
	    z[3] == ':' && (oh = digits(z + 1, 2)) >= 0 &&
	    (om = digits(z + 4, 2)) >= 0) {
		sign = z[0] == '-' ? -1 : 1;
		if (oh > 14 || om > 59)
			goto bad;
	} else {
		snprintf(err, errlen, "'%s': the time needs a zone: Z or an "
		    "offset like +05:30", s);
		return -1;
	}
	*offset_min = sign * (oh * 60 + om);
	*utc_s = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	    (int64_t)*offset_min * 60;
	return 0;
bad:
	snprintf(err, errlen, "'%s' is not a date and time like "
	    "2026-03-10T18:00:00+05:30", s);
	return -1;
}

char *
units_fmt_time(sb_time t, char *buf, size_t len)
{
	const char *sign = t < 0 ? "-" : "";
	uint64_t a = t < 0 ? (uint64_t)-(t + 1) + 1 : (uint64_t)t;

	if (a == 0) {
		snprintf(buf, len, "0s");
	} else if (a >= (uint64_t)SB_HOUR && a % (uint64_t)SB_MIN == 0) {
		uint64_t m = a / (uint64_t)SB_MIN;
		if (m % 60 == 0)
			snprintf(buf, len, "%s%lluh", sign,
			    (unsigned long long)(m / 60));
		else
			snprintf(buf, len, "%s%lluh%02llum", sign,
			    (unsigned long long)(m / 60),
			    (unsigned long long)(m % 60));
	} else if (a >= (uint64_t)SB_MIN && a % (uint64_t)SB_S == 0) {
		uint64_t sec = a / (uint64_t)SB_S;
		if (sec % 60 == 0)
			snprintf(buf, len, "%s%llum", sign,
			    (unsigned long long)(sec / 60));
		else
			snprintf(buf, len, "%s%llum%02llus", sign,
			    (unsigned long long)(sec / 60),
			    (unsigned long long)(sec % 60));
	} else if (a >= (uint64_t)SB_S) {
		snprintf(buf, len, "%s%.4gs", sign, (double)a / 1e9);
	} else if (a >= (uint64_t)SB_MS) {
		snprintf(buf, len, "%s%.4gms", sign, (double)a / 1e6);
	} else if (a >= (uint64_t)SB_US) {
		snprintf(buf, len, "%s%.4gus", sign, (double)a / 1e3);
	} else {
		snprintf(buf, len, "%s%lluns", sign, (unsigned long long)a);
	}
	return buf;
}

char *
units_fmt_rate(double bps, char *buf, size_t len)
{
	if (bps >= 1e9)
		snprintf(buf, len, "%.4g Gbps", bps / 1e9);
	else if (bps >= 1e6)
		snprintf(buf, len, "%.4g Mbps", bps / 1e6);
	else if (bps >= 1e3)
		snprintf(buf, len, "%.4g Kbps", bps / 1e3);
	else
		snprintf(buf, len, "%.4g bps", bps);
	return buf;
}
