/*
 * A study's statistics and its parameters' paths: the confidence
 * intervals against figures worked by hand from Student's t table, and a
 * value put into a scenario's text where a path leads, every other byte
 * left as it was.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "study/stats.h"
#include "study/study.h"

/* 1..5: mean 3, sd sqrt(2.5) = 1.5811388, t(0.975, 4) = 2.7764451, so the
 * half-width is 2.7764451 x 1.5811388 / sqrt(5) = 1.9632432. */
START_TEST(test_ci_five)
{
	const double x[] = { 1, 2, 3, 4, 5 };
	struct stats s;

	stats_summary(x, 5, &s);
	ck_assert_uint_eq(s.n, 5);
	ck_assert_double_eq_tol(s.mean, 3, 1e-12);
	ck_assert_double_eq_tol(s.sd, 1.5811388, 1e-6);
	ck_assert_double_eq_tol(s.ci95, 1.9632432, 1e-6);
}
END_TEST

/* Two values, 4 and 6: sd sqrt(2), and t(0.975, 1) = 12.7062047 times
 * sqrt(2) / sqrt(2): the interval of two runs is wide. */
START_TEST(test_ci_two)
{
	const double x[] = { 4, 6 };
	struct stats s;

	stats_summary(x, 2, &s);
	ck_assert_double_eq_tol(s.mean, 5, 1e-12);
	ck_assert_double_eq_tol(s.sd, sqrt(2), 1e-12);
	ck_assert_double_eq_tol(s.ci95, 12.7062047, 1e-6);
}
END_TEST

/* One value has no spread to estimate; none has no mean. */
START_TEST(test_ci_few)
{
	const double x[] = { 7 };
	struct stats s;

	stats_summary(x, 1, &s);
	ck_assert_double_eq(s.mean, 7);
	ck_assert(isnan(s.sd) && isnan(s.ci95));
	stats_summary(x, 0, &s);
	ck_assert_uint_eq(s.n, 0);
	ck_assert(isnan(s.mean));
}
END_TEST

static const char scen[] =
"name: t\n"
"sites:\n"
"  - {name: a, count: 3, links: [{name: w, bandwidth: 1Mbps}]}\n"
"  - name: shop\n"
"    count: 10   # the one to change\n"
"backbone:\n"
"  pairs:\n"
"    - {between: [x, y], delay: \"20ms\"}\n";

START_TEST(test_apply)
{
	char err[512], *t;

	t = study_apply("s.yaml", scen, strlen(scen), "sites[name=shop].count",
	    "400", err, sizeof(err));
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(strstr(t, "    count: 400   # the one to change\n"));
	ck_assert_uint_eq(strlen(t), strlen(scen) + 1);
	free(t);
	/* a quoted scalar is replaced quotes and all; by index too */
	t = study_apply("s.yaml", scen, strlen(scen), "backbone.pairs[0].delay",
	    "35ms", err, sizeof(err));
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(strstr(t, "{between: [x, y], delay: 35ms}\n"));
	free(t);
	t = study_apply("s.yaml", scen, strlen(scen), "sites[0].count",
	    "a: b", err, sizeof(err));
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(strstr(t, "{name: a, count: \"a: b\", links"));
	free(t);
}
END_TEST

/* Case i: value put at path b of in gives out. */
static void
apply_case(size_t i, const char *in, const char *value, const char *out)
{
	char err[512], *t;

	t = study_apply("s.yaml", in, strlen(in), "b", value, err,
	    sizeof(err));
	ck_assert_msg(t != NULL, "case %zu: %s", i, err);
	ck_assert_msg(strcmp(t, out) == 0, "case %zu: '%s'", i, t);
	free(t);
}

/* Line breaks as libyaml counts them: CR alone, CR LF, NEL in a comment,
 * and a byte-order mark before the first line, which is no column. */
START_TEST(test_apply_line_ends)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "a: 1\rb: 2\rc: 3\r", "a: 1\rb: 9\rc: 3\r" },
		{ "a: 1\r\nb: 2\r\nc: 3\r\n", "a: 1\r\nb: 9\r\nc: 3\r\n" },
		{ "# x\xc2\x85" "a: 1\nb: 2\n", "# x\xc2\x85" "a: 1\nb: 9\n" },
		{ "a: 1 # \xe2\x80\xa8\nb: 2\n", "a: 1 # \xe2\x80\xa8\nb: 9\n" },
		{ "\xef\xbb\xbf" "b: 2\n", "\xef\xbb\xbf" "b: 9\n" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		apply_case(i, cases[i].in, "9", cases[i].out);
}
END_TEST
/* A value reads back as written, on one line: spaces at its ends, line
 * breaks and control characters quoted and escaped. */
START_TEST(test_apply_quoting)
{
	static const struct {
		const char *value, *out;
	} cases[] = {
		{ "5s ", "b: \"5s \"\n" },
		{ "x\r\ny", "b: \"x\\x0d\\ny\"\n" },
		{ "a\xc2\x85" "b", "b: \"a\\Nb\"\n" },
		{ "\x01\"\\", "b: \"\\x01\\\"\\\\\"\n" },
		{ "a\tb", "b: \"a\tb\"\n" },
		{ "-1", "b: \"-1\"\n" },
		{ "10Mbps", "b: 10Mbps\n" },
	};
	char err[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		apply_case(i, "b: 2\n", cases[i].value, cases[i].out);
	/* a value written over two lines: refused, not joined */
	ck_assert_ptr_null(study_apply("s.yaml", "b: 2\n  3\nc: 1\n", 14, "b",
	    "9", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "over lines 1 to 2"));
}
END_TEST
/* A range's values, its end included whatever its sign, whole numbers
 * with all their digits. */
START_TEST(test_range_ends)
{
	static const char base[] = "name: r\ndescription: x\nduration: 1s\n"
	    "pops: [{name: fra, city: frankfurt}]\n"
	    "sites:\n  - {name: a, city: frankfurt, links: [{name: w, "
	    "bandwidth: 1Mbps, delay: 1ms}]}\n";
	static const struct {
		const char *range, *values;
	} cases[] = {
		{ "{from: -5, to: -1, step: 2}", "-5 -3 -1" },
		{ "{from: -1, to: 1, step: 0.5}", "-1 -0.5 0 0.5 1" },
		{ "{from: 0.1, to: 0.3, step: 0.1}", "0.1 0.2 0.3" },
		{ "{from: 10, to: 30, step: 7}", "10 17 24" },
		{ "{from: 999999999998, to: 1000000000000, step: 1}",
		    "999999999998 999999999999 1000000000000" },
		{ "{from: 5000000000, to: 15000000000, step: 5000000000}",
		    "5000000000 10000000000 15000000000" },
	};
	char dir[] = "/tmp/sasebed-test-study.XXXXXX", path[64], study[64];
	char text[256], err[1024], got[256];
	struct study *st;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/base.yaml", dir);
	snprintf(study, sizeof(study), "%s/study.yaml", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(base, f);
	ck_assert_int_eq(fclose(f), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "study: r\nscenario: base.yaml\n"
		    "parameters: [{path: description, range: %s}]\n"
		    "metrics: [{metric: mos}]\n", cases[i].range);
		ck_assert_msg(study_load_text(study, text, strlen(text), &st,
		    err, sizeof(err)) == 0, "case %zu: %s", i, err);
		got[0] = '\0';
		for (size_t v = 0; v < st->params[0].nvalues; v++) {
			size_t o = strlen(got);
			snprintf(got + o, sizeof(got) - o, "%s%s", v ? " " : "",
			    st->params[0].values[v]);
		}
		ck_assert_msg(strcmp(got, cases[i].values) == 0,
		    "case %zu: %s", i, got);
		study_free(st);
	}
	unlink(path);
	rmdir(dir);
}
END_TEST
START_TEST(test_apply_errors)
{
	char err[512];

	ck_assert_ptr_null(study_apply("s.yaml", scen, strlen(scen),
	    "sites[name=shop].cout", "1", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "no 'cout' in 'sites[name=shop]'"));
	ck_assert_ptr_null(study_apply("s.yaml", scen, strlen(scen),
	    "sites[2].count", "1", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "not an index of 'sites'"));
	ck_assert_ptr_null(study_apply("s.yaml", scen, strlen(scen),
	    "sites", "1", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "leads to a list"));
	ck_assert_ptr_null(study_apply("s.yaml", scen, strlen(scen),
	    "name[0]", "1", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "is not a list"));
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("study");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_ci_five);
	tcase_add_test(tc, test_ci_two);
	tcase_add_test(tc, test_ci_few);
	tcase_add_test(tc, test_apply);
	tcase_add_test(tc, test_apply_errors);
	tcase_add_test(tc, test_apply_line_ends);
	tcase_add_test(tc, test_apply_quoting);
	tcase_add_test(tc, test_range_ends);
	suite_add_tcase(s, tc);
	return s;
}

#include "check_main.h"
