/* Unit tests for dissect/: real openssl handshakes (fixtures/handshakes.h,
 * made by fixtures/gen_fixtures.sh) fed whole, byte by byte and in random
 * splits, and hand-built malformed, truncated, SSLv2, STARTTLS, reversed,
 * gapped and oversized inputs.
 *
 * Expected values come from tshark's dissection of the same captures (see
 * the comment beside each fixture test), not from the parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dissect/names.h"
#include "dissect/tls.h"
#include "dissect/tls_internal.h"
#include "fixtures/fuzz_regress.h"
#include "fixtures/handshakes.h"
#include "report/ja4.h"
#include "trust/cert.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */
/* replay helpers                                                     */

struct fixture {
    const char *name;
    const uint8_t *bytes;
    const struct fx_turn *turns;
    size_t nturns;
};

#define FIXTURE(n) {#n, fx_##n##_bytes, fx_##n##_turns, NELEMS(fx_##n##_turns)}
static const struct fixture fx_tls12 = FIXTURE(tls12);
static const struct fixture fx_tls13 = FIXTURE(tls13);
static const struct fixture fx_resume = FIXTURE(resume);
static const struct fixture fx_hrr = FIXTURE(hrr);

enum split { SPLIT_WHOLE, SPLIT_BYTES, SPLIT_RANDOM };

static uint32_t rng_state;
static uint32_t rng(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return (rng_state >> 16) & 0x7fff;
}

static const uint8_t ADDR_A[16] = {192, 0, 2, 1};
static const uint8_t ADDR_B[16] = {198, 51, 100, 7};

static void make_meta(struct flow_meta *m)
{
    memset(m, 0, sizeof *m);
    m->id = 42;
    m->family = 4;
    memcpy(m->addr[0], ADDR_A, 16);
    memcpy(m->addr[1], ADDR_B, 16);
    m->port[0] = 40000;
    m->port[1] = 443;
    m->saw_syn = true;
    m->first_ts_ns = 1000;
}

static int64_t turn_ts(size_t t) { return 1000000000LL * (int64_t)(t + 1); }

/* Feed n bytes of direction dir according to the split; returns the last
 * tls_conn_data result. */
static int feed(struct tls_conn *c, enum flow_dir dir, const uint8_t *p, size_t n, enum split s,
                int64_t ts)
{
    int rc = FLOW_CONTINUE;
    size_t i = 0;
    while (i < n) {
        size_t k = n - i;
        if (s == SPLIT_BYTES) k = 1;
        else if (s == SPLIT_RANDOM) k = 1 + rng() % 97;
        if (k > n - i) k = n - i;
        rc = tls_conn_data(c, dir, p + i, (uint32_t)k, ts);
        i += k;
    }
    return rc;
}

static void close_conn(struct tls_conn *c, uint64_t a_bytes, uint64_t b_bytes)
{
    struct flow_close info;
    memset(&info, 0, sizeof info);
    info.reason = FLOW_CLOSE_FIN;
    info.bytes[0] = a_bytes;
    info.bytes[1] = b_bytes;
    info.last_ts_ns = 99000000000LL;
    tls_conn_close(c, &info);
}

/* Replay a fixture in capture order; `reverse` sends the client's bytes on
 * FLOW_DIR_B. Closes the connection. */
static struct tls_conn *replay(const struct fixture *f, enum split s, uint32_t seed, bool reverse)
{
    struct flow_meta m;
    struct tls_conn *c;
    size_t off = 0;
    uint64_t bytes[2] = {0, 0};
    make_meta(&m);
    c = tls_conn_new(&m);
    rng_state = seed;
    for (size_t t = 0; t < f->nturns; t++) {
        enum flow_dir d = (enum flow_dir)(f->turns[t].dir ^ (reverse ? 1 : 0));
        feed(c, d, f->bytes + off, f->turns[t].len, s, turn_ts(t));
        bytes[d] += f->turns[t].len;
        off += f->turns[t].len;
    }
    close_conn(c, bytes[0], bytes[1]);
    return c;
}

static int count_events(const struct tls_conn *c, enum tls_event_kind k)
{
    int n = 0;
    for (int i = 0; i < c->n_events; i++) n += c->events[i].kind == k;
    return n;
}

/* The facts of two parses of the same bytes must be identical. */
static void check_same_facts(const struct tls_conn *a, const struct tls_conn *b)
{
    CHECK_EQ_INT(a->is_tls, b->is_tls);
    CHECK_EQ_INT(a->not_tls, b->not_tls);
    CHECK(memcmp(&a->ch, &b->ch, sizeof a->ch) == 0);
    CHECK(memcmp(&a->sh, &b->sh, sizeof a->sh) == 0);
    CHECK_EQ_INT(a->server_certs.n, b->server_certs.n);
    CHECK_EQ_INT(a->server_certs.n_total, b->server_certs.n_total);
    for (int i = 0; i < a->server_certs.n && i < b->server_certs.n; i++) {
        CHECK_EQ_INT(a->server_certs.certs[i].len, b->server_certs.certs[i].len);
        CHECK(memcmp(a->server_certs.certs[i].der, b->server_certs.certs[i].der,
                     a->server_certs.certs[i].len) == 0);
    }
    CHECK_EQ_INT(a->hello_retry, b->hello_retry);
    CHECK_EQ_INT(a->hrr_group, b->hrr_group);
    CHECK_EQ_INT(a->ske_group, b->ske_group);
    CHECK_EQ_INT(a->new_session_ticket, b->new_session_ticket);
    CHECK_EQ_INT(a->n_alerts, b->n_alerts);
    CHECK_EQ_INT(a->ccs[0], b->ccs[0]);
    CHECK_EQ_INT(a->ccs[1], b->ccs[1]);
    CHECK_EQ_INT(a->encrypted_hs[0], b->encrypted_hs[0]);
    CHECK_EQ_INT(a->encrypted_hs[1], b->encrypted_hs[1]);
    CHECK_EQ_INT(a->app_data_bytes[0], b->app_data_bytes[0]);
    CHECK_EQ_INT(a->app_data_bytes[1], b->app_data_bytes[1]);
    CHECK_EQ_INT(a->app_data_records[0], b->app_data_records[0]);
    CHECK_EQ_INT(a->app_data_records[1], b->app_data_records[1]);
    CHECK_EQ_INT(a->resumed, b->resumed);
    CHECK_EQ_INT(a->handshake_complete, b->handshake_complete);
    CHECK_EQ_INT(a->chain_final, b->chain_final);
    CHECK_EQ_INT(a->nochain, b->nochain);
    CHECK_EQ_INT(a->chain_ts_ns, b->chain_ts_ns);
    CHECK_EQ_INT(a->n_events, b->n_events);
    for (int i = 0; i < a->n_events && i < b->n_events; i++) {
        CHECK_EQ_INT(a->events[i].kind, b->events[i].kind);
        CHECK_EQ_INT(a->events[i].side, b->events[i].side);
        CHECK_EQ_INT(a->events[i].offset, b->events[i].offset);
    }
}

/* Whole, byte-by-byte and five random splittings agree. */
static void check_splits(const struct fixture *f)
{
    struct tls_conn *whole = replay(f, SPLIT_WHOLE, 0, false);
    struct tls_conn *bytes = replay(f, SPLIT_BYTES, 0, false);
    check_same_facts(whole, bytes);
    for (uint32_t seed = 1; seed <= 5; seed++) {
        struct tls_conn *r = replay(f, SPLIT_RANDOM, seed * 7919u, false);
        check_same_facts(whole, r);
        tls_conn_free(r);
    }
    tls_conn_free(whole);
    tls_conn_free(bytes);
}

static void check_alpn(const struct tls_bytes *b, const char *want)
{
    CHECK_EQ_INT(b->len, strlen(want));
    CHECK(b->len == strlen(want) && memcmp(b->data, want, b->len) == 0);
}

/* ------------------------------------------------------------------ */
/* fixtures                                                            */

/* tshark on the capture: CH record 0x0301, suites 0xc02f 0x00ff, extensions
 * 0,11,10,35,16,22,23,13, groups 1d 17 1e 19 18; SH 0xc02f with extensions
 * 65281,11,35,16,23; Certificate 789+783; SKE named curve 0x001d;
 * NewSessionTicket, CCS, Finished both ways; a 26-byte alert each way. */
static void test_tls12(void)
{
    static const uint16_t exts[] = {0, 11, 10, 35, 16, 22, 23, 13};
    static const uint16_t sh_exts[] = {65281, 11, 35, 16, 23};
    static const uint16_t groups[] = {0x001d, 0x0017, 0x001e, 0x0019, 0x0018};
    struct tls_conn *c = replay(&fx_tls12, SPLIT_WHOLE, 0, false);
    CHECK(c->is_tls);
    CHECK(!c->not_tls);
    CHECK(!c->roles_from_content);
    CHECK(memcmp(c->client_ip, ADDR_A, 16) == 0);
    CHECK_EQ_INT(c->client_port, 40000);
    CHECK_EQ_INT(c->server_port, 443);
    CHECK_EQ_INT(c->tls_start_offset[0], 0);
    CHECK_EQ_INT(c->tls_start_offset[1], 0);
    /* ClientHello */
    CHECK(c->ch.present);
    CHECK(!c->ch.sslv2_format);
    CHECK_EQ_INT(c->ch.ts_ns, turn_ts(0));
    CHECK_EQ_INT(c->ch.record_version, 0x0301);
    CHECK_EQ_INT(c->ch.legacy_version, 0x0303);
    CHECK_EQ_MEM(c->ch.random, fx_tls12_bytes + 11, 32);
    CHECK_EQ_INT(c->ch.session_id_len, 0);
    CHECK_EQ_INT(c->ch.n_ciphers, 2);
    CHECK_EQ_INT(c->ch.n_ciphers_total, 2);
    CHECK_EQ_INT(c->ch.ciphers[0], 0xc02f);
    CHECK_EQ_INT(c->ch.ciphers[1], 0x00ff);
    CHECK_EQ_INT(c->ch.n_compression, 1);
    CHECK_EQ_INT(c->ch.compression[0], 0);
    CHECK(c->ch.has_extensions_block);
    CHECK_EQ_INT(c->ch.n_exts, NELEMS(exts));
    CHECK_EQ_INT(c->ch.n_exts_total, NELEMS(exts));
    for (size_t i = 0; i < NELEMS(exts) && i < c->ch.n_exts; i++) {
        CHECK_EQ_INT(c->ch.exts[i].type, exts[i]);
        CHECK(!c->ch.exts[i].grease);
    }
    CHECK(c->ch.has_sni);
    CHECK_EQ_INT(c->ch.sni_len, 10);
    CHECK_EQ_INT(c->ch.sni_total, 10);
    CHECK_EQ_MEM(c->ch.sni, "fx.example", 10);
    CHECK_EQ_INT(c->ch.n_alpn, 2);
    CHECK_EQ_INT(c->ch.n_alpn_total, 2);
    check_alpn(&c->ch.alpn[0], "h2");
    check_alpn(&c->ch.alpn[1], "http/1.1");
    CHECK_EQ_INT(c->ch.groups.n, NELEMS(groups));
    for (size_t i = 0; i < NELEMS(groups); i++) CHECK_EQ_INT(c->ch.groups.v[i], groups[i]);
    CHECK_EQ_INT(c->ch.n_ec_point_formats, 3);
    CHECK_EQ_INT(c->ch.sig_algs.n, 20);
    CHECK_EQ_INT(c->ch.sig_algs.v[0], 0x0403);
    CHECK_EQ_INT(c->ch.sig_algs.v[19], 0x0602);
    CHECK_EQ_INT(c->ch.supported_versions.n, 0);
    CHECK(c->ch.has_session_ticket);
    CHECK_EQ_INT(c->ch.session_ticket_len, 0);
    CHECK(c->ch.extended_master_secret);
    CHECK(c->ch.renegotiation_info); /* from the SCSV */
    CHECK(!c->ch.status_request);
    CHECK(!c->ch.has_pre_shared_key);
    CHECK(!c->ch.early_data);
    /* ServerHello */
    CHECK(c->sh.present);
    CHECK_EQ_INT(c->sh.ts_ns, turn_ts(1));
    CHECK_EQ_INT(c->sh.legacy_version, 0x0303);
    CHECK_EQ_INT(c->sh.cipher, 0xc02f);
    CHECK_EQ_INT(c->sh.compression, 0);
    CHECK_EQ_INT(c->sh.session_id_len, 0); /* tshark: 0 (the server issues a ticket) */
    CHECK_EQ_INT(c->sh.selected_version, 0);
    CHECK_EQ_INT(tls_conn_version(c), 0x0303);
    CHECK_EQ_INT(c->sh.n_exts, NELEMS(sh_exts));
    for (size_t i = 0; i < NELEMS(sh_exts) && i < c->sh.n_exts; i++)
        CHECK_EQ_INT(c->sh.exts[i].type, sh_exts[i]);
    CHECK(c->sh.has_alpn);
    check_alpn(&c->sh.alpn, "h2");
    CHECK(c->sh.extended_master_secret);
    CHECK(c->sh.renegotiation_info);
    CHECK(c->sh.has_session_ticket);
    CHECK(!c->sh.psk_accepted);
    /* Certificate, key exchange */
    CHECK(c->server_certs.present);
    CHECK(!c->server_certs.tls13_layout);
    CHECK_EQ_INT(c->server_certs.n, 2);
    CHECK_EQ_INT(c->server_certs.n_total, 2);
    CHECK_EQ_INT(c->server_certs.certs[0].len, 789);
    CHECK_EQ_INT(c->server_certs.certs[1].len, 783);
    CHECK_EQ_INT(c->server_certs.certs[0].der[0], 0x30); /* DER SEQUENCE */
    CHECK_EQ_INT(c->server_certs.ts_ns, turn_ts(1));
    CHECK(!c->client_certs.present);
    CHECK_EQ_INT(c->ske_group, 0x001d);
    CHECK(!c->cert_request);
    CHECK(!c->cert_status);
    CHECK(c->new_session_ticket);
    /* the end */
    CHECK(c->ccs[TLS_CLIENT] && c->ccs[TLS_SERVER]);
    CHECK(c->encrypted_hs[TLS_CLIENT] && c->encrypted_hs[TLS_SERVER]);
    CHECK(c->handshake_complete);
    CHECK_EQ_INT(c->resumed, TLS_RESUME_NONE);
    CHECK(c->chain_final);
    CHECK_EQ_INT(c->nochain, TLS_NOCHAIN_NONE);
    CHECK_EQ_INT(c->chain_ts_ns, turn_ts(1));
    CHECK_EQ_INT(c->n_alerts, 2); /* close_notify, encrypted after CCS */
    CHECK_EQ_INT(c->alerts[0].from, TLS_SERVER);
    CHECK(c->alerts[0].encrypted);
    CHECK_EQ_INT(c->alerts[1].from, TLS_CLIENT);
    CHECK(c->alerts[1].encrypted);
    CHECK_EQ_INT(c->app_data_records[0] + c->app_data_records[1], 0);
    CHECK_EQ_INT(c->tcp_bytes[TLS_CLIENT], 173 + 93 + 31);
    CHECK_EQ_INT(c->tcp_bytes[TLS_SERVER], 1983 + 273);
    CHECK(c->closed);
    CHECK_EQ_INT(c->close_reason, FLOW_CLOSE_FIN);
    CHECK_EQ_INT(c->n_events, 0);
    CHECK(c->parser == NULL); /* released at close */
    tls_conn_free(c);
    check_splits(&fx_tls12);
}

/* tshark: CH suites 1302 1303 1301 00ff, extensions 0,11,10,35,22,23,13,43,45,
 * 51, key share x25519, session id 32; SH 0x1302 with 43,51 and x25519; the
 * server's flight is 4 opaque records (23,1607,281,69), the client's
 * Finished 69; then client 22, server 250+250+19, client 19. */
static void test_tls13(void)
{
    static const uint16_t exts[] = {0, 11, 10, 35, 22, 23, 13, 43, 45, 51};
    struct tls_conn *c = replay(&fx_tls13, SPLIT_WHOLE, 0, false);
    CHECK(c->ch.present);
    CHECK_EQ_INT(c->ch.legacy_version, 0x0303);
    CHECK_EQ_INT(c->ch.session_id_len, 32);
    CHECK_EQ_INT(c->ch.n_ciphers, 4);
    CHECK_EQ_INT(c->ch.ciphers[0], 0x1302);
    CHECK_EQ_INT(c->ch.ciphers[3], 0x00ff);
    CHECK_EQ_INT(c->ch.n_exts, NELEMS(exts));
    for (size_t i = 0; i < NELEMS(exts) && i < c->ch.n_exts; i++)
        CHECK_EQ_INT(c->ch.exts[i].type, exts[i]);
    CHECK_EQ_INT(c->ch.supported_versions.n, 1);
    CHECK_EQ_INT(c->ch.supported_versions.v[0], 0x0304);
    CHECK_EQ_INT(c->ch.key_share_groups.n, 1);
    CHECK_EQ_INT(c->ch.key_share_groups.v[0], 0x001d);
    CHECK_EQ_INT(c->ch.groups.n, 10);
    CHECK_EQ_INT(c->ch.groups.v[9], 0x0104);
    CHECK_EQ_INT(c->ch.n_psk_modes, 1);
    CHECK_EQ_INT(c->ch.psk_modes[0], 1);
    CHECK_EQ_INT(c->ch.sig_algs.n, 14);
    CHECK_EQ_MEM(c->ch.sni, "fx.example", 10);
    CHECK_EQ_INT(c->ch.n_alpn, 0);
    CHECK(c->sh.present);
    CHECK_EQ_INT(c->sh.cipher, 0x1302);
    CHECK_EQ_INT(c->sh.selected_version, 0x0304);
    CHECK_EQ_INT(c->sh.key_share_group, 0x001d);
    CHECK_EQ_INT(c->sh.n_exts, 2);
    CHECK_EQ_INT(c->sh.session_id_len, 32);
    CHECK_EQ_MEM(c->sh.session_id, c->ch.session_id, 32); /* middlebox compat echo */
    CHECK_EQ_INT(tls_conn_version(c), 0x0304);
    CHECK(!c->hello_retry);
    CHECK(!c->server_certs.present);
    CHECK(c->chain_final);
    CHECK_EQ_INT(c->nochain, TLS_NOCHAIN_TLS13);
    CHECK_EQ_INT(c->chain_ts_ns, turn_ts(1));
    CHECK_EQ_INT(c->resumed, TLS_RESUME_NONE); /* session id echo is not resumption in 1.3 */
    CHECK(c->encrypted_hs[TLS_SERVER]);
    CHECK(c->encrypted_hs[TLS_CLIENT]);
    CHECK(c->handshake_complete);
    CHECK(c->ccs[TLS_SERVER] && c->ccs[TLS_CLIENT]); /* compatibility CCS */
    /* opaque records after the handshake count as application data */
    CHECK_EQ_INT(c->app_data_records[TLS_CLIENT], 2);
    CHECK_EQ_INT(c->app_data_bytes[TLS_CLIENT], 22 + 19);
    CHECK_EQ_INT(c->app_data_records[TLS_SERVER], 3);
    CHECK_EQ_INT(c->app_data_bytes[TLS_SERVER], 250 + 250 + 19);
    CHECK_EQ_INT(c->n_alerts, 0);
    CHECK_EQ_INT(c->n_events, 0);
    tls_conn_free(c);
    check_splits(&fx_tls13);
}

/* tshark: the client offers a 32-byte session id; the ServerHello (0xc030)
 * echoes it and CCS follows with no Certificate: an abbreviated handshake. */
static void test_resume(void)
{
    struct tls_conn *c = replay(&fx_resume, SPLIT_WHOLE, 0, false);
    CHECK(c->ch.present);
    CHECK_EQ_INT(c->ch.session_id_len, 32);
    CHECK_EQ_INT(c->ch.n_ciphers, 28);
    CHECK_EQ_INT(c->sh.cipher, 0xc030);
    CHECK_EQ_INT(c->sh.session_id_len, 32);
    CHECK_EQ_MEM(c->sh.session_id, c->ch.session_id, 32);
    CHECK_EQ_INT(c->resumed, TLS_RESUME_SESSION_ID);
    CHECK(!c->server_certs.present);
    CHECK(c->chain_final);
    CHECK_EQ_INT(c->nochain, TLS_NOCHAIN_RESUMED);
    CHECK_EQ_INT(c->chain_ts_ns, turn_ts(1));
    CHECK(c->handshake_complete);
    CHECK_EQ_INT(c->app_data_records[TLS_CLIENT], 1);
    CHECK_EQ_INT(c->app_data_bytes[TLS_CLIENT], 28);
    CHECK_EQ_INT(c->n_alerts, 2);
    CHECK_EQ_INT(c->ske_group, 0);
    tls_conn_free(c);
    check_splits(&fx_resume);
}

/* tshark: CH key share x25519 only; HRR (0x1302) asks for secp256r1 (23);
 * the client sends CCS + a second ClientHello with a secp256r1 share; the
 * real ServerHello picks 23; encrypted flight follows. */
static void test_hrr(void)
{
    struct tls_conn *c = replay(&fx_hrr, SPLIT_WHOLE, 0, false);
    CHECK(c->hello_retry);
    CHECK_EQ_INT(c->hrr_group, 0x0017);
    CHECK(c->ch.present);
    CHECK_EQ_INT(c->ch.key_share_groups.n, 1);
    CHECK_EQ_INT(c->ch.key_share_groups.v[0], 0x001d); /* the first hello's facts */
    CHECK_EQ_INT(c->ch.ts_ns, turn_ts(0));
    CHECK(c->sh.present);
    CHECK_EQ_INT(c->sh.ts_ns, turn_ts(3));
    CHECK_EQ_INT(c->sh.key_share_group, 0x0017);
    CHECK_EQ_INT(c->sh.selected_version, 0x0304);
    CHECK_EQ_INT(count_events(c, TLS_EV_CLIENT_HELLO_AGAIN), 1);
    CHECK_EQ_INT(c->nochain, TLS_NOCHAIN_TLS13);
    CHECK_EQ_INT(c->chain_ts_ns, turn_ts(3));
    CHECK(c->handshake_complete);
    tls_conn_free(c);
    check_splits(&fx_hrr);
}

/* ClientHello on FLOW_DIR_B: the roles follow the content. */
static void test_reversed(void)
{
    struct tls_conn *a = replay(&fx_tls12, SPLIT_WHOLE, 0, false);
    struct tls_conn *b = replay(&fx_tls12, SPLIT_RANDOM, 3, true);
    CHECK(b->roles_from_content);
    CHECK(memcmp(b->client_ip, ADDR_B, 16) == 0);
    CHECK(memcmp(b->server_ip, ADDR_A, 16) == 0);
    CHECK_EQ_INT(b->client_port, 443);
    CHECK_EQ_INT(b->server_port, 40000);
    CHECK_EQ_INT(b->tcp_bytes[TLS_CLIENT], 173 + 93 + 31);
    check_same_facts(a, b);
    tls_conn_free(a);
    tls_conn_free(b);
}

/* ------------------------------------------------------------------ */
/* hand-built messages                                                 */

struct bb {
    uint8_t b[70000];
    size_t n;
    size_t open[8];
    int lens[8];
    int depth;
};

static void put8(struct bb *x, unsigned v) { x->b[x->n++] = (uint8_t)v; }
static void put16(struct bb *x, unsigned v) { put8(x, v >> 8); put8(x, v); }
static void put24(struct bb *x, unsigned v) { put8(x, v >> 16); put16(x, v & 0xffff); }
static void putmem(struct bb *x, const void *p, size_t n)
{
    if (n) memcpy(x->b + x->n, p, n);
    x->n += n;
}
/* open a length-prefixed block of `lenbytes`; close() backfills it */
static void open_(struct bb *x, int lenbytes)
{
    x->open[x->depth] = x->n;
    x->lens[x->depth++] = lenbytes;
    x->n += (size_t)lenbytes;
}
static void close_(struct bb *x)
{
    size_t at = x->open[--x->depth], len = x->n - at - (size_t)x->lens[x->depth];
    for (int i = x->lens[x->depth] - 1; i >= 0; i--, len >>= 8) x->b[at + (size_t)i] = (uint8_t)len;
}

enum ch_variant {
    CHV_GOOD,
    CHV_SID33,
    CHV_NO_SUITES,
    CHV_DUP_EXT,
    CHV_EXT_TRAILING,
    CHV_SNI_OVERRUN,
    CHV_NO_EXTENSIONS,
    CHV_GREASE,
    CHV_NO_COMPRESSION,
    CHV_EXT_OVERRUN,
    CHV_MANY_SUITES,
};

#define MANY_SUITES 300 /* more than TLS_MAX_CIPHERS */

/* A ClientHello body (no record or handshake header). */
static void build_ch_body(struct bb *x, enum ch_variant v)
{
    put16(x, 0x0303);
    for (int i = 0; i < 32; i++) put8(x, i);
    open_(x, 1); /* session id */
    for (int i = 0; i < (v == CHV_SID33 ? 33 : 0); i++) put8(x, 0xee);
    close_(x);
    open_(x, 2); /* suites */
    if (v == CHV_MANY_SUITES) {
        for (unsigned i = 0; i < MANY_SUITES; i++) put16(x, 0x0100 + i); /* no GREASE among them */
    } else if (v != CHV_NO_SUITES) {
        if (v == CHV_GREASE) put16(x, 0x3a3a);
        put16(x, 0x1301);
        put16(x, 0xc02f);
    }
    close_(x);
    if (v == CHV_NO_COMPRESSION) {
        put8(x, 0); /* legacy_compression_methods<1..2^8-1> left empty */
    } else {
        put8(x, 1);
        put8(x, 0); /* compression: null */
    }
    if (v == CHV_NO_EXTENSIONS) return;
    open_(x, 2); /* extensions */
    if (v == CHV_GREASE) {
        put16(x, 0x0a0a);
        put16(x, 0);
    }
    put16(x, 0); /* server_name */
    open_(x, 2);
    if (v == CHV_SNI_OVERRUN) {
        put16(x, 200); /* list claims more than the extension holds */
        put8(x, 0);
        put16(x, 3);
        putmem(x, "a.b", 3);
    } else {
        open_(x, 2);
        put8(x, 0);
        open_(x, 2);
        putmem(x, "first.example", 13);
        close_(x);
        close_(x);
    }
    close_(x);
    put16(x, 16); /* ALPN */
    open_(x, 2);
    open_(x, 2);
    open_(x, 1);
    putmem(x, "h2", 2);
    close_(x);
    close_(x);
    close_(x);
    if (v == CHV_DUP_EXT) {
        put16(x, 0);
        open_(x, 2);
        open_(x, 2);
        put8(x, 0);
        open_(x, 2);
        putmem(x, "second.example", 14);
        close_(x);
        close_(x);
        close_(x);
    }
    put16(x, 23); /* extended_master_secret */
    put16(x, v == CHV_EXT_OVERRUN ? 40 : 0); /* overrun: claims 40 bytes, the block has none */
    if (v == CHV_EXT_TRAILING) {
        put8(x, 0xff); /* three bytes that cannot be an extension */
        put8(x, 0x01);
        put8(x, 0x00);
    }
    close_(x);
}

/* Wrap a handshake body in a handshake header and one record. */
static void wrap_record(struct bb *out, uint8_t hs_type, const uint8_t *body, size_t n)
{
    put8(out, 22);
    put16(out, 0x0301);
    put16(out, (unsigned)(n + 4));
    put8(out, hs_type);
    put24(out, (unsigned)n);
    putmem(out, body, n);
}

static struct tls_conn *conn_with_client_bytes(const uint8_t *p, size_t n, enum split s)
{
    struct flow_meta m;
    struct tls_conn *c;
    make_meta(&m);
    c = tls_conn_new(&m);
    rng_state = 99;
    feed(c, FLOW_DIR_A, p, n, s, turn_ts(0));
    return c;
}

static struct bb body, rec; /* static: 70 KB each */

static void test_ch_good_and_grease(void)
{
    struct tls_conn *c;
    body.n = rec.n = 0;
    build_ch_body(&body, CHV_GREASE);
    wrap_record(&rec, 1, body.b, body.n);
    c = conn_with_client_bytes(rec.b, rec.n, SPLIT_BYTES);
    CHECK(c->ch.present);
    CHECK_EQ_INT(c->ch.n_ciphers, 3);
    CHECK_EQ_INT(c->ch.ciphers[0], 0x3a3a); /* GREASE kept in order */
    CHECK(tls_is_grease(c->ch.ciphers[0]));
    CHECK_EQ_INT(c->ch.n_exts, 4);
    CHECK_EQ_INT(c->ch.exts[0].type, 0x0a0a);
    CHECK(c->ch.exts[0].grease);
    CHECK_EQ_INT(c->ch.exts[0].len, 0);
    CHECK(!c->ch.exts[1].grease);
    CHECK_EQ_INT(c->ch.exts[1].type, 0);
    CHECK_EQ_INT(c->ch.sni_len, 13);
    CHECK_EQ_MEM(c->ch.sni, "first.example", 13);
    CHECK_EQ_INT(c->n_events, 0);
    tls_conn_free(c);
}

/* Every prefix of a ClientHello body: TLS_ETRUNC while its fixed fields are
 * cut; the one prefix that ends right after the compression methods is a
 * valid hello without an extensions block (RFC 5246 §7.4.1.2); a longer one
 * cuts the extensions block, so it is a malformed hello, kept as read
 * (README "Malformed hellos"). Through the stream no prefix of the record
 * yields a ClientHello. */
static void test_ch_truncations(void)
{
    const uint8_t *ch = fx_tls12_bytes + 9; /* after record and handshake headers */
    size_t len = 173 - 9, no_ext_len = 2 + 32 + 1 + 2 + 4 + 1 + 1;
    struct tls_client_hello h;
    int ok = 0, trunc = 0, other = 0, cut = 0;
    for (size_t k = 0; k < len; k++) {
        int rc = tls_parse_client_hello(&h, ch, k, NULL, NULL);
        if (rc == TLS_OK && k > no_ext_len) {
            cut++;
            CHECK(h.malformed);
            CHECK(!h.has_ja3);
            CHECK_EQ_INT(h.n_ciphers, 2);
        } else if (rc == TLS_OK) {
            ok++;
            CHECK_EQ_INT(k, no_ext_len);
            CHECK(!h.has_extensions_block);
            CHECK(!h.malformed);
            CHECK_EQ_INT(h.n_ciphers, 2);
        } else if (rc == TLS_ETRUNC) {
            trunc++;
        } else {
            other++;
        }
    }
    CHECK_EQ_INT(ok, 1);
    CHECK_EQ_INT(trunc, (int)no_ext_len);
    CHECK_EQ_INT(cut, (int)(len - no_ext_len - 1));
    CHECK_EQ_INT(other, 0);
    CHECK_EQ_INT(tls_parse_client_hello(&h, ch, len, NULL, NULL), TLS_OK);
    CHECK(h.has_sni);
    for (size_t k = 0; k < 173; k++) {
        struct tls_conn *c = conn_with_client_bytes(fx_tls12_bytes, k, SPLIT_WHOLE);
        CHECK(!c->ch.present);
        CHECK_EQ_INT(c->n_events, 0);
        CHECK_EQ_INT(c->is_tls, k >= 11); /* the record header + hello header + version seen */
        tls_conn_free(c);
    }
}

/* The JA3 MD5 of a string, for comparing with the one hashed while parsing. */
static void check_ja3(const struct tls_client_hello *h, const char *want_string)
{
    uint8_t want[16];
    digest_md5(want_string, strlen(want_string), want);
    CHECK(h->has_ja3);
    CHECK_EQ_MEM(h->ja3, want, 16);
}

/* README "Malformed hellos": a hello whose own framing is broken (what
 * OpenSSL's tls_process_client_hello / tls_collect_extensions refuse with
 * decode_error) is kept as far as it was read, marked malformed, named in an
 * event, and given no fingerprint -- whichever part broke. */
/* More cipher suites than tlsscope keeps (TLS_MAX_CIPHERS): the list is
 * cut, the JA3 is not -- it is hashed from the hello's bytes. */
static void test_ja3_many_suites(void)
{
    struct tls_client_hello h;
    static char want[8 * MANY_SUITES + 64];
    size_t n = (size_t)snprintf(want, sizeof want, "771,");
    body.n = 0;
    build_ch_body(&body, CHV_MANY_SUITES);
    CHECK_EQ_INT(tls_parse_client_hello(&h, body.b, body.n, NULL, NULL), TLS_OK);
    CHECK_EQ_INT(h.n_ciphers, TLS_MAX_CIPHERS);
    CHECK_EQ_INT(h.n_ciphers_total, MANY_SUITES);
    for (unsigned i = 0; i < MANY_SUITES; i++)
        n += (size_t)snprintf(want + n, sizeof want - n, i ? "-%u" : "%u", 0x0100 + i);
    snprintf(want + n, sizeof want - n, ",0-16-23,,");
    check_ja3(&h, want);
}

/* TLS 1.3 drafts: a ServerHello with legacy_version 0x7fNN (drafts <= 21)
 * has no session id and no compression method; its cipher decodes. The
 * drafts' own HelloRetryRequest message (type 6): draft 18 without a suite,
 * drafts 19-21 with one. */
static void test_draft_layouts(void)
{
    struct tls_server_hello sh;
    bool hrr;
    uint16_t group, version, cipher;
    for (unsigned draft = 0x7f0e; draft <= 0x7f15; draft++) {
        struct bb *x = &body;
        x->n = 0;
        put16(x, draft);
        for (int i = 0; i < 32; i++) put8(x, 0x40 + i);
        put16(x, 0x1303); /* TLS_CHACHA20_POLY1305_SHA256 */
        open_(x, 2);
        put16(x, 40); /* key_share, drafts' code point */
        open_(x, 2);
        put16(x, 29); /* x25519 */
        open_(x, 2);
        for (int i = 0; i < 32; i++) put8(x, 9);
        close_(x);
        close_(x);
        close_(x);
        CHECK_EQ_INT(tls_parse_server_hello(&sh, &hrr, &group, body.b, body.n, NULL, NULL), TLS_OK);
        CHECK_EQ_INT(sh.legacy_version, draft);
        CHECK_EQ_INT(sh.cipher, 0x1303);
        CHECK_EQ_INT(sh.session_id_len, 0);
        CHECK_EQ_INT(sh.key_share_group, 29);
        CHECK(!sh.malformed);
        CHECK(!hrr);
    }
    for (unsigned draft = 0x7f12; draft <= 0x7f15; draft++) {
        struct bb *x = &body;
        x->n = 0;
        put16(x, draft);
        if (draft >= 0x7f13) put16(x, 0x1302);
        open_(x, 2);
        put16(x, 40);
        open_(x, 2);
        put16(x, 24); /* secp384r1 */
        close_(x);
        close_(x);
        CHECK_EQ_INT(tls_parse_draft_hello_retry(body.b, body.n, &version, &cipher, &group), TLS_OK);
        CHECK_EQ_INT(version, draft);
        CHECK_EQ_INT(cipher, draft >= 0x7f13 ? 0x1302 : 0);
        CHECK_EQ_INT(group, 24);
        CHECK_EQ_INT(tls_parse_draft_hello_retry(body.b, body.n - 1, &version, &cipher, &group),
                     TLS_ETRUNC);
    }
}

static void test_ch_malformed(void)
{
    struct tls_client_hello h;
    struct tls_conn *c;
    static const enum ch_variant broken[] = {CHV_SID33, CHV_NO_SUITES, CHV_NO_COMPRESSION,
                                             CHV_DUP_EXT, CHV_EXT_TRAILING, CHV_EXT_OVERRUN};
    static const char *const why[] = {
        "ClientHello: ClientHello session id longer than 32",
        "ClientHello: ClientHello cipher_suites length is zero or odd",
        "ClientHello: ClientHello without compression methods",
        "ClientHello: duplicate extension server_name",
        "ClientHello: extension overruns the extensions block",
        "ClientHello: extension overruns the extensions block",
    };

    /* the same hello well formed: fingerprinted */
    body.n = 0;
    build_ch_body(&body, CHV_GOOD);
    CHECK_EQ_INT(tls_parse_client_hello(&h, body.b, body.n, NULL, NULL), TLS_OK);
    CHECK(!h.malformed);
    check_ja3(&h, "771,4865-49199,0-16-23,,");

    for (size_t k = 0; k < sizeof broken / sizeof broken[0]; k++) {
        body.n = rec.n = 0;
        build_ch_body(&body, broken[k]);
        CHECK_EQ_INT(tls_parse_client_hello(&h, body.b, body.n, NULL, NULL), TLS_OK);
        CHECK(h.malformed);
        CHECK(!h.has_ja3);
        wrap_record(&rec, 1, body.b, body.n);
        c = conn_with_client_bytes(rec.b, rec.n, SPLIT_WHOLE);
        CHECK(c->is_tls);
        CHECK(c->ch.present); /* kept as far as it was read ... */
        CHECK(c->ch.malformed);
        CHECK_EQ_INT(c->ch.sni_len, 13); /* ... the SNI included */
        CHECK_EQ_MEM(c->ch.sni, "first.example", 13);
        CHECK_EQ_INT(c->ch.n_ciphers, broken[k] == CHV_NO_SUITES ? 0 : 2);
        char ja4[JA4_LEN + 1];
        CHECK(!ja4_client(&c->ch, 't', ja4, NULL));
        CHECK_EQ_INT(count_events(c, TLS_EV_MALFORMED), 1);
        CHECK_EQ_STR(c->events[0].detail, why[k]);
        tls_conn_free(c);
    }

    /* duplicate extension: the first one counts, the wire order is kept */
    body.n = rec.n = 0;
    build_ch_body(&body, CHV_DUP_EXT);
    wrap_record(&rec, 1, body.b, body.n);
    c = conn_with_client_bytes(rec.b, rec.n, SPLIT_WHOLE);
    CHECK_EQ_INT(c->ch.n_exts, 4);
    CHECK_EQ_INT(c->ch.exts[2].type, 0);
    tls_conn_free(c);

    /* trailing bytes / an overrunning extension: what came before stays */
    body.n = rec.n = 0;
    build_ch_body(&body, CHV_EXT_TRAILING);
    wrap_record(&rec, 1, body.b, body.n);
    c = conn_with_client_bytes(rec.b, rec.n, SPLIT_WHOLE);
    CHECK(c->ch.extended_master_secret);
    CHECK_EQ_INT(c->ch.n_exts, 3);
    tls_conn_free(c);
    body.n = rec.n = 0;
    build_ch_body(&body, CHV_EXT_OVERRUN);
    wrap_record(&rec, 1, body.b, body.n);
    c = conn_with_client_bytes(rec.b, rec.n, SPLIT_WHOLE);
    CHECK_EQ_INT(c->ch.n_alpn, 1);
    CHECK_EQ_INT(c->ch.n_exts, 2); /* server_name, ALPN; not the one that overran */
    tls_conn_free(c);

    /* an inner vector overrunning its extension is not the hello's framing:
     * that extension is dropped and noted, the hello is used and
     * fingerprinted (JA3 and JA4 take only the extension types) */
    body.n = rec.n = 0;
    build_ch_body(&body, CHV_SNI_OVERRUN);
    wrap_record(&rec, 1, body.b, body.n);
    c = conn_with_client_bytes(rec.b, rec.n, SPLIT_WHOLE);
    CHECK(c->ch.present);
    CHECK(!c->ch.malformed);
    CHECK(!c->ch.has_sni);
    CHECK_EQ_INT(c->ch.n_alpn, 1);
    CHECK(c->ch.extended_master_secret);
    check_ja3(&c->ch, "771,4865-49199,0-16-23,,");
    CHECK_EQ_INT(count_events(c, TLS_EV_MALFORMED), 1);
    CHECK(strstr(c->events[0].detail, "malformed extension server_name") != NULL);
    tls_conn_free(c);

    /* no extensions block at all is fine */
    body.n = rec.n = 0;
    build_ch_body(&body, CHV_NO_EXTENSIONS);
    wrap_record(&rec, 1, body.b, body.n);
    c = conn_with_client_bytes(rec.b, rec.n, SPLIT_WHOLE);
    CHECK(c->ch.present);
    CHECK(!c->ch.has_extensions_block);
    CHECK_EQ_INT(c->ch.n_exts, 0);
    CHECK_EQ_INT(c->n_events, 0);
    tls_conn_free(c);

    /* a record longer than 2^14 + 2048 loses sync */
    {
        static const uint8_t big[] = {22, 3, 3, 0x48, 0x01, 1, 0, 0, 40, 3, 3};
        c = conn_with_client_bytes(rec.b, rec.n, SPLIT_WHOLE); /* a good hello first */
        tls_conn_data(c, FLOW_DIR_A, big, sizeof big, turn_ts(1));
        CHECK_EQ_INT(count_events(c, TLS_EV_MALFORMED), 1);
        CHECK_EQ_INT(c->parser->d[FLOW_DIR_A].mode, DM_RESYNC);
        tls_conn_free(c);
    }
}

/* SSLv2-compatible ClientHello (RFC 5246 E.2): 7 cipher specs, 3 of them
 * TLS suites (0x00XXXX), a 16-byte challenge. */
static void test_sslv2(void)
{
    static const uint8_t v2[] = {
        0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10,
        0x01, 0x00, 0x80, 0x07, 0x00, 0xc0, 0x00, 0x00, 0x35, 0x00, 0x00, 0x2f,
        0x06, 0x00, 0x40, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x80,
        0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
        0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
    };
    static const uint8_t rnd[32] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                    0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
                                    0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};
    for (int s = SPLIT_WHOLE; s <= SPLIT_BYTES; s++) {
        struct tls_conn *c = conn_with_client_bytes(v2, sizeof v2, (enum split)s);
        CHECK(c->is_tls);
        CHECK(c->ch.present);
        CHECK(c->ch.sslv2_format);
        CHECK_EQ_INT(c->ch.record_version, TLS_V_SSL2);
        CHECK_EQ_INT(c->ch.legacy_version, 0x0301);
        CHECK_EQ_INT(c->ch.n_ciphers, 3);
        CHECK_EQ_INT(c->ch.ciphers[0], 0x0035);
        CHECK_EQ_INT(c->ch.ciphers[1], 0x002f);
        CHECK_EQ_INT(c->ch.ciphers[2], 0x000a);
        CHECK_EQ_INT(c->ch.n_sslv2_specs, 4);
        CHECK_EQ_INT(c->ch.sslv2_specs[0], 0x010080);
        CHECK_EQ_INT(c->ch.sslv2_specs[1], 0x0700c0);
        CHECK_EQ_INT(c->ch.sslv2_specs[3], 0x020080);
        CHECK_EQ_INT(c->ch.session_id_len, 0);
        CHECK_EQ_MEM(c->ch.random, rnd, 32);
        CHECK(!c->ch.has_extensions_block);
        CHECK_EQ_INT(count_events(c, TLS_EV_SSLV2_HELLO), 1);
        tls_conn_free(c);
    }
    /* the length must agree with the three inner lengths */
    {
        uint8_t bad[sizeof v2];
        memcpy(bad, v2, sizeof v2);
        bad[1] = 0x2f;
        struct tls_conn *c = conn_with_client_bytes(bad, sizeof bad, SPLIT_WHOLE);
        CHECK(!c->is_tls);
        tls_conn_free(c);
    }
}

/* SMTP STARTTLS: plaintext in both directions first. */
static void test_starttls(void)
{
    static const char banner[] = "220 mx.example ESMTP ready\r\n";
    static const char ehlo[] = "EHLO client.example\r\nSTARTTLS\r\n";
    static const char go[] = "250 mx.example\r\n220 2.0.0 Ready to start TLS\r\n";
    struct tls_conn *plain = replay(&fx_tls12, SPLIT_WHOLE, 0, false);
    for (int s = SPLIT_WHOLE; s <= SPLIT_RANDOM; s++) {
        struct flow_meta m;
        struct tls_conn *c;
        size_t off = 0;
        make_meta(&m);
        c = tls_conn_new(&m);
        rng_state = 5;
        feed(c, FLOW_DIR_B, (const uint8_t *)banner, strlen(banner), (enum split)s, 1);
        feed(c, FLOW_DIR_A, (const uint8_t *)ehlo, strlen(ehlo), (enum split)s, 2);
        feed(c, FLOW_DIR_B, (const uint8_t *)go, strlen(go), (enum split)s, 3);
        for (size_t t = 0; t < fx_tls12.nturns; t++) {
            feed(c, (enum flow_dir)fx_tls12.turns[t].dir, fx_tls12.bytes + off,
                 fx_tls12.turns[t].len, (enum split)s, turn_ts(t));
            off += fx_tls12.turns[t].len;
        }
        close_conn(c, 0, 0);
        CHECK(c->is_tls);
        CHECK_EQ_INT(c->tls_start_offset[TLS_CLIENT], strlen(ehlo));
        CHECK_EQ_INT(c->tls_start_offset[TLS_SERVER], strlen(banner) + strlen(go));
        CHECK_EQ_INT(count_events(c, TLS_EV_STARTTLS), 2);
        CHECK(memcmp(&c->ch, &plain->ch, sizeof c->ch) == 0);
        CHECK(memcmp(&c->sh, &plain->sh, sizeof c->sh) == 0);
        CHECK_EQ_INT(c->server_certs.n, 2);
        CHECK_EQ_INT(c->nochain, TLS_NOCHAIN_NONE);
        CHECK(c->handshake_complete);
        tls_conn_free(c);
    }
    tls_conn_free(plain);
}

static void test_not_tls(void)
{
    static const char req[] = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
    struct flow_meta m;
    struct tls_conn *c;
    make_meta(&m);
    c = tls_conn_new(&m);
    CHECK_EQ_INT(tls_conn_data(c, FLOW_DIR_A, (const uint8_t *)req, sizeof req - 1, 1),
                 FLOW_COUNT_ONLY);
    CHECK(c->not_tls);
    CHECK_EQ_INT(tls_conn_data(c, FLOW_DIR_B, (const uint8_t *)resp, sizeof resp - 1, 2),
                 FLOW_COUNT_ONLY);
    close_conn(c, sizeof req - 1, sizeof resp - 1);
    CHECK(c->not_tls);
    CHECK(!c->is_tls);
    CHECK(!c->ch.present);
    CHECK(!c->chain_final);
    CHECK_EQ_INT(c->n_events, 0);
    tls_conn_free(c);

    /* a binary stream with no TLS: gives up after TLS_SCAN_LIMIT per side */
    {
        static uint8_t junk[TLS_SCAN_LIMIT + 100];
        for (size_t i = 0; i < sizeof junk; i++) junk[i] = (uint8_t)(i * 7 + 1) & 0x7f;
        make_meta(&m);
        c = tls_conn_new(&m);
        CHECK_EQ_INT(tls_conn_data(c, FLOW_DIR_A, junk, sizeof junk, 1), FLOW_COUNT_ONLY);
        CHECK(!c->not_tls); /* the other side may still start TLS */
        CHECK_EQ_INT(tls_conn_data(c, FLOW_DIR_B, junk, sizeof junk, 1), FLOW_COUNT_ONLY);
        CHECK(c->not_tls);
        tls_conn_free(c);
    }
}

/* OpenVPN over TCP: the client's first packet of tests/captures/netns/
 * openvpn-tcp.pcap (length 0x000e, P_CONTROL_HARD_RESET_CLIENT_V2 key id 0,
 * session id, no acks, packet id 0) makes the stream OpenVPN at once (read
 * through openvpn.c; without a TLS handshake inside it ends "not TLS"); one
 * byte off (key id 1, or a length too short for a reset) does not. A control
 * packet whose bytes do not start a hello (tls-auth's HMAC) makes it protected.
 * tests/t_openvpn.sh has the real handshakes. */
static void test_openvpn_tcp(void)
{
    uint8_t reset[] = {0x00, 0x0e, 0x38, 0x86, 0xcb, 0x25, 0x89, 0x03, 0x4e, 0x53,
                       0x54, 0x00, 0x00, 0x00, 0x00, 0x00};
    struct flow_meta m;
    struct tls_conn *c;
    make_meta(&m);
    c = tls_conn_new(&m);
    CHECK_EQ_INT(tls_conn_data(c, FLOW_DIR_A, reset, sizeof reset, 1), FLOW_CONTINUE);
    CHECK(!c->not_tls);
    CHECK(c->openvpn);
    close_conn(c, sizeof reset, 0);
    CHECK(c->openvpn);
    CHECK(c->not_tls);
    CHECK(!c->is_tls);
    CHECK(!c->openvpn_protected);
    tls_conn_free(c);

    {
        /* P_CONTROL_V1, session id, then 20 HMAC bytes where the ack count would be */
        uint8_t ctl[2 + 1 + 8 + 20 + 8 + 16] = {0, sizeof ctl - 2, 0x20};
        memset(ctl + 11, 0xa5, sizeof ctl - 11);
        make_meta(&m);
        c = tls_conn_new(&m);
        CHECK_EQ_INT(tls_conn_data(c, FLOW_DIR_A, reset, sizeof reset, 1), FLOW_CONTINUE);
        CHECK_EQ_INT(tls_conn_data(c, FLOW_DIR_A, ctl, sizeof ctl, 2), FLOW_COUNT_ONLY);
        CHECK(c->openvpn_protected);
        close_conn(c, sizeof reset + sizeof ctl, 0);
        CHECK(c->not_tls);
        tls_conn_free(c);
    }

    reset[2] = 0x39; /* key id 1: a hard reset always has key id 0 */
    make_meta(&m);
    c = tls_conn_new(&m);
    CHECK_EQ_INT(tls_conn_data(c, FLOW_DIR_A, reset, sizeof reset, 1), FLOW_CONTINUE);
    CHECK(!c->not_tls);
    CHECK(!c->openvpn);
    tls_conn_free(c);

    reset[2] = 0x38;
    reset[1] = 0x0d; /* 13 bytes cannot hold opcode, session id, ack count, packet id */
    make_meta(&m);
    c = tls_conn_new(&m);
    CHECK_EQ_INT(tls_conn_data(c, FLOW_DIR_A, reset, sizeof reset, 1), FLOW_CONTINUE);
    CHECK(!c->openvpn);
    tls_conn_free(c);
}

/* Replay tls12 with a gap of `glen` bytes at server offset `goff`. */
static struct tls_conn *replay_with_gap(uint64_t goff, uint64_t glen)
{
    struct flow_meta m;
    struct tls_conn *c;
    size_t off = 0;
    make_meta(&m);
    c = tls_conn_new(&m);
    for (size_t t = 0; t < fx_tls12.nturns; t++) {
        const uint8_t *p = fx_tls12.bytes + off;
        uint32_t n = fx_tls12.turns[t].len;
        if (t == 1) {
            struct flow_event ev = {FLOW_EV_GAP, FLOW_DIR_B, goff, glen, turn_ts(t)};
            tls_conn_data(c, FLOW_DIR_B, p, (uint32_t)goff, turn_ts(t));
            tls_conn_flow_event(c, &ev);
            tls_conn_data(c, FLOW_DIR_B, p + goff + glen, (uint32_t)(n - goff - glen), turn_ts(t));
        } else {
            tls_conn_data(c, (enum flow_dir)fx_tls12.turns[t].dir, p, n, turn_ts(t));
        }
        off += n;
    }
    close_conn(c, 0, 0);
    return c;
}

static void test_gaps(void)
{
    /* server stream: ServerHello record 0..78, Certificate record 79..1668 */
    struct tls_conn *c = replay_with_gap(500, 100); /* inside the Certificate */
    CHECK(c->sh.present);
    CHECK(!c->server_certs.present);
    CHECK(c->chain_final);
    CHECK_EQ_INT(c->nochain, TLS_NOCHAIN_LOST);
    CHECK_EQ_INT(count_events(c, TLS_EV_GAP), 1);
    CHECK_EQ_INT(c->events[0].side, TLS_SERVER);
    CHECK_EQ_INT(c->events[0].offset, 500);
    CHECK_EQ_INT(c->ske_group, 0x001d); /* record framing survived the gap */
    CHECK(c->handshake_complete);
    CHECK_EQ_INT(count_events(c, TLS_EV_RESYNC), 0);
    tls_conn_free(c);

    /* a gap across the ServerHello/Certificate record boundary: resync on
     * the ServerKeyExchange record; still no chain */
    c = replay_with_gap(60, 60);
    CHECK(!c->sh.present);
    CHECK(!c->server_certs.present);
    CHECK_EQ_INT(c->nochain, TLS_NOCHAIN_LOST);
    CHECK_EQ_INT(count_events(c, TLS_EV_RESYNC), 1);
    CHECK(c->ccs[TLS_SERVER]);
    CHECK_EQ_INT(c->n_alerts, 2);
    tls_conn_free(c);

    /* a gap after the Certificate does not touch the chain */
    c = replay_with_gap(1700, 20);
    CHECK_EQ_INT(c->nochain, TLS_NOCHAIN_NONE);
    CHECK_EQ_INT(c->server_certs.n, 2);
    tls_conn_free(c);
}

/* A Certificate claiming 16 MB: a cap event, the body skipped without being
 * stored, and the messages after it are still read. */
static void test_huge_certificate(void)
{
    struct flow_meta m;
    struct tls_conn *c;
    static uint8_t chunk[5 + 16384];
    const uint32_t claim = 0xfffff0;
    uint32_t left;
    make_meta(&m);
    c = tls_conn_new(&m);
    tls_conn_data(c, FLOW_DIR_A, fx_tls12_bytes, 173, turn_ts(0));
    tls_conn_data(c, FLOW_DIR_B, fx_tls12_bytes + 173, 79, turn_ts(1)); /* ServerHello */
    /* first record: handshake header + start of the body */
    left = claim;
    rec.n = 0;
    put8(&rec, 22);
    put16(&rec, 0x0303);
    put16(&rec, 16384);
    put8(&rec, 11);
    put24(&rec, claim);
    memset(rec.b + rec.n, 0x42, 16384 - 4);
    rec.n += 16384 - 4;
    tls_conn_data(c, FLOW_DIR_B, rec.b, (uint32_t)rec.n, turn_ts(1));
    left -= 16384 - 4;
    CHECK_EQ_INT(count_events(c, TLS_EV_CAP), 1);
    CHECK(c->chain_final);
    CHECK_EQ_INT(c->nochain, TLS_NOCHAIN_LOST);
    while (left > 0) {
        uint32_t n = left < 16384 ? left : 16384;
        chunk[0] = 22;
        chunk[1] = 3;
        chunk[2] = 3;
        chunk[3] = (uint8_t)(n >> 8);
        chunk[4] = (uint8_t)n;
        memset(chunk + 5, 0x42, n);
        tls_conn_data(c, FLOW_DIR_B, chunk, 5 + n, turn_ts(1));
        left -= n;
    }
    CHECK(c->parser->d[FLOW_DIR_B].hs_cap <= 4096); /* nothing of it was stored */
    {   /* ServerHelloDone, then CCS */
        static const uint8_t shd[] = {22, 3, 3, 0, 4, 14, 0, 0, 0, 20, 3, 3, 0, 1, 1};
        tls_conn_data(c, FLOW_DIR_B, shd, sizeof shd, turn_ts(2));
    }
    CHECK(c->ccs[TLS_SERVER]);
    CHECK(!c->server_certs.present);
    CHECK_EQ_INT(count_events(c, TLS_EV_MALFORMED), 0);
    tls_conn_free(c);
}

/* A fatal plaintext alert from the server before any Certificate. */
static void test_alert_before_cert(void)
{
    static const uint8_t alert[] = {21, 3, 3, 0, 2, 2, 40};
    struct tls_conn *c = conn_with_client_bytes(fx_tls12_bytes, 173, SPLIT_WHOLE);
    tls_conn_data(c, FLOW_DIR_B, alert, sizeof alert, turn_ts(1));
    CHECK(c->chain_final);
    CHECK_EQ_INT(c->nochain, TLS_NOCHAIN_ALERT);
    CHECK_EQ_INT(c->n_alerts, 1);
    CHECK(!c->alerts[0].encrypted);
    CHECK_EQ_INT(c->alerts[0].level, 2);
    CHECK_EQ_INT(c->alerts[0].desc, 40);
    CHECK_EQ_INT(c->alerts[0].from, TLS_SERVER);
    close_conn(c, 173, sizeof alert);
    CHECK_EQ_INT(c->nochain, TLS_NOCHAIN_ALERT); /* decided once */
    CHECK_EQ_INT(count_events(c, TLS_EV_INCOMPLETE), 1);
    tls_conn_free(c);

    /* no answer at all */
    c = conn_with_client_bytes(fx_tls12_bytes, 173, SPLIT_WHOLE);
    close_conn(c, 173, 0);
    CHECK(c->chain_final);
    CHECK_EQ_INT(c->nochain, TLS_NOCHAIN_NO_SERVER_HELLO);
    tls_conn_free(c);
}

/* ECDHE_PSK (RFC 5489): the ServerKeyExchange starts with a PSK identity
 * hint; no Certificate by design, so ServerHelloDone makes the absence
 * final as ANON. */
static void test_psk_suite(void)
{
    struct tls_conn *c;
    body.n = rec.n = 0;
    build_ch_body(&body, CHV_GOOD);
    wrap_record(&rec, 1, body.b, body.n);
    c = conn_with_client_bytes(rec.b, rec.n, SPLIT_WHOLE);
    body.n = rec.n = 0;
    put16(&body, 0x0303); /* ServerHello: no extensions block */
    for (int i = 0; i < 32; i++) put8(&body, 0x11);
    put8(&body, 0);
    put16(&body, 0xc035);
    put8(&body, 0);
    wrap_record(&rec, 2, body.b, body.n);
    body.n = 0;
    open_(&body, 2); /* psk_identity_hint */
    putmem(&body, "hint", 4);
    close_(&body);
    put8(&body, 3);       /* named_curve */
    put16(&body, 0x0017); /* secp256r1 */
    open_(&body, 1);
    put8(&body, 4);
    close_(&body);
    wrap_record(&rec, 12, body.b, body.n);
    wrap_record(&rec, 14, NULL, 0);
    tls_conn_data(c, FLOW_DIR_B, rec.b, (uint32_t)rec.n, turn_ts(1));
    CHECK(c->sh.present);
    CHECK(!c->sh.has_alpn);
    CHECK_EQ_INT(c->sh.n_exts, 0);
    CHECK_EQ_INT(c->ske_group, 0x0017);
    CHECK(c->chain_final);
    CHECK_EQ_INT(c->nochain, TLS_NOCHAIN_ANON);
    CHECK_EQ_INT(c->chain_ts_ns, turn_ts(1));
    CHECK_EQ_INT(c->n_events, 0);
    tls_conn_free(c);
}

/* A capture that starts in the middle: application data records only. */
static void test_midstream(void)
{
    struct flow_meta m;
    struct flow_event ev;
    struct tls_conn *c;
    static uint8_t stream[3 * (5 + 300) + 40];
    size_t n = 0;
    /* the tail of a record, then three whole application data records */
    memset(stream, 0x5a, 40);
    n = 40;
    for (int i = 0; i < 3; i++) {
        stream[n++] = 23;
        stream[n++] = 3;
        stream[n++] = 3;
        stream[n++] = 300 >> 8;
        stream[n++] = 300 & 0xff;
        for (int k = 0; k < 300; k++) stream[n++] = (uint8_t)(k * 31 + i);
    }
    make_meta(&m);
    m.saw_syn = false;
    c = tls_conn_new(&m);
    ev.kind = FLOW_EV_MIDSTREAM;
    ev.dir = FLOW_DIR_A;
    ev.offset = ev.length = 0;
    ev.ts_ns = 1;
    tls_conn_flow_event(c, &ev);
    tls_conn_data(c, FLOW_DIR_B, stream, (uint32_t)n, turn_ts(0));
    CHECK(c->is_tls);
    CHECK(c->chain_final);
    CHECK_EQ_INT(c->nochain, TLS_NOCHAIN_MIDSTREAM);
    CHECK_EQ_INT(c->app_data_records[TLS_SERVER], 3);
    CHECK_EQ_INT(c->app_data_bytes[TLS_SERVER], 900);
    CHECK_EQ_INT(c->tls_start_offset[TLS_SERVER], 40);
    CHECK_EQ_INT(count_events(c, TLS_EV_STARTTLS), 0);
    tls_conn_free(c);
}

/* Damaged copies of the fixtures (seeded byte flips, truncation, random
 * splits, a random gap): the parser must not crash or loop, and what it
 * reports must hold together. Run under the sanitizer build this is a small
 * fuzzer. */
static void test_mutations(void)
{
    static const struct fixture *fxs[] = {&fx_tls12, &fx_tls13, &fx_resume, &fx_hrr};
    static uint8_t buf[4096];
    int checked = 0;
    for (size_t fi = 0; fi < NELEMS(fxs); fi++) {
        const struct fixture *f = fxs[fi];
        size_t total = 0;
        for (size_t t = 0; t < f->nturns; t++) total += f->turns[t].len;
        for (uint32_t iter = 0; iter < 300; iter++) {
            struct flow_meta m;
            struct tls_conn *c;
            size_t off = 0;
            rng_state = iter * 2654435761u + (uint32_t)fi;
            memcpy(buf, f->bytes, total);
            for (int k = 0, flips = 1 + (int)(rng() % 8); k < flips; k++)
                buf[rng() % total] ^= (uint8_t)(1u << (rng() % 8));
            make_meta(&m);
            c = tls_conn_new(&m);
            for (size_t t = 0; t < f->nturns; t++) {
                uint32_t n = f->turns[t].len;
                enum flow_dir d = (enum flow_dir)f->turns[t].dir;
                if (iter % 7 == 3 && t == 1) { /* a gap somewhere in the server's flight */
                    uint32_t at = rng() % n, len = 1 + rng() % (n - at);
                    struct flow_event ev = {FLOW_EV_GAP, d, at, len, turn_ts(t)};
                    feed(c, d, buf + off, at, SPLIT_RANDOM, turn_ts(t));
                    tls_conn_flow_event(c, &ev);
                    feed(c, d, buf + off + at + len, n - at - len, SPLIT_RANDOM, turn_ts(t));
                } else {
                    feed(c, d, buf + off, n, SPLIT_RANDOM, turn_ts(t));
                }
                off += n;
            }
            close_conn(c, 1, 1);
            /* invariants */
            CHECK(!c->is_tls || c->chain_final);
            CHECK(c->n_events <= TLS_MAX_EVENTS);
            CHECK(c->server_certs.n <= c->server_certs.n_total);
            CHECK(c->server_certs.n <= TLS_MAX_CHAIN);
            CHECK(c->ch.n_ciphers <= TLS_MAX_CIPHERS && c->ch.n_exts <= TLS_MAX_EXTENSIONS);
            CHECK(c->ch.sni_len <= TLS_MAX_SNI && c->ch.n_alpn <= TLS_MAX_ALPN);
            CHECK(c->nochain == TLS_NOCHAIN_NONE || c->server_certs.n == 0 ||
                  c->nochain == TLS_NOCHAIN_TLS13);
            CHECK(c->app_data_bytes[0] + c->app_data_bytes[1] <= total);
            CHECK(c->parser == NULL);
            checked++;
            tls_conn_free(c);
        }
    }
    CHECK_EQ_INT(checked, 4 * 300);
}

/* Inputs the stream fuzzer once broke the dissector with (same format as
 * dissect/fuzz/fuzz_tls_stream.c). Under the sanitizer build they must run
 * clean; here they must at least end with consistent facts. */
static void test_fuzz_regressions(void)
{
    const uint8_t *data = fuzz_regress_1;
    size_t size = fuzz_regress_1_len, i = 0;
    uint64_t off[2] = {0, 0};
    struct flow_meta m;
    struct tls_conn *c;
    make_meta(&m);
    c = tls_conn_new(&m);
    while (i + 3 <= size) {
        uint8_t ctl = data[i];
        size_t n = ((size_t)data[i + 1] << 8) | data[i + 2];
        enum flow_dir d = (enum flow_dir)(ctl & 1);
        i += 3;
        if (ctl & 2) {
            struct flow_event ev = {FLOW_EV_GAP, d, off[d], n, 0};
            tls_conn_flow_event(c, &ev);
            off[d] += n;
            continue;
        }
        if (n > size - i) n = size - i;
        tls_conn_data(c, d, data + i, (uint32_t)n, (int64_t)i);
        off[d] += n;
        i += n;
    }
    close_conn(c, off[0], off[1]);
    CHECK(c->is_tls);
    CHECK(c->chain_final);
    CHECK(c->parser == NULL);
    tls_conn_free(c);
}


/* ------------------------------------------------------------------ */
/* CertificateRequest (RFC 5246 §7.4.4, RFC 8446 §4.3.2)               */

/* Two CA names: DER SEQUENCE{SET{SEQUENCE{OID 2.5.4.3, UTF8String "A"}}}
 * and the same with "B" (hand-encoded, 14 bytes each). */
static const uint8_t dn_a[] = {0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03,
                               0x55, 0x04, 0x03, 0x0c, 0x01, 'A'};
static const uint8_t dn_b[] = {0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03,
                               0x55, 0x04, 0x03, 0x0c, 0x01, 'B'};

static void test_cert_request(void)
{
    struct tls_cert_request cr;
    memset(&cr, 0, sizeof cr);
    /* TLS 1.2: types {rsa_sign(1), ecdsa_sign(64)}, sig algs {0x0403, 0x0804},
     * CAs {A, B} */
    const uint8_t m12[] = {2, 1, 64, 0, 4, 0x04, 0x03, 0x08, 0x04, 0, 32,
                           0, 14, 0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x01, 'A',
                           0, 14, 0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x01, 'B'};
    CHECK_EQ_INT(tls_parse_cert_request(&cr, m12, sizeof m12, false, true, NULL, NULL), TLS_OK);
    CHECK(cr.present && !cr.tls13_layout);
    CHECK_EQ_INT(cr.n_cert_types, 2);
    CHECK_EQ_INT(cr.cert_types[0], 1);
    CHECK_EQ_INT(cr.cert_types[1], 64);
    CHECK(cr.has_sig_algs);
    CHECK_EQ_INT(cr.sig_algs.n, 2);
    CHECK_EQ_INT(cr.sig_algs.v[0], 0x0403);
    CHECK_EQ_INT(cr.sig_algs.v[1], 0x0804);
    CHECK(cr.has_ca_list);
    CHECK_EQ_INT(cr.n_ca_names, 2);
    CHECK_EQ_INT(cr.n_ca_names_total, 2);
    CHECK_EQ_INT(cr.ca_names[0].len, sizeof dn_a);
    CHECK(memcmp(cr.ca_names[0].der, dn_a, sizeof dn_a) == 0);
    CHECK(memcmp(cr.ca_names[1].der, dn_b, sizeof dn_b) == 0);
    /* every proper prefix is a truncated message or malformed, never OK,
     * and never reads past the prefix (ASan build) */
    for (size_t n = 0; n < sizeof m12; n++) {
        uint8_t *pre = malloc(n ? n : 1);
        memcpy(pre, m12, n);
        int rc = tls_parse_cert_request(&cr, pre, n, false, true, NULL, NULL);
        CHECK(rc == TLS_ETRUNC || rc == TLS_EMALFORMED);
        free(pre);
    }
    /* a CA name whose length overruns the list */
    uint8_t bad[sizeof m12];
    memcpy(bad, m12, sizeof m12);
    bad[27] = 15; /* second name claims 15 bytes, 14 left */
    CHECK_EQ_INT(tls_parse_cert_request(&cr, bad, sizeof bad, false, true, NULL, NULL), TLS_EMALFORMED);
    CHECK_EQ_INT(cr.n_ca_names, 1);
    /* TLS 1.0/1.1: no signature algorithms field; empty CA list */
    const uint8_t m11[] = {1, 1, 0, 0};
    CHECK_EQ_INT(tls_parse_cert_request(&cr, m11, sizeof m11, false, false, NULL, NULL), TLS_OK);
    CHECK(!cr.has_sig_algs && !cr.has_ca_list);
    CHECK_EQ_INT(cr.n_cert_types, 1);
    CHECK_EQ_INT(cr.n_ca_names_total, 0);
    /* trailing byte */
    const uint8_t m11x[] = {1, 1, 0, 0, 9};
    CHECK_EQ_INT(tls_parse_cert_request(&cr, m11x, sizeof m11x, false, false, NULL, NULL), TLS_EMALFORMED);
    /* TLS 1.3: empty context; signature_algorithms {0x0804};
     * certificate_authorities {A} */
    const uint8_t m13[] = {0, 0, 30, 0, 13, 0, 4, 0, 2, 0x08, 0x04,
                           0, 47, 0, 18, 0, 16,
                           0, 14, 0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x01, 'A'};
    CHECK_EQ_INT(tls_parse_cert_request(&cr, m13, sizeof m13, true, false, NULL, NULL), TLS_OK);
    CHECK(cr.tls13_layout && cr.has_sig_algs && cr.has_ca_list);
    CHECK_EQ_INT(cr.sig_algs.n, 1);
    CHECK_EQ_INT(cr.sig_algs.v[0], 0x0804);
    CHECK_EQ_INT(cr.n_ca_names, 1);
    CHECK(memcmp(cr.ca_names[0].der, dn_a, sizeof dn_a) == 0);
    /* cap: 40 names, the first TLS_MAX_CA_NAMES kept, all counted */
    {
        size_t n = 40, list = n * (2 + sizeof dn_a);
        uint8_t *m = malloc(5 + list);
        size_t o = 0;
        m[o++] = 1; m[o++] = 1; /* 1.1 layout: types, then the list */
        m[o++] = (uint8_t)(list >> 8); m[o++] = (uint8_t)list;
        for (size_t i = 0; i < n; i++) {
            m[o++] = 0; m[o++] = sizeof dn_a;
            memcpy(m + o, dn_a, sizeof dn_a);
            o += sizeof dn_a;
        }
        CHECK_EQ_INT(tls_parse_cert_request(&cr, m, o, false, false, NULL, NULL), TLS_OK);
        CHECK_EQ_INT(cr.n_ca_names, TLS_MAX_CA_NAMES);
        CHECK_EQ_INT(cr.n_ca_names_total, 40);
        free(m);
    }
    tls_cert_request_clear(&cr);
    CHECK_EQ_INT(tls_held_bytes(), 0);
}

int main(void)
{
    test_cert_request();
    test_tls12();
    test_tls13();
    test_resume();
    test_hrr();
    test_reversed();
    test_ch_good_and_grease();
    test_ch_truncations();
    test_ch_malformed();
    test_ja3_many_suites();
    test_draft_layouts();
    test_sslv2();
    test_starttls();
    test_not_tls();
    test_openvpn_tcp();
    test_gaps();
    test_huge_certificate();
    test_alert_before_cert();
    test_midstream();
    test_psk_suite();
    test_mutations();
    test_fuzz_regressions();
    return check_summary();
}
