/* certificate.c — the Certificate handshake message: a pure parser over one
 * message body (RFC 5246 §7.4.2, RFC 8446 §4.4.2) with the bounds-checked
 * cursor (common/cursor.h), keeping copies of the DER certificates for
 * trust/. TLS and DTLS share it.
 *
 * Error convention as in hello.c: running out of bytes at the top level is
 * TLS_ETRUNC (the caller holds a prefix); a length that overruns its
 * enclosing block or bytes left over is TLS_EMALFORMED.
 */
#include <stdlib.h>
#include <string.h>

#include "../common/cursor.h"
#include "tls_internal.h"

void tls_certificate_clear(struct tls_certificate *cert)
{
    for (uint16_t i = 0; i < cert->n; i++) {
        if (cert->certs[i].der) tls_held_give(cert->certs[i].len);
        free(cert->certs[i].der);
    }
    tls_ocsp_staple_clear(&cert->staple);
    memset(cert, 0, sizeof *cert);
}

/* Extension extensions<0..2^16-1> of the leaf's CertificateEntry: keep the
 * status_request (5) staple. A malformed list or staple is noted, and the
 * certificates are still read. */
static void leaf_extensions(struct tls_certificate *out, struct cursor ext, tls_note_fn note,
                            void *ctx)
{
    while (!cur_empty(&ext)) {
        uint16_t type;
        struct cursor data;
        if (cur_u16(&ext, &type) != 0 || cur_vec(&ext, 2, &data) != 0) {
            if (note) note(ctx, "CertificateEntry extension overruns its list");
            return;
        }
        if (type == 5 /* status_request */) {
            if (tls_parse_certificate_status(&out->staple, data.p, cur_left(&data), true, note,
                                             ctx) == TLS_ECAP &&
                note)
                note(ctx, "no memory for the OCSP staple");
        }
    }
}

/* RFC 5246 §7.4.2: ASN.1Cert certificate_list<0..2^24-1>, ASN.1Cert =
 * opaque<1..2^24-1>. RFC 8446 §4.4.2: opaque certificate_request_context
 * <0..2^8-1>; CertificateEntry certificate_list<0..2^24-1>, each
 * {opaque cert_data<1..2^24-1>; Extension extensions<0..2^16-1>}.
 * Keeps copies of the first TLS_MAX_CHAIN certificates that fit
 * TLS_MAX_CERT_LEN; n_total counts them all. On error the certificates
 * read so far stay (the caller decides). */
int tls_parse_certificate(struct tls_certificate *out, const uint8_t *body, size_t len,
                          bool tls13_layout, tls_note_fn note, void *ctx)
{
    struct cursor c = cur_init(body, len), list;
    tls_certificate_clear(out);
    out->tls13_layout = tls13_layout;
    if (tls13_layout) {
        struct cursor rctx;
        if (cur_vec(&c, 1, &rctx) != 0) return TLS_ETRUNC;
    }
    if (cur_vec(&c, 3, &list) != 0) return TLS_ETRUNC;
    if (!cur_empty(&c)) {
        if (note) note(ctx, "bytes after the certificate_list");
        return TLS_EMALFORMED;
    }
    while (!cur_empty(&list)) {
        struct cursor der;
        if (cur_vec(&list, 3, &der) != 0) {
            if (note) note(ctx, "certificate overruns the certificate_list");
            return TLS_EMALFORMED;
        }
        if (tls13_layout) {
            struct cursor ext;
            if (cur_vec(&list, 2, &ext) != 0) {
                if (note) note(ctx, "certificate extensions overrun the certificate_list");
                return TLS_EMALFORMED;
            }
            /* RFC 8446 §4.4.2.1: the leaf's (first entry's) status_request
             * extension carries its stapled OCSP response */
            if (out->n_total == 0 && !cur_empty(&der)) leaf_extensions(out, ext, note, ctx);
        }
        if (cur_empty(&der)) {
            if (note) note(ctx, "zero-length certificate");
            continue;
        }
        if (out->n_total < UINT16_MAX) out->n_total++;
        if (out->n >= TLS_MAX_CHAIN) continue;
        if (cur_left(&der) > TLS_MAX_CERT_LEN) { /* caller reports n < n_total */
            out->skipped_inside = true;
            continue;
        }
        /* over TLS_MAX_HELD_TOTAL: not kept either (n < n_total reports it) */
        if (!tls_held_take(cur_left(&der))) {
            out->skipped_inside = true;
            continue;
        }
        uint8_t *copy = malloc(cur_left(&der));
        if (!copy) {
            tls_held_give(cur_left(&der));
            return TLS_ECAP;
        }
        memcpy(copy, der.p, cur_left(&der));
        out->certs[out->n].der = copy;
        out->certs[out->n].len = (uint32_t)cur_left(&der);
        out->n++;
    }
    out->empty = out->n_total == 0;
    out->present = true;
    return TLS_OK;
}
