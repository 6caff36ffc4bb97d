package ws

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// End-to-end tests of the opening handshake with the real engine: open,
// echo, close.

type hsEcho struct{ BaseHandler }

func (hsEcho) OnMessage(c *Conn, payload []byte, isBinary bool) {
	_ = c.SendMessage(payload, isBinary)
}

type hsClose struct {
	wasClean bool
	code     int
	reason   string
}

type hsMsg struct {
	payload  string
	isBinary bool
}

// hsRecorder reports a client's events on channels.
type hsRecorder struct {
	BaseHandler
	opened chan *Conn
	msgs   chan hsMsg
	closed chan hsClose
}

func newHSRecorder() *hsRecorder {
	return &hsRecorder{opened: make(chan *Conn, 1), msgs: make(chan hsMsg, 16), closed: make(chan hsClose, 1)}
}

func (h *hsRecorder) OnOpen(c *Conn) { h.opened <- c }
func (h *hsRecorder) OnMessage(c *Conn, p []byte, isBinary bool) {
	h.msgs <- hsMsg{string(p), isBinary}
}
func (h *hsRecorder) OnClose(c *Conn, wasClean bool, code int, reason string) {
	h.closed <- hsClose{wasClean, code, reason}
}

func hsRecv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}

func echoRoundTrip(t *testing.T, c *Conn, h *hsRecorder) {
	t.Helper()
	hsRecv(t, h.opened, "OnOpen")
	require.NoError(t, c.SendMessage([]byte("hello"), false))
	assert.Equal(t, hsMsg{"hello", false}, hsRecv(t, h.msgs, "text echo"))
	require.NoError(t, c.SendMessage([]byte{0, 1, 2, 255}, true))
	assert.Equal(t, hsMsg{"\x00\x01\x02\xff", true}, hsRecv(t, h.msgs, "binary echo"))
}

func TestEndToEndEchoAndClose(t *testing.T) {
	srv := NewServer(func() Handler { return hsEcho{} }, optsWith(func(o *Options) { o.Protocols = []string{"echo"} }))
	addr := startServer(t, srv, "tcp4")
	h := newHSRecorder()
	c, err := Dial(dialCtx(t), "ws://"+addr+"/echo", h, optsWith(func(o *Options) { o.Protocols = []string{"echo"} }))
	require.NoError(t, err)
	assert.Equal(t, "echo", c.Subprotocol())
	echoRoundTrip(t, c, h)
	assert.Equal(t, 1, srv.ConnectionCount())

	require.NoError(t, c.SendClose(CloseNormal, "bye"))
	ci := hsRecv(t, h.closed, "OnClose")
	assert.True(t, ci.wasClean)
	assert.Equal(t, CloseNormal, ci.code)
	require.Eventually(t, func() bool { return srv.ConnectionCount() == 0 }, 5*time.Second, 10*time.Millisecond,
		"the engine's onDone frees the server's slot")
}

func TestEndToEndBlockingMode(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := Accept(w, r, nil)
		if err != nil {
			return
		}
		ctx := context.Background()
		for {
			isBinary, p, err := c.ReadMessage(ctx)
			if err != nil {
				return
			}
			if c.SendMessage(p, isBinary) != nil {
				return
			}
		}
	}))
	defer ts.Close()
	c, err := Dial(dialCtx(t), "ws"+strings.TrimPrefix(ts.URL, "http")+"/", nil, nil)
	require.NoError(t, err)
	defer c.CloseNow()
	ctx := dialCtx(t)
	for _, m := range []hsMsg{{"one", false}, {"two", true}} {
		require.NoError(t, c.SendMessage([]byte(m.payload), m.isBinary))
		isBinary, p, err := c.ReadMessage(ctx)
		require.NoError(t, err)
		assert.Equal(t, m, hsMsg{string(p), isBinary})
	}
}

func TestEndToEndWSS(t *testing.T) {
	srv := NewServer(func() Handler { return hsEcho{} }, nil)
	ts := httptest.NewUnstartedServer(srv)
	ts.StartTLS()
	defer ts.Close()
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	h := newHSRecorder()
	c, err := Dial(dialCtx(t), "wss"+strings.TrimPrefix(ts.URL, "https")+"/", h,
		optsWith(func(o *Options) { o.TLSConfig = &tls.Config{RootCAs: pool} }))
	require.NoError(t, err)
	assert.True(t, c.Transport().IsSecure)
	echoRoundTrip(t, c, h)
	require.NoError(t, c.SendClose(CloseNormal, ""))
	assert.True(t, hsRecv(t, h.closed, "OnClose").wasClean)
}

func TestEndToEndShutdownSendsGoingAway(t *testing.T) {
	srv := NewServer(func() Handler { return hsEcho{} }, nil)
	addr := startServer(t, srv, "tcp4")
	h := newHSRecorder()
	c, err := Dial(dialCtx(t), "ws://"+addr+"/", h, nil)
	require.NoError(t, err)
	echoRoundTrip(t, c, h)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, srv.Shutdown(ctx))
	ci := hsRecv(t, h.closed, "OnClose")
	assert.True(t, ci.wasClean)
	assert.Equal(t, CloseGoingAway, ci.code)
	assert.Equal(t, 0, srv.ConnectionCount())
}

func TestEndToEndConnectionLimitReleasedOnClose(t *testing.T) {
	srv := NewServer(func() Handler { return hsEcho{} }, optsWith(func(o *Options) { o.MaxConnections = 1 }))
	addr := startServer(t, srv, "tcp4")
	h := newHSRecorder()
	c, err := Dial(dialCtx(t), "ws://"+addr+"/", h, nil)
	require.NoError(t, err)
	hsRecv(t, h.opened, "OnOpen")

	_, err = Dial(dialCtx(t), "ws://"+addr+"/", nil, nil)
	var he *HandshakeError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, 503, he.Status)

	require.NoError(t, c.SendClose(CloseNormal, ""))
	hsRecv(t, h.closed, "OnClose")
	require.Eventually(t, func() bool { return srv.ConnectionCount() == 0 }, 5*time.Second, 10*time.Millisecond)
	h2 := newHSRecorder()
	c2, err := Dial(dialCtx(t), "ws://"+addr+"/", h2, nil)
	require.NoError(t, err)
	echoRoundTrip(t, c2, h2)
	require.NoError(t, c2.SendClose(CloseNormal, ""))
	hsRecv(t, h2.closed, "OnClose")
}

func TestEndToEndEarlyFrameAfterRequest(t *testing.T) {
	srv := NewServer(func() Handler { return hsEcho{} }, nil)
	addr := startServer(t, srv, "tcp4")
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	// The request and a masked text frame "hello" in one write.
	frame := []byte{0x81, 0x85, 1, 2, 3, 4, 'h' ^ 1, 'e' ^ 2, 'l' ^ 3, 'l' ^ 4, 'o' ^ 1}
	_, err = c.Write(append([]byte(upgradeRequest("/")), frame...))
	require.NoError(t, err)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet})
	require.NoError(t, err)
	require.Equal(t, 101, resp.StatusCode)
	got := make([]byte, 7)
	_, err = io.ReadFull(br, got)
	require.NoError(t, err)
	assert.Equal(t, []byte{0x81, 0x05, 'h', 'e', 'l', 'l', 'o'}, got, "the echo of the early frame")
}

func TestEndToEndThroughProxy(t *testing.T) {
	srv := NewServer(func() Handler { return hsEcho{} }, nil)
	addr := startServer(t, srv, "tcp4")
	proxyAddr, _ := testProxy(t, "")
	h := newHSRecorder()
	c, err := Dial(dialCtx(t), "ws://"+addr+"/", h, optsWith(func(o *Options) { o.Proxy = mustURL(t, "http://"+proxyAddr) }))
	require.NoError(t, err)
	echoRoundTrip(t, c, h)
	require.NoError(t, c.SendClose(CloseNormal, ""))
	assert.True(t, hsRecv(t, h.closed, "OnClose").wasClean)
}

func TestEndToEndServeTLSListener(t *testing.T) {
	// Borrow httptest's self-signed certificate for 127.0.0.1.
	certSrc := httptest.NewTLSServer(http.NotFoundHandler())
	defer certSrc.Close()
	pool := x509.NewCertPool()
	pool.AddCert(certSrc.Certificate())

	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	srv := NewServer(func() Handler { return hsEcho{} }, nil)
	done := make(chan error, 1)
	go func() {
		done <- srv.Serve(tls.NewListener(ln, &tls.Config{Certificates: certSrc.TLS.Certificates}))
	}()
	h := newHSRecorder()
	c, err := Dial(dialCtx(t), "wss://"+ln.Addr().String()+"/", h,
		optsWith(func(o *Options) { o.TLSConfig = &tls.Config{RootCAs: pool} }))
	require.NoError(t, err)
	echoRoundTrip(t, c, h)
	assert.True(t, c.Transport().IsSecure)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, srv.Shutdown(ctx))
	assert.Equal(t, CloseGoingAway, hsRecv(t, h.closed, "OnClose").code)
	assert.ErrorIs(t, <-done, http.ErrServerClosed)
}

type perConnOptsHandler struct {
	hsEcho
	opts *Options
}

func (h perConnOptsHandler) OnConnect(*ConnectionRequest) (*ConnectionAccept, error) {
	return &ConnectionAccept{Options: h.opts}, nil
}

func TestEndToEndDeflateNegotiation(t *testing.T) {
	withDeflate := func(o *Options) { o.PerMessageDeflate = &DeflateOptions{Threshold: -1} }
	tests := []struct {
		name       string
		server     func() Handler
		serverOpts func(*Options)
		clientOpts func(*Options)
		compressed bool
	}{
		{"both offer", func() Handler { return hsEcho{} }, withDeflate, withDeflate, true},
		{"server declines", func() Handler { return hsEcho{} }, nil, withDeflate, false},
		{"client does not offer", func() Handler { return hsEcho{} }, withDeflate, nil, false},
		{"declined per connection by OnConnect options",
			func() Handler { return perConnOptsHandler{opts: DefaultOptions()} }, withDeflate, withDeflate, false},
		{"enabled per connection by OnConnect options",
			func() Handler { return perConnOptsHandler{opts: optsWith(withDeflate)} }, nil, withDeflate, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := NewServer(tt.server, optsWith(tt.serverOpts))
			addr := startServer(t, srv, "tcp4")
			h := newHSRecorder()
			c, err := Dial(dialCtx(t), "ws://"+addr+"/", h, optsWith(tt.clientOpts))
			require.NoError(t, err)
			assert.Equal(t, tt.compressed, c.Compressed())
			exts := c.Response().Extensions
			if tt.compressed {
				require.Len(t, exts, 1)
				assert.Equal(t, "permessage-deflate", exts[0].Name)
				assert.True(t, strings.HasPrefix(c.Response().Headers.Get("Sec-WebSocket-Extensions"), "permessage-deflate"))
			} else {
				assert.Empty(t, exts)
				assert.Empty(t, c.Response().Headers.Values("Sec-WebSocket-Extensions"))
			}
			echoRoundTrip(t, c, h)
			require.NoError(t, c.SendClose(CloseNormal, ""))
			assert.True(t, hsRecv(t, h.closed, "OnClose").wasClean)
		})
	}
}
