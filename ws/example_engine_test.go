package ws_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// A blocking-mode client: no Handler, messages are pulled with
// ReadMessage; pings are answered automatically.
func ExampleConn_ReadMessage() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := ws.Dial(ctx, "ws://127.0.0.1:9001/", nil, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if err := c.SendMessage([]byte("hello"), false); err != nil {
		log.Fatal(err)
	}
	isBinary, payload, err := c.ReadMessage(ctx)
	if err != nil {
		log.Fatal(err) // a *ws.CloseError once the connection closed
	}
	fmt.Println(isBinary, string(payload))
}

// Streaming a large message: written bytes go out in frames as they come.
func ExampleConn_NextWriter() {
	var c *ws.Conn // from ws.Dial or a Handler's OnOpen
	w, err := c.NextWriter(true)
	if err != nil {
		log.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if _, err := w.Write(make([]byte, 64<<10)); err != nil {
			log.Fatal(err)
		}
	}
	if err := w.Close(); err != nil { // sends the final frame
		log.Fatal(err)
	}
}

// Autobahn's streaming send API: a message of two frames, the second
// announced before its data.
func ExampleConn_BeginMessage() {
	var c *ws.Conn
	_ = c.BeginMessage(false, false)
	_ = c.SendMessageFrameData([]byte("Hello, "))
	_ = c.BeginMessageFrame(6)
	_ = c.SendMessageFrameData([]byte("wor"))
	_ = c.SendMessageFrameData([]byte("ld"))
	_ = c.SendMessageFrameData([]byte("!"))
	_ = c.EndMessage()
}
