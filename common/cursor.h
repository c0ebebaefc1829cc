/* cursor.h — the one bounds-checked reader every parser in tlsscope uses.
 *
 * A cursor is a {p, end} pair over bytes somebody else owns (a packet, a
 * reassembled record, a DER blob). It never allocates and never reads past
 * `end`. Every accessor returns 0 on success or CUR_ESHORT when the bytes are
 * not there, and leaves the cursor unchanged on failure.
 *
 * The idea comes from picotls' ptls_decode_open_block and s2n's stuffer: a
 * length-prefixed block (RFC 8446 §3.4 "opaque x<0..2^16-1>") is opened as a
 * sub-cursor with cur_vec(), which fails if the block would overrun its parent.
 * A parser then reads like the RFC and cannot be talked into an overread by a
 * length field — a length field is not a promise that the bytes exist.
 *
 * Ownership: a cursor borrows; it is valid only as long as the bytes are.
 */
#ifndef TLSSCOPE_COMMON_CURSOR_H
#define TLSSCOPE_COMMON_CURSOR_H

#include <stddef.h>
#include <stdint.h>

#define CUR_ESHORT (-1) /* fewer bytes left than asked for */

struct cursor {
    const uint8_t *p;
    const uint8_t *end;
};

static inline struct cursor cur_init(const void *p, size_t n)
{
    struct cursor c;
    c.p = (const uint8_t *)p;
    c.end = p ? c.p + n : c.p; /* NULL + 0 is undefined behaviour in C */
    return c;
}

static inline size_t cur_left(const struct cursor *c) { return (size_t)(c->end - c->p); }

static inline int cur_empty(const struct cursor *c) { return c->p >= c->end; }

static inline int cur_u8(struct cursor *c, uint8_t *v)
{
    if (cur_left(c) < 1) return CUR_ESHORT;
    *v = c->p[0];
    c->p += 1;
    return 0;
}

static inline int cur_u16(struct cursor *c, uint16_t *v)
{
    if (cur_left(c) < 2) return CUR_ESHORT;
    *v = (uint16_t)((c->p[0] << 8) | c->p[1]);
    c->p += 2;
    return 0;
}

static inline int cur_u24(struct cursor *c, uint32_t *v)
{
    if (cur_left(c) < 3) return CUR_ESHORT;
    *v = ((uint32_t)c->p[0] << 16) | ((uint32_t)c->p[1] << 8) | c->p[2];
    c->p += 3;
    return 0;
}

static inline int cur_u32(struct cursor *c, uint32_t *v)
{
    if (cur_left(c) < 4) return CUR_ESHORT;
    *v = ((uint32_t)c->p[0] << 24) | ((uint32_t)c->p[1] << 16) | ((uint32_t)c->p[2] << 8) |
         c->p[3];
    c->p += 4;
    return 0;
}

/* Little-endian reads, for capture file and link-layer headers (NULL/LOOP). */
static inline int cur_u16le(struct cursor *c, uint16_t *v)
{
    if (cur_left(c) < 2) return CUR_ESHORT;
    *v = (uint16_t)(c->p[0] | (c->p[1] << 8));
    c->p += 2;
    return 0;
}

static inline int cur_u32le(struct cursor *c, uint32_t *v)
{
    if (cur_left(c) < 4) return CUR_ESHORT;
    *v = (uint32_t)c->p[0] | ((uint32_t)c->p[1] << 8) | ((uint32_t)c->p[2] << 16) |
         ((uint32_t)c->p[3] << 24);
    c->p += 4;
    return 0;
}

/* Zero-copy slice of n bytes. */
static inline int cur_bytes(struct cursor *c, size_t n, const uint8_t **out)
{
    if (cur_left(c) < n) return CUR_ESHORT;
    *out = c->p;
    c->p += n;
    return 0;
}

static inline int cur_skip(struct cursor *c, size_t n)
{
    if (cur_left(c) < n) return CUR_ESHORT;
    c->p += n;
    return 0;
}

/* Sub-cursor over the next n bytes; the parent moves past them. */
static inline int cur_sub(struct cursor *c, size_t n, struct cursor *sub)
{
    if (cur_left(c) < n) return CUR_ESHORT;
    sub->p = c->p;
    sub->end = c->p + n;
    c->p += n;
    return 0;
}

/* Open a length-prefixed block whose length field is `lenbytes` (1, 2, 3 or 4)
 * big-endian bytes. Fails without moving the parent if either the length field
 * or the block itself runs past the parent's end. */
static inline int cur_vec(struct cursor *c, int lenbytes, struct cursor *sub)
{
    struct cursor save = *c;
    uint32_t n = 0;
    int rc;
    switch (lenbytes) {
    case 1: { uint8_t v; rc = cur_u8(c, &v); n = v; break; }
    case 2: { uint16_t v; rc = cur_u16(c, &v); n = v; break; }
    case 3: rc = cur_u24(c, &n); break;
    case 4: rc = cur_u32(c, &n); break;
    default: return CUR_ESHORT;
    }
    if (rc == 0) rc = cur_sub(c, n, sub);
    if (rc != 0) *c = save;
    return rc;
}

/* Evaluate a cursor call (or any int-returning parse step) and return its
 * error from the enclosing function. */
#define TRY(expr)                      \
    do {                               \
        int try_rc_ = (expr);          \
        if (try_rc_ < 0) return try_rc_; \
    } while (0)

#endif
