/* test_store.c — loading trust stores in the forms users have them, the
 * error texts, caps, and the lint findings. */
#include <stdbool.h>
#include <unistd.h>

#include "../fixtures/expected.h"
#include "check.h"
#include "fixture.h"
#include "trust/store.h"

static const char *fp(const struct cert *c)
{
    static char buf[100];
    cert_fingerprint_hex(c->sha256, 32, buf, sizeof buf, true);
    return buf;
}

static void test_bundle_with_junk(void)
{
    struct trust_store st;
    char err[256];
    store_init(&st);
    /* CRLF, comments, `openssl x509 -text` lines, a private key block and
     * trailing words around two certificates */
    CHECK_EQ_INT(store_load(&st, fixture_path("bundle-junk.pem"), err, sizeof err), 0);
    CHECK_EQ_STR(err, "");
    CHECK_EQ_INT(st.n, 2);
    CHECK_EQ_INT(store_count(&st), 2);
    CHECK_EQ_STR(st.entries[0].cert->subject_cn, "vngtp-ACTIVE-DIR-CA");
    CHECK_EQ_STR(fp(st.entries[0].cert), FIX_ROOT_SHA256);
    CHECK_EQ_INT(st.entries[0].index, 0);
    CHECK_EQ_STR(st.entries[1].cert->subject_cn, "vngtp-intermediate-CA-1");
    CHECK_EQ_INT(st.entries[1].index, 1);
    CHECK_EQ_STR(st.entries[1].file, fixture_path("bundle-junk.pem"));
    CHECK_EQ_INT(st.n_sources, 1);
    CHECK_EQ_STR(st.sources[0], fixture_path("bundle-junk.pem"));

    /* a second source adds to the same store */
    CHECK_EQ_INT(store_load(&st, fixture_path("root.der"), err, sizeof err), 0);
    CHECK_EQ_INT(st.n, 3);
    CHECK_EQ_STR(fp(st.entries[2].cert), FIX_ROOT_SHA256);
    CHECK_EQ_INT(st.n_sources, 2);
    store_free(&st);
    CHECK_EQ_INT(st.n, 0);
}

static void test_directory(void)
{
    struct trust_store st;
    char err[256];
    store_init(&st);
    /* a-root.crt (DER), b-int.pem, README (no certificate: skipped),
     * c-link.0 -> a-root.crt (c_rehash style link: read once) */
    CHECK_EQ_INT(store_load(&st, fixture_path("store-dir"), err, sizeof err), 0);
    CHECK_EQ_INT(st.n, 2);
    if (st.n == 2) {
        CHECK_EQ_STR(fp(st.entries[0].cert), FIX_ROOT_SHA256);
        CHECK_EQ_STR(st.entries[0].file, fixture_path("store-dir/a-root.crt"));
        CHECK_EQ_STR(fp(st.entries[1].cert), FIX_INT_SHA256);
    }
    store_free(&st);
}

static void test_errors(void)
{
    struct trust_store st;
    char err[256];
    store_init(&st);
    CHECK_EQ_INT(store_load(&st, "/nonexistent/store.pem", err, sizeof err), -1);
    CHECK_EQ_STR(err, "/nonexistent/store.pem: No such file or directory");
    char want[600];
    snprintf(want, sizeof want, "%s: no certificates found", fixture_path("empty.pem"));
    CHECK_EQ_INT(store_load(&st, fixture_path("empty.pem"), err, sizeof err), -1);
    CHECK_EQ_STR(err, want);
    CHECK_EQ_INT(st.n, 0);
    store_free(&st);
}

static void test_system(void)
{
    struct trust_store st;
    char err[256];
    if (access("/etc/ssl/certs/ca-certificates.crt", R_OK) != 0) {
        printf("skipping: no /etc/ssl/certs/ca-certificates.crt\n");
        return;
    }
    store_init(&st);
    CHECK_EQ_INT(store_load(&st, "system", err, sizeof err), 0);
    CHECK(st.n > 50);
    CHECK_EQ_STR(st.sources[0], "system");
    CHECK_EQ_STR(st.entries[0].file, "/etc/ssl/certs/ca-certificates.crt");
    store_free(&st);
}

static char *write_temp(const char *content, size_t len)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/tlsscope-test-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, content, len) != (ssize_t)len) {
        perror("temp file");
        exit(2);
    }
    close(fd);
    return path;
}

/* Issue #17 item 5: a DER private key given as the store (PKCS#8, PKCS#1
 * RSA, RFC 5915 EC) was taken as one unparsable certificate and every
 * connection "failed"; like a PEM key it is a clear error. A certificate's
 * first element is the tbsCertificate SEQUENCE, a key's is an INTEGER. */
static void test_der_private_key(void)
{
    static const struct { const char *what; const char *der; size_t len; } keys[] = {
        {"PKCS#8", "\x30\x0d\x02\x01\x00\x30\x05\x06\x03\x2b\x65\x70\x04\x01\x00", 15},
        {"RSA", "\x30\x06\x02\x01\x00\x02\x01\x05", 8},
        {"EC", "\x30\x06\x02\x01\x01\x04\x01\x07", 8},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char *path = write_temp(keys[i].der, keys[i].len);
        struct trust_store st;
        char err[600], want[700];
        store_init(&st);
        CHECK_EQ_INT(store_load(&st, path, err, sizeof err), -1);
        snprintf(want, sizeof want,
                 "%s: a private key (DER), not a certificate: give the CA certificates "
                 "(PEM or DER)", path);
        CHECK_EQ_STR(err, want);
        CHECK_EQ_INT(st.n, 0);
        store_free(&st);
        unlink(path);

    }
}

static void test_trusted_certificate_and_cap(void)
{
    /* OpenSSL's "TRUSTED CERTIFICATE": the certificate followed by trust
     * settings; only the certificate is taken. */
    size_t n;
    uint8_t *der = fixture_der("root.pem", 0, &n);
    uint8_t *aux = malloc(n + 8);
    memcpy(aux, der, n);
    memcpy(aux + n, "\x30\x06\x30\x04\x06\x02\x2b\x06", 8);
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t m = n + 8, o = 0;
    char *pem = malloc(m * 2 + 200);
    o += (size_t)sprintf(pem, "-----BEGIN TRUSTED CERTIFICATE-----\n");
    for (size_t i = 0; i < m; i += 3) {
        uint32_t v = (uint32_t)aux[i] << 16 | (i + 1 < m ? aux[i + 1] << 8 : 0) | (i + 2 < m ? aux[i + 2] : 0);
        pem[o++] = b64[v >> 18 & 63];
        pem[o++] = b64[v >> 12 & 63];
        pem[o++] = i + 1 < m ? b64[v >> 6 & 63] : '=';
        pem[o++] = i + 2 < m ? b64[v & 63] : '=';
        if ((i / 3) % 16 == 15) pem[o++] = '\n';
    }
    o += (size_t)sprintf(pem + o, "\n-----END TRUSTED CERTIFICATE-----\n");
    char *path = write_temp(pem, o);
    struct trust_store st;
    char err[256];
    store_init(&st);
    CHECK_EQ_INT(store_load(&st, path, err, sizeof err), 0);
    CHECK_EQ_INT(st.n, 1);
    CHECK(st.entries[0].cert && st.entries[0].cert->parsed);
    CHECK_EQ_STR(fp(st.entries[0].cert), FIX_ROOT_SHA256);
    store_free(&st);
    unlink(path);
    free(pem);
    free(aux);
    free(der);

    /* STORE_MAX_CERTS: one more than allowed */
    size_t flen;
    char *one = fixture_text("root.pem", &flen);
    char *big = malloc(flen * (STORE_MAX_CERTS + 1) + 1);
    for (int i = 0; i <= STORE_MAX_CERTS; i++) memcpy(big + (size_t)i * flen, one, flen);
    path = write_temp(big, flen * (STORE_MAX_CERTS + 1));
    store_init(&st);
    char want[300];
    snprintf(want, sizeof want, "%s: more than 4096 certificates (STORE_MAX_CERTS)", path);
    CHECK_EQ_INT(store_load(&st, path, err, sizeof err), -1);
    CHECK_EQ_STR(err, want);
    CHECK_EQ_INT(st.n, STORE_MAX_CERTS);
    store_free(&st);
    unlink(path);
    free(big);
    free(one);
}

struct lint_log {
    int n;
    enum store_lint_kind kind[32];
    int index[32];
    int other[32];
    char msg[32][512];
};

static void collect(void *arg, const struct store_lint *item)
{
    struct lint_log *l = arg;
    if (l->n >= 32) return;
    l->kind[l->n] = item->kind;
    l->index[l->n] = item->entry->index;
    l->other[l->n] = item->other ? item->other->index : -1;
    snprintf(l->msg[l->n], sizeof l->msg[0], "%s", item->message);
    l->n++;
}

/* Issue #11: a bundle of a root and its three intermediates is not an
 * "intermediate without its root", in either order; an intermediate alone
 * is, and the message names what is missing. */
static void test_lint_roots(void)
{
    static const char *const orders[2][4] = {
        {"fidelity/root.pem", "fidelity/nc-dns-ca.pem", "fidelity/nc-excl-ca.pem", "fidelity/nc-ip-ca.pem"},
        {"fidelity/nc-dns-ca.pem", "fidelity/nc-excl-ca.pem", "fidelity/nc-ip-ca.pem", "fidelity/root.pem"},
    };
    char err[256], want[700];
    for (int o = 0; o < 2; o++) {
        struct trust_store st;
        struct lint_log l = {0};
        store_init(&st);
        for (int i = 0; i < 4; i++)
            CHECK_EQ_INT(store_load(&st, fixture_path(orders[o][i]), err, sizeof err), 0);
        CHECK_EQ_INT(store_lint(&st, FIX_T_CAPTURE, collect, &l), 0);
        store_free(&st);
    }
    struct trust_store st;
    struct lint_log l = {0};
    store_init(&st);
    CHECK_EQ_INT(store_load(&st, fixture_path("int.pem"), err, sizeof err), 0);
    CHECK_EQ_INT(store_lint(&st, FIX_T_CAPTURE, collect, &l), 1);
    CHECK_EQ_INT(l.kind[0], STORE_LINT_NOT_SELF_SIGNED);
    snprintf(want, sizeof want,
             "%s #0 (CN=vngtp-intermediate-CA-1) is not self-signed and the store lacks its issuer "
             "(issuer DC=lab, DC=vngtp, CN=vngtp-ACTIVE-DIR-CA): it is not an anchor on its own - "
             "a chain through it fails (\"unable to get issuer certificate\") until that root is "
             "added", fixture_path("int.pem"));
    CHECK_EQ_STR(l.msg[0], want);
    store_free(&st);
}

static void test_lint(void)
{
    struct trust_store st;
    char err[256];
    store_init(&st);
    /* root, root-twin (same CN), int, leaf, root again, ed25519, garbage */
    CHECK_EQ_INT(store_load(&st, fixture_path("lint-store.pem"), err, sizeof err), 0);
    CHECK_EQ_INT(st.n, 7);
    CHECK_EQ_INT(store_count(&st), 5);

    struct lint_log l = {0};
    size_t n = store_lint(&st, FIX_T_CAPTURE, collect, &l);
    CHECK_EQ_INT(n, 5);
    CHECK_EQ_INT(l.n, 5);
    const char *f = fixture_path("lint-store.pem");
    char want[700];
    /* #1: same CN as #0, a different certificate (CSCwa12905) */
    CHECK_EQ_INT(l.kind[0], STORE_LINT_SAME_CN);
    CHECK_EQ_INT(l.index[0], 1);
    CHECK_EQ_INT(l.other[0], 0);
    snprintf(want, sizeof want,
             "%s #1 and %s #0 are different certificates with the same CN \"vngtp-ACTIVE-DIR-CA\": "
             "Expressway's trust store cannot hold both (CSCwa12905) - use CA-signed certificates "
             "or distinct CNs; chain building itself tells them apart by key identifier and key",
             f, f);
    CHECK_EQ_STR(l.msg[0], want);
    /* #2, the intermediate, is not an anchor on its own, but its root is
     * entry #0: no warning (issue #11 - an earlier version said it "still
     * needs its root" although the root was there); nor for #3, the
     * server certificate the intermediate issued */
    CHECK_EQ_INT(l.kind[1], STORE_LINT_NOT_CA);
    CHECK_EQ_INT(l.index[1], 3);
    snprintf(want, sizeof want, "%s #3 (CN=cucm.vngtp.lab) is not a CA certificate (no basicConstraints)", f);
    CHECK_EQ_STR(l.msg[1], want);
    /* #4: byte-identical to #0 */
    CHECK_EQ_INT(l.kind[2], STORE_LINT_DUPLICATE);
    CHECK_EQ_INT(l.index[2], 4);
    CHECK_EQ_INT(l.other[2], 0);
    snprintf(want, sizeof want, "%s #4 is a byte-identical copy of %s #0 (CN=vngtp-ACTIVE-DIR-CA)", f, f);
    CHECK_EQ_STR(l.msg[2], want);
    /* #5: Ed25519, described but not verifiable with mbedTLS */
    CHECK_EQ_INT(l.kind[3], STORE_LINT_UNPARSABLE);
    CHECK_EQ_INT(l.index[3], 5);
    snprintf(want, sizeof want,
             "%s #5 (CN=ed25519.vngtp.lab): signatures cannot be checked - mbedTLS: X509 - "
             "Signature algorithm (oid) is unsupported : OID - OID is not found", f);
    CHECK_EQ_STR(l.msg[3], want);
    /* #6: a PEM block that is not a certificate */
    CHECK_EQ_INT(l.kind[4], STORE_LINT_UNPARSABLE);
    CHECK_EQ_INT(l.index[4], 6);
    CHECK(strstr(l.msg[4], "#6: not a certificate tlsscope can read") != NULL);

    /* in 2051 everything has expired; in 2019 nothing had started yet */
    memset(&l, 0, sizeof l);
    store_lint(&st, 2556144000LL /* 2051-01-01 */, collect, &l);
    int expired = 0;
    for (int i = 0; i < l.n; i++)
        if (l.kind[i] == STORE_LINT_EXPIRED) {
            expired++;
            if (l.index[i] == 0) {
                snprintf(want, sizeof want, "%s #0 (CN=vngtp-ACTIVE-DIR-CA) expired on 2050-01-01T00:00:00Z", f);
                CHECK_EQ_STR(l.msg[i], want);
            }
        }
    CHECK_EQ_INT(expired, 5); /* root, twin, int, leaf, ed25519 (the copy was said once) */
    memset(&l, 0, sizeof l);
    store_lint(&st, 1546300800LL /* 2019-01-01 */, collect, &l);
    bool saw = false;
    for (int i = 0; i < l.n; i++)
        if (l.kind[i] == STORE_LINT_EXPIRED && l.index[i] == 0) {
            snprintf(want, sizeof want, "%s #0 (CN=vngtp-ACTIVE-DIR-CA) is not valid before 2020-01-01T00:00:00Z", f);
            CHECK_EQ_STR(l.msg[i], want);
            saw = true;
        }
    CHECK(saw);
    CHECK_EQ_INT(store_lint(&st, FIX_T_CAPTURE, NULL, NULL), 5);
    store_free(&st);
}

int main(void)
{
    test_bundle_with_junk();
    test_directory();
    test_errors();
    test_der_private_key();
    test_system();
    test_trusted_certificate_and_cap();
    test_lint();
    test_lint_roots();
    return check_summary();
}
