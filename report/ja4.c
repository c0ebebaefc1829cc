/* ja4.c — JA4 from ClientHello facts (see ja4.h; section names below are
 * those of JA4.md). GREASE values (RFC 8701) are ignored everywhere.
 */
#include "ja4.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/names.h" /* tls_is_grease */
#include "digestmemo.h"

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

/* Sorted 4-digit hex list, comma separated ("%04x" by table: JSON writes
 * one per connection); returns the count. */
static int hex_list(struct sbuf *s, uint16_t *v, int n, bool sort)
{
    static const char hex[] = "0123456789abcdef";
    if (sort && n > 1) qsort(v, (size_t)n, sizeof(*v), cmp_u16);
    for (int i = 0; i < n; i++) {
        char e[5] = {',', hex[v[i] >> 12], hex[(v[i] >> 8) & 15], hex[(v[i] >> 4) & 15], hex[v[i] & 15]};
        sbuf_append(s, i ? e : e + 1, i ? 5 : 4);
    }
    return n;
}

static void hash12(const struct sbuf *s, char out[13])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t d[32];
    memo_sha256(sbuf_str(s), s->len, d); /* the same few lists over and over */
    for (int i = 0; i < 6; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 0x0f];
    }
    out[12] = '\0';
}

/* The last JA4_PARTS answers for part b (ciphers) and part c (extensions
 * and signature algorithms): the list as written (JA4_r) and its hash12. */
#define JA4_PARTS 4
struct ja4_part {
    bool used;
    size_t klen;
    uint16_t key[2 + TLS_MAX_CIPHERS + TLS_MAX_LIST];
    size_t slen;
    char s[2048 + 1]; /* the sbuf caps below (b 2048, c 1024) and a NUL */
    char hash[13];
};
static struct ja4_part part_b[JA4_PARTS], part_c[JA4_PARTS];
static unsigned next_b, next_c;

static struct ja4_part *part_find(struct ja4_part *m, const uint16_t *key, size_t n)
{
    for (int i = 0; i < JA4_PARTS; i++)
        if (m[i].used && m[i].klen == n && memcmp(m[i].key, key, n * sizeof(key[0])) == 0) return &m[i];
    return NULL;
}

static struct ja4_part *part_keep(struct ja4_part *m, unsigned *next, const uint16_t *key, size_t n,
                                  const struct sbuf *text, bool hash)
{
    struct ja4_part *p = &m[(*next)++ % JA4_PARTS];
    p->used = true;
    p->klen = n;
    memcpy(p->key, key, n * sizeof(key[0]));
    p->slen = text->len < sizeof(p->s) ? text->len : sizeof(p->s) - 1;
    memcpy(p->s, sbuf_str(text), p->slen);
    p->s[p->slen] = '\0';
    if (hash) hash12(text, p->hash);
    else memcpy(p->hash, "000000000000", 13);
    return p;
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
    /* "%c%s%c%02u%02u%s" by hand (JSON computes one per connection) */
    const char *ver = ja4_version(ch);
    const char a[11] = {transport, ver[0], ver[1], ch->has_sni ? 'd' : 'i', (char)('0' + nc2 / 10),
                        (char)('0' + nc2 % 10), (char)('0' + ne2 / 10), (char)('0' + ne2 % 10), alpn[0], alpn[1],
                        '\0'};

    /* Parts b and c from the memo when this list was seen (keyed by the
     * whole list, count first), else sorted, written and hashed here. */
    uint16_t kb[1 + TLS_MAX_CIPHERS], kc[2 + TLS_MAX_EXTENSIONS + TLS_MAX_LIST];
    size_t nkb = 0, nkc = 0;
    kb[nkb++] = (uint16_t)nc;
    for (int i = 0; i < nc; i++) kb[nkb++] = ciphers[i];
    kc[nkc++] = (uint16_t)ne;
    for (int i = 0; i < ne; i++) kc[nkc++] = exts[i];
    kc[nkc++] = (uint16_t)ns;
    for (int i = 0; i < ns; i++) kc[nkc++] = sigs[i];
    struct ja4_part *pb = part_find(part_b, kb, nkb), *pc = part_find(part_c, kc, nkc);
    static struct sbuf b, c; /* reused: no allocation per hello (one thread) */
    if (!b.max) {
        sbuf_init(&b, 2048);
        sbuf_init(&c, 1024);
    }
    if (!pb) {
        sbuf_reset(&b);
        hex_list(&b, ciphers, nc, true);
        pb = part_keep(part_b, &next_b, kb, nkb, &b, nc > 0);
    }
    if (!pc) {
        sbuf_reset(&c);
        hex_list(&c, exts, ne, true);
        if (ns) {
            sbuf_putc(&c, '_');
            hex_list(&c, sigs, ns, false);
        }
        pc = part_keep(part_c, &next_c, kc, nkc, &c, ne > 0);
    }
    const char *hb = pb->hash, *hc = pc->hash;
    memcpy(ja4, a, 10);
    ja4[10] = '_';
    memcpy(ja4 + 11, hb, 12);
    ja4[23] = '_';
    memcpy(ja4 + 24, hc, 13); /* with the NUL: JA4_LEN 36 */
    if (raw) {
        /* JA4_r: part a, then the very strings that were hashed */
        sbuf_append(raw, a, 10);
        sbuf_putc(raw, '_');
        sbuf_append(raw, pb->s, pb->slen);
        sbuf_putc(raw, '_');
        sbuf_append(raw, pc->s, pc->slen);
    }
    return true;
}

char ja4_transport(const struct tls_conn *c)
{
    return c->is_quic ? JA4_QUIC : c->is_dtls ? JA4_DTLS : JA4_TCP;
}
