#include "json.h"

#include "common/escape.h"

static void json_sep(struct json *j, const char *key)
{
    if (!j->first[j->depth]) sbuf_putc(j->sb, ',');
    j->first[j->depth] = false;
    if (key) {
        esc_json_str(j->sb, key);
        sbuf_putc(j->sb, ':');
    }
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
    esc_json_str(j->sb, s ? s : "");
}

void json_strn(struct json *j, const char *key, const void *p, size_t n)
{
    json_sep(j, key);
    esc_json(j->sb, p, n);
}

void json_int(struct json *j, const char *key, long long v)
{
    json_sep(j, key);
    sbuf_printf(j->sb, "%lld", v);
}

void json_uint(struct json *j, const char *key, unsigned long long v)
{
    json_sep(j, key);
    sbuf_printf(j->sb, "%llu", v);
}

void json_bool(struct json *j, const char *key, bool v)
{
    json_sep(j, key);
    sbuf_puts(j->sb, v ? "true" : "false");
}

void json_null(struct json *j, const char *key)
{
    json_sep(j, key);
    sbuf_puts(j->sb, "null");
}
