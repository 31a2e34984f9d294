/*
 * Fuzz target for the study loader, study_load_text(): a study file and
 * the base scenario it names, with every typo and truncation the fuzzer
 * can think of in either.
 *
 * Input: the study's text, a NUL byte, then the base scenario's text.  The
 * base scenario is written to base.yaml in a folder of the target's own,
 * and the study is named as if it sat there too, so that `scenario:
 * base.yaml` finds it and any other relative name (or an input without a
 * NUL, which writes no base.yaml) is refused rather than read from
 * wherever the fuzzer runs.  Seeds are the project's own studies
 * (scenarios/studies/ and tests/studies/), each with its base scenario
 * and its `scenario:` line pointed at base.yaml, which
 * tests/fuzz/study-seeds.sh makes for `make fuzz-smoke` and for the
 * replay in `make check`.
 *
 * Invariants; a violation aborts:
 * - the loader returns 0 with a study, or -1 with none and a message that
 *   starts with the study file's name and a ':' (every refusal names the
 *   study file first, a mistake in the base scenario or in a point's
 *   values included);
 * - loading the same text twice gives the same answer, word for word, and
 *   the same plan (fingerprint and every point's text);
 * - a plan is whole: as many points as the product of the parameters'
 *   value counts, each point a distinct combination in order (the last
 *   parameter fastest), runs = points x repetitions, every run's point,
 *   repetition and seed in range, every expectation on a metric that
 *   exists;
 * - every point's text has as many lines as the base scenario: a value is
 *   spliced in on its scalar's own line, so that the scenario loader's
 *   messages about a point's file name the base scenario's lines;
 * - a value put into the base scenario is where its path leads and reads
 *   back as itself: putting it there a second time changes nothing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "study/study.h"

static char dir[256];
static char study_name[300];
static char base_name[300];

static void
die(const char *what, const char *err)
{
	fprintf(stderr, "study_load: invariant violated: %s (%s)\n", what,
	    err);
	abort();
}

static void
cleanup(void)
{
	unlink(base_name);
	rmdir(dir);
}

static void
setup(void)
{
	const char *tmp = getenv("TMPDIR");

	if (dir[0] != '\0')
		return;
	snprintf(dir, sizeof(dir), "%s/sasebed-fuzz-study.XXXXXX",
	    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror(dir);
		abort();
	}
	snprintf(study_name, sizeof(study_name), "%s/study.yaml", dir);
	snprintf(base_name, sizeof(base_name), "%s/base.yaml", dir);
	atexit(cleanup);
}

static size_t
lines(const char *s, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += s[i] == '\n';
	return k;
}

static void
check_plan(const struct study *st, const char *base, size_t baselen)
{
	size_t np = 1, want_lines = lines(base, baselen);

	if (st->reps < 1 || st->nmetrics < 1)
		die("a study without repetitions or metrics", st->name);
	for (size_t p = 0; p < st->nparams; p++) {
		if (st->params[p].nvalues < 1)
			die("a parameter without values", st->params[p].name);
		np *= st->params[p].nvalues;
	}
	if (st->npoints != np || st->nruns != np * st->reps)
		die("points or runs do not add up", st->name);
	for (size_t pt = 0; pt < st->npoints; pt++) {
		size_t rest = 0;

		for (size_t p = 0; p < st->nparams; p++) {
			size_t vi = st->value_of[pt * st->nparams + p];
			if (vi >= st->params[p].nvalues)
				die("a value index out of range",
				    st->params[p].name);
			rest = rest * st->params[p].nvalues + vi;
		}
		if (rest != pt)
			die("points out of order or repeated", st->name);
		if (st->texts[pt] == NULL)
			die("a point without a scenario text", st->name);
		if (lines(st->texts[pt], strlen(st->texts[pt])) != want_lines)
			die("a point's text has lines added or lost",
			    st->texts[pt]);
	}
	for (size_t r = 0; r < st->nruns; r++)
		if (study_point(st, r) >= st->npoints ||
		    study_rep(st, r) >= st->reps ||
		    study_seed(st, r) != st->seeds[study_rep(st, r)] ||
		    study_seed(st, r) > INT64_MAX)
			die("a run's point, repetition or seed out of range",
			    st->name);
	for (size_t e = 0; e < st->nexpects; e++)
		if (st->expects[e].metric < 0 ||
		    (size_t)st->expects[e].metric >= st->nmetrics)
			die("an expectation on no metric", st->expects[e].text);
}

/* Each parameter's first few values put into the base scenario alone:
 * where the path leads now holds the value, so putting it there again
 * changes nothing (a value put in the wrong place, or one that reads
 * back as something else, would change the text again). */
static void
check_splice(const struct study *st, const char *base, size_t baselen)
{
	size_t want_lines = lines(base, baselen);
	char e[1024];

	for (size_t p = 0; p < st->nparams; p++)
		for (size_t v = 0; v < st->params[p].nvalues && v < 8; v++) {
			const struct st_param *pa = &st->params[p];
			char *once, *twice;

			/* alone, a path may fail that the plan followed
			 * after an earlier parameter changed a name */
			if ((once = study_apply(base_name, base, baselen,
			    pa->path, pa->values[v], e, sizeof(e))) == NULL)
				continue;
			if (lines(once, strlen(once)) != want_lines)
				die("a value put in added or lost lines", once);
			twice = study_apply(base_name, once, strlen(once),
			    pa->path, pa->values[v], e, sizeof(e));
			if (twice == NULL)
				die("a value put in lost its path", e);
			if (strcmp(once, twice) != 0)
				die("a value put in twice changed the text again",
				    twice);
			free(once);
			free(twice);
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *base = NULL;
	const uint8_t *nul = memchr(data, '\0', size);
	struct study *st = NULL, *again = NULL;
	char err[1024] = "", err2[1024] = "";
	size_t len = size, baselen = 0, nlen;
	int rc, rc2;

	setup();
	unlink(base_name);
	if (nul != NULL) {
		FILE *f;

		len = (size_t)(nul - data);
		base = (const char *)nul + 1;
		baselen = size - len - 1;
		if ((f = fopen(base_name, "wb")) == NULL ||
		    fwrite(base, 1, baselen, f) != baselen || fclose(f) != 0) {
			perror(base_name);
			abort();
		}
	}
	rc = study_load_text(study_name, text, len, &st, err, sizeof(err));
	nlen = strlen(study_name);
	if (rc == 0 && st == NULL)
		die("success without a study", "");
	if (rc < 0 && st != NULL)
		die("a study left behind by a refusal", err);
	if (rc < 0 && (strncmp(err, study_name, nlen) != 0 ||
	    err[nlen] != ':'))
		die("a refusal that does not name the study file", err);
	if (rc == 0) {
		check_plan(st, base != NULL ? base : "", baselen);
		check_splice(st, base != NULL ? base : "", baselen);
	}
	/* by hand (replay): what the loader made of it */
	if (getenv("SASEBED_FUZZ_VERBOSE") != NULL) {
		if (rc == 0)
			fprintf(stderr, "  %zu points, %zu runs\n", st->npoints,
			    st->nruns);
		else
			fprintf(stderr, "  refused: %s\n", err);
	}
	rc2 = study_load_text(study_name, text, len, &again, err2,
	    sizeof(err2));
	if (rc2 != rc || (rc < 0 && strcmp(err, err2) != 0))
		die("the same text loaded twice gave two answers", err2);
	if (rc == 0) {
		if (again->fingerprint != st->fingerprint ||
		    again->npoints != st->npoints)
			die("the same text planned twice gave two plans",
			    st->name);
		for (size_t pt = 0; pt < st->npoints; pt++)
			if (strcmp(st->texts[pt], again->texts[pt]) != 0)
				die("the same point written twice differs",
				    st->texts[pt]);
	}
	study_free(st);
	study_free(again);
	return 0;
}
