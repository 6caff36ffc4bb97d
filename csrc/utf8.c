/*
 * utf8.c - incremental UTF-8 validation: the public entry points and the
 * driver that splits each chunk between the scalar DFA and a vector kernel.
 *
 * Per call:
 *   1. a code point left open by the previous call is finished with the
 *      scalar DFA (at most 3 bytes);
 *   2. the bulk, up to the last code point boundary, goes to the selected
 *      vector kernel (when the bulk is long enough to pay for it);
 *   3. the tail (at most 3 bytes) goes through the DFA, which leaves the
 *      state the next call continues from.
 * When the kernel reports an error it also says from which block on; the
 * DFA then rescans from a code point boundary just before that block and
 * finds the exact index of the first invalid byte.
 */
#include <stdatomic.h>
#include <string.h>

#include "utf8_lookup.h"

/* Below this many bytes the DFA (with its own ASCII fast path) is as fast
 * as setting up a vector kernel. Below UTF8C_SHORT bytes, an ASCII prefix
 * is skipped 16 bytes at a time first: for short ASCII messages that beats
 * the kernel's fixed cost (padding the last block), and the kernel then
 * only sees the rest, from the first non-ASCII byte on. */
#define UTF8C_SIMD_MIN 64
#define UTF8C_SHORT 256

/* The selected kernel; NULL means the scalar DFA does everything.
 * Relaxed atomic: selection may race with validation on other threads. */
static _Atomic(nvx__utf8_kernel_fn) utf8c_kernel; /* zero: NULL */
static atomic_int utf8c_impl = 0;

/* Implementations, for tests and benchmarks (nvx__utf8_impl_use). */
enum {
    UTF8C_IMPL_SCALAR = 0,
    UTF8C_IMPL_SSSE3 = 1,
    UTF8C_IMPL_AVX2 = 2,
    UTF8C_IMPL_AVX512 = 3,
    UTF8C_IMPL_NEON = 4,
    UTF8C_IMPL_AVX512VBMI = 5,
    UTF8C_IMPL_COUNT = 6
};

static const char *const utf8c_impl_names[UTF8C_IMPL_COUNT] = {
    "scalar", "ssse3", "avx2", "avx512", "neon", "avx512vbmi",
};

/* 1 when implementation impl is compiled in and this CPU can run it. */
static int utf8c_impl_ok(int impl)
{
    switch (impl) {
    case UTF8C_IMPL_SCALAR:
        return 1;
#if NVX_X86
    case UTF8C_IMPL_SSSE3:
        __builtin_cpu_init();
        return __builtin_cpu_supports("ssse3") ? 1 : 0;
    case UTF8C_IMPL_AVX2:
        return nvx__cpu_supports(NVX_KERNEL_AVX2);
    case UTF8C_IMPL_AVX512:
        return nvx__cpu_supports(NVX_KERNEL_AVX512);
    case UTF8C_IMPL_AVX512VBMI:
        __builtin_cpu_init();
        return nvx__cpu_supports(NVX_KERNEL_AVX512) && __builtin_cpu_supports("avx512vbmi");
#endif
#if NVX_UTF8_HAVE_NEON
    case UTF8C_IMPL_NEON:
        return nvx__cpu_supports(NVX_KERNEL_NEON);
#endif
    default:
        return 0;
    }
}

static nvx__utf8_kernel_fn utf8c_impl_fn(int impl)
{
    switch (impl) {
#if NVX_X86
    case UTF8C_IMPL_SSSE3:
        return nvx__utf8_lookup_ssse3;
    case UTF8C_IMPL_AVX2:
        return nvx__utf8_lookup_avx2;
    case UTF8C_IMPL_AVX512:
        return nvx__utf8_lookup_avx512;
    case UTF8C_IMPL_AVX512VBMI:
        return nvx__utf8_lookup_avx512vbmi;
#endif
#if NVX_UTF8_HAVE_NEON
    case UTF8C_IMPL_NEON:
        return nvx__utf8_lookup_neon;
#endif
    default:
        return NULL;
    }
}

static void utf8c_set(int impl)
{
    atomic_store_explicit(&utf8c_kernel, utf8c_impl_fn(impl), memory_order_relaxed);
    atomic_store_explicit(&utf8c_impl, impl, memory_order_relaxed);
}

int nvx__utf8_impl_use(int impl)
{
    nvx__ensure_init();
    if (impl < 0 || impl >= UTF8C_IMPL_COUNT || !utf8c_impl_ok(impl))
        return -1;
    utf8c_set(impl);
    return 0;
}

const char *nvx__utf8_impl_name(int impl)
{
    if (impl < 0 || impl >= UTF8C_IMPL_COUNT)
        return "unknown";
    return utf8c_impl_names[impl];
}

int nvx__utf8_impl_current(void)
{
    nvx__ensure_init();
    return atomic_load_explicit(&utf8c_impl, memory_order_relaxed);
}

/*
 * Family -> implementation. The AVX512 family uses the VBMI build of the
 * AVX-512 kernel when the CPU has VBMI, else the AVX2 kernel. Measured with
 * csrc/tests/bench_utf8.c at 64 KiB (gcc 12 -O2, AMD EPYC Zen 4 with
 * AVX-512 F/BW/VL/VBMI, shared 2-core VM, thread CPU time, best of 15,
 * median of 3 runs):
 *
 *   GB/s          ascii   latin    cjk
 *   scalar         35.5     2.9    2.9
 *   ssse3          81.6     9.7    9.7
 *   avx2           91.3    18.3   18.5
 *   avx512 F+BW    89.7    24.8   26.1
 *   avx512 VBMI    89.8    33.6   33.7
 *
 * VBMI pays most: the previous byte's error classes come from one 128-byte
 * vpermt2b and the one remaining byte shift is one instruction, +83% over
 * AVX2 on non-ASCII text, ASCII equal (bandwidth bound). The F+BW build
 * (nibble lookups) gains ~35% here, but on CPUs without VBMI (Skylake-X
 * class) 512-bit code costs clock speed, so those get the
 * AVX2 kernel. Both AVX-512 builds stay tested and selectable
 * (nvx__utf8_impl_use).
 */
static int utf8c_family_impl(nvx_kernel k)
{
    switch (k) {
    case NVX_KERNEL_SSE2:
        return UTF8C_IMPL_SSSE3;
    case NVX_KERNEL_AVX2:
        return UTF8C_IMPL_AVX2;
    case NVX_KERNEL_AVX512:
        return utf8c_impl_ok(UTF8C_IMPL_AVX512VBMI) ? UTF8C_IMPL_AVX512VBMI : UTF8C_IMPL_AVX2;
    case NVX_KERNEL_NEON:
        return UTF8C_IMPL_NEON;
    default:
        return UTF8C_IMPL_SCALAR;
    }
}

void nvx__utf8_use(nvx_kernel k)
{
    int impl = utf8c_family_impl(k);
    /* A kernel this CPU lacks falls back to the best lower one. */
    if (!utf8c_impl_ok(impl))
        impl = (impl == UTF8C_IMPL_AVX2 && utf8c_impl_ok(UTF8C_IMPL_SSSE3)) ? UTF8C_IMPL_SSSE3
                                                                              : UTF8C_IMPL_SCALAR;
    utf8c_set(impl);
}

void nvx_utf8_reset(nvx_utf8_validator *v)
{
    v->state = NVX_UTF8_ACCEPT;
    v->pending = 0;
    v->total = 0;
}

/* Length of the ASCII prefix of p[0..n), 16 bytes at a time. */
static size_t utf8c_ascii_prefix(const uint8_t *p, size_t n)
{
    size_t i = 0;
    uint64_t w[2];
    while (i + 16 <= n) {
        memcpy(w, p + i, sizeof w);
        if ((w[0] | w[1]) & UINT64_C(0x8080808080808080))
            break;
        i += 16;
    }
    while (i < n && p[i] < 0x80)
        i++;
    return i;
}

/* A bulk end for the vector kernel: the last code point boundary in
 * p[from..n) as far as byte patterns tell (the last non-continuation byte
 * among the final three), or n when the final three bytes are all
 * continuations (then a valid input ends a 4-byte code point there). */
static size_t utf8c_bulk_end(const uint8_t *p, size_t from, size_t n)
{
    size_t j = n;
    size_t stop = n - from > 3 ? n - 3 : from;
    while (j > stop) {
        j--;
        if ((p[j] & 0xC0) != 0x80)
            return j;
    }
    return n;
}

/* Where to rescan from after the kernel reported an error at block offset
 * b of p[0..n): no byte before b-1 is invalid, so any non-continuation byte
 * at or below b-2 starts a code point with the DFA in ACCEPT. Go back a whole
 * block (>= 2 bytes back), then forward over at most 3 continuations. */
static size_t utf8c_rescan_from(const uint8_t *p, size_t b)
{
    size_t r;
    int k;
    if (b < NVX_UTF8_BLOCK)
        return 0;
    r = b - NVX_UTF8_BLOCK;
    if (r == 0)
        return 0;
    for (k = 0; k < 3 && (p[r] & 0xC0) == 0x80; k++)
        r++;
    return r;
}

int nvx_utf8_validate(nvx_utf8_validator *v, const uint8_t *buf, size_t len,
                      nvx_utf8_result *r)
{
    nvx_utf8_result scratch;
    uint32_t state;
    size_t pos = 0;
    size_t at;

    nvx__ensure_init();
    if (r == NULL)
        r = &scratch;
    if (v->state == NVX_UTF8_REJECT) {
        r->valid = 0;
        r->ends_on_codepoint = 0;
        r->current_index = 0;
        r->total_index = v->total;
        return 0;
    }
    state = v->state;

    /* 1. Finish a code point left open by the previous call. */
    while (state != NVX_UTF8_ACCEPT && pos < len) {
        if (nvx__utf8_scalar_run(&state, buf + pos, 1) == 0)
            goto fail;
        pos++;
    }

    /* 2. The bulk through the vector kernel. */
    if (len - pos >= UTF8C_SIMD_MIN) {
        nvx__utf8_kernel_fn fn = atomic_load_explicit(&utf8c_kernel, memory_order_relaxed);
        if (fn != NULL && len - pos < UTF8C_SHORT)
            pos += utf8c_ascii_prefix(buf + pos, len - pos);
        if (fn != NULL && len - pos >= UTF8C_SIMD_MIN) {
            size_t end = utf8c_bulk_end(buf, pos, len);
            size_t n = end - pos;
            if (n >= UTF8C_SIMD_MIN) {
                size_t got = fn(buf + pos, n);
                if (got == n)
                    pos = end;
                else
                    pos += utf8c_rescan_from(buf + pos, got);
            }
        }
    }

    /* 3. The rest (or the rescan after a kernel error) through the DFA. */
    at = nvx__utf8_scalar_run(&state, buf + pos, len - pos);
    if (state == NVX_UTF8_REJECT) {
        pos += at;
        goto fail;
    }

    if (state == NVX_UTF8_ACCEPT) {
        v->pending = 0;
    } else {
        /* Bytes of the open code point: its lead is among the last 3. */
        size_t k = 0;
        while (k < len && k < 3 && (buf[len - 1 - k] & 0xC0) == 0x80)
            k++;
        v->pending = k < len ? (uint32_t)(k + 1) : v->pending + (uint32_t)len;
    }
    v->state = state;
    v->total += len;
    r->valid = 1;
    r->ends_on_codepoint = state == NVX_UTF8_ACCEPT;
    r->current_index = len;
    r->total_index = v->total;
    return 1;

fail:
    v->state = NVX_UTF8_REJECT;
    v->pending = 0;
    v->total += pos;
    r->valid = 0;
    r->ends_on_codepoint = 0;
    r->current_index = pos;
    r->total_index = v->total;
    return 0;
}

int nvx_utf8_valid(const uint8_t *buf, size_t len)
{
    nvx_utf8_validator v;
    nvx_utf8_result r;
    nvx_utf8_reset(&v);
    return nvx_utf8_validate(&v, buf, len, &r) && r.ends_on_codepoint;
}
