/* Under the sanitizer build (TLSSCOPE_SANITIZE), undefined behaviour must
 * abort the process: with UBSan's defaults it printed a report and exited 1,
 * which every tlsscope test reads as "some verification failed" (issue #17
 * item 4). A child commits a signed overflow; the parent wants SIGABRT.
 * In a build without sanitizers there is nothing to check. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
#if CHECK_SANITIZED
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        volatile int64_t big = INT64_MAX;
        volatile int64_t r = big + (int64_t)getpid(); /* signed overflow */
        _exit(r == 0 ? 3 : 0);                         /* not reached */
    }
    int st = 0;
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFSIGNALED(st));
    CHECK_EQ_INT(WIFSIGNALED(st) ? WTERMSIG(st) : -WEXITSTATUS(st), SIGABRT);
#else
    printf("not a sanitizer build: nothing to check\n");
    CHECK(1);
#endif
    return check_summary();
}
