/* handshake.c — what each complete handshake message, CCS, alert and
 * encrypted record means for the connection: the hellos are committed,
 * certificates copied, and the connection-level facts decided:
 *
 *   resumed         session id echo (RFC 5246 §7.3), ticket (RFC 5077 §3.1),
 *                   TLS 1.3 PSK (RFC 8446 §4.2.11)
 *   chain_final     set exactly once, with nochain saying why there is no
 *                   chain (see enum tls_nochain)
 *   handshake_complete
 *                   TLS <= 1.2: both sides sent CCS and an encrypted
 *                   handshake record (Finished); TLS 1.3: the server's
 *                   encrypted flight and the client's encrypted Finished.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cursor.h"
#include "names.h"
#include "tls_internal.h"

struct note_ctx {
    struct tls_conn *c;
    enum tls_side side;
    uint64_t off;
    int64_t ts;
    const char *msg;
};

static void note_event(void *ctx, const char *what)
{
    struct note_ctx *n = (struct note_ctx *)ctx;
    tls_event_fmt(n->c, TLS_EV_MALFORMED, n->side, n->off, 0, n->ts, "%s: %s", n->msg, what);
}

bool tls_conn_is13(const struct tls_conn *c)
{
    return tls_version_is13_family(tls_conn_version(c));
}

/* Suites that authenticate without a server certificate: anonymous DH/ECDH,
 * plain PSK (incl. DHE/ECDHE_PSK), SRP without RSA/DSS, NULL. */
static bool suite_without_certificate(uint16_t cipher)
{
    const struct tls_cipher_info *ci = tls_cipher_lookup(cipher);
    if (!ci) return false;
    return ci->auth == TLS_AUTH_ANON || ci->auth == TLS_AUTH_PSK || ci->auth == TLS_AUTH_NULL;
}

void tls_set_chain_final(struct tls_conn *c, enum tls_nochain why, int64_t ts_ns)
{
    if (c->chain_final) return;
    c->chain_final = true;
    c->nochain = why;
    /* judge at the Certificate's time, else the ServerHello's */
    if (why == TLS_NOCHAIN_NONE || !c->sh.present) c->chain_ts_ns = ts_ns;
    else c->chain_ts_ns = c->sh.ts_ns;
}

/* The chain of a decrypted TLS 1.3 handshake is final once the server's
 * Certificate was read and the client's, if any, can no longer come: the
 * server finished (or stopped) and the client finished, alerted or cannot
 * be read. Without a server Certificate it stays TLS_NOCHAIN_TLS13 (a
 * TLS_EV_DECRYPT event says why), or LOST after a capture gap. The end of the
 * connection decides too (tls_conn_close). */
void tls_on_keys_stopped(struct tls_conn *c, int64_t ts_ns)
{
    struct tls_parser *ps = c->parser;
    bool srv = tls13_keys_active(c, TLS_SERVER), cli = tls13_keys_active(c, TLS_CLIENT);
    if (!c->chain_final) {
        if (ps->server_cert_seen) {
            if (!cli && (c->finished[TLS_SERVER] || !srv))
                tls_set_chain_final(c, TLS_NOCHAIN_NONE, c->server_certs.ts_ns);
        } else if (!srv) {
            tls_set_chain_final(c, c->decrypt_failed || !ps->d[tls_dir_of(c, TLS_SERVER)].gap
                                       ? TLS_NOCHAIN_TLS13
                                       : TLS_NOCHAIN_LOST,
                                ts_ns);
        }
    }
    tls_update_complete(c);
}

void tls_update_complete(struct tls_conn *c)
{
    bool done;
    if (c->handshake_complete || !c->parser) return;
    if (c->ch.sslv2_format && c->sh.present && c->sh.legacy_version == TLS_V_SSL2)
        done = c->parser->sslv2_cmk && c->encrypted_hs[TLS_CLIENT] && c->encrypted_hs[TLS_SERVER];
    else if (tls_conn_is13(c))
        done = c->encrypted_hs[TLS_CLIENT] && c->encrypted_hs[TLS_SERVER] &&
               !tls13_keys_active(c, TLS_CLIENT) && !tls13_keys_active(c, TLS_SERVER);
    else
        done = c->ccs[TLS_CLIENT] && c->ccs[TLS_SERVER] && c->encrypted_hs[TLS_CLIENT] &&
               c->encrypted_hs[TLS_SERVER];
    if (!done) return;
    c->handshake_complete = true;
    /* from here on only record headers are read: the reassembly buffers go
     * (unless a message is half way through one) */
    for (int i = 0; i < 2; i++)
        if (c->parser->d[i].hsh_have == 0 && c->parser->d[i].mode != DM_SSLV2)
            tls_dir_free(&c->parser->d[i]);
}

/* ClientHello: the first one is committed; one after a HelloRetryRequest
 * (RFC 8446 §4.1.4) is parsed, compared and noted, the first one's facts stay. */
static void on_client_hello(struct tls_conn *c, enum tls_side side, const uint8_t *body,
                            uint32_t len, uint64_t off, int64_t ts_ns)
{
    struct tls_parser *ps = c->parser;
    struct note_ctx n = {c, side, off, ts_ns, "ClientHello"};
    int rc;
    if (side != TLS_CLIENT) {
        tls_event_fmt(c, TLS_EV_MALFORMED, side, off, len, ts_ns, "ClientHello from the server");
        return;
    }
    /* Parse into scratch space and commit only a good parse. The scratch
     * (about 5 KB) lives only for this call rather than in every parser:
     * a capture with many unanswered ClientHellos keeps many parsers. */
    struct tls_client_hello *tmp = malloc(sizeof *tmp);
    if (!tmp) {
        tls_event_cap(c, TLS_CAPHIT_MEMORY, side, off, len, ts_ns, "no memory to decode a ClientHello");
        return;
    }
    rc = c->is_dtls ? dtls_parse_client_hello(tmp, body, len, note_event, &n)
                    : tls_parse_client_hello(tmp, body, len, note_event, &n);
    if (rc == TLS_OK && c->is_dtls && c->dtls.client_hellos < UINT16_MAX) c->dtls.client_hellos++;
    if (rc != TLS_OK) {
        tls_event_fmt(c, TLS_EV_MALFORMED, side, off, len, ts_ns, "ClientHello not decoded (%s)",
                      rc == TLS_ETRUNC ? "shorter than its fields" : "malformed");
        free(tmp);
        return;
    }
    if (!c->ch.present && c->keep_ch_raw && !c->is_dtls) {
        if (len > TLS_MAX_RAW_HELLO - 4) {
            c->ch_raw_too_long = true;
        } else if ((c->ch_raw = malloc(4 + (size_t)len))) {
            c->ch_raw[0] = 1; /* client_hello (RFC 8446 §4) */
            c->ch_raw[1] = (uint8_t)(len >> 16);
            c->ch_raw[2] = (uint8_t)(len >> 8);
            c->ch_raw[3] = (uint8_t)len;
            memcpy(c->ch_raw + 4, body, len);
            c->ch_raw_len = 4 + len;
        }
    }
    if (!c->ch.present) {
        tmp->present = true;
        tmp->ts_ns = ts_ns;
        tmp->record_version = ps->d[tls_dir_of(c, side)].rversion;
        c->ch = *tmp;
        free(tmp);
        return;
    }
    bool same_sni = tmp->sni_len == c->ch.sni_len && memcmp(tmp->sni, c->ch.sni, c->ch.sni_len) == 0;
    unsigned cookie_len = tmp->cookie_len;
    free(tmp);
    ps->second_ch = true;
    if (c->is_dtls && c->dtls.hello_verify && !c->hello_retry && c->dtls.client_hellos == 2) {
        /* RFC 6347 §4.2.1: the cookie exchange repeats the ClientHello with
         * the cookie added; the facts are the same */
        tls_event_fmt(c, TLS_EV_CLIENT_HELLO_AGAIN, side, off, len, ts_ns,
                      "second ClientHello (cookie exchange, %u-byte cookie)%s; first one's "
                      "facts kept", cookie_len, same_sni ? "" : ", other SNI");
        return;
    }
    tls_event_fmt(c, TLS_EV_CLIENT_HELLO_AGAIN, side, off, len, ts_ns,
                  "%s ClientHello%s; the first one's facts are kept",
                  c->hello_retry ? "second (after HelloRetryRequest)" : "another",
                  same_sni ? "" : " with a different SNI");
}

/* DTLS HelloVerifyRequest (RFC 6347 §4.2.1): the server asks the client to
 * repeat its ClientHello with a cookie before it commits any state. */
static void on_hello_verify_request(struct tls_conn *c, enum tls_side side, const uint8_t *body,
                                    uint32_t len, uint64_t off, int64_t ts_ns)
{
    uint16_t version;
    uint8_t cookie_len;
    if (!c->is_dtls || side != TLS_SERVER) {
        tls_event_fmt(c, TLS_EV_MALFORMED, side, off, len, ts_ns,
                      "HelloVerifyRequest %s", c->is_dtls ? "from the client" : "outside DTLS");
        return;
    }
    if (dtls_parse_hello_verify_request(body, len, &version, &cookie_len) != TLS_OK) {
        tls_event_fmt(c, TLS_EV_MALFORMED, side, off, len, ts_ns, "HelloVerifyRequest malformed");
        return;
    }
    c->dtls.hello_verify = true;
    c->dtls.cookie_len = cookie_len;
}

static void on_server_hello(struct tls_conn *c, enum tls_side side, const uint8_t *body,
                            uint32_t len, uint64_t off, int64_t ts_ns)
{
    struct tls_parser *ps = c->parser;
    struct tls_server_hello sh;
    struct note_ctx n = {c, side, off, ts_ns, "ServerHello"};
    bool hrr;
    uint16_t group;
    int rc;
    if (side != TLS_SERVER) {
        tls_event_fmt(c, TLS_EV_MALFORMED, side, off, len, ts_ns, "ServerHello from the client");
        return;
    }
    rc = tls_parse_server_hello(&sh, &hrr, &group, body, len, note_event, &n);
    if (rc != TLS_OK) {
        tls_event_fmt(c, TLS_EV_MALFORMED, side, off, len, ts_ns, "ServerHello not decoded (%s)",
                      rc == TLS_ETRUNC ? "shorter than its fields" : "malformed");
        return;
    }
    if (hrr) { /* RFC 8446 §4.1.4: a ServerHello in form, a retry request in meaning */
        c->hello_retry = true;
        c->hrr_group = group;
        c->hrr_cipher = sh.cipher;
        c->hrr_version = sh.selected_version ? sh.selected_version : sh.legacy_version;
        if (!c->hrr.present) {
            c->hrr = sh;
            c->hrr.present = true;
            c->hrr.ts_ns = ts_ns;
        }
        return;
    }
    if (c->sh.present) {
        tls_event_fmt(c, TLS_EV_MALFORMED, side, off, len, ts_ns,
                      "second ServerHello ignored");
        return;
    }
    sh.present = true;
    sh.ts_ns = ts_ns;
    c->sh = sh;
    ps->sid_echo = c->ch.present && c->ch.session_id_len > 0 &&
                   sh.session_id_len == c->ch.session_id_len &&
                   memcmp(sh.session_id, c->ch.session_id, sh.session_id_len) == 0;
    if (tls_conn_is13(c)) {
        /* RFC 8446 §2: everything after the ServerHello is encrypted, the
         * Certificate included — unless a PSK resumed the session (no
         * Certificate at all, §2.2). */
        if (sh.psk_accepted) {
            c->resumed = TLS_RESUME_PSK;
            tls_set_chain_final(c, TLS_NOCHAIN_RESUMED, ts_ns);
        } else if (!(ps->quic_keys ? ps->quic_keys(c, ts_ns) : tls13_keys_start(c, ts_ns))) {
            tls_set_chain_final(c, TLS_NOCHAIN_TLS13, ts_ns);
        }
    }
}

static void on_certificate(struct tls_conn *c, enum tls_side side, const uint8_t *body,
                           uint32_t len, uint64_t off, int64_t ts_ns)
{
    struct tls_certificate *cert = side == TLS_SERVER ? &c->server_certs : &c->client_certs;
    struct note_ctx n = {c, side, off, ts_ns, "Certificate"};
    int rc;
    if (cert->present) {
        tls_event_fmt(c, TLS_EV_MALFORMED, side, off, len, ts_ns,
                      "second plaintext Certificate message ignored");
        return;
    }
    rc = tls_parse_certificate(cert, body, len, tls_conn_is13(c), note_event, &n);
    if (rc == TLS_ECAP) {
        tls_event_cap(c, TLS_CAPHIT_MEMORY, side, off, len, ts_ns, "no memory for certificates");
    } else if (rc != TLS_OK) {
        tls_event_fmt(c, TLS_EV_MALFORMED, side, off, len, ts_ns,
                      "Certificate message malformed; %u certificate(s) kept", cert->n);
        cert->present = true;
    }
    cert->ts_ns = ts_ns;
    if (side == TLS_SERVER && cert->staple.present) c->cert_status = true; /* TLS 1.3 */
    if (cert->n_total > cert->n)
        tls_event_cap(c, TLS_CAPHIT_CHAIN, side, off, len, ts_ns,
                      "kept %u of %u certificates (%u per chain, %u bytes each)", cert->n,
                      cert->n_total, TLS_MAX_CHAIN, TLS_MAX_CERT_LEN);
    if (side == TLS_SERVER) {
        c->parser->server_cert_seen = true;
        /* a decrypted TLS 1.3 handshake waits for the client's Certificate
         * (tls13_keys.c decides when the chains are final) */
        if (!tls13_keys_active(c, TLS_CLIENT) && !tls13_keys_active(c, TLS_SERVER))
            tls_set_chain_final(c, TLS_NOCHAIN_NONE, ts_ns);
    }
}

/* CertificateStatus (TLS <= 1.2, RFC 6066 §8): the OCSP response stapled
 * for the server's leaf, kept with the chain it is about. */
static void on_certificate_status(struct tls_conn *c, const uint8_t *body, uint32_t len,
                                  uint64_t off, int64_t ts_ns)
{
    struct note_ctx n = {c, TLS_SERVER, off, ts_ns, "CertificateStatus"};
    c->cert_status = true;
    int rc = tls_parse_certificate_status(&c->server_certs.staple, body, len, false,
                                          note_event, &n);
    if (rc == TLS_ECAP)
        tls_event_cap(c, TLS_CAPHIT_MEMORY, TLS_SERVER, off, len, ts_ns,
                      "no memory for the OCSP staple");
    else if (rc != TLS_OK)
        tls_event_fmt(c, TLS_EV_MALFORMED, TLS_SERVER, off, len, ts_ns,
                      "CertificateStatus message malformed");
}

/* CertificateRequest: the server will verify a client certificate (mutual
 * TLS); trust/ judges the client's chain against what it asked for. */
static void on_cert_request(struct tls_conn *c, const uint8_t *body, uint32_t len, uint64_t off,
                            int64_t ts_ns)
{
    struct note_ctx n = {c, TLS_SERVER, off, ts_ns, "CertificateRequest"};
    uint16_t v = tls_conn_version(c);
    c->cert_request = true;
    if (c->creq.present) {
        tls_event_fmt(c, TLS_EV_MALFORMED, TLS_SERVER, off, len, ts_ns,
                      "second CertificateRequest ignored");
        return;
    }
    /* supported_signature_algorithms exists from TLS 1.2 (and DTLS 1.2) on */
    bool sig_algs = v == TLS_V_12 || v == DTLS_V_12;
    int rc = tls_parse_cert_request(&c->creq, body, len, tls_conn_is13(c), sig_algs, note_event, &n);
    c->creq.ts_ns = ts_ns;
    if (rc == TLS_ECAP)
        tls_event_fmt(c, TLS_EV_CAP, TLS_SERVER, off, len, ts_ns, "no memory for CA names");
    else if (rc != TLS_OK)
        tls_event_fmt(c, TLS_EV_MALFORMED, TLS_SERVER, off, len, ts_ns,
                      "CertificateRequest malformed; %u CA name(s) kept", c->creq.n_ca_names);
    if (c->creq.n_ca_names_total > c->creq.n_ca_names)
        tls_event_fmt(c, TLS_EV_CAP, TLS_SERVER, off, len, ts_ns,
                      "kept %u of %u CA names (caps: %u names, %u bytes each)", c->creq.n_ca_names,
                      c->creq.n_ca_names_total, TLS_MAX_CA_NAMES, TLS_MAX_CA_NAME_LEN);
}

/* RFC 8446 §4.3.1 EncryptedExtensions: Extension extensions<0..2^16-1>.
 * Kept: ALPN (RFC 7301 §3.1: one protocol name) and the server_name
 * acknowledgement (RFC 6066 §3: empty extension_data). */
static void on_encrypted_extensions(struct tls_conn *c, const uint8_t *body, uint32_t len,
                                    uint64_t off, int64_t ts_ns)
{
    struct cursor cur = cur_init(body, len), exts;
    if (cur_vec(&cur, 2, &exts) != 0 || !cur_empty(&cur)) {
        tls_event_fmt(c, TLS_EV_MALFORMED, TLS_SERVER, off, len, ts_ns,
                      "EncryptedExtensions malformed");
        return;
    }
    while (!cur_empty(&exts)) {
        uint16_t type;
        struct cursor data, list, name;
        if (cur_u16(&exts, &type) != 0 || cur_vec(&exts, 2, &data) != 0) {
            tls_event_fmt(c, TLS_EV_MALFORMED, TLS_SERVER, off, len, ts_ns,
                          "EncryptedExtensions: extension runs past the message");
            return;
        }
        if (type == 0 && cur_empty(&data)) {
            c->sni_ack = true;
        } else if (type == 16 && cur_vec(&data, 2, &list) == 0 && cur_vec(&list, 1, &name) == 0 &&
                   !c->sh.has_alpn) {
            size_t n = cur_left(&name);
            c->sh.has_alpn = true;
            c->sh.alpn.total = (uint16_t)n;
            c->sh.alpn.len = (uint16_t)(n < TLS_MAX_ALPN_LEN ? n : TLS_MAX_ALPN_LEN);
            memcpy(c->sh.alpn.data, name.p, c->sh.alpn.len);
        }
    }
}

/* RFC 8446 §4.4.3 / RFC 5246 §7.4.8 (with §7.4.1.4.1): the signature
 * algorithm comes first. */
static void on_certificate_verify(struct tls_conn *c, enum tls_side side, const uint8_t *body,
                                  uint32_t len)
{
    struct cursor cur = cur_init(body, len);
    uint16_t alg;
    if (tls_conn_version(c) >= TLS_V_12 && cur_u16(&cur, &alg) == 0) c->cert_verify_alg[side] = alg;
}

/* RFC 8422 §5.4 ServerECDHParams: ECParameters {ECCurveType curve_type;
 * NamedCurve namedcurve (curve_type 3)}; explicit curves (1, 2) are named by
 * the registry's arbitrary_explicit_*_curves values. */
static void on_server_key_exchange(struct tls_conn *c, const uint8_t *body, uint32_t len)
{
    const struct tls_cipher_info *ci = tls_cipher_lookup(c->sh.cipher);
    struct cursor cur = cur_init(body, len);
    uint8_t type;
    uint16_t group;
    if (!ci || ci->kx != TLS_KX_ECDHE) return;
    if (ci->auth == TLS_AUTH_PSK) { /* RFC 5489 §2: psk_identity_hint<0..2^16-1> first */
        struct cursor hint;
        if (cur_vec(&cur, 2, &hint) != 0) return;
    }
    if (cur_u8(&cur, &type) != 0) return;
    if (type == 3 && cur_u16(&cur, &group) == 0) c->ske_group = group;
    else if (type == 1) c->ske_group = 0xff01;
    else if (type == 2) c->ske_group = 0xff02;
}

void tls_handshake_message(struct tls_conn *c, enum flow_dir dir, uint8_t type,
                           const uint8_t *body, uint32_t len, uint64_t off, int64_t ts_ns)
{
    enum tls_side side = tls_side_of(c, dir);
    switch (type) {
    case HS_CLIENT_HELLO:
        on_client_hello(c, side, body, len, off, ts_ns);
        break;
    case HS_SERVER_HELLO:
        on_server_hello(c, side, body, len, off, ts_ns);
        break;
    case HS_HELLO_VERIFY_REQUEST:
        on_hello_verify_request(c, side, body, len, off, ts_ns);
        break;
    case HS_HELLO_RETRY_REQUEST: /* TLS 1.3 drafts < 22: a message of its own */
        if (side == TLS_SERVER) {
            c->hello_retry = true;
            if (tls_parse_draft_hello_retry(body, len, &c->hrr_version, &c->hrr_cipher,
                                            &c->hrr_group) != TLS_OK)
                tls_event_fmt(c, TLS_EV_MALFORMED, side, off, len, ts_ns,
                              "HelloRetryRequest not decoded (malformed)");
        }
        break;
    case HS_CERTIFICATE:
        on_certificate(c, side, body, len, off, ts_ns);
        break;
    case HS_SERVER_KEY_EXCHANGE:
        if (side == TLS_SERVER) on_server_key_exchange(c, body, len);
        break;
    case HS_CERTIFICATE_REQUEST:
        if (side == TLS_SERVER) on_cert_request(c, body, len, off, ts_ns);
        break;
    case HS_CERTIFICATE_STATUS:
        if (side == TLS_SERVER) on_certificate_status(c, body, len, off, ts_ns);
        break;
    case HS_NEW_SESSION_TICKET:
        if (side == TLS_SERVER) c->new_session_ticket = true;
        break;
    case HS_ENCRYPTED_EXTENSIONS:
        if (side == TLS_SERVER) on_encrypted_extensions(c, body, len, off, ts_ns);
        break;
    case HS_CERTIFICATE_VERIFY:
        on_certificate_verify(c, side, body, len);
        break;
    case HS_FINISHED:
        c->finished[side] = true;
        if (tls13_keys_used(c)) {
            tls13_keys_finished(c, side);
            tls_on_keys_stopped(c, ts_ns);
        }
        break;
    case HS_SERVER_HELLO_DONE:
        if (side == TLS_SERVER) c->server_hello_done = true;
        /* the server's flight ended without a Certificate: fine for
         * anonymous and PSK suites (RFC 5246 §7.4.2, RFC 4279 §2) */
        if (side == TLS_SERVER && c->sh.present && !c->parser->server_cert_seen &&
            !c->parser->d[dir].gap_before_cert && suite_without_certificate(c->sh.cipher))
            tls_set_chain_final(c, TLS_NOCHAIN_ANON, ts_ns);
        break;
    default:
        break;
    }
}

void tls_handshake_lost(struct tls_conn *c, enum flow_dir dir, uint8_t type, uint64_t off,
                        int64_t ts_ns, bool capped)
{
    enum tls_side side = tls_side_of(c, dir);
    if (!capped)
        tls_event_fmt(c, TLS_EV_MALFORMED, side, off, 0, ts_ns,
                      "%s message lost to a gap", tls_handshake_name(type) ? tls_handshake_name(type) : "handshake");
    if (side == TLS_SERVER && type == HS_CERTIFICATE && !c->parser->server_cert_seen)
        tls_set_chain_final(c, TLS_NOCHAIN_LOST, ts_ns);
}

static bool ch_offers13(const struct tls_conn *c)
{
    for (uint16_t i = 0; i < c->ch.supported_versions.n; i++)
        if (tls_version_is13_family(c->ch.supported_versions.v[i])) return true;
    return false;
}

/* ChangeCipherSpec (RFC 5246 §7.1). A server that sends it before any
 * Certificate runs an abbreviated handshake (§7.3) — or needs none. */
void tls_on_ccs(struct tls_conn *c, enum flow_dir dir, int64_t ts_ns)
{
    struct tls_parser *ps = c->parser;
    enum tls_side side = tls_side_of(c, dir);
    bool is13 = tls_conn_is13(c);
    c->ccs[side] = true;
    /* TLS 1.3 keeps a compatibility CCS (RFC 8446 D.4) that changes nothing:
     * after a 1.3 ServerHello, around a HelloRetryRequest, and from a client
     * offering 1.3 that sends it before the ServerHello (early data) */
    if (!is13 && !c->hello_retry && !(side == TLS_CLIENT && !c->sh.present && ch_offers13(c)))
        ps->d[dir].encrypted = true;
    if (side == TLS_SERVER && !is13 && c->sh.present && !ps->server_cert_seen && !c->chain_final) {
        if (ps->sid_echo) {
            c->resumed = TLS_RESUME_SESSION_ID;
            tls_set_chain_final(c, TLS_NOCHAIN_RESUMED, ts_ns);
        } else if (ps->d[dir].gap_before_cert) {
            tls_set_chain_final(c, TLS_NOCHAIN_LOST, ts_ns);
        } else if (c->ch.has_session_ticket && c->ch.session_ticket_len > 0) {
            c->resumed = TLS_RESUME_TICKET;
            tls_set_chain_final(c, TLS_NOCHAIN_RESUMED, ts_ns);
        } else if (suite_without_certificate(c->sh.cipher)) {
            tls_set_chain_final(c, TLS_NOCHAIN_ANON, ts_ns);
        } else {
            /* abbreviated without visible evidence: RFC 5077 §3.4 lets a
             * server resume from a ticket the client sent in a way we did
             * not decode; say so */
            c->resumed = c->ch.has_session_ticket ? TLS_RESUME_TICKET : TLS_RESUME_SESSION_ID;
            tls_event_fmt(c, TLS_EV_MALFORMED, side, ps->d[dir].rec_off, 0, ts_ns,
                          "server went to ChangeCipherSpec without a Certificate or a "
                          "matching session id");
            tls_set_chain_final(c, TLS_NOCHAIN_RESUMED, ts_ns);
        }
    }
    tls_update_complete(c);
}

void tls_on_alert(struct tls_conn *c, enum flow_dir dir, bool encrypted, uint8_t level,
                  uint8_t desc, int64_t ts_ns)
{
    enum tls_side side = tls_side_of(c, dir);
    if (c->n_alerts < TLS_MAX_ALERTS) {
        struct tls_alert *a = &c->alerts[c->n_alerts++];
        a->from = side;
        a->encrypted = encrypted;
        a->level = level;
        a->desc = desc;
        a->ts_ns = ts_ns;
    }
    if (c->n_alerts_total < UINT8_MAX) c->n_alerts_total++;
    /* RFC 5246 §7.2: a fatal alert ends the connection — before a
     * Certificate, the server refused to show one */
    if (side == TLS_SERVER && !encrypted && level == 2 && !c->parser->server_cert_seen)
        tls_set_chain_final(c, TLS_NOCHAIN_ALERT, ts_ns);
}

void tls_on_encrypted_record(struct tls_conn *c, enum flow_dir dir, uint8_t type, uint32_t len,
                             int64_t ts_ns)
{
    enum tls_side side = tls_side_of(c, dir);
    (void)type;
    (void)len;
    (void)ts_ns;
    c->encrypted_hs[side] = true;
    tls_update_complete(c);
}

/* The first record found by the any-record matcher (capture began after the
 * handshake, or after a gap): application data before any ClientHello means
 * the handshake is not in the capture. */
void tls_on_first_sync(struct tls_conn *c, enum flow_dir dir, uint8_t first_type, int64_t ts_ns)
{
    (void)dir;
    c->is_tls = true;
    /* no handshake to tell the roles: the side on a well-known port is the
     * server (a capture that starts mid-connection sees either side first) */
    if (!c->parser->roles_fixed && !c->ch.present) {
        if (c->client_port < 1024 && c->server_port >= 1024) tls_roles_fix(c, FLOW_DIR_B);
        else if (c->server_port < 1024 && c->client_port >= 1024) tls_roles_fix(c, FLOW_DIR_A);
    }
    /* With the connection's SYN in the capture the handshake was there and
     * got lost (gaps, a small snaplen); without it, the capture began late. */
    if (!c->ch.present && first_type == CT_APPDATA)
        tls_set_chain_final(c, c->parser->flow_midstream || c->is_dtls ? TLS_NOCHAIN_MIDSTREAM
                                                                       : TLS_NOCHAIN_LOST,
                            ts_ns);
}

/* SSLv2 SERVER-HELLO (SSL 2.0 spec; RFC 6101 Appendix E):
 *   uint8 msg_type = 4; uint8 session_id_hit; uint8 certificate_type;
 *   uint16 server_version; uint16 certificate_length; uint16
 *   cipher_specs_length; uint16 connection_id_length; then the data. */
static void on_sslv2_server_hello(struct tls_conn *c, const uint8_t *body, uint32_t len,
                                  uint64_t off, int64_t ts_ns)
{
    struct cursor cur = cur_init(body, len);
    uint8_t type, hit, cert_type;
    uint16_t version, cert_len, cs_len, cid_len;
    const uint8_t *cert;
    if (cur_u8(&cur, &type) || cur_u8(&cur, &hit) || cur_u8(&cur, &cert_type) ||
        cur_u16(&cur, &version) || cur_u16(&cur, &cert_len) || cur_u16(&cur, &cs_len) ||
        cur_u16(&cur, &cid_len) || cur_bytes(&cur, cert_len, &cert) || cur_skip(&cur, cs_len) ||
        cur_skip(&cur, cid_len) || !cur_empty(&cur)) {
        tls_event_fmt(c, TLS_EV_MALFORMED, TLS_SERVER, off, len, ts_ns,
                      "SSLv2 SERVER-HELLO malformed");
        return;
    }
    memset(&c->sh, 0, sizeof c->sh);
    c->sh.present = true;
    c->sh.ts_ns = ts_ns;
    c->sh.legacy_version = version;
    if (hit) {
        c->resumed = TLS_RESUME_SESSION_ID;
        tls_set_chain_final(c, TLS_NOCHAIN_RESUMED, ts_ns);
        return;
    }
    if (cert_type == 1 && cert_len > 0) { /* SSL_CT_X509_CERTIFICATE: one DER */
        uint8_t *der = NULL;
        if (tls_held_take(cert_len) && !(der = malloc(cert_len))) tls_held_give(cert_len);
        if (der) {
            tls_certificate_clear(&c->server_certs);
            memcpy(der, cert, cert_len);
            c->server_certs.certs[0].der = der;
            c->server_certs.certs[0].len = cert_len;
            c->server_certs.n = c->server_certs.n_total = 1;
            c->server_certs.present = true;
            c->server_certs.ts_ns = ts_ns;
            c->parser->server_cert_seen = true;
            tls_set_chain_final(c, TLS_NOCHAIN_NONE, ts_ns);
            return;
        }
    }
    tls_set_chain_final(c, TLS_NOCHAIN_SSLV2, ts_ns);
}

void tls_on_sslv2_record(struct tls_conn *c, enum flow_dir dir, const uint8_t *body, uint32_t len,
                         uint64_t off, int64_t ts_ns)
{
    struct tls_parser *ps = c->parser;
    enum tls_side side = tls_side_of(c, dir);
    if (side == TLS_CLIENT && body && !c->ch.present) {
        struct tls_client_hello *tmp = malloc(sizeof *tmp);
        if (!tmp || tls_parse_sslv2_client_hello(tmp, body, len) != TLS_OK) {
            tls_event_fmt(c, TLS_EV_MALFORMED, side, off, len, ts_ns,
                          "SSLv2 CLIENT-HELLO %s", tmp ? "malformed" : "not decoded (no memory)");
            free(tmp);
            return;
        }
        tmp->present = true;
        tmp->ts_ns = ts_ns;
        c->ch = *tmp;
        free(tmp);
        tls_event_fmt(c, TLS_EV_SSLV2_HELLO, side, off, len, ts_ns,
                      "SSLv2-format ClientHello offering %s",
                      tls_version_name(c->ch.legacy_version) ? tls_version_name(c->ch.legacy_version)
                                                             : "an unknown version");
        return;
    }
    if (side == TLS_CLIENT && body && len >= 1 && body[0] == 2 && !ps->sslv2_cmk) {
        ps->sslv2_cmk = true; /* CLIENT-MASTER-KEY: keys follow, all else is encrypted */
        return;
    }
    if (side == TLS_SERVER && body && !c->sh.present && len >= 1 && body[0] == 4) {
        on_sslv2_server_hello(c, body, len, off, ts_ns);
        return;
    }
    /* encrypted SSLv2 records: handshake until both sides sent one after
     * the key exchange, application data after */
    if (c->handshake_complete) {
        c->app_data_records[side]++;
        c->app_data_bytes[side] += len;
    } else if (side == TLS_SERVER ? c->sh.present : ps->sslv2_cmk) {
        c->encrypted_hs[side] = true;
        tls_update_complete(c);
    }
}
