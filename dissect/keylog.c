/* keylog.c — NSS key log text into a table of TLS 1.3 handshake secrets keyed
 * by client random. Format: NSS "Key Log Format" (the one SSLKEYLOGFILE
 * writes; also draft-ietf-tls-keylogfile). See keylog.h for what is kept.
 */
#include "keylog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cursor.h"

#define KEYLOG_MAX_FILE (256u * 1024 * 1024)

struct keylog {
    struct keylog_secrets *slots; /* open addressing; an all-zero random = empty */
    uint32_t cap;                 /* power of two */
    struct keylog_stats st;
};

/* Labels that are key log lines but carry nothing tlsscope uses. */
static const char *const other_labels[] = {
    "CLIENT_RANDOM",                 /* TLS 1.2 master secret */
    "RSA",                           /* premaster by encrypted premaster prefix */
    "CLIENT_EARLY_TRAFFIC_SECRET",
    "CLIENT_TRAFFIC_SECRET_0",
    "SERVER_TRAFFIC_SECRET_0",
    "EARLY_EXPORTER_SECRET",
    "EXPORTER_SECRET",
    "EARLY_EXPORTER_MASTER_SECRET",
    "EXPORTER_MASTER_SECRET",
};

enum label_kind { LABEL_CLIENT_HS, LABEL_SERVER_HS, LABEL_OTHER, LABEL_UNKNOWN };

static enum label_kind label_of(const uint8_t *p, size_t n)
{
    if (n == 31 && memcmp(p, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", 31) == 0) return LABEL_CLIENT_HS;
    if (n == 31 && memcmp(p, "SERVER_HANDSHAKE_TRAFFIC_SECRET", 31) == 0) return LABEL_SERVER_HS;
    for (size_t i = 0; i < sizeof other_labels / sizeof other_labels[0]; i++)
        if (strlen(other_labels[i]) == n && memcmp(p, other_labels[i], n) == 0) return LABEL_OTHER;
    return LABEL_UNKNOWN;
}

static int hexval(uint8_t ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* Decode exactly n hex digits (n even) into out. */
static bool unhex(const uint8_t *p, size_t n, uint8_t *out)
{
    for (size_t i = 0; i + 1 < n; i += 2) {
        int hi = hexval(p[i]), lo = hexval(p[i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/* The next field: bytes up to a space or tab (which are skipped after). */
static struct cursor next_field(struct cursor *line)
{
    struct cursor f = {line->p, line->p};
    while (f.end < line->end && *f.end != ' ' && *f.end != '\t') f.end++;
    line->p = f.end;
    while (line->p < line->end && (*line->p == ' ' || *line->p == '\t')) line->p++;
    return f;
}

/* The next line of text (without its '\n'; the last may lack one). */
static struct cursor next_line(struct cursor *all)
{
    const uint8_t *nl = memchr(all->p, '\n', cur_left(all));
    struct cursor line = cur_init(NULL, 0);
    cur_sub(all, nl ? (size_t)(nl - all->p) : cur_left(all), &line);
    if (nl) cur_skip(all, 1);
    return line;
}

static uint32_t hash_random(const uint8_t r[32])
{
    /* the random is uniformly random already (RFC 8446 §4.1.2); but a
     * hostile key log may choose it, so mix it all (FNV-1a) */
    uint32_t h = 2166136261u;
    for (int i = 0; i < 32; i++) h = (h ^ r[i]) * 16777619u;
    return h;
}

static bool is_empty_slot(const struct keylog_secrets *s)
{
    return s->client_hs_len == 0 && s->server_hs_len == 0;
}

static struct keylog_secrets *slot_for(struct keylog_secrets *slots, uint32_t cap,
                                       const uint8_t r[32])
{
    uint32_t i = hash_random(r) & (cap - 1);
    for (;;) { /* the table is never more than half full: terminates */
        struct keylog_secrets *s = &slots[i];
        if (is_empty_slot(s) || memcmp(s->client_random, r, 32) == 0) return s;
        i = (i + 1) & (cap - 1);
    }
}

static bool grow(struct keylog *kl)
{
    uint32_t ncap = kl->cap ? kl->cap * 2 : 1024;
    struct keylog_secrets *ns = calloc(ncap, sizeof *ns);
    if (!ns) return false;
    for (uint32_t i = 0; i < kl->cap; i++)
        if (!is_empty_slot(&kl->slots[i]))
            *slot_for(ns, ncap, kl->slots[i].client_random) = kl->slots[i];
    free(kl->slots);
    kl->slots = ns;
    kl->cap = ncap;
    return true;
}

struct keylog *keylog_new(void) { return calloc(1, sizeof(struct keylog)); }

void keylog_free(struct keylog *kl)
{
    if (!kl) return;
    free(kl->slots);
    free(kl);
}

static void problem(struct keylog *kl, const char *source, uint64_t line, const char *what)
{
    kl->st.malformed++;
    if (kl->st.n_problems >= KEYLOG_MAX_PROBLEMS) return;
    snprintf(kl->st.problems[kl->st.n_problems++], sizeof kl->st.problems[0],
             "%.40s line %llu: %s", source, (unsigned long long)line, what);
}

/* Store one secret; true if stored. */
static bool store(struct keylog *kl, const uint8_t random[32], bool server, const uint8_t *sec,
                  uint8_t len)
{
    struct keylog_secrets *s = kl->slots ? slot_for(kl->slots, kl->cap, random) : NULL;
    if (!s || is_empty_slot(s)) {
        if (kl->st.clients >= KEYLOG_MAX_CLIENTS) {
            kl->st.capped++;
            return false;
        }
        if ((uint64_t)(kl->st.clients + 1) * 2 > kl->cap) {
            if (!grow(kl)) {
                kl->st.capped++;
                return false;
            }
        }
        s = slot_for(kl->slots, kl->cap, random);
        memcpy(s->client_random, random, 32);
        kl->st.clients++;
    }
    uint8_t *dst = server ? s->server_hs : s->client_hs;
    uint8_t *dlen = server ? &s->server_hs_len : &s->client_hs_len;
    if (*dlen) {
        if (*dlen != len || memcmp(dst, sec, len) != 0) kl->st.conflicting++;
        return false; /* the same line twice (two key logs of one run) is normal */
    }
    memcpy(dst, sec, len);
    *dlen = len;
    kl->st.secrets++;
    return true;
}

static bool one_line(struct keylog *kl, const char *source, uint64_t no, struct cursor line)
{
    uint8_t random[32], secret[KEYLOG_MAX_SECRET];
    /* tolerate CRLF and trailing blanks (files edited on Windows) */
    while (line.end > line.p && (line.end[-1] == '\r' || line.end[-1] == ' ' ||
                                 line.end[-1] == '\t'))
        line.end--;
    while (line.p < line.end && (*line.p == ' ' || *line.p == '\t')) line.p++;
    if (cur_empty(&line) || *line.p == '#') return false;
    struct cursor label = next_field(&line);
    struct cursor rnd = next_field(&line);
    struct cursor sec = next_field(&line);
    enum label_kind k = label_of(label.p, cur_left(&label));
    if (!cur_empty(&line) || cur_empty(&sec)) {
        problem(kl, source, no, "not three fields (LABEL CLIENT_RANDOM SECRET)");
        return false;
    }
    for (const uint8_t *q = label.p; q < label.end; q++)
        if (!((*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '_')) {
            problem(kl, source, no, "label is not A-Z, 0-9 and _");
            return false;
        }
    if (k == LABEL_OTHER || k == LABEL_UNKNOWN) {
        kl->st.ignored++;
        return false;
    }
    if (cur_left(&rnd) != 64 || !unhex(rnd.p, 64, random)) {
        problem(kl, source, no, "client random is not 64 hex digits");
        return false;
    }
    size_t sl = cur_left(&sec);
    /* RFC 8446 §7.1: a secret is Hash.length bytes: 32 (SHA-256) or 48 (SHA-384) */
    if (sl % 2 || sl / 2 < 32 || sl / 2 > KEYLOG_MAX_SECRET || !unhex(sec.p, sl, secret)) {
        problem(kl, source, no, "secret is not 64 to 128 hex digits");
        return false;
    }
    return store(kl, random, k == LABEL_SERVER_HS, secret, (uint8_t)(sl / 2));
}

uint64_t keylog_add_text(struct keylog *kl, const char *source, const uint8_t *p, size_t n)
{
    struct cursor all = cur_init(p, n);
    uint64_t stored = 0, no = 0; /* line numbers count within this text */
    while (!cur_empty(&all)) {
        struct cursor line = next_line(&all);
        size_t len = cur_left(&line);
        kl->st.lines++;
        no++;
        if (len > KEYLOG_MAX_LINE) {
            problem(kl, source, no, "line longer than 1024 bytes");
            continue;
        }
        stored += one_line(kl, source, no, line);
    }
    return stored;
}

int keylog_add_file(struct keylog *kl, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "--keylog %.200s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 0, len = 0;
    uint8_t *buf = NULL;
    for (;;) {
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            uint8_t *nb;
            if (ncap > KEYLOG_MAX_FILE || !(nb = realloc(buf, ncap))) {
                snprintf(err, errlen, "--keylog %.200s: larger than %u MiB", path,
                         KEYLOG_MAX_FILE >> 20);
                free(buf);
                fclose(f);
                return -1;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "--keylog %.200s: read error", path);
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    const char *base = strrchr(path, '/');
    keylog_add_text(kl, base ? base + 1 : path, buf, len);
    free(buf);
    return 0;
}

bool keylog_text_looks_like(const uint8_t *p, size_t n)
{
    struct cursor all = cur_init(p, n);
    while (!cur_empty(&all)) {
        struct cursor line = next_line(&all);
        if (cur_empty(&line) || *line.p == '#' || *line.p == '\r') continue;
        struct cursor label = next_field(&line);
        struct cursor rnd = next_field(&line);
        uint8_t r[32];
        return label_of(label.p, cur_left(&label)) != LABEL_UNKNOWN && cur_left(&rnd) == 64 &&
               unhex(rnd.p, 64, r);
    }
    return false;
}

const struct keylog_secrets *keylog_find(const struct keylog *kl, const uint8_t random[32])
{
    if (!kl || !kl->slots) return NULL;
    const struct keylog_secrets *s = slot_for(kl->slots, kl->cap, random);
    return is_empty_slot(s) ? NULL : s;
}

const struct keylog_stats *keylog_stats(const struct keylog *kl) { return &kl->st; }
