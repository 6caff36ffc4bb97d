package ws

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Test helpers for the opening handshake tests.

const testKey = "dGhlIHNhbXBsZSBub25jZQ=="

// captured collects the connConfigs handed to the engine while a test runs
// and closes their sockets when it ends (the engine, stubbed or not, is not
// what these tests are about).
type captured struct {
	mu    sync.Mutex
	cfgs  []*connConfig
	ch    chan *connConfig
	addrs map[string]bool // listeners of this test (startServer); empty: no filter
}

// activeCapture is the capture of the running test, so startServer can
// register its listener with it.
var activeCapture atomic.Pointer[captured]

// mine reports whether a server-side cfg belongs to one of this test's
// listeners: a connection left over from an earlier test may reach the
// engine late.
func (c *captured) mine(cfg *connConfig) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.addrs) == 0 || !cfg.isServer {
		return true // client sides are dialed by the test itself
	}
	return c.addrs[cfg.netConn.LocalAddr().String()]
}

func captureConns(t *testing.T) *captured { return captureConnsWith(t, nil) }

// captureConnsWith also runs inspect on each connConfig before the engine
// starts (the only race-free time to look at cfg.br).
func captureConnsWith(t *testing.T, inspect func(*connConfig)) *captured {
	t.Helper()
	c := &captured{ch: make(chan *connConfig, 64)}
	hook := func(cfg *connConfig) {
		if inspect != nil {
			inspect(cfg)
		}
		cp := *cfg
		c.mu.Lock()
		c.cfgs = append(c.cfgs, &cp)
		c.mu.Unlock()
		select {
		case c.ch <- &cp:
		default:
		}
	}
	require.True(t, testHookStartConn.CompareAndSwap(nil, &hook), "another test's hook is still installed")
	activeCapture.Store(c)
	t.Cleanup(func() {
		testHookStartConn.Store(nil)
		activeCapture.CompareAndSwap(c, nil)
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, cfg := range c.cfgs {
			_ = cfg.netConn.Close()
		}
	})
	return c
}

// next waits for the next connection handed to the engine.
func (c *captured) next(t *testing.T) *connConfig {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case cfg := <-c.ch:
			if c.mine(cfg) {
				return cfg
			}
		case <-deadline:
			t.Fatal("no connection reached the engine")
			return nil
		}
	}
}

// startServer serves srv on a fresh loopback listener (network "tcp4" or
// "tcp6") and returns its address; the server is shut down at cleanup.
func startServer(t *testing.T, srv *Server, network string) string {
	t.Helper()
	host := "127.0.0.1:0"
	if network == "tcp6" {
		host = "[::1]:0"
	}
	ln, err := net.Listen(network, host)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", host, err)
	}
	if c := activeCapture.Load(); c != nil {
		c.mu.Lock()
		if c.addrs == nil {
			c.addrs = map[string]bool{}
		}
		c.addrs[ln.Addr().String()] = true
		c.mu.Unlock()
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		_ = srv.Shutdown(ctx)
		select {
		case err := <-done:
			require.ErrorIs(t, err, http.ErrServerClosed)
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return after Shutdown")
		}
	})
	return ln.Addr().String()
}

// upgradeRequest renders a valid opening handshake request with the given
// extra header lines (each "Name: value"), replacing defaults of the same
// name; a line "Name:" with nothing after the colon drops that header.
func upgradeRequest(path string, lines ...string) string {
	hdr := [][2]string{
		{"Host", "example.com"},
		{"Upgrade", "websocket"},
		{"Connection", "Upgrade"},
		{"Sec-WebSocket-Key", testKey},
		{"Sec-WebSocket-Version", "13"},
	}
	for _, l := range lines {
		name, value, _ := strings.Cut(l, ":")
		value = strings.TrimSpace(value)
		replaced := false
		for i := range hdr {
			if strings.EqualFold(hdr[i][0], name) {
				hdr[i][1] = value
				replaced = true
			}
		}
		if !replaced {
			hdr = append(hdr, [2]string{name, value})
		}
	}
	var b strings.Builder
	b.WriteString("GET " + path + " HTTP/1.1\r\n")
	for _, h := range hdr {
		if h[1] == "" && !strings.HasPrefix(h[0], "X-Empty") {
			continue
		}
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// rawExchange writes req to addr one byte at a time and reads the answer.
func rawExchange(t *testing.T, addr, req string) (*http.Response, string, net.Conn) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	// A server may answer and close as soon as the headers are in (an
	// upgrade request with a body is refused with its body unread): past
	// the header block, a failed write (EPIPE, ECONNRESET) ends the sending.
	headEnd := strings.Index(req, "\r\n\r\n") + 4
	for i := 0; i < len(req); i++ {
		_, err := c.Write([]byte{req[i]})
		if err != nil && headEnd >= 4 && i >= headEnd {
			break
		}
		require.NoError(t, err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet})
	require.NoError(t, err)
	var body []byte
	if resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ = io.ReadAll(io.LimitReader(resp.Body, 8192))
	}
	return resp, string(body), c
}

// connectHandler is a Handler with an OnConnect of the test's choosing.
type connectHandler struct {
	BaseHandler
	onConnect func(*ConnectionRequest) (*ConnectionAccept, error)
}

func (h *connectHandler) OnConnect(r *ConnectionRequest) (*ConnectionAccept, error) {
	return h.onConnect(r)
}

// plainHandler is a Handler without OnConnect.
type plainHandler struct{ BaseHandler }

func newPlain() Handler { return &plainHandler{} }

func optsWith(f func(*Options)) *Options {
	o := DefaultOptions()
	if f != nil {
		f(o)
	}
	return o
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// peekEarly returns an inspect function that peeks n bytes from the
// buffered reader of connections of the given role and sends them on ch.
func peekEarly(isServer bool, n int, ch chan<- []byte) func(*connConfig) {
	return func(cfg *connConfig) {
		if cfg.isServer != isServer {
			return
		}
		_ = cfg.netConn.SetReadDeadline(time.Now().Add(5 * time.Second))
		b, err := cfg.br.peek(n)
		_ = cfg.netConn.SetReadDeadline(time.Time{})
		if err != nil {
			b = []byte("peek error: " + err.Error())
		}
		ch <- append([]byte(nil), b...)
	}
}
