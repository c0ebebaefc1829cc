/* quic.c — QUIC Initial and Handshake packets to TLS handshake messages
 * (see quic.h). References: RFC 9000 (§12.2 coalescing, §17 packet formats,
 * §19 frames, §A.3 packet numbers), RFC 9001 (§5 packet protection), RFC 9369
 * (QUIC v2: salt, labels, packet types).
 */
#include "quic.h"

#include <stdlib.h>
#include <string.h>

#include "../common/cursor.h"
#include "keylog.h"
#include "tls13_decrypt.h"
#include "tls_internal.h"

enum { LVL_INITIAL = 0, LVL_HANDSHAKE = 1, LVL_N = 2 };

struct quic_space {                 /* one packet number space of one sender */
    struct tls13_traffic *aead;
    uint8_t hp[32];
    size_t hp_len;
    uint16_t suite;
    int64_t largest_pn;             /* -1: no packet opened yet */
    bool failed_noted;              /* a TLS_EV_DECRYPT event was recorded */
    /* CRYPTO reassembly: bytes at their stream offset, a bitmap of the ones
     * received, and how far they were handed to the message reassembler */
    uint8_t *buf;
    uint8_t *got;
    uint32_t delivered;
    bool capped;
};

struct quic_state {
    uint32_t version;
    uint8_t dcid[20];               /* the client Initial's DCID the Initial keys come from */
    uint8_t dcid_len;
    bool have_initial_keys;
    struct quic_space sp[2][LVL_N]; /* [enum tls_side][level] */
    uint32_t datagrams;
    bool opened_any;                /* an Initial decrypted: this is QUIC */
    bool restart;                   /* Retry or Version Negotiation: new Initial keys next */
};

static const uint8_t salt_v1[20] = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                                    0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
static const uint8_t salt_v2[20] = {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
                                    0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9};

static uint8_t scratch[65536]; /* one packet's plaintext (single-threaded, like held bytes) */

/* Long-header packet types: RFC 9000 §17.2 (v1), RFC 9369 §3.2 (v2). */
enum pkt_type { PT_INITIAL, PT_0RTT, PT_HANDSHAKE, PT_RETRY };

static enum pkt_type type_of(uint32_t version, uint8_t first)
{
    unsigned t = (first >> 4) & 3;
    if (version == QUIC_V2) {
        static const enum pkt_type v2[4] = {PT_RETRY, PT_INITIAL, PT_0RTT, PT_HANDSHAKE};
        return v2[t];
    }
    return (enum pkt_type)t;
}

/* RFC 9000 §16: variable-length integer. */
static int cur_varint(struct cursor *c, uint64_t *v)
{
    uint8_t b;
    if (cur_u8(c, &b) != 0) return CUR_ESHORT;
    size_t n = (size_t)1 << (b >> 6);
    uint64_t x = b & 0x3f;
    for (size_t i = 1; i < n; i++) {
        uint8_t nb;
        if (cur_u8(c, &nb) != 0) return CUR_ESHORT;
        x = x << 8 | nb;
    }
    *v = x;
    return 0;
}

int quic_initial_secret(uint32_t version, const uint8_t *dcid, size_t dcid_len, bool server,
                        uint8_t out[32])
{
    uint8_t initial[32];
    const uint8_t *salt = version == QUIC_V1 ? salt_v1 : version == QUIC_V2 ? salt_v2 : NULL;
    if (!salt) return -1;
    /* initial_secret = HKDF-Extract(initial_salt, client_dst_connection_id) */
    if (tls13_hkdf_extract_sha256(salt, 20, dcid, dcid_len, initial) != 0) return -1;
    return tls13_hkdf_expand_label(32, initial, 32, server ? "server in" : "client in", NULL, 0,
                                   out, 32) == 0
               ? 0
               : -1;
}

static void space_keys_free(struct quic_space *s)
{
    tls13_traffic_free(s->aead);
    s->aead = NULL;
}

static bool space_keys_set(struct quic_space *s, uint32_t version, uint16_t suite,
                           const uint8_t *secret, size_t len, char *err, size_t errlen)
{
    space_keys_free(s);
    s->aead = tls13_traffic_new_quic(suite, secret, len, version == QUIC_V2, s->hp, &s->hp_len,
                                     err, errlen);
    s->suite = suite;
    s->largest_pn = -1;
    return s->aead != NULL;
}

static void quic_state_free(struct tls_conn *c)
{
    struct quic_state *q = c->parser ? c->parser->quic : NULL;
    if (!q) return;
    for (int s = 0; s < 2; s++)
        for (int l = 0; l < LVL_N; l++) {
            struct quic_space *sp = &q->sp[s][l];
            space_keys_free(sp);
            if (sp->buf) tls_held_give(QUIC_MAX_CRYPTO + QUIC_MAX_CRYPTO / 8);
            free(sp->buf);
            free(sp->got);
        }
    free(q);
    c->parser->quic = NULL;
}

/* At the ServerHello (handshake.c, through parser->quic_keys): Handshake
 * packet keys from the key log. True if the server's will decrypt. */
static bool quic_keys_start(struct tls_conn *c, int64_t ts_ns)
{
    struct quic_state *q = c->parser->quic;
    const struct keylog_secrets *s;
    char err[96];
    if (!q || !(s = tls13_keys_lookup(c, ts_ns))) return false;
    if (!space_keys_set(&q->sp[TLS_SERVER][LVL_HANDSHAKE], q->version, c->sh.cipher, s->server_hs,
                        s->server_hs_len, err, sizeof err)) {
        tls_event_fmt(c, TLS_EV_DECRYPT, TLS_SERVER, 0, 0, ts_ns, "not decrypted: %s", err);
        return false;
    }
    if (s->client_hs_len)
        space_keys_set(&q->sp[TLS_CLIENT][LVL_HANDSHAKE], q->version, c->sh.cipher, s->client_hs,
                       s->client_hs_len, err, sizeof err);
    return true;
}

struct tls_conn *quic_conn_new(const struct flow_meta *meta)
{
    struct tls_conn *c = tls_conn_new(meta);
    if (!c) return NULL;
    c->parser->quic = calloc(1, sizeof *c->parser->quic);
    if (!c->parser->quic) {
        tls_conn_free(c);
        return NULL;
    }
    for (int s = 0; s < 2; s++)
        for (int l = 0; l < LVL_N; l++) c->parser->quic->sp[s][l].largest_pn = -1;
    c->parser->free_layer = quic_state_free;
    c->parser->quic_keys = quic_keys_start;
    /* CRYPTO data is handshake messages without records: both directions
     * read messages from the start; the sender of the first Initial is the
     * client */
    c->parser->d[0].mode = c->parser->d[1].mode = DM_RECORDS;
    tls_roles_fix(c, FLOW_DIR_A);
    c->is_quic = true;
    return c;
}

bool quic_datagram_plausible(const uint8_t *p, uint32_t caplen, uint32_t len)
{
    uint32_t version;
    if (!p || caplen < 7 || len < 1200) return false;
    if ((p[0] & 0xc0) != 0xc0) return false; /* long header, fixed bit */
    version = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
    if (version != QUIC_V1 && version != QUIC_V2) return false;
    if (type_of(version, p[0]) != PT_INITIAL) return false;
    return p[5] >= 8 && p[5] <= 20; /* RFC 9000 §7.2: a client's first DCID has >= 8 bytes */
}

/* RFC 9000 §A.3 DecodePacketNumber. */
static uint64_t decode_pn(int64_t largest, uint64_t truncated, unsigned pn_len)
{
    uint64_t expected = (uint64_t)(largest + 1);
    uint64_t win = (uint64_t)1 << (pn_len * 8), hwin = win / 2, mask = win - 1;
    uint64_t candidate = (expected & ~mask) | truncated;
    if (candidate + hwin <= expected && candidate < ((uint64_t)1 << 62) - win) return candidate + win;
    if (candidate > expected + hwin && candidate >= win) return candidate - win;
    return candidate;
}

int quic_open_long_packet(const uint8_t *p, size_t n, uint16_t suite, struct tls13_traffic *aead,
                          const uint8_t *hp, size_t hp_len, int64_t largest_pn, uint8_t *out,
                          size_t *out_len, uint64_t *pn, size_t *packet_len)
{
    struct cursor c = cur_init(p, n), id;
    uint8_t first, dl, sl;
    uint32_t version;
    uint64_t token_len = 0, length;
    static uint8_t aad[65536];
    if (cur_u8(&c, &first) || cur_u32(&c, &version) || cur_u8(&c, &dl) || dl > 20 ||
        cur_sub(&c, dl, &id) || cur_u8(&c, &sl) || sl > 20 || cur_skip(&c, sl))
        return -1;
    if (type_of(version, first) == PT_INITIAL &&
        (cur_varint(&c, &token_len) || cur_skip(&c, (size_t)token_len) != 0))
        return -1;
    if (cur_varint(&c, &length) || length > cur_left(&c) || length < 20) return -1;
    size_t pn_off = (size_t)(c.p - p);
    *packet_len = pn_off + (size_t)length;
    /* §5.4.2: the sample starts 4 bytes after the packet number field start */
    uint8_t mask[5];
    if (tls13_hp_mask(suite, hp, hp_len, p + pn_off + 4, mask) != 0) return -1;
    uint8_t f = first ^ (mask[0] & 0x0f);
    unsigned pn_len = (f & 3) + 1;
    size_t hlen = pn_off + pn_len;
    if (hlen > sizeof aad) return -1;
    memcpy(aad, p, pn_off);
    aad[0] = f;
    uint64_t trunc = 0;
    for (unsigned i = 0; i < pn_len; i++) {
        aad[pn_off + i] = p[pn_off + i] ^ mask[1 + i];
        trunc = trunc << 8 | aad[pn_off + i];
    }
    *pn = decode_pn(largest_pn, trunc, pn_len);
    int rc = tls13_aead_open(aead, *pn, aad, hlen, p + hlen, *packet_len - hlen, out, out_len);
    return rc == TLS13_OK ? 0 : rc == TLS13_EAUTH ? -2 : -1;
}

/* Hand the newly contiguous CRYPTO bytes of one space to the message
 * reassembler. The Handshake level of a side waits for its Initial level
 * (messages never straddle levels, RFC 9001 §4.1.3). */
static void crypto_deliver(struct tls_conn *c, struct quic_state *q, enum tls_side side, int lvl,
                           int64_t ts_ns)
{
    struct quic_space *sp = &q->sp[side][lvl];
    uint32_t from = sp->delivered, to = from;
    if (!sp->buf) return;
    if (lvl == LVL_HANDSHAKE && !c->sh.present) return;
    while (to < QUIC_MAX_CRYPTO && (sp->got[to / 8] >> (to % 8)) & 1) to++;
    if (to == from) return;
    sp->delivered = to;
    tls_record_messages(c, tls_dir_of(c, side), sp->buf + from, to - from, from, ts_ns);
}

static void crypto_add(struct tls_conn *c, struct quic_state *q, enum tls_side side, int lvl,
                       uint64_t off, const uint8_t *data, uint64_t n, int64_t ts_ns)
{
    struct quic_space *sp = &q->sp[side][lvl];
    if (off + n > QUIC_MAX_CRYPTO) {
        if (!sp->capped)
            tls_event_fmt(c, TLS_EV_CAP, side, off, n, ts_ns,
                          "QUIC CRYPTO data beyond %u KiB not kept", QUIC_MAX_CRYPTO >> 10);
        sp->capped = true;
        if (off >= QUIC_MAX_CRYPTO) return;
        n = QUIC_MAX_CRYPTO - off;
    }
    if (!sp->buf) {
        if (!tls_held_take(QUIC_MAX_CRYPTO + QUIC_MAX_CRYPTO / 8)) {
            if (!sp->capped)
                tls_event_fmt(c, TLS_EV_CAP, side, off, n, ts_ns,
                              "QUIC CRYPTO data not kept: memory cap");
            sp->capped = true;
            return;
        }
        sp->buf = malloc(QUIC_MAX_CRYPTO);
        sp->got = calloc(1, QUIC_MAX_CRYPTO / 8);
        if (!sp->buf || !sp->got) {
            free(sp->buf);
            free(sp->got);
            sp->buf = sp->got = NULL;
            tls_held_give(QUIC_MAX_CRYPTO + QUIC_MAX_CRYPTO / 8);
            return;
        }
    }
    memcpy(sp->buf + off, data, (size_t)n);
    for (uint64_t i = off; i < off + n; i++) sp->got[i / 8] |= (uint8_t)(1u << (i % 8));
    crypto_deliver(c, q, side, lvl, ts_ns);
}

/* RFC 9000 §19 frames of an Initial or Handshake packet. */
static void frames(struct tls_conn *c, struct quic_state *q, enum tls_side side, int lvl,
                   const uint8_t *p, size_t n, int64_t ts_ns)
{
    struct cursor cur = cur_init(p, n);
    while (!cur_empty(&cur)) {
        uint64_t type, a, b, k, len;
        const uint8_t *data;
        if (cur_varint(&cur, &type)) break;
        switch (type) {
        case 0x00: /* PADDING */
        case 0x01: /* PING */
            continue;
        case 0x02: /* ACK */
        case 0x03:
            if (cur_varint(&cur, &a) || cur_varint(&cur, &a) || cur_varint(&cur, &k) ||
                cur_varint(&cur, &a))
                goto bad;
            for (uint64_t i = 0; i < k; i++)
                if (cur_varint(&cur, &a) || cur_varint(&cur, &b)) goto bad;
            if (type == 0x03 && (cur_varint(&cur, &a) || cur_varint(&cur, &a) ||
                                 cur_varint(&cur, &a)))
                goto bad;
            continue;
        case 0x06: /* CRYPTO */
            if (cur_varint(&cur, &a) || cur_varint(&cur, &len) || cur_bytes(&cur, (size_t)len, &data))
                goto bad;
            crypto_add(c, q, side, lvl, a, data, len, ts_ns);
            continue;
        case 0x1c: /* CONNECTION_CLOSE (transport) */
        case 0x1d:
            if (cur_varint(&cur, &a) || (type == 0x1c && cur_varint(&cur, &b)) ||
                cur_varint(&cur, &len) || cur_skip(&cur, (size_t)len))
                goto bad;
            /* RFC 9001 §4.8: 0x0100 + a TLS alert */
            if (a >= 0x100 && a <= 0x1ff) tls_on_alert(c, tls_dir_of(c, side), false, 2,
                                                       (uint8_t)(a - 0x100), ts_ns);
            else
                tls_event_fmt(c, TLS_EV_MALFORMED, side, 0, 0, ts_ns,
                              "QUIC CONNECTION_CLOSE with error 0x%llx", (unsigned long long)a);
            return;
        default:
            goto bad;
        }
    }
    return;
bad:
    tls_event_fmt(c, TLS_EV_MALFORMED, side, 0, 0, ts_ns,
                  "QUIC frame not allowed or cut short in a %s packet",
                  lvl == LVL_INITIAL ? "Initial" : "Handshake");
}

static void initial_keys(struct tls_conn *c, struct quic_state *q, uint32_t version,
                         const uint8_t *dcid, uint8_t dl)
{
    uint8_t cs[32], ss[32];
    char err[96];
    /* RFC 9001 §5.2: from the DCID of the client's first Initial; the
     * client's later Initials carry the server's chosen connection ID but
     * keep those keys. Only a Retry (§5.2, RFC 9000 §17.2.5) or a Version
     * Negotiation starts over with the DCID of the next Initial. */
    if (q->have_initial_keys && !q->restart && q->version == version) return;
    if (q->have_initial_keys && q->version == version && q->dcid_len == dl &&
        memcmp(q->dcid, dcid, dl) == 0)
        return;
    q->restart = false;
    q->version = version;
    memcpy(q->dcid, dcid, dl);
    q->dcid_len = dl;
    q->have_initial_keys =
        quic_initial_secret(version, dcid, dl, false, cs) == 0 &&
        quic_initial_secret(version, dcid, dl, true, ss) == 0 &&
        space_keys_set(&q->sp[TLS_CLIENT][LVL_INITIAL], version, 0x1301, cs, 32, err, sizeof err) &&
        space_keys_set(&q->sp[TLS_SERVER][LVL_INITIAL], version, 0x1301, ss, 32, err, sizeof err);
    (void)c;
}

int quic_conn_datagram(struct tls_conn *c, enum flow_dir dir, const uint8_t *p, uint32_t caplen,
                       uint32_t len, int64_t ts_ns)
{
    struct quic_state *q;
    enum tls_side side;
    size_t i = 0;
    if (!c->parser || !c->parser->quic || c->not_tls) return FLOW_COUNT_ONLY;
    q = c->parser->quic;
    side = tls_side_of(c, dir);
    if (ts_ns > c->last_ts_ns) c->last_ts_ns = ts_ns;
    if (caplen > len) caplen = len;
    q->datagrams++;
    while (i < caplen) {
        const uint8_t *pk = p + i;
        size_t left = caplen - i;
        if (!(pk[0] & 0x80)) { /* short header: 1-RTT, to the end of the datagram */
            c->app_data_records[side]++;
            c->app_data_bytes[side] += left;
            break;
        }
        if (left < 7) break;
        uint32_t version = (uint32_t)pk[1] << 24 | (uint32_t)pk[2] << 16 |
                           (uint32_t)pk[3] << 8 | pk[4];
        if (version == 0) { /* RFC 9000 §17.2.1 Version Negotiation */
            if (!c->quic_version_negotiation)
                tls_event_fmt(c, TLS_EV_MALFORMED, side, 0, 0, ts_ns,
                              "QUIC Version Negotiation: the server does not speak 0x%08x",
                              q->version);
            c->quic_version_negotiation = true;
            q->restart = true;
            break;
        }
        if (version != QUIC_V1 && version != QUIC_V2) break;
        c->quic_version = version;
        enum pkt_type t = type_of(version, pk[0]);
        if (t == PT_RETRY) { /* §17.2.5: the client's next Initial has new keys */
            c->quic_retry = true;
            q->restart = true;
            /* its packet numbers start over too (RFC 9000 §17.2.5.3) */
            break;
        }
        uint8_t dl = pk[5];
        if (dl > 20 || (size_t)6 + dl > left) break;
        if (t == PT_INITIAL && side == TLS_CLIENT) initial_keys(c, q, version, pk + 6, dl);
        int lvl = t == PT_INITIAL ? LVL_INITIAL : t == PT_HANDSHAKE ? LVL_HANDSHAKE : -1;
        struct quic_space *sp = lvl >= 0 ? &q->sp[side][lvl] : NULL;
        size_t plen = 0, olen = 0;
        uint64_t pn = 0;
        int rc = -1;
        if (lvl == LVL_HANDSHAKE) c->encrypted_hs[side] = true;
        if (sp && sp->aead) {
            rc = quic_open_long_packet(pk, left, sp->suite, sp->aead, sp->hp, sp->hp_len,
                                       sp->largest_pn, scratch, &olen, &pn, &plen);
        } else {
            /* skip it: its Length field says where the next packet starts */
            struct cursor cur = cur_init(pk, left);
            uint8_t b, l;
            uint32_t v;
            uint64_t tok = 0, length;
            if (cur_u8(&cur, &b) || cur_u32(&cur, &v) || cur_u8(&cur, &l) || cur_skip(&cur, l) ||
                cur_u8(&cur, &l) || cur_skip(&cur, l) ||
                (t == PT_INITIAL && (cur_varint(&cur, &tok) || cur_skip(&cur, (size_t)tok))) ||
                cur_varint(&cur, &length) || length > cur_left(&cur))
                break;
            plen = (size_t)(cur.p - pk) + (size_t)length;
        }
        if (rc == 0) {
            if ((int64_t)pn > sp->largest_pn) sp->largest_pn = (int64_t)pn;
            if (lvl == LVL_INITIAL) q->opened_any = true;
            if (lvl == LVL_HANDSHAKE) c->decrypted = true;
            frames(c, q, side, lvl, scratch, olen, ts_ns);
            if (c->ch.present) c->is_tls = true;
        } else if (rc == -2 && !sp->failed_noted) {
            sp->failed_noted = true;
            if (lvl == LVL_HANDSHAKE) {
                c->decrypt_failed = true;
                tls_event_fmt(c, TLS_EV_DECRYPT, side, 0, 0, ts_ns,
                              "QUIC Handshake packet: AEAD tag mismatch: wrong %s?",
                              side == TLS_SERVER ? "SERVER_HANDSHAKE_TRAFFIC_SECRET"
                                                 : "CLIENT_HANDSHAKE_TRAFFIC_SECRET");
                if (side == TLS_SERVER && !c->parser->server_cert_seen)
                    tls_set_chain_final(c, TLS_NOCHAIN_TLS13, ts_ns);
            } else {
                tls_event_fmt(c, TLS_EV_DECRYPT, side, 0, 0, ts_ns,
                              "QUIC Initial packet did not decrypt with the keys of DCID length %u",
                              q->dcid_len);
            }
        }
        if (plen == 0 || plen > left) break; /* the rest cannot be framed */
        i += plen;
    }
    /* handshake-level bytes that waited for the ServerHello */
    crypto_deliver(c, q, TLS_SERVER, LVL_HANDSHAKE, ts_ns);
    crypto_deliver(c, q, TLS_CLIENT, LVL_HANDSHAKE, ts_ns);
    tls_update_complete(c);
    if (!q->opened_any && q->datagrams >= QUIC_PROBE_DATAGRAMS) {
        c->not_tls = true;
        return FLOW_COUNT_ONLY;
    }
    return c->parser ? FLOW_CONTINUE : FLOW_COUNT_ONLY;
}
