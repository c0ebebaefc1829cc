/* session.h — what the front ends (batch, browser) share: the session set
 * up from the command line (trust store, pipeline options for files or a
 * live interface), terminal capabilities, and the exit status rules.
 *
 * Exit status: 0 every judged connection is trusted (or none was judged);
 * 1 at least one connection failed verification; 2 usage or input error.
 *
 * Ownership: a session owns its trust store; session_close frees it.
 */
#ifndef TLSSCOPE_ENGINE_SESSION_H
#define TLSSCOPE_ENGINE_SESSION_H

#include <stdbool.h>
#include <stdio.h>

#include "options.h"
#include "pipeline.h"

#define EXIT_TRUSTED 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2

struct logreport;
struct probe_source;

struct session {
    const struct cli_opts *o;
    struct trust_store store;
    bool have_store;
    struct trust_store client_store; /* --client-trust: the servers' store (mutual TLS) */
    bool have_client_store;
    struct keylog *keylog;        /* --keylog files; also gets pcapng secrets */
    struct cap_live_opts live;
    struct pipeline_opts popts;   /* ready for pipeline_new */
    uint64_t max_conns;           /* --max-conns or its default: a front end that
                                     keeps finished records keeps at most this many,
                                     dropping (and counting) the oldest */
    bool export_created;          /* --export-certs DIR was created by us */
    struct logreport *lr;         /* bundles and Expressway logs (report/logreport.h):
                                     opened and freed by the caller of session_open
                                     (cli/main.c); NULL for a live capture */
    struct probe_source *probe;   /* `tlsscope probe` (probe_source.h); NULL */
};

#define SESSION_DEFAULT_MAX_CONNS 100000
#define SESSION_LIVE_WAKEUP_MS 100  /* live: pipeline_step returns at least this often */

/* Load the trust store and prepare the pipeline options. On failure prints
 * one line to stderr and returns EXIT_USAGE (the session is then closed).
 * The inputs are the plain -r files; the caller may then set popts.inputs
 * (what bundles and directories hold, report/logreport.h) and calls
 * session_catch_signals() before any front end runs. */
int session_open(struct session *s, const struct cli_opts *o);
void session_close(struct session *s);

/* SIGINT/SIGTERM stop the active pipeline (session_set_active) cleanly; a
 * second one kills. */
void session_catch_signals(void);

/* The pipeline SIGINT/SIGTERM should stop (NULL: none). */
void session_set_active(struct pipeline *p);

/* After pipeline_new (the capture and the -w file are open): give up root
 * (-Z USER; by default "nobody" for a live capture run as root, -Z root
 * keeps it), then check that --export-certs can still be written. Every
 * front end calls it before reading packets. Prints one line to stderr and
 * returns EXIT_USAGE on failure, else 0. Live captures then get tcpdump's
 * "listening on ..." line on stderr. */
int session_ready(struct session *s, struct pipeline *p);

/* Colour on stream f: --color, NO_COLOR, TERM=dumb, isatty. */
bool frontend_want_color(const struct cli_opts *o, FILE *f);
/* The locale's character set is UTF-8. */
bool frontend_utf8(void);
/* One error line on stderr, "WHO: message\n", the message escaped like all
 * text output: it may echo a file name, an option argument or a path from
 * the command line, and those can hold escape sequences too. */
void frontend_error(const char *who, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* store_lint callback printing "store lint: ..." to the FILE in arg. */
void frontend_print_lint(void *arg, const struct store_lint *item);
/* ... "client store lint: ..." for the --client-trust store (mutual TLS). */
void frontend_print_client_lint(void *arg, const struct store_lint *item);
/* Malformed key log lines (named) and secrets over the cap, on stderr. */
struct keylog;
void frontend_keylog_problems(const struct keylog *kl);

int run_batch(struct session *s);
int run_logreport(struct session *s); /* logs without captures (logreport.c) */
/* The browser; TUI_NO_TERMINAL when it cannot start on this terminal (said
 * when --tui asked for it): the caller shows the batch report instead. */
#define TUI_NO_TERMINAL (-1)
int run_tui(struct session *s);
int run_store(int argc, char **argv);

#endif
