/*
 * utf8_ref.h - the UTF-8 tests' reference checker, independent of the
 * library's DFA and lookup tables (shared by test_utf8.c and
 * test_utf8_exhaustive4.c).
 *
 * It decodes code points and, after every byte, asks whether the bits seen
 * so far can still complete to a value this sequence length may encode (no
 * overlong form, no surrogate, nothing above U+10FFFF). The first byte for
 * which the answer is no is the error index. Written as a state that takes
 * one byte at a time (ref_push), so an exhaustive test can keep the state
 * after a prefix and vary only the last byte.
 */
#ifndef NVX_UTF8_REF_H
#define NVX_UTF8_REF_H

#include <stddef.h>
#include <stdint.h>

typedef struct ref_state {
    int ok;       /* 1: every byte so far keeps the input a valid prefix */
    size_t err;   /* when !ok: index of the first byte that broke it      */
    int need;     /* continuation bytes still expected (0: on a boundary) */
    int len;      /* length of the open sequence (when need > 0)          */
    uint32_t v;   /* its bits decoded so far                              */
    uint32_t min; /* the code point range its length may encode           */
    uint32_t max;
} ref_state;

static inline void ref_init(ref_state *s)
{
    s->ok = 1, s->err = 0, s->need = 0, s->len = 0, s->v = 0, s->min = 0, s->max = 0;
}

/* Can a code point in [lo, hi] still be a valid scalar value encoded with
 * a sequence whose own range is [min, max]? */
static inline int ref_possible(uint32_t lo, uint32_t hi, uint32_t min, uint32_t max)
{
    uint32_t a = lo > min ? lo : min;
    uint32_t b = hi < max ? hi : max;
    if (a > b)
        return 0;
    return !(a >= 0xD800 && b <= 0xDFFF); /* not only surrogates left */
}

/* Feed byte b, found at index idx of the input. No effect once !ok. */
static inline void ref_push(ref_state *s, uint8_t b, size_t idx)
{
    uint32_t lo, hi;
    if (!s->ok)
        return;
    if (s->need == 0) {
        if (b < 0x80)
            return;
        if ((b & 0xE0) == 0xC0) {
            s->len = 2, s->v = b & 0x1Fu, s->min = 0x80, s->max = 0x7FF;
        } else if ((b & 0xF0) == 0xE0) {
            s->len = 3, s->v = b & 0x0Fu, s->min = 0x800, s->max = 0xFFFF;
        } else if ((b & 0xF8) == 0xF0) {
            s->len = 4, s->v = b & 0x07u, s->min = 0x10000, s->max = 0x10FFFF;
        } else {
            s->ok = 0, s->err = idx;
            return;
        }
        s->need = s->len - 1;
    } else {
        if ((b & 0xC0) != 0x80) {
            s->ok = 0, s->err = idx;
            return;
        }
        s->v = (s->v << 6) | (b & 0x3Fu);
        s->need--;
    }
    lo = s->v << (6 * s->need);
    hi = lo | ((1u << (6 * s->need)) - 1u);
    if (!ref_possible(lo, hi, s->min, s->max))
        s->ok = 0, s->err = idx;
}

/* Bytes of the code point left open after a valid prefix (0 on a
 * boundary): what the validator's pending field must hold. */
static inline uint32_t ref_open_bytes(const ref_state *s)
{
    return s->ok && s->need > 0 ? (uint32_t)(s->len - s->need) : 0;
}

/* Returns 1 and *err = n when p[0..n) is a valid prefix (*complete: it ends
 * on a code point), else 0 and *err = index of the first byte that breaks
 * it (*complete = 0). */
static inline int ref_scan(const uint8_t *p, size_t n, size_t *err, int *complete)
{
    ref_state s;
    size_t i;
    ref_init(&s);
    for (i = 0; i < n && s.ok; i++)
        ref_push(&s, p[i], i);
    if (!s.ok) {
        *err = s.err, *complete = 0;
        return 0;
    }
    *err = n, *complete = s.need == 0;
    return 1;
}

#endif /* NVX_UTF8_REF_H */
