/* tui_internal.h — the browser's screens: a stack of views (like tig's
 * struct view / view_ops), each with its own rows, drawing and command
 * handling; the frame around them (title bar, status bar, message/prompt
 * line); the loading loop. Only ui/tui*.c and ui/view_*.c include this (and
 * with it curses); the batch path never does.
 *
 * Ownership: struct tui owns the views (freed when popped), the store, the
 * pipeline and the curses SCREEN. A view owns its `data`.
 */
#ifndef TLSSCOPE_UI_TUI_INTERNAL_H
#define TLSSCOPE_UI_TUI_INTERNAL_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <stdio.h>
#include <wchar.h>

#include "engine/session.h"
#include "report/logreport.h"
#include "tui_cmd.h"
#include "tui_log.h"
#include "tui_model.h"
#include "tui_text.h"

/* Screen areas: title bar, view header, body, status bar, message line. */
#define TUI_BODY_TOP 2
#define TUI_MIN_ROWS 6
#define TUI_MIN_COLS 24

enum tui_style {
    ST_NORMAL = 0,
    ST_TITLE,   /* top bar */
    ST_COLHEAD, /* column titles / view heading */
    ST_STATUS,  /* status bar */
    ST_OK,
    ST_FAIL,
    ST_NJ,
    ST_NOSNI,   /* server IP shown where the SNI would be */
    ST_LABEL,   /* "Subject" in a detail view */
    ST_HEADING, /* section heading in a detail view */
    ST_DIM,
    ST_ANCHOR, /* trust anchor in a chain */
    ST_ERROR,  /* error message */
    ST__N
};

struct tui;
struct view;

struct view_ops {
    const char *name; /* "Connections" */
    unsigned where;   /* TUI_IN_*: which commands apply */
    bool line_cursor; /* a highlighted cursor line (else the body just scrolls) */
    /* Bring rows up to date (store changed, filter, width); sets v->nrows. */
    void (*sync)(struct tui *t, struct view *v);
    /* The line under the title bar: column titles or the view's title. */
    void (*draw_head)(struct tui *t, struct view *v, int y);
    void (*draw_row)(struct tui *t, struct view *v, int row, int y, bool selected);
    /* A request the generic code did not handle; returns true if handled. */
    bool (*request)(struct tui *t, struct view *v, enum tui_req req);
    /* Does row contain the search text (for / n N)? */
    bool (*row_matches)(struct tui *t, struct view *v, int row, const char *text);
    /* Status-bar details ("sort: time  filter: failed"). */
    void (*status)(struct tui *t, struct view *v, struct sbuf *out);
    /* Before the view is freed (unpin, free data). */
    void (*close)(struct tui *t, struct view *v);
};

struct view {
    const struct view_ops *ops;
    struct view *parent; /* back goes here; NULL for the two top lists */
    int nrows;
    int cursor, top;
    char search[TUI_TEXT_MAX];
    char title[320]; /* status-bar name, e.g. "Connection #2" */
    void *data;
};

enum tui_prompt_kind {
    PROMPT_NONE = 0,
    PROMPT_SEARCH,
    PROMPT_FILTER,
    PROMPT_EXPORT,
    PROMPT_CONFIRM
};

#define TUI_PROMPT_MAX 1024
#define TUI_EXPORT_MAX (VERDICT_MAX_PATH + 2 * TLS_MAX_CHAIN)

struct tui_prompt {
    enum tui_prompt_kind kind;
    char label[96];
    wchar_t buf[TUI_PROMPT_MAX];
    int len, pos;
    char saved[TUI_TEXT_MAX]; /* filter text before an incremental edit */
    /* export: what to write, and the connection kept alive meanwhile */
    const struct cert *certs[TUI_EXPORT_MAX];
    int n_certs;
    bool chain;
    struct tui_conn *pin;
    char path[4096]; /* PROMPT_CONFIRM: the file that exists */
};

struct tui {
    struct session *s;
    const struct cli_opts *o;
    struct pipeline *p;
    struct tui_store store;
    SCREEN *screen;
    FILE *term_in, *term_out; /* opened by us (/dev/tty, /dev/null), or NULL */
    bool utf8, color, headless;
    attr_t style[ST__N];
    int rows, cols;

    /* loading */
    bool loading, stopped;
    int load_rc;
    uint64_t budget;      /* headless: packets per key (0: load all first) */
    char store_desc[512]; /* "expressway-store.pem (2 certificates)" */
    size_t lint_count;
    size_t client_lint_count; /* ... of the --client-trust store (mutual TLS) */

    /* Expressway log (bundles, --log): NULL without one */
    struct logreport *lr;
    bool log_only;    /* no capture: only the Log view, no pipeline */
    uint64_t log_gen; /* bumped when the correlation is final (logreport_finish) */

    /* views */
    struct view *conns, *servers; /* the top lists (never freed while running) */
    struct view *log;             /* the third, with an Expressway log; NULL */
    struct view *cur;
    struct tui_filter filter; /* shared by the two top lists */
    uint64_t filter_gen;      /* bumped when the filter changes */

    char msg[512];
    bool msg_error;
    bool export_error; /* --export-certs failed once (said once) */
    struct tui_prompt prompt;
    bool quit;

    /* What a view asks of the browser around it (set by run_tui in tui.c;
     * the views call tui_open_conn/tui_export_prompt, never tui.c). */
    bool (*open_conn)(struct tui *t, uint64_t seq);
    void (*export_prompt)(struct tui *t, struct tui_conn *pin, const struct cert *const *certs,
                          int n, bool chain);

    /* headless */
    const char *script;
    size_t script_pos;
    int dumps;
};

/* ---- drawing helpers (tui_screen.c) ---- */
/* Write s in columns [x, x+w) of row y: cut at a character boundary with an
 * ellipsis when too long, padded with spaces. */
void tui_put(struct tui *t, int y, int x, int w, const char *s, attr_t a);
/* n spaces from (y, x) in the current attributes. */
void tui_pad(int y, int x, int n);
/* Right-aligned variant (numbers). */
void tui_put_right(struct tui *t, int y, int x, int w, const char *s, attr_t a);
void tui_message(struct tui *t, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int tui_body_height(const struct tui *t);
/* "FAIL", "OK", "n/j" marker and style of a connection. */
const char *tui_marker(const struct tui_conn *c, enum tui_style *st);
/* The verdict cell: "FAIL 18@0 self signed certificate". */
void tui_verdict_text(const struct tui_conn *c, struct sbuf *out);
/* Mutual TLS, the server's verdict on the client's chain: "client FAIL
 * 26@0", "client FAIL: none sent", "client OK", "client n/j" (asked for, not
 * judged), written into buf, with its style; NULL when no certificate was
 * asked for. */
#define TUI_CLIENT_MARKER_MAX 40
const char *tui_client_marker(const struct tui_conn *c, enum tui_style *st, char *buf, size_t len);
/* Time of day (or date and time) in at most w columns. */
const char *tui_time_cell(int64_t ts_ns, bool with_date, int w, char *buf, size_t len);

/* ---- views (the stack and the hooks: tui_screen.c) ---- */
bool tui_is_top(const struct tui *t, const struct view *v);
/* Open connection `seq`'s detail view on top of the current view; a
 * message instead when it is not in the list (still open, or dropped for
 * --max-conns). Returns true when opened. */
bool tui_open_conn(struct tui *t, uint64_t seq);
/* Close every view down to the top lists and show `top`. */
void tui_show_top(struct tui *t, struct view *top);

/* The Log view (view_log.c). */
struct view *view_log_new(struct tui *t);
/* Put the Log view's cursor on the row of connection `seq` (its log
 * failure, or its line among the connections the log does not mention).
 * Returns false when the view has no such row. */
bool view_log_select_seq(struct tui *t, struct view *v, uint64_t seq);
/* ... on the row of log failure `failure` (index into logcorr_match()). */
bool view_log_select_failure(struct tui *t, struct view *v, size_t failure);
/* Remember the Log view's selected row (after a key). */
void view_log_remember(struct tui *t, struct view *v);
/* The connection a detail view shows; the failure a log failure page shows. */
uint64_t view_detail_seq(const struct view *v);
size_t view_logentry_failure(const struct view *v);
/* One log failure's page (view_text.c): index into logcorr_match(). */
struct view *view_logentry_new(struct tui *t, size_t failure);
struct view *view_conns_new(struct tui *t, const struct tui_server_id *server, const char *title);
struct view *view_servers_new(struct tui *t);
/* The filter a list view edits (NULL: not a list). */
struct tui_filter *view_list_filter(struct view *v);
/* Remember the selected row of a list (after a key, while rows are valid). */
void view_list_remember(struct tui *t, struct view *v);
/* The connection detail of c (pinned while open). */
struct view *view_detail_new(struct tui *t, struct tui_conn *c);
struct view *view_cert_new(struct tui *t, struct view *detail, const struct cert *cert,
                           int path_index, int wire_index, bool client_chain);
struct view *view_help_new(struct tui *t);

void tui_push(struct tui *t, struct view *v); /* v->parent = current, show v */
void tui_pop(struct tui *t);                  /* close current, back to parent */
void view_free(struct tui *t, struct view *v);
/* Keep the cursor inside the rows and on screen. */
void view_clamp(struct tui *t, struct view *v);

/* Export (t->export_prompt, tui.c): ask for a file name, then write certs as PEM. pin (may be
 * NULL) is kept alive until the prompt ends. */
void tui_export_prompt(struct tui *t, struct tui_conn *pin, const struct cert *const *certs, int n,
                       bool chain);
/* Certificates of a record for export: the chain as built (leaf to anchor)
 * then the other certificates sent; returns the count. client: the
 * client's chain (mutual TLS) instead of the server's. */
int tui_chain_certs(const struct conn_record *r, bool client, const struct cert **out, int max);
/* The certificate `e` exports from a record: the failing one, else the leaf. */
const struct cert *tui_default_cert(const struct conn_record *r);

#endif
