// Package ref holds slow, obviously correct reference implementations of
// the nvx functions and the table of UTF-8 edge cases, shared by the tests
// of nvx and nvx/purego. It is independent of both: the UTF-8 reference is
// built on unicode/utf8 and the set of all prefixes of valid encodings.
package ref

import (
	"sync"
	"unicode/utf8"
)

// XorMask XORs b with key from offset pos one byte at a time and returns
// the next offset.
func XorMask(b []byte, key [4]byte, pos int) int {
	pos &= 3
	for i := range b {
		b[i] ^= key[pos]
		pos = (pos + 1) & 3
	}
	return pos
}

var (
	prefixOnce sync.Once
	prefixes   map[string]bool
)

// isPrefix reports whether p (1..3 bytes) begins the encoding of some
// Unicode scalar value.
func isPrefix(p []byte) bool {
	prefixOnce.Do(func() {
		prefixes = make(map[string]bool, 1<<17)
		var buf [4]byte
		for r := rune(0x80); r <= utf8.MaxRune; r++ {
			if r >= 0xD800 && r <= 0xDFFF {
				continue
			}
			n := utf8.EncodeRune(buf[:], r)
			for m := 1; m < n; m++ {
				prefixes[string(buf[:m])] = true
			}
		}
	})
	return prefixes[string(p)]
}

// Validate is the one-shot reference of Autobahn's validator: valid and
// endsOnCodepoint as Autobahn reports them, and currentIndex: len(b) when
// valid, else the index of the first byte at which b stops being a prefix
// of valid UTF-8.
func Validate(b []byte) (valid, endsOnCodepoint bool, currentIndex int) {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || size > 1 {
			i += size
			continue
		}
		m := 0 // length of the longest valid prefix at i (0..3)
		for m < 3 && i+m < len(b) && isPrefix(b[i:i+m+1]) {
			m++
		}
		if i+m == len(b) {
			return true, false, len(b)
		}
		return false, false, i + m
	}
	return true, true, len(b)
}

// Case is one UTF-8 edge case with Autobahn's expected one-shot result.
type Case struct {
	Name  string
	In    string
	Valid bool
	Ends  bool
	Index int // currentIndex
}

// Cases lists every kind of valid and invalid sequence with its expected
// result, written out by hand (not computed by any implementation).
var Cases = []Case{
	{"empty", "", true, true, 0},
	{"ascii", "hello", true, true, 5},
	{"nul", "\x00", true, true, 1},
	{"2-byte", "\xC3\xA9", true, true, 2},
	{"3-byte", "\xE2\x82\xAC", true, true, 3},
	{"4-byte", "\xF0\x9F\x98\x80", true, true, 4},
	{"max U+10FFFF", "\xF4\x8F\xBF\xBF", true, true, 4},
	{"U+D7FF", "\xED\x9F\xBF", true, true, 3},
	{"U+E000", "\xEE\x80\x80", true, true, 3},
	{"U+FFFD", "\xEF\xBF\xBD", true, true, 3},
	{"U+FFFF", "\xEF\xBF\xBF", true, true, 3},
	{"U+0800", "\xE0\xA0\x80", true, true, 3},
	{"U+10000", "\xF0\x90\x80\x80", true, true, 4},
	{"truncated 2", "a\xC3", true, false, 2},
	{"truncated 3 of 1", "\xE2", true, false, 1},
	{"truncated 3 of 2", "\xE2\x82", true, false, 2},
	{"truncated 4 of 3", "\xF0\x9F\x98", true, false, 3},
	{"lone continuation", "\x80", false, false, 0},
	{"continuation after ascii", "ab\xBF", false, false, 2},
	{"C0 overlong lead", "\xC0\x80", false, false, 0},
	{"C1 overlong lead", "\xC1\xBF", false, false, 0},
	{"F5 lead", "\xF5", false, false, 0},
	{"F8 lead", "\xF8\x88\x80\x80\x80", false, false, 0},
	{"FE", "\xFE", false, false, 0},
	{"FF", "a\xFF", false, false, 1},
	{"2-byte bad second", "\xC3A", false, false, 1},
	{"2-byte second C0", "\xC3\xC0", false, false, 1},
	{"E0 overlong", "\xE0\x80", false, false, 1},
	{"E0 overlong 9F", "\xE0\x9F\xBF", false, false, 1},
	{"surrogate D800", "\xED\xA0\x80", false, false, 1},
	{"surrogate DFFF", "\xED\xBF\xBF", false, false, 1},
	{"3-byte bad third", "\xE2\x82A", false, false, 2},
	{"3-byte bad third late", "xyz\xE2\x82\xC0", false, false, 5},
	{"F0 overlong", "\xF0\x8F\xBF\xBF", false, false, 1},
	{"F4 above max", "\xF4\x90\x80\x80", false, false, 1},
	{"4-byte bad third", "\xF0\x9F\x41\x80", false, false, 2},
	{"4-byte bad fourth", "\xF0\x9F\x98\x41", false, false, 3},
	{"4-byte fourth is lead", "\xF1\x80\x80\xF1", false, false, 3},
	{"valid then invalid", "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5\xED\xA0\x80edited", false, false, 12},
	{"long ascii then bad", "0123456789abcdef0123456789abcdef\xFF", false, false, 32},
	{"long ascii then truncated", "0123456789abcdef0123456789abcdef\xF0\x9F", true, false, 34},
}
