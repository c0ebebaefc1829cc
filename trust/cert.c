/* cert.c — one X.509 certificate as tlsscope knows it (see cert.h).
 *
 * Two readers look at every certificate:
 *  - mbedTLS 2.28 (mbedtls_x509_crt_parse_der_with_ext_cb) decides whether
 *    the certificate is well-formed enough to verify signatures with, and
 *    keeps the public key context for that. Extensions mbedTLS does not
 *    handle itself (Authority/Subject Key Identifier, name constraints,
 *    anything unknown) reach our callback, which records them — and always
 *    accepts them, so that a certificate with an unknown critical extension
 *    still parses and is judged as OpenSSL does (X509_V_ERR_UNHANDLED_
 *    CRITICAL_EXTENSION), instead of being refused by mbedTLS.
 *  - our own cursor walk of tbsCertificate (RFC 5280 4.1) gives names in
 *    OpenSSL's forms, validity as epoch seconds (no 2038 limit, no wall
 *    clock), key and signature details, SANs including iPAddress (mbedTLS
 *    2.28 drops those), and the extensions mbedTLS parses itself in the
 *    semantics OpenSSL gives them. When mbedTLS refuses a certificate
 *    (Ed25519, Ed448, ML-DSA, DSA, broken DER) the walk applies every
 *    extension instead, so the certificate is still described.
 *
 * Each extension is thus applied exactly once, through ext_apply().
 */
#include "cert.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/error.h>
#include <mbedtls/md.h>
#include <mbedtls/md5.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform.h>
#include <mbedtls/rsa.h>
#include <mbedtls/x509.h>
#include <mbedtls/sha1.h>
#include <mbedtls/sha256.h>

#include "internal.h"
#include "ncons.h"

/* ---- digests ---------------------------------------------------------- */

void digest_sha256(const void *p, size_t n, uint8_t out[32])
{
    mbedtls_sha256_ret((const unsigned char *)p, n, out, 0);
}

void digest_md5(const void *p, size_t n, uint8_t out[16])
{
    mbedtls_md5_ret((const unsigned char *)p, n, out);
}

/* ---- OpenSSL's view of extensions ------------------------------------- */

/* OpenSSL 1.1.1 X509_supported_extension() (crypto/x509v3/v3_purp.c): the
 * extensions the verifier handles. A critical extension not in this list sets
 * EXFLAG_CRITICAL and fails verification with error 34. Note that Subject and
 * Authority Key Identifier are not in it (RFC 5280 requires them to be
 * non-critical), and OCSP no-check (1.3.6.1.5.5.7.48.1.5) only joined the
 * list in OpenSSL 3.0. */
static const char *const openssl_supported_ext[] = {
    "2.16.840.1.113730.1.1", /* nsCertType */
    "2.5.29.15",             /* keyUsage */
    "2.5.29.17",             /* subjectAltName */
    "2.5.29.19",             /* basicConstraints */
    "2.5.29.32",             /* certificatePolicies */
    "2.5.29.31",             /* cRLDistributionPoints */
    "2.5.29.37",             /* extKeyUsage */
    "1.3.6.1.5.5.7.1.7",     /* sbgp-ipAddrBlock (RFC 3779) */
    "1.3.6.1.5.5.7.1.8",     /* sbgp-autonomousSysNum */
    "2.5.29.36",             /* policyConstraints */
    "1.3.6.1.5.5.7.1.14",    /* proxyCertInfo */
    "2.5.29.30",             /* nameConstraints */
    "2.5.29.33",             /* policyMappings */
    "2.5.29.54",             /* inhibitAnyPolicy */
};

static bool openssl_supports(const char *oidtxt)
{
    for (size_t i = 0; i < sizeof openssl_supported_ext / sizeof openssl_supported_ext[0]; i++)
        if (strcmp(openssl_supported_ext[i], oidtxt) == 0) return true;
    return false;
}

/* Extensions mbedTLS 2.28 parses itself (library/oid.c oid_x509_ext); all
 * others are handed to the callback. */
static bool mbedtls_handles(const struct cursor *oid)
{
    return DER_OID_EQ(oid, OID_EXT_BC) || DER_OID_EQ(oid, OID_EXT_KU) ||
           DER_OID_EQ(oid, OID_EXT_EKU) || DER_OID_EQ(oid, OID_EXT_SAN) ||
           DER_OID_EQ(oid, OID_EXT_NS_CERT_TYPE) || DER_OID_EQ(oid, OID_EXT_POLICIES);
}

/* An extension OpenSSL 1.1.1 decodes in x509v3_cache_extensions() is there
 * twice or does not decode: EXFLAG_INVALID (see internal.h). The first
 * reason is kept. */
static void ext_bad(struct cert *c, const char *why)
{
    struct cert_impl *im = cert_impl_of(c);
    if (im->ext_invalid) return;
    im->ext_invalid = true;
    snprintf(im->ext_invalid_why, sizeof im->ext_invalid_why, "%s", why);
}

/* The extensions x509v3_cache_extensions() reads with X509_get_ext_d2i(x,
 * nid, &i, NULL), where a second copy gives i == -2 and EXFLAG_INVALID. */
enum {
    EXT_SEEN_BC = 1 << 0, EXT_SEEN_KU = 1 << 1, EXT_SEEN_EKU = 1 << 2,
    EXT_SEEN_NS = 1 << 3, EXT_SEEN_SKI = 1 << 4, EXT_SEEN_AKI = 1 << 5,
    EXT_SEEN_SAN = 1 << 6, EXT_SEEN_NC = 1 << 7, EXT_SEEN_PROXY = 1 << 8,
    EXT_SEEN_CRLDP = 1 << 9,
};

static const struct {
    const uint8_t *oid;
    size_t len;
    uint16_t bit;
    const char *name;
} cached_ext[] = {
#define CACHED_EXT(o, b, n) {(const uint8_t *)(o), sizeof(o) - 1, (b), (n)}
    CACHED_EXT(OID_EXT_BC, EXT_SEEN_BC, "basicConstraints"),
    CACHED_EXT(OID_EXT_KU, EXT_SEEN_KU, "keyUsage"),
    CACHED_EXT(OID_EXT_EKU, EXT_SEEN_EKU, "extendedKeyUsage"),
    CACHED_EXT(OID_EXT_NS_CERT_TYPE, EXT_SEEN_NS, "nsCertType"),
    CACHED_EXT(OID_EXT_SKI, EXT_SEEN_SKI, "subjectKeyIdentifier"),
    CACHED_EXT(OID_EXT_AKI, EXT_SEEN_AKI, "authorityKeyIdentifier"),
    CACHED_EXT(OID_EXT_SAN, EXT_SEEN_SAN, "subjectAltName"),
    CACHED_EXT(OID_EXT_NC, EXT_SEEN_NC, "nameConstraints"),
    CACHED_EXT(OID_EXT_PROXY_CERT_INFO, EXT_SEEN_PROXY, "proxyCertInfo"),
    CACHED_EXT(OID_EXT_CRLDP, EXT_SEEN_CRLDP, "cRLDistributionPoints"),
#undef CACHED_EXT
};

/* Second copy of a cached extension? Marks it seen either way. */
static bool ext_duplicate(struct cert *c, const struct cursor *oid)
{
    struct cert_impl *im = cert_impl_of(c);
    for (size_t i = 0; i < sizeof cached_ext / sizeof cached_ext[0]; i++) {
        if (!der_oid_eq(oid, cached_ext[i].oid, cached_ext[i].len)) continue;
        if (im->ext_seen & cached_ext[i].bit) {
            char why[64];
            snprintf(why, sizeof why, "%s appears twice", cached_ext[i].name);
            ext_bad(c, why);
            return true;
        }
        im->ext_seen |= cached_ext[i].bit;
        return false;
    }
    return false;
}

/* RFC 5280 4.2.1.10 NameConstraints: kept as a slice of the DER and walked
 * when a path is checked (trust/ncons.c); here only its outer form. */
static void ext_nc(struct cert *c, struct cursor val)
{
    struct cert_impl *im = cert_impl_of(c);
    struct cursor seq;
    uint32_t n_subtrees;
    if (der_expect(&val, DER_SEQUENCE, &seq) != 0 || !ncons_wellformed(seq, &n_subtrees)) {
        ext_bad(c, "nameConstraints does not decode");
        return;
    }
    im->has_nc = true;
    im->nc = seq;
}

/* RFC 5280 4.2.1.6 GeneralNames: keep dNSName (raw) and iPAddress (4 or 16
 * bytes); everything else is not a host identity (name constraints walk the
 * whole GeneralNames again from im->san_names). Two passes: count, then
 * copy, so the arrays are allocated once. */
static void ext_san(struct cert *c, struct cursor val)
{
    struct cert_impl *im = cert_impl_of(c);
    struct cursor names, it;
    size_t n_dns = 0, n_ip = 0;

    if (c->has_san_ext) return; /* a duplicate: EXFLAG_INVALID, ext_duplicate() */
    if (der_expect(&val, DER_SEQUENCE, &names) != 0) {
        ext_bad(c, "subjectAltName does not decode");
        return;
    }
    c->has_san_ext = true;
    im->san_names = names;
    for (it = names; !cur_empty(&it);) {
        struct der_tlv g;
        if (der_next(&it, &g) != 0) break;
        if (g.tag == DER_CTX(2)) n_dns++;
        else if (g.tag == DER_CTX(7)) n_ip++;
    }
    if (n_dns > CERT_MAX_SAN) n_dns = CERT_MAX_SAN;
    if (n_ip > CERT_MAX_SAN) n_ip = CERT_MAX_SAN;
    if (n_dns) {
        c->san_dns = calloc(n_dns, sizeof *c->san_dns);
        im->san_dns_flags = calloc(n_dns, 1);
        if (!c->san_dns || !im->san_dns_flags) n_dns = 0;
    }
    if (n_ip) {
        c->san_ip = calloc(n_ip, sizeof *c->san_ip);
        if (!c->san_ip) n_ip = 0;
    }
    for (it = names; !cur_empty(&it);) {
        struct der_tlv g;
        if (der_next(&it, &g) != 0) break;
        if (g.tag == DER_CTX(2)) {
            c->n_san_dns_total++;
            if (c->n_san_dns >= n_dns) continue;
            size_t len = cur_left(&g.val);
            bool nul = memchr(g.val.p, 0, len) != NULL;
            /* Raw bytes; an embedded NUL would silently shorten the C
             * string into another name, so it is written as \x00 and the
             * entry is flagged never to match (OpenSSL's equal_nocase and
             * ATS's strncasecmp both reject such a pattern). */
            char *s = malloc(len * 4 + 1);
            if (!s) continue;
            size_t o = 0;
            for (size_t i = 0; i < len; i++) {
                if (g.val.p[i] == 0) {
                    memcpy(s + o, "\\x00", 4);
                    o += 4;
                } else {
                    s[o++] = (char)g.val.p[i];
                }
            }
            s[o] = '\0';
            im->san_dns_flags[c->n_san_dns] = nul ? CERT_SAN_NUL : 0;
            c->san_dns[c->n_san_dns++] = s;
        } else if (g.tag == DER_CTX(7)) {
            c->n_san_ip_total++;
            size_t len = cur_left(&g.val);
            if (c->n_san_ip >= n_ip || (len != 4 && len != 16)) continue;
            c->san_ip[c->n_san_ip].len = (uint8_t)len;
            memcpy(c->san_ip[c->n_san_ip].addr, g.val.p, len);
            c->n_san_ip++;
        }
    }
}

static void ext_bc(struct cert *c, struct cursor val)
{
    struct cursor bc;
    if (der_expect(&val, DER_SEQUENCE, &bc) != 0) {
        ext_bad(c, "basicConstraints does not decode");
        return;
    }
    c->has_basic_constraints = true;
    c->is_ca = false;
    c->path_len = -1;
    if (der_peek(&bc) == DER_BOOLEAN) {
        struct cursor b;
        if (der_expect(&bc, DER_BOOLEAN, &b) == 0 && cur_left(&b) == 1) c->is_ca = b.p[0] != 0;
    }
    if (der_peek(&bc) == DER_INTEGER) {
        struct cursor v;
        if (der_expect(&bc, DER_INTEGER, &v) != 0 || cur_empty(&v)) {
            ext_bad(c, "basicConstraints does not decode");
            return;
        }
        /* OpenSSL 1.1.1 x509v3_cache_extensions: a negative pathLen, or one
         * on a non-CA, marks the certificate invalid with ex_pathlen 0. */
        if ((v.p[0] & 0x80) || !c->is_ca) {
            c->path_len = 0;
            ext_bad(c, "pathLenConstraint on a non-CA or negative");
            return;
        }
        long long pl = 0;
        for (size_t i = 0; i < cur_left(&v); i++) {
            pl = (pl << 8) | v.p[i];
            if (pl > INT_MAX) {
                pl = INT_MAX;
                break;
            }
        }
        c->path_len = (int)pl;
    }
}

static void ext_ku(struct cert *c, struct cursor val)
{
    struct cursor bits;
    if (der_expect(&val, DER_BIT_STRING, &bits) != 0 || cur_empty(&bits)) {
        ext_bad(c, "keyUsage does not decode");
        return;
    }
    c->has_key_usage = true;
    /* OpenSSL: ex_kusage = data[0] | data[1] << 8 (after the unused-bits
     * octet); the same layout as CERT_KU_* and mbedTLS. */
    c->key_usage = 0;
    if (cur_left(&bits) > 1) c->key_usage = bits.p[1];
    if (cur_left(&bits) > 2) c->key_usage |= (uint16_t)(bits.p[2] << 8);
}

static void ext_eku(struct cert *c, struct cursor val)
{
    struct cert_impl *im = cert_impl_of(c);
    struct cursor seq;
    if (der_expect(&val, DER_SEQUENCE, &seq) != 0) {
        ext_bad(c, "extendedKeyUsage does not decode");
        return;
    }
    c->has_eku = true;
    c->eku = 0;
    while (!cur_empty(&seq)) {
        struct cursor oid;
        if (der_expect(&seq, DER_OID, &oid) != 0) {
            ext_bad(c, "extendedKeyUsage does not decode");
            break;
        }
        if (DER_OID_EQ(&oid, OID_KP_SERVER_AUTH)) {
            c->eku |= CERT_EKU_SERVER_AUTH;
        } else if (DER_OID_EQ(&oid, OID_KP_CLIENT_AUTH)) {
            c->eku |= CERT_EKU_CLIENT_AUTH;
        } else if (DER_OID_EQ(&oid, OID_KP_ANY)) {
            c->eku |= CERT_EKU_ANY;
        } else {
            if (DER_OID_EQ(&oid, OID_KP_MS_SGC) || DER_OID_EQ(&oid, OID_KP_NS_SGC))
                im->eku_sgc = true;
            c->eku |= CERT_EKU_OTHER;
        }
    }
}

static void ext_ns_cert_type(struct cert *c, struct cursor val)
{
    struct cert_impl *im = cert_impl_of(c);
    struct cursor bits;
    if (der_expect(&val, DER_BIT_STRING, &bits) != 0 || cur_empty(&bits)) return;
    im->has_ns_cert_type = true;
    im->ns_cert_type = cur_left(&bits) > 1 ? bits.p[1] : 0;
}

static void ext_ski(struct cert *c, struct cursor val)
{
    struct cursor id;
    if (der_expect(&val, DER_OCTET_STRING, &id) != 0) {
        ext_bad(c, "subjectKeyIdentifier does not decode");
        return;
    }
    size_t n = cur_left(&id);
    if (n > sizeof c->ski) n = sizeof c->ski; /* cap: real identifiers are 20 or 32 bytes */
    memcpy(c->ski, id.p, n);
    c->ski_len = (uint8_t)n;
}

/* RFC 5280 4.2.1.1 AuthorityKeyIdentifier ::= SEQUENCE {
 *   keyIdentifier [0], authorityCertIssuer [1] GeneralNames,
 *   authorityCertSerialNumber [2] } — all three take part in OpenSSL's
 * X509_check_akid(). */
static void ext_aki(struct cert *c, struct cursor val)
{
    struct cert_impl *im = cert_impl_of(c);
    struct cursor seq;
    if (der_expect(&val, DER_SEQUENCE, &seq) != 0) {
        ext_bad(c, "authorityKeyIdentifier does not decode");
        return;
    }
    while (!cur_empty(&seq)) {
        struct der_tlv t;
        if (der_next(&seq, &t) != 0) break;
        if (t.tag == DER_CTX(0)) {
            size_t n = cur_left(&t.val);
            if (n > sizeof c->aki) n = sizeof c->aki;
            memcpy(c->aki, t.val.p, n);
            c->aki_len = (uint8_t)n;
        } else if (t.tag == DER_CTX_CONS(1) && !im->has_aki_issuer) {
            struct cursor gens = t.val;
            while (!cur_empty(&gens)) {
                struct der_tlv g;
                if (der_next(&gens, &g) != 0) break;
                if (g.tag != DER_CTX_CONS(4)) continue; /* directoryName, EXPLICIT Name */
                struct cursor name;
                char *text = NULL, *cn = NULL;
                if (der_expect(&g.val, DER_SEQUENCE, &name) == 0 &&
                    x509_name_parse(&name, &text, &cn, NULL, &im->aki_issuer_canon,
                                    &im->aki_issuer_canon_len) == 0)
                    im->has_aki_issuer = true;
                free(text);
                free(cn);
                break; /* OpenSSL looks at the first directoryName only */
            }
        } else if (t.tag == DER_CTX(2)) {
            size_t n = cur_left(&t.val);
            const uint8_t *p = t.val.p;
            while (n > 1 && p[0] == 0) { /* compare magnitudes, like ASN1_INTEGER_cmp */
                p++;
                n--;
            }
            im->has_aki_serial = true;
            if (n > sizeof im->aki_serial) {
                im->aki_serial_too_long = true;
                n = sizeof im->aki_serial;
            }
            memcpy(im->aki_serial, p, n);
            im->aki_serial_len = (uint8_t)n;
        }
    }
}

static void ext_apply(struct cert *c, const struct cursor *oid, bool critical, struct cursor val)
{
    char txt[64];
    bool oid_ok = der_oid_text(oid->p, cur_left(oid), txt, sizeof txt) == 0;

    if (critical && !c->unknown_critical && (!oid_ok || !openssl_supports(txt))) {
        c->unknown_critical = true;
        snprintf(c->unknown_critical_oid, sizeof c->unknown_critical_oid, "%s",
                 oid_ok ? txt : "(invalid OID)");
    }
    if (ext_duplicate(c, oid)) return; /* the first copy stands; the certificate is invalid */
    if (DER_OID_EQ(oid, OID_EXT_SAN)) ext_san(c, val);
    else if (DER_OID_EQ(oid, OID_EXT_BC)) ext_bc(c, val);
    else if (DER_OID_EQ(oid, OID_EXT_KU)) ext_ku(c, val);
    else if (DER_OID_EQ(oid, OID_EXT_EKU)) ext_eku(c, val);
    else if (DER_OID_EQ(oid, OID_EXT_NS_CERT_TYPE)) ext_ns_cert_type(c, val);
    else if (DER_OID_EQ(oid, OID_EXT_SKI)) ext_ski(c, val);
    else if (DER_OID_EQ(oid, OID_EXT_AKI)) ext_aki(c, val);
    else if (DER_OID_EQ(oid, OID_EXT_NC)) ext_nc(c, val);
}

/* mbedtls_x509_crt_ext_cb_t: an extension mbedTLS does not parse. Always 0:
 * whether a critical extension is acceptable is OpenSSL's question to
 * answer (ext_apply records it), not a reason to refuse the certificate. */
static int cert_ext_cb(void *ctx, mbedtls_x509_crt const *crt, mbedtls_x509_buf const *oid,
                       int critical, const unsigned char *p, const unsigned char *end)
{
    (void)crt;
    struct cert *c = ctx;
    struct cursor o = cur_init(oid->p, oid->len);
    struct cursor v = cur_init(p, (size_t)(end - p));
    ext_apply(c, &o, critical != 0, v);
    return 0;
}

/* Forget what extensions said (mbedTLS failed after calling us for some). */
static void ext_reset(struct cert *c)
{
    struct cert_impl *im = cert_impl_of(c);
    for (uint16_t i = 0; i < c->n_san_dns; i++) free(c->san_dns[i]);
    free(c->san_dns);
    free(c->san_ip);
    free(im->san_dns_flags);
    free(im->aki_issuer_canon);
    c->san_dns = NULL;
    c->san_ip = NULL;
    im->san_dns_flags = NULL;
    im->aki_issuer_canon = NULL;
    c->n_san_dns = c->n_san_dns_total = c->n_san_ip = c->n_san_ip_total = 0;
    c->has_san_ext = c->has_basic_constraints = c->is_ca = false;
    c->path_len = -1;
    c->has_key_usage = c->has_eku = false;
    c->key_usage = 0;
    c->eku = 0;
    c->ski_len = c->aki_len = 0;
    c->unknown_critical = false;
    c->unknown_critical_oid[0] = '\0';
    im->eku_sgc = im->has_ns_cert_type = im->has_aki_serial = im->has_aki_issuer = false;
    im->aki_serial_too_long = false;
    im->ns_cert_type = 0;
    im->aki_serial_len = 0;
    im->aki_issuer_canon_len = 0;
    im->san_names = cur_init(NULL, 0);
    im->has_nc = false;
    im->nc = cur_init(NULL, 0);
    im->ext_invalid = false;
    im->ext_invalid_why[0] = '\0';
    im->ext_seen = 0;
}

/* ---- key and signature facts ----------------------------------------- */

/* OpenSSL 1.1.1 BN_security_bits(): RSA (N = -1) and DSA. */
static int bn_security_bits(int l, int n)
{
    int secbits;
    if (l >= 15360) secbits = 256;
    else if (l >= 7680) secbits = 192;
    else if (l >= 3072) secbits = 128;
    else if (l >= 2048) secbits = 112;
    else if (l >= 1024) secbits = 80;
    else return 0;
    if (n == -1) return secbits;
    int bits = n / 2;
    if (bits < 80) return 0;
    return bits >= secbits ? secbits : bits;
}

/* OpenSSL 1.1.1 ec_security_bits() (crypto/ec/ec_ameth.c). */
static int ec_security_bits(int order_bits)
{
    if (order_bits >= 512) return 256;
    if (order_bits >= 384) return 192;
    if (order_bits >= 256) return 128;
    if (order_bits >= 224) return 112;
    if (order_bits >= 160) return 80;
    return order_bits / 2;
}

/* The subject key as mbedTLS can use it for verifying signatures:
 * mbedtls_pk_parse_subpubkey() on the whole SubjectPublicKeyInfo (RSA, and
 * EC on the curves mbedTLS has, named or as explicit parameters it
 * recognises — MBEDTLS_PK_PARSE_EC_EXTENDED); an id-RSASSA-PSS key (RFC 4055
 * 1.2) carries an ordinary RSAPublicKey, imported as such (what it may sign
 * with is checked in signature_verify()). Anything else stays unusable. */
static void load_key(struct cert_impl *im, const struct der_tlv *spki_tlv, bool pss,
                     struct cursor bits)
{
    if (!pss) {
        unsigned char *p = (unsigned char *)spki_tlv->start;
        im->key_ok = mbedtls_pk_parse_subpubkey(&p, p + spki_tlv->total, &im->key) == 0;
        if (!im->key_ok) {
            mbedtls_pk_free(&im->key);
            mbedtls_pk_init(&im->key);
        }
        return;
    }
    struct cursor key, n, e;
    if (cur_skip(&bits, 1) != 0 || der_expect(&bits, DER_SEQUENCE, &key) != 0 ||
        der_expect(&key, DER_INTEGER, &n) != 0 || der_expect(&key, DER_INTEGER, &e) != 0)
        return;
    if (mbedtls_pk_setup(&im->key, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) != 0) return;
    mbedtls_rsa_context *rsa = mbedtls_pk_rsa(im->key);
    im->key_ok = mbedtls_rsa_import_raw(rsa, n.p, cur_left(&n), NULL, 0, NULL, 0, NULL, 0, e.p,
                                        cur_left(&e)) == 0 &&
                 mbedtls_rsa_complete(rsa) == 0 && mbedtls_rsa_check_pubkey(rsa) == 0;
    if (!im->key_ok) {
        mbedtls_pk_free(&im->key);
        mbedtls_pk_init(&im->key);
    }
}

/* SubjectPublicKeyInfo (RFC 5280 4.1.2.7). */
static void walk_spki(struct cert *c, const struct der_tlv *spki_tlv)
{
    struct cert_impl *im = cert_impl_of(c);
    struct cursor spki = spki_tlv->val, alg, oid, bits;

    im->key_secbits = -1;
    im->spki = spki_tlv->start;
    im->spki_len = spki_tlv->total;
    if (der_expect(&spki, DER_SEQUENCE, &alg) != 0 || der_expect(&alg, DER_OID, &oid) != 0)
        return;
    if (der_expect(&spki, DER_BIT_STRING, &bits) != 0) bits = cur_init(NULL, 0);
    load_key(im, spki_tlv, DER_OID_EQ(&oid, OID_PK_RSAPSS), bits);
    if (DER_OID_EQ(&oid, OID_PK_RSA) || DER_OID_EQ(&oid, OID_PK_RSAPSS)) {
        /* RFC 8017 A.1.1 RSAPublicKey ::= SEQUENCE { modulus, publicExponent } */
        struct cursor key, n;
        c->key_type = CERT_KEY_RSA;
        snprintf(c->key_alg, sizeof c->key_alg, "%s",
                 DER_OID_EQ(&oid, OID_PK_RSA) ? "rsaEncryption" : "rsassaPss");
        if (cur_skip(&bits, 1) == 0 && der_expect(&bits, DER_SEQUENCE, &key) == 0 &&
            der_expect(&key, DER_INTEGER, &n) == 0) {
            c->key_bits = der_uint_bits(&n);
            im->key_secbits = bn_security_bits(c->key_bits, -1);
        }
    } else if (DER_OID_EQ(&oid, OID_PK_EC)) {
        /* RFC 5480 2.1.1: namedCurve parameters. */
        struct cursor curve;
        c->key_type = CERT_KEY_EC;
        snprintf(c->key_alg, sizeof c->key_alg, "id-ecPublicKey");
        struct cursor params;
        if (der_peek(&alg) == DER_SEQUENCE && der_expect(&alg, DER_SEQUENCE, &params) == 0) {
            /* RFC 3279 2.3.5 explicit ECParameters { version, fieldID,
             * curve, base, order, cofactor }: OpenSSL sizes the key by the
             * order (EC_GROUP_order_bits). */
            struct cursor skip, order;
            snprintf(c->curve, sizeof c->curve, "explicit");
            im->ec_explicit = true;
            if (der_expect(&params, DER_INTEGER, &skip) == 0 &&
                der_expect(&params, DER_SEQUENCE, &skip) == 0 &&
                der_expect(&params, DER_SEQUENCE, &skip) == 0 &&
                der_expect(&params, DER_OCTET_STRING, &skip) == 0 &&
                der_expect(&params, DER_INTEGER, &order) == 0) {
                c->key_bits = der_uint_bits(&order);
                im->key_secbits = ec_security_bits(c->key_bits);
            }
        } else if (der_expect(&alg, DER_OID, &curve) == 0) {
            const struct der_curve *dc = der_curve_lookup(&curve);
            if (dc) {
                snprintf(c->curve, sizeof c->curve, "%s", dc->name);
                c->key_bits = dc->order_bits;
                im->key_secbits = ec_security_bits(dc->order_bits);
            } else {
                der_oid_text(curve.p, cur_left(&curve), c->curve, sizeof c->curve);
            }
        }
    } else if (DER_OID_EQ(&oid, OID_PK_DSA)) {
        /* RFC 3279 2.3.2 Dss-Parms ::= SEQUENCE { p, q, g } */
        struct cursor parms, p, q;
        c->key_type = CERT_KEY_DSA;
        snprintf(c->key_alg, sizeof c->key_alg, "dsaEncryption");
        if (der_expect(&alg, DER_SEQUENCE, &parms) == 0 &&
            der_expect(&parms, DER_INTEGER, &p) == 0 && der_expect(&parms, DER_INTEGER, &q) == 0) {
            c->key_bits = der_uint_bits(&p);
            im->key_secbits = bn_security_bits(c->key_bits, der_uint_bits(&q));
        }
    } else if (DER_OID_EQ(&oid, OID_PK_ED25519)) {
        /* RFC 8410; OpenSSL reports 253 bits and 128 bits of security. */
        c->key_type = CERT_KEY_ED25519;
        c->key_bits = 253;
        im->key_secbits = 128;
        snprintf(c->key_alg, sizeof c->key_alg, "ED25519");
    } else if (DER_OID_EQ(&oid, OID_PK_ED448)) {
        c->key_type = CERT_KEY_ED448;
        c->key_bits = 456;
        im->key_secbits = 224;
        snprintf(c->key_alg, sizeof c->key_alg, "ED448");
    } else {
        const struct der_sigalg *sa = der_sigalg_lookup(&oid); /* ML-DSA keys share the OID */
        c->key_type = CERT_KEY_OTHER;
        if (sa) snprintf(c->key_alg, sizeof c->key_alg, "%s", sa->ln);
        else der_oid_text(oid.p, cur_left(&oid), c->key_alg, sizeof c->key_alg);
        /* For keys we cannot interpret (ML-DSA, ...) the size of the key
         * itself is the best "length" there is; Zeek reports the same: the
         * BIT STRING's bits minus its unused-bits count (X.690 8.6.2). */
        uint8_t unused;
        if (cur_u8(&bits, &unused) == 0 && unused < 8 && cur_left(&bits) > 0 &&
            cur_left(&bits) < (size_t)INT32_MAX / 8)
            c->key_bits = (int)(cur_left(&bits) * 8) - unused;
    }
}

/* Certificate.signatureAlgorithm (RFC 5280 4.1.1.2). */
static void walk_sigalg(struct cert *c, struct cursor alg)
{
    struct cert_impl *im = cert_impl_of(c);
    struct cursor oid;
    if (der_expect(&alg, DER_OID, &oid) != 0) return;
    im->sig_oid = oid;
    {
        struct der_tlv pt;
        struct cursor rest = alg;
        if (der_next(&rest, &pt) == 0) {
            im->sig_params_tag = pt.tag;
            im->sig_params = pt.val;
        }
    }
    const struct der_sigalg *sa = der_sigalg_lookup(&oid);
    if (!sa) {
        der_oid_text(oid.p, cur_left(&oid), c->sig_alg, sizeof c->sig_alg);
        c->sig_key_type = CERT_KEY_UNKNOWN;
        return;
    }
    snprintf(c->sig_alg, sizeof c->sig_alg, "%s", sa->ln);
    c->sig_key_type = (enum cert_key_type)sa->key_type;
    c->sig_md5 = sa->md == DER_MD_MD2 || sa->md == DER_MD_MD4 || sa->md == DER_MD_MD5;
    im->sig_secbits = sa->secbits;
    im->sig_md = sa->md;
    if (DER_OID_EQ(&oid, OID_PK_RSAPSS)) {
        /* RFC 4055 3.1 RSASSA-PSS-params: hashAlgorithm [0] defaults to
         * SHA-1. OpenSSL rates the signature by that digest. */
        struct cursor params, h, halg, hoid;
        enum der_md md = DER_MD_SHA1;
        if (der_expect(&alg, DER_SEQUENCE, &params) == 0 && der_peek(&params) == DER_CTX_CONS(0) &&
            der_expect(&params, DER_CTX_CONS(0), &h) == 0 &&
            der_expect(&h, DER_SEQUENCE, &halg) == 0 && der_expect(&halg, DER_OID, &hoid) == 0)
            md = der_md_lookup(&hoid);
        c->sig_md5 = md == DER_MD_MD5;
        im->sig_secbits = der_md_secbits(md);
        im->sig_md = md;
    }
}

char *cert_serial_hex(const uint8_t *p, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    uint8_t *mag = malloc(n ? n : 1);
    char *s = malloc(n * 2 + 3);
    bool neg = n > 0 && (p[0] & 0x80);
    size_t i = 0, o = 0;

    if (!mag || !s) {
        free(mag);
        free(s);
        return strdup("");
    }
    memcpy(mag, p, n);
    if (neg) { /* two's complement to magnitude, as OpenSSL's c2i does */
        unsigned carry = 1;
        for (size_t k = n; k-- > 0;) {
            unsigned v = (uint8_t)~mag[k] + carry;
            mag[k] = (uint8_t)v;
            carry = v >> 8;
        }
        s[o++] = '-';
    }
    while (i + 1 < n && mag[i] == 0) i++;
    if (n == 0) {
        s[o++] = '0';
        s[o++] = '0';
    }
    for (; i < n; i++) {
        s[o++] = hx[mag[i] >> 4];
        s[o++] = hx[mag[i] & 15];
    }
    s[o] = '\0';
    free(mag);
    return s;
}

static void set_name(struct cert *c, struct cursor name_tlv_contents, bool subject,
                     const struct der_tlv *whole)
{
    char *text, *cn;
    uint8_t *canon;
    uint32_t canon_len;
    struct cert_impl *im = cert_impl_of(c);
    if (subject) {
        for (uint16_t i = 0; i < im->n_cn; i++) free(im->cn[i]);
        im->n_cn = 0;
    }
    struct name_cns cns = {0};
    int rc = x509_name_parse(&name_tlv_contents, &text, &cn, subject ? &cns : NULL, &canon,
                             &canon_len);
    if (subject) {
        memcpy(im->cn, cns.v, sizeof im->cn);
        memcpy(im->cn_flags, cns.flags, sizeof im->cn_flags);
        im->n_cn = cns.n;
    }
    if (rc != 0) {
        /* Not decodable as OpenSSL would canonicalise it: compare the raw
         * encoding behind a marker byte no canonical form starts with, so it
         * equals only the very same bytes. */
        free(canon);
        canon = malloc(whole->total + 1);
        canon_len = 0;
        if (canon) {
            canon[0] = 0xff;
            memcpy(canon + 1, whole->start, whole->total);
            canon_len = (uint32_t)whole->total + 1;
        }
    }
    if (subject) {
        free(c->subject);
        free(c->subject_cn);
        c->subject = text ? text : strdup("");
        c->subject_cn = cn ? cn : strdup("");
        c->subject_canon = canon;
        c->subject_canon_len = canon_len;
    } else {
        free(c->issuer);
        free(c->issuer_cn);
        c->issuer = text ? text : strdup("");
        c->issuer_cn = cn ? cn : strdup("");
        c->issuer_canon = canon;
        c->issuer_canon_len = canon_len;
    }
}

/* Walk Certificate / tbsCertificate (RFC 5280 4.1). `all_ext`: apply every
 * extension (mbedTLS refused the certificate); otherwise only those mbedTLS
 * parses itself, the rest came through cert_ext_cb. */
static int cert_walk(struct cert *c, bool all_ext)
{
    struct cert_impl *im = cert_impl_of(c);
    struct cursor top = cur_init(c->der, c->der_len), certc, tbs, alg, v, serial;
    struct der_tlv t;

    if (der_expect(&top, DER_SEQUENCE, &certc) != 0) return DER_EMALFORMED;
    if (der_next(&certc, &t) != 0 || t.tag != DER_SEQUENCE) return DER_EMALFORMED;
    im->tbs = t.start;
    im->tbs_len = t.total;
    tbs = t.val;
    if (der_expect(&certc, DER_SEQUENCE, &alg) == 0) {
        struct cursor sig;
        uint8_t unused;
        walk_sigalg(c, alg);
        if (der_expect(&certc, DER_BIT_STRING, &sig) == 0 && cur_u8(&sig, &unused) == 0 &&
            unused == 0)
            im->sig_value = sig;
    }

    /* version [0] EXPLICIT Version DEFAULT v1 */
    c->version = 1;
    if (der_peek(&tbs) == DER_CTX_CONS(0)) {
        struct cursor vi;
        if (der_expect(&tbs, DER_CTX_CONS(0), &v) != 0 || der_expect(&v, DER_INTEGER, &vi) != 0 ||
            cur_left(&vi) != 1)
            return DER_EMALFORMED;
        c->version = vi.p[0] + 1;
    }
    if (der_expect(&tbs, DER_INTEGER, &serial) != 0) return DER_EMALFORMED;
    free(c->serial);
    c->serial = cert_serial_hex(serial.p, cur_left(&serial));
    free(im->serial_raw);
    {
        const uint8_t *p = serial.p;
        size_t n = cur_left(&serial);
        while (n > 1 && p[0] == 0) {
            p++;
            n--;
        }
        im->serial_raw = malloc(n ? n : 1);
        if (im->serial_raw) {
            memcpy(im->serial_raw, p, n);
            im->serial_raw_len = (uint32_t)n;
        }
    }
    if (der_expect(&tbs, DER_SEQUENCE, &v) != 0) return DER_EMALFORMED; /* signature */
    if (der_next(&tbs, &t) != 0 || t.tag != DER_SEQUENCE) return DER_EMALFORMED;
    set_name(c, t.val, false, &t);
    {
        /* Validity ::= SEQUENCE { notBefore Time, notAfter Time } */
        struct cursor val;
        struct der_tlv nb, na;
        if (der_expect(&tbs, DER_SEQUENCE, &val) != 0 || der_next(&val, &nb) != 0 ||
            der_next(&val, &na) != 0 || !der_is_time_tag(nb.tag) || !der_is_time_tag(na.tag))
            return DER_EMALFORMED;
        /* OpenSSL decodes any content under the two time tags and judges
         * the form only in X509_cmp_time(): a time not in RFC 5280's fixed
         * form is kept (for display, as far as it reads) and flagged. */
        im->not_before_bad = !der_time_rfc5280(nb.tag, &nb.val);
        im->not_after_bad = !der_time_rfc5280(na.tag, &na.val);
        if (der_time(nb.tag, &nb.val, &c->not_before) != 0) c->not_before = 0;
        im->not_after_unreadable = der_time(na.tag, &na.val, &c->not_after) != 0;
        if (im->not_after_unreadable) c->not_after = 0;
    }
    if (der_next(&tbs, &t) != 0 || t.tag != DER_SEQUENCE) return DER_EMALFORMED;
    set_name(c, t.val, true, &t);
    im->subject_name = t.val;
    if (der_next(&tbs, &t) != 0 || t.tag != DER_SEQUENCE) return DER_EMALFORMED;
    walk_spki(c, &t);
    im->walked = true;
    c->self_issued = x509_canon_eq(c->subject_canon, c->subject_canon_len, c->issuer_canon,
                                   c->issuer_canon_len);

    /* issuerUniqueID [1], subjectUniqueID [2], extensions [3] */
    while (!cur_empty(&tbs)) {
        if (der_next(&tbs, &t) != 0) return DER_EMALFORMED;
        if (t.tag != DER_CTX_CONS(3)) continue;
        struct cursor exts;
        if (der_expect(&t.val, DER_SEQUENCE, &exts) != 0) return DER_EMALFORMED;
        im->exts = exts;
        while (!cur_empty(&exts)) {
            /* Extension ::= SEQUENCE { extnID, critical DEFAULT FALSE, extnValue } */
            struct cursor ext, oid, crit, value;
            bool critical = false;
            if (der_expect(&exts, DER_SEQUENCE, &ext) != 0 || der_expect(&ext, DER_OID, &oid) != 0)
                return DER_EMALFORMED;
            if (der_peek(&ext) == DER_BOOLEAN) {
                if (der_expect(&ext, DER_BOOLEAN, &crit) != 0 || cur_left(&crit) != 1)
                    return DER_EMALFORMED;
                critical = crit.p[0] != 0;
            }
            if (der_expect(&ext, DER_OCTET_STRING, &value) != 0) return DER_EMALFORMED;
            if (all_ext || mbedtls_handles(&oid)) ext_apply(c, &oid, critical, value);
        }
    }
    return 0;
}

/* ---- construction ------------------------------------------------------ */

/* A struct cert with its fingerprints; `keep` copies the bytes (false for
 * an oversized blob we only fingerprint). */
static struct cert *cert_alloc(const uint8_t *der, size_t len, bool keep)
{
    struct cert *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    struct cert_impl *im = calloc(1, sizeof *im);
    if (!im) {
        free(c);
        return NULL;
    }
    c->impl = im;
    mbedtls_x509_crt_init(&im->crt);
    mbedtls_pk_init(&im->key);
    c->path_len = -1;
    im->key_secbits = -1;
    digest_sha256(der, len, c->sha256);
    mbedtls_sha1_ret(der, len, c->sha1);
    c->serial = strdup("");
    c->subject = strdup("");
    c->issuer = strdup("");
    c->subject_cn = strdup("");
    c->issuer_cn = strdup("");
    if (keep) {
        c->der = malloc(len);
        if (c->der) {
            memcpy(c->der, der, len);
            c->der_len = (uint32_t)len;
        }
    }
    if (!c->serial || !c->subject || !c->issuer || !c->subject_cn || !c->issuer_cn ||
        (keep && !c->der)) {
        cert_free(c);
        return NULL;
    }
    return c;
}

static struct cert *cert_parse_impl(const uint8_t *der, size_t len, bool use_mbedtls)
{
    if (!der || len == 0) return NULL;
    bool too_big = len > CERT_MAX_DER;
    struct cert *c = cert_alloc(der, len, !too_big);
    if (!c) return NULL;
    struct cert_impl *im = cert_impl_of(c);
    if (too_big) {
        c->too_large = true;
        snprintf(c->parse_error, sizeof c->parse_error,
                 "certificate larger than %u bytes (CERT_MAX_DER)", CERT_MAX_DER);
        return c;
    }

    int rc = use_mbedtls ? mbedtls_x509_crt_parse_der_with_ext_cb(&im->crt, c->der, c->der_len,
                                                                  0 /* we own the bytes */,
                                                                  cert_ext_cb, c)
                         : -1;
    if (rc == 0) {
        im->mbed_ok = true;
        c->parsed = true;
        if (cert_walk(c, false) != 0 && !im->walked)
            snprintf(c->parse_error, sizeof c->parse_error,
                     "tlsscope: tbsCertificate walk failed");
    } else {
        if (use_mbedtls) {
            char buf[100];
            mbedtls_strerror(rc, buf, sizeof buf);
            snprintf(c->parse_error, sizeof c->parse_error, "mbedTLS: %s", buf);
        } else {
            snprintf(c->parse_error, sizeof c->parse_error, "mbedTLS: not used");
        }
        mbedtls_x509_crt_free(&im->crt);
        mbedtls_x509_crt_init(&im->crt);
        ext_reset(c);
        cert_walk(c, true);
    }
    return c;
}

struct cert *cert_parse(const uint8_t *der, size_t len) { return cert_parse_impl(der, len, true); }

struct cert *cert_parse_walk_only(const uint8_t *der, size_t len)
{
    return cert_parse_impl(der, len, false);
}

void cert_free(struct cert *c)
{
    if (!c) return;
    struct cert_impl *im = cert_impl_of(c);
    if (im) {
        for (uint16_t i = 0; i < c->n_san_dns; i++) free(c->san_dns[i]);
        mbedtls_x509_crt_free(&im->crt);
        mbedtls_pk_free(&im->key);
        free(im->san_dns_flags);
        free(im->aki_issuer_canon);
        free(im->serial_raw);
        for (uint16_t i = 0; i < im->n_cn; i++) free(im->cn[i]);
        free(im);
    }
    free(c->san_dns);
    free(c->san_ip);
    free(c->der);
    free(c->serial);
    free(c->subject);
    free(c->issuer);
    free(c->subject_cn);
    free(c->issuer_cn);
    free(c->subject_canon);
    free(c->issuer_canon);
    free(c);
}

/* ---- relations between certificates ------------------------------------ */

/* OpenSSL X509_check_akid(): keyid against SKI, serial against the issuer's
 * serial, directoryName against the issuer's issuer name. */
static bool akid_ok(const struct cert *issuer, const struct cert *child)
{
    const struct cert_impl *ii = cert_impl_of(issuer), *ci = cert_impl_of(child);
    if (child->aki_len && issuer->ski_len &&
        (child->aki_len != issuer->ski_len || memcmp(child->aki, issuer->ski, child->aki_len)))
        return false;
    if (ci->has_aki_serial &&
        (ci->aki_serial_too_long || ci->aki_serial_len != ii->serial_raw_len ||
         memcmp(ci->aki_serial, ii->serial_raw, ci->aki_serial_len) != 0))
        return false;
    if (ci->has_aki_issuer && !x509_canon_eq(ci->aki_issuer_canon, ci->aki_issuer_canon_len,
                                             issuer->issuer_canon, issuer->issuer_canon_len))
        return false;
    return true;
}

/* OpenSSL 3.0 ossl_x509_likely_issued(): names (X509_NAME_cmp), AKID, and
 * check_sig_alg_match() — the issuer's key type must be the one the child's
 * signature algorithm needs (RSA keys also sign RSASSA-PSS). OpenSSL 1.1.1
 * checked keyUsage keyCertSign here instead of the key type; VERIFY-SPEC
 * takes 3.0's rule (a wrong-key-type candidate can never verify anyway). */
bool cert_could_issue(const struct cert *issuer, const struct cert *child)
{
    const struct cert_impl *ii = cert_impl_of(issuer), *ci = cert_impl_of(child);
    if (!ii->walked || !ci->walked) return false;
    /* X509_check_issued(): x509v3_cache_extensions() must succeed on both */
    if (ii->ext_invalid || ci->ext_invalid) return false;
    if (!x509_canon_eq(issuer->subject_canon, issuer->subject_canon_len, child->issuer_canon,
                       child->issuer_canon_len))
        return false;
    if (!akid_ok(issuer, child)) return false;
    if (issuer->key_type == CERT_KEY_UNKNOWN || child->sig_key_type == CERT_KEY_UNKNOWN)
        return false;
    return issuer->key_type == child->sig_key_type;
}

bool cert_is_self_signed(const struct cert *c) { return cert_could_issue(c, c); }

/* The key `issuer` signs with, as mbedTLS holds it (NULL: none it can use). */
static const mbedtls_pk_context *signing_key(const struct cert_impl *ii)
{
    if (ii->mbed_ok) return &ii->crt.pk;
    return ii->key_ok ? &ii->key : NULL;
}

/* What mbedTLS makes of the child's signature algorithm (OID and
 * parameters, RSASSA-PSS options included). 0 when it has a verifier. */
static int child_sig_alg(const struct cert_impl *ci, mbedtls_md_type_t *md,
                         mbedtls_pk_type_t *pk_alg, void **opts)
{
    mbedtls_x509_buf oid = {MBEDTLS_ASN1_OID, cur_left(&ci->sig_oid),
                            (unsigned char *)ci->sig_oid.p};
    mbedtls_x509_buf params = {ci->sig_params_tag, cur_left(&ci->sig_params),
                               (unsigned char *)ci->sig_params.p};
    *opts = NULL;
    if (!ci->walked || cur_empty(&ci->sig_oid) || cur_empty(&ci->sig_value)) return -1;
    if (mbedtls_x509_get_sig_alg(&oid, &params, md, pk_alg, opts) != 0) return -1;
    if (!mbedtls_md_info_from_type(*md)) {
        mbedtls_free(*opts);
        *opts = NULL;
        return -1;
    }
    return 0;
}

/* X509_verify() of the child with the issuer's key, through mbedTLS: the
 * same call as mbedTLS's own x509_crt_check_signature(), on tlsscope's
 * slices of the DER. */
static enum cert_sig signature_verify(const struct cert *issuer, const struct cert *child)
{
    const struct cert_impl *ii = cert_impl_of(issuer), *ci = cert_impl_of(child);
    unsigned char hash[MBEDTLS_MD_MAX_SIZE];
    mbedtls_md_type_t md;
    mbedtls_pk_type_t pk_alg;
    void *opts;
    const mbedtls_pk_context *pk = signing_key(ii);

    if (!pk || child_sig_alg(ci, &md, &pk_alg, &opts) != 0) return CERT_SIG_UNCHECKABLE;
    const mbedtls_md_info_t *mi = mbedtls_md_info_from_type(md);
    enum cert_sig r = CERT_SIG_BAD;
    /* An id-RSASSA-PSS key signs with RSASSA-PSS only (RFC 4055 1.2;
     * OpenSSL refuses PKCS #1 v1.5 with it); otherwise the key must be of
     * the kind the algorithm needs (OpenSSL: "wrong public key type"). */
    bool pss_key = strcmp(issuer->key_alg, "rsassaPss") == 0;
    if ((!pss_key || pk_alg == MBEDTLS_PK_RSASSA_PSS) && mbedtls_pk_can_do(pk, pk_alg) &&
        mbedtls_md(mi, ci->tbs, ci->tbs_len, hash) == 0 &&
        mbedtls_pk_verify_ext(pk_alg, opts, (mbedtls_pk_context *)pk, md, hash,
                              mbedtls_md_get_size(mi), ci->sig_value.p,
                              cur_left(&ci->sig_value)) == 0)
        r = CERT_SIG_OK;
    mbedtls_free(opts);
    return r;
}

void cert_signature_why(const struct cert *issuer, const struct cert *child, char *out, size_t n)
{
    const struct cert_impl *ii = cert_impl_of(issuer), *ci = cert_impl_of(child);
    mbedtls_md_type_t md;
    mbedtls_pk_type_t pk_alg;
    void *opts;
    if (n == 0) return;
    out[0] = '\0';
    if (child_sig_alg(ci, &md, &pk_alg, &opts) != 0) {
        snprintf(out, n, "mbedTLS 2.28 cannot verify %s signatures",
                 child->sig_alg[0] ? child->sig_alg : "these");
        return;
    }
    mbedtls_free(opts);
    if (!signing_key(ii))
        snprintf(out, n, "mbedTLS 2.28 cannot use the %s%s%s key of the issuer", issuer->key_alg,
                 issuer->curve[0] ? " " : "", issuer->curve);
}

/* The public-key operation is most of the cost of judging a chain (tens of
 * microseconds per RSA signature with mbedTLS), so the answer is memoised in
 * the child, keyed by the issuer's SHA-256: the same bytes always give the
 * same answer, and a different issuer (a same-named twin with another key)
 * has a different fingerprint. */
/* ---- signature checks: a cache by (issuer key, signed certificate) and a
 * work budget (cert.h cert_verify_budget) ---------------------------------
 * The per-certificate memo goes with the certificate when the cache evicts
 * it, and does not help when the same key signs under two issuer
 * certificates (cross-signing, re-issued CAs). This table does: the key is
 * SHA-256(SHA-256 of the issuer's SubjectPublicKeyInfo || SHA-256 of the
 * child's DER, which covers its TBS and its signature). Fixed size,
 * direct-mapped: a collision only costs a verification. */
#define SIGCACHE_SLOTS 16384
static struct {
    uint8_t key[32];
    bool used;
    uint8_t result; /* enum cert_sig */
} sigcache[SIGCACHE_SLOTS];
static uint64_t verify_budget, verify_used; /* units; budget 0 = unlimited */

void cert_verify_budget(uint64_t units) { verify_budget = units; }
uint64_t cert_verify_units_used(void) { return verify_used; }

/* What one verification costs, in units of about one P-256 ECDSA check
 * with mbedTLS (0.5-1 ms): P-384 3, P-521 6; RSA up to 4096 bits 1 (public
 * exponent small), larger RSA by the square of its size. */
static uint64_t verify_cost(const struct cert *issuer)
{
    uint64_t bits = issuer->key_bits > 0 ? (uint64_t)issuer->key_bits : 256;
    if (issuer->key_type == CERT_KEY_EC) return bits <= 256 ? 1 : bits <= 384 ? 3 : 6;
    if (issuer->key_type == CERT_KEY_RSA || issuer->key_type == CERT_KEY_DSA)
        return bits <= 4096 ? 1 : (bits * bits) / (4096u * 4096u) + 1;
    return 1;
}

enum cert_sig cert_signature_check(const struct cert *issuer, const struct cert *child)
{
    struct cert_impl *ii = cert_impl_of(issuer), *ci = cert_impl_of(child);
    for (int i = 0; i < CERT_SIG_MEMO; i++)
        if (ci->sig_memo[i].valid &&
            memcmp(ci->sig_memo[i].issuer_sha256, issuer->sha256, 32) == 0)
            return (enum cert_sig)ci->sig_memo[i].result;
    uint8_t both[64], key[32];
    digest_sha256(ii->spki, ii->spki_len, both);
    memcpy(both + 32, child->sha256, 32);
    digest_sha256(both, sizeof both, key);
    size_t slot_i = ((size_t)key[0] | (size_t)key[1] << 8) % SIGCACHE_SLOTS;
    enum cert_sig r;
    if (sigcache[slot_i].used && memcmp(sigcache[slot_i].key, key, 32) == 0) {
        r = (enum cert_sig)sigcache[slot_i].result;
    } else {
        uint64_t cost = verify_cost(issuer);
        if (verify_budget && verify_used + cost > verify_budget) return CERT_SIG_BUDGET;
        verify_used += cost;
        r = signature_verify(issuer, child);
        memcpy(sigcache[slot_i].key, key, 32);
        sigcache[slot_i].used = true;
        sigcache[slot_i].result = (uint8_t)r;
    }
    int slot = ci->sig_memo_next;
    ci->sig_memo_next = (uint8_t)((slot + 1) % CERT_SIG_MEMO);
    memcpy(ci->sig_memo[slot].issuer_sha256, issuer->sha256, 32);
    ci->sig_memo[slot].result = (uint8_t)r;
    ci->sig_memo[slot].valid = true;
    return r;
}

bool cert_signature_ok(const struct cert *issuer, const struct cert *child)
{
    uint64_t b = verify_budget;
    verify_budget = 0; /* this entry point always answers */
    enum cert_sig r = cert_signature_check(issuer, child);
    verify_budget = b;
    return r == CERT_SIG_OK;
}

enum cert_sig cert_signature_check_uncached(const struct cert *issuer, const struct cert *child)
{
    return signature_verify(issuer, child);
}

/* OpenSSL check_ca() (crypto/x509v3/v3_purp.c). */
#define NS_SSL_CLIENT 0x80
#define NS_SSL_SERVER 0x40
#define NS_SSL_CA 0x04
#define NS_ANY_CA 0x07

int cert_check_ca(const struct cert *c)
{
    const struct cert_impl *im = cert_impl_of(c);
    if (c->has_key_usage && !(c->key_usage & CERT_KU_KEY_CERT_SIGN)) return 0;
    if (c->has_basic_constraints) return c->is_ca ? 1 : 0;
    if (c->version == 1 && cert_is_self_signed(c)) return 3; /* V1_ROOT */
    if (c->has_key_usage) return 4;
    if (im->has_ns_cert_type && (im->ns_cert_type & NS_ANY_CA)) return 5;
    return 0;
}

/* OpenSSL check_ssl_ca(): a CA, and a CA for TLS if it only says so by
 * nsCertType. */
static int check_ssl_ca(const struct cert *c)
{
    int r = cert_check_ca(c);
    if (r == 0) return 0;
    return r != 5 || (cert_impl_of(c)->ns_cert_type & NS_SSL_CA) ? 1 : 0;
}

/* OpenSSL check_purpose_ssl_server(): EKU (if present) must allow serverAuth
 * (or the old SGC purposes); a CA must pass check_ssl_ca(); a leaf needs
 * nsCertType SSL server (if present) and a key usage for TLS (if present). */
int cert_purpose_sslserver(const struct cert *c, bool non_leaf)
{
    const struct cert_impl *im = cert_impl_of(c);
    if (c->has_eku && !(c->eku & CERT_EKU_SERVER_AUTH) && !im->eku_sgc) return 0;
    if (non_leaf) return check_ssl_ca(c);
    if (im->has_ns_cert_type && !(im->ns_cert_type & NS_SSL_SERVER)) return 0;
    if (c->has_key_usage &&
        !(c->key_usage & (CERT_KU_DIGITAL_SIGNATURE | CERT_KU_KEY_ENCIPHERMENT | CERT_KU_KEY_AGREEMENT)))
        return 0;
    return 1;
}

/* OpenSSL check_purpose_ssl_client(): EKU (if present) must allow
 * clientAuth (no SGC here); a CA must pass check_ssl_ca(); a leaf needs a key
 * usage for signing or key agreement (if present) and nsCertType SSL client
 * (if present). */
int cert_purpose_sslclient(const struct cert *c, bool non_leaf)
{
    const struct cert_impl *im = cert_impl_of(c);
    if (c->has_eku && !(c->eku & CERT_EKU_CLIENT_AUTH)) return 0;
    if (non_leaf) return check_ssl_ca(c);
    if (c->has_key_usage && !(c->key_usage & (CERT_KU_DIGITAL_SIGNATURE | CERT_KU_KEY_AGREEMENT)))
        return 0;
    if (im->has_ns_cert_type && !(im->ns_cert_type & NS_SSL_CLIENT)) return 0;
    return 1;
}

/* ---- output ------------------------------------------------------------ */

void cert_fingerprint_hex(const uint8_t *digest, size_t n, char *out, size_t outlen, bool colons)
{
    static const char hx[] = "0123456789abcdef";
    size_t o = 0;
    if (outlen == 0) return;
    for (size_t i = 0; i < n; i++) {
        size_t need = colons && i ? 3 : 2;
        if (o + need + 1 > outlen) break;
        if (colons && i) out[o++] = ':';
        out[o++] = hx[digest[i] >> 4];
        out[o++] = hx[digest[i] & 15];
    }
    out[o] = '\0';
}

int cert_write_pem(const struct cert *c, char *out, size_t outlen, size_t *written)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    static const char head[] = "-----BEGIN CERTIFICATE-----\n";
    static const char tail[] = "-----END CERTIFICATE-----\n";
    size_t n = c->der_len, chars = (n + 2) / 3 * 4;
    size_t need = sizeof head - 1 + chars + (chars + 63) / 64 + sizeof tail - 1;
    if (written) *written = need;
    if (!out || outlen < need + 1) return -1;
    size_t o = 0, col = 0;
    memcpy(out, head, sizeof head - 1);
    o += sizeof head - 1;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)c->der[i] << 16;
        if (i + 1 < n) v |= (uint32_t)c->der[i + 1] << 8;
        if (i + 2 < n) v |= c->der[i + 2];
        char q[4] = {b64[(v >> 18) & 63], b64[(v >> 12) & 63],
                     i + 1 < n ? b64[(v >> 6) & 63] : '=', i + 2 < n ? b64[v & 63] : '='};
        for (int k = 0; k < 4; k++) {
            out[o++] = q[k];
            if (++col == 64) { /* RFC 7468 2: lines of exactly 64 characters */
                out[o++] = '\n';
                col = 0;
            }
        }
    }
    if (col) out[o++] = '\n';
    memcpy(out + o, tail, sizeof tail - 1);
    o += sizeof tail - 1;
    out[o] = '\0';
    return 0;
}

/* ---- cache ------------------------------------------------------------- */

/* Recently interned certificates, direct-mapped by a cheap function of the
 * DER's length and last 16 bytes (the end of the signature: different for
 * every certificate), confirmed by comparing all bytes. A capture repeats
 * the same few chains thousands of times; a hit costs one memcmp instead of
 * a SHA-256 of the whole certificate, which profiling showed to be 40% of
 * the time on a handshake-heavy capture. Crafted certificates that share
 * those bytes only miss here and take the SHA-256 path, so the worst case is
 * unchanged. */
#define CACHE_RECENT 1024         /* slots, power of two */

struct cert_cache {
    size_t max_entries;
    size_t max_bytes;         /* 0 = no limit */
    size_t count;
    size_t bytes;             /* cert_mem_weight() of the entries */
    uint64_t refused;         /* interns refused at CERT_CACHE_HARD_MAX_BYTES */
    size_t nbuckets;          /* power of two */
    struct cert **buckets;
    struct cert *lru_head;    /* most recently released unreferenced entry */
    struct cert *lru_tail;    /* evicted first */
    struct cert *recent[CACHE_RECENT]; /* borrowed; cleared when evicted */
};

#define CACHE_MIN_BUCKETS 64
#define CACHE_MAX_BUCKETS (1u << 20)

static size_t recent_slot(const uint8_t *der, size_t len)
{
    uint64_t h = (uint64_t)len * 0x9e3779b97f4a7c15ULL;
    if (len >= 16) {
        uint64_t a, b;
        memcpy(&a, der + len - 16, 8);
        memcpy(&b, der + len - 8, 8);
        h ^= a * 0xff51afd7ed558ccdULL;
        h ^= b * 0xc4ceb9fe1a85ec53ULL;
    }
    h ^= h >> 29;
    return (size_t)(h & (CACHE_RECENT - 1));
}

static size_t bucket_of(const struct cert_cache *cc, const uint8_t sha[32])
{
    uint64_t h;
    memcpy(&h, sha, sizeof h); /* SHA-256 bytes are uniformly spread already */
    return (size_t)(h & (cc->nbuckets - 1));
}

struct cert_cache *certcache_new(size_t max_entries)
{
    struct cert_cache *cc = calloc(1, sizeof *cc);
    if (!cc) return NULL;
    cc->max_entries = max_entries;
    cc->nbuckets = CACHE_MIN_BUCKETS;
    cc->buckets = calloc(cc->nbuckets, sizeof *cc->buckets);
    if (!cc->buckets) {
        free(cc);
        return NULL;
    }
    return cc;
}

static void lru_remove(struct cert_cache *cc, struct cert *c)
{
    struct cert_impl *im = cert_impl_of(c);
    if (!im->in_lru) return;
    if (im->lru_prev) cert_impl_of(im->lru_prev)->lru_next = im->lru_next;
    else cc->lru_head = im->lru_next;
    if (im->lru_next) cert_impl_of(im->lru_next)->lru_prev = im->lru_prev;
    else cc->lru_tail = im->lru_prev;
    im->lru_prev = im->lru_next = NULL;
    im->in_lru = false;
}

static void lru_push(struct cert_cache *cc, struct cert *c)
{
    struct cert_impl *im = cert_impl_of(c);
    im->lru_prev = NULL;
    im->lru_next = cc->lru_head;
    if (cc->lru_head) cert_impl_of(cc->lru_head)->lru_prev = c;
    cc->lru_head = c;
    if (!cc->lru_tail) cc->lru_tail = c;
    im->in_lru = true;
}

static void hash_remove(struct cert_cache *cc, struct cert *c)
{
    struct cert **pp = &cc->buckets[bucket_of(cc, c->sha256)];
    while (*pp && *pp != c) pp = &cert_impl_of(*pp)->hnext;
    if (*pp) *pp = cert_impl_of(c)->hnext;
}

/* What a parsed certificate costs in memory, from above: measured with
 * mallinfo2() over the fixtures and bench certificates it was 2.8-5 KiB for
 * ordinary ones (4-9x the DER), 47 KiB for 250 SANs in 5.9 KiB of DER;
 * mbedTLS and our own lists grow with every SAN and name attribute. */
static size_t cert_mem_weight(const struct cert *c)
{
    return 4096 + 6 * (size_t)c->der_len +
           128 * ((size_t)c->n_san_dns_total + (size_t)c->n_san_ip_total);
}

static bool cache_over(const struct cert_cache *cc)
{
    return cc->count > cc->max_entries || (cc->max_bytes && cc->bytes > cc->max_bytes);
}

/* Free the least recently released unreferenced certificate (lru_tail). */
static void evict_one(struct cert_cache *cc)
{
    struct cert *victim = cc->lru_tail;
    struct cert **slot = &cc->recent[recent_slot(victim->der, victim->der_len)];
    if (*slot == victim) *slot = NULL;
    lru_remove(cc, victim);
    hash_remove(cc, victim);
    cc->count--;
    cc->bytes -= cert_impl_of(victim)->mem_weight;
    cert_free(victim);
}

static void cache_evict(struct cert_cache *cc)
{
    while (cache_over(cc) && cc->lru_tail) evict_one(cc);
}

static void cache_grow(struct cert_cache *cc)
{
    size_t nb = cc->nbuckets * 2;
    if (nb > CACHE_MAX_BUCKETS) return;
    struct cert **nbk = calloc(nb, sizeof *nbk);
    if (!nbk) return;
    for (size_t i = 0; i < cc->nbuckets; i++) {
        struct cert *c = cc->buckets[i];
        while (c) {
            struct cert *next = cert_impl_of(c)->hnext;
            uint64_t h;
            memcpy(&h, c->sha256, sizeof h);
            size_t b = (size_t)(h & (nb - 1));
            cert_impl_of(c)->hnext = nbk[b];
            nbk[b] = c;
            c = next;
        }
    }
    free(cc->buckets);
    cc->buckets = nbk;
    cc->nbuckets = nb;
}

const struct cert *certcache_intern(struct cert_cache *cc, const uint8_t *der, size_t len)
{
    uint8_t sha[32];
    if (!cc || !der || len == 0) return NULL;
    struct cert **recent = &cc->recent[recent_slot(der, len)];
    struct cert *r = *recent;
    if (r && r->der_len == len && memcmp(r->der, der, len) == 0) {
        if (r->refs++ == 0) lru_remove(cc, r);
        return r;
    }
    digest_sha256(der, len, sha);
    for (struct cert *c = cc->buckets[bucket_of(cc, sha)]; c; c = cert_impl_of(c)->hnext) {
        /* SHA-256 equality is byte equality for all practical purposes. */
        if (memcmp(c->sha256, sha, 32) == 0) {
            if (c->refs++ == 0) lru_remove(cc, c);
            *recent = c;
            return c;
        }
    }
    /* The hard cap: make room among unreferenced certificates; when the
     * referenced ones alone fill it, refuse this one rather than grow with
     * the input. Its SANs are not known yet: the weight without them. */
    const size_t w = 4096 + 6 * len;
    while (cc->bytes + w > CERT_CACHE_HARD_MAX_BYTES && cc->lru_tail) evict_one(cc);
    if (cc->bytes + w > CERT_CACHE_HARD_MAX_BYTES) {
        cc->refused++;
        return NULL;
    }
    struct cert *c = cert_parse(der, len);
    if (!c) return NULL;
    *recent = c;
    struct cert_impl *im = cert_impl_of(c);
    im->owner = cc;
    c->refs = 1;
    size_t b = bucket_of(cc, c->sha256);
    im->hnext = cc->buckets[b];
    cc->buckets[b] = c;
    cc->count++;
    im->mem_weight = cert_mem_weight(c);
    cc->bytes += im->mem_weight;
    if (cc->count > cc->nbuckets * 2) cache_grow(cc);
    cache_evict(cc);
    return c;
}

void cert_ref(const struct cert *c)
{
    struct cert *m = (struct cert *)c; /* refs is the one mutable field */
    struct cert_impl *im = cert_impl_of(m);
    if (m->refs++ == 0 && im->owner) lru_remove(im->owner, m);
}

void certcache_unref(struct cert_cache *cc, const struct cert *c)
{
    struct cert *m = (struct cert *)c;
    if (!cc || !m || m->refs == 0) return;
    if (--m->refs == 0) {
        lru_push(cc, m);
        cache_evict(cc);
    }
}

size_t certcache_count(const struct cert_cache *cc) { return cc ? cc->count : 0; }

uint64_t certcache_refused(const struct cert_cache *cc) { return cc ? cc->refused : 0; }

size_t certcache_bytes(const struct cert_cache *cc) { return cc ? cc->bytes : 0; }

void certcache_limit_bytes(struct cert_cache *cc, size_t max_bytes)
{
    if (!cc) return;
    cc->max_bytes = max_bytes;
    cache_evict(cc);
}

void certcache_free(struct cert_cache *cc)
{
    if (!cc) return;
    for (size_t i = 0; i < cc->nbuckets; i++) {
        struct cert *c = cc->buckets[i];
        while (c) {
            struct cert *next = cert_impl_of(c)->hnext;
            cert_free(c);
            c = next;
        }
    }
    free(cc->buckets);
    free(cc);
}
