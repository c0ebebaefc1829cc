#include "sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sbuf_init(struct sbuf *sb, size_t max)
{
    memset(sb, 0, sizeof(*sb));
    sb->max = max ? max : SBUF_DEFAULT_MAX;
}

/* Make room for `need` more bytes plus a NUL; false when over the cap or out of memory. */
static int sbuf_reserve(struct sbuf *sb, size_t need)
{
    if (need > sb->max - sb->len) return 0;
    size_t want = sb->len + need + 1;
    if (want <= sb->cap) return 1;
    size_t ncap = sb->cap ? sb->cap : 256;
    while (ncap < want) ncap *= 2;
    char *np = realloc(sb->p, ncap);
    if (!np) return 0;
    sb->p = np;
    sb->cap = ncap;
    return 1;
}

void sbuf_append(struct sbuf *sb, const void *p, size_t n)
{
    /* Fast path, the common case of JSON and text output (profiled): room
     * for n bytes and the NUL, within the cap. */
    if (n && n < sb->cap - sb->len && n <= sb->max - sb->len) {
        memcpy(sb->p + sb->len, p, n);
        sb->len += n;
        sb->p[sb->len] = '\0';
        return;
    }
    if (n == 0) {
        if (!sb->p && sbuf_reserve(sb, 0)) sb->p[0] = '\0';
        return;
    }
    if (!sbuf_reserve(sb, n)) {
        /* keep what fits, mark the loss */
        size_t room = sb->max - sb->len;
        sb->overflow = 1;
        if (room == 0 || !sbuf_reserve(sb, room)) return;
        n = room;
    }
    memcpy(sb->p + sb->len, p, n);
    sb->len += n;
    sb->p[sb->len] = '\0';
}

void sbuf_puts(struct sbuf *sb, const char *s) { sbuf_append(sb, s, strlen(s)); }

void sbuf_putc(struct sbuf *sb, char c)
{
    if (sb->len + 1 < sb->cap && sb->len < sb->max) {
        sb->p[sb->len++] = c;
        sb->p[sb->len] = '\0';
        return;
    }
    sbuf_append(sb, &c, 1);
}

void sbuf_printf(struct sbuf *sb, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof(tmp)) {
        sbuf_append(sb, tmp, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        sb->overflow = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sbuf_append(sb, big, (size_t)n);
    free(big);
}

void sbuf_reset(struct sbuf *sb)
{
    sb->len = 0;
    sb->overflow = 0;
    if (sb->p) sb->p[0] = '\0';
}

const char *sbuf_str(const struct sbuf *sb) { return sb->p ? sb->p : ""; }

void sbuf_free(struct sbuf *sb)
{
    free(sb->p);
    sb->p = NULL;
    sb->len = sb->cap = 0;
}
