/* tui_text.c — widths, cutting, wrapping and column layout (see tui_text.h). */
#include "tui_text.h"

#include <stdint.h>
#include <string.h>
#include <wchar.h>

#include "common/escape.h"

/* Decode one character: returns its length in bytes (>= 1, a byte the
 * locale cannot decode counts as one character of width 1) and its width. */
static size_t char_at(const char *s, size_t n, int *width)
{
    mbstate_t st;
    wchar_t wc;
    memset(&st, 0, sizeof(st));
    size_t l = mbrtowc(&wc, s, n, &st);
    if (l == (size_t)-1 || l == (size_t)-2 || l == 0) {
        *width = 1;
        return 1;
    }
    int w = wcwidth(wc);
    *width = w < 0 ? 1 : w;
    return l;
}

int tui_text_width_n(const char *s, size_t n)
{
    int cols = 0;
    size_t i = 0;
    while (i < n && s[i]) {
        int w;
        i += char_at(s + i, n - i, &w);
        cols += w;
    }
    return cols;
}

int tui_text_width(const char *s) { return tui_text_width_n(s, strlen(s)); }

size_t tui_text_fit(const char *s, int cols, int *used)
{
    size_t n = strlen(s), i = 0;
    int u = 0;
    while (i < n) {
        int w;
        size_t l = char_at(s + i, n - i, &w);
        if (u + w > cols) break;
        u += w;
        i += l;
        /* keep combining marks with the character they belong to */
        while (i < n) {
            int w2;
            size_t l2 = char_at(s + i, n - i, &w2);
            mbstate_t st;
            wchar_t wc;
            memset(&st, 0, sizeof(st));
            if (mbrtowc(&wc, s + i, n - i, &st) == l2 && wcwidth(wc) == 0 && wc != 0) {
                i += l2;
                continue;
            }
            break;
        }
    }
    if (used) *used = u;
    return i;
}

static void put_hex(struct sbuf *out, const char *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t k = 0; k < n; k++) {
        uint8_t b = (uint8_t)p[k];
        char e[4] = {'\\', 'x', hex[b >> 4], hex[b & 15]};
        sbuf_append(out, e, 4);
    }
}

void tui_text_clean(struct sbuf *out, const char *s, size_t n)
{
    size_t i = 0;
    bool start = true;
    while (i < n) {
        unsigned char b = (unsigned char)s[i];
        if (b >= 0x20 && b < 0x7f) {
            size_t j = i;
            while (j < n && (unsigned char)s[j] >= 0x20 && (unsigned char)s[j] < 0x7f) j++;
            sbuf_append(out, s + i, j - i);
            i = j;
            start = false;
            continue;
        }
        mbstate_t st;
        wchar_t wc;
        memset(&st, 0, sizeof(st));
        size_t l = mbrtowc(&wc, s + i, n - i, &st);
        if (l == (size_t)-1 || l == (size_t)-2 || l == 0) {
            put_hex(out, s + i, 1);
            i++;
        } else {
            int w = wcwidth(wc);
            if (w < 0 || (w == 0 && start))
                put_hex(out, s + i, l);
            else
                sbuf_append(out, s + i, l);
            i += l;
        }
        start = false;
    }
}

void tui_esc(struct sbuf *out, const void *p, size_t n, bool utf8)
{
    struct sbuf tmp;
    sbuf_init(&tmp, out->max);
    esc_text(&tmp, p, n, utf8);
    tui_text_clean(out, sbuf_str(&tmp), tmp.len);
    sbuf_free(&tmp);
}

void tui_esc_str(struct sbuf *out, const char *s, bool utf8) { tui_esc(out, s, strlen(s), utf8); }

size_t tui_text_wrap(const char *s, int width, void (*line)(void *ctx, const char *p, size_t len),
                     void *ctx)
{
    size_t nlines = 0, n = strlen(s), i = 0;
    if (width < 1) width = 1;
    if (n == 0) {
        line(ctx, s, 0);
        return 1;
    }
    while (i < n) {
        /* one line starting at i; the last break opportunity seen is kept as
         * (brk_end, brk_next): a space is dropped, a ':' stays on the line
         * (long fingerprints and "DNS:a,b" lists have no spaces) */
        size_t j = i, brk_end = 0, brk_next = 0;
        int cols = 0;
        bool newline = false;
        while (j < n) {
            if (s[j] == '\n') {
                newline = true;
                break;
            }
            int w;
            size_t l = char_at(s + j, n - j, &w);
            if (cols + w > width) break;
            cols += w;
            j += l;
            if (s[j - 1] == ' ' && j - 1 > i) {
                brk_end = j - 1;
                brk_next = j;
            } else if (s[j - 1] == ':' && j < n && s[j] != ' ') {
                brk_end = brk_next = j;
            }
        }
        size_t end, next;
        if (newline) {
            end = j;
            next = j + 1;
        } else if (j >= n) {
            end = next = n;
        } else if (s[j] == ' ') { /* the line is full at a word's end */
            end = j;
            next = j + 1;
        } else if (brk_next > i) { /* back to the last break opportunity */
            end = brk_end;
            next = brk_next;
        } else {          /* one word longer than the line */
            if (j == i) { /* a character wider than the line: alone */
                int w;
                j = i + char_at(s + i, n - i, &w);
            }
            end = next = j;
        }
        while (end > i && s[end - 1] == ' ') end--;
        line(ctx, s + i, end - i);
        nlines++;
        i = next;
        /* spaces at the start of a wrapped line are dropped, not after '\n' */
        if (!newline)
            while (i < n && s[i] == ' ') i++;
        if (newline && i == n) {
            line(ctx, s + i, 0);
            nlines++;
        }
    }
    return nlines;
}

int tui_layout(const struct tui_col *cols, int n, int width, int gap, int *w)
{
    /* Every column is two claims on the width: its minimum (at `keep`) and
     * the growth from min to want (at `keep_want`, default `keep`). Claims
     * are granted in order of importance while there is room; a column
     * whose minimum does not fit is hidden. */
    struct claim {
        int col;
        bool grow;
        int prio;
    } claims[128];
    int m = 0;
    if (n > 64) n = 64;
    /* the most important column is always there, cut if need be */
    int top = -1;
    for (int i = 0; i < n; i++)
        if (top < 0 || cols[i].keep > cols[top].keep) top = i;
    if (top >= 0 && cols[top].min > width) {
        for (int i = 0; i < n; i++) w[i] = 0;
        if (width <= 0) return 0;
        w[top] = width;
        return 1;
    }
    for (int i = 0; i < n; i++) {
        w[i] = 0;
        claims[m++] = (struct claim){i, false, cols[i].keep};
        claims[m++] = (struct claim){i, true, cols[i].keep_want ? cols[i].keep_want : cols[i].keep};
    }
    /* stable sort by priority, highest first; a minimum before its growth */
    for (int a = 1; a < m; a++)
        for (int b = a; b > 0; b--) {
            struct claim *x = &claims[b - 1], *y = &claims[b];
            bool swap = y->prio > x->prio || (y->prio == x->prio && y->col == x->col && !y->grow);
            if (!swap) break;
            struct claim tmp = *x;
            *x = *y;
            *y = tmp;
        }
    long used = 0;
    int nvis = 0;
    for (int k = 0; k < m; k++) {
        int i = claims[k].col;
        if (!claims[k].grow) {
            long g = nvis ? gap : 0;
            if (cols[i].min < 1 || used + g + cols[i].min > width) continue;
            w[i] = cols[i].min;
            used += g + cols[i].min;
            nvis++;
        } else if (w[i] && cols[i].want > w[i] && used < width) {
            long add = cols[i].want - w[i];
            if (add > width - used) add = width - used;
            w[i] += (int)add;
            used += add;
        }
    }
    if (nvis == 0) return 0;
    long rest = width - used;
    /* then up to max, most important first; the rest to max == 0 columns */
    for (int k = 0; k < m && rest > 0; k++) {
        int i = claims[k].col;
        if (claims[k].grow || !w[i] || cols[i].max <= w[i]) continue;
        long add = cols[i].max - w[i];
        if (add > rest) add = rest;
        w[i] += (int)add;
        rest -= add;
    }
    int nflex = 0;
    for (int i = 0; i < n; i++)
        if (w[i] && cols[i].max == 0) nflex++;
    for (int k = 0; k < m && rest > 0 && nflex > 0; k++) {
        int i = claims[k].col;
        if (claims[k].grow || !w[i] || cols[i].max != 0) continue;
        long add = rest / nflex--;
        if (nflex == 0) add = rest;
        w[i] += (int)add;
        rest -= add;
    }
    return nvis;
}
