package nvx

import "github.com/autobahn-go/autobahn/nvx/internal/goimpl"

// XorMask XORs b in place with key, starting at key offset pos (0..3, taken
// modulo 4), and returns the offset for the next byte: (pos+len(b)) % 4.
// It uses the native core for buffers of at least MaskThresholdInUse()
// bytes.
//
// It is a one-call wrapper the compiler inlines: the size decision is taken
// inside the pure-Go kernel, which calls the C core through a hook that is
// installed only when UsesNVX, so a small buffer costs what purego.XorMask
// costs.
func XorMask(b []byte, key [4]byte, pos int) int { return goimpl.XorMask(b, key, pos, true) }

// Utf8Validator validates a UTF-8 stream incrementally, reporting
// Autobahn's (valid, endsOnCodepoint, currentIndex, totalIndex) tuple.
//
// Its zero value is the start state. It holds the C core's validator state
// by value (no C allocation), in the representation the pure-Go code uses
// too, so each chunk may go to whichever side is faster for its size.
// A validator must not be used by two goroutines at once.
type Utf8Validator struct {
	g goimpl.Utf8Validator
}

// NewUtf8Validator returns a validator in its start state.
func NewUtf8Validator() *Utf8Validator { return &Utf8Validator{} }

// Reset returns the validator to its start state, ready for a new message.
func (v *Utf8Validator) Reset() { v.g.Reset() }

// Validate feeds the next chunk b of the stream. valid reports that no
// invalid byte has been seen since Reset; endsOnCodepoint that the input so
// far ends on a whole code point; currentIndex is len(b) when valid, else
// the index in b of the first byte at which the stream stopped being a
// prefix of valid UTF-8; totalIndex is that position over the whole stream.
// A code point split across calls, even into 1-byte calls, gives the result
// one call over the concatenation gives. Once invalid, every call returns
// (false, false, 0, totalIndex) until Reset.
func (v *Utf8Validator) Validate(b []byte) (valid, endsOnCodepoint bool, currentIndex, totalIndex int) {
	return v.g.Validate(b, true)
}

// ValidUTF8 reports whether b is complete, valid UTF-8 (as utf8.Valid).
func ValidUTF8(b []byte) bool {
	return goimpl.ValidUTF8(b, true)
}

// XorMaskValidate unmasks b in place exactly as XorMask and feeds the
// unmasked bytes to v exactly as v.Validate, in one pass over memory (one
// fused C call from Thresholds.Fused; below it Go unmasks and validation
// follows Validate's thresholds). All of b is unmasked even when an invalid
// byte is found. It returns the next key offset and v's result.
func XorMaskValidate(b []byte, key [4]byte, pos int, v *Utf8Validator) (next int, valid, endsOnCodepoint bool, currentIndex, totalIndex int) {
	return goimpl.XorMaskValidate(b, key, pos, &v.g, true)
}
