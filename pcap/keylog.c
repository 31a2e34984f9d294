/*
 * The key log writer.  Lines go through stdio and are flushed one by one:
 * handshakes are rare (one per tunnel and rekey), so a write per line costs
 * nothing that matters, and the file is always whole lines up to the last
 * handshake.  A write error is sticky, as in the capture writer: after one,
 * the file may hold half a line, and every later call fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcap/keylog.h"

struct keylog {
	FILE *f;
	int failed;
	char *path;
	char err[512];
};

static char *
hex(char *p, const uint8_t *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		*p++ = digits[b[i] >> 4];
		*p++ = digits[b[i] & 0x0f];
	}
	return p;
}

int
keylog_format(char *buf, size_t len, const uint8_t cr[KEYLOG_RANDOM],
    const uint8_t *master, size_t master_len)
{
	static const char label[] = "CLIENT_RANDOM ";
	char *p = buf;

	if (len < KEYLOG_LINE || master_len != KEYLOG_MASTER)
		return -1;
	memcpy(p, label, sizeof(label) - 1);
	p = hex(p + sizeof(label) - 1, cr, KEYLOG_RANDOM);
	*p++ = ' ';
	p = hex(p, master, KEYLOG_MASTER);
	*p = '\0';
	return (int)(p - buf);
}

struct keylog *
keylog_new(const char *path, char *err, size_t errlen)
{
	struct keylog *k;
	int fd;

	if ((k = calloc(1, sizeof(*k))) == NULL ||
	    (k->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	/* 0600 from the start, not chmod after: the keys decrypt the
	 * captures, and a window with the file world-readable is enough. */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if ((k->f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		goto fail;
	}
	return k;

fail:
	if (k != NULL)
		free(k->path);
	free(k);
	return NULL;
}

static int
write_error(struct keylog *k, int errnum)
{
	k->failed = 1;
	snprintf(k->err, sizeof(k->err), "%s: write error: %s", k->path,
	    errnum != 0 ? strerror(errnum) : "unknown cause");
	return -1;
}

int
keylog_line(struct keylog *k, const char *line)
{
	if (k->failed)
		return -1;
	if (strchr(line, '\n') != NULL) {
		snprintf(k->err, sizeof(k->err), "%s: a key log line holds a "
		    "newline", k->path);
		return -1;
	}
	errno = 0;
	if (fputs(line, k->f) == EOF || putc('\n', k->f) == EOF ||
	    fflush(k->f) == EOF)
		return write_error(k, errno);
	return 0;
}

int
keylog_client_random(struct keylog *k, const uint8_t cr[KEYLOG_RANDOM],
    const uint8_t *master, size_t master_len)
{
	char line[KEYLOG_LINE];

	if (keylog_format(line, sizeof(line), cr, master, master_len) < 0) {
		snprintf(k->err, sizeof(k->err), "%s: a master secret of %zu "
		    "bytes; TLS 1.2 has %d", k->path, master_len,
		    KEYLOG_MASTER);
		return -1;
	}
	return keylog_line(k, line);
}

const char *
keylog_error(const struct keylog *k)
{
	return k->err;
}

void
keylog_free(struct keylog *k)
{
	if (k == NULL)
		return;
	fclose(k->f);
	free(k->path);
	free(k);
}
