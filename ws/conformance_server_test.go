package ws

// Conformance of our server: the raw peer is a client that does the
// opening handshake by hand and then plays hand-built frames.

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConformanceServer runs the shared cases and the server-only ones
// against our server.
func TestConformanceServer(t *testing.T) {
	t.Parallel()
	runConfTable(t, rawClient, append(sharedCases(), serverOnlyCases()...))
}

// serverOnlyCases are the masking rules of a server.
func serverOnlyCases() []confCase {
	return []confCase{
		failCase("11-mask/unmasked-text", 1002, send(rfText("hello").masked(false))),
		failCase("11-mask/unmasked-ping", 1002, send(rfPing("hello").masked(false))),
		failCase("11-mask/unmasked-continuation", 1002, send(rfText("frag").more(), rfCont("ment").masked(false))),
		failCase("11-mask/unmasked-close", 1002, send(rfClose(1000, "bye").masked(false))),
		failCase("11-mask/unmasked-after-message", 1002, send(rfText("first"), rfText("second").masked(false)), expectText("first")),
		okCase("11-mask/unmasked-allowed", send(rfText("hello").masked(false), rfPing("p").masked(false)),
			expectText("hello"), expectPong("p")).
			with(func(o *Options) { o.RequireMaskedClientFrames = false }),
		okCase("11-mask/masked-still-allowed-when-not-required", send(rfText("hello")), expectText("hello")).
			with(func(o *Options) { o.RequireMaskedClientFrames = false }),
		okCase("11-mask/mask-server-frames", expectOurMasked(true), send(rfText("hello")), expectText("hello")).
			with(func(o *Options) { o.MaskServerFrames = true }),
	}
}

// TestConformanceServerHandshakeErrors: a few opening handshake failures,
// written by hand (the handshake's own tests cover more).
func TestConformanceServerHandshakeErrors(t *testing.T) {
	t.Parallel()
	h := newConfHandler()
	addr := startOurServer(t, confOptions(), h)
	req := func(method, extra string) string {
		return fmt.Sprintf("%s / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n%s\r\n", method, addr, extra)
	}
	const key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	cases := []struct {
		name    string
		request string
		status  int
		header  string // header that must be present
		value   string
	}{
		{"version-8", req("GET", key+"Sec-WebSocket-Version: 8\r\n"), http.StatusUpgradeRequired, "Sec-WebSocket-Version", "13"},
		{"version-missing", req("GET", key), http.StatusBadRequest, "", ""},
		{"key-too-short", req("GET", "Sec-WebSocket-Key: abc\r\nSec-WebSocket-Version: 13\r\n"), http.StatusBadRequest, "", ""},
		{"key-missing", req("GET", "Sec-WebSocket-Version: 13\r\n"), http.StatusBadRequest, "", ""},
		{"post", req("POST", key+"Sec-WebSocket-Version: 13\r\nContent-Length: 0\r\n"), http.StatusMethodNotAllowed, "Allow", "GET"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, _ := rawHTTP(t, addr, c.request)
			assert.Equal(t, c.status, resp.StatusCode, "status %s", resp.Status)
			if c.header != "" {
				assert.Equal(t, c.value, resp.Header.Get(c.header), "header %s", c.header)
			}
			assert.Empty(t, resp.Header.Get("Sec-WebSocket-Accept"))
		})
	}
	// The RFC 6455 1.3 example key gets the example answer.
	resp, _ := rawHTTP(t, addr, req("GET", key+"Sec-WebSocket-Version: 13\r\n"))
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	assert.Equal(t, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", resp.Header.Get("Sec-WebSocket-Accept"))
	select {
	case <-h.opened:
	case <-time.After(rawDeadline):
		t.Fatal("OnOpen not called after a good handshake")
	}
	assert.EqualValues(t, 1, h.openCount.Load(), "only the good handshake opens a connection")
}

// TestConformanceServerPipelinedFrames: frames written in the same TCP
// write as the upgrade request (so they sit in the handshake's read buffer)
// must be processed, after OnOpen.
func TestConformanceServerPipelinedFrames(t *testing.T) {
	t.Parallel()
	h := newConfHandler()
	opts := confOptions()
	addr := startOurServer(t, opts, h)
	p, _, err := rawDialConn(t, addr, "/", rawEncodeAll(rawClient, rfText("pipelined"), rfPing("p"), rfBin(pattern(70000, false))))
	require.NoError(t, err)
	t.Cleanup(p.close)
	e := &confEnv{t: t, p: p, h: h, role: rawClient, opts: opts}
	for _, s := range []step{expectText("pipelined"), expectPong("p"), expectMsg(rawOpBinary, pattern(70000, false)), endClean()} {
		s(e)
	}
	checkOnClose(t, h, wantClean(1000, "done"))
	assert.Equal(t, "open", h.snapshot()[0].kind, "OnOpen runs first")
}

// FuzzConformanceServer plays arbitrary bytes (after a good opening
// handshake) at our server, then half-closes. Whatever the bytes, every
// frame our server sends must be valid (rawCheckFrame), it must end the
// connection, and OnClose must run exactly once.
func FuzzConformanceServer(f *testing.F) {
	seeds := [][]rawFrame{
		{rfText("hello"), rfClose(1000, "bye")},
		{rfText("frag").more(), rfPing("p"), rfCont("ment"), rfBin([]byte{1, 2, 3})},
		{rfText("\xce\xba\xed\xa0\x80")},
		{rfOf(3, []byte("x"))},
		{rfClose(1005, "")},
		{rfBin(nil).announce(1 << 40)},
		{rfText("x").rsv(rawRSV1)},
		{rfPing(string(pattern(125, false))), rfPong("")},
		{rfCont("orphan")},
		{rfText("hi").masked(false)},
	}
	for _, s := range seeds {
		f.Add(rawEncodeAll(rawClient, s...))
	}
	f.Fuzz(func(t *testing.T, stream []byte) {
		h := newConfHandler()
		opts := confOptions()
		opts.CloseHandshakeTimeout = 200 * time.Millisecond
		opts.MaxMessagePayloadSize = 1 << 20
		addr := startOurServer(t, opts, h)
		p := rawDial(t, addr)
		_ = p.write(stream)
		if tcp, ok := p.nc.(interface{ CloseWrite() error }); ok {
			_ = tcp.CloseWrite()
		}
		for {
			_, err := p.readFrame()
			if err != nil {
				require.True(t, rawConnGone(err), "our server sent something invalid or hung: %v", err)
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

// confConnectHandler is a confHandler that picks this connection's options
// in OnConnect (ConnectionAccept.Options).
type confConnectHandler struct {
	*confHandler
	opts *Options
}

func (h confConnectHandler) OnConnect(*ConnectionRequest) (*ConnectionAccept, error) {
	return &ConnectionAccept{Options: h.opts}, nil
}

// TestConformanceServerPerConnectionOptions: options returned by OnConnect
// replace the server's for that connection, on the wire.
func TestConformanceServerPerConnectionOptions(t *testing.T) {
	t.Parallel()
	h := newConfHandler()
	per := confOptions()
	per.MaxMessagePayloadSize = 100
	per.AutoFragmentSize = 10
	per.EchoCloseCodeReason = true
	addr := startOurServer(t, confOptions(), confConnectHandler{confHandler: h, opts: per})
	p := rawDial(t, addr)
	waitOpened(t, h)
	e := &confEnv{t: t, p: p, h: h, role: rawClient, opts: per}
	msg := pattern(100, true)
	for _, s := range []step{
		send(rfOf(rawOpText, msg)), expectFragmented(rawOpText, msg, 10, 10), // AutoFragmentSize
		send(rfBin(nil).announce(101)), endFail(1009), // MaxMessagePayloadSize
	} {
		s(e)
	}
	checkOnClose(t, h, wantUnclean())

	// EchoCloseCodeReason, on a second connection.
	h2 := newConfHandler()
	addr = startOurServer(t, confOptions(), confConnectHandler{confHandler: h2, opts: per})
	p = rawDial(t, addr)
	waitOpened(t, h2)
	e = &confEnv{t: t, p: p, h: h2, role: rawClient, opts: per}
	for _, s := range []step{send(rfClose(4001, "echo me")), expectCloseReason(4001, "echo me"), expectDrop()} {
		s(e)
	}
	checkOnClose(t, h2, wantClean(4001, "echo me"))
}

// TestConformanceServerOpenHandshakeTimeout: a client that does not finish
// its opening handshake is dropped after OpenHandshakeTimeout.
func TestConformanceServerOpenHandshakeTimeout(t *testing.T) {
	t.Parallel()
	opts := confOptions()
	opts.OpenHandshakeTimeout = 300 * time.Millisecond
	h := newConfHandler()
	addr := startOurServer(t, opts, h)
	t.Cleanup(func() { assert.EqualValues(t, 0, h.openCount.Load(), "OnOpen without a handshake") })
	for _, partial := range []string{"", "GET / HTTP/1.1\r\n", "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"} {
		t.Run(fmt.Sprintf("%q", partial), func(t *testing.T) {
			t.Parallel()
			nc, err := net.DialTimeout("tcp", addr, rawDeadline)
			require.NoError(t, err)
			defer nc.Close()
			start := time.Now()
			_, err = io.WriteString(nc, partial)
			require.NoError(t, err)
			_ = nc.SetReadDeadline(time.Now().Add(rawDeadline))
			_, err = io.ReadAll(nc) // a 408 or nothing, then the close
			require.NoError(t, err, "want the connection closed before the raw peer's deadline")
			assert.GreaterOrEqual(t, time.Since(start), 250*time.Millisecond, "closed before the timeout")
		})
	}
}
