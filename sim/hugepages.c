/*
 * Huge pages for the heap: see hugepages.h.  Measured on the scale bench
 * (bench/fluid 5000 85 2000 60, 5,000 sites, alternating runs on the
 * shared 2-core machine): nearly all of the 1 GiB heap becomes huge pages
 * (AnonHugePages in smaps), on a kernel whose transparent huge pages are
 * "madvise", Debian's default; the run took 14-16 s with them against
 * 18-22 s without.  A kernel set to "never" gives none, and the exec is
 * then only wasted, about a millisecond.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/hugepages.h"

#define TUNABLE "glibc.malloc.hugetlb"

int
hugepages_tunables(const char *cur, char *buf, size_t len)
{
	int n;

	if (cur != NULL && strstr(cur, TUNABLE) != NULL)
		return 0;
	if (cur != NULL && cur[0] != '\0')
		n = snprintf(buf, len, "%s:%s=1", cur, TUNABLE);
	else
		n = snprintf(buf, len, "%s=1", TUNABLE);
	return n > 0 && (size_t)n < len;
}

void
hugepages_exec(char **argv)
{
	const char *cur = getenv("GLIBC_TUNABLES");
	char *old = cur != NULL ? strdup(cur) : NULL;
	char v[1024], self[4096];
	ssize_t n;

	if ((cur != NULL && old == NULL) ||
	    !hugepages_tunables(cur, v, sizeof(v)) ||
	    setenv("GLIBC_TUNABLES", v, 1) < 0) {
		free(old);
		return;
	}
	/* by the file's own name, not /proc/self/exe, so that ps and top
	 * show the program's name rather than "exe" */
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		self[n] = '\0';
		execv(self, argv);
	}
	/* no /proc, say: go on as we are, and leave the environment as it
	 * was for the children */
	if (old != NULL)
		setenv("GLIBC_TUNABLES", old, 1);
	else
		unsetenv("GLIBC_TUNABLES");
	free(old);
}
