/* certfields.c — the certificate fields `openssl x509 -text` shows and an
 * admin looks for (every extension with its criticality, AIA, CRL
 * distribution points, policies, name constraints; trust/certext.h) and
 * the stapled OCSP response (trust/ocsp.h), in the text -v block and the
 * JSON chain entries. The JSON names are listed in README "JSON fields".
 */
#include <stdio.h>
#include <string.h>

#include "common/escape.h"
#include "common/timefmt.h"
#include "json.h"
#include "report.h"
#include "trust/certext.h"
#include "trust/ocsp.h"

/* ---- JSON ---- */

static void json_strs(struct json *j, const char *key, const struct certext_strs *l)
{
    json_arr(j, key);
    for (uint16_t i = 0; i < l->n; i++) json_str(j, NULL, l->v[i]);
    json_arr_end(j);
    if (l->total > l->n) {
        char k[64];
        snprintf(k, sizeof k, "%s_total", key);
        json_int(j, k, l->total);
    }
}

void report_json_cert_fields(struct json *j, const struct cert *c)
{
    struct certext x;
    if (certext_read(c, &x) != 0) return;
    json_arr(j, "extensions");
    for (uint16_t i = 0; i < x.n_ext; i++) {
        const struct certext_ext *e = &x.ext[i];
        json_obj(j, NULL);
        json_str(j, "oid", e->oid);
        if (e->name) json_str(j, "name", e->name);
        json_bool(j, "critical", e->critical);
        if (e->malformed) json_bool(j, "malformed", true);
        json_obj_end(j);
    }
    json_arr_end(j);
    if (x.n_ext_total > x.n_ext) json_int(j, "extensions_total", x.n_ext_total);
    if (x.ext_list_broken) json_bool(j, "extensions_malformed", true);
    if (x.has_aia) {
        json_obj(j, "authority_info_access");
        json_strs(j, "ocsp", &x.ocsp);
        json_strs(j, "ca_issuers", &x.ca_issuers);
        if (x.aia_other.total) json_strs(j, "other", &x.aia_other);
        json_obj_end(j);
    }
    if (x.has_crl_dp) json_strs(j, "crl_distribution_points", &x.crl_dp);
    if (x.has_policies) {
        json_arr(j, "certificate_policies");
        for (uint16_t i = 0; i < x.n_pol; i++) {
            const struct certext_policy *p = &x.pol[i];
            json_obj(j, NULL);
            json_str(j, "oid", p->oid);
            if (p->name) json_str(j, "name", p->name);
            if (p->cps.total) json_strs(j, "cps", &p->cps);
            if (p->notices.total) json_strs(j, "user_notices", &p->notices);
            json_obj_end(j);
        }
        json_arr_end(j);
        if (x.n_pol_total > x.n_pol) json_int(j, "certificate_policies_total", x.n_pol_total);
    }
    if (x.has_nc) {
        json_obj(j, "name_constraints");
        json_strs(j, "permitted", &x.nc_permitted);
        json_strs(j, "excluded", &x.nc_excluded);
        json_obj_end(j);
    }
    certext_free(&x);
}

static void json_time(struct json *j, const char *key, int64_t secs)
{
    char b[TIMEFMT_LEN];
    json_str(j, key, time_iso8601_s(secs, b));
}

void report_json_staple(struct json *j, const struct conn_record *r)
{
    const struct tls_ocsp_staple *sp = &r->tls->server_certs.staple;
    const struct ocsp_info *o = &r->staple;
    if (!sp->present) return;
    json_obj(j, "ocsp_staple");
    json_str(j, "sent_in", sp->in_cert_entry ? "certificate_entry" : "certificate_status");
    if (sp->malformed) json_bool(j, "certificate_status_malformed", true);
    if (sp->not_kept) json_bool(j, "not_kept", true);
    if (o->read) {
        const char *rs = ocsp_response_status_name(o->response_status);
        if (rs) json_str(j, "response_status", rs);
        else json_int(j, "response_status", o->response_status);
        if (o->responder[0]) json_str(j, "responder", o->responder);
        if (o->responder_cut) json_bool(j, "responder_cut", true);
        if (o->has_produced_at) json_time(j, "produced_at", o->produced_at);
        json_arr(j, "responses");
        for (uint16_t i = 0; i < o->n_resp; i++) {
            const struct ocsp_single *s = &o->resp[i];
            json_obj(j, NULL);
            json_str(j, "serial", s->serial);
            if (s->serial_cut) json_bool(j, "serial_cut", true);
            json_bool(j, "leaf", r->n_chain > 0 && ocsp_find(o, r->chain[0]) == s);
            json_str(j, "cert_status", ocsp_cert_status_name(s->status));
            if (s->status == OCSP_CERT_REVOKED) {
                json_time(j, "revoked_at", s->revoked_at);
                const char *rn = ocsp_reason_name(s->reason);
                if (rn) json_str(j, "reason", rn);
                else if (s->reason >= 0) json_int(j, "reason", s->reason);
            }
            json_time(j, "this_update", s->this_update);
            if (s->has_next_update) json_time(j, "next_update", s->next_update);
            json_obj_end(j);
        }
        json_arr_end(j);
        if (o->n_resp_total > o->n_resp) json_int(j, "responses_total", o->n_resp_total);
        if (o->n_certs) json_int(j, "responder_certificates", o->n_certs);
        if (o->malformed) json_str(j, "malformed", o->why);
    }
    json_obj_end(j);
}

/* ---- text (-v) ---- */

static void text_strs(struct sbuf *sb, const struct certext_strs *l, const struct report_style *st)
{
    for (uint16_t i = 0; i < l->n; i++) {
        if (i) sbuf_puts(sb, ", ");
        esc_text_str(sb, l->v[i], st->utf8);
    }
    if (l->total > l->n) sbuf_printf(sb, " (+%u not kept)", (unsigned)(l->total - l->n));
}

void report_text_cert_fields(struct sbuf *sb, const struct cert *c, const struct report_style *st,
                             const char *indent)
{
    struct certext x;
    if (!c || certext_read(c, &x) != 0) return;
    if (x.n_ext_total || x.ext_list_broken) {
        sbuf_printf(sb, "%sextensions:", indent);
        for (uint16_t i = 0; i < x.n_ext; i++) {
            const struct certext_ext *e = &x.ext[i];
            sbuf_puts(sb, i ? ", " : " ");
            esc_text_str(sb, e->name ? e->name : e->oid, false);
            if (e->critical) sbuf_puts(sb, " (critical)");
            if (e->malformed) sbuf_puts(sb, " (malformed)");
        }
        if (x.n_ext_total > x.n_ext)
            sbuf_printf(sb, " (+%u not kept)", (unsigned)(x.n_ext_total - x.n_ext));
        if (x.ext_list_broken) sbuf_puts(sb, " (list malformed after these)");
        sbuf_putc(sb, '\n');
    }
    if (x.has_aia) {
        sbuf_printf(sb, "%sauthority info access: OCSP ", indent);
        if (x.ocsp.total) text_strs(sb, &x.ocsp, st);
        else sbuf_puts(sb, "none");
        sbuf_puts(sb, "; CA issuers ");
        if (x.ca_issuers.total) text_strs(sb, &x.ca_issuers, st);
        else sbuf_puts(sb, "none");
        if (x.aia_other.total) {
            sbuf_puts(sb, "; other ");
            text_strs(sb, &x.aia_other, st);
        }
        sbuf_putc(sb, '\n');
    }
    if (x.has_crl_dp) {
        sbuf_printf(sb, "%sCRL distribution points: ", indent);
        if (x.crl_dp.total) text_strs(sb, &x.crl_dp, st);
        else sbuf_puts(sb, "none");
        sbuf_putc(sb, '\n');
    }
    if (x.has_policies) {
        sbuf_printf(sb, "%scertificate policies:", indent);
        for (uint16_t i = 0; i < x.n_pol; i++) {
            const struct certext_policy *p = &x.pol[i];
            sbuf_puts(sb, i ? "; " : " ");
            esc_text_str(sb, p->oid, false);
            if (p->name) sbuf_printf(sb, " (%s)", p->name);
            if (p->cps.total) {
                sbuf_puts(sb, " CPS ");
                text_strs(sb, &p->cps, st);
            }
            if (p->notices.total) {
                sbuf_puts(sb, " notice ");
                text_strs(sb, &p->notices, st);
            }
        }
        if (x.n_pol_total > x.n_pol)
            sbuf_printf(sb, " (+%u not kept)", (unsigned)(x.n_pol_total - x.n_pol));
        sbuf_putc(sb, '\n');
    }
    if (x.has_nc) {
        sbuf_printf(sb, "%sname constraints: permitted ", indent);
        if (x.nc_permitted.total) text_strs(sb, &x.nc_permitted, st);
        else sbuf_puts(sb, "none");
        sbuf_puts(sb, "; excluded ");
        if (x.nc_excluded.total) text_strs(sb, &x.nc_excluded, st);
        else sbuf_puts(sb, "none");
        sbuf_putc(sb, '\n');
    }
    certext_free(&x);
}

/* One line: "OCSP staple: successful, good (leaf), produced 2026-..., this
 * update ..., next update ..., responder CN=..." */
void report_ocsp_staple_line(struct sbuf *sb, const struct conn_record *r, bool utf8)
{
    const struct tls_ocsp_staple *sp = &r->tls->server_certs.staple;
    const struct ocsp_info *o = &r->staple;
    char b[TIMEFMT_LEN];
    if (sp->not_kept) {
        sbuf_puts(sb, "sent, not kept (over the size caps)");
        return;
    }
    if (sp->malformed && !o->read) {
        sbuf_puts(sb, "sent, CertificateStatus malformed");
        return;
    }
    if (!o->read) {
        sbuf_puts(sb, "sent, no response for the leaf");
        return;
    }
    const char *rs = ocsp_response_status_name(o->response_status);
    if (rs) sbuf_puts(sb, rs);
    else sbuf_printf(sb, "response status %d", o->response_status);
    const struct ocsp_single *s = r->n_chain > 0 ? ocsp_find(o, r->chain[0]) : NULL;
    if (!s && o->n_resp) {
        s = &o->resp[0];
        sbuf_puts(sb, "; NOT about the leaf (serial ");
        esc_text_str(sb, s->serial, false);
        sbuf_putc(sb, ')');
    }
    if (s) {
        sbuf_printf(sb, ", %s", ocsp_cert_status_name(s->status));
        if (s->status == OCSP_CERT_REVOKED) {
            const char *rn = ocsp_reason_name(s->reason);
            sbuf_printf(sb, " at %s", time_iso8601_s(s->revoked_at, b));
            if (rn) sbuf_printf(sb, " (%s)", rn);
        }
        sbuf_printf(sb, ", this update %s", time_iso8601_s(s->this_update, b));
        if (s->has_next_update) sbuf_printf(sb, ", next update %s", time_iso8601_s(s->next_update, b));
        else sbuf_puts(sb, ", no next update");
    }
    if (o->has_produced_at) sbuf_printf(sb, ", produced %s", time_iso8601_s(o->produced_at, b));
    if (o->responder[0]) {
        sbuf_puts(sb, ", responder ");
        esc_text_str(sb, o->responder, utf8);
        if (o->responder_cut) sbuf_puts(sb, "...");
    }
    if (o->n_resp_total > 1) sbuf_printf(sb, " (%u responses)", (unsigned)o->n_resp_total);
    if (o->malformed) {
        sbuf_puts(sb, "; malformed: ");
        esc_text_str(sb, o->why, false);
    }
}
