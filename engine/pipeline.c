/* pipeline.c — source → decode → flows → TLS facts → verdicts → front end.
 *
 * Per TCP flow the engine keeps only a small `struct flow_app`; the (larger)
 * tls_conn is created on the first payload byte, so a flood of half-open
 * connections costs the flow table's entry and nothing more.
 */
#include "pipeline.h"

#include "common/recycle.h"
#include "capture/udpflow.h"
#include "dissect/dtls.h"
#include "dissect/keylog.h"
#include "dissect/names.h"
#include "dissect/quic.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trust/vcache.h"

#define PIPELINE_CERT_CACHE 20000      /* distinct certificates kept parsed */
/* ... and their estimated memory (trust/cert.h certcache_limit_bytes): a
 * capture with 100 000 distinct certificates held 80 MiB with the count
 * limit alone (bench/RESULTS.md); this keeps a few thousand ordinary ones. */
#define PIPELINE_CERT_CACHE_BYTES (16u * 1024 * 1024)
#define PIPELINE_VERDICT_CACHE 256     /* verdicts remembered (trust/vcache.h) */
#define PIPELINE_SERVER_SLOTS 1024     /* last full-handshake verdict per server */
#define PIPELINE_EXPIRE_EVERY 4096     /* packets between idle-flow sweeps */
#define PIPELINE_PENDING_EVENTS 2      /* flow events before the first payload */
#define PIPELINE_LIVE_EXPIRE_NS 1000000000ll /* live: idle-flow sweep at least every 1 s */
#define PIPELINE_SOURCE_WAIT_MS 100     /* a connection source's step returns at least this often */
#define PIPELINE_DTLS_REASM_BYTES (64ull * 1024 * 1024) /* DTLS fragments held, all associations */

struct server_slot {                  /* for "presumed" verdicts of resumed sessions */
    uint64_t key;
    uint64_t flow_id;
    uint64_t seq;                     /* the connection number users see (#N) */
    struct verdict verdict;
};

struct flow_app {
    struct flow_meta meta;
    struct conn_record *rec;          /* NULL until the first payload or event */
    struct flow_event pending[PIPELINE_PENDING_EVENTS];
    int n_pending;
};

struct pipeline {
    uint64_t verify_used0;             /* cert_verify_units_used() when this run began */
    struct pipeline_opts opts;
    struct pipeline_ops ops;
    struct cap_source *src;
    struct flow_table *flows;
    struct udp_table *udp;            /* DTLS and QUIC associations (see "UDP / DTLS" below) */
    bool udp_next_quic;               /* udp_want's verdict for udp_open */
    struct dtls_budget dtls_budget;
    struct cert_cache *certs;
    struct verdict_cache *verdicts;   /* NULL if out of memory: judged uncached */
    struct pipeline_stats stats;
    struct server_slot *servers[PIPELINE_SERVER_SLOTS];
    uint64_t next_seq;
    uint64_t packets_since_expire;
    volatile sig_atomic_t stop;
    bool finished;
    /* during flowtab_flush: records are collected and handed over in order */
    bool flushing;
    struct conn_record **flush_buf;
    size_t flush_n, flush_cap;
    /* live capture */
    int64_t deadline_ms;              /* CLOCK_MONOTONIC; 0 = none (--duration) */
    int64_t last_expire_ns;           /* capture time of the last idle-flow sweep */
};

/* ---- records ---------------------------------------------------------- */

/* A server slot's verdict, and a resumed connection's presumed copy of it,
 * show the certificates of an earlier connection, whose record gives its
 * references back when it is freed; then the cert cache may evict them.
 * So the slot and the presumed verdict hold their own references on the
 * server's certificates of the path (store certificates live as long as
 * the store). take: cert_ref, else certcache_unref. */
static void path_refs(struct pipeline *p, const struct verdict *v, bool take)
{
    for (int i = 0; i < v->n_path && i < VERDICT_MAX_PATH; i++) {
        const struct chain_link *l = &v->path[i];
        if (l->src != CHAIN_FROM_PEER || !l->cert) continue;
        if (take) cert_ref(l->cert);
        else certcache_unref(p->certs, l->cert);
    }
}

/* struct conn_record blocks (common/recycle.h) */
static struct recycle record_blocks = RECYCLE_INIT(sizeof(struct conn_record));

/* A record around a new tls_conn (NULL: allocation failed; tls is consumed). */
static struct conn_record *record_wrap(struct pipeline *p, struct tls_conn *tls)
{
    struct conn_record *r = tls ? recycle_calloc(&record_blocks) : NULL;
    if (!r) {
        tls_conn_free(tls);
        return NULL;
    }
    r->tls = tls;
    r->owner = p;
    r->verdict.code = -1;
    r->verdict.depth = -1;
    return r;
}

static struct conn_record *record_new(struct pipeline *p, struct flow_app *fa)
{
    struct conn_record *r = record_wrap(p, tls_conn_new(&fa->meta));
    if (!r) return NULL;
    tls_conn_set_keylog(r->tls, p->opts.keylog);
    if (p->opts.keep_client_hello) tls_conn_keep_client_hello(r->tls);
    for (int i = 0; i < fa->n_pending; i++) tls_conn_flow_event(r->tls, &fa->pending[i]);
    fa->n_pending = 0;
    return r;
}

void conn_record_free(struct conn_record *r)
{
    if (!r) return;
    struct pipeline *p = r->owner;
    for (int i = 0; i < r->n_chain; i++)
        if (r->chain[i] && p) certcache_unref(p->certs, r->chain[i]);
    for (int i = 0; i < r->n_client_chain; i++)
        if (r->client_chain[i] && p) certcache_unref(p->certs, r->client_chain[i]);
    if (r->verdict.presumed && p) path_refs(p, &r->verdict, false);
    free(r->client);
    tls_conn_free(r->tls);
    recycle_free(&record_blocks, r);
}

/* ---- resumed sessions: the earlier full handshake with the same server --- */

static uint64_t server_key(const struct tls_conn *c)
{
    /* FNV-1a over transport, family, server address, port and SNI: a DTLS
     * session never resumes a TLS one (nor do their flow ids compare) */
    uint64_t h = 1469598103934665603ULL;
    const uint8_t transport = c->is_dtls || c->is_quic ? 17 : 6;
    const uint8_t *parts[4] = {&transport, &c->family, c->server_ip, c->ch.sni};
    size_t lens[4] = {1, 1, 16, c->ch.has_sni ? c->ch.sni_len : 0};
    for (int k = 0; k < 4; k++)
        for (size_t i = 0; i < lens[k]; i++) h = (h ^ parts[k][i]) * 1099511628211ULL;
    h = (h ^ (c->server_port & 0xff)) * 1099511628211ULL;
    h = (h ^ (c->server_port >> 8)) * 1099511628211ULL;
    return h ? h : 1;
}

static void server_remember(struct pipeline *p, const struct conn_record *r)
{
    uint64_t key = server_key(r->tls);
    struct server_slot **slot = &p->servers[key % PIPELINE_SERVER_SLOTS];
    if (*slot) path_refs(p, &(*slot)->verdict, false);
    else *slot = malloc(sizeof(**slot));
    if (!*slot) return;
    path_refs(p, &r->verdict, true);
    (*slot)->key = key;
    (*slot)->flow_id = r->tls->flow_id;
    (*slot)->seq = r->seq;
    verdict_copy(&(*slot)->verdict, &r->verdict);
}

static const struct server_slot *server_lookup(const struct pipeline *p,
                                               const struct tls_conn *c)
{
    uint64_t key = server_key(c);
    const struct server_slot *s = p->servers[key % PIPELINE_SERVER_SLOTS];
    return (s && s->key == key) ? s : NULL;
}

/* ---- judging ------------------------------------------------------------ */

static int intern_chain(struct pipeline *p, const struct tls_certificate *msg,
                        const struct cert **out)
{
    int n = 0;
    for (int i = 0; i < msg->n && i < TLS_MAX_CHAIN; i++) {
        const struct cert *c = certcache_intern(p->certs, msg->certs[i].der, msg->certs[i].len);
        out[n++] = c; /* NULL stays in place: the position matters for depth */
    }
    return n;
}

/* The certificate cache refused some of the chain (CERT_CACHE_HARD_MAX_BYTES
 * full of referenced certificates: a front end that keeps every record, as
 * the browser does). The verdict must not depend on that, or the browser
 * and the batch report would disagree: the chain is judged with temporary
 * copies of the refused certificates, which are freed again, and the
 * verdict's path keeps no pointer to them (those links show "certificate
 * missing"; the summary counts "certificates not stored"). */
static bool judge_refused(const struct tls_certificate *msg, const struct cert **chain, int n,
                          const struct judge_input *in, struct verdict *out)
{
    struct cert *tmp[TLS_MAX_CHAIN] = {0};
    const struct cert *full[TLS_MAX_CHAIN];
    bool any = false;
    for (int i = 0; i < n; i++) {
        full[i] = chain[i];
        if (!chain[i] && msg->certs[i].der) {
            tmp[i] = cert_parse(msg->certs[i].der, msg->certs[i].len);
            full[i] = tmp[i];
            any = any || tmp[i];
        }
    }
    if (any) {
        struct judge_input j = *in;
        j.chain = full;
        verdict_judge(&j, out);
        for (int k = 0; k < out->n_path && k < VERDICT_MAX_PATH; k++)
            for (int i = 0; i < n; i++)
                if (tmp[i] && out->path[k].cert == tmp[i]) out->path[k].cert = NULL;
    }
    for (int i = 0; i < n; i++) cert_free(tmp[i]);
    return any;
}

/* What the client did after the chain (its alert, or going on) is compared
 * with the verdict's prediction. A probe's client is tlsscope itself: its
 * closing user_canceled says nothing about what Expressway would do, so
 * nothing is observed there (only the server's answers, for the client
 * verdict, count). */
static void observe_client(struct conn_record *r)
{
    if (r->probe_hello) {
        r->verdict.observed_alert = -1;
        r->verdict.agrees = AGREE_UNKNOWN;
    } else {
        verdict_observe(&r->verdict, r->tls);
    }
}

static void judge_client(struct pipeline *p, struct conn_record *r);

/* Is everything a live row shows known? A row (judged()) carries the client
 * verdict too, as a batch row does: so for TLS <= 1.2 it waits until the
 * server's flight is over (did it ask for a client certificate? it may come
 * in a later segment than the Certificate) and, when it asked, until the
 * server answered the client's Certificate (its alert or its
 * ChangeCipherSpec): about one round trip, long before a connection ends.
 * TLS 1.3 needs no wait: a decrypted handshake's chains are final only once
 * the client's Certificate could be read (tls_on_keys_stopped), and without
 * keys the request is not visible. Anything that ends the handshake (an
 * alert, the end of the connection) settles it too. */
static bool client_side_settled(const struct tls_conn *c)
{
    if (c->closed || c->n_alerts || c->nochain != TLS_NOCHAIN_NONE) return true;
    if (tls_version_is13_family(tls_conn_version(c))) return true;
    if (!c->cert_request) return c->server_hello_done || c->ccs[TLS_CLIENT] || c->ccs[TLS_SERVER];
    return c->ccs[TLS_SERVER] || c->handshake_complete;
}

/* judged(): once the verdict is final and the client side settled (or
 * `force`: the connection is being finished), with the client verdict. */
static void hand_over(struct pipeline *p, struct conn_record *r, bool force)
{
    if (!r->judged || r->reported) return;
    if (!force && !client_side_settled(r->tls)) return;
    r->reported = true;
    judge_client(p, r);
    if (p->ops.judged) p->ops.judged(p->ops.ctx, r);
}

static void judge(struct pipeline *p, struct conn_record *r)
{
    struct tls_conn *c = r->tls;
    if (r->judged) return;
    r->judged = true;
    r->n_chain = intern_chain(p, &c->server_certs, r->chain);
    r->n_client_chain = intern_chain(p, &c->client_certs, r->client_chain);
    p->stats.distinct_certs = certcache_count(p->certs);

    int64_t at = p->opts.have_at ? p->opts.at : verdict_conn_time(c);

    struct judge_input in = {
        .conn = c,
        .chain = r->chain,
        .n_chain = r->n_chain,
        .store = p->opts.store,
        .profile = p->opts.profile,
        .at = at,
    };
    /* The signature work a capture may cost grows with what was read
     * (README "Hostile input and limits": VERIFY_BUDGET). */
    cert_verify_budget(p->verify_used0 + PIPELINE_VERIFY_BASE +
                       p->stats.pkt.bytes / PIPELINE_VERIFY_BYTES);
    bool refused = false;
    for (int i = 0; i < r->n_chain; i++) refused = refused || !r->chain[i];
    if (!refused || !judge_refused(&c->server_certs, r->chain, r->n_chain, &in, &r->verdict))
        verdictcache_judge(p->verdicts, &in, &r->verdict);
    observe_client(r);
    tls_conn_drop_cert_copies(c);

    if (c->nochain == TLS_NOCHAIN_RESUMED) {
        const struct server_slot *s = server_lookup(p, c);
        if (s && s->flow_id != c->flow_id) {
            verdict_presume(&r->verdict, &s->verdict, s->seq);
            if (r->verdict.presumed) path_refs(p, &r->verdict, true);
        }
    } else if (r->n_chain > 0) {
        server_remember(p, r);
    }
    p->stats.judged++;
    if (p->opts.stop_after_conns && p->stats.judged >= p->opts.stop_after_conns) p->stop = 1;
    hand_over(p, r, false);
}

/* Mutual TLS: the client's chain against the server's store. After the
 * server chain was judged, since the client's Certificate comes later: at
 * hand_over(), and the server's answer is looked at again at the end. */
static void judge_client(struct pipeline *p, struct conn_record *r)
{
    struct tls_conn *c = r->tls;
    if (!c->cert_request || r->client) return;
    if (r->n_client_chain == 0 && c->client_certs.n > 0) {
        r->n_client_chain = intern_chain(p, &c->client_certs, r->client_chain);
        tls_conn_drop_cert_copies(c);
        p->stats.distinct_certs = certcache_count(p->certs);
    }
    r->client = malloc(sizeof *r->client);
    if (!r->client) return;
    int64_t at;
    if (p->opts.have_at) at = p->opts.at;
    else if (c->client_certs.ts_ns) at = c->client_certs.ts_ns / 1000000000;
    else at = c->last_ts_ns / 1000000000;
    struct client_judge_input in = {
        .conn = c,
        .chain = r->client_chain,
        .n_chain = r->n_client_chain,
        .store = p->opts.client_store,
        .profile = p->opts.profile,
        .at = at,
        .probe = r->probe_hello != NULL,
        .server_accepted = r->probe_client_accepted,
    };
    client_auth_judge(&in, r->client);
    tls_conn_drop_ca_names(c);
    p->stats.client_requested++;
    if (r->client->verdict.status == VERDICT_TRUSTED) p->stats.client_trusted++;
    else if (r->client->verdict.status == VERDICT_FAILED) p->stats.client_failed++;
}

/* -c N: once N connections were judged, the rest are not reported (they
 * would otherwise all be judged when the flow table is flushed at the end). */
static bool count_reached(const struct pipeline *p)
{
    return p->opts.stop_after_conns && p->stats.judged >= p->opts.stop_after_conns;
}

static void record_done(struct pipeline *p, struct conn_record *r)
{
    struct tls_conn *c = r->tls;
    if (!r->judged && count_reached(p)) {
        conn_record_free(r);
        return;
    }
    if (!r->judged) judge(p, r);
    hand_over(p, r, true);
    observe_client(r);
    if (r->client) client_auth_observe(r->client, c, r->probe_client_accepted);
    /* the staple follows the Certificate (TLS 1.2 CertificateStatus), so it
     * is read here, not when the chain is judged */
    if (c->server_certs.staple.der)
        ocsp_parse(c->server_certs.staple.der, c->server_certs.staple.len, &r->staple);
    tls_conn_drop_staple(c);
    if (!r->seq) r->seq = ++p->next_seq;
    p->stats.tls_connections++;
    if (c->is_dtls) p->stats.dtls_connections++;
    if (c->handshake_complete) p->stats.handshakes_complete++;
    switch (r->verdict.status) {
    case VERDICT_TRUSTED: p->stats.trusted++; break;
    case VERDICT_FAILED: p->stats.failed++; break;
    default: p->stats.not_judged++; break;
    }
    if (c->parser) tls_conn_release_parser(c);
    if (p->flushing) {
        if (p->flush_n == p->flush_cap) {
            size_t ncap = p->flush_cap ? p->flush_cap * 2 : 64;
            struct conn_record **nb = realloc(p->flush_buf, ncap * sizeof(*nb));
            if (!nb) {
                p->ops.done(p->ops.ctx, r); /* out of memory: hand over unsorted */
                return;
            }
            p->flush_buf = nb;
            p->flush_cap = ncap;
        }
        p->flush_buf[p->flush_n++] = r;
        return;
    }
    p->ops.done(p->ops.ctx, r);
}

/* ---- flow sink ---------------------------------------------------------- */

static void *sink_open(void *ctx, const struct flow_meta *meta)
{
    struct pipeline *p = ctx;
    struct flow_app *fa = calloc(1, sizeof(*fa));
    if (!fa) return NULL;
    fa->meta = *meta;
    p->stats.tcp_connections++;
    return fa;
}

static int sink_data(void *ctx, void *app, enum flow_dir dir, uint64_t offset, const uint8_t *data,
                     uint32_t n, int64_t ts_ns)
{
    struct pipeline *p = ctx;
    struct flow_app *fa = app;
    (void)offset;
    if (!fa) return FLOW_COUNT_ONLY;
    if (!fa->rec) {
        fa->rec = record_new(p, fa);
        if (!fa->rec) return FLOW_COUNT_ONLY;
    }
    struct conn_record *r = fa->rec;
    int rc = tls_conn_data(r->tls, dir, data, n, ts_ns);
    if (r->tls->is_tls && !r->seq) r->seq = ++p->next_seq;
    if (r->tls->chain_final && !r->judged && r->tls->is_tls && !count_reached(p)) judge(p, r);
    hand_over(p, r, false);
    return rc;
}

static void sink_event(void *ctx, void *app, const struct flow_event *ev)
{
    struct flow_app *fa = app;
    (void)ctx;
    if (!fa) return;
    if (fa->rec)
        tls_conn_flow_event(fa->rec->tls, ev);
    else if (fa->n_pending < PIPELINE_PENDING_EVENTS)
        fa->pending[fa->n_pending++] = *ev;
}

static void sink_fin(void *ctx, void *app, enum flow_dir dir, bool rst, int64_t ts_ns)
{
    struct flow_app *fa = app;
    (void)ctx;
    if (fa && fa->rec) tls_conn_fin(fa->rec->tls, dir, rst, ts_ns);
}

/* OpenVPN over TCP: its TLS is reported like any other when its control
 * packets could be read; either way the summary names the connection, so a
 * protected one (tls-auth / tls-crypt) is not just one of the not-TLS streams. */
static void note_openvpn(struct pipeline_stats *s, const struct tls_conn *c)
{
    if (s->openvpn_streams < PIPELINE_OPENVPN_LISTED) {
        struct pipeline_conn_addr *a = &s->openvpn_listed[s->openvpn_streams];
        a->family = c->family;
        memcpy(a->client_ip, c->client_ip, sizeof a->client_ip);
        memcpy(a->server_ip, c->server_ip, sizeof a->server_ip);
        a->client_port = c->client_port;
        a->server_port = c->server_port;
        a->tls_read = c->is_tls;
        a->protected_channel = c->openvpn_protected;
    }
    s->openvpn_streams++;
}

static void sink_close(void *ctx, void *app, const struct flow_close *info)
{
    struct pipeline *p = ctx;
    struct flow_app *fa = app;
    if (!fa) return;
    struct conn_record *r = fa->rec;
    if (!r) {
        p->stats.empty_streams++;
    } else {
        tls_conn_close(r->tls, info);
        if (r->tls->openvpn) note_openvpn(&p->stats, r->tls);
        if (r->tls->is_tls) {
            record_done(p, r);
        } else {
            p->stats.non_tls_streams++;
            conn_record_free(r);
        }
    }
    free(fa);
}

/* ---- live capture (issue 5) ---------------------------------------------- */

static int64_t live_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --duration: wall-clock time since the capture was opened. */
static bool live_deadline_passed(struct pipeline *p)
{
    if (!p->deadline_ms || live_now_ms() < p->deadline_ms) return false;
    p->stop = 1;
    return true;
}

/* No packet for wakeup_ms: expire idle flows by the wall clock (packet
 * timestamps of a live capture are wall-clock time too), so connections
 * whose traffic stopped are judged and finished without waiting for more. */
static void live_idle(struct pipeline *p)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
    p->last_expire_ns = now;
    flowtab_expire(p->flows, now);
    udptab_expire(p->udp, now);
}

/* ---- UDP / DTLS ---------------------------------------------------------- *
 * UDP datagrams go to a separate association table; only a datagram that
 * looks like DTLS creates an association (dtls_datagram_plausible), and each
 * association gets its DTLS tls_conn at once. From then on the records take
 * the TCP path: judge() when the chain is final, record_done() at close. */

/* A QUIC client Initial (quic_datagram_plausible) creates a QUIC
 * association instead. udptab calls open() right after want() for the same
 * datagram, so want() leaves its decision for open() in p->udp_next_quic. */
static bool udp_want(void *ctx, const struct pkt_info *dg)
{
    struct pipeline *p = ctx;
    p->udp_next_quic = quic_datagram_plausible(dg->payload, dg->payload_caplen, dg->payload_len);
    return p->udp_next_quic ||
           dtls_datagram_plausible(dg->payload, dg->payload_caplen, dg->payload_len);
}

static void *udp_open(void *ctx, const struct flow_meta *meta)
{
    struct pipeline *p = ctx;
    struct conn_record *r = record_wrap(p, p->udp_next_quic ? quic_conn_new(meta)
                                                            : dtls_conn_new(meta, &p->dtls_budget));
    if (!r) return NULL;
    tls_conn_set_keylog(r->tls, p->opts.keylog);
    p->stats.udp_associations++;
    return r;
}

static int udp_datagram(void *ctx, void *app, enum flow_dir dir, const uint8_t *data,
                        uint32_t caplen, uint32_t len, int64_t ts_ns)
{
    struct pipeline *p = ctx;
    struct conn_record *r = app;
    if (!r) return UDP_COUNT_ONLY;
    int rc = r->tls->is_quic ? quic_conn_datagram(r->tls, dir, data, caplen, len, ts_ns)
                             : dtls_conn_datagram(r->tls, dir, data, caplen, len, ts_ns);
    if (r->tls->is_tls && !r->seq) r->seq = ++p->next_seq;
    if (r->tls->chain_final && !r->judged && r->tls->is_tls) judge(p, r);
    hand_over(p, r, false);
    return rc == FLOW_COUNT_ONLY ? UDP_COUNT_ONLY : UDP_CONTINUE;
}

static void udp_close(void *ctx, void *app, const struct flow_close *info)
{
    struct pipeline *p = ctx;
    struct conn_record *r = app;
    if (!r) return;
    tls_conn_close(r->tls, info);
    if (r->tls->is_tls) {
        record_done(p, r);
    } else {
        p->stats.non_dtls_associations++;
        conn_record_free(r);
    }
}

static struct udp_table *udp_table_new(struct pipeline *p)
{
    struct udp_sink sink = {
        .ctx = p,
        .want = udp_want,
        .open = udp_open,
        .datagram = udp_datagram,
        .close = udp_close,
    };
    p->dtls_budget.max_bytes = PIPELINE_DTLS_REASM_BYTES;
    return udptab_new(NULL, &sink);
}

/* ---- driving ------------------------------------------------------------ */

/* A pcapng Decryption Secrets Block (capsrc_set_secrets_hook): TLS key
 * logs go to the same key log as --keylog; other secrets (SSH, WireGuard)
 * are only counted by the reader. */
static void pipeline_secrets(void *ctx, const struct cap_secrets *s)
{
    struct pipeline *p = ctx;
    if (s->type == 0x544c534bu && p->opts.keylog)
        (void)keylog_add_text(p->opts.keylog, s->origin, s->data, s->len);
}

struct pipeline *pipeline_new(const struct pipeline_opts *opts, const struct pipeline_ops *ops,
                              char *err, size_t errlen)
{
    struct pipeline *p = calloc(1, sizeof(*p));
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->opts = *opts;
    p->ops = *ops;
    p->verify_used0 = cert_verify_units_used();
    int rc;
    if (opts->conns)
        rc = 0; /* no packets: the source submits connections */
    else if (opts->live)
        rc = capsrc_open_live(&p->src, opts->live, err, errlen);
    else if (opts->inputs)
        rc = capsrc_open_inputs(&p->src, opts->inputs, opts->n_inputs, err, errlen);
    else
        rc = capsrc_open_files(&p->src, opts->files, opts->n_files, err, errlen);
    if (rc < 0) {
        free(p);
        return NULL;
    }
    /* key logs inside pcapng files reach the key log before the packets
     * they decrypt (the reader calls this as it meets each block) */
    if (p->src) capsrc_set_secrets_hook(p->src, pipeline_secrets, p);
    if (p->src && !opts->live && opts->filter && capsrc_set_filter(p->src, opts->filter, err, errlen) < 0) {
        capsrc_close(p->src);
        free(p);
        return NULL;
    }
    p->stats.live = p->src && capsrc_is_live(p->src);
    if (opts->duration_ms) p->deadline_ms = live_now_ms() + (int64_t)opts->duration_ms;
    struct flow_sink sink = {
        .ctx = p,
        .open = sink_open,
        .data = sink_data,
        .event = sink_event,
        .fin = sink_fin,
        .close = sink_close,
    };
    struct flow_limits lim = opts->limits;
    if (lim.max_flows == 0) flow_limits_default(&lim);
    if (opts->max_conns && opts->max_conns < lim.max_flows) lim.max_flows = (uint32_t)opts->max_conns;
    p->flows = flowtab_new(&lim, &sink);
    p->udp = udp_table_new(p);
    p->certs = certcache_new(PIPELINE_CERT_CACHE);
    certcache_limit_bytes(p->certs, PIPELINE_CERT_CACHE_BYTES);
    p->verdicts = verdictcache_new(PIPELINE_VERDICT_CACHE);
    if (!p->flows || !p->udp || !p->certs) {
        snprintf(err, errlen, "out of memory");
        pipeline_free(p);
        return NULL;
    }
    return p;
}

int pipeline_step(struct pipeline *p, uint64_t budget)
{
    struct cap_packet pkt;
    struct pkt_info info;
    if (p->opts.conns) {
        if (p->stop) p->opts.conns->stop(p->opts.conns->ctx);
        return p->opts.conns->step(p->opts.conns->ctx, p, PIPELINE_SOURCE_WAIT_MS);
    }
    for (uint64_t i = 0; i < budget; i++) {
        if (p->stop) return 0;
        if (p->opts.max_packets && p->stats.pkt.packets >= p->opts.max_packets) return 0;
        if (live_deadline_passed(p)) return 0;
        int rc = capsrc_next(p->src, &pkt);
        if (rc == CAP_EOF) return 0;
        if (rc == CAP_AGAIN) {
            live_idle(p);
            return 1;
        }
        if (rc < 0) {
            p->stats.input_errors++;
            snprintf(p->stats.last_error, sizeof(p->stats.last_error), "%s",
                     capsrc_error(p->src));
            if (rc == CAP_ETRUNC) continue; /* other files may still have packets */
            return rc;
        }
        if (pkt.ts_out_of_range) {
            /* No date to judge at or to order by: skipped and counted
             * (the summary's "skipped packets"), never saturated. */
            p->stats.pkt.packets++;
            p->stats.packets_bad_time++;
            continue;
        }
        if (!p->stats.first_ts_ns || pkt.ts_ns < p->stats.first_ts_ns)
            p->stats.first_ts_ns = pkt.ts_ns;
        if (pkt.ts_ns > p->stats.last_ts_ns) p->stats.last_ts_ns = pkt.ts_ns;
        int kind = pkt_decode(pkt.linktype, pkt.data, pkt.caplen, &info, &p->stats.pkt);
        if (kind != PKT_SKIP && info.payload_caplen < info.payload_len && pkt.caplen >= pkt.wirelen) {
            /* The whole frame was captured, yet the IP length promises more
             * than it holds (crafted, or a broken capture path): those bytes
             * never existed. Use what is there, as tshark does, rather than
             * reserving a gap that would swallow the next real segment. */
            info.payload_len = info.payload_caplen;
            p->stats.ip_len_beyond_frame++;
        }
        if (kind == PKT_TCP) {
            if (info.payload_caplen < info.payload_len) p->stats.packets_cut++;
            flowtab_segment(p->flows, &info, pkt.ts_ns);
        } else if (kind == PKT_UDP) {
            udptab_datagram(p->udp, &info, pkt.ts_ns);
        }
        if (++p->packets_since_expire >= PIPELINE_EXPIRE_EVERY ||
            (p->stats.live && pkt.ts_ns - p->last_expire_ns >= PIPELINE_LIVE_EXPIRE_NS)) {
            p->packets_since_expire = 0;
            p->last_expire_ns = pkt.ts_ns;
            flowtab_expire(p->flows, pkt.ts_ns);
            udptab_expire(p->udp, pkt.ts_ns);
        }
    }
    return 1;
}

static int record_seq_cmp(const void *a, const void *b)
{
    const struct conn_record *x = *(const struct conn_record *const *)a;
    const struct conn_record *y = *(const struct conn_record *const *)b;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

void pipeline_finish(struct pipeline *p)
{
    if (p->finished) return;
    p->finished = true;
    p->flushing = true;
    flowtab_flush(p->flows);
    udptab_flush(p->udp);
    p->flushing = false;
    /* qsort(NULL, 0, ...) is undefined (UBSan): nothing was open at the end */
    if (p->flush_n > 1) qsort(p->flush_buf, p->flush_n, sizeof(*p->flush_buf), record_seq_cmp);
    for (size_t i = 0; i < p->flush_n; i++) p->ops.done(p->ops.ctx, p->flush_buf[i]);
    free(p->flush_buf);
    p->flush_buf = NULL;
    p->flush_n = p->flush_cap = 0;
    p->stats.flow = *flowtab_stats(p->flows);
    p->stats.udp = *udptab_stats(p->udp);
    p->stats.dtls_bytes_refused = p->dtls_budget.refused;
    if (p->src) capsrc_file_stats(p->src, &p->stats.file);
}

int pipeline_run(struct pipeline *p)
{
    int rc;
    int err = 0;
    while ((rc = pipeline_step(p, 65536)) > 0) {
    }
    if (rc < 0) err = rc;
    pipeline_finish(p);
    if (!err && p->stats.input_errors) err = CAP_ETRUNC;
    return err;
}

void pipeline_stop(struct pipeline *p)
{
    p->stop = 1;
    if (p->src) capsrc_breakloop(p->src);
    if (p->opts.conns) p->opts.conns->stop(p->opts.conns->ctx);
}

const struct pipeline_stats *pipeline_stats(const struct pipeline *p)
{
    /* the flow counters live in the table; copy them on every read */
    struct pipeline *mp = (struct pipeline *)p;
    if (p->flows) mp->stats.flow = *flowtab_stats(p->flows);
    mp->stats.certs_refused = certcache_refused(p->certs);
    if (p->stats.live)
        (void)capsrc_kernel_drops(p->src, &mp->stats.kernel_received, &mp->stats.kernel_dropped,
                                  &mp->stats.kernel_if_dropped);
    if (p->udp) mp->stats.udp = *udptab_stats(p->udp);
    mp->stats.dtls_bytes_refused = p->dtls_budget.refused;
    if (p->src) capsrc_file_stats(p->src, &mp->stats.file);
    return &p->stats;
}

void pipeline_progress(const struct pipeline *p, uint64_t *done, uint64_t *total)
{
    if (!p->src) {
        *done = *total = 0;
        return;
    }
    capsrc_progress(p->src, done, total);
}

void pipeline_probe_unanswered(struct pipeline *p)
{
    p->stats.probe = true;
    p->stats.probe_unanswered++;
}

void pipeline_submit(struct pipeline *p, struct tls_conn *c, const char *probe_hello, bool client_accepted)
{
    struct conn_record *r = record_wrap(p, c);
    if (!r) return;
    r->probe_hello = probe_hello;
    r->probe_client_accepted = client_accepted;
    p->stats.probe = true;
    if (c->server_certs.n_total == 0) p->stats.probe_no_chain++;
    p->stats.tcp_connections++;
    if (!p->stats.first_ts_ns || c->first_ts_ns < p->stats.first_ts_ns) p->stats.first_ts_ns = c->first_ts_ns;
    if (c->last_ts_ns > p->stats.last_ts_ns) p->stats.last_ts_ns = c->last_ts_ns;
    record_done(p, r); /* judges it first */
}

void pipeline_source_error(struct pipeline *p, const char *msg)
{
    p->stats.input_errors++;
    snprintf(p->stats.last_error, sizeof(p->stats.last_error), "%s", msg);
}

struct cap_source *pipeline_source(struct pipeline *p) { return p->src; }

void pipeline_free(struct pipeline *p)
{
    if (!p) return;
    if (p->flows) {
        /* close remaining flows without handing them to the front end */
        p->ops.done = NULL;
        p->flushing = true;
        flowtab_free(p->flows);
        udptab_free(p->udp);
        p->udp = NULL;
        for (size_t i = 0; i < p->flush_n; i++) conn_record_free(p->flush_buf[i]);
        free(p->flush_buf);
    }
    udptab_free(p->udp); /* pipeline_new failed after creating it */
    for (int i = 0; i < PIPELINE_SERVER_SLOTS; i++) {
        if (p->servers[i] && p->certs) path_refs(p, &p->servers[i]->verdict, false);
        free(p->servers[i]);
    }
    verdictcache_free(p->verdicts);
    if (p->certs) certcache_free(p->certs);
    if (p->src) capsrc_close(p->src);
    free(p);
}
