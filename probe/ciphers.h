/* ciphers.h — OpenSSL 1.1.1 cipher strings turned into the list of TLS 1.2
 * cipher suites a 1.1.1 client offers, in its order.
 *
 * Expressway-C is an OpenSSL 1.1.1 client configured with a cipher string
 * (Maintenance > Security > Ciphers). To send the ClientHello it would send,
 * the probe expands the string with 1.1.1's rules (ssl_create_cipher_list()
 * and ssl_cipher_process_rulestr() in ssl/ssl_ciph.c): the same aliases,
 * the same operators (ADD, "-" delete, "!" kill, "+" move to the end,
 * "@STRENGTH"), the same "DEFAULT" prefix, over the suites of ciphers.inc.
 * The TLS 1.3 suites are not part of the string in 1.1.1 (they have their
 * own setting); see PROBE_TLS13_SUITES.
 */
#ifndef TLSSCOPE_PROBE_CIPHERS_H
#define TLSSCOPE_PROBE_CIPHERS_H

#include <stddef.h>
#include <stdint.h>

#define PROBE_MAX_SUITES 128

/* Expressway's default cipher string (Cisco, X15.0.2, every protocol). */
#define PROBE_EXPRESSWAY_CIPHERS \
    "EECDH:EDH:HIGH:-AES256+SHA:!MEDIUM:!LOW:!3DES:!MD5:!PSK:!eNULL:!aNULL:!aDH"
/* What an upgraded Expressway keeps in front of it (issue 14). */
#define PROBE_EXPRESSWAY_RSA_CIPHERS "ECDHE-RSA-AES256-GCM-SHA384:" PROBE_EXPRESSWAY_CIPHERS

/* 1.1.1's default TLS 1.3 ciphersuites (TLS_DEFAULT_CIPHERSUITES), in order. */
#define PROBE_N_TLS13_SUITES 3
extern const uint16_t PROBE_TLS13_SUITES[PROBE_N_TLS13_SUITES];

/* Expand `str` as 1.1.1 does. Writes at most `max` suite ids to `out` in
 * offer order and returns how many; -1 with a message in err when the
 * string selects no suite ("no cipher match", as 1.1.1's
 * SSL_CTX_set_cipher_list fails) or is not a cipher string (a character
 * 1.1.1 refuses). Like 1.1.1 at its default security level 1, suites
 * without authentication or encryption are not offered (ssl_security
 * _default_callback); a "@SECLEVEL=0" in the string offers them. */
int probe_cipher_list(const char *str, uint16_t *out, int max, char *err, size_t errlen);

/* OpenSSL's name of a TLS 1.2 suite in the table, or NULL. */
const char *probe_cipher_name(uint16_t id);

#endif
