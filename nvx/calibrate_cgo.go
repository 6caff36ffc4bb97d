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
		FusedASCII: calibrateFusedASCII(),
	}
	// Between Fused and FusedASCII, XorMaskValidate hands C what follows
	// the leading ASCII, as Validate does, so the UTF-8 crossover is its
	// crossover.
	t.Fused = t.UTF8
	// The ASCII thresholds come from other candidates than the others, but
	// a default may meet a measured value: keep each pair ordered.
	t.UTF8ASCII = max(t.UTF8ASCII, t.UTF8)
	t.FusedASCII = max(t.FusedASCII, t.Fused)
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

// calibrateUTF8 measures where C starts validating text that is not all
// ASCII faster than Go: on accented Latin text (where Go's ASCII loop
// helps it most) and on CJK text (3-byte code points), the larger of the
// two crossings, so that both kinds are faster through nvx.
func calibrateUTF8() int {
	var v goimpl.Utf8Validator
	goFn := func(b []byte) { v.Reset(); v.Validate(b, false) }
	cFn := func(b []byte) { v.Reset(); nativeValidate(&v, b) }
	th := 0
	for _, kind := range []textKind{textLatin, textCJK} {
		buf := calibrationText(kind, utf8CalibrationSizes[len(utf8CalibrationSizes)-1])
		goNs, cNs := measureBest(utf8CalibrationSizes, utf8Work, buf, goFn, cFn)
		th = max(th, pickThreshold(utf8CalibrationSizes, goNs, cNs, UTF8Threshold))
	}
	return th
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
