/* ncons.c — name constraints as OpenSSL 1.1.1 enforces them
 * (crypto/x509v3/v3_ncons.c NAME_CONSTRAINTS_check, NAME_CONSTRAINTS_check_CN,
 * nc_match, nc_match_single, nc_dn, nc_dns, nc_email, nc_uri, nc_ip, cn2dnsid;
 * crypto/x509/x509_vfy.c check_name_constraints). OpenSSL 3.0 (the rfc
 * profile) does the same for everything modelled here; where it differs
 * (SmtpUTF8Mailbox otherNames, RFC 9598) the rfc profile is not judged.
 *
 * Everything is read with the cursor from slices of the certificates' DER;
 * the walk is flat (GeneralSubtrees, GeneralNames, RDNs: fixed depth), and
 * the work per certificate and constraint is capped by NCONS_MAX_PAIRS.
 */
#include "ncons.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* GeneralName CHOICE numbers (RFC 5280 4.2.1.6), as the tag's low bits. */
enum gn_type {
    GN_OTHERNAME = 0, GN_EMAIL = 1, GN_DNS = 2, GN_X400 = 3, GN_DIRNAME = 4,
    GN_EDIPARTY = 5, GN_URI = 6, GN_IPADD = 7, GN_RID = 8,
};

#define OID_EMAIL_ADDRESS "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x01"

/* The tag a GeneralName of this CHOICE must carry: IMPLICIT primitive for
 * the string and octet forms, constructed for the others ([4] is EXPLICIT). */
static bool gn_tag_ok(uint8_t tag)
{
    switch (tag) {
    case DER_CTX_CONS(0): case DER_CTX(1): case DER_CTX(2): case DER_CTX_CONS(3):
    case DER_CTX_CONS(4): case DER_CTX_CONS(5): case DER_CTX(6): case DER_CTX(7):
    case DER_CTX(8):
        return true;
    default:
        return false;
    }
}

struct subtree {
    struct der_tlv base;     /* the GeneralName */
    bool minmax;             /* minimum or maximum present */
    bool min_zero_only;      /* ... and that was a minimum of 0, no maximum */
};

/* 1.1.1 refuses any minimum or maximum (49); 3.0's nc_minmax_valid()
 * accepts an explicit minimum of 0 (the DEFAULT) without a maximum. */
static bool subtree_minmax(const struct subtree *st, enum verdict_profile profile)
{
    return st->minmax && !(profile == PROFILE_RFC && st->min_zero_only);
}

/* Next GeneralSubtree of a GeneralSubtrees' contents. 1 one read, 0 none
 * left, -1 malformed. */
static int next_subtree(struct cursor *trees, struct subtree *st)
{
    struct cursor seq;
    if (cur_empty(trees)) return 0;
    if (der_expect(trees, DER_SEQUENCE, &seq) != 0) return -1;
    if (der_next(&seq, &st->base) != 0 || !gn_tag_ok(st->base.tag)) return -1;
    st->minmax = false;
    st->min_zero_only = false;
    if (der_peek(&seq) == DER_CTX(0)) {
        struct cursor v;
        if (der_expect(&seq, DER_CTX(0), &v) != 0) return -1;
        st->minmax = true;
        st->min_zero_only = cur_left(&v) == 1 && v.p[0] == 0;
    }
    if (der_peek(&seq) == DER_CTX(1)) {
        struct cursor v;
        if (der_expect(&seq, DER_CTX(1), &v) != 0) return -1;
        st->minmax = true;
        st->min_zero_only = false;
    }
    return cur_empty(&seq) ? 1 : -1;
}

/* The permitted ([0]) and excluded ([1]) GeneralSubtrees contents. */
static int split_nc(struct cursor nc, struct cursor *permitted, struct cursor *excluded)
{
    *permitted = cur_init(NULL, 0);
    *excluded = cur_init(NULL, 0);
    if (der_peek(&nc) == DER_CTX_CONS(0) && der_expect(&nc, DER_CTX_CONS(0), permitted) != 0)
        return -1;
    if (der_peek(&nc) == DER_CTX_CONS(1) && der_expect(&nc, DER_CTX_CONS(1), excluded) != 0)
        return -1;
    return cur_empty(&nc) ? 0 : -1;
}

bool ncons_wellformed(struct cursor nc, uint32_t *n_subtrees)
{
    struct cursor trees[2];
    struct subtree st;
    *n_subtrees = 0;
    if (split_nc(nc, &trees[0], &trees[1]) != 0) return false;
    for (int k = 0; k < 2; k++) {
        int r;
        while ((r = next_subtree(&trees[k], &st)) == 1) (*n_subtrees)++;
        if (r < 0) return false;
    }
    return true;
}

int ncons_each_subtree(struct cursor nc,
                       void (*each)(void *ctx, bool excluded, const struct der_tlv *base,
                                    bool minmax),
                       void *ctx)
{
    struct cursor trees[2];
    struct subtree st;
    if (split_nc(nc, &trees[0], &trees[1]) != 0) return -1;
    for (int k = 0; k < 2; k++) {
        int r;
        while ((r = next_subtree(&trees[k], &st)) == 1) each(ctx, k == 1, &st.base, st.minmax);
        if (r < 0) return -1;
    }
    return 0;
}

/* ---- matching one name against one base (nc_match_single) ------------ */

/* OpenSSL ia5ncasecmp(): ASCII case-insensitive over n bytes, stopping at
 * a common NUL. */
static int ia5ncasecmp(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (; n > 0; n--, a++, b++) {
        if (*a == *b) {
            if (*a == 0) return 0;
            continue;
        }
        uint8_t ca = *a, cb = *b;
        if (ca >= 'A' && ca <= 'Z') ca = (uint8_t)(ca + 32);
        if (cb >= 'A' && cb <= 'Z') cb = (uint8_t)(cb + 32);
        if (ca != cb) return ca < cb ? -1 : 1;
    }
    return 0;
}

static const uint8_t *mem_rchr(const uint8_t *p, size_t n, uint8_t c)
{
    while (n-- > 0)
        if (p[n] == c) return p + n;
    return NULL;
}

/* nc_dns(): the base, if not empty, is a suffix of the name on a label
 * boundary (a leading "." in the base is that boundary). */
static int nc_dns(const uint8_t *dns, size_t dl, const uint8_t *base, size_t bl)
{
    if (bl == 0) return 0;
    if (dl < bl) return VERR_PERMITTED_VIOLATION;
    const uint8_t *tail = dns;
    if (dl > bl) {
        tail = dns + (dl - bl);
        if (base[0] != '.' && tail[-1] != '.') return VERR_PERMITTED_VIOLATION;
    }
    return ia5ncasecmp(base, tail, bl) ? VERR_PERMITTED_VIOLATION : 0;
}

/* nc_email(): "local@host" exactly (local part case-sensitive), "host",
 * or ".domain" for any host below it. */
static int nc_email(const uint8_t *eml, size_t el, const uint8_t *base, size_t bl)
{
    const uint8_t *baseat = mem_rchr(base, bl, '@');
    const uint8_t *emlat = mem_rchr(eml, el, '@');
    const uint8_t *bp = base, *ep;
    if (!emlat) return VERR_UNSUPPORTED_NAME_SYNTAX;
    if (!baseat && bl > 0 && base[0] == '.') {
        if (el > bl && ia5ncasecmp(base, eml + (el - bl), bl) == 0) return 0;
        return VERR_PERMITTED_VIOLATION;
    }
    if (baseat) {
        if (baseat != base) {
            size_t ll = (size_t)(baseat - base);
            if (ll != (size_t)(emlat - eml)) return VERR_PERMITTED_VIOLATION;
            if (memchr(base, 0, ll) || memchr(eml, 0, ll)) return VERR_UNSUPPORTED_NAME_SYNTAX;
            if (memcmp(base, eml, ll) != 0) return VERR_PERMITTED_VIOLATION;
        }
        bp = baseat + 1;
    }
    ep = emlat + 1;
    size_t bhl = bl - (size_t)(bp - base), ehl = el - (size_t)(ep - eml);
    if (bhl != ehl || ia5ncasecmp(bp, ep, ehl)) return VERR_PERMITTED_VIOLATION;
    return 0;
}

/* nc_uri(): the host of "scheme://host[:port][/...]" against a host or
 * ".domain". */
static int nc_uri(const uint8_t *uri, size_t ul, const uint8_t *base, size_t bl)
{
    const uint8_t *colon = memchr(uri, ':', ul);
    if (!colon || ul - (size_t)(colon - uri) < 3 || colon[1] != '/' || colon[2] != '/')
        return VERR_UNSUPPORTED_NAME_SYNTAX;
    const uint8_t *host = colon + 3;
    size_t rest = ul - (size_t)(host - uri);
    const uint8_t *end = memchr(host, ':', rest);
    if (!end) end = memchr(host, '/', rest);
    size_t hl = end ? (size_t)(end - host) : rest;
    if (hl == 0) return VERR_UNSUPPORTED_NAME_SYNTAX;
    if (bl > 0 && base[0] == '.') {
        if (hl > bl && ia5ncasecmp(host + hl - bl, base, bl) == 0) return 0;
        return VERR_PERMITTED_VIOLATION;
    }
    if (bl != hl || ia5ncasecmp(host, base, hl)) return VERR_PERMITTED_VIOLATION;
    return 0;
}

/* nc_ip(): address and mask, 4+4 or 16+16 bytes. */
static int nc_ip(const uint8_t *ip, size_t il, const uint8_t *base, size_t bl)
{
    if (il != 4 && il != 16) return VERR_UNSUPPORTED_NAME_SYNTAX;
    if (bl != 8 && bl != 32) return VERR_UNSUPPORTED_NAME_SYNTAX;
    if (il * 2 != bl) return VERR_PERMITTED_VIOLATION;
    for (size_t i = 0; i < il; i++)
        if ((ip[i] & base[il + i]) != (base[i] & base[il + i])) return VERR_PERMITTED_VIOLATION;
    return 0;
}

/* The canonical encoding (x509_name_canon) of a directoryName base: the
 * [4] contents are one Name. NULL when it does not decode. */
static uint8_t *dirname_canon(const struct cursor *gn_contents, uint32_t *len)
{
    struct cursor c = *gn_contents, name;
    char *text = NULL, *cn = NULL;
    uint8_t *canon = NULL;
    *len = 0;
    if (der_expect(&c, DER_SEQUENCE, &name) != 0) return NULL;
    int rc = x509_name_parse(&name, &text, &cn, NULL, &canon, len);
    free(text);
    free(cn);
    if (rc != 0) {
        free(canon);
        return NULL;
    }
    return canon ? canon : calloc(1, 1);
}

/* A name of the certificate: its GeneralName type and value (for
 * directoryName the canonical encoding). */
struct gname {
    uint8_t type;
    const uint8_t *p;
    size_t n;
};

static int nc_match_single(const struct gname *g, const struct subtree *st, char *why,
                           size_t whylen)
{
    const uint8_t *b = st->base.val.p;
    size_t bl = cur_left(&st->base.val);
    switch (st->base.tag & 0x1f) {
    case GN_DIRNAME: {
        /* nc_dn(): the base's canonical encoding is a prefix of the name's */
        uint32_t cl;
        uint8_t *canon = dirname_canon(&st->base.val, &cl);
        if (!canon) {
            snprintf(why, whylen, "a directoryName constraint tlsscope cannot decode");
            return NCONS_NOT_JUDGED;
        }
        int r = cl > g->n || (cl && memcmp(canon, g->p, cl) != 0) ? VERR_PERMITTED_VIOLATION : 0;
        free(canon);
        return r;
    }
    case GN_DNS: return nc_dns(g->p, g->n, b, bl);
    case GN_EMAIL: return nc_email(g->p, g->n, b, bl);
    case GN_URI: return nc_uri(g->p, g->n, b, bl);
    case GN_IPADD: return nc_ip(g->p, g->n, b, bl);
    default: return VERR_UNSUPPORTED_CONSTRAINT_TYPE;
    }
}

/* The type-id OID of an otherName's contents (OtherName ::= SEQUENCE {
 * type-id OID, value [0] EXPLICIT ANY }, IMPLICIT [0]). */
static struct cursor othername_type(const uint8_t *p, size_t n)
{
    struct cursor c = cur_init(p, n), oid;
    if (der_expect(&c, DER_OID, &oid) != 0) return cur_init(NULL, 0);
    return oid;
}

#define OID_ON_SMTPUTF8MAILBOX "\x2b\x06\x01\x05\x05\x07\x08\x09"

static bool othername_smtputf8(const struct gname *g)
{
    struct cursor t = othername_type(g->p, g->n);
    return DER_OID_EQ(&t, OID_ON_SMTPUTF8MAILBOX);
}

/* OpenSSL 3.0 nc_match() compares an otherName only with otherName
 * subtrees of the same type-id (1.1.1: with every otherName subtree). */
static bool othername_other_type(const struct gname *g, const struct subtree *st,
                                 enum verdict_profile profile)
{
    if (g->type != GN_OTHERNAME || profile != PROFILE_RFC) return false;
    struct cursor a = othername_type(g->p, g->n);
    struct cursor b = othername_type(st->base.val.p, cur_left(&st->base.val));
    return cur_left(&a) != cur_left(&b) || memcmp(a.p, b.p, cur_left(&a)) != 0;
}

struct nc_ctx {
    enum verdict_profile profile;
    uint32_t pairs;          /* comparisons made for this certificate and constraint */
    char *why;
    size_t whylen;
};

/* nc_match(): permitted subtrees of the name's type — if there are any, one
 * must match; then no excluded subtree of its type may match. A subtree with
 * minimum/maximum of the name's type is 49. */
static int nc_match(const struct gname *g, struct cursor nc, struct nc_ctx *cx)
{
    struct cursor trees[2];
    struct subtree st;
    int match = 0, r;

    if (split_nc(nc, &trees[0], &trees[1]) != 0) return VERR_UNSPECIFIED; /* checked at parse */
    while ((r = next_subtree(&trees[0], &st)) == 1) {
        if ((st.base.tag & 0x1f) != g->type || othername_other_type(g, &st, cx->profile)) continue;
        if (subtree_minmax(&st, cx->profile)) return VERR_SUBTREE_MINMAX;
        if (match == 2) continue;
        if (++cx->pairs > NCONS_MAX_PAIRS) goto capped;
        if (match == 0) match = 1;
        int m = nc_match_single(g, &st, cx->why, cx->whylen);
        if (m == 0) match = 2;
        else if (m != VERR_PERMITTED_VIOLATION) return m;
    }
    if (match == 1) return VERR_PERMITTED_VIOLATION;
    while ((r = next_subtree(&trees[1], &st)) == 1) {
        if ((st.base.tag & 0x1f) != g->type || othername_other_type(g, &st, cx->profile)) continue;
        if (subtree_minmax(&st, cx->profile)) return VERR_SUBTREE_MINMAX;
        if (++cx->pairs > NCONS_MAX_PAIRS) goto capped;
        int m = nc_match_single(g, &st, cx->why, cx->whylen);
        if (m == 0) return VERR_EXCLUDED_VIOLATION;
        if (m != VERR_PERMITTED_VIOLATION) return m;
    }
    return 0;
capped:
    snprintf(cx->why, cx->whylen,
             "name constraints too large to check (more than %u name/subtree comparisons, "
             "a tlsscope cap)", NCONS_MAX_PAIRS);
    return NCONS_NOT_JUDGED;
}

/* Each AVA of a Name's contents with its attribute OID and value TLV;
 * fn returns non-zero to stop (and that is returned). */
typedef int (*ava_fn)(const struct cursor *oid, const struct der_tlv *value, void *arg);
static int each_ava(struct cursor name, ava_fn fn, void *arg)
{
    while (!cur_empty(&name)) {
        struct cursor rdn;
        if (der_expect(&name, DER_SET, &rdn) != 0) return 0;
        while (!cur_empty(&rdn)) {
            struct cursor ava, oid;
            struct der_tlv v;
            if (der_expect(&rdn, DER_SEQUENCE, &ava) != 0 || der_expect(&ava, DER_OID, &oid) != 0 ||
                der_next(&ava, &v) != 0)
                return 0;
            int r = fn(&oid, &v, arg);
            if (r) return r;
        }
    }
    return 0;
}

static int count_ava(const struct cursor *oid, const struct der_tlv *v, void *arg)
{
    (void)oid;
    (void)v;
    (*(uint32_t *)arg)++;
    return 0;
}

struct subject_walk {
    struct nc_ctx *cx;
    struct cursor nc;
};

/* NAME_CONSTRAINTS_check(): emailAddress attributes of the subject are
 * rfc822Names too — and must be IA5Strings. */
static int subject_email(const struct cursor *oid, const struct der_tlv *v, void *arg)
{
    struct subject_walk *w = arg;
    if (!DER_OID_EQ(oid, OID_EMAIL_ADDRESS)) return 0;
    if (v->tag != DER_IA5STRING) return VERR_UNSUPPORTED_NAME_SYNTAX;
    struct gname g = {GN_EMAIL, v->val.p, cur_left(&v->val)};
    return nc_match(&g, w->nc, w->cx);
}

/* cn2dnsid(): a commonName is checked as a DNS name only when it looks like
 * one — letters, digits, '_', inner '-' and '.', at least one '.', no '.'
 * next to '.' or '-'. Trailing NULs are dropped; an embedded NUL is 53.
 * Returns 0 with *out (malloc'd, NULL when not DNS-like), or a code. */
static int cn2dnsid(const struct der_tlv *v, char **out, size_t *outlen, char *why, size_t whylen)
{
    size_t n = cur_left(&v->val);
    *out = NULL;
    *outlen = 0;
    char *u = malloc(n * 3 + 4);
    if (!u) goto cannot;
    long ul = der_string_utf8(v->tag, v->val.p, n, u, n * 3 + 4);
    if (ul < 0 || (size_t)ul >= n * 3 + 4) goto cannot;
    size_t len = (size_t)ul;
    while (len > 0 && u[len - 1] == '\0') len--;
    if (memchr(u, 0, len)) {
        free(u);
        return VERR_UNSUPPORTED_NAME_SYNTAX;
    }
    bool dns = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)u[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')
            continue;
        if (i > 0 && i < len - 1) {
            if (c == '-') continue;
            if (c == '.' && u[i + 1] != '.' && u[i - 1] != '-' && u[i + 1] != '-') {
                dns = true;
                continue;
            }
        }
        dns = false;
        break;
    }
    if (!dns) {
        free(u);
        return 0;
    }
    *out = u;
    *outlen = len;
    return 0;
cannot:
    /* ASN1_STRING_to_UTF8() failing: OpenSSL gives up with "out of memory"
     * and no code tlsscope could predict. */
    free(u);
    snprintf(why, whylen, "a commonName OpenSSL cannot convert to UTF-8 under name constraints");
    return NCONS_NOT_JUDGED;
}

static int subject_cn(const struct cursor *oid, const struct der_tlv *v, void *arg)
{
    struct subject_walk *w = arg;
    char *id;
    size_t idlen;
    if (!DER_OID_EQ(oid, OID_CN)) return 0;
    int r = cn2dnsid(v, &id, &idlen, w->cx->why, w->cx->whylen);
    if (r || !id) return r;
    struct gname g = {GN_DNS, (const uint8_t *)id, idlen};
    r = nc_match(&g, w->nc, w->cx);
    free(id);
    return r;
}

/* NAME_CONSTRAINTS_check() for one certificate and one constraint, plus
 * NAME_CONSTRAINTS_check_CN() for a leaf without DNS SANs. */
static int check_cert(const struct cert *x, bool leaf, struct cursor nc, struct nc_ctx *cx)
{
    const struct cert_impl *xi = cert_impl_of(x);
    struct subject_walk w = {cx, nc};
    uint32_t n_names = 0, n_subtrees = 0;
    int r;

    cx->pairs = 0;
    /* OpenSSL's guard against quadratic work (NAME_CHECK_MAX = 2^20) */
    each_ava(xi->subject_name, count_ava, &n_names);
    for (struct cursor it = xi->san_names; !cur_empty(&it); n_names++) {
        struct der_tlv t;
        if (der_next(&it, &t) != 0) break;
    }
    if (!ncons_wellformed(nc, &n_subtrees)) return VERR_UNSPECIFIED;
    if (n_names > 0 && n_subtrees > (1u << 20) / n_names) return VERR_UNSPECIFIED;

    if (!cur_empty(&xi->subject_name)) {
        struct gname g = {GN_DIRNAME, x->subject_canon, x->subject_canon_len};
        if ((r = nc_match(&g, nc, cx)) != 0) return r;
        if ((r = each_ava(xi->subject_name, subject_email, &w)) != 0) return r;
    }
    for (struct cursor it = xi->san_names; !cur_empty(&it);) {
        struct der_tlv t;
        if (der_next(&it, &t) != 0) break;
        struct gname g = {(uint8_t)(t.tag & 0x1f), t.val.p, cur_left(&t.val)};
        if (g.type == GN_OTHERNAME && cx->profile == PROFILE_RFC && othername_smtputf8(&g)) {
            snprintf(cx->why, cx->whylen, "an SmtpUTF8Mailbox otherName under name constraints "
                                          "(OpenSSL 3.0's RFC 9598 rules are not modelled)");
            return NCONS_NOT_JUDGED;
        }
        uint8_t *canon = NULL;
        if (g.type == GN_DIRNAME) {
            uint32_t cl;
            canon = dirname_canon(&t.val, &cl);
            if (!canon) {
                snprintf(cx->why, cx->whylen, "a directoryName SAN tlsscope cannot decode");
                return NCONS_NOT_JUDGED;
            }
            g.p = canon;
            g.n = cl;
        }
        r = nc_match(&g, nc, cx);
        free(canon);
        if (r != 0) return r;
    }
    /* check_name_constraints(): "If EE certificate check commonName too",
     * when it has no DNS SAN (has_san_id(x, GEN_DNS)). */
    if (leaf && x->n_san_dns_total == 0) return each_ava(xi->subject_name, subject_cn, &w);
    return 0;
}

int ncons_check_path(const struct cert *const *path, int n, enum verdict_profile profile,
                     int *depth, int *ca_depth, char *why, size_t whylen)
{
    struct nc_ctx cx = {profile, 0, why, whylen};
    if (whylen) why[0] = '\0';
    *depth = *ca_depth = -1;
    for (int i = n - 1; i >= 0; i--) {
        const struct cert *x = path[i];
        if (i > 0 && x->self_issued) continue; /* "Ignore self issued certs unless last in chain" */
        for (int j = n - 1; j > i; j--) {
            const struct cert_impl *ji = cert_impl_of(path[j]);
            if (!ji->has_nc) continue;
            int r = check_cert(x, i == 0, ji->nc, &cx);
            if (r != 0) {
                *depth = i;
                *ca_depth = j;
                return r;
            }
        }
    }
    return 0;
}
