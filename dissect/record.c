/* record.c — from ordered bytes of one direction to TLS records and whole
 * handshake messages.
 *
 * A direction is in one of these modes (enum tls_dir_mode):
 *   scan     TLS may start anywhere in the first TLS_SCAN_LIMIT bytes
 *            (STARTTLS, HTTP CONNECT, SOCKS, PostgreSQL SSLRequest, ...):
 *            look for a record header that starts a ClientHello (or, for the
 *            other side, the server's first record). Only a short carry-over
 *            (TLS_SCAN_CARRY bytes) is kept between chunks, never the
 *            plaintext itself.
 *   records  in sync: read 5-byte record headers (RFC 8446 §5.1, RFC 5246
 *            §6.2.1); handshake payload goes to the message reassembler,
 *            application data is skipped without copying (only counted), so
 *            the cost after the handshake is O(records), not O(bytes).
 *   resync   after a gap or a header that cannot be right: search for a
 *            plausible header, confirmed by the header that follows it.
 *   sslv2    SSLv2 record layer (2- or 3-byte headers, RFC 6101 Appendix E).
 *   done     nothing more wanted: the caller only counts bytes.
 *
 * The modes hand bytes to each other in a loop (tls_record_feed); no
 * function calls back into the one that called it.
 */
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "tls_internal.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))

static void sync_confirmed(struct tls_conn *c, enum flow_dir dir, uint64_t at, int64_t ts_ns);

static uint32_t rd24(const uint8_t *p)
{
    return ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
}

static bool version_ok(uint8_t major, uint8_t minor)
{
    return major == 3 && minor <= 4; /* SSL 3.0 .. TLS 1.3 record versions */
}

/* ------------------------------------------------------------------ */
/* Matchers: does a TLS start at p? 1 yes, 0 no, -1 need more bytes (only
 * ever with fewer than TLS_SCAN_WINDOW bytes available).              */

/* A record header that starts a ClientHello: content type 22, version
 * 3.x, length plausible, handshake type 1 with a length that a ClientHello
 * can have, client_version 3.x. Eleven bytes decide. */
static int match_client_hello(const uint8_t *p, size_t avail)
{
    uint32_t rlen, hlen;
    if (avail < 1) return -1;
    if (p[0] != CT_HANDSHAKE) return 0;
    if (avail < 3) return -1;
    if (!version_ok(p[1], p[2])) return 0;
    if (avail < 6) return -1;
    rlen = ((uint32_t)p[3] << 8) | p[4];
    if (rlen < 6 || rlen > TLS_RECORD_MAX) return 0;
    if (p[5] != HS_CLIENT_HELLO) return 0;
    if (avail < 9) return -1;
    hlen = rd24(p + 6);
    /* version + random + 3 one/two-byte vectors at least (RFC 8446 §4.1.2) */
    if (hlen < 38 || hlen > TLS_MAX_HANDSHAKE_MSG) return 0;
    if (avail < 11) return -1;
    return p[9] == 3 && p[10] <= 4 ? 1 : 0;
}

/* The server's first record: a ServerHello (type 22 / handshake 2, server
 * version 3.x or a 1.3 draft 0x7fNN), a plaintext alert, or a CCS. */
static int match_server_first(const uint8_t *p, size_t avail)
{
    uint32_t rlen, hlen;
    if (avail < 1) return -1;
    if (p[0] != CT_HANDSHAKE && p[0] != CT_ALERT && p[0] != CT_CCS) return 0;
    if (avail < 3) return -1;
    if (!version_ok(p[1], p[2])) return 0;
    if (avail < 6) return -1;
    rlen = ((uint32_t)p[3] << 8) | p[4];
    if (p[0] == CT_ALERT) return rlen == 2 && (p[5] == 1 || p[5] == 2) ? 1 : 0;
    if (p[0] == CT_CCS) return rlen == 1 && p[5] == 1 ? 1 : 0;
    if (rlen < 6 || rlen > TLS_RECORD_MAX) return 0;
    if (p[5] != HS_SERVER_HELLO && p[5] != HS_HELLO_RETRY_REQUEST) return 0;
    if (avail < 9) return -1;
    hlen = rd24(p + 6);
    if (hlen < 6 || hlen > TLS_MAX_HANDSHAKE_MSG) return 0;
    if (avail < 11) return -1;
    return (p[9] == 3 && p[10] <= 4) || p[9] == 0x7f ? 1 : 0;
}

/* SSLv2 SERVER-HELLO (RFC 6101 Appendix E / SSL 2.0): 2-byte header,
 * msg_type 4, session_id_hit, certificate_type, version 0x0002, then the
 * lengths of certificate, cipher specs and connection id. */
static int match_sslv2_server_hello(const uint8_t *p, size_t avail)
{
    uint32_t len, cert, cs, cid;
    if (avail < 1) return -1;
    if (!(p[0] & 0x80)) return 0;
    if (avail < 3) return -1;
    if (p[2] != 4) return 0;
    if (avail < 13) return avail < TLS_SCAN_WINDOW ? -1 : 0;
    len = ((uint32_t)(p[0] & 0x7f) << 8) | p[1];
    if (p[5] != 0 || p[6] != 2) return 0;
    cert = ((uint32_t)p[7] << 8) | p[8];
    cs = ((uint32_t)p[9] << 8) | p[10];
    cid = ((uint32_t)p[11] << 8) | p[12];
    return len == 11 + cert + cs + cid ? 1 : 0;
}

/* Any record header (after a gap or mid-connection). Confirmed by the next
 * header when it lies in the same buffer; else tentative (*tentative=true). */
static int match_any_record(const uint8_t *p, size_t avail, bool *tentative)
{
    uint32_t rlen;
    size_t next;
    if (avail < 1) return -1;
    if (p[0] < CT_CCS || p[0] > CT_APPDATA) return 0;
    if (avail < 5) return -1;
    if (!version_ok(p[1], p[2])) return 0;
    rlen = ((uint32_t)p[3] << 8) | p[4];
    if (rlen == 0 || rlen > TLS_RECORD_MAX) return 0;
    if (p[0] == CT_CCS && (rlen != 1 || avail < 6 || p[5] != 1)) return 0;
    next = 5 + (size_t)rlen;
    if (avail >= next + 3) {
        *tentative = false;
        return p[next] >= CT_CCS && p[next] <= CT_HEARTBEAT && p[next + 1] == p[1] &&
                       p[next + 2] == p[2]
                   ? 1
                   : 0;
    }
    *tentative = true;
    return 1;
}

enum match_kind { MK_NONE = 0, MK_CH, MK_V2CH, MK_SERVER, MK_V2SH, MK_RECORD };

struct match {
    enum match_kind kind;
    bool tentative;
};

/* Try the matchers the direction's mode allows at p. Returns 1 (m filled),
 * 0 or -1 (need more). */
static int match_at(const struct tls_conn *c, const struct tls_dir *d, const uint8_t *p,
                    size_t avail, struct match *m)
{
    int need = 0, r;
    uint8_t b = p[0];
    /* cheap first-byte filter: record types 20..23, or an SSLv2 header */
    if ((b < CT_CCS || b > CT_APPDATA) && !(b & 0x80)) return 0;
    m->tentative = false;
    if (d->mode == DM_SCAN_CH) {
        r = match_client_hello(p, avail);
        if (r > 0) { m->kind = MK_CH; return 1; }
        need |= r < 0;
        r = tls_match_sslv2_client_hello(p, avail);
        if (r > 0) { m->kind = MK_V2CH; return 1; }
        need |= r < 0;
        if (!c->parser->roles_fixed) { /* a ServerHello seen before any ClientHello */
            r = match_server_first(p, avail);
            if (r > 0 && p[0] == CT_HANDSHAKE) { m->kind = MK_SERVER; return 1; }
            need |= r < 0;
        }
    } else if (d->mode == DM_SCAN_SERVER) {
        r = match_server_first(p, avail);
        if (r > 0) { m->kind = MK_SERVER; return 1; }
        need |= r < 0;
        if (c->ch.sslv2_format) {
            r = match_sslv2_server_hello(p, avail);
            if (r > 0) { m->kind = MK_V2SH; return 1; }
            need |= r < 0;
        }
    }
    if (d->mode == DM_RESYNC || d->midstream_ok) {
        r = match_any_record(p, avail, &m->tentative);
        /* SSL 3.0 record versions are rare enough to need a 3.0 session */
        if (r > 0 && avail >= 3 && p[2] == 0 && c->sh.legacy_version != TLS_V_SSL3) r = 0;
        if (r > 0) { m->kind = MK_RECORD; return 1; }
        need |= r < 0;
    }
    return need ? -1 : 0;
}

/* ------------------------------------------------------------------ */

static void hs_reset(struct tls_dir *d)
{
    d->hsh_have = 0;
    d->hs_len = d->hs_have = 0;
    d->hs_skip = false;
}

static void rec_reset(struct tls_dir *d)
{
    d->hdr_have = 0;
    d->in_record = false;
    d->rleft = 0;
    d->small_have = 0;
    d->decrypt_rec13 = false;
}

/* A message that was being reassembled will not complete. */
static void hs_abandon(struct tls_conn *c, enum flow_dir dir, int64_t ts_ns)
{
    struct tls_dir *d = &c->parser->d[dir];
    if (d->hsh_have == TLS_HS_HDR && !d->hs_skip)
        tls_handshake_lost(c, dir, d->hs_type, d->hs_off, ts_ns, false);
    hs_reset(d);
}

static void enter_resync(struct tls_conn *c, enum flow_dir dir, const uint8_t *seed, size_t n,
                         int64_t ts_ns)
{
    struct tls_dir *d = &c->parser->d[dir];
    hs_abandon(c, dir, ts_ns);
    rec_reset(d);
    d->mode = DM_RESYNC;
    d->scanned = 0;
    d->carry_len = 0;
    d->tentative = false;
    if (seed && n) { /* rescan what followed the bad header's first byte */
        if (n > TLS_SCAN_CARRY) n = TLS_SCAN_CARRY;
        memcpy(d->carry, seed, n);
        d->carry_len = (uint8_t)n;
    }
}

/* Grow the handshake buffer to hold `need` bytes (need <= cap limit). The
 * growth is counted against TLS_MAX_HELD_TOTAL. */
static bool hs_reserve(struct tls_dir *d, uint32_t need)
{
    uint32_t cap;
    uint8_t *nb;
    if (d->hs_cap >= need) return true;
    cap = d->hs_cap ? d->hs_cap : 4096;
    while (cap < need) cap = cap > TLS_MAX_HANDSHAKE_MSG / 2 ? TLS_MAX_HANDSHAKE_MSG : cap * 2;
    if (!tls_held_take(cap - d->hs_cap)) return false;
    nb = realloc(d->hs_buf, cap);
    if (!nb) {
        tls_held_give(cap - d->hs_cap);
        return false;
    }
    d->hs_buf = nb;
    d->hs_cap = cap;
    return true;
}

/* Handshake payload bytes of one record (RFC 8446 §5.1: messages may span
 * records and several may share one). A message that lies whole in the
 * caller's buffer is parsed in place; otherwise it is copied. */
static void hs_feed(struct tls_conn *c, enum flow_dir dir, const uint8_t *p, size_t n,
                    uint64_t off, int64_t ts_ns)
{
    struct tls_dir *d = &c->parser->d[dir];
    size_t j = 0;
    while (j < n && d->mode == DM_RECORDS) {
        if (d->hsh_have < TLS_HS_HDR) {
            size_t k = MIN((size_t)(TLS_HS_HDR - d->hsh_have), n - j);
            if (d->hsh_have == 0) d->hs_off = off + j;
            memcpy(d->hsh + d->hsh_have, p + j, k);
            d->hsh_have = (uint8_t)(d->hsh_have + k);
            j += k;
            if (d->hsh_have < TLS_HS_HDR) return;
            d->hs_type = d->hsh[0];
            d->hs_len = rd24(d->hsh + 1);
            d->hs_have = 0;
            d->hs_skip = false;
            if (d->hs_len > TLS_MAX_HANDSHAKE_MSG) {
                tls_event_cap(c, TLS_CAPHIT_HANDSHAKE_MSG, tls_side_of(c, dir), d->hs_off,
                              d->hs_len, ts_ns, "handshake message type %u of %u bytes skipped", d->hs_type,
                              d->hs_len);
                tls_handshake_lost(c, dir, d->hs_type, d->hs_off, ts_ns, true);
                d->hs_skip = true;
            }
            if (d->hs_len == 0) {
                static const uint8_t empty[1]; /* parsers get a real pointer */
                uint8_t t = d->hs_type;
                uint64_t o = d->hs_off;
                hs_reset(d);
                tls_handshake_message(c, dir, t, empty, 0, o, ts_ns);
                continue;
            }
            if (!d->hs_skip && n - j >= d->hs_len) { /* whole message here: no copy */
                uint8_t t = d->hs_type;
                uint32_t len = d->hs_len;
                uint64_t o = d->hs_off;
                hs_reset(d);
                j += len;
                tls_handshake_message(c, dir, t, p + j - len, len, o, ts_ns);
                continue;
            }
            continue;
        }
        size_t k = MIN((size_t)(d->hs_len - d->hs_have), n - j);
        /* The buffer grows with the bytes that arrive, not with the length
         * the header claims: four bytes must not commit a megabyte. */
        if (!d->hs_skip && !hs_reserve(d, d->hs_have + (uint32_t)k)) {
            tls_event_cap(c, TLS_CAPHIT_HELD_TOTAL, tls_side_of(c, dir), d->hs_off, d->hs_len,
                          ts_ns, "%u-byte handshake message skipped (%u MiB for all "
                          "connections)",
                          d->hs_len, TLS_MAX_HELD_TOTAL >> 20);
            tls_handshake_lost(c, dir, d->hs_type, d->hs_off, ts_ns, true);
            d->hs_skip = true;
        }
        if (!d->hs_skip) memcpy(d->hs_buf + d->hs_have, p + j, k);
        d->hs_have += (uint32_t)k;
        j += k;
        if (d->hs_have == d->hs_len) {
            bool skip = d->hs_skip;
            uint8_t t = d->hs_type;
            uint32_t len = d->hs_len;
            uint64_t o = d->hs_off;
            hs_reset(d);
            if (!skip) tls_handshake_message(c, dir, t, d->hs_buf, len, o, ts_ns);
        }
    }
}

void tls_record_messages(struct tls_conn *c, enum flow_dir dir, const uint8_t *p, size_t n,
                         uint64_t off, int64_t ts_ns)
{
    hs_feed(c, dir, p, n, off, ts_ns);
}

/* Is this TLS 1.3 opaque record part of the handshake rather than
 * application data? The server's records before the client's Finished are
 * its encrypted flight (EncryptedExtensions..Finished); the client's first
 * one after the ServerHello is its Finished. Early data (before the
 * ServerHello) is application data. */
static bool appdata_is_handshake13(struct tls_conn *c, enum flow_dir dir)
{
    struct tls_parser *ps = c->parser;
    if (!c->sh.present || !tls_conn_is13(c)) return false;
    /* with key-log secrets the records themselves say where the handshake
     * ends (each side's Finished) */
    if (ps->keys13 && tls13_keys_wants(c, dir)) {
        ps->d[dir].decrypt_rec13 = true;
        return true;
    }
    /* after a decrypted Finished: application data (half-RTT data, tickets) */
    if (ps->keys13 && c->finished[tls_side_of(c, dir)]) return false;
    if (c->handshake_complete) return false;
    if (tls_side_of(c, dir) == TLS_SERVER) return !ps->client_fin13;
    if (ps->client_fin13) return false;
    ps->client_fin13 = true;
    return true;
}

/* A record header is complete in d->hdr. Returns false if it cannot be a
 * record (the caller resynchronises). */
static bool rec_begin(struct tls_conn *c, enum flow_dir dir, int64_t ts_ns)
{
    struct tls_dir *d = &c->parser->d[dir];
    uint8_t type = d->hdr[0];
    uint32_t len = ((uint32_t)d->hdr[3] << 8) | d->hdr[4];
    enum tls_side side = tls_side_of(c, dir);

    if (type < CT_CCS || type > CT_HEARTBEAT || !version_ok(d->hdr[1], d->hdr[2]) ||
        len > TLS_RECORD_MAX) {
        if (!d->tentative)
            tls_event_fmt(c, TLS_EV_MALFORMED, side, d->rec_off, len, ts_ns,
                          "bad record header %02x %02x%02x len %u: lost sync", type, d->hdr[1],
                          d->hdr[2], len);
        return false;
    }
    if (d->tentative) {
        d->tentative = false;
        sync_confirmed(c, dir, d->sync_off, ts_ns);
    }
    d->in_record = true;
    d->rtype = type;
    d->rversion = (uint16_t)((d->hdr[1] << 8) | d->hdr[2]);
    d->rlen = d->rleft = len;
    d->small_have = 0;
    d->small_lost = false;
    d->saw_record = true;
    if (len == 0 && type != CT_APPDATA)
        tls_event_fmt(c, TLS_EV_MALFORMED, side, d->rec_off, 0, ts_ns,
                      "zero-length record of type %u (RFC 8446 5.1)", type);
    d->decrypt_rec13 = false;
    if (type == CT_APPDATA) {
        if (appdata_is_handshake13(c, dir)) {
            d->rtype = CT_HANDSHAKE; /* opaque TLS 1.3 handshake record */
            d->encrypted_rec13 = true;
        } else {
            d->encrypted_rec13 = false;
            c->app_data_records[side]++;
        }
    }
    return true;
}

/* A TLS 1.3 record tls13_keys.c buffered is complete: its plaintext is a
 * handshake fragment (messages span and share records as in plaintext,
 * RFC 8446 §5.1) or a protected alert (§6). */
static void rec_end_decrypted(struct tls_conn *c, enum flow_dir dir, int64_t ts_ns)
{
    struct tls_dir *d = &c->parser->d[dir];
    size_t len;
    uint8_t type;
    const uint8_t *plain = tls13_keys_open(c, dir, d->hdr, d->rec_off, ts_ns, &len, &type);
    if (!plain) {
        tls_on_keys_stopped(c, ts_ns);
        return;
    }
    switch (type) {
    case CT_HANDSHAKE:
        hs_feed(c, dir, plain, len, d->rec_off + TLS_RECORD_HDR, ts_ns);
        break;
    case CT_ALERT:
        if (len == 2) tls_on_alert(c, dir, false, plain[0], plain[1], ts_ns);
        else tls_on_alert(c, dir, true, 0, 0, ts_ns);
        tls13_keys_finished(c, tls_side_of(c, dir)); /* an alert ends the handshake */
        tls_on_keys_stopped(c, ts_ns);
        break;
    default: /* §5.1: application data under handshake keys is a protocol error */
        tls_event_fmt(c, TLS_EV_MALFORMED, tls_side_of(c, dir), d->rec_off, len, ts_ns,
                      "decrypted handshake record holds content type %u", type);
        break;
    }
}

static void rec_end(struct tls_conn *c, enum flow_dir dir, int64_t ts_ns)
{
    struct tls_dir *d = &c->parser->d[dir];
    enum tls_side side = tls_side_of(c, dir);
    d->in_record = false;
    d->hdr_have = 0;
    switch (d->rtype) {
    case CT_HANDSHAKE:
        if (d->decrypt_rec13) {
            d->decrypt_rec13 = false;
            rec_end_decrypted(c, dir, ts_ns);
            if (d->mode != DM_RECORDS) break;
        }
        if (d->encrypted || d->encrypted_rec13)
            tls_on_encrypted_record(c, dir, d->hdr[0], d->rlen, ts_ns);
        d->encrypted_rec13 = false;
        break;
    case CT_CCS:
        /* RFC 5246 §7.1: one byte of value 1 */
        if (!d->small_lost && (d->rlen != 1 || d->small_have != 1 || d->small[0] != 1))
            tls_event_fmt(c, TLS_EV_MALFORMED, side, d->rec_off, d->rlen, ts_ns,
                          "ChangeCipherSpec record is not the single byte 1");
        if (d->rlen >= 1) tls_on_ccs(c, dir, ts_ns);
        break;
    case CT_ALERT:
        /* RFC 5246 §7.2: level, description. A record of another length is
         * ciphertext (TLS <= 1.2 after CCS; 1.3 protects alerts as type 23,
         * so a 2-byte type-21 record is plaintext there). */
        if (d->rlen == 2 && d->small_have == 2 && !d->small_lost &&
            !(d->encrypted && !tls_conn_is13(c)))
            tls_on_alert(c, dir, false, d->small[0], d->small[1], ts_ns);
        else if (d->rlen > 0)
            tls_on_alert(c, dir, true, 0, 0, ts_ns);
        break;
    default:
        break;
    }
}

/* Records mode. Returns bytes consumed; stops early when the mode changes. */
static size_t rec_feed(struct tls_conn *c, enum flow_dir dir, const uint8_t *p, size_t n,
                       uint64_t off, int64_t ts_ns)
{
    struct tls_dir *d = &c->parser->d[dir];
    size_t i = 0;
    while (i < n && d->mode == DM_RECORDS) {
        if (!d->in_record) {
            size_t k;
            if (d->hdr_have == 0) d->rec_off = off + i;
            k = MIN((size_t)(TLS_RECORD_HDR - d->hdr_have), n - i);
            memcpy(d->hdr + d->hdr_have, p + i, k);
            d->hdr_have = (uint8_t)(d->hdr_have + k);
            i += k;
            if (d->hdr_have < TLS_RECORD_HDR) break;
            /* An SSLv2 peer answering our SSLv2 ClientHello side */
            if (!rec_begin(c, dir, ts_ns)) {
                uint8_t seed[TLS_RECORD_HDR - 1];
                memcpy(seed, d->hdr + 1, sizeof seed);
                enter_resync(c, dir, seed, sizeof seed, ts_ns);
                break;
            }
            if (d->rleft == 0) rec_end(c, dir, ts_ns);
            continue;
        }
        size_t k = MIN((size_t)d->rleft, n - i);
        enum tls_side side = tls_side_of(c, dir);
        switch (d->rtype) {
        case CT_HANDSHAKE:
            if (!d->encrypted && !d->encrypted_rec13) {
                if (d->hs_resync && d->hsh_have == 0 && d->rleft == d->rlen) {
                    /* first record after a resync: only trust a plausible
                     * message start, else skip to the next record */
                    if (k >= TLS_HS_HDR && tls_handshake_name(p[i]) &&
                        rd24(p + i + 1) <= TLS_MAX_HANDSHAKE_MSG)
                        d->hs_resync = false;
                    else if (k >= TLS_HS_HDR || k == d->rleft)
                        break;
                    else
                        d->hs_resync = false;
                }
                if (!d->hs_resync) hs_feed(c, dir, p + i, k, off + i, ts_ns);
            } else if (d->decrypt_rec13) {
                tls13_keys_bytes(c, dir, p + i, k);
            }
            break;
        case CT_APPDATA:
            c->app_data_bytes[side] += k;
            break;
        case CT_CCS:
        case CT_ALERT: {
            size_t take = MIN(k, sizeof d->small - d->small_have);
            memcpy(d->small + d->small_have, p + i, take);
            d->small_have = (uint8_t)(d->small_have + take);
            break;
        }
        default: /* heartbeat (RFC 6520): skipped */
            break;
        }
        i += k;
        d->rleft -= (uint32_t)k;
        if (d->rleft == 0 && d->mode == DM_RECORDS) rec_end(c, dir, ts_ns);
        else if (d->rleft == 0) d->in_record = false;
    }
    return i;
}

/* SSLv2 record layer: a 2-byte header (high bit set, 15-bit length) or a
 * 3-byte header (14-bit length, then the padding count). Plaintext messages
 * (the hellos, CLIENT-MASTER-KEY) are buffered and parsed; the rest is
 * skipped. A TLS record header in this direction (the server answered in
 * TLS) switches to records mode. */
static size_t v2_feed(struct tls_conn *c, enum flow_dir dir, const uint8_t *p, size_t n,
                      uint64_t off, int64_t ts_ns)
{
    struct tls_dir *d = &c->parser->d[dir];
    size_t i = 0;
    while (i < n && d->mode == DM_SSLV2) {
        if (d->v2left == 0) {
            if (d->v2hdr_have == 0) {
                d->rec_off = off + i;
                /* the server answered our SSLv2 hello in TLS: so do we now */
                if (!(p[i] & 0x80) && p[i] >= CT_CCS && p[i] <= CT_APPDATA &&
                    ((c->sh.present && c->sh.legacy_version >= TLS_V_SSL3) ||
                     (!c->sh.present && i + 1 < n && p[i + 1] == 3))) {
                    rec_reset(d);
                    d->mode = DM_RECORDS;
                    break;
                }
            }
            size_t hlen = (d->v2hdr_have > 0 ? d->v2hdr[0] : p[i]) & 0x80 ? 2 : 3;
            size_t k = MIN(hlen - d->v2hdr_have, n - i);
            memcpy(d->v2hdr + d->v2hdr_have, p + i, k);
            d->v2hdr_have = (uint8_t)(d->v2hdr_have + k);
            i += k;
            if (d->v2hdr_have < hlen) break;
            d->v2hdr_have = 0;
            d->v2left = hlen == 2 ? ((uint32_t)(d->v2hdr[0] & 0x7f) << 8) | d->v2hdr[1]
                                  : ((uint32_t)(d->v2hdr[0] & 0x3f) << 8) | d->v2hdr[1];
            d->rlen = d->v2left;
            d->hs_have = 0;
            if (d->v2left == 0) {
                tls_event_fmt(c, TLS_EV_MALFORMED, tls_side_of(c, dir), d->rec_off, 0, ts_ns,
                              "zero-length SSLv2 record");
                d->mode = DM_DONE;
                break;
            }
            /* buffer only while a plaintext message may still come */
            d->hs_skip = !((tls_side_of(c, dir) == TLS_CLIENT && !c->parser->sslv2_cmk) ||
                           (tls_side_of(c, dir) == TLS_SERVER && !c->sh.present)) ||
                         !hs_reserve(d, d->v2left);
            continue;
        }
        size_t k = MIN((size_t)d->v2left, n - i);
        if (!d->hs_skip) memcpy(d->hs_buf + d->hs_have, p + i, k);
        d->hs_have += (uint32_t)k;
        d->v2left -= (uint32_t)k;
        i += k;
        if (d->v2left == 0) {
            d->v2_records++;
            tls_on_sslv2_record(c, dir, d->hs_skip ? NULL : d->hs_buf, d->rlen, d->rec_off, ts_ns);
            d->hs_have = 0;
            d->hs_skip = false;
        }
    }
    return i;
}

/* The direction is (now surely) in sync at stream offset `at`. */
static void sync_confirmed(struct tls_conn *c, enum flow_dir dir, uint64_t at, int64_t ts_ns)
{
    struct tls_dir *d = &c->parser->d[dir];
    enum tls_side side;
    bool resync = d->resyncing;
    d->sync_pending = false;
    d->resyncing = false;
    side = tls_side_of(c, dir);
    if (resync) {
        tls_event_fmt(c, TLS_EV_RESYNC, side, at, 0, ts_ns, "record sync found again");
        return;
    }
    if (!c->is_tls || c->tls_start_offset[side] == 0) c->tls_start_offset[side] = at;
    c->is_tls = true;
    if (at > 0 && !d->gap && !d->midstream_ok)
        tls_event_fmt(c, TLS_EV_STARTTLS, side, at, at, ts_ns,
                      "TLS starts after %llu bytes of plaintext", (unsigned long long)at);
    if (d->first_rtype) tls_on_first_sync(c, dir, d->first_rtype, ts_ns);
}

/* A TLS start was found at stream offset `at` (kind m). */
static void scan_found(struct tls_conn *c, enum flow_dir dir, const struct match *m, uint64_t at,
                       const uint8_t *p, int64_t ts_ns)
{
    struct tls_dir *d = &c->parser->d[dir];
    d->resyncing = d->mode == DM_RESYNC;
    d->carry_len = 0;
    d->scanned = 0;
    rec_reset(d);
    hs_reset(d);
    d->tentative = m->kind == MK_RECORD && m->tentative;
    d->hs_resync = m->kind == MK_RECORD;
    d->first_rtype = m->kind == MK_RECORD ? p[0] : 0;
    d->sync_off = at;
    if (m->kind == MK_CH || m->kind == MK_V2CH) tls_roles_fix(c, dir);
    else if (m->kind == MK_SERVER && !c->parser->roles_fixed)
        tls_roles_fix(c, dir == FLOW_DIR_A ? FLOW_DIR_B : FLOW_DIR_A);
    d->mode = (m->kind == MK_V2CH || m->kind == MK_V2SH) ? DM_SSLV2 : DM_RECORDS;
    if (!d->tentative) sync_confirmed(c, dir, at, ts_ns);
}

/* Protocols whose client speaks first and never turns into TLS on the same
 * connection: deciding early saves scanning their whole first 64 KiB. */
static bool client_first_not_tls(const uint8_t *h, size_t n)
{
    static const char *const pfx[] = {"GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ",
                                      "PATCH ", "SSH-"};
    for (size_t i = 0; i < sizeof pfx / sizeof pfx[0]; i++) {
        size_t l = strlen(pfx[i]);
        if (n >= l && memcmp(h, pfx[i], l) == 0) return true;
    }
    return false;
}

static void scan_give_up(struct tls_conn *c, enum flow_dir dir)
{
    struct tls_parser *ps = c->parser;
    ps->d[dir].mode = DM_DONE;
    ps->d[dir].carry_len = 0;
    if (!c->is_tls && ps->d[!dir].mode == DM_DONE) c->not_tls = true;
}

/* Scan mode. Returns bytes consumed (all of them unless a TLS start was
 * found, in which case the bytes from the start on are left for the new
 * mode — except when the start lies in the carry-over, which is handed to the
 * new mode here). */
static size_t scan_feed(struct tls_conn *c, enum flow_dir dir, const uint8_t *p, size_t n,
                        uint64_t off, int64_t ts_ns)
{
    struct tls_dir *d = &c->parser->d[dir];
    struct match m;
    size_t i;
    int r;

    /* the first bytes of a direction: a client-first protocol that is not TLS? */
    if (d->head_len < sizeof d->head && off == d->head_len && !d->gap && !d->midstream_ok &&
        d->mode == DM_SCAN_CH) {
        size_t take = MIN(sizeof d->head - d->head_len, n);
        memcpy(d->head + d->head_len, p, take);
        d->head_len = (uint8_t)(d->head_len + take);
        /* OpenVPN whose first bytes came split, or without memory for
         * openvpn.c: named, not dissected */
        bool openvpn = openvpn_tcp_reset(d->head, d->head_len);
        if (openvpn || client_first_not_tls(d->head, d->head_len)) {
            c->not_tls = true;
            c->openvpn = openvpn;
            c->parser->d[0].mode = c->parser->d[1].mode = DM_DONE;
            return n;
        }
    }

    if (d->carry_len) {
        uint8_t tmp[TLS_SCAN_CARRY + 32];
        size_t cl = d->carry_len, take = MIN(n, (size_t)32), mlen = cl + take;
        uint64_t coff = off - cl;
        memcpy(tmp, d->carry, cl);
        memcpy(tmp + cl, p, take);
        for (i = 0; i < cl; i++) {
            r = match_at(c, d, tmp + i, mlen - i, &m);
            if (r > 0) {
                size_t used;
                scan_found(c, dir, &m, coff + i, tmp + i, ts_ns);
                /* hand the carried bytes to the new mode; the caller gives it p */
                if (d->mode == DM_RECORDS) used = rec_feed(c, dir, tmp + i, cl - i, coff + i, ts_ns);
                else used = v2_feed(c, dir, tmp + i, cl - i, coff + i, ts_ns);
                (void)used; /* a mode change inside < 11 carried bytes drops them */
                return 0;
            }
            if (r < 0) { /* undecided even with the new bytes: n is tiny */
                memmove(d->carry, tmp + i, mlen - i);
                d->carry_len = (uint8_t)(mlen - i);
                d->scanned += n;
                return n;
            }
        }
        d->carry_len = 0;
    }
    for (i = 0; i < n; i++) {
        r = match_at(c, d, p + i, n - i, &m);
        if (r > 0) {
            d->scanned += i;
            scan_found(c, dir, &m, off + i, p + i, ts_ns);
            return i;
        }
        if (r < 0) {
            memcpy(d->carry, p + i, n - i);
            d->carry_len = (uint8_t)(n - i);
            break;
        }
    }
    d->scanned += n;
    if (d->scanned >= TLS_SCAN_LIMIT) {
        if (d->mode == DM_RESYNC)
            tls_event_fmt(c, TLS_EV_MALFORMED, tls_side_of(c, dir), off + n, d->scanned, ts_ns,
                          "no record sync within %u bytes", TLS_SCAN_LIMIT);
        scan_give_up(c, dir);
    }
    return n;
}

void tls_record_feed(struct tls_conn *c, enum flow_dir dir, const uint8_t *p, uint32_t n,
                     int64_t ts_ns)
{
    struct tls_dir *d = &c->parser->d[dir];
    uint64_t off = d->pos;
    size_t i = 0;
    d->pos += n;
    /* each pass either consumes bytes or changes the mode; the bound is a
     * belt against a mode ping-pong that consumes nothing */
    for (int guard = 0; i < n && guard < 64; guard++) {
        size_t used = 0;
        switch (d->mode) {
        case DM_SCAN_CH:
        case DM_SCAN_SERVER:
        case DM_RESYNC:
            used = scan_feed(c, dir, p + i, n - i, off + i, ts_ns);
            break;
        case DM_RECORDS:
            used = rec_feed(c, dir, p + i, n - i, off + i, ts_ns);
            break;
        case DM_SSLV2:
            used = v2_feed(c, dir, p + i, n - i, off + i, ts_ns);
            break;
        case DM_DONE:
            return;
        }
        if (used) guard = 0;
        i += used;
    }
}

void tls_record_gap(struct tls_conn *c, enum flow_dir dir, uint64_t offset, uint64_t length,
                    int64_t ts_ns)
{
    struct tls_dir *d = &c->parser->d[dir];
    bool server = tls_side_of(c, dir) == TLS_SERVER;
    d->gap = true;
    if (server && !c->parser->server_cert_seen && !c->chain_final) d->gap_before_cert = true;
    /* TLS 1.3 record nonces count records: after a loss they are unknown */
    if (c->parser->keys13 && tls13_keys_active(c, tls_side_of(c, dir))) {
        d->decrypt_rec13 = false;
        tls13_keys_lost(c, dir, ts_ns);
        tls_on_keys_stopped(c, ts_ns);
    }
    switch (d->mode) {
    case DM_SCAN_CH:
    case DM_SCAN_SERVER:
    case DM_RESYNC:
        d->carry_len = 0;     /* not contiguous with what follows */
        d->midstream_ok = true;
        break;
    case DM_RECORDS:
        if (d->in_record && length < d->rleft) {
            /* the gap lies inside the current record: framing survives */
            d->rleft -= (uint32_t)length;
            if (d->rtype == CT_APPDATA) {
                c->app_data_bytes[tls_side_of(c, dir)] += length;
            } else if (d->rtype == CT_HANDSHAKE && !d->encrypted && !d->encrypted_rec13) {
                if (d->hsh_have == TLS_HS_HDR && d->hs_len - d->hs_have > length) {
                    /* inside one message: it is lost, its end is known */
                    if (!d->hs_skip)
                        tls_handshake_lost(c, dir, d->hs_type, d->hs_off, ts_ns, false);
                    d->hs_skip = true;
                    d->hs_have += (uint32_t)length;
                } else {
                    /* message boundaries are lost until the next record */
                    hs_abandon(c, dir, ts_ns);
                    d->hs_resync = true; /* skip the rest of this record */
                }
            } else if (d->rtype == CT_ALERT || d->rtype == CT_CCS) {
                d->small_lost = true;
            }
        } else {
            enter_resync(c, dir, NULL, 0, ts_ns);
        }
        break;
    case DM_SSLV2:
        d->mode = DM_DONE;
        break;
    case DM_DONE:
        break;
    }
    d->pos = offset + length;
}
