/*
 * dispatch.c - the one dispatch point of the NVX core.
 *
 * CPU detection (nvx_detect / nvx_kernel_supported), one-time thread-safe
 * initialisation (nvx_init) and explicit kernel selection (nvx_select).
 * Selecting a kernel routes both masking (mask.c) and UTF-8 validation
 * (utf8.c) to that family's code; within the AVX-512 family, masking uses
 * 64-byte stores only on CPUs listed as faster with them (the table at
 * dispatch_compute_wide_mask), and AVX2 elsewhere.
 *
 * All shared state is C11 atomics, so concurrent calls from several threads
 * are free of data races; selection itself is meant to happen once at start.
 */
#include "nvx_internal.h"

#include <stdatomic.h>

/* Kernel currently selected (an nvx_kernel value). */
static atomic_int dispatch_selected = NVX_KERNEL_SCALAR;
/* 0: not initialised, 1: nvx_init running, 2: done. */
static atomic_int dispatch_state = 0;
/* Bit k set when kernel k is supported; bit 31 set once computed. */
static atomic_uint dispatch_cpu_bits = 0;

#define DISPATCH_COMPUTED (1u << 31)
/* Set in dispatch_cpu_bits when AVX-512 masking beats AVX2 on this CPU. */
#define DISPATCH_WIDE_MASK (1u << 30)

int nvx__wide_mask_for(int intel, unsigned family, unsigned model)
{
    return intel && family == 0x6u && (model == 0x8fu || model == 0xcfu);
}

#if NVX_X86
/* XCR0: which register states the OS saves on context switch. */
static unsigned long long dispatch_xgetbv0(void)
{
    unsigned int eax, edx;
    __asm__ __volatile__("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

/* CPUID leaf 1, ECX bit 27: OSXSAVE (the OS enabled XGETBV/XSAVE). */
static int dispatch_osxsave(void)
{
    unsigned int eax = 1, ebx, ecx = 0, edx;
    __asm__ __volatile__("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
    (void)ebx;
    (void)edx;
    return (ecx >> 27) & 1u;
}

static unsigned dispatch_compute_bits(void)
{
    unsigned bits = 1u << NVX_KERNEL_SCALAR;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("sse2"))
        bits |= 1u << NVX_KERNEL_SSE2;
    /* __builtin_cpu_supports already folds in the OS check on current
     * compilers; checking XCR0 ourselves keeps older runtimes honest. */
    unsigned long long xcr0 = dispatch_osxsave() ? dispatch_xgetbv0() : 0;
    int os_ymm = (xcr0 & 0x6) == 0x6;   /* XMM + YMM state */
    int os_zmm = (xcr0 & 0xe6) == 0xe6; /* + opmask, ZMM_Hi256, Hi16_ZMM */
    if (os_ymm && __builtin_cpu_supports("avx2"))
        bits |= 1u << NVX_KERNEL_AVX2;
    if (os_zmm && (bits & (1u << NVX_KERNEL_AVX2)) &&
        __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw"))
        bits |= 1u << NVX_KERNEL_AVX512;
    return bits;
}

/* CPUID leaf 0 (vendor) and leaf 1 (family, model), as Intel and AMD
 * define the display family and model. */
static void dispatch_cpu_id(int *intel, unsigned *family, unsigned *model)
{
    unsigned int eax = 0, ebx, ecx = 0, edx;
    __asm__ __volatile__("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
    /* "GenuineIntel" is EBX "Genu", EDX "ineI", ECX "ntel". */
    *intel = ebx == 0x756e6547u && edx == 0x49656e69u && ecx == 0x6c65746eu;
    unsigned max_leaf = eax;
    *family = *model = 0;
    if (max_leaf < 1)
        return;
    eax = 1;
    ecx = 0;
    __asm__ __volatile__("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
    unsigned fam = (eax >> 8) & 0xfu, mod = (eax >> 4) & 0xfu;
    if (fam == 0xfu)
        fam += (eax >> 20) & 0xffu;
    if (fam == 0x6u || fam >= 0xfu)
        mod |= (eax >> 12) & 0xf0u;
    *family = fam;
    *model = mod;
}

/* The table behind nvx__cpu_wide_mask. Only CPUs measured with bench_mask
 * are listed; every other CPU keeps AVX2 masking, the safe default (never
 * measured slower than AVX-512 by more than noise, and no 512-bit
 * frequency licence on the older Intel server cores):
 *
 *   Intel family 6 model 0xCF (Emerald Rapids; 0x8F Sapphire Rapids has
 *   the same Golden Cove core and L1), best of 300 runs, GB/s:
 *                       1 KiB  4 KiB  16 KiB
 *     avx2                 58     91    106
 *     avx512               68    123    152   (one 64-byte store a cycle)
 *   AMD Zen 4 (family 0x19): avx2 107, avx512 105 GB/s at 16 KiB: equal,
 *   so AVX2 stays (see mask.c). */
static int dispatch_compute_wide_mask(void)
{
    int intel;
    unsigned family, model;
    dispatch_cpu_id(&intel, &family, &model);
    return nvx__wide_mask_for(intel, family, model);
}
#elif NVX_ARM_NEON
static unsigned dispatch_compute_bits(void)
{
    /* NEON (Advanced SIMD) is part of every aarch64 CPU; on 32-bit ARM the
     * build only defines NVX_ARM_NEON when compiled with NEON enabled. */
    return (1u << NVX_KERNEL_SCALAR) | (1u << NVX_KERNEL_NEON);
}
#else
static unsigned dispatch_compute_bits(void)
{
    return 1u << NVX_KERNEL_SCALAR;
}
#endif
#if !NVX_X86
static int dispatch_compute_wide_mask(void)
{
    return 0;
}
#endif

static unsigned dispatch_bits(void)
{
    unsigned bits = atomic_load_explicit(&dispatch_cpu_bits, memory_order_relaxed);
    if (!(bits & DISPATCH_COMPUTED)) {
        /* Idempotent: racing threads compute and store the same value. */
        bits = dispatch_compute_bits() | DISPATCH_COMPUTED;
        if ((bits & (1u << NVX_KERNEL_AVX512)) && dispatch_compute_wide_mask())
            bits |= DISPATCH_WIDE_MASK;
        atomic_store_explicit(&dispatch_cpu_bits, bits, memory_order_relaxed);
    }
    return bits;
}

int nvx__cpu_supports(nvx_kernel k)
{
    if ((int)k < 0 || (int)k >= NVX_KERNEL_COUNT)
        return 0;
    return (dispatch_bits() >> (unsigned)k) & 1u;
}

int nvx__cpu_wide_mask(void)
{
    return (dispatch_bits() & DISPATCH_WIDE_MASK) != 0;
}

int nvx_kernel_supported(nvx_kernel k)
{
    return nvx__cpu_supports(k);
}

nvx_kernel nvx_detect(void)
{
    static const nvx_kernel order[] = {NVX_KERNEL_AVX512, NVX_KERNEL_AVX2, NVX_KERNEL_NEON,
                                       NVX_KERNEL_SSE2};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (nvx__cpu_supports(order[i]))
            return order[i];
    return NVX_KERNEL_SCALAR;
}

static void dispatch_apply(nvx_kernel k)
{
    nvx__mask_use(k);
    nvx__utf8_use(k);
    atomic_store_explicit(&dispatch_selected, (int)k, memory_order_release);
}

void nvx_init(void)
{
    if (atomic_load_explicit(&dispatch_state, memory_order_acquire) == 2)
        return;
    int expected = 0;
    if (atomic_compare_exchange_strong_explicit(&dispatch_state, &expected, 1,
                                                memory_order_acq_rel, memory_order_acquire)) {
        dispatch_apply(nvx_detect());
        atomic_store_explicit(&dispatch_state, 2, memory_order_release);
        return;
    }
    /* Another thread is initialising: it only detects and stores a few
     * pointers, so waiting for it is a short spin. */
    while (atomic_load_explicit(&dispatch_state, memory_order_acquire) != 2) {
    }
}

void nvx__ensure_init(void)
{
    if (atomic_load_explicit(&dispatch_state, memory_order_acquire) != 2)
        nvx_init();
}

int nvx_select(nvx_kernel k)
{
    if (!nvx__cpu_supports(k))
        return -1;
    /* Initialise first so a later implicit nvx_init never overrides an
     * explicit choice. */
    nvx__ensure_init();
    dispatch_apply(k);
    return 0;
}

int nvx_select_mask(nvx_kernel k)
{
    if (!nvx__cpu_supports(k))
        return -1;
    nvx__ensure_init();
    nvx__mask_force(k);
    return 0;
}

nvx_kernel nvx_mask_kernel(void)
{
    nvx__ensure_init();
    return nvx__mask_current();
}

nvx_kernel nvx_selected(void)
{
    nvx__ensure_init();
    return (nvx_kernel)atomic_load_explicit(&dispatch_selected, memory_order_acquire);
}

const char *nvx_kernel_name(nvx_kernel k)
{
    switch (k) {
    case NVX_KERNEL_SCALAR:
        return "scalar";
    case NVX_KERNEL_SSE2:
        return "sse2";
    case NVX_KERNEL_AVX2:
        return "avx2";
    case NVX_KERNEL_AVX512:
        return "avx512";
    case NVX_KERNEL_NEON:
        return "neon";
    case NVX_KERNEL_COUNT:
        break;
    }
    return "unknown";
}
