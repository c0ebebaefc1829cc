/* batch.c — the batch front end: one text row (or one JSON object) per TLS
 * connection, then the summary. Never touches curses.
 *
 * Files: a row is printed when the connection is over (done), so it carries
 * everything seen, alerts and byte counts included.
 * Live capture: a row is printed and flushed as soon as the verdict is final
 * (judged) -- that is the point of watching live; what happens on the
 * connection afterwards (the client's alert, bytes) is not in that row but
 * still counts in the summary. Records are freed at done either way, so a
 * long capture holds only the connections still open. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/escape.h"
#include "engine/session.h"
#include "report/logreport.h"
#include "report/report.h"

struct batch {
    const struct cli_opts *o;
    struct pipeline *p;
    const struct trust_store *store;
    const struct trust_store *client_store; /* --client-trust, or NULL */
    bool header_done;
    struct report_style style;
    struct summary summary;
    struct sbuf line;
    int export_errors;
    unsigned long long exported; /* --export-certs: new files written */
    bool live;               /* print at judged(), not at done() */
    bool blocks;             /* rows gathered in `line` and written BATCH_BLOCK at a
                                time (not live, stdout not a terminal) */
    struct logreport *lr;   /* bundles and Expressway logs; NULL/inactive otherwise */
};

/* One store's lint at `at`. Debian's bundle (`system`) has expired and
 * same-CN roots by the dozen: one line and a count, the findings with -v.
 * True when something was printed. */
static bool batch_lint(const struct batch *b, const struct trust_store *st, const char *which,
                       void (*print)(void *, const struct store_lint *), int64_t at, FILE *meta)
{
    bool system = false;
    for (size_t i = 0; i < st->n_sources; i++)
        if (strcmp(st->sources[i], "system") == 0) system = true;
    if (system && !b->style.verbose) {
        size_t n = store_lint(st, at, NULL, NULL);
        if (n > 0)
            fprintf(meta, "%s lint: %zu finding%s in a store of %zu certificates with the "
                          "system bundle (-v lists them)\n",
                    which, n, n == 1 ? "" : "s", store_count(st));
        return n > 0;
    }
    return store_lint(st, at, print, meta) > 0;
}

/* The store lint (the server store's, then the client store's: the server's
 * side of mutual TLS, --client-trust) and the table header come first, but
 * the lint needs the capture's time (a CA expired as of then), known once
 * packets were read: so they are printed just before the first row, or at
 * the end. */
static void batch_header(struct batch *b)
{
    if (b->header_done) return;
    b->header_done = true;
    FILE *meta = b->o->json ? stderr : stdout;
    if (b->store || b->client_store) {
        const struct pipeline_stats *ps = pipeline_stats(b->p);
        int64_t at = b->o->have_at ? b->o->at : ps->first_ts_ns / 1000000000;
        bool any = false;
        if (b->store) any = batch_lint(b, b->store, "store", frontend_print_lint, at, meta);
        if (b->client_store)
            any = batch_lint(b, b->client_store, "client store", frontend_print_client_lint, at,
                             meta) || any;
        if (any) fputc('\n', meta);
    }
    if (!b->o->json) report_text_header(stdout, &b->style);
}

/* Rows of a file read into a pipe or file go out in blocks of this many
 * bytes, written from b->line itself: through stdio they were copied once
 * more into its buffer (570 MB of JSON on the hs bench). */
#define BATCH_BLOCK (256u * 1024u)

/* Write the rows held in b->line (after what stdio holds: the header). */
static void batch_flush_rows(struct batch *b)
{
    if (!b->blocks || !b->line.len) return; /* otherwise line holds a row already written */
    fflush(stdout);
    const char *p = b->line.p;
    size_t left = b->line.len;
    while (left > 0) {
        ssize_t w = write(STDOUT_FILENO, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break; /* as stdio: a closed pipe or full disk loses the rest */
        p += w;
        left -= (size_t)w;
    }
    sbuf_reset(&b->line);
}

static void batch_print(struct batch *b, const struct conn_record *r)
{
    batch_header(b);
    if (b->blocks) {
        /* each row gets the room a row of its own had: the same cap, the
         * same bytes */
        b->line.max = b->line.len + SBUF_DEFAULT_MAX;
    } else {
        sbuf_reset(&b->line);
    }
    logreport_conn(b->lr, r); /* before printing: its JSON line carries the log */
    if (b->o->json) {
        report_json_conn_ex(&b->line, r, &b->style, logreport_active(b->lr) ? logreport_json_conn : NULL,
                            b->lr);
        sbuf_putc(&b->line, '\n');
    } else {
        report_text_conn(&b->line, r, &b->style);
        if (b->style.verbose) report_text_details(&b->line, r, &b->style, "      ");
    }
    if (!b->blocks) fwrite(sbuf_str(&b->line), 1, b->line.len, stdout);
    else if (b->line.len >= BATCH_BLOCK) batch_flush_rows(b);
}

/* Live: the verdict is final; show it now (someone is watching, or a
 * program reads line by line). */
static void batch_judged(void *ctx, struct conn_record *r)
{
    struct batch *b = ctx;
    batch_print(b, r);
    fflush(stdout);
}

static void batch_done(void *ctx, struct conn_record *r)
{
    struct batch *b = ctx;
    if (!b->live) batch_print(b, r);
    summary_add(&b->summary, r, &b->style);
    if (b->o->export_dir) {
        char err[512];
        int n = report_export_certs(b->o->export_dir, r, err, sizeof(err));
        if (n > 0) b->exported += (unsigned)n;
        if (n < 0 && b->export_errors++ == 0) frontend_error("tlsscope", "--export-certs: %s", err);
    }
    conn_record_free(r);
}

/* --export-certs DIR: how many files were written where (the full path:
 * the run may have been started anywhere). Certificates already in DIR are
 * left as they are and not counted. */
static void export_said(struct batch *b, FILE *out)
{
    char *abs = realpath(b->o->export_dir, NULL);
    struct sbuf sb;
    sbuf_init(&sb, 0);
    esc_text_str(&sb, abs ? abs : b->o->export_dir, b->style.utf8);
    fprintf(out, "Exported %llu new certificate file%s to %s%s\n", b->exported,
            b->exported == 1 ? "" : "s", sbuf_str(&sb), b->export_errors ? " (with errors, see above)" : "");
    sbuf_free(&sb);
    free(abs);
}

int run_batch(struct session *s)
{
    const struct cli_opts *o = s->o;
    struct batch b = {.o = o};
    b.style.color = !o->json && frontend_want_color(o, stdout);
    b.style.utf8 = frontend_utf8();
    b.style.pem = o->pem;
    b.style.verbose = o->verbose;
    summary_init(&b.summary);
    sbuf_init(&b.line, 0);
    /* Rows go out in large blocks: a JSON line is ~5 KB, more than stdio's
     * default 4 KiB buffer, so each went out in a write(2) of its own. A
     * terminal keeps its line buffering; live rows are flushed one by one
     * (batch_judged) and everything before the summary (below). */
    static char out_block[1 << 18];
    if (!isatty(STDOUT_FILENO)) {
        fflush(stdout);
        setvbuf(stdout, out_block, _IOFBF, sizeof(out_block));
    }

    b.live = s->popts.live != NULL;
    b.blocks = !b.live && !isatty(STDOUT_FILENO);
    struct pipeline_ops ops = {.ctx = &b, .done = batch_done, .judged = b.live ? batch_judged : NULL};
    char err[512];
    struct pipeline *p = pipeline_new(&s->popts, &ops, err, sizeof(err));
    if (!p) {
        frontend_error("tlsscope", "%s", err);
        sbuf_free(&b.line);
        return EXIT_USAGE;
    }
    b.p = p;
    if (session_ready(s, p) != 0) {
        pipeline_free(p);
        sbuf_free(&b.line);
        return EXIT_USAGE;
    }
    session_set_active(p);
    b.store = s->have_store ? &s->store : NULL;
    b.client_store = s->have_client_store ? &s->client_store : NULL;
    b.lr = s->lr;
    FILE *meta = o->json ? stderr : stdout;

    int rc = pipeline_run(p);
    const struct pipeline_stats *ps = pipeline_stats(p);
    batch_header(&b);
    batch_flush_rows(&b);
    fflush(stdout);
    summary_print(meta, &b.summary, ps, &b.style, o->profile, s->have_store);
    if (o->export_dir) export_said(&b, meta);
    if (logreport_active(b.lr)) {
        logreport_finish(b.lr, ps);
        if (o->json) logreport_json_tail(b.lr, stdout);
        fflush(stdout);
        logreport_print(b.lr, meta, ps, &b.style);
    }
    if (rc < 0) frontend_error("tlsscope", "%s", ps->last_error);

    int status = EXIT_TRUSTED;
    if (b.summary.conns_failed || b.summary.client_failed) status = EXIT_FAILED;
    /* tlsscope probe: a target that could not be checked (no TLS answer, or
     * no certificate in it: an alert to the ClientHello) fails like a failed
     * verdict — Expressway could not connect there either, and a script run
     * from cron must not read "all trusted" from it (README "Exit status"). */
    if (ps->probe && (ps->probe_unanswered || ps->probe_no_chain)) status = EXIT_FAILED;
    if (logreport_active(b.lr) && logreport_status(b.lr) > status) status = logreport_status(b.lr);
    if (rc < 0) status = EXIT_USAGE;
    session_set_active(NULL);
    pipeline_free(p);
    summary_free(&b.summary);
    sbuf_free(&b.line);
    return status;
}
