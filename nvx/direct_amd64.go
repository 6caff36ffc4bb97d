//go:build cgo && amd64 && !windows

package nvx

/*
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
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
#if !defined(__OPTIMIZE__) || defined(NVX_DIRECT_SANITIZED)
#define NVX_DIRECT_ENTRY(fn) 0
#else
#define NVX_DIRECT_ENTRY(fn) ((uintptr_t)&fn)
#endif
static uintptr_t nvx__xor_mask_entry(void)
{
    nvx__ensure_init();
    return NVX_DIRECT_ENTRY(nvx_xor_mask);
}

// The same for nvx_utf8_validate and nvx_xor_mask_utf8_validate (which
// calls nvx_xor_mask and nvx_utf8_validate): leaf code as well, whose
// UTF-8 kernel, chosen here at the latest, is read from a pointer on
// every call. The UTF-8 kernels copy the last partial block with the C
// library's memcpy (a compiler may call memset and memmove the same way),
// which needs almost no stack once bound; but the first call of a lazily
// bound symbol runs the dynamic linker's resolver, which saves the whole
// vector state on the stack (kilobytes with AVX-512), far more than the
// direct call gives. So the three are called here, through cgo, which
// binds them for good (the executable has one binding of each, for every
// caller), and so is the validator, on text whose last block is partial;
// with LD_BIND_NOT set the loader never keeps a binding, and these calls
// stay with cgo.
uint8_t nvx__bind_sink[64];
static volatile size_t nvx__bind_len = 16;

static uintptr_t nvx__utf8_entry(uintptr_t fn)
{
    uint8_t text[101];
    nvx_utf8_validator v;
    nvx_utf8_result r;
    const char *bind_not;

    nvx__ensure_init();
    memcpy(nvx__bind_sink, nvx__bind_sink + 32, nvx__bind_len);
    memmove(nvx__bind_sink + 1, nvx__bind_sink, nvx__bind_len);
    memset(nvx__bind_sink + 8, 0, nvx__bind_len);
    for (size_t i = 0; i + 1 < sizeof text; i += 2) {
        text[i] = 0xC3; // U+00E9, twice a block and a bit
        text[i + 1] = 0xA9;
    }
    text[sizeof text - 1] = 'e';
    nvx_utf8_reset(&v);
    nvx_utf8_validate(&v, text, sizeof text, &r);
    bind_not = getenv("LD_BIND_NOT");
    if (bind_not != NULL && bind_not[0] != '\0')
        return 0;
    return fn;
}

static uintptr_t nvx__utf8_validate_entry(void)
{
    return nvx__utf8_entry(NVX_DIRECT_ENTRY(nvx_utf8_validate));
}

static uintptr_t nvx__xor_mask_utf8_validate_entry(void)
{
    return nvx__utf8_entry(NVX_DIRECT_ENTRY(nvx_xor_mask_utf8_validate));
}
*/
import "C"

import (
	"unsafe"

	"github.com/autobahn-go/autobahn/nvx/internal/ccall"
	"github.com/autobahn-go/autobahn/nvx/internal/goimpl"
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

// directValidateFn and directFusedFn are the addresses of
// nvx_utf8_validate and nvx_xor_mask_utf8_validate for ccall.Validate and
// ccall.XorMaskValidate, or 0 as directMaskFn.
var (
	directValidateFn = uintptr(C.nvx__utf8_validate_entry())
	directFusedFn    = uintptr(C.nvx__xor_mask_utf8_validate_entry())
)

// directCall reports whether nativeXorMask calls C without the cgo
// transition.
var directCall = ccall.Supported && directMaskFn != 0

// directUTF8Call reports whether nativeValidate, nativeValidUTF8 and
// nativeXorMaskValidate call C without the cgo transition.
var directUTF8Call = ccall.Supported && directValidateFn != 0 && directFusedFn != 0

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

// directUTF8Chunk is the most bytes one direct call validates (or unmasks
// and validates): 16 KiB, about a microsecond with the AVX2 kernel on
// text that is not ASCII, a few with the scalar DFA of CPUs without one,
// so that a garbage collection waits no longer than that. The validator
// is incremental, so longer buffers are fed to it in chunks of this size,
// its state carried from one to the next, for the result one call gives.
const directUTF8Chunk = 16 << 10

// nativeValidUTF8 reports whether b is complete, valid UTF-8, with the C
// core (a validator in its start state, the zero value, on the stack).
func nativeValidUTF8(b []byte) bool {
	if !directUTF8Call {
		return cgoValidUTF8(b)
	}
	if len(b) == 0 {
		return true
	}
	var v C.nvx_utf8_validator
	valid, ends, _, _ := directValidate(unsafe.Pointer(&v), b, directUTF8Chunk)
	return valid && ends
}

// nativeValidate feeds b to v with the C core's nvx_utf8_validate, called
// directly from Go assembly (ccall.Validate) when this build allows it.
func nativeValidate(v *goimpl.Utf8Validator, b []byte) (bool, bool, int, int) {
	if !directUTF8Call {
		return cgoValidate(v, b)
	}
	if len(b) == 0 {
		return v.Validate(b, false) // same state, nothing for C to do
	}
	return directValidate(unsafe.Pointer(cState(v)), b, directUTF8Chunk)
}

// directValidate feeds b (not empty) to the C validator state at st with
// ccall.Validate, in chunks of chunk bytes (directUTF8Chunk; tests pass
// small ones); the result struct lives on this goroutine's stack.
func directValidate(st unsafe.Pointer, b []byte, chunk int) (bool, bool, int, int) {
	var r C.nvx_utf8_result
	off := 0
	for len(b)-off > chunk {
		ccall.Validate(directValidateFn, st, unsafe.SliceData(b[off:]), chunk, unsafe.Pointer(&r))
		if r.valid == 0 {
			// Invalid from here on: the index in this chunk, counted in b.
			return false, false, off + int(r.current_index), int(r.total_index)
		}
		off += chunk
	}
	ccall.Validate(directValidateFn, st, unsafe.SliceData(b[off:]), len(b)-off, unsafe.Pointer(&r))
	if r.valid == 0 {
		return false, false, off + int(r.current_index), int(r.total_index)
	}
	return true, r.ends_on_codepoint != 0, len(b), int(r.total_index)
}

// nativeXorMaskValidate unmasks b and feeds it to v with the C core's
// fused nvx_xor_mask_utf8_validate, called directly (ccall.XorMaskValidate)
// in chunks of directUTF8Chunk. Once a chunk is invalid the rest is only
// unmasked, as the single C call does.
func nativeXorMaskValidate(b []byte, key [4]byte, pos int, v *goimpl.Utf8Validator) (int, bool, bool, int, int) {
	if !directUTF8Call {
		return cgoXorMaskValidate(b, key, pos, v)
	}
	if len(b) == 0 {
		valid, ends, cur, total := v.Validate(b, false)
		return pos & 3, valid, ends, cur, total
	}
	return directXorMaskValidate(b, key, pos, unsafe.Pointer(cState(v)), directUTF8Chunk)
}

// directXorMaskValidate unmasks b (not empty) and feeds it to the C
// validator state at st with ccall.XorMaskValidate, in chunks of chunk
// bytes, as directValidate.
func directXorMaskValidate(b []byte, key [4]byte, pos int, st unsafe.Pointer, chunk int) (int, bool, bool, int, int) {
	pos &= 3
	var r C.nvx_utf8_result
	off := 0
	for len(b)-off > chunk {
		pos = ccall.XorMaskValidate(directFusedFn, unsafe.SliceData(b[off:]), chunk, &key, pos, st, unsafe.Pointer(&r))
		if r.valid == 0 {
			cur, total := off+int(r.current_index), int(r.total_index)
			return nativeXorMask(b[off+chunk:], key, pos), false, false, cur, total
		}
		off += chunk
	}
	pos = ccall.XorMaskValidate(directFusedFn, unsafe.SliceData(b[off:]), len(b)-off, &key, pos, st, unsafe.Pointer(&r))
	if r.valid == 0 {
		return pos, false, false, off + int(r.current_index), int(r.total_index)
	}
	return pos, true, r.ends_on_codepoint != 0, len(b), int(r.total_index)
}
