/*
 * AES-GCM protection of DTLS 1.2 application records (RFC 6347, RFC 5288),
 * for one direction of one epoch: the cipher of the tunnel's data path.
 *
 * mbedTLS does the handshake and hands over each epoch's keys (its key
 * export); the tunnel then seals and opens its application records here,
 * in mbedTLS's format to the byte: the 8-byte explicit nonce is the
 * record's epoch and sequence number, the additional data the sequence
 * number, type, version and plaintext length.  The peer cannot tell which
 * of the two protected a record, and tests check that it cannot.
 *
 * Why not mbedTLS's own: its GCM in 2.28 takes one call per 16-byte block
 * for AES and another for GHASH, about 4.4 us for a 1,000-byte packet on
 * this class of machine, against 0.45 us with libcrypto's AES-NI and
 * carry-less multiply code; a packet crossing two tunnels is sealed and
 * opened twice.  The same split as kernel TLS offload: the handshake in
 * a TLS library, the records where they are cheapest.
 *
 * Not here: which epoch's keys apply, replay, record framing beyond the
 * 13-byte header.  Those stay with the tunnel.
 */
#ifndef SB_WAN_DTLS_AEAD_H
#define SB_WAN_DTLS_AEAD_H

#include <stddef.h>
#include <stdint.h>

#define DTLS_AEAD_HDR 13      /* type, version, epoch, sequence, length */
#define DTLS_AEAD_NONCE 8     /* explicit nonce, before the ciphertext */
#define DTLS_AEAD_TAG 16
#define DTLS_AEAD_EXPANSION (DTLS_AEAD_HDR + DTLS_AEAD_NONCE + DTLS_AEAD_TAG)

struct dtls_aead;

struct dtls_aead *dtls_aead_new(void);
void dtls_aead_free(struct dtls_aead *a);

/* Key the context for sealing (seal != 0) or opening: a 16- or 32-byte
 * AES key and the 4-byte implicit part of the nonce.  -1 on a length it
 * does not know or a failure in the library. */
int dtls_aead_key(struct dtls_aead *a, int seal, const uint8_t *key,
    size_t keylen, const uint8_t salt[4]);

/* Seal in place the record at rec: rec[0..13) holds its header (the
 * length field is written here), n bytes of plaintext follow the explicit
 * nonce at rec + DTLS_AEAD_HDR + DTLS_AEAD_NONCE, and the tag is written
 * after them.  The record is then n + DTLS_AEAD_EXPANSION bytes long. */
int dtls_aead_seal(struct dtls_aead *a, uint8_t *rec, size_t n);

/* Open in place the len-byte record at rec: its plaintext, at the same
 * place seal read it from, and its length; -1 if the record is too short
 * or does not authenticate. */
long dtls_aead_open(struct dtls_aead *a, uint8_t *rec, size_t len);

#endif
