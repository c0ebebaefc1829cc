/* flow.c — TCP flow table and per-direction reassembly.
 *
 * Layout
 *   - A hash table (chained, power-of-two buckets, SipHash-1-3 keyed at
 *     random per table so a hostile capture cannot aim every flow at one
 *     bucket) maps the canonical 5-tuple to a flow.
 *   - Every flow sits on one of two LRU lists ordered by last activity: flows
 *     that have carried no payload yet (governed by syn_timeout) and flows
 *     that have (idle_timeout). Expiry pops from the old end of each list, so
 *     it is O(1) per expired flow and O(1) when nothing expires; eviction
 *     takes the older of the two heads. A third list keeps creation order so
 *     that flush closes flows in the order they appeared (stable output,
 *     independent of the hash key).
 *   - Each direction tracks `next_off`, the absolute 64-bit stream offset of
 *     the next byte to deliver, and `next_seq`, the 32-bit sequence number
 *     that corresponds to it. A segment's offset is next_off plus the signed
 *     32-bit distance from next_seq (RFC 1982 §3.2 serial arithmetic, as
 *     RFC 9293 §3.4 prescribes for sequence comparisons), so sequence
 *     wraparound at 2^32 is invisible and offsets keep growing.
 *   - Out-of-order bytes are held as disjoint pieces sorted by offset
 *     (invariant: every held piece starts after next_off). A piece may be a
 *     "gap marker" — bytes known to be missing because snaplen cut the
 *     segment — which turns into a FLOW_EV_GAP when delivery reaches it.
 *
 * Holes become gaps (FLOW_EV_GAP, then delivery continues after them) when:
 *   - the peer acknowledged beyond the hole: the bytes were on the wire but
 *     not in the capture. The gap is declared while processing the *next*
 *     packet of the flow if the hole is still open then (FLOW_ACK_GAP_GRACE):
 *     captures taken with `-i any`, or merged from two capture points, can
 *     show an ACK one packet before the data it acknowledges.
 *   - a segment was cut by snaplen (the missing tail, as soon as reached);
 *   - an out-of-order cap bites (the first hole is given up);
 *   - the flow closes for any reason (RST, timeout, eviction, port reuse,
 *     end of input).
 * A FIN alone does not declare a hole: a segment lost on the wire is often
 *   retransmitted after the FIN; the peer's ACK of the FIN proves the loss.
 *
 * Late segments: a flow is freed as soon as it closes, but retransmissions of
 * its last bytes (a FIN the peer did not see acknowledged) and data that was
 * in flight when a RST went the other way keep arriving. So that they do not
 * open a phantom mid-stream connection, a FIN- or RST-closed flow leaves a
 * small "tombstone" (5-tuple and ISNs) in a fixed direct-mapped cache for
 * syn_timeout_ns (what Zeek and Suricata get by keeping a closed flow around
 * until it times out). Segments without SYN on a tombstoned tuple are
 * ignored; a SYN starts a new connection (with a new ISN it counts as port
 * reuse). A connection that survives a spurious RST is therefore seen again
 * only after syn_timeout_ns, as a mid-stream flow. A tombstone can be
 * overwritten early by another closed flow hashing to the same slot.
 *
 * Delivered bytes are not kept (that is the point of streaming). To still
 * notice a retransmission that carries different bytes than the copy already
 * delivered (the handshake is what we parse, and a tampered or corrupted copy
 * there matters), each direction keeps the last FLOW_HIST_BYTES it delivered
 * in a ring, but only within its first FLOW_HIST_TRACK_BYTES (the handshake)
 * and only while the table-wide budget FLOW_HIST_BUDGET lasts: rings are
 * allocated on first delivery and freed once the stream is past the tracked
 * prefix or closes. A retransmission overlapping bytes in the ring is
 * compared byte for byte; older bytes cannot be. Against data still held out
 * of order the comparison is always byte for byte. The first copy of any
 * byte wins.
 *
 * Callbacks into the sink must not call back into the table.
 */
#include "capture/flow.h"
#include "common/recycle.h"
#include "capture/tuple.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Packets of the flow to wait after an ACK beyond a hole before declaring it
 * (see above). */
#define FLOW_ACK_GAP_GRACE 1

#define FLOW_HIST_BYTES 4096u                  /* delivered bytes remembered per direction */
#define FLOW_HIST_TRACK_BYTES 65536u           /* only the start of a stream (the handshake) */
#define FLOW_HIST_BUDGET (16u * 1024u * 1024u) /* all rings of a table together */
#define FLOW_TOMB_SLOTS 4096u /* power of two; ~100 bytes each */
/* Capture time a connection stays open after a RST, for the other side's
 * segments that were already in flight (a server's certificate flight sent
 * before the client's RST reached it is in the capture after the RST). */
#define FLOW_RST_LINGER_NS (2ll * 1000000000ll)

/* ---------------------------------------------------------------- hashing */

/* ------------------------------------------------------------------ types */

/* A held out-of-order piece; owned by its fdir, freed when delivered. */
struct seg {
    struct seg *next;
    uint64_t off;
    uint32_t len;
    bool gap;          /* known-missing bytes (snaplen), no data */
    uint8_t data[];
};

/* The last delivered bytes of a direction (see the top comment): the byte at
 * stream offset x is ring[x % FLOW_HIST_BYTES] while valid_from <= x <
 * next_off and next_off - x <= FLOW_HIST_BYTES. */
struct fhist {
    uint64_t valid_from;      /* bytes before this are unknown (a gap) */
    uint8_t ring[FLOW_HIST_BYTES];
};

/* One direction of a connection. */
struct fdir {
    bool base_set;     /* next_seq/next_off are meaningful */
    bool syn_based;    /* base came from a SYN (else midstream) */
    bool isn_known;
    bool fin_seen;
    bool count_only;   /* the sink said FLOW_COUNT_ONLY */
    bool acked_valid;
    bool synack_ok;    /* the SYN-ACK this side's base came from acknowledged the SYN */
    bool has_alt;      /* another SYN-ACK (ISN alt_isn) also acknowledged it */
    uint32_t alt_isn;
    uint8_t ack_wait;  /* packets seen since an ACK proved a hole */
    uint32_t isn;
    uint32_t next_seq;
    uint64_t next_off;
    uint64_t fin_off;
    uint64_t acked_off;/* highest offset the peer acknowledged */
    struct fhist *hist;      /* owned; NULL before the first byte and after the tracked prefix */
    bool hist_done;          /* past FLOW_HIST_TRACK_BYTES (or out of memory): no history */
    struct seg *ooo, *ooo_tail;
    uint32_t ooo_bytes;
    uint32_t ooo_segs;
    uint64_t bytes, packets;
};

/* A connection; owned by the table, freed right after the sink's close. */
struct flow {
    struct tuple_node node;  /* first: the flow table's hash entry (key, hash) */
    struct flow *lru_prev, *lru_next;
    struct flow *all_prev, *all_next;
    bool on_data_list;  /* has carried payload: idle_timeout applies */
    struct flow_meta meta;
    void *app;
    struct fdir d[2];
    int64_t last_ts;
    /* RST seen: closes FLOW_RST_LINGER_NS later (flowtab_expire), or as
     * soon as the other side is done; on the table's reset list meanwhile */
    bool reset;
    uint8_t reset_dir;
    int64_t reset_ts;
    struct flow *reset_prev, *reset_next;
};

/* What a FIN/RST-closed flow leaves behind; indexed by key side (0: the
 * endpoint that sorts first in the key). */
struct flow_tomb {
    bool used;
    uint64_t hash;
    struct tuple_key key;
    bool isn_known[2];
    uint32_t isn[2];
    int64_t ts;
};

struct flow_list {
    struct flow *head, *tail; /* head = least recently active / oldest */
};

struct flow_table {
    struct flow_limits lim;
    struct flow_sink sink;
    struct flow_stats stats;
    struct tuple_table hash;  /* flows by 5-tuple */
    struct flow *last;        /* the flow of the previous segment, or NULL: most
                                 segments follow one of their own connection's
                                 (82% on the hs bench), found without hashing */
    uint32_t nflows;
    uint32_t ndata;           /* flows on data_lru */
    uint64_t next_id;
    uint64_t ooo_total;
    uint32_t ooo_segs_total;  /* held pieces of all flows */
    uint64_t hist_total;      /* bytes in retransmission-check rings */
    struct flow_list syn_lru, data_lru;
    struct flow *all_head, *all_tail;
    struct flow *reset_head, *reset_tail; /* reset flows, oldest RST first */
    struct flow_tomb *tombs;  /* FLOW_TOMB_SLOTS entries */
};

/* --------------------------------------------------------------- defaults */

void flow_limits_default(struct flow_limits *lim)
{
    lim->max_flows = 200000;
    lim->max_data_flows = 8192;
    lim->max_ooo_bytes = 1024 * 1024;
    lim->max_ooo_segments = 1024;
    lim->max_total_ooo_bytes = 64ull * 1024 * 1024;
    lim->max_total_ooo_segments = 65536;
    lim->idle_timeout_ns = 3600ll * 1000000000ll;
    lim->syn_timeout_ns = 60ll * 1000000000ll;
}

/* ------------------------------------------------------------ lists, hash */

static void list_unlink(struct flow_list *l, struct flow *f)
{
    if (f->lru_prev) f->lru_prev->lru_next = f->lru_next;
    else l->head = f->lru_next;
    if (f->lru_next) f->lru_next->lru_prev = f->lru_prev;
    else l->tail = f->lru_prev;
    f->lru_prev = f->lru_next = NULL;
}

static void list_append(struct flow_list *l, struct flow *f)
{
    f->lru_next = NULL;
    f->lru_prev = l->tail;
    if (l->tail) l->tail->lru_next = f;
    else l->head = f;
    l->tail = f;
}

static struct flow_list *flow_lru(struct flow_table *ft, struct flow *f)
{
    return f->on_data_list ? &ft->data_lru : &ft->syn_lru;
}

static struct flow *flow_of(struct tuple_node *n) { return (struct flow *)n; } /* node is first */

/* ------------------------------------------------------------- sink calls */

static void emit_event(struct flow_table *ft, struct flow *f, enum flow_event_kind kind,
                       int dir, uint64_t off, uint64_t len, int64_t ts)
{
    struct flow_event ev;
    switch (kind) {
    case FLOW_EV_GAP:
        ft->stats.gaps++;
        ft->stats.gap_bytes += len;
        break;
    case FLOW_EV_OVERLAP_DIFF:
        ft->stats.overlaps_differing++;
        break;
    default:
        break;
    }
    if (!ft->sink.event) return;
    ev.kind = kind;
    ev.dir = (enum flow_dir)dir;
    ev.offset = off;
    ev.length = len;
    ev.ts_ns = ts;
    ft->sink.event(ft->sink.ctx, f->app, &ev);
}

/* ------------------------------------------------------ held-data helpers */

static void seg_free(struct flow_table *ft, struct fdir *d, struct seg *s)
{
    if (!s->gap) {
        d->ooo_bytes -= s->len;
        ft->ooo_total -= s->len;
    }
    d->ooo_segs--;
    ft->ooo_segs_total--;
    free(s);
}

static void dir_free_held(struct flow_table *ft, struct fdir *d)
{
    struct seg *s = d->ooo, *next;
    for (; s; s = next) {
        next = s->next;
        seg_free(ft, d, s);
    }
    d->ooo = d->ooo_tail = NULL;
}

/* struct fhist blocks (common/recycle.h) */
static struct recycle hist_blocks = RECYCLE_INIT(sizeof(struct fhist));

static void hist_free(struct flow_table *ft, struct fdir *d)
{
    if (!d->hist) return;
    recycle_free(&hist_blocks, d->hist);
    d->hist = NULL;
    ft->hist_total -= sizeof(struct fhist);
}

/* Remember n delivered bytes at next_off (p == NULL: n bytes of a gap). */
static void hist_record(struct flow_table *ft, struct fdir *d, const uint8_t *p, uint64_t n)
{
    if (d->hist_done) return;
    if (d->next_off + n > FLOW_HIST_TRACK_BYTES) {
        hist_free(ft, d);
        d->hist_done = true;
        return;
    }
    if (!d->hist) {
        if (ft->hist_total + sizeof(struct fhist) > FLOW_HIST_BUDGET ||
            !(d->hist = recycle_malloc(&hist_blocks))) {
            d->hist_done = true;
            return;
        }
        ft->hist_total += sizeof(struct fhist);
        d->hist->valid_from = d->next_off;
    }
    struct fhist *h = d->hist;
    if (!p) {
        h->valid_from = d->next_off + n;
        return;
    }
    uint64_t x = d->next_off;
    if (n > FLOW_HIST_BYTES) { /* only the tail stays */
        p += n - FLOW_HIST_BYTES;
        x += n - FLOW_HIST_BYTES;
        n = FLOW_HIST_BYTES;
    }
    while (n > 0) {
        uint32_t at = (uint32_t)(x % FLOW_HIST_BYTES);
        uint32_t take = FLOW_HIST_BYTES - at;
        if (take > n) take = (uint32_t)n;
        memcpy(h->ring + at, p, take);
        p += take;
        x += take;
        n -= take;
    }
}

/* Retransmitted bytes p for stream offsets [o, o+n), all before next_off:
 * true if one that is still remembered differs; *at = its offset. */
static bool hist_differs(const struct fdir *d, uint64_t o, const uint8_t *p, uint64_t n,
                         uint64_t *at)
{
    const struct fhist *h = d->hist;
    if (!h) return false;
    uint64_t lo = h->valid_from;
    if (d->next_off > FLOW_HIST_BYTES && d->next_off - FLOW_HIST_BYTES > lo)
        lo = d->next_off - FLOW_HIST_BYTES;
    for (uint64_t x = o > lo ? o : lo; x < o + n && x < d->next_off; x++) {
        if (p[x - o] != h->ring[x % FLOW_HIST_BYTES]) {
            *at = x;
            return true;
        }
    }
    return false;
}

static void dir_advance(struct fdir *d, uint64_t n)
{
    d->next_off += n;
    d->next_seq += (uint32_t)n; /* mod 2^32 by design */
}

/* Hand n in-order bytes at next_off to the sink. */
static void deliver(struct flow_table *ft, struct flow *f, int dir, const uint8_t *p,
                    uint32_t n, int64_t ts)
{
    struct fdir *d = &f->d[dir];
    uint64_t off = d->next_off;
    if (n == 0 || d->count_only) return;
    hist_record(ft, d, p, n);
    dir_advance(d, n);
    if (!ft->sink.data) return;
    if (ft->sink.data(ft->sink.ctx, f->app, (enum flow_dir)dir, off, p, n, ts) ==
        FLOW_COUNT_ONLY) {
        d->count_only = true;
        dir_free_held(ft, d);
        hist_free(ft, d);
        d->hist_done = true;
    }
}

static void declare_gap(struct flow_table *ft, struct flow *f, int dir, uint64_t n, int64_t ts)
{
    struct fdir *d = &f->d[dir];
    if (n == 0 || d->count_only) return;
    emit_event(ft, f, FLOW_EV_GAP, dir, d->next_off, n, ts);
    hist_record(ft, d, NULL, n);
    dir_advance(d, n);
}

/* Deliver the first held piece (it starts at or before next_off) and drop
 * it. The part before next_off, if any, was already delivered. */
static void deliver_head(struct flow_table *ft, struct flow *f, int dir, int64_t ts)
{
    struct fdir *d = &f->d[dir];
    struct seg *s = d->ooo;
    d->ooo = s->next;
    if (!d->ooo) d->ooo_tail = NULL;
    uint64_t end = s->off + s->len;
    if (end > d->next_off) {
        uint64_t skip = d->next_off - s->off;
        if (s->gap) declare_gap(ft, f, dir, end - d->next_off, ts);
        else deliver(ft, f, dir, s->data + skip, (uint32_t)(end - d->next_off), ts);
    }
    /* deliver() may have switched to count-only and freed the list already;
     * s was unlinked first, so it is ours to free (and still counted). */
    seg_free(ft, d, s);
}

static void drain_contiguous(struct flow_table *ft, struct flow *f, int dir, int64_t ts)
{
    struct fdir *d = &f->d[dir];
    while (!d->count_only && d->ooo && d->ooo->off <= d->next_off) deliver_head(ft, f, dir, ts);
}

/* Give up every hole before `limit`: a gap for each, delivering held data in
 * between (and held data that becomes contiguous at the end). */
static void declare_until(struct flow_table *ft, struct flow *f, int dir, uint64_t limit,
                          int64_t ts)
{
    struct fdir *d = &f->d[dir];
    for (;;) {
        drain_contiguous(ft, f, dir, ts); /* afterwards held data starts past next_off */
        if (d->count_only || d->next_off >= limit) return;
        uint64_t hole_end = limit;
        if (d->ooo && d->ooo->off < hole_end) hole_end = d->ooo->off;
        declare_gap(ft, f, dir, hole_end - d->next_off, ts);
    }
}

/* The end of the stream as far as the capture proves it: held data, or the
 * peer's ACK. An ACK exactly one past everything we saw with no FIN seen is
 * most likely the ACK of a FIN the capture missed, not a lost data byte. */
static uint64_t dir_proven_end(const struct fdir *d)
{
    uint64_t end = d->next_off;
    if (d->ooo_tail && d->ooo_tail->off + d->ooo_tail->len > end)
        end = d->ooo_tail->off + d->ooo_tail->len;
    if (d->acked_valid && d->acked_off > end) {
        bool maybe_fin = !d->fin_seen && d->acked_off == end + 1;
        if (!maybe_fin) end = d->acked_off;
    }
    return end;
}

/* Insert the parts of [o, o+n) not already held (first data wins), comparing
 * overlapping bytes. Returns false, inserting nothing, if the caps forbid. */
static bool hold_piece(struct flow_table *ft, struct flow *f, int dir, uint64_t o,
                       const uint8_t *p, uint32_t n, bool gap, bool compare, int64_t ts)
{
    struct fdir *d = &f->d[dir];
    const uint64_t end = o + n;
    uint64_t cur = o, bytes = 0;
    uint32_t pieces = 0;

    /* Pass 1: what is new, and does any overlap differ? Appending past the
     * last held piece (the common case) skips the walk. */
    if (!d->ooo_tail || o >= d->ooo_tail->off + d->ooo_tail->len) {
        pieces = 1;
        bytes = n;
    } else {
        for (struct seg *h = d->ooo; h && h->off < end; h = h->next) {
            uint64_t hend = h->off + h->len;
            if (hend <= cur) continue;
            if (h->off > cur) {
                pieces++;
                bytes += h->off - cur;
            }
            uint64_t ob = h->off > o ? h->off : o, oe = hend < end ? hend : end;
            if (compare && !gap && !h->gap && oe > ob &&
                memcmp(p + (ob - o), h->data + (ob - h->off), (size_t)(oe - ob)) != 0)
                emit_event(ft, f, FLOW_EV_OVERLAP_DIFF, dir, ob, oe - ob, ts);
            cur = hend > cur ? hend : cur;
        }
        if (cur < end) {
            pieces++;
            bytes += end - cur;
        }
    }
    if (pieces == 0) return true; /* all of it already held */

    uint64_t data_bytes = gap ? 0 : bytes;
    if (d->ooo_segs + (uint64_t)pieces > ft->lim.max_ooo_segments ||
        ft->ooo_segs_total + (uint64_t)pieces > ft->lim.max_total_ooo_segments ||
        d->ooo_bytes + data_bytes > ft->lim.max_ooo_bytes ||
        ft->ooo_total + data_bytes > ft->lim.max_total_ooo_bytes)
        return false;

    /* Pass 2: link the new pieces in. */
    struct seg **pp = &d->ooo;
    cur = o;
    while (cur < end) {
        while (*pp && (*pp)->off + (*pp)->len <= cur) pp = &(*pp)->next;
        uint64_t pe = end;
        if (*pp) {
            if ((*pp)->off <= cur) { /* covered: skip past this held piece */
                cur = (*pp)->off + (*pp)->len;
                continue;
            }
            if ((*pp)->off < pe) pe = (*pp)->off;
        }
        uint32_t len = (uint32_t)(pe - cur);
        struct seg *s = malloc(sizeof(*s) + (gap ? 0 : len));
        if (!s) return true; /* out of memory: the bytes become a hole */
        s->off = cur;
        s->len = len;
        s->gap = gap;
        if (!gap) memcpy(s->data, p + (cur - o), len);
        s->next = *pp;
        *pp = s;
        if (!s->next) d->ooo_tail = s;
        d->ooo_segs++;
        ft->ooo_segs_total++;
        if (!gap) {
            d->ooo_bytes += len;
            ft->ooo_total += len;
            if (ft->ooo_total > ft->stats.peak_ooo_bytes) ft->stats.peak_ooo_bytes = ft->ooo_total;
        }
        pp = &s->next;
        cur = pe;
    }
    return true;
}

/* In-order bytes [next_off, next_off+n): deliver them, but where held data
 * already covers a range, the held data wins (it came first) and the new
 * bytes are only compared. */
static void deliver_piece(struct flow_table *ft, struct flow *f, int dir, const uint8_t *p,
                          uint32_t n, bool gap, bool compare, int64_t ts)
{
    struct fdir *d = &f->d[dir];
    uint64_t o = d->next_off;
    while (n > 0 && !d->count_only) {
        struct seg *h = d->ooo;
        if (!h || h->off >= o + n) {
            if (gap) declare_gap(ft, f, dir, n, ts);
            else deliver(ft, f, dir, p, n, ts);
            return;
        }
        uint32_t pre = (uint32_t)(h->off - o); /* h->off > next_off == o */
        if (pre) {
            if (gap) declare_gap(ft, f, dir, pre, ts);
            else deliver(ft, f, dir, p, pre, ts);
            if (d->count_only) return;
        }
        o += pre;
        n -= pre;
        if (!gap) p += pre;
        uint32_t ov = n < h->len ? n : h->len;
        if (compare && !gap && !h->gap && memcmp(p, h->data, ov) != 0)
            emit_event(ft, f, FLOW_EV_OVERLAP_DIFF, dir, o, ov, ts);
        deliver_head(ft, f, dir, ts);
        if (d->next_off >= o + n) return;
        uint32_t adv = (uint32_t)(d->next_off - o);
        o += adv;
        n -= adv;
        if (!gap) p += adv;
    }
}

/* Drop the part of [*o, *o+*n) before next_off (delivered or given up).
 * Returns false when nothing is left. */
static bool trim_to_next(const struct fdir *d, uint64_t *o, const uint8_t **p, uint32_t *n,
                         bool gap)
{
    if (*o >= d->next_off) return *n > 0;
    uint64_t skip = d->next_off - *o;
    if (skip >= *n) return false;
    *o += skip;
    *n -= (uint32_t)skip;
    if (!gap) *p += skip;
    return true;
}

/* Bytes [o, o+n) with o >= next_off: deliver if in order, else hold. When a
 * cap bites, the first hole is given up (declared a gap, the data after it
 * delivered) and the piece tried once more; if it still does not fit and
 * nothing else is held, the hole before it is given up too and it is
 * delivered; otherwise it is dropped. FLOW_EV_CAP carries the piece's offset
 * and the bytes dropped (0 when giving up holes made room). */
static void place_piece(struct flow_table *ft, struct flow *f, int dir, uint64_t o,
                        const uint8_t *p, uint32_t n, bool gap, int64_t ts)
{
    struct fdir *d = &f->d[dir];
    if (d->count_only || !trim_to_next(d, &o, &p, &n, gap)) return;
    if (o == d->next_off) {
        deliver_piece(ft, f, dir, p, n, gap, true, ts);
        drain_contiguous(ft, f, dir, ts);
        return;
    }
    if (hold_piece(ft, f, dir, o, p, n, gap, true, ts)) return;

    const uint64_t at = o;
    uint64_t dropped = 0;
    /* Give up the hole before the first held piece, or — if this piece
     * comes first — the hole before this piece. */
    declare_until(ft, f, dir, (d->ooo && d->ooo->off < o) ? d->ooo->off : o, ts);
    if (!d->count_only && trim_to_next(d, &o, &p, &n, gap)) {
        if (o == d->next_off) {
            deliver_piece(ft, f, dir, p, n, gap, false, ts);
            drain_contiguous(ft, f, dir, ts);
        } else if (!hold_piece(ft, f, dir, o, p, n, gap, false, ts)) {
            if (!d->ooo) {
                /* Nothing else is waiting, so no buffer is needed: give up
                 * the hole before the piece and deliver it from the packet. */
                declare_until(ft, f, dir, o, ts);
                deliver_piece(ft, f, dir, p, n, gap, false, ts);
                drain_contiguous(ft, f, dir, ts);
            } else if (!gap) {
                dropped = n;
                ft->stats.ooo_bytes_dropped += n;
            }
        }
    }
    emit_event(ft, f, FLOW_EV_CAP, dir, at, dropped, ts);
}

/* One segment's payload for direction `dir`, first byte at sequence number
 * `seq`. */
static void stream_data(struct flow_table *ft, struct flow *f, int dir, uint32_t seq,
                        const struct pkt_info *s, int64_t ts)
{
    struct fdir *d = &f->d[dir];
    const uint8_t *p = s->payload;
    uint32_t caplen = s->payload_caplen, len = s->payload_len;
    int64_t off = (int64_t)d->next_off + (int32_t)(seq - d->next_seq);

    if (caplen > len) caplen = len;
    if (off < 0) {
        /* Bytes before offset 0. With a SYN-based stream that is only a
         * keep-alive probe's garbage byte; midstream it is data sent before
         * the segment we based the stream on (reordering at capture start). */
        uint64_t before = (uint64_t)(-off);
        if (!d->syn_based)
            emit_event(ft, f, FLOW_EV_DATA_BEFORE_BASE, dir, 0, before < len ? before : len, ts);
        if (before >= len) return;
        p += before < caplen ? before : caplen;
        caplen = before < caplen ? caplen - (uint32_t)before : 0;
        len -= (uint32_t)before;
        off = 0;
    }
    uint64_t o = (uint64_t)off;
    /* An old (retransmitted) prefix was delivered or declared missing; it is
     * dropped after a comparison with what was delivered, where remembered. */
    if (o < d->next_off && d->hist) {
        uint64_t old = d->next_off - o, at;
        if (old > caplen) old = caplen;
        if (hist_differs(d, o, p, old, &at))
            emit_event(ft, f, FLOW_EV_OVERLAP_DIFF, dir, at, o + old - at, ts);
    }
    if (o + len <= d->next_off) return;
    if (o < d->next_off) {
        uint64_t skip = d->next_off - o;
        p += skip < caplen ? skip : caplen;
        caplen = skip < caplen ? caplen - (uint32_t)skip : 0;
        len -= (uint32_t)skip;
        o = d->next_off;
    }
    if (caplen > 0) place_piece(ft, f, dir, o, p, caplen, false, ts);
    if (len > caplen) place_piece(ft, f, dir, o + caplen, NULL, len - caplen, true, ts);
}

static void flow_unlink_free(struct flow_table *ft, struct flow *f)
{
    if (f->reset) {
        if (f->reset_prev) f->reset_prev->reset_next = f->reset_next;
        else ft->reset_head = f->reset_next;
        if (f->reset_next) f->reset_next->reset_prev = f->reset_prev;
        else ft->reset_tail = f->reset_prev;
    }
    tuple_remove(&ft->hash, &f->node);
    if (ft->last == f) ft->last = NULL;
    list_unlink(flow_lru(ft, f), f);
    if (f->all_prev) f->all_prev->all_next = f->all_next;
    else ft->all_head = f->all_next;
    if (f->all_next) f->all_next->all_prev = f->all_prev;
    else ft->all_tail = f->all_prev;
    dir_free_held(ft, &f->d[0]);
    dir_free_held(ft, &f->d[1]);
    hist_free(ft, &f->d[0]);
    hist_free(ft, &f->d[1]);
    if (f->on_data_list) ft->ndata--;
    ft->nflows--;
    free(f);
}

/* --------------------------------------------------------------- tombstones */

/* 0 if direction `dir` of the flow is the key's first endpoint, else 1. */
static int flow_key_side(const struct flow *f, int dir)
{
    return (f->meta.port[dir] == f->node.key.port[0] &&
            memcmp(f->meta.addr[dir], f->node.key.addr[0], 16) == 0)
               ? 0
               : 1;
}

static int seg_key_side(const struct tuple_key *k, const struct pkt_info *s)
{
    return (s->sport == k->port[0] && memcmp(s->src, k->addr[0], 16) == 0) ? 0 : 1;
}

static void tomb_bury(struct flow_table *ft, const struct flow *f, int64_t ts)
{
    if (!ft->tombs && !(ft->tombs = calloc(FLOW_TOMB_SLOTS, sizeof(*ft->tombs)))) return;
    struct flow_tomb *t = &ft->tombs[f->node.hash & (FLOW_TOMB_SLOTS - 1)];
    memset(t, 0, sizeof(*t));
    t->used = true;
    t->hash = f->node.hash;
    t->key = f->node.key;
    t->ts = ts;
    for (int dir = 0; dir < 2; dir++) {
        int side = flow_key_side(f, dir);
        t->isn_known[side] = f->d[dir].isn_known;
        t->isn[side] = f->d[dir].isn;
    }
}

static bool idle_longer(int64_t last, int64_t now, int64_t timeout);

static struct flow_tomb *tomb_find(struct flow_table *ft, const struct tuple_key *k, uint64_t h,
                                   int64_t ts)
{
    if (!ft->tombs) return NULL;
    struct flow_tomb *t = &ft->tombs[h & (FLOW_TOMB_SLOTS - 1)];
    if (!t->used || t->hash != h || !tuple_key_eq(&t->key, k)) return NULL;
    if (idle_longer(t->ts, ts, ft->lim.syn_timeout_ns)) {
        t->used = false;
        return NULL;
    }
    return t;
}

/* ------------------------------------------------------ create and close */

/* Deliver what can be delivered (every hole up to the proven end becomes a
 * gap), tell the sink, free the flow. */
static void flow_close(struct flow_table *ft, struct flow *f, enum flow_close_reason reason,
                       int64_t ts)
{
    for (int dir = 0; dir < 2; dir++) {
        struct fdir *d = &f->d[dir];
        if (d->base_set && !d->count_only) declare_until(ft, f, dir, dir_proven_end(d), ts);
    }
    if (ft->sink.close) {
        struct flow_close info;
        memset(&info, 0, sizeof(info));
        info.reason = reason;
        for (int dir = 0; dir < 2; dir++) {
            info.bytes[dir] = f->d[dir].bytes;
            info.packets[dir] = f->d[dir].packets;
        }
        info.last_ts_ns = f->last_ts;
        ft->sink.close(ft->sink.ctx, f->app, &info);
    }
    if (reason == FLOW_CLOSE_FIN || reason == FLOW_CLOSE_RST) tomb_bury(ft, f, f->last_ts);
    flow_unlink_free(ft, f);
}

static void flow_evict(struct flow_table *ft, struct flow *old, int64_t ts)
{
    ft->stats.flows_evicted++;
    emit_event(ft, old, FLOW_EV_CAP, FLOW_DIR_A, 0, 0, ts);
    flow_close(ft, old, FLOW_CLOSE_EVICTED, ts);
}

static struct flow *flow_oldest(struct flow_table *ft)
{
    struct flow *a = ft->syn_lru.head, *b = ft->data_lru.head;
    if (!a) return b;
    if (!b) return a;
    return b->last_ts < a->last_ts ? b : a;
}

/* A new connection for segment `s`, whose first packet it is. Orientation
 * (flow.h): A sent the SYN; if a SYN-ACK is the first thing seen, A is its
 * receiver; otherwise A sent this packet and the start was not seen. */
static struct flow *flow_create(struct flow_table *ft, const struct tuple_key *k, uint64_t h,
                                const struct pkt_info *s, int64_t ts)
{
    if (ft->nflows >= ft->lim.max_flows) {
        struct flow *old = flow_oldest(ft);
        if (old) flow_evict(ft, old, ts);
        if (ft->nflows >= ft->lim.max_flows) return NULL; /* max_flows == 0 */
    }
    struct flow *f = calloc(1, sizeof(*f));
    if (!f) return NULL;
    f->node.key = *k;
    f->node.hash = h;
    bool syn = s->tcp_flags & TCPF_SYN, ack = s->tcp_flags & TCPF_ACK;
    bool a_is_dst = syn && ack;
    f->meta.id = ++ft->next_id;
    f->meta.family = s->family;
    memcpy(f->meta.addr[FLOW_DIR_A], a_is_dst ? s->dst : s->src, 16);
    memcpy(f->meta.addr[FLOW_DIR_B], a_is_dst ? s->src : s->dst, 16);
    f->meta.port[FLOW_DIR_A] = a_is_dst ? s->dport : s->sport;
    f->meta.port[FLOW_DIR_B] = a_is_dst ? s->sport : s->dport;
    f->meta.saw_syn = syn;
    f->meta.first_ts_ns = ts;
    f->last_ts = ts;

    tuple_insert(&ft->hash, &f->node);
    list_append(&ft->syn_lru, f);
    f->all_prev = ft->all_tail;
    if (ft->all_tail) ft->all_tail->all_next = f;
    else ft->all_head = f;
    ft->all_tail = f;
    ft->nflows++;
    ft->stats.flows_opened++;
    if (ft->nflows > ft->stats.peak_flows) ft->stats.peak_flows = ft->nflows;

    f->app = ft->sink.open ? ft->sink.open(ft->sink.ctx, &f->meta) : NULL;
    if (!syn) emit_event(ft, f, FLOW_EV_MIDSTREAM, FLOW_DIR_A, 0, 0, ts);
    return f;
}

static int seg_dir(const struct flow *f, const struct pkt_info *s)
{
    return (s->sport == f->meta.port[FLOW_DIR_A] &&
            memcmp(s->src, f->meta.addr[FLOW_DIR_A], 16) == 0)
               ? FLOW_DIR_A
               : FLOW_DIR_B;
}

/* A SYN (without ACK) on an existing flow: is it a new connection on the
 * same 5-tuple (port reuse, including reuse from TIME_WAIT)? A SYN whose
 * ISN differs from the one this side already used is. So is any SYN on a
 * flow picked up mid-stream or that has carried data or a FIN without us
 * knowing this side's ISN — except a simultaneous open (RFC 9293 §3.5,
 * both sides send SYN) while the handshake is still in progress. */
static bool syn_is_new_connection(const struct flow *f, int dir, uint32_t seq)
{
    const struct fdir *d = &f->d[dir];
    if (d->isn_known) return seq != d->isn;
    bool quiet = !f->on_data_list && !f->d[0].fin_seen && !f->d[1].fin_seen;
    return !(f->meta.saw_syn && quiet);
}

/* ------------------------------------------------------------ public API */

struct flow_table *flowtab_new(const struct flow_limits *lim, const struct flow_sink *sink)
{
    struct flow_table *ft = calloc(1, sizeof(*ft));
    if (!ft) return NULL;
    if (lim) ft->lim = *lim;
    else flow_limits_default(&ft->lim);
    if (ft->lim.max_data_flows == 0 || ft->lim.max_data_flows > ft->lim.max_flows)
        ft->lim.max_data_flows = ft->lim.max_flows;
    if (ft->lim.max_total_ooo_segments == 0) {
        struct flow_limits def;
        flow_limits_default(&def);
        ft->lim.max_total_ooo_segments = def.max_total_ooo_segments;
    }
    if (sink) ft->sink = *sink;
    if (tuple_table_init(&ft->hash, ft->lim.max_flows) != 0) {
        free(ft->tombs);
        free(ft);
        return NULL;
    }
    return ft;
}

const struct flow_stats *flowtab_stats(const struct flow_table *ft) { return &ft->stats; }

/* Bookkeeping shared by all segments: counters, LRU position. */
static void flow_touch(struct flow_table *ft, struct flow *f, int dir,
                       const struct pkt_info *s, int64_t ts)
{
    struct fdir *d = &f->d[dir];
    d->packets++;
    d->bytes += s->payload_len;
    if (ts > f->last_ts) f->last_ts = ts;
    list_unlink(flow_lru(ft, f), f);
    bool first_data = s->payload_len > 0 && !f->on_data_list;
    if (first_data) {
        f->on_data_list = true;
        ft->ndata++;
    }
    list_append(flow_lru(ft, f), f);
    /* max_data_flows: make room by evicting the least recently active
     * flow with payload (never f itself: it is the most recent). */
    while (first_data && ft->ndata > ft->lim.max_data_flows && ft->data_lru.head &&
           ft->data_lru.head != f) {
        ft->stats.data_flows_evicted++;
        flow_evict(ft, ft->data_lru.head, ts);
    }
}

/* An ACK from the other side proves how far this direction was sent. */
static void note_ack(struct fdir *d, uint32_t ack)
{
    if (!d->base_set || d->count_only) return;
    int64_t a = (int64_t)d->next_off + (int32_t)(ack - d->next_seq);
    if (a <= 0) return;
    uint64_t ua = (uint64_t)a;
    if (d->fin_seen && ua > d->fin_off) ua = d->fin_off; /* the FIN's own seq */
    if (!d->acked_valid || ua > d->acked_off) {
        d->acked_off = ua;
        d->acked_valid = true;
    }
}

/* Declare an ACK-proven hole once it has survived FLOW_ACK_GAP_GRACE more
 * packets of the flow. */
static void check_ack_gap(struct flow_table *ft, struct flow *f, int dir, int64_t ts)
{
    struct fdir *d = &f->d[dir];
    if (d->count_only || !d->base_set || !d->acked_valid || d->acked_off <= d->next_off) {
        d->ack_wait = 0;
        return;
    }
    uint64_t limit = dir_proven_end(d);
    if (d->acked_off < limit) limit = d->acked_off;
    if (limit <= d->next_off) {
        d->ack_wait = 0;
        return;
    }
    if (d->ack_wait < FLOW_ACK_GAP_GRACE) {
        d->ack_wait++;
        return;
    }
    d->ack_wait = 0;
    declare_until(ft, f, dir, limit, ts);
}

/* Nothing of this direction was delivered, held or closed yet: its base
 * can still move to another SYN-ACK's ISN. */
static bool dir_untouched(const struct fdir *d)
{
    return d->syn_based && d->next_off == 0 && !d->ooo && !d->fin_seen && !d->count_only;
}

static void dir_rebase(struct fdir *d, uint32_t isn)
{
    d->isn = isn;
    d->next_seq = isn + 1;
    d->next_off = 0;
    d->acked_valid = false;
    d->ack_wait = 0;
    d->has_alt = false;
    d->synack_ok = true;
}

static bool dir_done(const struct fdir *d)
{
    return d->fin_seen && (d->count_only || (d->next_off >= d->fin_off && !d->ooo));
}

void flowtab_segment(struct flow_table *ft, const struct pkt_info *s, int64_t ts_ns)
{
    if (s->proto != 6 || (s->family != 4 && s->family != 6)) return;
    struct tuple_key k;
    tuple_key_make(&k, s);
    uint64_t h;
    struct flow *f;
    if (ft->last && tuple_key_eq(&ft->last->node.key, &k)) {
        f = ft->last;
        h = f->node.hash;
    } else {
        h = tuple_hash(&ft->hash, &k);
        f = flow_of(tuple_find(&ft->hash, &k, h));
    }
    const uint8_t fl = s->tcp_flags;
    const bool syn = fl & TCPF_SYN, ack = fl & TCPF_ACK;

    if (!f) {
        /* A segment with neither SYN nor payload (a pure ACK, FIN or RST)
         * carries nothing to reassemble; opening a flow for it would make a
         * phantom connection out of the last ACK after every close. */
        if (!syn && s->payload_len == 0) return;
        bool reuse = false;
        struct flow_tomb *t = tomb_find(ft, &k, h, ts_ns);
        if (t) {
            if (!syn) return; /* a late segment of the closed connection */
            int side = seg_key_side(&k, s);
            if (!ack) reuse = !t->isn_known[side] || t->isn[side] != s->seq;
            t->used = false;
        }
        if (!(f = flow_create(ft, &k, h, s, ts_ns))) return;
        if (reuse) {
            ft->stats.port_reuse++;
            emit_event(ft, f, FLOW_EV_PORT_REUSE, FLOW_DIR_A, 0, 0, ts_ns);
        }
    } else if (syn && !ack && syn_is_new_connection(f, seg_dir(f, s), s->seq)) {
        flow_close(ft, f, FLOW_CLOSE_REUSE, ts_ns);
        ft->stats.port_reuse++;
        if (!(f = flow_create(ft, &k, h, s, ts_ns))) return;
        emit_event(ft, f, FLOW_EV_PORT_REUSE, FLOW_DIR_A, 0, 0, ts_ns);
    }

    ft->last = f;
    const int dir = seg_dir(f, s);
    struct fdir *me = &f->d[dir], *peer = &f->d[!dir];
    flow_touch(ft, f, dir, s, ts_ns);

    /* A SYN-ACK acknowledges the SYN when its ACK is the client's ISN + 1
     * (RFC 9293 §3.5); one that does not is stray and proves nothing. */
    const bool synack = syn && ack;
    const bool acks_syn = !synack || !peer->isn_known || s->ack == peer->isn + 1;
    if (synack && me->isn_known && s->seq != me->isn && acks_syn && dir_untouched(me)) {
        /* A second SYN-ACK with another ISN (a retried handshake, a
         * middlebox answering too), before this side sent any data. The
         * one that acknowledges the SYN wins; if both do, the client's ACK
         * decides (below). */
        if (!me->synack_ok) dir_rebase(me, s->seq);
        else {
            me->has_alt = true;
            me->alt_isn = s->seq;
        }
    }
    if (ack && !syn && peer->has_alt && s->ack == peer->alt_isn + 1 && s->ack != peer->isn + 1 &&
        dir_untouched(peer))
        dir_rebase(peer, peer->alt_isn);
    if (syn) {
        if (!me->isn_known) {
            me->isn_known = true;
            me->isn = s->seq;
            me->synack_ok = synack && acks_syn;
        }
        if (!me->base_set) {
            me->base_set = me->syn_based = true;
            me->next_seq = s->seq + 1; /* the SYN occupies one sequence number */
            me->next_off = 0;
        }
        if (ack && !peer->isn_known) {
            /* A SYN-ACK acknowledges the peer's ISN + 1 (RFC 9293 §3.5). */
            peer->isn_known = true;
            peer->isn = s->ack - 1;
            if (!peer->base_set) {
                peer->base_set = peer->syn_based = true;
                peer->next_seq = s->ack;
                peer->next_off = 0;
            }
        }
    }
    const uint32_t data_seq = s->seq + (syn ? 1u : 0u);
    if (!me->base_set) {
        /* Mid-stream: this side's first segment defines offset 0. */
        me->base_set = true;
        me->next_seq = data_seq;
        me->next_off = 0;
    }
    if (ack && acks_syn) note_ack(peer, s->ack);

    if (s->payload_len > 0 && !me->count_only) stream_data(ft, f, dir, data_seq, s, ts_ns);

    if ((fl & TCPF_FIN) && !me->fin_seen) {
        int64_t fo = (int64_t)me->next_off + (int32_t)(data_seq - me->next_seq) + s->payload_len;
        me->fin_seen = true;
        me->fin_off = fo > 0 ? (uint64_t)fo : 0;
        if (me->acked_valid && me->acked_off > me->fin_off) me->acked_off = me->fin_off;
        if (ft->sink.fin) ft->sink.fin(ft->sink.ctx, f->app, (enum flow_dir)dir, false, ts_ns);
    }
    if (fl & TCPF_RST) {
        if (ft->sink.fin) ft->sink.fin(ft->sink.ctx, f->app, (enum flow_dir)dir, true, ts_ns);
        /* Both sides reset, or the other side had finished: nothing more
         * can come. Otherwise what the other side sent before the RST
         * reached it is still on its way: keep the flow a while. */
        if ((f->reset && f->reset_dir != dir) || dir_done(peer)) {
            flow_close(ft, f, FLOW_CLOSE_RST, ts_ns);
            return;
        }
        if (!f->reset) {
            f->reset = true;
            f->reset_dir = (uint8_t)dir;
            f->reset_ts = ts_ns;
            f->reset_next = NULL;
            f->reset_prev = ft->reset_tail;
            if (ft->reset_tail) ft->reset_tail->reset_next = f;
            else ft->reset_head = f;
            ft->reset_tail = f;
        }
        return;
    }
    check_ack_gap(ft, f, FLOW_DIR_A, ts_ns);
    check_ack_gap(ft, f, FLOW_DIR_B, ts_ns);
    if (f->reset ? dir_done(&f->d[!f->reset_dir])
                 : dir_done(&f->d[0]) && dir_done(&f->d[1]))
        flow_close(ft, f, f->reset ? FLOW_CLOSE_RST : FLOW_CLOSE_FIN, ts_ns);
}

/* true when `last` is more than `timeout` before `now`, without signed
 * overflow for any pair of timestamps. */
static bool idle_longer(int64_t last, int64_t now, int64_t timeout)
{
    if (now <= last) return false;
    return (uint64_t)now - (uint64_t)last > (uint64_t)(timeout < 0 ? 0 : timeout);
}

static void expire_list(struct flow_table *ft, struct flow_list *l, int64_t now,
                        int64_t timeout)
{
    struct flow *f;
    while ((f = l->head) && idle_longer(f->last_ts, now, timeout)) {
        bool fin = f->d[0].fin_seen || f->d[1].fin_seen;
        ft->stats.flows_timed_out++;
        flow_close(ft, f, f->reset ? FLOW_CLOSE_RST : fin ? FLOW_CLOSE_FIN : FLOW_CLOSE_TIMEOUT,
                   now);
    }
}

void flowtab_expire(struct flow_table *ft, int64_t now_ns)
{
    expire_list(ft, &ft->syn_lru, now_ns, ft->lim.syn_timeout_ns);
    expire_list(ft, &ft->data_lru, now_ns, ft->lim.idle_timeout_ns);
    struct flow *f;
    while ((f = ft->reset_head) && idle_longer(f->reset_ts, now_ns, FLOW_RST_LINGER_NS))
        flow_close(ft, f, FLOW_CLOSE_RST, now_ns);
}

void flowtab_flush(struct flow_table *ft)
{
    struct flow *f, *next;
    for (f = ft->all_head; f; f = next) {
        next = f->all_next;
        flow_close(ft, f, f->reset ? FLOW_CLOSE_RST : FLOW_CLOSE_END, f->last_ts);
    }
}

void flowtab_free(struct flow_table *ft)
{
    if (!ft) return;
    flowtab_flush(ft);
    free(ft->tombs);
    tuple_table_free(&ft->hash);
    free(ft);
}
