// Package nvx is the native (cgo) binding of the NVX C core, with a runtime
// switch (AUTOBAHN_USE_NVX) and a pure-Go fallback in nvx/purego.
//
// PLACEHOLDER: delegates to purego until the C core lands.
package nvx

import "github.com/autobahn-go/autobahn/nvx/purego"

// HasNVX is true when built with cgo and the C core compiled in.
const HasNVX = false

// UsesNVX reports whether the native core is used at run time.
func UsesNVX() bool { return false }

// Kernel names the kernel in use.
func Kernel() string { return "purego" }

// XorMask XORs b in place with key from offset pos and returns the next offset.
func XorMask(b []byte, key [4]byte, pos int) int { return purego.XorMask(b, key, pos) }

// Utf8Validator validates UTF-8 incrementally (see DESIGN.md for the tuple).
type Utf8Validator struct{ p purego.Utf8Validator }

// NewUtf8Validator returns a validator in its start state.
func NewUtf8Validator() *Utf8Validator { v := &Utf8Validator{}; v.p.Reset(); return v }

// Validate feeds b and reports (valid, endsOnCodepoint, currentIndex, totalIndex).
func (v *Utf8Validator) Validate(b []byte) (bool, bool, int, int) { return v.p.Validate(b) }

// Reset returns the validator to its start state.
func (v *Utf8Validator) Reset() { v.p.Reset() }

// ValidUTF8 reports whether b is complete, valid UTF-8.
func ValidUTF8(b []byte) bool { return purego.ValidUTF8(b) }

// XorMaskValidate unmasks b in place (as XorMask) and feeds it to v (as
// Validate) in one pass; it returns the next key offset and v's result.
func XorMaskValidate(b []byte, key [4]byte, pos int, v *Utf8Validator) (next int, valid, endsOnCodepoint bool, currentIndex, totalIndex int) {
	next = XorMask(b, key, pos)
	valid, endsOnCodepoint, currentIndex, totalIndex = v.Validate(b)
	return
}
