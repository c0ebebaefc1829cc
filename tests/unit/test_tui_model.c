/* test_tui_model.c — the browser's model without curses: the connection
 * store (packing, the --max-conns cap, pins, records judged while still
 * open), filters, the three sort orders and grouping by server, on the real
 * Expressway capture (pcaps/expressway.pcapng, ground truth in
 * pcaps/expected.tsv) and on hand-made records with hostile SNIs. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine/pipeline.h"
#include "ui/tui_model.h"

static const char *src_path(const char *rel)
{
    static char buf[4][1024];
    static int k;
    const char *src = getenv("TLSSCOPE_SRC");
    char *b = buf[k++ & 3];
    snprintf(b, sizeof buf[0], "%s/%s", src ? src : ".", rel);
    return b;
}

/* ---- feeding a store from the real pipeline ---- */

struct feed {
    struct tui_store *store;
    int judged_calls, done_calls;
    int pack_checked;
};

static void on_judged(void *ctx, struct conn_record *r)
{
    struct feed *f = ctx;
    f->judged_calls++;
    tui_store_judged(f->store, r);
}

static void on_done(void *ctx, struct conn_record *r)
{
    struct feed *f = ctx;
    f->done_calls++;
    /* packing is lossless: every byte of both structs comes back */
    size_t len = 0;
    uint8_t *p = tui_pack(r, &len);
    CHECK(p != NULL);
    CHECK(len < sizeof(struct conn_record) + sizeof(struct tls_conn));
    struct conn_record *u = p ? tui_unpack(p, len) : NULL;
    CHECK(u != NULL);
    if (u) {
        CHECK(memcmp(u->tls, r->tls, sizeof(struct tls_conn)) == 0);
        struct conn_record a = *r, b = *u;
        a.tls = b.tls = NULL;
        CHECK(memcmp(&a, &b, sizeof(a)) == 0);
        /* a damaged blob is refused, not half-read */
        CHECK(tui_unpack(p, len - 1) == NULL);
        free(u->tls);
        free(u);
        f->pack_checked++;
    }
    free(p);
    tui_store_done(f->store, r);
}

static struct pipeline *load(struct tui_store *s, struct trust_store *st, const char *capture,
                             struct feed *f)
{
    char err[256];
    const char *files[1] = {src_path(capture)};
    struct pipeline_opts o = {.files = files, .n_files = 1, .store = st};
    flow_limits_default(&o.limits);
    f->store = s;
    struct pipeline_ops ops = {.ctx = f, .judged = on_judged, .done = on_done};
    struct pipeline *p = pipeline_new(&o, &ops, err, sizeof err);
    if (!p) {
        fprintf(stderr, "pipeline: %s\n", err);
        exit(2);
    }
    CHECK_EQ_INT(pipeline_run(p), 0);
    return p;
}

static void seqs_of(struct tui_conn **v, size_t n, char *out, size_t len)
{
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && k + 8 < len; i++)
        k += (size_t)snprintf(out + k, len - k, "%s%llu", i ? "," : "",
                              (unsigned long long)v[i]->seq);
}

/* the seqs passing a filter, in store order */
static const char *passing(struct tui_store *s, enum tui_vfilter vf, const char *text,
                           const struct tui_server_id *server)
{
    static char out[256];
    struct tui_conn *v[64];
    size_t n = 0;
    struct tui_filter f = {.verdict = vf};
    snprintf(f.text, sizeof f.text, "%s", text ? text : "");
    for (size_t i = 0; i < s->n && n < 64; i++)
        if (tui_conn_passes(tui_store_at(s, i), &f, server)) v[n++] = tui_store_at(s, i);
    seqs_of(v, n, out, sizeof out);
    return out;
}

static const char *sorted(struct tui_store *s, enum tui_sort by, bool rev)
{
    static char out[256];
    struct tui_conn *v[64];
    size_t n = 0;
    for (size_t i = 0; i < s->n && n < 64; i++) v[n++] = tui_store_at(s, i);
    tui_conns_sort(v, n, by, rev);
    seqs_of(v, n, out, sizeof out);
    return out;
}

static struct tui_conn *by_seq(struct tui_store *s, uint64_t seq)
{
    for (size_t i = 0; i < s->n; i++)
        if (tui_store_at(s, i)->seq == seq) return tui_store_at(s, i);
    return NULL;
}

static void test_expressway(void)
{
    struct trust_store st;
    char err[256];
    store_init(&st);
    CHECK_EQ_INT(store_load(&st, src_path("pcaps/expressway-store.pem"), err, sizeof err), 0);
    struct tui_store s;
    tui_store_init(&s, 0, true);
    CHECK_EQ_INT(s.max, TUI_DEFAULT_MAX_CONNS);
    struct feed f = {0};
    struct pipeline *p = load(&s, &st, "pcaps/expressway.pcapng", &f);

    /* expected.tsv: 7 connections, 4 failed, 1 not judged (TLS 1.3), 2 trusted */
    CHECK_EQ_INT(s.n, 7);
    CHECK_EQ_INT(f.done_calls, 7);
    CHECK_EQ_INT(f.judged_calls, 7);
    CHECK_EQ_INT(f.pack_checked, 7);
    CHECK_EQ_INT(s.count[TUI_CLASS_FAILED], 4);
    CHECK_EQ_INT(s.count[TUI_CLASS_NOT_JUDGED], 1);
    CHECK_EQ_INT(s.count[TUI_CLASS_TRUSTED], 2);
    CHECK_EQ_INT(s.total[TUI_CLASS_FAILED], 4);
    CHECK_EQ_INT(s.dropped, 0);
    CHECK_EQ_INT(s.open.n, 0);

    /* the facts a list row shows */
    struct tui_conn *c2 = by_seq(&s, 2);
    CHECK(c2 != NULL);
    if (c2) {
        CHECK_EQ_STR(c2->sni, "cucm.steven.lab");
        CHECK_EQ_STR(c2->server, "10.48.36.215:6972");
        CHECK_EQ_STR(c2->server_ip_text, "10.48.36.215");
        CHECK_EQ_STR(c2->client, "10.48.36.10:41002");
        CHECK_EQ_STR(c2->cn, "cucm-EC.steven.lab");
        CHECK_EQ_STR(c2->reason, "self signed certificate");
        CHECK_EQ_INT(c2->code, 18);
        CHECK_EQ_INT(c2->depth, 0);
        CHECK_EQ_INT(c2->cipher, 0xc02c);
        CHECK_EQ_INT(c2->version, 0x0303);
        CHECK_EQ_INT(c2->n_certs, 1);
        CHECK(!c2->name_failure);
        CHECK(!c2->open && c2->packed && !c2->live);
        /* the full record comes back on demand, certificates included */
        struct conn_record *scratch = NULL;
        const struct conn_record *r = tui_conn_record(c2, &scratch);
        CHECK(r != NULL && scratch == r);
        if (r) {
            CHECK_EQ_INT(r->seq, 2);
            CHECK_EQ_INT(r->tls->client_port, 41002);
            CHECK_EQ_INT(r->n_chain, 1);
            CHECK_EQ_STR(r->chain[0]->subject_cn, "cucm-EC.steven.lab");
            CHECK_EQ_STR(r->verdict.reason, "self signed certificate");
            CHECK(strstr(r->verdict.advice, "Upload this certificate") != NULL);
        }
        tui_record_release(&scratch);
        CHECK(scratch == NULL);
    }
    struct tui_conn *c4 = by_seq(&s, 4);
    CHECK(c4 && c4->name_failure);
    if (c4) CHECK_EQ_STR(c4->reason, "SNI (10.48.36.215) not in certificate");
    struct tui_conn *c7 = by_seq(&s, 7);
    CHECK(c7 && c7->cls == TUI_CLASS_NOT_JUDGED && c7->cn == NULL);
    if (c7)
        CHECK_EQ_STR(c7->reason, "TLS 1.3: the server's certificates are encrypted - give "
                                 "--keylog with the client's SSLKEYLOGFILE, or judge the "
                                 "certificate obtained another way");

    /* filters */
    CHECK_EQ_STR(passing(&s, TUI_VF_ALL, NULL, NULL), "1,2,3,4,5,6,7");
    CHECK_EQ_STR(passing(&s, TUI_VF_FAILED, NULL, NULL), "2,4,5,6");
    CHECK_EQ_STR(passing(&s, TUI_VF_NOT_JUDGED, NULL, NULL), "7");
    CHECK_EQ_STR(passing(&s, TUI_VF_TRUSTED, NULL, NULL), "1,3");
    CHECK_EQ_STR(passing(&s, TUI_VF_ALL, "6972", NULL), "2,3");            /* server port */
    CHECK_EQ_STR(passing(&s, TUI_VF_ALL, "IMP", NULL), "5");               /* SNI/CN, any case */
    CHECK_EQ_STR(passing(&s, TUI_VF_ALL, "self signed", NULL), "2");       /* reason */
    CHECK_EQ_STR(passing(&s, TUI_VF_ALL, ":41003", NULL), "3");            /* client endpoint */
    CHECK_EQ_STR(passing(&s, TUI_VF_ALL, "cucm-ms", NULL), "1,3,4");       /* leaf CN */
    CHECK_EQ_STR(passing(&s, TUI_VF_FAILED, "10.48.36.215", NULL), "2,4"); /* both filters */
    CHECK_EQ_STR(passing(&s, TUI_VF_ALL, "no such text", NULL), "");
    struct tui_server_id id;
    if (c2) {
        tui_server_id_of(c2, &id);
        CHECK_EQ_STR(passing(&s, TUI_VF_ALL, NULL, &id), "2,3");
        CHECK_EQ_STR(passing(&s, TUI_VF_TRUSTED, NULL, &id), "3");
    }

    /* sort orders (ties by time) */
    CHECK_EQ_STR(sorted(&s, TUI_SORT_TIME, false), "1,2,3,4,5,6,7");
    CHECK_EQ_STR(sorted(&s, TUI_SORT_TIME, true), "7,6,5,4,3,2,1");
    /* .215:6972, .215:8443 SNI "10.48.36.215" < "cucm.steven.lab", .216, .217 */
    CHECK_EQ_STR(sorted(&s, TUI_SORT_SERVER, false), "2,3,4,1,7,5,6");
    CHECK_EQ_STR(sorted(&s, TUI_SORT_VERDICT, false), "2,4,5,6,7,3,1");
    CHECK_EQ_STR(sorted(&s, TUI_SORT_VERDICT, true), "1,3,7,6,5,4,2");

    /* grouping: 7 logins collapse into 5 servers, worst first */
    struct tui_conn *all[16];
    for (size_t i = 0; i < s.n; i++) all[i] = tui_store_at(&s, i);
    struct tui_server *sv = NULL;
    long m = tui_group_servers(all, s.n, "imp", &sv);
    CHECK_EQ_INT(m, 5);
    if (m == 5) {
        tui_servers_sort(sv, (size_t)m, TUI_SORT_VERDICT, false);
        CHECK_EQ_STR(sv[0].first->server, "10.48.36.215:6972");
        CHECK_EQ_INT(sv[0].n, 2);
        CHECK_EQ_INT(sv[0].count[TUI_CLASS_FAILED], 1);
        CHECK_EQ_INT(sv[0].count[TUI_CLASS_TRUSTED], 1);
        CHECK_EQ_INT(sv[0].worst->seq, 2);
        CHECK_EQ_INT(sv[0].worst_cls, TUI_CLASS_FAILED);
        CHECK(!sv[0].mixed);
        CHECK_EQ_STR(sv[1].id.sni, "10.48.36.215");
        CHECK_EQ_STR(sv[2].first->server, "10.48.36.216:8443");
        CHECK_EQ_INT(sv[2].matched, 1);
        CHECK_EQ_STR(sv[3].first->server, "10.48.36.217:443");
        /* last: 8443 cucm.steven.lab, one trusted and one TLS 1.3 */
        CHECK_EQ_STR(sv[4].id.sni, "cucm.steven.lab");
        CHECK_EQ_INT(sv[4].id.port, 8443);
        CHECK_EQ_INT(sv[4].worst_cls, TUI_CLASS_NOT_JUDGED);
        CHECK_EQ_INT(sv[4].worst->seq, 7);
        CHECK_EQ_INT(sv[4].count[TUI_CLASS_TRUSTED], 1);
        CHECK_EQ_INT(sv[4].count[TUI_CLASS_NOT_JUDGED], 1);
        /* filters on servers: a server with any failed connection, any match */
        struct tui_filter ff = {.verdict = TUI_VF_FAILED};
        int nf = 0;
        for (long i = 0; i < m; i++) nf += tui_server_passes(&sv[i], &ff);
        CHECK_EQ_INT(nf, 4);
        struct tui_filter ft = {.verdict = TUI_VF_ALL};
        snprintf(ft.text, sizeof ft.text, "imp");
        nf = 0;
        for (long i = 0; i < m; i++) nf += tui_server_passes(&sv[i], &ft);
        CHECK_EQ_INT(nf, 1);
        tui_servers_sort(sv, (size_t)m, TUI_SORT_TIME, false);
        CHECK_EQ_INT(sv[0].first->seq, 1); /* 8443 cucm.steven.lab was seen first */
        CHECK_EQ_INT(sv[1].first->seq, 2);
        tui_servers_sort(sv, (size_t)m, TUI_SORT_SERVER, false);
        CHECK_EQ_STR(sv[0].first->server, "10.48.36.215:6972");
        CHECK_EQ_STR(sv[4].first->server, "10.48.36.217:443");
    }
    free(sv);
    tui_store_free(&s); /* before pipeline_free: records unref their certificates */
    pipeline_free(p);
    store_free(&st);
}

/* --max-conns: the oldest go, the totals (exit status) keep counting them */
static void test_cap(void)
{
    struct trust_store st;
    char err[256];
    store_init(&st);
    CHECK_EQ_INT(store_load(&st, src_path("pcaps/expressway-store.pem"), err, sizeof err), 0);
    struct tui_store s;
    tui_store_init(&s, 3, true);
    struct feed f = {0};
    struct pipeline *p = load(&s, &st, "pcaps/expressway.pcapng", &f);
    CHECK_EQ_INT(s.n, 3);
    CHECK_EQ_INT(s.dropped, 4);
    CHECK_EQ_STR(sorted(&s, TUI_SORT_TIME, false), "5,6,7");
    CHECK_EQ_INT(tui_store_at(&s, 0)->seq, 5); /* ring order: oldest first */
    CHECK_EQ_INT(s.count[TUI_CLASS_FAILED], 2);
    CHECK_EQ_INT(s.count[TUI_CLASS_NOT_JUDGED], 1);
    CHECK_EQ_INT(s.count[TUI_CLASS_TRUSTED], 0);
    CHECK_EQ_INT(s.total[TUI_CLASS_FAILED], 4);
    CHECK_EQ_INT(s.total[TUI_CLASS_TRUSTED], 2);
    CHECK_EQ_INT(s.open.n, 0);
    tui_store_free(&s);
    pipeline_free(p);

    /* a cap of 1: each record judged while open pushes the previous out
     * before its done() arrives (detached while open, freed at done) */
    tui_store_init(&s, 1, true);
    struct feed g = {0};
    p = load(&s, &st, "pcaps/expressway.pcapng", &g);
    CHECK_EQ_INT(s.n, 1);
    CHECK_EQ_INT(s.dropped, 6);
    CHECK_EQ_INT(tui_store_at(&s, 0)->seq, 7);
    CHECK_EQ_INT(
        s.total[TUI_CLASS_FAILED] + s.total[TUI_CLASS_TRUSTED] + s.total[TUI_CLASS_NOT_JUDGED], 7);
    CHECK_EQ_INT(s.open.n, 0);
    tui_store_free(&s);
    pipeline_free(p);
    store_free(&st);
}

/* a pinned connection (on screen in a detail view) outlives its drop */
static void test_pin(void)
{
    struct tui_store s;
    tui_store_init(&s, 2, false);
    struct conn_record *r[4];
    for (int i = 0; i < 4; i++) {
        struct flow_meta meta;
        memset(&meta, 0, sizeof meta);
        meta.family = 4;
        r[i] = calloc(1, sizeof(*r[i]));
        r[i]->tls = tls_conn_new(&meta);
        r[i]->seq = (uint64_t)i + 1;
        r[i]->verdict.status = VERDICT_NOT_JUDGED;
        r[i]->tls->first_ts_ns = (int64_t)i * 1000;
    }
    tui_store_done(&s, r[0]);
    tui_store_done(&s, r[1]);
    struct tui_conn *first = tui_store_at(&s, 0);
    CHECK_EQ_INT(first->seq, 1);
    CHECK(tui_store_find(&s, 2) == tui_store_at(&s, 1));
    CHECK(tui_store_find(&s, 3) == NULL);
    tui_store_pin(&s, first);
    tui_store_pin(&s, first); /* a second view of the same connection */
    uint64_t gen = s.gen;
    tui_store_done(&s, r[2]); /* drops seq 1, which is pinned */
    CHECK(s.gen != gen);
    CHECK_EQ_INT(s.n, 2);
    CHECK_EQ_INT(s.dropped, 1);
    CHECK(first->detached);
    CHECK_EQ_INT(first->seq, 1); /* still readable (ASan would object otherwise) */
    struct conn_record *scratch = NULL;
    const struct conn_record *back = tui_conn_record(first, &scratch);
    CHECK(back != NULL && back->seq == 1);
    tui_record_release(&scratch);
    CHECK(tui_store_find(&s, 1) == NULL); /* dropped from the list */
    tui_store_unpin(&s, first);           /* one view closed: still there */
    CHECK(first->detached && first->seq == 1 && first->pinned == 1);
    tui_store_unpin(&s, first); /* now freed */
    tui_store_done(&s, r[3]);
    CHECK_EQ_STR(sorted(&s, TUI_SORT_TIME, false), "3,4");
    tui_store_free(&s);
}

/* SNI bytes from the wire become display text: escaped, never raw */
static void test_hostile(void)
{
    static const struct {
        const char *sni;
        bool utf8;
        const char *want;
    } cases[] = {
        {"\x1b]0;pwned\x07x.example", true, "\\x1b]0;pwned\\x07x.example"},
        {"a\\b", true, "a\\\\b"},
        {"caf\xc3\xa9.example", true, "caf\xc3\xa9.example"},
        {"caf\xc3\xa9.example", false, "caf\\xc3\\xa9.example"},
        {"\xc2\x9b"
         "2J",
         true,
         "\\xc2\\x9b"
         "2J"}, /* C1 CSI as UTF-8 */
        {"x\xe2\x80\xae"
         "y",
         true,
         "x\\xe2\\x80\\xae"
         "y"}, /* RIGHT-TO-LEFT OVERRIDE */
        {"\xcc\x88"
         "abc",
         true,
         "\\xcc\\x88"
         "abc"},                                   /* combining mark first */
        {"\xef\xbf\xbe", true, "\\xef\\xbf\\xbe"}, /* non-character U+FFFE */
        {"\xff\xfe", true, "\\xff\\xfe"},          /* not UTF-8 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct flow_meta meta;
        memset(&meta, 0, sizeof meta);
        meta.family = 6;
        struct conn_record r;
        memset(&r, 0, sizeof r);
        r.tls = tls_conn_new(&meta);
        r.tls->ch.has_sni = true;
        r.tls->ch.sni_len = r.tls->ch.sni_total = (uint16_t)strlen(cases[i].sni);
        memcpy(r.tls->ch.sni, cases[i].sni, strlen(cases[i].sni));
        r.verdict.status = VERDICT_NOT_JUDGED;
        struct tui_conn c;
        memset(&c, 0, sizeof c);
        CHECK_EQ_INT(tui_conn_fill(&c, &r, cases[i].utf8), 0);
        CHECK_EQ_STR(c.sni, cases[i].want);
        CHECK_EQ_STR(c.server, "[::]:0");
        CHECK_EQ_STR(c.reason, "unknown");
        CHECK(c.cn == NULL);
        free(c.strings);
        tls_conn_free(r.tls);
    }
    /* an SNI longer than what was kept says so */
    struct flow_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.family = 4;
    struct conn_record r;
    memset(&r, 0, sizeof r);
    r.tls = tls_conn_new(&meta);
    r.tls->ch.has_sni = true;
    r.tls->ch.sni_len = 3;
    r.tls->ch.sni_total = 2000;
    memcpy(r.tls->ch.sni, "abc", 3);
    struct tui_conn c;
    memset(&c, 0, sizeof c);
    CHECK_EQ_INT(tui_conn_fill(&c, &r, true), 0);
    CHECK_EQ_STR(c.sni, "abc...(+1997 bytes)");
    CHECK(tui_conn_matches_text(&c, "ABC"));
    CHECK(!tui_conn_matches_text(&c, "abd"));
    free(c.strings);
    tls_conn_free(r.tls);
}

/* tui_rows_sync: merging new rows and forgetting dropped ones gives what a
 * full filter + sort gives, after every batch, for every order */
static struct conn_record *synthetic(uint64_t seq, int64_t ts, int port, int status)
{
    struct flow_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.family = 4;
    struct conn_record *r = calloc(1, sizeof(*r));
    r->tls = tls_conn_new(&meta);
    r->seq = seq;
    r->tls->first_ts_ns = ts;
    r->tls->server_port = (uint16_t)port;
    r->tls->server_ip[0] = (uint8_t)(port % 3);
    r->verdict.status = (enum verdict_status)status;
    if (status == VERDICT_FAILED)
        snprintf(r->verdict.reason, sizeof r->verdict.reason, "bad %d", port);
    return r;
}

static void test_rows(void)
{
    for (int by = 0; by < TUI_SORT__N; by++)
        for (int rev = 0; rev < 2; rev++)
            for (int vf = 0; vf < TUI_VF__N; vf++) {
                struct tui_store s;
                tui_store_init(&s, 37, true);
                struct tui_rows rows = {0};
                struct tui_filter f = {.verdict = (enum tui_vfilter)vf};
                unsigned rnd = 12345;
                uint64_t seq = 0;
                int merges = 0;
                for (int batch = 0; batch < 12; batch++) {
                    int k = 1 + (int)(rnd % 9);
                    for (int i = 0; i < k; i++) {
                        rnd = rnd * 1103515245u + 12345u;
                        /* times mostly rising, sometimes out of order */
                        int64_t ts = (int64_t)(seq * 10) - (int64_t)((rnd >> 8) % 25);
                        tui_store_done(&s, synthetic(++seq, ts, 400 + (int)((rnd >> 12) % 7),
                                                     (int)((rnd >> 16) % 3)));
                    }
                    int rc = tui_rows_sync(&rows, &s, &f, NULL, (enum tui_sort)by, rev, false, NULL,
                                           NULL);
                    CHECK(rc == 0 || rc == 1);
                    merges += rc == 0;
                    /* the reference: filter and sort everything */
                    struct tui_conn *ref[64];
                    size_t n = 0;
                    for (size_t i = 0; i < s.n; i++)
                        if (tui_conn_passes(tui_store_at(&s, i), &f, NULL))
                            ref[n++] = tui_store_at(&s, i);
                    tui_conns_sort(ref, n, (enum tui_sort)by, rev);
                    CHECK_EQ_INT(rows.n, n);
                    bool same = rows.n == n;
                    for (size_t i = 0; same && i < n; i++)
                        same = rows.v[i] == ref[i] && rows.idx[i] == ref[i]->idx;
                    CHECK(same);
                }
                CHECK(merges >= 10);  /* the incremental path was the one taken */
                CHECK(s.dropped > 0); /* and drops happened on the way */
                tui_rows_free(&rows);
                tui_store_free(&s);
            }
}

int main(void)
{
    if (!setlocale(LC_CTYPE, "C.UTF-8")) {
        fprintf(stderr, "no C.UTF-8 locale\n");
        return 1;
    }
    test_expressway();
    test_cap();
    test_pin();
    test_hostile();
    test_rows();
    return check_summary();
}
