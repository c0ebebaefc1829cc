/* certstatus.c — the CertificateStatus structure that carries a stapled OCSP
 * response: a pure parser over one body with the bounds-checked cursor
 * (common/cursor.h), keeping a copy of the DER OCSPResponse for trust/ocsp.h.
 *
 *   RFC 6066 §8:  struct { CertificateStatusType status_type;
 *                          select (status_type) { case ocsp: OCSPResponse; } }
 *                 opaque OCSPResponse<1..2^24-1>;   ocsp(1)
 *   RFC 6961 §2.2: ocsp_multi(2): OCSPResponse ocsp_response_list<1..2^24-1>,
 *                 the first entry being the leaf's (an empty entry = none)
 *   RFC 8446 §4.4.2.1: in TLS 1.3 the same structure is the extension_data
 *                 of status_request in the leaf's CertificateEntry.
 *
 * Error convention as in certificate.c: TLS_ETRUNC when the body ends
 * early, TLS_EMALFORMED when the bytes contradict the RFC.
 */
#include <stdlib.h>
#include <string.h>

#include "../common/cursor.h"
#include "tls_internal.h"

void tls_ocsp_staple_clear(struct tls_ocsp_staple *st)
{
    if (st->der) tls_held_give(st->len);
    free(st->der);
    memset(st, 0, sizeof *st);
}

static int keep(struct tls_ocsp_staple *out, const struct cursor *resp)
{
    size_t n = cur_left(resp);
    if (n > TLS_MAX_CERT_LEN || !tls_held_take(n)) {
        out->not_kept = true;
        return TLS_OK;
    }
    out->der = malloc(n);
    if (!out->der) {
        tls_held_give(n);
        out->not_kept = true;
        return TLS_ECAP;
    }
    memcpy(out->der, resp->p, n);
    out->len = (uint32_t)n;
    return TLS_OK;
}

int tls_parse_certificate_status(struct tls_ocsp_staple *out, const uint8_t *body, size_t len,
                                 bool in_cert_entry, tls_note_fn note, void *ctx)
{
    struct cursor c = cur_init(body, len), resp;
    uint8_t type;
    if (out->present) {
        if (note) note(ctx, "second OCSP staple for the same certificate ignored");
        return TLS_OK;
    }
    out->present = true;
    out->in_cert_entry = in_cert_entry;
    if (cur_u8(&c, &type) != 0) {
        out->malformed = true;
        return TLS_ETRUNC;
    }
    out->status_type = type;
    if (type == 2) {
        /* ocsp_multi: the leaf's response is the list's first entry */
        struct cursor list;
        if (cur_vec(&c, 3, &list) != 0 || !cur_empty(&c) || cur_vec(&list, 3, &resp) != 0) {
            out->malformed = true;
            if (note) note(ctx, "OCSPResponseList overruns the CertificateStatus");
            return TLS_EMALFORMED;
        }
        if (cur_empty(&resp)) return TLS_OK; /* no response for the leaf */
        return keep(out, &resp);
    }
    if (type != 1) {
        out->malformed = true;
        if (note) note(ctx, "CertificateStatus of an unknown status_type");
        return TLS_EMALFORMED;
    }
    if (cur_vec(&c, 3, &resp) != 0 || cur_empty(&resp) || !cur_empty(&c)) {
        out->malformed = true;
        if (note) note(ctx, "OCSPResponse length does not match the CertificateStatus");
        return TLS_EMALFORMED;
    }
    return keep(out, &resp);
}
