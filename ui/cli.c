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

int cli_parse(int argc, char **argv, struct cli_opts *o, char *err, size_t errlen)
{
    enum { OPT_TRUST = 256, OPT_PROFILE, OPT_AT, OPT_JSON, OPT_PEM, OPT_COLOR, OPT_EXPORT,
           OPT_TUI, OPT_DURATION, OPT_MAXCONNS };
    static const struct option longopts[] = {
        {"read", required_argument, NULL, 'r'},
        {"interface", required_argument, NULL, 'i'},
        {"trust", required_argument, NULL, OPT_TRUST},
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
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof(*o));
    o->color = CLI_COLOR_AUTO;
    o->profile = PROFILE_EXPRESSWAY;
    int ch;
    optind = 0; /* glibc: 0 also resets the scanner state left by an earlier error */
    opterr = 0;
    /* Options may follow the filter words (`-i lo tcp port 443 -c 2`), as
     * with tcpdump on Linux: glibc permutes; "--" ends the options. */
    while ((ch = getopt_long(argc, argv, ":r:i:bvhVDs:c:w:Z:B:", longopts, NULL)) != -1) {
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
    /* trailing words: a BPF filter, as tcpdump takes it */
    size_t flen = 0;
    for (int i = optind; i < argc; i++) {
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
    if (!o->n_files && !o->iface) {
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

