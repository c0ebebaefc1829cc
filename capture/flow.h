/* flow.h — TCP connections and per-direction stream reassembly.
 *
 * The flow table keys TCP segments by 5-tuple (both directions map to one
 * flow) and reassembles each direction by absolute stream offset, in the
 * manner of Suricata's streaming buffer: the offset of a segment is computed
 * from its sequence number with wraparound-safe arithmetic (RFC 9293 §3.4,
 * RFC 1982 serial numbers), out-of-order segments are held sorted until the
 * hole before them fills, and in-order bytes are handed to the sink at once
 * and not kept.
 *
 * Anomalies are not dropped silently; they become flow events the sink sees
 * (and the user, through the report): gaps, overlapping bytes that differ,
 * caps that bit, port reuse, a capture that starts mid-connection.
 *
 * Orientation: direction A is the side that sent the first SYN (without ACK);
 * with no SYN seen, the side of the first packet. `saw_syn` says which. The
 * layer above may decide the opposite from content (who sent the ClientHello).
 *
 * Limits (struct flow_limits) bound every table and buffer; when one bites, a
 * counter in struct flow_stats goes up and, where a flow is concerned, a
 * FLOW_EV_CAP event is raised on it.
 *
 * Details the layers above can rely on:
 *   - A flow is opened by a SYN or by a segment with payload; a pure ACK,
 *     FIN or RST for an unknown 5-tuple opens nothing. After a FIN or RST
 *     close, segments without SYN on that 5-tuple are ignored for
 *     syn_timeout_ns (late retransmissions, data in flight behind a RST).
 *   - A hole the peer has acknowledged becomes a gap when the next packet of
 *     the flow has not filled it (one packet of grace for captures that show
 *     an ACK just before its data). A FIN alone does not give a hole up; the
 *     ACK of the FIN, a RST, a cap, a timeout or the end of input do.
 *   - FLOW_EV_CAP: on an out-of-order cap, offset = the segment's offset and
 *     length = bytes dropped (0 when giving up the oldest hole made room);
 *     on eviction, offset = length = 0, followed by close(EVICTED).
 *   - flow_close.bytes/packets count every segment seen in that direction,
 *     retransmissions included (like a packet count, not a stream length).
 *   - flowtab_flush closes flows in the order they were opened.
 *
 * Ownership: the flow table owns all reassembly buffers. The sink owns its
 * per-flow `app` pointer (returned from open, handed back to close — close is
 * always called exactly once per opened flow, including by flowtab_flush and
 * flowtab_free).
 */
#ifndef TLSSCOPE_CAPTURE_FLOW_H
#define TLSSCOPE_CAPTURE_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "packet.h"

enum flow_dir { FLOW_DIR_A = 0, FLOW_DIR_B = 1 };

struct flow_meta {
    uint64_t id;             /* unique per connection in this run, from 1 */
    uint8_t family;          /* 4 or 6 */
    uint8_t addr[2][16];     /* [FLOW_DIR_A], [FLOW_DIR_B] */
    uint16_t port[2];
    bool saw_syn;            /* orientation known from the handshake */
    int64_t first_ts_ns;
};

enum flow_event_kind {
    FLOW_EV_GAP = 1,         /* bytes missing from the capture: [offset, offset+length) */
    FLOW_EV_OVERLAP_DIFF,    /* retransmitted bytes differ from those already delivered */
    FLOW_EV_CAP,             /* a cap bit: out-of-order data dropped or a hole given up early */
    FLOW_EV_MIDSTREAM,       /* no SYN seen: the capture starts mid-connection */
    FLOW_EV_PORT_REUSE,      /* a new SYN closed the previous connection on this 5-tuple */
    FLOW_EV_DATA_BEFORE_BASE,/* a segment before the first byte we based the stream on */
};

struct flow_event {
    enum flow_event_kind kind;
    enum flow_dir dir;
    uint64_t offset;         /* stream offset where it happened */
    uint64_t length;         /* bytes concerned (0 if not applicable) */
    int64_t ts_ns;
};

enum flow_close_reason {
    FLOW_CLOSE_FIN = 1,      /* both sides sent FIN (or one FIN and the flow went idle) */
    FLOW_CLOSE_RST,
    FLOW_CLOSE_TIMEOUT,      /* idle longer than flow_limits.idle_timeout_ns */
    FLOW_CLOSE_EVICTED,      /* flow table full; oldest idle flow made room */
    FLOW_CLOSE_END,          /* end of input */
    FLOW_CLOSE_REUSE,        /* port reuse: a new connection took the 5-tuple */
};

struct flow_close {
    enum flow_close_reason reason;
    uint64_t bytes[2];       /* TCP payload bytes seen per direction (delivered or counted) */
    uint64_t packets[2];
    int64_t last_ts_ns;
};

/* What the sink's data callback tells the flow table. */
#define FLOW_CONTINUE 0      /* keep reassembling and delivering this direction */
#define FLOW_COUNT_ONLY 1    /* stop buffering/delivering this direction; only count */

struct flow_sink {
    void *ctx;
    /* A new connection. Returns the sink's per-flow state (may be NULL). */
    void *(*open)(void *ctx, const struct flow_meta *meta);
    /* In-order bytes of direction `dir` starting at stream offset `offset`. */
    int (*data)(void *ctx, void *app, enum flow_dir dir, uint64_t offset, const uint8_t *p,
                uint32_t n, int64_t ts_ns);
    /* An anomaly on this flow (gaps are reported here too, before the data
     * after the gap is delivered). */
    void (*event)(void *ctx, void *app, const struct flow_event *ev);
    /* FIN/RST seen in `dir` (informational; data may still follow in the other). */
    void (*fin)(void *ctx, void *app, enum flow_dir dir, bool rst, int64_t ts_ns);
    /* The flow is gone; `app` must not be used afterwards by the table. */
    void (*close)(void *ctx, void *app, const struct flow_close *info);
};

struct flow_limits {
    uint32_t max_flows;          /* live flows in the table (default 200000) */
    uint32_t max_data_flows;     /* of which have carried payload (default 8192): those
                                    are the expensive ones (reassembly, the layers'
                                    per-connection state); beyond it the least recently
                                    active one is evicted. 0 = max_flows */
    uint32_t max_ooo_bytes;      /* out-of-order bytes held per direction (default 1 MiB) */
    uint32_t max_ooo_segments;   /* out-of-order segments held per direction (default 1024) */
    uint64_t max_total_ooo_bytes;/* across all flows (default 64 MiB) */
    uint32_t max_total_ooo_segments; /* held pieces across all flows (default 65536):
                                    bounds the per-piece overhead that the byte caps do
                                    not see (1-byte pieces, snaplen gap markers). 0 =
                                    default */
    int64_t idle_timeout_ns;     /* close flows idle this long, capture time (default 3600 s) */
    int64_t syn_timeout_ns;      /* half-open flows with no data (default 60 s) */
};

struct flow_stats {
    uint64_t flows_opened;
    uint64_t flows_evicted;      /* max_flows or max_data_flows bit */
    uint64_t data_flows_evicted; /* of which max_data_flows */
    uint64_t flows_timed_out;
    uint64_t ooo_bytes_dropped;  /* an out-of-order cap bit */
    uint64_t gaps;               /* number of gap events */
    uint64_t gap_bytes;
    uint64_t overlaps_differing;
    uint64_t port_reuse;
    uint64_t peak_flows;
    uint64_t peak_ooo_bytes;
};

struct flow_table;

void flow_limits_default(struct flow_limits *lim);

/* Returns NULL only on allocation failure. The sink is copied. */
struct flow_table *flowtab_new(const struct flow_limits *lim, const struct flow_sink *sink);

/* Feed one decoded TCP segment (pkt_decode returned PKT_TCP). */
void flowtab_segment(struct flow_table *ft, const struct pkt_info *seg, int64_t ts_ns);

/* Close flows idle since before now - timeout (capture time). Cheap; call
 * every packet or every so often. */
void flowtab_expire(struct flow_table *ft, int64_t now_ns);

/* End of input: deliver what can be delivered (holes become gaps) and close
 * every flow with FLOW_CLOSE_END. The table stays usable. */
void flowtab_flush(struct flow_table *ft);

const struct flow_stats *flowtab_stats(const struct flow_table *ft);

/* Frees everything; calls close (FLOW_CLOSE_END) for flows still open. */
void flowtab_free(struct flow_table *ft);

#endif
