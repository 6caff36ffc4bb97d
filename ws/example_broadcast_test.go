package ws_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// roomHandler puts every connection in a room while it is open.
type roomHandler struct {
	ws.BaseHandler
	room   *ws.Group
	joined chan struct{}
}

func (h roomHandler) OnOpen(c *ws.Conn) {
	h.room.Add(c)
	h.joined <- struct{}{}
}

func (h roomHandler) OnClose(c *ws.Conn, _ bool, _ int, _ string) { h.room.Remove(c) }

// A room: the server broadcasts one message to every member, framed once;
// each member's send queue is its own, so a slow member delays no other.
func ExampleGroup() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	room := &ws.Group{}
	joined := make(chan struct{}, 3)
	srv := ws.NewServer(func() ws.Handler { return roomHandler{room: room, joined: joined} }, nil)
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Shutdown(context.Background()) }()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var clients []*ws.Conn
	for range 3 {
		c, err := ws.Dial(ctx, "ws://"+ln.Addr().String()+"/", nil, nil) // blocking API
		if err != nil {
			panic(err)
		}
		defer c.Close()
		clients = append(clients, c)
		<-joined
	}

	r := room.BroadcastMessage([]byte("hello, room"), false)
	fmt.Printf("delivered %d, dropped %d, closed %d\n", r.Delivered, r.Dropped, r.Closed)
	for _, c := range clients {
		_, payload, err := c.ReadMessage(ctx)
		if err != nil {
			panic(err)
		}
		fmt.Println(string(payload))
	}
	// Output:
	// delivered 3, dropped 0, closed 0
	// hello, room
	// hello, room
	// hello, room
}
