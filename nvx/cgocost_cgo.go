//go:build cgo

package nvx

// What a cgo call itself costs, for BenchmarkCgoCost: the same masking
// kernel called n times from one C loop (no cgo transition in between)
// against n calls from Go, and an empty C function. Not used by the
// package's API.

/*
#cgo noescape nvx__xor_mask_reps
#cgo nocallback nvx__xor_mask_reps
#cgo noescape nvx__empty
#cgo nocallback nvx__empty
#include "nvx.h"

static size_t nvx__xor_mask_reps(uint8_t *buf, size_t len, const uint8_t *key, size_t pos, size_t reps)
{
    for (size_t i = 0; i < reps; i++)
        pos = nvx_xor_mask(buf, len, key, pos);
    return pos;
}

static void nvx__empty(void) {}
*/
import "C"

import "unsafe"

// cXorMaskReps masks b reps times over in one cgo call (b is not empty).
func cXorMaskReps(b []byte, key [4]byte, pos, reps int) int {
	return int(C.nvx__xor_mask_reps(bytesPtr(b), C.size_t(len(b)), (*C.uint8_t)(unsafe.Pointer(&key[0])), C.size_t(pos&3), C.size_t(reps)))
}

// cEmpty is a cgo call that does nothing: the transition alone.
func cEmpty() { C.nvx__empty() }
