package ws

import (
	"bytes"
	"fmt"
	"io"
	"testing"
	"time"
)

// loopConn is a net.Conn that reads the same frame n times, then EOF, and
// discards writes: the engine's read path without a network.
type loopConn struct {
	bytesConn
	frame []byte
	off   int
	left  int
}

func (l *loopConn) Read(p []byte) (int, error) {
	if l.closed.Load() {
		return 0, io.ErrClosedPipe
	}
	n := 0
	for n < len(p) && l.left > 0 {
		k := copy(p[n:], l.frame[l.off:])
		n += k
		l.off += k
		if l.off == len(l.frame) {
			l.off = 0
			l.left--
		}
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

func (l *loopConn) Write(p []byte) (int, error) { return len(p), nil }

type countHandler struct {
	BaseHandler
	n int
}

func (h *countHandler) OnMessage(*Conn, []byte, bool) { h.n++ }

// BenchmarkEngineRead measures the receive path of a server (unmask and
// UTF-8 check of masked text frames, message assembly, OnMessage) over an
// in-memory connection; the reuse variants with ReuseMessageBuffer.
func BenchmarkEngineRead(b *testing.B) {
	for _, size := range []int{64, 4 << 10, 64 << 10} {
		for _, text := range []bool{true, false} {
			for _, reuse := range []bool{false, true} {
				kind := map[bool]string{true: "text", false: "binary"}[text]
				name := fmt.Sprintf("%s/%dB", kind, size)
				if reuse {
					name += "/reuse"
				}
				benchEngineRead(b, name, size, text, reuse)
			}
		}
	}
}

// benchEngineRead is one case of BenchmarkEngineRead.
func benchEngineRead(b *testing.B, name string, size int, text, reuse bool) {
	b.Run(name, func(b *testing.B) {
		payload := bytes.Repeat([]byte("κόσμε abc "), size/12+1)[:size]
		op := OpBinary
		if text {
			op = OpText
			payload = bytes.ToValidUTF8(payload[:size-size%12], nil)
		}
		frame := encode(op, true, 0, payload, true)
		nc := &loopConn{frame: frame, left: b.N}
		h := &countHandler{}
		o := DefaultOptions()
		o.CloseHandshakeTimeout, o.ServerConnectionDropTimeout = time.Second, time.Second
		o.ReuseMessageBuffer = reuse
		c := newConn(connConfig{netConn: nc, isServer: true, opts: o, handler: h})
		c.started.Store(true)
		b.SetBytes(int64(len(payload)))
		b.ReportAllocs()
		b.ResetTimer()
		c.readLoop()
		if h.n != b.N {
			b.Fatalf("got %d messages, want %d", h.n, b.N)
		}
	})
}

// BenchmarkEngineSend measures SendMessage (framing, and masking on the
// client side) into a connection that discards what it is given.
func BenchmarkEngineSend(b *testing.B) {
	for _, size := range []int{64, 4 << 10, 64 << 10} {
		for _, client := range []bool{false, true} {
			role := map[bool]string{false: "server", true: "client"}[client]
			b.Run(fmt.Sprintf("%s/%dB", role, size), func(b *testing.B) {
				nc := &loopConn{}
				c := newConn(connConfig{netConn: nc, isServer: !client, opts: DefaultOptions(), handler: &countHandler{}})
				payload := bytes.Repeat([]byte("x"), size)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					if err := c.SendMessage(payload, true); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
