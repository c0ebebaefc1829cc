/* store_cmd.c — `tlsscope store PATH...`: list a trust store and lint it,
 * the way an admin checks an Expressway trust-store export before upload. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/escape.h"
#include "common/timefmt.h"
#include "engine/session.h"

int run_store(int argc, char **argv)
{
    struct trust_store store;
    int64_t at = 0;
    bool have_at = false;
    int npaths = 0;
    store_init(&store);
    for (int i = 1; i < argc; i++) {
        char err[512];
        if (strcmp(argv[i], "--at") == 0 && i + 1 < argc) {
            if (time_parse(argv[++i], &at) != 0) {
                frontend_error("tlsscope store", "--at: cannot read '%s'", argv[i]);
                store_free(&store);
                return EXIT_USAGE;
            }
            have_at = true;
            continue;
        }
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            puts("Usage: tlsscope store [--at TIME] PATH ...\n"
                 "List the certificates of a trust store and what is wrong with it.");
            store_free(&store);
            return 0;
        }
        if (store_load(&store, argv[i], err, sizeof(err)) != 0) {
            frontend_error("tlsscope store", "%s", err);
            store_free(&store);
            return EXIT_USAGE;
        }
        npaths++;
    }
    if (!npaths) {
        fprintf(stderr, "tlsscope store: give at least one PATH (file, directory or \"system\")\n");
        store_free(&store);
        return EXIT_USAGE;
    }
    if (!have_at) at = (int64_t)time(NULL); /* the store as of now, unless asked otherwise */
    bool utf8 = frontend_utf8();
    char nb[TIMEFMT_LEN], na[TIMEFMT_LEN], fp[100];
    struct sbuf sb;
    sbuf_init(&sb, 0);
    for (size_t i = 0; i < store.n; i++) {
        const struct store_entry *e = &store.entries[i];
        sbuf_reset(&sb);
        esc_text_str(&sb, e->file, utf8);
        sbuf_printf(&sb, " #%d: ", e->index); /* numbered like the lint's "FILE #N" */
        if (!e->cert) {
            sbuf_puts(&sb, "does not parse\n");
        } else {
            const struct cert *c = e->cert;
            esc_text_str(&sb, c->subject, utf8);
            cert_fingerprint_hex(c->sha256, 32, fp, sizeof(fp), false);
            sbuf_printf(&sb, "\n    %s%s, valid %s .. %s, sha256 %s\n",
                        c->is_ca ? "CA" : "not a CA", c->self_issued ? ", self-signed" : "",
                        time_iso8601_s(c->not_before, nb), time_iso8601_s(c->not_after, na), fp);
        }
        fputs(sbuf_str(&sb), stdout);
    }
    printf("\n%zu certificate%s loaded.\n", store_count(&store), store_count(&store) == 1 ? "" : "s");
    if (store.skipped_dirs || store.skipped_files) {
        /* said once, not per file: a c_rehash directory holds many such names */
        sbuf_reset(&sb);
        sbuf_puts(&sb, "Not read from the directories:");
        if (store.skipped_dirs)
            sbuf_printf(&sb, " %zu subdirector%s (not read recursively)%s", store.skipped_dirs,
                        store.skipped_dirs == 1 ? "y" : "ies", store.skipped_files ? "," : "");
        if (store.skipped_files) {
            sbuf_printf(&sb, " %zu file%s without a certificate (", store.skipped_files,
                        store.skipped_files == 1 ? "" : "s");
            if (store.skipped_files > 1) sbuf_puts(&sb, "first: ");
            esc_text_str(&sb, store.skipped_example, utf8);
            sbuf_putc(&sb, ')');
        }
        sbuf_puts(&sb, ".\n");
        fputs(sbuf_str(&sb), stdout);
    }
    sbuf_free(&sb);
    size_t n = store_lint(&store, at, frontend_print_lint, stdout);
    if (n == 0) puts("store lint: no findings.");
    store_free(&store);
    return n ? EXIT_FAILED : EXIT_TRUSTED;
}

