/* json.h — a streaming JSON writer over an sbuf. It tracks nesting so commas
 * and quotes are always right, and every string goes through esc_json. Depth
 * is bounded by JSON_MAX_DEPTH (our own structure, not input-driven). */
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

#endif
