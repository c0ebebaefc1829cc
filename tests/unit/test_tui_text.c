/* test_tui_text.c — terminal text without curses: display widths in a UTF-8
 * locale (wide CJK, combining marks), cutting at character boundaries,
 * making escaped text safe for curses, word wrapping, and the column layout
 * of the connection list at the widths people use (160, 120, 80, 40). */
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ui/tui_text.h"

static void test_width_fit(void)
{
    int used;
    CHECK_EQ_INT(tui_text_width("abc"), 3);
    CHECK_EQ_INT(tui_text_width("h\xc3\xa9llo"), 5);             /* é: 2 bytes, 1 column */
    CHECK_EQ_INT(tui_text_width("\xe4\xbe\x8b\xe3\x81\x88"), 4); /* 例え: 2 columns each */
    CHECK_EQ_INT(tui_text_width("u\xcc\x88x"), 2);               /* u + combining diaeresis */
    CHECK_EQ_INT(tui_text_width("\xff"
                                "a"),
                 2);                                         /* undecodable byte: 1 */
    CHECK_EQ_INT(tui_text_fit("h\xc3\xa9llo", 3, &used), 4); /* "hél" */
    CHECK_EQ_INT(used, 3);
    CHECK_EQ_INT(tui_text_fit("\xe4\xbe\x8b\xe3\x81\x88", 3, &used), 3); /* "例" only */
    CHECK_EQ_INT(used, 2);
    CHECK_EQ_INT(tui_text_fit("\xe4\xbe\x8b\xe3\x81\x88", 1, &used), 0); /* nothing fits */
    CHECK_EQ_INT(used, 0);
    CHECK_EQ_INT(tui_text_fit("u\xcc\x88x", 1, &used), 3); /* the mark stays with u */
    CHECK_EQ_INT(used, 1);
    CHECK_EQ_INT(tui_text_fit("abc", 10, &used), 3);
    CHECK_EQ_INT(used, 3);
}

static const char *clean(const char *in)
{
    static struct sbuf sb;
    sbuf_free(&sb);
    sbuf_init(&sb, 0);
    tui_text_clean(&sb, in, strlen(in));
    return sbuf_str(&sb);
}

static const char *esc(const char *in, bool utf8)
{
    static struct sbuf sb;
    sbuf_free(&sb);
    sbuf_init(&sb, 0);
    tui_esc(&sb, in, strlen(in), utf8);
    return sbuf_str(&sb);
}

static void test_clean(void)
{
    CHECK_EQ_STR(clean("plain"), "plain");
    CHECK_EQ_STR(clean("caf\xc3\xa9"), "caf\xc3\xa9");
    CHECK_EQ_STR(clean("\xcc\x88"
                       "a"),
                 "\\xcc\\x88a");                            /* nothing to combine with */
    CHECK_EQ_STR(clean("a\xcc\x88"), "a\xcc\x88");          /* combines with a */
    CHECK_EQ_STR(clean("\xef\xbf\xbf"), "\\xef\\xbf\\xbf"); /* U+FFFF: not printable */
    CHECK_EQ_STR(clean("\xfe"), "\\xfe");
    /* capture bytes: control characters never pass */
    CHECK_EQ_STR(esc("\x1b[2J\x07", true), "\\x1b[2J\\x07");
    CHECK_EQ_STR(esc("\xc2\x9b"
                     "1m",
                     true),
                 "\\xc2\\x9b1m"); /* C1 CSI */
    CHECK_EQ_STR(esc("\xe4\xbe\x8b", true), "\xe4\xbe\x8b");
    CHECK_EQ_STR(esc("\xe4\xbe\x8b", false), "\\xe4\\xbe\\x8b"); /* ASCII terminal */
}

struct lines {
    char text[16][64];
    int n;
};

static void collect(void *ctx, const char *p, size_t len)
{
    struct lines *l = ctx;
    if (l->n < 16) snprintf(l->text[l->n++], 64, "%.*s", (int)len, p);
}

static const char *wrap(const char *s, int width)
{
    static char out[512];
    struct lines l = {.n = 0};
    size_t n = tui_text_wrap(s, width, collect, &l);
    CHECK_EQ_INT(n, l.n);
    out[0] = '\0';
    for (int i = 0; i < l.n; i++) {
        if (i) strcat(out, "|");
        strcat(out, l.text[i]);
    }
    return out;
}

static void test_wrap(void)
{
    CHECK_EQ_STR(wrap("aaa bbb ccc", 7), "aaa bbb|ccc");
    CHECK_EQ_STR(wrap("aaa bbb ccc", 8), "aaa bbb|ccc");
    CHECK_EQ_STR(wrap("aaa bbb ccc", 11), "aaa bbb ccc");
    CHECK_EQ_STR(wrap("aaa  bbb", 4), "aaa|bbb");         /* spaces at a break go */
    CHECK_EQ_STR(wrap("abcdefghij", 4), "abcd|efgh|ij");  /* a word longer than a line */
    CHECK_EQ_STR(wrap("37:a5:22:82", 6), "37:a5:|22:82"); /* fingerprints break after ':' */
    CHECK_EQ_STR(wrap("x\ny", 10), "x|y");
    CHECK_EQ_STR(wrap("x\n", 10), "x|");
    CHECK_EQ_STR(wrap("", 10), "");
    CHECK_EQ_STR(wrap("\xe4\xbe\x8b\xe3\x81\x88\xe4\xbe\x8b", 3), /* 例え例: 2 columns each */
                 "\xe4\xbe\x8b|\xe3\x81\x88|\xe4\xbe\x8b");
    CHECK_EQ_STR(wrap("\xe4\xbe\x8b", 1), "\xe4\xbe\x8b"); /* wider than the line: alone */
    CHECK_EQ_STR(wrap("caf\xc3\xa9 caf\xc3\xa9", 4), "caf\xc3\xa9|caf\xc3\xa9");
}

/* the connection list's columns (ui/view_list.c) for typical content */
enum { SEQ, TIME, CLIENT, SERVER, SNI, VER, CIPHER, CN, VERDICT, N };
static const struct tui_col conn_cols[N] = {
    [SEQ] = {1, 1, 1, 15, 0},       [TIME] = {8, 12, 12, 60, 0}, [CLIENT] = {17, 17, 17, 20, 0},
    [SERVER] = {15, 17, 17, 95, 0}, [SNI] = {15, 16, 16, 92, 0}, [VER] = {7, 7, 7, 45, 0},
    [CIPHER] = {12, 29, 29, 35, 0}, [CN] = {12, 18, 18, 70, 0},  [VERDICT] = {16, 48, 0, 100, 90},
};

static const char *layout(int width)
{
    static char out[128];
    int w[N], k = 0, sum = 0, vis = 0;
    int n = tui_layout(conn_cols, N, width, 1, w);
    for (int i = 0; i < N; i++) {
        k += snprintf(out + k, sizeof out - (size_t)k, "%s%d", i ? "," : "", w[i]);
        if (w[i]) {
            sum += w[i];
            vis++;
        }
    }
    CHECK_EQ_INT(n, vis);
    CHECK(sum + (vis - 1) <= width); /* never wider than the screen */
    return out;
}

static void test_layout(void)
{
    /* 160: everything but the client; the verdict takes the rest */
    CHECK_EQ_STR(layout(160), "1,12,0,17,16,7,29,18,53");
    /* 120: version and cipher go, the verdict keeps its 48 */
    CHECK_EQ_STR(layout(120), "1,12,0,17,16,0,0,18,51");
    /* 80: server, SNI and the verdict with its reason */
    CHECK_EQ_STR(layout(80), "0,0,0,17,16,0,0,0,45");
    /* 40: server and a verdict */
    CHECK_EQ_STR(layout(40), "0,0,0,17,0,0,0,0,22");
    /* 20: the verdict alone */
    CHECK_EQ_STR(layout(20), "0,0,0,0,0,0,0,0,20");
    /* narrower than the verdict's minimum: the verdict alone, cut (not the
     * time, whose minimum would fit) */
    CHECK_EQ_STR(layout(10), "0,0,0,0,0,0,0,0,10");

    /* a flex column shares what is left; max caps growth */
    struct tui_col two[2] = {{5, 5, 0, 50, 0}, {5, 5, 0, 40, 0}};
    int w[2];
    CHECK_EQ_INT(tui_layout(two, 2, 21, 1, w), 2);
    CHECK_EQ_INT(w[0], 10);
    CHECK_EQ_INT(w[1], 10);
    struct tui_col capped[2] = {{4, 6, 8, 50, 0}, {4, 4, 4, 40, 0}};
    CHECK_EQ_INT(tui_layout(capped, 2, 30, 2, w), 2);
    CHECK_EQ_INT(w[0], 8);
    CHECK_EQ_INT(w[1], 4);
    CHECK_EQ_INT(tui_layout(capped, 2, 0, 2, w), 0);
}

int main(void)
{
    if (!setlocale(LC_CTYPE, "C.UTF-8")) {
        fprintf(stderr, "no C.UTF-8 locale\n");
        return 1;
    }
    test_width_fit();
    test_clean();
    test_wrap();
    test_layout();
    return check_summary();
}
