//go:build cgo && amd64 && !windows

package nvx

/*
#include <stdint.h>
#include "nvx_internal.h"

// The address of nvx_xor_mask, once the core has chosen its kernels (the
// direct call must never land in the first-call trampoline, which runs
// the core's initialisation); 0, for calls through cgo, when this build
// of the core may need more stack than the direct call gives it: without
// optimisation (the AVX-512 kernel then keeps every vector on the stack,
// 2.7 KiB; the package's -O2 comes after CGO_CFLAGS, so this takes a
// compiler wrapper) or with a sanitizer (its runtime runs on the caller's
// stack).
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || __has_feature(thread_sanitizer)
#define NVX_DIRECT_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define NVX_DIRECT_SANITIZED 1
#endif
static uintptr_t nvx__xor_mask_entry(void)
{
    nvx__ensure_init();
#if !defined(__OPTIMIZE__) || defined(NVX_DIRECT_SANITIZED)
    return 0;
#else
    return (uintptr_t)&nvx_xor_mask;
#endif
}
*/
import "C"

import (
	"unsafe"

	"github.com/autobahn-go/autobahn/nvx/internal/ccall"
)

// directChunk is the most bytes one direct call masks: about 1.5 µs of
// work at L2 speed, so that a garbage collection waiting for this
// goroutine to reach a safe point waits no longer than that (C code is
// never one). Longer buffers are masked in chunks of this size, a few
// nanoseconds each.
const directChunk = 64 << 10

// directMaskFn is nvx_xor_mask's address for ccall.XorMask, or 0 when the
// C core was built without optimisation or with a sanitizer (then
// nativeXorMask calls it through cgo).
var directMaskFn = uintptr(C.nvx__xor_mask_entry())

// directCall reports whether nativeXorMask calls C without the cgo
// transition.
var directCall = ccall.Supported && directMaskFn != 0

// nativeXorMask masks b with the C core, calling nvx_xor_mask directly
// from Go assembly (package ccall) rather than through cgo: on the Intel
// Xeon this was written on, a cgo call costs 35-60 ns, the direct call
// 5-6 ns, and the C kernel masks 16 KiB in about 105 ns.
func nativeXorMask(b []byte, key [4]byte, pos int) int {
	if directMaskFn == 0 {
		return cgoXorMask(b, key, pos)
	}
	pos &= 3
	for len(b) > directChunk {
		pos = ccall.XorMask(directMaskFn, unsafe.SliceData(b), directChunk, &key, pos)
		b = b[directChunk:]
	}
	if len(b) == 0 {
		return pos
	}
	return ccall.XorMask(directMaskFn, unsafe.SliceData(b), len(b), &key, pos)
}
