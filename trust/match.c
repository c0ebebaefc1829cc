/* match.c — does the certificate cover the name the client asked for?
 *
 * Two profiles (VERIFY-SPEC "Name matching"):
 *
 * expressway — Apache Traffic Server 8's validate_hostname()
 *   (lib/ts/X509HostnameValidator.cc), called by the verify callback with
 *   is_ip = false even when the origin is an IP address:
 *   - every dNSName SAN, then the FIRST commonName only (even when DNS SANs
 *     exist); iPAddress SANs are never looked at;
 *   - ASCII case-insensitive comparison (strncasecmp);
 *   - wildcards (find_wildcard_in_hostname): only when the name is longer
 *     than 5 characters and does not start with '.'; the pattern needs a
 *     final dot that is not its last character at position >= 3, one '*' in
 *     the first label, either as its first character or just before its dot,
 *     and the first label's dot must come before the final dot (so at least
 *     two dots after the star: "*.lab" and "*.a" are plain strings). A
 *     subject starting with "xn--" only matches a full-label "*.".
 *   - the star (wildcard_match) covers characters of [A-Za-z0-9-] only (one
 *     label); it must cover at least one when it is the whole first label
 *     ("*.a.b" does not match "a.b" nor ".a.b"), but may cover none when the
 *     label has a fixed prefix or suffix: "x*.a.b" matches "x.a.b" as well
 *     as "xy.a.b", and "*x.a.b" matches "x.a.b". A literal "*" subject label
 *     matches the star.
 *
 * rfc — OpenSSL's X509_check_host() / X509_check_ip() with flags 0
 *   (crypto/x509v3/v3_utl.c), what curl and `s_client -verify_hostname` use:
 *   - an IP literal is compared in binary with iPAddress SANs only;
 *   - a DNS name is compared with dNSName SANs; only when the certificate
 *     has no dNSName SAN at all, with every commonName;
 *   - valid_star(): the pattern must be a syntactically valid host name
 *     (labels of [A-Za-z0-9-], not starting/ending with '-', no empty label,
 *     no trailing dot), one '*' in the first label at its start or end, not
 *     in an IDNA ("xn--") label, and at least two dots; wildcard_match() as
 *     above, plus: an "xn--" subject only matches a full-label "*".
 */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "verdict.h"

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

/* ---- ATS 8 ---------------------------------------------------------- */

static bool ats_equal_nocase(const char *pattern, size_t plen, const char *subject, size_t slen)
{
    if (plen != slen) return false;
    /* strncasecmp in the C locale: ASCII folding, stops at a NUL. */
    for (size_t i = 0; i < plen; i++) {
        int a = (unsigned char)pattern[i], b = (unsigned char)subject[i];
        if (lower(a) != lower(b)) return false;
        if (a == 0) return true;
    }
    return true;
}

static const char *ats_find_wildcard(const char *p, size_t len, bool idna_subject)
{
    size_t i, final_dot_pos = 0;
    long wildcard_pos = -1;

    if (len < 5) return NULL; /* minimum "*.a.b" */
    for (i = len - 2; i > 1; i--) {
        if (p[i] == '.') {
            final_dot_pos = i;
            break;
        }
    }
    if (final_dot_pos < 3) return NULL;
    for (i = 0; i < final_dot_pos; i++) {
        if (p[i] == '*') {
            if (wildcard_pos != -1) break; /* a second star */
            if (i == 0 || (i < final_dot_pos - 1 && p[i + 1] == '.')) {
                if (idna_subject && (i != 0 || p[i + 1] != '.')) break;
                wildcard_pos = (long)i;
            } else {
                break; /* mid-label star */
            }
        }
        if (p[i] == '.') {
            if (wildcard_pos != -1) return p + wildcard_pos;
            break;
        }
    }
    return NULL;
}

static bool ats_wildcard_match(const char *prefix, size_t prefix_len, const char *suffix,
                               size_t suffix_len, const char *subject, size_t subject_len)
{
    if (subject_len < prefix_len + suffix_len) return false;
    if (!ats_equal_nocase(prefix, prefix_len, subject, prefix_len)) return false;
    const char *ws = subject + prefix_len;
    const char *we = subject + (subject_len - suffix_len);
    if (!ats_equal_nocase(we, suffix_len, suffix, suffix_len)) return false;
    if (prefix_len == 0 && suffix_len > 0 && *suffix == '.' && ws == we) return false;
    if (we == ws + 1 && *ws == '*') return true;
    for (const char *p = ws; p != we; ++p) {
        char ch = *p;
        if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
              ch == '-'))
            return false;
    }
    return true;
}

static bool ats_equal_wildcard(const char *pattern, size_t plen, const char *subject, size_t slen)
{
    const char *wildcard = NULL;
    bool is_idna = slen > 4 && strncasecmp(subject, "xn--", 4) == 0;
    if (slen > 5 && subject[0] != '.') wildcard = ats_find_wildcard(pattern, plen, is_idna);
    if (!wildcard) return ats_equal_nocase(pattern, plen, subject, slen);
    return ats_wildcard_match(pattern, (size_t)(wildcard - pattern), wildcard + 1,
                              (size_t)((pattern + plen) - wildcard - 1), subject, slen);
}

bool name_match_expressway(const struct cert *c, const char *name)
{
    const struct cert_impl *im = cert_impl_of(c);
    size_t nlen = strlen(name); /* ATS takes the SNI as a C string */

    for (uint16_t i = 0; i < c->n_san_dns; i++) {
        const char *san = c->san_dns[i];
        if (!san[0] || (im->san_dns_flags && (im->san_dns_flags[i] & CERT_SAN_NUL))) continue;
        if (ats_equal_wildcard(san, strlen(san), name, nlen)) return true;
    }
    /* "No SAN match -- check the subject": the first CN, and only it. */
    if (!im->walked || !c->subject_cn[0] || im->n_cn == 0) return false;
    if (im->cn_flags[0] & CERT_SAN_NUL) return false;
    return ats_equal_wildcard(c->subject_cn, strlen(c->subject_cn), name, nlen);
}

/* ---- OpenSSL X509_check_host / X509_check_ip ------------------------- */

#define LABEL_START (1 << 0)
#define LABEL_IDNA (1 << 1)
#define LABEL_HYPHEN (1 << 2)

/* `dot_sub`: OpenSSL's _X509_CHECK_FLAG_DOT_SUBDOMAINS, set when the name
 * asked for starts with '.' ("any subdomain of"): skip_prefix() then
 * compares only the pattern's tail of the name's length. */
static bool ossl_equal_nocase(const char *pattern, size_t plen, const char *subject, size_t slen,
                              bool dot_sub)
{
    if (dot_sub) {
        const char *p = pattern;
        size_t pl = plen;
        while (pl > slen && *p) {
            p++;
            pl--;
        }
        if (pl == slen) {
            pattern = p;
            plen = pl;
        }
    }
    if (plen != slen) return false;
    for (size_t i = 0; i < plen; i++) {
        int l = (unsigned char)pattern[i], r = (unsigned char)subject[i];
        if (l == 0) return false; /* "The pattern must not contain NUL characters" */
        if (lower(l) != lower(r)) return false;
    }
    return true;
}

static const char *ossl_valid_star(const char *p, size_t len)
{
    const char *star = NULL;
    int state = LABEL_START, dots = 0;
    for (size_t i = 0; i < len; ++i) {
        char ch = p[i];
        if (ch == '*') {
            bool atstart = (state & LABEL_START) != 0;
            bool atend = i == len - 1 || p[i + 1] == '.';
            if (star || (state & LABEL_IDNA) || dots) return NULL;
            if (!atstart && !atend) return NULL; /* no "foo*bar" */
            star = &p[i];
            state &= ~LABEL_START;
        } else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) {
            if ((state & LABEL_START) && len - i >= 4 && strncasecmp(&p[i], "xn--", 4) == 0)
                state |= LABEL_IDNA;
            state &= ~(LABEL_HYPHEN | LABEL_START);
        } else if (ch == '.') {
            if (state & (LABEL_HYPHEN | LABEL_START)) return NULL;
            state = LABEL_START;
            ++dots;
        } else if (ch == '-') {
            if (state & LABEL_START) return NULL;
            state |= LABEL_HYPHEN;
        } else {
            return NULL;
        }
    }
    if ((state & (LABEL_START | LABEL_HYPHEN)) || dots < 2) return NULL;
    return star;
}

static bool ossl_wildcard_match(const char *prefix, size_t prefix_len, const char *suffix,
                                size_t suffix_len, const char *subject, size_t subject_len)
{
    bool allow_idna = false;
    if (subject_len < prefix_len + suffix_len) return false;
    if (!ossl_equal_nocase(prefix, prefix_len, subject, prefix_len, false)) return false;
    const char *ws = subject + prefix_len;
    const char *we = subject + (subject_len - suffix_len);
    if (!ossl_equal_nocase(we, suffix_len, suffix, suffix_len, false)) return false;
    if (prefix_len == 0 && suffix_len > 0 && *suffix == '.') {
        if (ws == we) return false;
        allow_idna = true;
    }
    if (!allow_idna && subject_len >= 4 && strncasecmp(subject, "xn--", 4) == 0) return false;
    if (we == ws + 1 && *ws == '*') return true;
    for (const char *p = ws; p != we; ++p) {
        char ch = *p;
        if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
              ch == '-'))
            return false;
    }
    return true;
}

static bool ossl_equal_wildcard(const char *pattern, size_t plen, const char *subject, size_t slen)
{
    const char *star = NULL;
    bool dot_sub = slen > 1 && subject[0] == '.';
    if (!dot_sub) star = ossl_valid_star(pattern, plen);
    if (!star) return ossl_equal_nocase(pattern, plen, subject, slen, dot_sub);
    return ossl_wildcard_match(pattern, (size_t)(star - pattern), star + 1,
                               (size_t)((pattern + plen) - star - 1), subject, slen);
}

/* An IP literal as curl and s_client decide it (inet_pton); "[v6]" too. */
static int parse_ip(const char *name, uint8_t out[16])
{
    char buf[64];
    size_t n = strlen(name);
    if (n >= 2 && name[0] == '[' && name[n - 1] == ']' && n - 2 < sizeof buf) {
        memcpy(buf, name + 1, n - 2);
        buf[n - 2] = '\0';
        name = buf;
    }
    if (inet_pton(AF_INET, name, out) == 1) return 4;
    if (inet_pton(AF_INET6, name, out) == 1) return 16;
    return 0;
}

bool name_match_rfc(const struct cert *c, const char *name)
{
    const struct cert_impl *im = cert_impl_of(c);
    uint8_t ip[16];
    int iplen = parse_ip(name, ip);

    if (iplen) { /* X509_check_ip: iPAddress SANs, binary, no CN fallback */
        for (uint16_t i = 0; i < c->n_san_ip; i++)
            if (c->san_ip[i].len == iplen && memcmp(c->san_ip[i].addr, ip, (size_t)iplen) == 0)
                return true;
        return false;
    }
    size_t nlen = strlen(name);
    for (uint16_t i = 0; i < c->n_san_dns; i++) {
        const char *san = c->san_dns[i];
        if (!san[0] || (im->san_dns_flags && (im->san_dns_flags[i] & CERT_SAN_NUL))) continue;
        if (ossl_equal_wildcard(san, strlen(san), name, nlen)) return true;
    }
    /* CN-ID only when there is no DNS-ID at all (RFC 6125 6.4.4). An empty
     * dNSName still counts as present for OpenSSL (san_present is set
     * before the string is looked at). */
    if (c->n_san_dns_total > 0) return false;
    for (uint16_t i = 0; i < im->n_cn; i++) {
        if (im->cn_flags[i] & CERT_SAN_NUL) continue;
        if (ossl_equal_wildcard(im->cn[i], strlen(im->cn[i]), name, nlen)) return true;
    }
    return false;
}
