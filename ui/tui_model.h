/* tui_model.h — what the browser knows about the connections it shows, with
 * no curses in sight (so that sorting, filtering, grouping and layout are
 * unit-tested as plain functions).
 *
 * The browser keeps every finished connection (up to a cap) and must stay
 * small: a struct conn_record with its tls_conn is about 11 KB, mostly unused
 * fixed arrays (SNI[1024], ALPN, events, the verdict's advice...). So each
 * connection becomes a `struct tui_conn`: the handful of facts the lists
 * need, their display strings (escaped once), and the full record packed
 * with a zero-run encoding (typically 0.2-1.6 KB) that is unpacked only
 * when the user opens the connection. Certificates are not copied: the
 * packed record keeps its references into the pipeline's certificate cache
 * and is released through conn_record_free.
 *
 * Connections judged but not finished (the judged() callback) are shown
 * too, backed by the pipeline's live record until done() hands it over.
 *
 * Ownership: a tui_store owns its tui_conns and, through them, the records
 * done() handed over; tui_store_free releases them (before pipeline_free:
 * conn_record_free needs the pipeline's certificate cache). Live records
 * belong to the pipeline until done(). Display strings are owned by their
 * tui_conn. Pointers into the store (rows, groups) are valid until the
 * store's `gen` changes.
 */
#ifndef TLSSCOPE_UI_TUI_MODEL_H
#define TLSSCOPE_UI_TUI_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/pipeline.h"

#define TUI_DEFAULT_MAX_CONNS 100000
#define TUI_TEXT_MAX 256 /* typed search/filter text */
#define TUI_CELL_SRC_MAX 4096 /* bytes of a certificate name shown in a list cell */

/* Verdict classes in "worst first" order. */
enum tui_class { TUI_CLASS_FAILED = 0, TUI_CLASS_NOT_JUDGED, TUI_CLASS_TRUSTED, TUI_CLASS__N };

struct tui_conn {
    uint64_t seq;
    uint64_t flow_id; /* what verdict.presumed_from refers to */
    int64_t ts_ns;    /* first packet */
    uint8_t family;
    uint8_t client_ip[16], server_ip[16];
    uint16_t client_port, server_port;
    uint16_t version; /* negotiated, 0 = no ServerHello */
    bool has_cipher;
    uint16_t cipher;
    int n_certs; /* certificates the server sent, -1 = no Certificate */
    enum verdict_status status;
    enum tui_class cls;
    bool presumed;
    uint64_t presumed_from;
    int code, depth;
    bool name_failure; /* expressway-profile name check failed */
    bool client_failed; /* mutual TLS: the server's verdict on the client's chain failed */
    bool has_client;    /* mutual TLS: the server asked for a client certificate */
    enum tui_class client_cls;    /* ... and its verdict on the client's chain */
    int client_code, client_depth; /* ... code and depth when it failed */
    bool open;         /* judged, connection not finished yet */
    /* Display strings, escaped for the terminal (esc_text + tui_text_clean);
     * sni and cn are NULL when absent. */
    const char *sni;
    const char *cn;             /* leaf CN */
    const char *reason;         /* verdict reason, or why not judged */
    const char *server;         /* "10.48.36.215:6972", "[fd00::1]:443" */
    const char *server_ip_text; /* "10.48.36.215" */
    const char *client;
    const char *ja4;            /* JA4 client fingerprint, NULL when none */
    char *strings; /* owns the strings above */
    /* the full record */
    struct conn_record *live; /* while open: the pipeline's record */
    uint8_t *packed;          /* once done: the packed record */
    size_t packed_len;
    /* store bookkeeping */
    uint64_t idx;  /* arrival number in the store (0, 1, ...) */
    unsigned pinned; /* views (and an export prompt) showing it: do not free; a
                        count, as the same connection can be on the stack twice */
    bool detached; /* dropped from the list, kept for a pin or until done */
};

/* pointer → conn map for open records (open addressing, linear probing) */
struct tui_openmap {
    struct conn_record **keys;
    struct tui_conn **vals;
    size_t cap, n;
};

struct tui_store {
    struct tui_conn **ring; /* oldest first, starting at head */
    size_t cap, head, n;
    size_t max; /* drop the oldest beyond this */
    bool utf8;
    uint64_t gen;                 /* bumped on every change visible in a list */
    uint64_t appended;            /* connections ever added (next idx) */
    uint64_t reshuffles;          /* changes that can move rows other than appends/drops */
    uint64_t dropped;             /* connections dropped for the cap */
    uint64_t count[TUI_CLASS__N]; /* in the list now */
    uint64_t client_failed;       /* ... of them with a failed client verdict (mutual TLS) */
    uint64_t total[TUI_CLASS__N]; /* every finished connection, dropped ones included */
    uint64_t oom;                 /* records lost to allocation failure */
    struct tui_openmap open;
};

void tui_store_init(struct tui_store *s, size_t max, bool utf8);
/* judged(): show r while it is still open (r stays the pipeline's). */
void tui_store_judged(struct tui_store *s, struct conn_record *r);
/* done(): the store takes r (packs it, frees the original). */
void tui_store_done(struct tui_store *s, struct conn_record *r);
static inline struct tui_conn *tui_store_at(const struct tui_store *s, size_t i)
{
    return s->ring[(s->head + i) % s->cap];
}
/* Keep c alive while a view shows it (pins are counted); the last unpin
 * frees it if it was dropped meanwhile. */
void tui_store_pin(struct tui_store *s, struct tui_conn *c);
void tui_store_unpin(struct tui_store *s, struct tui_conn *c);
void tui_store_free(struct tui_store *s);
/* The connection with conn_record.seq `seq` in the list, or NULL (not
 * finished or judged yet, or dropped for --max-conns). Linear: for a
 * keystroke, not for drawing. */
struct tui_conn *tui_store_find(const struct tui_store *s, uint64_t seq);

/* The full record of c: the live one, or c unpacked into *scratch (free
 * with tui_record_release). NULL on allocation failure. */
const struct conn_record *tui_conn_record(const struct tui_conn *c, struct conn_record **scratch);
void tui_record_release(struct conn_record **scratch);

/* Zero-run packing of a finished record (conn_record + tls_conn). Pointers
 * travel as bytes: the certificate references (and any certificate copies
 * still in the tls_conn) belong to the packed record from then on and are
 * released when it is unpacked and handed to conn_record_free. */
uint8_t *tui_pack(const struct conn_record *r, size_t *len);
struct conn_record *tui_unpack(const uint8_t *p, size_t len); /* free(r->tls), free(r) */

/* Fill the list facts and display strings of c from r (frees old strings). 0 ok. */
int tui_conn_fill(struct tui_conn *c, const struct conn_record *r, bool utf8);
void tui_conn_free(struct tui_conn *c);
enum tui_class tui_class_of(enum verdict_status st);

/* ---- filtering ---- */
enum tui_vfilter { TUI_VF_ALL = 0, TUI_VF_FAILED, TUI_VF_NOT_JUDGED, TUI_VF_TRUSTED,
                   TUI_VF_CLIENT_FAILED, TUI_VF__N };
/* "all", "failed", "not judged", "trusted", "client failed" (mutual TLS) */
const char *tui_vfilter_name(enum tui_vfilter f);

struct tui_server_id { /* what makes two connections "the same server" */
    uint8_t family;
    uint8_t ip[16];
    uint16_t port;
    const char *sni; /* NULL = no SNI */
};

struct tui_filter {
    enum tui_vfilter verdict;
    char text[TUI_TEXT_MAX]; /* "" = none; case-insensitive substring */
};

/* Case-insensitive (ASCII) match of needle in the SNI, server and client
 * endpoints, leaf CN, verdict reason as displayed and the JA4 fingerprint.
 * "" matches. */
bool tui_conn_matches_text(const struct tui_conn *c, const char *needle);
bool tui_conn_in_class(const struct tui_conn *c, enum tui_vfilter f);
bool tui_conn_passes(const struct tui_conn *c, const struct tui_filter *f,
                     const struct tui_server_id *server);
void tui_server_id_of(const struct tui_conn *c, struct tui_server_id *id);
int tui_server_id_cmp(const struct tui_server_id *a, const struct tui_server_id *b);

/* ---- sorting ---- */
enum tui_sort { TUI_SORT_TIME = 0, TUI_SORT_SERVER, TUI_SORT_VERDICT, TUI_SORT__N };
const char *tui_sort_name(enum tui_sort s); /* "time", "server", "verdict" */
void tui_conns_sort(struct tui_conn **v, size_t n, enum tui_sort by, bool reverse);

/* Order of two connections under `by` (reverse flips it); ties by time, then seq. */
int tui_conn_cmp(const struct tui_conn *a, const struct tui_conn *b, enum tui_sort by,
                 bool reverse);

/* A filtered, sorted view of the store kept up to date cheaply: while only
 * appends and --max-conns drops happened, new rows are sorted on their own
 * and merged in (O(n + k log k)), dropped rows are recognised by their idx
 * without touching freed memory; anything else rebuilds (O(n log n)).
 * `idx[i]` is the arrival number of v[i]. Owns v and idx. */
struct tui_rows {
    struct tui_conn **v;
    uint64_t *idx;
    size_t n, cap;
    bool valid;
    uint64_t seen; /* store->appended at the last sync */
    uint64_t reshuffles;
};

/* Sync rows with the store. full forces a rebuild (filter or sort changed).
 * added(ctx, c) is called for every row that is new in this sync (all of
 * them on a rebuild). Returns 1 after a rebuild, 0 after a merge, -1 when
 * out of memory (rows then empty and invalid). */
int tui_rows_sync(struct tui_rows *r, const struct tui_store *s, const struct tui_filter *f,
                  const struct tui_server_id *server, enum tui_sort by, bool reverse, bool full,
                  void (*added)(void *ctx, const struct tui_conn *c), void *ctx);
void tui_rows_free(struct tui_rows *r);

/* ---- grouping by server ---- */
struct tui_server {
    struct tui_server_id id;      /* strings point into a member connection */
    const struct tui_conn *first; /* earliest connection */
    const struct tui_conn *worst; /* earliest connection of the worst class */
    unsigned n, count[TUI_CLASS__N];
    unsigned matched; /* connections matching the text filter */
    int64_t first_ts, last_ts;
    enum tui_class worst_cls;
    bool mixed; /* failures with different codes/reasons */
};

/* Group conns[0..n) by server (the array is reordered). `text` counts
 * matches per server. Returns the number of groups written to *out
 * (malloc'd, caller frees), or -1 on allocation failure. */
long tui_group_servers(struct tui_conn **conns, size_t n, const char *text,
                       struct tui_server **out);
bool tui_server_passes(const struct tui_server *sv, const struct tui_filter *f);
void tui_servers_sort(struct tui_server *v, size_t n, enum tui_sort by, bool reverse);

#endif
