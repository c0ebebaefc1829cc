/* advice.c — what to fix when all there is is Expressway's log line: the
 * error code, the depth and the names, no certificate. The sentences are
 * the ones verdict.c uses for a judged chain (advice_text.h); what only the
 * certificates can tell (which CA, fingerprints, dates) is replaced by the
 * way to find it out: a capture of the connection. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "advice_text.h"
#include "verdict.h"
#include "textout.h"

int verdict_code_from_text(const char *text)
{
    static const int codes[] = {
        VERR_UNABLE_TO_GET_ISSUER_CERT,  VERR_CERT_SIGNATURE_FAILURE,
        VERR_CERT_NOT_YET_VALID,         VERR_CERT_HAS_EXPIRED,
        VERR_DEPTH_ZERO_SELF_SIGNED_CERT, VERR_SELF_SIGNED_CERT_IN_CHAIN,
        VERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, VERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE,
        VERR_CERT_CHAIN_TOO_LONG,        VERR_INVALID_CA,
        VERR_PATH_LENGTH_EXCEEDED,       VERR_INVALID_PURPOSE,
        VERR_UNHANDLED_CRITICAL_EXTENSION, VERR_HOSTNAME_MISMATCH,
        VERR_IP_ADDRESS_MISMATCH,        VERR_EE_KEY_TOO_SMALL,
        VERR_CA_KEY_TOO_SMALL,           VERR_CA_MD_TOO_WEAK,
        VERR_ERROR_IN_CERT_NOT_BEFORE_FIELD, VERR_ERROR_IN_CERT_NOT_AFTER_FIELD,
        VERR_PERMITTED_VIOLATION,        VERR_EXCLUDED_VIOLATION,
        VERR_SUBTREE_MINMAX,             VERR_UNSUPPORTED_CONSTRAINT_TYPE,
        VERR_UNSUPPORTED_NAME_SYNTAX,    VERR_UNSPECIFIED,
    };
    /* OpenSSL 3.0 renamed a few (crypto/x509/x509_txt.c) */
    static const struct { const char *text; int code; } v3[] = {
        {"self-signed certificate", VERR_DEPTH_ZERO_SELF_SIGNED_CERT},
        {"self-signed certificate in certificate chain", VERR_SELF_SIGNED_CERT_IN_CHAIN},
        {"unsuitable certificate purpose", VERR_INVALID_PURPOSE},
        {"hostname mismatch", VERR_HOSTNAME_MISMATCH},
    };
    if (!text || !text[0]) return -1;
    if (strcasecmp(text, "ok") == 0) return VERR_OK;
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (strcasecmp(text, verdict_code_text(codes[i])) == 0) return codes[i];
    for (size_t i = 0; i < sizeof(v3) / sizeof(v3[0]); i++)
        if (strcasecmp(text, v3[i].text) == 0) return v3[i].code;
    return -1;
}


static const char see_capture[] =
    " A capture of the connection (Diagnostic logging with \"Take tcpdump while logging\") "
    "lets tlsscope name the certificate and export it.";

void verdict_advice_from_log(int code, int depth, bool name_failure, const char *name,
                             const char *server_ip, char *out, size_t n)
{
    struct out o = {out, n, 0};
    if (n) out[0] = '\0';
    if (!name) name = "";
    if (!server_ip) server_ip = "";
    if (name_failure) {
        outf(&o, "The certificate the server presented does not cover \"%s\". " ADVICE_NAME_RULE
                 ADVICE_NAME_FIX, name, name);
        outf(&o, " Then refresh the server on Expressway-C (Configuration > Unified "
                 "Communications) so that it addresses it by that name.");
        return;
    }
    switch (code) {
    case VERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        outf(&o, "The server sent a self-signed certificate (depth 0). Upload this certificate "
                 "to " ADVICE_EVERY_NODE " " ADVICE_CA_PAGE ", " ADVICE_OR_SIGNED
                 " If the store already holds another certificate with the same CN, "
                 ADVICE_CSCWA12905 ": use CA-signed certificates, or reuse one certificate for "
                 "both services (CUCM 14). On CUCM, an ECDSA-first cipher order selects the "
                 "tomcat-ECDSA certificate, often self-signed (Expressway: Maintenance > "
                 "Security > Ciphers, prepend \"ECDHE-RSA-AES256-GCM-SHA384:\" to prefer RSA).");
        break;
    case VERR_SELF_SIGNED_CERT_IN_CHAIN:
        outf(&o, "The chain ends in a self-signed CA (depth %d) that the trust store does not "
                 "hold. Upload that root certificate to " ADVICE_EVERY_NODE " " ADVICE_CA_PAGE
                 " (after checking it is a CA you mean to trust), or have the server "
                 "certificate issued by a CA the store trusts.",
             depth);
        break;
    case VERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        outf(&o, "Upload the missing CA certificate - the issuer of the certificate at depth "
                 "%d, the root or an intermediate - to " ADVICE_EVERY_NODE ", " ADVICE_ISSUERS_UP,
             depth);
        if (depth == 0)
            outf(&o, " If the missing one is an intermediate, the server could also be "
                     "configured to send it.");
        break;
    case VERR_UNABLE_TO_GET_ISSUER_CERT:
        outf(&o, "The trust store holds a CA certificate that is not self-signed, but not its "
                 "issuer (depth %d). Only self-signed certificates are anchors: upload the "
                 "root CA certificate (and any intermediate in between) as well.",
             depth);
        break;
    case VERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        outf(&o, "The server sent only its own certificate and its issuer is not in the trust "
                 "store: upload the issuing CA to " ADVICE_EVERY_NODE ", " ADVICE_ISSUERS_UP);
        break;
    case VERR_CERT_NOT_YET_VALID:
        outf(&o, "The certificate at depth %d is not valid yet: check the clocks of the server, "
                 "the CA and Expressway-C (NTP), or wait/renew." ADVICE_WORKAROUND,
             depth);
        break;
    case VERR_CERT_HAS_EXPIRED:
        outf(&o, "The certificate at depth %d has expired: renew it and install the new one "
                 "(on the server, or in the trust store if it is a CA held there); check the "
                 "clocks too." ADVICE_WORKAROUND,
             depth);
        break;
    case VERR_CERT_SIGNATURE_FAILURE:
        outf(&o, "The signature on the certificate at depth %d does not verify with its "
                 "issuer's key: a different or re-issued CA with the same name. Upload the CA "
                 "certificate that really signed it and remove the stale one.",
             depth);
        break;
    case VERR_CERT_CHAIN_TOO_LONG:
        outf(&o, "The chain is longer than Expressway verifies (depth 7) without reaching a "
                 "trusted root: upload an intermediate CA higher up together with its root, "
                 "or shorten the CA hierarchy.");
        break;
    case VERR_INVALID_CA:
        outf(&o, "The certificate at depth %d issues certificates but is not a CA certificate: "
                 "re-issue it with basicConstraints CA:TRUE and keyUsage keyCertSign.",
             depth);
        break;
    case VERR_PATH_LENGTH_EXCEEDED:
        outf(&o, "The CA at depth %d allows fewer intermediates below it (pathLenConstraint) "
                 "than the chain has: re-issue it without that limit or shorten the hierarchy.",
             depth);
        break;
    case VERR_INVALID_PURPOSE:
        outf(&o, "The certificate at depth %d may not be used by a TLS server: re-issue it "
                 "with extendedKeyUsage serverAuth (\"TLS Web Server Authentication\").",
             depth);
        break;
    case VERR_UNHANDLED_CRITICAL_EXTENSION:
        outf(&o, "The certificate at depth %d carries a critical extension OpenSSL 1.1.1 does "
                 "not handle: re-issue it without that extension or with it non-critical.",
             depth);
        break;
    case VERR_EE_KEY_TOO_SMALL:
    case VERR_CA_KEY_TOO_SMALL:
        outf(&o, "The key of the certificate at depth %d is below OpenSSL security level 1: "
                 "re-issue it with an RSA 2048 or P-256 key.",
             depth);
        break;
    case VERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
    case VERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
        outf(&o, "The certificate at depth %d gives its %s in a form RFC 5280 does not allow "
                 "(YYMMDDHHMMSSZ): have the CA re-issue it.",
             depth, code == VERR_ERROR_IN_CERT_NOT_BEFORE_FIELD ? "notBefore" : "notAfter");
        break;
    case VERR_PERMITTED_VIOLATION:
    case VERR_EXCLUDED_VIOLATION:
    case VERR_SUBTREE_MINMAX:
    case VERR_UNSUPPORTED_CONSTRAINT_TYPE:
    case VERR_UNSUPPORTED_NAME_SYNTAX:
        outf(&o, "A CA above the certificate at depth %d restricts with nameConstraints which "
                 "names it may carry, and it breaks that rule (%s): re-issue it with names the "
                 "CA allows, or have it issued by a CA without that constraint.",
             depth, verdict_code_text(code));
        break;
    case VERR_CA_MD_TOO_WEAK:
        outf(&o, "The certificate at depth %d is signed with a digest OpenSSL security level 1 "
                 "rejects (MD5): re-issue it with SHA-256.",
             depth);
        break;
    default:
        outf(&o, "Expressway-C gave up on the TLS connection to %s%s%s%s without saying why in "
                 "this line; look for a \"Core server certificate verification failed\" or "
                 "\"SNI ... not in certificate\" line just before it, or check the server with "
                 "`openssl s_client -connect %s:PORT -servername %s -showcerts`.",
             name[0] ? name : "the server", server_ip[0] ? " (" : "", server_ip,
             server_ip[0] ? ")" : "", server_ip[0] ? server_ip : name, name);
        return;
    }
    outf(&o, "%s", see_capture);
}
