package main

import (
	"context"
	"github.com/autobahn-go/autobahn/internal/h2env"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autobahn-go/autobahn/ws"
)

// TestMain re-runs the tests with GODEBUG=http2xconnect=1 (read by
// net/http once, at start) so that the fake suite offers RFC 8441.
func TestMain(m *testing.M) { h2env.Main(m, ws.HTTP2ExtendedConnect(), "testee") }

// h2Recorder is a fakeHandler that records how each WebSocket came.
type h2Recorder struct {
	*fakeHandler
	mu   *sync.Mutex
	seen *[]string // "HTTPVersion remoteAddr" per connection
}

func (h h2Recorder) OnConnect(req *ws.ConnectionRequest) (*ws.ConnectionAccept, error) {
	h.mu.Lock()
	*h.seen = append(*h.seen, req.Transport.HTTPVersion+" "+req.Transport.RemoteAddr)
	h.mu.Unlock()
	return h.fakeHandler.OnConnect(req)
}

// TestTesteeH2: with -h2 every case runs over HTTP/2 on one connection.
func TestTesteeH2(t *testing.T) {
	s := &fakeSuite{}
	s.results, s.agents, s.deflate, s.opened = map[int]bool{}, map[int]string{}, map[int]bool{}, make(chan int, 16)
	s.offered = map[int]string{}
	var mu sync.Mutex
	var seen []string
	opts := ws.DefaultOptions()
	opts.PerMessageDeflate = &ws.DeflateOptions{}
	srv := ws.NewServer(func() ws.Handler { return h2Recorder{fakeHandler: &fakeHandler{s: s}, mu: &mu, seen: &seen} }, opts)
	srv.Protocols = new(http.Protocols)
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetUnencryptedHTTP2(true)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-served
	}()

	c, err := parseFlags([]string{"-url", "ws://" + ln.Addr().String(), "-agent", "h2", "-h2"}, io.Discard)
	require.NoError(t, err)
	assert.True(t, c.h2)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	require.NoError(t, run(ctx, c, quiet()))

	s.mu.Lock()
	assert.Equal(t, map[int]bool{1: true, 2: true, 3: true}, s.results, "cases echoed intact")
	assert.Equal(t, map[int]bool{1: true, 2: true, 3: true}, s.deflate, "permessage-deflate over h2")
	s.mu.Unlock()
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, 5, "getCaseCount, 3 cases, updateReports")
	for _, v := range seen {
		assert.Equal(t, seen[0], v, "every WebSocket on one HTTP/2 connection")
	}
	assert.Contains(t, seen[0], "HTTP/2.0 ")
}
