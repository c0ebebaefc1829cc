/* report.h — batch output: the text table, JSON Lines, the closing summary,
 * certificate export. Everything here reads model structs only and writes
 * escaped text (see common/escape.h).
 *
 * Ownership: a struct summary owns its per-server entries; summary_free()
 * releases them. Nothing here keeps a pointer to a conn_record after the call.
 */
#ifndef TLSSCOPE_REPORT_REPORT_H
#define TLSSCOPE_REPORT_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "common/sbuf.h"
#include "engine/pipeline.h"

struct report_style {
    bool color;        /* ANSI colours in text output */
    bool utf8;         /* the terminal takes UTF-8: keep valid UTF-8 unescaped */
    bool pem;          /* --pem: add PEM text to each chain entry in JSON */
    bool verbose;      /* -v: chain and handshake details under each text row */
};

/* ---- text ---- */
void report_text_header(FILE *out, const struct report_style *st);
void report_text_conn(struct sbuf *sb, const struct conn_record *r, const struct report_style *st);
/* Details block for one record (chain, verdict, advice), used by -v and the
 * failing-server section. */
void report_text_details(struct sbuf *sb, const struct conn_record *r,
                         const struct report_style *st, const char *indent);

/* ---- certificate page fields (certfields.c) ---- */
struct json;
/* -v lines under one chain entry: every extension with its criticality,
 * AIA, CRL distribution points, policies, name constraints (trust/certext.h). */
void report_text_cert_fields(struct sbuf *sb, const struct cert *c, const struct report_style *st,
                             const char *indent);
/* The stapled OCSP response in one line (status, leaf's cert status, times,
 * responder), for -v and the browser; only when tls->server_certs.staple.present. */
void report_ocsp_staple_line(struct sbuf *sb, const struct conn_record *r, bool utf8);
/* JSON: the same fields in a chain entry, and tlsscope.ocsp_staple. */
void report_json_cert_fields(struct json *j, const struct cert *c);
void report_json_staple(struct json *j, const struct conn_record *r);

/* ---- JSON Lines (one object, no trailing newline) ---- */
void report_json_conn(struct sbuf *sb, const struct conn_record *r, const struct report_style *st);
/* The same with a hook that may add members at the end of the "tlsscope"
 * object (e.g. the Expressway log line about this connection). */
struct json;
typedef void (*report_json_extra_fn)(struct json *j, void *ctx, const struct conn_record *r);
void report_json_conn_ex(struct sbuf *sb, const struct conn_record *r,
                         const struct report_style *st, report_json_extra_fn extra, void *ctx);

/* ---- verdict summary, grouped by server and reason ---- */
#define SUMMARY_MAX_SERVERS 4096
#define SUMMARY_MAX_REASONS 4096     /* distinct (server, failure) pairs kept, all servers */
#define SUMMARY_MAX_REASONS_PER_SERVER 32 /* ... and per server (each record walks them) */
#define SUMMARY_INDEX_SIZE 8192      /* hash buckets over the servers' keys (power of two) */
#define SUMMARY_MAX_VERDICT_CAPS 8   /* distinct verdict caps (trust/ has five) */

struct summary_reason {
    int code, depth;
    char reason[160];
    char cert_desc[200];     /* "CN=cucm-EC.steven.lab (sha256 ab:cd:...)" */
    char would_log[700];
    char advice[VERDICT_ADVICE_LEN];
    unsigned count;
    struct summary_reason *next;
};

struct summary_server {
    char key[320];           /* "10.48.36.215:6972 (cucm.steven.lab)", SNI escaped already */
    unsigned connections, trusted, failed, not_judged;
    struct summary_reason *reasons;
    unsigned n_reasons;
    /* mutual TLS: the server's verdicts on its clients' certificates */
    unsigned client_failed;
    struct summary_reason *client_reasons;
    unsigned n_client_reasons;
    struct summary_server *next;
    struct summary_server *hnext;    /* hash chain in summary.index */
};

struct summary {
    struct summary_server *servers;  /* in order of first sight */
    struct summary_server **tail;
    struct summary_server **index;   /* SUMMARY_INDEX_SIZE buckets, made on first use */
    struct summary_recent *recent;   /* SUMMARY_RECENT slots, made on first use (summary.c) */
    unsigned n_servers;
    unsigned servers_dropped;        /* SUMMARY_MAX_SERVERS bit */
    unsigned n_reasons;
    unsigned reasons_dropped;        /* SUMMARY_MAX_REASONS(_PER_SERVER) bit */
    unsigned long long conns_capped; /* connections on which any cap bit */
    unsigned long long cap_conns[TLS_CAPHIT_COUNT]; /* ... per dissector cap */
    struct {                         /* verdicts made "not judged" by a cap, per cap */
        char name[32];               /* verdict.cap: "CERT_MAX_SAN", ... */
        unsigned long long n;
    } verdict_caps[SUMMARY_MAX_VERDICT_CAPS];
    unsigned long long conns_failed, conns_trusted, conns_not_judged, conns_presumed;
    unsigned long long presumed_trusted, presumed_failed; /* of conns_presumed, by status */
    /* mutual TLS (conn_record.client): connections whose server asked for a
     * client certificate, and the client verdicts */
    unsigned long long client_requested, client_failed, client_trusted, client_not_judged;
};

void summary_init(struct summary *s);
void summary_add(struct summary *s, const struct conn_record *r, const struct report_style *st);
/* The closing report: counts, skips, caps, and the failing servers
 * paragraph (the thing an admin pastes into a ticket). */
void summary_print(FILE *out, const struct summary *s, const struct pipeline_stats *ps,
                   const struct report_style *st, enum verdict_profile profile,
                   bool have_store);
void summary_free(struct summary *s);

/* ---- helpers shared by the front ends ---- */
/* "10.48.36.215" / "fd00::1" */
const char *report_ip(char *buf, size_t len, uint8_t family, const uint8_t *addr);
/* "10.48.36.215:8443" / "[fd00::1]:8443" */
const char *report_endpoint(char *buf, size_t len, uint8_t family, const uint8_t *addr,
                            uint16_t port);
/* "TLS1.2", "SSL3.0", "TLS1.3-d23", "-" */
const char *report_version_short(uint16_t v, char buf[16]);
/* the verdict column text, e.g. "FAILED 18@0 self signed certificate" */
void report_verdict_cell(struct sbuf *sb, const struct conn_record *r, bool utf8);
/* the client side of mutual TLS (r->client), e.g. "client FAILED 26@0
 * unsupported certificate purpose"; nothing without CertificateRequest */
void report_client_cell(struct sbuf *sb, const struct conn_record *r, bool utf8);

/* Write every certificate of the record not yet exported as
 * DIR/<cn>_<sha256-prefix>.pem. Returns the number of new files, -1 on error
 * (message in err). */
int report_export_certs(const char *dir, const struct conn_record *r, char *err, size_t errlen);
/* The file name --export-certs uses for c: "<cn>_<sha256 prefix><suffix>.pem"
 * (CN reduced to [A-Za-z0-9._-], "*" as "wildcard"; suffix may be NULL). */
const char *report_cert_filename(const struct cert *c, const char *suffix, char *out, size_t len);

#endif
