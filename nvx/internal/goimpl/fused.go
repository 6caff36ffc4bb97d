package goimpl

import (
	"encoding/binary"
	"math/bits"
)

// fuseBlock is how many bytes XorMaskValidate unmasks before validating
// them: small enough that the validator reads them back from L1 cache.
const fuseBlock = 2048

// XorMaskValidate unmasks b in place exactly as XorMask and feeds the
// unmasked bytes to v exactly as v.Validate, block by block so the bytes
// are still in cache when validated. All of b is unmasked even when an
// invalid byte is found. It returns the next key offset and v's result over
// the whole of b. When native is true and FusedHook is set, buffers
// from FusedASCIIMin bytes go to C in one fused call, and so do those from
// FusedMin bytes whose unmasked sample does not look ASCII (Go's ASCII
// loop cannot win there, and one C pass beats unmasking in Go and
// validating in C); those that look ASCII are unmasked in Go and validated
// by Validate's choice.
func XorMaskValidate(b []byte, key [4]byte, pos int, v *Utf8Validator, native bool) (next int, valid, endsOnCodepoint bool, currentIndex, totalIndex int) {
	if native && FusedHook != nil && len(b) >= FusedMin {
		if len(b) >= FusedASCIIMin || !maskedLooksASCII(b, key, pos) {
			return FusedHook(b, key, pos, v)
		}
		// Mid sizes of text that looks ASCII: unmask in Go, then let
		// Validate choose C or Go from the plain bytes (Go's ASCII loop
		// wins at these sizes, and Validate finds where the ASCII ends).
		pos = XorMask(b, key, pos, false)
		valid, endsOnCodepoint, currentIndex, totalIndex = v.Validate(b, true)
		return pos, valid, endsOnCodepoint, currentIndex, totalIndex
	}
	if len(b) <= fuseBlock {
		// One block: mask, then validate (Validate itself handles a
		// validator that is already invalid). The loop below costs more
		// than it saves at these sizes.
		pos = XorMask(b, key, pos, false)
		valid, endsOnCodepoint, currentIndex, totalIndex = v.Validate(b, false)
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
// pos, looks ASCII, without unmasking it: it samples the first word and
// the last one that starts at a multiple of 4 (so both take the same key
// stream). That is a coarser sample than looksASCII's four words, because
// it runs before every mid-size fused call, including on the all-ASCII
// text where it must cost next to nothing: two loads, inlined. Text that
// passes it is unmasked in Go and still validated as Validate chooses.
func maskedLooksASCII(b []byte, key [4]byte, pos int) bool {
	n := len(b)
	if n < 16 {
		return false
	}
	k32 := bits.RotateLeft32(binary.LittleEndian.Uint32(key[:]), -8*(pos&3))
	k := uint64(k32) * (1<<32 + 1) // the key stream at every offset that is a multiple of 4
	return ((binary.LittleEndian.Uint64(b)^k)|(binary.LittleEndian.Uint64(b[(n-8)&^3:])^k))&hiBits == 0
}
