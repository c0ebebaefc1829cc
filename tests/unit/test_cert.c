/* test_cert.c — struct cert facts against OpenSSL's reading of the same
 * fixtures (tests/fixtures/expected.h), the fallback walk, canonical names,
 * PEM output, digests and the cache. */
#include <arpa/inet.h>
#include <stdbool.h>

#include "../fixtures/expected.h"
#include "certgen.h"
#include "check.h"
#include "fixture.h"
#include "trust/cert.h"
#include "trust/der.h"

/* trust/internal.h (not included: it pulls in mbedTLS headers, which stay
 * inside trust/): parse as if mbedTLS had refused the certificate. */
struct cert *cert_parse_walk_only(const uint8_t *der, size_t len);

static struct cert *load(const char *name, int index)
{
    size_t n;
    uint8_t *der = fixture_der(name, index, &n);
    struct cert *c = cert_parse(der, n);
    free(der);
    if (!c) {
        fprintf(stderr, "cert_parse(%s) returned NULL\n", name);
        exit(1);
    }
    return c;
}

static const char *hex(const uint8_t *p, size_t n)
{
    static char buf[4][200];
    static int k;
    char *b = buf[k++ & 3];
    cert_fingerprint_hex(p, n, b, sizeof buf[0], true);
    return b;
}

static void test_leaf(void)
{
    struct cert *c = load("leaf.pem", 0);
    CHECK(c->parsed);
    CHECK_EQ_STR(c->parse_error, "");
    CHECK_EQ_INT(c->version, 3);
    CHECK_EQ_STR(c->serial, FIX_LEAF_SERIAL);
    CHECK_EQ_STR(c->serial, "1234abcd5678");
    CHECK_EQ_STR(c->subject, FIX_LEAF_SUBJECT);
    CHECK_EQ_STR(c->subject, "C=BE, ST=Flamish-Brabant, L=Diegem, O=Cisco, OU=TAC, CN=cucm.vngtp.lab");
    CHECK_EQ_STR(c->issuer, FIX_LEAF_ISSUER);
    CHECK_EQ_STR(c->subject_cn, "cucm.vngtp.lab");
    CHECK_EQ_STR(c->issuer_cn, "vngtp-intermediate-CA-1");
    CHECK_EQ_INT(c->not_before, FIX_LEAF_NOT_BEFORE);
    CHECK_EQ_INT(c->not_after, FIX_LEAF_NOT_AFTER);
    CHECK_EQ_INT(c->not_before, 1609459200); /* 2021-01-01 */
    CHECK_EQ_INT(c->key_type, CERT_KEY_RSA);
    CHECK_EQ_INT(c->key_bits, FIX_LEAF_BITS);
    CHECK_EQ_INT(c->key_bits, 2048);
    CHECK_EQ_STR(c->key_alg, "rsaEncryption");
    CHECK_EQ_STR(c->curve, "");
    CHECK_EQ_STR(c->sig_alg, FIX_LEAF_SIGALG);
    CHECK_EQ_STR(c->sig_alg, "ecdsa-with-SHA256");
    CHECK_EQ_INT(c->sig_key_type, CERT_KEY_EC);
    CHECK(!c->sig_md5);
    CHECK(c->has_san_ext);
    CHECK_EQ_INT(c->n_san_dns, 2);
    CHECK_EQ_INT(c->n_san_dns_total, 2);
    CHECK_EQ_STR(c->san_dns[0], "cucm.vngtp.lab");
    CHECK_EQ_STR(c->san_dns[1], "*.vngtp.lab");
    CHECK_EQ_INT(c->n_san_ip, 2);
    CHECK_EQ_INT(c->san_ip[0].len, 4);
    CHECK_EQ_MEM(c->san_ip[0].addr, "\x0a\x30\x24\xd7", 4); /* 10.48.36.215 */
    CHECK_EQ_INT(c->san_ip[1].len, 16);
    uint8_t v6[16];
    inet_pton(AF_INET6, "fe80::1", v6);
    CHECK_EQ_MEM(c->san_ip[1].addr, v6, 16);
    CHECK(!c->has_basic_constraints);
    CHECK(!c->is_ca);
    CHECK_EQ_INT(c->path_len, -1);
    CHECK(c->has_key_usage);
    CHECK_EQ_INT(c->key_usage, CERT_KU_DIGITAL_SIGNATURE | CERT_KU_KEY_ENCIPHERMENT);
    CHECK(c->has_eku);
    CHECK_EQ_INT(c->eku, CERT_EKU_SERVER_AUTH | CERT_EKU_CLIENT_AUTH);
    CHECK_EQ_STR(hex(c->ski, c->ski_len), FIX_LEAF_SKI);
    CHECK_EQ_STR(hex(c->aki, c->aki_len), FIX_LEAF_AKI);
    CHECK_EQ_INT(c->ski_len, 20);
    CHECK(!c->unknown_critical);
    CHECK(!c->self_issued);
    CHECK_EQ_STR(hex(c->sha256, 32), FIX_LEAF_SHA256);
    CHECK_EQ_STR(hex(c->sha1, 20), FIX_LEAF_SHA1);
    char nocolon[80];
    cert_fingerprint_hex(c->sha1, 20, nocolon, sizeof nocolon, false);
    CHECK_EQ_INT(strlen(nocolon), 40);
    cert_free(c);
}

static void test_ca_and_relations(void)
{
    struct cert *root = load("root.pem", 0), *in = load("int.pem", 0), *leaf = load("leaf.pem", 0);
    struct cert *twin = load("root-twin.pem", 0);

    CHECK_EQ_STR(root->subject, FIX_ROOT_SUBJECT);
    CHECK_EQ_STR(root->subject, "DC=lab, DC=vngtp, CN=vngtp-ACTIVE-DIR-CA");
    CHECK_EQ_INT(root->not_after, FIX_ROOT_NOT_AFTER); /* 2050: GeneralizedTime */
    CHECK_EQ_INT(root->not_after, 2524608000LL);
    CHECK(root->self_issued);
    CHECK(cert_is_self_signed(root));
    CHECK(root->has_basic_constraints && root->is_ca);
    CHECK_EQ_INT(root->path_len, -1);
    CHECK_EQ_INT(root->aki_len, 0);
    CHECK_EQ_STR(root->serial, "01");

    CHECK_EQ_INT(in->key_type, CERT_KEY_EC);
    CHECK_EQ_INT(in->key_bits, FIX_INT_BITS);
    CHECK_EQ_STR(in->curve, "secp256r1");
    CHECK_EQ_STR(in->key_alg, "id-ecPublicKey");
    CHECK_EQ_STR(in->sig_alg, FIX_INT_SIGALG);
    CHECK_EQ_INT(in->sig_key_type, CERT_KEY_RSA);
    CHECK(in->is_ca);
    CHECK_EQ_INT(in->path_len, 0);
    CHECK_EQ_INT(in->key_usage, CERT_KU_KEY_CERT_SIGN | CERT_KU_CRL_SIGN);
    CHECK_EQ_STR(hex(in->aki, in->aki_len), FIX_INT_AKI);
    CHECK_EQ_STR(hex(in->aki, in->aki_len), hex(root->ski, root->ski_len));

    CHECK(cert_could_issue(root, in));
    CHECK(cert_could_issue(in, leaf));
    CHECK(!cert_could_issue(root, leaf));
    CHECK(!cert_could_issue(leaf, in));
    CHECK(cert_signature_ok(root, in));
    CHECK(cert_signature_ok(in, leaf));
    CHECK(!cert_signature_ok(root, leaf));
    CHECK(cert_signature_ok(root, root));

    /* Same name, different key: the canonical names are equal, the AKI
     * tells them apart (VERIFY-SPEC: CSCwa12905 is only a lint). */
    CHECK_EQ_STR(twin->subject, root->subject);
    CHECK(twin->subject_canon_len == root->subject_canon_len &&
          memcmp(twin->subject_canon, root->subject_canon, root->subject_canon_len) == 0);
    CHECK(cert_is_self_signed(twin));
    CHECK(!cert_could_issue(twin, in));
    CHECK(!cert_signature_ok(twin, in));
    cert_free(root);
    cert_free(in);
    cert_free(leaf);
    cert_free(twin);
}

static void test_special_certs(void)
{
    struct cert *root = load("root.pem", 0);
    struct cert *c = load("critical-ext.pem", 0);
    CHECK(c->parsed); /* accepted through the ext callback, judged as 34 later */
    CHECK(c->unknown_critical);
    CHECK_EQ_STR(c->unknown_critical_oid, "1.3.6.1.4.1.99999.1");
    cert_free(c);

    c = load("pss-leaf.pem", 0);
    CHECK(c->parsed);
    CHECK_EQ_STR(c->sig_alg, FIX_PSS_LEAF_SIGALG);
    CHECK_EQ_STR(c->sig_alg, "rsassaPss");
    CHECK_EQ_INT(c->sig_key_type, CERT_KEY_RSA);
    CHECK(cert_could_issue(root, c));
    CHECK(cert_signature_ok(root, c));
    cert_free(c);

    c = load("md5-int.pem", 0);
    CHECK_EQ_STR(c->sig_alg, FIX_MD5_INT_SIGALG);
    CHECK_EQ_STR(c->sig_alg, "md5WithRSAEncryption");
    CHECK(c->sig_md5);
    CHECK(cert_signature_ok(root, c));
    cert_free(c);

    c = load("weak-leaf.pem", 0);
    CHECK_EQ_INT(c->key_bits, FIX_WEAK_LEAF_BITS);
    CHECK_EQ_INT(c->key_bits, 512);
    cert_free(c);

    c = load("eku-client.pem", 0);
    CHECK(c->has_eku);
    CHECK_EQ_INT(c->eku, CERT_EKU_CLIENT_AUTH);
    cert_free(c);

    c = load("selfsigned-ec.pem", 0);
    CHECK(cert_is_self_signed(c));
    CHECK(cert_signature_ok(c, c));
    CHECK_EQ_STR(c->subject, FIX_SELFSIGNED_EC_SUBJECT);
    CHECK_EQ_STR(c->serial, FIX_SELFSIGNED_EC_SERIAL);
    cert_free(c);

    /* BMPString CN (converted to UTF-8), multi-valued RDN (", " as OpenSSL
     * 1.1.1 prints it), emailAddress after "/" (X509_NAME_print). OpenSSL
     * itself would print the BMP bytes as \x00 escapes. */
    c = load("oddname.pem", 0);
    CHECK_EQ_STR(c->subject, "C=BE, O=Multi, OU=Valued, CN=Bmp \xc3\xa9t\xc3\xa9/emailAddress=pki@vngtp.lab");
    CHECK_EQ_STR(c->subject_cn, "Bmp \xc3\xa9t\xc3\xa9");
    CHECK_EQ_STR(c->serial, FIX_ODDNAME_SERIAL);
    cert_free(c);
    cert_free(root);
}

/* mbedTLS 2.28 cannot parse Ed25519: the certificate is still described. */
static void test_unparsable(void)
{
    struct cert *c = load("ed25519.pem", 0);
    CHECK(!c->parsed);
    CHECK_EQ_STR(c->parse_error, "mbedTLS: X509 - Signature algorithm (oid) is unsupported : "
                                 "OID - OID is not found");
    CHECK_EQ_STR(hex(c->sha256, 32), FIX_ED25519_SHA256);
    CHECK_EQ_STR(hex(c->sha1, 20), FIX_ED25519_SHA1);
    CHECK_EQ_STR(c->subject, FIX_ED25519_SUBJECT);
    CHECK_EQ_STR(c->issuer, FIX_ED25519_ISSUER);
    CHECK_EQ_STR(c->serial, FIX_ED25519_SERIAL);
    CHECK_EQ_INT(c->not_before, FIX_ED25519_NOT_BEFORE);
    CHECK_EQ_INT(c->not_after, FIX_ED25519_NOT_AFTER);
    CHECK_EQ_INT(c->key_type, CERT_KEY_ED25519);
    CHECK_EQ_STR(c->key_alg, "ED25519");
    CHECK_EQ_STR(c->sig_alg, FIX_ED25519_SIGALG);
    CHECK_EQ_INT(c->sig_key_type, CERT_KEY_ED25519);
    CHECK_EQ_INT(c->n_san_dns, 1);
    CHECK_EQ_STR(c->san_dns[0], "ed25519.vngtp.lab");
    CHECK_EQ_INT(c->n_san_ip, 1);
    CHECK_EQ_MEM(c->san_ip[0].addr, "\xc0\x00\x02\x07", 4);
    CHECK(c->is_ca);
    CHECK_EQ_STR(hex(c->ski, c->ski_len), FIX_ED25519_SKI);
    CHECK(cert_is_self_signed(c));
    CHECK(!cert_signature_ok(c, c)); /* cannot be checked: never "ok" */
    cert_free(c);

    /* Broken DER: fingerprints and a reason, nothing else. */
    static const uint8_t broken[] = {0x30, 0x82, 0x01, 0x00, 0x30, 0x03, 0x02, 0x01};
    c = cert_parse(broken, sizeof broken);
    CHECK(c != NULL);
    CHECK(!c->parsed);
    CHECK_EQ_STR(c->parse_error, "mbedTLS: X509 - The CRT/CRL/CSR format is invalid, e.g. "
                                 "different type expected");
    CHECK_EQ_STR(c->subject, "");
    CHECK_EQ_STR(c->serial, "");
    uint8_t sha[32];
    digest_sha256(broken, sizeof broken, sha);
    CHECK_EQ_MEM(c->sha256, sha, 32);
    CHECK(!cert_is_self_signed(c));
    cert_free(c);
    CHECK(cert_parse(broken, 0) == NULL);
}

/* The fallback walk (used when mbedTLS refuses a certificate) must read
 * every certificate exactly as the mbedTLS path does. */
static void test_walk_matches_mbedtls(void)
{
    static const char *const files[] = {
        "leaf.pem", "int.pem", "root.pem", "critical-ext.pem", "pss-leaf.pem", "md5-int.pem",
        "weak-leaf.pem", "eku-client.pem", "selfsigned-ec.pem", "oddname.pem", "int-cafalse.pem",
        "cn-ip.pem", "expired-leaf.pem", "subint.pem", "leaf-direct.pem"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        size_t n;
        uint8_t *der = fixture_der(files[i], 0, &n);
        struct cert *a = cert_parse(der, n), *b = cert_parse_walk_only(der, n);
        free(der);
        CHECK(a->parsed && !b->parsed);
        CHECK_EQ_STR(b->parse_error, "mbedTLS: not used");
        CHECK_EQ_INT(a->version, b->version);
        CHECK_EQ_STR(a->serial, b->serial);
        CHECK_EQ_STR(a->subject, b->subject);
        CHECK_EQ_STR(a->issuer, b->issuer);
        CHECK(a->subject_canon_len == b->subject_canon_len &&
              !memcmp(a->subject_canon, b->subject_canon, a->subject_canon_len));
        CHECK_EQ_INT(a->not_before, b->not_before);
        CHECK_EQ_INT(a->not_after, b->not_after);
        CHECK_EQ_INT(a->key_type, b->key_type);
        CHECK_EQ_INT(a->key_bits, b->key_bits);
        CHECK_EQ_STR(a->sig_alg, b->sig_alg);
        CHECK_EQ_INT(a->n_san_dns, b->n_san_dns);
        CHECK_EQ_INT(a->n_san_ip, b->n_san_ip);
        CHECK_EQ_INT(a->has_basic_constraints, b->has_basic_constraints);
        CHECK_EQ_INT(a->is_ca, b->is_ca);
        CHECK_EQ_INT(a->path_len, b->path_len);
        CHECK_EQ_INT(a->has_key_usage, b->has_key_usage);
        CHECK_EQ_INT(a->key_usage, b->key_usage);
        CHECK_EQ_INT(a->has_eku, b->has_eku);
        CHECK_EQ_INT(a->eku, b->eku);
        CHECK_EQ_INT(a->ski_len, b->ski_len);
        CHECK_EQ_MEM(a->ski, b->ski, a->ski_len);
        CHECK_EQ_INT(a->aki_len, b->aki_len);
        CHECK_EQ_MEM(a->aki, b->aki, a->aki_len);
        CHECK_EQ_INT(a->unknown_critical, b->unknown_critical);
        CHECK_EQ_STR(a->unknown_critical_oid, b->unknown_critical_oid);
        CHECK_EQ_INT(a->self_issued, b->self_issued);
        cert_free(a);
        cert_free(b);
    }
}

static bool canon_eq(const struct cert *a, const struct cert *b)
{
    return a->subject_canon_len == b->subject_canon_len &&
           memcmp(a->subject_canon, b->subject_canon, a->subject_canon_len) == 0;
}

static struct cert *with_subject(struct slice subject)
{
    struct slice der = cg_cert(subject, cg_name_cn("Test CA"), CG_EMPTY);
    return cert_parse(der.p, der.n);
}

#define AVA(oid, tag, val) CG(0x30, CG(0x06, CGB(oid)), CG(tag, CGB(val)))
#define OID_CN "\x55\x04\x03"
#define OID_O "\x55\x04\x0a"
#define OID_OU "\x55\x04\x0b"

/* OpenSSL x509_name_canon: UTF-8, ASCII lower case, trimmed, inner white
 * space runs collapsed; RDN structure and non-string types preserved. */
static void test_canonical_names(void)
{
    cg_reset();
    struct cert *a = with_subject(CG(0x30, CG(0x31, AVA(OID_CN, 0x0c, "  Test \t  ROOT \n"))));
    struct cert *b = with_subject(CG(0x30, CG(0x31, AVA(OID_CN, 0x13, "test root"))));
    struct cert *c = with_subject(CG(0x30, CG(0x31, AVA(OID_CN, 0x1e, "\0T\0E\0S\0T\0 \0r\0o\0o\0t"))));
    struct cert *d = with_subject(CG(0x30, CG(0x31, AVA(OID_CN, 0x0c, "test root2"))));
    struct cert *e = with_subject(CG(0x30, CG(0x31, AVA(OID_CN, 0x12, "123"))));
    struct cert *f = with_subject(CG(0x30, CG(0x31, AVA(OID_CN, 0x0c, "123"))));
    struct cert *g = with_subject(CG(0x30, CG(0x31, AVA(OID_CN, 0x0c, "\xc3\x89" "cole"))));
    struct cert *h = with_subject(CG(0x30, CG(0x31, AVA(OID_CN, 0x0c, "\xc3\xa9" "cole"))));
    struct cert *m1 = with_subject(CG(0x30, CG(0x31, AVA(OID_O, 0x0c, "a"), AVA(OID_OU, 0x0c, "b"))));
    struct cert *m2 = with_subject(CG(0x30, CG(0x31, AVA(OID_OU, 0x13, "B"), AVA(OID_O, 0x0c, "A"))));
    struct cert *m3 = with_subject(CG(0x30, CG(0x31, AVA(OID_O, 0x0c, "a")), CG(0x31, AVA(OID_OU, 0x0c, "b"))));
    CHECK(canon_eq(a, b));
    CHECK(canon_eq(a, c));
    CHECK(!canon_eq(a, d));
    CHECK(!canon_eq(e, f));   /* NumericString is not canonicalised */
    CHECK(!canon_eq(g, h));   /* only ASCII is lower-cased */
    CHECK(canon_eq(m1, m2));  /* a multi-valued RDN is a set */
    CHECK(!canon_eq(m1, m3)); /* ... and not the same as two RDNs */
    CHECK_EQ_STR(a->subject, "CN=  Test \t  ROOT \n");
    CHECK_EQ_STR(c->subject, "CN=TEST root");
    CHECK_EQ_STR(m1->subject, "O=a, OU=b");
    struct cert *all[] = {a, b, c, d, e, f, g, h, m1, m2, m3};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) cert_free(all[i]);
}

static void test_pem_and_digests(void)
{
    struct cert *c = load("leaf.pem", 0);
    size_t flen, written;
    char *file = fixture_text("leaf.pem", &flen);
    char *out = malloc(flen + 100);
    CHECK_EQ_INT(cert_write_pem(c, out, flen + 100, &written), 0);
    CHECK_EQ_INT(written, flen);
    CHECK_EQ_STR(out, file);
    CHECK_EQ_INT(cert_write_pem(c, out, 10, &written), -1);
    CHECK_EQ_INT(written, flen);
    free(out);
    free(file);
    cert_free(c);

    uint8_t md[32];
    digest_md5("abc", 3, md);
    CHECK_EQ_MEM(md, "\x90\x01\x50\x98\x3c\xd2\x4f\xb0\xd6\x96\x3f\x7d\x28\xe1\x7f\x72", 16);
    digest_sha256("abc", 3, md);
    CHECK_EQ_MEM(md, "\xba\x78\x16\xbf\x8f\x01\xcf\xea\x41\x41\x40\xde\x5d\xae\x22\x23"
                     "\xb0\x03\x61\xa3\x96\x17\x7a\x9c\xb4\x10\xff\x61\xf2\x00\x15\xad", 32);
}

static void test_cache(void)
{
    size_t na, nb, nc;
    uint8_t *da = fixture_der("leaf.pem", 0, &na), *db = fixture_der("int.pem", 0, &nb),
            *dc = fixture_der("root.pem", 0, &nc);
    struct cert_cache *cc = certcache_new(2);
    const struct cert *a = certcache_intern(cc, da, na);
    const struct cert *a2 = certcache_intern(cc, da, na);
    CHECK(a == a2); /* parsed once */
    CHECK_EQ_INT(a->refs, 2);
    CHECK_EQ_INT(certcache_count(cc), 1);
    certcache_unref(cc, a2);
    const struct cert *b = certcache_intern(cc, db, nb);
    const struct cert *c = certcache_intern(cc, dc, nc);
    CHECK_EQ_INT(certcache_count(cc), 3); /* all referenced: nothing to evict */
    certcache_unref(cc, a);               /* a is unreferenced: evicted above the cap */
    CHECK_EQ_INT(certcache_count(cc), 2);
    certcache_unref(cc, b);               /* at the cap: kept */
    CHECK_EQ_INT(certcache_count(cc), 2);
    cert_ref(b);                          /* back in use */
    certcache_unref(cc, b);
    const struct cert *a3 = certcache_intern(cc, da, na); /* re-parsed; b (LRU) goes */
    CHECK_EQ_INT(certcache_count(cc), 2);
    CHECK_EQ_STR(a3->subject_cn, "cucm.vngtp.lab");
    const struct cert *b2 = certcache_intern(cc, db, nb);
    CHECK_EQ_INT(certcache_count(cc), 3);
    CHECK_EQ_STR(b2->subject_cn, "vngtp-intermediate-CA-1");
    CHECK(certcache_intern(cc, da, 0) == NULL);
    (void)c;
    certcache_free(cc);
    free(da);
    free(db);
    free(dc);
}

/* The signature memo: per child certificate, keyed by the issuer's
 * fingerprint; its answers must equal a fresh verification in any order of
 * issuers, including the same-named twin and more issuers than memo slots. */
static void test_signature_memo(void)
{
    struct cert *root = load("root.pem", 0);
    struct cert *twin = load("root-twin.pem", 0);
    struct cert *in = load("int.pem", 0);
    struct cert *leaf = load("leaf.pem", 0);
    struct cert *bad = load("badsig-leaf.pem", 0);
    const struct cert *order[] = {twin, root, root, twin, leaf, root, twin, in, root, twin};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        bool want = cert_signature_ok_uncached(order[i], in);
        CHECK_EQ_INT(cert_signature_ok(order[i], in), want);
        CHECK_EQ_INT(cert_signature_ok(order[i], in), want);
    }
    CHECK(cert_signature_ok_uncached(root, in));
    CHECK(!cert_signature_ok_uncached(twin, in));
    CHECK(cert_signature_ok(root, in));
    CHECK(!cert_signature_ok(twin, in));
    /* a bad signature stays bad when asked again */
    CHECK(cert_could_issue(in, bad));
    CHECK(!cert_signature_ok(in, bad));
    CHECK(!cert_signature_ok(in, bad));
    CHECK(cert_signature_ok(in, leaf));
    CHECK(cert_signature_ok(in, leaf));
    cert_free(root);
    cert_free(twin);
    cert_free(in);
    cert_free(leaf);
    cert_free(bad);
}

/* The cache's recent-certificate slots are a shortcut keyed by the DER's
 * length and tail: byte strings that share both must still be told apart,
 * and an evicted certificate must not be handed out again. */
static void test_cache_recent(void)
{
    uint8_t a[300], b[300];
    memset(a, 0x30, sizeof a);
    memcpy(b, a, sizeof b);
    b[10] = 0x31; /* same length, same last 16 bytes */
    struct cert_cache *cc = certcache_new(1);
    const struct cert *ca = certcache_intern(cc, a, sizeof a);
    const struct cert *cb = certcache_intern(cc, b, sizeof b);
    CHECK(ca && cb && ca != cb);
    CHECK(memcmp(ca->sha256, cb->sha256, 32) != 0);
    CHECK(certcache_intern(cc, a, sizeof a) == ca);
    CHECK(certcache_intern(cc, b, sizeof b) == cb);
    CHECK_EQ_INT(ca->refs, 2);
    CHECK_EQ_INT(cb->refs, 2);
    CHECK_EQ_INT(certcache_count(cc), 2);
    for (int i = 0; i < 2; i++) certcache_unref(cc, ca); /* evicted: over the cap of 1 */
    CHECK_EQ_INT(certcache_count(cc), 1);
    const struct cert *ca2 = certcache_intern(cc, a, sizeof a); /* parsed again */
    CHECK(ca2 != NULL);
    CHECK_EQ_INT(ca2->refs, 1);
    CHECK_EQ_INT(certcache_count(cc), 2);
    uint8_t want[32];
    digest_sha256(a, sizeof a, want);
    CHECK_EQ_MEM(ca2->sha256, want, 32);
    certcache_free(cc);
}

/* The byte budget: unreferenced certificates go while the estimate is over
 * it, referenced ones stay whatever it says. */
static void test_cache_bytes(void)
{
    const char *names[] = {"leaf.pem", "int.pem", "root.pem", "root-twin.pem", "selfsigned-ec.pem"};
    const struct cert *c[5];
    size_t w[5];
    struct cert_cache *cc = certcache_new(1000);
    size_t total = 0;
    for (int i = 0; i < 5; i++) {
        size_t n;
        uint8_t *der = fixture_der(names[i], 0, &n);
        c[i] = certcache_intern(cc, der, n);
        free(der);
        w[i] = certcache_bytes(cc) - total;
        total = certcache_bytes(cc);
        /* the estimate is an upper bound: at least 4 KiB plus 6x the DER */
        CHECK(w[i] >= 4096 + 6 * (size_t)c[i]->der_len);
    }
    CHECK_EQ_INT(certcache_count(cc), 5);
    certcache_limit_bytes(cc, 1);            /* all referenced: nothing goes */
    CHECK_EQ_INT(certcache_count(cc), 5);
    CHECK_EQ_INT(certcache_bytes(cc), total);
    certcache_limit_bytes(cc, w[0] + w[1] + w[2]);
    certcache_unref(cc, c[3]);               /* over the budget: evicted */
    CHECK_EQ_INT(certcache_count(cc), 4);
    CHECK_EQ_INT(certcache_bytes(cc), total - w[3]);
    certcache_unref(cc, c[4]);
    CHECK_EQ_INT(certcache_count(cc), 3);
    certcache_unref(cc, c[2]);               /* at the budget now: kept */
    CHECK_EQ_INT(certcache_count(cc), 3);
    CHECK_EQ_INT(certcache_bytes(cc), w[0] + w[1] + w[2]);
    certcache_limit_bytes(cc, w[0] + w[1]);  /* lowering it evicts at once */
    CHECK_EQ_INT(certcache_count(cc), 2);
    certcache_limit_bytes(cc, 0);            /* no byte limit */
    certcache_unref(cc, c[0]);
    certcache_unref(cc, c[1]);
    CHECK_EQ_INT(certcache_count(cc), 2);
    certcache_free(cc);
}

/* Issue #11: certificates mbedTLS refuses as a whole are still read, and
 * their signatures checked where mbedTLS has the algorithm. */
static void test_beyond_mbedtls(void)
{
    struct cert *root = load("fidelity/root.pem", 0);
    static const char *const odd[] = {"fidelity/key-ed25519.pem", "fidelity/key-ed448.pem",
                                      "fidelity/key-secp160r1.pem", "fidelity/key-rsapss.pem",
                                      "fidelity/key-ecexplicit.pem"};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        struct cert *c = load(odd[i], 0);
        CHECK(cert_could_issue(root, c));
        CHECK_EQ_INT(cert_signature_check_uncached(root, c), CERT_SIG_OK);
        /* its own key: only the RSA-PSS one is usable to mbedTLS (and then
         * refuses the root's PKCS #1 v1.5 signature) */
        CHECK_EQ_INT(cert_signature_check_uncached(c, c),
                     i == 3 ? CERT_SIG_BAD : CERT_SIG_UNCHECKABLE);
        cert_free(c);
    }
    struct cert *ex = load("fidelity/key-ecexplicit.pem", 0);
    CHECK_EQ_INT(ex->key_type, CERT_KEY_EC);
    CHECK_EQ_STR(ex->curve, "explicit");
    CHECK_EQ_INT(ex->key_bits, 256); /* the order's size, as OpenSSL counts it */
    cert_free(ex);
    /* the RSA-PSS-key CA verifies its RSASSA-PSS signature on the leaf */
    struct cert *pss = load("fidelity/pss-ca.pem", 0), *pleaf = load("fidelity/pss-ca-leaf.pem", 0);
    CHECK(!pss->parsed); /* mbedTLS 2.28 has no id-RSASSA-PSS keys */
    CHECK_EQ_STR(pss->key_alg, "rsassaPss");
    CHECK_EQ_INT(pss->key_bits, 2048);
    CHECK_EQ_INT(cert_signature_check_uncached(root, pss), CERT_SIG_OK);
    CHECK_EQ_INT(cert_signature_check_uncached(pss, pleaf), CERT_SIG_OK);
    CHECK_EQ_INT(cert_signature_check_uncached(root, pleaf), CERT_SIG_BAD);
    cert_free(pss);
    cert_free(pleaf);
    /* EdDSA: uncheckable, with the reason */
    struct cert *ed = load("fidelity/ed-root.pem", 0), *eleaf = load("fidelity/ed-leaf.pem", 0);
    char why[120];
    CHECK_EQ_INT(cert_signature_check(ed, eleaf), CERT_SIG_UNCHECKABLE);
    CHECK_EQ_INT(cert_signature_check(ed, eleaf), CERT_SIG_UNCHECKABLE); /* memo */
    cert_signature_why(ed, eleaf, why, sizeof why);
    CHECK_EQ_STR(why, "mbedTLS 2.28 cannot verify ED25519 signatures");
    cert_signature_why(ed, root, why, sizeof why);
    CHECK_EQ_STR(why, "mbedTLS 2.28 cannot use the ED25519 key of the issuer");
    cert_free(ed);
    cert_free(eleaf);
    /* a duplicate extension: described, but it neither issues nor is issued
     * (OpenSSL 1.1.1 EXFLAG_INVALID) */
    struct cert *dup = load("fidelity/dup-ext.pem", 0);
    CHECK_EQ_STR(dup->subject_cn, "dup.fidelity.lab");
    CHECK_EQ_INT(dup->n_san_dns, 1);
    CHECK(!cert_could_issue(root, dup));
    cert_free(dup);
    /* a UTCTime without seconds still reads (2021-01-01T00:00), for display */
    struct cert *t = load("fidelity/time-nosec.pem", 0);
    CHECK_EQ_INT(t->not_before, 1609459200);
    CHECK_EQ_INT(t->not_after, 1924992000);
    cert_free(t);
    cert_free(root);
}

/* der_time() reads what OpenSSL's lenient ASN1_TIME_to_tm() reads, and
 * refuses what it refuses (3.0's issuer choice compares notAfter with it). */
static void test_der_time_openssl(void)
{
    static const struct {
        uint8_t tag;
        const char *text;
        long long want; /* -1: DER_EMALFORMED */
    } cases[] = {
        {DER_UTCTIME, "240101120000Z", 1704110400},
        {DER_UTCTIME, "2401011200Z", 1704110400},          /* no seconds */
        {DER_UTCTIME, "240101120000+0130", 1704105000},    /* local time, 1h30 east */
        {DER_UTCTIME, "240101120000-0500", 1704128400},
        {DER_UTCTIME, "991231235959Z", 946684799},         /* YY >= 50: 19YY */
        {DER_GENERALIZEDTIME, "20240101120000.5Z", 1704110400},
        {DER_GENERALIZEDTIME, "202401011200Z", 1704110400},
        {DER_GENERALIZEDTIME, "20240229120000Z", 1709208000}, /* leap day */
        {DER_UTCTIME, "241301120000Z", -1},                /* month 13 */
        {DER_UTCTIME, "240230120000Z", -1},                /* 30 February */
        {DER_GENERALIZEDTIME, "20230229120000Z", -1},      /* not a leap year */
        {DER_UTCTIME, "240101120060Z", -1},                /* seconds 60 */
        {DER_UTCTIME, "240101240000Z", -1},
        {DER_GENERALIZEDTIME, "20240101120000.Z", -1},     /* fraction without digits */
        {DER_GENERALIZEDTIME, "20240101120000,5Z", -1},    /* only '.' */
        {DER_UTCTIME, "240101120000+1300", -1},            /* offset hours <= 12 */
        {DER_UTCTIME, "240101120000+013", -1},
        {DER_UTCTIME, "240101120000z", -1},
        {DER_UTCTIME, "240101120000Z0", -1},
        {DER_UTCTIME, "2401011200", -1},                   /* no time zone */
        {DER_UTCTIME, "24010112Z", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct cursor v = cur_init(cases[i].text, strlen(cases[i].text));
        int64_t t = -1;
        int rc = der_time(cases[i].tag, &v, &t);
        if (cases[i].want < 0) {
            CHECK_EQ_INT(rc, DER_EMALFORMED);
        } else {
            CHECK_EQ_INT(rc, 0);
            CHECK_EQ_INT(t, cases[i].want);
        }
    }
}

int main(void)
{
    test_der_time_openssl();
    test_beyond_mbedtls();
    test_leaf();
    test_ca_and_relations();
    test_special_certs();
    test_unparsable();
    test_walk_matches_mbedtls();
    test_canonical_names();
    test_pem_and_digests();
    test_cache();
    test_signature_memo();
    test_cache_recent();
    test_cache_bytes();
    return check_summary();
}
