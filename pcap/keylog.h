/*
 * A key log file in the NSS format, so that Wireshark and tshark can
 * decrypt the tunnels' DTLS records in a capture:
 *
 *   CLIENT_RANDOM <client random, 64 hex digits> <master secret, 96>
 *
 * one line per handshake, lower-case hex.  Every line is flushed as it is
 * written, so a run that crashes keeps the keys of every handshake before.
 * The file is created readable by its owner only: it holds secrets.
 *
 * It writes only the CLIENT_RANDOM label (TLS 1.2 and DTLS 1.2, which is
 * what the tunnel speaks), not the TLS 1.3 traffic-secret labels, and it
 * never reads a key log.
 */
#ifndef SASEBED_PCAP_KEYLOG_H
#define SASEBED_PCAP_KEYLOG_H

#include <stddef.h>
#include <stdint.h>

#define KEYLOG_RANDOM	32	/* bytes of client random */
#define KEYLOG_MASTER	48	/* bytes of a TLS 1.2 master secret */
/* A line without its newline, and the NUL: "CLIENT_RANDOM " + 64 + " " + 96 */
#define KEYLOG_LINE	(14 + 2 * KEYLOG_RANDOM + 1 + 2 * KEYLOG_MASTER + 1)

struct keylog;

/*
 * Format one line, without a newline, into buf: no file needed.  Returns
 * the line's length (KEYLOG_LINE - 1), or -1 if len is below KEYLOG_LINE
 * or master_len is not KEYLOG_MASTER.
 */
int keylog_format(char *buf, size_t len, const uint8_t cr[KEYLOG_RANDOM],
    const uint8_t *master, size_t master_len);

/* Create (or empty) the key log at path.  NULL with a message naming the
 * path on error. */
struct keylog *keylog_new(const char *path, char *err, size_t errlen);

/* Append the line for one handshake and flush.  0, or -1 (with
 * keylog_error() saying why) on bad arguments or a write error. */
int keylog_client_random(struct keylog *k, const uint8_t cr[KEYLOG_RANDOM],
    const uint8_t *master, size_t master_len);

/* Append a line already formatted (as a tunnel hands it over), adding the
 * newline, and flush.  A line holding a newline is refused: -1. */
int keylog_line(struct keylog *k, const char *line);

/* The last error's text, naming the file; "" when there was none. */
const char *keylog_error(const struct keylog *k);

/* Close the file. */
void keylog_free(struct keylog *k);

#endif
