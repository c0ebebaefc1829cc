/* source.c — capture files and live interfaces through libpcap.
 *
 * Files: every input is opened with nanosecond timestamps
 * (pcap_open_offline_with_tstamp_precision; libpcap converts pcapng's
 * per-interface resolution and microsecond pcap files for us; "-" is stdin).
 * Several inputs are merged by keeping one pending packet ("head") per input
 * and always returning the oldest; ties go to the input named first, so a
 * single file keeps its own order even when its timestamps go backwards.
 * libpcap's packet buffer for an input stays valid until the next
 * pcap_next_ex on that same handle, so a head is only replaced after it was
 * returned — which is exactly the lifetime source.h promises.
 *
 * A read error ends that input only: its packets so far were delivered, the
 * error is returned once, and the other inputs keep going.
 *
 * Live: pcap_create/pcap_activate; the handle is put in non-blocking mode
 * and waited for with poll() in short slices, so that a read notices
 * capsrc_breakloop() and can return CAP_AGAIN when asked to.
 */
#include "capture/source.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "capture/packet.h"
#include "capture/pcapfile.h"

#define CAP_ERRLEN (PCAP_ERRBUF_SIZE + 512)
#define CAP_DEFAULT_SNAPLEN 262144 /* tcpdump's "whole packet" */
#define CAP_LIVE_POLL_MS 100       /* how often a waiting live read checks for stop */

/* One opened file or interface. Owns its pcap handle and name; hdr/data are
 * libpcap's buffers, valid until the next pcap_next_ex on this handle. */
struct cap_input {
    pcap_t *p;
    char *name;          /* as given by the user; "<stdin>" for "-" */
    int linktype;
    bool nano;           /* timestamps are in ns (else us) */
    bool have_head;      /* hdr/data hold the input's next packet */
    bool done;
    struct pcap_pkthdr *hdr;
    const u_char *data;
    int64_t head_ts;
    uint64_t size;       /* file size; 0 = unknown (pipe, stdin) */
    gzFile gz;           /* gzip-compressed input: the stream libpcap reads
                            through a cookie FILE; closed by pcap_close */
    uint64_t npackets;   /* complete packets read */
    /* Plain pcap files are read by pcapfile.c while it can (see
     * input_try_fast); then hdr points at fast_hdr. libpcap's stream is only
     * used again after the handover. A BPF filter installed on p with
     * pcap_setfilter() is applied by pcap_next_ex only: call
     * input_fast_handover() before installing one. */
    struct pcapfile *fast;
    struct pcap_pkthdr fast_hdr;
    bool fast_nano;      /* the file's timestamps are ns (else us) */
};

/* Owns the inputs array and, for live captures with -w, the dumper;
 * capsrc_close frees all of it. */
struct cap_source {
    struct cap_input *in;
    int n;
    int last;            /* input whose head was returned last, or -1 */
    bool live;
    int wakeup_ms;       /* live: return CAP_AGAIN after this long idle (0: never) */
    pcap_dumper_t *dumper;
    volatile sig_atomic_t stop;
    char err[CAP_ERRLEN];
};

static void src_seterr(struct cap_source *src, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void src_seterr(struct cap_source *src, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(src->err, sizeof(src->err), fmt, ap);
    va_end(ap);
}

static void copy_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen) snprintf(err, errlen, "%s", msg);
}

const char *capsrc_linktype_name(int linktype)
{
    /* LINKTYPE_RAW (101) and OpenBSD's DLT_RAW (14) are the same thing as
     * DLT_RAW here; libpcap's table only knows the local number. */
    if (linktype == 101 || linktype == 14) return "RAW";
    const char *s = pcap_datalink_val_to_name(linktype);
    return s ? s : "unknown";
}

/* Seconds + fraction to ns since the epoch, saturating instead of
 * overflowing on absurd pcapng timestamps. */
static int64_t ts_to_ns(const struct timeval *tv, bool nano)
{
    int64_t sec = (int64_t)tv->tv_sec, ns;
    int64_t frac = nano ? (int64_t)tv->tv_usec : (int64_t)tv->tv_usec * 1000;
    if (__builtin_mul_overflow(sec, (int64_t)1000000000, &ns))
        return sec < 0 ? INT64_MIN : INT64_MAX;
    if (__builtin_add_overflow(ns, frac, &ns)) return INT64_MAX;
    return ns;
}

static void input_close(struct cap_input *in)
{
    pcapfile_free(in->fast);
    in->fast = NULL;
    if (in->p) pcap_close(in->p);
    in->p = NULL;
    free(in->name);
    in->name = NULL;
}

void capsrc_close(struct cap_source *src)
{
    if (!src) return;
    if (src->dumper) {
        pcap_dump_close(src->dumper); /* flushes */
        src->dumper = NULL;
    }
    for (int i = 0; i < src->n; i++) input_close(&src->in[i]);
    free(src->in);
    free(src);
}

/* Explain a failed pcap_open_offline in one line starting with the name. */
static void explain_open_error(const char *name, bool is_stdin, const char *pcaperr, char *out,
                               size_t outlen)
{
    size_t nl = strlen(name);
    if (strstr(pcaperr, "file header bytes, only got 0")) {
        snprintf(out, outlen, "%s: empty file, not a capture", name);
        return;
    }
    if (strcmp(pcaperr, "unknown file format") == 0) {
        snprintf(out, outlen, "%s: not a pcap or pcapng capture file (unknown file format)", name);
        return;
    }
    /* libpcap already names the file for fopen() errors ("x: No such file
     * or directory"); do not say it twice. */
    if (strncmp(pcaperr, name, nl) == 0 && pcaperr[nl] == ':')
        snprintf(out, outlen, "%s", pcaperr);
    else
        snprintf(out, outlen, "%s: %s", name, pcaperr);
}

/* gzip-compressed captures (Zeek ships its traces as .pcap.gz, Expressway
 * bundles hold them) are read through zlib behind a stdio cookie, so that
 * libpcap sees an ordinary FILE. zlib reads uncompressed data unchanged
 * ("transparent" mode), which is what makes this safe for stdin, where we
 * cannot peek at the magic without consuming it. */
static ssize_t gz_cookie_read(void *cookie, char *buf, size_t n)
{
    int want = n > (size_t)INT_MAX ? INT_MAX : (int)n;
    int got = gzread((gzFile)cookie, buf, (unsigned)want);
    return got < 0 ? -1 : got;
}

static int gz_cookie_close(void *cookie) { return gzclose((gzFile)cookie) == Z_OK ? 0 : EOF; }

static FILE *gz_stream_open(int fd, gzFile *gz_out)
{
    gzFile gz = gzdopen(fd, "rb");
    if (!gz) return NULL;
    gzbuffer(gz, 256 * 1024);
    cookie_io_functions_t io = {.read = gz_cookie_read, .close = gz_cookie_close};
    FILE *fp = fopencookie(gz, "rb", io);
    if (!fp) {
        gzclose(gz);
        return NULL;
    }
    *gz_out = gz;
    return fp;
}

static bool file_is_gzip(const char *path)
{
    unsigned char magic[2] = {0, 0};
    FILE *fp = fopen(path, "rb");
    if (!fp) return false;
    size_t got = fread(magic, 1, 2, fp);
    fclose(fp);
    return got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

/* Let pcapfile.c read a regular, uncompressed pcap 2.4 file after libpcap
 * opened it (and checked and interpreted its header). libpcap keeps the
 * stream, positioned after the header, for the handover. Byte-swapped files
 * only for link types whose headers libpcap never byte-swaps (its
 * swap_pseudo_headers() rewrites SLL, SLL2, USB, NFLOG, PFLOG headers). */
static void input_try_fast(struct cap_input *in)
{
    FILE *fp = pcap_file(in->p);
    uint8_t hdr[PCAPFILE_HDR_LEN];
    struct pcapfile_info info;
    int fd = fp ? fileno(fp) : -1;
    if (fd < 0 || pread(fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr) return;
    if (!pcapfile_header_ok(hdr, sizeof hdr, &info)) return;
    if (info.swapped && in->linktype != DLT_EN10MB && in->linktype != DLT_RAW &&
        in->linktype != 101 && in->linktype != 14 && in->linktype != 228 &&
        in->linktype != 229 && in->linktype != DLT_NULL)
        return;
    int snap = pcap_snapshot(in->p);
    if (snap <= 0) return;
    in->fast = pcapfile_new(fd, PCAPFILE_HDR_LEN, &info, (uint32_t)snap);
    if (!in->fast) return;
    /* pcap_pkthdr as libpcap fills it in nanosecond mode: tv_usec holds ns
     * (microsecond files are scaled up by 1000). */
    in->fast_nano = info.nano;
}

/* From here on libpcap reads (at the first record pcapfile.c did not
 * return). Returns CAP_OK, or CAP_EREAD if the stream cannot be positioned. */
static int input_fast_handover(struct cap_source *src, struct cap_input *in)
{
    if (!in->fast) return CAP_OK;
    uint64_t off = pcapfile_offset(in->fast);
    pcapfile_free(in->fast);
    in->fast = NULL;
    if (fseeko(pcap_file(in->p), (off_t)off, SEEK_SET) != 0) {
        in->done = true;
        src_seterr(src, "%s: read error after %llu packets: cannot seek: %s", in->name,
                   (unsigned long long)in->npackets, strerror(errno));
        return CAP_EREAD;
    }
    return CAP_OK;
}

static int input_open_file(struct cap_input *in, const char *path, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE];
    char msg[CAP_ERRLEN];
    ebuf[0] = '\0';
    const bool is_stdin = strcmp(path, "-") == 0;
    in->name = strdup(is_stdin ? "<stdin>" : path); /* the name in every message */
    if (!in->name) {
        copy_err(err, errlen, "out of memory");
        return CAP_EOPEN;
    }
    if (!is_stdin) {
        struct stat st;
        if (stat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                snprintf(msg, sizeof(msg), "%s: is a directory, not a capture file", path);
                copy_err(err, errlen, msg);
                return CAP_EOPEN;
            }
            if (S_ISREG(st.st_mode)) in->size = (uint64_t)st.st_size;
        }
    }
    if (is_stdin || file_is_gzip(path)) {
        int fd = is_stdin ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
        FILE *fp = fd >= 0 ? gz_stream_open(fd, &in->gz) : NULL;
        if (!fp) {
            if (fd >= 0 && !in->gz) close(fd);
            snprintf(msg, sizeof(msg), "%s: %s", in->name, strerror(errno ? errno : ENOMEM));
            copy_err(err, errlen, msg);
            return CAP_EOPEN;
        }
        in->p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, ebuf);
        if (!in->p) fclose(fp);
    } else {
        in->p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
    }
    if (!in->p) {
        explain_open_error(in->name, is_stdin, ebuf, msg, sizeof(msg));
        copy_err(err, errlen, msg);
        return CAP_EOPEN;
    }
    in->nano = pcap_get_tstamp_precision(in->p) == PCAP_TSTAMP_PRECISION_NANO;
    in->linktype = pcap_datalink(in->p);
    if (!pkt_linktype_supported(in->linktype)) {
        snprintf(msg, sizeof(msg), "%s: unsupported link type %d (%s)", in->name, in->linktype,
                 capsrc_linktype_name(in->linktype));
        copy_err(err, errlen, msg);
        return CAP_ELINKTYPE;
    }
    if (!is_stdin && !in->gz && in->size) input_try_fast(in);
    return CAP_OK;
}

int capsrc_open_files(struct cap_source **out, const char *const *paths, int npaths, char *err,
                      size_t errlen)
{
    *out = NULL;
    copy_err(err, errlen, "");
    if (npaths <= 0) {
        copy_err(err, errlen, "no capture file given");
        return CAP_EOPEN;
    }
    int nstdin = 0;
    for (int i = 0; i < npaths; i++)
        if (strcmp(paths[i], "-") == 0) nstdin++;
    if (nstdin > 1) {
        copy_err(err, errlen, "-: standard input can be read only once");
        return CAP_EOPEN;
    }
    struct cap_source *src = calloc(1, sizeof(*src));
    if (!src || !(src->in = calloc((size_t)npaths, sizeof(*src->in)))) {
        free(src);
        copy_err(err, errlen, "out of memory");
        return CAP_EOPEN;
    }
    src->last = -1;
    for (int i = 0; i < npaths; i++) {
        src->n = i + 1; /* so capsrc_close frees what was opened */
        int rc = input_open_file(&src->in[i], paths[i], err, errlen);
        if (rc != CAP_OK) {
            capsrc_close(src);
            return rc;
        }
    }
    *out = src;
    return CAP_OK;
}

static void input_take(struct cap_source *src, struct cap_input *in)
{
    in->have_head = true;
    in->npackets++;
    in->head_ts = ts_to_ns(&in->hdr->ts, in->nano);
    if (src->dumper) pcap_dump((u_char *)src->dumper, in->hdr, in->data);
}

/* Read input i's next packet into its head. Returns CAP_OK (head filled or
 * input finished) or a negative error, after which the input is done. */
static int input_advance_file(struct cap_source *src, int i)
{
    struct cap_input *in = &src->in[i];
    if (in->fast) {
        struct pcapfile_rec r;
        if (pcapfile_next(in->fast, &r) == PCAPFILE_RECORD) {
            in->fast_hdr.ts.tv_sec = (time_t)r.sec;
            in->fast_hdr.ts.tv_usec = (suseconds_t)r.frac * (in->fast_nano ? 1 : 1000);
            in->fast_hdr.caplen = r.caplen;
            in->fast_hdr.len = r.len;
            in->hdr = &in->fast_hdr;
            in->data = r.data;
            input_take(src, in);
            return CAP_OK;
        }
        int hrc = input_fast_handover(src, in);
        if (hrc != CAP_OK) return hrc;
    }
    int rc = pcap_next_ex(in->p, &in->hdr, &in->data);
    if (rc == 1) {
        input_take(src, in);
        return CAP_OK;
    }
    in->done = true;
    if (rc == PCAP_ERROR_BREAK) return CAP_OK; /* end of file */
    const char *perr = pcap_geterr(in->p);
    if (strstr(perr, "truncated")) {
        /* libpcap: "truncated dump file; tried to read ..." (pcap) or
         * "truncated pcapng dump file; ..." */
        src_seterr(src,
                   "%s: file is truncated: it ends inside a packet record after %llu "
                   "complete packets (%s)",
                   in->name, (unsigned long long)in->npackets, perr);
        return CAP_ETRUNC;
    }
    src_seterr(src, "%s: read error after %llu packets: %s", in->name,
               (unsigned long long)in->npackets, perr);
    return CAP_EREAD;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Live: the handle is non-blocking, so wait for it here with poll() in
 * slices of at most CAP_LIVE_POLL_MS. (In immediate mode libpcap ignores
 * its own read timeout, so a blocking pcap_next_ex could not return
 * CAP_AGAIN.) A signal interrupts poll(); the stop flag is checked after
 * every slice, so capsrc_breakloop works from a handler or another thread.
 * Returns CAP_OK, CAP_AGAIN or CAP_EREAD. */
static int input_advance_live(struct cap_source *src)
{
    struct cap_input *in = &src->in[0];
    const int64_t start = mono_ms();
    for (;;) {
        if (src->stop) {
            in->done = true;
            return CAP_OK;
        }
        int rc = pcap_next_ex(in->p, &in->hdr, &in->data);
        if (rc == 1) {
            input_take(src, in);
            return CAP_OK;
        }
        if (rc == PCAP_ERROR_BREAK) {
            in->done = true;
            return CAP_OK;
        }
        if (rc < 0) {
            in->done = true;
            src_seterr(src, "%s: capture stopped after %llu packets: %s", in->name,
                       (unsigned long long)in->npackets, pcap_geterr(in->p));
            return CAP_EREAD;
        }
        /* Nothing buffered. */
        if (src->dumper) pcap_dump_flush(src->dumper);
        int64_t slice = CAP_LIVE_POLL_MS;
        if (src->wakeup_ms > 0) {
            int64_t left = src->wakeup_ms - (mono_ms() - start);
            if (left <= 0) return CAP_AGAIN;
            if (left < slice) slice = left;
        }
        const struct timeval *req = pcap_get_required_select_timeout(in->p);
        if (req) {
            int64_t r = (int64_t)req->tv_sec * 1000 + req->tv_usec / 1000;
            if (r < slice) slice = r > 0 ? r : 1;
        }
        int fd = pcap_get_selectable_fd(in->p);
        if (fd >= 0) {
            struct pollfd pfd = {fd, POLLIN, 0};
            (void)poll(&pfd, 1, (int)slice); /* EINTR: loop and look at stop */
        } else {
            struct timespec ts = {0, (long)slice * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
}

static int input_advance(struct cap_source *src, int i)
{
    return src->live ? input_advance_live(src) : input_advance_file(src, i);
}

int capsrc_next(struct cap_source *src, struct cap_packet *out)
{
    if (src->last >= 0) {
        src->in[src->last].have_head = false;
        src->last = -1;
    }
    if (src->stop) return CAP_EOF;
    for (int i = 0; i < src->n; i++) {
        struct cap_input *in = &src->in[i];
        if (in->done || in->have_head) continue;
        int rc = input_advance(src, i);
        if (rc != CAP_OK) return rc;
    }
    int best = -1;
    for (int i = 0; i < src->n; i++) {
        if (!src->in[i].have_head) continue;
        if (best < 0 || src->in[i].head_ts < src->in[best].head_ts) best = i;
    }
    if (best < 0) return CAP_EOF;
    struct cap_input *in = &src->in[best];
    out->ts_ns = in->head_ts;
    out->data = in->data;
    out->caplen = in->hdr->caplen;
    out->wirelen = in->hdr->len;
    out->linktype = in->linktype;
    out->source_index = best;
    src->last = best;
    return CAP_PACKET;
}

const char *capsrc_error(const struct cap_source *src) { return src ? src->err : ""; }

void capsrc_progress(const struct cap_source *src, uint64_t *done, uint64_t *total)
{
    uint64_t d = 0, t = 0;
    bool unknown = src->live;
    for (int i = 0; i < src->n && !src->live; i++) {
        const struct cap_input *in = &src->in[i];
        if (!in->size) unknown = true;
        t += in->size;
        FILE *fp = in->p && !in->gz ? pcap_file(in->p) : NULL;
        long pos = in->fast  ? (long)pcapfile_offset(in->fast)
                   : in->gz  ? (long)gzoffset(in->gz)
                   : fp      ? ftell(fp)
                             : -1;
        if (in->done && in->size) d += in->size;
        else if (pos > 0) d += (uint64_t)pos;
    }
    *done = d;
    *total = unknown ? 0 : t;
}

int capsrc_kernel_drops(struct cap_source *src, uint64_t *received, uint64_t *dropped,
                        uint64_t *if_dropped)
{
    *received = *dropped = *if_dropped = 0;
    if (!src->live) return CAP_OK;
    struct pcap_stat ps;
    if (pcap_stats(src->in[0].p, &ps) != 0) {
        src_seterr(src, "%s: pcap_stats: %s", src->in[0].name, pcap_geterr(src->in[0].p));
        return CAP_EREAD;
    }
    *received = ps.ps_recv;
    *dropped = ps.ps_drop;
    *if_dropped = ps.ps_ifdrop;
    return CAP_OK;
}

void capsrc_breakloop(struct cap_source *src)
{
    /* Only async-signal-safe work here: a flag and pcap_breakloop (which
     * also wakes a poll() on Linux). */
    src->stop = 1;
    if (src->live && src->n > 0 && src->in[0].p) pcap_breakloop(src->in[0].p);
}

/* One line for a failed pcap_activate, naming the interface and what to do. */
static void explain_activate(const char *iface, int rc, const char *perr, char *out,
                             size_t outlen)
{
    switch (rc) {
    case PCAP_ERROR_NO_SUCH_DEVICE:
        snprintf(out, outlen, "%s: no such capture device (%s)", iface, perr);
        break;
    case PCAP_ERROR_PERM_DENIED:
    case PCAP_ERROR_PROMISC_PERM_DENIED:
        snprintf(out, outlen,
                 "%s: permission denied: live capture needs root or the CAP_NET_RAW and "
                 "CAP_NET_ADMIN capabilities (%s)",
                 iface, perr[0] ? perr : pcap_statustostr(rc));
        break;
    case PCAP_ERROR_IFACE_NOT_UP:
        snprintf(out, outlen, "%s: interface is not up", iface);
        break;
    default:
        snprintf(out, outlen, "%s: cannot capture: %s", iface,
                 perr[0] ? perr : pcap_statustostr(rc));
        break;
    }
}

int capsrc_open_live(struct cap_source **out, const struct cap_live_opts *opts, char *err,
                     size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE];
    char msg[CAP_ERRLEN];
    const char *iface = opts->iface ? opts->iface : "any";
    *out = NULL;
    copy_err(err, errlen, "");
    ebuf[0] = '\0';

    struct cap_source *src = calloc(1, sizeof(*src));
    if (!src || !(src->in = calloc(1, sizeof(*src->in))) ||
        !(src->in[0].name = strdup(iface))) {
        if (src) free(src->in);
        free(src);
        copy_err(err, errlen, "out of memory");
        return CAP_ELIVE;
    }
    src->n = 1;
    src->last = -1;
    src->live = true;
    src->wakeup_ms = opts->wakeup_ms;
    struct cap_input *in = &src->in[0];

    in->p = pcap_create(iface, ebuf);
    if (!in->p) {
        snprintf(msg, sizeof(msg), "%s: %s", iface, ebuf);
        goto fail;
    }
    pcap_set_snaplen(in->p, opts->snaplen > 0 ? opts->snaplen : CAP_DEFAULT_SNAPLEN);
    pcap_set_promisc(in->p, 1); /* as tcpdump does by default */
    pcap_set_timeout(in->p, opts->wakeup_ms > 0 && opts->wakeup_ms < CAP_LIVE_POLL_MS
                                ? opts->wakeup_ms
                                : CAP_LIVE_POLL_MS);
    pcap_set_immediate_mode(in->p, opts->immediate ? 1 : 0);
    /* Not every platform offers ns; fall back silently to us. */
    (void)pcap_set_tstamp_precision(in->p, PCAP_TSTAMP_PRECISION_NANO);
    int rc = pcap_activate(in->p);
    if (rc < 0) {
        explain_activate(iface, rc, pcap_geterr(in->p), msg, sizeof(msg));
        goto fail;
    }
    if (pcap_setnonblock(in->p, 1, ebuf) < 0) {
        snprintf(msg, sizeof(msg), "%s: %s", iface, ebuf);
        goto fail;
    }
    in->nano = pcap_get_tstamp_precision(in->p) == PCAP_TSTAMP_PRECISION_NANO;
    in->linktype = pcap_datalink(in->p);
    if (!pkt_linktype_supported(in->linktype)) {
        snprintf(msg, sizeof(msg), "%s: unsupported link type %d (%s)", iface, in->linktype,
                 capsrc_linktype_name(in->linktype));
        capsrc_close(src);
        copy_err(err, errlen, msg);
        return CAP_ELINKTYPE;
    }
    if (opts->filter && opts->filter[0]) {
        struct bpf_program prog;
        if (pcap_compile(in->p, &prog, opts->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
            snprintf(msg, sizeof(msg), "bad filter expression \"%s\": %s", opts->filter,
                     pcap_geterr(in->p));
            goto fail;
        }
        rc = pcap_setfilter(in->p, &prog);
        pcap_freecode(&prog);
        if (rc < 0) {
            snprintf(msg, sizeof(msg), "%s: cannot set filter: %s", iface, pcap_geterr(in->p));
            goto fail;
        }
    }
    if (opts->dump_path) {
        src->dumper = pcap_dump_open(in->p, opts->dump_path);
        if (!src->dumper) {
            snprintf(msg, sizeof(msg), "%s: cannot write capture: %s", opts->dump_path,
                     pcap_geterr(in->p));
            goto fail;
        }
    }
    *out = src;
    return CAP_OK;

fail:
    capsrc_close(src);
    copy_err(err, errlen, msg);
    return CAP_ELIVE;
}
