/* Unit tests for the command line parser: every option, and the errors a
 * user gets for bad input. */
#include <string.h>

#include "check.h"
#include "cli/cli.h"

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
    /* a trailing filter applies to files too (tcpdump -r x.pcap tcp port 8443) */
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -r a tcp port 8443 or tcp port 6972"), 0);
    CHECK_EQ_STR(o.filter, "tcp port 8443 or tcp port 6972");
    CHECK_EQ_STR(o.files[0], "a");
    CHECK_EQ_INT(o.n_files, 1);
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -r a extra"), 0);
    CHECK_EQ_STR(o.filter, "extra");
    /* with neither -i nor -r, trailing words are the inputs (bundles, directories) */
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope a.pcap bundle.tar.gz"), 0);
    CHECK_EQ_INT(o.n_files, 2);
    CHECK_EQ_STR(o.files[1], "bundle.tar.gz");
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

    /* live capture options (issue 5) */
    /* options after the filter words, as tcpdump on Linux takes them */
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -i any tcp port 443 -c 2 --json"), 0);
    CHECK_EQ_STR(o.filter, "tcp port 443");
    CHECK_EQ_INT(o.count, 2);
    CHECK(o.json);
    CHECK_EQ_STR(o.iface, "any");
    /* "--" ends the options: a word after it is filter text */
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -i lo -- tcp -c"), 0);
    CHECK_EQ_STR(o.filter, "tcp -c");
    CHECK_EQ_INT(o.count, 0);
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -D"), 0);
    CHECK(o.list_ifaces);
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -i 2 -B 65536 -s 0"), 0);
    CHECK_EQ_STR(o.iface, "2");
    CHECK_EQ_INT(o.buffer_kib, 65536);
    CHECK_EQ_INT(o.snaplen, 0);
    CHECK_EQ_INT(o.max_conns, 0);
    CHECK(o.user == NULL);
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -i lo -Z root -c 1 --max-conns 5"), 0);
    CHECK_EQ_STR(o.user, "root");
    CHECK_EQ_INT(o.max_conns, 5);
    /* -c and -Z apply to files as well */
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -r a -c 3 -Z nobody --max-conns 7"), 0);
    CHECK_EQ_INT(o.count, 3);
    CHECK_EQ_STR(o.user, "nobody");
    CHECK_EQ_INT(o.max_conns, 7);
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -r a -w out.pcap"), -1);
    CHECK_EQ_STR(err, "-w only applies to live capture (-i)");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -r a -s 96"), -1);
    CHECK_EQ_STR(err, "-s only applies to live capture (-i)");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -r a -B 1024"), -1);
    CHECK_EQ_STR(err, "-B only applies to live capture (-i)");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -r a --duration 3"), -1);
    CHECK_EQ_STR(err, "--duration only applies to live capture (-i)");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -i lo -w -"), -1);
    CHECK_EQ_STR(err, "-w -: standard output carries the report; give a file name");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -i lo -s 262145"), -1);
    CHECK_EQ_STR(err, "-s: invalid snaplen '262145'");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -i lo -B 0"), -1);
    CHECK_EQ_STR(err, "-B: invalid buffer size '0' (KiB, 1 to 4194304)");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -i lo -B 4194305"), -1);
    CHECK_EQ_STR(err, "-B: invalid buffer size '4194305' (KiB, 1 to 4194304)");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -i lo --duration 0"), -1);
    CHECK_EQ_STR(err, "--duration: invalid number of seconds '0'");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -i lo --duration 1.5"), -1);
    CHECK_EQ_STR(err, "--duration: invalid number of seconds '1.5'");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -i lo --max-conns 0"), -1);
    CHECK_EQ_STR(err, "--max-conns: invalid number '0'");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -i lo -c x"), -1);
    CHECK_EQ_STR(err, "-c: invalid count 'x'");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -i"), -1);
    CHECK_EQ_STR(err, "option -i needs an argument");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -i lo -Z"), -1);
    CHECK_EQ_STR(err, "option -Z needs an argument");
    /* tlsscope probe: its options, its targets, and the options of one
     * mode refused in the other */
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope probe --ports 443,8443 --parallel 4 --timeout 2.5 --hello expressway-rsa -w p.pcapng --keylog k.txt --json cucm:6972 [fd00::1]:8443"), 0);
    CHECK(o.probe && o.json);
    CHECK_EQ_INT(o.n_targets, 2);
    CHECK_EQ_STR(o.targets[1], "[fd00::1]:8443");
    CHECK_EQ_STR(o.ports, "443,8443");
    CHECK_EQ_INT(o.parallel, 4);
    CHECK_EQ_INT(o.timeout_ns, 2500000000);
    CHECK_EQ_INT(o.hello, PROBE_HELLO_EXPRESSWAY_RSA);
    CHECK_EQ_STR(o.write_file, "p.pcapng");
    CHECK_EQ_STR(o.keylogs[0], "k.txt");
    CHECK_EQ_INT(o.n_files, 0);
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope probe --ciphers HIGH:!aNULL -T list.txt"), 0);
    CHECK_EQ_INT(o.hello, PROBE_HELLO_CIPHERS);
    CHECK_EQ_STR(o.ciphers, "HIGH:!aNULL");
    CHECK_EQ_STR(o.targets_file, "list.txt");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope probe --from-capture a.pcap --from-log diag.txt"), 0);
    CHECK_EQ_STR(o.from_capture, "a.pcap");
    CHECK_EQ_STR(o.from_log, "diag.txt");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope probe"), -1);
    CHECK_EQ_STR(err, "probe: no target (host[:port], ip[:port], [v6]:port, -T FILE, --from-capture F or --from-log F)");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope probe -r x.pcap cucm"), -1);
    CHECK_EQ_STR(err, "probe: -r, -i, -D and --log are for captures; probe takes targets");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope probe --parallel 0 cucm"), -1);
    CHECK_EQ_STR(err, "--parallel: '0' is not a number from 1 to 1024");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope probe --hello chrome cucm"), -1);
    CHECK_EQ_STR(err, "--hello: 'chrome' is not expressway, expressway-rsa or replay");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope probe --hello replay cucm"), -1);
    CHECK_EQ_STR(err, "probe: --hello replay takes its targets and their ClientHellos from --from-capture alone");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope probe --hello replay --from-capture x.pcap"), 0);
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -r x.pcap --ports 443"), -1);
    CHECK_EQ_STR(err, "-T, --from-capture, --from-log, --ports, --parallel, --timeout, --hello, --ciphers, --cert and --key are for `tlsscope probe`");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope -r x.pcap --cert c.pem --key k.pem"), -1);
    CHECK_EQ_STR(err, "-T, --from-capture, --from-log, --ports, --parallel, --timeout, --hello, --ciphers, --cert and --key are for `tlsscope probe`");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope probe --key k.pem cucm"), -1);
    CHECK_EQ_STR(err, "probe: --cert and --key go together");
    CHECK_EQ_INT(parse(&o, err, sizeof(err), "tlsscope probe --cert c.pem --key k.pem cucm"), 0);
    CHECK_EQ_STR(o.client_cert, "c.pem");
    CHECK_EQ_STR(o.client_key, "k.pem");

    return check_summary();
}
