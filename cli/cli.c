/* cli.c — turning argv into struct cli_opts, with one-line errors. Kept
 * apart from main.c so that tests can call it. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/timefmt.h"

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s || *s == '-') return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end) return -1;
    *out = v;
    return 0;
}

/* "64M", "4G", "1048576", "512KiB": bytes, binary units. */
static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s || *s == '-') return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s) return -1;
    int shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    case 't': case 'T': shift = 40; end++; break;
    default: break;
    }
    if (shift && (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0)) end += strlen(end);
    if (*end || v == 0 || (shift && v > (UINT64_MAX >> shift))) return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

/* "2", "0.5", "10.25": seconds, at most an hour, to ns. */
static int parse_seconds(const char *s, int64_t *ns)
{
    char *end;
    if (!s || !*s || *s == '-' || *s == '+') return -1;
    double v = strtod(s, &end);
    if (end == s || *end || !(v > 0) || v > 3600) return -1;
    *ns = (int64_t)(v * 1e9 + 0.5);
    return *ns > 0 ? 0 : -1;
}

int cli_parse(int argc, char **argv, struct cli_opts *o, char *err, size_t errlen)
{
    enum { OPT_TRUST = 256, OPT_CLIENT_TRUST, OPT_PROFILE, OPT_AT, OPT_JSON, OPT_PEM, OPT_COLOR, OPT_EXPORT,
           OPT_TUI, OPT_DURATION, OPT_MAXCONNS,
           OPT_LOG, OPT_LOG_WINDOW, OPT_BUNDLE_MEMBER, OPT_BUNDLE_TOTAL,
           OPT_KEYLOG, OPT_FROM_CAPTURE, OPT_FROM_LOG, OPT_PORTS, OPT_PARALLEL, OPT_TIMEOUT, OPT_HELLO, OPT_CIPHERS,
           OPT_CERT, OPT_KEY };
    static const struct option longopts[] = {
        {"read", required_argument, NULL, 'r'},
        {"interface", required_argument, NULL, 'i'},
        {"trust", required_argument, NULL, OPT_TRUST},
        {"client-trust", required_argument, NULL, OPT_CLIENT_TRUST},
        {"keylog", required_argument, NULL, OPT_KEYLOG},
        {"profile", required_argument, NULL, OPT_PROFILE},
        {"at", required_argument, NULL, OPT_AT},
        {"batch", no_argument, NULL, 'b'},
        {"tui", no_argument, NULL, OPT_TUI},
        {"json", no_argument, NULL, OPT_JSON},
        {"pem", no_argument, NULL, OPT_PEM},
        {"verbose", no_argument, NULL, 'v'},
        {"color", required_argument, NULL, OPT_COLOR},
        {"colour", required_argument, NULL, OPT_COLOR},
        {"export-certs", required_argument, NULL, OPT_EXPORT},
        {"duration", required_argument, NULL, OPT_DURATION},
        {"max-conns", required_argument, NULL, OPT_MAXCONNS},
        {"log", required_argument, NULL, OPT_LOG},
        {"log-window", required_argument, NULL, OPT_LOG_WINDOW},
        {"bundle-max-member", required_argument, NULL, OPT_BUNDLE_MEMBER},
        {"bundle-max-total", required_argument, NULL, OPT_BUNDLE_TOTAL},
        {"ports", required_argument, NULL, OPT_PORTS},
        {"from-capture", required_argument, NULL, OPT_FROM_CAPTURE},
        {"from-log", required_argument, NULL, OPT_FROM_LOG},
        {"parallel", required_argument, NULL, OPT_PARALLEL},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"hello", required_argument, NULL, OPT_HELLO},
        {"ciphers", required_argument, NULL, OPT_CIPHERS},
        {"cert", required_argument, NULL, OPT_CERT},
        {"key", required_argument, NULL, OPT_KEY},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof(*o));
    /* `tlsscope probe [options] TARGET...`: the same options, and the
     * trailing words are targets */
    if (argc > 1 && strcmp(argv[1], "probe") == 0) {
        o->probe = true;
        argc--;
        argv++;
    }
    o->color = CLI_COLOR_AUTO;
    o->profile = PROFILE_EXPRESSWAY;
    int ch;
    optind = 0; /* glibc: 0 also resets the scanner state left by an earlier error */
    opterr = 0;
    /* Options may follow the filter words (`-i lo tcp port 443 -c 2`), as
     * with tcpdump on Linux: glibc permutes; "--" ends the options. */
    while ((ch = getopt_long(argc, argv, ":r:i:bvhVDs:c:w:Z:B:T:", longopts, NULL)) != -1) {
        switch (ch) {
        case 'r':
            if (o->n_files >= CLI_MAX_FILES) {
                snprintf(err, errlen, "too many -r files (at most %d)", CLI_MAX_FILES);
                return -1;
            }
            o->files[o->n_files++] = optarg;
            break;
        case 'i': o->iface = optarg; break;
        case OPT_TRUST:
            if (o->n_trust >= CLI_MAX_FILES) {
                snprintf(err, errlen, "too many --trust paths (at most %d)", CLI_MAX_FILES);
                return -1;
            }
            o->trust[o->n_trust++] = optarg;
            break;
        case OPT_CLIENT_TRUST:
            if (o->n_client_trust >= CLI_MAX_FILES) {
                snprintf(err, errlen, "too many --client-trust paths (at most %d)", CLI_MAX_FILES);
                return -1;
            }
            o->client_trust[o->n_client_trust++] = optarg;
            break;
        case OPT_KEYLOG:
            if (o->n_keylogs >= CLI_MAX_FILES) {
                snprintf(err, errlen, "too many --keylog files (at most %d)", CLI_MAX_FILES);
                return -1;
            }
            o->keylogs[o->n_keylogs++] = optarg;
            break;
        case OPT_PROFILE:
            if (strcmp(optarg, "expressway") == 0)
                o->profile = PROFILE_EXPRESSWAY;
            else if (strcmp(optarg, "rfc") == 0)
                o->profile = PROFILE_RFC;
            else {
                snprintf(err, errlen, "--profile: unknown profile '%.40s' (expressway or rfc)", optarg);
                return -1;
            }
            break;
        case OPT_AT:
            if (time_parse(optarg, &o->at) != 0) {
                snprintf(err, errlen,
                         "--at: cannot read '%.60s' (use 2022-07-11T16:55:26Z or @1657558526)", optarg);
                return -1;
            }
            o->have_at = true;
            break;
        case 'b': o->batch = true; break;
        case OPT_TUI: o->tui = true; break;
        case OPT_JSON: o->json = true; break;
        case OPT_PEM: o->pem = true; break;
        case 'v': o->verbose = true; break;
        case OPT_COLOR:
            if (strcmp(optarg, "auto") == 0) o->color = CLI_COLOR_AUTO;
            else if (strcmp(optarg, "always") == 0) o->color = CLI_COLOR_ALWAYS;
            else if (strcmp(optarg, "never") == 0) o->color = CLI_COLOR_NEVER;
            else {
                snprintf(err, errlen, "--color: '%.20s' is not auto, always or never", optarg);
                return -1;
            }
            break;
        case OPT_EXPORT: o->export_dir = optarg; break;
        case 'D': o->list_ifaces = true; break;
        case 's':
            if (parse_u64(optarg, &o->snaplen) != 0 || o->snaplen > 262144) {
                snprintf(err, errlen, "-s: invalid snaplen '%.20s'", optarg);
                return -1;
            }
            break;
        case 'B':
            if (parse_u64(optarg, &o->buffer_kib) != 0 || o->buffer_kib == 0 ||
                o->buffer_kib > 4194304) {
                snprintf(err, errlen, "-B: invalid buffer size '%.20s' (KiB, 1 to 4194304)", optarg);
                return -1;
            }
            break;
        case 'c':
            if (parse_u64(optarg, &o->count) != 0 || o->count == 0) {
                snprintf(err, errlen, "-c: invalid count '%.20s'", optarg);
                return -1;
            }
            break;
        case 'w': o->write_file = optarg; break;
        case 'Z': o->user = optarg; break;
        case OPT_DURATION:
            if (parse_u64(optarg, &o->duration) != 0 || o->duration == 0) {
                snprintf(err, errlen, "--duration: invalid number of seconds '%.20s'", optarg);
                return -1;
            }
            break;
        case OPT_MAXCONNS:
            if (parse_u64(optarg, &o->max_conns) != 0 || o->max_conns == 0) {
                snprintf(err, errlen, "--max-conns: invalid number '%.20s'", optarg);
                return -1;
            }
            break;
        case OPT_LOG:
            if (o->n_logs >= CLI_MAX_FILES) {
                snprintf(err, errlen, "too many --log paths (at most %d)", CLI_MAX_FILES);
                return -1;
            }
            o->logs[o->n_logs++] = optarg;
            break;
        case OPT_LOG_WINDOW:
            if (parse_seconds(optarg, &o->log_window_ns) != 0) {
                snprintf(err, errlen, "--log-window: '%.20s' is not a number of seconds (0 < s <= 3600)", optarg);
                return -1;
            }
            break;
        case OPT_BUNDLE_MEMBER:
        case OPT_BUNDLE_TOTAL:
            if (parse_size(optarg, ch == OPT_BUNDLE_MEMBER ? &o->bundle_max_member
                                                           : &o->bundle_max_total) != 0) {
                snprintf(err, errlen, "%s: '%.20s' is not a size (bytes, or with K, M, G)",
                         ch == OPT_BUNDLE_MEMBER ? "--bundle-max-member" : "--bundle-max-total",
                         optarg);
                return -1;
            }
            break;
        case 'T': o->targets_file = optarg; break;
        case OPT_PORTS: o->ports = optarg; break;
        case OPT_FROM_CAPTURE: o->from_capture = optarg; break;
        case OPT_FROM_LOG: o->from_log = optarg; break;
        case OPT_PARALLEL:
            if (parse_u64(optarg, &o->parallel) != 0 || o->parallel == 0 || o->parallel > 1024) {
                snprintf(err, errlen, "--parallel: '%.20s' is not a number from 1 to 1024", optarg);
                return -1;
            }
            break;
        case OPT_TIMEOUT:
            if (parse_seconds(optarg, &o->timeout_ns) != 0) {
                snprintf(err, errlen, "--timeout: '%.20s' is not a number of seconds (0 < s <= 3600)", optarg);
                return -1;
            }
            break;
        case OPT_HELLO:
            if (strcmp(optarg, "expressway") == 0) o->hello = PROBE_HELLO_EXPRESSWAY_ONLY;
            else if (strcmp(optarg, "expressway-rsa") == 0) o->hello = PROBE_HELLO_EXPRESSWAY_RSA;
            else if (strcmp(optarg, "replay") == 0) o->hello = PROBE_HELLO_REPLAY;
            else {
                snprintf(err, errlen, "--hello: '%.30s' is not expressway, expressway-rsa or replay",
                         optarg);
                return -1;
            }
            break;
        case OPT_CIPHERS: o->ciphers = optarg; o->hello = PROBE_HELLO_CIPHERS; break;
        case OPT_CERT: o->client_cert = optarg; break;
        case OPT_KEY: o->client_key = optarg; break;
        case 'h': o->help = true; break;
        case 'V': o->version = true; break;
        case ':':
            if (optopt && optopt < 256)
                snprintf(err, errlen, "option -%c needs an argument", optopt);
            else
                snprintf(err, errlen, "option %.60s needs an argument", argv[optind - 1]);
            return -1;
        case '?':
        default:
            if (optopt && optopt < 256)
                snprintf(err, errlen, "unknown option '-%c'", optopt);
            else
                snprintf(err, errlen, "unknown option '%.60s'", argv[optind - 1]);
            return -1;
        }
    }
    if (o->probe) {
        if (o->iface || o->n_files || o->n_logs || o->list_ifaces) {
            snprintf(err, errlen, "probe: -r, -i, -D and --log are for captures; probe takes targets");
            return -1;
        }
        for (int i = optind; i < argc; i++) {
            if (o->n_targets >= CLI_MAX_FILES) {
                snprintf(err, errlen, "probe: too many targets on the command line (at most %d; use -T FILE)",
                         CLI_MAX_FILES);
                return -1;
            }
            o->targets[o->n_targets++] = argv[i];
        }
        if (o->n_keylogs > 1) {
            snprintf(err, errlen, "probe: --keylog names the one file it writes");
            return -1;
        }
        if (o->hello == PROBE_HELLO_REPLAY && (!o->from_capture || o->n_targets || o->targets_file ||
                                               o->from_log)) {
            snprintf(err, errlen, "probe: --hello replay takes its targets and their ClientHellos "
                                  "from --from-capture alone");
            return -1;
        }
        if (!o->client_cert != !o->client_key) {
            snprintf(err, errlen, "probe: --cert and --key go together");
            return -1;
        }
        if (!o->n_targets && !o->targets_file && !o->from_capture && !o->from_log && !o->help) {
            snprintf(err, errlen, "probe: no target (host[:port], ip[:port], [v6]:port, -T FILE, "
                                  "--from-capture F or --from-log F)");
            return -1;
        }
        return 0;
    }
    if (o->targets_file || o->from_capture || o->from_log || o->ports || o->parallel || o->timeout_ns ||
        o->hello || o->ciphers || o->client_cert || o->client_key) {
        snprintf(err, errlen, "-T, --from-capture, --from-log, --ports, --parallel, --timeout, --hello, "
                              "--ciphers, --cert and --key are for `tlsscope probe`");
        return -1;
    }
    /* Trailing words: with -i or -r they are a BPF filter, as tcpdump takes
     * them (tcpdump -r x.pcap tcp port 8443); with neither they are the
     * inputs (tlsscope diagnostic_log.tar.gz, a directory, captures). */
    bool words_are_filter = o->iface || o->n_files > 0;
    for (int i = optind; i < argc && !words_are_filter; i++) {
        if (o->n_files >= CLI_MAX_FILES) {
            snprintf(err, errlen, "too many inputs (at most %d)", CLI_MAX_FILES);
            return -1;
        }
        o->files[o->n_files++] = argv[i];
    }
    size_t flen = 0;
    for (int i = optind; i < argc && words_are_filter; i++) {
        size_t l = strlen(argv[i]);
        if (flen + l + 2 > sizeof(o->filter)) {
            snprintf(err, errlen, "filter expression too long");
            return -1;
        }
        if (flen) o->filter[flen++] = ' ';
        memcpy(o->filter + flen, argv[i], l);
        flen += l;
        o->filter[flen] = '\0';
    }
    if (o->help || o->version || o->list_ifaces) return 0;
    if (o->n_files && o->iface) {
        snprintf(err, errlen, "-r and -i cannot be combined");
        return -1;
    }
    if (o->n_logs && o->iface) {
        snprintf(err, errlen, "--log and -i cannot be combined");
        return -1;
    }
    if (!o->n_files && !o->iface && !o->n_logs) {
        snprintf(err, errlen, "nothing to read: give -r FILE or -i IFACE");
        return -1;
    }
    if (o->json && o->tui) {
        snprintf(err, errlen, "--json and --tui cannot be combined");
        return -1;
    }
    if (o->pem && !o->json) {
        snprintf(err, errlen, "--pem only applies to --json output");
        return -1;
    }
    if (!o->iface) {
        /* what only makes sense for a live capture */
        const char *live_only = o->write_file ? "-w" : o->snaplen ? "-s" : o->buffer_kib ? "-B"
                              : o->duration ? "--duration" : NULL;
        if (live_only) {
            snprintf(err, errlen, "%s only applies to live capture (-i)", live_only);
            return -1;
        }
    }
    if (o->write_file && strcmp(o->write_file, "-") == 0) {
        snprintf(err, errlen, "-w -: standard output carries the report; give a file name");
        return -1;
    }
    if (o->user && !o->user[0]) {
        snprintf(err, errlen, "-Z: empty user name");
        return -1;
    }
    return 0;
}

