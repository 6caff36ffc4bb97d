//go:build unix

package ws

import (
	"bufio"
	"bytes"
	stdflate "compress/flate"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Server memory per connection in the worst case: mid-message, holding a
// message that has almost reached MaxMessagePayloadSize (the default 16
// MiB), after one small compressed message each way (so that a context
// takeover server keeps its compressor and history).
//
//	AUTOBAHN_DEFLATE_MEMORY=1 go test -run TestDeflateMemoryInFlight -v ./ws
//
// For each mode, memInFlightConns clients each send a message of
// DefaultMaxMessagePayloadSize-1 bytes (zeros; compressed in the deflate
// modes) in frames without FIN and then wait. The server's budget has no
// limit here (it only counts), so every connection holds its message; the
// figure is HeapInuse after GC, minus the same before the connections,
// divided by their number; beside it, what the budget charged per
// connection (its free allowance of 64 KiB is not counted there).

const memInFlightConns = 6

func TestDeflateMemoryInFlight(t *testing.T) {
	if os.Getenv(memEnv) != "1" {
		t.Skipf("set %s=1 to measure (holds about 100 MiB per mode)", memEnv)
	}
	modes := []struct {
		name  string
		d     *DeflateOptions
		offer string
	}{
		{"no deflate", nil, ""},
		{"NoContextTakeover", &DeflateOptions{NoContextTakeover: true}, "permessage-deflate"},
		{"TakeoverHistory 4096, MaxWindowBits 12", &DeflateOptions{TakeoverHistory: 4096, MaxWindowBits: 12}, "permessage-deflate; client_max_window_bits"},
		{"TakeoverHistory 4096", &DeflateOptions{TakeoverHistory: 4096}, "permessage-deflate"},
		{"default: full context takeover", &DeflateOptions{}, "permessage-deflate"},
	}
	size := DefaultMaxMessagePayloadSize - 1
	plain := make([]byte, size)
	var z bytes.Buffer
	fw, _ := stdflate.NewWriter(&z, stdflate.BestSpeed)
	_, _ = fw.Write(plain)
	_ = fw.Flush()
	packed := bytes.TrimSuffix(z.Bytes(), deflateTail)
	var report strings.Builder
	fmt.Fprintf(&report, "\n| mode | server heap per connection, mid-message at the limit | charged to the budget |\n|---|---:|---:|\n")
	for _, m := range modes {
		var open atomic.Int64
		b := NewMemoryBudget(0)
		o := DefaultOptions()
		o.PerMessageDeflate = m.d
		o.MemoryBudget = b
		srv := NewServer(func() Handler { return memCountHandler{open: &open} }, o)
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		require.NoError(t, err)
		go func() { _ = srv.Serve(ln) }()
		before := heapInuse()
		var conns []net.Conn
		for i := 0; i < memInFlightConns; i++ {
			c := inFlightClient(t, ln.Addr().String(), m.offer)
			conns = append(conns, c)
			var err error
			if m.d != nil {
				_, err = c.Write(inFlightFrame(OpBinary, false, 4, packed))
			} else {
				for off := 0; off < size && err == nil; off += 1 << 20 {
					op := byte(OpContinuation)
					if off == 0 {
						op = OpBinary
					}
					_, err = c.Write(inFlightFrame(op, false, 0, plain[off:min(off+1<<20, size)]))
				}
			}
			require.NoError(t, err)
		}
		want := int64(memInFlightConns) * (int64(size) - 1<<20)
		require.Eventually(t, func() bool { return b.InUse() >= want }, time.Minute, 10*time.Millisecond,
			"budget charged %d of at least %d", b.InUse(), want)
		time.Sleep(200 * time.Millisecond)
		after := heapInuse()
		per := float64(int64(after)-int64(before)) / memInFlightConns
		charged := float64(b.InUse()) / memInFlightConns
		fmt.Fprintf(&report, "| %s | %.1f MiB | %.1f MiB |\n", m.name, per/(1<<20), charged/(1<<20))
		t.Logf("%s: %.2f MiB per connection (charged %.2f MiB)", m.name, per/(1<<20), charged/(1<<20))
		for _, c := range conns {
			_ = c.Close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		_ = srv.Shutdown(ctx)
		cancel()
		require.Eventually(t, func() bool { return b.InUse() == 0 }, 10*time.Second, 10*time.Millisecond)
	}
	t.Logf("message of %d bytes in flight, %d connections%s", size, memInFlightConns, report.String())
}

// inFlightClient opens a connection (permessage-deflate when offer is set)
// and, with deflate, exchanges one 1 KiB compressed message.
func inFlightClient(t *testing.T, addr, offer string) net.Conn {
	c, err := net.DialTimeout("tcp4", addr, 10*time.Second)
	require.NoError(t, err)
	var key [16]byte
	_, _ = rand.Read(key[:])
	req := "GET / HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " +
		base64.StdEncoding.EncodeToString(key[:]) + "\r\n"
	if offer != "" {
		req += "Sec-WebSocket-Extensions: " + offer + "\r\n"
	}
	_, err = io.WriteString(c, req+"\r\n")
	require.NoError(t, err)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet})
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	if offer == "" {
		return c
	}
	var b bytes.Buffer
	w, _ := stdflate.NewWriter(&b, stdflate.BestSpeed)
	for i := 0; b.Len() < 200; i++ {
		fmt.Fprintf(w, `{"event":"tick","seq":%d}`, i)
	}
	_ = w.Flush()
	_, err = c.Write(inFlightFrame(OpText, true, 4, bytes.TrimSuffix(b.Bytes(), deflateTail)))
	require.NoError(t, err)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, n, err := readTestFrameHeader(br)
	require.NoError(t, err)
	_, err = io.CopyN(io.Discard, br, int64(n))
	require.NoError(t, err)
	_ = c.SetReadDeadline(time.Time{})
	return c
}

// inFlightFrame is a masked (zero key) client frame.
func inFlightFrame(op byte, fin bool, rsv byte, payload []byte) []byte {
	hdr := []byte{op | rsv<<4}
	if fin {
		hdr[0] |= 0x80
	}
	switch n := len(payload); {
	case n < 126:
		hdr = append(hdr, 0x80|byte(n))
	case n < 1<<16:
		hdr = binary.BigEndian.AppendUint16(append(hdr, 0x80|126), uint16(n))
	default:
		hdr = binary.BigEndian.AppendUint64(append(hdr, 0x80|127), uint64(n))
	}
	hdr = append(hdr, 0, 0, 0, 0)
	return append(hdr, payload...)
}
