/* main.c — tlsscope's entry: parse the command line, then hand over to the
 * `store` subcommand, the batch report or the browser.
 *
 * Exit status: 0 every judged connection is trusted (or none was judged);
 * 1 at least one connection failed verification; 2 usage or input error
 * (missing/unreadable/truncated capture, bad trust store path, bad option).
 */
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "frontend.h"
#include "logreport.h"

static void usage(FILE *out)
{
    fputs("Usage: tlsscope [options] -r FILE [-r FILE ...]\n"
          "       tlsscope [options] BUNDLE.tar.gz|DIR|FILE ...\n"
          "       tlsscope [options] --log FILE ...\n"
          "       tlsscope [options] -i IFACE [BPF filter ...]\n"
          "       tlsscope store [--at TIME] PATH ...\n"
          "\n"
          "Which TLS server presented which certificate chain, and would the client accept it.\n"
          "\n"
          "Input:\n"
          "  -r FILE             read a pcap or pcapng capture (\"-\" = stdin); repeatable,\n"
          "                      several files are merged in time order\n"
          "  -i IFACE            capture live on IFACE (\"any\" for all interfaces)\n"
          "  BUNDLE, DIR         an Expressway diagnostic bundle (.tar.gz, also zip...) or a\n"
          "                      directory of extracted files: captures and logs inside are\n"
          "                      found by content and read in place (also with -r)\n"
          "  --log PATH          Expressway diagnostic log (text, gzip, or the logs of a\n"
          "                      bundle); with captures: log and packets side by side\n"
          "  --log-window SECS   how far apart a log line and its connection may be (2)\n"
          "  --bundle-max-member SIZE  bytes read from one archive member (4G)\n"
          "  --bundle-max-total SIZE   bytes decompressed from archives in all (16G)\n"
          "Trust:\n"
          "  --trust PATH        trust store: PEM bundle, PEM/DER file, directory, or \"system\";\n"
          "                      repeatable. Without it chains are not judged.\n"
          "  --profile NAME      name matching: expressway (default) or rfc\n"
          "  --at TIME           judge at TIME (ISO 8601 UTC or @epoch) instead of capture time\n"
          "Output:\n"
          "  -b, --batch         batch report (the default when stdout is not a terminal)\n"
          "  --json              JSON Lines, one object per TLS connection (summary on stderr)\n"
          "  --pem               with --json: include each certificate as PEM\n"
          "  -v, --verbose       chain, alerts and verdict details under each connection\n"
          "  --color WHEN        auto (default), always or never; NO_COLOR is honoured\n"
          "  --export-certs DIR  write every distinct certificate seen as PEM into DIR\n"
          "  -h, --help          this text;  -V, --version  the version\n"
          "\n"
          "Exit status: 0 all judged connections trusted, 1 some failed, 2 usage or input error.\n",
          out);
}

int main(int argc, char **argv)
{
    setlocale(LC_CTYPE, "");
    if (argc > 1 && strcmp(argv[1], "store") == 0) return run_store(argc - 1, argv + 1);

    struct cli_opts o;
    char err[256];
    if (cli_parse(argc, argv, &o, err, sizeof(err)) != 0) {
        fprintf(stderr, "tlsscope: %s\nTry 'tlsscope --help'.\n", err);
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
    if (o.list_ifaces || o.iface) {
        fprintf(stderr, "tlsscope: live capture is not available yet\n");
        return EXIT_USAGE;
    }
    struct session s;
    int rc = session_open(&s, &o);
    if (rc != 0) return rc;
    /* The browser when a person is watching, the batch report otherwise
     * (like ncdu -o): a pipe or a file never gets curses. */
    bool tui = o.tui || (!o.batch && !o.json && isatty(STDOUT_FILENO) && isatty(STDIN_FILENO));
    if (logreport_log_only(s.lr)) rc = run_logreport(&s); /* logs, no capture */
    else rc = tui ? run_tui(&s) : run_batch(&s);
    session_close(&s);
    return rc;
}
