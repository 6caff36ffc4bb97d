package ws

import (
	"maps"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reqSnapshot is what a test compares of a ConnectionRequest: copies, so
// that the original can be collected.
type reqSnapshot struct {
	Peer, Host, Path, Origin                   string
	Headers                                    http.Header
	Params                                     url.Values
	Version                                    int
	Protocols                                  []string
	Extensions                                 []ExtensionOffer
	Method, RequestURI, Proto, RemoteAddr, URL string
	ReqHost                                    string
	ReqHeader                                  http.Header
	Major, Minor                               int
	Transport                                  TransportDetails
}

func snapshotRequest(r *ConnectionRequest) reqSnapshot {
	s := reqSnapshot{
		Peer: r.Peer, Host: r.Host, Path: r.Path, Origin: r.Origin,
		Headers: r.Headers.Clone(), Params: maps.Clone(r.Params), Version: r.Version,
		Protocols: slices.Clone(r.Protocols), Extensions: slices.Clone(r.Extensions),
	}
	if r.Transport != nil {
		s.Transport = *r.Transport
	}
	if q := r.Request; q != nil {
		s.Method, s.RequestURI, s.Proto, s.RemoteAddr = q.Method, q.RequestURI, q.Proto, q.RemoteAddr
		s.URL, s.ReqHost, s.ReqHeader = q.URL.String(), q.Host, q.Header.Clone()
		s.Major, s.Minor = q.ProtoMajor, q.ProtoMinor
	}
	return s
}

// keepHandler records the request OnConnect saw and, on the first
// message, the one Conn.Request gives after OnOpen.
type keepHandler struct {
	BaseHandler
	accept  string
	atOpen  chan reqSnapshot
	seen    chan reqSnapshot
	same    chan bool
	onConn  func(*ConnectionRequest)
	connReq chan reqSnapshot
}

func (h *keepHandler) OnConnect(req *ConnectionRequest) (*ConnectionAccept, error) {
	h.connReq <- snapshotRequest(req)
	if h.onConn != nil {
		h.onConn(req)
	}
	return &ConnectionAccept{Subprotocol: h.accept}, nil
}

func (h *keepHandler) OnOpen(c *Conn) { h.atOpen <- snapshotRequest(c.Request()) }

func (h *keepHandler) OnMessage(c *Conn, p []byte, binary bool) {
	r := c.Request()
	h.seen <- snapshotRequest(r)
	h.same <- r == c.Request() && r.Transport == c.Transport() && c.Transport() == c.Transport()
	_ = c.SendMessage(p, binary)
}

func newKeepHandler() *keepHandler {
	return &keepHandler{
		atOpen: make(chan reqSnapshot, 1), seen: make(chan reqSnapshot, 1),
		same: make(chan bool, 1), connReq: make(chan reqSnapshot, 1),
	}
}

func recvSnap[T any](t *testing.T, ch chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("timed out")
	}
	var zero T
	return zero
}

func TestKeptRequestRebuildsEqual(t *testing.T) {
	cases := []struct {
		name   string
		path   string
		extra  []string
		accept string
	}{
		{"plain", "/", nil, ""},
		{"query params", "/chat/room?user=ann&tag=a&tag=b&empty=&esc=%20x%2Fy", nil, ""},
		{"escaped path", "/a%20b/c%2Fd", nil, ""},
		{"repeated headers", "/r", []string{"X-Multi: one", "X-Other: z", "X-Multi: two, three", "X-Multi: four", "Cookie: a=1", "Cookie: b=2"}, ""},
		{"subprotocols", "/p", []string{"Sec-WebSocket-Protocol: wamp.2.json, chat", "Sec-WebSocket-Protocol: superchat"}, "chat"},
		{"extension offers", "/e", []string{"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, x-foo; a=1; b=\"two\"", "Sec-WebSocket-Extensions: permessage-deflate"}, ""},
		{"origin", "/o", []string{"Origin:  https://example.com  "}, ""},
		{"odd values", "/v", []string{"X-Empty:", "X-Tabs: \ta\tb\t", "X-Utf8: h\xc3\xa9llo", "User-Agent: test/1.0 (x; y)"}, ""},
		{"forwarded", "/f", []string{"X-Forwarded-For: 203.0.113.7, 10.0.0.1"}, ""},
	}
	for _, eventLoop := range []bool{false, true} {
		for _, tc := range cases {
			name := tc.name
			if eventLoop {
				name += "/eventloop"
			}
			t.Run(name, func(t *testing.T) {
				h := newKeepHandler()
				h.accept = tc.accept
				o := DefaultOptions()
				o.EventLoop = eventLoop
				o.TrustXForwardedFor = 1
				o.Protocols = []string{"chat", "superchat"}
				addr := startServer(t, NewServer(func() Handler { return h }, o), "tcp4")
				p, _, err := rawDialConn(t, addr, tc.path, nil, tc.extra...)
				require.NoError(t, err)
				defer p.close()
				want := recvSnap(t, h.connReq)
				assert.Equal(t, want, recvSnap(t, h.atOpen), "OnOpen sees the request OnConnect saw")
				require.NoError(t, p.send(rfText("hi")))
				got := recvSnap(t, h.seen)
				assert.True(t, recvSnap(t, h.same), "the rebuilt request is cached")
				// Params' empty map vs nil, Extensions' nil vs empty: compare
				// what a user sees.
				assert.Equal(t, want, got)
				assert.NotEmpty(t, got.Headers.Get("Sec-WebSocket-Key"))
				_, _, _, err = p.readMessage()
				require.NoError(t, err)
			})
		}
	}
}

func TestKeptRequestReleasesOriginal(t *testing.T) {
	for _, eventLoop := range []bool{false, true} {
		t.Run(map[bool]string{false: "goroutine", true: "eventloop"}[eventLoop], func(t *testing.T) {
			var collected atomic.Bool
			h := newKeepHandler()
			h.onConn = func(req *ConnectionRequest) {
				runtime.SetFinalizer(req.Request, func(*http.Request) { collected.Store(true) })
			}
			o := DefaultOptions()
			o.EventLoop = eventLoop
			addr := startServer(t, NewServer(func() Handler { return h }, o), "tcp4")
			p, _, err := rawDialConn(t, addr, "/x?a=1", nil)
			require.NoError(t, err)
			defer p.close()
			recvSnap(t, h.connReq)
			recvSnap(t, h.atOpen)
			require.NoError(t, p.send(rfText("hi")))
			got := recvSnap(t, h.seen)
			assert.Equal(t, "/x", got.Path)
			_, _, _, err = p.readMessage()
			require.NoError(t, err)
			// The connection is open and idle: its original request must
			// be garbage. Finalizers run after a GC cycle, on their own
			// goroutine.
			for i := 0; i < 100 && !collected.Load(); i++ {
				runtime.GC()
				time.Sleep(10 * time.Millisecond)
			}
			assert.True(t, collected.Load(), "the opening handshake's *http.Request is still referenced")
		})
	}
}

func FuzzKeptRequest(f *testing.F) {
	f.Add("GET", "/a?b=c", "HTTP/1.1", "example.com", "127.0.0.1:1", "X-A", "v1", "v2")
	f.Add("", "", "", "", "", "", "", "")
	f.Add("GET", "/", "HTTP/1.1", "127.0.0.1:9001", "127.0.0.1:5000", "Upgrade", "websocket", "13")
	f.Fuzz(func(t *testing.T, method, uri, proto, host, remote, key, v1, v2 string) {
		r := &http.Request{Method: method, RequestURI: uri, Proto: proto, Host: host, RemoteAddr: remote,
			Header: http.Header{key: {v1, v2}, "Other": {v2}}}
		td := &TransportDetails{Peer: v1, LocalAddr: v2, RemoteAddr: remote, HTTPVersion: proto, IsServer: true}
		got, gotTD, err := rebuildHTTPRequest(keepRequest(r, td))
		require.NoError(t, err)
		assert.Equal(t, method, got.Method)
		assert.Equal(t, uri, got.RequestURI)
		assert.Equal(t, proto, got.Proto)
		assert.Equal(t, host, got.Host)
		assert.Equal(t, remote, got.RemoteAddr)
		assert.Equal(t, r.Header, got.Header)
		assert.Equal(t, td, gotTD)
		// Arbitrary bytes never panic the decoder.
		_, _, _ = rebuildHTTPRequest(method + uri + key)
	})
}

// TestKeptRequestIsSmall: a browser-like opening handshake is kept in a
// string much shorter than its text (common names and values, and the
// addresses repeated in TransportDetails, take a byte).
func TestKeptRequestIsSmall(t *testing.T) {
	r := &http.Request{Method: "GET", RequestURI: "/", Proto: "HTTP/1.1", Host: "127.0.0.1:9001", RemoteAddr: "127.0.0.1:53124",
		Header: http.Header{
			"Upgrade": {"websocket"}, "Connection": {"Upgrade"}, "Sec-Websocket-Version": {"13"},
			"Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}, "User-Agent": {"Go-http-client/1.1"},
			"Sec-Websocket-Extensions": {"permessage-deflate; client_max_window_bits"},
		}}
	td := &TransportDetails{Peer: peerFromHostPort(r.RemoteAddr), LocalAddr: "127.0.0.1:9001", RemoteAddr: r.RemoteAddr, HTTPVersion: "HTTP/1.1", IsServer: true}
	kept := keepRequest(r, td)
	assert.LessOrEqual(t, len(kept), 96, "kept %d bytes (94 when written)", len(kept))
	t.Logf("kept %d bytes", len(kept))
	got, gotTD, err := rebuildHTTPRequest(kept)
	require.NoError(t, err)
	assert.Equal(t, r.Header, got.Header)
	assert.Equal(t, td, gotTD)
	assert.Equal(t, r.RemoteAddr, got.RemoteAddr)
}
