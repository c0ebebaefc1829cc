/* probe_source.c — the probe plugged into the pipeline (probe_source.h). */
#include "probe_source.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "session.h"

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

static void on_conn(void *ctx, struct tls_conn *c, const struct probe_job_info *job,
                    const struct pclient *cl)
{
    struct probe_source *ps = ctx;
    (void)job;
    (void)cl;
    pipeline_submit(ps->p, c);
}

/* No TLS answer: one line on stderr, escaped (a name from -T may hold
 * anything the resolver accepted). */
static void on_failed(void *ctx, const struct probe_job_info *job, const struct pclient *cl)
{
    struct probe_source *ps = ctx;
    ps->failed++;
    frontend_error("tlsscope probe", "%s port %u (%s, %s): %s%s%s", job->target, job->port, job->addr,
                   job->hello, pc_error_text(cl->error), cl->detail[0] ? ": " : "", cl->detail);
}

static int src_step(void *ctx, struct pipeline *p, int wait_ms)
{
    struct probe_source *ps = ctx;
    ps->p = p;
    int rc = probe_step(ps->probe, wait_ms);
    if (rc == 0) {
        char err[200];
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
    for (int i = 0; i < o->n_targets; i++)
        if (add_target(ps, o->targets[i], err, errlen) != 0) goto fail;
    if (o->targets_file && read_targets(ps, o->targets_file, err, errlen) != 0) goto fail;
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
    free(ps->targets);
    free(ps);
}
