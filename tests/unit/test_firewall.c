/*
 * The firewall by hand: first match wins and moving a block below an
 * allow lets the flow through; each rule base's implicit rule (block for
 * the WAN, allow with inspection for the Internet) and a base never
 * enabled; every match field (sites, subnets at their edges, hosts, user
 * groups, applications or categories, services) with lists as
 * alternatives; what fw_add() refuses, word for word; sessions, packets
 * and bytes counted per rule, the implicit rule's too; the fw-block
 * event through the platform; and the names there and back.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "wan/firewall.h"
#include "tests/unit/check_main.h"
#include "tests/unit/fake_platform.h"

#define IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* From 10.0.1.10 at "paris" (group "staff") to 10.0.2.10 at "london",
 * TCP to 443, application "erp" of category "business". */
static struct fw_flow
flow(void)
{
	struct fw_flow f;

	memset(&f, 0, sizeof(f));
	f.src_site = "paris";
	f.dst_site = "london";
	f.src_group = "staff";
	f.src_addr = IP(10, 0, 1, 10);
	f.dst_addr = IP(10, 0, 2, 10);
	f.proto = 6;
	f.dport = 443;
	f.app = "erp";
	f.category = "business";
	f.label = "erp-flow";
	return f;
}

static struct fw_rule_spec
spec(const char *name, enum fw_action a)
{
	struct fw_rule_spec s;

	memset(&s, 0, sizeof(s));
	s.name = name;
	s.action = a;
	return s;
}

static void
add(struct firewall *fw, enum fw_base b, const struct fw_rule_spec *s)
{
	char err[256] = "";

	ck_assert_msg(fw_add(fw, b, s, err, sizeof(err)) == 0, "%s", err);
}

/* Whether a WAN rule base of s alone decides f by s (0) or falls to the
 * implicit rule (1). */
static int
matches(const struct fw_rule_spec *s, const struct fw_flow *f)
{
	struct firewall *fw = fw_new();
	int r;

	ck_assert_ptr_nonnull(fw);
	add(fw, FW_WAN, s);
	r = fw_match(fw, FW_WAN, f);
	fw_free(fw);
	ck_assert_int_ge(r, 0);
	return r == 0;
}

START_TEST(test_not_enabled)
{
	struct firewall *fw = fw_new();
	struct fw_flow f = flow();

	ck_assert_int_eq(fw_enabled(fw, FW_WAN), 0);
	ck_assert_int_eq(fw_enabled(fw, FW_INTERNET), 0);
	ck_assert_int_eq(fw_match(fw, FW_WAN, &f), -1);
	ck_assert_int_eq(fw_session(fw, FW_WAN, &f, NULL, NULL), -1);
	/* enabled and empty: the implicit rule alone */
	fw_enable(fw, FW_WAN);
	ck_assert_int_eq(fw_match(fw, FW_WAN, &f), 0);
	ck_assert_int_eq(fw_rules(fw, FW_WAN), 0);
	ck_assert_str_eq(fw_rule_name(fw, FW_WAN, 0), "wan-implicit-block");
	ck_assert_int_eq(fw_rule_action(fw, FW_WAN, 0), FW_BLOCK);
	ck_assert_ptr_null(fw_rule_name(fw, FW_WAN, 1));
	ck_assert_int_eq(fw_rule_action(fw, FW_WAN, 1), -1);
	ck_assert_int_eq(fw_match(fw, FW_INTERNET, &f), -1);
	fw_enable(fw, FW_INTERNET);
	ck_assert_str_eq(fw_rule_name(fw, FW_INTERNET, 0),
	    "internet-implicit-allow");
	ck_assert_int_eq(fw_rule_action(fw, FW_INTERNET, 0), FW_INSPECT);
	fw_free(fw);
}
END_TEST

START_TEST(test_first_match_and_order)
{
	struct fw_ep subnet = { FW_EP_SUBNET, NULL, IP(10, 0, 2, 0), 24 };
	struct fw_ep paris = { FW_EP_SITE, "paris", 0, 0 };
	struct fw_rule_spec blk = spec("no-paris-to-london", FW_BLOCK);
	struct fw_rule_spec any = spec("any", FW_ALLOW);
	struct fw_flow f = flow(), g = flow();
	struct firewall *a = fw_new(), *b = fw_new();

	blk.src = &paris;
	blk.nsrc = 1;
	blk.dst = &subnet;
	blk.ndst = 1;
	/* block above allow: paris is blocked, another site is not */
	add(a, FW_WAN, &blk);
	add(a, FW_WAN, &any);
	ck_assert_int_eq(fw_match(a, FW_WAN, &f), 0);
	ck_assert_int_eq(fw_rule_action(a, FW_WAN, 0), FW_BLOCK);
	g.src_site = "rome";
	ck_assert_int_eq(fw_match(a, FW_WAN, &g), 1);
	/* the other way round: the allow decides first */
	add(b, FW_WAN, &any);
	add(b, FW_WAN, &blk);
	ck_assert_int_eq(fw_match(b, FW_WAN, &f), 0);
	ck_assert_int_eq(fw_rule_action(b, FW_WAN, 0), FW_ALLOW);
	ck_assert_str_eq(fw_rule_name(b, FW_WAN, 1), "no-paris-to-london");
	ck_assert_str_eq(fw_rule_name(b, FW_WAN, 2), "wan-implicit-block");
	fw_free(a);
	fw_free(b);
}
END_TEST

START_TEST(test_implicit_rules)
{
	struct fw_ep rome = { FW_EP_SITE, "rome", 0, 0 };
	struct fw_rule_spec r = spec("rome-only", FW_ALLOW);
	struct firewall *fw = fw_new();
	struct fw_flow f = flow();

	r.src = &rome;
	r.nsrc = 1;
	add(fw, FW_WAN, &r);
	/* rome's rule does not match paris: the implicit block does */
	ck_assert_int_eq(fw_match(fw, FW_WAN, &f), 1);
	ck_assert_int_eq(fw_rule_action(fw, FW_WAN, 1), FW_BLOCK);
	/* the Internet's ends in allow with inspection */
	r = spec("block-rome", FW_BLOCK);
	r.src = &rome;
	r.nsrc = 1;
	add(fw, FW_INTERNET, &r);
	f.dst_site = NULL;
	ck_assert_int_eq(fw_match(fw, FW_INTERNET, &f), 1);
	ck_assert_int_eq(fw_rule_action(fw, FW_INTERNET, 1), FW_INSPECT);
	f.src_site = "rome";
	ck_assert_int_eq(fw_match(fw, FW_INTERNET, &f), 0);
	fw_free(fw);
}
END_TEST

START_TEST(test_subnets_and_hosts)
{
	struct fw_ep e = { FW_EP_SUBNET, NULL, IP(10, 0, 2, 0), 24 };
	struct fw_rule_spec r = spec("r", FW_BLOCK);
	struct fw_flow f = flow();

	r.dst = &e;
	r.ndst = 1;
	f.dst_addr = IP(10, 0, 2, 0);
	ck_assert(matches(&r, &f));
	f.dst_addr = IP(10, 0, 2, 255);
	ck_assert(matches(&r, &f));
	f.dst_addr = IP(10, 0, 3, 0);
	ck_assert(!matches(&r, &f));
	f.dst_addr = IP(10, 0, 1, 255);
	ck_assert(!matches(&r, &f));
	/* host bits in the rule are dropped: 10.0.2.77/24 is 10.0.2.0/24 */
	e.addr = IP(10, 0, 2, 77);
	f.dst_addr = IP(10, 0, 2, 1);
	ck_assert(matches(&r, &f));
	/* /0 is everything, /32 one address */
	e.prefix = 0;
	f.dst_addr = IP(203, 0, 113, 9);
	ck_assert(matches(&r, &f));
	e.prefix = 32;
	e.addr = IP(203, 0, 113, 9);
	ck_assert(matches(&r, &f));
	f.dst_addr = IP(203, 0, 113, 8);
	ck_assert(!matches(&r, &f));
	/* a host is a /32 whatever prefix it was given */
	e.kind = FW_EP_HOST;
	e.prefix = 8;
	ck_assert(!matches(&r, &f));
	f.dst_addr = IP(203, 0, 113, 9);
	ck_assert(matches(&r, &f));
	/* the source side the same way */
	r.dst = NULL;
	r.ndst = 0;
	r.src = &e;
	r.nsrc = 1;
	e.addr = IP(10, 0, 1, 10);
	ck_assert(matches(&r, &f));
	f.src_addr = IP(10, 0, 1, 11);
	ck_assert(!matches(&r, &f));
}
END_TEST

START_TEST(test_sites_groups_lists)
{
	struct fw_ep two[2] = {
		{ FW_EP_SITE, "rome", 0, 0 },
		{ FW_EP_GROUP, "staff", 0, 0 },
	};
	struct fw_rule_spec r = spec("r", FW_ALLOW);
	struct fw_flow f = flow();

	r.src = two;
	r.nsrc = 2;
	/* not rome, but in group staff: one alternative is enough */
	ck_assert(matches(&r, &f));
	f.src_group = "contractors";
	ck_assert(!matches(&r, &f));
	f.src_group = NULL;     /* no group: a group item cannot match */
	ck_assert(!matches(&r, &f));
	f.src_site = "rome";
	ck_assert(matches(&r, &f));
	/* a destination group matches the destination's group only */
	r.src = NULL;
	r.nsrc = 0;
	r.dst = &two[1];
	r.ndst = 1;
	f = flow();
	ck_assert(!matches(&r, &f));
	f.dst_group = "staff";
	ck_assert(matches(&r, &f));
	/* sites by exact name */
	two[0].name = "london";
	r.dst = two;
	ck_assert(matches(&r, &f));
	f.dst_site = "london-2";
	f.dst_group = NULL;
	ck_assert(!matches(&r, &f));
}
END_TEST

START_TEST(test_apps_and_categories)
{
	const char *apps[] = { "crm", "erp" };
	const char *cats[] = { "gaming" };
	struct fw_rule_spec r = spec("r", FW_INSPECT);
	struct fw_flow f = flow();

	r.apps = apps;
	r.napps = 2;
	ck_assert(matches(&r, &f));
	f.app = "crm";
	ck_assert(matches(&r, &f));
	f.app = NULL;           /* not known: an app rule does not match */
	ck_assert(!matches(&r, &f));
	/* apps and categories are one field: either list will do */
	r.categories = cats;
	r.ncategories = 1;
	f.category = "gaming";
	ck_assert(matches(&r, &f));
	f.category = "business";
	ck_assert(!matches(&r, &f));
	r.napps = 0;
	f.app = "erp";
	ck_assert(!matches(&r, &f));
}
END_TEST

START_TEST(test_services)
{
	struct fw_service svc[2] = { { 17, 53, 53 }, { 6, 8000, 8443 } };
	struct fw_rule_spec r = spec("r", FW_ALLOW);
	struct fw_flow f = flow();

	r.svc = svc;
	r.nsvc = 2;
	ck_assert(!matches(&r, &f));     /* TCP 443 */
	f.dport = 8000;
	ck_assert(matches(&r, &f));
	f.dport = 8443;
	ck_assert(matches(&r, &f));
	f.dport = 8444;
	ck_assert(!matches(&r, &f));
	f.dport = 53;
	ck_assert(!matches(&r, &f));     /* TCP, not UDP */
	f.proto = 17;
	ck_assert(matches(&r, &f));
	/* protocol 0 is any protocol; ports 0-0 any port */
	svc[0].proto = 0;
	svc[0].port_lo = svc[0].port_hi = 0;
	r.nsvc = 1;
	f.proto = 1;
	f.dport = 0;
	ck_assert(matches(&r, &f));
}
END_TEST

static void
refused(enum fw_base b, const struct fw_rule_spec *s, const char *msg)
{
	struct firewall *fw = fw_new();
	struct fw_rule_spec taken = spec("taken", FW_ALLOW);
	char err[256] = "";

	add(fw, b, &taken);
	ck_assert_int_eq(fw_add(fw, b, s, err, sizeof(err)), -1);
	ck_assert_str_eq(err, msg);
	ck_assert_int_eq(fw_rules(fw, b), 1);
	fw_free(fw);
}

START_TEST(test_validation)
{
	struct fw_ep site = { FW_EP_SITE, "london", 0, 0 };
	struct fw_ep grp = { FW_EP_GROUP, "", 0, 0 };
	struct fw_ep wide = { FW_EP_SUBNET, NULL, 0, 33 };
	struct fw_service back = { 6, 90, 80 };
	const char *empty[] = { "" };
	struct fw_rule_spec r;

	r = spec(NULL, FW_ALLOW);
	refused(FW_WAN, &r, "rule '': a rule needs a name");
	r = spec("x", (enum fw_action)3);
	refused(FW_WAN, &r, "rule 'x': action 3 is unknown");
	r = spec("taken", FW_BLOCK);
	refused(FW_WAN, &r, "rule 'taken': the name is taken by rule 1");
	r = spec("wan-implicit-block", FW_BLOCK);
	refused(FW_WAN, &r, "rule 'wan-implicit-block': the name is the "
	    "implicit rule's");
	r = spec("x", FW_BLOCK);
	r.dst = &site;
	r.ndst = 1;
	refused(FW_INTERNET, &r, "rule 'x': the Internet firewall's "
	    "destinations are on the Internet: a site cannot be one");
	r.dst = &grp;
	refused(FW_WAN, &r, "rule 'x': destination group has no name");
	r.dst = NULL;
	r.ndst = 0;
	r.src = &wide;
	r.nsrc = 1;
	refused(FW_WAN, &r, "rule 'x': source prefix /33 is longer than 32");
	r.src = NULL;
	r.nsrc = 0;
	r.svc = &back;
	r.nsvc = 1;
	refused(FW_WAN, &r, "rule 'x': port range 90-80 runs backwards");
	r.svc = NULL;
	r.nsvc = 0;
	r.apps = empty;
	r.napps = 1;
	refused(FW_WAN, &r, "rule 'x': application 1 is empty");
	r.napps = 0;
	r.apps = NULL;
	r.ndst = 2;
	refused(FW_WAN, &r, "rule 'x': destination list is missing");
}
END_TEST

START_TEST(test_copies)
{
	char name[16] = "r1", site[16] = "paris", app[16] = "erp";
	struct fw_ep e = { FW_EP_SITE, site, 0, 0 };
	const char *apps[] = { app };
	struct fw_rule_spec r = spec(name, FW_BLOCK);
	struct firewall *fw = fw_new();
	struct fw_flow f = flow();

	r.src = &e;
	r.nsrc = 1;
	r.apps = apps;
	r.napps = 1;
	add(fw, FW_WAN, &r);
	/* the caller's strings change; the rule does not */
	strcpy(name, "r2");
	strcpy(site, "rome");
	strcpy(app, "crm");
	ck_assert_str_eq(fw_rule_name(fw, FW_WAN, 0), "r1");
	ck_assert_int_eq(fw_match(fw, FW_WAN, &f), 0);
	fw_free(fw);
}
END_TEST

START_TEST(test_counts_and_event)
{
	struct fw_ep paris = { FW_EP_SITE, "paris", 0, 0 };
	struct fw_rule_spec blk = spec("no-paris", FW_BLOCK);
	struct fw_rule_spec ok = spec("ok", FW_ALLOW);
	struct firewall *fw = fw_new();
	struct fake *fk = fake_new(1);
	struct fw_flow f = flow(), g = flow();
	const struct fw_counts *c;
	int i;

	blk.src = &paris;
	blk.nsrc = 1;
	ok.dst = &paris;
	ok.ndst = 1;
	add(fw, FW_WAN, &blk);
	add(fw, FW_WAN, &ok);
	fk->now = 5 * SB_S;
	i = fw_session(fw, FW_WAN, &f, fake_platform(fk), "fra");
	ck_assert_int_eq(i, 0);
	fw_packet(fw, FW_WAN, i, 100);
	fw_packet(fw, FW_WAN, i, 200);
	ck_assert_uint_eq(fk->nevents, 1);
	ck_assert_str_eq(fk->events[0].kind, "fw-block");
	ck_assert_str_eq(fk->events[0].node, "fra");
	ck_assert_str_eq(fk->events[0].subject, "erp-flow");
	ck_assert_str_eq(fk->events[0].detail, "no-paris");
	ck_assert(fk->events[0].value == 1);
	ck_assert_int_eq(fk->events[0].at, 5 * SB_S);
	/* rome to london: neither rule, the implicit block (position 3) */
	g.src_site = "rome";
	g.label = "other";
	ck_assert_int_eq(fw_session(fw, FW_WAN, &g, fake_platform(fk), NULL),
	    2);
	fw_packet(fw, FW_WAN, 2, 50);
	ck_assert_uint_eq(fk->nevents, 2);
	ck_assert_str_eq(fk->events[1].detail, "wan-implicit-block");
	ck_assert(fk->events[1].value == 3);
	/* an allow is counted and says nothing */
	g.dst_site = "paris";
	ck_assert_int_eq(fw_session(fw, FW_WAN, &g, fake_platform(fk), NULL),
	    1);
	ck_assert_uint_eq(fk->nevents, 2);
	c = fw_counts(fw, FW_WAN, 0);
	ck_assert_uint_eq(c->sessions, 1);
	ck_assert_uint_eq(c->packets, 2);
	ck_assert_uint_eq(c->bytes, 300);
	ck_assert_uint_eq(fw_counts(fw, FW_WAN, 1)->sessions, 1);
	ck_assert_uint_eq(fw_counts(fw, FW_WAN, 1)->packets, 0);
	ck_assert_uint_eq(fw_counts(fw, FW_WAN, 2)->sessions, 1);
	ck_assert_uint_eq(fw_counts(fw, FW_WAN, 2)->bytes, 50);
	ck_assert_ptr_null(fw_counts(fw, FW_WAN, 3));
	/* out of range is ignored, and a session without a platform too */
	fw_packet(fw, FW_WAN, 3, 1);
	fw_packet(fw, FW_WAN, -1, 1);
	ck_assert_int_eq(fw_session(fw, FW_WAN, &f, NULL, NULL), 0);
	ck_assert_uint_eq(fw_counts(fw, FW_WAN, 0)->sessions, 2);
	fake_free(fk);
	fw_free(fw);
}
END_TEST

START_TEST(test_implicit_counts_kept)
{
	struct fw_rule_spec a = spec("a", FW_ALLOW);
	struct firewall *fw = fw_new();
	struct fw_flow f = flow();

	/* the implicit rule's counts survive rules added after them */
	fw_enable(fw, FW_WAN);
	ck_assert_int_eq(fw_session(fw, FW_WAN, &f, NULL, NULL), 0);
	fw_packet(fw, FW_WAN, 0, 10);
	a.categories = (const char *[]){ "none-such" };
	a.ncategories = 1;
	add(fw, FW_WAN, &a);
	ck_assert_uint_eq(fw_counts(fw, FW_WAN, 0)->sessions, 0);
	ck_assert_uint_eq(fw_counts(fw, FW_WAN, 1)->sessions, 1);
	ck_assert_uint_eq(fw_counts(fw, FW_WAN, 1)->bytes, 10);
	fw_free(fw);
}
END_TEST

START_TEST(test_names)
{
	static const char *const an[] = { "allow", "block",
		"allow-with-inspection" };

	for (int i = 0; i < 3; i++) {
		ck_assert_str_eq(fw_action_name(i), an[i]);
		ck_assert_int_eq(fw_action_parse(an[i]), i);
	}
	ck_assert_int_eq(fw_action_parse("deny"), -1);
	ck_assert_int_eq(fw_action_parse(NULL), -1);
	ck_assert_str_eq(fw_action_name(3), "?");
	ck_assert_str_eq(fw_base_name(FW_WAN), "wan");
	ck_assert_str_eq(fw_base_name(FW_INTERNET), "internet");
	ck_assert_str_eq(fw_base_name(FW__BASES), "?");
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("firewall");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_not_enabled);
	tcase_add_test(tc, test_first_match_and_order);
	tcase_add_test(tc, test_implicit_rules);
	tcase_add_test(tc, test_subnets_and_hosts);
	tcase_add_test(tc, test_sites_groups_lists);
	tcase_add_test(tc, test_apps_and_categories);
	tcase_add_test(tc, test_services);
	tcase_add_test(tc, test_validation);
	tcase_add_test(tc, test_copies);
	tcase_add_test(tc, test_counts_and_event);
	tcase_add_test(tc, test_implicit_counts_kept);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}
