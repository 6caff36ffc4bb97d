package goimpl

import (
	"encoding/binary"
	"unicode/utf8"
)

// States of the UTF-8 automaton: a Hoehrmann-style DFA numbered exactly as
// the C core's (csrc/utf8_scalar.c), so either side can continue a stream
// the other began. The nvx tests check the two agree field by field.
const (
	stAccept = 0 // between code points (NVX_UTF8_ACCEPT)
	stReject = 1 // an invalid byte was seen; sticky until Reset (NVX_UTF8_REJECT)
	stCont1  = 2 // one continuation byte 80..BF to go
	stCont2  = 3 // two continuation bytes to go
	stE0     = 4 // after E0: A0..BF, then one more
	stED     = 5 // after ED: 80..9F (no surrogates), then one more
	stCont3  = 6 // after F1..F3: three continuation bytes to go
	stF0     = 7 // after F0: 90..BF (no overlongs), then two more
	stF4     = 8 // after F4: 80..8F (at most U+10FFFF), then two more
	nStates  = 9
)

// dfa[s][c] is the state after byte c in state s.
var dfa = buildDFA()

func buildDFA() (t [nStates][256]uint8) {
	for s := range t {
		for c := range t[s] {
			t[s][c] = stReject
		}
	}
	set := func(s int, lo, hi int, to uint8) {
		for c := lo; c <= hi; c++ {
			t[s][c] = to
		}
	}
	set(stAccept, 0x00, 0x7F, stAccept)
	set(stAccept, 0xC2, 0xDF, stCont1)
	set(stAccept, 0xE0, 0xE0, stE0)
	set(stAccept, 0xE1, 0xEC, stCont2)
	set(stAccept, 0xED, 0xED, stED)
	set(stAccept, 0xEE, 0xEF, stCont2)
	set(stAccept, 0xF0, 0xF0, stF0)
	set(stAccept, 0xF1, 0xF3, stCont3)
	set(stAccept, 0xF4, 0xF4, stF4)
	set(stCont1, 0x80, 0xBF, stAccept)
	set(stCont2, 0x80, 0xBF, stCont1)
	set(stE0, 0xA0, 0xBF, stCont1)
	set(stED, 0x80, 0x9F, stCont1)
	set(stF0, 0x90, 0xBF, stCont2)
	set(stCont3, 0x80, 0xBF, stCont2)
	set(stF4, 0x80, 0x8F, stCont2)
	return t
}

// lead describes a byte as the first byte of a multi-byte sequence: the
// sequence length in the low bits (0: cannot start one) and, in the high
// nibble, the index in seconds of the range its second byte must fall in.
var lead = buildLead()

// seconds are the ranges allowed for the second byte of a sequence.
var seconds = [5]struct{ lo, hi byte }{
	{0x80, 0xBF}, // C2..DF, E1..EC, EE..EF, F1..F3
	{0xA0, 0xBF}, // E0
	{0x80, 0x9F}, // ED
	{0x90, 0xBF}, // F0
	{0x80, 0x8F}, // F4
}

func buildLead() (t [256]uint8) {
	for c := 0xC2; c <= 0xDF; c++ {
		t[c] = 2
	}
	for c := 0xE1; c <= 0xEF; c++ {
		t[c] = 3
	}
	t[0xE0] = 3 | 1<<4
	t[0xED] = 3 | 2<<4
	t[0xF0] = 4 | 3<<4
	for c := 0xF1; c <= 0xF3; c++ {
		t[c] = 4
	}
	t[0xF4] = 4 | 4<<4
	return t
}

const asciiMask = 0x8080808080808080

// scan validates b[i:] from the start of a code point. It returns the final
// state, the index of the first invalid byte (or -1), and the index where
// the trailing partial code point starts (meaningful when the final state
// is neither stAccept nor stReject).
//
// Whole sequences are checked at once (ASCII eight bytes at a time), and the
// first byte that cannot continue a valid prefix is exactly the byte at
// which the DFA would reject; only a sequence cut by the end of b goes
// through the DFA, so the result equals Hoehrmann's byte-at-a-time DFA.
func scan(b []byte, i int) (st uint32, bad, part int) {
	n := len(b)
	for i < n {
		if n-i >= 16 {
			w0 := binary.LittleEndian.Uint64(b[i:])
			w1 := binary.LittleEndian.Uint64(b[i+8:])
			if (w0|w1)&asciiMask == 0 {
				i += 16
				continue
			}
			if w0&asciiMask == 0 {
				i += 8
			}
		} else if n-i >= 8 && binary.LittleEndian.Uint64(b[i:])&asciiMask == 0 {
			i += 8
			continue
		}
		c := b[i]
		if c < 0x80 {
			i++
			continue
		}
		x := lead[c]
		size := int(x & 7)
		if size == 0 {
			return stReject, i, 0
		}
		if n-i < size {
			break
		}
		r := seconds[x>>4]
		if c1 := b[i+1]; c1 < r.lo || c1 > r.hi {
			return stReject, i + 1, 0
		}
		if size == 2 {
			i += 2
			continue
		}
		if b[i+2]&0xC0 != 0x80 {
			return stReject, i + 2, 0
		}
		if size == 3 {
			i += 3
			continue
		}
		if b[i+3]&0xC0 != 0x80 {
			return stReject, i + 3, 0
		}
		i += 4
	}
	// At most one code point cut short by the end of b is left.
	part = i
	st = stAccept
	for ; i < n; i++ {
		st = uint32(dfa[st][b[i]])
		if st == stReject {
			return stReject, i, 0
		}
	}
	return st, -1, part
}

// Utf8Validator validates a UTF-8 stream incrementally, reporting
// Autobahn's (valid, endsOnCodepoint, currentIndex, totalIndex) tuple.
//
// Its zero value is the start state. Its fields mirror the C core's
// nvx_utf8_validator one for one (same order, types and meaning), so
// the C core may be handed a pointer to it to the C core.
type Utf8Validator struct {
	state   uint32 // DFA state: stAccept, stReject, or inside a code point
	pending uint32 // bytes of the current partial code point seen (0..3)
	total   uint64 // bytes consumed since Reset; after an invalid byte, its position
}

// Reset returns the validator to its start state, ready for a new message.
func (v *Utf8Validator) Reset() { *v = Utf8Validator{} }

// Validate feeds the next chunk b of the stream. valid reports that no
// invalid byte has been seen since Reset; endsOnCodepoint that the input so
// far ends on a whole code point; currentIndex is len(b) when valid, else
// the index in b of the first byte at which the stream stopped being a
// prefix of valid UTF-8; totalIndex is that position counted over the whole
// stream. A code point split across calls, even into 1-byte calls, gives the
// result one call over the concatenation gives. Once invalid, every call
// returns (false, false, 0, totalIndex) until Reset.
//
// When native is true and ValidateHook is set, chunks of UTF8ASCIIMin
// bytes or more go to C whole; from UTF8Min bytes (from UTF8LeadMin
// bytes, when that is less) a chunk that opens with a word that is not
// all ASCII goes to C whole unless the rest looks ASCII (leadFrom);
// otherwise, from UTF8Min bytes, the part after the leading ASCII words
// goes to C when it does not look like ASCII (nativeFrom).
func (v *Utf8Validator) Validate(b []byte, native bool) (valid, endsOnCodepoint bool, currentIndex, totalIndex int) {
	native = native && ValidateHook != nil
	if native && len(b) >= UTF8ASCIIMin {
		return ValidateHook(v, b)
	}
	st := v.state
	if st == stReject {
		return false, false, 0, int(v.total)
	}
	i := 0
	if st != stAccept {
		// Finish the code point begun in an earlier call.
		for i < len(b) {
			st = uint32(dfa[st&15][b[i]])
			i++
			if st == stReject {
				return v.fail(i - 1)
			}
			if st == stAccept {
				break
			}
		}
		if st != stAccept {
			v.state = st
			v.pending += uint32(len(b))
			v.total += uint64(len(b))
			return true, false, len(b), int(v.total)
		}
	}
	start := i // b[start:] begins on a code point
	i += asciiWords(b[i:])
	if native {
		// Where C takes over (see leadFrom): written out here, as it is
		// too large to inline and ASCII text must pay no call for it.
		from := -1
		if i == start {
			if len(b)-start >= min(UTF8LeadMin, UTF8Min) {
				from = leadFrom(b, start)
			}
		} else if len(b) >= UTF8Min {
			from = nativeFrom(b, start, i)
		}
		if from >= 0 {
			// b[:from] is valid and ends on a code point: count it, and
			// let C go on from the same state.
			v.state, v.pending, v.total = stAccept, 0, v.total+uint64(from)
			valid, endsOnCodepoint, currentIndex, totalIndex = ValidateHook(v, b[from:])
			if valid {
				return true, endsOnCodepoint, len(b), totalIndex
			}
			return false, false, from + currentIndex, totalIndex
		}
	}
	st, bad, part := bulk(b, i)
	if bad >= 0 {
		return v.fail(bad)
	}
	v.state = st
	v.pending = 0
	if st != stAccept {
		v.pending = uint32(len(b) - part)
	}
	v.total += uint64(len(b))
	return true, st == stAccept, len(b), int(v.total)
}

// bulk is scan(b, i) made fast for valid input, the common case: the
// standard library's validator (much faster than a byte loop) checks all
// whole code points, and only the last, possibly partial, one goes through
// the DFA. When the bulk is invalid, scan finds the exact index.
func bulk(b []byte, i int) (st uint32, bad, part int) {
	n := len(b)
	k := n // b[i:k] is expected to hold whole code points only
	for j := n - 1; j >= i && j >= n-3; j-- {
		if c := b[j]; c&0xC0 != 0x80 {
			if c >= 0xC0 {
				k = j // a lead byte near the end: its sequence may be cut
			}
			break
		}
	}
	if !utf8.Valid(b[i:k]) {
		return scan(b, i)
	}
	st = stAccept
	for j := k; j < n; j++ {
		st = uint32(dfa[st][b[j]])
		if st == stReject {
			return stReject, j, 0
		}
	}
	return st, -1, k
}

// fail records an invalid byte at index i of the current chunk.
func (v *Utf8Validator) fail(i int) (bool, bool, int, int) {
	v.state = stReject
	v.pending = 0
	v.total += uint64(i)
	return false, false, i, int(v.total)
}

// ValidUTF8 reports whether b is complete, valid UTF-8 (as utf8.Valid does,
// after a faster pass over its leading ASCII words). When native is true
// and ValidHook is set, it splits the work as Validate does.
func ValidUTF8(b []byte, native bool) bool {
	native = native && ValidHook != nil
	if native && len(b) >= UTF8ASCIIMin {
		return ValidHook(b)
	}
	a := asciiWords(b)
	if native {
		from := -1 // where C takes over, as in Validate
		if a == 0 {
			if len(b) >= min(UTF8LeadMin, UTF8Min) {
				from = leadFrom(b, 0)
			}
		} else if len(b) >= UTF8Min {
			from = nativeFrom(b, 0, a)
		}
		if from >= 0 {
			return ValidHook(b[from:])
		}
	}
	return utf8.Valid(b[a:])
}
