//go:build cgo && (!amd64 || windows)

package nvx

// directCall reports whether nativeXorMask calls C without the cgo
// transition: never on this platform (see package ccall).
var directCall = false

// nativeXorMask masks b with the C core through cgo.
func nativeXorMask(b []byte, key [4]byte, pos int) int { return cgoXorMask(b, key, pos) }
