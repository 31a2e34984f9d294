/*
 * The scenario loader: a complete scenario comes out in base units with
 * its names resolved and its defaults applied; mistakes come out as one
 * message naming file:line:col.  The malformed files under
 * tests/scenarios/bad/ are loaded here too (and run through the binary by
 * bad_inputs.sh), so a changed message shows up in the unit suite.
 */
#include <check.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap.h>

#include "sim/budget.h"
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
	/* the file's profile, then the built-in one */
	ck_assert_uint_eq(sc->nprofiles, 2);
	ck_assert_str_eq(sc->profiles[1].name, "china-cross-border");
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

/* Load a whole text that must be refused, with err starting `where`. */
static void
text_error(const char *text, const char *where, const char *words)
{
	struct scenario *sc = NULL;
	char err[1024];
	int rc = scenario_load_text("x.yaml", text, strlen(text), &sc, err,
	    sizeof(err));

	ck_assert_msg(rc < 0, "accepted: %s", text);
	ck_assert_ptr_null(sc);
	ck_assert_msg(strncmp(err, where, strlen(where)) == 0,
	    "expected '%s...', got '%s'", where, err);
	ck_assert_msg(strstr(err, words) != NULL, "no '%s' in '%s'", words,
	    err);
}

static struct scenario *
text_ok(const char *text)
{
	struct scenario *sc = NULL;
	char err[1024];
	int rc = scenario_load_text("x.yaml", text, strlen(text), &sc, err,
	    sizeof(err));

	ck_assert_msg(rc == 0, "%s", err);
	return sc;
}

/* Two PoPs and two sites, lines 3 to 6; tests add sections after it. */
#define NET \
	"pops: [{name: fra, city: frankfurt}, {name: lon, city: london}]\n" \
	"sites:\n" \
	"  - {name: a, city: frankfurt, links: [{name: w, bandwidth: 10Mbps}]}\n" \
	"  - {name: b, city: london, links: [{name: w, bandwidth: 80Mbps}]}\n"
#define MINIMAL "name: m\nduration: 10m\n" NET

/* What a file that says almost nothing gets. */
START_TEST(test_defaults)
{
	struct scenario *sc = text_ok(MINIMAL);

	ck_assert_uint_eq(sc->seed, 1);
	ck_assert_int_eq(sc->duration, 10 * SB_MIN);
	ck_assert_int_eq(sc->sample_interval, SB_S);
	ck_assert_int_eq(sc->start_utc_s, 1767225600);
	ck_assert_int_eq(sc->start_offset_min, 0);
	ck_assert_double_eq(sc->route_inflation, GEO_DEFAULT_INFLATION);
	ck_assert_double_eq(sc->fibre_km_s, GEO_DEFAULT_FIBRE_KM_S);
	ck_assert_ptr_null(sc->description);
	ck_assert_uint_eq(sc->backbone_default.bandwidth_bps, 10000000000ull);
	ck_assert_uint_eq(sc->backbone_default.queue_bytes, 125000000);
	ck_assert(!sc->backbone_default.has_delay);
	ck_assert_int_eq(sc->backbone_default.profile, -1);
	ck_assert_uint_eq(sc->internet_default.bandwidth_bps, 10000000000ull);
	ck_assert_uint_eq(sc->internet_default.queue_bytes, 125000000);
	ck_assert_int_eq(sc->sites[0].links[0].kind, SC_WAN_WIRED);
	ck_assert_int_eq(sc->sites[0].links[0].precedence, 1);
	ck_assert_ptr_null(sc->sites[0].links[0].public_ip);
	ck_assert_uint_eq(sc->sites[0].links[0].p.bandwidth_bps, 10000000);
	/* 100 ms at 10 Mbps */
	ck_assert_uint_eq(sc->sites[0].links[0].p.queue_bytes, 125000);
	ck_assert_int_eq(sc->sites[0].links[0].p.jitter.kind, JITTER_NONE);
	ck_assert_int_eq(sc->sites[0].links[0].p.loss.kind, LOSS_NONE);
	ck_assert_int_eq(sc->sites[0].links[0].p.profile, -1);
	ck_assert_uint_eq(sc->napps + sc->nrules + sc->ntimeline +
	    sc->nexpects + sc->nbb_pairs + sc->ninet + sc->ndests, 0);
	/* only the built-in profile */
	ck_assert_uint_eq(sc->nprofiles, 1);
	ck_assert_int_eq(sc->pops[0].gateway, -1);
	ck_assert_int_eq(sc->pops[0].insp.enabled, 0);
	scenario_free(sc);

	/* a run shorter than the default interval is sampled at its end */
	sc = text_ok("name: m\nduration: 200ms\n" NET);
	ck_assert_int_eq(sc->sample_interval, 200 * SB_MS);
	scenario_free(sc);
}
END_TEST

/* A queue that was written is inherited; one that was derived follows the
 * bandwidth it was derived from. */
START_TEST(test_queue_inheritance)
{
	struct scenario *sc = text_ok(MINIMAL
	    "backbone:\n"
	    "  bandwidth: 1Gbps\n"
	    "  pairs: [{between: [fra, lon], bandwidth: 100Mbps}]\n"
	    "internet:\n"
	    "  default: {bandwidth: 1Gbps, queue: 2MB}\n"
	    "  paths:\n"
	    "    - {between: [frankfurt, london], bandwidth: 100Mbps}\n"
	    "    - {between: [london, mumbai], queue: 5KB}\n");

	ck_assert_uint_eq(sc->backbone_default.queue_bytes, 12500000);
	ck_assert_uint_eq(sc->bb_pairs[0].p.bandwidth_bps, 100000000);
	ck_assert_uint_eq(sc->bb_pairs[0].p.queue_bytes, 1250000);
	ck_assert_uint_eq(sc->internet_default.queue_bytes, 2000000);
	ck_assert_uint_eq(sc->inet[0].p.queue_bytes, 2000000);
	ck_assert_uint_eq(sc->inet[1].p.bandwidth_bps, 1000000000);
	ck_assert_uint_eq(sc->inet[1].p.queue_bytes, 5000);
	scenario_free(sc);

	/* paths but no default: the default still gets its queue */
	sc = text_ok(MINIMAL
	    "internet:\n"
	    "  paths: [{between: [frankfurt, london], delay: 9ms}]\n");
	ck_assert_uint_eq(sc->internet_default.queue_bytes, 125000000);
	ck_assert_uint_eq(sc->inet[0].p.queue_bytes, 125000000);
	ck_assert_int_eq(sc->inet[0].p.delay, 9 * SB_MS);
	scenario_free(sc);
}
END_TEST

/* The model mappings: jitter and loss in every form. */
START_TEST(test_models)
{
	char dir[] = "/tmp/sasebed-test-XXXXXX", path[256], text[2048];
	struct scenario *sc;
	char err[1024];
	FILE *f;
	const struct sc_linkp *p;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/burst.txt", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("0 0 1\n1 0\n", f);
	fclose(f);
	snprintf(text, sizeof(text), "%s"
	    "internet:\n"
	    "  paths:\n"
	    "    - {between: [frankfurt, london], jitter: {model: pareto, "
	    "amount: 2ms, shape: 1.5}, loss: {model: trace, file: burst.txt}}\n"
	    "    - {between: [frankfurt, mumbai], jitter: {model: table, "
	    "table: [1ms, 2ms, 5ms]}, loss: {model: bernoulli, rate: 0.2}}\n"
	    "    - {between: [london, mumbai], jitter: {model: normal, "
	    "amount: 3ms}, loss: {model: gilbert-elliott, p: 0.5%%, r: 20%%, "
	    "bad-loss: 80%%, good-loss: 0.1%%}, reorder: yes}\n"
	    "    - {between: [mumbai, ashburn], jitter: 0ms, loss: 0%%}\n",
	    MINIMAL);
	snprintf(path, sizeof(path), "%s/s.yaml", dir);
	ck_assert_msg(scenario_load_text(path, text, strlen(text), &sc, err,
	    sizeof(err)) == 0, "%s", err);
	p = &sc->inet[0].p;
	ck_assert_int_eq(p->jitter.kind, JITTER_PARETO);
	ck_assert_int_eq(p->jitter.amount, 2 * SB_MS);
	ck_assert_double_eq(p->jitter.shape, 1.5);
	ck_assert_int_eq(p->loss.kind, LOSS_TRACE);
	ck_assert_uint_eq(p->loss.trace_len, 5);
	ck_assert_int_eq(p->loss.trace[2], 1);
	ck_assert_int_eq(p->loss.trace[4], 0);
	p = &sc->inet[1].p;
	ck_assert_int_eq(p->jitter.kind, JITTER_TABLE);
	ck_assert_uint_eq(p->jitter.table_len, 3);
	ck_assert_int_eq(p->jitter.table[2], 5 * SB_MS);
	ck_assert_int_eq(p->loss.kind, LOSS_BERNOULLI);
	ck_assert_double_eq(p->loss.rate, 0.2);
	p = &sc->inet[2].p;
	ck_assert_int_eq(p->jitter.kind, JITTER_NORMAL);
	ck_assert_int_eq(p->loss.kind, LOSS_GILBERT_ELLIOTT);
	ck_assert_double_eq_tol(p->loss.p, 0.005, 1e-15);
	ck_assert_double_eq_tol(p->loss.r, 0.2, 1e-15);
	ck_assert_double_eq_tol(p->loss.bad_loss, 0.8, 1e-15);
	ck_assert_double_eq_tol(p->loss.good_loss, 0.001, 1e-15);
	ck_assert(p->reorder);
	p = &sc->inet[3].p;
	ck_assert_int_eq(p->jitter.kind, JITTER_NONE);
	ck_assert_int_eq(p->loss.kind, LOSS_NONE);
	scenario_free(sc);

	/* a trace with something other than 0 and 1 */
	snprintf(path, sizeof(path), "%s/burst.txt", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("0 1 2\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/s.yaml", dir);
	ck_assert_int_lt(scenario_load_text(path, text, strlen(text), &sc, err,
	    sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "only 0 and 1"));
	ck_assert_ptr_nonnull(strstr(err, "s.yaml:9:"));
	snprintf(path, sizeof(path), "%s/burst.txt", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/s.yaml", dir);
	ck_assert_int_lt(scenario_load_text(path, text, strlen(text), &sc, err,
	    sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "burst.txt"));
	rmdir(dir);
}
END_TEST

/* The timeline keeps the written order among actions at one instant, even
 * on one line, and records exactly what a `set` changes. */
START_TEST(test_timeline)
{
	struct scenario *sc = text_ok(MINIMAL
	    "internet:\n"
	    "  paths: [{between: [frankfurt, london]}]\n"
	    "timeline: [{at: 5m, pop: lon, action: down},"
	    " {at: 1m, link: a/w, action: set, loss: 2%, jitter: 1ms},"
	    " {at: 5m, pop: lon, action: up},"
	    " {at: 1m, internet: [london, frankfurt], action: set,"
	    " bandwidth: 5Mbps},"
	    " {at: 10m, backbone: [lon, fra], action: down}]\n");
	const struct sc_action *t = sc->timeline;

	ck_assert_uint_eq(sc->ntimeline, 5);
	ck_assert_int_eq(t[0].at, SB_MIN);
	ck_assert_int_eq(t[0].target.kind, SC_T_SITE_LINK);
	ck_assert(t[0].set_loss && t[0].set_jitter && !t[0].set_delay &&
	    !t[0].set_bandwidth);
	ck_assert_double_eq_tol(t[0].loss.rate, 0.02, 1e-15);
	ck_assert_int_eq(t[0].jitter.amount, SB_MS);
	ck_assert_int_eq(t[1].target.kind, SC_T_INTERNET);
	ck_assert_int_eq(t[1].target.i, 0);
	ck_assert(t[1].set_bandwidth && !t[1].set_loss);
	ck_assert_uint_eq(t[1].bandwidth_bps, 5000000);
	ck_assert_int_eq(t[2].kind, SC_ACT_DOWN);
	ck_assert_int_eq(t[2].target.kind, SC_T_POP);
	ck_assert_int_eq(t[2].target.i, 1);
	ck_assert_int_eq(t[3].kind, SC_ACT_UP);
	ck_assert_int_eq(t[4].at, 10 * SB_MIN);
	ck_assert_int_eq(t[4].target.kind, SC_T_BACKBONE);
	ck_assert_int_eq(t[4].target.i, 1);
	ck_assert_int_eq(t[4].target.j, 0);
	scenario_free(sc);

	text_error(MINIMAL "timeline: [{at: 1m, pop: fra, action: set, "
	    "delay: 1ms}]\n", "x.yaml:7:", "'set' is for links");
	text_error(MINIMAL "timeline: [{at: 1m, link: a/w, action: set}]\n",
	    "x.yaml:7:12:", "at least one of delay");
	text_error(MINIMAL "timeline: [{at: 1m, link: a/w, action: down, "
	    "delay: 1ms}]\n", "x.yaml:7:", "goes with action: set");
	text_error(MINIMAL "timeline: [{at: 1m, link: a/w, pop: fra, "
	    "action: down}]\n", "x.yaml:7:", "one subject, not two");
	text_error(MINIMAL "timeline: [{at: 1m, action: down}]\n", "x.yaml:7:12:",
	    "name what it is about");
	text_error(MINIMAL "timeline: [{at: 1m, internet: [frankfurt, london], "
	    "action: down}]\n", "x.yaml:7:", "no Internet path");
	text_error(MINIMAL "timeline: [{at: 1m, link: a, action: down}]\n",
	    "x.yaml:7:", "write SITE/LINK");
	text_error(MINIMAL "timeline: [{at: 1m, link: aa/w, action: down}]\n",
	    "x.yaml:7:", "did you mean 'a'");
}
END_TEST

/* Expectations: every subject kind, references, windows and the text. */
START_TEST(test_expects)
{
	struct scenario *sc = text_ok(MINIMAL
	    "applications:\n"
	    "  - {name: ab, kind: udp-cbr, from: a, to: b, rate: 1Mbps}\n"
	    "  - {name: ba, kind: udp-cbr, from: b, to: a, rate: 1Mbps}\n"
	    "internet:\n"
	    "  paths: [{between: [frankfurt, london]}]\n"
	    "expect:\n"
	    "  - {flow: ab, metric: throughput, at-least: 900Kbps}\n"
	    "  - {link: a/w, metric: utilisation, below: 50%}\n"
	    "  - {site: b, metric: delivered, above: 100}\n"
	    "  - {backbone: [fra, lon], metric: queue-max, at-most: 64KiB}\n"
	    "  - {internet: [frankfurt, london], metric: delay-mean,"
	    " below: 20ms, window: {from: 5m}}\n"
	    "  - {flow: ab, metric: jitter, below: {flow: ba},"
	    " window: {to: 1m}}\n");
	const struct sc_expect *e = sc->expects;

	ck_assert_uint_eq(sc->nexpects, 6);
	ck_assert_int_eq(e[0].op, SC_OP_AT_LEAST);
	ck_assert_double_eq(e[0].bound, 900000);
	ck_assert_int_eq(e[0].from, 0);
	ck_assert_int_eq(e[0].to, SB_TIME_NEVER);
	ck_assert_str_eq(e[0].text, "flow ab throughput at-least 900Kbps");
	ck_assert_int_eq(e[1].subject.kind, SC_T_SITE_LINK);
	ck_assert_double_eq_tol(e[1].bound, 0.5, 1e-15);
	ck_assert_int_eq(e[2].subject.kind, SC_T_SITE);
	ck_assert_double_eq(e[2].bound, 100);
	ck_assert_double_eq(e[3].bound, 65536);
	ck_assert_int_eq(e[4].subject.kind, SC_T_INTERNET);
	ck_assert_int_eq(e[4].from, 5 * SB_MIN);
	ck_assert_int_eq(e[4].to, 10 * SB_MIN);
	ck_assert_double_eq(e[4].bound, 20e6);
	ck_assert(e[5].bound_is_ref);
	ck_assert_int_eq(e[5].ref.kind, SC_T_FLOW);
	ck_assert_int_eq(e[5].ref.i, 1);
	ck_assert_str_eq(e[5].text, "flow ab jitter below flow ba during 0s-1m");
	ck_assert_str_eq(sc_metric_name(SC_M_QUEUE_MAX), "queue-max");
	ck_assert_str_eq(sc_metric_unit(SC_M_THROUGHPUT), "bps");
	ck_assert_str_eq(sc_op_name(SC_OP_AT_MOST), "at-most");
	{
		char name[64];
		struct sc_target t = { .kind = SC_T_BACKBONE, .i = 1, .j = 0 };
		sc_target_name(sc, &t, name, sizeof(name));
		ck_assert_str_eq(name, "backbone lon-fra");
		t.kind = SC_T_SITE_LINK;
		t.i = 0;
		sc_target_name(sc, &t, name, sizeof(name));
		ck_assert_str_eq(name, "link a/w");
		t.kind = SC_T_POP;
		sc_target_name(sc, &t, name, sizeof(name));
		ck_assert_str_eq(name, "pop fra");
	}
	scenario_free(sc);

#define APPS \
	"applications: [{name: ab, kind: udp-cbr, from: a, to: b, rate: 1Mbps}]\n"
	text_error(MINIMAL APPS "expect: [{flow: ab, metric: delivered, "
	    "above: 1.5}]\n", "x.yaml:8:", "whole number");
	text_error(MINIMAL APPS "expect: [{flow: ab, metric: loss, above: 1%, "
	    "below: 2%}]\n", "x.yaml:8:", "exactly one of");
	text_error(MINIMAL APPS "expect: [{flow: ab, metric: loss}]\n",
	    "x.yaml:8:", "exactly one of");
	text_error(MINIMAL APPS "expect: [{link: a/w, metric: latency-p99, "
	    "below: 5ms}]\n", "x.yaml:8:", "does not apply");
	text_error(MINIMAL APPS "expect: [{flow: ab, metric: latency-p50, "
	    "below: {link: a/w}}]\n", "x.yaml:8:", "reference");
	text_error(MINIMAL APPS "expect: [{flow: abc, metric: loss, "
	    "below: 1%}]\n", "x.yaml:8:17:", "did you mean 'ab'");
	text_error(MINIMAL APPS "expect: [{flow: ab, metric: loss, below: 1%, "
	    "window: {from: 5m, to: 2m}}]\n", "x.yaml:8:", "from must be before");
	text_error(MINIMAL APPS "expect: [{flow: ab, metric: throughput, "
	    "below: 5MB}]\n", "x.yaml:8:", "unknown unit 'MB'");
}
END_TEST

/* Windows on the scenario's clock and after a timeline action. */
START_TEST(test_expect_windows)
{
	/* 23:10 in Frankfurt; 23:30-00:30 passes midnight */
	struct scenario *sc = text_ok("name: m\nduration: 2h\n"
	    "start: 2026-03-10T23:10:00+01:00\n" NET
	    "timeline:\n"
	    "  - {at: 5m, link: a/w, action: down}\n"
	    "  - {at: 7m, link: a/w, action: up}\n"
	    "  - {at: 9m, link: a/w, action: down}\n"
	    "expect:\n"
	    "  - {site: a, metric: loss, below: 1%, during: 23:30-00:30}\n"
	    "  - {site: a, metric: loss, below: 1%, during: '23:20:30-23:25'}\n"
	    "  - {site: a, metric: loss, below: 1%,"
	    " after: {link: a/w, action: down}}\n"
	    "  - {site: a, metric: loss, below: 1%,"
	    " after: {link: a/w, action: up, for: 90s}}\n");
	const struct sc_expect *e = sc->expects;

	ck_assert_int_eq(e[0].from, 20 * SB_MIN);
	ck_assert_int_eq(e[0].to, 80 * SB_MIN);
	ck_assert_str_eq(e[0].text, "site a loss below 1% during 23:30-00:30");
	ck_assert_int_eq(e[1].from, 10 * SB_MIN + 30 * SB_S);
	ck_assert_int_eq(e[1].to, 15 * SB_MIN);
	/* the first matching action, to the end of the run */
	ck_assert_int_eq(e[2].from, 5 * SB_MIN);
	ck_assert_int_eq(e[2].to, 2 * 60 * SB_MIN);
	ck_assert_str_eq(e[2].text, "site a loss below 1% after link a/w down");
	ck_assert_int_eq(e[3].from, 7 * SB_MIN);
	ck_assert_int_eq(e[3].to, 7 * SB_MIN + 90 * SB_S);
	ck_assert_str_eq(e[3].text,
	    "site a loss below 1% after link a/w up for 1m30s");
	scenario_free(sc);
}
END_TEST

/* Applications, rules and links: the checks on each field. */
START_TEST(test_fields)
{
	struct scenario *sc = text_ok("name: with.dots_and-dashes\n"
	    "duration: 10m\nseed: 18446744073709551615\n" NET
	    "applications: [{name: ab, kind: udp-poisson, from: a, to: b,"
	    " rate: 1Mbps, packet-size: 1KiB, start: 1m, stop: 2m}]\n"
	    "rules: [{name: r, from: a, transport: off-cloud, link: w}]\n");

	ck_assert_uint_eq(sc->seed, UINT64_MAX);
	ck_assert_uint_eq(sc->apps[0].packet_bytes, 1024);
	ck_assert_int_eq(sc->apps[0].stop, 2 * SB_MIN);
	ck_assert_int_eq(sc->rules[0].transport, SC_TR_OFF_CLOUD);
	ck_assert_int_eq(sc->rules[0].app, -1);
	ck_assert_int_eq(sc->rules[0].dst, -1);
	ck_assert_int_eq(sc->rules[0].preferred_link, 0);
	scenario_free(sc);

#define SITE1 "name: m\nduration: 10m\n" \
	"pops: [{name: fra, city: frankfurt}]\nsites:\n  - name: a\n" \
	"    city: frankfurt\n    links:\n"
	sc = text_ok(SITE1 "      - {name: w, bandwidth: 1Mbps, "
	    "public-ip: 192.0.2.7, kind: lte, precedence: 3}\n"
	    "      - {name: v, bandwidth: 1Mbps, public-ip: '2001:db8::1'}\n");
	ck_assert_str_eq(sc->sites[0].links[0].public_ip, "192.0.2.7");
	ck_assert_int_eq(sc->sites[0].links[0].precedence, 3);
	ck_assert_int_eq(sc->sites[0].links[0].kind, SC_WAN_LTE);
	ck_assert_str_eq(sc->sites[0].links[1].public_ip, "2001:db8::1");
	scenario_free(sc);

	text_error(SITE1 "      - {name: w, bandwidth: 1Mbps, public-ip: "
	    "300.1.1.1}\n", "x.yaml:8:", "not an IPv4 or IPv6 address");
	text_error(SITE1 "      - {name: w}\n", "x.yaml:8:9:",
	    "'bandwidth' is required");
	text_error(SITE1 "      - {name: w, bandwidth: 0Mbps}\n", "x.yaml:8:",
	    "above zero");
	text_error(SITE1 "      - {name: w, bandwidth: 1Mbps}\n"
	    "      - {name: w, bandwidth: 1Mbps}\n", "x.yaml:9:", "twice");
	text_error(SITE1 "      - {name: w, bandwidth: 1Mbps, precedence: "
	    "1.5}\n", "x.yaml:8:", "precedence is 1, 2 or 3");
	text_error(SITE1 "      - {name: w, bandwidth: 1Mbps, kind: lt}\n",
	    "x.yaml:8:", "did you mean 'lte'");
	text_error(SITE1 "      - {name: w, bandwidth: 1Mbps, reorder: "
	    "maybe}\n", "x.yaml:8:", "not true or false");
	text_error(SITE1 "      - {name: w, bandwidth: 1Mbps, profile: eve}\n",
	    "x.yaml:8:", "no profile named 'eve'");
	text_error(SITE1 "      - {name: w, bandwidth: 1Mbps, jitter: "
	    "{model: table}}\n", "x.yaml:8:", "needs 'table");
	text_error(SITE1 "      - {name: w, bandwidth: 1Mbps, jitter: "
	    "{model: normal}}\n", "x.yaml:8:", "needs 'amount'");
	text_error(SITE1 "      - {name: w, bandwidth: 1Mbps, jitter: "
	    "{amount: 1ms}}\n", "x.yaml:8:", "'model' is required");
	text_error(SITE1 "      - {name: w, bandwidth: 1Mbps, loss: "
	    "{model: bernoulli}}\n", "x.yaml:8:", "needs 'rate'");
	text_error(SITE1 "      - {name: 'w 1', bandwidth: 1Mbps}\n",
	    "x.yaml:8:16:", "use only letters");
	text_error("name: Big\nduration: 1m\n" NET, "x.yaml:1:7:",
	    "lower case");
	text_error("name: m\nduration: 0s\n" NET, "x.yaml:2:11:",
	    "above zero");
	text_error("name: m\nduration: 1m\nsample-interval: 2m\n" NET,
	    "x.yaml:3:18:", "longer than the run");
	text_error("name: m\nduration: 1m\nseed: 0x10\n" NET, "x.yaml:3:7:",
	    "non-negative integer");
	text_error("name: m\nduration: 1m\nseed: 18446744073709551616\n" NET,
	    "x.yaml:3:7:", "more than");
	text_error("name: m\nduration: 1m\ngeography: {route-inflation: 0.5}\n"
	    NET, "x.yaml:3:30:", "outside [1, 10]");
	text_error(MINIMAL "applications: [{name: ab, kind: udp-cbr, from: a, "
	    "to: b, rate: 1Mbps, start: 10m}]\n", "x.yaml:7:", "end of the run");
	text_error(MINIMAL "applications: [{name: ab, kind: udp-cbr, from: a, "
	    "to: b, rate: 1Mbps, start: 2m, stop: 1m}]\n", "x.yaml:7:",
	    "stop must be after start");
	text_error(MINIMAL "applications: [{name: ab, kind: udp-cbr, from: a, "
	    "to: b, rate: 1Mbps, packet-size: 20B}]\n", "x.yaml:7:",
	    "between 28B and 65535B");
	text_error(MINIMAL "applications: [{name: ab, kind: udp-cbr, from: a, "
	    "to: bb, rate: 1Mbps}]\n", "x.yaml:7:", "did you mean 'b'");
	text_error(MINIMAL "rules: [{name: r, transport: backbone, link: w}]\n",
	    "x.yaml:7:", "needs 'from'");
	text_error(MINIMAL "rules: [{name: r, from: a, transport: backbone, "
	    "link: ww}]\n", "x.yaml:7:", "did you mean 'w'");
	text_error(MINIMAL "rules: [{name: r, transport: clod}]\n",
	    "x.yaml:7:", "unknown value 'clod'");
	text_error(MINIMAL "backbone: {pairs: [{between: [fra, fra]}]}\n",
	    "x.yaml:7:", "two different PoPs");
	text_error(MINIMAL "backbone: {pairs: [{between: [fra, lon]}, "
	    "{between: [lon, fra]}]}\n", "x.yaml:7:", "given twice");
	text_error(MINIMAL "backbone: {pairs: [{between: [fra]}]}\n",
	    "x.yaml:7:", "write a pair");
	text_error(MINIMAL "profiles: {eve: [{hour: 1}, {hour: 1.0}]}\n",
	    "x.yaml:7:", "given twice");
	text_error(MINIMAL "profiles: {eve: [{hour: 24}]}\n", "x.yaml:7:",
	    "outside [0, 24)");
	text_error(MINIMAL "profiles: {eve: [{hour: 2, delay: -1}]}\n",
	    "x.yaml:7:", "outside");
}
END_TEST

/*
 * Off-cloud: the site and link switches with their defaults (a link is on
 * unless it is last resort), a forwarded port, FTP passive, and the rule
 * secondaries refused whichever order the keys are written in.
 */
/* HA pairs: the site's settings, the socket actions and the metric, and
 * what is refused. */
#define HA_NET \
	"name: m\nduration: 10m\n" \
	"pops: [{name: fra, city: frankfurt}]\n" \
	"sites:\n" \
	"  - {name: a, city: frankfurt, ha: {heartbeat: 250ms, misses: 4," \
	" preempt: true}, links: [{name: w, bandwidth: 10Mbps}]}\n" \
	"  - {name: b, city: frankfurt, ha: {}," \
	" links: [{name: w, bandwidth: 10Mbps}]}\n" \
	"  - {name: c, city: frankfurt, links: [{name: w, bandwidth: 10Mbps}]}\n"

START_TEST(test_ha)
{
	struct scenario *sc = text_ok(HA_NET
	    "timeline:\n"
	    "  - {at: 1m, socket: a/primary, action: down}\n"
	    "  - {at: 2m, socket: b/secondary, action: links-down}\n"
	    "  - {at: 3m, socket: b/secondary, action: links-up}\n"
	    "expect:\n"
	    "  - {site: a, metric: takeover-time, below: 2s}\n"
	    "  - {site: b, metric: takeover-time, below: 1s,"
	    " after: {socket: b/secondary, action: links-down}}\n");

	ck_assert_int_eq(sc->sites[0].ha, 1);
	ck_assert_int_eq(sc->sites[0].ha_heartbeat, 250 * SB_MS);
	ck_assert_uint_eq(sc->sites[0].ha_misses, 4);
	ck_assert_int_eq(sc->sites[0].ha_preempt, 1);
	/* ha: {} is a pair with the defaults, left to wan/ha.h */
	ck_assert_int_eq(sc->sites[1].ha, 1);
	ck_assert_int_eq(sc->sites[1].ha_heartbeat, 0);
	ck_assert_uint_eq(sc->sites[1].ha_misses, 0);
	ck_assert_int_eq(sc->sites[1].ha_preempt, 0);
	ck_assert_int_eq(sc->sites[2].ha, 0);
	ck_assert_int_eq(sc->timeline[0].target.kind, SC_T_SOCKET);
	ck_assert_int_eq(sc->timeline[0].target.i, 0);
	ck_assert_int_eq(sc->timeline[0].target.j, 0);
	ck_assert_int_eq(sc->timeline[0].kind, SC_ACT_DOWN);
	ck_assert_int_eq(sc->timeline[1].target.j, 1);
	ck_assert_int_eq(sc->timeline[1].kind, SC_ACT_LINKS_DOWN);
	ck_assert_int_eq(sc->timeline[2].kind, SC_ACT_LINKS_UP);
	ck_assert_int_eq(sc->expects[0].metric, SC_M_TAKEOVER_TIME);
	ck_assert_int_eq(sc->expects[0].subject.kind, SC_T_SITE);
	ck_assert_int_eq((sb_time)sc->expects[0].bound, 2 * SB_S);
	ck_assert_int_eq(sc->expects[1].from, 2 * SB_MIN);
	ck_assert_str_eq(sc_metric_unit(SC_M_TAKEOVER_TIME), "ns");
	ck_assert_str_eq(sc->expects[1].text,
	    "site b takeover-time below 1s after socket b/secondary "
	    "links-down");
	scenario_free(sc);

	text_error(HA_NET "timeline:\n"
	    "  - {at: 1m, socket: a/primary, action: set, delay: 1ms}\n",
	    "x.yaml:9:41:", "'set' is for links");
	text_error(HA_NET "timeline:\n"
	    "  - {at: 1m, link: a/w, action: links-down}\n",
	    "x.yaml:9:33:", "links-down is for a socket");
	text_error(HA_NET "timeline:\n"
	    "  - {at: 1m, socket: a, action: down}\n",
	    "x.yaml:9:22:", "write SITE/primary or SITE/secondary");
	text_error(HA_NET "timeline:\n"
	    "  - {at: 1m, socket: z/primary, action: down}\n",
	    "x.yaml:9:22:", "no site named 'z'");
	text_error("name: m\nduration: 10m\n"
	    "pops: [{name: fra, city: frankfurt}]\n"
	    "sites:\n"
	    "  - {name: a, city: frankfurt, off-cloud: true, ha: {},"
	    " links: [{name: w, bandwidth: 10Mbps}]}\n",
	    "x.yaml:5:53:", "does not join the off-cloud mesh");
	text_error("name: m\nduration: 10m\n"
	    "pops: [{name: fra, city: frankfurt}]\n"
	    "sites:\n"
	    "  - {name: a, city: frankfurt, ha: {misses: 0},"
	    " links: [{name: w, bandwidth: 10Mbps}]}\n",
	    "x.yaml:5:45:", "misses");
	text_error("name: m\nduration: 10m\n"
	    "pops: [{name: fra, city: frankfurt}]\n"
	    "sites:\n"
	    "  - {name: a, city: frankfurt, ha: true,"
	    " links: [{name: w, bandwidth: 10Mbps}]}\n",
	    "x.yaml:5:36:", "ha");
	text_error(HA_NET "expect:\n"
	    "  - {flow: nope, metric: takeover-time, below: 1s}\n",
	    "x.yaml:9:12:", "no application");
	text_error(HA_NET "expect:\n"
	    "  - {site: a, metric: takeover-time, below: {site: c}}\n",
	    "x.yaml:9:45:", "site 'c' is its HA pair's");
}
END_TEST

START_TEST(test_offcloud)
{
	struct scenario *sc = text_ok("name: m\nduration: 10m\n"
	    "pops: [{name: fra, city: frankfurt}]\n"
	    "sites:\n"
	    "  - name: a\n"
	    "    city: frankfurt\n"
	    "    off-cloud: true\n"
	    "    links:\n"
	    "      - {name: w1, bandwidth: 10Mbps, public-ip: 198.51.100.1,"
	    " public-port: 4500}\n"
	    "      - {name: w2, precedence: 2, bandwidth: 10Mbps}\n"
	    "      - {name: lte, kind: lte, precedence: 3, bandwidth: 5Mbps}\n"
	    "      - {name: w3, off-cloud: false, bandwidth: 10Mbps}\n"
	    "      - {name: sat, precedence: 3, off-cloud: no,"
	    " bandwidth: 1Mbps}\n"
	    "  - name: b\n"
	    "    city: london\n"
	    "    links:\n"
	    "      - {name: w, bandwidth: 10Mbps, public-ip: 198.51.100.1}\n"
	    "  - {name: c, city: paris, off-cloud: false,"
	    " links: [{name: w, bandwidth: 10Mbps}]}\n"
	    "applications:\n"
	    "  - {name: ab, kind: udp-cbr, from: a, to: b, rate: 1Mbps}\n"
	    "  - {name: ftp, kind: udp-cbr, from: a, to: b, rate: 1Mbps,"
	    " ftp-passive: true}\n"
	    "  - {name: ftp2, kind: udp-cbr, from: a, to: b, rate: 1Mbps,"
	    " ftp-passive: false}\n"
	    "rules:\n"
	    "  - {name: r1, application: ab, transport: off-cloud}\n"
	    "  - {name: r2, secondary: none, transport: off-cloud}\n"
	    "  - {name: r3, transport: off-cloud, secondary: cloud,"
	    " tcp-acceleration: false}\n"
	    "  - {name: r4, transport: alt-wan, secondary: automatic}\n");
	const struct sc_site *a = &sc->sites[0];

	ck_assert_int_eq(a->off_cloud, 1);
	ck_assert_int_eq(sc->sites[1].off_cloud, 0);
	ck_assert_int_eq(sc->sites[2].off_cloud, 0);
	ck_assert_int_eq(a->links[0].off_cloud, 1);
	ck_assert_str_eq(a->links[0].public_ip, "198.51.100.1");
	ck_assert_uint_eq(a->links[0].public_port, 4500);
	ck_assert_int_eq(a->links[1].off_cloud, 1);
	ck_assert_uint_eq(a->links[1].public_port, 0);
	ck_assert_ptr_null(a->links[1].public_ip);
	ck_assert_int_eq(a->links[2].off_cloud, 0);
	ck_assert_int_eq(a->links[2].precedence, 3);
	ck_assert_int_eq(a->links[3].off_cloud, 0);
	ck_assert_int_eq(a->links[3].precedence, 1);
	ck_assert_int_eq(a->links[4].off_cloud, 0);
	/* two sites behind one router share an address */
	ck_assert_str_eq(sc->sites[1].links[0].public_ip, "198.51.100.1");
	ck_assert_uint_eq(sc->sites[1].links[0].public_port, 0);
	ck_assert_int_eq(sc->sites[1].links[0].off_cloud, 1);
	ck_assert_int_eq(sc->apps[0].ftp_passive, 0);
	ck_assert_int_eq(sc->apps[1].ftp_passive, 1);
	ck_assert_int_eq(sc->apps[2].ftp_passive, 0);
	ck_assert_int_eq(sc->rules[0].transport, SC_TR_OFF_CLOUD);
	ck_assert_int_eq(sc->rules[0].secondary, 0);	/* automatic */
	ck_assert_int_eq(sc->rules[1].secondary, 1);	/* none */
	ck_assert_int_eq(sc->rules[2].secondary, 2);	/* cloud */
	ck_assert_int_eq(sc->rules[2].tcp_acceleration, 0);
	ck_assert_int_eq(sc->rules[3].transport, SC_TR_ALT_WAN);
	ck_assert_int_eq(sc->rules[3].secondary, 0);
	scenario_free(sc);

	/* the defaults of a file that says nothing about off-cloud */
	sc = text_ok(MINIMAL APPS);
	ck_assert_int_eq(sc->sites[0].off_cloud, 0);
	ck_assert_int_eq(sc->sites[0].links[0].off_cloud, 1);
	ck_assert_uint_eq(sc->sites[0].links[0].public_port, 0);
	ck_assert_int_eq(sc->apps[0].ftp_passive, 0);
	scenario_free(sc);

	/* links: the value is pointed at, whichever key comes first */
	text_error(SITE1 "      - {name: w, bandwidth: 1Mbps, off-cloud: true, "
	    "precedence: 3}\n", "x.yaml:8:48:",
	    "site 'a' link 'w': off-cloud cannot be enabled on a last-resort "
	    "link (precedence 3)");
	text_error(SITE1 "      - {name: w, bandwidth: 1Mbps, precedence: 3, "
	    "off-cloud: yes}\n", "x.yaml:8:63:", "last-resort link");
	text_error(SITE1 "      - {name: w, bandwidth: 1Mbps, public-port: "
	    "4500}\n", "x.yaml:8:50:",
	    "site 'a' link 'w': public-port needs public-ip (a static public "
	    "address with a forwarded port)");
	text_error(SITE1 "      - {name: w, bandwidth: 1Mbps, public-port: 0, "
	    "public-ip: 192.0.2.1}\n", "x.yaml:8:50:", "outside [1, 65535]");
	text_error(SITE1 "      - {name: w, bandwidth: 1Mbps, public-port: "
	    "65536, public-ip: 192.0.2.1}\n", "x.yaml:8:50:",
	    "outside [1, 65535]");
	text_error(SITE1 "      - {name: w, bandwidth: 1Mbps, public-port: "
	    "45.5, public-ip: 192.0.2.1}\n", "x.yaml:8:50:", "whole number");
	text_error(SITE1 "      - {name: w, bandwidth: 1Mbps, off-cloud: on}\n",
	    "x.yaml:8:48:", "'on' is not true or false");
	text_error(SITE1 "      - {name: w, bandwidth: 1Mbps, public-prot: "
	    "4500}\n", "x.yaml:8:", "did you mean 'public-port'");
	text_error(SITE1 "      - {name: w, bandwidth: 1Mbps, of-cloud: no}\n",
	    "x.yaml:8:", "did you mean 'off-cloud'");
	/* sites and applications */
	text_error("name: m\nduration: 10m\n"
	    "pops: [{name: fra, city: frankfurt}]\n"
	    "sites: [{name: a, city: frankfurt, off-cloud: 1,"
	    " links: [{name: w, bandwidth: 1Mbps}]}]\n",
	    "x.yaml:4:47:", "site 'a': off-cloud: '1' is not true or false");
	text_error("name: m\nduration: 10m\n"
	    "pops: [{name: fra, city: frankfurt}]\n"
	    "sites: [{name: a, city: frankfurt, offcloud: true,"
	    " links: [{name: w, bandwidth: 1Mbps}]}]\n",
	    "x.yaml:4:", "did you mean 'off-cloud'");
	text_error(MINIMAL "applications: [{name: ab, kind: udp-cbr, from: a, "
	    "to: b, rate: 1Mbps, ftp-passive: sometimes}]\n", "x.yaml:7:",
	    "ftp-passive: 'sometimes' is not true or false");
	text_error(MINIMAL "applications: [{name: ab, kind: udp-cbr, from: a, "
	    "to: b, rate: 1Mbps, ftp-pasive: true}]\n", "x.yaml:7:",
	    "did you mean 'ftp-passive'");
	/* rules: judged when both transport and secondary are read */
	text_error(MINIMAL "rules: [{name: x, secondary: off-cloud, "
	    "transport: alt-wan}]\n", "x.yaml:7:30:",
	    "rule 'x': Alt-WAN cannot fail over to off-cloud (secondary: "
	    "automatic, none or cloud)");
	text_error(MINIMAL "rules: [{name: x, transport: alt-wan, "
	    "secondary: off-cloud}]\n", "x.yaml:7:50:",
	    "Alt-WAN cannot fail over to off-cloud");
	text_error(MINIMAL "rules: [{name: x, secondary: alt-wan, "
	    "transport: off-cloud}]\n", "x.yaml:7:30:",
	    "rule 'x': Alt-WAN is not supported as the secondary of off-cloud "
	    "(automatic, none or cloud)");
	text_error(MINIMAL "rules: [{name: x, transport: cloud, "
	    "secondary: off-cloud}]\n", "x.yaml:7:48:",
	    "rule 'x': secondary 'off-cloud' is not supported (automatic, "
	    "none or cloud)");
	text_error(MINIMAL "rules: [{name: x, transport: internet, "
	    "secondary: alt-wan}]\n", "x.yaml:7:51:",
	    "rule 'x': secondary 'alt-wan' is not supported");
	text_error(MINIMAL "rules: [{name: x, transport: off-cloud, "
	    "secondary: off-cloud}]\n", "x.yaml:7:52:",
	    "secondary 'off-cloud' is not supported");
	text_error(MINIMAL "rules: [{name: x, transport: off-cloud, "
	    "secondary: automatc}]\n", "x.yaml:7:52:",
	    "did you mean 'automatic'");
	text_error(MINIMAL "rules: [{name: x, tcp-acceleration: true, "
	    "transport: off-cloud}]\n", "x.yaml:7:37:",
	    "rule 'x': TCP acceleration must be off when the transport is "
	    "off-cloud");
	text_error(MINIMAL "rules: [{name: x, transport: off-cloud, "
	    "tcp-acceleration: yes}]\n", "x.yaml:7:59:",
	    "TCP acceleration must be off");
	text_error(MINIMAL "rules: [{name: x, transport: off-cloud, "
	    "secondry: none}]\n", "x.yaml:7:", "did you mean 'secondary'");
}
END_TEST

/*
 * PoPs: inspection (its engines as a list, as a mapping and left out, with
 * the default costs filled in for every engine) and gateways.
 */
START_TEST(test_inspection)
{
	struct scenario *sc = text_ok("name: m\nduration: 10m\n"
	    "pops:\n"
	    "  - {name: sha, city: shanghai, gateway: hkg,\n"
	    "     inspection: {capacity: 2Gbps, packet-rate: 400000,\n"
	    "                  queue: 5ms, engines: [firewall, ips]}}\n"
	    "  - {name: hkg, city: hong-kong,\n"
	    "     inspection: {packet-rate: 4e5,\n"
	    "                  engines: {tls-inspection: 120us, firewall: 0s}}}\n"
	    "  - {name: fra, city: frankfurt, inspection: {capacity: 10Gbps}}\n"
	    "  - {name: lon, city: london}\n"
	    "sites:\n"
	    "  - {name: a, city: shanghai, links: [{name: w, bandwidth: 1Gbps}]}\n");
	const struct sc_inspection *in = &sc->pops[0].insp;

	ck_assert_int_eq(sc->pops[0].gateway, 1);
	ck_assert_int_eq(sc->pops[1].gateway, -1);
	ck_assert_int_eq(in->enabled, 1);
	ck_assert_uint_eq(in->capacity_bps, 2000000000ull);
	ck_assert_uint_eq(in->capacity_pps, 400000);
	ck_assert_int_eq(in->queue, 5 * SB_MS);
	ck_assert_uint_eq(in->engines,
	    (1u << SC_ENG_FIREWALL) | (1u << SC_ENG_IPS));
	/* every engine's default cost, listed or not */
	ck_assert_int_eq(in->engine_delay[SC_ENG_FIREWALL], 10 * SB_US);
	ck_assert_int_eq(in->engine_delay[SC_ENG_IPS], 30 * SB_US);
	ck_assert_int_eq(in->engine_delay[SC_ENG_ANTI_MALWARE], 50 * SB_US);
	ck_assert_int_eq(in->engine_delay[SC_ENG_TLS], 80 * SB_US);
	ck_assert_uint_eq(in->loc.line, 5);
	ck_assert_uint_eq(in->loc.col, 18);
	in = &sc->pops[1].insp;
	ck_assert_uint_eq(in->capacity_bps, 0);
	ck_assert_uint_eq(in->capacity_pps, 400000);
	ck_assert_int_eq(in->queue, 10 * SB_MS);
	ck_assert_uint_eq(in->engines,
	    (1u << SC_ENG_TLS) | (1u << SC_ENG_FIREWALL));
	ck_assert_int_eq(in->engine_delay[SC_ENG_TLS], 120 * SB_US);
	ck_assert_int_eq(in->engine_delay[SC_ENG_FIREWALL], 0);
	ck_assert_int_eq(in->engine_delay[SC_ENG_IPS], 30 * SB_US);
	/* no engines named: all four */
	in = &sc->pops[2].insp;
	ck_assert_uint_eq(in->engines, (1u << SC_ENG__COUNT) - 1);
	ck_assert_int_eq(in->engine_delay[SC_ENG_ANTI_MALWARE], 50 * SB_US);
	/* no inspection: off, with the defaults still there */
	in = &sc->pops[3].insp;
	ck_assert_int_eq(in->enabled, 0);
	ck_assert_uint_eq(in->engines, 0);
	ck_assert_int_eq(in->queue, 10 * SB_MS);
	ck_assert_int_eq(in->engine_delay[SC_ENG_TLS], 80 * SB_US);
	scenario_free(sc);

#define POPS2(x, y) "name: m\nduration: 10m\n" \
	"pops:\n  - {name: fra, city: frankfurt" x "}\n" \
	"  - {name: lon, city: london" y "}\n" \
	"sites: [{name: a, city: paris, links: [{name: w, bandwidth: 1Mbps}]}]\n"
	text_error(POPS2(", inspection: {capacity: 1Gbps, engines: [ipss]}", ""),
	    "x.yaml:4:74:", "PoP 'fra' inspection: engines: unknown engine "
	    "'ipss' (did you mean 'ips'?)");
	text_error(POPS2(", inspection: {capacity: 1Gbps, engines: {antimalware:"
	    " 1us}}", ""), "x.yaml:4:74:", "did you mean 'anti-malware'");
	text_error(POPS2(", inspection: {capacity: 1Gbps, engines: [dlp]}", ""),
	    "x.yaml:4:74:", "unknown engine 'dlp'; the engines are firewall, "
	    "ips, anti-malware and tls-inspection");
	text_error(POPS2(", inspection: {capacity: 1Gbps, engines: [ips, "
	    "firewall, ips]}", ""), "x.yaml:4:89:",
	    "PoP 'fra' inspection: engine 'ips' is given twice");
	text_error(POPS2(", inspection: {capacity: 1Gbps, engines: []}", ""),
	    "x.yaml:4:73:", "name at least one");
	text_error(POPS2(", inspection: {capacity: 1Gbps, engines: ips}", ""),
	    "x.yaml:4:73:", "a list of engines, or a mapping");
	text_error(POPS2(", inspection: {capacity: 1Gbps, engines: {ips: 2s}}",
	    ""), "x.yaml:4:79:", "engines: ips must be from 0s to 1s");
	text_error(POPS2(", inspection: {queue: 5ms}", ""), "x.yaml:4:46:",
	    "PoP 'fra' inspection: give 'capacity' (a rate, like 2Gbps), "
	    "'packet-rate' (packets per second) or both");
	text_error(POPS2(", inspection: {packet-rate: 0}", ""), "x.yaml:4:60:",
	    "packet-rate: a whole number of packets per second above zero");
	text_error(POPS2(", inspection: {packet-rate: 10.5}", ""),
	    "x.yaml:4:60:", "whole number");
	text_error(POPS2(", inspection: {packet-rate: 10kpps}", ""),
	    "x.yaml:4:60:", "is not a number");
	text_error(POPS2(", inspection: {capacity: 0bps}", ""), "x.yaml:4:57:",
	    "capacity must be above zero");
	text_error(POPS2(", inspection: {capacity: 1Gbps, queue: 0s}", ""),
	    "x.yaml:4:71:", "queue must be above zero");
	text_error(POPS2(", inspection: {capacity: 1Gbps, capcity: 1}", ""),
	    "x.yaml:4:", "did you mean 'capacity'");
	text_error(POPS2(", inspection: true", ""), "x.yaml:4:46:",
	    "inspection must be a mapping");
	/* gateways: named before or after, never itself, one hop */
	text_error(POPS2(", gateway: fra", ""), "x.yaml:4:43:",
	    "PoP 'fra': gateway: a PoP cannot be its own gateway");
	text_error(POPS2(", gateway: lom", ""), "x.yaml:4:43:",
	    "gateway: no PoP named 'lom' (did you mean 'lon'?)");
	text_error(POPS2(", gateway: lon", ", gateway: fra"), "x.yaml:4:43:",
	    "PoP 'fra': gateway 'lon' has a gateway of its own");
	text_error("name: m\nduration: 10m\n"
	    "pops:\n  - {name: a, city: beijing, gateway: b}\n"
	    "  - {name: b, city: shanghai, gateway: c}\n"
	    "  - {name: c, city: hong-kong}\n"
	    "sites: [{name: s, city: paris, links: [{name: w, bandwidth: 1Mbps}]}]\n",
	    "x.yaml:4:39:", "gateway 'b' has a gateway of its own");
}
END_TEST

/* backbone: the routing keys and their defaults, and parallel carriers. */
START_TEST(test_routing)
{
	struct scenario *sc = text_ok(MINIMAL);

	ck_assert_int_eq(sc->routing.probe, 100 * SB_MS);
	ck_assert_uint_eq(sc->routing.misses, 3);
	ck_assert_int_eq(sc->routing.loss_window, 10 * SB_S);
	ck_assert_int_eq(sc->routing.loss_weight, 5 * SB_S);
	scenario_free(sc);

	/* a backbone section without routing keys keeps the defaults */
	sc = text_ok(MINIMAL "backbone: {bandwidth: 1Gbps}\n");
	ck_assert_int_eq(sc->routing.probe, 100 * SB_MS);
	ck_assert_uint_eq(sc->routing.misses, 3);
	scenario_free(sc);

	sc = text_ok("name: m\nduration: 10m\n"
	    "pops:\n"
	    "  - {name: fra, city: frankfurt}\n"
	    "  - {name: lon, city: london}\n"
	    "  - {name: par, city: paris}\n"
	    "sites: [{name: a, city: paris, links: [{name: w, bandwidth: 1Mbps}]}]\n"
	    "backbone:\n"
	    "  probe: 50ms\n"
	    "  misses: 5\n"
	    "  loss-window: 30s\n"
	    "  loss-weight: 2s\n"
	    "  pairs:\n"
	    "    - {between: [fra, lon], carrier: zayo, delay: 8ms}\n"
	    "    - {between: [lon, fra], carrier: colt, delay: 9ms}\n"
	    "    - {between: [fra, par]}\n");
	ck_assert_int_eq(sc->routing.probe, 50 * SB_MS);
	ck_assert_uint_eq(sc->routing.misses, 5);
	ck_assert_int_eq(sc->routing.loss_window, 30 * SB_S);
	ck_assert_int_eq(sc->routing.loss_weight, 2 * SB_S);
	ck_assert_uint_eq(sc->nbb_pairs, 3);
	ck_assert_str_eq(sc->bb_pairs[0].carrier, "zayo");
	ck_assert_str_eq(sc->bb_pairs[1].carrier, "colt");
	ck_assert_int_eq(sc->bb_pairs[1].p.delay, 9 * SB_MS);
	ck_assert_ptr_null(sc->bb_pairs[2].carrier);
	scenario_free(sc);

	/* the same pair twice: each needs a carrier, a different one */
	text_error(MINIMAL "backbone: {pairs: [{between: [fra, lon], carrier: a},"
	    " {between: [lon, fra], carrier: a}]}\n", "x.yaml:7:86:",
	    "backbone pair [lon, fra] of carrier 'a' is given twice");
	text_error(MINIMAL "backbone: {pairs: [{between: [fra, lon], carrier: a},"
	    " {between: [lon, fra]}]}\n", "x.yaml:7:65:",
	    "backbone pair [lon, fra] is given twice (parallel links each name "
	    "a different 'carrier')");
	text_error(MINIMAL "backbone: {pairs: [{between: [fra, lon]},"
	    " {between: [lon, fra], carrier: b}]}\n", "x.yaml:7:",
	    "parallel links each name a different 'carrier'");
	text_error(MINIMAL "backbone: {pairs: [{between: [fra, lon], carrier: "
	    "'a b'}]}\n", "x.yaml:7:", "use only letters");
	text_error(MINIMAL "backbone: {probe: 0s}\n", "x.yaml:7:19:",
	    "backbone: probe must be from 0.001s to 60s");
	text_error(MINIMAL "backbone: {misses: 0}\n", "x.yaml:7:20:",
	    "outside [1, 100]");
	text_error(MINIMAL "backbone: {misses: 2.5}\n", "x.yaml:7:20:",
	    "whole number");
	text_error(MINIMAL "backbone: {probe: 2s}\n", "x.yaml:7:19:",
	    "backbone: loss-window 10s holds fewer than 10 probes (probe 2s); "
	    "make it at least 10 x probe");
	text_error(MINIMAL "backbone: {probe: 100ms, loss-window: 900ms}\n",
	    "x.yaml:7:39:", "loss-window 900ms holds fewer than 10 probes");
	text_error(MINIMAL "backbone: {loss-weight: 2h}\n", "x.yaml:7:25:",
	    "loss-weight must be from 0s to 3600s");
	/* routing keys belong to the backbone, not to a pair */
	text_error(MINIMAL "backbone: {pairs: [{between: [fra, lon], "
	    "misses: 2}]}\n", "x.yaml:7:", "unknown key 'misses'");
	text_error(MINIMAL "backbone: {prob: 1s}\n", "x.yaml:7:",
	    "did you mean 'probe'");
}
END_TEST

/* destinations, applications to them, and rules' egress-pop */
START_TEST(test_destinations)
{
	struct scenario *sc = text_ok(MINIMAL
	    "destinations:\n"
	    "  - {name: crm, city: ashburn}\n"
	    "  - {name: mail, city: dublin, egress-pop: lon}\n"
	    "applications:\n"
	    "  - {name: ab, kind: udp-cbr, from: a, to: b, rate: 1Mbps}\n"
	    "  - {name: ac, kind: udp-cbr, from: a, to: crm, rate: 1Mbps}\n"
	    "  - {name: am, kind: udp-cbr, from: b, to: mail, rate: 1Mbps,"
	    " via: internet}\n"
	    "rules:\n"
	    "  - {name: r1, application: ac, transport: cloud, egress-pop: fra}\n"
	    "  - {name: r2, to: internet, transport: backbone, egress-pop: lon}\n"
	    "  - {name: r3, transport: cloud}\n");
	const struct sc_dest *d = sc->dests;

	ck_assert_uint_eq(sc->ndests, 2);
	ck_assert_str_eq(d[0].name, "crm");
	ck_assert_str_eq(d[0].city->name, "ashburn");
	ck_assert_int_eq(d[0].pop, -1);
	ck_assert_uint_eq(d[0].loc.line, 8);
	ck_assert_int_eq(d[1].pop, 1);
	ck_assert_int_eq(sc->apps[0].dst, 1);
	ck_assert_int_eq(sc->apps[0].dest, -1);
	ck_assert_int_eq(sc->apps[1].dst, -1);
	ck_assert_int_eq(sc->apps[1].dest, 0);
	ck_assert_int_eq(sc->apps[2].dest, 1);
	ck_assert_int_eq(sc->apps[2].via, SC_VIA_INTERNET);
	ck_assert_int_eq(sc->rules[0].egress_pop, 0);
	ck_assert_int_eq(sc->rules[1].egress_pop, 1);
	ck_assert(sc->rules[1].internet);
	ck_assert_int_eq(sc->rules[2].egress_pop, -1);
	scenario_free(sc);

#define DESTS "destinations: [{name: crm, city: ashburn}]\n"
	text_error(MINIMAL "destinations:\n  - {name: crm, city: ashburn}\n"
	    "  - {name: b, city: dublin}\n", "x.yaml:9:12:",
	    "destination 'b' has the name of the site at line 6, column 5; "
	    "applications name both in 'to', so the names must differ");
	text_error(MINIMAL "destinations: [{name: crm, city: ashburn},"
	    " {name: crm, city: dublin}]\n", "x.yaml:7:51:",
	    "destination 'crm' is defined twice");
	text_error(MINIMAL "destinations: [{name: crm, city: ashbur}]\n",
	    "x.yaml:7:34:", "destination 'crm': city: unknown city 'ashbur' "
	    "(did you mean 'ashburn'?)");
	text_error(MINIMAL "destinations: [{name: crm}]\n", "x.yaml:7:16:",
	    "destination 'crm': 'city' is required");
	text_error(MINIMAL "destinations: [{name: crm, city: ashburn, "
	    "egress-pop: fro}]\n", "x.yaml:7:55:",
	    "destination 'crm': egress-pop: no PoP named 'fro' (did you mean "
	    "'fra'?)");
	text_error(MINIMAL "destinations: [{name: crm, city: ashburn, "
	    "pop: fra}]\n", "x.yaml:7:", "unknown key 'pop'");
	text_error(MINIMAL DESTS "applications: [{name: x, kind: udp-cbr, "
	    "from: a, to: crn, rate: 1Mbps}]\n", "x.yaml:8:",
	    "application 'x': to: no site or destination named 'crn' (did you "
	    "mean 'crm'?)");
	text_error(MINIMAL DESTS "applications: [{name: x, kind: udp-cbr, "
	    "from: a, to: zzzzzz, rate: 1Mbps}]\n", "x.yaml:8:",
	    "no site or destination named 'zzzzzz'");
	/* from a site or a destination (test_app_kinds has the fields) */
	text_error(MINIMAL DESTS "applications: [{name: x, kind: udp-cbr, "
	    "from: crn, to: a, rate: 1Mbps}]\n", "x.yaml:8:",
	    "application 'x': from: no site or destination named 'crn' (did "
	    "you mean 'crm'?)");
	text_error(MINIMAL DESTS "rules: [{name: r, to: crm, transport: cloud}]\n",
	    "x.yaml:8:23:", "rule 'r': to: 'crm' is a destination; a rule "
	    "matches flows to destinations with 'to: internet'");
	/* egress-pop: in the cloud, to the Internet */
	text_error(MINIMAL "rules: [{name: r, transport: off-cloud, "
	    "egress-pop: fra}]\n", "x.yaml:7:53:",
	    "rule 'r': egress-pop is where traffic leaves the cloud, so it goes "
	    "with transport cloud, not off-cloud");
	text_error(MINIMAL "rules: [{name: r, egress-pop: fra, "
	    "transport: internet}]\n", "x.yaml:7:31:", "not internet");
	text_error(MINIMAL "rules: [{name: r, transport: alt-wan, "
	    "egress-pop: fra}]\n", "x.yaml:7:", "not alt-wan");
	text_error(MINIMAL "rules: [{name: r, to: b, transport: cloud, "
	    "egress-pop: fra}]\n", "x.yaml:7:56:",
	    "rule 'r': egress-pop is for traffic to the Internet; traffic to "
	    "site 'b' leaves the cloud at that site's PoP");
	text_error(MINIMAL APPS "rules: [{name: r, application: ab, "
	    "transport: cloud, egress-pop: fra}]\n", "x.yaml:8:",
	    "application 'ab' goes to site 'b'");
	text_error(MINIMAL "rules: [{name: r, transport: cloud, "
	    "egress-pop: frx}]\n", "x.yaml:7:", "did you mean 'fra'");
}
END_TEST

/* Expectations about a PoP, and convergence on the backbone. */
START_TEST(test_pop_expects)
{
	struct scenario *sc = text_ok("name: m\nduration: 10m\n"
	    "pops:\n"
	    "  - {name: fra, city: frankfurt, inspection: {capacity: 1Gbps}}\n"
	    "  - {name: lon, city: london}\n"
	    "sites:\n"
	    "  - {name: a, city: frankfurt, links: [{name: w, bandwidth: 10Mbps}]}\n"
	    "  - {name: b, city: london, links: [{name: w, bandwidth: 80Mbps}]}\n"
	    "timeline:\n"
	    "  - {at: 1m, backbone: [fra, lon], action: down}\n"
	    "expect:\n"
	    "  - {pop: fra, metric: utilisation, below: 80%}\n"
	    "  - {pop: fra, metric: queue-delay, below: 2ms}\n"
	    "  - {pop: fra, metric: loss, at-most: 0.1%}\n"
	    "  - {pop: lon, metric: throughput, above: 1Mbps}\n"
	    "  - {pop: lon, metric: delivered, above: 10}\n"
	    "  - {pop: lon, metric: convergence-time, below: 1s}\n"
	    "  - {backbone: [fra, lon], metric: convergence-time, below: 500ms,"
	    " after: {backbone: [fra, lon], action: down}}\n"
	    "  - {pop: fra, metric: throughput, at-least: {pop: lon}}\n");
	const struct sc_expect *e = sc->expects;

	ck_assert_uint_eq(sc->nexpects, 8);
	ck_assert_int_eq(e[0].subject.kind, SC_T_POP);
	ck_assert_int_eq(e[0].subject.i, 0);
	ck_assert_int_eq(e[0].metric, SC_M_UTILISATION);
	ck_assert_int_eq(e[1].metric, SC_M_QUEUE_DELAY);
	ck_assert_double_eq(e[1].bound, 2e6);
	ck_assert_str_eq(e[1].text, "pop fra queue-delay below 2ms");
	ck_assert_int_eq(e[5].metric, SC_M_CONVERGENCE_TIME);
	ck_assert_int_eq(e[5].subject.i, 1);
	ck_assert_double_eq(e[5].bound, 1e9);
	ck_assert_int_eq(e[6].subject.kind, SC_T_BACKBONE);
	ck_assert_int_eq(e[6].from, SB_MIN);
	ck_assert_str_eq(e[6].text, "backbone fra-lon convergence-time below "
	    "500ms after backbone fra-lon down");
	ck_assert(e[7].bound_is_ref);
	ck_assert_int_eq(e[7].ref.kind, SC_T_POP);
	ck_assert_int_eq(e[7].ref.i, 1);
	ck_assert_str_eq(sc_metric_name(SC_M_CONVERGENCE_TIME),
	    "convergence-time");
	ck_assert_str_eq(sc_metric_name(SC_M_QUEUE_DELAY), "queue-delay");
	ck_assert_str_eq(sc_metric_unit(SC_M_CONVERGENCE_TIME), "ns");
	ck_assert_str_eq(sc_metric_unit(SC_M_QUEUE_DELAY), "ns");
	ck_assert_str_eq(sc_metric_name(SC_M__COUNT), "?");
	scenario_free(sc);

	text_error(MINIMAL "expect: [{pop: fra, metric: queue-max, "
	    "below: 1MB}]\n", "x.yaml:7:29:",
	    "metric queue-max does not apply to a PoP (its metrics: loss, "
	    "throughput, delivered, utilisation, convergence-time, "
	    "queue-delay)");
	text_error(MINIMAL APPS "expect: [{pop: fra, metric: latency-p95, "
	    "below: 1s}]\n", "x.yaml:8:29:", "does not apply to a PoP");
	text_error(MINIMAL APPS "expect: [{link: a/w, metric: queue-delay, "
	    "below: 1ms}]\n", "x.yaml:8:30:",
	    "metric queue-delay does not apply to a link");
	text_error(MINIMAL APPS "expect: [{flow: ab, metric: convergence-time, "
	    "below: 1s}]\n", "x.yaml:8:29:", "does not apply to a flow");
	text_error(MINIMAL APPS "expect: [{internet: [frankfurt, london], "
	    "metric: convergence-time, below: 1s}]\n", "x.yaml:8:",
	    "internet: no Internet path");
	text_error(MINIMAL "internet: {paths: [{between: [frankfurt, london]}]}\n"
	    "expect: [{internet: [frankfurt, london], metric: convergence-time, "
	    "below: 1s}]\n", "x.yaml:8:", "does not apply to an Internet path");
	text_error(MINIMAL "expect: [{backbone: [fra, lon], metric: queue-delay, "
	    "below: 1s}]\n", "x.yaml:7:", "does not apply to a backbone pair");
	/* a PoP's utilisation, wait and loss are its inspection's */
	text_error(MINIMAL "expect: [{pop: fra, metric: utilisation, "
	    "below: 50%}]\n", "x.yaml:7:29:",
	    "metric utilisation of PoP 'fra' is its inspection's, and the PoP "
	    "has no 'inspection'");
	text_error(MINIMAL "expect: [{pop: lon, metric: loss, below: 1%}]\n",
	    "x.yaml:7:", "has no 'inspection'");
	text_error(POPS2(", inspection: {capacity: 1Gbps}", "")
	    "expect: [{pop: fra, metric: queue-delay, below: {pop: lon}}]\n",
	    "x.yaml:7:", "PoP 'lon' is its inspection's");
	text_error(MINIMAL "expect: [{pop: fr, metric: throughput, "
	    "below: 1Mbps}]\n", "x.yaml:7:16:", "did you mean 'fra'");
	text_error(MINIMAL "expect: [{pop: fra, site: a, metric: throughput, "
	    "below: 1Mbps}]\n", "x.yaml:7:", "name one subject, not two");
}
END_TEST

/*
 * internet: cross-border: the built-in defaults (a profile of its own)
 * for paths across mainland China's border, what the file changes, and
 * declared paths starting from them.
 */
START_TEST(test_cross_border)
{
	struct scenario *sc = text_ok(MINIMAL);
	const struct sc_linkp *xb = &sc->internet_cross_border;
	const struct sc_profile *pr;

	ck_assert_int_eq(xb->loss.kind, LOSS_BERNOULLI);
	ck_assert_double_eq_tol(xb->loss.rate, 0.003, 1e-15);
	ck_assert_int_eq(xb->jitter.kind, JITTER_NORMAL);
	ck_assert_int_eq(xb->jitter.amount, 5 * SB_MS);
	ck_assert(!xb->has_delay);
	ck_assert_uint_eq(xb->bandwidth_bps, 10000000000ull);
	ck_assert_uint_eq(xb->queue_bytes, 125000000);
	ck_assert_int_ge(xb->profile, 0);
	pr = &sc->profiles[xb->profile];
	ck_assert_str_eq(pr->name, "china-cross-border");
	ck_assert_uint_eq(pr->npoints, 7);
	/* the evening peak, Beijing time: 15% loss, 20 ms of jitter */
	ck_assert_double_eq(pr->points[5].hour, 19);
	ck_assert_double_eq(pr->points[5].loss, 50);
	ck_assert_double_eq(pr->points[5].jitter, 4);
	ck_assert_double_eq(pr->points[5].delay, 1.25);
	/* the other paths are untouched */
	ck_assert_int_eq(sc->internet_default.loss.kind, LOSS_NONE);
	ck_assert_int_eq(sc->internet_default.profile, -1);
	scenario_free(sc);

	ck_assert(sc_cross_border(geo_city_find("shanghai"),
	    geo_city_find("hong-kong")));
	ck_assert(sc_cross_border(geo_city_find("frankfurt"),
	    geo_city_find("beijing")));
	ck_assert(!sc_cross_border(geo_city_find("shanghai"),
	    geo_city_find("beijing")));
	ck_assert(!sc_cross_border(geo_city_find("hong-kong"),
	    geo_city_find("taipei")));

	/* default's bandwidth, queue and delay carry over; the file's
	 * cross-border keys win; a declared path across the border starts
	 * from cross-border, one elsewhere from default */
	sc = text_ok(MINIMAL
	    "internet:\n"
	    "  default: {bandwidth: 1Gbps, loss: 0.01%, delay: 30ms}\n"
	    "  cross-border: {jitter: 2ms, profile: china-cross-border}\n"
	    "  paths:\n"
	    "    - {between: [shanghai, frankfurt], delay: 90ms}\n"
	    "    - {between: [london, frankfurt]}\n"
	    "    - {between: [hong-kong, shenzhen], bandwidth: 100Mbps}\n");
	xb = &sc->internet_cross_border;
	ck_assert_uint_eq(xb->bandwidth_bps, 1000000000);
	ck_assert_uint_eq(xb->queue_bytes, 12500000);
	ck_assert(xb->has_delay);
	ck_assert_int_eq(xb->delay, 30 * SB_MS);
	ck_assert_int_eq(xb->jitter.kind, JITTER_UNIFORM);
	ck_assert_int_eq(xb->jitter.amount, 2 * SB_MS);
	ck_assert_double_eq_tol(xb->loss.rate, 0.003, 1e-15);
	ck_assert_str_eq(sc->profiles[xb->profile].name, "china-cross-border");
	ck_assert_int_eq(sc->inet[0].p.delay, 90 * SB_MS);
	ck_assert_int_eq(sc->inet[0].p.jitter.amount, 2 * SB_MS);
	ck_assert_double_eq_tol(sc->inet[0].p.loss.rate, 0.003, 1e-15);
	ck_assert_int_eq(sc->inet[0].p.profile, xb->profile);
	ck_assert_double_eq_tol(sc->inet[1].p.loss.rate, 0.0001, 1e-15);
	ck_assert_int_eq(sc->inet[1].p.profile, -1);
	ck_assert_int_eq(sc->inet[2].p.profile, xb->profile);
	/* a queue derived from the default follows the path's bandwidth */
	ck_assert_uint_eq(sc->inet[2].p.queue_bytes, 1250000);
	scenario_free(sc);

	/* the file's own china-cross-border is the one used */
	sc = text_ok(MINIMAL
	    "profiles:\n"
	    "  china-cross-border: [{hour: 20, loss: 2}]\n"
	    "  flat: [{hour: 0}]\n"
	    "internet:\n"
	    "  cross-border: {loss: {model: gilbert-elliott, p: 1%, r: 50%},"
	    " bandwidth: 500Mbps}\n");
	xb = &sc->internet_cross_border;
	ck_assert_uint_eq(sc->nprofiles, 2);
	ck_assert_int_eq(xb->profile, 0);
	ck_assert_uint_eq(sc->profiles[0].npoints, 1);
	ck_assert_int_eq(xb->loss.kind, LOSS_GILBERT_ELLIOTT);
	ck_assert_uint_eq(xb->queue_bytes, 6250000);
	scenario_free(sc);

	/* any link may name the built-in profile */
	sc = text_ok("name: m\nduration: 10m\n"
	    "pops: [{name: hkg, city: hong-kong}]\n"
	    "sites: [{name: a, city: shanghai, links: [{name: w, "
	    "bandwidth: 10Mbps, profile: china-cross-border}]}]\n"
	    "internet: {cross-border: {profile: flat}}\n"
	    "profiles: {flat: [{hour: 0}]}\n");
	ck_assert_int_eq(sc->sites[0].links[0].p.profile, 1);
	ck_assert_int_eq(sc->internet_cross_border.profile, 0);
	scenario_free(sc);

	text_error(MINIMAL "internet: {cross-border: {between: [a, b]}}\n",
	    "x.yaml:7:", "internet cross-border: unknown key 'between'");
	text_error(MINIMAL "internet: {cross-boarder: {loss: 1%}}\n",
	    "x.yaml:7:", "did you mean 'cross-border'");
	text_error(MINIMAL "internet: {cross-border: {loss: 5}}\n",
	    "x.yaml:7:", "internet cross-border: loss");
	text_error(MINIMAL "internet: {cross-border: {profile: peak}}\n",
	    "x.yaml:7:", "no profile named 'peak'");
	text_error(MINIMAL "internet: {cross-border: 1%}\n", "x.yaml:7:26:",
	    "internet cross-border must be a mapping");
}
END_TEST

/* The file as a whole: YAML-level mistakes and what libyaml allows. */
START_TEST(test_document)
{
	struct scenario *sc;

	text_error("", "x.yaml:1:1:", "empty");
	text_error("# only a comment\n", "x.yaml:1:1:", "empty");
	text_error(MINIMAL "---\nname: n\n", "x.yaml:7:1:",
	    "second YAML document");
	text_error(MINIMAL "...\n]\n", "x.yaml:8:1:", "bad YAML");
	text_error("- a\n- b\n", "x.yaml:1:1:", "must be a mapping");
	text_error("name: m\nduration: 1m\npops: {fra: frankfurt}\n",
	    "x.yaml:3:7:", "pops must be a list");
	text_error("name: m\nduration: 1m\n" NET "{a: 1}: 2\n", "x.yaml:7:1:",
	    "a key must be a plain word");
	text_error("name: m\nduration: 1m\n" NET "sitez: []\n", "x.yaml:7:1:",
	    "did you mean 'sites'");
	text_error("name: m\nduration: 1m\n" NET "colour: red\n", "x.yaml:7:1:",
	    "unknown key 'colour'");
	text_error("name: [m]\nduration: 1m\n" NET, "x.yaml:1:7:",
	    "must be a value");
	text_error("name: m\nduration: 1m\n\tpops: []\n", "x.yaml:3:",
	    "bad YAML");
	text_error("name: m\nduration: 1m\nsites: [{name: a, city: frnkfurt, "
	    "links: []}]\npops: [{name: fra, city: frankfurt}]\n",
	    "x.yaml:3:25:", "did you mean 'frankfurt'");
	text_error("name: m\nduration: 1m\npops: [{name: fra, city: atlantis}]\n"
	    "sites: []\n", "x.yaml:3:26:", "unknown city 'atlantis'");
	/* an alias is its anchor's node: accepted, and read as written */
	sc = text_ok("name: m\nduration: 1m\n"
	    "pops: [{name: fra, city: frankfurt}]\n"
	    "sites:\n"
	    "  - {name: a, city: frankfurt, links: [&l {name: w, "
	    "bandwidth: 5Mbps}]}\n"
	    "  - {name: b, city: london, links: [*l]}\n");
	ck_assert_uint_eq(sc->sites[1].links[0].p.bandwidth_bps, 5000000);
	scenario_free(sc);
	text_error("name: m\nduration: 1m\npops: [{name: fra, city: frankfurt}]\n"
	    "sites: [*x]\n", "x.yaml:", "bad YAML");
	/* shapes that would make the parser slow are refused up front */
	{
		static char text[100000];
		size_t n = 0;
		n += (size_t)snprintf(text, sizeof(text),
		    "name: m\nduration: 1m\npops: ");
		for (int i = 0; i < 40000; i++)
			text[n++] = '[';
		text[n] = '\0';
		text_error(text, "x.yaml:3:70:", "nested too deep");
		n = (size_t)snprintf(text, sizeof(text),
		    "name: m\nduration: 1m\nx: [");
		for (int i = 0; i < 1001 && n + 32 < sizeof(text); i++)
			n += (size_t)snprintf(text + n, sizeof(text) - n,
			    "&a%d 1, ", i);
		snprintf(text + n, sizeof(text) - n, "]\n");
		text_error(text, "x.yaml:3:", "too many anchors");
	}
	/* a NUL byte is not text */
	{
		char err[256];
		static const char nul[] = "name: m\0\n";
		ck_assert_int_lt(scenario_load_text("x.yaml", nul,
		    sizeof(nul) - 1, &sc, err, sizeof(err)), 0);
		ck_assert_ptr_nonnull(strstr(err, "NUL"));
	}
}
END_TEST

/* voip, web and bulk: what each kind's keys and defaults come to. */
START_TEST(test_app_kinds)
{
	struct scenario *sc = text_ok(MINIMAL
	    "destinations: [{name: crm, city: ashburn}]\n"
	    "applications:\n"
	    "  - {name: call, kind: voip, from: a, to: b}\n"
	    "  - {name: g729, kind: voip, from: a, to: b, codec: g729,"
	    " ptime: 30ms, calls: 12, jitter-buffer: 60ms}\n"
	    "  - {name: opus, kind: voip, from: b, to: crm, codec: opus}\n"
	    "  - {name: portal, kind: web, from: a, to: crm}\n"
	    "  - {name: backup, kind: bulk, from: a, to: b, size: 2GB}\n"
	    "  - {name: push, kind: bulk, from: crm, to: a, size: 10MiB,"
	    " congestion-control: newreno, receive-window: 64KiB, mss: 1200B,"
	    " initial-window: 4, min-rto: 200ms}\n"
	    "  - {name: shop, kind: web, from: b, to: a, objects: 40,"
	    " object-size: 20KB, request-size: 1KB, think-time: 30s,"
	    " connections: 2, pages: 5, start: 1m, via: internet}\n");
	const struct sc_app *a = sc->apps;

	ck_assert_uint_eq(sc->napps, 7);
	/* G.711 at 20 ms: 160 bytes of voice and 40 of headers, 50 a second */
	ck_assert_int_eq(a[0].kind, SC_APP_VOIP);
	ck_assert_int_eq(a[0].codec, SC_CODEC_G711);
	ck_assert_int_eq(a[0].ptime, 20 * SB_MS);
	ck_assert_uint_eq(a[0].calls, 1);
	ck_assert_int_eq(a[0].jitter_buffer, 40 * SB_MS);
	ck_assert_uint_eq(a[0].packet_bytes, 200);
	ck_assert_uint_eq(a[0].rate_bps, 80000);
	ck_assert_int_eq(a[0].protocol, 17);
	ck_assert_int_eq(a[0].src, 0);
	ck_assert_int_eq(a[0].src_dest, -1);
	/* G.729 at 30 ms: 30 bytes of voice */
	ck_assert_int_eq(a[1].codec, SC_CODEC_G729);
	ck_assert_int_eq(a[1].ptime, 30 * SB_MS);
	ck_assert_uint_eq(a[1].packet_bytes, 70);
	ck_assert_uint_eq(a[1].rate_bps, 18667);
	ck_assert_uint_eq(a[1].calls, 12);
	ck_assert_int_eq(a[1].jitter_buffer, 60 * SB_MS);
	/* Opus at 24 kbit/s: 60 bytes per 20 ms */
	ck_assert_int_eq(a[2].codec, SC_CODEC_OPUS);
	ck_assert_uint_eq(a[2].packet_bytes, 100);
	ck_assert_uint_eq(a[2].rate_bps, 40000);
	ck_assert_int_eq(a[2].dest, 0);
	/* web: the defaults, TCP's too */
	ck_assert_int_eq(a[3].kind, SC_APP_WEB);
	ck_assert_int_eq(a[3].protocol, 6);
	ck_assert_uint_eq(a[3].objects, 10);
	ck_assert_uint_eq(a[3].object_bytes, 100000);
	ck_assert_uint_eq(a[3].request_bytes, 400);
	ck_assert_int_eq(a[3].think, 10 * SB_S);
	ck_assert_uint_eq(a[3].connections, 6);
	ck_assert_uint_eq(a[3].pages, 0);
	ck_assert_int_eq(a[3].tcp.cc, SC_CC_CUBIC);
	ck_assert_uint_eq(a[3].tcp.rwnd, 4194304);
	ck_assert_uint_eq(a[3].tcp.mss, 0);
	ck_assert_uint_eq(a[3].tcp.init_cwnd, 10);
	ck_assert_int_eq(a[3].tcp.min_rto, SB_S);
	ck_assert_uint_eq(a[3].rate_bps, 0);
	ck_assert_uint_eq(a[3].packet_bytes, 0);
	ck_assert_int_eq(a[3].dest, 0);
	/* bulk */
	ck_assert_int_eq(a[4].kind, SC_APP_BULK);
	ck_assert_int_eq(a[4].protocol, 6);
	ck_assert_uint_eq(a[4].bytes, 2000000000ull);
	ck_assert_int_eq(a[4].tcp.cc, SC_CC_CUBIC);
	ck_assert_uint_eq(a[4].tcp.rwnd, 4194304);
	ck_assert_uint_eq(a[4].tcp.init_cwnd, 10);
	ck_assert_int_eq(a[4].tcp.min_rto, SB_S);
	ck_assert_int_eq(a[4].stop, SB_TIME_NEVER);
	/* from a destination to a site */
	ck_assert_int_eq(a[5].src, -1);
	ck_assert_int_eq(a[5].src_dest, 0);
	ck_assert_int_eq(a[5].dst, 0);
	ck_assert_int_eq(a[5].dest, -1);
	ck_assert_uint_eq(a[5].bytes, 10485760);
	ck_assert_int_eq(a[5].tcp.cc, SC_CC_NEWRENO);
	ck_assert_uint_eq(a[5].tcp.rwnd, 65536);
	ck_assert_uint_eq(a[5].tcp.mss, 1200);
	ck_assert_uint_eq(a[5].tcp.init_cwnd, 4);
	ck_assert_int_eq(a[5].tcp.min_rto, 200 * SB_MS);
	/* web, every key */
	ck_assert_uint_eq(a[6].objects, 40);
	ck_assert_uint_eq(a[6].object_bytes, 20000);
	ck_assert_uint_eq(a[6].request_bytes, 1000);
	ck_assert_int_eq(a[6].think, 30 * SB_S);
	ck_assert_uint_eq(a[6].connections, 2);
	ck_assert_uint_eq(a[6].pages, 5);
	ck_assert_int_eq(a[6].start, SB_MIN);
	ck_assert_int_eq(a[6].via, SC_VIA_INTERNET);
	for (size_t i = 0; i < sc->napps; i++)
		ck_assert_ptr_null(a[i].trace);
	scenario_free(sc);

#define AP MINIMAL DESTS "applications:\n  - {name: x, "
	/* keys of another kind, by name */
	text_error(AP "kind: voip, from: a, to: b, rate: 1Mbps}\n",
	    "x.yaml:9:43:", "application 'x': 'rate' applies to kinds udp-cbr "
	    "and udp-poisson only");
	text_error(AP "kind: bulk, from: a, to: b, size: 1MB, codec: g711}\n",
	    "x.yaml:9:54:", "'codec' applies to kind voip only");
	text_error(AP "kind: voip, from: a, to: b, mss: 1000B}\n",
	    "x.yaml:9:43:", "'mss' applies to kinds web and bulk only");
	text_error(AP "kind: web, from: a, to: b, size: 1MB}\n",
	    "x.yaml:9:42:", "'size' applies to kind bulk only");
	text_error(AP "kind: udp-cbr, from: a, to: b, rate: 1Mbps, "
	    "trace: t.pcap}\n", "x.yaml:9:59:",
	    "'trace' applies to kind replay only");
	text_error(AP "kind: web, from: a, to: b, objects: 0}\n",
	    "x.yaml:9:51:", "objects: 0 is outside [1, 1000]");
	text_error(AP "kind: web, from: a, to: b, connections: 65}\n",
	    "x.yaml:9:55:", "connections: 65 is outside [1, 64]");
	text_error(AP "kind: web, from: a, to: b, object-size: 0B}\n",
	    "x.yaml:9:55:", "object-size must be above zero");
	text_error(AP "kind: web, from: a, to: b, conections: 2}\n",
	    "x.yaml:9:42:", "unknown key 'conections' (did you mean "
	    "'connections'?)");
	text_error(AP "kind: voip, from: a, to: b, ptime: 5ms}\n",
	    "x.yaml:9:50:", "ptime must be from 0.01s to 0.12s");
	text_error(AP "kind: voip, from: a, to: b, calls: 1001}\n",
	    "x.yaml:9:50:", "calls: 1001 is outside [1, 1000]");
	text_error(AP "kind: voip, from: a, to: b, jitter-buffer: 2s}\n",
	    "x.yaml:9:58:", "jitter-buffer must be from 0s to 1s");
	text_error(AP "kind: voip, from: a, to: b, codec: g7111}\n",
	    "x.yaml:9:50:", "did you mean 'g711'");
	text_error(AP "kind: bulk, from: a, to: b, size: 0B}\n",
	    "x.yaml:9:49:", "size must be above zero");
	text_error(AP "kind: bulk, from: a, to: b, size: 1MB, mss: 100B}\n",
	    "x.yaml:9:59:", "mss must be from 536B to 9000B");
	text_error(AP "kind: bulk, from: a, to: b, size: 1MB, "
	    "receive-window: 2919B}\n", "x.yaml:9:70:",
	    "receive-window must be at least two segments, 2920B (mss at "
	    "most 1460B)");
	text_error(AP "kind: bulk, from: a, to: b, size: 1MB, "
	    "receive-window: 2GiB}\n", "x.yaml:9:70:", "at most 1GiB");
	text_error(AP "kind: bulk, from: a, to: b, size: 1MB, "
	    "initial-window: 0}\n", "x.yaml:9:70:",
	    "initial-window: 0 is outside [1, 100]");
	text_error(AP "kind: bulk, from: a, to: b, size: 1MB, "
	    "min-rto: 0s}\n", "x.yaml:9:63:",
	    "min-rto must be from 0.001s to 60s");
	text_error(AP "kind: bulk, from: a, to: b, size: 1MB, "
	    "congestion-control: bbr}\n", "x.yaml:9:74:",
	    "unknown value 'bbr'; one of: cubic, newreno");
	text_error(AP "kind: tcp, from: a, to: b}\n", "x.yaml:9:21:",
	    "one of: udp-cbr, udp-poisson, voip, web, bulk, replay");
	text_error(AP "from: a, to: b}\n", "x.yaml:9:5:", "'kind' is required "
	    "(udp-cbr, udp-poisson, voip, web, bulk or replay)");
	/* one end a site */
	text_error(MINIMAL "destinations: [{name: crm, city: ashburn},"
	    " {name: mail, city: dublin}]\n"
	    "applications: [{name: x, kind: voip, from: crm, to: mail}]\n",
	    "x.yaml:8:53:", "application 'x': 'from' and 'to' are both "
	    "destinations; from a destination, 'to' must be a site");
	text_error(AP "kind: voip, from: b, to: b}\n", "x.yaml:9:40:",
	    "'from' and 'to' are the same site");
#undef AP
}
END_TEST

/* The new metrics: their units, bounds and the kinds they need. */
START_TEST(test_app_metrics)
{
	struct scenario *sc = text_ok(MINIMAL
	    "applications:\n"
	    "  - {name: call, kind: voip, from: a, to: b}\n"
	    "  - {name: portal, kind: web, from: a, to: b}\n"
	    "  - {name: backup, kind: bulk, from: a, to: b, size: 1GB}\n"
	    "  - {name: ab, kind: udp-cbr, from: a, to: b, rate: 1Mbps}\n"
	    "expect:\n"
	    "  - {flow: call, metric: mos, above: 4.0}\n"
	    "  - {flow: call, metric: r-factor, at-least: 80}\n"
	    "  - {flow: portal, metric: page-load-p50, below: 1.5s}\n"
	    "  - {flow: portal, metric: page-load-p95, below: 3s}\n"
	    "  - {flow: backup, metric: completion-time, below: 10m}\n"
	    "  - {flow: backup, metric: goodput, above: {flow: portal}}\n"
	    "  - {flow: portal, metric: retransmits, at-most: 100}\n"
	    "  - {flow: backup, metric: rtos, at-most: 0}\n"
	    "  - {flow: call, metric: latency-p95, below: 150ms}\n"
	    "  - {flow: backup, metric: goodput, above: 5Mbps}\n");
	const struct sc_expect *e = sc->expects;
	static const char *const names[] = { "mos", "r-factor",
		"page-load-p50", "page-load-p95", "completion-time", "goodput",
		"retransmits", "rtos" };
	static const char *const units[] = { "score", "score", "ns", "ns",
		"ns", "bps", "packets", "packets" };

	for (int m = SC_M_MOS; m < SC_M__COUNT; m++) {
		ck_assert_str_eq(sc_metric_name((enum sc_metric)m),
		    names[m - SC_M_MOS]);
		ck_assert_str_eq(sc_metric_unit((enum sc_metric)m),
		    units[m - SC_M_MOS]);
	}
	ck_assert_uint_eq(sc->nexpects, 10);
	ck_assert_int_eq(e[0].metric, SC_M_MOS);
	ck_assert_double_eq(e[0].bound, 4.0);
	ck_assert_str_eq(e[0].text, "flow call mos above 4.0");
	ck_assert_double_eq(e[1].bound, 80);
	ck_assert_double_eq(e[2].bound, 1.5e9);
	ck_assert_double_eq(e[3].bound, 3e9);
	ck_assert_double_eq(e[4].bound, 600e9);
	ck_assert(e[5].bound_is_ref);
	ck_assert_int_eq(e[5].ref.i, 1);
	ck_assert_double_eq(e[6].bound, 100);
	ck_assert_double_eq(e[7].bound, 0);
	ck_assert_double_eq(e[9].bound, 5e6);
	scenario_free(sc);

#define EX MINIMAL "applications:\n" \
	"  - {name: call, kind: voip, from: a, to: b}\n" \
	"  - {name: ab, kind: udp-cbr, from: a, to: b, rate: 1Mbps}\n" \
	"  - {name: portal, kind: web, from: a, to: b}\n" \
	"expect:\n"
	text_error(EX "  - {flow: ab, metric: mos, above: 4}\n",
	    "x.yaml:12:24:", "metric mos applies to applications of kind "
	    "voip, and application 'ab' is udp-cbr");
	text_error(EX "  - {flow: call, metric: mos, above: {flow: ab}}\n",
	    "x.yaml:12:38:", "application 'ab' is udp-cbr");
	text_error(EX "  - {flow: call, metric: goodput, above: 1Mbps}\n",
	    "x.yaml:12:26:", "metric goodput applies to applications of kinds "
	    "web and bulk, and application 'call' is voip");
	text_error(EX "  - {flow: portal, metric: completion-time, "
	    "below: 1m}\n", "x.yaml:12:28:", "of kind bulk, and application "
	    "'portal' is web");
	text_error(EX "  - {flow: call, metric: page-load-p95, below: 1s}\n",
	    "x.yaml:12:26:", "of kind web,");
	text_error(EX "  - {flow: call, metric: mos, above: 5.5}\n",
	    "x.yaml:12:38:", "above: 5.5 is outside [1, 5]");
	text_error(EX "  - {flow: call, metric: r-factor, above: 120}\n",
	    "x.yaml:12:43:", "outside [0, 100]");
	text_error(EX "  - {flow: call, metric: mos, above: 4ms}\n",
	    "x.yaml:12:38:", "not a number");
	text_error(EX "  - {flow: portal, metric: rtos, below: 1.5}\n",
	    "x.yaml:12:41:", "whole number");
	text_error(EX "  - {link: a/w, metric: rtos, below: 1}\n",
	    "x.yaml:12:25:", "metric rtos does not apply to a link");
	text_error(EX "  - {site: a, metric: mos, above: 3}\n",
	    "x.yaml:12:23:", "metric mos does not apply to a site");
#undef EX
}
END_TEST

/* A capture of one UDP packet at path. */
static void
write_pcap(const char *path)
{
	static const unsigned char frame[42] = {
		/* Ethernet: to, from, IPv4 */
		0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 0x08, 0x00,
		/* IPv4, 28 bytes, UDP, 10.0.0.1 > 10.0.0.2 */
		0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0,
		10, 0, 0, 1, 10, 0, 0, 2,
		/* UDP 5000 > 53, 8 bytes */
		0x13, 0x88, 0, 53, 0, 8, 0, 0,
	};
	struct pcap_pkthdr h = { .caplen = sizeof(frame),
		.len = sizeof(frame) };
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d;

	ck_assert_ptr_nonnull(p);
	d = pcap_dump_open(p, path);
	ck_assert_msg(d != NULL, "%s: %s", path, pcap_geterr(p));
	pcap_dump((u_char *)d, &h, frame);
	pcap_dump_close(d);
	pcap_close(p);
}

/* replay: the trace found next to the scenario, the filter compiled. */
START_TEST(test_app_replay)
{
	char dir[] = "/tmp/sasebed-replay-XXXXXX", yaml[128], pcap[128];
	char text[2048], err[1024], want[512];
	struct scenario *sc = NULL;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(yaml, sizeof(yaml), "%s/s.yaml", dir);
	snprintf(pcap, sizeof(pcap), "%s/t.pcap", dir);
	write_pcap(pcap);

	/* relative to the scenario's folder */
	snprintf(text, sizeof(text), "%s", MINIMAL "applications:\n"
	    "  - {name: r, kind: replay, from: a, to: b, trace: t.pcap,"
	    " filter: 'udp port 53'}\n");
	ck_assert_msg(scenario_load_text(yaml, text, strlen(text), &sc, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(sc->apps[0].kind, SC_APP_REPLAY);
	ck_assert_str_eq(sc->apps[0].trace, pcap);
	ck_assert_str_eq(sc->apps[0].filter, "udp port 53");
	ck_assert_uint_eq(sc->apps[0].rate_bps, 0);
	ck_assert_uint_eq(sc->apps[0].packet_bytes, 0);
	ck_assert_int_eq(sc->apps[0].protocol, 17);
	scenario_free(sc);

	/* an absolute path as it is; no filter */
	snprintf(text, sizeof(text), MINIMAL "applications:\n"
	    "  - {name: r, kind: replay, from: a, to: b, trace: %s}\n", pcap);
	sc = text_ok(text);
	ck_assert_str_eq(sc->apps[0].trace, pcap);
	ck_assert_ptr_null(sc->apps[0].filter);
	scenario_free(sc);

	/* a filter pcap cannot compile, at the filter */
	snprintf(text, sizeof(text), "%s", MINIMAL "applications:\n"
	    "  - {name: r, kind: replay, from: a, to: b, trace: t.pcap,"
	    " filter: 'udp port x53'}\n");
	ck_assert_int_lt(scenario_load_text(yaml, text, strlen(text), &sc,
	    err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s:8:68: application 'r': filter "
	    "'udp port x53': ", yaml);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "got '%s'", err);

	/* a trace that is not there, or not a capture, at the trace */
	snprintf(text, sizeof(text), "%s", MINIMAL "applications:\n"
	    "  - {name: r, kind: replay, from: a, to: b, trace: u.pcap}\n");
	ck_assert_int_lt(scenario_load_text(yaml, text, strlen(text), &sc,
	    err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s:8:52: application 'r': trace "
	    "'%s/u.pcap': No such file or directory", yaml, dir);
	ck_assert_msg(strcmp(err, want) == 0, "got '%s'", err);
	snprintf(text, sizeof(text), "%s", MINIMAL "applications:\n"
	    "  - {name: r, kind: replay, from: a, to: b, trace: s.yaml}\n");
	{
		FILE *f = fopen(yaml, "w");
		ck_assert_ptr_nonnull(f);
		fputs(text, f);
		fclose(f);
	}
	ck_assert_int_lt(scenario_load(yaml, &sc, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s:8:52: application 'r': trace "
	    "'%s': ", yaml, yaml);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "got '%s'", err);
	/* required */
	text_error(MINIMAL "applications: [{name: r, kind: replay, from: a, "
	    "to: b}]\n", "x.yaml:7:16:", "application 'r': 'trace' is "
	    "required (a pcap file)");

	unlink(yaml);
	unlink(pcap);
	rmdir(dir);
}
END_TEST

/* The source tree: $SRCDIR when make check sets it, else from __FILE__. */
static void
source_dir(char *buf, size_t len)
{
	const char *env = getenv("SRCDIR");
	const char *tail = "tests/unit/test_scenario.c";
	size_t n = strlen(__FILE__);

	if (env != NULL && *env != '\0') {
		snprintf(buf, len, "%s", env);
	} else if (n >= strlen(tail) &&
	    strcmp(__FILE__ + n - strlen(tail), tail) == 0) {
		n -= strlen(tail);
		snprintf(buf, len, "%.*s", (int)n, __FILE__);
		if (buf[0] == '\0')
			snprintf(buf, len, ".");
	} else {
		snprintf(buf, len, ".");
	}
}

/*
 * Every malformed scenario in tests/scenarios/bad/ is refused with the
 * message its .expect file describes: "LINE:COL: words" means the error
 * holds "FILE:LINE:COL: " and the words.
 */
START_TEST(test_bad_files)
{
	char dir[4096], pattern[4200];
	glob_t g;
	size_t checked = 0;

	/* the same budget on every machine, as bad_inputs.sh sets it */
	setenv("SASEBED_MEMORY", "4GB", 1);
	source_dir(dir, sizeof(dir));
	snprintf(pattern, sizeof(pattern), "%s/tests/scenarios/bad/*.yaml",
	    dir);
	ck_assert_msg(glob(pattern, 0, NULL, &g) == 0,
	    "no files at %s (set SRCDIR to the source tree)",
	    pattern);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *path = g.gl_pathv[i];
		char exp_path[4300], exp[512], want[4400], err[2048];
		struct scenario *sc = NULL;
		const char *words;
		FILE *f;
		size_t n;
		int rc;

		snprintf(exp_path, sizeof(exp_path), "%.*s.expect",
		    (int)(strlen(path) - strlen(".yaml")), path);
		f = fopen(exp_path, "r");
		ck_assert_msg(f != NULL, "no %s", exp_path);
		ck_assert_ptr_nonnull(fgets(exp, sizeof(exp), f));
		fclose(f);
		n = strlen(exp);
		while (n > 0 && (exp[n - 1] == '\n' || exp[n - 1] == '\r'))
			exp[--n] = '\0';
		words = strstr(exp, ": ");
		ck_assert_msg(words != NULL, "%s: want 'LINE:COL: words'",
		    exp_path);
		snprintf(want, sizeof(want), "%s:%.*s: ", path,
		    (int)(words - exp), exp);
		words += 2;
		rc = scenario_load(path, &sc, err, sizeof(err));
		/* what the loader takes and the memory budget refuses, run
		 * and check refuse (sim/budget.h) */
		if (rc == 0) {
			rc = budget_check(sc, err, sizeof(err));
			scenario_free(sc);
			sc = NULL;
		}
		ck_assert_msg(rc < 0, "%s was accepted", path);
		ck_assert_ptr_null(sc);
		ck_assert_msg(strncmp(err, want, strlen(want)) == 0,
		    "%s: expected '%s...', got '%s'", path, want, err);
		ck_assert_msg(strstr(err, words) != NULL, "%s: no '%s' in '%s'",
		    path, words, err);
		checked++;
	}
	globfree(&g);
	ck_assert_uint_ge(checked, 74);
}
END_TEST

/* `count: N` on a site: N plain sites NAME-1..NAME-N in the middle of the
 * list, each pinned and linked alike; an application naming the group
 * becomes one per member, and one naming a member stays one. */
START_TEST(test_site_count)
{
	static const char text[] =
	    "name: t\n"
	    "duration: 1m\n"
	    "pops:\n"
	    "  - {name: fra, city: frankfurt}\n"
	    "sites:\n"
	    "  - {name: hq, city: frankfurt, links: [{name: w, bandwidth: 1Gbps}]}\n"
	    "  - name: shop\n"
	    "    count: 3\n"
	    "    city: munich\n"
	    "    pop: fra\n"
	    "    links: [{name: w, bandwidth: 10Mbps, delay: 2ms}]\n"
	    "  - {name: dc, city: berlin, links: [{name: w, bandwidth: 1Gbps}]}\n"
	    "applications:\n"
	    "  - {name: pos, kind: udp-cbr, from: shop, to: dc, rate: 1Mbps}\n"
	    "  - {name: push, kind: udp-cbr, from: hq, to: shop, rate: 1Mbps}\n"
	    "  - {name: one, kind: udp-cbr, from: shop-2, to: hq, rate: 1Mbps}\n";
	struct scenario *sc;
	char err[512];

	ck_assert_int_eq(scenario_load_text("t.yaml", text, strlen(text), &sc,
	    err, sizeof(err)), 0);
	ck_assert_uint_eq(sc->nsites, 5);
	ck_assert_str_eq(sc->sites[0].name, "hq");
	ck_assert_str_eq(sc->sites[1].name, "shop-1");
	ck_assert_str_eq(sc->sites[3].name, "shop-3");
	ck_assert_str_eq(sc->sites[4].name, "dc");
	ck_assert_int_eq(sc->sites[2].pop, 0);
	ck_assert_uint_eq(sc->sites[3].nlinks, 1);
	ck_assert_uint_eq(sc->sites[3].links[0].p.bandwidth_bps, 10000000);
	ck_assert_uint_eq(sc->napps, 7);
	ck_assert_str_eq(sc->apps[0].name, "pos-1");
	ck_assert_int_eq(sc->apps[0].src, 1);
	ck_assert_int_eq(sc->apps[2].src, 3);
	ck_assert_int_eq(sc->apps[2].dst, 4);
	ck_assert_str_eq(sc->apps[4].name, "push-2");
	ck_assert_int_eq(sc->apps[4].src, 0);
	ck_assert_int_eq(sc->apps[4].dst, 2);
	ck_assert_str_eq(sc->apps[6].name, "one");
	ck_assert_int_eq(sc->apps[6].src, 2);
	scenario_free(sc);
}
END_TEST

/* The firewall's keys: both rule bases in order, every kind of end point
 * and its address, lists and single items, services, a site's group, and
 * the two forms of a firewall expectation. */
static const char fw_text[] =
"name: t\n"
"duration: 1m\n"
"pops:\n"
"  - {name: fra, city: frankfurt}\n"
"sites:\n"
"  - {name: a, city: frankfurt, group: staff, links: [{name: w, bandwidth: 1Gbps}]}\n"
"  - {name: b, city: munich, links: [{name: w, bandwidth: 1Gbps}]}\n"
"destinations:\n"
"  - {name: d, city: amsterdam}\n"
"applications:\n"
"  - {name: f, kind: udp-cbr, from: a, to: b, rate: 1Mbps}\n"
"firewall:\n"
"  wan:\n"
"    - {name: r1, action: block, from: a, to: {subnet: 10.0.2.77/24}}\n"
"    - name: r2\n"
"      action: allow-with-inspection\n"
"      from: [{group: staff}, {host: 10.0.1.10}, {site: b}]\n"
"      app-id: [erp, crm]\n"
"      category: business\n"
"      service: [{protocol: tcp, port: 8000-8443}, {port: 53}]\n"
"  internet:\n"
"    - {name: r1, action: allow, to: [d, {destination: d}]}\n"
"expect:\n"
"  - {flow: f, firewall: blocked}\n"
"  - {flow: f, firewall: allowed}\n"
"  - {flow: f, metric: blocked, below: 50%}\n";

START_TEST(test_firewall_keys)
{
	struct scenario *sc;
	const struct sc_fw_rule *r;
	char err[1024];
	int rc = scenario_load_text("t.yaml", fw_text, strlen(fw_text), &sc,
	    err, sizeof(err));

	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_str_eq(sc->sites[0].group, "staff");
	ck_assert_ptr_null(sc->sites[1].group);
	ck_assert_int_eq(sc->firewall[SC_FW_WAN].enabled, 1);
	ck_assert_uint_eq(sc->firewall[SC_FW_WAN].nrules, 2);
	r = &sc->firewall[SC_FW_WAN].rules[0];
	ck_assert_str_eq(r->name, "r1");
	ck_assert_int_eq(r->action, 1);
	ck_assert_uint_eq(r->nsrc, 1);
	ck_assert_int_eq(r->src[0].kind, SC_FW_SITE);
	ck_assert_int_eq(r->src[0].idx, 0);
	ck_assert_int_eq(r->dst[0].kind, SC_FW_SUBNET);
	ck_assert_uint_eq(r->dst[0].addr, 0x0a00024du);
	ck_assert_uint_eq(r->dst[0].prefix, 24);
	ck_assert_uint_eq(r->loc.line, 14);
	r = &sc->firewall[SC_FW_WAN].rules[1];
	ck_assert_int_eq(r->action, 2);
	ck_assert_uint_eq(r->nsrc, 3);
	ck_assert_int_eq(r->src[0].kind, SC_FW_GROUP);
	ck_assert_str_eq(r->src[0].group, "staff");
	ck_assert_int_eq(r->src[1].kind, SC_FW_HOST);
	ck_assert_uint_eq(r->src[1].addr, 0x0a00010au);
	ck_assert_int_eq(r->src[2].kind, SC_FW_SITE);
	ck_assert_int_eq(r->src[2].idx, 1);
	ck_assert_uint_eq(r->ndst, 0);
	ck_assert_uint_eq(r->napps, 2);
	ck_assert_str_eq(r->apps[1], "crm");
	ck_assert_uint_eq(r->ncategories, 1);
	ck_assert_str_eq(r->categories[0], "business");
	ck_assert_uint_eq(r->nsvc, 2);
	ck_assert_int_eq(r->svc[0].protocol, 6);
	ck_assert_uint_eq(r->svc[0].port_lo, 8000);
	ck_assert_uint_eq(r->svc[0].port_hi, 8443);
	ck_assert_int_eq(r->svc[1].protocol, 0);
	ck_assert_uint_eq(r->svc[1].port_lo, 53);
	/* the Internet's: a destination by name and by key */
	ck_assert_int_eq(sc->firewall[SC_FW_INTERNET].enabled, 1);
	r = &sc->firewall[SC_FW_INTERNET].rules[0];
	ck_assert_int_eq(r->action, 0);
	ck_assert_uint_eq(r->ndst, 2);
	ck_assert_int_eq(r->dst[0].kind, SC_FW_DEST);
	ck_assert_int_eq(r->dst[1].kind, SC_FW_DEST);
	ck_assert_int_eq(r->dst[1].idx, 0);
	/* expectations: the verdict forms and the metric */
	ck_assert_int_eq(sc->expects[0].metric, SC_M_BLOCKED);
	ck_assert_int_eq(sc->expects[0].op, SC_OP_AT_LEAST);
	ck_assert(sc->expects[0].bound == 1);
	ck_assert_str_eq(sc->expects[0].text, "flow f blocked by the firewall");
	ck_assert_int_eq(sc->expects[1].op, SC_OP_AT_MOST);
	ck_assert(sc->expects[1].bound == 0);
	ck_assert_str_eq(sc->expects[1].text, "flow f allowed by the firewall");
	ck_assert(sc->expects[2].bound == 0.5);
	ck_assert_str_eq(sc_metric_name(SC_M_BLOCKED), "blocked");
	ck_assert_str_eq(sc_metric_unit(SC_M_BLOCKED), "fraction");
	scenario_free(sc);
	/* a file without firewall: neither base enforced */
	rc = scenario_load_text("t.yaml", good, strlen(good), &sc, err,
	    sizeof(err));
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_int_eq(sc->firewall[SC_FW_WAN].enabled, 0);
	ck_assert_int_eq(sc->firewall[SC_FW_INTERNET].enabled, 0);
	scenario_free(sc);
}
END_TEST

/* `users:` after the sites: a counted entry's members and a single user,
 * each a one-link site of its last mile with its group (the entry's name
 * when it gives none); applications name the group; an expectation on
 * `users:` names an entry's members or one user. */
START_TEST(test_users)
{
	static const char text[] =
	    "name: t\n"
	    "duration: 1m\n"
	    "pops:\n"
	    "  - {name: fra, city: frankfurt}\n"
	    "sites:\n"
	    "  - {name: dc, city: frankfurt, links: [{name: w, bandwidth: 1Gbps}]}\n"
	    "users:\n"
	    "  - {name: sales, count: 3, city: paris, last-mile: hotel-wifi, group: emea}\n"
	    "  - {name: anna, city: london, last-mile: 4g}\n"
	    "applications:\n"
	    "  - {name: crm, kind: udp-cbr, from: sales, to: dc, rate: 8Kbps}\n"
	    "expect:\n"
	    "  - {users: sales, metric: outage-time, below: 20s}\n"
	    "  - {users: sales-2, metric: latency-p95, below: 90ms}\n"
	    "  - {users: anna, metric: loss, below: 1%}\n";
	struct scenario *sc;
	char err[512], name[64];

	ck_assert_msg(scenario_load_text("t.yaml", text, strlen(text), &sc,
	    err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(sc->nsites, 5);
	ck_assert_uint_eq(sc->nusers, 4);
	ck_assert_int_eq(sc->sites[0].user, 0);
	ck_assert_ptr_null(sc->sites[0].group);
	ck_assert_str_eq(sc->sites[1].name, "sales-1");
	ck_assert_str_eq(sc->sites[3].name, "sales-3");
	ck_assert_str_eq(sc->sites[3].entry, "sales");
	ck_assert_str_eq(sc->sites[3].group, "emea");
	ck_assert_int_eq(sc->sites[3].user, 1);
	ck_assert_int_eq(sc->sites[3].last_mile, SC_LM_HOTEL_WIFI);
	ck_assert_uint_eq(sc->sites[3].nlinks, 1);
	ck_assert_str_eq(sc->sites[3].links[0].name, "access");
	ck_assert_uint_eq(sc->sites[3].links[0].p.bandwidth_bps, 8000000);
	ck_assert_str_eq(sc->sites[4].name, "anna");
	ck_assert_str_eq(sc->sites[4].group, "anna");
	ck_assert_int_eq(sc->sites[4].links[0].kind, SC_WAN_LTE);
	ck_assert_uint_eq(sc->napps, 3);
	ck_assert_str_eq(sc->apps[2].name, "crm-3");
	ck_assert_int_eq(sc->apps[2].src, 3);
	ck_assert_int_eq(sc->expects[0].subject.kind, SC_T_USERS);
	ck_assert_int_eq(sc->expects[0].subject.i, 1);
	ck_assert_int_eq(sc->expects[0].subject.j, 3);
	ck_assert_int_eq(sc->expects[0].metric, SC_M_OUTAGE_TIME);
	sc_target_name(sc, &sc->expects[0].subject, name, sizeof(name));
	ck_assert_str_eq(name, "users sales");
	ck_assert_int_eq(sc->expects[1].subject.i, 2);
	ck_assert_int_eq(sc->expects[1].subject.j, 1);
	ck_assert_int_eq(sc->expects[2].subject.i, 4);
	ck_assert_str_eq(sc_metric_name(SC_M_OUTAGE_TIME), "outage-time");
	ck_assert_str_eq(sc_metric_unit(SC_M_OUTAGE_TIME), "ns");
	scenario_free(sc);
}
END_TEST

/* Mistakes in the firewall's keys, each where it is written. */
static void
fw_error(const char *from, const char *to, const char *where,
    const char *words)
{
	char text[8192], err[1024];
	struct scenario *sc = NULL;
	const char *p = strstr(fw_text, from);

	ck_assert_ptr_nonnull(p);
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(p - fw_text), fw_text,
	    to, p + strlen(from));
	ck_assert_int_lt(scenario_load_text("t.yaml", text, strlen(text), &sc,
	    err, sizeof(err)), 0);
	ck_assert_msg(strncmp(err, where, strlen(where)) == 0 &&
	    strstr(err, words) != NULL, "expected '%s... %s', got '%s'",
	    where, words, err);
}

START_TEST(test_firewall_errors)
{
	fw_error("from: a, to: {subnet", "from: x, to: {subnet",
	    "t.yaml:14:39:", "no site or destination named 'x'");
	fw_error("{subnet: 10.0.2.77/24}", "{subnet: 10.0.2.77}",
	    "t.yaml:14:55:", "is not an IPv4 subnet");
	fw_error("{host: 10.0.1.10}", "{host: 10.0.1.10/32}",
	    "t.yaml:17:37:", "is not an IPv4 address");
	fw_error("{host: 10.0.1.10}", "{host: 1.2.3.4, group: g}",
	    "t.yaml:17:30:", "give one of site");
	fw_error("{host: 10.0.1.10}", "{hots: 1.2.3.4}",
	    "t.yaml:17:31:", "did you mean 'host'");
	fw_error("to: [d, {destination: d}]", "to: b",
	    "t.yaml:22:37:", "a site cannot be one");
	fw_error("to: {subnet: 10.0.2.77/24}", "to: d",
	    "t.yaml:14:46:", "only the Internet firewall's 'to'");
	fw_error("app-id: [erp, crm]", "app-id: []",
	    "t.yaml:18:15:", "an empty list matches nothing");
	fw_error("{port: 53}", "{port: 99999}",
	    "t.yaml:20:58:", "not a port");
	fw_error("{port: 53}", "{}", "t.yaml:20:51:", "a protocol, a port");
	fw_error("action: allow-with-inspection", "action: inspect",
	    "t.yaml:16:15:", "unknown value 'inspect'");
	fw_error("  internet:\n    - {name: r1, action: allow,",
	    "  internet:\n    - {name: internet-implicit-allow, action: allow,",
	    "t.yaml:22:14:", "implicit last rule");
	fw_error("  wan:\n", "  lan:\n", "t.yaml:13:3:", "unknown key 'lan'");
	fw_error("group: staff, links", "group: 'st aff', links",
	    "t.yaml:6:39:", "use only letters");
	fw_error("{flow: f, firewall: allowed}", "{flow: f, firewall: allow}",
	    "t.yaml:25:25:", "did you mean 'allowed'");
	fw_error("{flow: f, firewall: allowed}",
	    "{flow: f, firewall: allowed, below: 1%}",
	    "t.yaml:25:34:", "'below' goes with 'metric'");
	fw_error("metric: blocked, below: 50%}",
	    "metric: blocked, below: 50%, during: 00:00-00:00:30}",
	    "t.yaml:26:5:", "whole run");
}
END_TEST

/* An IPsec site: its tunnels, DPD and prefixes; BGP with its defaults;
 * and what is refused. */
START_TEST(test_ipsec_site)
{
	struct scenario *sc = text_ok("name: m\nduration: 1m\n" NET
	    "  - name: fw\n"
	    "    city: paris\n"
	    "    links: [{name: w1, bandwidth: 10Mbps}, "
	    "{name: w2, bandwidth: 10Mbps}]\n"
	    "    ipsec:\n"
	    "      tunnels: [{pop: lon, link: w2}, {pop: fra}]\n"
	    "      dpd: 5s\n"
	    "      prefixes: [10.60.0.0/16, 0.0.0.0/0]\n"
	    "      bgp: {asn: 65010}\n"
	    "  - name: gw\n"
	    "    city: paris\n"
	    "    links: [{name: w, bandwidth: 10Mbps}]\n"
	    "    ipsec: {tunnels: [{pop: fra}]}\n");
	const struct sc_ipsec *ip = sc->sites[2].ipsec;

	ck_assert_ptr_null(sc->sites[0].ipsec);
	ck_assert_ptr_nonnull(ip);
	ck_assert_uint_eq(ip->ntunnels, 2);
	ck_assert_int_eq(ip->tunnels[0].pop, 1);
	ck_assert_int_eq(ip->tunnels[0].link, 1);
	ck_assert_int_eq(ip->tunnels[1].pop, 0);
	ck_assert_int_eq(ip->tunnels[1].link, 0);
	ck_assert_int_eq(ip->dpd, 5 * SB_S);
	ck_assert_uint_eq(ip->dpd_misses, 3);
	ck_assert_uint_eq(ip->nprefixes, 2);
	ck_assert_uint_eq(ip->prefixes[0].addr, 0x0a3c0000u);
	ck_assert_uint_eq(ip->prefixes[0].len, 16);
	ck_assert_uint_eq(ip->prefixes[1].len, 0);
	ck_assert_int_eq(ip->bgp, 1);
	ck_assert_uint_eq(ip->asn, 65010);
	ck_assert_uint_eq(ip->pop_asn, 64512);
	ck_assert_int_eq(ip->hold, 90 * SB_S);
	ck_assert_int_eq(ip->keepalive, 0);
	ip = sc->sites[3].ipsec;
	ck_assert_int_eq(ip->bgp, 0);
	ck_assert_int_eq(ip->dpd, 10 * SB_S);
	scenario_free(sc);

#define FW "name: m\nduration: 1m\n" NET \
	"  - name: fw\n    city: paris\n" \
	"    links: [{name: w, bandwidth: 10Mbps}]\n"
	text_error(FW "    ipsec: {tunnels: []}\n", "x.yaml:10:22:",
	    "one or two");
	text_error(FW "    ipsec: {tunnels: [{pop: fra}, {pop: fra}]}\n",
	    "x.yaml:10:35:", "must differ");
	text_error(FW "    ipsec: {tunnels: [{pop: fra, link: x}]}\n",
	    "x.yaml:10:40:", "no link named 'x'");
	text_error(FW "    ipsec: {tunnels: [{pop: fra}], "
	    "prefixes: [10.60.0.1/16]}\n", "x.yaml:10:47:", "host bits");
	text_error(FW "    ipsec: {tunnels: [{pop: fra}], bgp: {hold: 9s}}\n",
	    "x.yaml:10:41:", "'asn' is required");
	text_error(FW "    ipsec: {tunnels: [{pop: fra}], "
	    "bgp: {asn: 1, hold: 9s, keepalive: 9s}}\n", "x.yaml:10:71:",
	    "below the hold time");
	text_error(FW "    ipsec: {tunnels: [{pop: fra}], "
	    "bgp: {asn: 1, hold: 3500ms}}\n", "x.yaml:10:56:",
	    "whole seconds");
	text_error(FW "    pop: fra\n    ipsec: {tunnels: [{pop: fra}]}\n",
	    "x.yaml:10:5:", "names its PoPs");
	text_error(FW "    off-cloud: true\n    ipsec: {tunnels: [{pop: fra}]}\n",
	    "x.yaml:10:5:", "off-cloud");
	text_error(FW "    ipsec: {tunnels: [{pop: fra}], dpd-miss: 3}\n",
	    "x.yaml:10:36:", "dpd-miss");
#undef FW
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
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_queue_inheritance);
	tcase_add_test(tc, test_models);
	tcase_add_test(tc, test_timeline);
	tcase_add_test(tc, test_expects);
	tcase_add_test(tc, test_expect_windows);
	tcase_add_test(tc, test_fields);
	tcase_add_test(tc, test_offcloud);
	tcase_add_test(tc, test_ha);
	tcase_add_test(tc, test_inspection);
	tcase_add_test(tc, test_routing);
	tcase_add_test(tc, test_destinations);
	tcase_add_test(tc, test_app_kinds);
	tcase_add_test(tc, test_app_metrics);
	tcase_add_test(tc, test_app_replay);
	tcase_add_test(tc, test_pop_expects);
	tcase_add_test(tc, test_cross_border);
	tcase_add_test(tc, test_document);
	tcase_add_test(tc, test_bad_files);
	tcase_add_test(tc, test_site_count);
	tcase_add_test(tc, test_firewall_keys);
	tcase_add_test(tc, test_firewall_errors);
	tcase_add_test(tc, test_ipsec_site);
	tcase_add_test(tc, test_users);
	suite_add_tcase(s, tc);
	return s;
}

#include "check_main.h"
