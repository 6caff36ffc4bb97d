package purego

import "github.com/autobahn-go/autobahn/nvx/internal/goimpl"

// XorMaskValidate unmasks b in place exactly as XorMask and feeds the
// unmasked bytes to v exactly as v.Validate, block by block so the bytes
// are still in cache when validated. All of b is unmasked even when an
// invalid byte is found. It returns the next key offset and v's result over
// the whole of b.
func XorMaskValidate(b []byte, key [4]byte, pos int, v *Utf8Validator) (next int, valid, endsOnCodepoint bool, currentIndex, totalIndex int) {
	return goimpl.XorMaskValidate(b, key, pos, &v.g, false)
}
