package ws_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// echoHandler echoes every message back with its type. Embedding
// ws.BaseHandler gives the defaults (a pong for every ping).
type echoHandler struct{ ws.BaseHandler }

func (echoHandler) OnMessage(c *ws.Conn, payload []byte, isBinary bool) {
	_ = c.SendMessage(payload, isBinary)
}

// clientHandler sends one message on open, prints the echo and closes.
type clientHandler struct {
	ws.BaseHandler
	closed chan struct{}
}

func (h *clientHandler) OnOpen(c *ws.Conn) { _ = c.SendMessage([]byte("Hello, world!"), false) }

func (h *clientHandler) OnMessage(c *ws.Conn, payload []byte, isBinary bool) {
	fmt.Printf("echo: %s (binary=%v)\n", payload, isBinary)
	_ = c.SendClose(1000, "done")
}

func (h *clientHandler) OnClose(c *ws.Conn, wasClean bool, code int, reason string) {
	fmt.Printf("closed: clean=%v code=%d\n", wasClean, code)
	close(h.closed)
}

// A server and a client in Autobahn's callback style: the server echoes,
// the client sends one message, prints the echo and closes.
func Example() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := ws.NewServer(func() ws.Handler { return echoHandler{} }, nil)
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Shutdown(context.Background()) }()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := &clientHandler{closed: make(chan struct{})}
	if _, err := ws.Dial(ctx, "ws://"+ln.Addr().String()+"/", h, nil); err != nil {
		panic(err)
	}
	<-h.closed
	// Output:
	// echo: Hello, world! (binary=false)
	// closed: clean=true code=1000
}

// The blocking API on the same engine: Dial with a nil handler and pull
// messages with ReadMessage.
func ExampleConn_ReadMessage() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := ws.NewServer(func() ws.Handler { return echoHandler{} }, nil)
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Shutdown(context.Background()) }()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := ws.Dial(ctx, "ws://"+ln.Addr().String()+"/", nil, nil)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.SendMessage([]byte{1, 2, 3}, true); err != nil {
		panic(err)
	}
	isBinary, payload, err := c.ReadMessage(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println(isBinary, payload)
	// Output: true [1 2 3]
}

// Denying a connection from OnConnect with an HTTP status.
type denyHandler struct{ echoHandler }

func (denyHandler) OnConnect(req *ws.ConnectionRequest) (*ws.ConnectionAccept, error) {
	if req.Path != "/chat" {
		return nil, &ws.ConnectionDeny{Code: ws.NotFound, Reason: "no such room"}
	}
	return &ws.ConnectionAccept{Subprotocol: "chat.v1"}, nil
}

func ExampleServerConnectHandler() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := ws.NewServer(func() ws.Handler { return denyHandler{} }, nil)
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Shutdown(context.Background()) }()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	opts := ws.DefaultOptions()
	opts.Protocols = []string{"chat.v1"}
	_, err = ws.Dial(ctx, "ws://"+ln.Addr().String()+"/lobby", nil, opts)
	fmt.Println(err != nil)
	c, err := ws.Dial(ctx, "ws://"+ln.Addr().String()+"/chat", nil, opts)
	if err != nil {
		panic(err)
	}
	fmt.Println(c.Subprotocol())
	_ = c.Close()
	// Output:
	// true
	// chat.v1
}
