package ws

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serverWithPeer runs a server engine with a recording handler and a raw
// masking client peer.
func serverWithPeer(t *testing.T, opts *Options, pmd pmdCodec) (*Conn, *recHandler, *rawPeer) {
	a, b := tcpPair(t)
	h := newRec()
	c := engine(t, a, true, opts, h, pmd)
	return c, h, newPeer(t, b, true)
}

func TestReceiveMessages(t *testing.T) {
	c, h, p := serverWithPeer(t, nil, nil)
	_ = c

	p.send(OpText, true, []byte("hello"))
	m := h.nextMsg(t)
	assert.Equal(t, "hello", string(m.payload))
	assert.False(t, m.isBinary)

	p.send(OpBinary, true, []byte{0, 1, 2, 0xff})
	m = h.nextMsg(t)
	assert.Equal(t, []byte{0, 1, 2, 0xff}, m.payload)
	assert.True(t, m.isBinary)

	// Empty message.
	p.send(OpText, true, nil)
	m = h.nextMsg(t)
	assert.Empty(t, m.payload)

	// Fragmented, with a ping and a pong between the fragments; the ping
	// is answered before the message completes.
	p.send(OpText, false, []byte("frag"))
	p.send(OpPing, true, []byte("p1"))
	pong := p.mustRead()
	assert.Equal(t, OpPong, pong.op)
	assert.Equal(t, "p1", string(pong.payload))
	assert.False(t, pong.masked, "server frames are not masked")
	p.send(OpContinuation, false, []byte("men"))
	p.send(OpPong, true, []byte("unsolicited"))
	p.send(OpContinuation, false, nil)
	p.send(OpContinuation, true, []byte("ted"))
	m = h.nextMsg(t)
	assert.Equal(t, "fragmented", string(m.payload))

	// Large message over 64 KiB (64-bit length), split in frames.
	big := bytes.Repeat([]byte("abcdefgh"), 20000)
	p.send(OpBinary, false, big[:70000])
	p.send(OpContinuation, true, big[70000:])
	m = h.nextMsg(t)
	assert.Equal(t, big, m.payload)

	h.mu.Lock()
	assert.Equal(t, [][]byte{[]byte("p1")}, h.pings)
	assert.Equal(t, [][]byte{[]byte("unsolicited")}, h.pongs)
	assert.Equal(t, 1, h.opened)
	h.mu.Unlock()
}

// TestFramingErrors checks that every framing error fails the connection
// with the right close code, for both roles.
func TestFramingErrors(t *testing.T) {
	long := bytes.Repeat([]byte("x"), 126)
	type step struct {
		op      byte
		fin     bool
		rsv     byte
		payload []byte
	}
	tests := []struct {
		name   string
		steps  []step
		raw    []byte // sent as is (server role: masked by hand)
		code   int
		client bool // engine is the client (peer unmasked)
		pmd    bool
		opts   func(*Options)
		blind  bool // the stream cannot be parsed past the error
		// peerClosed: the fault is in the peer's close frame, which ends
		// its side of the closing handshake: after our close the server
		// drops TCP at once, no reply is waited for, and the close is not
		// clean.
		peerClosed bool
	}{
		{name: "rsv1 without extension", steps: []step{{OpText, true, 4, []byte("a")}}, code: 1002},
		{name: "rsv2", steps: []step{{OpText, true, 2, []byte("a")}}, code: 1002},
		{name: "rsv3 on ping", steps: []step{{OpPing, true, 1, nil}}, code: 1002},
		{name: "rsv1 on continuation with pmd", pmd: true, steps: []step{{OpBinary, false, 0, []byte("a")}, {OpContinuation, true, 4, []byte("b")}}, code: 1002},
		{name: "rsv1 on ping with pmd", pmd: true, steps: []step{{OpPing, true, 4, nil}}, code: 1002},
		{name: "reserved data opcode 3", steps: []step{{3, true, 0, nil}}, code: 1002},
		{name: "reserved control opcode 11", steps: []step{{11, true, 0, nil}}, code: 1002},
		{name: "fragmented ping", steps: []step{{OpPing, false, 0, nil}}, code: 1002},
		{name: "ping too long", steps: []step{{OpPing, true, 0, long}}, code: 1002},
		{name: "continuation without start", steps: []step{{OpContinuation, true, 0, []byte("a")}}, code: 1002},
		{name: "text inside fragmented message", steps: []step{{OpText, false, 0, []byte("a")}, {OpText, true, 0, []byte("b")}}, code: 1002},
		{name: "binary inside fragmented message", steps: []step{{OpBinary, false, 0, []byte("a")}, {OpPing, true, 0, nil}, {OpBinary, true, 0, []byte("b")}}, code: 1002},
		{name: "non-minimal 16-bit length", raw: []byte{0x82, 0x80 | 126, 0, 5, 1, 2, 3, 4, 1, 2, 3, 4, 5}, code: 1002},
		{name: "non-minimal 64-bit length", raw: append([]byte{0x82, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 200, 1, 2, 3, 4}, make([]byte, 200)...), code: 1002},
		{name: "64-bit length with top bit", raw: []byte{0x82, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4}, code: 1002, blind: true},
		{name: "unmasked client frame", raw: []byte{0x81, 1, 'a'}, code: 1002},
		{name: "masked server frame", client: true, raw: []byte{0x81, 0x81, 1, 2, 3, 4, 'a'}, code: 1002},
		{name: "client: rsv bits", client: true, steps: []step{{OpBinary, true, 3, nil}}, code: 1002},
		{name: "invalid utf8 text", steps: []step{{OpText, true, 0, []byte{'a', 0xff, 'b'}}}, code: 1007},
		{name: "utf8 split over frames then invalid", steps: []step{{OpText, false, 0, []byte{0xce}}, {OpContinuation, true, 0, []byte{0x41}}}, code: 1007},
		{name: "text ends inside code point", steps: []step{{OpText, true, 0, []byte{'a', 0xe2, 0x82}}}, code: 1007},
		{name: "surrogate", steps: []step{{OpText, true, 0, []byte{0xed, 0xa0, 0x80}}}, code: 1007},
		{name: "frame too big", opts: func(o *Options) { o.MaxFramePayloadSize = 10 }, steps: []step{{OpBinary, true, 0, make([]byte, 11)}}, code: 1009},
		{name: "message too big", opts: func(o *Options) { o.MaxMessagePayloadSize = 10 }, steps: []step{{OpBinary, false, 0, make([]byte, 6)}, {OpContinuation, true, 0, make([]byte, 5)}}, code: 1009},
		{name: "close 1-byte payload", steps: []step{{OpClose, true, 0, []byte{3}}}, code: 1002, peerClosed: true},
		{name: "close code 999", steps: []step{{OpClose, true, 0, closePayload(999, "")}}, code: 1002, peerClosed: true},
		{name: "close code 1004", steps: []step{{OpClose, true, 0, closePayload(1004, "")}}, code: 1002, peerClosed: true},
		{name: "close code 1005", steps: []step{{OpClose, true, 0, closePayload(1005, "")}}, code: 1002, peerClosed: true},
		{name: "close code 1006", steps: []step{{OpClose, true, 0, closePayload(1006, "")}}, code: 1002, peerClosed: true},
		{name: "close code 1015", steps: []step{{OpClose, true, 0, closePayload(1015, "")}}, code: 1002, peerClosed: true},
		{name: "close code 1016", steps: []step{{OpClose, true, 0, closePayload(1016, "")}}, code: 1002, peerClosed: true},
		{name: "close code 2999", steps: []step{{OpClose, true, 0, closePayload(2999, "")}}, code: 1002, peerClosed: true},
		{name: "close code 5000", steps: []step{{OpClose, true, 0, closePayload(5000, "")}}, code: 1002, peerClosed: true},
		{name: "close code 65535", steps: []step{{OpClose, true, 0, closePayload(65535, "")}}, code: 1002, peerClosed: true},
		{name: "close reason bad utf8", steps: []step{{OpClose, true, 0, append(closePayload(1000, ""), 0xc0, 0x80)}}, code: 1007, peerClosed: true},
	}
	for _, tc := range tests {
		for _, drop := range []bool{false, true} {
			name := tc.name
			if drop {
				name += "/FailByDrop"
			}
			t.Run(name, func(t *testing.T) {
				a, b := tcpPair(t)
				o := testOpts()
				o.FailByDrop = drop
				if tc.opts != nil {
					tc.opts(o)
				}
				var pmd pmdCodec
				if tc.pmd {
					pmd = &flateCodec{}
				}
				h := newRec()
				engine(t, a, !tc.client, o, h, pmd)
				p := newPeer(t, b, !tc.client)
				for _, s := range tc.steps {
					p.sendRSV(s.op, s.fin, s.rsv, s.payload)
				}
				if tc.raw != nil {
					p.write(tc.raw)
				}
				if drop {
					p.expectEOF(OpClose)
					ci := h.waitClose(t)
					assert.False(t, ci.wasClean, "a dropped connection is not clean")
					assert.Equal(t, CloseAbnormal, ci.code)
				} else {
					f := p.expectClose(tc.code)
					if !tc.client {
						assert.False(t, f.masked)
					}
					if tc.peerClosed {
						if !tc.client {
							p.expectEOF(OpClose)
						}
						_ = p.c.Close()
						ci := h.waitClose(t)
						assert.False(t, ci.wasClean)
						assert.Equal(t, CloseAbnormal, ci.code)
						assert.Contains(t, ci.reason, "invalid close frame")
					} else if tc.blind {
						_ = p.c.Close()
						ci := h.waitClose(t)
						assert.False(t, ci.wasClean)
						assert.Equal(t, CloseAbnormal, ci.code)
					} else {
						// The peer completes the closing handshake: as in
						// Autobahn, that is a clean close with its code.
						p.send(OpClose, true, closePayload(tc.code, "reply"))
						if !tc.client {
							p.expectEOF(0xFF)
						}
						_ = p.c.Close()
						assert.Equal(t, closeInfo{true, tc.code, "reply"}, h.waitClose(t))
					}
				}
				assert.Empty(t, h.msgs, "no message delivered")
			})
		}
	}
}

// TestUTF8FailsFast checks that invalid UTF-8 fails the connection as soon
// as the bad byte arrives, before the rest of the frame is sent.
func TestUTF8FailsFast(t *testing.T) {
	for _, client := range []bool{false, true} {
		t.Run(map[bool]string{false: "server", true: "client"}[client], func(t *testing.T) {
			a, b := tcpPair(t)
			h := newRec()
			engine(t, a, !client, testOpts(), h, nil)
			p := newPeer(t, b, !client)
			payload := make([]byte, 1000)
			for i := range payload {
				payload[i] = 'a'
			}
			copy(payload[10:], []byte{0xf5}) // never valid
			full := encode(OpText, true, 0, payload, !client)
			hdr := len(full) - 1000
			p.write(full[:hdr+20]) // header and a prefix holding the bad byte
			p.expectClose(CloseInvalidPayload)
			ci := h.waitCloseOrSend(t, p)
			assert.False(t, ci.wasClean)
		})
	}
}

// waitCloseOrSend answers the engine's close and waits for OnClose.
func (h *recHandler) waitCloseOrSend(t *testing.T, p *rawPeer) closeInfo {
	t.Helper()
	_ = p.c.Close()
	return h.waitClose(t)
}

func TestUTF8ValidateIncomingOff(t *testing.T) {
	o := testOpts()
	o.UTF8ValidateIncoming = false
	_, h, p := serverWithPeer(t, o, nil)
	p.send(OpText, true, []byte{0xff, 0xfe})
	assert.Equal(t, []byte{0xff, 0xfe}, h.nextMsg(t).payload)
	p.send(OpClose, true, append(closePayload(1000, ""), 0xff))
	f := p.expectClose(CloseNormal)
	assert.Len(t, f.payload, 2)
}

func TestUTF8AcrossFrames(t *testing.T) {
	_, h, p := serverWithPeer(t, nil, nil)
	// "κόσμε" split inside code points over many 1-byte frames.
	s := []byte("κόσμε€𝄞")
	p.send(OpText, false, s[:1])
	for i := 1; i < len(s)-1; i++ {
		p.send(OpContinuation, false, s[i:i+1])
	}
	p.send(OpContinuation, true, s[len(s)-1:])
	assert.Equal(t, string(s), string(h.nextMsg(t).payload))
}

func TestMaskingOptions(t *testing.T) {
	t.Run("server accepts unmasked when not required", func(t *testing.T) {
		o := testOpts()
		o.RequireMaskedClientFrames = false
		a, b := tcpPair(t)
		h := newRec()
		engine(t, a, true, o, h, nil)
		p := newPeer(t, b, false)
		p.send(OpText, true, []byte("plain"))
		assert.Equal(t, "plain", string(h.nextMsg(t).payload))
	})
	t.Run("client accepts masked when allowed", func(t *testing.T) {
		o := testOpts()
		o.AcceptMaskedServerFrames = true
		a, b := tcpPair(t)
		h := newRec()
		engine(t, a, false, o, h, nil)
		p := newPeer(t, b, true)
		p.send(OpText, true, []byte("masked"))
		assert.Equal(t, "masked", string(h.nextMsg(t).payload))
	})
	t.Run("ApplyMask off leaves payload as is", func(t *testing.T) {
		o := testOpts()
		o.ApplyMask = false
		o.UTF8ValidateIncoming = false
		a, b := tcpPair(t)
		h := newRec()
		engine(t, a, true, o, h, nil)
		p := newPeer(t, b, true)
		p.send(OpBinary, true, []byte{1, 2, 3, 4, 5})
		got := h.nextMsg(t).payload
		assert.Equal(t, encode(OpBinary, true, 0, []byte{1, 2, 3, 4, 5}, true)[6:], got)
	})
}

func TestMessageLimitExactAndStreamed(t *testing.T) {
	o := testOpts()
	o.MaxMessagePayloadSize = 100
	_, h, p := serverWithPeer(t, o, nil)
	p.send(OpBinary, true, make([]byte, 100)) // exactly the limit passes
	assert.Len(t, h.nextMsg(t).payload, 100)
	// A frame header announcing more than the limit fails before any
	// payload byte is sent.
	p.write([]byte{0x82, 0x80 | 126, 0x10, 0x00, 1, 2, 3, 4})
	p.expectClose(CloseMessageTooBig)
}

func TestCloseFromPeer(t *testing.T) {
	tests := []struct {
		name       string
		payload    []byte
		echo       bool
		wantCode   int // on OnClose
		wantReason string
		replyCode  int
		replyLen   int
	}{
		{name: "normal", payload: closePayload(1000, "bye"), wantCode: 1000, wantReason: "bye", replyCode: 1000, replyLen: 2},
		{name: "no code", payload: nil, wantCode: 1005, replyCode: 1000, replyLen: 2},
		{name: "app code", payload: closePayload(4001, "app"), wantCode: 4001, wantReason: "app", replyCode: 1000, replyLen: 2},
		{name: "1014 accepted", payload: closePayload(1014, ""), wantCode: 1014, replyCode: 1000, replyLen: 2},
		{name: "echo", payload: closePayload(3003, "why"), echo: true, wantCode: 3003, wantReason: "why", replyCode: 3003, replyLen: 5},
		{name: "echo no code", payload: nil, echo: true, wantCode: 1005, replyCode: 1005, replyLen: 0},
		{name: "max reason", payload: closePayload(1000, strings.Repeat("r", 123)), wantCode: 1000, wantReason: strings.Repeat("r", 123), replyCode: 1000, replyLen: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := testOpts()
			o.EchoCloseCodeReason = tc.echo
			c, h, p := serverWithPeer(t, o, nil)
			p.send(OpClose, true, tc.payload)
			f := p.expectClose(tc.replyCode)
			assert.Len(t, f.payload, tc.replyLen)
			p.expectEOF(0xFF) // the server drops TCP after the handshake
			ci := h.waitClose(t)
			assert.Equal(t, closeInfo{true, tc.wantCode, tc.wantReason}, ci)
			<-c.Done()
			assert.ErrorIs(t, c.SendMessage([]byte("late"), false), ErrClosed)
			h.mu.Lock()
			assert.Equal(t, 1, h.nCloses)
			h.mu.Unlock()
		})
	}
}

func TestClientCloseHandshake(t *testing.T) {
	t.Run("server closes, drops: clean", func(t *testing.T) {
		a, b := tcpPair(t)
		h := newRec()
		engine(t, a, false, testOpts(), h, nil)
		p := newPeer(t, b, false)
		p.send(OpClose, true, closePayload(1001, "going"))
		f := p.expectClose(1000)
		assert.True(t, f.masked, "client frames are masked")
		_ = p.c.Close()
		assert.Equal(t, closeInfo{true, 1001, "going"}, h.waitClose(t))
	})
	t.Run("server closes, never drops: unclean after timeout", func(t *testing.T) {
		a, b := tcpPair(t)
		h := newRec()
		o := testOpts()
		o.ServerConnectionDropTimeout = 100 * time.Millisecond
		engine(t, a, false, o, h, nil)
		p := newPeer(t, b, false)
		p.send(OpClose, true, closePayload(1000, ""))
		p.expectClose(1000)
		ci := h.waitClose(t)
		assert.False(t, ci.wasClean)
		assert.Equal(t, CloseAbnormal, ci.code)
		p.expectEOF(0xFF)
	})
	t.Run("client closes first", func(t *testing.T) {
		a, b := tcpPair(t)
		h := newRec()
		c := engine(t, a, false, testOpts(), h, nil)
		p := newPeer(t, b, false)
		require.NoError(t, c.SendClose(3000, "done"))
		f := p.expectClose(3000)
		assert.Equal(t, "done", string(f.payload[2:]))
		assert.ErrorIs(t, c.SendMessage([]byte("x"), false), ErrClosed)
		assert.ErrorIs(t, c.SendPing(nil), ErrClosed)
		p.send(OpClose, true, closePayload(1000, "ok"))
		_ = p.c.Close()
		assert.Equal(t, closeInfo{true, 1000, "ok"}, h.waitClose(t))
	})
}

func TestSendCloseTimeout(t *testing.T) {
	o := testOpts()
	o.CloseHandshakeTimeout = 100 * time.Millisecond
	c, h, p := serverWithPeer(t, o, nil)
	require.NoError(t, c.SendClose(0, ""))
	f := p.expectClose(CloseNoStatus)
	assert.Empty(t, f.payload)
	require.NoError(t, c.SendClose(1000, ""), "a second close is a no-op")
	ci := h.waitClose(t)
	assert.Equal(t, false, ci.wasClean)
	assert.Equal(t, CloseAbnormal, ci.code)
	assert.Contains(t, ci.reason, "timeout")
	p.expectEOF(OpClose)
}

func TestSendCloseArguments(t *testing.T) {
	c, _, _ := serverWithPeer(t, nil, nil)
	bad := []struct {
		code   int
		reason string
	}{
		{0, "reason without code"}, {999, ""}, {1002, ""}, {1005, ""}, {1006, ""}, {1011, ""}, {2999, ""}, {5000, ""},
		{1000, strings.Repeat("x", 124)}, {1000, string([]byte{0xff})},
	}
	for _, b := range bad {
		assert.Error(t, c.SendClose(b.code, b.reason), "code %d reason %q", b.code, b.reason)
	}
}

func TestPeerVanishes(t *testing.T) {
	for _, server := range []bool{true, false} {
		a, b := tcpPair(t)
		h := newRec()
		c := engine(t, a, server, testOpts(), h, nil)
		p := newPeer(t, b, server)
		p.send(OpText, false, []byte("half a message"))
		_ = b.Close()
		ci := h.waitClose(t)
		assert.Equal(t, false, ci.wasClean)
		assert.Equal(t, CloseAbnormal, ci.code)
		<-c.Done()
		_ = c.CloseNow()
		time.Sleep(10 * time.Millisecond)
		h.mu.Lock()
		assert.Equal(t, 1, h.nCloses, "OnClose exactly once")
		h.mu.Unlock()
	}
}

func TestCloseNow(t *testing.T) {
	c, h, p := serverWithPeer(t, nil, nil)
	require.NoError(t, c.CloseNow())
	p.expectEOF(OpClose)
	ci := h.waitClose(t)
	assert.False(t, ci.wasClean)
	assert.Equal(t, CloseAbnormal, ci.code)
	assert.ErrorIs(t, c.CloseNow(), ErrClosed)
}

func TestCloseWaitsForHandshake(t *testing.T) {
	c, h, p := serverWithPeer(t, nil, nil)
	go func() {
		f, err := p.read()
		if err == nil && f.op == OpClose {
			p.send(OpClose, true, closePayload(1000, ""))
		}
	}()
	require.NoError(t, c.Close())
	assert.True(t, h.waitClose(t).wasClean)
}

func TestReceiveCompressed(t *testing.T) {
	codec := &flateCodec{}
	o := testOpts()
	_, h, p := serverWithPeer(t, o, codec)
	msg := bytes.Repeat([]byte("compress me please "), 500)
	comp := deflate(t, msg)
	p.sendRSV(OpText, true, rsv1, comp)
	assert.Equal(t, msg, h.nextMsg(t).payload)

	// Split over frames with a ping in between; RSV1 on the first only.
	p.sendRSV(OpBinary, false, rsv1, comp[:10])
	p.send(OpPing, true, []byte("x"))
	assert.Equal(t, OpPong, p.mustRead().op)
	p.send(OpContinuation, false, comp[10:20])
	p.send(OpContinuation, true, comp[20:])
	m := h.nextMsg(t)
	assert.Equal(t, msg, m.payload)
	assert.True(t, m.isBinary)

	// Uncompressed messages still work.
	p.send(OpText, true, []byte("plain"))
	assert.Equal(t, "plain", string(h.nextMsg(t).payload))
	assert.Equal(t, int32(2), codec.ended.Load())
}

func TestReceiveCompressedErrors(t *testing.T) {
	tests := []struct {
		name  string
		msg   []byte
		limit int64
		code  int
		raw   []byte
	}{
		{name: "inflated size over limit", msg: make([]byte, 5000), limit: 4096, code: 1009},
		{name: "invalid utf8 after inflation", msg: append(bytes.Repeat([]byte("a"), 300), 0xff), code: 1007},
		{name: "corrupt deflate data", raw: []byte{0xff, 0xff, 0xff, 0xff}, code: 1007},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := testOpts()
			if tc.limit > 0 {
				o.MaxMessagePayloadSize = tc.limit
			}
			_, h, p := serverWithPeer(t, o, &flateCodec{})
			payload := tc.raw
			if payload == nil {
				payload = deflate(t, tc.msg)
				require.Less(t, int64(len(payload)), max(tc.limit, 1<<20))
			}
			p.sendRSV(OpText, true, rsv1, payload)
			p.expectClose(tc.code)
			_ = p.c.Close()
			assert.False(t, h.waitClose(t).wasClean)
		})
	}
}

func TestFrameHandler(t *testing.T) {
	a, b := tcpPair(t)
	fh := &frameRec{recHandler: newRec(), ev: make(chan string, 100)}
	engine(t, a, true, testOpts(), fh, nil)
	p := newPeer(t, b, true)
	p.send(OpText, false, []byte("ab"))
	p.send(OpContinuation, true, []byte("cd"))
	want := []string{"begin text", "frame 2", "data ab", "end frame", "frame 2", "data cd", "end frame", "end"}
	for _, w := range want {
		select {
		case got := <-fh.ev:
			assert.Equal(t, w, got)
		case <-time.After(testTimeout):
			t.Fatalf("missing event %q", w)
		}
	}
	assert.Empty(t, fh.msgs, "OnMessage is not called for a FrameHandler")
}

type frameRec struct {
	*recHandler
	ev chan string
}

func (f *frameRec) OnMessageBegin(c *Conn, isBinary bool) {
	f.ev <- map[bool]string{true: "begin binary", false: "begin text"}[isBinary]
}
func (f *frameRec) OnMessageFrameBegin(c *Conn, n int64) {
	f.ev <- "frame " + string(rune('0'+n))
}
func (f *frameRec) OnMessageFrameData(c *Conn, p []byte) { f.ev <- "data " + string(p) }
func (f *frameRec) OnMessageFrameEnd(c *Conn)            { f.ev <- "end frame" }
func (f *frameRec) OnMessageEnd(c *Conn)                 { f.ev <- "end" }

func TestStats(t *testing.T) {
	c, h, p := serverWithPeer(t, nil, nil)
	p.send(OpBinary, true, make([]byte, 10))   // 2+4+10 bytes
	p.send(OpText, false, []byte("ab"))        // 2+4+2
	p.send(OpPing, true, []byte("pp"))         // 2+4+2
	p.send(OpContinuation, true, []byte("cd")) // 2+4+2
	h.nextMsg(t)
	h.nextMsg(t)
	p.mustRead() // pong: 2+2
	require.NoError(t, c.SendMessage(make([]byte, 200), true))
	p.mustRead() // 4+200
	s := c.Stats()
	assert.Equal(t, uint64(16+8+8+8), s.WireOctetsIn)
	assert.Equal(t, uint64(16), s.WebSocketOctetsIn)
	assert.Equal(t, uint64(14), s.AppOctetsIn)
	assert.Equal(t, uint64(4), s.FramesIn)
	assert.Equal(t, uint64(2), s.MessagesIn)
	assert.Equal(t, uint64(1), s.ControlFramesIn)
	assert.Equal(t, uint64(4+204), s.WireOctetsOut)
	assert.Equal(t, uint64(202), s.WebSocketOctetsOut)
	assert.Equal(t, uint64(200), s.AppOctetsOut)
	assert.Equal(t, uint64(2), s.FramesOut)
	assert.Equal(t, uint64(1), s.MessagesOut)
	assert.Equal(t, uint64(1), s.ControlFramesOut)
}

func TestCloseReasonLengthOnWire(t *testing.T) {
	c, _, p := serverWithPeer(t, nil, nil)
	require.NoError(t, c.SendClose(4999, strings.Repeat("é", 61)))
	f := p.expectClose(4999)
	assert.Equal(t, 4999, int(binary.BigEndian.Uint16(f.payload)))
	assert.Len(t, f.payload, 2+122)
}

// TestCompressedLimitAllocation checks that a compression bomb fails with
// 1009 without the engine buffering much more than the limit.
func TestCompressedLimitAllocation(t *testing.T) {
	o := testOpts()
	o.MaxMessagePayloadSize = 1 << 20
	_, h, p := serverWithPeer(t, o, &flateCodec{})
	bomb := deflate(t, make([]byte, 64<<20)) // 64 MiB of zeros, ~64 KiB compressed
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	p.sendRSV(OpBinary, true, rsv1, bomb)
	p.expectClose(CloseMessageTooBig)
	runtime.ReadMemStats(&after)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(16<<20), "allocation bounded by the limit, not the inflated size")
	_ = p.c.Close()
	assert.False(t, h.waitClose(t).wasClean)
}
