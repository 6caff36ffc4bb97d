//go:build cgo && amd64 && !windows && !asan && !msan

package nvx

import (
	"bytes"
	"io"
	"math/rand/v2"
	"runtime"
	"runtime/pprof"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/autobahn-go/autobahn/nvx/internal/ref"
)

// The cgo call of the C core is tested as every other way of masking.
func init() { maskImpls["cgo"] = cgoXorMask }

// This build (optimised, no sanitizer) calls the C core directly.
func TestDirectCallInUse(t *testing.T) {
	require.True(t, directCall)
	require.NotZero(t, directMaskFn)
}

// Buffers around and over the direct call's chunk size mask as one piece,
// at every key offset and a few alignments.
func TestDirectMaskChunks(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const guard = 16
	for _, n := range []int{directChunk - 1, directChunk, directChunk + 1, 2*directChunk + 3, 3 * directChunk} {
		for _, align := range []int{0, 1, 7} {
			for pos := 0; pos < 4; pos++ {
				buf := make([]byte, guard+align+n+guard)
				for i := range buf {
					buf[i] = byte(rng.Uint32())
				}
				want := bytes.Clone(buf)
				wantNext := ref.XorMask(want[guard+align:guard+align+n], testKey, pos)
				require.Equal(t, wantNext, nativeXorMask(buf[guard+align:guard+align+n], testKey, pos), "n=%d pos=%d", n, pos)
				require.True(t, bytes.Equal(want, buf), "n=%d pos=%d align=%d", n, pos, align)
			}
		}
	}
}

// atDepth recurses depth frames, each holding a canary array, then runs
// leaf (a direct call into C), and checks on the way back that no frame of
// the caller was touched: the C code must stay within the stack the direct
// call gives it, wherever the goroutine's stack ends (a fresh goroutine's
// stack is small, so some depths make the call grow it first).
func atDepth(t *testing.T, depth int, leaf func()) {
	var canary [96]byte
	for i := range canary {
		canary[i] = byte(depth + i)
	}
	if depth == 0 {
		leaf()
	} else {
		atDepth(t, depth-1, leaf)
	}
	for i := range canary {
		if canary[i] != byte(depth+i) {
			t.Errorf("frame at depth %d overwritten at byte %d", depth, i)
			break
		}
	}
}

func TestDirectMaskStackDepths(t *testing.T) {
	plain := make([]byte, 5000)
	for i := range plain {
		plain[i] = byte(i * 13)
	}
	want := bytes.Clone(plain)
	wantNext := ref.XorMask(want, testKey, 3)
	for depth := 0; depth < 120; depth++ {
		b := bytes.Clone(plain)
		var next int
		done := make(chan struct{})
		go func() { // a fresh goroutine: a small stack
			defer close(done)
			atDepth(t, depth, func() { next = nativeXorMask(b, testKey, 3) })
		}()
		<-done
		require.Equal(t, wantNext, next, "depth %d", depth)
		require.True(t, bytes.Equal(want, b), "depth %d", depth)
	}
}

// The direct call stays correct while the runtime signals the threads
// running it: a CPU profile (SIGPROF), garbage collections (preemption
// requests, SIGURG, which find C code running and are retried) and more
// busy goroutines than Ps (the scheduler preempts them too). Every
// masking is checked against the reference.
func TestDirectMaskUnderSignals(t *testing.T) {
	underSignals(t, 99, 300, func(rng *rand.Rand, _ int) string {
		n := 1 + rng.IntN(3*directChunk)
		pos := rng.IntN(4)
		b := make([]byte, n)
		for i := 0; i < n; i += 8 {
			b[i] = byte(rng.Uint32())
		}
		want := bytes.Clone(b)
		wantNext := ref.XorMask(want, testKey, pos)
		for rep := 0; rep < 3; rep++ { // mask, unmask, mask
			next := nativeXorMask(b, testKey, pos)
			if next != wantNext {
				return "wrong next offset"
			}
		}
		if !bytes.Equal(want, b) {
			return "wrong bytes"
		}
		return ""
	})
}

// underSignals runs check iters times on each of more goroutines than Ps
// (each with a random source seeded by its number and seed) under a CPU
// profile and back-to-back garbage collections, and fails the test with
// each goroutine's first complaint (check returns "" when all is well).
func underSignals(t *testing.T, seed uint64, iters int, check func(rng *rand.Rand, iter int) string) {
	t.Helper()
	if testing.Short() {
		t.Skip("short")
	}
	require.NoError(t, pprof.StartCPUProfile(io.Discard))
	defer pprof.StopCPUProfile()
	stop := make(chan struct{})
	var gcWG sync.WaitGroup
	gcWG.Add(1)
	go func() {
		defer gcWG.Done()
		for {
			select {
			case <-stop:
				return
			default:
				runtime.GC()
			}
		}
	}()
	workers := 2*runtime.GOMAXPROCS(0) + 1
	var wg sync.WaitGroup
	errs := make(chan string, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), seed))
			for iter := 0; iter < iters; iter++ {
				if e := check(rng, iter); e != "" {
					errs <- e
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	gcWG.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
