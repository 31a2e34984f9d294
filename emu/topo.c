/*
 * The emulated topology (emu/topo.h).
 *
 * Every site link and backbone pair is two veth pairs whose inner ends sit
 * in the wires namespace, joined there by a wire: the user-space
 * impairment, since the kernels this runs on may lack netem (see
 * docs/emulation.md).  A site link's wire carries its last mile (the
 * scenario's bandwidth, delay, jitter and loss) and the great-circle delay
 * to the site's first PoP; a backbone pair's, the pair's own figures or the
 * backbone's defaults with its great-circle delay.  The core namespace
 * routes between the sites' links and the PoPs, as the Internet would.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/netns.h"
#include "emu/topo.h"
#include "models/geo.h"
#include "models/loss.h"
#include "reports/recorder.h"
#include "sim/rng.h"
#include "wan/inet.h"

struct topo {
	const struct scenario *sc;
	char tag[PLAN_NAME];
	struct eloop *loop;
	struct wire **link_wire;  /* by site * 8 + link */
	struct wire **bb_wire;    /* by pair */
	struct wire_imp *link_imp, *bb_imp; /* what each has now */
	size_t npairs;
	char **ns;                /* namespaces made, to delete */
	size_t nns;
};

#define A(x) inet_addr_fmt((x), abuf[(nb++) % 4])

static int
add_ns(struct topo *t, const char *name, char *err, size_t errlen)
{
	char **v = realloc(t->ns, (t->nns + 1) * sizeof(*v));

	if (v == NULL)
		return -1;
	t->ns = v;
	if (netns_cmd(err, errlen, "ip netns add %s", name) < 0)
		return -1;
	if ((t->ns[t->nns] = strdup(name)) == NULL)
		return -1;
	t->nns++;
	return netns_cmd(err, errlen, "ip -n %s link set lo up", name);
}

/* A sysctl in namespace ns, by writing /proc/sys from inside it. */
static int
ns_sysctl(const char *ns, const char *key, const char *val, char *err,
    size_t errlen)
{
	char path[256];
	FILE *f;
	int rc = -1;

	if (netns_enter(ns) < 0)
		goto out;
	snprintf(path, sizeof(path), "/proc/sys/%s", key);
	if ((f = fopen(path, "w")) != NULL) {
		rc = fputs(val, f) < 0 ? -1 : 0;
		if (fclose(f) != 0)
			rc = -1;
	}
out:
	if (rc < 0)
		snprintf(err, errlen, "namespace %s: setting %s: %s", ns, key,
		    strerror(errno));
	(void)netns_enter(NULL);
	return rc;
}

/* Frames a wire relays must carry whole checksums: offload off on the
 * interface (in namespace ns) that hands them to the wire. */
static int
csum_off(const char *ns, const char *ifname, char *err, size_t errlen)
{
	int rc = -1;

	if (netns_enter(ns) < 0)
		snprintf(err, errlen, "namespace %s: %s", ns, strerror(errno));
	else
		rc = wire_offload_off(ifname, err, errlen);
	(void)netns_enter(NULL);
	return rc;
}

/* Two veth pairs through the wires namespace: end a (name ia, in ns_a)
 * to wire end wa, wire end wb to end b (ib in ns_b). */
static int
wired_pair(struct topo *t, const char *ns_a, const char *ia,
    const char *ns_b, const char *ib, const char *wa, const char *wb,
    char *err, size_t errlen)
{
	char wires[PLAN_NAME];

	plan_ns_wires(t->tag, wires);
	if (netns_cmd(err, errlen, "ip link add %s netns %s type veth peer "
	    "name %s netns %s", ia, ns_a, wa, wires) < 0 ||
	    netns_cmd(err, errlen, "ip link add %s netns %s type veth peer "
	    "name %s netns %s", wb, wires, ib, ns_b) < 0 ||
	    csum_off(ns_a, ia, err, errlen) < 0 ||
	    csum_off(ns_b, ib, err, errlen) < 0 ||
	    netns_cmd(err, errlen, "ip -n %s link set %s up", wires, wa) < 0 ||
	    netns_cmd(err, errlen, "ip -n %s link set %s up", wires, wb) < 0)
		return -1;
	return 0;
}

static void
imp_from(const struct sc_linkp *p, sb_time geo, struct wire_imp *w)
{
	memset(w, 0, sizeof(*w));
	w->bandwidth_bps = p->bandwidth_bps;
	w->queue_bytes = p->queue_bytes;
	w->delay = (p->has_delay ? p->delay : 0) + geo;
	w->jitter = p->jitter;
	w->loss = p->loss;
	w->reorder = p->reorder;
}

static sb_time
geo_between(const struct scenario *sc, const struct geo_city *a,
    const struct geo_city *b)
{
	return geo_delay(geo_distance_km(a->lat, a->lon, b->lat, b->lon),
	    sc->route_inflation, sc->fibre_km_s);
}

/* The wire between wa and wb, made inside the wires namespace. */
static struct wire *
make_wire(struct topo *t, const char *name, const char *wa, const char *wb,
    const struct wire_imp *imp, char *err, size_t errlen)
{
	char wires[PLAN_NAME], rn[300];
	struct wire *w = NULL;
	gsl_rng *r;

	plan_ns_wires(t->tag, wires);
	snprintf(rn, sizeof(rn), "wire:%s", name);
	if ((r = rng_new(t->sc->seed, rn)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (netns_enter(wires) < 0) {
		snprintf(err, errlen, "namespace %s: %s", wires,
		    strerror(errno));
		gsl_rng_free(r);
	} else  /* the wire takes r, even when it fails */
		w = wire_new(t->loop, name, wa, wb, imp, imp, r, err, errlen);
	(void)netns_enter(NULL);
	return w;
}

static const struct sc_linkp *
bb_params(const struct scenario *sc, size_t a, size_t b)
{
	for (size_t k = 0; k < sc->nbb_pairs; k++) {
		const struct sc_backbone_pair *p = &sc->bb_pairs[k];

		if (((size_t)p->a == a && (size_t)p->b == b) ||
		    ((size_t)p->a == b && (size_t)p->b == a))
			return &p->p;
	}
	return &sc->backbone_default;
}

size_t
topo_first_pop(const struct scenario *sc, const struct sc_site *s)
{
	size_t best = 0;
	double bkm = -1;

	if (s->pop >= 0)
		return (size_t)s->pop;
	for (size_t p = 0; p < sc->npops; p++) {
		double km = geo_distance_km(s->city->lat, s->city->lon,
		    sc->pops[p].city->lat, sc->pops[p].city->lon);

		if (bkm < 0 || km < bkm) {
			best = p;
			bkm = km;
		}
	}
	return best;
}

static int
build(struct topo *t, char *err, size_t errlen)
{
	const struct scenario *sc = t->sc;
	char ns[PLAN_NAME], core[PLAN_NAME], wires[PLAN_NAME];
	char ia[PLAN_NAME], ib[PLAN_NAME], wa[PLAN_NAME], wb[PLAN_NAME];
	char abuf[4][INET_ADDR_STR];
	unsigned nb = 0;

	plan_ns_core(t->tag, core);
	plan_ns_wires(t->tag, wires);
	if (add_ns(t, core, err, errlen) < 0 ||
	    add_ns(t, wires, err, errlen) < 0 ||
	    ns_sysctl(core, "net/ipv4/ip_forward", "1", err, errlen) < 0)
		return -1;
	for (size_t p = 0; p < sc->npops; p++) {
		plan_ns_pop(t->tag, p, ns);
		snprintf(ib, sizeof(ib), "p%zu", p);
		if (add_ns(t, ns, err, errlen) < 0 ||
		    netns_cmd(err, errlen, "ip link add core0 netns %s type "
		    "veth peer name %s netns %s", ns, ib, core) < 0 ||
		    netns_cmd(err, errlen, "ip -n %s addr add %s/30 dev core0",
		    ns, A(plan_pop_addr(p))) < 0 ||
		    netns_cmd(err, errlen, "ip -n %s addr add %s/30 dev %s",
		    core, A(plan_pop_gw(p)), ib) < 0 ||
		    netns_cmd(err, errlen, "ip -n %s link set core0 up", ns) < 0 ||
		    netns_cmd(err, errlen, "ip -n %s link set %s up", core, ib) <
		    0 ||
		    netns_cmd(err, errlen, "ip -n %s route add 100.64.0.0/10 via "
		    "%s dev core0", ns, A(plan_pop_gw(p))) < 0)
			return -1;
	}
	for (size_t a = 0; a < sc->npops; a++)
		for (size_t b = a + 1; b < sc->npops; b++) {
			size_t k = plan_bb_pair(sc->npops, a, b);
			char na[PLAN_NAME], nbs[PLAN_NAME], name[200];
			struct wire_imp imp;

			plan_ns_pop(t->tag, a, na);
			plan_ns_pop(t->tag, b, nbs);
			snprintf(ia, sizeof(ia), "bb%zu", b);
			snprintf(ib, sizeof(ib), "bb%zu", a);
			snprintf(wa, sizeof(wa), "b%zua", k);
			snprintf(wb, sizeof(wb), "b%zub", k);
			snprintf(name, sizeof(name), "%s-%s", sc->pops[a].name,
			    sc->pops[b].name);
			imp_from(bb_params(sc, a, b), 0, &imp);
			if (!bb_params(sc, a, b)->has_delay)
				imp.delay = geo_between(sc, sc->pops[a].city,
				    sc->pops[b].city);
			t->bb_imp[k] = imp;
			if (wired_pair(t, na, ia, nbs, ib, wa, wb, err,
			    errlen) < 0 ||
			    netns_cmd(err, errlen, "ip -n %s addr add %s/30 dev "
			    "%s", na, A(plan_bb_addr(k, 0)), ia) < 0 ||
			    netns_cmd(err, errlen, "ip -n %s addr add %s/30 dev "
			    "%s", nbs, A(plan_bb_addr(k, 1)), ib) < 0 ||
			    netns_cmd(err, errlen, "ip -n %s link set %s up", na,
			    ia) < 0 ||
			    netns_cmd(err, errlen, "ip -n %s link set %s up", nbs,
			    ib) < 0 ||
			    (t->bb_wire[k] = make_wire(t, name, wa, wb, &imp,
			    err, errlen)) == NULL)
				return -1;
		}
	for (size_t i = 0; i < sc->nsites; i++) {
		const struct sc_site *s = &sc->sites[i];
		sb_time geo = geo_between(sc, s->city,
		    sc->pops[topo_first_pop(sc, s)].city);

		plan_ns_site(t->tag, i, ns);
		if (add_ns(t, ns, err, errlen) < 0 ||
		    ns_sysctl(ns, "net/ipv4/conf/all/rp_filter", "0", err,
		    errlen) < 0 ||
		    netns_cmd(err, errlen, "ip -n %s tuntap add dev lan0 mode "
		    "tun", ns) < 0 ||
		    netns_cmd(err, errlen, "ip -n %s addr add %s/16 dev lan0", ns,
		    A(plan_lan_addr(i))) < 0 ||
		    netns_cmd(err, errlen, "ip -n %s link set lan0 up", ns) < 0)
			return -1;
		for (size_t j = 0; j < s->nlinks; j++) {
			char name[300];
			struct wire_imp imp;

			snprintf(ia, sizeof(ia), "wan%zu", j);
			snprintf(ib, sizeof(ib), "s%ul%u", (unsigned)i, (unsigned)j);
			snprintf(wa, sizeof(wa), "s%ul%ua", (unsigned)i, (unsigned)j);
			snprintf(wb, sizeof(wb), "s%ul%ub", (unsigned)i, (unsigned)j);
			snprintf(name, sizeof(name), "%s/%s", s->name,
			    s->links[j].name);
			imp_from(&s->links[j].p, geo, &imp);
			t->link_imp[i * 8 + j] = imp;
			if (wired_pair(t, ns, ia, core, ib, wa, wb, err,
			    errlen) < 0 ||
			    netns_cmd(err, errlen, "ip -n %s addr add %s/30 dev "
			    "%s", ns, A(plan_link_addr(i, j)), ia) < 0 ||
			    netns_cmd(err, errlen, "ip -n %s addr add %s/30 dev "
			    "%s", core, A(plan_link_gw(i, j)), ib) < 0 ||
			    netns_cmd(err, errlen, "ip -n %s link set %s up", ns,
			    ia) < 0 ||
			    netns_cmd(err, errlen, "ip -n %s link set %s up", core,
			    ib) < 0 ||
			    topo_link_updown(t, i, j, 1, err, errlen) < 0 ||
			    (t->link_wire[i * 8 + j] = make_wire(t, name, wa, wb,
			    &imp, err, errlen)) == NULL)
				return -1;
		}
	}
	return 0;
}

struct topo *
topo_new(const struct scenario *sc, const char *tag, struct eloop *loop,
    char *err, size_t errlen)
{
	struct topo *t = calloc(1, sizeof(*t));
	char e2[256];

	if (t == NULL)
		goto oom;
	t->sc = sc;
	t->loop = loop;
	snprintf(t->tag, sizeof(t->tag), "%s", tag);
	t->npairs = sc->npops * (sc->npops - 1) / 2;
	t->link_wire = calloc(sc->nsites * 8 + 1, sizeof(*t->link_wire));
	t->bb_wire = calloc(t->npairs + 1, sizeof(*t->bb_wire));
	t->link_imp = calloc(sc->nsites * 8 + 1, sizeof(*t->link_imp));
	t->bb_imp = calloc(t->npairs + 1, sizeof(*t->bb_imp));
	if (t->link_wire == NULL || t->bb_wire == NULL ||
	    t->link_imp == NULL || t->bb_imp == NULL)
		goto oom;
	if (build(t, err, errlen) < 0) {
		(void)topo_free(t, e2, sizeof(e2));
		return NULL;
	}
	return t;
oom:
	snprintf(err, errlen, "out of memory building the topology");
	if (t != NULL) {
		free(t->link_wire);
		free(t->bb_wire);
		free(t->link_imp);
		free(t->bb_imp);
		free(t);
	}
	return NULL;
}

int
topo_free(struct topo *t, char *err, size_t errlen)
{
	int rc = 0;

	if (t == NULL)
		return 0;
	for (size_t i = 0; i < t->sc->nsites * 8; i++)
		wire_free(t->link_wire[i]);
	for (size_t k = 0; k < t->npairs; k++)
		wire_free(t->bb_wire[k]);
	/* deleting a namespace deletes its interfaces, veth peers too */
	for (size_t i = t->nns; i-- > 0;) {
		if (netns_cmd(err, errlen, "ip netns del %s", t->ns[i]) < 0)
			rc = -1;
		free(t->ns[i]);
	}
	free(t->ns);
	free(t->link_wire);
	free(t->bb_wire);
	free(t->link_imp);
	free(t->bb_imp);
	free(t);
	return rc;
}

int
topo_link_updown(struct topo *t, size_t site, size_t link, int up,
    char *err, size_t errlen)
{
	char ns[PLAN_NAME], abuf[4][INET_ADDR_STR];
	unsigned nb = 0;

	plan_ns_site(t->tag, site, ns);
	if (netns_cmd(err, errlen, "ip -n %s link set wan%zu %s", ns, link,
	    up ? "up" : "down") < 0)
		return -1;
	/* a device that goes down takes its routes with it */
	return up ? netns_cmd(err, errlen, "ip -n %s route replace "
	    "198.18.0.0/15 via %s dev wan%zu metric %zu", ns,
	    A(plan_link_gw(site, link)), link, link + 1) : 0;
}

int
topo_backbone_updown(struct topo *t, size_t a, size_t b, int up,
    char *err, size_t errlen)
{
	char na[PLAN_NAME], nbs[PLAN_NAME];

	if (a > b) {
		size_t x = a;
		a = b;
		b = x;
	}
	plan_ns_pop(t->tag, a, na);
	plan_ns_pop(t->tag, b, nbs);
	if (netns_cmd(err, errlen, "ip -n %s link set bb%zu %s", na, b,
	    up ? "up" : "down") < 0 ||
	    netns_cmd(err, errlen, "ip -n %s link set bb%zu %s", nbs, a,
	    up ? "up" : "down") < 0)
		return -1;
	return 0;
}

int
topo_set(struct topo *t, const struct sc_action *act, char *err,
    size_t errlen)
{
	const struct scenario *sc = t->sc;
	struct wire *w;
	struct wire_imp *imp;

	/* a set changes what it names and keeps what earlier ones set */
	if (act->target.kind == SC_T_SITE_LINK) {
		size_t x = (size_t)act->target.i * 8 + (size_t)act->target.j;

		w = t->link_wire[x];
		imp = &t->link_imp[x];
	} else if (act->target.kind == SC_T_BACKBONE) {
		size_t a = (size_t)act->target.i, b = (size_t)act->target.j;
		size_t k = a < b ? plan_bb_pair(sc->npops, a, b) :
		    plan_bb_pair(sc->npops, b, a);

		w = t->bb_wire[k];
		imp = &t->bb_imp[k];
	} else {
		snprintf(err, errlen, "only site links and backbone pairs "
		    "can be changed in emulation");
		return -1;
	}
	if (act->set_delay)
		imp->delay = act->delay;
	if (act->set_jitter)
		imp->jitter = act->jitter;
	if (act->set_loss)
		imp->loss = act->loss;
	if (act->set_bandwidth)
		imp->bandwidth_bps = act->bandwidth_bps;
	if (wire_set(w, 0, imp) < 0 || wire_set(w, 1, imp) < 0) {
		snprintf(err, errlen, "changing a wire: out of memory");
		return -1;
	}
	return 0;
}

int
topo_reap_stale(char *err, size_t errlen)
{
	char **names;
	int n = netns_list("sb", &names), reaped = 0;

	if (n < 0) {
		snprintf(err, errlen, "listing namespaces: %s",
		    strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char *end;
		long pid = strtol(names[i] + 2, &end, 10);

		if (end == names[i] + 2 || *end != '-' || pid <= 0 ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if (netns_cmd(err, errlen, "ip netns del %s", names[i]) == 0)
			reaped++;
	}
	netns_list_free(names, n);
	return reaped;
}

static int
record_link(struct recorder *rec, int id, const char *name, const char *kind,
    const char *src, const char *dst, const struct wire_imp *imp)
{
	struct rec_link rl = {
		.id = id, .name = name, .kind = kind, .src = src, .dst = dst,
		.bandwidth_bps = imp->bandwidth_bps,
		.queue_bytes = imp->queue_bytes, .delay = imp->delay,
		.loss_expected = loss_expected_rate(&imp->loss),
	};

	return recorder_link(rec, &rl);
}

int
topo_record_links(const struct topo *t, struct recorder *rec)
{
	const struct scenario *sc = t->sc;
	char name[600];
	int id = 0, rc = 0;

	for (size_t i = 0; i < sc->nsites; i++) {
		const struct sc_site *s = &sc->sites[i];

		for (size_t j = 0; j < s->nlinks; j++) {
			const struct wire_imp *imp = &t->link_imp[i * 8 + j];

			/* as the simulator's: from the site to its city's
			 * Internet and back */
			snprintf(name, sizeof(name), "%s/%s:up", s->name,
			    s->links[j].name);
			rc |= record_link(rec, id++, name, "access", s->name,
			    s->city->name, imp);
			snprintf(name, sizeof(name), "%s/%s:down", s->name,
			    s->links[j].name);
			rc |= record_link(rec, id++, name, "access",
			    s->city->name, s->name, imp);
		}
	}
	for (size_t a = 0; a < sc->npops; a++)
		for (size_t b = a + 1; b < sc->npops; b++) {
			const struct wire_imp *imp =
			    &t->bb_imp[plan_bb_pair(sc->npops, a, b)];
			const char *na = sc->pops[a].name, *nb = sc->pops[b].name;

			snprintf(name, sizeof(name), "backbone:%s>%s", na, nb);
			rc |= record_link(rec, id++, name, "backbone", na, nb,
			    imp);
			snprintf(name, sizeof(name), "backbone:%s>%s", nb, na);
			rc |= record_link(rec, id++, name, "backbone", nb, na,
			    imp);
		}
	return rc;
}
