/* explog.h — Cisco Expressway diagnostic logs: the traffic_server lines that
 * tell which MRA request went to which CUCM / IM&P / Unity server, and why
 * the TLS connection to it failed (Expressway X14.2+, CSCwc69661).
 *
 * What is read (one syslog record each; examples from the Cisco article
 * "Expressway traffic server certificate verification", lab steven.lab):
 *
 *   2022-07-11T18:55:25.910+02:00 vcsc traffic_server[18242]: UTCTime="2022-07-11 16:55:25,910"
 *     Module="network.http.trafficserver" Level="INFO": Detail="Receive Request" Txn-id="189"
 *     TrackingID="6af9..." Src-ip="127.0.0.1" Src-port="35764" Last-via-addr=""
 *     Msg="GET http://vcs_control.steven.lab:8443/c3RldmVuLmxhYi9odHRwcy9jdWNtLnN0ZXZlbi5sYWIvODQ0Mw/cucm-uds/user/emusk/devices HTTP/1.1"
 *   ... Event="Request Allowed" Detail="Access allowed" Reason="In allow list" Username="emusk" ...
 *   ... Detail="Sending Request" Txn-id="189" ... Dst-ip="10.48.36.215" Dst-port="8443" Msg="GET /cucm-uds/... HTTP/1.1"
 *   ... Detail="Receive Response" / "Sending Response" ... Msg="HTTP/1.1 502 connect failed"
 *   ... [ET_NET 0] WARNING: Core server certificate verification failed for (cucm.steven.lab).
 *       Action=Terminate Error=self signed certificate server=cucm.steven.lab(10.48.36.215) depth=0
 *   ... [ET_NET 2] WARNING: SNI (10.48.36.215) not in certificate. Action=Terminate server=10.48.36.215(10.48.36.215)
 *   ... [ET_NET 0] ERROR: SSL connection failed for 'cucm.steven.lab': error:1416F086:SSL routines:...
 *
 * The DEBUG variant carries the HTTP message after "HTTPMSG:" on lines
 * starting with '|' instead of Msg="...".
 *
 * Tolerance: a record starts with an ISO 8601 timestamp, a host and a
 * program ("2022-07-11T18:55:26.016+02:00 vcsc traffic_server[18242]: ");
 * every other non-blank line is a continuation of the record before it (log
 * viewers, mail and PDF copies wrap long lines). Continuations are joined
 * with one space, or with none after a trailing '-' (a wrapped
 * "Last-via-" / "addr", "cucm-" / "uds"); blank lines are ignored; runs of
 * white space become one space. Fields that cannot contain spaces (URLs,
 * addresses, ports, ids) have spaces removed again, so a URL broken in the
 * middle of a word ("CSFemusk.c" / "nf.xml") still reads right. What could
 * not be used is counted in struct explog_stats, never silently dropped.
 *
 * Bounds: physical lines over EXPLOG_MAX_LINE bytes and records over
 * EXPLOG_MAX_RECORD bytes are truncated (counted), at most
 * explog_limits.max_records records and max_txns requests are kept, and all
 * kept strings live in an arena capped at max_text bytes. Nothing here
 * recurses or allocates per byte of input.
 *
 * Time: the header's local time with its offset (+02:00) gives UTC; the
 * separate UTCTime="..." field is kept as well (utc_ns) and used when the
 * header has no offset.
 *
 * Ownership: struct explog owns every record, request, failure and string;
 * all pointers handed out (const char * fields included, never NULL, "" when
 * absent) stay valid until explog_free(). Not thread-safe.
 */
#ifndef TLSSCOPE_EXPLOG_EXPLOG_H
#define TLSSCOPE_EXPLOG_EXPLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXPLOG_MAX_LINE 65536     /* bytes of one physical line kept */
#define EXPLOG_MAX_RECORD 16384   /* bytes of one joined record kept */
#define EXPLOG_MAX_MESSAGE 1024   /* bytes of a record's message stored for display */
#define EXPLOG_TXN_MAX_SENDS 8    /* "Sending Request" attempts kept per request */
#define EXPLOG_TXN_MAX_FAILURES 4 /* failures linked to one request */

/* Return codes. */
#define EXPLOG_OK 0
#define EXPLOG_ENOMEM (-1)
#define EXPLOG_EINVAL (-2)

enum explog_kind {
    EXPLOG_RECEIVE_REQUEST = 0, /* Detail="Receive Request": client (MRA) → traffic server */
    EXPLOG_SENDING_REQUEST,     /* Detail="Sending Request": traffic server → origin server */
    EXPLOG_RECEIVE_RESPONSE,    /* Detail="Receive Response": origin → traffic server */
    EXPLOG_SENDING_RESPONSE,    /* Detail="Sending Response": traffic server → client */
    EXPLOG_REQUEST_ALLOWED,     /* Event="Request Allowed" (HTTP allow list) */
    EXPLOG_REQUEST_DENIED,      /* Event="Request Denied" */
    EXPLOG_CERT_FAILED,         /* WARNING: Core server certificate verification failed ... */
    EXPLOG_SNI_FAILED,          /* WARNING: SNI (x) not in certificate ... */
    EXPLOG_SSL_FAILED,          /* ERROR: SSL connection failed for 'x': error:... */
    EXPLOG_KIND_COUNT
};

/* The first path segment of an MRA URL is base64url("domain/protocol/host/port")
 * (e.g. "steven.lab/https/cucm.steven.lab/8443"): where Expressway-C sends
 * the request. */
struct explog_route {
    const char *domain, *protocol, *host; /* "" when absent */
    int port;                             /* -1 when absent */
    bool valid;
};

struct explog_record {
    enum explog_kind kind;
    uint32_t file;               /* index of the file (explog_file_name) */
    uint64_t line;               /* first physical line of the record, 1-based */
    int64_t ts_ns;               /* header time in UTC, ns since the epoch */
    bool has_utc;                /* UTCTime="..." present */
    int64_t utc_ns;
    int tz_offset_min;           /* header's offset from UTC in minutes; 0 for Z/none */
    const char *host;            /* syslog host: the Expressway node ("vcsc") */
    const char *prog;            /* "traffic_server" */
    int pid;                     /* -1 when the header has none */
    const char *level;           /* "INFO", "DEBUG", "WARNING", "ERROR" */
    const char *thread;          /* "ET_NET 0" for the bracketed lines */

    /* HTTP lines */
    const char *txn_id;          /* Txn-id: per traffic_server process */
    const char *tracking_id;     /* TrackingID: per MRA request (empty on responses) */
    const char *ip;              /* Src-ip (receive) or Dst-ip (sending) */
    int port;                    /* Src-port / Dst-port; -1 when absent */
    const char *method;          /* "GET" */
    const char *target;          /* request target as logged, spaces removed */
    const char *path;            /* origin path incl. query, after the route segment */
    struct explog_route route;   /* decoded first path segment (Receive Request) */
    int status;                  /* response status; -1 */
    const char *status_text;     /* "connect failed" */
    const char *user;            /* Username= (Request Allowed/Denied) */
    const char *request_url;     /* Request= (Request Allowed/Denied) */
    const char *rule;            /* Rule= */

    /* failure lines */
    const char *name;            /* the name ATS verified: (x), SNI (x), 'x' */
    const char *error;           /* Error= text ("self signed certificate") */
    const char *action;          /* "Terminate" */
    const char *server_host;     /* server=HOST(IP) */
    const char *server_ip;
    int depth;                   /* depth=N; -1 */
    const char *ssl_error;       /* "error:1416F086:SSL routines:...:certificate verify failed" */

    const char *message;         /* the record after "prog[pid]: ", joined, at most
                                    EXPLOG_MAX_MESSAGE bytes */
};

/* One MRA request as the traffic server handled it, grouped by node, process
 * and Txn-id. */
struct explog_txn {
    const char *host;            /* node */
    int pid;
    const char *txn_id;
    const char *tracking_id;     /* from the first record that has one */
    const struct explog_record *receive;   /* first Receive Request, or NULL */
    const struct explog_record *access;    /* Request Allowed/Denied, or NULL */
    const struct explog_record *sends[EXPLOG_TXN_MAX_SENDS]; /* distinct attempts */
    int n_sends;
    const struct explog_record *response;  /* first Receive Response, or NULL */
    const struct explog_record *reply;     /* first Sending Response, or NULL */
    const char *user;            /* Username=, else from the path; "" */
    const char *user_from;       /* "Username", "path", "device name" or "" */
    const char *device;          /* "CSFemusk" for .cnf.xml requests, "" */
    int failure_index[EXPLOG_TXN_MAX_FAILURES]; /* into explog_failure() */
    int n_failures;
    int64_t first_ts_ns;
};

/* A TLS failure toward an origin server: the WARNING with its reason (and
 * the ERROR "SSL connection failed" that follows it), or an ERROR alone. */
struct explog_failure {
    enum explog_kind kind;                 /* CERT_FAILED, SNI_FAILED or SSL_FAILED */
    const struct explog_record *rec;       /* the WARNING, or the ERROR when alone */
    const struct explog_record *ssl;       /* the paired ERROR line, or NULL */
    int txn;                               /* index into explog_txn(), -1 */
    int send;                              /* index into that txn's sends[], -1 */
    const char *name;                      /* name verified (SNI Expressway sent) */
    const char *server_host, *server_ip;   /* "" when the line has none */
    int port;                              /* from the request's Sending Request; -1 */
    int depth;                             /* -1 */
    const char *error;                     /* verification error text; "" */
    int64_t ts_ns;
};

struct explog_limits {
    size_t max_records;          /* kept records (default 200000) */
    size_t max_txns;             /* kept requests (default 100000) */
    size_t max_text;             /* bytes of kept strings (default 64 MiB) */
    size_t max_files;            /* files (default 1024) */
    int64_t link_window_ns;      /* failure ↔ Sending Request of its request (default 5 s) */
};

struct explog_stats {
    uint64_t bytes;              /* bytes fed */
    uint64_t text_files;         /* files fed that held no record: not logs; their
                                    lines are counted here only */
    uint64_t text_lines;
    uint64_t lines;              /* physical lines of the logs */
    uint64_t blank_lines;
    uint64_t records;            /* syslog records (header lines) */
    uint64_t joined_lines;       /* continuation lines joined to a record */
    uint64_t orphan_lines;       /* text before the first record header of a file */
    uint64_t long_lines;         /* physical lines truncated at EXPLOG_MAX_LINE */
    uint64_t long_records;       /* records truncated at EXPLOG_MAX_RECORD */
    uint64_t nul_bytes;          /* NUL bytes replaced */
    uint64_t other_programs;     /* records of other programs */
    uint64_t ts_other;           /* traffic_server records of kinds not used */
    uint64_t malformed;          /* known kinds whose fields could not be read */
    uint64_t bad_times;          /* records dated outside 1677-09-21..2262-04-11 (int64
                                    ns): counted, not used */
    uint64_t kinds[EXPLOG_KIND_COUNT];
    uint64_t bad_routes;         /* first path segments that look like a route but
                                    do not decode */
    uint64_t dropped_records;    /* beyond max_records / max_text */
    uint64_t dropped_txns;       /* beyond max_txns */
    uint64_t unlinked_access;    /* Request Allowed/Denied with no request found */
    uint64_t unlinked_failures;  /* failures not tied to a request */
    int64_t first_ts_ns, last_ts_ns; /* 0 when no record */
};

struct explog;

/* NULL limits = defaults. Returns NULL when out of memory. */
struct explog *explog_new(const struct explog_limits *lim);
void explog_free(struct explog *lg);
void explog_limits_default(struct explog_limits *lim);

/* Feed one file: begin (its display name), bytes in any chunking, end.
 * Returns EXPLOG_OK, EXPLOG_ENOMEM, or EXPLOG_EINVAL (no file open / too
 * many files). */
int explog_begin_file(struct explog *lg, const char *name);
int explog_feed(struct explog *lg, const void *p, size_t n);
int explog_end_file(struct explog *lg);

/* After the last file: group records into requests and failures (in time
 * order). Further feeding is refused. */
int explog_finish(struct explog *lg);

const struct explog_stats *explog_stats(const struct explog *lg);
size_t explog_n_files(const struct explog *lg);
const char *explog_file_name(const struct explog *lg, size_t i);
/* Records of a file with at least one syslog header (a log, not just text). */
uint64_t explog_file_records(const struct explog *lg, size_t i);

/* In time order after explog_finish (file order before). */
size_t explog_n_records(const struct explog *lg);
const struct explog_record *explog_record(const struct explog *lg, size_t i);
size_t explog_n_txns(const struct explog *lg);
const struct explog_txn *explog_txn(const struct explog *lg, size_t i);
size_t explog_n_failures(const struct explog *lg);
const struct explog_failure *explog_failure(const struct explog *lg, size_t i);

const char *explog_kind_name(enum explog_kind k); /* "receive_request", ... */

/* ---- pieces exposed for tests and for the front ends ---- */

/* RFC 4648 §5 base64url, padding optional (as in URLs), no white space, no
 * '+' or '/'. Writes at most outcap bytes. Returns the decoded length, or -1
 * for an invalid character, misplaced '=', an impossible length (4k+1) or
 * non-zero trailing bits, -2 when outcap is too small. */
long explog_b64url_decode(const char *in, size_t n, uint8_t *out, size_t outcap);

/* Decode an MRA route segment into buf (NUL-separated parts) and fill r,
 * whose pointers then point into buf. Returns 0, or -1 when the segment is
 * not base64url of printable "domain/protocol/host/port" (port 1..65535). */
int explog_route_decode(const char *seg, size_t n, char *buf, size_t buflen,
                        struct explog_route *r);

/* The user a request is for, from its origin path: "/cucm-uds/user/<u>/..."
 * → <u>; "/CSF<u>.cnf.xml" (also BOT, TCT, TAB: Jabber device names) → <u>
 * with *device = "CSF<u>". Writes "" when none. Returns 1 when found. */
int explog_user_from_path(const char *path, char *user, size_t userlen, char *device,
                          size_t devlen);

#endif
