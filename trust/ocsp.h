/* ocsp.h — an OCSP response as a server staples it (RFC 6960 4.2.1; sent in
 * TLS 1.2's CertificateStatus, RFC 6066 §8, or TLS 1.3's status_request
 * in the leaf's CertificateEntry, RFC 8446 §4.4.2.1): what `openssl ocsp
 * -respin -resp_text` shows an admin — response status, responder,
 * producedAt, and per certificate its status with thisUpdate/nextUpdate.
 *
 * Read only, for display: the responder's signature is not checked
 * (Expressway does not ask for OCSP; tlsscope's verdict never uses it).
 */
#ifndef TLSSCOPE_TRUST_OCSP_H
#define TLSSCOPE_TRUST_OCSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cert.h"

/* Everything fixed-size and pointer-free: the summary lives in the
 * connection record, which the browser packs as flat bytes. */
#define OCSP_MAX_RESPONSES 4     /* SingleResponses kept; n_resp_total counts all */
#define OCSP_SERIAL_MAX 48       /* hex digits kept (RFC 5280 4.1.2.2: 20 octets = 40) */
#define OCSP_RESPONDER_MAX 256   /* responder text kept, bytes */

enum ocsp_cert_status { OCSP_CERT_GOOD = 0, OCSP_CERT_REVOKED = 1, OCSP_CERT_UNKNOWN = 2 };

struct ocsp_single {
    char serial[OCSP_SERIAL_MAX + 2]; /* CertID.serialNumber as cert->serial prints it */
    bool serial_cut;             /* longer than OCSP_SERIAL_MAX: not compared */
    enum ocsp_cert_status status;
    int64_t this_update;
    bool has_next_update;
    int64_t next_update;
    int64_t revoked_at;          /* status REVOKED */
    int reason;                  /* CRLReason (RFC 5280 5.3.1), -1 = not given */
};

struct ocsp_info {
    bool read;                   /* ocsp_parse() ran on a response */
    bool malformed;              /* ... and stopped at a fault: why */
    char why[64];
    int response_status;         /* OCSPResponseStatus: 0 successful .. 6 unauthorized */
    bool basic;                  /* responseBytes of type id-pkix-ocsp-basic, read below */
    char responder[OCSP_RESPONDER_MAX]; /* byName: the Name's text; byKey: "key " + SHA-1 hex */
    bool responder_cut;          /* ... longer than OCSP_RESPONDER_MAX - 1 */
    bool has_produced_at;
    int64_t produced_at;
    struct ocsp_single resp[OCSP_MAX_RESPONSES];
    uint16_t n_resp, n_resp_total;
    uint16_t n_certs;            /* certificates the responder included */
};

/* Parse a DER OCSPResponse into *out (zeroed first; read = true). 0 ok; -1
 * malformed (out->malformed, out->why; the fields read before the fault
 * stay filled). */
int ocsp_parse(const uint8_t *der, size_t len, struct ocsp_info *out);

/* "successful", "tryLater", ...; "good", "revoked", "unknown"; CRLReason
 * names ("keyCompromise"), NULL when out of range. */
const char *ocsp_response_status_name(int status);
const char *ocsp_cert_status_name(enum ocsp_cert_status s);
const char *ocsp_reason_name(int reason);

/* The response about this certificate (its serial; NULL if none). */
const struct ocsp_single *ocsp_find(const struct ocsp_info *o, const struct cert *c);

#endif
