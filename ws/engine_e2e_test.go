package ws

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serveEcho runs a Server whose connections echo every message.
func serveEcho(t testing.TB, opts *Options) (string, *Server) {
	t.Helper()
	srv := NewServer(func() Handler { h := newRec(); h.echo = true; return h }, opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return "ws://" + ln.Addr().String() + "/", srv
}

// TestEndToEndWithHandshake runs the engine behind the real opening
// handshake: a callback-mode echo server and a blocking-mode client.
func TestEndToEndWithHandshake(t *testing.T) {
	url, srv := serveEcho(t, testOpts())
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	cli, err := Dial(ctx, url, nil, testOpts())
	require.NoError(t, err)
	assert.False(t, cli.IsServer())
	assert.NotNil(t, cli.Response())
	for _, n := range []int{0, 10, 1000, 70000} {
		msg := bytes.Repeat([]byte("e"), n)
		require.NoError(t, cli.SendMessage(msg, n%2 == 0))
		isBin, got, err := cli.ReadMessage(ctx)
		require.NoError(t, err)
		assert.Equal(t, n%2 == 0, isBin)
		assert.Equal(t, msg, got)
	}
	require.NoError(t, cli.Close())
	deadline := time.Now().Add(testTimeout)
	for srv.ConnectionCount() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	assert.Equal(t, 0, srv.ConnectionCount(), "the engine calls onDone")
}

// TestShutdownGoingAway checks that Server.Shutdown closes the engine's
// connections with 1001.
func TestShutdownGoingAway(t *testing.T) {
	url, srv := serveEcho(t, testOpts())
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	h := newRec()
	_, err := Dial(ctx, url, h, testOpts())
	require.NoError(t, err)
	require.NoError(t, srv.Shutdown(ctx))
	assert.Equal(t, closeInfo{true, CloseGoingAway, "server shutting down"}, h.waitClose(t))
}

// BenchmarkEngineEcho measures a message round trip between a client
// engine (blocking mode) and a server engine (callback echo) over
// loopback TCP.
func BenchmarkEngineEcho(b *testing.B) {
	for _, size := range []int{64, 16 << 10} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			a, c := tcpPair(b)
			engine(b, a, true, nil, echoHandler{}, nil)
			cli := engine(b, c, false, nil, nil, nil)
			msg := bytes.Repeat([]byte("x"), size)
			ctx := context.Background()
			b.SetBytes(int64(size))
			b.ResetTimer()
			for range b.N {
				if err := cli.SendMessage(msg, false); err != nil {
					b.Fatal(err)
				}
				if _, _, err := cli.ReadMessage(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// echoHandler echoes every message.
type echoHandler struct{ BaseHandler }

func (echoHandler) OnMessage(c *Conn, p []byte, isBinary bool) { _ = c.SendMessage(p, isBinary) }

// TestEndToEndDeflate runs the engine with whatever permessage-deflate
// codec the handshake negotiates (none until it lands), in both modes and
// with streamed, fragmented and many small messages, so that context
// takeover state stays in step.
func TestEndToEndDeflate(t *testing.T) {
	for _, noTakeover := range []bool{false, true} {
		t.Run(fmt.Sprintf("noContextTakeover=%t", noTakeover), func(t *testing.T) {
			so := testOpts()
			so.PerMessageDeflate = &DeflateOptions{}
			co := testOpts()
			co.PerMessageDeflate = &DeflateOptions{}
			co.AutoFragmentSize = 1000
			setNoTakeover(so.PerMessageDeflate, noTakeover)
			setNoTakeover(co.PerMessageDeflate, noTakeover)
			url, _ := serveEcho(t, so)
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			cli, err := Dial(ctx, url, nil, co)
			require.NoError(t, err)
			text := bytes.Repeat([]byte("The quick brown fox jumps over the lazy dog. "), 2000)
			for i := range 30 {
				msg := text[:(i*997)%len(text)]
				require.NoError(t, cli.SendMessage(msg, false))
				_, got, err := cli.ReadMessage(ctx)
				require.NoError(t, err)
				require.Equal(t, msg, got, "message %d", i)
			}
			w, err := cli.NextWriter(true)
			require.NoError(t, err)
			for range 20 {
				_, err := w.Write(text[:5000])
				require.NoError(t, err)
			}
			require.NoError(t, w.Close())
			isBin, got, err := cli.ReadMessage(ctx)
			require.NoError(t, err)
			assert.True(t, isBin)
			assert.Equal(t, bytes.Repeat(text[:5000], 20), got)
			if cli.Compressed() {
				s := cli.Stats()
				assert.Less(t, s.WebSocketOctetsOut, s.AppOctetsOut/5, "compressed on the wire")
				assert.Less(t, s.WebSocketOctetsIn, s.AppOctetsIn/5)
			}
			require.NoError(t, cli.Close())
		})
	}
}
