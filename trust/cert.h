/* cert.h — one X.509 certificate as tlsscope knows it, and the cache that
 * parses each distinct certificate once.
 *
 * mbedTLS 2.28 parses the DER (trust/ is the only place that includes its
 * headers); the facts are copied into plain fields so that the rest of the
 * program never sees an mbedTLS type. What mbedTLS does not give us is parsed
 * here with the cursor: Authority/Subject Key Identifier (RFC 5280 4.2.1.1/2,
 * through mbedtls_x509_crt_parse_der_with_ext_cb), iPAddress SANs (RFC 5280
 * 4.2.1.6), the canonical form of names (OpenSSL x509_name_canon).
 *
 * A certificate mbedTLS cannot parse (Ed25519, Ed448, ML-DSA, broken DER)
 * still gets a `struct cert` with its fingerprints, `parsed == false` and the
 * reason in `parse_error`; whatever could be read with the cursor (subject,
 * issuer, validity) is filled in as far as possible.
 *
 * Ownership: a cert_cache owns every struct cert it returns. Certificates are
 * immutable once interned and live until certcache_free(), or until they are
 * unreferenced and evicted when the cache is over its caps (cert_ref/unref).
 */
#ifndef TLSSCOPE_TRUST_CERT_H
#define TLSSCOPE_TRUST_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CERT_MAX_SAN 256          /* SAN entries kept per kind */
#define CERT_MAX_DER (256u * 1024u)
/* A cert_cache never holds more than this (by the estimate certcache_bytes
 * reports): unreferenced certificates are evicted first (earlier, down to
 * certcache_limit_bytes, when that is set); when referenced ones alone fill
 * it, a new certificate is refused (intern returns NULL, counted in
 * certcache_refused) rather than the cache growing with the input. */
#define CERT_CACHE_HARD_MAX_BYTES (64u * 1024u * 1024u)

enum cert_key_type {
    CERT_KEY_UNKNOWN = 0, CERT_KEY_RSA, CERT_KEY_EC, CERT_KEY_DSA,
    CERT_KEY_ED25519, CERT_KEY_ED448, CERT_KEY_OTHER,
};

/* Key usage bits, RFC 5280 4.2.1.3, as mbedTLS numbers them. */
#define CERT_KU_DIGITAL_SIGNATURE 0x80
#define CERT_KU_NON_REPUDIATION 0x40
#define CERT_KU_KEY_ENCIPHERMENT 0x20
#define CERT_KU_DATA_ENCIPHERMENT 0x10
#define CERT_KU_KEY_AGREEMENT 0x08
#define CERT_KU_KEY_CERT_SIGN 0x04
#define CERT_KU_CRL_SIGN 0x02

/* Extended key usage, RFC 5280 4.2.1.12. */
#define CERT_EKU_SERVER_AUTH 0x01
#define CERT_EKU_CLIENT_AUTH 0x02
#define CERT_EKU_ANY 0x04
#define CERT_EKU_OTHER 0x08  /* something else (code signing, ...) */

struct cert_ip {
    uint8_t len;              /* 4 or 16 */
    uint8_t addr[16];
};

struct cert {
    uint8_t sha256[32];
    uint8_t sha1[20];
    uint8_t *der;
    uint32_t der_len;

    bool parsed;              /* mbedTLS accepted it */
    char parse_error[128];    /* why not, when !parsed */

    int version;              /* 1..3 */
    char *serial;             /* lowercase hex, no separators */
    /* Names in certificate order, "C=BE, ST=..., CN=cucm.vngtp.lab" (as
     * `openssl x509 -nameopt compat`); raw UTF-8 from the certificate,
     * escape before printing. NULL-terminated strings, never NULL. */
    char *subject;
    char *issuer;
    char *subject_cn;         /* first CN, "" if none */
    char *issuer_cn;
    /* OpenSSL-canonical DER of the names (x509_name_canon) for comparison. */
    uint8_t *subject_canon;
    uint32_t subject_canon_len;
    uint8_t *issuer_canon;
    uint32_t issuer_canon_len;

    int64_t not_before;       /* seconds since the Unix epoch, UTC */
    int64_t not_after;

    enum cert_key_type key_type;
    int key_bits;             /* RSA/DSA modulus bits, EC curve bits */
    char curve[24];           /* "secp256r1", "" if not EC */
    char key_alg[48];         /* SPKI algorithm, OpenSSL's long name: "rsaEncryption",
                                 "id-ecPublicKey", "ED25519"; dotted OID if unknown
                                 (added by trust/: names keys mbedTLS cannot parse) */
    char sig_alg[48];         /* OpenSSL long name: "sha256WithRSAEncryption", "ecdsa-with-SHA256" */
    enum cert_key_type sig_key_type; /* key type the signature algorithm needs */
    bool sig_md5;             /* signed with MD5 (or MD2/MD4) */

    char **san_dns;           /* dNSName SANs, raw bytes */
    uint16_t n_san_dns, n_san_dns_total;
    struct cert_ip *san_ip;
    uint16_t n_san_ip, n_san_ip_total;
    bool has_san_ext;

    bool has_basic_constraints;
    bool is_ca;
    int path_len;             /* -1 = no limit */
    bool has_key_usage;
    uint16_t key_usage;       /* CERT_KU_* */
    bool has_eku;
    uint8_t eku;              /* CERT_EKU_* */
    uint8_t ski[64];
    uint8_t ski_len;          /* 0 = absent */
    uint8_t aki[64];
    uint8_t aki_len;          /* keyIdentifier of AKI; 0 = absent */
    bool unknown_critical;    /* a critical extension tlsscope/OpenSSL 1.1.1 does not handle */
    char unknown_critical_oid[64];

    bool self_issued;         /* canonical subject == canonical issuer */

    /* private */
    void *impl;               /* mbedtls_x509_crt, owned */
    uint32_t refs;
};

struct cert_cache;

/* max_entries: unreferenced certificates beyond this are evicted (LRU);
 * see also certcache_limit_bytes and CERT_CACHE_HARD_MAX_BYTES. */
struct cert_cache *certcache_new(size_t max_entries);

/* The certificate with these DER bytes: parsed on first sight, then found by
 * SHA-256. Takes a reference. NULL only on allocation failure or len == 0. */
const struct cert *certcache_intern(struct cert_cache *cc, const uint8_t *der, size_t len);

void cert_ref(const struct cert *c);
void certcache_unref(struct cert_cache *cc, const struct cert *c);

size_t certcache_count(const struct cert_cache *cc);
/* Certificates refused because CERT_CACHE_HARD_MAX_BYTES was full of
 * referenced ones. */
uint64_t certcache_refused(const struct cert_cache *cc);

/* Also evict unreferenced certificates while the cache's estimated memory
 * (an upper bound per certificate from its DER size and SAN count) is above
 * max_bytes; 0 = count limit only (the default). A capture with thousands
 * of distinct certificates then holds a bounded amount, whatever their size.
 * certcache_bytes() is that estimate for the certificates held. */
void certcache_limit_bytes(struct cert_cache *cc, size_t max_bytes);
size_t certcache_bytes(const struct cert_cache *cc);
void certcache_free(struct cert_cache *cc);

/* Parse without a cache (store loading, tests). Caller frees with cert_free. */
struct cert *cert_parse(const uint8_t *der, size_t len);
void cert_free(struct cert *c);

/* Hex fingerprint "ab:cd:..." (96 chars + NUL for SHA-256). */
void cert_fingerprint_hex(const uint8_t *digest, size_t n, char *out, size_t outlen, bool colons);

/* Write the certificate as PEM ("-----BEGIN CERTIFICATE-----"). 0 ok. */
int cert_write_pem(const struct cert *c, char *out, size_t outlen, size_t *written);

/* True if `issuer` could have issued `child`: canonical names equal, AKI/SKI
 * consistent, key type matches child's signature algorithm (VERIFY-SPEC
 * "Chain building" step 1). */
bool cert_could_issue(const struct cert *issuer, const struct cert *child);

/* VERIFY-SPEC's "self-signed": subject == issuer, AKI (if any) == own SKI,
 * key type matches own signature algorithm. Signature not checked. */
bool cert_is_self_signed(const struct cert *c);

/* Does the signature of `child` verify with `issuer`'s key? mbedTLS checks
 * it from tlsscope's own reading of both certificates (tbsCertificate,
 * signature algorithm and value of the child; the issuer's
 * subjectPublicKeyInfo), so a certificate mbedTLS refuses as a whole (an
 * Ed25519 or RSA-PSS key, explicit curve parameters) is still checked where
 * mbedTLS has the algorithm. CERT_SIG_UNCHECKABLE: mbedTLS 2.28 has no
 * verifier for it (EdDSA, DSA, curves it lacks, unknown algorithms) —
 * never a failure; cert_signature_why() says which. The answer is
 * remembered in `child` per issuer fingerprint (the one mutable part of a
 * certificate besides refs); the _uncached variant always verifies (tests). */
enum cert_sig { CERT_SIG_OK = 0, CERT_SIG_BAD, CERT_SIG_UNCHECKABLE };
enum cert_sig cert_signature_check(const struct cert *issuer, const struct cert *child);
enum cert_sig cert_signature_check_uncached(const struct cert *issuer, const struct cert *child);
static inline bool cert_signature_ok(const struct cert *issuer, const struct cert *child)
{
    return cert_signature_check(issuer, child) == CERT_SIG_OK;
}
static inline bool cert_signature_ok_uncached(const struct cert *issuer, const struct cert *child)
{
    return cert_signature_check_uncached(issuer, child) == CERT_SIG_OK;
}
/* Why cert_signature_check() is CERT_SIG_UNCHECKABLE, as a phrase
 * ("mbedTLS 2.28 cannot verify ED25519 signatures"). */
void cert_signature_why(const struct cert *issuer, const struct cert *child, char *out, size_t n);

/* Generic digest helpers so that layers above need no crypto library. */
void digest_sha256(const void *p, size_t n, uint8_t out[32]);
void digest_md5(const void *p, size_t n, uint8_t out[16]);

#endif
