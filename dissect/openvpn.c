/* openvpn.c — OpenVPN over TCP: the TLS handshake inside its control channel.
 *
 * OpenVPN has no RFC; the layout is its own source (ssl_pkt.h, ssl.c
 * write_control_auth / read_control_auth, reliable.c). Over TCP every packet
 * is a 2-byte big-endian length, then one byte opcode << 3 | key_id. Control
 * packets without tls-auth / tls-crypt then hold:
 *   session id (8), ack count (1), that many acked packet ids (4 each),
 *   the remote session id (8) when the ack count > 0,
 *   message packet id (4), then the TLS bytes (P_CONTROL_V1 only).
 * The reliability layer retransmits: each message packet id is delivered to
 * the record layer once, in order, as one stream per direction. With
 * tls-auth an HMAC, a replay packet id and a time come before the ack count;
 * with tls-crypt (P_CONTROL_WKC_V1 for tls-crypt-v2) everything after the
 * session id is encrypted. Either way the first control packet does not
 * start a TLS record, and the connection is said to be protected instead of
 * being misread.
 */
#include <stdlib.h>
#include <string.h>

#include "common/cursor.h"
#include "tls_internal.h"

#define OPENVPN_OP_CONTROL_V1 4
#define OPENVPN_OP_HARD_RESET_CLIENT_V2 7
#define OPENVPN_OP_HARD_RESET_SERVER_V2 8
#define OPENVPN_OP_HARD_RESET_CLIENT_V3 10
#define OPENVPN_SESSION_ID_LEN 8
/* opcode + session id + ack array length + message packet id: the least a
 * hard reset holds (ssl.c write_control_auth without tls-auth) */
#define OPENVPN_MIN_RESET_LEN (1 + OPENVPN_SESSION_ID_LEN + 1 + 4)
/* one packet: OpenVPN's TCP reader takes a length up to its buffer; control
 * packets are at most tls-mtu (1250) plus headers, a hard reset with a
 * tls-crypt-v2 wrapped client key (<= 1024) more. Larger: not OpenVPN. */
#define OPENVPN_MAX_PACKET 4096
/* RELIABLE_ACK_SIZE: a packet acknowledges at most 8 others */
#define OPENVPN_MAX_ACKS 8

struct openvpn_dir {
    uint8_t len_hdr[2];
    uint8_t len_have;
    uint32_t need, have;          /* the current packet's length, bytes held */
    uint8_t pkt[OPENVPN_MAX_PACKET];
    bool started;                 /* first P_CONTROL_V1 seen: next_id is set */
    uint32_t next_id;             /* message packet id to deliver next */
    bool done;                    /* framing lost or nothing more to read */
};

struct openvpn_state {
    struct openvpn_dir d[2];
};

bool openvpn_tcp_reset(const uint8_t *h, size_t n)
{
    if (n < 3) return false;
    unsigned len = (unsigned)h[0] << 8 | h[1], op = h[2] >> 3, key_id = h[2] & 7u;
    if (key_id != 0) return false; /* a hard reset always starts key 0 */
    if (op != OPENVPN_OP_HARD_RESET_CLIENT_V2 && op != OPENVPN_OP_HARD_RESET_SERVER_V2 &&
        op != OPENVPN_OP_HARD_RESET_CLIENT_V3)
        return false;
    return len >= OPENVPN_MIN_RESET_LEN && len <= OPENVPN_MAX_PACKET;
}

static void openvpn_state_free(struct tls_conn *c)
{
    free(c->parser->openvpn);
    c->parser->openvpn = NULL;
}

bool openvpn_start(struct tls_conn *c, enum flow_dir dir, const uint8_t *p, uint32_t n)
{
    struct tls_parser *ps = c->parser;
    const struct tls_dir *d = &ps->d[dir];
    if (ps->free_layer || d->pos != 0 || d->gap || d->midstream_ok || d->mode != DM_SCAN_CH ||
        !openvpn_tcp_reset(p, n))
        return false;
    ps->openvpn = calloc(1, sizeof *ps->openvpn);
    if (!ps->openvpn) return false; /* record.c still names it OpenVPN, not dissected */
    ps->free_layer = openvpn_state_free;
    c->openvpn = true;
    return true;
}

/* Nothing more from this direction's control channel. */
static void dir_done(struct tls_conn *c, enum flow_dir dir)
{
    c->parser->openvpn->d[dir].done = true;
    c->parser->d[dir].mode = DM_DONE;
}

static void protected_channel(struct tls_conn *c, int64_t ts_ns)
{
    c->openvpn_protected = true;
    dir_done(c, FLOW_DIR_A);
    dir_done(c, FLOW_DIR_B);
    (void)ts_ns;
}

/* The first TLS bytes of a direction: a handshake record (RFC 8446 §5.1:
 * type 22, legacy version 3.x) holding a ClientHello or ServerHello. Read
 * through tls-auth or tls-crypt, these bytes are an HMAC, a replay packet id
 * and a time, or ciphertext: the time's second byte of late 2026 is 0x16,
 * so one byte alone would not do. */
static bool starts_hello(const struct cursor *cu)
{
    const uint8_t *p = cu->p;
    return cur_left(cu) >= 6 && p[0] == 22 && p[1] == 3 && p[2] <= 4 && (p[5] == 1 || p[5] == 2);
}

static void openvpn_packet(struct tls_conn *c, enum flow_dir dir, struct openvpn_dir *od,
                           int64_t ts_ns)
{
    struct cursor cu = cur_init(od->pkt, od->need);
    uint8_t opkey, acks;
    uint32_t id;
    if (cur_u8(&cu, &opkey) != 0) return;
    if (opkey >> 3 != OPENVPN_OP_CONTROL_V1) return; /* resets, acks, data: no TLS bytes */
    if (cur_skip(&cu, OPENVPN_SESSION_ID_LEN) != 0 || cur_u8(&cu, &acks) != 0 ||
        acks > OPENVPN_MAX_ACKS || cur_skip(&cu, (size_t)acks * 4) != 0 ||
        (acks && cur_skip(&cu, OPENVPN_SESSION_ID_LEN) != 0) || cur_u32(&cu, &id) != 0 ||
        (!od->started && !starts_hello(&cu))) {
        if (!od->started) protected_channel(c, ts_ns); /* tls-auth / tls-crypt */
        else dir_done(c, dir);
        return;
    }
    if (!od->started) {
        od->started = true;
        od->next_id = id;
    }
    if (id != od->next_id) {
        /* lower: a retransmission, already delivered; higher cannot happen
         * over TCP without a capture gap, which ends the direction */
        if (id > od->next_id) dir_done(c, dir);
        return;
    }
    od->next_id++;
    if (!cur_empty(&cu)) tls_record_feed(c, dir, cu.p, (uint32_t)cur_left(&cu), ts_ns);
}

void openvpn_feed(struct tls_conn *c, enum flow_dir dir, const uint8_t *p, uint32_t n,
                  int64_t ts_ns)
{
    struct openvpn_dir *od = &c->parser->openvpn->d[dir];
    while (n && !od->done) {
        if (od->len_have < 2) {
            od->len_hdr[od->len_have++] = *p++;
            n--;
            if (od->len_have == 2) {
                od->need = (uint32_t)od->len_hdr[0] << 8 | od->len_hdr[1];
                od->have = 0;
                if (od->need == 0 || od->need > OPENVPN_MAX_PACKET) {
                    tls_event_fmt(c, TLS_EV_MALFORMED, tls_side_of(c, dir), 0, od->need, ts_ns,
                                  "OpenVPN packet length %u: framing lost", (unsigned)od->need);
                    dir_done(c, dir);
                }
            }
            continue;
        }
        uint32_t take = od->need - od->have < n ? od->need - od->have : n;
        memcpy(od->pkt + od->have, p, take);
        od->have += take;
        p += take;
        n -= take;
        if (od->have == od->need) {
            od->len_have = 0;
            openvpn_packet(c, dir, od, ts_ns);
        }
    }
}

void openvpn_gap(struct tls_conn *c, enum flow_dir dir)
{
    struct tls_dir *d = &c->parser->d[dir];
    /* the framing cannot be found again; a missing chain is then "lost in
     * a capture gap" (tls_conn_close), as tls_record_gap marks it */
    d->gap = true;
    if (tls_side_of(c, dir) == TLS_SERVER && !c->parser->server_cert_seen && !c->chain_final)
        d->gap_before_cert = true;
    dir_done(c, dir);
}
