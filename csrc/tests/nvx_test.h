/*
 * nvx_test.h - tiny helpers shared by the C tests: failure reporting that
 * works with NDEBUG, a deterministic PRNG and the quick-mode switch.
 */
#ifndef NVX_TEST_H
#define NVX_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int nvx_test_failures;

/* Report a failed check (file:line + message) and count it; returns 0 so it
 * can stop a loop early: if (!CHECK(...)) break; */
#define CHECK(cond, ...)                                                       \
    ((cond) ? 1                                                                \
            : (fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, \
                       #cond),                                                 \
               fprintf(stderr, __VA_ARGS__), fputc('\n', stderr),              \
               nvx_test_failures++, 0))

/* Stop after this many failures so a broken kernel does not flood the log. */
#define NVX_TEST_MAX_FAILURES 20
#define NVX_TEST_GIVE_UP() (nvx_test_failures >= NVX_TEST_MAX_FAILURES)

/* NVX_TEST_QUICK=1 (sanitizer and qemu runs) trims the exhaustive loops. */
static inline int nvx_test_quick(void)
{
    const char *q = getenv("NVX_TEST_QUICK");
    return q != NULL && q[0] != '\0' && strcmp(q, "0") != 0;
}

/* xorshift64*: deterministic, seedable. */
static uint64_t nvx_test_rng_state = 0x9E3779B97F4A7C15ULL;
static inline uint64_t nvx_test_rand(void)
{
    uint64_t x = nvx_test_rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    nvx_test_rng_state = x;
    return x * 0x2545F4914F6CDD1DULL;
}
static inline void nvx_test_fill(uint8_t *p, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t r = nvx_test_rand();
        memcpy(p + i, &r, 8);
    }
    for (; i < n; i++)
        p[i] = (uint8_t)(nvx_test_rand() >> 56);
}

static inline int nvx_test_done(const char *name)
{
    if (nvx_test_failures) {
        fprintf(stderr, "%s: %d check(s) failed\n", name, nvx_test_failures);
        return 1;
    }
    printf("%s: ok\n", name);
    return 0;
}

#endif /* NVX_TEST_H */
