/* probe_source.c — the probe plugged into the pipeline (probe_source.h). */
#include "probe_source.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "explog/explog.h"
#include "session.h"

#include <arpa/inet.h>
#include <zlib.h>

#define PROBE_MAX_TARGETS 100000 /* targets from the command line and -T */
#define PROBE_MAX_LINE 1024

struct probe_source {
    struct conn_source src;
    struct probe *probe;
    struct pipeline *p;           /* while stepping */
    struct probe_target *targets;
    int n_targets;
    uint16_t ports[PROBE_MAX_PORTS];
    unsigned long long failed;
    bool finished;                /* the end was handled (files closed, said) */
    bool replay;                  /* --hello replay */
};

static int add_target(struct probe_source *ps, const char *s, char *err, size_t errlen)
{
    if (ps->n_targets == PROBE_MAX_TARGETS) {
        snprintf(err, errlen, "more than %d targets", PROBE_MAX_TARGETS);
        return -1;
    }
    if (ps->n_targets % 256 == 0) {
        struct probe_target *nt = realloc(ps->targets, ((size_t)ps->n_targets + 256) * sizeof(*nt));
        if (!nt) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        ps->targets = nt;
    }
    return probe_target_parse(s, &ps->targets[ps->n_targets++], err, errlen) == 0
               ? 0
               : (ps->n_targets--, -1);
}

/* -T FILE: one target per line; blank lines and "#" comments skipped. */
static int read_targets(struct probe_source *ps, const char *path, char *err, size_t errlen)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "-T: %s: %s", path, strerror(errno));
        return -1;
    }
    char line[PROBE_MAX_LINE];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        lineno++;
        size_t n = strlen(line);
        if (n == sizeof(line) - 1 && line[n - 1] != '\n') {
            snprintf(err, errlen, "-T: %s line %d: longer than %d bytes", path, lineno, PROBE_MAX_LINE - 2);
            rc = -1;
            break;
        }
        char *s = line;
        while (*s == ' ' || *s == '\t') s++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ' ||
                         line[n - 1] == '\t'))
            line[--n] = '\0';
        if (!*s || *s == '#') continue;
        char e[200];
        if (add_target(ps, s, e, sizeof(e)) != 0) {
            snprintf(err, errlen, "-T: %s line %d: %s", path, lineno, e);
            rc = -1;
        }
    }
    if (f != stdin) fclose(f);
    return rc;
}

/* A target found in a capture or a log, once: same address (or name),
 * port and SNI as one already planned is skipped. */
static struct probe_target *find_known(struct probe_source *ps, const struct probe_target *t);

static bool known(struct probe_source *ps, const struct probe_target *t) { return find_known(ps, t); }

/* --hello replay: a copy of the connection's ClientHello, owned by the
 * probe source (freed with the targets). */
static bool set_hello(struct probe_target *t, const struct tls_conn *c)
{
    uint8_t *h = malloc(c->ch_raw_len);
    if (!h) return false;
    memcpy(h, c->ch_raw, c->ch_raw_len);
    free((void *)t->hello);
    t->hello = h;
    t->hello_len = c->ch_raw_len;
    t->hello_ts_ns = c->ch.ts_ns;
    return true;
}

static struct probe_target *find_known(struct probe_source *ps, const struct probe_target *t)
{
    for (int i = 0; i < ps->n_targets; i++) {
        struct probe_target *o = &ps->targets[i];
        if (o->port == t->port && strcmp(o->host, t->host) == 0 && o->sni_set == t->sni_set &&
            strcmp(o->sni, t->sni) == 0)
            return o;
    }
    return NULL;
}

static int add_found(struct probe_source *ps, const struct probe_target *t, char *err, size_t errlen)
{
    if (known(ps, t)) return 0;
    char text[PROBE_MAX_HOST + 10];
    snprintf(text, sizeof(text), strchr(t->host, ':') ? "[%s]:%u" : "%s:%u", t->host, t->port);
    if (add_target(ps, text, err, errlen) != 0) return -1;
    struct probe_target *nt = &ps->targets[ps->n_targets - 1];
    nt->sni_set = t->sni_set;
    memcpy(nt->sni, t->sni, sizeof(nt->sni));
    return 0;
}

/* --from-capture F: every TLS server the capture shows (address and port),
 * with the server_name its client sent, read by the capture path itself. */
struct capture_scan {
    struct probe_source *ps;
    int rc;
    char *err;
    size_t errlen;
    unsigned long long odd_sni;
    bool replay;                  /* --hello replay: keep each server's ClientHello */
    unsigned long long too_long;  /* ClientHellos over TLS_MAX_RAW_HELLO: not replayable */
};

static void scan_done(void *ctx, struct conn_record *r)
{
    struct capture_scan *cs = ctx;
    const struct tls_conn *c = r->tls;
    if (cs->rc == 0 && c->ch.present && !c->is_dtls) {
        struct probe_target t = {.port = c->server_port, .is_ip = true, .sni_set = true};
        inet_ntop(c->family == 6 ? AF_INET6 : AF_INET, c->server_ip, t.host, sizeof(t.host));
        if (c->ch.has_sni && c->ch.sni_len == c->ch.sni_total &&
            probe_name_ok((const char *)c->ch.sni, c->ch.sni_len) && c->ch.sni_len <= PROBE_MAX_HOST)
            memcpy(t.sni, c->ch.sni, c->ch.sni_len);
        else if (c->ch.has_sni)
            cs->odd_sni++; /* not a name the probe will send; probed without */
        cs->rc = add_found(cs->ps, &t, cs->err, cs->errlen);
        /* which connection: the earliest ClientHello the capture shows for
         * this server (address, port, SNI); connections end in any order */
        struct probe_target *pt = cs->replay && cs->rc == 0 ? find_known(cs->ps, &t) : NULL;
        if (pt && c->ch_raw && (!pt->hello || c->ch.ts_ns < pt->hello_ts_ns) && !set_hello(pt, c)) {
            snprintf(cs->err, cs->errlen, "out of memory");
            cs->rc = -1;
        }
        if (cs->replay && c->ch_raw_too_long) cs->too_long++;
    }
    conn_record_free(r);
}

static int targets_from_capture(struct probe_source *ps, const char *path, char *err, size_t errlen)
{
    const char *files[1] = {path};
    bool replay = ps->replay;
    struct pipeline_opts po = {.files = files, .n_files = 1, .keep_client_hello = replay};
    flow_limits_default(&po.limits);
    struct capture_scan cs = {.ps = ps, .err = err, .errlen = errlen, .replay = replay};
    struct pipeline_ops ops = {.ctx = &cs, .done = scan_done};
    char e[400];
    struct pipeline *p = pipeline_new(&po, &ops, e, sizeof(e));
    if (!p) {
        snprintf(err, errlen, "--from-capture: %s", e);
        return -1;
    }
    int rc = pipeline_run(p);
    if (rc < 0 && cs.rc == 0) {
        snprintf(err, errlen, "--from-capture: %s", pipeline_stats(p)->last_error);
        cs.rc = -1;
    }
    pipeline_free(p);
    if (cs.too_long)
        frontend_error("tlsscope probe", "--from-capture: %llu ClientHello(s) longer than %u bytes "
                       "are not kept: a server seen only with those has nothing to replay",
                       cs.too_long, TLS_MAX_RAW_HELLO);
    if (cs.odd_sni)
        frontend_error("tlsscope probe", "--from-capture: %llu server name(s) with characters a DNS "
                       "name cannot have: those servers are probed without a server_name", cs.odd_sni);
    return cs.rc;
}

/* --from-log F: the MRA routes of an Expressway diagnostic log (plain or
 * gzip): each Receive Request's route segment names the server and port
 * Expressway-C connects to ("domain/https/host/port", explog.h). */
static int targets_from_log(struct probe_source *ps, const char *path, char *err, size_t errlen)
{
    gzFile gz = gzopen(path, "rb"); /* reads plain text as it is */
    if (!gz) {
        snprintf(err, errlen, "--from-log: %s: %s", path, strerror(errno));
        return -1;
    }
    struct explog *lg = explog_new(NULL);
    int rc = lg ? explog_begin_file(lg, path) : EXPLOG_ENOMEM;
    char buf[65536];
    int n;
    while (rc == EXPLOG_OK && (n = gzread(gz, buf, sizeof(buf))) > 0) rc = explog_feed(lg, buf, (size_t)n);
    int gzerr = 0;
    gzerror(gz, &gzerr);
    gzclose(gz);
    if (rc == EXPLOG_OK) rc = explog_end_file(lg);
    if (rc == EXPLOG_OK) rc = explog_finish(lg);
    if (rc != EXPLOG_OK || (gzerr != Z_OK && gzerr != Z_STREAM_END)) {
        snprintf(err, errlen, "--from-log: %s: %s", path, rc != EXPLOG_OK ? "out of memory" : "unreadable (gzip)");
        explog_free(lg);
        return -1;
    }
    int found = 0;
    for (size_t i = 0; i < explog_n_records(lg) && rc == 0; i++) {
        const struct explog_record *r = explog_record(lg, i);
        if (r->kind != EXPLOG_RECEIVE_REQUEST || !r->route.valid || r->route.port <= 0 ||
            r->route.port > 65535 || strcmp(r->route.protocol, "https") != 0)
            continue;
        struct probe_target t;
        char text[PROBE_MAX_HOST + 10], e[200];
        snprintf(text, sizeof(text), strchr(r->route.host, ':') ? "[%s]:%d" : "%s:%d", r->route.host,
                 r->route.port);
        if (probe_target_parse(text, &t, e, sizeof(e)) != 0) continue; /* not a host name */
        if (known(ps, &t)) continue;
        rc = add_target(ps, text, err, errlen);
        found++;
    }
    explog_free(lg);
    if (rc == 0 && found == 0) {
        snprintf(err, errlen, "--from-log: %s: no MRA route to an https server found", path);
        return -1;
    }
    return rc;
}

static void on_conn(void *ctx, struct tls_conn *c, const struct probe_job_info *job,
                    const struct pclient *cl)
{
    struct probe_source *ps = ctx;
    pipeline_submit(ps->p, c, job->hello, cl->client_auth == PC_CA_ACCEPTED);
}

/* No TLS answer: one line on stderr, escaped (a name from -T may hold
 * anything the resolver accepted). */
static void on_failed(void *ctx, const struct probe_job_info *job, const struct pclient *cl)
{
    struct probe_source *ps = ctx;
    ps->failed++;
    pipeline_probe_unanswered(ps->p);
    frontend_error("tlsscope probe", "%s port %u (%s, %s): %s%s%s", job->target, job->port, job->addr,
                   job->hello, pc_error_text(cl->error), cl->detail[0] ? ": " : "", cl->detail);
}

static int src_step(void *ctx, struct pipeline *p, int wait_ms)
{
    struct probe_source *ps = ctx;
    ps->p = p;
    if (ps->finished) return 0;
    int rc = probe_step(ps->probe, wait_ms);
    if (rc == 0) {
        ps->finished = true;
        char err[200];
        const struct probe_counts *pc = probe_counts(ps->probe);
        if (pc->not_started)
            frontend_error("tlsscope probe", "interrupted: %llu connection(s) not started",
                           (unsigned long long)pc->not_started);
        if (probe_finish(ps->probe, err, sizeof(err)) != 0) {
            pipeline_source_error(p, err);
            return -1;
        }
    }
    return rc;
}

static void src_stop(void *ctx)
{
    struct probe_source *ps = ctx;
    probe_stop(ps->probe);
}

struct probe_source *probe_source_open(const struct cli_opts *o, const struct conn_source **src_out,
                                       char *err, size_t errlen)
{
    struct probe_source *ps = calloc(1, sizeof(*ps));
    if (!ps) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    ps->replay = o->hello == PROBE_HELLO_REPLAY;
    for (int i = 0; i < o->n_targets; i++)
        if (add_target(ps, o->targets[i], err, errlen) != 0) goto fail;
    if (o->targets_file && read_targets(ps, o->targets_file, err, errlen) != 0) goto fail;
    if (o->from_capture && targets_from_capture(ps, o->from_capture, err, errlen) != 0) goto fail;
    if (o->from_log && targets_from_log(ps, o->from_log, err, errlen) != 0) goto fail;
    if (ps->n_targets == 0) {
        snprintf(err, errlen, "no targets");
        goto fail;
    }
    int n_ports = probe_ports_parse(o->ports ? o->ports : PROBE_DEFAULT_PORTS, ps->ports, err, errlen);
    if (n_ports < 0) goto fail;
    struct probe_opts po = {
        .targets = ps->targets,
        .n_targets = ps->n_targets,
        .ports = ps->ports,
        .n_ports = n_ports,
        .parallel = (int)o->parallel,
        .timeout_ms = (int)(o->timeout_ns / 1000000),
        .hello = o->hello,
        .ciphers = o->ciphers,
        .progress = isatty(STDERR_FILENO) != 0,
        .write_file = o->write_file,
        .keylog_file = o->n_keylogs ? o->keylogs[0] : NULL,
        .client_cert = o->client_cert,
        .client_key = o->client_key,
    };
    if (o->timeout_ns && po.timeout_ms == 0) po.timeout_ms = 1;
    struct probe_sink sink = {.ctx = ps, .conn = on_conn, .failed = on_failed};
    ps->probe = probe_new(&po, &sink, err, errlen);
    if (!ps->probe) goto fail;
    ps->src = (struct conn_source){.ctx = ps, .step = src_step, .stop = src_stop};
    *src_out = &ps->src;
    return ps;
fail:
    probe_source_close(ps);
    return NULL;
}

unsigned long long probe_source_failed(const struct probe_source *ps) { return ps ? ps->failed : 0; }

void probe_source_close(struct probe_source *ps)
{
    if (!ps) return;
    probe_free(ps->probe);
    for (int i = 0; i < ps->n_targets; i++) free((void *)ps->targets[i].hello);
    free(ps->targets);
    free(ps);
}
