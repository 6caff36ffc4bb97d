package ws_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// frameSink takes each received frame whole (Autobahn's onMessageFrame)
// and keeps the defaults for everything else: it never holds more than
// one frame of a message in memory.
type frameSink struct {
	ws.BaseHandler
	frame int
	done  chan struct{}
}

func (h *frameSink) OnMessageFrame(c *ws.Conn, payload []byte) {
	h.frame++
	fmt.Printf("frame %d: %d bytes\n", h.frame, len(payload))
}

func (h *frameSink) OnMessageEnd(c *ws.Conn) {
	fmt.Println("message complete")
	close(h.done)
}

// A handler implementing MessageFrameHandler receives each frame whole;
// with MessageEndHandler it also learns where messages end. OnMessage is
// not called: the frames took the payload over.
func ExampleMessageFrameHandler() {
	h := &frameSink{done: make(chan struct{})}
	srv := ws.NewServer(func() ws.Handler { return h }, nil)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go func() { _ = srv.Serve(ln) }()
	defer srv.Shutdown(context.Background())

	c, err := ws.Dial(context.Background(), "ws://"+ln.Addr().String()+"/", nil, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.CloseNow()
	// One message in three frames, and the empty final frame EndMessage
	// sends.
	_ = c.BeginMessage(true, true)
	for _, n := range []int64{3, 5, 2} {
		_ = c.BeginMessageFrame(n)
		_ = c.SendMessageFrameData(make([]byte, n))
	}
	_ = c.EndMessage()
	<-h.done
	// Output:
	// frame 1: 3 bytes
	// frame 2: 5 bytes
	// frame 3: 2 bytes
	// frame 4: 0 bytes
	// message complete
}

// NetConn turns a blocking-mode connection into a net.Conn, for code
// written against a byte stream.
func ExampleNetConn() {
	srv := ws.NewServer(func() ws.Handler { return echoHandler{} }, nil)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go func() { _ = srv.Serve(ln) }()
	defer srv.Shutdown(context.Background())

	c, err := ws.Dial(context.Background(), "ws://"+ln.Addr().String()+"/", nil, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	nc := ws.NetConn(context.Background(), c, true)
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(nc, "line one\n")
	fmt.Fprintf(nc, "line two\n")
	r := bufio.NewReader(nc)
	for range 2 {
		line, _ := r.ReadString('\n')
		fmt.Print(line)
	}
	// Output:
	// line one
	// line two
}

func ExampleParseURL() {
	for _, s := range []string{
		"wss://example.com/chat?room=1",
		"ws+unix:///run/app.sock:/chat",
		"ws://example.com/#top",
	} {
		u, err := ws.ParseURL(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("secure=%v host=%s port=%d socket=%q resource=%s\n", u.IsSecure, u.Host, u.Port, u.SocketPath, u.Resource)
	}
	// Output:
	// secure=true host=example.com port=443 socket="" resource=/chat?room=1
	// secure=false host=localhost port=0 socket="/run/app.sock" resource=/chat
	// ws: invalid WebSocket URL "ws://example.com/#top": non-empty fragment "top"
}

func ExampleCreateURL() {
	s, _ := ws.CreateURL("example.com", 0, true, "/a path", url.Values{"q": {"1"}})
	fmt.Println(s)
	s, _ = ws.CreateUnixURL("/run/app.sock", false, "/chat", nil)
	fmt.Println(s)
	// Output:
	// wss://example.com:443/a%20path?q=1
	// ws+unix:///run/app.sock:/chat
}

// A server on a Unix-domain socket, and a client dialling it with a
// ws+unix:// URL.
func ExampleDial_unixSocket() {
	dir, _ := os.MkdirTemp("", "ws")
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "app.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := ws.NewServer(func() ws.Handler { return echoHandler{} }, nil)
	go func() { _ = srv.Serve(ln) }()
	defer srv.Shutdown(context.Background())

	c, err := ws.Dial(context.Background(), "ws+unix://"+sock+":/echo", nil, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	_ = c.SendMessage([]byte("over a unix socket"), false)
	_, p, _ := c.ReadMessage(context.Background())
	fmt.Println(string(p))
	// Output: over a unix socket
}

// Options.NetDialContext opens the byte stream Dial runs over: here a
// dialer bound to a local address, but any net.Conn will do.
func ExampleOptions_netDialContext() {
	o := ws.DefaultOptions()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, Timeout: 3 * time.Second}
	o.NetDialContext = d.DialContext
	c, err := ws.Dial(context.Background(), "ws://127.0.0.1:9001/", nil, o)
	if err != nil {
		return
	}
	defer c.Close()
}

// The TLS channel binding of a wss connection ties an authentication to
// this one TLS channel (as WAMP-cryptosign does with Autobahn's
// channel_id).
func ExampleTransportDetails_channelID() {
	c, err := ws.Dial(context.Background(), "wss://example.com/", nil, nil)
	if err != nil {
		return
	}
	defer c.Close()
	td := c.Transport()
	if cb, ok := td.ChannelID[ws.ChannelBindingTLSExporter]; ok {
		proof := sha256.Sum256(append([]byte("my-auth-challenge"), cb...))
		_ = c.SendMessage(proof[:], true)
	}
	if td.PeerCert != nil {
		fmt.Println("server:", td.PeerCert.Subject)
	}
}

// Frame and octet logs and timings go to the connection's slog.Logger at
// Debug level; traffic counters are always kept.
func ExampleOptions_logFrames() {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})))
	o := ws.DefaultOptions()
	o.LogFrames = true
	o.TrackTimings = true
	c, err := ws.Dial(context.Background(), "ws://127.0.0.1:9001/", nil, o)
	if err != nil {
		return
	}
	defer c.Close()
	_ = c.SendMessage([]byte("hello"), false)
	_, _, _ = c.ReadMessage(context.Background())
	s := c.Stats()
	if ratio, ok := s.IncomingCompressionRatio(); ok {
		fmt.Printf("received at %.0f%% of the size\n", 100*ratio)
	}
	fmt.Println("handshake bytes in/out:", s.PreopenWireOctetsIn, s.PreopenWireOctetsOut)
	fmt.Println(c.Timings())
	c.ResetStats()
}
