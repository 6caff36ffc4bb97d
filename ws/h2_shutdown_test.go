package ws

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestH2ShutdownGoingAway: Server.Shutdown under Serve sends 1001 (going
// away) to WebSockets on HTTP/2 streams and lets their close handshakes
// finish before it cuts the HTTP/2 connections (closing the http.Server at
// once would end them all with 1006). shared WebSockets ride one HTTP/2
// connection (an HTTP2Pool), own more have one connection each; over TLS
// (h2 by ALPN) and h2c. Target: every client has its 1001 within 100 ms of
// Shutdown; asserted with room for a loaded machine (250 ms), the measured
// figures logged.
func TestH2ShutdownGoingAway(t *testing.T) {
	requireH2(t)
	const shared, own = 24, 4
	for _, secure := range []bool{true, false} {
		t.Run(map[bool]string{true: "tls", false: "h2c"}[secure], func(t *testing.T) {
			h := newH2Echo()
			srv := NewServer(func() Handler { return h }, nil)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			url := "ws://" + ln.Addr().String() + "/"
			var clientTLS *tls.Config
			if secure {
				certSrc := httptest.NewTLSServer(http.NotFoundHandler())
				certSrc.Close()
				pool := x509.NewCertPool()
				pool.AddCert(certSrc.Certificate())
				clientTLS = &tls.Config{RootCAs: pool}
				ln = tls.NewListener(ln, &tls.Config{Certificates: certSrc.TLS.Certificates, NextProtos: []string{"h2", "http/1.1"}})
				url = "wss://" + ln.Addr().String() + "/"
			} else {
				srv.Protocols = new(http.Protocols)
				srv.Protocols.SetHTTP1(true)
				srv.Protocols.SetUnencryptedHTTP2(true)
			}
			served := make(chan error, 1)
			go func() { served <- srv.Serve(ln) }()

			pool := NewHTTP2Pool()
			defer pool.Close()
			var conns []*Conn
			for i := range shared + own {
				o := DefaultOptions()
				o.HTTP2 = true
				o.TLSConfig = clientTLS
				if i < shared {
					o.HTTP2Pool = pool
				}
				c := h2Dial(t, url, o)
				require.Equal(t, "HTTP/2.0", c.Transport().HTTPVersion)
				conns = append(conns, c)
			}
			assert.Equal(t, 1, pool.ConnCount(), "the shared WebSockets ride one HTTP/2 connection")
			require.Eventually(t, func() bool { return srv.ConnectionCount() == shared+own }, 5*time.Second, time.Millisecond)

			type result struct {
				at  time.Time
				err error
			}
			results := make(chan result, len(conns))
			for _, c := range conns {
				go func() {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					for {
						if _, _, err := c.ReadMessage(ctx); err != nil {
							results <- result{time.Now(), err}
							return
						}
					}
				}()
			}

			start := time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			require.NoError(t, srv.Shutdown(ctx))
			took := time.Since(start)
			var lat []time.Duration
			for range conns {
				r := <-results
				var ce *CloseError
				if assert.True(t, errors.As(r.err, &ce), "%v", r.err) {
					assert.Equal(t, CloseGoingAway, ce.Code, "%+v", ce)
					assert.True(t, ce.WasClean, "%+v", ce)
				}
				lat = append(lat, r.at.Sub(start))
			}
			slices.Sort(lat)
			assert.Less(t, lat[len(lat)-1], 250*time.Millisecond, "the last 1001 (target 100 ms)")
			assert.ErrorIs(t, <-served, http.ErrServerClosed)
			for range conns {
				h.waitClose(t)
			}
			h.mu.Lock()
			for _, ce := range h.closes {
				// the client's answer to our 1001: a clean close handshake
				assert.True(t, ce.WasClean, "server side: %+v", ce)
				assert.NotEqual(t, CloseAbnormal, ce.Code, "server side: %+v", ce)
			}
			h.mu.Unlock()
			t.Log(fmt.Sprintf("%d WebSockets (%d on one HTTP/2 connection, %d alone): 1001 after median %v, max %v; Shutdown returned after %v",
				len(lat), shared, own, lat[len(lat)/2].Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond), took.Round(time.Microsecond)))
		})
	}
}

// TestH2ShutdownSilentPeer: a WebSocket on HTTP/2 whose peer never answers
// the 1001 holds Shutdown's wait only for its close handshake timeout (the
// engine then drops its stream), and another WebSocket on the same HTTP/2
// connection gets its 1001 at once.
func TestH2ShutdownSilentPeer(t *testing.T) {
	requireH2(t)
	const closeTimeout = 300 * time.Millisecond
	so := DefaultOptions()
	so.CloseHandshakeTimeout = closeTimeout
	h := newH2Echo()
	srv := NewServer(func() Handler { return h }, so)
	srv.Protocols = new(http.Protocols)
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetUnencryptedHTTP2(true)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	_ = rawDialH2(t, ln.Addr().String()) // opens its stream, then never reads nor writes
	pool := NewHTTP2Pool()
	defer pool.Close()
	o := DefaultOptions()
	o.HTTP2Pool = pool
	c := h2Dial(t, "ws://"+ln.Addr().String()+"/", o)
	require.Eventually(t, func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return len(h.version) == 2 // both opened on the server
	}, 5*time.Second, time.Millisecond)

	got := make(chan time.Time, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _, err := c.ReadMessage(ctx)
		var ce *CloseError
		if assert.True(t, errors.As(err, &ce), "%v", err) {
			assert.Equal(t, CloseGoingAway, ce.Code)
		}
		got <- time.Now()
	}()
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, srv.Shutdown(ctx))
	took := time.Since(start)
	at := (<-got).Sub(start)
	assert.Less(t, at, 250*time.Millisecond, "the answering WebSocket's 1001")
	assert.GreaterOrEqual(t, took, closeTimeout, "Shutdown waits for the silent peer's close handshake")
	assert.Less(t, took, closeTimeout+2*time.Second, "but no longer than its timeout")
	assert.ErrorIs(t, <-served, http.ErrServerClosed)
	t.Logf("1001 to the answering WebSocket after %v; Shutdown returned after %v (close handshake timeout %v)",
		at.Round(time.Microsecond), took.Round(time.Microsecond), closeTimeout)
}

// TestH2ShutdownForeignServer: mounted on an http.Server of the caller's
// (ServeHTTP), Shutdown sends 1001 to WebSockets on HTTP/2 streams and
// returns once they are closed, before the caller shuts its server down.
func TestH2ShutdownForeignServer(t *testing.T) {
	const n = 16
	h := newH2Echo()
	srv := NewServer(func() Handler { return h }, nil)
	s := startH2Server(t, srv, true)
	pool := NewHTTP2Pool()
	defer pool.Close()
	var conns []*Conn
	for range n {
		conns = append(conns, h2Dial(t, s.url, s.h2Opts(pool)))
	}
	require.Equal(t, 1, pool.ConnCount())
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, srv.Shutdown(ctx))
	took := time.Since(start)
	for _, c := range conns {
		rctx, rcancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, _, err := c.ReadMessage(rctx)
		rcancel()
		var ce *CloseError
		if assert.True(t, errors.As(err, &ce), "%v", err) {
			assert.Equal(t, CloseGoingAway, ce.Code, "%+v", ce)
			assert.True(t, ce.WasClean, "%+v", ce)
		}
	}
	assert.Equal(t, 0, srv.ConnectionCount())
	assert.Less(t, took, 250*time.Millisecond, "Shutdown (target 100 ms)")
	t.Logf("%d WebSockets on one HTTP/2 connection of a foreign http.Server: Shutdown returned after %v", n, took.Round(time.Microsecond))
}

// TestH2ShutdownSeesLoggedStreams: Shutdown's wait for WebSockets on
// HTTP/2 streams recognises them under the LogOctets wrapper too (it
// missed them there, and cut them with their connection: 1006).
func TestH2ShutdownSeesLoggedStreams(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	for _, tc := range []struct {
		name string
		nc   net.Conn
		want bool
	}{
		{"stream", &h2Conn{}, true},
		{"stream under LogOctets", &octetConn{Conn: &h2Conn{}}, true},
		{"socket", a, false},
		{"socket under LogOctets", &octetConn{Conn: a}, false},
	} {
		assert.Equal(t, tc.want, isH2Stream(tc.nc), tc.name)
	}
}
