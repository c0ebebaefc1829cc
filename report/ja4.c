/* ja4.c — JA4 from ClientHello facts (see ja4.h; section names below are
 * those of JA4.md). GREASE values (RFC 8701) are ignored everywhere.
 */
#include "ja4.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/names.h" /* tls_is_grease */
#include "trust/cert.h" /* digest_sha256 */

static int cmp_u16(const void *a, const void *b)
{
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return (x > y) - (x < y);
}

/* "TLS and DTLS Version": the highest supported_versions value, else the
 * ClientHello's legacy version. */
static const char *ja4_version(const struct tls_client_hello *ch)
{
    uint16_t v = 0;
    bool have = false;
    for (int i = 0; i < ch->n_exts; i++)
        if (ch->exts[i].type == 0x002b) have = true;
    if (have) {
        for (int i = 0; i < ch->supported_versions.n; i++) {
            uint16_t x = ch->supported_versions.v[i];
            if (tls_is_grease(x)) continue;
            /* DTLS versions count down (0xfefc is DTLS 1.3 > 0xfefd) */
            bool dtls = (x & 0xff00) == 0xfe00, vdtls = (v & 0xff00) == 0xfe00;
            if (!v || (dtls && vdtls ? x < v : x > v)) v = x;
        }
    } else {
        v = ch->legacy_version;
    }
    switch (v) {
    case 0x0304: return "13";
    case 0x0303: return "12";
    case 0x0302: return "11";
    case 0x0301: return "10";
    case 0x0300: return "s3";
    case 0x0002: return "s2";
    case 0xfeff: return "d1";
    case 0xfefd: return "d2";
    case 0xfefc: return "d3";
    default: return "00";
    }
}

static bool alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* "ALPN Extension Value": first and last character of the first ALPN
 * value; "00" without one; the hex digits' first and last when either end
 * byte is not alphanumeric. */
static void ja4_alpn(const struct tls_client_hello *ch, char out[3])
{
    static const char hex[] = "0123456789abcdef";
    out[0] = out[1] = '0';
    out[2] = '\0';
    if (ch->n_alpn == 0 || ch->alpn[0].len == 0) return;
    const uint8_t *a = ch->alpn[0].data;
    uint8_t first = a[0], last = a[ch->alpn[0].len - 1];
    if (alnum(first) && alnum(last)) {
        out[0] = (char)first;
        out[1] = (char)last;
    } else {
        out[0] = hex[first >> 4];
        out[1] = hex[last & 0x0f];
    }
}

/* Sorted 4-digit hex list, comma separated; returns the count. */
static int hex_list(struct sbuf *s, uint16_t *v, int n, bool sort)
{
    if (sort && n > 1) qsort(v, (size_t)n, sizeof(*v), cmp_u16);
    for (int i = 0; i < n; i++) sbuf_printf(s, i ? ",%04x" : "%04x", v[i]);
    return n;
}

static void hash12(const struct sbuf *s, char out[13])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t d[32];
    digest_sha256(sbuf_str(s), s->len, d);
    for (int i = 0; i < 6; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 0x0f];
    }
    out[12] = '\0';
}

bool ja4_client(const struct tls_client_hello *ch, char transport, char ja4[JA4_LEN + 1],
                struct sbuf *raw)
{
    if (!ch->present || ch->malformed || ch->n_ciphers != ch->n_ciphers_total || ch->n_exts != ch->n_exts_total ||
        ch->sig_algs.n != ch->sig_algs.total ||
        (ch->n_alpn > 0 && ch->alpn[0].len != ch->alpn[0].total))
        return false;
    uint16_t ciphers[TLS_MAX_CIPHERS], exts[TLS_MAX_EXTENSIONS], sigs[TLS_MAX_LIST];
    int nc = 0, ne_all = 0, ne = 0, ns = 0;
    for (int i = 0; i < ch->n_ciphers; i++)
        if (!tls_is_grease(ch->ciphers[i])) ciphers[nc++] = ch->ciphers[i];
    for (int i = 0; i < ch->n_exts; i++) {
        uint16_t t = ch->exts[i].type;
        if (tls_is_grease(t)) continue;
        ne_all++;
        if (t != 0x0000 && t != 0x0010) exts[ne++] = t; /* SNI, ALPN: in part a */
    }
    for (int i = 0; i < ch->sig_algs.n; i++)
        if (!tls_is_grease(ch->sig_algs.v[i])) sigs[ns++] = ch->sig_algs.v[i];

    char alpn[3];
    ja4_alpn(ch, alpn);
    /* JA4 part a is 10 characters; counts over 99 are written as 99 */
    unsigned nc2 = nc > 99 ? 99u : (unsigned)nc, ne2 = ne_all > 99 ? 99u : (unsigned)ne_all;
    char a[11];
    snprintf(a, sizeof(a), "%c%s%c%02u%02u%s", transport, ja4_version(ch), ch->has_sni ? 'd' : 'i',
             nc2, ne2, alpn);

    struct sbuf b, c;
    sbuf_init(&b, 2048);
    sbuf_init(&c, 1024);
    hex_list(&b, ciphers, nc, true);
    hex_list(&c, exts, ne, true);
    if (ns) {
        sbuf_putc(&c, '_');
        hex_list(&c, sigs, ns, false);
    }
    char hb[13] = "000000000000", hc[13] = "000000000000";
    if (nc) hash12(&b, hb);
    if (ne) hash12(&c, hc);
    snprintf(ja4, JA4_LEN + 1, "%s_%s_%s", a, hb, hc);
    if (raw) {
        /* JA4_r: part a, then the very strings that were hashed */
        sbuf_printf(raw, "%s_%s_%s", a, sbuf_str(&b), sbuf_str(&c));
    }
    sbuf_free(&b);
    sbuf_free(&c);
    return true;
}

char ja4_transport(const struct tls_conn *c)
{
    return c->is_quic ? JA4_QUIC : c->is_dtls ? JA4_DTLS : JA4_TCP;
}
