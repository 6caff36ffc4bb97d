package ws_test

import (
	"log"

	"github.com/autobahn-go/autobahn/ws"
)

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
