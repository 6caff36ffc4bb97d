//go:build cgo && (!amd64 || windows)

package nvx

import "github.com/autobahn-go/autobahn/nvx/internal/goimpl"

// directCall reports whether nativeXorMask calls C without the cgo
// transition: never on this platform (see package ccall).
var directCall = false

// nativeXorMask masks b with the C core through cgo.
func nativeXorMask(b []byte, key [4]byte, pos int) int { return cgoXorMask(b, key, pos) }

// directUTF8Call reports whether the validation calls C without the cgo
// transition: never on this platform.
var directUTF8Call = false

// nativeValidUTF8, nativeValidate and nativeXorMaskValidate validate with
// the C core through cgo.
func nativeValidUTF8(b []byte) bool { return cgoValidUTF8(b) }

func nativeValidate(v *goimpl.Utf8Validator, b []byte) (bool, bool, int, int) {
	return cgoValidate(v, b)
}

func nativeXorMaskValidate(b []byte, key [4]byte, pos int, v *goimpl.Utf8Validator) (int, bool, bool, int, int) {
	return cgoXorMaskValidate(b, key, pos, v)
}
