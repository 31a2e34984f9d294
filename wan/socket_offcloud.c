/*
 * The Socket's off-cloud side (socket.h): the mesh of tunnels to the other
 * sites' Sockets over the Internet, which flows take it and on which link,
 * and WAN recovery.
 *
 * The rules it carries out are the product documentation's:
 *
 *  - one tunnel per pair of enabled links (ours, the peer's); links of
 *    precedence 3 are never enabled (the loader sees to that), and two
 *    links behind the same public address cannot reach each other;
 *  - a rule with off-cloud transport sends its flows here when it can;
 *    when it cannot (FTP passive, a site outside the mesh, no tunnel
 *    able to send) they take the rule's secondary: the cloud, or nothing;
 *    a complex rule is the PoP's to decide, so its flows go to the PoP;
 *  - off-cloud flows go on links by the same link states as the cloud's
 *    (thresholds judged each evaluation, the fallback hold, the drain),
 *    but only healthy ones with a tunnel up to the peer: no healthy link,
 *    and the secondary takes over;
 *  - at the far end a flow enters the peer's best link (by precedence)
 *    with a tunnel up from ours.  Each side picks its own sending link, so
 *    the two directions of a pair of flows may take different tunnels;
 *  - WAN recovery: with every PoP tunnel down (after one was up), flows
 *    to mesh sites go off-cloud until a PoP tunnel is back.
 *
 * It judges no link of its own: link health is the PoP probes' (one
 * measure of the last mile); the off-cloud tunnels' own liveness is their
 * keepalives'.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wan/socket_impl.h"

int
offcloud_new(struct socket *s, char *err, size_t errlen)
{
	const struct socket_cfg *c = &s->cfg;

	if (!c->off_cloud || c->npeers == 0 || c->ops->oc_open == NULL ||
	    c->ops->oc_send == NULL) {
		s->cfg.peers = NULL;
		s->cfg.npeers = 0;
		return 0;
	}
	for (unsigned i = 0; i < c->npeers; i++)
		if (c->peers[i].nlinks > SOCKET_MAX_LINKS) {
			snprintf(err, errlen, "socket '%s': peer '%s' has %u "
			    "links (at most %d)", s->name, c->peers[i].name,
			    c->peers[i].nlinks, SOCKET_MAX_LINKS);
			return -1;
		}
	if ((s->peer = calloc(c->npeers, sizeof(*s->peer))) == NULL)
		goto oom;
	s->npeers = c->npeers;
	for (unsigned i = 0; i < c->npeers; i++) {
		struct speer *pr = &s->peer[i];

		/* the strings are copied; until then, none to free */
		pr->cfg = c->peers[i];
		pr->cfg.name = NULL;
		for (unsigned k = 0; k < pr->cfg.nlinks; k++)
			pr->cfg.links[k].name = NULL;
		if ((pr->name = strdup(c->peers[i].name)) == NULL)
			goto oom;
		pr->cfg.name = pr->name;
		for (unsigned k = 0; k < pr->cfg.nlinks; k++)
			if ((pr->cfg.links[k].name = strdup(
			    c->peers[i].links[k].name)) == NULL)
				goto oom;
		/* its enabled links, best precedence first, file order
		 * among equals */
		for (int prec = 1; prec <= 3; prec++)
			for (unsigned k = 0; k < pr->cfg.nlinks; k++)
				if (pr->cfg.links[k].off_cloud &&
				    pr->cfg.links[k].precedence == prec)
					pr->rorder[pr->nr++] = (uint8_t)k;
		for (unsigned j = 0; j < s->nlinks; j++) {
			if (!s->link[j].cfg.off_cloud)
				continue;
			for (unsigned x = 0; x < pr->nr; x++) {
				unsigned k = pr->rorder[x];
				uint32_t a = s->link[j].cfg.public_addr;

				pr->pairs++;
				pr->same_ip[j][k] = a != 0 &&
				    a == pr->cfg.links[k].public_addr;
				pr->blocked += pr->same_ip[j][k];
			}
		}
	}
	s->cfg.peers = NULL;   /* copied */
	return 0;
oom:
	snprintf(err, errlen, "socket '%s': out of memory", s->name);
	return -1;
}

void
offcloud_free(struct socket *s)
{
	for (unsigned i = 0; s->peer != NULL && i < s->npeers; i++) {
		free(s->peer[i].name);
		for (unsigned k = 0; k < s->peer[i].cfg.nlinks; k++)
			free((char *)s->peer[i].cfg.links[k].name);
	}
	free(s->peer);
}

/* Open a tunnel for every pair of enabled links that can have one, and
 * say which cannot. */
void
offcloud_start(struct socket *s)
{
	char d[160];

	for (unsigned i = 0; i < s->npeers; i++) {
		struct speer *pr = &s->peer[i];

		for (unsigned j = 0; j < s->nlinks; j++) {
			if (!s->link[j].cfg.off_cloud)
				continue;
			for (unsigned x = 0; x < pr->nr; x++) {
				unsigned k = pr->rorder[x];

				if (!pr->same_ip[j][k]) {
					s->cfg.ops->oc_open(s->cfg.ctx,
					    pr->cfg.id, j, k);
					continue;
				}
				snprintf(d, sizeof(d), "%s and %s/%s are behind "
				    "the same public IP: no off-cloud tunnel",
				    s->link[j].cfg.name, pr->name,
				    pr->cfg.links[k].name);
				emit(s, "off-cloud-same-ip", pr->name, d, 0);
			}
		}
	}
}

int
offcloud_peer(const struct socket *s, const char *site)
{
	for (unsigned i = 0; site != NULL && i < s->npeers; i++)
		if (strcmp(s->peer[i].name, site) == 0)
			return (int)i;
	return -1;
}

/* Does link j have a tunnel up to the peer? */
static int
link_reaches(const struct speer *pr, unsigned j)
{
	for (unsigned x = 0; x < pr->nr; x++)
		if (pr->up[j][pr->rorder[x]])
			return 1;
	return 0;
}

/*
 * Our links as off-cloud towards one peer sees them: down without a
 * tunnel up to it; unhealthy when the last evaluation found the link
 * missing a threshold (kept while its PoP tunnel is down: nothing judges
 * it then); else healthy, after a hold that follows only a fault of
 * quality.  Silence towards the PoP is no verdict on the way to another
 * site: a dead PoP leaves off-cloud alone, and a dead line shows in the
 * off-cloud tunnels' own keepalives.
 */
static struct lview
oc_view(const struct socket *s, unsigned j, const void *arg)
{
	const struct speer *pr = arg;
	const struct slink *l = &s->link[j];

	if (!l->cfg.off_cloud || !link_reaches(pr, j))
		return (struct lview){ L_DOWN, 0 };
	if ((l->state == L_UNHEALTHY && !l->silent) ||
	    (l->state == L_DOWN && l->last_bad))
		return (struct lview){ L_UNHEALTHY, l->oc_eligible_at };
	return (struct lview){ L_HEALTHY, l->oc_eligible_at };
}

/* Link states or tunnels changed: each peer's set, and WAN recovery. */
void
offcloud_reconsider(struct socket *s)
{
	sb_time t = now(s);
	int cloud = 0;

	if (s->npeers == 0)
		return;
	for (unsigned i = 0; i < s->npeers; i++) {
		struct speer *pr = &s->peer[i];
		unsigned m = socket_mask(s, t, oc_view, pr, 1);

		if (m != pr->mask) {
			pr->mask = m;
			pr->mask_at = t;
		}
	}
	for (unsigned j = 0; j < s->nlinks; j++)
		cloud |= s->link[j].state != L_DOWN;
	if (cloud) {
		s->had_cloud = 1;
		if (s->recovering) {
			s->recovering = 0;
			emit(s, "wan-recovery-end", s->name, "a PoP tunnel is "
			    "up: traffic back to the cloud",
			    (double)(t - s->recovery_at) / SB_S);
		}
	} else if (s->had_cloud && !s->recovering) {
		s->recovering = 1;
		s->recovery_at = t;
		s->st.recoveries++;
		emit(s, "wan-recovery-start", s->name, "every PoP tunnel is "
		    "down: traffic to other sites off-cloud", 0);
	}
}

void
socket_offcloud_tunnel(struct socket *s, int peer, unsigned link,
    unsigned rlink, int isup)
{
	struct speer *pr = NULL;
	char d[160];

	for (unsigned i = 0; i < s->npeers; i++)
		if (s->peer[i].cfg.id == peer)
			pr = &s->peer[i];
	/* news only of a pair this Socket would have opened */
	if (pr == NULL || link >= s->nlinks || rlink >= pr->cfg.nlinks ||
	    !s->link[link].cfg.off_cloud || !pr->cfg.links[rlink].off_cloud ||
	    pr->same_ip[link][rlink] || pr->up[link][rlink] == (isup != 0))
		return;
	pr->up[link][rlink] = isup != 0;
	snprintf(d, sizeof(d), "%s>%s/%s", s->link[link].cfg.name,
	    pr->name, pr->cfg.links[rlink].name);
	if (isup && pr->nup++ == 0) {
		pr->st.connects++;
		emit(s, "off-cloud-connect", pr->name, d, 0);
	} else if (!isup && --pr->nup == 0) {
		pr->st.disconnects++;
		emit(s, "off-cloud-disconnect", pr->name, d, 0);
	}
	offcloud_reconsider(s);
}

/* ---- flows ---- */

/* Say how a flow goes, in a flow-transport event. */
static void
tell(struct socket *s, const struct sflow *e, const struct rule_flow *f,
    const struct rule_action *a)
{
	const char *peer = f->dst_site != NULL ? f->dst_site : "?";
	const char *sec = rule_secondary_name(a->secondary);
	const char *dropped = a->secondary == RULE_SEC_NONE ? "dropped" :
	    "sent via cloud";
	int stop;
	char d[256];

	switch (e->why) {
	case W_CLOUD:
		snprintf(d, sizeof(d), "cloud");
		break;
	case W_OFF:
		snprintf(d, sizeof(d), "off-cloud");
		break;
	case W_RECOVERY:
		snprintf(d, sizeof(d), "off-cloud: WAN recovery");
		break;
	case W_VIA_POP:
		stop = rules_stopped_at(s->cfg.rules, f);
		snprintf(d, sizeof(d), "off-cloud requested, sent via PoP: "
		    "complex rule '%s'", stop >= 0 ?
		    rules_get(s->cfg.rules, (size_t)stop)->name : "?");
		break;
	case W_FTP:
		snprintf(d, sizeof(d), "off-cloud requested, sent via cloud: "
		    "FTP passive");
		break;
	case W_NOT_PEER:
		snprintf(d, sizeof(d), "off-cloud requested, %s: %s is not in "
		    "the off-cloud mesh (secondary %s)", dropped, peer, sec);
		break;
	case W_SAME_IP:
		snprintf(d, sizeof(d), "off-cloud requested, %s: same public "
		    "IP as %s (secondary %s)", dropped, peer, sec);
		break;
	case W_NO_TUNNEL:
		snprintf(d, sizeof(d), "off-cloud requested, %s: no off-cloud "
		    "tunnel to %s (secondary %s)", dropped, peer, sec);
		break;
	default:
		return;
	}
	emit(s, "flow-transport", f->label != NULL ? f->label : "?", d,
	    e->why == W_OFF || e->why == W_RECOVERY);
}

/* Did the flow's rule (or, for a flow the PoP decides, the complex rule
 * the walk stopped at) ask for off-cloud? */
static int
asked(const struct socket *s, const struct sflow *e, const struct rule_flow *f,
    const struct rule_action *a)
{
	int stop;

	if (e->rule != RULES_AT_POP)
		return a->primary == RULE_TR_OFF_CLOUD;
	stop = rules_stopped_at(s->cfg.rules, f);
	return stop >= 0 && rules_get(s->cfg.rules,
	    (size_t)stop)->act.primary == RULE_TR_OFF_CLOUD;
}

/*
 * Which way the flow goes: the cloud, off-cloud or nowhere, by its rule,
 * the mesh and the state of the cloud.  A change of reason, for a flow
 * that asked for off-cloud or went there, is an event.
 */
enum via
offcloud_decide(struct socket *s, struct sflow *e, const struct rule_flow *f,
    const struct rule_action *a)
{
	struct speer *pr = e->peer >= 0 ? &s->peer[e->peer] : NULL;
	enum why w = W_CLOUD;
	enum via v = VIA_CLOUD;

	if (e->rule != RULES_AT_POP && a->primary == RULE_TR_NONE)
		return VIA_DROP;
	if (e->why == W_VIA_POP || (e->why == W_UNSET &&
	    e->rule == RULES_AT_POP && asked(s, e, f, a))) {
		w = W_VIA_POP;
	} else if (e->rule != RULES_AT_POP &&
	    a->primary == RULE_TR_OFF_CLOUD) {
		if (f->ftp_passive)
			w = W_FTP;
		else if (pr == NULL || pr->pairs == 0)
			w = W_NOT_PEER;
		else if (pr->blocked == pr->pairs)
			w = W_SAME_IP;
		else if (pr->mask != 0)
			w = W_OFF;
		else
			w = W_NO_TUNNEL;
		if (w == W_OFF)
			v = VIA_OFF;
		else if (w != W_FTP && a->secondary == RULE_SEC_NONE)
			v = VIA_DROP;
	}
	if (v == VIA_CLOUD && w != W_FTP && s->recovering && pr != NULL &&
	    pr->mask != 0) {
		w = W_RECOVERY;
		v = VIA_OFF;
	}
	/* a W_VIA_POP flow stays one, but may recover and come back */
	if (w == W_CLOUD && e->why == W_RECOVERY && asked(s, e, f, a))
		w = W_VIA_POP;
	if (w != e->why) {
		int first = e->why == W_UNSET;

		if (w == W_VIA_POP && first)
			s->st.oc_via_pop++;
		else if (w >= W_FTP && w <= W_NO_TUNNEL)
			s->st.oc_secondary++;
		else if (w == W_RECOVERY)
			s->st.recovery_flows++;
		e->why = (uint8_t)w;
		if (!(first && w == W_CLOUD))
			tell(s, e, f, a);
	}
	return v;
}

/*
 * Send p of flow e off-cloud: on its link while that stays in the peer's
 * set (else drained off, or at once when it cannot reach the peer any
 * more), into the tunnel to the peer's best link reachable from it.
 */
int
offcloud_output(struct socket *s, struct sflow *e,
    const struct rule_action *a, struct sb_packet *p)
{
	struct speer *pr = &s->peer[e->peer];
	uint32_t size = p->size;
	int j, old, k;

	if (!e->oc) {
		e->oc = 1;
		e->link = -1;
	}
	if (!e->counted) {
		e->counted = 1;
		pr->st.flows++;
		s->st.oc_flows++;
	}
	old = e->link;
	j = socket_place(s, e, pr->mask, pr->mask_at, old >= 0 &&
	    (!link_reaches(pr, (unsigned)old) || s->link[old].silent),
	    a->optimize);
	if (j < 0) {
		s->st.no_link++;
		s->pf->ops->packet_free(s->pf->ctx, p);
		return -1;
	}
	if (j != old) {
		s->link[j].st.oc_flows++;
		e->rlink = -1;
	}
	k = e->rlink;
	if (k < 0 || !pr->up[j][k]) {
		k = -1;
		for (unsigned x = 0; x < pr->nr && k < 0; x++)
			if (pr->up[j][pr->rorder[x]])
				k = pr->rorder[x];
		e->rlink = (int8_t)k;
	}
	if (k < 0) {
		/* kept on a link that lost its last tunnel, draining */
		s->st.no_link++;
		s->pf->ops->packet_free(s->pf->ctx, p);
		return -1;
	}
	if (s->cfg.ops->oc_send(s->cfg.ctx, pr->cfg.id, (unsigned)j,
	    (unsigned)k, p) < 0)
		return -1;
	s->link[j].st.oc_pkts++;
	s->link[j].st.oc_bytes += size;
	pr->st.pkts++;
	pr->st.bytes += size;
	return j;
}

/* ---- queries ---- */

const struct socket_peer_stats *
socket_peer_stats(const struct socket *s, unsigned i, int *id)
{
	if (i >= s->npeers)
		return NULL;
	*id = s->peer[i].cfg.id;
	return &s->peer[i].st;
}

int
socket_recovering(const struct socket *s)
{
	return s->recovering;
}
