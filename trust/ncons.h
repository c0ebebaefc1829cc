/* ncons.h — name constraints (RFC 5280 4.2.1.10) over a built path, the way
 * OpenSSL's check_name_constraints() applies them (private to trust/).
 *
 * The nameConstraints extension and the subjectAltName stay slices of the
 * certificates' DER (cert_impl.nc, .san_names) and are walked here with the
 * cursor; nothing is copied per subtree.
 */
#ifndef TLSSCOPE_TRUST_NCONS_H
#define TLSSCOPE_TRUST_NCONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/cursor.h"
#include "cert.h"
#include "der.h"
#include "verdict.h"

/* NAME_CONSTRAINTS_check() answers with VERR_UNSPECIFIED (1) and
 * VERR_PERMITTED_VIOLATION .. VERR_UNSUPPORTED_NAME_SYNTAX (47-53),
 * verdict.h. */

/* Not an OpenSSL answer: a tlsscope cap bit or the case is not modelled;
 * `why` says which. The verdict is then "not judged". */
#define NCONS_NOT_JUDGED (-1)

/* Name/subtree comparisons allowed for one certificate against one
 * constraint (a cap: OpenSSL's own guard, NAME_CHECK_MAX, allows 2^20 and
 * then answers 1 "unspecified"; real PKIs have a handful of each). */
#define NCONS_MAX_PAIRS (1u << 16)

/* The NameConstraints SEQUENCE contents are well-formed as OpenSSL's
 * NAME_CONSTRAINTS template decodes them: [0] and/or [1] GeneralSubtrees
 * (in that order), each GeneralSubtree { GeneralName, [0] min, [1] max }.
 * *n_subtrees: how many in all. */
bool ncons_wellformed(struct cursor nc, uint32_t *n_subtrees);

/* The subtrees of a NameConstraints SEQUENCE's contents in order, for
 * display (certext.c): each() gets whether the subtree is excluded ([1])
 * rather than permitted ([0]), its base GeneralName TLV and whether a
 * minimum or maximum was given. The same walk as ncons_wellformed().
 * Returns 0, or -1 at the first malformed part (the earlier ones were
 * given). */
int ncons_each_subtree(struct cursor nc,
                       void (*each)(void *ctx, bool excluded, const struct der_tlv *base,
                                    bool minmax),
                       void *ctx);

/* check_name_constraints() on path[0..n-1] (leaf first, anchor last):
 * every certificate below a CA with nameConstraints is checked against it,
 * from the top down; self-issued intermediates are skipped (the leaf is
 * always checked, also when self-issued).
 * Returns 0, an X509_V_ERR_* code with *depth (the certificate that
 * violates) and *ca_depth (the CA whose constraint it is), or
 * NCONS_NOT_JUDGED with the reason in why. */
int ncons_check_path(const struct cert *const *path, int n, enum verdict_profile profile,
                     int *depth, int *ca_depth, char *why, size_t whylen);

#endif
