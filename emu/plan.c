/*
 * The address plan (emu/plan.h).  /30s everywhere a link joins two ends,
 * so that a link is a subnet of its own and routes name it.
 */
#include <stdio.h>

#include "emu/plan.h"

void
plan_ns_site(const char *tag, size_t site, char out[PLAN_NAME])
{
	snprintf(out, PLAN_NAME, "%s-s%zu", tag, site);
}

void
plan_ns_pop(const char *tag, size_t pop, char out[PLAN_NAME])
{
	snprintf(out, PLAN_NAME, "%s-p%zu", tag, pop);
}

void
plan_ns_core(const char *tag, char out[PLAN_NAME])
{
	snprintf(out, PLAN_NAME, "%s-core", tag);
}

void
plan_ns_wires(const char *tag, char out[PLAN_NAME])
{
	snprintf(out, PLAN_NAME, "%s-wires", tag);
}

/* 100.64.0.0/10, the shared address space ISPs number customers from. */
uint32_t
plan_link_gw(size_t site, size_t link)
{
	return 0x64400000u + (uint32_t)(site * 8 + link) * 4 + 1;
}

uint32_t
plan_link_addr(size_t site, size_t link)
{
	return plan_link_gw(site, link) + 1;
}

uint32_t
plan_pop_gw(size_t pop)
{
	return 0xc6120000u + (uint32_t)pop * 4 + 1;
}

uint32_t
plan_pop_addr(size_t pop)
{
	return plan_pop_gw(pop) + 1;
}

uint32_t
plan_lan_addr(size_t site)
{
	return 0x0a00000au | (uint32_t)(site + 1) << 8;
}

size_t
plan_bb_pair(size_t npops, size_t a, size_t b)
{
	/* pairs in order (0,1), (0,2) .. (0,n-1), (1,2) .. */
	return a * npops - a * (a + 1) / 2 + (b - a - 1);
}

/* 172.16.0.0/12, private: the backbone is the operator's own. */
uint32_t
plan_bb_addr(size_t pair, int end)
{
	return 0xac100000u + (uint32_t)pair * 4 + 1 + (uint32_t)end;
}

int
plan_site_of(const struct scenario *sc, uint32_t addr)
{
	uint32_t i = (addr >> 8 & 0xffu) - 1;

	if ((addr & 0xffff0000u) != 0x0a000000u || i >= sc->nsites)
		return -1;
	return (int)i;
}

uint16_t
plan_app_sport(size_t app)
{
	return (uint16_t)(20000 + app % 40000);
}

uint16_t
plan_app_port(size_t app)
{
	return (uint16_t)(30000 + app % 10000);
}

int
plan_app_of(const struct scenario *sc, uint16_t port)
{
	if (port < 30000 || (size_t)(port - 30000) >= sc->napps)
		return -1;
	return port - 30000;
}
