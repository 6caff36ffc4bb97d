package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseStatCPU(t *testing.T) {
	// Field 2 may hold spaces and parentheses; utime 250, stime 50 ticks.
	stat := "1234 (echo (peers) x) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 99 0 0"
	got, err := parseStatCPU(stat)
	require.NoError(t, err)
	assert.Equal(t, 3*time.Second, got)
	for _, bad := range []string{"", "1234 (x) S 1 2", "1234 (x) S 1 1 1 1 1 1 1 1 1 1 a b"} {
		_, err := parseStatCPU(bad)
		assert.Error(t, err, "%q", bad)
	}
	self, err := cpuTime(os.Getpid())
	require.NoError(t, err)
	assert.GreaterOrEqual(t, self, time.Duration(0))
}

func TestSizeName(t *testing.T) {
	for n, want := range map[int]string{64: "64B", 1 << 10: "1KiB", 16 << 10: "16KiB", 1 << 20: "1MiB", 1500: "1500B"} {
		assert.Equal(t, want, sizeName(n))
	}
}

func TestPayload(t *testing.T) {
	for _, kind := range []string{"ascii", "utf8", "binary"} {
		for _, n := range []int{64, 1 << 10, 16 << 10} {
			b, _, err := payload(kind, n)
			require.NoError(t, err)
			require.Len(t, b, n, kind)
			if kind != "binary" {
				require.True(t, utf8.Valid(b), kind)
			}
			if kind == "utf8" {
				high := 0
				for _, c := range b {
					if c >= 0x80 {
						high++
					}
				}
				assert.Greater(t, high, n/2, "mostly multi-byte code points")
			}
		}
	}
	_, _, err := payload("nope", 1)
	assert.Error(t, err)
}

// Every server echoes every kind, checked by the load client (type and
// length of each echo), at a small and a large size. load returns only
// after each connection's exchange in flight has completed, so no error
// means every connection echoed at least once.
func TestServersEcho(t *testing.T) {
	for _, name := range serverOrder {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		go func() { _ = servers[name](ln) }()
		url := "ws://" + ln.Addr().String() + "/"
		for _, kind := range []string{"ascii", "utf8", "binary"} {
			for _, size := range []int{64, 1 << 20} {
				var out strings.Builder
				err := load(url, kind, size, 2, 20*time.Millisecond, 50*time.Millisecond, &out)
				require.NoError(t, err, "%s %s %d", name, kind, size)
				var msgs int
				var secs float64
				_, err = fmt.Sscanf(out.String(), "WARM\nDONE %d %f\n", &msgs, &secs)
				require.NoError(t, err, out.String())
				if size == 64 {
					assert.Greater(t, msgs, 0, "%s %s %d", name, kind, size)
				}
			}
		}
		_ = ln.Close()
	}
}

func TestCases(t *testing.T) {
	cs := cases([]string{"ascii", "utf8", "binary"})
	require.Len(t, cs, 12)
	assert.Equal(t, testCase{"ascii", 1 << 10, 256}, cs[1])
	assert.Equal(t, testCase{"binary", 1 << 20, 8}, cs[11])
}

func TestCallgrindTotal(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, text string
		want       int64
		ok         bool
	}{
		{"summary", "version: 1\nevents: Ir\nsummary: 123456\nfl=x\n", 123456, true},
		{"totals", "events: Ir\nfn=main\n0 5\ntotals: 987\n", 987, true},
		{"none", "events: Ir\nfn=main\n0 5\n", 0, false},
	} {
		p := filepath.Join(dir, tc.name)
		require.NoError(t, os.WriteFile(p, []byte(tc.text), 0o644))
		got, err := callgrindTotal(p)
		if !tc.ok {
			assert.Error(t, err, tc.name)
			continue
		}
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.want, got, tc.name)
	}
}

func TestReversed(t *testing.T) {
	assert.Equal(t, []string{"c", "b", "a"}, reversed([]string{"a", "b", "c"}))
	assert.Empty(t, reversed(nil))
}
