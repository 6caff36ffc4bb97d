//go:build cgo

package nvx

import "github.com/autobahn-go/autobahn/nvx/internal/goimpl"

// calibrate measures every threshold on this CPU (see calibrate.go). The
// kernels must already be chosen (selectKernel runs first: kernel is a
// package variable, initialised before init functions run).
func calibrate() Thresholds {
	t := Thresholds{
		Mask:       calibrateMask(),
		UTF8:       calibrateUTF8(),
		UTF8ASCII:  calibrateUTF8ASCII(),
		Fused:      calibrateFused(),
		FusedASCII: calibrateFusedASCII(),
	}
	// The ASCII thresholds come from other candidates than the others, but
	// a default may meet a measured value: keep each pair ordered.
	t.UTF8ASCII = max(t.UTF8ASCII, t.UTF8)
	t.FusedASCII = max(t.FusedASCII, t.Fused)
	t.UTF8Lead = calibrateUTF8Lead(t.UTF8)
	return t
}

// calibrateMask measures where the C core starts beating the pure-Go
// masking loop, with the masking kernel already chosen.
func calibrateMask() int {
	buf := make([]byte, maskCalibrationSizes[len(maskCalibrationSizes)-1])
	goNs, cNs := measureBest(maskCalibrationSizes, maskWork, buf,
		func(b []byte) { goimpl.XorMask(b, [4]byte{1, 2, 3, 4}, 1, false) },
		func(b []byte) { nativeXorMask(b, [4]byte{1, 2, 3, 4}, 1) })
	return pickThreshold(maskCalibrationSizes, goNs, cNs, MaskThreshold)
}

// withUTF8Path installs the UTF-8 hooks for a measurement, with UTF8 and
// Fused thresholds at min and the ASCII ones at their defaults (above
// every UTF-8 candidate), and returns a function that puts back what was
// there. So a measurement times the path Validate and XorMaskValidate take
// from the threshold on, not the C call alone: text that begins with
// ASCII (accented Latin does) is split there, Go checking the leading
// ASCII words and C the rest, which at the smallest sizes costs more than
// either alone. It changes package goimpl's settings for the duration:
// calibrate runs in init, or in a test while no other goroutine validates.
func withUTF8Path(min int) (restore func()) {
	vh, fh := goimpl.ValidateHook, goimpl.FusedHook
	u, ua, f, fa := goimpl.UTF8Min, goimpl.UTF8ASCIIMin, goimpl.FusedMin, goimpl.FusedASCIIMin
	goimpl.ValidateHook, goimpl.FusedHook = nativeValidate, nativeXorMaskValidate
	goimpl.UTF8Min, goimpl.UTF8ASCIIMin = min, UTF8ASCIIThreshold
	goimpl.FusedMin, goimpl.FusedASCIIMin = min, FusedASCIIThreshold
	return func() {
		goimpl.ValidateHook, goimpl.FusedHook = vh, fh
		goimpl.UTF8Min, goimpl.UTF8ASCIIMin, goimpl.FusedMin, goimpl.FusedASCIIMin = u, ua, f, fa
	}
}

// calibrateUTF8 measures where Validate's native path starts validating
// text that is not all ASCII faster than Go: on accented Latin text
// (where Go's ASCII loop helps it most, and the path splits) and on CJK
// text (3-byte code points, C whole), the larger of the two crossings, so
// that both kinds are faster through nvx.
func calibrateUTF8() int {
	defer withUTF8Path(utf8CalibrationSizes[0])()
	var v goimpl.Utf8Validator
	return crossing([]textKind{textLatin, textCJK}, utf8CalibrationSizes, UTF8Threshold,
		func(b []byte) { v.Reset(); v.Validate(b, false) },
		func(b []byte) { v.Reset(); v.Validate(b, true) })
}

// calibrateFused does the same for XorMaskValidate: its native path
// (the leading ASCII unmasked and checked in Go, the rest in one fused C
// call) against the pure-Go unmask-then-validate. The key flips the low
// bit of every byte, which keeps the texts valid UTF-8 of their kind
// however often they are unmasked (TestCalibrationText). Below the
// threshold the code does not run the pure-Go path but Go's unmasking and
// Validate's native path, which UTF8Lead can make faster on text that
// opens with a non-ASCII word; C is measured against pure Go all the same
// (UTF8Lead is measured after this), so from Fused on nvx is faster than
// purego, if not always than that unmask-and-Validate.
func calibrateFused() int {
	defer withUTF8Path(utf8CalibrationSizes[0])()
	var v goimpl.Utf8Validator
	key := [4]byte{1, 1, 1, 1}
	return crossing([]textKind{textLatin, textCJK}, utf8CalibrationSizes, FusedThreshold,
		func(b []byte) { v.Reset(); goimpl.XorMaskValidate(b, key, 0, &v, false) },
		func(b []byte) { v.Reset(); goimpl.XorMaskValidate(b, key, 0, &v, true) })
}

// calibrateUTF8ASCII measures where C starts validating all-ASCII text
// faster than Go's word-at-a-time loop.
func calibrateUTF8ASCII() int {
	var v goimpl.Utf8Validator
	buf := calibrationText(textASCII, asciiCalibrationSizes[len(asciiCalibrationSizes)-1])
	goNs, cNs := measureBest(asciiCalibrationSizes, maskWork, buf,
		func(b []byte) { v.Reset(); v.Validate(b, false) },
		func(b []byte) { v.Reset(); nativeValidate(&v, b) })
	return pickThreshold(asciiCalibrationSizes, goNs, cNs, UTF8ASCIIThreshold)
}

// calibrateFusedASCII measures where one fused C call starts unmasking and
// validating all-ASCII text faster than Go does below FusedASCII (one pass
// that unmasks and checks the words, goimpl.UnmaskASCII). The key flips
// the low bit of every byte, so the text stays ASCII however often it is
// unmasked.
func calibrateFusedASCII() int {
	var v goimpl.Utf8Validator
	key := [4]byte{1, 1, 1, 1}
	buf := calibrationText(textASCII, asciiCalibrationSizes[len(asciiCalibrationSizes)-1])
	goNs, cNs := measureBest(asciiCalibrationSizes, maskWork, buf,
		func(b []byte) { v.Reset(); goimpl.UnmaskASCII(b, key, 0) },
		func(b []byte) { v.Reset(); nativeXorMaskValidate(b, key, 0, &v) })
	return pickThreshold(asciiCalibrationSizes, goNs, cNs, FusedASCIIThreshold)
}

// withLeadPath installs the UTF-8 hooks for the lead measurement: UTF8
// at the threshold measured, UTF8Lead at min, the ASCII one at its
// default; it returns a function that puts back what was there. So the
// native side of the measurement is the path Validate takes below UTF8,
// the test that picks text for C included (see withUTF8Path).
func withLeadPath(utf8, min int) (restore func()) {
	restoreUTF8 := withUTF8Path(min)
	goimpl.UTF8Min = utf8
	lead := goimpl.UTF8LeadMin
	goimpl.UTF8LeadMin = min
	return func() {
		goimpl.UTF8LeadMin = lead
		restoreUTF8()
	}
}

// calibrateUTF8Lead measures Thresholds.UTF8Lead: where Validate's native
// path overtakes its Go path below utf8, on CJK and on Latin text that
// opens with accented words (both go to C there), the larger crossing, or
// utf8 when C does not win sooner on both.
func calibrateUTF8Lead(utf8 int) int {
	sizes := leadSizes(utf8)
	if len(sizes) == 0 {
		return utf8
	}
	defer withLeadPath(utf8, sizes[0])()
	var v goimpl.Utf8Validator
	th := crossing([]textKind{textCJK, textLatinLead}, sizes, utf8,
		func(b []byte) { v.Reset(); v.Validate(b, false) },
		func(b []byte) { v.Reset(); v.Validate(b, true) })
	return min(th, utf8)
}
