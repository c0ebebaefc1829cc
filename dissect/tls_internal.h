/* tls_internal.h — private parse state of dissect/ and the message parsers.
 *
 * Not part of the contract: only the dissect/ sources, unit tests and fuzz targets
 * include it. The public view is tls.h.
 *
 * Layers (one file each):
 *   conn.c       the entry points: bytes, flow events, FIN, close
 *   tls.c        the connection: creation, roles, events, held bytes, release
 *   record.c     per-direction scanning for a TLS start, record layer,
 *                handshake message reassembly, resynchronisation, skimming
 *   hello.c      ClientHello / ServerHello / SSLv2 hello / HelloVerifyRequest
 *                (pure parsers)
 *   certificate.c  the Certificate message (pure parser, keeps DER copies)
 *   handshake.c  the other handshake messages and the connection state
 *                machine (resumption, chain_final, handshake_complete)
 *   dtls.c       DTLS: datagrams, record layer, handshake fragment reassembly;
 *                hands whole messages to handshake.c like record.c does
 *   openvpn.c    OpenVPN over TCP: control packets -> TLS bytes for record.c
 *
 * Ownership: struct tls_parser and its reassembly buffers belong to the
 * connection (tls_conn_new allocates, tls_conn_release_parser frees).
 */
#ifndef TLSSCOPE_DISSECT_TLS_INTERNAL_H
#define TLSSCOPE_DISSECT_TLS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls.h"

/* Record layer limits: RFC 5246 §6.2.3 (TLSCiphertext.length <= 2^14 + 2048);
 * TLS 1.3 is stricter (2^14 + 256, RFC 8446 §5.2) but shares the bound here. */
#define TLS_RECORD_MAX (16384u + 2048u)
#define TLS_RECORD_HDR 5
#define TLS_HS_HDR 4

/* Bytes needed to recognise a record start while scanning (record header,
 * handshake header, client_version): see scan_match_*. The carry-over between
 * chunks is one less than this. */
#define TLS_SCAN_WINDOW 11
#define TLS_SCAN_CARRY (TLS_SCAN_WINDOW - 1)

/* Content types (RFC 8446 §5.1, RFC 6520 heartbeat). */
enum {
    CT_CCS = 20,
    CT_ALERT = 21,
    CT_HANDSHAKE = 22,
    CT_APPDATA = 23,
    CT_HEARTBEAT = 24,
    CT_TLS12_CID = 25, /* DTLS 1.2 record with a connection id, RFC 9146 §4 */
    CT_ACK = 26,       /* DTLS 1.3 ACK, RFC 9147 §7 */
};

/* Handshake types (RFC 8446 §4, RFC 5246 §7.4). */
enum {
    HS_HELLO_REQUEST = 0,
    HS_CLIENT_HELLO = 1,
    HS_SERVER_HELLO = 2,
    HS_HELLO_VERIFY_REQUEST = 3, /* DTLS, RFC 6347 §4.2.1 */
    HS_NEW_SESSION_TICKET = 4,
    HS_HELLO_RETRY_REQUEST = 6, /* TLS 1.3 drafts before 22 */
    HS_ENCRYPTED_EXTENSIONS = 8,
    HS_CERTIFICATE = 11,
    HS_SERVER_KEY_EXCHANGE = 12,
    HS_CERTIFICATE_REQUEST = 13,
    HS_SERVER_HELLO_DONE = 14,
    HS_CERTIFICATE_VERIFY = 15,
    HS_CLIENT_KEY_EXCHANGE = 16,
    HS_FINISHED = 20,
    HS_CERTIFICATE_STATUS = 22,
};

enum tls_dir_mode {
    DM_SCAN_CH = 0, /* looking for a ClientHello (TLS or SSLv2) after any plaintext */
    DM_SCAN_SERVER, /* the peer sent a ClientHello: looking for the server's first record */
    DM_RESYNC,      /* lost record sync (gap, garbage): looking for a plausible header */
    DM_RECORDS,     /* in sync with the TLS record layer */
    DM_SSLV2,       /* SSLv2 record layer (RFC 6101 Appendix E) */
    DM_DONE,        /* nothing more wanted from this direction: count only */
};

/* Per-direction state, indexed by enum flow_dir (not by TLS role). */
struct tls_dir {
    enum tls_dir_mode mode;
    uint64_t pos;            /* stream offset of the next byte we will be given */

    /* scanning (DM_SCAN_*, DM_RESYNC) */
    uint8_t carry[TLS_SCAN_CARRY]; /* undecided tail of the previous chunk */
    uint8_t carry_len;
    uint64_t scanned;        /* bytes looked at while scanning since the last sync */
    bool midstream_ok;       /* accept any record stream (capture began mid-connection) */
    bool plaintext_seen;     /* bytes before the TLS start (STARTTLS) */

    /* record layer (DM_RECORDS) */
    uint8_t hdr[TLS_RECORD_HDR];
    uint8_t hdr_have;
    bool in_record;
    uint8_t rtype;
    uint16_t rversion;
    uint32_t rlen, rleft;
    uint64_t rec_off;        /* stream offset of the current record header */
    uint8_t small[2];        /* alert / CCS body */
    uint8_t small_have;
    bool tentative;          /* synced by heuristics: the next header must confirm it */
    bool sync_pending;       /* is_tls etc. wait for that confirmation (midstream) */
    bool resyncing;          /* the pending sync follows a loss of sync */
    uint8_t first_rtype;     /* type of the first record after a heuristic sync */
    uint64_t sync_off;       /* stream offset of that record */
    bool encrypted;          /* TLS <= 1.2: after CCS, handshake/alert records are ciphertext */
    bool encrypted_rec13;    /* current record is a TLS 1.3 opaque handshake record */
    bool decrypt_rec13;      /* ... and tls13_keys.c opens it (its bytes are buffered there) */
    bool small_lost;         /* a gap hit the current alert/CCS body */
    bool hs_resync;          /* after a resync: wait for a plausible message start */
    uint8_t head[8];         /* first bytes of the direction (client-first protocols) */
    uint8_t head_len;

    /* handshake reassembly (RFC 8446 §5.1: messages span and share records) */
    uint8_t hsh[TLS_HS_HDR];
    uint8_t hsh_have;
    uint8_t hs_type;
    uint32_t hs_len, hs_have;
    bool hs_skip;            /* over the cap or damaged: count down, do not keep */
    uint64_t hs_off;         /* stream offset of the message header */
    uint8_t *hs_buf;         /* grown to at most TLS_MAX_HANDSHAKE_MSG */
    uint32_t hs_cap;

    /* SSLv2 record layer */
    uint8_t v2hdr[3];
    uint8_t v2hdr_have;
    uint32_t v2left;
    uint32_t v2_records;

    bool gap;                /* this direction lost bytes */
    bool gap_before_cert;    /* (server) lost bytes before its Certificate completed */
    bool saw_record;         /* at least one record parsed */
    bool tls13_enc_seen;     /* (TLS 1.3) first encrypted record after ServerHello seen */
};

struct tls_parser {
    struct tls_dir d[2];
    bool roles_fixed;        /* client_dir decided from content */
    enum flow_dir client_dir;
    /* facts the state machine needs beyond struct tls_conn */
    bool server_cert_seen;   /* server's Certificate message completed */
    bool sid_echo;           /* ServerHello echoed a non-empty client session id */
    bool sslv2_cmk;          /* SSLv2 CLIENT-MASTER-KEY seen */
    bool client_fin13;       /* TLS 1.3: client's encrypted Finished seen */
    bool second_ch;          /* a ClientHello after HelloRetryRequest was seen */
    bool flow_midstream;     /* the capture layer saw no SYN: the capture began
                                mid-connection (as opposed to losing the
                                handshake to gaps, e.g. a small snaplen) */
    struct dtls_state *dtls; /* DTLS only (dtls.c); NULL for TCP */
    /* Frees what a record layer above tls.c keeps (dtls_state_free, set by
     * dtls_conn_new; NULL for TCP): tls_conn_release_parser calls it without
     * naming dtls.c, which itself calls tls.c. */
    void (*free_layer)(struct tls_conn *c);
    const struct keylog *keylog; /* TLS 1.3 secrets (tls_conn_set_keylog), or NULL */
    struct tls13_keys *keys13;   /* TLS 1.3 decryption state (tls13_keys.c), or NULL */
    void (*free_keys)(struct tls_conn *c); /* tls13_keys_free once keys13 is set */
    struct quic_state *quic;     /* QUIC only (quic.c); NULL otherwise */
    /* QUIC: at the ServerHello, Handshake packet keys from the key log
     * instead of TLS record keys (quic.c sets it; handshake.c calls it) */
    bool (*quic_keys)(struct tls_conn *c, int64_t ts_ns);
    struct openvpn_state *openvpn; /* OpenVPN over TCP only (openvpn.c); NULL otherwise */
};

/* --- openvpn.c --- */
/* The first bytes of a direction are an OpenVPN hard reset (over TCP). */
bool openvpn_tcp_reset(const uint8_t *h, size_t n);
/* At a direction's first bytes: an OpenVPN hard reset makes the connection
 * OpenVPN, read through openvpn_feed from then on (both directions). */
bool openvpn_start(struct tls_conn *c, enum flow_dir dir, const uint8_t *p, uint32_t n);
/* OpenVPN framing off, the TLS bytes of its control packets to the record layer. */
void openvpn_feed(struct tls_conn *c, enum flow_dir dir, const uint8_t *p, uint32_t n,
                  int64_t ts_ns);
/* A capture gap: that direction's framing is lost. */
void openvpn_gap(struct tls_conn *c, enum flow_dir dir);

/* --- tls.c --- */
/* Account n bytes against TLS_MAX_HELD_TOTAL; false (nothing counted) when
 * they do not fit. Every allocation that holds wire bytes beyond the
 * current call (hs_buf, certificate copies) goes through these. */
bool tls_held_take(size_t n);
void tls_held_give(size_t n);
enum tls_side tls_side_of(const struct tls_conn *c, enum flow_dir dir);
enum flow_dir tls_dir_of(const struct tls_conn *c, enum tls_side side);
/* Decide roles from content: `client` sent a ClientHello (or the peer of the
 * side that sent a ServerHello). Idempotent once fixed. */
void tls_roles_fix(struct tls_conn *c, enum flow_dir client);
void tls_event_fmt(struct tls_conn *c, enum tls_event_kind kind, enum tls_side side,
                   uint64_t offset, uint64_t length, int64_t ts_ns, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
/* A TLS_EV_CAP event whose detail starts with the cap's name
 * ("TLS_MAX_CHAIN: kept 12 of 14 ..."), and the cap's bit in caps_hit. */
void tls_event_cap(struct tls_conn *c, enum tls_caphit cap, enum tls_side side,
                   uint64_t offset, uint64_t length, int64_t ts_ns, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
/* Free a direction's handshake reassembly buffer (and give its bytes back). */
void tls_dir_free(struct tls_dir *d);
/* Handshake messages without a record layer (QUIC CRYPTO frames): n bytes
 * at stream offset off of direction dir's message stream. */
void tls_record_messages(struct tls_conn *c, enum flow_dir dir, const uint8_t *p, size_t n,
                         uint64_t off, int64_t ts_ns);

/* --- record.c --- */
/* Feed n ordered bytes of direction `dir`. */
void tls_record_feed(struct tls_conn *c, enum flow_dir dir, const uint8_t *p, uint32_t n,
                     int64_t ts_ns);
/* A gap of `length` bytes at `offset` in direction `dir`. */
void tls_record_gap(struct tls_conn *c, enum flow_dir dir, uint64_t offset, uint64_t length,
                    int64_t ts_ns);

/* --- hello.c: pure parsers over one complete handshake message body ---
 * Return TLS_OK, TLS_ETRUNC (the body ends before a required field: the
 * bytes are a prefix of a message) or TLS_EMALFORMED (the bytes contradict
 * the RFC). `*ch` / `*sh` is fully rewritten; on error it must not be
 * trusted. Problems inside single extensions do not fail the parse: they are
 * reported through `note` (may be NULL) and parsing goes on. */
typedef void (*tls_note_fn)(void *ctx, const char *what);
int tls_parse_client_hello(struct tls_client_hello *ch, const uint8_t *body, size_t len,
                           tls_note_fn note, void *ctx);
/* The same for a DTLS ClientHello (a cookie after the session id). */
int dtls_parse_client_hello(struct tls_client_hello *ch, const uint8_t *body, size_t len,
                            tls_note_fn note, void *ctx);
/* DTLS HelloVerifyRequest (RFC 6347 §4.2.1). */
int dtls_parse_hello_verify_request(const uint8_t *body, size_t len, uint16_t *version,
                                    uint8_t *cookie_len);
int tls_parse_server_hello(struct tls_server_hello *sh, bool *is_hrr, uint16_t *hrr_group,
                           const uint8_t *body, size_t len, tls_note_fn note, void *ctx);
/* The HelloRetryRequest message of TLS 1.3 drafts before 22 (type 6):
 * version, the suite (drafts 19-21 only) and the key_share group asked for.
 * TLS_OK, or TLS_ETRUNC/TLS_EMALFORMED with what was read set. */
int tls_parse_draft_hello_retry(const uint8_t *body, size_t len, uint16_t *version,
                                uint16_t *cipher, uint16_t *group);
/* SSLv2 CLIENT-HELLO record body (from msg_type on, RFC 5246 E.2). */
int tls_parse_sslv2_client_hello(struct tls_client_hello *ch, const uint8_t *body, size_t len);
/* Does p[0..avail) start an SSLv2 CLIENT-HELLO record? 1 yes, 0 no, -1 need more. */
int tls_match_sslv2_client_hello(const uint8_t *p, size_t avail);
/* Certificate body (RFC 5246 §7.4.2 / RFC 8446 §4.4.2) into *out; copies DER. */
int tls_parse_certificate(struct tls_certificate *out, const uint8_t *body, size_t len,
                          bool tls13_layout, tls_note_fn note, void *ctx);
void tls_certificate_clear(struct tls_certificate *cert);
/* CertificateStatus (certstatus.c): RFC 6066 §8 body — the message of TLS
 * <= 1.2, or the extension_data of a TLS 1.3 status_request in a
 * CertificateEntry — into *out (copies the OCSPResponse; a second staple
 * for the same chain is ignored). */
int tls_parse_certificate_status(struct tls_ocsp_staple *out, const uint8_t *body, size_t len,
                                 bool in_cert_entry, tls_note_fn note, void *ctx);
void tls_ocsp_staple_clear(struct tls_ocsp_staple *st);
/* CertificateRequest body (certrequest.c): RFC 5246 §7.4.4 (`with_sig_algs`
 * for TLS 1.2, absent in 1.0/1.1) or RFC 8446 §4.3.2 (`tls13_layout`);
 * copies the CA names. */
int tls_parse_cert_request(struct tls_cert_request *out, const uint8_t *body, size_t len,
                           bool tls13_layout, bool with_sig_algs, tls_note_fn note, void *ctx);
void tls_cert_request_clear(struct tls_cert_request *cr);

/* --- dtls.c --- */
struct dtls_state;
/* End of the association: deliver what reassembly still holds, in order. */
void dtls_flush(struct tls_conn *c, int64_t ts_ns);
void dtls_state_free(struct tls_conn *c);

/* --- tls13_keys.c: which TLS 1.3 records to open with key-log secrets ---
 * record.c asks tls13_keys_wants() for each opaque record of a TLS 1.3
 * connection, hands its bytes to tls13_keys_bytes() and, at its end, gets
 * the plaintext from tls13_keys_open(); handshake.c starts it at the
 * ServerHello and tells it about Finished messages. */
struct tls13_keys;
struct keylog_secrets;
/* The key log's secrets for this connection's ClientHello random, or NULL
 * (with a TLS_EV_DECRYPT event and keylog_no_secrets when a non-empty key log
 * lacks them). Shared by TLS records and QUIC packets. */
const struct keylog_secrets *tls13_keys_lookup(struct tls_conn *c, int64_t ts_ns);
/* At a TLS 1.3 ServerHello (full handshake): look up the ClientHello random.
 * True if the server's handshake records will be decrypted (then the chain
 * is not final yet); false with a TLS_EV_DECRYPT event saying why not when a
 * key log was given. */
bool tls13_keys_start(struct tls_conn *c, int64_t ts_ns);
/* Is the opaque record now starting in `dir` one to decrypt? */
bool tls13_keys_wants(struct tls_conn *c, enum flow_dir dir);
void tls13_keys_bytes(struct tls_conn *c, enum flow_dir dir, const uint8_t *p, size_t n);
/* The record (header hdr) ended: its plaintext, or NULL (an event says why;
 * decryption of that side stops). The pointer is valid until the next call. */
const uint8_t *tls13_keys_open(struct tls_conn *c, enum flow_dir dir, const uint8_t hdr[5],
                               uint64_t off, int64_t ts_ns, size_t *len, uint8_t *inner_type);
/* Bytes of the record were lost (gap): it cannot be opened, nor can any
 * later one of that side (the sequence number is unknown). */
void tls13_keys_lost(struct tls_conn *c, enum flow_dir dir, int64_t ts_ns);
/* A side's Finished (or an alert) was read: its handshake keys are done. */
void tls13_keys_finished(struct tls_conn *c, enum tls_side side);
/* This connection is being decrypted (tls13_keys_start succeeded). */
bool tls13_keys_used(const struct tls_conn *c);
/* Still decrypting this side? */
bool tls13_keys_active(const struct tls_conn *c, enum tls_side side);
void tls13_keys_free(struct tls_conn *c);

/* --- handshake.c --- */
/* One complete handshake message from `side` (body is `len` bytes). */
void tls_handshake_message(struct tls_conn *c, enum flow_dir dir, uint8_t type,
                           const uint8_t *body, uint32_t len, uint64_t off, int64_t ts_ns);
/* A handshake message that will not be seen whole (cap, gap). */
void tls_handshake_lost(struct tls_conn *c, enum flow_dir dir, uint8_t type, uint64_t off,
                        int64_t ts_ns, bool capped);
void tls_on_ccs(struct tls_conn *c, enum flow_dir dir, int64_t ts_ns);
void tls_on_alert(struct tls_conn *c, enum flow_dir dir, bool encrypted, uint8_t level,
                  uint8_t desc, int64_t ts_ns);
/* An encrypted handshake (or TLS 1.3 opaque) record finished. */
void tls_on_encrypted_record(struct tls_conn *c, enum flow_dir dir, uint8_t type, uint32_t len,
                             int64_t ts_ns);
void tls_on_sslv2_record(struct tls_conn *c, enum flow_dir dir, const uint8_t *body, uint32_t len,
                         uint64_t off, int64_t ts_ns);
void tls_on_first_sync(struct tls_conn *c, enum flow_dir dir, uint8_t first_type, int64_t ts_ns);
void tls_set_chain_final(struct tls_conn *c, enum tls_nochain why, int64_t ts_ns);
void tls_update_complete(struct tls_conn *c);
/* TLS 1.3 with a key log: a side's decryption stopped (tls13_keys.c);
 * judge when nothing more can change the chains. */
void tls_on_keys_stopped(struct tls_conn *c, int64_t ts_ns);
bool tls_conn_is13(const struct tls_conn *c);

#endif
