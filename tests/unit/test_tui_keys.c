/* test_tui_keys.c — the one command table (ui/tui_cmd.h): no key does two
 * things in one view, every command is reachable and explained, and the key
 * tables in README.md and man/tlsscope.1 are the ones the table produces.
 *   test_tui_keys --update   rewrites those two sections from the table */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ui/tui_cmd.h"

static const unsigned views[] = {TUI_IN_CONNS, TUI_IN_SERVERS, TUI_IN_DETAIL, TUI_IN_CERT,
                                 TUI_IN_HELP,  TUI_IN_LOG,     TUI_IN_LOGENTRY};

static void test_table(void)
{
    CHECK_EQ_INT(tui_n_cmds, TUI_REQ__N - 1);
    for (int i = 0; i < tui_n_cmds; i++) {
        const struct tui_cmd *c = &tui_cmds[i];
        CHECK(c->keys[0] != 0);
        CHECK(c->help && strlen(c->help) > 3);
        CHECK(c->where != 0);
        CHECK(tui_cmd_get(c->req) == c);
        /* each key reaches this command in every view it applies to */
        for (int k = 0; k < 3 && c->keys[k]; k++)
            for (size_t v = 0; v < sizeof views / sizeof views[0]; v++)
                if (c->where & views[v]) {
                    enum tui_req got = tui_cmd_lookup(c->keys[k], views[v]);
                    if (got != c->req) {
                        char b[16];
                        fprintf(stderr, "key %s in view 0x%x: %s, want %s\n",
                                tui_key_name(c->keys[k], b), views[v],
                                tui_cmd_get(got) ? tui_cmd_get(got)->name : "none", c->name);
                    }
                    CHECK(got == c->req);
                }
    }
    CHECK_EQ_INT(tui_cmd_lookup('f', TUI_IN_CONNS), TUI_REQ_FILTER_VERDICT);
    CHECK_EQ_INT(tui_cmd_lookup('f', TUI_IN_DETAIL), TUI_REQ_NONE);
    CHECK_EQ_INT(tui_cmd_lookup('e', TUI_IN_SERVERS), TUI_REQ_NONE);
    CHECK_EQ_INT(tui_cmd_lookup('e', TUI_IN_CERT), TUI_REQ_EXPORT);
    CHECK_EQ_INT(tui_cmd_lookup(TUI_KEY_LEFT, TUI_IN_CERT), TUI_REQ_BACK);
    CHECK_EQ_INT(tui_cmd_lookup(TUI_CTRL('c'), TUI_IN_CONNS), TUI_REQ_STOP);
    /* the Log view: L from anywhere, Enter opens, list-only keys do not apply */
    CHECK_EQ_INT(tui_cmd_lookup('L', TUI_IN_DETAIL), TUI_REQ_LOG);
    CHECK_EQ_INT(tui_cmd_lookup('L', TUI_IN_CONNS), TUI_REQ_LOG);
    CHECK_EQ_INT(tui_cmd_lookup(TUI_KEY_ENTER, TUI_IN_LOG), TUI_REQ_ENTER);
    CHECK_EQ_INT(tui_cmd_lookup(TUI_KEY_ENTER, TUI_IN_LOGENTRY), TUI_REQ_ENTER);
    CHECK_EQ_INT(tui_cmd_lookup(TUI_KEY_BTAB, TUI_IN_LOG), TUI_REQ_NEXT_VIEW);
    CHECK_EQ_INT(tui_cmd_lookup('/', TUI_IN_LOG), TUI_REQ_SEARCH);
    CHECK_EQ_INT(tui_cmd_lookup('f', TUI_IN_LOG), TUI_REQ_NONE);
    CHECK_EQ_INT(tui_cmd_lookup('e', TUI_IN_LOGENTRY), TUI_REQ_NONE);
    /* every view kind has a bit of its own, and ALL is all of them */
    unsigned all = 0;
    for (size_t v = 0; v < sizeof views / sizeof views[0]; v++) {
        CHECK((all & views[v]) == 0);
        all |= views[v];
    }
    CHECK_EQ_INT(all, TUI_IN_ALL);
    char b[16];
    CHECK_EQ_STR(tui_key_name(TUI_KEY_PGDN, b), "PgDn");
    CHECK_EQ_STR(tui_key_name(TUI_CTRL('l'), b), "^L");
    CHECK_EQ_STR(tui_key_name(' ', b), "Space");
    CHECK_EQ_STR(tui_key_name('\\', b), "\\");
    CHECK_EQ_STR(tui_key_name(TUI_KEY_TAB, b), "Tab");
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) n = 0;
    fclose(f);
    if (buf) buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

/* The text between the begin and end marker lines of `path` must be `want`;
 * with update, it is replaced. */
static void check_section(const char *rel, const char *begin, const char *end, const char *want,
                          bool update)
{
    char path[1024];
    const char *src = getenv("TLSSCOPE_SRC");
    snprintf(path, sizeof path, "%s/%s", src ? src : ".", rel);
    size_t len;
    char *doc = slurp(path, &len);
    CHECK(doc != NULL);
    if (!doc) return;
    char *b = strstr(doc, begin), *e = b ? strstr(b, end) : NULL;
    CHECK(b != NULL && e != NULL);
    if (!b || !e) {
        fprintf(stderr, "%s: markers %s / %s missing\n", rel, begin, end);
        free(doc);
        return;
    }
    char *body = strchr(b, '\n') + 1;
    /* the end marker starts its line */
    while (e > body && e[-1] != '\n') e--;
    size_t have = (size_t)(e - body);
    if (update) {
        FILE *f = fopen(path, "wb");
        CHECK(f != NULL);
        if (f) {
            fwrite(doc, 1, (size_t)(body - doc), f);
            fputs(want, f);
            fwrite(e, 1, len - (size_t)(e - doc), f);
            fclose(f);
        }
    } else {
        bool same = have == strlen(want) && memcmp(body, want, have) == 0;
        if (!same)
            fprintf(stderr,
                    "%s: the key table differs from ui/tui_cmd.h; run test_tui_keys --update\n",
                    rel);
        CHECK(same);
    }
    free(doc);
}

int main(int argc, char **argv)
{
    bool update = argc > 1 && strcmp(argv[1], "--update") == 0;
    test_table();
    struct sbuf md, man;
    sbuf_init(&md, 0);
    sbuf_init(&man, 0);
    tui_keys_markdown(&md);
    tui_keys_man(&man);
    check_section("README.md", "<!-- tui-keys:begin", "<!-- tui-keys:end", sbuf_str(&md), update);
    check_section("man/tlsscope.1", ".\\\" tui-keys:begin", ".\\\" tui-keys:end", sbuf_str(&man),
                  update);
    sbuf_free(&md);
    sbuf_free(&man);
    return check_summary();
}
