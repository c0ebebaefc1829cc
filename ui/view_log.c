/* view_log.c — the Log view: every TLS failure Expressway logged (from a
 * diagnostic bundle or --log), in log order, with the captured connection
 * it was about and whether tlsscope's verdict agrees; then the failing
 * connections the log does not mention. Enter opens the connection (or,
 * without one, the failure's own page).
 *
 * Rows come from tui_log_rows() (curses-free, unit-tested) and are rebuilt
 * when the store changes (a connection that finished may have claimed its
 * failure) and when the correlation becomes final (t->log_gen). The
 * selection follows its row across rebuilds. All text from the log is
 * escaped by the tui_log_* helpers.
 */
#include <stdlib.h>
#include <string.h>

#include "tui_internal.h"

#define COL_GAP 1

enum { LC_TIME, LC_SERVER, LC_REQUEST, LC_LOGGED, LC_CONN, LC__N };

static const char *const log_titles[LC__N] = {
    "TIME", "SERVER", "REQUEST", "LOGGED BY EXPRESSWAY", "CONNECTION",
};

struct log_data {
    struct tui_log_row *rows;
    long n;
    bool synced;
    uint64_t gen, log_gen;
    int want[LC__N];
    bool with_date;
    /* selection memory: the row's identity, and its place on the screen */
    struct tui_log_row sel;
    bool sel_valid;
    int sel_off;
};

static const struct logcorr *corr(const struct tui *t) { return logreport_corr(t->lr); }
static const struct explog *lg(const struct tui *t) { return logreport_log(t->lr); }
static bool captures(const struct tui *t) { return !t->log_only; }

static bool same_row(const struct tui_log_row *a, const struct tui_log_row *b)
{
    return a->kind == b->kind && a->index == b->index && a->example == b->example;
}

static void log_remember(struct tui *t, struct view *v)
{
    struct log_data *d = v->data;
    (void)t;
    d->sel_valid = v->nrows > 0 && v->cursor >= 0 && v->cursor < v->nrows;
    if (d->sel_valid) d->sel = d->rows[v->cursor];
    d->sel_off = v->cursor - v->top;
}

static int clamp_want(size_t n, int cap) { return n > (size_t)cap ? cap : (int)n; }

/* The cells of a row (text and style); false for rows drawn across. */
struct cells {
    struct sbuf s[LC__N];
    enum tui_style st[LC__N];
    int64_t ts;
};

static bool row_cells(struct tui *t, const struct tui_log_row *r, struct cells *c)
{
    for (int i = 0; i < LC__N; i++) {
        sbuf_reset(&c->s[i]);
        c->st[i] = ST_NORMAL;
    }
    c->ts = 0;
    if (r->kind == TUI_LOG_FAILURE) {
        const struct logcorr_match *m = logcorr_match(corr(t), r->index);
        c->ts = m->f->ts_ns;
        tui_log_server(&c->s[LC_SERVER], m->f, t->utf8);
        tui_log_request(&c->s[LC_REQUEST], lg(t), m->f, t->utf8);
        tui_log_logged(&c->s[LC_LOGGED], m, t->utf8);
        c->st[LC_LOGGED] = ST_FAIL;
        switch (tui_log_match_text(&c->s[LC_CONN], m, captures(t), logcorr_finished(corr(t)),
                                   t->utf8)) {
        case TUI_LOG_AGREE: c->st[LC_CONN] = ST_OK; break;
        case TUI_LOG_DISAGREE: c->st[LC_CONN] = ST_FAIL; break;
        case TUI_LOG_UNKNOWN:
        case TUI_LOG_NONE: c->st[LC_CONN] = ST_NJ; break;
        default: c->st[LC_CONN] = ST_DIM; break;
        }
        return true;
    }
    if (r->kind == TUI_LOG_UNMENTIONED) {
        const struct logcorr_unmentioned *u = logcorr_unmentioned(corr(t), r->index);
        const struct logcorr_conn *cn = &u->example[r->example];
        c->ts = cn->first_ts_ns;
        tui_log_conn_server(&c->s[LC_SERVER], cn, t->utf8);
        sbuf_puts(&c->s[LC_REQUEST], "-");
        sbuf_puts(&c->s[LC_LOGGED], "tlsscope: ");
        tui_log_conn_verdict(&c->s[LC_LOGGED], cn, t->utf8);
        c->st[LC_LOGGED] = ST_FAIL;
        sbuf_printf(&c->s[LC_CONN], "#%llu not logged", (unsigned long long)cn->seq);
        c->st[LC_CONN] = ST_NJ;
        return true;
    }
    return false;
}

static void cells_init(struct cells *c)
{
    for (int i = 0; i < LC__N; i++) sbuf_init(&c->s[i], 8192);
}

static void cells_free(struct cells *c)
{
    for (int i = 0; i < LC__N; i++) sbuf_free(&c->s[i]);
}

static void log_sync(struct tui *t, struct view *v)
{
    struct log_data *d = v->data;
    if (d->synced && d->gen == t->store.gen && d->log_gen == t->log_gen) return;
    struct tui_log_row *rows = NULL;
    const struct pipeline_stats *ps = t->p ? pipeline_stats(t->p) : NULL;
    bool note = ps && logcorr_finished(corr(t)) &&
                tui_log_apart(lg(t), corr(t), ps->first_ts_ns, ps->last_ts_ns);
    long n = tui_log_rows(corr(t), note, &rows);
    if (n < 0) {
        free(rows);
        tui_message(t, true, "out of memory");
        return;
    }
    free(d->rows);
    d->rows = rows;
    d->n = n;
    for (int c = 0; c < LC__N; c++) d->want[c] = (int)strlen(log_titles[c]);
    int64_t tmin = INT64_MAX, tmax = INT64_MIN;
    struct cells c;
    cells_init(&c);
    for (long i = 0; i < n; i++) {
        if (!row_cells(t, &rows[i], &c)) continue;
        if (c.ts < tmin) tmin = c.ts;
        if (c.ts > tmax) tmax = c.ts;
        static const int cap[LC__N] = {0, 48, 56, 72, 60};
        /* byte lengths bound display widths from above; the verdicts of
         * connections the log does not mention may be cut */
        for (int k = LC_SERVER; k < LC__N; k++) {
            if (k == LC_LOGGED && rows[i].kind != TUI_LOG_FAILURE) continue;
            int l = clamp_want(c.s[k].len, cap[k]);
            if (l > d->want[k]) d->want[k] = l;
        }
    }
    cells_free(&c);
    d->with_date = tmin != INT64_MAX && tmin / 86400000000000LL != tmax / 86400000000000LL;
    v->nrows = (int)n;
    if (!d->sel_valid && n > 1 && rows[0].kind == TUI_LOG_NOTE) v->cursor = 1; /* on a failure */
    if (d->sel_valid)
        for (long i = 0; i < n; i++)
            if (same_row(&rows[i], &d->sel)) {
                v->cursor = (int)i;
                v->top = v->cursor - d->sel_off;
                break;
            }
    view_clamp(t, v);
    d->gen = t->store.gen;
    d->log_gen = t->log_gen;
    d->synced = true;
    log_remember(t, v);
}

static void log_layout(struct tui *t, struct log_data *d, int *w)
{
    int tw = d->with_date ? 18 : 12;
    /* first what failed and its connection, then the server and the time;
     * the request last (its page has it) */
    int conn_min = d->want[LC_CONN] < 12 ? d->want[LC_CONN] : 12;
    struct tui_col cols[LC__N] = {
        [LC_TIME] = {8, tw, tw, 88, 0},
        [LC_SERVER] = {d->want[LC_SERVER] < 15 ? d->want[LC_SERVER] : 15, d->want[LC_SERVER],
                       d->want[LC_SERVER], 90, 72},
        /* a stub of a path says nothing: shown from 24 columns on */
        [LC_REQUEST] = {d->want[LC_REQUEST] < 24 ? d->want[LC_REQUEST] : 24, d->want[LC_REQUEST],
                        d->want[LC_REQUEST], 71, 40},
        [LC_LOGGED] = {20, d->want[LC_LOGGED], 0, 95, 85},
        /* log only: no connections to show */
        [LC_CONN] = {captures(t) ? conn_min : 0, d->want[LC_CONN], d->want[LC_CONN],
                     captures(t) ? 100 : 0, 70},
    };
    tui_layout(cols, LC__N, t->cols, COL_GAP, w);
}

static void log_draw_head(struct tui *t, struct view *v, int y)
{
    struct log_data *d = v->data;
    int w[LC__N], x = 0;
    log_layout(t, d, w);
    attr_t a = t->style[ST_COLHEAD];
    for (int c = 0; c < LC__N; c++) {
        if (!w[c]) continue;
        const char *title = log_titles[c];
        if (c == LC_LOGGED && w[c] < (int)strlen(title)) title = "LOGGED";
        tui_put(t, y, x, w[c], title, a);
        x += w[c];
        if (x < t->cols) tui_put(t, y, x, COL_GAP, "", a);
        x += COL_GAP;
    }
    if (x < t->cols) tui_put(t, y, x, t->cols - x, "", a);
}

static bool log_row_matches(struct tui *t, struct view *v, int row, const char *text);

static void log_draw_row(struct tui *t, struct view *v, int row, int y, bool selected)
{
    struct log_data *d = v->data;
    const struct tui_log_row *r = &d->rows[row];
    attr_t sel = selected ? A_REVERSE : 0;
    attr_t match = v->search[0] && log_row_matches(t, v, row, v->search) ? A_UNDERLINE : 0;
    struct cells c;
    cells_init(&c);
    if (!row_cells(t, r, &c)) {
        struct sbuf *s = &c.s[0];
        enum tui_style st = ST_HEADING;
        if (r->kind == TUI_LOG_HEADING) {
            unsigned long long n = (unsigned long long)logcorr_unmentioned_total(corr(t));
            sbuf_printf(s, "Failing connections the log does not mention (%llu)", n);
        } else if (r->kind == TUI_LOG_MORE) {
            const struct logcorr_unmentioned *u = logcorr_unmentioned(corr(t), r->index);
            sbuf_printf(s, "  ... and %llu more like these, the last #%llu (Enter: every "
                           "connection to this server)",
                        (unsigned long long)(u->count - (uint64_t)u->n_examples),
                        (unsigned long long)u->last_seq);
            st = ST_DIM;
        } else if (r->kind == TUI_LOG_NOTE) {
            /* as the batch report's note: say it before the rows it explains */
            const struct explog_stats *ls = explog_stats(lg(t));
            const struct pipeline_stats *ps = pipeline_stats(t->p);
            double off = (double)(ls->first_ts_ns - ps->first_ts_ns) / 1e9;
            double a = off < 0 ? -off : off;
            sbuf_puts(s, "Note: log and captures do not overlap in time, the log starts ");
            if (a < 3600)
                sbuf_printf(s, "%.3f s", a);
            else if (a < 2 * 86400)
                sbuf_printf(s, "%.1f hours", a / 3600);
            else
                sbuf_printf(s, "%.1f days", a / 86400);
            sbuf_printf(s, " %s them: %s", off < 0 ? "before" : "after",
                        a < 3600 ? "clock skew? (--log-window)"
                                 : "taken at different times, or a clock far off");
            st = ST_NJ;
        } else if (explog_stats(lg(t))->records == 0) {
            sbuf_puts(s, "No Expressway log record was read");
            if (logreport_first_error(t->lr)[0]) {
                sbuf_puts(s, ": ");
                tui_esc_str(s, logreport_first_error(t->lr), t->utf8);
            }
            st = ST_ERROR;
        } else {
            sbuf_puts(s, "The log shows no TLS failure toward CUCM, IM&P or Unity servers.");
            st = ST_NORMAL;
        }
        tui_put(t, y, 0, t->cols, sbuf_str(s), t->style[st] | sel | match);
        cells_free(&c);
        return;
    }
    int w[LC__N], x = 0;
    log_layout(t, d, w);
    char buf[64];
    for (int col = 0; col < LC__N; col++) {
        if (!w[col]) continue;
        const char *text = col == LC_TIME
                               ? tui_time_cell(c.ts, d->with_date, w[col], buf, sizeof(buf))
                               : sbuf_str(&c.s[col]);
        tui_put(t, y, x, w[col], text, t->style[c.st[col]] | sel | match);
        x += w[col];
        if (x < t->cols) tui_put(t, y, x, COL_GAP, "", sel);
        x += COL_GAP;
    }
    if (x < t->cols) tui_put(t, y, x, t->cols - x, "", sel);
    cells_free(&c);
}

static bool log_row_matches(struct tui *t, struct view *v, int row, const char *text)
{
    struct log_data *d = v->data;
    if (row < 0 || row >= d->n) return false;
    const struct tui_log_row *r = &d->rows[row];
    struct cells c;
    cells_init(&c);
    bool m = false;
    if (row_cells(t, r, &c)) {
        for (int k = 0; k < LC__N && !m; k++) m = strcasestr(sbuf_str(&c.s[k]), text) != NULL;
        if (!m && r->kind == TUI_LOG_FAILURE) {
            /* the whole logged line: "1416F086", "ET_NET 2", a TrackingID */
            const struct logcorr_match *lm = logcorr_match(corr(t), r->index);
            sbuf_reset(&c.s[0]);
            tui_esc_str(&c.s[0], lm->f->rec->message, t->utf8);
            if (lm->f->ssl && lm->f->ssl != lm->f->rec) {
                sbuf_putc(&c.s[0], ' ');
                tui_esc_str(&c.s[0], lm->f->ssl->message, t->utf8);
            }
            if (lm->f->txn >= 0)
                tui_esc_str(&c.s[0], explog_txn(lg(t), (size_t)lm->f->txn)->tracking_id,
                            t->utf8);
            m = strcasestr(sbuf_str(&c.s[0]), text) != NULL;
        }
    }
    cells_free(&c);
    return m;
}

static void log_status(struct tui *t, struct view *v, struct sbuf *out)
{
    (void)v;
    const struct logcorr *lc = corr(t);
    size_t n = logcorr_n_matches(lc), matched = 0, yes = 0, no = 0;
    for (size_t i = 0; i < n; i++) {
        const struct logcorr_match *m = logcorr_match(lc, i);
        if (m->conn < 0) continue;
        matched++;
        yes += m->agrees == LOGCORR_AGREE_YES;
        no += m->agrees == LOGCORR_AGREE_NO;
    }
    if (!captures(t)) {
        sbuf_printf(out, "  %zu failure%s, %zu request%s (no capture)", n, n == 1 ? "" : "s",
                    explog_n_txns(lg(t)), explog_n_txns(lg(t)) == 1 ? "" : "s");
        return;
    }
    sbuf_printf(out, "  %zu failure%s: %zu with a connection (%zu agree, %zu DISAGREE), %zu without",
                n, n == 1 ? "" : "s", matched, yes, no, n - matched);
}

static bool log_request(struct tui *t, struct view *v, enum tui_req req)
{
    struct log_data *d = v->data;
    if (req != TUI_REQ_ENTER) return false;
    if (v->nrows == 0 || v->cursor < 0 || v->cursor >= d->n) return true;
    const struct tui_log_row *r = &d->rows[v->cursor];
    switch (r->kind) {
    case TUI_LOG_FAILURE:
        /* the connection it was about; without one, the failure itself */
        if (r->seq && captures(t))
            tui_open_conn(t, r->seq);
        else
            tui_push(t, view_logentry_new(t, r->index));
        return true;
    case TUI_LOG_UNMENTIONED: tui_open_conn(t, r->seq); return true;
    case TUI_LOG_MORE: {
        struct tui_conn *c = tui_store_find(&t->store, r->seq);
        if (!c) {
            tui_message(t, true, "connection #%llu is no longer in the list (--max-conns)",
                        (unsigned long long)r->seq);
            return true;
        }
        struct tui_server_id id;
        tui_server_id_of(c, &id);
        char title[320];
        snprintf(title, sizeof(title), "Connections to %s %s%s%s", c->server, c->sni ? "" : "[",
                 c->sni ? c->sni : c->server_ip_text, c->sni ? "" : "]");
        tui_push(t, view_conns_new(t, &id, title));
        return true;
    }
    default: tui_message(t, false, "nothing to open on this line"); return true;
    }
}

static void log_close(struct tui *t, struct view *v)
{
    struct log_data *d = v->data;
    (void)t;
    if (!d) return;
    free(d->rows);
    free(d);
}

static const struct view_ops log_ops = {
    .name = "Log",
    .where = TUI_IN_LOG,
    .line_cursor = true,
    .sync = log_sync,
    .draw_head = log_draw_head,
    .draw_row = log_draw_row,
    .request = log_request,
    .row_matches = log_row_matches,
    .status = log_status,
    .close = log_close,
};

struct view *view_log_new(struct tui *t)
{
    (void)t;
    struct view *v = calloc(1, sizeof(*v));
    struct log_data *d = calloc(1, sizeof(*d));
    if (!v || !d) {
        free(v);
        free(d);
        return NULL;
    }
    v->ops = &log_ops;
    v->data = d;
    snprintf(v->title, sizeof(v->title), "Log");
    return v;
}

void view_log_remember(struct tui *t, struct view *v)
{
    struct log_data *d = v->data;
    if (d->synced) log_remember(t, v);
}

bool view_log_select_failure(struct tui *t, struct view *v, size_t failure)
{
    struct log_data *d = v->data;
    log_sync(t, v);
    for (long i = 0; i < d->n; i++) {
        if (d->rows[i].kind != TUI_LOG_FAILURE || d->rows[i].index != failure) continue;
        v->cursor = (int)i;
        view_clamp(t, v);
        log_remember(t, v);
        return true;
    }
    return false;
}

bool view_log_select_seq(struct tui *t, struct view *v, uint64_t seq)
{
    struct log_data *d = v->data;
    if (!seq) return false;
    log_sync(t, v);
    for (long i = 0; i < d->n; i++) {
        const struct tui_log_row *r = &d->rows[i];
        if (r->seq != seq || (r->kind != TUI_LOG_FAILURE && r->kind != TUI_LOG_UNMENTIONED))
            continue;
        v->cursor = (int)i;
        view_clamp(t, v);
        log_remember(t, v);
        return true;
    }
    return false;
}
