/* tlsscope probe's targets and port lists: every accepted form with its
 * exact parts, and the one-line errors for the rest. */
#include <string.h>

#include "check.h"
#include "probe/target.h"

static void ok(const char *s, const char *host, unsigned port, bool is_ip)
{
    struct probe_target t;
    char err[200] = "";
    CHECK_EQ_INT(probe_target_parse(s, &t, err, sizeof(err)), 0);
    CHECK_EQ_STR(t.host, host);
    CHECK_EQ_INT(t.port, port);
    CHECK_EQ_INT(t.is_ip, is_ip);
}

static void bad(const char *s, const char *want)
{
    struct probe_target t;
    char err[200] = "";
    CHECK_EQ_INT(probe_target_parse(s, &t, err, sizeof(err)), -1);
    CHECK_EQ_STR(err, want);
}

int main(void)
{
    ok("cucm1.example.com", "cucm1.example.com", 0, false);
    ok("cucm1.example.com:8443", "cucm1.example.com", 8443, false);
    ok("10.48.36.215", "10.48.36.215", 0, true);
    ok("10.48.36.215:6972", "10.48.36.215", 6972, true);
    ok("[fd00::215]:8443", "fd00::215", 8443, true);
    ok("[fd00::215]", "fd00::215", 0, true);
    ok("fd00::215", "fd00::215", 0, true);
    ok("::1", "::1", 0, true);
    ok("imp_01.lab", "imp_01.lab", 0, false);

    bad("cucm:0", "target 'cucm:0': port must be 1 to 65535");
    bad("cucm:65536", "target 'cucm:65536': port must be 1 to 65535");
    bad("cucm:", "target 'cucm:': port must be 1 to 65535");
    bad("cucm:84x3", "target 'cucm:84x3': port must be 1 to 65535");
    bad("", "target '' is not host[:port], ip[:port] or [v6]:port");
    bad(":8443", "target ':8443' is not host[:port], ip[:port] or [v6]:port");
    bad("[fd00::215", "target '[fd00::215' is not host[:port], ip[:port] or [v6]:port");
    bad("[fd00::215]x", "target '[fd00::215]x' is not host[:port], ip[:port] or [v6]:port");
    bad("[10.0.0.1]:443", "target '[10.0.0.1]:443' is not host[:port], ip[:port] or [v6]:port");
    bad("[cucm]:443", "target '[cucm]:443' is not host[:port], ip[:port] or [v6]:port");
    bad("bad name", "target 'bad name' is not host[:port], ip[:port] or [v6]:port");
    bad("x\033[31m", "target 'x\033[31m' is not host[:port], ip[:port] or [v6]:port");
    bad("a::b::c", "target 'a::b::c' is not host[:port], ip[:port] or [v6]:port");

    uint16_t ports[PROBE_MAX_PORTS];
    char err[200];
    CHECK_EQ_INT(probe_ports_parse(PROBE_DEFAULT_PORTS, ports, err, sizeof(err)), 3);
    CHECK_EQ_INT(ports[0], 8443);
    CHECK_EQ_INT(ports[1], 6971);
    CHECK_EQ_INT(ports[2], 6972);
    CHECK_EQ_INT(probe_ports_parse("443", ports, err, sizeof(err)), 1);
    CHECK_EQ_INT(ports[0], 443);
    CHECK_EQ_INT(probe_ports_parse("443,,8443", ports, err, sizeof(err)), -1);
    CHECK_EQ_STR(err, "--ports: '443,,8443' is not a list of ports 1 to 65535");
    CHECK_EQ_INT(probe_ports_parse("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", ports, err, sizeof(err)), -1);
    CHECK_EQ_STR(err, "--ports: at most 16 ports");
    return check_summary();
}
