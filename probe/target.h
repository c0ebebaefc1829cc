/* target.h — what `tlsscope probe` is asked to reach: "host[:port]",
 * "ip[:port]", "[v6]:port" (or a bare IPv6 address), one per argument or
 * per line of -T FILE. */
#ifndef TLSSCOPE_PROBE_TARGET_H
#define TLSSCOPE_PROBE_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROBE_MAX_HOST 253     /* RFC 1035 §2.3.4: a name's text form */
#define PROBE_MAX_PORTS 16
/* The MRA ports Expressway-C opens TLS to on the unified CM side: 8443
 * (CUCM, IM&P and Unity Connection HTTPS: UDS, configuration, voicemail)
 * and 6971/6972 (CUCM TFTP over HTTPS, the phones' configuration files
 * and ITL/CTL). */
#define PROBE_DEFAULT_PORTS "8443,6971,6972"

struct probe_target {
    char host[PROBE_MAX_HOST + 1]; /* name or address literal, no brackets */
    uint16_t port;                 /* 0: every port of --ports */
    bool is_ip;                    /* an address literal (then it is the SNI too) */
    bool sni_set;                  /* sni below replaces host as the server_name */
    char sni[PROBE_MAX_HOST + 1];  /* "" with sni_set: send none (--from-capture: the
                                      client sent none) */
    const uint8_t *hello;          /* --hello replay: the ClientHello message the capture
                                    * shows for this server (owned by the caller), or NULL */
    uint32_t hello_len;
    int64_t hello_ts_ns;           /* its time: the earliest one is replayed */
};

/* Is s (n bytes) usable as a DNS name (letters, digits, '-', '_', '.')? */
bool probe_name_ok(const char *s, size_t n);

/* Parse one target. 0, or -1 with one line in err. */
int probe_target_parse(const char *s, struct probe_target *t, char *err, size_t errlen);

/* "8443,6971,6972": 1..PROBE_MAX_PORTS ports, each 1..65535. Returns the
 * count, or -1 with one line in err. */
int probe_ports_parse(const char *s, uint16_t *ports, char *err, size_t errlen);

#endif
