/*
 * The emulation's address plan: which network namespace each node runs
 * in, what its interfaces are called and which addresses they hold, all
 * derived from the scenario alone, so that the runner that builds the
 * namespaces and the daemons that run in them agree without a file
 * between them.
 *
 * Namespaces: TAG-core (the Internet: a router every WAN link and PoP
 * hangs off), TAG-wires (the inner ends of the links that the user-space
 * wires impair), TAG-sI per site and TAG-pI per PoP.  A site's WAN link j
 * is wan<j> in its namespace, s<I>l<j>a and s<I>l<j>b in the wires
 * namespace, s<I>l<j> in the core; its LAN is a TUN device, lan0.  A PoP
 * reaches the core on core0 (p<I> there, unimpaired: the impairment sits
 * on the site's side) and each other PoP straight on bb<J> (backbone pair
 * K: b<K>a and b<K>b in the wires namespace).
 *
 * Addresses are those the simulator uses where it has some: a site's LAN
 * host 10.0.(I+1).10, the PoPs in 198.18.0.0/15.
 */
#ifndef SASEBED_EMU_PLAN_H
#define SASEBED_EMU_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "sim/scenario.h"

#define PLAN_POP_PORT 443       /* the PoPs' tunnel port, as simulated */
#define PLAN_BB_PORT 4790       /* backbone: control and transit */
#define PLAN_NAME 32            /* namespace and interface names */

/* The namespace of a site or PoP, the core or the wires. */
void plan_ns_site(const char *tag, size_t site, char out[PLAN_NAME]);
void plan_ns_pop(const char *tag, size_t pop, char out[PLAN_NAME]);
void plan_ns_core(const char *tag, char out[PLAN_NAME]);
void plan_ns_wires(const char *tag, char out[PLAN_NAME]);

/* Site I's WAN link J: its address in the site (a /30 whose other end,
 * the gateway, is the core's). */
uint32_t plan_link_addr(size_t site, size_t link);
uint32_t plan_link_gw(size_t site, size_t link);
/* A PoP's address on the core (the tunnels' far end) and its gateway. */
uint32_t plan_pop_addr(size_t pop);
uint32_t plan_pop_gw(size_t pop);
/* The LAN host of a site: where its applications' traffic starts and
 * ends (the simulator's lan_addr()); the LANs are 10.0.0.0/16. */
uint32_t plan_lan_addr(size_t site);
/* Backbone pair number k of PoPs a < b (every pair: a full mesh), and the
 * address of end e (0: a's, 1: b's) on it. */
size_t plan_bb_pair(size_t npops, size_t a, size_t b);
uint32_t plan_bb_addr(size_t pair, int end);

/* Application i's UDP ports, source and destination: the simulator's
 * (app_sport(), app_port()), so rules and firewall services match the
 * same flows in both. */
uint16_t plan_app_sport(size_t app);
uint16_t plan_app_port(size_t app);
/* The application whose destination port is port, or -1. */
int plan_app_of(const struct scenario *sc, uint16_t port);

/* The site whose LAN holds addr, or -1. */
int plan_site_of(const struct scenario *sc, uint32_t addr);

#endif
