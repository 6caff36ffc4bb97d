/*
 * utf8_ssse3.c - the lookup-table UTF-8 validator on 128-bit SSSE3 vectors
 * (pshufb for the nibble tables, palignr for the previous bytes). Used for
 * the NVX_KERNEL_SSE2 family when the CPU also has SSSE3.
 */
#include "nvx_internal.h"

#if NVX_X86
#include <immintrin.h>

#define NVXL_SUFFIX ssse3
#define NVXL_TARGET __attribute__((target("ssse3")))
#define NVXL_V __m128i
#define NVXL_W 16
#define NVXL_LOAD(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define NVXL_TABLE(t) NVXL_LOAD(t)
#define NVXL_SPLAT(x) _mm_set1_epi8((char)(x))
#define NVXL_AND(a, b) _mm_and_si128((a), (b))
#define NVXL_OR(a, b) _mm_or_si128((a), (b))
#define NVXL_XOR(a, b) _mm_xor_si128((a), (b))
#define NVXL_SUBS(a, b) _mm_subs_epu8((a), (b))
#define NVXL_SHR4(v) _mm_and_si128(_mm_srli_epi16((v), 4), _mm_set1_epi8(0x0F))
#define NVXL_LOOKUP(t, i) _mm_shuffle_epi8((t), (i))
#define NVXL_PREV(in, pv, n) _mm_alignr_epi8((in), (pv), 16 - (n))
#define NVXL_ANY(v) (_mm_movemask_epi8(_mm_cmpeq_epi8((v), _mm_setzero_si128())) != 0xFFFF)
#define NVXL_HIGH(v) (_mm_movemask_epi8(v) != 0)

/* prev1 as an unaligned load (NVXL_PREV_LOAD) and the
 * must-be-continuation mask from one palignr (NVXL_MUST_CARRY). */
#define NVXL_MUST_CARRY 1
#define NVXL_PREV_LOAD 1
#include "utf8_lookup.h"

#endif /* NVX_X86 */
