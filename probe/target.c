/* target.c — parsing targets and port lists (see target.h). */
#include "target.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_port(const char *s, size_t n, uint16_t *port)
{
    if (n == 0 || n > 5) return -1;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v == 0 || v > 65535) return -1;
    *port = (uint16_t)v;
    return 0;
}

/* A DNS name as the resolver takes it: letters, digits, '-', '_', '.'
 * (the name is also sent as SNI and printed; nothing else belongs in it). */
bool probe_name_ok(const char *s, size_t n)
{
    if (n == 0 || n > PROBE_MAX_HOST) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
    }
    return true;
}

int probe_target_parse(const char *s, struct probe_target *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof(*t));
    size_t n = strlen(s);
    const char *host = s, *port = NULL;
    size_t host_len = n, port_len = 0;
    struct in6_addr a6;
    struct in_addr a4;
    if (n > 0 && s[0] == '[') { /* [v6]:port or [v6] */
        const char *close = memchr(s, ']', n);
        if (!close) goto bad;
        host = s + 1;
        host_len = (size_t)(close - host);
        if (close[1] == ':') {
            port = close + 2;
            port_len = n - (size_t)(port - s);
        } else if (close[1] != '\0') {
            goto bad;
        }
    } else if (memchr(s, ':', n) && strchr(s, ':') != strrchr(s, ':')) {
        /* two colons or more: a bare IPv6 address, no port */
    } else if (memchr(s, ':', n)) {
        const char *colon = strchr(s, ':');
        host_len = (size_t)(colon - s);
        port = colon + 1;
        port_len = n - host_len - 1;
    }
    if (host_len == 0 || host_len > PROBE_MAX_HOST) goto bad;
    memcpy(t->host, host, host_len);
    t->host[host_len] = '\0';
    if (port && parse_port(port, port_len, &t->port) != 0) {
        snprintf(err, errlen, "target '%.80s': port must be 1 to 65535", s);
        return -1;
    }
    if (inet_pton(AF_INET6, t->host, &a6) == 1) {
        if (host == s && port) goto bad; /* v6 with a port needs brackets */
        t->is_ip = true;
    } else if (inet_pton(AF_INET, t->host, &a4) == 1) {
        if (host != s) goto bad; /* [1.2.3.4] */
        t->is_ip = true;
    } else if (host != s || !probe_name_ok(t->host, host_len)) {
        goto bad;
    }
    return 0;
bad:
    snprintf(err, errlen, "target '%.80s' is not host[:port], ip[:port] or [v6]:port", s);
    return -1;
}

int probe_ports_parse(const char *s, uint16_t *ports, char *err, size_t errlen)
{
    int n = 0;
    const char *p = s;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (n == PROBE_MAX_PORTS) {
            snprintf(err, errlen, "--ports: at most %d ports", PROBE_MAX_PORTS);
            return -1;
        }
        if (parse_port(p, len, &ports[n]) != 0) {
            snprintf(err, errlen, "--ports: '%.60s' is not a list of ports 1 to 65535", s);
            return -1;
        }
        n++;
        if (!e) break;
        p = e + 1;
    }
    return n;
}
