/*
 * The Socket's insides, shared by socket.c (links, PoPs, placement, the
 * packet path) and socket_offcloud.c (the off-cloud mesh and WAN
 * recovery).  Private to those two files.
 */
#ifndef SASEBED_WAN_SOCKET_IMPL_H
#define SASEBED_WAN_SOCKET_IMPL_H

#include "wan/socket.h"

#define DUP_RING 1024
/* The shaper runs this fraction (1/200) below the line: the tunnel's
 * keepalives and handshakes go on the wire without passing it (probes are
 * charged to it), and at exactly the line rate the least of them would
 * leave a standing queue in the modem that never drains. */
#define SOCKET_SHAPE_HEADROOM 200
/* A new PoP that has not answered within this long counts as failed. */
#define CONNECT_TIMEOUT (15 * SB_S)

enum lstate { L_DOWN = 0, L_HEALTHY, L_UNHEALTHY };
enum lev { EV_UP, EV_DOWN, EV_OK, EV_BAD };

struct slink {
	struct socket *s;
	unsigned idx;
	struct socket_link_cfg cfg;
	char *name;
	enum lstate state;
	int silent;                /* last window: no probe answered */
	sb_time last_rtt;          /* last window's mean round trip, -1 none */
	double last_loss;          /* and its loss */
	int ever_up;
	sb_time eligible_at;       /* fallback hold: not placed on before */
	/* Off-cloud judges by quality only (silence towards the PoP says
	 * nothing of the way to another site): the last evaluation's
	 * verdict, kept while the link is down, and its own hold. */
	int last_bad;              /* a threshold missed, silence aside */
	sb_time oc_eligible_at;
	struct health *h;
	struct popsel *ps;
	int pop;
	sb_time move_at;           /* a PoP move began; SB_TIME_NEVER: none */
	int move_from;
	uint32_t probe_seq;
	int cand[POPSEL_MAX];      /* candidate PoPs, pinged */
	unsigned ncand;
	sb_time ping_at[POPSEL_MAX]; /* this round's ping, SB_TIME_NEVER once
	                              answered */
	uint32_t ping_round;
	unsigned ping_answers;     /* answers in this round */
	struct qos *q;
	sb_timer hold_timer, connect_timer, ping_timer;
	struct socket_link_stats st;
};

/* Why a flow goes the way it goes: told in a flow-transport event when
 * it changes for a flow that asked for off-cloud or went off-cloud. */
enum why {
	W_UNSET = 0,
	W_CLOUD,                   /* its rule's transport, the cloud */
	W_OFF,                     /* off-cloud, as asked */
	W_VIA_POP,                 /* off-cloud asked: a complex rule */
	W_FTP,                     /* off-cloud asked: FTP passive */
	W_NOT_PEER,                /* off-cloud asked: no mesh to the site */
	W_SAME_IP,                 /* off-cloud asked: behind one address */
	W_NO_TUNNEL,               /* off-cloud asked: no tunnel can send */
	W_RECOVERY                 /* the cloud is lost: off-cloud */
};

/* Where a flow goes. */
enum via { VIA_CLOUD = 0, VIA_OFF, VIA_DROP };

struct sflow {
	uint64_t key;              /* 0: free */
	sb_time last;
	int16_t link;              /* on the transport `oc` says */
	int16_t rule;
	int16_t peer;              /* index in peer[], or -1 */
	int8_t rlink;              /* off-cloud: the peer's link, or -1 */
	uint8_t oc;                /* link is an off-cloud placement */
	uint8_t counted;           /* counted among off-cloud flows */
	uint8_t why;               /* enum why */
	uint32_t salt;             /* spreads moves over the drain time */
};

struct dup {
	struct sb_packet *p;
	sb_time due;
	uint8_t link, prio;
};

/* A site of the off-cloud mesh, as this Socket sees it. */
struct speer {
	struct socket_peer cfg;
	char *name;
	uint8_t up[SOCKET_MAX_LINKS][SOCKET_MAX_LINKS];   /* [link][rlink] */
	uint8_t same_ip[SOCKET_MAX_LINKS][SOCKET_MAX_LINKS];
	unsigned pairs;            /* pairs of enabled links, blocked or not */
	unsigned blocked;          /* of those, behind one public IP */
	unsigned nup;              /* tunnels up */
	unsigned mask;             /* its placement set: our links */
	sb_time mask_at;
	uint8_t rorder[SOCKET_MAX_LINKS]; /* its enabled links, best first */
	unsigned nr;
	struct socket_peer_stats st;
};

struct socket {
	const struct sb_platform *pf;
	struct socket_cfg cfg;
	char *name;
	struct slink link[SOCKET_MAX_LINKS];
	unsigned nlinks;
	unsigned mask;             /* the placement set */
	sb_time mask_at;           /* when it last changed */
	int on_primary;            /* the set holds the best precedence */
	struct sflow *flows;
	unsigned nflows;
	uint64_t *hits;
	struct rule_action def;    /* for flows no rule names */
	struct dup *ring;          /* DUP_RING; allocated at the first copy */
	unsigned dhead, dn;
	sb_timer probe_timer, eval_timer, dup_timer;
	sb_time next_eval;
	struct speer *peer;        /* the off-cloud mesh's other sites */
	unsigned npeers;
	int had_cloud;             /* a PoP tunnel has been up */
	int recovering;            /* WAN recovery: the cloud is lost */
	sb_time recovery_at;
	struct socket_stats st;
};

static inline sb_time
now(const struct socket *s)
{
	return sb_now(s->pf);
}

static inline void
emit(struct socket *s, const char *kind, const char *subject,
    const char *detail, double value)
{
	struct sb_event ev = { kind, s->name, subject, detail, value };

	s->pf->ops->emit(s->pf->ctx, &ev);
}

/* socket.c: the placement set of links whose state, as `view` sees it,
 * allows new flows; a draw weighted by bandwidth over a set; the flow's
 * link on a set (kept, drained off or placed anew). */
struct lview {
	enum lstate state;
	sb_time eligible_at;
};
typedef struct lview (*view_fn)(const struct socket *s, unsigned j,
    const void *arg);
unsigned socket_mask(const struct socket *s, sb_time t, view_fn view,
    const void *arg, int healthy_only);
int socket_place(struct socket *s, struct sflow *e, unsigned m,
    sb_time mask_at, int gone, enum rule_optimize o);

/* socket_offcloud.c */
int offcloud_new(struct socket *s, char *err, size_t errlen);
void offcloud_free(struct socket *s);
void offcloud_start(struct socket *s);
void offcloud_reconsider(struct socket *s);
enum via offcloud_decide(struct socket *s, struct sflow *e,
    const struct rule_flow *f, const struct rule_action *a);
int offcloud_output(struct socket *s, struct sflow *e,
    const struct rule_action *a, struct sb_packet *p);
int offcloud_peer(const struct socket *s, const char *site);

#endif
