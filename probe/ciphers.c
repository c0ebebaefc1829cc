/* ciphers.c — OpenSSL 1.1.1's cipher-string rules (ssl/ssl_ciph.c) over the
 * suites of ciphers.inc.
 *
 * Why start from 1.1.1's sorted order instead of its raw table: every step
 * of ssl_create_cipher_list()'s default ordering (ECDHE first, AES-GCM,
 * strength sort, TLS 1.2 and AEAD and PFS bumps) is a stable partition on
 * the suites' attributes, so two suites end in table order only when all
 * their attributes tie, and then they also tie in the sorted order. Starting
 * from the sorted list and applying the string's rules therefore gives what
 * 1.1.1 gives, without copying its table order.
 */
#include "ciphers.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Attribute bits, the subset of ssl_local.h's SSL_k*, SSL_a*, SSL_* enc/mac
 * masks that the suites below use. */
enum { K_RSA = 1, K_DHE = 2, K_ECDHE = 4, K_PSK = 8, K_ECDHEPSK = 16, K_DHEPSK = 32, K_RSAPSK = 64 };
enum { A_RSA = 1, A_DSS = 2, A_NULL = 4, A_ECDSA = 8, A_PSK = 16 };
enum {
    E_AES128 = 1 << 0, E_AES256 = 1 << 1, E_AES128GCM = 1 << 2, E_AES256GCM = 1 << 3,
    E_AES128CCM = 1 << 4, E_AES256CCM = 1 << 5, E_AES128CCM8 = 1 << 6, E_AES256CCM8 = 1 << 7,
    E_CAMELLIA128 = 1 << 8, E_CAMELLIA256 = 1 << 9, E_CHACHA20 = 1 << 10, E_ARIA128GCM = 1 << 11,
    E_ARIA256GCM = 1 << 12, E_SEED = 1 << 13, E_NULL = 1 << 14,
    E_3DES = 1 << 15, E_RC4 = 1 << 16, E_DES = 1 << 17, E_IDEA = 1 << 18, E_RC2 = 1 << 19,
};
enum { M_MD5 = 1, M_SHA1 = 2, M_SHA256 = 4, M_SHA384 = 8, M_AEAD = 16 };
/* algo_strength: the "strong" part (SSL_STRONG_MASK) and the DEFAULT part */
enum { S_NONE = 1, S_LOW = 2, S_MEDIUM = 4, S_HIGH = 8, S_STRONG_MASK = 0x1f, S_NOT_DEFAULT = 0x20 };

struct suite {
    uint16_t id;
    const char *name;
    uint32_t kx, au, enc, mac;
    uint16_t min_tls;
    uint32_t strength;
    int bits;
    bool not_default;
};

static const struct suite SUITES[] = {
#include "ciphers.inc"
};
#define N_SUITES ((int)(sizeof(SUITES) / sizeof(SUITES[0])))

const uint16_t PROBE_TLS13_SUITES[PROBE_N_TLS13_SUITES] = {0x1302, 0x1303, 0x1301};

/* 1.1.1's cipher_aliases[] for the attributes above. An alias 1.1.1 knows
 * but no suite here has (kSRP, GOST, ...) behaves like an unknown word:
 * either way it selects nothing. A field 0 = "any". */
struct alias {
    const char *name;
    uint32_t kx, au, enc, mac;
    uint16_t min_tls;
    uint32_t strength;
};

#define E_AES_ALL (E_AES128 | E_AES256 | E_AES128GCM | E_AES256GCM | E_AES128CCM | E_AES256CCM | \
                   E_AES128CCM8 | E_AES256CCM8)
#define ALL_BITS 0xffffffffu

static const struct alias ALIASES[] = {
    {"ALL", 0, 0, ALL_BITS & ~(uint32_t)E_NULL, 0, 0, 0},
    {"COMPLEMENTOFALL", 0, 0, E_NULL, 0, 0, 0},
    {"COMPLEMENTOFDEFAULT", 0, 0, 0, 0, 0, S_NOT_DEFAULT},
    {"kRSA", K_RSA, 0, 0, 0, 0, 0},
    {"kEDH", K_DHE, 0, 0, 0, 0, 0},
    {"kDHE", K_DHE, 0, 0, 0, 0, 0},
    {"kEECDH", K_ECDHE, 0, 0, 0, 0, 0},
    {"kECDHE", K_ECDHE, 0, 0, 0, 0, 0},
    {"kPSK", K_PSK, 0, 0, 0, 0, 0},
    {"kRSAPSK", K_RSAPSK, 0, 0, 0, 0, 0},
    {"kECDHEPSK", K_ECDHEPSK, 0, 0, 0, 0, 0},
    {"kDHEPSK", K_DHEPSK, 0, 0, 0, 0, 0},
    {"aRSA", 0, A_RSA, 0, 0, 0, 0},
    {"aDSS", 0, A_DSS, 0, 0, 0, 0},
    {"DSS", 0, A_DSS, 0, 0, 0, 0},
    {"aNULL", 0, A_NULL, 0, 0, 0, 0},
    {"aECDSA", 0, A_ECDSA, 0, 0, 0, 0},
    {"ECDSA", 0, A_ECDSA, 0, 0, 0, 0},
    {"aPSK", 0, A_PSK, 0, 0, 0, 0},
    {"DHE", K_DHE, ALL_BITS & ~(uint32_t)A_NULL, 0, 0, 0, 0},
    {"EDH", K_DHE, ALL_BITS & ~(uint32_t)A_NULL, 0, 0, 0, 0},
    {"DH", K_DHE | K_DHEPSK, 0, 0, 0, 0, 0},
    {"ADH", K_DHE, A_NULL, 0, 0, 0, 0},
    {"RSA", K_RSA, 0, 0, 0, 0, 0},
    {"ECDH", K_ECDHE | K_ECDHEPSK, 0, 0, 0, 0, 0},
    {"EECDH", K_ECDHE, ALL_BITS & ~(uint32_t)A_NULL, 0, 0, 0, 0},
    {"ECDHE", K_ECDHE, ALL_BITS & ~(uint32_t)A_NULL, 0, 0, 0, 0},
    {"AECDH", K_ECDHE, A_NULL, 0, 0, 0, 0},
    {"PSK", K_PSK | K_RSAPSK | K_ECDHEPSK | K_DHEPSK, 0, 0, 0, 0, 0},
    {"3DES", 0, 0, E_3DES, 0, 0, 0},
    {"RC4", 0, 0, E_RC4, 0, 0, 0},
    {"RC2", 0, 0, E_RC2, 0, 0, 0},
    {"IDEA", 0, 0, E_IDEA, 0, 0, 0},
    {"DES", 0, 0, E_DES, 0, 0, 0},
    {"SEED", 0, 0, E_SEED, 0, 0, 0},
    {"eNULL", 0, 0, E_NULL, 0, 0, 0},
    {"NULL", 0, 0, E_NULL, 0, 0, 0},
    {"AES128", 0, 0, E_AES128 | E_AES128GCM | E_AES128CCM | E_AES128CCM8, 0, 0, 0},
    {"AES256", 0, 0, E_AES256 | E_AES256GCM | E_AES256CCM | E_AES256CCM8, 0, 0, 0},
    {"AES", 0, 0, E_AES_ALL, 0, 0, 0},
    {"AESGCM", 0, 0, E_AES128GCM | E_AES256GCM, 0, 0, 0},
    {"AESCCM", 0, 0, E_AES128CCM | E_AES256CCM | E_AES128CCM8 | E_AES256CCM8, 0, 0, 0},
    {"AESCCM8", 0, 0, E_AES128CCM8 | E_AES256CCM8, 0, 0, 0},
    {"CAMELLIA128", 0, 0, E_CAMELLIA128, 0, 0, 0},
    {"CAMELLIA256", 0, 0, E_CAMELLIA256, 0, 0, 0},
    {"CAMELLIA", 0, 0, E_CAMELLIA128 | E_CAMELLIA256, 0, 0, 0},
    {"CHACHA20", 0, 0, E_CHACHA20, 0, 0, 0},
    {"ARIA", 0, 0, E_ARIA128GCM | E_ARIA256GCM, 0, 0, 0},
    {"ARIAGCM", 0, 0, E_ARIA128GCM | E_ARIA256GCM, 0, 0, 0},
    {"ARIA128", 0, 0, E_ARIA128GCM, 0, 0, 0},
    {"ARIA256", 0, 0, E_ARIA256GCM, 0, 0, 0},
    {"MD5", 0, 0, 0, M_MD5, 0, 0},
    {"SHA1", 0, 0, 0, M_SHA1, 0, 0},
    {"SHA", 0, 0, 0, M_SHA1, 0, 0},
    {"SHA256", 0, 0, 0, M_SHA256, 0, 0},
    {"SHA384", 0, 0, 0, M_SHA384, 0, 0},
    {"SSLv3", 0, 0, 0, 0, 0x0300, 0},
    {"TLSv1", 0, 0, 0, 0, 0x0301, 0},
    {"TLSv1.0", 0, 0, 0, 0, 0x0301, 0},
    {"TLSv1.2", 0, 0, 0, 0, 0x0303, 0},
    {"LOW", 0, 0, 0, 0, 0, S_LOW},
    {"MEDIUM", 0, 0, 0, 0, 0, S_MEDIUM},
    {"HIGH", 0, 0, 0, 0, 0, S_HIGH},
};

enum rule_op { OP_ADD, OP_DEL, OP_KILL, OP_ORD, OP_BUMP };

/* The working list: 1.1.1's doubly linked co_list as an array of suite
 * indexes in list order, each active (selected) or not; killed ones leave. */
struct colist {
    int idx[N_SUITES];
    bool active[N_SUITES]; /* by suite index */
    int n;
};

struct pattern {
    uint32_t kx, au, enc, mac, strength;
    uint16_t min_tls;
    int suite;     /* an explicit suite name: only that one (-1: any) */
    int bits;      /* strength_bits match (-1: masks instead) */
};

static uint32_t suite_strength(const struct suite *s)
{
    uint32_t st = s->strength == S_NONE ? S_NONE : s->strength;
    return st | (s->not_default ? S_NOT_DEFAULT : 0);
}

/* ssl_cipher_apply_rule()'s match test. */
static bool matches(const struct pattern *pt, int i)
{
    const struct suite *s = &SUITES[i];
    if (pt->suite >= 0 && pt->suite != i) return false;
    if (pt->bits >= 0) return s->bits == pt->bits;
    uint32_t st = suite_strength(s);
    if (pt->kx && !(pt->kx & s->kx)) return false;
    if (pt->au && !(pt->au & s->au)) return false;
    if (pt->enc && !(pt->enc & s->enc)) return false;
    if (pt->mac && !(pt->mac & s->mac)) return false;
    if (pt->min_tls && pt->min_tls != s->min_tls) return false;
    if ((pt->strength & S_STRONG_MASK) && !(pt->strength & S_STRONG_MASK & st)) return false;
    if ((pt->strength & S_NOT_DEFAULT) && !(st & S_NOT_DEFAULT)) return false;
    return true;
}

/* ssl_cipher_apply_rule(): every operation keeps the relative order of
 * the suites it moves. ADD and ORD append to the tail; DEL and BUMP walk
 * backwards and prepend, so the moved suites also keep their order; KILL
 * removes. ADD selects only unselected suites, the others only selected. */
static void apply(struct colist *l, const struct pattern *pt, enum rule_op op)
{
    int moved[N_SUITES], rest[N_SUITES];
    int nm = 0, nr = 0;
    for (int k = 0; k < l->n; k++) {
        int i = l->idx[k];
        bool m = matches(pt, i);
        if (m && op == OP_ADD) m = !l->active[i];
        else if (m && (op == OP_DEL || op == OP_ORD || op == OP_BUMP)) m = l->active[i];
        if (!m) {
            rest[nr++] = i;
            continue;
        }
        if (op == OP_KILL) {
            l->active[i] = false;
            continue;
        }
        l->active[i] = op == OP_ADD || op == OP_ORD || op == OP_BUMP;
        moved[nm++] = i;
    }
    int n = 0;
    if (op == OP_DEL || op == OP_BUMP)
        for (int k = 0; k < nm; k++) l->idx[n++] = moved[k];
    for (int k = 0; k < nr; k++) l->idx[n++] = rest[k];
    if (op == OP_ADD || op == OP_ORD)
        for (int k = 0; k < nm; k++) l->idx[n++] = moved[k];
    l->n = n;
}

/* @STRENGTH: ssl_cipher_strength_sort(), ORD of the selected suites of
 * each strength from the highest down (a stable sort, strongest first). */
static void strength_sort(struct colist *l)
{
    for (int bits = 256; bits >= 0; bits--) {
        bool any = false;
        for (int k = 0; k < l->n; k++) any |= l->active[l->idx[k]] && SUITES[l->idx[k]].bits == bits;
        if (!any) continue;
        struct pattern pt = {.suite = -1, .bits = bits};
        apply(l, &pt, OP_ORD);
    }
}

static const struct alias *find_alias(const char *w, size_t n)
{
    for (size_t i = 0; i < sizeof(ALIASES) / sizeof(ALIASES[0]); i++)
        if (strlen(ALIASES[i].name) == n && memcmp(ALIASES[i].name, w, n) == 0) return &ALIASES[i];
    return NULL;
}

static int find_suite(const char *w, size_t n)
{
    for (int i = 0; i < N_SUITES; i++)
        if (strlen(SUITES[i].name) == n && memcmp(SUITES[i].name, w, n) == 0) return i;
    return -1;
}

/* Combine one more word into the pattern as 1.1.1 does for "A+B": each
 * attribute the word names is intersected with what is there; an empty
 * intersection matches nothing (found = 0). */
static bool combine(uint32_t *have, uint32_t add)
{
    if (!add) return true;
    *have = *have ? (*have & add) : add;
    return *have != 0;
}

static bool is_sep(char c) { return c == ':' || c == ' ' || c == ';' || c == ','; }

static bool is_word(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '=';
}

/* ssl_cipher_process_rulestr(). Returns false on a character 1.1.1 refuses. */
static bool process(struct colist *l, const char *s, bool *seclevel0)
{
    while (*s) {
        enum rule_op op = OP_ADD;
        bool special = false;
        char ch = *s;
        if (ch == '-') { op = OP_DEL; s++; }
        else if (ch == '+') { op = OP_ORD; s++; }
        else if (ch == '!') { op = OP_KILL; s++; }
        else if (ch == '@') { special = true; s++; }
        if (is_sep(ch)) {
            s++;
            continue;
        }
        struct pattern pt = {.suite = -1, .bits = -1};
        bool found = true;
        for (;;) {
            const char *w = s;
            while (is_word(*s)) s++;
            size_t n = (size_t)(s - w);
            if (n == 0) return false; /* "no command or separator nor alphanumeric" */
            if (special) {
                if (n == 8 && memcmp(w, "STRENGTH", 8) == 0) strength_sort(l);
                else if (n == 10 && memcmp(w, "SECLEVEL=0", 10) == 0) *seclevel0 = true;
                else if (n > 9 && memcmp(w, "SECLEVEL=", 9) == 0) *seclevel0 = false;
                found = false;
                break;
            }
            const struct alias *a = find_alias(w, n);
            int si = a ? -1 : find_suite(w, n);
            if (!a && si < 0) {
                found = false;
            } else if (found) {
                uint32_t kx = a ? a->kx : SUITES[si].kx, au = a ? a->au : SUITES[si].au;
                uint32_t enc = a ? a->enc : SUITES[si].enc, mac = a ? a->mac : SUITES[si].mac;
                uint32_t st = a ? a->strength : 0;
                found = combine(&pt.kx, kx) && combine(&pt.au, au) && combine(&pt.enc, enc) &&
                        combine(&pt.mac, mac);
                if (found && (st & S_STRONG_MASK)) found = combine(&pt.strength, st & S_STRONG_MASK);
                if (st & S_NOT_DEFAULT) pt.strength |= S_NOT_DEFAULT;
                /* an explicit suite's version is not part of the pattern */
                if (si >= 0) pt.suite = si;
                else if (found && a->min_tls) {
                    if (pt.min_tls && pt.min_tls != a->min_tls) found = false;
                    else pt.min_tls = a->min_tls;
                }
            }
            if (*s != '+') break;
            s++;
        }
        if (found) apply(l, &pt, op);
        else
            while (*s && !is_sep(*s)) s++;
    }
    return true;
}

int probe_cipher_list(const char *str, uint16_t *out, int max, char *err, size_t errlen)
{
    struct colist l = {.n = N_SUITES};
    for (int i = 0; i < N_SUITES; i++) l.idx[i] = i;
    bool seclevel0 = false;
    const char *p = str;
    /* ssl_create_cipher_list(): a leading "DEFAULT" is 1.1.1's
     * SSL_DEFAULT_CIPHER_LIST */
    if (strncmp(p, "DEFAULT", 7) == 0) {
        process(&l, "ALL:!COMPLEMENTOFDEFAULT:!eNULL", &seclevel0);
        p += 7;
        if (*p == ':') p++;
    }
    if (!process(&l, p, &seclevel0)) {
        snprintf(err, errlen, "not an OpenSSL cipher string: %s", str);
        return -1;
    }
    int n = 0;
    for (int k = 0; k < l.n && n < max; k++) {
        const struct suite *s = &SUITES[l.idx[k]];
        if (!l.active[l.idx[k]]) continue;
        if (!seclevel0 && (s->au & A_NULL || s->enc & E_NULL)) continue;
        out[n++] = s->id;
    }
    if (n == 0) {
        snprintf(err, errlen, "no cipher match: %s", str);
        return -1;
    }
    return n;
}

const char *probe_cipher_name(uint16_t id)
{
    for (int i = 0; i < N_SUITES; i++)
        if (SUITES[i].id == id) return SUITES[i].name;
    return NULL;
}
