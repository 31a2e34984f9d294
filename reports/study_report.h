/*
 * The report of a study, made from its results file alone: each metric
 * against each swept parameter with its 95% confidence band and the
 * expectation's bound, the saturation points, the peak utilisation of
 * each PoP's inspection and each backbone link per point, and the table
 * of every point's means.  One page, DIR/index.html, with the charts
 * (and their data and gnuplot scripts) beside it.
 */
#ifndef SASEBED_REPORTS_STUDY_REPORT_H
#define SASEBED_REPORTS_STUDY_REPORT_H

#include <stddef.h>

#include <sqlite3.h>

/* 0, or -1 with a message. */
int study_report(sqlite3 *db, const char *dir, char *err, size_t errlen);

#endif
