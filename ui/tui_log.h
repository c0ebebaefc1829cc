/* tui_log.h — the browser's Log view without curses: its rows (every TLS
 * failure Expressway logged, in log order; then the failing connections the
 * log does not mention) and the text of each cell, so that both are
 * unit-tested as plain functions (tests/unit/test_tui_log.c).
 *
 * Everything from the log is hostile input: every text written here went
 * through tui_esc_str (common/escape.h, then tui_text_clean), so it holds no
 * control character and is safe to hand to curses.
 *
 * Ownership: rows index into the logcorr and explog they were made from
 * (owned by the session's logreport); tui_log_rows() allocates the array,
 * the caller frees it.
 */
#ifndef TLSSCOPE_UI_TUI_LOG_H
#define TLSSCOPE_UI_TUI_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/sbuf.h"
#include "explog/explog.h"
#include "explog/logcorr.h"

enum tui_log_kind {
    TUI_LOG_FAILURE = 0, /* a log failure: index into logcorr_match() */
    TUI_LOG_HEADING,     /* "Failing connections the log does not mention (N)" */
    TUI_LOG_UNMENTIONED, /* one of them: group `index`, example `example` */
    TUI_LOG_MORE,        /* "... and N more like these": group `index` */
    TUI_LOG_EMPTY,       /* the log has no TLS failure */
    TUI_LOG_NOTE,        /* first: log and captures do not overlap in time */
};

struct tui_log_row {
    enum tui_log_kind kind;
    size_t index;
    int example;
    uint64_t seq; /* the connection Enter opens; 0: none (yet) */
};

/* The rows of the correlation as it stands (failures are matched as
 * connections finish; leftovers and reasons come with logcorr_finish),
 * after a NOTE row when `note`. Returns the number of rows and sets *out
 * (malloc'd; free it), or -1 when out of memory. */
long tui_log_rows(const struct logcorr *lc, bool note, struct tui_log_row **out);

/* Log and captures far apart in time (more than the window between them):
 * different moments, or clocks that differ. Capture times 0: no packets. */
bool tui_log_apart(const struct explog *lg, const struct logcorr *lc, int64_t cap_first,
                   int64_t cap_last);

/* How a failure row's connection cell reads and is coloured. */
enum tui_log_mark {
    TUI_LOG_AGREE = 0, /* "#2 agree": tlsscope predicts the logged failure */
    TUI_LOG_DISAGREE,  /* "#2 DISAGREE" */
    TUI_LOG_UNKNOWN,   /* "#7 cannot compare" (not judged) */
    TUI_LOG_NONE,      /* "none: outside capture time" */
    TUI_LOG_PENDING,   /* "pending" (still loading) */
    TUI_LOG_NOT_LOGGED /* an unmentioned connection: "#6 not logged" */
};

/* "cucm.steven.lab(10.48.36.215):6972" — the host and address of
 * server=HOST(IP) (one of them when they are the same), the port of the
 * request. */
void tui_log_server(struct sbuf *out, const struct explog_failure *f, bool utf8);
/* "emusk /CSFemusk.cnf.xml": the user and the origin path of the request the
 * failure belongs to; "(no request logged)". */
void tui_log_request(struct sbuf *out, const struct explog *lg, const struct explog_failure *f,
                     bool utf8);
/* "GET /CSFemusk.cnf.xml via steven.lab/https/cucm.steven.lab/6972 -> 502
 * connect failed" (a detail page). */
void tui_log_request_full(struct sbuf *out, const struct explog_txn *t, bool utf8);
/* What Expressway logged, as the lists show verdicts: "18@0 self signed
 * certificate", "name SNI (10.48.36.215) not in certificate", "SSL
 * error:1416F086:...", with "[not enforced] " before a non-Terminate
 * Action. */
void tui_log_logged(struct sbuf *out, const struct logcorr_match *m, bool utf8);
/* The connection cell of a failure row. `captures`: the run has captures
 * (else "no capture"); `finished`: logcorr_finish was called. */
enum tui_log_mark tui_log_match_text(struct sbuf *out, const struct logcorr_match *m,
                                     bool captures, bool finished, bool utf8);
/* Time difference for people: "+0.3 ms", "-12.5 ms", "+60.001 s". */
void tui_log_delta(struct sbuf *out, int64_t ns);

/* Unmentioned connections: "10.48.36.217:443 unity.steven.lab" (SNI, or the
 * server IP in brackets) and "FAIL 10@0 certificate has expired". */
void tui_log_conn_server(struct sbuf *out, const struct logcorr_conn *c, bool utf8);
void tui_log_conn_verdict(struct sbuf *out, const struct logcorr_conn *c, bool utf8);

#endif
