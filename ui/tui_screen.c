/* tui_screen.c — what the browser's views stand on: the drawing helpers
 * (tui_put: cut and pad to columns), the verdict marker and time cells, the
 * view stack (push, pop, clamp), the certificates a record exports, and the
 * two requests a view makes of the browser around it (open a connection,
 * ask for an export file name), which tui.c answers through hooks in
 * struct tui. tui.c includes the views; the views never call tui.c.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/timefmt.h"
#include "trust/clientauth.h"
#include "tui_internal.h"

/* ---- drawing helpers ------------------------------------------------------ */

int tui_body_height(const struct tui *t)
{
    int h = t->rows - TUI_BODY_TOP - 2;
    return h > 0 ? h : 0;
}

void tui_pad(int y, int x, int n)
{
    move(y, x);
    for (int i = 0; i < n; i++) addch(' ');
}

void tui_put(struct tui *t, int y, int x, int w, const char *s, attr_t a)
{
    if (w <= 0 || x < 0 || x >= t->cols || y < 0 || y >= t->rows) return;
    if (x + w > t->cols) w = t->cols - x;
    int used = 0;
    attrset(a);
    if (tui_text_width(s) <= w) {
        mvaddstr(y, x, s);
        used = tui_text_width(s);
    } else {
        size_t k = tui_text_fit(s, w - 1, &used);
        mvaddnstr(y, x, s, (int)k);
        addstr(t->utf8 ? "\xe2\x80\xa6" : "~");
        used++;
    }
    if (used < w) tui_pad(y, x + used, w - used);
    attrset(A_NORMAL);
}

void tui_put_right(struct tui *t, int y, int x, int w, const char *s, attr_t a)
{
    int sw = tui_text_width(s);
    if (sw >= w) {
        tui_put(t, y, x, w, s, a);
        return;
    }
    attrset(a);
    tui_pad(y, x, w - sw);
    attrset(A_NORMAL);
    tui_put(t, y, x + w - sw, sw, s, a);
}

void tui_message(struct tui *t, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->msg, sizeof(t->msg), fmt, ap);
    va_end(ap);
    t->msg_error = error;
}

const char *tui_marker(const struct tui_conn *c, enum tui_style *st)
{
    switch (c->cls) {
    case TUI_CLASS_FAILED:
        if (st) *st = ST_FAIL;
        return c->presumed ? "FAIL~" : "FAIL";
    case TUI_CLASS_TRUSTED:
        if (st) *st = ST_OK;
        return c->presumed ? "OK~" : "OK";
    default:
        if (st) *st = ST_NJ;
        return "n/j";
    }
}

void tui_verdict_text(const struct tui_conn *c, struct sbuf *out)
{
    sbuf_puts(out, tui_marker(c, NULL));
    if (c->open) sbuf_puts(out, " (open)");
    if (c->cls == TUI_CLASS_FAILED) {
        if (c->name_failure)
            sbuf_puts(out, " name ");
        else
            sbuf_printf(out, " %d@%d ", c->code, c->depth);
        sbuf_puts(out, c->reason);
    } else if (c->cls == TUI_CLASS_NOT_JUDGED) {
        sbuf_putc(out, ' ');
        sbuf_puts(out, c->reason);
    }
    if (c->presumed) sbuf_puts(out, " (presumed: resumed session)");
}

const char *tui_client_marker(const struct tui_conn *c, enum tui_style *st, char *buf, size_t len)
{
    if (!c->has_client) return NULL;
    switch (c->client_cls) {
    case TUI_CLASS_FAILED:
        if (st) *st = ST_FAIL;
        if (c->client_code == VERR_TLSSCOPE_NO_CLIENT_CERT)
            snprintf(buf, len, "client FAIL: none sent");
        else
            snprintf(buf, len, "client FAIL %d@%d", c->client_code, c->client_depth);
        break;
    case TUI_CLASS_TRUSTED:
        if (st) *st = ST_OK;
        snprintf(buf, len, "client OK");
        break;
    default:
        if (st) *st = ST_NJ;
        snprintf(buf, len, "client n/j");
        break;
    }
    return buf;
}

const char *tui_time_cell(int64_t ts_ns, bool with_date, int w, char *buf, size_t len)
{
    char iso[TIMEFMT_LEN];
    time_iso8601(ts_ns, 3, iso); /* 2022-07-11T16:55:25.900Z */
    if (with_date && w >= 18)
        snprintf(buf, len, "%.5s %.12s", iso + 5, iso + 11);
    else if (w >= 12)
        snprintf(buf, len, "%.12s", iso + 11);
    else
        snprintf(buf, len, "%.8s", iso + 11);
    return buf;
}

/* ---- views: stack --------------------------------------------------------- */

void view_free(struct tui *t, struct view *v)
{
    if (!v) return;
    if (v->ops->close) v->ops->close(t, v);
    free(v);
}

void tui_push(struct tui *t, struct view *v)
{
    if (!v) {
        tui_message(t, true, "out of memory");
        return;
    }
    v->parent = t->cur;
    t->cur = v;
    v->ops->sync(t, v);
    view_clamp(t, v);
}

bool tui_is_top(const struct tui *t, const struct view *v)
{
    return v == t->conns || v == t->servers || (v && v == t->log);
}

void tui_pop(struct tui *t)
{
    struct view *v = t->cur;
    if (tui_is_top(t, v)) return;
    t->cur = v->parent;
    view_free(t, v);
}

static void pop_to_top(struct tui *t)
{
    while (!tui_is_top(t, t->cur)) tui_pop(t);
}

void tui_show_top(struct tui *t, struct view *top)
{
    pop_to_top(t);
    t->cur = top;
}

void view_clamp(struct tui *t, struct view *v)
{
    int h = tui_body_height(t);
    if (h < 1) h = 1;
    int maxtop = v->nrows > h ? v->nrows - h : 0;
    if (!v->ops->line_cursor) {
        if (v->top > maxtop) v->top = maxtop;
        if (v->top < 0) v->top = 0;
        v->cursor = v->top;
        return;
    }
    if (v->cursor >= v->nrows) v->cursor = v->nrows - 1;
    if (v->cursor < 0) v->cursor = 0;
    if (v->cursor < v->top) v->top = v->cursor;
    if (v->cursor >= v->top + h) v->top = v->cursor - h + 1;
    if (v->top > maxtop) v->top = maxtop;
    if (v->top < 0) v->top = 0;
}

bool tui_open_conn(struct tui *t, uint64_t seq) { return t->open_conn(t, seq); }

void tui_export_prompt(struct tui *t, struct tui_conn *pin, const struct cert *const *certs, int n,
                       bool chain)
{
    t->export_prompt(t, pin, certs, n, chain);
}

int tui_chain_certs(const struct conn_record *r, bool client, const struct cert **out, int max)
{
    int n = 0;
    if (client && !r->client) return 0;
    const struct verdict *v = client ? &r->client->verdict : &r->verdict;
    const struct cert *const *sent = client ? r->client_chain : r->chain;
    int n_sent = client ? r->n_client_chain : r->n_chain;
    for (int i = 0; i < v->n_path && n < max; i++)
        if (v->path[i].cert) out[n++] = v->path[i].cert;
    for (int i = 0; i < n_sent && n < max; i++) {
        const struct cert *c = sent[i];
        bool seen = false; /* the store's copy of a sent certificate is the same one */
        for (int k = 0; k < n; k++)
            seen = seen || (c && memcmp(out[k]->sha256, c->sha256, 32) == 0);
        if (c && !seen) out[n++] = c;
    }
    return n;
}

const struct cert *tui_default_cert(const struct conn_record *r)
{
    const struct verdict *v = &r->verdict;
    if (v->cert_index >= 0 && v->cert_index < v->n_path && v->path[v->cert_index].cert)
        return v->path[v->cert_index].cert;
    if (v->n_path > 0 && v->path[0].cert) return v->path[0].cert;
    return r->n_chain > 0 ? r->chain[0] : NULL;
}
