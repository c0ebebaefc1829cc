/* pcapng.h — tlsscope's own pcapng reader (capture/ internal; only source.c
 * uses it).
 *
 * libpcap refuses a pcapng whose interfaces have different link types
 * (dumpcap on Ethernet + loopback + "any" writes exactly that) and one whose
 * second interface has another snapshot length; tshark reads both. This
 * reader follows the format as tshark does (draft-ietf-opsawg-pcapng):
 *
 *   - Section Header Blocks in either byte order, any number of them
 *     (concatenated files); each starts a new interface table;
 *   - per interface: link type, snapshot length, if_tsresol (10^-n or 2^-n
 *     seconds) and if_tsoffset (seconds added to every timestamp);
 *   - Enhanced, Simple and the obsolete Packet Blocks;
 *   - Interface Statistics Blocks: the last one per interface gives the
 *     packets the capturing host dropped (isb_ifdrop, isb_osdrop);
 *   - Decryption Secrets Blocks: handed to a hook as they are met, so key
 *     material reaches the TLS layer before the packets it decrypts;
 *   - Name Resolution, comments, custom and unknown blocks: skipped by
 *     their length.
 *
 * Damage (a bad block length, a packet for an interface never described, a
 * file that ends inside a block) stops the reader: what came before was
 * returned, and pcapng_error() says where and why. Nothing after damage is
 * guessed at — a resynchronised read could hand out garbage as packets.
 *
 * Caps: a block may be at most PCAPNG_MAX_BLOCK bytes (libpcap's limit,
 * 16 MiB) and a section at most PCAPNG_MAX_IFACES interfaces; more is
 * reported as damage (the answer is incomplete, never different).
 *
 * Ownership: the reader owns its buffer and, when given, nothing else: the
 * byte source (fd or FILE) is the caller's. A record's data is valid until
 * the next pcapng_next().
 */
#ifndef TLSSCOPE_CAPTURE_PCAPNG_H
#define TLSSCOPE_CAPTURE_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PCAPNG_MAX_BLOCK (16u << 20)
#define PCAPNG_MAX_IFACES 4096u
#define PCAPNG_READ_CHUNK (1u << 20) /* bytes asked of the source per read */

/* Secrets types of the Decryption Secrets Block (pcapng §4.7). */
#define PCAPNG_SECRETS_TLS_KEYLOG 0x544c534bu /* "TLSK": NSS key log lines */

/* Reads up to n bytes: returns how many (> 0), 0 at the end, < 0 on an
 * error with errno set. */
typedef ssize_t (*pcapng_read_fn)(void *ctx, void *buf, size_t n);

/* A Decryption Secrets Block's payload, borrowed for the call only. */
struct pcapng_secrets {
    uint32_t type;        /* PCAPNG_SECRETS_* */
    const uint8_t *data;
    size_t len;
    uint64_t offset;      /* file offset of the block, for messages */
};
typedef void (*pcapng_secrets_fn)(void *ctx, const struct pcapng_secrets *s);

struct pcapng_rec {
    int64_t ts_ns;        /* ns since the epoch (saturated, never wrapped) */
    const uint8_t *data;
    uint32_t caplen, wirelen;
    int linktype;         /* the interface's LINKTYPE_ */
    uint32_t iface;       /* interface number within its section */
};

struct pcapng_stats {
    uint64_t sections, interfaces, packets;
    uint64_t secrets_blocks;   /* Decryption Secrets Blocks of any type */
    uint64_t secrets_tls;      /* ... of them TLS key logs */
    uint64_t stats_blocks;     /* Interface Statistics Blocks */
    bool have_drops;           /* some ISB had isb_ifdrop or isb_osdrop */
    uint64_t ifdrop, osdrop;   /* summed over interfaces, last ISB of each */
    uint64_t skipped_blocks;   /* NRB, custom, unknown ... */
};

/* Does a file starting with these bytes look like pcapng (an SHB type)? */
bool pcapng_magic(const uint8_t *p, size_t n);

struct pcapng;

/* A reader over `rd`. `prefix` are bytes the caller already took from the
 * source (at least the 4-byte magic, so the caller could sniff the format);
 * they are read first. NULL when out of memory. */
struct pcapng *pcapng_new(pcapng_read_fn rd, void *rctx, const uint8_t *prefix,
                          size_t prefix_len);

void pcapng_set_secrets_hook(struct pcapng *ng, pcapng_secrets_fn fn, void *ctx);

#define PCAPNG_RECORD 1
#define PCAPNG_END 0
#define PCAPNG_DAMAGED (-1)   /* bad block or cap hit: pcapng_error() */
#define PCAPNG_TRUNCATED (-2) /* the file ends inside a block */
#define PCAPNG_EREAD (-3)     /* the source failed (errno text in the error) */
#define PCAPNG_NOTNG (-4)     /* the first block is not a usable SHB */

/* The next packet, or the end / an error (and the same from every later
 * call). Decryption secrets met on the way go to the hook first. */
int pcapng_next(struct pcapng *ng, struct pcapng_rec *rec);

/* Read ahead to the first packet (or the end, or an error) without
 * consuming it: the next pcapng_next returns the same outcome. Lets the
 * opener check link types and the first section's header. */
int pcapng_peek(struct pcapng *ng);

/* Link type of interface i of the current section, -1 if none. */
int pcapng_linktype(const struct pcapng *ng, uint32_t i);
uint32_t pcapng_iface_count(const struct pcapng *ng);

/* What went wrong, one phrase ("block at byte 1234 has length 13, not a
 * multiple of 4"); "" if nothing. */
const char *pcapng_error(const struct pcapng *ng);

/* Bytes of the source consumed so far (whole blocks). */
uint64_t pcapng_offset(const struct pcapng *ng);

const struct pcapng_stats *pcapng_stats(const struct pcapng *ng);

void pcapng_free(struct pcapng *ng);

#endif
