package ws

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Requests whose body never comes (issue 8, item 2): on the server's own
// port every request must be answered and its connection closed (or left
// to idle out) within OpenHandshakeTimeout, whatever the client leaves
// unsent; an upgrade request that announces a body is refused at once.

// heldResult is what a raw client saw on one connection.
type heldResult struct {
	name    string
	status  int           // status of the first response, 0 if none
	close   bool          // it said Connection: close
	closed  time.Duration // from the request's first byte to EOF or reset
	timeout bool          // still open at the client's own deadline
}

// holdRequest dials addr, writes head and then, when trickle is set, one
// more byte every 50 ms (a slowloris on the body) until the server hangs
// up; it reads until the server closes the connection.
func holdRequest(t *testing.T, addr, name, head string, trickle bool) heldResult {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return heldResult{name: name, timeout: true}
	}
	defer c.Close()
	start := time.Now()
	_ = c.SetDeadline(start.Add(10 * time.Second))
	if _, err := io.WriteString(c, head); err != nil {
		return heldResult{name: name, timeout: true}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	if trickle {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ { // bounded: 10 s at most
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
				}
				if _, err := c.Write([]byte{'x'}); err != nil {
					return
				}
			}
		}()
	}
	got, err := io.ReadAll(c)
	res := heldResult{name: name, closed: time.Since(start)}
	close(stop)
	wg.Wait()
	var ne net.Error
	res.timeout = errors.As(err, &ne) && ne.Timeout()
	if resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(got)), nil); err == nil {
		res.status = resp.StatusCode
		res.close = resp.Close
	}
	return res
}

func TestServerRequestBodiesThatNeverCome(t *testing.T) {
	const hsTimeout = time.Second // a starved process still writes its answers before their deadline (2T)
	captureConns(t)
	srv := NewServer(newPlain, optsWith(func(o *Options) { o.OpenHandshakeTimeout = hsTimeout }))
	srv.Logger = discardLogger()
	addr := startServer(t, srv, "tcp4")

	const host = "Host: example.com\r\n"
	cases := []struct {
		name    string
		head    string
		trickle bool
		status  int
	}{
		{name: "GET with Content-Length and no body", status: 426,
			head: "GET / HTTP/1.1\r\n" + host + "Upgrade: h2c\r\nContent-Length: 1000\r\n\r\n"},
		{name: "chunked body never ending", status: 426,
			head: "GET / HTTP/1.1\r\n" + host + "Upgrade: h2c\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"},
		{name: "status page with announced body", status: 200,
			head: "GET / HTTP/1.1\r\n" + host + "Content-Length: 1000\r\n\r\n"},
		{name: "POST with half a body", status: 405,
			head: "POST / HTTP/1.1\r\n" + host + "Content-Length: 100\r\n\r\nhalf"},
		{name: "slowloris on the body", status: 200, trickle: true,
			head: "GET / HTTP/1.1\r\n" + host + "Content-Length: 100000\r\n\r\n"},
		{name: "slowloris on a chunked body", status: 200, trickle: true,
			head: "GET / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n100000\r\n"},
		{name: "Expect: 100-continue, no body", status: 200,
			head: "GET / HTTP/1.1\r\n" + host + "Expect: 100-continue\r\nContent-Length: 1000\r\n\r\n"},
		// Cut by ReadHeaderTimeout without an answer (net/http's own).
		{name: "TCP connection that never sends a byte", head: ""},
		{name: "half the headers", head: "GET / HTTP/1.1\r\n" + host},
	}
	results := make(chan heldResult, len(cases))
	for _, tc := range cases {
		go func() { results <- holdRequest(t, addr, tc.name, tc.head, tc.trickle) }()
	}

	// Meanwhile a normal client gets its WebSocket.
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	resp, _, _ := rawExchange(t, addr, upgradeRequest("/"))
	assert.Equal(t, 101, resp.StatusCode, "a normal client is served while the bodies are held")
	t.Logf("normal handshake beside %d held requests: %v", len(cases), time.Since(start))

	byName := map[string]heldResult{}
	for range cases {
		r := <-results
		byName[r.name] = r
	}
	for _, tc := range cases {
		r := byName[tc.name]
		t.Logf("%s: status %d, closed after %v", tc.name, r.status, r.closed)
		require.False(t, r.timeout, "%s: connection still open after 10 s", tc.name)
		assert.Less(t, r.closed, 3*hsTimeout, "%s: closed within the open-handshake timeout", tc.name)
		// The answer comes once the body did not: net/http reads a body
		// before it answers (clients that send all before they read would
		// deadlock otherwise), and its deadline is the handshake's.
		assert.GreaterOrEqual(t, r.closed, hsTimeout/2, "%s: the body had the handshake time to come", tc.name)
		assert.Equal(t, tc.status, r.status, "%s: answered before the close", tc.name)
	}
}

// TestServerUpgradeWithBodyRefusedAtOnce: an upgrade request announcing a
// body is malformed; it gets 400 with Connection: close and the server
// hangs up without waiting for (or reading) the body.
func TestServerUpgradeWithBodyRefusedAtOnce(t *testing.T) {
	captureConns(t)
	srv := NewServer(newPlain, nil) // OpenHandshakeTimeout 5 s
	srv.Logger = discardLogger()
	addr := startServer(t, srv, "tcp4")
	foreign := startRecorderLike(t, srv)
	for _, tc := range []struct {
		name, method, extra string
		status              int
	}{
		{"Content-Length", "GET", "Content-Length: 1000", 400},
		{"chunked", "GET", "Transfer-Encoding: chunked", 400},
		{"Content-Length and bad key", "GET", "Content-Length: 10\r\nSec-WebSocket-Key: short", 400},
		{"Expect: 100-continue", "GET", "Expect: 100-continue\r\nContent-Length: 10", 400},
		{"POST", "POST", "Content-Length: 10", 405}, // the method is checked first
	} {
		for _, at := range []struct{ where, addr string }{{"Serve", addr}, {"ServeHTTP", foreign}} {
			t.Run(tc.name+"/"+at.where, func(t *testing.T) {
				req := tc.method + strings.TrimPrefix(upgradeRequest("/", strings.Split(tc.extra, "\r\n")...), "GET")
				r := holdRequest(t, at.addr, tc.name, req, false)
				t.Logf("status %d, closed after %v", r.status, r.closed)
				require.False(t, r.timeout, "connection still open")
				assert.Equal(t, tc.status, r.status)
				assert.True(t, r.close, "Connection: close")
				assert.Less(t, r.closed, time.Second, "closed at once, not after the 5 s handshake timeout")
			})
		}
	}
	assert.Equal(t, 0, srv.ConnectionCount())
}

// TestServerIdleAfterAnswer: after an answer other than 101 the connection
// is kept alive for another request, for at most OpenHandshakeTimeout.
func TestServerIdleAfterAnswer(t *testing.T) {
	const hsTimeout = time.Second // long enough that a starved process keeps to the bounds asserted
	captureConns(t)
	srv := NewServer(newPlain, optsWith(func(o *Options) {
		o.OpenHandshakeTimeout = hsTimeout
		o.AllowedOrigins = []string{"https://good.example"}
	}))
	srv.Logger = discardLogger()
	addr := startServer(t, srv, "tcp4")
	for _, tc := range []struct {
		name   string
		req    string
		status int
	}{
		{"status page", "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", 200},
		{"refused upgrade", upgradeRequest("/", "Origin: https://evil.example"), 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			require.NoError(t, err)
			defer c.Close()
			require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
			br := bufio.NewReader(c)
			// Two requests on one connection: keep-alive works ...
			for i := 0; i < 2; i++ {
				_, err = io.WriteString(c, tc.req)
				require.NoError(t, err)
				resp, err := http.ReadResponse(br, nil)
				require.NoError(t, err)
				assert.Equal(t, tc.status, resp.StatusCode)
				_, _ = io.Copy(io.Discard, resp.Body)
				assert.False(t, resp.Close, "kept alive")
			}
			// ... and an idle connection is closed after the timeout.
			start := time.Now()
			_, err = br.ReadByte()
			idle := time.Since(start)
			var ne net.Error
			require.False(t, errors.As(err, &ne) && ne.Timeout(), "idle connection still open after 10 s")
			t.Logf("idle connection closed after %v", idle)
			assert.Less(t, idle, 3*hsTimeout)
			assert.GreaterOrEqual(t, idle, hsTimeout/2)
		})
	}
}

// TestServerForeignServerBodyDeadline: mounted on a user's http.Server
// without ReadTimeout, the Server still bounds a request body by
// OpenHandshakeTimeout (through http.ResponseController).
func TestServerForeignServerBodyDeadline(t *testing.T) {
	const hsTimeout = time.Second // a starved process still writes its answers before their deadline (2T)
	captureConns(t)
	srv := NewServer(newPlain, optsWith(func(o *Options) { o.OpenHandshakeTimeout = hsTimeout }))
	srv.Logger = discardLogger()
	addr := startRecorderLike(t, srv)
	r := holdRequest(t, addr, "status page", "GET / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 1000\r\n\r\n", false)
	t.Logf("status %d, closed after %v", r.status, r.closed)
	require.False(t, r.timeout, "connection still open after 10 s")
	assert.Equal(t, 200, r.status)
	assert.Less(t, r.closed, 3*hsTimeout)
}
