//go:build cgo

package nvx

import (
	"bytes"
	"fmt"
	"os"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/autobahn-go/autobahn/nvx/internal/goimpl"
	"github.com/autobahn-go/autobahn/nvx/internal/ref"
)

// cLoopReps is how many maskings one cgo call of impl=c-loop makes.
const cLoopReps = 64

// BenchmarkCgoCost splits the time of XorMask through cgo into the C
// kernel's own time and the call around it, side by side in one process:
//
//	c-loop   the C kernel called cLoopReps times from one C loop, ns per masking
//	native   one call per masking (nvx.NativeXorMask: the direct call of
//	         package ccall where there is one, else cgo)
//	cgo      one cgo call per masking (the path native replaced)
//	nvx      XorMask (native above ThresholdsInUse().Mask)
//	purego   the pure-Go loop
//	copy     copy() of the same bytes
//	empty    a cgo call to an empty C function (size ignored)
//
// native (or cgo) minus c-loop is what the call into C costs a masking;
// empty is a cgo transition alone.
//
//	go test -run '^$' -bench CgoCost -count 5 ./nvx
func BenchmarkCgoCost(b *testing.B) {
	key := [4]byte{0x5A, 0xC3, 0x19, 0xE7}
	impls := []struct {
		name string
		fn   func(buf, src []byte)
		per  int // maskings per call of fn
	}{
		{"c-loop", func(buf, _ []byte) { cXorMaskReps(buf, key, 1, cLoopReps) }, cLoopReps},
		{"native", func(buf, _ []byte) { nativeXorMask(buf, key, 1) }, 1},
		{"cgo", func(buf, _ []byte) { cgoXorMask(buf, key, 1) }, 1},
		{"nvx", func(buf, _ []byte) { XorMask(buf, key, 1) }, 1},
		{"purego", func(buf, _ []byte) { goimpl.XorMask(buf, key, 1, false) }, 1},
		{"copy", func(buf, src []byte) { copy(buf, src) }, 1},
		{"empty", func(_, _ []byte) { cEmpty() }, 1},
	}
	for _, n := range []int{64, 1 << 10, 4 << 10, 16 << 10, 64 << 10} {
		for _, im := range impls {
			b.Run(fmt.Sprintf("impl=%s/size=%d", im.name, n), func(b *testing.B) {
				buf, src := make([]byte, n), make([]byte, n)
				b.SetBytes(int64(n * im.per))
				for b.Loop() {
					im.fn(buf, src)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*im.per), "ns/masking")
			})
		}
	}
}

// The C loop masks as the reference does (so the benchmark times real
// work): an even number of maskings restores the input, an odd one masks it.
func TestCXorMaskReps(t *testing.T) {
	key := [4]byte{1, 0x80, 0x7F, 0xFF}
	for _, n := range []int{1, 7, 64, 1000, 16 << 10} {
		plain := make([]byte, n)
		for i := range plain {
			plain[i] = byte(i * 7)
		}
		for _, reps := range []int{1, 2, 3} {
			b := bytes.Clone(plain)
			want := bytes.Clone(plain)
			wantPos := 2
			for range reps {
				wantPos = ref.XorMask(want, key, wantPos)
			}
			require.Equal(t, wantPos, cXorMaskReps(b, key, 2, reps), "n=%d reps=%d", n, reps)
			require.Equal(t, want, b, "n=%d reps=%d", n, reps)
		}
	}
}

// TestCgoCostBestOf prints BenchmarkCgoCost's split as the best of many
// short interleaved trials (robust to load from other processes, as
// bench/cmd/maskbest is), only when asked:
//
//	NVX_CGOCOST=1 go test -count=1 -v -run TestCgoCostBestOf ./nvx
//
// It asserts nothing about speed; it checks only that every time was
// measured.
func TestCgoCostBestOf(t *testing.T) {
	if os.Getenv("NVX_CGOCOST") == "" {
		t.Skip("set NVX_CGOCOST=1 to print the figures")
	}
	key := [4]byte{0x5A, 0xC3, 0x19, 0xE7}
	type impl struct {
		name string
		fn   func(buf, src []byte)
		per  int
	}
	impls := []impl{
		{"c-loop", func(buf, _ []byte) { cXorMaskReps(buf, key, 1, cLoopReps) }, cLoopReps},
		{"native", func(buf, _ []byte) { nativeXorMask(buf, key, 1) }, 1},
		{"cgo", func(buf, _ []byte) { cgoXorMask(buf, key, 1) }, 1},
		{"nvx", func(buf, _ []byte) { XorMask(buf, key, 1) }, 1},
		{"purego", func(buf, _ []byte) { goimpl.XorMask(buf, key, 1, false) }, 1},
		{"copy", func(buf, src []byte) { copy(buf, src) }, 1},
		{"empty", func(_, _ []byte) { cEmpty() }, 1},
	}
	t.Logf("kernel %s, masking %s, direct call %v, thresholds %+v; best of 300 interleaved trials, ns per masking (GB/s)", Kernel(), MaskKernel(), directCall, ThresholdsInUse())
	for _, n := range []int{64, 1 << 10, 4 << 10, 16 << 10, 64 << 10} {
		raw := make([]byte, n+64)
		off := int(-uintptr(unsafe.Pointer(&raw[0]))) & 63
		buf, src := raw[off:off+n], make([]byte, n)
		bestNs := make([]float64, len(impls))
		for trial := 0; trial < 300; trial++ {
			for i, im := range impls {
				calls := max(1, 64<<10/(n*im.per))
				start := time.Now()
				for range calls {
					im.fn(buf, src)
				}
				d := float64(time.Since(start).Nanoseconds()) / float64(calls*im.per)
				if trial == 0 || d < bestNs[i] {
					bestNs[i] = d
				}
			}
		}
		line := fmt.Sprintf("%6d B:", n)
		for i, im := range impls {
			require.Positive(t, bestNs[i], im.name)
			line += fmt.Sprintf("  %s %.1f (%.0f)", im.name, bestNs[i], float64(n)/bestNs[i])
		}
		t.Logf("%s  native-c-loop %.1f ns, cgo-c-loop %.1f ns, native/copy %.2fx, native/purego %.2fx, cgo/purego %.2fx, c-loop/copy %.2fx",
			line, bestNs[1]-bestNs[0], bestNs[2]-bestNs[0], bestNs[5]/bestNs[1], bestNs[4]/bestNs[1], bestNs[4]/bestNs[2], bestNs[5]/bestNs[0])
	}
}
