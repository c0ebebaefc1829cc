/* Unit tests for trust/advice.c: error texts back to codes, and the advice
 * from a log line alone — the same sentences as for a judged chain. */
#include <string.h>

#include "check.h"
#include "trust/verdict.h"

int main(void)
{
    /* every code tlsscope knows round-trips through its 1.1.1 text */
    static const int codes[] = {2, 7, 9, 10, 18, 19, 20, 21, 22, 24, 25, 26, 34, 62, 64, 66, 67, 68};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        CHECK_EQ_INT(verdict_code_from_text(verdict_code_text(codes[i])), codes[i]);
    CHECK_EQ_INT(verdict_code_from_text("self signed certificate"), 18);
    CHECK_EQ_INT(verdict_code_from_text("Self Signed Certificate"), 18);
    CHECK_EQ_INT(verdict_code_from_text("self-signed certificate"), 18);
    CHECK_EQ_INT(verdict_code_from_text("self-signed certificate in certificate chain"), 19);
    CHECK_EQ_INT(verdict_code_from_text("unable to get local issuer certificate"), 20);
    CHECK_EQ_INT(verdict_code_from_text("ok"), 0);
    CHECK_EQ_INT(verdict_code_from_text("certificate verify failed"), -1);
    CHECK_EQ_INT(verdict_code_from_text(""), -1);
    CHECK_EQ_INT(verdict_code_from_text(NULL), -1);

    char a[VERDICT_ADVICE_LEN];
    verdict_advice_from_log(18, 0, false, "cucm.steven.lab", "10.48.36.215", a, sizeof(a));
    CHECK(strncmp(a, "The server sent a self-signed certificate (depth 0). Upload this certificate "
                     "to the trust store of every Expressway-C cluster node (Maintenance > "
                     "Security > Trusted CA certificate), or have it signed by a CA the store "
                     "trusts.", 214) == 0);
    CHECK(strstr(a, "(CSCwa12905)") != NULL);
    CHECK(strstr(a, "lets tlsscope name the certificate and export it.") != NULL);

    verdict_advice_from_log(20, 1, false, "imp.steven.lab", "10.48.36.216", a, sizeof(a));
    CHECK_EQ_STR(a, "Upload the missing CA certificate - the issuer of the certificate at depth 1, "
                    "the root or an intermediate - to the trust store of every Expressway-C "
                    "cluster node, together with its own issuers up to the self-signed root. "
                    "A capture of the connection (Diagnostic logging with \"Take tcpdump while "
                    "logging\") lets tlsscope name the certificate and export it.");

    verdict_advice_from_log(62, 0, true, "10.48.36.215", "10.48.36.215", a, sizeof(a));
    CHECK_EQ_STR(a, "The certificate the server presented does not cover \"10.48.36.215\". "
                    "Expressway compares the name with the DNS SANs and the first CN only, never "
                    "with IP SANs: add DNS:10.48.36.215 to the certificate's subjectAltName and "
                    "re-issue it, or change how the server is addressed (e.g. CUCM System > "
                    "Server) to a name the certificate carries. Then refresh the server on "
                    "Expressway-C (Configuration > Unified Communications) so that it addresses "
                    "it by that name.");

    verdict_advice_from_log(10, 0, false, "unity.steven.lab", "", a, sizeof(a));
    CHECK(strstr(a, "`xConfiguration EdgeConfigServer VerifyOriginServer: Off`.") != NULL);

    verdict_advice_from_log(-1, -1, false, "unity.steven.lab", "10.48.36.217", a, sizeof(a));
    CHECK_EQ_STR(a, "Expressway-C gave up on the TLS connection to unity.steven.lab (10.48.36.217) "
                    "without saying why in this line; look for a \"Core server certificate "
                    "verification failed\" or \"SNI ... not in certificate\" line just before it, "
                    "or check the server with `openssl s_client -connect 10.48.36.217:PORT "
                    "-servername unity.steven.lab -showcerts`.");
    /* truncation stays NUL-terminated */
    char small[16];
    verdict_advice_from_log(18, 0, false, "x", "", small, sizeof(small));
    CHECK_EQ_INT(strlen(small), 15);
    /* a cut text says so at its end (trust/textout.c) */
    char mid[80];
    static const char mark[] = " [... cut: longer than tlsscope keeps]";
    verdict_advice_from_log(18, 0, false, "cucm.steven.lab", "10.48.36.215", mid, sizeof(mid));
    CHECK_EQ_INT(strlen(mid), sizeof(mid) - 1);
    CHECK_EQ_STR(mid + sizeof(mid) - sizeof(mark), mark);
    CHECK(strncmp(mid, "The server sent a self-signed certificate (depth 0).",
                  sizeof(mid) - sizeof(mark)) == 0);
    return check_summary();
}
