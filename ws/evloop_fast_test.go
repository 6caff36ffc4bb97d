//go:build linux

package ws

import (
	"bytes"
	"net"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// evBlockOne blocks in OnMessage on a message "block" until release is
// closed and echoes every other message.
type evBlockOne struct {
	BaseHandler
	blocked chan struct{} // closed when OnMessage blocks
	release chan struct{}
}

func (h *evBlockOne) OnMessage(c *Conn, p []byte, isBinary bool) {
	if string(p) == "block" {
		close(h.blocked)
		<-h.release
		return
	}
	_ = c.SendMessage(p, isBinary)
}

// TestEventLoopBlockingCallbackIsolated: the poller yields to the bursts it
// starts (evloop_linux.go, readable), so a callback that blocks must park
// only its own goroutine. With one server connection blocked in OnMessage,
// other connections on the same poller still get their echoes: 8 clients
// × 50 round trips, against a bound far above the time it takes (the
// stall would last until release, after the bound).
func TestEventLoopBlockingCallbackIsolated(t *testing.T) {
	if !eventLoopAvailable() {
		t.Skip("no poller on this platform")
	}
	for _, gmp := range []int{0, 1} {
		t.Run(map[int]string{0: "gomaxprocs=default", 1: "gomaxprocs=1"}[gmp], func(t *testing.T) {
			if gmp > 0 {
				// One P: the poller and the bursts take turns on it.
				defer setGOMAXPROCS(gmp)()
			}
			h := &evBlockOne{blocked: make(chan struct{}), release: make(chan struct{})}
			addr := startOurServer(t, evOpts(true), h)
			blocker, err := Dial(dialCtx(t), "ws://"+addr+"/", nil, DefaultOptions())
			require.NoError(t, err)
			defer func() { _ = blocker.CloseNow() }()
			require.NoError(t, blocker.SendMessage([]byte("block"), false))
			select {
			case <-h.blocked:
			case <-time.After(testTimeout):
				t.Fatal("the blocking callback did not run")
			}
			defer close(h.release)
			const clients, rounds = 8, 50
			cs := make([]*Conn, clients)
			for i := range cs {
				c, err := Dial(dialCtx(t), "ws://"+addr+"/", nil, DefaultOptions())
				require.NoError(t, err)
				defer func() { _ = c.CloseNow() }()
				cs[i] = c
			}
			start := time.Now()
			done := make(chan error, clients)
			for i, c := range cs {
				go func(i int, c *Conn) {
					p := bytes.Repeat([]byte{byte('a' + i)}, 100+i)
					for r := 0; r < rounds; r++ {
						if err := c.SendMessage(p, false); err != nil {
							done <- err
							return
						}
						_, got, err := c.ReadMessage(dialCtx(t))
						if err != nil {
							done <- err
							return
						}
						if !bytes.Equal(p, got) {
							done <- assert.AnError
							return
						}
					}
					done <- nil
				}(i, c)
			}
			for range cs {
				select {
				case err := <-done:
					require.NoError(t, err)
				case <-time.After(testTimeout):
					t.Fatal("echoes on other connections stalled behind a blocked callback")
				}
			}
			t.Logf("%d echoes on %d connections in %v while one callback blocked", clients*rounds, clients, time.Since(start))
		})
	}
}

// TestEventLoopSplitMessage: a large message whose bytes trickle in, in
// small pieces (many poller reads, the engine waiting for the feed mid
// frame), followed by a small one in the same write as the big one's
// last bytes, arrive whole and in order.
func TestEventLoopSplitMessage(t *testing.T) {
	if !eventLoopAvailable() {
		t.Skip("no poller on this platform")
	}
	h := &evEcho{}
	srv := NewServer(func() Handler { return h }, evOpts(true))
	addr := startServer(t, srv, "tcp4")
	c, err := dialRawIdle(addr)
	require.NoError(t, err)
	defer c.nc.Close()
	big := make([]byte, 300<<10+7)
	for i := range big {
		big[i] = byte(i * 7)
	}
	wire := append(encode(OpBinary, true, 0, big, true), encode(OpText, true, 0, []byte("after"), true)...)
	go func() {
		for off, i := 0, 0; off < len(wire); i++ {
			n := 1 + (i*37)%3000
			if off+n > len(wire) {
				n = len(wire) - off
			}
			if _, err := c.nc.Write(wire[off : off+n]); err != nil {
				return
			}
			off += n
			if i%16 == 0 {
				time.Sleep(time.Millisecond) // a separate poller event
			}
		}
	}()
	p := newPeer(t, c.nc, false)
	p.br = c.br
	f, err := p.read()
	require.NoError(t, err)
	require.Equal(t, OpBinary, f.op)
	require.True(t, bytes.Equal(big, f.payload), "echo of %d bytes differs (got %d)", len(big), len(f.payload))
	f, err = p.read()
	require.NoError(t, err)
	assert.Equal(t, OpText, f.op)
	assert.Equal(t, "after", string(f.payload))
}

// evStallCount blocks in OnMessage until release is closed and counts the
// messages.
type evStallCount struct {
	BaseHandler
	conn    chan *Conn
	release chan struct{}
	got     atomic.Int64
	closed  chan struct{}
	// inCallback is set once OnMessage is entered (it then blocks).
	inCallback atomic.Bool
}

func (h *evStallCount) OnOpen(c *Conn) { h.conn <- c }

func (h *evStallCount) OnMessage(*Conn, []byte, bool) {
	h.inCallback.Store(true)
	<-h.release
	h.got.Add(1)
}

func (h *evStallCount) OnClose(*Conn, bool, int, string) { close(h.closed) }

// TestEventLoopPausedThenHalfClosed: with the feed full (the handler
// blocks), the poller leaves new bytes in the socket; when the peer then
// half-closes, the poller closes the socket after that event, so it must
// take those bytes first. Every message sent before the FIN is delivered.
func TestEventLoopPausedThenHalfClosed(t *testing.T) {
	if !eventLoopAvailable() {
		t.Skip("no poller on this platform")
	}
	h := &evStallCount{conn: make(chan *Conn, 1), release: make(chan struct{}), closed: make(chan struct{})}
	srv := NewServer(func() Handler { return h }, evOpts(true))
	addr := startServer(t, srv, "tcp4")
	c, err := dialRawIdle(addr)
	require.NoError(t, err)
	defer c.nc.Close()
	sc := <-h.conn
	msg := encode(OpBinary, true, 0, make([]byte, 64<<10), true)
	const before, after = 6, 3
	for i := 0; i < before; i++ {
		_, err := c.nc.Write(msg)
		require.NoError(t, err)
	}
	// The feed is paused once the poller has read evFeedMax; the engine
	// may have taken the first message (and read ahead) from it since,
	// then blocked in OnMessage, but it resumes only below half the feed.
	e := sc.nc.(interface{ feedState() (int, bool) })
	require.Eventually(t, func() bool { _, paused := e.feedState(); return paused }, testTimeout, time.Millisecond,
		"the feed never paused")
	require.Eventually(t, func() bool { return h.inCallback.Load() }, testTimeout, time.Millisecond,
		"the first message never reached OnMessage")
	full, _ := e.feedState()
	assert.GreaterOrEqual(t, full, evFeedMax/2, "paused below the resume mark")
	for i := 0; i < after; i++ {
		_, err := c.nc.Write(msg)
		require.NoError(t, err)
	}
	time.Sleep(50 * time.Millisecond)
	now, paused := e.feedState()
	assert.True(t, paused, "still paused")
	assert.Equal(t, full, now, "paused: the bytes must stay in the socket")
	require.NoError(t, c.nc.(*net.TCPConn).CloseWrite())
	time.Sleep(50 * time.Millisecond)
	close(h.release)
	select {
	case <-h.closed:
	case <-time.After(testTimeout):
		t.Fatal("no OnClose")
	}
	assert.Equal(t, int64(before+after), h.got.Load(), "messages sent before the FIN were lost")
}

// setGOMAXPROCS sets GOMAXPROCS and returns the function that restores it.
func setGOMAXPROCS(n int) func() {
	old := runtime.GOMAXPROCS(n)
	return func() { runtime.GOMAXPROCS(old) }
}

// feedState reports the bytes in the feed and whether it is paused (the
// poller leaves new bytes in the socket).
func (e *evConn) feedState() (int, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.fed, e.paused
}
