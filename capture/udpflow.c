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
#include "capture/tuple.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>


struct udp_assoc {           /* owned by the table, freed right after the sink's close */
    struct tuple_node node;  /* first: the table's hash entry (key, hash) */
    struct udp_assoc *lru_prev, *lru_next;
    struct udp_assoc *all_prev, *all_next;
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
    struct tuple_table hash;  /* associations by 5-tuple */
    uint32_t n;
    uint64_t next_id;
    struct udp_assoc *lru_head, *lru_tail;   /* head = least recently active */
    struct udp_assoc *all_head, *all_tail;   /* creation order */
};

void udp_limits_default(struct udp_limits *lim)
{
    lim->max_assocs = 8192;
    lim->idle_timeout_ns = 300ll * 1000000000ll;
}

static struct udp_assoc *assoc_of(struct tuple_node *n) { return (struct udp_assoc *)n; }

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
    tuple_remove(&t->hash, &a->node);
    lru_unlink(t, a);
    if (a->all_prev) a->all_prev->all_next = a->all_next;
    else t->all_head = a->all_next;
    if (a->all_next) a->all_next->all_prev = a->all_prev;
    else t->all_tail = a->all_prev;
    t->n--;
    free(a);
}

static struct udp_assoc *assoc_create(struct udp_table *t, const struct tuple_key *k, uint64_t h,
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
    a->node.key = *k;
    a->node.hash = h;
    a->meta.id = ++t->next_id;
    a->meta.family = s->family;
    memcpy(a->meta.addr[FLOW_DIR_A], s->src, 16);
    memcpy(a->meta.addr[FLOW_DIR_B], s->dst, 16);
    a->meta.port[FLOW_DIR_A] = s->sport;
    a->meta.port[FLOW_DIR_B] = s->dport;
    a->meta.first_ts_ns = ts;
    a->last_ts = ts;
    tuple_insert(&t->hash, &a->node);
    lru_append(t, a);
    a->all_prev = t->all_tail;
    if (t->all_tail) t->all_tail->all_next = a;
    else t->all_head = a;
    t->all_tail = a;
    t->n++;
    t->stats.assocs_opened++;
    if (t->n > t->stats.peak_assocs) t->stats.peak_assocs = t->n;
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
    if (tuple_table_init(&t->hash, t->lim.max_assocs) != 0) {
        free(t);
        return NULL;
    }
    return t;
}

void udptab_datagram(struct udp_table *t, const struct pkt_info *dg, int64_t ts_ns)
{
    struct tuple_key k;
    uint64_t h;
    struct udp_assoc *a;
    int dir;
    t->stats.datagrams++;
    tuple_key_make(&k, dg);
    h = tuple_hash(&t->hash, &k);
    a = assoc_of(tuple_find(&t->hash, &k, h));
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
    tuple_table_free(&t->hash);
    free(t);
}
