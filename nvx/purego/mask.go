package purego

import "github.com/autobahn-go/autobahn/nvx/internal/goimpl"

// XorMask XORs b in place with key, starting at key offset pos (0..3, taken
// modulo 4), and returns the offset for the next byte: (pos+len(b)) % 4.
//
// It works a 64-bit word at a time with the key rotated by pos, so the
// words need no alignment and the key no per-byte bookkeeping.
func XorMask(b []byte, key [4]byte, pos int) int { return goimpl.XorMask(b, key, pos, false) }
