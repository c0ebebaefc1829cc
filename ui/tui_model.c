/* tui_model.c — the browser's connection store, packing, filters, sorting
 * and grouping (see tui_model.h). No curses here. */
#include "tui_model.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report/ja4.h"
#include "report/report.h"
#include "tui_text.h"

/* ---- packing ------------------------------------------------------------
 * Layout: "TSP2", u32 size of conn_record, u32 size of tls_conn, u32 size
 * of client_auth (0 without CertificateRequest), then runs of (varint
 * literal length, literal bytes, varint zero count) until the structs are
 * rebuilt. Zero runs shorter than PACK_MIN_ZEROS stay literal. */

#define PACK_MAGIC "TSP2" /* 2: a third part, the client side (mutual TLS) */
#define PACK_MIN_ZEROS 8

static void put_varint(uint8_t **o, size_t v)
{
    while (v >= 0x80) {
        *(*o)++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *(*o)++ = (uint8_t)v;
}

static int get_varint(const uint8_t **p, const uint8_t *end, size_t *v)
{
    size_t r = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        if (*p >= end) return -1;
        uint8_t b = *(*p)++;
        r |= (size_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = r;
            return 0;
        }
    }
    return -1;
}

static size_t zero_run(const uint8_t *p, size_t n)
{
    size_t z = 0;
    while (z < n && p[z] == 0) z++;
    return z;
}

static uint8_t *pack_bytes(const uint8_t *src, size_t n, uint8_t *o)
{
    size_t i = 0;
    while (i < n) {
        size_t lit = i;
        /* extend the literal up to the next long zero run */
        while (lit < n) {
            size_t z = zero_run(src + lit, n - lit);
            if (z >= PACK_MIN_ZEROS || lit + z == n) break;
            lit += z ? z : 1;
        }
        size_t zeros = zero_run(src + lit, n - lit);
        put_varint(&o, lit - i);
        memcpy(o, src + i, lit - i);
        o += lit - i;
        put_varint(&o, zeros);
        i = lit + zeros;
    }
    return o;
}

uint8_t *tui_pack(const struct conn_record *r, size_t *len)
{
    const size_t n1 = sizeof(struct conn_record), n2 = sizeof(struct tls_conn);
    /* the mutual-TLS part follows when there is one (r->client) */
    const size_t n3 = r->client ? sizeof(struct client_auth) : 0;
    /* worst case: every literal byte plus one varint pair per byte */
    uint8_t *buf = malloc(16 + 3 * (n1 + n2 + n3));
    if (!buf) return NULL;
    uint8_t *o = buf;
    memcpy(o, PACK_MAGIC, 4);
    o += 4;
    uint32_t s1 = (uint32_t)n1, s2 = (uint32_t)n2, s3 = (uint32_t)n3;
    memcpy(o, &s1, 4);
    memcpy(o + 4, &s2, 4);
    memcpy(o + 8, &s3, 4);
    o += 12;
    struct conn_record tmp = *r;
    tmp.tls = NULL; /* the pointers are meaningless once packed */
    tmp.client = NULL;
    o = pack_bytes((const uint8_t *)&tmp, n1, o);
    o = pack_bytes((const uint8_t *)r->tls, n2, o);
    if (n3) o = pack_bytes((const uint8_t *)r->client, n3, o);
    *len = (size_t)(o - buf);
    uint8_t *shrunk = realloc(buf, *len);
    return shrunk ? shrunk : buf;
}

static int unpack_bytes(const uint8_t **p, const uint8_t *end, uint8_t *dst, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t lit, zeros;
        if (get_varint(p, end, &lit) != 0 || lit > n - i || lit > (size_t)(end - *p)) return -1;
        memcpy(dst + i, *p, lit);
        *p += lit;
        i += lit;
        if (get_varint(p, end, &zeros) != 0 || zeros > n - i) return -1;
        memset(dst + i, 0, zeros);
        i += zeros;
        if (lit == 0 && zeros == 0) return -1; /* no progress: corrupt */
    }
    return 0;
}

struct conn_record *tui_unpack(const uint8_t *p, size_t len)
{
    const uint8_t *end = p + len;
    uint32_t s1, s2, s3;
    if (len < 16 || memcmp(p, PACK_MAGIC, 4) != 0) return NULL;
    memcpy(&s1, p + 4, 4);
    memcpy(&s2, p + 8, 4);
    memcpy(&s3, p + 12, 4);
    if (s1 != sizeof(struct conn_record) || s2 != sizeof(struct tls_conn) ||
        (s3 != 0 && s3 != sizeof(struct client_auth)))
        return NULL;
    p += 16;
    struct conn_record *r = malloc(sizeof(*r));
    struct tls_conn *c = malloc(sizeof(*c));
    struct client_auth *ca = s3 ? malloc(sizeof(*ca)) : NULL;
    if (!r || !c || (s3 && !ca) || unpack_bytes(&p, end, (uint8_t *)r, s1) != 0 ||
        unpack_bytes(&p, end, (uint8_t *)c, s2) != 0 ||
        (s3 && unpack_bytes(&p, end, (uint8_t *)ca, s3) != 0) || p != end) {
        free(r);
        free(c);
        free(ca);
        return NULL;
    }
    r->tls = c;
    r->client = ca;
    return r;
}

const struct conn_record *tui_conn_record(const struct tui_conn *c, struct conn_record **scratch)
{
    tui_record_release(scratch);
    if (c->live) return c->live;
    if (!c->packed) return NULL;
    *scratch = tui_unpack(c->packed, c->packed_len);
    return *scratch;
}

void tui_record_release(struct conn_record **scratch)
{
    if (!*scratch) return;
    free((*scratch)->tls);
    free((*scratch)->client);
    free(*scratch);
    *scratch = NULL;
}

/* ---- one connection ------------------------------------------------------ */

enum tui_class tui_class_of(enum verdict_status st)
{
    switch (st) {
    case VERDICT_FAILED: return TUI_CLASS_FAILED;
    case VERDICT_TRUSTED: return TUI_CLASS_TRUSTED;
    default: return TUI_CLASS_NOT_JUDGED;
    }
}

int tui_conn_fill(struct tui_conn *c, const struct conn_record *r, bool utf8)
{
    const struct tls_conn *t = r->tls;
    const struct verdict *v = &r->verdict;
    char buf[64];
    struct sbuf sb;
    sbuf_init(&sb, 64 * 1024);
    size_t off_sni = 0, off_cn = 0, off_reason, off_server, off_ip, off_client, off_ja4 = 0;
    bool has_sni = t->ch.has_sni,
         has_cn = r->n_chain > 0 && r->chain[0] && r->chain[0]->subject_cn[0];
    sbuf_putc(&sb, '\0'); /* offset 0 is the empty string */
    if (has_sni) {
        off_sni = sb.len;
        tui_esc(&sb, t->ch.sni, t->ch.sni_len, utf8);
        if (t->ch.sni_total > t->ch.sni_len)
            sbuf_printf(&sb, "...(+%u bytes)", (unsigned)(t->ch.sni_total - t->ch.sni_len));
        sbuf_putc(&sb, '\0');
    }
    if (has_cn) {
        /* A list cell: the first TUI_CELL_SRC_MAX bytes and the count of the
         * rest. A 70 KB CN overflowed the row's strings and the row was lost
         * ("1 lost (memory)") where the batch report had it. */
        const char *cn = r->chain[0]->subject_cn;
        size_t n = strlen(cn);
        off_cn = sb.len;
        tui_esc(&sb, (const uint8_t *)cn, n < TUI_CELL_SRC_MAX ? n : TUI_CELL_SRC_MAX, utf8);
        if (n > TUI_CELL_SRC_MAX) sbuf_printf(&sb, "...(+%zu bytes)", n - TUI_CELL_SRC_MAX);
        sbuf_putc(&sb, '\0');
    }
    off_reason = sb.len;
    if (v->status == VERDICT_FAILED)
        tui_esc_str(&sb, v->reason, utf8);
    else if (v->status == VERDICT_NOT_JUDGED)
        tui_esc_str(&sb, v->not_judged[0] ? v->not_judged : "unknown", utf8);
    sbuf_putc(&sb, '\0');
    off_server = sb.len;
    sbuf_puts(&sb, report_endpoint(buf, sizeof(buf), t->family, t->server_ip, t->server_port));
    sbuf_putc(&sb, '\0');
    off_ip = sb.len;
    sbuf_puts(&sb, report_ip(buf, sizeof(buf), t->family, t->server_ip));
    sbuf_putc(&sb, '\0');
    off_client = sb.len;
    sbuf_puts(&sb, report_endpoint(buf, sizeof(buf), t->family, t->client_ip, t->client_port));
    sbuf_putc(&sb, '\0');
    char ja4[JA4_LEN + 1];
    const bool has_ja4 = !t->ch.sslv2_format &&
                         ja4_client(&t->ch, ja4_transport(t), ja4, NULL);
    if (has_ja4) {
        off_ja4 = sb.len;
        sbuf_puts(&sb, ja4);
        sbuf_putc(&sb, '\0');
    }
    if (sb.overflow || !sb.p) {
        sbuf_free(&sb);
        return -1;
    }
    free(c->strings);
    c->strings = sb.p; /* taken over from the sbuf */
    c->sni = has_sni ? c->strings + off_sni : NULL;
    c->cn = has_cn ? c->strings + off_cn : NULL;
    c->reason = c->strings + off_reason;
    c->server = c->strings + off_server;
    c->server_ip_text = c->strings + off_ip;
    c->client = c->strings + off_client;
    c->ja4 = has_ja4 ? c->strings + off_ja4 : NULL;

    c->seq = r->seq;
    c->flow_id = t->flow_id;
    c->ts_ns = t->first_ts_ns;
    c->family = t->family;
    memcpy(c->client_ip, t->client_ip, 16);
    memcpy(c->server_ip, t->server_ip, 16);
    c->client_port = t->client_port;
    c->server_port = t->server_port;
    c->version = tls_conn_chosen_version(t);
    c->has_cipher = tls_conn_chosen_cipher(t, &c->cipher);
    c->n_certs = t->server_certs.present
                     ? (t->server_certs.n_total ? t->server_certs.n_total : r->n_chain)
                     : (r->n_chain ? r->n_chain : -1);
    c->status = v->status;
    c->cls = tui_class_of(v->status);
    c->presumed = v->presumed;
    c->presumed_from = v->presumed_from;
    c->code = v->code;
    c->depth = v->depth;
    c->name_failure = v->status == VERDICT_FAILED && v->profile == PROFILE_EXPRESSWAY &&
                      (v->code == VERR_HOSTNAME_MISMATCH || v->code == VERR_IP_ADDRESS_MISMATCH);
    c->client_failed = r->client && r->client->verdict.status == VERDICT_FAILED;
    c->has_client = r->client != NULL;
    c->client_cls = r->client ? tui_class_of(r->client->verdict.status) : TUI_CLASS_NOT_JUDGED;
    c->client_code = r->client ? r->client->verdict.code : -1;
    c->client_depth = r->client ? r->client->verdict.depth : -1;
    return 0;
}

void tui_conn_free(struct tui_conn *c)
{
    if (!c) return;
    if (c->packed) {
        struct conn_record *r = tui_unpack(c->packed, c->packed_len);
        /* the unpacked copy holds the certificate references */
        if (r) conn_record_free(r);
        free(c->packed);
    } else if (c->live && !c->open) {
        conn_record_free(c->live); /* kept unpacked after an allocation failure */
    }
    free(c->strings);
    free(c);
}

/* ---- open-record map ------------------------------------------------------ */

static size_t map_slot(const struct tui_openmap *m, const struct conn_record *k)
{
    uintptr_t h = (uintptr_t)k;
    h ^= h >> 17;
    h *= (uintptr_t)0x9E3779B97F4A7C15ULL;
    return (size_t)(h >> 7) & (m->cap - 1);
}

static struct tui_conn *map_get(const struct tui_openmap *m, const struct conn_record *k)
{
    if (!m->cap) return NULL;
    for (size_t i = map_slot(m, k);; i = (i + 1) & (m->cap - 1)) {
        if (!m->keys[i]) return NULL;
        if (m->keys[i] == k) return m->vals[i];
    }
}

static int map_put(struct tui_openmap *m, struct conn_record *k, struct tui_conn *v);

static int map_grow(struct tui_openmap *m)
{
    struct tui_openmap nm = {0};
    nm.cap = m->cap ? m->cap * 2 : 256;
    nm.keys = calloc(nm.cap, sizeof(*nm.keys));
    nm.vals = calloc(nm.cap, sizeof(*nm.vals));
    if (!nm.keys || !nm.vals) {
        free(nm.keys);
        free(nm.vals);
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i]) map_put(&nm, m->keys[i], m->vals[i]);
    free(m->keys);
    free(m->vals);
    *m = nm;
    return 0;
}

static int map_put(struct tui_openmap *m, struct conn_record *k, struct tui_conn *v)
{
    if ((m->n + 1) * 4 > m->cap * 3 && map_grow(m) != 0) return -1;
    size_t i = map_slot(m, k);
    while (m->keys[i] && m->keys[i] != k) i = (i + 1) & (m->cap - 1);
    if (!m->keys[i]) m->n++;
    m->keys[i] = k;
    m->vals[i] = v;
    return 0;
}

static void map_del(struct tui_openmap *m, const struct conn_record *k)
{
    if (!m->cap) return;
    size_t i = map_slot(m, k);
    while (m->keys[i] != k) {
        if (!m->keys[i]) return;
        i = (i + 1) & (m->cap - 1);
    }
    /* backward-shift deletion keeps probe chains intact without tombstones */
    size_t j = i;
    for (;;) {
        j = (j + 1) & (m->cap - 1);
        if (!m->keys[j]) break;
        size_t home = map_slot(m, m->keys[j]);
        /* can the entry at j move to i? only if its home is not in (i, j] */
        bool stay = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
        if (stay) continue;
        m->keys[i] = m->keys[j];
        m->vals[i] = m->vals[j];
        i = j;
    }
    m->keys[i] = NULL;
    m->vals[i] = NULL;
    m->n--;
}

/* ---- the store ------------------------------------------------------------ */

void tui_store_init(struct tui_store *s, size_t max, bool utf8)
{
    memset(s, 0, sizeof(*s));
    s->max = max ? max : TUI_DEFAULT_MAX_CONNS;
    s->utf8 = utf8;
}

static void drop_oldest(struct tui_store *s)
{
    struct tui_conn *c = s->ring[s->head];
    s->ring[s->head] = NULL;
    s->head = (s->head + 1) % s->cap;
    s->n--;
    s->count[c->cls]--;
    if (c->client_failed) s->client_failed--;
    s->dropped++;
    if (c->open || c->pinned)
        c->detached = true; /* freed at done() or unpin */
    else
        tui_conn_free(c);
}

static int append(struct tui_store *s, struct tui_conn *c)
{
    if (s->n >= s->max) drop_oldest(s);
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 1024;
        if (ncap > s->max) ncap = s->max;
        if (ncap <= s->cap) ncap = s->cap + 1;
        struct tui_conn **nr = malloc(ncap * sizeof(*nr));
        if (!nr) return -1;
        for (size_t i = 0; i < s->n; i++) nr[i] = s->ring[(s->head + i) % s->cap];
        free(s->ring);
        s->ring = nr;
        s->cap = ncap;
        s->head = 0;
    }
    s->ring[(s->head + s->n) % s->cap] = c;
    c->idx = s->appended++;
    s->n++;
    s->count[c->cls]++;
    if (c->client_failed) s->client_failed++;
    s->gen++;
    return 0;
}

void tui_store_judged(struct tui_store *s, struct conn_record *r)
{
    if (map_get(&s->open, r)) return;
    struct tui_conn *c = calloc(1, sizeof(*c));
    if (!c) return;
    if (tui_conn_fill(c, r, s->utf8) != 0 || map_put(&s->open, r, c) != 0) {
        tui_conn_free(c);
        return;
    }
    c->open = true;
    c->live = r;
    if (append(s, c) != 0) {
        map_del(&s->open, r);
        c->live = NULL;
        tui_conn_free(c);
    }
}

void tui_store_done(struct tui_store *s, struct conn_record *r)
{
    struct tui_conn *c = map_get(&s->open, r);
    bool fresh = c == NULL;
    if (c)
        map_del(&s->open, r);
    else
        c = calloc(1, sizeof(*c));
    if (!c) {
        s->oom++;
        s->total[tui_class_of(r->verdict.status)]++;
        conn_record_free(r);
        return;
    }
    enum tui_class old = c->cls;
    bool old_client_failed = c->client_failed;
    if (tui_conn_fill(c, r, s->utf8) != 0 && fresh) {
        s->oom++;
        s->total[tui_class_of(r->verdict.status)]++;
        free(c);
        conn_record_free(r);
        return;
    }
    s->total[c->cls]++;
    c->open = false;
    tls_conn_release_parser(r->tls); /* the pipeline did already; nothing to pack */
    c->packed = tui_pack(r, &c->packed_len);
    if (c->packed) {
        /* the packed copy now holds r's certificate references and a copy
         * of its mutual-TLS part */
        free(r->client);
        free(r->tls);
        free(r);
        c->live = NULL;
    } else {
        c->live = r; /* keep it whole; freed with conn_record_free */
    }
    if (fresh) {
        if (append(s, c) != 0) {
            s->oom++;
            tui_conn_free(c);
        }
        return;
    }
    if (c->detached) {
        if (!c->pinned) tui_conn_free(c);
        return;
    }
    if (old != c->cls) {
        s->count[old]--;
        s->count[c->cls]++;
        s->reshuffles++; /* filters and the verdict order see it elsewhere */
    }
    if (old_client_failed != c->client_failed) {
        /* the client's verdict can come after the row was shown (live) */
        s->client_failed += c->client_failed ? 1 : (uint64_t)-1;
        s->reshuffles++; /* the "client failed" filter sees it */
    }
    s->gen++;
}

void tui_store_pin(struct tui_store *s, struct tui_conn *c)
{
    (void)s;
    c->pinned++;
}

void tui_store_unpin(struct tui_store *s, struct tui_conn *c)
{
    (void)s;
    if (!c) return;
    if (c->pinned) c->pinned--;
    if (!c->pinned && c->detached && !c->open) tui_conn_free(c);
}

struct tui_conn *tui_store_find(const struct tui_store *s, uint64_t seq)
{
    for (size_t i = 0; i < s->n; i++)
        if (tui_store_at(s, i)->seq == seq) return tui_store_at(s, i);
    return NULL;
}

void tui_store_free(struct tui_store *s)
{
    for (size_t i = 0; i < s->n; i++) tui_conn_free(tui_store_at(s, i));
    for (size_t i = 0; i < s->open.cap; i++) {
        struct tui_conn *c = s->open.vals[i];
        if (c && c->detached) tui_conn_free(c); /* dropped while open */
    }
    free(s->ring);
    free(s->open.keys);
    free(s->open.vals);
    memset(s, 0, sizeof(*s));
}

/* ---- filters -------------------------------------------------------------- */

const char *tui_vfilter_name(enum tui_vfilter f)
{
    switch (f) {
    case TUI_VF_FAILED: return "failed";
    case TUI_VF_NOT_JUDGED: return "not judged";
    case TUI_VF_TRUSTED: return "trusted";
    case TUI_VF_CLIENT_FAILED: return "client failed";
    default: return "all";
    }
}

static bool has_text(const char *hay, const char *needle)
{
    return hay && strcasestr(hay, needle) != NULL;
}

bool tui_conn_matches_text(const struct tui_conn *c, const char *needle)
{
    if (!needle || !needle[0]) return true;
    return has_text(c->sni, needle) || has_text(c->server, needle) || has_text(c->client, needle) ||
           has_text(c->cn, needle) || has_text(c->reason, needle) || has_text(c->ja4, needle);
}

bool tui_conn_in_class(const struct tui_conn *c, enum tui_vfilter f)
{
    switch (f) {
    case TUI_VF_FAILED: return c->cls == TUI_CLASS_FAILED;
    case TUI_VF_NOT_JUDGED: return c->cls == TUI_CLASS_NOT_JUDGED;
    case TUI_VF_TRUSTED: return c->cls == TUI_CLASS_TRUSTED;
    case TUI_VF_CLIENT_FAILED: return c->client_failed;
    default: return true;
    }
}

void tui_server_id_of(const struct tui_conn *c, struct tui_server_id *id)
{
    id->family = c->family;
    memcpy(id->ip, c->server_ip, 16);
    id->port = c->server_port;
    id->sni = c->sni;
}

int tui_server_id_cmp(const struct tui_server_id *a, const struct tui_server_id *b)
{
    if (a->family != b->family) return a->family < b->family ? -1 : 1;
    int d = memcmp(a->ip, b->ip, 16);
    if (d) return d < 0 ? -1 : 1;
    if (a->port != b->port) return a->port < b->port ? -1 : 1;
    if (!a->sni || !b->sni) return (a->sni != NULL) - (b->sni != NULL);
    d = strcmp(a->sni, b->sni);
    return (d > 0) - (d < 0);
}

bool tui_conn_passes(const struct tui_conn *c, const struct tui_filter *f,
                     const struct tui_server_id *server)
{
    if (server) {
        struct tui_server_id id;
        tui_server_id_of(c, &id);
        if (tui_server_id_cmp(&id, server) != 0) return false;
    }
    if (!f) return true;
    return tui_conn_in_class(c, f->verdict) && tui_conn_matches_text(c, f->text);
}

/* ---- sorting -------------------------------------------------------------- */

const char *tui_sort_name(enum tui_sort s)
{
    switch (s) {
    case TUI_SORT_SERVER: return "server";
    case TUI_SORT_VERDICT: return "verdict";
    default: return "time";
    }
}

static int cmp_time(const struct tui_conn *a, const struct tui_conn *b)
{
    if (a->ts_ns != b->ts_ns) return a->ts_ns < b->ts_ns ? -1 : 1;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

static int cmp_server(const struct tui_conn *a, const struct tui_conn *b)
{
    struct tui_server_id x, y;
    tui_server_id_of(a, &x);
    tui_server_id_of(b, &y);
    int d = tui_server_id_cmp(&x, &y);
    return d ? d : cmp_time(a, b);
}

static int cmp_verdict(const struct tui_conn *a, const struct tui_conn *b)
{
    if (a->cls != b->cls) return a->cls < b->cls ? -1 : 1;
    return cmp_server(a, b);
}

static int sort_rev; /* qsort has no context argument; the browser is single-threaded */

static int q_time(const void *x, const void *y)
{
    return sort_rev * cmp_time(*(struct tui_conn *const *)x, *(struct tui_conn *const *)y);
}
static int q_server(const void *x, const void *y)
{
    return sort_rev * cmp_server(*(struct tui_conn *const *)x, *(struct tui_conn *const *)y);
}
static int q_verdict(const void *x, const void *y)
{
    return sort_rev * cmp_verdict(*(struct tui_conn *const *)x, *(struct tui_conn *const *)y);
}

int tui_conn_cmp(const struct tui_conn *a, const struct tui_conn *b, enum tui_sort by, bool reverse)
{
    int d = by == TUI_SORT_SERVER    ? cmp_server(a, b)
            : by == TUI_SORT_VERDICT ? cmp_verdict(a, b)
                                     : cmp_time(a, b);
    return reverse ? -d : d;
}

void tui_conns_sort(struct tui_conn **v, size_t n, enum tui_sort by, bool reverse)
{
    sort_rev = reverse ? -1 : 1;
    int (*cmp)(const void *, const void *) = by == TUI_SORT_SERVER    ? q_server
                                             : by == TUI_SORT_VERDICT ? q_verdict
                                                                      : q_time;
    if (n > 1) qsort(v, n, sizeof(*v), cmp);
}

/* ---- rows kept up to date ------------------------------------------------- */

static int rows_reserve(struct tui_rows *r, size_t need)
{
    if (need <= r->cap) return 0;
    size_t ncap = need + need / 4 + 64;
    struct tui_conn **nv = realloc(r->v, ncap * sizeof(*nv));
    if (!nv) return -1;
    r->v = nv;
    uint64_t *ni = realloc(r->idx, ncap * sizeof(*ni));
    if (!ni) return -1;
    r->idx = ni;
    r->cap = ncap;
    return 0;
}

int tui_rows_sync(struct tui_rows *r, const struct tui_store *s, const struct tui_filter *f,
                  const struct tui_server_id *server, enum tui_sort by, bool reverse, bool full,
                  void (*added)(void *ctx, const struct tui_conn *c), void *ctx)
{
    uint64_t first = s->n ? tui_store_at(s, 0)->idx : s->appended;
    if (!r->valid || r->reshuffles != s->reshuffles || r->seen > s->appended) full = true;
    /* the new connections sit at the end of the ring */
    uint64_t from = full ? first : (r->seen > first ? r->seen : first);
    size_t start = s->n - (size_t)(s->appended - from);
    size_t k = 0;
    if (!full) {
        /* drop the rows the store has dropped: their idx is below the oldest kept */
        for (size_t i = 0; i < r->n; i++)
            if (r->idx[i] >= first) {
                r->v[k] = r->v[i];
                r->idx[k++] = r->idx[i];
            }
    }
    size_t m = 0;
    if (rows_reserve(r, k + (s->n - start) * 2) != 0) {
        r->n = 0;
        r->valid = false;
        return -1;
    }
    /* the new rows go after the kept ones, then sorted on their own */
    struct tui_conn **nv = r->v + k;
    for (size_t i = start; i < s->n; i++) {
        struct tui_conn *c = tui_store_at(s, i);
        if (!tui_conn_passes(c, f, server)) continue;
        nv[m++] = c;
        if (added) added(ctx, c);
    }
    tui_conns_sort(nv, m, by, reverse);
    if (k && m) {
        /* merge from the back; the tail of the buffer holds a copy of the new rows */
        struct tui_conn **tmp = r->v + k + m;
        memcpy(tmp, nv, m * sizeof(*tmp));
        size_t i = k, j = m, o = k + m;
        while (j > 0) {
            if (i > 0 && tui_conn_cmp(r->v[i - 1], tmp[j - 1], by, reverse) > 0) {
                r->v[--o] = r->v[--i];
                r->idx[o] = r->idx[i];
            } else {
                r->v[--o] = tmp[--j];
                r->idx[o] = r->v[o]->idx;
            }
        }
    } else {
        for (size_t i = 0; i < m; i++) r->idx[k + i] = nv[i]->idx;
    }
    r->n = k + m;
    r->seen = s->appended;
    r->reshuffles = s->reshuffles;
    r->valid = true;
    return full ? 1 : 0;
}

void tui_rows_free(struct tui_rows *r)
{
    free(r->v);
    free(r->idx);
    memset(r, 0, sizeof(*r));
}

/* ---- servers -------------------------------------------------------------- */

static int q_server_fwd(const void *x, const void *y)
{
    return cmp_server(*(struct tui_conn *const *)x, *(struct tui_conn *const *)y);
}

static bool same_failure(const struct tui_conn *a, const struct tui_conn *b)
{
    return a->code == b->code && a->depth == b->depth && strcmp(a->reason, b->reason) == 0;
}

long tui_group_servers(struct tui_conn **conns, size_t n, const char *text, struct tui_server **out)
{
    *out = NULL;
    if (n > 1) qsort(conns, n, sizeof(*conns), q_server_fwd);
    struct tui_server *v = malloc((n ? n : 1) * sizeof(*v));
    if (!v) return -1;
    long m = 0;
    for (size_t i = 0; i < n;) {
        struct tui_server *sv = &v[m++];
        memset(sv, 0, sizeof(*sv));
        tui_server_id_of(conns[i], &sv->id);
        sv->first = conns[i];
        sv->first_ts = sv->last_ts = conns[i]->ts_ns;
        sv->worst_cls = TUI_CLASS__N;
        size_t j = i;
        for (; j < n; j++) {
            const struct tui_conn *c = conns[j];
            struct tui_server_id id;
            tui_server_id_of(c, &id);
            if (tui_server_id_cmp(&id, &sv->id) != 0) break;
            sv->n++;
            sv->count[c->cls]++;
            if (text && text[0] && tui_conn_matches_text(c, text)) sv->matched++;
            if (c->ts_ns > sv->last_ts) sv->last_ts = c->ts_ns;
            /* connections of one server arrive in time order (cmp_server) */
            if (c->cls < sv->worst_cls) {
                sv->worst_cls = c->cls;
                sv->worst = c;
            } else if (c->cls == TUI_CLASS_FAILED && sv->worst_cls == TUI_CLASS_FAILED &&
                       !same_failure(c, sv->worst)) {
                sv->mixed = true;
            }
        }
        i = j;
    }
    *out = v;
    return m;
}

bool tui_server_passes(const struct tui_server *sv, const struct tui_filter *f)
{
    if (!f) return true;
    switch (f->verdict) {
    case TUI_VF_FAILED:
        if (!sv->count[TUI_CLASS_FAILED]) return false;
        break;
    case TUI_VF_NOT_JUDGED:
        if (!sv->count[TUI_CLASS_NOT_JUDGED]) return false;
        break;
    case TUI_VF_TRUSTED:
        if (!sv->count[TUI_CLASS_TRUSTED]) return false;
        break;
    default: break;
    }
    return !f->text[0] || sv->matched > 0;
}

static int srv_cmp(const struct tui_server *a, const struct tui_server *b, enum tui_sort by)
{
    if (by == TUI_SORT_VERDICT) {
        if (a->worst_cls != b->worst_cls) return a->worst_cls < b->worst_cls ? -1 : 1;
        if (a->count[TUI_CLASS_FAILED] != b->count[TUI_CLASS_FAILED])
            return a->count[TUI_CLASS_FAILED] > b->count[TUI_CLASS_FAILED] ? -1 : 1;
    } else if (by == TUI_SORT_TIME) {
        if (a->first_ts != b->first_ts) return a->first_ts < b->first_ts ? -1 : 1;
    }
    return tui_server_id_cmp(&a->id, &b->id);
}

static enum tui_sort srv_sort_by;

static int q_srv(const void *x, const void *y) { return sort_rev * srv_cmp(x, y, srv_sort_by); }

void tui_servers_sort(struct tui_server *v, size_t n, enum tui_sort by, bool reverse)
{
    sort_rev = reverse ? -1 : 1;
    srv_sort_by = by;
    if (n > 1) qsort(v, n, sizeof(*v), q_srv);
}
