/*
 * Each rule base is an array of rules plus a counts array one longer (the
 * implicit rule's counts last).  A rule owns copies of its lists and of
 * every string in them, so the caller's spec need not outlive fw_add().
 *
 * Invariants, set up by fw_add(): every stored rule has a name unique in
 * its base; SITE and GROUP end points have a non-empty name, others none;
 * a HOST has prefix 32 and a SUBNET's addr has no bits past its prefix;
 * every port range runs forwards.  Matching relies on these.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wan/firewall.h"
#include "wan/inet.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct fw_rule {
	char *name;
	enum fw_action action;
	struct fw_ep *src, *dst;
	size_t nsrc, ndst;
	char **apps, **cats;
	size_t napps, ncats;
	struct fw_service *svc;
	size_t nsvc;
};

struct fw_rb {
	int enabled;
	struct fw_rule *v;
	size_t n, cap;
	struct fw_counts *counts;	/* n + 1: the implicit rule's last */
};

struct firewall {
	struct fw_rb rb[FW__BASES];
};

static const char *const action_names[] = {
	"allow", "block", "allow-with-inspection"
};
static const char *const base_names[] = { "wan", "internet" };
static const char *const implicit_names[] = {
	"wan-implicit-block", "internet-implicit-allow"
};
static const enum fw_action implicit_actions[] = { FW_BLOCK, FW_INSPECT };

static int
fail(char *err, size_t errlen, const char *name, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err == NULL || errlen == 0)
		return -1;
	n = snprintf(err, errlen, "rule '%s': ", name ? name : "");
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}


static void
rule_clear(struct fw_rule *r)
{
	for (size_t i = 0; i < r->nsrc; i++)
		free((char *)r->src[i].name);
	for (size_t i = 0; i < r->ndst; i++)
		free((char *)r->dst[i].name);
	for (size_t i = 0; i < r->napps; i++)
		free(r->apps[i]);
	for (size_t i = 0; i < r->ncats; i++)
		free(r->cats[i]);
	free(r->src);
	free(r->dst);
	free(r->apps);
	free(r->cats);
	free(r->svc);
	free(r->name);
	memset(r, 0, sizeof(*r));
}

struct firewall *
fw_new(void)
{
	struct firewall *fw = calloc(1, sizeof(*fw));

	if (fw == NULL)
		return NULL;
	for (int b = 0; b < FW__BASES; b++)
		if ((fw->rb[b].counts = calloc(1, sizeof(struct fw_counts))) ==
		    NULL) {
			fw_free(fw);
			return NULL;
		}
	return fw;
}

void
fw_free(struct firewall *fw)
{
	if (fw == NULL)
		return;
	for (int b = 0; b < FW__BASES; b++) {
		for (size_t i = 0; i < fw->rb[b].n; i++)
			rule_clear(&fw->rb[b].v[i]);
		free(fw->rb[b].v);
		free(fw->rb[b].counts);
	}
	free(fw);
}

void
fw_enable(struct firewall *fw, enum fw_base b)
{
	if ((unsigned)b < FW__BASES)
		fw->rb[b].enabled = 1;
}

int
fw_enabled(const struct firewall *fw, enum fw_base b)
{
	return (unsigned)b < FW__BASES && fw->rb[b].enabled;
}

static int
check_eps(const struct fw_ep *e, size_t n, int is_dst, enum fw_base b,
    const struct fw_rule_spec *r, char *err, size_t errlen)
{
	const char *w = is_dst ? "destination" : "source";

	if (n > 0 && e == NULL)
		return fail(err, errlen, r->name, "%s list is missing", w);
	for (size_t i = 0; i < n; i++) {
		if ((unsigned)e[i].kind > FW_EP_GROUP)
			return fail(err, errlen, r->name, "%s kind %d is "
			    "unknown", w, (int)e[i].kind);
		if ((e[i].kind == FW_EP_SITE || e[i].kind == FW_EP_GROUP) &&
		    (e[i].name == NULL || *e[i].name == '\0'))
			return fail(err, errlen, r->name, "%s %s has no name",
			    w, e[i].kind == FW_EP_SITE ? "site" : "group");
		if (e[i].kind == FW_EP_SUBNET && e[i].prefix > 32)
			return fail(err, errlen, r->name, "%s prefix /%u is "
			    "longer than 32", w, (unsigned)e[i].prefix);
		if (is_dst && b == FW_INTERNET && (e[i].kind == FW_EP_SITE ||
		    e[i].kind == FW_EP_GROUP))
			return fail(err, errlen, r->name, "the Internet "
			    "firewall's destinations are on the Internet: a "
			    "%s cannot be one", e[i].kind == FW_EP_SITE ?
			    "site" : "group");
	}
	return 0;
}

static int
check_names(const char *const *v, size_t n, const char *what,
    const struct fw_rule_spec *r, char *err, size_t errlen)
{
	if (n > 0 && v == NULL)
		return fail(err, errlen, r->name, "%s list is missing", what);
	for (size_t i = 0; i < n; i++)
		if (v[i] == NULL || *v[i] == '\0')
			return fail(err, errlen, r->name, "%s %zu is empty",
			    what, i + 1);
	return 0;
}

static int
check(const struct fw_rb *rb, enum fw_base b, const struct fw_rule_spec *r,
    char *err, size_t errlen)
{
	if (r->name == NULL || *r->name == '\0')
		return fail(err, errlen, "", "a rule needs a name");
	if ((unsigned)r->action > FW_INSPECT)
		return fail(err, errlen, r->name, "action %d is unknown",
		    (int)r->action);
	if (strcmp(r->name, implicit_names[b]) == 0)
		return fail(err, errlen, r->name, "the name is the implicit "
		    "rule's");
	for (size_t i = 0; i < rb->n; i++)
		if (strcmp(rb->v[i].name, r->name) == 0)
			return fail(err, errlen, r->name, "the name is taken "
			    "by rule %zu", i + 1);
	if (check_eps(r->src, r->nsrc, 0, b, r, err, errlen) < 0 ||
	    check_eps(r->dst, r->ndst, 1, b, r, err, errlen) < 0 ||
	    check_names(r->apps, r->napps, "application", r, err,
	    errlen) < 0 ||
	    check_names(r->categories, r->ncategories, "category", r, err,
	    errlen) < 0)
		return -1;
	if (r->nsvc > 0 && r->svc == NULL)
		return fail(err, errlen, r->name, "service list is missing");
	for (size_t i = 0; i < r->nsvc; i++)
		if (r->svc[i].port_lo > r->svc[i].port_hi)
			return fail(err, errlen, r->name, "port range %u-%u "
			    "runs backwards", (unsigned)r->svc[i].port_lo,
			    (unsigned)r->svc[i].port_hi);
	return 0;
}

/* Copies of n end points, tidied; 0 or -1 (out of memory: what was
 * copied is in *out for rule_clear()). */
static int
copy_eps(const struct fw_ep *e, size_t n, struct fw_ep **out, size_t *nout)
{
	if (n == 0)
		return 0;
	if ((*out = calloc(n, sizeof(**out))) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct fw_ep *c = &(*out)[i];

		c->kind = e[i].kind;
		if (c->kind == FW_EP_SITE || c->kind == FW_EP_GROUP) {
			if ((c->name = strdup(e[i].name)) == NULL)
				return -1;
		} else {
			c->prefix = c->kind == FW_EP_HOST ? 32 : e[i].prefix;
			c->addr = e[i].addr & inet_mask(c->prefix);
		}
		(*nout)++;
	}
	return 0;
}

static int
copy_names(const char *const *v, size_t n, char ***out, size_t *nout)
{
	if (n == 0)
		return 0;
	if ((*out = calloc(n, sizeof(**out))) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (((*out)[i] = strdup(v[i])) == NULL)
			return -1;
		(*nout)++;
	}
	return 0;
}

int
fw_add(struct firewall *fw, enum fw_base b, const struct fw_rule_spec *r,
    char *err, size_t errlen)
{
	struct fw_rb *rb;
	struct fw_rule nr;
	struct fw_counts *c;

	if ((unsigned)b >= FW__BASES)
		return fail(err, errlen, r->name, "rule base %d is unknown",
		    (int)b);
	rb = &fw->rb[b];
	if (check(rb, b, r, err, errlen) < 0)
		return -1;
	if (rb->n == rb->cap) {
		size_t cap = rb->cap ? 2 * rb->cap : 8;
		struct fw_rule *v = realloc(rb->v, cap * sizeof(*v));

		if (v == NULL)
			goto oom;
		rb->v = v;
		rb->cap = cap;
	}
	if ((c = realloc(rb->counts, (rb->n + 2) * sizeof(*c))) == NULL)
		goto oom;
	rb->counts = c;
	memset(&nr, 0, sizeof(nr));
	nr.action = r->action;
	if ((nr.name = strdup(r->name)) == NULL ||
	    copy_eps(r->src, r->nsrc, &nr.src, &nr.nsrc) < 0 ||
	    copy_eps(r->dst, r->ndst, &nr.dst, &nr.ndst) < 0 ||
	    copy_names(r->apps, r->napps, &nr.apps, &nr.napps) < 0 ||
	    copy_names(r->categories, r->ncategories, &nr.cats,
	    &nr.ncats) < 0)
		goto oom_rule;
	if (r->nsvc > 0) {
		if ((nr.svc = malloc(r->nsvc * sizeof(*nr.svc))) == NULL)
			goto oom_rule;
		memcpy(nr.svc, r->svc, r->nsvc * sizeof(*nr.svc));
		nr.nsvc = r->nsvc;
	}
	/* the implicit rule's counts move up one */
	c[rb->n + 1] = c[rb->n];
	memset(&c[rb->n], 0, sizeof(c[rb->n]));
	rb->v[rb->n++] = nr;
	rb->enabled = 1;
	return 0;
oom_rule:
	rule_clear(&nr);
oom:
	return fail(err, errlen, r->name, "out of memory");
}

size_t
fw_rules(const struct firewall *fw, enum fw_base b)
{
	return (unsigned)b < FW__BASES ? fw->rb[b].n : 0;
}

const char *
fw_rule_name(const struct firewall *fw, enum fw_base b, size_t i)
{
	if ((unsigned)b >= FW__BASES || i > fw->rb[b].n)
		return NULL;
	return i < fw->rb[b].n ? fw->rb[b].v[i].name : implicit_names[b];
}

int
fw_rule_action(const struct firewall *fw, enum fw_base b, size_t i)
{
	if ((unsigned)b >= FW__BASES || i > fw->rb[b].n)
		return -1;
	return (int)(i < fw->rb[b].n ? fw->rb[b].v[i].action :
	    implicit_actions[b]);
}

/* An end point with no list matches anything; a group matches only a
 * flow end that has one. */
static int
eps_match(const struct fw_ep *e, size_t n, const char *site,
    const char *group, uint32_t addr)
{
	if (n == 0)
		return 1;
	for (size_t i = 0; i < n; i++) {
		switch (e[i].kind) {
		case FW_EP_SITE:
			if (site != NULL && strcmp(site, e[i].name) == 0)
				return 1;
			break;
		case FW_EP_GROUP:
			if (group != NULL && strcmp(group, e[i].name) == 0)
				return 1;
			break;
		default:
			if (((addr ^ e[i].addr) & inet_mask(e[i].prefix)) == 0)
				return 1;
		}
	}
	return 0;
}

static int
in_list(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; s != NULL && i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

static int
rule_match(const struct fw_rule *r, const struct fw_flow *f)
{
	if (r->napps + r->ncats > 0 && !in_list(r->apps, r->napps, f->app) &&
	    !in_list(r->cats, r->ncats, f->category))
		return 0;
	if (r->nsvc > 0) {
		size_t i;

		for (i = 0; i < r->nsvc; i++) {
			const struct fw_service *s = &r->svc[i];

			if ((s->proto == 0 || s->proto == f->proto) &&
			    ((s->port_lo == 0 && s->port_hi == 0) ||
			    (f->dport >= s->port_lo && f->dport <= s->port_hi)))
				break;
		}
		if (i == r->nsvc)
			return 0;
	}
	return eps_match(r->src, r->nsrc, f->src_site, f->src_group,
	    f->src_addr) && eps_match(r->dst, r->ndst, f->dst_site,
	    f->dst_group, f->dst_addr);
}

int
fw_match(const struct firewall *fw, enum fw_base b, const struct fw_flow *f)
{
	const struct fw_rb *rb;

	if (!fw_enabled(fw, b))
		return -1;
	rb = &fw->rb[b];
	for (size_t i = 0; i < rb->n; i++)
		if (rule_match(&rb->v[i], f))
			return (int)i;
	return (int)rb->n;
}

int
fw_session(struct firewall *fw, enum fw_base b, const struct fw_flow *f,
    const struct sb_platform *pf, const char *node)
{
	int i = fw_match(fw, b, f);

	if (i < 0)
		return i;
	fw->rb[b].counts[i].sessions++;
	if (pf != NULL && fw_rule_action(fw, b, (size_t)i) == FW_BLOCK) {
		struct sb_event ev = {
			.kind = "fw-block", .node = node, .subject = f->label,
			.detail = fw_rule_name(fw, b, (size_t)i),
			.value = (double)(i + 1),
		};
		pf->ops->emit(pf->ctx, &ev);
	}
	return i;
}

void
fw_packet(struct firewall *fw, enum fw_base b, int i, uint32_t bytes)
{
	struct fw_counts *c;

	if ((unsigned)b >= FW__BASES || i < 0 || (size_t)i > fw->rb[b].n)
		return;
	c = &fw->rb[b].counts[i];
	c->packets++;
	c->bytes += bytes;
}

const struct fw_counts *
fw_counts(const struct firewall *fw, enum fw_base b, size_t i)
{
	if ((unsigned)b >= FW__BASES || i > fw->rb[b].n)
		return NULL;
	return &fw->rb[b].counts[i];
}

const char *
fw_action_name(enum fw_action a)
{
	return (unsigned)a < NELEM(action_names) ? action_names[a] : "?";
}

int
fw_action_parse(const char *s)
{
	for (size_t i = 0; s != NULL && i < NELEM(action_names); i++)
		if (strcmp(s, action_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
fw_base_name(enum fw_base b)
{
	return (unsigned)b < NELEM(base_names) ? base_names[b] : "?";
}
