/* clientauth.c — the client side of mutual TLS (see clientauth.h): the
 * server's CertificateRequest against the client's chain, the chain judged
 * by verdict.c with purpose ssl_client, the server's alert and advice worded
 * for the server's trust store.
 */
#include "clientauth.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cursor.h"
#include "../common/timefmt.h"
#include "../dissect/names.h"
#include "der.h"
#include "internal.h"
#include "textout.h"

/* RFC 8446 §6 AlertDescription values the server sends here. */
#define ALERT_HANDSHAKE_FAILURE 40
#define ALERT_CERTIFICATE_REQUIRED 116

#define ADVICE_SERVER_STORE \
    "the server's trust store (CUCM: tomcat-trust and CallManager-trust on every node, CSCvz45074)"

const char *client_ca_list_name(enum ca_list_match m)
{
    switch (m) {
    case CA_LIST_LISTED: return "listed";
    case CA_LIST_NOT_LISTED: return "not_listed";
    case CA_LIST_INCOMPLETE: return "incomplete";
    case CA_LIST_NO_CHAIN: return "no_chain";
    default: return "no_list";
    }
}

const char *client_sent_name(enum client_sent s)
{
    switch (s) {
    case CLIENT_SENT_EMPTY: return "empty";
    case CLIENT_SENT_CHAIN: return "chain";
    default: return "unseen";
    }
}

/* One CA name from the CertificateRequest: DER of a Name SEQUENCE. Text for
 * the reports, canonical bytes (X509_NAME_cmp) for the comparison. */
static bool ca_name_parse(const struct tls_cert_der *dn, char *text_out, size_t text_len,
                          uint8_t **canon, uint32_t *canon_len)
{
    struct cursor c = cur_init(dn->der, dn->der ? dn->len : 0), name;
    char *text = NULL, *cn = NULL;
    *canon = NULL;
    *canon_len = 0;
    snprintf(text_out, text_len, "(undecodable name, %u bytes)", dn->len);
    if (!dn->der || der_expect(&c, DER_SEQUENCE, &name) != 0 || !cur_empty(&c)) return false;
    if (x509_name_parse(&name, &text, &cn, NULL, canon, canon_len) != 0) {
        free(text);
        free(cn);
        free(*canon);
        *canon = NULL;
        return false;
    }
    snprintf(text_out, text_len, "%s", text ? text : "");
    free(text);
    free(cn);
    return true;
}

/* tls1_check_chain()/ssl_check_ca_name(): is the issuer of any certificate
 * the client sent one of the names the server listed? */
static void check_ca_list(const struct client_judge_input *in, struct client_auth *out)
{
    const struct tls_cert_request *cr = &in->conn->creq;
    uint8_t *canon[TLS_MAX_CA_NAMES] = {0};
    uint32_t canon_len[TLS_MAX_CA_NAMES] = {0};

    out->n_ca_names = cr->n_ca_names;
    out->n_ca_names_total = cr->n_ca_names_total;
    for (uint16_t i = 0; i < cr->n_ca_names && i < TLS_MAX_CA_NAMES; i++)
        ca_name_parse(&cr->ca_names[i], out->ca_names[i], sizeof out->ca_names[i], &canon[i],
                      &canon_len[i]);
    out->ca_list_index = -1;
    out->ca_list_wire = -1;
    if (!cr->has_ca_list || cr->n_ca_names_total == 0) {
        out->ca_list = CA_LIST_NONE;
    } else if (out->sent != CLIENT_SENT_CHAIN || in->n_chain <= 0) {
        out->ca_list = CA_LIST_NO_CHAIN;
    } else {
        for (int w = 0; w < in->n_chain && out->ca_list_index < 0; w++) {
            const struct cert *c = in->chain[w];
            if (!c || !c->issuer_canon) continue;
            for (uint16_t i = 0; i < cr->n_ca_names && i < TLS_MAX_CA_NAMES; i++) {
                if (!canon[i]) continue;
                if (x509_canon_eq(canon[i], canon_len[i], c->issuer_canon, c->issuer_canon_len)) {
                    out->ca_list_index = i;
                    out->ca_list_wire = w;
                    break;
                }
            }
        }
        /* A cap that cut the list (or the chain) makes "not listed" unknown,
         * never a finding. */
        bool cut = cr->n_ca_names < cr->n_ca_names_total ||
                   in->conn->client_certs.n < in->conn->client_certs.n_total;
        if (out->ca_list_index >= 0) out->ca_list = CA_LIST_LISTED;
        else out->ca_list = cut ? CA_LIST_INCOMPLETE : CA_LIST_NOT_LISTED;
    }
    for (int i = 0; i < TLS_MAX_CA_NAMES; i++) free(canon[i]);
}

/* The first alert the server sent once it had the client's answer: what it
 * did about the client's certificate. */
static void observe_server(struct verdict *v, const struct tls_conn *conn, int64_t since_ns,
                           bool server_accepted)
{
    v->observed_alert = -1;
    v->agrees = AGREE_UNKNOWN;
    for (int i = 0; i < conn->n_alerts && i < TLS_MAX_ALERTS; i++) {
        const struct tls_alert *a = &conn->alerts[i];
        if (a->from != TLS_SERVER || a->ts_ns < since_ns) continue;
        /* an encrypted alert after a completed handshake closes an accepted session */
        if (a->encrypted && conn->handshake_complete) continue;
        v->observed_alert = a->encrypted ? -2 : a->desc;
        break;
    }
    if (v->status == VERDICT_NOT_JUDGED || v->observed_alert == -2) return;
    if (v->status == VERDICT_FAILED && v->code == VERR_TLSSCOPE_UNPARSABLE) return;
    if (v->observed_alert >= 0) {
        if (v->status == VERDICT_FAILED)
            v->agrees = v->observed_alert == v->predicted_alert ? AGREE_YES : AGREE_NO;
        else
            v->agrees = v->observed_alert == 0 || v->observed_alert == 90 ? AGREE_YES : AGREE_NO;
        return;
    }
    /* No alert seen. In TLS 1.3 the server sent its Finished before the
     * client's Certificate, and its refusal travels encrypted as an opaque
     * record: a capture cannot tell whether it accepted. The probe can: it
     * holds the server's application key and read its answer (a
     * NewSessionTicket or data, RFC 8446 §4.6.1: sent only after the
     * client's Finished was verified). */
    if (tls_version_is13_family(tls_conn_version(conn))) {
        if (server_accepted) v->agrees = v->status == VERDICT_TRUSTED ? AGREE_YES : AGREE_NO;
        return;
    }
    /* TLS <= 1.2: did the server carry on (its CCS and Finished, data)? */
    bool went_on = conn->ccs[TLS_SERVER] || conn->handshake_complete ||
                   conn->app_data_records[TLS_SERVER] > 0;
    if (went_on) v->agrees = v->status == VERDICT_TRUSTED ? AGREE_YES : AGREE_NO;
}

static void server_endpoint(const struct tls_conn *conn, char *out, size_t n)
{
    char ip[64] = "";
    inet_ntop(conn->family == 6 ? AF_INET6 : AF_INET, conn->server_ip, ip, sizeof ip);
    if (conn->family == 6) snprintf(out, n, "[%s]:%u", ip, conn->server_port);
    else snprintf(out, n, "%s:%u", ip, conn->server_port);
}

static const char *cn_or_subject(const struct cert *c)
{
    return c->subject_cn[0] ? c->subject_cn : c->subject;
}

/* "subject (key id ab:cd..., SHA-256 12:34...)" of a CA certificate the
 * capture holds. */
static void describe_ca(struct out *o, const struct cert *c)
{
    char fp[100], kid[200];
    cert_fingerprint_hex(c->sha256, 32, fp, sizeof fp, true);
    outf(o, "\"%s\" (", c->subject);
    if (c->ski_len) {
        cert_fingerprint_hex(c->ski, c->ski_len, kid, sizeof kid, true);
        outf(o, "key id %s, ", kid);
    }
    outf(o, "SHA-256 %s)", fp);
}

static void eku_text(const struct cert *c, char *out, size_t n)
{
    struct out o = {out, n, 0};
    out[0] = '\0';
    if (c->eku & CERT_EKU_SERVER_AUTH) outf(&o, "serverAuth");
    if (c->eku & CERT_EKU_CLIENT_AUTH) outf(&o, "%sclientAuth", o.len ? ", " : "");
    if (c->eku & CERT_EKU_ANY) outf(&o, "%sanyExtendedKeyUsage", o.len ? ", " : "");
    if (c->eku & CERT_EKU_OTHER) outf(&o, "%sother purposes", o.len ? ", " : "");
}

/* VERIFY-SPEC "The client's certificate": fixes on the server's side (upload
 * the CA certificates) or the client's (re-issue with clientAuth). */
static void write_client_advice(struct verdict *v, const struct client_judge_input *in)
{
    struct out o = {v->advice, sizeof v->advice, 0};
    const struct cert *c = v->cert_index >= 0 && v->cert_index < v->n_path
                               ? v->path[v->cert_index].cert : NULL;
    char srv[80], kid[200], when[TIMEFMT_LEN];
    server_endpoint(in->conn, srv, sizeof srv);
    v->advice[0] = '\0';
    if (!c) return;
    switch (v->code) {
    case VERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        outf(&o, "The client sent a self-signed certificate ");
        describe_ca(&o, c);
        outf(&o, ". Upload it to " ADVICE_SERVER_STORE " of %s, or have the client certificate "
                 "signed by a CA that store trusts.", srv);
        break;
    case VERR_SELF_SIGNED_CERT_IN_CHAIN:
        outf(&o, "The client's chain ends in the root CA ");
        describe_ca(&o, c);
        outf(&o, ", which the server's store does not hold. Upload that root");
        for (int i = 1; i < v->cert_index; i++)
            if (v->path[i].src == CHAIN_FROM_PEER) {
                outf(&o, " and the intermediate ");
                describe_ca(&o, v->path[i].cert);
            }
        outf(&o, " to " ADVICE_SERVER_STORE " of %s.", srv);
        break;
    case VERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case VERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case VERR_UNABLE_TO_GET_ISSUER_CERT:
        outf(&o, "Upload the CA certificate \"%s\" (the issuer of \"%s\" at depth %d",
             c->issuer, cn_or_subject(c), v->cert_index);
        if (c->aki_len) {
            cert_fingerprint_hex(c->aki, c->aki_len, kid, sizeof kid, true);
            outf(&o, ", key id %s", kid);
        }
        outf(&o, "; the client did not send it, so its SHA-256 is not in the capture)");
        for (int i = 1; i <= v->cert_index; i++)
            if (v->path[i].src == CHAIN_FROM_PEER) {
                outf(&o, " and the intermediate ");
                describe_ca(&o, v->path[i].cert);
            }
        outf(&o, " to " ADVICE_SERVER_STORE " of %s, with any issuers above up to the "
                 "self-signed root.", srv);
        break;
    case VERR_INVALID_PURPOSE: {
        char eku[120];
        eku_text(c, eku, sizeof eku);
        if (v->cert_index == 0) {
            outf(&o, "Re-issue the client certificate \"%s\" with clientAuth in its extended "
                     "key usage",
                 cn_or_subject(c));
            if (c->has_eku) outf(&o, " (it has %s; a CA's \"Web Server\" template gives "
                                     "serverAuth only)", eku);
            else if (c->has_key_usage)
                outf(&o, " and digitalSignature or keyAgreement in its key usage");
            outf(&o, "; %s refuses it for TLS client authentication.", srv);
        } else {
            outf(&o, "The CA ");
            describe_ca(&o, c);
            outf(&o, " at depth %d is not valid for TLS client authentication (extended key "
                     "usage: %s): have the client certificate issued by a CA without that "
                     "restriction.",
                 v->cert_index, c->has_eku ? eku : "none");
        }
        break;
    }
    case VERR_CERT_HAS_EXPIRED:
        time_iso8601_s(c->not_after, when);
        outf(&o, "The certificate \"%s\" at depth %d expired on %s: renew it on the client.",
             cn_or_subject(c), v->cert_index, when);
        break;
    case VERR_CERT_NOT_YET_VALID:
        time_iso8601_s(c->not_before, when);
        outf(&o, "The certificate \"%s\" at depth %d is valid only from %s: check the clocks "
                 "of the server and the CA.",
             cn_or_subject(c), v->cert_index, when);
        break;
    default:
        outf(&o, "%s would refuse the client's certificate: %s at depth %d (\"%s\").", srv,
             v->reason, v->cert_index, cn_or_subject(c));
        break;
    }
}

static void set_not_judged(struct verdict *v, const char *why)
{
    v->status = VERDICT_NOT_JUDGED;
    v->code = -1;
    v->depth = -1;
    v->cert_index = -1;
    v->predicted_alert = -1;
    v->reason[0] = '\0';
    v->advice[0] = '\0';
    snprintf(v->not_judged, sizeof v->not_judged, "%s", why);
}

void client_auth_judge(const struct client_judge_input *in, struct client_auth *out)
{
    const struct tls_conn *conn = in->conn;
    struct verdict *v = &out->verdict;
    memset(out, 0, sizeof *out);
    v->status = VERDICT_NOT_JUDGED;
    v->code = v->depth = v->cert_index = v->predicted_alert = v->observed_alert = -1;
    v->profile = in->profile;
    out->ca_list_index = out->ca_list_wire = -1;
    if (!conn) return;

    if (conn->client_certs.present)
        out->sent = conn->client_certs.empty ? CLIENT_SENT_EMPTY : CLIENT_SENT_CHAIN;
    check_ca_list(in, out);

    bool is13 = tls_version_is13_family(tls_conn_version(conn));
    switch (out->sent) {
    case CLIENT_SENT_UNSEEN:
        set_not_judged(v, in->probe  ? (is13 ? "the probe sent no client certificate (give one "
                                                "with --cert and --key)"
                                              : "the probe sent no client certificate (give one "
                                                "with --cert and --key; TLS 1.2: with an ECDHE "
                                                "AES-GCM suite and X25519 or P-256 only)")
                          : is13 ? "TLS 1.3: the client's Certificate is encrypted (a key log "
                                   "would make it visible)"
                                 : "no client Certificate in the capture");
        break;
    case CLIENT_SENT_EMPTY:
        /* OpenSSL tls_process_client_certificate() with
         * SSL_VERIFY_FAIL_IF_NO_PEER_CERT: handshake_failure in 1.2,
         * certificate_required in 1.3. */
        v->status = VERDICT_FAILED;
        v->code = VERR_TLSSCOPE_NO_CLIENT_CERT;
        v->depth = 0;
        snprintf(v->reason, sizeof v->reason, "peer did not return a certificate");
        v->predicted_alert = is13 ? ALERT_CERTIFICATE_REQUIRED : ALERT_HANDSHAKE_FAILURE;
        {
            char srv[80];
            server_endpoint(conn, srv, sizeof srv);
            snprintf(v->advice, sizeof v->advice,
                     "%s asked for a client certificate and the client sent none; a server "
                     "that requires one (CUCM on 6971/6972) refuses the connection. Give the "
                     "client a certificate issued by a CA in the server's trust store "
                     "(Expressway-C presents its server certificate, which then needs "
                     "clientAuth in its extended key usage).",
                     srv);
        }
        break;
    case CLIENT_SENT_CHAIN:
        if (!in->store) {
            for (int i = 0; i < in->n_chain && v->n_path < VERDICT_MAX_PATH; i++) {
                if (!in->chain[i]) continue;
                v->path[v->n_path].cert = in->chain[i];
                v->path[v->n_path].src = CHAIN_FROM_PEER;
                v->path[v->n_path].wire_index = i;
                v->n_path++;
            }
            set_not_judged(v, "no trust store for the server's side (give one with "
                              "--client-trust)");
            break;
        }
        {
            struct judge_input ji = {
                .conn = conn,
                .chain = in->chain,
                .n_chain = in->n_chain,
                .store = in->store,
                .profile = in->profile,
                .at = in->at,
                .chain_only = true,
                .purpose = PURPOSE_SSL_CLIENT,
            };
            verdict_judge(&ji, v);
        }
        /* A server checks no name, and logs no ATS line about its client. */
        v->name_checked[0] = '\0';
        v->name_from_sni = false;
        v->name_ok = false;
        v->would_log[0] = '\0';
        v->ecdsa_suite = false;
        if (v->status == VERDICT_FAILED) write_client_advice(v, in);
        break;
    }
    client_auth_observe(out, conn, in->server_accepted);
}

void client_auth_observe(struct client_auth *ca, const struct tls_conn *conn, bool server_accepted)
{
    int64_t since = conn->client_certs.present ? conn->client_certs.ts_ns : conn->creq.ts_ns;
    observe_server(&ca->verdict, conn, since, server_accepted);
}
