/* summary.c — the closing report of a batch run: what was read, what was
 * skipped, which caps bit, and the failing servers grouped by server and
 * reason, in words an admin can paste into a ticket. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/escape.h"
#include "common/memokey.h"
#include "common/timefmt.h"
#include "report.h"

void summary_init(struct summary *s)
{
    memset(s, 0, sizeof(*s));
    s->tail = &s->servers;
}

static void server_key_of(const struct conn_record *r, char *out, size_t len,
                          const struct report_style *st)
{
    const struct tls_conn *c = r->tls;
    char ep[64], name[240];
    report_endpoint(ep, sizeof(ep), c->family, c->server_ip, c->server_port);
    if (c->is_dtls) strncat(ep, "/udp", sizeof(ep) - strlen(ep) - 1); /* another service */
    if (c->ch.has_sni) {
        esc_text_buf(name, sizeof(name), c->ch.sni, c->ch.sni_len, st->utf8);
        snprintf(out, len, "%s (%s)", ep, name);
    } else {
        snprintf(out, len, "%s (no SNI)", ep);
    }
}

static size_t key_bucket(const char *key)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) h = (h ^ *p) * 16777619u;
    return h & (SUMMARY_INDEX_SIZE - 1);
}

/* The entry for `key`, made if there is room. Looked up through a hash
 * index: with a linear walk, a capture of thousands of distinct SNIs cost
 * thousands of string compares per connection. */
static struct summary_server *server_get(struct summary *s, const char *key)
{
    if (!s->index) s->index = calloc(SUMMARY_INDEX_SIZE, sizeof(*s->index));
    size_t b = key_bucket(key);
    struct summary_server *sv = s->index ? s->index[b] : s->servers;
    for (; sv; sv = s->index ? sv->hnext : sv->next)
        if (strcmp(sv->key, key) == 0) return sv;
    if (s->n_servers >= SUMMARY_MAX_SERVERS) {
        s->servers_dropped++;
        return NULL;
    }
    sv = calloc(1, sizeof(*sv));
    if (!sv) return NULL;
    snprintf(sv->key, sizeof(sv->key), "%s", key);
    *s->tail = sv;
    s->tail = &sv->next;
    if (s->index) {
        sv->hnext = s->index[b];
        s->index[b] = sv;
    }
    s->n_servers++;
    return sv;
}

/* The server entry of a connection, found by its raw facts before its text
 * key is made: making the key (endpoint, escaped SNI, snprintf) cost ~2k
 * instructions on every connection, for a few servers seen over and over.
 * A direct-mapped slot chosen by address, port and SNI, holding family,
 * address, port, transport, SNI bytes and text style, all compared: a hit
 * is the entry server_get would return. Entries are never freed before summary_free; a full table
 * (server_get NULL) is not remembered, so every drop is still counted. */
#define SUMMARY_RECENT 64

struct summary_recent {
    struct summary_server *sv;        /* NULL: empty */
    uint8_t family, dtls, has_sni, utf8;
    uint16_t port, sni_len;
    uint8_t ip[16];
    uint8_t sni[TLS_MAX_SNI];
};

static bool recent_is(const struct summary_recent *e, const struct tls_conn *c, bool utf8)
{
    return e->sv && e->family == c->family && e->dtls == c->is_dtls && e->port == c->server_port &&
           e->utf8 == utf8 && e->has_sni == c->ch.has_sni && memcmp(e->ip, c->server_ip, 16) == 0 &&
           (!c->ch.has_sni || (e->sni_len == c->ch.sni_len && memcmp(e->sni, c->ch.sni, e->sni_len) == 0));
}

static struct summary_server *server_of(struct summary *s, const struct conn_record *r,
                                        const struct report_style *st)
{
    const struct tls_conn *c = r->tls;
    const bool sni_ok = !c->ch.has_sni || c->ch.sni_len <= TLS_MAX_SNI;
    uint64_t h = memokey_mix(c->server_port, c->server_ip, sizeof c->server_ip);
    if (c->ch.has_sni && sni_ok) h = memokey_mix(h, c->ch.sni, c->ch.sni_len);
    h ^= h >> 32;
    if (!s->recent) s->recent = calloc(SUMMARY_RECENT, sizeof(*s->recent));
    struct summary_recent *e = s->recent && sni_ok ? &s->recent[h % SUMMARY_RECENT] : NULL;
    if (e && recent_is(e, c, st->utf8)) return e->sv;
    char key[320];
    server_key_of(r, key, sizeof(key), st);
    struct summary_server *sv = server_get(s, key);
    if (e && sv) {
        e->sv = sv;
        e->family = c->family;
        e->dtls = c->is_dtls;
        e->port = c->server_port;
        e->utf8 = st->utf8;
        e->has_sni = c->ch.has_sni;
        memcpy(e->ip, c->server_ip, 16);
        e->sni_len = c->ch.has_sni ? c->ch.sni_len : 0;
        memcpy(e->sni, c->ch.sni, e->sni_len);
    }
    return sv;
}

/* Count a failed verdict under its (code, depth, reason) in one server's
 * list, making the entry if there is room. */
static void reason_add(struct summary *s, struct summary_reason **list, unsigned *n_list,
                       const struct verdict *v)
{
    struct summary_reason **rp = list;
    for (; *rp; rp = &(*rp)->next) {
        if ((*rp)->code == v->code && (*rp)->depth == v->depth &&
            strcmp((*rp)->reason, v->reason) == 0) {
            (*rp)->count++;
            return;
        }
    }
    if (s->n_reasons >= SUMMARY_MAX_REASONS || *n_list >= SUMMARY_MAX_REASONS_PER_SERVER) {
        s->reasons_dropped++;
        return;
    }
    struct summary_reason *sr = calloc(1, sizeof(*sr));
    if (!sr) return;
    s->n_reasons++;
    (*n_list)++;
    sr->code = v->code;
    sr->depth = v->depth;
    sr->count = 1;
    snprintf(sr->reason, sizeof(sr->reason), "%s", v->reason);
    snprintf(sr->would_log, sizeof(sr->would_log), "%s", v->would_log);
    snprintf(sr->advice, sizeof(sr->advice), "%s", v->advice);
    const struct cert *bad = NULL;
    if (v->cert_index >= 0 && v->cert_index < v->n_path) bad = v->path[v->cert_index].cert;
    if (bad) {
        char fp[100];
        cert_fingerprint_hex(bad->sha256, 32, fp, sizeof(fp), false);
        snprintf(sr->cert_desc, sizeof(sr->cert_desc), "CN=%.80s (sha256 %.16s...)",
                 bad->subject_cn[0] ? bad->subject_cn : "(none)", fp);
    }
    *rp = sr;
}

/* Mutual TLS: the server's verdict on the client's certificate. */
static void summary_add_client(struct summary *s, struct summary_server *sv,
                               const struct conn_record *r)
{
    const struct verdict *v = &r->client->verdict;
    s->client_requested++;
    switch (v->status) {
    case VERDICT_TRUSTED: s->client_trusted++; break;
    case VERDICT_FAILED: s->client_failed++; break;
    default: s->client_not_judged++; break;
    }
    if (!sv || v->status != VERDICT_FAILED) return;
    sv->client_failed++;
    reason_add(s, &sv->client_reasons, &sv->n_client_reasons, v);
}

void summary_add(struct summary *s, const struct conn_record *r, const struct report_style *st)
{
    const struct verdict *v = &r->verdict;
    switch (v->status) {
    case VERDICT_TRUSTED: s->conns_trusted++; break;
    case VERDICT_FAILED: s->conns_failed++; break;
    default: s->conns_not_judged++; break;
    }
    if (v->presumed) {
        s->conns_presumed++;
        if (v->status == VERDICT_TRUSTED) s->presumed_trusted++;
        if (v->status == VERDICT_FAILED) s->presumed_failed++;
    }
    uint32_t caps = tls_conn_caps_hit(r->tls);
    for (int i = 0; i < TLS_CAPHIT_COUNT; i++)
        if (caps & (1u << i)) s->cap_conns[i]++;
    if (v->cap[0] && !v->presumed) {
        for (int i = 0; i < SUMMARY_MAX_VERDICT_CAPS; i++) {
            if (!s->verdict_caps[i].name[0])
                snprintf(s->verdict_caps[i].name, sizeof s->verdict_caps[i].name, "%s", v->cap);
            if (strcmp(s->verdict_caps[i].name, v->cap) == 0) {
                s->verdict_caps[i].n++;
                break;
            }
        }
    }
    if (caps || v->cap[0]) s->conns_capped++;
    struct summary_server *sv = server_of(s, r, st);
    if (r->client) summary_add_client(s, sv, r);
    if (!sv) return;
    sv->connections++;
    if (v->status == VERDICT_TRUSTED) sv->trusted++;
    if (v->status == VERDICT_NOT_JUDGED) sv->not_judged++;
    if (v->status != VERDICT_FAILED) return;
    sv->failed++;
    if (v->presumed) return; /* the full handshake it copies is counted already */
    reason_add(s, &sv->reasons, &sv->n_reasons, v);
}

static void print_escaped(FILE *out, const char *s, const struct report_style *st)
{
    struct sbuf sb;
    sbuf_init(&sb, 0);
    esc_text_str(&sb, s, st->utf8);
    fputs(sbuf_str(&sb), out);
    sbuf_free(&sb);
}

/* "; reason (code C, depth D) on CN=... xN" for each reason, then the fix
 * lines: the ticket-ready part, for server and client verdicts alike. */
static void print_reasons(FILE *out, const struct summary_reason *list, unsigned failed,
                          const struct report_style *st)
{
    for (const struct summary_reason *sr = list; sr; sr = sr->next) {
        fprintf(out, "; ");
        print_escaped(out, sr->reason, st);
        if (sr->code != 62 && sr->code != 64 && sr->code != VERR_TLSSCOPE_NO_CLIENT_CERT)
            fprintf(out, " (code %d, depth %d)", sr->code, sr->depth);
        if (sr->cert_desc[0]) {
            fprintf(out, " on ");
            print_escaped(out, sr->cert_desc, st);
        }
        if (sr->count != failed) fprintf(out, " x%u", sr->count);
    }
    fprintf(out, ".\n");
    for (const struct summary_reason *sr = list; sr; sr = sr->next) {
        if (sr->would_log[0]) {
            fprintf(out, "  Expressway-C logs: ");
            print_escaped(out, sr->would_log, st);
            fputc('\n', out);
        }
        if (sr->advice[0]) {
            fprintf(out, "  Fix: ");
            print_escaped(out, sr->advice, st);
            fputc('\n', out);
        }
    }
}

/* Mutual TLS: which servers refuse their clients' certificates, and why. */
static void print_client_failures(FILE *out, const struct summary *s,
                                  const struct report_style *st)
{
    unsigned failing = 0;
    for (const struct summary_server *sv = s->servers; sv; sv = sv->next)
        if (sv->client_failed) failing++;
    if (!failing) return;
    fprintf(out, "\n%u server%s refuse%s the client's certificate (mutual TLS):\n", failing,
            failing == 1 ? "" : "s", failing == 1 ? "s" : "");
    for (const struct summary_server *sv = s->servers; sv; sv = sv->next) {
        if (!sv->client_failed) continue;
        fprintf(out, "- %s rejects the client's certificate on %u of %u connection%s", sv->key,
                sv->client_failed, sv->connections, sv->connections == 1 ? "" : "s");
        print_reasons(out, sv->client_reasons, sv->client_failed, st);
    }
}

/* "caps hit: ..." naming only the caps that bit (README "Hostile input and
 * limits" lists them all). */
static void print_caps(FILE *out, const struct summary *s, const struct pipeline_stats *ps)
{
    const struct flow_stats *fs = &ps->flow;
    const char *sep = "";
    fprintf(out, "  caps hit:");
    if (fs->flows_evicted) {
        fprintf(out, " %llu flows evicted (flow table full", (unsigned long long)fs->flows_evicted);
        if (fs->data_flows_evicted)
            fprintf(out, "; %llu of them for the cap on connections with payload",
                    (unsigned long long)fs->data_flows_evicted);
        fputc(')', out);
        sep = ",";
    }
    if (fs->ooo_bytes_dropped) {
        fprintf(out, "%s %llu out-of-order bytes dropped", sep,
                (unsigned long long)fs->ooo_bytes_dropped);
        sep = ",";
    }
    /* Each cap by name with the connections it bit on; a cap that made
     * verdicts "not judged" says how many (the rest of the answer stands). */
    for (int i = 0; i < TLS_CAPHIT_COUNT; i++) {
        if (!s->cap_conns[i]) continue;
        fprintf(out, "%s %s on %llu connection%s", sep, tls_caphit_name((enum tls_caphit)i),
                s->cap_conns[i], s->cap_conns[i] == 1 ? "" : "s");
        sep = ",";
    }
    for (int i = 0; i < SUMMARY_MAX_VERDICT_CAPS && s->verdict_caps[i].name[0]; i++) {
        fprintf(out, "%s %s: %llu verdict%s not judged", sep, s->verdict_caps[i].name,
                s->verdict_caps[i].n, s->verdict_caps[i].n == 1 ? "" : "s");
        sep = ",";
    }
    if (ps->certs_refused) {
        fprintf(out, "%s %llu certificates not stored (certificate cache full)", sep,
                (unsigned long long)ps->certs_refused);
        sep = ",";
    }
    if (s->servers_dropped) {
        fprintf(out, "%s %u servers beyond the summary's limit", sep, s->servers_dropped);
        sep = ",";
    }
    if (s->reasons_dropped) {
        fprintf(out, "%s %u failure reasons beyond the summary's limit", sep, s->reasons_dropped);
        sep = ",";
    }
    fprintf(out, "%s.\n", sep[0] ? "" : " none");
}

static void print_server_failures(FILE *out, const struct summary *s,
                                  const struct report_style *st, enum verdict_profile profile);

/* tlsscope probe: what was asked and what answered; no packets were read. */
static void probe_summary_head(FILE *out, const struct summary *s, const struct pipeline_stats *ps)
{
    char t0[TIMEFMT_LEN], t1[TIMEFMT_LEN];
    fprintf(out, "\nSummary: probed %u server%s: %llu TLS connection%s", s->n_servers,
            s->n_servers == 1 ? "" : "s", (unsigned long long)ps->tls_connections,
            ps->tls_connections == 1 ? "" : "s");
    if (ps->probe_unanswered)
        fprintf(out, ", %llu connection%s without a TLS answer (each named on standard error)",
                (unsigned long long)ps->probe_unanswered, ps->probe_unanswered == 1 ? "" : "s");
    if (ps->first_ts_ns)
        fprintf(out, "; from %s to %s", time_iso8601(ps->first_ts_ns, 3, t0),
                time_iso8601(ps->last_ts_ns, 3, t1));
}

void summary_print(FILE *out, const struct summary *s, const struct pipeline_stats *ps,
                   const struct report_style *st, enum verdict_profile profile, bool have_store)
{
    char t0[TIMEFMT_LEN], t1[TIMEFMT_LEN];
    const struct pkt_counters *pc = &ps->pkt;
    const struct flow_stats *fs = &ps->flow;

    if (ps->probe) {
        probe_summary_head(out, s, ps);
    } else {
        fprintf(out, "\nSummary: %llu TLS connection%s", (unsigned long long)ps->tls_connections,
                ps->tls_connections == 1 ? "" : "s");
        if (ps->dtls_connections)
            fprintf(out, " (%llu DTLS)", (unsigned long long)ps->dtls_connections);
        fprintf(out, " to %u server%s, %llu handshake%s complete", s->n_servers,
                s->n_servers == 1 ? "" : "s", (unsigned long long)ps->handshakes_complete,
                ps->handshakes_complete == 1 ? "" : "s");
    }
    if (ps->probe)
        ; /* no packets: the probe's own connections */
    else if (ps->first_ts_ns)
        fprintf(out, "; %llu packets from %s to %s", (unsigned long long)pc->packets,
                time_iso8601(ps->first_ts_ns, 3, t0), time_iso8601(ps->last_ts_ns, 3, t1));
    else
        fprintf(out, "; %llu packets", (unsigned long long)pc->packets);
    fprintf(out, ".\n");
    /* A presumed verdict is one of the trusted or failed ones (a resumed
     * session takes its full handshake's): say which, next to that count,
     * so it cannot be read as a fourth kind or as one of the not judged. */
    fprintf(out, "  verdicts: %llu trusted", s->conns_trusted);
    if (s->presumed_trusted)
        fprintf(out, " (%llu of them resumed, presumed from the earlier full handshake)",
                s->presumed_trusted);
    fprintf(out, ", %llu failed", s->conns_failed);
    if (s->presumed_failed)
        fprintf(out, " (%llu of them resumed, presumed from the earlier full handshake)",
                s->presumed_failed);
    fprintf(out, ", %llu not judged", s->conns_not_judged);
    fprintf(out, "%s.\n", have_store ? "" : " (no trust store: use --trust)");
    char bad_time[96] = "";
    if (ps->packets_bad_time)
        snprintf(bad_time, sizeof(bad_time), ", %llu with a time out of range (not 1677-2262)",
                 (unsigned long long)ps->packets_bad_time);
    if (s->client_requested)
        fprintf(out, "  client certificates (mutual TLS): %llu requested, %llu trusted, %llu "
                     "failed, %llu not judged.\n",
                s->client_requested, s->client_trusted, s->client_failed, s->client_not_judged);
    if (!ps->probe) /* a probe read no packets: nothing was skipped or lost */
    fprintf(out,
            "  streams: %llu TCP connections, %llu not TLS, %llu without payload.\n"
            "  skipped packets: %llu non-IP, %llu IP fragments, %llu other IP protocols, "
            "%llu truncated, %llu malformed%s.\n"
            "  TCP: %llu gaps (%llu bytes missing), %llu overlaps with differing bytes, "
            "%llu port reuses.\n",
            (unsigned long long)ps->tcp_connections, (unsigned long long)ps->non_tls_streams,
            (unsigned long long)ps->empty_streams, (unsigned long long)pc->non_ip,
            (unsigned long long)pc->ip_fragments, (unsigned long long)pc->other_ip_proto,
            (unsigned long long)pc->truncated, (unsigned long long)pc->malformed, bad_time,
            (unsigned long long)fs->gaps, (unsigned long long)fs->gap_bytes,
            (unsigned long long)fs->overlaps_differing, (unsigned long long)fs->port_reuse);
    if (ps->openvpn_streams) {
        fprintf(out, "  OpenVPN over TCP: %llu connection%s:", (unsigned long long)ps->openvpn_streams,
                ps->openvpn_streams == 1 ? "" : "s");
        for (uint64_t i = 0; i < ps->openvpn_streams && i < PIPELINE_OPENVPN_LISTED; i++) {
            const struct pipeline_conn_addr *a = &ps->openvpn_listed[i];
            char cl[INET6_ADDRSTRLEN + 9], sv[INET6_ADDRSTRLEN + 9];
            fprintf(out, "%s %s -> %s (%s)", i ? "," : "",
                    report_endpoint(cl, sizeof cl, a->family, a->client_ip, a->client_port),
                    report_endpoint(sv, sizeof sv, a->family, a->server_ip, a->server_port),
                    a->tls_read ? "TLS read from its control packets"
                    : a->protected_channel
                        ? "control channel protected by tls-auth or tls-crypt: TLS not readable"
                        : "no TLS found in its control packets");
        }
        if (ps->openvpn_streams > PIPELINE_OPENVPN_LISTED)
            fprintf(out, ", and %llu more",
                    (unsigned long long)(ps->openvpn_streams - PIPELINE_OPENVPN_LISTED));
        fprintf(out, ".\n");
    }
    if (ps->udp.datagrams)
        fprintf(out, "  UDP: %llu datagrams, %llu not DTLS-like (ignored); %llu associations, "
                     "%llu of them not DTLS.\n",
                (unsigned long long)ps->udp.datagrams, (unsigned long long)ps->udp.ignored,
                (unsigned long long)ps->udp_associations,
                (unsigned long long)ps->non_dtls_associations);
    if (ps->udp.assocs_evicted || ps->dtls_bytes_refused)
        fprintf(out, "  caps hit (UDP): %llu DTLS associations evicted (table full), %llu DTLS "
                     "fragment bytes refused (reassembly memory).\n",
                (unsigned long long)ps->udp.assocs_evicted,
                (unsigned long long)ps->dtls_bytes_refused);
    print_caps(out, s, ps);
    if (ps->ip_len_beyond_frame)
        fprintf(out, "  %llu packet%s an IP length beyond the captured frame: the bytes present "
                     "were used.\n",
                (unsigned long long)ps->ip_len_beyond_frame,
                ps->ip_len_beyond_frame == 1 ? " had" : "s had");
    if (ps->packets_cut)
        fprintf(out, "  %llu TCP segment%s cut short by the capture's snap length: capture with "
                     "-s 0 (whole packets) to see complete handshakes.\n",
                (unsigned long long)ps->packets_cut, ps->packets_cut == 1 ? " was" : "s were");
    if (ps->live) {
        /* pcap_stats: what the kernel saw and lost; a verdict can be missing
         * only if something was lost here (or in a TCP gap above) */
        fprintf(out, "  live capture: %llu packets received by filter, %llu dropped by kernel, "
                     "%llu dropped by interface%s.\n",
                (unsigned long long)ps->kernel_received, (unsigned long long)ps->kernel_dropped,
                (unsigned long long)ps->kernel_if_dropped,
                ps->kernel_dropped || ps->kernel_if_dropped
                    ? " (connections may be missing: enlarge the buffer with -B or narrow the "
                      "filter)"
                    : "");
    }
    if (ps->file.ifdrop || ps->file.osdrop)
        /* pcapng Interface Statistics Blocks: what the capturing host lost */
        fprintf(out, "  capture file: the capturing host dropped %llu packets (%llu by the "
                     "interface, %llu by the system); connections may be missing.\n",
                (unsigned long long)(ps->file.ifdrop + ps->file.osdrop),
                (unsigned long long)ps->file.ifdrop, (unsigned long long)ps->file.osdrop);
    if (ps->file.secrets_blocks)
        fprintf(out, "  capture file: %llu Decryption Secrets Block%s (%llu with TLS key logs).\n",
                (unsigned long long)ps->file.secrets_blocks,
                ps->file.secrets_blocks == 1 ? "" : "s", (unsigned long long)ps->file.secrets_tls);
    if (ps->input_errors) {
        fprintf(out, "  input error: ");
        print_escaped(out, ps->last_error, st);
        fprintf(out, " (the report covers what was read before it).\n");
    }

    if (have_store) print_server_failures(out, s, st, profile);
    print_client_failures(out, s, st);
}

/* The failing servers paragraph (the thing an admin pastes into a ticket). */
static void print_server_failures(FILE *out, const struct summary *s,
                                  const struct report_style *st, enum verdict_profile profile)
{
    unsigned failing = 0;
    for (const struct summary_server *sv = s->servers; sv; sv = sv->next)
        if (sv->failed) failing++;
    if (failing == 0) {
        unsigned judged = 0;
        for (const struct summary_server *sv = s->servers; sv; sv = sv->next)
            if (sv->trusted) judged++;
        if (judged == 1)
            fprintf(out, "\nThe judged server passes verification (profile %s).\n",
                    verdict_profile_name(profile));
        else if (judged > 1)
            fprintf(out, "\nAll %u judged servers pass verification (profile %s).\n", judged,
                    verdict_profile_name(profile));
        return;
    }
    fprintf(out, "\n%u of %u server%s fail%s certificate verification (profile %s):\n", failing,
            s->n_servers, s->n_servers == 1 ? "" : "s", failing == 1 ? "s" : "",
            verdict_profile_name(profile));
    for (const struct summary_server *sv = s->servers; sv; sv = sv->next) {
        if (!sv->failed) continue;
        fprintf(out, "- %s", sv->key); /* escaped when made (server_key_of) */
        fprintf(out, ": %u of %u connection%s failed", sv->failed, sv->connections,
                sv->connections == 1 ? "" : "s");
        print_reasons(out, sv->reasons, sv->failed, st);
    }
}

void summary_free(struct summary *s)
{
    struct summary_server *sv = s->servers;
    while (sv) {
        struct summary_server *next = sv->next;
        struct summary_reason *lists[2] = {sv->reasons, sv->client_reasons};
        for (int l = 0; l < 2; l++) {
            struct summary_reason *sr = lists[l];
            while (sr) {
                struct summary_reason *rn = sr->next;
                free(sr);
                sr = rn;
            }
        }
        free(sv);
        sv = next;
    }
    free(s->index);
    free(s->recent);
    summary_init(s);
}

/* ---- certificate export ---- */

static void safe_name(const char *in, char *out, size_t len)
{
    size_t k = 0;
    for (const char *p = in; *p && k + 1 < len && k < 64; p++) {
        char ch = *p;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '.' || ch == '_')
            out[k++] = ch;
        else if (ch == '*')
            k += (size_t)snprintf(out + k, len - k, "wildcard");
        else
            out[k++] = '_';
        if (k >= len) k = len - 1;
    }
    if (k == 0 || out[0] == '.') {
        k = (size_t)snprintf(out, len, "cert");
        if (k >= len) k = len - 1;
    }
    out[k] = '\0';
}

const char *report_cert_filename(const struct cert *c, const char *suffix, char *out, size_t len)
{
    char name[80], fp[100];
    safe_name(c->subject_cn[0] ? c->subject_cn : "no-cn", name, sizeof(name));
    cert_fingerprint_hex(c->sha256, 32, fp, sizeof(fp), false);
    snprintf(out, len, "%s_%.16s%s.pem", name, fp, suffix ? suffix : "");
    return out;
}

/* Written relative to the export directory's descriptor with O_EXCL and
 * O_NOFOLLOW: nothing planted in the folder (a link, a file) is followed or
 * overwritten. */
static int export_one(int dirfd, const char *dir, const struct cert *c, char *err, size_t errlen)
{
    char name[200], path[4096];
    static char pem[CERT_MAX_DER * 2];
    size_t n = 0;
    report_cert_filename(c, NULL, name, sizeof(name));
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        if (errno == EEXIST) return 0;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    int ok = cert_write_pem(c, pem, sizeof(pem), &n) == 0 && write(fd, pem, n) == (ssize_t)n;
    if (close(fd) != 0) ok = 0;
    if (!ok) {
        snprintf(err, errlen, "%s: cannot write certificate", path);
        return -1;
    }
    return 1;
}

int report_export_certs(const char *dir, const struct conn_record *r, char *err, size_t errlen)
{
    int written = 0;
    const struct cert *const *lists[2] = {r->chain, r->client_chain};
    int counts[2] = {r->n_chain, r->n_client_chain};
    /* The folder itself: a symbolic link put in its place is not followed. */
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dirfd < 0) {
        snprintf(err, errlen, "%s: %s", dir,
                 errno == ELOOP ? "is a symbolic link (not followed)" : strerror(errno));
        return -1;
    }
    for (int l = 0; l < 2 && written >= 0; l++) {
        for (int i = 0; i < counts[l]; i++) {
            if (!lists[l][i]) continue;
            int rc = export_one(dirfd, dir, lists[l][i], err, errlen);
            if (rc < 0) {
                written = -1;
                break;
            }
            written += rc;
        }
    }
    close(dirfd);
    return written;
}
