/*
 * mask_avx2.c - AVX2 masking: 32-byte unaligned loads/stores, 128 bytes per
 * loop step, then one 16-byte step and a byte loop for the rest.
 */
#include "mask_kernels.h"

#if NVX_X86
#include <immintrin.h>

__attribute__((target("avx2")))
size_t nvx__mask_avx2(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos)
{
    const __m256i k = _mm256_set1_epi32((int)nvx__mask_rotated_word(key, pos));
    size_t i = 0;
    for (; i + 128 <= len; i += 128) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(buf + i));
        __m256i b = _mm256_loadu_si256((const __m256i *)(buf + i + 32));
        __m256i c = _mm256_loadu_si256((const __m256i *)(buf + i + 64));
        __m256i d = _mm256_loadu_si256((const __m256i *)(buf + i + 96));
        _mm256_storeu_si256((__m256i *)(buf + i), _mm256_xor_si256(a, k));
        _mm256_storeu_si256((__m256i *)(buf + i + 32), _mm256_xor_si256(b, k));
        _mm256_storeu_si256((__m256i *)(buf + i + 64), _mm256_xor_si256(c, k));
        _mm256_storeu_si256((__m256i *)(buf + i + 96), _mm256_xor_si256(d, k));
    }
    for (; i + 32 <= len; i += 32) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(buf + i));
        _mm256_storeu_si256((__m256i *)(buf + i), _mm256_xor_si256(a, k));
    }
    if (i + 16 <= len) {
        __m128i a = _mm_loadu_si128((const __m128i *)(buf + i));
        _mm_storeu_si128((__m128i *)(buf + i), _mm_xor_si128(a, _mm256_castsi256_si128(k)));
        i += 16;
    }
    /* i is a multiple of 16 (so of 4): the key offset is still pos. */
    nvx__mask_bytes(buf + i, len - i, key, pos);
    return (pos + len) & 3;
}
#else
typedef int nvx__mask_avx2_unused; /* keep the translation unit non-empty */
#endif
