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
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Server memory per open, idle permessage-deflate connection, by mode.
//
//	AUTOBAHN_DEFLATE_MEMORY=1 go test -run TestDeflateMemoryPerConn -v ./ws
//
// Each mode opens AUTOBAHN_DEFLATE_MEMORY_CONNS connections (default
// 10,000; the full context takeover mode defaults to 2,000 because it needs
// about 0.85 MiB per connection, 8.5 GB at 10,000; set
// AUTOBAHN_DEFLATE_MEMORY_TAKEOVER_CONNS to change it). Every connection
// exchanges one compressed message of AUTOBAHN_DEFLATE_MEMORY_MSG bytes
// (default 1024; at 40000 the 32 KiB histories are full), so the server has
// inflated and compressed once and holds whatever it keeps between
// messages, and then stays idle. The clients run in a child process (this test binary
// re-executed) so the heap measured is the server's alone: HeapInuse after
// GC, minus the same before the connections, divided by their number.

const (
	memEnv          = "AUTOBAHN_DEFLATE_MEMORY"
	memConnsEnv     = "AUTOBAHN_DEFLATE_MEMORY_CONNS"
	memTakeoverEnv  = "AUTOBAHN_DEFLATE_MEMORY_TAKEOVER_CONNS"
	memHelperURLEnv = "AUTOBAHN_DEFLATE_MEMORY_HELPER_ADDR"
	memHelperNEnv   = "AUTOBAHN_DEFLATE_MEMORY_HELPER_N"
	memHelperExtEnv = "AUTOBAHN_DEFLATE_MEMORY_HELPER_EXT"
	memMsgEnv       = "AUTOBAHN_DEFLATE_MEMORY_MSG"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func heapInuse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// raiseNoFileLimit lifts the soft RLIMIT_NOFILE to the hard limit.
func raiseNoFileLimit() uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0
	}
	lim.Cur = lim.Max
	_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	return uint64(lim.Cur) // int64 on FreeBSD
}

type memCountHandler struct {
	BaseHandler
	open *atomic.Int64
}

func (h memCountHandler) OnOpen(*Conn) { h.open.Add(1) }
func (h memCountHandler) OnMessage(c *Conn, payload []byte, isBinary bool) {
	_ = c.SendMessage(payload, isBinary)
}

func TestDeflateMemoryPerConn(t *testing.T) {
	if os.Getenv(memEnv) != "1" {
		t.Skipf("set %s=1 to measure (opens thousands of connections)", memEnv)
	}
	limit := raiseNoFileLimit()
	n := envInt(memConnsEnv, 10000)
	modes := []struct {
		name     string
		d        *DeflateOptions
		offer    string
		n        int
		budgeted bool // the Server's default MemoryBudget (else one without a limit)
	}{
		{"plain (no deflate)", nil, "", n, false},
		{"deflate, no context takeover (NoContextTakeover)", &DeflateOptions{NoContextTakeover: true}, "permessage-deflate", n, false},
		{"deflate, client_no_context_takeover only", &DeflateOptions{}, "permessage-deflate; server_no_context_takeover; client_no_context_takeover", n, false},
		{"deflate, takeover, TakeoverHistory 4096, MaxWindowBits 12", &DeflateOptions{TakeoverHistory: 4096, MaxWindowBits: 12}, "permessage-deflate; client_max_window_bits", n, false},
		{"deflate, takeover, TakeoverHistory 4096", &DeflateOptions{TakeoverHistory: 4096}, "permessage-deflate", n, false},
		{"deflate, full context takeover, no MemoryBudget limit", &DeflateOptions{}, "permessage-deflate", envInt(memTakeoverEnv, 2000), false},
		{"deflate, full context takeover (default, default MemoryBudget)", &DeflateOptions{}, "permessage-deflate", envInt(memTakeoverEnv, 2000), true},
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	var report strings.Builder
	fmt.Fprintf(&report, "\n| mode | connections | server heap per connection |\n|---|---:|---:|\n")
	for _, m := range modes {
		if uint64(m.n)+100 > limit {
			t.Fatalf("RLIMIT_NOFILE %d is too low for %d connections", limit, m.n)
		}
		var open atomic.Int64
		o := DefaultOptions()
		o.PerMessageDeflate = m.d
		if !m.budgeted {
			o.MemoryBudget = NewMemoryBudget(0)
		}
		srv := NewServer(func() Handler { return memCountHandler{open: &open} }, o)
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		require.NoError(t, err)
		go func() { _ = srv.Serve(ln) }()
		before := heapInuse()

		cmd := exec.Command(exe, "-test.run=^TestDeflateMemoryClientHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(), memHelperURLEnv+"="+ln.Addr().String(),
			memHelperNEnv+"="+strconv.Itoa(m.n), memHelperExtEnv+"="+m.offer)
		stdin, err := cmd.StdinPipe()
		require.NoError(t, err)
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		cmd.Stderr = os.Stderr
		require.NoError(t, cmd.Start())
		sc := bufio.NewScanner(stdout)
		ready := false
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "READY") {
				ready = true
				break
			}
		}
		require.True(t, ready, "client helper did not get ready")
		require.Eventually(t, func() bool { return open.Load() == int64(m.n) }, 30*time.Second, 50*time.Millisecond)
		after := heapInuse()
		per := float64(int64(after)-int64(before)) / float64(m.n)
		fmt.Fprintf(&report, "| %s | %d | %.1f KiB |\n", m.name, m.n, per/1024)
		t.Logf("%s: %d connections, %.1f KiB per connection (HeapInuse %d -> %d)", m.name, m.n, per/1024, before, after)

		_ = stdin.Close()
		_ = cmd.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		_ = srv.Shutdown(ctx)
		cancel()
	}
	t.Logf("message size %d bytes%s", envInt(memMsgEnv, 1024), report.String())
}

// TestDeflateMemoryClientHelper is the client side of
// TestDeflateMemoryPerConn, run in a child process: it opens N connections,
// exchanges one compressed message on each, prints READY and holds them
// until its stdin closes.
func TestDeflateMemoryClientHelper(t *testing.T) {
	addr := os.Getenv(memHelperURLEnv)
	if addr == "" {
		t.Skip("helper process only")
	}
	raiseNoFileLimit()
	n := envInt(memHelperNEnv, 1)
	ext := os.Getenv(memHelperExtEnv)
	var mb bytes.Buffer
	for i := 0; mb.Len() < envInt(memMsgEnv, 1024); i++ {
		fmt.Fprintf(&mb, `{"event":"tick","seq":%d,"symbol":"ABC","price":%d.%02d}`, i, 100+i%37, i%100)
	}
	msg := mb.Bytes()[:envInt(memMsgEnv, 1024)]
	require.Less(t, len(msg), 1<<16)
	var frame []byte
	if ext != "" {
		var b bytes.Buffer
		w, _ := stdflate.NewWriter(&b, stdflate.BestSpeed)
		_, _ = w.Write(msg)
		_ = w.Flush()
		frame = memClientFrame(OpText, 4, bytes.TrimSuffix(b.Bytes(), []byte{0, 0, 0xff, 0xff}))
	} else {
		frame = memClientFrame(OpText, 0, msg)
	}
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for i := 0; i < n; i++ {
		c, err := net.DialTimeout("tcp4", addr, 10*time.Second)
		require.NoError(t, err, "connection %d", i)
		conns = append(conns, c)
		_ = c.SetDeadline(time.Now().Add(30 * time.Second))
		var key [16]byte
		_, _ = rand.Read(key[:])
		req := "GET / HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " +
			base64.StdEncoding.EncodeToString(key[:]) + "\r\n"
		if ext != "" {
			req += "Sec-WebSocket-Extensions: " + ext + "\r\n"
		}
		_, err = io.WriteString(c, req+"\r\n")
		require.NoError(t, err)
		br := bufio.NewReaderSize(c, 512)
		resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet})
		require.NoError(t, err)
		require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
		if ext != "" {
			require.Contains(t, resp.Header.Get("Sec-WebSocket-Extensions"), "permessage-deflate")
		}
		_, err = c.Write(frame)
		require.NoError(t, err)
		// Read the echo: header, then its payload.
		var h [2]byte
		_, err = io.ReadFull(br, h[:])
		require.NoError(t, err)
		plen := int64(h[1] & 0x7f)
		if plen == 126 {
			var b [2]byte
			_, err = io.ReadFull(br, b[:])
			require.NoError(t, err)
			plen = int64(binary.BigEndian.Uint16(b[:]))
		}
		_, err = io.CopyN(io.Discard, br, plen)
		require.NoError(t, err)
		_ = c.SetDeadline(time.Time{})
	}
	fmt.Println("READY")
	_, _ = io.Copy(io.Discard, os.Stdin)
}

func memClientFrame(op byte, rsv byte, payload []byte) []byte {
	hdr := []byte{0x80 | op | rsv<<4}
	if len(payload) < 126 {
		hdr = append(hdr, 0x80|byte(len(payload)))
	} else {
		hdr = binary.BigEndian.AppendUint16(append(hdr, 0x80|126), uint16(len(payload)))
	}
	hdr = append(hdr, 0, 0, 0, 0) // zero mask key
	return append(hdr, payload...)
}
