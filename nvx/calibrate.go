package nvx

import (
	"time"
)

// The size from which XorMask hands a buffer to C is measured at start
// rather than fixed: it is where a cgo call (tens of nanoseconds, and it
// varies with the CPU, the Go release and virtualisation) plus the C
// kernel's time drops below the pure-Go loop's time, and each of the three
// differs from CPU to CPU (on the Intel Xeon this was written on the cut
// lies near 2.5 KiB, on the AMD EPYC the constant came from near 4 KiB).
//
// calibrationSizes are the candidate thresholds, tried from the smallest;
// the answer is always one of them. Rounds interleave the two sides size
// by size and keep each side's best time, so load from other processes
// (which only ever adds time) hits both alike and a preempted trial is
// simply not the minimum. All of it takes about 0.5-1 ms at start.
var calibrationSizes = []int{1 << 10, 2 << 10, 3 << 10, 4 << 10, 6 << 10, 8 << 10, 12 << 10, 16 << 10}

const (
	calibrationRounds = 31 // best of this many per size and side
	calibrationReps   = 8  // calls per timed trial (a time.Now costs ~40 ns here)
	// calibrationMargin: C must take at most this fraction of Go's time.
	// A threshold too low makes XorMask slower than the pure-Go loop just
	// above it, one too high only forgoes a small gain near the crossing
	// (where the two are about equal), so ties and near-ties go to Go.
	calibrationMargin = 0.9
)

// pickThreshold returns the smallest size from which C is faster than Go
// (by calibrationMargin) at that size and at every larger one measured
// (goNs and cNs are the best times per call, aligned with sizes,
// ascending). When C never wins that
// way, or a time is missing, it returns def: a measurement that says
// nothing must not move the threshold.
func pickThreshold(sizes []int, goNs, cNs []float64, def int) int {
	if len(sizes) == 0 || len(goNs) != len(sizes) || len(cNs) != len(sizes) {
		return def
	}
	pick := -1
	for i := len(sizes) - 1; i >= 0; i-- {
		if !(goNs[i] > 0 && cNs[i] > 0) {
			return def
		}
		if cNs[i] > calibrationMargin*goNs[i] {
			break
		}
		pick = i
	}
	if pick < 0 {
		return def
	}
	return sizes[pick]
}

// measureBest times goFn and cFn on buf[:n] for every n in sizes,
// interleaved (which goes first alternates from round to round), and
// returns each side's best time per call in ns.
func measureBest(sizes []int, buf []byte, goFn, cFn func([]byte)) (goNs, cNs []float64) {
	goNs = make([]float64, len(sizes))
	cNs = make([]float64, len(sizes))
	trial := func(fn func([]byte), b []byte) float64 {
		start := time.Now()
		for range calibrationReps {
			fn(b)
		}
		return float64(time.Since(start).Nanoseconds()) / calibrationReps
	}
	// Warm up both paths (and wide vector units that start powered down).
	for range 8 {
		goFn(buf)
		cFn(buf)
	}
	for r := range calibrationRounds {
		for i, n := range sizes {
			var g, c float64
			if r%2 == 0 {
				g, c = trial(goFn, buf[:n]), trial(cFn, buf[:n])
			} else {
				c, g = trial(cFn, buf[:n]), trial(goFn, buf[:n])
			}
			if r == 0 || g < goNs[i] {
				goNs[i] = g
			}
			if r == 0 || c < cNs[i] {
				cNs[i] = c
			}
		}
	}
	return goNs, cNs
}
