/* check.h — the smallest test harness that still says exactly what failed.
 *
 *   CHECK(cond)                 fails with the expression text
 *   CHECK_EQ_INT(got, want)     fails with both values
 *   CHECK_EQ_STR(got, want)     fails with both strings (escaped)
 *   CHECK_EQ_MEM(got, want, n)  fails with a hex dump of the first difference
 *   return check_summary();     at the end of main
 *
 * Failures are counted, not fatal, so one run reports every broken case.
 */
#ifndef TLSSCOPE_TESTS_CHECK_H
#define TLSSCOPE_TESTS_CHECK_H

#include <stdio.h>
#include <string.h>

/* 1 in a build with AddressSanitizer (TLSSCOPE_SANITIZE, TLSSCOPE_FUZZ). */
#if defined(__SANITIZE_ADDRESS__)
#define CHECK_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CHECK_SANITIZED 1
#endif
#endif
#ifndef CHECK_SANITIZED
#define CHECK_SANITIZED 0
#endif

static int check_failures_;
static int check_count_;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        check_count_++;                                                               \
        if (!(cond)) {                                                                \
            check_failures_++;                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);  \
        }                                                                             \
    } while (0)

#define CHECK_EQ_INT(got, want)                                                       \
    do {                                                                              \
        long long g_ = (long long)(got), w_ = (long long)(want);                      \
        check_count_++;                                                               \
        if (g_ != w_) {                                                               \
            check_failures_++;                                                        \
            fprintf(stderr, "%s:%d: %s == %lld, want %lld\n", __FILE__, __LINE__, #got, \
                    g_, w_);                                                          \
        }                                                                             \
    } while (0)

#define CHECK_EQ_STR(got, want)                                                       \
    do {                                                                              \
        const char *g_ = (got), *w_ = (want);                                         \
        check_count_++;                                                               \
        if (!g_ || !w_ || strcmp(g_, w_) != 0) {                                      \
            check_failures_++;                                                        \
            fprintf(stderr, "%s:%d: %s == \"%s\", want \"%s\"\n", __FILE__, __LINE__, \
                    #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)");                    \
        }                                                                             \
    } while (0)

#define CHECK_EQ_MEM(got, want, n)                                                    \
    do {                                                                              \
        const unsigned char *g_ = (const unsigned char *)(got);                       \
        const unsigned char *w_ = (const unsigned char *)(want);                      \
        size_t n_ = (n), i_;                                                          \
        check_count_++;                                                               \
        for (i_ = 0; i_ < n_ && g_[i_] == w_[i_]; i_++) {}                            \
        if (i_ < n_) {                                                                \
            check_failures_++;                                                        \
            fprintf(stderr, "%s:%d: %s differs at byte %zu: %02x, want %02x\n",       \
                    __FILE__, __LINE__, #got, i_, g_[i_], w_[i_]);                    \
        }                                                                             \
    } while (0)

static inline int check_summary(void)
{
    if (check_failures_) {
        fprintf(stderr, "%d of %d checks failed\n", check_failures_, check_count_);
        return 1;
    }
    printf("%d checks passed\n", check_count_);
    return 0;
}

#endif
