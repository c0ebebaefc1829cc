/* Unit tests for common/: cursor bounds, escaping, time formatting/parsing. */
#include <stdint.h>
#include <string.h>

#include "common/cursor.h"
#include "common/escape.h"
#include "common/sbuf.h"
#include "common/timefmt.h"
#include "check.h"

static void test_cursor(void)
{
    const uint8_t buf[] = {0x01, 0x02, 0x03, 0x00, 0x02, 0xaa, 0xbb, 0x05, 0x01};
    struct cursor c = cur_init(buf, sizeof(buf)), sub;
    uint8_t u8;
    uint16_t u16;
    uint32_t u24;
    CHECK_EQ_INT(cur_u8(&c, &u8), 0);
    CHECK_EQ_INT(u8, 1);
    CHECK_EQ_INT(cur_u16(&c, &u16), 0);
    CHECK_EQ_INT(u16, 0x0203);
    CHECK_EQ_INT(cur_vec(&c, 2, &sub), 0); /* 00 02 aa bb */
    CHECK_EQ_INT(cur_left(&sub), 2);
    CHECK_EQ_INT(sub.p[0], 0xaa);
    /* a block claiming 5 bytes with only 1 left must fail and not move */
    const uint8_t *before = c.p;
    CHECK_EQ_INT(cur_vec(&c, 1, &sub), CUR_ESHORT);
    CHECK(c.p == before);
    CHECK_EQ_INT(cur_u24(&c, &u24), CUR_ESHORT);
    CHECK_EQ_INT(cur_left(&c), 2);
    /* a length field cut in half */
    struct cursor d = cur_init(buf, 1);
    CHECK_EQ_INT(cur_vec(&d, 2, &sub), CUR_ESHORT);
    CHECK_EQ_INT(cur_left(&d), 1);
    /* empty cursor over NULL */
    struct cursor e = cur_init(NULL, 10);
    CHECK_EQ_INT(cur_left(&e), 0);
    CHECK_EQ_INT(cur_u8(&e, &u8), CUR_ESHORT);
    CHECK_EQ_INT(cur_vec(&c, 3, &sub), CUR_ESHORT);
    CHECK_EQ_INT(cur_vec(&c, 7, &sub), CUR_ESHORT); /* unsupported length width */
}

static const char *text(const char *in, size_t n, int utf8)
{
    static char out[256];
    struct sbuf sb;
    sbuf_init(&sb, 0);
    esc_text(&sb, in, n, utf8);
    snprintf(out, sizeof(out), "%s", sbuf_str(&sb));
    sbuf_free(&sb);
    return out;
}

static const char *json(const char *in, size_t n)
{
    static char out[256];
    struct sbuf sb;
    sbuf_init(&sb, 0);
    esc_json(&sb, in, n);
    snprintf(out, sizeof(out), "%s", sbuf_str(&sb));
    sbuf_free(&sb);
    return out;
}

static void test_escape(void)
{
    CHECK_EQ_STR(text("cucm.lab", 8, 1), "cucm.lab");
    CHECK_EQ_STR(text("a\x1b[2Jb", 6, 1), "a\\x1b[2Jb");
    CHECK_EQ_STR(text("a\\b", 3, 1), "a\\\\b");
    CHECK_EQ_STR(text("x\0y", 3, 1), "x\\x00y");
    CHECK_EQ_STR(text("caf\xc3\xa9", 5, 1), "caf\xc3\xa9");
    CHECK_EQ_STR(text("caf\xc3\xa9", 5, 0), "caf\\xc3\\xa9");
    CHECK_EQ_STR(text("\xc2\x9b" "31m", 5, 1), "\\xc2\\x9b31m");        /* C1 CSI */
    CHECK_EQ_STR(text("\xe2\x80\xae" "abc", 6, 1), "\\xe2\\x80\\xaeabc"); /* RLO */
    CHECK_EQ_STR(text("\xff\xc3", 2, 1), "\\xff\\xc3");
    CHECK_EQ_STR(text("\xc0\x80", 2, 1), "\\xc0\\x80");                 /* overlong NUL */
    CHECK_EQ_STR(json("a\"b\\c", 5), "\"a\\\"b\\\\c\"");
    CHECK_EQ_STR(json("\x01\n\x7f", 3), "\"\\u0001\\n\\u007f\"");
    CHECK_EQ_STR(json("\xff", 1), "\"\\\\xff\"");
    CHECK_EQ_STR(json("\xc3\xa9", 2), "\"\xc3\xa9\"");
    CHECK_EQ_STR(json("\xe2\x80\xa8", 3), "\"\\u2028\"");
    char cell[8];
    CHECK_EQ_STR(esc_text_buf(cell, sizeof(cell), "abcdefghijkl", 12, 1), "abcd...");
    CHECK_EQ_STR(esc_text_buf(cell, sizeof(cell), "abc", 3, 1), "abc");
}

/* Terminal-injection and JSON-breaking inputs, each with the exact bytes
 * tlsscope must write (README "Hostile input and limits"). */
static void test_escape_hostile(void)
{
    /* C0 controls, DEL, and the raw 8-bit CSI byte (not UTF-8) */
    CHECK_EQ_STR(text("\t\r\n\x7f", 4, 1), "\\x09\\x0d\\x0a\\x7f");
    CHECK_EQ_STR(text("\x9b" "2J", 3, 1), "\\x9b2J");
    CHECK_EQ_STR(text("\x9b" "2J", 3, 0), "\\x9b2J");
    /* OSC 0 window title and ESC [ 2 J */
    CHECK_EQ_STR(text("\x1b]0;pwned\x07", 10, 1), "\\x1b]0;pwned\\x07");
    /* bidi isolates, LRM/RLM/ALM, line/paragraph separators, BOM stay escaped */
    CHECK_EQ_STR(text("\xe2\x81\xa6" "x", 4, 1), "\\xe2\\x81\\xa6x");           /* LRI */
    CHECK_EQ_STR(text("\xe2\x80\x8f", 3, 1), "\\xe2\\x80\\x8f");                /* RLM */
    CHECK_EQ_STR(text("\xd8\x9c", 2, 1), "\\xd8\\x9c");                          /* ALM */
    CHECK_EQ_STR(text("\xe2\x80\xa9", 3, 1), "\\xe2\\x80\\xa9");                /* PS */
    CHECK_EQ_STR(text("\xef\xbb\xbf" "a", 4, 1), "\\xef\\xbb\\xbfa");           /* BOM */
    /* but ordinary non-ASCII text is kept in a UTF-8 locale, escaped otherwise */
    CHECK_EQ_STR(text("\xe4\xb8\xad\xf0\x9f\x94\x92", 7, 1), "\xe4\xb8\xad\xf0\x9f\x94\x92");
    CHECK_EQ_STR(text("\xe4\xb8\xad", 3, 0), "\\xe4\\xb8\\xad");
    /* surrogates, values above U+10FFFF, truncated sequences */
    CHECK_EQ_STR(text("\xed\xa0\x80", 3, 1), "\\xed\\xa0\\x80");
    CHECK_EQ_STR(text("\xf4\x90\x80\x80", 4, 1), "\\xf4\\x90\\x80\\x80");
    CHECK_EQ_STR(text("ab\xe2\x80", 4, 1), "ab\\xe2\\x80");

    /* JSON: C1, bidi, separators and BOM are \u-escaped (decode to themselves) */
    CHECK_EQ_STR(json("\xc2\x9b" "2J", 4), "\"\\u009b2J\"");
    CHECK_EQ_STR(json("\xe2\x80\xae" "abc", 6), "\"\\u202eabc\"");
    CHECK_EQ_STR(json("\xe2\x81\xa9", 3), "\"\\u2069\"");
    CHECK_EQ_STR(json("\xef\xbb\xbf", 3), "\"\\ufeff\"");
    CHECK_EQ_STR(json("\xe2\x80\xa9", 3), "\"\\u2029\"");
    CHECK_EQ_STR(json("\x1b[2J\x1b]0;t\x07", 10), "\"\\u001b[2J\\u001b]0;t\\u0007\"");
    CHECK_EQ_STR(json("\x00", 1), "\"\\u0000\"");
    /* a raw 0x9b byte is not UTF-8: \\x9b, never the byte itself */
    CHECK_EQ_STR(json("\x9b", 1), "\"\\\\x9b\"");
    CHECK_EQ_STR(json("\xf0\x9f\x94\x92", 4), "\"\xf0\x9f\x94\x92\"");

    /* table cells: cut at whole escapes and whole characters */
    char cell[8];
    CHECK_EQ_STR(esc_text_buf(cell, sizeof(cell), "\x1b\x1b\x1b", 3, 1), "\\x1b...");
    CHECK_EQ_STR(esc_text_buf(cell, sizeof(cell), "a\x1b\x1b", 3, 1), "a...");
    CHECK_EQ_STR(esc_text_buf(cell, sizeof(cell), "ab\\\\cd", 6, 1), "ab\\\\...");
    CHECK_EQ_STR(esc_text_buf(cell, sizeof(cell), "abc\\def", 7, 1), "abc...");
    CHECK_EQ_STR(esc_text_buf(cell, sizeof(cell), "\xc3\xa9\xc3\xa9\xc3\xa9x", 7, 1),
                 "\xc3\xa9\xc3\xa9\xc3\xa9x"); /* 7 bytes fit */
    CHECK_EQ_STR(esc_text_buf(cell, sizeof(cell), "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 8, 1),
                 "\xc3\xa9\xc3\xa9...");
    CHECK_EQ_STR(esc_text_buf(cell, sizeof(cell), "\x1b[2J!", 5, 1), "\\x1b...");
    CHECK_EQ_STR(esc_text_buf(cell, sizeof(cell), "abcdefg", 7, 1), "abcdefg");
    char tiny[3];
    CHECK_EQ_STR(esc_text_buf(tiny, sizeof(tiny), "\x1b", 1, 1), "");
    CHECK_EQ_STR(esc_text_buf(tiny, sizeof(tiny), "abc", 3, 1), "ab");
    /* a very long hostile string: bounded work, bounded output */
    static char big[100000];
    memset(big, 0x1b, sizeof(big));
    char wide[64];
    esc_text_buf(wide, sizeof(wide), big, sizeof(big), 1);
    CHECK_EQ_INT(strlen(wide), 63);
    CHECK_EQ_STR(wide + 56, "\\x1b...");
}

static void test_time(void)
{
    char b[TIMEFMT_LEN];
    CHECK_EQ_STR(time_iso8601(0, 0, b), "1970-01-01T00:00:00Z");
    CHECK_EQ_STR(time_iso8601(1657558526016000000LL, 6, b), "2022-07-11T16:55:26.016000Z");
    CHECK_EQ_STR(time_iso8601(-1, 3, b), "1969-12-31T23:59:59.999Z");
    CHECK_EQ_STR(time_iso8601_s(253402300799LL, b), "9999-12-31T23:59:59Z");
    int64_t s;
    CHECK_EQ_INT(time_parse("2022-07-11T16:55:26Z", &s), 0);
    CHECK_EQ_INT(s, 1657558526);
    CHECK_EQ_INT(time_parse("2022-07-11T18:55:26.910+02:00", &s), 0);
    CHECK_EQ_INT(s, 1657558526);
    CHECK_EQ_INT(time_parse("2022-07-11", &s), 0);
    CHECK_EQ_INT(s, 1657497600);
    CHECK_EQ_INT(time_parse("@42", &s), 0);
    CHECK_EQ_INT(s, 42);
    CHECK_EQ_INT(time_parse("2022-13-01", &s), -1);
    CHECK_EQ_INT(time_parse("yesterday", &s), -1);
    CHECK_EQ_INT(time_parse("2022-07-11T16:55:26Zjunk", &s), -1);
    CHECK_EQ_INT(time_parse("@", &s), -1);
    CHECK_EQ_INT(time_from_civil(2000, 2, 29, 0, 0, 0), 951782400);
}

/* Issue #17 item 5: --at takes real times only. Each of these was accepted
 * (year 292277026596, year -1199, March 2, an offset of 100 hours). */
static void test_time_parse_rejects_unreal(void)
{
    int64_t s = 7;
    CHECK_EQ_INT(time_parse("@99999999999999999999", &s), -1);
    CHECK_EQ_INT(time_parse("@9223372036854775807", &s), -1);
    CHECK_EQ_INT(time_parse("@-99999999999", &s), -1);
    CHECK_EQ_INT(time_parse("@253402300800", &s), -1);   /* 10000-01-01 */
    CHECK_EQ_INT(time_parse("2022-02-30", &s), -1);
    CHECK_EQ_INT(time_parse("2021-02-29", &s), -1);
    CHECK_EQ_INT(time_parse("2022-04-31T00:00:00Z", &s), -1);
    CHECK_EQ_INT(time_parse("2022-07-11T16:55:26+99:99", &s), -1);
    CHECK_EQ_INT(time_parse("2022-07-11T16:55:26+24:00", &s), -1);
    CHECK_EQ_INT(time_parse("2022-07-11T16:55:26-00:60", &s), -1);
    CHECK_EQ_INT(time_parse("1949-12-31", &s), -1);
    CHECK_EQ_INT(s, 7); /* untouched on error */
    /* the edges that are real */
    CHECK_EQ_INT(time_parse("2020-02-29", &s), 0);
    CHECK_EQ_INT(s, 1582934400);
    CHECK_EQ_INT(time_parse("@253402300799", &s), 0);
    CHECK_EQ_INT(s, 253402300799LL);
    CHECK_EQ_INT(time_parse("@-631152000", &s), 0);       /* 1950-01-01 */
    CHECK_EQ_INT(s, -631152000LL);
    CHECK_EQ_INT(time_parse("2022-07-11T16:55:26-23:59", &s), 0);
    CHECK_EQ_INT(s, 1657558526LL + 23 * 3600 + 59 * 60);
}

/* Issue #17 item 4: nanosecond times hold 1677-09-21..2262-04-11 only; what
 * enters from a capture or a log is range-checked once with time_ns_from(),
 * and formatting any int64 is defined (no signed overflow under UBSan). */
static void test_time_ns_range(void)
{
    char b[TIMEFMT_LEN];
    int64_t ns = 1;
    CHECK(time_ns_from(1657558526, 16000000, &ns));
    CHECK_EQ_INT(ns, 1657558526016000000LL);
    CHECK(!time_ns_from(9223372037LL, 0, &ns));             /* 2262-04-11T23:47:17 */
    CHECK(!time_ns_from(-9223372037LL, 0, &ns));            /* 1677 */
    CHECK(!time_ns_from(time_from_civil(1600, 1, 1, 0, 0, 0), 0, &ns));
    CHECK(!time_ns_from(time_from_civil(2300, 1, 1, 0, 0, 0), 0, &ns));
    CHECK(!time_ns_from(9223372036LL, 854775808, &ns));     /* one ns past INT64_MAX */
    CHECK(time_ns_from(9223372036LL, 854775807, &ns));
    CHECK_EQ_INT(ns, INT64_MAX);
    CHECK(time_ns_from(-9223372036LL, -854775808, &ns));
    CHECK_EQ_INT(ns, INT64_MIN);
    CHECK_EQ_STR(time_iso8601(INT64_MIN, 9, b), "1677-09-21T00:12:43.145224192Z");
    CHECK_EQ_STR(time_iso8601(INT64_MAX, 9, b), "2262-04-11T23:47:16.854775807Z");
}

/* sbuf at its edges: growth past the first 256 bytes one byte at a time
 * and in blocks, the hard cap (dropped bytes remembered), NUL termination
 * after every append, reset. */
static void test_sbuf(void)
{
    struct sbuf sb;
    char want[700];
    sbuf_init(&sb, 0);
    CHECK_EQ_STR(sbuf_str(&sb), "");
    for (int i = 0; i < 600; i++) {
        sbuf_putc(&sb, (char)('a' + i % 26));
        want[i] = (char)('a' + i % 26);
        want[i + 1] = '\0';
        if (i == 254 || i == 255 || i == 256 || i == 511) CHECK_EQ_STR(sbuf_str(&sb), want);
    }
    CHECK_EQ_INT(sb.len, 600);
    CHECK_EQ_STR(sbuf_str(&sb), want);
    sbuf_reset(&sb);
    CHECK_EQ_STR(sbuf_str(&sb), "");
    memset(want, 'x', sizeof want);
    for (size_t n = 1; n < 700; n += 7) {  /* blocks that end on and across the capacity */
        sbuf_reset(&sb);
        sbuf_append(&sb, want, n);
        sbuf_append(&sb, "yz", 2);
        CHECK_EQ_INT(sb.len, n + 2);
        CHECK(memcmp(sb.p, want, n) == 0 && sb.p[n] == 'y' && sb.p[n + 1] == 'z' && sb.p[n + 2] == '\0');
    }
    sbuf_free(&sb);

    sbuf_init(&sb, 10);
    sbuf_append(&sb, "0123456", 7);
    sbuf_putc(&sb, '7');
    sbuf_putc(&sb, '8');
    sbuf_putc(&sb, '9');
    CHECK(!sb.overflow);
    sbuf_putc(&sb, 'X');                   /* over the cap: dropped */
    CHECK(sb.overflow);
    sbuf_append(&sb, "YZ", 2);
    CHECK_EQ_INT(sb.len, 10);
    CHECK_EQ_STR(sbuf_str(&sb), "0123456789");
    sbuf_reset(&sb);
    CHECK(!sb.overflow);
    sbuf_append(&sb, "abcdefghijklmnop", 16); /* what fits is kept */
    CHECK(sb.overflow);
    CHECK_EQ_STR(sbuf_str(&sb), "abcdefghij");
    sbuf_free(&sb);
}

int main(void)
{
    test_cursor();
    test_escape();
    test_escape_hostile();
    test_time();
    test_time_parse_rejects_unreal();
    test_time_ns_range();
    test_sbuf();
    return check_summary();
}
