/*
 * mask_avx512.c - AVX-512 (F+BW) masking: 64-byte unaligned loads/stores,
 * 256 bytes per loop step; the last < 64 bytes with one byte-masked
 * load/store (AVX512BW), which never touches memory outside the slice.
 */
#include "mask_kernels.h"

#if NVX_X86
#include <immintrin.h>

__attribute__((target("avx512f,avx512bw")))
size_t nvx__mask_avx512(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos)
{
    const __m512i k = _mm512_set1_epi32((int)nvx__mask_rotated_word(key, pos));
    size_t i = 0;
    for (; i + 256 <= len; i += 256) {
        __m512i a = _mm512_loadu_si512((const void *)(buf + i));
        __m512i b = _mm512_loadu_si512((const void *)(buf + i + 64));
        __m512i c = _mm512_loadu_si512((const void *)(buf + i + 128));
        __m512i d = _mm512_loadu_si512((const void *)(buf + i + 192));
        _mm512_storeu_si512((void *)(buf + i), _mm512_xor_si512(a, k));
        _mm512_storeu_si512((void *)(buf + i + 64), _mm512_xor_si512(b, k));
        _mm512_storeu_si512((void *)(buf + i + 128), _mm512_xor_si512(c, k));
        _mm512_storeu_si512((void *)(buf + i + 192), _mm512_xor_si512(d, k));
    }
    for (; i + 64 <= len; i += 64) {
        __m512i a = _mm512_loadu_si512((const void *)(buf + i));
        _mm512_storeu_si512((void *)(buf + i), _mm512_xor_si512(a, k));
    }
    if (i < len) {
        /* i is a multiple of 64 (so of 4): the key stream still starts at pos. */
        __mmask64 m = (__mmask64)((~0ULL) >> (64 - (len - i)));
        __m512i a = _mm512_maskz_loadu_epi8(m, (const void *)(buf + i));
        _mm512_mask_storeu_epi8((void *)(buf + i), m, _mm512_xor_si512(a, k));
    }
    return (pos + len) & 3;
}
#else
typedef int nvx__mask_avx512_unused; /* keep the translation unit non-empty */
#endif
