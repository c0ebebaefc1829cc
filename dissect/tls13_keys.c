/* tls13_keys.c — a TLS 1.3 connection whose ClientHello random is in a key
 * log: which records to open with the handshake traffic secrets, and when the
 * chain is final.
 *
 * RFC 8446 §2 / §7.1: after the ServerHello each side protects its records
 * with its own handshake traffic key until its Finished; later records use the
 * application traffic keys (not needed: tlsscope stops at Finished). The
 * records of one side are numbered from 0 under each key (§5.3), so a record
 * lost to a gap ends decryption of that side.
 *
 * When a side stops, handshake.c (tls_on_keys_stopped) decides whether the
 * chain is final. Calls go record.c / handshake.c -> here -> keylog.c,
 * tls13_decrypt.c, tls.c; never back up.
 */
#include <stdlib.h>
#include <string.h>

#include "keylog.h"
#include "tls13_decrypt.h"
#include "tls_internal.h"

struct tls13_keys {
    struct tls13_traffic *traffic[2];     /* [enum tls_side] */
    bool active[2];                       /* still opening this side's records */
    uint32_t rec_len[2];                  /* ciphertext bytes buffered */
    uint8_t rec[2][TLS_RECORD_MAX];       /* the current record of each side */
    uint8_t plain[TLS13_MAX_PLAIN];       /* the last record opened */
};

static const char *side_name(enum tls_side s) { return s == TLS_SERVER ? "server" : "client"; }

static const char *secret_name(enum tls_side s)
{
    return s == TLS_SERVER ? "SERVER_HANDSHAKE_TRAFFIC_SECRET" : "CLIENT_HANDSHAKE_TRAFFIC_SECRET";
}

void tls_conn_set_keylog(struct tls_conn *c, const struct keylog *kl)
{
    if (c->parser) c->parser->keylog = kl;
}

/* This side's handshake records are over (Finished, alert, failure, loss).
 * The caller then lets handshake.c decide about the chain
 * (tls_on_keys_stopped): this file does not call upwards. */
static void stop_side(struct tls_conn *c, enum tls_side side)
{
    struct tls13_keys *k = c->parser->keys13;
    k->active[side] = false;
    k->rec_len[side] = 0;
    if (side == TLS_CLIENT) c->parser->client_fin13 = true;
}

const struct keylog_secrets *tls13_keys_lookup(struct tls_conn *c, int64_t ts_ns)
{
    const struct keylog *kl = c->parser->keylog;
    const struct keylog_secrets *s;
    /* an empty key log (no --keylog, no secrets block so far) says nothing */
    if (!kl || !keylog_stats(kl)->secrets || !c->ch.present) return NULL;
    s = keylog_find(kl, c->ch.random);
    if (s && s->server_hs_len) return s;
    c->keylog_no_secrets = true;
    tls_event_fmt(c, TLS_EV_DECRYPT, TLS_SERVER, 0, 0, ts_ns,
                  "key log has no SERVER_HANDSHAKE_TRAFFIC_SECRET for client random "
                  "%02x%02x%02x%02x...",
                  c->ch.random[0], c->ch.random[1], c->ch.random[2], c->ch.random[3]);
    return NULL;
}

bool tls13_keys_start(struct tls_conn *c, int64_t ts_ns)
{
    struct tls_parser *ps = c->parser;
    const struct keylog_secrets *s;
    char err[96];
    if (ps->keys13 || !(s = tls13_keys_lookup(c, ts_ns))) return false;
    if (!tls_held_take(sizeof(struct tls13_keys))) {
        tls_event_fmt(c, TLS_EV_CAP, TLS_SERVER, 0, 0, ts_ns,
                      "TLS 1.3 handshake not decrypted: memory cap (%u MiB for all connections)",
                      TLS_MAX_HELD_TOTAL >> 20);
        return false;
    }
    struct tls13_keys *k = calloc(1, sizeof *k);
    if (!k) {
        tls_held_give(sizeof(struct tls13_keys));
        return false;
    }
    k->traffic[TLS_SERVER] =
        tls13_traffic_new(c->sh.cipher, s->server_hs, s->server_hs_len, err, sizeof err);
    if (!k->traffic[TLS_SERVER]) {
        tls_event_fmt(c, TLS_EV_DECRYPT, TLS_SERVER, 0, 0, ts_ns, "not decrypted: %s", err);
        free(k);
        tls_held_give(sizeof(struct tls13_keys));
        return false;
    }
    if (s->client_hs_len)
        k->traffic[TLS_CLIENT] =
            tls13_traffic_new(c->sh.cipher, s->client_hs, s->client_hs_len, err, sizeof err);
    if (!k->traffic[TLS_CLIENT])
        tls_event_fmt(c, TLS_EV_DECRYPT, TLS_CLIENT, 0, 0, ts_ns,
                      "no usable CLIENT_HANDSHAKE_TRAFFIC_SECRET: the client's flight is not read");
    k->active[TLS_SERVER] = true;
    k->active[TLS_CLIENT] = k->traffic[TLS_CLIENT] != NULL;
    ps->keys13 = k;
    ps->free_keys = tls13_keys_free;
    return true;
}

bool tls13_keys_wants(struct tls_conn *c, enum flow_dir dir)
{
    struct tls13_keys *k = c->parser->keys13;
    enum tls_side side = tls_side_of(c, dir);
    if (!k || !k->active[side]) return false;
    k->rec_len[side] = 0;
    return true;
}

bool tls13_keys_active(const struct tls_conn *c, enum tls_side side)
{
    return c->parser && c->parser->keys13 && c->parser->keys13->active[side];
}

void tls13_keys_bytes(struct tls_conn *c, enum flow_dir dir, const uint8_t *p, size_t n)
{
    struct tls13_keys *k = c->parser->keys13;
    enum tls_side side = tls_side_of(c, dir);
    if (!k) return;
    /* rec_begin admits records of at most TLS_RECORD_MAX bytes */
    if (n > TLS_RECORD_MAX - k->rec_len[side]) n = TLS_RECORD_MAX - k->rec_len[side];
    memcpy(k->rec[side] + k->rec_len[side], p, n);
    k->rec_len[side] += (uint32_t)n;
}

const uint8_t *tls13_keys_open(struct tls_conn *c, enum flow_dir dir, const uint8_t hdr[5],
                               uint64_t off, int64_t ts_ns, size_t *len, uint8_t *inner_type)
{
    struct tls13_keys *k = c->parser->keys13;
    enum tls_side side = tls_side_of(c, dir);
    int rc;
    if (!k || !k->active[side]) return NULL;
    uint64_t seq = tls13_traffic_seq(k->traffic[side]);
    rc = tls13_record_open(k->traffic[side], hdr, k->rec[side], k->rec_len[side], k->plain, len,
                           inner_type);
    k->rec_len[side] = 0;
    if (rc == TLS13_OK) {
        c->decrypted = true;
        return k->plain;
    }
    c->decrypt_failed = true;
    if (rc == TLS13_EAUTH)
        tls_event_fmt(c, TLS_EV_DECRYPT, side, off, 0, ts_ns,
                      "%s record %llu: AEAD tag mismatch: wrong %s?", side_name(side),
                      (unsigned long long)seq, secret_name(side));
    else
        tls_event_fmt(c, TLS_EV_DECRYPT, side, off, 0, ts_ns,
                      "%s record %llu: no TLS 1.3 content inside (RFC 8446 5.2)", side_name(side),
                      (unsigned long long)seq);
    stop_side(c, side);
    return NULL;
}

void tls13_keys_lost(struct tls_conn *c, enum flow_dir dir, int64_t ts_ns)
{
    struct tls13_keys *k = c->parser->keys13;
    enum tls_side side = tls_side_of(c, dir);
    if (!k || !k->active[side]) return;
    tls_event_fmt(c, TLS_EV_DECRYPT, side, 0, 0, ts_ns,
                  "%s bytes lost: its later handshake records cannot be decrypted",
                  side_name(side));
    stop_side(c, side);
}

void tls13_keys_finished(struct tls_conn *c, enum tls_side side)
{
    struct tls13_keys *k = c->parser->keys13;
    if (!k || !k->active[side]) return;
    stop_side(c, side);
    /* the server is done: a client without a secret will show nothing more */
    if (side == TLS_SERVER && k->traffic[TLS_CLIENT] == NULL) k->active[TLS_CLIENT] = false;
}

bool tls13_keys_used(const struct tls_conn *c) { return c->parser && c->parser->keys13; }

void tls13_keys_free(struct tls_conn *c)
{
    struct tls13_keys *k = c->parser ? c->parser->keys13 : NULL;
    if (!k) return;
    tls13_traffic_free(k->traffic[0]);
    tls13_traffic_free(k->traffic[1]);
    free(k);
    tls_held_give(sizeof(struct tls13_keys));
    c->parser->keys13 = NULL;
}
