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
#include "dissect/keylog.h"
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

/* Say what a key log held that tlsscope could not use: the malformed lines
 * by number, so the user can fix the file. */
void frontend_keylog_problems(const struct keylog *kl)
{
    const struct keylog_stats *st = keylog_stats(kl);
    for (int i = 0; i < st->n_problems; i++)
        frontend_error("tlsscope", "key log: %s", st->problems[i]);
    if (st->malformed > st->n_problems)
        frontend_error("tlsscope", "key log: %llu more malformed lines",
                       (unsigned long long)(st->malformed - st->n_problems));
    if (st->capped)
        frontend_error("tlsscope", "key log: %llu secrets not kept (more than %u clients); "
                       "their connections stay not judged", (unsigned long long)st->capped,
                       KEYLOG_MAX_CLIENTS);
}

/* --keylog FILE...: one table of TLS 1.3 secrets for the whole run. Made
 * even without the option: pcapng Decryption Secrets Blocks and key logs
 * inside bundles add to it. */
static int session_keylogs(struct session *s, const struct cli_opts *o)
{
    char err[512];
    s->keylog = keylog_new();
    if (!s->keylog) {
        fprintf(stderr, "tlsscope: out of memory\n");
        return EXIT_USAGE;
    }
    for (int i = 0; i < o->n_keylogs; i++) {
        if (keylog_add_file(s->keylog, o->keylogs[i], err, sizeof(err)) != 0) {
            frontend_error("tlsscope", "%s", err);
            return EXIT_USAGE;
        }
    }
    if (o->n_keylogs && keylog_stats(s->keylog)->secrets == 0)
        frontend_error("tlsscope", "--keylog: no CLIENT_/SERVER_HANDSHAKE_TRAFFIC_SECRET "
                                   "lines (only these decrypt a TLS 1.3 handshake)");
    frontend_keylog_problems(s->keylog);
    return 0;
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
    store_init(&s->client_store);
    for (int i = 0; i < o->n_client_trust; i++) {
        if (store_load(&s->client_store, o->client_trust[i], err, sizeof(err)) != 0) {
            frontend_error("tlsscope", "--client-trust: %s", err);
            session_close(s);
            return EXIT_USAGE;
        }
    }
    s->have_client_store = o->n_client_trust > 0;
    /* a probe's --keylog is the file it writes, not one to read */
    if (!o->probe && session_keylogs(s, o) != 0) {
        session_close(s);
        return EXIT_USAGE;
    }
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
        /* a planted symbolic link is not followed (report_export_certs opens
         * the directory with O_NOFOLLOW too) */
        if (lstat(o->export_dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
            frontend_error("tlsscope", "--export-certs: %s: %s", o->export_dir,
                           S_ISLNK(st.st_mode) ? "is a symbolic link (not followed)"
                                               : "not a directory");
            session_close(s);
            return EXIT_USAGE;
        }
        if (lstat(o->export_dir, &st) != 0) {
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
        s->live.dump_path = NULL; /* -w is created in session_ready, as the dropped-to user */
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
    po->client_store = s->have_client_store ? &s->client_store : NULL;
    po->keylog = s->keylog;
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
    /* -w after the switch, as tcpdump -Z does: the file belongs to the user
     * the capture runs as, and root never writes where that user cannot. */
    if (src && o->iface && o->write_file && capsrc_dump_open(src, o->write_file, err, sizeof(err)) != 0) {
        frontend_error("tlsscope", "%s", err);
        return EXIT_USAGE;
    }
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
    store_free(&s->client_store);
    keylog_free(s->keylog);
    s->keylog = NULL;
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

static void print_lint(FILE *out, const char *which, const struct store_lint *item)
{
    struct sbuf sb;
    sbuf_init(&sb, 0);
    esc_text_str(&sb, item->message, frontend_utf8());
    fprintf(out, "%s lint: %s\n", which, sbuf_str(&sb));
    sbuf_free(&sb);
}

void frontend_print_lint(void *arg, const struct store_lint *item)
{
    print_lint(arg, "store", item);
}

void frontend_print_client_lint(void *arg, const struct store_lint *item)
{
    print_lint(arg, "client store", item);
}
