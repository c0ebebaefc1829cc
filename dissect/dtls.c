/* dtls.c — DTLS datagrams → records → handshake fragments → whole messages,
 * which go to handshake.c exactly like TLS messages do (see dtls.h).
 *
 * Per direction the parser keeps:
 *   - which message_seq values were delivered (or given up): a bitmap for
 *     0..DTLS_SEQ_BITMAP-1 and the highest one beyond that (handshakes have a
 *     few dozen messages at most; plaintext renegotiation does not exist in
 *     DTLS since it runs in epoch > 0);
 *   - up to DTLS_MAX_INFLIGHT messages under reassembly, each a sorted list of
 *     disjoint pieces of received bytes (memory grows with bytes received,
 *     never with a claimed length).
 *
 * Delivery order: a complete message is delivered at once unless a message
 * with a lower message_seq is still incomplete in the same direction (the
 * fragments of a flight arrived out of order); it then waits, and is
 * delivered when the lower one completes, is given up (cap, end of input) or
 * the sender moves to epoch > 0 (its flight is over).
 *
 * References: RFC 6347 (DTLS 1.2, §4.1 record layer, §4.2 handshake), RFC 4347
 * (DTLS 1.0), RFC 9147 (DTLS 1.3, §4 unified header, §5 handshake), RFC 9146
 * (connection ids), RFC 7983 §7 (demultiplexing DTLS from STUN/RTP).
 */
#include "dtls.h"

#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "tls_internal.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define DTLS_SEQ_BITMAP 256 /* message_seq values tracked exactly */

struct dtls_piece {          /* received bytes [off, off + len) of one message */
    uint32_t off, len;
    uint8_t *data;           /* owned */
};

struct dtls_msg {            /* a handshake message being reassembled */
    bool used;
    bool complete;           /* every byte held; waits for a lower message_seq */
    uint8_t type;
    uint16_t seq;
    uint32_t len;            /* message length (the handshake header's `length`) */
    uint32_t have;           /* bytes held */
    uint64_t off;            /* virtual offset of its first fragment (events) */
    int64_t ts_ns;           /* time of the fragment that completed it */
    bool overlap_noted;
    struct dtls_piece *pieces; /* sorted by off, disjoint, not adjacent */
    uint16_t n_pieces, cap_pieces;
};

/* Record numbers seen (the receiver's anti-replay window, RFC 6347 §4.1.2.6):
 * used only to recognise copies of a datagram in the capture. */
struct dtls_window {
    bool init;
    uint16_t epoch;
    uint64_t top;            /* highest sequence number seen */
    uint64_t bits;           /* bit i: top - i seen */
};

struct dtls_dir {
    uint64_t pos;            /* virtual offset: UDP payload bytes before this datagram */
    struct dtls_window win[2]; /* [0] epoch 0, [1] the latest epoch > 0 */
    uint64_t done[DTLS_SEQ_BITMAP / 64];
    uint8_t done_type[DTLS_SEQ_BITMAP]; /* msg_type delivered under that message_seq */
    bool any_done_high;
    uint16_t max_done_high;  /* message_seq >= DTLS_SEQ_BITMAP: delivered up to here */
    struct dtls_msg msg[DTLS_MAX_INFLIGHT];
    uint32_t held;           /* fragment bytes held in this direction */
    bool junk_noted;         /* a non-record in the DTLS range was reported */
};

struct dtls_state {
    struct dtls_dir d[2];    /* by enum flow_dir */
    struct dtls_budget *budget;
    uint32_t datagrams;      /* all datagrams of the association (probing) */
    uint32_t clean;          /* datagrams that parsed as records from end to end */
    bool hello_seen;         /* a ClientHello, ServerHello or HelloVerifyRequest header */
    uint8_t first_type;      /* content type of the first record (mid-stream start) */
    enum flow_dir first_dir;
};

/* ------------------------------------------------------------------ */
/* helpers                                                            */

static uint32_t rd16(const uint8_t *p) { return ((uint32_t)p[0] << 8) | p[1]; }
static uint32_t rd24(const uint8_t *p) { return ((uint32_t)p[0] << 16) | rd16(p + 1); }

/* Record versions: 0xfeff (DTLS 1.0), 0xfefd (1.2 and 1.3's legacy version);
 * 0xfe00..0xfefc are accepted as future/odd DTLS values, 0x0100 is OpenSSL's
 * pre-RFC DTLS 1.0 (DTLS1_BAD_VER). */
static bool dtls_version_ok(uint16_t v) { return (v >> 8) == 0xfe || v == DTLS_V_BAD; }

static bool plaintext_type(uint8_t t) { return t >= CT_CCS && t <= CT_ACK; }

/* RFC 9147 §4: the first byte of a unified header is 001CSLEE. */
#define UH_C 0x10
#define UH_S 0x08
#define UH_L 0x04
static bool unified_header(uint8_t b) { return (b & 0xe0) == 0x20; }

/* Length of the connection id on records *sent by* `side`: the one its peer
 * asked for in its hello (RFC 9146 §3: each side names the CID it wants to
 * receive). -1 when not negotiated (or not seen). */
static int cid_len_from(const struct tls_conn *c, enum tls_side side)
{
    if (side == TLS_CLIENT)
        return c->sh.present && c->sh.has_connection_id ? c->sh.connection_id_len : -1;
    return c->ch.present && c->ch.has_connection_id ? c->ch.connection_id_len : -1;
}

bool dtls_datagram_plausible(const uint8_t *p, uint32_t caplen, uint32_t len)
{
    uint32_t i = 0;
    int records = 0;
    if (!p || caplen == 0 || caplen > len) return false;
    while (i < len) {
        uint32_t rlen;
        if (i + DTLS_RECORD_HDR > caplen) return records > 0 && caplen < len;
        if (!plaintext_type(p[i]) || p[i] == CT_TLS12_CID) return false;
        if (!dtls_version_ok((uint16_t)rd16(p + i + 1))) return false;
        rlen = rd16(p + i + 11);
        if (rlen > TLS_RECORD_MAX || i + DTLS_RECORD_HDR + rlen > len) return false;
        /* a first record in epoch 0 must be a handshake, alert or CCS */
        if (records == 0 && rd16(p + i + 3) == 0 && p[i] == CT_APPDATA) return false;
        i += DTLS_RECORD_HDR + rlen;
        records++;
    }
    return records > 0;
}

/* Has this (epoch, sequence number) been seen in this direction? Records
 * older than the 64-record window, or of an epoch > 0 older than the
 * latest, cannot be told and count as new (a capture may well show numbers
 * jumping around: Zeek's dtls-sequence-number-jumps). */
static bool record_seen(struct dtls_dir *d, uint16_t epoch, uint64_t seq)
{
    struct dtls_window *w = &d->win[epoch ? 1 : 0];
    if (!w->init || (epoch && epoch > w->epoch)) {
        w->init = true;
        w->epoch = epoch;
        w->top = seq;
        w->bits = 1;
        return false;
    }
    if (epoch != w->epoch) return false;
    if (seq > w->top) {
        uint64_t shift = seq - w->top;
        w->bits = shift >= 64 ? 1 : (w->bits << shift) | 1;
        w->top = seq;
        return false;
    }
    uint64_t back = w->top - seq;
    if (back >= 64) return false;
    if ((w->bits >> back) & 1) return true;
    w->bits |= 1ull << back;
    return false;
}

/* ------------------------------------------------------------------ */
/* message_seq bookkeeping                                            */

/* Was message `seq` of this type delivered (or given up) already? A
 * different type under a delivered message_seq is a new message, not a
 * retransmission: a stateless server may number its ServerHello like the
 * HelloVerifyRequest it sent before (RFC 6347 §4.2.1 leaves it open). */
static bool seq_done(const struct dtls_dir *d, uint16_t seq, uint8_t type)
{
    if (seq < DTLS_SEQ_BITMAP)
        return ((d->done[seq / 64] >> (seq % 64)) & 1) && d->done_type[seq] == type;
    return d->any_done_high && seq <= d->max_done_high;
}

static void seq_mark(struct dtls_dir *d, uint16_t seq, uint8_t type)
{
    if (seq < DTLS_SEQ_BITMAP) {
        d->done[seq / 64] |= 1ull << (seq % 64);
        d->done_type[seq] = type;
    } else if (!d->any_done_high || seq > d->max_done_high) {
        d->any_done_high = true;
        d->max_done_high = seq;
    }
}

static void held_sub(struct dtls_state *st, struct dtls_dir *d, uint32_t n)
{
    d->held -= n;
    if (st->budget) st->budget->held -= n;
}

static void msg_free(struct dtls_state *st, struct dtls_dir *d, struct dtls_msg *m)
{
    for (uint16_t i = 0; i < m->n_pieces; i++) free(m->pieces[i].data);
    free(m->pieces);
    held_sub(st, d, m->have);
    memset(m, 0, sizeof *m);
}

static struct dtls_msg *msg_find(struct dtls_dir *d, uint16_t seq)
{
    for (int i = 0; i < DTLS_MAX_INFLIGHT; i++)
        if (d->msg[i].used && d->msg[i].seq == seq) return &d->msg[i];
    return NULL;
}

/* Is a message with a lower message_seq still incomplete? */
static bool lower_incomplete(const struct dtls_dir *d, uint16_t seq)
{
    for (int i = 0; i < DTLS_MAX_INFLIGHT; i++)
        if (d->msg[i].used && !d->msg[i].complete && d->msg[i].seq < seq) return true;
    return false;
}

/* ------------------------------------------------------------------ */
/* delivery                                                           */

static void deliver(struct tls_conn *c, enum flow_dir dir, uint8_t type, const uint8_t *body,
                    uint32_t len, uint64_t off, int64_t ts_ns)
{
    static const uint8_t empty[1]; /* the parsers get a real pointer */
    tls_handshake_message(c, dir, type, len ? body : empty, len, off, ts_ns);
}

/* Deliver complete messages in message_seq order while nothing lower is
 * incomplete; with `force`, give up the incomplete ones on the way. */
static void deliver_ready(struct tls_conn *c, enum flow_dir dir, bool force, int64_t ts_ns)
{
    struct dtls_state *st = c->parser->dtls;
    struct dtls_dir *d = &st->d[dir];
    for (;;) {
        struct dtls_msg *low = NULL;
        for (int i = 0; i < DTLS_MAX_INFLIGHT; i++)
            if (d->msg[i].used && (!low || d->msg[i].seq < low->seq)) low = &d->msg[i];
        if (!low) return;
        if (!low->complete) {
            if (!force) return;
            tls_handshake_lost(c, dir, low->type, low->off, ts_ns, false);
            seq_mark(d, low->seq, low->type);
            msg_free(st, d, low);
            continue;
        }
        /* a complete message is one piece: [0, len). It leaves its slot
         * before delivery so that nothing the delivery does can see it. */
        struct dtls_msg m = *low;
        memset(low, 0, sizeof *low);
        seq_mark(d, m.seq, m.type);
        deliver(c, dir, m.type, m.n_pieces ? m.pieces[0].data : NULL, m.len, m.off, m.ts_ns);
        msg_free(st, d, &m); /* handshake.c never releases the parser: st is alive */
    }
}

/* Give up message m (a cap bit): it is marked delivered so that its
 * retransmissions do not start it again. */
static void msg_give_up(struct tls_conn *c, enum flow_dir dir, struct dtls_msg *m,
                        const char *why, int64_t ts_ns)
{
    struct dtls_state *st = c->parser->dtls;
    struct dtls_dir *d = &st->d[dir];
    tls_event_fmt(c, TLS_EV_CAP, tls_side_of(c, dir), m->off, m->len, ts_ns,
                  "DTLS %s (message_seq %u, %u bytes) dropped: %s",
                  tls_handshake_name(m->type) ? tls_handshake_name(m->type) : "handshake message",
                  m->seq, m->len, why);
    tls_handshake_lost(c, dir, m->type, m->off, ts_ns, true);
    seq_mark(d, m->seq, m->type);
    msg_free(st, d, m);
}

/* ------------------------------------------------------------------ */
/* reassembly                                                         */

/* Insert received bytes [a, b) (no overlap with held pieces) into m, merging
 * with neighbours. Returns false on allocation failure. */
static bool piece_insert(struct dtls_msg *m, uint32_t a, uint32_t b, const uint8_t *src)
{
    uint16_t k = 0;
    while (k < m->n_pieces && m->pieces[k].off < a) k++;
    struct dtls_piece *left = k > 0 ? &m->pieces[k - 1] : NULL;
    struct dtls_piece *right = k < m->n_pieces ? &m->pieces[k] : NULL;
    bool join_left = left && left->off + left->len == a;
    bool join_right = right && right->off == b;
    if (join_left) {
        uint32_t nlen = left->len + (b - a) + (join_right ? right->len : 0);
        uint8_t *nd = realloc(left->data, nlen);
        if (!nd) return false;
        memcpy(nd + left->len, src, b - a);
        if (join_right) {
            memcpy(nd + left->len + (b - a), right->data, right->len);
            free(right->data);
            memmove(&m->pieces[k], &m->pieces[k + 1],
                    (size_t)(m->n_pieces - k - 1) * sizeof m->pieces[0]);
            m->n_pieces--;
        }
        left->data = nd;
        left->len = nlen;
        return true;
    }
    if (join_right) {
        uint8_t *nd = malloc((size_t)(b - a) + right->len);
        if (!nd) return false;
        memcpy(nd, src, b - a);
        memcpy(nd + (b - a), right->data, right->len);
        free(right->data);
        right->data = nd;
        right->len += b - a;
        right->off = a;
        return true;
    }
    if (m->n_pieces == m->cap_pieces) {
        uint16_t ncap = m->cap_pieces ? (uint16_t)(m->cap_pieces * 2) : 4;
        struct dtls_piece *np = realloc(m->pieces, ncap * sizeof *np);
        if (!np) return false;
        m->pieces = np;
        m->cap_pieces = ncap;
    }
    uint8_t *nd = malloc(b - a);
    if (!nd) return false;
    memcpy(nd, src, b - a);
    memmove(&m->pieces[k + 1], &m->pieces[k], (size_t)(m->n_pieces - k) * sizeof m->pieces[0]);
    m->pieces[k].off = a;
    m->pieces[k].len = b - a;
    m->pieces[k].data = nd;
    m->n_pieces++;
    return true;
}

/* Add fragment bytes [fo, fo + n) to m: bytes already held are compared (the
 * first copy wins), new ones stored. Returns false if m had to be given up. */
static bool msg_add(struct tls_conn *c, enum flow_dir dir, struct dtls_msg *m, uint32_t fo,
                    const uint8_t *src, uint32_t n, uint64_t off, int64_t ts_ns)
{
    struct dtls_state *st = c->parser->dtls;
    struct dtls_dir *d = &st->d[dir];
    uint32_t fe = fo + n, x = fo;
    /* uncovered subranges, found before anything changes */
    uint32_t gap_a[DTLS_MAX_PIECES + 1], gap_b[DTLS_MAX_PIECES + 1];
    int ngaps = 0;
    uint32_t new_bytes = 0;
    bool differs = false;
    for (uint16_t k = 0; k < m->n_pieces && x < fe; k++) {
        const struct dtls_piece *pc = &m->pieces[k];
        uint32_t pe = pc->off + pc->len;
        if (pe <= x) continue;
        if (pc->off >= fe) break;
        if (pc->off > x) {
            gap_a[ngaps] = x;
            gap_b[ngaps++] = pc->off;
            new_bytes += pc->off - x;
            x = pc->off;
        }
        uint32_t oe = MIN(pe, fe); /* overlap [x, oe) */
        if (memcmp(pc->data + (x - pc->off), src + (x - fo), oe - x) != 0) differs = true;
        x = oe;
    }
    if (x < fe) {
        gap_a[ngaps] = x;
        gap_b[ngaps++] = fe;
        new_bytes += fe - x;
    }
    if (differs && !m->overlap_noted) {
        m->overlap_noted = true;
        tls_event_fmt(c, TLS_EV_OVERLAP_DIFF, tls_side_of(c, dir), off, n, ts_ns,
                      "DTLS fragment of message_seq %u overlaps earlier bytes with different "
                      "ones; the first copy is kept", m->seq);
    }
    if (new_bytes == 0) return true;
    if (m->n_pieces + ngaps > DTLS_MAX_PIECES) {
        msg_give_up(c, dir, m, "too many fragments", ts_ns);
        return false;
    }
    if (d->held + new_bytes > DTLS_MAX_HELD_BYTES) {
        msg_give_up(c, dir, m, "per-direction cap", ts_ns);
        return false;
    }
    if (st->budget && st->budget->max_bytes &&
        st->budget->held + new_bytes > st->budget->max_bytes) {
        st->budget->refused += new_bytes;
        msg_give_up(c, dir, m, "shared memory cap", ts_ns);
        return false;
    }
    for (int g = 0; g < ngaps; g++) {
        if (!piece_insert(m, gap_a[g], gap_b[g], src + (gap_a[g] - fo))) {
            msg_give_up(c, dir, m, "out of memory", ts_ns);
            return false;
        }
        m->have += gap_b[g] - gap_a[g];
        d->held += gap_b[g] - gap_a[g];
        if (st->budget) {
            st->budget->held += gap_b[g] - gap_a[g];
            if (st->budget->held > st->budget->peak) st->budget->peak = st->budget->held;
        }
    }
    return true;
}

/* A free slot, making room if needed: the slot with the highest message_seq
 * is given up (the lowest ones are what delivery waits for). */
static struct dtls_msg *msg_slot(struct tls_conn *c, enum flow_dir dir, int64_t ts_ns)
{
    struct dtls_dir *d = &c->parser->dtls->d[dir];
    struct dtls_msg *high = NULL;
    for (int i = 0; i < DTLS_MAX_INFLIGHT; i++) {
        if (!d->msg[i].used) return &d->msg[i];
        if (!high || d->msg[i].seq > high->seq) high = &d->msg[i];
    }
    msg_give_up(c, dir, high, "too many messages in flight", ts_ns);
    return high; /* now free */
}

/* One handshake fragment (RFC 6347 §4.2.2) whose header was read; `avail`
 * of its frag_len bytes are in the capture (fewer when snaplen cut it). */
static void on_fragment(struct tls_conn *c, enum flow_dir dir, uint8_t type, uint32_t msg_len,
                        uint16_t seq, uint32_t fo, uint32_t flen, const uint8_t *bytes,
                        uint32_t avail, uint64_t off, int64_t ts_ns)
{
    struct dtls_state *st = c->parser->dtls;
    struct dtls_dir *d = &st->d[dir];
    enum tls_side side = tls_side_of(c, dir);
    struct dtls_msg *m;

    if ((uint64_t)fo + flen > msg_len) {
        tls_event_fmt(c, TLS_EV_MALFORMED, side, off, flen, ts_ns,
                      "DTLS fragment [%u, %u) beyond its message's length %u (message_seq %u)",
                      fo, fo + flen, msg_len, seq);
        return;
    }
    if (flen < msg_len) c->dtls.fragments[side]++;
    if (seq_done(d, seq, type)) {
        c->dtls.retransmitted[side]++;
        return;
    }
    if (flen == 0 && msg_len > 0) return; /* an empty fragment adds nothing */
    m = msg_find(d, seq);
    if (m && (m->type != type || m->len != msg_len)) {
        tls_event_fmt(c, TLS_EV_MALFORMED, side, off, flen, ts_ns,
                      "DTLS fragment of message_seq %u says type %u length %u, earlier ones "
                      "type %u length %u: ignored", seq, type, msg_len, m->type, m->len);
        return;
    }
    if (!m && msg_len > TLS_MAX_HANDSHAKE_MSG) {
        tls_event_fmt(c, TLS_EV_CAP, side, off, msg_len, ts_ns,
                      "DTLS handshake message type %u of %u bytes skipped", type, msg_len);
        tls_handshake_lost(c, dir, type, off, ts_ns, true);
        seq_mark(d, seq, type);
        return;
    }
    if (!m && (msg_len == 0 || (fo == 0 && avail == msg_len)) && !lower_incomplete(d, seq)) {
        /* the common case: a whole message in one fragment, in order — no copy */
        seq_mark(d, seq, type);
        deliver(c, dir, type, bytes, msg_len, off, ts_ns);
        if (c->parser) deliver_ready(c, dir, false, ts_ns);
        return;
    }
    if (!m) {
        m = msg_slot(c, dir, ts_ns);
        m->used = true;
        m->type = type;
        m->seq = seq;
        m->len = msg_len;
        m->off = off;
    }
    if (avail && !msg_add(c, dir, m, fo, bytes, avail, off, ts_ns)) return;
    if (m->have == m->len) {
        m->complete = true;
        m->ts_ns = ts_ns;
        deliver_ready(c, dir, false, ts_ns);
    }
}

/* ------------------------------------------------------------------ */
/* records                                                            */

/* Plaintext handshake record body (epoch 0): one or more fragments. `bavail`
 * of `rlen` bytes are present. */
static void handshake_record(struct tls_conn *c, enum flow_dir dir, const uint8_t *b,
                             uint32_t rlen, uint32_t bavail, uint64_t off, int64_t ts_ns)
{
    struct dtls_state *st = c->parser->dtls;
    enum tls_side side = tls_side_of(c, dir);
    uint32_t j = 0;
    while (j < rlen && c->parser) {
        if (j + DTLS_HS_HDR > rlen) {
            tls_event_fmt(c, TLS_EV_MALFORMED, side, off + j, rlen - j, ts_ns,
                          "DTLS handshake fragment header overruns its record");
            return;
        }
        if (j + DTLS_HS_HDR > bavail) return; /* cut by snaplen */
        const uint8_t *h = b + j;
        uint8_t type = h[0];
        uint32_t msg_len = rd24(h + 1), fo = rd24(h + 6), flen = rd24(h + 9);
        uint16_t seq = (uint16_t)rd16(h + 4);
        if (j + DTLS_HS_HDR + (uint64_t)flen > rlen) {
            tls_event_fmt(c, TLS_EV_MALFORMED, side, off + j, flen, ts_ns,
                          "DTLS handshake fragment of %u bytes overruns its record", flen);
            return;
        }
        uint32_t avail = bavail - (j + DTLS_HS_HDR);
        if (avail > flen) avail = flen;
        /* roles and "this is DTLS" from the first hello header */
        if ((type == HS_CLIENT_HELLO || type == HS_SERVER_HELLO ||
             type == HS_HELLO_VERIFY_REQUEST) && (uint64_t)fo + flen <= msg_len) {
            if (!c->parser->roles_fixed)
                tls_roles_fix(c, type == HS_CLIENT_HELLO ? dir : (enum flow_dir)!dir);
            st->hello_seen = true;
            c->is_tls = true;
            side = tls_side_of(c, dir);
        }
        on_fragment(c, dir, type, msg_len, seq, fo, flen, h + DTLS_HS_HDR, avail, off + j, ts_ns);
        j += DTLS_HS_HDR + flen;
    }
}

/* A ciphertext record (epoch > 0, tls12_cid, or DTLS 1.3 unified header):
 * what it counts as. `epoch13` is the unified header's two epoch bits, or -1. */
static void encrypted_record(struct tls_conn *c, enum flow_dir dir, uint8_t type, int epoch13,
                             uint32_t rlen, int64_t ts_ns)
{
    enum tls_side side = tls_side_of(c, dir);
    bool hs;
    c->dtls.encrypted_records[side]++;
    if (epoch13 >= 0) {
        /* RFC 9147 §6.1: epoch 1 early data, 2 handshake, 3 (and 4 = 0 mod 4
         * after KeyUpdate ...) application data */
        hs = epoch13 == 2;
    } else if (type == CT_HANDSHAKE) {
        hs = true;
    } else if (type == CT_TLS12_CID) {
        /* inner type hidden (RFC 9146 §4): the first one after the sender's
         * CCS is its Finished */
        hs = !c->handshake_complete && c->ccs[side] && !c->encrypted_hs[side];
    } else {
        hs = false;
    }
    if (type == CT_ALERT) {
        tls_on_alert(c, dir, true, 0, 0, ts_ns);
    } else if (hs) {
        tls_on_encrypted_record(c, dir, CT_HANDSHAKE, rlen, ts_ns);
    } else if (type == CT_APPDATA || type == CT_TLS12_CID || epoch13 >= 0) {
        c->app_data_records[side]++;
        c->app_data_bytes[side] += rlen;
    }
}

/* The sender of `dir` moved to epoch > 0: its plaintext flight is over, so
 * messages still waiting for a lower one will not get it. */
static void flight_over(struct tls_conn *c, enum flow_dir dir, int64_t ts_ns)
{
    struct dtls_dir *d = &c->parser->dtls->d[dir];
    for (int i = 0; i < DTLS_MAX_INFLIGHT; i++)
        if (d->msg[i].used) {
            deliver_ready(c, dir, true, ts_ns);
            return;
        }
}

enum parse_result {
    PR_BAD = 0,   /* not (all) DTLS records */
    PR_CLEAN,     /* records that fill the datagram exactly (or up to snaplen) */
    PR_OPAQUE,    /* ends in a record with a connection id of unknown length */
};

/* Parse the records of one datagram. */
static enum parse_result parse_records(struct tls_conn *c, enum flow_dir dir, const uint8_t *p, uint32_t caplen,
                          uint32_t len, uint64_t off0, int64_t ts_ns)
{
    struct dtls_state *st = c->parser->dtls;
    struct dtls_dir *d = &st->d[dir];
    uint32_t i = 0;
    bool clean = true;
    while (i < caplen && c->parser) {
        enum tls_side side = tls_side_of(c, dir);
        const uint8_t *r = p + i;
        uint32_t left = caplen - i, wire_left = len - i;
        uint8_t b = r[0];
        if (unified_header(b)) {
            /* RFC 9147 §4: 001CSLEE, [CID], seq (8 or 16 bits), [length] */
            uint32_t hl = 1;
            int cid = 0;
            if (b & UH_C) {
                cid = cid_len_from(c, side);
                c->dtls.connection_id[side] = true;
                if (cid < 0) { /* CID length unknown: the record runs to the end */
                    flight_over(c, dir, ts_ns);
                    c->dtls.records[side]++;
                    encrypted_record(c, dir, 0, b & 3, wire_left, ts_ns);
                    return PR_OPAQUE;
                }
            }
            hl += (uint32_t)cid + ((b & UH_S) ? 2 : 1);
            uint32_t rlen;
            if (b & UH_L) {
                if (hl + 2 > left) {
                    if (hl + 2 > wire_left) clean = false;
                    break;
                }
                rlen = rd16(r + hl);
                hl += 2;
            } else {
                if (hl > wire_left) { clean = false; break; }
                rlen = wire_left - hl;
            }
            if (hl + rlen > wire_left) {
                if (!d->junk_noted) {
                    d->junk_noted = true;
                    tls_event_fmt(c, TLS_EV_MALFORMED, side, off0 + i, rlen, ts_ns,
                                  "DTLS 1.3 record length %u overruns its datagram", rlen);
                }
                clean = false;
                break;
            }
            c->dtls.records[side]++;
            if ((b & 3) > c->dtls.max_epoch[side]) c->dtls.max_epoch[side] = b & 3;
            if (st->first_type == 0) {
                st->first_type = CT_APPDATA;
                st->first_dir = dir;
            }
            flight_over(c, dir, ts_ns);
            encrypted_record(c, dir, 0, b & 3, rlen, ts_ns);
            i += hl + rlen;
            continue;
        }
        if (!plaintext_type(b)) {
            if (!d->junk_noted) {
                d->junk_noted = true;
                tls_event_fmt(c, TLS_EV_MALFORMED, side, off0 + i, wire_left, ts_ns,
                              "not a DTLS record (first byte 0x%02x)", b);
            }
            clean = false;
            break;
        }
        /* RFC 6347 §4.1: type, version, epoch, sequence_number (48 bits),
         * [connection id for tls12_cid, RFC 9146 §4], length */
        uint32_t hl = DTLS_RECORD_HDR;
        int cid = 0;
        if (b == CT_TLS12_CID) {
            cid = cid_len_from(c, side);
            c->dtls.connection_id[side] = true;
            if (cid < 0) {
                if (left >= 5 && dtls_version_ok((uint16_t)rd16(r + 1))) {
                    flight_over(c, dir, ts_ns);
                    c->dtls.records[side]++;
                    encrypted_record(c, dir, CT_TLS12_CID, -1, wire_left, ts_ns);
                    return PR_OPAQUE;
                }
                clean = false;
                break;
            }
            hl += (uint32_t)cid;
        }
        if (hl > left) {
            if (hl > wire_left) clean = false;
            break;
        }
        uint16_t version = (uint16_t)rd16(r + 1);
        uint16_t epoch = (uint16_t)rd16(r + 3);
        uint32_t rlen = rd16(r + hl - 2);
        if (!dtls_version_ok(version) || rlen > TLS_RECORD_MAX || hl + rlen > wire_left) {
            if (!d->junk_noted) {
                d->junk_noted = true;
                tls_event_fmt(c, TLS_EV_MALFORMED, side, off0 + i, rlen, ts_ns,
                              "bad DTLS record header %02x %04x len %u", b, version, rlen);
            }
            clean = false;
            break;
        }
        uint32_t bavail = MIN(rlen, left - hl);
        const uint8_t *body = r + hl;
        uint64_t rseq = ((uint64_t)rd16(r + 5) << 32) | ((uint64_t)rd16(r + 7) << 16) | rd16(r + 9);
        if (record_seen(d, epoch, rseq)) {
            c->dtls.duplicate_records[side]++;
            i += hl + rlen;
            continue;
        }
        struct tls_dir *td = &c->parser->d[dir];
        td->rec_off = off0 + i;
        td->rversion = version;
        td->saw_record = true;
        c->dtls.records[side]++;
        if (epoch > c->dtls.max_epoch[side]) c->dtls.max_epoch[side] = epoch;
        if (st->first_type == 0) {
            st->first_type = epoch ? CT_APPDATA : b;
            st->first_dir = dir;
        }
        if (epoch > 0 || b == CT_TLS12_CID) {
            flight_over(c, dir, ts_ns);
            if (c->parser) encrypted_record(c, dir, b, -1, rlen, ts_ns);
        } else {
            switch (b) {
            case CT_HANDSHAKE:
                handshake_record(c, dir, body, rlen, bavail, off0 + i + hl, ts_ns);
                break;
            case CT_CCS:
                /* RFC 6347 §4.1 / RFC 5246 §7.1: one byte of value 1; OpenSSL's
                 * pre-RFC DTLS (0x0100) added a 2-byte message_seq */
                if (bavail == rlen &&
                    (rlen != (version == DTLS_V_BAD ? 3u : 1u) || body[0] != 1))
                    tls_event_fmt(c, TLS_EV_MALFORMED, side, off0 + i, rlen, ts_ns,
                                  "ChangeCipherSpec record is not the single byte 1");
                if (rlen >= 1) tls_on_ccs(c, dir, ts_ns);
                break;
            case CT_ALERT:
                if (rlen == 2 && bavail == 2)
                    tls_on_alert(c, dir, false, body[0], body[1], ts_ns);
                else if (rlen > 0 && bavail == rlen)
                    tls_on_alert(c, dir, true, 0, 0, ts_ns);
                break;
            case CT_APPDATA:
                /* RFC 6347 §4.1: nothing but the handshake runs in epoch 0 */
                tls_event_fmt(c, TLS_EV_MALFORMED, side, off0 + i, rlen, ts_ns,
                              "application data in epoch 0");
                c->app_data_records[side]++;
                c->app_data_bytes[side] += rlen;
                break;
            default: /* heartbeat, ACK: nothing to learn */
                break;
            }
        }
        i += hl + rlen;
    }
    /* a datagram cut by snaplen counts as DTLS if what is there parsed */
    return clean && (i == len || caplen < len) ? PR_CLEAN : PR_BAD;
}

/* ------------------------------------------------------------------ */
/* public                                                             */

struct tls_conn *dtls_conn_new(const struct flow_meta *meta, struct dtls_budget *budget)
{
    struct tls_conn *c = tls_conn_new(meta);
    if (!c) return NULL;
    c->parser->dtls = calloc(1, sizeof *c->parser->dtls);
    if (!c->parser->dtls) {
        tls_conn_free(c);
        return NULL;
    }
    c->parser->dtls->budget = budget;
    c->parser->free_layer = dtls_state_free;
    c->is_dtls = true;
    return c;
}

int dtls_conn_datagram(struct tls_conn *c, enum flow_dir dir, const uint8_t *p, uint32_t caplen,
                       uint32_t len, int64_t ts_ns)
{
    struct dtls_state *st;
    uint64_t off0;
    enum tls_side side;
    enum parse_result pr;
    if (!c->parser || !c->parser->dtls || c->not_tls) return FLOW_COUNT_ONLY;
    st = c->parser->dtls;
    if (ts_ns > c->last_ts_ns) c->last_ts_ns = ts_ns;
    if (caplen > len) caplen = len;
    off0 = st->d[dir].pos;
    st->d[dir].pos += len;
    if (st->datagrams < UINT32_MAX) st->datagrams++;
    side = tls_side_of(c, dir);
    c->dtls.datagrams[side]++;
    if (caplen < len) {
        struct tls_dir *td = &c->parser->d[dir];
        tls_event_fmt(c, TLS_EV_GAP, side, off0 + caplen, len - caplen, ts_ns,
                      "datagram cut by snaplen: %u of %u bytes captured", caplen, len);
        td->gap = true;
        if (side == TLS_SERVER && !c->parser->server_cert_seen && !c->chain_final)
            td->gap_before_cert = true;
    }
    /* RFC 7983 §7 (and RFC 9443): 20..63 is DTLS; 0..3 STUN, 16..19 ZRTP,
     * 64..79 TURN channel, 128..191 RTP/RTCP share WebRTC flows with it */
    if (caplen == 0 || p[0] < 20 || p[0] > 63) {
        c->dtls.other_datagrams[side]++;
    } else {
        pr = parse_records(c, dir, p, caplen, len, off0, ts_ns);
        if (!c->parser) return FLOW_COUNT_ONLY;
        if (pr == PR_BAD) c->dtls.other_datagrams[tls_side_of(c, dir)]++;
        else if (pr == PR_CLEAN && st->clean < UINT32_MAX) st->clean++;
        /* no handshake in sight: a stream of well-formed records in both
         * the first datagrams is DTLS joined mid-session */
        if (!c->is_tls && !st->hello_seen && st->clean >= 2 && st->first_type)
            tls_on_first_sync(c, st->first_dir, st->first_type, ts_ns);
    }
    if (!c->is_tls && st->datagrams >= DTLS_PROBE_DATAGRAMS) {
        c->not_tls = true;
        tls_conn_release_parser(c); /* the association may live on, counting only */
        return FLOW_COUNT_ONLY;
    }
    return FLOW_CONTINUE;
}

void dtls_flush(struct tls_conn *c, int64_t ts_ns)
{
    if (!c->parser || !c->parser->dtls) return;
    for (int dir = 0; dir < 2 && c->parser; dir++) deliver_ready(c, (enum flow_dir)dir, true, ts_ns);
}

void dtls_state_free(struct tls_conn *c)
{
    struct dtls_state *st = c->parser ? c->parser->dtls : NULL;
    if (!st) return;
    for (int dir = 0; dir < 2; dir++)
        for (int i = 0; i < DTLS_MAX_INFLIGHT; i++)
            if (st->d[dir].msg[i].used) msg_free(st, &st->d[dir], &st->d[dir].msg[i]);
    free(st);
    c->parser->dtls = NULL;
}
