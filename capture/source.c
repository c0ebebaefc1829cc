/* source.c — capture files and live interfaces.
 *
 * Files: pcapng is read by pcapng.c (libpcap refuses pcapng files whose
 * interfaces differ in link type or snaplen, which dumpcap writes when it
 * captures several interfaces); each packet carries its interface's link
 * type. Classic pcap is opened by libpcap with nanosecond timestamps
 * (pcap_open_offline_with_tstamp_precision) and read in place by pcapfile.c
 * while it can. The format is sniffed from the first 4 bytes; a stream
 * (stdin, gzip, archive member) cannot be rewound, so for libpcap those
 * bytes are replayed in front of it (replay_open).
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

#include "capture/bundle.h"
#include "capture/packet.h"
#include "capture/pcapfile.h"
#include "common/timefmt.h"
#include "capture/pcapng.h"

#define CAP_ERRLEN (PCAP_ERRBUF_SIZE + 512)
#define CAP_DEFAULT_SNAPLEN 262144 /* tcpdump's "whole packet" */
#define CAP_LIVE_POLL_MS 100       /* how often a waiting live read checks for stop */
/* Kernel buffer for live captures. libpcap's default is 2 MiB, but in
 * immediate mode Linux libpcap uses a TPACKET_V2 ring with one fixed-size
 * slot per packet, sized for the snapshot length or the interface MTU if
 * smaller: 2 MiB is ~1300 packets on Ethernet but ~30 on loopback (64 KiB
 * MTU). Measured on lo: a 5000-datagram burst lost 62% with 2 MiB, 25% with
 * 32 MiB, none with -s 2000; on Ethernet-sized slots 32 MiB holds ~20000. */
#define CAP_DEFAULT_BUFFER_KIB 32768
#define CAP_FILTER_PROBE_MS 300    /* time allowed for locating a syntax error */
#define CAP_NG_FILTERS 16          /* pcapng: link types one input may filter */

/* A BPF program for one link type of a pcapng input. */
struct ng_filter {
    int linktype;
    struct bpf_program prog;
};

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
    bool head_bad_time;  /* the head's own time did not fit int64 ns */
    uint64_t size;       /* file size; 0 = unknown (pipe, stdin) */
    gzFile gz;           /* gzip-compressed input: the stream libpcap reads
                            through a cookie FILE; closed by pcap_close */
    struct bundle_stream *bs; /* archive member: the stream behind libpcap's
                            cookie FILE; freed by pcap_close */
    uint64_t npackets;   /* complete packets read */
    /* Plain pcap files are read by pcapfile.c while it can (see
     * input_try_fast); then hdr points at fast_hdr. libpcap's stream is only
     * used again after the handover. A BPF filter installed on p with
     * pcap_setfilter() is applied by pcap_next_ex only, so the fast path
     * runs its own copy of the program (input_set_filter). */
    struct pcapfile *fast;
    struct pcap_pkthdr fast_hdr;
    bool fast_nano;      /* the file's timestamps are ns (else us) */
    bool fast_filtered;
    struct bpf_program fast_filter; /* owned when fast_filtered */
    /* pcapng files: read by pcapng.c; p stays NULL. The bytes come from
     * ng_fd (a regular file, owned) or ng_fp (gzip, stdin, archive member;
     * owned, closing it frees gz / bs). A filter is compiled per link type
     * as interfaces appear (ng_filters) from the stored expression. */
    struct pcapng *ng;
    int ng_fd;
    FILE *ng_fp;
    char *ng_filter_expr;
    struct ng_filter ng_filters[CAP_NG_FILTERS];
    int ng_nfilters;
    int head_linktype;   /* link type of the head packet */
    struct cap_source *src; /* back pointer for the secrets hook */
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
    int snaplen;         /* live: as activated */
    capsrc_secrets_fn secrets_fn;
    void *secrets_ctx;
    /* Secrets met before a hook was set (opening a pcapng reads up to its
     * first packet): kept, and handed over by capsrc_set_secrets_hook */
    struct held_secrets *held;
    char err[CAP_ERRLEN];
};

static void src_seterr(struct cap_source *src, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void held_secrets_free(struct cap_source *src);

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

/* Seconds + fraction to ns since the epoch. A time int64 ns cannot hold
 * (pcapng allows 2^64 units; a negative if_tsoffset) is not saturated into
 * a date: false, and the caller flags the packet (common/timefmt.h). */
static bool ts_to_ns(const struct timeval *tv, bool nano, int64_t *ns)
{
    int64_t frac = nano ? (int64_t)tv->tv_usec : (int64_t)tv->tv_usec * 1000;
    return time_ns_from((int64_t)tv->tv_sec, frac, ns);
}

static void input_close(struct cap_input *in)
{
    pcapng_free(in->ng);
    in->ng = NULL;
    if (in->ng_fd >= 0) close(in->ng_fd);
    in->ng_fd = -1;
    if (in->ng_fp) fclose(in->ng_fp); /* also frees in->gz / in->bs */
    in->ng_fp = NULL;
    for (int i = 0; i < in->ng_nfilters; i++) pcap_freecode(&in->ng_filters[i].prog);
    in->ng_nfilters = 0;
    free(in->ng_filter_expr);
    in->ng_filter_expr = NULL;
    pcapfile_free(in->fast);
    in->fast = NULL;
    if (in->fast_filtered) pcap_freecode(&in->fast_filter);
    in->fast_filtered = false;
    if (in->p) pcap_close(in->p); /* also frees in->bs through its FILE */
    in->p = NULL;
    in->bs = NULL;
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
    held_secrets_free(src);
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

/* ---- pcapng through pcapng.c ------------------------------------------------ */

static ssize_t ng_read_fd(void *ctx, void *buf, size_t n)
{
    return read(*(const int *)ctx, buf, n);
}

static ssize_t ng_read_stream(void *ctx, void *buf, size_t n)
{
    FILE *fp = ctx;
    size_t got = fread(buf, 1, n, fp);
    if (got == 0 && ferror(fp)) {
        if (!errno) errno = EIO;
        return -1;
    }
    return (ssize_t)got;
}

#define CAP_HELD_SECRETS_MAX (16u << 20) /* bytes of secrets kept before a hook is set */

struct held_secrets {
    struct held_secrets *next;
    uint32_t type;
    size_t len;
    char origin[CAP_ERRLEN];
    uint8_t data[];
};

/* pcapng.c's secrets hook for one input: say where the secrets came from. */
static void ng_secrets(void *ctx, const struct pcapng_secrets *s)
{
    struct cap_input *in = ctx;
    struct cap_source *src = in->src;
    if (!src) return;
    char origin[CAP_ERRLEN];
    snprintf(origin, sizeof(origin), "%s, Decryption Secrets Block at byte %llu", in->name,
             (unsigned long long)s->offset);
    if (src->secrets_fn) {
        struct cap_secrets cs = {s->type, s->data, s->len, origin};
        src->secrets_fn(src->secrets_ctx, &cs);
        return;
    }
    /* no hook yet: keep a copy (within a cap) for capsrc_set_secrets_hook */
    size_t kept = 0;
    struct held_secrets **tail = &src->held;
    for (; *tail; tail = &(*tail)->next) kept += (*tail)->len;
    if (s->len > CAP_HELD_SECRETS_MAX - kept) return;
    struct held_secrets *h = malloc(sizeof(*h) + s->len);
    if (!h) return;
    h->next = NULL;
    h->type = s->type;
    h->len = s->len;
    memcpy(h->data, s->data, s->len);
    snprintf(h->origin, sizeof(h->origin), "%s", origin);
    *tail = h;
}

static void held_secrets_free(struct cap_source *src)
{
    while (src->held) {
        struct held_secrets *h = src->held;
        src->held = h->next;
        free(h);
    }
}

/* Start reading a pcapng input whose first 4 bytes (`magic`) were taken from
 * the source already. Reads ahead to the first packet so that a file that
 * is not pcapng after all, or has only link types tlsscope cannot decode,
 * fails here like any unreadable file. */
static int input_open_ng(struct cap_input *in, const uint8_t *magic, char *err, size_t errlen)
{
    char msg[CAP_ERRLEN];
    in->ng = in->ng_fp ? pcapng_new(ng_read_stream, in->ng_fp, magic, 4)
                       : pcapng_new(ng_read_fd, &in->ng_fd, magic, 4);
    if (!in->ng) {
        copy_err(err, errlen, "out of memory");
        return CAP_EOPEN;
    }
    pcapng_set_secrets_hook(in->ng, ng_secrets, in);
    int rc = pcapng_peek(in->ng);
    if (rc == PCAPNG_NOTNG) {
        snprintf(msg, sizeof(msg), "%s: not a pcap or pcapng capture file (%s)", in->name,
                 pcapng_error(in->ng));
        copy_err(err, errlen, msg);
        return CAP_EOPEN;
    }
    /* Interfaces of other link types (USB, Bluetooth next to Ethernet) are
     * fine: their packets are counted as non-IP. Only a file none of whose
     * first interfaces tlsscope can decode is refused. */
    uint32_t nif = pcapng_iface_count(in->ng);
    bool any_ok = nif == 0;
    for (uint32_t i = 0; i < nif && !any_ok; i++)
        any_ok = pkt_linktype_supported(pcapng_linktype(in->ng, i));
    in->linktype = nif ? pcapng_linktype(in->ng, 0) : DLT_EN10MB;
    if (!any_ok) {
        snprintf(msg, sizeof(msg), "%s: unsupported link type %d (%s)", in->name, in->linktype,
                 capsrc_linktype_name(in->linktype));
        copy_err(err, errlen, msg);
        return CAP_ELINKTYPE;
    }
    in->nano = true;
    return CAP_OK;
}

/* A stream whose first bytes were read to sniff the format, for libpcap:
 * reads give those bytes back first, then the stream; closing closes it. */
struct replay {
    FILE *inner;
    uint8_t pre[4];
    size_t n, at;
};

static ssize_t replay_read(void *cookie, char *buf, size_t n)
{
    struct replay *r = cookie;
    size_t k = 0;
    while (r->at < r->n && k < n) buf[k++] = (char)r->pre[r->at++];
    if (k) return (ssize_t)k;
    size_t got = fread(buf, 1, n, r->inner);
    return got == 0 && ferror(r->inner) ? -1 : (ssize_t)got;
}

static int replay_close(void *cookie)
{
    struct replay *r = cookie;
    int rc = fclose(r->inner);
    free(r);
    return rc;
}

/* Returns a FILE that replays pre[0, n) and then reads `inner` (owned by
 * it from now on), or NULL (then `inner` is still the caller's). */
static FILE *replay_open(FILE *inner, const uint8_t *pre, size_t n)
{
    struct replay *r = calloc(1, sizeof(*r));
    if (!r) return NULL;
    r->inner = inner;
    memcpy(r->pre, pre, n);
    r->n = n;
    cookie_io_functions_t io = {.read = replay_read, .close = replay_close};
    FILE *fp = fopencookie(r, "rb", io);
    if (!fp) free(r);
    return fp;
}

/* Sniff a stream: pcapng is read by pcapng.c (which then owns the stream
 * as in->ng_fp); anything else is returned, with its first bytes replayed,
 * for libpcap. Returns CAP_OK with *for_pcap set or NULL, or an error. */
static int input_sniff_stream(struct cap_input *in, FILE *fp, FILE **for_pcap, char *err,
                              size_t errlen)
{
    uint8_t magic[4];
    *for_pcap = NULL;
    errno = 0;
    size_t got = fread(magic, 1, sizeof(magic), fp);
    if (got == sizeof(magic) && pcapng_magic(magic, got)) {
        in->ng_fp = fp;
        return input_open_ng(in, magic, err, errlen);
    }
    FILE *r = replay_open(fp, magic, got);
    if (!r) {
        fclose(fp);
        copy_err(err, errlen, "out of memory");
        return CAP_EOPEN;
    }
    *for_pcap = r;
    return CAP_OK;
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
        FILE *pfp;
        int rc = input_sniff_stream(in, fp, &pfp, err, errlen);
        if (rc != CAP_OK || !pfp) return rc;
        in->p = pcap_fopen_offline_with_tstamp_precision(pfp, PCAP_TSTAMP_PRECISION_NANO, ebuf);
        if (!in->p) fclose(pfp);
    } else {
        /* a regular file: pcapng goes to pcapng.c over the descriptor;
         * anything else (and every open error) to libpcap as before */
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        uint8_t magic[4];
        if (fd >= 0 && pread(fd, magic, 4, 0) == 4 && pcapng_magic(magic, 4) &&
            lseek(fd, 4, SEEK_SET) == 4) {
            in->ng_fd = fd;
            return input_open_ng(in, magic, err, errlen);
        }
        if (fd >= 0) close(fd);
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

/* A capture inside an archive: libpcap reads the member through the
 * bundle stream's cookie FILE (decompressed, capped), like a gzip file. */
static int input_open_member(struct cap_input *in, const struct cap_input_spec *spec, char *err,
                             size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE];
    char msg[CAP_ERRLEN];
    ebuf[0] = '\0';
    if (spec->display) {
        in->name = strdup(spec->display);
    } else {
        size_t n = strlen(spec->path) + strlen(spec->member) + 2;
        in->name = malloc(n);
        if (in->name) snprintf(in->name, n, "%s:%s", spec->path, spec->member);
    }
    if (!in->name) {
        copy_err(err, errlen, "out of memory");
        return CAP_EOPEN;
    }
    FILE *fp = NULL;
    if (bundle_stream_open(spec->path, spec->member, spec->member_index, spec->limits,
                           spec->budget, &in->bs, &fp, msg, sizeof(msg)) != 0) {
        in->bs = NULL;
        copy_err(err, errlen, msg);
        return CAP_EOPEN;
    }
    FILE *pcapfp = NULL;
    int src_rc = input_sniff_stream(in, fp, &pcapfp, err, errlen);
    if (in->ng_fp) {
        if (src_rc != CAP_OK && bundle_stream_error(in->bs)[0]) {
            snprintf(msg, sizeof(msg), "%s: %s", in->name, bundle_stream_error(in->bs));
            copy_err(err, errlen, msg);
        }
        return src_rc;
    }
    if (!pcapfp) {
        in->bs = NULL; /* freed with fp */
        return src_rc;
    }
    fp = pcapfp;
    in->p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, ebuf);
    if (!in->p) {
        const char *why = bundle_stream_error(in->bs);
        if (why[0]) snprintf(msg, sizeof(msg), "%s: %s", in->name, why);
        else explain_open_error(in->name, false, ebuf, msg, sizeof(msg));
        fclose(fp); /* frees the stream */
        in->bs = NULL;
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
    return CAP_OK;
}

int capsrc_open_inputs(struct cap_source **out, const struct cap_input_spec *inputs, int n,
                       char *err, size_t errlen)
{
    *out = NULL;
    copy_err(err, errlen, "");
    if (n <= 0) {
        copy_err(err, errlen, "no capture file given");
        return CAP_EOPEN;
    }
    int nstdin = 0;
    for (int i = 0; i < n; i++)
        if (!inputs[i].member && strcmp(inputs[i].path, "-") == 0) nstdin++;
    if (nstdin > 1) {
        copy_err(err, errlen, "-: standard input can be read only once");
        return CAP_EOPEN;
    }
    struct cap_source *src = calloc(1, sizeof(*src));
    if (!src || !(src->in = calloc((size_t)n, sizeof(*src->in)))) {
        free(src);
        copy_err(err, errlen, "out of memory");
        return CAP_EOPEN;
    }
    src->last = -1;
    for (int i = 0; i < n; i++) {
        src->in[i].ng_fd = -1;
        src->in[i].src = src;
    }
    for (int i = 0; i < n; i++) {
        src->n = i + 1; /* so capsrc_close frees what was opened */
        int rc = inputs[i].member ? input_open_member(&src->in[i], &inputs[i], err, errlen)
                                  : input_open_file(&src->in[i], inputs[i].path, err, errlen);
        if (rc != CAP_OK) {
            capsrc_close(src);
            return rc;
        }
    }
    *out = src;
    return CAP_OK;
}

int capsrc_open_files(struct cap_source **out, const char *const *paths, int npaths, char *err,
                      size_t errlen)
{
    struct cap_input_spec *specs = npaths > 0 ? calloc((size_t)npaths, sizeof(*specs)) : NULL;
    if (npaths > 0 && !specs) {
        *out = NULL;
        copy_err(err, errlen, "out of memory");
        return CAP_EOPEN;
    }
    for (int i = 0; i < npaths; i++) specs[i].path = paths[i];
    int rc = capsrc_open_inputs(out, specs, npaths, err, errlen);
    free(specs);
    return rc;
}

static void input_take(struct cap_source *src, struct cap_input *in)
{
    in->have_head = true;
    in->head_linktype = in->linktype;
    in->npackets++;
    int64_t ts;
    /* Out of range: the packet keeps the input's previous time for the
     * merge order and is flagged, so it is counted, never judged at a
     * made-up date (capsrc_next: cap_packet.ts_out_of_range). */
    in->head_bad_time = !ts_to_ns(&in->hdr->ts, in->nano, &ts);
    if (!in->head_bad_time) in->head_ts = ts;
    if (src->dumper) pcap_dump((u_char *)src->dumper, in->hdr, in->data);
}

/* An archive member that ended because of its archive (a cap, a corrupt
 * archive) says so instead of what the capture reader saw. Returns
 * CAP_ETRUNC with the message set, or CAP_OK if the archive is fine. */
static int input_archive_end(struct cap_source *src, struct cap_input *in)
{
    if (in->bs && bundle_stream_capped(in->bs)) {
        src_seterr(src, "%s: read only the first %llu packets: it reached %s; the rest was not read",
                   in->name, (unsigned long long)in->npackets, bundle_stream_cap_text(in->bs));
        return CAP_ETRUNC;
    }
    if (in->bs && bundle_stream_error(in->bs)[0]) {
        src_seterr(src, "%s: archive member unreadable after %llu complete packets: %s",
                   in->name, (unsigned long long)in->npackets, bundle_stream_error(in->bs));
        return CAP_ETRUNC;
    }
    return CAP_OK;
}

/* The filter program for a pcapng input's link type, compiled on first
 * use (interfaces can appear anywhere in the file). NULL with msg set when
 * the expression means nothing for this link type. */
static const struct bpf_program *ng_filter_for(struct cap_input *in, int linktype,
                                               bool name_file, char *msg, size_t msglen);

/* pcapng: the next packet that passes the filter into the head. */
static int input_advance_ng(struct cap_source *src, struct cap_input *in)
{
    char msg[CAP_ERRLEN];
    for (;;) {
        struct pcapng_rec r;
        int rc = pcapng_next(in->ng, &r);
        if (rc == PCAPNG_RECORD) {
            in->fast_hdr.ts.tv_sec = 0;
            in->fast_hdr.ts.tv_usec = 0;
            in->fast_hdr.caplen = r.caplen;
            in->fast_hdr.len = r.wirelen;
            if (in->ng_filter_expr) {
                const struct bpf_program *prog =
                    ng_filter_for(in, r.linktype, true, msg, sizeof(msg));
                if (!prog) {
                    in->done = true;
                    src_seterr(src, "%s", msg);
                    return CAP_EFILTER;
                }
                if (!pcap_offline_filter(prog, &in->fast_hdr, r.data)) continue;
            }
            in->hdr = &in->fast_hdr;
            in->data = r.data;
            in->have_head = true;
            in->head_linktype = r.linktype;
            /* pcapng_next() clamps a time beyond int64 ns (1677..2262) to
             * INT64_MIN/MAX: flagged like the pcap path's, never a date. */
            in->head_bad_time = r.ts_ns == INT64_MAX || r.ts_ns == INT64_MIN;
            if (!in->head_bad_time) in->head_ts = r.ts_ns;
            in->npackets++;
            return CAP_OK;
        }
        in->done = true;
        int arc = input_archive_end(src, in);
        if (arc != CAP_OK) return arc;
        const char *why = pcapng_error(in->ng);
        switch (rc) {
        case PCAPNG_END: return CAP_OK;
        case PCAPNG_TRUNCATED:
            src_seterr(src, "%s: file is truncated: %s, after %llu complete packets", in->name, why,
                       (unsigned long long)in->npackets);
            return CAP_ETRUNC;
        case PCAPNG_EREAD:
            if (in->gz) {
                int zerr = Z_OK;
                const char *zmsg = gzerror(in->gz, &zerr);
                if (zerr == Z_BUF_ERROR) {
                    src_seterr(src, "%s: file is truncated: the gzip stream ends early, after "
                                    "%llu complete packets", in->name,
                               (unsigned long long)in->npackets);
                    return CAP_ETRUNC;
                }
                if (zerr != Z_OK && zerr != Z_ERRNO) why = zmsg;
            }
            src_seterr(src, "%s: read error after %llu packets: %s", in->name,
                       (unsigned long long)in->npackets, why);
            return CAP_EREAD;
        default: /* damage, or a second section that is not pcapng at all */
            src_seterr(src, "%s: damaged pcapng file: %s; %llu packets were read before it, the "
                            "rest was not read", in->name, why, (unsigned long long)in->npackets);
            return CAP_ETRUNC;
        }
    }
}

/* Read input i's next packet into its head. Returns CAP_OK (head filled or
 * input finished) or a negative error, after which the input is done. */
static int input_advance_file(struct cap_source *src, int i)
{
    struct cap_input *in = &src->in[i];
    if (in->ng) return input_advance_ng(src, in);
    while (in->fast) {
        struct pcapfile_rec r;
        if (pcapfile_next(in->fast, &r) != PCAPFILE_RECORD) {
            int hrc = input_fast_handover(src, in);
            if (hrc != CAP_OK) return hrc;
            break;
        }
        in->fast_hdr.ts.tv_sec = (time_t)r.sec;
        in->fast_hdr.ts.tv_usec = (suseconds_t)r.frac * (in->fast_nano ? 1 : 1000);
        in->fast_hdr.caplen = r.caplen;
        in->fast_hdr.len = r.len;
        /* what pcap_next_ex does with a filter on a savefile */
        if (in->fast_filtered && !pcap_offline_filter(&in->fast_filter, &in->fast_hdr, r.data))
            continue;
        in->hdr = &in->fast_hdr;
        in->data = r.data;
        input_take(src, in);
        return CAP_OK;
    }
    int rc = pcap_next_ex(in->p, &in->hdr, &in->data);
    if (rc == 1) {
        input_take(src, in);
        return CAP_OK;
    }
    in->done = true;
    int arc = input_archive_end(src, in);
    if (arc != CAP_OK) return arc;
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
    out->ts_out_of_range = in->head_bad_time;
    out->data = in->data;
    out->caplen = in->hdr->caplen;
    out->wirelen = in->hdr->len;
    out->linktype = in->head_linktype;
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
        if (in->bs) {
            /* an archive member: its own size, when the archive declares it */
            uint64_t md = 0, mt = 0;
            bundle_stream_progress(in->bs, &md, &mt);
            if (!mt) unknown = true;
            t += mt;
            d += in->done ? mt : md;
            continue;
        }
        if (!in->size) unknown = true;
        t += in->size;
        FILE *fp = in->p && !in->gz ? pcap_file(in->p) : NULL;
        long pos = in->fast  ? (long)pcapfile_offset(in->fast)
                   : in->gz  ? (long)gzoffset(in->gz)
                   : in->ng && in->ng_fd >= 0 ? (long)pcapng_offset(in->ng)
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

void capsrc_set_secrets_hook(struct cap_source *src, capsrc_secrets_fn fn, void *ctx)
{
    src->secrets_fn = fn;
    src->secrets_ctx = ctx;
    for (struct held_secrets *h = src->held; h && fn; h = h->next) {
        struct cap_secrets cs = {h->type, h->data, h->len, h->origin};
        fn(ctx, &cs);
    }
    held_secrets_free(src);
}

void capsrc_file_stats(const struct cap_source *src, struct cap_file_stats *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < src->n; i++) {
        if (!src->in[i].ng) continue;
        const struct pcapng_stats *st = pcapng_stats(src->in[i].ng);
        out->secrets_blocks += st->secrets_blocks;
        out->secrets_tls += st->secrets_tls;
        out->have_drops |= st->have_drops;
        out->ifdrop += st->ifdrop;
        out->osdrop += st->osdrop;
    }
}

void capsrc_breakloop(struct cap_source *src)
{
    /* Only async-signal-safe work here: a flag and pcap_breakloop (which
     * also wakes a poll() on Linux). */
    src->stop = 1;
    if (src->live && src->n > 0 && src->in[0].p) pcap_breakloop(src->in[0].p);
}

/* ---- BPF filters ------------------------------------------------------ */

/* libpcap reports only "syntax error" for a filter it cannot parse. To point
 * at the word, the expression is cut after each word and the prefix is
 * probed with a few endings ("", " 1", ")" ...): the first prefix that no
 * ending makes parseable ends with the offending word. Probing compiles
 * with a dead handle of the same link type; name lookups (host names in the
 * expression) can make it slow, so it gives up after CAP_FILTER_PROBE_MS. */
static bool filter_parses(pcap_t *dead, const char *text)
{
    struct bpf_program prog;
    if (pcap_compile(dead, &prog, text, 1, PCAP_NETMASK_UNKNOWN) == 0) {
        pcap_freecode(&prog);
        return true;
    }
    /* a semantic error ("unknown host", "illegal port") means it parsed that far */
    return strstr(pcap_geterr(dead), "syntax error") == NULL;
}

/* Offset and length of the word where `expr` stops parsing, or -1 if every
 * prefix can still be completed (the expression ends too early) or the
 * probe ran out of time (-2). */
static int filter_locate_error(int linktype, const char *expr, size_t *wlen)
{
    static const char *const endings[] = {"",      " 1",       " tcp", ")",       " 1)",
                                          " = 1",  " 1 = 1",   "] = 1", " 1] = 1", " tcp)",
                                          "))",    " 1))"};
    const size_t n = strlen(expr);
    if (n > 1024) return -2;
    pcap_t *dead = pcap_open_dead(linktype, CAP_DEFAULT_SNAPLEN);
    if (!dead) return -2;
    char buf[1100];
    const int64_t start = mono_ms();
    size_t i = 0;
    int result = -1;
    while (i < n) {
        while (i < n && (expr[i] == ' ' || expr[i] == '\t')) i++;
        if (i >= n) break;
        size_t w = i;
        if (expr[i] == '(' || expr[i] == ')')
            i++;
        else
            while (i < n && expr[i] != ' ' && expr[i] != '\t' && expr[i] != '(' && expr[i] != ')')
                i++;
        bool ok = false;
        for (size_t e = 0; e < sizeof(endings) / sizeof(endings[0]) && !ok; e++) {
            snprintf(buf, sizeof(buf), "%.*s%s", (int)i, expr, endings[e]);
            ok = filter_parses(dead, buf);
            if (mono_ms() - start > CAP_FILTER_PROBE_MS) {
                pcap_close(dead);
                return -2;
            }
        }
        if (!ok) {
            *wlen = i - w;
            result = (int)w;
            break;
        }
    }
    pcap_close(dead);
    return result;
}

/* One line for a filter libpcap rejected. */
static void explain_filter(int linktype, const char *expr, const char *perr, char *out,
                           size_t outlen)
{
    static const char prefix[] = "can't parse filter expression: ";
    if (strncmp(perr, prefix, sizeof(prefix) - 1) == 0) perr += sizeof(prefix) - 1;
    if (strcmp(perr, "syntax error") != 0) {
        snprintf(out, outlen, "bad filter expression \"%s\": %s", expr, perr);
        return;
    }
    size_t wlen = 0;
    int at = filter_locate_error(linktype, expr, &wlen);
    if (at >= 0)
        snprintf(out, outlen, "bad filter expression \"%s\": syntax error at \"%.*s\" (character %d)",
                 expr, (int)wlen, expr + at, at + 1);
    else if (at == -1)
        snprintf(out, outlen, "bad filter expression \"%s\": syntax error: the expression ends too "
                              "early", expr);
    else
        snprintf(out, outlen, "bad filter expression \"%s\": syntax error", expr);
}

/* Compile and install `expr` on one handle. */
static int input_set_filter(struct cap_input *in, const char *expr, bpf_u_int32 netmask,
                            bool name_file, char *msg, size_t msglen)
{
    struct bpf_program prog;
    if (pcap_compile(in->p, &prog, expr, 1, netmask) < 0) {
        char why[CAP_ERRLEN - 160]; /* room for the file name below */
        explain_filter(in->linktype, expr, pcap_geterr(in->p), why, sizeof(why));
        if (name_file && !strstr(why, "syntax error"))
            /* semantic errors can depend on the link type ("ether host" on RAW) */
            snprintf(msg, msglen, "%.120s (link type %s): %s", in->name,
                     capsrc_linktype_name(in->linktype), why);
        else
            snprintf(msg, msglen, "%s", why);
        return CAP_EFILTER;
    }
    int rc = pcap_setfilter(in->p, &prog);
    if (rc == 0 && in->fast) {
        /* pcap_next_ex filters, pcapfile.c does not: keep the program for
         * input_advance_file (libpcap took its own copy) */
        if (in->fast_filtered) pcap_freecode(&in->fast_filter);
        in->fast_filter = prog;
        in->fast_filtered = true;
    } else {
        pcap_freecode(&prog);
    }
    if (rc < 0) {
        snprintf(msg, msglen, "%s: cannot set filter: %s", in->name, pcap_geterr(in->p));
        return CAP_EFILTER;
    }
    return CAP_OK;
}

static const struct bpf_program *ng_filter_for(struct cap_input *in, int linktype,
                                               bool name_file, char *msg, size_t msglen)
{
    for (int i = 0; i < in->ng_nfilters; i++)
        if (in->ng_filters[i].linktype == linktype) return &in->ng_filters[i].prog;
    if (in->ng_nfilters == CAP_NG_FILTERS) {
        snprintf(msg, msglen, "%s: more than %d link types to filter (tlsscope's cap)", in->name,
                 CAP_NG_FILTERS);
        return NULL;
    }
    pcap_t *dead = pcap_open_dead(linktype, CAP_DEFAULT_SNAPLEN);
    if (!dead) {
        snprintf(msg, msglen, "out of memory");
        return NULL;
    }
    struct ng_filter *f = &in->ng_filters[in->ng_nfilters];
    if (pcap_compile(dead, &f->prog, in->ng_filter_expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
        char why[CAP_ERRLEN - 160]; /* room for the file name below */
        explain_filter(linktype, in->ng_filter_expr, pcap_geterr(dead), why, sizeof(why));
        /* as input_set_filter: semantic errors depend on the link type */
        if (name_file && !strstr(why, "syntax error"))
            snprintf(msg, msglen, "%.120s (link type %s): %s", in->name,
                     capsrc_linktype_name(linktype), why);
        else
            snprintf(msg, msglen, "%s", why);
        pcap_close(dead);
        return NULL;
    }
    pcap_close(dead);
    f->linktype = linktype;
    in->ng_nfilters++;
    return &f->prog;
}

/* pcapng: keep the expression, and compile it now for every interface
 * read so far, so a bad expression fails before the first packet. */
static int input_set_filter_ng(struct cap_input *in, const char *expr, bool name_file, char *msg,
                               size_t msglen)
{
    free(in->ng_filter_expr);
    for (int i = 0; i < in->ng_nfilters; i++) pcap_freecode(&in->ng_filters[i].prog);
    in->ng_nfilters = 0;
    in->ng_filter_expr = strdup(expr);
    if (!in->ng_filter_expr) {
        snprintf(msg, msglen, "out of memory");
        return CAP_EFILTER;
    }
    uint32_t nif = pcapng_iface_count(in->ng);
    name_file = name_file || nif > 1; /* which of the file's link types it is */
    bool ok = nif > 0 || ng_filter_for(in, in->linktype, name_file, msg, msglen);
    for (uint32_t i = 0; i < nif && ok; i++)
        ok = ng_filter_for(in, pcapng_linktype(in->ng, i), name_file, msg, msglen) != NULL;
    return ok ? CAP_OK : CAP_EFILTER;
}

int capsrc_set_filter(struct cap_source *src, const char *expr, char *err, size_t errlen)
{
    char msg[CAP_ERRLEN];
    copy_err(err, errlen, "");
    if (!expr || !expr[0]) return CAP_OK;
    for (int i = 0; i < src->n; i++) {
        struct cap_input *in = &src->in[i];
        if (in->ng) {
            if (input_set_filter_ng(in, expr, src->n > 1, msg, sizeof(msg)) != CAP_OK) {
                copy_err(err, errlen, msg);
                return CAP_EFILTER;
            }
            continue;
        }
        if (!in->p) continue;
        if (input_set_filter(in, expr, PCAP_NETMASK_UNKNOWN, src->n > 1 && !src->live, msg,
                             sizeof(msg)) != CAP_OK) {
            copy_err(err, errlen, msg);
            return CAP_EFILTER;
        }
    }
    return CAP_OK;
}

/* ---- interfaces ----------------------------------------------------------- */

/* The bracket text of tcpdump -D (tcpdump 4.99 show_devices_and_exit): the
 * Up/Running/Loopback/Wireless bits, then the connection status; "none"
 * when flags are set but none of those bits; NULL when flags are 0. */
static const char *iface_flags(bpf_u_int32 flags, char *buf, size_t len)
{
    static const struct {
        bpf_u_int32 bit;
        const char *name;
    } bits[] = {{PCAP_IF_UP, "Up"},
                {PCAP_IF_RUNNING, "Running"},
                {PCAP_IF_LOOPBACK, "Loopback"},
                {PCAP_IF_WIRELESS, "Wireless"}};
    if (flags == 0) return NULL;
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
        if (flags & bits[i].bit)
            k += (size_t)snprintf(buf + k, k < len ? len - k : 0, "%s%s", k ? ", " : "",
                                  bits[i].name);
    if (k == 0) k = (size_t)snprintf(buf, len, "none");
    const bool wl = flags & PCAP_IF_WIRELESS;
    const char *st = NULL;
    switch (flags & PCAP_IF_CONNECTION_STATUS) {
    case PCAP_IF_CONNECTION_STATUS_UNKNOWN:
        st = wl ? "Association status unknown" : "Connection status unknown";
        break;
    case PCAP_IF_CONNECTION_STATUS_CONNECTED: st = wl ? "Associated" : "Connected"; break;
    case PCAP_IF_CONNECTION_STATUS_DISCONNECTED: st = wl ? "Not associated" : "Disconnected"; break;
    default: break; /* not applicable */
    }
    if (st && k < len) snprintf(buf + k, len - k, ", %s", st);
    return buf;
}

int capsrc_list_ifaces(void (*fn)(void *arg, const struct cap_iface *iface), void *arg,
                       char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE];
    char fl[160];
    pcap_if_t *all = NULL;
    ebuf[0] = '\0';
    copy_err(err, errlen, "");
    if (pcap_findalldevs(&all, ebuf) < 0) {
        char msg[CAP_ERRLEN];
        snprintf(msg, sizeof(msg), "cannot list interfaces: %s", ebuf);
        copy_err(err, errlen, msg);
        return CAP_ELIVE;
    }
    int n = 0;
    for (pcap_if_t *d = all; d; d = d->next) {
        struct cap_iface info = {
            .number = ++n,
            .name = d->name,
            .description = d->description,
            .flags = iface_flags(d->flags, fl, sizeof(fl)),
        };
        fn(arg, &info);
    }
    pcap_freealldevs(all);
    return n;
}

/* The names worth suggesting when an interface does not exist: real network
 * interfaces and "any" (libpcap's other pseudo-devices -- nflog, dbus,
 * bluetooth, usbmon -- carry a description and cannot carry TLS). */
static void iface_suggestions(char *out, size_t outlen)
{
    pcap_if_t *all = NULL;
    char ebuf[PCAP_ERRBUF_SIZE];
    size_t k = 0;
    int shown = 0;
    out[0] = '\0';
    if (pcap_findalldevs(&all, ebuf) < 0) return;
    for (pcap_if_t *d = all; d && k + 1 < outlen; d = d->next) {
        if (d->description && strcmp(d->name, "any") != 0) continue;
        if (shown == 12) {
            snprintf(out + k, outlen - k, ", ...");
            break;
        }
        int w = snprintf(out + k, outlen - k, "%s%s", shown ? ", " : "", d->name);
        if (w < 0) break;
        k += (size_t)w;
        shown++;
    }
    pcap_freealldevs(all);
    if (k >= outlen) out[outlen - 1] = '\0';
}

/* "-i 2": the second interface of capsrc_list_ifaces, as tcpdump does when
 * the argument is all digits. Returns a malloc'd name, or NULL with msg. */
static char *iface_by_number(const char *arg, char *msg, size_t msglen)
{
    char *end;
    errno = 0;
    long want = strtol(arg, &end, 10);
    if (want <= 0 || errno || *end) {
        snprintf(msg, msglen, "-i %s: interface numbers start at 1 (see tlsscope -D)", arg);
        return NULL;
    }
    pcap_if_t *all = NULL;
    char ebuf[PCAP_ERRBUF_SIZE];
    if (pcap_findalldevs(&all, ebuf) < 0) {
        snprintf(msg, msglen, "%s: cannot list interfaces: %s", arg, ebuf);
        return NULL;
    }
    long n = 0;
    char *name = NULL;
    for (pcap_if_t *d = all; d; d = d->next)
        if (++n == want) name = strdup(d->name);
    pcap_freealldevs(all);
    if (!name && n < want)
        snprintf(msg, msglen, "-i %s: no interface number %ld (tlsscope -D lists %ld)", arg, want, n);
    else if (!name)
        snprintf(msg, msglen, "out of memory");
    return name;
}

static bool all_digits(const char *s)
{
    if (!*s) return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return false;
    return true;
}

const char *capsrc_describe(const struct cap_source *src, char *buf, size_t len)
{
    if (!src->live || src->n < 1) {
        if (len) buf[0] = '\0';
        return buf;
    }
    const struct cap_input *in = &src->in[0];
    const char *desc = pcap_datalink_val_to_description(in->linktype);
    snprintf(buf, len, "%s, link-type %s (%s), snapshot length %d bytes", in->name,
             capsrc_linktype_name(in->linktype), desc ? desc : "unknown", src->snaplen);
    return buf;
}

int capsrc_is_live(const struct cap_source *src) { return src && src->live; }

/* One line for a failed pcap_activate, naming the interface and what to do. */
static void explain_activate(const char *iface, int rc, const char *perr, char *out,
                             size_t outlen)
{
    char names[512];
    switch (rc) {
    case PCAP_ERROR_NO_SUCH_DEVICE:
        iface_suggestions(names, sizeof(names));
        if (names[0])
            snprintf(out, outlen, "%s: no such capture device (available: %s; see tlsscope -D)",
                     iface, names);
        else
            snprintf(out, outlen, "%s: no such capture device (see tlsscope -D)", iface);
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

/* -w: created by us rather than pcap_dump_open so that the error is the
 * plain errno text and the descriptor is close-on-exec. Safe where another
 * user can write (/tmp): a symbolic link is not followed (O_NOFOLLOW), and
 * an existing file is truncated only after fstat() shows it is a regular
 * file of our own effective user; anything else is refused, so a link or a
 * file planted by someone else never makes a root-run capture overwrite a
 * file. A FIFO or character device (/dev/null) is written as is. */
static pcap_dumper_t *dump_create(pcap_t *p, const char *path, char *msg, size_t msglen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
                  0666);
    if (fd < 0) {
        if (errno == ELOOP)
            snprintf(msg, msglen, "%s: cannot create capture file: it is a symbolic link (not "
                                  "followed)", path);
        else
            snprintf(msg, msglen, "%s: cannot create capture file: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    const char *bad = NULL;
    if (fstat(fd, &st) != 0) bad = strerror(errno);
    else if (S_ISREG(st.st_mode) && st.st_uid != geteuid())
        bad = "it exists and belongs to another user (not overwritten)";
    else if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode))
        bad = "not a regular file";
    else if (S_ISREG(st.st_mode) && ftruncate(fd, 0) != 0) bad = strerror(errno);
    if (!bad && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) bad = strerror(errno);
    if (bad) {
        snprintf(msg, msglen, "%s: cannot create capture file: %s", path, bad);
        close(fd);
        return NULL;
    }
    FILE *fp = fdopen(fd, "wb");
    if (!fp) {
        snprintf(msg, msglen, "%s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    pcap_dumper_t *d = pcap_dump_fopen(p, fp);
    if (!d) {
        snprintf(msg, msglen, "%s: cannot write capture file: %s", path, pcap_geterr(p));
        fclose(fp);
    }
    return d;
}

int capsrc_dump_open(struct cap_source *src, const char *path, char *err, size_t errlen)
{
    char msg[CAP_ERRLEN];
    if (!src->live || src->dumper || src->n < 1) {
        copy_err(err, errlen, "-w needs a live capture");
        return CAP_ELIVE;
    }
    src->dumper = dump_create(src->in[0].p, path, msg, sizeof(msg));
    if (!src->dumper) {
        copy_err(err, errlen, msg);
        return CAP_ELIVE;
    }
    return CAP_OK;
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
    if (!src || !(src->in = calloc(1, sizeof(*src->in)))) {
        free(src);
        copy_err(err, errlen, "out of memory");
        return CAP_ELIVE;
    }
    src->n = 1;
    src->last = -1;
    src->live = true;
    src->in[0].ng_fd = -1;
    src->wakeup_ms = opts->wakeup_ms;
    struct cap_input *in = &src->in[0];
    /* tcpdump -i 2: an all-digit argument is a number from -D */
    in->name = all_digits(iface) ? iface_by_number(iface, msg, sizeof(msg)) : strdup(iface);
    if (!in->name) {
        if (!all_digits(iface)) snprintf(msg, sizeof(msg), "out of memory");
        goto fail;
    }
    iface = in->name;

    in->p = pcap_create(iface, ebuf);
    if (!in->p) {
        snprintf(msg, sizeof(msg), "%s: %s", iface, ebuf);
        goto fail;
    }
    src->snaplen = opts->snaplen > 0 ? opts->snaplen : CAP_DEFAULT_SNAPLEN;
    pcap_set_snaplen(in->p, src->snaplen);
    pcap_set_promisc(in->p, 1); /* as tcpdump does by default */
    pcap_set_timeout(in->p, opts->wakeup_ms > 0 && opts->wakeup_ms < CAP_LIVE_POLL_MS
                                ? opts->wakeup_ms
                                : CAP_LIVE_POLL_MS);
    pcap_set_immediate_mode(in->p, opts->immediate ? 1 : 0);
    pcap_set_buffer_size(in->p, (opts->buffer_kib > 0 ? opts->buffer_kib : CAP_DEFAULT_BUFFER_KIB) *
                                    1024);
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
    src->snaplen = pcap_snapshot(in->p);
    if (!pkt_linktype_supported(in->linktype)) {
        snprintf(msg, sizeof(msg), "%s: unsupported link type %d (%s)", iface, in->linktype,
                 capsrc_linktype_name(in->linktype));
        capsrc_close(src);
        copy_err(err, errlen, msg);
        return CAP_ELINKTYPE;
    }
    if (opts->filter && opts->filter[0]) {
        /* the netmask only matters for "ip broadcast"; "any" has none */
        bpf_u_int32 net = 0, mask = PCAP_NETMASK_UNKNOWN;
        if (pcap_lookupnet(iface, &net, &mask, ebuf) < 0) mask = PCAP_NETMASK_UNKNOWN;
        if (input_set_filter(in, opts->filter, mask, false, msg, sizeof(msg)) != CAP_OK)
            goto fail;
    }
    if (opts->dump_path) {
        src->dumper = dump_create(in->p, opts->dump_path, msg, sizeof(msg));
        if (!src->dumper) goto fail;
    }
    *out = src;
    return CAP_OK;

fail:
    capsrc_close(src);
    copy_err(err, errlen, msg);
    return CAP_ELIVE;
}
