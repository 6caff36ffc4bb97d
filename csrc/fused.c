/*
 * fused.c - unmask and validate in one trip through memory.
 *
 * The buffer is processed in blocks small enough to stay in L1: a block is
 * unmasked in place, then validated while it is still hot, so each byte
 * comes from memory once instead of twice. The validator is incremental, so
 * block boundaries never change its result; once it reports invalid, the
 * remaining blocks are only unmasked (the contract unmasks everything).
 */
#include "nvx_internal.h"

/* 8 KiB: a block stays in any L1 data cache (32 KiB and up) between the
 * unmask and the validation. Smaller blocks cost more in per-call validator
 * overhead: validating 1 MiB in 4 KiB pieces measured ~7% slower than in one
 * call, 16 KiB pieces ~3% (AVX-512 UTF-8 kernel, ~17.5 GB/s). Override with
 * -DFUSED_BLOCK=n to experiment. */
#ifndef FUSED_BLOCK
#define FUSED_BLOCK 8192
#endif

size_t nvx_xor_mask_utf8_validate(uint8_t *buf, size_t len, const uint8_t key[4],
                                  size_t pos, nvx_utf8_validator *v,
                                  nvx_utf8_result *r)
{
    nvx_utf8_result scratch;
    if (r == NULL)
        r = &scratch;
    pos &= 3;
    if (len == 0) {
        nvx_utf8_validate(v, buf, 0, r);
        return pos;
    }
    int checking = 1;
    for (size_t off = 0; off < len;) {
        size_t n = len - off < FUSED_BLOCK ? len - off : FUSED_BLOCK;
        pos = nvx_xor_mask(buf + off, n, key, pos);
        if (checking) {
            nvx_utf8_validate(v, buf + off, n, r);
            if (!r->valid) {
                /* Index in this block -> index in the whole buffer. */
                r->current_index += off;
                checking = 0;
            }
        }
        off += n;
    }
    if (checking)
        r->current_index = len;
    return pos;
}
