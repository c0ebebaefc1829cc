/* vcache.c — see vcache.h. A chained hash table of entries on an LRU list;
 * the table has twice as many buckets as entries allowed and never grows.
 * Keys are attacker-controlled (the SNI), so the table is small and capped:
 * the worst a crafted capture can do is make every lookup a miss. */
#include "vcache.h"

#include <stdlib.h>
#include <string.h>

#include "common/memokey.h"

#define VC_MIN_ENTRIES 1

struct vc_key {
    const struct trust_store *store;
    enum verdict_profile profile;
    bool chain_only;
    bool ch_present;           /* no ClientHello: no name is checked */
    int n_chain;
    uint8_t chain_fp[TLS_MAX_CHAIN][32]; /* SHA-256 per position; zeros for a gap */
    uint16_t chain_gaps;       /* bit i: position i held no certificate */
    uint8_t family;
    uint8_t server_ip[16];
    bool sh_present;           /* and the suite: the ECDHE-ECDSA advice */
    uint16_t cipher;
    uint16_t sni_len;          /* 0: no SNI (the address is the name) */
    uint8_t sni[TLS_MAX_SNI];
};

struct vc_entry {
    struct vc_entry *hnext;
    struct vc_entry *lru_prev, *lru_next; /* prev = more recently used */
    uint64_t hash;
    struct vc_key key;
    int64_t lo, hi;            /* the verdict holds for lo <= at < hi */
    struct verdict v;
};

struct verdict_cache {
    size_t max_entries, count, nbuckets;
    struct vc_entry **buckets;
    struct vc_entry *lru_head, *lru_tail; /* head: most recently used */
    struct verdict_cache_stats stats;
};

struct verdict_cache *verdictcache_new(size_t max_entries)
{
    struct verdict_cache *vc = calloc(1, sizeof *vc);
    if (!vc) return NULL;
    vc->max_entries = max_entries < VC_MIN_ENTRIES ? VC_MIN_ENTRIES : max_entries;
    vc->nbuckets = 2;
    while (vc->nbuckets < 2 * vc->max_entries) vc->nbuckets *= 2;
    vc->buckets = calloc(vc->nbuckets, sizeof *vc->buckets);
    if (!vc->buckets) {
        free(vc);
        return NULL;
    }
    return vc;
}

/* ---- keys ---------------------------------------------------------------- */

/* Fills the key; false when the input is not cached (no chain, no store). */
static bool key_make(const struct judge_input *in, struct vc_key *k)
{
    const struct tls_conn *c = in->conn;
    if (!c || !in->store || !in->chain || in->n_chain <= 0 || !in->chain[0]) return false;
    if (in->n_chain > TLS_MAX_CHAIN) return false;
    if (in->purpose != PURPOSE_SSL_SERVER) return false; /* only servers' chains are cached */
    /* Only what key_hash and key_eq read is written: chain_fp beyond n_chain
     * and sni beyond sni_len are not (1.3 KB of zeros per connection). */
    k->store = in->store;
    k->profile = in->profile;
    k->chain_only = in->chain_only;
    k->ch_present = c->ch.present;
    k->n_chain = in->n_chain;
    k->chain_gaps = 0;
    for (int i = 0; i < in->n_chain; i++) {
        if (in->chain[i]) {
            memcpy(k->chain_fp[i], in->chain[i]->sha256, 32);
        } else {
            memset(k->chain_fp[i], 0, 32);
            k->chain_gaps |= (uint16_t)(1u << i);
        }
    }
    k->family = c->family;
    memcpy(k->server_ip, c->server_ip, sizeof k->server_ip);
    k->sh_present = c->sh.present;
    k->cipher = c->sh.present ? c->sh.cipher : 0;
    k->sni_len = 0;
    /* The raw SNI as verdict_judge reads it (has_sni and sni_len > 0);
     * keying on all stored bytes is at least as specific as the name it
     * derives (cut at a NUL, at 259 bytes). */
    if (c->ch.has_sni && c->ch.sni_len > 0) {
        k->sni_len = c->ch.sni_len > TLS_MAX_SNI ? TLS_MAX_SNI : c->ch.sni_len;
        memcpy(k->sni, c->ch.sni, k->sni_len);
    }
    return true;
}

static uint64_t key_hash(const struct vc_key *k)
{
    uint64_t h = 1469598103934665603ULL;
    h = memokey_mix(h, &k->store, sizeof k->store);
    h = memokey_mix(h, &k->profile, sizeof k->profile);
    h = memokey_mix(h, &k->chain_only, sizeof k->chain_only);
    h = memokey_mix(h, &k->ch_present, sizeof k->ch_present);
    h = memokey_mix(h, &k->n_chain, sizeof k->n_chain);
    h = memokey_mix(h, k->chain_fp, (size_t)k->n_chain * 32);
    h = memokey_mix(h, &k->chain_gaps, sizeof k->chain_gaps);
    h = memokey_mix(h, &k->family, 1);
    h = memokey_mix(h, k->server_ip, sizeof k->server_ip);
    h = memokey_mix(h, &k->sh_present, sizeof k->sh_present);
    h = memokey_mix(h, &k->cipher, sizeof k->cipher);
    h = memokey_mix(h, &k->sni_len, sizeof k->sni_len);
    h = memokey_mix(h, k->sni, k->sni_len);
    return h;
}

static bool key_eq(const struct vc_key *a, const struct vc_key *b)
{
    return a->store == b->store && a->profile == b->profile && a->chain_only == b->chain_only &&
           a->ch_present == b->ch_present && a->n_chain == b->n_chain &&
           a->chain_gaps == b->chain_gaps &&
           memcmp(a->chain_fp, b->chain_fp, (size_t)a->n_chain * 32) == 0 &&
           a->family == b->family && memcmp(a->server_ip, b->server_ip, 16) == 0 &&
           a->sh_present == b->sh_present && a->cipher == b->cipher && a->sni_len == b->sni_len &&
           memcmp(a->sni, b->sni, a->sni_len) == 0;
}

/* ---- the time window ------------------------------------------------------ */

static void window_add(int64_t b, int64_t at, int64_t *lo, int64_t *hi)
{
    if (b <= at) {
        if (b > *lo) *lo = b;
    } else if (b < *hi) {
        *hi = b;
    }
}

static void window_cert(const struct cert *c, int64_t at, int64_t *lo, int64_t *hi)
{
    if (!c) return;
    window_add(c->not_before, at, lo, hi);
    window_add(c->not_after, at, lo, hi);
}

/* Every time comparison of the judge is `at >= notBefore` or `at <
 * notAfter` (cert_valid_at and the validity checks) on a certificate of the
 * chain or of the store, so between two consecutive such boundaries all of
 * them come out the same. */
static void window_of(const struct judge_input *in, const struct verdict *v, int64_t *lo,
                      int64_t *hi)
{
    const int64_t at = in->at;
    *lo = INT64_MIN;
    *hi = INT64_MAX;
    for (int i = 0; i < in->n_chain; i++) window_cert(in->chain[i], at, lo, hi);
    for (size_t i = 0; i < in->store->n; i++) window_cert(in->store->entries[i].cert, at, lo, hi);
    /* these texts print the judging time itself */
    if (v->code == VERR_CERT_HAS_EXPIRED || v->code == VERR_CERT_NOT_YET_VALID) {
        *lo = at;
        *hi = at == INT64_MAX ? at : at + 1;
        /* with --at they print the connection's own time too, which the
         * key does not hold: such a verdict is not reused */
        if (in->conn && verdict_conn_time(in->conn) && verdict_conn_time(in->conn) != at)
            *hi = *lo;
    }
}

/* ---- entries -------------------------------------------------------------- */

/* A remembered verdict's path points at the certificates of the connection
 * it was made for; the server's ones may have been freed since. Point them
 * at this connection's certificates in the same wire positions (the key
 * says their bytes are the same). Store certificates stay as they are.
 * False if a link does not name a valid position (then judge afresh). */
static bool path_rebind(struct verdict *v, const struct judge_input *in)
{
    for (int i = 0; i < v->n_path && i < VERDICT_MAX_PATH; i++) {
        struct chain_link *l = &v->path[i];
        if (l->src != CHAIN_FROM_PEER) continue;
        if (l->wire_index < 0 || l->wire_index >= in->n_chain || !in->chain[l->wire_index])
            return false;
        l->cert = in->chain[l->wire_index];
    }
    return true;
}

static void lru_unlink(struct verdict_cache *vc, struct vc_entry *e)
{
    if (e->lru_prev) e->lru_prev->lru_next = e->lru_next;
    else vc->lru_head = e->lru_next;
    if (e->lru_next) e->lru_next->lru_prev = e->lru_prev;
    else vc->lru_tail = e->lru_prev;
    e->lru_prev = e->lru_next = NULL;
}

static void lru_push_front(struct verdict_cache *vc, struct vc_entry *e)
{
    e->lru_prev = NULL;
    e->lru_next = vc->lru_head;
    if (vc->lru_head) vc->lru_head->lru_prev = e;
    vc->lru_head = e;
    if (!vc->lru_tail) vc->lru_tail = e;
}

static void entry_drop(struct verdict_cache *vc, struct vc_entry *e)
{
    struct vc_entry **pp = &vc->buckets[e->hash & (vc->nbuckets - 1)];
    while (*pp && *pp != e) pp = &(*pp)->hnext;
    if (*pp) *pp = e->hnext;
    lru_unlink(vc, e);
    free(e);
    vc->count--;
}

void verdictcache_judge(struct verdict_cache *vc, const struct judge_input *in,
                        struct verdict *out)
{
    struct vc_key k;
    if (!vc || !key_make(in, &k)) {
        if (vc) vc->stats.uncached++;
        verdict_judge(in, out);
        return;
    }
    uint64_t h = key_hash(&k);
    struct vc_entry *e = vc->buckets[h & (vc->nbuckets - 1)];
    for (; e; e = e->hnext)
        if (e->hash == h && key_eq(&e->key, &k)) break;
    if (e && in->at >= e->lo && in->at < e->hi) {
        verdict_copy(out, &e->v);
        if (path_rebind(out, in)) {
            vc->stats.hits++;
            lru_unlink(vc, e);
            lru_push_front(vc, e);
            verdict_observe(out, in->conn);
            return;
        }
    }
    vc->stats.misses++;
    verdict_judge(in, out);
    if (e) {
        /* same connection facts, time outside the window: judged again */
        vc->stats.stale++;
        entry_drop(vc, e);
    }
    /* Not kept: the budget grows with the bytes read, so the same chain
     * later may be judged (cert.h cert_verify_budget). */
    if (strcmp(out->cap, "VERIFY_BUDGET") == 0) return;
    e = malloc(sizeof *e);
    if (!e) return;
    e->hash = h;
    e->key = k;
    window_of(in, out, &e->lo, &e->hi);
    e->v = *out;
    struct vc_entry **b = &vc->buckets[h & (vc->nbuckets - 1)];
    e->hnext = *b;
    *b = e;
    e->lru_prev = e->lru_next = NULL;
    lru_push_front(vc, e);
    vc->count++;
    while (vc->count > vc->max_entries && vc->lru_tail) {
        vc->stats.evictions++;
        entry_drop(vc, vc->lru_tail);
    }
}

const struct verdict_cache_stats *verdictcache_stats(const struct verdict_cache *vc)
{
    static const struct verdict_cache_stats none;
    return vc ? &vc->stats : &none;
}

size_t verdictcache_count(const struct verdict_cache *vc) { return vc ? vc->count : 0; }

void verdictcache_free(struct verdict_cache *vc)
{
    if (!vc) return;
    while (vc->lru_head) entry_drop(vc, vc->lru_head);
    free(vc->buckets);
    free(vc);
}
