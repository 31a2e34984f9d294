/*
 * The Socket: an edge device's steering and failover logic.  It knows its
 * WAN links (precedence 1 active, 2 passive, 3 last resort), watches each
 * link's tunnel (up or down, from the tunnel's own dead-peer detection)
 * and its health (probes through the tunnel, judged every evaluation
 * interval against loss, jitter and latency thresholds), places each new
 * flow on a link, moves flows when links fail or degrade, holds back
 * before falling back, duplicates packets where a rule asks for loss
 * mitigation, shapes each link by priority and picks each link's PoP.
 *
 * It is real protocol code under the platform interface: time, timers,
 * randomness and events are the platform's.  It does not own the tunnels:
 * whoever does (the simulator's world, the emulator's daemon) tells it of
 * their state and probe replies and carries out its decisions through the
 * ops below: send a packet into link j's tunnel, probe it, ping a
 * candidate PoP, connect link j to another PoP.
 *
 * Off-cloud (socket_offcloud.c): a Socket whose site is in the off-cloud
 * mesh keeps a tunnel from each of its enabled links to each enabled link
 * of every other site in the mesh, straight over the Internet, and sends
 * there the flows whose rule asks for off-cloud transport, and, while it
 * has lost the cloud (every PoP tunnel down), all its traffic to those
 * sites (WAN recovery).
 *
 * A remote user's client (cfg.client) is this same code on one link
 * from a laptop or phone: it pings its candidate PoPs, connects to the
 * fastest, and moves to the next best when dead-peer detection says its
 * PoP is gone, but sends no link probes and makes no health verdicts (a
 * client has no other link to steer to; its tunnel's keepalives are its
 * only health check), so a few hundred of them cost little.
 *
 * Flows are told apart by their 5-tuple (struct rule_flow); a flow keeps
 * its link for its life unless that link fails.  The flow table is sized
 * at creation and never grows: a new flow that finds the 16 slots it may
 * take all in use recycles the longest idle of them (that flow is simply
 * placed again when it next sends).
 */
#ifndef SASEBED_WAN_SOCKET_H
#define SASEBED_WAN_SOCKET_H

#include <stddef.h>
#include <stdint.h>

#include "wan/health.h"
#include "wan/packet.h"
#include "wan/platform.h"
#include "wan/popsel.h"
#include "wan/qos.h"
#include "wan/rules.h"

#define SOCKET_MAX_LINKS 8

/* Defaults from the product documentation: links judged every 10 s, at
 * least 10 s before falling back; loss mitigation's single-link copy 5 ms
 * behind.  The probe interval is ours: 10 ms gives a 10-s window a
 * thousand samples, enough to tell 1% one-way loss from 4% (health.h). */
#define SOCKET_EVAL_DEFAULT (10 * SB_S)
#define SOCKET_HOLD_DEFAULT (10 * SB_S)
#define SOCKET_PROBE_DEFAULT (10 * SB_MS)
#define SOCKET_DRAIN_DEFAULT (5 * SB_S)
#define SOCKET_DUP_GAP (5 * SB_MS)
#define SOCKET_FLOWS_DEFAULT 4096
/* At the start each link pings its candidate PoPs and connects to the
 * fastest as soon as all have answered, or when this wait is over. */
#define SOCKET_PING_WAIT (1 * SB_S)

struct socket_link_cfg {
	const char *name;
	int precedence;            /* 1 active, 2 passive, 3 last resort */
	uint64_t up_bps;           /* placement weight and shaping rate; 0:
	                              unknown (weight 1, no shaping) */
	int shape;                 /* shape at up_bps (QoS) */
	uint32_t overhead;         /* bytes a packet gains on the wire (the
	                              tunnel's headers), for the shaper */
	const int *pops;           /* candidate PoPs, preference order */
	unsigned npops;
	int off_cloud;             /* may carry off-cloud traffic */
	uint32_t public_addr;      /* as the PoP sees it: learned, or static */
};

/* Another site of the off-cloud mesh, as the management plane tells its
 * Sockets: its links' precedence, switch and public address. */
struct socket_peer_link {
	const char *name;
	int precedence;
	int off_cloud;
	uint32_t public_addr;
};

struct socket_peer {
	const char *name;          /* the site, as flows name it (dst_site) */
	int id;                    /* the owner's number for it, in the ops */
	unsigned nlinks;
	struct socket_peer_link links[SOCKET_MAX_LINKS];
};

struct socket_ops {
	/* Put p into link j's tunnel; takes ownership. */
	int (*send)(void *ctx, unsigned link, struct sb_packet *p);
	/* Probe link j's tunnel (tunnel_probe): the bytes it took on the
	 * wire, or -1 when the tunnel is not up. */
	int (*probe)(void *ctx, unsigned link, uint32_t seq);
	/* Send an echo (ICMP-style) over link j to candidate PoP pop; its
	 * answer comes back through socket_ping_reply().  -1: not sent.  May
	 * be NULL: the first connection then goes to the nearest candidate
	 * unmeasured, and later moves know only the PoPs used before. */
	int (*ping)(void *ctx, unsigned link, int pop, uint32_t seq);
	/* Point link j's tunnel at PoP pop (its handshake starts). */
	void (*connect)(void *ctx, unsigned link, int pop);
	/* A copy of p with the same tags, for duplication; NULL: none.  It
	 * may tag p too (the simulator marks the pair). */
	struct sb_packet *(*copy)(void *ctx, struct sb_packet *p);
	/* The placement set changed (flows towards this site may now arrive
	 * on another link); may be NULL. */
	void (*steer)(void *ctx);
	/* PoP names for events; may be NULL. */
	const char *(*pop_name)(void *ctx, int pop);
	/* Link j was evaluated against PoP pop: what its probes measured,
	 * the thresholds missed (HEALTH_* bits) and its state after; may be
	 * NULL. */
	void (*health)(void *ctx, unsigned link, int pop,
	    const struct health_stats *hs, unsigned bad, const char *state);
	/* Off-cloud; both NULL when the owner has no mesh.  Open (once;
	 * again is harmless) the tunnel from link to peer's link rlink: its
	 * state comes back through socket_offcloud_tunnel().  Send p into
	 * it; takes ownership. */
	void (*oc_open)(void *ctx, int peer, unsigned link, unsigned rlink);
	int (*oc_send)(void *ctx, int peer, unsigned link, unsigned rlink,
	    struct sb_packet *p);
};

/* A bandwidth priority's limit on every shaped link (wan/qos.h). */
struct socket_qos_class {
	uint8_t prio;
	enum qos_limit mode;
	uint64_t rate_bps;
};

struct socket_cfg {
	const char *name;
	const struct socket_link_cfg *links;
	unsigned nlinks;
	struct health_cfg health;
	struct popsel_cfg popsel;
	sb_time eval;              /* 0: defaults, as for the rest */
	sb_time hold;
	sb_time probe;
	sb_time drain;             /* existing flows leave a degraded link
	                              spread over this long */
	unsigned flows;
	const struct socket_qos_class *qos; /* limits, applied by
	                              socket_new(); may be NULL */
	unsigned nqos;
	const struct rules *rules; /* NULL: the default action for all */
	int off_cloud;             /* the site is in the off-cloud mesh */
	int client;                /* a remote user's client: one link, no
	                              probes, no health verdicts */
	const struct socket_peer *peers; /* the mesh's other sites, copied */
	unsigned npeers;
	const struct socket_ops *ops;
	void *ctx;
};

/* Per link, for results. */
struct socket_link_stats {
	uint64_t flows_placed;     /* new flows put on it */
	uint64_t flows_moved_off;  /* flows that left it for another */
	uint64_t pkts, bytes;      /* sent or queued on it (not those its
	                              queue dropped), copies included */
	uint64_t dup_pkts, dup_bytes; /* of those, loss-mitigation copies */
	uint64_t health_changes;
	uint64_t pop_moves;
	uint64_t oc_flows;         /* flows placed on it off-cloud */
	uint64_t oc_pkts, oc_bytes; /* sent on it off-cloud */
};

/* Off-cloud towards one peer site. */
struct socket_peer_stats {
	uint64_t flows, pkts, bytes;
	uint64_t connects, disconnects; /* first tunnel up, last one down */
};

struct socket_stats {
	uint64_t failovers, fallbacks;
	uint64_t no_link;          /* packets with no link to go on */
	uint64_t dropped_none;     /* a rule's transport 'none', or
	                              off-cloud with no secondary */
	uint64_t at_pop;           /* flows whose rule the PoP decides */
	uint64_t flows_recycled;
	uint64_t oc_flows;         /* flows sent off-cloud (recovery too) */
	uint64_t oc_via_pop;       /* off-cloud asked, the PoP decides */
	uint64_t oc_secondary;     /* off-cloud asked, secondary taken */
	uint64_t recovery_flows;   /* cloud flows sent off-cloud in recovery */
	uint64_t recoveries;       /* WAN recoveries begun */
};

struct socket;

struct socket *socket_new(const struct sb_platform *pf,
    const struct socket_cfg *cfg, char *err, size_t errlen);
void socket_free(struct socket *s);

/* Connect every link to its first PoP and begin probing and judging. */
void socket_start(struct socket *s);

/* The owner's news: link j's tunnel went up or down (pop: which PoP it
 * is connected to), and a probe reply came through it. */
void socket_tunnel(struct socket *s, unsigned link, int pop, int up);
void socket_probe_reply(struct socket *s, unsigned link, uint32_t seq,
    uint32_t peer_rx, uint32_t peer_tx);

/* The off-cloud tunnel from link to peer's link rlink went up or down. */
void socket_offcloud_tunnel(struct socket *s, int peer, unsigned link,
    unsigned rlink, int up);

/* Candidate PoP pop answered link j's echo number seq (ops->ping).  Each
 * evaluation pings the candidates again, so a move picks by recent RTTs. */
void socket_ping_reply(struct socket *s, unsigned link, int pop,
    uint32_t seq);

/*
 * A packet of flow f from the LAN: choose its transport (the cloud or
 * off-cloud) and link (and a copy's), queue it by priority and send it
 * into the tunnel.  Takes ownership.  Returns the link it went on, or -1
 * when it was dropped (no link up, or the rule's transport is none, or
 * off-cloud only and none is up).
 */
int socket_output(struct socket *s, const struct rule_flow *f,
    struct sb_packet *p);
/* Ahead of socket_output() for f, for a simulator that sees its events
 * coming: stage 0 fetches the Socket's lines that find f's entry, stage
 * 1 (those in the cache, and f) the entry.  Fetches only. */
void socket_prefetch(const struct socket *s, const struct rule_flow *f,
    int stage);

/* The link a packet towards this site should arrive on: the first link
 * this Socket would place a flow on now (-1: none up), and its PoP. */
int socket_rx_link(const struct socket *s, int *pop);
int socket_link_pop(const struct socket *s, unsigned link);

/* Flows that hit rule i (each counted once), i < rules_count. */
uint64_t socket_rule_hits(const struct socket *s, size_t i);

const struct socket_stats *socket_stats(const struct socket *s);
/* Off-cloud towards the i-th peer of the mesh, and its id; NULL past the
 * last (and always, outside the mesh). */
const struct socket_peer_stats *socket_peer_stats(const struct socket *s,
    unsigned i, int *id);
/* 1 while the Socket is in WAN recovery. */
int socket_recovering(const struct socket *s);
const struct socket_link_stats *socket_link_stats(const struct socket *s,
    unsigned link);
/* Link j's shaper counters for priority prio; NULL when it is not shaped. */
const struct qos_stats *socket_qos_stats(const struct socket *s,
    unsigned link, uint8_t prio);
/* "down", "healthy", "unhealthy" */
const char *socket_link_state_name(const struct socket *s, unsigned link);

#endif
