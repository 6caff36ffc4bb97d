package ws

import (
	"bytes"
	"context"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bytesConn is a net.Conn reading a fixed byte string and discarding
// writes; after Close, reads fail as on a closed socket.
type bytesConn struct {
	r      *bytes.Reader
	closed atomic.Bool
	mu     sync.Mutex
	out    bytes.Buffer
}

func (b *bytesConn) Read(p []byte) (int, error) {
	if b.closed.Load() {
		return 0, net.ErrClosed
	}
	// Small reads exercise the chunk edges.
	if len(p) > 7 {
		p = p[:7]
	}
	return b.r.Read(p)
}

func (b *bytesConn) Write(p []byte) (int, error) {
	if b.closed.Load() {
		return 0, net.ErrClosed
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.out.Len() < 1<<16 {
		b.out.Write(p)
	}
	return len(p), nil
}

func (b *bytesConn) Close() error                       { b.closed.Store(true); return nil }
func (b *bytesConn) LocalAddr() net.Addr                { return &net.TCPAddr{} }
func (b *bytesConn) RemoteAddr() net.Addr               { return &net.TCPAddr{} }
func (b *bytesConn) SetDeadline(t time.Time) error      { return nil }
func (b *bytesConn) SetReadDeadline(t time.Time) error  { return nil }
func (b *bytesConn) SetWriteDeadline(t time.Time) error { return nil }

// checkHandler checks what the engine delivers while fuzzing.
type checkHandler struct {
	BaseHandler
	t      testing.TB
	closes int
	text   bytes.Buffer // current streamed text message
}

func (h *checkHandler) OnMessage(c *Conn, p []byte, isBinary bool) {
	if !isBinary && !utf8.Valid(p) {
		h.t.Errorf("invalid UTF-8 text message delivered: %q", p)
	}
}

func (h *checkHandler) OnClose(c *Conn, wasClean bool, code int, reason string) {
	h.closes++
	if !wasClean && code != CloseAbnormal {
		h.t.Errorf("unclean close with code %d", code)
	}
}

type checkFrameHandler struct {
	checkHandler
	isBinary bool
}

func (h *checkFrameHandler) OnMessageBegin(c *Conn, isBinary bool) {
	h.isBinary = isBinary
	h.text.Reset()
}
func (h *checkFrameHandler) OnMessageFrameBegin(*Conn, int64) {}
func (h *checkFrameHandler) OnMessageFrameData(c *Conn, p []byte) {
	if !h.isBinary {
		h.text.Write(p)
	}
}
func (h *checkFrameHandler) OnMessageFrameEnd(*Conn) {}
func (h *checkFrameHandler) OnMessageEnd(c *Conn) {
	if !h.isBinary && !utf8.Valid(h.text.Bytes()) {
		h.t.Errorf("invalid UTF-8 text message delivered")
	}
}

// runEngineOn runs a connection over data to its end, synchronously.
// mode bits: 1 client role, 2 FailByDrop, 4 permessage-deflate, 8
// FrameHandler, 16 blocking mode, 32 small limits.
func runEngineOn(t testing.TB, mode byte, data []byte) (*Conn, int) {
	o := DefaultOptions()
	o.FailByDrop = mode&2 != 0
	o.CloseHandshakeTimeout = 0 // no timers: the input ends the connection
	o.ServerConnectionDropTimeout = 0
	if mode&32 != 0 {
		o.MaxFramePayloadSize = 300
		o.MaxMessagePayloadSize = 1000
	}
	var pmd pmdCodec
	if mode&4 != 0 {
		pmd = &flateCodec{}
	}
	ch := &checkHandler{t: t}
	var h Handler = ch
	closes := &ch.closes
	if mode&8 != 0 {
		fh := &checkFrameHandler{checkHandler: checkHandler{t: t}}
		h, closes = fh, &fh.closes
	}
	if mode&16 != 0 {
		h = nil
	}
	nc := &bytesConn{r: bytes.NewReader(data)}
	c := newConn(connConfig{netConn: nc, isServer: mode&1 == 0, opts: o, handler: h, pmd: pmd})
	c.started.Store(true)
	var wg sync.WaitGroup
	if h == nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				isBin, p, err := c.ReadMessage(context.Background())
				if err != nil {
					return
				}
				if !isBin && !utf8.Valid(p) {
					t.Errorf("invalid UTF-8 text message read")
				}
			}
		}()
	}
	c.readLoop()
	wg.Wait()
	return c, *closes
}

// FuzzFrameParser feeds arbitrary bytes to the engine's read side in
// every role and mode: it must never panic or hang, must end the
// connection exactly once, and must never deliver invalid text.
func FuzzFrameParser(f *testing.F) {
	seeds := [][]byte{
		encode(OpText, true, 0, []byte("hello"), true),
		encode(OpText, false, 0, []byte("hel"), true),
		append(encode(OpText, false, 0, []byte("he"), true), encode(OpContinuation, true, 0, []byte("llo"), true)...),
		encode(OpPing, true, 0, []byte("p"), true),
		encode(OpClose, true, 0, closePayload(1000, "bye"), true),
		encode(OpClose, true, 0, []byte{3}, false),
		encode(OpBinary, true, 4, deflate(f, []byte("compressed compressed")), true),
		encode(OpText, true, 0, []byte{0xce, 0xba, 0xff}, false),
		{0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0},
		{0x82, 0xFE, 0, 1, 1, 2, 3, 4},
		append(encode(OpText, true, 0, []byte("a"), false), encode(9, true, 0, nil, false)...),
	}
	for _, s := range seeds {
		for _, mode := range []byte{0, 1, 2, 4, 8, 16, 32, 5, 13, 20} {
			f.Add(mode, s)
		}
	}
	f.Fuzz(func(t *testing.T, mode byte, data []byte) {
		c, closes := runEngineOn(t, mode, data)
		select {
		case <-c.Done():
		default:
			t.Fatal("connection not finished")
		}
		if mode&16 == 0 {
			assert.Equal(t, 1, closes, "OnClose exactly once")
		}
	})
}

// TestEngineOnTruncatedInput runs the engine over every prefix of a valid
// stream: each must end cleanly (no panic, no hang).
func TestEngineOnTruncatedInput(t *testing.T) {
	var stream []byte
	stream = append(stream, encode(OpText, false, 0, []byte("κόσ"), true)...)
	stream = append(stream, encode(OpPing, true, 0, []byte("ping"), true)...)
	stream = append(stream, encode(OpContinuation, true, 0, []byte("με"), true)...)
	stream = append(stream, encode(OpBinary, true, 0, make([]byte, 300), true)...)
	stream = append(stream, encode(OpClose, true, 0, closePayload(1000, ""), true)...)
	for _, mode := range []byte{0, 2, 8, 16} {
		for n := range len(stream) + 1 {
			c, _ := runEngineOn(t, mode, stream[:n])
			ce, ok := c.closeError().(*CloseError)
			require.True(t, ok)
			if n == len(stream) {
				// The whole stream: a close handshake the server completes.
				assert.True(t, ce.WasClean, "mode %d", mode)
				assert.Equal(t, 1000, ce.Code)
			} else {
				assert.False(t, ce.WasClean, "prefix %d mode %d", n, mode)
			}
		}
	}
}

var _ io.Reader = (*bytesConn)(nil)
