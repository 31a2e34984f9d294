/*
 * DTLS 1.2 AES-GCM records over libcrypto's EVP interface.  A context is
 * keyed once per epoch; each record only sets its nonce.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "wan/dtls_aead.h"

struct dtls_aead {
	EVP_CIPHER_CTX *ctx;
	int seal, keyed;
	uint8_t nonce[12];        /* salt, then the record's explicit part */
};

struct dtls_aead *
dtls_aead_new(void)
{
	struct dtls_aead *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	if ((a->ctx = EVP_CIPHER_CTX_new()) == NULL) {
		free(a);
		return NULL;
	}
	return a;
}

void
dtls_aead_free(struct dtls_aead *a)
{
	if (a == NULL)
		return;
	EVP_CIPHER_CTX_free(a->ctx);
	free(a);
}

int
dtls_aead_key(struct dtls_aead *a, int seal, const uint8_t *key,
    size_t keylen, const uint8_t salt[4])
{
	const EVP_CIPHER *c = keylen == 16 ? EVP_aes_128_gcm() :
	    keylen == 32 ? EVP_aes_256_gcm() : NULL;

	a->keyed = 0;
	if (c == NULL || EVP_CipherInit_ex(a->ctx, c, NULL, key, NULL,
	    seal) != 1)
		return -1;
	a->seal = seal;
	memcpy(a->nonce, salt, 4);
	a->keyed = 1;
	return 0;
}

/* Nonce and additional data of the record at rec whose plaintext is n
 * bytes long (RFC 5246 6.2.3.3, RFC 5288 3). */
static int
start(struct dtls_aead *a, const uint8_t *rec, size_t n)
{
	uint8_t ad[13];
	int outl;

	memcpy(ad, rec + 3, 8);           /* epoch and sequence number */
	ad[8] = rec[0];
	ad[9] = rec[1];
	ad[10] = rec[2];
	ad[11] = (uint8_t)(n >> 8);
	ad[12] = (uint8_t)n;
	memcpy(a->nonce + 4, rec + DTLS_AEAD_HDR, DTLS_AEAD_NONCE);
	return EVP_CipherInit_ex(a->ctx, NULL, NULL, NULL, a->nonce,
	    a->seal) == 1 &&
	    EVP_CipherUpdate(a->ctx, NULL, &outl, ad, sizeof(ad)) == 1 ? 0 : -1;
}

int
dtls_aead_seal(struct dtls_aead *a, uint8_t *rec, size_t n)
{
	uint8_t *text = rec + DTLS_AEAD_HDR + DTLS_AEAD_NONCE;
	size_t len = n + DTLS_AEAD_NONCE + DTLS_AEAD_TAG;
	int outl, fin;

	if (!a->keyed || !a->seal || len > 0xffff)
		return -1;
	/* mbedTLS's explicit nonce: the record's own counter */
	memcpy(rec + DTLS_AEAD_HDR, rec + 3, DTLS_AEAD_NONCE);
	rec[11] = (uint8_t)(len >> 8);
	rec[12] = (uint8_t)len;
	if (start(a, rec, n) < 0 ||
	    EVP_CipherUpdate(a->ctx, text, &outl, text, (int)n) != 1 ||
	    EVP_CipherFinal_ex(a->ctx, text + outl, &fin) != 1 ||
	    EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_GCM_GET_TAG, DTLS_AEAD_TAG,
	    text + n) != 1)
		return -1;
	return 0;
}

long
dtls_aead_open(struct dtls_aead *a, uint8_t *rec, size_t len)
{
	uint8_t *text = rec + DTLS_AEAD_HDR + DTLS_AEAD_NONCE;
	size_t n;
	int outl, fin;

	if (!a->keyed || a->seal || len < DTLS_AEAD_EXPANSION)
		return -1;
	n = len - DTLS_AEAD_EXPANSION;
	if (start(a, rec, n) < 0 ||
	    EVP_CipherUpdate(a->ctx, text, &outl, text, (int)n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_GCM_SET_TAG, DTLS_AEAD_TAG,
	    text + n) != 1 ||
	    EVP_CipherFinal_ex(a->ctx, text + outl, &fin) != 1)
		return -1;
	return (long)n;
}
