/*
 * The PoP's firewalls: two ordered rule bases, the WAN firewall for
 * traffic between the network's own sites and the Internet firewall for
 * traffic from a site to the Internet.  A rule names what it matches and
 * an action: allow, block, or allow with inspection (the PoP's security
 * inspection stage then processes the traffic; a plain allow skips it).
 * The first rule that matches decides; a flow no rule matches meets the
 * rule base's implicit last rule:
 *
 *   WAN firewall       implicit block: the sites of one network reach each
 *                      other only where a rule says so (a list of what is
 *                      allowed; a site added later reaches nothing until a
 *                      rule lets it).
 *   Internet firewall  implicit allow with inspection: what the Internet
 *                      holds cannot be listed, so the rules name what to
 *                      block (or let through uninspected) and the rest is
 *                      allowed and inspected, as if there were no firewall.
 *
 * A rule base that was never enabled is not enforced at all: fw_match()
 * says so (-1) and the caller treats the traffic as it would without a
 * firewall.  An enabled rule base with no rules is its implicit rule alone.
 *
 * A rule matches when every field it gives matches; a field is a list of
 * alternatives, any one of which will do, and an empty list is "any":
 * source and destination (a site, a subnet, a host, a user group),
 * application or category (one list: the flow's application is one of the
 * applications or its category one of the categories), and service (a
 * protocol and a destination port range).  On the Internet firewall the
 * destination is on the Internet, so it can be a subnet or a host but
 * not a site or a group.
 *
 * The decision is made once per session (a flow at a PoP) and counted per
 * rule: sessions, packets and bytes.  A block is reported as an event,
 * kind "fw-block", through the caller's platform.  Nothing else is kept
 * per session: the caller holds the rule index that decided it, as a
 * PoP's session table does.
 *
 * It is platform-neutral protocol code: the C library and the platform
 * interface.  It is not a classifier (the PoP's inspection says which
 * application and category a flow is), and it neither drops nor inspects
 * packets itself: the caller carries out the action.  IPv4 only.
 * Matching and counting allocate nothing; matching is a linear walk, fine
 * for the tens of rules a network has.
 */
#ifndef SASEBED_WAN_FIREWALL_H
#define SASEBED_WAN_FIREWALL_H

#include <stddef.h>
#include <stdint.h>

#include "wan/platform.h"

enum fw_base { FW_WAN = 0, FW_INTERNET, FW__BASES };

enum fw_action { FW_ALLOW = 0, FW_BLOCK, FW_INSPECT };

enum fw_ep_kind {
	FW_EP_SITE = 0,	/* a site of this network, by name */
	FW_EP_SUBNET,	/* addr/prefix */
	FW_EP_HOST,	/* addr, a /32 */
	FW_EP_GROUP	/* a user group, by name (a site's or a user's) */
};

struct fw_ep {
	enum fw_ep_kind kind;
	const char *name;	/* SITE or GROUP */
	uint32_t addr;		/* SUBNET or HOST, host order */
	uint8_t prefix;		/* SUBNET; a HOST is /32 */
};

/* A protocol and destination ports, inclusive: proto 0 any, ports 0,0
 * any. */
struct fw_service {
	uint8_t proto;
	uint16_t port_lo, port_hi;
};

struct fw_rule_spec {
	const char *name;	/* required: events and counts name it */
	enum fw_action action;
	const struct fw_ep *src;	size_t nsrc;
	const struct fw_ep *dst;	size_t ndst;
	const char *const *apps;	size_t napps;
	const char *const *categories;	size_t ncategories;
	const struct fw_service *svc;	size_t nsvc;
};

/*
 * What the PoP knows of a flow.  dst_site NULL: the destination is on the
 * Internet.  A group, application or category is NULL when there is none
 * or it is not known; a rule that names one then does not match on it.
 */
struct fw_flow {
	const char *src_site, *dst_site;
	const char *src_group, *dst_group;
	uint32_t src_addr, dst_addr;	/* host order */
	uint8_t proto;
	uint16_t dport;
	const char *app, *category;
	const char *label;	/* the flow's name, for events */
};

/* Per rule, implicit rule included. */
struct fw_counts {
	uint64_t sessions;	/* sessions it decided (hits) */
	uint64_t packets;	/* packets of those sessions */
	uint64_t bytes;
};

struct firewall;

/* Both rule bases, neither enabled; NULL when out of memory. */
struct firewall *fw_new(void);
void fw_free(struct firewall *fw);

/* Enforce rule base b (from now on it ends in its implicit rule). */
void fw_enable(struct firewall *fw, enum fw_base b);
int fw_enabled(const struct firewall *fw, enum fw_base b);

/*
 * Append a copy of r (lists and strings too) as rule base b's last rule
 * but the implicit one, and enable b.  Returns 0, or -1 with a message
 * naming the rule ("rule 'x': ...") when it is invalid: no name, an
 * action or kind out of range, a site or group without a name, a prefix
 * above 32, a port range that runs backwards, a site or group as the
 * destination of the Internet firewall, a name used by another rule of
 * the base or by its implicit rule; or when out of memory.  The copy is
 * tidied as wan/rules.h tidies: a HOST gets prefix 32, a SUBNET loses its
 * host bits.
 */
int fw_add(struct firewall *fw, enum fw_base b, const struct fw_rule_spec *r,
    char *err, size_t errlen);

/* Rules in base b, not counting the implicit one (which is rule number
 * fw_rules(fw, b)). */
size_t fw_rules(const struct firewall *fw, enum fw_base b);
/* Rule i's name and action; i == fw_rules() is the implicit rule
 * ("wan-implicit-block", "internet-implicit-allow"); NULL / -1 past it. */
const char *fw_rule_name(const struct firewall *fw, enum fw_base b, size_t i);
int fw_rule_action(const struct firewall *fw, enum fw_base b, size_t i);

/*
 * The rule of base b that decides f: the first that matches, else the
 * implicit rule (index fw_rules()).  -1 when b is not enabled.  Counts
 * nothing.
 */
int fw_match(const struct firewall *fw, enum fw_base b,
    const struct fw_flow *f);

/*
 * A new session of f at a PoP: fw_match(), counted as a hit of the rule
 * that decides; a block is emitted through pf (when not NULL) as
 * "fw-block" with node `node` (NULL: the platform's own), subject
 * f->label and detail the rule's name, value the rule's position from 1
 * (the implicit rule's is the base's rule count + 1).  Returns what
 * fw_match() returns.
 */
int fw_session(struct firewall *fw, enum fw_base b, const struct fw_flow *f,
    const struct sb_platform *pf, const char *node);

/* A packet of a session rule i of base b decided; i out of range is
 * ignored. */
void fw_packet(struct firewall *fw, enum fw_base b, int i, uint32_t bytes);

/* Rule i's counts (the implicit rule's at fw_rules()), or NULL past it. */
const struct fw_counts *fw_counts(const struct firewall *fw, enum fw_base b,
    size_t i);

/*
 * Names for files and results, and back: "allow", "block",
 * "allow-with-inspection"; "wan", "internet".  Out of range is "?"; _parse
 * returns -1 for an unknown name or NULL.
 */
const char *fw_action_name(enum fw_action a);
int fw_action_parse(const char *s);
const char *fw_base_name(enum fw_base b);

#endif
