/*
 * The HTML report: one self-contained page per run (summary, expectations,
 * topology, charts, event log; pictures embedded, no scripts, nothing
 * fetched) and an index per folder of runs.  Made from the results file
 * alone: `sasebed report RUN.db` makes it again.
 */
#ifndef SASEBED_REPORTS_HTML_H
#define SASEBED_REPORTS_HTML_H

#include <stddef.h>
#include <stdint.h>

struct html;

/* The report writer, or NULL with a message (see topology_new: one per
 * process). */
struct html *html_new(char *err, size_t errlen);
void html_free(struct html *h);

/*
 * Report on the run in db into DIR (which exists): DIR/index.html,
 * with the topology and charts beside it (and their data and scripts);
 * with at_ns >= 0, also the network at that simulated time
 * (DIR/topology-at.*).  0; -1 with a message if something could not be
 * drawn or written (the page says so too); -2 if db is not a results file
 * or its run ends before at_ns (and no page is written).
 */
int html_report(struct html *w, const char *db, const char *dir,
    int64_t at_ns, char *err, size_t errlen);

/*
 * An index of the runs reported in the sub-folders of DIR (each made by
 * html_report): DIR/index.html.  0, or -1 with a message.
 */
int html_index(const char *dir, char *err, size_t errlen);

/* The reports' style sheet, shared by the study's report. */
extern const char html_style[];

#endif
