/*
 * utf8_avx512.c - the lookup-table UTF-8 validator on 512-bit AVX-512 F+BW
 * vectors: one vector per 64-byte block. vpshufb is per 128-bit lane, so
 * the previous-bytes shift builds [pv lane 3 | in lanes 0..2] with
 * vpermt2q and then does a per-lane vpalignr.
 */
#include "nvx_internal.h"

#if NVX_X86
#include <immintrin.h>

#define NVXL_SUFFIX avx512
#define NVXL_TARGET __attribute__((target("avx512f,avx512bw")))
#define NVXL_V __m512i
#define NVXL_W 64
#define NVXL_LOAD(p) _mm512_loadu_si512((const void *)(p))
#define NVXL_TABLE(t) \
    _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(const void *)(t)))
#define NVXL_SPLAT(x) _mm512_set1_epi8((char)(x))
#define NVXL_AND(a, b) _mm512_and_si512((a), (b))
#define NVXL_OR(a, b) _mm512_or_si512((a), (b))
#define NVXL_XOR(a, b) _mm512_xor_si512((a), (b))
#define NVXL_SUBS(a, b) _mm512_subs_epu8((a), (b))
#define NVXL_SHR4(v) _mm512_and_si512(_mm512_srli_epi16((v), 4), _mm512_set1_epi8(0x0F))
#define NVXL_LOOKUP(t, i) _mm512_shuffle_epi8((t), (i))
#define NVXL_PREV(in, pv, n)                                                         \
    _mm512_alignr_epi8((in),                                                         \
                       _mm512_permutex2var_epi64((pv),                               \
                                                 _mm512_setr_epi64(6, 7, 8, 9, 10, 11, 12, 13), \
                                                 (in)),                              \
                       16 - (n))
#define NVXL_ANY(v) (_mm512_test_epi8_mask((v), (v)) != 0)
#define NVXL_HIGH(v) (_mm512_movepi8_mask(v) != 0)

#include "utf8_lookup.h"

#endif /* NVX_X86 */
