//go:build amd64 && !windows

package ccall

// Supported reports that this platform has the direct call (amd64 with the
// System V calling convention).
const Supported = true

// StackBytes is the stack XorMask reserves in its own frame for the C
// function, besides the runtime's stack guard below it (see the package
// documentation).
const StackBytes = 512

// XorMask calls the C function at fn, of C type
// size_t (*)(uint8_t *buf, size_t len, const uint8_t key[4], size_t pos),
// with (buf, n, &key[0], pos) and returns its result. fn must be a leaf C
// function that honours the limits of the package documentation; buf must
// point at n writable bytes.
//
//go:noescape
func XorMask(fn uintptr, buf *byte, n int, key *[4]byte, pos int) int
