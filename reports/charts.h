/*
 * Charts of a run, drawn by gnuplot from its results file: per-flow
 * latency, loss and throughput over time with the timeline's events
 * marked, the failover timeline (which link and PoP each flow used when),
 * latency CDFs per flow and link utilisation.  Each chart keeps its data
 * (NAME.tsv) and its script (NAME.gp) beside its pictures (NAME.svg,
 * NAME.png): `cd DIR && gnuplot NAME.gp` draws it again, changed.
 */
#ifndef SASEBED_REPORTS_CHARTS_H
#define SASEBED_REPORTS_CHARTS_H

#include <stddef.h>

#include <sqlite3.h>

#define CHARTS_MAX 16

/* What was drawn, in the order a report shows it. */
struct chart_list {
	size_t n;
	struct {
		char name[64];    /* file stem: "flow-latency" */
		char title[160];  /* for people: "Flow latency (p95)" */
	} v[CHARTS_MAX];
};

/*
 * Draw every chart the run has data for into DIR (which exists), running
 * gnuplot (the path configure found).  A chart with no data is left out,
 * not drawn empty.  0, or -1 with a message.
 */
int charts_draw(sqlite3 *db, const char *dir, const char *gnuplot,
    struct chart_list *out, char *err, size_t errlen);

/*
 * Run gnuplot on NAME.gp in DIR, what it says going to NAME.log, kept
 * only if not empty.  0, or -1 with a message naming the script's line
 * gnuplot complained about.  Used by every chart, the study's too.
 */
int charts_gnuplot(const char *gnuplot, const char *dir, const char *name,
    char *err, size_t errlen);

#endif
