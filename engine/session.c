/* session.c — from parsed options to a ready pipeline configuration, and
 * the little terminal facts every front end needs. */
#include <errno.h>
#include <langinfo.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/escape.h"
#include "session.h"
#include "capture/privs.h"
#include "probe_source.h"

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
            frontend_error("tlsscope", "--trust: %s", err);
            session_close(s);
            return EXIT_USAGE;
        }
    }
    s->have_store = o->n_trust > 0;
    if (o->user) {
        /* an unknown -Z user is a usage error: say so before opening anything */
        uid_t uid;
        gid_t gid;
        if (privs_lookup(o->user, &uid, &gid, err, sizeof(err)) != 0) {
            frontend_error("tlsscope", "%s", err);
            session_close(s);
            return EXIT_USAGE;
        }
    }
    if (o->export_dir) {
        struct stat st;
        if (stat(o->export_dir, &st) != 0) {
            if (mkdir(o->export_dir, 0755) != 0) {
                frontend_error("tlsscope", "--export-certs: cannot create %s", o->export_dir);
                session_close(s);
                return EXIT_USAGE;
            }
            s->export_created = true;
        }
    }
    struct pipeline_opts *po = &s->popts;
    if (o->probe) {
        s->probe = probe_source_open(o, &po->conns, err, sizeof(err));
        if (!s->probe) {
            frontend_error("tlsscope", "probe: %s", err);
            session_close(s);
            return EXIT_USAGE;
        }
    } else if (o->iface) {
        s->live.iface = o->iface;
        s->live.snaplen = (int)o->snaplen;
        s->live.filter = o->filter[0] ? o->filter : NULL;
        s->live.immediate = 1;
        s->live.dump_path = o->write_file;
        s->live.buffer_kib = (int)o->buffer_kib;
        s->live.wakeup_ms = SESSION_LIVE_WAKEUP_MS;
        po->live = &s->live;
        po->duration_ms = o->duration * 1000;
    } else {
        po->files = o->files;
        po->n_files = o->n_files;
        po->filter = o->filter[0] ? o->filter : NULL;
    }
    s->max_conns = o->max_conns ? o->max_conns : SESSION_DEFAULT_MAX_CONNS;
    /* Connections held open: --max-conns for a live capture (it runs for
     * ever); for files only when asked, so that reading files is as before. */
    if (o->iface || o->max_conns) po->max_conns = s->max_conns;
    po->store = s->have_store ? &s->store : NULL;
    po->profile = o->profile;
    po->have_at = o->have_at;
    po->at = o->at;
    po->stop_after_conns = o->count;
    flow_limits_default(&po->limits);
    return 0;
}

void session_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    /* The first ^C stops cleanly (summary, -w file closed); a second one
     * kills, in case something hangs. */
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int session_ready(struct session *s, struct pipeline *p)
{
    const struct cli_opts *o = s->o;
    char err[512];
    const char *user = privs_target(o->user, o->iface != NULL);
    if (user) {
        uid_t uid;
        gid_t gid;
        if (privs_lookup(user, &uid, &gid, err, sizeof(err)) != 0) {
            frontend_error("tlsscope", "%s", err);
            return EXIT_USAGE;
        }
        /* a directory we just made for --export-certs goes to the new user */
        if (s->export_created && geteuid() == 0 && chown(o->export_dir, uid, gid) != 0) {
            frontend_error("tlsscope", "--export-certs: %s: %s", o->export_dir, strerror(errno));
            return EXIT_USAGE;
        }
        if (privs_drop(user, err, sizeof(err)) != 0) {
            frontend_error("tlsscope", "%s", err);
            return EXIT_USAGE;
        }
    }
    /* Not root, but allowed to capture (setcap, ambient capabilities):
     * the capture is open, nothing later needs them. */
    if (geteuid() != 0 && privs_drop_caps(err, sizeof(err)) != 0) {
        frontend_error("tlsscope", "%s", err);
        return EXIT_USAGE;
    }
    if (o->export_dir && access(o->export_dir, W_OK | X_OK) != 0) {
        if (user)
            frontend_error("tlsscope",
                           "--export-certs: %s: %s for user %s (privileges are dropped "
                           "after opening the capture; see -Z)",
                           o->export_dir, strerror(errno), user);
        else
            frontend_error("tlsscope", "--export-certs: %s: %s", o->export_dir, strerror(errno));
        return EXIT_USAGE;
    }
    struct cap_source *src = pipeline_source(p);
    if (src && capsrc_is_live(src)) {
        char desc[400];
        frontend_error("tlsscope", "listening on %s", capsrc_describe(src, desc, sizeof(desc)));
    }
    return 0;
}

void session_close(struct session *s)
{
    session_set_active(NULL);
    store_free(&s->store);
    probe_source_close(s->probe);
    s->probe = NULL;
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

void frontend_error(const char *who, const char *fmt, ...)
{
    char msg[1024];
    struct sbuf sb;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    sbuf_init(&sb, 0);
    esc_text_str(&sb, msg, frontend_utf8());
    fprintf(stderr, "%s: %s\n", who, sbuf_str(&sb));
    sbuf_free(&sb);
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
