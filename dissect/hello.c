/* hello.c — the hellos: ClientHello, ServerHello (and HelloRetryRequest),
 * SSLv2 CLIENT-HELLO and DTLS HelloVerifyRequest: pure parsers over one
 * handshake message body, written against the RFC structures with the
 * bounds-checked cursor (common/cursor.h). TLS and DTLS share them: the DTLS
 * bodies are the TLS ones, except the ClientHello's cookie (RFC 6347 §4.2.1)
 * and DTLS's own HelloVerifyRequest. The Certificate message is certificate.c.
 *
 * Error convention: running out of bytes at the top level of the message is
 * TLS_ETRUNC (the caller holds a prefix); a length that overruns its
 * enclosing block, a value outside its RFC range or bytes left over inside a
 * block is TLS_EMALFORMED. Problems confined to one extension's body are
 * reported through `note` and the rest of the hello is still used.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/md5.h>

#include "../common/cursor.h"
#include "../common/memokey.h"
#include "names.h"
#include "tls_internal.h"

/* Top-level reads: short = truncated message. */
#define TOP(expr)                                      \
    do {                                               \
        if ((expr) != 0) return TLS_ETRUNC;            \
    } while (0)
/* Inner reads: short = a length field lied. */
#define INNER(expr)                                    \
    do {                                               \
        if ((expr) != 0) return TLS_EMALFORMED;        \
    } while (0)

/* "<what> <extension name or 0xNNNN>" through the note callback. */
static void note_ext(tls_note_fn note, void *ctx, const char *what, uint16_t type)
{
    char buf[96];
    const char *name;
    if (!note) return;
    name = tls_extension_name(type);
    if (name) snprintf(buf, sizeof buf, "%s %s", what, name);
    else snprintf(buf, sizeof buf, "%s 0x%04x", what, (unsigned)type);
    note(ctx, buf);
}

/* Read a list of u16 values from a block whose length prefix is `lenbytes`
 * wide; the block must hold whole values and end exactly at the extension
 * body's end (`end_exact`). RFC 8446 §4.2.7 (NamedGroup list), §4.2.3, ... */
static int read_u16_list(struct cursor *ext, int lenbytes, struct tls_u16_list *out,
                         bool nonempty)
{
    struct cursor v;
    INNER(cur_vec(ext, lenbytes, &v));
    if (!cur_empty(ext) || (cur_left(&v) & 1) || (nonempty && cur_empty(&v)))
        return TLS_EMALFORMED;
    out->n = out->total = 0;
    while (!cur_empty(&v)) {
        uint16_t x;
        INNER(cur_u16(&v, &x));
        if (out->n < TLS_MAX_LIST) out->v[out->n++] = x;
        if (out->total < UINT16_MAX) out->total++;
    }
    return TLS_OK;
}

/* RFC 6066 §3: ServerNameList server_name_list<1..2^16-1>, entries
 * {NameType name_type; opaque HostName<1..2^16-1>}. The first host_name
 * (type 0) is kept as raw bytes: it may hold anything. */
static int parse_sni(struct cursor *ext, struct tls_client_hello *ch)
{
    struct cursor list;
    bool got = false;
    INNER(cur_vec(ext, 2, &list));
    if (!cur_empty(ext) || cur_empty(&list)) return TLS_EMALFORMED;
    while (!cur_empty(&list)) {
        uint8_t type;
        struct cursor name;
        INNER(cur_u8(&list, &type));
        INNER(cur_vec(&list, 2, &name));
        if (cur_empty(&name)) return TLS_EMALFORMED;
        if (type == 0 && !got) {
            size_t n = cur_left(&name);
            size_t keep = n < TLS_MAX_SNI ? n : TLS_MAX_SNI;
            memcpy(ch->sni, name.p, keep);
            ch->sni_len = (uint16_t)keep;
            ch->sni_total = (uint16_t)n;
            ch->has_sni = true;
            got = true;
        }
    }
    return TLS_OK;
}

/* RFC 7301 §3.1: ProtocolNameList protocol_name_list<2..2^16-1> of
 * ProtocolName<1..2^8-1>. */
static int parse_alpn_list(struct cursor *ext, struct tls_bytes *out, uint8_t max,
                           uint8_t *n_out, uint8_t *total_out)
{
    struct cursor list;
    uint8_t n = 0, total = 0;
    INNER(cur_vec(ext, 2, &list));
    if (!cur_empty(ext) || cur_left(&list) < 2) return TLS_EMALFORMED;
    while (!cur_empty(&list)) {
        struct cursor name;
        INNER(cur_vec(&list, 1, &name));
        if (cur_empty(&name)) return TLS_EMALFORMED;
        if (n < max) {
            size_t len = cur_left(&name); /* <= 255 by the 1-byte length */
            out[n].len = (uint16_t)len;
            out[n].total = (uint16_t)len;
            memcpy(out[n].data, name.p, len);
            n++;
        }
        if (total < UINT8_MAX) total++;
    }
    *n_out = n;
    *total_out = total;
    return TLS_OK;
}

/* RFC 8446 §4.2.11: OfferedPsks { PskIdentity identities<7..2^16-1>;
 * PskBinderEntry binders<33..2^16-1>; }, PskIdentity = {opaque
 * identity<1..2^16-1>; uint32 obfuscated_ticket_age}. */
static int parse_offered_psks(struct cursor *ext, uint16_t *count)
{
    struct cursor ids, binders;
    uint16_t n = 0;
    INNER(cur_vec(ext, 2, &ids));
    INNER(cur_vec(ext, 2, &binders));
    if (!cur_empty(ext) || cur_left(&ids) < 7 || cur_left(&binders) < 33) return TLS_EMALFORMED;
    while (!cur_empty(&ids)) {
        struct cursor id;
        uint32_t age;
        INNER(cur_vec(&ids, 2, &id));
        INNER(cur_u32(&ids, &age));
        if (cur_empty(&id)) return TLS_EMALFORMED;
        if (n < UINT16_MAX) n++;
    }
    *count = n;
    return TLS_OK;
}

/* RFC 8446 §4.2.8: KeyShareClientHello { KeyShareEntry client_shares<0..2^16-1> },
 * KeyShareEntry = {NamedGroup group; opaque key_exchange<1..2^16-1>}. */
static int parse_client_key_share(struct cursor *ext, struct tls_u16_list *out)
{
    struct cursor list;
    INNER(cur_vec(ext, 2, &list));
    if (!cur_empty(ext)) return TLS_EMALFORMED;
    out->n = out->total = 0;
    while (!cur_empty(&list)) {
        uint16_t group;
        struct cursor kx;
        INNER(cur_u16(&list, &group));
        INNER(cur_vec(&list, 2, &kx));
        if (cur_empty(&kx)) return TLS_EMALFORMED;
        if (out->n < TLS_MAX_LIST) out->v[out->n++] = group;
        if (out->total < UINT16_MAX) out->total++;
    }
    return TLS_OK;
}

/* RFC 9146 §3: struct { opaque cid<0..2^8-1>; } ConnectionId — the CID the
 * sender wants to find on the records it receives (DTLS). */
static int parse_connection_id(struct cursor *ext, bool *has, uint8_t *len)
{
    struct cursor cid;
    INNER(cur_vec(ext, 1, &cid));
    if (!cur_empty(ext)) return TLS_EMALFORMED;
    *has = true;
    *len = (uint8_t)cur_left(&cid);
    return TLS_OK;
}

/* One ClientHello extension body. Returns TLS_OK or TLS_EMALFORMED (for the
 * caller to report and move on). */
static int parse_ch_extension(struct tls_client_hello *ch, uint16_t type, struct cursor *ext)
{
    switch (type) {
    case 0: /* server_name, RFC 6066 §3 */
        return parse_sni(ext, ch);
    case 5: /* status_request, RFC 6066 §8: CertificateStatusRequest */
        if (cur_empty(ext)) return TLS_EMALFORMED;
        ch->status_request = true;
        return TLS_OK;
    case 10: /* supported_groups, RFC 8446 §4.2.7: named_group_list<2..2^16-1> */
        return read_u16_list(ext, 2, &ch->groups, true);
    case 11: { /* ec_point_formats, RFC 8422 §5.1.2: ec_point_format_list<1..2^8-1> */
        struct cursor v;
        INNER(cur_vec(ext, 1, &v));
        if (!cur_empty(ext) || cur_empty(&v)) return TLS_EMALFORMED;
        ch->n_ec_point_formats = 0;
        while (!cur_empty(&v)) {
            uint8_t f;
            INNER(cur_u8(&v, &f));
            if (ch->n_ec_point_formats < sizeof ch->ec_point_formats)
                ch->ec_point_formats[ch->n_ec_point_formats++] = f;
        }
        return TLS_OK;
    }
    case 13: /* signature_algorithms, RFC 8446 §4.2.3: <2..2^16-2> */
        return read_u16_list(ext, 2, &ch->sig_algs, true);
    case 16: /* ALPN, RFC 7301 §3.1 */
        return parse_alpn_list(ext, ch->alpn, TLS_MAX_ALPN, &ch->n_alpn, &ch->n_alpn_total);
    case 23: /* extended_master_secret, RFC 7627 §5.1: empty */
        if (!cur_empty(ext)) return TLS_EMALFORMED;
        ch->extended_master_secret = true;
        return TLS_OK;
    case 35: /* session_ticket, RFC 5077 §3.2: the ticket, or empty to ask for one */
        ch->has_session_ticket = true;
        ch->session_ticket_len = (uint16_t)cur_left(ext);
        return TLS_OK;
    case 40: /* key_share in TLS 1.3 drafts <= 22: same layout */
    case 51: /* key_share, RFC 8446 §4.2.8 */
        return parse_client_key_share(ext, &ch->key_share_groups);
    case 41: /* pre_shared_key, RFC 8446 §4.2.11 */
        ch->has_pre_shared_key = true;
        return parse_offered_psks(ext, &ch->psk_identities);
    case 42: /* early_data, RFC 8446 §4.2.10: empty in ClientHello */
        ch->early_data = true;
        return cur_empty(ext) ? TLS_OK : TLS_EMALFORMED;
    case 43: /* supported_versions, RFC 8446 §4.2.1: versions<2..254> */
        if (read_u16_list(ext, 1, &ch->supported_versions, true) != TLS_OK)
            return TLS_EMALFORMED;
        return TLS_OK;
    case 45: { /* psk_key_exchange_modes, RFC 8446 §4.2.9: ke_modes<1..255> */
        struct cursor v;
        INNER(cur_vec(ext, 1, &v));
        if (!cur_empty(ext) || cur_empty(&v)) return TLS_EMALFORMED;
        ch->n_psk_modes = 0;
        while (!cur_empty(&v)) {
            uint8_t m;
            INNER(cur_u8(&v, &m));
            if (ch->n_psk_modes < sizeof ch->psk_modes) ch->psk_modes[ch->n_psk_modes++] = m;
        }
        return TLS_OK;
    }
    case 54: /* connection_id, RFC 9146 §3 */
        return parse_connection_id(ext, &ch->has_connection_id, &ch->connection_id_len);
    case 0xff01: { /* renegotiation_info, RFC 5746 §3.2: renegotiated_connection<0..255> */
        struct cursor v;
        INNER(cur_vec(ext, 1, &v));
        if (!cur_empty(ext)) return TLS_EMALFORMED;
        ch->renegotiation_info = true;
        return TLS_OK;
    }
    default:
        return TLS_OK; /* kept in exts[] only */
    }
}

/* Extensions <0..2^16-1> of a hello: the framing (type, length, body within
 * the block, no duplicates) is checked here; bodies by `one`. Framing errors
 * stop the walk (what was read stays); body errors are noted per extension.
 * RFC 8446 §4.2: "There MUST NOT be more than one extension of the same
 * type" — a duplicate is reported and not decoded (the first one counts), but
 * it is listed in exts[] because that list is the wire order. */
/* Extension types met so far in the hello being walked, one bit per type.
 * All zero between calls: walk_extensions clears the bits it set by walking
 * the block again, instead of zeroing 8 KiB per hello (twice a connection,
 * a measurable part of the whole run). One dissector runs per process
 * thread-free (tls.c held_total says the same). */
static uint64_t ext_seen[65536 / 64];

static void ext_seen_clear(struct cursor blk)
{
    while (!cur_empty(&blk)) {
        uint16_t type;
        struct cursor ext;
        if (cur_u16(&blk, &type) != 0 || cur_vec(&blk, 2, &ext) != 0) return;
        ext_seen[type / 64] = 0;
    }
}

static int walk_extensions(struct cursor *blk, struct tls_ext *exts, uint16_t *n_exts,
                           uint16_t *n_total, void *hello,
                           int (*one)(void *hello, uint16_t type, struct cursor *ext),
                           tls_note_fn note, void *ctx, uint16_t *last_type)
{
#ifndef NDEBUG
    static bool walking; /* an extension's parser never walks a block itself */
    assert(!walking);
    walking = true;
#endif
    const struct cursor start = *blk;
    int rc = TLS_OK;
    *n_exts = *n_total = 0;
    while (!cur_empty(blk)) {
        uint16_t type;
        struct cursor ext;
        if (cur_u16(blk, &type) != 0 || cur_vec(blk, 2, &ext) != 0) {
            if (note) note(ctx, "extension overruns the extensions block");
            rc = TLS_EMALFORMED;
            break;
        }
        if (*n_exts < TLS_MAX_EXTENSIONS) {
            exts[*n_exts].type = type;
            exts[*n_exts].len = (uint16_t)cur_left(&ext);
            exts[*n_exts].grease = tls_is_grease(type);
            (*n_exts)++;
        }
        if (*n_total < UINT16_MAX) (*n_total)++;
        if (last_type) *last_type = type;
        if (ext_seen[type / 64] & (1ull << (type % 64))) {
            note_ext(note, ctx, "duplicate extension", type);
            rc = TLS_EMALFORMED;
            continue;
        }
        ext_seen[type / 64] |= 1ull << (type % 64);
        if (one(hello, type, &ext) != TLS_OK) note_ext(note, ctx, "malformed extension", type);
    }
    ext_seen_clear(start);
#ifndef NDEBUG
    walking = false;
#endif
    return rc; /* duplicates: decoded once, and the hello is malformed */
}

static int ch_ext_cb(void *hello, uint16_t type, struct cursor *ext)
{
    return parse_ch_extension((struct tls_client_hello *)hello, type, ext);
}

/* --- JA3 (Salesforce, github.com/salesforce/ja3) ---
 * MD5 of "version,ciphers,extensions,groups,point_formats": decimal values
 * joined by '-', GREASE (RFC 8701) left out. Hashed from the hello's bytes
 * (the whole cipher and extension lists, however long), not from the lists
 * kept in struct tls_client_hello, which are capped. */
struct ja3_md5 {
    mbedtls_md5_context md;
    bool started; /* md in use: the text outgrew buf */
    bool first;   /* no value yet in the current field */
    /* the text goes to MD5 in blocks, not a call per value (every hello
     * that ja3_memo does not know) */
    unsigned char buf[256];
    size_t n;
};

static void ja3_flush(struct ja3_md5 *h)
{
    if (!h->started) {
        mbedtls_md5_init(&h->md);
        mbedtls_md5_starts_ret(&h->md);
        h->started = true;
    }
    mbedtls_md5_update_ret(&h->md, h->buf, h->n);
    h->n = 0;
}

static void ja3_finish(struct ja3_md5 *h, uint8_t out[16])
{
    if (!h->started) { /* the whole text is in buf */
        mbedtls_md5_context md;
        mbedtls_md5_init(&md);
        mbedtls_md5_starts_ret(&md);
        mbedtls_md5_update_ret(&md, h->buf, h->n);
        mbedtls_md5_finish_ret(&md, out);
        mbedtls_md5_free(&md);
        return;
    }
    ja3_flush(h);
    mbedtls_md5_finish_ret(&h->md, out);
    mbedtls_md5_free(&h->md);
}

/* A capture shows the same few hellos thousands of times: JA3 is
 * remembered by its inputs' bytes (version, suites, extension types,
 * groups, point formats, each length-prefixed), direct-mapped and compared
 * whole, so a hit is the digest the text would give, without the decimal
 * text or MD5 (~3k instructions a hello). One dissector per process, no
 * threads (as ext_seen). */
#define JA3_MEMO 16
static struct {
    uint16_t n; /* 0: empty */
    uint8_t key[MEMOKEY_MAX];
    uint8_t md5[16];
} ja3_memo[JA3_MEMO];

static size_t ja3_memo_slot(const struct memokey *k)
{
    uint64_t h = memokey_mix(k->n * 0x9e3779b97f4a7c15ULL, k->b, k->n);
    return (size_t)((h ^ (h >> 32)) % JA3_MEMO); /* a multiply's low bits alone mix badly */
}

static void ja3_put(struct ja3_md5 *h, const char *s, size_t n)
{
    if (h->n + n > sizeof(h->buf)) ja3_flush(h);
    memcpy(h->buf + h->n, s, n); /* n <= 6: a value */
    h->n += n;
}

/* "%u" (with a '-' before it unless first in its field), by hand */
static void ja3_value(struct ja3_md5 *h, unsigned v)
{
    char b[8];
    size_t i = sizeof(b);
    do {
        b[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (!h->first) b[--i] = '-';
    ja3_put(h, b + i, sizeof(b) - i);
    h->first = false;
}

static void ja3_field_end(struct ja3_md5 *h)
{
    ja3_put(h, ",", 1);
    h->first = true;
}

/* A list of u16 (GREASE left out) or u8 values. */
static void ja3_list(struct ja3_md5 *h, struct cursor l, bool u8)
{
    for (;;) {
        uint16_t v;
        uint8_t b;
        if (u8 ? cur_u8(&l, &b) != 0 : cur_u16(&l, &v) != 0) return;
        if (u8) ja3_value(h, b);
        else if (!tls_is_grease(v)) ja3_value(h, v);
    }
}

/* suites: the cipher_suites body; exts: the extensions block (empty when
 * there is none), both already checked by parse_client_hello. */
static void ja3_hash(struct tls_client_hello *ch, const struct cursor *suites,
                     const struct cursor *exts)
{
    struct ja3_md5 h;
    struct cursor walk = *exts, groups = cur_init(NULL, 0), formats = cur_init(NULL, 0);
    bool have_groups = false, have_formats = false;
    struct memokey k;
    uint8_t types[2 * 64];
    size_t nt = 0;
    const uint8_t ver[2] = {(uint8_t)(ch->legacy_version >> 8), (uint8_t)ch->legacy_version};
    memokey_reset(&k);
    memokey_put(&k, ver, 2);
    memokey_put(&k, suites->p, cur_left(suites));
    /* the extension types, gathered in small runs; groups and point formats
     * are the first of each, as the text below takes them */
    while (!cur_empty(&walk)) {
        uint16_t type;
        struct cursor body;
        if (cur_u16(&walk, &type) != 0 || cur_vec(&walk, 2, &body) != 0) break;
        if (nt == sizeof types) {
            memokey_put(&k, types, nt);
            nt = 0;
        }
        types[nt++] = (uint8_t)(type >> 8);
        types[nt++] = (uint8_t)type;
        if (type == 10 && !have_groups) { /* supported_groups: NamedGroup list<2..2^16-1> */
            have_groups = true;
            if (cur_vec(&body, 2, &groups) != 0) groups = cur_init(NULL, 0);
        } else if (type == 11 && !have_formats) { /* ec_point_formats: u8 list<1..2^8-1> */
            have_formats = true;
            if (cur_vec(&body, 1, &formats) != 0) formats = cur_init(NULL, 0);
        }
    }
    memokey_put(&k, types, nt);
    memokey_put(&k, groups.p, cur_left(&groups));
    memokey_put(&k, formats.p, cur_left(&formats));
    __typeof__(&ja3_memo[0]) m = k.over ? NULL : &ja3_memo[ja3_memo_slot(&k)];
    if (m && m->n == k.n && memcmp(m->key, k.b, k.n) == 0) {
        memcpy(ch->ja3, m->md5, 16);
        ch->has_ja3 = true;
        return;
    }

    h.started = false;
    h.first = true;
    h.n = 0;
    ja3_value(&h, ch->legacy_version);
    ja3_field_end(&h);
    ja3_list(&h, *suites, false);
    ja3_field_end(&h);
    walk = *exts;
    while (!cur_empty(&walk)) {
        uint16_t type;
        struct cursor body;
        if (cur_u16(&walk, &type) != 0 || cur_vec(&walk, 2, &body) != 0) break;
        if (!tls_is_grease(type)) ja3_value(&h, type);
    }
    ja3_field_end(&h);
    ja3_list(&h, groups, false);
    ja3_field_end(&h);
    ja3_list(&h, formats, true);
    ja3_finish(&h, ch->ja3);
    ch->has_ja3 = true;
    if (m) {
        m->n = (uint16_t)k.n;
        memcpy(m->key, k.b, k.n);
        memcpy(m->md5, ch->ja3, 16);
    }
}

/* RFC 8446 §4.1.2 / RFC 5246 §7.4.1.2:
 *   ProtocolVersion legacy_version; Random random;
 *   opaque legacy_session_id<0..32>; CipherSuite cipher_suites<2..2^16-2>;
 *   opaque legacy_compression_methods<1..2^8-1>;
 *   Extension extensions<8..2^16-1>;   (absent in a plain TLS 1.2 hello)
 * DTLS (RFC 6347 §4.2.1, RFC 9147 §5.3) has opaque cookie<0..2^8-1> (legacy_cookie
 * in 1.3) right after the session id. */
static int parse_client_hello(struct tls_client_hello *ch, const uint8_t *body, size_t len,
                              bool dtls, tls_note_fn note, void *ctx)
{
    struct cursor c = cur_init(body, len), sid, suites, comp, exts;
    struct cursor suites_all, exts_all = cur_init(NULL, 0);
    const uint8_t *rnd;
    uint16_t last_type = 0;

    memset(ch, 0, sizeof *ch);
    TOP(cur_u16(&c, &ch->legacy_version));
    TOP(cur_bytes(&c, 32, &rnd));
    memcpy(ch->random, rnd, 32);
    TOP(cur_vec(&c, 1, &sid));
    if (cur_left(&sid) > 32) {
        if (note) note(ctx, "ClientHello session id longer than 32");
        ch->malformed = true;
    } else {
        ch->session_id_len = (uint8_t)cur_left(&sid);
        memcpy(ch->session_id, sid.p, ch->session_id_len);
    }
    if (dtls) {
        struct cursor cookie;
        TOP(cur_vec(&c, 1, &cookie));
        ch->cookie_len = (uint8_t)cur_left(&cookie);
    }
    TOP(cur_vec(&c, 2, &suites));
    if (cur_left(&suites) < 2 || (cur_left(&suites) & 1)) {
        if (note) note(ctx, "ClientHello cipher_suites length is zero or odd");
        ch->malformed = true;
    }
    suites_all = suites;
    while (cur_left(&suites) >= 2) {
        uint16_t s;
        INNER(cur_u16(&suites, &s));
        if (ch->n_ciphers < TLS_MAX_CIPHERS) ch->ciphers[ch->n_ciphers++] = s;
        if (ch->n_ciphers_total < UINT16_MAX) ch->n_ciphers_total++;
        /* RFC 5746 §3.3: the SCSV stands for an empty renegotiation_info */
        if (s == 0x00ff) ch->renegotiation_info = true;
    }
    TOP(cur_vec(&c, 1, &comp));
    if (cur_empty(&comp)) { /* RFC 8446 §4.1.2: <1..2^8-1> */
        if (note) note(ctx, "ClientHello without compression methods");
        ch->malformed = true;
    }
    while (!cur_empty(&comp)) {
        uint8_t m;
        INNER(cur_u8(&comp, &m));
        if (ch->n_compression < sizeof ch->compression) ch->compression[ch->n_compression++] = m;
    }
    if (!cur_empty(&c)) { /* RFC 5246 §7.4.1.2: a TLS 1.2 hello may have no extensions block */
        if (cur_vec(&c, 2, &exts) != 0) {
            if (note) note(ctx, "extensions block overruns the ClientHello");
            ch->malformed = true;
            return TLS_OK;
        }
        ch->has_extensions_block = true;
        exts_all = exts;
        if (walk_extensions(&exts, ch->exts, &ch->n_exts, &ch->n_exts_total, ch, ch_ext_cb, note,
                            ctx, &last_type) != TLS_OK)
            ch->malformed = true;
        /* RFC 8446 §4.2.11: pre_shared_key MUST be the last extension */
        if (ch->has_pre_shared_key && last_type != 41 && note)
            note(ctx, "pre_shared_key is not the last ClientHello extension");
        if (!cur_empty(&c)) {
            if (note) note(ctx, "bytes after the ClientHello extensions block");
            ch->malformed = true;
        }
    }
    if (!ch->malformed) ja3_hash(ch, &suites_all, &exts_all);
    return TLS_OK;
}

int tls_parse_client_hello(struct tls_client_hello *ch, const uint8_t *body, size_t len,
                           tls_note_fn note, void *ctx)
{
    return parse_client_hello(ch, body, len, false, note, ctx);
}

int dtls_parse_client_hello(struct tls_client_hello *ch, const uint8_t *body, size_t len,
                            tls_note_fn note, void *ctx)
{
    return parse_client_hello(ch, body, len, true, note, ctx);
}

/* RFC 6347 §4.2.1: struct { ProtocolVersion server_version;
 * opaque cookie<0..2^8-1>; } HelloVerifyRequest. RFC 6347 says the cookie
 * is at most 32 bytes in DTLS 1.0 and 255 in 1.2; the length field decides. */
int dtls_parse_hello_verify_request(const uint8_t *body, size_t len, uint16_t *version,
                                    uint8_t *cookie_len)
{
    struct cursor c = cur_init(body, len), cookie;
    TOP(cur_u16(&c, version));
    TOP(cur_vec(&c, 1, &cookie));
    *cookie_len = (uint8_t)cur_left(&cookie);
    return cur_empty(&c) ? TLS_OK : TLS_EMALFORMED;
}

/* --- ServerHello --- */

struct sh_ctx {
    struct tls_server_hello *sh;
    bool hrr;
    uint16_t hrr_group;
};

static int parse_sh_extension(void *hello, uint16_t type, struct cursor *ext)
{
    struct sh_ctx *x = (struct sh_ctx *)hello;
    struct tls_server_hello *sh = x->sh;
    switch (type) {
    case 5: /* status_request: empty in ServerHello (RFC 6066 §8) */
        sh->status_request = true;
        return cur_empty(ext) ? TLS_OK : TLS_EMALFORMED;
    case 16: { /* ALPN: exactly one name (RFC 7301 §3.1) */
        uint8_t n = 0, total = 0;
        TRY(parse_alpn_list(ext, &sh->alpn, 1, &n, &total));
        if (total != 1) return TLS_EMALFORMED;
        sh->has_alpn = true;
        return TLS_OK;
    }
    case 23:
        sh->extended_master_secret = true;
        return cur_empty(ext) ? TLS_OK : TLS_EMALFORMED;
    case 35: /* session_ticket: empty, a NewSessionTicket will follow (RFC 5077 §3.2) */
        sh->has_session_ticket = true;
        return cur_empty(ext) ? TLS_OK : TLS_EMALFORMED;
    case 40:
    case 51: { /* key_share, RFC 8446 §4.2.8: HRR carries only selected_group */
        uint16_t group;
        INNER(cur_u16(ext, &group));
        if (x->hrr) {
            x->hrr_group = group;
            return cur_empty(ext) ? TLS_OK : TLS_EMALFORMED;
        }
        struct cursor kx;
        INNER(cur_vec(ext, 2, &kx));
        sh->key_share_group = group;
        return cur_empty(ext) && !cur_empty(&kx) ? TLS_OK : TLS_EMALFORMED;
    }
    case 41: { /* pre_shared_key: selected_identity (RFC 8446 §4.2.11) */
        uint16_t idx;
        INNER(cur_u16(ext, &idx));
        sh->psk_accepted = true;
        return cur_empty(ext) ? TLS_OK : TLS_EMALFORMED;
    }
    case 43: { /* supported_versions: selected_version (RFC 8446 §4.2.1) */
        uint16_t v;
        INNER(cur_u16(ext, &v));
        sh->selected_version = v;
        return cur_empty(ext) ? TLS_OK : TLS_EMALFORMED;
    }
    case 54: /* connection_id, RFC 9146 §3 */
        return parse_connection_id(ext, &sh->has_connection_id, &sh->connection_id_len);
    case 0xff01: {
        struct cursor v;
        INNER(cur_vec(ext, 1, &v));
        sh->renegotiation_info = true;
        return cur_empty(ext) ? TLS_OK : TLS_EMALFORMED;
    }
    default:
        return TLS_OK;
    }
}

/* RFC 8446 §4.1.3: SHA-256("HelloRetryRequest"). */
static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* RFC 8446 §4.1.3 / RFC 5246 §7.4.1.3:
 *   ProtocolVersion legacy_version; Random random;
 *   opaque legacy_session_id_echo<0..32>; CipherSuite cipher_suite;
 *   uint8 legacy_compression_method; Extension extensions<6..2^16-1>;
 * TLS 1.3 drafts before 22 (legacy_version 0x7fNN) had neither session id
 * nor compression. */
int tls_parse_server_hello(struct tls_server_hello *sh, bool *is_hrr, uint16_t *hrr_group,
                           const uint8_t *body, size_t len, tls_note_fn note, void *ctx)
{
    struct cursor c = cur_init(body, len), exts;
    const uint8_t *rnd;
    struct sh_ctx x;
    bool draft;

    memset(sh, 0, sizeof *sh);
    *is_hrr = false;
    *hrr_group = 0;
    TOP(cur_u16(&c, &sh->legacy_version));
    TOP(cur_bytes(&c, 32, &rnd));
    memcpy(sh->random, rnd, 32);
    draft = (sh->legacy_version & 0xff00) == 0x7f00;
    if (!draft) {
        struct cursor sid;
        TOP(cur_vec(&c, 1, &sid));
        if (cur_left(&sid) > 32) {
            if (note) note(ctx, "ServerHello session id longer than 32");
            return TLS_EMALFORMED;
        }
        sh->session_id_len = (uint8_t)cur_left(&sid);
        memcpy(sh->session_id, sid.p, sh->session_id_len);
    }
    TOP(cur_u16(&c, &sh->cipher));
    if (!draft) TOP(cur_u8(&c, &sh->compression));
    x.sh = sh;
    x.hrr = memcmp(sh->random, hrr_random, 32) == 0;
    x.hrr_group = 0;
    if (!cur_empty(&c)) {
        TOP(cur_vec(&c, 2, &exts));
        if (walk_extensions(&exts, sh->exts, &sh->n_exts, &sh->n_exts_total, &x,
                            parse_sh_extension, note, ctx, NULL) != TLS_OK)
            sh->malformed = true;
        if (!cur_empty(&c)) {
            if (note) note(ctx, "bytes after the ServerHello extensions block");
            sh->malformed = true;
        }
    }
    *is_hrr = x.hrr;
    *hrr_group = x.hrr_group;
    return TLS_OK;
}

/* TLS 1.3 drafts before 22 had a HelloRetryRequest message of its own:
 *   draft-18 §4.1.4: ProtocolVersion server_version; Extension extensions<2..2^16-1>;
 *   drafts 19-21:    ProtocolVersion server_version; CipherSuite cipher_suite;
 *                    Extension extensions<2..2^16-1>;
 * key_share (type 40 in those drafts) holds only NamedGroup selected_group. */
int tls_parse_draft_hello_retry(const uint8_t *body, size_t len, uint16_t *version,
                                uint16_t *cipher, uint16_t *group)
{
    struct cursor c = cur_init(body, len), exts;
    *version = *cipher = *group = 0;
    TOP(cur_u16(&c, version));
    if (*version >= 0x7f13 && *version <= 0x7f15) TOP(cur_u16(&c, cipher));
    TOP(cur_vec(&c, 2, &exts));
    while (!cur_empty(&exts)) {
        uint16_t type;
        struct cursor ext;
        INNER(cur_u16(&exts, &type));
        INNER(cur_vec(&exts, 2, &ext));
        if (type == 40 || type == 51) INNER(cur_u16(&ext, group));
    }
    return cur_empty(&c) ? TLS_OK : TLS_EMALFORMED;
}

/* --- SSLv2-compatible ClientHello (RFC 5246 Appendix E.2, RFC 6101 E) ---
 *   uint16 msg_length (high bit set);  uint8 msg_type = 1;
 *   Version version; uint16 cipher_spec_length; uint16 session_id_length;
 *   uint16 challenge_length; V2CipherSpec cipher_specs[cipher_spec_length];
 *   opaque session_id[..]; opaque challenge[..];                        */
int tls_match_sslv2_client_hello(const uint8_t *p, size_t avail)
{
    uint32_t len, cs, sid, chal;
    if (avail < 1) return -1;
    if (!(p[0] & 0x80)) return 0;
    if (avail < 3) return -1;
    len = ((uint32_t)(p[0] & 0x7f) << 8) | p[1];
    if (p[2] != 1) return 0;
    if (avail < 5) return -1;
    /* version: SSL 2.0 (0x0002) or SSL 3.0 .. TLS 1.2 offered in a v2 hello */
    if (!((p[3] == 0 && p[4] == 2) || (p[3] == 3 && p[4] <= 3))) return 0;
    if (avail < 11) return -1;
    cs = ((uint32_t)p[5] << 8) | p[6];
    sid = ((uint32_t)p[7] << 8) | p[8];
    chal = ((uint32_t)p[9] << 8) | p[10];
    if (cs == 0 || cs % 3 != 0) return 0;
    if (sid != 0 && sid != 16) return 0;
    if (chal < 16 || chal > 32) return 0;
    return len == 9 + cs + sid + chal ? 1 : 0;
}

int tls_parse_sslv2_client_hello(struct tls_client_hello *ch, const uint8_t *body, size_t len)
{
    struct cursor c = cur_init(body, len), specs;
    uint8_t type;
    uint16_t cs_len, sid_len, chal_len;
    const uint8_t *sid, *chal;

    memset(ch, 0, sizeof *ch);
    TOP(cur_u8(&c, &type));
    if (type != 1) return TLS_EMALFORMED;
    TOP(cur_u16(&c, &ch->legacy_version));
    TOP(cur_u16(&c, &cs_len));
    TOP(cur_u16(&c, &sid_len));
    TOP(cur_u16(&c, &chal_len));
    if (cs_len == 0 || cs_len % 3 || sid_len > 32 || chal_len < 16 || chal_len > 32)
        return TLS_EMALFORMED;
    TOP(cur_sub(&c, cs_len, &specs));
    TOP(cur_bytes(&c, sid_len, &sid));
    TOP(cur_bytes(&c, chal_len, &chal));
    if (!cur_empty(&c)) return TLS_EMALFORMED;
    ch->sslv2_format = true;
    ch->record_version = TLS_V_SSL2;
    ch->session_id_len = (uint8_t)sid_len;
    memcpy(ch->session_id, sid, sid_len);
    /* E.2: the challenge is right-justified in ClientHello.random */
    memcpy(ch->random + (32 - chal_len), chal, chal_len);
    while (!cur_empty(&specs)) {
        uint32_t spec;
        INNER(cur_u24(&specs, &spec));
        if (spec <= 0xffff) { /* 0x00XXXX: a TLS cipher suite */
            uint16_t s = (uint16_t)spec;
            if (ch->n_ciphers < TLS_MAX_CIPHERS) ch->ciphers[ch->n_ciphers++] = s;
            if (ch->n_ciphers_total < UINT16_MAX) ch->n_ciphers_total++;
            if (s == 0x00ff) ch->renegotiation_info = true;
        } else {              /* an SSLv2-only CIPHER-SPEC */
            if (ch->n_sslv2_specs < TLS_MAX_SSLV2_SPECS) ch->sslv2_specs[ch->n_sslv2_specs++] = spec;
            if (ch->n_sslv2_specs_total < UINT8_MAX) ch->n_sslv2_specs_total++;
        }
    }
    return TLS_OK;
}
