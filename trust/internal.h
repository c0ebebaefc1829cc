/* internal.h — what the files of trust/ share and nobody else sees: the
 * private half of struct cert (mbedTLS context, slices of the DER, the
 * OpenSSL-semantics facts that are not part of the public contract) and the
 * helpers chain building and the checks need.
 *
 * Ownership: struct cert_impl belongs to its struct cert (cert.impl) and is
 * freed with it; every pointer into the DER points into cert.der.
 */
#ifndef TLSSCOPE_TRUST_INTERNAL_H
#define TLSSCOPE_TRUST_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <mbedtls/x509_crt.h>

#include "cert.h"
#include "der.h"

#define CERT_SAN_NUL 0x01 /* dNSName/CN held a NUL byte: shown escaped, never matches */
#define CERT_MAX_CN 16    /* commonNames kept per subject (X509_check_host tries all) */
#define CERT_SIG_MEMO 2   /* issuers remembered per certificate (cross-signing: 2) */

/* The commonNames of a name, in certificate order, as UTF-8. */
struct name_cns {
    char *v[CERT_MAX_CN];
    uint8_t flags[CERT_MAX_CN]; /* CERT_SAN_NUL */
    uint16_t n;
};

struct cert_impl {
    mbedtls_x509_crt crt;     /* valid when mbed_ok */
    bool mbed_ok;
    bool walked;              /* own walk reached past subjectPublicKeyInfo */

    /* Slices of cert.der. */
    const uint8_t *tbs;
    size_t tbs_len;
    struct cursor subject_name; /* contents of the subject Name (RDNSequence) */
    struct cursor sig_oid;      /* Certificate.signatureAlgorithm: OID contents */
    uint8_t sig_params_tag;     /* ... its parameters' tag (0 when absent) */
    struct cursor sig_params;   /* ... and their contents */
    struct cursor sig_value;    /* signatureValue BIT STRING contents after the unused-bits octet */
    struct cursor san_names;    /* subjectAltName GeneralNames contents; empty when none */
    bool has_nc;                /* nameConstraints present (RFC 5280 4.2.1.10) */
    struct cursor nc;           /* NameConstraints SEQUENCE contents */
    struct cursor exts;         /* Extensions SEQUENCE contents (tbsCertificate [3]);
                                   empty when none: certext.c lists them for display */

    /* The subject's public key for verifying what this certificate signs,
     * read from subjectPublicKeyInfo on its own (mbedtls_pk_parse_subpubkey;
     * an id-RSASSA-PSS key as the RSA key it is): usable even when mbedTLS
     * refuses the certificate as a whole. */
    mbedtls_pk_context key;
    bool key_ok;
    /* The whole subjectPublicKeyInfo (a slice of cert.der): the key half
     * of the signature cache's key (cert_signature_check). */
    const uint8_t *spki;
    size_t spki_len;

    /* Validity not in RFC 5280's fixed form (UTCTime YYMMDDHHMMSSZ,
     * GeneralizedTime YYYYMMDDHHMMSSZ, a real date): OpenSSL's
     * X509_cmp_time() returns 0 for it, which X509_verify_cert reports as
     * 13 / 14 and chain building treats as "not valid". */
    bool not_before_bad, not_after_bad;
    /* notAfter that even the lenient ASN1_TIME_to_tm() cannot read (der_time
     * fails): ASN1_TIME_compare() with it returns -2, never "later". */
    bool not_after_unreadable;
    /* OpenSSL 1.1.1 EXFLAG_INVALID (x509v3_cache_extensions): an extension
     * it decodes (basicConstraints, keyUsage, extKeyUsage, nsCertType, SKI,
     * AKI, subjectAltName, nameConstraints, proxyCertInfo, CRL distribution
     * points) appears twice or does not decode, or a pathLen is negative or
     * on a non-CA. X509_check_issued() then refuses the certificate on
     * either side, so it neither issues nor is issued (20 / 2 / 18 ...). */
    bool ext_invalid;
    char ext_invalid_why[64];
    uint16_t ext_seen;          /* EXT_SEEN_* bits, to find duplicates */

    /* OpenSSL semantics the public struct has no field for. */
    int key_secbits;          /* EVP_PKEY_security_bits (1.1.1); -1 unknown key */
    int sig_secbits;          /* X509_get_signature_info secbits (1.1.1); 0 unknown */
    enum der_md sig_md;       /* the signature's digest (RSASSA-PSS: its hashAlgorithm) */
    bool ec_explicit;         /* EC key with explicit curve parameters (RFC 3279 2.3.5) */
    bool eku_sgc;             /* msSGC / nsSGC: OpenSSL accepts them for sslserver */
    bool has_ns_cert_type;
    uint8_t ns_cert_type;
    bool has_aki_serial;      /* RFC 5280 4.2.1.1 authorityCertSerialNumber */
    uint8_t aki_serial[32];
    uint8_t aki_serial_len;
    bool aki_serial_too_long;
    uint8_t *aki_issuer_canon;/* first directoryName of authorityCertIssuer */
    uint32_t aki_issuer_canon_len;
    bool has_aki_issuer;
    uint8_t *serial_raw;      /* INTEGER contents, for AKI serial comparison */
    uint32_t serial_raw_len;
    uint8_t *san_dns_flags;   /* CERT_SAN_* per san_dns entry */
    char *cn[CERT_MAX_CN];    /* every subject CN (cn[0] == subject_cn) */
    uint8_t cn_flags[CERT_MAX_CN];
    uint16_t n_cn;

    /* cert_signature_ok() memo: the issuers (by SHA-256) this certificate's
     * signature was last checked against, and the answers. Verification is
     * a function of the two certificates' bytes only, so an interned
     * certificate seen in thousands of connections is verified once per
     * issuer instead of once per connection. */
    struct {
        uint8_t issuer_sha256[32];
        bool valid;
        uint8_t result;       /* enum cert_sig */
    } sig_memo[CERT_SIG_MEMO];
    uint8_t sig_memo_next;        /* slot replaced next (round robin) */

    /* cache bookkeeping (cert_cache owns the cert when owner != NULL) */
    struct cert_cache *owner;
    size_t mem_weight;        /* counted in the cache's bytes */
    struct cert *hnext;
    struct cert *lru_prev, *lru_next;
    bool in_lru;
};

static inline struct cert_impl *cert_impl_of(const struct cert *c)
{
    return (struct cert_impl *)c->impl;
}

/* Names (x509name.c): `contents` is the inside of a Name SEQUENCE
 * (RFC 5280 4.1.2.4 RDNSequence). Fills the compat text, first CN ("" if
 * none), every CN when `cns` is not NULL, and the OpenSSL-canonical bytes
 * (x509_name_canon). All outputs malloc'd (cns->v[] too). 0 ok. */
int x509_name_parse(const struct cursor *contents, char **text, char **first_cn,
                    struct name_cns *cns, uint8_t **canon, uint32_t *canon_len);

/* An INTEGER's contents as OpenSSL prints a serial: lowercase hex of the
 * magnitude, '-' first when negative, no separators (cert.c; ocsp.c uses it
 * for the CertID so both compare as text). malloc'd, "" on failure. */
char *cert_serial_hex(const uint8_t *p, size_t n);

/* Canonical-name equality (X509_NAME_cmp == 0). */
bool x509_canon_eq(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen);

/* Parse the certificate without mbedTLS, as if mbedTLS had refused it (tests
 * compare both paths). */
struct cert *cert_parse_walk_only(const uint8_t *der, size_t len);

/* Valid at `at` the way OpenSSL's X509_cmp_time sees it: notBefore <= at <
 * notAfter. */
static inline bool cert_valid_at(const struct cert *c, int64_t at)
{
    const struct cert_impl *im = (const struct cert_impl *)c->impl;
    if (im->not_before_bad || im->not_after_bad) return false; /* X509_cmp_time() == 0 */
    return c->not_before <= at && at < c->not_after;
}

/* OpenSSL check_ca() (crypto/x509v3/v3_purp.c): 0 not a CA, 1 CA by
 * basicConstraints, 3 v1 self-signed root, 4 keyUsage keyCertSign without
 * basicConstraints, 5 Netscape CA type. */
int cert_check_ca(const struct cert *c);

/* OpenSSL check_purpose_ssl_server(): 1 ok, 0 rejected. */
int cert_purpose_sslserver(const struct cert *c, bool non_leaf);
int cert_purpose_sslclient(const struct cert *c, bool non_leaf);

#endif
