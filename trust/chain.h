/* chain.h — building the certification path the way OpenSSL does
 * ("trusted first", X509_V_FLAG_TRUSTED_FIRST, no partial chains). Private
 * to trust/; verdict.c runs the checks on the result.
 *
 * Ownership: the result points at certificates owned by the caller's chain
 * (cert cache) and by the trust store; both must outlive it.
 */
#ifndef TLSSCOPE_TRUST_CHAIN_H
#define TLSSCOPE_TRUST_CHAIN_H

#include <stdint.h>

#include "cert.h"
#include "store.h"
#include "verdict.h"

/* Expressway hard-codes verify depth 7: OpenSSL then builds chains of up to
 * depth + 2 = 9 certificates (leaf and anchor do not count). */
#define CHAIN_VERIFY_DEPTH 7

struct chain_result {
    struct chain_link link[VERDICT_MAX_PATH]; /* leaf first */
    int n;
    int num_untrusted;        /* leading certificates that came from the peer */
    bool trusted;             /* ends at a self-signed store certificate */
    int error;                /* VERR_* when !trusted: 2, 18, 19, 20 or 22 */
    int depth;                /* error depth (n - 1) */
};

/* wire[0] is the leaf (must not be NULL); NULL entries elsewhere are
 * skipped. `verify_depth` as OpenSSL's X509_VERIFY_PARAM depth (7 for
 * Expressway). `profile` picks the library whose issuer choice is modelled
 * (chain.c). Always fills *out. */
void chain_build(const struct cert *const *wire, int n_wire, const struct trust_store *st,
                 int64_t at, int verify_depth, enum verdict_profile profile,
                 struct chain_result *out);

/* The store certificate OpenSSL would pick as issuer of `child`
 * (X509_STORE_CTX_get1_issuer), or NULL. Exposed for advice and tests. */
const struct cert *chain_store_issuer(const struct trust_store *st, const struct cert *child,
                                      int64_t at, enum verdict_profile profile);

#endif
