/*
 * Cloud regions in the world: a VPC or VNet attached to one or two PoPs
 * over dedicated links (a cross-connect, an interconnect), with no Socket
 * and no tunnel.  Glue only: the routing is wan/pop.c's.
 *
 * The wires.  Interconnect k is the site's link k (built with the other
 * sites' links, of kind "interconnect": its delay the fibre's between the
 * region's city and its PoP's unless the scenario gives one), both
 * directions between the region and the PoP.  Packets cross it as they
 * are, unencapsulated: a private circuit into the PoP's router, where a
 * Socket's packets come out of their tunnel.
 *
 * The routes.  Static: while interconnect k is up, its PoP holds the
 * region's LAN /24 and its prefixes under the interconnect's own handle,
 * preference k (the first interconnect is the primary wherever both are
 * known), and advertises them across the backbone like any site's.  The
 * PoP sees its interconnect port go down at once (link state: there is no
 * keepalive to miss), so a timeline action on the link withdraws the
 * prefixes in the same instant, and the other PoPs move to the second
 * interconnect as soon as the PoP's advert reaches them: the backbone's
 * convergence, not a detection timer.
 *
 * The region's own traffic leaves by its first interconnect that is up,
 * PoP included, in the order written: the static routes of a VPC's route
 * table, primary first.
 */
#include <stdio.h>

#include "models/link.h"
#include "sim/pool.h"
#include "sim/world_impl.h"

static int
handle_of(const struct site *s, int k)
{
	return CLOUD_HANDLE_BASE + s->idx * SC_CLOUD_ATTACH + k;
}

/* Can interconnect k carry: both directions up, and its PoP? */
static int
ic_up(const struct world *w, const struct site *s, int k)
{
	const struct site_link *l = &s->links[k];

	return link_is_up(l->up->l) && link_is_up(l->down->l) &&
	    w->pops[s->sc->cloud->pop[k]].up;
}

/* The PoP at interconnect k's end holds the region's prefixes, or
 * withdraws them. */
static void
ic_routes(struct world *w, struct site *s, int k, int up)
{
	const struct sc_cloud *cl = s->sc->cloud;
	char subject[300];

	site_prefixes(w, cl->pop[k], s->idx, cl->prefixes, cl->nprefixes,
	    (unsigned)k, handle_of(s, k), up);
	snprintf(subject, sizeof(subject), "%s/%s", s->sc->name,
	    s->sc->links[k].name);
	emit(w, up ? "interconnect-up" : "interconnect-down",
	    w->pops[cl->pop[k]].sc->name, subject, up ? "prefixes held" :
	    "prefixes withdrawn", (double)(cl->nprefixes + 1));
}

void
start_cloud(struct world *w)
{
	for (size_t i = 0; i < w->sc->nsites; i++) {
		struct site *s = &w->sites[i];

		for (size_t k = 0; s->sc->cloud != NULL && k < s->sc->nlinks;
		    k++)
			if (ic_up(w, s, (int)k))
				ic_routes(w, s, (int)k, 1);
	}
}

/*
 * A timeline action, already carried out.  On an interconnect: its PoP
 * holds or withdraws the region's prefixes (a `set` changes nothing it
 * sees).  On a PoP coming back: it holds again those of its interconnects
 * that are up, as it forgot everything when it stopped.
 */
void
cloud_timeline(struct world *w, const struct sc_action *act)
{
	const struct sc_target *t = &act->target;

	if (t->kind == SC_T_SITE_LINK) {
		struct site *s = &w->sites[t->i];

		if (s->sc->cloud == NULL || (act->kind != SC_ACT_DOWN &&
		    act->kind != SC_ACT_UP) ||
		    !w->pops[s->sc->cloud->pop[t->j]].up)
			return;
		ic_routes(w, s, t->j, ic_up(w, s, t->j));
		return;
	}
	if (t->kind != SC_T_POP || act->kind != SC_ACT_UP)
		return;
	for (size_t i = 0; i < w->sc->nsites; i++) {
		struct site *s = &w->sites[i];

		for (size_t k = 0; s->sc->cloud != NULL && k < s->sc->nlinks;
		    k++)
			if (s->sc->cloud->pop[k] == t->i && ic_up(w, s, (int)k))
				ic_routes(w, s, (int)k, 1);
	}
}

int
cloud_output(struct site *s, struct sb_packet *p)
{
	for (size_t k = 0; k < s->sc->nlinks; k++)
		if (ic_up(s->w, s, (int)k)) {
			sock_send(s, (unsigned)k, p);
			return 0;
		}
	pool_put(s->w->pool, p);
	return -1;
}

/* A route out of the region by interconnect k: its wire to the PoP.
 * Returns the PoP, or -1 when the interconnect cannot carry. */
int
cloud_first_hop(struct world *w, const struct site *s, int k,
    struct route *r)
{
	if (k < 0 || (size_t)k >= s->sc->nlinks || !ic_up(w, s, k))
		return -1;
	r->hop[r->n++].c = s->links[k].up;
	return s->sc->cloud->pop[k];
}

/* The last hop of a route to the region, from the PoP that holds its
 * prefixes under `handle`: the interconnect's wire down. */
int
cloud_last_hop(struct world *w, int handle, struct route *r)
{
	int x = handle - CLOUD_HANDLE_BASE;
	const struct site *s = &w->sites[x / SC_CLOUD_ATTACH];
	int k = x % SC_CLOUD_ATTACH;

	if (!ic_up(w, s, k))
		return -1;
	r->hop[r->n++].c = s->links[k].down;
	return 0;
}
