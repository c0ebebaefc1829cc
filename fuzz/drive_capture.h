/* drive_capture.h — run the whole engine over capture bytes in memory.
 *
 * What `tlsscope -b` does, in process and without a terminal: the bytes are
 * written to a memfd (so libpcap opens them by path like any file, pcap,
 * pcapng or gzip), the pipeline reads them, every finished connection is
 * rendered as a text row with details and as a JSON line, and the summary
 * is printed to a memory stream. Every byte of that output is checked with
 * check_output.h as it is produced; the first violation is returned.
 *
 * Used by fuzz/fuzz_capture.c (libFuzzer) and by tests/unit/test_hostile.c
 * (every prefix and single-byte corruptions of the bundled captures), so
 * thousands of variants run in seconds.
 *
 * Header-only (static functions); link with tlsscope_engine.
 */
#ifndef TLSSCOPE_FUZZ_DRIVE_CAPTURE_H
#define TLSSCOPE_FUZZ_DRIVE_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check_output.h"
#include "common/escape.h"
#include "engine/pipeline.h"
#include "report/report.h"

struct drive_opts {
    const struct trust_store *store;  /* NULL: no verdicts */
    bool utf8;                        /* the text output's locale */
    bool verbose;                     /* also render the details block */
    const struct flow_limits *limits; /* NULL: defaults */
};

struct drive_result {
    int status;              /* what tlsscope would exit with: 0, 1 or 2 */
    char error[512];         /* the one-line message when the input was bad */
    unsigned long long records;
    unsigned long long out_bytes;
    const char *violation;   /* NULL, or what was wrong with the output */
    char context[160];       /* the offending output near the violation (escaped) */
};

struct drive_state {
    const struct drive_opts *o;
    struct drive_result *r;
    struct summary summary;
    struct report_style text, json;
    struct sbuf line;
};

static inline void drive_note(struct drive_result *r, const char *what, const uint8_t *p, size_t n,
                       size_t at)
{
    if (r->violation) return;
    r->violation = what;
    size_t from = at > 40 ? at - 40 : 0, to = at + 40 < n ? at + 40 : n;
    esc_text_buf(r->context, sizeof(r->context), p + from, to - from, false);
}

static inline void drive_check_text(struct drive_state *s, const struct sbuf *sb)
{
    size_t at = 0;
    const char *bad = out_check_text((const uint8_t *)sbuf_str(sb), sb->len, s->o->utf8, &at);
    s->r->out_bytes += sb->len;
    if (bad) drive_note(s->r, bad, (const uint8_t *)sbuf_str(sb), sb->len, at);
}

static inline void drive_done(void *ctx, struct conn_record *rec)
{
    struct drive_state *s = ctx;
    size_t at = 0;
    s->r->records++;
    sbuf_reset(&s->line);
    report_text_conn(&s->line, rec, &s->text);
    if (s->o->verbose) report_text_details(&s->line, rec, &s->text, "      ");
    drive_check_text(s, &s->line);
    sbuf_reset(&s->line);
    report_json_conn(&s->line, rec, &s->json);
    const char *bad = out_check_json((const uint8_t *)sbuf_str(&s->line), s->line.len, &at);
    if (!bad && s->line.overflow) bad = "JSON line cut by its buffer cap";
    if (!bad && memchr(sbuf_str(&s->line), '\n', s->line.len)) bad = "newline inside a JSON line";
    if (bad) drive_note(s->r, bad, (const uint8_t *)sbuf_str(&s->line), s->line.len, at);
    s->r->out_bytes += s->line.len;
    summary_add(&s->summary, rec, &s->text);
    conn_record_free(rec);
}

/* Run the engine over the capture file at `path`. Returns r->status. */
static inline int drive_capture_path(const char *path, const struct drive_opts *o,
                              struct drive_result *r)
{
    struct drive_state s;
    struct pipeline_opts po;
    memset(r, 0, sizeof(*r));
    memset(&s, 0, sizeof(s));
    memset(&po, 0, sizeof(po));
    s.o = o;
    s.r = r;
    s.text.utf8 = o->utf8;
    s.text.verbose = o->verbose;
    s.json.pem = true; /* the longest JSON there is */
    summary_init(&s.summary);
    sbuf_init(&s.line, 0);
    po.files = &path;
    po.n_files = 1;
    po.store = o->store;
    if (o->limits) po.limits = *o->limits;
    else flow_limits_default(&po.limits);
    struct pipeline_ops ops = {.ctx = &s, .done = drive_done};
    struct pipeline *p = pipeline_new(&po, &ops, r->error, sizeof(r->error));
    if (!p) {
        r->status = 2;
        if (!r->error[0]) r->violation = "pipeline_new failed without a message";
    } else {
        int rc = pipeline_run(p);
        const struct pipeline_stats *ps = pipeline_stats(p);
        char *buf = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&buf, &len);
        if (mem) {
            summary_print(mem, &s.summary, ps, &s.text, PROFILE_EXPRESSWAY, o->store != NULL);
            fclose(mem);
            struct sbuf view = {buf, len, len, len, false};
            drive_check_text(&s, &view);
            free(buf);
        }
        r->status = s.summary.conns_failed ? 1 : 0;
        if (rc < 0) {
            r->status = 2;
            snprintf(r->error, sizeof(r->error), "%s", ps->last_error);
            if (!r->error[0]) r->violation = "input error without a message";
        }
        pipeline_free(p);
    }
    if (r->status == 2 && strchr(r->error, '\n')) r->violation = "error message spans lines";
    summary_free(&s.summary);
    sbuf_free(&s.line);
    return r->status;
}

/* The same over bytes in memory, through a memfd reused between calls.
 * Returns r->status, or -1 when no memfd could be made. */
static inline int drive_capture_mem(const uint8_t *data, size_t n, const struct drive_opts *o,
                             struct drive_result *r)
{
    static int fd = -1;
    char path[64];
    if (fd < 0) fd = memfd_create("tlsscope-capture", MFD_CLOEXEC);
    if (fd < 0) return -1;
    if (ftruncate(fd, 0) != 0) return -1;
    for (size_t off = 0; off < n;) {
        ssize_t w = pwrite(fd, data + off, n - off, (off_t)off);
        if (w <= 0) return -1;
        off += (size_t)w;
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    return drive_capture_path(path, o, r);
}

#endif
