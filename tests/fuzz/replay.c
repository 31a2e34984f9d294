/*
 * The fuzz targets without the fuzzer: a main() that hands each file named
 * on the command line (or each file in a folder named there) to the
 * target's LLVMFuzzerTestOneInput(), once, in name order.
 *
 * It is linked with the normal compiler and the normal library, so that
 * `make check` replays the inputs that once crashed a target
 * (tests/fuzz/regressions/) and a sample of each corpus under the build's
 * own flags, --enable-sanitizers included, and a machine without clang's
 * fuzzing runtime still runs them.  A target reports a violated invariant
 * by aborting, as under libFuzzer; the driver itself fails (exit 1) only
 * on a file it cannot read, and prints how many inputs it ran so that a
 * caller can tell "nothing to do" from "all passed".
 *
 * With SASEBED_FUZZ_SEEDS set, the target's LLVMFuzzerInitialize(), where
 * it has one, writes its starting corpus there first, as it does under
 * libFuzzer: `make fuzz-smoke` uses that, and so can anyone without clang.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int
run_file(const char *path, unsigned long *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, got;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	do {
		if (len == cap) {
			uint8_t *b;

			cap = cap ? 2 * cap : 65536;
			if ((b = realloc(buf, cap)) == NULL) {
				fprintf(stderr, "%s: out of memory\n", path);
				free(buf);
				fclose(f);
				return -1;
			}
			buf = b;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got > 0);
	if (ferror(f)) {
		perror(path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	/* Tell which input it was before running it: a crash ends the
	 * process and only this line names the culprit. */
	if (getenv("SASEBED_FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "replay: %s\n", path);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	(*n)++;
	return 0;
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
run_path(const char *path, unsigned long *n)
{
	struct dirent **ents;
	struct stat st;
	char sub[4096];
	int m, rc = 0;

	if (stat(path, &st) < 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path, n);
	if ((m = scandir(path, &ents, NULL, by_name)) < 0) {
		perror(path);
		return -1;
	}
	for (int i = 0; i < m; i++) {
		if (ents[i]->d_name[0] != '.') {
			snprintf(sub, sizeof(sub), "%s/%s", path,
			    ents[i]->d_name);
			if (stat(sub, &st) == 0 && S_ISREG(st.st_mode) &&
			    run_file(sub, n) < 0)
				rc = -1;
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

int
main(int argc, char **argv)
{
	unsigned long n = 0;
	int rc = 0;

	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++)
		if (run_path(argv[i], &n) < 0)
			rc = 1;
	printf("replayed %lu inputs\n", n);
	return rc;
}
