/*
 * The wall clock as the simulator's libraries see it: always the same
 * instant.
 *
 * mbedTLS reads time(NULL) in two places: the first four bytes of every
 * hello's random (RFC 5246's gmt_unix_time, which later practice fills
 * with random bytes instead) and certificate validity.  Left to the real
 * clock, the first makes a simulated run depend on when it ran: the
 * handshake keys, and in certificate mode the length of each ECDSA
 * signature, and so the bytes on the wire, would change from one run to
 * the next.  Defining time() in the executable takes the place of the C
 * library's for every shared library it loads (ELF symbol interposition);
 * nothing else in the simulator reads time().  The instant, 2026-01-01
 * 00:00:00 UTC, lies inside the validity of the run's certificates
 * (sim/pki.c).  A real-time platform must not link this file.
 */
#include <time.h>

#define SEALED_NOW ((time_t)1767225600)

time_t
time(time_t *out)
{
	if (out != NULL)
		*out = SEALED_NOW;
	return SEALED_NOW;
}
