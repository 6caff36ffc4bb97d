package nvx

// Thresholds are the smallest inputs the nvx functions hand to the native
// core in this process; shorter ones run the pure-Go code, because there a
// cgo call costs more than the vector code saves. See ThresholdsInUse.
type Thresholds struct {
	// Mask is where XorMask starts calling C (MaskThresholdInUse).
	Mask int
	// UTF8 is where Utf8Validator.Validate and ValidUTF8 start sending
	// text that is not all ASCII to C (text that opens with a non-ASCII
	// word goes from UTF8Lead, when that is less).
	UTF8 int
	// UTF8ASCII is where they send every chunk to C whole, whatever its
	// text: below it, all-ASCII text stays in Go's word-at-a-time loop.
	UTF8ASCII int
	// Fused is where XorMaskValidate starts using the fused native call
	// for text that is not all ASCII: Go unmasks the leading ASCII,
	// checking it as it goes, and C takes the rest in one fused call.
	// Below it Go unmasks, and the validation follows UTF8 and UTF8Lead.
	Fused int
	// FusedASCII is where XorMaskValidate hands the whole buffer to C in
	// one fused call, whatever the text.
	FusedASCII int
	// UTF8Lead is where Validate and ValidUTF8 send a chunk that opens
	// with a word that is not all ASCII (CJK, Cyrillic, Greek, text that
	// opens with accented words) to C whole, below UTF8, unless the rest
	// of it looks ASCII: short messages in such scripts are validated
	// faster in C much sooner than text that opens with ASCII, which Go's
	// ASCII loops are quick on. XorMaskValidate below Fused unmasks in Go
	// and follows the same rule. It is UTF8 when C does not win sooner.
	UTF8Lead int
}

// inUse holds the thresholds chosen at start (all zero without the native
// core); set once by init in the cgo build.
var inUse Thresholds

// ThresholdsInUse reports the thresholds in use in this process. With the
// native core they are measured at start on the CPU at hand (a few
// milliseconds; see calibrate.go), because where a cgo call plus a C
// kernel overtakes the pure-Go loop differs from CPU to CPU; a
// measurement that is inconclusive leaves the default (the constants
// MaskThreshold, UTF8Threshold, UTF8ASCIIThreshold, FusedThreshold and
// FusedASCIIThreshold). Without the native core (no cgo, or
// AUTOBAHN_USE_NVX=0) every field is 0: nothing goes to C.
func ThresholdsInUse() Thresholds {
	if !useNVX {
		return Thresholds{}
	}
	return inUse
}
