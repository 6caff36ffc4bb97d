/*
 * utf8_scalar.c - the reference UTF-8 state machine (a Hoehrmann-style DFA).
 *
 * One byte at a time through a 9-state machine (a shift DFA, below). It is the
 * portable kernel, and the SIMD driver uses it for chunk edges (a code
 * point split between calls, the last bytes of a buffer) and to find the
 * exact index of the first invalid byte once a vector kernel has seen an
 * error somewhere in a block.
 *
 * Index semantics: the DFA moves to REJECT on the first byte at which the
 * input stops being a prefix of valid UTF-8 (RFC 3629: no surrogates, no
 * overlong forms, nothing above U+10FFFF), and that byte's index is the
 * error index ("\xC3A" fails at 1, "\xE0\x80" at 1, "\xF5" at 0).
 */
#include <string.h>

#include "utf8_lookup.h"

/* States. NVX_UTF8_ACCEPT (0) and NVX_UTF8_REJECT (1) are shared with the
 * driver and the validator's state field; the others are "inside a code
 * point" and say what the next byte must be. */
enum {
    U8S_ACCEPT = 0,
    U8S_REJECT = 1,
    U8S_NEED1 = 2, /* one continuation 80..BF left              */
    U8S_NEED2 = 3, /* two continuations left                     */
    U8S_E0 = 4,    /* after E0: A0..BF, then one more            */
    U8S_ED = 5,    /* after ED: 80..9F (no surrogates), one more */
    U8S_NEED3 = 6, /* three continuations left                   */
    U8S_F0 = 7,    /* after F0: 90..BF, then two more            */
    U8S_F4 = 8     /* after F4: 80..8F (<= U+10FFFF), two more   */
};

/*
 * The transition table, stored as one 64-bit row per byte value (a
 * "shift DFA"): state s is kept as the bit offset 6*s, and bits 6s..6s+5 of
 * row[b] hold the offset of the state after reading b in state s. One step
 * is then  s = (row[b] >> s) & 63 : the row load does not depend on the
 * state, so the loop-carried chain is a shift and a mask, not a dependent
 * table load.
 *
 * U8S_ALL_REJECT sends every state to REJECT; U8S_GO(s, t) rewrites the
 * field of state s from REJECT to t, so a row lists only the transitions
 * that are not rejections.
 */
#define U8S_F(s, t) ((uint64_t)(6u * (unsigned)(t)) << (6u * (unsigned)(s)))
#define U8S_ALL_REJECT                                                                        \
    (U8S_F(0, 1) | U8S_F(1, 1) | U8S_F(2, 1) | U8S_F(3, 1) | U8S_F(4, 1) | U8S_F(5, 1) |      \
     U8S_F(6, 1) | U8S_F(7, 1) | U8S_F(8, 1))
#define U8S_GO(s, t) (U8S_F(s, U8S_REJECT) ^ U8S_F(s, t))

/* 00..7F */
#define U8S_ROW_ASCII (U8S_ALL_REJECT ^ U8S_GO(U8S_ACCEPT, U8S_ACCEPT))
/* 80..8F */
#define U8S_ROW_CONT_8 \
    (U8S_ALL_REJECT ^ U8S_GO(U8S_NEED1, U8S_ACCEPT) ^ U8S_GO(U8S_NEED2, U8S_NEED1) ^ \
     U8S_GO(U8S_ED, U8S_NEED1) ^ U8S_GO(U8S_NEED3, U8S_NEED2) ^ U8S_GO(U8S_F4, U8S_NEED2))
/* 90..9F */
#define U8S_ROW_CONT_9 \
    (U8S_ALL_REJECT ^ U8S_GO(U8S_NEED1, U8S_ACCEPT) ^ U8S_GO(U8S_NEED2, U8S_NEED1) ^ \
     U8S_GO(U8S_ED, U8S_NEED1) ^ U8S_GO(U8S_NEED3, U8S_NEED2) ^ U8S_GO(U8S_F0, U8S_NEED2))
/* A0..BF */
#define U8S_ROW_CONT_AB \
    (U8S_ALL_REJECT ^ U8S_GO(U8S_NEED1, U8S_ACCEPT) ^ U8S_GO(U8S_NEED2, U8S_NEED1) ^ \
     U8S_GO(U8S_E0, U8S_NEED1) ^ U8S_GO(U8S_NEED3, U8S_NEED2) ^ U8S_GO(U8S_F0, U8S_NEED2))
/* C0, C1, F5..FF: never valid */
#define U8S_ROW_BAD U8S_ALL_REJECT
/* Leads: only valid in ACCEPT. */
#define U8S_ROW_LEAD(t) (U8S_ALL_REJECT ^ U8S_GO(U8S_ACCEPT, t))

#define U8S_R4(r) r, r, r, r
#define U8S_R16(r) U8S_R4(r), U8S_R4(r), U8S_R4(r), U8S_R4(r)

static const uint64_t u8s_row[256] = {
    /* 00..7F */
    U8S_R16(U8S_ROW_ASCII), U8S_R16(U8S_ROW_ASCII), U8S_R16(U8S_ROW_ASCII),
    U8S_R16(U8S_ROW_ASCII), U8S_R16(U8S_ROW_ASCII), U8S_R16(U8S_ROW_ASCII),
    U8S_R16(U8S_ROW_ASCII), U8S_R16(U8S_ROW_ASCII),
    /* 80..BF */
    U8S_R16(U8S_ROW_CONT_8), U8S_R16(U8S_ROW_CONT_9), U8S_R16(U8S_ROW_CONT_AB),
    U8S_R16(U8S_ROW_CONT_AB),
    /* C0..CF */
    U8S_ROW_BAD, U8S_ROW_BAD, U8S_ROW_LEAD(U8S_NEED1), U8S_ROW_LEAD(U8S_NEED1),
    U8S_R4(U8S_ROW_LEAD(U8S_NEED1)), U8S_R4(U8S_ROW_LEAD(U8S_NEED1)),
    U8S_R4(U8S_ROW_LEAD(U8S_NEED1)),
    /* D0..DF */
    U8S_R16(U8S_ROW_LEAD(U8S_NEED1)),
    /* E0..EF */
    U8S_ROW_LEAD(U8S_E0), U8S_ROW_LEAD(U8S_NEED2), U8S_ROW_LEAD(U8S_NEED2),
    U8S_ROW_LEAD(U8S_NEED2), U8S_R4(U8S_ROW_LEAD(U8S_NEED2)), U8S_R4(U8S_ROW_LEAD(U8S_NEED2)),
    U8S_ROW_LEAD(U8S_NEED2), U8S_ROW_LEAD(U8S_ED), U8S_ROW_LEAD(U8S_NEED2),
    U8S_ROW_LEAD(U8S_NEED2),
    /* F0..FF */
    U8S_ROW_LEAD(U8S_F0), U8S_ROW_LEAD(U8S_NEED3), U8S_ROW_LEAD(U8S_NEED3),
    U8S_ROW_LEAD(U8S_NEED3), U8S_ROW_LEAD(U8S_F4), U8S_ROW_BAD, U8S_ROW_BAD, U8S_ROW_BAD,
    U8S_R4(U8S_ROW_BAD), U8S_R4(U8S_ROW_BAD),
};

#define U8S_OFF_ACCEPT 0u
#define U8S_OFF_REJECT 6u
#define U8S_STEP(s, b) ((uint32_t)(u8s_row[(b)] >> (s)) & 63u)

/* Eight bytes at p have their top bit clear. */
static int u8s_ascii8(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);
    return (w & UINT64_C(0x8080808080808080)) == 0;
}

size_t nvx__utf8_scalar_run(uint32_t *state, const uint8_t *p, size_t n)
{
    uint32_t s;
    size_t i = 0;

    if (*state == NVX_UTF8_REJECT)
        return 0;
    s = *state * 6u;
    while (i < n) {
        if (s == U8S_OFF_ACCEPT) {
            /* ASCII fast path: whole words of 7-bit bytes keep ACCEPT. */
            while (i + 16 <= n && u8s_ascii8(p + i) && u8s_ascii8(p + i + 8))
                i += 16;
            while (i < n && p[i] < 0x80)
                i++;
            if (i == n)
                break;
        }
        if (n - i >= 8) {
            /* Eight steps without a test (REJECT is absorbing); on a
             * rejection, redo them one by one to find the byte. */
            uint32_t s0 = s;
            s = U8S_STEP(s, p[i]);
            s = U8S_STEP(s, p[i + 1]);
            s = U8S_STEP(s, p[i + 2]);
            s = U8S_STEP(s, p[i + 3]);
            s = U8S_STEP(s, p[i + 4]);
            s = U8S_STEP(s, p[i + 5]);
            s = U8S_STEP(s, p[i + 6]);
            s = U8S_STEP(s, p[i + 7]);
            if (s != U8S_OFF_REJECT) {
                i += 8;
                continue;
            }
            s = s0;
        }
        s = U8S_STEP(s, p[i]);
        if (s == U8S_OFF_REJECT) {
            *state = NVX_UTF8_REJECT;
            return i;
        }
        i++;
    }
    *state = s / 6u;
    return n;
}
