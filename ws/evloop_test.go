package ws

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// evEcho echoes every message and records the connections it served.
type evEcho struct {
	BaseHandler
	mu    sync.Mutex
	conns []*Conn
}

func (h *evEcho) OnOpen(c *Conn) {
	h.mu.Lock()
	h.conns = append(h.conns, c)
	h.mu.Unlock()
}

func (h *evEcho) OnMessage(c *Conn, p []byte, isBinary bool) { _ = c.SendMessage(p, isBinary) }

// served returns the connections opened so far.
func (h *evEcho) served() []*Conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*Conn(nil), h.conns...)
}

// inEvent reports whether c is served by the poller.
func inEvent(c *Conn) bool { return fmt.Sprintf("%T", c.nc) == "*ws.evConn" }

func evOpts(on bool) *Options {
	o := DefaultOptions()
	o.EventLoop = on
	return o
}

// TestEventLoopEcho: server and client both in event mode (or in
// goroutine mode, for comparison) echo messages of every size class,
// text and binary, plain and compressed, and close cleanly.
func TestEventLoopEcho(t *testing.T) {
	sizes := []int{0, 1, 125, 126, 4 << 10, 64<<10 + 3, 300 << 10, 1 << 20}
	for _, tc := range []struct {
		name    string
		ev      bool
		deflate bool
	}{{"event", true, false}, {"event-deflate", true, true}, {"goroutine", false, false}} {
		t.Run(tc.name, func(t *testing.T) {
			h := &evEcho{}
			so := evOpts(tc.ev)
			co := evOpts(tc.ev)
			if tc.deflate {
				so.PerMessageDeflate = &DeflateOptions{}
				co.PerMessageDeflate = &DeflateOptions{}
			}
			addr := startOurServer(t, so, h)
			c, err := Dial(dialCtx(t), "ws://"+addr+"/", nil, co)
			require.NoError(t, err)
			assert.Equal(t, tc.ev && eventLoopAvailable(), inEvent(c), "client served by the poller")
			for i, n := range sizes {
				p := bytes.Repeat([]byte{byte('a' + i)}, n)
				require.NoError(t, c.SendMessage(p, i%2 == 1))
				isBinary, got, err := c.ReadMessage(dialCtx(t))
				require.NoError(t, err, "size %d", n)
				assert.Equal(t, i%2 == 1, isBinary)
				assert.True(t, bytes.Equal(p, got), "size %d: echo differs", n)
			}
			srv := h.served()
			require.Len(t, srv, 1)
			assert.Equal(t, tc.ev && eventLoopAvailable(), inEvent(srv[0]), "server served by the poller")
			assert.Equal(t, tc.deflate, c.Compressed())
			require.NoError(t, c.Close())
			select {
			case <-srv[0].Done():
			case <-time.After(testTimeout):
				t.Fatal("server side did not finish")
			}
		})
	}
}

// TestEventLoopPipelined: many messages written at once, some split
// across the poller's reads, arrive whole and in order.
func TestEventLoopPipelined(t *testing.T) {
	h := &evEcho{}
	addr := startOurServer(t, evOpts(true), h)
	c, err := Dial(dialCtx(t), "ws://"+addr+"/", nil, evOpts(true))
	require.NoError(t, err)
	const n = 500
	go func() {
		for i := 0; i < n; i++ {
			_ = c.SendMessage([]byte(fmt.Sprintf("m%04d%s", i, strings.Repeat("x", i*37%5000))), false)
		}
	}()
	for i := 0; i < n; i++ {
		_, got, err := c.ReadMessage(dialCtx(t))
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(string(got), fmt.Sprintf("m%04d", i)), "message %d out of order: %.8q", i, got)
	}
	require.NoError(t, c.Close())
}

// TestEventLoopTLS: a TLS connection with EventLoop on works, served in
// goroutine mode (the poller needs the raw socket).
func TestEventLoopTLS(t *testing.T) {
	h := &evEcho{}
	srv := NewServer(func() Handler { return h }, evOpts(true))
	ts := httptest.NewUnstartedServer(srv)
	ts.StartTLS()
	defer ts.Close()
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	co := evOpts(true)
	co.TLSConfig = &tls.Config{RootCAs: pool}
	c, err := Dial(dialCtx(t), strings.Replace(ts.URL, "https://", "wss://", 1)+"/", nil, co)
	require.NoError(t, err)
	assert.False(t, inEvent(c), "a TLS client falls back to goroutine mode")
	require.NoError(t, c.SendMessage([]byte("over tls"), false))
	_, got, err := c.ReadMessage(dialCtx(t))
	require.NoError(t, err)
	assert.Equal(t, "over tls", string(got))
	served := h.served()
	require.Len(t, served, 1)
	assert.False(t, inEvent(served[0]), "a TLS server connection falls back to goroutine mode")
	require.NoError(t, c.Close())
}

// TestEventLoopWriteTimeout: a peer that never reads. Sends go into the
// poller's write buffer until it holds evWriteMax bytes, then block and
// fail after WriteTimeout; the connection is dropped, unclean.
func TestEventLoopWriteTimeout(t *testing.T) {
	if !eventLoopAvailable() {
		t.Skip("no poller on this platform")
	}
	const wt = 200 * time.Millisecond
	a, b := tcpPair(t)
	_ = b // never reads
	o := testOpts()
	o.EventLoop = true
	o.WriteTimeout = wt
	h := newRec()
	c := startConn(connConfig{netConn: a, isServer: true, opts: o, handler: h})
	t.Cleanup(func() { _ = c.CloseNow() })
	require.True(t, inEvent(c))
	payload := bytes.Repeat([]byte("x"), 64<<10)
	r := sendUntilFail(t, func() error { return c.SendMessage(payload, true) })
	require.Error(t, r.err)
	assert.ErrorIs(t, r.err, os.ErrDeadlineExceeded)
	assert.Contains(t, r.err.Error(), "WriteTimeout")
	assert.Positive(t, r.sent)
	t.Logf("%d sends of 64 KiB before the timeout; the failing one took %v (WriteTimeout %v)", r.sent, r.took, wt)
	assert.Less(t, r.took, wt+2*time.Second)
	ci := h.waitClose(t)
	assert.False(t, ci.wasClean)
	assert.Equal(t, CloseAbnormal, ci.code)
	assert.Contains(t, ci.reason, "write timeout")
}

// TestEventLoopIdleHoldsNoGoroutine opens 2,000 connections in event
// mode, both sides in this process, exchanges one message on each, and
// asserts that the process's goroutine count did not grow with them.
func TestEventLoopIdleHoldsNoGoroutine(t *testing.T) {
	if !eventLoopAvailable() {
		t.Skip("no poller on this platform")
	}
	const n = 2000
	if lim := openFileLimit(); lim < 2*n+200 {
		t.Skipf("open file limit %d is below %d", lim, 2*n+200)
	}
	h := &evEcho{}
	addr := startOurServer(t, evOpts(true), h)
	// Warm up: the poller, the HTTP server and the pools exist before the
	// baseline is taken.
	warm, err := Dial(dialCtx(t), "ws://"+addr+"/", nil, evOpts(true))
	require.NoError(t, err)
	require.NoError(t, warm.SendMessage([]byte("warm"), false))
	_, _, err = warm.ReadMessage(dialCtx(t))
	require.NoError(t, err)
	settle := func() int {
		// Let finished goroutines (handshake handlers, bursts) go.
		g := runtime.NumGoroutine()
		for i := 0; i < 50; i++ {
			time.Sleep(20 * time.Millisecond)
			if ng := runtime.NumGoroutine(); ng == g {
				break
			} else {
				g = ng
			}
		}
		return g
	}
	base := settle()
	var ms0 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)

	got := make(chan error, n)
	ch := &evCount{got: got}
	conns := make([]*Conn, 0, n)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for i := 0; i < n; i++ {
		c, err := Dial(ctx, "ws://"+addr+"/", ch, evOpts(true))
		require.NoError(t, err, "dial %d", i)
		conns = append(conns, c)
		require.NoError(t, c.SendMessage([]byte("hello"), false))
	}
	for i := 0; i < n; i++ {
		select {
		case err := <-got:
			require.NoError(t, err)
		case <-ctx.Done():
			t.Fatalf("only %d of %d echoes came back", i, n)
		}
	}
	after := settle()
	var ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms1)
	heap := int64(ms1.HeapInuse+ms1.StackInuse) - int64(ms0.HeapInuse+ms0.StackInuse)
	t.Logf("goroutines: %d before, %d with %d idle connections (both sides here); Go heap+stack %d bytes per connection pair",
		base, after, n, heap/n)
	// Only the pooled workers (at most evIdleMax, a constant) may wait.
	assert.Less(t, after, base+int(evIdleMax)+50, "the goroutine count grew with idle connections")
	assert.Len(t, h.served(), n+1)
	for _, c := range conns {
		_ = c.CloseNow()
	}
	_ = warm.CloseNow()
}

// evCount reports each message it receives.
type evCount struct {
	BaseHandler
	got chan error
}

func (h *evCount) OnMessage(_ *Conn, p []byte, _ bool) {
	if string(p) == "hello" {
		h.got <- nil
	} else {
		h.got <- fmt.Errorf("unexpected message %q", p)
	}
}

// TestIdleConnectionsEventLoop: in event mode an idle server connection
// costs no goroutine (only the pooled workers, a constant, may wait) and
// no pooled read buffer or feed chunk; the clients are raw sockets.
func TestIdleConnectionsEventLoop(t *testing.T) {
	if !eventLoopAvailable() {
		t.Skip("no poller on this platform")
	}
	n := 2000
	if testing.Short() || raceEnabled {
		n = 500
	}
	checkIdleGoroutines(t, evOpts(true), n, 0, int(evIdleMax)+20)
	assert.Eventually(t, func() bool { return evChunksOut.Load() == 0 }, 10*time.Second, 10*time.Millisecond,
		"idle connections hold %d feed chunks", evChunksOut.Load())
}

// evStall blocks in OnMessage until release is closed.
type evStall struct {
	BaseHandler
	conn    chan *Conn
	release chan struct{}
	got     atomic.Int64
}

func (h *evStall) OnOpen(c *Conn) { h.conn <- c }

func (h *evStall) OnMessage(*Conn, []byte, bool) {
	<-h.release
	h.got.Add(1)
}

// TestEventLoopReadBackpressure: a handler that does not return stops the
// poller from reading the socket once the feed holds evFeedMax bytes (to
// within one chunk); TCP
// flow control then stops the peer, as in goroutine mode. Released, every
// message arrives.
func TestEventLoopReadBackpressure(t *testing.T) {
	if !eventLoopAvailable() {
		t.Skip("no poller on this platform")
	}
	h := &evStall{conn: make(chan *Conn, 1), release: make(chan struct{})}
	addr := startOurServer(t, evOpts(true), h)
	c, err := Dial(dialCtx(t), "ws://"+addr+"/", nil, DefaultOptions())
	require.NoError(t, err)
	defer func() { _ = c.CloseNow() }()
	sc := <-h.conn
	const n, size = 400, 64 << 10 // 25 MiB, far beyond socket buffers and the feed bound
	var sent atomic.Int64
	sendDone := make(chan error, 1)
	go func() {
		p := make([]byte, size)
		for i := 0; i < n; i++ {
			if err := c.SendMessage(p, true); err != nil {
				sendDone <- err
				return
			}
			sent.Add(1)
		}
		sendDone <- nil
	}()
	// Wait until the sender is stuck (no progress for 300 ms).
	last := int64(-1)
	for i := 0; i < 100; i++ {
		time.Sleep(300 * time.Millisecond)
		if s := sent.Load(); s == last {
			break
		} else {
			last = s
		}
	}
	e := sc.nc.(interface{ feedSize() int })
	fed := e.feedSize()
	t.Logf("sender stuck after %d of %d messages of 64 KiB; the server's feed holds %d bytes (bound %d + one chunk)", sent.Load(), n, fed, evFeedMax)
	assert.Less(t, sent.Load(), int64(n), "the sender was never held back")
	// The poller reads in evChunk chunks and stops once the feed holds
	// evFeedMax bytes (a fast sender refills the socket as it is read).
	assert.LessOrEqual(t, fed, evFeedMax+evChunk, "the feed grew past its bound plus one chunk")
	close(h.release)
	require.NoError(t, <-sendDone)
	assert.Eventually(t, func() bool { return h.got.Load() == n }, 20*time.Second, 10*time.Millisecond,
		"%d of %d messages arrived after the release", h.got.Load(), n)
}

// evCloseRec records how the server side closed.
type evCloseRec struct {
	BaseHandler
	closed chan closeInfo
}

func (h *evCloseRec) OnClose(_ *Conn, wasClean bool, code int, reason string) {
	h.closed <- closeInfo{wasClean, code, reason}
}

// TestEventLoopHalfCloseAfterClose: a client sends its close frame and
// shuts down its write side at once. In goroutine mode the server's reply
// still goes out and the close is clean. In event mode the poller closes
// the socket on the peer's FIN: when the FIN comes with the close frame
// (in one poller event) the close frame is still handled but the reply
// cannot go out and the close is unclean (1006); when the engine replies
// before the FIN is seen, the close is clean. Either way nothing hangs
// and OnClose runs once: the documented difference (evloop.go).
func TestEventLoopHalfCloseAfterClose(t *testing.T) {
	for _, ev := range []bool{false, true} {
		t.Run(fmt.Sprintf("event=%v", ev), func(t *testing.T) {
			if ev && !eventLoopAvailable() {
				t.Skip("no poller on this platform")
			}
			h := &evCloseRec{closed: make(chan closeInfo, 1)}
			srv := NewServer(func() Handler { return h }, evOpts(ev))
			addr := startServer(t, srv, "tcp4")
			c, err := dialRawIdle(addr)
			require.NoError(t, err)
			defer c.nc.Close()
			_, err = c.nc.Write(encode(OpClose, true, 0, closePayload(1000, "bye"), true))
			require.NoError(t, err)
			require.NoError(t, c.nc.(*net.TCPConn).CloseWrite())
			hdr, _, rerr := readTestFrameHeader(c.br)
			var ci closeInfo
			select {
			case ci = <-h.closed:
			case <-time.After(testTimeout):
				t.Fatal("no OnClose")
			}
			t.Logf("reply: opcode %d, err %v; OnClose clean=%v code=%d reason=%q", hdr[0]&0xF, rerr, ci.wasClean, ci.code, ci.reason)
			if !ev {
				require.NoError(t, rerr)
				assert.Equal(t, byte(OpClose), hdr[0]&0xF)
				assert.True(t, ci.wasClean)
				assert.Equal(t, 1000, ci.code)
				return
			}
			if rerr == nil {
				assert.Equal(t, byte(OpClose), hdr[0]&0xF)
				assert.True(t, ci.wasClean)
				assert.Equal(t, 1000, ci.code)
				return
			}
			assert.False(t, ci.wasClean)
			assert.Equal(t, CloseAbnormal, ci.code)
			assert.Contains(t, ci.reason, "write failed")
		})
	}
}
