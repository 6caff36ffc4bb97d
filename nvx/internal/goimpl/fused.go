package goimpl

import (
	"encoding/binary"
	"math/bits"
	"unsafe"
)

// fuseBlock is how many bytes XorMaskValidate unmasks before validating
// them: small enough that the validator reads them back from L1 cache.
const fuseBlock = 2048

// XorMaskValidate unmasks b in place exactly as XorMask and feeds the
// unmasked bytes to v exactly as v.Validate, block by block so the bytes
// are still in cache when validated. All of b is unmasked even when an
// invalid byte is found. It returns the next key offset and v's result over
// the whole of b. When native is true and FusedHook is set, buffers
// from FusedASCIIMin bytes go to C in one fused call; those from FusedMin
// bytes are unmasked in Go while their leading ASCII is checked, and
// where that stops the rest goes to C in one fused call (fusedMid).
// Below FusedMin, Go unmasks b and v.Validate takes its native path.
func XorMaskValidate(b []byte, key [4]byte, pos int, v *Utf8Validator, native bool) (next int, valid, endsOnCodepoint bool, currentIndex, totalIndex int) {
	if native && FusedHook != nil && len(b) >= FusedMin {
		if len(b) >= FusedASCIIMin || v.state != stAccept {
			// Large, or in the middle of a code point (or after an
			// invalid byte): C does all of it.
			return FusedHook(b, key, pos, v)
		}
		return fusedMid(b, key, pos, v)
	}
	if len(b) <= fuseBlock {
		// One block: mask, then validate (Validate itself handles a
		// validator that is already invalid). The loop below costs more
		// than it saves at these sizes. Validate takes its own native
		// path: short text in a script other than Latin goes to C from
		// UTF8LeadMin bytes, unmasked here.
		pos = XorMask(b, key, pos, false)
		valid, endsOnCodepoint, currentIndex, totalIndex = v.Validate(b, native)
		return pos, valid, endsOnCodepoint, currentIndex, totalIndex
	}
	if v.state == stReject {
		return XorMask(b, key, pos, false), false, false, 0, int(v.total)
	}
	for off := 0; off < len(b); {
		end := min(off+fuseBlock, len(b))
		pos = XorMask(b[off:end], key, pos, false)
		if ok, _, ci, ti := v.Validate(b[off:end], false); !ok {
			return XorMask(b[end:], key, pos, false), false, false, off + ci, ti
		}
		off = end
	}
	return pos & 3, true, v.state == stAccept, len(b), int(v.total)
}

// maskedLooksASCII reports whether b, once unmasked with key from offset
// pos, looks ASCII, without unmasking it: it samples four words spread
// over b as looksASCII does (the first, the last, two between), each
// starting at a multiple of 4 so all take the same key stream. fusedMid
// asks it about the rest of a buffer past its first non-ASCII word, so
// only text that is not all ASCII pays its four loads; four words, not
// two, because accented Latin text that passes it is left to Go, which is
// 3-5x slower than C there (two words let a 192-byte French sample of
// the bench through).
func maskedLooksASCII(b []byte, key [4]byte, pos int) bool {
	n := len(b)
	if n < 16 {
		return false
	}
	k32 := bits.RotateLeft32(binary.LittleEndian.Uint32(key[:]), -8*(pos&3))
	k := uint64(k32) * (1<<32 + 1) // the key stream at every offset that is a multiple of 4
	le := binary.LittleEndian
	acc := (le.Uint64(b) ^ k) | (le.Uint64(b[(n>>2)&^3:]) ^ k) | (le.Uint64(b[(n>>1)&^3:]) ^ k) | (le.Uint64(b[(n-8)&^3:]) ^ k)
	return acc&hiBits == 0
}

// fusedMid is XorMaskValidate from FusedMin up to FusedASCIIMin bytes with
// v between code points. It unmasks the leading ASCII of b in Go, checking
// each word as it is unmasked (maskASCII): all-ASCII text is done in that
// one pass, with no sampling or call (what package purego does, in one
// pass over memory instead of two). Where the 64-byte block (or, near the
// end, the word) holding the first non-ASCII byte stops it, b[:i] is valid
// and ends on a code point, and b[i:] is still masked: the rest goes to C
// in one fused call from key offset pos+i, unless it is short
// (less than FusedMin/2, sooner done in Go than a cgo call returns) or a
// sample of it looks ASCII (English with the odd accent, where Go's ASCII
// loop is faster), in which case Go unmasks and validates it.
func fusedMid(b []byte, key [4]byte, pos int, v *Utf8Validator) (next int, valid, endsOnCodepoint bool, currentIndex, totalIndex int) {
	pos &= 3
	n := len(b)
	k32 := bits.RotateLeft32(binary.LittleEndian.Uint32(key[:]), -8*pos)
	i := maskASCII(b, uint64(k32)*(1<<32+1))
	if i == n {
		v.total += uint64(n)
		return (pos + n) & 3, true, true, n, int(v.total)
	}
	v.total += uint64(i) // b[:i] is ASCII: v stays between code points
	rest := b[i:]
	if len(rest) >= max(FusedMin/2, 24) && !maskedLooksASCII(rest[8:], key, pos+i+8) {
		next, valid, endsOnCodepoint, currentIndex, totalIndex = FusedHook(rest, key, pos+i, v)
	} else {
		next = XorMask(rest, key, pos+i, false)
		valid, endsOnCodepoint, currentIndex, totalIndex = v.Validate(rest, false)
	}
	if valid {
		return next, true, endsOnCodepoint, n, totalIndex
	}
	return next, false, false, i + currentIndex, totalIndex
}

// UnmaskASCII unmasks b in place from key offset pos for as long as it is
// ASCII once unmasked, in one pass, and returns how many bytes it unmasked
// (len(b) when all of it is ASCII; see maskASCII). It is what
// XorMaskValidate does with all-ASCII text between FusedMin and
// FusedASCIIMin, so package nvx times it against one fused C call to
// choose FusedASCIIMin.
func UnmaskASCII(b []byte, key [4]byte, pos int) int {
	k32 := bits.RotateLeft32(binary.LittleEndian.Uint32(key[:]), -8*(pos&3))
	return maskASCII(b, uint64(k32)*(1<<32+1))
}

// maskASCII XORs b with the key stream k (as XorMask) for as long as the
// unmasked bytes are ASCII, and returns how many it unmasked: len(b) when
// all of b is ASCII once unmasked, else an index i with b[i:] still masked
// and the first non-ASCII byte at i+71 at most: in the 64-byte block at i
// (blocks of aligned words, after the first 0-7 bytes), or in the word at
// i among the last few words, or in the first 8 bytes (i = 0).
//
// Words are unmasked in registers, checked, and stored only when ASCII:
// 64 bytes per step of 8-byte words aligned to 8 bytes (no store straddles
// a cache line), through unsafe pointers that never leave b, addressed as
// base plus constant. The unaligned first word is checked first and
// stored last, over the same values, as in maskAligned. It does in one
// pass over memory what XorMask and then the validator's ASCII loop do in
// two.
func maskASCII(b []byte, k uint64) int {
	n := len(b)
	if n < 16 {
		return maskASCIIShort(b, k)
	}
	le := binary.LittleEndian
	first := le.Uint64(b) ^ k
	if first&hiBits != 0 {
		return 0
	}
	base := unsafe.Pointer(unsafe.SliceData(b))
	head := int(-uintptr(base)) & 7 // bytes before the first aligned word
	var kb [8]byte
	le.PutUint64(kb[:], bits.RotateLeft64(k, -8*head))
	kn := binary.NativeEndian.Uint64(kb[:]) // key stream from b[head], in memory order
	words := (n - head) >> 3
	p := unsafe.Add(base, head)
	j := 0 // aligned words unmasked
	for ; j+8 <= words; j += 8 {
		w := (*[8]uint64)(unsafe.Add(p, j*8))
		w0, w1, w2, w3 := w[0]^kn, w[1]^kn, w[2]^kn, w[3]^kn
		w4, w5, w6, w7 := w[4]^kn, w[5]^kn, w[6]^kn, w[7]^kn
		if (w0|w1|w2|w3|w4|w5|w6|w7)&hiBits != 0 {
			// Stop at the block: C then starts at the caller's
			// alignment (plus head), not 8 to 56 bytes off it.
			words = j
			break
		}
		w[0], w[1], w[2], w[3] = w0, w1, w2, w3
		w[4], w[5], w[6], w[7] = w4, w5, w6, w7
	}
	for ; j < words; j++ {
		w := (*uint64)(unsafe.Add(p, j*8))
		x := *w ^ kn
		if x&hiBits != 0 {
			break
		}
		*w = x
	}
	if j == 0 {
		return 0 // nothing stored
	}
	le.PutUint64(b, first) // b[:head], and b[head:8] again
	i := head + j*8
	if j < words || i+8 <= n {
		return i // stopped at a non-ASCII word or block
	}
	return i + maskASCIIShort(b[i:], bits.RotateLeft64(k, -8*(i&3)))
}

// maskASCIIShort is maskASCII for short b: 8-byte words, then the last
// bytes one by one, checked before any of them is stored.
func maskASCIIShort(b []byte, k uint64) int {
	le := binary.LittleEndian
	n := len(b)
	p := b
	for len(p) >= 8 {
		w := (*[8]byte)(p)
		x := le.Uint64(w[:]) ^ k
		if x&hiBits != 0 {
			return n - len(p)
		}
		le.PutUint64(w[:], x)
		p = p[8:]
	}
	var acc byte
	for j, kj := 0, k; j < len(p); j, kj = j+1, kj>>8 {
		acc |= p[j] ^ byte(kj)
	}
	if acc >= 0x80 {
		return n - len(p)
	}
	for j := range p {
		p[j] ^= byte(k)
		k >>= 8
	}
	return n
}
