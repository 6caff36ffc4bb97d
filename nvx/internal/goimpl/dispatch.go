package goimpl

import (
	"encoding/binary"
)

// looksASCII samples four 8-byte words spread over b (the first, the
// last, and two between) and reports whether all 32 sampled bytes are
// ASCII. Text with accents or CJK rarely passes (French or German text is
// about one byte in twelve non-ASCII, so 32 sampled ASCII bytes happen for
// a few percent of chunks, which then merely miss the native speed-up);
// English text and JSON usually do. It costs a few nanoseconds.
func looksASCII(b []byte) bool {
	n := len(b)
	if n < 16 {
		return false
	}
	le := binary.LittleEndian
	acc := le.Uint64(b) | le.Uint64(b[n>>2:]) | le.Uint64(b[n>>1:]) | le.Uint64(b[n-8:])
	return acc&0x8080808080808080 == 0
}

// utf8Native reports whether validating b pays off in C: from
// UTF8Min bytes on, except that text that looks ASCII stays in Go up
// to UTF8ASCIIMin, because the standard library's ASCII path (which
// purego uses) is as fast as the C core there once the cgo call is paid.
func utf8Native(b []byte) bool {
	return len(b) >= UTF8Min && (len(b) >= UTF8ASCIIMin || !looksASCII(b))
}
