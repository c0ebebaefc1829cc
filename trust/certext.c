/* certext.c — the extensions list and the AIA / CRL DP / policies / name
 * constraints contents of one certificate, for display (certext.h).
 *
 * Everything reads the Extensions slice cert.c kept (cert_impl.exts) with
 * the cursor; the structures are walked level by level (RFC 5280's fixed
 * nesting: no recursion on the input). Name constraints are walked by
 * ncons.c's own iterator, the one verification uses, so what is shown is
 * what is enforced.
 */
#include "certext.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/sbuf.h"
#include "der.h"
#include "internal.h"
#include "ncons.h"

/* One string's hard cap (sbuf's max): a string is a piece of a certificate
 * of at most CERT_MAX_DER bytes, each byte at most 4 characters (\x00),
 * so this never cuts one. */
#define TEXT_MAX (4u * CERT_MAX_DER + 256u)

#define OID_EXT_AIA "\x2b\x06\x01\x05\x05\x07\x01\x01"
#define OID_AD_OCSP "\x2b\x06\x01\x05\x05\x07\x30\x01"
#define OID_AD_CA_ISSUERS "\x2b\x06\x01\x05\x05\x07\x30\x02"
#define OID_QT_CPS "\x2b\x06\x01\x05\x05\x07\x02\x01"
#define OID_QT_UNOTICE "\x2b\x06\x01\x05\x05\x07\x02\x02"

/* OpenSSL's long names (crypto/objects/objects.txt, as `openssl x509 -text`
 * prints them; the same in 1.1.1 and 3.0). */
static const struct {
    const char *oid, *name;
} ext_names[] = {
    {"2.5.29.9", "X509v3 Subject Directory Attributes"},
    {"2.5.29.14", "X509v3 Subject Key Identifier"},
    {"2.5.29.15", "X509v3 Key Usage"},
    {"2.5.29.16", "X509v3 Private Key Usage Period"},
    {"2.5.29.17", "X509v3 Subject Alternative Name"},
    {"2.5.29.18", "X509v3 Issuer Alternative Name"},
    {"2.5.29.19", "X509v3 Basic Constraints"},
    {"2.5.29.30", "X509v3 Name Constraints"},
    {"2.5.29.31", "X509v3 CRL Distribution Points"},
    {"2.5.29.32", "X509v3 Certificate Policies"},
    {"2.5.29.33", "X509v3 Policy Mappings"},
    {"2.5.29.35", "X509v3 Authority Key Identifier"},
    {"2.5.29.36", "X509v3 Policy Constraints"},
    {"2.5.29.37", "X509v3 Extended Key Usage"},
    {"2.5.29.46", "X509v3 Freshest CRL"},
    {"2.5.29.54", "X509v3 Inhibit Any Policy"},
    {"1.3.6.1.5.5.7.1.1", "Authority Information Access"},
    {"1.3.6.1.5.5.7.1.3", "qcStatements"},
    {"1.3.6.1.5.5.7.1.7", "sbgp-ipAddrBlock"},
    {"1.3.6.1.5.5.7.1.8", "sbgp-autonomousSysNum"},
    {"1.3.6.1.5.5.7.1.11", "Subject Information Access"},
    {"1.3.6.1.5.5.7.1.14", "Proxy Certificate Information"},
    {"1.3.6.1.5.5.7.1.24", "TLS Feature"},
    {"1.3.6.1.5.5.7.48.1.5", "OCSP No Check"},
    {"1.3.6.1.4.1.11129.2.4.2", "CT Precertificate SCTs"},
    {"1.3.6.1.4.1.11129.2.4.3", "CT Precertificate Poison"},
    {"2.16.840.1.113730.1.1", "Netscape Cert Type"},
    {"2.16.840.1.113730.1.13", "Netscape Comment"},
};

const char *certext_name(const char *oid)
{
    for (size_t i = 0; i < sizeof ext_names / sizeof ext_names[0]; i++)
        if (strcmp(ext_names[i].oid, oid) == 0) return ext_names[i].name;
    return NULL;
}

/* Policy identifiers an admin meets: anyPolicy (RFC 5280 4.2.1.4, OpenSSL
 * "X509v3 Any Policy") and the CA/Browser Forum's reserved ones (Baseline
 * Requirements 7.1.6.1), which OpenSSL prints as bare OIDs. */
static const char *policy_name(const char *oid)
{
    static const struct {
        const char *oid, *name;
    } names[] = {
        {"2.5.29.32.0", "anyPolicy"},
        {"2.23.140.1.1", "CA/B extended validation"},
        {"2.23.140.1.2.1", "CA/B domain validated"},
        {"2.23.140.1.2.2", "CA/B organization validated"},
        {"2.23.140.1.2.3", "CA/B individual validated"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i].oid, oid) == 0) return names[i].name;
    return NULL;
}

/* ---- lists ------------------------------------------------------------- */

/* Raw bytes as a C string; a NUL becomes the four characters \x00 so that a
 * string cannot be shortened into another (the front ends escape the rest). */
static void put_raw(struct sbuf *sb, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == 0) sbuf_puts(sb, "\\x00");
        else sbuf_putc(sb, (char)p[i]);
    }
}

static void strs_add(struct certext_strs *l, const char *s)
{
    if (l->total < UINT16_MAX) l->total++;
    if (l->n >= CERTEXT_MAX_NAMES) return;
    if (!l->v) {
        l->v = calloc(CERTEXT_MAX_NAMES, sizeof *l->v);
        if (!l->v) return;
    }
    char *copy = strdup(s);
    if (copy) l->v[l->n++] = copy;
}

static void strs_free(struct certext_strs *l)
{
    for (uint16_t i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* ---- GeneralName (RFC 5280 4.2.1.6), as OpenSSL GENERAL_NAME_print ----- */

/* `constraint`: an iPAddress is address and mask (RFC 5280 4.2.1.10). */
static void put_general_name(struct sbuf *sb, const struct der_tlv *g, bool constraint)
{
    const uint8_t *p = g->val.p;
    size_t n = cur_left(&g->val);
    switch (g->tag) {
    case DER_CTX_CONS(0): sbuf_puts(sb, "othername:<unsupported>"); break;
    case DER_CTX(1): sbuf_puts(sb, "email:"); put_raw(sb, p, n); break;
    case DER_CTX(2): sbuf_puts(sb, "DNS:"); put_raw(sb, p, n); break;
    case DER_CTX_CONS(3): sbuf_puts(sb, "X400Name:<unsupported>"); break;
    case DER_CTX_CONS(5): sbuf_puts(sb, "EdiPartyName:<unsupported>"); break;
    case DER_CTX(6): sbuf_puts(sb, "URI:"); put_raw(sb, p, n); break;
    case DER_CTX_CONS(4): {
        /* [4] EXPLICIT Name */
        struct cursor in = g->val, name;
        char *text = NULL, *cn = NULL;
        uint8_t *canon = NULL;
        uint32_t canon_len = 0;
        sbuf_puts(sb, "DirName:");
        if (der_expect(&in, DER_SEQUENCE, &name) == 0 &&
            x509_name_parse(&name, &text, &cn, NULL, &canon, &canon_len) == 0 && text)
            sbuf_puts(sb, text);
        else
            sbuf_puts(sb, "<malformed>");
        free(text);
        free(cn);
        free(canon);
        break;
    }
    case DER_CTX(7): {
        char a[INET6_ADDRSTRLEN], m[INET6_ADDRSTRLEN];
        size_t half = constraint ? n / 2 : n;
        int af = half == 4 ? AF_INET : half == 16 ? AF_INET6 : 0;
        sbuf_puts(sb, "IP:");
        if (!af || (constraint && n != 2 * half)) {
            sbuf_printf(sb, "<%zu-byte address>", n);
        } else {
            inet_ntop(af, p, a, sizeof a);
            sbuf_puts(sb, a);
            if (constraint) {
                inet_ntop(af, p + half, m, sizeof m);
                sbuf_printf(sb, "/%s", m);
            }
        }
        break;
    }
    case DER_CTX(8): {
        char oid[64];
        sbuf_puts(sb, "Registered ID:");
        sbuf_puts(sb, der_oid_text(p, n, oid, sizeof oid) == 0 ? oid : "<invalid>");
        break;
    }
    default: sbuf_printf(sb, "<tag 0x%02x>", g->tag); break;
    }
}

/* Every GeneralName of a GeneralNames' contents into l, each prefixed.
 * -1 when malformed (those before are kept). */
static int add_general_names(struct certext_strs *l, struct cursor names, const char *prefix)
{
    struct sbuf sb;
    sbuf_init(&sb, TEXT_MAX);
    int rc = 0;
    while (!cur_empty(&names)) {
        struct der_tlv g;
        if (der_next(&names, &g) != 0) {
            rc = -1;
            break;
        }
        sbuf_reset(&sb);
        sbuf_puts(&sb, prefix);
        put_general_name(&sb, &g, false);
        strs_add(l, sbuf_str(&sb));
    }
    sbuf_free(&sb);
    return rc;
}

/* ---- the extensions ---------------------------------------------------- */

/* RFC 5280 4.2.2.1: SEQUENCE SIZE (1..MAX) OF AccessDescription
 * { accessMethod OID, accessLocation GeneralName }. */
static int read_aia(struct certext *x, struct cursor val)
{
    struct cursor seq;
    if (der_expect(&val, DER_SEQUENCE, &seq) != 0 || !cur_empty(&val)) return -1;
    x->has_aia = true;
    struct sbuf sb;
    sbuf_init(&sb, TEXT_MAX);
    int rc = 0;
    while (!cur_empty(&seq)) {
        struct cursor ad, method;
        struct der_tlv loc;
        if (der_expect(&seq, DER_SEQUENCE, &ad) != 0 || der_expect(&ad, DER_OID, &method) != 0 ||
            der_next(&ad, &loc) != 0 || !cur_empty(&ad)) {
            rc = -1;
            break;
        }
        sbuf_reset(&sb);
        struct certext_strs *l = &x->aia_other;
        if (DER_OID_EQ(&method, OID_AD_OCSP)) {
            l = &x->ocsp;
        } else if (DER_OID_EQ(&method, OID_AD_CA_ISSUERS)) {
            l = &x->ca_issuers;
        } else {
            char oid[64];
            if (der_oid_text(method.p, cur_left(&method), oid, sizeof oid) != 0)
                snprintf(oid, sizeof oid, "(invalid OID)");
            sbuf_printf(&sb, "%s: ", oid);
        }
        put_general_name(&sb, &loc, false);
        strs_add(l, sbuf_str(&sb));
    }
    sbuf_free(&sb);
    return rc;
}

/* RFC 5280 4.2.1.13: SEQUENCE OF DistributionPoint { distributionPoint [0]
 * DistributionPointName OPTIONAL, reasons [1] OPTIONAL, cRLIssuer [2]
 * GeneralNames OPTIONAL }; DistributionPointName is a CHOICE, so [0] is
 * explicit around fullName [0] GeneralNames / nameRelativeToCRLIssuer [1]. */
static int read_crl_dp(struct certext *x, struct cursor val)
{
    struct cursor seq;
    if (der_expect(&val, DER_SEQUENCE, &seq) != 0 || !cur_empty(&val)) return -1;
    x->has_crl_dp = true;
    while (!cur_empty(&seq)) {
        struct cursor dp, v;
        if (der_expect(&seq, DER_SEQUENCE, &dp) != 0) return -1;
        if (der_peek(&dp) == DER_CTX_CONS(0)) {
            struct der_tlv name;
            if (der_expect(&dp, DER_CTX_CONS(0), &v) != 0 || der_next(&v, &name) != 0) return -1;
            if (name.tag == DER_CTX_CONS(0)) {
                if (add_general_names(&x->crl_dp, name.val, "") != 0) return -1;
            } else if (name.tag == DER_CTX_CONS(1)) {
                strs_add(&x->crl_dp, "relative name (nameRelativeToCRLIssuer)");
            } else {
                return -1;
            }
        }
        if (der_peek(&dp) == DER_CTX(1) && der_expect(&dp, DER_CTX(1), &v) != 0) return -1;
        if (der_peek(&dp) == DER_CTX_CONS(2)) {
            if (der_expect(&dp, DER_CTX_CONS(2), &v) != 0 ||
                add_general_names(&x->crl_dp, v, "CRL issuer: ") != 0)
                return -1;
        }
        if (!cur_empty(&dp)) return -1;
    }
    return 0;
}

/* DisplayText (RFC 5280 4.2.1.4): IA5String, VisibleString, BMPString or
 * UTF8String, as UTF-8. */
static int put_display_text(struct sbuf *sb, const struct der_tlv *t)
{
    if (t->tag != DER_IA5STRING && t->tag != DER_VISIBLESTRING && t->tag != DER_BMPSTRING &&
        t->tag != DER_UTF8STRING)
        return -1;
    size_t n = cur_left(&t->val);
    char *u = malloc(n * 4 + 1);
    if (!u) return -1;
    long w = der_string_utf8(t->tag, t->val.p, n, u, n * 4 + 1);
    if (w < 0) {
        free(u);
        return -1;
    }
    put_raw(sb, (const uint8_t *)u, (size_t)w);
    free(u);
    return 0;
}

/* UserNotice ::= SEQUENCE { noticeRef NoticeReference OPTIONAL,
 * explicitText DisplayText OPTIONAL }; NoticeReference ::= SEQUENCE
 * { organization DisplayText, noticeNumbers SEQUENCE OF INTEGER }. */
static int read_user_notice(struct certext_policy *p, struct cursor q)
{
    struct cursor un;
    struct sbuf sb;
    int rc = -1;
    if (der_expect(&q, DER_SEQUENCE, &un) != 0 || !cur_empty(&q)) return -1;
    sbuf_init(&sb, TEXT_MAX);
    if (der_peek(&un) == DER_SEQUENCE) {
        struct cursor ref, nums;
        struct der_tlv org;
        if (der_expect(&un, DER_SEQUENCE, &ref) != 0 || der_next(&ref, &org) != 0 ||
            put_display_text(&sb, &org) != 0 || der_expect(&ref, DER_SEQUENCE, &nums) != 0)
            goto out;
        sbuf_puts(&sb, ", notice");
        for (int i = 0; !cur_empty(&nums); i++) {
            struct cursor num;
            if (der_expect(&nums, DER_INTEGER, &num) != 0) goto out;
            unsigned long long v = 0;
            bool big = cur_left(&num) > 8;
            for (const uint8_t *b = num.p; !big && b < num.end; b++) v = (v << 8) | *b;
            if (big) sbuf_printf(&sb, "%s (%zu-byte number)", i ? "," : "", cur_left(&num));
            else sbuf_printf(&sb, "%s %llu", i ? "," : "", v);
        }
        if (!cur_empty(&ref)) goto out;
    }
    if (!cur_empty(&un)) {
        struct der_tlv text;
        if (der_next(&un, &text) != 0) goto out;
        if (sb.len) sbuf_puts(&sb, ": ");
        if (put_display_text(&sb, &text) != 0) goto out;
    }
    if (!cur_empty(&un)) goto out;
    strs_add(&p->notices, sbuf_str(&sb));
    rc = 0;
out:
    sbuf_free(&sb);
    return rc;
}

/* RFC 5280 4.2.1.4: SEQUENCE OF PolicyInformation { policyIdentifier OID,
 * policyQualifiers SEQUENCE OF PolicyQualifierInfo { id OID, qualifier }
 * OPTIONAL }; CPSuri is an IA5String. */
static int read_policies(struct certext *x, struct cursor val)
{
    struct cursor seq;
    if (der_expect(&val, DER_SEQUENCE, &seq) != 0 || !cur_empty(&val)) return -1;
    x->has_policies = true;
    while (!cur_empty(&seq)) {
        struct cursor pi, oid, quals;
        if (der_expect(&seq, DER_SEQUENCE, &pi) != 0 || der_expect(&pi, DER_OID, &oid) != 0)
            return -1;
        if (x->n_pol_total < UINT16_MAX) x->n_pol_total++;
        struct certext_policy *p = NULL;
        if (x->n_pol < CERTEXT_MAX_POLICIES) {
            if (!x->pol) x->pol = calloc(CERTEXT_MAX_POLICIES, sizeof *x->pol);
            if (x->pol) {
                p = &x->pol[x->n_pol++];
                if (der_oid_text(oid.p, cur_left(&oid), p->oid, sizeof p->oid) != 0)
                    snprintf(p->oid, sizeof p->oid, "(invalid OID)");
                p->name = policy_name(p->oid);
            }
        }
        if (cur_empty(&pi)) continue;
        if (der_expect(&pi, DER_SEQUENCE, &quals) != 0 || !cur_empty(&pi)) return -1;
        while (!cur_empty(&quals)) {
            struct cursor q, qid;
            if (der_expect(&quals, DER_SEQUENCE, &q) != 0 || der_expect(&q, DER_OID, &qid) != 0)
                return -1;
            if (!p) continue;
            if (DER_OID_EQ(&qid, OID_QT_CPS)) {
                struct cursor uri;
                if (der_expect(&q, DER_IA5STRING, &uri) != 0 || !cur_empty(&q)) return -1;
                struct sbuf sb;
                sbuf_init(&sb, TEXT_MAX);
                put_raw(&sb, uri.p, cur_left(&uri));
                strs_add(&p->cps, sbuf_str(&sb));
                sbuf_free(&sb);
            } else if (DER_OID_EQ(&qid, OID_QT_UNOTICE)) {
                if (read_user_notice(p, q) != 0) return -1;
            } else {
                char o[64], line[96];
                if (der_oid_text(qid.p, cur_left(&qid), o, sizeof o) != 0)
                    snprintf(o, sizeof o, "(invalid OID)");
                snprintf(line, sizeof line, "qualifier %s", o);
                strs_add(&p->notices, line);
            }
        }
    }
    return 0;
}

struct nc_ctx {
    struct certext *x;
    struct sbuf sb;
};

static void nc_each(void *ctx, bool excluded, const struct der_tlv *base, bool minmax)
{
    struct nc_ctx *n = ctx;
    sbuf_reset(&n->sb);
    put_general_name(&n->sb, base, true);
    if (minmax) sbuf_puts(&n->sb, " (with minimum/maximum)");
    strs_add(excluded ? &n->x->nc_excluded : &n->x->nc_permitted, sbuf_str(&n->sb));
}

static int read_nc(struct certext *x, struct cursor val)
{
    struct cursor seq;
    if (der_expect(&val, DER_SEQUENCE, &seq) != 0 || !cur_empty(&val)) return -1;
    x->has_nc = true;
    struct nc_ctx n = {.x = x};
    sbuf_init(&n.sb, TEXT_MAX);
    int rc = ncons_each_subtree(seq, nc_each, &n);
    sbuf_free(&n.sb);
    return rc;
}

int certext_read(const struct cert *c, struct certext *out)
{
    memset(out, 0, sizeof *out);
    const struct cert_impl *im = c ? c->impl : NULL;
    if (!im || !c->der || !im->walked) return -1;
    struct cursor exts = im->exts;
    while (!cur_empty(&exts)) {
        /* Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue } */
        struct cursor ext, oid, crit, value;
        bool critical = false;
        if (der_expect(&exts, DER_SEQUENCE, &ext) != 0 || der_expect(&ext, DER_OID, &oid) != 0) {
            out->ext_list_broken = true;
            break;
        }
        if (der_peek(&ext) == DER_BOOLEAN) {
            if (der_expect(&ext, DER_BOOLEAN, &crit) != 0 || cur_left(&crit) != 1) {
                out->ext_list_broken = true;
                break;
            }
            critical = crit.p[0] != 0;
        }
        if (der_expect(&ext, DER_OCTET_STRING, &value) != 0) {
            out->ext_list_broken = true;
            break;
        }
        if (out->n_ext_total < UINT16_MAX) out->n_ext_total++;
        struct certext_ext *e = NULL;
        if (out->n_ext < CERTEXT_MAX_EXTS) {
            if (!out->ext) out->ext = calloc(CERTEXT_MAX_EXTS, sizeof *out->ext);
            if (out->ext) e = &out->ext[out->n_ext++];
        }
        if (e) {
            if (der_oid_text(oid.p, cur_left(&oid), e->oid, sizeof e->oid) != 0)
                snprintf(e->oid, sizeof e->oid, "(invalid OID)");
            e->name = certext_name(e->oid);
            e->critical = critical;
        }
        /* a second copy of one of these is shown in the list, its contents
         * once (OpenSSL's X509_get_ext_d2i takes the first as well) */
        int rc = 0;
        if (DER_OID_EQ(&oid, OID_EXT_AIA) && !out->has_aia) rc = read_aia(out, value);
        else if (DER_OID_EQ(&oid, OID_EXT_CRLDP) && !out->has_crl_dp) rc = read_crl_dp(out, value);
        else if (DER_OID_EQ(&oid, OID_EXT_POLICIES) && !out->has_policies)
            rc = read_policies(out, value);
        else if (DER_OID_EQ(&oid, OID_EXT_NC) && !out->has_nc) rc = read_nc(out, value);
        if (rc != 0 && e) e->malformed = true;
    }
    return 0;
}

void certext_free(struct certext *x)
{
    if (!x) return;
    free(x->ext);
    strs_free(&x->ocsp);
    strs_free(&x->ca_issuers);
    strs_free(&x->aia_other);
    strs_free(&x->crl_dp);
    for (uint16_t i = 0; i < x->n_pol; i++) {
        strs_free(&x->pol[i].cps);
        strs_free(&x->pol[i].notices);
    }
    free(x->pol);
    strs_free(&x->nc_permitted);
    strs_free(&x->nc_excluded);
    memset(x, 0, sizeof *x);
}
