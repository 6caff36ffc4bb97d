/*
 * mask_avx512.c - AVX-512 (F+BW) masking: 64-byte unaligned loads/stores,
 * 256 bytes per loop step; the last < 64 bytes with one byte-masked
 * load/store (AVX512BW), which never touches memory outside the slice.
 */
#include "mask_kernels.h"

#if NVX_X86
#include <immintrin.h>

/* Buffers at least this long get an aligning head first. */
#define MASK_AVX512_ALIGN_MIN 4096

__attribute__((target("avx512f,avx512bw")))
size_t nvx__mask_avx512(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos)
{
    size_t i = 0;
    if (len >= MASK_AVX512_ALIGN_MIN) {
        /* Masked head up to a 64-byte boundary, so every store of the main
         * loop stays inside one cache line. */
        size_t head = (64 - (size_t)((uintptr_t)buf & 63)) & 63;
        if (head) {
            const __m512i k0 = _mm512_set1_epi32((int)nvx__mask_rotated_word(key, pos));
            __mmask64 m = (__mmask64)((~0ULL) >> (64 - head));
            __m512i a = _mm512_maskz_loadu_epi8(m, (const void *)buf);
            _mm512_mask_storeu_epi8((void *)buf, m, _mm512_xor_si512(a, k0));
            i = head;
        }
    }
    /* The key stream continues at offset (pos + i) % 4. */
    const size_t kpos = (pos + i) & 3;
    const __m512i k = _mm512_set1_epi32((int)nvx__mask_rotated_word(key, kpos));
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
        /* (i - head) is a multiple of 64: the key stream still starts at kpos. */
        __mmask64 m = (__mmask64)((~0ULL) >> (64 - (len - i)));
        __m512i a = _mm512_maskz_loadu_epi8(m, (const void *)(buf + i));
        _mm512_mask_storeu_epi8((void *)(buf + i), m, _mm512_xor_si512(a, k));
    }
    return (pos + len) & 3;
}
#else
typedef int nvx__mask_avx512_unused; /* keep the translation unit non-empty */
#endif
