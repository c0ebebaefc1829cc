/* clientauth.h — mutual TLS: would the server accept the client's chain?
 * Implements VERIFY-SPEC "The client's certificate (mutual TLS)".
 *
 * When a server sends CertificateRequest (CUCM does on 6971/6972 to
 * Expressway-C's traffic server), it verifies the client's chain against its
 * own store: same chain building and checks as a server's chain (verdict.h)
 * with purpose ssl_client and no name check. What it asked for (CA list,
 * signature algorithms, certificate types) and what the client sent are
 * facts from dissect/; this module turns them into a `struct verdict` of the
 * same shape as the server verdict, with the server's predicted alert, the
 * alert the server really sent, and advice worded for the server's side
 * (CUCM: tomcat-trust and CallManager-trust, CSCvz45074).
 *
 * Everything is computed from tls_conn facts, so a client Certificate that
 * only becomes visible by decryption (TLS 1.3 with a key log) is judged the
 * same way once dissect/ fills conn->client_certs and conn->creq.
 *
 * Ownership: holds references into the cert cache and the client store like
 * struct verdict; both must outlive it. Strings are inline.
 */
#ifndef TLSSCOPE_TRUST_CLIENTAUTH_H
#define TLSSCOPE_TRUST_CLIENTAUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "../dissect/tls.h"
#include "cert.h"
#include "store.h"
#include "verdict.h"

/* Not an OpenSSL X509_V_ERR code: the client answered CertificateRequest
 * with an empty Certificate (OpenSSL: SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE,
 * "peer did not return a certificate"). */
#define VERR_TLSSCOPE_NO_CLIENT_CERT 1001

#define CLIENTAUTH_CA_TEXT 200   /* bytes kept of each CA name's text */

enum client_sent {
    CLIENT_SENT_UNSEEN = 0,      /* no client Certificate in the capture (TLS 1.3
                                    encrypted, lost, connection ended first) */
    CLIENT_SENT_EMPTY,           /* an empty Certificate: the client has none to give */
    CLIENT_SENT_CHAIN,
};

/* Is any issuer of the client's chain in the CertificateRequest's
 * certificate_authorities? (OpenSSL's client picks its certificate by this
 * list: tls1_check_chain / ssl_check_ca_name.) */
enum ca_list_match {
    CA_LIST_NONE = 0,            /* the server sent no CA list: any issuer may do */
    CA_LIST_LISTED,              /* an issuer of the chain is listed */
    CA_LIST_NOT_LISTED,          /* none is: a warning even before verification */
    CA_LIST_INCOMPLETE,          /* not found in the part of the list kept (caps) */
    CA_LIST_NO_CHAIN,            /* a list, but no client chain to compare */
};

struct client_auth {
    /* what the server asked for (conn->creq; names parsed here) */
    char ca_names[TLS_MAX_CA_NAMES][CLIENTAUTH_CA_TEXT]; /* "CN=..., O=..." raw UTF-8 */
    uint16_t n_ca_names, n_ca_names_total;
    enum client_sent sent;
    enum ca_list_match ca_list;
    int ca_list_index;           /* index into ca_names of the match, -1 */
    int ca_list_wire;            /* wire index of the client certificate whose issuer
                                    matched, -1 */
    struct verdict verdict;      /* purpose ssl_client; observed_alert is the server's */
};

struct client_judge_input {
    const struct tls_conn *conn;
    const struct cert *const *chain;  /* the client's chain, interned, wire order */
    int n_chain;
    const struct trust_store *store;  /* the server's store (--client-trust); NULL: not judged */
    enum verdict_profile profile;
    int64_t at;
    bool probe;                       /* tlsscope probe was the client: what it did not
                                       * send is known, not unseen */
    bool server_accepted;             /* the probe opened the server's answer after its
                                       * Finished (TLS 1.3, application key): a
                                       * NewSessionTicket or data, no alert — the server
                                       * took the client's certificate */
};

/* Judge the client side of a connection whose server sent CertificateRequest
 * (conn->cert_request). Always fills *out. Call when the connection is over:
 * the client's Certificate and the server's answer come late. */
void client_auth_judge(const struct client_judge_input *in, struct client_auth *out);

/* Look again at what the server did about the client's answer (its alert,
 * or carrying on) once more of the connection was seen: a verdict judged
 * before the connection ended (a live row) is completed at its end.
 * server_accepted: as client_judge_input's (the probe saw the server take
 * its certificate). */
void client_auth_observe(struct client_auth *ca, const struct tls_conn *conn, bool server_accepted);

/* Short labels for reports: "listed", "not_listed", ... and "chain", "empty",
 * "unseen". */
const char *client_ca_list_name(enum ca_list_match m);
const char *client_sent_name(enum client_sent s);

#endif
