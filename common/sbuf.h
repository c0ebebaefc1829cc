/* sbuf.h — a growable byte string with a hard cap (like curl's dynbuf with
 * its `toobig` limit). Appends past the cap are dropped and remembered in
 * `overflow`, so a hostile input can make output shorter, never memory grow
 * without bound.
 *
 * Ownership: the sbuf owns `p`; sbuf_free() releases it. `p` is always
 * NUL-terminated after any append (or NULL before the first).
 */
#ifndef TLSSCOPE_COMMON_SBUF_H
#define TLSSCOPE_COMMON_SBUF_H

#include <stdbool.h>
#include <stddef.h>

struct sbuf {
    char *p;
    size_t len;
    size_t cap;
    size_t max;        /* hard cap on len */
    bool overflow;     /* something was dropped */
};

#define SBUF_DEFAULT_MAX (16u * 1024u * 1024u)

void sbuf_init(struct sbuf *sb, size_t max);
void sbuf_append(struct sbuf *sb, const void *p, size_t n);
void sbuf_puts(struct sbuf *sb, const char *s);
void sbuf_putc(struct sbuf *sb, char c);
void sbuf_printf(struct sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_reset(struct sbuf *sb);          /* len = 0, keep memory */
const char *sbuf_str(const struct sbuf *sb); /* "" when empty */
void sbuf_free(struct sbuf *sb);

/* Writing in place, for formatters on a hot path (report/json.c): the
 * address to write `n` bytes at when they and the NUL fit without growing
 * and within the cap, else NULL (then go through sbuf_append, which grows
 * the buffer or keeps what fits). sbuf_commit(sb, n) takes them in. */
static inline char *sbuf_room(struct sbuf *sb, size_t n)
{
    return n < sb->cap - sb->len && n <= sb->max - sb->len ? sb->p + sb->len : NULL;
}

static inline void sbuf_commit(struct sbuf *sb, size_t n)
{
    sb->len += n;
    sb->p[sb->len] = '\0';
}

#endif
