/* tui_cmd.c — the command table expanded, key names, and the generated key
 * tables for the documentation (see tui_cmd.h). */
#include "tui_cmd.h"

#include <stdio.h>
#include <string.h>

const struct tui_cmd tui_cmds[] = {
#define TUI_CMD_ROW(id, group, where, k1, k2, k3, hint, help)                                      \
    {TUI_REQ_##id, #id, group, where, {k1, k2, k3}, hint, help},
    TUI_COMMANDS(TUI_CMD_ROW)
#undef TUI_CMD_ROW
};
const int tui_n_cmds = (int)(sizeof(tui_cmds) / sizeof(tui_cmds[0]));

enum tui_req tui_cmd_lookup(int key, unsigned where)
{
    if (key == TUI_KEY_NONE || key == 0) return TUI_REQ_NONE;
    for (int i = 0; i < tui_n_cmds; i++) {
        if (!(tui_cmds[i].where & where)) continue;
        for (int k = 0; k < 3; k++)
            if (tui_cmds[i].keys[k] == key) return tui_cmds[i].req;
    }
    return TUI_REQ_NONE;
}

const struct tui_cmd *tui_cmd_get(enum tui_req req)
{
    for (int i = 0; i < tui_n_cmds; i++)
        if (tui_cmds[i].req == req) return &tui_cmds[i];
    return NULL;
}

const char *tui_key_name(int key, char *buf)
{
    static const struct {
        int key;
        const char *name;
    } names[] = {
        {TUI_KEY_ENTER, "Enter"},   {TUI_KEY_UP, "Up"},       {TUI_KEY_DOWN, "Down"},
        {TUI_KEY_LEFT, "Left"},     {TUI_KEY_RIGHT, "Right"}, {TUI_KEY_PGUP, "PgUp"},
        {TUI_KEY_PGDN, "PgDn"},     {TUI_KEY_HOME, "Home"},   {TUI_KEY_END, "End"},
        {TUI_KEY_BTAB, "S-Tab"},    {TUI_KEY_TAB, "Tab"},     {TUI_KEY_ESC, "Esc"},
        {TUI_KEY_F1, "F1"},         {' ', "Space"},           {TUI_KEY_BACKSPACE, "Backspace"},
        {TUI_KEY_DELETE, "Delete"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].key == key) return strcpy(buf, names[i].name);
    if (key > 0 && key < 32) {
        snprintf(buf, 16, "^%c", '@' + key);
    } else if (key > 32 && key < 127) {
        buf[0] = (char)key;
        buf[1] = '\0';
    } else {
        snprintf(buf, 16, "<%d>", key);
    }
    return buf;
}

void tui_cmd_keys(const struct tui_cmd *c, struct sbuf *out)
{
    char b[16];
    for (int k = 0; k < 3 && c->keys[k]; k++) {
        if (k) sbuf_puts(out, ", ");
        sbuf_puts(out, tui_key_name(c->keys[k], b));
    }
}

void tui_keys_markdown(struct sbuf *out)
{
    sbuf_puts(out, "| Keys | Command |\n|---|---|\n");
    for (int i = 0; i < tui_n_cmds; i++) {
        const struct tui_cmd *c = &tui_cmds[i];
        char b[16];
        sbuf_puts(out, "| ");
        for (int k = 0; k < 3 && c->keys[k]; k++) {
            if (k) sbuf_puts(out, " ");
            sbuf_printf(out, "`%s`", tui_key_name(c->keys[k], b));
        }
        sbuf_printf(out, " | %s |\n", c->help);
    }
}

static void man_text(struct sbuf *out, const char *s)
{
    /* roff: a backslash is \e, a leading dot or quote would be a request */
    if (*s == '.' || *s == '\'') sbuf_puts(out, "\\&");
    for (; *s; s++) {
        if (*s == '\\')
            sbuf_puts(out, "\\e");
        else if (*s == '-')
            sbuf_puts(out, "\\-");
        else
            sbuf_putc(out, *s);
    }
}

void tui_keys_man(struct sbuf *out)
{
    const char *group = NULL;
    for (int i = 0; i < tui_n_cmds; i++) {
        const struct tui_cmd *c = &tui_cmds[i];
        char b[16];
        if (!group || strcmp(group, c->group) != 0) {
            group = c->group;
            sbuf_puts(out, ".SS ");
            man_text(out, group);
            sbuf_putc(out, '\n');
        }
        sbuf_puts(out, ".TP\n");
        for (int k = 0; k < 3 && c->keys[k]; k++) {
            if (k) sbuf_puts(out, ", ");
            sbuf_puts(out, "\\fB");
            man_text(out, tui_key_name(c->keys[k], b));
            sbuf_puts(out, "\\fR");
        }
        sbuf_putc(out, '\n');
        man_text(out, c->help);
        sbuf_putc(out, '\n');
    }
}
