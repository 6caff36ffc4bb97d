package ws

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"time"
)

// frameConn is a net.Conn that hands out the same frame n times, at most
// one frame per Read (as a peer with one message in flight does), then
// EOF, and discards writes (counting them).
type frameConn struct {
	bytesConn
	frame  []byte
	off    int
	left   int
	writes int
}

func (f *frameConn) Read(p []byte) (int, error) {
	if f.left == 0 {
		return 0, io.EOF
	}
	n := copy(p, f.frame[f.off:])
	f.off += n
	if f.off == len(f.frame) {
		f.off = 0
		f.left--
	}
	return n, nil
}

func (f *frameConn) Write(p []byte) (int, error) { f.writes++; return len(p), nil }

// echoPayload is a payload of kind "ascii", "utf8" (multi-byte) or
// "binary" of n bytes, as bench/peers sends.
func echoPayload(kind string, n int) ([]byte, byte) {
	switch kind {
	case "ascii":
		return bytes.Repeat([]byte("a"), n), OpText
	case "utf8":
		b := bytes.Repeat([]byte("κόσμε€"), n/10+1)
		for len(b) > n {
			b = []byte(string(b[:len(b)-1]))
			b = bytes.ToValidUTF8(b, nil)
		}
		return append(b, bytes.Repeat([]byte("a"), n-len(b))...), OpText
	}
	b := make([]byte, n)
	rng := rand.New(rand.NewPCG(uint64(n), 1))
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b, OpBinary
}

// costEchoHandler sends every message back, as the echo servers of
// bench/peers do.
type costEchoHandler struct {
	BaseHandler
	n int
}

func (h *costEchoHandler) OnMessage(c *Conn, p []byte, isBinary bool) {
	h.n++
	_ = c.SendMessage(p, isBinary)
}

// BenchmarkMsgCostEcho measures a server's whole per-message work for an
// echo (receive a masked frame, unmask, check UTF-8, OnMessage, frame and
// write the answer) over an in-memory connection that hands out one frame
// per read: the engine's own CPU per message, without the socket's.
// ReuseMessageBuffer is on, as in bench/peers.
func BenchmarkMsgCostEcho(b *testing.B) {
	for _, kind := range []string{"ascii", "utf8", "binary"} {
		for _, size := range []int{64, 1 << 10, 16 << 10} {
			b.Run(fmt.Sprintf("%s/%dB", kind, size), func(b *testing.B) {
				payload, op := echoPayload(kind, size)
				nc := &frameConn{frame: encode(op, true, 0, payload, true), left: b.N}
				h := &costEchoHandler{}
				o := DefaultOptions()
				o.CloseHandshakeTimeout, o.ServerConnectionDropTimeout = time.Second, time.Second
				o.ReuseMessageBuffer = true
				c := newConn(connConfig{netConn: nc, isServer: true, opts: o, handler: h})
				c.started.Store(true)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				b.ResetTimer()
				c.readLoop()
				if h.n != b.N {
					b.Fatalf("got %d messages, want %d", h.n, b.N)
				}
			})
		}
	}
}
