/* Unit tests for capture/privs.c (tcpdump -Z): which user, the errors, and -- when
 * run as root, as CI does -- that a child really ends up as nobody with no way
 * back to root. */
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "capture/privs.h"

/* In a child: drop to `user` and report through the exit status what the
 * process can still do. 0 = as expected. */
static int child_drop(const char *user, uid_t want_uid, gid_t want_gid)
{
    char err[256];
    if (privs_drop(user, err, sizeof(err)) != 0) {
        fprintf(stderr, "privs_drop: %s\n", err);
        return 10;
    }
    uid_t r, e, s;
    gid_t rg, eg, sg;
    if (getresuid(&r, &e, &s) != 0 || r != want_uid || e != want_uid || s != want_uid) return 11;
    if (getresgid(&rg, &eg, &sg) != 0 || rg != want_gid || eg != want_gid || sg != want_gid)
        return 12;
    if (want_uid != 0) {
        if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0) return 13;
        /* supplementary groups are the user's (initgroups), not root's */
        gid_t groups[64];
        int n = getgroups(64, groups);
        if (n < 0) return 14;
        for (int i = 0; i < n; i++)
            if (groups[i] == 0) return 15;
        if (setgroups(0, NULL) == 0) return 16;
    }
    return 0;
}

/* In a child: become `uid` but keep CAP_NET_RAW and CAP_NET_ADMIN (what a
 * setcap'ed binary run by a user has), then privs_drop_caps must clear them. */
static int child_caps(const char *user, uid_t uid, gid_t gid)
{
    (void)user;
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
    const unsigned want = (1u << CAP_NET_RAW) | (1u << CAP_NET_ADMIN);
    if (prctl(PR_SET_KEEPCAPS, 1) != 0 || setgroups(0, NULL) != 0 || setgid(gid) != 0 ||
        setuid(uid) != 0)
        return 20;
    memset(d, 0, sizeof(d));
    d[0].effective = d[0].permitted = want;
    if (syscall(SYS_capset, &hdr, d) != 0) return 21;
    memset(d, 0, sizeof(d));
    if (syscall(SYS_capget, &hdr, d) != 0 || d[0].effective != want) return 22;
    char err[256];
    if (privs_drop_caps(err, sizeof(err)) != 0) return 23;
    memset(d, 0xff, sizeof(d));
    if (syscall(SYS_capget, &hdr, d) != 0) return 24;
    for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
        if (d[i].effective || d[i].permitted || d[i].inheritable) return 25;
    /* and they cannot come back */
    d[0].effective = d[0].permitted = want;
    d[1].effective = d[1].permitted = 0;
    d[0].inheritable = d[1].inheritable = 0;
    if (syscall(SYS_capset, &hdr, d) == 0) return 26;
    return 0;
}

static int run_child_fn(int (*fn)(const char *, uid_t, gid_t), const char *user, uid_t uid,
                        gid_t gid)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) _exit(fn(user, uid, gid));
    int st = 0;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
}

static int run_child(const char *user, uid_t uid, gid_t gid)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) _exit(child_drop(user, uid, gid));
    int st = 0;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
}

int main(void)
{
    char err[256];
    uid_t uid = 1;
    gid_t gid = 1;

    /* which user */
    CHECK_EQ_STR(privs_target("alice", false), "alice");
    CHECK_EQ_STR(privs_target("root", true), "root");
    const bool have_nobody = getpwnam("nobody") != NULL;
    if (geteuid() == 0 && have_nobody)
        CHECK_EQ_STR(privs_target(NULL, true), "nobody");
    else
        CHECK(privs_target(NULL, true) == NULL);
    CHECK(privs_target(NULL, false) == NULL);

    /* lookup */
    CHECK_EQ_INT(privs_lookup("tlsscope-no-such-user", &uid, &gid, err, sizeof(err)), -1);
    CHECK_EQ_STR(err, "-Z tlsscope-no-such-user: no such user");
    CHECK_EQ_INT(privs_lookup("root", &uid, &gid, err, sizeof(err)), 0);
    CHECK_EQ_INT(uid, 0);
    CHECK_EQ_INT(gid, 0);
    CHECK_EQ_INT(privs_drop("tlsscope-no-such-user", err, sizeof(err)), -1);
    CHECK_EQ_STR(err, "-Z tlsscope-no-such-user: no such user");

    /* a process without capabilities: nothing to drop, not an error */
    if (geteuid() != 0) CHECK_EQ_INT(privs_drop_caps(err, sizeof(err)), 0);

    if (geteuid() != 0) {
        /* not root: -Z changes nothing (as tcpdump) */
        uid_t me = getuid();
        CHECK_EQ_INT(privs_drop("root", err, sizeof(err)), 0);
        CHECK_EQ_INT(getuid(), me);
        printf("not root: the switch itself is not tested here\n");
        return check_summary();
    }
    /* -Z root: stays root */
    CHECK_EQ_INT(run_child("root", 0, 0), 0);
    if (have_nobody) {
        const struct passwd *pw = getpwnam("nobody");
        CHECK_EQ_INT(run_child("nobody", pw->pw_uid, pw->pw_gid), 0);
        CHECK_EQ_INT(run_child_fn(child_caps, "nobody", pw->pw_uid, pw->pw_gid), 0);
    }
    return check_summary();
}
