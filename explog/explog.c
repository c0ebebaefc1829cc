/* explog.c — reading Expressway diagnostic logs (see explog.h for what and
 * how tolerant).
 *
 * Three stages:
 *   1. lines:   bytes → physical lines (capped) → records (a header line and
 *               its continuation lines, joined, capped);
 *   2. records: the message of a traffic_server record → struct
 *               explog_record (key="value" pairs, or one of the three
 *               bracketed failure texts); strings go to an arena;
 *   3. finish:  records in time order → requests (node, pid, Txn-id) and
 *               failures, each failure tied to the request whose "Sending
 *               Request" went to that server just before it.
 * Every read of the text goes through a struct cursor or an explicit
 * (pointer, length) slice; nothing relies on NUL termination of input.
 */
#include "explog/explog.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cursor.h"
#include "common/timefmt.h"

#define ARENA_CHUNK (256u * 1024u)
#define MAX_KV 64                 /* key="value" pairs read per record */
#define LINK_SCAN_TXNS 512        /* requests looked back at when linking */
#define LINK_SCAN_FAILURES 64     /* failures looked back at for the ERROR line */
#define SSL_PAIR_WINDOW_NS 1000000000LL /* WARNING and its ERROR: same moment */
#define ACCESS_WINDOW_NS 2000000000LL   /* Receive Request → Request Allowed */
#define SEND_DUP_WINDOW_NS 1000000LL    /* INFO and DEBUG copies of one send */

struct slice {
    const char *p;
    size_t n;
};

struct chunk {
    struct chunk *next;
    size_t used, cap;
    char data[];
};

struct file_info {
    char *name;
    uint64_t records;
    /* stats at begin_file, to take back if the file turns out not a log */
    uint64_t lines0, blank0, orphan0, long0, nul0;
};

/* The header of the record being assembled. */
struct pending {
    bool open;
    uint64_t line;
    int64_t ts_ns;
    int tz_min;
    bool has_tz;
    char host[64];
    char prog[32];
    int pid;
};

struct explog {
    struct explog_limits lim;
    struct explog_stats st;
    /* arena */
    struct chunk *chunks;
    size_t text_used;
    bool text_full;
    /* files */
    struct file_info *files;
    size_t n_files, cap_files;
    bool in_file;
    bool finished;
    uint64_t line_no;             /* physical lines of the current file */
    /* line and record assembly */
    char *line;
    size_t line_len;
    bool line_long;
    char *rec;
    size_t rec_len;
    bool rec_long;
    struct pending pend;
    bool skip_record;            /* the open record's time was out of range */
    /* results */
    struct explog_record *recs;
    size_t n_recs, cap_recs;
    struct explog_txn *txns;
    size_t n_txns, cap_txns;
    struct explog_failure *fails;
    size_t n_fails, cap_fails;
};

/* ---- arena ---------------------------------------------------------- */

/* Copy n bytes as a NUL-terminated string; "" (and text_full) when over the
 * cap or out of memory. The returned pointer never moves. */
static const char *arena_strn(struct explog *lg, const char *s, size_t n)
{
    if (n == 0) return "";
    if (lg->text_used + n + 1 > lg->lim.max_text) {
        lg->text_full = true;
        return "";
    }
    struct chunk *c = lg->chunks;
    if (!c || c->cap - c->used < n + 1) {
        size_t cap = n + 1 > ARENA_CHUNK ? n + 1 : ARENA_CHUNK;
        c = malloc(sizeof(*c) + cap);
        if (!c) {
            lg->text_full = true;
            return "";
        }
        c->next = lg->chunks;
        c->used = 0;
        c->cap = cap;
        lg->chunks = c;
    }
    char *d = c->data + c->used;
    memcpy(d, s, n);
    d[n] = '\0';
    c->used += n + 1;
    lg->text_used += n + 1;
    return d;
}

static const char *arena_slice(struct explog *lg, struct slice s) { return arena_strn(lg, s.p, s.n); }

/* Copy without any white space: for URLs, addresses, ids and ports, where a
 * space can only come from a wrapped line. */
static const char *arena_nospace(struct explog *lg, struct slice s)
{
    char buf[EXPLOG_MAX_RECORD];
    size_t k = 0;
    for (size_t i = 0; i < s.n && k < sizeof(buf); i++)
        if (s.p[i] != ' ') buf[k++] = s.p[i];
    return arena_strn(lg, buf, k);
}

/* An address as the captures print it (inet_ntop: IPv6 lower-case and
 * compressed, no brackets), so that "FD00:0:0::1" in a log meets fd00::1
 * on the wire; anything that is not an address is kept (spaces removed). */
static const char *arena_ip(struct explog *lg, struct slice s)
{
    char raw[INET6_ADDRSTRLEN + 8], out[INET6_ADDRSTRLEN];
    size_t k = 0;
    for (size_t i = 0; i < s.n && k + 1 < sizeof(raw); i++)
        if (s.p[i] != ' ' && s.p[i] != '[' && s.p[i] != ']') raw[k++] = s.p[i];
    raw[k] = '\0';
    unsigned char a[16];
    if (inet_pton(AF_INET, raw, a) == 1 && inet_ntop(AF_INET, a, out, sizeof(out)))
        return arena_strn(lg, out, strlen(out));
    if (inet_pton(AF_INET6, raw, a) == 1 && inet_ntop(AF_INET6, a, out, sizeof(out)))
        return arena_strn(lg, out, strlen(out));
    return arena_nospace(lg, s);
}

/* ---- small text helpers over slices ------------------------------------ */

static struct slice sl(const char *p, size_t n)
{
    struct slice s = {p, n};
    return s;
}

static struct slice trim(struct slice s)
{
    while (s.n && s.p[0] == ' ') {
        s.p++;
        s.n--;
    }
    while (s.n && s.p[s.n - 1] == ' ') s.n--;
    return s;
}

static bool starts(struct slice s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n >= n && memcmp(s.p, lit, n) == 0;
}

static bool eq(struct slice s, const char *lit)
{
    return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

/* Offset of lit in s at or after `from`, or -1. */
static long find(struct slice s, size_t from, const char *lit)
{
    size_t n = strlen(lit);
    if (from > s.n || s.n - from < n) return -1;
    const char *hit = memmem(s.p + from, s.n - from, lit, n);
    return hit ? (long)(hit - s.p) : -1;
}

static struct slice sub(struct slice s, size_t from, size_t to)
{
    if (from > s.n) from = s.n;
    if (to > s.n) to = s.n;
    if (to < from) to = from;
    return sl(s.p + from, to - from);
}

/* Non-negative decimal of at most `maxdig` digits, spaces ignored; -1. */
static long parse_num(struct slice s, int maxdig)
{
    long v = 0;
    int d = 0;
    for (size_t i = 0; i < s.n; i++) {
        char ch = s.p[i];
        if (ch == ' ') continue;
        if (ch < '0' || ch > '9' || ++d > maxdig) return -1;
        v = v * 10 + (ch - '0');
    }
    return d ? v : -1;
}

static bool ci_prefix(const char *s, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    if (n < l) return false;
    for (size_t i = 0; i < l; i++)
        if (tolower((unsigned char)s[i]) != tolower((unsigned char)lit[i])) return false;
    return true;
}

/* ---- time ---------------------------------------------------------------- */

static int cur_peekc(const struct cursor *c) { return cur_empty(c) ? -1 : c->p[0]; }

static int cur_digits(struct cursor *c, int n, unsigned *out)
{
    unsigned v = 0;
    struct cursor save = *c;
    for (int i = 0; i < n; i++) {
        uint8_t ch;
        if (cur_u8(c, &ch) || ch < '0' || ch > '9') {
            *c = save;
            return -1;
        }
        v = v * 10 + (unsigned)(ch - '0');
    }
    *out = v;
    return 0;
}

static int cur_char(struct cursor *c, char want)
{
    if (cur_peekc(c) != (unsigned char)want) return -1;
    c->p++;
    return 0;
}

static void cur_spaces(struct cursor *c)
{
    while (cur_peekc(c) == ' ') c->p++;
}

/* "YYYY-MM-DD[T| ]HH:MM:SS[.,]frac" (spaces tolerated between the parts, as
 * a wrapped UTCTime may have them), then optionally "Z" or "+hh:mm"/"+hhmm"
 * when want_tz. Sets the UTC time in ns and the offset. Returns 0, -1 (not
 * a time) or PARSE_TIME_RANGE (a time int64 ns cannot hold; *ts_ns unset). */
#define PARSE_TIME_RANGE (-2)
static int parse_time(struct cursor *c, bool want_tz, int64_t *ts_ns, int *tz_min, bool *has_tz)
{
    unsigned y, mo, d, hh, mi, ss;
    int64_t frac_ns = 0;
    if (cur_digits(c, 4, &y) || cur_char(c, '-') || cur_digits(c, 2, &mo) || cur_char(c, '-') ||
        cur_digits(c, 2, &d))
        return -1;
    if (cur_peekc(c) == 'T') c->p++;
    else if (cur_peekc(c) == ' ') cur_spaces(c);
    else return -1;
    if (cur_digits(c, 2, &hh) || cur_char(c, ':') || cur_digits(c, 2, &mi) || cur_char(c, ':') ||
        cur_digits(c, 2, &ss))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mi > 59 || ss > 60) return -1;
    if (cur_peekc(c) == '.' || cur_peekc(c) == ',') {
        c->p++;
        int nd = 0;
        int64_t scale = 100000000;
        while (cur_peekc(c) >= '0' && cur_peekc(c) <= '9') {
            if (nd++ < 9) {
                frac_ns += (int64_t)(c->p[0] - '0') * scale;
                scale /= 10;
            }
            c->p++;
        }
        if (nd == 0) return -1;
    }
    int off = 0;
    if (has_tz) *has_tz = false;
    if (want_tz) {
        int ch = cur_peekc(c);
        if (ch == 'Z') {
            c->p++;
            if (has_tz) *has_tz = true;
        } else if (ch == '+' || ch == '-') {
            unsigned oh, om = 0;
            c->p++;
            if (cur_digits(c, 2, &oh)) return -1;
            if (cur_peekc(c) == ':') c->p++;
            if (cur_digits(c, 2, &om)) return -1;
            if (oh > 23 || om > 59) return -1;
            off = (ch == '-' ? -1 : 1) * (int)(oh * 60 + om);
            if (has_tz) *has_tz = true;
        }
    }
    /* Range-checked here, where log times enter: int64 ns hold 1677-09-21
     * to 2262-04-11 only (common/timefmt.h time_ns_from). */
    int64_t secs = time_from_civil((int)y, mo, d, hh, mi, ss) - (int64_t)off * 60;
    if (!time_ns_from(secs, frac_ns, ts_ns)) return PARSE_TIME_RANGE;
    if (tz_min) *tz_min = off;
    return 0;
}

/* ---- base64url and routes --------------------------------------------- */

static int b64url_val(unsigned char ch)
{
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '-') return 62;
    if (ch == '_') return 63;
    return -1;
}

long explog_b64url_decode(const char *in, size_t n, uint8_t *out, size_t outcap)
{
    size_t len = n, pad = 0;
    while (len > 0 && in[len - 1] == '=') {
        len--;
        pad++;
    }
    /* RFC 4648 §3.2: padding only completes the last quantum */
    if (pad > 2 || (pad && (n % 4 != 0 || pad != (4 - len % 4) % 4))) return -1;
    if (len % 4 == 1) return -1;
    size_t outlen = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
    if (outlen > outcap) return -2;
    size_t k = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64url_val((unsigned char)in[i]);
        if (v < 0) return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[k++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    /* RFC 4648 §3.5: the pad bits of the last character must be zero */
    if (acc != 0) return -1;
    return (long)k;
}

int explog_route_decode(const char *seg, size_t n, char *buf, size_t buflen,
                        struct explog_route *r)
{
    memset(r, 0, sizeof(*r));
    r->domain = r->protocol = r->host = "";
    r->port = -1;
    if (buflen < 2) return -1;
    long len = explog_b64url_decode(seg, n, (uint8_t *)buf, buflen - 1);
    if (len < 7) return -1; /* "a/b/c/1" at least */
    int slashes = 0;
    for (long i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)buf[i];
        if (ch <= 0x20 || ch >= 0x7f) return -1;
        if (ch == '/') slashes++;
    }
    if (slashes < 3) return -1;
    buf[len] = '\0';
    char *first = memchr(buf, '/', (size_t)len);
    char *second = memchr(first + 1, '/', (size_t)(buf + len - first - 1));
    char *last = strrchr(buf, '/');
    if (first == buf || second == first + 1 || last <= second + 1 || last[1] == '\0') return -1;
    long port = 0;
    for (const char *p = last + 1; *p; p++) {
        if (*p < '0' || *p > '9' || p - last > 5) return -1;
        port = port * 10 + (*p - '0');
    }
    if (port < 1 || port > 65535) return -1;
    for (const char *p = first + 1; p < second; p++)
        if (!isalpha((unsigned char)*p)) return -1;
    *first = *second = *last = '\0';
    r->domain = buf;
    r->protocol = first + 1;
    r->host = second + 1;
    r->port = (int)port;
    r->valid = true;
    return 0;
}

int explog_user_from_path(const char *path, char *user, size_t userlen, char *device,
                          size_t devlen)
{
    if (userlen) user[0] = '\0';
    if (devlen) device[0] = '\0';
    if (!path || userlen < 2) return 0;
    size_t n = strcspn(path, "?#");
    static const char uds[] = "/cucm-uds/user/";
    if (n > sizeof(uds) - 1 && strncmp(path, uds, sizeof(uds) - 1) == 0) {
        const char *u = path + sizeof(uds) - 1;
        size_t ul = strcspn(u, "/?#");
        if (ul > n - (sizeof(uds) - 1)) ul = n - (sizeof(uds) - 1);
        if (ul == 0) return 0;
        snprintf(user, userlen, "%.*s", (int)ul, u);
        return 1;
    }
    /* TFTP configuration files of Jabber devices: CSF (desktop), BOT
     * (Android), TCT (iPhone), TAB (iPad), named after the user. */
    const char *base = path;
    for (size_t i = 0; i < n; i++)
        if (path[i] == '/') base = path + i + 1;
    size_t bl = (size_t)(path + n - base);
    static const char ext[] = ".cnf.xml";
    const size_t el = sizeof(ext) - 1;
    if (bl <= 3 + el || !ci_prefix(base + bl - el, el, ext)) return 0;
    static const char *const prefixes[] = {"CSF", "BOT", "TCT", "TAB"};
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        if (!ci_prefix(base, bl, prefixes[i])) continue;
        snprintf(user, userlen, "%.*s", (int)(bl - el - 3), base + 3);
        if (devlen) snprintf(device, devlen, "%.*s", (int)(bl - el), base);
        return 1;
    }
    return 0;
}

/* ---- lifecycle -------------------------------------------------------- */

void explog_limits_default(struct explog_limits *lim)
{
    lim->max_records = 200000;
    lim->max_txns = 100000;
    lim->max_text = 64u * 1024u * 1024u;
    lim->max_files = 1024;
    lim->link_window_ns = 5000000000LL;
}

struct explog *explog_new(const struct explog_limits *lim)
{
    struct explog *lg = calloc(1, sizeof(*lg));
    if (!lg) return NULL;
    explog_limits_default(&lg->lim);
    if (lim) {
        if (lim->max_records) lg->lim.max_records = lim->max_records;
        if (lim->max_txns) lg->lim.max_txns = lim->max_txns;
        if (lim->max_text) lg->lim.max_text = lim->max_text;
        if (lim->max_files) lg->lim.max_files = lim->max_files;
        if (lim->link_window_ns > 0) lg->lim.link_window_ns = lim->link_window_ns;
    }
    lg->line = malloc(EXPLOG_MAX_LINE + 1);
    lg->rec = malloc(EXPLOG_MAX_RECORD + 1);
    if (!lg->line || !lg->rec) {
        explog_free(lg);
        return NULL;
    }
    return lg;
}

void explog_free(struct explog *lg)
{
    if (!lg) return;
    struct chunk *c = lg->chunks;
    while (c) {
        struct chunk *n = c->next;
        free(c);
        c = n;
    }
    for (size_t i = 0; i < lg->n_files; i++) free(lg->files[i].name);
    free(lg->files);
    free(lg->line);
    free(lg->rec);
    free(lg->recs);
    free(lg->txns);
    free(lg->fails);
    free(lg);
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem, size_t max)
{
    if (need <= *cap) return 0;
    if (need > max) return -1;
    size_t nc = *cap ? *cap * 2 : 64;
    if (nc < need) nc = need;
    if (nc > max) nc = max;
    void *p = realloc(*arr, nc * elem);
    if (!p) return -1;
    *arr = p;
    *cap = nc;
    return 0;
}

/* ---- stage 2: one record ----------------------------------------------- */

struct kv {
    struct slice key, val;
};

struct kvlist {
    struct kv kv[MAX_KV];
    int n;
    struct slice httpmsg;      /* text after "HTTPMSG:", if any */
};

/* Keys a wrapped line may have split without a hyphen ("Tracking" / "ID="). */
static const char *const known_keys[] = {
    "UTCTime", "Module", "Level", "Detail", "Txn-id", "TrackingID", "Src-ip", "Src-port",
    "Dst-ip", "Dst-port", "Last-via-addr", "Msg", "Event", "Reason", "Username", "Deployment",
    "Method", "Request", "Rule", "Match", "Type",
};

static bool known_key(const char *p, size_t n)
{
    for (size_t i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++)
        if (strlen(known_keys[i]) == n && memcmp(known_keys[i], p, n) == 0) return true;
    return false;
}

static bool key_char(char ch)
{
    return isalnum((unsigned char)ch) || ch == '-' || ch == '_' || ch == '.';
}

/* key="value" / key=value pairs; a bare word just before a key is glued to
 * it when together they make a known key. Stops at "HTTPMSG:". */
static void kv_parse(struct slice s, struct kvlist *out)
{
    size_t i = 0;
    struct slice bare = {NULL, 0};
    out->n = 0;
    out->httpmsg.p = NULL;
    out->httpmsg.n = 0;
    while (i < s.n) {
        while (i < s.n && s.p[i] == ' ') i++;
        if (i >= s.n) break;
        if (s.n - i >= 8 && memcmp(s.p + i, "HTTPMSG:", 8) == 0) {
            out->httpmsg = trim(sub(s, i + 8, s.n));
            return;
        }
        size_t k0 = i;
        while (i < s.n && key_char(s.p[i])) i++;
        if (i > k0 && i < s.n && s.p[i] == '=') {
            struct slice key = sl(s.p + k0, i - k0);
            if (bare.p && bare.p + bare.n + 1 == key.p) {
                char joined[64];
                if (bare.n + key.n < sizeof(joined)) {
                    memcpy(joined, bare.p, bare.n);
                    memcpy(joined + bare.n, key.p, key.n);
                    if (known_key(joined, bare.n + key.n) && !known_key(key.p, key.n))
                        key = sl(bare.p, (size_t)(key.p + key.n - bare.p));
                }
            }
            bare.p = NULL;
            i++; /* '=' */
            struct slice val;
            if (i < s.n && s.p[i] == '"') {
                size_t v0 = ++i;
                while (i < s.n && s.p[i] != '"') i++;
                val = sl(s.p + v0, i - v0);
                if (i < s.n) i++;
                while (i < s.n && s.p[i] != ' ') i++; /* Level="INFO": */
            } else {
                size_t v0 = i;
                while (i < s.n && s.p[i] != ' ') i++;
                val = sl(s.p + v0, i - v0);
            }
            if (out->n < MAX_KV) {
                /* a joined key replaces the kv of its first half, if any */
                out->kv[out->n].key = key;
                out->kv[out->n].val = val;
                out->n++;
            }
            continue;
        }
        /* a bare word */
        i = k0;
        while (i < s.n && s.p[i] != ' ') i++;
        bare = sl(s.p + k0, i - k0);
    }
}

static struct slice kv_get(const struct kvlist *l, const char *key)
{
    for (int i = 0; i < l->n; i++) {
        struct slice k = l->kv[i].key;
        /* "Tracking ID" glued above has a space inside; compare without it */
        char buf[64];
        size_t n = 0;
        for (size_t j = 0; j < k.n && n < sizeof(buf); j++)
            if (k.p[j] != ' ') buf[n++] = k.p[j];
        if (n == strlen(key) && memcmp(buf, key, n) == 0) return l->kv[i].val;
    }
    struct slice none = {NULL, 0};
    return none;
}

/* "GET http://h:8443/x HTTP/1.1": method, target (spaces removed), version. */
static int parse_request_line(struct slice s, struct slice *method, struct slice *target)
{
    s = trim(s);
    size_t i = 0;
    while (i < s.n && s.p[i] != ' ') i++;
    if (i == 0 || i > 15) return -1;
    for (size_t k = 0; k < i; k++)
        if (!isupper((unsigned char)s.p[k])) return -1;
    *method = sl(s.p, i);
    struct slice rest = trim(sub(s, i, s.n));
    long v = -1;
    for (long at = find(rest, 0, " HTTP/"); at >= 0; at = find(rest, (size_t)at + 1, " HTTP/"))
        v = at; /* the last one: the version follows the target */
    *target = v >= 0 ? sub(rest, 0, (size_t)v) : rest;
    return target->n ? 0 : -1;
}

/* "HTTP/1.1 502 connect failed" → status, text. */
static int parse_status_line(struct slice s, int *status, struct slice *text)
{
    s = trim(s);
    if (!starts(s, "HTTP/")) return -1;
    size_t i = 0;
    while (i < s.n && s.p[i] != ' ') i++;
    struct slice rest = trim(sub(s, i, s.n));
    size_t j = 0;
    while (j < rest.n && rest.p[j] >= '0' && rest.p[j] <= '9') j++;
    if (j != 3) return -1;
    *status = (int)parse_num(sub(rest, 0, 3), 3);
    *text = trim(sub(rest, 3, rest.n));
    return 0;
}

/* The first line of an HTTPMSG block: "|GET ... HTTP/1.1 |Host: ..." */
static struct slice httpmsg_first_line(struct slice m)
{
    if (m.n && m.p[0] == '|') m = sub(m, 1, m.n);
    long bar = find(m, 0, " |");
    if (bar >= 0) m = sub(m, 0, (size_t)bar);
    /* a request line ends with its version */
    long v = find(m, 0, " HTTP/");
    if (v >= 0) {
        size_t e = (size_t)v + 6;
        while (e < m.n && m.p[e] != ' ') e++;
        m = sub(m, 0, e);
    } else if (starts(m, "HTTP/")) {
        /* status line: keep up to a "..." elision, if any */
        long dots = find(m, 0, " ...");
        if (dots >= 0) m = sub(m, 0, (size_t)dots);
    }
    return trim(m);
}

static bool b64url_charset(struct slice s)
{
    for (size_t i = 0; i < s.n; i++)
        if (b64url_val((unsigned char)s.p[i]) < 0 && s.p[i] != '=') return false;
    return true;
}

/* Fill target/path/route from a request target (spaces already removed). */
static void set_target(struct explog *lg, struct explog_record *r, const char *target,
                       bool route_expected)
{
    r->target = target;
    const char *p = target;
    size_t n = strlen(target);
    if (ci_prefix(p, n, "http://") || ci_prefix(p, n, "https://")) {
        const char *a = strstr(p, "://") + 3;
        const char *slash = strchr(a, '/');
        p = slash ? slash : "/";
    }
    r->path = p;
    if (p[0] != '/') return;
    size_t seg = strcspn(p + 1, "/?#");
    if (seg < 8) return;
    char buf[600];
    struct explog_route rt;
    if (explog_route_decode(p + 1, seg, buf, sizeof(buf), &rt) == 0) {
        r->route.domain = arena_strn(lg, rt.domain, strlen(rt.domain));
        r->route.protocol = arena_strn(lg, rt.protocol, strlen(rt.protocol));
        r->route.host = arena_strn(lg, rt.host, strlen(rt.host));
        r->route.port = rt.port;
        r->route.valid = true;
        r->path = p[1 + seg] ? p + 1 + seg : "/";
    } else if (route_expected && seg >= 16 && b64url_charset(sl(p + 1, seg))) {
        lg->st.bad_routes++;
    }
}

static void record_init(struct explog_record *r)
{
    memset(r, 0, sizeof(*r));
    r->host = r->prog = r->level = r->thread = r->txn_id = r->tracking_id = r->ip = "";
    r->method = r->target = r->path = r->status_text = r->user = r->request_url = r->rule = "";
    r->name = r->error = r->action = r->server_host = r->server_ip = r->ssl_error = "";
    r->message = "";
    r->route.domain = r->route.protocol = r->route.host = "";
    r->route.port = -1;
    r->port = -1;
    r->pid = -1;
    r->status = -1;
    r->depth = -1;
}

/* "HOST(IP)" of server=...; spaces removed. */
static void set_server(struct explog *lg, struct explog_record *r, struct slice v)
{
    v = trim(v);
    long open = -1;
    for (size_t i = 0; i < v.n; i++)
        if (v.p[i] == '(') open = (long)i;
    if (open >= 0) {
        long close = find(v, (size_t)open, ")");
        r->server_host = arena_nospace(lg, sub(v, 0, (size_t)open));
        r->server_ip = arena_ip(lg, sub(v, (size_t)open + 1, close >= 0 ? (size_t)close : v.n));
    } else {
        r->server_host = arena_nospace(lg, v);
    }
}

/* Text after "Action=": the action word, then Error=..., server=..., depth=N,
 * whose values may contain spaces (Error=self signed certificate). */
static void parse_action_tail(struct explog *lg, struct explog_record *r, struct slice t)
{
    long a = find(t, 0, "Action=");
    long e = find(t, 0, "Error=");
    long s = find(t, 0, "server=");
    long d = find(t, 0, "depth=");
    if (a >= 0) {
        size_t a0 = (size_t)a + 7, a1 = a0;
        while (a1 < t.n && t.p[a1] != ' ') a1++;
        r->action = arena_slice(lg, sub(t, a0, a1));
    }
    if (e >= 0) {
        size_t end = s > e ? (size_t)s : d > e ? (size_t)d : t.n;
        r->error = arena_slice(lg, trim(sub(t, (size_t)e + 6, end)));
    }
    if (s >= 0) set_server(lg, r, sub(t, (size_t)s + 7, d > s ? (size_t)d : t.n));
    if (d >= 0) {
        size_t d0 = (size_t)d + 6, d1 = d0;
        while (d1 < t.n && (t.p[d1] == ' ' || (t.p[d1] >= '0' && t.p[d1] <= '9'))) d1++;
        r->depth = (int)parse_num(sub(t, d0, d1), 3);
    }
}

/* The bracketed lines: "[ET_NET 0] WARNING: <text>". Returns 1 when it was
 * one of ours, 0 when not a failure text, -1 when malformed. */
static int parse_failure(struct explog *lg, struct slice m, struct explog_record *r)
{
    struct slice t = m;
    if (t.n && t.p[0] == '[') {
        long close = find(t, 0, "]");
        if (close < 0 || close > 40) return 0;
        r->thread = arena_slice(lg, trim(sub(t, 1, (size_t)close)));
        t = trim(sub(t, (size_t)close + 1, t.n));
    }
    long colon = find(t, 0, ": ");
    if (colon > 0 && colon <= 10) {
        bool word = true;
        for (long i = 0; i < colon; i++)
            if (!isupper((unsigned char)t.p[i])) word = false;
        if (word) {
            r->level = arena_slice(lg, sub(t, 0, (size_t)colon));
            t = trim(sub(t, (size_t)colon + 2, t.n));
        }
    }
    static const char cert[] = "Core server certificate verification failed for (";
    static const char sni[] = "SNI (";
    static const char ssl[] = "SSL connection failed for '";
    if (starts(t, cert)) {
        r->kind = EXPLOG_CERT_FAILED;
        long act = find(t, 0, "Action=");
        size_t n0 = sizeof(cert) - 1;
        size_t end = act >= 0 ? (size_t)act : t.n;
        /* the name ends at the last ')' before Action= */
        long close = -1;
        for (size_t i = n0; i < end; i++)
            if (t.p[i] == ')') close = (long)i;
        if (close < 0) return -1;
        r->name = arena_nospace(lg, sub(t, n0, (size_t)close));
        if (act >= 0) parse_action_tail(lg, r, sub(t, (size_t)act, t.n));
        return r->name[0] ? 1 : -1;
    }
    if (starts(t, sni)) {
        long end = find(t, 0, ") not in certificate");
        if (end < 0) return 0;
        r->kind = EXPLOG_SNI_FAILED;
        r->name = arena_nospace(lg, sub(t, sizeof(sni) - 1, (size_t)end));
        long act = find(t, (size_t)end, "Action=");
        if (act >= 0) parse_action_tail(lg, r, sub(t, (size_t)act, t.n));
        return r->name[0] ? 1 : -1;
    }
    if (starts(t, ssl)) {
        r->kind = EXPLOG_SSL_FAILED;
        size_t n0 = sizeof(ssl) - 1;
        long q = find(t, n0, "':");
        if (q < 0) q = find(t, n0, "'");
        if (q < 0) return -1;
        r->name = arena_nospace(lg, sub(t, n0, (size_t)q));
        size_t e0 = (size_t)q + 1;
        if (e0 < t.n && t.p[e0] == ':') e0++;
        r->ssl_error = arena_slice(lg, trim(sub(t, e0, t.n)));
        return r->name[0] ? 1 : -1;
    }
    return 0;
}

/* Parse the message of a traffic_server record. Returns 1 (a kind we use),
 * 0 (another kind), -1 (our kind but unreadable). */
static int parse_message(struct explog *lg, struct slice m, struct explog_record *r)
{
    if (m.n && m.p[0] == '[') return parse_failure(lg, m, r);
    if (starts(m, "WARNING: ") || starts(m, "ERROR: ")) return parse_failure(lg, m, r);

    struct kvlist kv;
    kv_parse(m, &kv);
    struct slice detail = trim(kv_get(&kv, "Detail"));
    struct slice event = trim(kv_get(&kv, "Event"));
    struct slice utc = kv_get(&kv, "UTCTime");
    if (utc.p) {
        struct cursor c = cur_init(utc.p, utc.n);
        cur_spaces(&c);
        if (parse_time(&c, false, &r->utc_ns, NULL, NULL) == 0) r->has_utc = true;
    }
    struct slice level = trim(kv_get(&kv, "Level"));
    if (level.n) r->level = arena_slice(lg, level);

    if (eq(event, "Request Allowed") || eq(event, "Request Denied")) {
        r->kind = eq(event, "Request Allowed") ? EXPLOG_REQUEST_ALLOWED : EXPLOG_REQUEST_DENIED;
        r->user = arena_nospace(lg, kv_get(&kv, "Username"));
        r->request_url = arena_nospace(lg, kv_get(&kv, "Request"));
        r->rule = arena_nospace(lg, kv_get(&kv, "Rule"));
        r->method = arena_nospace(lg, kv_get(&kv, "Method"));
        if (r->request_url[0]) set_target(lg, r, r->request_url, false);
        return r->request_url[0] ? 1 : -1;
    }
    bool req_recv = eq(detail, "Receive Request"), req_send = eq(detail, "Sending Request");
    bool rsp_recv = eq(detail, "Receive Response"), rsp_send = eq(detail, "Sending Response");
    if (!req_recv && !req_send && !rsp_recv && !rsp_send) return 0;
    r->kind = req_recv ? EXPLOG_RECEIVE_REQUEST
              : req_send ? EXPLOG_SENDING_REQUEST
              : rsp_recv ? EXPLOG_RECEIVE_RESPONSE
                         : EXPLOG_SENDING_RESPONSE;
    r->txn_id = arena_nospace(lg, kv_get(&kv, "Txn-id"));
    r->tracking_id = arena_nospace(lg, kv_get(&kv, "TrackingID"));
    bool src = req_recv || rsp_recv;
    r->ip = arena_ip(lg, kv_get(&kv, src ? "Src-ip" : "Dst-ip"));
    struct slice port = kv_get(&kv, src ? "Src-port" : "Dst-port");
    if (port.p) {
        long pv = parse_num(port, 5);
        r->port = pv >= 0 && pv <= 65535 ? (int)pv : -1;
    }
    struct slice msg = kv_get(&kv, "Msg");
    if (!msg.p && kv.httpmsg.p) msg = httpmsg_first_line(kv.httpmsg);
    if (!r->txn_id[0]) return -1;
    if (!msg.p) return 1; /* the line is still useful for grouping */
    if (req_recv || req_send) {
        struct slice method, target;
        if (parse_request_line(msg, &method, &target) != 0) return -1;
        r->method = arena_slice(lg, method);
        set_target(lg, r, arena_nospace(lg, target), req_recv);
    } else {
        struct slice text;
        if (parse_status_line(msg, &r->status, &text) != 0) return -1;
        r->status_text = arena_slice(lg, text);
    }
    return 1;
}

static void flush_record(struct explog *lg)
{
    struct pending *pd = &lg->pend;
    if (!pd->open) return;
    pd->open = false;
    while (lg->rec_len && lg->rec[lg->rec_len - 1] == ' ') lg->rec_len--;
    lg->rec[lg->rec_len] = '\0';
    if (lg->rec_long) lg->st.long_records++;
    if (strcmp(pd->prog, "traffic_server") != 0) {
        lg->st.other_programs++;
        return;
    }
    if (lg->n_recs >= lg->lim.max_records || lg->text_full) {
        lg->st.dropped_records++;
        return;
    }
    struct explog_record r;
    record_init(&r);
    int rc = parse_message(lg, sl(lg->rec, lg->rec_len), &r);
    if (rc == 0) {
        lg->st.ts_other++;
        return;
    }
    if (rc < 0) {
        lg->st.malformed++;
        return;
    }
    r.file = (uint32_t)(lg->n_files - 1);
    r.line = pd->line;
    r.ts_ns = pd->ts_ns;
    r.tz_offset_min = pd->tz_min;
    if (!pd->has_tz && r.has_utc) r.ts_ns = r.utc_ns; /* no offset: UTCTime says it */
    r.host = arena_strn(lg, pd->host, strlen(pd->host));
    r.prog = arena_strn(lg, pd->prog, strlen(pd->prog));
    r.pid = pd->pid;
    r.message = arena_strn(lg, lg->rec,
                           lg->rec_len > EXPLOG_MAX_MESSAGE ? EXPLOG_MAX_MESSAGE : lg->rec_len);
    if (lg->text_full) {
        lg->st.dropped_records++;
        return;
    }
    if (grow((void **)&lg->recs, &lg->cap_recs, lg->n_recs + 1, sizeof(r), lg->lim.max_records)) {
        lg->st.dropped_records++;
        return;
    }
    lg->recs[lg->n_recs++] = r;
    lg->st.kinds[r.kind]++;
    if (!lg->st.first_ts_ns || r.ts_ns < lg->st.first_ts_ns) lg->st.first_ts_ns = r.ts_ns;
    if (r.ts_ns > lg->st.last_ts_ns) lg->st.last_ts_ns = r.ts_ns;
}

/* ---- stage 1: lines -------------------------------------------------- */

/* Append text to the record, one space for every run of white space. */
static void rec_append(struct explog *lg, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f') {
            if (lg->rec_len == 0 || lg->rec[lg->rec_len - 1] == ' ') continue;
            ch = ' ';
        }
        if (lg->rec_len >= EXPLOG_MAX_RECORD) {
            lg->rec_long = true;
            return;
        }
        lg->rec[lg->rec_len++] = ch;
    }
}

/* "2022-07-11T18:55:26.016+02:00 vcsc traffic_server[18242]: " → header;
 * the cursor is left at the message. */
static int parse_header(struct cursor *c, struct pending *h)
{
    int trc = parse_time(c, true, &h->ts_ns, &h->tz_min, &h->has_tz);
    if (trc == -1) return -1;
    if (cur_peekc(c) != ' ') return -1;
    cur_spaces(c);
    size_t k = 0;
    while (!cur_empty(c) && c->p[0] > ' ' && c->p[0] < 0x7f) {
        if (k + 1 >= sizeof(h->host)) return -1;
        h->host[k++] = (char)*c->p++;
    }
    h->host[k] = '\0';
    if (k == 0 || cur_peekc(c) != ' ') return -1;
    cur_spaces(c);
    k = 0;
    while (!cur_empty(c) && (isalnum(c->p[0]) || c->p[0] == '_' || c->p[0] == '-' ||
                             c->p[0] == '.' || c->p[0] == '/')) {
        if (k + 1 >= sizeof(h->prog)) return -1;
        h->prog[k++] = (char)*c->p++;
    }
    h->prog[k] = '\0';
    if (k == 0) return -1;
    h->pid = -1;
    if (cur_peekc(c) == '[') {
        c->p++;
        long pid = 0;
        int nd = 0;
        while (cur_peekc(c) >= '0' && cur_peekc(c) <= '9') {
            if (++nd > 9) return -1;
            pid = pid * 10 + (*c->p++ - '0');
        }
        if (nd == 0 || cur_char(c, ']')) return -1;
        h->pid = (int)pid;
    }
    if (cur_char(c, ':')) return -1;
    cur_spaces(c);
    return trc; /* PARSE_TIME_RANGE: a record header, but its time is unusable */
}

static void process_line(struct explog *lg)
{
    size_t n = lg->line_len;
    const char *p = lg->line;
    lg->st.lines++;
    lg->line_no++;
    if (lg->line_long) lg->st.long_lines++;
    lg->line_long = false;
    lg->line_len = 0;
    while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
    size_t lead = 0;
    while (lead < n && (p[lead] == ' ' || p[lead] == '\t')) lead++;
    if (lead == n) {
        lg->st.blank_lines++;
        return;
    }
    struct pending h;
    memset(&h, 0, sizeof(h));
    struct cursor c = cur_init(p, n);
    int hrc = lead == 0 ? parse_header(&c, &h) : -1;
    if (hrc == PARSE_TIME_RANGE) {
        /* A record whose time is no date: counted, not used (nor its
         * wrapped lines), never given a saturated or wrapped time. */
        flush_record(lg);
        lg->pend.open = false;
        lg->skip_record = true;
        lg->st.records++;
        lg->st.bad_times++;
        lg->files[lg->n_files - 1].records++;
        return;
    }
    if (hrc == 0) {
        lg->skip_record = false;
        flush_record(lg);
        lg->pend = h;
        lg->pend.open = true;
        lg->pend.line = lg->line_no;
        lg->rec_len = 0;
        lg->rec_long = false;
        lg->st.records++;
        lg->files[lg->n_files - 1].records++;
        rec_append(lg, (const char *)c.p, cur_left(&c));
        return;
    }
    if (!lg->pend.open) {
        if (lg->skip_record) lg->st.joined_lines++;
        else lg->st.orphan_lines++;
        return;
    }
    lg->st.joined_lines++;
    /* Wrapped text: one space, none after a hyphen ("Last-via-" "addr"). */
    if (lg->rec_len && lg->rec[lg->rec_len - 1] == '-') {
        rec_append(lg, p + lead, n - lead);
    } else {
        rec_append(lg, " ", 1);
        rec_append(lg, p + lead, n - lead);
    }
}

int explog_begin_file(struct explog *lg, const char *name)
{
    if (lg->finished || lg->in_file) return EXPLOG_EINVAL;
    if (lg->n_files >= lg->lim.max_files) return EXPLOG_EINVAL;
    if (grow((void **)&lg->files, &lg->cap_files, lg->n_files + 1, sizeof(*lg->files),
             lg->lim.max_files))
        return EXPLOG_ENOMEM;
    struct file_info *f = &lg->files[lg->n_files];
    f->name = strdup(name ? name : "");
    f->records = 0;
    f->lines0 = lg->st.lines;
    f->blank0 = lg->st.blank_lines;
    f->orphan0 = lg->st.orphan_lines;
    f->long0 = lg->st.long_lines;
    f->nul0 = lg->st.nul_bytes;
    if (!f->name) return EXPLOG_ENOMEM;
    lg->n_files++;
    lg->in_file = true;
    lg->line_no = 0;
    lg->line_len = 0;
    lg->line_long = false;
    lg->pend.open = false;
    lg->skip_record = false;
    return EXPLOG_OK;
}

int explog_feed(struct explog *lg, const void *data, size_t n)
{
    if (!lg->in_file) return EXPLOG_EINVAL;
    struct cursor c = cur_init(data, n);
    lg->st.bytes += n;
    while (!cur_empty(&c)) {
        const uint8_t *nl = memchr(c.p, '\n', cur_left(&c));
        size_t take = nl ? (size_t)(nl - c.p) : cur_left(&c);
        const uint8_t *piece = c.p;
        (void)cur_skip(&c, take);
        for (size_t i = 0; i < take; i++) {
            if (lg->line_len >= EXPLOG_MAX_LINE) {
                lg->line_long = true;
                break;
            }
            char ch = (char)piece[i];
            if (ch == '\0') {
                lg->st.nul_bytes++;
                ch = ' ';
            }
            lg->line[lg->line_len++] = ch;
        }
        if (nl) {
            (void)cur_skip(&c, 1);
            process_line(lg);
        }
    }
    return EXPLOG_OK;
}

int explog_end_file(struct explog *lg)
{
    if (!lg->in_file) return EXPLOG_EINVAL;
    if (lg->line_len || lg->line_long) process_line(lg);
    flush_record(lg);
    lg->in_file = false;
    struct file_info *f = &lg->files[lg->n_files - 1];
    if (f->records == 0) {
        /* not a log (a configuration dump, a README): its lines are not
         * "skipped log lines" */
        lg->st.text_files++;
        lg->st.text_lines += lg->st.lines - f->lines0;
        lg->st.lines = f->lines0;
        lg->st.blank_lines = f->blank0;
        lg->st.orphan_lines = f->orphan0;
        lg->st.long_lines = f->long0;
        lg->st.nul_bytes = f->nul0;
    }
    return EXPLOG_OK;
}

/* ---- stage 3: requests and failures ------------------------------------ */

static int rec_cmp(const void *a, const void *b)
{
    const struct explog_record *x = a, *y = b;
    if (x->ts_ns != y->ts_ns) return x->ts_ns < y->ts_ns ? -1 : 1;
    if (x->file != y->file) return x->file < y->file ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

static uint64_t txn_hash(const char *host, int pid, const char *id)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = host; *p; p++) h = (h ^ (uint8_t)*p) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;
    h = (h ^ (uint32_t)pid) * 1099511628211ULL;
    for (const char *p = id; *p; p++) h = (h ^ (uint8_t)*p) * 1099511628211ULL;
    return h;
}

static bool same_proc(const struct explog_txn *t, const struct explog_record *r)
{
    return t->pid == r->pid && strcmp(t->host, r->host) == 0;
}

struct txn_table {
    int32_t *slot; /* txn index + 1; 0 = empty */
    size_t mask;
};

static struct explog_txn *txn_get(struct explog *lg, struct txn_table *tt,
                                  const struct explog_record *r)
{
    uint64_t h = txn_hash(r->host, r->pid, r->txn_id);
    for (size_t i = (size_t)h & tt->mask, probes = 0; probes <= tt->mask;
         i = (i + 1) & tt->mask, probes++) {
        int32_t s = tt->slot[i];
        if (s == 0) {
            if (lg->n_txns >= lg->lim.max_txns ||
                grow((void **)&lg->txns, &lg->cap_txns, lg->n_txns + 1, sizeof(*lg->txns),
                     lg->lim.max_txns)) {
                lg->st.dropped_txns++;
                return NULL;
            }
            struct explog_txn *t = &lg->txns[lg->n_txns];
            memset(t, 0, sizeof(*t));
            t->host = r->host;
            t->pid = r->pid;
            t->txn_id = r->txn_id;
            t->tracking_id = "";
            t->user = t->user_from = t->device = "";
            t->first_ts_ns = r->ts_ns;
            tt->slot[i] = (int32_t)++lg->n_txns;
            return t;
        }
        struct explog_txn *t = &lg->txns[s - 1];
        if (t->pid == r->pid && strcmp(t->txn_id, r->txn_id) == 0 && strcmp(t->host, r->host) == 0)
            return t;
    }
    lg->st.dropped_txns++;
    return NULL;
}

static void txn_add_send(struct explog_txn *t, const struct explog_record *r)
{
    for (int i = 0; i < t->n_sends; i++) {
        const struct explog_record *s = t->sends[i];
        /* the INFO and DEBUG lines of one attempt */
        if (s->port == r->port && strcmp(s->ip, r->ip) == 0 &&
            r->ts_ns - s->ts_ns <= SEND_DUP_WINDOW_NS && strcmp(s->level, r->level) != 0)
            return;
    }
    if (t->n_sends < EXPLOG_TXN_MAX_SENDS) t->sends[t->n_sends++] = r;
}

/* The URL a request was for, as Request Allowed writes it:
 * "https://cucm.steven.lab:8443/cucm-uds/user/emusk/devices". */
static bool access_matches(const struct explog_record *recv, const struct explog_record *acc,
                           bool exact)
{
    if (exact) {
        char url[1200];
        if (!recv->route.valid) return false;
        snprintf(url, sizeof(url), "%s://%s:%d%s", recv->route.protocol, recv->route.host,
                 recv->route.port, recv->path);
        return strcasecmp(url, acc->request_url) == 0;
    }
    return recv->path[0] && strcmp(recv->path, acc->path) == 0;
}

static void link_access(struct explog *lg, const struct explog_record *r)
{
    size_t lo = lg->n_txns > LINK_SCAN_TXNS ? lg->n_txns - LINK_SCAN_TXNS : 0;
    for (int exact = 1; exact >= 0; exact--) {
        for (size_t i = lg->n_txns; i-- > lo;) {
            struct explog_txn *t = &lg->txns[i];
            if (!t->receive || t->access || !same_proc(t, r)) continue;
            int64_t dt = r->ts_ns - t->receive->ts_ns;
            if (dt < 0 || dt > ACCESS_WINDOW_NS) continue;
            if (!access_matches(t->receive, r, exact)) continue;
            t->access = r;
            return;
        }
    }
    lg->st.unlinked_access++;
}

static bool add_failure(struct explog *lg, struct explog_failure *f)
{
    if (grow((void **)&lg->fails, &lg->cap_fails, lg->n_fails + 1, sizeof(*f),
             lg->lim.max_records))
        return false;
    lg->fails[lg->n_fails++] = *f;
    return true;
}

/* The request whose latest Sending Request before the failure went to this
 * server (by IP, or by name when the line has no IP) and that had not been
 * answered yet. */
static void link_failure(struct explog *lg, struct explog_failure *f)
{
    const struct explog_record *r = f->rec;
    size_t lo = lg->n_txns > LINK_SCAN_TXNS ? lg->n_txns - LINK_SCAN_TXNS : 0;
    int best_t = -1, best_s = -1;
    int64_t best_ts = INT64_MIN;
    bool best_free = false;
    for (size_t i = lg->n_txns; i-- > lo;) {
        struct explog_txn *t = &lg->txns[i];
        if (!same_proc(t, r)) continue;
        if (t->reply && t->reply->ts_ns < r->ts_ns) continue;
        for (int k = 0; k < t->n_sends; k++) {
            const struct explog_record *s = t->sends[k];
            int64_t dt = r->ts_ns - s->ts_ns;
            if (dt < 0 || dt > lg->lim.link_window_ns) continue;
            bool hit = f->server_ip[0] ? strcmp(s->ip, f->server_ip) == 0
                                       : strcmp(s->ip, f->name) == 0 ||
                                             (t->receive && t->receive->route.valid &&
                                              strcasecmp(t->receive->route.host, f->name) == 0);
            if (!hit) continue;
            /* concurrent requests to one server: an attempt that has its
             * failure already is the last choice */
            bool free_send = true;
            for (int q = 0; q < t->n_failures; q++)
                if (lg->fails[t->failure_index[q]].send == k) free_send = false;
            if ((free_send && !best_free) || (free_send == best_free && s->ts_ns > best_ts)) {
                best_ts = s->ts_ns;
                best_t = (int)i;
                best_s = k;
                best_free = free_send;
            }
        }
    }
    if (best_t < 0) {
        lg->st.unlinked_failures++;
        return;
    }
    struct explog_txn *t = &lg->txns[best_t];
    f->txn = best_t;
    f->send = best_s;
    f->port = t->sends[best_s]->port;
    if (!f->server_ip[0]) f->server_ip = t->sends[best_s]->ip;
    if (t->n_failures < EXPLOG_TXN_MAX_FAILURES)
        t->failure_index[t->n_failures++] = (int)lg->n_fails;
}

static void failure_from(struct explog_failure *f, const struct explog_record *r)
{
    memset(f, 0, sizeof(*f));
    f->kind = r->kind;
    f->rec = r;
    f->txn = f->send = -1;
    f->name = r->name;
    f->server_host = r->server_host;
    f->server_ip = r->server_ip;
    f->port = -1;
    f->depth = r->depth;
    f->error = r->error;
    f->ts_ns = r->ts_ns;
}

static void add_ssl_line(struct explog *lg, const struct explog_record *r)
{
    size_t lo = lg->n_fails > LINK_SCAN_FAILURES ? lg->n_fails - LINK_SCAN_FAILURES : 0;
    for (size_t i = lg->n_fails; i-- > lo;) {
        struct explog_failure *f = &lg->fails[i];
        if (f->ssl || f->kind == EXPLOG_SSL_FAILED) continue;
        if (f->rec->pid != r->pid || strcmp(f->rec->host, r->host) != 0) continue;
        if (r->ts_ns - f->ts_ns > SSL_PAIR_WINDOW_NS || r->ts_ns < f->ts_ns) continue;
        if (strcasecmp(f->name, r->name) != 0) continue;
        f->ssl = r;
        return;
    }
    struct explog_failure f;
    failure_from(&f, r);
    f.ssl = r;
    link_failure(lg, &f);
    if (!add_failure(lg, &f) && f.txn >= 0) lg->txns[f.txn].n_failures--;
}

static void txn_user(struct explog_txn *t)
{
    if (t->access && t->access->user[0]) {
        t->user = t->access->user;
        t->user_from = "Username";
    }
}

int explog_finish(struct explog *lg)
{
    if (lg->finished) return EXPLOG_OK;
    if (lg->in_file) explog_end_file(lg);
    lg->finished = true;
    if (lg->n_recs > 1) qsort(lg->recs, lg->n_recs, sizeof(*lg->recs), rec_cmp);

    struct txn_table tt;
    size_t want = 2 * (lg->n_recs < lg->lim.max_txns ? lg->n_recs : lg->lim.max_txns) + 16;
    size_t size = 16;
    while (size < want) size *= 2;
    tt.slot = calloc(size, sizeof(*tt.slot));
    tt.mask = size - 1;
    if (!tt.slot) return EXPLOG_ENOMEM;

    for (size_t i = 0; i < lg->n_recs; i++) {
        const struct explog_record *r = &lg->recs[i];
        struct explog_txn *t = NULL;
        switch (r->kind) {
        case EXPLOG_RECEIVE_REQUEST:
        case EXPLOG_SENDING_REQUEST:
        case EXPLOG_RECEIVE_RESPONSE:
        case EXPLOG_SENDING_RESPONSE:
            t = txn_get(lg, &tt, r);
            if (!t) break;
            if (!t->tracking_id[0] && r->tracking_id[0]) t->tracking_id = r->tracking_id;
            if (r->kind == EXPLOG_RECEIVE_REQUEST && !t->receive) t->receive = r;
            if (r->kind == EXPLOG_SENDING_REQUEST) txn_add_send(t, r);
            if (r->kind == EXPLOG_RECEIVE_RESPONSE && !t->response) t->response = r;
            if (r->kind == EXPLOG_SENDING_RESPONSE && !t->reply) t->reply = r;
            break;
        case EXPLOG_REQUEST_ALLOWED:
        case EXPLOG_REQUEST_DENIED:
            link_access(lg, r);
            break;
        case EXPLOG_CERT_FAILED:
        case EXPLOG_SNI_FAILED: {
            struct explog_failure f;
            failure_from(&f, r);
            link_failure(lg, &f);
            if (!add_failure(lg, &f) && f.txn >= 0) lg->txns[f.txn].n_failures--;
            break;
        }
        case EXPLOG_SSL_FAILED:
            add_ssl_line(lg, r);
            break;
        default:
            break;
        }
    }
    free(tt.slot);

    /* who each request was for */
    for (size_t i = 0; i < lg->n_txns; i++) {
        struct explog_txn *t = &lg->txns[i];
        txn_user(t);
        if (t->user[0]) continue;
        const char *path = t->receive ? t->receive->path : t->n_sends ? t->sends[0]->path : "";
        char user[64], dev[64];
        if (explog_user_from_path(path, user, sizeof(user), dev, sizeof(dev))) {
            t->user = arena_strn(lg, user, strlen(user));
            t->device = arena_strn(lg, dev, strlen(dev));
            t->user_from = dev[0] ? "device name" : "path";
        }
    }
    return EXPLOG_OK;
}

/* ---- accessors ---------------------------------------------------------- */

const struct explog_stats *explog_stats(const struct explog *lg) { return &lg->st; }
size_t explog_n_files(const struct explog *lg) { return lg->n_files; }
const char *explog_file_name(const struct explog *lg, size_t i)
{
    return i < lg->n_files ? lg->files[i].name : "";
}
uint64_t explog_file_records(const struct explog *lg, size_t i)
{
    return i < lg->n_files ? lg->files[i].records : 0;
}
size_t explog_n_records(const struct explog *lg) { return lg->n_recs; }
const struct explog_record *explog_record(const struct explog *lg, size_t i)
{
    return i < lg->n_recs ? &lg->recs[i] : NULL;
}
size_t explog_n_txns(const struct explog *lg) { return lg->n_txns; }
const struct explog_txn *explog_txn(const struct explog *lg, size_t i)
{
    return i < lg->n_txns ? &lg->txns[i] : NULL;
}
size_t explog_n_failures(const struct explog *lg) { return lg->n_fails; }
const struct explog_failure *explog_failure(const struct explog *lg, size_t i)
{
    return i < lg->n_fails ? &lg->fails[i] : NULL;
}

const char *explog_kind_name(enum explog_kind k)
{
    switch (k) {
    case EXPLOG_RECEIVE_REQUEST: return "receive_request";
    case EXPLOG_SENDING_REQUEST: return "sending_request";
    case EXPLOG_RECEIVE_RESPONSE: return "receive_response";
    case EXPLOG_SENDING_RESPONSE: return "sending_response";
    case EXPLOG_REQUEST_ALLOWED: return "request_allowed";
    case EXPLOG_REQUEST_DENIED: return "request_denied";
    case EXPLOG_CERT_FAILED: return "certificate_verification_failed";
    case EXPLOG_SNI_FAILED: return "sni_not_in_certificate";
    case EXPLOG_SSL_FAILED: return "ssl_connection_failed";
    default: return "unknown";
    }
}
