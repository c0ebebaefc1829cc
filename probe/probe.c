/* probe.c — the probe's scheduler and the hand-over of facts (probe.h). */
#include "probe.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ciphers.h"
#include "evidence.h"
#include "identity.h"
#include "dissect/tls.h"
#include "dissect/keylog.h"
#include "dissect/tls_internal.h"

struct job {
    int target;
    struct sockaddr_storage addr;
    socklen_t addr_len;
    char addr_text[INET6_ADDRSTRLEN];
    uint16_t port;
    uint8_t cfg;              /* index into probe.cfg */
    bool started, finished;
    char resolve_error[120];  /* the name did not resolve: reported, never connected */
};

struct hello_cfg {
    struct pc_config pc;
    uint16_t suites[PROBE_MAX_SUITES];
    const char *label;
};

struct probe {
    struct probe_opts o;
    struct probe_sink sink;
    struct hello_cfg cfg[2];
    int n_cfg;
    struct job *jobs;
    int n_jobs;
    int next;                 /* first job not yet started */
    struct pclient **running; /* [parallel], NULL = free slot */
    int *running_job;
    int n_running;
    struct probe_counts counts;
    uint64_t flow_id;
    volatile sig_atomic_t stop;
    bool progress_shown;
    struct evidence *ev;      /* -w, --keylog; NULL */
    struct probe_identity *identity; /* --cert/--key; NULL */
    char ev_error[200];
};

static int setup_hello(struct hello_cfg *h, const char *ciphers, const char *label, char *err,
                       size_t errlen)
{
    int n = probe_cipher_list(ciphers, h->suites, PROBE_MAX_SUITES, err, errlen);
    if (n < 0) return -1;
    h->pc.suites = h->suites;
    h->pc.n_suites = n;
    h->pc.tls13 = true;
    h->label = label;
    return 0;
}

static int add_job(struct probe *p, int target, const struct sockaddr *sa, socklen_t len,
                   uint16_t port, const char *resolve_error, char *err, size_t errlen)
{
    for (int c = 0; c < (resolve_error ? 1 : p->n_cfg); c++) {
        if (p->n_jobs == PROBE_MAX_JOBS) {
            snprintf(err, errlen, "more than %d connections to make", PROBE_MAX_JOBS);
            return -1;
        }
        if (p->n_jobs % 1024 == 0) {
            struct job *nj = realloc(p->jobs, ((size_t)p->n_jobs + 1024) * sizeof(*nj));
            if (!nj) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            p->jobs = nj;
        }
        struct job *j = &p->jobs[p->n_jobs++];
        memset(j, 0, sizeof(*j));
        j->target = target;
        j->port = port;
        j->cfg = (uint8_t)c;
        if (resolve_error) {
            snprintf(j->resolve_error, sizeof(j->resolve_error), "%s", resolve_error);
            snprintf(j->addr_text, sizeof(j->addr_text), "-");
            continue;
        }
        memcpy(&j->addr, sa, len);
        j->addr_len = len;
        const void *a = sa->sa_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
                                                  : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
        inet_ntop(sa->sa_family, a, j->addr_text, sizeof(j->addr_text));
        if (sa->sa_family == AF_INET6) ((struct sockaddr_in6 *)&j->addr)->sin6_port = htons(port);
        else ((struct sockaddr_in *)&j->addr)->sin_port = htons(port);
    }
    return 0;
}

/* Every address of a target, each port. Names go through the system
 * resolver (getaddrinfo: /etc/hosts, DNS, as Expressway's own lookups). */
static int plan_target(struct probe *p, int ti, char *err, size_t errlen)
{
    const struct probe_target *t = &p->o.targets[ti];
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = t->is_ip ? AI_NUMERICHOST : AI_ADDRCONFIG};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(t->host, NULL, &hints, &res);
    const uint16_t *ports = t->port ? &t->port : p->o.ports;
    int n_ports = t->port ? 1 : p->o.n_ports;
    for (int k = 0; k < n_ports; k++) {
        if (rc != 0) {
            char why[120];
            snprintf(why, sizeof(why), "cannot resolve: %s", gai_strerror(rc));
            if (add_job(p, ti, NULL, 0, ports[k], why, err, errlen) != 0) return -1;
            continue;
        }
        int n = 0;
        for (struct addrinfo *ai = res; ai && n < PROBE_MAX_ADDRS; ai = ai->ai_next) {
            if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
            /* getaddrinfo lists an address once per protocol at most with
             * SOCK_STREAM; skip repeats all the same */
            bool dup = false;
            for (struct addrinfo *b = res; b != ai; b = b->ai_next)
                dup |= b->ai_addrlen == ai->ai_addrlen && memcmp(b->ai_addr, ai->ai_addr, ai->ai_addrlen) == 0;
            if (dup) continue;
            if (add_job(p, ti, ai->ai_addr, ai->ai_addrlen, ports[k], NULL, err, errlen) != 0) {
                freeaddrinfo(res);
                return -1;
            }
            n++;
        }
    }
    if (rc == 0) freeaddrinfo(res);
    return 0;
}

struct probe *probe_new(const struct probe_opts *o, const struct probe_sink *sink, char *err,
                        size_t errlen)
{
    struct probe *p = calloc(1, sizeof(*p));
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->o = *o;
    p->sink = *sink;
    if (p->o.parallel <= 0) p->o.parallel = PROBE_DEFAULT_PARALLEL;
    if (p->o.timeout_ms <= 0) p->o.timeout_ms = PROBE_DEFAULT_TIMEOUT_MS;
    int rc = 0;
    switch (o->hello) {
    case PROBE_HELLO_EXPRESSWAY:
        rc = setup_hello(&p->cfg[0], PROBE_EXPRESSWAY_CIPHERS, "ECDSA first", err, errlen);
        if (!rc) rc = setup_hello(&p->cfg[1], PROBE_EXPRESSWAY_RSA_CIPHERS, "RSA first", err, errlen);
        p->n_cfg = 2;
        break;
    case PROBE_HELLO_EXPRESSWAY_ONLY:
        rc = setup_hello(&p->cfg[0], PROBE_EXPRESSWAY_CIPHERS, "ECDSA first", err, errlen);
        p->n_cfg = 1;
        break;
    case PROBE_HELLO_EXPRESSWAY_RSA:
        rc = setup_hello(&p->cfg[0], PROBE_EXPRESSWAY_RSA_CIPHERS, "RSA first", err, errlen);
        p->n_cfg = 1;
        break;
    case PROBE_HELLO_CIPHERS:
        rc = setup_hello(&p->cfg[0], o->ciphers ? o->ciphers : "", "--ciphers", err, errlen);
        p->n_cfg = 1;
        break;
    case PROBE_HELLO_REPLAY: /* the ClientHello comes with each target */
        p->cfg[0].label = "replay";
        p->n_cfg = 1;
        for (int i = 0; i < o->n_targets && rc == 0; i++)
            if (!o->targets[i].hello) {
                snprintf(err, errlen, "--hello replay: %s has no ClientHello to replay (targets "
                         "come from --from-capture only)", o->targets[i].host);
                rc = -1;
            }
        break;
    }
    if (rc == 0 && o->client_cert) {
        p->identity = identity_load(o->client_cert, o->client_key, err, errlen);
        rc = p->identity ? 0 : -1;
        for (int i = 0; i < p->n_cfg; i++) p->cfg[i].pc.identity = p->identity;
    }
    if (rc != 0) {
        probe_free(p);
        return NULL;
    }
    for (int i = 0; i < o->n_targets; i++)
        if (plan_target(p, i, err, errlen) != 0) {
            probe_free(p);
            return NULL;
        }
    if (p->n_jobs == 0) {
        snprintf(err, errlen, "nothing to probe");
        probe_free(p);
        return NULL;
    }
    p->running = calloc((size_t)p->o.parallel, sizeof(*p->running));
    p->running_job = calloc((size_t)p->o.parallel, sizeof(*p->running_job));
    if (!p->running || !p->running_job) {
        snprintf(err, errlen, "out of memory");
        probe_free(p);
        return NULL;
    }
    if (o->write_file || o->keylog_file) {
        p->ev = ev_open(o->write_file, o->keylog_file, err, errlen);
        if (!p->ev) {
            probe_free(p);
            return NULL;
        }
    }
    p->counts.planned = (uint64_t)p->n_jobs;
    return p;
}

/* ---- the facts, through the capture path's dissector ------------------- */

static void sockaddr_bytes(const struct sockaddr_storage *ss, uint8_t ip[16], uint16_t *port)
{
    memset(ip, 0, 16);
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
        memcpy(ip, &s6->sin6_addr, 16);
        *port = ntohs(s6->sin6_port);
    } else {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
        memcpy(ip, &s4->sin_addr, 4);
        *port = ntohs(s4->sin_port);
    }
}

/* The bytes the probe sent and received go through tls_conn_data() in the
 * order they happened, exactly as a capture's reassembled stream would:
 * the ClientHello, ServerHello, a TLS 1.2 chain, alerts are the
 * dissector's own reading. TLS 1.3: the dissector gets the connection's
 * two handshake traffic secrets as a one-connection key log, the way
 * `tlsscope -r` reads a capture with --keylog, and decrypts
 * EncryptedExtensions, CertificateRequest (its CA names, signature
 * algorithms), Certificate and the server's alerts itself. */
static struct tls_conn *facts(struct probe *p, const struct pclient *cl)
{
    struct flow_meta meta = {.id = ++p->flow_id, .saw_syn = true, .first_ts_ns = cl->syn_ts_ns};
    meta.family = cl->peer.ss_family == AF_INET6 ? 6 : 4;
    sockaddr_bytes(&cl->local, meta.addr[FLOW_DIR_A], &meta.port[FLOW_DIR_A]);
    sockaddr_bytes(&cl->peer, meta.addr[FLOW_DIR_B], &meta.port[FLOW_DIR_B]);
    struct tls_conn *c = tls_conn_new(&meta);
    if (!c) return NULL;
    char lines[PC_KEYLOG_LINES_MAX];
    size_t ln = pc_keylog_lines(cl, lines, sizeof(lines));
    struct keylog *kl = ln ? keylog_new() : NULL;
    if (kl && keylog_add_text(kl, "probe", (const uint8_t *)lines, ln) == 2)
        tls_conn_set_keylog(c, kl);
    uint64_t bytes[2] = {0, 0}, packets[2] = {0, 0};
    int64_t last = cl->syn_ts_ns;
    for (int i = 0; i < cl->n_chunks; i++) {
        const struct pc_chunk *k = &cl->chunks[i];
        tls_conn_data(c, k->dir ? FLOW_DIR_B : FLOW_DIR_A, cl->log + k->off, k->len, k->ts_ns);
        bytes[k->dir] += k->len;
        packets[k->dir]++;
        last = k->ts_ns;
    }
    /* The server's answer to our certificate travels under its application
     * key, which no key log line carries: the probe opened it, and its alert
     * is the server's refusal (what the client verdict compares with).
     * TLS 1.2: that alert is plaintext, the dissector reads it itself. */
    if (cl->client_auth == PC_CA_ALERT && cl->version == 0x0304 && c->n_alerts < TLS_MAX_ALERTS) {
        c->alerts[c->n_alerts++] = (struct tls_alert){.from = TLS_SERVER, .level = 2,
                                                      .desc = cl->client_alert, .ts_ns = last};
        c->n_alerts_total++;
    }
    if (cl->fin_ts_ns) tls_conn_fin(c, FLOW_DIR_A, false, cl->fin_ts_ns);
    struct flow_close info = {.reason = FLOW_CLOSE_FIN, .last_ts_ns = cl->fin_ts_ns ? cl->fin_ts_ns : last};
    memcpy(info.bytes, bytes, sizeof(bytes));
    memcpy(info.packets, packets, sizeof(packets));
    tls_conn_close(c, &info);
    tls_conn_set_keylog(c, NULL); /* the parser keeps no pointer to a freed key log */
    keylog_free(kl);
    return c;
}

/* ---- scheduling ----------------------------------------------------------- */

static bool busy(const struct probe *p, const struct job *j)
{
    for (int s = 0; s < p->o.parallel; s++) {
        if (!p->running[s]) continue;
        const struct job *r = &p->jobs[p->running_job[s]];
        if (r->port == j->port && r->addr_len == j->addr_len &&
            memcmp(&r->addr, &j->addr, j->addr_len) == 0)
            return true;
    }
    return false;
}

static void info_of(const struct probe *p, const struct job *j, struct probe_job_info *ji)
{
    ji->target = p->o.targets[j->target].host;
    ji->addr = j->addr_text;
    ji->port = j->port;
    ji->hello = p->cfg[j->cfg].label;
}

/* The server_name sent: the name; an IP literal when addressed by IP (as
 * Expressway's traffic server does); --from-capture: what the client sent. */
static const char *sni_of(const struct probe_target *t)
{
    if (!t->sni_set) return t->host;
    return t->sni[0] ? t->sni : NULL;
}

static void start_more(struct probe *p)
{
    while (p->next < p->n_jobs && p->jobs[p->next].started) p->next++;
    for (int i = p->next; i < p->n_jobs && p->n_running < p->o.parallel && !p->stop; i++) {
        struct job *j = &p->jobs[i];
        if (j->started) continue;
        if (j->resolve_error[0]) {
            j->started = j->finished = true;
            p->counts.started++;
            p->counts.failed++;
            struct probe_job_info ji;
            info_of(p, j, &ji);
            struct pclient fake;
            memset(&fake, 0, sizeof(fake));
            fake.error = PC_UNREACHABLE;
            snprintf(fake.detail, sizeof(fake.detail), "%s", j->resolve_error);
            p->sink.failed(p->sink.ctx, &ji, &fake);
            continue;
        }
        if (busy(p, j)) continue;
        int s = 0;
        while (p->running[s]) s++;
        struct pclient *cl = malloc(sizeof(*cl));
        if (!cl) return; /* try again next step */
        const struct probe_target *t = &p->o.targets[j->target];
        struct pc_config pc = p->cfg[j->cfg].pc;
        pc.sni = sni_of(t);
        pc.replay = t->hello;
        pc.replay_len = t->hello_len;
        pc_start(cl, (const struct sockaddr *)&j->addr, j->addr_len, &pc, p->o.timeout_ms);
        p->running[s] = cl;
        p->running_job[s] = i;
        p->n_running++;
        j->started = true;
        p->counts.started++;
    }
}

static void hand_over(struct probe *p, int s)
{
    struct pclient *cl = p->running[s];
    struct job *j = &p->jobs[p->running_job[s]];
    struct probe_job_info ji;
    info_of(p, j, &ji);
    j->finished = true;
    if (p->ev && !p->ev_error[0]) ev_conn(p->ev, cl, p->ev_error, sizeof(p->ev_error));
    /* a TLS answer: the server's ServerHello or alert was read */
    bool tls = cl->version != 0 || cl->error == PC_ALERT;
    if (tls) {
        struct tls_conn *c = facts(p, cl);
        p->counts.tls++;
        if (c) p->sink.conn(p->sink.ctx, c, &ji, cl);
    } else {
        p->counts.failed++;
        p->sink.failed(p->sink.ctx, &ji, cl);
    }
    pc_free(cl);
    free(cl);
    p->running[s] = NULL;
    p->n_running--;
}

static void progress(struct probe *p)
{
    if (!p->o.progress) return;
    uint64_t done = p->counts.tls + p->counts.failed;
    fprintf(stderr, "\r\033[Kprobe: %llu/%llu connections done, %d open",
            (unsigned long long)done, (unsigned long long)p->counts.planned, p->n_running);
    p->progress_shown = true;
}

int probe_step(struct probe *p, int wait_ms)
{
    if (p->stop) {
        for (int s = 0; s < p->o.parallel; s++)
            if (p->running[s]) {
                pc_stop(p->running[s]);
                hand_over(p, s);
            }
        for (int i = 0; i < p->n_jobs; i++)
            if (!p->jobs[i].started) {
                p->jobs[i].started = true;
                p->counts.not_started++;
            }
        p->next = p->n_jobs;
    }
    start_more(p);
    if (p->n_running == 0) {
        if (p->progress_shown) fputs("\r\033[K", stderr);
        p->progress_shown = false;
        return p->next < p->n_jobs ? 1 : 0;
    }
    struct pollfd pfd[PROBE_MAX_PARALLEL];
    int slot[PROBE_MAX_PARALLEL], n = 0;
    int64_t now = pc_now_ms(), soonest = now + wait_ms;
    for (int s = 0; s < p->o.parallel; s++) {
        struct pclient *cl = p->running[s];
        if (!cl) continue;
        if (cl->state != PC_DONE) {
            pfd[n] = (struct pollfd){.fd = cl->fd, .events = pc_events(cl)};
            slot[n++] = s;
            if (cl->deadline_ms < soonest) soonest = cl->deadline_ms;
        }
    }
    int timeout = soonest > now ? (int)(soonest - now) : 0;
    if (n > 0 && poll(pfd, (nfds_t)n, timeout) > 0) {
        for (int i = 0; i < n; i++)
            if (pfd[i].revents) {
                pc_io(p->running[slot[i]], pfd[i].revents);
            }
    }
    now = pc_now_ms();
    for (int s = 0; s < p->o.parallel; s++) {
        if (!p->running[s]) continue;
        pc_tick(p->running[s], now);
        if (p->running[s]->state == PC_DONE) hand_over(p, s);
    }
    progress(p);
    return 1;
}

void probe_stop(struct probe *p) { p->stop = 1; }

const struct probe_counts *probe_counts(const struct probe *p) { return &p->counts; }

int probe_finish(struct probe *p, char *err, size_t errlen)
{
    if (p->ev && ev_close(p->ev, p->ev_error[0] ? NULL : p->ev_error, sizeof(p->ev_error)) != 0 &&
        !p->ev_error[0])
        snprintf(p->ev_error, sizeof(p->ev_error), "cannot write the evidence files");
    p->ev = NULL;
    if (!p->ev_error[0]) return 0;
    snprintf(err, errlen, "%s", p->ev_error);
    return -1;
}

void probe_free(struct probe *p)
{
    if (!p) return;
    if (p->ev) ev_close(p->ev, NULL, 0);
    if (p->running)
        for (int s = 0; s < p->o.parallel; s++)
            if (p->running[s]) {
                pc_free(p->running[s]);
                free(p->running[s]);
            }
    identity_free(p->identity);
    free(p->running);
    free(p->running_job);
    free(p->jobs);
    free(p);
}
