#include "capture/tuple.h"

#include <endian.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define TUPLE_MIN_BUCKETS 64u

/* SipHash-1-3 (Aumasson & Bernstein; the variant Rust's HashMap uses): fast
 * enough per packet, keyed so bucket choice is unpredictable. */
static inline uint64_t rotl64(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

#define SIPROUND                                                                   \
    do {                                                                           \
        v0 += v1; v1 = rotl64(v1, 13); v1 ^= v0; v0 = rotl64(v0, 32);             \
        v2 += v3; v3 = rotl64(v3, 16); v3 ^= v2;                                   \
        v0 += v3; v3 = rotl64(v3, 21); v3 ^= v0;                                   \
        v2 += v1; v1 = rotl64(v1, 17); v1 ^= v2; v2 = rotl64(v2, 32);             \
    } while (0)

uint64_t tuple_siphash(const uint64_t key[2], const uint8_t *in, size_t len)
{
    uint64_t v0 = 0x736f6d6570736575ULL ^ key[0];
    uint64_t v1 = 0x646f72616e646f6dULL ^ key[1];
    uint64_t v2 = 0x6c7967656e657261ULL ^ key[0];
    uint64_t v3 = 0x7465646279746573ULL ^ key[1];
    uint64_t b = (uint64_t)len << 56, m;
    size_t i, full = len & ~(size_t)7;
    for (i = 0; i < full; i += 8) {
        memcpy(&m, in + i, 8); /* one load, not eight: this runs for every packet */
        m = le64toh(m);
        v3 ^= m;
        SIPROUND;
        v0 ^= m;
    }
    for (int k = 0; i + (size_t)k < len; k++) b |= (uint64_t)in[i + k] << (8 * k);
    v3 ^= b;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

void tuple_key_make(struct tuple_key *k, const struct pkt_info *s)
{
    int c = memcmp(s->src, s->dst, 16);
    bool src_first = c < 0 || (c == 0 && s->sport <= s->dport);
    memset(k, 0, sizeof(*k));
    k->family = s->family;
    memcpy(k->addr[0], src_first ? s->src : s->dst, 16);
    memcpy(k->addr[1], src_first ? s->dst : s->src, 16);
    k->port[0] = src_first ? s->sport : s->dport;
    k->port[1] = src_first ? s->dport : s->sport;
}

bool tuple_key_eq(const struct tuple_key *a, const struct tuple_key *b)
{
    return a->family == b->family && a->port[0] == b->port[0] && a->port[1] == b->port[1] &&
           memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

uint64_t tuple_hash(const struct tuple_table *t, const struct tuple_key *k)
{
    /* An IPv4 address is the first 4 of its 16 bytes (the rest are zero):
     * 13 bytes to hash instead of 37, two SipHash rounds fewer per packet.
     * The family byte keeps the two layouts apart. */
    const size_t alen = k->family == 4 ? 4 : 16;
    uint8_t buf[1 + 32 + 4];
    size_t n = 0;
    buf[n++] = k->family;
    memcpy(buf + n, k->addr[0], alen);
    n += alen;
    memcpy(buf + n, k->addr[1], alen);
    n += alen;
    buf[n++] = (uint8_t)(k->port[0] >> 8);
    buf[n++] = (uint8_t)k->port[0];
    buf[n++] = (uint8_t)(k->port[1] >> 8);
    buf[n++] = (uint8_t)k->port[1];
    return tuple_siphash(t->hkey, buf, n);
}

int tuple_table_init(struct tuple_table *t, uint32_t max_entries)
{
    memset(t, 0, sizeof(*t));
    t->max_buckets = TUPLE_MIN_BUCKETS;
    while (t->max_buckets < max_entries && t->max_buckets < (1u << 30)) t->max_buckets *= 2;
    t->nbuckets = TUPLE_MIN_BUCKETS;
    t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
    if (!t->buckets) return -1;
    if (getrandom(t->hkey, sizeof(t->hkey), GRND_NONBLOCK) != (ssize_t)sizeof(t->hkey)) {
        /* No entropy yet (early boot): still a fine hash, just predictable. */
        t->hkey[0] = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
        t->hkey[1] = (uint64_t)(uintptr_t)t;
    }
    return 0;
}

void tuple_table_free(struct tuple_table *t)
{
    free(t->buckets);
    t->buckets = NULL;
    t->nbuckets = t->count = 0;
}

struct tuple_node *tuple_find(const struct tuple_table *t, const struct tuple_key *k, uint64_t h)
{
    for (struct tuple_node *n = t->buckets[h & (t->nbuckets - 1)]; n; n = n->next)
        if (n->hash == h && tuple_key_eq(&n->key, k)) return n;
    return NULL;
}

/* Double the bucket array while entries outnumber buckets, up to
 * max_buckets; on allocation failure keep the old one (longer chains). */
static void tuple_grow(struct tuple_table *t)
{
    if (t->count <= t->nbuckets || t->nbuckets >= t->max_buckets) return;
    uint32_t n = t->nbuckets * 2;
    struct tuple_node **nb = calloc(n, sizeof(*nb));
    if (!nb) return;
    for (uint32_t i = 0; i < t->nbuckets; i++) {
        struct tuple_node *e = t->buckets[i], *next;
        for (; e; e = next) {
            next = e->next;
            e->next = nb[e->hash & (n - 1)];
            nb[e->hash & (n - 1)] = e;
        }
    }
    free(t->buckets);
    t->buckets = nb;
    t->nbuckets = n;
}

void tuple_insert(struct tuple_table *t, struct tuple_node *n)
{
    struct tuple_node **head = &t->buckets[n->hash & (t->nbuckets - 1)];
    n->next = *head;
    *head = n;
    t->count++;
    tuple_grow(t);
}

void tuple_remove(struct tuple_table *t, struct tuple_node *n)
{
    struct tuple_node **pp = &t->buckets[n->hash & (t->nbuckets - 1)];
    while (*pp && *pp != n) pp = &(*pp)->next;
    if (*pp) {
        *pp = n->next;
        t->count--;
    }
}
