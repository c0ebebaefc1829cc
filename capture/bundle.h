/* bundle.h — Expressway diagnostic bundles (the .tar.gz that Maintenance >
 * Diagnostics > Diagnostic logging downloads), directories of extracted
 * files, and single files: what is inside, by content, never by name.
 *
 * Every member is classified by its first bytes: a capture (pcap, pcapng,
 * also gzip-compressed), text (a log, also gzip-compressed), an archive, or
 * other data. Text is streamed to a sink while the archive is listed (one
 * pass); captures are listed and read later as streams for libpcap. Nothing
 * is ever extracted to disk. Archives are read with libarchive (tar, zip,
 * cpio, 7z; gzip/bzip2/xz/zstd compressed); gzip inside a member with zlib.
 *
 * Reading several captures of one archive at once, in time order: every
 * capture member gets its own libarchive handle, opened on the archive file
 * and moved forward to the member (bundle_stream_open). Memory stays small
 * and fixed (no member is buffered whole — captures can be gigabytes); the
 * price is that a compressed archive is decompressed again up to each
 * capture member, which the total budget below counts. Diagnostic bundles
 * hold a handful of captures (one per interface), so this is a few passes.
 *
 * Bounds (struct bundle_limits; --bundle-max-member, --bundle-max-total):
 *   max_member   bytes used from one member after decompression: a capture
 *                or log is read up to there, then "capped";
 *   max_total    bytes decompressed from all archives and gzip layers
 *                together, listing and reading, skipped data included: the
 *                guard against compression bombs; when it runs out, listing
 *                stops and open streams end, each with a message;
 *   max_entries  entries examined per archive or directory walk;
 *   max_captures capture members used (the rest listed as skipped);
 *   max_depth    directory depth walked.
 * Symbolic links are not followed; archives inside archives are listed but
 * not opened. Whatever is not read (a link, a FIFO or device, a directory
 * beyond max_depth, a capture beyond max_captures) is an item of kind
 * BUNDLE_SKIPPED saying why; unread_capture marks the ones that are or may
 * be captures (a link's target is classified from its first bytes).
 *
 * Ownership: struct bundle owns its items and their strings (bundle_free).
 * A stream's FILE owns the stream: fclose() (pcap_close) frees it, so query
 * bundle_stream_*() before closing. The budget is the caller's and must
 * outlive every stream using it.
 */
#ifndef TLSSCOPE_CAPTURE_BUNDLE_H
#define TLSSCOPE_CAPTURE_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BUNDLE_HEAD 65536 /* bytes looked at to classify a member */

enum bundle_kind {
    BUNDLE_CAPTURE = 0,   /* pcap or pcapng (maybe gzip-compressed) */
    BUNDLE_TEXT,          /* text: a log candidate (maybe gzip-compressed) */
    BUNDLE_ARCHIVE,       /* an archive inside an archive: not opened */
    BUNDLE_OTHER,         /* binary data, empty file, not read */
    BUNDLE_SKIPPED,       /* link, device, or beyond a cap */
};

struct bundle_limits {
    uint64_t max_member;
    uint64_t max_total;
    uint32_t max_entries;
    uint32_t max_captures;
    int max_depth;
};

/* Decompressed bytes of one run, shared by the listing and every stream. */
struct bundle_budget {
    uint64_t used;
    uint64_t max;
    bool exhausted;
};

struct bundle_item {
    char *container;      /* archive file holding it; NULL for a plain file */
    char *path;           /* member name in the archive, or the file's path */
    char *display;        /* "bundle.tar.gz:tcpdump_eth0.pcap" or the path */
    long index;           /* entry number in the archive (0-based); -1 for files */
    enum bundle_kind kind;
    bool gzip;            /* the capture/text is gzip-compressed inside */
    int64_t size;         /* declared size; -1 unknown */
    uint64_t text_bytes;  /* text: bytes handed to the sink */
    bool capped;          /* text: stopped at max_member */
    char what[64];        /* "pcapng", "pcap (ns)", "text", "tar archive", ... */
    char note[400];       /* why skipped, what was capped; "" */
    bool unread_capture;  /* not read, and it is or may be a capture (a capture beyond
                             max_captures, a directory beyond max_depth, a FIFO or
                             device, a link to a capture): the caller must not
                             answer as if it had read everything (exit 2) */
};

struct bundle {
    struct bundle_item *items;
    size_t n, cap;
    struct bundle_limits lim;
    struct bundle_budget budget;
    uint32_t captures;    /* capture items kept */
    uint64_t not_regular; /* directory entries of archives (structure, nothing to read) */
};

/* Text members are streamed here while listing. begin() returning < 0 skips
 * the member; data() returning < 0 stops it. */
struct bundle_text_sink {
    void *ctx;
    int (*begin)(void *ctx, const struct bundle_item *it);
    int (*data)(void *ctx, const void *p, size_t n);
    void (*end)(void *ctx, const struct bundle_item *it);
};

void bundle_limits_default(struct bundle_limits *lim);
/* lim NULL = defaults. */
void bundle_init(struct bundle *b, const struct bundle_limits *lim);
void bundle_free(struct bundle *b);

/* Add one input: a directory (walked, sorted by name), an archive (listed),
 * or a single file (classified). Returns 0; 1 when the path is a single
 * plain file that is neither capture, text nor archive (one item of kind
 * OTHER added, for the caller to report as it likes); -1 when the path
 * could not be read or an archive is corrupt or was cut short: err then
 * says so in one line, naming what was readable, and the items found before
 * the error stay in b. */
int bundle_add_path(struct bundle *b, const char *path, const struct bundle_text_sink *sink,
                    char *err, size_t errlen);

/* Classify the first bytes of a (decompressed) member. *what gets a short
 * description. Exposed for tests. */
enum bundle_kind bundle_classify(const uint8_t *p, size_t n, const char **what);

/* Open an item's bytes as a FILE for libpcap (gzip, recognised by its
 * magic, decompressed; capped at lim->max_member and the budget). For
 * archive members (container != NULL) a new libarchive handle is opened and
 * moved to entry `index`, whose name must still be `path`. Returns 0 with
 * *fp and *out set, or -1 with one line in err. */
struct bundle_stream;
int bundle_stream_open(const char *container, const char *path, long index,
                       const struct bundle_limits *lim, struct bundle_budget *budget,
                       struct bundle_stream **out, FILE **fp, char *err, size_t errlen);
/* The stream ended at max_member or because the budget ran out. */
bool bundle_stream_capped(const struct bundle_stream *s);
/* Which cap, in words: "the member cap of 1 MiB (--bundle-max-member)" or
 * "the total decompression budget of 16 GiB (--bundle-max-total)"; "". */
const char *bundle_stream_cap_text(const struct bundle_stream *s);
/* A read error (corrupt archive or gzip data), or "" — why it ended early. */
const char *bundle_stream_error(const struct bundle_stream *s);
/* Bytes delivered so far, and the member's size when known (else 0). */
void bundle_stream_progress(const struct bundle_stream *s, uint64_t *done, uint64_t *total);

/* "1.5 GiB" style, for messages. */
const char *bundle_size_text(uint64_t n, char buf[32]);

#endif
