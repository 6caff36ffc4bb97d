/*
 * nvx_internal.h - the seam between the dispatch point (dispatch.c), the
 * masking kernels (mask*.c) and the UTF-8 kernels (utf8*.c). Not installed.
 *
 * Every translation unit of the core may be compiled on its own (CMake) or
 * all together through nvx_unity.c (cgo): file-local (static) names carry
 * their file's prefix so they never collide.
 */
#ifndef NVX_INTERNAL_H
#define NVX_INTERNAL_H

#include "nvx.h"

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#define NVX_X86 1
#else
#define NVX_X86 0
#endif
#if defined(__aarch64__) || defined(__ARM_NEON)
#define NVX_ARM_NEON 1
#else
#define NVX_ARM_NEON 0
#endif

/* dispatch.c: 1 when this CPU can run kernel k (the C core's detection). */
int nvx__cpu_supports(nvx_kernel k);
/* dispatch.c: 1 when this CPU masks faster with AVX-512 than with AVX2
 * (a table by vendor, family and model; 0 for every CPU not measured). */
int nvx__cpu_wide_mask(void);
/* dispatch.c: that table for the given CPUID vendor (1: Intel), display
 * family and model, so tests can check it without the CPU. */
int nvx__wide_mask_for(int intel, unsigned family, unsigned model);
/* dispatch.c: make sure a kernel is selected (runs nvx_init once). */
void nvx__ensure_init(void);

/* mask.c: route nvx_xor_mask to kernel k's code (k is supported by the CPU;
 * a family without a masking kernel of its own falls back to the best lower one). */
void nvx__mask_use(nvx_kernel k);
/* mask.c: route nvx_xor_mask to kernel k's own masking code, bypassing the
 * per-CPU routing (k is supported by the CPU). */
void nvx__mask_force(nvx_kernel k);
/* mask.c: the kernel whose masking code nvx_xor_mask runs. */
nvx_kernel nvx__mask_current(void);
/* utf8.c: route UTF-8 validation to kernel k's code (same rules). */
void nvx__utf8_use(nvx_kernel k);

#endif /* NVX_INTERNAL_H */
