/*
 * The emulated topology: a scenario's sites, PoPs and links as network
 * namespaces, veth pairs, TUN devices and wires (the address plan is
 * emu/plan.h's), built, changed by the timeline and taken down.
 */
#ifndef SASEBED_EMU_TOPO_H
#define SASEBED_EMU_TOPO_H

#include <stddef.h>

#include "emu/loop.h"
#include "emu/plan.h"
#include "emu/wire.h"
#include "sim/scenario.h"

struct topo;

/* Build it all under tag; NULL with a message on error, with whatever
 * was made already taken down. */
struct topo *topo_new(const struct scenario *sc, const char *tag,
    struct eloop *loop, char *err, size_t errlen);
/* Take down everything (wires, namespaces and so their interfaces); 0,
 * or -1 with a message when something would not go. */
int topo_free(struct topo *t, char *err, size_t errlen);

/* Site link (site, link) down or up, as a cut cable: the interface in the
 * site's namespace, with its route back when it comes up. */
int topo_link_updown(struct topo *t, size_t site, size_t link, int up,
    char *err, size_t errlen);
/* A backbone pair's link down or up (both ends). */
int topo_backbone_updown(struct topo *t, size_t a, size_t b, int up,
    char *err, size_t errlen);
/* A timeline `set` on a site link or backbone pair: the wire's
 * impairment, both directions. */
int topo_set(struct topo *t, const struct sc_action *act, char *err,
    size_t errlen);

/* The PoP a site's links reach first: pinned, else the nearest. */
struct sc_site;
size_t topo_first_pop(const struct scenario *sc, const struct sc_site *s);

/* The links as the simulator names them (SITE/LINK:up and :down,
 * backbone:A>B both ways), with their impairment now, into the results'
 * links table; 0, or the recorder's error. */
struct recorder;
int topo_record_links(const struct topo *t, struct recorder *rec);

/* Namespaces whose names start with "sb" and a number that is not a live
 * process: what a killed runner left.  Removes them; how many, or -1. */
int topo_reap_stale(char *err, size_t errlen);

#endif
