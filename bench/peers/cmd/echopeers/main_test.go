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
	names := serverOrder
	if _, ok := servers["floor-epoll"]; ok {
		names = append(names[:len(names):len(names)], "floor-epoll")
	}
	for _, name := range names {
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

func TestFloorFrame(t *testing.T) {
	mask := []byte{1, 2, 3, 4}
	long16 := append([]byte{0x82, 0x80 | 126, 0x01, 0x00}, mask...) // 256-byte binary
	long64 := append([]byte{0x81, 0x80 | 127, 0, 0, 0, 0, 0, 1, 0, 0}, mask...)
	for _, tc := range []struct {
		name           string
		b              []byte
		hl, start, end int
		ok             bool
	}{
		{"empty", nil, 0, 0, 0, false},
		{"one byte", []byte{0x81}, 0, 0, 0, false},
		{"masked 5 bytes", append([]byte{0x81, 0x85, 1, 2, 3, 4}, "hello"...), 2, 6, 11, true},
		{"unmasked", append([]byte{0x82, 0x03}, "abc"...), 2, 2, 5, true},
		{"payload cut", []byte{0x81, 0x85, 1, 2, 3, 4, 'h'}, 0, 0, 0, false},
		{"16-bit length cut", []byte{0x82, 0x80 | 126, 0x01}, 0, 0, 0, false},
		{"16-bit length", append(long16, make([]byte, 256)...), 4, 8, 264, true},
		{"64-bit length, payload not there", long64, 0, 0, 0, false},
		{"64-bit length", append(long64, make([]byte, 1<<16)...), 10, 14, 14 + 1<<16, true},
		{"absurd length", []byte{0x82, 127, 0xff, 0, 0, 0, 0, 0, 0, 0}, 0, 0, 0, false},
	} {
		hl, start, end, ok := floorFrame(tc.b)
		require.Equal(t, tc.ok, ok, tc.name)
		if ok {
			assert.Equal(t, []int{tc.hl, tc.start, tc.end}, []int{hl, start, end}, tc.name)
		}
	}
}

// floorSend rewrites each whole frame's header as a server's in place,
// sends the frames in one write and keeps a cut frame for the next read.
func TestFloorSend(t *testing.T) {
	f1 := append([]byte{0x81, 0x85, 1, 2, 3, 4}, "hello"...)
	f2 := append([]byte{0x82, 0x80 | 126, 0x01, 0x00, 9, 9, 9, 9}, make([]byte, 256)...)
	cut := []byte{0x81, 0x83, 5, 6}
	buf := append(append(append([]byte{}, f1...), f2...), cut...)
	var out bytesWriter
	n, err := floorSend(buf, len(buf), &out)
	require.NoError(t, err)
	assert.Equal(t, cut, buf[:n], "the cut frame moves to the front")
	require.Len(t, out.writes, 1, "the whole frames of one read go in one write")
	want := append([]byte{0x81, 0x05}, "hello"...)
	want = append(want, append([]byte{0x82, 126, 0x01, 0x00}, make([]byte, 256)...)...)
	assert.Equal(t, want, out.writes[0])
}

type bytesWriter struct{ writes [][]byte }

func (w *bytesWriter) Write(b []byte) (int, error) {
	w.writes = append(w.writes, append([]byte(nil), b...))
	return len(b), nil
}
