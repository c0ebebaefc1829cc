/* chain.c — OpenSSL's build_chain() (crypto/x509/x509_vfy.c) as it runs in a
 * TLS client: the untrusted certificates are the peer's whole Certificate
 * message, X509_V_FLAG_TRUSTED_FIRST is on (the default since 1.1.0),
 * X509_V_FLAG_PARTIAL_CHAIN is off, so only self-signed store certificates
 * end a chain (X509_check_trust with no auxiliary trust falls back to
 * "trusted if self-signed").
 *
 * The loop, per VERIFY-SPEC "Chain building" and OpenSSL 3.0:
 *  - while the top may be extended (chain length <= depth + 1), look for its
 *    issuer in the store first; a store issuer ends the use of the peer's
 *    certificates for good; if it is self-signed the chain is trusted;
 *  - a self-signed top that came from the peer is only replaced by (trusted
 *    as) a store certificate with identical bytes — a same-named store
 *    certificate is a "mimic" and does not count;
 *  - otherwise take the issuer from the peer's certificates (any order, each
 *    used once, never one already in the chain), and look in the store again.
 * Candidates: the first that cert_could_issue() accepts and that is valid
 * at the judging time; when none is valid, the profiles differ as their
 * libraries do:
 *  - expressway (OpenSSL 1.1.1 X509_STORE_CTX_get1_issuer() and
 *    find_issuer()): the *last* acceptable candidate, in store / wire order
 *    — store [root not yet valid, the same root expired] gives 10 at 1;
 *  - rfc (OpenSSL 3.0 X509_STORE_CTX_get1_issuer() and
 *    get0_best_issuer_sk()): the one that expires last — the same store
 *    gives 9 at 1 — as far as ASN1_TIME_compare() can read the times.
 *
 * Iterative, bounded by VERDICT_MAX_PATH: no recursion on peer input.
 */
#include "chain.h"

#include <string.h>

#include "internal.h"

/* cert_could_issue(), and for the rfc profile OpenSSL 3.0's stricter
 * x509v3_cache_extensions(): a keyUsage extension with no bit set at all is
 * EXFLAG_INVALID there ("empty key usage", RFC 5280 4.2.1.3), so such a
 * certificate neither issues nor is issued (measured: 3.0 gives 20 where
 * 1.1.1 builds the chain and says 24). */
static bool may_issue(const struct cert *x, const struct cert *child, enum verdict_profile profile)
{
    if (!cert_could_issue(x, child)) return false;
    if (profile == PROFILE_RFC && ((x->has_key_usage && x->key_usage == 0) ||
                                   (child->has_key_usage && child->key_usage == 0)))
        return false;
    /* 3.0 check_sig_alg_match(): an id-RSASSA-PSS key (EVP_PKEY_RSA_PSS)
     * matches RSASSA-PSS signatures only; 1.1.1 tries the signature (7). */
    if (profile == PROFILE_RFC && strcmp(x->key_alg, "rsassaPss") == 0 &&
        strcmp(child->sig_alg, "rsassaPss") != 0)
        return false;
    return true;
}

/* Among acceptable candidates none of which is valid at the judging time,
 * does `x` (seen after `best`) replace `best`? See the top of the file. */
static bool better_invalid(const struct cert *x, const struct cert *best,
                           enum verdict_profile profile)
{
    if (!best || profile == PROFILE_EXPRESSWAY) return true; /* 1.1.1: the last one */
    /* 3.0: ASN1_TIME_compare(x's notAfter, best's) > 0 — the one that
     * expires last; a notAfter it cannot read makes the comparison -2, so
     * the candidate held stays (an unreadable first candidate is kept). */
    if (cert_impl_of(x)->not_after_unreadable || cert_impl_of(best)->not_after_unreadable)
        return false;
    return x->not_after > best->not_after;
}

static bool same_cert(const struct cert *a, const struct cert *b)
{
    return a == b || memcmp(a->sha256, b->sha256, sizeof a->sha256) == 0;
}

/* Is store entry i byte-identical to an earlier entry? OpenSSL's
 * X509_STORE holds a certificate once: x509_store_add() (crypto/x509/
 * x509_lu.c) skips one that X509_OBJECT_retrieve_match() finds (X509_cmp
 * equal), so a duplicate keeps the place of its first copy. */
static bool held_earlier(const struct trust_store *st, size_t i)
{
    for (size_t k = 0; k < i; k++)
        if (st->entries[k].cert && same_cert(st->entries[k].cert, st->entries[i].cert))
            return true;
    return false;
}

/* The store's candidates in OpenSSL's order: X509_STORE_CTX_get1_issuer()
 * walks the store's objects with the issuer's subject, which are sorted by
 * subject only (x509_object_cmp; glibc's qsort is a stable merge sort), so
 * same-subject certificates stay in load order, duplicates dropped. */
const struct cert *chain_store_issuer(const struct trust_store *st, const struct cert *child,
                                      int64_t at, enum verdict_profile profile)
{
    const struct cert *best = NULL;
    if (!st) return NULL;
    for (size_t i = 0; i < st->n; i++) {
        const struct cert *x = st->entries[i].cert;
        if (!x || !may_issue(x, child, profile)) continue;
        /* A valid candidate's first copy was already returned; an invalid
         * one's later copy must not become "the last" (1.1.1). */
        if (cert_valid_at(x, at)) return x;
        if (better_invalid(x, best, profile) && !held_earlier(st, i)) best = x;
    }
    return best;
}

static bool in_chain(const struct chain_result *r, const struct cert *c)
{
    for (int i = 0; i < r->n; i++)
        if (same_cert(r->link[i].cert, c)) return true;
    return false;
}

/* get0_best_issuer_sk(ctx, 0, no_dup = 1, untrusted, x). */
static int peer_issuer(const struct cert *const *wire, int n_wire, const bool *used,
                       const struct chain_result *r, const struct cert *child, int64_t at,
                       enum verdict_profile profile)
{
    int best = -1;
    for (int i = 0; i < n_wire; i++) {
        const struct cert *x = wire[i];
        if (!x || used[i]) continue;
        /* no_dup: not a certificate already in the chain, except that a
         * self-issued leaf may be its own issuer candidate. */
        if (!(child->self_issued && r->n == 1) && in_chain(r, x)) continue;
        if (!may_issue(x, child, profile)) continue;
        if (cert_valid_at(x, at)) return i;
        if (better_invalid(x, best < 0 ? NULL : wire[best], profile)) best = i;
    }
    return best;
}

static void push(struct chain_result *r, const struct cert *c, enum chain_src src, int wire_index)
{
    r->link[r->n].cert = c;
    r->link[r->n].src = src;
    r->link[r->n].wire_index = wire_index;
    r->n++;
}

void chain_build(const struct cert *const *wire, int n_wire, const struct trust_store *st,
                 int64_t at, int verify_depth, enum verdict_profile profile,
                 struct chain_result *out)
{
    bool used[64] = {false};
    int max_depth = verify_depth + 1;
    bool do_untrusted = true, do_trusted = true, trusted = false;

    memset(out, 0, sizeof *out);
    if (n_wire > 64) n_wire = 64; /* TLS_MAX_CHAIN is 12: a generous cap */
    if (max_depth + 1 > VERDICT_MAX_PATH) max_depth = VERDICT_MAX_PATH - 1;
    push(out, wire[0], CHAIN_FROM_PEER, 0);
    out->num_untrusted = 1;

    while (do_untrusted || do_trusted) {
        int num = out->n;
        if (do_trusted) {
            const struct cert *curr = out->link[num - 1].cert;
            const struct cert *issuer = num > max_depth ? NULL : chain_store_issuer(st, curr, at, profile);
            if (issuer) {
                bool ok = true;
                if (!cert_is_self_signed(curr)) {
                    push(out, issuer, CHAIN_FROM_STORE, -1);
                } else if (!same_cert(curr, issuer)) {
                    ok = false; /* self-signed untrusted mimic of a store certificate */
                } else {
                    /* The peer's self-signed certificate is in the store
                     * byte for byte: it is the anchor. */
                    out->link[num - 1].cert = issuer;
                    out->link[num - 1].src = CHAIN_FROM_STORE;
                    out->num_untrusted = num - 1;
                }
                if (ok) {
                    do_untrusted = false; /* no more peer certificates */
                    const struct cert *added = out->link[out->n - 1].cert;
                    if (cert_is_self_signed(added)) { /* check_trust(): anchor */
                        trusted = true;
                        break;
                    }
                    continue; /* a store intermediate: its issuer, from the store */
                }
            }
            if (!do_untrusted) break;
        }
        if (do_untrusted) {
            const struct cert *curr = out->link[num - 1].cert;
            int i = (cert_is_self_signed(curr) || num > max_depth)
                        ? -1
                        : peer_issuer(wire, n_wire, used, out, curr, at, profile);
            if (i < 0) {
                do_untrusted = false;
                do_trusted = true;
                continue;
            }
            used[i] = true;
            push(out, wire[i], CHAIN_FROM_PEER, i);
            out->num_untrusted++;
        }
    }

    out->trusted = trusted;
    if (trusted) return;
    out->depth = out->n - 1;
    const struct cert *top = out->link[out->n - 1].cert;
    if (out->n > max_depth) out->error = VERR_CERT_CHAIN_TOO_LONG;
    else if (cert_is_self_signed(top))
        out->error = out->n == 1 ? VERR_DEPTH_ZERO_SELF_SIGNED_CERT : VERR_SELF_SIGNED_CERT_IN_CHAIN;
    else if (out->num_untrusted < out->n) out->error = VERR_UNABLE_TO_GET_ISSUER_CERT;
    else out->error = VERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
}
