/* hello.c — the bytes of an OpenSSL 1.1.1 ClientHello (see hello.h). */
#include "hello.h"

#include <string.h>

#include "ciphers.h"

/* A bounded writer: once something does not fit, everything after is
 * dropped and the result refused. */
struct wbuf {
    uint8_t *p;
    size_t n, cap;
    bool full;
};

static void put(struct wbuf *w, const void *src, size_t n)
{
    if (w->full || w->cap - w->n < n) {
        w->full = true;
        return;
    }
    memcpy(w->p + w->n, src, n);
    w->n += n;
}

static void put8(struct wbuf *w, unsigned v)
{
    uint8_t b = (uint8_t)v;
    put(w, &b, 1);
}

static void put16(struct wbuf *w, unsigned v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    put(w, b, 2);
}

/* Length fields are written after their contents: remember where. */
static size_t open_len(struct wbuf *w, size_t bytes)
{
    size_t at = w->n;
    for (size_t i = 0; i < bytes; i++) put8(w, 0);
    return at;
}

static void close_len(struct wbuf *w, size_t at, size_t bytes)
{
    if (w->full) return;
    size_t len = w->n - at - bytes;
    for (size_t i = 0; i < bytes; i++) w->p[at + i] = (uint8_t)(len >> (8 * (bytes - 1 - i)));
}

/* 1.1.1's default groups (tls1_get_supported_groups: eccurves_default)
 * and signature algorithms (tls12_sigalgs), in its order. */
static const uint16_t GROUPS[] = {0x001d, 0x0017, 0x001e, 0x0019, 0x0018};
static const uint16_t SIGALGS[] = {0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809, 0x080a, 0x080b,
                                   0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0303, 0x0203,
                                   0x0301, 0x0201, 0x0302, 0x0202, 0x0402, 0x0502, 0x0602};

int probe_client_hello(const struct probe_hello *h, uint8_t *out, size_t cap)
{
    size_t sni_len = h->sni ? strlen(h->sni) : 0;
    if (sni_len > 255) return -1;
    struct wbuf w = {.p = out, .cap = cap < PROBE_HELLO_MAX ? cap : PROBE_HELLO_MAX};
    put8(&w, 22); /* handshake */
    put16(&w, 0x0301);
    size_t rec = open_len(&w, 2);
    put8(&w, 1); /* client_hello */
    size_t msg = open_len(&w, 3);
    put16(&w, 0x0303);
    put(&w, h->random, 32);
    put8(&w, 32);
    put(&w, h->session_id, 32);
    size_t suites = open_len(&w, 2);
    if (h->tls13)
        for (int i = 0; i < PROBE_N_TLS13_SUITES; i++) put16(&w, PROBE_TLS13_SUITES[i]);
    for (int i = 0; i < h->n_suites; i++) put16(&w, h->suites[i]);
    put16(&w, 0x00ff); /* TLS_EMPTY_RENEGOTIATION_INFO_SCSV */
    close_len(&w, suites, 2);
    put8(&w, 1);
    put8(&w, 0); /* null compression only */
    size_t exts = open_len(&w, 2);
    if (h->sni) { /* server_name: list of one host_name */
        put16(&w, 0);
        put16(&w, (unsigned)sni_len + 5);
        put16(&w, (unsigned)sni_len + 3);
        put8(&w, 0);
        put16(&w, (unsigned)sni_len);
        put(&w, h->sni, sni_len);
    }
    static const uint8_t ec_point_formats[] = {0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02};
    put(&w, ec_point_formats, sizeof(ec_point_formats));
    put16(&w, 0x000a);
    put16(&w, 2 + 2 * (unsigned)(sizeof(GROUPS) / 2));
    put16(&w, 2 * (unsigned)(sizeof(GROUPS) / 2));
    for (size_t i = 0; i < sizeof(GROUPS) / 2; i++) put16(&w, GROUPS[i]);
    static const uint8_t empty_exts[] = {0x00, 0x23, 0x00, 0x00,  /* session_ticket */
                                         0x00, 0x16, 0x00, 0x00,  /* encrypt_then_mac */
                                         0x00, 0x17, 0x00, 0x00}; /* extended_master_secret */
    put(&w, empty_exts, sizeof(empty_exts));
    put16(&w, 0x000d);
    put16(&w, 2 + 2 * (unsigned)(sizeof(SIGALGS) / 2));
    put16(&w, 2 * (unsigned)(sizeof(SIGALGS) / 2));
    for (size_t i = 0; i < sizeof(SIGALGS) / 2; i++) put16(&w, SIGALGS[i]);
    if (h->tls13) {
        static const uint8_t versions_modes[] = {
            0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03, /* supported_versions 1.3, 1.2 */
            0x00, 0x2d, 0x00, 0x02, 0x01, 0x01};                  /* psk_key_exchange_modes: psk_dhe_ke */
        put(&w, versions_modes, sizeof(versions_modes));
        /* key_share: KeyShareEntry client_shares<0..2^16-1> with one entry */
        unsigned sl = h->share_len;
        put16(&w, 0x0033);
        put16(&w, sl + 6);
        put16(&w, sl + 4);
        put16(&w, h->share_group ? h->share_group : 0x001d);
        put16(&w, sl);
        put(&w, h->share, sl);
        if (h->cookie) { /* cookie: opaque cookie<1..2^16-1>, after key_share as in 1.1.1 */
            put16(&w, 0x002c);
            put16(&w, (unsigned)h->cookie_len + 2);
            put16(&w, h->cookie_len);
            put(&w, h->cookie, h->cookie_len);
        }
    }
    close_len(&w, exts, 2);
    close_len(&w, msg, 3);
    close_len(&w, rec, 2);
    return w.full ? -1 : (int)w.n;
}
