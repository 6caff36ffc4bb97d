package nvx

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
// stays within 1-16 KiB whatever the machine measured.
func TestMaskThresholdInUse(t *testing.T) {
	got := MaskThresholdInUse()
	if !UsesNVX() {
		assert.Equal(t, 0, got)
		return
	}
	t.Logf("kernel %s, masking %s, MaskThresholdInUse %d", Kernel(), MaskKernel(), got)
	assert.True(t, got == MaskThreshold || containsInt(calibrationSizes, got), "threshold %d", got)
	assert.GreaterOrEqual(t, got, 1<<10)
	assert.LessOrEqual(t, got, 16<<10)
}

// The measurement at start is short: its target is about a millisecond
// (measured 1-3 ms; the 500 ms bound is generous so that a descheduled
// test cannot fail). Under the race detector the instrumented Go loop
// takes far longer, so only the result is checked there.
func TestCalibrationIsShort(t *testing.T) {
	if !UsesNVX() {
		t.Skip("native core not in use")
	}
	start := time.Now()
	th := calibrateMask()
	d := time.Since(start)
	t.Logf("calibrateMask: %v, threshold %d", d, th)
	require.True(t, th == MaskThreshold || containsInt(calibrationSizes, th))
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
