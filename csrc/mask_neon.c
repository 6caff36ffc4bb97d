/*
 * mask_neon.c - NEON masking (aarch64, or 32-bit ARM built with NEON):
 * 16-byte loads/stores, 64 bytes per loop step, one 8-byte step, then a
 * byte loop. The key vector is built from bytes, so it is endian-neutral.
 */
#include "mask_kernels.h"

#if NVX_ARM_NEON
#include <arm_neon.h>

size_t nvx__mask_neon(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos)
{
    uint8_t pattern[16];
    for (size_t j = 0; j < sizeof pattern; j++)
        pattern[j] = key[(pos + j) & 3];
    const uint8x16_t k = vld1q_u8(pattern);
    size_t i = 0;
    for (; i + 64 <= len; i += 64) {
        uint8x16_t a = vld1q_u8(buf + i);
        uint8x16_t b = vld1q_u8(buf + i + 16);
        uint8x16_t c = vld1q_u8(buf + i + 32);
        uint8x16_t d = vld1q_u8(buf + i + 48);
        vst1q_u8(buf + i, veorq_u8(a, k));
        vst1q_u8(buf + i + 16, veorq_u8(b, k));
        vst1q_u8(buf + i + 32, veorq_u8(c, k));
        vst1q_u8(buf + i + 48, veorq_u8(d, k));
    }
    for (; i + 16 <= len; i += 16)
        vst1q_u8(buf + i, veorq_u8(vld1q_u8(buf + i), k));
    if (i + 8 <= len) {
        vst1_u8(buf + i, veor_u8(vld1_u8(buf + i), vget_low_u8(k)));
        i += 8;
    }
    /* i is a multiple of 8 (so of 4): the key offset is still pos. */
    nvx__mask_bytes(buf + i, len - i, key, pos);
    return (pos + len) & 3;
}
#else
typedef int nvx__mask_neon_unused; /* keep the translation unit non-empty */
#endif
