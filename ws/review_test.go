package ws

// Review findings: each test asserts documented or RFC behaviour that the
// engine does not meet yet (see the review report).

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// blockingMsgHandler blocks in OnMessage until release is closed.
type blockingMsgHandler struct {
	BaseHandler
	entered chan struct{}
	release chan struct{}
}

func (h *blockingMsgHandler) OnMessage(*Conn, []byte, bool) {
	close(h.entered)
	<-h.release
}

// Close is documented to wait until the connection is closed unless it is
// called from a callback. It tells the two apart with a connection-wide
// counter (inCB), so a Close from any other goroutine, made while the read
// goroutine happens to be inside a callback, returns nil at once: the
// connection is neither closed nor known to close cleanly.
func TestReviewCloseFromOtherGoroutineWaitsWhileCallbackRuns(t *testing.T) {
	a, b := tcpPair(t)
	h := &blockingMsgHandler{entered: make(chan struct{}), release: make(chan struct{})}
	srv := engine(t, a, true, nil, h, nil)
	cli := engine(t, b, false, nil, newRec(), nil)
	require.NoError(t, cli.SendMessage([]byte("hi"), false))
	select {
	case <-h.entered:
	case <-time.After(testTimeout):
		t.Fatal("OnMessage not called")
	}
	// The callback finishes a little later, on its own.
	time.AfterFunc(300*time.Millisecond, func() { close(h.release) })

	err := srv.Close() // not from a callback: must wait for the end
	select {
	case <-srv.Done():
	default:
		t.Fatalf("Close returned %v before the connection was closed", err)
	}
	assert.NoError(t, err, "the closing handshake completes cleanly")
}

// blockingCloseHandler blocks in OnClose until release is closed.
type blockingCloseHandler struct {
	BaseHandler
	entered chan closeInfo
	release chan struct{}
}

func (h *blockingCloseHandler) OnClose(_ *Conn, wasClean bool, code int, reason string) {
	h.entered <- closeInfo{wasClean, code, reason}
	<-h.release
}

// Same root cause: while OnClose of an uncleanly closed connection runs,
// Close from another goroutine reports nil ("closed cleanly").
func TestReviewCloseAfterUncleanEndReportsError(t *testing.T) {
	a, b := tcpPair(t)
	h := &blockingCloseHandler{entered: make(chan closeInfo, 1), release: make(chan struct{})}
	srv := engine(t, a, true, nil, h, nil)
	require.NoError(t, b.Close()) // peer drops TCP without a close handshake
	var ci closeInfo
	select {
	case ci = <-h.entered:
	case <-time.After(testTimeout):
		t.Fatal("OnClose not called")
	}
	require.False(t, ci.wasClean)
	time.AfterFunc(300*time.Millisecond, func() { close(h.release) })

	err := srv.Close()
	require.Error(t, err, "the connection did not close cleanly")
	var ce *CloseError
	if assert.True(t, errors.As(err, &ce), "got %v", err) {
		assert.False(t, ce.WasClean)
		assert.Equal(t, CloseAbnormal, ce.Code)
	}
}

// floodHandler sends large messages from OnOpen until a send fails.
type floodHandler struct {
	BaseHandler
	conns chan *Conn
}

func (h *floodHandler) OnOpen(c *Conn) {
	h.conns <- c
	go func() {
		msg := make([]byte, 1<<20)
		for c.SendMessage(msg, true) == nil {
		}
	}()
}

// Shutdown(ctx) is documented to drop the remaining connections and return
// ctx's error when ctx ends. goingAway writes the 1001 close frame under
// wmu before arming any timer; when a sender is blocked in a write to a
// peer that stopped reading (there is no write timeout), goingAway blocks
// on wmu forever and Shutdown never looks at ctx.
func TestReviewShutdownHonoursContextWithStalledWriter(t *testing.T) {
	h := &floodHandler{conns: make(chan *Conn, 1)}
	srv := NewServer(func() Handler { return h }, nil)
	srv.Logger = discardLogger()
	addr := startServer(t, srv, "tcp4")
	resp, _, raw := rawExchange(t, addr, upgradeRequest("/"))
	require.Equal(t, 101, resp.StatusCode)
	var c *Conn
	select {
	case c = <-h.conns:
	case <-time.After(testTimeout):
		t.Fatal("no connection")
	}
	// Wait until the sender is stuck: the client never reads.
	last := uint64(0)
	for stable := 0; stable < 3; {
		time.Sleep(100 * time.Millisecond)
		if n := c.Stats().WireOctetsOut; n == last && n > 0 {
			stable++
		} else {
			stable, last = 0, n
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(ctx) }()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	case <-time.After(3 * time.Second):
		_ = raw.Close() // unblock the writer so the test can end
		<-done
		t.Fatal("Shutdown ignored its context: stuck behind a blocked writer")
	}
}

// grow caps a message buffer at MaxMessagePayloadSize+1 computed in int64:
// with the limit at math.MaxInt64 (a common Go spelling of "no limit") the
// +1 overflows, the first grow allocates 1 byte and the second computes
// add = MinInt64-1 (wrapping to MaxInt64): make panics with "cap out of
// range" on the read goroutine and the whole process dies. End to end, any
// peer message of 2 bytes or more crashes a server configured so. (Tested
// on grow directly so the panic does not take the test binary down.)
func TestReviewMaxInt64MessageLimitDoesNotPanic(t *testing.T) {
	opts := testOpts()
	opts.MaxMessagePayloadSize = math.MaxInt64
	c := &Conn{opts: opts}
	c.skipLeft = 1 << 20 // an uncompressed 1 MiB frame is arriving
	var acc []byte
	for i := 0; i < 3; i++ {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("grow #%d with len(acc)=%d panicked: %v", i+1, len(acc), p)
				}
			}()
			acc = c.grow(acc, false, false)
		}()
		require.Greater(t, cap(acc), len(acc))
		acc = acc[:cap(acc)]
	}
	assert.GreaterOrEqual(t, len(acc), 64<<10, "growth must stay proportional (not 1 byte per read)")
}
