/* tls.h — the facts tlsscope learns about one TCP connection that carries TLS
 * (or one UDP association that carries DTLS), and the incremental parser that
 * learns them.
 *
 * One `struct tls_conn` per TCP connection. The parser is fed ordered bytes
 * per direction (from capture/flow.h) and fills the structure as messages
 * complete; nothing in here knows about pcap or mbedTLS. Certificates are kept
 * as DER bytes; trust/ parses them. DTLS (dtls.h) fills the same structure
 * from whole datagrams instead of a byte stream.
 *
 * Every array has a fixed cap (TLS_MAX_*); when input has more, the first
 * ones are kept, the `*_total` field has the real count and a TLS_EV_CAP
 * event is recorded. Strings from the wire (SNI, ALPN) are kept as raw bytes
 * with a length: they may hold anything, including NUL and escape sequences;
 * escaping is the output's job.
 *
 * References: RFC 8446 (TLS 1.3), RFC 5246 (TLS 1.2), RFC 6066 (extensions),
 * RFC 7301 (ALPN), RFC 8701 (GREASE), RFC 6101 Appendix E / RFC 5246 E.2
 * (SSLv2-compatible ClientHello).
 *
 * Ownership: tls_conn_new() allocates; tls_conn_free() releases the
 * connection with all its buffers and certificate copies.
 */
#ifndef TLSSCOPE_DISSECT_TLS_H
#define TLSSCOPE_DISSECT_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../capture/flow.h"

/* Parser return codes. */
#define TLS_OK 0
#define TLS_ETRUNC (-1)     /* need more bytes (normal mid-stream) */
#define TLS_EMALFORMED (-2) /* bytes contradict the RFC */
#define TLS_ECAP (-3)       /* a tlsscope cap was exceeded */

/* Caps. */
#define TLS_MAX_CIPHERS 256
#define TLS_MAX_EXTENSIONS 64
#define TLS_MAX_SNI 1024
#define TLS_MAX_ALPN 8
#define TLS_MAX_ALPN_LEN 255
#define TLS_MAX_LIST 64        /* groups, signature algorithms, versions, ... */
/* Certificates kept per Certificate message. Chains of 12 and more are rare
 * but legal (cross-signed paths, servers sending their whole store); a
 * verdict that would depend on one not kept is "not judged" (verdict.c). */
#define TLS_MAX_CHAIN 32
#define TLS_MAX_CERT_LEN (1024u * 1024u) /* = TLS_MAX_HANDSHAKE_MSG: Zeek's fragmented-handshake test has a 340 KB certificate */
#define TLS_MAX_HANDSHAKE_MSG (1024u * 1024u) /* a bigger message is skipped with an event */
#define TLS_MAX_ALERTS 8
#define TLS_MAX_EVENTS 16
#define TLS_SCAN_LIMIT (64u * 1024u) /* plaintext bytes searched for a TLS start (STARTTLS) */
#define TLS_MAX_SSLV2_SPECS 16 /* SSLv2-only cipher specs kept from an SSLv2 ClientHello */
#define TLS_MAX_CERT_TYPES 16  /* CertificateRequest certificate_types kept */
#define TLS_MAX_CA_NAMES 32    /* CertificateRequest certificate_authorities kept ... */
#define TLS_MAX_CA_NAME_LEN 1024 /* ... each at most this long (DER of the Name) */
/* Bytes of handshake data held by the dissector at any one time, across all
 * connections: handshake reassembly buffers plus certificate copies not yet
 * handed to trust/. A message that would go beyond it is skipped with a
 * TLS_EV_CAP event, like one over TLS_MAX_HANDSHAKE_MSG. Without it a
 * capture could hold a 1 MiB message half way through on every connection. */
#define TLS_MAX_HELD_TOTAL (64u * 1024u * 1024u)

/* Direction relative to the TLS roles (not to the TCP SYN). */
enum tls_side { TLS_CLIENT = 0, TLS_SERVER = 1 };

/* Versions as on the wire (RFC 8446 §4.2.1 and predecessors). */
#define TLS_V_SSL2 0x0002
#define TLS_V_SSL3 0x0300
#define TLS_V_10 0x0301
#define TLS_V_11 0x0302
#define TLS_V_12 0x0303
#define TLS_V_13 0x0304
/* DTLS (RFC 6347 §4.1, RFC 9147 §5.3) */
#define DTLS_V_BAD 0x0100   /* OpenSSL before 0.9.8f: pre-RFC DTLS 1.0 */
#define DTLS_V_10 0xfeff
#define DTLS_V_12 0xfefd
#define DTLS_V_13 0xfefc

struct tls_bytes {         /* a short opaque string from the wire */
    uint16_t len;          /* bytes stored */
    uint16_t total;        /* bytes on the wire (> len when truncated) */
    uint8_t data[TLS_MAX_ALPN_LEN];
};

struct tls_ext {           /* RFC 8446 §4.2 Extension, in wire order; a duplicate
                            * (malformed) is listed too, only the first is decoded */
    uint16_t type;
    uint16_t len;
    bool grease;           /* RFC 8701 reserved value */
};

struct tls_u16_list {
    uint16_t v[TLS_MAX_LIST];
    uint16_t n;            /* stored */
    uint16_t total;        /* on the wire */
};

struct tls_client_hello {
    bool present;
    int64_t ts_ns;
    bool sslv2_format;          /* SSLv2-compatible ClientHello (RFC 5246 E.2) */
    uint16_t record_version;    /* version in the record header */
    uint16_t legacy_version;    /* RFC 8446 §4.1.2 */
    uint8_t random[32];
    uint8_t session_id[32];
    uint8_t session_id_len;
    uint16_t ciphers[TLS_MAX_CIPHERS];   /* in the client's order, GREASE kept */
    uint16_t n_ciphers, n_ciphers_total;
    uint8_t compression[16];
    uint8_t n_compression;
    bool has_extensions_block;  /* a TLS 1.2 ClientHello may have none */
    struct tls_ext exts[TLS_MAX_EXTENSIONS];
    uint16_t n_exts, n_exts_total;
    /* decoded extensions */
    bool has_sni;               /* RFC 6066 §3 server_name (host_name type) */
    uint8_t sni[TLS_MAX_SNI];
    uint16_t sni_len;           /* stored */
    uint16_t sni_total;         /* on the wire */
    struct tls_bytes alpn[TLS_MAX_ALPN];  /* RFC 7301 */
    uint8_t n_alpn, n_alpn_total;
    struct tls_u16_list supported_versions; /* RFC 8446 §4.2.1 */
    struct tls_u16_list groups;             /* RFC 8446 §4.2.7 / RFC 8422 */
    uint8_t ec_point_formats[16];           /* RFC 8422 §5.1.2 */
    uint8_t n_ec_point_formats;
    struct tls_u16_list sig_algs;           /* RFC 8446 §4.2.3 */
    struct tls_u16_list key_share_groups;   /* RFC 8446 §4.2.8 */
    uint8_t psk_modes[8];                   /* RFC 8446 §4.2.9 */
    uint8_t n_psk_modes;
    bool has_pre_shared_key;                /* RFC 8446 §4.2.11 */
    uint16_t psk_identities;
    bool has_session_ticket;                /* RFC 5077 extension present */
    uint16_t session_ticket_len;            /* 0 = asking for a new ticket */
    bool status_request;                    /* RFC 6066 §8 */
    bool extended_master_secret;            /* RFC 7627 */
    bool renegotiation_info;                /* RFC 5746 (ext or SCSV 0x00ff) */
    bool early_data;                        /* RFC 8446 §4.2.10 */
    bool has_connection_id;                 /* RFC 9146 §3 (DTLS): the CID this side */
    uint8_t connection_id_len;              /* wants on records sent to it */
    uint8_t cookie_len;                     /* DTLS: cookie<0..2^8-1> (RFC 6347 §4.2.1) */
    /* SSLv2-compatible hello only: CIPHER-SPECs with a non-zero first byte
     * (SSLv2-only, e.g. 0x010080 SSL2_RC4_128_WITH_MD5), which have no TLS
     * suite number; 0x00XXXX specs are in ciphers[] (RFC 5246 E.2). */
    uint32_t sslv2_specs[TLS_MAX_SSLV2_SPECS];
    uint8_t n_sslv2_specs, n_sslv2_specs_total;
    /* Its framing is broken in a way servers refuse with decode_error: kept
     * as far as it was read, events say what, and no fingerprint (README
     * "Malformed hellos"). */
    bool malformed;
    /* JA3's MD5, hashed from the hello's own bytes while parsing, so a list
     * longer than the ones kept here still gets its fingerprint; not for a
     * malformed or SSLv2-compatible hello. */
    bool has_ja3;
    uint8_t ja3[16];
};

struct tls_server_hello {
    bool present;
    int64_t ts_ns;
    uint16_t legacy_version;
    uint8_t random[32];
    uint8_t session_id[32];
    uint8_t session_id_len;
    uint16_t cipher;
    uint8_t compression;
    bool malformed;             /* as tls_client_hello.malformed: no JA3S */
    struct tls_ext exts[TLS_MAX_EXTENSIONS];
    uint16_t n_exts, n_exts_total;
    uint16_t selected_version;  /* supported_versions, or 0 */
    bool has_alpn;
    struct tls_bytes alpn;
    uint16_t key_share_group;   /* TLS 1.3, or 0 */
    bool psk_accepted;          /* pre_shared_key in ServerHello (RFC 8446 §4.2.11) */
    bool has_session_ticket;    /* server will send NewSessionTicket (RFC 5077) */
    bool extended_master_secret;
    bool renegotiation_info;
    bool status_request;
    bool has_connection_id;     /* RFC 9146 §3 (DTLS) */
    uint8_t connection_id_len;
};

struct tls_cert_der {
    uint8_t *der;               /* owned copy */
    uint32_t len;
};

/* An OCSP response the server stapled (RFC 6066 §8 CertificateStatus, type
 * 22, after the Certificate in TLS <= 1.2; TLS 1.3: the status_request
 * extension of the leaf's CertificateEntry, RFC 8446 §4.4.2.1, readable
 * only when decrypted). The DER OCSPResponse is copied for trust/ocsp.h. */
struct tls_ocsp_staple {
    bool present;               /* a staple was sent (kept or not) */
    bool in_cert_entry;         /* TLS 1.3: from the CertificateEntry extension */
    bool not_kept;              /* over TLS_MAX_CERT_LEN or the held-bytes cap */
    bool malformed;             /* the CertificateStatus structure did not parse */
    uint8_t status_type;        /* CertificateStatusType: 1 ocsp, 2 ocsp_multi (RFC 6961) */
    uint8_t *der;               /* owned copy of the (first) OCSPResponse, or NULL */
    uint32_t len;
};

struct tls_certificate {        /* one Certificate message */
    bool present;
    int64_t ts_ns;
    bool tls13_layout;          /* RFC 8446 §4.4.2 (context + per-cert extensions) */
    struct tls_cert_der certs[TLS_MAX_CHAIN]; /* wire order: leaf first */
    uint16_t n, n_total;
    bool skipped_inside;        /* one was not kept for its size or the held-bytes cap:
                                   the kept ones are not simply the first n sent */
    bool empty;                 /* zero certificates (a client with none) */
    struct tls_ocsp_staple staple; /* the leaf's stapled OCSP response, if any */
};

/* What a server asked of the client's certificate (mutual TLS): RFC 5246
 * §7.4.4 CertificateRequest (TLS <= 1.2), RFC 8446 §4.3.2 (TLS 1.3, only
 * visible when decrypted). certificate_authorities are copies of the DER
 * Names (the whole SEQUENCE); trust/ parses and compares them. A list cut
 * by the caps has n_ca_names < n_ca_names_total: a "no issuer is listed"
 * finding is then incomplete, never made. */
struct tls_cert_request {
    bool present;
    int64_t ts_ns;
    bool tls13_layout;
    uint8_t cert_types[TLS_MAX_CERT_TYPES]; /* ClientCertificateType (1.2 only) */
    uint8_t n_cert_types, n_cert_types_total;
    bool has_sig_algs;                      /* TLS 1.2 field / 1.3 signature_algorithms */
    struct tls_u16_list sig_algs;
    bool has_ca_list;                       /* 1.3: extension sent; 1.2: list non-empty */
    struct tls_cert_der ca_names[TLS_MAX_CA_NAMES];
    uint16_t n_ca_names, n_ca_names_total;
};

struct tls_alert {              /* RFC 8446 §6 */
    enum tls_side from;
    bool encrypted;             /* ciphertext (length != 2, or after CCS in TLS <= 1.2):
                                 * level/desc unknown. TLS 1.3 protected alerts travel
                                 * as opaque application_data records and are not seen */
    uint8_t level;              /* 1 warning, 2 fatal */
    uint8_t desc;               /* AlertDescription */
    int64_t ts_ns;
};

enum tls_event_kind {
    /* flow events, copied from capture (same meaning) */
    TLS_EV_GAP = 1,
    TLS_EV_OVERLAP_DIFF,
    TLS_EV_TCP_CAP,
    TLS_EV_MIDSTREAM,
    TLS_EV_PORT_REUSE,
    TLS_EV_DATA_BEFORE_BASE,
    /* dissector's own */
    TLS_EV_MALFORMED = 32,      /* a record or message broke the RFC; detail says how */
    TLS_EV_CAP,                 /* a TLS_MAX_* cap was hit */
    TLS_EV_RESYNC,              /* parser lost record sync after a gap and found it again */
    TLS_EV_SSLV2_HELLO,         /* SSLv2-compatible ClientHello */
    TLS_EV_STARTTLS,            /* TLS started after plaintext (STARTTLS, CONNECT, ...) */
    TLS_EV_INCOMPLETE,          /* connection ended before the handshake did */
    TLS_EV_CLIENT_HELLO_AGAIN,  /* another ClientHello (after HelloRetryRequest or
                                 * HelloVerifyRequest): first kept */
    TLS_EV_DECRYPT,             /* TLS 1.3 handshake decryption with key-log secrets:
                                 * no secrets for this connection, a record that did not
                                 * decrypt (wrong key log), and why */
};
/* DTLS uses the same kinds: a datagram cut by snaplen is a TLS_EV_GAP, handshake
 * fragments that overlap with different bytes a TLS_EV_OVERLAP_DIFF, fragments
 * that contradict their message TLS_EV_MALFORMED, reassembly caps TLS_EV_CAP. */

/* The caps that can bite on one connection, so that the summary names each
 * cap and counts the connections it bit on (README "Hostile input and
 * limits": "caps hit"). tls_conn.caps_hit holds the bits the dissector set
 * when it dropped something (a TLS_EV_CAP event names the cap too);
 * tls_conn_caps_hit() adds the lists that were cut (their totals say how
 * much). */
enum tls_caphit {
    TLS_CAPHIT_HANDSHAKE_MSG = 0, /* TLS_MAX_HANDSHAKE_MSG */
    TLS_CAPHIT_HELD_TOTAL,        /* TLS_MAX_HELD_TOTAL */
    TLS_CAPHIT_CHAIN,             /* TLS_MAX_CHAIN / TLS_MAX_CERT_LEN */
    TLS_CAPHIT_DTLS_PIECES,       /* DTLS_MAX_PIECES */
    TLS_CAPHIT_DTLS_HELD,         /* DTLS_MAX_HELD_BYTES */
    TLS_CAPHIT_DTLS_SHARED,       /* DTLS fragment bytes of all associations */
    TLS_CAPHIT_DTLS_INFLIGHT,     /* DTLS_MAX_INFLIGHT */
    TLS_CAPHIT_MEMORY,            /* an allocation failed */
    TLS_CAPHIT_TCP_OOO,           /* TCP out-of-order caps (max_ooo_*) */
    TLS_CAPHIT_SNI,               /* TLS_MAX_SNI */
    TLS_CAPHIT_ALPN,              /* TLS_MAX_ALPN */
    TLS_CAPHIT_CIPHERS,           /* TLS_MAX_CIPHERS */
    TLS_CAPHIT_EXTENSIONS,        /* TLS_MAX_EXTENSIONS */
    TLS_CAPHIT_LIST,              /* TLS_MAX_LIST */
    TLS_CAPHIT_ALERTS,            /* TLS_MAX_ALERTS */
    TLS_CAPHIT_EVENTS,            /* TLS_MAX_EVENTS */
    TLS_CAPHIT_COUNT
};
/* The cap's name as the README's table gives it ("TLS_MAX_CHAIN"). */
const char *tls_caphit_name(enum tls_caphit cap);
struct tls_conn;
/* tls_conn.caps_hit plus the lists cut short (SNI, ALPN, cipher suites,
 * extensions, u16 lists, alerts, events). */
uint32_t tls_conn_caps_hit(const struct tls_conn *c);

struct tls_event {
    enum tls_event_kind kind;
    enum tls_side side;
    uint64_t offset;            /* stream offset in that direction */
    uint64_t length;
    int64_t ts_ns;
    char detail[96];            /* short human text, ASCII, no control chars */
};

/* Why a connection has no judgeable chain (set when chain_final is reached
 * without certificates). */
enum tls_nochain {
    TLS_NOCHAIN_NONE = 0,       /* a chain is present */
    TLS_NOCHAIN_TLS13,          /* TLS 1.3: Certificate is encrypted */
    TLS_NOCHAIN_RESUMED,        /* abbreviated handshake: session id / ticket / PSK */
    TLS_NOCHAIN_NO_SERVER_HELLO,/* server never answered (or capture lost it) */
    TLS_NOCHAIN_LOST,           /* gap/truncation where the Certificate should be */
    TLS_NOCHAIN_ALERT,          /* server refused with an alert before sending one */
    TLS_NOCHAIN_ANON,           /* anonymous/PSK suite: no certificate by design */
    TLS_NOCHAIN_MIDSTREAM,      /* capture starts after the handshake */
    TLS_NOCHAIN_SSLV2,          /* SSLv2 server: not decoded */
};

enum tls_resumption {
    TLS_RESUME_NONE = 0,
    TLS_RESUME_SESSION_ID,      /* ServerHello echoes the client's session id */
    TLS_RESUME_TICKET,          /* RFC 5077 ticket accepted */
    TLS_RESUME_PSK,             /* TLS 1.3 pre_shared_key accepted */
};

/* What only DTLS has (tls_conn.is_dtls). Counts are per side (enum tls_side). */
struct tls_dtls {
    bool hello_verify;          /* HelloVerifyRequest seen (RFC 6347 §4.2.1) */
    uint8_t cookie_len;         /* ... and the length of its cookie */
    uint16_t client_hellos;     /* ClientHello messages (distinct message_seq): 2 after a
                                 * cookie exchange or HelloRetryRequest */
    uint64_t datagrams[2];      /* datagrams handed to the DTLS parser */
    uint64_t other_datagrams[2];/* not DTLS: STUN, RTP, ... demultiplexed away (RFC 7983),
                                 * or not parseable as DTLS records */
    uint64_t records[2];        /* records (plaintext and ciphertext) */
    uint64_t encrypted_records[2]; /* epoch > 0 or DTLS 1.3 unified header: counted only */
    uint64_t fragments[2];      /* handshake fragments that were less than a whole message */
    uint64_t retransmitted[2];  /* handshake fragments of messages already delivered */
    uint64_t duplicate_records[2]; /* epoch and sequence number seen before: a copy made by
                                 * the capture (SPAN, -i any), skipped; real retransmissions
                                 * get new numbers (RFC 6347 §4.2.4) */
    uint16_t max_epoch[2];      /* highest epoch seen (DTLS 1.3: low two bits only) */
    bool connection_id[2];      /* records from that side carried a connection id
                                 * (RFC 9146 tls12_cid records, RFC 9147 §4 C bit) */
};

struct tls_conn {
    /* addressing, in TLS roles (client = the side that sent the ClientHello) */
    uint64_t flow_id;
    uint8_t family;             /* 4 or 6 */
    uint8_t client_ip[16], server_ip[16];
    uint16_t client_port, server_port;
    bool roles_from_content;    /* TCP orientation was overridden by who sent the ClientHello */
    int64_t first_ts_ns, last_ts_ns;

    /* what the stream turned out to be */
    bool is_tls;                /* a TLS (or SSLv2-compatible) handshake was found */
    bool not_tls;               /* decided: this stream is not TLS */
    bool openvpn;               /* OpenVPN over TCP: the TLS (is_tls) came out of its
                                 * control packets, or (not_tls) could not */
    bool openvpn_protected;     /* ... those are protected by tls-auth / tls-crypt */
    uint64_t tls_start_offset[2]; /* [enum tls_side]: stream offset of the first TLS
                                   * record; >0 after plaintext (STARTTLS) */

    struct tls_client_hello ch;
    /* The first ClientHello as sent (handshake header and body), kept only
     * when asked (tls_conn_keep_client_hello: tlsscope probe --hello replay
     * reads it); NULL otherwise, or when longer than TLS_MAX_RAW_HELLO
     * (ch_raw_too_long says so). */
    uint8_t *ch_raw;
    uint32_t ch_raw_len;
    bool keep_ch_raw, ch_raw_too_long;
    struct tls_server_hello sh;
    bool hello_retry;           /* HelloRetryRequest seen (RFC 8446 §4.1.4) */
    uint16_t hrr_group;
    uint16_t hrr_cipher;        /* the suite and version the HelloRetryRequest fixed */
    uint16_t hrr_version;       /* (§4.1.4: the ServerHello must repeat them); 0: unknown */
    struct tls_server_hello hrr;/* the HelloRetryRequest in ServerHello form (present:
                                 * RFC 8446 layout; not for drafts' own message), for JA3S
                                 * when it is all the server sent */
    struct tls_certificate server_certs;
    struct tls_certificate client_certs;  /* TLS <= 1.2, or 1.3 decrypted */
    bool cert_request;          /* CertificateRequest seen (TLS <= 1.2, or 1.3 decrypted) */
    struct tls_cert_request creq; /* ... and what it asked for */
    uint16_t ske_group;         /* ServerKeyExchange named curve (RFC 8422 §5.4), or 0 */
    bool server_hello_done;     /* ServerHelloDone seen: the server's TLS <= 1.2 flight is
                                 * over, so cert_request is final */
    bool cert_status;           /* CertificateStatus (OCSP staple) seen; the response
                                   is server_certs.staple */
    bool new_session_ticket;    /* plaintext NewSessionTicket (TLS <= 1.2) */

    struct tls_alert alerts[TLS_MAX_ALERTS];
    uint8_t n_alerts, n_alerts_total;

    bool ccs[2];                /* ChangeCipherSpec seen per side */
    bool encrypted_hs[2];       /* encrypted handshake record seen per side */
    uint64_t app_data_bytes[2]; /* application_data record payload bytes per side */
    uint64_t app_data_records[2];
    uint64_t tcp_bytes[2];      /* all TCP payload (UDP payload for DTLS), from flow close */

    bool is_dtls;               /* TLS over UDP: see dtls and dissect/dtls.h */
    bool is_quic;               /* TLS inside QUIC over UDP (dissect/quic.h) */
    uint32_t quic_version;      /* QUIC_V1 or QUIC_V2 of the long-header packets */
    bool quic_retry;            /* the server sent a Retry (RFC 9000 §17.2.5) */
    bool quic_version_negotiation; /* ... or a Version Negotiation packet (§17.2.1) */
    struct tls_dtls dtls;

    /* TLS 1.3 with key-log secrets (dissect/tls13_keys.c): the encrypted
     * handshake was read, so the facts below and the certificates above come
     * from decrypted records */
    bool decrypted;             /* at least one handshake record decrypted */
    bool decrypt_failed;        /* a record did not decrypt (TLS_EV_DECRYPT says why) */
    bool keylog_no_secrets;     /* a key log was given, without this client random */
    bool sni_ack;               /* server acknowledged the SNI with an empty server_name
                                 * (RFC 6066 §3; TLS 1.3: in EncryptedExtensions) */
    uint16_t cert_verify_alg[2];/* CertificateVerify signature scheme per side
                                 * (RFC 8446 §4.4.3), 0 = none seen */
    bool finished[2];           /* Finished seen per side (decrypted in TLS 1.3) */

    enum tls_resumption resumed;
    bool handshake_complete;    /* both sides finished (best evidence available) */
    bool chain_final;           /* the server chain (or its absence) is known: judge now */
    enum tls_nochain nochain;
    int64_t chain_ts_ns;        /* time to judge at: Certificate, else ServerHello */
    bool closed;
    int close_reason;           /* enum flow_close_reason */

    struct tls_event events[TLS_MAX_EVENTS];
    uint8_t n_events, n_events_total;
    uint32_t caps_hit;          /* 1 << TLS_CAPHIT_*: caps that dropped something here */

    struct tls_parser *parser;  /* private parse state; NULL once done */
};

/* --- parser API, driven by the pipeline from flow_sink callbacks --- */

/* New connection for a flow. Returns NULL on allocation failure. */
struct tls_conn *tls_conn_new(const struct flow_meta *meta);

/* Keep the first ClientHello's bytes (ch_raw), capped at TLS_MAX_RAW_HELLO. */
#define TLS_MAX_RAW_HELLO 16384u
void tls_conn_keep_client_hello(struct tls_conn *c);

/* Secrets for TLS 1.3 handshake decryption (dissect/keylog.h), or NULL.
 * The key log is looked up at the ServerHello and must outlive the
 * connection's parser; secrets added to it later still count. */
struct keylog;
void tls_conn_set_keylog(struct tls_conn *c, const struct keylog *kl);

/* Ordered bytes from the flow table. Returns FLOW_CONTINUE or FLOW_COUNT_ONLY
 * (once this direction carries nothing tlsscope still needs: the stream is not
 * TLS, no TLS start within TLS_SCAN_LIMIT bytes, record sync lost for good, or
 * the parser was released).
 * After the handshake a direction keeps returning FLOW_CONTINUE on purpose:
 * only record headers are read (O(records), bodies are skipped, nothing is
 * copied), which keeps app_data_bytes exact and still sees close_notify and
 * other alerts. TLS 1.3 hides record types: the server's opaque records
 * before the client's Finished and the client's first one after the
 * ServerHello count as encrypted handshake, every later one (tickets and
 * encrypted alerts included) as application data. */
int tls_conn_data(struct tls_conn *c, enum flow_dir dir, const uint8_t *p, uint32_t n,
                  int64_t ts_ns);

/* A flow event (gap, overlap, ...): recorded, and the parser resynchronises. */
void tls_conn_flow_event(struct tls_conn *c, const struct flow_event *ev);

/* FIN or RST in a direction. */
void tls_conn_fin(struct tls_conn *c, enum flow_dir dir, bool rst, int64_t ts_ns);

/* The flow closed: final bookkeeping (incomplete handshakes, chain_final),
 * then the parse state is released (the facts stay). */
void tls_conn_close(struct tls_conn *c, const struct flow_close *info);

/* Release parse state early (keeps the facts). Idempotent. */
void tls_conn_release_parser(struct tls_conn *c);

/* Free the certificate copies (after trust/ has interned them). */
void tls_conn_drop_cert_copies(struct tls_conn *c);
/* Free the CertificateRequest's CA name copies (after the client side was
 * judged); the counts stay. Also done by tls_conn_free. */
void tls_conn_drop_ca_names(struct tls_conn *c);
/* Free the stapled OCSP response's copy (once trust/ read it); the flags
 * (present, not_kept, ...) stay. Also done by tls_conn_free. */
void tls_conn_drop_staple(struct tls_conn *c);

void tls_conn_free(struct tls_conn *c);

/* Record an event (kept if there is room; always counted). */
void tls_conn_add_event(struct tls_conn *c, enum tls_event_kind kind, enum tls_side side,
                        uint64_t offset, uint64_t length, int64_t ts_ns, const char *detail);

/* Bytes counted against TLS_MAX_HELD_TOTAL right now (process-wide: tlsscope
 * runs one pipeline per process; not thread-safe). */
size_t tls_held_bytes(void);

/* Negotiated version: supported_versions if present, else ServerHello
 * legacy_version; 0 if no ServerHello. */
uint16_t tls_conn_version(const struct tls_conn *c);
/* What the server chose, for reports: the ServerHello's version and suite,
 * or, when the server sent only a HelloRetryRequest, the ones it fixed there
 * (RFC 8446 §4.1.4: the ServerHello must repeat both). 0 / false: neither. */
uint16_t tls_conn_chosen_version(const struct tls_conn *c);
bool tls_conn_chosen_cipher(const struct tls_conn *c, uint16_t *suite);
/* The server sent a HelloRetryRequest and no ServerHello after it. */
bool tls_conn_hrr_only(const struct tls_conn *c);

#endif
