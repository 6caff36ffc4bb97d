/*
 * nvx.h - NVX (Native Vector Extensions): the portable C SIMD core of
 * autobahn-go. XOR masking and UTF-8 validation for RFC 6455 WebSockets.
 *
 * C11, no dependencies. Every SIMD kernel is compiled with a per-function
 * target attribute, so the library builds with baseline compiler flags and
 * one dispatch point (nvx_select / nvx_detect) picks the best kernel the CPU
 * has. No kernel is ever run on a CPU that lacks its instructions.
 *
 * Thread safety: kernel selection is global and should be done once at start
 * (nvx_init is idempotent and thread safe). Validators are per-stream state
 * and must not be shared between threads without external locking.
 */
#ifndef NVX_H
#define NVX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NVX_VERSION_MAJOR 0
#define NVX_VERSION_MINOR 1
#define NVX_VERSION_PATCH 0

/* Kernel families, ordered from least to most capable within an arch. */
typedef enum nvx_kernel {
    NVX_KERNEL_SCALAR = 0, /* portable C, always available              */
    NVX_KERNEL_SSE2 = 1,   /* x86-64: SSE2 masking, SSSE3 UTF-8 (if present, else scalar) */
    NVX_KERNEL_AVX2 = 2,   /* x86-64: AVX2                               */
    NVX_KERNEL_AVX512 = 3, /* x86-64: AVX-512 F+BW (+VL) where it pays   */
    NVX_KERNEL_NEON = 4,   /* aarch64 / armv7 with NEON                  */
    NVX_KERNEL_COUNT = 5
} nvx_kernel;

/* Initialise dispatch with the C core's own CPU detection (picks
 * nvx_detect()). Called implicitly by every entry point that needs it;
 * calling it explicitly is cheap and idempotent. */
void nvx_init(void);

/* Best kernel this CPU supports, by the C core's own detection. */
nvx_kernel nvx_detect(void);

/* 1 when this CPU (by the C core's detection) can run kernel k, else 0. */
int nvx_kernel_supported(nvx_kernel k);

/* Select kernel k for all following calls. Returns 0 on success, -1 when the
 * CPU cannot run it (the selection is then left unchanged). Callers with
 * their own CPU detection (the Go binding) use this to tell the core. */
int nvx_select(nvx_kernel k);

/* Kernel currently selected. */
nvx_kernel nvx_selected(void);

/* Kernel whose masking code nvx_xor_mask runs. It is the selected one,
 * except that the AVX-512 family masks with AVX2 code on CPUs where 64-byte
 * stores are not faster (all but those measured faster; see dispatch.c). */
nvx_kernel nvx_mask_kernel(void);

/* Route masking alone to kernel k's own code, whatever the per-CPU routing
 * says (for benchmarks, tests, and users who measured their CPU). Returns 0,
 * or -1 when the CPU cannot run k (nothing changes). The next nvx_select
 * restores the routing. */
int nvx_select_mask(nvx_kernel k);

/* Short lower-case name: "scalar", "sse2", "avx2", "avx512", "neon". */
const char *nvx_kernel_name(nvx_kernel k);

/* ---------------------------------------------------------------- masking */

/* XOR buf[0..len) in place with the 4-byte key, starting at key offset
 * pos (0..3; taken modulo 4). Returns the key offset for the next byte,
 * (pos + len) % 4. Any length, any alignment. */
size_t nvx_xor_mask(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos);

/* ------------------------------------------------------------------ UTF-8 */

/* Incremental validator state. Plain data: zero-initialised (or
 * nvx_utf8_reset) is the start state; it may be copied. Callers treat the
 * fields as opaque. */
typedef struct nvx_utf8_validator {
    uint32_t state;   /* DFA state: 0 accept, 1 reject, else inside a code point */
    uint32_t pending; /* bytes of the current partial code point seen (0..3)     */
    uint64_t total;   /* bytes consumed since the last reset (see below)        */
} nvx_utf8_validator;

/* Result of one validation call, as Autobahn's validator reports it. */
typedef struct nvx_utf8_result {
    int valid;              /* 1: no invalid byte in the input so far          */
    int ends_on_codepoint;  /* 1: input so far ends on a whole code point      */
    size_t current_index;   /* index in this buffer where validation stopped:
                               len when valid, else the index of the first
                               byte at which the input stopped being a prefix
                               of valid UTF-8                                 */
    uint64_t total_index;   /* the same position counted over all input since
                               the last reset                                 */
} nvx_utf8_result;

void nvx_utf8_reset(nvx_utf8_validator *v);

/* Validate the next chunk of a stream. A code point split between calls
 * (down to 1-byte calls) gives exactly the result one call over the
 * concatenation would give. Once invalid, every later call reports
 * valid=0, ends_on_codepoint=0, current_index=0 and the same total_index,
 * until nvx_utf8_reset. Returns r->valid. */
int nvx_utf8_validate(nvx_utf8_validator *v, const uint8_t *buf, size_t len,
                      nvx_utf8_result *r);

/* One-shot: 1 when buf[0..len) is complete, valid UTF-8. */
int nvx_utf8_valid(const uint8_t *buf, size_t len);

/* Fused: unmask buf[0..len) in place (exactly as nvx_xor_mask) and feed the
 * unmasked bytes to validator v (exactly as nvx_utf8_validate), in one pass
 * over memory. The whole buffer is always unmasked, even when an invalid
 * byte is found. Returns the next key offset; *r receives the validation
 * result. */
size_t nvx_xor_mask_utf8_validate(uint8_t *buf, size_t len, const uint8_t key[4],
                                  size_t pos, nvx_utf8_validator *v,
                                  nvx_utf8_result *r);

#ifdef __cplusplus
}
#endif

#endif /* NVX_H */
