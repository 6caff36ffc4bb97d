package nvx

import "encoding/binary"

// looksASCII samples eight 8-byte words spread evenly over b, first and
// last included, and reports whether all 64 sampled bytes are ASCII. Text
// with accents or CJK almost never passes (a French or German text is about
// one byte in twelve non-ASCII, so 64 ASCII bytes in a row are rare);
// English text and JSON usually do. It costs a few nanoseconds.
func looksASCII(b []byte) bool {
	n := len(b)
	if n < 8 {
		return false
	}
	var acc uint64
	for i := 0; i < 8; i++ {
		acc |= binary.LittleEndian.Uint64(b[i*(n-8)/7:])
	}
	return acc&0x8080808080808080 == 0
}

// utf8Native reports whether validating b pays off in C: from
// UTF8Threshold bytes on, except that text that looks ASCII stays in Go up
// to UTF8ASCIIThreshold, because the standard library's ASCII path (which
// purego uses) is as fast as the C core there once the cgo call is paid.
func utf8Native(b []byte) bool {
	return useNVX && len(b) >= UTF8Threshold && (len(b) >= UTF8ASCIIThreshold || !looksASCII(b))
}

// fusedNative is utf8Native for XorMaskValidate. The bytes are still
// masked when it looks at them, so it samples them after XOR with the key
// (the ASCII bit of each byte only depends on the key's top bits).
func fusedNative(b []byte, key [4]byte, pos int) bool {
	if !useNVX || len(b) < FusedThreshold {
		return false
	}
	if len(b) >= FusedASCIIThreshold {
		return true
	}
	return !looksASCIIMasked(b, key, pos)
}

// looksASCIIMasked is looksASCII of b unmasked with key from offset pos,
// without changing b.
func looksASCIIMasked(b []byte, key [4]byte, pos int) bool {
	n := len(b)
	if n < 8 {
		return false
	}
	// Only the top bit of each byte matters: the key's top bits, as a
	// little-endian word rotated so byte j carries key[(pos+j)%4].
	var k [8]byte
	var acc uint64
	for i := 0; i < 8; i++ {
		off := i * (n - 8) / 7
		for j := range k {
			k[j] = key[(pos+off+j)&3]
		}
		acc |= binary.LittleEndian.Uint64(b[off:]) ^ binary.LittleEndian.Uint64(k[:])
	}
	return acc&0x8080808080808080 == 0
}
