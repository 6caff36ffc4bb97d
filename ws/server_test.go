package ws

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServerOnConnectDeny(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		panics  bool
		status  int
		bodyHas string
	}{
		{name: "deny with reason", err: &ConnectionDeny{Code: Forbidden, Reason: "no entry for you"}, status: 403, bodyHas: "no entry for you"},
		{name: "deny without reason", err: &ConnectionDeny{Code: NotFound}, status: 404, bodyHas: "Not Found"},
		{name: "deny 503", err: &ConnectionDeny{Code: ServiceUnavailable, Reason: "busy"}, status: 503, bodyHas: "busy"},
		{name: "wrapped deny", err: errors.Join(errors.New("ctx"), &ConnectionDeny{Code: NotAcceptable, Reason: "nope"}), status: 406, bodyHas: "nope"},
		{name: "deny with a non-error code", err: &ConnectionDeny{Code: 200}, status: 500},
		{name: "plain error", err: errors.New("database down"), status: 500, bodyHas: "internal server error"},
		{name: "panic", panics: true, status: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			capt := captureConns(t)
			srv := NewServer(func() Handler {
				return &connectHandler{onConnect: func(*ConnectionRequest) (*ConnectionAccept, error) {
					if tt.panics {
						panic("boom")
					}
					return nil, tt.err
				}}
			}, nil)
			addr := startServer(t, srv, "tcp4")
			resp, body, _ := rawExchange(t, addr, upgradeRequest("/"))
			assert.Equal(t, tt.status, resp.StatusCode, body)
			if tt.bodyHas != "" {
				assert.Contains(t, body, tt.bodyHas)
			}
			assert.NotContains(t, body, "database down", "internal errors stay internal")
			assert.Equal(t, 0, srv.ConnectionCount(), "denied handshake holds no slot")
			capt.mu.Lock()
			assert.Empty(t, capt.cfgs, "denied handshake must not reach the engine")
			capt.mu.Unlock()
		})
	}
}

func TestServerAcceptWithSubprotocolHeadersAndOptions(t *testing.T) {
	capt := captureConns(t)
	seen := make(chan *ConnectionRequest, 1)
	override := optsWith(func(o *Options) { o.MaxMessagePayloadSize = 1234 })
	srv := NewServer(func() Handler {
		return &connectHandler{onConnect: func(r *ConnectionRequest) (*ConnectionAccept, error) {
			seen <- r
			return &ConnectionAccept{
				Subprotocol: "wamp.2.json",
				Headers:     http.Header{"X-Session": {"abc"}, "Set-Cookie": {"a=1", "b=2"}},
				Options:     override,
			}, nil
		}}
	}, optsWith(func(o *Options) { o.TrustXForwardedFor = 1 }))
	addr := startServer(t, srv, "tcp4")
	req := upgradeRequest("/ws/path?topic=a&topic=b&x=1",
		"Sec-WebSocket-Protocol: wamp.2.cbor, wamp.2.json",
		"Origin: https://app.example.com",
		"X-Forwarded-For: 203.0.113.7, 198.51.100.2",
		"Sec-WebSocket-Extensions: x-foo; a=1, x-bar")
	resp, _, _ := rawExchange(t, addr, req)
	require.Equal(t, 101, resp.StatusCode)
	assert.Equal(t, "wamp.2.json", resp.Header.Get("Sec-WebSocket-Protocol"))
	assert.Equal(t, "abc", resp.Header.Get("X-Session"))
	assert.Equal(t, []string{"a=1", "b=2"}, resp.Header.Values("Set-Cookie"))
	assert.Empty(t, resp.Header.Values("Sec-WebSocket-Extensions"), "no extension is accepted without deflate options")

	r := <-seen
	assert.Equal(t, "198.51.100.2", r.Peer, "one trusted hop: rightmost X-Forwarded-For address")
	assert.Equal(t, "example.com", r.Host)
	assert.Equal(t, "/ws/path", r.Path)
	assert.Equal(t, []string{"a", "b"}, r.Params["topic"])
	assert.Equal(t, 13, r.Version)
	assert.Equal(t, "https://app.example.com", r.Origin)
	assert.Equal(t, []string{"wamp.2.cbor", "wamp.2.json"}, r.Protocols)
	require.Len(t, r.Extensions, 2)
	assert.Equal(t, "x-foo", r.Extensions[0].Name)
	assert.Equal(t, []ExtensionParam{{Name: "a", Value: "1", HasValue: true}}, r.Extensions[0].Params)
	assert.Equal(t, "x-bar", r.Extensions[1].Name)
	require.NotNil(t, r.Request)
	require.NotNil(t, r.Transport)
	assert.True(t, r.Transport.IsServer)
	assert.False(t, r.Transport.IsSecure)
	assert.True(t, strings.HasPrefix(r.Transport.RemoteAddr, "127.0.0.1:"), r.Transport.RemoteAddr)

	cfg := capt.next(t)
	assert.True(t, cfg.isServer)
	assert.Equal(t, "wamp.2.json", cfg.protocol)
	assert.Nil(t, cfg.pmd)
	require.NotNil(t, cfg.opts)
	assert.Equal(t, int64(1234), cfg.opts.MaxMessagePayloadSize, "accept.Options applies to this connection")
	assert.NotSame(t, override, cfg.opts, "connection options are a copy")
	assert.Same(t, r, cfg.request)
	assert.NotNil(t, cfg.br)
	assert.NotNil(t, cfg.handler)
	assert.Equal(t, "198.51.100.2", cfg.transport.Peer)
}

func TestServerPeerWithoutXFFTrust(t *testing.T) {
	seen := make(chan *ConnectionRequest, 1)
	captureConns(t)
	srv := NewServer(func() Handler {
		return &connectHandler{onConnect: func(r *ConnectionRequest) (*ConnectionAccept, error) {
			seen <- r
			return nil, nil
		}}
	}, nil)
	addr := startServer(t, srv, "tcp4")
	resp, _, c := rawExchange(t, addr, upgradeRequest("/", "X-Forwarded-For: 203.0.113.7"))
	require.Equal(t, 101, resp.StatusCode)
	r := <-seen
	assert.Equal(t, "tcp4:"+c.LocalAddr().String(), r.Peer, "untrusted X-Forwarded-For is ignored")
}

func TestServerDefaultSubprotocolAndInvalidChoice(t *testing.T) {
	captureConns(t)
	var choose atomic.Value
	choose.Store("nope")
	srv := NewServer(func() Handler {
		return &connectHandler{onConnect: func(r *ConnectionRequest) (*ConnectionAccept, error) {
			if choose.Load() == "default" {
				return nil, nil
			}
			return &ConnectionAccept{Subprotocol: choose.Load().(string)}, nil
		}}
	}, optsWith(func(o *Options) { o.Protocols = []string{"b", "a"} }))
	addr := startServer(t, srv, "tcp4")

	resp, body, _ := rawExchange(t, addr, upgradeRequest("/", "Sec-WebSocket-Protocol: a, b"))
	assert.Equal(t, 500, resp.StatusCode, "a subprotocol the client did not offer is a server bug: %s", body)

	choose.Store("default")
	resp, _, _ = rawExchange(t, addr, upgradeRequest("/", "Sec-WebSocket-Protocol: a, b"))
	require.Equal(t, 101, resp.StatusCode)
	assert.Equal(t, "b", resp.Header.Get("Sec-WebSocket-Protocol"), "nil accept keeps the server's preference")
}

func TestServerEarlyFrameBytesStayBuffered(t *testing.T) {
	early := []byte{0x81, 0x85, 1, 2, 3, 4, 'h' ^ 1, 'e' ^ 2, 'l' ^ 3, 'l' ^ 4, 'o' ^ 1}
	peeked := make(chan []byte, 1)
	captureConnsWith(t, peekEarly(true, len(early), peeked))
	srv := NewServer(newPlain, nil)
	addr := startServer(t, srv, "tcp4")
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write(append([]byte(upgradeRequest("/")), early...))
	require.NoError(t, err)
	select {
	case got := <-peeked:
		assert.Equal(t, early, got, "bytes sent right after the request reach the engine through cfg.br")
	case <-time.After(5 * time.Second):
		t.Fatal("no connection reached the engine")
	}
}

func TestServerConnectionLimit(t *testing.T) {
	capt := captureConns(t)
	srv := NewServer(newPlain, optsWith(func(o *Options) { o.MaxConnections = 1 }))
	addr := startServer(t, srv, "tcp4")

	resp, _, _ := rawExchange(t, addr, upgradeRequest("/"))
	require.Equal(t, 101, resp.StatusCode)
	first := capt.next(t)
	assert.Equal(t, 1, srv.ConnectionCount())

	resp, body, _ := rawExchange(t, addr, upgradeRequest("/"))
	assert.Equal(t, 503, resp.StatusCode, body)
	assert.Equal(t, 1, srv.ConnectionCount())

	// The engine calls onDone when the connection ends: the slot frees.
	first.onDone()
	first.onDone() // idempotent
	assert.Equal(t, 0, srv.ConnectionCount())

	resp, _, _ = rawExchange(t, addr, upgradeRequest("/"))
	assert.Equal(t, 101, resp.StatusCode)
	assert.Equal(t, 1, srv.ConnectionCount())
}

func TestServerOpenHandshakeTimeoutHalfRequest(t *testing.T) {
	srv := NewServer(newPlain, optsWith(func(o *Options) { o.OpenHandshakeTimeout = 200 * time.Millisecond }))
	addr := startServer(t, srv, "tcp4")
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	_, err = io.WriteString(c, "GET / HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n")
	require.NoError(t, err)
	start := time.Now()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(10*time.Second)))
	_, err = io.ReadAll(c)
	elapsed := time.Since(start)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("server kept a half request open for %v", elapsed)
	}
	assert.Less(t, elapsed, 5*time.Second)
	assert.GreaterOrEqual(t, elapsed, 100*time.Millisecond, "closed before the timeout")
}

func TestServerOnConnectTimeout(t *testing.T) {
	captureConns(t)
	release := make(chan struct{})
	defer close(release)
	srv := NewServer(func() Handler {
		return &connectHandler{onConnect: func(*ConnectionRequest) (*ConnectionAccept, error) {
			<-release
			return nil, nil
		}}
	}, optsWith(func(o *Options) { o.OpenHandshakeTimeout = 200 * time.Millisecond }))
	addr := startServer(t, srv, "tcp4")
	resp, body, _ := rawExchange(t, addr, upgradeRequest("/"))
	assert.Equal(t, 503, resp.StatusCode)
	assert.Contains(t, body, "timed out")
	assert.Equal(t, 0, srv.ConnectionCount())
}

func TestServerShutdownRefusesNewHandshakes(t *testing.T) {
	captureConns(t)
	srv := NewServer(newPlain, nil)
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	resp, _, _ := rawExchange(t, ln.Addr().String(), upgradeRequest("/"))
	require.Equal(t, 101, resp.StatusCode)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	go func() { _ = srv.Shutdown(ctx) }()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, http.ErrServerClosed)
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after Shutdown")
	}
	_, err = net.DialTimeout("tcp", ln.Addr().String(), time.Second)
	assert.Error(t, err, "listener closed")

	// ServeHTTP on a shut-down server answers 503.
	ts := startRecorderLike(t, srv)
	resp, _, _ = rawExchange(t, ts, upgradeRequest("/"))
	assert.Equal(t, 503, resp.StatusCode)
	assert.ErrorIs(t, srv.Serve(ln), http.ErrServerClosed)
}

// startRecorderLike mounts srv on a separate plain http.Server (the
// "foreign server" case) and returns its address.
func startRecorderLike(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	return ln.Addr().String()
}

func TestServerBehindForeignMux(t *testing.T) {
	capt := captureConns(t)
	mux := http.NewServeMux()
	mux.Handle("/ws", NewServer(newPlain, optsWith(func(o *Options) { o.MaxRequestLineSize = 64 })))
	addr := startRecorderLike(t, mux)
	resp, _, _ := rawExchange(t, addr, upgradeRequest("/ws"))
	require.Equal(t, 101, resp.StatusCode)
	cfg := capt.next(t)
	assert.Equal(t, "/ws", cfg.request.Path)
	resp, _, _ = rawExchange(t, addr, upgradeRequest("/ws?"+strings.Repeat("q", 100)))
	assert.Equal(t, 414, resp.StatusCode, "line limit checked under a foreign http.Server")
}

func TestServerIPv6Peer(t *testing.T) {
	capt := captureConns(t)
	srv := NewServer(newPlain, nil)
	addr := startServer(t, srv, "tcp6")
	resp, _, c := rawExchange(t, addr, upgradeRequest("/"))
	require.Equal(t, 101, resp.StatusCode)
	cfg := capt.next(t)
	_, port, _ := net.SplitHostPort(c.LocalAddr().String())
	assert.Equal(t, "tcp6:[::1]:"+port, cfg.transport.Peer)
}

func TestServerShutdownDropsConnectionsWhenContextEnds(t *testing.T) {
	captureConns(t)
	srv := NewServer(newPlain, nil)
	srv.Logger = discardLogger()
	addr := startServer(t, srv, "tcp4")
	// A raw client that never answers a close frame.
	resp, _, c := rawExchange(t, addr, upgradeRequest("/"))
	require.Equal(t, 101, resp.StatusCode)
	require.Equal(t, 1, srv.ConnectionCount())

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := srv.Shutdown(ctx)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	// The connection was dropped: the client reads to EOF (past a close
	// frame, if the engine sent one) instead of hanging.
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err = io.ReadAll(c)
	var ne net.Error
	assert.False(t, errors.As(err, &ne) && ne.Timeout(), "connection still open after Shutdown: %v", err)
}

func TestServerListenAndServe(t *testing.T) {
	srv := NewServer(newPlain, nil)
	assert.Error(t, srv.ListenAndServe("256.0.0.1:bad"))
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe("127.0.0.1:0") }()
	// Shutdown may come before or after Serve registers: both end in
	// ErrServerClosed.
	time.Sleep(50 * time.Millisecond)
	require.NoError(t, srv.Shutdown(context.Background()))
	select {
	case err := <-done:
		assert.ErrorIs(t, err, http.ErrServerClosed)
	case <-time.After(5 * time.Second):
		t.Fatal("ListenAndServe did not return after Shutdown")
	}
}

func TestServerWithoutFactory(t *testing.T) {
	srv := &Server{Logger: discardLogger()}
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(upgradeRequest("/"))))
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, r)
	assert.Equal(t, 500, rec.Code)

	srv = NewServer(func() Handler { return nil }, nil)
	srv.Logger = discardLogger()
	addr := startServer(t, srv, "tcp4")
	resp, _, _ := rawExchange(t, addr, upgradeRequest("/"))
	assert.Equal(t, 500, resp.StatusCode, "a factory returning nil is a server error")
	assert.Equal(t, 0, srv.ConnectionCount())
}
