/* logcorr.h — Expressway's log next to the packets: every TLS failure the
 * traffic server logged, tied to the captured connection it was about, with
 * tlsscope's own verdict on that connection and whether the two agree.
 *
 * Matching rule (for each log failure, see explog.h): a captured TLS
 * connection
 *   - to the logged server IP (server=HOST(IP), or the Dst-ip of the
 *     request's Sending Request when the line has none),
 *   - to the request's Dst-port, when the log says which request it was,
 *   - whose SNI is the name Expressway verified ("for (x)", "SNI (x)", "'x'"),
 *     or, when the client sent no SNI, whose server IP is that name,
 *   - at most `window` away: the log time inside [first packet − window,
 *     last packet + window];
 * the closest in time wins; one connection takes at most one failure. A
 * connection that failed or could not be judged claims its failure when the
 * front end hands it over (so its JSON line can carry it); a connection
 * tlsscope found trusted only gets a failure left over at the end — that is
 * a disagreement worth reading (different trust store? other node?).
 *
 * What a front end gets: per log failure one struct logcorr_match (in log
 * time order, parallel to explog_failure()); the connections kept (those
 * that matched, and trusted ones a leftover failure may still pair with);
 * the failing connections the log does not mention, grouped by server, SNI
 * and verdict, with the first few of each group and why. A browser lists
 * logcorr_match()es and jumps to connection `conn_seq` (the conn_record.seq
 * it already knows); logcorr_match_for_seq() goes the other way. Memory is
 * bounded by the number of log failures and groups, not by the capture.
 *
 * Ownership: a logcorr borrows the explog (which must outlive it) and keeps
 * its own copies of what it needs from each conn_record: records may be
 * freed right after logcorr_add_conn(). logcorr_free() releases the rest.
 */
#ifndef TLSSCOPE_EXPLOG_LOGCORR_H
#define TLSSCOPE_EXPLOG_LOGCORR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "explog/explog.h"
#include "engine/pipeline.h"

#define LOGCORR_DEFAULT_WINDOW_NS 2000000000LL
#define LOGCORR_MAX_CONNS 200000   /* connection summaries kept (matched ones, and
                                      trusted ones a log failure may still pair with) */
#define LOGCORR_EXAMPLES 3         /* connections shown per unmentioned group */
#define LOGCORR_MAX_GROUPS 4096    /* groups of unmentioned failing connections */

enum logcorr_agree { LOGCORR_AGREE_UNKNOWN = 0, LOGCORR_AGREE_YES, LOGCORR_AGREE_NO };

/* Why a log failure has no connection, as a kind (logcorr_match.unmatched
 * says it in words): what a list can show in a few columns. */
enum logcorr_why {
    LOGCORR_WHY_NONE = 0,      /* matched, or logcorr_finish() not called yet */
    LOGCORR_WHY_NO_CAPTURE,    /* no capture was given */
    LOGCORR_WHY_NO_PACKETS,    /* the captures hold no packets */
    LOGCORR_WHY_OUTSIDE_TIME,  /* logged outside the captured time (± window) */
    LOGCORR_WHY_NO_SNI_MATCH,  /* the line names no address, no connection has its name */
    LOGCORR_WHY_NO_CONN_TO_IP, /* no TLS connection to the logged address at all */
    LOGCORR_WHY_PORT,          /* the nearest connection to the address: another port */
    LOGCORR_WHY_NAME,          /* ... another SNI, or none */
    LOGCORR_WHY_WINDOW,        /* ... outside the window: clock skew? */
};

/* What is kept of a captured connection. */
struct logcorr_conn {
    uint64_t seq;                /* conn_record.seq ("#2" in the report) */
    int64_t first_ts_ns, last_ts_ns, chain_ts_ns;
    char server_ip[48], client_ip[48];
    uint16_t server_port, client_port;
    bool has_sni;
    char sni[256];               /* NUL-cut; escape before showing */
    enum verdict_status status;
    int code, depth;             /* verdict */
    bool name_failure;           /* "SNI (x) not in certificate" (expressway profile) */
    char reason[160];
    char would_log[700];         /* what tlsscope predicts Expressway logs; "" */
    char not_judged[200];
    int match;                   /* index of its logcorr_match, -1 */
};

struct logcorr_match {
    const struct explog_failure *f;
    int code;                    /* the logged error as a code (62 for SNI lines); -1 */
    int conn;                    /* index into logcorr_conn(), -1: no connection */
    uint64_t conn_seq;           /* 0: none */
    int64_t delta_ns;            /* log time − the connection's Certificate (or first packet) */
    bool late;                   /* matched after the connection was handed over */
    enum logcorr_agree agrees;
    char comparison[400];        /* agreement: "the same line", or what differs */
    char unmatched[400];         /* no connection: why that may be */
    enum logcorr_why why;        /* the same as a kind */
    uint64_t near_seq;           /* WHY_PORT/NAME/WINDOW: the nearest connection */
};

struct logcorr_opts {
    int64_t window_ns;           /* 0 = LOGCORR_DEFAULT_WINDOW_NS */
};

struct logcorr;

struct logcorr *logcorr_new(const struct explog *lg, const struct logcorr_opts *opts);
void logcorr_free(struct logcorr *lc);

/* A finished connection (pipeline done()). Returns the index of the match
 * it claimed, or -1. Call before printing the record. */
int logcorr_add_conn(struct logcorr *lc, const struct conn_record *r);

/* After the last connection: leftover failures go to trusted connections
 * when they fit, the rest get their reason. `captured` says whether there
 * were captures at all; first/last are the packet time range (0 = none). */
void logcorr_finish(struct logcorr *lc, bool captured, int64_t first_ts_ns, int64_t last_ts_ns);

int64_t logcorr_window_ns(const struct logcorr *lc);
/* logcorr_finish() was called: unmatched reasons and leftovers are final. */
bool logcorr_finished(const struct logcorr *lc);
size_t logcorr_n_matches(const struct logcorr *lc);
const struct logcorr_match *logcorr_match(const struct logcorr *lc, size_t i);
size_t logcorr_n_conns(const struct logcorr *lc);
const struct logcorr_conn *logcorr_conn(const struct logcorr *lc, size_t i);
/* The match of connection `seq`, or -1. */
int logcorr_match_for_seq(const struct logcorr *lc, uint64_t seq);

/* Failing connections no log line is about, grouped by server IP and
 * port, SNI and verdict (code, depth, name failure), in order of first
 * sight; why is filled in by logcorr_finish. */
struct logcorr_unmentioned {
    uint64_t count;
    struct logcorr_conn example[LOGCORR_EXAMPLES]; /* the first ones */
    char why[LOGCORR_EXAMPLES][400];
    int n_examples;
    uint64_t last_seq;
    int64_t last_ts_ns;
};
size_t logcorr_n_unmentioned(const struct logcorr *lc);          /* groups */
uint64_t logcorr_unmentioned_total(const struct logcorr *lc);    /* connections */
const struct logcorr_unmentioned *logcorr_unmentioned(const struct logcorr *lc, size_t i);
/* Connections beyond LOGCORR_MAX_CONNS / LOGCORR_MAX_GROUPS, not compared. */
uint64_t logcorr_dropped(const struct logcorr *lc);

/* The logged text without its "[ET_NET 0] WARNING: " prefix: what
 * verdict.would_log predicts. Points into r->message. */
const char *logcorr_logged_line(const struct explog_record *r);

/* Fill a logcorr_conn from a record (exposed for tests and the browser). */
void logcorr_conn_from_record(struct logcorr_conn *out, const struct conn_record *r);
/* Offer a prepared summary: what logcorr_add_conn does after converting. */
int logcorr_add(struct logcorr *lc, const struct logcorr_conn *c);

#endif
