/* report_text.c — the human table: one line per TLS connection, and the
 * details block (chain, verdict, what Expressway would log, the fix). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "common/escape.h"
#include "common/timefmt.h"
#include "dissect/names.h"
#include "report.h"

#define ANSI_RED "\033[1;31m"
#define ANSI_GREEN "\033[32m"
#define ANSI_YELLOW "\033[33m"
#define ANSI_DIM "\033[2m"
#define ANSI_BOLD "\033[1m"
#define ANSI_RESET "\033[0m"

const char *report_ip(char *buf, size_t len, uint8_t family, const uint8_t *addr)
{
    if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)len))
        snprintf(buf, len, "?");
    return buf;
}

const char *report_endpoint(char *buf, size_t len, uint8_t family, const uint8_t *addr,
                            uint16_t port)
{
    char ip[INET6_ADDRSTRLEN];
    report_ip(ip, sizeof(ip), family, addr);
    if (family == 6)
        snprintf(buf, len, "[%s]:%u", ip, port);
    else
        snprintf(buf, len, "%s:%u", ip, port);
    return buf;
}

const char *report_version_short(uint16_t v, char buf[16])
{
    const char *proto, *ver;
    if (v == 0) return strcpy(buf, "-");
    if (tls_version_ecs(v, &proto, &ver)) {
        snprintf(buf, 16, "%s%s",
                 strcmp(proto, "ssl") == 0 ? "SSL" : strcmp(proto, "dtls") == 0 ? "DTLS" : "TLS",
                 ver);
        return buf;
    }
    if ((v >> 8) == 0x7f) {
        snprintf(buf, 16, "TLS1.3-d%u", v & 0xff);
        return buf;
    }
    snprintf(buf, 16, "0x%04x", v);
    return buf;
}

static const char *color_of(const struct conn_record *r)
{
    switch (r->verdict.status) {
    case VERDICT_TRUSTED: return ANSI_GREEN;
    case VERDICT_FAILED: return ANSI_RED;
    default: return ANSI_YELLOW;
    }
}

void report_verdict_cell(struct sbuf *sb, const struct conn_record *r, bool utf8)
{
    const struct verdict *v = &r->verdict;
    if (v->presumed) {
        sbuf_printf(sb, "presumed %s (resumes #%llu)",
                    v->status == VERDICT_TRUSTED ? "trusted" : "FAILED",
                    (unsigned long long)v->presumed_from);
        return;
    }
    switch (v->status) {
    case VERDICT_TRUSTED: sbuf_puts(sb, "trusted"); break;
    case VERDICT_FAILED:
        if (v->code == VERR_HOSTNAME_MISMATCH || v->code == VERR_IP_ADDRESS_MISMATCH) {
            if (v->profile == PROFILE_EXPRESSWAY) {
                sbuf_puts(sb, "FAILED name: ");
                esc_text_str(sb, v->reason, utf8);
            } else {
                sbuf_printf(sb, "FAILED %d@%d ", v->code, v->depth);
                esc_text_str(sb, v->reason, utf8);
            }
        } else {
            sbuf_printf(sb, "FAILED %d@%d ", v->code, v->depth);
            esc_text_str(sb, v->reason, utf8);
        }
        break;
    default:
        sbuf_puts(sb, "not judged: ");
        esc_text_str(sb, v->not_judged[0] ? v->not_judged : "unknown", utf8);
        break;
    }
}

void report_text_header(FILE *out, const struct report_style *st)
{
    fprintf(out, "%s%-4s  %-24s  %-45s  %-24s  %-7s  %-30s  %-24s  %2s  %s%s\n",
            st->color ? ANSI_BOLD : "", "#", "TIME (UTC)", "CLIENT -> SERVER", "SNI", "VERSION",
            "CIPHER", "LEAF CN", "N", "VERDICT", st->color ? ANSI_RESET : "");
}

/* Append `s` padded with spaces to `width` display columns (counting UTF-8
 * lead bytes only, so multibyte names line up). */
static void put_padded(struct sbuf *sb, const char *s, int width)
{
    int cols = 0;
    for (const char *q = s; *q; q++)
        if (((unsigned char)*q & 0xC0) != 0x80) cols++;
    sbuf_puts(sb, s);
    for (; cols < width; cols++) sbuf_putc(sb, ' ');
}

void report_text_conn(struct sbuf *sb, const struct conn_record *r, const struct report_style *st)
{
    const struct tls_conn *c = r->tls;
    char buf[TIMEFMT_LEN], a[64], b[64], ep[140], vbuf[16], cbuf[8], num[24];
    struct sbuf cell;
    sbuf_init(&cell, 4 * TLS_MAX_SNI + 64); /* an SNI fully escaped, and the "(+N bytes)" mark */

    snprintf(num, sizeof(num), "#%llu", (unsigned long long)r->seq);
    put_padded(sb, num, 4);
    sbuf_puts(sb, "  ");
    put_padded(sb, time_iso8601(c->first_ts_ns, 3, buf), 24);
    sbuf_puts(sb, "  ");
    snprintf(ep, sizeof(ep), "%s -> %s", report_endpoint(a, sizeof(a), c->family, c->client_ip,
                                                         c->client_port),
             report_endpoint(b, sizeof(b), c->family, c->server_ip, c->server_port));
    put_padded(sb, ep, 45);
    sbuf_puts(sb, "  ");

    if (c->ch.has_sni) {
        esc_text(&cell, c->ch.sni, c->ch.sni_len, st->utf8);
        if (c->ch.sni_total > c->ch.sni_len)
            sbuf_printf(&cell, "...(+%u bytes)", (unsigned)(c->ch.sni_total - c->ch.sni_len));
    } else {
        sbuf_puts(&cell, "-");
    }
    put_padded(sb, sbuf_str(&cell), 24);
    sbuf_puts(sb, "  ");

    put_padded(sb, report_version_short(tls_conn_version(c), vbuf), 7);
    sbuf_puts(sb, "  ");
    put_padded(sb, c->sh.present ? tls_cipher_openssl(c->sh.cipher, cbuf) : "-", 30);
    sbuf_puts(sb, "  ");

    sbuf_reset(&cell);
    if (r->n_chain > 0 && r->chain[0] && r->chain[0]->subject_cn[0])
        esc_text_str(&cell, r->chain[0]->subject_cn, st->utf8);
    else
        sbuf_puts(&cell, "-");
    put_padded(sb, sbuf_str(&cell), 24);
    sbuf_puts(sb, "  ");

    snprintf(num, sizeof(num), "%d", c->server_certs.n_total ? c->server_certs.n_total : r->n_chain);
    if (!c->server_certs.present && r->n_chain == 0) strcpy(num, "-");
    sbuf_printf(sb, "%2s  ", num);

    sbuf_reset(&cell);
    report_verdict_cell(&cell, r, st->utf8);
    if (st->color) sbuf_puts(sb, color_of(r));
    sbuf_puts(sb, sbuf_str(&cell));
    if (st->color) sbuf_puts(sb, ANSI_RESET);
    sbuf_putc(sb, '\n');
    sbuf_free(&cell);
}

static void put_cert_line(struct sbuf *sb, const struct cert *ct, const struct report_style *st)
{
    char fp[100], nb[TIMEFMT_LEN], na[TIMEFMT_LEN];
    if (!ct) {
        sbuf_puts(sb, "(certificate missing)");
        return;
    }
    sbuf_puts(sb, "subject: ");
    esc_text_str(sb, ct->subject[0] ? ct->subject : "(empty)", st->utf8);
    sbuf_puts(sb, " | issuer: ");
    esc_text_str(sb, ct->issuer[0] ? ct->issuer : "(empty)", st->utf8);
    cert_fingerprint_hex(ct->sha256, 32, fp, sizeof(fp), false);
    sbuf_printf(sb, " | valid %s .. %s | sha256 %s", time_iso8601_s(ct->not_before, nb),
                time_iso8601_s(ct->not_after, na), fp);
    if (!ct->parsed) {
        sbuf_puts(sb, " | not parsed: ");
        esc_text_str(sb, ct->parse_error, false);
    }
}

void report_text_details(struct sbuf *sb, const struct conn_record *r,
                         const struct report_style *st, const char *indent)
{
    const struct verdict *v = &r->verdict;
    const struct tls_conn *c = r->tls;
    char cbuf[8];
    if (r->probe_hello) sbuf_printf(sb, "%sprobe: %s\n", indent, r->probe_hello);
    if (c->sh.present) {
        sbuf_printf(sb, "%scipher %s (%s)", indent, tls_cipher_iana(c->sh.cipher, cbuf),
                    tls_cipher_openssl(c->sh.cipher, cbuf));
        if (c->sh.has_alpn) {
            sbuf_puts(sb, ", ALPN ");
            esc_text(sb, c->sh.alpn.data, c->sh.alpn.len, st->utf8);
        }
        if (c->resumed) sbuf_puts(sb, ", resumed");
        if (c->hello_retry) sbuf_puts(sb, ", HelloRetryRequest");
        if (c->cert_request) sbuf_puts(sb, ", client certificate requested");
        sbuf_putc(sb, '\n');
    }
    if (v->presumed && v->n_path)
        sbuf_printf(sb, "%schain and verdict of #%llu, the full handshake this session resumes:\n",
                    indent, (unsigned long long)v->presumed_from);
    for (int i = 0; i < v->n_path; i++) {
        const struct chain_link *l = &v->path[i];
        sbuf_printf(sb, "%s%s[%d] %s ", indent, i == v->cert_index ? "!" : " ", i,
                    l->src == CHAIN_FROM_STORE ? "store" : "sent ");
        put_cert_line(sb, l->cert, st);
        sbuf_putc(sb, '\n');
    }
    if (v->n_path == 0) {
        for (int i = 0; i < r->n_chain; i++) {
            sbuf_printf(sb, "%s [%d] sent  ", indent, i);
            put_cert_line(sb, r->chain[i], st);
            sbuf_putc(sb, '\n');
        }
    }
    for (int i = 0; i < c->n_alerts; i++) {
        const struct tls_alert *al = &c->alerts[i];
        const char *name = tls_alert_name(al->desc);
        if (al->encrypted)
            sbuf_printf(sb, "%salert from %s: encrypted\n", indent,
                        al->from == TLS_CLIENT ? "client" : "server");
        else
            sbuf_printf(sb, "%salert from %s: %s %s(%u)\n", indent,
                        al->from == TLS_CLIENT ? "client" : "server",
                        al->level == 2 ? "fatal" : "warning", name ? name : "unknown", al->desc);
    }
    if (c->is_dtls) {
        /* DTLS over UDP: what the datagram layer did (tls.h struct tls_dtls) */
        const struct tls_dtls *d = &c->dtls;
        sbuf_printf(sb, "%sdtls: ", indent);
        if (d->hello_verify) sbuf_printf(sb, "cookie exchange (%u-byte cookie), ", d->cookie_len);
        sbuf_printf(sb, "datagrams %llu/%llu, handshake fragments %llu/%llu, retransmitted "
                        "%llu/%llu (client/server)",
                    (unsigned long long)d->datagrams[0], (unsigned long long)d->datagrams[1],
                    (unsigned long long)d->fragments[0], (unsigned long long)d->fragments[1],
                    (unsigned long long)d->retransmitted[0],
                    (unsigned long long)d->retransmitted[1]);
        if (d->other_datagrams[0] || d->other_datagrams[1])
            sbuf_printf(sb, ", %llu/%llu not DTLS (STUN, RTP, ...)",
                        (unsigned long long)d->other_datagrams[0],
                        (unsigned long long)d->other_datagrams[1]);
        if (d->duplicate_records[0] || d->duplicate_records[1])
            sbuf_printf(sb, ", %llu/%llu duplicate records (capture copies)",
                        (unsigned long long)d->duplicate_records[0],
                        (unsigned long long)d->duplicate_records[1]);
        sbuf_putc(sb, '\n');
    }
    for (int i = 0; i < c->n_events; i++) {
        sbuf_printf(sb, "%sevent: ", indent);
        esc_text_str(sb, c->events[i].detail, false);
        sbuf_putc(sb, '\n');
    }
    if (v->status == VERDICT_FAILED) {
        if (v->would_log[0]) {
            sbuf_printf(sb, "%sExpressway-C logs: ", indent);
            esc_text_str(sb, v->would_log, st->utf8);
            sbuf_putc(sb, '\n');
        }
        if (v->advice[0]) {
            sbuf_printf(sb, "%sfix: ", indent);
            esc_text_str(sb, v->advice, st->utf8);
            sbuf_putc(sb, '\n');
        }
    }
}
