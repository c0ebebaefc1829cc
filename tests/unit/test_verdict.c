/* test_verdict.c — every verdict code of VERIFY-SPEC with its depth, text,
 * the line Expressway's traffic server would log, the alert it would send,
 * advice, connections without a chain, observe/agree and presume.
 *
 * Connections are built by hand (dissect/ is written in parallel); chains
 * are the fixtures, judged as of the capture in the seed document,
 * 2022-07-11T16:55:26Z, with the server at 10.48.36.215. */
#include <arpa/inet.h>
#include <stdbool.h>

#include "../fixtures/expected.h"
#include "check.h"
#include "testconn.h"
#include "fixture.h"
#include "trust/cert.h"
#include "trust/store.h"
#include "trust/verdict.h"

static struct cert_cache *cache;

/* ECDHE-RSA-AES128-GCM-SHA256 unless a test says otherwise */
static struct tls_conn *conn_new(const char *sni) { return testconn_new(sni, 0xc02f); }

static void add_alert(struct tls_conn *c, enum tls_side from, uint8_t desc, bool encrypted)
{
    struct tls_alert *a = &c->alerts[c->n_alerts++];
    c->n_alerts_total = c->n_alerts;
    a->from = from;
    a->level = 2;
    a->desc = desc;
    a->encrypted = encrypted;
}

/* "a.pem,b.pem" -> store */
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

struct chain {
    const struct cert *c[12];
    int n;
};

/* "leaf.pem,int.pem" (or "long-chain.pem*": every certificate of the file) */
static void chain_of(struct chain *ch, const char *files)
{
    char buf[512];
    ch->n = 0;
    snprintf(buf, sizeof buf, "%s", files);
    for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
        size_t l = strlen(t);
        bool all = t[l - 1] == '*';
        if (all) t[l - 1] = '\0';
        char *text = fixture_text(t, NULL);
        int count = 0;
        for (char *p = text; (p = strstr(p, "-----BEGIN CERTIFICATE")) != NULL; p++) count++;
        free(text);
        for (int i = 0; i < (all ? count : 1); i++) {
            size_t n;
            uint8_t *der = fixture_der(t, i, &n);
            ch->c[ch->n++] = certcache_intern(cache, der, n);
            free(der);
        }
    }
}

static void chain_release(struct chain *ch)
{
    for (int i = 0; i < ch->n; i++) certcache_unref(cache, ch->c[i]);
}

/* Judge a chain against a store for a connection. */
static void judge(struct verdict *v, const char *store_files, const char *chain_files,
                  struct tls_conn *conn, enum verdict_profile profile, int64_t at)
{
    struct trust_store st;
    struct chain ch;
    store_of(&st, store_files);
    chain_of(&ch, chain_files);
    struct judge_input in = {conn, ch.c, ch.n, &st, profile, at, false};
    verdict_judge(&in, v);
    /* the verdict points into the store: copy what the tests look at
     * before it goes (the real program keeps the store alive) */
    for (int i = 0; i < v->n_path; i++) v->path[i].cert = NULL;
    store_free(&st);
    chain_release(&ch);
}

#define T FIX_T_CAPTURE

static void test_trusted(void)
{
    struct verdict v;
    struct tls_conn *c = conn_new("cucm.vngtp.lab");
    struct trust_store st;
    struct chain ch;
    store_of(&st, "root.pem");
    chain_of(&ch, "leaf.pem,int.pem");
    struct judge_input in = {c, ch.c, ch.n, &st, PROFILE_EXPRESSWAY, T, false};
    verdict_judge(&in, &v);
    CHECK_EQ_INT(v.status, VERDICT_TRUSTED);
    CHECK_EQ_INT(v.code, 0);
    CHECK_EQ_INT(v.depth, -1);
    CHECK_EQ_INT(v.cert_index, -1);
    CHECK_EQ_STR(v.reason, "ok");
    CHECK_EQ_STR(v.would_log, "");
    CHECK_EQ_STR(v.advice, "");
    CHECK_EQ_STR(v.not_judged, "");
    CHECK_EQ_INT(v.predicted_alert, -1);
    CHECK_EQ_STR(v.name_checked, "cucm.vngtp.lab");
    CHECK(v.name_from_sni);
    CHECK(v.name_ok);
    CHECK(v.anchored);
    CHECK(!v.ecdsa_suite);
    CHECK_EQ_INT(v.n_path, 3);
    CHECK(v.path[0].cert == ch.c[0] && v.path[0].src == CHAIN_FROM_PEER && v.path[0].wire_index == 0);
    CHECK(v.path[1].cert == ch.c[1] && v.path[1].src == CHAIN_FROM_PEER && v.path[1].wire_index == 1);
    CHECK(v.path[2].cert == st.entries[0].cert && v.path[2].src == CHAIN_FROM_STORE &&
          v.path[2].wire_index == -1);
    /* the client carried on: agreement */
    c->ccs[TLS_CLIENT] = true;
    verdict_observe(&v, c);
    CHECK_EQ_INT(v.observed_alert, -1);
    CHECK_EQ_INT(v.agrees, AGREE_YES);
    /* a wildcard SAN covers another name; the rfc profile agrees */
    free(c);
    c = conn_new("expressway.vngtp.lab");
    in.conn = c;
    verdict_judge(&in, &v);
    CHECK_EQ_INT(v.status, VERDICT_TRUSTED);
    in.profile = PROFILE_RFC;
    verdict_judge(&in, &v);
    CHECK_EQ_INT(v.status, VERDICT_TRUSTED);
    CHECK_EQ_INT(v.profile, PROFILE_RFC);
    /* the judging time is the one given: in 2032 the leaf has expired */
    in.profile = PROFILE_EXPRESSWAY;
    in.at = 1956528000LL; /* 2032-01-01 */
    verdict_judge(&in, &v);
    CHECK_EQ_INT(v.code, VERR_CERT_HAS_EXPIRED);
    CHECK_EQ_INT(v.depth, 0);
    store_free(&st);
    chain_release(&ch);
    free(c);

    /* two store CAs with the same name and different keys are told apart
     * (the twin comes first in the store) */
    c = conn_new("cucm.vngtp.lab");
    store_of(&st, "root-twin.pem,root.pem");
    chain_of(&ch, "leaf.pem,int.pem");
    in = (struct judge_input){c, ch.c, ch.n, &st, PROFILE_EXPRESSWAY, T, false};
    verdict_judge(&in, &v);
    CHECK_EQ_INT(v.status, VERDICT_TRUSTED);
    CHECK(v.n_path == 3 && v.path[2].cert == st.entries[1].cert);
    store_free(&st);
    chain_release(&ch);
    free(c);
}

/* The seed document's 6972 case: CUCM serves its self-signed tomcat-ECDSA
 * certificate because the suite is ECDHE-ECDSA. */
static void test_self_signed_leaf(void)
{
    struct verdict v;
    struct tls_conn *c = conn_new("cucm.steven.lab");
    c->sh.cipher = 0xc02b; /* ECDHE-ECDSA-AES128-GCM-SHA256 */
    judge(&v, "root.pem", "selfsigned-ec.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.status, VERDICT_FAILED);
    CHECK_EQ_INT(v.code, VERR_DEPTH_ZERO_SELF_SIGNED_CERT);
    CHECK_EQ_INT(v.depth, 0);
    CHECK_EQ_INT(v.cert_index, 0);
    CHECK_EQ_STR(v.reason, "self signed certificate");
    CHECK_EQ_STR(v.would_log,
                 "Core server certificate verification failed for (cucm.steven.lab). "
                 "Action=Terminate Error=self signed certificate "
                 "server=cucm.steven.lab(10.48.36.215) depth=0");
    CHECK_EQ_INT(v.predicted_alert, 48);
    CHECK(v.ecdsa_suite);
    CHECK(!v.anchored);
    CHECK(strstr(v.advice, "CN=cucm-EC.steven.lab (SHA-256 " FIX_SELFSIGNED_EC_SHA256 ")") != NULL);
    CHECK(strstr(v.advice, "Upload this certificate") != NULL);
    CHECK(strstr(v.advice, "trust store of every Expressway-C cluster node") != NULL);
    CHECK(strstr(v.advice, "the server served its ECDSA certificate (e.g. tomcat-ECDSA); an "
                           "RSA-first cipher order would select the RSA one") != NULL);
    /* observed: the client sent unknown_ca, as predicted */
    add_alert(c, TLS_SERVER, 0, false); /* a server alert is not the client's */
    add_alert(c, TLS_CLIENT, 48, false);
    verdict_observe(&v, c);
    CHECK_EQ_INT(v.observed_alert, 48);
    CHECK_EQ_INT(v.agrees, AGREE_YES);
    c->alerts[1].desc = 42;
    verdict_observe(&v, c);
    CHECK_EQ_INT(v.agrees, AGREE_NO);
    c->alerts[1].encrypted = true;
    verdict_observe(&v, c);
    CHECK_EQ_INT(v.observed_alert, -2);
    CHECK_EQ_INT(v.agrees, AGREE_UNKNOWN);
    free(c);

    /* an RSA suite: no ECDSA hint */
    c = conn_new("cucm.steven.lab");
    judge(&v, "root.pem", "selfsigned-ec.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK(!v.ecdsa_suite);
    CHECK(strstr(v.advice, "tomcat-ECDSA") == NULL);
    /* the same certificate uploaded to the store: trusted (CN and SAN
     * cucm-EC.steven.lab; checked under that name) */
    free(c);
    c = conn_new("cucm-ec.steven.lab");
    judge(&v, "root.pem,selfsigned-ec.pem", "selfsigned-ec.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.status, VERDICT_TRUSTED);
    CHECK(v.anchored);
    CHECK_EQ_INT(v.n_path, 1);
    CHECK_EQ_INT(v.path[0].src, CHAIN_FROM_STORE);
    CHECK_EQ_STR(v.advice, "");
    free(c);

    /* keyUsage without keyCertSign: self-signed for OpenSSL 3.0 and
     * VERIFY-SPEC, not for 1.1.1 — trusted here, with a note */
    c = conn_new("nocertsign.steven.lab");
    judge(&v, "selfsigned-nocertsign.pem", "selfsigned-nocertsign.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.status, VERDICT_TRUSTED);
    CHECK_EQ_STR(v.advice,
                 "Note: \"nocertsign.steven.lab\" is self-signed but its keyUsage lacks "
                 "keyCertSign; OpenSSL 1.1.1, which Expressway uses, then does not treat it as "
                 "self-signed at all and reports \"unable to get local issuer certificate\" even "
                 "when it is in the trust store. Re-issue it with keyCertSign.");
    judge(&v, "root.pem", "selfsigned-nocertsign.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.code, VERR_DEPTH_ZERO_SELF_SIGNED_CERT);
    CHECK(strstr(v.advice, "Re-issue it with keyCertSign.") != NULL);
    free(c);
}

static void test_chain_errors(void)
{
    struct verdict v;
    struct tls_conn *c = conn_new("cucm.vngtp.lab");

    /* 19: the server sends its root, which the store does not hold */
    c->ch.sni_len = (uint16_t)strlen("cucm.steven.lab");
    memcpy(c->ch.sni, "cucm.steven.lab", c->ch.sni_len);
    judge(&v, "selfsigned-ec.pem", "leaf-direct.pem,root.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.code, VERR_SELF_SIGNED_CERT_IN_CHAIN);
    CHECK_EQ_INT(v.depth, 1);
    CHECK_EQ_STR(v.reason, "self signed certificate in certificate chain");
    CHECK_EQ_STR(v.would_log,
                 "Core server certificate verification failed for (cucm.steven.lab). "
                 "Action=Terminate Error=self signed certificate in certificate chain "
                 "server=cucm.steven.lab(10.48.36.215) depth=1");
    CHECK_EQ_INT(v.predicted_alert, 48);
    CHECK(strstr(v.advice, "self-signed CA \"DC=lab, DC=vngtp, CN=vngtp-ACTIVE-DIR-CA\" (SHA-256 "
                           FIX_ROOT_SHA256 ")") != NULL);
    /* ... and when the store holds a different root with that name (a
     * "mimic": only byte-identical copies count), the same, plus the
     * CSCwa12905 note */
    judge(&v, "root-twin.pem", "leaf-direct.pem,root.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.code, VERR_SELF_SIGNED_CERT_IN_CHAIN);
    CHECK_EQ_INT(v.depth, 1);
    CHECK(strstr(v.advice, "Note: the store already holds a different certificate with "
                           "CN=vngtp-ACTIVE-DIR-CA (SHA-256 " FIX_ROOT_TWIN_SHA256 ")") != NULL);
    CHECK(strstr(v.advice, "CSCwa12905") != NULL);
    free(c);

    /* 20: the root is missing from the store */
    c = conn_new("cucm.vngtp.lab");
    judge(&v, "selfsigned-ec.pem", "leaf.pem,int.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.code, VERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    CHECK_EQ_INT(v.depth, 1);
    CHECK_EQ_STR(v.reason, "unable to get local issuer certificate");
    CHECK_EQ_STR(v.would_log,
                 "Core server certificate verification failed for (cucm.vngtp.lab). "
                 "Action=Terminate Error=unable to get local issuer certificate "
                 "server=cucm.vngtp.lab(10.48.36.215) depth=1");
    CHECK(strstr(v.advice, "Upload the missing CA certificate \"DC=lab, DC=vngtp, "
                           "CN=vngtp-ACTIVE-DIR-CA\" - the issuer of \"vngtp-intermediate-CA-1\" "
                           "at depth 1") != NULL);
    CHECK(strstr(v.advice, "with key identifier " FIX_INT_AKI) != NULL);
    CHECK_EQ_INT(v.n_path, 2);
    /* ... the intermediate not sent either */
    judge(&v, "root.pem", "leaf.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.code, VERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    CHECK_EQ_INT(v.depth, 0);
    CHECK(strstr(v.advice, "The server sent no intermediate certificates") != NULL);

    /* 2: the store holds the intermediate but not its root */
    judge(&v, "int.pem", "leaf.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.code, VERR_UNABLE_TO_GET_ISSUER_CERT);
    CHECK_EQ_INT(v.depth, 1);
    CHECK_EQ_STR(v.reason, "unable to get issuer certificate");
    CHECK_EQ_INT(v.predicted_alert, 48);
    CHECK_EQ_INT(v.path[1].src, CHAIN_FROM_STORE);
    CHECK(strstr(v.advice, "Only self-signed certificates are anchors") != NULL);

    /* 22: leaf + 9 CAs: more than Expressway's depth 7 allows */
    judge(&v, "root.pem", "long-chain.pem*", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.code, VERR_CERT_CHAIN_TOO_LONG);
    CHECK_EQ_INT(v.depth, 8);
    CHECK_EQ_INT(v.n_path, 9);
    CHECK_EQ_STR(v.reason, "certificate chain too long");
    CHECK_EQ_INT(v.predicted_alert, 48);
    free(c);
}

/* No ClientHello captured (gap, kernel drop): the name is unknown, so it is
 * not checked -- falling back to the IP would report a false mismatch --
 * but the chain still is: a chain failure is a failure, a chain that
 * verifies is "not judged" (the name could still fail), never "trusted". */
static void test_no_client_hello(void)
{
    struct verdict v;
    struct tls_conn *c = conn_new(NULL);
    c->ch.present = false;
    judge(&v, "root.pem", "leaf.pem,int.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.status, VERDICT_NOT_JUDGED);
    CHECK_EQ_STR(v.name_checked, "");
    CHECK(!v.name_from_sni);
    CHECK_EQ_STR(v.not_judged, "the chain verifies, but the ClientHello is not in the capture: "
                               "the name the client asked for is unknown");
    CHECK(v.anchored);
    judge(&v, "root.pem", "leaf.pem,int.pem", c, PROFILE_RFC, T);
    CHECK_EQ_INT(v.status, VERDICT_NOT_JUDGED);
    /* a chain error is still found, and the log line names the server by IP */
    judge(&v, "root.pem", "badsig-leaf.pem,int.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.status, VERDICT_FAILED);
    CHECK_EQ_INT(v.code, VERR_CERT_SIGNATURE_FAILURE);
    CHECK_EQ_STR(v.name_checked, "");
    CHECK(strstr(v.would_log, "server=10.48.36.215(10.48.36.215)") != NULL);
    /* with the ClientHello seen and no SNI, the IP is checked as before */
    c->ch.present = true;
    judge(&v, "root.pem", "leaf.pem,int.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.status, VERDICT_FAILED);
    CHECK_EQ_STR(v.name_checked, "10.48.36.215");
    free(c);
}

static void test_checks(void)
{
    struct verdict v;
    struct tls_conn *c = conn_new(NULL);

    /* 7: the leaf names the intermediate but another key signed it */
    judge(&v, "root.pem", "badsig-leaf.pem,int.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.code, VERR_CERT_SIGNATURE_FAILURE);
    CHECK_EQ_INT(v.depth, 0);
    CHECK_EQ_STR(v.reason, "certificate signature failure");
    CHECK_EQ_INT(v.predicted_alert, 51);
    CHECK_EQ_STR(v.name_checked, "10.48.36.215");
    CHECK(!v.name_from_sni);

    /* 9 and 10, with the workaround */
    judge(&v, "root.pem", "notyet-leaf.pem,int.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.code, VERR_CERT_NOT_YET_VALID);
    CHECK_EQ_INT(v.depth, 0);
    CHECK_EQ_STR(v.reason, "certificate is not yet valid");
    CHECK_EQ_INT(v.predicted_alert, 42);
    CHECK(strstr(v.advice, "is not valid before 2023-01-01T00:00:00Z, but the connection was at "
                           "2022-07-11T16:55:26Z") != NULL);
    CHECK(strstr(v.advice, "`xConfiguration EdgeConfigServer VerifyOriginServer: Off`") != NULL);
    judge(&v, "root.pem", "expired-leaf.pem,int.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.code, VERR_CERT_HAS_EXPIRED);
    CHECK_EQ_INT(v.depth, 0);
    CHECK_EQ_STR(v.reason, "certificate has expired");
    CHECK_EQ_STR(v.would_log,
                 "Core server certificate verification failed for (10.48.36.215). "
                 "Action=Terminate Error=certificate has expired "
                 "server=10.48.36.215(10.48.36.215) depth=0");
    CHECK_EQ_INT(v.predicted_alert, 45);
    CHECK(strstr(v.advice, "expired on 2021-01-01T00:00:00Z") != NULL);
    CHECK(strstr(v.advice, "renew it") != NULL);
    CHECK(strstr(v.advice, "VerifyOriginServer: Off") != NULL);
    /* judged in 2020 the same certificate is fine (but the IP is not in it) */
    judge(&v, "root.pem", "expired-leaf.pem,int.pem", c, PROFILE_EXPRESSWAY, 1590000000LL);
    CHECK_EQ_INT(v.code, VERR_HOSTNAME_MISMATCH);

    /* 24: a CA:FALSE certificate as issuer */
    judge(&v, "root.pem", "leaf-under-cafalse.pem,int-cafalse.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.code, VERR_INVALID_CA);
    CHECK_EQ_INT(v.depth, 1);
    CHECK_EQ_STR(v.reason, "invalid CA certificate");
    CHECK_EQ_INT(v.predicted_alert, 48);
    CHECK(strstr(v.advice, "basicConstraints CA:FALSE") != NULL);

    /* 25: the intermediate allows no CA below it (pathlen 0) */
    judge(&v, "root.pem", "leaf-under-subint.pem,subint.pem,int.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.code, VERR_PATH_LENGTH_EXCEEDED);
    CHECK_EQ_INT(v.depth, 2);
    CHECK_EQ_STR(v.reason, "path length constraint exceeded");
    CHECK_EQ_INT(v.predicted_alert, 48);

    /* 26: clientAuth-only leaf */
    judge(&v, "root.pem", "eku-client.pem,int.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.code, VERR_INVALID_PURPOSE);
    CHECK_EQ_INT(v.depth, 0);
    CHECK_EQ_STR(v.reason, "unsupported certificate purpose");
    CHECK_EQ_INT(v.predicted_alert, 43);
    CHECK(strstr(v.advice, "its extendedKeyUsage has clientAuth but not serverAuth") != NULL);

    /* 34: an unknown critical extension */
    judge(&v, "root.pem", "critical-ext.pem,int.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.code, VERR_UNHANDLED_CRITICAL_EXTENSION);
    CHECK_EQ_INT(v.depth, 0);
    CHECK_EQ_STR(v.reason, "unhandled critical extension");
    CHECK_EQ_INT(v.predicted_alert, 46);
    CHECK(strstr(v.advice, "critical extension 1.3.6.1.4.1.99999.1") != NULL);

    /* 66: reported before the chain is even built (the store is useless) */
    judge(&v, "selfsigned-ec.pem", "weak-leaf.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.code, VERR_EE_KEY_TOO_SMALL);
    CHECK_EQ_INT(v.depth, 0);
    CHECK_EQ_STR(v.reason, "EE certificate key too weak");
    CHECK_EQ_INT(v.predicted_alert, 42);
    CHECK(strstr(v.advice, "RSA key of 512 bits") != NULL);

    /* 67 and 68 */
    judge(&v, "root.pem", "leaf-under-weak.pem,weak-int.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.code, VERR_CA_KEY_TOO_SMALL);
    CHECK_EQ_INT(v.depth, 1);
    CHECK_EQ_STR(v.reason, "CA certificate key too weak");
    CHECK_EQ_INT(v.predicted_alert, 42);
    judge(&v, "root.pem", "leaf-under-md5.pem,md5-int.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.code, VERR_CA_MD_TOO_WEAK);
    CHECK_EQ_INT(v.depth, 1);
    CHECK_EQ_STR(v.reason, "CA signature digest algorithm too weak");
    CHECK_EQ_INT(v.predicted_alert, 42);
    CHECK(strstr(v.advice, "md5WithRSAEncryption") != NULL);

    /* RSASSA-PSS verifies */
    judge(&v, "root.pem", "pss-leaf.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.code, VERR_HOSTNAME_MISMATCH); /* the chain is fine, the IP is not in it */

    /* 1000: an Ed25519 signature mbedTLS cannot check */
    judge(&v, "ed25519.pem", "ed-leaf.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.code, VERR_TLSSCOPE_UNPARSABLE);
    CHECK_EQ_INT(v.depth, 0);
    CHECK_EQ_STR(v.reason, "certificate could not be parsed (mbedTLS: X509 - Signature algorithm "
                           "(oid) is unsupported : OID - OID is not found)");
    CHECK_EQ_STR(v.would_log, "");
    CHECK_EQ_INT(v.predicted_alert, -1);
    add_alert(c, TLS_CLIENT, 48, false);
    verdict_observe(&v, c);
    CHECK_EQ_INT(v.agrees, AGREE_UNKNOWN);
    /* ... while a self-signed Ed25519 certificate in the store needs no
     * signature check at all (OpenSSL skips the anchor's own) */
    c->n_alerts = 0;
    free(c);
    c = conn_new("ed25519.vngtp.lab");
    judge(&v, "ed25519.pem", "ed25519.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.status, VERDICT_TRUSTED);
    free(c);
}

static void test_names(void)
{
    struct verdict v;
    /* The seed document's second case: addressed by IP, no DNS SAN for it. */
    struct tls_conn *c = conn_new(NULL);
    judge(&v, "root.pem", "leaf-direct.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.status, VERDICT_FAILED);
    CHECK_EQ_INT(v.code, VERR_HOSTNAME_MISMATCH);
    CHECK_EQ_INT(v.depth, 0);
    CHECK_EQ_STR(v.reason, "SNI (10.48.36.215) not in certificate");
    CHECK_EQ_STR(v.would_log,
                 "SNI (10.48.36.215) not in certificate. Action=Terminate "
                 "server=10.48.36.215(10.48.36.215)");
    CHECK_EQ_INT(v.predicted_alert, 80);
    CHECK(!v.name_ok);
    CHECK(strstr(v.advice, "add DNS:10.48.36.215 to the certificate's subjectAltName") != NULL);
    CHECK(strstr(v.advice, "CUCM System > Server") != NULL);
    CHECK(strstr(v.advice, "(CN=cucm-ms.steven.lab; DNS:cucm.steven.lab)") != NULL);
    free(c);
    /* ATS sends the IP literal as SNI: the same line */
    c = conn_new("10.48.36.215");
    judge(&v, "root.pem", "leaf-direct.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_STR(v.would_log,
                 "SNI (10.48.36.215) not in certificate. Action=Terminate "
                 "server=10.48.36.215(10.48.36.215)");
    CHECK(v.name_from_sni);
    /* an IP SAN does not help Expressway; it does help the rfc profile */
    judge(&v, "root.pem", "leaf.pem,int.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.code, VERR_HOSTNAME_MISMATCH);
    CHECK(strstr(v.advice, "(the certificate's IP:10.48.36.215 is ignored)") != NULL);
    judge(&v, "root.pem", "leaf.pem,int.pem", c, PROFILE_RFC, T);
    CHECK_EQ_INT(v.status, VERDICT_TRUSTED);
    /* an IP in the CN is enough for Expressway, not for rfc */
    judge(&v, "root.pem", "cn-ip.pem,int.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.status, VERDICT_TRUSTED);
    judge(&v, "root.pem", "cn-ip.pem,int.pem", c, PROFILE_RFC, T);
    CHECK_EQ_INT(v.code, VERR_IP_ADDRESS_MISMATCH);
    CHECK_EQ_STR(v.reason, "IP address mismatch");
    CHECK_EQ_INT(v.predicted_alert, 42);
    CHECK_EQ_STR(v.would_log, ""); /* ATS logs only in the expressway profile */
    CHECK(strstr(v.advice, "Add IP:10.48.36.215") != NULL);
    free(c);

    /* rfc: 62; and OpenSSL checks the name before signatures and times,
     * ATS only after them */
    c = conn_new("x.other.lab");
    judge(&v, "root.pem", "leaf.pem,int.pem", c, PROFILE_RFC, T);
    CHECK_EQ_INT(v.code, VERR_HOSTNAME_MISMATCH);
    CHECK_EQ_STR(v.reason, "Hostname mismatch");
    CHECK_EQ_INT(v.predicted_alert, 42);
    CHECK(strstr(v.advice, "Add DNS:x.other.lab") != NULL);
    judge(&v, "root.pem", "expired-leaf.pem,int.pem", c, PROFILE_RFC, T);
    CHECK_EQ_INT(v.code, VERR_HOSTNAME_MISMATCH);
    judge(&v, "root.pem", "expired-leaf.pem,int.pem", c, PROFILE_EXPRESSWAY, T);
    CHECK_EQ_INT(v.code, VERR_CERT_HAS_EXPIRED);
    free(c);
}

static void test_not_judged(void)
{
    struct verdict v;
    struct tls_conn *c = conn_new("cucm.vngtp.lab");
    struct chain ch;
    chain_of(&ch, "leaf.pem,int.pem");

    /* no store: the chain is still shown */
    struct judge_input in = {c, ch.c, ch.n, NULL, PROFILE_EXPRESSWAY, T, false};
    verdict_judge(&in, &v);
    CHECK_EQ_INT(v.status, VERDICT_NOT_JUDGED);
    CHECK_EQ_INT(v.code, -1);
    CHECK_EQ_INT(v.depth, -1);
    CHECK_EQ_STR(v.not_judged, "no trust store (give one with --trust)");
    CHECK_EQ_INT(v.n_path, 2);
    CHECK_EQ_INT(v.predicted_alert, -1);

    struct trust_store st;
    store_of(&st, "root.pem");
    static const struct {
        enum tls_nochain why;
        enum tls_resumption resumed;
        const char *text;
    } cases[] = {
        {TLS_NOCHAIN_TLS13, TLS_RESUME_NONE,
         "TLS 1.3: the server's certificates are encrypted - give --keylog with the client's "
         "SSLKEYLOGFILE, or judge the certificate obtained another way"},
        {TLS_NOCHAIN_RESUMED, TLS_RESUME_SESSION_ID,
         "resumed session (session ID): no certificate in an abbreviated handshake - see the "
         "earlier full handshake with this server"},
        {TLS_NOCHAIN_RESUMED, TLS_RESUME_TICKET,
         "resumed session (session ticket): no certificate in an abbreviated handshake - see "
         "the earlier full handshake with this server"},
        {TLS_NOCHAIN_RESUMED, TLS_RESUME_PSK,
         "resumed session (TLS 1.3 PSK): no certificate in an abbreviated handshake - see the "
         "earlier full handshake with this server"},
        {TLS_NOCHAIN_NO_SERVER_HELLO, TLS_RESUME_NONE,
         "no ServerHello: the server did not answer, or the capture missed it"},
        {TLS_NOCHAIN_LOST, TLS_RESUME_NONE, "the Certificate message was lost in a capture gap"},
        {TLS_NOCHAIN_ALERT, TLS_RESUME_NONE, "the server sent an alert before its certificate"},
        {TLS_NOCHAIN_ANON, TLS_RESUME_NONE, "anonymous or PSK cipher suite: no certificate by design"},
        {TLS_NOCHAIN_MIDSTREAM, TLS_RESUME_NONE,
         "the capture starts mid-connection, after the handshake"},
        {TLS_NOCHAIN_SSLV2, TLS_RESUME_NONE, "SSLv2 server: not decoded"},
        {TLS_NOCHAIN_NONE, TLS_RESUME_NONE, "no server certificate seen"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        c->nochain = cases[i].why;
        c->resumed = cases[i].resumed;
        in = (struct judge_input){c, NULL, 0, &st, PROFILE_EXPRESSWAY, T, false};
        verdict_judge(&in, &v);
        CHECK_EQ_INT(v.status, VERDICT_NOT_JUDGED);
        CHECK_EQ_STR(v.not_judged, cases[i].text);
        CHECK_EQ_INT(v.code, -1);
        CHECK_EQ_INT(v.agrees, AGREE_UNKNOWN);
    }
    /* TLS 1.3 with a key log: the reason says what went wrong with it */
    c->nochain = TLS_NOCHAIN_TLS13;
    c->resumed = TLS_RESUME_NONE;
    c->keylog_no_secrets = true;
    in = (struct judge_input){c, NULL, 0, &st, PROFILE_EXPRESSWAY, T, false};
    verdict_judge(&in, &v);
    CHECK_EQ_STR(v.not_judged, "TLS 1.3: the server's certificates are encrypted; the key log "
                               "has no secrets for this connection's client random");
    c->keylog_no_secrets = false;
    c->decrypt_failed = true;
    verdict_judge(&in, &v);
    CHECK_EQ_STR(v.not_judged, "TLS 1.3: the server's certificates are encrypted and the key "
                               "log's secrets did not decrypt them (wrong key log? see the events)");
    c->decrypt_failed = false;
    c->is_dtls = true;
    verdict_judge(&in, &v);
    CHECK_EQ_STR(v.not_judged, "DTLS 1.3: the server's certificates are encrypted (tlsscope does "
                               "not decrypt DTLS 1.3)");
    c->is_dtls = false;
    store_free(&st);
    chain_release(&ch);
    free(c);
}

static void test_observe_and_presume(void)
{
    struct verdict full, resumed;
    struct tls_conn *c = conn_new("cucm.steven.lab");
    judge(&full, "root.pem", "selfsigned-ec.pem", c, PROFILE_EXPRESSWAY, T);
    /* no alert, but the client finished the handshake: it did not enforce */
    c->ccs[TLS_CLIENT] = true;
    verdict_observe(&full, c);
    CHECK_EQ_INT(full.observed_alert, -1);
    CHECK_EQ_INT(full.agrees, AGREE_NO);
    /* no alert and nothing else from the client: cannot tell */
    c->ccs[TLS_CLIENT] = false;
    verdict_observe(&full, c);
    CHECK_EQ_INT(full.agrees, AGREE_UNKNOWN);

    /* a resumed connection to the same server takes the verdict over */
    struct tls_conn *r = conn_new("cucm.steven.lab");
    r->resumed = TLS_RESUME_SESSION_ID;
    r->nochain = TLS_NOCHAIN_RESUMED;
    add_alert(r, TLS_CLIENT, 0, true);
    struct judge_input in = {r, NULL, 0, NULL, PROFILE_EXPRESSWAY, T, false};
    verdict_judge(&in, &resumed);
    CHECK_EQ_INT(resumed.status, VERDICT_NOT_JUDGED);
    CHECK_EQ_INT(resumed.observed_alert, -2);
    verdict_presume(&resumed, &full, 7);
    CHECK(resumed.presumed);
    CHECK_EQ_INT(resumed.presumed_from, 7);
    CHECK_EQ_INT(resumed.status, VERDICT_FAILED);
    CHECK_EQ_INT(resumed.code, VERR_DEPTH_ZERO_SELF_SIGNED_CERT);
    CHECK_EQ_STR(resumed.reason, "self signed certificate");
    CHECK_EQ_STR(resumed.not_judged, "");
    CHECK_EQ_INT(resumed.observed_alert, -2); /* its own observation is kept */
    CHECK_EQ_INT(resumed.agrees, AGREE_UNKNOWN);
    verdict_observe(&resumed, r);
    CHECK_EQ_INT(resumed.agrees, AGREE_UNKNOWN);
    /* an earlier connection that was not judged gives nothing */
    struct verdict nothing;
    memset(&nothing, 0, sizeof nothing);
    nothing.status = VERDICT_NOT_JUDGED;
    struct verdict keep = resumed;
    verdict_presume(&resumed, &nothing, 9);
    CHECK_EQ_INT(resumed.presumed_from, keep.presumed_from);
    free(r);
    free(c);
}

static void test_texts(void)
{
    static const struct {
        int code;
        const char *text;
    } t[] = {
        {0, "ok"},
        {2, "unable to get issuer certificate"},
        {7, "certificate signature failure"},
        {9, "certificate is not yet valid"},
        {10, "certificate has expired"},
        {18, "self signed certificate"},
        {19, "self signed certificate in certificate chain"},
        {20, "unable to get local issuer certificate"},
        {21, "unable to verify the first certificate"},
        {22, "certificate chain too long"},
        {24, "invalid CA certificate"},
        {25, "path length constraint exceeded"},
        {26, "unsupported certificate purpose"},
        {34, "unhandled critical extension"},
        {62, "Hostname mismatch"},
        {64, "IP address mismatch"},
        {66, "EE certificate key too weak"},
        {67, "CA certificate key too weak"},
        {68, "CA signature digest algorithm too weak"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) CHECK_EQ_STR(verdict_code_text(t[i].code), t[i].text);
    CHECK_EQ_STR(verdict_code_text(12345), "unknown certificate verification error");
    CHECK_EQ_STR(verdict_status_name(VERDICT_TRUSTED), "trusted");
    CHECK_EQ_STR(verdict_status_name(VERDICT_FAILED), "failed");
    CHECK_EQ_STR(verdict_status_name(VERDICT_NOT_JUDGED), "not_judged");
    CHECK_EQ_STR(verdict_profile_name(PROFILE_EXPRESSWAY), "expressway");
    CHECK_EQ_STR(verdict_profile_name(PROFILE_RFC), "rfc");
}

int main(void)
{
    cache = certcache_new(64);
    test_trusted();
    test_no_client_hello();
    test_self_signed_leaf();
    test_chain_errors();
    test_checks();
    test_names();
    test_not_judged();
    test_observe_and_presume();
    test_texts();
    certcache_free(cache);
    return check_summary();
}
