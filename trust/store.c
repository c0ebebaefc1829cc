/* store.c — loading the trust store and linting it (see store.h).
 *
 * Accepted input, per file:
 *  - PEM (RFC 7468): any number of "CERTIFICATE", "X509 CERTIFICATE" or
 *    "TRUSTED CERTIFICATE" blocks, with any text before, between and after
 *    them (Debian's bundle comments, `openssl x509 -text` output), CRLF or LF
 *    line ends, white space inside the base64;
 *  - DER: one or more certificates back to back.
 * A directory is read non-recursively in name order (strcmp), skipping dot
 * files, subdirectories and symlinks to files already read from it (the
 * OpenSSL c_rehash links in /etc/ssl/certs); subdirectories and files
 * without a certificate are counted (skipped_dirs, skipped_files) for the
 * front ends to say once. "system" is Debian's bundle.
 *
 * Every block that was found is kept as an entry, also when it does not
 * parse — lint reports it with file and index.
 */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/timefmt.h"
#include "der.h"
#include "internal.h"

#define STORE_SYSTEM_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
#define STORE_MAX_DIR_FILES 8192 /* files looked at in one directory */

void store_init(struct trust_store *st) { memset(st, 0, sizeof *st); }

static void set_err(char *err, size_t errlen, const char *path, const char *msg)
{
    if (err && errlen) snprintf(err, errlen, "%s: %s", path, msg);
}

static void cap_err(char *err, size_t errlen, const char *file)
{
    if (err && errlen)
        snprintf(err, errlen, "%s: more than %d certificates (STORE_MAX_CERTS)", file,
                 STORE_MAX_CERTS);
}

/* Append an entry; -1 when STORE_MAX_CERTS is reached (the bytes are not
 * taken). `der` may be NULL for a block that did not even decode. */
static int add_entry(struct trust_store *st, const uint8_t *der, size_t len, const char *file,
                     int index)
{
    if (st->n >= STORE_MAX_CERTS) return -1;
    if (st->n == st->cap) {
        size_t nc = st->cap ? st->cap * 2 : 32;
        struct store_entry *ne = realloc(st->entries, nc * sizeof *ne);
        if (!ne) return -1;
        st->entries = ne;
        st->cap = nc;
    }
    struct store_entry *e = &st->entries[st->n];
    e->cert = der && len ? cert_parse(der, len) : NULL;
    e->file = strdup(file);
    e->index = index;
    if (!e->file) {
        cert_free(e->cert);
        return -1;
    }
    st->n++;
    return 0;
}

static int b64_value(int c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* RFC 7468 base64 between the boundaries: white space ignored, '=' ends
 * the data. Returns the decoded length, or -1 on a character that is
 * neither base64 nor white space (a header line such as "Proc-Type:" in a
 * certificate block is not valid RFC 7468 "strict" text). */
static long b64_decode(const char *p, size_t n, uint8_t *out)
{
    uint32_t acc = 0;
    int bits = 0;
    long o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') continue;
        if (ch == '=') break;
        int v = b64_value(ch);
        if (v < 0) return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    return o;
}

static const char *find_str(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    if (k > n) return NULL;
    return memmem(hay, n, needle, k);
}

/* One PEM block's certificate: for "TRUSTED CERTIFICATE" the DER is the
 * certificate followed by OpenSSL's trust settings; keep the first TLV. */
static size_t first_tlv_len(const uint8_t *der, size_t len)
{
    struct cursor c = cur_init(der, len);
    struct der_tlv t;
    if (der_next(&c, &t) != 0) return len;
    return t.total;
}

static int load_pem(struct trust_store *st, const char *buf, size_t len, const char *file,
                    int *found, char *err, size_t errlen)
{
    static const char *const labels[] = {"CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"};
    const char *p = buf, *end = buf + len;
    int index = 0;

    while (p < end) {
        const char *begin = find_str(p, (size_t)(end - p), "-----BEGIN ");
        if (!begin) break;
        const char *lab = begin + 11;
        const char *dash = find_str(lab, (size_t)(end - lab), "-----");
        if (!dash) break;
        size_t lablen = (size_t)(dash - lab);
        bool is_cert = false;
        for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
            if (lablen == strlen(labels[i]) && memcmp(lab, labels[i], lablen) == 0) is_cert = true;
        const char *body = dash + 5;
        char endmark[80];
        snprintf(endmark, sizeof endmark, "-----END %.*s-----", (int)(lablen < 60 ? lablen : 60), lab);
        const char *stop = find_str(body, (size_t)(end - body), endmark);
        if (!stop) {
            if (is_cert) { /* a block cut off: keep it as an unparsable entry */
                if (add_entry(st, NULL, 0, file, index++) != 0) goto cap;
                (*found)++;
            }
            break;
        }
        p = stop + strlen(endmark);
        if (!is_cert) continue; /* keys, CRLs, parameters: not ours */
        size_t blen = (size_t)(stop - body);
        uint8_t *der = malloc(blen / 4 * 3 + 4);
        if (!der) {
            set_err(err, errlen, file, "out of memory");
            return -1;
        }
        long dl = b64_decode(body, blen, der);
        int rc = dl > 0 ? add_entry(st, der, first_tlv_len(der, (size_t)dl), file, index)
                        : add_entry(st, NULL, 0, file, index);
        free(der);
        if (rc != 0) goto cap;
        index++;
        (*found)++;
    }
    return 0;
cap:
    cap_err(err, errlen, file);
    return -1;
}

/* DER: certificates back to back; whatever does not look like a SEQUENCE
 * stops the scan (a single broken file becomes one unparsable entry). */
static int load_der(struct trust_store *st, const uint8_t *buf, size_t len, const char *file,
                    int *found, char *err, size_t errlen)
{
    struct cursor c = cur_init(buf, len);
    int index = 0;
    while (!cur_empty(&c)) {
        struct der_tlv t;
        if (der_next(&c, &t) != 0 || t.tag != DER_SEQUENCE) {
            /* A SEQUENCE cut short is a broken certificate: keep it for
             * lint. Anything else is not DER at all. */
            if (index == 0 && buf[0] == DER_SEQUENCE) {
                if (add_entry(st, buf, len, file, index++) != 0) return -1;
                (*found)++;
            }
            break;
        }
        if (add_entry(st, t.start, t.total, file, index++) != 0) {
            cap_err(err, errlen, file);
            return -1;
        }
        (*found)++;
    }
    return 0;
}

static int read_file(const char *path, char **out, size_t *outlen, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_err(err, errlen, path, strerror(errno));
        return -1;
    }
    char *buf = malloc(STORE_MAX_FILE + 1);
    if (!buf) {
        fclose(f);
        set_err(err, errlen, path, "out of memory");
        return -1;
    }
    size_t n = fread(buf, 1, STORE_MAX_FILE + 1, f);
    bool rerr = ferror(f) != 0;
    fclose(f);
    if (rerr) {
        free(buf);
        set_err(err, errlen, path, "read error");
        return -1;
    }
    if (n > STORE_MAX_FILE) {
        free(buf);
        set_err(err, errlen, path, "larger than 16 MiB (STORE_MAX_FILE)");
        return -1;
    }
    buf[n] = '\0';
    *out = buf;
    *outlen = n;
    return 0;
}

static int load_file(struct trust_store *st, const char *path, int *found, char *err, size_t errlen)
{
    char *buf;
    size_t n;
    if (read_file(path, &buf, &n, err, errlen) != 0) return -1;
    int rc;
    if (find_str(buf, n, "-----BEGIN "))
        rc = load_pem(st, buf, n, path, found, err, errlen);
    else
        rc = load_der(st, (const uint8_t *)buf, n, path, found, err, errlen);
    free(buf);
    return rc;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_dir(struct trust_store *st, const char *path, int *found, char *err, size_t errlen)
{
    DIR *d = opendir(path);
    if (!d) {
        set_err(err, errlen, path, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < STORE_MAX_DIR_FILES) {
        if (de->d_name[0] == '.') continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            char **nn = realloc(names, nc * sizeof *nn);
            if (!nn) break;
            names = nn;
            cap = nc;
        }
        names[n] = strdup(de->d_name);
        if (names[n]) n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, name_cmp);

    char **seen = calloc(n ? n : 1, sizeof *seen); /* real paths already read */
    size_t n_seen = 0;
    int rc = 0;
    /* "pki/" and "pki" name the same files: "pki/int1.pem", not "pki//int1.pem" */
    int plen = (int)strlen(path);
    while (plen > 1 && path[plen - 1] == '/') plen--;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char full[PATH_MAX];
        struct stat sb;
        if ((size_t)snprintf(full, sizeof full, "%.*s/%s", plen, path, names[i]) >= sizeof full)
            continue;
        bool exists = stat(full, &sb) == 0;
        if (!exists || !S_ISREG(sb.st_mode)) {
            if (exists && S_ISDIR(sb.st_mode)) st->skipped_dirs++;
            continue;
        }
        char *real = realpath(full, NULL);
        bool dup = false;
        for (size_t k = 0; real && k < n_seen; k++)
            if (strcmp(seen[k], real) == 0) dup = true;
        if (dup) {
            free(real);
            continue;
        }
        if (real && seen) seen[n_seen++] = real;
        else free(real);
        char ferr[512];
        int before = *found;
        int frc = load_file(st, full, found, ferr, sizeof ferr);
        if (*found == before) { /* README, index.txt, a CRL: no certificate in it */
            if (!st->skipped_files++)
                snprintf(st->skipped_example, sizeof st->skipped_example, "%s", full);
        }
        if (frc != 0) {
            /* An unreadable file in a directory is reported; a cap stops. */
            if (st->n >= STORE_MAX_CERTS) {
                if (err && errlen) snprintf(err, errlen, "%s", ferr);
                rc = -1;
            }
        }
    }
    for (size_t k = 0; k < n_seen; k++) free(seen[k]);
    free(seen);
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    return rc;
}

int store_load(struct trust_store *st, const char *path, char *err, size_t errlen)
{
    struct stat sb;
    const char *real = strcmp(path, "system") == 0 ? STORE_SYSTEM_BUNDLE : path;
    int found = 0, rc;

    if (err && errlen) err[0] = '\0';
    char **ns = realloc(st->sources, (st->n_sources + 1) * sizeof *ns);
    if (ns) {
        st->sources = ns;
        st->sources[st->n_sources] = strdup(path);
        if (st->sources[st->n_sources]) st->n_sources++;
    }
    if (stat(real, &sb) != 0) {
        set_err(err, errlen, real, strerror(errno));
        return -1;
    }
    if (S_ISDIR(sb.st_mode)) rc = load_dir(st, real, &found, err, errlen);
    else rc = load_file(st, real, &found, err, errlen);
    if (rc != 0) return -1;
    if (found == 0) {
        set_err(err, errlen, real, "no certificates found");
        return -1;
    }
    return 0;
}

size_t store_count(const struct trust_store *st)
{
    size_t k = 0;
    for (size_t i = 0; i < st->n; i++)
        if (st->entries[i].cert && st->entries[i].cert->parsed) k++;
    return k;
}

void store_free(struct trust_store *st)
{
    for (size_t i = 0; i < st->n; i++) {
        cert_free(st->entries[i].cert);
        free(st->entries[i].file);
    }
    free(st->entries);
    for (size_t i = 0; i < st->n_sources; i++) free(st->sources[i]);
    free(st->sources);
    memset(st, 0, sizeof *st);
}

/* ---- lint --------------------------------------------------------------- */

static void emit(void (*cb)(void *, const struct store_lint *), void *arg, size_t *count,
                 enum store_lint_kind kind, const struct store_entry *e,
                 const struct store_entry *other, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static void emit(void (*cb)(void *, const struct store_lint *), void *arg, size_t *count,
                 enum store_lint_kind kind, const struct store_entry *e,
                 const struct store_entry *other, const char *fmt, ...)
{
    struct store_lint item;
    va_list ap;
    item.kind = kind;
    item.entry = e;
    item.other = other;
    va_start(ap, fmt);
    vsnprintf(item.message, sizeof item.message, fmt, ap);
    va_end(ap);
    (*count)++;
    if (cb) cb(arg, &item);
}

/* Findings per entry, in entry order, each entry's in the order of enum
 * store_lint_kind's severity for the user: unparsable, duplicate, same CN,
 * not a CA, not self-signed, expired. */
size_t store_lint(const struct trust_store *st, int64_t at,
                  void (*cb)(void *arg, const struct store_lint *item), void *arg)
{
    size_t count = 0;
    for (size_t i = 0; i < st->n; i++) {
        const struct store_entry *e = &st->entries[i];
        const struct cert *c = e->cert;
        char tb[TIMEFMT_LEN];

        if (!c || !cert_impl_of(c)->walked) {
            emit(cb, arg, &count, STORE_LINT_UNPARSABLE, e, NULL,
                 "%s #%d: not a certificate tlsscope can read%s%s", e->file, e->index,
                 c && c->parse_error[0] ? " - " : "", c ? c->parse_error : "");
            continue;
        }
        if (!c->parsed)
            emit(cb, arg, &count, STORE_LINT_UNPARSABLE, e, NULL,
                 "%s #%d (CN=%s): signatures cannot be checked - %s", e->file, e->index,
                 c->subject_cn, c->parse_error);

        const struct store_entry *twin = NULL, *same_cn = NULL;
        for (size_t k = 0; k < i; k++) {
            const struct cert *o = st->entries[k].cert;
            if (!o) continue;
            if (memcmp(o->sha256, c->sha256, 32) == 0) {
                if (!twin) twin = &st->entries[k];
            } else if (!same_cn && c->subject_cn[0] && strcmp(o->subject_cn, c->subject_cn) == 0) {
                same_cn = &st->entries[k];
            }
        }
        if (twin) {
            emit(cb, arg, &count, STORE_LINT_DUPLICATE, e, twin,
                 "%s #%d is a byte-identical copy of %s #%d (CN=%s)", e->file, e->index,
                 twin->file, twin->index, c->subject_cn);
            continue; /* everything else was said about the first copy */
        }
        if (same_cn)
            emit(cb, arg, &count, STORE_LINT_SAME_CN, e, same_cn,
                 "%s #%d and %s #%d are different certificates with the same CN \"%s\": "
                 "Expressway's trust store cannot hold both (CSCwa12905) - use CA-signed "
                 "certificates or distinct CNs; chain building itself tells them apart "
                 "by key identifier and key",
                 e->file, e->index, same_cn->file, same_cn->index, c->subject_cn);

        int ca = cert_check_ca(c);
        bool ss = cert_is_self_signed(c);
        if (ca == 0)
            emit(cb, arg, &count, STORE_LINT_NOT_CA, e, NULL,
                 "%s #%d (CN=%s) is not a CA certificate (%s)%s", e->file, e->index,
                 c->subject_cn,
                 !c->has_basic_constraints ? "no basicConstraints"
                 : !c->is_ca              ? "basicConstraints CA:FALSE"
                                          : "keyUsage without keyCertSign",
                 ss ? ": it can only vouch for itself (a self-signed server certificate)" : "");
        if (!ss)
            emit(cb, arg, &count, STORE_LINT_NOT_SELF_SIGNED, e, NULL,
                 "%s #%d (CN=%s) is not self-signed (issuer %s): it is not an anchor on its "
                 "own - a chain through it still needs its root in the store",
                 e->file, e->index, c->subject_cn, c->issuer);
        if (at < c->not_before)
            emit(cb, arg, &count, STORE_LINT_EXPIRED, e, NULL,
                 "%s #%d (CN=%s) is not valid before %s", e->file, e->index, c->subject_cn,
                 time_iso8601_s(c->not_before, tb));
        else if (at >= c->not_after)
            emit(cb, arg, &count, STORE_LINT_EXPIRED, e, NULL, "%s #%d (CN=%s) expired on %s",
                 e->file, e->index, c->subject_cn, time_iso8601_s(c->not_after, tb));
    }
    return count;
}
