package ws

// Conformance of our client: the raw peer is a server that answers the
// opening handshake by hand and then plays hand-built frames.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConformanceClient runs the shared cases and the client-only ones
// against our client.
func TestConformanceClient(t *testing.T) {
	t.Parallel()
	runConfTable(t, rawServer, append(sharedCases(), clientOnlyCases()...))
}

// clientOnlyCases: masking rules of a client and the wait for the server
// to drop TCP.
func clientOnlyCases() []confCase {
	dropTimeout := func(o *Options) { o.ServerConnectionDropTimeout = 300 * time.Millisecond }
	return []confCase{
		failCase("11-mask/masked-server-text", 1002, send(rfText("hello").masked(true))),
		failCase("11-mask/masked-server-ping", 1002, send(rfPing("hello").masked(true))),
		failCase("11-mask/masked-server-close", 1002, send(rfClose(1000, "bye").masked(true))),
		failCase("11-mask/masked-server-after-message", 1002, send(rfText("first"), rfText("second").masked(true)), expectText("first")),
		okCase("11-mask/masked-server-accepted", send(rfText("hello").masked(true), rfPing("p").masked(true)),
			expectText("hello"), expectPong("p")).
			with(func(o *Options) { o.AcceptMaskedServerFrames = true }),
		okCase("11-mask/client-frames-unmasked-when-off", expectOurMasked(false), send(rfText("hello")), expectText("hello")).
			with(func(o *Options) { o.MaskClientFrames = false }),
		// RFC 6455 5.3: a fresh, unpredictable masking key for every frame.
		okCase("11-mask/fresh-key-per-frame", send(sixteenMessages()...),
			func(e *confEnv) {
				keys := map[[4]byte]bool{}
				for i := range 16 {
					w, err := e.p.readFrame()
					require.NoError(e.t, err)
					require.Equal(e.t, rawOpText, w.Opcode)
					require.True(e.t, w.Masked)
					keys[w.Key] = true
					if i == 0 {
						require.Equal(e.t, "mx", string(w.Payload))
					}
				}
				require.Len(e.t, keys, 16, "masking keys must differ from frame to frame")
			}),
		// We close, the server replies but never drops TCP: we drop after
		// ServerConnectionDropTimeout, and that is not clean.
		{name: "13-timeout/server-connection-drop-ours", opts: dropTimeout,
			steps: []step{ourDo(func(t *testing.T, c *Conn) { require.NoError(t, c.SendClose(1000, "bye")) }),
				expectCloseReason(1000, "bye"), markTime(), send(rfClose(1000, "ok")), expectDropAfter(250 * time.Millisecond)},
			want: wantUnclean()},
		// The server closes, we reply, it never drops TCP.
		{name: "13-timeout/server-connection-drop-theirs", opts: dropTimeout,
			steps: []step{markTime(), send(rfClose(1000, "done")), expectCloseReason(1000, ""), expectDropAfter(250 * time.Millisecond)},
			want:  wantUnclean()},
		// The server drops at once after its close: clean.
		{name: "13-timeout/server-drops-at-once", opts: dropTimeout,
			steps: []step{send(rfClose(1000, "done")), expectCloseReason(1000, ""), peerDrop()},
			want:  wantClean(1000, "done")},
	}
}

// sixteenMessages: a fragmented "mx", then fifteen "m".
func sixteenMessages() []rawFrame {
	fs := []rawFrame{rfText("m").more(), rfCont("x")}
	for range 15 {
		fs = append(fs, rfText("m"))
	}
	return fs
}

// TestConformanceClientHandshakeErrors: Dial fails on a bad answer.
func TestConformanceClientHandshakeErrors(t *testing.T) {
	t.Parallel()
	answer := func(status, headers string) rawUpgradeResponder {
		return func(w io.Writer, _ *http.Request, accept string) bool {
			_, _ = fmt.Fprintf(w, "HTTP/1.1 %s\r\n%s\r\n", status, fmt.Sprintf(headers, accept))
			return true
		}
	}
	const good = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n"
	cases := []struct {
		name    string
		respond rawUpgradeResponder
	}{
		{"wrong-accept", answer("101 Switching Protocols", "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x%s\r\n")},
		{"status-200", answer("200 OK", good+"Content-Length: 0\r\n")},
		{"status-403", answer("403 Forbidden", "Content-Length: 0\r\n%.0s")},
		{"no-upgrade-header", answer("101 Switching Protocols", "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n")},
		{"no-connection-header", answer("101 Switching Protocols", "Upgrade: websocket\r\nSec-WebSocket-Accept: %s\r\n")},
		{"unoffered-subprotocol", answer("101 Switching Protocols", good+"Sec-WebSocket-Protocol: chat\r\n")},
		{"unoffered-extension", answer("101 Switching Protocols", good+"Sec-WebSocket-Extensions: x-foo\r\n")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			url, wait := startRawServer(t, c.respond)
			h := newConfHandler()
			ctx, cancel := context.WithTimeout(context.Background(), rawDeadline)
			defer cancel()
			conn, err := Dial(ctx, url, h, confOptions())
			if conn != nil {
				_ = conn.CloseNow()
			}
			require.Error(t, err)
			assert.Nil(t, conn)
			assert.EqualValues(t, 0, h.openCount.Load(), "OnOpen after a failed handshake")
			_, _, _ = wait()
		})
	}
}

// TestConformanceClientPipelinedFrames: frames the server writes in the
// same TCP write as its 101 answer must be processed, after OnOpen.
func TestConformanceClientPipelinedFrames(t *testing.T) {
	t.Parallel()
	url, wait := startRawServer(t, rawAnswer101With(rawEncodeAll(rawServer, rfText("pipelined"), rfPing("p"), rfBin(pattern(70000, false)))))
	h := newConfHandler()
	opts := confOptions()
	ctx, cancel := context.WithTimeout(context.Background(), rawDeadline)
	defer cancel()
	c, err := Dial(ctx, url, h, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.CloseNow() })
	p, _, err := wait()
	require.NoError(t, err)
	e := &confEnv{t: t, p: p, h: h, role: rawServer, opts: opts}
	for _, s := range []step{expectText("pipelined"), expectPong("p"), expectMsg(rawOpBinary, pattern(70000, false)), endClean()} {
		s(e)
	}
	checkOnClose(t, h, wantClean(1000, "done"))
	assert.Equal(t, "open", h.snapshot()[0].kind, "OnOpen runs first")
}

// FuzzConformanceClient plays arbitrary bytes (after a good 101) at our
// client, then half-closes: every frame our client sends must be valid
// (masked, rawCheckFrame), it must end the connection, and OnClose must
// run exactly once.
func FuzzConformanceClient(f *testing.F) {
	seeds := [][]rawFrame{
		{rfText("hello"), rfClose(1000, "bye")},
		{rfText("frag").more(), rfPing("p"), rfCont("ment"), rfBin([]byte{1, 2, 3})},
		{rfText("\xf4\x90\x80\x80")},
		{rfOf(0xB, nil)},
		{rfClose(999, "")},
		{rfBin(nil).announce(-1).withLen(rawLen64)},
		{rfText("x").masked(true)},
		{rfBin(pattern(300, false)).withLen(rawLen64)},
	}
	for _, s := range seeds {
		f.Add(rawEncodeAll(rawServer, s...))
	}
	f.Fuzz(func(t *testing.T, stream []byte) {
		url, wait := startRawServer(t, rawAnswer101)
		h := newConfHandler()
		opts := confOptions()
		opts.CloseHandshakeTimeout = 200 * time.Millisecond
		opts.ServerConnectionDropTimeout = 200 * time.Millisecond
		opts.MaxMessagePayloadSize = 1 << 20
		ctx, cancel := context.WithTimeout(context.Background(), rawDeadline)
		defer cancel()
		c, err := Dial(ctx, url, h, opts)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.CloseNow() })
		p, _, err := wait()
		require.NoError(t, err)
		_ = p.write(stream)
		if tcp, ok := p.nc.(interface{ CloseWrite() error }); ok {
			_ = tcp.CloseWrite()
		}
		for {
			_, err := p.readFrame()
			if err != nil {
				require.True(t, rawConnGone(err), "our client sent something invalid or hung: %v", err)
				break
			}
		}
		select {
		case <-h.closed:
		case <-time.After(rawDeadline):
			t.Fatal("OnClose was not called")
		}
		time.Sleep(5 * time.Millisecond)
		assert.EqualValues(t, 1, h.closeCount.Load(), "OnClose calls")
	})
}

// TestConformanceClientOpenHandshakeTimeout: a server that never answers
// the upgrade makes Dial fail after OpenHandshakeTimeout (the context
// allows longer).
func TestConformanceClientOpenHandshakeTimeout(t *testing.T) {
	t.Parallel()
	url, wait := startRawServer(t, func(io.Writer, *http.Request, string) bool {
		time.Sleep(2 * time.Second)
		return false
	})
	opts := confOptions()
	opts.OpenHandshakeTimeout = 300 * time.Millisecond
	h := newConfHandler()
	ctx, cancel := context.WithTimeout(context.Background(), rawDeadline)
	defer cancel()
	start := time.Now()
	c, err := Dial(ctx, url, h, opts)
	if c != nil {
		_ = c.CloseNow()
	}
	elapsed := time.Since(start)
	require.Error(t, err)
	assert.GreaterOrEqual(t, elapsed, 250*time.Millisecond, "failed before the timeout")
	assert.Less(t, elapsed, 2*time.Second, "OpenHandshakeTimeout not applied")
	assert.EqualValues(t, 0, h.openCount.Load())
	_, _, _ = wait()
}
