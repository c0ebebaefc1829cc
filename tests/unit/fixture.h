/* fixture.h — read tests/fixtures/ files in unit tests (independently of
 * trust/store.c, so that the cert tests do not depend on the store code).
 *
 *   size_t n; uint8_t *der = fixture_der("leaf.pem", 0, &n);   // malloc'd
 *   const char *p = fixture_path("store-dir");                 // static buffer
 */
#ifndef TLSSCOPE_TESTS_FIXTURE_H
#define TLSSCOPE_TESTS_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline const char *fixture_path(const char *name)
{
    static char buf[4][1024];
    static int k;
    const char *src = getenv("TLSSCOPE_SRC");
    char *b = buf[k++ & 3];
    snprintf(b, sizeof buf[0], "%s/tests/fixtures/%s", src ? src : ".", name);
    return b;
}

static inline char *fixture_text(const char *name, size_t *len)
{
    FILE *f = fopen(fixture_path(name), "rb");
    if (!f) {
        fprintf(stderr, "fixture %s: cannot open (is TLSSCOPE_SRC set?)\n", name);
        exit(2);
    }
    char *buf = malloc(1u << 20);
    size_t n = fread(buf, 1, (1u << 20) - 1, f);
    fclose(f);
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

static inline int fixture_b64(int c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* The index-th PEM certificate of a fixture, as DER (malloc'd). */
static inline uint8_t *fixture_der(const char *name, int index, size_t *len)
{
    char *text = fixture_text(name, NULL);
    const char *p = text;
    for (int i = 0; i <= index; i++) {
        p = strstr(p, "-----BEGIN CERTIFICATE-----");
        if (!p) {
            fprintf(stderr, "fixture %s: no certificate #%d\n", name, index);
            exit(2);
        }
        if (i < index) p += 10;
    }
    p += strlen("-----BEGIN CERTIFICATE-----");
    const char *end = strstr(p, "-----END");
    uint8_t *der = malloc((size_t)(end - p));
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (; p < end; p++) {
        int v = fixture_b64((unsigned char)*p);
        if (v < 0) continue;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            der[o++] = (uint8_t)(acc >> bits);
        }
    }
    free(text);
    *len = o;
    return der;
}

#endif
