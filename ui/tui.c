/* tui.c — the ncurses browser: terminal (or headless virtual screen) set-up,
 * the loop that interleaves reading the capture with keyboard input, the
 * frame around the views (title bar, status bar, message/prompt line),
 * prompts, certificate export, and run_tui(). The views stand below it:
 * what they draw with and the view stack are tui_screen.c, and what they
 * ask of the browser (open a connection, export) comes through the
 * open_conn and export_prompt hooks set here.
 *
 * Loading: pipeline_step() is called in slices of about 40 ms between
 * non-blocking reads of the keyboard, and the screen is redrawn at most ten
 * times a second while loading, so a large capture shows its progress and
 * the list fills in as connections finish. The same loop serves a live
 * source: "loading" then lasts until q/Ctrl-C; pipeline_step() must return
 * (1) when capsrc_next() gives CAP_AGAIN, so the live front end should set
 * cap_live_opts.wakeup_ms (e.g. 100) for the keyboard to stay responsive;
 * the signal handler breaks a blocking read either way. Records judged
 * while their connection is still open are listed at once (judged()). 
 *
 * Headless mode (tests): TLSSCOPE_TUI_SCRIPT="keys" renders into a virtual
 * screen (curses on /dev/null, resized to TLSSCOPE_TUI_SIZE, default 80x24)
 * and writes screen dumps to stdout at <Dump> and at the end of the script.
 * Script keys: characters as themselves, and <Enter> <Esc> <Tab> <S-Tab>
 * <Up> <Down> <Left> <Right> <PgUp> <PgDn> <Home> <End> <Backspace>
 * <Delete> <F1> <Space> <lt> <C-x> (control keys; <C-c> acts like SIGINT),
 * <Resize COLSxROWS>, <Wait> (finish loading), <Dump>. The capture is read
 * completely before the first key unless TLSSCOPE_TUI_BUDGET=N, which reads
 * N packets before each key (to test loading and stopping).
 * TLSSCOPE_TUI_VERDICTS=1 (headless only) also lists, at the end, every
 * connection the browser holds as "#N status code depth" and what it counts
 * as lost: tests/t_agree.sh compares that with the batch report.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/escape.h"
#include "common/timefmt.h"
#include "dissect/names.h"
#include "report/report.h"
#include "tui_internal.h"

#define LOAD_SLICE_MS 40      /* reading between two keyboard polls */
#define LOAD_DRAW_MS 100      /* screen refresh while loading */
#define LOAD_STEP_PACKETS 256 /* packets per pipeline_step inside a slice */
#define IDLE_POLL_MS 1000     /* keyboard timeout when nothing is loading */

static volatile sig_atomic_t g_sigint, g_sigterm;
static struct pipeline *volatile g_pipe;

static void on_signal(int sig)
{
    if (sig == SIGINT)
        g_sigint = 1;
    else
        g_sigterm = 1;
    /* breaks a blocking live read; for files the loop notices g_sigint */
    struct pipeline *p = g_pipe;
    if (p) pipeline_stop(p);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- styles --------------------------------------------------------------- */

static void styles_init(struct tui *t)
{
    for (int i = 0; i < ST__N; i++) t->style[i] = A_NORMAL;
    if (t->color && has_colors() && start_color() == OK) {
        short bg = use_default_colors() == OK ? -1 : COLOR_BLACK;
        init_pair(1, COLOR_GREEN, bg);
        init_pair(2, COLOR_RED, bg);
        init_pair(3, COLOR_YELLOW, bg);
        init_pair(4, COLOR_WHITE, COLOR_BLUE);
        init_pair(5, COLOR_BLACK, COLOR_CYAN);
        init_pair(6, COLOR_CYAN, bg);
        t->style[ST_TITLE] = COLOR_PAIR(4) | A_BOLD;
        t->style[ST_COLHEAD] = A_BOLD | A_UNDERLINE;
        t->style[ST_STATUS] = COLOR_PAIR(5);
        t->style[ST_OK] = COLOR_PAIR(1);
        t->style[ST_FAIL] = COLOR_PAIR(2) | A_BOLD;
        t->style[ST_NJ] = COLOR_PAIR(3);
        t->style[ST_NOSNI] = COLOR_PAIR(6);
        t->style[ST_LABEL] = A_BOLD;
        t->style[ST_HEADING] = COLOR_PAIR(3) | A_BOLD;
        t->style[ST_DIM] = A_DIM;
        t->style[ST_ANCHOR] = COLOR_PAIR(1);
        t->style[ST_ERROR] = COLOR_PAIR(2) | A_BOLD;
    } else {
        /* monochrome: the text markers carry the meaning, attributes help */
        t->color = false;
        t->style[ST_TITLE] = A_REVERSE | A_BOLD;
        t->style[ST_COLHEAD] = A_BOLD | A_UNDERLINE;
        t->style[ST_STATUS] = A_REVERSE;
        t->style[ST_FAIL] = A_BOLD;
        t->style[ST_LABEL] = A_BOLD;
        t->style[ST_HEADING] = A_BOLD | A_UNDERLINE;
        t->style[ST_DIM] = A_DIM;
        t->style[ST_ERROR] = A_BOLD;
    }
}

/* t->open_conn (tui_open_conn) */
static bool open_conn(struct tui *t, uint64_t seq)
{
    struct tui_conn *c = tui_store_find(&t->store, seq);
    if (!c) {
        tui_message(t, true, "connection #%llu is not in the list (dropped for --max-conns?)",
                    (unsigned long long)seq);
        return false;
    }
    tui_push(t, view_detail_new(t, c));
    return true;
}

/* The top lists in Tab order: connections, servers, log (those there are). */
static int top_views(struct tui *t, struct view **out)
{
    int n = 0;
    if (!t->log_only) {
        out[n++] = t->conns;
        out[n++] = t->servers;
    }
    if (t->log) out[n++] = t->log;
    return n;
}

static struct view *next_top(struct tui *t, struct view *root, int dir)
{
    struct view *tops[3] = {t->conns, t->servers, t->log};
    int n = top_views(t, tops), i = 0;
    while (i < n && tops[i] != root) i++;
    if (i == n) return n ? tops[0] : root;
    return tops[((i + dir) % n + n) % n];
}

/* L: the Log view; from a connection (or a page opened from it), the row of
 * its log failure. */
static void show_log(struct tui *t)
{
    if (!t->log) {
        tui_message(t, true, "no Expressway log: give a diagnostic bundle, or --log FILE");
        return;
    }
    uint64_t seq = 0;
    long failure = -1;
    for (struct view *v = t->cur; v && !seq && failure < 0; v = v->parent) {
        if (v->ops->where == TUI_IN_DETAIL) seq = view_detail_seq(v);
        if (v->ops->where == TUI_IN_LOGENTRY) failure = (long)view_logentry_failure(v);
    }
    tui_show_top(t, t->log);
    if (failure >= 0)
        view_log_select_failure(t, t->log, (size_t)failure);
    else if (seq && !view_log_select_seq(t, t->log, seq))
        tui_message(t, false, "the log has no line about connection #%llu",
                    (unsigned long long)seq);
}

static void view_move(struct tui *t, struct view *v, enum tui_req req)
{
    int h = tui_body_height(t);
    if (h < 1) h = 1;
    int *pos = v->ops->line_cursor ? &v->cursor : &v->top;
    switch (req) {
    case TUI_REQ_UP: (*pos)--; break;
    case TUI_REQ_DOWN: (*pos)++; break;
    case TUI_REQ_PAGE_UP:
        *pos -= h;
        if (v->ops->line_cursor) v->top -= h;
        break;
    case TUI_REQ_PAGE_DOWN:
        *pos += h;
        if (v->ops->line_cursor) v->top += h;
        break;
    case TUI_REQ_FIRST: *pos = 0; break;
    case TUI_REQ_LAST: *pos = v->nrows; break;
    default: break;
    }
    if (v->ops->line_cursor) {
        /* a page move keeps the cursor's place on the screen */
        if (v->top > v->nrows - h) v->top = v->nrows - h;
        if (v->top < 0) v->top = 0;
    }
    view_clamp(t, v);
}

/* ---- search --------------------------------------------------------------- */

static void search_step(struct tui *t, struct view *v, int dir, bool include_current)
{
    if (!v->search[0]) {
        tui_message(t, false, "no search yet: press / to search");
        return;
    }
    if (!v->ops->row_matches || v->nrows == 0) {
        tui_message(t, true, "no match for \"%s\"", v->search);
        return;
    }
    int start = v->cursor;
    for (int k = include_current ? 0 : 1; k <= v->nrows; k++) {
        int row = ((start + dir * k) % v->nrows + v->nrows) % v->nrows;
        if (!v->ops->row_matches(t, v, row, v->search)) continue;
        bool wrapped = dir > 0 ? row < start : row > start;
        if (row == start && !include_current) {
            tui_message(t, false, "the only match for \"%s\"", v->search);
            return;
        }
        if (v->ops->line_cursor) {
            v->cursor = row;
        } else {
            v->top = row;
        }
        view_clamp(t, v);
        if (wrapped) tui_message(t, false, "search wrapped around");
        return;
    }
    tui_message(t, true, "no match for \"%s\"", v->search);
}

/* ---- prompts -------------------------------------------------------------- */

static void prompt_set(struct tui *t, const char *text)
{
    struct tui_prompt *pr = &t->prompt;
    mbstate_t st;
    memset(&st, 0, sizeof(st));
    const char *src = text;
    size_t n = mbsrtowcs(pr->buf, &src, TUI_PROMPT_MAX - 1, &st);
    if (n == (size_t)-1) n = 0;
    pr->len = pr->pos = (int)n;
    pr->buf[n] = 0;
}

static void prompt_text(const struct tui *t, char *out, size_t len)
{
    const struct tui_prompt *pr = &t->prompt;
    size_t k = 0;
    mbstate_t st;
    memset(&st, 0, sizeof(st));
    for (int i = 0; i < pr->len; i++) {
        char mb[MB_LEN_MAX];
        size_t l = wcrtomb(mb, pr->buf[i], &st);
        if (l == (size_t)-1 || k + l >= len) break;
        memcpy(out + k, mb, l);
        k += l;
    }
    out[k] = '\0';
}

static void prompt_start(struct tui *t, enum tui_prompt_kind kind, const char *label,
                         const char *initial)
{
    struct tui_prompt *pr = &t->prompt;
    pr->kind = kind;
    snprintf(pr->label, sizeof(pr->label), "%s", label);
    prompt_set(t, initial ? initial : "");
    t->msg[0] = '\0';
}

static void prompt_end(struct tui *t)
{
    struct tui_prompt *pr = &t->prompt;
    if (pr->pin) tui_store_unpin(&t->store, pr->pin);
    pr->pin = NULL;
    pr->kind = PROMPT_NONE;
    pr->n_certs = 0;
}

/* Copy typed text into a fixed buffer, cutting at a character boundary. */
static void copy_text(char *dst, size_t n, const char *src)
{
    size_t l = strlen(src);
    if (l >= n) {
        l = n - 1;
        while (l > 0 && ((unsigned char)src[l] & 0xC0) == 0x80) l--;
    }
    memcpy(dst, src, l);
    dst[l] = '\0';
}

/* the filter the current view edits */
static struct tui_filter *cur_filter(struct tui *t);

static void filter_apply(struct tui *t, const char *text)
{
    struct tui_filter *f = cur_filter(t);
    if (!f) return;
    copy_text(f->text, sizeof(f->text), text);
    t->filter_gen++;
}

static int write_pem(const char *path, const struct cert *const *certs, int n, bool overwrite)
{
    int fd = open(
        path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (overwrite ? O_TRUNC : O_EXCL), 0644);
    if (fd < 0) return -errno;
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        size_t cap = (size_t)certs[i]->der_len * 2 + 128, w = 0;
        char *pem = malloc(cap);
        if (!pem) {
            rc = -ENOMEM;
        } else if (cert_write_pem(certs[i], pem, cap, &w) != 0) {
            rc = -EINVAL;
        } else {
            for (size_t off = 0; off < w && rc == 0;) {
                ssize_t k = write(fd, pem + off, w - off);
                if (k < 0 && errno == EINTR) continue;
                if (k <= 0)
                    rc = -errno;
                else
                    off += (size_t)k;
            }
        }
        free(pem);
    }
    if (close(fd) != 0 && rc == 0) rc = -errno;
    return rc;
}

static void export_finish(struct tui *t, const char *path, bool overwrite)
{
    struct tui_prompt *pr = &t->prompt;
    int rc = write_pem(path, pr->certs, pr->n_certs, overwrite);
    struct sbuf shown;
    sbuf_init(&shown, 8192);
    tui_esc_str(&shown, path, t->utf8);
    if (rc == -EEXIST && !overwrite) {
        snprintf(pr->path, sizeof(pr->path), "%s", path);
        char label[96];
        snprintf(label, sizeof(label), "File exists. Overwrite? (y/N) ");
        pr->kind = PROMPT_CONFIRM;
        snprintf(pr->label, sizeof(pr->label), "%s", label);
        prompt_set(t, "");
        tui_message(t, true, "%s exists", sbuf_str(&shown));
        sbuf_free(&shown);
        return;
    }
    if (rc == 0) {
        /* the full path: "wrote x.pem" leaves the reader to guess where the
         * browser was started */
        char *abs = realpath(path, NULL);
        if (abs) {
            sbuf_reset(&shown);
            tui_esc_str(&shown, abs, t->utf8);
            free(abs);
        }
        char fp[100];
        cert_fingerprint_hex(pr->certs[0]->sha256, 32, fp, sizeof(fp), false);
        if (pr->n_certs == 1 && !pr->chain)
            tui_message(t, false, "wrote %s (sha256 %.16s...)", sbuf_str(&shown), fp);
        else
            tui_message(t, false, "wrote %s (%d certificate%s)", sbuf_str(&shown), pr->n_certs,
                        pr->n_certs == 1 ? "" : "s");
    } else if (rc == -ELOOP) {
        tui_message(t, true, "%s is a symbolic link: not written", sbuf_str(&shown));
    } else {
        tui_message(t, true, "cannot write %s: %s", sbuf_str(&shown), strerror(-rc));
    }
    sbuf_free(&shown);
    prompt_end(t);
}

static void prompt_accept(struct tui *t)
{
    struct tui_prompt *pr = &t->prompt;
    char text[4 * TUI_PROMPT_MAX];
    prompt_text(t, text, sizeof(text));
    switch (pr->kind) {
    case PROMPT_SEARCH: {
        struct view *v = t->cur;
        prompt_end(t);
        if (!text[0]) {
            v->search[0] = '\0';
            return;
        }
        copy_text(v->search, sizeof(v->search), text);
        search_step(t, v, 1, true);
        break;
    }
    case PROMPT_FILTER:
        prompt_end(t);
        filter_apply(t, text);
        break;
    case PROMPT_EXPORT: {
        if (!text[0]) {
            prompt_end(t);
            tui_message(t, false, "export cancelled");
            return;
        }
        char path[4096];
        const char *home = getenv("HOME");
        if (text[0] == '~' && text[1] == '/' && home && home[0])
            snprintf(path, sizeof(path), "%s/%s", home, text + 2);
        else
            snprintf(path, sizeof(path), "%s", text);
        export_finish(t, path, false);
        break;
    }
    case PROMPT_CONFIRM:
        if (text[0] == 'y' || text[0] == 'Y') {
            char path[4096];
            snprintf(path, sizeof(path), "%s", pr->path);
            export_finish(t, path, true);
        } else {
            prompt_end(t);
            tui_message(t, false, "not overwritten");
        }
        break;
    default: prompt_end(t); break;
    }
}

static void prompt_key(struct tui *t, int key)
{
    struct tui_prompt *pr = &t->prompt;
    bool edited = false;
    if (pr->kind == PROMPT_CONFIRM && key > ' ' && key < 127) {
        /* one keystroke answers */
        prompt_set(t, (char[]){(char)key, 0});
        prompt_accept(t);
        return;
    }
    switch (key) {
    case TUI_KEY_ENTER: prompt_accept(t); return;
    case TUI_KEY_ESC:
    case TUI_CTRL('g'):
    case TUI_CTRL('c'):
        if (pr->kind == PROMPT_FILTER) filter_apply(t, pr->saved);
        if (pr->kind == PROMPT_EXPORT || pr->kind == PROMPT_CONFIRM)
            tui_message(t, false, "export cancelled");
        prompt_end(t);
        return;
    case TUI_KEY_LEFT:
        if (pr->pos > 0) pr->pos--;
        break;
    case TUI_KEY_RIGHT:
        if (pr->pos < pr->len) pr->pos++;
        break;
    case TUI_KEY_HOME:
    case TUI_CTRL('a'): pr->pos = 0; break;
    case TUI_KEY_END:
    case TUI_CTRL('e'): pr->pos = pr->len; break;
    case TUI_KEY_BACKSPACE:
        if (pr->pos > 0) {
            memmove(pr->buf + pr->pos - 1, pr->buf + pr->pos,
                    (size_t)(pr->len - pr->pos) * sizeof(wchar_t));
            pr->pos--;
            pr->len--;
            edited = true;
        }
        break;
    case TUI_KEY_DELETE:
    case TUI_CTRL('d'):
        if (pr->pos < pr->len) {
            memmove(pr->buf + pr->pos, pr->buf + pr->pos + 1,
                    (size_t)(pr->len - pr->pos - 1) * sizeof(wchar_t));
            pr->len--;
            edited = true;
        }
        break;
    case TUI_CTRL('u'):
        memmove(pr->buf, pr->buf + pr->pos, (size_t)(pr->len - pr->pos) * sizeof(wchar_t));
        pr->len -= pr->pos;
        pr->pos = 0;
        edited = true;
        break;
    case TUI_CTRL('k'):
        pr->len = pr->pos;
        edited = true;
        break;
    case TUI_CTRL('w'): {
        int p = pr->pos;
        while (p > 0 && pr->buf[p - 1] == ' ') p--;
        while (p > 0 && pr->buf[p - 1] != ' ' && pr->buf[p - 1] != '/') p--;
        memmove(pr->buf + p, pr->buf + pr->pos, (size_t)(pr->len - pr->pos) * sizeof(wchar_t));
        pr->len -= pr->pos - p;
        pr->pos = p;
        edited = true;
        break;
    }
    default:
        /* printable characters only: nothing typed reaches the terminal raw */
        if (key >= ' ' && key < TUI_KEY_SPECIAL && key != 127 && wcwidth((wchar_t)key) >= 0 &&
            pr->len < TUI_PROMPT_MAX - 1) {
            memmove(pr->buf + pr->pos + 1, pr->buf + pr->pos,
                    (size_t)(pr->len - pr->pos) * sizeof(wchar_t));
            pr->buf[pr->pos++] = (wchar_t)key;
            pr->len++;
            edited = true;
        }
        break;
    }
    pr->buf[pr->len] = 0;
    if (edited && pr->kind == PROMPT_FILTER) {
        char text[4 * TUI_PROMPT_MAX];
        prompt_text(t, text, sizeof(text));
        filter_apply(t, text); /* the list follows as you type */
    }
}

/* t->export_prompt (tui_export_prompt) */
static void export_prompt(struct tui *t, struct tui_conn *pin, const struct cert *const *certs,
                          int n, bool chain)
{
    struct tui_prompt *pr = &t->prompt;
    if (n <= 0) {
        tui_message(t, true, "no certificate to export");
        return;
    }
    if (n > TUI_EXPORT_MAX) n = TUI_EXPORT_MAX;
    char name[256], path[4096], label[96];
    report_cert_filename(certs[0], chain ? "_chain" : NULL, name, sizeof(name));
    if (t->o->export_dir)
        snprintf(path, sizeof(path), "%s/%s", t->o->export_dir, name);
    else
        snprintf(path, sizeof(path), "%s", name);
    if (chain)
        snprintf(label, sizeof(label), "Export chain (%d certificate%s) to: ", n,
                 n == 1 ? "" : "s");
    else
        snprintf(label, sizeof(label), "Export certificate to: ");
    prompt_end(t);
    prompt_start(t, PROMPT_EXPORT, label, path);
    for (int i = 0; i < n; i++) pr->certs[i] = certs[i];
    pr->n_certs = n;
    pr->chain = chain;
    pr->pin = pin;
    if (pin) tui_store_pin(&t->store, pin);
}

/* ---- the frame ------------------------------------------------------------ */

static void draw_title(struct tui *t)
{
    struct sbuf l, r;
    sbuf_init(&l, 8192);
    sbuf_init(&r, 1024);
    sbuf_puts(&l, " tlsscope  ");
    if (t->o->iface) {
        sbuf_puts(&l, "live ");
        tui_esc_str(&l, t->o->iface, t->utf8);
    }
    for (int i = 0; i < t->o->n_files + t->o->n_logs; i++) {
        /* base names: the directory rarely helps and often does not fit */
        bool log = i >= t->o->n_files;
        const char *f = log ? t->o->logs[i - t->o->n_files] : t->o->files[i];
        const char *slash = strrchr(f, '/');
        if (i) sbuf_puts(&l, ", ");
        if (log) sbuf_puts(&l, "log ");
        if (strcmp(f, "-") == 0)
            sbuf_puts(&l, "<stdin>");
        else
            tui_esc_str(&l, slash && slash[1] ? slash + 1 : f, t->utf8);
    }
    if (!t->log_only)
        sbuf_printf(&l, "  profile: %s  store: %s", verdict_profile_name(t->o->profile),
                    t->store_desc);
    const struct tui_store *s = &t->store;
    unsigned long long n = s->count[0] + s->count[1] + s->count[2];
    if (!t->log_only)
        sbuf_printf(&r, "%llu conn%s: %llu FAIL, %llu n/j, %llu OK", n, n == 1 ? "" : "s",
                    (unsigned long long)s->count[TUI_CLASS_FAILED],
                    (unsigned long long)s->count[TUI_CLASS_NOT_JUDGED],
                    (unsigned long long)s->count[TUI_CLASS_TRUSTED]);
    if (!t->log_only && s->client_failed)
        sbuf_printf(&r, "; %llu client FAIL", (unsigned long long)s->client_failed);
    if (s->dropped) sbuf_printf(&r, "; %llu dropped (--max-conns)", (unsigned long long)s->dropped);
    if (s->oom) sbuf_printf(&r, "; %llu lost (memory)", (unsigned long long)s->oom);
    if (t->log) {
        size_t nf = explog_n_failures(logreport_log(t->lr));
        sbuf_printf(&r, "%slog: %zu TLS failure%s", t->log_only ? "" : "; ", nf,
                    nf == 1 ? "" : "s");
    }
    sbuf_putc(&r, ' ');
    int rw = tui_text_width(sbuf_str(&r)) + 1; /* a space between the two parts */
    if (rw > t->cols) rw = t->cols;
    tui_put(t, 0, 0, t->cols - rw, sbuf_str(&l), t->style[ST_TITLE]);
    tui_put_right(t, 0, t->cols - rw, rw, sbuf_str(&r), t->style[ST_TITLE]);
    sbuf_free(&l);
    sbuf_free(&r);
}

static void human_bytes(uint64_t b, char *out, size_t len)
{
    if (b < 10 * 1024)
        snprintf(out, len, "%llu B", (unsigned long long)b);
    else if (b < 10ull * 1024 * 1024)
        snprintf(out, len, "%.1f KiB", b / 1024.0);
    else if (b < 10ull * 1024 * 1024 * 1024)
        snprintf(out, len, "%.1f MiB", b / (1024.0 * 1024));
    else
        snprintf(out, len, "%.1f GiB", b / (1024.0 * 1024 * 1024));
}

static void draw_status(struct tui *t)
{
    struct view *v = t->cur;
    struct sbuf l, r;
    sbuf_init(&l, 8192);
    sbuf_init(&r, 1024);
    sbuf_printf(&l, " [%s]", v->title[0] ? v->title : v->ops->name);
    if (v->ops->line_cursor)
        sbuf_printf(&l, " %d/%d", v->nrows ? v->cursor + 1 : 0, v->nrows);
    else {
        int h = tui_body_height(t), last = v->top + h < v->nrows ? v->top + h : v->nrows;
        sbuf_printf(&l, " lines %d-%d/%d", v->nrows ? v->top + 1 : 0, last, v->nrows);
    }
    if (v->ops->status) v->ops->status(t, v, &l);
    if (v->search[0]) {
        sbuf_puts(&l, "  search: ");
        sbuf_puts(&l, v->search);
    }
    if (t->loading || t->stopped) {
        uint64_t done = 0, total = 0;
        char a[32], b[32];
        pipeline_progress(t->p, &done, &total);
        const char *what = t->loading ? (t->o->iface ? "capturing" : "loading")
                                      : (t->o->iface ? "stopped after" : "stopped at");
        if (total > 0) {
            int pct = (int)(done >= total ? 100 : done * 100 / total);
            if (t->loading) {
                char bar[24];
                int fill = pct / 5;
                for (int i = 0; i < 20; i++) bar[i] = i < fill ? '#' : '.';
                bar[20] = '\0';
                human_bytes(done, a, sizeof(a));
                human_bytes(total, b, sizeof(b));
                sbuf_printf(&r, "%s %3d%% [%s] %s/%s ", what, pct, bar, a, b);
            } else {
                sbuf_printf(&r, "%s %d%% ", what, pct);
            }
        } else {
            human_bytes(done, a, sizeof(a));
            sbuf_printf(&r, "%s %llu packets ", what,
                        (unsigned long long)pipeline_stats(t->p)->pkt.packets);
        }
    }
    int rw = tui_text_width(sbuf_str(&r));
    if (rw > t->cols / 2) rw = t->cols / 2;
    tui_put(t, t->rows - 2, 0, t->cols - rw, sbuf_str(&l), t->style[ST_STATUS]);
    tui_put(t, t->rows - 2, t->cols - rw, rw, sbuf_str(&r), t->style[ST_STATUS]);
    sbuf_free(&l);
    sbuf_free(&r);
}

static void draw_hints(struct tui *t)
{
    struct view *v = t->cur;
    struct sbuf sb;
    sbuf_init(&sb, 4096);
    char k[16];
    for (int i = 0; i < tui_n_cmds; i++) {
        const struct tui_cmd *c = &tui_cmds[i];
        if (!c->hint || !(c->where & v->ops->where)) continue;
        const char *hint = c->hint;
        if (c->req == TUI_REQ_BACK) {
            if (tui_is_top(t, v)) {
                sbuf_puts(&sb, t->loading ? "q:stop " : "q:quit ");
                continue;
            }
        }
        if (c->req == TUI_REQ_NEXT_VIEW) {
            struct view *root = v, *next;
            while (root->parent) root = root->parent;
            next = next_top(t, root, 1);
            if (next == root) continue; /* the only list */
            hint = next == t->servers ? "servers" : next == t->log ? "log" : "connections";
        }
        if (c->req == TUI_REQ_LOG && (!t->log || v == t->log)) continue;
        if (c->req == TUI_REQ_ENTER && v->ops->where == TUI_IN_LOGENTRY) {
            const struct logcorr_match *m =
                logcorr_match(logreport_corr(t->lr), view_logentry_failure(v));
            if (t->log_only || !m || m->conn < 0) continue; /* nothing to open */
            hint = "connection";
        }
        if (c->req == TUI_REQ_ENTER && v->ops->where == TUI_IN_DETAIL) hint = "certificate";
        if (c->req == TUI_REQ_HELP && v->ops->where == TUI_IN_HELP) continue;
        sbuf_printf(&sb, "%s:%s ", tui_key_name(c->keys[0], k), hint);
    }
    tui_put(t, t->rows - 1, 0, t->cols, sbuf_str(&sb), t->style[ST_DIM]);
    sbuf_free(&sb);
}

static void draw_prompt(struct tui *t)
{
    struct tui_prompt *pr = &t->prompt;
    int y = t->rows - 1;
    tui_put(t, y, 0, t->cols, pr->label, t->style[ST_LABEL]);
    int x0 = tui_text_width(pr->label);
    if (x0 > t->cols - 8) x0 = t->cols - 8;
    if (x0 < 0) x0 = 0;
    int room = t->cols - x0 - 1;
    if (room < 1) return;
    /* scroll so that the cursor stays visible */
    int start = 0, w = 0;
    for (int i = pr->pos - 1; i >= 0; i--) {
        int cw = wcwidth(pr->buf[i]);
        if (w + (cw > 0 ? cw : 1) > room - 1) {
            start = i + 1;
            break;
        }
        w += cw > 0 ? cw : 1;
    }
    move(y, x0);
    int used = 0, cx = x0;
    for (int i = start; i < pr->len; i++) {
        int cw = wcwidth(pr->buf[i]);
        if (cw < 0) cw = 1;
        if (used + cw > room) break;
        if (i == pr->pos) cx = x0 + used;
        addnwstr(&pr->buf[i], 1);
        used += cw;
    }
    if (pr->pos >= pr->len) cx = x0 + used;
    tui_pad(y, x0 + used, t->cols - x0 - used);
    move(y, cx);
}

static void draw(struct tui *t)
{
    erase();
    if (t->rows < TUI_MIN_ROWS || t->cols < TUI_MIN_COLS) {
        char m[64];
        snprintf(m, sizeof(m), "terminal too small (need %dx%d)", TUI_MIN_COLS, TUI_MIN_ROWS);
        tui_put(t, 0, 0, t->cols, m, A_BOLD);
        return;
    }
    struct view *v = t->cur;
    v->ops->sync(t, v);
    view_clamp(t, v);
    draw_title(t);
    v->ops->draw_head(t, v, 1);
    int h = tui_body_height(t);
    for (int i = 0; i < h; i++) {
        int row = v->top + i;
        if (row < v->nrows)
            v->ops->draw_row(t, v, row, TUI_BODY_TOP + i, v->ops->line_cursor && row == v->cursor);
    }
    draw_status(t);
    if (t->prompt.kind) {
        draw_prompt(t);
    } else if (t->msg[0]) {
        struct sbuf sb;
        sbuf_init(&sb, 4096);
        sbuf_puts(&sb, t->msg);
        tui_put(t, t->rows - 1, 0, t->cols, sbuf_str(&sb), t->msg_error ? t->style[ST_ERROR] : 0);
        sbuf_free(&sb);
    } else {
        draw_hints(t);
    }
}

/* ---- loading ------------------------------------------------------------- */

static void describe_store(struct tui *t);
static void count_lint(void *arg, const struct store_lint *item);

static void loading_end(struct tui *t, int rc, bool stopped)
{
    if (!t->loading) return;
    t->loading = false;
    t->stopped = stopped;
    pipeline_finish(t->p);
    if (rc < 0) t->load_rc = rc;
    const struct pipeline_stats *ps = pipeline_stats(t->p);
    if (t->lr) {
        /* every connection is in (pipeline_finish handed the open ones
         * over): leftovers and the reasons for what stays unpaired */
        logreport_finish(t->lr, ps);
        t->log_gen++;
    }
    /* store lint at the capture's time (a CA expired as of then), like batch;
     * the client store's too */
    if (t->s->have_store || t->s->have_client_store) {
        int64_t at = t->o->have_at ? t->o->at : ps->first_ts_ns / 1000000000;
        t->lint_count = t->client_lint_count = 0;
        if (t->s->have_store) store_lint(&t->s->store, at, count_lint, &t->lint_count);
        if (t->s->have_client_store)
            store_lint(&t->s->client_store, at, count_lint, &t->client_lint_count);
        describe_store(t);
    }
    unsigned long long n = t->store.total[0] + t->store.total[1] + t->store.total[2];
    if (ps->input_errors) {
        struct sbuf sb;
        sbuf_init(&sb, 1024);
        tui_esc_str(&sb, ps->last_error, t->utf8);
        tui_message(t, true, "input error: %s (%llu TLS connections read before it)", sbuf_str(&sb),
                    n);
        sbuf_free(&sb);
    } else if (stopped) {
        tui_message(t, false, "loading stopped: %llu TLS connections read; browsing those", n);
    } else {
        tui_message(t, false, "%llu TLS connection%s in %llu packets", n, n == 1 ? "" : "s",
                    (unsigned long long)ps->pkt.packets);
    }
    if (!ps->input_errors && t->lr && logreport_first_error(t->lr)[0]) {
        /* said on stderr before the screen took over: say it here */
        struct sbuf sb;
        sbuf_init(&sb, 1024);
        tui_esc_str(&sb, logreport_first_error(t->lr), t->utf8);
        tui_message(t, true, "%s (exit status 2)", sbuf_str(&sb));
        sbuf_free(&sb);
    }
}

static void load_slice(struct tui *t)
{
    int64_t start = now_ms();
    do {
        if (g_sigint) return; /* the loop turns it into "stop loading" */
        int rc = pipeline_step(t->p, t->budget ? t->budget : LOAD_STEP_PACKETS);
        if (rc <= 0) {
            bool interrupted = g_sigint;
            g_sigint = 0;
            loading_end(t, rc, interrupted);
            return;
        }
    } while (!t->budget && now_ms() - start < LOAD_SLICE_MS);
}

static void stop_loading(struct tui *t)
{
    pipeline_stop(t->p);
    loading_end(t, 0, true);
}

/* ---- requests ------------------------------------------------------------- */

static struct tui_filter *cur_filter(struct tui *t)
{
    struct view *v = t->cur;
    if (v == t->servers) return &t->filter;
    return view_list_filter(v);
}

static void do_request(struct tui *t, enum tui_req req, int key)
{
    struct view *v = t->cur;
    switch (req) {
    case TUI_REQ_UP:
    case TUI_REQ_DOWN:
    case TUI_REQ_PAGE_UP:
    case TUI_REQ_PAGE_DOWN:
    case TUI_REQ_FIRST:
    case TUI_REQ_LAST: view_move(t, v, req); return;
    case TUI_REQ_BACK:
        if (!tui_is_top(t, v)) {
            tui_pop(t);
        } else if (key == 'q') {
            if (t->loading)
                stop_loading(t);
            else
                t->quit = true;
        }
        return;
    case TUI_REQ_QUIT: t->quit = true; return;
    case TUI_REQ_STOP:
        if (t->loading)
            stop_loading(t);
        else
            t->quit = true;
        return;
    case TUI_REQ_HELP:
        if (v->ops->where == TUI_IN_HELP)
            tui_pop(t);
        else
            tui_push(t, view_help_new(t));
        return;
    case TUI_REQ_NEXT_VIEW: {
        /* from anywhere: close the views opened from a list, show the next list */
        struct view *root = v;
        while (root->parent) root = root->parent;
        struct view *next = next_top(t, root, key == TUI_KEY_BTAB ? -1 : 1);
        if (next == root && !v->parent) {
            tui_message(t, false, "the Log view is the only list: no capture was given");
            return;
        }
        tui_show_top(t, next);
        return;
    }
    case TUI_REQ_LOG: show_log(t); return;
    case TUI_REQ_REDRAW:
        if (!t->headless) clearok(curscr, TRUE);
        return;
    case TUI_REQ_SEARCH: prompt_start(t, PROMPT_SEARCH, "Search: ", ""); return;
    case TUI_REQ_SEARCH_NEXT: search_step(t, v, 1, false); return;
    case TUI_REQ_SEARCH_PREV: search_step(t, v, -1, false); return;
    case TUI_REQ_FILTER_TEXT: {
        struct tui_filter *f = cur_filter(t);
        if (!f) return;
        snprintf(t->prompt.saved, sizeof(t->prompt.saved), "%s", f->text);
        prompt_start(t, PROMPT_FILTER, "Limit to rows containing: ", f->text);
        return;
    }
    default:
        if (!v->ops->request || !v->ops->request(t, v, req)) {
            const struct tui_cmd *c = tui_cmd_get(req);
            tui_message(t, true, "%s: not available here", c ? c->help : "command");
        }
        return;
    }
}

static void handle_resize(struct tui *t)
{
    getmaxyx(stdscr, t->rows, t->cols);
    for (struct view *v = t->cur; v; v = v->parent) view_clamp(t, v);
}

static void handle_key(struct tui *t, int key)
{
    if (key == TUI_KEY_NONE) return;
    if (key == TUI_KEY_RESIZE) {
        handle_resize(t);
        return;
    }
    /* rows may point at connections the store dropped since the last draw
     * (a search accepted from the prompt reads them too) */
    struct view *v = t->cur;
    v->ops->sync(t, v);
    view_clamp(t, v);
    if (t->prompt.kind) {
        prompt_key(t, key);
        return;
    }
    t->msg[0] = '\0';
    enum tui_req req = tui_cmd_lookup(key, v->ops->where);
    if (req == TUI_REQ_NONE) {
        char k[16];
        tui_message(t, true, "key %s does nothing here (? for help)", tui_key_name(key, k));
        return;
    }
    do_request(t, req, key);
    view_list_remember(t, t->cur);
    if (t->cur == t->log) view_log_remember(t, t->log);
}

/* ---- input: terminal or script -------------------------------------------- */

static int map_curses_key(wint_t k)
{
    switch (k) {
    case KEY_UP: return TUI_KEY_UP;
    case KEY_DOWN: return TUI_KEY_DOWN;
    case KEY_LEFT: return TUI_KEY_LEFT;
    case KEY_RIGHT: return TUI_KEY_RIGHT;
    case KEY_PPAGE: return TUI_KEY_PGUP;
    case KEY_NPAGE: return TUI_KEY_PGDN;
    case KEY_HOME: return TUI_KEY_HOME;
    case KEY_END: return TUI_KEY_END;
    case KEY_BTAB: return TUI_KEY_BTAB;
    case KEY_ENTER: return TUI_KEY_ENTER;
    case KEY_BACKSPACE: return TUI_KEY_BACKSPACE;
    case KEY_DC: return TUI_KEY_DELETE;
    case KEY_RESIZE: return TUI_KEY_RESIZE;
    default: return k == KEY_F(1) ? TUI_KEY_F1 : TUI_KEY_NONE;
    }
}

static int read_terminal(struct tui *t, int timeout_ms)
{
    (void)t;
    wint_t wc;
    timeout(timeout_ms);
    int r = get_wch(&wc);
    if (r == ERR) return TUI_KEY_NONE;
    if (r == KEY_CODE_YES) return map_curses_key(wc);
    if (wc == '\r' || wc == '\n') return TUI_KEY_ENTER;
    if (wc == 127 || wc == 8) return TUI_KEY_BACKSPACE;
    return (int)wc;
}

static void dump_screen(struct tui *t)
{
    printf("--- screen %d (%dx%d) ---\n", ++t->dumps, t->cols, t->rows);
    /* a cell holds a character and its combining marks: room for several */
    size_t wmax = (size_t)t->cols * 8;
    wchar_t *w = calloc(wmax + 1, sizeof(wchar_t));
    char *line = malloc(wmax * MB_LEN_MAX + 1);
    if (!w || !line) {
        free(w);
        free(line);
        return;
    }
    for (int y = 0; y < t->rows; y++) {
        int n = mvinnwstr(y, 0, w, (int)wmax);
        size_t k = 0;
        mbstate_t st;
        memset(&st, 0, sizeof(st));
        for (int i = 0; i < n; i++) {
            size_t l = wcrtomb(line + k, w[i], &st);
            if (l != (size_t)-1) k += l;
        }
        while (k > 0 && line[k - 1] == ' ') k--;
        line[k] = '\0';
        puts(line);
    }
    fflush(stdout);
    free(w);
    free(line);
}

#define SCRIPT_END (-2)
#define SCRIPT_ERROR (-3)

static int script_key(struct tui *t)
{
    static const struct {
        const char *name;
        int key;
    } names[] = {
        {"Enter", TUI_KEY_ENTER},
        {"Esc", TUI_KEY_ESC},
        {"Tab", TUI_KEY_TAB},
        {"S-Tab", TUI_KEY_BTAB},
        {"Up", TUI_KEY_UP},
        {"Down", TUI_KEY_DOWN},
        {"Left", TUI_KEY_LEFT},
        {"Right", TUI_KEY_RIGHT},
        {"PgUp", TUI_KEY_PGUP},
        {"PgDn", TUI_KEY_PGDN},
        {"Home", TUI_KEY_HOME},
        {"End", TUI_KEY_END},
        {"Backspace", TUI_KEY_BACKSPACE},
        {"Delete", TUI_KEY_DELETE},
        {"F1", TUI_KEY_F1},
        {"Space", ' '},
        {"lt", '<'},
    };
    for (;;) {
        const char *s = t->script + t->script_pos;
        if (!*s) return SCRIPT_END;
        if (*s != '<') {
            mbstate_t st;
            wchar_t wc;
            memset(&st, 0, sizeof(st));
            size_t l = mbrtowc(&wc, s, strlen(s), &st);
            if (l == (size_t)-1 || l == (size_t)-2 || l == 0) l = 1, wc = (unsigned char)*s;
            t->script_pos += l;
            if (wc == '\n') continue; /* scripts may be split over lines */
            return (int)wc;
        }
        const char *end = strchr(s, '>');
        if (!end) return SCRIPT_ERROR;
        char tok[64];
        size_t n = (size_t)(end - s - 1);
        if (n >= sizeof(tok)) return SCRIPT_ERROR;
        memcpy(tok, s + 1, n);
        tok[n] = '\0';
        t->script_pos += n + 2;
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            if (strcmp(tok, names[i].name) == 0) return names[i].key;
        if (n == 3 && tok[0] == 'C' && tok[1] == '-' && tok[2] >= 'a' && tok[2] <= 'z')
            return TUI_CTRL(tok[2]);
        int cols, rows;
        char extra;
        if (sscanf(tok, "Resize %dx%d%c", &cols, &rows, &extra) == 2 && cols > 0 && rows > 0 &&
            cols <= 1000 && rows <= 1000) {
            resize_term(rows, cols);
            return TUI_KEY_RESIZE;
        }
        if (strcmp(tok, "Dump") == 0) {
            draw(t);
            dump_screen(t);
            continue;
        }
        if (strcmp(tok, "Wait") == 0) {
            while (t->loading) {
                int rc = pipeline_step(t->p, 65536);
                if (rc <= 0) loading_end(t, rc, false);
            }
            return TUI_KEY_NONE;
        }
        return SCRIPT_ERROR;
    }
}

/* ---- pipeline callbacks --------------------------------------------------- */

static void on_judged(void *ctx, struct conn_record *r)
{
    struct tui *t = ctx;
    tui_store_judged(&t->store, r);
}

static void on_done(void *ctx, struct conn_record *r)
{
    struct tui *t = ctx;
    /* --export-certs writes every certificate, as in batch mode */
    if (t->o->export_dir) {
        char err[512];
        if (report_export_certs(t->o->export_dir, r, err, sizeof(err)) < 0 && !t->export_error) {
            struct sbuf sb;
            sbuf_init(&sb, 1024);
            tui_esc_str(&sb, err, t->utf8);
            tui_message(t, true, "--export-certs: %s", sbuf_str(&sb));
            sbuf_free(&sb);
            t->export_error = true;
        }
    }
    /* before the store packs and frees it, as batch.c does */
    if (t->lr) logreport_conn(t->lr, r);
    tui_store_done(&t->store, r);
}

/* ---- set-up --------------------------------------------------------------- */

/* "test-store.pem (1 cert, 2 lint)": base names, the count, the lint */
static void describe_one(struct tui *t, struct sbuf *sb, const struct trust_store *st, size_t lint)
{
    for (size_t i = 0; i < st->n_sources; i++) {
        const char *f = st->sources[i], *slash = strrchr(f, '/');
        if (i) sbuf_puts(sb, ", ");
        tui_esc_str(sb, slash && slash[1] ? slash + 1 : f, t->utf8);
    }
    size_t n = store_count(st);
    sbuf_printf(sb, " (%zu cert%s", n, n == 1 ? "" : "s");
    if (lint) sbuf_printf(sb, ", %zu lint", lint);
    sbuf_putc(sb, ')');
}

static void describe_store(struct tui *t)
{
    struct session *s = t->s;
    struct sbuf sb;
    sbuf_init(&sb, sizeof(t->store_desc) - 1);
    if (!s->have_store)
        sbuf_puts(&sb, "none (not judged)");
    else
        describe_one(t, &sb, &s->store, t->lint_count);
    if (s->have_client_store) { /* mutual TLS: the server's store, --client-trust */
        sbuf_puts(&sb, "  client store: ");
        describe_one(t, &sb, &s->client_store, t->client_lint_count);
    }
    snprintf(t->store_desc, sizeof(t->store_desc), "%s", sbuf_str(&sb));
    sbuf_free(&sb);
}

static void count_lint(void *arg, const struct store_lint *item)
{
    (void)item;
    (*(size_t *)arg)++;
}

static bool reads_stdin(const struct cli_opts *o)
{
    for (int i = 0; i < o->n_files; i++)
        if (strcmp(o->files[i], "-") == 0) return true;
    return false;
}

static int term_open(struct tui *t)
{
    if (t->headless) {
        t->term_out = fopen("/dev/null", "w");
        t->term_in = fopen("/dev/null", "r");
        if (!t->term_out || !t->term_in) return -1;
        t->screen = newterm("xterm-256color", t->term_out, t->term_in);
        if (!t->screen) t->screen = newterm("vt100", t->term_out, t->term_in);
        if (!t->screen) return -1;
        int cols = 80, rows = 24;
        const char *size = getenv("TLSSCOPE_TUI_SIZE");
        if (size && (sscanf(size, "%dx%d", &cols, &rows) != 2 || cols < 1 || rows < 1 ||
                     cols > 1000 || rows > 1000)) {
            cols = 80;
            rows = 24;
        }
        resize_term(rows, cols);
    } else {
        /* The keyboard is the terminal even when the capture comes on stdin. */
        FILE *in = stdin, *out = stdout;
        if (!isatty(STDIN_FILENO) || reads_stdin(t->o)) in = t->term_in = fopen("/dev/tty", "r");
        if (!isatty(STDOUT_FILENO)) out = t->term_out = fopen("/dev/tty", "w");
        if (!in || !out) return -1;
        t->screen = newterm(NULL, out, in);
        if (!t->screen) return -1;
        /* a terminal without cursor addressing cannot show a browser */
        const char *cup = tigetstr("cup");
        if (!cup || cup == (char *)-1) {
            endwin();
            delscreen(t->screen);
            t->screen = NULL;
            return -1;
        }
    }
    set_term(t->screen);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    getmaxyx(stdscr, t->rows, t->cols);
    styles_init(t);
    return 0;
}

static void term_close(struct tui *t)
{
    if (t->screen) {
        endwin();
        delscreen(t->screen);
        t->screen = NULL;
    }
    if (t->term_in) fclose(t->term_in);
    if (t->term_out) fclose(t->term_out);
    t->term_in = t->term_out = NULL;
}

static bool want_color(const struct cli_opts *o)
{
    if (o->color == CLI_COLOR_NEVER) return false;
    if (o->color == CLI_COLOR_ALWAYS) return true;
    const char *nc = getenv("NO_COLOR");
    return !(nc && *nc);
}

static void main_loop(struct tui *t)
{
    int64_t last_draw = 0, draw_cost = 0;
    uint64_t drawn_gen = (uint64_t)-1;
    bool dirty = true;
    if (t->headless && !t->budget) {
        while (t->loading) load_slice(t);
    }
    while (!t->quit) {
        if (g_sigterm) break;
        if (g_sigint) {
            g_sigint = 0;
            do_request(t, TUI_REQ_STOP, TUI_CTRL('c'));
            dirty = true;
            if (t->quit) break;
        }
        if (t->loading && (!t->headless || t->budget)) {
            load_slice(t);
            /* loading ended inside the slice (end of input, or Ctrl-C caught
             * while reading): the status bar must say so now, not after the
             * next key */
            if (!t->loading) dirty = true;
        }
        int key;
        if (t->headless) {
            draw(t);
            key = script_key(t);
            if (key == SCRIPT_END) {
                draw(t);
                dump_screen(t);
                break;
            }
            if (key == SCRIPT_ERROR) {
                fprintf(stderr, "tlsscope: TLSSCOPE_TUI_SCRIPT: bad key name at offset %zu\n",
                        t->script_pos);
                t->load_rc = -1;
                break;
            }
            if (key == TUI_CTRL('c')) {
                g_sigint = 1; /* as the terminal would deliver it */
                continue;
            }
        } else {
            int64_t now = now_ms();
            bool changed = drawn_gen != t->store.gen;
            /* while loading, redraw every LOAD_DRAW_MS, or less often when
             * drawing (re-sorting a long list) is slow: reading keeps at
             * least 80% of the time */
            int64_t every = draw_cost * 4 > LOAD_DRAW_MS ? draw_cost * 4 : LOAD_DRAW_MS;
            if (dirty || (changed && (!t->loading || now - last_draw >= every)) ||
                (t->loading && now - last_draw >= every)) {
                draw(t);
                if (t->prompt.kind)
                    curs_set(1);
                else
                    curs_set(0);
                refresh();
                last_draw = now_ms();
                draw_cost = last_draw - now;
                drawn_gen = t->store.gen;
                dirty = false;
            }
            key = read_terminal(t, t->loading ? 0 : IDLE_POLL_MS);
            if (key == TUI_KEY_NONE) continue;
        }
        handle_key(t, key);
        dirty = true;
    }
}

int run_tui(struct session *s)
{
    const struct cli_opts *o = s->o;
    /* the log alone, and not one record in it: nothing to browse (the
     * error was said when the inputs were read) */
    bool log_only = logreport_log_only(s->lr);
    if (log_only && explog_stats(logreport_log(s->lr))->records == 0) return run_logreport(s);
    struct tui *t = calloc(1, sizeof(*t));
    if (!t) {
        fputs("tlsscope: out of memory\n", stderr);
        return EXIT_USAGE;
    }
    t->s = s;
    t->o = o;
    t->open_conn = open_conn;
    t->export_prompt = export_prompt;
    t->utf8 = frontend_utf8();
    t->script = getenv("TLSSCOPE_TUI_SCRIPT");
    t->headless = t->script != NULL;
    const char *budget = getenv("TLSSCOPE_TUI_BUDGET");
    if (t->headless && budget) t->budget = strtoull(budget, NULL, 10);
    t->color = want_color(o);
    t->lr = logreport_active(s->lr) ? s->lr : NULL;
    t->log_only = log_only;
    tui_store_init(&t->store, o->max_conns ? o->max_conns : TUI_DEFAULT_MAX_CONNS, t->utf8);

    /* The terminal first: without one, the batch report answers the
     * question, and nothing may be opened (or root given up) twice. */
    if (term_open(t) != 0) {
        term_close(t);
        tui_store_free(&t->store);
        free(t);
        if (o->tui) /* asked for; otherwise a dumb terminal simply gets the report */
            fputs("tlsscope: cannot start the browser on this terminal; showing the batch report\n",
                  stderr);
        return TUI_NO_TERMINAL;
    }
    if (!log_only) {
        struct pipeline_ops ops = {.ctx = t, .judged = on_judged, .done = on_done};
        char err[512];
        t->p = pipeline_new(&s->popts, &ops, err, sizeof(err));
        /* what follows may write to stderr: on the terminal, not the screen
         * (the first refresh brings the screen back) */
        endwin();
        if (!t->p) {
            term_close(t);
            fprintf(stderr, "tlsscope: %s\n", err);
            tui_store_free(&t->store);
            free(t);
            return EXIT_USAGE;
        }
        /* -Z, and root given up after opening a live capture, as in batch */
        if (session_ready(s, t->p) != 0) {
            term_close(t);
            pipeline_free(t->p);
            tui_store_free(&t->store);
            free(t);
            return EXIT_USAGE;
        }
    } else {
        logreport_finish(t->lr, NULL); /* no capture: every failure is final now */
    }
    describe_store(t);

    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    g_sigint = g_sigterm = 0;
    g_pipe = t->p;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);

    t->conns = view_conns_new(t, NULL, NULL);
    t->servers = view_servers_new(t);
    if (t->lr) t->log = view_log_new(t);
    /* log only: the Log view is all there is */
    t->cur = log_only ? t->log : t->conns;
    t->loading = !log_only;
    if (!t->conns || !t->servers || (t->lr && !t->log)) {
        t->quit = true;
        t->load_rc = -1;
    } else {
        if (log_only) {
            size_t nf = explog_n_failures(logreport_log(t->lr));
            tui_message(t, false, "%zu TLS failure%s in the log; no capture to compare with", nf,
                        nf == 1 ? "" : "s");
            if (logreport_first_error(t->lr)[0]) {
                struct sbuf sb;
                sbuf_init(&sb, 1024);
                tui_esc_str(&sb, logreport_first_error(t->lr), t->utf8);
                tui_message(t, true, "%s (exit status 2)", sbuf_str(&sb));
                sbuf_free(&sb);
            }
        }
        main_loop(t);
    }
    if (t->loading) stop_loading(t);
    while (t->cur && !tui_is_top(t, t->cur)) tui_pop(t);
    prompt_end(t);
    view_free(t, t->conns);
    view_free(t, t->servers);
    view_free(t, t->log);
    term_close(t);

    g_pipe = NULL;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);

    /* the batch rules: 1 for a failed connection or a failure in the log,
     * 2 for input errors (a capture, an archive, a log) */
    int status = t->store.total[TUI_CLASS_FAILED] ? EXIT_FAILED : EXIT_TRUSTED;
    if (t->lr && logreport_status(t->lr) > status) status = logreport_status(t->lr);
    const struct pipeline_stats *ps = t->p ? pipeline_stats(t->p) : NULL;
    /* mutual TLS: a failed client verdict fails the run, as in batch */
    if (ps && ps->client_failed && status < EXIT_FAILED) status = EXIT_FAILED;
    /* tlsscope probe: a target that could not be checked fails, as in batch */
    if (ps && ps->probe && (ps->probe_unanswered || ps->probe_no_chain) && status < EXIT_FAILED)
        status = EXIT_FAILED;
    if (t->load_rc < 0 || (ps && ps->input_errors)) {
        status = EXIT_USAGE;
        if (ps && ps->input_errors) fprintf(stderr, "tlsscope: %s\n", ps->last_error);
    }
    if (t->headless && getenv("TLSSCOPE_TUI_VERDICTS")) {
        for (size_t i = 0; i < t->store.n; i++) {
            const struct tui_conn *c = tui_store_at(&t->store, i);
            printf("#%llu %s %d %d\n", (unsigned long long)c->seq, verdict_status_name(c->status),
                   c->code, c->depth);
        }
        printf("--- held %zu, dropped %llu, lost %llu; failed %llu, not judged %llu, trusted %llu ---\n",
               t->store.n, (unsigned long long)t->store.dropped, (unsigned long long)t->store.oom,
               (unsigned long long)t->store.total[TUI_CLASS_FAILED],
               (unsigned long long)t->store.total[TUI_CLASS_NOT_JUDGED],
               (unsigned long long)t->store.total[TUI_CLASS_TRUSTED]);
    }
    if (t->headless) printf("--- exit %d ---\n", status);
    tui_store_free(&t->store); /* before pipeline_free: records unref its certificates */
    if (t->p) pipeline_free(t->p);
    free(t);
    return status;
}
