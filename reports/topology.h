/*
 * The topology of a run, drawn with Graphviz in process (libgvc): sites,
 * PoPs, the backbone and the Internet paths, placed by geography, each link
 * coloured by what it went through over the run (utilisation, loss, time
 * down), or by its state at one instant.  Read from the results file
 * alone, so a report can be made again long after the run.
 */
#ifndef SASEBED_REPORTS_TOPOLOGY_H
#define SASEBED_REPORTS_TOPOLOGY_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

struct topology;

/*
 * The drawer: a Graphviz context that can write SVG and PNG, or NULL with a
 * message.  Make one per process and draw every run with it: Graphviz's
 * text layout remembers the last font across contexts, so drawing with a
 * second context after freeing the first reads freed memory.
 */
struct topology *topology_new(char *err, size_t errlen);
void topology_free(struct topology *tp);

/*
 * Draw the run in db (one run per file) as DIR/topology.svg and
 * DIR/topology.png, and keep DIR/topology.dot, the graph as laid out, so a
 * user can change and rerender it.  With at_ns >= 0, the network at that
 * simulated time instead (what each link did in the sample interval it
 * falls in, what was down then), as DIR/topology-at.svg, .png and .dot.
 * DIR exists.  0, or -1 with a message, also if the run ends before at_ns.
 */
int topology_draw(struct topology *tp, sqlite3 *db, const char *dir,
    int64_t at_ns, char *err, size_t errlen);

/*
 * Whether the run in db reaches at_ns, so a caller can refuse an instant
 * before drawing anything: 0, or -1 with the message topology_draw gives.
 */
int topology_check_at(sqlite3 *db, int64_t at_ns, char *err, size_t errlen);

#endif
