/*
 * utf8_neon.c - the lookup-table UTF-8 validator on 128-bit NEON vectors
 * (tbl for the nibble tables, ext for the previous bytes, a horizontal
 * max for the any-set tests). aarch64 only: vqtbl1q_u8 and vmaxvq_u8 are
 * A64 instructions.
 */
#include "nvx_internal.h"

#if NVX_ARM_NEON && defined(__aarch64__)
#include <arm_neon.h>

#define NVXL_SUFFIX neon
#define NVXL_TARGET
#define NVXL_V uint8x16_t
#define NVXL_W 16
#define NVXL_LOAD(p) vld1q_u8((const uint8_t *)(p))
#define NVXL_TABLE(t) vld1q_u8(t)
#define NVXL_SPLAT(x) vdupq_n_u8((uint8_t)(x))
#define NVXL_AND(a, b) vandq_u8((a), (b))
#define NVXL_OR(a, b) vorrq_u8((a), (b))
#define NVXL_XOR(a, b) veorq_u8((a), (b))
#define NVXL_SUBS(a, b) vqsubq_u8((a), (b))
#define NVXL_SHR4(v) vshrq_n_u8((v), 4)
#define NVXL_LOOKUP(t, i) vqtbl1q_u8((t), (i))
#define NVXL_PREV(in, pv, n) vextq_u8((pv), (in), 16 - (n))
#define NVXL_ANY(v) (vmaxvq_u8(v) != 0)
#define NVXL_HIGH(v) (vmaxvq_u8(v) >= 0x80)

/* Each previous-bytes shift is one instruction: derive the
 * must-be-continuation mask with one shift instead of two. */
#define NVXL_MUST_CARRY 1
#include "utf8_lookup.h"

#endif /* NVX_ARM_NEON && __aarch64__ */
