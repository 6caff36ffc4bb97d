package ws_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// An Options literal only tightens the defaults: the fields it leaves zero
// take DefaultOptions' values, so no protocol check is lost. Turning a
// check off takes DefaultOptions first.
func ExampleOptions() {
	strict := &ws.Options{MaxMessagePayloadSize: 1 << 20}
	s := ws.NewServer(func() ws.Handler { return echoHandler{} }, strict)
	fmt.Println(s.Err())

	lax := ws.DefaultOptions()
	lax.MaxMessagePayloadSize = 0 // unlimited, as in Autobahn
	lax.WebStatus = false
	fmt.Println(lax.Validate())
	// Output:
	// <nil>
	// <nil>
}

// Origin patterns are checked when the server is made; a malformed one
// makes a server that refuses to serve, with the reason.
func ExampleOptions_Validate() {
	o := ws.DefaultOptions()
	o.AllowedOrigins = []string{"https://*.example.com", "*.example.org"}
	fmt.Println(o.Validate())
	s := ws.NewServer(func() ws.Handler { return echoHandler{} }, o)
	fmt.Println(s.Err() != nil)
	// Output:
	// ws: invalid options: AllowedOrigins: origin pattern "*.example.org": no scheme: want "*" or scheme://host[:port], e.g. https://*.example.com
	// true
}

// policyHandler closes every connection whose first message breaks its
// rules with 1008 (policy violation), a code SendClose does not allow.
type policyHandler struct{ ws.BaseHandler }

func (policyHandler) OnMessage(c *ws.Conn, payload []byte, isBinary bool) {
	if isBinary {
		_ = c.SendCloseCode(ws.ClosePolicyViolation, "text only")
		return
	}
	_ = c.SendMessage(payload, false)
}

// closeReporter prints how the connection closed.
type closeReporter struct {
	ws.BaseHandler
	done chan struct{}
}

func (h *closeReporter) OnClose(c *ws.Conn, wasClean bool, code int, reason string) {
	fmt.Printf("closed: clean=%v code=%d reason=%q\n", wasClean, code, reason)
	close(h.done)
}

func ExampleConn_SendCloseCode() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := ws.NewServer(func() ws.Handler { return policyHandler{} }, nil)
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Shutdown(context.Background()) }()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := &closeReporter{done: make(chan struct{})}
	c, err := ws.Dial(ctx, "ws://"+ln.Addr().String()+"/", h, nil)
	if err != nil {
		panic(err)
	}
	_ = c.SendMessage([]byte{0xff}, true)
	<-h.done
	// Output: closed: clean=true code=1008 reason="text only"
}

// Per-call settings of Autobahn's sendMessage, and a limit on what may be
// sent.
func ExampleConn_SendMessageWith() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := ws.NewServer(func() ws.Handler { return echoHandler{} }, nil)
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Shutdown(context.Background()) }()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	o := ws.DefaultOptions()
	o.MaxOutgoingMessagePayloadSize = 1 << 10
	c, err := ws.Dial(ctx, "ws://"+ln.Addr().String()+"/", nil, o)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	// Three frames of at most 4 bytes, uncompressed.
	if err := c.SendMessageWith([]byte("fragmented"), false, ws.SendOptions{FragmentSize: 4, SkipCompress: true}); err != nil {
		panic(err)
	}
	_, payload, err := c.ReadMessage(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(payload))
	err = c.SendMessage(make([]byte, 2<<10), true)
	fmt.Println(errors.Is(err, ws.ErrMessageTooBig))
	// Output:
	// fragmented
	// true
}

// rttHandler logs each automatic ping's round trip (Autobahn's onAutoPong).
type rttHandler struct{ ws.BaseHandler }

func (rttHandler) OnAutoPong(c *ws.Conn, p ws.AutoPong) {
	fmt.Printf("ping %d: rtt %v\n", p.Seq, p.RTT)
}

func (rttHandler) OnAutoPingTimeout(c *ws.Conn) {
	fmt.Println("peer did not answer a ping in time:", c.RemoteAddr())
}

// A server that pings every client every 20 seconds and drops those that
// do not answer within 10.
func ExampleAutoPongHandler() {
	o := ws.DefaultOptions()
	o.AutoPingInterval = 20 * time.Second
	o.AutoPingTimeout = 10 * time.Second
	srv := ws.NewServer(func() ws.Handler { return rttHandler{} }, o)
	_ = srv // srv.ListenAndServe(":8080")
}
