/* privs.h — giving up root once the capture is open (tcpdump -Z).
 *
 * Capture needs root (or CAP_NET_RAW and CAP_NET_ADMIN) only to open the
 * interface; everything after it parses hostile bytes and should not run as
 * root. Like tcpdump: the switch happens after the capture (and the -w file)
 * was opened; it sets the supplementary groups (initgroups), the group, then
 * the user, and checks that root cannot be regained. When the process is not
 * root -Z changes nothing (tcpdump ignores it then as well), but capabilities
 * it was given to capture (setcap, ambient) are dropped all the same.
 *
 * No ownership: nothing here allocates.
 */
#ifndef TLSSCOPE_CAPTURE_PRIVS_H
#define TLSSCOPE_CAPTURE_PRIVS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The account to switch to: `requested` (-Z) if given, else "nobody" when
 * `default_nobody` and the process is root and "nobody" exists; NULL for
 * "stay as we are". Does not check that `requested` exists. */
const char *privs_target(const char *requested, bool default_nobody);

/* Look `user` up. 0 with uid/gid, or -1 with one line in err:
 *   "-Z nosuchuser: no such user" */
int privs_lookup(const char *user, uid_t *uid, gid_t *gid, char *err, size_t errlen);

/* Become `user` (no-op when not root). 0 ok, -1 with one line in err, e.g.
 *   "-Z nobody: cannot change to uid 65534 gid 65534: Operation not permitted" */
int privs_drop(const char *user, char *err, size_t errlen);

/* Drop every capability of the process (effective, permitted, inheritable
 * and so ambient), then check they are gone. For a non-root process that was
 * allowed to capture through CAP_NET_RAW/CAP_NET_ADMIN. 0 ok (also when there
 * were none), -1 with one line in err. */
int privs_drop_caps(char *err, size_t errlen);

#endif
