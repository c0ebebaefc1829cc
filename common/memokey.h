/* memokey.h — keys for the memos on the hot path (report/report_json.c's
 * JSON fragments, dissect/hello.c's JA3, trust/vcache.c's verdicts): a key
 * made of several inputs, each with its length in front, so two different
 * sequences of inputs never make the same bytes; and the hash that picks a
 * key's slot, eight bytes a step. A memo compares keys whole, so the hash
 * only spreads them: any bytes may be left out of it, none out of the key. */
#ifndef TLSSCOPE_COMMON_MEMOKEY_H
#define TLSSCOPE_COMMON_MEMOKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define MEMOKEY_MAX 1024

struct memokey {
    uint8_t b[MEMOKEY_MAX];
    size_t n;
    bool over; /* an input did not fit: the key is unusable (do the work instead) */
};

static inline void memokey_reset(struct memokey *k)
{
    k->n = 0;
    k->over = false;
}

static inline void memokey_put(struct memokey *k, const void *p, size_t n)
{
    if (k->over || n > 0xffff || n + 2 > sizeof k->b - k->n) {
        k->over = true;
        return;
    }
    k->b[k->n++] = (uint8_t)(n >> 8);
    k->b[k->n++] = (uint8_t)n;
    if (n) memcpy(k->b + k->n, p, n);
    k->n += n;
}

static inline void memokey_u64(struct memokey *k, uint64_t v) { memokey_put(k, &v, sizeof v); }

static inline void memokey_str(struct memokey *k, const char *s) { memokey_put(k, s, strlen(s)); }

/* h mixed with n bytes at p: a multiply and a shift per eight bytes, then
 * FNV-1a's step per byte for the tail. */
static inline uint64_t memokey_mix(uint64_t h, const void *vp, size_t n)
{
    const uint8_t *p = vp;
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0x100000001b3ULL;
        h ^= h >> 29;
    }
    while (n--) h = (h ^ *p++) * 0x100000001b3ULL;
    return h;
}

#endif
