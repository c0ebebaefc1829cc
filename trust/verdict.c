/* verdict.c — VERIFY-SPEC for one connection: build the chain, run the
 * checks in the enforced client's order, predict what it logs and sends,
 * compare with what the capture shows, and say what to fix.
 *
 * Check order (OpenSSL 1.1.1 X509_verify_cert → verify_chain, with the
 * enforced client's verify callback that stops at the first error):
 *   0. leaf key strength (66) — OpenSSL checks it before building the chain
 *      (X509_verify_cert: "If the peer's public key is too weak, we can stop
 *      early"); VERIFY-SPEC lists it first among the checks after chain
 *      building, but openssl verify reports 66 even when the chain is also
 *      incomplete, and openssl verify is right;
 *   1. chain building (2/18/19/20/22, chain.c);
 *   2. check_chain_extensions(), depth 0 upward: 34, 24, 26, 25;
 *   3. check_auth_level(): 67 (i > 0), 68 (i < n-1);
 *   4. rfc profile only: check_id() — OpenSSL checks host/IP here, before
 *      signatures and times (s_client, curl);
 *   5. internal_verify(), top down: 7, then 9 / 10 for each certificate;
 *   6. expressway profile: ATS validate_hostname() in the verify callback
 *      at depth 0 after internal_verify succeeded.
 * Security level 1 is assumed (80 bits: RSA/DSA >= 1024, EC >= 160,
 * digests better than MD5), the upstream OpenSSL 1.1.1 default.
 *
 * The judging time is the capture time (or --at) handed in; the wall clock
 * is never read.
 */
#include "verdict.h"
#include "textout.h"

#include "dissect/names.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/timefmt.h"
#include "advice_text.h"
#include "chain.h"
#include "internal.h"
#include "ncons.h"

/* TLS AlertDescription values (RFC 8446 6.2). */
#define ALERT_BAD_CERTIFICATE 42
#define ALERT_UNSUPPORTED_CERTIFICATE 43
#define ALERT_CERTIFICATE_EXPIRED 45
#define ALERT_CERTIFICATE_UNKNOWN 46
#define ALERT_UNKNOWN_CA 48
#define ALERT_DECRYPT_ERROR 51
#define ALERT_INTERNAL_ERROR 80

const char *verdict_status_name(enum verdict_status s)
{
    switch (s) {
    case VERDICT_TRUSTED: return "trusted";
    case VERDICT_FAILED: return "failed";
    default: return "not_judged";
    }
}

const char *verdict_profile_name(enum verdict_profile p)
{
    return p == PROFILE_RFC ? "rfc" : "expressway";
}

/* OpenSSL 1.1.1 X509_verify_cert_error_string() (crypto/x509/x509_txt.c):
 * the texts Expressway's traffic server logs. OpenSSL 3 changed some of them
 * ("self-signed certificate", "hostname mismatch", "unsuitable certificate
 * purpose"); these are 1.1.1's. */
const char *verdict_code_text(int code)
{
    switch (code) {
    case VERR_OK: return "ok";
    case VERR_UNSPECIFIED: return "unspecified certificate verification error";
    case VERR_ERROR_IN_CERT_NOT_BEFORE_FIELD: return "format error in certificate's notBefore field";
    case VERR_ERROR_IN_CERT_NOT_AFTER_FIELD: return "format error in certificate's notAfter field";
    case VERR_PERMITTED_VIOLATION: return "permitted subtree violation";
    case VERR_EXCLUDED_VIOLATION: return "excluded subtree violation";
    case VERR_SUBTREE_MINMAX: return "name constraints minimum and maximum not supported";
    case VERR_UNSUPPORTED_CONSTRAINT_TYPE: return "unsupported name constraint type";
    case VERR_UNSUPPORTED_NAME_SYNTAX: return "unsupported or invalid name syntax";
    case VERR_UNABLE_TO_GET_ISSUER_CERT: return "unable to get issuer certificate";
    case VERR_CERT_SIGNATURE_FAILURE: return "certificate signature failure";
    case VERR_CERT_NOT_YET_VALID: return "certificate is not yet valid";
    case VERR_CERT_HAS_EXPIRED: return "certificate has expired";
    case VERR_DEPTH_ZERO_SELF_SIGNED_CERT: return "self signed certificate";
    case VERR_SELF_SIGNED_CERT_IN_CHAIN: return "self signed certificate in certificate chain";
    case VERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY: return "unable to get local issuer certificate";
    case VERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: return "unable to verify the first certificate";
    case VERR_CERT_CHAIN_TOO_LONG: return "certificate chain too long";
    case VERR_INVALID_CA: return "invalid CA certificate";
    case VERR_PATH_LENGTH_EXCEEDED: return "path length constraint exceeded";
    case VERR_INVALID_PURPOSE: return "unsupported certificate purpose";
    case VERR_UNHANDLED_CRITICAL_EXTENSION: return "unhandled critical extension";
    case VERR_HOSTNAME_MISMATCH: return "Hostname mismatch";
    case VERR_IP_ADDRESS_MISMATCH: return "IP address mismatch";
    case VERR_EE_KEY_TOO_SMALL: return "EE certificate key too weak";
    case VERR_CA_KEY_TOO_SMALL: return "CA certificate key too weak";
    case VERR_CA_MD_TOO_WEAK: return "CA signature digest algorithm too weak";
    case VERR_EC_KEY_EXPLICIT_PARAMS: return "Certificate public key has explicit ECC parameters";
    case VERR_TLSSCOPE_UNPARSABLE: return "certificate could not be parsed";
    default: return "unknown certificate verification error";
    }
}

/* OpenSSL 1.1.1 ssl_x509err2alert() (ssl/statem/statem_lib.c) for the codes
 * tlsscope produces; unlisted codes get certificate_unknown. */
static int alert_for_code(int code)
{
    switch (code) {
    case VERR_UNABLE_TO_GET_ISSUER_CERT:
    case VERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case VERR_SELF_SIGNED_CERT_IN_CHAIN:
    case VERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case VERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case VERR_CERT_CHAIN_TOO_LONG:
    case VERR_INVALID_CA:
    case VERR_PATH_LENGTH_EXCEEDED:
        return ALERT_UNKNOWN_CA;
    case VERR_CERT_HAS_EXPIRED: return ALERT_CERTIFICATE_EXPIRED;
    case VERR_CERT_NOT_YET_VALID:
    case VERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
    case VERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
    case VERR_EE_KEY_TOO_SMALL:
    case VERR_CA_KEY_TOO_SMALL:
    case VERR_CA_MD_TOO_WEAK:
    case VERR_HOSTNAME_MISMATCH:
    case VERR_IP_ADDRESS_MISMATCH:
        return ALERT_BAD_CERTIFICATE;
    case VERR_CERT_SIGNATURE_FAILURE: return ALERT_DECRYPT_ERROR;
    case VERR_INVALID_PURPOSE: return ALERT_UNSUPPORTED_CERTIFICATE;
    case VERR_UNSPECIFIED: return ALERT_INTERNAL_ERROR;
    default: return ALERT_CERTIFICATE_UNKNOWN; /* 34, 47-53 ... */
    }
}

/* Suites whose server authentication is ECDSA: the ECDH(E)_ECDSA families
 * of RFC 8422 and successors, classified in dissect/names.c's registry. */
static bool suite_is_ecdsa(uint16_t id)
{
    const struct tls_cipher_info *ci = tls_cipher_lookup(id);
    return ci && ci->auth == TLS_AUTH_ECDSA;
}

/* ---- small formatting helpers ----------------------------------------- */


/* snprintf for fields where truncating a hostile name is the right thing. */
static void sfmt(char *dst, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void sfmt(char *dst, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, n, fmt, ap);
    va_end(ap);
}

static const char *fp(const struct cert *c, char buf[100])
{
    cert_fingerprint_hex(c->sha256, 32, buf, 100, true);
    return buf;
}

static const char *cn_or_subject(const struct cert *c)
{
    return c->subject_cn[0] ? c->subject_cn : c->subject;
}

static const char *key_name(const struct cert *c)
{
    switch (c->key_type) {
    case CERT_KEY_RSA: return "RSA";
    case CERT_KEY_EC: return "EC";
    case CERT_KEY_DSA: return "DSA";
    case CERT_KEY_ED25519: return "Ed25519";
    case CERT_KEY_ED448: return "Ed448";
    default: return c->key_alg[0] ? c->key_alg : "unknown";
    }
}

/* ---- judging context ---------------------------------------------------- */

struct judge {
    const struct judge_input *in;
    struct verdict *v;
    struct chain_result ch;
    char ip[64];        /* server address, inet_ntop text */
    char host[260];     /* ATS origin host: SNI, else the IP */
    /* A signature mbedTLS cannot check (EdDSA, ...): the checks go on as if
     * it were good, and whatever they conclude is reported as what the
     * verdict would be — not judged, since a bad signature would be 7 at
     * this depth instead. */
    bool sig_unchecked;
    bool simulated;     /* judging "what if this were uploaded": no advice of its own */
    int nc_ca_depth;    /* the CA whose name constraints were violated */
    int sig_unchecked_depth;
    unsigned sig_unchecked_depths; /* every such depth (the differential test asks
                                      OpenSSL for the outcome with those assumed good) */
    char sig_unchecked_why[120];
};

static void server_ip_text(const struct tls_conn *conn, char *out, size_t n)
{
    out[0] = '\0';
    if (!conn) return;
    if (conn->family == 4) inet_ntop(AF_INET, conn->server_ip, out, (socklen_t)n);
    else if (conn->family == 6) inet_ntop(AF_INET6, conn->server_ip, out, (socklen_t)n);
}

static const struct cert *path_cert(const struct judge *j, int i) { return j->v->path[i].cert; }

/* The store already holds a different certificate with this CN? */
static const struct cert *store_same_cn(const struct trust_store *st, const struct cert *c)
{
    if (!st || !c->subject_cn[0]) return NULL;
    for (size_t i = 0; i < st->n; i++) {
        const struct cert *x = st->entries[i].cert;
        if (x && strcmp(x->subject_cn, c->subject_cn) == 0 &&
            memcmp(x->sha256, c->sha256, 32) != 0)
            return x;
    }
    return NULL;
}

static void advice_cscwa12905(struct out *o, const struct judge *j, const struct cert *c)
{
    const struct cert *twin = store_same_cn(j->in->store, c);
    char b[100];
    if (!twin) return;
    outf(o, " Note: the store already holds a different certificate with CN=%s (SHA-256 %s); "
            ADVICE_CSCWA12905 ": replace that one, use CA-signed certificates, or reuse one "
            "certificate for both services (CUCM 14).",
         twin->subject_cn, fp(twin, b));
}

static void advice_ecdsa(struct out *o, const struct judge *j)
{
    if (!j->v->ecdsa_suite) return;
    outf(o, " The negotiated suite is ECDHE-ECDSA, so the server served its ECDSA certificate "
            "(e.g. tomcat-ECDSA); an RSA-first cipher order would select the RSA one "
            "(Expressway: Maintenance > Security > Ciphers, prepend "
            "\"ECDHE-RSA-AES256-GCM-SHA384:\").");
}

static void judge_impl(const struct judge_input *in, struct verdict *out, bool simulated);

/* The same chain judged again with the store changed — every copy of
 * `drop` (if any) taken out, `up` added at the end, in that order — into *w
 * (one level: the simulated judgement advises nothing). False when it
 * could not be judged (no store, out of memory, already simulating). */
static bool judge_with_change(const struct judge *j, const struct cert *drop,
                              const struct cert *const *up, int n_up, struct verdict *w)
{
    const struct trust_store *st = j->in->store;
    if (j->simulated || !st) return false;
    struct trust_store more = *st;
    more.entries = malloc((st->n + (size_t)n_up) * sizeof *more.entries);
    if (!more.entries) return false;
    size_t n = 0;
    for (size_t i = 0; i < st->n; i++)
        if (!drop || !st->entries[i].cert ||
            memcmp(st->entries[i].cert->sha256, drop->sha256, sizeof drop->sha256) != 0)
            more.entries[n++] = st->entries[i];
    for (int k = 0; k < n_up; k++, n++) {
        more.entries[n].cert = (struct cert *)up[k];
        more.entries[n].file = (char *)"(uploaded)";
        more.entries[n].index = k;
    }
    more.n = more.cap = n;
    struct judge_input in = *j->in;
    in.store = &more;
    judge_impl(&in, w, true);
    free(more.entries);
    return true;
}

static bool judge_with_upload(const struct judge *j, const struct cert *const *up, int n_up,
                              struct verdict *w)
{
    return judge_with_change(j, NULL, up, n_up, w);
}

/* The advice to upload `c` (18, 19) checked before it is given: when even
 * with `c` in the store the chain fails, say so and why, instead of
 * promising a fix (issue #11: advice that works). */
static bool advice_upload_check(struct out *o, const struct judge *j, const struct cert *c)
{
    bool still_fails = false;
    struct verdict *w = malloc(sizeof *w);
    if (w && judge_with_upload(j, &c, 1, w) && w->status == VERDICT_FAILED) {
        still_fails = true;
        outf(o, " Note: with it in the store this chain still fails (%s at depth %d): fix "
                "that too.",
             w->reason, w->depth);
    }
    free(w);
    return still_fails;
}

/* 20 or 2 while the server sent a CA (not in the path) that, uploaded with
 * the issuers the server sent above it, makes the chain trusted: chain
 * building took a same-named issuer first (OpenSSL takes the first
 * acceptable one, trusted first), whose own issuer is missing, expired or
 * has a key identifier nothing carries, so the missing CA the advice names
 * may not help or not exist. Name the sent CA that tlsscope checked works.
 * At most ADVICE_MAX_TRIES judgements: advice must not cost more than the
 * verdict many times over (a chain may hold TLS_MAX_CHAIN certificates). */
#define ADVICE_MAX_TRIES 8
static bool advice_sent_anchor(struct out *o, const struct judge *j)
{
    const struct cert *const *sent = j->in->chain;
    int tries = 0;
    bool found = false;
    struct verdict *w = malloc(sizeof *w);
    if (!w) return false;
    /* self-signed CAs first (the likeliest anchors), then the others */
    for (int pass = 0; pass < 2; pass++)
    for (int i = 1; i < j->in->n_chain && tries < ADVICE_MAX_TRIES && !found; i++) {
        const struct cert *x = sent[i];
        if (!x || cert_check_ca(x) == 0 || cert_is_self_signed(x) != (pass == 0)) continue;
        /* a self-signed CA in the path is the upload the advice names already */
        bool in_path = false;
        for (int k = 0; k < j->v->n_path; k++)
            if (path_cert(j, k) == x) in_path = true;
        if (in_path && pass == 0) continue;
        /* x and its issuers among the sent certificates, up to a self-signed one */
        const struct cert *up[VERDICT_MAX_PATH];
        int n_up = 0;
        up[n_up++] = x;
        while (n_up < VERDICT_MAX_PATH && !cert_is_self_signed(up[n_up - 1])) {
            const struct cert *next = NULL;
            for (int k = 1; k < j->in->n_chain && !next; k++) {
                const struct cert *y = sent[k];
                bool seen = false;
                for (int m = 0; m < n_up; m++) seen |= y == up[m];
                if (y && !seen && cert_could_issue(y, up[n_up - 1])) next = y;
            }
            if (!next) break;
            up[n_up++] = next;
        }
        tries++;
        if (!judge_with_upload(j, up, n_up, w)) continue;
        bool sig_unverified = w->sig_unchecked && w->code_if_sig_ok == 0;
        if (w->status != VERDICT_TRUSTED && !sig_unverified) continue;
        char b[100];
        outf(o, " The server also sent \"%s\" (SHA-256 %s): with it", x->subject, fp(x, b));
        if (n_up > 1)
            outf(o, " and its %d issuer%s that the server sent, up to \"%s\",", n_up - 1,
                 n_up > 2 ? "s" : "", cn_or_subject(up[n_up - 1]));
        outf(o, " in the trust store this chain is trusted (checked%s), so that upload is "
                "enough if it is a CA you mean to trust.",
             sig_unverified ? ", but for a signature mbedTLS cannot verify" : "");
        found = true;
    }
    free(w);
    return found;
}

/* 20 (or 19) found above a CA the server sent that did not sign the
 * certificate below it: OpenSSL checks signatures only once the chain is
 * complete, so uploading the missing CA (or the sent root) would at best
 * turn it into 7. The CA that really
 * signed it is another one of that name (a re-keyed twin): name it by the
 * child's key identifier. */
static bool advice_wrong_issuer_sent(struct out *o, const struct judge *j)
{
    const struct verdict *v = j->v;
    for (int k = 0; k + 1 < v->n_path; k++) {
        const struct cert *child = path_cert(j, k), *iss = path_cert(j, k + 1);
        if (v->path[k + 1].src != CHAIN_FROM_PEER || !child || !iss ||
            cert_signature_check(iss, child) != CERT_SIG_BAD)
            continue;
        char kid[200] = "";
        if (child->aki_len) cert_fingerprint_hex(child->aki, child->aki_len, kid, sizeof kid, true);
        outf(o, " But \"%s\" (depth %d), as the server sent it, did not sign \"%s\" (depth %d): "
                "the signature does not verify with its key, so uploading it cannot make this "
                "chain trusted (OpenSSL checks signatures once the chain is complete: "
                "\"certificate signature failure\"). Also upload the CA certificate \"%s\" that "
                "signed it%s%s, with its own issuers up to the self-signed root, or have the "
                "server send that one.",
             cn_or_subject(iss), k + 1, cn_or_subject(child), k, child->issuer,
             kid[0] ? " with key identifier " : "", kid);
        return true;
    }
    return false;
}

/* 20 at a self-issued CA `c` the server sent (a key rollover: "Int" signed
 * by the old "Int" key) while the certificate below it, L, names its issuer
 * without a key identifier: the missing CA has c's own name, so once it is
 * uploaded, OpenSSL 1.1.1's trusted-first chain building takes it as L's
 * issuer too — X509_STORE_CTX_get1_issuer() returns the first certificate
 * of that name in the store that check_issued() accepts and that is valid —
 * and L's signature fails (7). With c in the store *before* the missing CA,
 * c is found first for L and the missing CA for c (c's key identifier
 * picks it). The part tlsscope can check is re-judged: with c uploaded the
 * chain runs through the store's c and lacks only the CA the advice names. */
static bool advice_self_issued_first(struct out *o, const struct judge *j, int depth)
{
    const struct verdict *v = j->v;
    if (depth < 1 || depth >= v->n_path || v->path[depth].src != CHAIN_FROM_PEER) return false;
    const struct cert *c = path_cert(j, depth), *low = path_cert(j, depth - 1);
    const struct cert_impl *li = cert_impl_of(low);
    /* check_issued() would accept the missing CA (c's issuer name, the key
     * type c's signature needs) for L: L's AKI says nothing against it */
    if (!c->self_issued || cert_is_self_signed(c) || !cert_valid_at(c, j->in->at) ||
        low->aki_len || li->has_aki_serial || li->has_aki_issuer ||
        !x509_canon_eq(c->issuer_canon, c->issuer_canon_len, low->issuer_canon,
                       low->issuer_canon_len) ||
        c->sig_key_type != low->sig_key_type || cert_signature_check(c, low) != CERT_SIG_OK)
        return false;
    struct verdict *w = malloc(sizeof *w);
    bool checked = w && judge_with_upload(j, &c, 1, w) && w->status == VERDICT_FAILED &&
                   w->code == VERR_UNABLE_TO_GET_ISSUER_CERT && w->depth == depth &&
                   w->path[depth].cert &&
                   memcmp(w->path[depth].cert->sha256, c->sha256, sizeof c->sha256) == 0;
    free(w);
    if (!checked) return false;
    char b[100];
    outf(o, " But \"%s\" (depth %d) has no authority key identifier, so OpenSSL would take that "
            "CA as its issuer too (the first of that name in the store) and fail with "
            "\"certificate signature failure\". Upload the self-issued \"%s\" the server sent "
            "(SHA-256 %s) as well, before the missing CA (checked: with it in the store the "
            "chain runs through it and lacks only its issuer); with CSCwa12905 the store cannot "
            "hold both: have \"%s\" re-issued with an authority key identifier instead.",
         cn_or_subject(low), depth - 1, cn_or_subject(c), fp(c, b), cn_or_subject(low));
    return true;
}

/* 2 where the chain runs through a store CA that is not valid at the
 * judging time: OpenSSL looks in the store first (trusted first) and,
 * when no store candidate is valid, still takes one
 * (X509_STORE_CTX_get1_issuer(): "keep looking for a more suitable cert",
 * then the last acceptable one), so the root the advice names would anchor
 * a chain that fails at that CA (9 or 10). The fix is to take it out of
 * the store, or to add a valid copy — the server may have sent one. Both
 * are re-judged: either way the chain must run through a valid copy and
 * lack only the root. */
static bool advice_store_invalid(struct out *o, const struct judge *j)
{
    const struct verdict *v = j->v;
    const int64_t at = j->in->at;
    int k = 1;
    while (k < v->n_path &&
           (v->path[k].src != CHAIN_FROM_STORE || cert_valid_at(path_cert(j, k), at)))
        k++;
    if (k >= v->n_path) return false;
    const struct cert *s = path_cert(j, k), *below = path_cert(j, k - 1), *copy = NULL;
    for (int i = 1; i < j->in->n_chain && !copy; i++) {
        const struct cert *x = j->in->chain[i];
        if (x && cert_valid_at(x, at) && memcmp(x->sha256, s->sha256, sizeof s->sha256) != 0 &&
            cert_could_issue(x, below))
            copy = x;
    }
    struct verdict *w = malloc(sizeof *w);
    if (!w) return false;
    /* without s: the server's valid copy takes its place, and above it only
     * the missing root is wanting: 20 — or 19 when the server sent that
     * root too, which the store does not hold. Without a valid copy sent:
     * nothing takes its place (20 at k-1), or only an invalid one (the
     * server sends the same expired CA): a valid copy and the root are
     * what is wanting. */
    bool ok = judge_with_change(j, s, NULL, 0, w) && w->status == VERDICT_FAILED;
    if (ok && copy)
        ok = (w->code == VERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
              w->code == VERR_SELF_SIGNED_CERT_IN_CHAIN) &&
             w->depth >= k && w->path[k].cert == copy;
    else if (ok)
        ok = (w->code == VERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY && w->depth == k - 1) ||
             (w->n_path > k && w->path[k].cert && !cert_valid_at(w->path[k].cert, at) &&
              cert_could_issue(w->path[k].cert, below));
    /* with the sent copy uploaded: the store's valid copy comes first (2 above it) */
    if (ok && copy)
        ok = judge_with_upload(j, &copy, 1, w) && w->status == VERDICT_FAILED &&
             w->code == VERR_UNABLE_TO_GET_ISSUER_CERT && w->depth == k &&
             w->path[k].cert == copy;
    free(w);
    if (!ok) return false;
    char b[100], tb[TIMEFMT_LEN];
    bool notyet = at < s->not_before;
    outf(o, " But the chain runs through the store's \"%s\" (SHA-256 %s), %s %s: the store "
            "is searched first, and with only the root uploaded the chain fails there (depth "
            "%d).",
         cn_or_subject(s), fp(s, b), notyet ? "not valid before" : "expired on",
         time_iso8601_s(notyet ? s->not_before : s->not_after, tb), k);
    if (copy)
        outf(o, " Remove it from the trust store, or upload the valid copy the server sent "
                "(SHA-256 %s); either with the root (checked: the chain then runs through the "
                "server's copy and lacks only the root).",
             fp(copy, b));
    else {
        char kid[200] = "";
        if (s->ski_len) cert_fingerprint_hex(s->ski, s->ski_len, kid, sizeof kid, true);
        outf(o, " Remove it from the trust store and upload a valid copy of it with the root: "
                "the same CA renewed%s%s (checked: without it the chain lacks a valid copy and "
                "the root).",
             kid[0] ? ", with key identifier " : "", kid);
    }
    return true;
}

/* 2 where a CA the server sent did not sign the certificate below it,
 * while another copy the server sent (same name, the key that did sign)
 * comes later: find_issuer() takes the first acceptable valid one in wire
 * order, and OpenSSL checks signatures only once the chain is complete, so
 * with the root uploaded the chain fails with 7. With the right copy in the
 * store, trusted-first chain building takes it instead; re-judged: the
 * chain then runs through it and lacks only the root. */
static bool advice_sent_signer(struct out *o, const struct judge *j)
{
    const struct verdict *v = j->v;
    for (int k = 0; k + 1 < v->n_path; k++) {
        const struct cert *child = path_cert(j, k), *iss = path_cert(j, k + 1), *copy = NULL;
        if (v->path[k + 1].src != CHAIN_FROM_PEER ||
            cert_signature_check(iss, child) != CERT_SIG_BAD)
            continue;
        for (int i = 1; i < j->in->n_chain && !copy; i++) {
            const struct cert *x = j->in->chain[i];
            if (x && x != iss && cert_valid_at(x, j->in->at) && cert_could_issue(x, child) &&
                cert_signature_check(x, child) == CERT_SIG_OK)
                copy = x;
        }
        if (!copy) return false;
        struct verdict *w = malloc(sizeof *w);
        bool ok = w && judge_with_upload(j, &copy, 1, w) && w->status == VERDICT_FAILED &&
                  (w->code == VERR_UNABLE_TO_GET_ISSUER_CERT ||
                   w->code == VERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY) &&
                  w->path[k + 1].cert == copy;
        free(w);
        if (!ok) return false;
        char b[100];
        outf(o, " But \"%s\" (depth %d), the copy of that name the chain takes from the "
                "server, did not sign \"%s\" (depth %d): with the root uploaded the chain "
                "fails with \"certificate signature failure\". Upload the copy that did, "
                "which the server also sent (SHA-256 %s), as well (checked: with it in the "
                "store the chain runs through it and lacks only the root), or have the server "
                "send only that one.",
             cn_or_subject(iss), k + 1, cn_or_subject(child), k, fp(copy, b));
        return true;
    }
    return false;
}

/* The CA `x` at `depth` (not self-issued) may be a cross-certificate, a CA
 * that also exists as its own self-signed root (ISRG Root X1 signed by DST
 * Root CA X3): with that root in the store, trusted-first chain building
 * ends there and never needs the cross-certificate's issuer — 19 where
 * uploading the chain's root would not be enough, 20 where the
 * cross-signing root is missing (or unusable). */
static void advice_cross_root(struct out *o, const struct judge *j, const struct cert *x, int depth)
{
    (void)j;
    if (!x || x->self_issued || cert_check_ca(x) == 0) return;
    char kid[200] = "";
    if (x->ski_len) cert_fingerprint_hex(x->ski, x->ski_len, kid, sizeof kid, true);
    outf(o, " If \"%s\" (depth %d) also exists as a self-signed root (a cross-signed CA), "
            "upload the root CA certificate \"%s\"%s%s instead: the chain then ends there.",
         cn_or_subject(x), depth, x->subject, kid[0] ? " with key identifier " : "", kid);
}

static const char workaround[] = ADVICE_WORKAROUND;

static void write_advice(struct judge *j, int code, int depth)
{
    struct verdict *v = j->v;
    struct out o = {v->advice, sizeof v->advice, 0};
    const struct cert *c = depth >= 0 && depth < v->n_path ? path_cert(j, depth) : NULL;
    const struct cert *leaf = path_cert(j, 0);
    char b[100], tb[TIMEFMT_LEN], tb2[TIMEFMT_LEN], tb3[TIMEFMT_LEN];
    const int64_t conn_at = j->in->conn ? verdict_conn_time(j->in->conn) : 0;

    if (!c) return;
    switch (code) {
    case VERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        outf(&o, "The server sent a self-signed certificate, CN=%s (SHA-256 %s). Upload this "
                 "certificate (tlsscope can export it as PEM) to " ADVICE_EVERY_NODE " "
                 ADVICE_CA_PAGE ", " ADVICE_OR_SIGNED,
             cn_or_subject(leaf), fp(leaf, b));
        advice_ecdsa(&o, j);
        advice_cscwa12905(&o, j, leaf);
        (void)advice_upload_check(&o, j, leaf);
        break;
    case VERR_SELF_SIGNED_CERT_IN_CHAIN:
        outf(&o, "The chain ends in the self-signed CA \"%s\" (SHA-256 %s), which the trust "
                 "store does not hold. Upload that root certificate to the trust store of "
                 "every Expressway-C cluster node (after checking it is a CA you mean to "
                 "trust), or have the server certificate issued by a CA the store trusts.",
             c->subject, fp(c, b));
        advice_ecdsa(&o, j);
        advice_cscwa12905(&o, j, c);
        /* The sent root may be a same-named twin that did not sign the
         * certificate below it (1.1.1 reports 19 before it checks any
         * signature): then the root to upload is the one that did. */
        if (advice_upload_check(&o, j, c) && !advice_wrong_issuer_sent(&o, j) &&
            !advice_sent_anchor(&o, j) && v->n_path >= 3)
            advice_cross_root(&o, j, path_cert(j, v->n_path - 2), v->n_path - 2);
        break;
    case VERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        outf(&o, "Upload the missing CA certificate \"%s\" - the issuer of \"%s\" at depth %d, "
                 "the root or an intermediate",
             c->issuer, cn_or_subject(c), depth);
        if (c->aki_len) {
            char kid[200];
            cert_fingerprint_hex(c->aki, c->aki_len, kid, sizeof kid, true);
            outf(&o, " with key identifier %s", kid);
        }
        outf(&o, " - to " ADVICE_EVERY_NODE ", " ADVICE_ISSUERS_UP);
        if (v->n_path == 1 && j->in->n_chain == 1)
            outf(&o, " The server sent no intermediate certificates; if the missing one is an "
                     "intermediate, the server could also be configured to send it.");
        (void)advice_self_issued_first(&o, j, depth);
        /* Also at depth 1: a cross-signed root may issue leaves itself, and
         * the chain gives no sign of it; the hint is conditional. */
        if (!advice_sent_anchor(&o, j) && !advice_wrong_issuer_sent(&o, j) && depth >= 1)
            advice_cross_root(&o, j, c, depth);
        advice_ecdsa(&o, j);
        break;
    case VERR_UNABLE_TO_GET_ISSUER_CERT: {
        /* the key identifier tells same-named CAs apart (a re-keyed twin) */
        char kid[200] = "";
        if (c->aki_len) cert_fingerprint_hex(c->aki, c->aki_len, kid, sizeof kid, true);
        outf(&o, "The trust store holds \"%s\", which is not self-signed, but not its issuer "
                 "\"%s\". Only self-signed certificates are anchors: upload the root CA "
                 "certificate \"%s\"%s%s (and any intermediate in between) as well.",
             c->subject, c->issuer, c->issuer, kid[0] ? " with key identifier " : "", kid);
        /* the valid copy the server sent is the upload advice_sent_anchor
         * would name: say it once */
        if (!advice_store_invalid(&o, j) && !advice_sent_signer(&o, j))
            (void)advice_sent_anchor(&o, j);
        break;
    }
    case VERR_CERT_CHAIN_TOO_LONG:
        outf(&o, "The chain has more than 9 certificates (Expressway verifies to depth 7: "
                 "7 intermediates plus leaf and root) without reaching a trusted root. "
                 "Upload an intermediate CA higher up together with its root, or shorten "
                 "the CA hierarchy.");
        break;
    case VERR_CERT_SIGNATURE_FAILURE: {
        const struct cert *iss = depth + 1 < v->n_path ? path_cert(j, depth + 1) : c;
        outf(&o, "The signature on \"%s\" (depth %d) does not verify with the key of \"%s\" "
                 "(SHA-256 %s, from the %s), which has the right name: a different or "
                 "re-issued CA with the same name. Upload the CA certificate that really "
                 "signed it and remove the stale one.",
             cn_or_subject(c), depth, cn_or_subject(iss), fp(iss, b),
             v->path[depth + 1 < v->n_path ? depth + 1 : depth].src == CHAIN_FROM_STORE
                 ? "trust store" : "server's chain");
        break;
    }
    case VERR_CERT_NOT_YET_VALID:
        if (conn_at && conn_at != j->in->at) /* --at: name both times */
            outf(&o, "\"%s\" (depth %d) is not valid before %s, but the time judged (--at) "
                     "was %s (the connection was at %s): check the clocks of the server, the "
                     "CA and Expressway-C, or wait/renew.%s",
                 cn_or_subject(c), depth, time_iso8601_s(c->not_before, tb),
                 time_iso8601_s(j->in->at, tb2), time_iso8601_s(conn_at, tb3), workaround);
        else
            outf(&o, "\"%s\" (depth %d) is not valid before %s, but the connection was at %s: "
                     "check the clocks of the server, the CA and Expressway-C, or wait/renew.%s",
                 cn_or_subject(c), depth, time_iso8601_s(c->not_before, tb),
                 time_iso8601_s(j->in->at, tb2), workaround);
        break;
    case VERR_CERT_HAS_EXPIRED: {
        const char *where =
            v->path[depth].src == CHAIN_FROM_STORE ? " in the trust store" : " on the server";
        if (conn_at && conn_at != j->in->at)
            outf(&o, "\"%s\" (depth %d) expired on %s (time judged, --at: %s; the connection "
                     "was at %s): renew it and install the new one%s; check the clocks too.%s",
                 cn_or_subject(c), depth, time_iso8601_s(c->not_after, tb),
                 time_iso8601_s(j->in->at, tb2), time_iso8601_s(conn_at, tb3), where,
                 workaround);
        else
            outf(&o, "\"%s\" (depth %d) expired on %s (connection at %s): renew it and install "
                     "the new one%s; check the clocks too.%s",
                 cn_or_subject(c), depth, time_iso8601_s(c->not_after, tb),
                 time_iso8601_s(j->in->at, tb2), where, workaround);
        break;
    }
    case VERR_INVALID_CA:
        outf(&o, "\"%s\" (depth %d) issues certificates but is not a CA certificate (%s): "
                 "re-issue it with basicConstraints CA:TRUE and keyUsage keyCertSign, or make "
                 "the server send its real CA.",
             cn_or_subject(c), depth,
             c->has_key_usage && !(c->key_usage & CERT_KU_KEY_CERT_SIGN)
                 ? "keyUsage without keyCertSign"
                 : !c->has_basic_constraints ? "no basicConstraints"
                                             : "basicConstraints CA:FALSE");
        break;
    case VERR_PATH_LENGTH_EXCEEDED:
        outf(&o, "\"%s\" (depth %d) allows only %d intermediate CA certificate(s) below it "
                 "(pathLenConstraint), the chain has more: re-issue the CA without that limit "
                 "or shorten the hierarchy.",
             cn_or_subject(c), depth, c->path_len);
        break;
    case VERR_INVALID_PURPOSE:
        if (depth == 0)
            outf(&o, "\"%s\" may not be used by a TLS server: %s. Re-issue it with "
                     "extendedKeyUsage serverAuth (\"TLS Web Server Authentication\") and "
                     "keyUsage digitalSignature, keyEncipherment.",
                 cn_or_subject(c),
                 c->has_eku && !(c->eku & CERT_EKU_SERVER_AUTH)
                     ? (c->eku & CERT_EKU_CLIENT_AUTH
                            ? "its extendedKeyUsage has clientAuth but not serverAuth"
                            : "its extendedKeyUsage lacks serverAuth")
                     : "its keyUsage allows neither digitalSignature, keyEncipherment nor "
                       "keyAgreement");
        else
            outf(&o, "The CA \"%s\" (depth %d) restricts its extendedKeyUsage without "
                     "serverAuth, so OpenSSL refuses server certificates under it: use a CA "
                     "that allows serverAuth.",
                 cn_or_subject(c), depth);
        break;
    case VERR_UNHANDLED_CRITICAL_EXTENSION:
        outf(&o, "\"%s\" (depth %d) carries a critical extension %s that OpenSSL 1.1.1 "
                 "does not handle: re-issue it without that extension or with it non-critical.",
             cn_or_subject(c), depth, c->unknown_critical_oid);
        break;
    case VERR_EE_KEY_TOO_SMALL:
        outf(&o, "The server certificate \"%s\" has a %s key of %d bits, below OpenSSL "
                 "security level 1 (RSA/DSA 1024, EC 160 bits): re-issue it with an RSA 2048 "
                 "or P-256 key.",
             cn_or_subject(c), key_name(c), c->key_bits);
        break;
    case VERR_CA_KEY_TOO_SMALL:
        outf(&o, "The CA \"%s\" (depth %d) has a %s key of %d bits, below OpenSSL security "
                 "level 1: replace the CA (RSA 2048 or P-256) and re-issue what it signed.",
             cn_or_subject(c), depth, key_name(c), c->key_bits);
        break;
    case VERR_CA_MD_TOO_WEAK:
        outf(&o, "\"%s\" (depth %d) is signed with %s, which OpenSSL security level 1 rejects: "
                 "re-issue it with SHA-256.",
             cn_or_subject(c), depth, c->sig_alg);
        break;
    case VERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
    case VERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
        outf(&o, "\"%s\" (depth %d) gives its %s in a form RFC 5280 does not allow (it must be "
                 "YYMMDDHHMMSSZ, or YYYYMMDDHHMMSSZ from 2050): OpenSSL refuses the certificate. "
                 "Have the CA re-issue it.",
             cn_or_subject(c), depth,
             code == VERR_ERROR_IN_CERT_NOT_BEFORE_FIELD ? "notBefore" : "notAfter");
        break;
    case VERR_PERMITTED_VIOLATION:
    case VERR_EXCLUDED_VIOLATION:
    case VERR_SUBTREE_MINMAX:
    case VERR_UNSUPPORTED_CONSTRAINT_TYPE:
    case VERR_UNSUPPORTED_NAME_SYNTAX: {
        const struct cert *ca = j->nc_ca_depth > 0 && j->nc_ca_depth < v->n_path
                                    ? path_cert(j, j->nc_ca_depth) : NULL;
        outf(&o, "The CA \"%s\" (depth %d) restricts with nameConstraints which names the "
                 "certificates below it may carry, and \"%s\" (depth %d) ",
             ca ? cn_or_subject(ca) : "?", j->nc_ca_depth, cn_or_subject(c), depth);
        if (code == VERR_PERMITTED_VIOLATION)
            outf(&o, "has a name outside its permitted subtrees");
        else if (code == VERR_EXCLUDED_VIOLATION)
            outf(&o, "has a name inside its excluded subtrees");
        else if (code == VERR_UNSUPPORTED_NAME_SYNTAX)
            outf(&o, "has a name OpenSSL cannot compare with them (e.g. an e-mail without '@', "
                     "a URI without \"//\")");
        else
            outf(&o, "meets a constraint OpenSSL does not support (%s)", verdict_code_text(code));
        outf(&o, " (subjectAltName, or the CN when there is no DNS SAN). Re-issue the "
                 "certificate with names the CA allows, or have it issued by a CA without "
                 "that constraint.");
        break;
    }
    case VERR_UNSPECIFIED:
        outf(&o, "\"%s\" (depth %d) has so many names, and a CA above it so many name "
                 "constraints, that OpenSSL refuses to compare them (NAME_CHECK_MAX).",
             cn_or_subject(c), depth);
        break;
    case VERR_TLSSCOPE_UNPARSABLE:
        outf(&o, "tlsscope could not read \"%s\" (SHA-256 %s): %s. Check this chain with "
                 "`openssl verify` on the exported certificates.",
             c ? cn_or_subject(c) : "?", c ? fp(c, b) : "?", c ? c->parse_error : "");
        break;
    default:
        break;
    }
}

static void write_name_advice(struct judge *j)
{
    struct verdict *v = j->v;
    struct out o = {v->advice, sizeof v->advice, 0};
    const struct cert *leaf = path_cert(j, 0);
    uint8_t ip[16];
    int iplen = 0;
    char ipname[64] = "";

    if (inet_pton(AF_INET, v->name_checked, ip) == 1) iplen = 4;
    else if (inet_pton(AF_INET6, v->name_checked, ip) == 1) iplen = 16;

    outf(&o, "The certificate (CN=%s", leaf->subject_cn);
    if (leaf->n_san_dns) {
        outf(&o, "; DNS:");
        for (uint16_t i = 0; i < leaf->n_san_dns && o.len < 500; i++)
            outf(&o, "%s%s", i ? "," : "", leaf->san_dns[i]);
    }
    for (uint16_t i = 0; i < leaf->n_san_ip && o.len < 600; i++) {
        char t[64];
        inet_ntop(leaf->san_ip[i].len == 4 ? AF_INET : AF_INET6, leaf->san_ip[i].addr, t, sizeof t);
        outf(&o, "%sIP:%s", i || leaf->n_san_dns ? ", " : "; ", t);
        if (iplen && iplen == leaf->san_ip[i].len && memcmp(ip, leaf->san_ip[i].addr, (size_t)iplen) == 0)
            snprintf(ipname, sizeof ipname, "%s", t);
    }
    outf(&o, ") does not cover \"%s\". ", v->name_checked);
    if (v->profile == PROFILE_EXPRESSWAY) {
        outf(&o, ADVICE_NAME_RULE);
        if (ipname[0]) outf(&o, " (the certificate's IP:%s is ignored)", ipname);
        outf(&o, ADVICE_NAME_FIX, v->name_checked);
    } else {
        outf(&o, "Add %s:%s to the certificate's subjectAltName and re-issue it, or address the "
                 "server by a name the certificate carries.",
             iplen ? "IP" : "DNS", v->name_checked);
    }
}

static void set_reason_texts(struct judge *j, bool name_failure)
{
    struct verdict *v = j->v;
    if (name_failure && v->profile == PROFILE_EXPRESSWAY) {
        sfmt(v->reason, sizeof v->reason, "SNI (%s) not in certificate", v->name_checked);
        sfmt(v->would_log, sizeof v->would_log,
                 "SNI (%s) not in certificate. Action=Terminate server=%s(%s)", v->name_checked,
                 j->host, j->ip);
        v->predicted_alert = ALERT_INTERNAL_ERROR;
        return;
    }
    sfmt(v->reason, sizeof v->reason, "%s", verdict_code_text(v->code));
    if (v->code == VERR_TLSSCOPE_UNPARSABLE) {
        const struct cert *c = v->cert_index >= 0 ? path_cert(j, v->cert_index) : NULL;
        if (c && c->parse_error[0])
            sfmt(v->reason, sizeof v->reason, "certificate could not be parsed (%s)",
                     c->parse_error);
        v->predicted_alert = -1;
        return;
    }
    v->predicted_alert = name_failure ? ALERT_BAD_CERTIFICATE : alert_for_code(v->code);
    if (v->profile == PROFILE_EXPRESSWAY)
        sfmt(v->would_log, sizeof v->would_log,
                 "Core server certificate verification failed for (%s). Action=Terminate "
                 "Error=%s server=%s(%s) depth=%d",
                 v->name_checked, verdict_code_text(v->code), j->host, j->ip, v->depth);
}

static void unchecked_outcome(struct judge *j, const char *outcome, int code, int depth);

/* A cap made the answer unknowable: "not judged", naming the cap, with
 * what the kept part would say. Never "failed" (or "trusted") because of a
 * cap (README "Hostile input and limits"). Clears the failure's texts, so
 * no advice is given for a defect the certificate may not have. */
static void set_not_judged_cap(struct verdict *v, const char *cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_not_judged_cap(struct verdict *v, const char *cap, const char *fmt, ...)
{
    va_list ap;
    v->status = VERDICT_NOT_JUDGED;
    v->code = -1;
    v->depth = -1;
    v->cert_index = -1;
    v->name_ok = false;
    v->reason[0] = v->would_log[0] = v->advice[0] = '\0';
    v->predicted_alert = -1;
    snprintf(v->cap, sizeof v->cap, "%s", cap);
    va_start(ap, fmt);
    vsnprintf(v->not_judged, sizeof v->not_judged, fmt, ap);
    va_end(ap);
}

static void fail(struct judge *j, int code, int depth)
{
    struct verdict *v = j->v;
    if (code == VERR_TLSSCOPE_UNPARSABLE && depth >= 0 && depth < v->n_path &&
        v->path[depth].cert && v->path[depth].cert->too_large) {
        set_not_judged_cap(v, "CERT_MAX_DER",
                           "cap CERT_MAX_DER: the certificate at depth %d (%u bytes) is larger "
                           "than the %u bytes tlsscope parses",
                           depth, v->path[depth].cert->der_len, CERT_MAX_DER);
        return;
    }
    if (j->sig_unchecked) {
        char o[200];
        snprintf(o, sizeof o, "failed %d (%s) at depth %d", code, verdict_code_text(code), depth);
        unchecked_outcome(j, o, code, depth);
        return;
    }
    v->status = VERDICT_FAILED;
    v->code = code;
    v->depth = depth;
    v->cert_index = depth < v->n_path ? depth : v->n_path - 1;
    set_reason_texts(j, false);
    write_advice(j, code, v->cert_index);
}

static void fail_name(struct judge *j)
{
    struct verdict *v = j->v;
    const struct cert *leaf = v->n_path > 0 ? v->path[0].cert : NULL;
    /* The name may be among the SANs beyond CERT_MAX_SAN: unknown. */
    if (leaf && (leaf->n_san_dns_total > leaf->n_san_dns || leaf->n_san_ip_total > leaf->n_san_ip)) {
        bool dns = leaf->n_san_dns_total > leaf->n_san_dns;
        set_not_judged_cap(v, "CERT_MAX_SAN",
                           "cap CERT_MAX_SAN: the name is not among the first %u %s SANs of %u "
                           "the certificate carries; the rest were not kept",
                           dns ? leaf->n_san_dns : leaf->n_san_ip, dns ? "DNS" : "IP",
                           dns ? leaf->n_san_dns_total : leaf->n_san_ip_total);
        return;
    }
    uint8_t ip[16];
    bool is_ip = inet_pton(AF_INET, v->name_checked, ip) == 1 ||
                 inet_pton(AF_INET6, v->name_checked, ip) == 1;
    if (j->sig_unchecked) {
        unchecked_outcome(j, "failed: the name is not in the certificate",
                          v->profile == PROFILE_RFC && is_ip ? VERR_IP_ADDRESS_MISMATCH
                                                             : VERR_HOSTNAME_MISMATCH, 0);
        return;
    }
    v->status = VERDICT_FAILED;
    v->code = v->profile == PROFILE_RFC && is_ip ? VERR_IP_ADDRESS_MISMATCH : VERR_HOSTNAME_MISMATCH;
    v->depth = 0;
    v->cert_index = 0;
    v->name_ok = false;
    set_reason_texts(j, true);
    write_name_advice(j);
}

static void set_not_judged(struct verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_not_judged(struct verdict *v, const char *fmt, ...)
{
    va_list ap;
    v->status = VERDICT_NOT_JUDGED;
    v->code = -1;
    v->depth = -1;
    va_start(ap, fmt);
    vsnprintf(v->not_judged, sizeof v->not_judged, fmt, ap);
    va_end(ap);
}

/* Not judged because of a signature mbedTLS cannot check (judge.sig_*),
 * saying what the verdict is if that signature is good. */
static void unchecked_outcome(struct judge *j, const char *outcome, int code, int depth)
{
    struct verdict *v = j->v;
    v->sig_unchecked = true;
    v->code_if_sig_ok = code;
    v->depth_if_sig_ok = depth;
    const struct cert *c = path_cert(j, j->sig_unchecked_depth);
    set_not_judged(v, "the signature on \"%.60s\" (depth %d) cannot be checked: %s; if it is "
                      "good: %s",
                   cn_or_subject(c), j->sig_unchecked_depth, j->sig_unchecked_why, outcome);
    v->reason[0] = '\0';
    v->advice[0] = '\0';
    v->would_log[0] = '\0';
    v->predicted_alert = -1;
    v->cert_index = j->sig_unchecked_depth;
    v->sig_unchecked_depths = j->sig_unchecked_depths;
}

static const char *resumption_name(enum tls_resumption r)
{
    switch (r) {
    case TLS_RESUME_TICKET: return "session ticket";
    case TLS_RESUME_PSK: return "TLS 1.3 PSK";
    default: return "session ID";
    }
}

/* Why there is no chain to judge (VERIFY-SPEC "Connections without a
 * visible chain"). */
static void explain_no_chain(struct verdict *v, const struct tls_conn *conn)
{
    if (conn->resumed != TLS_RESUME_NONE || conn->nochain == TLS_NOCHAIN_RESUMED) {
        set_not_judged(v, "resumed session (%s): no certificate in an abbreviated handshake - "
                          "see the earlier full handshake with this server",
                       resumption_name(conn->resumed));
        return;
    }
    switch (conn->nochain) {
    case TLS_NOCHAIN_TLS13:
        /* say what would make the chain visible (dissect/tls13_keys.c) */
        if (conn->is_dtls)
            set_not_judged(v, "DTLS 1.3: the server's certificates are encrypted (tlsscope does "
                              "not decrypt DTLS 1.3)");
        else if (conn->decrypt_failed)
            set_not_judged(v, "TLS 1.3: the server's certificates are encrypted and the key "
                              "log's secrets did not decrypt them (wrong key log? see the events)");
        else if (conn->keylog_no_secrets)
            set_not_judged(v, "TLS 1.3: the server's certificates are encrypted; the key log has "
                              "no secrets for this connection's client random");
        else
            set_not_judged(v, "TLS 1.3: the server's certificates are encrypted - give --keylog "
                              "with the client's SSLKEYLOGFILE, or judge the certificate "
                              "obtained another way");
        break;
    case TLS_NOCHAIN_NO_SERVER_HELLO:
        set_not_judged(v, "no ServerHello: the server did not answer, or the capture missed it");
        break;
    case TLS_NOCHAIN_LOST:
        if (conn->ch.present)
            set_not_judged(v, "the Certificate message was lost in a capture gap");
        else
            set_not_judged(v, "the handshake was lost in capture gaps (see the events)");
        break;
    case TLS_NOCHAIN_ALERT:
        set_not_judged(v, "the server sent an alert before its certificate");
        break;
    case TLS_NOCHAIN_ANON:
        set_not_judged(v, "anonymous or PSK cipher suite: no certificate by design");
        break;
    case TLS_NOCHAIN_MIDSTREAM:
        set_not_judged(v, "the capture starts mid-connection, after the handshake");
        break;
    case TLS_NOCHAIN_SSLV2:
        set_not_judged(v, "SSLv2 server: not decoded");
        break;
    default:
        set_not_judged(v, "no server certificate seen");
        break;
    }
}

static void judge_chain(struct judge *j)
{
    const struct judge_input *in = j->in;
    struct verdict *v = j->v;
    const struct cert *leaf = in->chain[0];
    const struct cert_impl *li = cert_impl_of(leaf);

    /* The path shown when nothing else is known: the leaf. */
    v->path[0].cert = leaf;
    v->path[0].src = CHAIN_FROM_PEER;
    v->path[0].wire_index = 0;
    v->n_path = 1;

    if (!li->walked) {
        fail(j, VERR_TLSSCOPE_UNPARSABLE, 0);
        return;
    }
    /* 0. X509_verify_cert(): the leaf's key, before any chain. */
    if (li->key_secbits >= 0 && li->key_secbits < 80) {
        fail(j, VERR_EE_KEY_TOO_SMALL, 0);
        return;
    }

    /* 1. build_chain() */
    chain_build(in->chain, in->n_chain, in->store, in->at, CHAIN_VERIFY_DEPTH, in->profile,
                &j->ch);
    memcpy(v->path, j->ch.link, sizeof j->ch.link);
    v->n_path = j->ch.n;
    v->anchored = j->ch.trusted;
    if (!j->ch.trusted) {
        fail(j, j->ch.error, j->ch.depth);
        return;
    }
    int n = v->n_path;

    /* 2. check_chain_extensions() */
    int plen = 0;
    for (int i = 0; i < n; i++) {
        const struct cert *x = path_cert(j, i);
        if (x->unknown_critical) { fail(j, VERR_UNHANDLED_CRITICAL_EXTENSION, i); return; }
        if (i > 0) {
            /* "X509_V_FLAG_X509_STRICT is implicit for intermediate CAs": a
             * CA below the top must be one by basicConstraints; the top may
             * also be a v1 root or keyUsage-only CA. */
            int ca = cert_check_ca(x);
            if (ca == 0 || (i + 1 < n && ca != 1)) { fail(j, VERR_INVALID_CA, i); return; }
        }
        /* OpenSSL 3.0 check_extensions(): with more than one certificate,
         * an EC key with explicit parameters is refused (check_curve);
         * 1.1.1 has no such rule. */
        if (v->profile == PROFILE_RFC && n > 1 && cert_impl_of(x)->ec_explicit)
            { fail(j, VERR_EC_KEY_EXPLICIT_PARAMS, i); return; }
        bool purpose_ok = in->purpose == PURPOSE_SSL_CLIENT ? cert_purpose_sslclient(x, i > 0)
                                                            : cert_purpose_sslserver(x, i > 0);
        if (!purpose_ok) { fail(j, VERR_INVALID_PURPOSE, i); return; }
        if (i > 1 && x->path_len != -1 && plen > x->path_len)
            { fail(j, VERR_PATH_LENGTH_EXCEEDED, i); return; }
        if (i > 0 && !x->self_issued) plen++; /* self-issued CAs do not count */
    }

    /* 3. check_auth_level() at security level 1. SHA-1 signatures: 1.1.1
     * rates them at 80 bits (x509_init_sig_info: half the digest size),
     * 3.0 at 64 (collision attacks), so the rfc profile refuses them. */
    for (int i = 0; i < n; i++) {
        const struct cert *x = path_cert(j, i);
        const struct cert_impl *xi = cert_impl_of(x);
        int sig_secbits = v->profile == PROFILE_RFC && xi->sig_md == DER_MD_SHA1 ? 64
                                                                                 : xi->sig_secbits;
        if (i > 0 && xi->key_secbits >= 0 && xi->key_secbits < 80)
            { fail(j, VERR_CA_KEY_TOO_SMALL, i); return; }
        if (i < n - 1 && sig_secbits > 0 && sig_secbits < 80)
            { fail(j, VERR_CA_MD_TOO_WEAK, i); return; }
    }

    /* 4. check_id() for the rfc profile */
    /* A server checks no name in its client's certificate. */
    bool have_name = v->name_checked[0] != '\0' && in->purpose == PURPOSE_SSL_SERVER;
    if (v->profile == PROFILE_RFC && have_name) {
        v->name_ok = name_match_rfc(leaf, v->name_checked);
        if (!v->name_ok) { fail_name(j); return; }
    }

    /* 5. internal_verify(): the anchor's own signature is not checked. */
    for (int i = n - 1; i >= 0; i--) {
        const struct cert *x = path_cert(j, i);
        const struct cert_impl *xi = cert_impl_of(x);
        if (i < n - 1) {
            const struct cert *iss = path_cert(j, i + 1);
            enum cert_sig sig = cert_signature_check(iss, x);
            if (sig == CERT_SIG_BUDGET) {
                set_not_judged_cap(j->v, "VERIFY_BUDGET",
                                   "cap VERIFY_BUDGET: the signature work this capture may cost "
                                   "is spent (%llu units); the signature at depth %d was not checked",
                                   (unsigned long long)cert_verify_units_used(), i);
                return;
            }
            if (sig == CERT_SIG_BAD) { fail(j, VERR_CERT_SIGNATURE_FAILURE, i); return; }
            if (sig == CERT_SIG_UNCHECKABLE) j->sig_unchecked_depths |= 1u << i;
            if (sig == CERT_SIG_UNCHECKABLE && !j->sig_unchecked) {
                j->sig_unchecked = true;
                j->sig_unchecked_depth = i;
                cert_signature_why(iss, x, j->sig_unchecked_why, sizeof j->sig_unchecked_why);
            }
        }
        /* x509_check_cert_time(): X509_cmp_time() == 0 is a format error */
        if (xi->not_before_bad) { fail(j, VERR_ERROR_IN_CERT_NOT_BEFORE_FIELD, i); return; }
        if (in->at < x->not_before) { fail(j, VERR_CERT_NOT_YET_VALID, i); return; }
        if (xi->not_after_bad) { fail(j, VERR_ERROR_IN_CERT_NOT_AFTER_FIELD, i); return; }
        if (in->at >= x->not_after) { fail(j, VERR_CERT_HAS_EXPIRED, i); return; }
    }

    /* 6. ATS verify callback at depth 0: internal_verify() calls it with
     * ok = 1 for the leaf as its last step, before verify_chain() goes on
     * to the name constraints. */
    if (v->profile == PROFILE_EXPRESSWAY && have_name) {
        v->name_ok = name_match_expressway(leaf, v->name_checked);
        if (!v->name_ok) { fail_name(j); return; }
    }

    /* 7. check_name_constraints() */
    {
        const struct cert *p[VERDICT_MAX_PATH];
        char why[160];
        int depth;
        for (int i = 0; i < n; i++) p[i] = path_cert(j, i);
        int r = ncons_check_path(p, n, v->profile, &depth, &j->nc_ca_depth, why, sizeof why);
        if (r == NCONS_NOT_JUDGED) {
            set_not_judged(v, "%s", why);
            v->reason[0] = '\0';
            return;
        }
        if (r != 0) { fail(j, r, depth); return; }
    }
    if (j->sig_unchecked) {
        unchecked_outcome(j, "trusted", VERR_OK, -1);
        return;
    }
    v->status = VERDICT_TRUSTED;
    v->code = VERR_OK;
    v->depth = -1;
    v->cert_index = -1;
    snprintf(v->reason, sizeof v->reason, "ok");
}

/* Certificates the server sent that are not in the chain judged: beyond
 * TLS_MAX_CHAIN, over TLS_MAX_CERT_LEN or the held-bytes cap (the
 * dissector's n < n_total), or refused by a full certificate cache (NULL
 * entries). A failure may be due to one of them (the missing issuer can be
 * the 14th certificate), so it becomes "not judged". "trusted" stands when
 * the kept ones are the first ones sent: OpenSSL 1.1.1's find_issuer()
 * takes the first valid issuer in wire order, and every certificate of a
 * trusted path is valid, so later certificates cannot change it. */
static void judge_dropped_certs(const struct judge_input *in, struct verdict *v)
{
    const struct tls_certificate *sc = &in->conn->server_certs;
    int missing = 0;
    bool inside = sc->skipped_inside; /* a kept certificate comes after a missing one */
    for (int i = 0; i < in->n_chain; i++) {
        if (!in->chain[i]) missing++;
        else if (missing) inside = true;
    }
    int not_kept = sc->n_total > sc->n ? sc->n_total - sc->n : 0;
    if (!missing && !not_kept) return;
    if (v->status == VERDICT_TRUSTED && !inside) return;
    if (v->status == VERDICT_NOT_JUDGED) return;
    char was[120];
    if (v->status == VERDICT_FAILED)
        snprintf(was, sizeof was, "the certificates kept fail with %d at depth %d", v->code,
                 v->depth);
    else
        snprintf(was, sizeof was, "the certificates kept verify");
    if (not_kept)
        set_not_judged_cap(v, "TLS_MAX_CHAIN",
                           "cap TLS_MAX_CHAIN/TLS_MAX_CERT_LEN: %s, but %d of the %u certificates "
                           "sent were not kept (%d per chain, %u bytes each)",
                           was, not_kept, sc->n_total, TLS_MAX_CHAIN, TLS_MAX_CERT_LEN);
    else
        set_not_judged_cap(v, "CERT_CACHE_HARD_MAX_BYTES",
                           "cap CERT_CACHE_HARD_MAX_BYTES: %s, but %d of the certificates sent "
                           "could not be stored (certificate cache full)", was, missing);
}

int64_t verdict_conn_time(const struct tls_conn *c)
{
    return (c->chain_ts_ns ? c->chain_ts_ns : c->last_ts_ns) / 1000000000;
}

static void judge_impl(const struct judge_input *in, struct verdict *out, bool simulated)
{
    struct judge j;
    const struct tls_conn *conn = in->conn;

    memset(out, 0, sizeof *out);
    memset(&j, 0, sizeof j);
    j.in = in;
    j.v = out;
    j.simulated = simulated;
    out->status = VERDICT_NOT_JUDGED;
    out->code = -1;
    out->depth = -1;
    out->cert_index = -1;
    out->profile = in->profile;
    out->predicted_alert = -1;
    out->observed_alert = -1;
    out->agrees = AGREE_UNKNOWN;

    server_ip_text(conn, j.ip, sizeof j.ip);
    if (conn && conn->ch.has_sni && conn->ch.sni_len > 0) {
        /* The SNI as the client's C string: up to a NUL, if any. */
        size_t n = conn->ch.sni_len;
        const void *nul = memchr(conn->ch.sni, 0, n);
        if (nul) n = (size_t)((const uint8_t *)nul - conn->ch.sni);
        if (n >= sizeof out->name_checked) n = sizeof out->name_checked - 1;
        memcpy(out->name_checked, conn->ch.sni, n);
        out->name_checked[n] = '\0';
        out->name_from_sni = true;
    } else if (conn && conn->ch.present) {
        snprintf(out->name_checked, sizeof out->name_checked, "%s", j.ip);
    }
    /* No ClientHello in the capture (it began late, or lost it): whether the
     * client sent an SNI, and which, is unknown, so no name is checked. */
    snprintf(j.host, sizeof j.host, "%s", out->name_checked[0] ? out->name_checked : j.ip);
    if (conn && conn->sh.present) out->ecdsa_suite = suite_is_ecdsa(conn->sh.cipher);

    if (!conn) {
        set_not_judged(out, "no connection");
        return;
    }
    if (in->n_chain <= 0 || !in->chain || !in->chain[0]) {
        explain_no_chain(out, conn);
        verdict_observe(out, conn);
        return;
    }
    if (!in->store) {
        for (int i = 0; i < in->n_chain && out->n_path < VERDICT_MAX_PATH; i++) {
            if (!in->chain[i]) continue;
            out->path[out->n_path].cert = in->chain[i];
            out->path[out->n_path].src = CHAIN_FROM_PEER;
            out->path[out->n_path].wire_index = i;
            out->n_path++;
        }
        set_not_judged(out, "no trust store (give one with --trust)");
        verdict_observe(out, conn);
        return;
    }
    judge_chain(&j);
    judge_dropped_certs(in, out);
    if (out->status == VERDICT_TRUSTED && !out->name_checked[0] && !in->chain_only &&
        in->purpose == PURPOSE_SSL_SERVER) {
        out->reason[0] = '\0';
        set_not_judged(out, "the chain verifies, but the ClientHello is not in the capture: the "
                            "name the client asked for is unknown");
    }
    verdict_observe(out, conn);
}

void verdict_judge(const struct judge_input *in, struct verdict *out)
{
    judge_impl(in, out, false);
}

/* First alert the client sent: what it did after seeing the chain. */
void verdict_observe(struct verdict *v, const struct tls_conn *conn)
{
    v->observed_alert = -1;
    v->agrees = AGREE_UNKNOWN;
    if (!conn) return;
    for (int i = 0; i < conn->n_alerts && i < TLS_MAX_ALERTS; i++) {
        if (conn->alerts[i].from != TLS_CLIENT) continue;
        /* An encrypted alert after a completed handshake is the client
         * closing the session it accepted (close_notify), not its answer to
         * the certificate. */
        if (conn->alerts[i].encrypted && conn->handshake_complete) continue;
        v->observed_alert = conn->alerts[i].encrypted ? -2 : conn->alerts[i].desc;
        break;
    }
    if (v->status == VERDICT_NOT_JUDGED || v->presumed) return;
    if (v->status == VERDICT_FAILED && v->code == VERR_TLSSCOPE_UNPARSABLE) return;
    if (v->observed_alert == -2) return; /* encrypted: cannot tell which */
    if (v->observed_alert >= 0) {
        if (v->status == VERDICT_FAILED)
            v->agrees = v->observed_alert == v->predicted_alert ? AGREE_YES : AGREE_NO;
        else /* trusted: only close_notify / user_canceled are not a refusal */
            v->agrees = v->observed_alert == 0 || v->observed_alert == 90 ? AGREE_YES : AGREE_NO;
        return;
    }
    /* No client alert: did the client carry on with the handshake? */
    bool went_on = conn->ccs[TLS_CLIENT] || conn->encrypted_hs[TLS_CLIENT] ||
                   conn->app_data_records[TLS_CLIENT] > 0 || conn->handshake_complete;
    if (went_on) v->agrees = v->status == VERDICT_TRUSTED ? AGREE_YES : AGREE_NO;
}

#define FIELD_END(f) (offsetof(struct verdict, f) + sizeof(((struct verdict *)0)->f))

/* The bytes of *src after text field a and before text field b. */
#define COPY_BETWEEN(dst, src, a, b)                                                     \
    memcpy((char *)(dst) + FIELD_END(a), (const char *)(src) + FIELD_END(a),             \
           offsetof(struct verdict, b) - FIELD_END(a))

_Static_assert(FIELD_END(reason) <= offsetof(struct verdict, name_checked) &&
                   FIELD_END(name_checked) <= offsetof(struct verdict, would_log) &&
                   FIELD_END(would_log) <= offsetof(struct verdict, advice) &&
                   FIELD_END(advice) <= offsetof(struct verdict, not_judged) &&
                   FIELD_END(not_judged) <= offsetof(struct verdict, cap),
               "verdict_copy walks the text fields in this order");

static void copy_text(char *dst, const char *src, size_t cap)
{
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Everything around the text fields is copied whole, so a field added
 * anywhere is copied without touching this (a new text field too, only not
 * shortened). */
void verdict_copy(struct verdict *dst, const struct verdict *src)
{
    if (dst == src) return;
    memcpy(dst, src, offsetof(struct verdict, reason));
    copy_text(dst->reason, src->reason, sizeof dst->reason);
    COPY_BETWEEN(dst, src, reason, name_checked);
    copy_text(dst->name_checked, src->name_checked, sizeof dst->name_checked);
    COPY_BETWEEN(dst, src, name_checked, would_log);
    copy_text(dst->would_log, src->would_log, sizeof dst->would_log);
    COPY_BETWEEN(dst, src, would_log, advice);
    copy_text(dst->advice, src->advice, sizeof dst->advice);
    COPY_BETWEEN(dst, src, advice, not_judged);
    copy_text(dst->not_judged, src->not_judged, sizeof dst->not_judged);
    COPY_BETWEEN(dst, src, not_judged, cap);
    copy_text(dst->cap, src->cap, sizeof dst->cap);
    memcpy((char *)dst + FIELD_END(cap), (const char *)src + FIELD_END(cap),
           sizeof *dst - FIELD_END(cap));
}

void verdict_presume(struct verdict *v, const struct verdict *earlier, uint64_t earlier_flow)
{
    if (!earlier || earlier->status == VERDICT_NOT_JUDGED) return;
    int observed = v->observed_alert;
    verdict_copy(v, earlier);
    v->presumed = true;
    v->presumed_from = earlier_flow;
    v->observed_alert = observed;
    v->agrees = AGREE_UNKNOWN; /* the client saw no certificate this time */
    v->not_judged[0] = '\0';
}
