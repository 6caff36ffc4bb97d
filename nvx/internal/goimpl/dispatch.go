package goimpl

import (
	"encoding/binary"
	"math/bits"
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

// fusedNative is utf8Native for XorMaskValidate. The bytes are still
// masked when it looks at them, so it samples them after XOR with the key
// (the ASCII bit of each byte only depends on the key's top bits).
func fusedNative(b []byte, key [4]byte, pos int) bool {
	if len(b) < FusedMin {
		return false
	}
	if len(b) >= FusedASCIIMin {
		return true
	}
	return !looksASCIIMasked(b, key, pos)
}

// looksASCIIMasked is looksASCII of b unmasked with key from offset pos,
// without changing b.
func looksASCIIMasked(b []byte, key [4]byte, pos int) bool {
	n := len(b)
	if n < 16 {
		return false
	}
	// Little-endian key word whose byte j is key[(pos+j)%4]; for the word
	// at offset off it is rotated by off%4 bytes.
	k32 := bits.RotateLeft32(binary.LittleEndian.Uint32(key[:]), -8*(pos&3))
	k := uint64(k32) | uint64(k32)<<32
	word := func(off int) uint64 {
		return binary.LittleEndian.Uint64(b[off:]) ^ bits.RotateLeft64(k, -8*(off&3))
	}
	acc := word(0) | word(n>>2) | word(n>>1) | word(n-8)
	return acc&0x8080808080808080 == 0
}
