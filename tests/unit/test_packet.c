/* Unit tests for capture/packet.c: hand-built frames for every link type and
 * encapsulation, exact field values, and the exact skip counter for every
 * way a frame can be cut or bogus. */
#include <stdint.h>
#include <string.h>

#include "capture/packet.h"
#include "check.h"

/* ------------------------------------------------------------ builders */

#define MAXF 4096

static const uint8_t V4A[4] = {192, 0, 2, 1}, V4B[4] = {198, 51, 100, 7};
static const uint8_t V6A[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t V6B[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
static const uint8_t HELLO[] = "hello, tls"; /* 11 bytes incl. NUL */

static size_t put16(uint8_t *o, uint16_t v)
{
    o[0] = (uint8_t)(v >> 8);
    o[1] = (uint8_t)v;
    return 2;
}

static size_t put32(uint8_t *o, uint32_t v)
{
    o[0] = (uint8_t)(v >> 24);
    o[1] = (uint8_t)(v >> 16);
    o[2] = (uint8_t)(v >> 8);
    o[3] = (uint8_t)v;
    return 4;
}

/* TCP header (20 + optlen bytes, optlen multiple of 4) + payload. */
static size_t mk_tcp_opt(uint8_t *o, uint16_t sp, uint16_t dp, uint32_t seq, uint32_t ack,
                         uint8_t flags, size_t optlen, const void *pl, size_t plen)
{
    size_t n = 0;
    n += put16(o + n, sp);
    n += put16(o + n, dp);
    n += put32(o + n, seq);
    n += put32(o + n, ack);
    o[n++] = (uint8_t)(((20 + optlen) / 4) << 4);
    o[n++] = flags;
    n += put16(o + n, 65535);
    n += put16(o + n, 0xdead); /* bogus checksum: must be ignored */
    n += put16(o + n, 0);
    for (size_t i = 0; i < optlen; i++) o[n++] = 1; /* NOP */
    memcpy(o + n, pl, plen);
    return n + plen;
}

static size_t mk_tcp(uint8_t *o, const void *pl, size_t plen)
{
    return mk_tcp_opt(o, 44321, 443, 0x01020304, 0x0a0b0c0d, TCPF_ACK | TCPF_PSH, 0, pl, plen);
}

static size_t mk_udp(uint8_t *o, uint16_t sp, uint16_t dp, const void *pl, size_t plen)
{
    size_t n = 0;
    n += put16(o + n, sp);
    n += put16(o + n, dp);
    n += put16(o + n, (uint16_t)(8 + plen));
    n += put16(o + n, 0);
    memcpy(o + n, pl, plen);
    return n + plen;
}

/* IPv4 with optlen bytes of options (multiple of 4) and fragment field. */
static size_t mk_ipv4_full(uint8_t *o, uint8_t proto, const uint8_t *src, const uint8_t *dst,
                           size_t optlen, uint16_t frag, const void *l4, size_t l4len)
{
    size_t hl = 20 + optlen, n = 0;
    o[n++] = (uint8_t)(0x40 | (hl / 4));
    o[n++] = 0;
    n += put16(o + n, (uint16_t)(hl + l4len));
    n += put16(o + n, 0x1234);
    n += put16(o + n, frag);
    o[n++] = 64;
    o[n++] = proto;
    n += put16(o + n, 0xbeef);
    memcpy(o + n, src, 4);
    memcpy(o + n + 4, dst, 4);
    n += 8;
    for (size_t i = 0; i < optlen; i++) o[n++] = 1; /* NOP options */
    memcpy(o + n, l4, l4len);
    return n + l4len;
}

static size_t mk_ipv4(uint8_t *o, uint8_t proto, const void *l4, size_t l4len)
{
    return mk_ipv4_full(o, proto, V4A, V4B, 0, 0x4000 /* DF */, l4, l4len);
}

static size_t mk_ipv6(uint8_t *o, uint8_t nh, const void *rest, size_t len)
{
    size_t n = 0;
    n += put32(o + n, 0x60000000);
    n += put16(o + n, (uint16_t)len);
    o[n++] = nh;
    o[n++] = 64;
    memcpy(o + n, V6A, 16);
    memcpy(o + n + 16, V6B, 16);
    n += 32;
    memcpy(o + n, rest, len);
    return n + len;
}

static const uint8_t MAC_HDR[12] = {0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6};

static size_t mk_eth(uint8_t *o, uint16_t type, const void *pl, size_t plen)
{
    memcpy(o, MAC_HDR, 12);
    put16(o + 12, type);
    memcpy(o + 14, pl, plen);
    return 14 + plen;
}

static size_t cat(uint8_t *o, const void *a, size_t an, const void *b, size_t bn)
{
    memmove(o + an, b, bn);
    memcpy(o, a, an);
    return an + bn;
}

/* The standard inner packets. */
static size_t ipv4_tcp(uint8_t *o)
{
    uint8_t t[MAXF];
    size_t tn = mk_tcp(t, HELLO, sizeof(HELLO));
    return mk_ipv4(o, 6, t, tn);
}

static size_t ipv6_tcp(uint8_t *o)
{
    uint8_t t[MAXF];
    size_t tn = mk_tcp(t, HELLO, sizeof(HELLO));
    return mk_ipv6(o, 6, t, tn);
}

/* ------------------------------------------------------------ checkers */

static uint64_t skip_sum(const struct pkt_counters *c)
{
    return c->tcp + c->udp + c->non_ip + c->other_ip_proto + c->ip_fragments + c->truncated +
           c->malformed;
}

/* Decode and expect the standard TCP segment; `pl_off` is where the
 * payload starts in the frame. */
static void expect_tcp(int lt, const uint8_t *f, size_t n, int family, size_t pl_off,
                       int tunnels, int line)
{
    struct pkt_info pi;
    struct pkt_counters c;
    memset(&c, 0, sizeof(c));
    int rc = pkt_decode(lt, f, (uint32_t)n, &pi, &c);
    if (rc != PKT_TCP) fprintf(stderr, "(from line %d)\n", line);
    CHECK_EQ_INT(rc, PKT_TCP);
    CHECK_EQ_INT(c.packets, 1);
    CHECK_EQ_INT(c.bytes, n);
    CHECK_EQ_INT(c.tcp, 1);
    CHECK_EQ_INT(skip_sum(&c), 1);
    CHECK_EQ_INT(c.tunnels, tunnels);
    CHECK_EQ_INT(pi.family, family);
    CHECK_EQ_INT(pi.proto, 6);
    if (family == 4) {
        CHECK_EQ_MEM(pi.src, V4A, 4);
        CHECK_EQ_MEM(pi.dst, V4B, 4);
        static const uint8_t zero[12];
        CHECK_EQ_MEM(pi.src + 4, zero, 12);
    } else {
        CHECK_EQ_MEM(pi.src, V6A, 16);
        CHECK_EQ_MEM(pi.dst, V6B, 16);
    }
    CHECK_EQ_INT(pi.sport, 44321);
    CHECK_EQ_INT(pi.dport, 443);
    CHECK_EQ_INT(pi.seq, 0x01020304);
    CHECK_EQ_INT(pi.ack, 0x0a0b0c0d);
    CHECK_EQ_INT(pi.tcp_flags, TCPF_ACK | TCPF_PSH);
    CHECK_EQ_INT(pi.payload_len, sizeof(HELLO));
    CHECK_EQ_INT(pi.payload_caplen, sizeof(HELLO));
    CHECK(pi.payload == f + pl_off);
    if (pi.payload) CHECK_EQ_MEM(pi.payload, HELLO, sizeof(HELLO));
}
#define EXPECT_TCP(lt, f, n, fam, off, tun) expect_tcp(lt, f, n, fam, off, tun, __LINE__)

enum why { W_NON_IP, W_OTHER, W_FRAG, W_TRUNC, W_MALF };

static uint64_t why_count(const struct pkt_counters *c, enum why w)
{
    switch (w) {
    case W_NON_IP: return c->non_ip;
    case W_OTHER: return c->other_ip_proto;
    case W_FRAG: return c->ip_fragments;
    case W_TRUNC: return c->truncated;
    default: return c->malformed;
    }
}

static void expect_skip(int lt, const uint8_t *f, size_t n, enum why w, int line)
{
    struct pkt_info pi;
    struct pkt_counters c;
    memset(&c, 0, sizeof(c));
    int rc = pkt_decode(lt, f, (uint32_t)n, &pi, &c);
    if (rc != PKT_SKIP || why_count(&c, w) != 1)
        fprintf(stderr, "(from line %d, length %zu)\n", line, n);
    CHECK_EQ_INT(rc, PKT_SKIP);
    CHECK_EQ_INT(why_count(&c, w), 1);
    CHECK_EQ_INT(skip_sum(&c), 1);
    CHECK(pi.payload == NULL);
    CHECK_EQ_INT(pi.payload_len, 0);
}
#define EXPECT_SKIP(lt, f, n, w) expect_skip(lt, f, n, w, __LINE__)

/* Every proper prefix of a frame that ends inside its headers (shorter than
 * hdr_end) must count as truncated, never as anything else. */
static void expect_truncated_prefixes(int lt, const uint8_t *f, size_t hdr_end, int line)
{
    for (size_t len = 0; len < hdr_end; len++) expect_skip(lt, f, len, W_TRUNC, line);
}
#define EXPECT_TRUNC_PREFIXES(lt, f, end) expect_truncated_prefixes(lt, f, end, __LINE__)

/* ------------------------------------------------------------ link types */

static void test_ethernet(void)
{
    uint8_t ip[MAXF], f[MAXF];
    size_t ipn = ipv4_tcp(ip);
    size_t n = mk_eth(f, 0x0800, ip, ipn);
    EXPECT_TCP(1, f, n, 4, 14 + 40, 0);
    EXPECT_TRUNC_PREFIXES(1, f, 14 + 40);

    /* Ethernet padding after the IP packet is not payload. */
    uint8_t g[MAXF];
    memcpy(g, f, n);
    memset(g + n, 0xEE, 20);
    EXPECT_TCP(1, g, n + 20, 4, 54, 0);

    /* IPv6 over Ethernet. */
    ipn = ipv6_tcp(ip);
    n = mk_eth(f, 0x86DD, ip, ipn);
    EXPECT_TCP(1, f, n, 6, 14 + 60, 0);
    EXPECT_TRUNC_PREFIXES(1, f, 14 + 60);

    /* 802.3 length + LLC/SNAP with OUI 0 carrying IPv4 (RFC 1042). */
    ipn = ipv4_tcp(ip);
    uint8_t snap[8] = {0xAA, 0xAA, 0x03, 0, 0, 0, 0x08, 0x00};
    uint8_t tmp[MAXF];
    size_t tn = cat(tmp, snap, 8, ip, ipn);
    n = mk_eth(f, (uint16_t)tn, tmp, tn);
    EXPECT_TCP(1, f, n, 4, 14 + 8 + 40, 0);
}

static void test_vlan(void)
{
    uint8_t ip[MAXF], f[MAXF], tag[4];
    size_t ipn = ipv4_tcp(ip);
    /* 802.1Q: TCI (VID 100), then the inner EtherType. */
    put16(tag, 100);
    put16(tag + 2, 0x0800);
    uint8_t tmp[MAXF];
    size_t tn = cat(tmp, tag, 4, ip, ipn);
    size_t n = mk_eth(f, 0x8100, tmp, tn);
    EXPECT_TCP(1, f, n, 4, 18 + 40, 0);
    EXPECT_TRUNC_PREFIXES(1, f, 18 + 40);

    /* QinQ: 802.1ad S-tag then 802.1Q C-tag, IPv6 inside. */
    ipn = ipv6_tcp(ip);
    uint8_t tags[8];
    put16(tags, 200);
    put16(tags + 2, 0x8100);
    put16(tags + 4, 100);
    put16(tags + 6, 0x86DD);
    tn = cat(tmp, tags, 8, ip, ipn);
    n = mk_eth(f, 0x88A8, tmp, tn);
    EXPECT_TCP(1, f, n, 6, 22 + 60, 0);
    EXPECT_TRUNC_PREFIXES(1, f, 22 + 60);

    /* Too many tags: more than PKT_MAX_ENCAP layers is malformed. */
    uint8_t deep[MAXF];
    size_t dn = 0;
    for (int i = 0; i < PKT_MAX_ENCAP + 1; i++) {
        dn += put16(deep + dn, (uint16_t)i);
        dn += put16(deep + dn, 0x8100);
    }
    put16(deep + dn - 2, 0x0800);
    tn = cat(tmp, deep, dn, ip, ipn);
    n = mk_eth(f, 0x8100, tmp, tn);
    EXPECT_SKIP(1, f, n, W_MALF);
    /* Exactly PKT_MAX_ENCAP tags is fine. */
    ipn = ipv4_tcp(ip);
    dn = 0;
    for (int i = 0; i < PKT_MAX_ENCAP; i++) {
        dn += put16(deep + dn, (uint16_t)i);
        dn += put16(deep + dn, i == PKT_MAX_ENCAP - 1 ? 0x0800 : 0x8100);
    }
    tn = cat(tmp, deep, dn, ip, ipn);
    n = mk_eth(f, 0x8100, tmp, tn);
    EXPECT_TCP(1, f, n, 4, 14 + dn + 40, 0);
}

static void test_sll(void)
{
    uint8_t ip[MAXF], f[MAXF];
    size_t ipn = ipv4_tcp(ip);
    /* LINUX_SLL: packet type 4 (outgoing), ARPHRD_ETHER 1, addr len 6,
     * 8 address bytes, protocol. */
    uint8_t h[16] = {0, 4, 0, 1, 0, 6, 0, 1, 2, 3, 4, 5, 0, 0, 0x08, 0x00};
    size_t n = cat(f, h, 16, ip, ipn);
    EXPECT_TCP(113, f, n, 4, 16 + 40, 0);
    EXPECT_TRUNC_PREFIXES(113, f, 16 + 40);
    /* 802.2 frames (protocol 0x0004) are not IP. */
    h[14] = 0;
    h[15] = 4;
    n = cat(f, h, 16, ip, ipn);
    EXPECT_SKIP(113, f, n, W_NON_IP);
    /* A VLAN tag left in the payload (protocol 0x8100). */
    uint8_t tag[4];
    put16(tag, 7);
    put16(tag + 2, 0x0800);
    h[14] = 0x81;
    h[15] = 0x00;
    uint8_t tmp[MAXF];
    size_t tn = cat(tmp, tag, 4, ip, ipn);
    n = cat(f, h, 16, tmp, tn);
    EXPECT_TCP(113, f, n, 4, 20 + 40, 0);
}

static void test_sll2(void)
{
    uint8_t ip[MAXF], f[MAXF];
    size_t ipn = ipv6_tcp(ip);
    /* LINUX_SLL2 (tcpdump -i any): protocol, reserved, ifindex,
     * ARPHRD_ETHER, packet type, addr len, 8 address bytes. */
    uint8_t h[20] = {0x86, 0xDD, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 0, 1, 2, 3, 4, 5, 0, 0};
    size_t n = cat(f, h, 20, ip, ipn);
    EXPECT_TCP(276, f, n, 6, 20 + 60, 0);
    EXPECT_TRUNC_PREFIXES(276, f, 20 + 60);
    /* Netlink (ARPHRD 824) on "any" is never IP. */
    h[8] = 0x03;
    h[9] = 0x38;
    n = cat(f, h, 20, ip, ipn);
    EXPECT_SKIP(276, f, n, W_NON_IP);
}

static void test_null_loop(void)
{
    uint8_t ip4[MAXF], ip6[MAXF], f[MAXF];
    size_t n4 = ipv4_tcp(ip4), n6 = ipv6_tcp(ip6);
    const uint8_t le_inet[4] = {2, 0, 0, 0}, be_inet[4] = {0, 0, 0, 2};
    size_t n = cat(f, le_inet, 4, ip4, n4);
    EXPECT_TCP(0, f, n, 4, 44, 0);   /* NULL, little-endian host */
    EXPECT_TRUNC_PREFIXES(0, f, 44);
    n = cat(f, be_inet, 4, ip4, n4);
    EXPECT_TCP(0, f, n, 4, 44, 0);   /* NULL from a big-endian host */
    EXPECT_TCP(108, f, n, 4, 44, 0); /* LOOP: network order */
    const uint8_t af6[3] = {24, 28, 30}; /* NetBSD/OpenBSD, FreeBSD, macOS */
    for (int i = 0; i < 3; i++) {
        uint8_t le[4] = {af6[i], 0, 0, 0}, be[4] = {0, 0, 0, af6[i]};
        n = cat(f, le, 4, ip6, n6);
        EXPECT_TCP(0, f, n, 6, 64, 0);
        n = cat(f, be, 4, ip6, n6);
        EXPECT_TCP(108, f, n, 6, 64, 0);
    }
    const uint8_t af_other[4] = {7, 0, 0, 0};
    n = cat(f, af_other, 4, ip4, n4);
    EXPECT_SKIP(0, f, n, W_NON_IP);
}

static void test_raw(void)
{
    uint8_t f[MAXF];
    size_t n = ipv4_tcp(f);
    EXPECT_TCP(12, f, n, 4, 40, 0);  /* DLT_RAW */
    EXPECT_TCP(14, f, n, 4, 40, 0);  /* DLT_RAW on OpenBSD */
    EXPECT_TCP(101, f, n, 4, 40, 0); /* LINKTYPE_RAW */
    EXPECT_TCP(228, f, n, 4, 40, 0); /* IPV4 */
    EXPECT_TRUNC_PREFIXES(12, f, 40);
    n = ipv6_tcp(f);
    EXPECT_TCP(12, f, n, 6, 60, 0);
    EXPECT_TCP(101, f, n, 6, 60, 0);
    EXPECT_TCP(229, f, n, 6, 60, 0); /* IPV6 */
    EXPECT_TRUNC_PREFIXES(229, f, 60);
    /* RAW with a version nibble that is neither 4 nor 6. */
    f[0] = 0x50;
    EXPECT_SKIP(12, f, n, W_NON_IP);
    /* IPV4 link type but the packet says version 6: impossible. */
    n = ipv6_tcp(f);
    EXPECT_SKIP(228, f, n, W_MALF);
}

/* ------------------------------------------------------------ IP layer */

static void test_ipv4_options_and_lengths(void)
{
    uint8_t t[MAXF], f[MAXF];
    size_t tn = mk_tcp(t, HELLO, sizeof(HELLO));
    /* IHL 7: 8 bytes of options. */
    size_t n = mk_ipv4_full(f, 6, V4A, V4B, 8, 0, t, tn);
    EXPECT_TCP(12, f, n, 4, 28 + 20, 0);
    EXPECT_TRUNC_PREFIXES(12, f, 48);

    /* IHL 4: below the minimum header — malformed even with bytes to spare. */
    uint8_t g[MAXF];
    memcpy(g, f, n);
    g[0] = 0x44;
    EXPECT_SKIP(12, g, n, W_MALF);
    /* IHL 15 (60 bytes) in a 30-byte frame: cut, not bogus. */
    g[0] = 0x4F;
    EXPECT_SKIP(12, g, 30, W_TRUNC);
    /* Total length below the header length. */
    memcpy(g, f, n);
    put16(g + 2, 20);
    EXPECT_SKIP(12, g, n, W_MALF);
    /* Total length 0: a TSO super-packet captured on the sender; the
     * captured bytes are the packet. */
    n = mk_ipv4(g, 6, t, tn);
    put16(g + 2, 0);
    EXPECT_TCP(12, g, n, 4, 40, 0);

    /* Snaplen cut inside the payload: caplen < len, both reported. */
    n = mk_ipv4(g, 6, t, tn);
    struct pkt_info pi;
    struct pkt_counters c;
    memset(&c, 0, sizeof(c));
    CHECK_EQ_INT(pkt_decode(12, g, 40 + 4, &pi, &c), PKT_TCP);
    CHECK_EQ_INT(pi.payload_len, sizeof(HELLO));
    CHECK_EQ_INT(pi.payload_caplen, 4);
    CHECK(pi.payload == g + 40);

    /* A segment larger than any MTU (TSO/GRO) is fine. */
    static uint8_t big[40000], bigf[40100];
    memset(big, 'x', sizeof(big));
    uint8_t bt[40100];
    size_t btn = mk_tcp(bt, big, sizeof(big));
    n = mk_ipv4(bigf, 6, bt, btn);
    memset(&c, 0, sizeof(c));
    CHECK_EQ_INT(pkt_decode(12, bigf, (uint32_t)n, &pi, &c), PKT_TCP);
    CHECK_EQ_INT(pi.payload_len, sizeof(big));

    /* Fragments: MF set; non-zero offset. DF alone is not a fragment. */
    n = mk_ipv4_full(g, 6, V4A, V4B, 0, 0x2000, t, tn);
    EXPECT_SKIP(12, g, n, W_FRAG);
    n = mk_ipv4_full(g, 6, V4A, V4B, 0, 0x0005, t, tn);
    EXPECT_SKIP(12, g, n, W_FRAG);
    /* ICMP. */
    n = mk_ipv4(g, 1, t, tn);
    EXPECT_SKIP(12, g, n, W_OTHER);
}

static void test_tcp_header(void)
{
    uint8_t t[MAXF], f[MAXF];
    /* Data offset 8: 12 bytes of options before the payload. */
    size_t tn = mk_tcp_opt(t, 44321, 443, 0x01020304, 0x0a0b0c0d, TCPF_ACK | TCPF_PSH, 12,
                           HELLO, sizeof(HELLO));
    size_t n = mk_ipv4(f, 6, t, tn);
    EXPECT_TCP(12, f, n, 4, 20 + 32, 0);
    EXPECT_TRUNC_PREFIXES(12, f, 52);
    /* Data offset 4 (< 5): malformed. */
    f[20 + 12] = 0x40;
    EXPECT_SKIP(12, f, n, W_MALF);
    /* Data offset 15 (60 bytes) beyond the 43-byte segment: malformed. */
    f[20 + 12] = 0xF0;
    EXPECT_SKIP(12, f, n, W_MALF);
    /* IP says the segment is 10 bytes: cannot even hold a TCP header. */
    tn = mk_tcp(t, HELLO, sizeof(HELLO));
    n = mk_ipv4(f, 6, t, 10);
    EXPECT_SKIP(12, f, n, W_MALF);
}

static void test_ipv6_ext(void)
{
    uint8_t t[MAXF], rest[MAXF], f[MAXF];
    size_t tn = mk_tcp(t, HELLO, sizeof(HELLO));
    /* Hop-by-hop (8 bytes: nh=60, len 0, PadN) then destination options
     * (16 bytes: nh=6, len 1) then TCP. */
    uint8_t hbh[8] = {60, 0, 1, 4, 0, 0, 0, 0};
    uint8_t dst[16] = {6, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    size_t rn = cat(rest, hbh, 8, dst, 16);
    memcpy(rest + rn, t, tn);
    rn += tn;
    size_t n = mk_ipv6(f, 0, rest, rn);
    EXPECT_TCP(229, f, n, 6, 40 + 24 + 20, 0);
    EXPECT_TRUNC_PREFIXES(229, f, 84);
    /* Routing header (type 0 shape, 8 bytes) then TCP. */
    uint8_t rh[8] = {6, 0, 0, 0, 0, 0, 0, 0};
    rn = cat(rest, rh, 8, t, tn);
    n = mk_ipv6(f, 43, rest, rn);
    EXPECT_TCP(229, f, n, 6, 40 + 8 + 20, 0);

    /* An extension header that runs past the payload length: malformed. */
    uint8_t longdst[8] = {6, 200, 0, 0, 0, 0, 0, 0};
    rn = cat(rest, longdst, 8, t, tn);
    n = mk_ipv6(f, 60, rest, rn);
    EXPECT_SKIP(229, f, n, W_MALF);

    /* A chain of 9 destination-options headers: longer than the cap. */
    rn = 0;
    for (int i = 0; i < 9; i++) {
        uint8_t eh[8] = {i == 8 ? 6 : 60, 0, 1, 4, 0, 0, 0, 0};
        memcpy(rest + rn, eh, 8);
        rn += 8;
    }
    memcpy(rest + rn, t, tn);
    rn += tn;
    n = mk_ipv6(f, 60, rest, rn);
    EXPECT_SKIP(229, f, n, W_MALF);
    /* 8 of them is within the cap. */
    n = mk_ipv6(f, 60, rest + 8, rn - 8);
    EXPECT_TCP(229, f, n, 6, 40 + 64 + 20, 0);

    /* Fragment header: offset 0 with M set = first fragment; offset != 0 =
     * later fragment; offset 0 without M = atomic fragment (RFC 6946), a
     * whole packet. */
    uint8_t fh[8] = {6, 0, 0x00, 0x01, 0, 0, 0, 1};
    rn = cat(rest, fh, 8, t, tn);
    n = mk_ipv6(f, 44, rest, rn);
    EXPECT_SKIP(229, f, n, W_FRAG);
    fh[2] = 0x01;
    fh[3] = 0x00;
    rn = cat(rest, fh, 8, t, tn);
    n = mk_ipv6(f, 44, rest, rn);
    EXPECT_SKIP(229, f, n, W_FRAG);
    fh[2] = 0;
    fh[3] = 0;
    rn = cat(rest, fh, 8, t, tn);
    n = mk_ipv6(f, 44, rest, rn);
    EXPECT_TCP(229, f, n, 6, 40 + 8 + 20, 0);
    /* No next header; ESP; ICMPv6. */
    n = mk_ipv6(f, 59, t, tn);
    EXPECT_SKIP(229, f, n, W_OTHER);
    n = mk_ipv6(f, 50, t, tn);
    EXPECT_SKIP(229, f, n, W_OTHER);
    n = mk_ipv6(f, 58, t, tn);
    EXPECT_SKIP(229, f, n, W_OTHER);
    /* Payload length beyond the tunnel that carries it: see tunnels. */
}

/* ------------------------------------------------------------ encapsulations */

static void test_pppoe(void)
{
    uint8_t ip[MAXF], f[MAXF], tmp[MAXF];
    size_t ipn = ipv4_tcp(ip);
    /* RFC 2516: ver/type 0x11, code 0, session 0x1234, length, PPP 0x0021. */
    uint8_t h[8] = {0x11, 0x00, 0x12, 0x34, 0, 0, 0x00, 0x21};
    put16(h + 4, (uint16_t)(ipn + 2));
    size_t tn = cat(tmp, h, 8, ip, ipn);
    size_t n = mk_eth(f, 0x8864, tmp, tn);
    EXPECT_TCP(1, f, n, 4, 22 + 40, 0);
    EXPECT_TRUNC_PREFIXES(1, f, 62);
    /* IPv6 (PPP 0x0057). */
    ipn = ipv6_tcp(ip);
    h[7] = 0x57;
    put16(h + 4, (uint16_t)(ipn + 2));
    tn = cat(tmp, h, 8, ip, ipn);
    n = mk_eth(f, 0x8864, tmp, tn);
    EXPECT_TCP(1, f, n, 6, 22 + 60, 0);
    /* LCP (0xC021) is not IP. */
    h[6] = 0xC0;
    h[7] = 0x21;
    tn = cat(tmp, h, 8, ip, ipn);
    n = mk_eth(f, 0x8864, tmp, tn);
    EXPECT_SKIP(1, f, n, W_NON_IP);
    /* Wrong version/type. */
    h[0] = 0x12;
    tn = cat(tmp, h, 8, ip, ipn);
    n = mk_eth(f, 0x8864, tmp, tn);
    EXPECT_SKIP(1, f, n, W_MALF);
    /* PPPoE discovery is not IP. */
    n = mk_eth(f, 0x8863, tmp, tn);
    EXPECT_SKIP(1, f, n, W_NON_IP);
}

static void test_mpls(void)
{
    uint8_t ip[MAXF], f[MAXF], tmp[MAXF], st[8];
    size_t ipn = ipv4_tcp(ip);
    /* RFC 3032: two labels, the second with bottom-of-stack. */
    put32(st, (16u << 12) | 64);
    put32(st + 4, (17u << 12) | 0x100 | 64);
    size_t tn = cat(tmp, st, 8, ip, ipn);
    size_t n = mk_eth(f, 0x8847, tmp, tn);
    EXPECT_TCP(1, f, n, 4, 22 + 40, 0);
    EXPECT_TRUNC_PREFIXES(1, f, 62);
    ipn = ipv6_tcp(ip);
    tn = cat(tmp, st, 8, ip, ipn);
    n = mk_eth(f, 0x8847, tmp, tn);
    EXPECT_TCP(1, f, n, 6, 22 + 60, 0);
    /* Ethernet pseudowire with control word under the stack. */
    uint8_t cw[4] = {0, 0, 0, 0}, inner[MAXF];
    ipn = ipv4_tcp(ip);
    size_t inn = mk_eth(inner, 0x0800, ip, ipn);
    uint8_t tmp2[MAXF];
    size_t t2 = cat(tmp2, cw, 4, inner, inn);
    put32(st, (16u << 12) | 0x100 | 64);
    tn = cat(tmp, st, 4, tmp2, t2);
    n = mk_eth(f, 0x8847, tmp, tn);
    EXPECT_TCP(1, f, n, 4, 14 + 4 + 4 + 14 + 40, 0);
    /* Unknown payload nibble. */
    ip[0] = 0x85;
    tn = cat(tmp, st, 4, ip, ipn);
    n = mk_eth(f, 0x8847, tmp, tn);
    EXPECT_SKIP(1, f, n, W_NON_IP);
    /* A label stack without bottom-of-stack bit: runs out of layers. */
    uint8_t many[4 * (PKT_MAX_ENCAP + 2)];
    for (int i = 0; i < PKT_MAX_ENCAP + 2; i++) put32(many + 4 * i, (16u << 12) | 64);
    n = mk_eth(f, 0x8847, many, sizeof(many));
    EXPECT_SKIP(1, f, n, W_MALF);
}

/* Outer Ethernet/IPv4/UDP around `inner` (UDP payload). */
static size_t mk_udp_frame(uint8_t *f, uint16_t dport, const void *inner, size_t innern)
{
    uint8_t u[MAXF], ip[MAXF];
    static const uint8_t o1[4] = {10, 0, 0, 1}, o2[4] = {10, 0, 0, 2};
    size_t un = mk_udp(u, 54321, dport, inner, innern);
    size_t ipn = mk_ipv4_full(ip, 17, o1, o2, 0, 0, u, un);
    return mk_eth(f, 0x0800, ip, ipn);
}

static void test_vxlan(void)
{
    uint8_t ip[MAXF], inner_eth[MAXF], vx[MAXF], f[MAXF];
    size_t ipn = ipv4_tcp(ip);
    size_t en = mk_eth(inner_eth, 0x0800, ip, ipn);
    /* RFC 7348: flags 0x08 (I), VNI 0x123456. */
    uint8_t h[8] = {0x08, 0, 0, 0, 0x12, 0x34, 0x56, 0};
    size_t vn = cat(vx, h, 8, inner_eth, en);
    size_t n = mk_udp_frame(f, 4789, vx, vn);
    size_t hdr = 14 + 20 + 8 + 8 + 14 + 40;
    EXPECT_TCP(1, f, n, 4, hdr, 1);
    EXPECT_TRUNC_PREFIXES(1, f, hdr);
    /* Without the I flag it is just UDP. */
    vx[0] = 0;
    n = mk_udp_frame(f, 4789, vx, vn);
    struct pkt_info pi;
    struct pkt_counters c;
    memset(&c, 0, sizeof(c));
    CHECK_EQ_INT(pkt_decode(1, f, (uint32_t)n, &pi, &c), PKT_UDP);
    CHECK_EQ_INT(c.udp, 1);
    CHECK_EQ_INT(c.tunnels, 0);
    CHECK_EQ_INT(pi.dport, 4789);
    CHECK_EQ_INT(pi.payload_len, vn);
    CHECK(pi.payload == f + 42);
    /* VXLAN carrying ARP: decapsulated, then not IP. */
    vx[0] = 0x08;
    size_t an = mk_eth(inner_eth, 0x0806, ip, 28);
    vn = cat(vx, h, 8, inner_eth, an);
    n = mk_udp_frame(f, 4789, vx, vn);
    memset(&c, 0, sizeof(c));
    CHECK_EQ_INT(pkt_decode(1, f, (uint32_t)n, &pi, &c), PKT_SKIP);
    CHECK_EQ_INT(c.non_ip, 1);
    CHECK_EQ_INT(c.tunnels, 1);
}

static void test_geneve(void)
{
    uint8_t ip[MAXF], inner_eth[MAXF], gv[MAXF], f[MAXF];
    size_t ipn = ipv4_tcp(ip);
    size_t en = mk_eth(inner_eth, 0x0800, ip, ipn);
    /* RFC 8926: ver 0, opt len 2 (8 bytes), proto 0x6558, VNI, one option. */
    uint8_t h[16] = {0x02, 0x00, 0x65, 0x58, 0, 0, 42, 0,
                     0x01, 0x02, 0x80, 0x01, 0xAA, 0xBB, 0xCC, 0xDD};
    size_t gn = cat(gv, h, 16, inner_eth, en);
    size_t n = mk_udp_frame(f, 6081, gv, gn);
    size_t hdr = 42 + 16 + 14 + 40;
    EXPECT_TCP(1, f, n, 4, hdr, 1);
    EXPECT_TRUNC_PREFIXES(1, f, hdr);
    /* Protocol type IPv6 directly, no options. */
    ipn = ipv6_tcp(ip);
    uint8_t h2[8] = {0x00, 0x00, 0x86, 0xDD, 0, 0, 42, 0};
    gn = cat(gv, h2, 8, ip, ipn);
    n = mk_udp_frame(f, 6081, gv, gn);
    EXPECT_TCP(1, f, n, 6, 42 + 8 + 60, 1);
    /* Options longer than the datagram: malformed. */
    gv[0] = 0x3F;
    n = mk_udp_frame(f, 6081, gv, 8 + 20);
    EXPECT_SKIP(1, f, n, W_MALF);
}

static void test_gtpu(void)
{
    uint8_t ip[MAXF], g[MAXF], f[MAXF];
    size_t ipn = ipv4_tcp(ip);
    /* TS 29.281: flags 0x30 (v1, PT), G-PDU 0xFF, length, TEID. */
    uint8_t h[8] = {0x30, 0xFF, 0, 0, 0, 0, 0, 9};
    put16(h + 2, (uint16_t)ipn);
    size_t gn = cat(g, h, 8, ip, ipn);
    size_t n = mk_udp_frame(f, 2152, g, gn);
    EXPECT_TCP(1, f, n, 4, 42 + 8 + 40, 1);
    EXPECT_TRUNC_PREFIXES(1, f, 42 + 8 + 40);

    /* flags 0x32 (S): sequence number, N-PDU, next-ext fields present. */
    uint8_t hs[12] = {0x32, 0xFF, 0, 0, 0, 0, 0, 9, 0x12, 0x34, 0, 0};
    put16(hs + 2, (uint16_t)(ipn + 4));
    gn = cat(g, hs, 12, ip, ipn);
    n = mk_udp_frame(f, 2152, g, gn);
    EXPECT_TCP(1, f, n, 4, 42 + 12 + 40, 1);

    /* flags 0x34 (E): one PDU Session Container extension (type 0x85,
     * length 1 = 4 octets: len, 2 content bytes, next type 0), IPv6. */
    ipn = ipv6_tcp(ip);
    uint8_t he[16] = {0x34, 0xFF, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0x85, 0x01, 0x10, 0x09, 0x00};
    put16(he + 2, (uint16_t)(ipn + 8));
    gn = cat(g, he, 16, ip, ipn);
    n = mk_udp_frame(f, 2152, g, gn);
    EXPECT_TCP(1, f, n, 6, 42 + 16 + 60, 1);
    EXPECT_TRUNC_PREFIXES(1, f, 42 + 16 + 60);
    /* An extension header of length 0 would never advance: malformed. */
    g[12] = 0;
    n = mk_udp_frame(f, 2152, g, gn);
    EXPECT_SKIP(1, f, n, W_MALF);
    /* Echo request (type 1) is signalling: plain UDP. */
    uint8_t echo[8] = {0x30, 0x01, 0, 0, 0, 0, 0, 0};
    n = mk_udp_frame(f, 2152, echo, 8);
    struct pkt_info pi;
    struct pkt_counters c;
    memset(&c, 0, sizeof(c));
    CHECK_EQ_INT(pkt_decode(1, f, (uint32_t)n, &pi, &c), PKT_UDP);
    CHECK_EQ_INT(c.tunnels, 0);
    /* GTP length beyond the UDP datagram: malformed. */
    ipn = ipv4_tcp(ip);
    put16(h + 2, (uint16_t)(ipn + 100));
    gn = cat(g, h, 8, ip, ipn);
    n = mk_udp_frame(f, 2152, g, gn);
    EXPECT_SKIP(1, f, n, W_MALF);
}

static void test_gre_ipip(void)
{
    uint8_t ip[MAXF], g[MAXF], outer[MAXF], f[MAXF];
    static const uint8_t o1[4] = {10, 0, 0, 1}, o2[4] = {10, 0, 0, 2};
    size_t ipn = ipv4_tcp(ip);
    /* RFC 2784/2890: key present (K), protocol IPv4. */
    uint8_t h[8] = {0x20, 0x00, 0x08, 0x00, 0, 0, 0, 5};
    size_t gn = cat(g, h, 8, ip, ipn);
    size_t on = mk_ipv4_full(outer, 47, o1, o2, 0, 0, g, gn);
    size_t n = mk_eth(f, 0x0800, outer, on);
    EXPECT_TCP(1, f, n, 4, 14 + 20 + 8 + 40, 1);
    EXPECT_TRUNC_PREFIXES(1, f, 82);
    /* ERSPAN type II: GRE with S, 8-byte ERSPAN header, Ethernet. */
    uint8_t eh[MAXF];
    size_t en = mk_eth(eh, 0x0800, ip, ipn);
    uint8_t h2[16] = {0x10, 0x00, 0x88, 0xBE, 0, 0, 0, 1, 0x10, 0, 0, 1, 0, 0, 0, 0};
    gn = cat(g, h2, 16, eh, en);
    on = mk_ipv4_full(outer, 47, o1, o2, 0, 0, g, gn);
    n = mk_eth(f, 0x0800, outer, on);
    EXPECT_TCP(1, f, n, 4, 14 + 20 + 16 + 14 + 40, 1);
    /* IPv4-in-IPv4 (RFC 2003) and IPv6-in-IPv4 (RFC 4213). */
    on = mk_ipv4_full(outer, 4, o1, o2, 0, 0, ip, ipn);
    EXPECT_TCP(12, outer, on, 4, 20 + 40, 1);
    ipn = ipv6_tcp(ip);
    on = mk_ipv4_full(outer, 41, o1, o2, 0, 0, ip, ipn);
    EXPECT_TCP(12, outer, on, 6, 20 + 60, 1);
    /* Inner IPv6 claiming more than the outer packet carries. */
    put16(ip + 4, 500);
    on = mk_ipv4_full(outer, 41, o1, o2, 0, 0, ip, ipn);
    EXPECT_SKIP(12, outer, on, W_MALF);
}

static void test_udp_and_misc(void)
{
    uint8_t u[MAXF], f[MAXF];
    size_t un = mk_udp(u, 5353, 53, HELLO, sizeof(HELLO));
    size_t n = mk_ipv4(f, 17, u, un);
    struct pkt_info pi;
    struct pkt_counters c;
    memset(&c, 0, sizeof(c));
    CHECK_EQ_INT(pkt_decode(12, f, (uint32_t)n, &pi, &c), PKT_UDP);
    CHECK_EQ_INT(c.udp, 1);
    CHECK_EQ_INT(pi.proto, 17);
    CHECK_EQ_INT(pi.sport, 5353);
    CHECK_EQ_INT(pi.dport, 53);
    CHECK_EQ_INT(pi.payload_len, sizeof(HELLO));
    CHECK(pi.payload == f + 28);
    /* UDP length 4 (< 8). */
    put16(f + 24, 4);
    EXPECT_SKIP(12, f, n, W_MALF);
    /* ARP. */
    n = mk_eth(f, 0x0806, HELLO, sizeof(HELLO));
    EXPECT_SKIP(1, f, n, W_NON_IP);
    /* 802.3 + plain LLC (STP). */
    uint8_t llc[3] = {0x42, 0x42, 0x03};
    n = mk_eth(f, 3, llc, 3);
    EXPECT_SKIP(1, f, n, W_NON_IP);
    /* A NULL pointer and zero length are a truncated frame, not a crash. */
    EXPECT_SKIP(1, NULL, 0, W_TRUNC);

    CHECK(pkt_linktype_supported(1));
    CHECK(pkt_linktype_supported(276));
    CHECK(pkt_linktype_supported(113));
    CHECK(pkt_linktype_supported(0));
    CHECK(pkt_linktype_supported(108));
    CHECK(pkt_linktype_supported(12));
    CHECK(pkt_linktype_supported(14));
    CHECK(pkt_linktype_supported(101));
    CHECK(pkt_linktype_supported(228));
    CHECK(pkt_linktype_supported(229));
    CHECK(!pkt_linktype_supported(105)); /* IEEE802_11 */
    CHECK(!pkt_linktype_supported(127)); /* radiotap */

    /* Counters accumulate across calls, one reason per frame. */
    memset(&c, 0, sizeof(c));
    uint8_t ip[MAXF];
    size_t ipn = ipv4_tcp(ip);
    pkt_decode(12, ip, (uint32_t)ipn, &pi, &c);
    pkt_decode(12, ip, 10, &pi, &c);
    pkt_decode(1, f, (uint32_t)n, &pi, &c);
    CHECK_EQ_INT(c.packets, 3);
    CHECK_EQ_INT(c.bytes, ipn + 10 + n);
    CHECK_EQ_INT(c.tcp, 1);
    CHECK_EQ_INT(c.truncated, 1);
    CHECK_EQ_INT(c.non_ip, 1);
}

int main(void)
{
    test_ethernet();
    test_vlan();
    test_sll();
    test_sll2();
    test_null_loop();
    test_raw();
    test_ipv4_options_and_lengths();
    test_tcp_header();
    test_ipv6_ext();
    test_pppoe();
    test_mpls();
    test_vxlan();
    test_geneve();
    test_gtpu();
    test_gre_ipip();
    test_udp_and_misc();
    return check_summary();
}
