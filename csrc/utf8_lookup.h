/*
 * utf8_lookup.h - UTF-8 validation internals shared by utf8*.c, and the
 * vectorised lookup-table validator written once for every instruction set.
 *
 * Part 1 (include-guarded): DFA state numbers, the internal prototypes and
 * the three 16-entry tables of the lookup method.
 *
 * Part 2 (a template, expanded on every inclusion that defines NVXL_SUFFIX):
 * the validator over thin vector wrappers. An ISA file defines
 *
 *   NVXL_SUFFIX          name suffix of the instantiation (ssse3, avx2, ...)
 *   NVXL_TARGET          function attribute enabling the ISA (may be empty)
 *   NVXL_V, NVXL_W       vector type and its width in bytes (16, 32 or 64)
 *   NVXL_LOAD(p)         unaligned load of NVXL_W bytes
 *   NVXL_TABLE(t)        the 16-byte table t in every 128-bit lane
 *   NVXL_SPLAT(x)        x in every byte
 *   NVXL_AND/OR/XOR(a,b) bitwise operations
 *   NVXL_SUBS(a,b)       unsigned saturating byte subtraction
 *   NVXL_SHR4(v)         every byte shifted right by 4 (result 0..15)
 *   NVXL_LOOKUP(t,i)     byte lookup of i (0..15) in the per-lane table t
 *   NVXL_PREV(in,pv,n)   in shifted up by n bytes, pulling in the last n
 *                        bytes of the previous vector pv (n = 1, 2, 3)
 *   NVXL_ANY(v)          nonzero when some byte of v is nonzero
 *   NVXL_HIGH(v)         nonzero when some byte of v is >= 0x80
 *
 * and optionally
 *
 *   NVXL_N, NVXL_N2      vectors per block (default 64 / NVXL_W) and per
 *                        block of the main loop (default NVXL_N)
 *   NVXL_MUST_CARRY      derive the must-be-continuation mask with one
 *                        NVXL_PREV instead of two (when each is one op)
 *   NVXL_PREV_LOAD       after the first block, load prev1..prev3 from
 *                        memory (unaligned loads at -1..-3) instead of
 *                        shifting them out of two vectors
 *   NVXL_PREV_TABLES(a, b), NVXL_PREV_CLASS(p1, a, b)
 *                        declare the tables for, and look up, the error
 *                        classes of the previous bytes p1 (default: the
 *                        two nibble tables below)
 *
 * and includes this file, which then defines
 *
 *   size_t nvx__utf8_lookup_<suffix>(const uint8_t *p, size_t n);
 *
 * and #undefs every NVXL_ macro, so the next ISA file can define its own.
 * Every static name in the template carries the suffix, so all the
 * instantiations can live in one translation unit (the cgo unity build).
 *
 * The method is the one of Keiser and Lemire, "Validating UTF-8 in less than
 * one instruction per byte" (Software: Practice and Experience, 2021): for
 * each byte, look up three tables with the high nibble of the previous
 * byte, the low nibble of the previous byte and the high nibble of this
 * byte; each table entry is a set of error classes the nibble is compatible
 * with, so the AND of the three is the set of errors the byte pair commits.
 * A final check that bytes two or three places after a 3- or 4-byte lead
 * are continuations ("must be 2/3 continuation") catches what pairs cannot.
 */
#ifndef NVX_UTF8_LOOKUP_H
#define NVX_UTF8_LOOKUP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "nvx_internal.h"

/* Shared DFA states: the validator's state field uses the same numbers. */
#define NVX_UTF8_ACCEPT 0u
#define NVX_UTF8_REJECT 1u

/* utf8_scalar.c: run the DFA from *state over p[0..n). Returns n when no
 * byte was rejected (then *state is the state after the last byte), else the
 * index of the rejected byte (then *state is NVX_UTF8_REJECT). */
size_t nvx__utf8_scalar_run(uint32_t *state, const uint8_t *p, size_t n);

/* A vector kernel validates p[0..n), where p starts on a code point
 * boundary. Returns n when p[0..n) is complete, valid UTF-8. Otherwise it
 * returns an offset b <= n such that p[0..b-1) is a valid prefix (the DFA
 * rejects no byte before b-1), so the driver can rescan from a code point
 * boundary shortly before b to find the exact index. */
typedef size_t (*nvx__utf8_kernel_fn)(const uint8_t *p, size_t n);

#if NVX_X86
size_t nvx__utf8_lookup_ssse3(const uint8_t *p, size_t n);
size_t nvx__utf8_lookup_avx2(const uint8_t *p, size_t n);
size_t nvx__utf8_lookup_avx512(const uint8_t *p, size_t n);
size_t nvx__utf8_lookup_avx512vbmi(const uint8_t *p, size_t n);
#endif
/* The NEON kernel needs A64 instructions (tbl on q registers, maxv). */
#if NVX_ARM_NEON && defined(__aarch64__)
#define NVX_UTF8_HAVE_NEON 1
#else
#define NVX_UTF8_HAVE_NEON 0
#endif
#if NVX_UTF8_HAVE_NEON
size_t nvx__utf8_lookup_neon(const uint8_t *p, size_t n);
#endif

/* utf8.c: implementations by number, for tests and benchmarks:
 * 0 scalar, 1 ssse3, 2 avx2, 3 avx512 (F+BW), 4 neon, 5 avx512vbmi. nvx__utf8_impl_use routes
 * validation to one (returns -1, changing nothing, when it is not compiled
 * in or the CPU lacks it); the next nvx_select/nvx_init overrides it. */
#define NVX_UTF8_IMPL_COUNT 6
int nvx__utf8_impl_use(int impl);
const char *nvx__utf8_impl_name(int impl);
int nvx__utf8_impl_current(void);

/* Default block of the vector kernels: 64 bytes = 4, 2 or 1 vectors. The
 * driver's rescan backs off this far before a reported error block (any
 * distance >= 2 is correct; a block keeps the rescan short). */
#define NVX_UTF8_BLOCK 64

/* Error classes. A byte pair (prev1, cur) is invalid exactly when the three
 * table entries for it share a class; 0x80 means "non-lead then
 * continuation", which the must-be-continuation mask cancels when the
 * continuation is expected (2nd/3rd continuation of a 3- or 4-byte code
 * point). ASCII and continuation bytes share that class as prev1: when the
 * mask expects a continuation after an ASCII byte, that ASCII byte itself
 * is an error (lead then ASCII, or an expected continuation that is ASCII),
 * so nothing is lost, and every non-lead prev1 looks up the same entry
 * (which lets the VBMI kernel look up prev1 in one 128-byte table). */
#define NVXL_E_SHORT 0x01u  /* lead then non-continuation      11xxxxxx 0xxxxxxx|11xxxxxx */
#define NVXL_E_OVL3 0x04u   /* overlong 3-byte                  E0 80..9F */
#define NVXL_E_BIG 0x08u    /* above U+10FFFF                   F4 90..BF, F5..FF 90..BF */
#define NVXL_E_SURR 0x10u   /* UTF-16 surrogate                 ED A0..BF */
#define NVXL_E_OVL2 0x20u   /* overlong 2-byte                  C0/C1 80..BF */
#define NVXL_E_BIG8 0x40u   /* F5..FF 80..8F, and overlong 4-byte F0 80..8F */
#define NVXL_E_CONT2 0x80u  /* non-lead then continuation      0xxxxxxx|10xxxxxx 10xxxxxx */
#define NVXL_E_ALL1 (NVXL_E_SHORT | NVXL_E_CONT2)

/* Indexed by the high nibble of the previous byte. */
#define NVXL_PH_C (NVXL_E_SHORT | NVXL_E_OVL2)              /* Cx */
#define NVXL_PH_D NVXL_E_SHORT                              /* Dx */
#define NVXL_PH_E (NVXL_E_SHORT | NVXL_E_OVL3 | NVXL_E_SURR) /* Ex */
#define NVXL_PH_F (NVXL_E_SHORT | NVXL_E_BIG | NVXL_E_BIG8)  /* Fx */
static const uint8_t nvxl_tab_prev_hi[16] = {
    NVXL_E_CONT2, NVXL_E_CONT2, NVXL_E_CONT2, NVXL_E_CONT2, /* 0x..7x: ASCII */
    NVXL_E_CONT2, NVXL_E_CONT2, NVXL_E_CONT2, NVXL_E_CONT2,
    NVXL_E_CONT2, NVXL_E_CONT2, NVXL_E_CONT2, NVXL_E_CONT2, /* 8x..Bx */
    NVXL_PH_C, NVXL_PH_D, NVXL_PH_E, NVXL_PH_F,
};

/* Indexed by the low nibble of the previous byte. */
#define NVXL_PL_0 (NVXL_E_ALL1 | NVXL_E_OVL3 | NVXL_E_OVL2 | NVXL_E_BIG8) /* x0: C0 E0 F0 */
#define NVXL_PL_1 (NVXL_E_ALL1 | NVXL_E_OVL2)                             /* x1: C1 */
#define NVXL_PL_2 NVXL_E_ALL1                                             /* x2, x3 */
#define NVXL_PL_4 (NVXL_E_ALL1 | NVXL_E_BIG)                              /* x4: F4 */
#define NVXL_PL_5 (NVXL_E_ALL1 | NVXL_E_BIG | NVXL_E_BIG8)                /* x5..xF: F5..FF */
#define NVXL_PL_D (NVXL_PL_5 | NVXL_E_SURR)                               /* xD: ED */
#define NVXL_PL_ROW(h)                                                                   \
    (h) & NVXL_PL_0, (h) & NVXL_PL_1, (h) & NVXL_PL_2, (h) & NVXL_PL_2, (h) & NVXL_PL_4, \
        (h) & NVXL_PL_5, (h) & NVXL_PL_5, (h) & NVXL_PL_5, (h) & NVXL_PL_5,              \
        (h) & NVXL_PL_5, (h) & NVXL_PL_5, (h) & NVXL_PL_5, (h) & NVXL_PL_5,              \
        (h) & NVXL_PL_D, (h) & NVXL_PL_5, (h) & NVXL_PL_5
static const uint8_t nvxl_tab_prev_lo[16] = {NVXL_PL_ROW(0xFF)};

/* prev_hi AND prev_lo for the leads C0..FF, indexed by the low 6 bits (a
 * kernel with a 128-byte table lookup uses it for every byte at once: all
 * non-leads share the entry NVXL_E_CONT2). */
static const uint8_t nvxl_tab_prev_lead[64] = {
    NVXL_PL_ROW(NVXL_PH_C), NVXL_PL_ROW(NVXL_PH_D), NVXL_PL_ROW(NVXL_PH_E), NVXL_PL_ROW(NVXL_PH_F),
};

/* Indexed by the high nibble of the current byte. */
static const uint8_t nvxl_tab_cur_hi[16] = {
    NVXL_E_SHORT, NVXL_E_SHORT, NVXL_E_SHORT, NVXL_E_SHORT, /* ASCII */
    NVXL_E_SHORT, NVXL_E_SHORT, NVXL_E_SHORT, NVXL_E_SHORT,
    /* 8x */
    NVXL_E_OVL2 | NVXL_E_CONT2 | NVXL_E_OVL3 | NVXL_E_BIG8,
    /* 9x */
    NVXL_E_OVL2 | NVXL_E_CONT2 | NVXL_E_OVL3 | NVXL_E_BIG,
    /* Ax, Bx */
    NVXL_E_OVL2 | NVXL_E_CONT2 | NVXL_E_SURR | NVXL_E_BIG,
    NVXL_E_OVL2 | NVXL_E_CONT2 | NVXL_E_SURR | NVXL_E_BIG,
    NVXL_E_SHORT, NVXL_E_SHORT, NVXL_E_SHORT, NVXL_E_SHORT, /* leads */
};

/* Largest byte allowed in the last three positions of complete input:
 * a lead there would need bytes past the end. Load 64 - W bytes in. */
static const uint8_t nvxl_tab_incomplete[64] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xEF, 0xDF, 0xBF,
};

#define NVXL_CAT2(a, b) a##b
#define NVXL_CAT(a, b) NVXL_CAT2(a, b)

#endif /* NVX_UTF8_LOOKUP_H */

/* ------------------------------------------------------------- template */
#ifdef NVXL_SUFFIX

/* Vectors per block (an ISA file may set NVXL_N): one ASCII test and one
 * error test per block. */
#ifndef NVXL_N
#define NVXL_N (NVX_UTF8_BLOCK / NVXL_W)
#endif
#define NVXL_B (NVXL_N * NVXL_W)
/* Vectors per block of the main loop (an ISA file may set NVXL_N2, a
 * multiple of NVXL_N): long inputs go NVXL_N2 vectors at a time, the rest
 * (and short inputs) NVXL_N at a time. */
#ifndef NVXL_N2
#define NVXL_N2 NVXL_N
#endif
#define NVXL_B2 (NVXL_N2 * NVXL_W)
/* Fully unroll the short per-vector loops, so the vectors stay in
 * registers (gcc -O2 does not unroll on its own). */
#define NVXL_UNROLL _Pragma("GCC unroll 8")
#define NVXL_FN(name) NVXL_CAT(name, NVXL_SUFFIX)

/* Error classes of the previous bytes p1 (tables t_ph, t_pl as the ISA
 * loads them with NVXL_PREV_TABLES). Default: two 16-entry nibble lookups. */
#ifndef NVXL_PREV_CLASS
#define NVXL_PREV_TABLES(t_ph, t_pl)         \
    NVXL_V t_ph = NVXL_TABLE(nvxl_tab_prev_hi); \
    NVXL_V t_pl = NVXL_TABLE(nvxl_tab_prev_lo)
#define NVXL_PREV_CLASS(p1, t_ph, t_pl) \
    NVXL_AND(NVXL_LOOKUP(t_ph, NVXL_SHR4(p1)), NVXL_LOOKUP(t_pl, NVXL_AND((p1), NVXL_SPLAT(0x0F))))
#endif

/* Error classes of the bytes of `in`, given the vector before it.
 *
 * The must-be-continuation mask: 0x80 where this byte must be the 2nd/3rd
 * continuation of a 3- or 4-byte sequence, prev2 >= 0xE0 or prev3 >= 0xF0.
 * With NVXL_MUST_CARRY (ISAs where each NVXL_PREV is one instruction) it is
 * computed as m = 0x80 where (in >= 0xE0 or prev1 >= 0xF0), shifted by two
 * bytes: one shift instead of two; *pm carries m of the vector before. */
NVXL_TARGET static inline __attribute__((always_inline)) NVXL_V
NVXL_FN(nvxl_check_)(NVXL_V in, NVXL_V pv, const uint8_t *src, NVXL_V *pm, NVXL_V t_ph,
                     NVXL_V t_pl, NVXL_V t_ch)
{
    NVXL_V p1 = src ? NVXL_LOAD(src - 1) : NVXL_PREV(in, pv, 1);
    NVXL_V sc = NVXL_AND(NVXL_PREV_CLASS(p1, t_ph, t_pl), NVXL_LOOKUP(t_ch, NVXL_SHR4(in)));
#ifdef NVXL_MUST_CARRY
    NVXL_V m = NVXL_AND(NVXL_OR(NVXL_SUBS(in, NVXL_SPLAT(0xE0 - 0x80)),
                                NVXL_SUBS(p1, NVXL_SPLAT(0xF0 - 0x80))),
                        NVXL_SPLAT(0x80));
    NVXL_V must = NVXL_PREV(m, *pm, 2);
    *pm = m;
#else
    NVXL_V p2 = src ? NVXL_LOAD(src - 2) : NVXL_PREV(in, pv, 2);
    NVXL_V p3 = src ? NVXL_LOAD(src - 3) : NVXL_PREV(in, pv, 3);
    NVXL_V must = NVXL_AND(NVXL_OR(NVXL_SUBS(p2, NVXL_SPLAT(0xE0 - 0x80)),
                                   NVXL_SUBS(p3, NVXL_SPLAT(0xF0 - 0x80))),
                           NVXL_SPLAT(0x80));
    (void)pm;
#endif
    return NVXL_XOR(must, sc);
}

/* The state carried from block to block: the last vector, and the
 * must-be-continuation carry (NVXL_MUST_CARRY). */
#define NVXL_STATE NVXL_FN(nvxl_state_)
typedef struct {
    NVXL_V pv;
    NVXL_V pm;
} NVXL_STATE;

/* 1 when the last vector st->pv ends inside a code point. */
#define NVXL_OPEN(st, t_inc) NVXL_ANY(NVXL_SUBS((st)->pv, (t_inc)))

/* One block of nv (NVXL_N or NVXL_N2) vectors: 0 valid so far, 1 error,
 * 2 valid and all ASCII. */
NVXL_TARGET static inline __attribute__((always_inline)) int
NVXL_FN(nvxl_block_)(const uint8_t *blk, int nv, int mem, NVXL_STATE *st, NVXL_V t_ph, NVXL_V t_pl,
                     NVXL_V t_ch, NVXL_V t_inc)
{
    NVXL_V in[NVXL_N2];
    NVXL_V any;
    NVXL_V err;
    int k;

    in[0] = NVXL_LOAD(blk);
    any = in[0];
    NVXL_UNROLL
    for (k = 1; k < nv; k++) {
        in[k] = NVXL_LOAD(blk + k * NVXL_W);
        any = NVXL_OR(any, in[k]);
    }
    if (!NVXL_HIGH(any)) {
        /* ASCII block: fine unless the previous block left a code point
         * open. ASCII as the previous vector never raises an error, and
         * its must-be-continuation carry is zero. */
        if (NVXL_OPEN(st, t_inc))
            return 1;
        st->pv = in[nv - 1];
        st->pm = NVXL_SPLAT(0);
        return 2;
    }
    err = NVXL_FN(nvxl_check_)(in[0], st->pv, mem ? blk : NULL, &st->pm, t_ph, t_pl, t_ch);
    NVXL_UNROLL
    for (k = 1; k < nv; k++)
        err = NVXL_OR(err, NVXL_FN(nvxl_check_)(in[k], in[k - 1], mem ? blk + k * NVXL_W : NULL,
                                                       &st->pm, t_ph, t_pl, t_ch));
    st->pv = in[nv - 1];
    return NVXL_ANY(err) != 0;
}

/* 1 when the 2 * NVXL_B bytes at p are all ASCII. */
NVXL_TARGET static inline __attribute__((always_inline)) int
NVXL_FN(nvxl_ascii2_)(const uint8_t *p)
{
    NVXL_V any = NVXL_LOAD(p);
    int k;
    NVXL_UNROLL
    for (k = 1; k < 2 * NVXL_N; k++)
        any = NVXL_OR(any, NVXL_LOAD(p + k * NVXL_W));
    return !NVXL_HIGH(any);
}

NVXL_TARGET size_t NVXL_FN(nvx__utf8_lookup_)(const uint8_t *p, size_t n)
{
    NVXL_PREV_TABLES(t_ph, t_pl);
    const NVXL_V t_ch = NVXL_TABLE(nvxl_tab_cur_hi);
    const NVXL_V t_inc = NVXL_LOAD(nvxl_tab_incomplete + NVX_UTF8_BLOCK - NVXL_W);
    NVXL_STATE st;
    size_t i = 0;

    st.pv = NVXL_SPLAT(0);
    st.pm = NVXL_SPLAT(0);
#ifdef NVXL_PREV_LOAD
    /* The first block shifts in zeros; the following ones load the
     * previous bytes from memory (NVXL_PREV_LOAD). */
    if (n >= NVXL_B) {
        int rc = NVXL_FN(nvxl_block_)(p, NVXL_N, 0, &st, t_ph, t_pl, t_ch, t_inc);
        if (rc == 1)
            return 0;
        i = NVXL_B;
    }
#define NVXL_MEM 1
#else
#define NVXL_MEM 0
#endif
    while (i + NVXL_B2 <= n) {
        int rc = NVXL_FN(nvxl_block_)(p + i, NVXL_N2, NVXL_MEM, &st, t_ph, t_pl, t_ch, t_inc);
        if (rc == 1)
            return i;
        i += NVXL_B2;
        if (rc == 2) {
            /* In an ASCII run: skip it in double strides (pv stays ASCII,
             * no code point is open). */
            while (i + 2 * NVXL_B <= n && NVXL_FN(nvxl_ascii2_)(p + i))
                i += 2 * NVXL_B;
        }
    }
    /* The rest in blocks of NVXL_B bytes (when NVXL_B2 is larger). */
    while (i + NVXL_B <= n) {
        if (NVXL_FN(nvxl_block_)(p + i, NVXL_N, NVXL_MEM, &st, t_ph, t_pl, t_ch, t_inc) == 1)
            return i;
        i += NVXL_B;
    }
    if (i < n) {
        /* Last partial block, zero padded: an unfinished code point at the
         * end meets a zero (ASCII) byte and shows up as an error. */
        uint8_t tail[NVXL_B];
        memset(tail, 0, sizeof tail);
        memcpy(tail, p + i, n - i);
        if (NVXL_FN(nvxl_block_)(tail, NVXL_N, 0, &st, t_ph, t_pl, t_ch, t_inc) == 1)
            return i;
    } else if (i > 0 && NVXL_OPEN(&st, t_inc)) {
        return i - NVXL_B;
    }
    return n;
}

#undef NVXL_N
#undef NVXL_MEM
#undef NVXL_PREV_LOAD
#undef NVXL_N2
#undef NVXL_B2
#undef NVXL_STATE
#undef NVXL_OPEN
#undef NVXL_PREV_TABLES
#undef NVXL_PREV_CLASS
#undef NVXL_MUST_CARRY
#undef NVXL_B
#undef NVXL_UNROLL
#undef NVXL_FN
#undef NVXL_SUFFIX
#undef NVXL_TARGET
#undef NVXL_V
#undef NVXL_W
#undef NVXL_LOAD
#undef NVXL_TABLE
#undef NVXL_SPLAT
#undef NVXL_AND
#undef NVXL_OR
#undef NVXL_XOR
#undef NVXL_SUBS
#undef NVXL_SHR4
#undef NVXL_LOOKUP
#undef NVXL_PREV
#undef NVXL_ANY
#undef NVXL_HIGH

#endif /* NVXL_SUFFIX */
