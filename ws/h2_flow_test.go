package ws

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slowFirst blocks OnMessage of the first WebSocket it serves until
// release is closed; the others echo.
type slowFirst struct {
	mu      sync.Mutex
	n       int
	release chan struct{}
}

type slowConnHandler struct {
	BaseHandler
	slow    bool
	release chan struct{}
}

func (h *slowConnHandler) OnMessage(c *Conn, p []byte, isBinary bool) {
	if h.slow {
		<-h.release
		return
	}
	_ = c.SendMessage(p, isBinary)
}

func (s *slowFirst) newHandler() Handler {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	return &slowConnHandler{slow: s.n == 1, release: s.release}
}

// TestH2SlowWebSocketDoesNotStallOthers: a WebSocket whose server handler
// stops reading fills its own stream's flow-control window, not the
// connection's: another WebSocket on the same HTTP/2 connection goes on.
// Served by Server.Serve, whose HTTP/2 settings give each stream a
// receive window far below the connection's (see h2ServerConfig).
func TestH2SlowWebSocketDoesNotStallOthers(t *testing.T) {
	requireH2(t)
	sf := &slowFirst{release: make(chan struct{})}
	srv := NewServer(sf.newHandler, nil)
	srv.Protocols = new(http.Protocols)
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetUnencryptedHTTP2(true)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		close(sf.release)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	url := "ws://" + ln.Addr().String() + "/"
	pool := NewHTTP2Pool()
	defer pool.Close()
	o := DefaultOptions()
	o.HTTP2Pool = pool
	o.WriteTimeout = 0
	slow := h2Dial(t, url, o)
	fast := h2Dial(t, url, o)
	require.Equal(t, 1, pool.ConnCount())

	// Far more than the connection window of net/http's default (1 MiB):
	// the slow WebSocket's sender blocks on its stream's window.
	go func() {
		p := bytes.Repeat([]byte{'x'}, 64<<10)
		for range 64 { // 4 MiB
			if slow.SendMessage(p, true) != nil {
				return
			}
		}
	}()
	time.Sleep(200 * time.Millisecond) // let it fill every window it can

	start := time.Now()
	p := bytes.Repeat([]byte{'y'}, 32<<10)
	for i := range 64 { // 2 MiB through the same connection
		require.NoError(t, fast.SendMessage(p, true), "message %d", i)
		_, got := readMsg(t, fast)
		require.Equal(t, len(p), len(got))
	}
	elapsed := time.Since(start)
	t.Logf("2 MiB echoed beside a stalled WebSocket in %v", elapsed)
	assert.Less(t, elapsed, 4*time.Second)
}
