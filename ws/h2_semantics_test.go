package ws

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestH2ServerStreamResetIs1006: a server that resets the stream of an
// open WebSocket (RST_STREAM, here a handler aborting with
// http.ErrAbortHandler) is an abnormal closure (1006) for our client,
// and the other WebSocket on the same HTTP/2 connection goes on.
func TestH2ServerStreamResetIs1006(t *testing.T) {
	requireH2(t)
	echo := NewServer(func() Handler { return newH2Echo() }, nil)
	reset := make(chan struct{})
	mux := http.NewServeMux()
	mux.Handle("/", echo)
	mux.HandleFunc("/reset", func(w http.ResponseWriter, r *http.Request) {
		if _, err := h2Accept(w, r, "", "", nil); err != nil {
			return
		}
		<-reset
		panic(http.ErrAbortHandler) // net/http resets the stream
	})
	ts := httptest.NewUnstartedServer(mux)
	ts.Config.ErrorLog = slog.NewLogLogger(slog.NewTextHandler(io.Discard, nil), slog.LevelError)
	ts.Config.Protocols = new(http.Protocols)
	ts.Config.Protocols.SetUnencryptedHTTP2(true)
	ts.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = echo.Shutdown(ctx)
		ts.CloseClientConnections()
		ts.Close()
	})
	base := "ws://" + ts.Listener.Addr().String()
	pool := NewHTTP2Pool()
	defer pool.Close()
	o := DefaultOptions()
	o.HTTP2Pool = pool
	other := h2Dial(t, base+"/", o)
	victim := h2Dial(t, base+"/reset", o)
	require.Equal(t, 1, pool.ConnCount())

	close(reset)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _, err := victim.ReadMessage(ctx)
	var ce *CloseError
	require.True(t, errors.As(err, &ce), "%v", err)
	assert.False(t, ce.WasClean, "%+v", ce)
	assert.Equal(t, CloseAbnormal, ce.Code, "%+v", ce)

	require.NoError(t, other.SendMessage([]byte("after the reset"), false))
	_, got := readMsg(t, other)
	assert.Equal(t, "after the reset", string(got))
	assert.Equal(t, 1, pool.ConnCount(), "the reset ended one stream, not the connection")
}

// sendFirst sends the first WebSocket it serves 16 MiB at open (on its own
// goroutine: the sends block once its stream's window is full); the
// others echo.
type sendFirst struct {
	BaseHandler
	first bool
	sent  *atomic.Int64 // messages the first one got through
}

func (h *sendFirst) OnOpen(c *Conn) {
	if !h.first {
		return
	}
	go func() {
		p := bytes.Repeat([]byte{'z'}, 64<<10)
		for range 256 {
			if c.SendMessage(p, true) != nil {
				return
			}
			h.sent.Add(1)
		}
	}()
}

func (h *sendFirst) OnMessage(c *Conn, p []byte, isBinary bool) {
	if !h.first {
		_ = c.SendMessage(p, isBinary)
	}
}

// TestH2SlowReaderDoesNotStallOthers is the other direction of
// TestH2SlowWebSocketDoesNotStallOthers: a client WebSocket that stops
// reading while the server sends it 16 MiB fills its own stream's window
// (and whatever our engine buffers), not the connection's: another
// WebSocket on the same HTTP/2 connection echoes 2 MiB meanwhile.
func TestH2SlowReaderDoesNotStallOthers(t *testing.T) {
	requireH2(t)
	n := 0
	var sent atomic.Int64
	newHandler := func() Handler {
		n++ // handlers are made one at a time, in handshake order (dials below are sequential)
		return &sendFirst{first: n == 1, sent: &sent}
	}
	srv := NewServer(newHandler, func() *Options { o := DefaultOptions(); o.WriteTimeout = 0; return o }())
	s := startH2Server(t, srv, true)
	pool := NewHTTP2Pool()
	defer pool.Close()
	o := s.h2Opts(pool)
	slow := h2Dial(t, s.url, o) // never read
	fast := h2Dial(t, s.url, o)
	require.Equal(t, 1, pool.ConnCount())
	_ = slow
	time.Sleep(200 * time.Millisecond) // let the slow one fill every window it can

	start := time.Now()
	p := bytes.Repeat([]byte{'y'}, 32<<10)
	for i := range 64 { // 2 MiB through the same connection
		require.NoError(t, fast.SendMessage(p, true), "message %d", i)
		_, got := readMsg(t, fast)
		require.Equal(t, len(p), len(got))
	}
	elapsed := time.Since(start)
	stalled := sent.Load()
	t.Logf("2 MiB echoed beside a WebSocket that stopped reading in %v; the stalled one took %d KiB of its 16 MiB",
		elapsed, stalled*64)
	assert.Less(t, stalled, int64(256), "the stalled WebSocket's sender is held by flow control")
	assert.Less(t, elapsed, 4*time.Second)
}
