/* pcapng.c — pcapng blocks from a byte source, records handed out in place
 * (see pcapng.h for what is read and what counts as damage).
 *
 * File format: draft-ietf-opsawg-pcapng (the "pcapng spec" below; section
 * numbers from draft 02). Every block is
 *     block type (4) | block total length (4) | body | block total length (4)
 * in the byte order of its section, which the Section Header Block's
 * byte-order magic 0x1A2B3C4D fixes (§4.1); the SHB's own type 0x0A0D0D0A
 * reads the same in both orders, which is what lets a reader find it.
 *
 * The buffer holds whole blocks: ensure() reads 1 MiB chunks behind what is
 * left and grows the buffer only for a block larger than it (up to
 * PCAPNG_MAX_BLOCK), so a packet is never copied after it was read.
 */
#include "capture/pcapng.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cursor.h"

#define BT_SHB 0x0A0D0D0Au /* Section Header Block, §4.1 */
#define BT_IDB 0x00000001u /* Interface Description Block, §4.2 */
#define BT_PB 0x00000002u  /* Packet Block (obsolete), appendix A */
#define BT_SPB 0x00000003u /* Simple Packet Block, §4.4 */
#define BT_NRB 0x00000004u /* Name Resolution Block, §4.5 */
#define BT_ISB 0x00000005u /* Interface Statistics Block, §4.6 */
#define BT_EPB 0x00000006u /* Enhanced Packet Block, §4.3 */
#define BT_DSB 0x0000000Au /* Decryption Secrets Block, §4.7 */
#define BYTE_ORDER_MAGIC 0x1A2B3C4Du

#define OPT_ENDOFOPT 0
#define IF_TSRESOL 9   /* §4.2: u8, 10^-n (MSB 0) or 2^-n (MSB 1) seconds */
#define IF_TSOFFSET 14 /* §4.2: i64 seconds added to every timestamp */
#define ISB_IFDROP 5   /* §4.6: u64, dropped by the interface */
#define ISB_OSDROP 7   /* §4.6: u64, dropped by the capturing OS */

#define MIN_BLOCK 12u  /* type, length, trailing length */
#define MIN_SHB 28u    /* + byte-order magic, version, section length */
#define BUF_SLACK (64u << 10)

struct iface {
    int linktype;
    uint32_t snaplen;      /* 0: no limit */
    uint64_t mul;          /* ts units -> ns: * mul when exact ... */
    bool general;          /* ... else (units * 1e9) / div in 128 bits */
    unsigned __int128 div;
    int64_t offset_ns;     /* if_tsoffset in ns (saturated) */
    uint64_t ifdrop, osdrop; /* from the last ISB */
};

struct pcapng {
    pcapng_read_fn rd;
    void *rctx;
    uint8_t *buf;
    size_t cap, pos, have; /* buf[pos, have) not consumed */
    uint64_t buf_off;      /* source offset of buf[0] */
    bool eof;
    bool stopped;          /* `final` is the answer from now on */
    int final;
    bool pending;          /* pcapng_peek read ahead */
    int pending_rc;
    struct pcapng_rec pending_rec;
    bool in_section;
    bool big;              /* the current section is big-endian */
    struct iface *ifs;
    uint32_t nifs, ifs_cap;
    int64_t last_ts;       /* for Simple Packet Blocks, which have none */
    struct pcapng_stats st;
    pcapng_secrets_fn sec_fn;
    void *sec_ctx;
    char err[256];
};

bool pcapng_magic(const uint8_t *p, size_t n)
{
    return n >= 4 && p[0] == 0x0A && p[1] == 0x0D && p[2] == 0x0D && p[3] == 0x0A;
}

struct pcapng *pcapng_new(pcapng_read_fn rd, void *rctx, const uint8_t *prefix,
                          size_t prefix_len)
{
    struct pcapng *ng = calloc(1, sizeof(*ng));
    if (!ng) return NULL;
    ng->cap = PCAPNG_READ_CHUNK + BUF_SLACK;
    if (prefix_len > ng->cap) ng->cap = prefix_len;
    ng->buf = malloc(ng->cap);
    if (!ng->buf) {
        free(ng);
        return NULL;
    }
    ng->rd = rd;
    ng->rctx = rctx;
    if (prefix_len) memcpy(ng->buf, prefix, prefix_len);
    ng->have = prefix_len;
    return ng;
}

void pcapng_set_secrets_hook(struct pcapng *ng, pcapng_secrets_fn fn, void *ctx)
{
    ng->sec_fn = fn;
    ng->sec_ctx = ctx;
}

void pcapng_free(struct pcapng *ng)
{
    if (!ng) return;
    free(ng->ifs);
    free(ng->buf);
    free(ng);
}

static int stop(struct pcapng *ng, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int stop(struct pcapng *ng, int rc, const char *fmt, ...)
{
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ng->err, sizeof(ng->err), fmt, ap);
        va_end(ap);
    }
    ng->stopped = true;
    ng->final = rc;
    return rc;
}

/* Make buf[pos, pos + n) hold source bytes. Returns 1, 0 when the source
 * ends first, or -1 on a read error / out of memory (errno set). */
static int ensure(struct pcapng *ng, size_t n)
{
    while (ng->have - ng->pos < n) {
        if (ng->eof) return 0;
        size_t left = ng->have - ng->pos;
        /* no room behind the data for this block, or only a sliver for the
         * next read: move the unconsumed tail to the front */
        if (ng->pos && (ng->pos + n > ng->cap || ng->cap - ng->have < BUF_SLACK)) {
            memmove(ng->buf, ng->buf + ng->pos, left);
            ng->buf_off += ng->pos;
            ng->pos = 0;
            ng->have = left;
        }
        if (n > ng->cap) {
            size_t want = n + BUF_SLACK;
            uint8_t *nb = realloc(ng->buf, want);
            if (!nb) {
                errno = ENOMEM;
                return -1;
            }
            ng->buf = nb;
            ng->cap = want;
        }
        size_t room = ng->cap - ng->have;
        if (room > PCAPNG_READ_CHUNK) room = PCAPNG_READ_CHUNK;
        ssize_t got;
        do {
            got = ng->rd(ng->rctx, ng->buf + ng->have, room);
        } while (got < 0 && errno == EINTR);
        if (got < 0) return -1;
        if (got == 0) {
            ng->eof = true;
            return 0;
        }
        ng->have += (size_t)got;
    }
    return 1;
}

/* ---- reads in the section's byte order ---------------------------------- */

static int rd16(const struct pcapng *ng, struct cursor *c, uint16_t *v)
{
    return ng->big ? cur_u16(c, v) : cur_u16le(c, v);
}

static int rd32(const struct pcapng *ng, struct cursor *c, uint32_t *v)
{
    return ng->big ? cur_u32(c, v) : cur_u32le(c, v);
}

static int rd64(const struct pcapng *ng, struct cursor *c, uint64_t *v)
{
    uint32_t a, b;
    struct cursor save = *c;
    if (rd32(ng, c, &a) < 0 || rd32(ng, c, &b) < 0) {
        *c = save;
        return CUR_ESHORT;
    }
    *v = ng->big ? ((uint64_t)a << 32 | b) : ((uint64_t)b << 32 | a);
    return 0;
}

/* The next option of an options list (§3.5): code, length, value padded to
 * 4 bytes. Returns 1 with the code and value, 0 at opt_endofopt or the end of the
 * list; a list cut short ends it (options never make a packet unreadable,
 * as in tshark). */
static int next_option(const struct pcapng *ng, struct cursor *c, uint16_t *code,
                       struct cursor *val)
{
    uint16_t len;
    if (rd16(ng, c, code) < 0 || rd16(ng, c, &len) < 0) return 0;
    if (*code == OPT_ENDOFOPT) return 0;
    if (cur_sub(c, len, val) < 0) return 0;
    (void)cur_skip(c, (4u - len % 4u) % 4u); /* the last option may lack padding */
    return 1;
}

/* ---- timestamps ----------------------------------------------------------- */

static const uint64_t pow10_u64[20] = {1ull,
                                       10ull,
                                       100ull,
                                       1000ull,
                                       10000ull,
                                       100000ull,
                                       1000000ull,
                                       10000000ull,
                                       100000000ull,
                                       1000000000ull,
                                       10000000000ull,
                                       100000000000ull,
                                       1000000000000ull,
                                       10000000000000ull,
                                       100000000000000ull,
                                       1000000000000000ull,
                                       10000000000000000ull,
                                       100000000000000000ull,
                                       1000000000000000000ull,
                                       10000000000000000000ull};

/* if_tsresol (§4.2): MSB clear = 10^-n s, set = 2^-n s; default 10^-6.
 * Returns false for a resolution no clock has (10^-39 and finer). */
static bool set_resolution(struct iface *f, uint8_t r)
{
    unsigned n = r & 0x7f;
    f->general = false;
    f->mul = 0;
    if (!(r & 0x80)) {
        if (n <= 9) {
            f->mul = pow10_u64[9 - n];
            return true;
        }
        if (n > 38) return false;
        unsigned __int128 d = 1;
        for (unsigned i = 9; i < n; i++) d *= 10;
        f->general = true;
        f->div = d;
        return true;
    }
    f->general = true;
    f->div = (unsigned __int128)1 << n; /* n <= 127 */
    return true;
}

/* A time int64 ns cannot hold (before 1677 or after 2262: a huge
 * timestamp, or an if_tsoffset that saturated) comes back as INT64_MIN or
 * INT64_MAX exactly: the caller's mark for "out of range" (source.c counts
 * such packets and never shows a date for them). */
static int64_t units_to_ns(const struct iface *f, uint64_t units)
{
    uint64_t ns;
    if (f->offset_ns == INT64_MIN || f->offset_ns == INT64_MAX) return f->offset_ns;
    if (!f->general) {
        if (__builtin_mul_overflow(units, f->mul, &ns) || ns > (uint64_t)INT64_MAX)
            return INT64_MAX;
    } else {
        unsigned __int128 t = (unsigned __int128)units * 1000000000u / f->div;
        if (t > (unsigned __int128)INT64_MAX) return INT64_MAX;
        ns = (uint64_t)t;
    }
    int64_t out;
    if (__builtin_add_overflow((int64_t)ns, f->offset_ns, &out))
        out = f->offset_ns < 0 ? INT64_MIN : INT64_MAX;
    return out;
}

/* ---- blocks ------------------------------------------------------------------- */

static const char *block_name(uint32_t type)
{
    switch (type) {
    case BT_SHB: return "Section Header Block";
    case BT_IDB: return "Interface Description Block";
    case BT_PB: return "Packet Block";
    case BT_SPB: return "Simple Packet Block";
    case BT_NRB: return "Name Resolution Block";
    case BT_ISB: return "Interface Statistics Block";
    case BT_EPB: return "Enhanced Packet Block";
    case BT_DSB: return "Decryption Secrets Block";
    default: return "block";
    }
}

static int read_idb(struct pcapng *ng, struct cursor *body, uint64_t boff)
{
    uint16_t lt, rsv;
    uint32_t snap;
    if (rd16(ng, body, &lt) < 0 || rd16(ng, body, &rsv) < 0 || rd32(ng, body, &snap) < 0)
        return stop(ng, PCAPNG_DAMAGED, "Interface Description Block at byte %llu is too short",
                    (unsigned long long)boff);
    if (ng->nifs >= PCAPNG_MAX_IFACES)
        return stop(ng, PCAPNG_DAMAGED,
                    "section has more than %u interfaces (tlsscope's cap); not read past byte %llu",
                    PCAPNG_MAX_IFACES, (unsigned long long)boff);
    if (ng->nifs == ng->ifs_cap) {
        uint32_t nc = ng->ifs_cap ? ng->ifs_cap * 2 : 8;
        struct iface *ni = realloc(ng->ifs, nc * sizeof(*ni));
        if (!ni) return stop(ng, PCAPNG_EREAD, "out of memory");
        ng->ifs = ni;
        ng->ifs_cap = nc;
    }
    struct iface *f = &ng->ifs[ng->nifs];
    memset(f, 0, sizeof(*f));
    f->linktype = lt;
    f->snaplen = snap;
    (void)set_resolution(f, 6);
    uint16_t code;
    struct cursor val;
    while (next_option(ng, body, &code, &val)) {
        if (code == IF_TSRESOL && cur_left(&val) >= 1) {
            if (!set_resolution(f, val.p[0]))
                return stop(ng, PCAPNG_DAMAGED,
                            "Interface Description Block at byte %llu has if_tsresol 0x%02x, "
                            "finer than any clock",
                            (unsigned long long)boff, val.p[0]);
        } else if (code == IF_TSOFFSET && cur_left(&val) == 8) {
            uint64_t off = 0; /* (8 bytes, checked above; zero for the optimiser) */
            (void)rd64(ng, &val, &off);
            int64_t s = (int64_t)off;
            if (__builtin_mul_overflow(s, (int64_t)1000000000, &f->offset_ns))
                f->offset_ns = s < 0 ? INT64_MIN : INT64_MAX;
        }
    }
    ng->nifs++;
    ng->st.interfaces++;
    return 0;
}

static int read_isb(struct pcapng *ng, struct cursor *body)
{
    uint32_t id, hi, lo;
    ng->st.stats_blocks++;
    if (rd32(ng, body, &id) < 0 || rd32(ng, body, &hi) < 0 || rd32(ng, body, &lo) < 0) return 0;
    if (id >= ng->nifs) return 0; /* statistics of nothing: nothing to lose */
    struct iface *f = &ng->ifs[id];
    uint16_t code;
    struct cursor val;
    while (next_option(ng, body, &code, &val)) {
        uint64_t v;
        if (cur_left(&val) != 8 || rd64(ng, &val, &v) < 0) continue;
        /* the counters are totals since capture start: the last ISB of an
         * interface replaces what the previous one said */
        if (code == ISB_IFDROP) {
            ng->st.ifdrop += v - f->ifdrop;
            f->ifdrop = v;
            ng->st.have_drops = true;
        } else if (code == ISB_OSDROP) {
            ng->st.osdrop += v - f->osdrop;
            f->osdrop = v;
            ng->st.have_drops = true;
        }
    }
    return 0;
}

static int read_dsb(struct pcapng *ng, struct cursor *body, uint64_t boff)
{
    uint32_t type, len;
    const uint8_t *data;
    if (rd32(ng, body, &type) < 0 || rd32(ng, body, &len) < 0 || cur_bytes(body, len, &data) < 0)
        return stop(ng, PCAPNG_DAMAGED,
                    "Decryption Secrets Block at byte %llu is shorter than the secrets it declares",
                    (unsigned long long)boff);
    ng->st.secrets_blocks++;
    if (type == PCAPNG_SECRETS_TLS_KEYLOG) ng->st.secrets_tls++;
    if (ng->sec_fn) {
        struct pcapng_secrets s = {type, data, len, boff};
        ng->sec_fn(ng->sec_ctx, &s);
    }
    return 0;
}

static int no_iface(struct pcapng *ng, uint32_t type, uint64_t boff, uint32_t id)
{
    return stop(ng, PCAPNG_DAMAGED,
                "%s at byte %llu is for interface %u, but the section describes %u", block_name(type),
                (unsigned long long)boff, id, ng->nifs);
}

/* EPB, PB and SPB: fill *rec. Returns PCAPNG_RECORD or an error. */
static int read_packet(struct pcapng *ng, uint32_t type, struct cursor *body, uint64_t boff,
                       struct pcapng_rec *rec)
{
    uint32_t id = 0, hi = 0, lo = 0, caplen, len;
    const uint8_t *data;
    const struct iface *f;
    if (type == BT_SPB) {
        /* §4.4: interface 0, no timestamp, captured length implied by the
         * block and the interface's snaplen */
        if (ng->nifs == 0) return no_iface(ng, type, boff, 0);
        f = &ng->ifs[0];
        if (rd32(ng, body, &len) < 0) goto short_block;
        caplen = len;
        if (f->snaplen && caplen > f->snaplen) caplen = f->snaplen;
        if (caplen > cur_left(body)) caplen = (uint32_t)cur_left(body);
        (void)cur_bytes(body, caplen, &data);
        rec->ts_ns = ng->last_ts; /* no timestamp: keep time from jumping to 1970 in a merge */
    } else {
        if (type == BT_EPB) {
            if (rd32(ng, body, &id) < 0) goto short_block;
        } else {
            uint16_t id16, drops;
            if (rd16(ng, body, &id16) < 0 || rd16(ng, body, &drops) < 0) goto short_block;
            id = id16;
        }
        if (rd32(ng, body, &hi) < 0 || rd32(ng, body, &lo) < 0 || rd32(ng, body, &caplen) < 0 ||
            rd32(ng, body, &len) < 0)
            goto short_block;
        if (id >= ng->nifs) return no_iface(ng, type, boff, id);
        f = &ng->ifs[id];
        if (cur_bytes(body, caplen, &data) < 0)
            return stop(ng, PCAPNG_DAMAGED,
                        "%s at byte %llu declares %u captured bytes but holds %zu",
                        block_name(type), (unsigned long long)boff, caplen, cur_left(body));
        rec->ts_ns = units_to_ns(f, (uint64_t)hi << 32 | lo);
        ng->last_ts = rec->ts_ns;
    }
    rec->data = data;
    rec->caplen = caplen;
    rec->wirelen = len;
    rec->linktype = f->linktype;
    rec->iface = id;
    ng->st.packets++;
    return PCAPNG_RECORD;

short_block:
    return stop(ng, PCAPNG_DAMAGED, "%s at byte %llu is too short for its fields",
                block_name(type), (unsigned long long)boff);
}

/* A Section Header Block whose 12 first bytes are at buf[pos]: sets the
 * byte order. Returns 0 or an error (PCAPNG_NOTNG for the file's first). */
static int shb_order(struct pcapng *ng, uint64_t boff)
{
    uint32_t le = (uint32_t)ng->buf[ng->pos + 8] | (uint32_t)ng->buf[ng->pos + 9] << 8 |
                  (uint32_t)ng->buf[ng->pos + 10] << 16 | (uint32_t)ng->buf[ng->pos + 11] << 24;
    if (le == BYTE_ORDER_MAGIC) ng->big = false;
    else if (le == __builtin_bswap32(BYTE_ORDER_MAGIC)) ng->big = true;
    else if (boff == 0)
        return stop(ng, PCAPNG_NOTNG, "pcapng section header with an unknown byte-order magic");
    else
        return stop(ng, PCAPNG_DAMAGED,
                    "Section Header Block at byte %llu has an unknown byte-order magic",
                    (unsigned long long)boff);
    return 0;
}

static int read_next(struct pcapng *ng, struct pcapng_rec *rec)
{
    if (ng->stopped) return ng->final;
    for (;;) {
        const uint64_t boff = ng->buf_off + ng->pos;
        int r = ensure(ng, 8);
        if (r < 0) return stop(ng, PCAPNG_EREAD, "%s", strerror(errno));
        if (r == 0) {
            if (ng->have == ng->pos)
                return boff == 0 ? stop(ng, PCAPNG_NOTNG, "empty file")
                                 : stop(ng, PCAPNG_END, NULL);
            return stop(ng, PCAPNG_TRUNCATED, "it ends inside the block header at byte %llu",
                        (unsigned long long)boff);
        }
        const bool is_shb = pcapng_magic(ng->buf + ng->pos, 4);
        if (is_shb) {
            r = ensure(ng, 12);
            if (r < 0) return stop(ng, PCAPNG_EREAD, "%s", strerror(errno));
            if (r == 0)
                return stop(ng, boff == 0 ? PCAPNG_NOTNG : PCAPNG_TRUNCATED,
                            "it ends inside the Section Header Block at byte %llu",
                            (unsigned long long)boff);
            if ((r = shb_order(ng, boff)) < 0) return r;
        } else if (!ng->in_section) {
            return stop(ng, PCAPNG_NOTNG, "does not start with a pcapng Section Header Block");
        }
        struct cursor hc = cur_init(ng->buf + ng->pos, 8);
        uint32_t type, total;
        (void)rd32(ng, &hc, &type);
        (void)rd32(ng, &hc, &total);
        if (is_shb) type = BT_SHB;
        if (total < (is_shb ? MIN_SHB : MIN_BLOCK) || total % 4 != 0)
            return stop(ng, boff == 0 ? PCAPNG_NOTNG : PCAPNG_DAMAGED,
                        "%s at byte %llu has a length of %u bytes (not a multiple of 4 of at least "
                        "%u)",
                        block_name(type), (unsigned long long)boff, total,
                        is_shb ? MIN_SHB : MIN_BLOCK);
        if (total > PCAPNG_MAX_BLOCK)
            return stop(ng, PCAPNG_DAMAGED,
                        "%s at byte %llu is %u bytes long, more than tlsscope's cap of %u",
                        block_name(type), (unsigned long long)boff, total, PCAPNG_MAX_BLOCK);
        r = ensure(ng, total);
        if (r < 0) return stop(ng, PCAPNG_EREAD, "%s", strerror(errno));
        if (r == 0)
            return stop(ng, PCAPNG_TRUNCATED, "it ends inside the %s at byte %llu (%zu of %u bytes)",
                        block_name(type), (unsigned long long)boff, ng->have - ng->pos, total);
        const uint8_t *b = ng->buf + ng->pos;
        struct cursor tc = cur_init(b + total - 4, 4);
        uint32_t trailer;
        (void)rd32(ng, &tc, &trailer);
        if (trailer != total)
            return stop(ng, boff == 0 ? PCAPNG_NOTNG : PCAPNG_DAMAGED,
                        "%s at byte %llu says %u bytes at its start and %u at its end",
                        block_name(type), (unsigned long long)boff, total, trailer);
        struct cursor body = cur_init(b + 8, total - MIN_BLOCK);
        ng->pos += total; /* consumed; the bytes stay until the next ensure() */
        switch (type) {
        case BT_SHB: {
            /* MIN_SHB guarantees these bytes; zeros for the optimiser, which
             * cannot see that through rd32/rd16 once it inlines across files */
            uint32_t bom = 0;
            uint16_t major = 0, minor = 0;
            (void)rd32(ng, &body, &bom);
            (void)rd16(ng, &body, &major);
            (void)rd16(ng, &body, &minor);
            /* §4.1: a reader must not read a major version it does not know */
            if (major != 1)
                return stop(ng, boff == 0 ? PCAPNG_NOTNG : PCAPNG_DAMAGED,
                            "section at byte %llu is pcapng version %u.%u; only 1.x is read",
                            (unsigned long long)boff, major, minor);
            ng->in_section = true;
            ng->nifs = 0;
            ng->st.sections++;
            break;
        }
        case BT_IDB:
            if ((r = read_idb(ng, &body, boff)) < 0) return r;
            break;
        case BT_EPB:
        case BT_PB:
        case BT_SPB:
            return read_packet(ng, type, &body, boff, rec);
        case BT_ISB:
            (void)read_isb(ng, &body);
            break;
        case BT_DSB:
            if ((r = read_dsb(ng, &body, boff)) < 0) return r;
            break;
        default: /* NRB, custom (0x00000BAD, 0x40000BAD), systemd journal, unknown */
            ng->st.skipped_blocks++;
            break;
        }
    }
}

int pcapng_next(struct pcapng *ng, struct pcapng_rec *rec)
{
    if (ng->pending) {
        ng->pending = false;
        if (ng->pending_rc == PCAPNG_RECORD) *rec = ng->pending_rec;
        return ng->pending_rc;
    }
    return read_next(ng, rec);
}

int pcapng_peek(struct pcapng *ng)
{
    if (!ng->pending) {
        ng->pending_rc = read_next(ng, &ng->pending_rec);
        ng->pending = true;
    }
    return ng->pending_rc;
}

int pcapng_linktype(const struct pcapng *ng, uint32_t i)
{
    return i < ng->nifs ? ng->ifs[i].linktype : -1;
}

uint32_t pcapng_iface_count(const struct pcapng *ng) { return ng->nifs; }

const char *pcapng_error(const struct pcapng *ng) { return ng->err; }

uint64_t pcapng_offset(const struct pcapng *ng) { return ng->buf_off + ng->pos; }

const struct pcapng_stats *pcapng_stats(const struct pcapng *ng) { return &ng->st; }
