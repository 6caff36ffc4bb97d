package ws

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// idleEcho echoes every message and counts them.
type idleEcho struct {
	BaseHandler
	msgs *atomic.Int64
}

func (h idleEcho) OnMessage(c *Conn, p []byte, isBinary bool) {
	h.msgs.Add(1)
	_ = c.SendMessage(p, isBinary)
}

// rawIdleClient is a WebSocket client without a goroutine: a socket, the
// opening handshake written and read by hand, frames encoded by the test.
type rawIdleClient struct {
	nc net.Conn
	br *bufio.Reader
}

const rawIdleRequest = "GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"

func dialRawIdle(addr string) (*rawIdleClient, error) {
	nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(nc, rawIdleRequest); err != nil {
		_ = nc.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(nc, 512)
	status, err := br.ReadString('\n')
	if err != nil || !strings.Contains(status, " 101 ") {
		_ = nc.Close()
		return nil, fmt.Errorf("handshake: %q %v", status, err)
	}
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			_ = nc.Close()
			return nil, err
		}
		if l == "\r\n" {
			break
		}
	}
	return &rawIdleClient{nc: nc, br: br}, nil
}

// echo sends payload as one masked binary frame, in pieces of at most
// piece bytes (0: at once), and reads the echo.
func (c *rawIdleClient) echo(payload []byte, piece int) error {
	frame := encode(OpBinary, true, 0, payload, true)
	for len(frame) > 0 {
		n := len(frame)
		if piece > 0 {
			n = min(n, piece)
		}
		if _, err := c.nc.Write(frame[:n]); err != nil {
			return err
		}
		frame = frame[n:]
	}
	h, n, err := readTestFrameHeader(c.br)
	if err != nil {
		return err
	}
	if h[0]&0xF != OpBinary || int(n) != len(payload) {
		return fmt.Errorf("echo: opcode %d, %d bytes; want %d", h[0]&0xF, n, len(payload))
	}
	got := make([]byte, n)
	if _, err := io.ReadFull(c.br, got); err != nil {
		return err
	}
	if !bytes.Equal(got, payload) {
		return fmt.Errorf("echo differs")
	}
	return nil
}

// openIdleConns opens n connections to a server with options opts, has one
// message echoed on each, and returns the goroutines the process gained
// per connection once they idle (the clients are raw sockets without
// goroutines, so the server's goroutines alone count). It waits, up to a
// generous bound, until that is at most perConn per connection plus slack,
// and fails the test when it does not come down to it.
func checkIdleGoroutines(t *testing.T, opts *Options, n int, perConn float64, slack int) {
	t.Helper()
	var msgs atomic.Int64
	srv := NewServer(func() Handler { return idleEcho{msgs: &msgs} }, opts)
	addr := startServer(t, srv, "tcp4")
	runtime.GC()
	base := runtime.NumGoroutine()

	clients := make([]*rawIdleClient, n)
	t.Cleanup(func() {
		for _, c := range clients {
			if c != nil {
				_ = c.nc.Close()
			}
		}
	})
	payload := []byte("one message on each connection, then idle")
	var wg sync.WaitGroup
	errs := make(chan error, n)
	next := make(chan int)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				c, err := dialRawIdle(addr)
				if err == nil {
					clients[i] = c
					err = c.echo(payload, 0)
					_ = c.nc.SetDeadline(time.Time{})
				}
				if err != nil {
					errs <- fmt.Errorf("connection %d: %w", i, err)
				}
			}
		}()
	}
	for i := range clients {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, int64(n), msgs.Load())

	limit := base + int(perConn*float64(n)) + slack
	var got int
	deadline := time.Now().Add(20 * time.Second)
	for {
		got = runtime.NumGoroutine()
		if got <= limit || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond) // net/http's goroutines end after the hijack
	}
	t.Logf("%d idle connections: %d goroutines more than before (%.3f per connection)", n, got-base, float64(got-base)/float64(n))
	require.LessOrEqual(t, got, limit, "goroutines: %d before, %d with %d idle connections (at most %.0f per connection + %d)", base, got, n, perConn, slack)
	require.Eventually(t, func() bool { return readBufsOut.Load() <= 0 }, 10*time.Second, 10*time.Millisecond,
		"idle connections hold %d pooled read buffers", readBufsOut.Load())
}

// TestIdleConnectionsGoroutines: in goroutine mode an idle connection
// costs one goroutine (its reader) and no pooled read buffer.
func TestIdleConnectionsGoroutines(t *testing.T) {
	n := 2000
	if testing.Short() || raceEnabled {
		n = 500
	}
	checkIdleGoroutines(t, DefaultOptions(), n, 1, 0)
}

// TestIdleReadBufferReturned: whatever the size of a message and however
// it arrives, once it is consumed the connection holds no pooled read
// buffer (readBufsOut is back where it was) and an idle connection keeps
// none while it waits for the next one.
func TestIdleReadBufferReturned(t *testing.T) {
	var msgs atomic.Int64
	srv := NewServer(func() Handler { return idleEcho{msgs: &msgs} }, DefaultOptions())
	addr := startServer(t, srv, "tcp4")
	require.Eventually(t, func() bool { return readBufsOut.Load() <= 0 }, 10*time.Second, 10*time.Millisecond)
	c, err := dialRawIdle(addr)
	require.NoError(t, err)
	defer c.nc.Close()
	cases := []struct {
		size, piece int
	}{
		{0, 0}, {10, 0}, {125, 0}, {250, 0}, {251, 0}, {300, 1}, {1000, 0}, {4000, 100},
		{20 << 10, 0}, {20 << 10, 3000}, {200 << 10, 0}, {200 << 10, 7000}, {1 << 20, 0}, {64, 0},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%dB/pieces=%d", tc.size, tc.piece), func(t *testing.T) {
			p := bytes.Repeat([]byte{byte(tc.size)}, tc.size)
			_ = c.nc.SetDeadline(time.Now().Add(20 * time.Second))
			require.NoError(t, c.echo(p, tc.piece))
			assert.Eventually(t, func() bool { return readBufsOut.Load() <= 0 }, 10*time.Second, 5*time.Millisecond,
				"after a %d-byte message: %d pooled read buffers out", tc.size, readBufsOut.Load())
		})
	}
	// Two messages in one write: the second is read ahead, then all of it
	// goes back too.
	two := append(encode(OpBinary, true, 0, bytes.Repeat([]byte("a"), 3000), true), encode(OpBinary, true, 0, []byte("b"), true)...)
	_, err = c.nc.Write(two)
	require.NoError(t, err)
	for _, want := range []int{3000, 1} {
		_, n, err := readTestFrameHeader(c.br)
		require.NoError(t, err)
		require.Equal(t, uint64(want), n)
		_, err = io.CopyN(io.Discard, c.br, int64(n))
		require.NoError(t, err)
	}
	assert.Eventually(t, func() bool { return readBufsOut.Load() <= 0 }, 10*time.Second, 5*time.Millisecond)
}
