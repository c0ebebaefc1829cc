/* certrequest.c — the CertificateRequest handshake message: what a server
 * asks of the client's certificate (mutual TLS). A pure parser over one
 * message body with the bounds-checked cursor (common/cursor.h), keeping
 * copies of the certificate_authorities Names for trust/ to read and compare
 * with the client's chain. TLS and DTLS share it.
 *
 * Error convention as in certificate.c: running out of bytes at the top
 * level is TLS_ETRUNC; a length that overruns its enclosing block or bytes
 * left over is TLS_EMALFORMED. What was read before an error stays.
 */
#include <stdlib.h>
#include <string.h>

#include "../common/cursor.h"
#include "tls_internal.h"

#define EXT_SIGNATURE_ALGORITHMS 13    /* RFC 8446 §4.2.3 */
#define EXT_CERTIFICATE_AUTHORITIES 47 /* RFC 8446 §4.2.4 */

void tls_cert_request_clear(struct tls_cert_request *cr)
{
    for (uint16_t i = 0; i < cr->n_ca_names; i++) {
        if (cr->ca_names[i].der) tls_held_give(cr->ca_names[i].len);
        free(cr->ca_names[i].der);
    }
    memset(cr, 0, sizeof *cr);
}

/* DistinguishedName authorities<3..2^16-1> (1.3) / certificate_authorities
 * <0..2^16-2> (1.2), each opaque DistinguishedName<1..2^16-1>: the DER of an
 * X.501 Name. Keeps copies of the first TLS_MAX_CA_NAMES that fit
 * TLS_MAX_CA_NAME_LEN; n_ca_names_total counts them all. */
static int read_ca_names(struct cursor *list, struct tls_cert_request *out, tls_note_fn note,
                         void *ctx)
{
    while (!cur_empty(list)) {
        struct cursor dn;
        if (cur_vec(list, 2, &dn) != 0) {
            if (note) note(ctx, "CA name overruns the certificate_authorities list");
            return TLS_EMALFORMED;
        }
        if (cur_empty(&dn)) {
            if (note) note(ctx, "zero-length CA name");
            continue;
        }
        if (out->n_ca_names_total < UINT16_MAX) out->n_ca_names_total++;
        if (out->n_ca_names >= TLS_MAX_CA_NAMES) continue;
        if (cur_left(&dn) > TLS_MAX_CA_NAME_LEN) continue; /* n < total reports it */
        if (!tls_held_take(cur_left(&dn))) continue;
        uint8_t *copy = malloc(cur_left(&dn));
        if (!copy) {
            tls_held_give(cur_left(&dn));
            return TLS_ECAP;
        }
        memcpy(copy, dn.p, cur_left(&dn));
        out->ca_names[out->n_ca_names].der = copy;
        out->ca_names[out->n_ca_names].len = (uint32_t)cur_left(&dn);
        out->n_ca_names++;
    }
    return TLS_OK;
}

/* SignatureScheme supported_signature_algorithms<2..2^16-2>. */
static int read_sig_algs(struct cursor *c, struct tls_cert_request *out)
{
    struct cursor v;
    if (cur_vec(c, 2, &v) != 0) return TLS_ETRUNC;
    if (cur_left(&v) & 1) return TLS_EMALFORMED;
    out->has_sig_algs = true;
    while (!cur_empty(&v)) {
        uint16_t x;
        if (cur_u16(&v, &x) != 0) return TLS_EMALFORMED;
        if (out->sig_algs.n < TLS_MAX_LIST) out->sig_algs.v[out->sig_algs.n++] = x;
        if (out->sig_algs.total < UINT16_MAX) out->sig_algs.total++;
    }
    return TLS_OK;
}

/* RFC 8446 §4.3.2: opaque certificate_request_context<0..2^8-1>; Extension
 * extensions<2..2^16-1>. signature_algorithms and certificate_authorities
 * are decoded; others are skipped. */
static int parse13(struct cursor *c, struct tls_cert_request *out, tls_note_fn note, void *ctx)
{
    struct cursor rctx, exts;
    if (cur_vec(c, 1, &rctx) != 0) return TLS_ETRUNC;
    if (cur_vec(c, 2, &exts) != 0) return TLS_ETRUNC;
    while (!cur_empty(&exts)) {
        uint16_t type;
        struct cursor body;
        if (cur_u16(&exts, &type) != 0 || cur_vec(&exts, 2, &body) != 0) {
            if (note) note(ctx, "extension overruns the CertificateRequest");
            return TLS_EMALFORMED;
        }
        int rc = TLS_OK;
        if (type == EXT_SIGNATURE_ALGORITHMS && !out->has_sig_algs) {
            rc = read_sig_algs(&body, out);
        } else if (type == EXT_CERTIFICATE_AUTHORITIES && !out->has_ca_list) {
            struct cursor list;
            if (cur_vec(&body, 2, &list) != 0) rc = TLS_EMALFORMED;
            else {
                out->has_ca_list = true;
                rc = read_ca_names(&list, out, note, ctx);
            }
        } else {
            continue;
        }
        if (rc == TLS_OK && !cur_empty(&body)) rc = TLS_EMALFORMED;
        if (rc == TLS_ECAP) return rc;
        if (rc != TLS_OK) {
            if (note) note(ctx, type == EXT_SIGNATURE_ALGORITHMS
                                    ? "malformed signature_algorithms in CertificateRequest"
                                    : "malformed certificate_authorities in CertificateRequest");
            return TLS_EMALFORMED;
        }
    }
    return TLS_OK;
}

/* RFC 5246 §7.4.4: ClientCertificateType certificate_types<1..2^8-1>;
 * SignatureAndHashAlgorithm supported_signature_algorithms<2^16-1> (TLS 1.2
 * only: RFC 4346 §7.4.4 has no such field); DistinguishedName
 * certificate_authorities<0..2^16-1>. */
static int parse12(struct cursor *c, struct tls_cert_request *out, bool with_sig_algs,
                   tls_note_fn note, void *ctx)
{
    struct cursor types, cas;
    if (cur_vec(c, 1, &types) != 0) return TLS_ETRUNC;
    while (!cur_empty(&types)) {
        uint8_t t;
        (void)cur_u8(&types, &t);
        if (out->n_cert_types < TLS_MAX_CERT_TYPES) out->cert_types[out->n_cert_types++] = t;
        if (out->n_cert_types_total < UINT8_MAX) out->n_cert_types_total++;
    }
    if (with_sig_algs) {
        int rc = read_sig_algs(c, out);
        if (rc != TLS_OK) return rc;
    }
    if (cur_vec(c, 2, &cas) != 0) return TLS_ETRUNC;
    out->has_ca_list = !cur_empty(&cas);
    return read_ca_names(&cas, out, note, ctx);
}

int tls_parse_cert_request(struct tls_cert_request *out, const uint8_t *body, size_t len,
                           bool tls13_layout, bool with_sig_algs, tls_note_fn note, void *ctx)
{
    struct cursor c = cur_init(body, len);
    tls_cert_request_clear(out);
    out->tls13_layout = tls13_layout;
    out->present = true;
    int rc = tls13_layout ? parse13(&c, out, note, ctx) : parse12(&c, out, with_sig_algs, note, ctx);
    if (rc == TLS_OK && !cur_empty(&c)) {
        if (note) note(ctx, "bytes after the CertificateRequest");
        rc = TLS_EMALFORMED;
    }
    return rc;
}
