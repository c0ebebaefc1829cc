/* cli.h — the command line, parsed into one struct (tested by test_cli). */
#ifndef TLSSCOPE_CLI_CLI_H
#define TLSSCOPE_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe/probe.h"
#include "trust/verdict.h"

#define CLI_MAX_FILES 64

enum cli_color { CLI_COLOR_AUTO = 0, CLI_COLOR_ALWAYS, CLI_COLOR_NEVER };

struct cli_opts {
    const char *files[CLI_MAX_FILES];  /* -r, in order */
    int n_files;
    const char *iface;                 /* -i */
    const char *trust[CLI_MAX_FILES];  /* --trust */
    int n_trust;
    const char *keylogs[CLI_MAX_FILES];/* --keylog: NSS key logs (probe: the one it writes) */
    int n_keylogs;
    enum verdict_profile profile;      /* --profile */
    bool have_at;                      /* --at */
    int64_t at;
    bool batch, tui, json, pem, verbose;
    enum cli_color color;
    const char *export_dir;            /* --export-certs */
    bool list_ifaces;                  /* -D */
    uint64_t snaplen;                  /* -s (0 = whole packets) */
    uint64_t buffer_kib;               /* -B, KiB (0 = default) */
    uint64_t count;                    /* -c */
    const char *write_file;            /* -w */
    const char *user;                  /* -Z */
    uint64_t duration;                 /* --duration */
    uint64_t max_conns;                /* --max-conns */
    char filter[2048];                 /* trailing words with -i or -r: a BPF expression
                                          (with neither, they are inputs: files,
                                          bundles, directories) */
    /* Expressway diagnostic bundles and logs (logreport.h) */
    const char *logs[CLI_MAX_FILES];   /* --log */
    int n_logs;
    int64_t log_window_ns;             /* --log-window; 0 = default (2 s) */
    uint64_t bundle_max_member;        /* --bundle-max-member; 0 = default */
    uint64_t bundle_max_total;         /* --bundle-max-total; 0 = default */
    /* tlsscope probe (probe/probe.h) */
    bool probe;                        /* the `probe` subcommand */
    const char *targets[CLI_MAX_FILES];/* its TARGET words */
    int n_targets;
    const char *targets_file;          /* -T FILE */
    const char *from_capture;          /* --from-capture F */
    const char *from_log;              /* --from-log F */
    const char *ports;                 /* --ports LIST (NULL: PROBE_DEFAULT_PORTS) */
    uint64_t parallel;                 /* --parallel N (0: default) */
    int64_t timeout_ns;                /* --timeout SECONDS (0: default) */
    enum probe_hello_kind hello;       /* --hello, --ciphers */
    const char *ciphers;               /* --ciphers STRING */
    bool help, version;
};

/* Parse argv; 0 ok, -1 with one line in err. Does not print or exit. */
int cli_parse(int argc, char **argv, struct cli_opts *o, char *err, size_t errlen);

#endif
