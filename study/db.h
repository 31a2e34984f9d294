/*
 * A study's results file: one SQLite database holding every run of the
 * study (its metrics of interest, its scenario's expectations, the peak
 * utilisation of each PoP's inspection and each backbone link), the
 * points' parameter values as columns of views, and the summaries (mean,
 * sd, 95% CI per point and metric) and saturation points made from them.
 * docs/studies.md documents the tables.
 *
 * The same schema serves a rank's own file under MPI: runs are merged
 * into it as they finish, and rank 0 copies them into the study's.
 * Runs are merged one transaction each, so a killed study leaves whole
 * runs only, and the runs present are the ones a resumed study skips.
 */
#ifndef SASEBED_STUDY_DB_H
#define SASEBED_STUDY_DB_H

#include <stddef.h>

struct study;
struct sdb;

/* Open (or create) the results file at path for st.  A file made for
 * another plan is refused (-2 through *why... see below): NULL with a
 * message; *bad_input is set when the file is fine but not this study's. */
struct sdb *sdb_open(const char *path, const struct study *st,
    int *bad_input, char *err, size_t errlen);
void sdb_close(struct sdb *s);

/* done[i] = 1 for each run the file holds. */
int sdb_done(struct sdb *s, unsigned char *done, char *err, size_t errlen);

/* Merge run (finished with exit status `status`) from its results file. */
int sdb_merge_run(struct sdb *s, size_t run, const char *run_db, int status,
    char *err, size_t errlen);

/* Copy run from another file of this schema (a rank's); 0 if it was
 * there, 1 if not, -1 on error. */
int sdb_copy_run(struct sdb *s, const char *from, size_t run, char *err,
    size_t errlen);

/* The summaries, point checks and saturation points, made again from the
 * runs present; the number of points with every run present. */
int sdb_summarise(struct sdb *s, char *err, size_t errlen);

/* The open database, for the report. */
struct sqlite3 *sdb_handle(struct sdb *s);

#endif
