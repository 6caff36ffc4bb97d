/*
 * mask_scalar.c - portable masking: the byte-loop reference and a
 * word-at-a-time kernel (8 bytes per step through memcpy, so any alignment
 * and no strict-aliasing questions; compilers turn the memcpy into a move).
 */
#include "mask_kernels.h"

size_t nvx__mask_scalar_ref(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos)
{
    for (size_t i = 0; i < len; i++)
        buf[i] ^= key[(pos + i) & 3];
    return (pos + len) & 3;
}

size_t nvx__mask_scalar(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos)
{
    uint8_t pattern[8];
    for (size_t i = 0; i < sizeof pattern; i++)
        pattern[i] = key[(pos + i) & 3];
    uint64_t k;
    memcpy(&k, pattern, sizeof k);

    size_t i = 0;
    for (; i + 32 <= len; i += 32) {
        uint64_t a, b, c, d;
        memcpy(&a, buf + i, 8);
        memcpy(&b, buf + i + 8, 8);
        memcpy(&c, buf + i + 16, 8);
        memcpy(&d, buf + i + 24, 8);
        a ^= k;
        b ^= k;
        c ^= k;
        d ^= k;
        memcpy(buf + i, &a, 8);
        memcpy(buf + i + 8, &b, 8);
        memcpy(buf + i + 16, &c, 8);
        memcpy(buf + i + 24, &d, 8);
    }
    for (; i + 8 <= len; i += 8) {
        uint64_t a;
        memcpy(&a, buf + i, 8);
        a ^= k;
        memcpy(buf + i, &a, 8);
    }
    /* i is a multiple of 8, so the key offset here is still pos. */
    nvx__mask_bytes(buf + i, len - i, key, pos);
    return (pos + len) & 3;
}
