/* main.c — command line: parse options, load the trust store, run the
 * pipeline with the chosen front end, set the exit status.
 *
 * Exit status: 0 every judged connection is trusted (or none was judged);
 * 1 at least one connection failed verification; 2 usage or input error
 * (missing/unreadable/truncated capture, bad trust store path, bad option).
 */
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "common/escape.h"
#include "common/timefmt.h"
#include "report.h"

#define EXIT_TRUSTED 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2

static struct pipeline *g_pipeline; /* for the signal handler */

static void on_signal(int sig)
{
    (void)sig;
    if (g_pipeline) pipeline_stop(g_pipeline);
}

static void usage(FILE *out)
{
    fputs("Usage: tlsscope [options] -r FILE [-r FILE ...]\n"
          "       tlsscope [options] -i IFACE [BPF filter ...]\n"
          "       tlsscope store [--at TIME] PATH ...\n"
          "\n"
          "Which TLS server presented which certificate chain, and would the client accept it.\n"
          "\n"
          "Input:\n"
          "  -r FILE             read a pcap or pcapng capture (\"-\" = stdin); repeatable,\n"
          "                      several files are merged in time order\n"
          "  -i IFACE            capture live on IFACE (\"any\" for all interfaces)\n"
          "Trust:\n"
          "  --trust PATH        trust store: PEM bundle, PEM/DER file, directory, or \"system\";\n"
          "                      repeatable. Without it chains are not judged.\n"
          "  --profile NAME      name matching: expressway (default) or rfc\n"
          "  --at TIME           judge at TIME (ISO 8601 UTC or @epoch) instead of capture time\n"
          "Output:\n"
          "  -b, --batch         batch report (the default when stdout is not a terminal)\n"
          "  --json              JSON Lines, one object per TLS connection (summary on stderr)\n"
          "  --pem               with --json: include each certificate as PEM\n"
          "  -v, --verbose       chain, alerts and verdict details under each connection\n"
          "  --color WHEN        auto (default), always or never; NO_COLOR is honoured\n"
          "  --export-certs DIR  write every distinct certificate seen as PEM into DIR\n"
          "  -h, --help          this text;  -V, --version  the version\n"
          "\n"
          "Exit status: 0 all judged connections trusted, 1 some failed, 2 usage or input error.\n",
          out);
}

/* ---- batch front end ---- */

struct batch {
    const struct cli_opts *o;
    struct pipeline *p;
    const struct trust_store *store;
    bool header_done;
    struct report_style style;
    struct summary summary;
    struct sbuf line;
    int export_errors;
};

static void print_lint(void *arg, const struct store_lint *item);

/* The store lint and the table header come first, but the lint needs the
 * capture's time (a CA expired as of then), known once packets were read:
 * so they are printed just before the first row, or at the end. */
static void batch_header(struct batch *b)
{
    if (b->header_done) return;
    b->header_done = true;
    FILE *meta = b->o->json ? stderr : stdout;
    if (b->store) {
        const struct pipeline_stats *ps = pipeline_stats(b->p);
        int64_t at = b->o->have_at ? b->o->at : ps->first_ts_ns / 1000000000;
        if (store_lint(b->store, at, print_lint, meta) > 0) fputc('\n', meta);
    }
    if (!b->o->json) report_text_header(stdout, &b->style);
}

static void batch_done(void *ctx, struct conn_record *r)
{
    struct batch *b = ctx;
    batch_header(b);
    sbuf_reset(&b->line);
    if (b->o->json) {
        report_json_conn(&b->line, r, &b->style);
        sbuf_putc(&b->line, '\n');
    } else {
        report_text_conn(&b->line, r, &b->style);
        if (b->style.verbose) report_text_details(&b->line, r, &b->style, "      ");
    }
    fwrite(sbuf_str(&b->line), 1, b->line.len, stdout);
    summary_add(&b->summary, r, &b->style);
    if (b->o->export_dir) {
        char err[512];
        if (report_export_certs(b->o->export_dir, r, err, sizeof(err)) < 0 &&
            b->export_errors++ == 0)
            fprintf(stderr, "tlsscope: --export-certs: %s\n", err);
    }
    conn_record_free(r);
}

static bool want_color(const struct cli_opts *o, FILE *f)
{
    if (o->color == CLI_COLOR_ALWAYS) return true;
    if (o->color == CLI_COLOR_NEVER) return false;
    const char *nc = getenv("NO_COLOR");
    if (nc && *nc) return false;
    const char *term = getenv("TERM");
    if (term && strcmp(term, "dumb") == 0) return false;
    return isatty(fileno(f));
}

static void print_lint(void *arg, const struct store_lint *item)
{
    FILE *out = arg;
    struct sbuf sb;
    sbuf_init(&sb, 0);
    esc_text_str(&sb, item->message, false);
    fprintf(out, "store lint: %s\n", sbuf_str(&sb));
    sbuf_free(&sb);
}

static int load_store(const struct cli_opts *o, struct trust_store *st)
{
    char err[512];
    for (int i = 0; i < o->n_trust; i++) {
        if (store_load(st, o->trust[i], err, sizeof(err)) != 0) {
            fprintf(stderr, "tlsscope: --trust: %s\n", err);
            return -1;
        }
    }
    return 0;
}

static int run_batch(const struct cli_opts *o)
{
    struct trust_store store;
    store_init(&store);
    if (load_store(o, &store) != 0) {
        store_free(&store);
        return EXIT_USAGE;
    }
    if (o->export_dir) {
        struct stat sbuf;
        if (stat(o->export_dir, &sbuf) != 0 && mkdir(o->export_dir, 0755) != 0) {
            fprintf(stderr, "tlsscope: --export-certs: cannot create %s\n", o->export_dir);
            store_free(&store);
            return EXIT_USAGE;
        }
    }

    struct batch b = {.o = o};
    b.style.color = !o->json && want_color(o, stdout);
    const char *cs = nl_langinfo(CODESET);
    b.style.utf8 = cs && strcmp(cs, "UTF-8") == 0;
    b.style.pem = o->pem;
    b.style.verbose = o->verbose;
    summary_init(&b.summary);
    sbuf_init(&b.line, 0);

    struct pipeline_opts po = {
        .files = o->files,
        .n_files = o->n_files,
        .store = o->n_trust ? &store : NULL,
        .profile = o->profile,
        .have_at = o->have_at,
        .at = o->at,
    };
    flow_limits_default(&po.limits);
    struct pipeline_ops ops = {.ctx = &b, .done = batch_done};
    char err[512];
    struct pipeline *p = pipeline_new(&po, &ops, err, sizeof(err));
    if (!p) {
        fprintf(stderr, "tlsscope: %s\n", err);
        store_free(&store);
        sbuf_free(&b.line);
        return EXIT_USAGE;
    }
    g_pipeline = p;
    b.p = p;
    b.store = o->n_trust ? &store : NULL;
    FILE *meta = o->json ? stderr : stdout;

    int rc = pipeline_run(p);
    const struct pipeline_stats *ps = pipeline_stats(p);
    batch_header(&b);
    fflush(stdout);
    summary_print(meta, &b.summary, ps, &b.style, o->profile, o->n_trust > 0);
    if (rc < 0) fprintf(stderr, "tlsscope: %s\n", ps->last_error);

    int status = EXIT_TRUSTED;
    if (b.summary.conns_failed) status = EXIT_FAILED;
    if (rc < 0) status = EXIT_USAGE;
    g_pipeline = NULL;
    pipeline_free(p);
    summary_free(&b.summary);
    sbuf_free(&b.line);
    store_free(&store);
    return status;
}

static int run_store(int argc, char **argv)
{
    struct trust_store store;
    int64_t at = 0;
    bool have_at = false;
    int npaths = 0;
    store_init(&store);
    for (int i = 1; i < argc; i++) {
        char err[512];
        if (strcmp(argv[i], "--at") == 0 && i + 1 < argc) {
            if (time_parse(argv[++i], &at) != 0) {
                fprintf(stderr, "tlsscope store: --at: cannot read '%s'\n", argv[i]);
                store_free(&store);
                return EXIT_USAGE;
            }
            have_at = true;
            continue;
        }
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            puts("Usage: tlsscope store [--at TIME] PATH ...\n"
                 "List the certificates of a trust store and what is wrong with it.");
            store_free(&store);
            return 0;
        }
        if (store_load(&store, argv[i], err, sizeof(err)) != 0) {
            fprintf(stderr, "tlsscope store: %s\n", err);
            store_free(&store);
            return EXIT_USAGE;
        }
        npaths++;
    }
    if (!npaths) {
        fprintf(stderr, "tlsscope store: give at least one PATH (file, directory or \"system\")\n");
        store_free(&store);
        return EXIT_USAGE;
    }
    if (!have_at) at = (int64_t)time(NULL); /* the store as of now, unless asked otherwise */
    const char *cs = nl_langinfo(CODESET);
    bool utf8 = cs && strcmp(cs, "UTF-8") == 0;
    char nb[TIMEFMT_LEN], na[TIMEFMT_LEN], fp[100];
    struct sbuf sb;
    sbuf_init(&sb, 0);
    for (size_t i = 0; i < store.n; i++) {
        const struct store_entry *e = &store.entries[i];
        sbuf_reset(&sb);
        esc_text_str(&sb, e->file, utf8);
        sbuf_printf(&sb, "[%d]: ", e->index);
        if (!e->cert) {
            sbuf_puts(&sb, "does not parse\n");
        } else {
            const struct cert *c = e->cert;
            esc_text_str(&sb, c->subject, utf8);
            cert_fingerprint_hex(c->sha256, 32, fp, sizeof(fp), false);
            sbuf_printf(&sb, "\n    %s%s, valid %s .. %s, sha256 %s\n",
                        c->is_ca ? "CA" : "not a CA", c->self_issued ? ", self-signed" : "",
                        time_iso8601_s(c->not_before, nb), time_iso8601_s(c->not_after, na), fp);
        }
        fputs(sbuf_str(&sb), stdout);
    }
    sbuf_free(&sb);
    printf("\n%zu certificate%s loaded.\n", store_count(&store), store_count(&store) == 1 ? "" : "s");
    size_t n = store_lint(&store, at, print_lint, stdout);
    if (n == 0) puts("store lint: no findings.");
    store_free(&store);
    return n ? EXIT_FAILED : EXIT_TRUSTED;
}

int main(int argc, char **argv)
{
    setlocale(LC_CTYPE, "");
    if (argc > 1 && strcmp(argv[1], "store") == 0) return run_store(argc - 1, argv + 1);

    struct cli_opts o;
    char err[256];
    if (cli_parse(argc, argv, &o, err, sizeof(err)) != 0) {
        fprintf(stderr, "tlsscope: %s\nTry 'tlsscope --help'.\n", err);
        return EXIT_USAGE;
    }
    if (o.help) {
        usage(stdout);
        return 0;
    }
    if (o.version) {
        printf("tlsscope %s\n", TLSSCOPE_VERSION);
        return 0;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_DFL);

    if (o.iface || o.list_ifaces) {
        fprintf(stderr, "tlsscope: live capture is not available yet\n");
        return EXIT_USAGE;
    }
    return run_batch(&o);
}
