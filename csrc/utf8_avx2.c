/*
 * utf8_avx2.c - the lookup-table UTF-8 validator on 256-bit AVX2 vectors.
 * vpshufb works per 128-bit lane, so the tables sit in both lanes; the
 * previous-bytes shift crosses the lane boundary with vperm2i128 + vpalignr.
 */
#include "nvx_internal.h"

#if NVX_X86
#include <immintrin.h>

#define NVXL_SUFFIX avx2
#define NVXL_TARGET __attribute__((target("avx2")))
#define NVXL_V __m256i
#define NVXL_W 32
#define NVXL_LOAD(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define NVXL_TABLE(t) \
    _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)(t)))
#define NVXL_SPLAT(x) _mm256_set1_epi8((char)(x))
#define NVXL_AND(a, b) _mm256_and_si256((a), (b))
#define NVXL_OR(a, b) _mm256_or_si256((a), (b))
#define NVXL_XOR(a, b) _mm256_xor_si256((a), (b))
#define NVXL_SUBS(a, b) _mm256_subs_epu8((a), (b))
#define NVXL_SHR4(v) _mm256_and_si256(_mm256_srli_epi16((v), 4), _mm256_set1_epi8(0x0F))
#define NVXL_LOOKUP(t, i) _mm256_shuffle_epi8((t), (i))
/* [pv.hi | in.lo] then per-lane alignr with in: bytes in[-n .. 31-n]. */
#define NVXL_PREV(in, pv, n) \
    _mm256_alignr_epi8((in), _mm256_permute2x128_si256((pv), (in), 0x21), 16 - (n))
#define NVXL_ANY(v) (!_mm256_testz_si256((v), (v)))
#define NVXL_HIGH(v) (_mm256_movemask_epi8(v) != 0)

/* prev1..prev3 as unaligned loads: 3 loads instead of vperm2i128 + 3
 * vpalignr (the shuffle port is the bottleneck). */
#define NVXL_PREV_LOAD 1
#include "utf8_lookup.h"

#endif /* NVX_X86 */
