package ws

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func dialCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestDialServer(t *testing.T) {
	for _, network := range []string{"tcp4", "tcp6"} {
		t.Run(network, func(t *testing.T) {
			capt := captureConns(t)
			srv := NewServer(newPlain, optsWith(func(o *Options) { o.Protocols = []string{"chat"} }))
			addr := startServer(t, srv, network)
			c, err := Dial(dialCtx(t), "ws://"+addr+"/room?id=7", &plainHandler{},
				optsWith(func(o *Options) { o.Protocols = []string{"superchat", "chat"} }))
			require.NoError(t, err)
			require.NotNil(t, c)

			var client, server *connConfig
			for i := 0; i < 2; i++ {
				cfg := capt.next(t)
				if cfg.isServer {
					server = cfg
				} else {
					client = cfg
				}
			}
			require.NotNil(t, client)
			require.NotNil(t, server)
			assert.Equal(t, "chat", client.protocol)
			assert.Equal(t, "chat", server.protocol)
			assert.Equal(t, "/room", server.request.Path)
			assert.Equal(t, "7", server.request.Params.Get("id"))
			assert.Equal(t, DefaultUserAgent, server.request.Headers.Get("User-Agent"))
			require.NotNil(t, client.response)
			assert.Equal(t, "chat", client.response.Protocol)
			assert.Equal(t, 13, client.response.Version)
			assert.NotNil(t, client.br)
			assert.NotNil(t, client.handler)
			assert.NotNil(t, client.logger)
			assert.False(t, client.transport.IsServer)
			assert.False(t, client.transport.IsSecure)
			prefix := "tcp4:127.0.0.1:"
			if network == "tcp6" {
				prefix = "tcp6:[::1]:"
			}
			assert.True(t, strings.HasPrefix(client.transport.Peer, prefix), client.transport.Peer)
			assert.True(t, strings.HasPrefix(server.transport.Peer, prefix), server.transport.Peer)
			// Client and server see the two ends of one socket.
			assert.Equal(t, client.netConn.LocalAddr().String(), server.netConn.RemoteAddr().String())
		})
	}
}

// fakeServer accepts one connection per answer call: it reads the opening
// handshake and writes what respond returns for it. Requests are sent on
// the returned channel.
func fakeServer(t *testing.T, respond func(r *http.Request) string) (string, <-chan *http.Request) {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	reqs := make(chan *http.Request, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				r, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil {
					return
				}
				reqs <- r
				if out := respond(r); out != "" {
					_, _ = io.WriteString(c, out)
				}
				// Hold the connection until the client is done with it.
				_, _ = io.Copy(io.Discard, c)
			}()
		}
	}()
	return ln.Addr().String(), reqs
}

func ok101(r *http.Request, extra ...string) string {
	s := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
		computeAcceptKey(r.Header.Get("Sec-WebSocket-Key")) + "\r\n"
	for _, e := range extra {
		s += e + "\r\n"
	}
	return s + "\r\n"
}

func TestDialStrictChecks(t *testing.T) {
	tests := []struct {
		name    string
		respond func(r *http.Request) string
		status  int    // expected *HandshakeError status, 0 for none
		errHas  string // expected in the error text
	}{
		{name: "status 200", respond: func(*http.Request) string {
			return "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
		}, status: 200, errHas: "hello"},
		{name: "status 403 with body", respond: func(*http.Request) string {
			return "HTTP/1.1 403 Forbidden\r\nContent-Length: 10\r\n\r\ngo away!!!"
		}, status: 403, errHas: "go away"},
		{name: "wrong accept key", respond: func(r *http.Request) string {
			return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
				computeAcceptKey("AAAAAAAAAAAAAAAAAAAAAA==") + "\r\n\r\n"
		}, errHas: "Sec-WebSocket-Accept"},
		{name: "missing accept key", respond: func(r *http.Request) string {
			return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
		}, errHas: "Sec-WebSocket-Accept"},
		{name: "missing upgrade", respond: func(r *http.Request) string {
			return "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
				computeAcceptKey(r.Header.Get("Sec-WebSocket-Key")) + "\r\n\r\n"
		}, errHas: "Upgrade"},
		{name: "missing connection", respond: func(r *http.Request) string {
			return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: " +
				computeAcceptKey(r.Header.Get("Sec-WebSocket-Key")) + "\r\n\r\n"
		}, errHas: "Connection"},
		{name: "unoffered subprotocol", respond: func(r *http.Request) string {
			return ok101(r, "Sec-WebSocket-Protocol: evil")
		}, errHas: "evil"},
		{name: "two subprotocols", respond: func(r *http.Request) string {
			return ok101(r, "Sec-WebSocket-Protocol: chat", "Sec-WebSocket-Protocol: chat")
		}, errHas: "Sec-WebSocket-Protocol"},
		{name: "unoffered extension", respond: func(r *http.Request) string {
			return ok101(r, "Sec-WebSocket-Extensions: permessage-deflate")
		}, errHas: "permessage-deflate"},
		{name: "malformed extension", respond: func(r *http.Request) string {
			return ok101(r, "Sec-WebSocket-Extensions: ;;;")
		}, errHas: "Sec-WebSocket-Extensions"},
		{name: "garbage", respond: func(*http.Request) string { return "hello world\r\n\r\n" }, errHas: "response"},
		{name: "closed without answer", respond: func(*http.Request) string { return "" }, errHas: "response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			capt := captureConns(t)
			respond := tt.respond
			if tt.name == "closed without answer" {
				addr := closingServer(t)
				_, err := Dial(dialCtx(t), "ws://"+addr+"/", nil, nil)
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrBadHandshake)
				return
			}
			addr, _ := fakeServer(t, respond)
			c, err := Dial(dialCtx(t), "ws://"+addr+"/", nil, optsWith(func(o *Options) { o.Protocols = []string{"chat"} }))
			require.Error(t, err)
			assert.Nil(t, c)
			assert.ErrorIs(t, err, ErrBadHandshake)
			assert.Contains(t, err.Error(), tt.errHas)
			var he *HandshakeError
			if tt.status != 0 {
				require.True(t, errors.As(err, &he), "%v", err)
				assert.Equal(t, tt.status, he.Status)
			} else {
				assert.False(t, errors.As(err, &he), "not a status error: %v", err)
			}
			capt.mu.Lock()
			assert.Empty(t, capt.cfgs, "a failed handshake must not reach the engine")
			capt.mu.Unlock()
		})
	}
}

// closingServer accepts connections, reads a little and closes them.
func closingServer(t *testing.T) string {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = c.Read(make([]byte, 64))
			_ = c.Close()
		}
	}()
	return ln.Addr().String()
}

func TestDialRequestHeaders(t *testing.T) {
	captureConns(t)
	addr, reqs := fakeServer(t, func(r *http.Request) string { return ok101(r) })
	opts := optsWith(func(o *Options) {
		o.Origin = "https://app.example.com"
		o.Protocols = []string{"a", "b"}
		o.UserAgent = "tester/1"
		o.Headers = http.Header{"Authorization": {"Bearer x"}, "Sec-Websocket-Key": {"forged"}}
	})
	_, err := Dial(dialCtx(t), "ws://"+addr+"/p/q?x=1&y=%20", nil, opts)
	require.NoError(t, err)
	r := <-reqs
	assert.Equal(t, "GET", r.Method)
	assert.Equal(t, "/p/q?x=1&y=%20", r.RequestURI)
	assert.Equal(t, addr, r.Host, "non-default port is in Host")
	assert.Equal(t, "websocket", r.Header.Get("Upgrade"))
	assert.True(t, headerHasToken(r.Header, "Connection", "upgrade"))
	require.Len(t, r.Header.Values("Sec-WebSocket-Key"), 1, "user headers cannot override the key")
	assert.True(t, validKey(r.Header.Get("Sec-WebSocket-Key")))
	assert.Equal(t, "13", r.Header.Get("Sec-WebSocket-Version"))
	assert.Equal(t, "https://app.example.com", r.Header.Get("Origin"))
	assert.Equal(t, "a, b", r.Header.Get("Sec-WebSocket-Protocol"))
	assert.Equal(t, "tester/1", r.Header.Get("User-Agent"))
	assert.Equal(t, "Bearer x", r.Header.Get("Authorization"))
	assert.Empty(t, r.Header.Values("Sec-WebSocket-Extensions"), "nothing offered without deflate options")
}

func TestHostHeader(t *testing.T) {
	assert.Equal(t, "example.com", hostHeader("example.com", "80", "80"))
	assert.Equal(t, "example.com:8080", hostHeader("example.com", "8080", "80"))
	assert.Equal(t, "[::1]", hostHeader("::1", "443", "443"))
	assert.Equal(t, "[::1]:9001", hostHeader("::1", "9001", "443"))
}

type connectingHandler struct {
	BaseHandler
	cr   *ConnectingRequest
	td   chan *TransportDetails
	resp chan *ConnectionResponse
	err  error
}

func (h *connectingHandler) OnConnecting(td *TransportDetails) (*ConnectingRequest, error) {
	h.td <- td
	return h.cr, nil
}

func (h *connectingHandler) OnConnect(r *ConnectionResponse) error {
	h.resp <- r
	return h.err
}

func TestDialOnConnectingOverrides(t *testing.T) {
	capt := captureConns(t)
	addr, reqs := fakeServer(t, func(r *http.Request) string {
		return ok101(r, "Sec-WebSocket-Protocol: p2", "X-Server: yes")
	})
	h := &connectingHandler{
		cr: &ConnectingRequest{
			Host: "virtual.example", Port: 8443, Resource: "/other?z=9",
			Headers: http.Header{"X-Extra": {"1"}}, UserAgent: "ua/2",
			Origin: "https://o.example", Protocols: []string{"p1", "p2"},
		},
		td:   make(chan *TransportDetails, 1),
		resp: make(chan *ConnectionResponse, 1),
	}
	_, err := Dial(dialCtx(t), "ws://"+addr+"/orig", h, optsWith(func(o *Options) {
		o.Protocols = []string{"zzz"}
		o.Headers = http.Header{"X-Base": {"b"}}
	}))
	require.NoError(t, err)
	td := <-h.td
	assert.False(t, td.IsServer)
	assert.Equal(t, "tcp4:"+addr, td.Peer)
	r := <-reqs
	assert.Equal(t, "virtual.example:8443", r.Host)
	assert.Equal(t, "/other?z=9", r.RequestURI)
	assert.Equal(t, "1", r.Header.Get("X-Extra"))
	assert.Equal(t, "b", r.Header.Get("X-Base"))
	assert.Equal(t, "ua/2", r.Header.Get("User-Agent"))
	assert.Equal(t, "https://o.example", r.Header.Get("Origin"))
	assert.Equal(t, "p1, p2", r.Header.Get("Sec-WebSocket-Protocol"))
	resp := <-h.resp
	assert.Equal(t, "p2", resp.Protocol)
	assert.Equal(t, "yes", resp.Headers.Get("X-Server"))
	assert.Equal(t, "p2", capt.next(t).protocol)
}

func TestDialOnConnectErrorFails(t *testing.T) {
	capt := captureConns(t)
	addr, _ := fakeServer(t, func(r *http.Request) string { return ok101(r) })
	deny := &ConnectionDeny{Code: Forbidden, Reason: "not this server"}
	h := &connectingHandler{td: make(chan *TransportDetails, 1), resp: make(chan *ConnectionResponse, 1), err: deny}
	c, err := Dial(dialCtx(t), "ws://"+addr+"/", h, nil)
	require.Error(t, err)
	assert.Nil(t, c)
	var got *ConnectionDeny
	require.True(t, errors.As(err, &got), "%v", err)
	assert.Same(t, deny, got)
	capt.mu.Lock()
	assert.Empty(t, capt.cfgs)
	capt.mu.Unlock()
}

func TestDialEarlyFrameBytesStayBuffered(t *testing.T) {
	frame := "\x81\x05hello"
	peeked := make(chan []byte, 1)
	captureConnsWith(t, peekEarly(false, len(frame), peeked))
	addr, _ := fakeServer(t, func(r *http.Request) string { return ok101(r) + frame })
	_, err := Dial(dialCtx(t), "ws://"+addr+"/", nil, nil)
	require.NoError(t, err)
	assert.Equal(t, frame, string(<-peeked), "bytes after the 101 reach the engine through cfg.br")
}

func TestDialTimeouts(t *testing.T) {
	captureConns(t)
	// A server that accepts and never answers.
	addr, _ := fakeServer(t, func(*http.Request) string { return "" })
	start := time.Now()
	_, err := Dial(context.Background(), "ws://"+addr+"/", nil,
		optsWith(func(o *Options) { o.OpenHandshakeTimeout = 200 * time.Millisecond }))
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second)

	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	_, err = Dial(ctx, "ws://"+addr+"/", nil, optsWith(func(o *Options) { o.OpenHandshakeTimeout = 0 }))
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestDialBadURLs(t *testing.T) {
	for _, u := range []string{"http://example.com/", "ws:///x", "ws://example.com/#frag", "::bad", "ws://example.com/a b"} {
		_, err := Dial(context.Background(), u, nil, nil)
		assert.Error(t, err, u)
	}
}

func TestDialRejectsBadHeaderValues(t *testing.T) {
	addr, _ := fakeServer(t, func(r *http.Request) string { return ok101(r) })
	for _, f := range []func(*Options){
		func(o *Options) { o.Origin = "x\r\nEvil: 1" },
		func(o *Options) { o.Protocols = []string{"a b"} },
		func(o *Options) { o.Headers = http.Header{"X": {"a\nb"}} },
		func(o *Options) { o.Headers = http.Header{"Bad Name": {"a"}} },
	} {
		_, err := Dial(dialCtx(t), "ws://"+addr+"/", nil, optsWith(f))
		assert.Error(t, err)
	}
}

func TestDialWSS(t *testing.T) {
	capt := captureConns(t)
	srv := NewServer(newPlain, nil)
	ts := httptest.NewUnstartedServer(srv)
	ts.StartTLS()
	defer ts.Close()
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	u := strings.Replace(ts.URL, "https://", "wss://", 1) + "/secure"

	c, err := Dial(dialCtx(t), u, nil, optsWith(func(o *Options) { o.TLSConfig = &tls.Config{RootCAs: pool} }))
	require.NoError(t, err)
	require.NotNil(t, c)
	var client, server *connConfig
	for i := 0; i < 2; i++ {
		if cfg := capt.next(t); cfg.isServer {
			server = cfg
		} else {
			client = cfg
		}
	}
	assert.True(t, client.transport.IsSecure)
	assert.True(t, server.transport.IsSecure)
	assert.Equal(t, "/secure", server.request.Path)
	_, isTLS := client.netConn.(*tls.Conn)
	assert.True(t, isTLS)

	// wss through a CONNECT proxy: TLS runs inside the tunnel.
	proxyAddr, seen := testProxy(t, "")
	_, err = Dial(dialCtx(t), u, nil, optsWith(func(o *Options) {
		o.TLSConfig = &tls.Config{RootCAs: pool}
		o.Proxy = mustURL(t, "http://"+proxyAddr)
	}))
	require.NoError(t, err)
	assert.Equal(t, strings.TrimPrefix(ts.URL, "https://"), (<-seen).Host)

	// An untrusted certificate fails the dial.
	_, err = Dial(dialCtx(t), u, nil, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "TLS")
}

// testProxy is a tiny HTTP CONNECT proxy; with auth set it wants that
// Proxy-Authorization value.
func testProxy(t *testing.T, auth string) (addr string, seen <-chan *http.Request) {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	ch := make(chan *http.Request, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				r, err := http.ReadRequest(br)
				if err != nil {
					return
				}
				ch <- r
				if r.Method != http.MethodConnect {
					_, _ = io.WriteString(c, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
					return
				}
				if auth != "" && r.Header.Get("Proxy-Authorization") != auth {
					_, _ = io.WriteString(c, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\nContent-Length: 0\r\n\r\n")
					return
				}
				up, err := net.Dial("tcp", r.Host)
				if err != nil {
					_, _ = io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
					return
				}
				defer up.Close()
				_, _ = io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
				go func() { _, _ = io.Copy(up, br); _ = up.(*net.TCPConn).CloseWrite() }()
				_, _ = io.Copy(c, up)
			}()
		}
	}()
	return ln.Addr().String(), ch
}

func TestDialThroughProxy(t *testing.T) {
	capt := captureConns(t)
	srv := NewServer(newPlain, nil)
	target := startServer(t, srv, "tcp4")
	// "user:pa ss" in base64.
	proxyAddr, seen := testProxy(t, "Basic dXNlcjpwYSBzcw==")

	opts := optsWith(func(o *Options) { o.Proxy = mustURL(t, "http://user:pa%20ss@"+proxyAddr) })
	c, err := Dial(dialCtx(t), "ws://"+target+"/via-proxy", nil, opts)
	require.NoError(t, err)
	require.NotNil(t, c)
	r := <-seen
	assert.Equal(t, http.MethodConnect, r.Method)
	assert.Equal(t, target, r.Host)
	var server *connConfig
	for i := 0; i < 2; i++ {
		if cfg := capt.next(t); cfg.isServer {
			server = cfg
		}
	}
	require.NotNil(t, server)
	assert.Equal(t, "/via-proxy", server.request.Path)

	// Wrong credentials: the proxy's refusal is the error.
	opts.Proxy = mustURL(t, "http://user:wrong@"+proxyAddr)
	_, err = Dial(dialCtx(t), "ws://"+target+"/", nil, opts)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "407")

	opts.Proxy = mustURL(t, "socks5://"+proxyAddr)
	_, err = Dial(dialCtx(t), "ws://"+target+"/", nil, opts)
	require.Error(t, err)
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	require.NoError(t, err, s)
	return u
}

func TestDialResponseHeadersTooLarge(t *testing.T) {
	addr, _ := fakeServer(t, func(r *http.Request) string {
		return ok101(r, "X-Huge: "+strings.Repeat("h", 8000))
	})
	_, err := Dial(dialCtx(t), "ws://"+addr+"/", nil, optsWith(func(o *Options) { o.MaxHeaderBytes = 1024 }))
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrBadHandshake)
	assert.Contains(t, err.Error(), "too large")
}
