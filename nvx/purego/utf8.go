package purego

import "github.com/autobahn-go/autobahn/nvx/internal/goimpl"

// Utf8Validator validates a UTF-8 stream incrementally, reporting
// Autobahn's (valid, endsOnCodepoint, currentIndex, totalIndex) tuple.
//
// Its zero value is the start state. Its state mirrors the C core's
// nvx_utf8_validator one for one (same fields, order, types and meaning), so
// package nvx can continue in C a stream begun in Go and back.
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
// prefix of valid UTF-8; totalIndex is that position counted over the whole
// stream. A code point split across calls, even into 1-byte calls, gives the
// result one call over the concatenation gives. Once invalid, every call
// returns (false, false, 0, totalIndex) until Reset.
func (v *Utf8Validator) Validate(b []byte) (valid, endsOnCodepoint bool, currentIndex, totalIndex int) {
	return v.g.Validate(b, false)
}

// ValidUTF8 reports whether b is complete, valid UTF-8 (as utf8.Valid does,
// but faster over leading ASCII).
func ValidUTF8(b []byte) bool { return goimpl.ValidUTF8(b, false) }
