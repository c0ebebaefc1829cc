/* source.h — where packets come from: capture files (pcap, pcapng, stdin) and
 * live interfaces. pcapng files are read by tlsscope's own reader
 * (capture/pcapng.h: several link types, snaplens and sections in one
 * file); pcap files and live interfaces through libpcap.
 *
 * This is the only header in tlsscope that may include <pcap.h> (and only in
 * its .c files); everything above sees plain `struct cap_packet`s.
 *
 * Several files are merged into one stream ordered by timestamp (a capture
 * per interface or per node reads as one); ties keep file order.
 *
 * Ownership: a cap_source owns its pcap handles. A cap_packet's `data` is
 * valid only until the next capsrc_next() on the same source — copy what you
 * keep.
 */
#ifndef TLSSCOPE_CAPTURE_SOURCE_H
#define TLSSCOPE_CAPTURE_SOURCE_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

/* Return codes (negative = error). */
#define CAP_OK 0
#define CAP_EOF 0           /* capsrc_next: no more packets */
#define CAP_PACKET 1        /* capsrc_next: *out holds a packet */
#define CAP_AGAIN 2         /* capsrc_next, live only: no packet for
                               cap_live_opts.wakeup_ms; call again (lets a live
                               view redraw and expire flows while idle) */
#define CAP_EOPEN (-1)      /* file missing, unreadable, not a capture */
#define CAP_ELINKTYPE (-2)  /* link type tlsscope cannot decode */
#define CAP_ETRUNC (-3)     /* capture file ends in the middle of a record */
#define CAP_EREAD (-4)      /* any other read error */
#define CAP_ELIVE (-5)      /* live capture: no such device, permission, filter */
#define CAP_EFILTER (-6)    /* capsrc_set_filter: the expression does not compile */

struct cap_packet {
    int64_t ts_ns;         /* capture timestamp, ns since the Unix epoch, UTC */
    const uint8_t *data;   /* captured bytes; borrowed, see above */
    uint32_t caplen;       /* bytes captured (may be < wirelen: snaplen) */
    uint32_t wirelen;      /* bytes on the wire */
    int linktype;          /* DLT_ value as libpcap reports it (LINKTYPE_ in files);
                              per packet: a pcapng file's interfaces may differ */
    int source_index;      /* which opened file/interface it came from */
    bool ts_out_of_range;  /* its time is outside 1677-09-21..2262-04-11 (int64 ns):
                              ts_ns is the input's previous time; not a date */
};

struct cap_source;

/* Options for live capture (issue 5). */
struct cap_live_opts {
    const char *iface;     /* "any" allowed */
    int snaplen;           /* 0 = whole packets (262144) */
    const char *filter;    /* BPF expression or NULL */
    int immediate;         /* deliver packets without buffering delay */
    const char *dump_path; /* -w: also save raw packets here, or NULL */
    int wakeup_ms;         /* > 0: capsrc_next returns CAP_AGAIN after this many ms
                              without a packet; 0: it blocks until a packet,
                              an error or capsrc_breakloop() */
    int buffer_kib;        /* kernel capture buffer (tcpdump -B), KiB; 0 = 32768 */
};

/* Open one or more capture files ("-" = stdin, at most once). Fails on the
 * first file that cannot be opened or whose link type is unsupported; `err`
 * then holds one line naming the file and the reason, e.g.
 *   "x.pcap: unsupported link type 105 (IEEE802_11)"
 * (standard input is called "<stdin>" in messages). */
int capsrc_open_files(struct cap_source **out, const char *const *paths, int npaths,
                      char *err, size_t errlen);

/* One input of capsrc_open_inputs: a capture file as capsrc_open_files
 * takes it, or a capture inside an archive (an Expressway diagnostic
 * bundle), streamed through capture/bundle.h — never extracted to disk. Each
 * member gets its own archive handle, so several members of one archive
 * merge in time order like several files. */
struct bundle_limits;
struct bundle_budget;
struct cap_input_spec {
    const char *path;                   /* capture file, "-", or the archive */
    const char *member;                 /* NULL: `path` itself; else the member's name */
    long member_index;                  /* its entry number in the archive (0-based) */
    const char *display;                /* name in messages; NULL: path or "path:member" */
    const struct bundle_limits *limits; /* caps for members; NULL: defaults */
    struct bundle_budget *budget;       /* shared decompression budget; NULL: none */
};

/* capsrc_open_files for any mix of files and archive members. A member
 * that ends early (corrupt archive, gzip error, or a size cap) returns
 * CAP_ETRUNC once from capsrc_next, with a message saying which; the other
 * inputs keep being read. */
int capsrc_open_inputs(struct cap_source **out, const struct cap_input_spec *inputs, int n,
                       char *err, size_t errlen);

/* Open a live interface. `iface` may also be a number from
 * capsrc_list_ifaces (tcpdump -i 2). With dump_path the file is created
 * here, as the caller's user (tlsscope itself opens -w with capsrc_dump_open
 * after dropping privileges, as tcpdump -Z does).
 * Errors are one line naming the interface and what to do, e.g.
 *   "eth9: no such capture device (available: eth0, any, lo; see tlsscope -D)"
 *   "lo: permission denied: live capture needs root or the CAP_NET_RAW and
 *    CAP_NET_ADMIN capabilities (...)"
 *   "bad filter expression \"tcp port and\": syntax error at \"and\" (character 10)" */
/* -w for a live source opened without dump_path: create the file now (the
 * caller has dropped privileges, so it belongs to that user). Mode 0666 &
 * ~umask; a symbolic link is not followed, an existing file is truncated
 * only if it is a regular file of the effective user. CAP_OK or CAP_ELIVE
 * with one line in err ("x.pcap: cannot create capture file: ..."). */
int capsrc_dump_open(struct cap_source *src, const char *path, char *err, size_t errlen);
int capsrc_open_live(struct cap_source **out, const struct cap_live_opts *opts,
                     char *err, size_t errlen);

/* Filter the packets of every input with a BPF expression (tcpdump syntax;
 * pcap-filter(7)). Each input compiles it for its own link type, so files of
 * different link types can be filtered together. Call before the first
 * capsrc_next. Returns CAP_OK or CAP_EFILTER with one line in err naming the
 * expression and, for a syntax error, the word where it stops making sense. */
int capsrc_set_filter(struct cap_source *src, const char *expr, char *err, size_t errlen);

/* The interfaces libpcap can capture on, in the order and with the flags
 * `tcpdump -D` shows. */
struct cap_iface {
    int number;              /* 1, 2, ...: what -i NUMBER means */
    const char *name;
    const char *description; /* NULL if none */
    const char *flags;       /* tcpdump -D's bracket text ("Up, Running, Loopback",
                                "none"), or NULL when it shows no brackets */
};
/* Calls fn once per interface; returns how many, or CAP_ELIVE with err. */
int capsrc_list_ifaces(void (*fn)(void *arg, const struct cap_iface *iface), void *arg,
                       char *err, size_t errlen);

/* tcpdump's "listening on" text for a live source:
 *   "lo, link-type EN10MB (Ethernet), snapshot length 262144 bytes"
 * ("" for files). */
const char *capsrc_describe(const struct cap_source *src, char *buf, size_t len);

/* true for a live capture. */
int capsrc_is_live(const struct cap_source *src);

/* Next packet in timestamp order. Returns CAP_PACKET, CAP_EOF, or a negative
 * error (the packets before it were delivered; `err` via capsrc_error()). A
 * truncated file returns CAP_ETRUNC once, after its last complete packet;
 * other files keep being read. Live captures may also return CAP_AGAIN (see
 * wakeup_ms). After capsrc_breakloop() it returns CAP_EOF. */
int capsrc_next(struct cap_source *src, struct cap_packet *out);

/* Human-readable description of the last error ("" if none). */
const char *capsrc_error(const struct cap_source *src);

/* Progress: bytes consumed so far and total (0 when unknown: stdin, live). */
void capsrc_progress(const struct cap_source *src, uint64_t *done, uint64_t *total);

/* Live capture: packets the kernel dropped (pcap_stats); 0 for files. */
int capsrc_kernel_drops(struct cap_source *src, uint64_t *received, uint64_t *dropped,
                        uint64_t *if_dropped);

/* Key material found in a capture file: a pcapng Decryption Secrets Block
 * (pcapng spec §4.7, what `editcap --inject-secrets` writes). Borrowed for
 * the call only. */
struct cap_secrets {
    uint32_t type;         /* 0x544c534b: TLS key log (NSS SSLKEYLOGFILE lines) */
    const uint8_t *data;
    size_t len;
    const char *origin;    /* "x.pcapng, Decryption Secrets Block at byte 1234" */
};
typedef void (*capsrc_secrets_fn)(void *ctx, const struct cap_secrets *s);

/* Call `fn` for every Decryption Secrets Block, as the reader meets it:
 * before any packet that follows it in the file (pcapng puts secrets
 * before the packets they decrypt). Set before the first capsrc_next;
 * blocks read while opening (up to a file's first packet; at most 16 MiB)
 * are handed to `fn` here, at once. */
void capsrc_set_secrets_hook(struct cap_source *src, capsrc_secrets_fn fn, void *ctx);

/* What the capture files say about themselves (pcapng only; zero for
 * pcap files and live captures). */
struct cap_file_stats {
    uint64_t secrets_blocks;  /* Decryption Secrets Blocks read */
    uint64_t secrets_tls;     /* ... of them TLS key logs */
    int have_drops;           /* an Interface Statistics Block counted drops */
    uint64_t ifdrop;          /* isb_ifdrop: dropped by the interface */
    uint64_t osdrop;          /* isb_osdrop: dropped by the capturing host */
};
void capsrc_file_stats(const struct cap_source *src, struct cap_file_stats *out);

/* Ask a blocking live read to return, or stop reading files (safe from a
 * signal handler): the next capsrc_next returns CAP_EOF. */
void capsrc_breakloop(struct cap_source *src);

/* Name of a link type for messages ("EN10MB", "LINUX_SLL2", ...). */
const char *capsrc_linktype_name(int linktype);

void capsrc_close(struct cap_source *src);

#endif
