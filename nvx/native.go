package nvx

// The Native functions always call the C core when HasNVX, whatever the
// size and whatever AUTOBAHN_USE_NVX says; without cgo they run the pure-Go
// code. They exist so benchmarks can show the raw cost of a cgo call next
// to the thresholded API; programs should call the ordinary functions.

// NativeXorMask is XorMask without the size threshold.
func NativeXorMask(b []byte, key [4]byte, pos int) int { return nativeXorMask(b, key, pos) }

// NativeValidUTF8 is ValidUTF8 without the size threshold.
func NativeValidUTF8(b []byte) bool { return nativeValidUTF8(b) }

// NativeValidate is v.Validate without the size threshold.
func (v *Utf8Validator) NativeValidate(b []byte) (valid, endsOnCodepoint bool, currentIndex, totalIndex int) {
	return nativeValidate(&v.g, b)
}

// NativeXorMaskValidate is XorMaskValidate without the size threshold.
func NativeXorMaskValidate(b []byte, key [4]byte, pos int, v *Utf8Validator) (next int, valid, endsOnCodepoint bool, currentIndex, totalIndex int) {
	return nativeXorMaskValidate(b, key, pos, &v.g)
}
