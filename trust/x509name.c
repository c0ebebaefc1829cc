/* x509name.c — X.501 names (RFC 5280 4.1.2.4) as text and as OpenSSL's
 * canonical encoding.
 *
 * Text: attributes in certificate order as `openssl x509 -nameopt compat`
 * prints them in OpenSSL 1.1.1 (X509_NAME_print: the X509_NAME_oneline form,
 * every AVA after a "/" — multi-valued RDNs too — with "/" turned into ", "
 * where a one- or two-capital short name follows: "C=BE, ST=x, CN=y",
 * but "CN=y/emailAddress=z"). Two deliberate differences: values stay UTF-8
 * (BMPString and UniversalString converted) instead of \xNN escapes —
 * callers escape for their output — and a "/X=" inside a value is not
 * mistaken for a separator.
 *
 * Canonical form (OpenSSL crypto/x509/x_name.c x509_name_canon and
 * asn1_string_canon): for each AVA whose value is one of the directory string
 * types, the value is converted to UTF-8, leading and trailing white space
 * is dropped, inner runs of white space become one space and ASCII letters
 * are lower-cased; the result is re-encoded as a UTF8String. Other value
 * types are kept as they are. Each RDN is encoded as a SET of its AVAs in
 * sorted order and the RDNs are concatenated. X509_NAME_cmp() is then a
 * length + memcmp comparison, and so is ours.
 */
#include <stdlib.h>
#include <string.h>

#include "../common/sbuf.h"
#include "internal.h"

#define NAME_MAX_AVAS_PER_RDN 64 /* a cap: real names have one or two */
#define NAME_TEXT_MAX (64u * 1024u)

struct bytebuf {
    uint8_t *p;
    size_t len, cap;
    bool failed;
};

static void bb_put(struct bytebuf *b, const void *p, size_t n)
{
    if (b->failed) return;
    if (n > CERT_MAX_DER * 4 || b->len + n > CERT_MAX_DER * 4) { /* absurd: refuse */
        b->failed = true;
        return;
    }
    if (b->len + n > b->cap) {
        size_t nc = b->cap ? b->cap : 64;
        while (nc < b->len + n) nc *= 2;
        uint8_t *np = realloc(b->p, nc);
        if (!np) {
            b->failed = true;
            return;
        }
        b->p = np;
        b->cap = nc;
    }
    if (n) memcpy(b->p + b->len, p, n);
    b->len += n;
}

/* X.690 8.1.3 definite length, shortest form. */
static void bb_tl(struct bytebuf *b, uint8_t tag, size_t len)
{
    uint8_t h[6];
    size_t k = 0;
    h[k++] = tag;
    if (len < 0x80) {
        h[k++] = (uint8_t)len;
    } else if (len <= 0xff) {
        h[k++] = 0x81;
        h[k++] = (uint8_t)len;
    } else if (len <= 0xffff) {
        h[k++] = 0x82;
        h[k++] = (uint8_t)(len >> 8);
        h[k++] = (uint8_t)len;
    } else {
        h[k++] = 0x83;
        h[k++] = (uint8_t)(len >> 16);
        h[k++] = (uint8_t)(len >> 8);
        h[k++] = (uint8_t)len;
    }
    bb_put(b, h, k);
}

/* OpenSSL ossl_isspace(): the C locale's white space. */
static bool canon_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* asn1_string_canon on UTF-8 bytes, in place; returns the new length. */
static size_t canon_utf8(uint8_t *s, size_t len)
{
    size_t from = 0, to = 0;
    while (len > 0 && canon_space(s[from])) {
        from++;
        len--;
    }
    while (len > 0 && canon_space(s[from + len - 1])) len--;
    size_t end = from + len;
    while (from < end) {
        uint8_t c = s[from];
        if (c >= 0x80) {
            s[to++] = c;
            from++;
        } else if (canon_space(c)) {
            s[to++] = ' ';
            while (from < end && canon_space(s[from])) from++;
        } else {
            s[to++] = (uint8_t)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
            from++;
        }
    }
    return to;
}

struct ava_enc {
    size_t off, len; /* into the scratch buffer */
};

static int ava_cmp(const uint8_t *base, const struct ava_enc *x, const struct ava_enc *y)
{
    size_t n = x->len < y->len ? x->len : y->len;
    int r = memcmp(base + x->off, base + y->off, n);
    if (r) return r;
    return x->len < y->len ? -1 : x->len > y->len;
}

/* Size of a tag + definite length header for `len` content bytes. */
static size_t tl_size(size_t len)
{
    return 1 + (len < 0x80 ? 1 : len <= 0xff ? 2 : len <= 0xffff ? 3 : 4);
}

/* Value bytes into the text form; a NUL would end the C string early. */
static void text_append(struct sbuf *sb, const void *p, size_t n)
{
    const char *s = p;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == 0) sbuf_puts(sb, "\\x00");
        else sbuf_putc(sb, s[i]);
    }
}

static void hex_append(struct sbuf *sb, const uint8_t *p, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        sbuf_putc(sb, hx[p[i] >> 4]);
        sbuf_putc(sb, hx[p[i] & 15]);
    }
}

/* A CN as a C string: UTF-8, with NUL bytes written as \x00 (flagged, so
 * that "a.com\0.evil" can never pass for "a.com"). */
static char *cn_string(const char *p, size_t n, uint8_t *flags)
{
    char *s = malloc(n * 4 + 1);
    size_t o = 0;
    *flags = 0;
    if (!s) return NULL;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == 0) {
            memcpy(s + o, "\\x00", 4);
            o += 4;
            *flags |= CERT_SAN_NUL;
        } else {
            s[o++] = p[i];
        }
    }
    s[o] = '\0';
    return s;
}

int x509_name_parse(const struct cursor *contents, char **text, char **first_cn,
                    struct name_cns *cns, uint8_t **canon, uint32_t *canon_len)
{
    struct cursor rdns = *contents;
    struct sbuf sb;
    struct bytebuf out = {0}, scratch = {0};
    char *cn = NULL;
    bool first = true;
    int rc = 0;

    *text = NULL;
    *first_cn = NULL;
    *canon = NULL;
    *canon_len = 0;
    sbuf_init(&sb, NAME_TEXT_MAX);

    while (!cur_empty(&rdns)) {
        struct cursor set, avas;
        struct ava_enc enc[NAME_MAX_AVAS_PER_RDN];
        size_t n_enc = 0;

        if (der_expect(&rdns, DER_SET, &set) != 0) {
            rc = DER_EMALFORMED;
            break;
        }
        avas = set;
        scratch.len = 0;
        while (!cur_empty(&avas)) {
            struct cursor ava, oid;
            struct der_tlv val;
            if (der_expect(&avas, DER_SEQUENCE, &ava) != 0 ||
                der_expect(&ava, DER_OID, &oid) != 0 || der_next(&ava, &val) != 0 ||
                !cur_empty(&ava) || n_enc == NAME_MAX_AVAS_PER_RDN) {
                rc = DER_EMALFORMED;
                goto done;
            }

            /* Text form: X509_NAME_print() turns the oneline form's "/"
             * into ", " only before a short name of one or two capital
             * letters ("C=", "CN=", "DC="), so "/emailAddress=" stays. */
            const char *sn = der_attr_short_name(&oid);
            char oidtxt[96];
            if (!sn) {
                der_oid_text(oid.p, cur_left(&oid), oidtxt, sizeof oidtxt);
                sn = oidtxt;
            }
            if (!first) {
                bool caps = sn[0] >= 'A' && sn[0] <= 'Z' &&
                            (sn[1] == '\0' || (sn[1] >= 'A' && sn[1] <= 'Z' && sn[2] == '\0'));
                sbuf_puts(&sb, caps ? ", " : "/");
            }
            first = false;
            sbuf_puts(&sb, sn);
            sbuf_putc(&sb, '=');

            size_t vlen = cur_left(&val.val);
            char *u8 = malloc(vlen * 2 + 8); /* latin-1 doubles at most; UCS-2 1.5x */
            if (!u8) {
                rc = -1;
                goto done;
            }
            long ul = der_string_utf8(val.tag, val.val.p, vlen, u8, vlen * 2 + 8);
            if (ul >= 0) {
                text_append(&sb, u8, (size_t)ul);
            } else if (der_is_canon_string(val.tag)) {
                text_append(&sb, val.val.p, vlen); /* invalid code points: raw */
            } else {
                /* Not a string: RFC 4514 2.4 hex form of the whole encoding. */
                sbuf_putc(&sb, '#');
                hex_append(&sb, val.start, val.total);
            }
            if (DER_OID_EQ(&oid, OID_CN)) {
                const char *src = ul >= 0 ? u8 : (const char *)val.val.p;
                size_t sl = ul >= 0 ? (size_t)ul : vlen;
                uint8_t fl;
                if (!cn) cn = cn_string(src, sl, &fl);
                if (cns && cns->n < CERT_MAX_CN) {
                    cns->v[cns->n] = cn_string(src, sl, &cns->flags[cns->n]);
                    if (cns->v[cns->n]) cns->n++;
                }
            }

            /* Canonical AVA: SEQUENCE { OID, canonical value }. */
            struct bytebuf v = {0};
            if (der_is_canon_string(val.tag) && ul >= 0) {
                size_t cl = canon_utf8((uint8_t *)u8, (size_t)ul);
                bb_tl(&v, DER_UTF8STRING, cl);
                bb_put(&v, u8, cl);
            } else {
                bb_put(&v, val.start, val.total);
            }
            free(u8);
            size_t oid_len = cur_left(&oid);
            enc[n_enc].off = scratch.len;
            size_t inner = tl_size(oid_len) + oid_len + v.len;
            bb_tl(&scratch, DER_SEQUENCE, inner);
            bb_tl(&scratch, DER_OID, oid_len);
            bb_put(&scratch, oid.p, oid_len);
            bb_put(&scratch, v.p, v.len);
            free(v.p);
            enc[n_enc].len = scratch.len - enc[n_enc].off;
            n_enc++;
            if (scratch.failed) {
                rc = -1;
                goto done;
            }
        }
        /* DER SET OF: elements in sorted order (X.690 11.6); any total order
         * keeps equality exact, and this one is DER's. */
        for (size_t i = 1; i < n_enc; i++) { /* insertion sort: n_enc is capped */
            struct ava_enc key = enc[i];
            size_t j = i;
            while (j > 0 && ava_cmp(scratch.p, &enc[j - 1], &key) > 0) {
                enc[j] = enc[j - 1];
                j--;
            }
            enc[j] = key;
        }
        size_t setlen = 0;
        for (size_t i = 0; i < n_enc; i++) setlen += enc[i].len;
        bb_tl(&out, DER_SET, setlen);
        for (size_t i = 0; i < n_enc; i++) bb_put(&out, scratch.p + enc[i].off, enc[i].len);
    }
done:
    free(scratch.p);
    if (out.failed) rc = -1;
    *text = strdup(sbuf_str(&sb));
    sbuf_free(&sb);
    *first_cn = cn ? cn : strdup("");
    if (rc == 0) {
        *canon = out.p;
        *canon_len = (uint32_t)out.len;
    } else {
        free(out.p);
    }
    if (!*text || !*first_cn) return -1;
    return rc;
}

bool x509_canon_eq(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen)
{
    if (alen != blen) return false;
    return alen == 0 || memcmp(a, b, alen) == 0;
}
