//go:build amd64 && !windows

package ccall

import "unsafe"

// Supported reports that this platform has the direct call (amd64 with the
// System V calling convention).
const Supported = true

// StackBytes is the stack XorMask reserves in its own frame for the C
// function, besides the runtime's stack guard below it (see the package
// documentation).
const StackBytes = 512

// UTF8StackBytes is the same for Validate and XorMaskValidate, whose C
// functions go deeper: the fused function calls the validator, which calls
// a UTF-8 kernel (together about 600 bytes at -O2 with gcc 12, checked by
// package nvx's TestDirectCallStackUsage).
const UTF8StackBytes = 1024

// XorMask calls the C function at fn, of C type
// size_t (*)(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos),
// with (buf, n, &key[0], pos) and returns its result. fn must be a leaf C
// function that honours the limits of the package documentation; buf must
// point at n writable bytes.
//
//go:noescape
func XorMask(fn uintptr, buf *byte, n int, key *[4]byte, pos int) int

// Validate calls the C function at fn, of C type
// int (*)(nvx_utf8_validator *v, const uint8_t *buf, size_t len, nvx_utf8_result *r),
// with (v, buf, n, r), and drops its result (which *r holds too). fn must be
// a leaf C function that honours the limits of the package documentation;
// buf must point at n readable bytes, v and r at the C structs. v and r are
// typed pointers, not uintptrs, so that they may point into the caller's
// stack: a stack that grows in this function's prologue is copied with
// them adjusted.
//
//go:noescape
func Validate(fn uintptr, v unsafe.Pointer, buf *byte, n int, r unsafe.Pointer)

// XorMaskValidate calls the C function at fn, of C type
// size_t (*)(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos,
// nvx_utf8_validator *v, nvx_utf8_result *r), with (buf, n, &key[0], pos,
// v, r) and returns its result, on the terms of XorMask and Validate.
//
//go:noescape
func XorMaskValidate(fn uintptr, buf *byte, n int, key *[4]byte, pos int, v, r unsafe.Pointer) int
