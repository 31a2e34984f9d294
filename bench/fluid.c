/*
 * Scale with fluid background: 5,000 sites and 85 PoPs (each at one of
 * the geography's cities, the sites spread over them and homed on the
 * nearest PoP), one hour at peak.  Every site link carries background at
 * 60% up and 70% down of its 100 Mbit/s, and every backbone pair 50% of
 * its 10 Gbit/s each way, as fluid (docs/fluid.md).  The packet-level
 * foreground is 2,000 flows of 16 kbit/s in 200-byte packets (10 a
 * second: a point-of-sale or telemetry exchange, lighter than a voice
 * call's 50) from site i to the site half the list away, so most cross
 * the backbone; the tunnels, their keepalives and the Sockets' probes
 * are packet-level too.  The scenario is generated as YAML and goes
 * through the normal loader; results are not recorded, so this measures
 * the engine and the world, not SQLite.  Prints figures; a benchmark,
 * not a test.
 *
 * The Sockets and the PoPs probe once a second (`socket: probe` and
 * `backbone: probe`), as a capacity study of this size would: at the
 * defaults (10 ms and 100 ms) the probes are 16 times the foreground's
 * packets, 1.3 million link hops a simulated second against 80,000, and
 * the hour would take six hours or more.  What it changes is what the probes
 * measure (docs/fluid.md, "Probing at scale"), not what the foreground
 * meets.  The tunnels run `mode: null-cipher`, the mode for capacity runs
 * (the same handshake, keepalives and state machine, records in clear):
 * sealing and opening cost a third of the run.  "fine" probes at the
 * defaults and "dtls" seals, for comparison.
 *
 *   bench/fluid [SITES [POPS [FLOWS [SECONDS [nobg] [fine] [dtls]]]]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench/bench.h"
#include "models/geo.h"
#include "sim/hugepages.h"
#include "sim/kernel.h"
#include "sim/scenario.h"
#include "sim/world.h"

static double
peak_mib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss / 1024.0;
}

/* CPU seconds so far, user and system: steadier than wall time on a
 * shared machine. */
static double
cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* How much of the heap is in huge pages (sim/hugepages.h), MiB. */
static double
huge_mib(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	double kb = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "AnonHugePages: %lf kB", &kb) == 1)
			break;
	fclose(f);
	return kb / 1024.0;
}

static char *
make_scenario(int S, int P, int F, int T, int bg, int fine, int dtls,
    size_t *len)
{
	struct text t = { malloc(1024), 0, 1024 };
	size_t nc = geo_city_count();

	t.s[0] = '\0';
	put(&t, "name: fluid-bench\nseed: 1\nduration: %ds\n"
	    "sample-interval: %ds\n", T, T < 60 ? T : 60);
	if (!fine)
		put(&t, "socket:\n  probe: 1s\n");
	if (!dtls)
		put(&t, "tunnels: {mode: null-cipher}\n");
	put(&t, "pops:\n");
	for (int p = 0; p < P; p++)
		put(&t, "  - {name: p%d, city: %s}\n", p,
		    geo_city_at((size_t)p % nc)->name);
	put(&t, "backbone:\n  bandwidth: 10Gbps\n%s%s", fine ? "" :
	    "  probe: 1s\n", bg ?
	    "  background: {utilisation: 0.5, packet: 1000B, step: 10s}\n" :
	    "");
	put(&t, "sites:\n");
	for (int s = 0; s < S; s++)
		put(&t, "  - name: s%d\n    city: %s\n    links:\n"
		    "      - {name: wan1, bandwidth: 100Mbps, delay: %dms%s}\n",
		    s, geo_city_at((size_t)s % (size_t)P % nc)->name,
		    2 + (7 * s) % 9, bg ? ", background: {up: 0.6, down: 0.7, "
		    "step: 10s}" : "");
	put(&t, "applications:\n");
	for (int f = 0; f < F; f++)
		put(&t, "  - {name: f%d, kind: udp-cbr, from: s%d, to: s%d, "
		    "rate: 16kbps, packet-size: 200B, start: %dms}\n", f,
		    f % S, (f + S / 2 + 1) % S, (f * 37) % 1000);
	*len = t.n;
	return t.s;
}

int
main(int argc, char **argv)
{
	int S = argc > 1 ? atoi(argv[1]) : 5000;
	int P = argc > 2 ? atoi(argv[2]) : 85;
	int F = argc > 3 ? atoi(argv[3]) : 2000;
	int T = argc > 4 ? atoi(argv[4]) : 3600;
	/* "nobg": the same without background; "fine": probes at the
	 * defaults; both for comparison */
	int bg = 1, fine = 0, dtls = 0;
	struct scenario *sc;
	struct kernel *k;
	struct world *w;
	char err[1024];
	size_t len;
	char *text;
	uint64_t sent, delivered, hops;
	double t0, t1, t2, t3, m1, m2;

	hugepages_exec(argv);    /* as sasebed run does */
	for (int i = 5; i < argc; i++) {
		if (strcmp(argv[i], "nobg") == 0)
			bg = 0;
		else if (strcmp(argv[i], "fine") == 0)
			fine = 1;
		else if (strcmp(argv[i], "dtls") == 0)
			dtls = 1;
		else {
			fprintf(stderr, "fluid: %s: nobg, fine or dtls\n",
			    argv[i]);
			return 2;
		}
	}
	text = make_scenario(S, P, F, T, bg, fine, dtls, &len);
	/* a world that outgrows the target fails here, not the machine */
	{
		struct rlimit rl = { (rlim_t)6 << 30, (rlim_t)6 << 30 };
		setrlimit(RLIMIT_AS, &rl);
	}
	t0 = wall();
	if (scenario_load_text("fluid-bench.yaml", text, len, &sc, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 3;
	}
	t1 = wall();
	k = kernel_new();
	w = world_new(sc, sc->seed, k, NULL, err, sizeof(err));
	if (w == NULL || world_start(w) < 0) {
		fprintf(stderr, "fluid: %s\n", err);
		return 3;
	}
	t2 = wall();
	m1 = peak_mib();
	kernel_run(k, sc->duration);
	t3 = wall();
	m2 = peak_mib();
	world_counts(w, &sent, &delivered, &hops);
	printf("fluid scale: %d sites, %d PoPs, %d foreground flows of "
	    "16 kbit/s, %d s simulated; background fluid on every site link "
	    "(60%% up, 70%% down) and backbone pair (50%%); probes every %s; "
	    "tunnels %s\n", S, P, F, T, fine ? "10 ms (Sockets) and 100 ms "
	    "(PoPs)" : "second", dtls ? "DTLS" : "null-cipher");
	printf("  wall %.1f s: load %.1f s, build %.1f s, run %.1f s "
	    "(target: under 300 s)\n", t3 - t0, t1 - t0, t2 - t1, t3 - t2);
	printf("  CPU %.1f s (user and system)\n", cpu_s());
	printf("  peak RSS %.0f MiB after building, %.0f MiB at the end "
	    "(target: under 4096 MiB)\n", m1, m2);
	printf("  of which in huge pages %.0f MiB\n", huge_mib());
	printf("  packets sent %llu, delivered %llu; link hops %llu; "
	    "events %llu (%.0f/s)\n", (unsigned long long)sent,
	    (unsigned long long)delivered, (unsigned long long)hops,
	    (unsigned long long)kernel_events_run(k),
	    (double)kernel_events_run(k) / (t3 - t2));
	world_free(w);
	kernel_free(k);
	scenario_free(sc);
	free(text);
	return 0;
}
