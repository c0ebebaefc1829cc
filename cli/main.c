/* main.c — tlsscope's entry: parse the command line, then hand over to the
 * `store` subcommand, the batch report or the browser.
 *
 * Exit status: 0 every judged connection is trusted (or none was judged);
 * 1 at least one connection failed verification (tlsscope probe: or a target
 * could not be checked); 2 usage or input error
 * (missing/unreadable/truncated capture, bad trust store path, bad option).
 */
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common/escape.h"
#include "engine/session.h"
#include "report/logreport.h"

static void usage(FILE *out)
{
    fputs("Usage: tlsscope [options] -r FILE [-r FILE ...] [BPF filter ...]\n"
          "       tlsscope [options] BUNDLE.tar.gz|DIR|FILE ...\n"
          "       tlsscope [options] --log FILE ...\n"
          "       tlsscope [options] -i IFACE [BPF filter ...]\n"
          "       tlsscope -D\n"
          "       tlsscope probe [options] TARGET ...\n"
          "       tlsscope store [--at TIME] PATH ...\n"
          "\n"
          "Which TLS server presented which certificate chain, and would the client accept it.\n"
          "\n"
          "Input:\n"
          "  -r FILE             read a pcap or pcapng capture, gzip'd or not (\"-\" = stdin);\n"
          "                      repeatable, several files are merged in time order\n"
          "  BPF filter          trailing words after -r or -i: a tcpdump filter\n"
          "                      (\"tcp port 8443\"); without -r/-i they are inputs\n"
          "Live capture (as with tcpdump):\n"
          "  -i IFACE            capture live on IFACE (\"any\": all; a number from -D)\n"
          "  -D                  list the interfaces and exit\n"
          "  -c COUNT            stop after COUNT TLS connections were judged\n"
          "  -s SNAPLEN          bytes kept per packet (default, or 0: whole packets)\n"
          "  -B KiB              kernel capture buffer (default 32768)\n"
          "  -w FILE             also save the captured packets to FILE (pcap)\n"
          "  -Z USER             run as USER once the capture is open (default as root:\n"
          "                      nobody; -Z root keeps root)\n"
          "  --duration SECONDS  stop after SECONDS\n"
          "  --max-conns N       connections kept in memory: open ones when live, rows in the\n"
          "                      browser (default 100000)\n"
          "Expressway diagnostic bundles and logs:\n"
          "  BUNDLE, DIR         an Expressway diagnostic bundle (.tar.gz, also zip...) or a\n"
          "                      directory of extracted files: captures and logs inside are\n"
          "                      found by content and read in place (also with -r)\n"
          "  --log PATH          Expressway diagnostic log (text, gzip, or the logs of a\n"
          "                      bundle); with captures: log and packets side by side\n"
          "                      (in the browser: the Log view, key L)\n"
          "  --log-window SECS   how far apart a log line and its connection may be (2)\n"
          "  --bundle-max-member SIZE  bytes read from one archive member (4G)\n"
          "  --bundle-max-total SIZE   bytes decompressed from archives in all (16G)\n"
          "Trust:\n"
          "  --trust PATH        trust store: PEM bundle, PEM/DER file, directory, or \"system\";\n"
          "                      repeatable. Without it chains are not judged.\n"
          "  --client-trust PATH the server's store for mutual TLS (same forms): judge the\n"
          "                      client's chain where the server sent CertificateRequest\n"
          "  --keylog FILE       NSS key log (SSLKEYLOGFILE, s_client -keylogfile): decrypt the\n"
          "                      TLS 1.3 handshakes it has secrets for, so their chains are\n"
          "                      judged; repeatable\n"
          "  --profile NAME      name matching: expressway (default) or rfc\n"
          "  --at TIME           judge at TIME (ISO 8601 UTC or @epoch, 1950-9999) instead of capture time\n"
          "Output:\n"
          "  -b, --batch         batch report (the default when stdout is not a terminal)\n"
          "  --tui               the browser (the default on a terminal; ? lists its keys)\n"
          "  --json              JSON Lines, one object per TLS connection (summary on stderr)\n"
          "  --pem               with --json: include each certificate as PEM\n"
          "  -v, --verbose       chain (with extensions, AIA, CRL points, policies, name\n"
          "                      constraints), OCSP staple, alerts and verdict details under\n"
          "                      each connection (text report; the JSON lines always carry them)\n"
          "  --color WHEN        auto (default), always or never; NO_COLOR is honoured\n"
          "  --export-certs DIR  write every distinct certificate seen as PEM into DIR\n"
          "  -h, --help          this text;  -V, --version  the version\n"
          "Probe (tlsscope probe): connect to the servers as Expressway-C would, before\n"
          "users do; the connections are judged and reported as a capture's are:\n"
          "  TARGET              host[:port], ip[:port] or [v6]:port; every address a name\n"
          "                      resolves to is probed. SNI: the name, or the IP literal\n"
          "  -T FILE             targets from FILE, one per line (# comments)\n"
          "  --from-capture F    every TLS server in capture F, with the SNI its client sent\n"
          "  --from-log F        the MRA routes (https host and port) of an Expressway log\n"
          "  --ports LIST        ports for targets without one (default 8443,6971,6972: the\n"
          "                      MRA ones -- CUCM/IM&P/Unity HTTPS 8443, CUCM TFTP over\n"
          "                      HTTPS 6971/6972)\n"
          "  --hello expressway  OpenSSL 1.1.1's ClientHello for Expressway's default cipher\n"
          "                      string (TLS 1.2 and 1.3, ECDSA suites first). Default: each\n"
          "                      target twice, ECDSA first and RSA first (expressway-rsa)\n"
          "  --hello expressway-rsa  the same with ECDHE-RSA-AES256-GCM-SHA384 in front\n"
          "  --ciphers STRING    the ClientHello for a site's own OpenSSL cipher string\n"
          "  --hello replay      with --from-capture: send each server the ClientHello the\n"
          "                      capture shows for it (the earliest), fresh random and key\n"
          "                      share (X25519 or P-256); not a resumption\n"
          "  --parallel N        connections at once (default 32; one per address and port)\n"
          "  --timeout SECONDS   for the connect, then for the handshake (default 5)\n"
          "  -w FILE             write the probe's packets as pcapng, TLS 1.3 secrets inside\n"
          "  --keylog FILE       write the TLS 1.3 handshake secrets as an NSS key log\n"
          "  --cert FILE --key FILE  the client certificate chain (PEM, leaf first) and key\n"
          "                      to present when a server asks for one (mutual TLS; TLS 1.2:\n"
          "                      ECDHE AES-GCM over X25519 or P-256); --client-trust judges\n"
          "                      it, the server's answer shows whether it accepts it\n"
          "\n"
          "Exit status: 0 all judged connections trusted, 1 some failed (server or client\n"
          "verdict; probe: or a target could not be checked -- no TLS answer, or an alert\n"
          "instead of a certificate), 2 usage or input error.\n",
          out);
}

/* -D: the interfaces as tcpdump -D shows them ("1.eth0 [Up, Running,
 * Connected]"), so that -i NUMBER means the same in both. */
static void print_iface(void *arg, const struct cap_iface *it)
{
    char name[200], desc[300];
    (void)arg;
    printf("%d.%s", it->number, esc_text_buf(name, sizeof(name), it->name, strlen(it->name), false));
    if (it->description)
        printf(" (%s)", esc_text_buf(desc, sizeof(desc), it->description,
                                     strlen(it->description), frontend_utf8()));
    if (it->flags) printf(" [%s]", it->flags);
    putchar('\n');
}

static int list_ifaces(void)
{
    char err[512];
    int n = capsrc_list_ifaces(print_iface, NULL, err, sizeof(err));
    if (n < 0) {
        frontend_error("tlsscope", "%s", err);
        return EXIT_USAGE;
    }
    if (n == 0) {
        fprintf(stderr, "tlsscope: no interfaces found (capturing may need root or the "
                        "CAP_NET_RAW and CAP_NET_ADMIN capabilities)\n");
        return EXIT_USAGE;
    }
    return 0;
}

int main(int argc, char **argv)
{
    setlocale(LC_CTYPE, "");
    if (argc > 1 && strcmp(argv[1], "store") == 0) return run_store(argc - 1, argv + 1);

    struct cli_opts o;
    char err[256];
    if (cli_parse(argc, argv, &o, err, sizeof(err)) != 0) {
        frontend_error("tlsscope", "%s", err);
        fputs("Try 'tlsscope --help'.\n", stderr);
        return EXIT_USAGE;
    }
    if (o.help) {
        usage(stdout);
        return 0;
    }
    if (o.version) {
        printf("tlsscope %s\n", TLSSCOPE_VERSION);
        return 0;
    }
    if (o.verbose && o.json)
        /* said, not silently ignored: the JSON lines are the same with or without -v */
        fputs("tlsscope: note: -v does not change the JSON lines: each already carries the chain, "
              "alerts and events (--pem adds the certificates)\n", stderr);
    if (o.list_ifaces) return list_ifaces();
    struct session s;
    int rc = session_open(&s, &o);
    if (rc != 0) return rc;
    if (!o.iface) {
        /* bundles, directories and logs: what is inside decides (report/logreport.h) */
        s.lr = logreport_open(&o, s.keylog);
        if (!s.lr) {
            fprintf(stderr, "tlsscope: out of memory\n");
            session_close(&s);
            return EXIT_USAGE;
        }
        if (logreport_active(s.lr)) s.popts.inputs = logreport_inputs(s.lr, &s.popts.n_inputs);
    }
    session_catch_signals();
    /* The browser when a person is watching, the batch report otherwise
     * (like ncdu -o): a pipe or a file never gets curses. A capture piped
     * in (tcpdump -w - | tlsscope -r -) still gets the browser on a
     * terminal; it reads the keyboard from /dev/tty. */
    bool stdin_capture = false;
    for (int i = 0; i < o.n_files; i++) stdin_capture |= strcmp(o.files[i], "-") == 0;
    bool tui = o.tui || (!o.batch && !o.json && isatty(STDOUT_FILENO) &&
                         (isatty(STDIN_FILENO) || stdin_capture));
    /* Logs without a capture: the browser opens on its Log view; -b, --json
     * and pipes get the log-only report. */
    if (tui) rc = run_tui(&s);
    /* no browser on this terminal: the batch report answers the question */
    if (!tui || rc == TUI_NO_TERMINAL)
        rc = logreport_log_only(s.lr) ? run_logreport(&s) : run_batch(&s);
    session_close(&s);
    logreport_free(s.lr);
    return rc;
}
