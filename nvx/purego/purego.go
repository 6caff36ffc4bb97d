// Package purego holds the pure-Go twins of every nvx function. It is what
// runs when cgo is off or AUTOBAHN_USE_NVX=0, and lets benchmarks compare
// native and pure-Go code side by side in one process.
//
// PLACEHOLDER: correct but unoptimised; replaced by the NVX work.
package purego

// XorMask XORs b in place with key, starting at key offset pos (0..3), and
// returns the offset for the next byte: (pos+len(b)) % 4.
func XorMask(b []byte, key [4]byte, pos int) int {
	pos &= 3
	for i := range b {
		b[i] ^= key[pos]
		pos = (pos + 1) & 3
	}
	return pos
}

// Utf8Validator validates a UTF-8 stream incrementally.
type Utf8Validator struct {
	need  int  // continuation bytes still expected
	lo    byte // bounds of the next continuation byte
	hi    byte
	bad   bool
	total int
}

// NewUtf8Validator returns a validator in its start state.
func NewUtf8Validator() *Utf8Validator { v := &Utf8Validator{}; v.Reset(); return v }

// Reset returns the validator to its start state.
func (v *Utf8Validator) Reset() { *v = Utf8Validator{lo: 0x80, hi: 0xBF} }

// Validate feeds b and reports Autobahn's tuple.
func (v *Utf8Validator) Validate(b []byte) (valid, endsOnCodepoint bool, currentIndex, totalIndex int) {
	if v.bad {
		return false, false, 0, v.total
	}
	for i, c := range b {
		if v.need > 0 {
			if c < v.lo || c > v.hi {
				v.bad = true
				v.total += i
				return false, false, i, v.total
			}
			v.need--
			v.lo, v.hi = 0x80, 0xBF
			continue
		}
		switch {
		case c < 0x80:
		case c >= 0xC2 && c <= 0xDF:
			v.need = 1
		case c == 0xE0:
			v.need, v.lo = 2, 0xA0
		case c == 0xED:
			v.need, v.hi = 2, 0x9F
		case c >= 0xE1 && c <= 0xEF:
			v.need = 2
		case c == 0xF0:
			v.need, v.lo = 3, 0x90
		case c >= 0xF1 && c <= 0xF3:
			v.need = 3
		case c == 0xF4:
			v.need, v.hi = 3, 0x8F
		default:
			v.bad = true
			v.total += i
			return false, false, i, v.total
		}
	}
	v.total += len(b)
	return true, v.need == 0, len(b), v.total
}

// ValidUTF8 reports whether b is complete, valid UTF-8.
func ValidUTF8(b []byte) bool {
	var v Utf8Validator
	v.Reset()
	ok, whole, _, _ := v.Validate(b)
	return ok && whole
}
