/*
 * test_mask.c - every masking kernel against a plain byte loop: every
 * length 0..300 at every key offset and 64 alignments, guard bytes around
 * the slice untouched, the returned key offset, lengths around 4 KiB (where
 * the AVX kernels align their stores), large sizes; each kernel
 * called directly and through nvx_xor_mask after nvx_select.
 */
#include "mask_kernels.h"
#include "nvx_test.h"

#define MAX_LEN 300
/* Second sweep around 4 KiB, where the AVX kernels start aligning. */
#define MID_LO 4060
#define MID_HI 4140
#define MAX_ALIGN 64
#define GUARD 64

typedef struct {
    const char *name;
    nvx__mask_fn fn; /* NULL: the public nvx_xor_mask */
    nvx_kernel needs;
} kernel_case;

static void reference(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos)
{
    for (size_t i = 0; i < len; i++)
        buf[i] ^= key[(pos + i) % 4];
}

static size_t run(const kernel_case *kc, uint8_t *buf, size_t len, const uint8_t key[4],
                  size_t pos)
{
    if (kc->fn)
        return kc->fn(buf, len, key, pos & 3);
    return nvx_xor_mask(buf, len, key, pos);
}

/* Every (length, offset, alignment) combination; the whole buffer, guards
 * included, must equal the reference result. */
static void exhaustive(const kernel_case *kc, size_t min_len, size_t max_len, size_t align_step)
{
    static uint8_t got[GUARD + MAX_ALIGN + MID_HI + GUARD];
    static uint8_t want[sizeof got];
    const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
    size_t max_pos = kc->fn ? 4 : 8; /* the public API takes pos modulo 4 */
    for (size_t len = min_len; len <= max_len; len++) {
        for (size_t pos = 0; pos < max_pos; pos++) {
            for (size_t align = 0; align < MAX_ALIGN; align += align_step) {
                size_t used = GUARD + align + len + GUARD;
                nvx_test_fill(got, used);
                memcpy(want, got, used);
                uint8_t *slice = got + GUARD + align;
                reference(want + GUARD + align, len, key, pos);
                size_t next = run(kc, slice, len, key, pos);
                if (!CHECK(next == (pos + len) % 4, "%s len=%zu pos=%zu: returned %zu",
                           kc->name, len, pos, next) ||
                    !CHECK(memcmp(got, want, used) == 0,
                           "%s len=%zu pos=%zu align=%zu: bytes differ", kc->name, len, pos,
                           align))
                    if (NVX_TEST_GIVE_UP())
                        return;
            }
        }
    }
}

/* Large buffers, odd sizes, chained calls with the returned offset. */
static void large(const kernel_case *kc, int quick)
{
    const size_t sizes[] = {4096, 65536 + 13, (1u << 20) + 7, 3u << 20};
    size_t n_sizes = quick ? 3 : sizeof sizes / sizeof sizes[0];
    const uint8_t key[4] = {0xde, 0xad, 0xbe, 0xef};
    for (size_t s = 0; s < n_sizes; s++) {
        size_t n = sizes[s];
        uint8_t *got = malloc(n + 2 * GUARD), *want = malloc(n + 2 * GUARD);
        if (!CHECK(got && want, "out of memory")) {
            free(got);
            free(want);
            return;
        }
        nvx_test_fill(got, n + 2 * GUARD);
        memcpy(want, got, n + 2 * GUARD);
        size_t pos = (size_t)(nvx_test_rand() % 4);
        reference(want + GUARD + 1, n, key, pos);
        /* Chained: random-size pieces, each starting at the returned offset. */
        size_t off = 0, p = pos;
        while (off < n) {
            size_t piece = (size_t)(nvx_test_rand() % 5000);
            if (piece > n - off)
                piece = n - off;
            p = run(kc, got + GUARD + 1 + off, piece, key, p);
            off += piece;
        }
        CHECK(p == (pos + n) % 4, "%s large n=%zu: offset %zu", kc->name, n, p);
        CHECK(memcmp(got, want, n + 2 * GUARD) == 0, "%s large n=%zu: bytes differ", kc->name,
              n);
        /* Masking twice restores the input. */
        run(kc, got + GUARD + 1, n, key, pos);
        reference(want + GUARD + 1, n, key, pos);
        CHECK(memcmp(got, want, n + 2 * GUARD) == 0, "%s large n=%zu: not an involution",
              kc->name, n);
        free(got);
        free(want);
    }
}

int main(void)
{
    int quick = nvx_test_quick();
    kernel_case direct[] = {
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
    };
    for (size_t i = 0; i < sizeof direct / sizeof direct[0]; i++) {
        if (!nvx_kernel_supported(direct[i].needs)) {
            printf("skip kernel %s: not supported by this CPU\n", direct[i].name);
            continue;
        }
        printf("kernel %s\n", direct[i].name);
        exhaustive(&direct[i], 0, MAX_LEN, quick ? 7 : 1);
        exhaustive(&direct[i], MID_LO, MID_HI, quick ? 13 : 3);
        large(&direct[i], quick);
    }

    /* The public entry point, with every supported family selected. */
    for (int k = 0; k < NVX_KERNEL_COUNT; k++) {
        if (!nvx_kernel_supported((nvx_kernel)k))
            continue;
        CHECK(nvx_select((nvx_kernel)k) == 0, "select %s", nvx_kernel_name((nvx_kernel)k));
        CHECK(nvx_selected() == (nvx_kernel)k, "selected %s", nvx_kernel_name((nvx_kernel)k));
        char name[64];
        snprintf(name, sizeof name, "nvx_xor_mask[%s]", nvx_kernel_name((nvx_kernel)k));
        kernel_case pub = {name, NULL, (nvx_kernel)k};
        printf("public API with %s\n", nvx_kernel_name((nvx_kernel)k));
        exhaustive(&pub, 0, MAX_LEN, quick ? 7 : 1);
        exhaustive(&pub, MID_LO, MID_HI, quick ? 13 : 3);
        large(&pub, quick);
    }

    /* The public entry point with each masking kernel forced, whatever
     * the per-CPU routing (nvx_select_mask). */
    for (int k = 0; k < NVX_KERNEL_COUNT; k++) {
        if (!nvx_kernel_supported((nvx_kernel)k))
            continue;
        CHECK(nvx_select_mask((nvx_kernel)k) == 0, "force %s", nvx_kernel_name((nvx_kernel)k));
        CHECK(nvx_mask_kernel() == (nvx_kernel)k, "forced %s", nvx_kernel_name((nvx_kernel)k));
        char name[64];
        snprintf(name, sizeof name, "nvx_xor_mask[forced %s]", nvx_kernel_name((nvx_kernel)k));
        kernel_case pub = {name, NULL, (nvx_kernel)k};
        printf("public API, masking forced to %s\n", nvx_kernel_name((nvx_kernel)k));
        exhaustive(&pub, 0, MAX_LEN, quick ? 7 : 1);
        large(&pub, quick);
    }
    return nvx_test_done("test_mask");
}
