/* evidence.h — what the probe leaves behind: its own packets as a pcapng
 * (-w), synthesized from the socket bytes with the real addresses and
 * ports, with the TLS 1.3 handshake secrets as a Decryption Secrets Block
 * (pcapng spec, draft-ietf-opsawg-pcapng §4.7, secrets type 0x544c534b
 * "TLS Key Log"), so that tlsscope -r and Wireshark reopen exactly what was
 * judged; and an NSS key log (--keylog), the format of SSLKEYLOGFILE.
 *
 * The packets: SYN, SYN-ACK, ACK at the times the probe saw the connect
 * start and finish, one segment per send() or recv() with sequence and
 * acknowledgement numbers counting the bytes, and the probe's FIN. A
 * refused connection is a SYN and the RST; one that timed out a SYN.
 * Raw IP (LINKTYPE_RAW), microsecond times.
 */
#ifndef TLSSCOPE_PROBE_EVIDENCE_H
#define TLSSCOPE_PROBE_EVIDENCE_H

#include <stddef.h>

#include "client.h"

struct evidence;

/* Either path may be NULL. NULL with one line in err if a file cannot be
 * created. The key log is created with mode 0600: it holds secrets. */
struct evidence *ev_open(const char *pcapng, const char *keylog, char *err, size_t errlen);
/* One finished connection. 0, or -1 once a write failed (err says which). */
int ev_conn(struct evidence *ev, const struct pclient *cl, char *err, size_t errlen);
/* Close the files; -1 if the last writes failed. */
int ev_close(struct evidence *ev, char *err, size_t errlen);

#endif
