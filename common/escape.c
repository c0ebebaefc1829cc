#include "escape.h"

#include <string.h>

size_t utf8_seq_len(const uint8_t *p, size_t n, uint32_t *cp)
{
    if (n == 0) return 0;
    uint8_t b = p[0];
    size_t len;
    uint32_t v, min;
    if (b < 0x80) {
        if (cp) *cp = b;
        return 1;
    } else if ((b & 0xE0) == 0xC0) {
        len = 2; v = b & 0x1F; min = 0x80;
    } else if ((b & 0xF0) == 0xE0) {
        len = 3; v = b & 0x0F; min = 0x800;
    } else if ((b & 0xF8) == 0xF0) {
        len = 4; v = b & 0x07; min = 0x10000;
    } else {
        return 0;
    }
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    if (cp) *cp = v;
    return len;
}

/* Code points that must not reach a terminal even inside valid UTF-8: C1
 * controls (they include CSI 0x9B) and the bidirectional overrides and
 * isolates that can reorder what the user reads (Trojan Source, CVE-2021-42574). */
static int unsafe_codepoint(uint32_t cp)
{
    if (cp >= 0x80 && cp <= 0x9F) return 1;
    if (cp >= 0x202A && cp <= 0x202E) return 1;
    if (cp >= 0x2066 && cp <= 0x2069) return 1;
    if (cp == 0x200E || cp == 0x200F || cp == 0x061C) return 1;
    if (cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF) return 1;
    return 0;
}

static void put_hex_escape(struct sbuf *sb, uint8_t b)
{
    static const char hex[] = "0123456789abcdef";
    char e[4] = {'\\', 'x', hex[b >> 4], hex[b & 15]};
    sbuf_append(sb, e, 4);
}

void esc_text(struct sbuf *sb, const void *vp, size_t n, bool utf8)
{
    const uint8_t *p = vp;
    size_t i = 0;
    while (i < n) {
        uint8_t b = p[i];
        if (b == '\\') {
            sbuf_append(sb, "\\\\", 2);
            i++;
        } else if (b >= 0x20 && b < 0x7F) {
            size_t j = i;
            while (j < n && p[j] >= 0x20 && p[j] < 0x7F && p[j] != '\\') j++;
            sbuf_append(sb, p + i, j - i);
            i = j;
        } else if (b >= 0x80 && utf8) {
            uint32_t cp;
            size_t l = utf8_seq_len(p + i, n - i, &cp);
            if (l > 0 && !unsafe_codepoint(cp)) {
                sbuf_append(sb, p + i, l);
                i += l;
            } else if (l > 0) {
                for (size_t k = 0; k < l; k++) put_hex_escape(sb, p[i + k]);
                i += l;
            } else {
                put_hex_escape(sb, b);
                i++;
            }
        } else {
            put_hex_escape(sb, b);
            i++;
        }
    }
}

void esc_text_str(struct sbuf *sb, const char *s, bool utf8) { esc_text(sb, s, strlen(s), utf8); }

/* Length of the escaped unit at e: "\\", "\xNN", one UTF-8 character or
 * one ASCII byte (esc_text's output consists of exactly these). */
static size_t esc_unit_len(const char *e, size_t left)
{
    if (e[0] == '\\') return left >= 4 && e[1] == 'x' ? 4 : left >= 2 ? 2 : 1;
    if ((uint8_t)e[0] < 0x80) return 1;
    size_t l = utf8_seq_len((const uint8_t *)e, left, NULL);
    return l ? l : 1;
}

const char *esc_text_buf(char *out, size_t outlen, const void *p, size_t n, bool utf8)
{
    struct sbuf sb;
    if (outlen == 0) return out;
    /* Every input byte yields at least one output byte, so input beyond
     * outlen + 4 can never show; escaping only that much bounds the work
     * for a huge input, and a character cut there lies past the cut below. */
    size_t take = n < outlen + 4 ? n : outlen + 4;
    sbuf_init(&sb, 4 * take + 8);
    esc_text(&sb, p, take, utf8);
    const char *e = sbuf_str(&sb);
    if (take == n && sb.len < outlen) {
        memcpy(out, e, sb.len + 1);
        sbuf_free(&sb);
        return out;
    }
    /* It does not fit: whole escape sequences and whole characters only
     * (never "\x1" or half of an "é"), then "...". */
    size_t limit = outlen > 4 ? outlen - 4 : outlen - 1, len = 0;
    while (len < sb.len) {
        size_t u = esc_unit_len(e + len, sb.len - len);
        if (len + u > limit) break;
        len += u;
    }
    memcpy(out, e, len);
    if (outlen > 4) memcpy(out + len, "...", 4);
    else out[len] = '\0';
    sbuf_free(&sb);
    return out;
}

void esc_json(struct sbuf *sb, const void *vp, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *p = vp;
    size_t i = 0;
    sbuf_putc(sb, '"');
    while (i < n) {
        uint8_t b = p[i];
        if (b >= 0x20 && b < 0x7F && b != '"' && b != '\\') {
            size_t j = i;
            while (j < n && p[j] >= 0x20 && p[j] < 0x7F && p[j] != '"' && p[j] != '\\') j++;
            sbuf_append(sb, p + i, j - i);
            i = j;
            continue;
        }
        switch (b) {
        case '"': sbuf_append(sb, "\\\"", 2); i++; continue;
        case '\\': sbuf_append(sb, "\\\\", 2); i++; continue;
        case '\n': sbuf_append(sb, "\\n", 2); i++; continue;
        case '\r': sbuf_append(sb, "\\r", 2); i++; continue;
        case '\t': sbuf_append(sb, "\\t", 2); i++; continue;
        default: break;
        }
        if (b < 0x20 || b == 0x7F) {
            char e[6] = {'\\', 'u', '0', '0', hex[b >> 4], hex[b & 15]};
            sbuf_append(sb, e, 6);
            i++;
            continue;
        }
        uint32_t cp;
        size_t l = utf8_seq_len(p + i, n - i, &cp);
        if (l == 0) {
            char e[5] = {'\\', '\\', 'x', hex[b >> 4], hex[b & 15]};
            sbuf_append(sb, e, 5);
            i++;
        } else if (unsafe_codepoint(cp)) {
            /* valid, but a consumer printing the value raw would pass a C1
             * control or a bidi override to its terminal: \u-escape it
             * (lossless: it decodes to the same code point) */
            char e[6] = {'\\', 'u', hex[(cp >> 12) & 15], hex[(cp >> 8) & 15],
                         hex[(cp >> 4) & 15], hex[cp & 15]};
            sbuf_append(sb, e, 6);
            i += l;
        } else {
            sbuf_append(sb, p + i, l);
            i += l;
        }
    }
    sbuf_putc(sb, '"');
}

void esc_json_str(struct sbuf *sb, const char *s) { esc_json(sb, s, strlen(s)); }
