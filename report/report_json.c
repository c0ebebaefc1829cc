/* report_json.c — one JSON object per TLS connection (JSON Lines).
 *
 * Field names follow the Elastic Common Schema where ECS has them
 * (@timestamp, source.*, destination.*, network.*, tls.*, tls.server.x509.*),
 * so the output can be shipped to a log pipeline as is; everything else is
 * under "tlsscope". Nested objects, never dotted keys. The schema is
 * documented in README.md ("JSON output").
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/memokey.h"
#include "common/timefmt.h"
#include "digestmemo.h"
#include "dissect/names.h"
#include "ja4.h"
#include "json.h"
#include "report.h"

static void put_hex(char *out, const uint8_t *p, size_t n, bool upper)
{
    static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
    const char *h = upper ? up : lo;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = h[p[i] >> 4];
        out[2 * i + 1] = h[p[i] & 15];
    }
    out[2 * n] = '\0';
}

/* "0x%04x" without printf */
static const char *hex16(uint16_t v, char b[8])
{
    static const char h[] = "0123456789abcdef";
    b[0] = '0';
    b[1] = 'x';
    b[2] = h[v >> 12];
    b[3] = h[(v >> 8) & 15];
    b[4] = h[(v >> 4) & 15];
    b[5] = h[v & 15];
    b[6] = '\0';
    return b;
}

static void json_hex16(struct json *j, const char *key, uint16_t v)
{
    char b[8];
    json_strn(j, key, hex16(v, b), 6);
}

static void json_time_s(struct json *j, const char *key, int64_t secs)
{
    char b[TIMEFMT_LEN];
    json_str(j, key, time_iso8601_s(secs, b));
}

static void json_time_ns(struct json *j, const char *key, int64_t ns)
{
    char b[TIMEFMT_LEN];
    json_str(j, key, time_iso8601(ns, 6, b));
}

static const char *key_type_name(enum cert_key_type t)
{
    switch (t) {
    case CERT_KEY_RSA: return "RSA";
    case CERT_KEY_EC: return "EC";
    case CERT_KEY_DSA: return "DSA";
    case CERT_KEY_ED25519: return "Ed25519";
    case CERT_KEY_ED448: return "Ed448";
    case CERT_KEY_OTHER: return "other";
    default: return "unknown";
    }
}

/* ECS recommends Go's crypto/x509 names for signature algorithms. */
static const char *ecs_sig_alg(const char *openssl_name)
{
    static const struct { const char *ossl, *ecs; } map[] = {
        {"md2WithRSAEncryption", "MD2-RSA"},         {"md5WithRSAEncryption", "MD5-RSA"},
        {"sha1WithRSAEncryption", "SHA1-RSA"},       {"sha256WithRSAEncryption", "SHA256-RSA"},
        {"sha384WithRSAEncryption", "SHA384-RSA"},   {"sha512WithRSAEncryption", "SHA512-RSA"},
        {"rsassaPss", "RSASSA-PSS"},                 {"dsaWithSHA1", "DSA-SHA1"},
        {"dsa_with_SHA256", "DSA-SHA256"},           {"ecdsa-with-SHA1", "ECDSA-SHA1"},
        {"ecdsa-with-SHA256", "ECDSA-SHA256"},       {"ecdsa-with-SHA384", "ECDSA-SHA384"},
        {"ecdsa-with-SHA512", "ECDSA-SHA512"},       {"ED25519", "Ed25519"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i].ossl, openssl_name) == 0) return map[i].ecs;
    return openssl_name;
}

static void json_cn_array(struct json *j, const char *cn)
{
    json_arr(j, "common_name");
    if (cn && cn[0]) json_str(j, NULL, cn);
    json_arr_end(j);
}

/* ECS x509.* object for one certificate. */
static void json_ecs_x509(struct json *j, const struct cert *c)
{
    char b[160];
    json_obj(j, "x509");
    json_arr(j, "alternative_names");
    for (int i = 0; i < c->n_san_dns; i++) json_str(j, NULL, c->san_dns[i]);
    for (int i = 0; i < c->n_san_ip; i++) {
        report_ip(b, sizeof(b), c->san_ip[i].len == 16 ? 6 : 4, c->san_ip[i].addr);
        json_str(j, NULL, b);
    }
    json_arr_end(j);
    json_obj(j, "issuer");
    json_cn_array(j, c->issuer_cn);
    json_str(j, "distinguished_name", c->issuer);
    json_obj_end(j);
    json_time_s(j, "not_after", c->not_after);
    json_time_s(j, "not_before", c->not_before);
    json_str(j, "public_key_algorithm", key_type_name(c->key_type));
    if (c->curve[0]) json_str(j, "public_key_curve", c->curve);
    if (c->key_bits) json_int(j, "public_key_size", c->key_bits);
    size_t k = 0;
    for (const char *s = c->serial; *s && k + 1 < sizeof(b); s++)
        b[k++] = (char)((*s >= 'a' && *s <= 'f') ? *s - 32 : *s);
    b[k] = '\0';
    json_str(j, "serial_number", b);
    json_str(j, "signature_algorithm", ecs_sig_alg(c->sig_alg));
    json_obj(j, "subject");
    json_cn_array(j, c->subject_cn);
    json_str(j, "distinguished_name", c->subject);
    json_obj_end(j);
    snprintf(b, sizeof(b), "%d", c->version);
    json_str(j, "version_number", b);
    json_obj_end(j);
}

/* tlsscope.chain[] entry: everything tlsscope knows about one certificate. */
static void json_chain_entry_write(struct json *j, const struct cert *c, const struct report_style *st)
{
    char b[160];
    json_obj(j, NULL);
    json_str(j, "subject", c->subject);
    json_str(j, "issuer", c->issuer);
    json_str(j, "serial", c->serial);
    json_time_s(j, "not_before", c->not_before);
    json_time_s(j, "not_after", c->not_after);
    json_obj(j, "key");
    json_str(j, "type", key_type_name(c->key_type));
    if (c->key_bits) json_int(j, "bits", c->key_bits);
    if (c->curve[0]) json_str(j, "curve", c->curve);
    json_obj_end(j);
    json_str(j, "sig_alg", c->sig_alg);
    json_arr(j, "san_dns");
    for (int i = 0; i < c->n_san_dns; i++) json_str(j, NULL, c->san_dns[i]);
    json_arr_end(j);
    json_arr(j, "san_ip");
    for (int i = 0; i < c->n_san_ip; i++)
        json_str(j, NULL, report_ip(b, sizeof(b), c->san_ip[i].len == 16 ? 6 : 4, c->san_ip[i].addr));
    json_arr_end(j);
    if (c->has_basic_constraints) {
        json_obj(j, "basic_constraints");
        json_bool(j, "ca", c->is_ca);
        if (c->path_len >= 0) json_int(j, "path_len", c->path_len);
        json_obj_end(j);
    }
    json_hex(j, "sha256", c->sha256, 32, false);
    json_hex(j, "sha1", c->sha1, 20, false);
    json_bool(j, "self_issued", c->self_issued);
    report_json_cert_fields(j, c);
    json_bool(j, "parsed", c->parsed);
    if (!c->parsed) json_str(j, "parse_error", c->parse_error);
    if (st->pem) {
        static char pem[CERT_MAX_DER * 2];
        size_t n = 0;
        if (cert_write_pem(c, pem, sizeof(pem), &n) == 0) json_strn(j, "pem", pem, n);
    }
    json_obj_end(j);
}

/* ---- fragments written once ----
 * Much of a JSON line repeats from connection to connection: a capture
 * shows the same few certificates and the same few hellos thousands of
 * times (the hs bench: 2 server certificates, 2 ClientHellos, 100 000
 * connections). A part of the line that is a pure function of a few inputs
 * is written once, keyed by those inputs (all of them, compared byte for
 * byte, with a kind saying which writer and which options), and copied
 * after: the bytes are exactly what writing it again would give. Slots
 * are two-way set-associative (a pair that hashes alike does not evict
 * each other on every connection) and bounded (FRAG_SLOTS x (FRAG_KEY_MAX
 * + FRAG_MAX)); a part with a longer key or text is written every time. */
#define FRAG_SLOTS 256
#define FRAG_KEY_MAX MEMOKEY_MAX /* TLS_MAX_CIPHERS x 2 bytes fits */
#define FRAG_MAX 16384

enum frag_kind {
    FRAG_NONE,
    FRAG_TLS_SERVER,  /* tls.server's members from the leaf: hash, subject, ..., x509 */
    FRAG_TLS_CLIENT,  /* tls.client's: hash, x509 */
    FRAG_CHAIN,       /* a tlsscope.chain[] entry */
    FRAG_CHAIN_PEM,   /* the same with --pem */
    FRAG_PATH_CERT,   /* sha256 and subject in verdict.path[] */
    FRAG_SUPPORTED_CIPHERS, /* tls.client.supported_ciphers */
    FRAG_CIPHER_SUITES,     /* client_hello.cipher_suites */
    FRAG_EXTS,              /* extensions (ClientHello and ServerHello) */
    FRAG_U16_NAMES,         /* + which list: supported_versions, ... */
    FRAG_CLIENT_HELLO,      /* tlsscope.client_hello */
    FRAG_JA3S,              /* tls.server.ja3s */
    FRAG_VERDICT,           /* tlsscope.verdict / client_verdict */
    FRAG_JA4,               /* tls.client.ja4 */
    FRAG_JA4_R,             /* tlsscope.ja4_r */
};

typedef void (*frag_fn)(struct json *j, const void *arg);

struct frag {
    uint32_t kind; /* FRAG_NONE: empty */
    uint32_t klen;
    uint64_t used;  /* when last used (frag_clock): the older of a set goes */
    uint8_t key[FRAG_KEY_MAX];
    size_t len, cap;
    char *p;
};

static struct frag frags[FRAG_SLOTS];
static uint64_t frag_clock;

static size_t frag_set(uint64_t h);

/* The set a key goes to, from its kind, length, first 64 and last 32
 * bytes: keys run to hundreds of bytes (a verdict's texts) and are compared
 * whole anyway, so a key that differs only in its middle costs at most a
 * shared set, never a wrong part. */
static size_t frag_slot(uint32_t kind, const uint8_t *k, size_t n)
{
    uint64_t h = kind * 0x9e3779b97f4a7c15ULL ^ n;
    if (n > 96) {
        h = memokey_mix(h, k + n - 32, 32);
        n = 64;
    }
    return frag_set(memokey_mix(h, k, n));
}

static size_t frag_set(uint64_t h)
{
    h ^= h >> 32;
    return (size_t)(h % (FRAG_SLOTS / 2)) * 2; /* the first of a set of two */
}

static bool frag_is(const struct frag *f, uint32_t kind, const void *key, size_t klen)
{
    return f->kind == kind && f->klen == klen && memcmp(f->key, key, klen) == 0;
}

/* Fragments nest (a ClientHello's object holds its memoised lists): one
 * scratch buffer per level; deeper ones are written in place. */
#define FRAG_DEPTH 3

/* The fragment fn(arg) writes, from the memo when `key` (klen bytes) was
 * seen with this kind. A member or members ("k":v,...) or an array value:
 * whatever fn writes at the start of an object or array. */
static void json_frag(struct json *j, uint32_t kind, const void *key, size_t klen, frag_fn fn, const void *arg)
{
    static struct sbuf scratch[FRAG_DEPTH]; /* one writer: tlsscope has no threads */
    static int depth;
    if (klen > FRAG_KEY_MAX || depth >= FRAG_DEPTH) {
        fn(j, arg);
        return;
    }
    struct frag *set = &frags[frag_slot(kind, key, klen)], *f = NULL;
    frag_clock++;
    if (frag_is(&set[0], kind, key, klen)) f = &set[0];
    else if (frag_is(&set[1], kind, key, klen)) f = &set[1];
    struct sbuf *sb = &scratch[depth];
    if (!sb->max) sbuf_init(sb, FRAG_MAX);
#ifndef NDEBUG
    /* The debug build (the sanitizer test run) writes every remembered part
     * again and requires the same bytes: a key that misses an input fails
     * any test whose capture repeats the part with that input changed. */
    if (f) { /* (a part written inside may take f's slot: compare with a copy) */
        char *was = malloc(f->len);
        size_t was_len = f->len;
        if (was) memcpy(was, f->p, was_len);
        sbuf_reset(sb);
        struct json chk = {.sb = sb, .first = {true}};
        depth++;
        fn(&chk, arg);
        depth--;
        assert(!was || sb->overflow || (sb->len == was_len && memcmp(sb->p, was, was_len) == 0));
        free(was);
        f = frag_is(&set[0], kind, key, klen) ? &set[0] : frag_is(&set[1], kind, key, klen) ? &set[1] : NULL;
        if (!f) {
            fn(j, arg);
            return;
        }
    }
#endif
    if (f) {
        f->used = frag_clock;
        json_raw(j, NULL, f->p, f->len);
        return;
    }
    f = set[0].used <= set[1].used ? &set[0] : &set[1];
    sbuf_reset(sb);
    struct json sub = {.sb = sb, .first = {true}};
    depth++;
    fn(&sub, arg);
    depth--;
    if (sb->overflow || sb->len == 0) { /* too large to keep (or nothing): write it in place */
        fn(j, arg);
        return;
    }
    if (sb->len > f->cap) {
        char *np = realloc(f->p, sb->len);
        if (!np) {
            json_raw(j, NULL, sb->p, sb->len);
            return;
        }
        f->p = np;
        f->cap = sb->len;
    }
    memcpy(f->p, sb->p, sb->len);
    f->len = sb->len;
    memcpy(f->key, key, klen);
    f->klen = (uint32_t)klen;
    f->kind = kind;
    f->used = frag_clock;
    json_raw(j, NULL, f->p, f->len);
}


/* A certificate's key: struct cert is immutable once made (trust/cert.h)
 * and found by its SHA-256, so SHA-256 and DER length stand for it. */
struct cert_key {
    uint8_t sha256[32];
    uint32_t der_len;
};

struct cert_arg {
    const struct cert *c;
    const struct report_style *st;
};

/* tls.server / tls.client members of a leaf certificate (ECS). */
static void json_tls_leaf_write(struct json *j, const struct cert *c, bool server)
{
    json_obj(j, "hash");
    if (server) json_hex(j, "sha1", c->sha1, 20, true);
    json_hex(j, "sha256", c->sha256, 32, true);
    json_obj_end(j);
    if (server) {
        json_str(j, "subject", c->subject);
        json_str(j, "issuer", c->issuer);
        json_time_s(j, "not_before", c->not_before);
        json_time_s(j, "not_after", c->not_after);
    }
    json_ecs_x509(j, c);
}

static void frag_tls_server(struct json *j, const void *a) { json_tls_leaf_write(j, ((const struct cert_arg *)a)->c, true); }
static void frag_tls_client(struct json *j, const void *a) { json_tls_leaf_write(j, ((const struct cert_arg *)a)->c, false); }

static void frag_chain(struct json *j, const void *a)
{
    const struct cert_arg *ca = a;
    json_chain_entry_write(j, ca->c, ca->st);
}

static void frag_path_cert(struct json *j, const void *a)
{
    const struct cert *c = ((const struct cert_arg *)a)->c;
    json_hex(j, "sha256", c->sha256, 32, false);
    json_str(j, "subject", c->subject);
}

static void json_cert_frag(struct json *j, enum frag_kind kind, const struct cert *c, const struct report_style *st)
{
    struct cert_key k;
    memset(&k, 0, sizeof(k)); /* no padding bytes left undefined in the key */
    memcpy(k.sha256, c->sha256, 32);
    k.der_len = c->der_len;
    const struct cert_arg a = {c, st};
    frag_fn fn = kind == FRAG_TLS_SERVER ? frag_tls_server
               : kind == FRAG_TLS_CLIENT ? frag_tls_client
               : kind == FRAG_PATH_CERT  ? frag_path_cert
                                         : frag_chain;
    json_frag(j, kind, &k, sizeof(k), fn, &a);
}

static void json_chain_entry(struct json *j, const struct cert *c, const struct report_style *st)
{
    if (!c) {
        json_obj(j, NULL);
        json_bool(j, "parsed", false);
        json_str(j, "parse_error", "certificate could not be stored");
        json_obj_end(j);
        return;
    }
    json_cert_frag(j, st->pem ? FRAG_CHAIN_PEM : FRAG_CHAIN, c, st);
}

typedef const char *(*u16_namer)(uint16_t);

struct u16_names_arg {
    const char *key;
    const uint16_t *v;
    int n;
    u16_namer namer;
};

static void frag_u16_names(struct json *j, const void *vp)
{
    const struct u16_names_arg *a = vp;
    char b[8];
    json_arr(j, a->key);
    for (int i = 0; i < a->n; i++) {
        const char *name = a->namer ? a->namer(a->v[i]) : NULL;
        if (tls_is_grease(a->v[i])) name = "GREASE";
        json_str(j, NULL, name ? name : hex16(a->v[i], b));
    }
    json_arr_end(j);
}

/* A list of 16-bit code points as names: memoised by the namer, the key
 * and the values. */
static void json_u16_names(struct json *j, const char *key, const struct tls_u16_list *l, u16_namer namer)
{
    uint8_t k[sizeof(namer) + 32 + sizeof(l->v)];
    size_t kl = strlen(key), n = 0;
    const struct u16_names_arg a = {key, l->v, l->n, namer};
    if (kl >= 32 || l->n > sizeof(l->v) / sizeof(l->v[0])) {
        frag_u16_names(j, &a);
        return;
    }
    memcpy(k, &namer, sizeof(namer));
    n += sizeof(namer);
    memcpy(k + n, key, kl + 1);
    n += kl + 1;
    memcpy(k + n, l->v, (size_t)l->n * sizeof(l->v[0]));
    n += (size_t)l->n * sizeof(l->v[0]);
    json_frag(j, FRAG_U16_NAMES, k, n, frag_u16_names, &a);
}

static const char *version_namer(uint16_t v) { return tls_version_name(v); }

struct exts_arg {
    const struct tls_ext *e;
    int n;
};

static void frag_exts(struct json *j, const void *vp)
{
    const struct tls_ext *e = ((const struct exts_arg *)vp)->e;
    const int n = ((const struct exts_arg *)vp)->n;
    json_arr(j, "extensions");
    for (int i = 0; i < n; i++) {
        const char *name = tls_extension_name(e[i].type);
        json_obj(j, NULL);
        json_int(j, "type", e[i].type);
        if (e[i].grease)
            json_str(j, "name", "GREASE");
        else if (name)
            json_str(j, "name", name);
        json_int(j, "length", e[i].len);
        if (e[i].grease) json_bool(j, "grease", true);
        json_obj_end(j);
    }
    json_arr_end(j);
}

/* extensions[], memoised by each extension's type, length and GREASE flag */
static void json_exts(struct json *j, const struct tls_ext *e, int n)
{
    uint8_t k[TLS_MAX_EXTENSIONS * 5];
    const struct exts_arg a = {e, n};
    if (n < 0 || n > TLS_MAX_EXTENSIONS) {
        frag_exts(j, &a);
        return;
    }
    for (int i = 0; i < n; i++) {
        memcpy(k + 5 * i, &e[i].type, 2);
        memcpy(k + 5 * i + 2, &e[i].len, 2);
        k[5 * i + 4] = e[i].grease;
    }
    json_frag(j, FRAG_EXTS, k, 5 * (size_t)n, frag_exts, &a);
}

/* client_hello.cipher_suites (hex) and tls.client.supported_ciphers (IANA
 * names), memoised by the cipher list */
static void frag_cipher_suites(struct json *j, const void *vp)
{
    const struct tls_client_hello *ch = vp;
    char b[8];
    json_arr(j, "cipher_suites");
    for (int i = 0; i < ch->n_ciphers; i++) json_strn(j, NULL, hex16(ch->ciphers[i], b), 6);
    json_arr_end(j);
}

static void frag_supported_ciphers(struct json *j, const void *vp)
{
    const struct tls_client_hello *ch = vp;
    char b[8];
    json_arr(j, "supported_ciphers");
    for (int i = 0; i < ch->n_ciphers; i++) json_str(j, NULL, tls_cipher_iana(ch->ciphers[i], b));
    json_arr_end(j);
}

static void json_ciphers(struct json *j, enum frag_kind kind, const struct tls_client_hello *ch)
{
    frag_fn fn = kind == FRAG_CIPHER_SUITES ? frag_cipher_suites : frag_supported_ciphers;
    if (ch->n_ciphers > TLS_MAX_CIPHERS) {
        fn(j, ch);
        return;
    }
    json_frag(j, kind, ch->ciphers, (size_t)ch->n_ciphers * sizeof(ch->ciphers[0]), fn, ch);
}

/* "%u" (with a '-' before it unless first) without printf */
static void ja3_num(struct sbuf *sb, unsigned v, bool first)
{
    char b[16];
    size_t i = sizeof(b);
    do {
        b[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (!first) b[--i] = '-';
    sbuf_append(sb, b + i, sizeof(b) - i);
}

/* JA3 / JA3S (Salesforce): decimal fields joined by '-', GREASE removed. */
static void ja3_list(struct sbuf *sb, const uint16_t *v, int n)
{
    bool first = true;
    for (int i = 0; i < n; i++) {
        if (tls_is_grease(v[i])) continue;
        ja3_num(sb, v[i], first);
        first = false;
    }
}

static void ja3_exts(struct sbuf *sb, const struct tls_ext *e, int n)
{
    uint16_t t[TLS_MAX_EXTENSIONS];
    for (int i = 0; i < n; i++) t[i] = e[i].type;
    ja3_list(sb, t, n);
}

static void md5_hex(const struct sbuf *s, char out[33])
{
    uint8_t d[16];
    memo_md5(sbuf_str(s), s->len, d); /* the same few strings over and over */
    put_hex(out, d, 16, false);
}

/* JA3 is hashed while the hello is parsed (dissect/hello.c), over its
 * whole lists; left out for a malformed hello. */
static void json_ja3(struct json *j, const struct tls_client_hello *ch)
{
    char hex[33];
    if (!ch->has_ja3) return;
    put_hex(hex, ch->ja3, 16, false);
    json_str(j, "ja3", hex);
}

/* JA3S over a message of ServerHello form: the ServerHello, or a
 * HelloRetryRequest the server sent alone (it is a ServerHello on the wire,
 * RFC 8446 §4.1.4, and other JA3S tools fingerprint it). */
static void frag_ja3s(struct json *j, const void *vp)
{
    const struct tls_server_hello *sh = vp;
    static struct sbuf s; /* reused: no allocation per connection */
    char hex[33];
    if (!s.max) sbuf_init(&s, 1024);
    sbuf_reset(&s);
    ja3_num(&s, sh->legacy_version, true);
    sbuf_putc(&s, ',');
    ja3_num(&s, sh->cipher, true);
    sbuf_putc(&s, ',');
    ja3_exts(&s, sh->exts, sh->n_exts);
    md5_hex(&s, hex);
    json_str(j, "ja3s", hex);
}

/* memoised by what goes into it: version, suite, extension types */
static void json_ja3s(struct json *j, const struct tls_server_hello *sh)
{
    /* a list tlsscope had to cut would give a wrong fingerprint */
    if (sh->n_exts != sh->n_exts_total || sh->malformed) return;
    uint16_t k[2 + TLS_MAX_EXTENSIONS];
    if (sh->n_exts > TLS_MAX_EXTENSIONS) {
        frag_ja3s(j, sh);
        return;
    }
    k[0] = sh->legacy_version;
    k[1] = sh->cipher;
    for (int i = 0; i < sh->n_exts; i++) k[2 + i] = sh->exts[i].type;
    json_frag(j, FRAG_JA3S, k, (2 + (size_t)sh->n_exts) * sizeof k[0], frag_ja3s, sh);
}

static const char *alert_level(uint8_t l) { return l == 2 ? "fatal" : l == 1 ? "warning" : "unknown"; }

static void json_alert_value(struct json *j, const char *key, int code)
{
    if (code == -1) {
        json_null(j, key);
    } else if (code == -2) {
        json_str(j, key, "encrypted");
    } else {
        const char *n = tls_alert_name((uint8_t)code);
        char b[16];
        if (!n) {
            snprintf(b, sizeof(b), "%d", code);
            n = b;
        }
        json_str(j, key, n);
    }
}

static const char *event_kind_name(enum tls_event_kind k)
{
    switch (k) {
    case TLS_EV_GAP: return "gap";
    case TLS_EV_OVERLAP_DIFF: return "overlap_differs";
    case TLS_EV_TCP_CAP: return "tcp_cap";
    case TLS_EV_MIDSTREAM: return "midstream";
    case TLS_EV_PORT_REUSE: return "port_reuse";
    case TLS_EV_DATA_BEFORE_BASE: return "data_before_base";
    case TLS_EV_MALFORMED: return "malformed";
    case TLS_EV_CAP: return "cap";
    case TLS_EV_RESYNC: return "resync";
    case TLS_EV_SSLV2_HELLO: return "sslv2_hello";
    case TLS_EV_STARTTLS: return "starttls";
    case TLS_EV_INCOMPLETE: return "incomplete";
    case TLS_EV_CLIENT_HELLO_AGAIN: return "client_hello_again";
    case TLS_EV_DECRYPT: return "decrypt";
    }
    return "unknown";
}

static const char *resumption_name(enum tls_resumption r)
{
    switch (r) {
    case TLS_RESUME_SESSION_ID: return "session_id";
    case TLS_RESUME_TICKET: return "ticket";
    case TLS_RESUME_PSK: return "psk";
    default: return "none";
    }
}

/* "verdict" (the server's chain) and "client_verdict" (mutual TLS) share
 * this shape. */
static void frag_verdict(struct json *j, const void *vp)
{
    const struct verdict *v = vp;
    json_str(j, "status", verdict_status_name(v->status));
    if (v->presumed) {
        json_bool(j, "presumed", true);
        json_uint(j, "presumed_from", v->presumed_from);
    }
    if (v->code >= 0) json_int(j, "code", v->code); else json_null(j, "code");
    if (v->depth >= 0) json_int(j, "depth", v->depth); else json_null(j, "depth");
    if (v->reason[0]) json_str(j, "reason", v->reason); else json_null(j, "reason");
    if (v->cert_index >= 0 && v->cert_index < v->n_path && v->path[v->cert_index].cert) {
        const struct cert *c = v->path[v->cert_index].cert;
        json_obj(j, "cert");
        json_int(j, "index", v->cert_index);
        json_str(j, "subject", c->subject);
        json_hex(j, "sha256", c->sha256, 32, false);
        json_obj_end(j);
    } else {
        json_null(j, "cert");
    }
    json_str(j, "profile", verdict_profile_name(v->profile));
    if (v->name_checked[0]) json_str(j, "name_checked", v->name_checked); else json_null(j, "name_checked");
    if (v->would_log[0]) json_str(j, "would_log", v->would_log); else json_null(j, "would_log");
    json_alert_value(j, "predicted_alert", v->predicted_alert);
    json_alert_value(j, "observed_alert", v->observed_alert);
    if (v->agrees == AGREE_UNKNOWN) json_null(j, "agrees"); else json_bool(j, "agrees", v->agrees == AGREE_YES);
    if (v->advice[0]) json_str(j, "advice", v->advice); else json_null(j, "advice");
    if (v->status == VERDICT_NOT_JUDGED) json_str(j, "not_judged_reason", v->not_judged);
    if (v->cap[0]) json_str(j, "not_judged_cap", v->cap); /* README "Hostile input and limits" */
    json_bool(j, "anchored", v->anchored);
    json_arr(j, "path");
    for (int i = 0; i < v->n_path; i++) {
        json_obj(j, NULL);
        json_str(j, "source", v->path[i].src == CHAIN_FROM_STORE ? "store" : "peer");
        if (v->path[i].cert) json_cert_frag(j, FRAG_PATH_CERT, v->path[i].cert, NULL);
        json_obj_end(j);
    }
    json_arr_end(j);
}

/* The verdict object's members, memoised by every field frag_verdict
 * reads: on a busy capture most connections carry one of a few verdicts. A
 * path certificate stands for itself by SHA-256 and DER length, as in
 * json_cert_frag. */
static void json_verdict(struct json *j, const char *key, const struct verdict *v)
{
    struct memokey k;
    memokey_reset(&k);
    k.over = v->n_path < 0 || v->n_path > VERDICT_MAX_PATH;
    json_obj(j, key);
    if (!k.over) {
        memokey_u64(&k, (uint64_t)v->status | (uint64_t)v->presumed << 8 | (uint64_t)v->profile << 16 |
                       (uint64_t)(uint32_t)v->agrees << 32);
        memokey_u64(&k, v->presumed ? v->presumed_from : 0);
        memokey_u64(&k, (uint64_t)(uint32_t)v->code << 32 | (uint32_t)v->depth);
        memokey_u64(&k, (uint64_t)(uint32_t)v->predicted_alert << 32 | (uint32_t)v->observed_alert);
        memokey_u64(&k, (uint64_t)(uint32_t)v->cert_index << 32 | (uint64_t)v->anchored << 8 |
                       (uint64_t)v->n_path);
        memokey_str(&k, v->reason);
        memokey_str(&k, v->name_checked);
        memokey_str(&k, v->would_log);
        memokey_str(&k, v->advice);
        memokey_str(&k, v->status == VERDICT_NOT_JUDGED ? v->not_judged : "");
        memokey_str(&k, v->cap);
        for (int i = 0; i < v->n_path; i++) {
            const struct cert *c = v->path[i].cert;
            uint8_t src = v->path[i].src == CHAIN_FROM_STORE;
            memokey_put(&k, &src, 1);
            if (c) {
                memokey_put(&k, c->sha256, 32);
                memokey_u64(&k, c->der_len);
            } else {
                memokey_put(&k, NULL, 0);
            }
        }
    }
    if (k.over) frag_verdict(j, v);
    else json_frag(j, FRAG_VERDICT, k.b, k.n, frag_verdict, v);
    json_obj_end(j);
}

/* Mutual TLS: what the server's CertificateRequest asked for and what the
 * client answered (trust/clientauth.h). */
static void json_client_auth(struct json *j, const struct conn_record *r)
{
    const struct client_auth *ca = r->client;
    const struct tls_cert_request *cr = &r->tls->creq;
    json_obj(j, "client_auth");
    if (!cr->tls13_layout) {
        json_arr(j, "certificate_types");
        for (int i = 0; i < cr->n_cert_types; i++) json_int(j, NULL, cr->cert_types[i]);
        json_arr_end(j);
    }
    if (cr->has_sig_algs) {
        json_arr(j, "signature_algorithms");
        for (int i = 0; i < cr->sig_algs.n; i++) {
            const char *n = tls_sigalg_name(cr->sig_algs.v[i]);
            if (n) json_str(j, NULL, n);
            else json_hex16(j, NULL, cr->sig_algs.v[i]);
        }
        json_arr_end(j);
        if (cr->sig_algs.total > cr->sig_algs.n)
            json_int(j, "signature_algorithms_total", cr->sig_algs.total);
    }
    json_arr(j, "certificate_authorities");
    for (int i = 0; i < ca->n_ca_names && i < TLS_MAX_CA_NAMES; i++) json_str(j, NULL, ca->ca_names[i]);
    json_arr_end(j);
    if (ca->n_ca_names_total > ca->n_ca_names)
        json_int(j, "certificate_authorities_total", ca->n_ca_names_total);
    json_str(j, "ca_list", client_ca_list_name(ca->ca_list));
    json_str(j, "client_sent", client_sent_name(ca->sent));
    json_obj_end(j);
}

/* DTLS-only facts (tls.h struct tls_dtls), per side like "bytes". */
static void json_dtls_pair(struct json *j, const char *key, const uint64_t v[2])
{
    json_obj(j, key);
    json_uint(j, "client", v[0]);
    json_uint(j, "server", v[1]);
    json_obj_end(j);
}

static void json_dtls(struct json *j, const struct tls_conn *c)
{
    const struct tls_dtls *d = &c->dtls;
    uint64_t epochs[2] = {d->max_epoch[0], d->max_epoch[1]};
    json_obj(j, "dtls");
    json_bool(j, "hello_verify_request", d->hello_verify);
    if (d->hello_verify) json_int(j, "cookie_length", d->cookie_len);
    json_int(j, "client_hellos", d->client_hellos);
    json_dtls_pair(j, "datagrams", d->datagrams);
    json_dtls_pair(j, "other_datagrams", d->other_datagrams);
    json_dtls_pair(j, "records", d->records);
    json_dtls_pair(j, "encrypted_records", d->encrypted_records);
    json_dtls_pair(j, "fragments", d->fragments);
    json_dtls_pair(j, "retransmitted", d->retransmitted);
    json_dtls_pair(j, "duplicate_records", d->duplicate_records);
    json_dtls_pair(j, "max_epoch", epochs);
    if (d->connection_id[0] || d->connection_id[1]) {
        json_obj(j, "connection_id");
        json_bool(j, "client", d->connection_id[0]);
        json_bool(j, "server", d->connection_id[1]);
        json_obj_end(j);
    }
    json_obj_end(j);
}

static void frag_client_hello(struct json *j, const void *vp)
{
    const struct tls_client_hello *ch = vp;
    json_obj(j, "client_hello");
    json_hex16(j, "legacy_version", ch->legacy_version);
    if (ch->sslv2_format) json_bool(j, "sslv2_format", true);
    if (ch->malformed) json_bool(j, "malformed", true);
    json_int(j, "session_id_length", ch->session_id_len);
    if (ch->cookie_len) json_int(j, "cookie_length", ch->cookie_len);
    json_ciphers(j, FRAG_CIPHER_SUITES, ch);
    if (ch->n_ciphers_total > ch->n_ciphers) json_int(j, "cipher_suites_total", ch->n_ciphers_total);
    json_arr(j, "compression_methods");
    for (int i = 0; i < ch->n_compression; i++) json_int(j, NULL, ch->compression[i]);
    json_arr_end(j);
    json_exts(j, ch->exts, ch->n_exts);
    if (ch->n_alpn) {
        json_arr(j, "alpn");
        for (int i = 0; i < ch->n_alpn; i++) json_strn(j, NULL, ch->alpn[i].data, ch->alpn[i].len);
        json_arr_end(j);
    }
    if (ch->supported_versions.n) json_u16_names(j, "supported_versions", &ch->supported_versions, version_namer);
    if (ch->groups.n) json_u16_names(j, "supported_groups", &ch->groups, tls_group_name);
    if (ch->n_ec_point_formats) {
        json_arr(j, "ec_point_formats");
        for (int i = 0; i < ch->n_ec_point_formats; i++) json_int(j, NULL, ch->ec_point_formats[i]);
        json_arr_end(j);
    }
    if (ch->sig_algs.n) json_u16_names(j, "signature_algorithms", &ch->sig_algs, tls_sigalg_name);
    if (ch->key_share_groups.n) json_u16_names(j, "key_share_groups", &ch->key_share_groups, tls_group_name);
    if (ch->n_psk_modes) {
        json_arr(j, "psk_key_exchange_modes");
        for (int i = 0; i < ch->n_psk_modes; i++)
            json_str(j, NULL, ch->psk_modes[i] == 1 ? "psk_dhe_ke" : ch->psk_modes[i] == 0 ? "psk_ke" : "unknown");
        json_arr_end(j);
    }
    if (ch->has_pre_shared_key) json_int(j, "pre_shared_key_identities", ch->psk_identities);
    if (ch->has_session_ticket) json_int(j, "session_ticket_length", ch->session_ticket_len);
    json_bool(j, "status_request", ch->status_request);
    json_bool(j, "extended_master_secret", ch->extended_master_secret);
    json_bool(j, "renegotiation_info", ch->renegotiation_info);
    if (ch->early_data) json_bool(j, "early_data", true);
    json_obj_end(j);
}

/* The key of a ClientHello's memoised parts: every field frag_client_hello
 * reads, in its order (the random and the session id's bytes are not among
 * them), then what JA4 reads beyond those (ja4.c ja4_client: the transport
 * too). k->over when a count is beyond its array (the parts are then
 * written in place). */
static void ch_key(const struct tls_client_hello *ch, char transport, struct memokey *k)
{
    memokey_reset(k);
    k->over = ch->n_ciphers > TLS_MAX_CIPHERS || ch->n_compression > sizeof ch->compression ||
              ch->n_exts > TLS_MAX_EXTENSIONS || ch->n_alpn > TLS_MAX_ALPN ||
              ch->n_ec_point_formats > sizeof ch->ec_point_formats ||
              ch->n_psk_modes > sizeof ch->psk_modes;
    const struct tls_u16_list *lists[] = {&ch->supported_versions, &ch->groups, &ch->sig_algs,
                                          &ch->key_share_groups};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        k->over = k->over || lists[i]->n > TLS_MAX_LIST;
    if (k->over) return;
    const uint64_t flags = (uint64_t)ch->sslv2_format | (uint64_t)ch->malformed << 1 |
                           (uint64_t)ch->has_pre_shared_key << 2 | (uint64_t)ch->has_session_ticket << 3 |
                           (uint64_t)ch->status_request << 4 | (uint64_t)ch->extended_master_secret << 5 |
                           (uint64_t)ch->renegotiation_info << 6 | (uint64_t)ch->early_data << 7 |
                           (uint64_t)ch->present << 8 | (uint64_t)ch->has_sni << 9;
    memokey_u64(k, flags);
    memokey_u64(k, (uint64_t)ch->legacy_version << 48 | (uint64_t)ch->session_id_len << 40 |
                  (uint64_t)ch->cookie_len << 32 | (uint64_t)ch->n_ciphers_total << 16 |
                  ch->psk_identities);
    memokey_u64(k, (uint64_t)ch->session_ticket_len << 16 | ch->n_exts_total);
    memokey_put(k, ch->ciphers, (size_t)ch->n_ciphers * sizeof ch->ciphers[0]);
    memokey_put(k, ch->compression, ch->n_compression);
    for (int i = 0; i < ch->n_exts; i++) {
        const uint8_t e[5] = {(uint8_t)(ch->exts[i].type >> 8), (uint8_t)ch->exts[i].type,
                              (uint8_t)(ch->exts[i].len >> 8), (uint8_t)ch->exts[i].len,
                              ch->exts[i].grease};
        memokey_put(k, e, sizeof e);
    }
    memokey_u64(k, ch->n_exts);
    for (int i = 0; i < ch->n_alpn; i++) {
        memokey_put(k, ch->alpn[i].data, ch->alpn[i].len);
        memokey_u64(k, ch->alpn[i].total);
    }
    memokey_u64(k, ch->n_alpn);
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        memokey_put(k, lists[i]->v, (size_t)lists[i]->n * sizeof lists[i]->v[0]);
        memokey_u64(k, lists[i]->total);
    }
    memokey_put(k, ch->ec_point_formats, ch->n_ec_point_formats);
    memokey_put(k, ch->psk_modes, ch->n_psk_modes);
    memokey_u64(k, (uint64_t)(unsigned char)transport);
}

static void json_client_hello(struct json *j, const struct tls_client_hello *ch, const struct memokey *k)
{
    if (k->over) frag_client_hello(j, ch);
    else json_frag(j, FRAG_CLIENT_HELLO, k->b, k->n, frag_client_hello, ch);
}

/* JA4 and JA4_r (JA4.md "Raw Output") come out of one computation (two
 * SHA-256s); each is memoised by the hello's key and the transport. */
static void frag_ja4_either(struct json *j, const struct tls_conn *c, bool raw)
{
    static struct sbuf ja4_r;
    char ja4[JA4_LEN + 1];
    if (!ja4_r.max) sbuf_init(&ja4_r, 4096);
    sbuf_reset(&ja4_r);
    if (!ja4_client(&c->ch, ja4_transport(c), ja4, &ja4_r)) return;
    if (raw) json_strn(j, "ja4_r", sbuf_str(&ja4_r), ja4_r.len);
    else json_str(j, "ja4", ja4);
}

static void frag_ja4(struct json *j, const void *vp) { frag_ja4_either(j, vp, false); }
static void frag_ja4_r(struct json *j, const void *vp) { frag_ja4_either(j, vp, true); }

static void json_ja4(struct json *j, const struct tls_conn *c, const struct memokey *chk, bool raw)
{
    if (chk->over) frag_ja4_either(j, c, raw);
    else json_frag(j, raw ? FRAG_JA4_R : FRAG_JA4, chk->b, chk->n, raw ? frag_ja4_r : frag_ja4, c);
}

static void json_server_hello(struct json *j, const struct tls_conn *c)
{
    const struct tls_server_hello *sh = &c->sh;
    json_obj(j, "server_hello");
    json_hex16(j, "legacy_version", sh->legacy_version);
    if (sh->selected_version) json_hex16(j, "selected_version", sh->selected_version);
    json_hex16(j, "cipher_suite", sh->cipher);
    if (sh->malformed) json_bool(j, "malformed", true);
    json_int(j, "session_id_length", sh->session_id_len);
    json_int(j, "compression_method", sh->compression);
    json_exts(j, sh->exts, sh->n_exts);
    if (sh->key_share_group) {
        const char *g = tls_group_name(sh->key_share_group);
        if (g) json_str(j, "key_share_group", g); else json_hex16(j, "key_share_group", sh->key_share_group);
    }
    if (c->hello_retry) json_bool(j, "hello_retry_request", true);
    if (sh->psk_accepted) json_bool(j, "psk_accepted", true);
    json_bool(j, "extended_master_secret", sh->extended_master_secret);
    json_obj_end(j);
}

/* The HelloRetryRequest (RFC 8446 §4.1.4; drafts before 22: a message of
 * its own), also when it is all the server sent. */
static void json_hello_retry(struct json *j, const struct tls_conn *c)
{
    json_obj(j, "hello_retry_request");
    if (c->hrr_version) json_hex16(j, "selected_version", c->hrr_version);
    if (c->hrr_cipher) json_hex16(j, "cipher_suite", c->hrr_cipher);
    if (c->hrr_group) {
        const char *g = tls_group_name(c->hrr_group);
        if (g) json_str(j, "selected_group", g); else json_hex16(j, "selected_group", c->hrr_group);
    }
    json_bool(j, "server_hello_followed", c->sh.present);
    json_obj_end(j);
}

void report_json_conn(struct sbuf *sb, const struct conn_record *r, const struct report_style *st)
{
    report_json_conn_ex(sb, r, st, NULL, NULL);
}

void report_json_conn_ex(struct sbuf *sb, const struct conn_record *r,
                         const struct report_style *st, report_json_extra_fn extra, void *ctx)
{
    const struct tls_conn *c = r->tls;
    struct json j;
    char ip[64], b[80];
    const char *proto = NULL, *ver = NULL;
    uint16_t version = tls_conn_chosen_version(c), suite;
    const bool want_ja4 = c->ch.present && !c->ch.sslv2_format;
    struct memokey chk;
    if (c->ch.present) ch_key(&c->ch, ja4_transport(c), &chk);

    json_begin(&j, sb);
    json_time_ns(&j, "@timestamp", c->first_ts_ns);
    json_obj(&j, "source");
    json_str(&j, "ip", report_ip(ip, sizeof(ip), c->family, c->client_ip));
    json_int(&j, "port", c->client_port);
    json_obj_end(&j);
    json_obj(&j, "destination");
    json_str(&j, "ip", report_ip(ip, sizeof(ip), c->family, c->server_ip));
    json_int(&j, "port", c->server_port);
    json_obj_end(&j);
    json_obj(&j, "network");
    json_str(&j, "transport", c->is_dtls || c->is_quic ? "udp" : "tcp");
    if (c->is_quic) json_str(&j, "protocol", "quic");
    if (c->openvpn) json_str(&j, "protocol", "openvpn"); /* the TLS of its control channel */
    json_str(&j, "type", c->family == 6 ? "ipv6" : "ipv4");
    json_obj_end(&j);

    json_obj(&j, "tls");
    if (version && tls_version_ecs(version, &proto, &ver)) {
        json_str(&j, "version", ver);
        json_str(&j, "version_protocol", proto);
    } else if (version) {
        snprintf(b, sizeof(b), "0x%04x", version);
        json_str(&j, "version", b);
    }
    if (tls_conn_chosen_cipher(c, &suite)) json_str(&j, "cipher", tls_cipher_iana(suite, b));
    json_bool(&j, "established", c->handshake_complete);
    json_bool(&j, "resumed", c->resumed != TLS_RESUME_NONE);
    if (c->sh.has_alpn) json_strn(&j, "next_protocol", c->sh.alpn.data, c->sh.alpn.len);
    json_obj(&j, "client");
    if (c->ch.has_sni) json_strn(&j, "server_name", c->ch.sni, c->ch.sni_len);
    if (c->ch.present) {
        json_ciphers(&j, FRAG_SUPPORTED_CIPHERS, &c->ch);
        if (!c->ch.sslv2_format) json_ja3(&j, &c->ch);
        if (want_ja4) json_ja4(&j, c, &chk, false);
    }
    if (r->n_client_chain > 0 && r->client_chain[0])
        json_cert_frag(&j, FRAG_TLS_CLIENT, r->client_chain[0], st);
    json_obj_end(&j);
    json_obj(&j, "server");
    if (c->sh.present) json_ja3s(&j, &c->sh);
    else if (tls_conn_hrr_only(c) && c->hrr.present) json_ja3s(&j, &c->hrr);
    if (r->n_chain > 0 && r->chain[0]) json_cert_frag(&j, FRAG_TLS_SERVER, r->chain[0], st);
    json_obj_end(&j);
    json_obj_end(&j); /* tls */

    json_obj(&j, "tlsscope");
    json_uint(&j, "connection", r->seq);
    if (r->probe_hello) json_str(&j, "probe_hello", r->probe_hello);
    if (c->sh.present) json_str(&j, "cipher_openssl", tls_cipher_openssl(c->sh.cipher, b));
    if (c->ch.present) json_client_hello(&j, &c->ch, &chk);
    /* JA4_r: the fingerprint before hashing (JA4.md "Raw Output") */
    if (want_ja4) json_ja4(&j, c, &chk, true);
    if (c->sh.present) json_server_hello(&j, c);
    if (c->hello_retry) json_hello_retry(&j, c);
    json_str(&j, "resumption", resumption_name(c->resumed));
    json_bool(&j, "handshake_complete", c->handshake_complete);
    /* TLS 1.3 handshake read with key-log secrets (the chains below came
     * out of decrypted records) */
    /* a probe decrypts with its own handshake keys, not a key log given to it */
    if (c->decrypted) json_str(&j, "decrypted", r->probe_hello ? "probe" : "keylog");
    if (c->is_quic) {
        json_obj(&j, "quic");
        json_str(&j, "version", c->quic_version == 0x6b3343cfu ? "2" : "1");
        if (c->quic_retry) json_bool(&j, "retry", true);
        if (c->quic_version_negotiation) json_bool(&j, "version_negotiation", true);
        json_obj_end(&j);
    }
    if (c->sni_ack) json_bool(&j, "server_name_acknowledged", true);
    if (c->cert_verify_alg[TLS_SERVER] || c->cert_verify_alg[TLS_CLIENT]) {
        json_obj(&j, "certificate_verify");
        for (int s = TLS_CLIENT; s <= TLS_SERVER; s++) {
            const uint16_t a = c->cert_verify_alg[s];
            const char *n = a ? tls_sigalg_name(a) : NULL;
            if (!a) continue;
            if (n) json_str(&j, s == TLS_SERVER ? "server" : "client", n);
            else json_hex16(&j, s == TLS_SERVER ? "server" : "client", a);
        }
        json_obj_end(&j);
    }
    if (c->cert_request) json_bool(&j, "certificate_request", true);
    if (c->ske_group) {
        const char *g = tls_group_name(c->ske_group);
        if (g) json_str(&j, "server_key_exchange_group", g); else json_hex16(&j, "server_key_exchange_group", c->ske_group);
    }
    if (c->roles_from_content) json_bool(&j, "roles_from_content", true);
    if (c->tls_start_offset[0] || c->tls_start_offset[1]) {
        json_obj(&j, "tls_start_offset");
        json_uint(&j, "client", c->tls_start_offset[0]);
        json_uint(&j, "server", c->tls_start_offset[1]);
        json_obj_end(&j);
    }
    json_arr(&j, "chain");
    for (int i = 0; i < r->n_chain; i++) json_chain_entry(&j, r->chain[i], st);
    json_arr_end(&j);
    if (c->server_certs.n_total > r->n_chain) json_int(&j, "chain_total", c->server_certs.n_total);
    report_json_staple(&j, r);
    if (r->n_client_chain) {
        json_arr(&j, "client_chain");
        for (int i = 0; i < r->n_client_chain; i++) json_chain_entry(&j, r->client_chain[i], st);
        json_arr_end(&j);
    }
    json_arr(&j, "alerts");
    for (int i = 0; i < c->n_alerts; i++) {
        const struct tls_alert *a = &c->alerts[i];
        json_obj(&j, NULL);
        json_str(&j, "from", a->from == TLS_CLIENT ? "client" : "server");
        if (a->encrypted) {
            json_bool(&j, "encrypted", true);
        } else {
            json_str(&j, "level", alert_level(a->level));
            const char *n = tls_alert_name(a->desc);
            if (n) json_str(&j, "description", n);
            json_int(&j, "code", a->desc);
        }
        json_time_ns(&j, "@timestamp", a->ts_ns);
        json_obj_end(&j);
    }
    json_arr_end(&j);
    json_arr(&j, "events");
    for (int i = 0; i < c->n_events; i++) {
        const struct tls_event *e = &c->events[i];
        json_obj(&j, NULL);
        json_str(&j, "kind", event_kind_name(e->kind));
        json_str(&j, "side", e->side == TLS_CLIENT ? "client" : "server");
        json_uint(&j, "offset", e->offset);
        if (e->length) json_uint(&j, "length", e->length);
        if (e->detail[0]) json_str(&j, "detail", e->detail);
        json_obj_end(&j);
    }
    json_arr_end(&j);
    if (c->n_events_total > c->n_events) json_int(&j, "events_total", c->n_events_total);
    json_obj(&j, "bytes");
    json_uint(&j, "client", c->tcp_bytes[0]);
    json_uint(&j, "server", c->tcp_bytes[1]);
    json_obj_end(&j);
    if (c->is_dtls) json_dtls(&j, c);
    json_verdict(&j, "verdict", &r->verdict);
    if (r->client) {
        json_client_auth(&j, r);
        json_verdict(&j, "client_verdict", &r->client->verdict);
    }
    if (extra) extra(&j, ctx, r);
    json_obj_end(&j); /* tlsscope */
    json_end(&j);
}
