//go:build cgo

package nvx

/*
#cgo CFLAGS: -I${SRCDIR}/../csrc/include -I${SRCDIR}/../csrc -O2 -std=c11
#cgo noescape nvx_select
#cgo nocallback nvx_select
#cgo noescape nvx_selected
#cgo nocallback nvx_selected
#cgo noescape nvx_kernel_name
#cgo nocallback nvx_kernel_name
#cgo noescape nvx_mask_kernel
#cgo nocallback nvx_mask_kernel
#cgo noescape nvx_select_mask
#cgo nocallback nvx_select_mask
#cgo noescape nvx_xor_mask
#cgo nocallback nvx_xor_mask
#cgo noescape nvx_utf8_validate
#cgo nocallback nvx_utf8_validate
#cgo noescape nvx_utf8_valid
#cgo nocallback nvx_utf8_valid
#cgo noescape nvx_xor_mask_utf8_validate
#cgo nocallback nvx_xor_mask_utf8_validate
#include "nvx.h"
*/
import "C"

import (
	"runtime"
	"unsafe"

	"github.com/klauspost/cpuid/v2"

	"github.com/autobahn-go/autobahn/nvx/internal/goimpl"
)

// HasNVX is true when the native NVX core is compiled in (cgo builds).
const HasNVX = true

// Size thresholds: inputs shorter than these go to package purego's code
// even when the native core is used, because there a cgo call (about
// 30 ns with Go 1.26 on the project's loaded 2-core AMD machine, 50-70 ns
// on the Intel Xeon of later sessions) costs more than the vector code
// saves. The thresholds in use are measured at start on the CPU at hand
// (ThresholdsInUse, calibrate.go); these constants are the defaults a
// measurement that says nothing leaves, tuned on the AMD EPYC with
// benchstat over 10 interleaved runs (native/purego speed below and at
// each):
//
//	XorMask                     1 KiB 0.66x, 2 KiB 0.93-0.98x   4 KiB 1.27-1.31x
//	Validate, latin text        64 B 0.60x                      128 B 2.1x
//	Validate, CJK text          64 B 0.88-1.13x                 128 B 2.2x
//	Validate, ASCII text        2 KiB 0.90x                     4 KiB 1.34x
//	XorMaskValidate, latin/CJK  64 B 0.68-0.97x                 128 B 1.25-1.5x
//	XorMaskValidate, ASCII      1 KiB 0.80x                     4 KiB 1.7x
//
// On the Intel Xeon (family 6 model 207, Emerald Rapids) the measurement
// at start picks Mask 3 KiB, UTF8 192 B (128-256 B under load), UTF8ASCII
// 3 KiB and FusedASCII 2 KiB (bench/results/nvx-xeon.md has the tables).
// Masking there no longer pays the cgo call (direct_amd64.go): it picks
// Mask 512 B-1 KiB. Nor does validation since it is called directly too:
// UTF8 128 B, Fused 96 B, UTF8ASCII 1-1.5 KiB and FusedASCII 1 KiB (the
// smallest ASCII candidate). The defaults stay for the platforms that call
// through cgo.
//
// ASCII is special because Go's word-at-a-time ASCII loop is as fast as
// the C core up to a few KiB once the cgo call is paid. Between the UTF8
// and UTF8ASCII thresholds, Go first runs that loop over the leading
// ASCII words (the same code purego runs, so all-ASCII text costs the same
// on both paths) and hands C the rest unless a sample of it looks like
// ASCII too (goimpl.nativeFrom). XorMaskValidate does the same between
// the Fused and FusedASCII thresholds, unmasking the leading ASCII and
// checking it in one pass (faster than purego's unmask-then-validate) and
// handing C the rest, still masked, in one fused call (goimpl.fusedMid).
const (
	// MaskThreshold is the default smallest buffer XorMask sends to C:
	// the one in use when the measurement at start is inconclusive. The
	// one in use is MaskThresholdInUse.
	MaskThreshold = 4 << 10
	// UTF8Threshold is the default smallest chunk Utf8Validator.Validate
	// and ValidUTF8 send to C (ThresholdsInUse().UTF8 is the one in use).
	UTF8Threshold = 128
	// UTF8ASCIIThreshold is the default smallest chunk they send to C
	// whole, whatever its text (in use: ThresholdsInUse().UTF8ASCII).
	UTF8ASCIIThreshold = 4 << 10
	// FusedThreshold is the default smallest buffer for which
	// XorMaskValidate may use C: from there Go unmasks and checks the
	// leading ASCII in one pass and C takes the rest, from the first
	// non-ASCII block, in one fused call (unless the rest is short or
	// looks ASCII). The one in use is ThresholdsInUse().Fused.
	FusedThreshold = 128
	// FusedASCIIThreshold is the default smallest buffer XorMaskValidate
	// sends to C in one fused call, whatever the text (in use:
	// ThresholdsInUse().FusedASCII).
	FusedASCIIThreshold = 4 << 10
)

// kernel is the C core's name of the kernel selected at start.
var kernel = selectKernel()

// selectKernel tells the C core the best kernel this CPU runs, by cpuid
// (which also checks that the OS saves the vector registers), falling back
// downwards when the core refuses one.
func selectKernel() string {
	var want []C.nvx_kernel
	switch runtime.GOARCH {
	case "amd64", "386":
		if cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512BW) {
			want = append(want, C.NVX_KERNEL_AVX512)
		}
		if cpuid.CPU.Supports(cpuid.AVX2) {
			want = append(want, C.NVX_KERNEL_AVX2)
		}
		if cpuid.CPU.Supports(cpuid.SSE2) {
			want = append(want, C.NVX_KERNEL_SSE2)
		}
	case "arm64", "arm":
		if cpuid.CPU.Supports(cpuid.ASIMD) || runtime.GOARCH == "arm64" {
			want = append(want, C.NVX_KERNEL_NEON)
		}
	}
	want = append(want, C.NVX_KERNEL_SCALAR)
	for _, k := range want {
		if C.nvx_select(k) == 0 {
			break
		}
	}
	return C.GoString(C.nvx_kernel_name(C.nvx_selected()))
}

func kernelName() string { return kernel }

// maskKernelName is the C core's name of the kernel whose masking code
// runs: the selected one, or AVX2 for the AVX-512 family on CPUs where
// 64-byte stores do not pay (the C core's per-CPU table, csrc/dispatch.c).
func maskKernelName() string { return C.GoString(C.nvx_kernel_name(C.nvx_mask_kernel())) }

// forceMaskKernel routes masking to the named kernel's own code, whatever
// the per-CPU table says (for tests); false when the CPU cannot run it.
func forceMaskKernel(name string) bool {
	for k := C.nvx_kernel(0); k < C.NVX_KERNEL_COUNT; k++ {
		if C.GoString(C.nvx_kernel_name(k)) == name {
			return C.nvx_select_mask(k) == 0
		}
	}
	return false
}

// bytesPtr points at b's first byte for C (b is not empty).
func bytesPtr(b []byte) *C.uint8_t { return (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(b))) }

// The Go state and the C state have the same size (a compile error
// otherwise); TestStateIdenticalAcrossPaths checks them field by field.
var _ [unsafe.Sizeof(goimpl.Utf8Validator{}) ^ C.sizeof_nvx_utf8_validator]struct{} = [0]struct{}{}

// cState is v's state as the C struct: goimpl.Utf8Validator has the same
// fields in the same order (checked by TestStateIdenticalAcrossPaths).
func cState(v *goimpl.Utf8Validator) *C.nvx_utf8_validator {
	return (*C.nvx_utf8_validator)(unsafe.Pointer(v))
}

// cgoXorMask masks b through an ordinary cgo call of nvx_xor_mask. Where
// the direct call exists (direct_amd64.go) nativeXorMask uses that
// instead, and this remains for the benchmarks that compare the two.
func cgoXorMask(b []byte, key [4]byte, pos int) int {
	if len(b) == 0 {
		return pos & 3
	}
	return int(C.nvx_xor_mask(bytesPtr(b), C.size_t(len(b)), (*C.uint8_t)(unsafe.Pointer(&key[0])), C.size_t(pos&3)))
}

// cgoValidUTF8, cgoValidate and cgoXorMaskValidate call the C core's
// validation through cgo. Where the direct call exists (direct_amd64.go)
// nativeValidUTF8, nativeValidate and nativeXorMaskValidate use that
// instead, and these remain for the builds that cannot (unoptimised or
// sanitized C) and for the benchmarks that compare the two.
func cgoValidUTF8(b []byte) bool {
	if len(b) == 0 {
		return true
	}
	return C.nvx_utf8_valid(bytesPtr(b), C.size_t(len(b))) != 0
}

func cgoValidate(v *goimpl.Utf8Validator, b []byte) (bool, bool, int, int) {
	if len(b) == 0 {
		return v.Validate(b, false) // same state, nothing for C to do
	}
	var r C.nvx_utf8_result
	C.nvx_utf8_validate(cState(v), bytesPtr(b), C.size_t(len(b)), &r)
	return r.valid != 0, r.ends_on_codepoint != 0, int(r.current_index), int(r.total_index)
}

func cgoXorMaskValidate(b []byte, key [4]byte, pos int, v *goimpl.Utf8Validator) (int, bool, bool, int, int) {
	if len(b) == 0 {
		valid, ends, cur, total := v.Validate(b, false)
		return pos & 3, valid, ends, cur, total
	}
	var r C.nvx_utf8_result
	next := C.nvx_xor_mask_utf8_validate(bytesPtr(b), C.size_t(len(b)), (*C.uint8_t)(unsafe.Pointer(&key[0])), C.size_t(pos&3), cState(v), &r)
	return int(next), r.valid != 0, r.ends_on_codepoint != 0, int(r.current_index), int(r.total_index)
}

// maskThreshold is the XorMask threshold in use (see calibrate.go).
var maskThreshold = MaskThreshold

// init measures the thresholds on this CPU (calibrate_cgo.go) and hands
// the inputs above them from the shared pure-Go kernels to the C core, only
// when the native core is in use.
func init() {
	if useNVX {
		inUse = calibrate()
		maskThreshold = inUse.Mask
		goimpl.MaskHook = nativeXorMask
		goimpl.MaskMin = max(inUse.Mask, goimpl.MaskFloor) // the candidates start there
		goimpl.UTF8Min, goimpl.UTF8ASCIIMin = inUse.UTF8, inUse.UTF8ASCII
		goimpl.FusedMin, goimpl.FusedASCIIMin = inUse.Fused, inUse.FusedASCII
		goimpl.UTF8LeadMin = inUse.UTF8Lead
		goimpl.ValidateHook = nativeValidate
		goimpl.ValidHook = nativeValidUTF8
		goimpl.FusedHook = nativeXorMaskValidate
	}
}
