/* logreport.h — the front-end side of Expressway diagnostic bundles and
 * logs (issue 8): turn the command line's inputs into capture inputs and a
 * parsed log, correlate connections as the batch front end hands them over,
 * and write the log section of the text report and the JSON lines.
 *
 * Inputs (every -r FILE and positional argument, and --log PATH):
 *   - a directory or an archive (a diagnostic bundle): listed by content;
 *     captures inside become pipeline inputs, text is parsed as log;
 *   - a text file: parsed as log; a capture file: a pipeline input;
 *   - "-", a FIFO, a missing file, anything else: handed to the capture
 *     reader unchanged (its messages as before).
 *   --log PATH reads only the logs of PATH (captures in it are listed, not
 *   read). A run with plain capture files only is not affected at all:
 *   logreport_active() is false and the output is what it always was.
 *
 * Text report: after the summary, "Inputs", "Expressway log", "Log vs
 * capture" (failures side by side with the connection and tlsscope's
 * verdict, agreement), "Log failures without a captured connection",
 * "Failing connections the log does not mention", "MRA requests". Without
 * captures: failing servers by reason with the advice instead.
 *
 * JSON (--json): a connection a log failure is about carries it as
 * tlsscope.log; every other log failure is one more line with
 * tlsscope.type = "log_failure" (schema in README.md, "Diagnostic bundles
 * and logs").
 *
 * Ownership: a logreport owns its bundle listing, log, correlation and
 * capture input list; logreport_free() releases them.
 */
#ifndef TLSSCOPE_REPORT_LOGREPORT_H
#define TLSSCOPE_REPORT_LOGREPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "capture/source.h"
#include "engine/options.h"
#include "explog/explog.h"
#include "json.h"
#include "explog/logcorr.h"
#include "engine/pipeline.h"
#include "report.h"

struct logreport;

/* Classify and read the inputs of o. Problems (a corrupt archive, a cap)
 * are printed to stderr as they are found, and remembered for the exit
 * status. Returns NULL only when out of memory. */
struct keylog;
/* kl (may be NULL) receives the text inputs that are NSS key logs, found by
 * content (dissect/keylog.h keylog_text_looks_like): a key log in a bundle,
 * a directory or given as an input decrypts TLS 1.3 like --keylog. */
struct logreport *logreport_open(const struct cli_opts *o, struct keylog *kl);
void logreport_free(struct logreport *lr);

/* Bundles, directories, text inputs or --log were given. */
bool logreport_active(const struct logreport *lr);
/* No capture among the inputs: the log-only report (run_logreport). */
bool logreport_log_only(const struct logreport *lr);
/* The capture inputs for pipeline_opts.inputs. */
const struct cap_input_spec *logreport_inputs(const struct logreport *lr, int *n);

/* A finished connection, before it is printed (batch done()). */
void logreport_conn(struct logreport *lr, const struct conn_record *r);
/* report_json_conn_ex() callback: adds "log" inside "tlsscope". */
void logreport_json_conn(struct json *j, void *lr, const struct conn_record *r);

/* After the last connection: the correlation's leftovers, with the packet
 * time range of ps (NULL without captures). Called by the two below when
 * not yet; the first call counts. */
void logreport_finish(struct logreport *lr, const struct pipeline_stats *ps);

/* After the summary: the log section. */
void logreport_print(struct logreport *lr, FILE *out, const struct pipeline_stats *ps,
                     const struct report_style *st);
/* --json: the log failures no connection line carried, one per line. */
void logreport_json_tail(struct logreport *lr, FILE *out);

/* 0; 1 when the log shows failures; 2 on input errors (corrupt archive,
 * cap hit, no log records at all in log-only mode). */
int logreport_status(const struct logreport *lr);

/* The first input problem printed to stderr (raw text: escape it), "" if
 * none: the browser says it again once curses has hidden stderr. */
const char *logreport_first_error(const struct logreport *lr);

/* For the browser. */
const struct explog *logreport_log(const struct logreport *lr);
const struct logcorr *logreport_corr(const struct logreport *lr);

#endif
