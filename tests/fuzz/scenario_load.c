/*
 * Fuzz target for the scenario loader, scenario_load_text(): the YAML a
 * user writes, with every typo and truncation the fuzzer can think of.
 *
 * Seeds are the project's own scenarios (scenarios/, tests/scenarios/good
 * and tests/scenarios/bad), which `make fuzz-smoke` copies in.  The text is
 * named as if it sat in a folder that does not exist, so that a file it
 * refers to by a relative name (a loss trace) is refused rather than read
 * from wherever the fuzzer runs.
 *
 * Invariants; a violation aborts:
 * - the loader returns 0 with a scenario, or a negative code with none and
 *   a message that starts with the file's name (what every refusal names
 *   first, before the line and column);
 * - loading the same text twice gives the same answer, word for word:
 *   nothing it decides depends on memory left over from an earlier input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario.h"

#define NAME "/nonexistent/fuzz.yaml"

static void
die(const char *what, const char *err)
{
	fprintf(stderr, "scenario_load: invariant violated: %s (%s)\n", what,
	    err);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario *sc = NULL, *again = NULL;
	char err[512] = "", err2[512] = "";
	int rc, rc2;

	rc = scenario_load_text(NAME, (const char *)data, size, &sc, err,
	    sizeof(err));
	if (rc == 0 && sc == NULL)
		die("success without a scenario", "");
	if (rc < 0 && sc != NULL)
		die("a scenario left behind by a refusal", err);
	if (rc < 0 && strncmp(err, NAME, strlen(NAME)) != 0)
		die("a refusal that does not name the file", err);
	rc2 = scenario_load_text(NAME, (const char *)data, size, &again, err2,
	    sizeof(err2));
	if (rc2 != rc || (rc < 0 && strcmp(err, err2) != 0))
		die("the same text loaded twice gave two answers", err2);
	scenario_free(sc);
	scenario_free(again);
	return 0;
}
