/*
 * mask_avx2.c - AVX2 masking: 32-byte unaligned loads/stores, 128 bytes per
 * loop step, then one 16-byte step and a byte loop for the rest.
 */
#include "mask_kernels.h"

#if NVX_X86
#include <immintrin.h>

/* Buffers at least this long get an aligning head first. */
#define MASK_AVX2_ALIGN_MIN 4096

__attribute__((target("avx2")))
size_t nvx__mask_avx2(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos)
{
    size_t i = 0;
    int head_pending = 0;
    __m256i head_v = _mm256_setzero_si256();
    if (len >= MASK_AVX2_ALIGN_MIN) {
        /* Start the main loop at a 32-byte boundary, so no store straddles
         * two cache lines. The first 32 bytes are loaded now and stored
         * (masked) at the very end: the bytes the loop also covers get the
         * same value either way, so nothing is masked twice. */
        size_t head = (32 - (size_t)((uintptr_t)buf & 31)) & 31;
        if (head) {
            head_v = _mm256_xor_si256(
                _mm256_loadu_si256((const __m256i *)buf),
                _mm256_set1_epi32((int)nvx__mask_rotated_word(key, pos)));
            head_pending = 1;
            i = head;
        }
    }
    /* The key stream continues at offset (pos + i) % 4. */
    const size_t kpos = (pos + i) & 3;
    const __m256i k = _mm256_set1_epi32((int)nvx__mask_rotated_word(key, kpos));
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
    /* (i - head) is a multiple of 16: the key offset is still kpos. */
    nvx__mask_bytes(buf + i, len - i, key, kpos);
    if (head_pending)
        _mm256_storeu_si256((__m256i *)buf, head_v);
    return (pos + len) & 3;
}
#else
typedef int nvx__mask_avx2_unused; /* keep the translation unit non-empty */
#endif
