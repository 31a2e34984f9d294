/*
 * The topology of a run, drawn with Graphviz in process (libgvc): sites,
 * PoPs, the backbone and the Internet paths, placed by geography, each link
 * coloured by what it went through over the run (utilisation, loss, time
 * down).  Read from the results file alone, so a report can be made again
 * long after the run.
 */
#ifndef SASEBED_REPORTS_TOPOLOGY_H
#define SASEBED_REPORTS_TOPOLOGY_H

#include <stddef.h>

#include <sqlite3.h>

/*
 * Draw the run in db (one run per file) as DIR/topology.svg and
 * DIR/topology.png, and keep DIR/topology.dot, the graph as laid out, so a
 * user can change and rerender it.  DIR exists.  0, or -1 with a message.
 */
int topology_draw(sqlite3 *db, const char *dir, char *err, size_t errlen);

#endif
