package ws_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// chatHandler accepts only clients that speak "chat.v1" and echoes
// messages back.
type chatHandler struct{ ws.BaseHandler }

func (chatHandler) OnConnect(req *ws.ConnectionRequest) (*ws.ConnectionAccept, error) {
	for _, p := range req.Protocols {
		if p == "chat.v1" {
			return &ws.ConnectionAccept{Subprotocol: p, Headers: http.Header{"X-Served-By": {"example"}}}, nil
		}
	}
	return nil, &ws.ConnectionDeny{Code: ws.NotAcceptable, Reason: "speak chat.v1"}
}

func (chatHandler) OnMessage(c *ws.Conn, payload []byte, isBinary bool) {
	log.Printf("got %d bytes from %s", len(payload), c.Transport().Peer)
}

// A server mounted on an ordinary mux: one handler per connection.
func ExampleNewServer() {
	opts := ws.DefaultOptions()
	opts.AllowedOrigins = []string{"https://*.example.com"}
	opts.MaxConnections = 1000
	srv := ws.NewServer(func() ws.Handler { return chatHandler{} }, opts)

	mux := http.NewServeMux()
	mux.Handle("/chat", srv)
	hs := &http.Server{Addr: "127.0.0.1:9001", Handler: mux, ReadHeaderTimeout: opts.OpenHandshakeTimeout}
	log.Fatal(hs.ListenAndServe())
}

// A client in blocking mode (no handler).
func ExampleDial() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts := ws.DefaultOptions()
	opts.Protocols = []string{"chat.v1"}
	c, err := ws.Dial(ctx, "ws://127.0.0.1:9001/chat", nil, opts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("connected, subprotocol", c.Response().Protocol)
}
