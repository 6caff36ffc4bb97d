/*
 * utf8_avx512.c - the lookup-table UTF-8 validator on 512-bit vectors, two
 * per block, in two builds:
 *
 *   avx512      F+BW: vpshufb works per 128-bit lane, so the previous-bytes
 *               shift builds [pv lane 3 | in lanes 0..2] with vpermt2q and
 *               then does a per-lane vpalignr (4 shuffles for 3 shifts),
 *               used for the first block only: after it, the previous
 *               bytes are unaligned loads (NVXL_PREV_LOAD);
 *   avx512vbmi  F+BW+VBMI: each previous-bytes shift is one vpermt2b.
 *
 * The VBMI build also looks up the previous byte's classes in one
 * 128-byte vpermt2b, derives the must-be-continuation mask with one shift
 * (NVXL_MUST_CARRY) and loads prev1 from memory (NVXL_PREV_LOAD): 3
 * shuffles and 1 shift per vector instead of 6 and 2.
 *
 * utf8.c picks which (if any) the AVX512 family uses; see the figures there.
 */
#include "nvx_internal.h"

#if NVX_X86
#include <immintrin.h>

/* Wrappers common to both builds (#undef'd at the end of the file). */
#define UTF8X5_V __m512i
#define UTF8X5_LOAD(p) _mm512_loadu_si512((const void *)(p))
#define UTF8X5_TABLE(t) \
    _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(const void *)(t)))
#define UTF8X5_SPLAT(x) _mm512_set1_epi8((char)(x))
#define UTF8X5_SHR4(v) _mm512_and_si512(_mm512_srli_epi16((v), 4), _mm512_set1_epi8(0x0F))
#define UTF8X5_ANY(v) (_mm512_test_epi8_mask((v), (v)) != 0)
#define UTF8X5_HIGH(v) (_mm512_movepi8_mask(v) != 0)

/* ---- F+BW */
#define NVXL_SUFFIX avx512
#define NVXL_TARGET __attribute__((target("avx512f,avx512bw")))
#define NVXL_V UTF8X5_V
#define NVXL_W 64
#define NVXL_N 2
#define NVXL_N2 4
/* prev1..prev3 as unaligned loads: no vpermt2q + 3 vpalignr per vector. */
#define NVXL_PREV_LOAD 1
#define NVXL_LOAD UTF8X5_LOAD
#define NVXL_TABLE UTF8X5_TABLE
#define NVXL_SPLAT UTF8X5_SPLAT
#define NVXL_AND(a, b) _mm512_and_si512((a), (b))
#define NVXL_OR(a, b) _mm512_or_si512((a), (b))
#define NVXL_XOR(a, b) _mm512_xor_si512((a), (b))
#define NVXL_SUBS(a, b) _mm512_subs_epu8((a), (b))
#define NVXL_SHR4 UTF8X5_SHR4
#define NVXL_LOOKUP(t, i) _mm512_shuffle_epi8((t), (i))
#define NVXL_PREV(in, pv, n)                                                        \
    _mm512_alignr_epi8(                                                             \
        (in),                                                                       \
        _mm512_permutex2var_epi64((pv), _mm512_setr_epi64(6, 7, 8, 9, 10, 11, 12, 13), \
                                  (in)),                                            \
        16 - (n))
#define NVXL_ANY UTF8X5_ANY
#define NVXL_HIGH UTF8X5_HIGH
#include "utf8_lookup.h"

/* ---- F+BW+VBMI */
/* Byte j of the result is byte 64 - n + j of the 128-byte pair (pv, in). */
#define UTF8X5_IOTA                                                                    \
    _mm512_setr_epi32(0x03020100, 0x07060504, 0x0B0A0908, 0x0F0E0D0C, 0x13121110,     \
                      0x17161514, 0x1B1A1918, 0x1F1E1D1C, 0x23222120, 0x27262524,     \
                      0x2B2A2928, 0x2F2E2D2C, 0x33323130, 0x37363534, 0x3B3A3938,     \
                      0x3F3E3D3C)
#define NVXL_SUFFIX avx512vbmi
#define NVXL_TARGET __attribute__((target("avx512f,avx512bw,avx512vbmi")))
#define NVXL_V UTF8X5_V
#define NVXL_W 64
#define NVXL_N 2
#define NVXL_N2 4
/* prev1 as an unaligned load: one vpermt2b fewer per vector. */
#define NVXL_PREV_LOAD 1
#define NVXL_LOAD UTF8X5_LOAD
#define NVXL_TABLE UTF8X5_TABLE
#define NVXL_SPLAT UTF8X5_SPLAT
#define NVXL_AND(a, b) _mm512_and_si512((a), (b))
#define NVXL_OR(a, b) _mm512_or_si512((a), (b))
#define NVXL_XOR(a, b) _mm512_xor_si512((a), (b))
#define NVXL_SUBS(a, b) _mm512_subs_epu8((a), (b))
/* vpermb looks up 64-byte tables with the low 6 bits of the index: the
 * 16-entry tables sit in all four lanes, so no index needs masking. */
#define NVXL_SHR4(v) _mm512_srli_epi16((v), 4)
#define NVXL_LOOKUP(t, i) _mm512_permutexvar_epi8((i), (t))
/* The previous byte's classes in one vpermt2b over 128 bytes: index
 * max(p1, 0x80) sends every non-lead to the low half (all NVXL_E_CONT2)
 * and a lead C0..FF to its entry in the high half. */
#define NVXL_PREV_TABLES(t_ph, t_pl)                  \
    NVXL_V t_ph = _mm512_set1_epi8((char)NVXL_E_CONT2); \
    NVXL_V t_pl = _mm512_loadu_si512((const void *)nvxl_tab_prev_lead)
#define NVXL_PREV_CLASS(p1, t_ph, t_pl) \
    _mm512_permutex2var_epi8((t_ph), _mm512_max_epu8((p1), _mm512_set1_epi8((char)0x80)), (t_pl))
#define NVXL_MUST_CARRY 1
#define NVXL_PREV(in, pv, n) \
    _mm512_permutex2var_epi8((pv), _mm512_add_epi8(UTF8X5_IOTA, _mm512_set1_epi8(64 - (n))), (in))
#define NVXL_ANY UTF8X5_ANY
#define NVXL_HIGH UTF8X5_HIGH
#include "utf8_lookup.h"

#undef UTF8X5_IOTA
#undef UTF8X5_V
#undef UTF8X5_LOAD
#undef UTF8X5_TABLE
#undef UTF8X5_SPLAT
#undef UTF8X5_SHR4
#undef UTF8X5_ANY
#undef UTF8X5_HIGH

#endif /* NVX_X86 */
