/*
 * mask_kernels.h - the masking kernels behind nvx_xor_mask, one per
 * instruction-set family, for mask.c's routing and for tests/benchmarks
 * that call a kernel directly. Not installed.
 *
 * Every kernel: XOR buf[0..len) with key starting at key offset pos, which
 * MUST already be 0..3; any length and alignment; returns (pos + len) % 4.
 * A SIMD kernel may only be called when nvx__cpu_supports() says so.
 */
#ifndef NVX_MASK_KERNELS_H
#define NVX_MASK_KERNELS_H

#include "nvx_internal.h"

#include <string.h>

typedef size_t (*nvx__mask_fn)(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos);

/* Plain byte loop: the reference every other kernel is tested against. */
size_t nvx__mask_scalar_ref(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos);
/* Portable word-at-a-time (8 bytes per step). */
size_t nvx__mask_scalar(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos);
#if NVX_X86
size_t nvx__mask_sse2(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos);
size_t nvx__mask_avx2(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos);
size_t nvx__mask_avx512(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos);
#endif
#if NVX_ARM_NEON
size_t nvx__mask_neon(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos);
#endif

/* mask.c: the kernel nvx_xor_mask uses for family k after routing (for
 * example AVX-512 may route to the AVX2 kernel where that is faster). */
nvx__mask_fn nvx__mask_kernel_for(nvx_kernel k);

/* The key rotated so byte i of the result is key[(pos + i) % 4], in memory
 * order: broadcasting it fills a vector with the right key stream. A
 * rotation of the key read as one word (no byte array on the stack: the
 * kernels stay leaf functions with next to no stack, which the direct call
 * from Go in nvx/internal/ccall relies on). */
static inline uint32_t nvx__mask_rotated_word(const uint8_t key[4], size_t pos)
{
    uint32_t w;
    memcpy(&w, key, sizeof w);
    const unsigned s = 8u * (unsigned)(pos & 3);
    if (s == 0)
        return w;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return (w << s) | (w >> (32u - s)); /* key[pos] is the high byte */
#else
    return (w >> s) | (w << (32u - s)); /* key[pos] is the low byte */
#endif
}

/* Byte loop for short tails. */
static inline void nvx__mask_bytes(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos)
{
    for (size_t i = 0; i < len; i++)
        buf[i] ^= key[(pos + i) & 3];
}

#endif /* NVX_MASK_KERNELS_H */
