/* tui_cmd.h — the browser's commands: ONE table (an X-macro, like tig's
 * REQ_INFO) from which the key bindings, the help screen, the status-bar
 * hints, and the key tables in README.md and tlsscope.1 are all produced.
 * No curses here: keys are tlsscope's own codes (the curses layer maps
 * KEY_* onto them), so that tests can check the table and the docs.
 */
#ifndef TLSSCOPE_UI_TUI_CMD_H
#define TLSSCOPE_UI_TUI_CMD_H

#include <stdbool.h>

#include "common/sbuf.h"

/* Keys: a character is its code point (control characters as themselves:
 * TUI_CTRL('l') == 12); special keys live above Unicode. */
#define TUI_CTRL(c) ((c) & 0x1f)
enum {
    TUI_KEY_NONE = -1,
    TUI_KEY_ESC = 27,
    TUI_KEY_TAB = 9,
    TUI_KEY_SPECIAL = 0x110000,
    TUI_KEY_ENTER,
    TUI_KEY_UP,
    TUI_KEY_DOWN,
    TUI_KEY_LEFT,
    TUI_KEY_RIGHT,
    TUI_KEY_PGUP,
    TUI_KEY_PGDN,
    TUI_KEY_HOME,
    TUI_KEY_END,
    TUI_KEY_BTAB,
    TUI_KEY_BACKSPACE,
    TUI_KEY_DELETE,
    TUI_KEY_F1,
    TUI_KEY_RESIZE,
};

/* Where a command applies (view kinds). */
#define TUI_IN_CONNS 0x01
#define TUI_IN_SERVERS 0x02
#define TUI_IN_DETAIL 0x04
#define TUI_IN_CERT 0x08
#define TUI_IN_HELP 0x10
#define TUI_IN_LOG 0x20     /* the Log view: Expressway's logged failures */
#define TUI_IN_LOGENTRY 0x40 /* one log failure's page */
#define TUI_IN_LISTS (TUI_IN_CONNS | TUI_IN_SERVERS)
#define TUI_IN_TEXT (TUI_IN_DETAIL | TUI_IN_CERT | TUI_IN_HELP | TUI_IN_LOGENTRY)
#define TUI_IN_ALL 0x7f
#define TUI_IN_CERTS (TUI_IN_CONNS | TUI_IN_DETAIL | TUI_IN_CERT)

/* C(ID, group, where, key1, key2, key3, hint, help)
 *   group: heading on the help screen; hint: short status-bar label (NULL:
 *   none); help: one line for the help screen and the manual. Unused key
 *   slots are 0. Keys are listed in the order people learn them. */
#define TUI_COMMANDS(C)                                                                            \
    C(UP, "Moving", TUI_IN_ALL, 'k', TUI_KEY_UP, 0, NULL, "Move up one line")                      \
    C(DOWN, "Moving", TUI_IN_ALL, 'j', TUI_KEY_DOWN, 0, NULL, "Move down one line")                \
    C(PAGE_UP, "Moving", TUI_IN_ALL, TUI_KEY_PGUP, TUI_CTRL('b'), 0, NULL, "Move up one page")     \
    C(PAGE_DOWN, "Moving", TUI_IN_ALL, TUI_KEY_PGDN, ' ', TUI_CTRL('f'), NULL,                     \
      "Move down one page")                                                                        \
    C(FIRST, "Moving", TUI_IN_ALL, TUI_KEY_HOME, 'g', 0, NULL, "Go to the first line")             \
    C(LAST, "Moving", TUI_IN_ALL, TUI_KEY_END, 'G', 0, NULL, "Go to the last line")                \
    C(ENTER, "Views", TUI_IN_LISTS | TUI_IN_LOG | TUI_IN_DETAIL | TUI_IN_LOGENTRY, TUI_KEY_ENTER,  \
      TUI_KEY_RIGHT, 0, "open",                                                                    \
      "Open the selected connection, server, log failure, or certificate (chain line)")            \
    C(BACK, "Views", TUI_IN_ALL, 'q', TUI_KEY_ESC, TUI_KEY_LEFT, "back",                           \
      "Close this view; q in a top list quits (while loading: stop loading)")                      \
    C(NEXT_VIEW, "Views", TUI_IN_ALL, TUI_KEY_TAB, TUI_KEY_BTAB, 0, "servers",                     \
      "Next list: connections, servers, log (with an Expressway log); S-Tab goes back")            \
    C(LOG, "Views", TUI_IN_ALL, 'L', 0, 0, "log",                                                  \
      "The Log view: Expressway's logged TLS failures; from a connection, its log line")           \
    C(HELP, "Views", TUI_IN_ALL, '?', TUI_KEY_F1, 0, "help", "Show this help")                     \
    C(QUIT, "Views", TUI_IN_ALL, 'Q', 0, 0, NULL, "Quit")                                          \
    C(STOP, "Views", TUI_IN_ALL, TUI_CTRL('c'), 0, 0, NULL,                                        \
      "Stop loading (browse what was read); quit when nothing is loading")                         \
    C(REDRAW, "Views", TUI_IN_ALL, TUI_CTRL('l'), 0, 0, NULL, "Redraw the screen")                 \
    C(FILTER_VERDICT, "Lists", TUI_IN_LISTS, 'f', 0, 0, "filter",                                  \
      "Cycle the verdict filter: all, failed, not judged, trusted, client failed")                 \
    C(FILTER_TEXT, "Lists", TUI_IN_LISTS, '\\', 0, 0, "limit",                                     \
      "Show only rows whose SNI, IP:port, CN, reason or JA4 contain a text (empty: all)")          \
    C(SEARCH, "Lists", TUI_IN_ALL, '/', 0, 0, "search",                                            \
      "Search for a text (SNI, IP:port, CN, reason, JA4; the logged line in the Log view; any "   \
      "text in a page)")                                                                                \
    C(SEARCH_NEXT, "Lists", TUI_IN_ALL, 'n', 0, 0, NULL, "Next match of the search")               \
    C(SEARCH_PREV, "Lists", TUI_IN_ALL, 'N', 0, 0, NULL, "Previous match of the search")           \
    C(SORT, "Lists", TUI_IN_LISTS, 's', 0, 0, "sort",                                              \
      "Cycle the sort order: time, server, verdict")                                               \
    C(SORT_REVERSE, "Lists", TUI_IN_LISTS, 'r', 0, 0, NULL, "Reverse the sort order")              \
    C(EXPORT, "Certificates", TUI_IN_CERTS, 'e', 0, 0, "export",                                   \
      "Export a certificate as PEM: this one, the chain line's, else the failing one or the leaf") \
    C(EXPORT_CHAIN, "Certificates", TUI_IN_CERTS, 'E', 0, 0, "chain",                              \
      "Export the chain (leaf to anchor, then other certificates sent) into one PEM file; the "    \
      "client's on a client chain line")

enum tui_req {
    TUI_REQ_NONE = 0,
#define TUI_REQ_ENUM(id, group, where, k1, k2, k3, hint, help) TUI_REQ_##id,
    TUI_COMMANDS(TUI_REQ_ENUM)
#undef TUI_REQ_ENUM
        TUI_REQ__N
};

struct tui_cmd {
    enum tui_req req;
    const char *name; /* "FILTER_VERDICT" */
    const char *group;
    unsigned where;
    int keys[3];
    const char *hint;
    const char *help;
};

extern const struct tui_cmd tui_cmds[];
extern const int tui_n_cmds;

/* The command bound to `key` in a view of kind `where` (TUI_IN_*). */
enum tui_req tui_cmd_lookup(int key, unsigned where);
const struct tui_cmd *tui_cmd_get(enum tui_req req);

/* "k", "Up", "PgDn", "Space", "^L", "\"; returns buf (at least 16 bytes). */
const char *tui_key_name(int key, char *buf);
/* "k, Up" */
void tui_cmd_keys(const struct tui_cmd *c, struct sbuf *out);

/* The key table as Markdown (README) and as man(7) (tlsscope.1). */
void tui_keys_markdown(struct sbuf *out);
void tui_keys_man(struct sbuf *out);

#endif
