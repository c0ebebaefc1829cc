/* probe.h — `tlsscope probe`: connect to every target as Expressway-C
 * would, and hand each connection's facts over as a `struct tls_conn`,
 * the same facts the capture path learns from packets, so the same
 * verdict, report, JSON and browser apply.
 *
 * Per target: every address the system resolver gives (each is probed and
 * named), every port (its own or --ports), and by default two hellos one
 * after the other, ECDSA first (Expressway's default cipher string) and
 * RSA first (ECDHE-RSA-AES256-GCM-SHA384 in front, what an upgraded
 * Expressway keeps): a server with two certificates shows both. Never more
 * than one connection to one address and port at a time; at most
 * `parallel` in all; non-blocking, one poll() loop.
 */
#ifndef TLSSCOPE_PROBE_PROBE_H
#define TLSSCOPE_PROBE_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "target.h"

struct tls_conn;

#define PROBE_DEFAULT_PARALLEL 32
#define PROBE_MAX_PARALLEL 1024
#define PROBE_DEFAULT_TIMEOUT_MS 5000
#define PROBE_MAX_JOBS 100000     /* connections per run (targets x addresses x ports x hellos) */
#define PROBE_MAX_ADDRS 16        /* addresses probed per name */

enum probe_hello_kind {
    PROBE_HELLO_EXPRESSWAY = 0,   /* default: both orders */
    PROBE_HELLO_EXPRESSWAY_ONLY,  /* --hello expressway given: ECDSA first only */
    PROBE_HELLO_EXPRESSWAY_RSA,   /* --hello expressway-rsa */
    PROBE_HELLO_CIPHERS,          /* --ciphers STRING */
    PROBE_HELLO_REPLAY,           /* --hello replay: each target's hello from --from-capture */
};

struct probe_opts {
    const struct probe_target *targets;
    int n_targets;
    const uint16_t *ports;        /* for targets without their own */
    int n_ports;
    int parallel;                 /* 0 = PROBE_DEFAULT_PARALLEL */
    int timeout_ms;               /* connect, then handshake; 0 = default */
    enum probe_hello_kind hello;
    const char *ciphers;          /* PROBE_HELLO_CIPHERS */
    bool progress;                /* a progress line on stderr (a terminal) */
    const char *write_file;       /* -w: pcapng of the probe's packets (evidence.h), or NULL */
    const char *keylog_file;      /* --keylog: NSS key log, or NULL */
    const char *client_cert;      /* --cert, --key: the client certificate presented to a */
    const char *client_key;       /*   TLS 1.3 server that asks (identity.h), or NULL */
};

/* What one finished connection was. */
struct probe_job_info {
    const char *target;           /* host as given */
    const char *addr;             /* the address probed (text) */
    uint16_t port;
    const char *hello;            /* "ECDSA first", "RSA first", "--ciphers", ...: static */
};

struct probe_sink {
    void *ctx;
    /* a TLS answer (a chain, an alert, a protocol error after ServerHello):
     * the facts, owned by the callee from here */
    void (*conn)(void *ctx, struct tls_conn *c, const struct probe_job_info *job,
                 const struct pclient *cl);
    /* no TLS answer: refused, timed out, reset, not TLS, ... */
    void (*failed)(void *ctx, const struct probe_job_info *job, const struct pclient *cl);
};

struct probe;

/* Resolve the targets and plan the connections. NULL with one line in err
 * (bad cipher string, nothing to probe). Resolution failures are not fatal:
 * they are reported through sink->failed when the run starts. */
struct probe *probe_new(const struct probe_opts *o, const struct probe_sink *sink, char *err,
                        size_t errlen);

/* Start what may start, wait up to wait_ms for the network, hand over what
 * finished. 1 while connections remain, 0 when all are done. */
int probe_step(struct probe *p, int wait_ms);

/* Stop soon (async-signal-safe): running connections end as interrupted
 * and are reported; the ones not started are counted, not reported. */
void probe_stop(struct probe *p);

struct probe_counts {
    uint64_t planned, started, tls, failed, not_started;
};
const struct probe_counts *probe_counts(const struct probe *p);

/* Close -w and --keylog once everything is done: 0, or -1 with one line in
 * err (a write failed). Idempotent. */
int probe_finish(struct probe *p, char *err, size_t errlen);

void probe_free(struct probe *p);

#endif
