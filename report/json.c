#include "json.h"

#include <string.h>

#include "common/escape.h"

/* The writer runs for every field of every connection (some 200 per JSON
 * line), so it writes straight into the sbuf when there is room: a key or
 * a string that needs no escape is one copy, a number is formatted by hand
 * (no printf), hex comes from a table. Whatever does need an escape, or
 * does not fit, goes through esc_json / sbuf_append, which have the rules
 * and the cap; the bytes written are the same either way. */

/* The bytes esc_json (common/escape.c) copies unchanged: printable ASCII
 * except '"' and '\\'. */
static const bool plain[256] = {
    [0x20 ... 0x21] = true, /* 0x22 '"' */
    [0x23 ... 0x5b] = true, /* 0x5c '\\' */
    [0x5d ... 0x7e] = true,
};

static bool all_plain(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!plain[p[i]]) return false;
    return true;
}

/* A JSON string: copied between quotes when nothing in it needs an escape
 * (almost always), else through esc_json. */
static void put_str(struct sbuf *sb, const void *p, size_t n)
{
    char *w;
    if (all_plain(p, n) && (w = sbuf_room(sb, n + 2))) {
        w[0] = '"';
        memcpy(w + 1, p, n);
        w[n + 1] = '"';
        sbuf_commit(sb, n + 2);
        return;
    }
    esc_json(sb, p, n);
}

static void json_sep(struct json *j, const char *key)
{
    const bool comma = !j->first[j->depth];
    j->first[j->depth] = false;
    if (!key) {
        if (comma) sbuf_putc(j->sb, ',');
        return;
    }
    /* keys are the program's own names, but go by the same rule */
    size_t n = strlen(key);
    char *w;
    if (all_plain((const uint8_t *)key, n) && (w = sbuf_room(j->sb, n + 4))) {
        char *s = w;
        if (comma) *w++ = ',';
        *w++ = '"';
        memcpy(w, key, n);
        w += n;
        *w++ = '"';
        *w++ = ':';
        sbuf_commit(j->sb, (size_t)(w - s));
        return;
    }
    if (comma) sbuf_putc(j->sb, ',');
    esc_json_str(j->sb, key);
    sbuf_putc(j->sb, ':');
}

static void json_open(struct json *j, const char *key, char c)
{
    json_sep(j, key);
    sbuf_putc(j->sb, c);
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
    json_open(j, NULL, '{');
}

void json_end(struct json *j) { json_close(j, '}'); }
void json_obj(struct json *j, const char *key) { json_open(j, key, '{'); }
void json_obj_end(struct json *j) { json_close(j, '}'); }
void json_arr(struct json *j, const char *key) { json_open(j, key, '['); }
void json_arr_end(struct json *j) { json_close(j, ']'); }

void json_str(struct json *j, const char *key, const char *s)
{
    json_sep(j, key);
    if (!s) s = "";
    put_str(j->sb, s, strlen(s));
}

void json_strn(struct json *j, const char *key, const void *p, size_t n)
{
    json_sep(j, key);
    put_str(j->sb, p, n);
}

/* Decimal digits of v, as "%llu" writes them. */
static void put_u64(struct sbuf *sb, bool minus, unsigned long long v)
{
    char b[24];
    size_t i = sizeof(b);
    do {
        b[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (minus) b[--i] = '-';
    sbuf_append(sb, b + i, sizeof(b) - i);
}

void json_int(struct json *j, const char *key, long long v)
{
    json_sep(j, key);
    /* 0 - (unsigned) v: LLONG_MIN's magnitude without signed overflow */
    put_u64(j->sb, v < 0, v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v);
}

void json_uint(struct json *j, const char *key, unsigned long long v)
{
    json_sep(j, key);
    put_u64(j->sb, false, v);
}

void json_bool(struct json *j, const char *key, bool v)
{
    json_sep(j, key);
    if (v) sbuf_append(j->sb, "true", 4);
    else sbuf_append(j->sb, "false", 5);
}

void json_null(struct json *j, const char *key)
{
    json_sep(j, key);
    sbuf_append(j->sb, "null", 4);
}

void json_hex(struct json *j, const char *key, const uint8_t *p, size_t n, bool upper)
{
    static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
    const char *h = upper ? up : lo;
    char b[2 * JSON_HEX_MAX + 2];
    json_sep(j, key);
    if (n > JSON_HEX_MAX) n = JSON_HEX_MAX;
    b[0] = '"';
    for (size_t i = 0; i < n; i++) {
        b[1 + 2 * i] = h[p[i] >> 4];
        b[2 + 2 * i] = h[p[i] & 15];
    }
    b[2 * n + 1] = '"';
    sbuf_append(j->sb, b, 2 * n + 2);
}

void json_raw(struct json *j, const char *key, const char *p, size_t n)
{
    json_sep(j, key);
    sbuf_append(j->sb, p, n);
}
