/* probe_source.h — `tlsscope probe` as a source of connections for the
 * pipeline (pipeline_opts.conns): targets from the command line and -T,
 * the probe's finished connections submitted for judging, and the ones
 * that got no TLS answer reported on stderr, one line each. */
#ifndef TLSSCOPE_ENGINE_PROBE_SOURCE_H
#define TLSSCOPE_ENGINE_PROBE_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/cli.h"
#include "pipeline.h"

struct probe_source;

/* From the options: NULL with one line in err (bad target, unreadable -T
 * file, bad cipher string, ...). *src_out is ready for pipeline_opts.conns. */
struct probe_source *probe_source_open(const struct cli_opts *o, const struct conn_source **src_out,
                                       char *err, size_t errlen);
/* Connections that got no TLS answer (they are not records). */
unsigned long long probe_source_failed(const struct probe_source *ps);
void probe_source_close(struct probe_source *ps);

#endif
