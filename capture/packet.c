/* packet.c — link layer → IP → TCP/UDP, peeling encapsulations in one
 * bounded loop.
 *
 * The decoder is a small state machine: each state reads one header through
 * the cursor and names the next state. Tunnels (VXLAN, Geneve, GTP-U, GRE,
 * IP-in-IP) simply move the machine back to an earlier state with the inner
 * bytes, so nesting never recurses; every header peeled beyond the link layer
 * counts against PKT_MAX_ENCAP and the whole loop against a step budget.
 *
 * Truncated vs malformed: "truncated" means a header we need was cut off by
 * the end of the captured bytes (snaplen, or a short file record); the values
 * we had were plausible. "malformed" means the values themselves are
 * impossible (IHL < 5, TCP data offset beyond the segment, a tunnel length
 * that does not fit its carrier). Bytes are only ever read through a cursor.
 *
 * This file does not include <pcap.h> (see source.h); link-type numbers are
 * the LINKTYPE_/DLT_ values from https://www.tcpdump.org/linktypes.html.
 */
#include "capture/packet.h"

#include <string.h>

#include "common/cursor.h"

/* Link types (DLT_ as libpcap reports them for files and interfaces). */
#define LT_NULL 0
#define LT_EN10MB 1
#define LT_RAW_LINUX 12   /* DLT_RAW everywhere but OpenBSD (where 12 is LOOP) */
#define LT_RAW_OPENBSD 14 /* DLT_RAW on OpenBSD */
#define LT_RAW 101        /* LINKTYPE_RAW as written in files */
#define LT_LOOP 108
#define LT_LINUX_SLL 113
#define LT_IPV4 228
#define LT_IPV6 229
#define LT_LINUX_SLL2 276

/* EtherTypes (IEEE registry). */
#define ET_IPV4 0x0800
#define ET_IPV6 0x86DD
#define ET_VLAN 0x8100      /* IEEE 802.1Q C-tag */
#define ET_QINQ 0x88A8      /* IEEE 802.1ad S-tag */
#define ET_QINQ_OLD1 0x9100 /* pre-standard QinQ */
#define ET_QINQ_OLD2 0x9200
#define ET_PPPOE_SESS 0x8864 /* RFC 2516 §5 session stage */
#define ET_MPLS_UC 0x8847    /* RFC 3032 §5 */
#define ET_MPLS_MC 0x8848
#define ET_TEB 0x6558        /* transparent Ethernet bridging (GRE, Geneve) */
#define ET_ERSPAN2 0x88BE
#define ET_ERSPAN3 0x22EB
#define ET_CISCO_MD 0x8909   /* Cisco MetaData: TrustSec SGT from a SPAN port */
#define ET_VNTAG 0x8926      /* Cisco VN-Tag (FEX ports) */
#define ET_ETAG 0x893F       /* IEEE 802.1BR E-Tag (port extenders) */
#define ET_PBB 0x88E7        /* IEEE 802.1ah I-Tag (provider backbone bridging) */
#define ET_NSH 0x894F        /* RFC 8300 Network Service Header */

/* RFC 8300 §2.3 Next Protocol values. */
#define NSH_NP_IPV4 1
#define NSH_NP_IPV6 2
#define NSH_NP_ETHER 3
#define NSH_NP_NSH 4
#define NSH_NP_MPLS 5

/* IP protocol numbers (IANA). */
#define IPP_HOPOPT 0
#define IPP_IPIP 4
#define IPP_TCP 6
#define IPP_UDP 17
#define IPP_IPV6 41
#define IPP_ROUTING 43
#define IPP_FRAGMENT 44
#define IPP_GRE 47
#define IPP_ESP 50
#define IPP_AH 51
#define IPP_NONE 59
#define IPP_DSTOPTS 60
#define IPP_MOBILITY 135
#define IPP_HIP 139
#define IPP_SHIM6 140

/* UDP ports of the tunnels we open. */
#define PORT_VXLAN 4789  /* RFC 7348 §5 */
#define PORT_GENEVE 6081 /* RFC 8926 §3.3 */
#define PORT_GTPU 2152   /* 3GPP TS 29.281 §4.4.2.3 */

/* Bounds on the loops below. An IPv6 packet legitimately has a handful of
 * extension headers (RFC 8200 §4.1 recommends each appear at most once, two
 * for destination options); more than this is an attack or garbage. */
#define PKT_MAX_IPV6_EXT 8
#define PKT_MAX_GTP_EXT 8
/* Total state transitions per frame: every state either consumes a header or
 * ends the walk, so this is generous and only guards against logic errors. */
#define PKT_MAX_STEPS (4 * PKT_MAX_ENCAP + 2 * PKT_MAX_IPV6_EXT + 16)

/* BSD address families seen in NULL/LOOP headers: AF_INET is 2 everywhere;
 * AF_INET6 is 24 on NetBSD/OpenBSD/BSD/OS, 28 on FreeBSD/DragonFly, 30 on
 * macOS/iOS (the same values Wireshark's null dissector accepts). */
#define BSD_AF_INET 2
#define BSD_AF_INET6_BSD 24
#define BSD_AF_INET6_FREEBSD 28
#define BSD_AF_INET6_DARWIN 30

/* Linux ARPHRD_NETLINK: nlmon captures on "any"; never IP. */
#define ARPHRD_NETLINK_ 824

enum state {
    ST_ETHER,     /* Ethernet II / 802.3 header */
    ST_ETHERTYPE, /* dispatch on d.etype with d.c at the payload */
    ST_MPLS,      /* one MPLS label stack entry */
    ST_GUESS_IP,  /* IPv4 or IPv6 by the version nibble */
    ST_IPV4,
    ST_IPV6,
    ST_IPPROTO,   /* dispatch on d.proto with d.c at the IP payload */
    ST_GRE,
};

enum verdict {
    V_CONTINUE = 0,
    V_TCP,
    V_UDP,
    V_NON_IP,
    V_OTHER_PROTO,
    V_FRAGMENT,
    V_TRUNCATED,
    V_MALFORMED,
};

struct decoder {
    struct cursor c;     /* captured bytes from the current header on */
    uint32_t wire_left;  /* bytes the enclosing length fields promise from c.p on;
                            UINT32_MAX when no length is known (link layer) */
    enum state st;
    uint16_t etype;      /* ST_ETHERTYPE input */
    uint8_t proto;       /* ST_IPPROTO input */
    uint8_t ipver;       /* version of the innermost IP header */
    int layers;          /* encapsulation headers peeled */
    int v6_ext;          /* IPv6 extension headers walked in this IP header */
    bool tunneled;
    struct pkt_info *out;
};

/* Count one more encapsulation layer; too deep is malformed. */
static enum verdict dec_layer(struct decoder *d)
{
    if (++d->layers > PKT_MAX_ENCAP) return V_MALFORMED;
    return V_CONTINUE;
}

/* A read that failed for lack of captured bytes: truncated. */
#define NEED(expr)                              \
    do {                                        \
        if ((expr) != 0) return V_TRUNCATED;    \
    } while (0)

/* Consume n bytes that the current length budget must also cover. */
static enum verdict dec_take_wire(struct decoder *d, uint32_t n)
{
    if (d->wire_left != UINT32_MAX) {
        if (n > d->wire_left) return V_MALFORMED;
        d->wire_left -= n;
    }
    return V_CONTINUE;
}

/* IEEE 802.3: Ethernet II when the type field is >= 0x0600; below that it
 * is a length and an 802.2 LLC header follows, possibly SNAP (RFC 1042)
 * carrying an EtherType under OUI 00-00-00. */
static enum verdict dec_ether(struct decoder *d)
{
    uint16_t type;
    NEED(cur_skip(&d->c, 12)); /* destination, source MAC */
    NEED(cur_u16(&d->c, &type));
    if (type >= 0x0600) {
        d->etype = type;
        d->st = ST_ETHERTYPE;
        return V_CONTINUE;
    }
    uint8_t dsap, ssap, ctl;
    NEED(cur_u8(&d->c, &dsap));
    NEED(cur_u8(&d->c, &ssap));
    NEED(cur_u8(&d->c, &ctl));
    if (dsap != 0xAA || ssap != 0xAA || ctl != 0x03) return V_NON_IP;
    uint32_t oui;
    NEED(cur_u24(&d->c, &oui));
    NEED(cur_u16(&d->c, &type));
    if (oui != 0) return V_NON_IP;
    d->etype = type;
    d->st = ST_ETHERTYPE;
    return V_CONTINUE;
}

/* A tag of `n` bytes after the EtherType that names it, followed by the
 * next EtherType (VLAN-like: VN-Tag, E-Tag, Cisco MetaData). */
static enum verdict dec_tag(struct decoder *d, uint32_t n)
{
    uint16_t type;
    enum verdict v = dec_layer(d);
    if (v) return v;
    NEED(cur_skip(&d->c, n));
    NEED(cur_u16(&d->c, &type));
    if ((v = dec_take_wire(d, n + 2))) return v;
    d->etype = type;
    return V_CONTINUE;
}

/* RFC 8300 §2.2: Ver(2) O U TTL(6) Length(6) | U(4) MD Type(4) | Next
 * Protocol(8), then the Service Path Header and context headers; Length
 * counts the whole NSH in 4-byte words (at least base + path: 2). */
static enum verdict dec_nsh(struct decoder *d)
{
    uint8_t b0, b1, md, next;
    enum verdict v = dec_layer(d);
    if (v) return v;
    NEED(cur_u8(&d->c, &b0));
    NEED(cur_u8(&d->c, &b1));
    NEED(cur_u8(&d->c, &md));
    NEED(cur_u8(&d->c, &next));
    uint32_t len = (uint32_t)(b1 & 0x3F) * 4;
    if ((b0 >> 6) != 0 || len < 8) return V_MALFORMED;
    NEED(cur_skip(&d->c, len - 4));
    if ((v = dec_take_wire(d, len))) return v;
    switch (next) {
    case NSH_NP_IPV4: d->st = ST_IPV4; return V_CONTINUE;
    case NSH_NP_IPV6: d->st = ST_IPV6; return V_CONTINUE;
    case NSH_NP_ETHER: d->st = ST_ETHER; return V_CONTINUE;
    case NSH_NP_NSH: d->etype = ET_NSH; d->st = ST_ETHERTYPE; return V_CONTINUE;
    case NSH_NP_MPLS: d->st = ST_MPLS; return V_CONTINUE;
    default: return V_NON_IP;
    }
}

static enum verdict dec_ethertype(struct decoder *d)
{
    switch (d->etype) {
    case ET_IPV4:
        d->st = ST_IPV4;
        return V_CONTINUE;
    case ET_IPV6:
        d->st = ST_IPV6;
        return V_CONTINUE;
    case ET_VLAN:
    case ET_QINQ:
    case ET_QINQ_OLD1:
    case ET_QINQ_OLD2:
        /* IEEE 802.1Q §9.6: TCI (PCP, DEI, VID), then the next EtherType. */
        return dec_tag(d, 2);
    case ET_PPPOE_SESS: {
        /* RFC 2516 §4: VER=1 TYPE=1 (0x11), CODE 0x00 in session stage,
         * SESSION_ID, LENGTH (of the PPP payload); then a PPP protocol field
         * (RFC 1661 §2, which may be compressed to one byte: the low bit of
         * the last byte of a protocol number is always 1). */
        uint8_t vt, code, b0, b1;
        uint16_t sess, len, pproto;
        enum verdict v = dec_layer(d);
        if (v) return v;
        NEED(cur_u8(&d->c, &vt));
        NEED(cur_u8(&d->c, &code));
        NEED(cur_u16(&d->c, &sess));
        NEED(cur_u16(&d->c, &len));
        if (vt != 0x11 || code != 0x00) return V_MALFORMED;
        /* LENGTH is not used to bound what follows: real captures carry
         * PPPoE lengths shorter than the IP packet inside (Wireshark flags
         * them and decodes the IP anyway); the IP length is trusted, as with
         * Ethernet padding. */
        (void)len;
        NEED(cur_u8(&d->c, &b0));
        if (b0 & 1) {
            pproto = b0;
            if ((v = dec_take_wire(d, 1))) return v;
        } else {
            NEED(cur_u8(&d->c, &b1));
            pproto = (uint16_t)(b0 << 8 | b1);
            if ((v = dec_take_wire(d, 2))) return v;
        }
        if (pproto == 0x0021) d->st = ST_IPV4;
        else if (pproto == 0x0057) d->st = ST_IPV6;
        else return V_NON_IP; /* LCP, IPCP, CHAP, ... */
        return V_CONTINUE;
    }
    case ET_MPLS_UC:
    case ET_MPLS_MC:
        d->st = ST_MPLS;
        return V_CONTINUE;
    case ET_TEB:
        d->st = ST_ETHER;
        return V_CONTINUE;
    case ET_CISCO_MD:
        /* Cisco MetaData as a switch's SPAN port delivers it (Wireshark
         * packet-cisco-metadata.c, draft-smith-kandula-sxp): version,
         * length, option (length/type), SGT, then the next EtherType. */
        return dec_tag(d, 6);
    case ET_VNTAG:
        /* VN-Tag: direction/pointer/destination VIF/looped/version/source
         * VIF in 4 bytes, then the next EtherType (Wireshark packet-vntag.c). */
        return dec_tag(d, 4);
    case ET_ETAG:
        /* IEEE 802.1BR-2012 §7.4: E-PCP, E-DEI, ingress E-CID base,
         * reserved, GRP, E-CID base, ingress/E-CID extensions: 6 bytes,
         * then the next EtherType. */
        return dec_tag(d, 6);
    case ET_PBB: {
        /* IEEE 802.1ah-2008 §9.7: I-Tag TCI (PCP, DEI, UCA, I-SID: 4
         * bytes), then the customer's own destination and source MAC
         * and EtherType: a whole Ethernet frame. */
        enum verdict v = dec_layer(d);
        if (v) return v;
        NEED(cur_skip(&d->c, 4));
        if ((v = dec_take_wire(d, 4))) return v;
        d->st = ST_ETHER;
        return V_CONTINUE;
    }
    case ET_NSH:
        return dec_nsh(d);
    default:
        return V_NON_IP; /* ARP, LLDP, PPPoE discovery, ... */
    }
}

/* RFC 3032 §2.1: label (20 bits), TC (3), S bottom-of-stack (1), TTL (8).
 * Each entry is one layer, so the stack is bounded by PKT_MAX_ENCAP. Below
 * the stack there is no type field: RFC 3032 §2.2 leaves it to the label's
 * binding; like Wireshark we look at the first nibble. 4/6 is IP; 0 is a
 * pseudowire control word (RFC 4385 §3), after which we try Ethernet
 * (RFC 4448 §3, the common case). */
static enum verdict dec_mpls(struct decoder *d)
{
    uint32_t lse;
    enum verdict v = dec_layer(d);
    if (v) return v;
    NEED(cur_u32(&d->c, &lse));
    if ((v = dec_take_wire(d, 4))) return v;
    if (!(lse & 0x100)) return V_CONTINUE; /* more labels */
    uint8_t first;
    struct cursor peek = d->c;
    NEED(cur_u8(&peek, &first));
    switch (first >> 4) {
    case 4:
        d->st = ST_IPV4;
        return V_CONTINUE;
    case 6:
        d->st = ST_IPV6;
        return V_CONTINUE;
    case 0:
        NEED(cur_skip(&d->c, 4));
        if ((v = dec_take_wire(d, 4))) return v;
        d->st = ST_ETHER;
        return V_CONTINUE;
    default:
        return V_NON_IP;
    }
}

/* RAW links, GTP-U payloads, MPLS: the IP version nibble says which. */
static enum verdict dec_guess_ip(struct decoder *d)
{
    uint8_t first;
    struct cursor peek = d->c;
    NEED(cur_u8(&peek, &first));
    if ((first >> 4) == 4) d->st = ST_IPV4;
    else if ((first >> 4) == 6) d->st = ST_IPV6;
    else return V_NON_IP;
    return V_CONTINUE;
}

/* Limit the cursor to the IP payload: `declared` bytes promised by the
 * header, of which what was captured is kept (snaplen may cut it; Ethernet
 * padding past the IP length is dropped — the IP length is trusted). */
static void dec_clip(struct decoder *d, uint32_t declared)
{
    if (cur_left(&d->c) > declared) d->c.end = d->c.p + declared;
    d->wire_left = declared;
}

/* RFC 791 §3.1. */
static enum verdict dec_ipv4(struct decoder *d)
{
    uint8_t vihl, tos, ttl, proto;
    uint16_t totlen, id, frag, csum;
    const uint8_t *src, *dst;
    struct cursor start = d->c;

    NEED(cur_u8(&d->c, &vihl));
    if ((vihl >> 4) != 4) return V_MALFORMED;
    uint32_t hl = (uint32_t)(vihl & 0x0F) * 4;
    if (hl < 20) return V_MALFORMED; /* IHL < 5 */
    NEED(cur_u8(&d->c, &tos));
    NEED(cur_u16(&d->c, &totlen));
    NEED(cur_u16(&d->c, &id));
    NEED(cur_u16(&d->c, &frag));
    NEED(cur_u8(&d->c, &ttl));
    NEED(cur_u8(&d->c, &proto));
    NEED(cur_u16(&d->c, &csum)); /* ignored: offloaded checksums are normal */
    NEED(cur_bytes(&d->c, 4, &src));
    NEED(cur_bytes(&d->c, 4, &dst));
    NEED(cur_skip(&d->c, hl - 20)); /* options (RFC 791 §3.1 "Options") */

    uint32_t total;
    if (totlen == 0) {
        /* A TSO/GSO super-packet captured on the sending host can carry a
         * zero total length; the captured bytes are all we have. */
        total = (uint32_t)cur_left(&start);
        if (d->wire_left != UINT32_MAX && total > d->wire_left) total = d->wire_left;
    } else {
        total = totlen;
    }
    if (total < hl) return V_MALFORMED;
    if (d->wire_left != UINT32_MAX && total > d->wire_left) return V_MALFORMED;

    d->ipver = 4;
    d->out->family = 4;
    memset(d->out->src, 0, sizeof(d->out->src));
    memset(d->out->dst, 0, sizeof(d->out->dst));
    memcpy(d->out->src, src, 4);
    memcpy(d->out->dst, dst, 4);

    /* MF set or a non-zero offset: a fragment. We do not reassemble. */
    if (frag & 0x3FFF) return V_FRAGMENT;

    dec_clip(d, total - hl);
    d->proto = proto;
    d->st = ST_IPPROTO;
    return V_CONTINUE;
}

/* RFC 8200 §3. */
static enum verdict dec_ipv6(struct decoder *d)
{
    uint32_t vtcfl;
    uint16_t plen;
    uint8_t nh, hlim;
    const uint8_t *src, *dst;

    NEED(cur_u32(&d->c, &vtcfl));
    if ((vtcfl >> 28) != 6) return V_MALFORMED;
    NEED(cur_u16(&d->c, &plen));
    NEED(cur_u8(&d->c, &nh));
    NEED(cur_u8(&d->c, &hlim));
    NEED(cur_bytes(&d->c, 16, &src));
    NEED(cur_bytes(&d->c, 16, &dst));
    if (d->wire_left != UINT32_MAX) {
        if (d->wire_left < 40) return V_MALFORMED;
        d->wire_left -= 40;
    }

    uint32_t payload = plen;
    if (plen == 0) {
        /* Jumbogram (RFC 2675) or a TSO super-packet: use what is there. */
        payload = (uint32_t)cur_left(&d->c);
        if (d->wire_left != UINT32_MAX && payload > d->wire_left) payload = d->wire_left;
    }
    if (d->wire_left != UINT32_MAX && payload > d->wire_left) return V_MALFORMED;

    d->ipver = 6;
    d->v6_ext = 0;
    d->out->family = 6;
    memcpy(d->out->src, src, 16);
    memcpy(d->out->dst, dst, 16);
    dec_clip(d, payload);
    d->proto = nh;
    d->st = ST_IPPROTO;
    return V_CONTINUE;
}

/* An extension header of `len` bytes that starts with (next header, ...):
 * read its next-header byte and skip it, within both budgets. */
static enum verdict dec_skip_ext(struct decoder *d, uint32_t len)
{
    uint8_t nh;
    struct cursor peek = d->c;
    if (d->wire_left != UINT32_MAX && len > d->wire_left) return V_MALFORMED;
    NEED(cur_u8(&peek, &nh));
    NEED(cur_skip(&d->c, len));
    d->wire_left -= len; /* wire_left is known here: set by the IP header */
    d->proto = nh;
    return V_CONTINUE;
}

/* RFC 9293 §3.1. */
static enum verdict dec_tcp(struct decoder *d)
{
    struct pkt_info *o = d->out;
    uint32_t seg = d->wire_left; /* segment length per the IP header */
    if (seg < 20) return V_MALFORMED;
    uint16_t sport, dport, win;
    uint32_t seq, ack;
    uint8_t off, flags;
    NEED(cur_u16(&d->c, &sport));
    NEED(cur_u16(&d->c, &dport));
    NEED(cur_u32(&d->c, &seq));
    NEED(cur_u32(&d->c, &ack));
    NEED(cur_u8(&d->c, &off));
    NEED(cur_u8(&d->c, &flags));
    NEED(cur_u16(&d->c, &win));
    uint32_t hl = (uint32_t)(off >> 4) * 4;
    if (hl < 20 || hl > seg) return V_MALFORMED; /* Data Offset (RFC 9293 §3.1) */
    NEED(cur_skip(&d->c, 4));      /* checksum (ignored), urgent pointer */
    NEED(cur_skip(&d->c, hl - 20)); /* options */
    o->proto = IPP_TCP;
    o->sport = sport;
    o->dport = dport;
    o->seq = seq;
    o->ack = ack;
    o->tcp_flags = flags;
    o->payload = d->c.p;
    o->payload_len = seg - hl;
    o->payload_caplen = (uint32_t)cur_left(&d->c); /* <= payload_len: clipped */
    return V_TCP;
}

/* RFC 768; then the UDP tunnels. Returns V_UDP for a plain datagram or moves
 * the state machine into the tunnel's payload. */
static enum verdict dec_udp(struct decoder *d)
{
    struct pkt_info *o = d->out;
    uint32_t dgram = d->wire_left;
    if (dgram < 8) return V_MALFORMED;
    uint16_t sport, dport, ulen, csum;
    NEED(cur_u16(&d->c, &sport));
    NEED(cur_u16(&d->c, &dport));
    NEED(cur_u16(&d->c, &ulen));
    NEED(cur_u16(&d->c, &csum));
    if (ulen != 0) { /* 0: jumbogram (RFC 2675 §4) — trust IP */
        if (ulen < 8 || ulen > dgram) return V_MALFORMED;
        dgram = ulen;
    }
    dec_clip(d, dgram - 8);
    o->proto = IPP_UDP;
    o->sport = sport;
    o->dport = dport;
    o->seq = o->ack = 0;
    o->tcp_flags = 0;
    o->payload = d->c.p;
    o->payload_len = dgram - 8;
    o->payload_caplen = (uint32_t)cur_left(&d->c);

    struct cursor c = d->c; /* tunnel header parse; commit only on success */
    uint32_t left = d->wire_left;

    if (dport == PORT_VXLAN && left >= 8) {
        /* RFC 7348 §5: flags (I bit 0x08 must be set), 24 reserved bits,
         * VNI (24), 8 reserved bits; an Ethernet frame follows. */
        uint8_t flags;
        NEED(cur_u8(&c, &flags));
        if (!(flags & 0x08)) return V_UDP;
        NEED(cur_skip(&c, 7));
        enum verdict v = dec_layer(d);
        if (v) return v;
        d->c = c;
        d->wire_left = left - 8;
        d->tunneled = true;
        d->st = ST_ETHER;
        return V_CONTINUE;
    }
    if (dport == PORT_GENEVE && left >= 8) {
        /* RFC 8926 §3.4: Ver (2) | Opt Len (6, in 4-byte words), O C Rsvd,
         * Protocol Type (an EtherType), VNI (24), Reserved (8), options. */
        uint8_t b0, b1;
        uint16_t ptype;
        NEED(cur_u8(&c, &b0));
        if ((b0 >> 6) != 0) return V_UDP; /* unknown version: not ours to parse */
        NEED(cur_u8(&c, &b1));
        NEED(cur_u16(&c, &ptype));
        NEED(cur_skip(&c, 4));
        uint32_t optlen = (uint32_t)(b0 & 0x3F) * 4;
        if (8 + optlen > left) return V_MALFORMED;
        NEED(cur_skip(&c, optlen));
        enum verdict v = dec_layer(d);
        if (v) return v;
        d->c = c;
        d->wire_left = left - 8 - optlen;
        d->tunneled = true;
        d->etype = ptype;
        d->st = ST_ETHERTYPE;
        return V_CONTINUE;
    }
    if (dport == PORT_GTPU && left >= 8) {
        /* 3GPP TS 29.281 §5.1: flags (Version=1 (3 bits), PT=1, spare, E, S,
         * PN), Message Type (255 = G-PDU), Length (octets after the first 8),
         * TEID; then, if any of E/S/PN, Sequence Number (2), N-PDU Number (1),
         * Next Extension Header Type (1); §5.2: extension headers of
         * 4*Length octets ending with the next type. Only G-PDUs carry user
         * IP packets; echo and error messages stay plain UDP. */
        uint8_t flags, mtype;
        uint16_t glen;
        uint32_t teid;
        NEED(cur_u8(&c, &flags));
        NEED(cur_u8(&c, &mtype));
        if ((flags >> 5) != 1 || !(flags & 0x10) || mtype != 0xFF) return V_UDP;
        NEED(cur_u16(&c, &glen));
        NEED(cur_u32(&c, &teid));
        if ((uint32_t)glen > left - 8) return V_MALFORMED;
        uint32_t inner = glen;
        if (flags & 0x07) {
            uint16_t gseq;
            uint8_t npdu, next;
            if (inner < 4) return V_MALFORMED;
            NEED(cur_u16(&c, &gseq));
            NEED(cur_u8(&c, &npdu));
            NEED(cur_u8(&c, &next));
            inner -= 4;
            int n = 0;
            while ((flags & 0x04) && next != 0) {
                uint8_t elen;
                if (++n > PKT_MAX_GTP_EXT) return V_MALFORMED;
                NEED(cur_u8(&c, &elen));
                uint32_t bytes = (uint32_t)elen * 4;
                if (bytes == 0 || bytes > inner) return V_MALFORMED; /* 0 would loop */
                NEED(cur_skip(&c, bytes - 2));
                NEED(cur_u8(&c, &next));
                inner -= bytes;
            }
        }
        if (inner == 0) return V_MALFORMED; /* a G-PDU without a packet */
        enum verdict v = dec_layer(d);
        if (v) return v;
        d->c = c;
        if (cur_left(&d->c) > inner) d->c.end = d->c.p + inner;
        d->wire_left = inner;
        d->tunneled = true;
        d->st = ST_GUESS_IP;
        return V_CONTINUE;
    }
    return V_UDP;
}

/* RFC 2784 §2 with the RFC 2890 key and sequence fields; ERSPAN type II/III
 * (draft-foschiano-erspan) mirrored frames; anything else by EtherType. */
static enum verdict dec_gre(struct decoder *d)
{
    uint16_t fv, ptype;
    enum verdict v = dec_layer(d);
    if (v) return v;
    NEED(cur_u16(&d->c, &fv));
    NEED(cur_u16(&d->c, &ptype));
    if ((fv & 0x0007) != 0) return V_NON_IP; /* version 1 = PPTP (RFC 2637) */
    if (fv & 0x4000) return V_NON_IP;        /* routing present (RFC 1701): obsolete */
    uint32_t hl = 4 + ((fv & 0x8000) ? 4 : 0) + ((fv & 0x2000) ? 4 : 0) +
                  ((fv & 0x1000) ? 4 : 0);
    if ((v = dec_take_wire(d, hl))) return v;
    NEED(cur_skip(&d->c, hl - 4));
    d->tunneled = true;
    if (ptype == ET_ERSPAN2) {
        /* Type I (no sequence bit) has no ERSPAN header; type II has 8 bytes. */
        if (fv & 0x1000) {
            if ((v = dec_take_wire(d, 8))) return v;
            NEED(cur_skip(&d->c, 8));
        }
        d->st = ST_ETHER;
        return V_CONTINUE;
    }
    if (ptype == ET_ERSPAN3) {
        /* 12 bytes; the O bit (last bit) adds an 8-byte platform subheader. */
        const uint8_t *h;
        NEED(cur_bytes(&d->c, 12, &h));
        uint32_t extra = (h[11] & 1) ? 8 : 0;
        if ((v = dec_take_wire(d, 12 + extra))) return v;
        NEED(cur_skip(&d->c, extra));
        d->st = ST_ETHER;
        return V_CONTINUE;
    }
    d->etype = ptype;
    d->st = ST_ETHERTYPE;
    return V_CONTINUE;
}

static enum verdict dec_ipproto(struct decoder *d)
{
    enum verdict v;
    switch (d->proto) {
    case IPP_TCP:
        return dec_tcp(d);
    case IPP_UDP:
        return dec_udp(d);
    case IPP_IPIP: /* RFC 2003 */
        if ((v = dec_layer(d))) return v;
        d->tunneled = true;
        d->st = ST_IPV4;
        return V_CONTINUE;
    case IPP_IPV6: /* RFC 4213 §3.5 */
        if ((v = dec_layer(d))) return v;
        d->tunneled = true;
        d->st = ST_IPV6;
        return V_CONTINUE;
    case IPP_GRE:
        d->st = ST_GRE;
        return V_CONTINUE;
    case IPP_AH: {
        /* RFC 4302 §2.2: Payload Len is the AH length in 4-octet units
         * minus 2, in IPv4 and IPv6 alike. */
        uint8_t nh, alen;
        struct cursor peek = d->c;
        if (d->ipver == 6 && ++d->v6_ext > PKT_MAX_IPV6_EXT) return V_MALFORMED;
        NEED(cur_u8(&peek, &nh));
        NEED(cur_u8(&peek, &alen));
        return dec_skip_ext(d, ((uint32_t)alen + 2) * 4);
    }
    case IPP_HOPOPT:
    case IPP_ROUTING:
    case IPP_DSTOPTS:
    case IPP_MOBILITY:
    case IPP_HIP:
    case IPP_SHIM6: {
        /* RFC 8200 §4.3-4.6 (and RFC 6275, 7401, 5533): Next Header,
         * Hdr Ext Len in 8-octet units not counting the first 8. */
        if (d->ipver != 6) return V_OTHER_PROTO;
        uint8_t nh, elen;
        struct cursor peek = d->c;
        if (++d->v6_ext > PKT_MAX_IPV6_EXT) return V_MALFORMED;
        NEED(cur_u8(&peek, &nh));
        NEED(cur_u8(&peek, &elen));
        return dec_skip_ext(d, ((uint32_t)elen + 1) * 8);
    }
    case IPP_FRAGMENT: {
        /* RFC 8200 §4.5: 8 bytes; offset (13 bits) and M flag. An "atomic
         * fragment" (offset 0, M 0) is a whole packet (RFC 6946 §4). */
        if (d->ipver != 6) return V_OTHER_PROTO;
        uint8_t nh, rsv;
        uint16_t offm;
        struct cursor peek = d->c;
        if (++d->v6_ext > PKT_MAX_IPV6_EXT) return V_MALFORMED;
        NEED(cur_u8(&peek, &nh));
        NEED(cur_u8(&peek, &rsv));
        NEED(cur_u16(&peek, &offm));
        if ((offm & 0xFFF9) != 0) return V_FRAGMENT;
        return dec_skip_ext(d, 8);
    }
    case IPP_ESP:  /* encrypted: nothing to see */
    case IPP_NONE: /* RFC 8200 §4.7 */
    default:
        return V_OTHER_PROTO;
    }
}

static enum verdict dec_link(struct decoder *d, int linktype)
{
    switch (linktype) {
    case LT_EN10MB:
        d->st = ST_ETHER;
        return V_CONTINUE;
    case LT_LINUX_SLL: {
        /* https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html: packet
         * type, ARPHRD_ type, address length, 8 address bytes, protocol. */
        uint16_t ptype, hatype, alen, proto;
        NEED(cur_u16(&d->c, &ptype));
        NEED(cur_u16(&d->c, &hatype));
        NEED(cur_u16(&d->c, &alen));
        NEED(cur_skip(&d->c, 8));
        NEED(cur_u16(&d->c, &proto));
        if (hatype == ARPHRD_NETLINK_ || proto < 0x0600) return V_NON_IP; /* 802.2/802.3 */
        d->etype = proto;
        d->st = ST_ETHERTYPE;
        return V_CONTINUE;
    }
    case LT_LINUX_SLL2: {
        /* LINKTYPE_LINUX_SLL2: protocol, reserved, interface index,
         * ARPHRD_ type, packet type, address length, 8 address bytes. */
        uint16_t proto, rsv, hatype;
        uint32_t ifindex;
        NEED(cur_u16(&d->c, &proto));
        NEED(cur_u16(&d->c, &rsv));
        NEED(cur_u32(&d->c, &ifindex));
        NEED(cur_u16(&d->c, &hatype));
        NEED(cur_skip(&d->c, 10));
        if (hatype == ARPHRD_NETLINK_ || proto < 0x0600) return V_NON_IP;
        d->etype = proto;
        d->st = ST_ETHERTYPE;
        return V_CONTINUE;
    }
    case LT_NULL:
    case LT_LOOP: {
        /* A 4-byte BSD address family: host byte order of the capturing
         * machine for NULL, network order for LOOP — and files from either
         * kind of host circulate, so accept both orders for both. */
        struct cursor peek = d->c;
        uint32_t be, le;
        NEED(cur_u32(&peek, &be));
        peek = d->c;
        NEED(cur_u32le(&peek, &le));
        NEED(cur_skip(&d->c, 4));
        uint32_t af = (be < 256) ? be : le;
        if (af == BSD_AF_INET) d->st = ST_IPV4;
        else if (af == BSD_AF_INET6_BSD || af == BSD_AF_INET6_FREEBSD ||
                 af == BSD_AF_INET6_DARWIN)
            d->st = ST_IPV6;
        else return V_NON_IP;
        return V_CONTINUE;
    }
    case LT_RAW_LINUX:
    case LT_RAW_OPENBSD:
    case LT_RAW:
        d->st = ST_GUESS_IP;
        return V_CONTINUE;
    case LT_IPV4:
        d->st = ST_IPV4;
        return V_CONTINUE;
    case LT_IPV6:
        d->st = ST_IPV6;
        return V_CONTINUE;
    default:
        return V_NON_IP;
    }
}

bool pkt_linktype_supported(int linktype)
{
    switch (linktype) {
    case LT_NULL:
    case LT_EN10MB:
    case LT_RAW_LINUX:
    case LT_RAW_OPENBSD:
    case LT_RAW:
    case LT_LOOP:
    case LT_LINUX_SLL:
    case LT_IPV4:
    case LT_IPV6:
    case LT_LINUX_SLL2:
        return true;
    default:
        return false;
    }
}

int pkt_decode(int linktype, const uint8_t *data, uint32_t caplen, struct pkt_info *out,
               struct pkt_counters *ctr)
{
    struct decoder d;
    enum verdict v;

    memset(out, 0, sizeof(*out));
    memset(&d, 0, sizeof(d));
    d.c = cur_init(data, caplen);
    d.wire_left = UINT32_MAX;
    d.out = out;
    ctr->packets++;
    ctr->bytes += caplen;

    v = dec_link(&d, linktype);
    for (int steps = 0; v == V_CONTINUE; steps++) {
        if (steps >= PKT_MAX_STEPS) {
            v = V_MALFORMED;
            break;
        }
        switch (d.st) {
        case ST_ETHER: v = dec_ether(&d); break;
        case ST_ETHERTYPE: v = dec_ethertype(&d); break;
        case ST_MPLS: v = dec_mpls(&d); break;
        case ST_GUESS_IP: v = dec_guess_ip(&d); break;
        case ST_IPV4: v = dec_ipv4(&d); break;
        case ST_IPV6: v = dec_ipv6(&d); break;
        case ST_IPPROTO: v = dec_ipproto(&d); break;
        case ST_GRE: v = dec_gre(&d); break;
        default: v = V_MALFORMED; break;
        }
    }

    if (d.tunneled) ctr->tunnels++;
    switch (v) {
    case V_TCP: ctr->tcp++; return PKT_TCP;
    case V_UDP: ctr->udp++; return PKT_UDP;
    case V_NON_IP: ctr->non_ip++; break;
    case V_OTHER_PROTO: ctr->other_ip_proto++; break;
    case V_FRAGMENT: ctr->ip_fragments++; break;
    case V_TRUNCATED: ctr->truncated++; break;
    case V_MALFORMED:
    default: ctr->malformed++; break;
    }
    /* A skipped frame leaves no half-filled TCP/UDP fields behind, but keeps
     * the addresses when IP was reached (useful in a per-packet trace). */
    out->proto = 0;
    out->sport = out->dport = 0;
    out->seq = out->ack = 0;
    out->tcp_flags = 0;
    out->payload = NULL;
    out->payload_len = out->payload_caplen = 0;
    return PKT_SKIP;
}
