/* options.h — what the command line asks for, as one struct: the engine
 * sets a session up from it (engine/session.c), the front ends read their
 * switches from it. cli/cli.c fills it from argv (tested by test_cli). */
#ifndef TLSSCOPE_ENGINE_OPTIONS_H
#define TLSSCOPE_ENGINE_OPTIONS_H

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
    const char *client_trust[CLI_MAX_FILES]; /* --client-trust: the servers' store for
                                          judging client certificates (mutual TLS) */
    int n_client_trust;
    const char *keylogs[CLI_MAX_FILES];/* --keylog: NSS key logs (TLS 1.3 decryption) */
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
    const char *client_cert;           /* --cert FILE: the probe's client chain (PEM) */
    const char *client_key;            /* --key FILE: its private key */
    bool help, version;
};

#endif
