/* vcache.h — verdicts remembered by chain, name, server, profile and time
 * window.
 *
 * A busy capture holds the same few chains thousands of times; judging one
 * means building the chain, running the checks and writing the reason, the
 * log line and the advice (snprintf of a few KiB). verdictcache_judge()
 * gives exactly what verdict_judge() gives, reusing an earlier verdict when
 * every input it depends on is the same:
 *   - the chain (SHA-256 of each certificate, wire order, gaps included),
 *   - the trust store (by pointer: it must not change while the cache is in
 *     use), the profile and chain_only,
 *   - the server address, whether the ClientHello was seen and the raw SNI
 *     bytes (the name checked, the log line),
 *   - the negotiated cipher suite (the ECDHE-ECDSA advice),
 *   - the judging time, as a window: the verdict is kept together with the
 *     interval [lo, hi) around the time it was made in which no notBefore
 *     or notAfter of the chain's or the store's certificates falls, so every
 *     time comparison the judge makes comes out the same inside it; a time
 *     outside the window judges afresh. Verdicts whose text carries the time
 *     itself (expired, not yet valid) get a one-second window.
 * What happens after the chain (alerts, whether the client went on) is not
 * part of the key: verdict_observe() is applied to every returned verdict.
 * Connections without a chain, or without a store, are not cached (there is
 * nothing expensive to save). An input verdict_judge() starts to depend on
 * must join the key: test_vcache compares both over many inputs.
 *
 * Ownership: entries hold no references. A reused verdict's path is pointed
 * at the caller's chain (same wire positions, same bytes) and the store's
 * certificates, so it is valid exactly as long as a fresh one would be;
 * certificates of earlier connections may be evicted meanwhile. Entries
 * beyond max_entries are dropped least recently used first.
 */
#ifndef TLSSCOPE_TRUST_VCACHE_H
#define TLSSCOPE_TRUST_VCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "verdict.h"

struct verdict_cache;

struct verdict_cache_stats {
    uint64_t hits;       /* verdicts reused */
    uint64_t misses;     /* judged afresh and remembered */
    uint64_t stale;      /* of the misses: key known, time outside its window */
    uint64_t uncached;   /* no chain or no store: judged, not remembered */
    uint64_t evictions;
};

/* NULL on allocation failure (callers then use verdict_judge directly). */
struct verdict_cache *verdictcache_new(size_t max_entries);

/* verdict_judge(in, out), remembered. vc may be NULL (plain verdict_judge). */
void verdictcache_judge(struct verdict_cache *vc, const struct judge_input *in,
                        struct verdict *out);

const struct verdict_cache_stats *verdictcache_stats(const struct verdict_cache *vc);
size_t verdictcache_count(const struct verdict_cache *vc);

void verdictcache_free(struct verdict_cache *vc);

#endif
