/* udpflow.h — UDP "connections": a bounded table of associations keyed by
 * 5-tuple (both directions map to one), handing whole datagrams to a sink.
 *
 * UDP has no handshake and no close, so an association is what a sink asked
 * for: a datagram on an unknown 5-tuple is first shown to the sink's `want`
 * test, and only if the sink wants it (for tlsscope: it looks like DTLS) is an
 * association created. Everything else — DNS, QUIC, RTP, a flood of random
 * datagrams — is counted in udp_stats.ignored and costs one hash lookup and
 * the test, no memory. An association ends when it has been idle for
 * udp_limits.idle_timeout_ns (capture time), when the table is full and it is
 * the least recently active one (evicted to make room), or at the end of
 * input.
 *
 * Datagrams, not a byte stream: DTLS records never span datagrams (RFC 6347
 * §4.1.1), so the boundaries are delivered as they are. A datagram cut by
 * snaplen is delivered with caplen < len.
 *
 * Orientation: direction A is the sender of the datagram that created the
 * association; the layer above may decide the roles from content.
 *
 * Shares struct flow_meta, enum flow_dir and struct flow_close with flow.h
 * (close reasons: FLOW_CLOSE_TIMEOUT, FLOW_CLOSE_EVICTED, FLOW_CLOSE_END; ids
 * count from 1 per table, independently of the TCP table's).
 *
 * Ownership: the table owns its associations; the sink owns its per-association
 * `app` pointer, handed back to close exactly once per opened association
 * (including by udptab_flush and udptab_free). Callbacks must not call back
 * into the table.
 */
#ifndef TLSSCOPE_CAPTURE_UDPFLOW_H
#define TLSSCOPE_CAPTURE_UDPFLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "flow.h"
#include "packet.h"

/* What the sink's datagram callback tells the table. */
#define UDP_CONTINUE 0       /* keep delivering datagrams of this association */
#define UDP_COUNT_ONLY 1     /* stop delivering; only count (the association stays, so
                              * its later datagrams do not create a new one) */

struct udp_sink {
    void *ctx;
    /* Should this datagram, on a 5-tuple without an association, create one?
     * (NULL: every datagram does.) */
    bool (*want)(void *ctx, const struct pkt_info *dg);
    /* A new association. Returns the sink's per-association state (may be NULL). */
    void *(*open)(void *ctx, const struct flow_meta *meta);
    /* One datagram: `caplen` bytes present of `len` on the wire. Returns
     * UDP_CONTINUE or UDP_COUNT_ONLY. */
    int (*datagram)(void *ctx, void *app, enum flow_dir dir, const uint8_t *p, uint32_t caplen,
                    uint32_t len, int64_t ts_ns);
    /* The association is gone. */
    void (*close)(void *ctx, void *app, const struct flow_close *info);
};

struct udp_limits {
    uint32_t max_assocs;         /* live associations (default 16384: each DTLS one holds
                                  * ~15 KB of handshake state, so ~250 MB at most) */
    int64_t idle_timeout_ns;     /* close associations idle this long (default 300 s) */
};

struct udp_stats {
    uint64_t datagrams;          /* all datagrams seen */
    uint64_t ignored;            /* no association and not wanted: dropped */
    uint64_t assocs_opened;
    uint64_t assocs_evicted;     /* max_assocs bit */
    uint64_t assocs_timed_out;
    uint64_t count_only;         /* datagrams of associations the sink stopped reading */
    uint64_t peak_assocs;
};

struct udp_table;

void udp_limits_default(struct udp_limits *lim);

/* Returns NULL only on allocation failure. The sink is copied. */
struct udp_table *udptab_new(const struct udp_limits *lim, const struct udp_sink *sink);

/* Feed one decoded UDP datagram (pkt_decode returned PKT_UDP). */
void udptab_datagram(struct udp_table *t, const struct pkt_info *dg, int64_t ts_ns);

/* Close associations idle since before now - idle_timeout (capture time). */
void udptab_expire(struct udp_table *t, int64_t now_ns);

/* End of input: close every association (FLOW_CLOSE_END) in the order they
 * were opened. The table stays usable. */
void udptab_flush(struct udp_table *t);

const struct udp_stats *udptab_stats(const struct udp_table *t);
uint32_t udptab_count(const struct udp_table *t);

/* Frees everything; calls close (FLOW_CLOSE_END) for associations still open. */
void udptab_free(struct udp_table *t);

#endif
