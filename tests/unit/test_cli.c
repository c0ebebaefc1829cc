/* Unit tests for the command line parser: every option, and the errors a
 * user gets for bad input. */
#include <string.h>

#include "check.h"
#include "ui/cli.h"

static int parse(struct cli_opts *o, char *err, size_t n, const char *line)
{
    static char buf[1024];
    char *argv[64];
    int argc = 0;
    snprintf(buf, sizeof(buf), "%s", line);
    for (char *t = strtok(buf, " "); t && argc < 63; t = strtok(NULL, " ")) argv[argc++] = t;
    argv[argc] = NULL;
    err[0] = '\0';
    return cli_parse(argc, argv, o, err, n);
}

int main(void)
{
    struct cli_opts o;
    char err[256];

    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -r a.pcap -r b.pcapng --trust s.pem --trust system --profile rfc --at 2022-07-11T16:55:26Z --json --pem -v"), 0);
    CHECK_EQ_INT(o.n_files, 2);
    CHECK_EQ_STR(o.files[1], "b.pcapng");
    CHECK_EQ_INT(o.n_trust, 2);
    CHECK_EQ_STR(o.trust[1], "system");
    CHECK_EQ_INT(o.profile, PROFILE_RFC);
    CHECK(o.have_at);
    CHECK_EQ_INT(o.at, 1657558526);
    CHECK(o.json && o.pem && o.verbose);

    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -r - -b --color never --export-certs out"), 0);
    CHECK_EQ_STR(o.files[0], "-");
    CHECK(o.batch);
    CHECK_EQ_INT(o.color, CLI_COLOR_NEVER);
    CHECK_EQ_STR(o.export_dir, "out");
    CHECK_EQ_INT(o.profile, PROFILE_EXPRESSWAY);

    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -i lo -c 3 -s 96 -w x.pcap -Z nobody --duration 5 --max-conns 10 tcp port 8443"), 0);
    CHECK_EQ_STR(o.iface, "lo");
    CHECK_EQ_INT(o.count, 3);
    CHECK_EQ_INT(o.snaplen, 96);
    CHECK_EQ_STR(o.write_file, "x.pcap");
    CHECK_EQ_STR(o.user, "nobody");
    CHECK_EQ_INT(o.duration, 5);
    CHECK_EQ_INT(o.max_conns, 10);
    CHECK_EQ_STR(o.filter, "tcp port 8443");

    /* errors */
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope"), -1);
    CHECK_EQ_STR(err, "nothing to read: give -r FILE or -i IFACE");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -r a --profile browser"), -1);
    CHECK_EQ_STR(err, "--profile: unknown profile 'browser' (expressway or rfc)");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -r a --at yesterday"), -1);
    CHECK_EQ_STR(err, "--at: cannot read 'yesterday' (use 2022-07-11T16:55:26Z or @1657558526)");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -r a -i lo"), -1);
    CHECK_EQ_STR(err, "-r and -i cannot be combined");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -r a --pem"), -1);
    CHECK_EQ_STR(err, "--pem only applies to --json output");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -r a --bogus"), -1);
    CHECK_EQ_STR(err, "unknown option '--bogus'");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -r"), -1);
    CHECK_EQ_STR(err, "option -r needs an argument");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -r a --trust"), -1);
    CHECK_EQ_STR(err, "option --trust needs an argument");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -r a -q"), -1);
    CHECK_EQ_STR(err, "unknown option '-q'");
    /* without -i, trailing words are inputs like -r (bundles, directories) */
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -r a extra bundle.tar.gz"), 0);
    CHECK_EQ_INT(o.n_files, 3);
    CHECK_EQ_STR(o.files[1], "extra");
    CHECK_EQ_STR(o.files[2], "bundle.tar.gz");
    CHECK_EQ_STR(o.filter, "");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope --trust s.pem diag.tar.gz"), 0);
    CHECK_EQ_INT(o.n_files, 1);
    CHECK_EQ_STR(o.files[0], "diag.tar.gz");
    /* Expressway logs and bundle caps */
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope --log a.txt --log b.txt.gz --log-window 0.25 --bundle-max-member 64M --bundle-max-total 2GiB"), 0);
    CHECK_EQ_INT(o.n_files, 0);
    CHECK_EQ_INT(o.n_logs, 2);
    CHECK_EQ_STR(o.logs[1], "b.txt.gz");
    CHECK_EQ_INT(o.log_window_ns, 250000000);
    CHECK_EQ_INT(o.bundle_max_member, 64ll << 20);
    CHECK_EQ_INT(o.bundle_max_total, 2ll << 30);
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope --log a.txt --bundle-max-member 1000 --log-window 3"), 0);
    CHECK_EQ_INT(o.bundle_max_member, 1000);
    CHECK_EQ_INT(o.log_window_ns, 3000000000ll);
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope --log a.txt --log-window 0"), -1);
    CHECK_EQ_STR(err, "--log-window: '0' is not a number of seconds (0 < s <= 3600)");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope --log a.txt --log-window 2s"), -1);
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope --log a.txt --log-window 7200"), -1);
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope --log a.txt --bundle-max-member 12X"), -1);
    CHECK_EQ_STR(err, "--bundle-max-member: '12X' is not a size (bytes, or with K, M, G)");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope --log a.txt --bundle-max-total 0"), -1);
    CHECK_EQ_STR(err, "--bundle-max-total: '0' is not a size (bytes, or with K, M, G)");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope --log a.txt --bundle-max-total 99999999999T"), -1);
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -i lo --log a.txt"), -1);
    CHECK_EQ_STR(err, "--log and -i cannot be combined");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -i lo -c 0"), -1);
    CHECK_EQ_STR(err, "-c: invalid count '0'");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -i lo -s -5"), -1);
    CHECK_EQ_STR(err, "-s: invalid snaplen '-5'");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -r a --color sometimes"), -1);
    CHECK_EQ_STR(err, "--color: 'sometimes' is not auto, always or never");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope --help"), 0);
    CHECK(o.help);
    return check_summary();
}
