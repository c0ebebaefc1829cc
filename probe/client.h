/* client.h — one probe connection: a non-blocking TCP connect, the
 * ClientHello (hello.h), the server's answer read up to its certificate
 * (TLS 1.2: ServerHelloDone; TLS 1.3: the encrypted flight up to its
 * Finished, opened with keysched.h), then a clean close: an alert
 * (user_canceled, RFC 8446 §6.1; protected in TLS 1.3) and FIN.
 *
 * It sends nothing but that. Every byte sent and received is kept in
 * order with its time (`log`), so that the same bytes can go through the
 * capture path's dissector and into a pcapng (-w): what is judged is what
 * was on the wire.
 *
 * Caps: PC_MAX_LOG bytes per connection (a server sending more before its
 * certificate ends the probe as a protocol error), PC_MAX_CHUNKS reads.
 */
#ifndef TLSSCOPE_PROBE_CLIENT_H
#define TLSSCOPE_PROBE_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "keysched.h"

#define PC_MAX_LOG (2u * 1024u * 1024u)
#define PC_MAX_CHUNKS 2048
#define PC_MAX_HS (1024u * 1024u) /* one handshake message (= TLS_MAX_HANDSHAKE_MSG) */

enum pc_error {
    PC_OK = 0,            /* the server's certificate (or its absence) was reached */
    PC_REFUSED,           /* connection refused (RST to the SYN) */
    PC_UNREACHABLE,       /* no route / host or network unreachable */
    PC_CONNECT_TIMEOUT,   /* no answer to the SYN in time */
    PC_HANDSHAKE_TIMEOUT, /* connected, but the server's handshake did not complete in time */
    PC_RESET,             /* reset during the handshake */
    PC_CLOSED,            /* the server closed the connection without a TLS answer */
    PC_NOT_TLS,           /* the server answered something that is not TLS */
    PC_ALERT,             /* the server refused with an alert (alert_desc) */
    PC_PROTOCOL,          /* the server's TLS broke the RFC (detail says how) */
    PC_SOCKET,            /* a local error (errno in detail) */
    PC_STOPPED,           /* interrupted (Ctrl-C) before the end */
};

struct pc_chunk {
    uint8_t dir;          /* 0 client -> server, 1 server -> client */
    int64_t ts_ns;        /* CLOCK_REALTIME */
    uint32_t off, len;    /* in log */
};

struct probe_identity;

struct pc_config {
    const uint16_t *suites; /* TLS 1.2 suites (ciphers.h) */
    int n_suites;
    bool tls13;
    const char *sni;        /* or NULL */
    struct probe_identity *identity; /* --cert/--key, or NULL: presented when a TLS 1.3
                                      * server asks (identity.h) */
    const uint8_t *replay;  /* --hello replay: the captured ClientHello message (type,
                             * length, body), sent with a fresh random, session id
                             * and key share; NULL: build one from suites */
    uint32_t replay_len;
};

/* What a server that asked for a client certificate did with the probe's
 * (--cert/--key): its answer after the client's Finished (TLS 1.3: under its
 * application key; TLS 1.2: its ChangeCipherSpec, or an alert). */
enum pc_client_auth {
    PC_CA_NONE = 0,       /* no certificate presented */
    PC_CA_ACCEPTED,       /* NewSessionTicket or data (1.2: ChangeCipherSpec): it went on */
    PC_CA_ALERT,          /* refused with an alert (client_alert) */
    PC_CA_SILENT,         /* no answer before the timeout, or closed without an alert */
};

enum pc_state { PC_CONNECTING, PC_HANDSHAKE, PC_DONE };

#define PC_MAX_COOKIE 1024 /* HelloRetryRequest cookie echoed (RFC 8446 §4.2.2) */

struct pclient {
    int fd;
    enum pc_state state;
    enum pc_error error;
    char detail[160];
    int64_t deadline_ms;    /* CLOCK_MONOTONIC */
    int timeout_ms;
    struct pc_config cfg;   /* a copy; its pointers are the caller's (they outlive us) */
    uint8_t random[32], session_id[32];
    uint16_t group;         /* of our key share: X25519, or P-256 after a HelloRetryRequest */
    struct sockaddr_storage local, peer;
    socklen_t peer_len;
    int64_t syn_ts_ns, established_ts_ns, fin_ts_ns;

    /* what happened on the wire */
    uint8_t *log;           /* grows to PC_MAX_LOG at most */
    uint32_t log_len, log_cap;
    struct pc_chunk chunks[PC_MAX_CHUNKS];
    int n_chunks;

    /* the server stream being parsed */
    uint8_t *rx;            /* server bytes not yet consumed as whole records */
    uint32_t rx_len;
    uint8_t *hs;            /* handshake bytes of the server not yet whole messages */
    uint32_t hs_len, hs_cap;
    uint8_t *transcript;    /* ClientHello and ServerHello messages (TLS 1.3 key schedule) */
    uint32_t transcript_len;

    /* what the server said */
    uint16_t version;       /* negotiated, 0 before ServerHello */
    uint16_t suite;
    uint16_t share_group;
    bool hello_retry;       /* HelloRetryRequest answered with a second ClientHello */
    bool cert_seen, cert_request, finished, done_msg;
    uint8_t creq_context[255];  /* TLS 1.3 certificate_request_context, echoed (§4.4.2) */
    uint8_t creq_context_len;
    enum pc_client_auth client_auth;
    uint8_t client_alert;   /* the server's alert to our certificate (PC_CA_ALERT) */
    uint8_t alert_level, alert_desc;
    struct keysched *ks;
    /* TLS 1.2 with --cert (tls12auth.h): the handshake hashes from the
     * ServerHello on, what the client flight needs of the server */
    struct tls12auth *t12;
    uint8_t server_random[32];
    bool ems;               /* the server echoed extended_master_secret (RFC 7627) */
    uint16_t ske_group;     /* ServerKeyExchange named_curve and point (RFC 8422 §5.4) */
    uint8_t ske_point[65];
    uint8_t ske_point_len;
};

/* Start connecting to peer; the ClientHello is sent once connected. On a
 * synchronous failure the client is PC_DONE with the error set. */
void pc_start(struct pclient *c, const struct sockaddr *peer, socklen_t len,
              const struct pc_config *cfg, int timeout_ms);
/* poll() events wanted now (0 when done). */
short pc_events(const struct pclient *c);
/* After poll(): progress with the events that fired. */
void pc_io(struct pclient *c, short revents);
/* Check the deadline; ends the client with a timeout when passed. */
void pc_tick(struct pclient *c, int64_t now_ms);
/* End now (Ctrl-C). */
void pc_stop(struct pclient *c);
void pc_free(struct pclient *c);

int64_t pc_now_ms(void);
const char *pc_error_text(enum pc_error e);
/* The NSS key log lines (CLIENT_ and SERVER_HANDSHAKE_TRAFFIC_SECRET) of a
 * TLS 1.3 connection whose handshake keys were derived, into out (cap bytes,
 * PC_KEYLOG_LINES_MAX is enough); returns their length, 0 for TLS 1.2 or
 * before the ServerHello. For --keylog, the -w secrets block, and the
 * dissector, which decrypts the server's flight with them. */
#define PC_KEYLOG_LINES_MAX 512
size_t pc_keylog_lines(const struct pclient *c, char *out, size_t cap);

#endif
