package nvx

import (
	"encoding/binary"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autobahn-go/autobahn/nvx/internal/goimpl"
)

func TestPickThreshold(t *testing.T) {
	sizes := []int{1024, 2048, 4096, 8192}
	const def = 4096
	cases := []struct {
		name      string
		goNs, cNs []float64
		want      int
	}{
		{"C wins from 2 KiB", []float64{30, 60, 120, 240}, []float64{50, 50, 70, 100}, 2048},
		{"C wins everywhere", []float64{60, 120, 240, 480}, []float64{50, 55, 70, 100}, 1024},
		{"C never wins", []float64{10, 20, 40, 80}, []float64{50, 60, 80, 120}, def},
		{"a win below a loss does not count", []float64{60, 50, 240, 480}, []float64{50, 55, 70, 100}, 4096},
		{"C loses at the largest size", []float64{60, 120, 240, 80}, []float64{50, 55, 70, 100}, def},
		{"a tie is not a win", []float64{30, 60, 70, 240}, []float64{50, 55, 70, 100}, 8192},
		{"a near-tie (within the margin) is not a win", []float64{30, 60, 75, 240}, []float64{50, 55, 70, 100}, 8192},
		{"missing time", []float64{30, 60, 0, 240}, []float64{50, 55, 70, 100}, def},
		{"wrong length", []float64{30, 60}, []float64{50, 55, 70, 100}, def},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, pickThreshold(sizes, c.goNs, c.cNs, def), c.name)
	}
	assert.Equal(t, def, pickThreshold(nil, nil, nil, def), "no sizes")
}

// The threshold in use is one of the candidates (or the default), so it
// stays within 512 B-16 KiB whatever the machine measured.
func TestMaskThresholdInUse(t *testing.T) {
	got := MaskThresholdInUse()
	if !UsesNVX() {
		assert.Equal(t, 0, got)
		return
	}
	t.Logf("kernel %s, masking %s, MaskThresholdInUse %d", Kernel(), MaskKernel(), got)
	assert.True(t, got == MaskThreshold || containsInt(maskCalibrationSizes, got), "threshold %d", got)
	assert.GreaterOrEqual(t, got, goimpl.MaskFloor, "below the floor XorMask never calls C")
	assert.LessOrEqual(t, got, 16<<10)
}

// The smallest candidate is the floor below which XorMask does not look at
// the threshold (goimpl.MaskFloor), so the threshold measured is the one
// used.
func TestMaskCandidatesStartAtFloor(t *testing.T) {
	assert.Equal(t, goimpl.MaskFloor, maskCalibrationSizes[0])
	if HasNVX { // without the core the default is 0: nothing goes to C
		assert.GreaterOrEqual(t, MaskThreshold, goimpl.MaskFloor)
	}
}

// The thresholds in use are candidates of their own measurement (or its
// default), ordered, and consistent with what the functions do: zero, and
// nothing sent to C, without the native core.
func TestThresholdsInUse(t *testing.T) {
	th := ThresholdsInUse()
	if !UsesNVX() {
		assert.Equal(t, Thresholds{}, th)
		return
	}
	t.Logf("kernel %s, thresholds in use %+v", Kernel(), th)
	assert.Equal(t, MaskThresholdInUse(), th.Mask)
	assert.True(t, th.UTF8 == UTF8Threshold || containsInt(utf8CalibrationSizes, th.UTF8), "UTF8 %d", th.UTF8)
	assert.True(t, th.UTF8ASCII == UTF8ASCIIThreshold || containsInt(asciiCalibrationSizes, th.UTF8ASCII), "UTF8ASCII %d", th.UTF8ASCII)
	assert.True(t, th.FusedASCII == FusedASCIIThreshold || containsInt(asciiCalibrationSizes, th.FusedASCII), "FusedASCII %d", th.FusedASCII)
	assert.True(t, th.Fused == FusedThreshold || containsInt(utf8CalibrationSizes, th.Fused), "Fused %d", th.Fused)
	assert.GreaterOrEqual(t, th.Fused, 32)
	assert.LessOrEqual(t, th.Fused, 512)
	assert.LessOrEqual(t, th.UTF8, th.UTF8ASCII)
	assert.LessOrEqual(t, th.Fused, th.FusedASCII)
	assert.GreaterOrEqual(t, th.UTF8, 32)
	assert.LessOrEqual(t, th.UTF8, 512)
	assert.GreaterOrEqual(t, th.UTF8ASCII, 1<<10)
	assert.LessOrEqual(t, th.UTF8ASCII, 16<<10)
	assert.GreaterOrEqual(t, th.FusedASCII, 1<<10)
	assert.LessOrEqual(t, th.FusedASCII, 16<<10)
	assert.True(t, th.UTF8Lead == th.UTF8 || containsInt(leadCalibrationSizes, th.UTF8Lead), "UTF8Lead %d", th.UTF8Lead)
	assert.LessOrEqual(t, th.UTF8Lead, th.UTF8)
	assert.GreaterOrEqual(t, th.UTF8Lead, 24)
	assert.Equal(t, []int{th.Mask, th.UTF8, th.UTF8ASCII, th.Fused, th.FusedASCII, th.UTF8Lead},
		[]int{goimpl.MaskMin, goimpl.UTF8Min, goimpl.UTF8ASCIIMin, goimpl.FusedMin, goimpl.FusedASCIIMin, goimpl.UTF8LeadMin},
		"the kernels use what is reported")
}

// The calibration texts are valid UTF-8 of their kind at every size.
func TestCalibrationText(t *testing.T) {
	for _, kind := range []textKind{textASCII, textLatin, textCJK, textLatinLead} {
		for n := 0; n <= 600; n++ {
			b := calibrationText(kind, n)
			require.Len(t, b, n)
			require.True(t, utf8.Valid(b), "kind %d n %d", kind, n)
		}
		b := calibrationText(kind, 4096)
		nonASCII := 0
		for _, c := range b {
			if c >= 0x80 {
				nonASCII++
			}
		}
		switch kind {
		case textASCII:
			assert.Zero(t, nonASCII)
		case textLatin:
			assert.InDelta(t, 0.09, float64(nonASCII)/float64(len(b)), 0.03, "about one byte in eleven")
		case textCJK:
			assert.Greater(t, nonASCII, len(b)*9/10)
		case textLatinLead:
			assert.InDelta(t, 0.12, float64(nonASCII)/float64(len(b)), 0.04, "mostly ASCII")
		}
		if kind == textCJK || kind == textLatinLead {
			// What UTF8Lead is measured on opens with a non-ASCII word.
			assert.NotZero(t, binary.LittleEndian.Uint64(b)&0x8080808080808080)
		}
		// Masked with calibrateFused's key (the low bit of every byte
		// flipped) they stay valid.
		for n := 0; n <= 600; n++ {
			flipped := calibrationText(kind, n)
			for i := range flipped {
				flipped[i] ^= 1
			}
			require.True(t, utf8.Valid(flipped), "kind %d n %d masked", kind, n)
		}
	}
}

// The measurement at start is short: its target is a few milliseconds
// (measured at start on the Xeon: see the log line; the 500 ms bound is
// generous so that a descheduled test cannot fail). Under the race detector
// the instrumented Go loops take far longer, so only the results are
// checked there. It is deterministic where it must be: without the native
// core it measures nothing.
func TestCalibrationIsShort(t *testing.T) {
	if !UsesNVX() {
		t.Skip("native core not in use")
	}
	start := time.Now()
	th := calibrate()
	d := time.Since(start)
	t.Logf("calibrate: %v, thresholds %+v", d, th)
	require.True(t, th.Mask == MaskThreshold || containsInt(maskCalibrationSizes, th.Mask))
	require.True(t, th.UTF8 == UTF8Threshold || containsInt(utf8CalibrationSizes, th.UTF8))
	require.True(t, th.UTF8ASCII == UTF8ASCIIThreshold || containsInt(asciiCalibrationSizes, th.UTF8ASCII))
	require.True(t, th.FusedASCII == FusedASCIIThreshold || containsInt(asciiCalibrationSizes, th.FusedASCII))
	require.True(t, th.UTF8Lead == th.UTF8 || containsInt(leadSizes(th.UTF8), th.UTF8Lead))
	if !raceEnabled {
		assert.Less(t, d, 500*time.Millisecond)
	}
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
