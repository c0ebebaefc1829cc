/* logcorr.c — tie Expressway log failures to captured connections (the
 * matching rule is in logcorr.h).
 *
 * Failures are indexed by server IP (sorted), so each connection looks only
 * at the failures about its own server: O(connections × failures per
 * server), not O(connections × failures).
 */
#include "logcorr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/timefmt.h"

struct near {
    bool have;
    int64_t dist;        /* |log − connection span| */
    int64_t signed_ns;   /* log − first packet */
    uint64_t seq;
    uint16_t port;
    bool has_sni;
    char sni[96];
};

struct logcorr {
    const struct explog *lg;
    int64_t window;
    struct logcorr_match *m;
    size_t nm;
    struct near *near;
    size_t *by_ip;             /* failure indices sorted by server IP */
    struct logcorr_conn *conns;
    size_t nc, capc;
    uint64_t dropped;
    struct logcorr_unmentioned *groups; /* failing connections no line is about */
    size_t ngroups, capgroups;
    int32_t *group_slot;       /* open addressing over groups: index + 1 */
    uint64_t unmentioned;
    const char **send_ips;     /* distinct Dst-ip of the log's requests, sorted */
    size_t nsend;
    bool finished;
};

static const struct logcorr *sort_ctx;

static int by_ip_cmp(const void *a, const void *b)
{
    const struct explog_failure *x = explog_failure(sort_ctx->lg, *(const size_t *)a);
    const struct explog_failure *y = explog_failure(sort_ctx->lg, *(const size_t *)b);
    int c = strcmp(x->server_ip, y->server_ip);
    if (c) return c;
    return (*(const size_t *)a > *(const size_t *)b) - (*(const size_t *)a < *(const size_t *)b);
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct logcorr *logcorr_new(const struct explog *lg, const struct logcorr_opts *opts)
{
    struct logcorr *lc = calloc(1, sizeof(*lc));
    if (!lc) return NULL;
    lc->lg = lg;
    lc->window = opts && opts->window_ns > 0 ? opts->window_ns : LOGCORR_DEFAULT_WINDOW_NS;
    lc->nm = explog_n_failures(lg);
    size_t nt = explog_n_txns(lg);
    lc->m = calloc(lc->nm + 1, sizeof(*lc->m));
    lc->near = calloc(lc->nm + 1, sizeof(*lc->near));
    lc->by_ip = calloc(lc->nm + 1, sizeof(*lc->by_ip));
    lc->send_ips = calloc(nt * EXPLOG_TXN_MAX_SENDS + 1, sizeof(*lc->send_ips));
    if (!lc->m || !lc->near || !lc->by_ip || !lc->send_ips) {
        logcorr_free(lc);
        return NULL;
    }
    for (size_t i = 0; i < lc->nm; i++) {
        const struct explog_failure *f = explog_failure(lg, i);
        struct logcorr_match *m = &lc->m[i];
        m->f = f;
        m->conn = -1;
        m->code = f->kind == EXPLOG_SNI_FAILED ? VERR_HOSTNAME_MISMATCH
                  : f->kind == EXPLOG_CERT_FAILED ? verdict_code_from_text(f->error)
                                                  : -1;
        lc->by_ip[i] = i;
    }
    sort_ctx = lc;
    qsort(lc->by_ip, lc->nm, sizeof(*lc->by_ip), by_ip_cmp);
    for (size_t i = 0; i < nt; i++) {
        const struct explog_txn *t = explog_txn(lg, i);
        for (int k = 0; k < t->n_sends; k++)
            if (t->sends[k]->ip[0]) lc->send_ips[lc->nsend++] = t->sends[k]->ip;
    }
    qsort(lc->send_ips, lc->nsend, sizeof(*lc->send_ips), str_cmp);
    return lc;
}

void logcorr_free(struct logcorr *lc)
{
    if (!lc) return;
    free(lc->m);
    free(lc->near);
    free(lc->by_ip);
    free(lc->conns);
    free(lc->groups);
    free(lc->group_slot);
    free(lc->send_ips);
    free(lc);
}

/* [lo, hi) of by_ip whose failures have server IP `ip`. */
static void ip_range(const struct logcorr *lc, const char *ip, size_t *lo, size_t *hi)
{
    size_t a = 0, b = lc->nm;
    while (a < b) {
        size_t mid = (a + b) / 2;
        if (strcmp(explog_failure(lc->lg, lc->by_ip[mid])->server_ip, ip) < 0) a = mid + 1;
        else b = mid;
    }
    *lo = a;
    b = lc->nm;
    while (a < b) {
        size_t mid = (a + b) / 2;
        if (strcmp(explog_failure(lc->lg, lc->by_ip[mid])->server_ip, ip) <= 0) a = mid + 1;
        else b = mid;
    }
    *hi = a;
}

static bool log_sent_to(const struct logcorr *lc, const char *ip)
{
    return bsearch(&ip, lc->send_ips, lc->nsend, sizeof(*lc->send_ips), str_cmp) != NULL;
}

static int64_t span_dist(const struct logcorr_conn *c, int64_t t)
{
    if (t < c->first_ts_ns) return c->first_ts_ns - t;
    if (t > c->last_ts_ns) return t - c->last_ts_ns;
    return 0;
}

/* Two address texts for the same address ("FD00::1" / "fd00:0::1"). */
static bool same_ip(const char *a, const char *b)
{
    unsigned char x[16], y[16];
    if (inet_pton(AF_INET, a, x) == 1 && inet_pton(AF_INET, b, y) == 1) return !memcmp(x, y, 4);
    if (inet_pton(AF_INET6, a, x) == 1 && inet_pton(AF_INET6, b, y) == 1) return !memcmp(x, y, 16);
    return false;
}

/* The name Expressway verified is the SNI it sent; without SNI it is the
 * server's address. */
static bool name_fits(const struct explog_failure *f, const struct logcorr_conn *c)
{
    if (c->has_sni) return strcasecmp(f->name, c->sni) == 0 || same_ip(f->name, c->sni);
    return strcmp(f->name, c->server_ip) == 0 || same_ip(f->name, c->server_ip);
}

static bool fits(const struct logcorr *lc, const struct explog_failure *f,
                 const struct logcorr_conn *c)
{
    if (f->server_ip[0] && strcmp(f->server_ip, c->server_ip) != 0) return false;
    if (f->port >= 0 && f->port != c->server_port) return false;
    if (!name_fits(f, c)) return false;
    return span_dist(c, f->ts_ns) <= lc->window;
}

/* An address as the log writes it ("10.48.36.215", "fd00::1"). */
static void ip_text(char *buf, size_t len, uint8_t family, const uint8_t *addr)
{
    if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)len))
        snprintf(buf, len, "?");
}

void logcorr_conn_from_record(struct logcorr_conn *out, const struct conn_record *r)
{
    const struct tls_conn *t = r->tls;
    const struct verdict *v = &r->verdict;
    memset(out, 0, sizeof(*out));
    out->seq = r->seq;
    out->first_ts_ns = t->first_ts_ns;
    out->last_ts_ns = t->last_ts_ns > t->first_ts_ns ? t->last_ts_ns : t->first_ts_ns;
    out->chain_ts_ns = t->chain_ts_ns;
    ip_text(out->server_ip, sizeof(out->server_ip), t->family, t->server_ip);
    ip_text(out->client_ip, sizeof(out->client_ip), t->family, t->client_ip);
    out->server_port = t->server_port;
    out->client_port = t->client_port;
    if (t->ch.has_sni) {
        /* as the client's C string: up to a NUL (verdict.c does the same) */
        size_t n = t->ch.sni_len;
        const void *nul = memchr(t->ch.sni, 0, n);
        if (nul) n = (size_t)((const uint8_t *)nul - t->ch.sni);
        if (n >= sizeof(out->sni)) n = sizeof(out->sni) - 1;
        memcpy(out->sni, t->ch.sni, n);
        out->has_sni = n > 0;
    }
    out->status = v->status;
    out->code = v->code;
    out->depth = v->depth;
    out->name_failure = v->status == VERDICT_FAILED && strncmp(v->reason, "SNI (", 5) == 0;
    snprintf(out->reason, sizeof(out->reason), "%s", v->reason);
    snprintf(out->would_log, sizeof(out->would_log), "%s", v->would_log);
    snprintf(out->not_judged, sizeof(out->not_judged), "%s", v->not_judged);
    out->match = -1;
}

const char *logcorr_logged_line(const struct explog_record *r)
{
    const char *s = r->message;
    if (s[0] == '[') {
        const char *e = strchr(s, ']');
        if (e) s = e + 1;
        while (*s == ' ') s++;
    }
    size_t lv = strlen(r->level);
    if (lv && strncmp(s, r->level, lv) == 0 && s[lv] == ':') {
        s += lv + 1;
        while (*s == ' ') s++;
    }
    return s;
}

static void compare(struct logcorr_match *m, const struct logcorr_conn *c)
{
    const struct explog_failure *f = m->f;
    char *o = m->comparison;
    size_t n = sizeof(m->comparison);
    if (c->status == VERDICT_NOT_JUDGED) {
        m->agrees = LOGCORR_AGREE_UNKNOWN;
        snprintf(o, n, "cannot compare: tlsscope did not judge this connection (%s)",
                 c->not_judged[0] ? c->not_judged : "no verdict");
        return;
    }
    if (c->status == VERDICT_TRUSTED) {
        m->agrees = LOGCORR_AGREE_NO;
        snprintf(o, n,
                 "no: tlsscope finds this chain trusted, Expressway-C did not - its trust store "
                 "differs from --trust (another cluster node? changed since?)");
        return;
    }
    if (f->kind == EXPLOG_SSL_FAILED) {
        m->agrees = LOGCORR_AGREE_YES;
        snprintf(o, n, "yes: both fail; the log line gives no reason, tlsscope says: %.200s",
                 c->reason);
        return;
    }
    if (c->would_log[0] && strcmp(c->would_log, logcorr_logged_line(f->rec)) == 0) {
        m->agrees = LOGCORR_AGREE_YES;
        snprintf(o, n, "yes: the same line");
        return;
    }
    if (f->kind == EXPLOG_SNI_FAILED) {
        if (c->name_failure) {
            m->agrees = LOGCORR_AGREE_YES;
            snprintf(o, n, "yes: the same name failure");
        } else {
            m->agrees = LOGCORR_AGREE_NO;
            snprintf(o, n,
                     "no: the log says the name failed, tlsscope says %.160s (code %d, depth %d)",
                     c->reason, c->code, c->depth);
        }
        return;
    }
    if (c->name_failure) {
        m->agrees = LOGCORR_AGREE_NO;
        snprintf(o, n, "no: logged \"%.120s\" (depth %d), tlsscope says %.160s", f->error,
                 f->depth, c->reason);
        return;
    }
    if (m->code >= 0 && m->code == c->code && f->depth == c->depth) {
        m->agrees = LOGCORR_AGREE_YES;
        snprintf(o, n, "yes: the same error at the same depth");
    } else if (m->code >= 0 && m->code == c->code) {
        m->agrees = LOGCORR_AGREE_NO;
        snprintf(o, n, "no: the same error, but logged at depth %d, predicted at depth %d",
                 f->depth, c->depth);
    } else {
        m->agrees = LOGCORR_AGREE_NO;
        snprintf(o, n, "no: logged \"%.120s\" (depth %d), tlsscope predicts \"%.120s\" (code "
                       "%d, depth %d)",
                 f->error, f->depth, c->reason, c->code, c->depth);
    }
}

static int keep_conn(struct logcorr *lc, const struct logcorr_conn *c)
{
    if (lc->nc >= LOGCORR_MAX_CONNS) {
        lc->dropped++;
        return -1;
    }
    if (lc->nc == lc->capc) {
        size_t nc = lc->capc ? lc->capc * 2 : 64;
        struct logcorr_conn *p = realloc(lc->conns, nc * sizeof(*p));
        if (!p) {
            lc->dropped++;
            return -1;
        }
        lc->conns = p;
        lc->capc = nc;
    }
    lc->conns[lc->nc] = *c;
    return (int)lc->nc++;
}

static void assign(struct logcorr *lc, size_t fi, int ci, bool late)
{
    struct logcorr_match *m = &lc->m[fi];
    struct logcorr_conn *c = &lc->conns[ci];
    m->conn = ci;
    m->conn_seq = c->seq;
    m->late = late;
    int64_t ref = c->chain_ts_ns ? c->chain_ts_ns : c->first_ts_ns;
    m->delta_ns = m->f->ts_ns - ref;
    c->match = (int)fi;
    compare(m, c);
}

static void look_range(struct logcorr *lc, const struct logcorr_conn *c, size_t lo, size_t hi,
                       bool claim, long *best, int64_t *best_dist)
{
    for (size_t k = lo; k < hi; k++) {
        size_t fi = lc->by_ip[k];
        const struct explog_failure *f = lc->m[fi].f;
        if (f->server_ip[0]) {
            /* nearest connection to this server, for "why unmatched" */
            struct near *nr = &lc->near[fi];
            int64_t d = span_dist(c, f->ts_ns);
            if (!nr->have || d < nr->dist) {
                nr->have = true;
                nr->dist = d;
                nr->signed_ns = f->ts_ns - c->first_ts_ns;
                nr->seq = c->seq;
                nr->port = c->server_port;
                nr->has_sni = c->has_sni;
                snprintf(nr->sni, sizeof(nr->sni), "%.95s", c->sni);
            }
        }
        if (!claim || lc->m[fi].conn >= 0 || !fits(lc, f, c)) continue;
        int64_t d = span_dist(c, f->ts_ns);
        if (*best < 0 || d < *best_dist) {
            *best = (long)fi;
            *best_dist = d;
        }
    }
}

#define GROUP_SLOTS 8192 /* power of two, > 2 * LOGCORR_MAX_GROUPS */

static bool same_group(const struct logcorr_conn *a, const struct logcorr_conn *b)
{
    return a->server_port == b->server_port && a->code == b->code && a->depth == b->depth &&
           a->name_failure == b->name_failure && a->has_sni == b->has_sni &&
           strcmp(a->server_ip, b->server_ip) == 0 && strcmp(a->sni, b->sni) == 0;
}

static uint64_t group_hash(const struct logcorr_conn *c)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = c->server_ip; *p; p++) h = (h ^ (uint8_t)*p) * 1099511628211ULL;
    for (const char *p = c->sni; *p; p++) h = (h ^ (uint8_t)*p) * 1099511628211ULL;
    h = (h ^ c->server_port) * 1099511628211ULL;
    h = (h ^ (uint32_t)c->code) * 1099511628211ULL;
    h = (h ^ (uint32_t)c->depth) * 1099511628211ULL;
    return h;
}

/* A failing connection no log line is about: counted in its group, the
 * first LOGCORR_EXAMPLES kept whole. */
static void add_unmentioned(struct logcorr *lc, const struct logcorr_conn *c)
{
    if (!lc->group_slot && !(lc->group_slot = calloc(GROUP_SLOTS, sizeof(*lc->group_slot)))) {
        lc->dropped++;
        return;
    }
    size_t i = (size_t)group_hash(c) & (GROUP_SLOTS - 1);
    struct logcorr_unmentioned *g = NULL;
    for (size_t probes = 0; probes < GROUP_SLOTS; probes++, i = (i + 1) & (GROUP_SLOTS - 1)) {
        int32_t s = lc->group_slot[i];
        if (s == 0) break;
        if (same_group(&lc->groups[s - 1].example[0], c)) {
            g = &lc->groups[s - 1];
            break;
        }
    }
    if (!g) {
        if (lc->ngroups >= LOGCORR_MAX_GROUPS || lc->group_slot[i] != 0) {
            lc->dropped++;
            return;
        }
        if (lc->ngroups == lc->capgroups) {
            size_t n = lc->capgroups ? lc->capgroups * 2 : 8;
            struct logcorr_unmentioned *p = realloc(lc->groups, n * sizeof(*p));
            if (!p) {
                lc->dropped++;
                return;
            }
            lc->groups = p;
            lc->capgroups = n;
        }
        g = &lc->groups[lc->ngroups];
        memset(g, 0, sizeof(*g));
        lc->group_slot[i] = (int32_t)++lc->ngroups;
    }
    if (g->n_examples < LOGCORR_EXAMPLES) g->example[g->n_examples++] = *c;
    g->count++;
    g->last_seq = c->seq;
    if (c->first_ts_ns > g->last_ts_ns) g->last_ts_ns = c->first_ts_ns;
    lc->unmentioned++;
}

int logcorr_add(struct logcorr *lc, const struct logcorr_conn *c)
{
    size_t lo, hi, elo, ehi;
    ip_range(lc, c->server_ip, &lo, &hi);
    ip_range(lc, "", &elo, &ehi); /* failures that name no address */
    bool claim = c->status != VERDICT_TRUSTED && !lc->finished;
    long best = -1;
    int64_t best_dist = 0;
    look_range(lc, c, lo, hi, claim, &best, &best_dist);
    look_range(lc, c, elo, ehi, claim, &best, &best_dist);
    if (best < 0 && c->status == VERDICT_FAILED) {
        /* the failures are all known: what cannot claim one now never will */
        add_unmentioned(lc, c);
        return -1;
    }
    if (best < 0) {
        /* a trusted connection is kept only while a failure still fits it
         * (logcorr_finish gives it the leftovers) */
        bool may_pair = false;
        for (size_t k = lo; k < hi && !may_pair; k++)
            may_pair = lc->m[lc->by_ip[k]].conn < 0 && fits(lc, lc->m[lc->by_ip[k]].f, c);
        for (size_t k = elo; k < ehi && !may_pair; k++)
            may_pair = lc->m[lc->by_ip[k]].conn < 0 && fits(lc, lc->m[lc->by_ip[k]].f, c);
        if (c->status != VERDICT_TRUSTED || !may_pair) return -1;
    }
    int ci = keep_conn(lc, c);
    if (ci < 0) return -1;
    if (best >= 0) {
        assign(lc, (size_t)best, ci, false);
        return (int)best;
    }
    return -1;
}

int logcorr_add_conn(struct logcorr *lc, const struct conn_record *r)
{
    struct logcorr_conn c;
    logcorr_conn_from_record(&c, r);
    return logcorr_add(lc, &c);
}

static const char *secs(int64_t ns, char *b, size_t n)
{
    snprintf(b, n, "%+.3f s", (double)ns / 1e9);
    return b;
}

static void explain_unmatched(struct logcorr *lc, size_t fi, bool captured, int64_t first,
                              int64_t last)
{
    struct logcorr_match *m = &lc->m[fi];
    const struct explog_failure *f = m->f;
    const struct near *nr = &lc->near[fi];
    char *o = m->unmatched;
    size_t n = sizeof(m->unmatched);
    char t0[TIMEFMT_LEN], t1[TIMEFMT_LEN], d[32];
    double w = (double)lc->window / 1e9;
    if (!captured) {
        m->why = LOGCORR_WHY_NO_CAPTURE;
        snprintf(o, n, "no capture to compare with");
    } else if (!first) {
        m->why = LOGCORR_WHY_NO_PACKETS;
        snprintf(o, n, "the captures hold no packets");
    } else if (f->ts_ns < first - lc->window || f->ts_ns > last + lc->window) {
        m->why = LOGCORR_WHY_OUTSIDE_TIME;
        snprintf(o, n,
                 "logged outside the captured time (%s .. %s): the capture was not running "
                 "then, or the clocks of log and capture differ",
                 time_iso8601(first, 3, t0), time_iso8601(last, 3, t1));
    } else if (!f->server_ip[0]) {
        m->why = LOGCORR_WHY_NO_SNI_MATCH;
        snprintf(o, n,
                 "no captured connection with SNI %.120s within +/-%g s (the line names no "
                 "address)",
                 f->name, w);
    } else if (!nr->have) {
        m->why = LOGCORR_WHY_NO_CONN_TO_IP;
        snprintf(o, n,
                 "the captures hold no TLS connection to %s: a capture filter, another "
                 "interface, or another cluster node (each node logs and captures its own "
                 "connections)",
                 f->server_ip);
    } else {
        char why[200];
        m->near_seq = nr->seq;
        m->why = LOGCORR_WHY_NAME;
        if (f->port >= 0 && nr->port != f->port) {
            m->why = LOGCORR_WHY_PORT;
            snprintf(why, sizeof(why), "port %u, not %d", nr->port, f->port);
        } else if (nr->has_sni && strcasecmp(nr->sni, f->name) != 0) {
            snprintf(why, sizeof(why), "its SNI is %.100s, not %.80s", nr->sni, f->name);
        } else if (!nr->has_sni && strcmp(f->server_ip, f->name) != 0) {
            snprintf(why, sizeof(why), "it sent no SNI, the log names %.80s", f->name);
        } else {
            m->why = LOGCORR_WHY_WINDOW;
            snprintf(why, sizeof(why),
                     "outside the +/-%g s window: clock skew between log and capture? "
                     "(--log-window)", w);
        }
        snprintf(o, n, "the nearest connection to %s is #%llu (%s from its first packet): %s",
                 f->server_ip, (unsigned long long)nr->seq, secs(nr->signed_ns, d, sizeof(d)),
                 why);
    }
}

/* Why no log line is about this failing connection. */
static void explain_unmentioned(const struct logcorr *lc, const struct logcorr_conn *c, char *o,
                                size_t n)
{
    const struct explog_stats *ls = explog_stats(lc->lg);
    char t0[TIMEFMT_LEN], t1[TIMEFMT_LEN];
    int64_t t = c->first_ts_ns;
    /* an unpaired log failure about the same server: say why not */
    size_t lo, hi;
    ip_range(lc, c->server_ip, &lo, &hi);
    /* the most telling one: same port and name (only the time is off),
     * then same port, then any; nearest in time among those */
    long near_f = -1;
    int64_t near_d = 0;
    int near_rank = 3;
    for (size_t k = lo; k < hi; k++) {
        const struct logcorr_match *m = &lc->m[lc->by_ip[k]];
        if (m->conn >= 0) continue;
        bool port_ok = m->f->port < 0 || m->f->port == c->server_port;
        int rank = port_ok && name_fits(m->f, c) ? 0 : port_ok ? 1 : 2;
        int64_t d = span_dist(c, m->f->ts_ns);
        if (rank > near_rank || (rank == near_rank && d >= near_d)) continue;
        near_f = (long)lc->by_ip[k];
        near_d = d;
        near_rank = rank;
    }
    if (near_f >= 0) {
        const struct explog_failure *f = lc->m[near_f].f;
        char why[200], d[32];
        if (f->port >= 0 && f->port != c->server_port)
            snprintf(why, sizeof(why), "it is about port %d", f->port);
        else if (!name_fits(f, c))
            snprintf(why, sizeof(why), "it names %.100s", f->name);
        else
            snprintf(why, sizeof(why), "it is outside the +/-%g s window (--log-window)",
                     (double)lc->window / 1e9);
        snprintf(o, n, "the log's failure about %s at %s (%s from this connection's first "
                       "packet) was not paired with it: %s",
                 c->server_ip, time_iso8601(f->ts_ns, 3, t0),
                 secs(f->ts_ns - c->first_ts_ns, d, sizeof(d)), why);
    } else if (!ls->first_ts_ns) {
        snprintf(o, n, "the log has no traffic_server records");
    } else if (t < ls->first_ts_ns - lc->window || t > ls->last_ts_ns + lc->window) {
        snprintf(o, n, "the log covers %s .. %s, not this moment",
                 time_iso8601(ls->first_ts_ns, 3, t0), time_iso8601(ls->last_ts_ns, 3, t1));
    } else if (log_sent_to(lc, c->server_ip)) {
        snprintf(o, n,
                 "the log sends requests to %s but logs no failure near this moment: another "
                 "client made this connection, or Expressway-C does not verify "
                 "(xConfiguration EdgeConfigServer VerifyOriginServer)",
                 c->server_ip);
    } else {
        snprintf(o, n,
                 "the log has no request to %s: another client or another cluster node made "
                 "this connection",
                 c->server_ip);
    }
}

void logcorr_finish(struct logcorr *lc, bool captured, int64_t first, int64_t last)
{
    if (lc->finished) return;
    lc->finished = true;
    /* leftovers: trusted connections that fit */
    for (size_t fi = 0; fi < lc->nm; fi++) {
        if (lc->m[fi].conn >= 0) continue;
        long best = -1;
        int64_t bd = 0;
        for (size_t ci = 0; ci < lc->nc; ci++) {
            const struct logcorr_conn *c = &lc->conns[ci];
            if (c->match >= 0 || !fits(lc, lc->m[fi].f, c)) continue;
            int64_t d = span_dist(c, lc->m[fi].f->ts_ns);
            if (best < 0 || d < bd) {
                best = (long)ci;
                bd = d;
            }
        }
        if (best >= 0) assign(lc, fi, (int)best, true);
        else explain_unmatched(lc, fi, captured, first, last);
    }
    for (size_t gi = 0; gi < lc->ngroups; gi++)
        for (int e = 0; e < lc->groups[gi].n_examples; e++)
            explain_unmentioned(lc, &lc->groups[gi].example[e], lc->groups[gi].why[e],
                                sizeof(lc->groups[gi].why[e]));
}

int64_t logcorr_window_ns(const struct logcorr *lc) { return lc->window; }
bool logcorr_finished(const struct logcorr *lc) { return lc->finished; }
size_t logcorr_n_matches(const struct logcorr *lc) { return lc->nm; }
const struct logcorr_match *logcorr_match(const struct logcorr *lc, size_t i)
{
    return i < lc->nm ? &lc->m[i] : NULL;
}
size_t logcorr_n_conns(const struct logcorr *lc) { return lc->nc; }
const struct logcorr_conn *logcorr_conn(const struct logcorr *lc, size_t i)
{
    return i < lc->nc ? &lc->conns[i] : NULL;
}
int logcorr_match_for_seq(const struct logcorr *lc, uint64_t seq)
{
    for (size_t i = 0; i < lc->nc; i++)
        if (lc->conns[i].seq == seq) return lc->conns[i].match;
    return -1;
}
size_t logcorr_n_unmentioned(const struct logcorr *lc) { return lc->ngroups; }
uint64_t logcorr_unmentioned_total(const struct logcorr *lc) { return lc->unmentioned; }
const struct logcorr_unmentioned *logcorr_unmentioned(const struct logcorr *lc, size_t i)
{
    return i < lc->ngroups ? &lc->groups[i] : NULL;
}
uint64_t logcorr_dropped(const struct logcorr *lc) { return lc->dropped; }
