package ws_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// keeper echoes every message and hands a copy of it on. With
// ReuseMessageBuffer the payload is only lent to OnMessage: sending it
// from within OnMessage is fine (SendMessage returns once it is written),
// keeping it, here in a channel, needs a copy.
type keeper struct {
	ws.BaseHandler
	kept chan []byte
}

func (h *keeper) OnMessage(c *ws.Conn, payload []byte, isBinary bool) {
	h.kept <- bytes.Clone(payload) // payload is reused after OnMessage returns
	_ = c.SendMessage(payload, isBinary)
}

// collector prints the echoes and closes after the second.
type collector struct {
	ws.BaseHandler
	n      int
	closed chan struct{}
}

func (h *collector) OnOpen(c *ws.Conn) {
	_ = c.SendMessage([]byte("first"), false)
	_ = c.SendMessage([]byte("second"), false)
}

func (h *collector) OnMessage(c *ws.Conn, payload []byte, _ bool) {
	fmt.Printf("echo: %s\n", payload)
	if h.n++; h.n == 2 {
		_ = c.SendClose(1000, "")
	}
}

func (h *collector) OnClose(*ws.Conn, bool, int, string) { close(h.closed) }

// A server that receives without allocating per message
// (Options.ReuseMessageBuffer): OnMessage's payload lives in a pooled
// buffer that is reused once OnMessage returns.
func ExampleOptions_reuseMessageBuffer() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	o := ws.DefaultOptions()
	o.ReuseMessageBuffer = true
	k := &keeper{kept: make(chan []byte, 2)}
	srv := ws.NewServer(func() ws.Handler { return k }, o)
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Shutdown(context.Background()) }()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := &collector{closed: make(chan struct{})}
	if _, err := ws.Dial(ctx, "ws://"+ln.Addr().String()+"/", h, nil); err != nil {
		panic(err)
	}
	<-h.closed
	fmt.Printf("kept: %s, %s\n", <-k.kept, <-k.kept)
	// Output:
	// echo: first
	// echo: second
	// kept: first, second
}
