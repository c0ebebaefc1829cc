/* The fast paths of the JSON writer (report/json.c), the timestamps
 * (common/timefmt.c) and the digest memo (report/digestmemo.c) against the
 * slow ways they replace: esc_json for strings, printf for numbers and
 * dates, a fresh digest every time. Each must give the same bytes. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "common/escape.h"
#include "common/sbuf.h"
#include "common/timefmt.h"
#include "report/digestmemo.h"
#include "report/json.h"
#include "trust/cert.h"

static uint64_t rng = 0x243f6a8885a308d3ULL;
static uint32_t next_rand(void)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng >> 33);
}

/* `"k":` + esc_json(p) after "{", as the writer must write it */
static void want_member(struct sbuf *want, const void *p, size_t n)
{
    sbuf_reset(want);
    sbuf_puts(want, "{\"k\":");
    esc_json(want, p, n);
    sbuf_putc(want, '}');
}

static void got_member(struct sbuf *got, const void *p, size_t n)
{
    struct json j;
    sbuf_reset(got);
    json_begin(&j, got);
    json_strn(&j, "k", p, n);
    json_end(&j);
}

static void strings(void)
{
    struct sbuf want, got;
    sbuf_init(&want, 0);
    sbuf_init(&got, 0);
    uint8_t s[40];
    /* every byte value at every place of a word and of the tail */
    for (int b = 0; b < 256; b++) {
        for (size_t pos = 0; pos < 19; pos++) {
            memset(s, 'a', sizeof(s));
            s[pos] = (uint8_t)b;
            want_member(&want, s, 19);
            got_member(&got, s, 19);
            if (got.len != want.len || memcmp(got.p, want.p, got.len) != 0) {
                fprintf(stderr, "byte 0x%02x at %zu\n", b, pos);
                CHECK_EQ_STR(sbuf_str(&got), sbuf_str(&want));
            }
        }
    }
    /* random strings, mostly printable */
    int bad = 0;
    for (int i = 0; i < 20000; i++) {
        size_t n = next_rand() % sizeof(s);
        for (size_t k = 0; k < n; k++) {
            uint32_t r = next_rand();
            s[k] = (uint8_t)(r % 8 ? 0x20 + (r >> 8) % 0x5f : r >> 8);
        }
        want_member(&want, s, n);
        got_member(&got, s, n);
        if (got.len != want.len || memcmp(got.p, want.p, got.len) != 0) bad++;
    }
    CHECK_EQ_INT(bad, 0);
    sbuf_free(&want);
    sbuf_free(&got);
}

static void numbers(void)
{
    static const long long iv[] = {0, 1, -1, 9, 10, -10, 99, 100, 65535, -65536, LLONG_MAX, LLONG_MIN,
                                   LLONG_MIN + 1, 1234567890123LL};
    static const unsigned long long uv[] = {0, 1, 9, 10, 18446744073709551615ULL, 4294967296ULL};
    struct sbuf got;
    char want[64];
    sbuf_init(&got, 0);
    for (size_t i = 0; i < sizeof(iv) / sizeof(iv[0]); i++) {
        struct json j;
        sbuf_reset(&got);
        json_begin(&j, &got);
        json_int(&j, "n", iv[i]);
        json_end(&j);
        snprintf(want, sizeof(want), "{\"n\":%lld}", iv[i]);
        CHECK_EQ_STR(sbuf_str(&got), want);
    }
    for (size_t i = 0; i < sizeof(uv) / sizeof(uv[0]); i++) {
        struct json j;
        sbuf_reset(&got);
        json_begin(&j, &got);
        json_uint(&j, "n", uv[i]);
        json_end(&j);
        snprintf(want, sizeof(want), "{\"n\":%llu}", uv[i]);
        CHECK_EQ_STR(sbuf_str(&got), want);
    }
    sbuf_free(&got);
}

/* One document with every kind of member. */
static void document(struct sbuf *sb)
{
    static const uint8_t d[4] = {0xde, 0xad, 0x0b, 0xef};
    struct json j;
    json_begin(&j, sb);
    json_str(&j, "s", "plain");
    json_str(&j, "e", "t\"ab\\\x01\xc3\xa9");
    json_str(&j, "null_str", NULL);
    json_int(&j, "i", -42);
    json_uint(&j, "u", 42);
    json_bool(&j, "t", true);
    json_bool(&j, "f", false);
    json_null(&j, "z");
    json_hex(&j, "h", d, 4, false);
    json_hex(&j, "H", d, 4, true);
    json_arr(&j, "a");
    json_int(&j, NULL, 1);
    json_str(&j, NULL, "x");
    json_obj(&j, NULL);
    json_obj_end(&j);
    json_raw(&j, NULL, "[true]", 6);
    json_arr_end(&j);
    json_obj(&j, "o");
    json_raw(&j, NULL, "\"m\":1", 5);
    json_raw(&j, "r", "2", 1);
    json_obj_end(&j);
    json_end(&j);
}

static void structure_and_cap(void)
{
    const char *want = "{\"s\":\"plain\",\"e\":\"t\\\"ab\\\\\\u0001\xc3\xa9\",\"null_str\":\"\",\"i\":-42,"
                       "\"u\":42,\"t\":true,\"f\":false,\"z\":null,\"h\":\"dead0bef\",\"H\":\"DEAD0BEF\","
                       "\"a\":[1,\"x\",{},[true]],\"o\":{\"m\":1,\"r\":2}}";
    struct sbuf full;
    sbuf_init(&full, 0);
    document(&full);
    CHECK_EQ_STR(sbuf_str(&full), want);
    CHECK(!full.overflow);
    /* under a cap: the same bytes cut where the cap is, and marked */
    int bad = 0;
    for (size_t max = 1; max < full.len + 2; max++) {
        struct sbuf sb;
        sbuf_init(&sb, max);
        document(&sb);
        size_t keep = max < full.len ? max : full.len;
        if (sb.len != keep || memcmp(sbuf_str(&sb), full.p, keep) != 0 || sb.overflow != (max < full.len)) {
            fprintf(stderr, "cap %zu: got %zu bytes \"%s\"\n", max, sb.len, sbuf_str(&sb));
            bad++;
        }
        sbuf_free(&sb);
    }
    CHECK_EQ_INT(bad, 0);
    sbuf_free(&full);
}

static void times(void)
{
    char b[TIMEFMT_LEN];
    CHECK_EQ_STR(time_iso8601_s(0, b), "1970-01-01T00:00:00Z");
    CHECK_EQ_STR(time_iso8601_s(-1, b), "1969-12-31T23:59:59Z");
    CHECK_EQ_STR(time_iso8601_s(951782400, b), "2000-02-29T00:00:00Z");
    CHECK_EQ_STR(time_iso8601_s(253402300799LL, b), "9999-12-31T23:59:59Z");
    CHECK_EQ_STR(time_iso8601_s(253402300800LL, b), "10000-01-01T00:00:00Z"); /* the printf way */
    CHECK_EQ_STR(time_iso8601_s(-62167219200LL, b), "0000-01-01T00:00:00Z");
    CHECK_EQ_STR(time_iso8601_s(-62167219201LL, b), "-001-12-31T23:59:59Z");
    CHECK_EQ_STR(time_iso8601(1657558526016000123LL, 3, b), "2022-07-11T16:55:26.016Z");
    CHECK_EQ_STR(time_iso8601(1657558526016000123LL, 6, b), "2022-07-11T16:55:26.016000Z");
    CHECK_EQ_STR(time_iso8601(1657558526016000123LL, 9, b), "2022-07-11T16:55:26.016000123Z");
    CHECK_EQ_STR(time_iso8601(1657558526016000123LL, 0, b), "2022-07-11T16:55:26Z");
    CHECK_EQ_STR(time_iso8601(-1, 9, b), "1969-12-31T23:59:59.999999999Z");
}

static void digests(void)
{
    uint8_t s[1100], a[32], m[32];
    int bad = 0;
    /* few distinct inputs, many repeats, some over DIGEST_MEMO_MAX */
    for (int i = 0; i < 3000; i++) {
        uint32_t pick = next_rand() % 40;
        size_t n = pick * 27 % sizeof(s);
        for (size_t k = 0; k < n; k++) s[k] = (uint8_t)(pick * 31 + k);
        if (next_rand() % 4 == 0 && n) s[next_rand() % n] ^= 1; /* a near miss */
        digest_sha256(s, n, a);
        memo_sha256(s, n, m);
        if (memcmp(a, m, 32) != 0) bad++;
        digest_md5(s, n, a);
        memo_md5(s, n, m);
        if (memcmp(a, m, 16) != 0) bad++;
    }
    CHECK_EQ_INT(bad, 0);
}

int main(void)
{
    strings();
    numbers();
    structure_and_cap();
    times();
    digests();
    return check_summary();
}
