/* cli.h — the command line, parsed into one struct (tested by test_cli). */
#ifndef TLSSCOPE_CLI_CLI_H
#define TLSSCOPE_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/options.h"

/* Parse argv; 0 ok, -1 with one line in err. Does not print or exit. */
int cli_parse(int argc, char **argv, struct cli_opts *o, char *err, size_t errlen);

#endif
