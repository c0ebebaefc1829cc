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
    if (family != 6 && len >= INET_ADDRSTRLEN) {
        /* inet_ntop's "%u.%u.%u.%u" without its sprintf: two of these per
         * JSON line */
        char *w = buf;
        for (int i = 0; i < 4; i++) {
            unsigned v = addr[i];
            if (v >= 100) *w++ = (char)('0' + v / 100);
            if (v >= 10) *w++ = (char)('0' + v / 10 % 10);
            *w++ = (char)('0' + v % 10);
            *w++ = i < 3 ? '.' : '\0';
        }
        return buf;
    }
    if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)len))
        snprintf(buf, len, "?");
    return buf;
}

const char *report_endpoint(char *buf, size_t len, uint8_t family, const uint8_t *addr,
                            uint16_t port)
{
    /* "%s:%u" / "[%s]:%u" by hand (summary_add calls this per connection),
     * cut to len as snprintf cuts */
    char ip[INET6_ADDRSTRLEN], out[INET6_ADDRSTRLEN + 9], d[5], *w = out;
    report_ip(ip, sizeof(ip), family, addr);
    size_t n = strnlen(ip, sizeof(ip) - 1);
    unsigned v = port;
    int k = 0;
    if (family == 6) *w++ = '[';
    memcpy(w, ip, n);
    w += n;
    if (family == 6) *w++ = ']';
    *w++ = ':';
    do {
        d[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (k) *w++ = d[--k];
    if (len) {
        size_t m = (size_t)(w - out) < len ? (size_t)(w - out) : len - 1;
        memcpy(buf, out, m);
        buf[m] = '\0';
    }
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
    /* the chain came out of TLS 1.3 records decrypted with --keylog secrets */
    /* a probe's TLS 1.3 rows are always decrypted, with its own keys: nothing to say */
    if (r->tls->decrypted && v->status != VERDICT_NOT_JUDGED && !r->probe_hello)
        sbuf_puts(sb, " (decrypted with key log)");
}

void report_client_cell(struct sbuf *sb, const struct conn_record *r, bool utf8)
{
    const struct client_auth *ca = r->client;
    if (!ca) return;
    const struct verdict *v = &ca->verdict;
    switch (v->status) {
    case VERDICT_TRUSTED: sbuf_puts(sb, "client trusted"); break;
    case VERDICT_FAILED:
        if (v->code == VERR_TLSSCOPE_NO_CLIENT_CERT) {
            sbuf_puts(sb, "client FAILED: sent no certificate");
        } else {
            sbuf_printf(sb, "client FAILED %d@%d ", v->code, v->depth);
            esc_text_str(sb, v->reason, utf8);
        }
        break;
    default:
        if (ca->sent == CLIENT_SENT_CHAIN)
            sbuf_printf(sb, "client sent %d cert%s", r->n_client_chain,
                        r->n_client_chain == 1 ? "" : "s");
        else
            sbuf_puts(sb, "client cert requested");
        break;
    }
    if (ca->ca_list == CA_LIST_NOT_LISTED) sbuf_puts(sb, " (issuer not in the server's CA list)");
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

    uint16_t suite;
    put_padded(sb, report_version_short(tls_conn_chosen_version(c), vbuf), 7);
    sbuf_puts(sb, "  ");
    put_padded(sb, tls_conn_chosen_cipher(c, &suite) ? tls_cipher_openssl(suite, cbuf) : "-", 30);
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
    if (r->client) { /* mutual TLS: the server's verdict on the client, after a "; " */
        sbuf_reset(&cell);
        report_client_cell(&cell, r, st->utf8);
        sbuf_puts(sb, "; ");
        if (st->color) sbuf_puts(sb, r->client->verdict.status == VERDICT_FAILED ? ANSI_RED : "");
        sbuf_puts(sb, sbuf_str(&cell));
        if (st->color && r->client->verdict.status == VERDICT_FAILED) sbuf_puts(sb, ANSI_RESET);
    }
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

/* "unknown_ca(48)" */
static void put_alert(struct sbuf *sb, int desc)
{
    const char *name = desc >= 0 && desc <= 255 ? tls_alert_name((uint8_t)desc) : NULL;
    sbuf_printf(sb, "%s(%d)", name ? name : "unknown", desc);
}

/* ClientCertificateType, RFC 5246 §7.4.4 / RFC 8422 §5.5 */
static const char *cert_type_name(uint8_t t)
{
    switch (t) {
    case 1: return "rsa_sign";
    case 2: return "dss_sign";
    case 3: return "rsa_fixed_dh";
    case 4: return "dss_fixed_dh";
    case 64: return "ecdsa_sign";
    case 65: return "rsa_fixed_ecdh";
    case 66: return "ecdsa_fixed_ecdh";
    default: return NULL;
    }
}

/* Mutual TLS (-v): what the server asked for, what the client sent, and the
 * server's verdict on it. */
static void client_details(struct sbuf *sb, const struct conn_record *r,
                           const struct report_style *st, const char *indent)
{
    const struct client_auth *ca = r->client;
    const struct tls_cert_request *cr = &r->tls->creq;
    const struct verdict *v = &ca->verdict;
    sbuf_printf(sb, "%sclient certificate requested", indent);
    if (cr->n_cert_types) {
        sbuf_puts(sb, "; types ");
        for (int i = 0; i < cr->n_cert_types; i++) {
            const char *n = cert_type_name(cr->cert_types[i]);
            if (n) sbuf_printf(sb, "%s%s", i ? "," : "", n);
            else sbuf_printf(sb, "%s%u", i ? "," : "", cr->cert_types[i]);
        }
    }
    if (cr->has_sig_algs) {
        sbuf_puts(sb, "; signature algorithms ");
        for (int i = 0; i < cr->sig_algs.n; i++) {
            const char *n = tls_sigalg_name(cr->sig_algs.v[i]);
            if (n) sbuf_printf(sb, "%s%s", i ? "," : "", n);
            else sbuf_printf(sb, "%s0x%04x", i ? "," : "", cr->sig_algs.v[i]);
        }
        if (cr->sig_algs.total > cr->sig_algs.n)
            sbuf_printf(sb, " (+%u more)", (unsigned)(cr->sig_algs.total - cr->sig_algs.n));
    }
    if (ca->n_ca_names_total) sbuf_printf(sb, "; %u CA name%s", ca->n_ca_names_total,
                                          ca->n_ca_names_total == 1 ? "" : "s");
    else sbuf_puts(sb, "; no CA list");
    sbuf_putc(sb, '\n');
    for (int i = 0; i < ca->n_ca_names && i < TLS_MAX_CA_NAMES; i++) {
        sbuf_printf(sb, "%s  %sCA %s", indent, i == ca->ca_list_index ? "*" : " ", "");
        esc_text_str(sb, ca->ca_names[i], st->utf8);
        sbuf_putc(sb, '\n');
    }
    if (ca->n_ca_names_total > ca->n_ca_names)
        sbuf_printf(sb, "%s   ... %u more CA names not kept (cap)\n", indent,
                    (unsigned)(ca->n_ca_names_total - ca->n_ca_names));
    switch (ca->ca_list) {
    case CA_LIST_NOT_LISTED:
        sbuf_printf(sb, "%swarning: no issuer of the client's chain is in the server's CA list\n",
                    indent);
        break;
    case CA_LIST_INCOMPLETE:
        sbuf_printf(sb, "%sCA list: no issuer found in the part kept (the list was cut by a cap)\n",
                    indent);
        break;
    default: break;
    }
    switch (ca->sent) {
    case CLIENT_SENT_EMPTY: sbuf_printf(sb, "%sclient sent no certificate\n", indent); break;
    case CLIENT_SENT_UNSEEN: break;
    case CLIENT_SENT_CHAIN:
        for (int i = 0; i < v->n_path; i++) {
            const struct chain_link *l = &v->path[i];
            sbuf_printf(sb, "%sclient %s[%d] %s ", indent, i == v->cert_index ? "!" : " ", i,
                        l->src == CHAIN_FROM_STORE ? "store" : "sent ");
            put_cert_line(sb, l->cert, st);
            sbuf_putc(sb, '\n');
        }
        break;
    }
    sbuf_printf(sb, "%sclient verdict: ", indent);
    if (v->status == VERDICT_NOT_JUDGED) {
        sbuf_puts(sb, "not judged: ");
        esc_text_str(sb, v->not_judged, st->utf8);
    } else if (v->status == VERDICT_TRUSTED) {
        sbuf_puts(sb, "trusted");
    } else if (v->code == VERR_TLSSCOPE_NO_CLIENT_CERT) {
        sbuf_puts(sb, "FAILED: the client sent no certificate");
    } else {
        sbuf_printf(sb, "FAILED %d@%d ", v->code, v->depth);
        esc_text_str(sb, v->reason, st->utf8);
    }
    if (v->predicted_alert >= 0) {
        sbuf_puts(sb, "; the server would send ");
        put_alert(sb, v->predicted_alert);
    }
    if (v->observed_alert >= 0) {
        sbuf_puts(sb, "; it sent ");
        put_alert(sb, v->observed_alert);
    } else if (v->observed_alert == -2) {
        sbuf_puts(sb, "; it sent an encrypted alert");
    } else if (v->agrees != AGREE_UNKNOWN) {
        sbuf_puts(sb, "; it sent no alert and carried on");
    }
    if (v->agrees == AGREE_YES) sbuf_puts(sb, " (agrees)");
    else if (v->agrees == AGREE_NO) sbuf_puts(sb, " (DISAGREES)");
    sbuf_putc(sb, '\n');
    if (v->status == VERDICT_FAILED && v->advice[0]) {
        sbuf_printf(sb, "%sclient fix: ", indent);
        esc_text_str(sb, v->advice, st->utf8);
        sbuf_putc(sb, '\n');
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
        if (c->cert_request && !r->client) sbuf_puts(sb, ", client certificate requested");
        if (c->decrypted)
            sbuf_puts(sb, r->probe_hello ? ", handshake decrypted with the probe's own keys"
                                         : ", handshake decrypted with key log");
        if (c->is_quic)
            sbuf_printf(sb, ", QUIC v%c%s", c->quic_version == 0x6b3343cfu ? '2' : '1',
                        c->quic_retry ? " after Retry" : "");
        if (c->sni_ack) sbuf_puts(sb, ", SNI acknowledged");
        sbuf_putc(sb, '\n');
    } else if (tls_conn_hrr_only(c)) {
        const char *g = tls_group_name(c->hrr_group);
        sbuf_printf(sb, "%sHelloRetryRequest only: the server asked for key share ", indent);
        if (g) sbuf_puts(sb, g);
        else sbuf_printf(sb, "0x%04x", c->hrr_group);
        if (c->hrr_cipher)
            sbuf_printf(sb, " with cipher %s", tls_cipher_iana(c->hrr_cipher, cbuf));
        sbuf_puts(sb, "; no ServerHello followed\n");
    }
    if (c->server_certs.staple.present) {
        sbuf_printf(sb, "%sOCSP staple: ", indent);
        report_ocsp_staple_line(sb, r, st->utf8);
        sbuf_putc(sb, '\n');
    }
    char sub[64];
    snprintf(sub, sizeof sub, "%s          ", indent); /* under "[0] sent  " */
    if (v->presumed && v->n_path)
        sbuf_printf(sb, "%schain and verdict of #%llu, the full handshake this session resumes:\n",
                    indent, (unsigned long long)v->presumed_from);
    for (int i = 0; i < v->n_path; i++) {
        const struct chain_link *l = &v->path[i];
        sbuf_printf(sb, "%s%s[%d] %s ", indent, i == v->cert_index ? "!" : " ", i,
                    l->src == CHAIN_FROM_STORE ? "store" : "sent ");
        put_cert_line(sb, l->cert, st);
        sbuf_putc(sb, '\n');
        report_text_cert_fields(sb, l->cert, st, sub);
    }
    if (v->n_path == 0) {
        for (int i = 0; i < r->n_chain; i++) {
            sbuf_printf(sb, "%s [%d] sent  ", indent, i);
            put_cert_line(sb, r->chain[i], st);
            sbuf_putc(sb, '\n');
            report_text_cert_fields(sb, r->chain[i], st, sub);
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
    if (v->agrees == AGREE_NO && !v->presumed) {
        /* what tlsscope predicts and what the capture shows part ways:
         * another client profile, another store, or a refusal for another
         * reason - worth saying in words, not only in a flag */
        const char *pn = v->predicted_alert >= 0 ? tls_alert_name((uint8_t)v->predicted_alert) : NULL;
        const char *on = v->observed_alert >= 0 ? tls_alert_name((uint8_t)v->observed_alert) : NULL;
        sbuf_printf(sb, "%spredicted and observed disagree: ", indent);
        if (v->status == VERDICT_TRUSTED)
            sbuf_printf(sb, "the chain is trusted, but the client sent alert %s(%d) - it refused "
                            "for another reason, or does not judge as the %s profile does\n",
                        on ? on : "unknown", v->observed_alert, verdict_profile_name(v->profile));
        else if (v->observed_alert >= 0)
            sbuf_printf(sb, "the client would send alert %s(%d), it sent %s(%d)\n",
                        pn ? pn : "unknown", v->predicted_alert, on ? on : "unknown",
                        v->observed_alert);
        else
            sbuf_printf(sb, "the client would refuse this chain (alert %s(%d)), but it went on "
                            "with the handshake - its trust store or settings differ from "
                            "the ones given\n",
                        pn ? pn : "unknown", v->predicted_alert);
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
    if (r->client) client_details(sb, r, st, indent);
}
