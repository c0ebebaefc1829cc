/* udpflow.c — the UDP association table (udpflow.h).
 *
 * Layout (the TCP table's, minus reassembly): a chained hash table with
 * power-of-two buckets, keyed with SipHash-1-3 under a random per-table key
 * so that a hostile capture cannot aim every association at one bucket; an
 * LRU list by last activity (expiry pops the old end: O(1) per expired
 * association, O(1) when nothing expires; eviction takes the head); a list in
 * creation order so that flush closes associations in the order they
 * appeared, independently of the hash key.
 */
#include "capture/udpflow.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define UDP_HASH_MIN_BUCKETS 64u

/* SipHash-1-3 (Aumasson & Bernstein), as in flow.c. */
static inline uint64_t rotl64(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

#define SIPROUND                                                                   \
    do {                                                                           \
        v0 += v1; v1 = rotl64(v1, 13); v1 ^= v0; v0 = rotl64(v0, 32);             \
        v2 += v3; v3 = rotl64(v3, 16); v3 ^= v2;                                   \
        v0 += v3; v3 = rotl64(v3, 21); v3 ^= v0;                                   \
        v2 += v1; v1 = rotl64(v1, 17); v1 ^= v2; v2 = rotl64(v2, 32);             \
    } while (0)

static uint64_t siphash13(const uint64_t key[2], const uint8_t *in, size_t len)
{
    uint64_t v0 = 0x736f6d6570736575ULL ^ key[0];
    uint64_t v1 = 0x646f72616e646f6dULL ^ key[1];
    uint64_t v2 = 0x6c7967656e657261ULL ^ key[0];
    uint64_t v3 = 0x7465646279746573ULL ^ key[1];
    uint64_t b = (uint64_t)len << 56, m;
    size_t i, full = len & ~(size_t)7;
    for (i = 0; i < full; i += 8) {
        m = 0;
        for (int k = 0; k < 8; k++) m |= (uint64_t)in[i + k] << (8 * k);
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

/* The canonical 5-tuple: the endpoint that sorts lower comes first. */
struct udp_key {
    uint8_t family;
    uint8_t addr[2][16];
    uint16_t port[2];
};

struct udp_assoc {           /* owned by the table, freed right after the sink's close */
    struct udp_assoc *hnext;
    struct udp_assoc *lru_prev, *lru_next;
    struct udp_assoc *all_prev, *all_next;
    uint64_t hash;
    struct udp_key key;
    struct flow_meta meta;
    void *app;
    bool count_only;
    uint64_t bytes[2], packets[2];
    int64_t last_ts;
};

struct udp_table {
    struct udp_limits lim;
    struct udp_sink sink;
    struct udp_stats stats;
    uint64_t hkey[2];
    struct udp_assoc **buckets;
    uint32_t nbuckets, max_buckets, n;
    uint64_t next_id;
    struct udp_assoc *lru_head, *lru_tail;   /* head = least recently active */
    struct udp_assoc *all_head, *all_tail;   /* creation order */
};

void udp_limits_default(struct udp_limits *lim)
{
    lim->max_assocs = 16384;
    lim->idle_timeout_ns = 300ll * 1000000000ll;
}

static void key_make(struct udp_key *k, const struct pkt_info *s)
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

static uint64_t key_hash(const struct udp_table *t, const struct udp_key *k)
{
    uint8_t buf[1 + 32 + 4];
    buf[0] = k->family;
    memcpy(buf + 1, k->addr[0], 16);
    memcpy(buf + 17, k->addr[1], 16);
    buf[33] = (uint8_t)(k->port[0] >> 8);
    buf[34] = (uint8_t)k->port[0];
    buf[35] = (uint8_t)(k->port[1] >> 8);
    buf[36] = (uint8_t)k->port[1];
    return siphash13(t->hkey, buf, sizeof(buf));
}

static bool key_eq(const struct udp_key *a, const struct udp_key *b)
{
    return a->family == b->family && a->port[0] == b->port[0] && a->port[1] == b->port[1] &&
           memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

static struct udp_assoc *hash_find(struct udp_table *t, const struct udp_key *k, uint64_t h)
{
    for (struct udp_assoc *a = t->buckets[h & (t->nbuckets - 1)]; a; a = a->hnext)
        if (a->hash == h && key_eq(&a->key, k)) return a;
    return NULL;
}

/* Double the buckets while associations outnumber them, up to what max_assocs
 * needs; on allocation failure keep the old array (longer chains). */
static void hash_grow(struct udp_table *t)
{
    if (t->n <= t->nbuckets || t->nbuckets >= t->max_buckets) return;
    uint32_t nb_n = t->nbuckets * 2;
    struct udp_assoc **nb = calloc(nb_n, sizeof(*nb));
    if (!nb) return;
    for (uint32_t i = 0; i < t->nbuckets; i++) {
        struct udp_assoc *a = t->buckets[i], *next;
        for (; a; a = next) {
            next = a->hnext;
            a->hnext = nb[a->hash & (nb_n - 1)];
            nb[a->hash & (nb_n - 1)] = a;
        }
    }
    free(t->buckets);
    t->buckets = nb;
    t->nbuckets = nb_n;
}

static void lru_unlink(struct udp_table *t, struct udp_assoc *a)
{
    if (a->lru_prev) a->lru_prev->lru_next = a->lru_next;
    else t->lru_head = a->lru_next;
    if (a->lru_next) a->lru_next->lru_prev = a->lru_prev;
    else t->lru_tail = a->lru_prev;
    a->lru_prev = a->lru_next = NULL;
}

static void lru_append(struct udp_table *t, struct udp_assoc *a)
{
    a->lru_next = NULL;
    a->lru_prev = t->lru_tail;
    if (t->lru_tail) t->lru_tail->lru_next = a;
    else t->lru_head = a;
    t->lru_tail = a;
}

static void assoc_close(struct udp_table *t, struct udp_assoc *a, enum flow_close_reason reason)
{
    if (t->sink.close) {
        struct flow_close info;
        memset(&info, 0, sizeof(info));
        info.reason = reason;
        for (int d = 0; d < 2; d++) {
            info.bytes[d] = a->bytes[d];
            info.packets[d] = a->packets[d];
        }
        info.last_ts_ns = a->last_ts;
        t->sink.close(t->sink.ctx, a->app, &info);
    }
    struct udp_assoc **pp = &t->buckets[a->hash & (t->nbuckets - 1)];
    while (*pp && *pp != a) pp = &(*pp)->hnext;
    if (*pp) *pp = a->hnext;
    lru_unlink(t, a);
    if (a->all_prev) a->all_prev->all_next = a->all_next;
    else t->all_head = a->all_next;
    if (a->all_next) a->all_next->all_prev = a->all_prev;
    else t->all_tail = a->all_prev;
    t->n--;
    free(a);
}

static struct udp_assoc *assoc_create(struct udp_table *t, const struct udp_key *k, uint64_t h,
                                      const struct pkt_info *s, int64_t ts)
{
    if (t->n >= t->lim.max_assocs) {
        if (t->lru_head) {
            t->stats.assocs_evicted++;
            assoc_close(t, t->lru_head, FLOW_CLOSE_EVICTED);
        }
        if (t->n >= t->lim.max_assocs) return NULL; /* max_assocs == 0 */
    }
    struct udp_assoc *a = calloc(1, sizeof(*a));
    if (!a) return NULL;
    a->key = *k;
    a->hash = h;
    a->meta.id = ++t->next_id;
    a->meta.family = s->family;
    memcpy(a->meta.addr[FLOW_DIR_A], s->src, 16);
    memcpy(a->meta.addr[FLOW_DIR_B], s->dst, 16);
    a->meta.port[FLOW_DIR_A] = s->sport;
    a->meta.port[FLOW_DIR_B] = s->dport;
    a->meta.first_ts_ns = ts;
    a->last_ts = ts;
    a->hnext = t->buckets[h & (t->nbuckets - 1)];
    t->buckets[h & (t->nbuckets - 1)] = a;
    lru_append(t, a);
    a->all_prev = t->all_tail;
    if (t->all_tail) t->all_tail->all_next = a;
    else t->all_head = a;
    t->all_tail = a;
    t->n++;
    t->stats.assocs_opened++;
    if (t->n > t->stats.peak_assocs) t->stats.peak_assocs = t->n;
    hash_grow(t);
    a->app = t->sink.open ? t->sink.open(t->sink.ctx, &a->meta) : NULL;
    return a;
}

struct udp_table *udptab_new(const struct udp_limits *lim, const struct udp_sink *sink)
{
    struct udp_table *t = calloc(1, sizeof(*t));
    if (!t) return NULL;
    if (lim) t->lim = *lim;
    else udp_limits_default(&t->lim);
    if (sink) t->sink = *sink;
    t->max_buckets = UDP_HASH_MIN_BUCKETS;
    while (t->max_buckets < t->lim.max_assocs && t->max_buckets < (1u << 30)) t->max_buckets *= 2;
    t->nbuckets = UDP_HASH_MIN_BUCKETS;
    t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
    if (!t->buckets) {
        free(t);
        return NULL;
    }
    if (getrandom(t->hkey, sizeof(t->hkey), GRND_NONBLOCK) != (ssize_t)sizeof(t->hkey)) {
        /* no entropy yet (early boot): still a fine hash, just predictable */
        t->hkey[0] = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
        t->hkey[1] = (uint64_t)(uintptr_t)t;
    }
    return t;
}

void udptab_datagram(struct udp_table *t, const struct pkt_info *dg, int64_t ts_ns)
{
    struct udp_key k;
    uint64_t h;
    struct udp_assoc *a;
    int dir;
    t->stats.datagrams++;
    key_make(&k, dg);
    h = key_hash(t, &k);
    a = hash_find(t, &k, h);
    if (!a) {
        if (t->sink.want && !t->sink.want(t->sink.ctx, dg)) {
            t->stats.ignored++;
            return;
        }
        a = assoc_create(t, &k, h, dg, ts_ns);
        if (!a) {
            t->stats.ignored++;
            return;
        }
    }
    dir = (dg->sport == a->meta.port[FLOW_DIR_A] &&
           memcmp(dg->src, a->meta.addr[FLOW_DIR_A], 16) == 0)
              ? FLOW_DIR_A
              : FLOW_DIR_B;
    a->bytes[dir] += dg->payload_len;
    a->packets[dir]++;
    if (ts_ns > a->last_ts) a->last_ts = ts_ns;
    lru_unlink(t, a);
    lru_append(t, a);
    if (a->count_only) {
        t->stats.count_only++;
        return;
    }
    if (t->sink.datagram &&
        t->sink.datagram(t->sink.ctx, a->app, (enum flow_dir)dir, dg->payload, dg->payload_caplen,
                         dg->payload_len, ts_ns) == UDP_COUNT_ONLY)
        a->count_only = true;
}

/* true when `last` is more than `timeout` before `now`, without signed
 * overflow for any pair of timestamps. */
static bool idle_longer(int64_t last, int64_t now, int64_t timeout)
{
    if (now <= last) return false;
    return (uint64_t)now - (uint64_t)last > (uint64_t)(timeout < 0 ? 0 : timeout);
}

void udptab_expire(struct udp_table *t, int64_t now_ns)
{
    struct udp_assoc *a;
    while ((a = t->lru_head) && idle_longer(a->last_ts, now_ns, t->lim.idle_timeout_ns)) {
        t->stats.assocs_timed_out++;
        assoc_close(t, a, FLOW_CLOSE_TIMEOUT);
    }
}

void udptab_flush(struct udp_table *t)
{
    struct udp_assoc *a, *next;
    for (a = t->all_head; a; a = next) {
        next = a->all_next;
        assoc_close(t, a, FLOW_CLOSE_END);
    }
}

const struct udp_stats *udptab_stats(const struct udp_table *t) { return &t->stats; }

uint32_t udptab_count(const struct udp_table *t) { return t->n; }

void udptab_free(struct udp_table *t)
{
    if (!t) return;
    udptab_flush(t);
    free(t->buckets);
    free(t);
}
