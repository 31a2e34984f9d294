/*
 * The scenario loader: a complete scenario comes out in base units with
 * its names resolved and its defaults applied; mistakes come out as one
 * message naming file:line:col.  (The malformed files under
 * tests/scenarios/bad/ are run through the binary by bad_inputs.sh.)
 */
#include <check.h>
#include <string.h>

#include "sim/scenario.h"

static const char good[] =
"name: t\n"
"seed: 9\n"
"duration: 2h\n"
"start: 2026-03-10T18:00:00+05:30\n"
"sample-interval: 30s\n"
"profiles:\n"
"  eve:\n"
"    - {hour: 0, delay: 1}\n"
"    - {hour: 20, delay: 1.5, loss: 3}\n"
"pops:\n"
"  - {name: mum, city: mumbai}\n"
"  - {name: iad, city: Ashburn}\n"
"backbone:\n"
"  bandwidth: 1Gbps\n"
"  pairs:\n"
"    - {between: [mum, iad], delay: 90ms, loss: 0.1%}\n"
"sites:\n"
"  - name: a\n"
"    city: mumbai\n"
"    pop: mum\n"
"    links:\n"
"      - {name: w1, bandwidth: 100Mbps, delay: 2ms, jitter: 1ms}\n"
"      - {name: lte, kind: lte, precedence: 2, bandwidth: 20Mbps,\n"
"         loss: {model: gilbert-elliott, p: 1%, r: 10%}}\n"
"  - name: b\n"
"    city: ashburn\n"
"    links:\n"
"      - {name: w1, bandwidth: 1Gbps, queue: 1MB}\n"
"internet:\n"
"  default: {loss: 0.01%}\n"
"  paths:\n"
"    - {between: [mumbai, ashburn], delay: 105ms, profile: eve}\n"
"applications:\n"
"  - {name: f, kind: udp-cbr, from: a, to: b, rate: 2Mbps}\n"
"  - {name: g, kind: udp-poisson, from: b, to: a, rate: 1Mbps,\n"
"     packet-size: 500B, start: 10s, stop: 1h, via: internet}\n"
"rules:\n"
"  - {name: r1, application: f, transport: backbone, from: a, link: lte}\n"
"timeline:\n"
"  - {at: 30m, link: a/w1, action: up}\n"
"  - {at: 20m, link: a/w1, action: down}\n"
"  - {at: 40m, backbone: [iad, mum], action: set, delay: 120ms}\n"
"expect:\n"
"  - flow: f\n"
"    metric: latency-p95\n"
"    below: 150ms\n"
"    window: {from: 1h, to: 2h}\n"
"  - flow: f\n"
"    metric: loss\n"
"    at-most: {flow: g}\n";

START_TEST(test_good)
{
	struct scenario *sc;
	char err[1024];
	int rc = scenario_load_text("t.yaml", good, strlen(good), &sc, err,
	    sizeof(err));

	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_str_eq(sc->name, "t");
	ck_assert_uint_eq(sc->seed, 9);
	ck_assert_int_eq(sc->duration, 2 * SB_HOUR);
	ck_assert_int_eq(sc->sample_interval, 30 * SB_S);
	ck_assert_int_eq(sc->start_offset_min, 330);
	ck_assert_int_eq(sc->start_utc_s, 1773145800);
	ck_assert_uint_eq(sc->nprofiles, 1);
	ck_assert_uint_eq(sc->profiles[0].npoints, 2);
	ck_assert_double_eq(sc->profiles[0].points[1].loss, 3.0);
	ck_assert_double_eq(sc->profiles[0].points[1].jitter, 1.0);
	ck_assert_uint_eq(sc->npops, 2);
	ck_assert_str_eq(sc->pops[1].city->name, "ashburn");
	ck_assert_uint_eq(sc->backbone_default.bandwidth_bps, 1000000000);
	/* default queue: 100 ms at the link's rate */
	ck_assert_uint_eq(sc->backbone_default.queue_bytes, 12500000);
	ck_assert_uint_eq(sc->nbb_pairs, 1);
	ck_assert_int_eq(sc->bb_pairs[0].p.delay, 90 * SB_MS);
	ck_assert(sc->bb_pairs[0].p.has_delay);
	ck_assert_uint_eq(sc->bb_pairs[0].p.bandwidth_bps, 1000000000);
	ck_assert_int_eq(sc->bb_pairs[0].p.loss.kind, LOSS_BERNOULLI);
	ck_assert_double_eq_tol(sc->bb_pairs[0].p.loss.rate, 0.001, 1e-15);
	ck_assert_uint_eq(sc->nsites, 2);
	ck_assert_int_eq(sc->sites[0].pop, 0);
	ck_assert_int_eq(sc->sites[1].pop, -1);
	ck_assert_int_eq(sc->sites[0].links[0].p.jitter.kind, JITTER_UNIFORM);
	ck_assert_int_eq(sc->sites[0].links[0].p.jitter.amount, SB_MS);
	ck_assert_int_eq(sc->sites[0].links[1].kind, SC_WAN_LTE);
	ck_assert_int_eq(sc->sites[0].links[1].precedence, 2);
	ck_assert_int_eq(sc->sites[0].links[1].p.loss.kind,
	    LOSS_GILBERT_ELLIOTT);
	ck_assert_double_eq(sc->sites[0].links[1].p.loss.bad_loss, 1.0);
	ck_assert_uint_eq(sc->sites[1].links[0].p.queue_bytes, 1000000);
	ck_assert_uint_eq(sc->ninet, 1);
	ck_assert_int_eq(sc->inet[0].p.profile, 0);
	ck_assert_double_eq_tol(sc->inet[0].p.loss.rate, 0.0001, 1e-15);
	ck_assert_uint_eq(sc->napps, 2);
	ck_assert_uint_eq(sc->apps[0].packet_bytes, 1000);
	ck_assert_int_eq(sc->apps[0].stop, SB_TIME_NEVER);
	ck_assert_int_eq(sc->apps[1].kind, SC_APP_UDP_POISSON);
	ck_assert_int_eq(sc->apps[1].via, SC_VIA_INTERNET);
	ck_assert_int_eq(sc->apps[1].start, 10 * SB_S);
	ck_assert_int_eq(sc->rules[0].preferred_link, 1);
	/* sorted by time */
	ck_assert_uint_eq(sc->ntimeline, 3);
	ck_assert_int_eq(sc->timeline[0].at, 20 * SB_MIN);
	ck_assert_int_eq(sc->timeline[0].kind, SC_ACT_DOWN);
	ck_assert_int_eq(sc->timeline[2].target.kind, SC_T_BACKBONE);
	ck_assert(sc->timeline[2].set_delay && !sc->timeline[2].set_loss);
	ck_assert_uint_eq(sc->nexpects, 2);
	ck_assert_int_eq(sc->expects[0].metric, SC_M_LATENCY_P95);
	ck_assert_double_eq(sc->expects[0].bound, 150e6);
	ck_assert_int_eq(sc->expects[0].from, SB_HOUR);
	ck_assert_uint_eq(sc->expects[0].loc.line, 44);
	ck_assert_uint_eq(sc->expects[0].loc.col, 5);
	ck_assert(sc->expects[1].bound_is_ref);
	ck_assert_int_eq(sc->expects[1].ref.i, 1);
	ck_assert_str_eq(sc->expects[0].text,
	    "flow f latency-p95 below 150ms during 1h-2h");
	scenario_free(sc);
}
END_TEST

/* Replace the first occurrence of `from` in the good scenario and load it:
 * the error must carry the expected prefix. */
static void
expect_error(const char *from, const char *to, const char *where,
    const char *words)
{
	char text[8192], err[1024];
	struct scenario *sc = NULL;
	const char *p = strstr(good, from);
	int rc;

	ck_assert_ptr_nonnull(p);
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(p - good), good, to,
	    p + strlen(from));
	rc = scenario_load_text("t.yaml", text, strlen(text), &sc, err,
	    sizeof(err));
	ck_assert_int_lt(rc, 0);
	ck_assert_ptr_null(sc);
	ck_assert_msg(strncmp(err, where, strlen(where)) == 0,
	    "expected '%s...', got '%s'", where, err);
	ck_assert_msg(strstr(err, words) != NULL, "no '%s' in '%s'", words,
	    err);
}

START_TEST(test_errors)
{
	expect_error("bandwidth: 100Mbps", "bandwith: 100Mbps", "t.yaml:22:20:",
	    "did you mean 'bandwidth'");
	expect_error("city: Ashburn", "city: Ashbourn", "t.yaml:12:23:",
	    "did you mean 'ashburn'");
	expect_error("rate: 2Mbps", "rate: 2Mbit", "t.yaml:34:52:",
	    "unknown unit 'Mbit'");
	expect_error("at: 40m", "at: 4h", "t.yaml:42:10:", "after the end");
	expect_error("link: a/w1, action: up", "link: a/w9, action: up",
	    "t.yaml:40:21:", "no link named 'w9'");
	expect_error("seed: 9", "seed: -9", "t.yaml:2:7:", "non-negative");
	expect_error("  - {name: iad", "  - {name: mum", "t.yaml:12:12:",
	    "defined twice");
	expect_error("metric: loss", "metric: lost", "t.yaml:49:13:",
	    "did you mean 'loss'");
	expect_error("metric: loss", "metric: utilisation", "t.yaml:49:13:",
	    "does not apply");
	expect_error("name: t\n", "name: t\nname: u\n", "t.yaml:2:1:",
	    "given twice");
	expect_error("pops:", "pops: [", "t.yaml:11:3:", "bad YAML");
}
END_TEST

START_TEST(test_missing_file)
{
	struct scenario *sc;
	char err[512];

	ck_assert_int_lt(scenario_load("/nonexistent/x.yaml", &sc, err,
	    sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/x.yaml: cannot open"));
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("scenario");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_good);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_missing_file);
	suite_add_tcase(s, tc);
	return s;
}

#include "check_main.h"
