/*
 * mask.c - public nvx_xor_mask: routes to the selected family's kernel
 * through one atomic function pointer that nvx__mask_use sets (after the
 * per-CPU routing of mask_route) or nvx__mask_force sets (no routing).
 */
#include "mask_kernels.h"

#include <stdatomic.h>

/* Below this many bytes a call is done inline with the byte loop: the
 * indirect call and vector set-up cost more than they save. */
#define MASK_TINY 16

static size_t mask_first_call(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos);

/* Starts at a trampoline that runs nvx_init, which stores the real kernel. */
static _Atomic(nvx__mask_fn) mask_impl = mask_first_call;
/* The kernel family of mask_impl's code (for nvx_mask_kernel). */
static atomic_int mask_family = NVX_KERNEL_SCALAR;

static size_t mask_first_call(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos)
{
    nvx__ensure_init();
    nvx__mask_fn fn = atomic_load_explicit(&mask_impl, memory_order_acquire);
    if (fn == mask_first_call) /* cannot happen after init; never recurse */
        fn = nvx__mask_scalar;
    return fn(buf, len, key, pos);
}

/* The family whose masking code serves kernel k's family. */
static nvx_kernel mask_route(nvx_kernel k)
{
    switch (k) {
#if NVX_X86
    case NVX_KERNEL_AVX512:
        /* 64-byte stores only where they measured faster (dispatch.c's
         * table: Intel Sapphire/Emerald Rapids, 1.4x at 4-16 KiB). On
         * AMD Zen 4 bench_mask measured them no faster than AVX2 from
         * 16 KiB to 1 MiB (load/store bound: avx2 107, avx512 105 GB/s at
         * 16 KiB), and on some CPUs they lower the clock for the code
         * around them, so every CPU not measured keeps AVX2. */
        return nvx__cpu_wide_mask() ? NVX_KERNEL_AVX512 : NVX_KERNEL_AVX2;
    case NVX_KERNEL_AVX2:
    case NVX_KERNEL_SSE2:
        return k;
#endif
#if NVX_ARM_NEON
    case NVX_KERNEL_NEON:
        return k;
#endif
    default:
        return NVX_KERNEL_SCALAR;
    }
}

/* Kernel k's own masking code (no routing). */
static nvx__mask_fn mask_code(nvx_kernel k)
{
    switch (k) {
#if NVX_X86
    case NVX_KERNEL_AVX512:
        return nvx__mask_avx512;
    case NVX_KERNEL_AVX2:
        return nvx__mask_avx2;
    case NVX_KERNEL_SSE2:
        return nvx__mask_sse2;
#endif
#if NVX_ARM_NEON
    case NVX_KERNEL_NEON:
        return nvx__mask_neon;
#endif
    default:
        return nvx__mask_scalar;
    }
}

nvx__mask_fn nvx__mask_kernel_for(nvx_kernel k)
{
    return mask_code(mask_route(k));
}

void nvx__mask_force(nvx_kernel k)
{
    nvx_kernel f = mask_code(k) == nvx__mask_scalar ? NVX_KERNEL_SCALAR : k;
    atomic_store_explicit(&mask_family, (int)f, memory_order_relaxed);
    atomic_store_explicit(&mask_impl, mask_code(f), memory_order_release);
}

void nvx__mask_use(nvx_kernel k)
{
    nvx__mask_force(mask_route(k));
}

nvx_kernel nvx__mask_current(void)
{
    return (nvx_kernel)atomic_load_explicit(&mask_family, memory_order_relaxed);
}

size_t nvx_xor_mask(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos)
{
    pos &= 3;
    if (len < MASK_TINY) {
        nvx__mask_bytes(buf, len, key, pos);
        return (pos + len) & 3;
    }
    nvx__mask_fn fn = atomic_load_explicit(&mask_impl, memory_order_relaxed);
    return fn(buf, len, key, pos);
}
