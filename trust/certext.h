/* certext.h — a certificate's extensions as an administrator reads them in
 * `openssl x509 -text`: every extension with its OID, OpenSSL's name and
 * its criticality, and the contents of the ones verification does not use
 * but a ticket needs: Authority Information Access (RFC 5280 4.2.2.1),
 * CRL Distribution Points (4.2.1.13), Certificate Policies (4.2.1.4) and
 * Name Constraints (4.2.1.10).
 *
 * Read on demand from the certificate's DER for a page or a report and freed
 * right after, so the certificate cache does not grow by them. Every list is
 * capped (CERTEXT_MAX_*): `n` is what was kept, `total` what the certificate
 * has, and a front end says "+N not kept" when they differ. Strings are the
 * raw bytes of the certificate (an embedded NUL is written as \x00, as
 * cert.c does for SAN names): escape them before printing.
 */
#ifndef TLSSCOPE_TRUST_CERTEXT_H
#define TLSSCOPE_TRUST_CERTEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "cert.h"

#define CERTEXT_MAX_EXTS 64      /* extensions listed per certificate */
#define CERTEXT_MAX_NAMES 32     /* entries per list (URIs, subtrees, qualifiers) */
#define CERTEXT_MAX_POLICIES 16  /* policies per certificate */

struct certext_strs {
    char **v;                    /* n strings, malloc'd */
    uint16_t n, total;
};

struct certext_ext {
    char oid[64];                /* dotted, "2.5.29.19"; "(invalid OID)" */
    const char *name;            /* OpenSSL's long name ("X509v3 Basic Constraints"), or NULL */
    bool critical;
    bool malformed;              /* one tlsscope decodes here did not decode */
};

struct certext_policy {
    char oid[64];
    const char *name;            /* "anyPolicy", "CA/B domain validated", or NULL */
    struct certext_strs cps;     /* id-qt-cps URIs */
    struct certext_strs notices; /* id-qt-unotice: explicitText, or
                                    "organization, notice 1, 2" */
};

struct certext {
    struct certext_ext *ext;
    uint16_t n_ext, n_ext_total;
    bool ext_list_broken;        /* the Extensions SEQUENCE stops in malformed DER */

    bool has_aia;
    struct certext_strs ocsp;       /* id-ad-ocsp accessLocations ("URI:http://...") */
    struct certext_strs ca_issuers; /* id-ad-caIssuers */
    struct certext_strs aia_other;  /* other methods: "1.2.3: URI:..." */

    bool has_crl_dp;
    struct certext_strs crl_dp;     /* "URI:http://...", "relative name", "CRL issuer: ..." */

    bool has_policies;
    struct certext_policy *pol;
    uint16_t n_pol, n_pol_total;

    bool has_nc;
    struct certext_strs nc_permitted; /* "DNS:.lab", "IP:10.0.0.0/255.0.0.0" */
    struct certext_strs nc_excluded;
};

/* Fill *out (zeroed first) from c's DER. Returns 0; -1 when the DER was not
 * kept or not read far enough to reach the extensions (out is then empty).
 * Always pair with certext_free(). */
int certext_read(const struct cert *c, struct certext *out);
void certext_free(struct certext *x);

/* OpenSSL's long name of an extension OID in dotted form, or NULL. */
const char *certext_name(const char *oid);

#endif
