/* der.h — the small DER toolkit trust/ parses certificates with (private to
 * trust/).
 *
 * Everything reads through common/cursor.h: a TLV is opened as a sub-cursor
 * that cannot overrun its parent, so a length field is never trusted to be
 * true. Only the subset of X.690 that certificates use is accepted: one-byte
 * tags (no high-tag-number form), definite lengths of at most 4 length bytes
 * (a certificate is capped at CERT_MAX_DER anyway). There is no recursion:
 * callers walk the fixed structure of RFC 5280 level by level, so nesting in
 * attacker-controlled input cannot grow the stack.
 *
 * Tables map OIDs to the names OpenSSL prints (crypto/objects/objects.txt):
 * attribute short names for `-nameopt compat`, signature algorithm long
 * names, named curves with their order size.
 */
#ifndef TLSSCOPE_TRUST_DER_H
#define TLSSCOPE_TRUST_DER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/cursor.h"

#define DER_EMALFORMED (-2)

/* Universal tags used here (X.680 8.4). */
#define DER_BOOLEAN 0x01
#define DER_INTEGER 0x02
#define DER_BIT_STRING 0x03
#define DER_OCTET_STRING 0x04
#define DER_NULL 0x05
#define DER_OID 0x06
#define DER_UTF8STRING 0x0c
#define DER_NUMERICSTRING 0x12
#define DER_PRINTABLESTRING 0x13
#define DER_T61STRING 0x14
#define DER_IA5STRING 0x16
#define DER_UTCTIME 0x17
#define DER_GENERALIZEDTIME 0x18
#define DER_VISIBLESTRING 0x1a
#define DER_UNIVERSALSTRING 0x1c
#define DER_BMPSTRING 0x1e
#define DER_SEQUENCE 0x30
#define DER_SET 0x31
#define DER_CTX(n) (0x80 | (n))          /* [n] IMPLICIT, primitive */
#define DER_CTX_CONS(n) (0xa0 | (n))     /* [n] constructed / EXPLICIT */

struct der_tlv {
    uint8_t tag;
    struct cursor val;         /* the contents */
    const uint8_t *start;      /* first byte of the tag */
    size_t total;              /* tag + length + contents */
};

/* Read one TLV. 0, CUR_ESHORT (ran out) or DER_EMALFORMED. The cursor is
 * unchanged on failure. */
int der_next(struct cursor *c, struct der_tlv *t);

/* Read one TLV that must carry `tag`; its contents in *val. */
int der_expect(struct cursor *c, uint8_t tag, struct cursor *val);

/* Tag of the next TLV, or -1 if the cursor is empty. */
int der_peek(const struct cursor *c);

/* Dotted text of an OID's contents ("2.5.29.19"). Returns 0, or -1 when the
 * encoding is invalid or does not fit (out always NUL-terminated). */
int der_oid_text(const uint8_t *p, size_t n, char *out, size_t outlen);

/* Compare OID contents with a dotted constant: true if equal. The constants
 * below are given as DER content bytes for speed. */
bool der_oid_eq(const struct cursor *oid, const uint8_t *bytes, size_t n);
#define DER_OID_EQ(cur, lit) der_oid_eq((cur), (const uint8_t *)(lit), sizeof(lit) - 1)

/* RFC 5280 4.1.2.5: UTCTime (YY >= 50 means 19YY) or GeneralizedTime to
 * seconds since the epoch, read as leniently as OpenSSL's ASN1_TIME_to_tm()
 * (no seconds, fractions, offsets). 0, or DER_EMALFORMED where that fails. */
int der_time(uint8_t tag, const struct cursor *val, int64_t *secs);

/* UTCTime or GeneralizedTime: the two tags of RFC 5280's Time CHOICE. */
static inline bool der_is_time_tag(uint8_t tag)
{
    return tag == DER_UTCTIME || tag == DER_GENERALIZEDTIME;
}

/* The time in RFC 5280 4.1.2.5's one allowed form — UTCTime
 * YYMMDDHHMMSSZ, GeneralizedTime YYYYMMDDHHMMSSZ, a date that exists —
 * as OpenSSL's X509_cmp_time() demands (exact length, digits, 'Z', then
 * ASN1_TIME_diff's range check). False means X509_cmp_time() returns 0: a
 * "format error in certificate's notBefore/notAfter field". */
bool der_time_rfc5280(uint8_t tag, const struct cursor *val);

/* Convert a directory-string value to UTF-8 the way OpenSSL's
 * ASN1_STRING_to_UTF8 does: one-byte types as ISO 8859-1, BMPString as UCS-2,
 * UniversalString as UCS-4, UTF8String copied. Writes at most outlen-1 bytes
 * plus NUL; returns the converted length (which may exceed what was written)
 * or -1 for types that are not strings or invalid code points. */
long der_string_utf8(uint8_t tag, const uint8_t *p, size_t n, char *out, size_t outlen);

/* True for the string types OpenSSL canonicalises (ASN1_MASK_CANON in
 * crypto/x509/x_name.c). */
bool der_is_canon_string(uint8_t tag);

/* Short attribute name as OpenSSL prints it ("CN", "emailAddress"), or NULL. */
const char *der_attr_short_name(const struct cursor *oid);

/* Signature algorithm: OpenSSL long name and the key type / digest it needs. */
enum der_md { DER_MD_UNKNOWN = 0, DER_MD_MD2, DER_MD_MD4, DER_MD_MD5, DER_MD_SHA1,
              DER_MD_SHA224, DER_MD_SHA256, DER_MD_SHA384, DER_MD_SHA512,
              DER_MD_SHA3_224, DER_MD_SHA3_256, DER_MD_SHA3_384, DER_MD_SHA3_512,
              DER_MD_INTRINSIC /* EdDSA, ML-DSA: no separate digest */ };
struct der_sigalg {
    const char *ln;            /* "sha256WithRSAEncryption" */
    int key_type;              /* enum cert_key_type */
    enum der_md md;
    int secbits;               /* OpenSSL 1.1.1 x509_init_sig_info security bits */
};
const struct der_sigalg *der_sigalg_lookup(const struct cursor *oid);

/* Security bits of a digest (half its size, as OpenSSL 1.1.1 counts). */
int der_md_secbits(enum der_md md);
enum der_md der_md_lookup(const struct cursor *oid);

/* Named curve: SEC 2 name and the bit size of the group order. */
struct der_curve {
    const char *name;
    int order_bits;
};
const struct der_curve *der_curve_lookup(const struct cursor *oid);

/* Bit length of an unsigned big-endian INTEGER's contents (leading zero
 * bytes ignored). */
int der_uint_bits(const struct cursor *val);

/* OID contents used across trust/ (X.660 encodings of the RFC 5280 /
 * PKCS #1 / X9.62 identifiers). */
#define OID_CN "\x55\x04\x03"
#define OID_EXT_SKI "\x55\x1d\x0e"
#define OID_EXT_KU "\x55\x1d\x0f"
#define OID_EXT_SAN "\x55\x1d\x11"
#define OID_EXT_BC "\x55\x1d\x13"
#define OID_EXT_NC "\x55\x1d\x1e"
#define OID_EXT_CRLDP "\x55\x1d\x1f"
#define OID_EXT_POLICIES "\x55\x1d\x20"
#define OID_EXT_POLICY_MAPPINGS "\x55\x1d\x21"
#define OID_EXT_AKI "\x55\x1d\x23"
#define OID_EXT_POLICY_CONSTRAINTS "\x55\x1d\x24"
#define OID_EXT_EKU "\x55\x1d\x25"
#define OID_EXT_INHIBIT_ANY "\x55\x1d\x36"
#define OID_EXT_NS_CERT_TYPE "\x60\x86\x48\x01\x86\xf8\x42\x01\x01"
#define OID_EXT_PROXY_CERT_INFO "\x2b\x06\x01\x05\x05\x07\x01\x0e"
#define OID_EXT_IP_ADDR_BLOCKS "\x2b\x06\x01\x05\x05\x07\x01\x07"
#define OID_EXT_AS_IDS "\x2b\x06\x01\x05\x05\x07\x01\x08"
#define OID_KP_SERVER_AUTH "\x2b\x06\x01\x05\x05\x07\x03\x01"
#define OID_KP_CLIENT_AUTH "\x2b\x06\x01\x05\x05\x07\x03\x02"
#define OID_KP_ANY "\x55\x1d\x25\x00"
#define OID_KP_MS_SGC "\x2b\x06\x01\x04\x01\x82\x37\x0a\x03\x03"
#define OID_KP_NS_SGC "\x60\x86\x48\x01\x86\xf8\x42\x04\x01"
#define OID_PK_RSA "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01"
#define OID_PK_RSAPSS "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0a"
#define OID_PK_EC "\x2a\x86\x48\xce\x3d\x02\x01"
#define OID_PK_DSA "\x2a\x86\x48\xce\x38\x04\x01"
#define OID_PK_ED25519 "\x2b\x65\x70"
#define OID_PK_ED448 "\x2b\x65\x71"
#define OID_MGF1 "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x08"

#endif
