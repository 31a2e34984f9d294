/*
 * The PoP's firewalls in the world: the scenario's rule bases built into
 * the real firewall code (wan/firewall.c), what the PoP knows of each
 * flow, and the firewall's place on a flow's route.
 *
 * A flow through the cloud passes its ingress PoP's security hop: when
 * the flow's rule base (the WAN firewall's for a flow to a site, the
 * Internet firewall's for one to a destination) is enforced, the hop is
 * the firewall, which decides the flow's session at that PoP (one hit of
 * the deciding rule, and a fw-block event if it blocks) and then, per
 * packet, drops it (block), hands it to the PoP's inspection (allow with
 * inspection, when the PoP has an inspection stage) or lets it through at
 * once (allow).  Without an enforced rule base the hop is the inspection
 * stage, as before there was a firewall.  Traffic that meets no PoP (off
 * cloud, or out through the site's own Internet breakout) passes neither
 * firewall.
 *
 * A return flow (a TCP connection's other direction) belongs to its
 * forward flow's session, as a stateful firewall's return traffic does:
 * it gets the forward flow's verdict and is not counted again.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "reports/meter.h"
#include "reports/recorder.h"
#include "sim/platform_sim.h"
#include "sim/world_impl.h"
#include "wan/firewall.h"

/* The scenario's end point as the firewall takes it. */
static void
ep_from(const struct scenario *sc, const struct sc_fw_ep *s, struct fw_ep *e)
{
	memset(e, 0, sizeof(*e));
	switch (s->kind) {
	case SC_FW_SITE:
		e->kind = FW_EP_SITE;
		e->name = sc->sites[s->idx].name;
		break;
	case SC_FW_GROUP:
		e->kind = FW_EP_GROUP;
		e->name = s->group;
		break;
	case SC_FW_DEST:
		e->kind = FW_EP_HOST;
		e->addr = dest_addr(s->idx);
		break;
	default:
		e->kind = s->kind == SC_FW_HOST ? FW_EP_HOST : FW_EP_SUBNET;
		e->addr = s->addr;
		e->prefix = (uint8_t)s->prefix;
	}
}

static int
add_rule(const struct scenario *sc, struct firewall *fw, enum fw_base b,
    const struct sc_fw_rule *r, char *err, size_t errlen)
{
	struct fw_ep *src = calloc(r->nsrc + 1, sizeof(*src));
	struct fw_ep *dst = calloc(r->ndst + 1, sizeof(*dst));
	struct fw_service *svc = calloc(r->nsvc + 1, sizeof(*svc));
	struct fw_rule_spec s = {
		.name = r->name, .action = (enum fw_action)r->action,
		.src = src, .nsrc = r->nsrc, .dst = dst, .ndst = r->ndst,
		.apps = (const char *const *)r->apps, .napps = r->napps,
		.categories = (const char *const *)r->categories,
		.ncategories = r->ncategories, .svc = svc, .nsvc = r->nsvc,
	};
	char msg[256];
	int rc = -1;

	if (src == NULL || dst == NULL || svc == NULL) {
		snprintf(err, errlen, "out of memory building the firewall");
		goto out;
	}
	for (size_t i = 0; i < r->nsrc; i++)
		ep_from(sc, &r->src[i], &src[i]);
	for (size_t i = 0; i < r->ndst; i++)
		ep_from(sc, &r->dst[i], &dst[i]);
	for (size_t i = 0; i < r->nsvc; i++)
		svc[i] = (struct fw_service){ (uint8_t)r->svc[i].protocol,
		    (uint16_t)r->svc[i].port_lo, (uint16_t)r->svc[i].port_hi };
	if ((rc = fw_add(fw, b, &s, msg, sizeof(msg))) < 0)
		snprintf(err, errlen, "%s:%u:%u: %s firewall %s", sc->path,
		    r->loc.line, r->loc.col, fw_base_name(b), msg);
out:
	free(src);
	free(dst);
	free(svc);
	return rc;
}

struct firewall *
firewall_build(const struct scenario *sc, char *err, size_t errlen)
{
	struct firewall *fw;
	int any = 0;

	err[0] = '\0';
	for (int b = 0; b < SC_FW__BASES; b++)
		any |= sc->firewall[b].enabled;
	if (!any)
		return NULL;
	if ((fw = fw_new()) == NULL) {
		snprintf(err, errlen, "out of memory building the firewall");
		return NULL;
	}
	for (int b = 0; b < SC_FW__BASES; b++) {
		if (!sc->firewall[b].enabled)
			continue;
		fw_enable(fw, (enum fw_base)b);
		for (size_t i = 0; i < sc->firewall[b].nrules; i++)
			if (add_rule(sc, fw, (enum fw_base)b,
			    &sc->firewall[b].rules[i], err, errlen) < 0) {
				fw_free(fw);
				return NULL;
			}
	}
	return fw;
}

int
build_firewall(struct world *w, char *err, size_t errlen)
{
	const struct scenario *sc = w->sc;

	for (size_t i = 0; i < w->nflows; i++) {
		w->flows[i].fw_base = -1;
		w->flows[i].fw_rule = w->flows[i].fw_pop = -1;
	}
	if ((w->fw = firewall_build(sc, err, errlen)) == NULL)
		return err[0] != '\0' ? -1 : 0;
	/* what the PoP knows of each flow that comes through the cloud */
	for (size_t i = 0; i < w->nflows; i++) {
		struct flow *f = &w->flows[i];
		const struct flow *o = f->is_rev ? f->rev : f;
		const struct sc_app *a = o->sc;
		enum fw_base b = a->dest >= 0 ? FW_INTERNET : FW_WAN;

		if (a->via != SC_VIA_BACKBONE || !fw_enabled(w->fw, b))
			continue;
		f->fw_base = (int)b;
		f->ff = (struct fw_flow){
			.src_site = o->rf.src_site, .dst_site = o->rf.dst_site,
			.src_group = sc->sites[a->src].group,
			.dst_group = a->dst >= 0 ? sc->sites[a->dst].group :
			    NULL,
			.src_addr = o->rf.src_addr, .dst_addr = o->rf.dst_addr,
			.proto = o->rf.proto, .dport = o->rf.dport,
			.app = a->app_id, .category = a->category,
			.label = a->name,
		};
	}
	return 0;
}

void
free_firewall(struct world *w)
{
	fw_free(w->fw);
	w->fw = NULL;
}

/* p of f has come to PoP x's firewall: decide, count, carry out. */
void
fw_hop(struct world *w, struct flow *f, struct wpop *x, struct sb_packet *p)
{
	struct flow *o = f->is_rev ? f->rev : f;
	enum fw_base b = (enum fw_base)f->fw_base;
	int act;

	if (!f->is_rev && o->fw_pop != x->idx) {
		/* a new session: the first packet at this PoP */
		o->fw_rule = fw_session(w->fw, b, &o->ff, psim_platform(x->ps),
		    NULL);
		o->fw_pop = x->idx;
	}
	/* a return packet before its forward flow met a PoP: the verdict
	 * the forward flow will get, uncounted */
	act = fw_rule_action(w->fw, b, (size_t)(o->fw_rule >= 0 ?
	    o->fw_rule : fw_match(w->fw, b, &o->ff)));
	if (!f->is_rev) {
		fw_packet(w->fw, b, o->fw_rule, p->size);
		if (act == FW_BLOCK)
			o->fw_blocked++;
		else
			o->fw_passed++;
	}
	if (act == FW_BLOCK) {
		flow_lost(w, f, p);
		return;
	}
	if (act == FW_INSPECT && x->insp != NULL) {
		inspect_send(x->insp, p);
		return;
	}
	route_continue(w, p);
}

/* The blocked metric: of the flow's packets that met a firewall, the
 * fraction blocked; 0 when none met one but it sent; NaN when it sent
 * nothing. */
double
fw_blocked_fraction(const struct flow *f, sb_time end)
{
	struct meter_summary ms;
	uint64_t met = f->fw_blocked + f->fw_passed;

	if (met > 0)
		return (double)f->fw_blocked / (double)met;
	meter_summary(f->total, end, &ms);
	return ms.sent > 0 ? 0 : NAN;
}

/* Per rule: hits (sessions), packets, bytes; per flow through a
 * firewall: the packets it passed and blocked, and the fraction. */
void
firewall_results(struct world *w, sb_time end)
{
	const struct scenario *sc = w->sc;

	if (w->rec == NULL || w->fw == NULL)
		return;
	for (int b = 0; b < FW__BASES; b++) {
		char scope[32];

		if (!fw_enabled(w->fw, (enum fw_base)b))
			continue;
		snprintf(scope, sizeof(scope), "firewall-%s",
		    fw_base_name((enum fw_base)b));
		for (size_t i = 0; i <= fw_rules(w->fw, (enum fw_base)b); i++) {
			const struct fw_counts *c = fw_counts(w->fw,
			    (enum fw_base)b, i);
			const char *name = fw_rule_name(w->fw, (enum fw_base)b,
			    i);

			rec_check(w, recorder_metric(w->rec, scope, name,
			    "hits", (double)c->sessions, "count"));
			rec_check(w, recorder_metric(w->rec, scope, name,
			    "packets", (double)c->packets, "packets"));
			rec_check(w, recorder_metric(w->rec, scope, name,
			    "bytes", (double)c->bytes, "bytes"));
		}
	}
	for (size_t i = 0; i < sc->napps; i++) {
		const struct flow *f = &w->flows[i];
		double v;

		if (f->fw_base < 0)
			continue;
		rec_check(w, recorder_metric(w->rec, "flow", sc->apps[i].name,
		    "firewall-passed", (double)f->fw_passed, "packets"));
		rec_check(w, recorder_metric(w->rec, "flow", sc->apps[i].name,
		    "firewall-blocked", (double)f->fw_blocked, "packets"));
		if (!isnan(v = fw_blocked_fraction(f, end)))
			rec_check(w, recorder_metric(w->rec, "flow",
			    sc->apps[i].name, "blocked", v, "fraction"));
	}
}
