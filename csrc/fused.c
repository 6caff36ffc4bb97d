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

/* 4 KiB: two of these (read + write) fit in any L1 data cache with room to
 * spare, and the per-block call overhead is noise at this size. */
#define FUSED_BLOCK 4096

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
