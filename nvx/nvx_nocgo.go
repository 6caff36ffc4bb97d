//go:build !cgo

package nvx

import "github.com/autobahn-go/autobahn/nvx/internal/goimpl"

// HasNVX is true when the native NVX core is compiled in (cgo builds).
const HasNVX = false

// Size thresholds: shorter inputs go to package purego even when the native
// core is used, because a cgo call costs more than it saves on them. Without
// the native core they play no part.
const (
	MaskThreshold       = 0 // XorMask
	UTF8Threshold       = 0 // Utf8Validator.Validate and ValidUTF8
	UTF8ASCIIThreshold  = 0 // the same, whole chunks whatever the text
	FusedThreshold      = 0 // XorMaskValidate
	FusedASCIIThreshold = 0 // the same, for text that looks ASCII
)

// maskThreshold is the XorMask threshold in use: none without the core.
const maskThreshold = 0

// kernel names the native kernel; there is none.
const kernel = "purego"

func kernelName() string { return kernel }

func maskKernelName() string { return kernel }

func forceMaskKernel(string) bool { return false }

func nativeXorMask(b []byte, key [4]byte, pos int) int { return goimpl.XorMask(b, key, pos, false) }

func nativeValidUTF8(b []byte) bool { return goimpl.ValidUTF8(b, false) }

func nativeValidate(v *goimpl.Utf8Validator, b []byte) (bool, bool, int, int) {
	return v.Validate(b, false)
}

func nativeXorMaskValidate(b []byte, key [4]byte, pos int, v *goimpl.Utf8Validator) (int, bool, bool, int, int) {
	return goimpl.XorMaskValidate(b, key, pos, v, false)
}

func calibrateMask() int { return MaskThreshold }

func calibrate() Thresholds { return Thresholds{} }
