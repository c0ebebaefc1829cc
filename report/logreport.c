/* logreport.c — diagnostic bundles and Expressway logs in the batch
 * report (see logreport.h). Everything shown from a log or a file name went
 * through esc_text (terminal) or the JSON writer: log lines are as hostile
 * as packets.
 */
#include "logreport.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "capture/bundle.h"
#include "common/escape.h"
#include "common/timefmt.h"
#include "dissect/keylog.h"
#include "engine/session.h"

#define REQUESTS_LISTED 50 /* all requests listed without -v when there are no more */
#define FAILED_LISTED 200  /* requests without success listed without -v */

struct input_note {
    const char *path;        /* as given */
    bool log_only;           /* --log */
    bool passthrough;        /* handed to the capture reader as is */
    size_t lo, hi;           /* its items in b.items */
    char err[512];
};

struct logreport {
    const struct cli_opts *o;
    struct bundle b;
    struct explog *lg;
    struct logcorr *lc;
    struct cap_input_spec *specs;
    int nspecs;
    struct input_note *inputs;
    int ninputs;
    bool active;
    bool captures;           /* the pipeline has inputs */
    bool scanning_log_only;
    int input_errors;
    bool finished;
    bool no_records_error;
    uint64_t json_lines;
    int64_t cap_first, cap_last; /* packet time range, at finish */
    uint64_t last_seq;       /* the record logreport_conn saw last, */
    int last_match;          /* and the log failure it claimed (-1) */
    char first_error[512];   /* the first input error said on stderr (the browser
                                shows it once curses hides stderr) */
    /* text members that are key logs go to the key log, not to explog */
    struct keylog *kl;
    int member_kind;         /* 0 undecided, 1 log text, 2 key log (this member) */
    uint8_t *kl_buf;         /* the key log member, whole (at most KEYLOG_MEMBER_MAX) */
    size_t kl_len, kl_cap;
    bool kl_capped;
    int keylogs;             /* key log members read */
};

#define KEYLOG_MEMBER_MAX (64u * 1024 * 1024)

/* ---- reading ------------------------------------------------------------ */

static int sink_begin(void *ctx, const struct bundle_item *it)
{
    struct logreport *lr = ctx;
    lr->member_kind = 0;
    lr->kl_len = 0;
    lr->kl_capped = false;
    return explog_begin_file(lr->lg, it->display) == EXPLOG_OK ? 0 : -1;
}

static int sink_data(void *ctx, const void *p, size_t n)
{
    struct logreport *lr = ctx;
    /* the first bytes decide: an NSS key log (SSLKEYLOGFILE) or a log */
    if (lr->member_kind == 0)
        lr->member_kind = lr->kl && !lr->scanning_log_only && keylog_text_looks_like(p, n) ? 2 : 1;
    if (lr->member_kind == 1) return explog_feed(lr->lg, p, n) == EXPLOG_OK ? 0 : -1;
    if (n > KEYLOG_MEMBER_MAX - lr->kl_len) {
        lr->kl_capped = true;
        return -1;
    }
    if (lr->kl_len + n > lr->kl_cap) {
        size_t cap = lr->kl_cap ? lr->kl_cap : 65536;
        while (cap < lr->kl_len + n) cap *= 2;
        uint8_t *nb = realloc(lr->kl_buf, cap);
        if (!nb) return -1;
        lr->kl_buf = nb;
        lr->kl_cap = cap;
    }
    memcpy(lr->kl_buf + lr->kl_len, p, n);
    lr->kl_len += n;
    return 0;
}

static void sink_end(void *ctx, const struct bundle_item *it)
{
    struct logreport *lr = ctx;
    explog_end_file(lr->lg);
    if (lr->member_kind != 2) return;
    const char *name = strrchr(it->display, '/');
    keylog_add_text(lr->kl, name ? name + 1 : it->display, lr->kl_buf, lr->kl_len);
    lr->keylogs++;
    if (lr->kl_capped)
        fprintf(stderr, "tlsscope: %s: key log larger than %u MiB: the rest is not read\n",
                it->display, KEYLOG_MEMBER_MAX >> 20);
}

static void print_err(struct logreport *lr, const char *msg)
{
    if (!lr->first_error[0]) snprintf(lr->first_error, sizeof(lr->first_error), "%s", msg);
    struct sbuf sb;
    sbuf_init(&sb, 0);
    esc_text_str(&sb, msg, frontend_utf8());
    fprintf(stderr, "tlsscope: %s\n", sbuf_str(&sb));
    sbuf_free(&sb);
}

static void add_spec(struct logreport *lr, const struct bundle_item *it, const char *path)
{
    struct cap_input_spec *s = &lr->specs[lr->nspecs++];
    memset(s, 0, sizeof(*s));
    if (it && it->container) {
        s->path = it->container;
        s->member = it->path;
        s->member_index = it->index;
        s->display = it->display;
    } else {
        s->path = it ? it->path : path;
    }
    s->limits = &lr->b.lim;
    s->budget = &lr->b.budget;
}

/* Classify one input; returns false when it must go to the capture reader
 * unchanged. */
static void take_input(struct logreport *lr, const char *path, bool log_only)
{
    struct input_note *in = &lr->inputs[lr->ninputs++];
    memset(in, 0, sizeof(*in));
    in->path = path;
    in->log_only = log_only;
    in->lo = in->hi = lr->b.n;
    struct stat st;
    bool plain = strcmp(path, "-") == 0 || stat(path, &st) != 0 ||
                 !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode));
    if (plain) {
        if (log_only) {
            snprintf(in->err, sizeof(in->err), "--log %s: %s", path,
                     strcmp(path, "-") == 0 ? "standard input is not read as a log"
                                            : strerror(errno ? errno : ENOENT));
            print_err(lr, in->err);
            lr->input_errors++;
            return;
        }
        in->passthrough = true;
        add_spec(lr, NULL, path);
        return;
    }
    if (S_ISDIR(st.st_mode) || log_only) lr->active = true;
    lr->scanning_log_only = log_only;
    struct bundle_text_sink sink = {lr, sink_begin, sink_data, sink_end};
    int rc = bundle_add_path(&lr->b, path, &sink, in->err, sizeof(in->err));
    in->hi = lr->b.n;
    if (rc < 0) {
        print_err(lr, in->err);
        lr->input_errors++;
        lr->active = true;
    }
    for (size_t i = in->lo; i < in->hi; i++) {
        struct bundle_item *it = &lr->b.items[i];
        if (it->container) lr->active = true;
        if (it->kind == BUNDLE_TEXT) {
            lr->active = true;
            if (it->capped) {
                char msg[700];
                snprintf(msg, sizeof(msg), "%s: %s", it->display, it->note);
                print_err(lr, msg);
                lr->input_errors++;
            }
        }
        if (it->kind == BUNDLE_CAPTURE && !log_only) add_spec(lr, it, NULL);
        if (it->unread_capture && !log_only) {
            /* the answer would cover less than was given: say so, exit 2 */
            char msg[900];
            snprintf(msg, sizeof(msg), "%s: %s", it->display, it->note);
            print_err(lr, msg);
            lr->input_errors++;
            lr->active = true;
        }
    }
    if (rc == 1 && !log_only) {
        /* a single file that is no capture, archive or text: let the
         * capture reader say so in its words */
        lr->b.n--;
        free(lr->b.items[lr->b.n].container);
        free(lr->b.items[lr->b.n].path);
        free(lr->b.items[lr->b.n].display);
        in->hi = lr->b.n;
        in->passthrough = true;
        add_spec(lr, NULL, path);
    }
}

struct logreport *logreport_open(const struct cli_opts *o, struct keylog *kl)
{
    struct logreport *lr = calloc(1, sizeof(*lr));
    if (!lr) return NULL;
    lr->o = o;
    lr->kl = kl;
    struct bundle_limits lim;
    bundle_limits_default(&lim);
    if (o->bundle_max_member) lim.max_member = o->bundle_max_member;
    if (o->bundle_max_total) lim.max_total = o->bundle_max_total;
    bundle_init(&lr->b, &lim);
    lr->lg = explog_new(NULL);
    int n = o->n_files + o->n_logs;
    /* each input is at most one pass-through spec; bundles add their
     * captures, at most lim.max_captures in all */
    lr->specs = calloc((size_t)n + lim.max_captures + 1, sizeof(*lr->specs));
    lr->inputs = calloc((size_t)n + 1, sizeof(*lr->inputs));
    if (!lr->lg || !lr->specs || !lr->inputs) {
        logreport_free(lr);
        return NULL;
    }
    if (o->n_logs) lr->active = true;
    for (int i = 0; i < o->n_files; i++) take_input(lr, o->files[i], false);
    for (int i = 0; i < o->n_logs; i++) take_input(lr, o->logs[i], true);
    explog_finish(lr->lg);
    free(lr->kl_buf);
    lr->kl_buf = NULL;
    if (lr->keylogs) frontend_keylog_problems(kl);
    lr->captures = lr->nspecs > 0;
    struct logcorr_opts co = {.window_ns = o->log_window_ns};
    lr->lc = logcorr_new(lr->lg, &co);
    if (!lr->lc) {
        logreport_free(lr);
        return NULL;
    }
    if (lr->active && !lr->captures && explog_stats(lr->lg)->records == 0) {
        lr->no_records_error = true;
        lr->input_errors++;
        /* say which input is what: a text file given by mistake (notes.tsv)
         * must be named, not only counted */
        int said = 0;
        for (int i = 0; i < lr->ninputs; i++) {
            const struct input_note *in = &lr->inputs[i];
            if (in->err[0] || in->hi == in->lo) continue; /* said when read */
            char msg[700];
            const struct bundle_item *it = &lr->b.items[in->lo];
            if (in->hi - in->lo == 1 && !it->container)
                snprintf(msg, sizeof(msg), "%s: %s without any Expressway log record, not a capture",
                         it->display, it->kind == BUNDLE_TEXT ? "a text file" : it->what);
            else
                snprintf(msg, sizeof(msg), "%s: %zu files, no capture and no Expressway log "
                         "record among them", in->path, in->hi - in->lo);
            print_err(lr, msg);
            said++;
        }
        if (said != 1)
            fprintf(stderr, "tlsscope: no capture and no Expressway log record in the input%s: "
                            "nothing to report\n", n == 1 ? "" : "s");
        else
            fprintf(stderr, "tlsscope: nothing to report\n");
    }
    return lr;
}

void logreport_free(struct logreport *lr)
{
    if (!lr) return;
    logcorr_free(lr->lc);
    explog_free(lr->lg);
    bundle_free(&lr->b);
    free(lr->specs);
    free(lr->inputs);
    free(lr);
}

bool logreport_active(const struct logreport *lr) { return lr && lr->active; }
bool logreport_log_only(const struct logreport *lr) { return lr && lr->active && !lr->captures; }
const struct cap_input_spec *logreport_inputs(const struct logreport *lr, int *n)
{
    *n = lr->nspecs;
    return lr->specs;
}
const struct explog *logreport_log(const struct logreport *lr) { return lr->lg; }
const struct logcorr *logreport_corr(const struct logreport *lr) { return lr->lc; }

void logreport_conn(struct logreport *lr, const struct conn_record *r)
{
    if (!lr || !lr->active) return;
    lr->last_seq = r->seq;
    lr->last_match = logcorr_add_conn(lr->lc, r);
}

void logreport_finish(struct logreport *lr, const struct pipeline_stats *ps)
{
    if (lr->finished) return;
    lr->finished = true;
    lr->cap_first = ps ? ps->first_ts_ns : 0;
    lr->cap_last = ps ? ps->last_ts_ns : 0;
    logcorr_finish(lr->lc, lr->captures, ps ? ps->first_ts_ns : 0, ps ? ps->last_ts_ns : 0);
}

const char *logreport_first_error(const struct logreport *lr)
{
    return lr ? lr->first_error : "";
}

int logreport_status(const struct logreport *lr)
{
    if (!lr) return EXIT_TRUSTED;
    if (lr->input_errors) return EXIT_USAGE;
    return explog_n_failures(lr->lg) ? EXIT_FAILED : EXIT_TRUSTED;
}

/* ---- text helpers ----------------------------------------------------- */

struct out {
    FILE *f;
    bool utf8;
};

static void put(struct out *o, const char *s)
{
    struct sbuf sb;
    sbuf_init(&sb, 0);
    esc_text_str(&sb, s, o->utf8);
    fputs(sbuf_str(&sb), o->f);
    sbuf_free(&sb);
}

static const char *ts(int64_t ns)
{
    static char b[4][TIMEFMT_LEN];
    static int k;
    return time_iso8601(ns, 3, b[k++ % 4]);
}

static const char *file_of(const struct logreport *lr, const struct explog_record *r)
{
    return explog_file_name(lr->lg, r->file);
}

/* "GET /CSFemusk.cnf.xml via steven.lab/https/cucm.steven.lab/6972" */
static void put_request(struct out *o, const struct explog_txn *t)
{
    const struct explog_record *rq = t->receive ? t->receive : t->n_sends ? t->sends[0] : NULL;
    if (!rq) {
        fputs("(request not logged)", o->f);
        return;
    }
    put(o, rq->method[0] ? rq->method : "?");
    fputc(' ', o->f);
    put(o, rq->path[0] ? rq->path : rq->target);
    if (rq->route.valid) {
        char b[16];
        fputs(" via ", o->f);
        put(o, rq->route.domain);
        fputc('/', o->f);
        put(o, rq->route.protocol);
        fputc('/', o->f);
        put(o, rq->route.host);
        snprintf(b, sizeof(b), "/%d", rq->route.port);
        fputs(b, o->f);
    }
}

static void put_user(struct out *o, const struct explog_txn *t)
{
    if (!t->user[0]) {
        fputs("user unknown", o->f);
        return;
    }
    fputs("user ", o->f);
    put(o, t->user);
    if (t->device[0]) {
        fputs(" (device ", o->f);
        put(o, t->device);
        fputc(')', o->f);
    }
}

static void put_result(struct out *o, const struct explog_txn *t)
{
    const struct explog_record *r = t->reply ? t->reply : t->response;
    if (!r) {
        fputs("no response logged", o->f);
        return;
    }
    fprintf(o->f, "%d", r->status);
    if (r->status_text[0]) {
        fputc(' ', o->f);
        put(o, r->status_text);
    }
}

/* "self signed certificate (depth 0)" / "SNI (x) not in certificate" */
static void put_reason(struct out *o, const struct explog_failure *f)
{
    if (f->rec->action[0] && strcmp(f->rec->action, "Terminate") != 0) {
        /* verification not enforced: the request went on */
        fputs("[Action=", o->f);
        put(o, f->rec->action);
        fputs(", not enforced] ", o->f);
    }
    switch (f->kind) {
    case EXPLOG_CERT_FAILED:
        put(o, f->error[0] ? f->error : "certificate verification failed");
        if (f->depth >= 0) fprintf(o->f, " (depth %d)", f->depth);
        break;
    case EXPLOG_SNI_FAILED:
        fputs("SNI (", o->f);
        put(o, f->name);
        fputs(") not in certificate", o->f);
        break;
    default:
        fputs("SSL connection failed: ", o->f);
        put(o, f->ssl ? f->ssl->ssl_error : "");
        break;
    }
}

static void put_server(struct out *o, const struct explog_failure *f)
{
    put(o, f->server_host[0] ? f->server_host : f->name);
    if (f->server_ip[0] || f->port >= 0) {
        fputs(" (", o->f);
        put(o, f->server_ip[0] ? f->server_ip : "?");
        if (f->port >= 0) fprintf(o->f, ":%d", f->port);
        fputc(')', o->f);
    }
}

static void put_conn(struct out *o, const struct logcorr_conn *c)
{
    fprintf(o->f, "#%llu ", (unsigned long long)c->seq);
    put(o, c->client_ip);
    fprintf(o->f, ":%u -> ", c->client_port);
    put(o, c->server_ip);
    fprintf(o->f, ":%u", c->server_port);
    if (c->has_sni) {
        fputs(" SNI ", o->f);
        put(o, c->sni);
    } else {
        fputs(" (no SNI)", o->f);
    }
}

static void put_verdict(struct out *o, const struct logcorr_conn *c)
{
    if (c->status == VERDICT_TRUSTED) {
        fputs("trusted", o->f);
    } else if (c->status == VERDICT_NOT_JUDGED) {
        fputs("not judged: ", o->f);
        put(o, c->not_judged);
    } else if (c->name_failure) {
        fputs("FAILED name: ", o->f);
        put(o, c->reason);
    } else {
        fprintf(o->f, "FAILED %d@%d ", c->code, c->depth);
        put(o, c->reason);
    }
}

static void put_failure_head(struct out *o, const struct logreport *lr,
                             const struct explog_failure *f)
{
    const struct explog_record *r = f->rec;
    fprintf(o->f, "- %s ", ts(f->ts_ns));
    put(o, r->host);
    fputc(' ', o->f);
    put(o, r->prog);
    if (r->pid >= 0) fprintf(o->f, "[%d]", r->pid);
    fputs(" (", o->f);
    put(o, file_of(lr, r));
    fprintf(o->f, ":%llu)\n", (unsigned long long)r->line);
    fputs("    logged:    ", o->f);
    put(o, logcorr_logged_line(r));
    fputc('\n', o->f);
    if (f->ssl && f->ssl != r) {
        fputs("               ", o->f);
        put(o, logcorr_logged_line(f->ssl));
        fputc('\n', o->f);
    }
    if (f->txn >= 0) {
        const struct explog_txn *t = explog_txn(lr->lg, (size_t)f->txn);
        fputs("    request:   txn ", o->f);
        put(o, t->txn_id);
        if (t->tracking_id[0]) {
            fputs(", TrackingID ", o->f);
            put(o, t->tracking_id);
        }
        fputs(", ", o->f);
        put_user(o, t);
        fputs(": ", o->f);
        put_request(o, t);
        fputs(" -> ", o->f);
        put_result(o, t);
        fputc('\n', o->f);
    }
}

/* ---- the sections -------------------------------------------------------- */

static void print_inputs(struct out *o, const struct logreport *lr)
{
    fputs("\nInputs:\n", o->f);
    for (int i = 0; i < lr->ninputs; i++) {
        const struct input_note *in = &lr->inputs[i];
        fputs("  ", o->f);
        put(o, in->path);
        if (in->log_only) fputs(" (--log)", o->f);
        if (in->passthrough) {
            fputs(": read as a capture file\n", o->f);
            continue;
        }
        unsigned caps = 0, logs = 0, text = 0, other = 0;
        for (size_t k = in->lo; k < in->hi; k++) {
            const struct bundle_item *it = &lr->b.items[k];
            if (it->kind == BUNDLE_CAPTURE) caps++;
            else if (it->kind == BUNDLE_TEXT) {
                /* a text member is a log when it had records */
                bool is_log = false;
                for (size_t f = 0; f < explog_n_files(lr->lg); f++)
                    if (strcmp(explog_file_name(lr->lg, f), it->display) == 0)
                        is_log = explog_file_records(lr->lg, f) > 0;
                if (is_log) logs++;
                else text++;
            } else other++;
        }
        fprintf(o->f, ": %u capture%s, %u log%s, %u other text file%s, %u other file%s%s\n",
                caps, caps == 1 ? "" : "s", logs, logs == 1 ? "" : "s", text,
                text == 1 ? "" : "s", other, other == 1 ? "" : "s", in->err[0] ? " (incomplete)" : "");
        for (size_t k = in->lo; k < in->hi; k++) {
            const struct bundle_item *it = &lr->b.items[k];
            uint64_t recs = 0;
            bool log = false;
            if (it->kind == BUNDLE_TEXT) {
                for (size_t f = 0; f < explog_n_files(lr->lg); f++) {
                    if (strcmp(explog_file_name(lr->lg, f), it->display) != 0) continue;
                    recs = explog_file_records(lr->lg, f);
                    log = recs > 0;
                }
            }
            bool show = it->kind == BUNDLE_CAPTURE || log || it->note[0] ||
                        it->kind == BUNDLE_ARCHIVE;
            if (!show) continue;
            const char *label = it->kind == BUNDLE_CAPTURE ? "capture"
                                : log                      ? "log"
                                : it->kind == BUNDLE_TEXT  ? "text"
                                : it->kind == BUNDLE_ARCHIVE ? "archive"
                                                             : "skipped";
            fprintf(o->f, "    %-8s ", label);
            put(o, it->container ? it->path : it->path);
            fputs(" (", o->f);
            put(o, it->what);
            if (it->size >= 0 && it->kind == BUNDLE_CAPTURE && !it->gzip) {
                char b[32];
                fprintf(o->f, ", %s", bundle_size_text((uint64_t)it->size, b));
            }
            if (log) fprintf(o->f, ", %llu record%s", (unsigned long long)recs, recs == 1 ? "" : "s");
            if (it->kind == BUNDLE_CAPTURE && in->log_only) fputs(", not read: given with --log", o->f);
            fputc(')', o->f);
            if (it->note[0]) {
                fputs(": ", o->f);
                put(o, it->note);
            }
            fputc('\n', o->f);
        }
        if (in->err[0]) {
            fputs("    error: ", o->f);
            put(o, in->err);
            fputc('\n', o->f);
        }
    }
}

static void print_log_stats(struct out *o, const struct logreport *lr)
{
    const struct explog_stats *s = explog_stats(lr->lg);
    size_t logs = 0;
    for (size_t f = 0; f < explog_n_files(lr->lg); f++)
        if (explog_file_records(lr->lg, f)) logs++;
    size_t nt = explog_n_txns(lr->lg), nf = explog_n_failures(lr->lg);
    fprintf(o->f, "\nExpressway log: %zu file%s, %llu record%s, %zu MRA request%s, %zu TLS failure%s",
            logs, logs == 1 ? "" : "s", (unsigned long long)s->records,
            s->records == 1 ? "" : "s", nt, nt == 1 ? "" : "s", nf, nf == 1 ? "" : "s");
    if (s->first_ts_ns) fprintf(o->f, "; %s to %s", ts(s->first_ts_ns), ts(s->last_ts_ns));
    fputs(".\n", o->f);
    uint64_t used = 0;
    for (int k = 0; k < EXPLOG_KIND_COUNT; k++) used += s->kinds[k];
    fprintf(o->f,
            "  read: %llu traffic_server records used, %llu wrapped lines joined; skipped: %llu "
            "of other programs, %llu other traffic_server records, %llu unreadable, %llu lines "
            "before the first record",
            (unsigned long long)used, (unsigned long long)s->joined_lines,
            (unsigned long long)s->other_programs, (unsigned long long)s->ts_other,
            (unsigned long long)s->malformed, (unsigned long long)s->orphan_lines);
    if (s->bad_times)
        fprintf(o->f, "; %llu dated outside 1677-2262 (no usable time)",
                (unsigned long long)s->bad_times);
    if (s->text_files)
        fprintf(o->f, "; %llu text file%s without log records", (unsigned long long)s->text_files,
                s->text_files == 1 ? "" : "s");
    fputs(".\n", o->f);
    if (s->long_lines || s->long_records || s->dropped_records || s->dropped_txns || s->nul_bytes ||
        s->bad_routes)
        fprintf(o->f,
                "  caps and damage: %llu overlong lines cut, %llu overlong records cut, %llu "
                "records and %llu requests beyond the caps, %llu NUL bytes, %llu routes that "
                "do not decode.\n",
                (unsigned long long)s->long_lines, (unsigned long long)s->long_records,
                (unsigned long long)s->dropped_records, (unsigned long long)s->dropped_txns,
                (unsigned long long)s->nul_bytes, (unsigned long long)s->bad_routes);
}

static void print_correlation(struct out *o, struct logreport *lr)
{
    const struct logcorr *lc = lr->lc;
    size_t n = logcorr_n_matches(lc), matched = 0, yes = 0, no = 0, unknown = 0;
    for (size_t i = 0; i < n; i++) {
        const struct logcorr_match *m = logcorr_match(lc, i);
        if (m->conn < 0) continue;
        matched++;
        if (m->agrees == LOGCORR_AGREE_YES) yes++;
        else if (m->agrees == LOGCORR_AGREE_NO) no++;
        else unknown++;
    }
    double w = (double)logcorr_window_ns(lc) / 1e9;
    fprintf(o->f, "\nLog vs capture (window +/-%g s): %zu of %zu log failure%s matched a captured "
                  "connection; %zu agree, %zu disagree, %zu cannot be compared.\n",
            w, matched, n, n == 1 ? "" : "s", yes, no, unknown);
    const struct explog_stats *ls = explog_stats(lr->lg);
    int64_t win = logcorr_window_ns(lc);
    if (lr->cap_first && ls->first_ts_ns &&
        (ls->last_ts_ns < lr->cap_first - win || ls->first_ts_ns > lr->cap_last + win))
        fprintf(o->f,
                "  note: the log (%s to %s) and the captures (%s to %s) do not overlap in time: "
                "from different moments, or clocks %+.3f s apart (log minus capture; "
                "--log-window can bridge a skew).\n",
                ts(ls->first_ts_ns), ts(ls->last_ts_ns), ts(lr->cap_first), ts(lr->cap_last),
                (double)(ls->first_ts_ns - lr->cap_first) / 1e9);
    for (size_t i = 0; i < n; i++) {
        const struct logcorr_match *m = logcorr_match(lc, i);
        if (m->conn < 0) continue;
        const struct logcorr_conn *c = logcorr_conn(lc, (size_t)m->conn);
        put_failure_head(o, lr, m->f);
        fputs("    capture:   ", o->f);
        put_conn(o, c);
        fprintf(o->f, ", %s %s (log %+.1f ms): ", c->chain_ts_ns ? "Certificate at" : "first packet at",
                ts(c->chain_ts_ns ? c->chain_ts_ns : c->first_ts_ns), (double)m->delta_ns / 1e6);
        put_verdict(o, c);
        fputc('\n', o->f);
        if (c->would_log[0]) {
            fputs("    predicted: ", o->f);
            put(o, c->would_log);
            fputc('\n', o->f);
        }
        fputs("    agree:     ", o->f);
        put(o, m->comparison);
        fputc('\n', o->f);
    }
    size_t unmatched = n - matched;
    if (unmatched) {
        fprintf(o->f, "\nLog failures without a captured connection (%zu):\n", unmatched);
        for (size_t i = 0; i < n; i++) {
            const struct logcorr_match *m = logcorr_match(lc, i);
            if (m->conn >= 0) continue;
            put_failure_head(o, lr, m->f);
            fputs("    server:    ", o->f);
            put_server(o, m->f);
            fputs(": ", o->f);
            put_reason(o, m->f);
            fputc('\n', o->f);
            fputs("    why:       ", o->f);
            put(o, m->unmatched);
            fputc('\n', o->f);
        }
    }
    size_t ng = logcorr_n_unmentioned(lc);
    if (ng) {
        uint64_t total = logcorr_unmentioned_total(lc);
        fprintf(o->f, "\nFailing connections the log does not mention (%llu):\n",
                (unsigned long long)total);
        for (size_t i = 0; i < ng; i++) {
            const struct logcorr_unmentioned *g = logcorr_unmentioned(lc, i);
            const struct logcorr_conn *c0 = &g->example[0];
            fputs("- ", o->f);
            put(o, c0->server_ip);
            fprintf(o->f, ":%u", c0->server_port);
            if (c0->has_sni) {
                fputs(" SNI ", o->f);
                put(o, c0->sni);
            } else {
                fputs(" (no SNI)", o->f);
            }
            fputs(": ", o->f);
            put_verdict(o, c0);
            if (g->count > 1)
                fprintf(o->f, " - %llu connections, the last #%llu at %s",
                        (unsigned long long)g->count, (unsigned long long)g->last_seq,
                        ts(g->last_ts_ns));
            fputc('\n', o->f);
            for (int e = 0; e < g->n_examples; e++) {
                const struct logcorr_conn *c = &g->example[e];
                fputs("    ", o->f);
                put_conn(o, c);
                fprintf(o->f, " at %s\n      why: ", ts(c->first_ts_ns));
                put(o, g->why[e]);
                fputc('\n', o->f);
            }
            if (g->count > (uint64_t)g->n_examples)
                fprintf(o->f, "    ... and %llu more\n",
                        (unsigned long long)(g->count - (uint64_t)g->n_examples));
        }
    }
    if (logcorr_dropped(lc))
        fprintf(o->f, "  (%llu connections beyond the correlation cap were not compared)\n",
                (unsigned long long)logcorr_dropped(lc));
}

/* Log-only: failing servers by reason, with the advice. */
struct lo_reason {
    const struct explog_failure *f; /* the first of its kind */
    unsigned count;
    int txns[5];
    int ntx;
    unsigned more;
};
struct lo_server {
    const struct explog_failure *f;
    struct lo_reason reasons[8];
    int nr;
    unsigned other;
};

static bool same_server(const struct explog_failure *a, const struct explog_failure *b)
{
    return strcasecmp(a->name, b->name) == 0 && strcmp(a->server_ip, b->server_ip) == 0 &&
           a->port == b->port;
}

static bool same_reason(const struct explog_failure *a, const struct explog_failure *b)
{
    if (a->kind != b->kind || a->depth != b->depth) return false;
    if (a->kind == EXPLOG_CERT_FAILED) return strcasecmp(a->error, b->error) == 0;
    if (a->kind == EXPLOG_SSL_FAILED)
        return strcmp(a->ssl ? a->ssl->ssl_error : "", b->ssl ? b->ssl->ssl_error : "") == 0;
    return true;
}

static void print_log_only(struct out *o, struct logreport *lr)
{
    size_t nf = explog_n_failures(lr->lg);
    if (nf == 0) {
        fputs("\nThe log shows no TLS failure toward CUCM, IM&P or Unity servers.\n", o->f);
        return;
    }
    struct lo_server *sv = calloc(nf, sizeof(*sv));
    if (!sv) return;
    size_t ns = 0;
    for (size_t i = 0; i < nf; i++) {
        const struct explog_failure *f = explog_failure(lr->lg, i);
        size_t k = 0;
        while (k < ns && !same_server(sv[k].f, f)) k++;
        if (k == ns) sv[ns++].f = f;
        struct lo_server *s = &sv[k];
        int r = 0;
        while (r < s->nr && !same_reason(s->reasons[r].f, f)) r++;
        if (r == s->nr) {
            if (s->nr == 8) {
                s->other++;
                continue;
            }
            s->reasons[s->nr++].f = f;
        }
        struct lo_reason *rs = &s->reasons[r];
        rs->count++;
        if (f->txn >= 0) {
            if (rs->ntx < 5) rs->txns[rs->ntx++] = f->txn;
            else rs->more++;
        }
    }
    fprintf(o->f, "\n%zu server%s fail%s TLS verification according to the log (no capture to "
                  "compare with):\n",
            ns, ns == 1 ? "" : "s", ns == 1 ? "s" : "");
    for (size_t k = 0; k < ns; k++) {
        const struct lo_server *s = &sv[k];
        fputs("- ", o->f);
        put_server(o, s->f);
        fputs(":", o->f);
        for (int r = 0; r < s->nr; r++) {
            const struct lo_reason *rs = &s->reasons[r];
            fputs(r ? ";" : "", o->f);
            fputc(' ', o->f);
            put_reason(o, rs->f);
            fprintf(o->f, " x%u", rs->count);
        }
        if (s->other) fprintf(o->f, "; %u more of other kinds", s->other);
        fputs(".\n", o->f);
        for (int r = 0; r < s->nr; r++) {
            const struct lo_reason *rs = &s->reasons[r];
            for (int t = 0; t < rs->ntx; t++) {
                const struct explog_txn *tx = explog_txn(lr->lg, (size_t)rs->txns[t]);
                fputs("  request: txn ", o->f);
                put(o, tx->txn_id);
                fputs(", ", o->f);
                put_user(o, tx);
                fputs(": ", o->f);
                put_request(o, tx);
                fputs(" -> ", o->f);
                put_result(o, tx);
                fputc('\n', o->f);
            }
            if (rs->more) fprintf(o->f, "  request: and %u more\n", rs->more);
            fputs("  Expressway-C logged: ", o->f);
            put(o, logcorr_logged_line(rs->f->rec));
            fputc('\n', o->f);
            const struct logcorr_match *m = logcorr_match(lr->lc, (size_t)(rs->f - explog_failure(lr->lg, 0)));
            char advice[VERDICT_ADVICE_LEN];
            verdict_advice_from_log(m ? m->code : -1, rs->f->depth,
                                    rs->f->kind == EXPLOG_SNI_FAILED, rs->f->name,
                                    rs->f->server_ip, advice, sizeof(advice));
            fputs("  Fix: ", o->f);
            put(o, advice);
            fputc('\n', o->f);
        }
    }
    free(sv);
}

static void print_requests(struct out *o, struct logreport *lr, bool verbose)
{
    size_t nt = explog_n_txns(lr->lg);
    if (nt == 0) return;
    size_t failed = 0;
    for (size_t i = 0; i < nt; i++) {
        const struct explog_txn *t = explog_txn(lr->lg, i);
        const struct explog_record *r = t->reply ? t->reply : t->response;
        if (t->n_failures || !r || r->status >= 400) failed++;
    }
    bool all = verbose || nt <= REQUESTS_LISTED;
    fprintf(o->f, "\nMRA requests (by node, process and Txn-id): %zu, %zu without success%s:\n",
            nt, failed, all ? "" : " (listed; -v lists all)");
    size_t hidden = 0, hidden_bad = 0, shown_bad = 0;
    for (size_t i = 0; i < nt; i++) {
        const struct explog_txn *t = explog_txn(lr->lg, i);
        const struct explog_record *res = t->reply ? t->reply : t->response;
        bool bad = t->n_failures || !res || res->status >= 400;
        if (!bad && !all) {
            hidden++;
            continue;
        }
        if (bad && !verbose && shown_bad >= FAILED_LISTED) {
            hidden_bad++;
            continue;
        }
        if (bad) shown_bad++;
        fprintf(o->f, "- %s ", ts(t->first_ts_ns));
        put(o, t->host);
        fputs(" txn ", o->f);
        put(o, t->txn_id);
        fputs(", ", o->f);
        put_user(o, t);
        fputs(": ", o->f);
        put_request(o, t);
        for (int k = 0; k < t->n_sends; k++) {
            fputs(k ? ", " : " -> ", o->f);
            put(o, t->sends[k]->ip);
            if (t->sends[k]->port >= 0) fprintf(o->f, ":%d", t->sends[k]->port);
        }
        fputs(" -> ", o->f);
        put_result(o, t);
        for (int k = 0; k < t->n_failures; k++) {
            const struct explog_failure *f = explog_failure(lr->lg, (size_t)t->failure_index[k]);
            const struct logcorr_match *m = logcorr_match(lr->lc, (size_t)t->failure_index[k]);
            fputs("; ", o->f);
            put_reason(o, f);
            if (m && m->conn_seq) fprintf(o->f, " [connection #%llu]", (unsigned long long)m->conn_seq);
        }
        fputc('\n', o->f);
    }
    if (hidden_bad)
        fprintf(o->f, "  (and %zu more without success; -v lists all)\n", hidden_bad);
    if (hidden) fprintf(o->f, "  (and %zu successful requests)\n", hidden);
}

void logreport_print(struct logreport *lr, FILE *f, const struct pipeline_stats *ps,
                     const struct report_style *st)
{
    if (!lr || !lr->active) return;
    logreport_finish(lr, ps);
    struct out o = {f, st ? st->utf8 : frontend_utf8()};
    print_inputs(&o, lr);
    print_log_stats(&o, lr);
    if (lr->captures) print_correlation(&o, lr);
    else print_log_only(&o, lr);
    print_requests(&o, lr, lr->o->verbose);
}

int run_logreport(struct session *s)
{
    struct logreport *lr = s->lr;
    struct report_style st = {.utf8 = frontend_utf8(), .verbose = s->o->verbose};
    if (lr->no_records_error) return EXIT_USAGE;
    if (s->o->json) logreport_json_tail(lr, stdout);
    logreport_print(lr, s->o->json ? stderr : stdout, NULL, &st);
    return logreport_status(lr);
}

/* ---- JSON ------------------------------------------------------------- */

static void json_time(struct json *j, const char *key, int64_t ns)
{
    char b[TIMEFMT_LEN];
    json_str(j, key, time_iso8601(ns, 6, b));
}

static void json_route(struct json *j, const struct explog_route *r)
{
    if (!r->valid) return;
    json_obj(j, "route");
    json_str(j, "domain", r->domain);
    json_str(j, "protocol", r->protocol);
    json_str(j, "host", r->host);
    json_int(j, "port", r->port);
    json_obj_end(j);
}

static void json_log(struct json *j, struct logreport *lr, size_t fi)
{
    const struct logcorr_match *m = logcorr_match(lr->lc, fi);
    const struct explog_failure *f = m->f;
    const struct explog_record *r = f->rec;
    json_obj(j, "log");
    json_str(j, "kind", explog_kind_name(f->kind));
    json_time(j, "@timestamp", f->ts_ns);
    json_str(j, "node", r->host);
    json_str(j, "process", r->prog);
    if (r->pid >= 0) json_int(j, "pid", r->pid);
    if (r->thread[0]) json_str(j, "thread", r->thread);
    json_str(j, "level", r->level);
    json_obj(j, "source");
    json_str(j, "file", file_of(lr, r));
    json_uint(j, "line", r->line);
    json_obj_end(j);
    json_str(j, "message", logcorr_logged_line(r));
    if (f->ssl && f->ssl != r) json_str(j, "ssl_message", logcorr_logged_line(f->ssl));
    json_str(j, "name", f->name);
    json_obj(j, "server");
    if (f->server_host[0]) json_str(j, "name", f->server_host);
    if (f->server_ip[0]) json_str(j, "ip", f->server_ip);
    if (f->port >= 0) json_int(j, "port", f->port);
    json_obj_end(j);
    if (f->rec->action[0]) json_str(j, "action", f->rec->action);
    if (f->error[0]) json_str(j, "error", f->error);
    if (m->code >= 0) json_int(j, "code", m->code); else json_null(j, "code");
    if (f->depth >= 0) json_int(j, "depth", f->depth); else json_null(j, "depth");
    if (f->ssl) json_str(j, "ssl_error", f->ssl->ssl_error);
    if (f->txn >= 0) {
        const struct explog_txn *t = explog_txn(lr->lg, (size_t)f->txn);
        const struct explog_record *rq = t->receive ? t->receive : t->n_sends ? t->sends[0] : NULL;
        const struct explog_record *res = t->reply ? t->reply : t->response;
        json_obj(j, "request");
        json_str(j, "txn_id", t->txn_id);
        if (t->tracking_id[0]) json_str(j, "tracking_id", t->tracking_id);
        if (t->user[0]) {
            json_str(j, "user", t->user);
            json_str(j, "user_from", t->user_from);
        }
        if (t->device[0]) json_str(j, "device", t->device);
        if (rq) {
            json_str(j, "method", rq->method);
            json_str(j, "path", rq->path);
            json_route(j, &rq->route);
        }
        if (res) {
            json_int(j, "status", res->status);
            json_str(j, "status_text", res->status_text);
        }
        json_obj_end(j);
    }
    if (m->conn_seq) {
        json_uint(j, "connection", m->conn_seq);
        json_int(j, "time_delta_us", m->delta_ns / 1000);
        if (m->agrees == LOGCORR_AGREE_UNKNOWN) json_null(j, "agrees");
        else json_bool(j, "agrees", m->agrees == LOGCORR_AGREE_YES);
        json_str(j, "comparison", m->comparison);
    } else {
        json_null(j, "connection");
        if (lr->captures) json_str(j, "unmatched", m->unmatched);
    }
    char advice[VERDICT_ADVICE_LEN];
    verdict_advice_from_log(m->code, f->depth, f->kind == EXPLOG_SNI_FAILED, f->name,
                            f->server_ip, advice, sizeof(advice));
    json_str(j, "advice", advice);
    json_obj_end(j);
}

void logreport_json_conn(struct json *j, void *ctx, const struct conn_record *r)
{
    struct logreport *lr = ctx;
    if (!lr || !lr->active) return;
    int mi = r->seq == lr->last_seq ? lr->last_match : logcorr_match_for_seq(lr->lc, r->seq);
    if (mi >= 0) json_log(j, lr, (size_t)mi);
}

void logreport_json_tail(struct logreport *lr, FILE *out)
{
    if (!lr || !lr->active) return;
    logreport_finish(lr, NULL);
    struct sbuf sb;
    sbuf_init(&sb, 0);
    for (size_t i = 0; i < logcorr_n_matches(lr->lc); i++) {
        const struct logcorr_match *m = logcorr_match(lr->lc, i);
        if (m->conn >= 0 && !m->late) continue; /* already on its connection's line */
        struct json j;
        sbuf_reset(&sb);
        json_begin(&j, &sb);
        json_time(&j, "@timestamp", m->f->ts_ns);
        json_obj(&j, "event");
        json_str(&j, "dataset", "tlsscope.log_failure");
        json_obj_end(&j);
        if (m->f->server_ip[0] || m->f->port >= 0) {
            json_obj(&j, "destination");
            if (m->f->server_ip[0]) json_str(&j, "ip", m->f->server_ip);
            if (m->f->port >= 0) json_int(&j, "port", m->f->port);
            json_obj_end(&j);
        }
        json_obj(&j, "tlsscope");
        json_str(&j, "type", "log_failure");
        json_log(&j, lr, i);
        json_obj_end(&j);
        json_end(&j);
        sbuf_putc(&sb, '\n');
        fwrite(sbuf_str(&sb), 1, sb.len, out);
        lr->json_lines++;
    }
    sbuf_free(&sb);
}
