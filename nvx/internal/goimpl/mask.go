package goimpl

import (
	"encoding/binary"
	"math/bits"
)

// XorMask XORs b in place with key, starting at key offset pos (0..3, taken
// modulo 4), and returns the offset for the next byte: (pos+len(b)) % 4.
// When native is true and b has at least MaskMin bytes, MaskHook (if set)
// does the work.
//
// It works a 64-bit word at a time with the key rotated by pos, so the
// words need no alignment and the key no per-byte bookkeeping. The main
// loop takes 64 bytes through a fixed-size array view, which leaves the
// compiler one bounds check per block and eight read-modify-write XORs:
// about 1.3x the speed of the former 32-byte loop with per-word slicing
// at 1-16 KiB and 1.8x at 64 B (go test -bench on the project machine).
func XorMask(b []byte, key [4]byte, pos int, native bool) int {
	n := len(b)
	if native && n >= MaskMin && MaskHook != nil {
		return MaskHook(b, key, pos)
	}
	pos &= 3
	if n == 0 {
		return pos
	}
	// Little-endian word whose byte j is key[(pos+j)%4].
	k32 := bits.RotateLeft32(binary.LittleEndian.Uint32(key[:]), -8*pos)
	k := uint64(k32) | uint64(k32)<<32
	i := 0
	for ; i+64 <= n; i += 64 {
		w := (*[64]byte)(b[i:])
		binary.LittleEndian.PutUint64(w[0:], binary.LittleEndian.Uint64(w[0:])^k)
		binary.LittleEndian.PutUint64(w[8:], binary.LittleEndian.Uint64(w[8:])^k)
		binary.LittleEndian.PutUint64(w[16:], binary.LittleEndian.Uint64(w[16:])^k)
		binary.LittleEndian.PutUint64(w[24:], binary.LittleEndian.Uint64(w[24:])^k)
		binary.LittleEndian.PutUint64(w[32:], binary.LittleEndian.Uint64(w[32:])^k)
		binary.LittleEndian.PutUint64(w[40:], binary.LittleEndian.Uint64(w[40:])^k)
		binary.LittleEndian.PutUint64(w[48:], binary.LittleEndian.Uint64(w[48:])^k)
		binary.LittleEndian.PutUint64(w[56:], binary.LittleEndian.Uint64(w[56:])^k)
	}
	for ; i+8 <= n; i += 8 {
		w := (*[8]byte)(b[i:])
		binary.LittleEndian.PutUint64(w[:], binary.LittleEndian.Uint64(w[:])^k)
	}
	// i is a multiple of 8 here, so b[i] takes key byte pos again.
	for ; i < n; i++ {
		b[i] ^= byte(k)
		k >>= 8
	}
	return (pos + n) & 3
}
