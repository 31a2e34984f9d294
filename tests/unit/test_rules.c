/*
 * The rule base by hand: first match wins, and swapping two overlapping
 * rules changes the answer; a complex rule stops the Socket's walk only
 * when its simple parts match, and at the PoP it matches only on what
 * inspection found; address edges (/0, /1, /24 boundaries, /32, hosts);
 * inclusive port ranges; domains by whole labels; every reason rules_add()
 * refuses a rule, word for word; what it tidies and copies; the default
 * action; and the enum names there and back.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "wan/rules.h"
#include "tests/unit/check_main.h"

#define IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* A rule that matches everything, with the default action. */
static struct rule_spec
spec(const char *name)
{
	struct rule_spec s;

	memset(&s, 0, sizeof(s));
	s.name = name;
	rules_default_action(&s.act);
	return s;
}

/* A flow from 10.1.0.5 at "paris" to 10.2.0.7 at "london", TCP to 443. */
static struct rule_flow
flow(void)
{
	struct rule_flow f;

	memset(&f, 0, sizeof(f));
	f.src_site = "paris";
	f.dst_site = "london";
	f.src_addr = IP(10, 1, 0, 5);
	f.dst_addr = IP(10, 2, 0, 7);
	f.proto = 6;
	f.sport = 40000;
	f.dport = 443;
	return f;
}

static void
add(struct rules *rb, const struct rule_spec *s)
{
	char err[256] = "";

	ck_assert_msg(rules_add(rb, s, err, sizeof(err)) == 0, "%s", err);
}

/* Whether a rule base of the one rule s matches f at the PoP. */
static int
matches(const struct rule_spec *s, const struct rule_flow *f)
{
	struct rules *rb = rules_new();
	int m;

	add(rb, s);
	m = rules_match(rb, f, 1);
	/* the Socket agrees, or defers when it cannot know */
	if (!rules_is_complex(rb, 0))
		ck_assert_int_eq(rules_match(rb, f, 0), m);
	else if (m == 0)
		ck_assert_int_eq(rules_match(rb, f, 0), RULES_AT_POP);
	rules_free(rb);
	ck_assert(m == 0 || m == RULES_DEFAULT);
	return m == 0;
}

static int
dst_matches(enum rule_ep_kind kind, uint32_t net, uint8_t prefix,
    uint32_t addr)
{
	struct rule_spec s = spec("d");
	struct rule_flow f = flow();

	s.dst.kind = kind;
	s.dst.addr = net;
	s.dst.prefix = prefix;
	f.dst_addr = addr;
	return matches(&s, &f);
}

static int
port_matches(uint16_t lo, uint16_t hi, uint16_t dport)
{
	struct rule_spec s = spec("p");
	struct rule_flow f = flow();

	s.port_lo = lo;
	s.port_hi = hi;
	f.dport = dport;
	return matches(&s, &f);
}

static int
domain_matches(const char *rule, const char *domain)
{
	struct rule_spec s = spec("dom");
	struct rule_flow f = flow();

	s.dst.kind = RULE_DOMAIN;
	s.dst.name = rule;
	f.dst_site = NULL;
	f.domain = domain;
	return matches(&s, &f);
}

START_TEST(test_empty)
{
	struct rules *rb = rules_new();
	struct rule_flow f = flow();

	ck_assert_uint_eq(rules_count(rb), 0);
	ck_assert_ptr_null(rules_get(rb, 0));
	ck_assert_int_eq(rules_is_complex(rb, 0), 0);
	ck_assert_int_eq(rules_match(rb, &f, 0), RULES_DEFAULT);
	ck_assert_int_eq(rules_match(rb, &f, 1), RULES_DEFAULT);
	rules_free(rb);
	rules_free(NULL);
}
END_TEST

START_TEST(test_first_match_wins)
{
	struct rule_spec a = spec("to-london"), b = spec("https");
	struct rules *ab = rules_new(), *ba = rules_new();
	struct rule_flow f = flow(), only_b = flow();

	a.dst.kind = RULE_SITE;
	a.dst.name = "london";
	a.act.primary = RULE_TR_OFF_CLOUD;
	b.proto = 6;
	b.port_lo = b.port_hi = 443;
	b.act.priority = 10;
	add(ab, &a);
	add(ab, &b);
	add(ba, &b);
	add(ba, &a);
	only_b.dst_site = NULL;

	/* f matches both: whichever comes first decides, at either end */
	ck_assert_int_eq(rules_match(ab, &f, 0), 0);
	ck_assert_str_eq(rules_get(ab, 0)->name, "to-london");
	ck_assert_int_eq(rules_match(ba, &f, 0), 0);
	ck_assert_str_eq(rules_get(ba, 0)->name, "https");
	ck_assert_int_eq(rules_match(ab, &f, 1), 0);
	ck_assert_int_eq(rules_match(ba, &f, 1), 0);
	/* a flow only the second matches falls through to it */
	ck_assert_int_eq(rules_match(ab, &only_b, 0), 1);
	ck_assert_int_eq(rules_match(ba, &only_b, 0), 0);
	only_b.dport = 80;
	ck_assert_int_eq(rules_match(ab, &only_b, 0), RULES_DEFAULT);
	rules_free(ab);
	rules_free(ba);
}
END_TEST

START_TEST(test_complex_before_simple)
{
	struct rule_spec app = spec("video"), inet = spec("internet");
	struct rules *rb = rules_new();
	struct rule_flow f = flow();

	app.app = "video-conf";
	app.act.primary = RULE_TR_ALT_WAN;
	inet.dst.kind = RULE_INTERNET;
	add(rb, &app);
	add(rb, &inet);
	ck_assert_int_eq(rules_is_complex(rb, 0), 1);
	ck_assert_int_eq(rules_is_complex(rb, 1), 0);
	f.dst_site = NULL;

	/* the Socket may not take rule 1 before rule 0 is decided */
	ck_assert_int_eq(rules_match(rb, &f, 0), RULES_AT_POP);
	/* nor does it read an app it could not have found itself */
	f.app = "video-conf";
	ck_assert_int_eq(rules_match(rb, &f, 0), RULES_AT_POP);
	/* the PoP: rule 0 when inspection found the app ... */
	ck_assert_int_eq(rules_match(rb, &f, 1), 0);
	/* ... and the next rule when it found another or none */
	f.app = "video-confx";
	ck_assert_int_eq(rules_match(rb, &f, 1), 1);
	f.app = NULL;
	ck_assert_int_eq(rules_match(rb, &f, 1), 1);
	/* to a site, nothing after the app rule matches: the default */
	f.dst_site = "london";
	ck_assert_int_eq(rules_match(rb, &f, 0), RULES_AT_POP);
	ck_assert_int_eq(rules_match(rb, &f, 1), RULES_DEFAULT);
	rules_free(rb);
}
END_TEST

START_TEST(test_complex_skipped_at_socket)
{
	struct rule_spec app = spec("paris-app"), cat = spec("dns-cat");
	struct rule_spec dom = spec("web"), all = spec("all");
	struct rules *rb = rules_new();
	struct rule_flow f = flow();

	app.src.kind = RULE_SITE;
	app.src.name = "paris";
	app.app = "mail";
	cat.proto = 17;
	cat.category = "dns";
	dom.dst.kind = RULE_DOMAIN;
	dom.dst.name = "example.com";
	dom.proto = 6;
	dom.port_lo = 80;
	dom.port_hi = 80;
	all.act.priority = 3;
	add(rb, &app);
	add(rb, &cat);
	add(rb, &dom);
	add(rb, &all);

	/* from london, TCP 443: no complex rule's simple parts match */
	f.src_site = "london";
	ck_assert_int_eq(rules_match(rb, &f, 0), 3);
	ck_assert_int_eq(rules_match(rb, &f, 1), 3);
	/* port 80 reaches the domain rule's simple parts */
	f.dport = 80;
	ck_assert_int_eq(rules_match(rb, &f, 0), RULES_AT_POP);
	f.domain = "www.example.com";
	ck_assert_int_eq(rules_match(rb, &f, 1), 2);
	/* UDP reaches the category rule first */
	f.proto = 17;
	ck_assert_int_eq(rules_match(rb, &f, 0), RULES_AT_POP);
	ck_assert_int_eq(rules_match(rb, &f, 1), 3);
	f.category = "dns";
	ck_assert_int_eq(rules_match(rb, &f, 1), 1);
	/* from paris, the first rule already needs the PoP */
	f = flow();
	ck_assert_int_eq(rules_match(rb, &f, 0), RULES_AT_POP);
	f.app = "mail";
	ck_assert_int_eq(rules_match(rb, &f, 1), 0);
	rules_free(rb);
}
END_TEST

START_TEST(test_complex_off_cloud)
{
	struct rule_spec s = spec("direct-app");
	struct rules *rb = rules_new();
	struct rule_flow f = flow();

	/* valid, but its traffic still goes to the PoP to be decided */
	s.app = "backup-sync";
	s.act.primary = RULE_TR_OFF_CLOUD;
	add(rb, &s);
	ck_assert_int_eq(rules_is_complex(rb, 0), 1);
	ck_assert_int_eq(rules_match(rb, &f, 0), RULES_AT_POP);
	f.app = "backup-sync";
	ck_assert_int_eq(rules_match(rb, &f, 1), 0);
	rules_free(rb);
}
END_TEST

START_TEST(test_both_app_and_category)
{
	struct rule_spec s = spec("both");
	struct rule_flow f = flow();

	s.app = "chat";
	s.category = "collaboration";
	f.app = "chat";
	ck_assert(!matches(&s, &f));
	f.category = "collaboration";
	ck_assert(matches(&s, &f));
	f.app = "Chat";
	ck_assert(!matches(&s, &f));
	f.app = "chat";
	f.category = "collab";
	ck_assert(!matches(&s, &f));
}
END_TEST

START_TEST(test_subnet_edges)
{
	uint32_t net = IP(10, 1, 2, 0);

	/* /0 matches everything, the two ends included */
	ck_assert(dst_matches(RULE_SUBNET, IP(10, 0, 0, 0), 0, 0));
	ck_assert(dst_matches(RULE_SUBNET, IP(10, 0, 0, 0), 0, 0xffffffffu));
	/* /1: the top bit alone */
	ck_assert(dst_matches(RULE_SUBNET, IP(128, 0, 0, 0), 1,
	    IP(128, 0, 0, 0)));
	ck_assert(dst_matches(RULE_SUBNET, IP(128, 0, 0, 0), 1, 0xffffffffu));
	ck_assert(!dst_matches(RULE_SUBNET, IP(128, 0, 0, 0), 1,
	    IP(127, 255, 255, 255)));
	/* /24: both ends in, the neighbours out */
	ck_assert(dst_matches(RULE_SUBNET, net, 24, IP(10, 1, 2, 0)));
	ck_assert(dst_matches(RULE_SUBNET, net, 24, IP(10, 1, 2, 255)));
	ck_assert(!dst_matches(RULE_SUBNET, net, 24, IP(10, 1, 1, 255)));
	ck_assert(!dst_matches(RULE_SUBNET, net, 24, IP(10, 1, 3, 0)));
	/* host bits in the rule do not narrow it */
	ck_assert(dst_matches(RULE_SUBNET, IP(10, 1, 2, 77), 24,
	    IP(10, 1, 2, 5)));
	/* /32 and a host: the address alone */
	ck_assert(dst_matches(RULE_SUBNET, IP(10, 1, 2, 9), 32,
	    IP(10, 1, 2, 9)));
	ck_assert(!dst_matches(RULE_SUBNET, IP(10, 1, 2, 9), 32,
	    IP(10, 1, 2, 8)));
	ck_assert(!dst_matches(RULE_SUBNET, IP(10, 1, 2, 9), 32,
	    IP(10, 1, 2, 10)));
	ck_assert(dst_matches(RULE_HOST, IP(10, 1, 2, 9), 0, IP(10, 1, 2, 9)));
	/* a HOST's prefix field is ignored: it is /32, not /0 or /8 */
	ck_assert(!dst_matches(RULE_HOST, IP(10, 1, 2, 9), 0,
	    IP(10, 1, 2, 10)));
	ck_assert(!dst_matches(RULE_HOST, IP(10, 1, 2, 9), 8, IP(10, 9, 9, 9)));
}
END_TEST

START_TEST(test_source_endpoints)
{
	struct rule_spec s = spec("src");
	struct rule_flow f = flow();

	s.src.kind = RULE_SUBNET;
	s.src.addr = IP(10, 1, 0, 0);
	s.src.prefix = 16;
	ck_assert(matches(&s, &f));
	f.src_addr = IP(10, 2, 0, 5);
	ck_assert(!matches(&s, &f));
	/* the destination address is not the source's */
	s.src.addr = IP(10, 2, 0, 0);
	f = flow();
	ck_assert(!matches(&s, &f));

	s = spec("src-site");
	s.src.kind = RULE_SITE;
	s.src.name = "paris";
	ck_assert(matches(&s, &f));
	f.src_site = "paris2";
	ck_assert(!matches(&s, &f));
	f.src_site = NULL;
	ck_assert(!matches(&s, &f));
}
END_TEST

START_TEST(test_sites_and_internet)
{
	struct rule_spec site = spec("site"), inet = spec("inet");
	struct rule_flow f = flow();

	site.dst.kind = RULE_SITE;
	site.dst.name = "london";
	inet.dst.kind = RULE_INTERNET;
	ck_assert(matches(&site, &f));
	ck_assert(!matches(&inet, &f));
	f.dst_site = "lond";
	ck_assert(!matches(&site, &f));
	ck_assert(!matches(&inet, &f));
	f.dst_site = NULL;
	ck_assert(!matches(&site, &f));
	ck_assert(matches(&inet, &f));
}
END_TEST

START_TEST(test_ports_and_proto)
{
	struct rule_spec s = spec("proto");
	struct rule_flow f = flow();

	ck_assert(!port_matches(1000, 2000, 999));
	ck_assert(port_matches(1000, 2000, 1000));
	ck_assert(port_matches(1000, 2000, 1500));
	ck_assert(port_matches(1000, 2000, 2000));
	ck_assert(!port_matches(1000, 2000, 2001));
	ck_assert(port_matches(53, 53, 53));
	ck_assert(!port_matches(53, 53, 54));
	ck_assert(port_matches(0, 0, 0));
	ck_assert(port_matches(0, 0, 65535));
	ck_assert(port_matches(0, 10, 0));
	ck_assert(!port_matches(0, 10, 11));
	ck_assert(port_matches(65535, 65535, 65535));
	ck_assert(!port_matches(65535, 65535, 65534));
	/* it is the destination port, not the source */
	ck_assert(!port_matches(40000, 40000, 443));

	s.proto = 17;
	ck_assert(!matches(&s, &f));
	f.proto = 17;
	ck_assert(matches(&s, &f));
	s.proto = 0;
	f.proto = 1;
	ck_assert(matches(&s, &f));
}
END_TEST

START_TEST(test_domain_suffix)
{
	ck_assert(domain_matches("example.com", "example.com"));
	ck_assert(domain_matches("example.com", "www.example.com"));
	ck_assert(domain_matches("example.com", "a.b.example.com"));
	ck_assert(!domain_matches("example.com", "badexample.com"));
	ck_assert(!domain_matches("example.com", "example.com.evil.net"));
	ck_assert(!domain_matches("example.com", "com"));
	ck_assert(!domain_matches("example.com", "xample.com"));
	ck_assert(!domain_matches("example.com", ""));
	ck_assert(!domain_matches("example.com", NULL));
	/* case and the root's final dot do not count */
	ck_assert(domain_matches("example.com", "WWW.Example.COM"));
	ck_assert(domain_matches("example.com", "www.example.com."));
	ck_assert(domain_matches("Example.com.", "example.com"));
	ck_assert(!domain_matches("example.com.", "badexample.com"));
	/* the root holds every known name, but not an unknown one */
	ck_assert(domain_matches(".", "example.com"));
	ck_assert(!domain_matches(".", NULL));
}
END_TEST

/* rules_add() refuses s with exactly msg and keeps the count. */
static void
refused(struct rules *rb, const struct rule_spec *s, const char *msg)
{
	char err[256] = "";
	size_t n = rules_count(rb);

	ck_assert_int_eq(rules_add(rb, s, err, sizeof(err)), -1);
	ck_assert_str_eq(err, msg);
	ck_assert_uint_eq(rules_count(rb), n);
}

START_TEST(test_validation)
{
	struct rules *rb = rules_new();
	struct rule_spec s;
	char small[8];

	s = spec("backup");
	s.act.primary = RULE_TR_OFF_CLOUD;
	s.act.tcp_accel = 1;
	refused(rb, &s, "rule 'backup': TCP acceleration must be off when "
	    "the primary transport is off-cloud");
	s.act.tcp_accel = 0;
	add(rb, &s);
	s.act.primary = RULE_TR_CLOUD;
	s.act.tcp_accel = 1;
	add(rb, &s);

	s = spec("p");
	s.act.priority = 1;
	refused(rb, &s, "rule 'p': priority 1 is outside 2-255");
	s.act.priority = 256;
	refused(rb, &s, "rule 'p': priority 256 is outside 2-255");
	s.act.priority = -3;
	refused(rb, &s, "rule 'p': priority -3 is outside 2-255");
	s.act.priority = 2;
	add(rb, &s);
	s.act.priority = 255;
	add(rb, &s);

	s = spec("ports");
	s.port_lo = 80;
	s.port_hi = 20;
	refused(rb, &s, "rule 'ports': port range 80-20 runs backwards");

	s = spec("pfx");
	s.src.kind = RULE_SUBNET;
	s.src.prefix = 33;
	refused(rb, &s, "rule 'pfx': source prefix /33 is longer than 32");
	s.src.prefix = 32;
	s.dst.kind = RULE_SUBNET;
	s.dst.prefix = 255;
	refused(rb, &s,
	    "rule 'pfx': destination prefix /255 is longer than 32");
	s.dst.prefix = 32;
	add(rb, &s);

	s = spec("src");
	s.src.kind = RULE_DOMAIN;
	s.src.name = "example.com";
	refused(rb, &s, "rule 'src': a domain cannot be a source");
	s.src.kind = RULE_INTERNET;
	refused(rb, &s, "rule 'src': the Internet cannot be a source");
	s.src.kind = 9;
	refused(rb, &s, "rule 'src': source kind 9 is unknown");

	s = spec("names");
	s.src.kind = RULE_SITE;
	refused(rb, &s, "rule 'names': source site has no name");
	s.src.name = "";
	refused(rb, &s, "rule 'names': source site has no name");
	s.src.name = "paris";
	s.dst.kind = RULE_SITE;
	refused(rb, &s, "rule 'names': destination site has no name");
	s.dst.kind = RULE_DOMAIN;
	refused(rb, &s, "rule 'names': destination domain has no name");
	s.dst.name = "";
	refused(rb, &s, "rule 'names': destination domain has no name");

	s = spec("enum");
	s.act.primary = 4;
	refused(rb, &s, "rule 'enum': transport or optimisation value is "
	    "unknown");
	s.act.primary = RULE_TR_NONE;
	s.act.secondary = 3;
	refused(rb, &s, "rule 'enum': transport or optimisation value is "
	    "unknown");
	s.act.secondary = RULE_SEC_CLOUD;
	s.act.optimize = 3;
	refused(rb, &s, "rule 'enum': transport or optimisation value is "
	    "unknown");

	s = spec("prec");
	s.act.precedence = 4;
	refused(rb, &s, "rule 'prec': precedence 4 is neither 1-3 nor 0 (any)");
	s.act.precedence = -1;
	refused(rb, &s, "rule 'prec': precedence -1 is neither 1-3 nor 0 (any)");
	s.act.precedence = 3;
	s.act.link = -2;
	refused(rb, &s, "rule 'prec': link -2 is neither a link index nor -1");
	s.act.link = 0;
	add(rb, &s);

	/* unnamed: by the index it would have had */
	ck_assert_uint_eq(rules_count(rb), 6);
	s = spec(NULL);
	s.act.priority = 1;
	refused(rb, &s, "rule #6: priority 1 is outside 2-255");

	/* a short buffer is cut and terminated; none at all is fine */
	memset(small, 'x', sizeof(small));
	ck_assert_int_eq(rules_add(rb, &s, small, sizeof(small)), -1);
	ck_assert_str_eq(small, "rule #6");
	ck_assert_int_eq(rules_add(rb, &s, NULL, 0), -1);
	ck_assert_uint_eq(rules_count(rb), 6);
	rules_free(rb);
}
END_TEST

START_TEST(test_copy_and_tidy)
{
	struct rules *rb = rules_new();
	struct rule_spec s = spec(NULL);
	const struct rule_spec *g;
	char name[16], site[16], app[16];

	snprintf(name, sizeof(name), "first");
	snprintf(site, sizeof(site), "paris");
	snprintf(app, sizeof(app), "mail");
	s.name = name;
	s.src.kind = RULE_SITE;
	s.src.name = site;
	s.dst.kind = RULE_SUBNET;
	s.dst.name = "ignored";
	s.dst.addr = IP(10, 1, 2, 77);
	s.dst.prefix = 24;
	s.app = app;
	s.category = "";
	add(rb, &s);
	g = rules_get(rb, 0);
	/* the caller's strings may change: the rule has its own */
	memset(name, 0, sizeof(name));
	memset(site, 0, sizeof(site));
	memset(app, 0, sizeof(app));
	ck_assert_str_eq(g->name, "first");
	ck_assert_str_eq(g->src.name, "paris");
	ck_assert_str_eq(g->app, "mail");
	ck_assert_ptr_null(g->category);
	ck_assert_ptr_null(g->dst.name);
	ck_assert_uint_eq(g->dst.addr, IP(10, 1, 2, 0));
	ck_assert_int_eq(g->act.priority, 255);

	/* a pointer from rules_get() outlives the array's growth */
	s = spec("more");
	s.dst.kind = RULE_HOST;
	s.dst.addr = IP(10, 0, 0, 1);
	s.dst.prefix = 8;
	s.app = "";
	for (int i = 0; i < 100; i++)
		add(rb, &s);
	ck_assert_ptr_eq(rules_get(rb, 0), g);
	ck_assert_str_eq(g->name, "first");
	ck_assert_uint_eq(rules_count(rb), 101);
	ck_assert_int_eq(rules_get(rb, 100)->dst.prefix, 32);
	ck_assert_int_eq(rules_is_complex(rb, 0), 1);
	/* an empty app is any app, not a complex rule */
	ck_assert_int_eq(rules_is_complex(rb, 100), 0);
	ck_assert_ptr_null(rules_get(rb, 101));
	rules_free(rb);
}
END_TEST

START_TEST(test_default_action)
{
	struct rule_action a;

	memset(&a, 0x5a, sizeof(a));
	rules_default_action(&a);
	ck_assert_int_eq(a.primary, RULE_TR_CLOUD);
	ck_assert_int_eq(a.secondary, RULE_SEC_AUTO);
	ck_assert_int_eq(a.link, -1);
	ck_assert_int_eq(a.precedence, 0);
	ck_assert_int_eq(a.priority, 255);
	ck_assert_int_eq(a.optimize, RULE_OPT_NONE);
	ck_assert_int_eq(a.mitigate_loss, 0);
	ck_assert_int_eq(a.tcp_accel, 0);
}
END_TEST

START_TEST(test_names)
{
	static const char *const tr[] = {
		"cloud", "off-cloud", "alt-wan", "none"
	};
	static const char *const sec[] = { "automatic", "none", "cloud" };
	static const char *const opt[] = { "none", "latency", "loss" };

	for (int i = 0; i < 4; i++) {
		ck_assert_str_eq(rule_transport_name(i), tr[i]);
		ck_assert_int_eq(rule_transport_parse(tr[i]), i);
	}
	for (int i = 0; i < 3; i++) {
		ck_assert_str_eq(rule_secondary_name(i), sec[i]);
		ck_assert_int_eq(rule_secondary_parse(sec[i]), i);
		ck_assert_str_eq(rule_optimize_name(i), opt[i]);
		ck_assert_int_eq(rule_optimize_parse(opt[i]), i);
	}
	ck_assert_int_eq(rule_transport_parse("off_cloud"), -1);
	ck_assert_int_eq(rule_transport_parse("Cloud"), -1);
	ck_assert_int_eq(rule_transport_parse(""), -1);
	ck_assert_int_eq(rule_transport_parse(NULL), -1);
	ck_assert_int_eq(rule_secondary_parse("auto"), -1);
	ck_assert_int_eq(rule_optimize_parse("jitter"), -1);
	ck_assert_str_eq(rule_transport_name(4), "?");
	ck_assert_str_eq(rule_secondary_name(3), "?");
	ck_assert_str_eq(rule_optimize_name(-1), "?");
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_first_match_wins);
	tcase_add_test(tc, test_complex_before_simple);
	tcase_add_test(tc, test_complex_skipped_at_socket);
	tcase_add_test(tc, test_complex_off_cloud);
	tcase_add_test(tc, test_both_app_and_category);
	tcase_add_test(tc, test_subnet_edges);
	tcase_add_test(tc, test_source_endpoints);
	tcase_add_test(tc, test_sites_and_internet);
	tcase_add_test(tc, test_ports_and_proto);
	tcase_add_test(tc, test_domain_suffix);
	tcase_add_test(tc, test_validation);
	tcase_add_test(tc, test_copy_and_tidy);
	tcase_add_test(tc, test_default_action);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}
