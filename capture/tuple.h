/* tuple.h — the 5-tuple key and the hash table both connection tables use
 * (TCP flows in flow.c, UDP associations in udpflow.c).
 *
 * A key is canonical: the endpoint that sorts lower comes first, so both
 * directions of a conversation produce the same key. The table is chained
 * with power-of-two buckets that double while entries outnumber them (up to
 * what the caller's entry cap needs), hashed with SipHash-1-3 under a random
 * per-table key so that a crafted capture cannot aim at one bucket.
 *
 * The table is intrusive: an entry embeds a `struct tuple_node` and the
 * caller owns the entry; the table owns only its bucket array.
 */
#ifndef TLSSCOPE_CAPTURE_TUPLE_H
#define TLSSCOPE_CAPTURE_TUPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet.h"

struct tuple_key {
    uint8_t family;          /* 4 or 6 */
    uint8_t addr[2][16];     /* lower endpoint first */
    uint16_t port[2];
};

struct tuple_node {
    struct tuple_node *next; /* bucket chain */
    uint64_t hash;
    struct tuple_key key;
};

struct tuple_table {
    struct tuple_node **buckets;
    uint32_t nbuckets;       /* power of two */
    uint32_t max_buckets;
    uint32_t count;          /* entries linked */
    uint64_t hkey[2];        /* SipHash key */
};

/* The canonical key of a decoded packet. */
void tuple_key_make(struct tuple_key *k, const struct pkt_info *s);
bool tuple_key_eq(const struct tuple_key *a, const struct tuple_key *b);

/* 0, or -1 when the bucket array cannot be allocated. `max_entries` sizes
 * how far the bucket array may grow. */
int tuple_table_init(struct tuple_table *t, uint32_t max_entries);
void tuple_table_free(struct tuple_table *t);   /* the buckets, not the entries */

uint64_t tuple_hash(const struct tuple_table *t, const struct tuple_key *k);
/* SipHash-1-3 of arbitrary bytes under the table's key (tombstones, ...). */
uint64_t tuple_siphash(const uint64_t key[2], const uint8_t *in, size_t len);

struct tuple_node *tuple_find(const struct tuple_table *t, const struct tuple_key *k, uint64_t h);
/* Link n (n->hash and n->key set by the caller); may grow the buckets. */
void tuple_insert(struct tuple_table *t, struct tuple_node *n);
void tuple_remove(struct tuple_table *t, struct tuple_node *n);

#endif
