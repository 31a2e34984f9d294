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
 *   bench/forward [SITES [POPS [SECONDS [null-cipher|dtls]]]]
 *   bench/forward --yaml [SITES [POPS [SECONDS [MODE]]]]
 *
 * With --yaml it prints the scenario instead of running it: that is how
 * bench/wan-bench.yaml and bench/wan-bench-null.yaml were made.
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
	/* The reference program's sources start at once and its links need no
	 * handshake; here a tunnel is up some 100 ms after the start, so the
	 * sources start a second in, send for T seconds and, as there, have
	 * half a second after they stop for what is in flight to land. */
	put(&t, "# The ns-3 reference workload default3hop (shared/anchors/ns3,\n"
	    "# wan_bench.cc --dstOffset=101) as a scenario: %d sites on 50 Mbps\n"
	    "# links (5 + 7s mod 21 ms, 1%% loss each way) to %d PoPs in a 10 Gbps\n"
	    "# full mesh (20 + (37i + 17j) mod 101 ms), each site sending 2 Mbps\n"
	    "# of 1000-byte UDP to the site 101 places on, for %d s.\n"
	    "#\n"
	    "# Where the model differs, necessarily:\n"
	    "# - Traffic rides Socket-to-PoP tunnels, so each packet carries the\n"
	    "#   tunnel's overhead on the site links (%s),\n"
	    "#   and the PoPs\n"
	    "#   decapsulate, route and encapsulate it again: real tunnel and\n"
	    "#   PoP code, where the reference only forwards IP.\n"
	    "# - Tunnels need a handshake, so sources start 1 s in and stop at\n"
	    "#   %d s; the run ends at %d.5 s (the reference: 0 to %d s, end at\n"
	    "#   %d.5 s).  Sockets also probe their links and PoPs their\n"
	    "#   backbone, which the reference does not.\n"
	    "# - Sizes: the reference's 1000 bytes are UDP payload; the size\n"
	    "#   here is of the packet on a point-to-point wire, 1030 bytes.\n"
	    "# - Queues: the reference has FqCoDel and 100-packet device queues;\n"
	    "#   at 2 Mbps on 50 Mbps links neither ever holds a packet.\n"
	    "#\n"
	    "# Made by: bench/forward --yaml %d %d %d %s\n",
	    S, P, T, strcmp(mode, "dtls") == 0 ?
	    "DTLS 1.2 with AES-128-GCM:\n#   37 bytes of record, 28 of outer UDP/IP" :
	    "null cipher:\n#   a 13-byte record header, 28 bytes of outer UDP/IP",
	    T + 1, T + 1, T, T, S, P, T, mode);
	put(&t, "name: wan-bench\nseed: 1\nduration: %d.5s\n"
	    "sample-interval: %ds\ntunnels: {mode: %s}\n", T + 1, T < 10 ? T : 10, mode);
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
		    "rate: %.0fbps, packet-size: 1030B, start: %dus, "
		    "stop: %ds}\n", s, s, (s + 101) % S, 2e6 * 1030.0 / 1000.0,
		    1000000 + (s * 37) % 4000, T + 1);
	*len = t.n;
	return t.s;
}

int
main(int argc, char **argv)
{
	int yaml = argc > 1 && strcmp(argv[1], "--yaml") == 0;

	if (yaml) {
		argc--;
		argv++;
	}
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
	double ts, t0, t1;

	if (yaml) {
		fwrite(text, 1, len, stdout);
		free(text);
		return 0;
	}

	ts = wall();
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
	printf("forwarding: %d sites, %d PoPs, %d s of traffic, tunnels %s "
	    "(every flow crosses the backbone)\n", S, P, T, mode);
	printf("  setup %.2f s (load, build, start); wall %.2f s; packets "
	    "sent %llu, delivered %llu (%.1f%%)\n", t0 - ts, t1 - t0,
	    (unsigned long long)sent, (unsigned long long)delivered,
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
