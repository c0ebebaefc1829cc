/* tui_log.c — rows and cell texts of the browser's Log view (see
 * tui_log.h). No curses here. */
#include "tui_log.h"

#include <stdlib.h>
#include <string.h>

#include "tui_text.h"

long tui_log_rows(const struct logcorr *lc, bool note, struct tui_log_row **out)
{
    size_t nm = logcorr_n_matches(lc), ng = logcorr_n_unmentioned(lc);
    /* a note; a failure each; a heading, the examples and a "more" row per group */
    size_t cap = nm + 3 + ng * (LOGCORR_EXAMPLES + 1);
    struct tui_log_row *r = calloc(cap, sizeof(*r));
    *out = r;
    if (!r) return -1;
    size_t n = 0;
    if (note) r[n++] = (struct tui_log_row){TUI_LOG_NOTE, 0, -1, 0};
    for (size_t i = 0; i < nm; i++) {
        const struct logcorr_match *m = logcorr_match(lc, i);
        r[n++] = (struct tui_log_row){TUI_LOG_FAILURE, i, -1, m->conn >= 0 ? m->conn_seq : 0};
    }
    if (nm == 0) r[n++] = (struct tui_log_row){TUI_LOG_EMPTY, 0, -1, 0};
    if (ng) r[n++] = (struct tui_log_row){TUI_LOG_HEADING, 0, -1, 0};
    for (size_t g = 0; g < ng; g++) {
        const struct logcorr_unmentioned *u = logcorr_unmentioned(lc, g);
        for (int e = 0; e < u->n_examples; e++)
            r[n++] = (struct tui_log_row){TUI_LOG_UNMENTIONED, g, e, u->example[e].seq};
        if (u->count > (uint64_t)u->n_examples)
            r[n++] = (struct tui_log_row){TUI_LOG_MORE, g, -1, u->example[0].seq};
    }
    return (long)n;
}

bool tui_log_apart(const struct explog *lg, const struct logcorr *lc, int64_t cap_first,
                   int64_t cap_last)
{
    const struct explog_stats *ls = explog_stats(lg);
    int64_t w = logcorr_window_ns(lc);
    if (!cap_first || !ls->first_ts_ns) return false;
    return ls->last_ts_ns < cap_first - w || ls->first_ts_ns > cap_last + w;
}

/* an address as it stands before ":port" */
static void put_addr_port(struct sbuf *out, const char *ip, int port, bool utf8)
{
    bool v6 = strchr(ip, ':') != NULL;
    if (v6 && port >= 0) sbuf_putc(out, '[');
    tui_esc_str(out, ip, utf8);
    if (v6 && port >= 0) sbuf_putc(out, ']');
    if (port >= 0) sbuf_printf(out, ":%d", port);
}

void tui_log_server(struct sbuf *out, const struct explog_failure *f, bool utf8)
{
    const char *host = f->server_host[0] ? f->server_host : f->name;
    const char *ip = f->server_ip;
    if (host[0] && ip[0] && strcmp(host, ip) != 0) {
        tui_esc_str(out, host, utf8);
        sbuf_putc(out, '(');
        tui_esc_str(out, ip, utf8);
        sbuf_putc(out, ')');
        if (f->port >= 0) sbuf_printf(out, ":%d", f->port);
    } else {
        put_addr_port(out, ip[0] ? ip : host, f->port, utf8);
    }
}

static const struct explog_record *request_of(const struct explog_txn *t)
{
    return t->receive ? t->receive : t->n_sends ? t->sends[0] : NULL;
}

void tui_log_request(struct sbuf *out, const struct explog *lg, const struct explog_failure *f,
                     bool utf8)
{
    const struct explog_txn *t = f->txn >= 0 ? explog_txn(lg, (size_t)f->txn) : NULL;
    const struct explog_record *rq = t ? request_of(t) : NULL;
    if (!t) {
        sbuf_puts(out, "(no request logged)");
        return;
    }
    tui_esc_str(out, t->user[0] ? t->user : "?", utf8);
    sbuf_putc(out, ' ');
    if (rq) {
        tui_esc_str(out, rq->path[0] ? rq->path : rq->target, utf8);
    } else {
        /* the request is known by its Txn-id only (its lines were not logged) */
        sbuf_puts(out, "(txn ");
        tui_esc_str(out, t->txn_id, utf8);
        sbuf_putc(out, ')');
    }
}

void tui_log_request_full(struct sbuf *out, const struct explog_txn *t, bool utf8)
{
    const struct explog_record *rq = request_of(t);
    if (!rq) {
        sbuf_puts(out, "(request not logged)");
    } else {
        tui_esc_str(out, rq->method[0] ? rq->method : "?", utf8);
        sbuf_putc(out, ' ');
        tui_esc_str(out, rq->path[0] ? rq->path : rq->target, utf8);
        if (rq->route.valid) {
            sbuf_puts(out, " via ");
            tui_esc_str(out, rq->route.domain, utf8);
            sbuf_putc(out, '/');
            tui_esc_str(out, rq->route.protocol, utf8);
            sbuf_putc(out, '/');
            tui_esc_str(out, rq->route.host, utf8);
            sbuf_printf(out, "/%d", rq->route.port);
        }
    }
    const struct explog_record *res = t->reply ? t->reply : t->response;
    sbuf_puts(out, " -> ");
    if (!res) {
        sbuf_puts(out, "no response logged");
        return;
    }
    sbuf_printf(out, "%d", res->status);
    if (res->status_text[0]) {
        sbuf_putc(out, ' ');
        tui_esc_str(out, res->status_text, utf8);
    }
}

void tui_log_logged(struct sbuf *out, const struct logcorr_match *m, bool utf8)
{
    const struct explog_failure *f = m->f;
    if (f->rec->action[0] && strcmp(f->rec->action, "Terminate") != 0)
        sbuf_puts(out, "[not enforced] "); /* the request went on regardless */
    switch (f->kind) {
    case EXPLOG_CERT_FAILED: {
        const char *err = f->error[0] ? f->error : "certificate verification failed";
        if (m->code >= 0 && f->depth >= 0) {
            sbuf_printf(out, "%d@%d ", m->code, f->depth);
            tui_esc_str(out, err, utf8);
        } else {
            tui_esc_str(out, err, utf8);
            if (f->depth >= 0) sbuf_printf(out, " (depth %d)", f->depth);
        }
        break;
    }
    case EXPLOG_SNI_FAILED:
        sbuf_puts(out, "name SNI (");
        tui_esc_str(out, f->name, utf8);
        sbuf_puts(out, ") not in certificate");
        break;
    default: {
        const struct explog_record *e = f->ssl ? f->ssl : f->rec;
        if (e->ssl_error[0]) {
            sbuf_puts(out, "SSL ");
            tui_esc_str(out, e->ssl_error, utf8);
        } else {
            sbuf_puts(out, "SSL connection failed");
        }
        break;
    }
    }
}

enum tui_log_mark tui_log_match_text(struct sbuf *out, const struct logcorr_match *m,
                                     bool captures, bool finished, bool utf8)
{
    if (!captures) {
        sbuf_puts(out, "no capture");
        return TUI_LOG_NONE;
    }
    if (m->conn >= 0) {
        sbuf_printf(out, "#%llu ", (unsigned long long)m->conn_seq);
        switch (m->agrees) {
        case LOGCORR_AGREE_YES: sbuf_puts(out, "agree"); return TUI_LOG_AGREE;
        case LOGCORR_AGREE_NO: sbuf_puts(out, "DISAGREE"); return TUI_LOG_DISAGREE;
        default: sbuf_puts(out, "cannot compare"); return TUI_LOG_UNKNOWN;
        }
    }
    if (!finished) {
        /* a failing connection claims its failure when it is over; the
         * leftovers are known at the end of the capture */
        sbuf_puts(out, "pending");
        return TUI_LOG_PENDING;
    }
    /* the marker, then the likeliest reason in a few words (the page has
     * the whole sentence) */
    sbuf_puts(out, "none: ");
    unsigned long long near = (unsigned long long)m->near_seq;
    switch (m->why) {
    case LOGCORR_WHY_NO_CAPTURE: sbuf_puts(out, "no capture"); break;
    case LOGCORR_WHY_NO_PACKETS: sbuf_puts(out, "no packets captured"); break;
    case LOGCORR_WHY_OUTSIDE_TIME: sbuf_puts(out, "outside capture time"); break;
    case LOGCORR_WHY_NO_SNI_MATCH:
        sbuf_puts(out, "SNI ");
        tui_esc_str(out, m->f->name, utf8);
        sbuf_puts(out, " not captured");
        break;
    case LOGCORR_WHY_NO_CONN_TO_IP:
        tui_esc_str(out, m->f->server_ip, utf8);
        sbuf_puts(out, " not captured");
        break;
    case LOGCORR_WHY_PORT: sbuf_printf(out, "#%llu on another port", near); break;
    case LOGCORR_WHY_NAME: sbuf_printf(out, "#%llu has another SNI", near); break;
    case LOGCORR_WHY_WINDOW: sbuf_printf(out, "#%llu outside window", near); break;
    default: sbuf_puts(out, "no connection"); break;
    }
    return TUI_LOG_NONE;
}

void tui_log_delta(struct sbuf *out, int64_t ns)
{
    int64_t a = ns < 0 ? -ns : ns;
    if (a < 1000000000LL)
        sbuf_printf(out, "%+.1f ms", (double)ns / 1e6);
    else
        sbuf_printf(out, "%+.3f s", (double)ns / 1e9);
}

void tui_log_conn_server(struct sbuf *out, const struct logcorr_conn *c, bool utf8)
{
    put_addr_port(out, c->server_ip, c->server_port, utf8);
    sbuf_putc(out, ' ');
    if (c->has_sni) {
        tui_esc_str(out, c->sni, utf8);
    } else {
        sbuf_putc(out, '[');
        tui_esc_str(out, c->server_ip, utf8);
        sbuf_putc(out, ']');
    }
}

void tui_log_conn_verdict(struct sbuf *out, const struct logcorr_conn *c, bool utf8)
{
    switch (c->status) {
    case VERDICT_TRUSTED: sbuf_puts(out, "OK"); return;
    case VERDICT_NOT_JUDGED:
        sbuf_puts(out, "n/j ");
        tui_esc_str(out, c->not_judged, utf8);
        return;
    default: break;
    }
    if (c->name_failure)
        sbuf_puts(out, "FAIL name ");
    else
        sbuf_printf(out, "FAIL %d@%d ", c->code, c->depth);
    tui_esc_str(out, c->reason, utf8);
}
