/* test_names_match.c — the two name profiles of VERIFY-SPEC, table-driven.
 *
 * expressway = ATS 8 validate_hostname() (lib/ts/X509HostnameValidator.cc),
 * rfc        = OpenSSL X509_check_host() / X509_check_ip() with flags 0.
 *
 * Decisions taken from those sources (see trust/match.c):
 *  - "*.a.b" matches "x.a.b" under rfc, but NOT under expressway: ATS only
 *    tries wildcards for names longer than 5 characters
 *    (`subject_len > 5`); "xy.a.b" matches under both.
 *  - "x*.a.b" matches "xy.a.b" and also "x.a.b" (rfc) — the star may be
 *    empty when the label has a fixed prefix; shown with "x*.ab.cd" vs
 *    "x.ab.cd" for expressway (long enough for ATS to try).
 *  - "*.lab" is no wildcard for either (needs two dots after the star's
 *    label) and only equals the literal string "*.lab".
 *  - ATS does not check the pattern's characters: "*.a_b.cd" is a wildcard
 *    for expressway, a literal for rfc (valid_star rejects '_').
 */
#include <arpa/inet.h>
#include <stdbool.h>

#include "certgen.h"
#include "check.h"
#include "trust/cert.h"
#include "trust/verdict.h"

struct row {
    const char *dns[4];
    const char *ip[3];
    const char *cn[3];
    const char *name;
    bool xw, rfc;
    const char *why;
};

static const struct row rows[] = {
    /* plain names, case */
    {{"cucm.vngtp.lab"}, {0}, {"cucm.vngtp.lab"}, "cucm.vngtp.lab", true, true, "exact"},
    {{"cucm.vngtp.lab"}, {0}, {0}, "CUCM.VNGTP.LAB", true, true, "ASCII case-insensitive"},
    {{"cucm.vngtp.lab"}, {0}, {0}, "cucm.vngtp.lab.", false, false, "trailing dot differs"},
    {{"cucm.vngtp.lab"}, {0}, {0}, "cucm", false, false, "no suffix matching"},
    /* wildcards */
    {{"*.lab"}, {0}, {0}, "x.lab", false, false, "*.lab: fewer than two dots, no wildcard"},
    {{"*.lab"}, {0}, {0}, "*.lab", true, true, "*.lab equals only itself"},
    {{"*.a.b"}, {0}, {0}, "x.a.b", false, true, "ATS: names of 5 chars never use wildcards"},
    {{"*.a.b"}, {0}, {0}, "xy.a.b", true, true, "*.a.b covers one label"},
    {{"*.a.b"}, {0}, {0}, "y.x.a.b", false, false, "star covers one label only"},
    {{"*.a.b"}, {0}, {0}, "a.b", false, false, "star is not empty as a whole label"},
    {{"*.a.b"}, {0}, {0}, ".a.b", false, true,
     "leading dot: OpenSSL's implicit sub-domain pattern; ATS compares literally"},
    {{"www.vngtp.lab"}, {0}, {0}, ".vngtp.lab", false, true, "sub-domain pattern (rfc)"},
    {{"*.vngtp.lab"}, {0}, {0}, "WWW.VNGTP.LAB", true, true, "wildcard, case-insensitive"},
    {{"*.vngtp.lab"}, {0}, {0}, "vngtp.lab", false, false, "wildcard needs a label"},
    {{"*.vngtp.lab"}, {0}, {0}, "a_b.vngtp.lab", false, false, "star covers [A-Za-z0-9-] only"},
    {{"*.vngtp.lab"}, {0}, {0}, "*.vngtp.lab", true, true, "literal star subject label"},
    {{"x*.a.b"}, {0}, {0}, "xy.a.b", true, true, "x*.a.b: prefix + star"},
    {{"x*.a.b"}, {0}, {0}, "x.a.b", false, true, "empty star after a prefix (rfc); ATS: 5 chars"},
    {{"x*.ab.cd"}, {0}, {0}, "x.ab.cd", true, true, "empty star after a prefix (both)"},
    {{"x*.ab.cd"}, {0}, {0}, "yx.ab.cd", false, false, "prefix must match"},
    {{"*x.ab.cd"}, {0}, {0}, "x.ab.cd", true, true, "star before a suffix may be empty"},
    {{"*x.ab.cd"}, {0}, {0}, "yyx.ab.cd", true, true, "star before a suffix"},
    {{"f*o.ab.cd"}, {0}, {0}, "foo.ab.cd", false, false, "mid-label star is no wildcard"},
    {{"*.*.ab.cd"}, {0}, {0}, "w.x.ab.cd", false, false, "two stars"},
    {{"*.a_b.cd"}, {0}, {0}, "www.a_b.cd", true, false, "ATS does not validate the pattern"},
    {{"*.ab.cd"}, {0}, {0}, "xn--bcher-kva.ab.cd", true, true, "IDNA subject, full-label star"},
    {{"x*.ab.cd"}, {0}, {0}, "xn--bcher-kva.ab.cd", false, false, "IDNA subject, partial star"},
    {{"ww*.ab.cd"}, {0}, {0}, "www.ab.cd", true, true, "prefix wildcard"},
    /* CN handling */
    {{"other.vngtp.lab"}, {0}, {"cucm.vngtp.lab"}, "cucm.vngtp.lab", true, false,
     "expressway uses the first CN even with DNS SANs"},
    {{0}, {0}, {"first.vngtp.lab", "second.vngtp.lab"}, "second.vngtp.lab", false, true,
     "expressway: first CN only; rfc: every CN"},
    {{0}, {0}, {"first.vngtp.lab", "second.vngtp.lab"}, "first.vngtp.lab", true, true,
     "first CN"},
    {{0}, {0}, {"*.vngtp.lab"}, "www.vngtp.lab", true, true, "wildcard in the CN"},
    {{0}, {"10.48.36.215"}, {"host.vngtp.lab"}, "host.vngtp.lab", true, true,
     "rfc falls back to the CN when there is no DNS SAN (an IP SAN does not count)"},
    {{""}, {0}, {"host.vngtp.lab"}, "host.vngtp.lab", true, false,
     "an empty dNSName still makes the CN irrelevant for rfc"},
    /* IP addresses */
    {{"cucm.vngtp.lab"}, {"10.48.36.215"}, {"cucm.vngtp.lab"}, "10.48.36.215", false, true,
     "expressway never consults iPAddress SANs"},
    {{0}, {0}, {"10.48.36.215"}, "10.48.36.215", true, false, "IP via CN: expressway only"},
    {{"10.48.36.215"}, {0}, {"cucm.vngtp.lab"}, "10.48.36.215", true, false,
     "IP text as a DNS SAN: expressway only"},
    {{0}, {"10.48.36.215"}, {0}, "10.48.36.216", false, false, "other IPv4"},
    {{0}, {"fe80::1"}, {0}, "fe80::1", false, true, "IPv6, binary compare"},
    {{0}, {"fe80::1"}, {0}, "FE80:0:0:0:0:0:0:1", false, true, "IPv6, other spelling"},
    {{0}, {"fe80::1"}, {0}, "fe80::2", false, false, "other IPv6"},
    {{0}, {"10.48.36.215"}, {0}, "::ffff:10.48.36.215", false, false, "v4-mapped is not v4"},
    {{"*.48.36.215"}, {0}, {0}, "10.48.36.215", true, false,
     "ATS wildcards apply to an IP text too"},
};

static void test_table(void)
{
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        const struct row *w = &rows[r];
        struct slice gn[8];
        size_t ngn = 0, ncn = 0;
        cg_reset();
        for (size_t i = 0; i < 4 && w->dns[i]; i++) gn[ngn++] = cg_gn_dns(w->dns[i], strlen(w->dns[i]));
        for (size_t i = 0; i < 3 && w->ip[i]; i++) {
            uint8_t a[16];
            if (strchr(w->ip[i], ':')) {
                CHECK(inet_pton(AF_INET6, w->ip[i], a) == 1);
                gn[ngn++] = cg_gn_ip(a, 16);
            } else {
                CHECK(inet_pton(AF_INET, w->ip[i], a) == 1);
                gn[ngn++] = cg_gn_ip(a, 4);
            }
        }
        while (ncn < 3 && w->cn[ncn]) ncn++;
        struct slice ext[1];
        struct slice exts = CG_EMPTY;
        if (ngn) {
            ext[0] = cg_san(gn, ngn);
            exts = cg_exts(ext, 1);
        }
        struct slice der = cg_cert(cg_name_cns(w->cn, ncn), cg_name_cn("Test CA"), exts);
        struct cert *c = cert_parse(der.p, der.n);
        CHECK(c != NULL);
        if (!c) continue;
        CHECK(c->parsed);
        bool xw = name_match_expressway(c, w->name);
        bool rfc = name_match_rfc(c, w->name);
        if (xw != w->xw || rfc != w->rfc)
            fprintf(stderr, "row %zu (%s, name %s): expressway %d want %d, rfc %d want %d\n", r,
                    w->why, w->name, xw, w->xw, rfc, w->rfc);
        CHECK_EQ_INT(xw, w->xw);
        CHECK_EQ_INT(rfc, w->rfc);
        cert_free(c);
    }
}

/* A dNSName with a NUL byte can never match the name before the NUL. */
static void test_nul_in_san(void)
{
    static const char evil[] = "cucm.vngtp.lab\0.evil.example";
    cg_reset();
    struct slice gn[1] = {cg_gn_dns(evil, sizeof evil - 1)};
    struct slice ext[1] = {cg_san(gn, 1)};
    struct slice der = cg_cert(cg_name_cn("x"), cg_name_cn("Test CA"), cg_exts(ext, 1));
    struct cert *c = cert_parse(der.p, der.n);
    CHECK(c && c->parsed);
    CHECK_EQ_INT(c->n_san_dns, 1);
    CHECK_EQ_STR(c->san_dns[0], "cucm.vngtp.lab\\x00.evil.example");
    CHECK(!name_match_expressway(c, "cucm.vngtp.lab"));
    CHECK(!name_match_rfc(c, "cucm.vngtp.lab"));
    cert_free(c);

    /* the same for a CN */
    static const uint8_t cn[] = {0x30, 0x1b, 0x31, 0x19, 0x30, 0x17, 0x06, 0x03, 0x55, 0x04, 0x03,
                                 0x0c, 0x10, 'a', '.', 'l', 'a', 'b', 0, 'x', '.', 'e', 'v',
                                 'i', 'l', '.', 'c', 'o', 'm'};
    cg_reset();
    der = cg_cert(cg_raw(cn, sizeof cn), cg_name_cn("Test CA"), CG_EMPTY);
    c = cert_parse(der.p, der.n);
    CHECK(c && c->parsed);
    CHECK_EQ_STR(c->subject_cn, "a.lab\\x00x.evil.com");
    CHECK(!name_match_expressway(c, "a.lab"));
    CHECK(!name_match_rfc(c, "a.lab"));
    cert_free(c);
}

int main(void)
{
    test_table();
    test_nul_in_san();
    return check_summary();
}
