package nvx

import (
	"strings"
	"time"
)

// The sizes from which the nvx functions hand their input to C are
// measured at start rather than fixed: each is where a cgo call (tens of
// nanoseconds, and it varies with the CPU, the Go release and
// virtualisation) plus the C kernel's time drops below the pure-Go loop's
// time, and each of the three differs from CPU to CPU (masking: on the
// Intel Xeon this was written on the cut lies near 2.5-3 KiB, on the AMD
// EPYC the constant came from near 4 KiB; ASCII validation 3 KiB against
// 4 KiB).
//
// The candidate thresholds below are tried from the smallest; the answer
// is always one of them, or the default constant when the measurement says
// nothing. Rounds interleave the two sides size by size and keep each
// side's best time, so load from other processes (which only ever adds
// time) hits both alike and a preempted trial is simply not the minimum.
// All of it takes a few milliseconds at start (TestCalibrationIsShort).
var (
	// maskCalibrationSizes are the candidates for Thresholds.Mask. The
	// small ones matter where the C core is called without the cgo
	// transition (package ccall: a few nanoseconds a call instead of
	// tens), which wins from 512 B to 1 KiB on the Intel Xeon. Not below:
	// at 256 B the two are even there, and a measurement under load could
	// pick a size where C is no faster.
	maskCalibrationSizes = []int{512, 1 << 10, 2 << 10, 3 << 10, 4 << 10, 6 << 10, 8 << 10, 12 << 10, 16 << 10}
	// utf8CalibrationSizes are the candidates for Thresholds.UTF8 (and
	// Fused), measured on accented Latin and on CJK text.
	utf8CalibrationSizes = []int{32, 48, 64, 96, 128, 192, 256}
	// leadCalibrationSizes are the candidates for Thresholds.UTF8Lead
	// (those below UTF8), measured on text that opens with a word that is
	// not ASCII. Not below 24: the test that sends such a chunk to C
	// samples four words of what follows the first (leadFrom).
	leadCalibrationSizes = []int{24, 32, 48, 64, 96, 128, 192}
	// asciiCalibrationSizes are the candidates for Thresholds.UTF8ASCII
	// and FusedASCII, measured on all-ASCII text.
	asciiCalibrationSizes = []int{1 << 10, 3 << 9, 2 << 10, 3 << 10, 4 << 10, 6 << 10, 8 << 10, 12 << 10, 16 << 10}
)

const (
	calibrationRounds = 31 // best of this many per size and side (3 under -race)
	// A timed trial makes work/n calls of n bytes, 4 to 16 of them (a
	// time.Now costs ~40 ns here, so a trial must last far longer): work
	// is maskWork for masking (a trial lasts 100-400 ns there) and
	// utf8Work for UTF-8 validation (1-2 GB/s in Go on non-ASCII text).
	maskWork = 8 << 10
	utf8Work = 1 << 10
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

// measureBest times goFn and cFn on buf[:n] for every n in sizes, in
// trials of about work bytes,
// interleaved (which goes first alternates from round to round), and
// returns each side's best time per call in ns.
func measureBest(sizes []int, work int, buf []byte, goFn, cFn func([]byte)) (goNs, cNs []float64) {
	goNs = make([]float64, len(sizes))
	cNs = make([]float64, len(sizes))
	trial := func(fn func([]byte), b []byte) float64 {
		reps := min(max(work/len(b), 4), 16)
		start := time.Now()
		for range reps {
			fn(b)
		}
		return float64(time.Since(start).Nanoseconds()) / float64(reps)
	}
	// Warm up both paths (and wide vector units that start powered down).
	for range 8 {
		goFn(buf)
		cFn(buf)
	}
	for r := range raceRounds {
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

// crossing measures goFn against cFn on each kind of text at sizes (in
// trials of utf8Work bytes) and returns the larger of the sizes from which
// C wins (pickThreshold, def when it does not), so that every kind is
// faster through the native path from there on.
func crossing(kinds []textKind, sizes []int, def int, goFn, cFn func([]byte)) int {
	th := 0
	for _, kind := range kinds {
		buf := calibrationText(kind, sizes[len(sizes)-1])
		goNs, cNs := measureBest(sizes, utf8Work, buf, goFn, cFn)
		th = max(th, pickThreshold(sizes, goNs, cNs, def))
	}
	return th
}

// textKind names the kinds of text the UTF-8 thresholds are measured on.
type textKind int

const (
	textASCII     textKind = iota // English words
	textLatin                     // French and German words: about one byte in eleven outside ASCII
	textCJK                       // Chinese with a little punctuation: 3-byte code points
	textLatinLead                 // French opening with accented words, then mostly ASCII
)

// calibrationSamples are the phrases calibrationText repeats.
var calibrationSamples = [...]string{
	textASCII: "the quick brown fox jumps over the lazy dog, and they were all there when we said it. ",
	textLatin: "Die Straße und das Haus, le garçon et la maison de la ville, der Käse ist nicht schön. ",
	textCJK:   "网络协议的消息验证在服务器上很快，客户端也一样。",
	// The first word is not ASCII, the rest mostly is: among the texts
	// that go to C from UTF8Lead, the one Go does best on.
	textLatinLead: "Ça été réglé: the message is short and the rest of it is plain ASCII text. ",
}

// calibrationText returns n bytes of valid UTF-8 of the given kind, cut on
// a code point and padded with spaces.
func calibrationText(kind textKind, n int) []byte {
	sample := calibrationSamples[kind]
	b := []byte(strings.Repeat(sample, n/len(sample)+1))[:n]
	for i := n - 1; i >= 0 && i >= n-4; i-- { // cut a split code point
		if b[i] < 0x80 {
			break
		}
		if b[i] >= 0xC0 {
			for j := i; j < n; j++ {
				b[j] = ' '
			}
			break
		}
	}
	return b
}

// leadSizes returns the candidates for a lead threshold below main.
func leadSizes(main int) []int {
	var s []int
	for _, n := range leadCalibrationSizes {
		if n < main {
			s = append(s, n)
		}
	}
	return s
}
