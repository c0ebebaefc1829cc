/* bundle.c — listing diagnostic bundles, directories and files by content,
 * and streaming their members (see bundle.h for the model and the caps).
 *
 * One stream type serves everything: raw bytes from a libarchive entry or a
 * plain FILE, an optional gzip layer (zlib, recognised by the 1f 8b magic,
 * concatenated gzip members followed), then the caps. Listing reads each
 * member's first BUNDLE_HEAD bytes through it to classify; text continues
 * into the sink; libpcap gets the same stream behind a fopencookie FILE.
 */
#include "capture/bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "common/escape.h"

#define ARCHIVE_BLOCK 65536
#define ZIN 65536

/* ---- budget --------------------------------------------------------- */

static void budget_add(struct bundle_budget *bg, uint64_t n)
{
    if (!bg) return;
    bg->used = bg->used + n < bg->used ? UINT64_MAX : bg->used + n;
    if (bg->max && bg->used > bg->max) bg->exhausted = true;
}

/* An archive handle and what of its decompression was counted. Only
 * compressed tar streams (a filter) and formats that compress per entry
 * (zip, 7z, ...) cost decompression; plain tar is not counted. */
struct arch {
    struct archive *a;
    bool filtered;        /* gzip/bzip2/xz/... around the archive */
    bool entry_compressed;/* format compresses entries itself (not tar/cpio/ar) */
    int64_t seen;         /* archive_filter_bytes(a, 0) already counted */
};

static void arch_account(struct arch *ar, struct bundle_budget *bg)
{
    if (!ar->filtered) return;
    int64_t now = archive_filter_bytes(ar->a, 0);
    if (now > ar->seen) {
        budget_add(bg, (uint64_t)(now - ar->seen));
        ar->seen = now;
    }
}

static void arch_setup(struct arch *ar)
{
    ar->filtered = archive_filter_count(ar->a) > 1 ||
                   archive_filter_code(ar->a, 0) != ARCHIVE_FILTER_NONE;
    ar->seen = archive_filter_bytes(ar->a, 0);
    int fmt = archive_format(ar->a) & ARCHIVE_FORMAT_BASE_MASK;
    ar->entry_compressed = fmt != ARCHIVE_FORMAT_TAR && fmt != ARCHIVE_FORMAT_CPIO &&
                           fmt != ARCHIVE_FORMAT_AR && fmt != 0;
}

static struct archive *arch_new(void)
{
    struct archive *a = archive_read_new();
    if (!a) return NULL;
    archive_read_support_filter_all(a);
    archive_read_support_format_all(a);
    return a;
}

/* ---- streams ---------------------------------------------------------- */

struct bundle_stream {
    struct arch *ar;          /* archive entry source, or NULL */
    bool own_arch;            /* free the archive on close */
    struct arch arch_store;
    FILE *file;               /* plain file source, or NULL */
    uint8_t peek[2];
    size_t peek_len, peek_off;
    bool started;             /* magic looked at */
    bool gz;
    bool z_init;
    z_stream z;
    uint8_t *zin;
    bool raw_eof;
    bool z_end;               /* a gzip member ended and no other follows */
    uint64_t max, out;
    int64_t size;             /* declared size of the member; -1 */
    struct bundle_budget *budget;
    bool capped;
    bool capped_budget;       /* by the total budget, not max_member */
    char cap_text[120];
    bool failed;
    char err[300];
};

static void bs_fail(struct bundle_stream *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bs_fail(struct bundle_stream *s, const char *fmt, ...)
{
    if (s->failed) return;
    s->failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof(s->err), fmt, ap);
    va_end(ap);
}

/* Raw bytes of the member: 0 at the end, -1 on error. */
static ssize_t raw_read(struct bundle_stream *s, uint8_t *buf, size_t n)
{
    if (s->peek_off < s->peek_len) {
        size_t k = s->peek_len - s->peek_off;
        if (k > n) k = n;
        memcpy(buf, s->peek + s->peek_off, k);
        s->peek_off += k;
        return (ssize_t)k;
    }
    if (s->failed) return -1;
    if (s->ar) {
        la_ssize_t got = archive_read_data(s->ar->a, buf, n);
        arch_account(s->ar, s->budget);
        if (got < 0) {
            bs_fail(s, "%s", archive_error_string(s->ar->a) ? archive_error_string(s->ar->a)
                                                             : "archive read error");
            return -1;
        }
        if (s->ar->entry_compressed) budget_add(s->budget, (uint64_t)got);
        return got;
    }
    size_t got = fread(buf, 1, n, s->file);
    if (got == 0 && ferror(s->file)) {
        bs_fail(s, "%s", strerror(errno ? errno : EIO));
        return -1;
    }
    return (ssize_t)got;
}

/* Look at the first two bytes once: gzip or not. */
static int bs_start(struct bundle_stream *s)
{
    s->started = true;
    while (s->peek_len < 2) {
        ssize_t got = raw_read(s, s->peek + s->peek_len, 2 - s->peek_len);
        if (got < 0) return -1;
        if (got == 0) break;
        s->peek_len += (size_t)got;
    }
    if (s->peek_len == 2 && s->peek[0] == 0x1f && s->peek[1] == 0x8b) {
        s->zin = malloc(ZIN);
        if (!s->zin) {
            bs_fail(s, "out of memory");
            return -1;
        }
        memset(&s->z, 0, sizeof(s->z));
        if (inflateInit2(&s->z, 15 + 16) != Z_OK) {
            bs_fail(s, "zlib: cannot initialise");
            return -1;
        }
        s->z_init = true;
        s->gz = true;
    }
    return 0;
}

/* Decompressed bytes (before the caps). */
static ssize_t dec_read(struct bundle_stream *s, uint8_t *buf, size_t n)
{
    if (!s->started && bs_start(s) < 0) return -1;
    if (!s->gz) return raw_read(s, buf, n);
    if (s->z_end) return 0;
    s->z.next_out = buf;
    s->z.avail_out = n > UINT_MAX ? UINT_MAX : (unsigned)n;
    while (s->z.avail_out == (n > UINT_MAX ? UINT_MAX : (unsigned)n)) {
        if (s->z.avail_in == 0 && !s->raw_eof) {
            ssize_t got = raw_read(s, s->zin, ZIN);
            if (got < 0) return -1;
            if (got == 0) s->raw_eof = true;
            s->z.next_in = s->zin;
            s->z.avail_in = (unsigned)got;
        }
        int rc = inflate(&s->z, Z_NO_FLUSH);
        if (rc == Z_STREAM_END) {
            /* RFC 1952 §2.2: a gzip file may hold several members; anything
             * else after the end (tar padding) ends the data. */
            if (s->z.avail_in == 0 && !s->raw_eof) {
                ssize_t got = raw_read(s, s->zin, ZIN);
                if (got < 0) return -1;
                if (got == 0) s->raw_eof = true;
                s->z.next_in = s->zin;
                s->z.avail_in = (unsigned)got;
            }
            if (s->z.avail_in >= 2 && s->z.next_in[0] == 0x1f && s->z.next_in[1] == 0x8b) {
                inflateReset(&s->z);
                continue;
            }
            s->z_end = true;
            break;
        }
        if (rc == Z_BUF_ERROR && s->z.avail_in == 0 && s->raw_eof) {
            bs_fail(s, "gzip data ends early (truncated)");
            break;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            bs_fail(s, "corrupt gzip data (%s)", s->z.msg ? s->z.msg : "inflate error");
            break;
        }
    }
    size_t produced = n - s->z.avail_out;
    if (n > UINT_MAX) produced = UINT_MAX - s->z.avail_out;
    budget_add(s->budget, produced);
    if (produced == 0 && s->failed) return -1;
    return (ssize_t)produced;
}

/* What the consumer sees: decompressed, capped. 0 at the end (capped
 * included), -1 on error. */
static ssize_t bs_read(struct bundle_stream *s, uint8_t *buf, size_t n)
{
    if (s->max && s->out >= s->max) {
        s->capped = true;
        return 0;
    }
    if (s->budget && s->budget->exhausted) {
        s->capped = true;
        s->capped_budget = true;
        return 0;
    }
    if (s->max && n > s->max - s->out) n = (size_t)(s->max - s->out);
    ssize_t got = dec_read(s, buf, n);
    if (got > 0) s->out += (uint64_t)got;
    return got;
}

static void bs_init(struct bundle_stream *s, const struct bundle_limits *lim,
                    struct bundle_budget *budget, int64_t size)
{
    memset(s, 0, sizeof(*s));
    s->max = lim->max_member;
    s->budget = budget;
    s->size = size;
}

static void bs_fini(struct bundle_stream *s)
{
    if (s->z_init) inflateEnd(&s->z);
    s->z_init = false;
    free(s->zin);
    s->zin = NULL;
    if (s->file) fclose(s->file);
    s->file = NULL;
    if (s->own_arch && s->ar) archive_read_free(s->ar->a);
    s->ar = NULL;
}

static ssize_t cookie_read(void *cookie, char *buf, size_t n)
{
    ssize_t got = bs_read(cookie, (uint8_t *)buf, n);
    return got < 0 ? -1 : got;
}

static int cookie_close(void *cookie)
{
    bs_fini(cookie);
    free(cookie);
    return 0;
}

bool bundle_stream_capped(const struct bundle_stream *s) { return s && s->capped; }
const char *bundle_stream_cap_text(const struct bundle_stream *s)
{
    if (!s || !s->capped) return "";
    char b[32];
    struct bundle_stream *w = (struct bundle_stream *)s; /* the text is a cache */
    if (s->capped_budget)
        snprintf(w->cap_text, sizeof(w->cap_text),
                 "the total decompression budget of %s (--bundle-max-total)",
                 bundle_size_text(s->budget ? s->budget->max : 0, b));
    else
        snprintf(w->cap_text, sizeof(w->cap_text), "the member cap of %s (--bundle-max-member)",
                 bundle_size_text(s->max, b));
    return s->cap_text;
}
const char *bundle_stream_error(const struct bundle_stream *s) { return s && s->failed ? s->err : ""; }
void bundle_stream_progress(const struct bundle_stream *s, uint64_t *done, uint64_t *total)
{
    *done = s ? s->out : 0;
    *total = s && s->size > 0 && !s->gz ? (uint64_t)s->size : 0;
}

/* ---- helpers -------------------------------------------------------- */

const char *bundle_size_text(uint64_t n, char buf[32])
{
    static const char *const unit[] = {"KiB", "MiB", "GiB", "TiB"};
    if (n < 1024) {
        snprintf(buf, 32, "%llu bytes", (unsigned long long)n);
        return buf;
    }
    double v = (double)n;
    int u = -1;
    while (v >= 1024 && u < 3) {
        v /= 1024;
        u++;
    }
    char num[24];
    snprintf(num, sizeof(num), "%.1f", v);
    size_t l = strlen(num);
    if (l > 2 && strcmp(num + l - 2, ".0") == 0) num[l - 2] = '\0';
    snprintf(buf, 32, "%s %s", num, unit[u]);
    return buf;
}

void bundle_limits_default(struct bundle_limits *lim)
{
    lim->max_member = 4ull << 30;
    lim->max_total = 16ull << 30;
    lim->max_entries = 100000;
    lim->max_captures = 64;
    lim->max_depth = 8;
}

void bundle_init(struct bundle *b, const struct bundle_limits *lim)
{
    memset(b, 0, sizeof(*b));
    bundle_limits_default(&b->lim);
    if (lim) {
        if (lim->max_member) b->lim.max_member = lim->max_member;
        if (lim->max_total) b->lim.max_total = lim->max_total;
        if (lim->max_entries) b->lim.max_entries = lim->max_entries;
        if (lim->max_captures) b->lim.max_captures = lim->max_captures;
        if (lim->max_depth > 0) b->lim.max_depth = lim->max_depth;
    }
    b->budget.max = b->lim.max_total;
}

void bundle_free(struct bundle *b)
{
    for (size_t i = 0; i < b->n; i++) {
        free(b->items[i].container);
        free(b->items[i].path);
        free(b->items[i].display);
    }
    free(b->items);
    b->items = NULL;
    b->n = b->cap = 0;
}

static bool is_capture_magic(const uint8_t *p, size_t n, const char **what)
{
    if (n < 4) return false;
    uint32_t be = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    switch (be) {
    case 0xa1b2c3d4: case 0xd4c3b2a1: *what = "pcap"; return true;
    case 0xa1b23c4d: case 0x4d3cb2a1: *what = "pcap (ns)"; return true;
    case 0xa1b2cd34: case 0x34cdb2a1: *what = "pcap (modified)"; return true;
    case 0x0a0d0d0a:
        /* pcapng Section Header Block: byte-order magic at offset 8 */
        if (n >= 12 && ((p[8] == 0x1a && p[9] == 0x2b && p[10] == 0x3c && p[11] == 0x4d) ||
                        (p[8] == 0x4d && p[9] == 0x3c && p[10] == 0x2b && p[11] == 0x1a))) {
            *what = "pcapng";
            return true;
        }
        return false;
    default: return false;
    }
}

enum bundle_kind bundle_classify(const uint8_t *p, size_t n, const char **what)
{
    const char *dummy;
    if (!what) what = &dummy;
    if (n == 0) {
        *what = "empty";
        return BUNDLE_OTHER;
    }
    if (is_capture_magic(p, n, what)) return BUNDLE_CAPTURE;
    static const struct { const char *magic; size_t len; const char *what; } arch[] = {
        {"PK\x03\x04", 4, "zip archive"},   {"7z\xbc\xaf\x27\x1c", 6, "7z archive"},
        {"\xfd" "7zXZ\0", 6, "xz data"},    {"BZh", 3, "bzip2 data"},
        {"\x28\xb5\x2f\xfd", 4, "zstd data"}, {"070707", 6, "cpio archive"},
        {"070701", 6, "cpio archive"},      {"070702", 6, "cpio archive"},
        {"!<arch>\n", 8, "ar archive"},     {"\x1f\x8b", 2, "gzip data"},
    };
    if (n >= 262 && memcmp(p + 257, "ustar", 5) == 0) {
        *what = "tar archive";
        return BUNDLE_ARCHIVE;
    }
    for (size_t i = 0; i < sizeof(arch) / sizeof(arch[0]); i++) {
        if (n >= arch[i].len && memcmp(p, arch[i].magic, arch[i].len) == 0) {
            *what = arch[i].what;
            return BUNDLE_ARCHIVE;
        }
    }
    /* Text: no NUL, at most 1% control characters or invalid UTF-8 (a
     * sequence cut by the end of the buffer is fine). */
    size_t bad = 0;
    for (size_t i = 0; i < n;) {
        uint8_t ch = p[i];
        if (ch == 0) {
            *what = "binary data";
            return BUNDLE_OTHER;
        }
        if (ch < 0x80) {
            if ((ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r' && ch != '\f' &&
                 ch != '\v' && ch != 0x1b) || ch == 0x7f)
                bad++;
            i++;
            continue;
        }
        uint32_t cp;
        size_t l = utf8_seq_len(p + i, n - i, &cp);
        if (l == 0) {
            if (n - i < 4) break;
            bad++;
            l = 1;
        }
        i += l;
    }
    if (bad * 100 <= n) {
        *what = "text";
        return BUNDLE_TEXT;
    }
    *what = "binary data";
    return BUNDLE_OTHER;
}

/* Member names come from the archive: hostile. The display name goes into
 * messages that are not always escaped further (libpcap's, stderr), so
 * control characters, C1 controls, bidirectional overrides and invalid
 * UTF-8 become '?' here, in place (same length or shorter). */
static void display_sanitize(char *s)
{
    size_t n = strlen(s), k = 0;
    for (size_t i = 0; i < n;) {
        uint8_t ch = (uint8_t)s[i];
        if (ch < 0x80) {
            s[k++] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
            i++;
            continue;
        }
        uint32_t cp = 0;
        size_t l = utf8_seq_len((const uint8_t *)s + i, n - i, &cp);
        if (l == 0 || (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
            (cp >= 0x2066 && cp <= 0x2069)) {
            s[k++] = '?';
            i += l ? l : 1;
            continue;
        }
        memmove(s + k, s + i, l);
        k += l;
        i += l;
    }
    s[k] = '\0';
}

static struct bundle_item *item_add(struct bundle *b, const char *container, const char *path,
                                    long index, int64_t size)
{
    if (b->n == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 16;
        struct bundle_item *ni = realloc(b->items, nc * sizeof(*ni));
        if (!ni) return NULL;
        b->items = ni;
        b->cap = nc;
    }
    struct bundle_item *it = &b->items[b->n];
    memset(it, 0, sizeof(*it));
    it->container = container ? strdup(container) : NULL;
    it->path = strdup(path);
    size_t dl = strlen(path) + (container ? strlen(container) + 2 : 1);
    it->display = malloc(dl);
    if ((container && !it->container) || !it->path || !it->display) {
        free(it->container);
        free(it->path);
        free(it->display);
        return NULL;
    }
    if (container) snprintf(it->display, dl, "%s:%s", container, path);
    else snprintf(it->display, dl, "%s", path);
    display_sanitize(it->display);
    it->index = index;
    it->size = size;
    b->n++;
    return it;
}

/* Classify the stream's member and act on it: text to the sink, captures
 * listed, the rest noted. `in_archive`: an archive found here is nested. */
static struct bundle_item *process_member(struct bundle *b, struct bundle_stream *s,
                                          const char *container, const char *path, long index,
                                          int64_t size, bool in_archive,
                                          const struct bundle_text_sink *sink)
{
    static uint8_t head[BUNDLE_HEAD];
    size_t hn = 0;
    while (hn < sizeof(head)) {
        ssize_t got = bs_read(s, head + hn, sizeof(head) - hn);
        if (got <= 0) break;
        hn += (size_t)got;
    }
    struct bundle_item *it = item_add(b, container, path, index, size);
    if (!it) return NULL;
    const char *what = "";
    it->kind = bundle_classify(head, hn, &what);
    it->gzip = s->gz;
    snprintf(it->what, sizeof(it->what), "%s%s", what, s->gz ? ", gzip-compressed" : "");
    if (s->failed && hn == 0) {
        it->kind = BUNDLE_SKIPPED;
        snprintf(it->note, sizeof(it->note), "unreadable: %.180s", s->err);
        return it;
    }
    if (s->failed && it->kind != BUNDLE_TEXT)
        snprintf(it->note, sizeof(it->note), "read error after %zu bytes: %.150s", hn, s->err);
    switch (it->kind) {
    case BUNDLE_CAPTURE:
        if (b->captures >= b->lim.max_captures) {
            it->kind = BUNDLE_SKIPPED;
            it->unread_capture = true;
            snprintf(it->note, sizeof(it->note), "more than %u captures: not read",
                     b->lim.max_captures);
        } else {
            b->captures++;
        }
        break;
    case BUNDLE_TEXT: {
        bool take = !sink || !sink->begin || sink->begin(sink->ctx, it) >= 0;
        if (!take || !sink || !sink->data) break;
        int rc = sink->data(sink->ctx, head, hn);
        it->text_bytes = hn;
        static uint8_t buf[ARCHIVE_BLOCK];
        while (rc >= 0) {
            ssize_t got = bs_read(s, buf, sizeof(buf));
            if (got <= 0) break;
            it->text_bytes += (uint64_t)got;
            rc = sink->data(sink->ctx, buf, (size_t)got);
        }
        if (s->capped) {
            char b1[32];
            it->capped = true;
            if (b->budget.exhausted)
                snprintf(it->note, sizeof(it->note),
                         "read only the first %s: the total decompression budget (%s) ran out",
                         bundle_size_text(it->text_bytes, b1), "--bundle-max-total");
            else
                snprintf(it->note, sizeof(it->note),
                         "capped at %s (--bundle-max-member): the rest was not read",
                         bundle_size_text(b->lim.max_member, b1));
        } else if (s->failed) {
            snprintf(it->note, sizeof(it->note), "read error after %llu bytes: %.150s",
                     (unsigned long long)it->text_bytes, s->err);
        }
        if (sink->end) sink->end(sink->ctx, it);
        break;
    }
    case BUNDLE_ARCHIVE:
        if (in_archive || s->gz)
            snprintf(it->note, sizeof(it->note),
                     "%s inside %s: not opened (extract it and give it to tlsscope)", what,
                     in_archive ? "an archive" : "gzip");
        break;
    default:
        break;
    }
    return it;
}

static int scan_archive(struct bundle *b, const char *file, const struct bundle_text_sink *sink,
                        char *err, size_t errlen)
{
    struct arch ar = {0};
    ar.a = arch_new();
    if (!ar.a) {
        snprintf(err, errlen, "%s: out of memory", file);
        return -1;
    }
    if (archive_read_open_filename(ar.a, file, ARCHIVE_BLOCK) != ARCHIVE_OK) {
        snprintf(err, errlen, "%s: cannot read as an archive: %s", file,
                 archive_error_string(ar.a) ? archive_error_string(ar.a) : "unknown error");
        archive_read_free(ar.a);
        return -1;
    }
    arch_setup(&ar);
    int result = 0;
    long index = -1;
    size_t first = b->n;
    for (;;) {
        struct archive_entry *e;
        int rc = archive_read_next_header(ar.a, &e);
        arch_account(&ar, &b->budget);
        if (rc == ARCHIVE_EOF) break;
        if (index == -1) arch_setup(&ar); /* the format is known after the first header */
        if (rc < ARCHIVE_WARN || rc == ARCHIVE_RETRY) {
            char what[64];
            snprintf(what, sizeof(what), "%zu member%s", b->n - first, b->n - first == 1 ? "" : "s");
            snprintf(err, errlen,
                     "%s: corrupt or truncated archive: %s (%s listed before the damage)", file,
                     archive_error_string(ar.a) ? archive_error_string(ar.a) : "read error", what);
            result = -1;
            break;
        }
        index++;
        if ((uint64_t)index >= b->lim.max_entries) {
            snprintf(err, errlen, "%s: more than %u entries: listing stopped (cap)", file,
                     b->lim.max_entries);
            result = -1;
            break;
        }
        if (b->budget.exhausted) {
            char b1[32];
            snprintf(err, errlen,
                     "%s: stopped listing at entry %ld: %s decompressed, the total budget "
                     "(--bundle-max-total)", file, index, bundle_size_text(b->budget.max, b1));
            result = -1;
            break;
        }
        if (archive_entry_filetype(e) == AE_IFDIR) {
            b->not_regular++;
            continue;
        }
        if (archive_entry_filetype(e) != AE_IFREG) {
            /* a link, FIFO or device entry carries no data of its own: listed */
            const char *nm = archive_entry_pathname(e);
            struct bundle_item *it = item_add(b, file, nm ? nm : "(unnamed)", index, -1);
            if (!it) {
                snprintf(err, errlen, "%s: out of memory", file);
                result = -1;
                break;
            }
            it->kind = BUNDLE_SKIPPED;
            snprintf(it->what, sizeof(it->what), "%s",
                     archive_entry_filetype(e) == AE_IFLNK ? "symbolic link" : "not a regular file");
            snprintf(it->note, sizeof(it->note), "not read: %s in the archive", it->what);
            continue;
        }
        const char *name = archive_entry_pathname(e);
        if (!name) name = "(unnamed)";
        int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
        struct bundle_stream s;
        bs_init(&s, &b->lim, &b->budget, size);
        s.ar = &ar;
        struct bundle_item *it = process_member(b, &s, file, name, index, size, true, sink);
        bool broken = s.failed && !s.gz;
        char serr[300];
        snprintf(serr, sizeof(serr), "%s", s.err);
        bs_fini(&s);
        if (!it) {
            snprintf(err, errlen, "%s: out of memory", file);
            result = -1;
            break;
        }
        if (broken) {
            /* archive data itself unreadable: nothing after it can be trusted */
            snprintf(err, errlen,
                     "%s: corrupt or truncated archive: %s (in %s; %zu member%s listed before it)",
                     file, serr, name, b->n - first - 1, b->n - first - 1 == 1 ? "" : "s");
            it->kind = BUNDLE_SKIPPED;
            result = -1;
            break;
        }
        /* Skipping the rest of a member decompresses it: refuse before a
         * declared size blows the budget (a compression bomb). */
        if (ar.filtered && size > 0 && b->budget.max &&
            b->budget.used + (uint64_t)size > b->budget.max) {
            char b1[32], b2[32];
            snprintf(err, errlen,
                     "%s: stopped listing at %s: it declares %s, more than the total "
                     "decompression budget of %s allows (--bundle-max-total)",
                     file, name, bundle_size_text((uint64_t)size, b1),
                     bundle_size_text(b->budget.max, b2));
            result = -1;
            break;
        }
    }
    archive_read_free(ar.a);
    return result;
}

/* A plain file: classify; an archive is listed, text streamed. */
static int scan_file(struct bundle *b, const char *path, bool top,
                     const struct bundle_text_sink *sink, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    int64_t size = fstat(fileno(fp), &st) == 0 ? (int64_t)st.st_size : -1;
    struct bundle_stream s;
    bs_init(&s, &b->lim, &b->budget, size);
    s.file = fp;
    struct bundle_item *it = process_member(b, &s, NULL, path, -1, size, false, sink);
    bool gz = s.gz;
    bs_fini(&s);
    if (!it) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    if (it->kind == BUNDLE_SKIPPED && !top) return 0;
    if (it->kind == BUNDLE_SKIPPED) {
        snprintf(err, errlen, "%s: %s", path, it->note);
        return -1;
    }
    if (it->kind == BUNDLE_ARCHIVE && (!gz || strstr(it->what, "tar"))) {
        /* the file is the archive (.tar.gz included): its members replace it */
        free(it->container);
        free(it->path);
        free(it->display);
        b->n--;
        return scan_archive(b, path, sink, err, errlen);
    }
    if (top && it->kind == BUNDLE_OTHER) return 1;
    return 0;
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* A directory entry that is not read, listed with why. A symbolic link is
 * not followed, but a link to a regular file has its first bytes classified
 * (opened O_NONBLOCK, BUNDLE_HEAD bytes at most): a link to a capture is an
 * unread capture. */
static void note_unread(struct bundle *b, const char *child, const struct stat *lst, bool too_deep)
{
    struct bundle_item *it = item_add(b, NULL, child, -1, -1);
    if (!it) return;
    it->kind = BUNDLE_SKIPPED;
    if (too_deep) {
        snprintf(it->what, sizeof(it->what), "directory");
        snprintf(it->note, sizeof(it->note),
                 "not read: deeper than %d directory levels (the walk's cap)", b->lim.max_depth);
        it->unread_capture = true; /* it may hold captures */
        return;
    }
    if (!S_ISLNK(lst->st_mode)) {
        snprintf(it->what, sizeof(it->what), "%s",
                 S_ISFIFO(lst->st_mode) ? "FIFO" : S_ISSOCK(lst->st_mode) ? "socket" : "device");
        snprintf(it->note, sizeof(it->note), "not read: a %s is not a file (it may carry a capture)",
                 it->what);
        it->unread_capture = true;
        return;
    }
    snprintf(it->what, sizeof(it->what), "symbolic link");
    struct stat st;
    uint8_t head[64];
    ssize_t n = -1;
    if (stat(child, &st) == 0 && S_ISREG(st.st_mode)) {
        int fd = open(child, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd >= 0) {
            n = read(fd, head, sizeof(head));
            close(fd);
        }
    }
    const char *what = "";
    bool gz = n >= 2 && head[0] == 0x1f && head[1] == 0x8b;
    if (n > 0 && (gz || bundle_classify(head, (size_t)n, &what) == BUNDLE_CAPTURE)) {
        it->unread_capture = true;
        snprintf(it->note, sizeof(it->note),
                 "not read: a symbolic link (not followed) to %s", gz ? "gzip data" : "a capture");
    } else {
        snprintf(it->note, sizeof(it->note), "not read: a symbolic link (not followed)");
    }
}

/* Depth is bounded by lim.max_depth (8), not by the input. An unreadable
 * file or subdirectory is noted (first message in err) and the walk goes
 * on; only the entry cap stops it. */
static void scan_dir(struct bundle *b, const char *dir, int depth, uint32_t *entries,
                     const struct bundle_text_sink *sink, char *err, size_t errlen)
{
    struct dirent **list = NULL;
    int n = scandir(dir, &list, NULL, name_cmp);
    if (n < 0) {
        if (!err[0]) snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return;
    }
    bool stop = false;
    for (int i = 0; i < n; i++) {
        const char *nm = list[i]->d_name;
        if (stop || strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0) continue;
        if (++*entries > b->lim.max_entries) {
            if (!err[0])
                snprintf(err, errlen, "%s: more than %u entries: listing stopped (cap)", dir,
                         b->lim.max_entries);
            stop = true;
            continue;
        }
        size_t pl = strlen(dir) + strlen(nm) + 2;
        char *child = malloc(pl);
        if (!child) {
            if (!err[0]) snprintf(err, errlen, "out of memory");
            stop = true;
            continue;
        }
        snprintf(child, pl, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", nm);
        struct stat st;
        if (lstat(child, &st) != 0) {
            if (!err[0]) snprintf(err, errlen, "%s: %s", child, strerror(errno));
        } else if (S_ISLNK(st.st_mode)) {
            note_unread(b, child, &st, false);
        } else if (S_ISDIR(st.st_mode)) {
            if (depth + 1 < b->lim.max_depth)
                scan_dir(b, child, depth + 1, entries, sink, err, errlen);
            else
                note_unread(b, child, &st, true);
        } else if (S_ISREG(st.st_mode)) {
            char e2[512];
            e2[0] = '\0';
            if (scan_file(b, child, false, sink, e2, sizeof(e2)) < 0) {
                /* one bad archive in a directory: note it, go on */
                struct bundle_item *it = item_add(b, NULL, child, -1, (int64_t)st.st_size);
                if (it) {
                    it->kind = BUNDLE_SKIPPED;
                    snprintf(it->note, sizeof(it->note), "%.390s", e2);
                }
                if (!err[0]) snprintf(err, errlen, "%s", e2);
            }
        } else {
            note_unread(b, child, &st, false);
        }
        free(child);
    }
    for (int i = 0; i < n; i++) free(list[i]);
    free(list);
}

int bundle_add_path(struct bundle *b, const char *path, const struct bundle_text_sink *sink,
                    char *err, size_t errlen)
{
    struct stat st;
    err[0] = '\0';
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        uint32_t entries = 0;
        scan_dir(b, path, 0, &entries, sink, err, errlen);
        return err[0] ? -1 : 0;
    }
    return scan_file(b, path, true, sink, err, errlen);
}

int bundle_stream_open(const char *container, const char *path, long index,
                       const struct bundle_limits *lim, struct bundle_budget *budget,
                       struct bundle_stream **out, FILE **fp, char *err, size_t errlen)
{
    struct bundle_limits dl;
    if (!lim) {
        bundle_limits_default(&dl);
        lim = &dl;
    }
    *out = NULL;
    *fp = NULL;
    struct bundle_stream *s = malloc(sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    bs_init(s, lim, budget, -1);
    if (!container) {
        s->file = fopen(path, "rb");
        if (!s->file) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            free(s);
            return -1;
        }
        struct stat st;
        if (fstat(fileno(s->file), &st) == 0) s->size = (int64_t)st.st_size;
    } else {
        s->arch_store.a = arch_new();
        s->ar = &s->arch_store;
        s->own_arch = true;
        if (!s->ar->a || archive_read_open_filename(s->ar->a, container, ARCHIVE_BLOCK) != ARCHIVE_OK) {
            snprintf(err, errlen, "%s: cannot read as an archive: %s", container,
                     s->ar->a && archive_error_string(s->ar->a) ? archive_error_string(s->ar->a)
                                                                 : "out of memory");
            goto fail;
        }
        arch_setup(s->ar);
        for (long i = 0;; i++) {
            struct archive_entry *e;
            int rc = archive_read_next_header(s->ar->a, &e);
            arch_account(s->ar, budget);
            if (i == 0) arch_setup(s->ar);
            if (rc == ARCHIVE_EOF || rc < ARCHIVE_WARN || rc == ARCHIVE_RETRY) {
                snprintf(err, errlen, "%s: cannot reach member %s: %s", container, path,
                         rc == ARCHIVE_EOF ? "the archive ended before it"
                         : archive_error_string(s->ar->a) ? archive_error_string(s->ar->a)
                                                          : "read error");
                goto fail;
            }
            if (budget && budget->exhausted) {
                snprintf(err, errlen,
                         "%s: cannot reach member %s: the total decompression budget ran out "
                         "(--bundle-max-total)", container, path);
                goto fail;
            }
            if (i < index) {
                int64_t sz = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
                if (s->ar->filtered && budget && budget->max && sz > 0 &&
                    budget->used + (uint64_t)sz > budget->max) {
                    snprintf(err, errlen,
                             "%s: cannot reach member %s: skipping to it would decompress "
                             "beyond the total budget (--bundle-max-total)", container, path);
                    goto fail;
                }
                continue;
            }
            const char *name = archive_entry_pathname(e);
            if (!name || strcmp(name, path) != 0) {
                snprintf(err, errlen, "%s: member %ld is no longer %s (archive changed?)",
                         container, index, path);
                goto fail;
            }
            s->size = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
            break;
        }
    }
    cookie_io_functions_t io = {.read = cookie_read, .close = cookie_close};
    *fp = fopencookie(s, "rb", io);
    if (!*fp) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    *out = s;
    return 0;
fail:
    bs_fini(s);
    free(s);
    return -1;
}
