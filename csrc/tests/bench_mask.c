/*
 * bench_mask.c - masking throughput per kernel (not a test).
 *
 *   build/c/bench_mask [milliseconds per measurement, default 100] [misalignment, default 1]
 *
 * For each kernel this CPU supports and each size, masks one buffer over
 * and over (it stays in cache for the small sizes, as a WebSocket frame
 * just read would) and prints the best of 15 short runs in GB/s (robust to other load) (10^9 bytes/s).
 * The word64 row is a plain 8-byte-word loop for reference: the most a
 * word-at-a-time implementation (nvx/purego) can do on this CPU.
 */
#define _POSIX_C_SOURCE 199309L
#include "mask_kernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BENCH_RUNS 15

static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double bench_one(nvx__mask_fn fn, uint8_t *buf, size_t len, double seconds)
{
    const uint8_t key[4] = {1, 2, 3, 4};
    double best = 0;
    for (int run = 0; run < BENCH_RUNS; run++) {
        size_t iters = 0, pos = 1;
        double t0 = bench_now(), t1;
        do {
            for (int j = 0; j < 16; j++)
                pos = fn(buf, len, key, pos);
            iters += 16;
            t1 = bench_now();
        } while (t1 - t0 < seconds / BENCH_RUNS);
        double gbs = (double)len * (double)iters / (t1 - t0) / 1e9;
        if (gbs > best)
            best = gbs;
        /* Keep the result observable so the work is not optimised away. */
        if (pos > 3)
            abort();
    }
    return best;
}

static size_t bench_public(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos)
{
    return nvx_xor_mask(buf, len, key, pos);
}

/* Plain 8-byte words, four per step, not vectorised (gcc: the optimize
 * attribute below; other compilers may vectorise it): about the most any
 * word-at-a-time loop, such as nvx/purego's, can do. Next to the vector
 * rows it shows what they are up against: on a CPU whose L1 takes one
 * vector store per cycle but two 8-byte ones (Zen 4), no kernel can beat
 * this row by much more than 2x, however wide its vectors. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("O2", "no-tree-vectorize")))
#endif
static size_t bench_word64(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos)
{
    uint8_t pattern[8];
    for (size_t i = 0; i < sizeof pattern; i++)
        pattern[i] = key[(pos + i) & 3];
    uint64_t k;
    memcpy(&k, pattern, sizeof k);
    size_t i = 0;
    for (; i + 32 <= len; i += 32) {
        uint64_t a, b, c, d;
        memcpy(&a, buf + i, 8);
        memcpy(&b, buf + i + 8, 8);
        memcpy(&c, buf + i + 16, 8);
        memcpy(&d, buf + i + 24, 8);
        a ^= k;
        b ^= k;
        c ^= k;
        d ^= k;
        memcpy(buf + i, &a, 8);
        memcpy(buf + i + 8, &b, 8);
        memcpy(buf + i + 16, &c, 8);
        memcpy(buf + i + 24, &d, 8);
    }
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, buf + i, 8);
        w ^= k;
        memcpy(buf + i, &w, 8);
    }
    nvx__mask_bytes(buf + i, len - i, key, pos);
    return (pos + len) & 3;
}

/* Second table: unmask + validate, separately and fused. The buffer holds
 * valid mixed ASCII/UTF-8 text and the key is all zero, so the text stays
 * valid call after call while the XOR work is the same as with any key. */
static const uint8_t bench_zero_key[4] = {0, 0, 0, 0};

static size_t bench_validate(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos)
{
    (void)key;
    nvx_utf8_validator v;
    nvx_utf8_result r;
    nvx_utf8_reset(&v);
    nvx_utf8_validate(&v, buf, len, &r);
    return r.valid ? pos : 99; /* 99: makes bench_one abort */
}

static size_t bench_separate(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos)
{
    (void)key;
    pos = nvx_xor_mask(buf, len, bench_zero_key, pos);
    return bench_validate(buf, len, key, pos);
}

static size_t bench_fused(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos)
{
    (void)key;
    nvx_utf8_validator v;
    nvx_utf8_result r;
    nvx_utf8_reset(&v);
    pos = nvx_xor_mask_utf8_validate(buf, len, bench_zero_key, pos, &v, &r);
    return r.valid ? pos : 99;
}

static void bench_fill_text(uint8_t *p, size_t n)
{
    /* "abc " and U+00E9, U+20AC, U+1F600 in turn: 4 + 2 + 3 + 4 bytes. */
    static const uint8_t unit[] = "abc \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    size_t u = sizeof unit - 1, i = 0;
    for (; i + u <= n; i += u)
        memcpy(p + i, unit, u);
    memset(p + i, 'x', n - i);
}

int main(int argc, char **argv)
{
    double seconds = (argc > 1 ? atof(argv[1]) : 100) / 1000.0;
    size_t misalign = argc > 2 ? (size_t)atoi(argv[2]) % 64 : 1;
    const size_t sizes[] = {64, 1024, 16 << 10, 64 << 10, 256 << 10, 1 << 20};
    struct {
        const char *name;
        nvx__mask_fn fn;
        nvx_kernel needs;
    } kernels[] = {
        {"scalar_ref", nvx__mask_scalar_ref, NVX_KERNEL_SCALAR},
        {"scalar", nvx__mask_scalar, NVX_KERNEL_SCALAR},
#if NVX_X86
        {"sse2", nvx__mask_sse2, NVX_KERNEL_SSE2},
        {"avx2", nvx__mask_avx2, NVX_KERNEL_AVX2},
        {"avx512", nvx__mask_avx512, NVX_KERNEL_AVX512},
#endif
#if NVX_ARM_NEON
        {"neon", nvx__mask_neon, NVX_KERNEL_NEON},
#endif
        {"nvx_xor_mask", bench_public, NVX_KERNEL_SCALAR},
        {"word64", bench_word64, NVX_KERNEL_SCALAR},
    };
    uint8_t *raw = malloc((1 << 20) + 128);
    if (!raw)
        return 1;
    memset(raw, 0x5a, (1 << 20) + 128);
    /* 64-byte aligned base, then the requested misalignment. */
    uint8_t *buf = raw + (64 - (uintptr_t)raw % 64) % 64 + misalign;
    nvx_init();
    printf("selected kernel: %s (masking with %s), buffer misalignment %zu\n%-14s",
           nvx_kernel_name(nvx_selected()), nvx_kernel_name(nvx_mask_kernel()),
           misalign, "GB/s");
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        printf(" %9zu", sizes[s]);
    printf("\n");
    for (size_t k = 0; k < sizeof kernels / sizeof kernels[0]; k++) {
        if (!nvx_kernel_supported(kernels[k].needs))
            continue;
        printf("%-14s", kernels[k].name);
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
            printf(" %9.2f", bench_one(kernels[k].fn, buf, sizes[s], seconds));
        printf("\n");
        fflush(stdout);
    }

    /* Refilled per size: the text must end on a whole code point. */
    struct {
        const char *name;
        nvx__mask_fn fn;
    } text_rows[] = {
        {"mask", bench_public},
        {"validate", bench_validate},
        {"mask+validate", bench_separate},
        {"fused", bench_fused},
    };
    printf("\nunmask + UTF-8 validate (zero key, valid text), GB/s\n%-14s", "GB/s");
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        printf(" %9zu", sizes[s]);
    printf("\n");
    for (size_t t = 0; t < sizeof text_rows / sizeof text_rows[0]; t++) {
        printf("%-14s", text_rows[t].name);
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            bench_fill_text(buf, sizes[s]);
            printf(" %9.2f", bench_one(text_rows[t].fn, buf, sizes[s], seconds));
        }
        printf("\n");
        fflush(stdout);
    }
    free(raw);
    return 0;
}
