/*
 * utf8_scalar.c - the reference UTF-8 state machine (a Hoehrmann-style DFA).
 *
 * One byte at a time, a byte class and a transition table. It is the
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

/* Byte classes. Every byte in a class behaves the same in every state. */
enum {
    U8S_C_ASCII = 0, /* 00..7F                       */
    U8S_C_CONT1 = 1, /* 80..8F                       */
    U8S_C_CONT2 = 2, /* 90..9F                       */
    U8S_C_CONT3 = 3, /* A0..BF                       */
    U8S_C_BAD = 4,   /* C0, C1, F5..FF: never valid  */
    U8S_C_L2 = 5,    /* C2..DF                       */
    U8S_C_E0 = 6,    /* E0                           */
    U8S_C_L3 = 7,    /* E1..EC, EE, EF               */
    U8S_C_ED = 8,    /* ED                           */
    U8S_C_F0 = 9,    /* F0                           */
    U8S_C_L4 = 10,   /* F1..F3                       */
    U8S_C_F4 = 11,   /* F4                           */
    U8S_NCLASS = 12
};

/* States (NVX_UTF8_ACCEPT = 0, NVX_UTF8_REJECT = 1 are shared with the
 * driver; the others are "inside a code point"). */
enum {
    U8S_S_NEED1 = 2, /* one continuation 80..BF left              */
    U8S_S_NEED2 = 3, /* two continuations left                     */
    U8S_S_E0 = 4,    /* after E0: A0..BF, then one more            */
    U8S_S_ED = 5,    /* after ED: 80..9F (no surrogates), one more */
    U8S_S_NEED3 = 6, /* three continuations left                   */
    U8S_S_F0 = 7,    /* after F0: 90..BF, then two more            */
    U8S_S_F4 = 8,    /* after F4: 80..8F (<= U+10FFFF), two more   */
    U8S_NSTATE = 9
};

static const uint8_t u8s_class[256] = {
#define U8S_R16(c) c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c
    /* 00..7F */
    U8S_R16(0), U8S_R16(0), U8S_R16(0), U8S_R16(0),
    U8S_R16(0), U8S_R16(0), U8S_R16(0), U8S_R16(0),
    /* 80..8F, 90..9F, A0..BF */
    U8S_R16(1), U8S_R16(2), U8S_R16(3), U8S_R16(3),
    /* C0..CF */
    4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
    /* D0..DF */
    U8S_R16(5),
    /* E0..EF */
    6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 7,
    /* F0..FF */
    9, 10, 10, 10, 11, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4
#undef U8S_R16
};

#define U8S_A NVX_UTF8_ACCEPT
#define U8S_X NVX_UTF8_REJECT
static const uint8_t u8s_next[U8S_NSTATE][U8S_NCLASS] = {
    /*            ASCII  80-8F  90-9F  A0-BF  bad   C2-DF        E0        E1-EF        ED         F0         F1-F3        F4 */
    /* ACCEPT */ {U8S_A, U8S_X, U8S_X, U8S_X, U8S_X, U8S_S_NEED1, U8S_S_E0, U8S_S_NEED2, U8S_S_ED, U8S_S_F0, U8S_S_NEED3, U8S_S_F4},
    /* REJECT */ {U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X},
    /* NEED1  */ {U8S_X, U8S_A, U8S_A, U8S_A, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X},
    /* NEED2  */ {U8S_X, U8S_S_NEED1, U8S_S_NEED1, U8S_S_NEED1, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X},
    /* E0     */ {U8S_X, U8S_X, U8S_X, U8S_S_NEED1, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X},
    /* ED     */ {U8S_X, U8S_S_NEED1, U8S_S_NEED1, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X},
    /* NEED3  */ {U8S_X, U8S_S_NEED2, U8S_S_NEED2, U8S_S_NEED2, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X},
    /* F0     */ {U8S_X, U8S_X, U8S_S_NEED2, U8S_S_NEED2, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X},
    /* F4     */ {U8S_X, U8S_S_NEED2, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X, U8S_X},
};
#undef U8S_A
#undef U8S_X

/* Eight bytes at p have their top bit clear. */
static int u8s_ascii8(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);
    return (w & UINT64_C(0x8080808080808080)) == 0;
}

size_t nvx__utf8_scalar_run(uint32_t *state, const uint8_t *p, size_t n)
{
    uint32_t s = *state;
    size_t i = 0;

    if (s == NVX_UTF8_REJECT)
        return 0;
    while (i < n) {
        if (s == NVX_UTF8_ACCEPT) {
            /* ASCII fast path: whole words of 7-bit bytes keep ACCEPT. */
            while (i + 16 <= n && u8s_ascii8(p + i) && u8s_ascii8(p + i + 8))
                i += 16;
            while (i < n && p[i] < 0x80)
                i++;
            if (i == n)
                break;
        }
        s = u8s_next[s][u8s_class[p[i]]];
        if (s == NVX_UTF8_REJECT) {
            *state = s;
            return i;
        }
        i++;
    }
    *state = s;
    return n;
}
