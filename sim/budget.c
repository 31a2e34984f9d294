/*
 * The memory budget (see budget.h).
 *
 * The costs per item were measured on this code (the peak resident size
 * of runs of 100 and 400 sites, with one and two links each, with and
 * without an application each) and rounded up; docs/robustness.md lists
 * them.  A site's WAN link is the expensive part: its tunnel holds a DTLS
 * context, its health check a ring of probes.
 *
 * Packets.  A packet that crosses a tunnel carries its bytes (the pool's
 * 2 KB buffer), so every packet is costed as one of those.  How many can
 * be alive at once: for UDP, what the application sends in the longest
 * time a packet can live (the queues it may wait in, drained at the
 * lowest rate the scenario ever gives a link, and the propagation along
 * the longest path), never more than the whole run sends; for TCP, a
 * full receive window of segments and their acknowledgements on each leg
 * of a split connection; for a replay, every packet the capture can hold.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/budget.h"
#include "sim/units.h"
#include "wan/packet.h"

#define KB (UINT64_C(1) << 10)
#define MB (UINT64_C(1) << 20)

#define COST_BASE (16 * MB)     /* the process, libraries, the recorder */
#define COST_SITE (96 * KB)
#define COST_SITE_LINK (192 * KB) /* both directions, tunnel, health */
#define COST_POP (256 * KB)
#define COST_BB_PAIR (64 * KB)  /* a backbone pair, both directions */
#define COST_INET (32 * KB)     /* an Internet path */
#define COST_APP (64 * KB)      /* meters, histograms, the source */
#define COST_CALL (16 * KB)     /* a voice call's playout and scores */
#define COST_CONN (32 * KB)     /* a TCP connection's state */
#define COST_OC_TUNNEL (128 * KB) /* an off-cloud tunnel, both ends */
#define COST_PACKET (sizeof(struct sb_packet) + SB_PACKET_BUF + 32)

#define HOP_PROPAGATION (150 * SB_MS) /* the most a hop adds, with jitter */
#define TCP_MSS_MIN 1200        /* a small MSS makes more packets */
#define TCP_LEGS 3              /* a split connection's legs */
#define PCAP_RECORD_MIN 16      /* a record header and nothing else */

/* Saturating arithmetic: a silly scenario must give a huge estimate, not
 * a wrapped small one. */
static uint64_t
add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t
mul(uint64_t a, uint64_t b)
{
	return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

static uint64_t
fmul(double a, double b)
{
	double x = a * b;

	return x >= 1.8e19 ? UINT64_MAX : x <= 0 ? 0 : (uint64_t)x;
}

/* Seconds a full queue takes to drain at rate bps; bps 0 is unlimited. */
static double
drain_s(const struct sc_linkp *p, uint64_t slowest)
{
	uint64_t bps = p->bandwidth_bps;

	if (slowest != 0 && (bps == 0 || slowest < bps))
		bps = slowest;
	if (bps == 0)
		return 0;
	return (double)p->queue_bytes * 8.0 / (double)bps;
}

/* Keep the k largest values seen in top[0..k), largest first. */
static void
keep_top(double *top, size_t k, double v)
{
	for (size_t i = 0; i < k; i++)
		if (v > top[i]) {
			memmove(top + i + 1, top + i, (k - i - 1) * sizeof(*top));
			top[i] = v;
			return;
		}
}

/* The longest a packet can live, in seconds: waiting in a full queue on
 * each hop of the longest path, drained at the lowest rate the timeline
 * sets, and the propagation of every hop. */
static double
hold_s(const struct scenario *sc)
{
	size_t k = 6 + sc->npops;
	uint64_t slowest = 0;
	double *top, sum = 0, run = (double)sc->duration / 1e9;

	for (size_t i = 0; i < sc->ntimeline; i++) {
		const struct sc_action *a = &sc->timeline[i];

		if (a->kind == SC_ACT_SET && a->set_bandwidth &&
		    a->bandwidth_bps != 0 &&
		    (slowest == 0 || a->bandwidth_bps < slowest))
			slowest = a->bandwidth_bps;
	}
	if ((top = calloc(k, sizeof(*top))) == NULL)
		return run;
	for (size_t i = 0; i < sc->nsites; i++)
		for (size_t j = 0; j < sc->sites[i].nlinks; j++)
			keep_top(top, k, drain_s(&sc->sites[i].links[j].p,
			    slowest));
	keep_top(top, k, drain_s(&sc->backbone_default, slowest));
	for (size_t i = 0; i < sc->nbb_pairs; i++)
		keep_top(top, k, drain_s(&sc->bb_pairs[i].p, slowest));
	keep_top(top, k, drain_s(&sc->internet_default, slowest));
	keep_top(top, k, drain_s(&sc->internet_cross_border, slowest));
	for (size_t i = 0; i < sc->ninet; i++)
		keep_top(top, k, drain_s(&sc->inet[i].p, slowest));
	for (size_t i = 0; i < k; i++)
		sum += top[i] + (double)HOP_PROPAGATION / 1e9;
	free(top);
	return sum < run ? sum : run;
}

/* Packets application a can have alive at once. */
static uint64_t
app_packets(const struct sc_app *a, double hold, double run)
{
	uint64_t mss, conns;
	double pps;
	struct stat st;

	switch (a->kind) {
	case SC_APP_UDP_CBR:
	case SC_APP_UDP_POISSON:
	case SC_APP_VOIP:
		if (a->packet_bytes == 0)
			return 0;
		pps = (double)a->rate_bps / 8.0 / (double)a->packet_bytes;
		if (a->kind == SC_APP_VOIP)
			pps *= a->calls > 0 ? a->calls : 1;
		/* a Poisson source's bursts run ahead of its mean */
		if (a->kind == SC_APP_UDP_POISSON)
			pps *= 2;
		return fmul(pps, hold < run ? hold : run) + 1;
	case SC_APP_WEB:
	case SC_APP_BULK:
		mss = a->tcp.mss != 0 && a->tcp.mss < TCP_MSS_MIN ?
		    a->tcp.mss : TCP_MSS_MIN;
		conns = a->kind == SC_APP_WEB && a->connections > 0 ?
		    a->connections : 1;
		/* segments and their acks, on every leg */
		return mul(mul(a->tcp.rwnd / mss + 1, 2 * TCP_LEGS), conns);
	case SC_APP_REPLAY:
		if (a->trace != NULL && stat(a->trace, &st) == 0)
			return (uint64_t)st.st_size / PCAP_RECORD_MIN;
		return 0;
	}
	return 0;
}

/* Remember the costliest item: where it is written, and what it is. */
static void
worst(struct budget *b, uint64_t *most, uint64_t cost, struct sc_loc at,
    const char *what)
{
	if (cost <= *most)
		return;
	*most = cost;
	b->at = at;
	snprintf(b->what, sizeof(b->what), "%s", what);
}

void
budget_estimate(const struct scenario *sc, struct budget *b)
{
	double hold = hold_s(sc), run = (double)sc->duration / 1e9;
	uint64_t links = 0, oc_links = 0, pairs, most = 0, c;
	char what[128];

	memset(b, 0, sizeof(*b));
	b->fixed = COST_BASE;
	for (size_t i = 0; i < sc->nsites; i++) {
		links += sc->sites[i].nlinks;
		if (sc->sites[i].off_cloud)
			for (size_t j = 0; j < sc->sites[i].nlinks; j++)
				oc_links += sc->sites[i].links[j].off_cloud != 0;
	}
	c = add(mul(sc->nsites, COST_SITE), mul(links, COST_SITE_LINK));
	b->fixed = add(b->fixed, c);
	snprintf(what, sizeof(what), "%zu sites", sc->nsites);
	if (sc->nsites > 0)
		worst(b, &most, c, sc->sites[0].loc, what);
	/* off-cloud: a tunnel for each pair of enabled links */
	c = mul(mul(oc_links, oc_links) / 2, COST_OC_TUNNEL);
	b->fixed = add(b->fixed, c);
	snprintf(what, sizeof(what), "the off-cloud mesh of %llu links",
	    (unsigned long long)oc_links);
	if (sc->nsites > 0)
		worst(b, &most, c, sc->sites[0].loc, what);
	/* the full mesh, and every pair written besides (parallel
	 * carriers) */
	pairs = add((uint64_t)sc->npops * (sc->npops > 0 ? sc->npops - 1 : 0) /
	    2, sc->nbb_pairs);
	c = add(mul(sc->npops, COST_POP), mul(pairs, COST_BB_PAIR));
	b->fixed = add(b->fixed, add(c, mul(sc->ninet, COST_INET)));
	snprintf(what, sizeof(what), "%zu PoPs", sc->npops);
	if (sc->npops > 0)
		worst(b, &most, c, sc->pops[0].loc, what);
	for (size_t i = 0; i < sc->napps; i++) {
		const struct sc_app *a = &sc->apps[i];
		uint64_t n = app_packets(a, hold, run);

		c = COST_APP;
		if (a->kind == SC_APP_VOIP)
			c = add(c, mul(a->calls, COST_CALL));
		if (a->kind == SC_APP_WEB || a->kind == SC_APP_BULK)
			c = add(c, mul(a->connections > 0 ? a->connections : 1,
			    COST_CONN));
		b->fixed = add(b->fixed, c);
		b->packets = add(b->packets, n);
		snprintf(what, sizeof(what), "application '%s', its packets "
		    "in flight and queued", a->name);
		worst(b, &most, add(c, mul(n, COST_PACKET)), a->loc, what);
	}
	b->packet_bytes = mul(b->packets, COST_PACKET);
	b->total = add(b->fixed, b->packet_bytes);
}

/* A size for people, in the decimal units scenarios are written in:
 * "1.5 GB". */
static char *
fmt_bytes(uint64_t v, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KB", "MB", "GB", "TB",
	    "PB", "EB" };
	double x = (double)v;
	int u = 0;

	while (x >= 1000 && u < 6) {
		x /= 1000;
		u++;
	}
	if (v == UINT64_MAX)
		snprintf(buf, len, "more than 16 EB");
	else
		snprintf(buf, len, u == 0 ? "%.0f %s" : "%.1f %s", x, unit[u]);
	return buf;
}

/* A "Key: N kB" line of /proc/meminfo, in bytes; 0 if absent. */
static uint64_t
meminfo(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	size_t n = strlen(key);
	unsigned long long kb = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, n) == 0 && line[n] == ':') {
			if (sscanf(line + n + 1, "%llu", &kb) != 1)
				kb = 0;
			break;
		}
	fclose(f);
	return (uint64_t)kb * 1024;
}

/* One number from a cgroup file; 0 for "max" or none. */
static uint64_t
cgroup_value(const char *path)
{
	FILE *f = fopen(path, "r");
	unsigned long long v = 0;

	if (f == NULL)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

uint64_t
budget_available(char *from, size_t fromlen)
{
	const char *env = getenv("SASEBED_MEMORY");
	uint64_t avail, max, cur;
	char err[128];

	if (env != NULL && *env != '\0') {
		snprintf(from, fromlen, "SASEBED_MEMORY=%s", env);
		if (units_size(env, &avail, err, sizeof(err)) < 0)
			return 0;
		return avail;
	}
	avail = meminfo("MemAvailable");
	snprintf(from, fromlen, "MemAvailable in /proc/meminfo");
	/* inside a container, the cgroup's limit is what the OOM killer
	 * goes by */
	max = cgroup_value("/sys/fs/cgroup/memory.max");
	cur = cgroup_value("/sys/fs/cgroup/memory.current");
	if (max != 0 && max > cur && (avail == 0 || max - cur < avail)) {
		avail = max - cur;
		snprintf(from, fromlen, "the memory cgroup's limit");
	}
	return avail;
}

int
budget_check(const struct scenario *sc, char *err, size_t errlen)
{
	struct budget b;
	char from[160], need[32], have[32], fixed[32], pk[32], uerr[128];
	const char *env = getenv("SASEBED_MEMORY");
	uint64_t avail;

	if (env != NULL && *env != '\0' &&
	    units_size(env, &avail, uerr, sizeof(uerr)) < 0) {
		snprintf(err, errlen, "SASEBED_MEMORY: %s", uerr);
		return -1;
	}
	if ((avail = budget_available(from, sizeof(from))) == 0)
		return 0;
	budget_estimate(sc, &b);
	if (b.total <= avail)
		return 0;
	snprintf(err, errlen, "%s:%u:%u: the run would need about %s of "
	    "memory (%s for the network and applications, %s for %llu "
	    "packets that can be alive at once), more than the %s available "
	    "(%s); the most is for %s.  docs/robustness.md says how this is "
	    "estimated", sc->path, b.at.line, b.at.col,
	    fmt_bytes(b.total, need, sizeof(need)),
	    fmt_bytes(b.fixed, fixed, sizeof(fixed)),
	    fmt_bytes(b.packet_bytes, pk, sizeof(pk)),
	    (unsigned long long)b.packets, fmt_bytes(avail, have, sizeof(have)),
	    from, b.what);
	return -1;
}
