/*
 * Expectations: the comparison and the message.  The world measures; this
 * module decides pass or fail and says so in one line that names the
 * expectation's place in the scenario file, the measured value and the
 * bound, each in the metric's own unit.
 */
#ifndef SASEBED_REPORTS_EXPECT_H
#define SASEBED_REPORTS_EXPECT_H

#include <stddef.h>
#include <stdio.h>

#include "sim/scenario.h"

enum expect_status { EXPECT_PASS = 0, EXPECT_FAIL, EXPECT_NO_DATA };

/* Does `measured op bound` hold?  NaN on either side is EXPECT_NO_DATA. */
enum expect_status expect_check(enum sc_op op, double measured, double bound);

const char *expect_status_name(enum expect_status s);

/* The metric's value for people: "182.3ms", "0.41%", "1.95 Mbps". */
char *expect_fmt_value(enum sc_metric m, double v, char *buf, size_t len);
/* The same for a value in a unit as the results name it ("ns", "bps"). */
char *expect_fmt_unit(const char *unit, double v, char *buf, size_t len);

/*
 * "FILE:LINE:COL: flow erp latency-p95 below 250ms: measured 182.3ms: pass"
 * into buf; returns buf.
 */
char *expect_message(const char *file, const struct sc_expect *e,
    double measured, double bound, enum expect_status st, char *buf,
    size_t len);

/*
 * Expectation i of sc, measured m against bound b: judged, its line
 * printed to out (NULL: not), and recorded (rec NULL: not).  The status,
 * with *rec_rc the recorder's return (0, or negative on a failed write).
 */
struct recorder;
enum expect_status expect_report(struct recorder *rec,
    const struct scenario *sc, size_t i, double m, double b, FILE *out,
    int *rec_rc);

#endif
