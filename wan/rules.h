/*
 * The network rule base: an ordered list of rules, each a match on a flow
 * and the action to take for it (which transport, which link, what
 * priority, what optimisation).  The first rule that matches wins; a flow
 * no rule matches takes the default action.
 *
 * Both the Socket and the PoP hold the same rule base, and the difference
 * between them is what they can know of a flow.  A rule is simple when it
 * names only sites, subnets, hosts, protocol and ports or "the Internet":
 * the Socket evaluates it from the packet and its own routes.  A rule is
 * complex when it names an application, an application category or a
 * domain: only the PoP knows those, after inspection, so a complex rule is
 * evaluated at the PoP.  The Socket walking the list stops at the first
 * complex rule whose simple parts match, since the rules after it must not
 * be taken before it is decided, and sends the flow to the PoP.  Such a
 * flow's traffic therefore goes to the PoP even when the rule names
 * off-cloud transport: the rule is still valid, but it cannot keep its
 * traffic off the cloud.
 *
 * It is platform-neutral protocol code and includes only the C library.
 * It is not a rule file parser (it names the enums for one, and back), not
 * a classifier (the PoP's inspection fills in application, category and
 * domain), and it does not carry out actions or choose links.  IPv4 only.
 * Matching allocates nothing.
 */
#ifndef SASEBED_WAN_RULES_H
#define SASEBED_WAN_RULES_H

#include <stddef.h>
#include <stdint.h>

/* rules_match() results that are not a rule's index. */
#define RULES_DEFAULT	(-1)	/* no rule matched: the default action */
#define RULES_AT_POP	(-2)	/* the Socket cannot decide: send to the PoP */

enum rule_ep_kind {
	RULE_ANY = 0,
	RULE_SITE,	/* a site of this network, by name */
	RULE_SUBNET,	/* addr/prefix */
	RULE_HOST,	/* addr, a /32 */
	RULE_DOMAIN,	/* destination only; the domain and its subdomains */
	RULE_INTERNET	/* destination only; anything not a site */
};

/* One end of a flow as a rule names it. */
struct rule_ep {
	enum rule_ep_kind kind;
	const char *name;	/* SITE or DOMAIN */
	uint32_t addr;		/* SUBNET or HOST, host order */
	uint8_t prefix;		/* SUBNET; HOST is /32 */
};

enum rule_transport {
	RULE_TR_CLOUD = 0,	/* through the PoP */
	RULE_TR_OFF_CLOUD,	/* straight to the other site's Socket */
	RULE_TR_ALT_WAN,	/* the alternative WAN, outside the tunnels */
	RULE_TR_NONE
};
enum rule_secondary { RULE_SEC_AUTO = 0, RULE_SEC_NONE, RULE_SEC_CLOUD };
enum rule_optimize { RULE_OPT_NONE = 0, RULE_OPT_LATENCY, RULE_OPT_LOSS };

struct rule_action {
	enum rule_transport primary;
	enum rule_secondary secondary;
	int link;		/* preferred WAN link index, or -1 */
	int precedence;		/* use links of this precedence (1-3), or 0 */
	int priority;		/* bandwidth priority 2-255, lower is higher;
				 * 0 at rules_add() means the default, 255 */
	enum rule_optimize optimize;
	int mitigate_loss;	/* packet loss mitigation (duplication) */
	int tcp_accel;
};

struct rule_spec {
	const char *name;
	struct rule_ep src;	/* ANY, SITE, SUBNET or HOST */
	struct rule_ep dst;	/* any kind */
	const char *app;	/* NULL: any application */
	const char *category;	/* NULL: any category */
	uint8_t proto;		/* 0 any, 6 TCP, 17 UDP, ... */
	uint16_t port_lo;	/* destination ports, inclusive; 0,0: any */
	uint16_t port_hi;
	struct rule_action act;
};

/*
 * What is known of a flow.  dst_site NULL: the destination is on the
 * Internet.  domain, app and category are NULL when not known, as they
 * always are at the Socket.
 */
struct rule_flow {
	const char *src_site, *dst_site;
	uint32_t src_addr, dst_addr;	/* host order */
	uint8_t proto;
	uint16_t sport, dport;
	const char *domain, *app, *category;
	uint8_t ftp_passive;	/* FTP passive-mode data (the Socket follows
				 * the control connection's PASV reply) */
	const char *label;	/* the owner's name for the flow, for events;
				 * may be NULL */
};

struct rules;

/* An empty rule base, or NULL when out of memory. */
struct rules *rules_new(void);
/* Free the rule base and every rule in it; NULL is harmless. */
void rules_free(struct rules *rb);

/*
 * Append a copy of r (strings too) as the last rule.  Returns 0, or -1
 * with a message naming the rule ("rule 'backup': ...", or by index when
 * it has no name) when it is invalid: TCP acceleration on with an
 * off-cloud primary, priority outside 2-255, precedence outside 0-3, a
 * link below -1, port_lo above port_hi, a prefix above 32, a domain or the
 * Internet as a source, a site or domain without a name, an enum value out
 * of range; or when out of memory.  The copy is tidied: priority 0 becomes
 * 255, a HOST gets prefix 32, a SUBNET loses its host bits, an empty app
 * or category becomes NULL, and fields the kind does not use are cleared.
 */
int rules_add(struct rules *rb, const struct rule_spec *r, char *err,
    size_t errlen);

size_t rules_count(const struct rules *rb);
/* Rule i as stored, valid until rules_free(); NULL when i is past the end. */
const struct rule_spec *rules_get(const struct rules *rb, size_t i);
/* 1 when rule i names an application, category or domain, else 0 (also
 * when i is past the end). */
int rules_is_complex(const struct rules *rb, size_t i);

/*
 * The first rule that matches f, in order.  at_pop 0 (the Socket): a
 * simple rule that matches decides, and a complex rule whose simple parts
 * match stops the walk with RULES_AT_POP; f's domain, app and category are
 * not looked at.  at_pop 1 (the PoP): every field is evaluated; an app,
 * category or domain rule matches only when the flow's field is known and
 * equal, a domain rule matching the domain and its subdomains ("example.com"
 * matches "www.example.com", not "badexample.com"; letter case and a final
 * dot do not count).  Returns the rule's index, RULES_DEFAULT or
 * RULES_AT_POP.
 */
int rules_match(const struct rules *rb, const struct rule_flow *f,
    int at_pop);

/* The complex rule a Socket's walk stops at for f (rules_match() with
 * at_pop 0 returning RULES_AT_POP): its index, else -1. */
int rules_stopped_at(const struct rules *rb, const struct rule_flow *f);

/* Cloud, automatic secondary, no preferred link or precedence, priority
 * 255, no optimisation, mitigation or acceleration. */
void rules_default_action(struct rule_action *a);

/*
 * Names for files and results, and back: "cloud", "off-cloud", "alt-wan",
 * "none"; "automatic", "none", "cloud"; "none", "latency", "loss".  A value
 * out of range is named "?"; _parse returns -1 for an unknown name or NULL.
 */
const char *rule_transport_name(enum rule_transport t);
int rule_transport_parse(const char *s);
const char *rule_secondary_name(enum rule_secondary s);
int rule_secondary_parse(const char *s);
const char *rule_optimize_name(enum rule_optimize o);
int rule_optimize_parse(const char *s);

#endif
