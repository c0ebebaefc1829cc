/* advice_text.h (private to trust/) — the sentences the advice for a
 * captured chain (verdict.c) and the advice from a log line alone
 * (advice.c) share, so that both say the same thing the same way. */
#ifndef TLSSCOPE_TRUST_ADVICE_TEXT_H
#define TLSSCOPE_TRUST_ADVICE_TEXT_H

#define ADVICE_EVERY_NODE "the trust store of every Expressway-C cluster node"
#define ADVICE_CA_PAGE "(Maintenance > Security > Trusted CA certificate)"
#define ADVICE_OR_SIGNED "or have it signed by a CA the store trusts."
#define ADVICE_ISSUERS_UP "together with its own issuers up to the self-signed root."
#define ADVICE_WORKAROUND                                              \
    " Short-term workaround on Expressway-C (turns verification off): " \
    "`xConfiguration EdgeConfigServer VerifyOriginServer: Off`."
#define ADVICE_NAME_RULE \
    "Expressway compares the name with the DNS SANs and the first CN only, never with IP SANs"
#define ADVICE_NAME_FIX                                                                 \
    ": add DNS:%s to the certificate's subjectAltName and re-issue it, or change how the " \
    "server is addressed (e.g. CUCM System > Server) to a name the certificate carries."
#define ADVICE_CSCWA12905                                                         \
    "Expressway cannot keep two trust-store certificates with the same CN (CSCwa12905)"

#endif
