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

void json_obj(struct json *j, const char *key);     /* key may be NULL inside arrays */
void json_obj_end(struct json *j);
void json_arr(struct json *j, const char *key);
void json_arr_end(struct json *j);

void json_str(struct json *j, const char *key, const char *s);
void json_strn(struct json *j, const char *key, const void *p, size_t n);
void json_int(struct json *j, const char *key, long long v);
void json_uint(struct json *j, const char *key, unsigned long long v);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);

/* n bytes as a hex string ("ab01..."), n <= JSON_HEX_MAX (digests). */
#define JSON_HEX_MAX 64
void json_hex(struct json *j, const char *key, const uint8_t *p, size_t n, bool upper);

/* A value (or, with key NULL, members "k":v,...) already written as JSON by
 * this writer: the separator, then the bytes as they are. For memoised
 * fragments (report_json.c). */
void json_raw(struct json *j, const char *key, const char *p, size_t n);

#endif
