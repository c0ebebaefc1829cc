/* view_list.c — the two lists: connections (one row per TLS connection) and
 * servers (connections grouped by ip:port + SNI, worst verdict first).
 *
 * Rows are rebuilt from the store when it changes (generation counter), when
 * the filter or the sort changes; the selection follows its connection (by
 * seq) or server (by id) across rebuilds, and the cursor keeps its place on
 * the screen. Row pointers are only used after a sync in the same loop turn
 * (the store may free connections between turns).
 */
#include <stdlib.h>
#include <string.h>

#include "dissect/names.h"
#include "report/ja4.h"
#include "report/report.h"
#include "tui_internal.h"

#define COL_GAP 1

/* ---- connections ------------------------------------------------------------ */

enum {
    CC_SEQ, CC_TIME, CC_CLIENT, CC_SERVER, CC_SNI, CC_VER, CC_CIPHER, CC_CN, CC_VERDICT, CC_JA4,
    CC__N
};

static const char *const conn_titles[CC__N] = {
    "#", "TIME", "CLIENT", "SERVER", "SNI", "VERSION", "CIPHER", "LEAF CN", "VERDICT", "JA4",
};

/* What both lists keep to stay in step with the store and to lay out their
 * rows; list_fresh() and list_synced() are the one piece of code that
 * serves both lists' sync. */
struct list_state {
    enum tui_sort sort;
    bool reverse;
    bool synced, resort;
    uint64_t gen, fgen;   /* the store's and the filter's generation the rows are of */
    bool with_date;       /* the rows span more than one day: TIME shows the date */
    bool sel_valid;       /* selection memory (see file comment) */
    int sel_off;          /* the selected row's offset from the top of the screen */
};

#define NS_PER_DAY 86400000000000LL

/* The rows are as of the store and the filter: nothing to do. */
static bool list_fresh(const struct list_state *ls, const struct tui *t)
{
    return ls->synced && ls->gen == t->store.gen && ls->fgen == t->filter_gen && !ls->resort;
}

/* After a rebuild of nrows rows whose times span [tmin, tmax]: the cursor
 * (on the remembered row when found, at its old offset from the top), the
 * screen clamped, and the generations the rows are now of. */
static void list_synced(struct tui *t, struct view *v, struct list_state *ls, int nrows,
                        int cursor, bool found, int64_t tmin, int64_t tmax)
{
    ls->with_date = nrows > 0 && tmin / NS_PER_DAY != tmax / NS_PER_DAY;
    v->nrows = nrows;
    v->cursor = cursor;
    if (found) v->top = cursor - ls->sel_off;
    view_clamp(t, v);
    ls->gen = t->store.gen;
    ls->fgen = t->filter_gen;
    ls->resort = false;
    ls->synced = true;
}

/* One cell at column x (right-aligned: numbers), then the gap after it in
 * `gap` (the selection's reverse video runs through); returns the next x.
 * Every header and row of both lists is drawn with this and list_row_end. */
static int list_cell(struct tui *t, int y, int x, int w, const char *text, attr_t a, attr_t gap,
                     bool right)
{
    if (right)
        tui_put_right(t, y, x, w, text, a);
    else
        tui_put(t, y, x, w, text, a);
    x += w;
    if (x < t->cols) tui_put(t, y, x, COL_GAP, "", gap);
    return x + COL_GAP;
}

/* The rest of the line after the last cell. */
static void list_row_end(struct tui *t, int y, int x, attr_t a)
{
    if (x < t->cols) tui_put(t, y, x, t->cols - x, "", a);
}

struct conns_data {
    struct tui_filter own;     /* a server's connections filter on their own */
    struct tui_filter *filter; /* &own, or the top lists' shared filter */
    bool has_server;
    struct tui_server_id server;
    char *server_sni; /* owned copy for server.sni */
    struct list_state ls;
    struct tui_rows rows;
    int want[CC__N];
    int64_t tmin, tmax;
    /* selection memory (see file comment) */
    uint64_t sel_seq;
    bool sel_last;
};

static int clamp_want(size_t n, int cap) { return n > (size_t)cap ? cap : (int)n; }

static void conns_remember(struct tui *t, struct view *v)
{
    struct conns_data *d = v->data;
    (void)t;
    d->ls.sel_valid = v->nrows > 0 && v->cursor >= 0 && v->cursor < v->nrows;
    if (d->ls.sel_valid) d->sel_seq = d->rows.v[v->cursor]->seq;
    /* on the last of several rows: follow new connections */
    d->sel_last = v->nrows > 1 && v->cursor == v->nrows - 1;
    d->ls.sel_off = v->cursor - v->top;
}

/* widths the columns want, from each row that is new in a sync */
static void conns_measure(void *ctx, const struct tui_conn *c)
{
    struct conns_data *d = ctx;
    if (c->ts_ns < d->tmin) d->tmin = c->ts_ns;
    if (c->ts_ns > d->tmax) d->tmax = c->ts_ns;
    /* byte lengths bound display widths from above and cost nothing */
    int l;
    if ((l = clamp_want(strlen(c->client), 47)) > d->want[CC_CLIENT]) d->want[CC_CLIENT] = l;
    if ((l = clamp_want(strlen(c->server), 47)) > d->want[CC_SERVER]) d->want[CC_SERVER] = l;
    l = clamp_want(c->sni ? strlen(c->sni) : strlen(c->server_ip_text) + 2, 40);
    if (l > d->want[CC_SNI]) d->want[CC_SNI] = l;
    if ((l = clamp_want(c->cn ? strlen(c->cn) : 1, 32)) > d->want[CC_CN]) d->want[CC_CN] = l;
    char b[24];
    if ((l = (int)strlen(report_version_short(c->version, b))) > d->want[CC_VER])
        d->want[CC_VER] = l;
    char cb[8];
    const char *cn = c->has_cipher ? tls_cipher_openssl(c->cipher, cb) : "-";
    if ((l = clamp_want(strlen(cn), 30)) > d->want[CC_CIPHER]) d->want[CC_CIPHER] = l;
    for (uint64_t q = c->seq, digits = 1;; q /= 10, digits++)
        if (q < 10) {
            if ((int)digits > d->want[CC_SEQ]) d->want[CC_SEQ] = (int)digits;
            break;
        }
    /* "FAIL 20@1 " + reason, and "; client FAIL 26@0" (mutual TLS) */
    l = clamp_want(strlen(c->reason) + 11, 48);
    char mb[TUI_CLIENT_MARKER_MAX];
    if (tui_client_marker(c, NULL, mb, sizeof(mb))) l += 2 + (int)strlen(mb);
    if (l > d->want[CC_VERDICT]) d->want[CC_VERDICT] = l;
}

static void conns_sync(struct tui *t, struct view *v)
{
    struct conns_data *d = v->data;
    struct tui_store *s = &t->store;
    if (list_fresh(&d->ls, t)) return;
    bool full = !d->ls.synced || d->ls.fgen != t->filter_gen || d->ls.resort;
    if (full || !d->rows.valid || d->rows.reshuffles != s->reshuffles) {
        for (int c = 0; c < CC__N; c++) d->want[c] = (int)strlen(conn_titles[c]);
        d->tmin = INT64_MAX;
        d->tmax = INT64_MIN;
    }
    int rc = tui_rows_sync(&d->rows, s, d->filter, d->has_server ? &d->server : NULL, d->ls.sort,
                           d->ls.reverse, full, conns_measure, d);
    if (rc < 0) tui_message(t, true, "out of memory");
    size_t k = d->rows.n;
    /* put the cursor back on the connection it was on */
    int cursor = v->cursor;
    bool found = false;
    if (d->ls.sel_valid)
        for (size_t i = 0; i < k; i++)
            if (d->rows.v[i]->seq == d->sel_seq) {
                cursor = (int)i;
                found = true;
                break;
            }
    /* at the bottom of a time-ordered list: follow new connections (tail -f) */
    if (d->ls.synced && d->sel_last && d->ls.sort == TUI_SORT_TIME && !d->ls.reverse) {
        cursor = k > 0 ? (int)k - 1 : 0;
        found = true;
    }
    list_synced(t, v, &d->ls, (int)k, cursor, found, d->tmin, d->tmax);
    conns_remember(t, v);
}

static void conns_layout(struct tui *t, struct conns_data *d, int *w)
{
    int tw = d->ls.with_date ? 18 : 12;
    struct tui_col cols[CC__N] = {
        /* "#" matches a row with the batch report: kept at every width (the
         * connection number is short), right after the verdict */
        [CC_SEQ] = {d->want[CC_SEQ], d->want[CC_SEQ], d->want[CC_SEQ], 99, 0},
        [CC_TIME] = {8, tw, tw, 60, 0},
        [CC_CLIENT] = {d->want[CC_CLIENT], d->want[CC_CLIENT], d->want[CC_CLIENT], 20, 0},
        [CC_SERVER] = {d->want[CC_SERVER] < 15 ? d->want[CC_SERVER] : 15, d->want[CC_SERVER],
                       d->want[CC_SERVER], 95, 0},
        [CC_SNI] = {d->want[CC_SNI] < 15 ? d->want[CC_SNI] : 15, d->want[CC_SNI], d->want[CC_SNI],
                    92, 0},
        [CC_VER] = {d->want[CC_VER], d->want[CC_VER], d->want[CC_VER], 45, 0},
        [CC_CIPHER] = {12, d->want[CC_CIPHER], d->want[CC_CIPHER], 35, 0},
        [CC_CN] = {d->want[CC_CN] < 12 ? d->want[CC_CN] : 12, d->want[CC_CN], d->want[CC_CN], 70,
                   0},
        [CC_VERDICT] = {16, d->want[CC_VERDICT], 0, 100, 90},
        /* the client fingerprint: only on a terminal wide enough for all
         * of it after everything else (a cut fingerprint is no use) */
        [CC_JA4] = {JA4_LEN, JA4_LEN, JA4_LEN, 1, 0},
    };
    tui_layout(cols, CC__N, t->cols, COL_GAP, w);
}

static void conns_draw_head(struct tui *t, struct view *v, int y)
{
    struct conns_data *d = v->data;
    int w[CC__N], x = 0;
    conns_layout(t, d, w);
    attr_t a = t->style[ST_COLHEAD];
    for (int c = 0; c < CC__N; c++) {
        if (!w[c]) continue;
        const char *title = conn_titles[c];
        if (c == CC_TIME && w[c] < 12) title = "TIME";
        x = list_cell(t, y, x, w[c], title, a, a, c == CC_SEQ);
    }
    list_row_end(t, y, x, a);
}

/* Mutual TLS: the server's verdict, then "; " and the client marker in its
 * own colour (a failing client under a trusted server must not look green).
 * The marker is kept whole; the server's reason is cut first. False when
 * the server asked for no client certificate (the plain cell is drawn). */
static bool verdict_cell_with_client(struct tui *t, int y, int x, int w, const struct tui_conn *c,
                                     const char *server_text, attr_t a, attr_t extra)
{
    char mb[TUI_CLIENT_MARKER_MAX + 2] = "; ";
    enum tui_style cst;
    if (!tui_client_marker(c, &cst, mb + 2, sizeof(mb) - 2)) return false;
    int cw = tui_text_width(mb), sw = tui_text_width(server_text);
    /* the marker's room; the server's own marker ("FAIL") stays readable */
    int keep = w - cw;
    if (keep < 4) keep = sw < 4 ? sw : 4;
    if (keep > sw) keep = sw;
    if (keep > w) keep = w;
    tui_put(t, y, x, keep, server_text, a | extra);
    if (w - keep > 0) tui_put(t, y, x + keep, w - keep, mb, t->style[cst] | extra);
    return true;
}

static void conns_draw_row(struct tui *t, struct view *v, int row, int y, bool selected)
{
    struct conns_data *d = v->data;
    const struct tui_conn *c = d->rows.v[row];
    int w[CC__N], x = 0;
    conns_layout(t, d, w);
    attr_t sel = selected ? A_REVERSE : 0;
    attr_t match = v->search[0] && tui_conn_matches_text(c, v->search) ? A_UNDERLINE : 0;
    char buf[64], cb[8];
    struct sbuf sb;
    sbuf_init(&sb, 8192);
    for (int col = 0; col < CC__N; col++) {
        if (!w[col]) continue;
        enum tui_style st = ST_NORMAL;
        const char *text = "";
        sbuf_reset(&sb);
        switch (col) {
        case CC_SEQ:
            snprintf(buf, sizeof(buf), "%llu", (unsigned long long)c->seq);
            x = list_cell(t, y, x, w[col], buf, sel | match, sel, true);
            continue;
        case CC_TIME: text = tui_time_cell(c->ts_ns, d->ls.with_date, w[col], buf, sizeof(buf)); break;
        case CC_CLIENT: text = c->client; break;
        case CC_SERVER: text = c->server; break;
        case CC_SNI:
            if (c->sni) {
                text = c->sni;
            } else {
                /* no SNI: the IP the client connected to, marked as such */
                sbuf_printf(&sb, "[%s]", c->server_ip_text);
                text = sbuf_str(&sb);
                st = ST_NOSNI;
            }
            break;
        case CC_VER: text = report_version_short(c->version, buf); break;
        case CC_CIPHER: text = c->has_cipher ? tls_cipher_openssl(c->cipher, cb) : "-"; break;
        case CC_CN: text = c->cn ? c->cn : "-"; break;
        case CC_JA4: text = c->ja4 ? c->ja4 : "-"; break;
        case CC_VERDICT:
            tui_marker(c, &st);
            tui_verdict_text(c, &sb);
            text = sbuf_str(&sb);
            if (verdict_cell_with_client(t, y, x, w[col], c, text, t->style[st], sel | match)) {
                x += w[col];
                if (x < t->cols) tui_put(t, y, x, COL_GAP, "", sel);
                x += COL_GAP;
                continue;
            }
            break;
        }
        x = list_cell(t, y, x, w[col], text, t->style[st] | sel | match, sel, false);
    }
    list_row_end(t, y, x, sel);
    sbuf_free(&sb);
}

static bool conns_row_matches(struct tui *t, struct view *v, int row, const char *text)
{
    struct conns_data *d = v->data;
    (void)t;
    return tui_conn_matches_text(d->rows.v[row], text);
}

static void filter_status(const struct tui_filter *f, struct sbuf *out)
{
    if (f->verdict != TUI_VF_ALL) sbuf_printf(out, "  filter: %s", tui_vfilter_name(f->verdict));
    if (f->text[0]) {
        sbuf_puts(out, "  limit: ");
        sbuf_puts(out, f->text);
    }
}

static void conns_status(struct tui *t, struct view *v, struct sbuf *out)
{
    struct conns_data *d = v->data;
    (void)t;
    sbuf_printf(out, "  sort: %s%s", tui_sort_name(d->ls.sort), d->ls.reverse ? " (reversed)" : "");
    filter_status(d->filter, out);
}

static void export_from_conn(struct tui *t, struct tui_conn *c, bool chain)
{
    struct conn_record *scratch = NULL;
    const struct conn_record *r = tui_conn_record(c, &scratch);
    if (!r) {
        tui_message(t, true, "out of memory");
        return;
    }
    const struct cert *certs[TUI_EXPORT_MAX];
    int n = 0;
    if (chain) {
        n = tui_chain_certs(r, false, certs, TUI_EXPORT_MAX);
    } else if ((certs[0] = tui_default_cert(r)) != NULL) {
        n = 1;
    }
    tui_record_release(&scratch);
    if (n == 0)
        tui_message(t, true, "this connection has no certificate in the clear");
    else
        tui_export_prompt(t, c, certs, n, chain);
}

static void cycle_filter(struct tui *t, struct tui_filter *f)
{
    f->verdict = (enum tui_vfilter)((f->verdict + 1) % TUI_VF__N);
    t->filter_gen++;
    tui_message(t, false, "showing %s%s", f->verdict == TUI_VF_ALL ? "all connections" : "",
                f->verdict == TUI_VF_ALL ? "" : tui_vfilter_name(f->verdict));
}

static bool conns_request(struct tui *t, struct view *v, enum tui_req req)
{
    struct conns_data *d = v->data;
    struct tui_conn *c = v->nrows > 0 ? d->rows.v[v->cursor] : NULL;
    switch (req) {
    case TUI_REQ_ENTER:
        if (c) tui_push(t, view_detail_new(t, c));
        return true;
    case TUI_REQ_FILTER_VERDICT: cycle_filter(t, d->filter); return true;
    case TUI_REQ_SORT:
        d->ls.sort = (enum tui_sort)((d->ls.sort + 1) % TUI_SORT__N);
        d->ls.resort = true;
        return true;
    case TUI_REQ_SORT_REVERSE:
        d->ls.reverse = !d->ls.reverse;
        d->ls.resort = true;
        return true;
    case TUI_REQ_EXPORT:
    case TUI_REQ_EXPORT_CHAIN:
        if (c) export_from_conn(t, c, req == TUI_REQ_EXPORT_CHAIN);
        return true;
    default: return false;
    }
}

static void conns_close(struct tui *t, struct view *v)
{
    struct conns_data *d = v->data;
    (void)t;
    if (!d) return;
    tui_rows_free(&d->rows);
    free(d->server_sni);
    free(d);
}

static const struct view_ops conns_ops = {
    .name = "Connections",
    .where = TUI_IN_CONNS,
    .line_cursor = true,
    .sync = conns_sync,
    .draw_head = conns_draw_head,
    .draw_row = conns_draw_row,
    .request = conns_request,
    .row_matches = conns_row_matches,
    .status = conns_status,
    .close = conns_close,
};

struct view *view_conns_new(struct tui *t, const struct tui_server_id *server, const char *title)
{
    struct view *v = calloc(1, sizeof(*v));
    struct conns_data *d = calloc(1, sizeof(*d));
    if (!v || !d) {
        free(v);
        free(d);
        return NULL;
    }
    v->ops = &conns_ops;
    v->data = d;
    d->filter = &t->filter;
    if (server) {
        d->has_server = true;
        d->server = *server;
        if (server->sni) {
            d->server_sni = strdup(server->sni);
            if (!d->server_sni) {
                free(d);
                free(v);
                return NULL;
            }
            d->server.sni = d->server_sni;
        }
        d->filter = &d->own;
    }
    snprintf(v->title, sizeof(v->title), "%s", title ? title : "Connections");
    return v;
}

struct tui_filter *view_list_filter(struct view *v)
{
    if (v->ops == &conns_ops) return ((struct conns_data *)v->data)->filter;
    return NULL;
}

/* ---- servers ---------------------------------------------------------------- */

enum {
    SC_SERVER,
    SC_SNI,
    SC_CONNS,
    SC_FAIL,
    SC_NJ,
    SC_OK,
    SC_VERDICT,
    SC_CN,
    SC_FIRST,
    SC_LAST,
    SC__N
};

static const char *const srv_titles[SC__N] = {
    "SERVER", "SNI", "CONNS", "FAIL", "N/J", "OK", "WORST VERDICT", "LEAF CN", "FIRST", "LAST",
};

struct servers_data {
    struct tui_conn **all;
    size_t cap;
    struct tui_server *groups; /* every server */
    struct tui_server *rows;   /* those passing the filter, sorted */
    struct list_state ls;
    int want[SC__N];
    /* selection memory */
    struct tui_server_id sel;
    char *sel_sni;
    /* which rows hold a connection matching the search text (computed once
     * per text and rows: a per-row scan of all connections is quadratic) */
    bool *found;
    char found_text[TUI_TEXT_MAX];
    bool found_valid;
};

static void servers_remember(struct tui *t, struct view *v)
{
    struct servers_data *d = v->data;
    (void)t;
    free(d->sel_sni);
    d->sel_sni = NULL;
    d->ls.sel_valid = v->nrows > 0 && v->cursor >= 0 && v->cursor < v->nrows;
    if (!d->ls.sel_valid) return;
    d->sel = d->rows[v->cursor].id;
    if (d->sel.sni) {
        d->sel_sni = strdup(d->sel.sni);
        if (!d->sel_sni) d->ls.sel_valid = false;
        d->sel.sni = d->sel_sni;
    }
    d->ls.sel_off = v->cursor - v->top;
}

static void servers_sync(struct tui *t, struct view *v)
{
    struct servers_data *d = v->data;
    struct tui_store *s = &t->store;
    if (list_fresh(&d->ls, t)) return;
    if (d->cap < s->n) {
        size_t ncap = s->n + s->n / 4 + 64;
        struct tui_conn **na = realloc(d->all, ncap * sizeof(*na));
        if (!na) {
            tui_message(t, true, "out of memory");
            return;
        }
        d->all = na;
        d->cap = ncap;
    }
    for (size_t i = 0; i < s->n; i++) d->all[i] = tui_store_at(s, i);
    free(d->groups);
    free(d->rows);
    d->rows = NULL;
    long m = tui_group_servers(d->all, s->n, t->filter.text, &d->groups);
    if (m < 0 || !(d->rows = malloc((size_t)(m > 0 ? m : 1) * sizeof(*d->rows)))) {
        free(d->groups);
        d->groups = NULL;
        v->nrows = 0;
        tui_message(t, true, "out of memory");
        return;
    }
    long k = 0;
    int64_t tmin = INT64_MAX, tmax = INT64_MIN;
    for (int c = 0; c < SC__N; c++) d->want[c] = (int)strlen(srv_titles[c]);
    d->found_valid = false;
    unsigned maxn[4] = {0, 0, 0, 0};
    for (long i = 0; i < m; i++) {
        const struct tui_server *sv = &d->groups[i];
        if (!tui_server_passes(sv, &t->filter)) continue;
        d->rows[k++] = *sv;
        if (sv->n > maxn[0]) maxn[0] = sv->n;
        for (int c = 0; c < TUI_CLASS__N; c++)
            if (sv->count[c] > maxn[1 + c]) maxn[1 + c] = sv->count[c];
        if (sv->first_ts < tmin) tmin = sv->first_ts;
        if (sv->last_ts > tmax) tmax = sv->last_ts;
        int l;
        if ((l = clamp_want(strlen(sv->first->server), 47)) > d->want[SC_SERVER])
            d->want[SC_SERVER] = l;
        l = clamp_want(sv->id.sni ? strlen(sv->id.sni) : strlen(sv->first->server_ip_text) + 2, 40);
        if (l > d->want[SC_SNI]) d->want[SC_SNI] = l;
        if ((l = clamp_want(sv->worst->cn ? strlen(sv->worst->cn) : 1, 32)) > d->want[SC_CN])
            d->want[SC_CN] = l;
        if ((l = clamp_want(strlen(sv->worst->reason) + 11 + (sv->mixed ? 19 : 0), 56)) >
            d->want[SC_VERDICT])
            d->want[SC_VERDICT] = l;
    }
    /* counts are never cut: as wide as the largest */
    static const int count_col[4] = {SC_CONNS, SC_FAIL, SC_NJ, SC_OK};
    for (int c = 0; c < 4; c++) {
        char b[16];
        int l = snprintf(b, sizeof(b), "%u", maxn[c]);
        if (l > d->want[count_col[c]]) d->want[count_col[c]] = l;
    }
    tui_servers_sort(d->rows, (size_t)k, d->ls.sort, d->ls.reverse);
    int cursor = v->cursor;
    bool found = false;
    if (d->ls.sel_valid)
        for (long i = 0; i < k; i++)
            if (tui_server_id_cmp(&d->rows[i].id, &d->sel) == 0) {
                cursor = (int)i;
                found = true;
                break;
            }
    list_synced(t, v, &d->ls, (int)k, cursor, found, tmin, tmax);
    servers_remember(t, v);
}

static void servers_layout(struct tui *t, struct servers_data *d, int *w)
{
    int tw = d->ls.with_date ? 18 : 12;
    struct tui_col cols[SC__N] = {
        [SC_SERVER] = {d->want[SC_SERVER] < 15 ? d->want[SC_SERVER] : 15, d->want[SC_SERVER],
                       d->want[SC_SERVER], 95, 0},
        [SC_SNI] = {d->want[SC_SNI] < 15 ? d->want[SC_SNI] : 15, d->want[SC_SNI], d->want[SC_SNI],
                    92, 0},
        [SC_CONNS] = {d->want[SC_CONNS], d->want[SC_CONNS], d->want[SC_CONNS], 89, 0},
        [SC_FAIL] = {d->want[SC_FAIL], d->want[SC_FAIL], d->want[SC_FAIL], 91, 0},
        [SC_NJ] = {d->want[SC_NJ], d->want[SC_NJ], d->want[SC_NJ], 87, 0},
        [SC_OK] = {d->want[SC_OK], d->want[SC_OK], d->want[SC_OK], 88, 0},
        [SC_VERDICT] = {16, d->want[SC_VERDICT], 0, 100, 85},
        [SC_CN] = {d->want[SC_CN] < 12 ? d->want[SC_CN] : 12, d->want[SC_CN], d->want[SC_CN], 45,
                   0},
        [SC_FIRST] = {8, tw, tw, 30, 0},
        [SC_LAST] = {8, tw, tw, 25, 0},
    };
    tui_layout(cols, SC__N, t->cols, COL_GAP, w);
}

static void servers_draw_head(struct tui *t, struct view *v, int y)
{
    struct servers_data *d = v->data;
    int w[SC__N], x = 0;
    servers_layout(t, d, w);
    attr_t a = t->style[ST_COLHEAD];
    for (int c = 0; c < SC__N; c++) {
        if (!w[c]) continue;
        x = list_cell(t, y, x, w[c], srv_titles[c], a, a, c >= SC_CONNS && c <= SC_OK);
    }
    list_row_end(t, y, x, a);
}

static bool servers_row_matches(struct tui *t, struct view *v, int row, const char *text);

static void servers_draw_row(struct tui *t, struct view *v, int row, int y, bool selected)
{
    struct servers_data *d = v->data;
    const struct tui_server *sv = &d->rows[row];
    int w[SC__N], x = 0;
    servers_layout(t, d, w);
    attr_t sel = selected ? A_REVERSE : 0;
    attr_t match = v->search[0] && servers_row_matches(t, v, row, v->search) ? A_UNDERLINE : 0;
    struct sbuf sb;
    sbuf_init(&sb, 8192);
    char buf[64];
    for (int col = 0; col < SC__N; col++) {
        if (!w[col]) continue;
        enum tui_style st = ST_NORMAL;
        const char *text = "";
        bool right = false;
        sbuf_reset(&sb);
        switch (col) {
        case SC_SERVER: text = sv->first->server; break;
        case SC_SNI:
            if (sv->id.sni) {
                text = sv->id.sni;
            } else {
                sbuf_printf(&sb, "[%s]", sv->first->server_ip_text);
                text = sbuf_str(&sb);
                st = ST_NOSNI;
            }
            break;
        case SC_CONNS:
        case SC_FAIL:
        case SC_NJ:
        case SC_OK: {
            unsigned n = col == SC_CONNS  ? sv->n
                         : col == SC_FAIL ? sv->count[TUI_CLASS_FAILED]
                         : col == SC_NJ   ? sv->count[TUI_CLASS_NOT_JUDGED]
                                          : sv->count[TUI_CLASS_TRUSTED];
            snprintf(buf, sizeof(buf), "%u", n);
            text = buf;
            right = true;
            if (col == SC_FAIL && n) st = ST_FAIL;
            break;
        }
        case SC_VERDICT:
            tui_marker(sv->worst, &st);
            tui_verdict_text(sv->worst, &sb);
            if (sv->mixed) sbuf_puts(&sb, " (+ other failures)");
            text = sbuf_str(&sb);
            break;
        case SC_CN: text = sv->worst->cn ? sv->worst->cn : "-"; break;
        case SC_FIRST:
            text = tui_time_cell(sv->first_ts, d->ls.with_date, w[col], buf, sizeof(buf));
            break;
        case SC_LAST:
            text = tui_time_cell(sv->last_ts, d->ls.with_date, w[col], buf, sizeof(buf));
            break;
        }
        x = list_cell(t, y, x, w[col], text, t->style[st] | sel | match, sel, right);
    }
    list_row_end(t, y, x, sel);
    sbuf_free(&sb);
}

static bool servers_row_matches(struct tui *t, struct view *v, int row, const char *text)
{
    struct servers_data *d = v->data;
    if (!d->found_valid || strcmp(d->found_text, text) != 0) {
        /* group every connection again, counting matches of `text`; the
         * groups come out in server-id order, so each row finds its own by
         * binary search */
        struct tui_store *s = &t->store;
        free(d->found);
        d->found = calloc((size_t)(v->nrows > 0 ? v->nrows : 1), sizeof(bool));
        struct tui_server *g = NULL;
        for (size_t i = 0; i < s->n; i++) d->all[i] = tui_store_at(s, i);
        long m = d->found ? tui_group_servers(d->all, s->n, text, &g) : -1;
        for (int r = 0; r < v->nrows && m > 0; r++) {
            long lo = 0, hi = m - 1;
            while (lo <= hi) {
                long mid = (lo + hi) / 2;
                int c = tui_server_id_cmp(&g[mid].id, &d->rows[r].id);
                if (c == 0) {
                    d->found[r] = g[mid].matched > 0;
                    break;
                }
                if (c < 0)
                    lo = mid + 1;
                else
                    hi = mid - 1;
            }
        }
        free(g);
        if (!d->found) return false;
        snprintf(d->found_text, sizeof(d->found_text), "%s", text);
        d->found_valid = true;
    }
    return row >= 0 && row < v->nrows && d->found[row];
}

static void servers_status(struct tui *t, struct view *v, struct sbuf *out)
{
    struct servers_data *d = v->data;
    sbuf_printf(out, "  sort: %s%s", tui_sort_name(d->ls.sort), d->ls.reverse ? " (reversed)" : "");
    filter_status(&t->filter, out);
}

static bool servers_request(struct tui *t, struct view *v, enum tui_req req)
{
    struct servers_data *d = v->data;
    switch (req) {
    case TUI_REQ_ENTER: {
        if (v->nrows == 0) return true;
        const struct tui_server *sv = &d->rows[v->cursor];
        char title[320];
        snprintf(title, sizeof(title), "Connections to %s %s%s%s", sv->first->server,
                 sv->id.sni ? "" : "[", sv->id.sni ? sv->id.sni : sv->first->server_ip_text,
                 sv->id.sni ? "" : "]");
        tui_push(t, view_conns_new(t, &sv->id, title));
        return true;
    }
    case TUI_REQ_FILTER_VERDICT: cycle_filter(t, &t->filter); return true;
    case TUI_REQ_SORT:
        d->ls.sort = (enum tui_sort)((d->ls.sort + 1) % TUI_SORT__N);
        d->ls.resort = true;
        return true;
    case TUI_REQ_SORT_REVERSE:
        d->ls.reverse = !d->ls.reverse;
        d->ls.resort = true;
        return true;
    default: return false;
    }
}

static void servers_close(struct tui *t, struct view *v)
{
    struct servers_data *d = v->data;
    (void)t;
    if (!d) return;
    free(d->all);
    free(d->groups);
    free(d->rows);
    free(d->sel_sni);
    free(d->found);
    free(d);
}

static const struct view_ops servers_ops = {
    .name = "Servers",
    .where = TUI_IN_SERVERS,
    .line_cursor = true,
    .sync = servers_sync,
    .draw_head = servers_draw_head,
    .draw_row = servers_draw_row,
    .request = servers_request,
    .row_matches = servers_row_matches,
    .status = servers_status,
    .close = servers_close,
};

struct view *view_servers_new(struct tui *t)
{
    (void)t;
    struct view *v = calloc(1, sizeof(*v));
    struct servers_data *d = calloc(1, sizeof(*d));
    if (!v || !d) {
        free(v);
        free(d);
        return NULL;
    }
    v->ops = &servers_ops;
    v->data = d;
    d->ls.sort = TUI_SORT_VERDICT; /* the point of this view: the failing servers first */
    snprintf(v->title, sizeof(v->title), "Servers");
    return v;
}

void view_list_remember(struct tui *t, struct view *v)
{
    /* only while the rows are current: a list shown again after a child
     * view may hold connections the store has freed since */
    if (v->ops == &conns_ops) {
        struct conns_data *d = v->data;
        if (d->ls.synced && d->ls.gen == t->store.gen && d->ls.fgen == t->filter_gen) conns_remember(t, v);
    } else if (v->ops == &servers_ops) {
        struct servers_data *d = v->data;
        if (d->ls.synced && d->ls.gen == t->store.gen && d->ls.fgen == t->filter_gen) servers_remember(t, v);
    }
}
