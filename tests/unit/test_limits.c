/* Hostile input, part 2: the caps that keep memory bounded whatever the
 * capture holds (README "Hostile input and limits"), each pushed past its
 * limit with exact expectations on what happens when it bites:
 *   - flow table: max_data_flows evicts the least recently active flow with
 *     payload (FLOW_EV_CAP, close EVICTED, counted); half-open flows do not
 *     count; max_total_ooo_segments refuses pieces across flows;
 *   - dissector: the handshake buffer grows with the bytes that arrive, not
 *     with the length a header claims, and everything it holds is counted
 *     in tls_held_bytes() and given back;
 *   - certificate cache: CERT_CACHE_HARD_MAX_BYTES evicts unreferenced entries
 *     and refuses new ones when referenced ones fill it;
 *   - summary: SUMMARY_MAX_REASONS bounds the failure reasons kept.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/flow.h"
#include "check.h"
#include "dissect/tls.h"
#include "trust/cert.h"
#include "report/report.h"

/* ---- flow table ---------------------------------------------------------- */

struct rec {
    int opens, closes, evicted, cap_events;
    uint64_t delivered;
    int closed_id[64];
};

static void *r_open(void *ctx, const struct flow_meta *m)
{
    struct rec *r = ctx;
    r->opens++;
    return (void *)(uintptr_t)m->id;
}

static int r_data(void *ctx, void *app, enum flow_dir d, uint64_t off, const uint8_t *p,
                  uint32_t n, int64_t ts)
{
    struct rec *r = ctx;
    (void)app, (void)d, (void)off, (void)p, (void)ts;
    r->delivered += n;
    return FLOW_CONTINUE;
}

static void r_event(void *ctx, void *app, const struct flow_event *ev)
{
    struct rec *r = ctx;
    (void)app;
    if (ev->kind == FLOW_EV_CAP) r->cap_events++;
}

static void r_close(void *ctx, void *app, const struct flow_close *info)
{
    struct rec *r = ctx;
    if (r->closes < 64) r->closed_id[r->closes] = (int)(uintptr_t)app;
    r->closes++;
    if (info->reason == FLOW_CLOSE_EVICTED) r->evicted++;
}

static int64_t NOW = 1000000000;

static void seg(struct flow_table *ft, uint16_t cport, int from_server, uint32_t seq,
                uint8_t flags, const char *data)
{
    struct pkt_info s;
    memset(&s, 0, sizeof s);
    s.family = 4;
    s.proto = 6;
    uint8_t c[4] = {10, 0, 0, 1}, v[4] = {10, 0, 0, 2};
    memcpy(from_server ? s.dst : s.src, c, 4);
    memcpy(from_server ? s.src : s.dst, v, 4);
    s.sport = from_server ? 443 : cport;
    s.dport = from_server ? cport : 443;
    s.seq = seq;
    s.tcp_flags = flags;
    s.payload = (const uint8_t *)data;
    s.payload_len = s.payload_caplen = data ? (uint32_t)strlen(data) : 0;
    NOW += 1000;
    flowtab_segment(ft, &s, NOW);
}

static void test_max_data_flows(void)
{
    struct rec r;
    memset(&r, 0, sizeof r);
    struct flow_sink sink = {&r, r_open, r_data, r_event, NULL, r_close};
    struct flow_limits lim;
    flow_limits_default(&lim);
    CHECK_EQ_INT(lim.max_data_flows, 8192);
    CHECK_EQ_INT(lim.max_total_ooo_segments, 65536);
    lim.max_data_flows = 2;
    struct flow_table *ft = flowtab_new(&lim, &sink);
    /* five half-open flows cost no data-flow slot */
    for (uint16_t p = 1; p <= 5; p++) seg(ft, (uint16_t)(50000 + p), 0, 100, TCPF_SYN, NULL);
    /* flows 6, 7 carry data; 6 is then the least recently active */
    seg(ft, 40006, 0, 100, TCPF_SYN, NULL);
    seg(ft, 40006, 0, 101, TCPF_ACK, "hello");
    seg(ft, 40007, 0, 100, TCPF_SYN, NULL);
    seg(ft, 40007, 0, 101, TCPF_ACK, "hello");
    CHECK_EQ_INT(r.evicted, 0);
    /* a third flow with data evicts flow 6 (id 6), not a half-open one */
    seg(ft, 40008, 0, 100, TCPF_SYN, NULL);
    CHECK_EQ_INT(r.evicted, 0); /* a SYN alone is not payload */
    seg(ft, 40008, 0, 101, TCPF_ACK, "hello");
    CHECK_EQ_INT(r.evicted, 1);
    CHECK_EQ_INT(r.closed_id[0], 6);
    CHECK_EQ_INT(r.cap_events, 1);
    CHECK_EQ_INT(flowtab_stats(ft)->flows_evicted, 1);
    CHECK_EQ_INT(flowtab_stats(ft)->data_flows_evicted, 1);
    /* flow 7 is touched, so flow 8 is now the oldest: a fourth evicts 8 */
    seg(ft, 40007, 0, 106, TCPF_ACK, "again");
    seg(ft, 40009, 0, 100, TCPF_SYN, NULL);
    seg(ft, 40009, 0, 101, TCPF_ACK, "hello");
    CHECK_EQ_INT(r.evicted, 2);
    CHECK_EQ_INT(r.closed_id[1], 8);
    flowtab_free(ft);
    CHECK_EQ_INT(r.opens, r.closes);
    CHECK_EQ_INT(r.opens, 9);
}

static void test_total_ooo_segments(void)
{
    struct rec r;
    memset(&r, 0, sizeof r);
    struct flow_sink sink = {&r, r_open, r_data, r_event, NULL, r_close};
    struct flow_limits lim;
    flow_limits_default(&lim);
    lim.max_total_ooo_segments = 3;
    struct flow_table *ft = flowtab_new(&lim, &sink);
    /* two connections, each with its first byte missing and pieces beyond */
    seg(ft, 40001, 0, 100, TCPF_SYN, NULL);
    seg(ft, 40002, 0, 100, TCPF_SYN, NULL);
    seg(ft, 40001, 0, 103, TCPF_ACK, "b");
    seg(ft, 40001, 0, 105, TCPF_ACK, "c");
    seg(ft, 40002, 0, 103, TCPF_ACK, "b");
    CHECK_EQ_INT(r.cap_events, 0);
    CHECK_EQ_INT(r.delivered, 0);
    /* a fourth held piece anywhere in the table is over the cap: flow 2
     * gives up its hole (a cap event) rather than hold more */
    seg(ft, 40002, 0, 105, TCPF_ACK, "c");
    CHECK_EQ_INT(r.cap_events, 1);
    CHECK(r.delivered >= 1);
    flowtab_free(ft);
    CHECK_EQ_INT(r.opens, r.closes);
}

/* ---- dissector: held handshake bytes --------------------------------------- */

static void test_tls_held(void)
{
    struct flow_meta m;
    memset(&m, 0, sizeof m);
    m.id = 1;
    m.family = 4;
    m.port[0] = 40000;
    m.port[1] = 443;
    size_t before = tls_held_bytes();
    struct tls_conn *c = tls_conn_new(&m);
    /* ClientHello header claiming 1 MiB - 1 (0x0fffff) inside a record, then
     * 100 bytes of it: what is held must follow the 100, not the claim */
    static const uint8_t rec[] = {0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x0f, 0xff, 0xff};
    tls_conn_data(c, FLOW_DIR_A, rec, sizeof rec, 1);
    uint8_t body[100];
    memset(body, 0x41, sizeof body);
    body[0] = 0x03, body[1] = 0x03; /* client_version: what the scanner looks for */
    tls_conn_data(c, FLOW_DIR_A, body, sizeof body, 2);
    size_t held = tls_held_bytes() - before;
    CHECK(held > 0);
    CHECK(held <= 4096); /* the first buffer size, not 1 MiB */
    /* more data: the buffer grows (by doubling) with it */
    static uint8_t more[16384 - 4 - 100];
    memset(more, 0x42, sizeof more);
    tls_conn_data(c, FLOW_DIR_A, more, sizeof more, 3);
    held = tls_held_bytes() - before;
    CHECK(held >= 16380 && held <= 32768);
    tls_conn_free(c);
    CHECK_EQ_INT(tls_held_bytes(), before);
    CHECK_EQ_INT(TLS_MAX_HELD_TOTAL, 64u * 1024 * 1024);
}

/* ---- certificate cache ------------------------------------------------------ */

static void test_cert_cache_bytes(void)
{
    /* distinct 200 KB blobs (not certificates: parsed as far as possible,
     * kept with their fingerprints and DER, which is what costs memory) */
    enum { N = 140, LEN = 200 * 1024 };
    static const struct cert *held[N];
    uint8_t *blob = malloc(LEN);
    struct cert_cache *cc = certcache_new(20000);
    memset(blob, 0x30, LEN);
    int stored = 0;
    for (int i = 0; i < N; i++) {
        memcpy(blob + 100, &i, sizeof i);
        held[i] = certcache_intern(cc, blob, LEN);
        if (held[i]) stored++;
    }
    /* 64 MiB / (4 KiB + 6 x 200 KB) fit (the cache's estimate: no SANs
     * here), all referenced */
    int fit = (int)(CERT_CACHE_HARD_MAX_BYTES / (4096 + 6 * (size_t)LEN));
    CHECK_EQ_INT(stored, fit);
    CHECK_EQ_INT(certcache_refused(cc), N - fit);
    CHECK_EQ_INT(certcache_count(cc), fit);
    /* released, they make room: the next new one is stored (LRU evicted) */
    for (int i = 0; i < N; i++)
        if (held[i]) certcache_unref(cc, held[i]);
    memcpy(blob + 100, &(int){N + 1}, sizeof(int));
    const struct cert *x = certcache_intern(cc, blob, LEN);
    CHECK(x != NULL);
    CHECK_EQ_INT(certcache_refused(cc), N - fit);
    CHECK(certcache_count(cc) <= (size_t)fit);
    certcache_unref(cc, x);
    certcache_free(cc);
    free(blob);
}

/* ---- summary ------------------------------------------------------------------ */

static void test_summary_reasons(void)
{
    struct summary s;
    struct report_style st = {0};
    struct tls_conn *c = calloc(1, sizeof *c);
    struct conn_record r;
    summary_init(&s);
    memset(&r, 0, sizeof r);
    r.tls = c;
    c->family = 4;
    c->ch.has_sni = true;
    memcpy(c->ch.sni, "cucm.example.com", 16);
    c->ch.sni_len = 16;
    r.verdict.status = VERDICT_FAILED;
    r.verdict.code = VERR_HOSTNAME_MISMATCH;
    r.verdict.depth = 0;
    r.verdict.cert_index = -1;
    /* one server presenting ever new names: SUMMARY_MAX_REASONS_PER_SERVER kept */
    for (int i = 0; i < SUMMARY_MAX_REASONS_PER_SERVER + 10; i++) {
        snprintf(r.verdict.reason, sizeof r.verdict.reason, "SNI not in certificate %d", i);
        summary_add(&s, &r, &st);
    }
    CHECK_EQ_INT(s.n_servers, 1);
    CHECK_EQ_INT(s.n_reasons, SUMMARY_MAX_REASONS_PER_SERVER);
    CHECK_EQ_INT(s.reasons_dropped, 10);
    /* the same failure again is counted on its entry, not dropped */
    snprintf(r.verdict.reason, sizeof r.verdict.reason, "SNI not in certificate %d", 3);
    summary_add(&s, &r, &st);
    CHECK_EQ_INT(s.reasons_dropped, 10);
    CHECK_EQ_INT(s.servers->reasons->next->next->next->count, 2);
    summary_free(&s);

    /* many servers, 20 reasons each: SUMMARY_MAX_REASONS in all */
    summary_init(&s);
    int nserv = SUMMARY_MAX_REASONS / 20 + 5;
    for (int k = 0; k < nserv; k++) {
        c->ch.sni_len = (uint16_t)snprintf((char *)c->ch.sni, sizeof c->ch.sni, "s%d.example", k);
        for (int i = 0; i < 20; i++) {
            snprintf(r.verdict.reason, sizeof r.verdict.reason, "reason %d", i);
            summary_add(&s, &r, &st);
        }
    }
    CHECK_EQ_INT(s.n_servers, nserv);
    CHECK_EQ_INT(s.n_reasons, SUMMARY_MAX_REASONS);
    CHECK_EQ_INT(s.reasons_dropped, nserv * 20 - SUMMARY_MAX_REASONS);
    CHECK_EQ_INT(s.conns_failed, nserv * 20);
    summary_free(&s);

    /* more servers than SUMMARY_MAX_SERVERS: the rest counted, found again quickly */
    summary_init(&s);
    r.verdict.status = VERDICT_TRUSTED;
    for (int k = 0; k < SUMMARY_MAX_SERVERS + 100; k++) {
        c->ch.sni_len = (uint16_t)snprintf((char *)c->ch.sni, sizeof c->ch.sni, "t%d.example", k);
        summary_add(&s, &r, &st);
        summary_add(&s, &r, &st);
    }
    CHECK_EQ_INT(s.n_servers, SUMMARY_MAX_SERVERS);
    CHECK_EQ_INT(s.servers_dropped, 200);
    CHECK_EQ_INT(s.servers->connections, 2);
    summary_free(&s);
    free(c);
}

int main(void)
{
    test_max_data_flows();
    test_total_ooo_segments();
    test_tls_held();
    test_cert_cache_bytes();
    test_summary_reasons();
    return check_summary();
}
