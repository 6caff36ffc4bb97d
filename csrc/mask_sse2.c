/*
 * mask_sse2.c - SSE2 masking: 16-byte unaligned loads/stores, 64 bytes per
 * loop step, byte loop for the last < 16 bytes.
 */
#include "mask_kernels.h"

#if NVX_X86
#include <immintrin.h>

__attribute__((target("sse2")))
size_t nvx__mask_sse2(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos)
{
    const __m128i k = _mm_set1_epi32((int)nvx__mask_rotated_word(key, pos));
    size_t i = 0;
    for (; i + 64 <= len; i += 64) {
        __m128i a = _mm_loadu_si128((const __m128i *)(buf + i));
        __m128i b = _mm_loadu_si128((const __m128i *)(buf + i + 16));
        __m128i c = _mm_loadu_si128((const __m128i *)(buf + i + 32));
        __m128i d = _mm_loadu_si128((const __m128i *)(buf + i + 48));
        _mm_storeu_si128((__m128i *)(buf + i), _mm_xor_si128(a, k));
        _mm_storeu_si128((__m128i *)(buf + i + 16), _mm_xor_si128(b, k));
        _mm_storeu_si128((__m128i *)(buf + i + 32), _mm_xor_si128(c, k));
        _mm_storeu_si128((__m128i *)(buf + i + 48), _mm_xor_si128(d, k));
    }
    for (; i + 16 <= len; i += 16) {
        __m128i a = _mm_loadu_si128((const __m128i *)(buf + i));
        _mm_storeu_si128((__m128i *)(buf + i), _mm_xor_si128(a, k));
    }
    /* i is a multiple of 16 (so of 4): the key offset is still pos. */
    nvx__mask_bytes(buf + i, len - i, key, pos);
    return (pos + len) & 3;
}
#else
typedef int nvx__mask_sse2_unused; /* keep the translation unit non-empty */
#endif
