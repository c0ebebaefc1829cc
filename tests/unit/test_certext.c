/* test_certext.c — the certificate page fields (trust/certext.h), the
 * stapled OCSP response (trust/ocsp.h) and the CertificateStatus parser
 * (dissect/certstatus.c), with exact values: the real certificates and
 * responses of pcaps/make-ocsp-captures.sh (as `openssl x509 -text` and
 * `openssl ocsp -resp_text` read them, pcaps/ocsp-expected.tsv), the name
 * constraint CA of the nc captures, and hostile DER built with certgen.h. */
#include <stdbool.h>

#include "certgen.h"
#include "check.h"
#include "dissect/tls.h"
#include "fixture.h"
#include "trust/cert.h"
#include "trust/certext.h"
#include "trust/ocsp.h"

/* dissect/tls_internal.h (private to dissect/): the parsers under test */
typedef void (*tls_note_fn)(void *ctx, const char *what);
int tls_parse_certificate_status(struct tls_ocsp_staple *out, const uint8_t *body, size_t len,
                                 bool in_cert_entry, tls_note_fn note, void *ctx);
void tls_ocsp_staple_clear(struct tls_ocsp_staple *st);
int tls_parse_certificate(struct tls_certificate *out, const uint8_t *body, size_t len,
                          bool tls13_layout, tls_note_fn note, void *ctx);
void tls_certificate_clear(struct tls_certificate *cert);

static struct cert *load_pcaps_cert(const char *name)
{
    char path[256];
    size_t n;
    snprintf(path, sizeof path, "../../pcaps/pki/%s", name);
    uint8_t *der = fixture_der(path, 0, &n);
    struct cert *c = cert_parse(der, n);
    free(der);
    if (!c) {
        fprintf(stderr, "cert_parse(%s) failed\n", name);
        exit(1);
    }
    return c;
}

static uint8_t *load_bytes(const char *rel, size_t *n)
{
    char path[256];
    snprintf(path, sizeof path, "../../pcaps/%s", rel);
    return (uint8_t *)fixture_text(path, n);
}

static void check_ext(const struct certext *x, int i, const char *oid, const char *name,
                      bool critical)
{
    CHECK(i < x->n_ext);
    if (i >= x->n_ext) return;
    CHECK_EQ_STR(x->ext[i].oid, oid);
    CHECK_EQ_STR(x->ext[i].name ? x->ext[i].name : "(null)", name ? name : "(null)");
    CHECK_EQ_INT(x->ext[i].critical, critical);
    CHECK_EQ_INT(x->ext[i].malformed, false);
}

/* the leaf of ocsp-staple.pcap: every extension the page shows */
static void test_ocsp_leaf(void)
{
    struct cert *c = load_pcaps_cert("ocsp.crt");
    struct certext x;
    CHECK_EQ_INT(certext_read(c, &x), 0);
    CHECK_EQ_INT(x.n_ext, 11);
    CHECK_EQ_INT(x.n_ext_total, 11);
    CHECK_EQ_INT(x.ext_list_broken, false);
    check_ext(&x, 0, "2.5.29.19", "X509v3 Basic Constraints", true);
    check_ext(&x, 1, "2.5.29.15", "X509v3 Key Usage", true);
    check_ext(&x, 2, "2.5.29.37", "X509v3 Extended Key Usage", false);
    check_ext(&x, 3, "2.5.29.17", "X509v3 Subject Alternative Name", false);
    check_ext(&x, 4, "2.5.29.14", "X509v3 Subject Key Identifier", false);
    check_ext(&x, 5, "2.5.29.35", "X509v3 Authority Key Identifier", false);
    check_ext(&x, 6, "1.3.6.1.5.5.7.1.1", "Authority Information Access", false);
    check_ext(&x, 7, "2.5.29.31", "X509v3 CRL Distribution Points", false);
    check_ext(&x, 8, "2.5.29.32", "X509v3 Certificate Policies", false);
    check_ext(&x, 9, "1.3.6.1.5.5.7.1.24", "TLS Feature", false);
    check_ext(&x, 10, "1.3.6.1.4.1.55555.1.1", NULL, false);
    CHECK(x.has_aia);
    CHECK_EQ_INT(x.ocsp.n, 1);
    if (x.ocsp.n) CHECK_EQ_STR(x.ocsp.v[0], "URI:http://ocsp.test.lab/");
    CHECK_EQ_INT(x.ca_issuers.n, 1);
    if (x.ca_issuers.n) CHECK_EQ_STR(x.ca_issuers.v[0], "URI:http://pki.test.lab/test-int1.crt");
    CHECK_EQ_INT(x.aia_other.total, 0);
    CHECK(x.has_crl_dp);
    CHECK_EQ_INT(x.crl_dp.n, 1);
    if (x.crl_dp.n) CHECK_EQ_STR(x.crl_dp.v[0], "URI:http://pki.test.lab/test-int1.crl");
    CHECK(x.has_policies);
    CHECK_EQ_INT(x.n_pol, 2);
    if (x.n_pol == 2) {
        CHECK_EQ_STR(x.pol[0].oid, "2.23.140.1.2.2");
        CHECK_EQ_STR(x.pol[0].name, "CA/B organization validated");
        CHECK_EQ_INT(x.pol[0].cps.total + x.pol[0].notices.total, 0);
        CHECK_EQ_STR(x.pol[1].oid, "1.3.6.1.4.1.55555.2.1");
        CHECK(x.pol[1].name == NULL);
        CHECK_EQ_INT(x.pol[1].cps.n, 1);
        if (x.pol[1].cps.n) CHECK_EQ_STR(x.pol[1].cps.v[0], "http://pki.test.lab/cps");
        CHECK_EQ_INT(x.pol[1].notices.n, 1);
        if (x.pol[1].notices.n)
            CHECK_EQ_STR(x.pol[1].notices.v[0],
                         "tlsscope test PKI, notice 1, 2: Test certificates only");
    }
    CHECK(!x.has_nc);
    certext_free(&x);
    cert_free(c);
}

/* the CA of verdict-name-constraint-*.pcap, and certgen subtrees of every
 * kind, through ncons.c's iterator */
static void test_name_constraints(void)
{
    struct cert *c = load_pcaps_cert("nc-int.crt");
    struct certext x;
    CHECK_EQ_INT(certext_read(c, &x), 0);
    CHECK(x.has_nc);
    CHECK_EQ_INT(x.n_ext, 5);
    check_ext(&x, 4, "2.5.29.30", "X509v3 Name Constraints", true);
    CHECK_EQ_INT(x.nc_permitted.n, 1);
    if (x.nc_permitted.n) CHECK_EQ_STR(x.nc_permitted.v[0], "DNS:.nc.test.lab");
    CHECK_EQ_INT(x.nc_excluded.total, 0);
    certext_free(&x);
    cert_free(c);

    cg_reset();
    /* permitted: DNS, IPv4 net, email; excluded: IPv6 net, DirName (CN=bad) */
    static const uint8_t ip4[8] = {10, 0, 0, 0, 255, 0, 0, 0};
    uint8_t ip6[32] = {0x20, 0x01, 0x0d, 0xb8};
    memset(ip6 + 16, 0xff, 4);
    struct slice perm = CG(0xa0, CG(0x30, CG(0x82, CGB(".lab"))),
                           CG(0x30, cg_tlv(0x87, (struct slice[]){cg_raw(ip4, 8)}, 1)),
                           CG(0x30, CG(0x81, CGB("example.lab"))));
    struct slice excl = CG(0xa1, CG(0x30, cg_tlv(0x87, (struct slice[]){cg_raw(ip6, 32)}, 1)),
                           CG(0x30, CG(0xa4, cg_name_cn("bad"))));
    struct slice nc = cg_ext(CGB("\x55\x1d\x1e"), 1, CG(0x30, perm, excl));
    struct slice der = cg_cert(cg_name_cn("ca"), cg_name_cn("ca"), cg_exts(&nc, 1));
    c = cert_parse(der.p, der.n);
    CHECK(c != NULL);
    CHECK_EQ_INT(certext_read(c, &x), 0);
    CHECK_EQ_INT(x.nc_permitted.n, 3);
    CHECK_EQ_INT(x.nc_excluded.n, 2);
    if (x.nc_permitted.n == 3 && x.nc_excluded.n == 2) {
        CHECK_EQ_STR(x.nc_permitted.v[0], "DNS:.lab");
        CHECK_EQ_STR(x.nc_permitted.v[1], "IP:10.0.0.0/255.0.0.0");
        CHECK_EQ_STR(x.nc_permitted.v[2], "email:example.lab");
        CHECK_EQ_STR(x.nc_excluded.v[0], "IP:2001:db8::/ffff:ffff::");
        CHECK_EQ_STR(x.nc_excluded.v[1], "DirName:CN=bad");
    }
    certext_free(&x);
    cert_free(c);
}

/* hostile DER: a NUL inside a URI, a malformed AIA, caps */
static void test_hostile(void)
{
    cg_reset();
    struct slice aia = cg_ext(CGB("\x2b\x06\x01\x05\x05\x07\x01\x01"), 0,
                              CG(0x30, CG(0x30, CG(0x06, CGB("\x2b\x06\x01\x05\x05\x07\x30\x01")),
                                          CG(0x86, CGB("http://a\0.evil/")))));
    /* CRL DP whose DistributionPoint is an INTEGER: malformed, listed as such */
    struct slice crl = cg_ext(CGB("\x55\x1d\x1f"), 0, CG(0x30, CG(0x02, CGB("\x01"))));
    struct slice exts[2] = {aia, crl};
    struct slice der = cg_cert(cg_name_cn("h"), cg_name_cn("ca"), cg_exts(exts, 2));
    struct cert *c = cert_parse(der.p, der.n);
    struct certext x;
    CHECK_EQ_INT(certext_read(c, &x), 0);
    CHECK_EQ_INT(x.ocsp.n, 1);
    if (x.ocsp.n) CHECK_EQ_STR(x.ocsp.v[0], "URI:http://a\\x00.evil/");
    CHECK_EQ_INT(x.n_ext, 2);
    if (x.n_ext == 2) {
        CHECK_EQ_INT(x.ext[0].malformed, false);
        CHECK_EQ_INT(x.ext[1].malformed, true);
    }
    certext_free(&x);
    cert_free(c);

    /* 40 OCSP URIs: 32 kept, 40 counted; 70 extensions: 64 kept, 70 counted */
    cg_reset();
    struct slice ads[40];
    for (int i = 0; i < 40; i++)
        ads[i] = CG(0x30, CG(0x06, CGB("\x2b\x06\x01\x05\x05\x07\x30\x01")), CG(0x86, CGB("u")));
    struct slice many[70];
    many[0] = cg_ext(CGB("\x2b\x06\x01\x05\x05\x07\x01\x01"), 0, cg_tlv(0x30, ads, 40));
    for (int i = 1; i < 70; i++) {
        uint8_t oid[4] = {0x2b, 0x06, 0x01, (uint8_t)i};
        many[i] = cg_ext(cg_raw(oid, 4), 0, CG(0x05));
    }
    der = cg_cert(cg_name_cn("h"), cg_name_cn("ca"), cg_exts(many, 70));
    c = cert_parse(der.p, der.n);
    CHECK_EQ_INT(certext_read(c, &x), 0);
    CHECK_EQ_INT(x.ocsp.n, CERTEXT_MAX_NAMES);
    CHECK_EQ_INT(x.ocsp.total, 40);
    CHECK_EQ_INT(x.n_ext, CERTEXT_MAX_EXTS);
    CHECK_EQ_INT(x.n_ext_total, 70);
    certext_free(&x);
    cert_free(c);

    /* a certificate without extensions; a v1 certificate */
    cg_reset();
    der = cg_cert(cg_name_cn("h"), cg_name_cn("ca"), CG_EMPTY);
    c = cert_parse(der.p, der.n);
    CHECK_EQ_INT(certext_read(c, &x), 0);
    CHECK_EQ_INT(x.n_ext_total, 0);
    CHECK(!x.has_aia && !x.has_crl_dp && !x.has_policies && !x.has_nc);
    certext_free(&x);
    cert_free(c);
    CHECK_EQ_INT(certext_read(NULL, &x), -1);
}

/* the responses of ocsp-staple.pcap, against pcaps/ocsp-expected.tsv */
static void test_ocsp_responses(void)
{
    size_t n;
    uint8_t *der = load_bytes("pki/ocsp-good.der", &n);
    struct ocsp_info o;
    CHECK_EQ_INT(ocsp_parse(der, n, &o), 0);
    CHECK(o.read && !o.malformed);
    CHECK_EQ_INT(o.response_status, 0);
    CHECK_EQ_STR(ocsp_response_status_name(o.response_status), "successful");
    CHECK(o.basic);
    CHECK_EQ_STR(o.responder, "O=tlsscope test PKI, CN=tlsscope Test Intermediate CA 1");
    CHECK_EQ_INT(o.produced_at, 1796653019); /* 2026-12-07T14:16:59Z */
    CHECK_EQ_INT(o.n_resp, 1);
    CHECK_EQ_INT(o.n_resp_total, 1);
    CHECK_EQ_INT(o.n_certs, 1); /* openssl ocsp includes the signer (-resp_no_certs not given) */
    CHECK_EQ_STR(o.resp[0].serial, "0c5901");
    CHECK_EQ_INT(o.resp[0].status, OCSP_CERT_GOOD);
    CHECK_EQ_INT(o.resp[0].this_update, 1796653019);
    CHECK(o.resp[0].has_next_update);
    CHECK_EQ_INT(o.resp[0].next_update, 1797257819); /* 2026-12-14T14:16:59Z */
    struct cert *leaf = load_pcaps_cert("ocsp.crt");
    struct cert *revoked_leaf = load_pcaps_cert("ocsp-revoked.crt");
    CHECK(ocsp_find(&o, leaf) == &o.resp[0]);
    CHECK(ocsp_find(&o, revoked_leaf) == NULL);

    /* every prefix is malformed (never a crash, never a made-up status) */
    for (size_t k = 0; k < n; k++) {
        struct ocsp_info p;
        CHECK_EQ_INT(ocsp_parse(der, k, &p), -1);
        CHECK(p.malformed);
        for (uint16_t i = 0; i < p.n_resp; i++) CHECK(p.resp[i].this_update != 0);
    }
    free(der);

    der = load_bytes("pki/ocsp-revoked.der", &n);
    CHECK_EQ_INT(ocsp_parse(der, n, &o), 0);
    CHECK_EQ_INT(o.n_resp, 1);
    CHECK_EQ_STR(o.resp[0].serial, "0c5902");
    CHECK_EQ_INT(o.resp[0].status, OCSP_CERT_REVOKED);
    CHECK_EQ_STR(ocsp_cert_status_name(o.resp[0].status), "revoked");
    CHECK_EQ_INT(o.resp[0].revoked_at, 1796566618); /* 2026-12-06T14:16:58Z */
    CHECK_EQ_INT(o.resp[0].reason, 1);
    CHECK_EQ_STR(ocsp_reason_name(o.resp[0].reason), "keyCompromise");
    CHECK(ocsp_find(&o, revoked_leaf) == &o.resp[0]);
    free(der);
    cert_free(leaf);
    cert_free(revoked_leaf);

    /* an error status carries no responseBytes: tryLater */
    static const uint8_t try_later[] = {0x30, 0x03, 0x0a, 0x01, 0x03};
    CHECK_EQ_INT(ocsp_parse(try_later, sizeof try_later, &o), 0);
    CHECK_EQ_STR(ocsp_response_status_name(o.response_status), "tryLater");
    CHECK_EQ_INT(o.n_resp, 0);
}

static int notes;
static void count_note(void *ctx, const char *what)
{
    (void)ctx;
    (void)what;
    notes++;
}

/* CertificateStatus bodies (RFC 6066 §8, RFC 6961) and the TLS 1.3
 * CertificateEntry extension (RFC 8446 §4.4.2.1) */
static void test_certificate_status(void)
{
    struct tls_ocsp_staple st = {0};
    static const uint8_t ocsp1[] = {1, 0, 0, 3, 0x30, 0x01, 0x00};
    CHECK_EQ_INT(tls_parse_certificate_status(&st, ocsp1, sizeof ocsp1, false, count_note, NULL),
                 TLS_OK);
    CHECK(st.present && !st.malformed && !st.in_cert_entry);
    CHECK_EQ_INT(st.status_type, 1);
    CHECK_EQ_INT(st.len, 3);
    if (st.der) CHECK_EQ_MEM(st.der, "\x30\x01\x00", 3);
    /* a second staple for the same chain is noted and ignored */
    notes = 0;
    CHECK_EQ_INT(tls_parse_certificate_status(&st, ocsp1, sizeof ocsp1, false, count_note, NULL),
                 TLS_OK);
    CHECK_EQ_INT(notes, 1);
    tls_ocsp_staple_clear(&st);

    /* ocsp_multi: the first entry of the list is the leaf's */
    static const uint8_t multi[] = {2, 0, 0, 10, 0, 0, 2, 0xaa, 0xbb, 0, 0, 2, 0xcc, 0xdd};
    CHECK_EQ_INT(tls_parse_certificate_status(&st, multi, sizeof multi, false, NULL, NULL), TLS_OK);
    CHECK_EQ_INT(st.status_type, 2);
    CHECK_EQ_INT(st.len, 2);
    if (st.der) CHECK_EQ_MEM(st.der, "\xaa\xbb", 2);
    tls_ocsp_staple_clear(&st);

    /* malformed: a length past the end, bytes after, an unknown type, empty */
    static const uint8_t overrun[] = {1, 0, 0, 9, 0x30};
    static const uint8_t trailing[] = {1, 0, 0, 1, 0x30, 0xff};
    static const uint8_t unknown[] = {7, 0, 0, 1, 0x30};
    static const uint8_t zero_len[] = {1, 0, 0, 0};
    const struct {
        const uint8_t *p;
        size_t n;
        int rc;
    } bad[] = {{overrun, sizeof overrun, TLS_EMALFORMED},
               {trailing, sizeof trailing, TLS_EMALFORMED},
               {unknown, sizeof unknown, TLS_EMALFORMED},
               {zero_len, sizeof zero_len, TLS_EMALFORMED},
               {overrun, 0, TLS_ETRUNC}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ_INT(tls_parse_certificate_status(&st, bad[i].p, bad[i].n, false, NULL, NULL),
                     bad[i].rc);
        CHECK(st.present && st.malformed && st.der == NULL);
        tls_ocsp_staple_clear(&st);
    }

    /* TLS 1.3 Certificate: context, one entry {cert, extensions {status_request}} */
    static const uint8_t cert13[] = {
        0,                         /* certificate_request_context */
        0, 0, 19,                  /* certificate_list */
        0, 0, 2, 0x30, 0x00,       /* cert_data (an empty SEQUENCE: kept as bytes) */
        0, 12,                     /* extensions */
        0, 5, 0, 8,                /* status_request, 8 bytes */
        1, 0, 0, 4, 0x30, 0x02, 0x05, 0x00};
    struct tls_certificate tc = {0};
    CHECK_EQ_INT(tls_parse_certificate(&tc, cert13, sizeof cert13, true, NULL, NULL), TLS_OK);
    CHECK_EQ_INT(tc.n, 1);
    CHECK(tc.staple.present && tc.staple.in_cert_entry && !tc.staple.malformed);
    CHECK_EQ_INT(tc.staple.len, 4);
    if (tc.staple.der) CHECK_EQ_MEM(tc.staple.der, "\x30\x02\x05\x00", 4);
    tls_certificate_clear(&tc);
    CHECK(!tc.staple.present && tc.staple.der == NULL);
}

int main(void)
{
    test_ocsp_leaf();
    test_name_constraints();
    test_hostile();
    test_ocsp_responses();
    test_certificate_status();
    return check_summary();
}
