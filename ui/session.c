/* session.c — from parsed options to a ready pipeline configuration, and
 * the little terminal facts every front end needs. */
#include <langinfo.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/escape.h"
#include "frontend.h"
#include "logreport.h"

static struct pipeline *volatile g_active; /* read by the signal handler */

void session_set_active(struct pipeline *p) { g_active = p; }

static void on_signal(int sig)
{
    (void)sig;
    struct pipeline *p = g_active;
    if (p) pipeline_stop(p);
}

int session_open(struct session *s, const struct cli_opts *o)
{
    char err[512];
    memset(s, 0, sizeof(*s));
    s->o = o;
    store_init(&s->store);
    for (int i = 0; i < o->n_trust; i++) {
        if (store_load(&s->store, o->trust[i], err, sizeof(err)) != 0) {
            fprintf(stderr, "tlsscope: --trust: %s\n", err);
            session_close(s);
            return EXIT_USAGE;
        }
    }
    s->have_store = o->n_trust > 0;
    if (o->export_dir) {
        struct stat st;
        if (stat(o->export_dir, &st) != 0 && mkdir(o->export_dir, 0755) != 0) {
            fprintf(stderr, "tlsscope: --export-certs: cannot create %s\n", o->export_dir);
            session_close(s);
            return EXIT_USAGE;
        }
    }
    struct pipeline_opts *po = &s->popts;
    if (o->iface) {
        s->live.iface = o->iface;
        s->live.snaplen = (int)o->snaplen;
        s->live.filter = o->filter[0] ? o->filter : NULL;
        s->live.immediate = 1;
        s->live.dump_path = o->write_file;
        po->live = &s->live;
    } else {
        po->files = o->files;
        po->n_files = o->n_files;
        /* bundles, directories and logs: what is inside decides (logreport.h) */
        s->lr = logreport_open(o);
        if (!s->lr) {
            fprintf(stderr, "tlsscope: out of memory\n");
            session_close(s);
            return EXIT_USAGE;
        }
        if (logreport_active(s->lr)) po->inputs = logreport_inputs(s->lr, &po->n_inputs);
    }
    po->store = s->have_store ? &s->store : NULL;
    po->profile = o->profile;
    po->have_at = o->have_at;
    po->at = o->at;
    po->stop_after_conns = o->count;
    flow_limits_default(&po->limits);

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return 0;
}

void session_close(struct session *s)
{
    session_set_active(NULL);
    store_free(&s->store);
    logreport_free(s->lr);
    s->lr = NULL;
}

bool frontend_want_color(const struct cli_opts *o, FILE *f)
{
    if (o->color == CLI_COLOR_ALWAYS) return true;
    if (o->color == CLI_COLOR_NEVER) return false;
    const char *nc = getenv("NO_COLOR");
    if (nc && *nc) return false;
    const char *term = getenv("TERM");
    if (term && strcmp(term, "dumb") == 0) return false;
    return isatty(fileno(f));
}

bool frontend_utf8(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs && strcmp(cs, "UTF-8") == 0;
}

void frontend_print_lint(void *arg, const struct store_lint *item)
{
    FILE *out = arg;
    struct sbuf sb;
    sbuf_init(&sb, 0);
    esc_text_str(&sb, item->message, frontend_utf8());
    fprintf(out, "store lint: %s\n", sbuf_str(&sb));
    sbuf_free(&sb);
}
