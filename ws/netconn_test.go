package ws

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/nettest"
)

// wsPair returns a client and a server Conn in blocking mode over
// loopback TCP.
func wsPair(t testing.TB, opts *Options) (client, server *Conn, stop func()) {
	t.Helper()
	accepted := make(chan *Conn, 1)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := Accept(w, r, opts)
		if err == nil {
			accepted <- c
		}
	}))
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	client, err := Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+"/", nil, opts)
	require.NoError(t, err)
	select {
	case server = <-accepted:
	case <-ctx.Done():
		t.Fatal("no server connection")
	}
	return client, server, func() {
		_ = client.CloseNow()
		_ = server.CloseNow()
		ts.Close()
	}
}

// TestNetConnNettest runs golang.org/x/net/nettest's net.Conn conformance
// suite (basic I/O, ping-pong, racy reads and writes, past, present and
// future deadlines, close while blocked, concurrent methods) over the
// adapter.
func TestNetConnNettest(t *testing.T) {
	// Binary: the suite writes random bytes, which a text stream does not
	// carry (TestNetConnText covers text).
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		a, b, stopPair := wsPair(t, nil)
		ctx, cancel := context.WithCancel(context.Background())
		c1, c2 = NetConn(ctx, a, true), NetConn(ctx, b, true)
		return c1, c2, func() {
			_ = c1.Close()
			_ = c2.Close()
			cancel()
			stopPair()
		}, nil
	})
}

func TestNetConn(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, a, b net.Conn, ca, cb *Conn)
	}{
		{"read spans message boundaries", func(t *testing.T, a, b net.Conn, _, _ *Conn) {
			for _, s := range []string{"hello ", "", "wor", "ld"} {
				n, err := a.Write([]byte(s))
				require.NoError(t, err)
				assert.Equal(t, len(s), n)
			}
			buf := make([]byte, 11)
			_, err := io.ReadFull(b, buf)
			require.NoError(t, err)
			assert.Equal(t, "hello world", string(buf))
		}},
		{"each write is one message", func(t *testing.T, a, _ net.Conn, _, cb *Conn) {
			_, err := a.Write([]byte("one"))
			require.NoError(t, err)
			_, err = a.Write([]byte("two"))
			require.NoError(t, err)
			for _, want := range []string{"one", "two"} {
				_, p, err := cb.ReadMessage(dialCtx(t))
				require.NoError(t, err)
				assert.Equal(t, want, string(p))
			}
		}},
		{"short reads keep the rest", func(t *testing.T, a, b net.Conn, _, _ *Conn) {
			_, err := a.Write([]byte("abcdef"))
			require.NoError(t, err)
			one := make([]byte, 4)
			n, err := b.Read(one)
			require.NoError(t, err)
			assert.Equal(t, "abcd", string(one[:n]))
			n, err = b.Read(one)
			require.NoError(t, err)
			assert.Equal(t, "ef", string(one[:n]))
		}},
		{"read deadline: timeout, then data", func(t *testing.T, a, b net.Conn, _, _ *Conn) {
			require.NoError(t, b.SetReadDeadline(time.Now().Add(20*time.Millisecond)))
			start := time.Now()
			_, err := b.Read(make([]byte, 4))
			var ne net.Error
			require.True(t, errors.As(err, &ne), "%v", err)
			assert.True(t, ne.Timeout())
			assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
			t.Logf("read timed out after %v (deadline 20ms)", time.Since(start))
			assert.Less(t, time.Since(start), 2*time.Second)
			require.NoError(t, b.SetReadDeadline(time.Time{}))
			_, err = a.Write([]byte("late"))
			require.NoError(t, err)
			buf := make([]byte, 4)
			_, err = io.ReadFull(b, buf)
			require.NoError(t, err)
			assert.Equal(t, "late", string(buf))
		}},
		{"write deadline in the past sends nothing", func(t *testing.T, a, b net.Conn, _, _ *Conn) {
			require.NoError(t, a.SetWriteDeadline(time.Now().Add(-time.Second)))
			n, err := a.Write([]byte("never"))
			assert.Zero(t, n)
			assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
			require.NoError(t, a.SetWriteDeadline(time.Time{}))
			_, err = a.Write([]byte("sent"))
			require.NoError(t, err)
			buf := make([]byte, 4)
			_, err = io.ReadFull(b, buf)
			require.NoError(t, err)
			assert.Equal(t, "sent", string(buf))
		}},
		{"close: handshake, peer reads EOF", func(t *testing.T, a, b net.Conn, ca, _ *Conn) {
			_, err := a.Write([]byte("bye"))
			require.NoError(t, err)
			type res struct {
				got []byte
				err error
			}
			read := make(chan res, 1)
			go func() { got, err := io.ReadAll(b); read <- res{got, err} }()
			require.NoError(t, a.Close())
			r := <-read
			require.NoError(t, r.err, "io.EOF after a clean close")
			assert.Equal(t, "bye", string(r.got))
			assert.ErrorIs(t, a.Close(), net.ErrClosed)
			_, err = a.Write([]byte("x"))
			assert.ErrorIs(t, err, net.ErrClosed)
			_, err = a.Read(make([]byte, 1))
			assert.ErrorIs(t, err, net.ErrClosed)
			assert.NoError(t, b.Close(), "closing after the peer closed cleanly")
			<-ca.Done()
		}},
		{"message of the other type fails with 1003", func(t *testing.T, _, b net.Conn, ca, _ *Conn) {
			require.NoError(t, ca.SendMessage([]byte("text!"), false))
			_, err := b.Read(make([]byte, 8))
			assert.ErrorContains(t, err, "text message on a binary stream")
			_, _, err = ca.ReadMessage(dialCtx(t))
			var ce *CloseError
			require.True(t, errors.As(err, &ce), "%v", err)
			assert.Equal(t, CloseUnsupportedData, ce.Code)
		}},
		{"abnormal end is not EOF", func(t *testing.T, _, b net.Conn, ca, _ *Conn) {
			_ = ca.CloseNow()
			_, err := b.Read(make([]byte, 8))
			var ce *CloseError
			require.True(t, errors.As(err, &ce), "%v", err)
			assert.False(t, ce.WasClean)
		}},
		{"large writes", func(t *testing.T, a, b net.Conn, _, _ *Conn) {
			want := bytes.Repeat([]byte{1, 2, 3, 4, 5}, 300_000)
			go func() { _, _ = a.Write(want); _ = a.Close() }()
			got, err := io.ReadAll(b)
			require.NoError(t, err)
			assert.Equal(t, want, got)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ca, cb, stop := wsPair(t, nil)
			defer stop()
			a, b := NetConn(context.Background(), ca, true), NetConn(context.Background(), cb, true)
			tc.run(t, a, b, ca, cb)
		})
	}
}

func TestNetConnText(t *testing.T) {
	ca, cb, stop := wsPair(t, nil)
	defer stop()
	a, b := NetConn(context.Background(), ca, false), NetConn(context.Background(), cb, false)
	_, err := a.Write([]byte("héllo"))
	require.NoError(t, err)
	buf := make([]byte, len("héllo"))
	_, err = io.ReadFull(b, buf)
	require.NoError(t, err)
	assert.Equal(t, "héllo", string(buf))
}

func TestNetConnContextDrops(t *testing.T) {
	ca, cb, stop := wsPair(t, nil)
	defer stop()
	ctx, cancel := context.WithCancel(context.Background())
	b := NetConn(ctx, cb, true)
	_ = NetConn(context.Background(), ca, true)
	cancel()
	_, err := b.Read(make([]byte, 1))
	require.Error(t, err)
	assert.NotErrorIs(t, err, io.EOF)
	select {
	case <-cb.Done():
	case <-time.After(testTimeout):
		t.Fatal("connection not dropped when ctx ended")
	}
}
