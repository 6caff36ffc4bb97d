/*
 * mask.c - public nvx_xor_mask: routes to the selected family's kernel
 * through one atomic function pointer that nvx__mask_use sets.
 */
#include "mask_kernels.h"

#include <stdatomic.h>

/* Below this many bytes a call is done inline with the byte loop: the
 * indirect call and vector set-up cost more than they save. */
#define MASK_TINY 16

static size_t mask_first_call(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos);

/* Starts at a trampoline that runs nvx_init, which stores the real kernel. */
static _Atomic(nvx__mask_fn) mask_impl = mask_first_call;

static size_t mask_first_call(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos)
{
    nvx__ensure_init();
    nvx__mask_fn fn = atomic_load_explicit(&mask_impl, memory_order_acquire);
    if (fn == mask_first_call) /* cannot happen after init; never recurse */
        fn = nvx__mask_scalar;
    return fn(buf, len, key, pos);
}

nvx__mask_fn nvx__mask_kernel_for(nvx_kernel k)
{
    switch (k) {
#if NVX_X86
    case NVX_KERNEL_AVX512:
        /* Routed to the AVX2 kernel: on this machine (2-core VM shared
         * with other jobs, AVX-512 F/BW/VL/VBMI, gcc 12 -O2) bench_mask
         * measured AVX-512 no faster than AVX2 from 16 KiB to 1 MiB. Best
         * of runs at low load, GB/s (both kernels align their stores for
         * buffers >= 4 KiB):
         *                     16 KiB  64 KiB  256 KiB  1 MiB
         *   aligned    avx2     107     110      111     91
         *              avx512   105     113      115     90
         *   +1 byte    avx2     102     113      115     93
         *              avx512   102     112      115     93
         * Equal within noise: the loop is load/store bound, not ALU bound,
         * so 64-byte vectors buy nothing here, and on some CPUs they lower
         * the clock for the code around them. nvx__mask_avx512 stays built
         * and tested; re-run bench_mask on new hardware and route it here
         * if it wins. */
        return nvx__mask_avx2;
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

void nvx__mask_use(nvx_kernel k)
{
    atomic_store_explicit(&mask_impl, nvx__mask_kernel_for(k), memory_order_release);
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
