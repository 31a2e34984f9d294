/*
 * Units, parsed once at the edge: every quantity in a scenario file is a
 * number and a unit, turned here into the base unit the code uses.
 *
 *   time      ns us ms s m h (and compounds: 1h30m)      -> int64 ns
 *   rate      bps Kbps Mbps Gbps (decimal)               -> bits/s
 *   size      B KB MB GB (decimal; KiB MiB GiB binary)   -> bytes
 *   fraction  a percentage "0.5%" or a plain number 0.005 -> [0, 1]
 *   clock     2026-03-10T18:00:00+05:30 (ISO 8601 with a zone; Z for UTC)
 *
 * Each parser returns 0, or -1 with a short reason in err ("unknown unit
 * 'mbit'; use bps, Kbps, Mbps or Gbps").
 */
#ifndef SASEBED_SIM_UNITS_H
#define SASEBED_SIM_UNITS_H

#include <stddef.h>
#include <stdint.h>

#include "wan/platform.h"

int units_time(const char *s, sb_time *out, char *err, size_t errlen);
int units_rate(const char *s, uint64_t *out, char *err, size_t errlen);
int units_size(const char *s, uint64_t *out, char *err, size_t errlen);
int units_fraction(const char *s, double *out, char *err, size_t errlen);
int units_clock(const char *s, int64_t *utc_s, int *offset_min, char *err,
    size_t errlen);

/* Format for people: "1h02m03.5s", "12.5ms", "2 Mbps".  Returns buf. */
char *units_fmt_time(sb_time t, char *buf, size_t len);
char *units_fmt_rate(double bps, char *buf, size_t len);

#endif
