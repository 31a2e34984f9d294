/*
 * Reading results files back: column values as the report code wants them
 * (text never NULL, a missing number NaN).
 */
#ifndef SASEBED_REPORTS_RESULTS_H
#define SASEBED_REPORTS_RESULTS_H

#include <sqlite3.h>

/* Column i as text; "" for NULL. */
const char *results_text(sqlite3_stmt *st, int i);
/* Column i as a number; NaN for NULL. */
double results_num(sqlite3_stmt *st, int i);

#endif
