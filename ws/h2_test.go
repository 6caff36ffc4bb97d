package ws

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

// Tests of WebSockets over HTTP/2 (RFC 8441): our client against our
// server, over TLS (h2 by ALPN, a certificate made by httptest) and h2c.
// They need GODEBUG=http2xconnect=1, which TestMain (h2_main_test.go)
// arranges.

func requireH2(t testing.TB) {
	t.Helper()
	if !h2ExtendedConnect {
		t.Skip("needs GODEBUG=http2xconnect=1 at process start")
	}
}

// h2Server is our Server behind an httptest server speaking HTTP/2.
type h2Server struct {
	srv *Server
	ts  *httptest.Server
	url string      // ws:// (h2c) or wss:// (TLS) URL of "/"
	tls *tls.Config // client TLS config trusting the test certificate (nil for h2c)
}

// startH2Server serves srv over TLS (h2 and HTTP/1.1 by ALPN) when secure,
// else over cleartext HTTP/1.1 and h2c (prior knowledge).
func startH2Server(t testing.TB, srv *Server, secure bool) *h2Server {
	t.Helper()
	requireH2(t)
	ts := httptest.NewUnstartedServer(srv)
	ts.Config.ErrorLog = slog.NewLogLogger(slog.NewTextHandler(io.Discard, nil), slog.LevelError)
	ts.Config.HTTP2 = h2ServerConfig() // as Serve's
	s := &h2Server{srv: srv, ts: ts}
	if secure {
		ts.EnableHTTP2 = true
		ts.StartTLS()
		pool := x509.NewCertPool()
		pool.AddCert(ts.Certificate())
		s.tls = &tls.Config{RootCAs: pool}
		s.url = "wss://" + ts.Listener.Addr().String() + "/"
	} else {
		ts.Config.Protocols = new(http.Protocols)
		ts.Config.Protocols.SetHTTP1(true)
		ts.Config.Protocols.SetUnencryptedHTTP2(true)
		ts.Start()
		s.url = "ws://" + ts.Listener.Addr().String() + "/"
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.CloseClientConnections()
		ts.Close()
	})
	return s
}

// h2Opts returns client options dialing over HTTP/2 with the server's
// test certificate.
func (s *h2Server) h2Opts(pool *HTTP2Pool) *Options {
	o := DefaultOptions()
	o.HTTP2 = true
	o.HTTP2Pool = pool
	o.TLSConfig = s.tls
	return o
}

// h2Echo echoes every message and records what its connections saw.
type h2Echo struct {
	BaseHandler
	mu      sync.Mutex
	version []string // TransportDetails.HTTPVersion per OnOpen
	remotes []string // RemoteAddr per OnOpen
	closes  []CloseError
	closed  chan struct{} // one value per OnClose
	deny    *ConnectionDeny
}

func newH2Echo() *h2Echo { return &h2Echo{closed: make(chan struct{}, 1024)} }

func (h *h2Echo) OnConnect(r *ConnectionRequest) (*ConnectionAccept, error) {
	if h.deny != nil {
		return nil, h.deny
	}
	return &ConnectionAccept{Subprotocol: selectProtocol([]string{"chat"}, r.Protocols),
		Headers: http.Header{"X-Transport": {r.Transport.HTTPVersion}}}, nil
}

func (h *h2Echo) OnOpen(c *Conn) {
	h.mu.Lock()
	h.version = append(h.version, c.Transport().HTTPVersion)
	h.remotes = append(h.remotes, c.Transport().RemoteAddr)
	h.mu.Unlock()
}

func (h *h2Echo) OnMessage(c *Conn, p []byte, isBinary bool) { _ = c.SendMessage(p, isBinary) }

func (h *h2Echo) OnClose(_ *Conn, wasClean bool, code int, reason string) {
	h.mu.Lock()
	h.closes = append(h.closes, CloseError{WasClean: wasClean, Code: code, Reason: reason})
	h.mu.Unlock()
	h.closed <- struct{}{}
}

func (h *h2Echo) waitClose(t testing.TB) CloseError {
	t.Helper()
	select {
	case <-h.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("server OnClose was not called")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closes[len(h.closes)-1]
}

func h2Dial(t testing.TB, url string, o *Options) *Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, url, nil, o)
	require.NoError(t, err, "Dial over HTTP/2")
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

func readMsg(t testing.TB, c *Conn) (bool, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	isBinary, p, err := c.ReadMessage(ctx)
	require.NoError(t, err)
	return isBinary, p
}

func TestH2EchoAndClose(t *testing.T) {
	for _, secure := range []bool{true, false} {
		name := map[bool]string{true: "tls", false: "h2c"}[secure]
		t.Run(name, func(t *testing.T) {
			h := newH2Echo()
			s := startH2Server(t, NewServer(func() Handler { return h }, nil), secure)
			o := s.h2Opts(nil)
			o.Protocols = []string{"other", "chat"}
			c := h2Dial(t, s.url, o)

			assert.Equal(t, "HTTP/2.0", c.Transport().HTTPVersion)
			assert.Equal(t, secure, c.Transport().IsSecure)
			assert.Equal(t, "chat", c.Subprotocol())
			assert.Equal(t, "HTTP/2.0", c.Response().Headers.Get("X-Transport"), "OnConnect saw the HTTP version")

			sizes := []int{0, 1, 125, 126, 64, 65535, 65536, 16 << 10, 300 << 10, 1 << 20}
			for _, n := range sizes {
				for _, binary := range []bool{false, true} {
					p := bytes.Repeat([]byte("aé€"), n/6+1)[:n]
					if !binary {
						p = []byte(strings.ToValidUTF8(string(p), ""))
					}
					require.NoError(t, c.SendMessage(p, binary))
					gotBin, got := readMsg(t, c)
					assert.Equal(t, binary, gotBin, "size %d", n)
					assert.True(t, bytes.Equal(p, got), "echo of %d bytes binary=%v", len(p), binary)
				}
			}
			require.NoError(t, c.Close())
			select {
			case <-c.Done():
			case <-time.After(5 * time.Second):
				t.Fatal("client not done after Close")
			}
			ce := h.waitClose(t)
			assert.True(t, ce.WasClean, "server saw a clean close: %+v", ce)
			assert.Equal(t, CloseNormal, ce.Code)
			h.mu.Lock()
			assert.Equal(t, []string{"HTTP/2.0"}, h.version)
			h.mu.Unlock()
			require.Eventually(t, func() bool { return s.srv.ConnectionCount() == 0 }, 5*time.Second, 10*time.Millisecond)
		})
	}
}

// TestH2Fragmented: auto-fragmented messages both ways, and a client that
// masks (RFC 8441 5: masking unchanged; the server requires it).
func TestH2Fragmented(t *testing.T) {
	h := newH2Echo()
	so := DefaultOptions()
	so.AutoFragmentSize = 1000
	so.FailByDrop = false
	s := startH2Server(t, NewServer(func() Handler { return h }, so), false)
	o := s.h2Opts(nil)
	o.AutoFragmentSize = 333
	c := h2Dial(t, s.url, o)
	p := bytes.Repeat([]byte("fragment "), 5000)
	require.NoError(t, c.SendMessage(p, false))
	_, got := readMsg(t, c)
	assert.Equal(t, p, got)

	// An unmasked client frame is a protocol error on h2 as on HTTP/1.1.
	o2 := s.h2Opts(nil)
	o2.MaskClientFrames = false
	c2 := h2Dial(t, s.url, o2)
	require.NoError(t, c2.SendMessage([]byte("unmasked"), false))
	ce := h.waitClose(t)
	assert.False(t, ce.WasClean, "%+v", ce)
	assert.Contains(t, ce.Reason, "unmasked frame", "%+v", ce)
}

func TestH2PingPong(t *testing.T) {
	h := newH2Echo()
	s := startH2Server(t, NewServer(func() Handler { return h }, nil), true)
	got := make(chan []byte, 1)
	ph := &pongRecorder{got: got}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, s.url, ph, s.h2Opts(nil))
	require.NoError(t, err)
	defer c.CloseNow()
	require.NoError(t, c.SendPing([]byte("h2-ping")))
	select {
	case p := <-got:
		assert.Equal(t, "h2-ping", string(p))
	case <-time.After(5 * time.Second):
		t.Fatal("no pong")
	}
}

type pongRecorder struct {
	BaseHandler
	got chan []byte
}

func (p *pongRecorder) OnPong(_ *Conn, b []byte) { p.got <- append([]byte(nil), b...) }

// TestH2ProtocolErrors: the engine's checks on h2: invalid UTF-8 (1007),
// a message over the limit (1009), a close code sent by the server.
func TestH2ProtocolErrors(t *testing.T) {
	cases := []struct {
		name string
		send func(c *Conn) error
		code int // the server's close code, which the client sees
		srv  int // the client's close code, which the server sees
	}{
		{"utf8-1007", func(c *Conn) error { return c.SendMessage([]byte{'a', 0xff, 'b'}, false) }, CloseInvalidPayload, CloseNormal},
		{"too-big-1009", func(c *Conn) error { return c.SendMessage(make([]byte, 70<<10), true) }, CloseMessageTooBig, CloseNormal},
		{"close-3000", func(c *Conn) error { return c.SendClose(3000, "bye") }, CloseNormal, 3000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newH2Echo()
			so := DefaultOptions()
			so.MaxMessagePayloadSize = 64 << 10
			so.FailByDrop = false // the close code goes on the wire
			s := startH2Server(t, NewServer(func() Handler { return h }, so), false)
			o := s.h2Opts(nil)
			o.UTF8ValidateIncoming = false
			c := h2Dial(t, s.url, o)
			_ = tc.send(c) // may fail once the server closed
			ce := h.waitClose(t)
			assert.True(t, ce.WasClean, "%+v", ce)
			assert.Equal(t, tc.srv, ce.Code, "%+v", ce)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, _, err := c.ReadMessage(ctx)
			var cerr *CloseError
			require.ErrorAs(t, err, &cerr)
			assert.Equal(t, tc.code, cerr.Code, "the client got the code: %+v", cerr)
		})
	}
}

// TestH2ManyOnOneConnection: one HTTP2Pool carries many WebSockets on one
// HTTP/2 connection; closing one leaves the others and the connection.
func TestH2ManyOnOneConnection(t *testing.T) {
	for _, secure := range []bool{true, false} {
		t.Run(map[bool]string{true: "tls", false: "h2c"}[secure], func(t *testing.T) {
			h := newH2Echo()
			s := startH2Server(t, NewServer(func() Handler { return h }, nil), secure)
			pool := NewHTTP2Pool()
			defer pool.Close()
			const n = 64
			conns := make([]*Conn, n)
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i := range conns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					conns[i], errs[i] = Dial(ctx, s.url, nil, s.h2Opts(pool))
				}()
			}
			wg.Wait()
			for i, err := range errs {
				require.NoError(t, err, "dial %d", i)
			}
			assert.Equal(t, 1, pool.ConnCount(), "one HTTP/2 connection")
			h.mu.Lock()
			remotes := map[string]bool{}
			for _, r := range h.remotes {
				remotes[r] = true
			}
			h.mu.Unlock()
			assert.Len(t, remotes, 1, "the server saw every WebSocket from one client address: %v", remotes)

			// Close half of them; the rest echo on.
			for i := 0; i < n; i += 2 {
				require.NoError(t, conns[i].Close())
				<-conns[i].Done()
			}
			for i := 1; i < n; i += 2 {
				msg := []byte(fmt.Sprintf("still here %d", i))
				require.NoError(t, conns[i].SendMessage(msg, false))
				_, got := readMsg(t, conns[i])
				assert.Equal(t, msg, got)
			}
			assert.Equal(t, 1, pool.ConnCount(), "closing WebSockets kept the connection")
			// A new WebSocket reuses the connection.
			c := h2Dial(t, s.url, s.h2Opts(pool))
			require.NoError(t, c.SendMessage([]byte("new"), true))
			_, got := readMsg(t, c)
			assert.Equal(t, "new", string(got))
			assert.Equal(t, 1, pool.ConnCount())
			for i := 1; i < n; i += 2 {
				_ = conns[i].Close()
			}
		})
	}
}

// TestH2FallbackToHTTP1: a TLS server without h2 in ALPN gets the
// HTTP/1.1 upgrade from a client asking for HTTP/2.
func TestH2FallbackToHTTP1(t *testing.T) {
	h := newH2Echo()
	ts := httptest.NewUnstartedServer(NewServer(func() Handler { return h }, nil))
	ts.StartTLS() // EnableHTTP2 false: ALPN offers http/1.1 only
	defer ts.Close()
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	for _, p := range []*HTTP2Pool{nil, NewHTTP2Pool()} {
		o := DefaultOptions()
		o.HTTP2 = true
		o.HTTP2Pool = p
		o.TLSConfig = &tls.Config{RootCAs: pool}
		c := h2Dial(t, "wss://"+ts.Listener.Addr().String()+"/", o)
		assert.Equal(t, "HTTP/1.1", c.Transport().HTTPVersion)
		require.NoError(t, c.SendMessage([]byte("over h1"), false))
		_, got := readMsg(t, c)
		assert.Equal(t, "over h1", string(got))
		require.NoError(t, c.Close())
		if p != nil {
			require.NoError(t, p.Close())
		}
	}
}

// h2RawRequest sends an extended CONNECT with the given headers on a new
// h2c connection to addr and returns the response status and body.
func h2RawRequest(t *testing.T, addr string, header http.Header) (int, string) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	cc, err := (&http2.Transport{AllowHTTP: true}).NewClientConn(nc)
	require.NoError(t, err)
	defer cc.Close()
	req, err := http.NewRequest(http.MethodConnect, "http://"+addr+"/", nil)
	require.NoError(t, err)
	req.Header = header
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := cc.RoundTrip(req.WithContext(ctx))
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(body)
}

func TestH2HandshakeRefusals(t *testing.T) {
	h := newH2Echo()
	s := startH2Server(t, NewServer(func() Handler { return h }, nil), false)
	addr := s.ts.Listener.Addr().String()
	cases := []struct {
		name   string
		header http.Header
		status int
		body   string
	}{
		{"wrong :protocol", http.Header{":protocol": {"chat"}, "Sec-Websocket-Version": {"13"}}, 400, "only websocket"},
		{"missing version", http.Header{":protocol": {"websocket"}}, 400, "Sec-WebSocket-Version"},
		{"version 8", http.Header{":protocol": {"websocket"}, "Sec-Websocket-Version": {"8"}}, 426, "unsupported WebSocket version"},
		{"bad subprotocol list", http.Header{":protocol": {"websocket"}, "Sec-Websocket-Version": {"13"}, "Sec-Websocket-Protocol": {"a b"}}, 400, "Sec-WebSocket-Protocol"},
		{"ok without key", http.Header{":protocol": {"websocket"}, "Sec-Websocket-Version": {"13"}}, 200, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := h2RawRequest(t, addr, tc.header)
			assert.Equal(t, tc.status, status, body)
			assert.Contains(t, body, tc.body)
		})
	}

	// A plain CONNECT (no :protocol) is a proxy request: not ours.
	t.Run("origin not allowed", func(t *testing.T) {
		so := DefaultOptions()
		so.AllowedOrigins = []string{"https://good.example"}
		s2 := startH2Server(t, NewServer(func() Handler { return newH2Echo() }, so), false)
		o := s2.h2Opts(nil)
		o.Origin = "https://evil.example"
		_, err := Dial(context.Background(), s2.url, nil, o)
		var he *HandshakeError
		require.ErrorAs(t, err, &he)
		assert.Equal(t, http.StatusForbidden, he.Status)
	})

	t.Run("denied by OnConnect", func(t *testing.T) {
		dh := newH2Echo()
		dh.deny = &ConnectionDeny{Code: Forbidden, Reason: "no h2 for you"}
		s2 := startH2Server(t, NewServer(func() Handler { return dh }, nil), true)
		_, err := Dial(context.Background(), s2.url, nil, s2.h2Opts(nil))
		var he *HandshakeError
		require.ErrorAs(t, err, &he)
		assert.Equal(t, http.StatusForbidden, he.Status)
		assert.Contains(t, he.Body, "no h2 for you")
		assert.Equal(t, 0, s2.srv.ConnectionCount())
	})
}

// TestH2StreamResetIs1006: a client that resets its stream (RST_STREAM)
// without a close handshake is an abnormal closure on the server, and the
// connection's other streams go on.
func TestH2StreamResetIs1006(t *testing.T) {
	h := newH2Echo()
	s := startH2Server(t, NewServer(func() Handler { return h }, nil), false)
	addr := s.ts.Listener.Addr().String()
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	cc, err := (&http2.Transport{AllowHTTP: true}).NewClientConn(nc)
	require.NoError(t, err)
	defer cc.Close()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	defer pw.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodConnect, "http://"+addr+"/", pr)
	require.NoError(t, err)
	req.Header = http.Header{":protocol": {"websocket"}, "Sec-Websocket-Version": {"13"}}
	resp, err := cc.RoundTrip(req)
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	_ = resp.Body.Close() // RST_STREAM(CANCEL)
	cancel()
	ce := h.waitClose(t)
	assert.False(t, ce.WasClean)
	assert.Equal(t, CloseAbnormal, ce.Code, "%+v", ce)
	assert.True(t, cc.CanTakeNewRequest(), "the HTTP/2 connection survives the reset")
}

// TestH2ServerShutdownCloses: the server's close handshake ends the
// stream and the client sees the server's code.
func TestH2ServerCloses(t *testing.T) {
	var srvConn atomic.Pointer[Conn]
	opened := make(chan struct{})
	h := &openHook{f: func(c *Conn) { srvConn.Store(c); close(opened) }}
	s := startH2Server(t, NewServer(func() Handler { return h }, nil), true)
	c := h2Dial(t, s.url, s.h2Opts(nil))
	<-opened
	require.NoError(t, srvConn.Load().SendClose(4001, "done here"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _, err := c.ReadMessage(ctx)
	var ce *CloseError
	require.True(t, errors.As(err, &ce), "%v", err)
	assert.True(t, ce.WasClean)
	assert.Equal(t, 4001, ce.Code)
	assert.Equal(t, "done here", ce.Reason)
}

type openHook struct {
	BaseHandler
	f func(*Conn)
}

func (h *openHook) OnOpen(c *Conn) { h.f(c) }

func TestGodebugHas(t *testing.T) {
	cases := []struct {
		v    string
		want bool
	}{
		{"", false},
		{"http2xconnect=1", true},
		{"http2debug=1,http2xconnect=1", true},
		{" http2xconnect=1 ", true},
		{"http2xconnect=0", false},
		{"http2xconnect=1,http2xconnect=0", false},
		{"xhttp2xconnect=1", false},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, godebugHas(tc.v, "http2xconnect", "1"), "%q", tc.v)
	}
}

// TestH2CFallbackToHTTP1: a cleartext server without h2c gets the
// HTTP/1.1 upgrade from a client asking for HTTP/2, and a pool remembers
// it.
func TestH2CFallbackToHTTP1(t *testing.T) {
	h := newH2Echo()
	ts := httptest.NewServer(NewServer(func() Handler { return h }, nil))
	defer ts.Close()
	pool := NewHTTP2Pool()
	defer pool.Close()
	for i, p := range []*HTTP2Pool{nil, pool, pool} {
		o := DefaultOptions()
		o.HTTP2 = true
		o.HTTP2Pool = p
		c := h2Dial(t, "ws://"+ts.Listener.Addr().String()+"/", o)
		assert.Equal(t, "HTTP/1.1", c.Transport().HTTPVersion, "dial %d", i)
		require.NoError(t, c.SendMessage([]byte("over h1"), false))
		_, got := readMsg(t, c)
		assert.Equal(t, "over h1", string(got))
		require.NoError(t, c.Close())
	}
	assert.Equal(t, 0, pool.ConnCount())
}

// TestH2ServeH2C: Server.Serve with Protocols serves h2c itself.
func TestH2ServeH2C(t *testing.T) {
	requireH2(t)
	h := newH2Echo()
	srv := NewServer(func() Handler { return h }, nil)
	srv.Protocols = new(http.Protocols)
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetUnencryptedHTTP2(true)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	o := DefaultOptions()
	o.HTTP2 = true
	c := h2Dial(t, "ws://"+ln.Addr().String()+"/", o)
	assert.Equal(t, "HTTP/2.0", c.Transport().HTTPVersion)
	require.NoError(t, c.SendMessage([]byte("h2c via Serve"), false))
	_, got := readMsg(t, c)
	assert.Equal(t, "h2c via Serve", string(got))
	require.NoError(t, c.Close())
	<-c.Done()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, srv.Shutdown(ctx))
	assert.ErrorIs(t, <-done, http.ErrServerClosed)
}

// TestH2WarnsWithoutGodebug: HTTP/2 requests in a process started
// without GODEBUG=http2xconnect=1 log the warning, once; HTTP/1.1 ones
// and a process with the setting do not.
func TestH2WarnsWithoutGodebug(t *testing.T) {
	h1 := &http.Request{ProtoMajor: 1, ProtoMinor: 1}
	h2 := &http.Request{ProtoMajor: 2}
	for _, tc := range []struct {
		enabled bool
		reqs    []*http.Request
		want    int
	}{
		{false, []*http.Request{h1, h2, h2, h1}, 1},
		{false, []*http.Request{h1, h1}, 0},
		{true, []*http.Request{h2, h2}, 0},
	} {
		var buf safeBuffer
		logger := slog.New(slog.NewTextHandler(&buf, nil))
		var once sync.Once
		for _, r := range tc.reqs {
			warnH2If(tc.enabled, &once, logger, r)
		}
		assert.Equal(t, tc.want, strings.Count(buf.String(), "GODEBUG=http2xconnect=1"), buf.String())
	}
}

// TestH2WarnsAtStartWithoutGodebug: Serve's start-up check warns when
// its Protocols enable HTTP/2 (TLS or h2c) without extended CONNECT, and
// only then; a later HTTP/2 request does not warn again.
func TestH2WarnsAtStartWithoutGodebug(t *testing.T) {
	h1only := new(http.Protocols)
	h1only.SetHTTP1(true)
	h2c := new(http.Protocols)
	h2c.SetHTTP1(true)
	h2c.SetUnencryptedHTTP2(true)
	h2tls := new(http.Protocols)
	h2tls.SetHTTP2(true)
	for _, tc := range []struct {
		name      string
		enabled   bool
		protocols *http.Protocols
		want      int
	}{
		{"h2c without the setting", false, h2c, 1},
		{"h2 without the setting", false, h2tls, 1},
		{"HTTP/1.1 only", false, h1only, 0},
		{"net/http's default (TLS decides)", false, nil, 0},
		{"h2c with the setting", true, h2c, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf safeBuffer
			logger := slog.New(slog.NewTextHandler(&buf, nil))
			var once sync.Once
			warnH2AtStart(tc.enabled, &once, logger, tc.protocols)
			warnH2If(tc.enabled, &once, logger, &http.Request{ProtoMajor: 2})
			want := tc.want
			if !tc.enabled && want == 0 {
				want = 1 // the first HTTP/2 request still warns
			}
			assert.Equal(t, want, strings.Count(buf.String(), "GODEBUG=http2xconnect=1"), buf.String())
			if tc.want == 1 {
				var again safeBuffer
				warnH2AtStart(tc.enabled, new(sync.Once), slog.New(slog.NewTextHandler(&again, nil)), tc.protocols)
				assert.Contains(t, again.String(), "level=WARN")
			}
		})
	}
}

type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
