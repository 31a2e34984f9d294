/*
 * `sasebed emulate`: a scenario run for real.  The runner builds the
 * scenario's topology in network namespaces (emu/plan.h), impairs its
 * links with the wires (emu/wire.h), starts a sasebed-socketd per site and
 * a sasebed-popd per PoP, sends the scenario's site-to-site UDP
 * applications through the sites' LANs, plays the timeline on the real
 * interfaces, and writes what it measured to a results file of the
 * simulator's schema, so that `sasebed compare` holds the two side by
 * side.  Everything it made is taken down at the end, on an error and on
 * SIGINT or SIGTERM.
 */
#ifndef SASEBED_EMU_EMULATE_H
#define SASEBED_EMU_EMULATE_H

#include <signal.h>
#include <stdio.h>

#include "wan/platform.h"

struct emulate_opts {
	const char *path;         /* the scenario */
	const char *db;           /* results file, or NULL: DIR/NAME-emu.db */
	const char *out_dir;      /* DIR (default: results) */
	const char *pcap_dir;     /* captures of each site link and the
	                             tunnels' key log, or NULL */
	sb_time until;            /* stop early; 0: the scenario's end */
	sb_time hostile;          /* hostile datagrams at the daemons at
	                             this time (emu/hostile.h); 0: none */
	int quiet;
	volatile sig_atomic_t *stop;  /* set by SIGINT/SIGTERM handlers */
};

/* The exit status: 0 every expectation held, 1 one failed, 2 bad input
 * or not allowed (not root, no namespaces), 3 an internal error, 128 +
 * the signal when interrupted. */
int emulate_run(const struct emulate_opts *o, FILE *out, FILE *errf);

#endif
