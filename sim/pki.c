/*
 * Certificates for a run, with mbedTLS's writer.  Validity spans 2020 to
 * 2049: mbedTLS checks it against the wall clock, not simulated time, so it
 * must hold whenever the simulator runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>
#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "sim/pki.h"
#include "sim/rng.h"

#define PEM_MAX 4096
#define NOT_BEFORE "20200101000000"
#define NOT_AFTER "20491231235959"

struct pki {
	gsl_rng *rng;
	mbedtls_pk_context ca_key;
	char ca_name[160];
	char *ca_pem;
	unsigned serial;
};

static int
rng_cb(void *arg, unsigned char *out, size_t len)
{
	gsl_rng *r = arg;

	while (len > 0) {
		uint64_t x = rng_u64(r);
		size_t n = len < sizeof(x) ? len : sizeof(x);

		memcpy(out, &x, n);
		out += n;
		len -= n;
	}
	return 0;
}

static int
fail(int rc, const char *what, char *err, size_t errlen)
{
	char why[128];

	mbedtls_strerror(rc, why, sizeof(why));
	snprintf(err, errlen, "certificates: %s: %s", what, why);
	return -1;
}

static int
gen_key(gsl_rng *r, mbedtls_pk_context *k)
{
	int rc;

	mbedtls_pk_init(k);
	if ((rc = mbedtls_pk_setup(k,
	    mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY))) != 0)
		return rc;
	return mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*k),
	    rng_cb, r);
}

/* A certificate for subject_key named subject, signed by issuer_key. */
static int
write_cert(struct pki *p, mbedtls_pk_context *subject_key,
    const char *subject, mbedtls_pk_context *issuer_key, const char *issuer,
    int is_ca, char **pem)
{
	mbedtls_x509write_cert w;
	mbedtls_mpi serial;
	unsigned char buf[PEM_MAX];
	int rc;

	mbedtls_x509write_crt_init(&w);
	mbedtls_mpi_init(&serial);
	mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&w, subject_key);
	mbedtls_x509write_crt_set_issuer_key(&w, issuer_key);
	if ((rc = mbedtls_mpi_lset(&serial, (mbedtls_mpi_sint)++p->serial)) ||
	    (rc = mbedtls_x509write_crt_set_serial(&w, &serial)) ||
	    (rc = mbedtls_x509write_crt_set_subject_name(&w, subject)) ||
	    (rc = mbedtls_x509write_crt_set_issuer_name(&w, issuer)) ||
	    (rc = mbedtls_x509write_crt_set_validity(&w, NOT_BEFORE,
	    NOT_AFTER)) ||
	    (rc = mbedtls_x509write_crt_set_basic_constraints(&w, is_ca,
	    is_ca ? 0 : -1)) ||
	    (rc = mbedtls_x509write_crt_pem(&w, buf, sizeof(buf), rng_cb,
	    p->rng)))
		goto out;
	if ((*pem = strdup((const char *)buf)) == NULL)
		rc = MBEDTLS_ERR_X509_ALLOC_FAILED;
out:
	mbedtls_mpi_free(&serial);
	mbedtls_x509write_crt_free(&w);
	return rc;
}

struct pki *
pki_new(const char *name, gsl_rng *rng, char *err, size_t errlen)
{
	struct pki *p = calloc(1, sizeof(*p));
	int rc;

	if (p == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->rng = rng;
	snprintf(p->ca_name, sizeof(p->ca_name), "CN=%.100s CA,O=sasebed",
	    name);
	if ((rc = gen_key(rng, &p->ca_key)) != 0) {
		fail(rc, "CA key", err, errlen);
		goto bad;
	}
	if ((rc = write_cert(p, &p->ca_key, p->ca_name, &p->ca_key,
	    p->ca_name, 1, &p->ca_pem)) != 0) {
		fail(rc, "CA certificate", err, errlen);
		goto bad;
	}
	return p;
bad:
	pki_free(p);
	return NULL;
}

void
pki_free(struct pki *p)
{
	if (p == NULL)
		return;
	mbedtls_pk_free(&p->ca_key);
	free(p->ca_pem);
	free(p);
}

const char *
pki_ca_pem(const struct pki *p)
{
	return p->ca_pem;
}

int
pki_issue(struct pki *p, const char *cn, int rogue, char **cert_pem,
    char **key_pem, char *err, size_t errlen)
{
	mbedtls_pk_context key, rogue_key;
	unsigned char buf[PEM_MAX];
	char subject[160];
	int rc;

	*cert_pem = *key_pem = NULL;
	mbedtls_pk_init(&rogue_key);
	snprintf(subject, sizeof(subject), "CN=%.100s,O=sasebed", cn);
	if ((rc = gen_key(p->rng, &key)) != 0) {
		mbedtls_pk_free(&key);
		return fail(rc, cn, err, errlen);
	}
	if (rogue) {
		/* Signed by a key of its own under the real CA's name: the
		 * name matches, the signature does not. */
		if ((rc = gen_key(p->rng, &rogue_key)) == 0)
			rc = write_cert(p, &key, subject, &rogue_key,
			    p->ca_name, 0, cert_pem);
	} else {
		rc = write_cert(p, &key, subject, &p->ca_key, p->ca_name, 0,
		    cert_pem);
	}
	if (rc == 0 && (rc = mbedtls_pk_write_key_pem(&key, buf,
	    sizeof(buf))) == 0 &&
	    (*key_pem = strdup((const char *)buf)) == NULL)
		rc = MBEDTLS_ERR_PK_ALLOC_FAILED;
	mbedtls_pk_free(&key);
	mbedtls_pk_free(&rogue_key);
	if (rc != 0) {
		free(*cert_pem);
		*cert_pem = NULL;
		return fail(rc, cn, err, errlen);
	}
	return 0;
}
