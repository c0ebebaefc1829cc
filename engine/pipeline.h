/* pipeline.h — the engine every front end shares: packets from a source go
 * through the link/IP/TCP decoder, the flow table and the TLS dissector; when
 * a connection's server chain is known it is judged against the trust store;
 * finished connections are handed to the front end as `struct conn_record`.
 *
 * Front ends (batch text, JSON lines, the browser, live capture) see only
 * conn_record, tls_conn, cert and verdict — no pcap, no flow table. DTLS
 * associations (UDP) are conn_records too, with tls->is_dtls set.
 *
 * Records are handed over twice:
 *   judged(r)  as soon as the verdict is final (chain seen or known absent) —
 *              what live mode prints; alerts after this point are not in it.
 *              When the server asked for a client certificate (TLS <= 1.2),
 *              judged(r) waits for the server's answer to the client's
 *              Certificate, so r->client (the client verdict) is in it too.
 *              r still belongs to the pipeline and stays valid (and keeps
 *              changing: alerts, bytes) until done(r) hands over the same
 *              pointer, so a live view may show it as a row meanwhile.
 *              With -c N, connections not judged when N were reached never
 *              reach the front end;
 *   done(r)    when the connection is over (closed, timed out, end of input),
 *              with the observed alert and byte counts. The front end then
 *              owns r and frees it with conn_record_free() when it wants.
 * Connections that turn out not to be TLS never reach the front end; they are
 * counted in pipeline_stats.
 *
 * Live capture: pipeline_step returns at least every live->wakeup_ms so a
 * browser can redraw, --duration is honoured and idle flows are expired by
 * the clock; pipeline_stats() then also carries the kernel's packet counts.
 * A front end that keeps finished records keeps at most session.max_conns
 * and drops (and counts) the oldest.
 */
#ifndef TLSSCOPE_ENGINE_PIPELINE_H
#define TLSSCOPE_ENGINE_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/flow.h"
#include "capture/packet.h"
#include "capture/source.h"
#include "capture/udpflow.h"
#include "dissect/tls.h"
#include "trust/cert.h"
#include "trust/store.h"
#include "trust/clientauth.h"
#include "trust/ocsp.h"
#include "trust/verdict.h"

struct conn_record {
    uint64_t seq;                     /* 1, 2, ... in order of first packet */
    struct tls_conn *tls;             /* owned */
    const struct cert *chain[TLS_MAX_CHAIN]; /* server chain, interned, wire order */
    int n_chain;
    const struct cert *client_chain[TLS_MAX_CHAIN];
    int n_client_chain;
    struct verdict verdict;
    bool judged;                      /* verdict filled */
    bool reported;                    /* handed to ops.judged (see pipeline.c hand_over) */
    struct client_auth *client;       /* owned; mutual TLS: the server sent CertificateRequest.
                                         Filled by judged() (held until the server answered
                                         the client's Certificate), its observed alert
                                         completed at done(); NULL otherwise */
    const char *probe_hello;          /* tlsscope probe: which hello ("ECDSA first",
                                         "RSA first", "--ciphers"; static), else NULL */
    struct ocsp_info staple;          /* the server's stapled OCSP response as read at the
                                         end of the connection (staple.read false: none
                                         kept; tls->server_certs.staple says whether sent) */
    bool probe_client_accepted;       /* the probe read the server's acceptance of its
                                         client certificate (client_judge_input) */
    struct pipeline *owner;           /* for conn_record_free */
};

/* A source of connections instead of packets (the probe): each step it
 * hands finished connections to pipeline_submit(); they are judged and
 * reported like the ones a capture shows. */
struct pipeline;
struct conn_source {
    void *ctx;
    /* Make progress for up to wait_ms; 1 while more may come, 0 at the end,
     * negative on error (with pipeline_stats.last_error set by the source). */
    int (*step)(void *ctx, struct pipeline *p, int wait_ms);
    /* Stop soon; called from a signal handler (async-signal-safe). */
    void (*stop)(void *ctx);
};

struct pipeline_opts {
    const struct conn_source *conns;  /* instead of packets: connections (probe) */
    bool keep_client_hello;           /* each connection keeps its ClientHello's bytes
                                       * (tls_conn ch_raw: probe --hello replay) */
    const char *const *files;         /* capture files, or NULL for live */
    int n_files;
    const struct cap_input_spec *inputs; /* instead of files: files and archive
                                            members (capsrc_open_inputs) */
    int n_inputs;
    const struct cap_live_opts *live; /* live capture, or NULL */
    const struct trust_store *store;  /* NULL = no trust store */
    const struct trust_store *client_store; /* --client-trust: the server's store for
                                         judging client chains; NULL = not judged */
    struct keylog *keylog;            /* TLS 1.3 secrets (--keylog, pcapng Decryption
                                         Secrets Blocks are added to it); NULL = none */
    enum verdict_profile profile;
    bool have_at;                     /* --at given */
    int64_t at;                       /* seconds since epoch */
    struct flow_limits limits;
    uint64_t max_packets;             /* 0 = no limit */
    uint64_t stop_after_conns;        /* -c: stop after this many TLS connections judged;
                                         connections not judged by then are dropped,
                                         never handed over */
    /* live capture (issue 5) */
    const char *filter;               /* BPF expression for the files (live: in `live`) */
    uint64_t duration_ms;             /* stop after this long (wall clock); 0 = never.
                                         Checked while idle only if live->wakeup_ms > 0 */
    uint64_t max_conns;               /* cap on connections held open (flow table size)
                                         when smaller than limits.max_flows; 0 = none */
};

struct pipeline_ops {
    void *ctx;
    void (*judged)(void *ctx, struct conn_record *r);  /* may be NULL */
    void (*done)(void *ctx, struct conn_record *r);    /* required; takes ownership */
};

/* A connection named in the summary although it carries no judged TLS. */
struct pipeline_conn_addr {
    uint8_t family;                   /* 4 or 6 */
    uint8_t client_ip[16], server_ip[16];
    uint16_t client_port, server_port;
    bool tls_read;                    /* its TLS was dissected (a connection of the report) */
    bool protected_channel;           /* OpenVPN tls-auth / tls-crypt: not readable */
};
/* OpenVPN connections the summary names one by one; the count stays exact */
#define PIPELINE_OPENVPN_LISTED 8

struct pipeline_stats {
    struct pkt_counters pkt;
    struct flow_stats flow;
    struct udp_stats udp;             /* UDP datagrams and DTLS associations */
    uint64_t tcp_connections;         /* flows opened */
    uint64_t tls_connections;         /* records handed to the front end */
    uint64_t dtls_connections;        /* ... of which DTLS (UDP) */
    uint64_t non_tls_streams;         /* TCP connections with payload but no TLS */
    uint64_t openvpn_streams;         /* OpenVPN over TCP connections (TLS inside or not) */
    struct pipeline_conn_addr openvpn_listed[PIPELINE_OPENVPN_LISTED]; /* the first ones */
    uint64_t empty_streams;           /* TCP connections without payload */
    uint64_t udp_associations;        /* UDP associations opened (the first datagram looked
                                       * like DTLS); the DTLS ones are tls_connections */
    uint64_t non_dtls_associations;   /* ... that turned out not to be DTLS */
    uint64_t dtls_bytes_refused;      /* DTLS fragment bytes over the shared reassembly cap */
    uint64_t handshakes_complete;
    uint64_t judged, trusted, failed, not_judged;
    uint64_t client_requested;        /* connections whose server sent CertificateRequest */
    uint64_t client_trusted, client_failed; /* ... and their client verdicts */
    uint64_t distinct_certs;
    uint64_t certs_refused;           /* not stored: cache full (CERT_CACHE_HARD_MAX_BYTES) */
    uint64_t packets_cut;             /* TCP segments cut short by the capture's snaplen */
    uint64_t packets_bad_time;        /* skipped: time outside int64 ns (1677..2262) */
    uint64_t ip_len_beyond_frame;     /* complete frames whose IP length claims more bytes */
    uint64_t input_errors;            /* e.g. a truncated file */
    bool probe;                       /* the connections are tlsscope probe's own */
    uint64_t probe_unanswered;        /* probe connections without a TLS answer (refused,
                                       * timed out, not TLS, ...), said on stderr */
    uint64_t probe_no_chain;          /* probe connections with a TLS answer but no server
                                       * certificate to judge (an alert to the ClientHello,
                                       * a protocol error before the Certificate) */
    char last_error[256];             /* the message for input_errors */
    int64_t first_ts_ns, last_ts_ns;  /* packet time range */
    /* live capture: the kernel's counters (pcap_stats), refreshed by
     * pipeline_stats(); all 0 for files */
    bool live;
    uint64_t kernel_received;         /* packets that passed the filter */
    uint64_t kernel_dropped;          /* dropped for lack of buffer space */
    uint64_t kernel_if_dropped;       /* dropped by the interface/driver */
    /* what pcapng files say about themselves (capsrc_file_stats) */
    struct cap_file_stats file;
};

/* Signature verification budget (trust/cert.h cert_verify_budget): this
 * many units (about one P-256 check each; P-521 costs 6) plus one per
 * PIPELINE_VERIFY_BYTES captured bytes read so far. A capture of real
 * handshakes needs a few units per connection and several KiB per
 * connection; one made of nothing but distinct P-521 certificates gets
 * its remaining chains "not judged (VERIFY_BUDGET)" instead of minutes. */
#define PIPELINE_VERIFY_BASE 2048
#define PIPELINE_VERIFY_BYTES 512

struct pipeline;

/* Open the sources; on failure returns NULL with one line in err. */
struct pipeline *pipeline_new(const struct pipeline_opts *opts, const struct pipeline_ops *ops,
                              char *err, size_t errlen);

/* Read everything (or until pipeline_stop). Returns 0, or a negative CAP_*
 * error if the input ended with an error (what was read is still reported;
 * pipeline_stats.last_error says what happened). */
int pipeline_run(struct pipeline *p);

/* Ask pipeline_run to return soon; async-signal-safe. */
void pipeline_stop(struct pipeline *p);

/* Read at most `budget` packets; returns 1 if more may follow, 0 at the end,
 * negative on error. For front ends that interleave reading with drawing.
 * Live: also returns 1 (early) after live->wakeup_ms without packets; idle
 * flows are then expired by the wall clock, so connections that went quiet
 * are finished even when no more traffic arrives. */
int pipeline_step(struct pipeline *p, uint64_t budget);

/* End of input: flush the flow table (remaining connections are done). Called
 * by pipeline_run; front ends using pipeline_step call it once at the end. */
void pipeline_finish(struct pipeline *p);

const struct pipeline_stats *pipeline_stats(const struct pipeline *p);
void pipeline_progress(const struct pipeline *p, uint64_t *done, uint64_t *total);
struct cap_source *pipeline_source(struct pipeline *p);

void conn_record_free(struct conn_record *r);

/* A connection source hands over one connection's facts (the pipeline owns
 * c from here): judged, counted and given to the front end like a
 * captured connection that closed. client_accepted: the probe presented a
 * client certificate and read the server's acceptance (a NewSessionTicket or
 * data under the application key, no alert), which no key log can show. */
void pipeline_submit(struct pipeline *p, struct tls_conn *c, const char *probe_hello, bool client_accepted);
/* A probe connection that got no TLS answer (counted for the summary). */
void pipeline_probe_unanswered(struct pipeline *p);
/* A connection source's input error (pipeline_stats.last_error). */
void pipeline_source_error(struct pipeline *p, const char *msg);

void pipeline_free(struct pipeline *p);

#endif
