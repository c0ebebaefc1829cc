/* recycle.h — a few freed blocks of one size, kept for the next allocation
 * of that size. tlsscope makes and frees the same large structures for
 * every connection (struct tls_conn is ~10 KiB, a connection record and a
 * retransmission ring ~4 KiB each), beyond glibc's per-thread cache (1032
 * bytes), so each went through the general allocator both ways: ~5% of a
 * run over many short connections.
 *
 * One per structure type, as a static: one pipeline runs per process, from
 * one thread. Capped at RECYCLE_KEEP blocks, so memory held is bounded;
 * recycle_calloc zeroes as calloc does. The sanitizer build allocates and
 * frees every time, so a use after free is still caught there. */
#ifndef TLSSCOPE_COMMON_RECYCLE_H
#define TLSSCOPE_COMMON_RECYCLE_H

#include <stdlib.h>
#include <string.h>

#define RECYCLE_KEEP 16

struct recycle {
    size_t size;
    int n;
    void *slot[RECYCLE_KEEP];
};

#define RECYCLE_INIT(sz) {.size = (sz)}

#if defined(__SANITIZE_ADDRESS__)
#define TLSSCOPE_RECYCLE_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TLSSCOPE_RECYCLE_OFF 1
#endif
#endif

static inline void *recycle_calloc(struct recycle *r)
{
#ifndef TLSSCOPE_RECYCLE_OFF
    if (r->n > 0) {
        void *p = r->slot[--r->n];
        memset(p, 0, r->size);
        return p;
    }
#endif
    return calloc(1, r->size);
}

static inline void *recycle_malloc(struct recycle *r)
{
#ifndef TLSSCOPE_RECYCLE_OFF
    if (r->n > 0) return r->slot[--r->n];
#endif
    return malloc(r->size);
}

static inline void recycle_free(struct recycle *r, void *p)
{
    if (!p) return;
#ifndef TLSSCOPE_RECYCLE_OFF
    if (r->n < RECYCLE_KEEP) {
        r->slot[r->n++] = p;
        return;
    }
#endif
    free(p);
}

#endif
