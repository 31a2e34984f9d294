/*
 * The run's certificates: a CA for the scenario, and a key and certificate
 * for each Socket and PoP that authenticates with certificates, all ECDSA
 * P-256 and all drawn from one random stream, so a scenario and seed give
 * the same keys every run.
 *
 * What it is not: a place to keep real secrets.  It exists so that the
 * certificate path of the tunnel code runs in simulation exactly as it
 * would with an operator's PKI.
 */
#ifndef SASEBED_SIM_PKI_H
#define SASEBED_SIM_PKI_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

struct pki;

/* A CA named after the scenario; rng is the PKI's own stream (not owned,
 * and used again by pki_issue()).  NULL with a message on failure. */
struct pki *pki_new(const char *name, gsl_rng *rng, char *err,
    size_t errlen);
void pki_free(struct pki *p);

/* The CA certificate, PEM. */
const char *pki_ca_pem(const struct pki *p);

/*
 * A new key and a certificate for common name `cn`, signed by the CA, or
 * (rogue) by a CA of its own that nobody trusts: a misconfigured device.
 * PEM strings, malloc'd, the caller frees them.  0, or -1 with a message.
 */
int pki_issue(struct pki *p, const char *cn, int rogue, char **cert_pem,
    char **key_pem, char *err, size_t errlen);

#endif
