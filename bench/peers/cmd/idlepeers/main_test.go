package main

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCommas(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 999.4: "999", 1000: "1,000", 16005.6: "16,006", 1234567: "1,234,567", -2500: "-2,500"} {
		assert.Equal(t, want, commas(v), "%v", v)
	}
}

func TestParseSample(t *testing.T) {
	s, err := parseSample(strings.Fields(sample{rss: 1 << 20, heap: 5000, stack: 4096, goroutines: 7}.String()))
	require.NoError(t, err)
	assert.Equal(t, sample{rss: 1 << 20, heap: 5000, stack: 4096, goroutines: 7}, s)
	for _, bad := range []string{"", "1 2 3", "1 2 3 x", "-1 2 3 4"} {
		_, err := parseSample(strings.Fields(bad))
		assert.Error(t, err, "%q", bad)
	}
}

func TestMarkdown(t *testing.T) {
	md := markdown([]row{
		{impl: "autobahn/goroutine", conns: 1000, rss: 10627.4, heap: 5668, stack: 4105, gorou: 1},
		{impl: "autobahn/eventloop", conns: 1000, err: errors.New("no Options.EventLoop | here")},
	}, 20000)
	assert.Contains(t, md, "| autobahn/goroutine | 1000 | 10,627 | 5,668 | 4,105 | 9,773 | 1.00 |")
	assert.Contains(t, md, "| autobahn/eventloop | 1000 | not measured: no Options.EventLoop / here |")
	assert.Contains(t, md, "open-file limit 20000")
}

func TestVMRSS(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("VmRSS comes from /proc/self/status (Linux)")
	}
	s := settle()
	assert.Greater(t, s.rss, uint64(0), "VmRSS read from /proc/self/status")
	assert.Greater(t, s.heap, uint64(0))
	assert.Greater(t, s.goroutines, 0)
}
