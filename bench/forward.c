/*
 * Forwarding rate on a WAN-sized topology: 200 sites on 50 Mbps links with
 * 1% loss each way, 10 PoPs in a full mesh, each site sending 2 Mbps of
 * 1000-byte UDP to the site 101 places on (so every flow crosses the
 * backbone: site link, backbone link, site link), 60 s simulated.  The same
 * shape as the ns-3 reference workload in shared/anchors/ns3 (default3hop);
 * the scenario is generated here as YAML text and goes through the normal
 * loader.  Prints figures; a benchmark, not a test.  Results are not
 * recorded, so this measures the engine, not SQLite.
 *
 *   bench/forward [SITES [POPS [SECONDS]]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench/bench.h"
#include "sim/kernel.h"
#include "sim/scenario.h"
#include "sim/world.h"

static char *
make_scenario(int S, int P, int T, const char *mode, size_t *len)
{
	struct text t = { malloc(1024), 0, 1024 };

	t.s[0] = '\0';
	put(&t, "name: forward-bench\nseed: 1\nduration: %ds\n"
	    "sample-interval: %ds\ntunnels: {mode: %s}\n", T, T, mode);
	put(&t, "pops:\n");
	for (int p = 0; p < P; p++)
		put(&t, "  - {name: p%d, city: frankfurt}\n", p);
	put(&t, "backbone:\n  bandwidth: 10Gbps\n  pairs:\n");
	for (int i = 0; i < P; i++)
		for (int j = i + 1; j < P; j++)
			put(&t, "    - {between: [p%d, p%d], delay: %dms}\n", i,
			    j, 20 + (37 * i + 17 * j) % 101);
	put(&t, "sites:\n");
	for (int s = 0; s < S; s++)
		put(&t, "  - name: s%d\n    city: frankfurt\n    pop: p%d\n"
		    "    links:\n      - {name: wan1, bandwidth: 50Mbps, "
		    "delay: %dms, loss: 1%%}\n", s, s % P, 5 + (7 * s) % 21);
	put(&t, "applications:\n");
	for (int s = 0; s < S; s++)
		/* 1000 B of payload is 1030 B on a point-to-point wire */
		put(&t, "  - {name: f%d, kind: udp-cbr, from: s%d, to: s%d, "
		    "rate: %.0fbps, packet-size: 1030B, start: %dus}\n", s, s,
		    (s + 101) % S, 2e6 * 1030.0 / 1000.0, (s * 37) % 4000);
	*len = t.n;
	return t.s;
}

int
main(int argc, char **argv)
{
	int S = argc > 1 ? atoi(argv[1]) : 200;
	int P = argc > 2 ? atoi(argv[2]) : 10;
	int T = argc > 3 ? atoi(argv[3]) : 60;
	/* The forwarding engine's own rate is the null-cipher one; with
	 * DTLS, the tunnels' encryption is most of the time. */
	const char *mode = argc > 4 ? argv[4] : "null-cipher";
	struct scenario *sc;
	struct kernel *k;
	struct world *w;
	struct rusage ru;
	char err[1024];
	size_t len;
	char *text = make_scenario(S, P, T, mode, &len);
	uint64_t sent, delivered, hops;
	double t0, t1;

	if (scenario_load_text("forward-bench.yaml", text, len, &sc, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 3;
	}
	k = kernel_new();
	w = world_new(sc, sc->seed, k, NULL, err, sizeof(err));
	if (w == NULL || world_start(w) < 0) {
		fprintf(stderr, "forward: %s\n", err);
		return 3;
	}
	t0 = wall();
	kernel_run(k, sc->duration);
	t1 = wall();
	world_counts(w, &sent, &delivered, &hops);
	getrusage(RUSAGE_SELF, &ru);
	printf("forwarding: %d sites, %d PoPs, %d s simulated, tunnels %s "
	    "(every flow crosses the backbone)\n", S, P, T, mode);
	printf("  wall %.2f s; packets sent %llu, delivered %llu (%.1f%%)\n",
	    t1 - t0, (unsigned long long)sent, (unsigned long long)delivered,
	    100.0 * (double)delivered / (double)sent);
	printf("  delivered packets/s %.0f; link hops/s %.0f; events %llu "
	    "(%.2f per delivered packet), events/s %.0f\n",
	    (double)delivered / (t1 - t0), (double)hops / (t1 - t0),
	    (unsigned long long)kernel_events_run(k),
	    (double)kernel_events_run(k) / (double)delivered,
	    (double)kernel_events_run(k) / (t1 - t0));
	printf("  peak RSS %.1f MiB\n", ru.ru_maxrss / 1024.0);
	world_free(w);
	kernel_free(k);
	scenario_free(sc);
	free(text);
	return 0;
}
