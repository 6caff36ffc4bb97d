/*
 * bench_utf8.c - UTF-8 validation throughput of every implementation this
 * CPU can run, on 64 KiB of ASCII, of Latin text (a quarter of the code
 * points 2-byte) and of CJK text (3-byte code points, a tenth ASCII).
 * Not a test: prints GB/s (best of 15 interleaved rounds of ~20 ms, so a
 * busy machine disturbs it less; timed in thread CPU time, so time spent
 * descheduled does not count). Usage: bench_utf8 [size-bytes]
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nvx.h"
#include "utf8_lookup.h"

static uint64_t b_rng = 0x9E3779B97F4A7C15ULL;
static uint32_t b_rand(void)
{
    b_rng ^= b_rng >> 12;
    b_rng ^= b_rng << 25;
    b_rng ^= b_rng >> 27;
    return (uint32_t)((b_rng * 0x2545F4914F6CDD1DULL) >> 32);
}

static size_t b_put(uint32_t c, uint8_t *o)
{
    if (c < 0x80) {
        o[0] = (uint8_t)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (uint8_t)(0xC0 | (c >> 6));
        o[1] = (uint8_t)(0x80 | (c & 0x3F));
        return 2;
    }
    o[0] = (uint8_t)(0xE0 | (c >> 12));
    o[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
    o[2] = (uint8_t)(0x80 | (c & 0x3F));
    return 3;
}

/* Complete code points only; the end is padded with ASCII. */
static void b_text(uint8_t *o, size_t n, int kind)
{
    size_t i = 0;
    while (i < n) {
        uint8_t tmp[4];
        uint32_t c;
        size_t k;
        if (kind == 0)
            c = 0x20 + b_rand() % 95;
        else if (kind == 1)
            c = b_rand() % 4 == 0 ? 0xC0 + b_rand() % 0x1C0 : 0x20 + b_rand() % 95;
        else
            c = b_rand() % 10 == 0 ? 0x20 + b_rand() % 95 : 0x4E00 + b_rand() % 0x5200;
        k = b_put(c, tmp);
        if (i + k > n)
            break;
        memcpy(o + i, tmp, k);
        i += k;
    }
    memset(o + i, 'x', n - i);
}

#define B_ROUNDS 15

static double b_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One timed run of about 20 ms; GB/s. */
static double b_run(const uint8_t *p, size_t n)
{
    size_t iters = 0;
    double t0 = b_now(), dt;
    size_t sink = 0;
    /* About 256 KiB between clock reads (reading the thread CPU clock is
     * a system call). */
    size_t batch = n >= (1u << 18) ? 1 : (1u << 18) / n;
    do {
        size_t k;
        for (k = 0; k < batch; k++)
            sink += nvx_utf8_valid(p, n);
        iters += batch;
        dt = b_now() - t0;
    } while (dt < 0.02);
    if (sink != iters) {
        fprintf(stderr, "bench input is not valid UTF-8\n");
        exit(1);
    }
    return (double)(iters * n) / dt / 1e9;
}

int main(int argc, char **argv)
{
    static const char *kinds[] = {"ascii", "latin", "cjk"};
    size_t n = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 65536;
    uint8_t *buf[3];
    double best[NVX_UTF8_IMPL_COUNT][3] = {{0}};
    int impl, kind, round;

    if (n == 0)
        n = 65536;
    nvx_init();
    for (kind = 0; kind < 3; kind++) {
        buf[kind] = malloc(n);
        if (buf[kind] == NULL)
            return 1;
        b_text(buf[kind], n, kind);
    }
    /* Rounds interleave the implementations, so a burst of load from other
     * processes hits them all alike; each figure is the best round. */
    for (round = 0; round < B_ROUNDS; round++)
        for (impl = 0; impl < NVX_UTF8_IMPL_COUNT; impl++) {
            if (nvx__utf8_impl_use(impl) != 0)
                continue;
            for (kind = 0; kind < 3; kind++) {
                double g = b_run(buf[kind], n);
                if (g > best[impl][kind])
                    best[impl][kind] = g;
            }
        }
    printf("UTF-8 validation, %zu bytes, GB/s (best of %d interleaved rounds)\n", n, B_ROUNDS);
    printf("%-10s %8s %8s %8s\n", "impl", kinds[0], kinds[1], kinds[2]);
    for (impl = 0; impl < NVX_UTF8_IMPL_COUNT; impl++) {
        if (best[impl][0] == 0)
            continue;
        printf("%-10s", nvx__utf8_impl_name(impl));
        for (kind = 0; kind < 3; kind++)
            printf(" %8.2f", best[impl][kind]);
        printf("\n");
    }
    nvx_init();
    for (kind = 0; kind < 3; kind++)
        free(buf[kind]);
    return 0;
}
