package goimpl

import (
	"encoding/binary"
	"math/bits"
	"unsafe"
)

// maskAlignMin is the shortest buffer XorMask masks with aligned words
// (maskAligned); shorter ones take the plain word loop (maskWords). Below
// about 1 KiB the aligned path's set-up costs more than it saves, and its
// overlapping first and last words can stall store forwarding when the
// same small buffer is masked again right away (measured on the Intel
// Xeon, Emerald Rapids, of the session that wrote this: 512 B misaligned
// is 10% slower aligned, 1 KiB is 10% faster, 16 KiB 1.55x).
const maskAlignMin = 1 << 10

// MaskFloor is the smallest MaskMin that has an effect: XorMask does not
// look at native, MaskMin or MaskHook for shorter buffers. Its one test
// for them, against a constant, replaces the test of native that purego's
// calls made first, so a buffer below the floor costs exactly the same
// through nvx as through purego (testing native, then loading and
// comparing MaskMin, made nvx about 0.35 ns, one cycle, slower at every
// size below the threshold on the Intel Xeon of the session that wrote
// this: 3-5% at 64-256 B).
const MaskFloor = 512

// XorMask XORs b in place with key, starting at key offset pos (0..3, taken
// modulo 4), and returns the offset for the next byte: (pos+len(b)) % 4.
// When native is true and b has at least MaskMin bytes (and at least
// MaskFloor), MaskHook (if set) does the work.
//
// It works a 64-bit word at a time with the key rotated by pos, so the key
// needs no per-byte bookkeeping. Every word is one read-modify-write XOR
// through a base register and a constant offset, never a base plus an
// index: on Intel cores an indexed read-modify-write is split into more
// micro-ops than the front end can feed at two stores a cycle (the former
// loop, b[i:] views, ran at 13-18 GB/s on the Intel Xeon against 44 GB/s
// on AMD Zen 4, which does not split it). From maskAlignMin bytes on, the
// words are also aligned so that no store straddles two cache lines
// (unaligned, one 8-byte store in eight does, which costs Intel cores
// another third). Both changes keep the loop that made Zen 4 fast (eight
// 8-byte XORs per 64 bytes, two stores a cycle) and only remove work, so
// they cannot make it slower there.
func XorMask(b []byte, key [4]byte, pos int, native bool) int {
	n := len(b)
	if n >= MaskFloor && native && n >= MaskMin && MaskHook != nil {
		return MaskHook(b, key, pos)
	}
	pos &= 3
	if n == 0 {
		return pos
	}
	// Little-endian word whose byte j is key[(pos+j)%4].
	k32 := bits.RotateLeft32(binary.LittleEndian.Uint32(key[:]), -8*pos)
	k := uint64(k32) | uint64(k32)<<32
	if n >= maskAlignMin {
		maskAligned(b, k)
	} else {
		maskWords(b, k)
	}
	return (pos + n) & 3
}

// maskWords XORs p with the key stream k (a little-endian word whose byte
// j masks p[j], p[j+8], ...). The main loop takes 64 bytes through a
// fixed-size array view of a slice that advances, so each XOR addresses
// memory as base plus constant.
func maskWords(p []byte, k uint64) {
	le := binary.LittleEndian
	for len(p) >= 64 {
		w := (*[64]byte)(p)
		le.PutUint64(w[0:], le.Uint64(w[0:])^k)
		le.PutUint64(w[8:], le.Uint64(w[8:])^k)
		le.PutUint64(w[16:], le.Uint64(w[16:])^k)
		le.PutUint64(w[24:], le.Uint64(w[24:])^k)
		le.PutUint64(w[32:], le.Uint64(w[32:])^k)
		le.PutUint64(w[40:], le.Uint64(w[40:])^k)
		le.PutUint64(w[48:], le.Uint64(w[48:])^k)
		le.PutUint64(w[56:], le.Uint64(w[56:])^k)
		p = p[64:]
	}
	for len(p) >= 8 {
		w := (*[8]byte)(p)
		le.PutUint64(w[:], le.Uint64(w[:])^k)
		p = p[8:]
	}
	for i := range p {
		p[i] ^= byte(k)
		k >>= 8
	}
}

// maskAligned is maskWords for len(b) >= 16 with every word aligned to 8
// bytes. The unaligned first and last 8 bytes are masked from copies
// taken before the loop and stored after it, over whatever the aligned
// words wrote there (the same values), so no byte is XORed twice and no
// store straddles a cache line. The aligned words are read as native
// uint64s, through unsafe pointers that never leave b: aligned, so this
// is safe on every architecture, and addressed as base plus constant in
// 128-byte steps.
func maskAligned(b []byte, k uint64) {
	le := binary.LittleEndian
	n := len(b)
	first := le.Uint64(b) ^ k
	last := le.Uint64(b[n-8:]) ^ bits.RotateLeft64(k, -8*(n&3)) // b[n-8] takes key byte (n-8)%4 == n%4
	base := unsafe.Pointer(unsafe.SliceData(b))
	head := int(-uintptr(base)) & 7 // bytes before the first aligned word
	var kb [8]byte
	le.PutUint64(kb[:], bits.RotateLeft64(k, -8*head))
	kn := binary.NativeEndian.Uint64(kb[:]) // key stream from b[head], in memory order
	words := (n - head) >> 3
	if blocks := words >> 4; blocks > 0 {
		p := unsafe.Add(base, head)
		for {
			w := (*[16]uint64)(p)
			w[0] ^= kn
			w[1] ^= kn
			w[2] ^= kn
			w[3] ^= kn
			w[4] ^= kn
			w[5] ^= kn
			w[6] ^= kn
			w[7] ^= kn
			w[8] ^= kn
			w[9] ^= kn
			w[10] ^= kn
			w[11] ^= kn
			w[12] ^= kn
			w[13] ^= kn
			w[14] ^= kn
			w[15] ^= kn
			if blocks--; blocks == 0 {
				break // p never moves past b's last block
			}
			p = unsafe.Add(p, 128)
		}
	}
	if r := words & 15; r != 0 {
		w := unsafe.Slice((*uint64)(unsafe.Add(base, head+(words&^15)*8)), r)
		for i := range w {
			w[i] ^= kn
		}
	}
	le.PutUint64(b, first)
	le.PutUint64(b[n-8:], last)
}
