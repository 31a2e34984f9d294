/*
 * The rule base as an array of pointers to rules, each rule one allocation
 * holding its spec and, after it, copies of the spec's strings: so a
 * pointer from rules_get() survives later rules_add() calls, and freeing a
 * rule is one free().
 *
 * Invariants, set up by rules_add(): every stored rule is valid; a SITE or
 * DOMAIN has a non-empty name and no other kind has one; a HOST has prefix
 * 32 and a SUBNET's addr has no bits past its prefix; app and category are
 * NULL or non-empty; priority is 2-255.  Matching relies on these and
 * allocates nothing; it is a linear walk, which is fine for the tens of
 * rules a network has and would want an index for tens of thousands.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wan/inet.h"
#include "wan/rules.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct rule {
	struct rule_spec spec;
	int complex;
	char strs[];	/* the spec's strings, end to end */
};

struct rules {
	struct rule **v;
	size_t n, cap;
};

static const char *const transport_names[] = {
	"cloud", "off-cloud", "alt-wan", "none"
};
static const char *const secondary_names[] = { "automatic", "none", "cloud" };
static const char *const optimize_names[] = { "none", "latency", "loss" };

/* Write "rule 'name': " and the reason into err; returns -1 for the caller
 * to pass on. */
static int
fail(char *err, size_t errlen, const struct rule_spec *r, size_t idx,
    const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err == NULL || errlen == 0)
		return -1;
	if (r->name != NULL)
		n = snprintf(err, errlen, "rule '%s': ", r->name);
	else
		n = snprintf(err, errlen, "rule #%zu: ", idx);
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static const char *
nonempty(const char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}


static int
check_ep(const struct rule_ep *e, int is_src, const struct rule_spec *r,
    size_t idx, char *err, size_t errlen)
{
	const char *w = is_src ? "source" : "destination";

	if ((unsigned)e->kind > RULE_INTERNET)
		return fail(err, errlen, r, idx, "%s kind %d is unknown", w,
		    (int)e->kind);
	if (is_src && (e->kind == RULE_DOMAIN || e->kind == RULE_INTERNET))
		return fail(err, errlen, r, idx, "%s cannot be a source",
		    e->kind == RULE_DOMAIN ? "a domain" : "the Internet");
	if ((e->kind == RULE_SITE || e->kind == RULE_DOMAIN) &&
	    nonempty(e->name) == NULL)
		return fail(err, errlen, r, idx, "%s %s has no name", w,
		    e->kind == RULE_SITE ? "site" : "domain");
	if (e->kind == RULE_SUBNET && e->prefix > 32)
		return fail(err, errlen, r, idx,
		    "%s prefix /%u is longer than 32", w, (unsigned)e->prefix);
	return 0;
}

static int
check(const struct rule_spec *r, size_t idx, char *err, size_t errlen)
{
	const struct rule_action *a = &r->act;

	if (check_ep(&r->src, 1, r, idx, err, errlen) != 0 ||
	    check_ep(&r->dst, 0, r, idx, err, errlen) != 0)
		return -1;
	if (r->port_lo > r->port_hi)
		return fail(err, errlen, r, idx,
		    "port range %u-%u runs backwards", (unsigned)r->port_lo,
		    (unsigned)r->port_hi);
	if ((unsigned)a->primary > RULE_TR_NONE ||
	    (unsigned)a->secondary > RULE_SEC_CLOUD ||
	    (unsigned)a->optimize > RULE_OPT_LOSS)
		return fail(err, errlen, r, idx,
		    "transport or optimisation value is unknown");
	if (a->primary == RULE_TR_OFF_CLOUD && a->tcp_accel)
		return fail(err, errlen, r, idx, "TCP acceleration must be "
		    "off when the primary transport is off-cloud");
	if (a->priority != 0 && (a->priority < 2 || a->priority > 255))
		return fail(err, errlen, r, idx,
		    "priority %d is outside 2-255", a->priority);
	if (a->precedence < 0 || a->precedence > 3)
		return fail(err, errlen, r, idx,
		    "precedence %d is neither 1-3 nor 0 (any)",
		    a->precedence);
	if (a->link < -1)
		return fail(err, errlen, r, idx,
		    "link %d is neither a link index nor -1", a->link);
	return 0;
}

/* Bring a valid spec to the form the invariants above describe. */
static void
tidy(struct rule_spec *t)
{
	struct rule_ep *e[2] = { &t->src, &t->dst };

	t->app = nonempty(t->app);
	t->category = nonempty(t->category);
	if (t->act.priority == 0)
		t->act.priority = 255;
	for (int k = 0; k < 2; k++) {
		if (e[k]->kind != RULE_SITE && e[k]->kind != RULE_DOMAIN)
			e[k]->name = NULL;
		if (e[k]->kind == RULE_HOST)
			e[k]->prefix = 32;
		if (e[k]->kind == RULE_SUBNET || e[k]->kind == RULE_HOST)
			e[k]->addr &= inet_mask(e[k]->prefix);
		else
			e[k]->addr = e[k]->prefix = 0;
	}
}

struct rules *
rules_new(void)
{
	return calloc(1, sizeof(struct rules));
}

void
rules_free(struct rules *rb)
{
	if (rb == NULL)
		return;
	for (size_t i = 0; i < rb->n; i++)
		free(rb->v[i]);
	free(rb->v);
	free(rb);
}

int
rules_add(struct rules *rb, const struct rule_spec *r, char *err,
    size_t errlen)
{
	struct rule_spec t = *r;
	const char **str[] = {
		&t.name, &t.app, &t.category, &t.src.name, &t.dst.name
	};
	struct rule *nr;
	size_t len = 0;
	char *cur;

	if (check(r, rb->n, err, errlen) != 0)
		return -1;
	/* rules_match() answers an int index */
	if (rb->n >= INT_MAX)
		return fail(err, errlen, r, rb->n, "too many rules");
	if (rb->n == rb->cap) {
		size_t cap = rb->cap ? rb->cap * 2 : 8;
		struct rule **v = realloc(rb->v, cap * sizeof(*v));

		if (v == NULL)
			return fail(err, errlen, r, rb->n, "out of memory");
		rb->v = v;
		rb->cap = cap;
	}
	tidy(&t);
	for (size_t i = 0; i < NELEM(str); i++)
		len += *str[i] != NULL ? strlen(*str[i]) + 1 : 0;
	if ((nr = malloc(sizeof(*nr) + len)) == NULL)
		return fail(err, errlen, r, rb->n, "out of memory");
	cur = nr->strs;
	for (size_t i = 0; i < NELEM(str); i++) {
		if (*str[i] == NULL)
			continue;
		len = strlen(*str[i]) + 1;
		memcpy(cur, *str[i], len);
		*str[i] = cur;
		cur += len;
	}
	nr->spec = t;
	nr->complex = t.app != NULL || t.category != NULL ||
	    t.dst.kind == RULE_DOMAIN;
	rb->v[rb->n++] = nr;
	return 0;
}

size_t
rules_count(const struct rules *rb)
{
	return rb->n;
}

const struct rule_spec *
rules_get(const struct rules *rb, size_t i)
{
	return i < rb->n ? &rb->v[i]->spec : NULL;
}

int
rules_is_complex(const struct rules *rb, size_t i)
{
	return i < rb->n ? rb->v[i]->complex : 0;
}

/* ASCII only, not the locale's idea of letters: domains are ASCII (IDNs
 * travel as punycode). */
static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
ieq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != lower(b[i]))
			return 0;
	return 1;
}

/* d is name itself or under it: a whole-label suffix, not a string one. */
static int
domain_match(const char *d, const char *name)
{
	size_t dl, nl = strlen(name);

	if (d == NULL)
		return 0;
	dl = strlen(d);
	if (dl > 0 && d[dl - 1] == '.')
		dl--;
	if (nl > 0 && name[nl - 1] == '.')
		nl--;
	if (nl == 0)		/* "." is the root, above every name */
		return 1;
	if (dl < nl || !ieq(d + dl - nl, name, nl))
		return 0;
	return dl == nl || d[dl - nl - 1] == '.';
}

/* A DOMAIN is not a simple part: it passes here and is judged later. */
static int
ep_match(const struct rule_ep *e, const char *site, uint32_t addr,
    const struct rule_flow *f)
{
	switch (e->kind) {
	case RULE_SITE:
		return site != NULL && strcmp(site, e->name) == 0;
	case RULE_SUBNET:
	case RULE_HOST:
		return ((addr ^ e->addr) & inet_mask(e->prefix)) == 0;
	case RULE_INTERNET:
		return f->dst_site == NULL;
	default:
		return 1;
	}
}

static int
simple_match(const struct rule_spec *s, const struct rule_flow *f)
{
	if (s->proto != 0 && s->proto != f->proto)
		return 0;
	if ((s->port_lo != 0 || s->port_hi != 0) &&
	    (f->dport < s->port_lo || f->dport > s->port_hi))
		return 0;
	return ep_match(&s->src, f->src_site, f->src_addr, f) &&
	    ep_match(&s->dst, f->dst_site, f->dst_addr, f);
}

static int
complex_match(const struct rule_spec *s, const struct rule_flow *f)
{
	if (s->app != NULL && (f->app == NULL || strcmp(s->app, f->app) != 0))
		return 0;
	if (s->category != NULL && (f->category == NULL ||
	    strcmp(s->category, f->category) != 0))
		return 0;
	return s->dst.kind != RULE_DOMAIN ||
	    domain_match(f->domain, s->dst.name);
}

int
rules_match(const struct rules *rb, const struct rule_flow *f, int at_pop)
{
	for (size_t i = 0; i < rb->n; i++) {
		const struct rule *r = rb->v[i];

		if (!simple_match(&r->spec, f))
			continue;
		if (!r->complex)
			return (int)i;
		if (!at_pop)
			return RULES_AT_POP;
		if (complex_match(&r->spec, f))
			return (int)i;
	}
	return RULES_DEFAULT;
}

int
rules_stopped_at(const struct rules *rb, const struct rule_flow *f)
{
	for (size_t i = 0; i < rb->n; i++)
		if (simple_match(&rb->v[i]->spec, f))
			return rb->v[i]->complex ? (int)i : -1;
	return -1;
}

void
rules_default_action(struct rule_action *a)
{
	memset(a, 0, sizeof(*a));
	a->primary = RULE_TR_CLOUD;
	a->secondary = RULE_SEC_AUTO;
	a->optimize = RULE_OPT_NONE;
	a->link = -1;
	a->priority = 255;
}

static const char *
name_of(const char *const *names, size_t n, int v)
{
	return v >= 0 && (size_t)v < n ? names[v] : "?";
}

static int
parse_of(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; s != NULL && i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
rule_transport_name(enum rule_transport t)
{
	return name_of(transport_names, NELEM(transport_names), (int)t);
}

int
rule_transport_parse(const char *s)
{
	return parse_of(transport_names, NELEM(transport_names), s);
}

const char *
rule_secondary_name(enum rule_secondary s)
{
	return name_of(secondary_names, NELEM(secondary_names), (int)s);
}

int
rule_secondary_parse(const char *s)
{
	return parse_of(secondary_names, NELEM(secondary_names), s);
}

const char *
rule_optimize_name(enum rule_optimize o)
{
	return name_of(optimize_names, NELEM(optimize_names), (int)o);
}

int
rule_optimize_parse(const char *s)
{
	return parse_of(optimize_names, NELEM(optimize_names), s);
}
