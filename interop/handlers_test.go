package interop

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/autobahn-go/autobahn/ws"
)

// waitTimeout bounds every wait for a callback in these tests.
const waitTimeout = 30 * time.Second

// closeInfo is what OnClose reported.
type closeInfo struct {
	WasClean bool
	Code     int
	Reason   string
}

// recorder is a Handler that reports every callback on a channel. Channels
// are buffered so that callbacks never block the read goroutine in these
// short scripts.
type recorder struct {
	ws.BaseHandler
	opened chan *ws.Conn
	msgs   chan ws.IncomingMessage
	pings  chan []byte
	pongs  chan []byte
	closed chan closeInfo
}

func newRecorder() recorder {
	return recorder{
		opened: make(chan *ws.Conn, 1),
		msgs:   make(chan ws.IncomingMessage, 256),
		pings:  make(chan []byte, 64),
		pongs:  make(chan []byte, 64),
		closed: make(chan closeInfo, 1),
	}
}

func (r *recorder) OnOpen(c *ws.Conn) { r.opened <- c }

func (r *recorder) OnMessage(c *ws.Conn, payload []byte, isBinary bool) {
	r.msgs <- ws.IncomingMessage{Payload: payload, IsBinary: isBinary}
}

func (r *recorder) OnPing(c *ws.Conn, payload []byte) {
	r.BaseHandler.OnPing(c, payload)
	r.pings <- bytes.Clone(payload)
}

func (r *recorder) OnPong(c *ws.Conn, payload []byte) { r.pongs <- bytes.Clone(payload) }

func (r *recorder) OnClose(c *ws.Conn, wasClean bool, code int, reason string) {
	r.closed <- closeInfo{WasClean: wasClean, Code: code, Reason: reason}
}

// clientRecorder is a client Handler that also records the server's answer
// to the opening handshake.
type clientRecorder struct {
	recorder
	resp chan *ws.ConnectionResponse
}

func newClientRecorder() *clientRecorder {
	return &clientRecorder{recorder: newRecorder(), resp: make(chan *ws.ConnectionResponse, 1)}
}

func (r *clientRecorder) OnConnect(resp *ws.ConnectionResponse) error {
	r.resp <- resp
	return nil
}

// serverEcho is our server's Handler in these tests: it echoes every
// message with its type and records everything. Like py/server.py it
// denies /deny with 403, prefers subprotocol "bar" over "foo", and obeys
// the text commands "@@ping PAYLOAD" and "@@close CODE REASON".
type serverEcho struct {
	recorder
	req chan *ws.ConnectionRequest
}

func newServerEcho() *serverEcho {
	return &serverEcho{recorder: newRecorder(), req: make(chan *ws.ConnectionRequest, 1)}
}

func (h *serverEcho) OnConnect(req *ws.ConnectionRequest) (*ws.ConnectionAccept, error) {
	h.req <- req
	if req.Path == "/deny" {
		return nil, &ws.ConnectionDeny{Code: ws.Forbidden, Reason: "denied by go server"}
	}
	for _, want := range []string{"bar", "foo"} {
		for _, p := range req.Protocols {
			if p == want {
				return &ws.ConnectionAccept{Subprotocol: p}, nil
			}
		}
	}
	return &ws.ConnectionAccept{}, nil
}

func (h *serverEcho) OnMessage(c *ws.Conn, payload []byte, isBinary bool) {
	h.recorder.OnMessage(c, payload, isBinary)
	if !isBinary {
		if p, ok := bytes.CutPrefix(payload, []byte("@@ping ")); ok {
			_ = c.SendPing(p)
			return
		}
		if p, ok := bytes.CutPrefix(payload, []byte("@@close ")); ok {
			code, reason, _ := strings.Cut(string(p), " ")
			n, err := strconv.Atoi(code)
			if err == nil {
				_ = c.SendClose(n, reason)
				return
			}
		}
	}
	_ = c.SendMessage(payload, isBinary)
}

// recv waits for one value on ch.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitTimeout):
		t.Fatalf("no %s within %v", what, waitTimeout)
		panic("unreachable")
	}
}

// echoCase is one message sent and expected back unchanged.
type echoCase struct {
	name    string
	payload []byte
	binary  bool
}

// echoCases are the messages both directions exchange: text with non-ASCII
// code points, every byte value, empty messages, 1 MiB of random binary,
// of mixed-width text and of a block repeated at long distance.
func echoCases() []echoCase {
	all := make([]byte, 0, 1024)
	for i := 0; i < 4; i++ {
		for b := 0; b < 256; b++ {
			all = append(all, byte(b))
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = byte(rng.Uint32())
	}
	text := []byte(strings.Repeat("autobahn-go interop é€😀 ", 1<<20/20))[:1<<20]
	for !utf8.Valid(text) {
		text = text[:len(text)-1]
	}
	// a 20000-byte random block repeated: deflate finds matches 20000
	// bytes back, farther than a 9- or 12-bit window allows, so a
	// compressor that ignores a negotiated window breaks the peer's
	// inflater
	block := big[:20000]
	repeats := make([]byte, 0, 1<<20)
	for len(repeats) < 1<<20 {
		repeats = append(repeats, block[:min(len(block), 1<<20-len(repeats))]...)
	}
	return []echoCase{
		{"text", []byte("Hello, autobahn-go ✓ üß"), false},
		{"binary", all, true},
		{"empty text", nil, false},
		{"empty binary", nil, true},
		{"1 MiB binary", big, true},
		{"1 MiB text", text, false},
		{"repeats 1 MiB", repeats, true},
	}
}
