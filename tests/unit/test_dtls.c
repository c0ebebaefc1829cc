/* Unit tests for dissect/dtls.c: real openssl DTLS handshakes
 * (fixtures/dtls_handshakes.h, made by fixtures/gen_dtls_fixtures.sh) fed
 * as captured, reversed, reordered, duplicated, retransmitted and cut at every
 * length, and hand-built fragments from the same real bytes: bad offsets,
 * overlaps with different bytes, type/length disagreements, caps, DTLS 1.3
 * unified headers, junk.
 *
 * Expected values come from tshark's dissection of the fixture captures
 * (see the comment beside each fixture test), not from the parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dissect/dtls.h"
#include "dissect/names.h"
#include "dissect/tls.h"
#include "dissect/tls_internal.h"
#include "fixtures/dtls_handshakes.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define MAXDG 64

struct dg {
    uint8_t dir;             /* 0 client, 1 server */
    const uint8_t *p;
    uint32_t len;
};

struct fixture {
    struct dg d[MAXDG];
    size_t n;
};

static void load(struct fixture *f, const uint8_t *bytes, const struct fx_dgram *list, size_t n)
{
    size_t off = 0;
    f->n = n;
    for (size_t i = 0; i < n; i++) {
        f->d[i].dir = list[i].dir;
        f->d[i].p = bytes + off;
        f->d[i].len = list[i].len;
        off += list[i].len;
    }
}

#define LOAD(f, name) load(&(f), fx_##name##_bytes, fx_##name##_dgrams, NELEMS(fx_##name##_dgrams))

static const uint8_t ADDR_C[16] = {192, 0, 2, 1};
static const uint8_t ADDR_S[16] = {198, 51, 100, 7};

/* meta with direction A = the client, or (reverse) A = the server */
static void make_meta(struct flow_meta *m, bool reverse)
{
    memset(m, 0, sizeof *m);
    m->id = 7;
    m->family = 4;
    memcpy(m->addr[reverse], ADDR_C, 16);
    memcpy(m->addr[!reverse], ADDR_S, 16);
    m->port[reverse] = 40000;
    m->port[!reverse] = 4433;
    m->first_ts_ns = 1000;
}

struct run_opts {
    bool reverse;            /* client datagrams on FLOW_DIR_B */
    bool dup;                /* every datagram twice (a capture's copy) */
    const size_t *order;     /* permutation of the datagrams, or NULL */
    long cut_index;          /* this datagram is cut to cut_len bytes (snaplen) */
    uint32_t cut_len;
    struct dtls_budget *budget;
    bool no_close;
};

static int64_t dg_ts(size_t i) { return 1000000000LL * (int64_t)(i + 1); }

static void close_conn(struct tls_conn *c)
{
    struct flow_close info;
    memset(&info, 0, sizeof info);
    info.reason = FLOW_CLOSE_END;
    info.last_ts_ns = 99000000000LL;
    tls_conn_close(c, &info);
}

static struct tls_conn *run(const struct fixture *f, const struct run_opts *o)
{
    struct flow_meta m;
    struct tls_conn *c;
    make_meta(&m, o->reverse);
    c = dtls_conn_new(&m, o->budget);
    for (size_t k = 0; k < f->n; k++) {
        size_t i = o->order ? o->order[k] : k;
        const struct dg *d = &f->d[i];
        enum flow_dir dir = (enum flow_dir)(d->dir ^ (o->reverse ? 1 : 0));
        uint32_t cap = (long)i == o->cut_index ? o->cut_len : d->len;
        for (int t = 0; t < (o->dup ? 2 : 1); t++) dtls_conn_datagram(c, dir, d->p, cap, d->len, dg_ts(k));
    }
    if (!o->no_close) close_conn(c);
    return c;
}

static struct tls_conn *run_plain(const struct fixture *f)
{
    struct run_opts o = {.cut_index = -1};
    return run(f, &o);
}

static int count_events(const struct tls_conn *c, enum tls_event_kind k)
{
    int n = 0;
    for (int i = 0; i < c->n_events; i++) n += c->events[i].kind == k;
    return n;
}

static bool sni_is(const struct tls_conn *c, const char *want)
{
    return c->ch.has_sni && c->ch.sni_len == strlen(want) && memcmp(c->ch.sni, want, c->ch.sni_len) == 0;
}

/* The handshake facts of two parses of the same handshake must agree. */
static void check_same_facts(const struct tls_conn *a, const struct tls_conn *b)
{
    struct tls_client_hello cha = a->ch, chb = b->ch;
    struct tls_server_hello sha = a->sh, shb = b->sh;
    cha.ts_ns = chb.ts_ns = sha.ts_ns = shb.ts_ns = 0; /* reordering moves them */
    CHECK_EQ_INT(a->is_tls, b->is_tls);
    CHECK(memcmp(&cha, &chb, sizeof cha) == 0);
    CHECK(memcmp(&sha, &shb, sizeof sha) == 0);
    CHECK_EQ_INT(a->server_certs.n, b->server_certs.n);
    for (int i = 0; i < a->server_certs.n && i < b->server_certs.n; i++) {
        CHECK_EQ_INT(a->server_certs.certs[i].len, b->server_certs.certs[i].len);
        CHECK(memcmp(a->server_certs.certs[i].der, b->server_certs.certs[i].der,
                     a->server_certs.certs[i].len) == 0);
    }
    CHECK_EQ_INT(a->ske_group, b->ske_group);
    CHECK_EQ_INT(a->new_session_ticket, b->new_session_ticket);
    CHECK_EQ_INT(a->n_alerts, b->n_alerts);
    CHECK_EQ_INT(a->ccs[0], b->ccs[0]);
    CHECK_EQ_INT(a->ccs[1], b->ccs[1]);
    CHECK_EQ_INT(a->app_data_records[0], b->app_data_records[0]);
    CHECK_EQ_INT(a->app_data_records[1], b->app_data_records[1]);
    CHECK_EQ_INT(a->app_data_bytes[0], b->app_data_bytes[0]);
    CHECK_EQ_INT(a->app_data_bytes[1], b->app_data_bytes[1]);
    CHECK_EQ_INT(a->resumed, b->resumed);
    CHECK_EQ_INT(a->handshake_complete, b->handshake_complete);
    CHECK_EQ_INT(a->chain_final, b->chain_final);
    CHECK_EQ_INT(a->nochain, b->nochain);
    CHECK_EQ_INT(a->dtls.hello_verify, b->dtls.hello_verify);
    CHECK_EQ_INT(a->dtls.cookie_len, b->dtls.cookie_len);
    CHECK_EQ_INT(a->dtls.client_hellos, b->dtls.client_hellos);
}

/* ------------------------------------------------------------------ */
/* fixtures                                                            */

/* tshark on dtls12.pcap (16 frames): ClientHello message_seq 0 in two
 * fragments (203 + 70 of 273 bytes) around the HelloVerifyRequest (cookie of
 * 20 bytes, version 0xfeff), then message_seq 1 (203 + 90 of 293) with the
 * cookie; SNI fx.example, 28 suites, ALPN webrtc .. http/1.1 (8). ServerHello
 * 0xfefd 0xc030 ALPN coap; Certificate message_seq 2 of 1581 bytes in four
 * fragments (certificates 789 + 783); ServerKeyExchange in two, an empty
 * ServerHelloDone; ClientKeyExchange, CCS, Finished (epoch 1); NewSessionTicket,
 * CCS, Finished; one application data record each way (29 bytes); an
 * encrypted alert from the server, then one from the client. */
static void test_dtls12(void)
{
    struct fixture f;
    LOAD(f, dtls12);
    struct tls_conn *c = run_plain(&f);
    CHECK(c->is_dtls);
    CHECK(c->is_tls);
    CHECK(!c->not_tls);
    CHECK(!c->roles_from_content);
    CHECK(memcmp(c->client_ip, ADDR_C, 16) == 0);
    CHECK_EQ_INT(c->client_port, 40000);
    CHECK_EQ_INT(c->server_port, 4433);
    CHECK(c->ch.present);
    CHECK_EQ_INT(c->ch.legacy_version, DTLS_V_12);
    CHECK_EQ_INT(c->ch.record_version, DTLS_V_10); /* tshark: first record 0xfeff */
    CHECK(sni_is(c, "fx.example"));
    CHECK_EQ_INT(c->ch.n_ciphers, 28);
    CHECK_EQ_INT(c->ch.ciphers[0], 0xc02c);
    CHECK_EQ_INT(c->ch.n_alpn, 8);
    CHECK_EQ_INT(c->ch.cookie_len, 0); /* the first ClientHello's facts */
    CHECK(c->sh.present);
    CHECK_EQ_INT(c->sh.legacy_version, DTLS_V_12);
    CHECK_EQ_INT(c->sh.cipher, 0xc030);
    CHECK(c->sh.has_alpn && c->sh.alpn.len == 4 && memcmp(c->sh.alpn.data, "coap", 4) == 0);
    CHECK_EQ_INT(tls_conn_version(c), DTLS_V_12);
    CHECK(!tls_conn_is13(c));
    CHECK_EQ_INT(c->server_certs.n, 2);
    CHECK_EQ_INT(c->server_certs.certs[0].len, 789);
    CHECK_EQ_INT(c->server_certs.certs[1].len, 783);
    CHECK_EQ_INT(c->server_certs.certs[0].der[0], 0x30);
    CHECK(c->chain_final);
    CHECK_EQ_INT(c->nochain, TLS_NOCHAIN_NONE);
    CHECK_EQ_INT(c->chain_ts_ns, dg_ts(8)); /* the fragment that completed it: frame 9 */
    CHECK(c->new_session_ticket);
    CHECK(c->ccs[TLS_CLIENT] && c->ccs[TLS_SERVER]);
    CHECK(c->encrypted_hs[TLS_CLIENT] && c->encrypted_hs[TLS_SERVER]);
    CHECK(c->handshake_complete);
    CHECK_EQ_INT(c->resumed, TLS_RESUME_NONE);
    CHECK_EQ_INT(c->app_data_records[TLS_CLIENT], 1);
    CHECK_EQ_INT(c->app_data_records[TLS_SERVER], 1);
    CHECK_EQ_INT(c->app_data_bytes[TLS_CLIENT], 29);
    CHECK_EQ_INT(c->app_data_bytes[TLS_SERVER], 29);
    CHECK_EQ_INT(c->n_alerts, 2);
    CHECK(c->alerts[0].encrypted && c->alerts[0].from == TLS_SERVER);
    CHECK(c->alerts[1].encrypted && c->alerts[1].from == TLS_CLIENT);
    /* DTLS facts */
    CHECK(c->dtls.hello_verify);
    CHECK_EQ_INT(c->dtls.cookie_len, 20);
    CHECK_EQ_INT(c->dtls.client_hellos, 2);
    CHECK_EQ_INT(c->dtls.datagrams[TLS_CLIENT], 7);
    CHECK_EQ_INT(c->dtls.datagrams[TLS_SERVER], 9);
    CHECK_EQ_INT(c->dtls.records[TLS_CLIENT], 9);
    CHECK_EQ_INT(c->dtls.records[TLS_SERVER], 14);
    CHECK_EQ_INT(c->dtls.encrypted_records[TLS_CLIENT], 3);
    CHECK_EQ_INT(c->dtls.encrypted_records[TLS_SERVER], 3);
    CHECK_EQ_INT(c->dtls.fragments[TLS_CLIENT], 4);
    CHECK_EQ_INT(c->dtls.fragments[TLS_SERVER], 6);
    CHECK_EQ_INT(c->dtls.retransmitted[TLS_CLIENT], 0);
    CHECK_EQ_INT(c->dtls.retransmitted[TLS_SERVER], 0);
    CHECK_EQ_INT(c->dtls.duplicate_records[TLS_CLIENT], 0);
    CHECK_EQ_INT(c->dtls.other_datagrams[TLS_CLIENT], 0);
    CHECK_EQ_INT(c->dtls.max_epoch[TLS_CLIENT], 1);
    CHECK_EQ_INT(c->dtls.max_epoch[TLS_SERVER], 1);
    /* the only event: the cookie exchange's second ClientHello, whose first
     * fragment starts after 228 + 95 bytes of earlier datagrams and a 13-byte
     * record header */
    CHECK_EQ_INT(c->n_events, 1);
    CHECK_EQ_INT(c->events[0].kind, TLS_EV_CLIENT_HELLO_AGAIN);
    CHECK_EQ_INT(c->events[0].side, TLS_CLIENT);
    CHECK_EQ_INT(c->events[0].offset, 336);
    CHECK_EQ_STR(c->events[0].detail,
                 "second ClientHello (cookie exchange, 20-byte cookie); first one's facts kept");
    tls_conn_free(c);
}

/* tshark on dtls10.pcap: DTLS 1.0 (0xfeff), whole ClientHellos (SNI
 * fx.example, suites 0xc014 0x00ff) around a HelloVerifyRequest with a 20-byte
 * cookie; ServerHello 0xc014; Certificate (789 + 783) in nine fragments,
 * ServerKeyExchange in two; NewSessionTicket alone in a datagram, CCS and
 * Finished in the next; 47-byte application data each way; two encrypted
 * alerts. */
static void test_dtls10(void)
{
    struct fixture f;
    LOAD(f, dtls10);
    struct tls_conn *c = run_plain(&f);
    CHECK(c->is_tls);
    CHECK_EQ_INT(tls_conn_version(c), DTLS_V_10);
    CHECK(sni_is(c, "fx.example"));
    CHECK_EQ_INT(c->ch.n_ciphers, 2);
    CHECK_EQ_INT(c->sh.cipher, 0xc014);
    CHECK_EQ_INT(c->server_certs.n, 2);
    CHECK_EQ_INT(c->server_certs.certs[0].len, 789);
    CHECK_EQ_INT(c->nochain, TLS_NOCHAIN_NONE);
    CHECK(c->handshake_complete);
    CHECK_EQ_INT(c->dtls.fragments[TLS_SERVER], 11);
    CHECK_EQ_INT(c->dtls.fragments[TLS_CLIENT], 0);
    CHECK_EQ_INT(c->dtls.cookie_len, 20);
    CHECK_EQ_INT(c->app_data_bytes[TLS_CLIENT], 52);
    CHECK_EQ_INT(c->app_data_bytes[TLS_SERVER], 52);
    CHECK_EQ_INT(c->n_alerts, 2);
    tls_conn_free(c);
}

/* tshark on dtls12res.pcap: a session-id resumption (32-byte id echoed),
 * cookie exchange, ServerHello 0xc030 + CCS + Finished in one datagram, the
 * client's CCS + Finished; no Certificate. */
static void test_dtls12_resumed(void)
{
    struct fixture f;
    LOAD(f, dtls12res);
    struct tls_conn *c = run_plain(&f);
    CHECK(c->is_tls);
    CHECK_EQ_INT(c->ch.session_id_len, 32);
    CHECK_EQ_INT(c->sh.session_id_len, 32);
    CHECK_EQ_INT(c->sh.cipher, 0xc030);
    CHECK_EQ_INT(c->resumed, TLS_RESUME_SESSION_ID);
    CHECK_EQ_INT(c->nochain, TLS_NOCHAIN_RESUMED);
    CHECK_EQ_INT(c->server_certs.n, 0);
    CHECK(c->handshake_complete);
    CHECK_EQ_INT(count_events(c, TLS_EV_MALFORMED), 0);
    tls_conn_free(c);
}

/* The client's datagrams on FLOW_DIR_B: roles come from the ClientHello. */
static void test_reversed(void)
{
    struct fixture f;
    LOAD(f, dtls12);
    struct run_opts o = {.reverse = true, .cut_index = -1};
    struct tls_conn *a = run_plain(&f), *b = run(&f, &o);
    CHECK(b->roles_from_content);
    CHECK(memcmp(b->client_ip, ADDR_C, 16) == 0);
    CHECK_EQ_INT(b->client_port, 40000);
    CHECK_EQ_INT(b->dtls.datagrams[TLS_CLIENT], 7);
    CHECK_EQ_INT(b->dtls.fragments[TLS_SERVER], 6);
    check_same_facts(a, b);
    tls_conn_free(a);
    tls_conn_free(b);
}

/* Every datagram twice (a SPAN port's copy): the copies are recognised by
 * their record numbers and change nothing — not even alert or data counts. */
static void test_duplicated_datagrams(void)
{
    struct fixture f;
    LOAD(f, dtls12);
    struct run_opts o = {.dup = true, .cut_index = -1};
    struct tls_conn *a = run_plain(&f), *b = run(&f, &o);
    check_same_facts(a, b);
    CHECK_EQ_INT(b->dtls.duplicate_records[TLS_CLIENT], 9);
    CHECK_EQ_INT(b->dtls.duplicate_records[TLS_SERVER], 14);
    CHECK_EQ_INT(b->dtls.retransmitted[TLS_CLIENT], 0);
    CHECK_EQ_INT(b->n_events, 1);
    tls_conn_free(a);
    tls_conn_free(b);
}

/* Reordered datagrams: the server's flight backwards and the client's
 * ClientHello fragments swapped — reassembly and in-order delivery give the
 * same facts, without an event. */
static void test_reordered(void)
{
    struct fixture f;
    LOAD(f, dtls12);
    /* 0..15 as captured: 0 CH0a, 1 HVR, 2 CH0b, 3 CH1a, 4 CH1b, 5..9 server flight */
    static const size_t order[] = {2, 1, 0, 4, 3, 9, 8, 7, 6, 5, 10, 11, 12, 13, 14, 15};
    struct run_opts o = {.order = order, .cut_index = -1};
    struct tls_conn *a = run_plain(&f), *b = run(&f, &o);
    check_same_facts(a, b);
    CHECK_EQ_INT(b->n_events, 1);
    CHECK_EQ_INT(count_events(b, TLS_EV_CLIENT_HELLO_AGAIN), 1);
    tls_conn_free(a);
    tls_conn_free(b);
}

/* A real retransmission (RFC 6347 §4.2.4): the whole server flight again,
 * with new record numbers. The fragments of delivered messages are counted
 * and dropped. */
static void test_retransmitted_flight(void)
{
    struct fixture f, g;
    LOAD(f, dtls12);
    static uint8_t copy[5][600];
    g.n = 0;
    for (size_t i = 0; i < 10; i++) g.d[g.n++] = f.d[i];
    for (size_t i = 5; i < 10; i++) { /* the server flight again, record seq + 100 */
        struct dg d = f.d[i];
        memcpy(copy[i - 5], d.p, d.len);
        for (uint32_t r = 0; r + 13 <= d.len;) {
            copy[i - 5][r + 10] = (uint8_t)(copy[i - 5][r + 10] + 100);
            r += 13 + (((uint32_t)copy[i - 5][r + 11] << 8) | copy[i - 5][r + 12]);
        }
        d.p = copy[i - 5];
        g.d[g.n++] = d;
    }
    for (size_t i = 10; i < f.n; i++) g.d[g.n++] = f.d[i];
    struct tls_conn *a = run_plain(&f), *b = run_plain(&g);
    check_same_facts(a, b);
    /* SH, 4 Certificate fragments, 2 ServerKeyExchange, ServerHelloDone */
    CHECK_EQ_INT(b->dtls.retransmitted[TLS_SERVER], 8);
    CHECK_EQ_INT(b->dtls.duplicate_records[TLS_SERVER], 0);
    CHECK_EQ_INT(b->dtls.fragments[TLS_SERVER], 12);
    tls_conn_free(a);
    tls_conn_free(b);
}

/* Each datagram cut at every length (snaplen): never a crash or a leak;
 * a cut Certificate is a lost chain (with a gap event), anything else still
 * yields the chain. Datagram 8 holds the Certificate's last fragment in a
 * 362-byte record, then a ServerKeyExchange fragment. */
static void test_truncation_every_length(void)
{
    struct fixture f;
    LOAD(f, dtls12);
    for (size_t i = 0; i < f.n; i++) {
        for (uint32_t cut = 0; cut < f.d[i].len; cut++) {
            struct run_opts o = {.cut_index = (long)i, .cut_len = cut};
            struct tls_conn *c = run(&f, &o);
            bool cert_cut = (i >= 5 && i <= 7) || (i == 8 && cut < 362);
            CHECK(c->is_tls);
            CHECK(c->ch.present);
            CHECK(sni_is(c, "fx.example"));
            CHECK(c->chain_final);
            if (cert_cut) {
                CHECK_EQ_INT(c->server_certs.n, 0);
                CHECK_EQ_INT(c->nochain, TLS_NOCHAIN_LOST);
            } else {
                CHECK_EQ_INT(c->server_certs.n, 2);
                CHECK_EQ_INT(c->nochain, TLS_NOCHAIN_NONE);
            }
            CHECK(count_events(c, TLS_EV_GAP) == 1);
            tls_conn_free(c);
        }
    }
}

/* ------------------------------------------------------------------ */
/* hand-built datagrams from real bytes                                */

struct bb {
    uint8_t b[1 << 16];
    size_t n;
};

static void put8(struct bb *x, unsigned v) { x->b[x->n++] = (uint8_t)v; }
static void put16(struct bb *x, unsigned v) { put8(x, v >> 8); put8(x, v); }
static void put24(struct bb *x, unsigned v) { put8(x, v >> 16); put16(x, v & 0xffff); }
static void putmem(struct bb *x, const void *p, size_t n)
{
    if (n) memcpy(x->b + x->n, p, n);
    x->n += n;
}

/* One record holding one handshake fragment. */
static void frag_record(struct bb *x, uint16_t epoch, uint64_t rseq, uint8_t type, uint32_t msg_len,
                        uint16_t mseq, uint32_t fo, const uint8_t *bytes, uint32_t flen)
{
    put8(x, 22);
    put16(x, 0xfefd);
    put16(x, epoch);
    put16(x, (unsigned)(rseq >> 32));
    put16(x, (unsigned)(rseq >> 16) & 0xffff);
    put16(x, (unsigned)rseq & 0xffff);
    put16(x, 12 + flen);
    put8(x, type);
    put24(x, msg_len);
    put16(x, mseq);
    put24(x, fo);
    put24(x, flen);
    putmem(x, bytes, flen);
}

/* The real DTLS 1.0 ClientHello body of dtls10 (datagram 0: a 13-byte record
 * header, a 12-byte handshake header, 101 bytes of body). */
static const uint8_t *ch_body(uint32_t *len)
{
    *len = 101;
    return fx_dtls10_bytes + 25;
}

static struct tls_conn *new_conn(struct dtls_budget *b)
{
    struct flow_meta m;
    make_meta(&m, false);
    return dtls_conn_new(&m, b);
}

static uint64_t next_rseq;
static void send_frag(struct tls_conn *c, enum flow_dir dir, uint8_t type, uint32_t msg_len,
                      uint16_t mseq, uint32_t fo, const uint8_t *bytes, uint32_t flen)
{
    static struct bb x;
    x.n = 0;
    frag_record(&x, 0, next_rseq++, type, msg_len, mseq, fo, bytes, flen);
    dtls_conn_datagram(c, dir, x.b, (uint32_t)x.n, (uint32_t)x.n, 5000);
}

/* The ClientHello in odd fragments: one byte at a time backwards, overlapping
 * pieces, and pieces sent twice — all give the hello of the whole message. */
static void test_fragment_patterns(void)
{
    uint32_t n;
    const uint8_t *body = ch_body(&n);
    struct tls_client_hello want;
    CHECK_EQ_INT(dtls_parse_client_hello(&want, body, n, NULL, NULL), TLS_OK);

    struct tls_conn *c = new_conn(NULL);
    for (uint32_t i = n; i-- > 0;) send_frag(c, FLOW_DIR_A, 1, n, 0, i, body + i, 1);
    CHECK(c->ch.present);
    CHECK(sni_is(c, "fx.example"));
    CHECK_EQ_INT(c->ch.n_ciphers, 2);
    CHECK_EQ_INT(c->dtls.fragments[TLS_CLIENT], n);
    CHECK_EQ_INT(c->n_events, 0);
    tls_conn_free(c);

    /* [0,60) [40,101) [10,30) [0,101): overlaps with equal bytes are fine */
    c = new_conn(NULL);
    send_frag(c, FLOW_DIR_A, 1, n, 0, 0, body, 60);
    send_frag(c, FLOW_DIR_A, 1, n, 0, 10, body + 10, 20);
    CHECK(!c->ch.present);
    send_frag(c, FLOW_DIR_A, 1, n, 0, 40, body + 40, 61);
    CHECK(c->ch.present);
    CHECK_EQ_INT(c->ch.n_exts, want.n_exts);
    send_frag(c, FLOW_DIR_A, 1, n, 0, 0, body, n); /* a retransmission */
    CHECK_EQ_INT(c->dtls.retransmitted[TLS_CLIENT], 1);
    CHECK_EQ_INT(c->dtls.client_hellos, 1);
    CHECK_EQ_INT(c->n_events, 0);
    tls_conn_free(c);
}

/* Overlapping fragments with different bytes: an event, the first copy wins
 * (the SNI of the first fragment is kept). */
static void test_overlap_differs(void)
{
    uint32_t n;
    const uint8_t *body = ch_body(&n);
    uint8_t evil[128];
    memcpy(evil, body, n);
    /* the SNI "fx.example" starts at body offset 101 - ... find it */
    const uint8_t *sni = NULL;
    for (uint32_t i = 0; i + 10 <= n; i++)
        if (memcmp(body + i, "fx.example", 10) == 0) sni = body + i;
    CHECK(sni != NULL);
    if (!sni) return;
    uint32_t at = (uint32_t)(sni - body);
    evil[at] = 'F';
    struct tls_conn *c = new_conn(NULL);
    send_frag(c, FLOW_DIR_A, 1, n, 0, 0, body, at + 5);           /* real SNI bytes */
    send_frag(c, FLOW_DIR_A, 1, n, 0, at, evil + at, n - at);     /* 'F' over 'f' */
    CHECK(c->ch.present);
    CHECK(sni_is(c, "fx.example"));
    CHECK_EQ_INT(count_events(c, TLS_EV_OVERLAP_DIFF), 1);
    CHECK_EQ_INT(c->events[0].side, TLS_CLIENT);
    tls_conn_free(c);
}

/* A server that numbers its ServerHello like the HelloVerifyRequest before it
 * (message_seq 0 twice): a new message, not a retransmission. Real bodies of
 * dtls10: the HelloVerifyRequest (23 bytes) and the ServerHello (65). */
static void test_message_seq_reused_by_new_type(void)
{
    uint32_t n;
    const uint8_t *body = ch_body(&n);
    struct fixture f;
    LOAD(f, dtls10);
    const uint8_t *hvr = f.d[1].p + 25, *sh = f.d[3].p + 25;
    struct tls_conn *c = new_conn(NULL);
    send_frag(c, FLOW_DIR_A, 1, n, 0, 0, body, n);
    send_frag(c, FLOW_DIR_B, 3, 23, 0, 0, hvr, 23);
    send_frag(c, FLOW_DIR_B, 3, 23, 0, 0, hvr, 23); /* a retransmission */
    send_frag(c, FLOW_DIR_B, 2, 65, 0, 0, sh, 65);
    CHECK(c->dtls.hello_verify);
    CHECK(c->sh.present);
    CHECK_EQ_INT(c->sh.cipher, 0xc014);
    CHECK_EQ_INT(c->dtls.retransmitted[TLS_SERVER], 1);
    CHECK_EQ_INT(c->n_events, 0);
    tls_conn_free(c);
}

/* Fragments that contradict their message. */
static void test_bad_fragments(void)
{
    uint32_t n;
    const uint8_t *body = ch_body(&n);
    struct tls_conn *c = new_conn(NULL);
    /* offset + length beyond the message length */
    send_frag(c, FLOW_DIR_A, 1, n, 0, 90, body + 90, 20);
    CHECK_EQ_INT(count_events(c, TLS_EV_MALFORMED), 1);
    CHECK(c->n_events == 1 && strstr(c->events[0].detail, "beyond its message's length 101"));
    /* offset alone beyond it, with a length that wraps 24 bits */
    send_frag(c, FLOW_DIR_A, 1, n, 0, 0xffffff, body, 1);
    CHECK_EQ_INT(count_events(c, TLS_EV_MALFORMED), 2);
    /* a fragment of the same message_seq that disagrees on the length */
    send_frag(c, FLOW_DIR_A, 1, n, 0, 0, body, 50);
    send_frag(c, FLOW_DIR_A, 1, n + 1, 0, 50, body + 50, 51);
    CHECK_EQ_INT(count_events(c, TLS_EV_MALFORMED), 3);
    CHECK(!c->ch.present);
    send_frag(c, FLOW_DIR_A, 1, n, 0, 50, body + 50, 51);
    CHECK(c->ch.present);
    /* a fragment header that overruns its record */
    static struct bb x;
    x.n = 0;
    frag_record(&x, 0, 77, 2, 10, 0, 0, body, 10);
    x.b[24] = 11; /* fragment_length 11 > the 10 bytes the record holds */
    dtls_conn_datagram(c, FLOW_DIR_B, x.b, (uint32_t)x.n, (uint32_t)x.n, 6000);
    CHECK_EQ_INT(count_events(c, TLS_EV_MALFORMED), 4);
    CHECK(!c->sh.present);
    tls_conn_free(c);
}

/* Caps: an oversized message, too many pieces, too many messages in flight,
 * the per-direction byte cap and the shared budget — each loses the message
 * with a cap event, and the budget is balanced when the connection goes. */
static void test_caps(void)
{
    static uint8_t junk[64 * 1024];
    uint32_t n;
    const uint8_t *body = ch_body(&n);
    memset(junk, 0x5a, sizeof junk);

    /* a Certificate longer than TLS_MAX_HANDSHAKE_MSG */
    struct tls_conn *c = new_conn(NULL);
    send_frag(c, FLOW_DIR_A, 1, n, 0, 0, body, n);
    send_frag(c, FLOW_DIR_B, 11, TLS_MAX_HANDSHAKE_MSG + 1, 2, 0, junk, 100);
    CHECK_EQ_INT(count_events(c, TLS_EV_CAP), 1);
    CHECK(c->chain_final);
    CHECK_EQ_INT(c->nochain, TLS_NOCHAIN_LOST);
    tls_conn_free(c);

    /* DTLS_MAX_PIECES + 1 disjoint one-byte pieces */
    c = new_conn(NULL);
    for (uint32_t i = 0; i <= DTLS_MAX_PIECES; i++) send_frag(c, FLOW_DIR_A, 1, 1000, 0, 2 * i, junk, 1);
    CHECK_EQ_INT(count_events(c, TLS_EV_CAP), 1);
    CHECK(strstr(c->events[0].detail, "too many fragments") != NULL);
    /* the message is given up for good: its later fragments are retransmissions */
    send_frag(c, FLOW_DIR_A, 1, 1000, 0, 0, junk, 1000);
    CHECK(!c->ch.present);
    CHECK_EQ_INT(c->dtls.retransmitted[TLS_CLIENT], 1);
    tls_conn_free(c);

    /* DTLS_MAX_INFLIGHT + 1 incomplete messages: the highest message_seq goes */
    c = new_conn(NULL);
    for (uint16_t s = 0; s <= DTLS_MAX_INFLIGHT; s++) send_frag(c, FLOW_DIR_B, 11, 500, s, 0, junk, 10);
    CHECK_EQ_INT(count_events(c, TLS_EV_CAP), 1);
    CHECK(strstr(c->events[0].detail, "message_seq 7") != NULL);
    tls_conn_free(c);

    /* the per-direction cap: two big messages 600 KB each (16 KB records) */
    c = new_conn(NULL);
    for (uint32_t o = 0; o < 600 * 1024; o += 16384) {
        send_frag(c, FLOW_DIR_B, 11, 1000000, 1, o, junk, 16384);
        send_frag(c, FLOW_DIR_B, 11, 1000000, 2, o, junk, 16384);
    }
    CHECK_EQ_INT(count_events(c, TLS_EV_CAP), 1);
    CHECK(strstr(c->events[0].detail, "message_seq 1") != NULL); /* whose bytes did not fit */
    CHECK(strstr(c->events[0].detail, "per-direction cap") != NULL);
    tls_conn_free(c);

    /* the shared budget: 1000 bytes for everyone */
    struct dtls_budget budget = {.max_bytes = 1000};
    struct tls_conn *c1 = new_conn(&budget), *c2 = new_conn(&budget);
    send_frag(c1, FLOW_DIR_B, 11, 2000, 1, 0, junk, 600);
    CHECK_EQ_INT(budget.held, 600);
    send_frag(c2, FLOW_DIR_B, 11, 2000, 1, 0, junk, 600);
    CHECK_EQ_INT(budget.held, 600);
    CHECK_EQ_INT(budget.refused, 600);
    CHECK_EQ_INT(count_events(c2, TLS_EV_CAP), 1);
    CHECK(strstr(c2->events[0].detail, "shared memory cap") != NULL);
    send_frag(c1, FLOW_DIR_B, 11, 2000, 1, 600, junk, 300);
    CHECK_EQ_INT(budget.held, 900);
    CHECK_EQ_INT(budget.peak, 900);
    tls_conn_free(c1);
    CHECK_EQ_INT(budget.held, 0);
    tls_conn_free(c2);
    CHECK_EQ_INT(budget.held, 0);
}

/* A lower message still incomplete holds a complete higher one back; the
 * sender's first epoch-1 record gives the lower one up and lets it through. */
static void test_delivery_order(void)
{
    uint32_t n;
    const uint8_t *body = ch_body(&n);
    static uint8_t cert_msg[64];
    memset(cert_msg, 0, sizeof cert_msg); /* an empty certificate_list: 00 00 00 */
    struct tls_conn *c = new_conn(NULL);
    send_frag(c, FLOW_DIR_A, 1, n, 0, 0, body, n);
    /* the ServerHello (seq 1) loses its second half; the Certificate (seq 2) is whole */
    static uint8_t sh[] = {0xfe, 0xfd, 1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14,
                           15,   16,   17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
                           31,   32,   0,  0xc0, 0x14, 0};
    send_frag(c, FLOW_DIR_B, 2, sizeof sh, 1, 0, sh, 10);
    send_frag(c, FLOW_DIR_B, 11, 3, 2, 0, cert_msg, 3);
    CHECK(!c->server_certs.present); /* held back behind the ServerHello */
    /* the server's CCS, then an epoch-1 record */
    static struct bb x;
    x.n = 0;
    put8(&x, 20);
    put16(&x, 0xfefd);
    put16(&x, 0);
    put16(&x, 0);
    put16(&x, 0);
    put16(&x, 9);
    put16(&x, 1);
    put8(&x, 1);
    put8(&x, 22);
    put16(&x, 0xfefd);
    put16(&x, 1);
    put16(&x, 0);
    put16(&x, 0);
    put16(&x, 0);
    put16(&x, 40);
    putmem(&x, body, 40);
    dtls_conn_datagram(c, FLOW_DIR_B, x.b, (uint32_t)x.n, (uint32_t)x.n, 7000);
    CHECK(c->server_certs.present);
    CHECK(c->server_certs.empty);
    CHECK(!c->sh.present);
    CHECK_EQ_INT(count_events(c, TLS_EV_MALFORMED), 1); /* "server_hello message lost to a gap" */
    CHECK(c->encrypted_hs[TLS_SERVER]);
    tls_conn_free(c);
}

/* DTLS 1.3 (RFC 9147): plaintext ClientHello/ServerHello with
 * supported_versions 0xfefc, then unified-header records. Epoch bits 2 are
 * the encrypted handshake, 3 application data. */
static void test_dtls13_unified(void)
{
    static struct bb x;
    struct tls_conn *c = new_conn(NULL);
    /* ClientHello: DTLS 1.2 legacy version, empty cookie, suite 0x1301,
     * supported_versions {0xfefc} */
    static struct bb chb;
    chb.n = 0;
    put16(&chb, 0xfefd);
    for (int i = 0; i < 32; i++) put8(&chb, i);
    put8(&chb, 0);                   /* session id */
    put8(&chb, 0);                   /* cookie */
    put16(&chb, 2);
    put16(&chb, 0x1301);
    put8(&chb, 1);
    put8(&chb, 0);
    put16(&chb, 7);                  /* extensions */
    put16(&chb, 43);
    put16(&chb, 3);
    put8(&chb, 2);
    put16(&chb, 0xfefc);
    send_frag(c, FLOW_DIR_A, 1, (uint32_t)chb.n, 0, 0, chb.b, (uint32_t)chb.n);
    CHECK(c->ch.present);
    CHECK_EQ_INT(c->ch.supported_versions.n, 1);
    /* ServerHello: selected_version 0xfefc */
    static struct bb shb;
    shb.n = 0;
    put16(&shb, 0xfefd);
    for (int i = 0; i < 32; i++) put8(&shb, 100 + i);
    put8(&shb, 0);
    put16(&shb, 0x1301);
    put8(&shb, 0);
    put16(&shb, 6);
    put16(&shb, 43);
    put16(&shb, 2);
    put16(&shb, 0xfefc);
    send_frag(c, FLOW_DIR_B, 2, (uint32_t)shb.n, 0, 0, shb.b, (uint32_t)shb.n);
    CHECK(c->sh.present);
    CHECK_EQ_INT(tls_conn_version(c), DTLS_V_13);
    CHECK(tls_conn_is13(c));
    CHECK(c->chain_final);
    CHECK_EQ_INT(c->nochain, TLS_NOCHAIN_TLS13);
    /* server: two epoch-2 records in one datagram (0x2e: S, L, epoch 2) */
    x.n = 0;
    for (int k = 0; k < 2; k++) {
        put8(&x, 0x2e);
        put16(&x, (unsigned)k);
        put16(&x, 20);
        for (int i = 0; i < 20; i++) put8(&x, 0xaa);
    }
    dtls_conn_datagram(c, FLOW_DIR_B, x.b, (uint32_t)x.n, (uint32_t)x.n, 8000);
    CHECK(c->encrypted_hs[TLS_SERVER]);
    CHECK(!c->handshake_complete);
    /* client: its Finished in epoch 2 without a length (0x2a: S, epoch 2 —
     * the record runs to the end of the datagram) */
    x.n = 0;
    put8(&x, 0x2a);
    put16(&x, 0);
    for (int i = 0; i < 30; i++) put8(&x, 0xbb);
    dtls_conn_datagram(c, FLOW_DIR_A, x.b, (uint32_t)x.n, (uint32_t)x.n, 9000);
    CHECK(c->handshake_complete);
    /* application data: epoch 3, 8-bit sequence number (0x27: L, epoch 3) */
    x.n = 0;
    put8(&x, 0x27);
    put8(&x, 5);
    put16(&x, 17);
    for (int i = 0; i < 17; i++) put8(&x, 0xcc);
    dtls_conn_datagram(c, FLOW_DIR_A, x.b, (uint32_t)x.n, (uint32_t)x.n, 9500);
    CHECK_EQ_INT(c->app_data_records[TLS_CLIENT], 1);
    CHECK_EQ_INT(c->app_data_bytes[TLS_CLIENT], 17);
    CHECK_EQ_INT(c->dtls.encrypted_records[TLS_SERVER], 2);
    CHECK_EQ_INT(c->dtls.encrypted_records[TLS_CLIENT], 2);
    CHECK_EQ_INT(c->dtls.max_epoch[TLS_CLIENT], 3);
    /* a connection id (C bit) whose length was never negotiated: the record
     * runs to the end of the datagram, counted */
    x.n = 0;
    put8(&x, 0x3f);
    for (int i = 0; i < 40; i++) put8(&x, 0xdd);
    dtls_conn_datagram(c, FLOW_DIR_B, x.b, (uint32_t)x.n, (uint32_t)x.n, 9600);
    CHECK(c->dtls.connection_id[TLS_SERVER]);
    CHECK_EQ_INT(c->app_data_records[TLS_SERVER], 1);
    /* a length that overruns the datagram */
    x.n = 0;
    put8(&x, 0x2f);
    put16(&x, 1);
    put16(&x, 500);
    put8(&x, 0);
    dtls_conn_datagram(c, FLOW_DIR_B, x.b, (uint32_t)x.n, (uint32_t)x.n, 9700);
    CHECK_EQ_INT(count_events(c, TLS_EV_MALFORMED), 1);
    CHECK_EQ_INT(c->dtls.other_datagrams[TLS_SERVER], 1);
    tls_conn_free(c);
}

/* RFC 7983 demultiplexing: STUN and RTP on the association are counted, not
 * parsed; an association that never shows a handshake or a record stream
 * turns into count-only after DTLS_PROBE_DATAGRAMS datagrams. */
static void test_demux_and_not_dtls(void)
{
    static const uint8_t stun[20] = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42};
    static const uint8_t rtp[12] = {0x80, 0x60, 0x00, 0x01};
    /* 30: in the DTLS range, neither a content type nor a unified header */
    static const uint8_t junk[8] = {30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37};
    struct tls_conn *c = new_conn(NULL);
    int rc = FLOW_CONTINUE;
    CHECK_EQ_INT(dtls_conn_datagram(c, FLOW_DIR_A, stun, sizeof stun, sizeof stun, 1), FLOW_CONTINUE);
    dtls_conn_datagram(c, FLOW_DIR_B, rtp, sizeof rtp, sizeof rtp, 2);
    CHECK_EQ_INT(c->dtls.other_datagrams[TLS_CLIENT], 1);
    CHECK_EQ_INT(c->dtls.other_datagrams[TLS_SERVER], 1);
    CHECK_EQ_INT(c->n_events, 0);
    for (int i = 2; i < DTLS_PROBE_DATAGRAMS; i++)
        rc = dtls_conn_datagram(c, FLOW_DIR_A, junk, sizeof junk, sizeof junk, 3 + i);
    CHECK_EQ_INT(rc, FLOW_COUNT_ONLY);
    CHECK(c->not_tls);
    CHECK(!c->is_tls);
    CHECK_EQ_INT(count_events(c, TLS_EV_MALFORMED), 1); /* reported once per direction */
    close_conn(c);
    CHECK(c->parser == NULL);
    tls_conn_free(c);
}

/* A capture that starts after the handshake: two datagrams of well-formed
 * epoch-1 records make it DTLS, mid-session. */
static void test_midstream(void)
{
    struct fixture f;
    LOAD(f, dtls12);
    struct tls_conn *c = new_conn(NULL);
    for (size_t i = 12; i < 14; i++) /* the two application data datagrams */
        dtls_conn_datagram(c, (enum flow_dir)f.d[i].dir, f.d[i].p, f.d[i].len, f.d[i].len, 10);
    CHECK(c->is_tls);
    CHECK(c->chain_final);
    CHECK_EQ_INT(c->nochain, TLS_NOCHAIN_MIDSTREAM);
    CHECK_EQ_INT(c->app_data_records[TLS_CLIENT], 1);
    tls_conn_free(c);
}

/* The association filter: real DTLS first datagrams pass, DNS, QUIC, STUN,
 * RTP and bent DTLS do not. */
static void test_plausible(void)
{
    struct fixture f;
    LOAD(f, dtls12);
    static const uint8_t dns[] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
                                  0x00, 0x00, 0x00, 0x03, 'w',  'w',  'w',  0x00, 0x00, 0x01, 0x00, 0x01};
    static const uint8_t quic[] = {0xc3, 0x00, 0x00, 0x00, 0x01, 0x08, 1, 2, 3, 4, 5, 6, 7, 8, 0x00, 0x00};
    static uint8_t bent[300];
    for (size_t i = 0; i < f.n; i++)
        CHECK(dtls_datagram_plausible(f.d[i].p, f.d[i].len, f.d[i].len));
    CHECK(dtls_datagram_plausible(f.d[0].p, 20, f.d[0].len)); /* cut by snaplen */
    CHECK(!dtls_datagram_plausible(f.d[0].p, 12, f.d[0].len)); /* not even a header */
    CHECK(!dtls_datagram_plausible(f.d[0].p, f.d[0].len - 1, f.d[0].len - 1)); /* overrun */
    CHECK(!dtls_datagram_plausible(dns, sizeof dns, sizeof dns));
    CHECK(!dtls_datagram_plausible(quic, sizeof quic, sizeof quic));
    memcpy(bent, f.d[0].p, f.d[0].len);
    bent[1] = 0x03; /* a TLS version */
    CHECK(!dtls_datagram_plausible(bent, f.d[0].len, f.d[0].len));
    memcpy(bent, f.d[12].p, f.d[12].len); /* application data ... */
    bent[3] = bent[4] = 0;                /* ... in epoch 0 */
    CHECK(!dtls_datagram_plausible(bent, f.d[12].len, f.d[12].len));
    CHECK(!dtls_datagram_plausible(NULL, 0, 0));
}

/* dtls_parse_client_hello over every prefix of a real body: a prefix is
 * "truncated" while it cuts the fixed fields; ending exactly after the
 * compression methods is a legal hello without extensions; a longer prefix
 * cuts the extensions block: a malformed hello kept as read, without JA3
 * (README "Malformed hellos"); the cookie is read. */
static void test_client_hello_prefixes(void)
{
    struct fixture f;
    LOAD(f, dtls10);
    const uint8_t *body = f.d[2].p + 25; /* the second ClientHello: 20-byte cookie */
    uint32_t n = f.d[2].len - 25;
    struct tls_client_hello ch;
    CHECK_EQ_INT(n, 121);
    CHECK_EQ_INT(dtls_parse_client_hello(&ch, body, n, NULL, NULL), TLS_OK);
    CHECK_EQ_INT(ch.cookie_len, 20);
    CHECK(sni_is(&(struct tls_conn){.ch = ch}, "fx.example"));
    /* version 2, random 32, sid 1+0, cookie 1+20, suites 2+4, compression 1+1 */
    uint32_t no_ext = 2 + 32 + 1 + 1 + 20 + 2 + 4 + 1 + 1;
    for (uint32_t k = 0; k < n; k++) {
        int rc = dtls_parse_client_hello(&ch, body, k, NULL, NULL);
        if (k == no_ext) {
            CHECK_EQ_INT(rc, TLS_OK);
            CHECK(!ch.malformed);
        } else if (k > no_ext) {
            CHECK_EQ_INT(rc, TLS_OK);
            CHECK(ch.malformed);
            CHECK(!ch.has_ja3);
            CHECK_EQ_INT(ch.cookie_len, 20);
            CHECK_EQ_INT(ch.n_ciphers, 2);
        } else {
            CHECK_EQ_INT(rc, TLS_ETRUNC);
        }
    }
    /* the TLS parser reads the cookie as cipher suites and fails */
    CHECK(tls_parse_client_hello(&ch, body, n, NULL, NULL) != TLS_OK ||
          ch.n_ciphers != 2);
    uint16_t v = 0;
    uint8_t cl = 0;
    const uint8_t *hvr = f.d[1].p + 25;
    CHECK_EQ_INT(dtls_parse_hello_verify_request(hvr, 23, &v, &cl), TLS_OK);
    CHECK_EQ_INT(v, DTLS_V_10);
    CHECK_EQ_INT(cl, 20);
    CHECK_EQ_INT(dtls_parse_hello_verify_request(hvr, 22, &v, &cl), TLS_ETRUNC);
}

static void test_names(void)
{
    const char *p, *v;
    CHECK_EQ_STR(tls_version_name(DTLS_V_12), "DTLS 1.2");
    CHECK_EQ_STR(tls_version_name(DTLS_V_10), "DTLS 1.0");
    CHECK_EQ_STR(tls_version_name(DTLS_V_13), "DTLS 1.3");
    CHECK_EQ_STR(tls_version_name(DTLS_V_BAD), "DTLS 1.0 (OpenSSL pre-0.9.8f)");
    CHECK(tls_version_ecs(DTLS_V_12, &p, &v));
    CHECK_EQ_STR(p, "dtls");
    CHECK_EQ_STR(v, "1.2");
    CHECK(tls_version_ecs(DTLS_V_13, &p, &v));
    CHECK_EQ_STR(p, "dtls");
    CHECK_EQ_STR(v, "1.3");
    CHECK(tls_version_ecs(DTLS_V_BAD, &p, &v));
    CHECK_EQ_STR(v, "1.0");
    CHECK(tls_version_is13_family(DTLS_V_13));
    CHECK(!tls_version_is13_family(DTLS_V_12));
    CHECK(tls_version_is_dtls(DTLS_V_10));
    CHECK(!tls_version_is_dtls(TLS_V_12));
    CHECK(!tls_version_ecs(0xfefe, &p, &v)); /* DTLS 1.1 never existed */
}

int main(void)
{
    test_dtls12();
    test_dtls10();
    test_dtls12_resumed();
    test_reversed();
    test_duplicated_datagrams();
    test_reordered();
    test_retransmitted_flight();
    test_truncation_every_length();
    test_fragment_patterns();
    test_overlap_differs();
    test_bad_fragments();
    test_message_seq_reused_by_new_type();
    test_caps();
    test_delivery_order();
    test_dtls13_unified();
    test_demux_and_not_dtls();
    test_midstream();
    test_plausible();
    test_client_hello_prefixes();
    test_names();
    return check_summary();
}
