/* libFuzzer target: tls_parse_certificate, the CertificateStatus parser and
 * the OCSP response reader. Byte 0 picks what the rest is:
 *   bit 1 clear: a Certificate body, bit 0 choosing the TLS 1.3 layout
 *                (RFC 8446 §4.4.2; its leaf's status_request staple is read
 *                too) over the TLS 1.2 one (RFC 5246 §7.4.2);
 *   bit 1 set:   bit 0 clear a CertificateStatus body (RFC 6066 §8), bit 0
 *                set a DER OCSPResponse (RFC 6960 4.2.1).
 * Every staple kept goes through ocsp_parse (trust/ocsp.h). Checks: the
 * copies match the input, counts within caps, the OCSP summary's strings
 * terminated, and the held-bytes accounting (TLS_MAX_HELD_TOTAL) returns
 * to zero. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/tls_internal.h"
#include "trust/ocsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_ocsp(const uint8_t *der, size_t len)
{
    struct ocsp_info o;
    int rc = ocsp_parse(der, len, &o);
    if (!o.read || (rc != 0) != o.malformed || o.n_resp > OCSP_MAX_RESPONSES ||
        o.n_resp > o.n_resp_total)
        abort();
    if (memchr(o.responder, 0, sizeof o.responder) == NULL || memchr(o.why, 0, sizeof o.why) == NULL)
        abort();
    for (uint16_t i = 0; i < o.n_resp; i++)
        if (memchr(o.resp[i].serial, 0, sizeof o.resp[i].serial) == NULL ||
            o.resp[i].status > OCSP_CERT_UNKNOWN)
            abort();
}

static void check_staple(const struct tls_ocsp_staple *st)
{
    if (st->der && (st->len == 0 || st->len > TLS_MAX_CERT_LEN || !st->present)) abort();
    if (st->der) read_ocsp(st->der, st->len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tls_certificate cert;
    if (size < 1) return 0;
    size_t held = tls_held_bytes();
    if (data[0] & 2) {
        if (data[0] & 1) {
            read_ocsp(data + 1, size - 1);
        } else {
            struct tls_ocsp_staple st;
            memset(&st, 0, sizeof st);
            (void)tls_parse_certificate_status(&st, data + 1, size - 1, false, NULL, NULL);
            if (!st.present) abort();
            check_staple(&st);
            tls_ocsp_staple_clear(&st);
        }
        if (tls_held_bytes() != held) abort();
        return 0;
    }
    (void)tls_parse_certificate(&cert, data + 1, size - 1, data[0] & 1, NULL, NULL);
    if (cert.n > TLS_MAX_CHAIN || cert.n > cert.n_total) abort();
    for (int i = 0; i < cert.n; i++)
        if (!cert.certs[i].der || cert.certs[i].len == 0 || cert.certs[i].len > TLS_MAX_CERT_LEN)
            abort();
    check_staple(&cert.staple);
    tls_certificate_clear(&cert);
    if (tls_held_bytes() != held) abort();
    return 0;
}
