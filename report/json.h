/* json.h — a streaming JSON writer over an sbuf. It tracks nesting so commas
 * and quotes are always right, and every string is escaped by esc_json's
 * rules (common/escape.h). Depth is bounded by JSON_MAX_DEPTH (our own
 * structure, not input-driven). Keys are the program's own names. */
#ifndef TLSSCOPE_REPORT_JSON_H
#define TLSSCOPE_REPORT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/sbuf.h"

#define JSON_MAX_DEPTH 16

struct json {
    struct sbuf *sb;
    int depth;
    bool first[JSON_MAX_DEPTH + 1];
};

void json_begin(struct json *j, struct sbuf *sb);   /* starts the top-level object */
void json_end(struct json *j);                     /* closes it */

/* Every member function takes its key and the key's length; the wrappers
 * below pass strlen(key), which the compiler works out for a literal key.
 * key may be NULL inside arrays. */
void json_obj_k(struct json *j, const char *key, size_t kn);
void json_arr_k(struct json *j, const char *key, size_t kn);
void json_obj_end(struct json *j);
void json_arr_end(struct json *j);
void json_strn_k(struct json *j, const char *key, size_t kn, const void *p, size_t n);
void json_int_k(struct json *j, const char *key, size_t kn, long long v);
void json_uint_k(struct json *j, const char *key, size_t kn, unsigned long long v);
void json_bool_k(struct json *j, const char *key, size_t kn, bool v);
void json_null_k(struct json *j, const char *key, size_t kn);
void json_hex_k(struct json *j, const char *key, size_t kn, const uint8_t *p, size_t n, bool upper);
void json_raw_k(struct json *j, const char *key, size_t kn, const char *p, size_t n);

#define JSON_KLEN(key) ((key) ? __builtin_strlen(key) : 0)

static inline void json_obj(struct json *j, const char *key) { json_obj_k(j, key, JSON_KLEN(key)); }
static inline void json_arr(struct json *j, const char *key) { json_arr_k(j, key, JSON_KLEN(key)); }

/* s NULL is written as "" */
static inline void json_str(struct json *j, const char *key, const char *s)
{
    if (!s) s = "";
    json_strn_k(j, key, JSON_KLEN(key), s, __builtin_strlen(s));
}

static inline void json_strn(struct json *j, const char *key, const void *p, size_t n)
{
    json_strn_k(j, key, JSON_KLEN(key), p, n);
}

static inline void json_int(struct json *j, const char *key, long long v) { json_int_k(j, key, JSON_KLEN(key), v); }

static inline void json_uint(struct json *j, const char *key, unsigned long long v)
{
    json_uint_k(j, key, JSON_KLEN(key), v);
}

static inline void json_bool(struct json *j, const char *key, bool v) { json_bool_k(j, key, JSON_KLEN(key), v); }
static inline void json_null(struct json *j, const char *key) { json_null_k(j, key, JSON_KLEN(key)); }

/* n bytes as a hex string ("ab01..."), n <= JSON_HEX_MAX (digests). */
#define JSON_HEX_MAX 64
static inline void json_hex(struct json *j, const char *key, const uint8_t *p, size_t n, bool upper)
{
    json_hex_k(j, key, JSON_KLEN(key), p, n, upper);
}

/* A value (or, with key NULL, members "k":v,...) already written as JSON by
 * this writer: the separator, then the bytes as they are. For memoised
 * fragments (report_json.c). */
static inline void json_raw(struct json *j, const char *key, const char *p, size_t n)
{
    json_raw_k(j, key, JSON_KLEN(key), p, n);
}

#endif
