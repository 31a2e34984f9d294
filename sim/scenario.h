/*
 * A scenario as loaded from its YAML file: the topology, the traffic, the
 * timeline and the expectations, with every value already in base units
 * (ns, bits per second, bytes, fractions) and every name resolved to an
 * index.  The loader (scenario.c) is the only place that knows YAML; the
 * world builder and the reports read only this structure.
 *
 * Every element keeps the place in the file it came from (line, column,
 * both 1-based), so that later errors and expectation outcomes can name it.
 * docs/scenario.md documents the language.
 */
#ifndef SASEBED_SIM_SCENARIO_H
#define SASEBED_SIM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "models/fluid.h"
#include "models/geo.h"
#include "models/jitter.h"
#include "models/loss.h"
#include "models/profile.h"
#include "wan/platform.h"

struct sc_loc {
	unsigned line, col;
};

/* Parameters shared by every kind of link (site WAN link, backbone pair,
 * Internet path).  has_delay is 0 when the delay comes from geography. */
struct sc_linkp {
	uint64_t bandwidth_bps; /* 0: unlimited */
	uint64_t queue_bytes;   /* 0: unlimited */
	int has_delay;
	sb_time delay;
	struct jitter_spec jitter;
	struct loss_spec loss;
	int reorder;
	int profile;            /* index into scenario.profiles, or -1 */
	struct fluid_spec bg[2]; /* background load: 0 up (first end to
	                            second), 1 down; .on 0: none */
};

struct sc_profile {
	char *name;
	struct profile_point *points;
	size_t npoints;
	struct sc_loc loc;
};

/* Security inspection at a PoP: every packet a Socket hands the PoP
 * passes once through all the engines that apply (single pass), waits
 * for the inspection capacity when it is busy, and is dropped when the
 * wait would pass `queue`.  The loader fills queue and every
 * engine_delay[] with their defaults, also for engines not applied and
 * for PoPs without inspection. */
enum sc_engine { SC_ENG_FIREWALL = 0, SC_ENG_IPS, SC_ENG_ANTI_MALWARE,
	SC_ENG_TLS, SC_ENG__COUNT };

struct sc_inspection {
	int enabled;            /* the pop has an `inspection` section */
	uint64_t capacity_bps;  /* 0: no bit-rate limit */
	uint64_t capacity_pps;  /* 0: no packet-rate limit */
	sb_time queue;          /* the longest wait before a drop */
	unsigned engines;       /* bit (1u << SC_ENG_*) per engine applied */
	sb_time engine_delay[SC_ENG__COUNT]; /* per-packet cost of each */
	struct sc_loc loc;
};

struct sc_pop {
	char *name;
	const struct geo_city *city;
	int gateway;            /* PoP it reaches other countries through
	                           (China: Hong Kong), or -1: the full mesh */
	struct sc_inspection insp;
	struct sc_loc loc;
};

/* Places on the Internet that applications reach (SaaS, public apps). */
struct sc_dest {
	char *name;
	const struct geo_city *city;
	int pop;                /* the PoP to egress at, or -1: the PoP
	                           nearest the destination */
	struct sc_loc loc;
};

/* How the PoPs measure the backbone and route over it (0: defaults). */
struct sc_routing {
	sb_time probe;          /* probe interval per backbone link */
	unsigned misses;        /* probes missed in a row: link down */
	sb_time loss_window;    /* loss is measured over this long */
	sb_time loss_weight;    /* cost of 100% loss, added to the delay */
};

enum sc_link_kind { SC_WAN_WIRED = 0, SC_WAN_LTE };

struct sc_site_link {
	char *name;
	enum sc_link_kind kind;
	int precedence;         /* 1 active, 2 passive, 3 last resort */
	char *public_ip;        /* NULL: learned */
	unsigned public_port;   /* with public_ip: a forwarded port; 0:
	                           learned (a random source port) */
	int off_cloud;          /* carries off-cloud traffic: 1 by default,
	                           0 on a last-resort link (precedence 3) */
	struct sc_linkp p;      /* last mile; delay adds to the geography */
	struct sc_loc loc;
};

/* An IPsec site's tunnel: to `pop` from the site's link `link`. */
struct sc_ipsec_tunnel {
	int pop, link;
	struct sc_loc loc;
};

struct sc_prefix {
	uint32_t addr;            /* host order, host bits clear */
	unsigned len;
	struct sc_loc loc;
};

/* An IPsec site (docs/scenario.md, ipsec): a third-party firewall or a
 * cloud VPN gateway, no Socket logic.  Its routes are static (the PoP
 * holds them while the tunnel is up) or learned over BGP in the tunnel. */
#define SC_IPSEC_TUNNELS 2

struct sc_ipsec {
	struct sc_ipsec_tunnel tunnels[SC_IPSEC_TUNNELS];
	size_t ntunnels;
	sb_time dpd;              /* dead-peer detection interval */
	unsigned dpd_misses;
	struct sc_prefix *prefixes; /* beyond the site's LAN /24 */
	size_t nprefixes;
	int bgp;                  /* 1: routes over BGP; 0: static */
	unsigned asn, pop_asn;
	sb_time hold, keepalive;  /* keepalive 0: a third of the hold */
	struct sc_loc loc, bgp_loc;
};

/* A cloud region (docs/scenario.md, cloud): a VPC or VNet attached to
 * one or two PoPs over dedicated links, no Socket and no tunnel.  Its
 * interconnects are the site's links: interconnect k is link k, a wire
 * between the region and PoP pop[k]. */
#define SC_CLOUD_ATTACH 2

struct sc_cloud {
	int pop[SC_CLOUD_ATTACH];
	struct sc_prefix *prefixes; /* beyond the site's LAN /24 */
	size_t nprefixes;
	struct sc_loc loc;
};
/* A remote user's last mile, as `users: last-mile` names it
 * (docs/scenario.md gives the figures and where they come from). */
enum sc_last_mile { SC_LM_HOME_BROADBAND = 0, SC_LM_HOTEL_WIFI, SC_LM_4G,
	SC_LM__COUNT };

struct sc_site {
	char *name;
	const struct geo_city *city;
	int pop;                /* index of a pinned PoP, or -1: the nearest */
	int wrong_key;          /* presents a key the PoPs do not know */
	int auth;               /* SC_AUTH_*, or -1: the tunnels' default */
	int off_cloud;          /* joins the off-cloud mesh; 0 by default */
	/* The group firewall rules match on, or NULL: a site's `group`;
	 * every remote user's (its entry's `group`, else the entry's
	 * name). */
	char *group;
	struct sc_ipsec *ipsec; /* an IPsec site; NULL: a Socket's */
	struct sc_cloud *cloud; /* a cloud region; NULL: not one */
	int ha;                 /* two Sockets, primary and secondary */
	sb_time ha_heartbeat;   /* between them; 0: wan/ha.h's default */
	unsigned ha_misses;     /* heartbeats missed: the peer is lost; 0:
	                           wan/ha.h's default */
	int ha_preempt;         /* the primary takes back over */
	/* A remote user (the `users` section): a laptop or phone with one
	 * link, `access`, of its last mile; its client is the Socket code
	 * in client mode (wan/socket.h).  entry: the users entry's name,
	 * shared by the members of a counted one. */
	int user;
	enum sc_last_mile last_mile;
	char *entry;
	struct sc_site_link *links;
	size_t nlinks;
	struct sc_loc loc;
};

struct sc_backbone_pair {
	int a, b;               /* PoP indices, a != b */
	char *carrier;          /* NULL, or one of parallel links' names */
	struct sc_linkp p;
	struct sc_loc loc;
};

struct sc_internet_path {
	const struct geo_city *a, *b;
	struct sc_linkp p;
	struct sc_loc loc;
};

enum sc_app_kind { SC_APP_UDP_CBR = 0, SC_APP_UDP_POISSON, SC_APP_VOIP,
	SC_APP_WEB, SC_APP_BULK, SC_APP_REPLAY };
enum sc_via { SC_VIA_BACKBONE = 0, SC_VIA_INTERNET };
enum sc_codec { SC_CODEC_G711 = 0, SC_CODEC_G729, SC_CODEC_OPUS };
enum sc_cc { SC_CC_CUBIC = 0, SC_CC_NEWRENO };

/* How a web or bulk application's TCP behaves (0: the default). */
struct sc_tcp {
	enum sc_cc cc;          /* congestion-control: cubic (default) */
	uint64_t rwnd;          /* receive-window, bytes: 4MB */
	uint32_t mss;           /* mss: 0 = the path MTU less the headers
	                           and the tunnel's overhead */
	uint32_t init_cwnd;     /* initial-window, segments: 10 (RFC 6928) */
	sb_time min_rto;        /* min-rto: 1s (RFC 6298 2.4) */
};

struct sc_app {
	char *name;
	enum sc_app_kind kind;
	int src, dst;           /* site indices; src -1 when `from` is a
	                           destination, dst -1 when `to` is one */
	int src_dest;           /* `from` as a destination index, or -1 */
	int dest;               /* `to` as a destination index, or -1 */
	uint64_t rate_bps;      /* udp kinds; voip: the codec's IP rate */
	uint32_t packet_bytes;  /* udp kinds; voip: one IP packet */
	struct sc_tcp tcp;      /* web, bulk */
	/* voip */
	enum sc_codec codec;
	sb_time ptime;          /* packetisation interval: 20ms */
	unsigned calls;         /* concurrent calls: 1 */
	sb_time jitter_buffer;  /* playout delay beyond the fastest
	                           packet: 40ms */
	/* web: pages of `objects` objects fetched over `connections`
	 * parallel connections, a request up and the object down each;
	 * exponential think time between pages */
	unsigned objects;       /* 10 */
	uint64_t object_bytes;  /* 100KB */
	uint64_t request_bytes; /* 400B */
	sb_time think;          /* mean: 10s */
	unsigned connections;   /* 6 */
	unsigned pages;         /* 0: until stop or the end */
	/* bulk */
	uint64_t bytes;         /* size: required */
	/* replay */
	char *trace;            /* the capture, as a path that opens from
	                           where sasebed runs */
	char *filter;           /* a pcap filter expression, or NULL */
	sb_time start, stop;    /* stop: SB_TIME_NEVER for the whole run */
	enum sc_via via;
	int protocol;           /* 17 (udp) unless it says tcp */
	char *app_id, *category, *domain; /* what inspection at a PoP finds */
	int ftp_passive;        /* FTP passive-mode data: never off-cloud */
	struct sc_loc loc;
};

/* Network rules, first match wins (wan/rules.h has the semantics).
 * "cloud" is read as backbone; "internet" is the site's own breakout. */
enum sc_transport { SC_TR_BACKBONE = 0, SC_TR_INTERNET, SC_TR_OFF_CLOUD,
	SC_TR_ALT_WAN, SC_TR_NONE };

struct sc_rule {
	char *name;
	int app;                /* application index, or -1 */
	int src, dst;           /* site indices, or -1 for any */
	int internet;           /* to: internet */
	enum sc_transport transport;
	int secondary;          /* enum rule_secondary */
	int preferred_link;     /* link index in the src site, or -1 */
	int precedence;         /* 0: any */
	int priority;           /* 0: default (255) */
	int optimize;           /* enum rule_optimize */
	int loss_mitigation, tcp_acceleration;
	int protocol;           /* 0 any, 6 tcp, 17 udp */
	unsigned port_lo, port_hi;
	char *app_id, *category, *domain; /* complex: evaluated at the PoP */
	int egress_pop;         /* PoP index to leave the cloud at, or -1 */
	struct sc_loc loc;
};

/* The PoP's firewalls (wan/firewall.h has the semantics).  A rule's
 * ends are lists of alternatives, none meaning any; a destination (DEST)
 * is its address, as a host. */
enum sc_fw_ep_kind { SC_FW_SITE = 0, SC_FW_SUBNET, SC_FW_HOST, SC_FW_GROUP,
	SC_FW_DEST };
enum sc_fw_base { SC_FW_WAN = 0, SC_FW_INTERNET, SC_FW__BASES };

struct sc_fw_ep {
	enum sc_fw_ep_kind kind;
	int idx;                /* SITE: the site, DEST: the destination */
	char *group;            /* GROUP */
	uint32_t addr;          /* SUBNET, HOST: host order */
	unsigned prefix;        /* SUBNET */
};

struct sc_fw_service {
	int protocol;           /* 0 any, 6 tcp, 17 udp */
	unsigned port_lo, port_hi; /* 0, 0: any */
};

struct sc_fw_rule {
	char *name;
	int action;             /* enum fw_action */
	struct sc_fw_ep *src, *dst;
	size_t nsrc, ndst;
	char **apps, **categories; /* app-id and category: one field, either
	                              list matches */
	size_t napps, ncategories;
	struct sc_fw_service *svc;
	size_t nsvc;
	struct sc_loc loc;
};

struct sc_firewall {
	int enabled;            /* the file gives this rule base */
	struct sc_fw_rule *rules;
	size_t nrules;
	struct sc_loc loc;
};

/* What a timeline action or an expectation is about. */
enum sc_target_kind {
	SC_T_NONE = 0,
	SC_T_SITE_LINK,         /* i = site, j = link */
	SC_T_BACKBONE,          /* i, j = PoPs */
	SC_T_INTERNET,          /* i = internet path index */
	SC_T_POP,               /* i = PoP */
	SC_T_FLOW,              /* i = application */
	SC_T_SITE,              /* i = site */
	SC_T_SOCKET,            /* i = site, j = unit: 0 primary, 1
	                           secondary (an HA site's) */
	SC_T_USERS,             /* remote users: sites i .. i + j - 1 */
};

struct sc_target {
	enum sc_target_kind kind;
	int i, j;
};

/* links-down, links-up: an HA unit's own WAN ports lose or regain
 * carrier (socket targets only). */
enum sc_action_kind { SC_ACT_DOWN = 0, SC_ACT_UP, SC_ACT_SET,
	SC_ACT_LINKS_DOWN, SC_ACT_LINKS_UP };

struct sc_action {
	sb_time at;
	enum sc_action_kind kind;
	struct sc_target target;  /* SITE_LINK, BACKBONE, INTERNET, POP or
	                             SOCKET */
	/* SC_ACT_SET: which fields change */
	int set_delay, set_jitter, set_loss, set_bandwidth;
	sb_time delay;
	struct jitter_spec jitter;
	struct loss_spec loss;
	uint64_t bandwidth_bps;
	struct sc_loc loc;
};

enum sc_metric {
	SC_M_LATENCY_MEAN = 0,  /* flow: one-way, ns */
	SC_M_LATENCY_P50,
	SC_M_LATENCY_P95,
	SC_M_LATENCY_P99,
	SC_M_JITTER,            /* flow: RFC 3550 interarrival, ns */
	SC_M_LOSS,              /* flow, link, site: fraction */
	SC_M_THROUGHPUT,        /* flow, link, site: delivered bits/s */
	SC_M_DELIVERED,         /* flow, link, site: packets */
	SC_M_UTILISATION,       /* link: fraction of time busy */
	SC_M_QUEUE_MAX,         /* link: bytes */
	SC_M_DELAY_MEAN,        /* link: propagation + jitter, ns */
	SC_M_FAILOVER_TIME,     /* flow: fault to first packet through by
	                           another route, ns; the longest */
	SC_M_CONVERGENCE_TIME,  /* backbone or pop: fault to the last
	                           routing change it caused, ns; the longest */
	SC_M_QUEUE_DELAY,       /* pop: mean wait for inspection, ns */
	SC_M_BLOCKED,           /* flow: of its packets that met a PoP's
	                           firewall, the fraction blocked (0 when
	                           none met one), fraction */
	SC_M_TAKEOVER_TIME,     /* HA site: a unit's failure to the first
	                           packet through the other's tunnels, ns;
	                           the longest */
	SC_M_OUTAGE_TIME,       /* users: the longest time a user was
	                           without its tunnel, ns (sim/world_users.c) */
	/* from here on, what the applications measure (sim/world_apps.c) */
	SC_M_MOS,               /* voip flow: the worst call's, score */
	SC_M_R_FACTOR,          /* voip flow: the worst call's, score */
	SC_M_PAGE_LOAD_P50,     /* web flow: page load time, ns */
	SC_M_PAGE_LOAD_P95,
	SC_M_COMPLETION_TIME,   /* bulk flow: start to last byte, ns */
	SC_M_GOODPUT,           /* web, bulk: in-order bytes, bits/s */
	SC_M_RETRANSMITS,       /* web, bulk: segments sent again, packets */
	SC_M_RTOS,              /* web, bulk: retransmission timeouts,
	                           packets */
	SC_M__COUNT
};

enum sc_op { SC_OP_BELOW = 0, SC_OP_AT_MOST, SC_OP_ABOVE, SC_OP_AT_LEAST };

struct sc_expect {
	struct sc_target subject; /* FLOW, SITE_LINK (both directions), SITE,
	                             BACKBONE, INTERNET or POP */
	enum sc_metric metric;
	enum sc_op op;
	int bound_is_ref;         /* compare with another subject's metric */
	double bound;             /* base units: ns, fraction, bps, bytes */
	struct sc_target ref;
	sb_time from, to;         /* window; 0 and SB_TIME_NEVER: whole run */
	char *text;               /* the expectation as the user wrote it */
	struct sc_loc loc;
};

enum { SC_AUTH_PSK = 0, SC_AUTH_CERT };

/* How Sockets and PoPs run their tunnels (0: the tunnel's default). */
struct sc_tunnels {
	int auth;                 /* SC_AUTH_*, for sites that do not say */
	int null_cipher;          /* mode: null-cipher instead of dtls */
	sb_time keepalive;
	unsigned misses;
	sb_time rekey;            /* 0: never */
};

/* A bandwidth priority's limit (socket: qos). */
enum sc_qos_limit { SC_QOS_NONE = 0, SC_QOS_ALWAYS, SC_QOS_WHEN_CONGESTED };

struct sc_qos_class {
	int priority;             /* 2-255 */
	int limit;                /* enum sc_qos_limit */
	uint64_t rate_bps;        /* the limit's rate */
};

/* The Sockets' settings (0: wan/socket.h's and wan/health.h's defaults). */
struct sc_socket {
	sb_time eval, hold, probe, drain;
	double loss_max;
	sb_time jitter_max, latency_max, window;
	unsigned pop_candidates;  /* 0: 3 */
	sb_time sla_latency;      /* PoP SLA; 0: none */
	double sla_loss;
	int qos;                  /* shape each link at its bandwidth */
	struct sc_qos_class *classes; /* limits by priority, with qos */
	size_t nclasses;
};

struct scenario {
	char *path;               /* the file it came from */
	char *name;
	char *description;
	uint64_t seed;
	sb_time duration;
	sb_time sample_interval;  /* default 1 s */
	int64_t start_utc_s;      /* UTC seconds at virtual time 0 */
	int start_offset_min;     /* the zone the start was written in */
	double route_inflation;
	double fibre_km_s;

	struct sc_profile *profiles;        size_t nprofiles;
	struct sc_pop *pops;                size_t npops;
	struct sc_linkp backbone_default;
	struct sc_backbone_pair *bb_pairs;  size_t nbb_pairs;
	struct sc_routing routing;
	struct sc_dest *dests;              size_t ndests;
	struct sc_site *sites;              size_t nsites; /* remote users
	                                       last, nusers of them */
	size_t nusers;
	struct sc_tunnels tunnels;
	struct sc_socket socket;
	struct sc_linkp internet_default;
	/* Between a city in mainland China and one outside: the public
	 * cross-border path's defaults (docs/scenario.md cites them). */
	struct sc_linkp internet_cross_border;
	struct sc_internet_path *inet;      size_t ninet;
	struct sc_app *apps;                size_t napps;
	struct sc_rule *rules;              size_t nrules;
	struct sc_firewall firewall[SC_FW__BASES]; /* wan, internet */
	struct sc_action *timeline;         size_t ntimeline; /* sorted by at */
	struct sc_expect *expects;          size_t nexpects;
};

/*
 * Load and validate a scenario file.  On success returns 0 and *out; on
 * failure a negative code and a message in err naming the place
 * ("file.yaml:14:9: link 'wan3': unknown key 'bandwith' (did you mean
 * 'bandwidth'?)"); nothing is allocated then.
 */
int scenario_load(const char *path, struct scenario **out, char *err,
    size_t errlen);

/* The same from text in memory (tests, fuzzing); `path` names it. */
int scenario_load_text(const char *path, const char *text, size_t len,
    struct scenario **out, char *err, size_t errlen);

void scenario_free(struct scenario *sc);

/* Names for results and messages. */
const char *sc_metric_name(enum sc_metric m);
const char *sc_op_name(enum sc_op op);
/* The unit a metric is measured and recorded in: "ns", "fraction", "bps",
 * "bytes", "packets" or "score" (a plain number: MOS, R factor). */
const char *sc_metric_unit(enum sc_metric m);
/* Whether a path between a and b crosses mainland China's border (one
 * end in "CN", the other not; Hong Kong is outside): the paths that
 * internet_cross_border serves. */
int sc_cross_border(const struct geo_city *a, const struct geo_city *b);

/* Is there a backbone link between PoPs a and b?  A full mesh among PoPs
 * with no gateway; a PoP with one links to it and to the PoPs sharing it
 * (China: in-country PoPs meet each other and Hong Kong).  A pair the
 * file declares is always linked. */
int sc_pops_linked(const struct scenario *sc, int a, int b);

/* A subject for people: "flow erp", "link branch/wan1", "backbone a-b". */
void sc_target_name(const struct scenario *sc, const struct sc_target *t,
    char *buf, size_t len);

#endif
