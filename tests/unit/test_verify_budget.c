/* Issue #17 item 7: signature checks are bounded per run, and cached by
 * (issuer key, signed certificate). The fixture chain leaf <- int <- root
 * (store) needs two checks of P-256 keys (1 unit each): with a budget of
 * one unit the second is not made and the verdict is "not judged" naming
 * VERIFY_BUDGET, never "failed"; checks answered from the cache cost
 * nothing, so the same chain judged again fits any budget. */
#include <stdlib.h>
#include <string.h>

#include "../fixtures/expected.h"
#include "check.h"
#include "fixture.h"
#include "testconn.h"
#include "trust/cert.h"
#include "trust/store.h"
#include "trust/verdict.h"

static const struct cert *intern(struct cert_cache *cc, const char *file)
{
    size_t n;
    uint8_t *der = fixture_der(file, 0, &n);
    const struct cert *c = certcache_intern(cc, der, n);
    free(der);
    return c;
}

int main(void)
{
    struct trust_store st;
    char err[256];
    store_init(&st);
    CHECK_EQ_INT(store_load(&st, fixture_path("root.pem"), err, sizeof err), 0);
    struct cert_cache *cc = certcache_new(100);
    const struct cert *ch[2] = {intern(cc, "leaf.pem"), intern(cc, "int.pem")};
    struct tls_conn *c = testconn_new("cucm.vngtp.lab", 0xc02f);
    struct judge_input in = {.conn = c, .chain = ch, .n_chain = 2, .store = &st,
                             .profile = PROFILE_EXPRESSWAY, .at = FIX_T_CAPTURE};
    struct verdict v;

    uint64_t u0 = cert_verify_units_used();
    cert_verify_budget(u0 + 1);
    verdict_judge(&in, &v);
    CHECK_EQ_INT(v.status, VERDICT_NOT_JUDGED);
    CHECK_EQ_STR(v.cap, "VERIFY_BUDGET");
    CHECK(strstr(v.not_judged, "cap VERIFY_BUDGET: ") == v.not_judged);
    CHECK(strstr(v.not_judged, "the signature at depth 0 was not checked") != NULL);
    CHECK_EQ_INT(cert_verify_units_used(), u0 + 1); /* the first check was made */

    cert_verify_budget(u0 + 2);
    verdict_judge(&in, &v);
    CHECK_EQ_INT(v.status, VERDICT_TRUSTED);
    CHECK_EQ_STR(v.cap, "");
    CHECK_EQ_INT(cert_verify_units_used(), u0 + 2);

    /* again: both answers come from the caches, at no cost */
    cert_verify_budget(u0 + 2);
    verdict_judge(&in, &v);
    CHECK_EQ_INT(v.status, VERDICT_TRUSTED);
    CHECK_EQ_INT(cert_verify_units_used(), u0 + 2);

    /* the same (issuer key, certificate) through a second parse of both:
     * the per-certificate memo is empty, the table answers */
    struct cert *leaf2 = NULL, *int2 = NULL;
    size_t n;
    uint8_t *d = fixture_der("leaf.pem", 0, &n);
    leaf2 = cert_parse(d, n);
    free(d);
    d = fixture_der("int.pem", 0, &n);
    int2 = cert_parse(d, n);
    free(d);
    CHECK_EQ_INT(cert_signature_check(int2, leaf2), CERT_SIG_OK);
    CHECK_EQ_INT(cert_verify_units_used(), u0 + 2);
    cert_free(leaf2);
    cert_free(int2);

    cert_verify_budget(0);
    certcache_unref(cc, ch[0]);
    certcache_unref(cc, ch[1]);
    certcache_free(cc);
    store_free(&st);
    free(c);
    return check_summary();
}
