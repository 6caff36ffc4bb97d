package goimpl

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/autobahn-go/autobahn/nvx/internal/ref"
)

// The aligned path (maskAligned) at every alignment and key offset, for
// lengths that end on and just off each of its steps (the first and last
// words, whole 128-byte blocks, leftover words), inside guard bytes that
// must stay untouched. Shorter lengths are covered in package purego.
func TestXorMaskAlignedPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	key := [4]byte{0x9D, 0x21, 0x6B, 0xE4}
	var lengths []int
	for n := maskAlignMin - 9; n <= maskAlignMin+140; n++ {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 2047, 2048, 4096+13, 16<<10, 16<<10+7, 64<<10+129)
	const guard = 16
	for _, n := range lengths {
		for align := 0; align < 8; align++ {
			for pos := 0; pos < 4; pos++ {
				buf := make([]byte, guard+align+n+guard)
				for i := range buf {
					buf[i] = byte(rng.Uint32())
				}
				want := bytes.Clone(buf)
				wantNext := ref.XorMask(want[guard+align:guard+align+n], key, pos)
				next := XorMask(buf[guard+align:guard+align+n], key, pos, false)
				require.Equal(t, wantNext, next, "n=%d pos=%d", n, pos)
				require.Equal(t, want, buf, "n=%d pos=%d align=%d", n, pos, align)
			}
		}
	}
}

// Masking twice restores the input, and a buffer split anywhere masks as
// one piece when the returned offset is carried on.
func TestXorMaskSplitAnywhere(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	key := [4]byte{1, 0x80, 0x7F, 0xFF}
	plain := make([]byte, 3*maskAlignMin+77)
	for i := range plain {
		plain[i] = byte(rng.Uint32())
	}
	whole := bytes.Clone(plain)
	XorMask(whole, key, 2, false)
	for _, cut := range []int{0, 1, 7, 8, 100, maskAlignMin - 1, maskAlignMin, len(plain) - maskAlignMin, len(plain) - 3, len(plain)} {
		b := bytes.Clone(plain)
		next := XorMask(b[:cut], key, 2, false)
		XorMask(b[cut:], key, next, false)
		require.Equal(t, whole, b, "cut=%d", cut)
		XorMask(b, key, 2, false)
		require.Equal(t, plain, b, "round trip, cut=%d", cut)
	}
}

// Below MaskFloor the hook is never called, whatever MaskMin says; from
// the floor on it is, when native is true and MaskMin allows; never when
// native is false. The result is the reference's either way.
func TestXorMaskHookFloor(t *testing.T) {
	oldHook, oldMin := MaskHook, MaskMin
	defer func() { MaskHook, MaskMin = oldHook, oldMin }()
	calls := 0
	MaskHook = func(b []byte, key [4]byte, pos int) int {
		calls++
		return XorMask(b, key, pos, false)
	}
	MaskMin = 1
	key := [4]byte{0x9D, 0x21, 0x6B, 0xE4}
	cases := []struct {
		n      int
		native bool
		calls  int
	}{
		{1, true, 0},
		{MaskFloor - 1, true, 0},
		{MaskFloor, true, 1},
		{MaskFloor + 100, true, 1},
		{MaskFloor, false, 0},
		{4 * MaskFloor, false, 0},
	}
	for _, c := range cases {
		calls = 0
		buf := make([]byte, c.n)
		for i := range buf {
			buf[i] = byte(i * 5)
		}
		want := bytes.Clone(buf)
		wantNext := ref.XorMask(want, key, 3)
		require.Equal(t, wantNext, XorMask(buf, key, 3, c.native), "n=%d", c.n)
		require.Equal(t, want, buf, "n=%d", c.n)
		require.Equal(t, c.calls, calls, "n=%d native=%v", c.n, c.native)
	}
}
