/* view_text.c — the views that are pages of text: connection detail,
 * certificate detail, help, and one Expressway log failure.
 *
 * A page is a list of logical lines (an optional label column, a text, a
 * style, an optional link to a certificate) wrapped to the terminal width
 * into physical lines. Everything shown from a capture or a certificate is
 * escaped (tui_esc) when the page is built. The connection page is rebuilt
 * whenever the store changes while the connection is still open (alerts
 * arrive after the verdict); its tui_conn is pinned so that it outlives a
 * --max-conns drop while on screen.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "common/timefmt.h"
#include "dissect/names.h"
#include "report/report.h"
#include "trust/certext.h"
#include "tui_internal.h"

#define LABEL_W 15 /* labels are at most 14 columns, then a space */
#define HELP_LABEL_W 19

struct tlink {
    const struct cert *cert;
    int path_index; /* index in verdict.path, -1 if not on the path */
    int wire_index; /* position in the Certificate message, -1 if from the store */
    bool client;    /* the client's chain */
    size_t log;     /* not a certificate: log failure index + 1 (its page); 0 */
};

struct tline {
    int indent;
    char *label; /* NULL: the text starts at the indent */
    char *text;
    enum tui_style style;
    int link; /* index into links, -1 */
};

struct pline { /* a physical (wrapped) line */
    int line;
    size_t off, len;
    bool first;
};

enum page_kind { PAGE_DETAIL, PAGE_CERT, PAGE_HELP, PAGE_LOGENTRY };

struct page {
    enum page_kind kind;
    struct tline *lines;
    size_t n, cap;
    struct pline *phys;
    size_t nphys, physcap;
    int wrapped_for; /* terminal width the phys lines are for; -1 = stale */
    struct tlink links[VERDICT_MAX_PATH + 2 * TLS_MAX_CHAIN + 4];
    int nlinks;
    /* detail */
    struct tui_conn *conn; /* pinned */
    uint64_t gen;
    bool built, built_open, cursor_placed;
    uint64_t log_gen; /* t->log_gen when built: the correlation may change after */
    int focus_link;   /* link to put the cursor on first */
    /* log failure */
    size_t failure; /* index into logcorr_match() */
    /* certificate */
    struct view *detail; /* the detail view it was opened from */
    struct tlink target;
    char heading[400];
    int label_w;
};

/* ---- building pages ------------------------------------------------------------- */

static void page_clear(struct page *pg)
{
    for (size_t i = 0; i < pg->n; i++) {
        free(pg->lines[i].label);
        free(pg->lines[i].text);
    }
    pg->n = 0;
    pg->nlinks = 0;
    pg->wrapped_for = -1;
}

static void add_line(struct page *pg, int indent, const char *label, enum tui_style st, int link,
                     const char *text)
{
    if (pg->n == pg->cap) {
        size_t ncap = pg->cap ? pg->cap * 2 : 64;
        struct tline *nl = realloc(pg->lines, ncap * sizeof(*nl));
        if (!nl) return;
        pg->lines = nl;
        pg->cap = ncap;
    }
    struct tline *l = &pg->lines[pg->n];
    l->indent = indent;
    l->label = label ? strdup(label) : NULL;
    l->text = strdup(text ? text : "");
    l->style = st;
    l->link = link;
    if (!l->text || (label && !l->label)) {
        free(l->label);
        free(l->text);
        return;
    }
    pg->n++;
}

/* A labelled line whose text is printf-formatted by us (callers pass
 * escaped strings for anything that came from a capture or certificate). */
static void addf(struct page *pg, const char *label, enum tui_style st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void addf(struct page *pg, const char *label, enum tui_style st, const char *fmt, ...)
{
    char tmp[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof(tmp)) {
        /* long text: format again into a big enough buffer */
        char *big = malloc((size_t)n + 1);
        if (big) {
            va_start(ap, fmt);
            vsnprintf(big, (size_t)n + 1, fmt, ap);
            va_end(ap);
            add_line(pg, 0, label, st, -1, big);
            free(big);
        }
    } else {
        add_line(pg, 0, label, st, -1, tmp);
    }
}

static void heading(struct page *pg, const char *text)
{
    add_line(pg, 0, NULL, ST_NORMAL, -1, "");
    add_line(pg, 0, NULL, ST_HEADING, -1, text);
}

static int add_link(struct page *pg, const struct cert *c, int path_index, int wire_index,
                    bool client)
{
    if (pg->nlinks >= (int)(sizeof(pg->links) / sizeof(pg->links[0]))) return -1;
    pg->links[pg->nlinks] = (struct tlink){c, path_index, wire_index, client, 0};
    return pg->nlinks++;
}

/* escaped copy of raw bytes / a string from a capture or certificate */
static const char *E(struct sbuf *sb, const struct tui *t, const char *s)
{
    sbuf_reset(sb);
    tui_esc_str(sb, s ? s : "", t->utf8);
    return sbuf_str(sb);
}

/* The stapled OCSP response in one line (report_ocsp_staple_line escapes
 * what came from the response with esc_text), made fit for the terminal
 * as tui_esc_str does. */
static void staple_text(struct sbuf *out, const struct conn_record *r, const struct tui *t)
{
    struct sbuf tmp;
    sbuf_init(&tmp, out->max);
    report_ocsp_staple_line(&tmp, r, t->utf8);
    tui_text_clean(out, sbuf_str(&tmp), tmp.len);
    sbuf_free(&tmp);
}

static const char *key_desc(const struct cert *c, char *buf, size_t len)
{
    const char *kt;
    switch (c->key_type) {
    case CERT_KEY_RSA: kt = "RSA"; break;
    case CERT_KEY_EC: kt = "EC"; break;
    case CERT_KEY_DSA: kt = "DSA"; break;
    case CERT_KEY_ED25519: kt = "Ed25519"; break;
    case CERT_KEY_ED448: kt = "Ed448"; break;
    default: kt = c->key_alg[0] ? c->key_alg : "unknown key"; break;
    }
    if (c->key_bits > 0 && c->key_type != CERT_KEY_ED25519 && c->key_type != CERT_KEY_ED448)
        snprintf(buf, len, "%.40s %d%s%.23s", kt, c->key_bits, c->curve[0] ? " " : "", c->curve);
    else
        snprintf(buf, len, "%s", kt);
    return buf;
}

static const char *alert_desc(int desc, char *buf, size_t len)
{
    const char *name = tls_alert_name((uint8_t)desc);
    snprintf(buf, len, "%s(%d)", name ? name : "unknown", desc);
    return buf;
}

static const char *span(int64_t secs, char *buf, size_t len)
{
    if (secs < 0) secs = -secs;
    if (secs < 2 * 86400)
        snprintf(buf, len, "%lld hours", (long long)(secs / 3600));
    else if (secs < 120 * 86400)
        snprintf(buf, len, "%lld days", (long long)(secs / 86400));
    else
        snprintf(buf, len, "%.1f years", secs / (365.2425 * 86400));
    return buf;
}

static int64_t judged_at(const struct tui *t, const struct tls_conn *c)
{
    if (t->o->have_at) return t->o->at;
    if (c->chain_ts_ns) return c->chain_ts_ns / 1000000000;
    return c->last_ts_ns / 1000000000;
}

/* "CN=x" when there is a CN, else the whole subject (escaped) */
static void cert_name(struct sbuf *out, const struct tui *t, const struct cert *c)
{
    if (!c) {
        sbuf_puts(out, "(certificate missing)");
        return;
    }
    if (c->subject_cn[0]) {
        sbuf_puts(out, "CN=");
        tui_esc_str(out, c->subject_cn, t->utf8);
    } else {
        tui_esc_str(out, c->subject[0] ? c->subject : "(empty subject)", t->utf8);
    }
}

static void u16_names(struct sbuf *out, const struct tls_u16_list *l, const char *(*name)(uint16_t),
                      bool skip_grease)
{
    int k = 0;
    for (int i = 0; i < l->n; i++) {
        if (skip_grease && tls_is_grease(l->v[i])) continue;
        const char *nm = name ? name(l->v[i]) : NULL;
        if (k++) sbuf_puts(out, ", ");
        if (nm)
            sbuf_puts(out, nm);
        else
            sbuf_printf(out, "0x%04x", l->v[i]);
    }
    if (l->total > l->n) sbuf_printf(out, " (+%u not kept)", (unsigned)(l->total - l->n));
    if (k == 0 && l->total <= l->n) sbuf_puts(out, "-");
}

static const char *close_reason_text(int r)
{
    switch (r) {
    case FLOW_CLOSE_FIN: return "closed with FIN";
    case FLOW_CLOSE_RST: return "reset (RST)";
    case FLOW_CLOSE_TIMEOUT: return "idle timeout";
    case FLOW_CLOSE_EVICTED: return "evicted (flow table full)";
    case FLOW_CLOSE_END: return "still open at the end of the capture";
    case FLOW_CLOSE_REUSE: return "ended by port reuse";
    default: return "open";
    }
}

static void chain_line(struct page *pg, struct tui *t, const struct conn_record *r, int i)
{
    const struct verdict *v = &r->verdict;
    const struct chain_link *l = &v->path[i];
    struct sbuf sb;
    sbuf_init(&sb, 64 * 1024);
    char kb[128], tb[TIMEFMT_LEN];
    bool bad = i == v->cert_index && v->status == VERDICT_FAILED;
    if (i > 0) sbuf_puts(&sb, t->utf8 ? "\xe2\x94\x94\xe2\x94\x80" : "`-"); /* └─ */
    sbuf_printf(&sb, "[%d] ", i);
    if (l->src == CHAIN_FROM_STORE)
        sbuf_puts(&sb, "store  ");
    else
        sbuf_printf(&sb, "sent#%d ", l->wire_index);
    cert_name(&sb, t, l->cert);
    if (l->cert) {
        sbuf_printf(&sb, "  (%s, until %.10s", key_desc(l->cert, kb, sizeof(kb)),
                    time_iso8601_s(l->cert->not_after, tb));
        if (cert_is_self_signed(l->cert)) sbuf_puts(&sb, ", self-signed");
        sbuf_putc(&sb, ')');
    }
    enum tui_style st = ST_NORMAL;
    if (bad) {
        struct sbuf rs;
        sbuf_init(&rs, 4096);
        sbuf_printf(&sb, "  %s FAIL: %s (depth %d)", t->utf8 ? "\xe2\x86\x90" : "<--",
                    E(&rs, t, v->reason), v->depth);
        sbuf_free(&rs);
        st = ST_FAIL;
    } else if (v->anchored && i == v->n_path - 1) {
        sbuf_puts(&sb, "  anchor (trust store)");
        st = ST_ANCHOR;
    }
    int link = add_link(pg, l->cert, i, l->src == CHAIN_FROM_STORE ? -1 : l->wire_index, false);
    add_line(pg, 2 + 2 * (i > 0 ? i - 1 : 0), NULL, st, l->cert ? link : -1, sbuf_str(&sb));
    if (bad) pg->focus_link = link;
    sbuf_free(&sb);
}

static void build_chain(struct page *pg, struct tui *t, const struct conn_record *r)
{
    const struct verdict *v = &r->verdict;
    struct sbuf sb, e;
    sbuf_init(&sb, 64 * 1024);
    sbuf_init(&e, 64 * 1024);
    if (v->n_path > 0 && v->presumed) {
        addf(pg, "Chain", ST_NORMAL,
             "of the full handshake this session resumes (not sent again here); %s",
             v->anchored ? "ends at a trust anchor" : "does NOT reach a trust anchor");
        for (int i = 0; i < v->n_path; i++) chain_line(pg, t, r, i);
    } else if (v->n_path > 0) {
        addf(pg, "Chain", ST_NORMAL, "leaf to anchor as OpenSSL 1.1.1 builds it; %s",
             v->anchored ? "ends at a trust anchor" : "does NOT reach a trust anchor");
        for (int i = 0; i < v->n_path; i++) chain_line(pg, t, r, i);
        const struct cert *last = v->path[v->n_path - 1].cert;
        if (!v->anchored && last && !cert_is_self_signed(last)) {
            sbuf_reset(&sb);
            sbuf_puts(&sb, t->utf8 ? "\xe2\x94\x94\xe2\x94\x80 " : "`- ");
            sbuf_printf(&sb, "missing: %s (not sent, not in the trust store)",
                        E(&e, t, last->issuer[0] ? last->issuer : "(empty issuer)"));
            add_line(pg, 2 + 2 * (v->n_path - 1), NULL, ST_FAIL, -1, sbuf_str(&sb));
        }
        /* sent but not used on the path */
        for (int i = 0; i < r->n_chain; i++) {
            const struct cert *c = r->chain[i];
            bool used = false;
            for (int k = 0; k < v->n_path; k++) /* the store's copy counts too */
                used = used || (c && v->path[k].cert &&
                                memcmp(v->path[k].cert->sha256, c->sha256, 32) == 0);
            if (used) continue;
            sbuf_reset(&sb);
            sbuf_printf(&sb, "also sent#%d, not on the path: ", i);
            cert_name(&sb, t, c);
            int link = c ? add_link(pg, c, -1, i, false) : -1;
            add_line(pg, 2, NULL, ST_DIM, link, sbuf_str(&sb));
        }
    } else if (r->n_chain > 0) {
        addf(pg, "Chain", ST_NORMAL, "%d certificate%s as sent (not judged)", r->n_chain,
             r->n_chain == 1 ? "" : "s");
        for (int i = 0; i < r->n_chain; i++) {
            sbuf_reset(&sb);
            sbuf_printf(&sb, "[%d] sent#%d ", i, i);
            cert_name(&sb, t, r->chain[i]);
            int link = r->chain[i] ? add_link(pg, r->chain[i], -1, i, false) : -1;
            add_line(pg, 2, NULL, ST_NORMAL, link, sbuf_str(&sb));
        }
    } else {
        addf(pg, "Chain", ST_DIM, "none in the clear");
    }
    sbuf_free(&sb);
    sbuf_free(&e);
}

/* ---- Expressway log --------------------------------------------------------------- */

static int add_log_link(struct page *pg, size_t failure)
{
    if (pg->nlinks >= (int)(sizeof(pg->links) / sizeof(pg->links[0]))) return -1;
    pg->links[pg->nlinks] = (struct tlink){NULL, -1, -1, false, failure + 1};
    return pg->nlinks++;
}

/* "2022-07-11T16:55:25.922Z vcsc traffic_server[18242] (bundle.tar.gz:diag/x.txt:63)" */
static void log_origin(struct sbuf *sb, const struct tui *t, const struct explog_record *r)
{
    char tb[TIMEFMT_LEN];
    sbuf_printf(sb, "%s ", time_iso8601(r->ts_ns, 3, tb));
    tui_esc_str(sb, r->host, t->utf8);
    sbuf_putc(sb, ' ');
    tui_esc_str(sb, r->prog, t->utf8);
    if (r->pid >= 0) sbuf_printf(sb, "[%d]", r->pid);
    sbuf_puts(sb, " (");
    tui_esc_str(sb, explog_file_name(logreport_log(t->lr), r->file), t->utf8);
    sbuf_printf(sb, ":%llu)", (unsigned long long)r->line);
}

static void log_request_line(struct sbuf *sb, const struct tui *t, const struct explog_txn *tx)
{
    sbuf_puts(sb, "txn ");
    tui_esc_str(sb, tx->txn_id, t->utf8);
    if (tx->tracking_id[0]) {
        sbuf_puts(sb, ", TrackingID ");
        tui_esc_str(sb, tx->tracking_id, t->utf8);
    }
    sbuf_puts(sb, ", user ");
    tui_esc_str(sb, tx->user[0] ? tx->user : "unknown", t->utf8);
    if (tx->device[0]) {
        sbuf_puts(sb, " (device ");
        tui_esc_str(sb, tx->device, t->utf8);
        sbuf_putc(sb, ')');
    }
    sbuf_puts(sb, ": ");
    tui_log_request_full(sb, tx, t->utf8);
}

static enum tui_style agree_style(enum logcorr_agree a)
{
    return a == LOGCORR_AGREE_YES ? ST_OK : a == LOGCORR_AGREE_NO ? ST_FAIL : ST_NJ;
}

/* The connection page's "Expressway log" section: the line Expressway-C
 * logged about this connection, when, for which request, and whether it is
 * the failure tlsscope predicts. */
static void build_log_section(struct page *pg, struct tui *t, const struct conn_record *r)
{
    const struct logcorr *lc = logreport_corr(t->lr);
    const struct explog *lg = logreport_log(t->lr);
    struct sbuf sb;
    sbuf_init(&sb, 64 * 1024);
    heading(pg, "Expressway log");
    int mi = logcorr_match_for_seq(lc, r->seq);
    if (mi >= 0) {
        const struct logcorr_match *m = logcorr_match(lc, (size_t)mi);
        const struct explog_failure *f = m->f;
        int link = add_log_link(pg, (size_t)mi);
        tui_esc_str(&sb, logcorr_logged_line(f->rec), t->utf8);
        add_line(pg, 0, "Logged", ST_FAIL, link, sbuf_str(&sb));
        if (f->ssl && f->ssl != f->rec) {
            sbuf_reset(&sb);
            tui_esc_str(&sb, logcorr_logged_line(f->ssl), t->utf8);
            add_line(pg, 0, "", ST_NORMAL, -1, sbuf_str(&sb));
        }
        sbuf_reset(&sb);
        log_origin(&sb, t, f->rec);
        add_line(pg, 0, "At", ST_NORMAL, -1, sbuf_str(&sb));
        sbuf_reset(&sb);
        sbuf_puts(&sb, "log ");
        tui_log_delta(&sb, m->delta_ns);
        sbuf_printf(&sb, " from %s",
                    r->tls->chain_ts_ns ? "the server's Certificate message"
                                        : "the connection's first packet");
        if (m->late) sbuf_puts(&sb, "; paired at the end (a connection tlsscope trusts)");
        add_line(pg, 0, "Offset", ST_NORMAL, -1, sbuf_str(&sb));
        if (f->txn >= 0) {
            sbuf_reset(&sb);
            log_request_line(&sb, t, explog_txn(lg, (size_t)f->txn));
            add_line(pg, 0, "Request", ST_NORMAL, -1, sbuf_str(&sb));
        }
        sbuf_reset(&sb);
        tui_esc_str(&sb, m->comparison, t->utf8);
        add_line(pg, 0, "Agrees", agree_style(m->agrees), -1, sbuf_str(&sb));
        add_line(pg, 0, NULL, ST_DIM, -1,
                 "L: this failure in the Log view; Enter on the Logged line: everything the "
                 "log says about it");
    } else {
        /* a failing connection nobody logged: say why, when the
         * correlation kept it as an example */
        const char *why = NULL;
        for (size_t g = 0; g < logcorr_n_unmentioned(lc) && !why; g++) {
            const struct logcorr_unmentioned *u = logcorr_unmentioned(lc, g);
            for (int e = 0; e < u->n_examples && !why; e++)
                if (u->example[e].seq == r->seq && u->why[e][0]) why = u->why[e];
        }
        bool failed = r->verdict.status == VERDICT_FAILED;
        add_line(pg, 0, "Logged", failed ? ST_NJ : ST_DIM, -1,
                 r->verdict.status == VERDICT_TRUSTED
                     ? "no failure about this connection, as expected: tlsscope trusts it too"
                     : "no failure about this connection");
        if (why) {
            tui_esc_str(&sb, why, t->utf8);
            add_line(pg, 0, "Why", ST_NORMAL, -1, sbuf_str(&sb));
        } else if (failed && !logcorr_finished(lc)) {
            add_line(pg, 0, "Why", ST_DIM, -1, "known when the capture is read to the end");
        }
    }
    sbuf_free(&sb);
}

/* One log failure on its own page: everything the log says about it, the
 * request it belongs to (with the MRA route decoded), the advice from the
 * log alone, and the captured connection or why there is none. */
static void build_logentry(struct page *pg, struct tui *t)
{
    const struct logcorr *lc = logreport_corr(t->lr);
    const struct explog *lg = logreport_log(t->lr);
    const struct logcorr_match *m = logcorr_match(lc, pg->failure);
    const struct explog_failure *f = m->f;
    const struct explog_record *r = f->rec;
    struct sbuf sb;
    sbuf_init(&sb, 64 * 1024);
    char tb[TIMEFMT_LEN];
    pg->focus_link = -1;

    sbuf_puts(&sb, "Log failure ");
    log_origin(&sb, t, r);
    /* a long file name is cut, at a character boundary */
    size_t hl = sb.len < sizeof(pg->heading) ? sb.len : sizeof(pg->heading) - 1;
    while (hl > 0 && hl < sb.len && ((unsigned char)sbuf_str(&sb)[hl] & 0xC0) == 0x80) hl--;
    memcpy(pg->heading, sbuf_str(&sb), hl);
    pg->heading[hl] = '\0';

    /* the lines as logged (prefix included), each escaped */
    sbuf_reset(&sb);
    tui_esc_str(&sb, r->message, t->utf8);
    add_line(pg, 0, "Logged", ST_FAIL, -1, sbuf_str(&sb));
    if (f->ssl && f->ssl != r) {
        sbuf_reset(&sb);
        tui_esc_str(&sb, f->ssl->message, t->utf8);
        add_line(pg, 0, "", ST_NORMAL, -1, sbuf_str(&sb));
    }
    sbuf_reset(&sb);
    sbuf_puts(&sb, time_iso8601(f->ts_ns, 3, tb));
    if (r->tz_offset_min)
        sbuf_printf(&sb, " (logged as local time, UTC%+03d:%02d)", r->tz_offset_min / 60,
                    (r->tz_offset_min < 0 ? -r->tz_offset_min : r->tz_offset_min) % 60);
    add_line(pg, 0, "Time", ST_NORMAL, -1, sbuf_str(&sb));
    sbuf_reset(&sb);
    tui_esc_str(&sb, r->host, t->utf8);
    sbuf_putc(&sb, ' ');
    tui_esc_str(&sb, r->prog, t->utf8);
    if (r->pid >= 0) sbuf_printf(&sb, "[%d]", r->pid);
    if (r->thread[0]) {
        sbuf_puts(&sb, ", thread ");
        tui_esc_str(&sb, r->thread, t->utf8);
    }
    if (r->level[0]) {
        sbuf_puts(&sb, ", ");
        tui_esc_str(&sb, r->level, t->utf8);
    }
    add_line(pg, 0, "Node", ST_NORMAL, -1, sbuf_str(&sb));
    sbuf_reset(&sb);
    tui_esc_str(&sb, explog_file_name(lg, r->file), t->utf8);
    sbuf_printf(&sb, ", line %llu", (unsigned long long)r->line);
    add_line(pg, 0, "Source", ST_NORMAL, -1, sbuf_str(&sb));
    sbuf_reset(&sb);
    tui_log_server(&sb, f, t->utf8);
    if (f->port < 0) sbuf_puts(&sb, " (port unknown: no request logged with it)");
    add_line(pg, 0, "Server", ST_NORMAL, -1, sbuf_str(&sb));
    if (f->name[0]) {
        sbuf_reset(&sb);
        tui_esc_str(&sb, f->name, t->utf8);
        sbuf_puts(&sb, " (the SNI Expressway-C sent and verified)");
        add_line(pg, 0, "Name checked", ST_NORMAL, -1, sbuf_str(&sb));
    }
    sbuf_reset(&sb);
    switch (f->kind) {
    case EXPLOG_CERT_FAILED:
        tui_esc_str(&sb, f->error[0] ? f->error : "(no Error= given)", t->utf8);
        if (f->depth >= 0) sbuf_printf(&sb, " at depth %d", f->depth);
        sbuf_printf(&sb, " (%s", f->depth == 0 ? "the leaf; " : "");
        if (m->code >= 0)
            sbuf_printf(&sb, "OpenSSL code %d)", m->code);
        else
            sbuf_puts(&sb, "not an error text OpenSSL 1.1.1 writes)");
        break;
    case EXPLOG_SNI_FAILED:
        sbuf_puts(&sb, "SNI (");
        tui_esc_str(&sb, f->name, t->utf8);
        sbuf_puts(&sb, ") not in certificate: the name is neither a DNS SAN nor the first CN of "
                       "the server's certificate (as code 62, hostname mismatch)");
        break;
    default:
        sbuf_puts(&sb, "SSL connection failed; this line gives no reason (a verification line "
                       "before it would)");
        break;
    }
    add_line(pg, 0, "Error", ST_FAIL, -1, sbuf_str(&sb));
    if (r->action[0]) {
        sbuf_reset(&sb);
        tui_esc_str(&sb, r->action, t->utf8);
        sbuf_puts(&sb, strcmp(r->action, "Terminate") == 0
                           ? ": the connection was refused"
                           : ": verification is not enforced, the request went on");
        add_line(pg, 0, "Action", ST_NORMAL, -1, sbuf_str(&sb));
    }
    const struct explog_record *se = f->ssl ? f->ssl : r;
    if (se->ssl_error[0]) {
        sbuf_reset(&sb);
        tui_esc_str(&sb, se->ssl_error, t->utf8);
        add_line(pg, 0, "SSL error", ST_NORMAL, -1, sbuf_str(&sb));
    }

    heading(pg, "Request");
    if (f->txn < 0) {
        add_line(pg, 0, NULL, ST_DIM, -1,
                 "no MRA request of this node and process was logged near this failure");
    } else {
        const struct explog_txn *tx = explog_txn(lg, (size_t)f->txn);
        const struct explog_record *rq = tx->receive ? tx->receive
                                         : tx->n_sends ? tx->sends[0]
                                                       : NULL;
        sbuf_reset(&sb);
        tui_esc_str(&sb, tx->txn_id, t->utf8);
        sbuf_puts(&sb, " (node ");
        tui_esc_str(&sb, tx->host, t->utf8);
        if (tx->pid >= 0) sbuf_printf(&sb, ", process %d", tx->pid);
        sbuf_printf(&sb, "), first line at %s", time_iso8601(tx->first_ts_ns, 3, tb));
        add_line(pg, 0, "Txn-id", ST_NORMAL, -1, sbuf_str(&sb));
        if (tx->tracking_id[0]) {
            sbuf_reset(&sb);
            tui_esc_str(&sb, tx->tracking_id, t->utf8);
            add_line(pg, 0, "TrackingID", ST_NORMAL, -1, sbuf_str(&sb));
        }
        sbuf_reset(&sb);
        if (tx->user[0]) {
            tui_esc_str(&sb, tx->user, t->utf8);
            sbuf_puts(&sb, " (from the ");
            tui_esc_str(&sb, tx->user_from, t->utf8);
            sbuf_putc(&sb, ')');
            if (tx->device[0]) {
                sbuf_puts(&sb, ", device ");
                tui_esc_str(&sb, tx->device, t->utf8);
            }
        } else {
            sbuf_puts(&sb, "unknown");
        }
        add_line(pg, 0, "User", ST_NORMAL, -1, sbuf_str(&sb));
        if (rq) {
            sbuf_reset(&sb);
            tui_esc_str(&sb, rq->method[0] ? rq->method : "?", t->utf8);
            sbuf_putc(&sb, ' ');
            tui_esc_str(&sb, rq->path[0] ? rq->path : rq->target, t->utf8);
            add_line(pg, 0, "Request", ST_NORMAL, -1, sbuf_str(&sb));
            if (rq->target[0] && strcmp(rq->target, rq->path) != 0) {
                sbuf_reset(&sb);
                tui_esc_str(&sb, rq->target, t->utf8);
                add_line(pg, 0, "Target", ST_DIM, -1, sbuf_str(&sb));
            }
            if (rq->route.valid) {
                const struct explog_route *ro = &rq->route;
                sbuf_reset(&sb);
                tui_esc_str(&sb, ro->domain, t->utf8);
                sbuf_putc(&sb, '/');
                tui_esc_str(&sb, ro->protocol, t->utf8);
                sbuf_putc(&sb, '/');
                tui_esc_str(&sb, ro->host, t->utf8);
                sbuf_printf(&sb, "/%d: domain ", ro->port);
                tui_esc_str(&sb, ro->domain, t->utf8);
                sbuf_puts(&sb, ", protocol ");
                tui_esc_str(&sb, ro->protocol, t->utf8);
                sbuf_puts(&sb, ", host ");
                tui_esc_str(&sb, ro->host, t->utf8);
                sbuf_printf(&sb, ", port %d (decoded from the URL's first path segment, "
                                 "base64url)",
                            ro->port);
                add_line(pg, 0, "Route", ST_NORMAL, -1, sbuf_str(&sb));
            }
        }
        if (tx->access) {
            sbuf_reset(&sb);
            sbuf_puts(&sb, tx->access->kind == EXPLOG_REQUEST_ALLOWED ? "allowed" : "DENIED");
            if (tx->access->rule[0]) {
                sbuf_puts(&sb, " by rule ");
                tui_esc_str(&sb, tx->access->rule, t->utf8);
            }
            add_line(pg, 0, "Access", ST_NORMAL, -1, sbuf_str(&sb));
        }
        for (int k = 0; k < tx->n_sends; k++) {
            const struct explog_record *sr = tx->sends[k];
            sbuf_reset(&sb);
            tui_esc_str(&sb, sr->ip[0] ? sr->ip : "?", t->utf8);
            if (sr->port >= 0) sbuf_printf(&sb, ":%d", sr->port);
            sbuf_printf(&sb, " at %s", time_iso8601(sr->ts_ns, 3, tb));
            add_line(pg, 0, k == 0 ? "Sent to" : "", ST_NORMAL, -1, sbuf_str(&sb));
        }
        const struct explog_record *res = tx->reply ? tx->reply : tx->response;
        sbuf_reset(&sb);
        if (res) {
            sbuf_printf(&sb, "%d", res->status);
            if (res->status_text[0]) {
                sbuf_putc(&sb, ' ');
                tui_esc_str(&sb, res->status_text, t->utf8);
            }
            sbuf_printf(&sb, " (%s at %s)", tx->reply ? "sent to the client" : "from the server",
                        time_iso8601(res->ts_ns, 3, tb));
        } else {
            sbuf_puts(&sb, "none logged");
        }
        add_line(pg, 0, "Response", res && res->status >= 400 ? ST_FAIL : ST_NORMAL, -1,
                 sbuf_str(&sb));
    }

    heading(pg, "Fix (from the log alone)");
    char advice[VERDICT_ADVICE_LEN];
    verdict_advice_from_log(m->code, f->depth, f->kind == EXPLOG_SNI_FAILED, f->name, f->server_ip,
                            advice, sizeof(advice));
    sbuf_reset(&sb);
    tui_esc_str(&sb, advice, t->utf8);
    add_line(pg, 0, NULL, ST_NORMAL, -1, sbuf_str(&sb));

    heading(pg, "Capture");
    if (t->log_only) {
        add_line(pg, 0, NULL, ST_DIM, -1,
                 "no capture given: tlsscope judges the chain itself when the packets are there "
                 "(a bundle taken with \"Take tcpdump while logging\", or -r with --log)");
    } else if (m->conn >= 0) {
        const struct logcorr_conn *c = logcorr_conn(lc, (size_t)m->conn);
        sbuf_reset(&sb);
        sbuf_printf(&sb, "#%llu ", (unsigned long long)c->seq);
        tui_esc_str(&sb, c->client_ip, t->utf8);
        sbuf_printf(&sb, ":%u %s ", c->client_port, t->utf8 ? "\xe2\x86\x92" : "->");
        tui_log_conn_server(&sb, c, t->utf8);
        sbuf_puts(&sb, ": ");
        tui_log_conn_verdict(&sb, c, t->utf8);
        add_line(pg, 0, "Connection", ST_NORMAL, -1, sbuf_str(&sb));
        sbuf_reset(&sb);
        sbuf_puts(&sb, "log ");
        tui_log_delta(&sb, m->delta_ns);
        sbuf_printf(&sb, " from %s",
                    c->chain_ts_ns ? "the server's Certificate message" : "the first packet");
        add_line(pg, 0, "Offset", ST_NORMAL, -1, sbuf_str(&sb));
        sbuf_reset(&sb);
        tui_esc_str(&sb, m->comparison, t->utf8);
        add_line(pg, 0, "Agrees", agree_style(m->agrees), -1, sbuf_str(&sb));
        add_line(pg, 0, NULL, ST_DIM, -1,
                 "Enter: open the connection (its page has the fix from the certificates "
                 "themselves)");
    } else if (!logcorr_finished(lc)) {
        add_line(pg, 0, "Connection", ST_DIM, -1,
                 "none yet: the capture is still being read");
    } else {
        sbuf_reset(&sb);
        tui_esc_str(&sb, m->unmatched, t->utf8);
        add_line(pg, 0, "Connection", ST_NJ, -1, "none");
        add_line(pg, 0, "Why", ST_NORMAL, -1, sbuf_str(&sb));
    }
    sbuf_free(&sb);
}

/* Mutual TLS: the server's verdict on the client's chain (trust/clientauth.h);
 * the client's certificates themselves are listed under "Client cert" with
 * links to their certificate pages. */
static void build_client_section(struct page *pg, struct tui *t, const struct conn_record *r)
{
    const struct client_auth *ca = r->client;
    const struct verdict *v = &ca->verdict;
    struct sbuf sb, e;
    char ab[64], ab2[64];
    sbuf_init(&sb, 4096);
    sbuf_init(&e, 4096);
    heading(pg, "Client certificate (mutual TLS)");
    report_client_cell(&sb, r, t->utf8);
    add_line(pg, 0, "Verdict",
             v->status == VERDICT_FAILED ? ST_FAIL : v->status == VERDICT_TRUSTED ? ST_OK : ST_NJ,
             -1, sbuf_str(&sb));
    sbuf_reset(&sb);
    if (ca->n_ca_names_total == 0)
        sbuf_puts(&sb, "the server named no CAs");
    else
        sbuf_printf(&sb, "%u CA name%s; %s", ca->n_ca_names_total,
                    ca->n_ca_names_total == 1 ? "" : "s",
                    ca->ca_list == CA_LIST_LISTED       ? "an issuer of the client's chain is listed"
                    : ca->ca_list == CA_LIST_NOT_LISTED ? "NO issuer of the client's chain is listed"
                    : ca->ca_list == CA_LIST_INCOMPLETE ? "not in the part kept (cap)"
                                                        : "no client chain to compare");
    add_line(pg, 0, "CA list", ca->ca_list == CA_LIST_NOT_LISTED ? ST_FAIL : ST_NORMAL, -1,
             sbuf_str(&sb));
    for (int i = 0; i < ca->n_ca_names && i < TLS_MAX_CA_NAMES; i++)
        add_line(pg, 2, NULL, ST_NORMAL, -1, E(&e, t, ca->ca_names[i]));
    if (v->status != VERDICT_NOT_JUDGED) {
        sbuf_reset(&sb);
        if (v->predicted_alert >= 0)
            sbuf_printf(&sb, "server would send %s", alert_desc(v->predicted_alert, ab, sizeof(ab)));
        else
            sbuf_puts(&sb, "server would send none");
        if (v->observed_alert == -2) sbuf_puts(&sb, "; it sent an encrypted alert");
        else if (v->observed_alert >= 0)
            sbuf_printf(&sb, "; it sent %s", alert_desc(v->observed_alert, ab2, sizeof(ab2)));
        else sbuf_puts(&sb, "; it sent none");
        if (v->agrees == AGREE_YES) sbuf_puts(&sb, ": agrees");
        if (v->agrees == AGREE_NO) sbuf_puts(&sb, ": DISAGREES");
        add_line(pg, 0, "Alert", v->agrees == AGREE_NO ? ST_FAIL : ST_NORMAL, -1, sbuf_str(&sb));
    }
    if (v->status == VERDICT_FAILED && v->advice[0])
        add_line(pg, 0, "Fix", ST_NORMAL, -1, E(&e, t, v->advice));
    if (v->status == VERDICT_NOT_JUDGED && v->not_judged[0])
        add_line(pg, 0, "Why not", ST_NORMAL, -1, E(&e, t, v->not_judged));
    sbuf_free(&sb);
    sbuf_free(&e);
}

static void build_detail(struct page *pg, struct tui *t, const struct conn_record *r)
{
    const struct tls_conn *c = r->tls;
    const struct verdict *v = &r->verdict;
    const struct tui_conn *tc = pg->conn;
    struct sbuf sb, e;
    sbuf_init(&sb, 64 * 1024);
    sbuf_init(&e, 64 * 1024);
    char tb[TIMEFMT_LEN], tb2[TIMEFMT_LEN], ab[64], ab2[64], cb[8], cb2[8], vb[16];
    pg->focus_link = -1;

    snprintf(pg->heading, sizeof(pg->heading), "Connection #%llu  %s %s %s  %s",
             (unsigned long long)r->seq, tc->client, t->utf8 ? "\xe2\x86\x92" : "->", tc->server,
             time_iso8601(c->first_ts_ns, 3, tb));

    /* the verdict: the answer first */
    enum tui_style st;
    tui_marker(tc, &st);
    sbuf_reset(&sb);
    tui_verdict_text(tc, &sb);
    if (v->status == VERDICT_TRUSTED && !v->presumed) sbuf_puts(&sb, " trusted");
    add_line(pg, 0, "Verdict", st, -1, sbuf_str(&sb));
    if (v->presumed) {
        unsigned long long from = 0;
        for (size_t i = 0; i < t->store.n; i++)
            if (tui_store_at(&t->store, i)->flow_id == v->presumed_from)
                from = tui_store_at(&t->store, i)->seq;
        if (from)
            addf(pg, "Presumed", ST_NORMAL,
                 "resumed session: the verdict of the full handshake in connection #%llu", from);
        else
            addf(pg, "Presumed", ST_NORMAL,
                 "resumed session: the verdict of an earlier full handshake with this server");
    }
    if (v->status != VERDICT_NOT_JUDGED || v->name_checked[0]) {
        if (v->name_checked[0])
            addf(pg, "Name checked", ST_NORMAL, "%s (%s), %s, profile %s",
                 E(&e, t, v->name_checked), v->name_from_sni ? "the SNI" : "no SNI: the server IP",
                 v->status == VERDICT_FAILED && !v->name_ok && tc->name_failure ? "NOT covered"
                 : v->name_ok                                                   ? "covered"
                                                                                : "not reached",
                 verdict_profile_name(v->profile));
        addf(pg, "Judged at", ST_NORMAL, "%s (%s)", time_iso8601_s(judged_at(t, c), tb),
             t->o->have_at ? "--at" : "capture time");
    }
    if (v->status == VERDICT_FAILED && v->would_log[0])
        add_line(pg, 0, "Expressway-C", ST_NORMAL, -1, E(&e, t, v->would_log));
    if (v->status != VERDICT_NOT_JUDGED || v->observed_alert != -1) {
        sbuf_reset(&sb);
        if (v->predicted_alert >= 0)
            sbuf_printf(&sb, "client would send %s",
                        alert_desc(v->predicted_alert, ab, sizeof(ab)));
        else
            sbuf_puts(&sb, "client would send none");
        if (v->observed_alert == -2)
            sbuf_puts(&sb, "; it sent an encrypted alert (cannot tell which)");
        else if (v->observed_alert >= 0)
            sbuf_printf(&sb, "; it sent %s", alert_desc(v->observed_alert, ab2, sizeof(ab2)));
        else
            sbuf_puts(&sb, "; it sent none");
        if (v->agrees == AGREE_YES) sbuf_puts(&sb, ": agrees");
        if (v->agrees == AGREE_NO) sbuf_puts(&sb, ": DISAGREES");
        add_line(pg, 0, "Alert", v->agrees == AGREE_NO ? ST_FAIL : ST_NORMAL, -1, sbuf_str(&sb));
    }
    build_chain(pg, t, r);
    if (v->status == VERDICT_FAILED && v->advice[0])
        add_line(pg, 0, "Fix", ST_NORMAL, -1, E(&e, t, v->advice));
    if (v->status == VERDICT_NOT_JUDGED && v->not_judged[0])
        add_line(pg, 0, "Why not", ST_NORMAL, -1, E(&e, t, v->not_judged));
    if (t->lr) build_log_section(pg, t, r);
    if (r->client) build_client_section(pg, t, r);

    /* the handshake */
    heading(pg, "Handshake");
    addf(pg, "Client", ST_NORMAL, "%s%s", tc->client,
         c->roles_from_content ? " (role from who sent the ClientHello)" : "");
    addf(pg, "Server", ST_NORMAL, "%s", tc->server);
    double dur = (double)(c->last_ts_ns - c->first_ts_ns) / 1e9;
    addf(pg, "Time", ST_NORMAL, "%s to %s (%.3f s), %s", time_iso8601(c->first_ts_ns, 6, tb),
         time_iso8601(c->last_ts_ns, 6, tb2), dur, close_reason_text(c->close_reason));
    if (c->ch.has_sni) {
        addf(pg, "SNI", ST_NORMAL, "%s", tc->sni);
    } else if (c->ch.present) {
        addf(pg, "SNI", ST_NOSNI, "none (the client sent no server_name; [%s] is the server IP)",
             tc->server_ip_text);
    }
    if (c->tls_start_offset[0] || c->tls_start_offset[1])
        addf(
            pg, "STARTTLS", ST_NORMAL, "TLS starts after %llu/%llu plaintext bytes (client/server)",
            (unsigned long long)c->tls_start_offset[0], (unsigned long long)c->tls_start_offset[1]);
    if (c->ch.present) {
        sbuf_reset(&sb);
        const char *vn = tls_version_name(tls_conn_version(c));
        if (tls_conn_hrr_only(c)) vn = tls_version_name(tls_conn_chosen_version(c));
        sbuf_printf(&sb, "%s%s",
                    c->sh.present || tls_conn_hrr_only(c)
                        ? (vn ? vn : report_version_short(tls_conn_chosen_version(c), vb))
                        : "- (no ServerHello)",
                    tls_conn_hrr_only(c) ? " (HelloRetryRequest only, no ServerHello)" : "");
        if (c->ch.supported_versions.n) {
            sbuf_puts(&sb, "; client offered ");
            u16_names(&sb, &c->ch.supported_versions, tls_version_name, true);
        } else {
            const char *ln = tls_version_name(c->ch.legacy_version);
            sbuf_printf(&sb, "; client offered up to %s", ln ? ln : "?");
        }
        sbuf_printf(&sb, " (ClientHello 0x%04x, record 0x%04x)", c->ch.legacy_version,
                    c->ch.record_version);
        if (c->ch.sslv2_format) sbuf_puts(&sb, ", SSLv2-compatible ClientHello");
        add_line(pg, 0, "Version", ST_NORMAL, -1, sbuf_str(&sb));
    }
    if (c->sh.present) {
        int pos = 0, ng = 0;
        for (int i = 0; i < c->ch.n_ciphers; i++) {
            if (tls_is_grease(c->ch.ciphers[i])) continue;
            ng++;
            if (c->ch.ciphers[i] == c->sh.cipher && !pos) pos = ng;
        }
        sbuf_reset(&sb);
        const char *on = tls_cipher_openssl(c->sh.cipher, cb);
        const char *in = tls_cipher_iana(c->sh.cipher, cb2);
        if (strcmp(on, in) == 0)
            sbuf_printf(&sb, "%s (0x%04x)", on, c->sh.cipher);
        else
            sbuf_printf(&sb, "%s = %s (0x%04x)", on, in, c->sh.cipher);
        if (pos) sbuf_printf(&sb, ", #%d of the client's %d", pos, ng);
        add_line(pg, 0, "Cipher", ST_NORMAL, -1, sbuf_str(&sb));
    }
    if (c->ch.present) {
        sbuf_reset(&sb);
        int k = 0, grease = 0;
        for (int i = 0; i < c->ch.n_ciphers; i++) {
            if (tls_is_grease(c->ch.ciphers[i])) {
                grease++;
                continue;
            }
            if (k++) sbuf_puts(&sb, " ");
            sbuf_puts(&sb, tls_cipher_openssl(c->ch.ciphers[i], cb));
        }
        if (c->ch.n_ciphers_total > c->ch.n_ciphers)
            sbuf_printf(&sb, " (+%u not kept)",
                        (unsigned)(c->ch.n_ciphers_total - c->ch.n_ciphers));
        if (grease) sbuf_printf(&sb, " (+%d GREASE)", grease);
        if (!k) sbuf_puts(&sb, "-");
        add_line(pg, 0, "Offered", ST_NORMAL, -1, sbuf_str(&sb));

        sbuf_reset(&sb);
        if (c->ch.n_alpn) {
            sbuf_puts(&sb, "offered ");
            for (int i = 0; i < c->ch.n_alpn; i++) {
                if (i) sbuf_puts(&sb, ", ");
                tui_esc(&sb, c->ch.alpn[i].data, c->ch.alpn[i].len, t->utf8);
            }
            sbuf_puts(&sb, "; chosen ");
            if (c->sh.has_alpn)
                tui_esc(&sb, c->sh.alpn.data, c->sh.alpn.len, t->utf8);
            else
                sbuf_puts(&sb, "-");
            add_line(pg, 0, "ALPN", ST_NORMAL, -1, sbuf_str(&sb));
        }
        sbuf_reset(&sb);
        u16_names(&sb, &c->ch.groups, tls_group_name, true);
        if (c->sh.key_share_group) {
            const char *g = tls_group_name(c->sh.key_share_group);
            sbuf_printf(&sb, "; key share %s", g ? g : "?");
        } else if (c->ske_group) {
            const char *g = tls_group_name(c->ske_group);
            sbuf_printf(&sb, "; server chose %s", g ? g : "?");
        }
        if (c->hello_retry) {
            const char *g = tls_group_name(c->hrr_group);
            sbuf_printf(&sb, "; HelloRetryRequest for %s", g ? g : "?");
        }
        add_line(pg, 0, "Groups", ST_NORMAL, -1, sbuf_str(&sb));
        sbuf_reset(&sb);
        u16_names(&sb, &c->ch.sig_algs, tls_sigalg_name, true);
        add_line(pg, 0, "Sig. algs", ST_NORMAL, -1, sbuf_str(&sb));
        sbuf_reset(&sb);
        for (int i = 0; i < c->ch.n_exts; i++) {
            if (c->ch.exts[i].grease) continue;
            const char *n = tls_extension_name(c->ch.exts[i].type);
            if (sb.len) sbuf_puts(&sb, " ");
            if (n)
                sbuf_puts(&sb, n);
            else
                sbuf_printf(&sb, "0x%04x", c->ch.exts[i].type);
        }
        add_line(pg, 0, "Client exts", ST_NORMAL, -1, sb.len ? sbuf_str(&sb) : "-");
        if (c->sh.present) {
            sbuf_reset(&sb);
            for (int i = 0; i < c->sh.n_exts; i++) {
                const char *n = tls_extension_name(c->sh.exts[i].type);
                if (sb.len) sbuf_puts(&sb, " ");
                if (n)
                    sbuf_puts(&sb, n);
                else
                    sbuf_printf(&sb, "0x%04x", c->sh.exts[i].type);
            }
            add_line(pg, 0, "Server exts", ST_NORMAL, -1, sb.len ? sbuf_str(&sb) : "-");
        }
    }
    sbuf_reset(&sb);
    switch (c->resumed) {
    case TLS_RESUME_SESSION_ID: sbuf_puts(&sb, "resumed by session ID"); break;
    case TLS_RESUME_TICKET: sbuf_puts(&sb, "resumed by session ticket (RFC 5077)"); break;
    case TLS_RESUME_PSK: sbuf_puts(&sb, "resumed by pre-shared key (TLS 1.3)"); break;
    default:
        sbuf_puts(&sb, "full handshake");
        if (c->ch.session_id_len)
            sbuf_printf(&sb, "; client offered a %u-byte session ID", c->ch.session_id_len);
        if (c->ch.has_session_ticket && c->ch.session_ticket_len)
            sbuf_printf(&sb, "; client offered a %u-byte ticket", c->ch.session_ticket_len);
        if (c->ch.has_pre_shared_key) sbuf_puts(&sb, "; client offered a PSK");
        break;
    }
    if (c->new_session_ticket) sbuf_puts(&sb, "; server issued a ticket");
    sbuf_printf(&sb, "; handshake %s", c->handshake_complete ? "complete" : "NOT complete");
    add_line(pg, 0, "Session", ST_NORMAL, -1, sbuf_str(&sb));
    if (c->ch.status_request || c->cert_status) {
        sbuf_reset(&sb);
        sbuf_printf(&sb, "client %s a staple; server %s one",
                    c->ch.status_request ? "asked for" : "did not ask for",
                    c->cert_status ? "sent" : "did not send");
        if (c->server_certs.staple.present) {
            sbuf_puts(&sb, ": ");
            staple_text(&sb, r, t);
        }
        add_line(pg, 0, "OCSP", ST_NORMAL, -1, sbuf_str(&sb));
    }
    if (c->cert_request || r->n_client_chain) {
        addf(pg, "Client cert", ST_NORMAL, "%s; client sent %d certificate%s",
             c->cert_request ? "server requested one" : "not requested", r->n_client_chain,
             r->n_client_chain == 1 ? "" : "s");
        for (int i = 0; i < r->n_client_chain; i++) {
            sbuf_reset(&sb);
            sbuf_printf(&sb, "[%d] client#%d ", i, i);
            cert_name(&sb, t, r->client_chain[i]);
            int link = r->client_chain[i] ? add_link(pg, r->client_chain[i], -1, i, true) : -1;
            add_line(pg, 2, NULL, ST_NORMAL, link, sbuf_str(&sb));
        }
    }
    for (int i = 0; i < c->n_alerts; i++) {
        const struct tls_alert *al = &c->alerts[i];
        sbuf_reset(&sb);
        sbuf_printf(&sb, "+%.3f s %s %s ", (double)(al->ts_ns - c->first_ts_ns) / 1e9,
                    al->from == TLS_CLIENT ? "client" : "server", t->utf8 ? "\xe2\x86\x92" : "->");
        sbuf_puts(&sb, al->from == TLS_CLIENT ? "server: " : "client: ");
        if (al->encrypted)
            sbuf_puts(&sb, "encrypted alert");
        else
            sbuf_printf(&sb, "%s %s",
                        al->level == 2   ? "fatal"
                        : al->level == 1 ? "warning"
                                         : "level?",
                        alert_desc(al->desc, ab, sizeof(ab)));
        add_line(pg, 0, i == 0 ? "Alerts" : "",
                 al->level == 2 && !al->encrypted ? ST_FAIL : ST_NORMAL, -1, sbuf_str(&sb));
    }
    if (c->n_alerts_total > c->n_alerts)
        addf(pg, "", ST_DIM, "(+%u more alerts not kept)",
             (unsigned)(c->n_alerts_total - c->n_alerts));
    for (int i = 0; i < c->n_events; i++) {
        const struct tls_event *ev = &c->events[i];
        sbuf_reset(&sb);
        sbuf_printf(&sb, "+%.3f s %s: ", (double)(ev->ts_ns - c->first_ts_ns) / 1e9,
                    ev->side == TLS_CLIENT ? "client" : "server");
        tui_esc_str(&sb, ev->detail, t->utf8);
        add_line(pg, 0, i == 0 ? "Events" : "", ST_NORMAL, -1, sbuf_str(&sb));
    }
    if (c->n_events_total > c->n_events)
        addf(pg, "", ST_DIM, "(+%u more events not kept)",
             (unsigned)(c->n_events_total - c->n_events));
    addf(pg, "Traffic", ST_NORMAL,
         "client %s server: %llu bytes TCP, %llu bytes in %llu application records; "
         "server %s client: %llu bytes TCP, %llu bytes in %llu application records",
         t->utf8 ? "\xe2\x86\x92" : "->", (unsigned long long)c->tcp_bytes[0],
         (unsigned long long)c->app_data_bytes[0], (unsigned long long)c->app_data_records[0],
         t->utf8 ? "\xe2\x86\x92" : "->", (unsigned long long)c->tcp_bytes[1],
         (unsigned long long)c->app_data_bytes[1], (unsigned long long)c->app_data_records[1]);
    sbuf_free(&sb);
    sbuf_free(&e);
}

static void hex_colons(struct sbuf *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) sbuf_printf(out, i ? ":%02x" : "%02x", p[i]);
}

/* A list of certificate strings, one per line under one label; "+N not
 * kept" when a cap cut it. */
static void add_strs(struct page *pg, struct tui *t, const char *label, const char *prefix,
                     const struct certext_strs *l, struct sbuf *sb)
{
    for (uint16_t i = 0; i < l->n; i++) {
        sbuf_reset(sb);
        sbuf_puts(sb, prefix);
        tui_esc_str(sb, l->v[i], t->utf8);
        add_line(pg, 0, i ? "" : label, ST_NORMAL, -1, sbuf_str(sb));
    }
    if (l->total > l->n) {
        sbuf_reset(sb);
        sbuf_printf(sb, "%s(+%u not kept)", prefix, (unsigned)(l->total - l->n));
        add_line(pg, 0, l->n ? "" : label, ST_NORMAL, -1, sbuf_str(sb));
    }
}

/* What `openssl x509 -text` shows beyond the verification facts
 * (trust/certext.h): AIA, CRL distribution points, policies, name
 * constraints, and every extension with its OID and criticality. */
static void cert_page_extensions(struct page *pg, struct tui *t, const struct cert *c,
                                 struct sbuf *sb, struct sbuf *e)
{
    struct certext x;
    if (certext_read(c, &x) != 0) return;
    if (!x.has_aia) {
        add_line(pg, 0, "AIA", ST_NORMAL, -1, "absent");
    } else {
        if (x.ocsp.total) add_strs(pg, t, "AIA OCSP", "", &x.ocsp, sb);
        if (x.ca_issuers.total) add_strs(pg, t, "AIA CA issuers", "", &x.ca_issuers, sb);
        if (x.aia_other.total) add_strs(pg, t, "AIA other", "", &x.aia_other, sb);
        if (!x.ocsp.total && !x.ca_issuers.total && !x.aia_other.total)
            add_line(pg, 0, "AIA", ST_NORMAL, -1, "empty");
    }
    if (!x.has_crl_dp) add_line(pg, 0, "CRL DP", ST_NORMAL, -1, "absent");
    else if (!x.crl_dp.total) add_line(pg, 0, "CRL DP", ST_NORMAL, -1, "empty");
    else add_strs(pg, t, "CRL DP", "", &x.crl_dp, sb);
    if (!x.has_policies) add_line(pg, 0, "Policies", ST_NORMAL, -1, "absent");
    for (uint16_t i = 0; i < x.n_pol; i++) {
        const struct certext_policy *p = &x.pol[i];
        sbuf_reset(sb);
        tui_esc_str(sb, p->oid, t->utf8);
        if (p->name) sbuf_printf(sb, " (%s)", p->name);
        add_line(pg, 0, i ? "" : "Policies", ST_NORMAL, -1, sbuf_str(sb));
        add_strs(pg, t, "", "  CPS: ", &p->cps, sb);
        add_strs(pg, t, "", "  notice: ", &p->notices, sb);
    }
    if (x.n_pol_total > x.n_pol)
        addf(pg, "", ST_NORMAL, "(+%u not kept)", (unsigned)(x.n_pol_total - x.n_pol));
    if (x.has_nc) {
        add_strs(pg, t, "Name constr.", "permitted ", &x.nc_permitted, sb);
        add_strs(pg, t, x.nc_permitted.total ? "" : "Name constr.", "excluded ", &x.nc_excluded, sb);
        if (!x.nc_permitted.total && !x.nc_excluded.total)
            add_line(pg, 0, "Name constr.", ST_NORMAL, -1, "empty");
    }
    for (uint16_t i = 0; i < x.n_ext; i++) {
        const struct certext_ext *xe = &x.ext[i];
        sbuf_reset(sb);
        sbuf_puts(sb, xe->name ? xe->name : "unknown");
        sbuf_printf(sb, " (%s)%s%s", E(e, t, xe->oid), xe->critical ? " critical" : "",
                    xe->malformed ? " MALFORMED" : "");
        add_line(pg, 0, i ? "" : "Extensions", xe->malformed ? ST_FAIL : ST_NORMAL, -1,
                 sbuf_str(sb));
    }
    if (!x.n_ext_total) add_line(pg, 0, "Extensions", ST_NORMAL, -1, "none");
    if (x.n_ext_total > x.n_ext)
        addf(pg, "", ST_NORMAL, "(+%u not kept)", (unsigned)(x.n_ext_total - x.n_ext));
    if (x.ext_list_broken)
        add_line(pg, 0, "", ST_FAIL, -1, "the extension list is malformed after these");
    certext_free(&x);
}

static void build_cert(struct page *pg, struct tui *t, const struct conn_record *r)
{
    const struct cert *c = pg->target.cert;
    const struct verdict *v = &r->verdict;
    struct sbuf sb, e;
    sbuf_init(&sb, 64 * 1024);
    sbuf_init(&e, 64 * 1024);
    char tb[TIMEFMT_LEN], tb2[TIMEFMT_LEN], kb[128], sp[48];

    sbuf_reset(&sb);
    cert_name(&sb, t, c);
    snprintf(pg->heading, sizeof(pg->heading), "Certificate %s  (connection #%llu)", sbuf_str(&sb),
             (unsigned long long)r->seq);

    /* where it came from */
    sbuf_reset(&sb);
    if (pg->target.client) {
        sbuf_printf(&sb, "sent by the client, position %d", pg->target.wire_index);
    } else if (pg->target.wire_index >= 0) {
        sbuf_printf(&sb, "sent by the server, position %d%s", pg->target.wire_index,
                    pg->target.wire_index == 0 ? " (leaf)" : "");
    } else {
        const struct trust_store *st = &t->s->store;
        sbuf_puts(&sb, "trust store");
        for (size_t i = 0; i < st->n; i++)
            if (st->entries[i].cert == c) {
                sbuf_puts(&sb, ": ");
                tui_esc_str(&sb, st->entries[i].file, t->utf8);
                sbuf_printf(&sb, " (entry %d)", st->entries[i].index + 1);
                break;
            }
    }
    add_line(pg, 0, "Source", ST_NORMAL, -1, sbuf_str(&sb));
    int pi = pg->target.path_index;
    if (pi >= 0 && pi < v->n_path) {
        sbuf_reset(&sb);
        sbuf_printf(&sb, "depth %d on the verified path (%d certificate%s, leaf at depth 0)", pi,
                    v->n_path, v->n_path == 1 ? "" : "s");
        enum tui_style st = ST_NORMAL;
        if (pi == v->cert_index && v->status == VERDICT_FAILED) {
            sbuf_printf(&sb, "; FAIL here: %s (code %d)", E(&e, t, v->reason), v->code);
            st = ST_FAIL;
        } else if (v->anchored && pi == v->n_path - 1) {
            sbuf_puts(&sb, "; the trust anchor");
            st = ST_ANCHOR;
        }
        add_line(pg, 0, "In chain", st, -1, sbuf_str(&sb));
    } else if (!pg->target.client) {
        add_line(pg, 0, "In chain", ST_DIM, -1, "not on the verified path");
    }
    if (!c->parsed) add_line(pg, 0, "NOT PARSED", ST_FAIL, -1, E(&e, t, c->parse_error));
    add_line(pg, 0, "Subject", ST_NORMAL, -1, E(&e, t, c->subject[0] ? c->subject : "(empty)"));
    add_line(pg, 0, "Issuer", ST_NORMAL, -1, E(&e, t, c->issuer[0] ? c->issuer : "(empty)"));
    sbuf_reset(&sb);
    if (c->serial) {
        for (size_t i = 0; c->serial[i]; i++) {
            if (i && i % 2 == 0) sbuf_putc(&sb, ':');
            sbuf_putc(&sb, c->serial[i]);
        }
    }
    add_line(pg, 0, "Serial", ST_NORMAL, -1, sb.len ? E(&e, t, sbuf_str(&sb)) : "-");
    addf(pg, "Version", ST_NORMAL, "%d", c->version);
    addf(pg, "Not before", ST_NORMAL, "%s", time_iso8601_s(c->not_before, tb));
    addf(pg, "Not after", ST_NORMAL, "%s", time_iso8601_s(c->not_after, tb2));
    int64_t at = judged_at(t, r->tls);
    char atb[TIMEFMT_LEN];
    time_iso8601_s(at, atb);
    if (at < c->not_before)
        addf(pg, "At capture", ST_FAIL, "%s: BEFORE the validity period (not yet valid for %s)",
             atb, span(c->not_before - at, sp, sizeof(sp)));
    else if (at > c->not_after)
        addf(pg, "At capture", ST_FAIL, "%s: AFTER the validity period (expired %s before)", atb,
             span(at - c->not_after, sp, sizeof(sp)));
    else
        addf(pg, "At capture", ST_OK, "%s: inside the validity period (%s left)", atb,
             span(c->not_after - at, sp, sizeof(sp)));
    sbuf_reset(&sb);
    sbuf_printf(&sb, "%s", key_desc(c, kb, sizeof(kb)));
    if (c->key_alg[0]) {
        sbuf_puts(&sb, " (");
        tui_esc_str(&sb, c->key_alg, t->utf8);
        sbuf_putc(&sb, ')');
    }
    add_line(pg, 0, "Public key", ST_NORMAL, -1, sbuf_str(&sb));
    sbuf_reset(&sb);
    tui_esc_str(&sb, c->sig_alg[0] ? c->sig_alg : "?", t->utf8);
    if (c->sig_md5) sbuf_puts(&sb, " (MD5: rejected by OpenSSL 1.1.1 at security level 1)");
    add_line(pg, 0, "Signature", c->sig_md5 ? ST_FAIL : ST_NORMAL, -1, sbuf_str(&sb));
    addf(pg, "Self-signed", ST_NORMAL, "%s",
         cert_is_self_signed(c) ? "yes"
         : c->self_issued       ? "self-issued (subject = issuer), key ids differ"
                                : "no");
    sbuf_reset(&sb);
    for (int i = 0; i < c->n_san_dns; i++) {
        if (i) sbuf_puts(&sb, ", ");
        tui_esc_str(&sb, c->san_dns[i], t->utf8);
    }
    if (c->n_san_dns_total > c->n_san_dns)
        sbuf_printf(&sb, " (+%u not kept)", (unsigned)(c->n_san_dns_total - c->n_san_dns));
    add_line(pg, 0, "SAN DNS", ST_NORMAL, -1,
             sb.len           ? sbuf_str(&sb)
             : c->has_san_ext ? "none"
                              : "no subjectAltName extension");
    sbuf_reset(&sb);
    for (int i = 0; i < c->n_san_ip; i++) {
        char ip[64];
        if (i) sbuf_puts(&sb, ", ");
        if (c->san_ip[i].len == 4 || c->san_ip[i].len == 16)
            sbuf_puts(&sb,
                      report_ip(ip, sizeof(ip), c->san_ip[i].len == 4 ? 4 : 6, c->san_ip[i].addr));
        else
            sbuf_printf(&sb, "(%u-byte address)", c->san_ip[i].len);
    }
    if (c->n_san_ip_total > c->n_san_ip)
        sbuf_printf(&sb, " (+%u not kept)", (unsigned)(c->n_san_ip_total - c->n_san_ip));
    add_line(pg, 0, "SAN IP", ST_NORMAL, -1, sb.len ? sbuf_str(&sb) : "none");
    if (!c->has_basic_constraints)
        add_line(pg, 0, "Basic constr.", ST_NORMAL, -1, "absent");
    else if (c->is_ca && c->path_len >= 0)
        addf(pg, "Basic constr.", ST_NORMAL, "CA:TRUE, pathlen:%d", c->path_len);
    else
        addf(pg, "Basic constr.", ST_NORMAL, "%s", c->is_ca ? "CA:TRUE" : "CA:FALSE");
    sbuf_reset(&sb);
    static const struct {
        uint16_t bit;
        const char *name;
    } kus[] = {
        {CERT_KU_DIGITAL_SIGNATURE, "digitalSignature"},
        {CERT_KU_NON_REPUDIATION, "nonRepudiation"},
        {CERT_KU_KEY_ENCIPHERMENT, "keyEncipherment"},
        {CERT_KU_DATA_ENCIPHERMENT, "dataEncipherment"},
        {CERT_KU_KEY_AGREEMENT, "keyAgreement"},
        {CERT_KU_KEY_CERT_SIGN, "keyCertSign"},
        {CERT_KU_CRL_SIGN, "cRLSign"},
    };
    for (size_t i = 0; i < sizeof(kus) / sizeof(kus[0]); i++)
        if (c->key_usage & kus[i].bit) sbuf_printf(&sb, "%s%s", sb.len ? ", " : "", kus[i].name);
    add_line(pg, 0, "Key usage", ST_NORMAL, -1,
             !c->has_key_usage ? "absent"
             : sb.len          ? sbuf_str(&sb)
                               : "(none)");
    sbuf_reset(&sb);
    if (c->eku & CERT_EKU_SERVER_AUTH) sbuf_printf(&sb, "%sserverAuth", sb.len ? ", " : "");
    if (c->eku & CERT_EKU_CLIENT_AUTH) sbuf_printf(&sb, "%sclientAuth", sb.len ? ", " : "");
    if (c->eku & CERT_EKU_ANY) sbuf_printf(&sb, "%sanyExtendedKeyUsage", sb.len ? ", " : "");
    if (c->eku & CERT_EKU_OTHER) sbuf_printf(&sb, "%sother purposes", sb.len ? ", " : "");
    add_line(pg, 0, "Ext. key usage", ST_NORMAL, -1,
             !c->has_eku ? "absent"
             : sb.len    ? sbuf_str(&sb)
                         : "(none)");
    sbuf_reset(&sb);
    hex_colons(&sb, c->ski, c->ski_len);
    add_line(pg, 0, "Subject KI", ST_NORMAL, -1, sb.len ? sbuf_str(&sb) : "absent");
    sbuf_reset(&sb);
    hex_colons(&sb, c->aki, c->aki_len);
    add_line(pg, 0, "Authority KI", ST_NORMAL, -1, sb.len ? sbuf_str(&sb) : "absent");
    if (c->unknown_critical)
        addf(pg, "Critical ext.", ST_FAIL,
             "%s: not handled (OpenSSL 1.1.1 rejects the certificate)",
             E(&e, t, c->unknown_critical_oid));
    sbuf_reset(&sb);
    hex_colons(&sb, c->sha256, 32);
    add_line(pg, 0, "SHA-256", ST_NORMAL, -1, sbuf_str(&sb));
    sbuf_reset(&sb);
    hex_colons(&sb, c->sha1, 20);
    add_line(pg, 0, "SHA-1", ST_NORMAL, -1, sbuf_str(&sb));
    addf(pg, "DER", ST_NORMAL, "%u bytes", c->der_len);
    /* below the verification facts and fingerprints (the first screen an
     * admin reads), what `openssl x509 -text` adds */
    if (!pg->target.client && pg->target.wire_index == 0 && r->tls->server_certs.staple.present) {
        sbuf_reset(&sb);
        staple_text(&sb, r, t);
        add_line(pg, 0, "OCSP staple", ST_NORMAL, -1, sbuf_str(&sb));
    }
    cert_page_extensions(pg, t, c, &sb, &e);
    sbuf_free(&sb);
    sbuf_free(&e);
}

static void build_help(struct page *pg, struct tui *t)
{
    (void)t;
    snprintf(pg->heading, sizeof(pg->heading), "Keys, verdict markers, prompt editing");
    const char *group = NULL;
    struct sbuf sb;
    sbuf_init(&sb, 4096);
    for (int i = 0; i < tui_n_cmds; i++) {
        const struct tui_cmd *c = &tui_cmds[i];
        if (!group || strcmp(group, c->group) != 0) {
            if (group) add_line(pg, 0, NULL, ST_NORMAL, -1, "");
            group = c->group;
            add_line(pg, 0, NULL, ST_HEADING, -1, group);
        }
        sbuf_reset(&sb);
        tui_cmd_keys(c, &sb);
        add_line(pg, 2, sbuf_str(&sb), ST_NORMAL, -1, c->help);
    }
    add_line(pg, 0, NULL, ST_NORMAL, -1, "");
    add_line(pg, 0, NULL, ST_HEADING, -1, "Verdicts");
    add_line(pg, 2, "OK", ST_OK, -1, "the client would accept the chain");
    add_line(pg, 2, "FAIL 18@0", ST_FAIL, -1,
             "it would not: OpenSSL error code 18 at depth 0 (the leaf), then its text");
    add_line(
        pg, 2, "FAIL name", ST_FAIL, -1,
        "the certificate does not cover the name Expressway checks (the SNI, else the server IP)");
    add_line(pg, 2, "n/j", ST_NJ, -1,
             "not judged: no trust store, TLS 1.3 (certificates encrypted), resumed, no "
             "certificate seen");
    add_line(pg, 2, "OK~ FAIL~", ST_NORMAL, -1,
             "presumed: a resumed session inherits the verdict of the full handshake it resumes");
    add_line(pg, 2, "(open)", ST_NORMAL, -1, "judged, connection still going on");
    add_line(pg, 2, "; client FAIL 26@0", ST_FAIL, -1,
             "mutual TLS: the server asked for a client certificate and (with --client-trust) "
             "would refuse the client's chain; also client OK, client n/j, client FAIL: none sent");
    add_line(pg, 2, "[10.0.0.1]", ST_NOSNI, -1, "no SNI: the server IP stands in the SNI column");
    add_line(pg, 0, NULL, ST_NORMAL, -1, "");
    add_line(pg, 0, NULL, ST_HEADING, -1, "Log view (an Expressway log: bundle or --log)");
    add_line(pg, 2, "#2 agree", ST_OK, -1,
             "connection #2 is the one Expressway-C logged; tlsscope predicts the same failure");
    add_line(pg, 2, "#2 DISAGREE", ST_FAIL, -1,
             "tlsscope judges that connection otherwise (another trust store?)");
    add_line(pg, 2, "#7 cannot compare", ST_NJ, -1, "tlsscope could not judge that connection");
    add_line(pg, 2, "none: ...", ST_NJ, -1,
             "no captured connection: outside the capture's time, no connection to that "
             "address, another port or SNI, clock skew");
    add_line(pg, 2, "#6 not logged", ST_NJ, -1,
             "a failing connection the log does not mention (listed at the end)");
    add_line(pg, 0, NULL, ST_NORMAL, -1, "");
    add_line(pg, 0, NULL, ST_HEADING, -1, "Prompts");
    add_line(pg, 2, "Enter, Esc", ST_NORMAL, -1, "accept, cancel");
    add_line(pg, 2, "^A ^E ^U ^K ^W", ST_NORMAL, -1,
             "start, end, delete to start, delete to end, delete word");
    sbuf_free(&sb);
}

/* ---- wrapping and drawing ---------------------------------------------------- */

struct wrap_ctx {
    struct page *pg;
    int line;
    const char *base;
    bool first;
};

static void on_wrapped(void *ctx, const char *p, size_t len)
{
    struct wrap_ctx *w = ctx;
    struct page *pg = w->pg;
    if (pg->nphys == pg->physcap) {
        size_t ncap = pg->physcap ? pg->physcap * 2 : 128;
        struct pline *np = realloc(pg->phys, ncap * sizeof(*np));
        if (!np) return;
        pg->phys = np;
        pg->physcap = ncap;
    }
    pg->phys[pg->nphys++] = (struct pline){w->line, (size_t)(p - w->base), len, w->first};
    w->first = false;
}

static int text_x(const struct page *pg, const struct tline *l)
{
    return 1 + l->indent + (l->label ? pg->label_w : 0);
}

/* Wrap for the terminal width; the cursor and the top line stay on the
 * text they were on (a resize or a rebuild must not lose the user's place). */
static void page_wrap(struct tui *t, struct view *v, struct page *pg)
{
    if (pg->wrapped_for == t->cols) return;
    int cur_line = -1, top_line = -1;
    size_t cur_off = 0, top_off = 0;
    if (pg->nphys > 0 && v->cursor >= 0 && (size_t)v->cursor < pg->nphys) {
        cur_line = pg->phys[v->cursor].line;
        cur_off = pg->phys[v->cursor].off;
    }
    if (pg->nphys > 0 && v->top >= 0 && (size_t)v->top < pg->nphys) {
        top_line = pg->phys[v->top].line;
        top_off = pg->phys[v->top].off;
    }
    pg->nphys = 0;
    for (size_t i = 0; i < pg->n; i++) {
        struct wrap_ctx w = {pg, (int)i, pg->lines[i].text, true};
        int width = t->cols - text_x(pg, &pg->lines[i]) - 1;
        if (width < 8) width = 8;
        tui_text_wrap(pg->lines[i].text, width, on_wrapped, &w);
    }
    pg->wrapped_for = t->cols;
    for (size_t i = 0; i < pg->nphys; i++) {
        const struct pline *p = &pg->phys[i];
        if (p->line == cur_line && p->off <= cur_off) v->cursor = (int)i;
        if (p->line == top_line && p->off <= top_off) v->top = (int)i;
    }
}

static void page_draw_head(struct tui *t, struct view *v, int y)
{
    struct page *pg = v->data;
    tui_put(t, y, 0, t->cols, pg->heading, t->style[ST_COLHEAD]);
}

static void page_draw_row(struct tui *t, struct view *v, int row, int y, bool selected)
{
    struct page *pg = v->data;
    const struct pline *p = &pg->phys[row];
    const struct tline *l = &pg->lines[p->line];
    attr_t sel = selected ? A_REVERSE : 0;
    char *seg = strndup(l->text + p->off, p->len);
    if (!seg) return;
    attr_t match = v->search[0] && strcasestr(seg, v->search) ? A_UNDERLINE : 0;
    int x = 1 + l->indent;
    tui_put(t, y, 0, x, "", sel);
    if (l->label) {
        tui_put(t, y, x, pg->label_w - 1, p->first ? l->label : "", t->style[ST_LABEL] | sel);
        tui_put(t, y, x + pg->label_w - 1, 1, "", sel);
        x += pg->label_w;
    }
    tui_put(t, y, x, t->cols - x, seg, t->style[l->style] | sel | match);
    free(seg);
}

static bool page_row_matches(struct tui *t, struct view *v, int row, const char *text)
{
    struct page *pg = v->data;
    (void)t;
    const struct pline *p = &pg->phys[row];
    const struct tline *l = &pg->lines[p->line];
    char *seg = strndup(l->text + p->off, p->len);
    bool m = (seg && strcasestr(seg, text)) || (p->first && l->label && strcasestr(l->label, text));
    free(seg);
    return m;
}

static int phys_of_link(const struct page *pg, int link)
{
    for (size_t i = 0; i < pg->nphys; i++)
        if (pg->phys[i].first && pg->lines[pg->phys[i].line].link == link) return (int)i;
    return -1;
}

/* ---- connection detail ------------------------------------------------------------ */

static void detail_sync(struct tui *t, struct view *v)
{
    struct page *pg = v->data;
    /* an open connection changes (alerts, close): rebuild until it is done */
    if (!pg->built || (pg->built_open && pg->gen != t->store.gen) || pg->log_gen != t->log_gen) {
        struct conn_record *scratch = NULL;
        const struct conn_record *r = tui_conn_record(pg->conn, &scratch);
        page_clear(pg);
        if (r) {
            build_detail(pg, t, r);
        } else {
            add_line(pg, 0, NULL, ST_ERROR, -1, "out of memory");
        }
        tui_record_release(&scratch);
        pg->built = true;
        pg->built_open = pg->conn->open;
        pg->log_gen = t->log_gen;
    }
    pg->gen = t->store.gen;
    page_wrap(t, v, pg);
    v->nrows = (int)pg->nphys;
    if (!pg->cursor_placed) {
        /* start on the certificate that failed (Enter opens it), else the first one */
        int link = pg->focus_link >= 0 ? pg->focus_link : (pg->nlinks ? 0 : -1);
        int row = link >= 0 ? phys_of_link(pg, link) : 0;
        v->cursor = row > 0 ? row : 0;
        v->top = 0;
        pg->cursor_placed = true;
    }
}

static const struct tlink *link_at_cursor(struct view *v)
{
    struct page *pg = v->data;
    if (v->cursor < 0 || (size_t)v->cursor >= pg->nphys) return NULL;
    int link = pg->lines[pg->phys[v->cursor].line].link;
    return link >= 0 ? &pg->links[link] : NULL;
}

/* E: the server's chain, or the client's when on one of its lines (or its
 * certificate's page) */
static void export_chain(struct tui *t, struct tui_conn *conn, bool client)
{
    struct conn_record *scratch = NULL;
    const struct conn_record *r = tui_conn_record(conn, &scratch);
    if (!r) {
        tui_message(t, true, "out of memory");
        return;
    }
    const struct cert *certs[TUI_EXPORT_MAX];
    int n = tui_chain_certs(r, client, certs, TUI_EXPORT_MAX);
    tui_record_release(&scratch);
    if (n == 0)
        tui_message(t, true, "this connection has no certificate in the clear");
    else
        tui_export_prompt(t, conn, certs, n, true);
}

static bool detail_request(struct tui *t, struct view *v, enum tui_req req)
{
    struct page *pg = v->data;
    const struct tlink *l = link_at_cursor(v);
    switch (req) {
    case TUI_REQ_ENTER:
        if (l && l->log) {
            tui_push(t, view_logentry_new(t, l->log - 1));
            return true;
        }
        if (!l || !l->cert) {
            tui_message(t, false, "Enter opens a certificate: move to a chain line");
            return true;
        }
        tui_push(t, view_cert_new(t, v, l->cert, l->path_index, l->wire_index, l->client));
        return true;
    case TUI_REQ_EXPORT: {
        const struct cert *c = l ? l->cert : NULL; /* NULL on the log line too */
        if (!c) {
            struct conn_record *scratch = NULL;
            const struct conn_record *r = tui_conn_record(pg->conn, &scratch);
            c = r ? tui_default_cert(r) : NULL;
            tui_record_release(&scratch);
        }
        if (!c)
            tui_message(t, true, "this connection has no certificate in the clear");
        else
            tui_export_prompt(t, pg->conn, &c, 1, false);
        return true;
    }
    case TUI_REQ_EXPORT_CHAIN: export_chain(t, pg->conn, l && l->client); return true;
    default: return false;
    }
}

static void page_free(struct page *pg)
{
    page_clear(pg);
    free(pg->lines);
    free(pg->phys);
    free(pg);
}

static void detail_close(struct tui *t, struct view *v)
{
    struct page *pg = v->data;
    if (!pg) return;
    tui_store_unpin(&t->store, pg->conn);
    page_free(pg);
}

static const struct view_ops detail_ops = {
    .name = "Connection",
    .where = TUI_IN_DETAIL,
    .line_cursor = true,
    .sync = detail_sync,
    .draw_head = page_draw_head,
    .draw_row = page_draw_row,
    .request = detail_request,
    .row_matches = page_row_matches,
    .close = detail_close,
};

static struct view *page_view_new(const struct view_ops *ops, enum page_kind kind)
{
    struct view *v = calloc(1, sizeof(*v));
    struct page *pg = calloc(1, sizeof(*pg));
    if (!v || !pg) {
        free(v);
        free(pg);
        return NULL;
    }
    pg->kind = kind;
    pg->label_w = kind == PAGE_HELP ? HELP_LABEL_W : LABEL_W;
    pg->wrapped_for = -1;
    pg->focus_link = -1;
    v->ops = ops;
    v->data = pg;
    return v;
}

struct view *view_detail_new(struct tui *t, struct tui_conn *c)
{
    struct view *v = page_view_new(&detail_ops, PAGE_DETAIL);
    if (!v) return NULL;
    struct page *pg = v->data;
    pg->conn = c;
    tui_store_pin(&t->store, c);
    snprintf(v->title, sizeof(v->title), "Connection #%llu", (unsigned long long)c->seq);
    return v;
}

/* ---- certificate -------------------------------------------------------------- */

static void cert_sync(struct tui *t, struct view *v)
{
    struct page *pg = v->data;
    if (!pg->built) {
        struct page *dp = pg->detail->data;
        struct conn_record *scratch = NULL;
        const struct conn_record *r = tui_conn_record(dp->conn, &scratch);
        page_clear(pg);
        if (r)
            build_cert(pg, t, r);
        else
            add_line(pg, 0, NULL, ST_ERROR, -1, "out of memory");
        tui_record_release(&scratch);
        pg->built = true;
    }
    page_wrap(t, v, pg);
    v->nrows = (int)pg->nphys;
}

static bool cert_request(struct tui *t, struct view *v, enum tui_req req)
{
    struct page *pg = v->data;
    struct page *dp = pg->detail->data;
    switch (req) {
    case TUI_REQ_EXPORT: tui_export_prompt(t, dp->conn, &pg->target.cert, 1, false); return true;
    case TUI_REQ_EXPORT_CHAIN: export_chain(t, dp->conn, pg->target.client); return true;
    default: return false;
    }
}

static void cert_close(struct tui *t, struct view *v)
{
    (void)t;
    if (v->data) page_free(v->data);
}

static const struct view_ops cert_ops = {
    .name = "Certificate",
    .where = TUI_IN_CERT,
    .line_cursor = false,
    .sync = cert_sync,
    .draw_head = page_draw_head,
    .draw_row = page_draw_row,
    .request = cert_request,
    .row_matches = page_row_matches,
    .close = cert_close,
};

struct view *view_cert_new(struct tui *t, struct view *detail, const struct cert *cert,
                           int path_index, int wire_index, bool client_chain)
{
    (void)t;
    struct view *v = page_view_new(&cert_ops, PAGE_CERT);
    if (!v) return NULL;
    struct page *pg = v->data;
    pg->detail = detail;
    pg->target = (struct tlink){cert, path_index, wire_index, client_chain, 0};
    struct sbuf sb;
    sbuf_init(&sb, sizeof(v->title) - 16);
    cert_name(&sb, t, cert);
    snprintf(v->title, sizeof(v->title), "Certificate %s", sbuf_str(&sb));
    sbuf_free(&sb);
    return v;
}

/* ---- log failure ------------------------------------------------------------------ */

static void logentry_sync(struct tui *t, struct view *v)
{
    struct page *pg = v->data;
    /* rebuilt when the correlation is final (its connection, or why none) */
    if (!pg->built || pg->log_gen != t->log_gen || (!logcorr_finished(logreport_corr(t->lr)) &&
                                                    pg->gen != t->store.gen)) {
        page_clear(pg);
        build_logentry(pg, t);
        pg->built = true;
        pg->log_gen = t->log_gen;
    }
    pg->gen = t->store.gen;
    page_wrap(t, v, pg);
    v->nrows = (int)pg->nphys;
}

static bool logentry_request(struct tui *t, struct view *v, enum tui_req req)
{
    struct page *pg = v->data;
    if (req != TUI_REQ_ENTER) return false;
    const struct logcorr_match *m = logcorr_match(logreport_corr(t->lr), pg->failure);
    if (t->log_only || m->conn < 0) {
        tui_message(t, false, "no captured connection to open for this failure");
        return true;
    }
    /* opened from that connection's page: back to it rather than a copy */
    const struct view *parent = v->parent;
    if (parent && parent->ops->where == TUI_IN_DETAIL &&
        ((const struct page *)parent->data)->conn->seq == m->conn_seq) {
        tui_pop(t);
        return true;
    }
    tui_open_conn(t, m->conn_seq);
    return true;
}

static void logentry_close(struct tui *t, struct view *v)
{
    (void)t;
    if (v->data) page_free(v->data);
}

static const struct view_ops logentry_ops = {
    .name = "Log failure",
    .where = TUI_IN_LOGENTRY,
    .line_cursor = false,
    .sync = logentry_sync,
    .draw_head = page_draw_head,
    .draw_row = page_draw_row,
    .request = logentry_request,
    .row_matches = page_row_matches,
    .close = logentry_close,
};

uint64_t view_detail_seq(const struct view *v)
{
    return ((const struct page *)v->data)->conn->seq;
}

size_t view_logentry_failure(const struct view *v)
{
    return ((const struct page *)v->data)->failure;
}

struct view *view_logentry_new(struct tui *t, size_t failure)
{
    if (!t->lr || failure >= logcorr_n_matches(logreport_corr(t->lr))) return NULL;
    struct view *v = page_view_new(&logentry_ops, PAGE_LOGENTRY);
    if (!v) return NULL;
    struct page *pg = v->data;
    pg->failure = failure;
    const struct explog_failure *f = logcorr_match(logreport_corr(t->lr), failure)->f;
    char tb[TIMEFMT_LEN];
    snprintf(v->title, sizeof(v->title), "Log failure at %s", time_iso8601(f->ts_ns, 3, tb));
    return v;
}

/* ---- help ---------------------------------------------------------------------- */

static void help_sync(struct tui *t, struct view *v)
{
    struct page *pg = v->data;
    if (!pg->built) {
        build_help(pg, t);
        pg->built = true;
    }
    page_wrap(t, v, pg);
    v->nrows = (int)pg->nphys;
}

static void help_close(struct tui *t, struct view *v)
{
    (void)t;
    if (v->data) page_free(v->data);
}

static const struct view_ops help_ops = {
    .name = "Help",
    .where = TUI_IN_HELP,
    .line_cursor = false,
    .sync = help_sync,
    .draw_head = page_draw_head,
    .draw_row = page_draw_row,
    .row_matches = page_row_matches,
    .close = help_close,
};

struct view *view_help_new(struct tui *t)
{
    (void)t;
    struct view *v = page_view_new(&help_ops, PAGE_HELP);
    if (v) snprintf(v->title, sizeof(v->title), "Help");
    return v;
}
