package ws

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reqEchoHandler echoes every message and records the request it was opened
// with.
type reqEchoHandler struct {
	BaseHandler
	reqs chan *ConnectionRequest
}

func (h *reqEchoHandler) OnConnect(req *ConnectionRequest) (*ConnectionAccept, error) {
	if h.reqs != nil {
		h.reqs <- req
	}
	return nil, nil
}

func (h *reqEchoHandler) OnMessage(c *Conn, p []byte, isBinary bool) { _ = c.SendMessage(p, isBinary) }

// serveOn runs an echo Server on ln until the end of the test.
func serveOn(t *testing.T, ln net.Listener, reqs chan *ConnectionRequest) {
	t.Helper()
	srv := NewServer(func() Handler { return &reqEchoHandler{reqs: reqs} }, nil)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
}

// unixListener listens on a fresh Unix socket (short path: sun_path is
// about 100 bytes).
func unixListener(t *testing.T) (net.Listener, string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "wsu")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	path := filepath.Join(dir, "s.sock")
	ln, err := net.Listen("unix", path)
	require.NoError(t, err)
	return ln, path
}

// roundTrip sends one message on a blocking-mode c and reads the echo.
func roundTrip(t *testing.T, c *Conn, msg string) {
	t.Helper()
	require.NoError(t, c.SendMessage([]byte(msg), false))
	isBinary, got, err := c.ReadMessage(dialCtx(t))
	require.NoError(t, err)
	assert.False(t, isBinary)
	assert.Equal(t, msg, string(got))
}

func TestDialUnixSocket(t *testing.T) {
	ln, path := unixListener(t)
	reqs := make(chan *ConnectionRequest, 4)
	serveOn(t, ln, reqs)

	tests := []struct {
		name, url, path, query string
	}{
		{name: "ws+unix with resource", url: "ws+unix://" + path + ":/chat?room=1", path: "/chat", query: "1"},
		{name: "ws+unix without resource", url: "ws+unix://" + path, path: "/"},
		{name: "Autobahn's ws://unix: form", url: "ws://unix:" + path, path: path},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Dial(dialCtx(t), tc.url, nil, nil)
			require.NoError(t, err)
			defer c.CloseNow()
			req := <-reqs
			assert.Equal(t, tc.path, req.Path)
			assert.Equal(t, tc.query, req.Params.Get("room"))
			assert.Equal(t, "localhost", req.Host)
			assert.Equal(t, "unix:"+path, req.Peer, "server peer names the socket")
			assert.Equal(t, "unix:"+path, c.Transport().Peer)
			roundTrip(t, c, "over a unix socket")
			require.NoError(t, c.Close())
		})
	}

	// A missing socket fails with the path in the error.
	_, err := Dial(dialCtx(t), "ws+unix://"+path+".missing", nil, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), path+".missing")
	// Unix sockets and proxies do not mix.
	_, err = Dial(dialCtx(t), "ws+unix://"+path, nil, optsWith(func(o *Options) { o.Proxy = mustURL(t, "http://127.0.0.1:1") }))
	assert.ErrorContains(t, err, "proxy")
}

func TestDialNetDialContext(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	serveOn(t, ln, nil)

	var calls atomic.Int32
	var seen []string
	o := optsWith(func(o *Options) {
		o.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			calls.Add(1)
			seen = append(seen, network+" "+addr)
			var d net.Dialer
			return d.DialContext(ctx, "tcp", ln.Addr().String()) // wherever the URL points
		}
	})
	c, err := Dial(dialCtx(t), "ws://example.invalid:1234/x", nil, o)
	require.NoError(t, err)
	defer c.CloseNow()
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, []string{"tcp example.invalid:1234"}, seen)
	roundTrip(t, c, "through a custom dialer")

	// A failing dialer fails Dial, with its error wrapped.
	errNo := &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrPermission}
	o.NetDialContext = func(context.Context, string, string) (net.Conn, error) { return nil, errNo }
	_, err = Dial(dialCtx(t), "ws://example.invalid/", nil, o)
	assert.ErrorIs(t, err, os.ErrPermission)
	// A dialer returning neither fails cleanly.
	o.NetDialContext = func(context.Context, string, string) (net.Conn, error) { return nil, nil }
	_, err = Dial(dialCtx(t), "ws://example.invalid/", nil, o)
	assert.ErrorContains(t, err, "no connection")

	// The dialer also carries Unix-socket URLs, with network "unix".
	o.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		seen = append(seen, network+" "+addr)
		var d net.Dialer
		return d.DialContext(ctx, "tcp", ln.Addr().String())
	}
	c2, err := Dial(dialCtx(t), "ws+unix:///no/such.sock:/r", nil, o)
	require.NoError(t, err)
	defer c2.CloseNow()
	assert.Equal(t, "unix /no/such.sock", seen[len(seen)-1])
	roundTrip(t, c2, "tunnelled")
}
