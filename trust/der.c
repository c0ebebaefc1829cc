/* der.c — see der.h. X.690 DER subset, OID tables, time and string
 * conversion for certificates. */
#include "der.h"

#include <stdio.h>
#include <string.h>

#include "../common/escape.h"
#include "../common/timefmt.h"
#include "cert.h"

int der_next(struct cursor *c, struct der_tlv *t)
{
    struct cursor save = *c;
    uint8_t tag, l0;
    size_t len = 0;

    if (cur_u8(c, &tag) != 0) return CUR_ESHORT;
    /* X.690 8.1.2.4: high-tag-number form never occurs in RFC 5280 structures. */
    if ((tag & 0x1f) == 0x1f) goto bad;
    if (cur_u8(c, &l0) != 0) goto shortread;
    if (l0 < 0x80) {
        len = l0;
    } else {
        unsigned nb = l0 & 0x7f;
        /* 0x80 is the BER indefinite form (not DER); more than 4 length bytes
         * cannot describe anything below CERT_MAX_DER. */
        if (nb == 0 || nb > 4) goto bad;
        for (unsigned i = 0; i < nb; i++) {
            uint8_t b;
            if (cur_u8(c, &b) != 0) goto shortread;
            len = (len << 8) | b;
        }
    }
    if (cur_sub(c, len, &t->val) != 0) goto shortread;
    t->tag = tag;
    t->start = save.p;
    t->total = (size_t)(c->p - save.p);
    return 0;
shortread:
    *c = save;
    return CUR_ESHORT;
bad:
    *c = save;
    return DER_EMALFORMED;
}

int der_expect(struct cursor *c, uint8_t tag, struct cursor *val)
{
    struct cursor save = *c;
    struct der_tlv t;
    int rc = der_next(c, &t);
    if (rc != 0) return rc;
    if (t.tag != tag) {
        *c = save;
        return DER_EMALFORMED;
    }
    *val = t.val;
    return 0;
}

int der_peek(const struct cursor *c)
{
    if (cur_empty(c)) return -1;
    return c->p[0];
}

int der_oid_text(const uint8_t *p, size_t n, char *out, size_t outlen)
{
    size_t o = 0;
    uint64_t v = 0;
    bool first = true, in_arc = false;

    if (outlen == 0) return -1;
    out[0] = '\0';
    if (n == 0) return -1;
    for (size_t i = 0; i < n; i++) {
        /* X.690 8.19.2: a leading 0x80 would be a non-minimal arc. */
        if (!in_arc && p[i] == 0x80) return -1;
        if (v > (UINT64_MAX >> 7)) return -1;
        v = (v << 7) | (p[i] & 0x7f);
        in_arc = true;
        if (p[i] & 0x80) continue;
        in_arc = false;
        int w;
        if (first) {
            /* X.690 8.19.4: the first subidentifier packs two arcs. */
            unsigned a = v < 40 ? 0 : v < 80 ? 1 : 2;
            w = snprintf(out + o, outlen - o, "%u.%llu", a,
                         (unsigned long long)(v - (uint64_t)a * 40));
            first = false;
        } else {
            w = snprintf(out + o, outlen - o, ".%llu", (unsigned long long)v);
        }
        if (w < 0 || (size_t)w >= outlen - o) {
            out[outlen - 1] = '\0';
            return -1;
        }
        o += (size_t)w;
        v = 0;
    }
    return in_arc ? -1 : 0;
}

bool der_oid_eq(const struct cursor *oid, const uint8_t *bytes, size_t n)
{
    return cur_left(oid) == n && memcmp(oid->p, bytes, n) == 0;
}

static int two_digits(const uint8_t *p, unsigned *v)
{
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9') return -1;
    *v = (unsigned)(p[0] - '0') * 10 + (unsigned)(p[1] - '0');
    return 0;
}

static bool leap_year(unsigned y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* OpenSSL's ossl_asn1_time_to_tm() (crypto/asn1/a_time.c, 1.1.1 and 3.0
 * alike) without ASN1_STRING_FLAG_X509_TIME, the way ASN1_TIME_to_tm(),
 * ASN1_TIME_diff() and ASN1_TIME_compare() read a certificate's times:
 * two-digit fields in range (month 1-12, a day of that month, 23:59:59 at
 * most), seconds optional, a GeneralizedTime fraction of at least one digit
 * after '.', then 'Z' or an offset +-HHMM (hours <= 12) that ends the text.
 * Anything else fails there, so the time cannot be compared (3.0's issuer
 * choice depends on that, see chain.c). */
int der_time(uint8_t tag, const struct cursor *val, int64_t *secs)
{
    static const uint8_t mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    /* min[] / max[] of the fields: century, year, month, day, hour,
     * minute, second, offset hours, offset minutes. */
    static const unsigned fmin[9] = {0, 0, 1, 1, 0, 0, 0, 0, 0};
    static const unsigned fmax[9] = {99, 99, 12, 31, 23, 59, 59, 12, 59};
    const uint8_t *p = val->p;
    size_t n = cur_left(val), o = 0;
    unsigned f[9] = {0}; /* the fields, indexed like fmin */
    int first, last;     /* field range of this type: UTCTime has no century */

    if (tag == DER_UTCTIME) {
        first = 1;
        if (n < 11) return DER_EMALFORMED;
    } else if (tag == DER_GENERALIZEDTIME) {
        first = 0;
        if (n < 13) return DER_EMALFORMED;
    } else {
        return DER_EMALFORMED;
    }
    last = 6;
    for (int k = first; k <= last; k++) {
        if (k == 6 && (p[o] == 'Z' || p[o] == '+' || p[o] == '-')) break; /* no seconds */
        if (o + 2 >= n) return DER_EMALFORMED; /* a field and then a time zone */
        if (two_digits(p + o, &f[k]) != 0 || f[k] < fmin[k] || f[k] > fmax[k])
            return DER_EMALFORMED;
        o += 2;
        if (k == 3) {
            unsigned y = tag == DER_UTCTIME ? (f[1] < 50 ? 2000 + f[1] : 1900 + f[1])
                                            : f[0] * 100 + f[1];
            unsigned md = mdays[f[2] - 1] + (f[2] == 2 && leap_year(y) ? 1 : 0);
            if (f[3] > md) return DER_EMALFORMED;
        }
    }
    if (tag == DER_GENERALIZEDTIME && p[o] == '.') {
        size_t d0 = ++o;
        while (o < n && p[o] >= '0' && p[o] <= '9') o++; /* verdicts work in seconds */
        if (o == d0 || o == n) return DER_EMALFORMED;
    }
    unsigned y = tag == DER_UTCTIME ? (f[1] < 50 ? 2000 + f[1] : 1900 + f[1]) : f[0] * 100 + f[1];
    int64_t t = time_from_civil((int)y, f[2], f[3], f[4], f[5], f[6]);
    if (p[o] == 'Z') {
        o++;
    } else if (p[o] == '+' || p[o] == '-') {
        bool minus = p[o] == '-';
        if (++o + 4 != n) return DER_EMALFORMED;
        if (two_digits(p + o, &f[7]) != 0 || f[7] > fmax[7] ||
            two_digits(p + o + 2, &f[8]) != 0 || f[8] > fmax[8])
            return DER_EMALFORMED;
        o += 4;
        int64_t off = (int64_t)f[7] * 3600 + (int64_t)f[8] * 60;
        t += minus ? off : -off; /* local time minus its offset is UTC */
    } else {
        return DER_EMALFORMED;
    }
    if (o != n) return DER_EMALFORMED;
    *secs = t;
    return 0;
}

bool der_time_rfc5280(uint8_t tag, const struct cursor *val)
{
    static const uint8_t mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const uint8_t *p = val->p;
    size_t n = cur_left(val), yl = tag == DER_UTCTIME ? 2 : 4;
    unsigned v[6] = {0};

    if (!der_is_time_tag(tag) || n != yl + 11 || p[n - 1] != 'Z') return false;
    for (size_t i = 0; i + 1 < n; i++)
        if (p[i] < '0' || p[i] > '9') return false;
    if (yl == 2) {
        two_digits(p, &v[0]);
        v[0] += v[0] >= 50 ? 1900 : 2000;
    } else {
        unsigned cc = 0, yy = 0;
        two_digits(p, &cc);
        two_digits(p + 2, &yy);
        v[0] = cc * 100 + yy;
    }
    for (int k = 1; k < 6; k++) two_digits(p + yl + 2 * (size_t)(k - 1), &v[k]);
    /* asn1_time_to_tm(): month 1-12, day within the month, 23:59:59 at most */
    if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[3] > 23 || v[4] > 59 || v[5] > 59) return false;
    unsigned md = mdays[v[1] - 1];
    if (v[1] == 2 && ((v[0] % 4 == 0 && v[0] % 100 != 0) || v[0] % 400 == 0)) md = 29;
    return v[2] <= md;
}

static size_t utf8_put(uint32_t cp, uint8_t out[4])
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xc0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xe0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (uint8_t)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (uint8_t)(0xf0 | (cp >> 18));
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (uint8_t)(0x80 | (cp & 0x3f));
    return 4;
}

long der_string_utf8(uint8_t tag, const uint8_t *p, size_t n, char *out, size_t outlen)
{
    size_t o = 0, step;
    uint8_t buf[4];

    if (outlen) out[0] = '\0';
    /* OpenSSL a_mbstr.c tag2nbyte: bytes per character by type. */
    switch (tag) {
    case DER_UTF8STRING: step = 0; break;
    case DER_NUMERICSTRING: case DER_PRINTABLESTRING: case DER_T61STRING:
    case DER_IA5STRING: case DER_VISIBLESTRING: step = 1; break;
    case DER_BMPSTRING: step = 2; break;
    case DER_UNIVERSALSTRING: step = 4; break;
    default: return -1;
    }
    if (step > 1 && n % step) return -1;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k;
        if (step == 0) {
            k = utf8_seq_len(p + i, n - i, &cp);
            if (k == 0) return -1;
        } else if (step == 1) {
            cp = p[i];
            k = 1;
        } else if (step == 2) {
            cp = ((uint32_t)p[i] << 8) | p[i + 1];
            k = 2;
        } else {
            cp = ((uint32_t)p[i] << 24) | ((uint32_t)p[i + 1] << 16) |
                 ((uint32_t)p[i + 2] << 8) | p[i + 3];
            if (cp > 0x10ffff) return -1;
            k = 4;
        }
        size_t m = utf8_put(cp, buf);
        for (size_t j = 0; j < m; j++, o++)
            if (o + 1 < outlen) out[o] = (char)buf[j];
        i += k;
    }
    if (outlen) out[o < outlen ? o : outlen - 1] = '\0';
    return (long)o;
}

bool der_is_canon_string(uint8_t tag)
{
    switch (tag) {
    case DER_UTF8STRING: case DER_BMPSTRING: case DER_UNIVERSALSTRING:
    case DER_PRINTABLESTRING: case DER_T61STRING: case DER_IA5STRING:
    case DER_VISIBLESTRING:
        return true;
    default:
        return false;
    }
}

struct oid_name {
    const char *oid;
    const char *name;
};

/* OpenSSL short names (crypto/objects/objects.txt) of the attributes found in
 * certificate names; anything else prints as the dotted OID, as OpenSSL
 * does for unknown objects. */
static const struct oid_name attr_names[] = {
    {"2.5.4.3", "CN"}, {"2.5.4.4", "SN"}, {"2.5.4.5", "serialNumber"},
    {"2.5.4.6", "C"}, {"2.5.4.7", "L"}, {"2.5.4.8", "ST"}, {"2.5.4.9", "street"},
    {"2.5.4.10", "O"}, {"2.5.4.11", "OU"}, {"2.5.4.12", "title"},
    {"2.5.4.13", "description"}, {"2.5.4.15", "businessCategory"},
    {"2.5.4.17", "postalCode"}, {"2.5.4.41", "name"}, {"2.5.4.42", "GN"},
    {"2.5.4.43", "initials"}, {"2.5.4.44", "generationQualifier"},
    {"2.5.4.45", "x500UniqueIdentifier"}, {"2.5.4.46", "dnQualifier"},
    {"2.5.4.65", "pseudonym"}, {"2.5.4.97", "organizationIdentifier"},
    {"0.9.2342.19200300.100.1.25", "DC"}, {"0.9.2342.19200300.100.1.1", "UID"},
    {"1.2.840.113549.1.9.1", "emailAddress"}, {"1.2.840.113549.1.9.2", "unstructuredName"},
    {"1.3.6.1.4.1.311.60.2.1.1", "jurisdictionL"},
    {"1.3.6.1.4.1.311.60.2.1.2", "jurisdictionST"},
    {"1.3.6.1.4.1.311.60.2.1.3", "jurisdictionC"},
};

const char *der_attr_short_name(const struct cursor *oid)
{
    char txt[96];
    if (der_oid_text(oid->p, cur_left(oid), txt, sizeof txt) != 0) return NULL;
    for (size_t i = 0; i < sizeof attr_names / sizeof attr_names[0]; i++)
        if (strcmp(attr_names[i].oid, txt) == 0) return attr_names[i].name;
    return NULL;
}

struct sigalg_row {
    const char *oid;
    struct der_sigalg alg;
};

/* Long names as OpenSSL's OBJ_nid2ln prints them; security bits as OpenSSL
 * 1.1.1 x509_init_sig_info computes them (digest size * 4; EdDSA fixed). */
static const struct sigalg_row sigalgs[] = {
    {"1.2.840.113549.1.1.2", {"md2WithRSAEncryption", CERT_KEY_RSA, DER_MD_MD2, 64}},
    {"1.2.840.113549.1.1.3", {"md4WithRSAEncryption", CERT_KEY_RSA, DER_MD_MD4, 64}},
    {"1.2.840.113549.1.1.4", {"md5WithRSAEncryption", CERT_KEY_RSA, DER_MD_MD5, 64}},
    {"1.2.840.113549.1.1.5", {"sha1WithRSAEncryption", CERT_KEY_RSA, DER_MD_SHA1, 80}},
    {"1.2.840.113549.1.1.10", {"rsassaPss", CERT_KEY_RSA, DER_MD_UNKNOWN, 0}},
    {"1.2.840.113549.1.1.11", {"sha256WithRSAEncryption", CERT_KEY_RSA, DER_MD_SHA256, 128}},
    {"1.2.840.113549.1.1.12", {"sha384WithRSAEncryption", CERT_KEY_RSA, DER_MD_SHA384, 192}},
    {"1.2.840.113549.1.1.13", {"sha512WithRSAEncryption", CERT_KEY_RSA, DER_MD_SHA512, 256}},
    {"1.2.840.113549.1.1.14", {"sha224WithRSAEncryption", CERT_KEY_RSA, DER_MD_SHA224, 112}},
    {"1.3.14.3.2.3", {"md5WithRSA", CERT_KEY_RSA, DER_MD_MD5, 64}},
    {"1.3.14.3.2.29", {"sha1WithRSA", CERT_KEY_RSA, DER_MD_SHA1, 80}},
    {"2.16.840.1.101.3.4.3.13", {"RSA-SHA3-224", CERT_KEY_RSA, DER_MD_SHA3_224, 112}},
    {"2.16.840.1.101.3.4.3.14", {"RSA-SHA3-256", CERT_KEY_RSA, DER_MD_SHA3_256, 128}},
    {"2.16.840.1.101.3.4.3.15", {"RSA-SHA3-384", CERT_KEY_RSA, DER_MD_SHA3_384, 192}},
    {"2.16.840.1.101.3.4.3.16", {"RSA-SHA3-512", CERT_KEY_RSA, DER_MD_SHA3_512, 256}},
    {"1.2.840.10045.4.1", {"ecdsa-with-SHA1", CERT_KEY_EC, DER_MD_SHA1, 80}},
    {"1.2.840.10045.4.3.1", {"ecdsa-with-SHA224", CERT_KEY_EC, DER_MD_SHA224, 112}},
    {"1.2.840.10045.4.3.2", {"ecdsa-with-SHA256", CERT_KEY_EC, DER_MD_SHA256, 128}},
    {"1.2.840.10045.4.3.3", {"ecdsa-with-SHA384", CERT_KEY_EC, DER_MD_SHA384, 192}},
    {"1.2.840.10045.4.3.4", {"ecdsa-with-SHA512", CERT_KEY_EC, DER_MD_SHA512, 256}},
    {"2.16.840.1.101.3.4.3.9", {"ecdsa_with_SHA3-224", CERT_KEY_EC, DER_MD_SHA3_224, 112}},
    {"2.16.840.1.101.3.4.3.10", {"ecdsa_with_SHA3-256", CERT_KEY_EC, DER_MD_SHA3_256, 128}},
    {"2.16.840.1.101.3.4.3.11", {"ecdsa_with_SHA3-384", CERT_KEY_EC, DER_MD_SHA3_384, 192}},
    {"2.16.840.1.101.3.4.3.12", {"ecdsa_with_SHA3-512", CERT_KEY_EC, DER_MD_SHA3_512, 256}},
    {"1.2.840.10040.4.3", {"dsaWithSHA1", CERT_KEY_DSA, DER_MD_SHA1, 80}},
    {"2.16.840.1.101.3.4.3.1", {"dsa_with_SHA224", CERT_KEY_DSA, DER_MD_SHA224, 112}},
    {"2.16.840.1.101.3.4.3.2", {"dsa_with_SHA256", CERT_KEY_DSA, DER_MD_SHA256, 128}},
    {"2.16.840.1.101.3.4.3.3", {"dsa_with_SHA384", CERT_KEY_DSA, DER_MD_SHA384, 192}},
    {"2.16.840.1.101.3.4.3.4", {"dsa_with_SHA512", CERT_KEY_DSA, DER_MD_SHA512, 256}},
    {"1.3.101.112", {"ED25519", CERT_KEY_ED25519, DER_MD_INTRINSIC, 128}},
    {"1.3.101.113", {"ED448", CERT_KEY_ED448, DER_MD_INTRINSIC, 224}},
    {"2.16.840.1.101.3.4.3.17", {"ML-DSA-44", CERT_KEY_OTHER, DER_MD_INTRINSIC, 128}},
    {"2.16.840.1.101.3.4.3.18", {"ML-DSA-65", CERT_KEY_OTHER, DER_MD_INTRINSIC, 192}},
    {"2.16.840.1.101.3.4.3.19", {"ML-DSA-87", CERT_KEY_OTHER, DER_MD_INTRINSIC, 256}},
};

const struct der_sigalg *der_sigalg_lookup(const struct cursor *oid)
{
    char txt[96];
    if (der_oid_text(oid->p, cur_left(oid), txt, sizeof txt) != 0) return NULL;
    for (size_t i = 0; i < sizeof sigalgs / sizeof sigalgs[0]; i++)
        if (strcmp(sigalgs[i].oid, txt) == 0) return &sigalgs[i].alg;
    return NULL;
}

int der_md_secbits(enum der_md md)
{
    switch (md) {
    case DER_MD_MD2: case DER_MD_MD4: case DER_MD_MD5: return 64;
    case DER_MD_SHA1: return 80;
    case DER_MD_SHA224: case DER_MD_SHA3_224: return 112;
    case DER_MD_SHA256: case DER_MD_SHA3_256: return 128;
    case DER_MD_SHA384: case DER_MD_SHA3_384: return 192;
    case DER_MD_SHA512: case DER_MD_SHA3_512: return 256;
    default: return 0;
    }
}

static const struct {
    const char *oid;
    enum der_md md;
} mds[] = {
    {"1.2.840.113549.2.2", DER_MD_MD2}, {"1.2.840.113549.2.4", DER_MD_MD4},
    {"1.2.840.113549.2.5", DER_MD_MD5}, {"1.3.14.3.2.26", DER_MD_SHA1},
    {"2.16.840.1.101.3.4.2.4", DER_MD_SHA224}, {"2.16.840.1.101.3.4.2.1", DER_MD_SHA256},
    {"2.16.840.1.101.3.4.2.2", DER_MD_SHA384}, {"2.16.840.1.101.3.4.2.3", DER_MD_SHA512},
    {"2.16.840.1.101.3.4.2.7", DER_MD_SHA3_224}, {"2.16.840.1.101.3.4.2.8", DER_MD_SHA3_256},
    {"2.16.840.1.101.3.4.2.9", DER_MD_SHA3_384}, {"2.16.840.1.101.3.4.2.10", DER_MD_SHA3_512},
};

enum der_md der_md_lookup(const struct cursor *oid)
{
    char txt[96];
    if (der_oid_text(oid->p, cur_left(oid), txt, sizeof txt) != 0) return DER_MD_UNKNOWN;
    for (size_t i = 0; i < sizeof mds / sizeof mds[0]; i++)
        if (strcmp(mds[i].oid, txt) == 0) return mds[i].md;
    return DER_MD_UNKNOWN;
}

struct curve_row {
    const char *oid;
    struct der_curve curve;
};

/* SEC 2 / RFC 5639 curves; order_bits is what OpenSSL's EVP_PKEY_bits
 * reports for an EC key (EC_GROUP_order_bits), whose half is the security
 * level used by the auth-level checks. */
static const struct curve_row curves[] = {
    {"1.2.840.10045.3.1.7", {"secp256r1", 256}}, {"1.3.132.0.34", {"secp384r1", 384}},
    {"1.3.132.0.35", {"secp521r1", 521}}, {"1.3.132.0.33", {"secp224r1", 224}},
    {"1.2.840.10045.3.1.1", {"secp192r1", 192}}, {"1.3.132.0.10", {"secp256k1", 256}},
    {"1.3.132.0.31", {"secp192k1", 192}}, {"1.3.132.0.32", {"secp224k1", 225}},
    {"1.3.132.0.6", {"secp112r1", 112}}, {"1.3.132.0.7", {"secp112r2", 110}},
    {"1.3.132.0.28", {"secp128r1", 128}}, {"1.3.132.0.29", {"secp128r2", 126}},
    {"1.3.132.0.9", {"secp160k1", 161}}, {"1.3.132.0.8", {"secp160r1", 161}},
    {"1.3.132.0.30", {"secp160r2", 161}},
    {"1.3.36.3.3.2.8.1.1.1", {"brainpoolP160r1", 160}},
    {"1.3.36.3.3.2.8.1.1.3", {"brainpoolP192r1", 192}},
    {"1.3.36.3.3.2.8.1.1.5", {"brainpoolP224r1", 224}},
    {"1.3.36.3.3.2.8.1.1.7", {"brainpoolP256r1", 256}},
    {"1.3.36.3.3.2.8.1.1.9", {"brainpoolP320r1", 320}},
    {"1.3.36.3.3.2.8.1.1.11", {"brainpoolP384r1", 384}},
    {"1.3.36.3.3.2.8.1.1.13", {"brainpoolP512r1", 512}},
    {"1.3.132.0.1", {"sect163k1", 163}}, {"1.3.132.0.15", {"sect163r2", 163}},
    {"1.3.132.0.26", {"sect233k1", 232}}, {"1.3.132.0.27", {"sect233r1", 233}},
    {"1.3.132.0.16", {"sect283k1", 281}}, {"1.3.132.0.17", {"sect283r1", 282}},
    {"1.3.132.0.36", {"sect409k1", 407}}, {"1.3.132.0.37", {"sect409r1", 409}},
    {"1.3.132.0.38", {"sect571k1", 570}}, {"1.3.132.0.39", {"sect571r1", 570}},
};

const struct der_curve *der_curve_lookup(const struct cursor *oid)
{
    char txt[96];
    if (der_oid_text(oid->p, cur_left(oid), txt, sizeof txt) != 0) return NULL;
    for (size_t i = 0; i < sizeof curves / sizeof curves[0]; i++)
        if (strcmp(curves[i].oid, txt) == 0) return &curves[i].curve;
    return NULL;
}

int der_uint_bits(const struct cursor *val)
{
    const uint8_t *p = val->p;
    size_t n = cur_left(val);
    while (n > 0 && *p == 0) {
        p++;
        n--;
    }
    if (n == 0) return 0;
    int bits = (int)(n - 1) * 8;
    for (uint8_t b = *p; b; b >>= 1) bits++;
    return bits;
}
