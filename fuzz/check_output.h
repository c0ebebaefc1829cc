/* check_output.h — what tlsscope writes must be safe whatever it read.
 *
 * Independent checkers (they do not reuse common/escape.c, whose output they
 * judge) shared by the fuzz targets and the unit tests:
 *
 *   out_check_text(p, n, utf8)  text meant for a terminal: printable ASCII and
 *                               '\n' only; with utf8, also valid UTF-8 that is
 *                               not a C1 control (CSI is U+009B), a bidi
 *                               override/isolate/mark or a line/paragraph
 *                               separator. So no ESC (0x1b), no raw 0x9b, no
 *                               other control byte can reach the terminal.
 *   out_check_json(p, n)        one JSON text (RFC 8259), strictly: valid
 *                               UTF-8 throughout, no raw control characters
 *                               and none of the code points above either
 *                               (they must be \u-escaped); depth <= 64.
 *   out_json_string_decode()    decode one JSON string literal (for
 *                               round-trip checks).
 *
 * Each returns NULL when the bytes are fine, else a static description of
 * the first problem (with *at set to its offset when `at` is not NULL).
 * Header-only: static functions, so each user gets its own copy.
 */
#ifndef TLSSCOPE_FUZZ_CHECK_OUTPUT_H
#define TLSSCOPE_FUZZ_CHECK_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* UTF-8 decoder written apart from common/escape.c on purpose (RFC 3629 §3/§4:
 * no overlongs, no surrogates, nothing above U+10FFFF). Returns the sequence
 * length, 0 when invalid or truncated. */
static inline size_t oc_utf8(const uint8_t *p, size_t n, uint32_t *cp)
{
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    size_t len;
    uint32_t v;
    if (n == 0) return 0;
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    if (p[0] >= 0xC2 && p[0] <= 0xDF) len = 2, v = p[0] & 0x1F;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF) len = 3, v = p[0] & 0x0F;
    else if (p[0] >= 0xF0 && p[0] <= 0xF4) len = 4, v = p[0] & 0x07;
    else return 0;
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v < min[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
}

/* Code points that must never be written raw: C0/C1 controls and DEL, the
 * bidirectional controls (Trojan Source, CVE-2021-42574), U+2028/U+2029
 * (line breaks for some terminals and JavaScript), and the BOM. */
static inline bool oc_unsafe_cp(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F || cp == 0x061C ||
           cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF;
}

static inline const char *out_check_text(const uint8_t *p, size_t n, bool utf8, size_t *at)
{
    size_t i = 0;
    while (i < n) {
        uint32_t cp = 0;
        size_t l = 1;
        if (p[i] == '\n') {
            i++;
            continue;
        }
        if (p[i] >= 0x80) {
            if (!utf8) {
                if (at) *at = i;
                return "non-ASCII byte in text output without a UTF-8 locale";
            }
            l = oc_utf8(p + i, n - i, &cp);
            if (l == 0) {
                if (at) *at = i;
                return "invalid UTF-8 in text output";
            }
        } else {
            cp = p[i];
        }
        if (oc_unsafe_cp(cp)) {
            if (at) *at = i;
            return cp == 0x1b ? "raw ESC in text output"
                   : cp == 0x9b ? "raw CSI (U+009B) in text output"
                   : cp < 0x20 || cp == 0x7f ? "raw control character in text output"
                                             : "raw C1/bidi/separator code point in text output";
        }
        i += l;
    }
    return NULL;
}

/* ---- JSON ---- */

struct oc_json {
    const uint8_t *p, *end, *start;
    const char *err;
};

static inline void oc_ws(struct oc_json *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static inline bool oc_fail(struct oc_json *j, const char *why)
{
    if (!j->err) j->err = why;
    return false;
}

static inline int oc_hex(uint8_t c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Append code point cp as UTF-8 to out (bounded by cap); returns new length. */
static inline size_t oc_put_utf8(uint8_t *out, size_t len, size_t cap, uint32_t cp)
{
    uint8_t b[4];
    size_t n;
    if (cp < 0x80)
        b[0] = (uint8_t)cp, n = 1;
    else if (cp < 0x800)
        b[0] = (uint8_t)(0xC0 | (cp >> 6)), b[1] = (uint8_t)(0x80 | (cp & 0x3F)), n = 2;
    else if (cp < 0x10000)
        b[0] = (uint8_t)(0xE0 | (cp >> 12)), b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F)),
        b[2] = (uint8_t)(0x80 | (cp & 0x3F)), n = 3;
    else
        b[0] = (uint8_t)(0xF0 | (cp >> 18)), b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F)),
        b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F)), b[3] = (uint8_t)(0x80 | (cp & 0x3F)), n = 4;
    for (size_t i = 0; i < n && out && len < cap; i++) out[len++] = b[i];
    return len;
}

/* A string literal at j->p; decoded into out[0..cap) when out is not NULL. */
static inline bool oc_string(struct oc_json *j, uint8_t *out, size_t cap, size_t *outlen)
{
    size_t len = 0;
    if (j->p >= j->end || *j->p != '"') return oc_fail(j, "expected a string");
    j->p++;
    for (;;) {
        if (j->p >= j->end) return oc_fail(j, "unterminated string");
        uint8_t c = *j->p;
        if (c == '"') {
            j->p++;
            break;
        }
        if (c == '\\') {
            if (j->end - j->p < 2) return oc_fail(j, "truncated escape");
            uint8_t e = j->p[1];
            j->p += 2;
            uint32_t cp;
            switch (e) {
            case '"': cp = '"'; break;
            case '\\': cp = '\\'; break;
            case '/': cp = '/'; break;
            case 'b': cp = 8; break;
            case 'f': cp = 12; break;
            case 'n': cp = 10; break;
            case 'r': cp = 13; break;
            case 't': cp = 9; break;
            case 'u': {
                if (j->end - j->p < 4) return oc_fail(j, "truncated \\u escape");
                cp = 0;
                for (int k = 0; k < 4; k++) {
                    int h = oc_hex(j->p[k]);
                    if (h < 0) return oc_fail(j, "bad \\u escape");
                    cp = cp << 4 | (uint32_t)h;
                }
                j->p += 4;
                if (cp >= 0xD800 && cp <= 0xDBFF) { /* RFC 8259 §7 surrogate pair */
                    if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u')
                        return oc_fail(j, "lone high surrogate");
                    uint32_t lo = 0;
                    for (int k = 0; k < 4; k++) {
                        int h = oc_hex(j->p[2 + k]);
                        if (h < 0) return oc_fail(j, "bad \\u escape");
                        lo = lo << 4 | (uint32_t)h;
                    }
                    if (lo < 0xDC00 || lo > 0xDFFF) return oc_fail(j, "bad surrogate pair");
                    j->p += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    return oc_fail(j, "lone low surrogate");
                }
                break;
            }
            default: return oc_fail(j, "unknown escape");
            }
            len = oc_put_utf8(out, len, cap, cp);
            continue;
        }
        uint32_t cp;
        size_t l = oc_utf8(j->p, (size_t)(j->end - j->p), &cp);
        if (l == 0) return oc_fail(j, "invalid UTF-8 in a JSON string");
        if (oc_unsafe_cp(cp)) return oc_fail(j, "raw control/C1/bidi code point in a JSON string");
        for (size_t k = 0; k < l && out && len < cap; k++) out[len++] = j->p[k];
        j->p += l;
    }
    if (outlen) *outlen = len;
    return true;
}

static inline bool oc_number(struct oc_json *j)
{
    const uint8_t *s = j->p;
    if (j->p < j->end && *j->p == '-') j->p++;
    if (j->p >= j->end) return oc_fail(j, "bad number");
    if (*j->p == '0') {
        j->p++;
    } else if (*j->p >= '1' && *j->p <= '9') {
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
    } else {
        return oc_fail(j, "bad number");
    }
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (j->p >= j->end || *j->p < '0' || *j->p > '9') return oc_fail(j, "bad fraction");
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-')) j->p++;
        if (j->p >= j->end || *j->p < '0' || *j->p > '9') return oc_fail(j, "bad exponent");
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
    }
    return j->p > s;
}

static inline bool oc_literal(struct oc_json *j, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0) return oc_fail(j, "bad literal");
    j->p += n;
    return true;
}

/* Recursion is bounded by `depth` (this checks tlsscope's own output, whose
 * nesting is fixed; 64 is far beyond it). */
static inline bool oc_value(struct oc_json *j, int depth)
{
    if (depth > 64) return oc_fail(j, "nested too deep");
    oc_ws(j);
    if (j->p >= j->end) return oc_fail(j, "expected a value");
    switch (*j->p) {
    case '{':
        j->p++;
        oc_ws(j);
        if (j->p < j->end && *j->p == '}') {
            j->p++;
            return true;
        }
        for (;;) {
            oc_ws(j);
            if (!oc_string(j, NULL, 0, NULL)) return false;
            oc_ws(j);
            if (j->p >= j->end || *j->p != ':') return oc_fail(j, "expected ':'");
            j->p++;
            if (!oc_value(j, depth + 1)) return false;
            oc_ws(j);
            if (j->p < j->end && *j->p == ',') {
                j->p++;
                continue;
            }
            if (j->p < j->end && *j->p == '}') {
                j->p++;
                return true;
            }
            return oc_fail(j, "expected ',' or '}'");
        }
    case '[':
        j->p++;
        oc_ws(j);
        if (j->p < j->end && *j->p == ']') {
            j->p++;
            return true;
        }
        for (;;) {
            if (!oc_value(j, depth + 1)) return false;
            oc_ws(j);
            if (j->p < j->end && *j->p == ',') {
                j->p++;
                continue;
            }
            if (j->p < j->end && *j->p == ']') {
                j->p++;
                return true;
            }
            return oc_fail(j, "expected ',' or ']'");
        }
    case '"': return oc_string(j, NULL, 0, NULL);
    case 't': return oc_literal(j, "true");
    case 'f': return oc_literal(j, "false");
    case 'n': return oc_literal(j, "null");
    default: return oc_number(j);
    }
}

static inline const char *out_check_json(const uint8_t *p, size_t n, size_t *at)
{
    struct oc_json j = {p, p + n, p, NULL};
    if (oc_value(&j, 0)) {
        oc_ws(&j);
        if (j.p != j.end) oc_fail(&j, "bytes after the JSON value");
    }
    if (j.err && at) *at = (size_t)(j.p - j.start);
    return j.err;
}

/* Decode the string literal p[0..n) (quotes included) into out[0..cap);
 * *outlen gets the decoded length (truncated to cap). */
static inline const char *out_json_string_decode(const uint8_t *p, size_t n, uint8_t *out,
                                                 size_t cap, size_t *outlen)
{
    struct oc_json j = {p, p + n, p, NULL};
    if (oc_string(&j, out, cap, outlen) && j.p != j.end) oc_fail(&j, "bytes after the string");
    return j.err;
}

#endif
