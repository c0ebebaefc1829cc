/* test_vcache.c — the verdict cache (trust/vcache.c) must answer exactly as
 * verdict_judge() does: for many chains, names, profiles and suites, at
 * every validity boundary of the certificates involved (and one second
 * either side), in several orders, through caches big and tiny. Also: a
 * repeat is a hit, a time outside the window is judged afresh, observed
 * alerts are never taken from the cache, references are given back.
 *
 * Chains and stores are the tests/fixtures certificates (see
 * test_verdict.c for what each scenario means). */
#include <arpa/inet.h>
#include <stdbool.h>
#include <unistd.h>

#include "../fixtures/expected.h"
#include "certgen.h"
#include "check.h"
#include "testconn.h"
#include "fixture.h"
#include "trust/cert.h"
#include "trust/store.h"
#include "trust/vcache.h"
#include "trust/verdict.h"

static struct cert_cache *cache;

static struct tls_conn *conn_new(const char *sni, uint16_t cipher) { return testconn_new(sni, cipher); }

struct spec {
    const char *store, *chain, *sni;
    enum verdict_profile profile;
    uint16_t cipher;
    bool no_client_hello; /* the capture missed it: no name to check */
    bool chain_only;
};

static const struct spec specs[] = {
    {"root.pem", "leaf.pem,int.pem", "cucm.vngtp.lab", PROFILE_EXPRESSWAY, 0xc02f, false, false},
    {"root.pem", "leaf.pem,int.pem", "cucm.vngtp.lax", PROFILE_EXPRESSWAY, 0xc02f, false, false},
    {"root.pem", "leaf.pem,int.pem", "10.48.36.215", PROFILE_EXPRESSWAY, 0xc02f, false, false},
    {"root.pem", "leaf.pem,int.pem", "10.48.36.215", PROFILE_RFC, 0xc02f, false, false},
    {"root.pem", "leaf.pem,int.pem", NULL, PROFILE_EXPRESSWAY, 0xc02b, false, false},
    {"root.pem", "leaf.pem", "cucm.vngtp.lab", PROFILE_EXPRESSWAY, 0xc02f, false, false},
    {"int.pem", "leaf.pem", "cucm.vngtp.lab", PROFILE_EXPRESSWAY, 0xc02f, false, false},
    {"root.pem", "selfsigned-ec.pem", "cucm.vngtp.lab", PROFILE_EXPRESSWAY, 0xc02b, false, false},
    {"root.pem,selfsigned-ec.pem", "selfsigned-ec.pem", "cucm.vngtp.lab", PROFILE_EXPRESSWAY,
     0xc02b, false, false},
    {"root.pem", "expired-leaf.pem,int.pem", "cucm.vngtp.lab", PROFILE_EXPRESSWAY, 0xc02f, false, false},
    {"root.pem", "expired-leaf.pem,int.pem", "cucm.vngtp.lab", PROFILE_RFC, 0xc02f, false, false},
    {"root.pem", "notyet-leaf.pem,int.pem", "cucm.vngtp.lab", PROFILE_EXPRESSWAY, 0xc02f, false, false},
    {"root.pem", "badsig-leaf.pem,int.pem", "cucm.vngtp.lab", PROFILE_EXPRESSWAY, 0xc02f, false, false},
    {"root-twin.pem", "leaf-direct.pem,root.pem", "cucm.vngtp.lab", PROFILE_EXPRESSWAY, 0xc02f, false, false},
    {"root.pem", "leaf-under-subint.pem,subint.pem,int.pem", "cucm.vngtp.lab",
     PROFILE_EXPRESSWAY, 0xc02f, false, false},
    {"root.pem", "long-chain.pem*", "cucm.vngtp.lab", PROFILE_EXPRESSWAY, 0xc02f, false, false},
    {"root.pem", "cn-ip.pem,int.pem", "10.48.36.215", PROFILE_RFC, 0xc02f, false, false},
    {"root.pem", "leaf.pem,int.pem", NULL, PROFILE_EXPRESSWAY, 0xc02f, false, false},
    {"root.pem", "leaf.pem,int.pem", NULL, PROFILE_EXPRESSWAY, 0xc02f, true, false},
    {"root.pem", "leaf.pem,int.pem", NULL, PROFILE_EXPRESSWAY, 0xc02f, true, true},
    {"root.pem", "leaf.pem,int.pem", NULL, PROFILE_EXPRESSWAY, 0xc02f, false, true},
    {"root.pem", "leaf.pem,int.pem", "nope.example", PROFILE_RFC, 0xc02f, false, true},
};
#define NSC (int)(sizeof specs / sizeof specs[0])

struct scenario {
    const char *store, *chain, *sni;
    enum verdict_profile profile;
    bool chain_only;
    const struct trust_store *st; /* shared by the scenarios naming the same files */
    const struct cert *c[12];
    int n;
    struct tls_conn *conn;
};

static struct scenario sc[NSC];
static struct trust_store stores[NSC];
static const char *store_names[NSC];
static int nstores;

static void store_of(struct trust_store *st, const char *files)
{
    char buf[512], err[256];
    store_init(st);
    snprintf(buf, sizeof buf, "%s", files);
    for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
        if (store_load(st, fixture_path(t), err, sizeof err) != 0) {
            fprintf(stderr, "store %s: %s\n", t, err);
            exit(2);
        }
    }
}

static int chain_of(const struct cert **out, const char *files)
{
    char buf[512];
    int n = 0;
    snprintf(buf, sizeof buf, "%s", files);
    for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
        size_t l = strlen(t);
        bool all = t[l - 1] == '*';
        if (all) t[l - 1] = '\0';
        char *text = fixture_text(t, NULL);
        int count = 0;
        for (char *p = text; (p = strstr(p, "-----BEGIN CERTIFICATE")) != NULL; p++) count++;
        free(text);
        for (int i = 0; i < (all ? count : 1) && n < 12; i++) {
            size_t len;
            uint8_t *der = fixture_der(t, i, &len);
            out[n++] = certcache_intern(cache, der, len);
            free(der);
        }
    }
    return n;
}

static void setup(void)
{
    cache = certcache_new(1000);
    for (int i = 0; i < NSC; i++) {
        sc[i].store = specs[i].store;
        sc[i].chain = specs[i].chain;
        sc[i].sni = specs[i].sni;
        sc[i].profile = specs[i].profile;
        int k = 0;
        while (k < nstores && strcmp(store_names[k], specs[i].store) != 0) k++;
        if (k == nstores) {
            store_names[nstores] = specs[i].store;
            store_of(&stores[nstores++], specs[i].store);
        }
        sc[i].st = &stores[k];
        sc[i].n = chain_of(sc[i].c, specs[i].chain);
        sc[i].chain_only = specs[i].chain_only;
        sc[i].conn = conn_new(specs[i].sni, specs[i].cipher);
        if (specs[i].no_client_hello) sc[i].conn->ch.present = false;
    }
}

static void teardown(void)
{
    for (int i = 0; i < NSC; i++) {
        for (int k = 0; k < sc[i].n; k++) certcache_unref(cache, sc[i].c[k]);
        free(sc[i].conn);
    }
    for (int k = 0; k < nstores; k++) store_free(&stores[k]);
    certcache_free(cache);
}

static struct judge_input input_of(const struct scenario *s, int64_t at)
{
    struct judge_input in = {s->conn, s->c, s->n, s->st, s->profile, at, s->chain_only, PURPOSE_SSL_SERVER};
    return in;
}

/* Field by field, strings included. */
static bool verdict_same(const struct verdict *a, const struct verdict *b)
{
    if (a->status != b->status || a->presumed != b->presumed || a->code != b->code ||
        a->depth != b->depth || a->cert_index != b->cert_index || a->profile != b->profile ||
        a->name_from_sni != b->name_from_sni || a->name_ok != b->name_ok ||
        a->predicted_alert != b->predicted_alert || a->observed_alert != b->observed_alert ||
        a->agrees != b->agrees || a->n_path != b->n_path || a->anchored != b->anchored ||
        a->ecdsa_suite != b->ecdsa_suite || a->presumed_from != b->presumed_from)
        return false;
    if (strcmp(a->reason, b->reason) || strcmp(a->name_checked, b->name_checked) ||
        strcmp(a->would_log, b->would_log) || strcmp(a->advice, b->advice) ||
        strcmp(a->not_judged, b->not_judged))
        return false;
    for (int i = 0; i < a->n_path && i < VERDICT_MAX_PATH; i++)
        if (a->path[i].cert != b->path[i].cert || a->path[i].src != b->path[i].src ||
            a->path[i].wire_index != b->path[i].wire_index)
            return false;
    return true;
}

/* Judging times: every notBefore/notAfter of the scenario's certificates
 * (chain and store), one second either side, the capture time, extremes. */
static int times_of(const struct scenario *s, int64_t *t, int max)
{
    int n = 0;
    t[n++] = FIX_T_CAPTURE;
    t[n++] = 0;
    t[n++] = 4102444800LL; /* 2100 */
    const struct cert *all[64];
    int na = 0;
    for (int i = 0; i < s->n; i++) all[na++] = s->c[i];
    for (size_t i = 0; i < s->st->n && na < 64; i++) all[na++] = s->st->entries[i].cert;
    for (int i = 0; i < na; i++) {
        if (!all[i]) continue;
        const int64_t b[2] = {all[i]->not_before, all[i]->not_after};
        for (int k = 0; k < 2; k++)
            for (int d = -1; d <= 1 && n < max; d++) t[n++] = b[k] + d;
    }
    return n;
}

static int mismatches;

static void check_one(struct verdict_cache *vc, const struct scenario *s, int64_t at)
{
    struct judge_input in = input_of(s, at);
    struct verdict want, got;
    verdict_judge(&in, &want);
    verdictcache_judge(vc, &in, &got);
    bool same = verdict_same(&want, &got);
    CHECK(same);
    if (!same) {
        if (mismatches++ < 5)
            fprintf(stderr, "verdict differs: store %s chain %s sni %s at %lld: want %d %s, got %d %s\n",
                    s->store, s->chain, s->sni ? s->sni : "-", (long long)at, want.code,
                    want.reason, got.code, got.reason);
    }
}

static void test_same_as_uncached(void)
{
    const size_t caps[] = {256, 3, 1};
    for (size_t ci = 0; ci < sizeof caps / sizeof caps[0]; ci++) {
        struct verdict_cache *vc = verdictcache_new(caps[ci]);
        CHECK(vc != NULL);
        /* every scenario at the same time, one time after the other: two
         * scenarios that differ in one input only meet in the same window */
        for (int j = 0; j < NSC; j++) {
            int64_t t[200];
            int nt = times_of(&sc[j], t, 200);
            for (int k = 0; k < nt; k++)
                for (int i = 0; i < NSC; i++) check_one(vc, &sc[i], t[k]);
        }
        /* ascending times per scenario, then descending, then round robin */
        for (int pass = 0; pass < 3; pass++) {
            for (int i = 0; i < NSC; i++) {
                int64_t t[200];
                int nt = times_of(&sc[i], t, 200);
                for (int k = 0; k < nt; k++) {
                    int idx = pass == 1 ? nt - 1 - k : k;
                    check_one(vc, &sc[i], t[idx]);
                    if (pass == 2) check_one(vc, &sc[(i + k) % NSC], t[idx]);
                    check_one(vc, &sc[i], t[idx]); /* repeated: from the cache */
                }
            }
        }
        const struct verdict_cache_stats *st = verdictcache_stats(vc);
        CHECK(st->hits > 0 && st->misses > 0 && st->stale > 0);
        if (caps[ci] < 4) CHECK(st->evictions > 0);
        CHECK(verdictcache_count(vc) <= caps[ci]);
        verdictcache_free(vc);
    }
    CHECK_EQ_INT(mismatches, 0);
}

/* Hits, the window and its invalidation, observed alerts, references. */
static void test_window_and_stats(void)
{
    struct verdict_cache *vc = verdictcache_new(16);
    const struct scenario *ok = &sc[0];   /* trusted at T */
    const struct scenario *exp = NULL;    /* leaf expired 2021-01-01 */
    for (int i = 0; i < NSC && !exp; i++)
        if (!strcmp(sc[i].chain, "expired-leaf.pem,int.pem") && sc[i].profile == PROFILE_EXPRESSWAY)
            exp = &sc[i];
    const struct verdict_cache_stats *st = verdictcache_stats(vc);
    struct verdict v;
    uint32_t leaf_refs = ok->c[0]->refs;

    struct judge_input in = input_of(ok, FIX_T_CAPTURE);
    verdictcache_judge(vc, &in, &v);
    CHECK_EQ_INT(v.status, VERDICT_TRUSTED);
    CHECK_EQ_INT(st->misses, 1);
    CHECK_EQ_INT(ok->c[0]->refs, leaf_refs); /* entries hold no references */
    in.at = FIX_T_CAPTURE + 86400;               /* a day later: same window */
    verdictcache_judge(vc, &in, &v);
    CHECK_EQ_INT(st->hits, 1);
    CHECK_EQ_INT(v.status, VERDICT_TRUSTED);
    in.at = FIX_LEAF_NOT_AFTER;                   /* the leaf just expired */
    verdictcache_judge(vc, &in, &v);
    CHECK_EQ_INT(st->stale, 1);
    CHECK_EQ_INT(v.status, VERDICT_FAILED);
    CHECK_EQ_INT(v.code, VERR_CERT_HAS_EXPIRED);
    in.at = FIX_LEAF_NOT_AFTER - 1;               /* back inside: judged again */
    verdictcache_judge(vc, &in, &v);
    CHECK_EQ_INT(st->stale, 2);
    CHECK_EQ_INT(v.status, VERDICT_TRUSTED);
    CHECK_EQ_INT(verdictcache_count(vc), 1);

    /* "expired" names the judging time: only that second is reused */
    in = input_of(exp, FIX_T_CAPTURE);
    verdictcache_judge(vc, &in, &v);
    verdictcache_judge(vc, &in, &v);
    CHECK_EQ_INT(st->hits, 2);
    in.at = FIX_T_CAPTURE + 1;
    verdictcache_judge(vc, &in, &v);
    CHECK_EQ_INT(st->hits, 2);
    CHECK(strstr(v.advice, "2022-07-11T16:55:27Z") != NULL);

    /* what the client did is this connection's, never the cache's */
    struct tls_conn *c2 = conn_new("cucm.vngtp.lab", 0xc02f);
    c2->alerts[0].from = TLS_CLIENT;
    c2->alerts[0].level = 2;
    c2->alerts[0].desc = 48;
    c2->n_alerts = c2->n_alerts_total = 1;
    in = input_of(ok, FIX_T_CAPTURE);
    in.conn = c2;
    verdictcache_judge(vc, &in, &v);
    CHECK_EQ_INT(st->hits, 3);
    CHECK_EQ_INT(v.observed_alert, 48);
    CHECK_EQ_INT(v.agrees, AGREE_NO);
    in.conn = ok->conn;
    verdictcache_judge(vc, &in, &v);
    CHECK_EQ_INT(v.observed_alert, -1);
    free(c2);

    /* another SNI, another suite, another server: other entries */
    size_t before = verdictcache_count(vc);
    struct tls_conn *c3 = conn_new("other.example.lab", 0xc02f);
    in.conn = c3;
    verdictcache_judge(vc, &in, &v);
    CHECK_EQ_INT(v.status, VERDICT_FAILED);
    CHECK_EQ_STR(v.reason, "SNI (other.example.lab) not in certificate");
    c3->ch.sni_len = 0; /* an empty SNI: the address is the name */
    c3->sh.cipher = 0xc02b;
    verdictcache_judge(vc, &in, &v);
    CHECK_EQ_STR(v.name_checked, "10.48.36.215");
    CHECK(v.ecdsa_suite);
    inet_pton(AF_INET, "10.48.36.216", c3->server_ip);
    verdictcache_judge(vc, &in, &v);
    CHECK_EQ_STR(v.name_checked, "10.48.36.216");
    CHECK_EQ_INT(verdictcache_count(vc), before + 3);
    free(c3);

    /* no chain, no store: judged, not remembered */
    in = input_of(ok, FIX_T_CAPTURE);
    in.n_chain = 0;
    verdictcache_judge(vc, &in, &v);
    CHECK_EQ_INT(v.status, VERDICT_NOT_JUDGED);
    in = input_of(ok, FIX_T_CAPTURE);
    in.store = NULL;
    verdictcache_judge(vc, &in, &v);
    CHECK_EQ_INT(v.status, VERDICT_NOT_JUDGED);
    CHECK_EQ_INT(st->uncached, 2);
    verdictcache_judge(NULL, &in, &v); /* no cache at all */
    CHECK_EQ_INT(v.status, VERDICT_NOT_JUDGED);

    verdictcache_free(vc);
    CHECK_EQ_INT(ok->c[0]->refs, leaf_refs);
}

/* A verdict reused after the certificates it was made with were evicted
 * and parsed again points at the new ones (ASan would see the old). */
static void test_rebind(void)
{
    struct cert_cache *cc = certcache_new(0); /* keeps nothing unreferenced */
    struct trust_store st;
    store_of(&st, "root.pem");
    const char *files[2] = {"leaf.pem", "int.pem"};
    struct tls_conn *c = conn_new("cucm.vngtp.lab", 0xc02f);
    struct verdict_cache *vc = verdictcache_new(8);
    for (int round = 0; round < 3; round++) {
        const struct cert *ch[3];
        for (int i = 0; i < 2; i++) {
            size_t n;
            uint8_t *der = fixture_der(files[i], 0, &n);
            ch[i] = certcache_intern(cc, der, n);
            free(der);
        }
        ch[2] = NULL; /* a position without a certificate is part of the key */
        struct judge_input in = {c, ch, round == 2 ? 3 : 2, &st, PROFILE_EXPRESSWAY,
                                 FIX_T_CAPTURE, false, PURPOSE_SSL_SERVER};
        struct verdict v, want;
        verdictcache_judge(vc, &in, &v);
        verdict_judge(&in, &want);
        CHECK(verdict_same(&v, &want));
        CHECK_EQ_INT(v.status, VERDICT_TRUSTED);
        CHECK_EQ_INT(v.n_path, 3);
        CHECK(v.path[0].cert == ch[0] && v.path[1].cert == ch[1]);
        CHECK(v.path[2].src == CHAIN_FROM_STORE && v.path[2].cert == st.entries[0].cert);
        CHECK_EQ_STR(v.path[1].cert->subject_cn, "vngtp-intermediate-CA-1");
        for (int i = 0; i < 2; i++) certcache_unref(cc, ch[i]); /* freed */
        CHECK_EQ_INT(certcache_count(cc), 0);
    }
    CHECK_EQ_INT(verdictcache_stats(vc)->hits, 1);   /* round 1 */
    CHECK_EQ_INT(verdictcache_stats(vc)->misses, 2); /* round 0, and 2 (other key) */
    verdictcache_free(vc);
    store_free(&st);
    certcache_free(cc);
    free(c);
}

/* The store's validity counts too: an anchor that expires while the chain
 * the server sends is still valid changes the verdict (internal_verify
 * checks the anchor's time first). certgen's certificates carry dummy
 * signatures, so while the root is valid the verdict is a signature
 * failure, and once it expired, "certificate has expired" at depth 1. */
static void test_store_window(void)
{
    cg_reset();
    struct slice bc = cg_ext(CGB("\x55\x1d\x13"), 1, CG(0x30, CG(0x01, CGB("\xff"))));
    struct slice r = cg_cert(cg_name_cn("vcache root"), cg_name_cn("vcache root"), cg_exts(&bc, 1));
    struct slice l = cg_cert(cg_name_cn("vcache leaf"), cg_name_cn("vcache root"), CG_EMPTY);
    uint8_t *root = malloc(r.n);
    memcpy(root, r.p, r.n);
    /* notAfter 2040-01-01 -> 2030-01-01 (1893456000) */
    uint8_t *na = memmem(root, r.n, "400101000000Z", 13);
    CHECK(na != NULL);
    if (!na) return;
    na[0] = '3';
    char path[64];
    snprintf(path, sizeof path, "/tmp/tlsscope-vcache-%d.der", (int)getpid());
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(root, 1, r.n, f) == r.n);
    if (f) fclose(f);
    struct trust_store st;
    char err[256];
    store_init(&st);
    CHECK_EQ_INT(store_load(&st, path, err, sizeof err), 0);
    unlink(path);
    free(root);
    CHECK_EQ_INT(st.n, 1);
    const int64_t root_na = 1893456000LL;
    if (st.n != 1 || !st.entries[0].cert) return;
    CHECK_EQ_INT(st.entries[0].cert->not_after, root_na);

    const struct cert *leaf = certcache_intern(cache, l.p, l.n);
    CHECK(leaf != NULL && leaf->parsed);
    struct tls_conn *c = conn_new("vc.lab", 0xc02b);
    struct judge_input in = {c, &leaf, 1, &st, PROFILE_EXPRESSWAY, root_na - 1, false, PURPOSE_SSL_SERVER};
    struct verdict_cache *vc = verdictcache_new(8);
    struct verdict v;
    verdictcache_judge(vc, &in, &v);
    CHECK_EQ_INT(v.code, VERR_CERT_SIGNATURE_FAILURE);
    CHECK_EQ_INT(v.depth, 0);
    in.at = root_na;
    verdictcache_judge(vc, &in, &v);
    CHECK_EQ_INT(v.code, VERR_CERT_HAS_EXPIRED);
    CHECK_EQ_INT(v.depth, 1);
    in.at = root_na - 2;
    verdictcache_judge(vc, &in, &v);
    CHECK_EQ_INT(v.code, VERR_CERT_SIGNATURE_FAILURE);
    CHECK_EQ_INT(verdictcache_stats(vc)->stale, 2);

    /* the suite: the ECDSA advice follows the connection's suite */
    in.at = root_na - 1;
    verdictcache_judge(vc, &in, &v);
    CHECK(v.ecdsa_suite);
    c->sh.cipher = 0xc02f;
    verdictcache_judge(vc, &in, &v);
    CHECK(!v.ecdsa_suite);
    verdictcache_free(vc);
    certcache_unref(cache, leaf);
    store_free(&st);
    free(c);
}

int main(void)
{
    setup();
    test_same_as_uncached();
    test_window_and_stats();
    test_store_window();
    test_rebind();
    teardown();
    return check_summary();
}
