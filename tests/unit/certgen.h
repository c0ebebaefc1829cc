/* certgen.h — build small X.509 certificates in C for unit tests.
 *
 * The certificates are well-formed DER that mbedTLS parses (a real P-256
 * public key: the curve's base point), but their signatures are dummies:
 * good for parsing and name matching, not for chain verification (the
 * fixtures in tests/fixtures/ have real signatures).
 *
 * Everything lives in one static arena; cg_reset() starts over.
 *
 *   struct slice c = cg_cert(cg_name_cn("host.lab"),
 *                            cg_exts(cg_san_dns("a.lab"), cg_san_ip4(10,0,0,1)));
 */
#ifndef TLSSCOPE_TESTS_CERTGEN_H
#define TLSSCOPE_TESTS_CERTGEN_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct slice {
    const uint8_t *p;
    size_t n;
};

static uint8_t cg_arena[1u << 18];
static size_t cg_used;

static inline void cg_reset(void) { cg_used = 0; }

static inline struct slice cg_raw(const void *p, size_t n)
{
    if (cg_used + n > sizeof cg_arena) {
        fputs("certgen: arena full\n", stderr);
        abort();
    }
    memcpy(cg_arena + cg_used, p, n);
    struct slice s = {cg_arena + cg_used, n};
    cg_used += n;
    return s;
}

static inline struct slice cg_tlv(uint8_t tag, const struct slice *parts, size_t np)
{
    size_t len = 0;
    for (size_t i = 0; i < np; i++) len += parts[i].n;
    uint8_t hdr[6];
    size_t h = 0;
    hdr[h++] = tag;
    if (len < 0x80) {
        hdr[h++] = (uint8_t)len;
    } else if (len <= 0xff) {
        hdr[h++] = 0x81;
        hdr[h++] = (uint8_t)len;
    } else {
        hdr[h++] = 0x82;
        hdr[h++] = (uint8_t)(len >> 8);
        hdr[h++] = (uint8_t)len;
    }
    struct slice out = cg_raw(hdr, h);
    for (size_t i = 0; i < np; i++) cg_raw(parts[i].p, parts[i].n);
    out.n = h + len;
    return out;
}

#define CG(tag, ...)                                                                   \
    cg_tlv((tag), (struct slice[]){__VA_ARGS__},                                       \
           sizeof((struct slice[]){__VA_ARGS__}) / sizeof(struct slice))
#define CGB(lit) cg_raw((lit), sizeof(lit) - 1) /* bytes of a string literal */
#define CG_EMPTY ((struct slice){NULL, 0})

static inline struct slice cg_str(uint8_t tag, const char *s) { return cg_tlv(tag, (struct slice[]){cg_raw(s, strlen(s))}, 1); }

/* Name with one CN (UTF8String). */
static inline struct slice cg_name_cn(const char *cn)
{
    return CG(0x30, CG(0x31, CG(0x30, CG(0x06, CGB("\x55\x04\x03")), cg_str(0x0c, cn))));
}

/* Name with several CN AVAs, each its own RDN. */
static inline struct slice cg_name_cns(const char *const *cns, size_t n)
{
    struct slice rdn[16];
    for (size_t i = 0; i < n && i < 16; i++)
        rdn[i] = CG(0x31, CG(0x30, CG(0x06, CGB("\x55\x04\x03")), cg_str(0x0c, cns[i])));
    return cg_tlv(0x30, rdn, n);
}

static inline struct slice cg_ext(struct slice oid_content, int critical, struct slice value)
{
    if (critical)
        return CG(0x30, cg_tlv(0x06, &oid_content, 1), CG(0x01, CGB("\xff")),
                  cg_tlv(0x04, &value, 1));
    return CG(0x30, cg_tlv(0x06, &oid_content, 1), cg_tlv(0x04, &value, 1));
}

/* subjectAltName from GeneralName encodings. */
static inline struct slice cg_san(const struct slice *names, size_t n)
{
    struct slice seq = cg_tlv(0x30, names, n);
    return cg_ext(CGB("\x55\x1d\x11"), 0, seq);
}

static inline struct slice cg_gn_dns(const void *s, size_t n)
{
    struct slice v = cg_raw(s, n);
    return cg_tlv(0x82, &v, 1);
}

static inline struct slice cg_gn_ip(const uint8_t *a, size_t n)
{
    struct slice v = cg_raw(a, n);
    return cg_tlv(0x87, &v, 1);
}

/* Extensions wrapper: [3] EXPLICIT SEQUENCE OF Extension. */
static inline struct slice cg_exts(const struct slice *exts, size_t n)
{
    struct slice seq = cg_tlv(0x30, exts, n);
    return cg_tlv(0xa3, &seq, 1);
}

/* P-256 base point as a public key (valid on the curve). */
static inline struct slice cg_spki_p256(void)
{
    static const uint8_t pt[65] = {
        0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63,
        0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39,
        0x45, 0xd8, 0x98, 0xc2, 0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e,
        0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e,
        0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5};
    uint8_t bits[66];
    bits[0] = 0;
    memcpy(bits + 1, pt, 65);
    return CG(0x30,
              CG(0x30, CG(0x06, CGB("\x2a\x86\x48\xce\x3d\x02\x01")),
                 CG(0x06, CGB("\x2a\x86\x48\xce\x3d\x03\x01\x07"))),
              cg_tlv(0x03, (struct slice[]){cg_raw(bits, sizeof bits)}, 1));
}

/* A v3 certificate, ecdsa-with-SHA256, valid 2020-01-01 .. 2040-01-01,
 * serial 0x2a; `exts` is cg_exts(...) or CG_EMPTY. */
static inline struct slice cg_cert(struct slice subject, struct slice issuer, struct slice exts)
{
    struct slice alg = CG(0x30, CG(0x06, CGB("\x2a\x86\x48\xce\x3d\x04\x03\x02")));
    struct slice parts[9];
    size_t n = 0;
    parts[n++] = CG(0xa0, CG(0x02, CGB("\x02")));
    parts[n++] = CG(0x02, CGB("\x2a"));
    parts[n++] = alg;
    parts[n++] = issuer;
    parts[n++] = CG(0x30, CG(0x17, CGB("200101000000Z")), CG(0x17, CGB("400101000000Z")));
    parts[n++] = subject;
    parts[n++] = cg_spki_p256();
    if (exts.n) parts[n++] = exts;
    struct slice tbs = cg_tlv(0x30, parts, n);
    /* ECDSA-Sig-Value { r, s } with dummy values */
    struct slice sig = CG(0x30, CG(0x02, CGB("\x01")), CG(0x02, CGB("\x01")));
    uint8_t *b = malloc(sig.n + 1);
    b[0] = 0;
    memcpy(b + 1, sig.p, sig.n);
    struct slice bs = cg_tlv(0x03, (struct slice[]){cg_raw(b, sig.n + 1)}, 1);
    free(b);
    return CG(0x30, tbs, alg, bs);
}

#endif
