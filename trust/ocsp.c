/* ocsp.c — read a stapled OCSPResponse (RFC 6960 4.2.1) with the cursor,
 * level by level as the ASN.1 module nests (no recursion on the input).
 * The module uses EXPLICIT tags, except CertStatus's alternatives, which
 * are IMPLICIT (RFC 6960 Appendix B.1).
 */
#include "ocsp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "der.h"
#include "internal.h"

#define OID_PKIX_OCSP_BASIC "\x2b\x06\x01\x05\x05\x07\x30\x01\x01"

const char *ocsp_response_status_name(int s)
{
    /* OCSPResponseStatus; 4 is not used */
    static const char *const names[] = {"successful", "malformedRequest", "internalError",
                                        "tryLater", NULL, "sigRequired", "unauthorized"};
    return s >= 0 && s < (int)(sizeof names / sizeof names[0]) ? names[s] : NULL;
}

const char *ocsp_cert_status_name(enum ocsp_cert_status s)
{
    switch (s) {
    case OCSP_CERT_GOOD: return "good";
    case OCSP_CERT_REVOKED: return "revoked";
    case OCSP_CERT_UNKNOWN: return "unknown";
    }
    return "?";
}

const char *ocsp_reason_name(int r)
{
    /* CRLReason (RFC 5280 5.3.1); 7 is not used */
    static const char *const names[] = {"unspecified", "keyCompromise", "cACompromise",
                                        "affiliationChanged", "superseded",
                                        "cessationOfOperation", "certificateHold", NULL,
                                        "removeFromCRL", "privilegeWithdrawn", "aACompromise"};
    return r >= 0 && r < (int)(sizeof names / sizeof names[0]) ? names[r] : NULL;
}

#define FAIL(msg)                                          \
    do {                                                   \
        o->malformed = true;                               \
        snprintf(o->why, sizeof o->why, "%s", (msg));      \
        return -1;                                         \
    } while (0)

/* A GeneralizedTime (RFC 6960 uses no UTCTime) to epoch seconds. */
static int gentime(struct cursor *c, int64_t *secs)
{
    struct cursor v;
    if (der_expect(c, DER_GENERALIZEDTIME, &v) != 0) return -1;
    return der_time(DER_GENERALIZEDTIME, &v, secs) == 0 ? 0 : -1;
}

/* SingleResponse ::= SEQUENCE { certID CertID, certStatus CertStatus,
 * thisUpdate GeneralizedTime, nextUpdate [0] EXPLICIT GeneralizedTime
 * OPTIONAL, singleExtensions [1] EXPLICIT Extensions OPTIONAL } */
static int single(struct ocsp_info *o, struct cursor sr, struct ocsp_single *s)
{
    struct cursor certid, alg, h, serial, v;
    struct der_tlv st;
    s->reason = -1;
    if (der_expect(&sr, DER_SEQUENCE, &certid) != 0 || der_expect(&certid, DER_SEQUENCE, &alg) != 0 ||
        der_expect(&certid, DER_OCTET_STRING, &h) != 0 ||
        der_expect(&certid, DER_OCTET_STRING, &h) != 0 ||
        der_expect(&certid, DER_INTEGER, &serial) != 0 || !cur_empty(&certid))
        FAIL("CertID does not decode");
    char *hex = cert_serial_hex(serial.p, cur_left(&serial));
    s->serial_cut = strlen(hex) > OCSP_SERIAL_MAX;
    snprintf(s->serial, sizeof s->serial, "%.*s", OCSP_SERIAL_MAX, hex);
    free(hex);
    if (der_next(&sr, &st) != 0) FAIL("certStatus missing");
    if (st.tag == DER_CTX(0) && cur_empty(&st.val)) {
        s->status = OCSP_CERT_GOOD;
    } else if (st.tag == DER_CTX(2) && cur_empty(&st.val)) {
        s->status = OCSP_CERT_UNKNOWN;
    } else if (st.tag == DER_CTX_CONS(1)) {
        /* RevokedInfo ::= SEQUENCE { revocationTime GeneralizedTime,
         * revocationReason [0] EXPLICIT CRLReason OPTIONAL } */
        struct cursor ri = st.val, reason;
        s->status = OCSP_CERT_REVOKED;
        if (gentime(&ri, &s->revoked_at) != 0) FAIL("revocationTime does not decode");
        if (der_peek(&ri) == DER_CTX_CONS(0)) {
            if (der_expect(&ri, DER_CTX_CONS(0), &v) != 0 ||
                der_expect(&v, 0x0a /* ENUMERATED */, &reason) != 0 || cur_left(&reason) != 1)
                FAIL("revocationReason does not decode");
            s->reason = reason.p[0];
        }
        if (!cur_empty(&ri)) FAIL("bytes after RevokedInfo");
    } else {
        FAIL("certStatus is not good, revoked or unknown");
    }
    if (gentime(&sr, &s->this_update) != 0) FAIL("thisUpdate does not decode");
    if (der_peek(&sr) == DER_CTX_CONS(0)) {
        if (der_expect(&sr, DER_CTX_CONS(0), &v) != 0 || gentime(&v, &s->next_update) != 0)
            FAIL("nextUpdate does not decode");
        s->has_next_update = true;
    }
    if (der_peek(&sr) == DER_CTX_CONS(1) && der_expect(&sr, DER_CTX_CONS(1), &v) != 0)
        FAIL("singleExtensions do not decode");
    if (!cur_empty(&sr)) FAIL("bytes after a SingleResponse");
    return 0;
}

static int responder(struct cursor *rd, struct ocsp_info *o)
{
    struct der_tlv id;
    struct cursor inner;
    if (der_next(rd, &id) != 0) FAIL("responderID missing");
    if (id.tag == DER_CTX_CONS(1)) { /* byName [1] Name */
        char *text = NULL, *cn = NULL;
        uint8_t *canon = NULL;
        uint32_t canon_len = 0;
        inner = id.val;
        struct cursor name;
        int rc = der_expect(&inner, DER_SEQUENCE, &name) == 0 && cur_empty(&inner)
                     ? x509_name_parse(&name, &text, &cn, NULL, &canon, &canon_len)
                     : -1;
        free(cn);
        free(canon);
        if (rc != 0 || !text) {
            free(text);
            FAIL("responderID byName does not decode");
        }
        o->responder_cut = strlen(text) >= sizeof o->responder;
        snprintf(o->responder, sizeof o->responder, "%s", text);
        free(text);
    } else if (id.tag == DER_CTX_CONS(2)) { /* byKey [2] KeyHash (SHA-1 OCTET STRING) */
        struct cursor kh;
        inner = id.val;
        if (der_expect(&inner, DER_OCTET_STRING, &kh) != 0 || !cur_empty(&inner))
            FAIL("responderID byKey does not decode");
        size_t n = cur_left(&kh), w = (size_t)snprintf(o->responder, sizeof o->responder, "key ");
        for (size_t i = 0; i < n; i++) {
            if (w + 4 > sizeof o->responder) { /* a KeyHash is 20 bytes; a longer one is cut */
                o->responder_cut = true;
                break;
            }
            w += (size_t)snprintf(o->responder + w, sizeof o->responder - w, "%s%02x",
                                  i ? ":" : "", kh.p[i]);
        }
    } else {
        FAIL("responderID is neither byName nor byKey");
    }
    return 0;
}

int ocsp_parse(const uint8_t *der, size_t len, struct ocsp_info *o)
{
    struct cursor top = cur_init(der, len), resp, st, v, rb, type, octets, basic, rd, list;
    memset(o, 0, sizeof *o);
    o->read = true;
    o->response_status = -1;
    /* OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED,
     * responseBytes [0] EXPLICIT ResponseBytes OPTIONAL } */
    if (der_expect(&top, DER_SEQUENCE, &resp) != 0 || !cur_empty(&top))
        FAIL("not a DER OCSPResponse");
    if (der_expect(&resp, 0x0a /* ENUMERATED */, &st) != 0 || cur_left(&st) != 1)
        FAIL("responseStatus does not decode");
    o->response_status = st.p[0];
    if (cur_empty(&resp)) return 0; /* an error status carries no responseBytes */
    /* ResponseBytes ::= SEQUENCE { responseType OID, response OCTET STRING } */
    if (der_expect(&resp, DER_CTX_CONS(0), &v) != 0 || der_expect(&v, DER_SEQUENCE, &rb) != 0 ||
        der_expect(&rb, DER_OID, &type) != 0 || der_expect(&rb, DER_OCTET_STRING, &octets) != 0 ||
        !cur_empty(&rb) || !cur_empty(&v) || !cur_empty(&resp))
        FAIL("responseBytes do not decode");
    if (!DER_OID_EQ(&type, OID_PKIX_OCSP_BASIC)) return 0; /* another type: not read */
    o->basic = true;
    /* BasicOCSPResponse ::= SEQUENCE { tbsResponseData ResponseData,
     * signatureAlgorithm, signature BIT STRING, certs [0] EXPLICIT
     * SEQUENCE OF Certificate OPTIONAL } */
    if (der_expect(&octets, DER_SEQUENCE, &basic) != 0 || !cur_empty(&octets) ||
        der_expect(&basic, DER_SEQUENCE, &rd) != 0)
        FAIL("BasicOCSPResponse does not decode");
    {
        struct cursor alg, sig, certs, seq;
        if (der_expect(&basic, DER_SEQUENCE, &alg) != 0 ||
            der_expect(&basic, DER_BIT_STRING, &sig) != 0)
            FAIL("BasicOCSPResponse signature does not decode");
        if (der_peek(&basic) == DER_CTX_CONS(0)) {
            if (der_expect(&basic, DER_CTX_CONS(0), &certs) != 0 ||
                der_expect(&certs, DER_SEQUENCE, &seq) != 0)
                FAIL("BasicOCSPResponse certs do not decode");
            while (!cur_empty(&seq)) {
                struct der_tlv c;
                if (der_next(&seq, &c) != 0 || c.tag != DER_SEQUENCE)
                    FAIL("BasicOCSPResponse certs do not decode");
                if (o->n_certs < UINT16_MAX) o->n_certs++;
            }
        }
        if (!cur_empty(&basic)) FAIL("bytes after BasicOCSPResponse");
    }
    /* ResponseData ::= SEQUENCE { version [0] EXPLICIT DEFAULT v1,
     * responderID, producedAt GeneralizedTime, responses SEQUENCE OF
     * SingleResponse, responseExtensions [1] EXPLICIT Extensions OPTIONAL } */
    if (der_peek(&rd) == DER_CTX_CONS(0) && der_expect(&rd, DER_CTX_CONS(0), &v) != 0)
        FAIL("ResponseData version does not decode");
    if (responder(&rd, o) != 0) return -1;
    if (gentime(&rd, &o->produced_at) != 0) FAIL("producedAt does not decode");
    o->has_produced_at = true;
    if (der_expect(&rd, DER_SEQUENCE, &list) != 0) FAIL("responses do not decode");
    while (!cur_empty(&list)) {
        struct der_tlv sr;
        if (der_next(&list, &sr) != 0 || sr.tag != DER_SEQUENCE)
            FAIL("a SingleResponse does not decode");
        if (o->n_resp_total < UINT16_MAX) o->n_resp_total++;
        if (o->n_resp >= OCSP_MAX_RESPONSES) continue;
        struct ocsp_single *s = &o->resp[o->n_resp++];
        if (single(o, sr.val, s) != 0) {
            /* half a SingleResponse would read as "good": not kept */
            memset(s, 0, sizeof *s);
            o->n_resp--;
            return -1;
        }
    }
    if (der_peek(&rd) == DER_CTX_CONS(1) && der_expect(&rd, DER_CTX_CONS(1), &v) != 0)
        FAIL("responseExtensions do not decode");
    if (!cur_empty(&rd)) FAIL("bytes after ResponseData");
    return 0;
}

const struct ocsp_single *ocsp_find(const struct ocsp_info *o, const struct cert *c)
{
    if (!c || !c->serial || !c->serial[0]) return NULL;
    for (uint16_t i = 0; i < o->n_resp; i++)
        if (!o->resp[i].serial_cut && strcmp(o->resp[i].serial, c->serial) == 0)
            return &o->resp[i];
    return NULL;
}
