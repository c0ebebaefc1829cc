#include "json.h"

#include <assert.h>
#include <string.h>

#include "common/escape.h"

/* The writer runs for every field of every connection (some 200 per JSON
 * line), so a member is written straight into the sbuf when there is room:
 * separator, key and value checked once and copied, a number formatted by
 * hand (no printf), hex from a table. Whatever needs an escape, or does not
 * fit, goes the slow way through esc_json / sbuf_append, which have the
 * rules and the cap; the bytes written are the same either way. */

/* The bytes esc_json (common/escape.c) copies unchanged: printable ASCII
 * except '"' and '\\'. */
static const bool plain[256] = {
    [0x20 ... 0x21] = true, /* 0x22 '"' */
    [0x23 ... 0x5b] = true, /* 0x5c '\\' */
    [0x5d ... 0x7e] = true,
};

/* Eight bytes at a time: a byte below 0x20, above 0x7e, '"' or '\\' in
 * the word (the classic "has zero/less/more byte" tests, exact for these
 * constants), then the table for the rest. */
static bool all_plain(const void *vp, size_t n)
{
    const uint8_t *p = vp;
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w, q, b;
        memcpy(&w, p + i, 8);
        q = w ^ (ones * '"');
        b = w ^ (ones * '\\');
        if ((((w - ones * 0x20) & ~w) |             /* a byte < 0x20 */
             ((w + ones * (0x7f - 0x7e)) | w) |     /* a byte > 0x7e */
             ((q - ones) & ~q) |                    /* a '"' */
             ((b - ones) & ~b)) & highs)            /* a '\\' */
            return false;
    }
    for (; i < n; i++)
        if (!plain[p[i]]) return false;
    return true;
}

/* Room for a member whose key is kn bytes and whose value is at most vn:
 * where to write, or NULL for the slow way. Keys are the program's own
 * names (string literals, plain ASCII), written as they are; the debug
 * build checks that. */
static char *member_room(struct json *j, const char *key, size_t kn, size_t vn)
{
    assert(!key || all_plain(key, kn));
    return sbuf_room(j->sb, kn + 4 + vn);
}

/* Separator and key at w (room checked by member_room); returns the end. */
static char *put_sep(struct json *j, char *w, const char *key, size_t kn)
{
    if (!j->first[j->depth]) *w++ = ',';
    j->first[j->depth] = false;
    if (key) {
        *w++ = '"';
        memcpy(w, key, kn);
        w += kn;
        *w++ = '"';
        *w++ = ':';
    }
    return w;
}

static void commit(struct json *j, const char *end) { sbuf_commit(j->sb, (size_t)(end - (j->sb->p + j->sb->len))); }

static void sep_slow(struct json *j, const char *key, size_t kn)
{
    if (!j->first[j->depth]) sbuf_putc(j->sb, ',');
    j->first[j->depth] = false;
    if (key) {
        esc_json(j->sb, key, kn);
        sbuf_putc(j->sb, ':');
    }
}

static void json_open(struct json *j, const char *key, size_t kn, char c)
{
    char *w = member_room(j, key, kn, 1);
    if (w) {
        w = put_sep(j, w, key, kn);
        *w++ = c;
        commit(j, w);
    } else {
        sep_slow(j, key, kn);
        sbuf_putc(j->sb, c);
    }
    if (j->depth < JSON_MAX_DEPTH) j->depth++;
    j->first[j->depth] = true;
}

static void json_close(struct json *j, char c)
{
    sbuf_putc(j->sb, c);
    if (j->depth > 0) j->depth--;
}

void json_begin(struct json *j, struct sbuf *sb)
{
    j->sb = sb;
    j->depth = 0;
    j->first[0] = true;
    json_open(j, NULL, 0, '{');
}

void json_end(struct json *j) { json_close(j, '}'); }
void json_obj_k(struct json *j, const char *key, size_t kn) { json_open(j, key, kn, '{'); }
void json_obj_end(struct json *j) { json_close(j, '}'); }
void json_arr_k(struct json *j, const char *key, size_t kn) { json_open(j, key, kn, '['); }
void json_arr_end(struct json *j) { json_close(j, ']'); }

/* A string member: copied between quotes when nothing in it needs an
 * escape (almost always), else through esc_json. */
void json_strn_k(struct json *j, const char *key, size_t kn, const void *p, size_t n)
{
    char *w;
    if (all_plain(p, n) && (w = member_room(j, key, kn, n + 2))) {
        w = put_sep(j, w, key, kn);
        *w++ = '"';
        memcpy(w, p, n);
        w += n;
        *w++ = '"';
        commit(j, w);
        return;
    }
    sep_slow(j, key, kn);
    esc_json(j->sb, p, n);
}

/* A bare value (number, true, false, null: nothing to escape). */
static void put_value(struct json *j, const char *key, size_t kn, const char *v, size_t n)
{
    char *w = member_room(j, key, kn, n);
    if (w) {
        w = put_sep(j, w, key, kn);
        memcpy(w, v, n);
        commit(j, w + n);
        return;
    }
    sep_slow(j, key, kn);
    sbuf_append(j->sb, v, n);
}

/* Decimal digits of v as "%llu" writes them (with a '-' before: "%lld"),
 * ending at end; returns where they start. */
static char *u64_digits(char *end, bool minus, unsigned long long v)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (minus) *--end = '-';
    return end;
}

void json_int_k(struct json *j, const char *key, size_t kn, long long v)
{
    char b[24], *s;
    /* 0 - (unsigned) v: LLONG_MIN's magnitude without signed overflow */
    s = u64_digits(b + sizeof(b), v < 0, v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v);
    put_value(j, key, kn, s, (size_t)(b + sizeof(b) - s));
}

void json_uint_k(struct json *j, const char *key, size_t kn, unsigned long long v)
{
    char b[24], *s = u64_digits(b + sizeof(b), false, v);
    put_value(j, key, kn, s, (size_t)(b + sizeof(b) - s));
}

void json_bool_k(struct json *j, const char *key, size_t kn, bool v)
{
    if (v) put_value(j, key, kn, "true", 4);
    else put_value(j, key, kn, "false", 5);
}

void json_null_k(struct json *j, const char *key, size_t kn) { put_value(j, key, kn, "null", 4); }

void json_hex_k(struct json *j, const char *key, size_t kn, const uint8_t *p, size_t n, bool upper)
{
    static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
    const char *h = upper ? up : lo;
    char b[2 * JSON_HEX_MAX + 2];
    if (n > JSON_HEX_MAX) n = JSON_HEX_MAX;
    b[0] = '"';
    for (size_t i = 0; i < n; i++) {
        b[1 + 2 * i] = h[p[i] >> 4];
        b[2 + 2 * i] = h[p[i] & 15];
    }
    b[2 * n + 1] = '"';
    put_value(j, key, kn, b, 2 * n + 2);
}

void json_raw_k(struct json *j, const char *key, size_t kn, const char *p, size_t n)
{
    put_value(j, key, kn, p, n);
}
