/* privs.c — tcpdump -Z: switch to an unprivileged user after opening the
 * capture (see privs.h). */
#include "privs.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

const char *privs_target(const char *requested, bool default_nobody)
{
    if (requested) return requested;
    if (!default_nobody || geteuid() != 0) return NULL;
    return getpwnam("nobody") ? "nobody" : NULL;
}

int privs_lookup(const char *user, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
    errno = 0;
    const struct passwd *pw = getpwnam(user);
    if (!pw) {
        if (errno && errno != ENOENT && errno != ESRCH)
            snprintf(err, errlen, "-Z %.64s: cannot look the user up: %s", user, strerror(errno));
        else
            snprintf(err, errlen, "-Z %.64s: no such user", user);
        return -1;
    }
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    return 0;
}

int privs_drop(const char *user, char *err, size_t errlen)
{
    uid_t uid;
    gid_t gid;
    if (privs_lookup(user, &uid, &gid, err, errlen) != 0) return -1;
    if (getuid() != 0 && geteuid() != 0) return 0; /* as tcpdump: only root switches */
    /* Order matters: groups and gid need root, so they go before the uid. */
    if (initgroups(user, gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
        snprintf(err, errlen, "-Z %.64s: cannot change to uid %lu gid %lu: %s", user,
                 (unsigned long)uid, (unsigned long)gid, strerror(errno));
        return -1;
    }
    if (uid != 0) {
        /* setuid() as root changes real, effective and saved ids: none may
         * lead back. Verify rather than trust it. */
        uid_t r, e, s;
        gid_t rg, eg, sg;
        if (getresuid(&r, &e, &s) != 0 || r != uid || e != uid || s != uid ||
            getresgid(&rg, &eg, &sg) != 0 || rg != gid || eg != gid || sg != gid ||
            setuid(0) == 0 || seteuid(0) == 0) {
            snprintf(err, errlen, "-Z %.64s: root privileges could not be given up for good",
                     user);
            return -1;
        }
    }
    return 0;
}

/* capset(2) directly: libcap is not a dependency, and "all off" needs no
 * name table. Version 3 covers capabilities 0..63 in two words. */
int privs_drop_caps(char *err, size_t errlen)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
    memset(data, 0, sizeof(data));
    if (syscall(SYS_capset, &hdr, data) != 0) {
        snprintf(err, errlen, "cannot drop capabilities: %s", strerror(errno));
        return -1;
    }
    if (syscall(SYS_capget, &hdr, data) != 0) {
        snprintf(err, errlen, "cannot read capabilities: %s", strerror(errno));
        return -1;
    }
    for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
        if (data[i].effective || data[i].permitted || data[i].inheritable) {
            snprintf(err, errlen, "capabilities could not be dropped");
            return -1;
        }
    }
    return 0;
}
