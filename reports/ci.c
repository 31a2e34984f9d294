/*
 * JUnit and TAP from results files.  Each run becomes a suite of cases
 * held in memory (a batch is a handful of scenarios with a handful of
 * expectations each), and both formats are written from those.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "reports/ci.h"
#include "reports/markup.h"

enum verdict { V_PASS, V_FAIL, V_ERROR };

struct ci_case {
	char *name;       /* "107:5: flow x latency-p95 below 110ms" */
	char *message;    /* the run's line for it, or the error */
	unsigned line;
	enum verdict v;
};

struct ci_suite {
	char *name;       /* the scenario's name, or its path */
	char *path;
	double wall_s;
	struct ci_case *cases;
	size_t ncases;
};

struct ci {
	struct ci_suite *suites;
	size_t nsuites;
};

static char *
dup(const char *s)
{
	return strdup(s != NULL ? s : "");
}

struct ci *
ci_new(void)
{
	return calloc(1, sizeof(struct ci));
}

void
ci_free(struct ci *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nsuites; i++) {
		struct ci_suite *s = &c->suites[i];
		for (size_t j = 0; j < s->ncases; j++) {
			free(s->cases[j].name);
			free(s->cases[j].message);
		}
		free(s->cases);
		free(s->name);
		free(s->path);
	}
	free(c->suites);
	free(c);
}

static int
add_case(struct ci_suite *s, const char *name, const char *message,
    unsigned line, enum verdict v)
{
	struct ci_case *n = realloc(s->cases, (s->ncases + 1) * sizeof(*n));

	if (n == NULL)
		return -1;
	s->cases = n;
	n = &n[s->ncases];
	n->name = dup(name);
	n->message = dup(message);
	n->line = line;
	n->v = v;
	if (n->name == NULL || n->message == NULL) {
		free(n->name);
		free(n->message);
		return -1;
	}
	s->ncases++;
	return 0;
}

/* The suite's name and cases from the results file. */
static int
read_run(struct ci_suite *s, const char *db, char *err, size_t errlen)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	int rc, n = 0;

	rc = sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(h, "SELECT scenario FROM runs LIMIT 1",
		    -1, &st, NULL);
	if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		free(s->name);
		s->name = dup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(h, "SELECT line, col, text, status, "
		    "message FROM expectations ORDER BY idx", -1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		char name[1024];
		const char *status = (const char *)sqlite3_column_text(st, 3);

		snprintf(name, sizeof(name), "%d:%d: %s",
		    sqlite3_column_int(st, 0), sqlite3_column_int(st, 1),
		    (const char *)sqlite3_column_text(st, 2));
		if (add_case(s, name,
		    (const char *)sqlite3_column_text(st, 4),
		    (unsigned)sqlite3_column_int(st, 0),
		    status != NULL && strcmp(status, "pass") == 0 ? V_PASS :
		    V_FAIL) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		n++;
		rc = SQLITE_OK;
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	if (rc != SQLITE_OK)
		snprintf(err, errlen, "%s: %s", db, h != NULL ?
		    sqlite3_errmsg(h) : "cannot open");
	sqlite3_finalize(st);
	sqlite3_close(h);
	if (rc == SQLITE_OK && n == 0 &&
	    add_case(s, "run", "no expectations; the run completed", 0,
	    V_PASS) < 0)
		return -1;
	return rc == SQLITE_OK ? 0 : -1;
}

int
ci_add(struct ci *c, const char *path, const char *db, const char *error,
    double wall_s, char *err, size_t errlen)
{
	struct ci_suite *s;
	int rc = 0;

	s = realloc(c->suites, (c->nsuites + 1) * sizeof(*s));
	if (s == NULL)
		return -1;
	c->suites = s;
	s = &s[c->nsuites++];
	memset(s, 0, sizeof(*s));
	s->name = dup(path);
	s->path = dup(path);
	s->wall_s = wall_s;
	if (db != NULL && (rc = read_run(s, db, err, errlen)) < 0)
		error = err;
	if (error != NULL)
		add_case(s, db != NULL ? "results" : "run", error, 0, V_ERROR);
	return rc;
}

static void
count(const struct ci_suite *s, size_t *fail, size_t *error)
{
	*fail = *error = 0;
	for (size_t j = 0; j < s->ncases; j++) {
		*fail += s->cases[j].v == V_FAIL;
		*error += s->cases[j].v == V_ERROR;
	}
}

int
ci_write_junit(const struct ci *c, FILE *f)
{
	size_t tests = 0, fails = 0, errors = 0;
	double wall = 0;

	for (size_t i = 0; i < c->nsuites; i++) {
		size_t fa, er;
		count(&c->suites[i], &fa, &er);
		tests += c->suites[i].ncases;
		fails += fa;
		errors += er;
		wall += c->suites[i].wall_s;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<testsuites name=\"sasebed\" tests=\"%zu\" failures=\"%zu\" "
	    "errors=\"%zu\" time=\"%.3f\">\n", tests, fails, errors, wall);
	for (size_t i = 0; i < c->nsuites; i++) {
		const struct ci_suite *s = &c->suites[i];
		size_t fa, er;

		count(s, &fa, &er);
		fputs("  <testsuite name=\"", f);
		markup_escape(f, s->name);
		fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
		    "skipped=\"0\" time=\"%.3f\" file=\"", s->ncases, fa, er,
		    s->wall_s);
		markup_escape(f, s->path);
		fputs("\">\n", f);
		for (size_t j = 0; j < s->ncases; j++) {
			const struct ci_case *k = &s->cases[j];

			fputs("    <testcase classname=\"", f);
			markup_escape(f, s->name);
			fputs("\" name=\"", f);
			markup_escape(f, k->name);
			fputs("\" file=\"", f);
			markup_escape(f, s->path);
			fprintf(f, "\" line=\"%u\" time=\"0\"", k->line);
			if (k->v == V_PASS) {
				fputs("/>\n", f);
				continue;
			}
			fprintf(f, ">\n      <%s message=\"",
			    k->v == V_FAIL ? "failure" : "error");
			markup_escape(f, k->message);
			fprintf(f, "\" type=\"%s\">", k->v == V_FAIL ?
			    "expectation" : "run");
			markup_escape(f, k->message);
			fprintf(f, "</%s>\n    </testcase>\n",
			    k->v == V_FAIL ? "failure" : "error");
		}
		fputs("  </testsuite>\n", f);
	}
	fputs("</testsuites>\n", f);
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

/* TAP descriptions end at a newline and treat '#' as a directive. */
static void
tap_text(FILE *f, const char *s)
{
	for (; *s != '\0'; s++)
		fputc(*s == '\n' ? ' ' : *s == '#' ? '_' : *s, f);
}

int
ci_write_tap(const struct ci *c, FILE *f)
{
	size_t n = 0, k = 0;

	for (size_t i = 0; i < c->nsuites; i++)
		n += c->suites[i].ncases;
	fprintf(f, "TAP version 13\n1..%zu\n", n);
	for (size_t i = 0; i < c->nsuites; i++) {
		const struct ci_suite *s = &c->suites[i];

		for (size_t j = 0; j < s->ncases; j++) {
			const struct ci_case *cs = &s->cases[j];

			fprintf(f, "%sok %zu - ", cs->v == V_PASS ? "" : "not ",
			    ++k);
			tap_text(f, s->name);
			fputs(": ", f);
			tap_text(f, cs->name);
			fputc('\n', f);
			if (cs->v == V_PASS)
				continue;
			fputs("  ---\n  message: \"", f);
			for (const char *p = cs->message; *p != '\0'; p++) {
				if (*p == '"' || *p == '\\')
					fputc('\\', f);
				fputc(*p == '\n' ? ' ' : *p, f);
			}
			fprintf(f, "\"\n  severity: %s\n  ...\n",
			    cs->v == V_FAIL ? "fail" : "error");
		}
	}
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
