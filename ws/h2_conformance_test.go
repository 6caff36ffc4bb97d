// The conformance tables over HTTP/2 run in every `go test ./ws`, both
// roles, every case, at most 8 at a time (h2ConfSlots). They were opt-in
// for a while: on the loaded machine of an earlier session a few quick
// cases (8-failbydrop/invalid-utf8-fail-fast, 7-close/code-3999-echo-true,
// 10-length/64bit-for-65536-ok, client role) ran past rawDeadline (5 s).
// That did not come back: with -race, the whole ws suite beside them at
// load average 12, the slowest case took 1.2 s; with -race pinned to one
// core (taskset -c 1), 3,000 client-role runs, 1.16 s (a 1 MiB echo and
// the 1 s close timeouts are the slowest, as over TCP).

package ws

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

// The conformance table against our server over HTTP/2: the raw peer
// opens an RFC 8441 stream (h2c) and plays each case on it byte for byte,
// as it does on a TCP connection (RFC 8441 5: framing, masking and the
// close handshake are unchanged). Cases that depend on a TCP connection
// itself would be left out: none of the table is.

// rawDialH2 opens an extended CONNECT stream to our server at addr and
// returns the raw peer on it.
func rawDialH2(t *testing.T, addr string) *rawConn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	cc, err := (&http2.Transport{AllowHTTP: true}).NewClientConn(nc)
	require.NoError(t, err)
	t.Cleanup(func() { _ = cc.Close() })
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodConnect, "http://"+addr+"/", pr)
	require.NoError(t, err)
	req.Header = http.Header{":protocol": {"websocket"}, "Sec-Websocket-Version": {"13"}}
	resp, err := cc.RoundTrip(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	s := newH2Conn(resp.Body, pw, h2Addr(nc.LocalAddr().String()), h2Addr(addr))
	s.endWrite = pw.Close
	p := newRawConn(t, rawClient, s, bufio.NewReader(s))
	t.Cleanup(p.close)
	return p
}

func TestConformanceServerH2(t *testing.T) {
	requireH2(t)
	cases := append(sharedCases(), serverOnlyCases()...)
	seen := map[string]bool{}
	for _, c := range cases {
		if c.roles != nil && !containsRole(c.roles, rawClient) {
			continue
		}
		require.False(t, seen[c.name], "duplicate case name %q", c.name)
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h2ConfSlots <- struct{}{}
			defer func() { <-h2ConfSlots }()
			if c.bug != "" {
				t.Skip("BUG: " + c.bug)
			}
			opts := confOptions()
			if c.opts != nil {
				c.opts(opts)
			}
			h := newConfHandler()
			srv := NewServer(func() Handler { return h }, opts)
			ts := httptest.NewUnstartedServer(srv)
			ts.Config.Protocols = new(http.Protocols)
			ts.Config.Protocols.SetUnencryptedHTTP2(true)
			ts.Start()
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), rawDeadline)
				defer cancel()
				_ = srv.Shutdown(ctx)
				ts.CloseClientConnections()
				ts.Close()
			})
			e := &confEnv{t: t, h: h, role: rawClient, opts: opts}
			e.p = rawDialH2(t, ts.Listener.Addr().String())
			waitOpened(t, h)
			playConfCase(t, e, c)
		})
	}
}

// startRawServerH2 serves one RFC 8441 stream (h2c) with the raw peer as
// the server and returns the ws:// URL and a wait for the raw peer.
func startRawServerH2(t *testing.T) (string, func() (*rawConn, error)) {
	t.Helper()
	ch := make(chan *rawConn, 1)
	errc := make(chan error, 1)
	var once sync.Once
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first := false
		once.Do(func() { first = true })
		if !first {
			http.Error(w, "one stream only", http.StatusServiceUnavailable)
			return
		}
		switch {
		case r.Method != http.MethodConnect || r.ProtoMajor != 2:
			errc <- fmt.Errorf("rawpeer: %s %s, want an HTTP/2 CONNECT", r.Method, r.Proto)
		case r.Header.Get(":protocol") != "websocket":
			errc <- fmt.Errorf("rawpeer: :protocol %q", r.Header.Get(":protocol"))
		case r.Header.Get("Sec-WebSocket-Version") != "13":
			errc <- fmt.Errorf("rawpeer: Sec-WebSocket-Version %q", r.Header.Values("Sec-WebSocket-Version"))
		case r.Header.Get("Sec-WebSocket-Key") != "" || r.Header.Get("Upgrade") != "":
			errc <- fmt.Errorf("rawpeer: HTTP/1.1 upgrade headers on HTTP/2: %v", r.Header)
		}
		nc, err := h2Accept(w, r, "", "", nil)
		if err != nil {
			errc <- err
			return
		}
		// A client that drops its WebSocket before the server ended the
		// stream resets it (RST_STREAM CANCEL): on HTTP/2 that is the drop
		// of the connection, which the raw peer expects to read as EOF.
		nc.rd = cancelIsEOF{nc.rd}
		p := newRawConn(t, rawServer, nc, bufio.NewReader(nc))
		ch <- p
		nc.wait() // the stream lives until the raw peer closes it
	}))
	ts.Config.Protocols = new(http.Protocols)
	ts.Config.Protocols.SetUnencryptedHTTP2(true)
	ts.Start()
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
	})
	return "ws://" + ts.Listener.Addr().String() + "/", func() (*rawConn, error) {
		select {
		case err := <-errc:
			return nil, err
		case p := <-ch:
			t.Cleanup(p.close)
			return p, nil
		case <-time.After(rawDeadline):
			return nil, errors.New("rawpeer: no HTTP/2 stream came")
		}
	}
}

func TestConformanceClientH2(t *testing.T) {
	requireH2(t)
	cases := append(sharedCases(), clientOnlyCases()...)
	for _, c := range cases {
		if c.roles != nil && !containsRole(c.roles, rawServer) {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h2ConfSlots <- struct{}{}
			defer func() { <-h2ConfSlots }()
			if c.bug != "" {
				t.Skip("BUG: " + c.bug)
			}
			opts := confOptions()
			if c.opts != nil {
				c.opts(opts)
			}
			opts.HTTP2 = true
			h := newConfHandler()
			e := &confEnv{t: t, h: h, role: rawServer, opts: opts}
			url, wait := startRawServerH2(t)
			ctx, cancel := context.WithTimeout(context.Background(), rawDeadline)
			defer cancel()
			conn, err := Dial(ctx, url, h, opts)
			require.NoError(t, err, "Dial")
			t.Cleanup(func() { _ = conn.CloseNow() })
			require.Equal(t, "HTTP/2.0", conn.Transport().HTTPVersion)
			e.p, err = wait()
			require.NoError(t, err, "the raw server saw a bad request")
			waitOpened(t, h)
			playConfCase(t, e, c)
		})
	}
}

// cancelIsEOF reads a stream reset with CANCEL by the client as the end
// of the stream.
type cancelIsEOF struct{ io.ReadCloser }

func (r cancelIsEOF) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	var se http2.StreamError
	// net/http reports the reset as a StreamError, or, once the stream is
	// gone, as "client disconnected".
	if errors.As(err, &se) && se.Code == http2.ErrCodeCancel || err != nil && err.Error() == "client disconnected" {
		err = io.EOF
	}
	return n, err
}

// h2ConfSlots bounds how many HTTP/2 conformance cases run at once: each
// has its own server, HTTP/2 connection and a handful of goroutines per
// stream, and with -race on a loaded 2-core machine 500 cases at once
// pushed the longer ones past rawDeadline.
var h2ConfSlots = make(chan struct{}, 8)
