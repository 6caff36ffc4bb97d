package ws_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

type deflateEcho struct{ ws.BaseHandler }

func (deflateEcho) OnMessage(c *ws.Conn, payload []byte, isBinary bool) {
	_ = c.SendMessage(payload, isBinary)
}

// A server that accepts permessage-deflate with bounded memory (no context
// takeover, windows of at most 2^12 bytes) and a client that offers it.
func ExampleDeflateOptions() {
	so := ws.DefaultOptions()
	so.PerMessageDeflate = &ws.DeflateOptions{NoContextTakeover: true, MaxWindowBits: 12}
	srv := ws.NewServer(func() ws.Handler { return deflateEcho{} }, so)
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Shutdown(context.Background()) }()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	co := ws.DefaultOptions()
	co.PerMessageDeflate = &ws.DeflateOptions{} // offer: "permessage-deflate; client_max_window_bits"
	c, err := ws.Dial(ctx, "ws://"+ln.Addr().String()+"/", nil, co)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = c.CloseNow() }()
	for _, ext := range c.Response().Extensions {
		fmt.Println(ext.Name)
		for _, p := range ext.Params {
			if p.HasValue {
				fmt.Printf("  %s=%s\n", p.Name, p.Value)
			} else {
				fmt.Printf("  %s\n", p.Name)
			}
		}
	}
	_ = c.SendMessage([]byte("hello, hello, hello, compressed world"), false)
	_, msg, err := c.ReadMessage(ctx)
	fmt.Println(string(msg), err)
	// Output:
	// permessage-deflate
	//   server_no_context_takeover
	//   server_max_window_bits=12
	//   client_no_context_takeover
	//   client_max_window_bits=12
	// hello, hello, hello, compressed world <nil>
}
