/* tui.c — the ncurses browser (placeholder until it lands: falls back to the
 * batch report so that a terminal user still gets an answer). */
#include "frontend.h"

int run_tui(struct session *s)
{
    if (s->o->tui) fputs("tlsscope: the browser is not built yet; showing the batch report\n", stderr);
    return run_batch(s);
}
