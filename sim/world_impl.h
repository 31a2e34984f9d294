/*
 * The world's insides, private to sim/world*.c: the structs a world is
 * made of and the functions its files share.  Not installed and not for
 * any other module, which see only the opaque world of sim/world.h.
 *
 * The files: world.c builds and frees the world, runs the timeline and
 * starts the run; world_path.c has the chans, the routes and the packet
 * path; world_tunnels.c glues the tunnel code onto them; world_measure.c
 * counts, samples and, at the end, judges the expectations.
 */
#ifndef SASEBED_SIM_WORLD_IMPL_H
#define SASEBED_SIM_WORLD_IMPL_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "models/geo.h"
#include "models/inspect.h"
#include "models/link.h"
#include "sim/world.h"
#include "wan/firewall.h"
#include "wan/ike.h"
#include "wan/packet.h"
#include "wan/platform.h"
#include "wan/pop.h"
#include "wan/rules.h"
#include "wan/socket.h"
#include "wan/tunnel.h"

struct capture;
struct fluid;
struct fluid_spec;
struct ipsite;
struct ike;
struct itun;
struct socket;
struct keylog;
struct meter;
struct pki;
struct psim;
struct tunnel;

#define MAX_HOPS 9
#define DUP_WINDOW 256
#define NONE_ROUTE UINT32_MAX

struct world;

/* A window on a chan: counters at its start, and the largest queue seen. */
struct cwin {
	sb_time from, to;
	struct link_stats at_from, at_to;
	uint64_t queue_max;
};

struct chan {
	struct world *w;
	struct link *l;
	gsl_rng *rng;
	int id;
	char *name;
	int dst_pop;               /* PoP at the far end, or -1 */
	struct chan *rev;          /* the same wire the other way, or NULL */
	int rx_port;               /* backbone: the port it is at dst_pop */
	struct link_stats interval, total;
	struct cwin *wins;
	size_t nwins;
	struct fluid *bg;          /* background load, or NULL */
	gsl_rng *bgrng;
};

/* A hop of a route: a simulated wire, a whole tunnel (its underlay path
 * and both ends) crossed in direction dir, or a PoP's security hop: its
 * firewall when fw is not 0 (1 + the rule base, enum fw_base), else its
 * inspection. */
struct rhop {
	struct chan *c;
	struct wtun *t;
	struct wpop *x;
	unsigned dir;
	unsigned fw;
};

struct route {
	unsigned n;                /* first: read with the first hops */
	struct rhop hop[MAX_HOPS];
};

/*
 * A tunnel between a site's WAN link and a PoP, or (off-cloud) between
 * two sites' WAN links: the real tunnel code at both ends, each end on a
 * platform of its own whose send() puts the datagram on the tunnel's
 * underlay path (the access link, the Internet between the two cities,
 * and for off-cloud the far site's access link) and whose deliver()
 * hands the inner packet back to the flow's route.
 */
#define TUN_PATH 3
#define TUN_PORT_POP 443

struct wtun {
	/* what each datagram reads first (see struct flow) */
	struct world *w;
	struct tunnel *t[2];       /* 0: the client, 1: the server */
	struct chan *path[2][TUN_PATH]; /* 0: from end 0 to end 1, 1: back */
	unsigned npath[2];
	int id, site, link;        /* end 0: a site's link, the client */
	int pop;                   /* end 1: a PoP, or -1 when off-cloud */
	int dead;                  /* its client end's Socket is gone (an
	                              HA unit stopped); its server end is
	                              left to find out */
	int ha;                    /* its site is an HA pair's */
	struct capture *cap[2];    /* each end's link capture, or NULL */

	int peer, plink;           /* off-cloud: end 1, the far site's link */
	char *name;                /* "site/link>pop", "a/link~b/link" */
	struct psim *ps[2];
	gsl_rng *rng[2];
	uint32_t addr[2];          /* underlay addresses of the two ends */
	uint16_t port[2];
	struct itun *itun;         /* an IPsec site's tunnel, or NULL */
	/* An IPsec site's ends, IKEv2 and ESP (wan/ike.c), where t[] is
	 * NULL: 0 the initiator (the site), 1 the responder (the PoP). */
	struct ike *ike[2];
	int gen;                   /* its site's Socket generation */
};

/* A meter that counts only between from and to. */
struct mwin {
	sb_time from, to;
	struct meter *m;
};

/* Loss mitigation's bookkeeping for a flow: a pair is lost only when both
 * copies are; the second copy to arrive is dropped (seq + 1 per slot, 0:
 * none).  Made at the flow's first copy. */
struct dupwin {
	uint64_t seen[DUP_WINDOW], half[DUP_WINDOW];
};

/*
 * A flow.  What each of its packets touches comes first, together, and
 * the rest after: a run of thousands of flows has each flow's fields
 * long out of the cache between two of its packets, and every line the
 * path reads is a wait on memory.
 */
struct flow {
	struct world *w;
	const struct sc_app *sc;   /* the app, or for a return flow (and an
	                              app from a destination) the world's
	                              copy with its ends as this flow has
	                              them */
	struct site *home;         /* the site whose counters it feeds, or
	                              NULL (return flows) */
	struct wapp *app;          /* TCP, voice, replay: their state */
	struct meter *interval, *total;
	struct mwin *wins;
	size_t nwins;
	struct route *routes;
	uint32_t cur;              /* route of the last packet, or NONE_ROUTE */
	int is_rev;                /* the return flow: it takes the mirror
	                              of the forward flow's route */
	/* A fault on the timeline arms a failover watch; the first packet
	 * sent since then that is delivered ends it, and is a failover if it
	 * came by another route than the one in use at the fault. */
	sb_time fault_at;          /* SB_TIME_NEVER: nothing pending */
	uint32_t lroute[SOCKET_MAX_LINKS]; /* route per source link */
	uint32_t iroute;           /* the same for Internet flows */
	uint64_t ltopo[SOCKET_MAX_LINKS];  /* topology it was made for */
	uint64_t topo;             /* the same for Internet flows */
	struct rule_flow rf;       /* its 5-tuple, for the Socket's rules */
	int fw_base;               /* see the firewall's fields below */
	uint64_t npkts;            /* packets sent, for their seq */
	struct traffic *src;
	gsl_rng *rng;
	struct dupwin *dup;        /* NULL until the first copy */
	uint64_t via_cloud, via_oc;  /* packets the Socket sent each way */

	/* the rest */
	int id;
	struct flow *rev;          /* a TCP app's other direction */
	uint32_t mroute_of, mroute; /* forward route mirrored, and its index */
	size_t nroutes, caproutes;
	/* off-cloud: the route per (our link, the peer's link); fixed */
	uint32_t oroute[SOCKET_MAX_LINKS][SOCKET_MAX_LINKS];
	uint64_t dup_discarded;
	int no_route;              /* last attempt found none (event once) */
	int gap;                   /* a no-route since the last route event */
	int egress;                /* a rule's egress PoP, or -1 */
	uint32_t fault_route;
	struct failover *fo;       /* the failovers so far, in time order */
	size_t nfo, capfo;
	/* The PoP's firewall (sim/world_firewall.c): the rule base the flow
	 * passes (enum fw_base, fw_base above) or -1, what the PoP knows of
	 * it, the rule that decided its session and the PoP it was decided
	 * at (-1: none yet), and the packets the firewall passed and
	 * blocked. */
	struct fw_flow ff;
	int fw_rule, fw_pop;
	uint64_t fw_passed, fw_blocked;
};

struct failover {
	sb_time fault_at;          /* when the fault happened */
	sb_time took;              /* until the first packet through sent */
};

struct site_link {
	struct chan *up, *down;
	struct wtun **tun;         /* per PoP, made when first needed */
	struct wtun *cur;          /* the one the Socket uses now */
	struct wtun **oc;          /* off-cloud, [site * SOCKET_MAX_LINKS +
	                              link] of the far end; NULL when the
	                              site is not in the mesh */
	struct capture *cap;
	uint32_t addr;
	uint16_t port;
};

struct site {
	struct world *w;
	int idx;
	const struct sc_site *sc;
	struct site_link *links;
	double *pop_km;            /* distance to each PoP */
	struct meter *total;
	struct mwin *wins;
	size_t nwins;
	gsl_rng *rng;
	struct psim *ps;
	struct socket *sock;       /* the Socket's real logic; NULL at an
	                              IPsec site */
	struct ipsite *ips;        /* an IPsec site's tunnels, or NULL */
	struct psim *sps;          /* its platform */
	gsl_rng *srng;
	int cand[POPSEL_MAX];      /* candidate PoPs, nearest first */
	unsigned ncand;
	int auth;                  /* SC_AUTH_* */
	uint8_t psk[32];
	char *cert_pem, *key_pem;  /* certificate sites */
	struct wha *ha;            /* an HA pair, or NULL */
	int gen;                   /* Sockets started after the first (HA
	                              takeovers); names its tunnels */
	/* A remote user (sim/world_users.c): the outage under way, since
	 * when and from which PoP, and those that ended */
	sb_time out_since;         /* SB_TIME_NEVER: none */
	int out_pop;
	struct outage *outs;
	size_t nouts, capouts;
};

/* A remote user's time without its tunnel: from the fault (or, for a
 * cause the timeline does not name, the last word from its PoP) to its
 * tunnel's coming up again, at the next-best PoP or the same. */
struct outage {
	sb_time at, took;
	int from_pop, to_pop;      /* to_pop -1: not over at the end */
};

struct wpop {
	struct world *w;
	int idx;
	const struct sc_pop *sc;
	int up;
	char *cert_pem, *key_pem;  /* when a site uses certificates */
	gsl_rng *rng;
	struct psim *ps;
	struct pop *agent;         /* its routing code */
	struct chan **port;        /* the agent's port k: the chan out */
	unsigned nports;
	struct inspect *insp;      /* NULL: no inspection */
	struct inspect_stats ins_total, ins_interval;
	struct iwin *iwins;        /* windows expectations ask about */
	size_t niwins;
};

/* A window on a PoP's inspection: its totals at both edges. */
struct iwin {
	sb_time from, to;
	struct inspect_stats at_from, at_to;
};

/* A backbone or PoP change on the timeline and the routing changes that
 * followed it: the routing's convergence time. */
struct bbfault {
	struct sc_target target;   /* SC_T_BACKBONE or SC_T_POP */
	sb_time at;
	sb_time last;              /* the last routing change it caused */
	unsigned changes;
	char what[320];
};

struct inet {
	const struct geo_city *a, *b;
	struct chan *ab, *ba;
};

/* What an expectation compares: resolved at build time. */
struct wexp {
	struct meter *m[2];        /* flow or site subject / reference */
	struct chan *c[2][2];      /* link subject / reference: 2 directions */
	size_t cw[2][2];           /* index of the window in each chan */
};

struct world {
	const struct scenario *sc;
	uint64_t seed;
	struct kernel *k;
	struct recorder *rec;
	struct pool *pool;
	int failed;                /* a recorder write failed */

	struct site *sites;
	struct wpop *pops;
	struct chan **bb;          /* npops x npops: a pair's first link,
	                              NULL on the diagonal and where none */
	struct bbfault *faults;
	size_t nfaults, capfaults;
	struct inet *inet;
	size_t ninet, capinet;
	struct flow *flows;        /* the apps', then return flows */
	size_t nflows;
	struct sc_app *xapps;      /* return and turned-round apps */
	struct wapp *apps;         /* per app; NULL for packet sources */
	struct wexp *wexp;

	struct chan **chans;
	size_t nchans, capchans;

	struct wtun **tuns;
	size_t ntuns, captuns;
	struct rules *rules;       /* the scenario's, for the Sockets */
	struct firewall *fw;       /* the PoPs' firewalls, or NULL: none */
	struct keylog *keylog;
	struct pki *pki;           /* when a site uses certificates */
	gsl_rng *pki_rng;
	char *pcap_dir;
	int64_t epoch_ns;          /* Unix time of virtual time 0 */

	uint64_t topo;
	sb_time last_tick;
	uint64_t sent, delivered, hops;
};

/* A site's LAN address (10.x.y.10, x.y the site's number) and an
 * application's ports: what the inner packets and the rules see. */
static inline uint32_t
lan_addr(int site)
{
	return 0x0a00000au | (uint32_t)(site + 1) << 8;
}

/* A destination's address: 198.18.x.y, the range set aside for network
 * tests, so it is never a site's. */
static inline uint32_t
dest_addr(int dest)
{
	return 0xc6120000u | (uint32_t)(dest + 1);
}

/* A flow's name in the results: its app's, and for a TCP app's return
 * direction the app's with ":return". */
static inline const char *
flow_name(const struct flow *f, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", f->sc->name, f->is_rev ? ":return" : "");
	return buf;
}

/* Where a flow comes from and goes, as its packets say. */
static inline uint32_t
flow_src_addr(const struct sc_app *a)
{
	return a->src >= 0 ? lan_addr(a->src) : dest_addr(a->src_dest);
}

static inline uint32_t
flow_dst_addr(const struct sc_app *a)
{
	return a->dest >= 0 ? dest_addr(a->dest) : lan_addr(a->dst);
}

static inline unsigned
app_sport(int app)
{
	return 20000 + (unsigned)app % 40000;
}

static inline unsigned
app_port(int app)
{
	return 30000 + (unsigned)app % 10000;
}

/* world.c */
void rec_check(struct world *w, int rc);
void emit(struct world *w, const char *kind, const char *node,
    const char *subject, const char *detail, double value);
void psim_emit_cb(void *ctx, sb_time t, const struct sb_event *ev);

/* world_path.c */
void spec_from(const struct world *w, const struct sc_linkp *p, sb_time geo,
    int tz_a, int tz_b, struct link_spec *out);
sb_time geo_between(const struct world *w, const struct geo_city *a,
    const struct geo_city *b);
struct chan *chan_new(struct world *w, const char *name, const char *kind,
    const char *src, const char *dst, const struct link_spec *spec,
    int profile, int dst_pop, char *err, size_t errlen);
void chan_free(struct chan *c);
int chan_background(struct chan *c, const struct fluid_spec *fs, char *err,
    size_t errlen);
struct inet *inet_make(struct world *w, const struct geo_city *a,
    const struct geo_city *b, const struct sc_linkp *p, char *err,
    size_t errlen);
const struct sc_linkp *inet_defaults(const struct world *w,
    const struct geo_city *a, const struct geo_city *b);
struct chan *inet_chan(struct world *w, const struct geo_city *a,
    const struct geo_city *b);
int site_pop(const struct world *w, const struct site *s);
int sock_send(void *ctx, unsigned link, struct sb_packet *p);
int sock_oc_send(void *ctx, int peer, unsigned link, unsigned rlink,
    struct sb_packet *p);
const char *hop_name(const struct rhop *h, char *buf, size_t len);
void flow_lost(struct world *w, struct flow *f, struct sb_packet *p);
void route_continue(struct world *w, struct sb_packet *p);
void flow_send(void *ctx, struct sb_packet *p);
void flows_fault(struct world *w);

/* world_backbone.c */
int build_pops(struct world *w, char *err, size_t errlen);
void free_pops(struct world *w);
void start_pops(struct world *w);
int bb_hops(struct world *w, int a, int b, struct route *r);
int dest_egress(struct world *w, const struct flow *f, int from);
void pop_set_up(struct world *w, int pop, int up);
void backbone_fault(struct world *w, const struct sc_action *act,
    const char *what);
void site_advertise(struct world *w, struct site *s);
void site_prefixes(struct world *w, int pop, int site,
    const struct sc_prefix *px, size_t n, unsigned pref, int handle, int up);
void pop_tunnel(struct wtun *wt, int up);
void backbone_input(struct chan *c, struct sb_packet *p);
void inspect_sample(struct world *w, sb_time now, sb_time span);
void backbone_results(struct world *w);
int pop_window(struct world *w, int pop, sb_time from, sb_time to,
    size_t *idx);
void pop_windows_start(struct world *w);
double pop_expect(struct world *w, const struct sc_expect *e,
    const struct sc_target *t, size_t win, sb_time end);

/* world_tunnels.c */
struct wtun *wtun_make(struct world *w, int si, int j, int pop);
int wtun_connect(struct wtun *wt);
struct socket *site_socket_new(struct world *w, struct site *s,
    const struct sb_platform *pf, char *err, size_t errlen);
void wtun_arrive(struct wtun *wt, struct sb_packet *p);
void wtun_free(struct wtun *wt);
int build_sockets(struct world *w, char *err, size_t errlen);
void free_sockets(struct world *w);
int site_link_tunnel_up(const struct site *s, int link, int pop);
/* Either kind of end, DTLS or IPsec, where either may be met: not on
 * a Socket tunnel's per-packet path. */
void wtun_end_power(struct wtun *wt, int end, int up);
int build_credentials(struct world *w, char *err, size_t errlen);

/* world_ipsec.c */
int build_ipsec(struct world *w, char *err, size_t errlen);
void start_ipsec(struct world *w);
void free_ipsec(struct world *w);
void ipsec_tunnel_state(struct wtun *wt, int end, int up);
int ipsec_deliver(struct wtun *wt, struct sb_packet *p);
int ipsec_pop(const struct site *s);
int ipsec_output(struct site *s, struct sb_packet *p);
void ipsec_results(struct world *w);
/* world_cloud.c: a cloud region's interconnects hold handles of their
 * own at their PoPs, above any tunnel's id. */
#define CLOUD_HANDLE_BASE (1 << 24)
void start_cloud(struct world *w);
void cloud_timeline(struct world *w, const struct sc_action *act);
int cloud_output(struct site *s, struct sb_packet *p);
int cloud_first_hop(struct world *w, const struct site *s, int k,
    struct route *r);
int cloud_last_hop(struct world *w, int handle, struct route *r);
/* world_ha.c */
struct wha;
int build_ha(struct world *w, char *err, size_t errlen);
void start_ha(struct world *w);
void free_ha(struct world *w);
void ha_action(struct world *w, const struct sc_action *act);
void ha_traffic(struct wtun *wt);
double ha_takeover_max(struct world *w, int si, sb_time from, sb_time to);
void ha_results(struct world *w);

/* world_apps.c */
struct wapp;
int apps_count_flows(const struct scenario *sc);
size_t apps_flow_of(const struct scenario *sc, size_t k);
int build_apps(struct world *w, char *err, size_t errlen);
int start_apps(struct world *w);
void free_apps(struct world *w);
void app_deliver(struct flow *f, struct sb_packet *p);
void apps_results(struct world *w, sb_time end);
double app_metric(struct world *w, int app, enum sc_metric m, sb_time end);
int route_mirror(const struct route *r, struct route *out);
void rev_send(struct flow *r, struct sb_packet *p, unsigned hop);
void flow_send_pf(void *ctx, int stage);
void flow_send_at(struct flow *f, struct sb_packet *p, unsigned hop);
int app_leg_end(const struct flow *f, const struct sb_packet *p);

/* world_firewall.c */
int build_firewall(struct world *w, char *err, size_t errlen);
void free_firewall(struct world *w);
void fw_hop(struct world *w, struct flow *f, struct wpop *x,
    struct sb_packet *p);
double fw_blocked_fraction(const struct flow *f, sb_time end);
void firewall_results(struct world *w, sb_time end);
/* world_users.c */
void users_timeline(struct world *w, const struct sc_action *act);
void user_tunnel(struct wtun *wt, int up);
void users_finish(struct world *w, sb_time end);
double users_outage_max(const struct world *w, const struct sc_target *t,
    sb_time from, sb_time to);

/* world_measure.c */
void win_edge(void *a, void *b);
int target_chans(struct world *w, const struct sc_target *t,
    struct chan *c[2]);
int build_expectations(struct world *w, char *err, size_t errlen);
void tick(void *a, void *b);

/*
 * A tunnel end of either kind: a Socket's or an off-cloud pair's (DTLS,
 * t[]), or an IPsec site's (IKEv2 and ESP, ike[], t[] NULL).  Inline, on
 * every packet's way: the common kind is asked first.
 */
static inline int
wtun_end_up(const struct wtun *wt, int end)
{
	if (wt->t[end] != NULL)
		return tunnel_state(wt->t[end]) == TUNNEL_UP;
	return wt->ike[end] != NULL && ike_state(wt->ike[end]) == IKE_UP;
}

static inline int
wtun_end_send(struct wtun *wt, int end, struct sb_packet *p)
{
	if (wt->t[end] != NULL)
		return tunnel_send(wt->t[end], p);
	return ike_send(wt->ike[end], p);
}

#endif
